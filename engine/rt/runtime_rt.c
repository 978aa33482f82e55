// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: the audio thread's side of the runtime.  Nothing here
// allocates, locks, prints, does I/O or makes a system call.

#include "runtime_impl.h"

#include <string.h>

#if defined(__SSE__)
#  include <xmmintrin.h>
#endif

/// [RT] Flush denormals to zero on this thread (FTZ and DAZ).
static void
flush_denormals(void)
{
#if defined(__SSE__)
  _mm_setcsr(_mm_getcsr() | 0x8040U);
#endif
}

/// [RT] Queue a retired plan for the control thread to free.
static void
retire(DspRuntime* const rt, DspPlan* const plan)
{
  // Flush older overflow first to keep order, then this one
  while (rt->pending &&
         !dsp_ring_write(rt->retired, &rt->overflow[0], sizeof(DspPlan*))) {
    --rt->pending;
    memmove(&rt->overflow[0], &rt->overflow[1], rt->pending * sizeof(DspPlan*));
  }

  if (rt->pending ||
      dsp_ring_write(rt->retired, (const void*)&plan, sizeof(plan))) {
    if (rt->pending < DSP_RUNTIME_MAX_RETIRED) {
      rt->overflow[rt->pending++] = plan;
    }
    // Else the plan leaks rather than blocking: the control thread is
    // DSP_RUNTIME_MAX_RETIRED * 2 plans behind, which it never is.
  }
}

static void
apply_commands(DspRuntime* const rt)
{
  DspPlan* current = atomic_load_explicit(&rt->current, memory_order_relaxed);

  // Only what was there at the start of the cycle
  const uint32_t n_msgs =
    dsp_ring_read_space(rt->commands) / (uint32_t)sizeof(DspMsg);
  for (uint32_t i = 0U; i < n_msgs; ++i) {
    DspMsg msg;
    if (dsp_ring_read(rt->commands, &msg, sizeof(msg))) {
      break;
    }

    if (msg.type == DSP_MSG_SET_PLAN) {
      if (current) {
        retire(rt, current);
      }
      current = msg.plan;
      atomic_store_explicit(&rt->current, current, memory_order_release);
    } else if (msg.type == DSP_MSG_SET_PARAM && msg.plan == current &&
               current && msg.node < current->n_nodes &&
               msg.param < current->nodes[msg.node]->n_params) {
      dsp_node_set_param(current->nodes[msg.node], msg.param, msg.value);
    }
  }
}

void
dsp_runtime_process(DspRuntime* const         rt,
                    const float* const* const in,
                    const uint32_t            n_inputs,
                    float* const* const       out,
                    const uint32_t            n_outputs,
                    const uint32_t            n_frames)
{
  flush_denormals();
  apply_commands(rt);

  DspPlan* const plan =
    atomic_load_explicit(&rt->current, memory_order_relaxed);
  if (!plan || plan->n_inputs > n_inputs || plan->n_outputs > n_outputs) {
    for (uint32_t ch = 0U; ch < n_outputs; ++ch) {
      memset(out[ch], 0, n_frames * sizeof(float));
    }
    return;
  }

  dsp_plan_run(plan, in, out, n_frames);
  for (uint32_t ch = plan->n_outputs; ch < n_outputs; ++ch) {
    memset(out[ch], 0, n_frames * sizeof(float));
  }
}

DspPlan*
dsp_runtime_current(const DspRuntime* const rt)
{
  return atomic_load_explicit(&rt->current, memory_order_acquire);
}
