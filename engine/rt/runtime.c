// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Control-thread side of the runtime: creation, sending, collecting.

#include "runtime_impl.h"

#include <stdlib.h>

DspRuntime*
dsp_runtime_new(const uint32_t capacity)
{
  DspRuntime* const rt = (DspRuntime*)calloc(1U, sizeof(DspRuntime));
  if (!rt) {
    return NULL;
  }

  rt->commands = dsp_ring_new(capacity * (uint32_t)sizeof(DspMsg));
  rt->retired  = dsp_ring_new(DSP_RUNTIME_MAX_RETIRED * sizeof(DspPlan*));
  if (!rt->commands || !rt->retired) {
    dsp_runtime_free(rt);
    return NULL;
  }

  atomic_init(&rt->current, NULL);
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
  free(rt);
}

DspStatus
dsp_runtime_send_plan(DspRuntime* const rt, DspPlan* const plan)
{
  const DspMsg msg = { DSP_MSG_SET_PLAN, 0U, 0U, 0.0f, plan };
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

  const DspMsg msg = { DSP_MSG_SET_PARAM, node, param, value, plan };
  return dsp_ring_write(rt->commands, &msg, sizeof(msg));
}

void
dsp_runtime_collect(DspRuntime* const rt)
{
  DspPlan* plan = NULL;
  while (!dsp_ring_read(rt->retired, (void*)&plan, sizeof(plan))) {
    dsp_plan_free(plan);
  }
}
