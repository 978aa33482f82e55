// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "faust_builtin.h"

#include "nodes/faust/faust.h"
#include "nodes/faust/faust_ui.h"

#include <stdio.h>
#include <string.h>

const DspFaustBuiltin*
dsp_faust_builtin_find(const char* const name)
{
  for (const DspFaustBuiltin* const* b = dsp_faust_builtins; *b; ++b) {
    if (!strcmp((*b)->name, name)) {
      return *b;
    }
  }
  return NULL;
}

void
dsp_faust_list_builtins(FILE* const out)
{
  for (const DspFaustBuiltin* const* b = dsp_faust_builtins; *b; ++b) {
    const DspFaustBuiltin* const builtin = *b;

    DspFaustMeta meta;
    MetaGlue     glue = dsp_faust_meta_glue(&meta);
    builtin->class_metadata(&glue);

    // Port counts are constants of the class: a zeroed instance suffices
    void* const dsp   = builtin->create();
    const int   n_in  = dsp ? builtin->ops.get_num_inputs(dsp) : -1;
    const int   n_out = dsp ? builtin->ops.get_num_outputs(dsp) : -1;
    builtin->ops.free(dsp);

    fprintf(out,
            "%-12s %d -> %d  %s\n",
            builtin->name,
            n_in,
            n_out,
            meta.description[0] ? meta.description : meta.name);
  }
}
