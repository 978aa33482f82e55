// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATS_H
#define DSP_STATS_H

#include "graph/graph.h"
#include "rt/runtime.h"

#include <stdbool.h>
#include <stdint.h>

/**
   @file stats.h
   What the audio thread measured, read from any one control thread.

   dsp_runtime_process() times itself with CLOCK_MONOTONIC (a vDSO read,
   not a system call) and compares that with the duration of the block it
   processed (n_frames / sample rate).  Every window of about 100 ms of
   audio it publishes a DspRuntimeStats record through a sequence lock: the
   reader copies it and retries if the audio thread was writing, so it never
   sees a half-written record and the audio thread never waits.
*/

/// Most nodes reported with per-node timing (the graph limit).
#define DSP_STATS_MAX_NODES DSP_GRAPH_MAX_NODES

/// Most output channels metered.
#define DSP_STATS_MAX_CHANNELS DSP_GRAPH_MAX_CHANNELS

/// Measurements published by the audio thread.
typedef struct {
  uint64_t cycles;        ///< Process calls with a plan, since start
  uint64_t frames;        ///< Frames processed, since start
  uint64_t overruns;      ///< Calls that took longer than their block
  uint64_t xruns;         ///< Xruns the host reported (dsp_runtime_note_xrun)
  uint64_t late;          ///< Timed messages applied after their frame
  uint64_t windows;       ///< Windows published (0: nothing measured yet)
  double   load;          ///< Last window: busy time / audio time (0..1+)
  double   load_peak;     ///< Last window: highest single-call load
  double   avg_us;        ///< Last window: mean call time, microseconds
  double   max_us;        ///< Last window: longest call, microseconds
  double   max_us_total;  ///< Longest call since start, microseconds
  double   period_us;     ///< Duration of the last block, microseconds
  uint32_t period_frames; ///< Frames in the last call
  uint32_t n_outputs;     ///< Entries in `peak`
  float    peak[DSP_STATS_MAX_CHANNELS]; ///< Last window: output peaks
  float    rms[DSP_STATS_MAX_CHANNELS];  ///< Last window: output RMS
  uint32_t n_steps; ///< Entries in node_us (0: node timing off)
  uint32_t step_node[DSP_STATS_MAX_NODES]; ///< Per step: node (graph index)
  double   node_us[DSP_STATS_MAX_NODES];   ///< Per step: mean us per call
} DspRuntimeStats;

/**
   Copy the latest published measurements into `stats`.  Any one control
   thread; never blocks the audio thread (retries while it is publishing).
*/
void dsp_runtime_stats(DspRuntime* runtime, DspRuntimeStats* stats);

/**
   Turn per-node timing on or off (takes effect at the next window).  It
   adds two clock reads per node per call; see docs/jack.md for its cost.
*/
void dsp_runtime_set_node_timing(DspRuntime* runtime, bool on);

/// Count an xrun reported by the host (any thread but the audio thread).
void dsp_runtime_note_xrun(DspRuntime* runtime);

/// Kinds of events the audio thread sends to the control thread.
typedef enum {
  DSP_EVENT_OVERRUN = 1, ///< A call took longer than its block: `value` us
  DSP_EVENT_FAULT   = 2, ///< A node was muted by its fault detector
} DspEventType;

/// An event from the audio thread.
typedef struct DspEventStruct {
  uint32_t type;   ///< DspEventType
  uint32_t frames; ///< OVERRUN: block length of the call
  double   value;  ///< OVERRUN: call time (us)
  float    sample; ///< FAULT: a sample of it (copied bit for bit: under
                   ///< DAZ a subnormal would convert to 0)
  uint64_t plan;   ///< FAULT: DspPlan::serial of the node's plan
  uint64_t at;     ///< FAULT: plan frame at the end of the block it was
                   ///< found in
  double   rate;   ///< FAULT: the plan's sample rate
  uint32_t node;   ///< FAULT: node index (graph order)
  uint32_t kind;   ///< FAULT: DspFaultKind
  uint32_t port;   ///< FAULT: output port that tripped it
  uint32_t arm;    ///< FAULT: the node's re-arm generation
  uint32_t bypass; ///< FAULT: 1 its inputs pass, 0 its outputs are silent
  char     id[DSP_GRAPH_MAX_NAME + 1U]; ///< FAULT: node id
} DspEvent;

/**
   Read the next event from the audio thread.  Control thread only.

   @return DSP_SUCCESS with `*event` filled, or DSP_FAILURE if none.
*/
DspStatus dsp_runtime_read_event(DspRuntime* runtime, DspEvent* event);

#endif // DSP_STATS_H
