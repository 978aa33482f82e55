// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "plan.h"

#include <stdlib.h>
#include <string.h>

void
dsp_plan_free(DspPlan* const plan)
{
  if (!plan) {
    return;
  }

  for (uint32_t i = 0U; plan->nodes && i < plan->n_nodes; ++i) {
    dsp_node_free(plan->nodes[i]);
  }

  free((void*)plan->nodes);
  free(plan->steps);
  free(plan->mix);
  free(plan->out_ops);
  free(plan->host_bufs);
  free((void*)plan->host_in);
  free((void*)plan->host_out);
  free((void*)plan->own_in);
  free((void*)plan->own_out);
  free(plan->arena);
  free(plan->ramps);
  free(plan->ramp_base);
  free(plan->ramping);
  free(plan->step_ns);
  free((void*)plan->step_ports);
  free(plan->bypass);
  free(plan->xfade);
  free((void*)plan->xf_in);
  free((void*)plan->xf_out);
  free(plan->faults);
  free(plan->fault_held);
  free(plan->fault_watch);
  dsp_graph_free(plan->graph);
  free(plan);
}

int
dsp_plan_find_node(const DspPlan* const plan, const char* const id)
{
  for (uint32_t i = 0U; i < plan->n_nodes; ++i) {
    if (!strcmp(plan->nodes[i]->id, id)) {
      return (int)i;
    }
  }
  return -1;
}
