// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: the audio thread's side of the runtime.  Nothing here
// allocates, locks, prints, does I/O or makes a system call.

#include "denormal.h"
#include "runtime_impl.h"
#include "smooth.h"

#include <math.h>
#include <string.h>
#include <time.h>

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

/// [RT] Equal-power gain at crossfade position `pos` (0..1).
static inline float
xfade_gain(const float pos)
{
  return pos >= 1.0f ? 1.0f : pos <= 0.0f ? 0.0f : sinf(pos * 1.5707963f);
}

/// [RT] Publish the number of plans running.
static void
note_voices(DspRuntime* const rt)
{
  atomic_store_explicit(&rt->voice_count, rt->n_voices, memory_order_relaxed);
  atomic_store_explicit(&rt->current,
                        rt->n_voices ? rt->voices[rt->n_voices - 1U].plan
                                     : NULL,
                        memory_order_release);
}

/// [RT] Remove voice `v` and retire its plan.
static void
drop_voice(DspRuntime* const rt, const uint32_t v)
{
  retire(rt, rt->voices[v].plan);
  for (uint32_t k = v + 1U; k < rt->n_voices; ++k) {
    rt->voices[k - 1U] = rt->voices[k];
  }
  --rt->n_voices;
}

/// [RT] The plan with this pointer if it is running or waiting for a timed
/// swap (it is then owned by the runtime), else NULL.
static DspPlan*
find_plan(const DspRuntime* const rt, const DspPlan* const plan)
{
  for (uint32_t v = 0U; v < rt->n_voices; ++v) {
    if (rt->voices[v].plan == plan) {
      return rt->voices[v].plan;
    }
  }
  for (uint32_t k = 0U; k < rt->n_timed; ++k) {
    if (rt->timed[k].type == DSP_MSG_SWAP && rt->timed[k].plan == plan) {
      return rt->timed[k].plan;
    }
  }
  return NULL;
}

/// [RT] Make `plan` the target: fade it in, fade the others' inputs out.
static void
swap_to(DspRuntime* const rt, const DspMsg* const msg)
{
  const uint32_t xfade = msg->ramp ? msg->ramp : 1U;
  const float    step  = 1.0f / (float)xfade;

  if (rt->n_voices == DSP_RUNTIME_MAX_VOICES) {
    // Full: drop the quietest plan ringing out (never the newest)
    uint32_t quietest = 0U;
    for (uint32_t v = 1U; v + 1U < rt->n_voices; ++v) {
      if (rt->voices[v].block_peak < rt->voices[quietest].block_peak) {
        quietest = v;
      }
    }
    drop_voice(rt, quietest);
  }

  for (uint32_t v = 0U; v < rt->n_voices; ++v) {
    DspVoice* const voice = &rt->voices[v];
    if (!voice->outgoing) {
      voice->outgoing  = true;
      voice->in_step   = -step;
      voice->out_step  = 0.0f; // Freeze: a half-faded-in plan stays there
      voice->tail_left = msg->tail;
      voice->fade      = xfade;
      voice->quiet     = 0U;
    } else if (voice->in_pos > 0.0f && voice->in_step > -step) {
      voice->in_step = -step; // Never slower than the newest swap
    }
  }

  // Keep at most DSP_RUNTIME_MAX_RINGING plans ringing freely: older ones
  // fade out over this crossfade, so that the table never has to drop one
  uint32_t ringing = 0U;
  for (uint32_t v = rt->n_voices; v-- > 0U;) {
    DspVoice* const old = &rt->voices[v];
    if (old->out_step < 0.0f) {
      continue; // Already fading out
    }
    if (++ringing > DSP_RUNTIME_MAX_RINGING) {
      old->out_step = -step;
    }
  }

  // The new plan's input fades in too: a reverb or delay that started on
  // the signal mid-waveform would replay that step from its delay lines
  // after the crossfade has opened its output
  DspVoice* const voice = &rt->voices[rt->n_voices++];
  *voice =
    (DspVoice){ msg->plan, 0.0f, step, 0.0f, step, 0U, xfade, 0U, 0.0f, false };
  note_voices(rt);
}

