// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "registry.h"

#include "builtin.h"
#include "faust/faust.h"
#include "lv2/lv2.h"

#include <stddef.h>
#include <string.h>

static const DspNodeClass* const classes[] = {
  &dsp_lv2_node_class,
  &dsp_faust_node_class,
  &dsp_builtin_gain_class,
  &dsp_builtin_mix_class,
  &dsp_builtin_split_class,
  &dsp_builtin_sum_class,
  NULL,
};

const DspNodeClass*
dsp_registry_find(const char* const kind)
{
  for (const DspNodeClass* const* c = classes; *c; ++c) {
    if (!strcmp((*c)->kind, kind)) {
      return *c;
    }
  }
  return NULL;
}

const DspNodeClass* const*
dsp_registry_classes(void)
{
  return classes;
}
