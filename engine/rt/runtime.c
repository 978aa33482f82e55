// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Control-thread side of the runtime: creation, sending, collecting.

#include "runtime_impl.h"

#include "smooth.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

DspRuntime*
dsp_runtime_new(const uint32_t capacity)
{
  DspRuntime* const rt = (DspRuntime*)calloc(1U, sizeof(DspRuntime));
  if (!rt) {
    return NULL;
  }

  rt->commands = dsp_ring_new(capacity * (uint32_t)sizeof(DspMsg));
  rt->retired  = dsp_ring_new(DSP_RUNTIME_MAX_RETIRED * sizeof(DspPlan*));
  rt->events   = dsp_ring_new(DSP_RUNTIME_MAX_EVENTS * sizeof(DspEvent));
  if (!rt->commands || !rt->retired || !rt->events) {
    dsp_runtime_free(rt);
    return NULL;
  }

  rt->meter = dsp_meter_pick();
  atomic_init(&rt->current, NULL);
  atomic_init(&rt->node_timing, false);
  atomic_init(&rt->xruns, 0U);
  atomic_init(&rt->seq, 0U);
  atomic_init(&rt->synced, 0U);
  atomic_init(&rt->voice_count, 0U);
  atomic_init(&rt->timed_late, 0U);
  return rt;
}

void
dsp_runtime_free(DspRuntime* const rt)
{
  if (!rt) {
    return;
  }

  if (rt->retired) {
    dsp_runtime_collect(rt);
  }

  // Plans still queued but never applied
  DspMsg msg;
  while (rt->commands && !dsp_ring_read(rt->commands, &msg, sizeof(msg))) {
    if (msg.type == DSP_MSG_SET_PLAN || msg.type == DSP_MSG_SWAP) {
      dsp_plan_free(msg.plan);
    }
  }
  for (uint32_t k = 0U; k < rt->n_timed; ++k) {
    if (rt->timed[k].type == DSP_MSG_SWAP) {
      dsp_plan_free(rt->timed[k].plan);
    }
  }
  for (uint32_t k = 0U; k < rt->pending; ++k) {
    dsp_plan_free(rt->overflow[k]);
  }

  // Running plans
  for (uint32_t v = 0U; v < rt->n_voices; ++v) {
    dsp_plan_free(rt->voices[v].plan);
  }
  dsp_ring_free(rt->commands);
  dsp_ring_free(rt->retired);
  dsp_ring_free(rt->events);
  free(rt);
}

DspStatus
dsp_runtime_send_plan(DspRuntime* const rt, DspPlan* const plan)
{
  const DspMsg msg = { DSP_MSG_SET_PLAN, 0U, 0U, 0.0f, plan, 0U, 0U,
                       DSP_RUNTIME_NOW };
  return dsp_ring_write(rt->commands, &msg, sizeof(msg));
}

/// Frames in `ms` milliseconds at `rate`, rounded, clamped to 32 bits.
static uint32_t
ms_to_frames(const double ms, const double rate)
{
  const double frames = ms * rate / 1000.0;
  return frames >= 4.0e9 ? 4000000000U
         : frames <= 0.0 ? 0U
                         : (uint32_t)(frames + 0.5);
}

DspStatus
dsp_runtime_send_swap(DspRuntime* const rt,
                      DspPlan* const    plan,
                      const double      xfade_ms,
                      const double      tail_s,
                      const int64_t     frame)
{
  const uint32_t xfade = ms_to_frames(xfade_ms, plan->sample_rate);
  const DspMsg   msg   = { DSP_MSG_SWAP,
                           0U,
                           0U,
                           0.0f,
                           plan,
                       xfade ? xfade : 1U,
                           ms_to_frames(tail_s * 1000.0, plan->sample_rate),
                           frame };
  return dsp_ring_write(rt->commands, &msg, sizeof(msg));
}

DspStatus
dsp_runtime_send_bypass(DspRuntime* const rt,
                        DspPlan* const    plan,
                        const uint32_t    node,
                        const bool        on,
                        const double      ramp_ms,
                        const int64_t     frame)
{
  if (node >= plan->n_nodes) {
    return DSP_ERR_BAD_ARG;
  }
  const DspMsg msg = { DSP_MSG_BYPASS,
                       node,
                       0U,
                       on ? 1.0f : 0.0f,
                       plan,
                       ms_to_frames(ramp_ms, plan->sample_rate),
                       0U,
                       frame };
  return dsp_ring_write(rt->commands, &msg, sizeof(msg));
}

