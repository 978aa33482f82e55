// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: runs on the audio thread.  Nothing here allocates, locks,
// prints, does I/O or makes a system call.

#include "plan/plan.h"
#include "rt/denormal.h"
#include "rt/fault.h"

#include <stdbool.h>
#include <stdint.h>
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

/// [RT] Mark a node faulty: cut at once (NaN/Inf) or fade to its dry input.
static void
trip(DspPlan* const     plan,
     const uint32_t     n,
     DspFault* const    f,
     const DspFaultKind kind,
     const uint32_t     port,
     const float        value)
{
  if (kind == DSP_FAULT_NAN) {
    // Nothing finite to fade from: the dry input replaces this very block
    f->gain    = 0.0f;
    f->step    = 0.0f;
    f->running = 0U;
  } else {
    f->step = -1.0f / (float)plan->fault_limits.fade;
  }
  if (f->kind == DSP_FAULT_NONE) {
    f->kind     = kind;
    f->port     = port;
    f->value    = value;
    f->at       = plan->frames + n;
    f->reported = 0U;
    ++plan->fault_new;
  }
}

/// [RT] First non-zero sample of `buf` (a subnormal in a denormal storm).
static float
first_nonzero(const float* const buf, const uint32_t n)
{
  for (uint32_t i = 0U; i < n; ++i) {
    uint32_t u = 0U;
    memcpy(&u, &buf[i], sizeof(u));
    if (u & 0x7FFFFFFFU) {
      return buf[i];
    }
  }
  return 0.0f;
}

/// [RT] Scan and judge a node's outputs one by one: the node did not pass
/// the plan's fault_clear check this block.
static void
scan_outputs(DspPlan* const           plan,
             const DspPlanStep* const step,
             DspFault* const          f,
             const uint32_t           n)
{
  const uint32_t n_in  = step->node->n_inputs;
  const uint32_t level = dsp_fault_watch_range(true);
  uint32_t       storm = UINT32_MAX;
  uint32_t       held  = 0U;
  for (uint32_t k = 0U; k < step->n_watch; ++k) {
    const uint32_t     q           = step->watch[k].port - n_in;
    const bool         check_level = step->watch[k].range == level;
    const float* const buf         = step->ports[n_in + q];
    DspFaultScan       scan;
    bool               denormal = false;
    float              value    = 0.0f;
    dsp_fault_scan(buf, n, check_level, &scan);
    const DspFaultKind kind = dsp_fault_judge(&scan,
                                              n,
                                              &step->held[q],
                                              &plan->fault_limits,
                                              check_level,
                                              &denormal,
                                              &value);
    held |= step->held[q] != 0;
    if (kind != DSP_FAULT_NONE) {
      trip(plan, n, f, kind, q, value);
      if (kind == DSP_FAULT_NAN) {
        f->held = 1U; // Left for the next pass to clear
        return;
      }
    }
    storm = (denormal && storm == UINT32_MAX) ? q : storm;
  }
  f->held = held;

  if (storm == UINT32_MAX) {
    f->denormal = 0U;
  } else if ((f->denormal += n) >= plan->fault_limits.hold) {
    trip(plan,
         n,
         f,
         DSP_FAULT_DENORMAL,
         storm,
         first_nonzero(step->ports[n_in + storm], n));
  }
}

/// [RT] Check a node's outputs after its run() (docs/realtime.md).
static inline void
check_outputs(DspPlan* const           plan,
              const DspPlanStep* const step,
              DspFault* const          f,
              const uint32_t           n)
{
  if (!plan->fault_clear(step->ports, step->watch, step->n_watch, n)) {
    scan_outputs(plan, step, f, n);
    return;
  }

  // Most blocks: every output starts with a normal sample below full scale
  // (so is neither stuck nor a denormal storm) and sums finite
  if (f->held) {
    for (uint32_t q = 0U; q < step->node->n_outputs; ++q) {
      step->held[q] = 0;
    }
    f->held = 0U;
  }
  f->denormal = 0U;
}

