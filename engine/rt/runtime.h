// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_RUNTIME_H
#define DSP_RUNTIME_H

#include "common/status.h"
#include "plan/plan.h"

#include <stdint.h>

/**
   @file runtime.h
   What the audio thread runs: the current plan, fed only through rings.

   The control thread sends plans and parameter changes through a lock-free
   SPSC command ring; the audio thread applies them at block boundaries and
   hands retired plans back through an event ring to be freed by the
   control thread.  Exactly one control thread and one audio thread.
*/

typedef struct DspRuntimeImpl DspRuntime;

/// Kinds of messages in the command ring.
typedef enum {
  DSP_MSG_SET_PLAN  = 1, ///< Make `plan` current
  DSP_MSG_SET_PARAM = 2, ///< Set a parameter of a node of `plan`
} DspMsgType;

/// A command from the control thread to the audio thread.
typedef struct {
  uint32_t type;  ///< DspMsgType
  uint32_t node;  ///< Node index in the plan (graph order)
  uint32_t param; ///< Parameter index in the node
  float    value; ///< New value
  DspPlan* plan;  ///< Plan the message is for
  uint32_t ramp;  ///< Ramp frames: 0 at once, UINT32_MAX the plan's default
} DspMsg;

/**
   Create a runtime with a command ring of `capacity` messages.

   @return A runtime to free with dsp_runtime_free(), or NULL.
*/
DspRuntime* dsp_runtime_new(uint32_t capacity);

/**
   Free the runtime and every plan it holds (current and retired).

   The audio thread must have stopped calling dsp_runtime_process().
*/
void dsp_runtime_free(DspRuntime* runtime);

/**
   Send a plan to the audio thread; it becomes current at the next block.

   Ownership passes to the runtime on success.
*/
DspStatus dsp_runtime_send_plan(DspRuntime* runtime, DspPlan* plan);

/**
   Send a parameter change for node `node` of `plan`, applied at once at the
   next block boundary (ignored if `plan` is no longer current by then).

   The value must already be range-checked.
*/
DspStatus dsp_runtime_send_param(DspRuntime* runtime,
                                 DspPlan*    plan,
                                 uint32_t    node,
                                 uint32_t    param,
                                 float       value);

/**
   Like dsp_runtime_send_param(), but smoothed: the value ramps linearly to
   `value` over `ramp_ms` milliseconds (0: at once; negative: the graph's
   `ramp_ms`, see engine/rt/smooth.h).
*/
DspStatus dsp_runtime_send_param_ramp(DspRuntime* runtime,
                                      DspPlan*    plan,
                                      uint32_t    node,
                                      uint32_t    param,
                                      float       value,
                                      double      ramp_ms);

/// Free plans the audio thread has retired.  Control thread only.
void dsp_runtime_collect(DspRuntime* runtime);

/**
   [RT] Apply pending commands, then run the current plan (silence if none).

   If the current plan needs more channels than given, outputs silence.
   While parameters ramp, the plan runs in sub-blocks (engine/rt/smooth.h).
   Each call is timed for dsp_runtime_stats() (engine/rt/stats.h).

   @param in `n_inputs` input buffers of `n_frames` floats.
   @param out `n_outputs` output buffers of `n_frames` floats.
*/
void dsp_runtime_process(DspRuntime*         runtime,
                         const float* const* in,
                         uint32_t            n_inputs,
                         float* const*       out,
                         uint32_t            n_outputs,
                         uint32_t            n_frames);

/// [RT] The plan now current on the audio thread, or NULL.
DspPlan* dsp_runtime_current(const DspRuntime* runtime);

#endif // DSP_RUNTIME_H
