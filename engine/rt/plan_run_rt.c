// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: runs on the audio thread.  Nothing here allocates, locks,
// prints, does I/O or makes a system call.

#include "plan/plan.h"

#include <stdbool.h>

#include <string.h>
#include <time.h>

/// [RT] CLOCK_MONOTONIC in nanoseconds (vDSO: no system call).
static inline uint64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

/// [RT] Crossfade a node's outputs with its inputs (in[i] -> out[i] where
/// both exist, silence beyond), advancing its bypass ramp.
static void
apply_bypass(const DspPlanStep* const step,
             DspBypass* const         b,
             const uint32_t           n)
{
  const DspNode* const node  = step->node;
  const uint32_t       n_in  = node->n_inputs;
  const uint32_t       n_out = node->n_outputs;
  float                pos   = b->pos;
  uint32_t             left  = b->left;
  const float          step_ = b->step;

  for (uint32_t q = 0U; q < n_out; ++q) {
    float* const       out = step->ports[n_in + q];
    const float* const in  = q < n_in ? step->ports[q] : NULL;
    pos                    = b->pos;
    left                   = b->left;
    for (uint32_t i = 0U; i < n; ++i) {
      if (left) {
        pos += step_;
        --left;
        pos = left ? pos : (step_ > 0.0f ? 1.0f : 0.0f);
      }
      const float dry = in ? in[i] : 0.0f;
      out[i]          = out[i] + pos * (dry - out[i]);
    }
  }

  if (!n_out) {
    // Nothing to mix: just advance the ramp
    const uint32_t k = left < n ? left : n;
    left -= k;
    pos = left ? pos + step_ * (float)k : (step_ > 0.0f ? 1.0f : 0.0f);
  }
  b->pos  = pos;
  b->left = left;
}

static inline void
run_block(const DspPlan* const      plan,
          const float* const* const in,
          float* const* const       out,
          const uint32_t            offset,
          const uint32_t            n,
          const bool                timed)
{
  const size_t bytes = (size_t)n * sizeof(float);

  for (uint32_t ch = 0U; ch < plan->n_inputs; ++ch) {
    if (plan->input_bufs[ch]) {
      memcpy(plan->input_bufs[ch], in[ch] + offset, bytes);
    }
  }

  for (uint32_t s = 0U; s < plan->n_steps; ++s) {
    const DspPlanStep* const step = &plan->steps[s];
    for (uint32_t m = step->mix_begin; m < step->mix_end; ++m) {
      const DspMixOp* const op = &plan->mix[m];
      if (op->add) {
        for (uint32_t i = 0U; i < n; ++i) {
          op->dst[i] += op->src[i];
        }
      } else {
        memcpy(op->dst, op->src, bytes);
      }
    }
    if (timed) {
      const uint64_t t0 = now_ns();
      step->run(step->node, n);
      plan->step_ns[s] += now_ns() - t0;
    } else {
      step->run(step->node, n);
    }

    DspBypass* const b = &plan->bypass[step->index];
    if (b->pos != 0.0f || b->left) {
      apply_bypass(step, b, n);
    }
  }

  for (uint32_t k = 0U; k < plan->n_out_ops; ++k) {
    const DspOutputOp* const op  = &plan->out_ops[k];
    float* const             dst = out[op->channel] + offset;
    if (op->add) {
      for (uint32_t i = 0U; i < n; ++i) {
        dst[i] += op->src[i];
      }
    } else {
      memcpy(dst, op->src, bytes);
    }
  }
}

void
dsp_plan_run(DspPlan* const            plan,
             const float* const* const in,
             float* const* const       out,
             const uint32_t            n_frames)
{
  for (uint32_t offset = 0U; offset < n_frames;) {
    const uint32_t left = n_frames - offset;
    const uint32_t n    = left < plan->max_block ? left : plan->max_block;
    run_block(plan, in, out, offset, n, false);
    offset += n;
  }
}

void
dsp_plan_run_timed(DspPlan* const            plan,
                   const float* const* const in,
                   float* const* const       out,
                   const uint32_t            n_frames)
{
  for (uint32_t offset = 0U; offset < n_frames;) {
    const uint32_t left = n_frames - offset;
    const uint32_t n    = left < plan->max_block ? left : plan->max_block;
    run_block(plan, in, out, offset, n, true);
    offset += n;
  }
}