/// [RT] Re-arm node `node` of `plan`: clear its detector, reset its DSP
/// state if asked and possible, and fade it back in from its dry input.
static void
rearm(DspPlan* const plan, const uint32_t node, const DspMsg* const msg)
{
  DspFault* const f = &plan->faults[node];
  if (f->kind != DSP_FAULT_NONE && !f->reported) {
    --plan->fault_new; // Never posted: forget it
  }
  DspNode* const n = plan->nodes[node];
  if (msg->value > 0.5f && n->klass->clear) {
    n->klass->clear(n);
  }
  const float gain = f->gain;
  dsp_fault_init(f);
  f->arm  = msg->param;
  f->gain = gain;
  f->step = gain < 1.0f ? 1.0f / (float)plan->fault_limits.fade : 0.0f;
  for (uint32_t k = 0U; k < plan->n_steps; ++k) {
    const DspPlanStep* const step = &plan->steps[k];
    if (step->index == node) {
      for (uint32_t q = 0U; q < n->n_outputs; ++q) {
        step->held[q] = 0;
      }
    }
  }
}

/// [RT] Apply one message now.
static void
apply(DspRuntime* const rt, const DspMsg* const msg)
{
  switch ((DspMsgType)msg->type) {
  case DSP_MSG_SET_PLAN:
    while (rt->n_voices) {
      drop_voice(rt, rt->n_voices - 1U);
    }
    rt->voices[0] =
      (DspVoice){ msg->plan, 1.0f, 0.0f, 1.0f, 0.0f, 0U, 1U, 0U, 0.0f, false };
    rt->n_voices = 1U;
    note_voices(rt);
    break;
  case DSP_MSG_SWAP:
    swap_to(rt, msg);
    break;
  case DSP_MSG_SET_PARAM: {
    DspPlan* const plan = find_plan(rt, msg->plan);
    if (plan && msg->node < plan->n_nodes &&
        msg->param < plan->nodes[msg->node]->n_params) {
      dsp_smooth_set(plan, msg->node, msg->param, msg->value, msg->ramp);
    }
    break;
  }
  case DSP_MSG_BYPASS: {
    DspPlan* const plan = find_plan(rt, msg->plan);
    if (plan && msg->node < plan->n_nodes) {
      DspBypass* const b      = &plan->bypass[msg->node];
      const float      target = msg->value > 0.5f ? 1.0f : 0.0f;
      if (!msg->ramp || b->pos == target) {
        b->pos  = target;
        b->left = 0U;
      } else {
        b->left = msg->ramp;
        b->step = (target - b->pos) / (float)msg->ramp;
      }
    }
    break;
  }
  case DSP_MSG_SYNC:
    atomic_store_explicit(&rt->synced, msg->node, memory_order_release);
    break;
  case DSP_MSG_REARM: {
    DspPlan* const plan = find_plan(rt, msg->plan);
    if (plan && msg->node < plan->n_nodes) {
      rearm(plan, msg->node, msg);
    }
    break;
  }
  }
}

/// [RT] Frames from the start of this block to `frame` (negative: past).
static inline int64_t
frames_until(const DspRuntime* const rt, const int64_t frame)
{
  return (int64_t)(int32_t)((uint32_t)frame - rt->now);
}

/// [RT] Keep a timed message until its frame (sorted, stable).
static void
schedule(DspRuntime* const rt, const DspMsg* const msg)
{
  if (rt->n_timed == DSP_RUNTIME_MAX_TIMED) {
    atomic_fetch_add_explicit(&rt->timed_late, 1U, memory_order_relaxed);
    apply(rt, msg); // No room: apply now rather than lose it
    return;
  }

  const int64_t when = frames_until(rt, msg->frame);
  uint32_t      k    = rt->n_timed;
  while (k && frames_until(rt, rt->timed[k - 1U].frame) > when) {
    rt->timed[k] = rt->timed[k - 1U];
    --k;
  }
  rt->timed[k] = *msg;
  ++rt->n_timed;
}

