// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: the audio thread's side of the runtime.  Nothing here
// allocates, locks, prints, does I/O or makes a system call.

#include "runtime_impl.h"
#include "smooth.h"

#include <math.h>
#include <string.h>
#include <time.h>

#if defined(__SSE__)
#  include <emmintrin.h>
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
      dsp_smooth_set(current, msg.node, msg.param, msg.value, msg.ramp);
    }
  }
}

/// [RT] CLOCK_MONOTONIC in nanoseconds (vDSO: no system call).
static inline uint64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

/// [RT] Run the plan, in smoothing sub-blocks while parameters ramp.
static void
run_plan(DspPlan* const            plan,
         const float* const* const in,
         float* const* const       out,
         const uint32_t            n_frames,
         const bool                timed)
{
  if (!plan->n_ramping) {
    if (timed) {
      dsp_plan_run_timed(plan, in, out, n_frames);
    } else {
      dsp_plan_run(plan, in, out, n_frames);
    }
    return;
  }

  const float* sub_in[DSP_GRAPH_MAX_CHANNELS];
  float*       sub_out[DSP_GRAPH_MAX_CHANNELS];
  for (uint32_t offset = 0U; offset < n_frames;) {
    const uint32_t left = n_frames - offset;
    const uint32_t n    = left < DSP_SMOOTH_CHUNK ? left : DSP_SMOOTH_CHUNK;
    for (uint32_t ch = 0U; ch < plan->n_inputs; ++ch) {
      sub_in[ch] = in[ch] + offset;
    }
    for (uint32_t ch = 0U; ch < plan->n_outputs; ++ch) {
      sub_out[ch] = out[ch] + offset;
    }

    if (plan->n_ramping) {
      dsp_smooth_advance(plan, n);
    }
    if (timed) {
      dsp_plan_run_timed(plan, sub_in, sub_out, n);
    } else {
      dsp_plan_run(plan, sub_in, sub_out, n);
    }
    offset += n;
  }
}

/// [RT] Publish the window's measurements under the sequence lock.
static void
publish(DspRuntime* const rt, DspPlan* const plan, const bool timed)
{
  DspStatsWindow* const  w     = &rt->window;
  DspRuntimeStats* const p     = &rt->published;
  const double           calls = w->calls ? (double)w->calls : 1.0;

  const unsigned seq = atomic_load_explicit(&rt->seq, memory_order_relaxed);
  atomic_store_explicit(&rt->seq, seq + 1U, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);

  p->cycles    = w->cycles;
  p->frames    = w->all_frames;
  p->overruns  = w->overruns;
  p->windows   = ++w->windows;
  p->load      = w->audio_ns ? (double)w->busy_ns / (double)w->audio_ns : 0.0;
  p->load_peak = w->peak_load;
  p->avg_us    = (double)w->busy_ns / calls / 1000.0;
  p->max_us    = (double)w->max_ns / 1000.0;
  p->max_us_total  = (double)w->total_max / 1000.0;
  p->period_us     = (double)w->frames * 1.0e6 / plan->sample_rate / calls;
  p->period_frames = (uint32_t)((double)w->frames / calls + 0.5);
  p->n_outputs     = plan->n_outputs < DSP_STATS_MAX_CHANNELS
                       ? plan->n_outputs
                       : DSP_STATS_MAX_CHANNELS;
  for (uint32_t ch = 0U; ch < p->n_outputs; ++ch) {
    p->peak[ch] = w->peak[ch];
  }

  p->n_steps = 0U;
  if (timed && w->timed && w->timed_plan == plan) {
    const uint32_t n =
      plan->n_steps < DSP_STATS_MAX_NODES ? plan->n_steps : DSP_STATS_MAX_NODES;
    for (uint32_t s = 0U; s < n; ++s) {
      const DspNode* const node  = plan->steps[s].node;
      uint32_t             index = 0U;
      while (index < plan->n_nodes && plan->nodes[index] != node) {
        ++index;
      }
      p->step_node[s] = index;
      p->node_us[s]   = (double)plan->step_ns[s] / calls / 1000.0;
    }
    p->n_steps = n;
  }

  atomic_thread_fence(memory_order_release);
  atomic_store_explicit(&rt->seq, seq + 2U, memory_order_release);

  // Start the next window
  w->busy_ns   = 0U;
  w->audio_ns  = 0U;
  w->max_ns    = 0U;
  w->peak_load = 0.0;
  w->calls     = 0U;
  w->frames    = 0U;
  for (uint32_t ch = 0U; ch < DSP_STATS_MAX_CHANNELS; ++ch) {
    w->peak[ch] = 0.0f;
  }
  for (uint32_t s = 0U; s < plan->n_steps; ++s) {
    plan->step_ns[s] = 0U;
  }
  w->timed      = timed;
  w->timed_plan = plan;
}

