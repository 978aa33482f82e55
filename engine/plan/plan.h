// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_PLAN_H
#define DSP_PLAN_H

#include "graph/graph.h"
#include "nodes/node.h"
#include "rt/fault.h"

#include <stdint.h>

/**
   @file plan.h
   A compiled graph: a flat, pre-allocated run list the audio thread walks.

   Built off the audio thread by dsp_compile(), run on the audio thread by
   dsp_plan_run(), freed off the audio thread by dsp_plan_free().  Every
   pointer in it is fixed when it is built, except those DspPlan::host_bufs
   name, which follow the caller's buffers.
*/

/// Copy (or accumulate) one buffer into another before a step runs.
typedef struct {
  float*       dst; ///< Destination buffer
  const float* src; ///< Source buffer
  uint32_t     add; ///< 0 = copy, 1 = add to dst
} DspMixOp;

/// Bypass state of one node: written only by the audio thread once the plan
/// is current.  Position 0 processes, 1 passes inputs through.
typedef struct {
  float    pos;  ///< Bypass amount 0..1 (linear crossfade)
  float    step; ///< Change per frame while `left`
  uint32_t left; ///< Frames until the ramp ends (0: steady)
} DspBypass;

/// One node to run.
typedef struct {
  DspNode* node; ///< Node (owned by the plan via DspPlan::nodes)
  void (*run)(DspNode* node, uint32_t n_frames); ///< Cached node->klass->run
  uint32_t   mix_begin; ///< First summing op to apply before running
  uint32_t   mix_end;   ///< One past the last summing op
  uint32_t   index;     ///< Node index in graph order
  float**    ports;     ///< The node's input buffers, then its output buffers
  DspFault*  fault;     ///< The node's detector (in DspPlan::faults)
  DspBypass* bypass;    ///< The node's bypass state (in DspPlan::bypass)
  int32_t*   held;      ///< Per output: frames at full scale (signed by side)
  const DspFaultWatch* watch; ///< Outputs the fault check looks at: the
                              ///< connected ones (not the sink)
  uint32_t n_watch;           ///< Entries in `watch`
} DspPlanStep;

/// Frames per crossfade chunk (size of a plan's crossfade scratch).
#define DSP_PLAN_XFADE_CHUNK 256U

/// Where an external output channel's audio comes from.
typedef struct {
  uint32_t     channel; ///< External output channel
  const float* src;     ///< Buffer to copy (or add) from
  uint32_t     add;     ///< 0 = copy, 1 = add
} DspOutputOp;

/// Which pointer in a plan a DspHostBuf re-points.
typedef enum {
  DSP_HOST_PORT = 0, ///< A step's port (DspPlanStep::ports), reconnected
  DSP_HOST_MIX  = 1, ///< A summing op's source (DspPlan::mix)
  DSP_HOST_OUT  = 2, ///< An output op's source (DspPlan::out_ops)
} DspHostBufKind;

/**
   A pointer in the plan to the caller's audio (zero-copy graph edges).

   Every port and op that reads an external input, and the output port
   whose value is the only source of an external output (with every port
   and op that reads that value), point straight at the buffers passed to
   dsp_plan_run(), re-pointed at the start of every block.  A port is
   reconnected (DspNodeClass::connect) only when the caller's pointer
   changed, which for a JACK port buffer is rarely.
*/
typedef struct {
  uint32_t kind;    ///< DspHostBufKind
  uint32_t output;  ///< 0: external input `channel`; 1: external output
  uint32_t channel; ///< External channel
  uint32_t at;      ///< DSP_HOST_PORT: step index; else index of the op
  uint32_t port;    ///< DSP_HOST_PORT: index in the step's ports
} DspHostBuf;

/// Default parameter ramp when a graph gives no `ramp_ms`.
#define DSP_PLAN_DEFAULT_RAMP_MS 5.0

/// Smoothing state of one parameter: written only by the audio thread once
/// the plan is current (see engine/rt/smooth.h).
typedef struct {
  float    current; ///< Value last written to the node
  float    target;  ///< Value the ramp ends at
  float    step;    ///< Change per frame while ramping
  uint32_t left;    ///< Frames until `target` (0: not ramping)
  uint32_t node;    ///< Node index (graph order)
  uint32_t param;   ///< Parameter index in the node
  uint32_t jump;    ///< 1: never ramped (toggled, integer or output)
  uint32_t listed;  ///< 1: in DspPlan::ramping (until advanced past it)
} DspParamRamp;

