// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_RUNTIME_H
#define DSP_RUNTIME_H

#include "common/status.h"
#include "plan/plan.h"

#include <stdbool.h>
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
  DSP_MSG_SET_PLAN  = 1, ///< Make `plan` current at once (hard cut)
  DSP_MSG_SET_PARAM = 2, ///< Set a parameter of a node of `plan`
  DSP_MSG_SWAP      = 3, ///< Crossfade to `plan` over `ramp` frames
  DSP_MSG_BYPASS    = 4, ///< Bypass node `node` of `plan` (value 1) or not
  DSP_MSG_SYNC      = 5, ///< Marker: everything before it is applied
  DSP_MSG_REARM     = 6, ///< Re-arm node `node` muted by a fault (value 1:
                         ///< reset its state; param: re-arm generation)
} DspMsgType;

/// `DspMsg::frame` value meaning "at the next block".
#define DSP_RUNTIME_NOW (-1)

/// A command from the control thread to the audio thread.
typedef struct {
  uint32_t type;  ///< DspMsgType
  uint32_t node;  ///< Node index in the plan (graph order); SYNC: sequence
  uint32_t param; ///< Parameter index in the node
  float    value; ///< New value (BYPASS: 1 bypass, 0 process)
  DspPlan* plan;  ///< Plan the message is for
  uint32_t ramp;  ///< Ramp or crossfade frames (UINT32_MAX: plan default)
  uint32_t tail;  ///< SWAP: frames the old plans may ring out at most
  int64_t  frame; ///< Host frame time to apply at, or DSP_RUNTIME_NOW
} DspMsg;

/// Most plans running at once: the newest and the ones ringing out.
#define DSP_RUNTIME_MAX_VOICES 8U

/// Most swapped-out plans left ringing out freely; at a swap, older ones
/// fade out over that swap's crossfade (a plan is dropped abruptly only if
/// DSP_RUNTIME_MAX_VOICES swaps arrive within one crossfade).
#define DSP_RUNTIME_MAX_RINGING 3U

/// Most timed messages waiting for their frame on the audio thread.
#define DSP_RUNTIME_MAX_TIMED 1024U

/// Default crossfade of a swap, milliseconds.
#define DSP_RUNTIME_DEFAULT_XFADE_MS 50.0

/// Default limit on how long a swapped-out plan rings out, seconds.
#define DSP_RUNTIME_DEFAULT_TAIL_S 10.0

/// Output level under which a ringing-out plan is retired (dBFS).
#define DSP_RUNTIME_TAIL_FLOOR_DB (-90.0)

/// Time its output must stay under the floor before it is retired (ms).
#define DSP_RUNTIME_TAIL_HOLD_MS 100.0

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

/**
   Crossfade from the plans playing to `plan` at a block boundary (or at
   host frame `frame`, see dsp_runtime_process_at()).

   The new plan's output fades in over `xfade_ms` with an equal-power curve
   while the input of the plan playing fades to silence over the same time;
   that plan keeps running so its tails ring out, and is retired once its
   output has stayed under DSP_RUNTIME_TAIL_FLOOR_DB for
   DSP_RUNTIME_TAIL_HOLD_MS, or faded out once `tail_s` seconds have
   passed.  A swap during a swap retargets: the newest plan becomes the
   target and every other one fades its input out from where it is.

   The plan must have the same external channel counts as the one playing.
   Ownership passes to the runtime on success.
*/
DspStatus dsp_runtime_send_swap(DspRuntime* runtime,
                                DspPlan*    plan,
                                double      xfade_ms,
                                double      tail_s,
                                int64_t     frame);

/**
   Like dsp_runtime_send_param_ramp(), applied at host frame `frame`
   (DSP_RUNTIME_NOW: at the next block).
*/
DspStatus dsp_runtime_send_param_at(DspRuntime* runtime,
                                    DspPlan*    plan,
                                    uint32_t    node,
                                    uint32_t    param,
                                    float       value,
                                    double      ramp_ms,
                                    int64_t     frame);

/**
   Bypass node `node` of `plan` (`on`) or process it again, crossfading its
   outputs linearly with its inputs over `ramp_ms` (in[i] -> out[i] where
   both exist, silence for outputs beyond the inputs).  The node keeps
   running while bypassed, so un-bypassing is click-free too.
*/
DspStatus dsp_runtime_send_bypass(DspRuntime* runtime,
                                  DspPlan*    plan,
                                  uint32_t    node,
                                  bool        on,
                                  double      ramp_ms,
                                  int64_t     frame);

/**
   Re-arm node `node` of `plan` after its fault detector muted it
   (docs/realtime.md#faulty-nodes): the detector is cleared, the node's DSP
   state is reset first if `reset` and its kind can do that on the audio
   thread (DspNodeClass::clear), and it fades back in from its dry input
   over DSP_FAULT_FADE_MS.  Fault events it sends from then on carry `arm`.
   A node that is not muted just has its detector cleared.
*/
DspStatus dsp_runtime_send_rearm(DspRuntime* runtime,
                                 DspPlan*    plan,
                                 uint32_t    node,
                                 bool        reset,
                                 uint32_t    arm);

/**
   Send a sync marker with sequence number `seq`; dsp_runtime_synced()
   returns it once the audio thread has applied (or, for timed messages,
   scheduled) everything sent before it.
*/
DspStatus dsp_runtime_send_sync(DspRuntime* runtime, uint32_t seq);

/// The sequence number of the last sync marker the audio thread reached.
uint32_t dsp_runtime_synced(const DspRuntime* runtime);

/// Plans running on the audio thread (more than 1: a swap in progress).
uint32_t dsp_runtime_voices(const DspRuntime* runtime);

/// Free plans the audio thread has retired.  Control thread only.
void dsp_runtime_collect(DspRuntime* runtime);

/**
   [RT] Apply pending commands, then run the current plan (silence if none).

   If the current plan needs more channels than given, outputs silence.
   While parameters ramp, the plan runs in sub-blocks (engine/rt/smooth.h).
   Each call is timed for dsp_runtime_stats() (engine/rt/stats.h).

   @param in `n_inputs` input buffers of `n_frames` floats, unchanged
   until the call returns.
   @param out `n_outputs` output buffers of `n_frames` floats (the plan
   works in them, see dsp_plan_run()).
*/
void dsp_runtime_process(DspRuntime*         runtime,
                         const float* const* in,
                         uint32_t            n_inputs,
                         float* const*       out,
                         uint32_t            n_outputs,
                         uint32_t            n_frames);

/**
   [RT] Like dsp_runtime_process(), for a host whose first frame in this
   block has frame time `frame_time` (JACK: jack_last_frame_time()).  Timed
   messages whose frame falls inside the block split it there, so they take
   effect on exactly that sample.
*/
void dsp_runtime_process_at(DspRuntime*         runtime,
                            uint32_t            frame_time,
                            const float* const* in,
                            uint32_t            n_inputs,
                            float* const*       out,
                            uint32_t            n_outputs,
                            uint32_t            n_frames);

/// [RT] The plan now current on the audio thread, or NULL.
DspPlan* dsp_runtime_current(const DspRuntime* runtime);

#endif // DSP_RUNTIME_H
