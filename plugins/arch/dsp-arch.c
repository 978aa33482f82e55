// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

/*
  Architecture file for the built-in Faust effects.

  `faust -lang c -cn NAME -a dsp-arch.c NAME.dsp` puts the generated class
  below and this file exports `const DspFaustBuiltin dsp_faust_builtin_NAME`
  (see engine/nodes/faust/faust_builtin.h), wrapping the generated functions
  in ones of the exact types the descriptor declares.
*/

#include "nodes/faust/faust_builtin.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

// The generated code expects int min/max from its includer.
static inline int
max(const int a, const int b)
{
  return a > b ? a : b;
}

static inline int
min(const int a, const int b)
{
  return a < b ? a : b;
}

// clang-format off
<<includeIntrinsic>>

<<includeclass>>
// clang-format on

#define DSP_ARCH_CAT2(a, b) a##b
#define DSP_ARCH_CAT(a, b) DSP_ARCH_CAT2(a, b)
#define DSP_ARCH_STR2(a) #a
#define DSP_ARCH_STR(a) DSP_ARCH_STR2(a)
#define DSP_ARCH_FN(prefix) DSP_ARCH_CAT(prefix, FAUSTCLASS)

  static void*
  dsp_arch_create(void)
{
  return DSP_ARCH_FN(new)();
}

static void
dsp_arch_free(void* const dsp)
{
  if (dsp) {
    DSP_ARCH_FN(delete)((FAUSTCLASS*)dsp);
  }
}

static int
dsp_arch_get_num_inputs(void* const dsp)
{
  return DSP_ARCH_FN(getNumInputs)((FAUSTCLASS*)dsp);
}

static int
dsp_arch_get_num_outputs(void* const dsp)
{
  return DSP_ARCH_FN(getNumOutputs)((FAUSTCLASS*)dsp);
}

static void
dsp_arch_build_user_interface(void* const dsp, UIGlue* const ui)
{
  DSP_ARCH_FN(buildUserInterface)((FAUSTCLASS*)dsp, ui);
}

static void
dsp_arch_class_metadata(MetaGlue* const meta)
{
  DSP_ARCH_FN(metadata)(meta);
}

static void
dsp_arch_metadata(void* const dsp, MetaGlue* const meta)
{
  (void)dsp;
  DSP_ARCH_FN(metadata)(meta);
}

static void
dsp_arch_init(void* const dsp, const int sample_rate)
{
  DSP_ARCH_FN(init)((FAUSTCLASS*)dsp, sample_rate);
}

static void
dsp_arch_instance_clear(void* const dsp)
{
  DSP_ARCH_FN(instanceClear)((FAUSTCLASS*)dsp);
}

static void
dsp_arch_compute(void* const   dsp,
                 const int     count,
                 float** const inputs,
                 float** const outputs)
{
  DSP_ARCH_FN(compute)((FAUSTCLASS*)dsp, count, inputs, outputs);
}

extern const DspFaustBuiltin DSP_ARCH_FN(dsp_faust_builtin_);

const DspFaustBuiltin DSP_ARCH_FN(dsp_faust_builtin_) = {
  DSP_ARCH_STR(FAUSTCLASS),
  dsp_arch_create,
  dsp_arch_class_metadata,
  {
    dsp_arch_get_num_inputs,
    dsp_arch_get_num_outputs,
    dsp_arch_build_user_interface,
    dsp_arch_metadata,
    dsp_arch_init,
    dsp_arch_instance_clear,
    dsp_arch_compute,
    dsp_arch_free,
  },
};
