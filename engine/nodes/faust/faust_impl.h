// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_FAUST_IMPL_H
#define DSP_FAUST_IMPL_H

#include "nodes/faust/faust_glue.h"
#include "nodes/node.h"

#include <stdint.h>

/// Kind data of a "faust" node (`DspNode::impl`).
typedef struct {
  const DspFaustOps* ops;       ///< Built-in or libfaust operations
  void*              dsp;       ///< The Faust instance
  float**            inputs;    ///< Input buffers passed to compute
  float**            outputs;   ///< Output buffers passed to compute
  float*             silence;   ///< max_block zeros for unconnected inputs
  float*             discard;   ///< max_block floats for unconnected outputs
  uint32_t           max_block; ///< Largest n_frames
} DspFaustImpl;

/// [RT] Connect a port (NULL: back to silence/discard).
void dsp_faust_connect(DspNode*   node,
                       DspPortDir dir,
                       uint32_t   index,
                       float*     buf);

/// [RT] Run the Faust compute function.
void dsp_faust_run(DspNode* node, uint32_t n_frames);

/// [RT] Reset the DSP state (Faust instanceClear: zeroes delay lines and
/// filter memories, keeps parameters).
void dsp_faust_clear(DspNode* node);

#endif // DSP_FAUST_IMPL_H