/// [RT] Replace a faulty node's outputs by silence (or, with "on_fault":
/// "bypass", its inputs, silence beyond them), crossfading while its gain
/// ramps.
static void
apply_mute(const DspPlan* const     plan,
           const DspPlanStep* const step,
           DspFault* const          f,
           const uint32_t           n)
{
  const uint32_t n_in  = step->node->n_inputs;
  const uint32_t n_out = step->node->n_outputs;
  const float    step_ = f->step;

  for (uint32_t q = 0U; q < n_out; ++q) {
    float* const       out = step->ports[n_in + q];
    const float* const dry =
      (f->bypass && q < n_in) ? step->ports[q] : plan->silence;
    if (out == plan->sink) {
      continue;
    }
    if (step_ == 0.0f) {
      // Steady: gain 0 (muted; out is not even written by the node)
      memcpy(out, dry, (size_t)n * sizeof(float));
      continue;
    }
    float gain = f->gain;
    for (uint32_t i = 0U; i < n; ++i) {
      gain += step_;
      gain   = gain < 0.0f ? 0.0f : gain > 1.0f ? 1.0f : gain;
      out[i] = dry[i] + gain * (out[i] - dry[i]);
    }
  }

  if (step_ != 0.0f) {
    float gain = f->gain + step_ * (float)n;
    gain       = gain < 0.0f ? 0.0f : gain > 1.0f ? 1.0f : gain;
    f->gain    = gain;
    if (gain <= 0.0f) {
      f->step    = 0.0f; // Faded out: stop running it
      f->running = 0U;
    } else if (gain >= 1.0f) {
      f->step = 0.0f; // Faded back in after a re-arm
    }
  }
}

/// [RT] A step's summing ops: its inputs fed by more than one source.
static __attribute__((noinline)) void
mix_inputs(const DspPlan* const     plan,
           const DspPlanStep* const step,
           const uint32_t           n)
{
  for (uint32_t m = step->mix_begin; m < step->mix_end; ++m) {
    const DspMixOp* const op = &plan->mix[m];
    if (op->add) {
      for (uint32_t i = 0U; i < n; ++i) {
        op->dst[i] += op->src[i];
      }
    } else {
      memcpy(op->dst, op->src, (size_t)n * sizeof(float));
    }
  }
}

/// [RT] A node muted, fading, bypassed or ramping its bypass: its outputs
/// mixed with its dry inputs (apart from the common case: out of line).
static __attribute__((noinline)) void
apply_fades(DspPlan* const           plan,
            const DspPlanStep* const step,
            const uint32_t           n)
{
  DspFault* const f = step->fault;
  if (f->gain < 1.0f || f->step != 0.0f) {
    apply_mute(plan, step, f, n);
  }
  DspBypass* const b = step->bypass;
  if (b->pos != 0.0f || b->left) {
    apply_bypass(step, b, n);
  }
}

/// [RT] Whether [a, a + n) and [b, b + n) share a sample.
static inline bool
overlap(const float* const a, const float* const b, const uint32_t n)
{
  const uintptr_t x   = (uintptr_t)a;
  const uintptr_t y   = (uintptr_t)b;
  const uintptr_t len = (uintptr_t)n * sizeof(float);
  return x < y + len && y < x + len;
}

/// [RT] Point DspPlan::host_bufs at the caller's buffers for the block at
/// `offset` (at the plan's own buffers if an output overlaps an input),
/// reconnecting a port only if its buffer moved.
static void
point_host_bufs(DspPlan* const            plan,
                const float* const* const in,
                float* const* const       out,
                const uint32_t            offset)
{
  for (uint32_t ch = 0U; ch < plan->n_inputs; ++ch) {
    plan->host_in[ch] = in[ch] + offset;
  }
  for (uint32_t ch = 0U; ch < plan->n_outputs; ++ch) {
    plan->host_out[ch] = out[ch] + offset;
  }

  // An output written in place would change an input under its readers:
  // copy instead (over max_block frames, so it holds for any block until
  // the buffers move again)
  bool copy = false;
  for (uint32_t i = 0U; i < plan->n_inputs; ++i) {
    for (uint32_t o = 0U; plan->own_in[i] && o < plan->n_outputs; ++o) {
      copy |= overlap(plan->host_in[i], plan->host_out[o], plan->max_block);
    }
  }
  plan->host_copy = copy;

  for (uint32_t k = 0U; k < plan->n_host_bufs; ++k) {
    const DspHostBuf* const h = &plan->host_bufs[k];
    // Nodes never write their input ports; connect() takes one pointer
    // type for both directions (as LV2's connect_port does)
    float* buf = NULL;
    if (h->output) {
      buf = copy ? plan->own_out[h->channel] : plan->host_out[h->channel];
    } else {
      buf = copy ? plan->own_in[h->channel]
                 : (float*)(uintptr_t)plan->host_in[h->channel];
    }
    if (h->kind == DSP_HOST_PORT) {
      DspPlanStep* const step = &plan->steps[h->at];
      if (step->ports[h->port] != buf) {
        DspNode* const node  = step->node;
        const uint32_t n_in  = node->n_inputs;
        step->ports[h->port] = buf;
        if (h->port < n_in) {
          node->klass->connect(node, DSP_PORT_INPUT, h->port, buf);
        } else {
          node->klass->connect(node, DSP_PORT_OUTPUT, h->port - n_in, buf);
        }
      }
    } else if (h->kind == DSP_HOST_MIX) {
      plan->mix[h->at].src = buf;
    } else {
      plan->out_ops[h->at].src = buf;
    }
  }
}

