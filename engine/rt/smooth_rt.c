// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: parameter smoothing on the audio thread.  Nothing here
// allocates, locks, prints, does I/O or makes a system call.

#include "smooth.h"

void
dsp_smooth_set(DspPlan* const plan,
               const uint32_t node,
               const uint32_t param,
               const float    value,
               const uint32_t frames)
{
  DspParamRamp* const r = &plan->ramps[plan->ramp_base[node] + param];
  const uint32_t n = frames == DSP_SMOOTH_DEFAULT ? plan->ramp_frames : frames;

  if (!n || r->jump || r->current == value) {
    // Jump: a ramp in progress ends here (it leaves the list when advanced)
    r->current = value;
    r->target  = value;
    r->left    = 0U;
    dsp_node_set_param(plan->nodes[node], param, value);
    return;
  }

  // A ramp ended by a jump stays listed until the next advance: list each
  // parameter once, so the list never outgrows its n_ramps entries
  if (!r->listed) {
    plan->ramping[plan->n_ramping++] = plan->ramp_base[node] + param;
    r->listed                        = 1U;
  }
  r->target = value;
  r->left   = n;
  r->step   = (value - r->current) / (float)n;
}

void
dsp_smooth_advance(DspPlan* const plan, const uint32_t n_frames)
{
  for (uint32_t i = 0U; i < plan->n_ramping;) {
    DspParamRamp* const r = &plan->ramps[plan->ramping[i]];
    if (!r->left) {
      // Ended by a jump: already written
      r->listed        = 0U;
      plan->ramping[i] = plan->ramping[--plan->n_ramping];
      continue;
    }

    if (r->left <= n_frames) {
      r->left    = 0U;
      r->current = r->target;
    } else {
      r->left -= n_frames;
      r->current += r->step * (float)n_frames;
    }
    dsp_node_set_param(plan->nodes[r->node], r->param, r->current);

    if (r->left) {
      ++i;
    } else {
      r->listed        = 0U;
      plan->ramping[i] = plan->ramping[--plan->n_ramping];
    }
  }
}