static void
apply_commands(DspRuntime* const rt, const uint32_t n_frames)
{
  // Only what was there at the start of the cycle
  const uint32_t n_msgs =
    dsp_ring_read_space(rt->commands) / (uint32_t)sizeof(DspMsg);
  for (uint32_t i = 0U; i < n_msgs; ++i) {
    DspMsg msg;
    if (dsp_ring_read(rt->commands, &msg, sizeof(msg))) {
      break;
    }

    const int64_t until =
      msg.frame == DSP_RUNTIME_NOW ? 0 : frames_until(rt, msg.frame);
    if (until > 0 && msg.type != DSP_MSG_SYNC && msg.type != DSP_MSG_SET_PLAN) {
      schedule(rt, &msg);
    } else {
      if (until < 0) {
        // Its frame has passed (it came too late): apply it at the start of
        // this block, and count it
        atomic_fetch_add_explicit(&rt->timed_late, 1U, memory_order_relaxed);
      }
      apply(rt, &msg);
    }
  }
  (void)n_frames;
}

/// [RT] Apply timed messages due at or before `offset` frames into the block.
static void
apply_due(DspRuntime* const rt, const uint32_t offset)
{
  uint32_t done = 0U;
  while (done < rt->n_timed &&
         frames_until(rt, rt->timed[done].frame) <= (int64_t)offset) {
    apply(rt, &rt->timed[done]);
    ++done;
  }
  if (done) {
    rt->n_timed -= done;
    memmove(&rt->timed[0], &rt->timed[done], rt->n_timed * sizeof(DspMsg));
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

/// [RT] Post the plan's new faults to the control thread.  One that does
/// not fit in the event ring stays unreported until the next cycle.
static void
post_faults(DspRuntime* const rt, DspPlan* const plan)
{
  for (uint32_t i = 0U; plan->fault_new && i < plan->n_nodes; ++i) {
    DspFault* const f = &plan->faults[i];
    if (f->kind == DSP_FAULT_NONE || f->reported) {
      continue;
    }
    DspEvent ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = DSP_EVENT_FAULT;
    memcpy(&ev.sample, &f->value, sizeof(ev.sample));
    ev.plan              = plan->serial;
    ev.at                = f->at;
    ev.rate              = plan->sample_rate;
    ev.node              = i;
    ev.kind              = f->kind;
    ev.port              = f->port;
    ev.arm               = f->arm;
    ev.bypass            = f->bypass;
    const char* const id = plan->nodes[i]->id;
    for (uint32_t k = 0U; k < DSP_GRAPH_MAX_NAME && id[k]; ++k) {
      ev.id[k] = id[k];
    }
    if (dsp_ring_write(rt->events, &ev, sizeof(ev))) {
      return; // Full: try again next cycle
    }
    f->reported = 1U;
    --plan->fault_new;
  }
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
  p->max_us_total     = (double)w->total_max / 1000.0;
  p->period_us        = (double)w->frames * 1.0e6 / plan->sample_rate / calls;
  p->period_frames    = (uint32_t)((double)w->frames / calls + 0.5);
  p->n_outputs        = plan->n_outputs < DSP_STATS_MAX_CHANNELS
                          ? plan->n_outputs
                          : DSP_STATS_MAX_CHANNELS;
  const double frames = w->frames ? (double)w->frames : 1.0;
  for (uint32_t ch = 0U; ch < p->n_outputs; ++ch) {
    p->peak[ch] = w->peak[ch];
    p->rms[ch]  = (float)sqrt(w->sumsq[ch] / frames);
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
    w->peak[ch]  = 0.0f;
    w->sumsq[ch] = 0.0;
  }
  for (uint32_t s = 0U; s < plan->n_steps; ++s) {
    plan->step_ns[s] = 0U;
  }
  w->timed      = timed;
  w->timed_plan = plan;
}

/// [RT] Account for one call that took `busy` ns over `n_frames`.
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
    rt->meter(out[ch], n_frames, &w->peak[ch], &w->sumsq[ch]);
  }

  if (busy > audio) {
    ++w->overruns;
    DspEvent ev;
    memset(&ev, 0, sizeof(ev));
    ev.type   = DSP_EVENT_OVERRUN;
    ev.frames = n_frames;
    ev.value  = (double)busy / 1000.0;
    (void)dsp_ring_write(rt->events, &ev, sizeof(ev)); // Dropped if full
  }

  // Publish about every 100 ms of audio, or when timing is switched
  if (w->frames * 10U >= (uint64_t)plan->sample_rate || timed != w->timed ||
      w->timed_plan != plan) {
    publish(rt, plan, timed);
  }
}

