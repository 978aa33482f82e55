// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_RUNTIME_IMPL_H
#define DSP_RUNTIME_IMPL_H

#include "ring.h"
#include "runtime.h"

#include <stdatomic.h>

/// Retired plans that may wait to be collected at once.
#define DSP_RUNTIME_MAX_RETIRED 64U

struct DspRuntimeImpl {
  DspRing*          commands; ///< Control -> audio: DspMsg records
  DspRing*          retired;  ///< Audio -> control: DspPlan* to free
  _Atomic(DspPlan*) current;  ///< Written by the audio thread only
  uint32_t          pending;  ///< Plans retired but not yet queued (ring full)
  DspPlan*          overflow[DSP_RUNTIME_MAX_RETIRED]; ///< Those plans
};

#endif // DSP_RUNTIME_IMPL_H
