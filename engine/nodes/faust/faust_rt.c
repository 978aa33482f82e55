// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Audio-thread part of the "faust" node: nothing here allocates, locks,
// prints or calls libfaust's compiler.

#include "faust_impl.h"

void
dsp_faust_connect(DspNode* const   node,
                  const DspPortDir dir,
                  const uint32_t   index,
                  float* const     buf)
{
  DspFaustImpl* const impl = (DspFaustImpl*)node->impl;
  if (dir == DSP_PORT_INPUT) {
    if (index < node->n_inputs) {
      impl->inputs[index] = buf ? buf : impl->silence;
    }
  } else if (index < node->n_outputs) {
    impl->outputs[index] = buf ? buf : impl->discard;
  }
}

void
dsp_faust_run(DspNode* const node, const uint32_t n_frames)
{
  DspFaustImpl* const impl = (DspFaustImpl*)node->impl;
  impl->ops->compute(impl->dsp, (int)n_frames, impl->inputs, impl->outputs);
}

void
dsp_faust_clear(DspNode* const node)
{
  DspFaustImpl* const impl = (DspFaustImpl*)node->impl;
  impl->ops->instance_clear(impl->dsp);
}