/// [RT] Advance a crossfade position by one frame.
static inline float
advance_pos(float* const pos, float* const step)
{
  if (*step != 0.0f) {
    *pos += *step;
    if (*pos >= 1.0f) {
      *pos  = 1.0f;
      *step = 0.0f;
    } else if (*pos <= 0.0f) {
      *pos  = 0.0f;
      *step = 0.0f;
    }
  }
  return xfade_gain(*pos);
}

/// [RT] Run every voice over `n` frames at `offset`, mixing into `out`.
static void
run_voices(DspRuntime* const         rt,
           const float* const* const in,
           float* const* const       out,
           const uint32_t            offset,
           const uint32_t            n,
           const uint32_t            n_inputs,
           const uint32_t            n_outputs,
           const bool                timed)
{
  const float* sub_in[DSP_GRAPH_MAX_CHANNELS];
  float*       sub_out[DSP_GRAPH_MAX_CHANNELS];
  DspVoice*    target = &rt->voices[rt->n_voices - 1U];

  if (rt->n_voices == 1U && target->out_pos >= 1.0f &&
      target->out_step == 0.0f && target->in_pos >= 1.0f &&
      target->in_step == 0.0f) {
    // Steady state: no crossfade, run straight on the host's buffers
    DspPlan* const plan = target->plan;
    if (plan->n_inputs > n_inputs || plan->n_outputs > n_outputs) {
      for (uint32_t ch = 0U; ch < n_outputs; ++ch) {
        memset(out[ch] + offset, 0, n * sizeof(float));
      }
      return;
    }
    for (uint32_t ch = 0U; ch < plan->n_inputs; ++ch) {
      sub_in[ch] = in[ch] + offset;
    }
    for (uint32_t ch = 0U; ch < plan->n_outputs; ++ch) {
      sub_out[ch] = out[ch] + offset;
    }
    run_plan(plan, sub_in, sub_out, n, timed);
    if (plan->fault_new) {
      post_faults(rt, plan);
    }
    return;
  }

  float gi[DSP_PLAN_XFADE_CHUNK];
  float go[DSP_PLAN_XFADE_CHUNK];
  for (uint32_t done = 0U; done < n;) {
    const uint32_t left = n - done;
    const uint32_t m =
      left < DSP_PLAN_XFADE_CHUNK ? left : DSP_PLAN_XFADE_CHUNK;
    const uint32_t at = offset + done;

    for (uint32_t ch = 0U; ch < n_outputs; ++ch) {
      memset(out[ch] + at, 0, m * sizeof(float));
    }

    for (uint32_t v = 0U; v < rt->n_voices; ++v) {
      DspVoice* const voice = &rt->voices[v];
      DspPlan* const  plan  = voice->plan;
      if (plan->n_inputs > n_inputs || plan->n_outputs > n_outputs) {
        continue;
      }

      // Input: straight, or faded into the plan's scratch
      if (voice->in_pos >= 1.0f && voice->in_step == 0.0f) {
        for (uint32_t ch = 0U; ch < plan->n_inputs; ++ch) {
          sub_in[ch] = in[ch] + at;
        }
      } else {
        for (uint32_t i = 0U; i < m; ++i) {
          gi[i] = advance_pos(&voice->in_pos, &voice->in_step);
        }
        for (uint32_t ch = 0U; ch < plan->n_inputs; ++ch) {
          const float* const src = in[ch] + at;
          float* const       dst = plan->xf_in[ch];
          for (uint32_t i = 0U; i < m; ++i) {
            dst[i] = src[i] * gi[i];
          }
          sub_in[ch] = dst;
        }
      }

      run_plan(plan, sub_in, plan->xf_out, m, timed && voice == target);
      if (plan->fault_new) {
        post_faults(rt, plan);
      }

      for (uint32_t i = 0U; i < m; ++i) {
        go[i] = advance_pos(&voice->out_pos, &voice->out_step);
      }
      float peak = voice->block_peak;
      for (uint32_t ch = 0U; ch < plan->n_outputs; ++ch) {
        const float* const src = plan->xf_out[ch];
        float* const       dst = out[ch] + at;
        for (uint32_t i = 0U; i < m; ++i) {
          const float y = src[i] * go[i];
          const float a = fabsf(y);
          peak          = a > peak ? a : peak;
          dst[i] += y;
        }
      }
      voice->block_peak = peak;

      // Ringing out with silent input: count down to the forced fade-out
      if (voice->outgoing && voice->in_pos <= 0.0f && voice->out_step == 0.0f) {
        if (voice->tail_left > m) {
          voice->tail_left -= m;
        } else if (voice->out_pos > 0.0f) {
          voice->tail_left = 0U;
          voice->out_step  = -1.0f / (float)voice->fade;
        }
      }
    }
    done += m;
  }
}

