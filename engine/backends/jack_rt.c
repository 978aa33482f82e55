// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: the JACK process callback.  Nothing here allocates,
// locks, prints, does I/O or makes a system call.

#include "jack_impl.h"

int
dsp_jack_process(const jack_nframes_t n_frames, void* const data)
{
  DspJack* const self = (DspJack*)data;
  const float*   in[DSP_GRAPH_MAX_CHANNELS];
  float*         out[DSP_GRAPH_MAX_CHANNELS];

  for (uint32_t ch = 0U; ch < self->n_inputs; ++ch) {
    in[ch] = (const float*)jack_port_get_buffer(self->inputs[ch], n_frames);
  }
  for (uint32_t ch = 0U; ch < self->n_outputs; ++ch) {
    out[ch] = (float*)jack_port_get_buffer(self->outputs[ch], n_frames);
  }

  // The frame time of this cycle's first frame: timed messages (OSC bundles)
  // are placed on the sample their time maps to
  dsp_runtime_process_at(self->runtime,
                         (uint32_t)jack_last_frame_time(self->client),
                         in,
                         self->n_inputs,
                         out,
                         self->n_outputs,
                         n_frames);
  return 0;
}