/// A compiled plan.
typedef struct DspPlanImpl {
  DspGraph*     graph;        ///< Graph the plan was made from (owned)
  double        sample_rate;  ///< Rate the nodes were instantiated at
  uint32_t      max_block;    ///< Largest block dsp_plan_run() accepts at once
  uint32_t      n_inputs;     ///< External input channels
  uint32_t      n_outputs;    ///< External output channels
  uint32_t      n_nodes;      ///< Nodes, in graph file order
  DspNode**     nodes;        ///< Node instances by graph index (owned)
  uint32_t      n_steps;      ///< Steps in run order (== n_nodes)
  DspPlanStep*  steps;        ///< Run list
  uint32_t      n_mix;        ///< Summing ops
  DspMixOp*     mix;          ///< Summing ops, in step order
  uint32_t      n_out_ops;    ///< Output ops
  DspOutputOp*  out_ops;      ///< Output ops, grouped by channel
  uint32_t      n_host_bufs;  ///< Pointers to the caller's buffers
  DspHostBuf*   host_bufs;    ///< Those pointers (owned)
  const float** host_in;      ///< Per input: the caller's buffer now (owned)
  float**       host_out;     ///< Per output: the caller's buffer now (owned)
  float**       own_in;       ///< Per input: plan buffer, NULL if unread
  float**       own_out;      ///< Per output: plan buffer of the node output
                              ///< written in place, or NULL
  uint32_t host_copy;         ///< 1: the caller's inputs and outputs overlap:
                              ///< host_bufs point at own_in/own_out, copied
  uint32_t       n_buffers;   ///< Buffers in the arena (after reuse)
  uint32_t       n_values;    ///< Values before reuse (for statistics)
  float*         arena;       ///< All buffers, n_buffers * max_block floats
  float*         silence;     ///< Always zero, for unconnected inputs
  float*         sink;        ///< Never read, for unconnected outputs
  uint32_t       ramp_frames; ///< Default ramp length (graph ramp_ms); 0: off
  uint32_t       n_ramps;     ///< Entries in `ramps` (every node's params)
  DspParamRamp*  ramps;       ///< Per parameter, node by node (owned)
  uint32_t*      ramp_base;   ///< Per node: index of its first entry in ramps
  uint32_t*      ramping;     ///< Indices of ramps in progress (n_ramps room)
  uint32_t       n_ramping;   ///< Entries in `ramping`
  uint64_t*      step_ns;     ///< Per step: time accumulated by timed runs
  float**        step_ports;  ///< Storage for every step's `ports` (owned)
  DspBypass*     bypass;      ///< Per node (graph order): bypass state (owned)
  float*         xfade;       ///< Crossfade scratch (owned)
  float**        xf_in;  ///< Per input: DSP_PLAN_XFADE_CHUNK floats in xfade
  float**        xf_out; ///< Per output: DSP_PLAN_XFADE_CHUNK floats in xfade
  uint64_t       serial; ///< Unique per plan in this process
  uint64_t       frames; ///< Frames run so far (audio thread)
  DspFault*      faults; ///< Per node (graph order): detector (owned)
  int32_t*       fault_held;     ///< Storage for every step's `held` (owned)
  DspFaultWatch* fault_watch;    ///< Storage for every step's `watch` (owned)
  DspFaultLimits fault_limits;   ///< Hold and fade in frames at sample_rate
  DspFaultClearFunc fault_clear; ///< Per-node check's common case
  uint32_t          fault_new;   ///< Faults not yet posted (audio thread)
} DspPlan;

/**
   Free a plan, its nodes and its graph.  Never on the audio thread.
   NULL is a no-op.
*/
void dsp_plan_free(DspPlan* plan);

/// Graph index of the node with `id`, or -1.
int dsp_plan_find_node(const DspPlan* plan, const char* id);

/**
   [RT] Run the plan over `n_frames` frames.

   The nodes read `in` and write `out` in place (DspPlan::host_bufs), so
   `in` must stay unchanged until the call returns.  If an output buffer
   overlaps an input buffer (a caller processing in place), the plan
   copies its inputs and outputs instead.

   @param in `n_inputs` buffers of `n_frames` floats (read).
   @param out `n_outputs` buffers of `n_frames` floats (written; also
   read while the block runs).
   @param n_frames Any count; blocks over max_block are split.
*/
void dsp_plan_run(DspPlan*            plan,
                  const float* const* in,
                  float* const*       out,
                  uint32_t            n_frames);

/**
   [RT] Like dsp_plan_run(), and add each step's time in nanoseconds
   (CLOCK_MONOTONIC, read through the vDSO) to `plan->step_ns`.
*/
void dsp_plan_run_timed(DspPlan*            plan,
                        const float* const* in,
                        float* const*       out,
                        uint32_t            n_frames);

#endif // DSP_PLAN_H