/// [RT] Retire plans that have rung out or faded out.
static void
finish_voices(DspRuntime* const rt, const uint32_t n_frames)
{
  static const float floor_gain = 3.1622777e-5f; // -90 dBFS
  bool               changed    = false;

  for (uint32_t v = rt->n_voices; v-- > 0U;) {
    DspVoice* const voice = &rt->voices[v];
    const float     peak  = voice->block_peak;
    voice->block_peak     = 0.0f;
    if (!voice->outgoing) {
      continue;
    }

    const uint32_t hold =
      (uint32_t)(voice->plan->sample_rate * DSP_RUNTIME_TAIL_HOLD_MS / 1000.0);
    if (voice->in_pos <= 0.0f && peak < floor_gain) {
      voice->quiet += n_frames;
    } else {
      voice->quiet = 0U;
    }
    if ((voice->out_pos <= 0.0f && voice->out_step == 0.0f) ||
        voice->quiet >= hold) {
      drop_voice(rt, v);
      changed = true;
    }
  }
  if (changed) {
    note_voices(rt);
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
  dsp_runtime_process_at(rt, rt->clock, in, n_inputs, out, n_outputs, n_frames);
}

void
dsp_runtime_process_at(DspRuntime* const         rt,
                       const uint32_t            frame_time,
                       const float* const* const in,
                       const uint32_t            n_inputs,
                       float* const* const       out,
                       const uint32_t            n_outputs,
                       const uint32_t            n_frames)
{
  const uint64_t start = now_ns();
  dsp_denormals_flush();
  rt->now   = frame_time;
  rt->clock = frame_time + n_frames;
  apply_commands(rt, n_frames);
  apply_due(rt, 0U);

  DspPlan* const plan =
    rt->n_voices ? rt->voices[rt->n_voices - 1U].plan : NULL;
  if (!plan || plan->n_inputs > n_inputs || plan->n_outputs > n_outputs) {
    for (uint32_t ch = 0U; ch < n_outputs; ++ch) {
      memset(out[ch], 0, n_frames * sizeof(float));
    }
    if (n_frames) {
      apply_due(rt, n_frames - 1U); // Keep timed messages moving
    }
    return;
  }

  const bool timed =
    atomic_load_explicit(&rt->node_timing, memory_order_relaxed);
  for (uint32_t offset = 0U; offset < n_frames;) {
    uint32_t end = n_frames;
    if (rt->n_timed) {
      const int64_t due = frames_until(rt, rt->timed[0].frame);
      end = (due > (int64_t)offset && due < (int64_t)n_frames) ? (uint32_t)due
                                                               : n_frames;
    }
    if (rt->n_voices) {
      run_voices(rt, in, out, offset, end - offset, n_inputs, n_outputs, timed);
    }
    offset = end;
    if (offset < n_frames) {
      apply_due(rt, offset);
    }
  }
  finish_voices(rt, n_frames);

  DspPlan* const last =
    rt->n_voices ? rt->voices[rt->n_voices - 1U].plan : plan;
  for (uint32_t ch = last->n_outputs; ch < n_outputs; ++ch) {
    memset(out[ch], 0, n_frames * sizeof(float));
  }

  if (n_frames && rt->n_voices) {
    account(rt, last, out, n_frames, now_ns() - start, timed);
  }
}

DspPlan*
dsp_runtime_current(const DspRuntime* const rt)
{
  return atomic_load_explicit(&rt->current, memory_order_acquire);
}
