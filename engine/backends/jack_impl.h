// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_JACK_IMPL_H
#define DSP_JACK_IMPL_H

#include "graph/graph.h"
#include "jack.h"

#include <jack/jack.h>

#include <stdatomic.h>

struct DspJackImpl {
  jack_client_t* client;                          ///< The client
  DspRuntime*    runtime;                         ///< Runs in process()
  uint32_t       n_inputs;                        ///< Input ports
  uint32_t       n_outputs;                       ///< Output ports
  jack_port_t*   inputs[DSP_GRAPH_MAX_CHANNELS];  ///< Input ports
  jack_port_t*   outputs[DSP_GRAPH_MAX_CHANNELS]; ///< Output ports
  atomic_bool    shut_down;                       ///< Server went away
  atomic_uint    new_period;                      ///< Buffer size change
  bool           active;                          ///< Activated
  char           reason[256];                     ///< Why it shut down
};

/// [RT] The JACK process callback.
int dsp_jack_process(jack_nframes_t n_frames, void* data);

#endif // DSP_JACK_IMPL_H