/// [RT] Whether the caller's buffers for the block at `offset` are not
/// those DspPlan::host_bufs point at (a JACK port's buffer rarely moves).
static inline bool
host_moved(const DspPlan* const      plan,
           const float* const* const in,
           float* const* const       out,
           const uint32_t            offset)
{
  bool moved = false;
  for (uint32_t ch = 0U; ch < plan->n_inputs; ++ch) {
    moved |= plan->host_in[ch] != in[ch] + offset;
  }
  for (uint32_t ch = 0U; ch < plan->n_outputs; ++ch) {
    moved |= plan->host_out[ch] != out[ch] + offset;
  }
  return moved;
}

static inline __attribute__((always_inline)) void
run_block(DspPlan* const            plan,
          const float* const* const in,
          float* const* const       out,
          const uint32_t            offset,
          const uint32_t            n,
          const bool                timed)
{
  const size_t bytes = (size_t)n * sizeof(float);

  if (host_moved(plan, in, out, offset)) {
    point_host_bufs(plan, in, out, offset);
  }
  if (plan->host_copy) {
    for (uint32_t ch = 0U; ch < plan->n_inputs; ++ch) {
      if (plan->own_in[ch]) {
        memcpy(plan->own_in[ch], in[ch] + offset, bytes);
      }
    }
  }

  for (uint32_t s = 0U; s < plan->n_steps; ++s) {
    const DspPlanStep* const step = &plan->steps[s];
    if (step->mix_begin != step->mix_end) {
      mix_inputs(plan, step, n);
    }
    DspFault* const f = step->fault;
    if (f->running) {
      if (timed) {
        const uint64_t t0 = now_ns();
        step->run(step->node, n);
        plan->step_ns[s] += now_ns() - t0;
      } else {
        step->run(step->node, n);
      }
      check_outputs(plan, step, f, n);
    } // Else muted by a fault: not run, its outputs are its dry inputs
    const DspBypass* const b = step->bypass;
    if (f->gain < 1.0f || f->step != 0.0f || b->pos != 0.0f || b->left) {
      apply_fades(plan, step, n);
    }
  }

  for (uint32_t k = 0U; k < plan->n_out_ops; ++k) {
    const DspOutputOp* const op  = &plan->out_ops[k];
    float* const             dst = out[op->channel] + offset;
    if (op->src == dst) {
      // Written in place by its node (DspHostBuf)
    } else if (op->add) {
      for (uint32_t i = 0U; i < n; ++i) {
        dst[i] += op->src[i];
      }
    } else {
      memcpy(dst, op->src, bytes);
    }
  }
  plan->frames += n;
}

void
dsp_plan_run(DspPlan* const            plan,
             const float* const* const in,
             float* const* const       out,
             const uint32_t            n_frames)
{
  dsp_denormals_flush();
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
  dsp_denormals_flush();
  for (uint32_t offset = 0U; offset < n_frames;) {
    const uint32_t left = n_frames - offset;
    const uint32_t n    = left < plan->max_block ? left : plan->max_block;
    run_block(plan, in, out, offset, n, true);
    offset += n;
  }
}