/// [RT] Account for one call that took `busy` ns over `n_frames`.
/// [RT] Largest of `peak` and the absolute values of `buf` (NaN ignored).
static float
peak_of(const float* const buf, const uint32_t n, float peak)
{
  uint32_t i = 0U;
#if defined(__SSE2__)
  // Four lanes at a time: this runs over every output sample of every cycle
  const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7FFFFFFF));
  __m128       acc      = _mm_set1_ps(peak);
  for (; i + 4U <= n; i += 4U) {
    acc = _mm_max_ps(_mm_and_ps(_mm_loadu_ps(buf + i), abs_mask), acc);
  }
  float lanes[4];
  _mm_storeu_ps(lanes, acc);
  for (int k = 0; k < 4; ++k) {
    peak = lanes[k] > peak ? lanes[k] : peak;
  }
#endif
  for (; i < n; ++i) {
    const float a = fabsf(buf[i]);
    peak          = a > peak ? a : peak;
  }
  return peak;
}

static void
account(DspRuntime* const   rt,
        DspPlan* const      plan,
        float* const* const out,
        const uint32_t      n_frames,
        const uint64_t      busy,
        const bool          timed)
{
  DspStatsWindow* const w = &rt->window;
  const uint64_t        audio =
    (uint64_t)((double)n_frames * 1.0e9 / plan->sample_rate);
  const double load = audio ? (double)busy / (double)audio : 0.0;

  w->busy_ns += busy;
  w->audio_ns += audio;
  w->max_ns    = busy > w->max_ns ? busy : w->max_ns;
  w->total_max = busy > w->total_max ? busy : w->total_max;
  w->peak_load = load > w->peak_load ? load : w->peak_load;
  w->frames += n_frames;
  w->all_frames += n_frames;
  ++w->calls;
  ++w->cycles;

  const uint32_t n_out = plan->n_outputs < DSP_STATS_MAX_CHANNELS
                           ? plan->n_outputs
                           : DSP_STATS_MAX_CHANNELS;
  for (uint32_t ch = 0U; ch < n_out; ++ch) {
    w->peak[ch] = peak_of(out[ch], n_frames, w->peak[ch]);
  }

  if (busy > audio) {
    ++w->overruns;
    const DspEvent ev = { DSP_EVENT_OVERRUN, n_frames, (double)busy / 1000.0 };
    (void)dsp_ring_write(rt->events, &ev, sizeof(ev)); // Dropped if full
  }

  // Publish about every 100 ms of audio, or when timing is switched
  if (w->frames * 10U >= (uint64_t)plan->sample_rate || timed != w->timed ||
      w->timed_plan != plan) {
    publish(rt, plan, timed);
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
  const uint64_t start = now_ns();
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

  const bool timed =
    atomic_load_explicit(&rt->node_timing, memory_order_relaxed);
  run_plan(plan, in, out, n_frames, timed);
  for (uint32_t ch = plan->n_outputs; ch < n_outputs; ++ch) {
    memset(out[ch], 0, n_frames * sizeof(float));
  }

  if (n_frames) {
    account(rt, plan, out, n_frames, now_ns() - start, timed);
  }
}

DspPlan*
dsp_runtime_current(const DspRuntime* const rt)
{
  return atomic_load_explicit(&rt->current, memory_order_acquire);
}
