// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_SMOOTH_H
#define DSP_SMOOTH_H

#include "plan/plan.h"

#include <stdint.h>

/**
   @file smooth.h
   Host-side parameter smoothing, the same for every node kind.

   Each parameter of a plan has a DspParamRamp (filled by dsp_compile()).
   A change with a ramp moves the value linearly from where it is to the
   target over the ramp's length; the value is written through the node's
   usual path (dsp_node_set_param) once per sub-block of at most
   DSP_SMOOTH_CHUNK frames, so while anything ramps the runtime runs the
   plan in sub-blocks of that size.  The value written for a sub-block is
   the ramp's value at the sub-block's end, so the last one is exactly the
   target.  Toggled, integer and output parameters always jump.

   Everything here is [RT]: it runs on the audio thread and only touches
   the plan's pre-allocated arrays.
*/

/// Frames per smoothing sub-block (about 0.7 ms at 48 kHz).
#define DSP_SMOOTH_CHUNK 32U

/// Ramp length meaning "the plan's default" (the graph's ramp_ms).
#define DSP_SMOOTH_DEFAULT UINT32_MAX

/**
   [RT] Set parameter `param` of node `node` to `value` over `frames`
   frames (0: at once; DSP_SMOOTH_DEFAULT: the plan's ramp_frames).
*/
void dsp_smooth_set(DspPlan* plan,
                    uint32_t node,
                    uint32_t param,
                    float    value,
                    uint32_t frames);

/**
   [RT] Advance every ramp in progress by `n_frames` and write the new
   values to the nodes.  Finished ramps leave the list.
*/
void dsp_smooth_advance(DspPlan* plan, uint32_t n_frames);

#endif // DSP_SMOOTH_H
