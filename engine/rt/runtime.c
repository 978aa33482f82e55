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

  atomic_init(&rt->current, NULL);
  atomic_init(&rt->node_timing, false);
  atomic_init(&rt->xruns, 0U);
  atomic_init(&rt->seq, 0U);
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
    if (msg.type == DSP_MSG_SET_PLAN) {
      dsp_plan_free(msg.plan);
    }
  }

  dsp_plan_free(atomic_load(&rt->current));
  dsp_ring_free(rt->commands);
  dsp_ring_free(rt->retired);
  dsp_ring_free(rt->events);
  free(rt);
}

DspStatus
dsp_runtime_send_plan(DspRuntime* const rt, DspPlan* const plan)
{
  const DspMsg msg = { DSP_MSG_SET_PLAN, 0U, 0U, 0.0f, plan, 0U };
  return dsp_ring_write(rt->commands, &msg, sizeof(msg));
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

  return dsp_runtime_send_param_ramp(rt, plan, node, param, value, 0.0);
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

  const double   frames = ramp_ms * plan->sample_rate / 1000.0;
  const uint32_t ramp   = ramp_ms < 0.0     ? DSP_SMOOTH_DEFAULT
                          : frames >= 4.0e9 ? 4000000000U
                                            : (uint32_t)(frames + 0.5);
  const DspMsg   msg    = { DSP_MSG_SET_PARAM, node, param, value, plan, ramp };
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
