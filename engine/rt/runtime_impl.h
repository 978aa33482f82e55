// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_RUNTIME_IMPL_H
#define DSP_RUNTIME_IMPL_H

#include "meter.h"
#include "ring.h"
#include "runtime.h"
#include "stats.h"

#include <stdatomic.h>

/// Retired plans that may wait to be collected at once.
#define DSP_RUNTIME_MAX_RETIRED 64U

/// Events the audio thread may queue before the control thread reads them.
#define DSP_RUNTIME_MAX_EVENTS 256U

/// Audio-thread accumulators for the current stats window (audio only).
typedef struct {
  uint64_t busy_ns;    ///< Time spent in calls this window
  uint64_t audio_ns;   ///< Audio time processed this window
  uint64_t max_ns;     ///< Longest call this window
  uint64_t total_max;  ///< Longest call since start
  double   peak_load;  ///< Highest single-call load this window
  uint32_t calls;      ///< Calls this window
  uint64_t frames;     ///< Frames this window
  uint64_t cycles;     ///< Calls since start
  uint64_t all_frames; ///< Frames since start
  uint64_t overruns;   ///< Overruns since start
  uint64_t windows;    ///< Windows published
  bool     timed;      ///< This window ran with per-node timing
  DspPlan* timed_plan; ///< Plan whose step_ns this window accumulated
  float    peak[DSP_STATS_MAX_CHANNELS];  ///< Output peaks this window
  double   sumsq[DSP_STATS_MAX_CHANNELS]; ///< Output sums of squares
} DspStatsWindow;

/// A plan running on the audio thread, with its crossfade state.
typedef struct {
  DspPlan* plan;       ///< The plan (owned by the runtime)
  float    out_pos;    ///< Output gain position 0..1 (gain sin(pos pi/2))
  float    out_step;   ///< Change of out_pos per frame
  float    in_pos;     ///< Input gain position 0..1
  float    in_step;    ///< Change of in_pos per frame
  uint32_t tail_left;  ///< Outgoing: frames left before it is faded out
  uint32_t fade;       ///< Outgoing: frames of the final fade-out
  uint32_t quiet;      ///< Outgoing: frames its output stayed under floor
  float    block_peak; ///< Peak of its (gained) output this host block
  bool     outgoing;   ///< Swapped out: ringing out
} DspVoice;

struct DspRuntimeImpl {
  DspRing*          commands; ///< Control -> audio: DspMsg records
  DspRing*          retired;  ///< Audio -> control: DspPlan* to free
  _Atomic(DspPlan*) current;  ///< Written by the audio thread only
  uint32_t          pending;  ///< Plans retired but not yet queued (ring full)
  DspPlan*          overflow[DSP_RUNTIME_MAX_RETIRED]; ///< Those plans
  DspRing*          events;        ///< Audio -> control: DspEvent records
  atomic_bool       node_timing;   ///< Control asks for per-node timing
  atomic_uint_least64_t xruns;     ///< Host-reported xruns
  atomic_uint           seq;       ///< Stats sequence lock (odd: writing)
  DspRuntimeStats       published; ///< Written by the audio thread under seq
  DspStatsWindow        window;    ///< Audio thread only
  DspMeterFunc          meter;     ///< Output meter for this CPU
  DspVoice    voices[DSP_RUNTIME_MAX_VOICES]; ///< Running plans (audio only)
  uint32_t    n_voices;                       ///< Entries in `voices`
  DspMsg      timed[DSP_RUNTIME_MAX_TIMED];   ///< Timed messages, by frame
  uint32_t    n_timed;                        ///< Entries in `timed`
  uint32_t    now;                            ///< Frame time of this block
  uint32_t    clock;                          ///< Own frame counter
  atomic_uint synced;                         ///< Last sync sequence reached
  atomic_uint voice_count;          ///< n_voices, for the control side
  atomic_uint_least64_t timed_late; ///< Timed messages applied late
};

#endif // DSP_RUNTIME_IMPL_H