DspStatus
dsp_runtime_send_rearm(DspRuntime* const rt,
                       DspPlan* const    plan,
                       const uint32_t    node,
                       const bool        reset,
                       const uint32_t    arm)
{
  if (node >= plan->n_nodes) {
    return DSP_ERR_BAD_ARG;
  }
  const DspMsg msg = { DSP_MSG_REARM, node, arm, reset ? 1.0f : 0.0f,
                       plan,          0U,   0U,  DSP_RUNTIME_NOW };
  return dsp_ring_write(rt->commands, &msg, sizeof(msg));
}

DspStatus
dsp_runtime_send_sync(DspRuntime* const rt, const uint32_t seq)
{
  const DspMsg msg = { DSP_MSG_SYNC, seq, 0U, 0.0f,
                       NULL,         0U,  0U, DSP_RUNTIME_NOW };
  return dsp_ring_write(rt->commands, &msg, sizeof(msg));
}

uint32_t
dsp_runtime_synced(const DspRuntime* const rt)
{
  return atomic_load_explicit(&rt->synced, memory_order_acquire);
}

uint32_t
dsp_runtime_voices(const DspRuntime* const rt)
{
  return atomic_load_explicit(&rt->voice_count, memory_order_relaxed);
}

DspStatus
dsp_runtime_send_param(DspRuntime* const rt,
                       DspPlan* const    plan,
                       const uint32_t    node,
                       const uint32_t    param,
                       const float       value)
{
  if (node >= plan->n_nodes || param >= plan->nodes[node]->n_params) {
    return DSP_ERR_BAD_ARG;
  }

  return dsp_runtime_send_param_at(
    rt, plan, node, param, value, 0.0, DSP_RUNTIME_NOW);
}

DspStatus
dsp_runtime_send_param_ramp(DspRuntime* const rt,
                            DspPlan* const    plan,
                            const uint32_t    node,
                            const uint32_t    param,
                            const float       value,
                            const double      ramp_ms)
{
  if (node >= plan->n_nodes || param >= plan->nodes[node]->n_params) {
    return DSP_ERR_BAD_ARG;
  }

  return dsp_runtime_send_param_at(
    rt, plan, node, param, value, ramp_ms, DSP_RUNTIME_NOW);
}

DspStatus
dsp_runtime_send_param_at(DspRuntime* const rt,
                          DspPlan* const    plan,
                          const uint32_t    node,
                          const uint32_t    param,
                          const float       value,
                          const double      ramp_ms,
                          const int64_t     frame)
{
  if (node >= plan->n_nodes || param >= plan->nodes[node]->n_params) {
    return DSP_ERR_BAD_ARG;
  }

  const uint32_t ramp = ramp_ms < 0.0
                          ? DSP_SMOOTH_DEFAULT
                          : ms_to_frames(ramp_ms, plan->sample_rate);
  const DspMsg   msg  = {
       DSP_MSG_SET_PARAM, node, param, value, plan, ramp, 0U, frame
  };
  return dsp_ring_write(rt->commands, &msg, sizeof(msg));
}

void
dsp_runtime_stats(DspRuntime* const rt, DspRuntimeStats* const stats)
{
  for (;;) {
    const unsigned before =
      atomic_load_explicit(&rt->seq, memory_order_acquire);
    if (before & 1U) {
      sched_yield();
      continue;
    }
    memcpy(stats, &rt->published, sizeof(*stats));
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&rt->seq, memory_order_relaxed) == before) {
      break;
    }
  }
  stats->xruns = atomic_load(&rt->xruns);
  stats->late  = atomic_load(&rt->timed_late);
}

void
dsp_runtime_set_node_timing(DspRuntime* const rt, const bool on)
{
  atomic_store(&rt->node_timing, on);
}

void
dsp_runtime_note_xrun(DspRuntime* const rt)
{
  atomic_fetch_add(&rt->xruns, 1U);
}

DspStatus
dsp_runtime_read_event(DspRuntime* const rt, DspEvent* const event)
{
  return dsp_ring_read(rt->events, event, sizeof(*event)) ? DSP_FAILURE
                                                          : DSP_SUCCESS;
}

void
dsp_runtime_collect(DspRuntime* const rt)
{
  DspPlan* plan = NULL;
  while (!dsp_ring_read(rt->retired, (void*)&plan, sizeof(plan))) {
    dsp_plan_free(plan);
  }
}
