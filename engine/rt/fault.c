// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Control-thread side of the fault detector: limits, reset, names.

#include "fault.h"

#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

DspFaultLimits
dsp_fault_limits(const double rate)
{
  const double   hold = rate * DSP_FAULT_HOLD_MS / 1000.0 + 0.5;
  const double   fade = rate * DSP_FAULT_FADE_MS / 1000.0 + 0.5;
  DspFaultLimits l;
  l.hold = hold >= 2.0e9 ? 2000000000U : hold < 1.0 ? 1U : (uint32_t)hold;
  l.fade = fade >= 2.0e9 ? 2000000000U : fade < 1.0 ? 1U : (uint32_t)fade;
  return l;
}

const char*
dsp_fault_kind_name(const uint32_t kind)
{
  switch ((DspFaultKind)kind) {
  case DSP_FAULT_NONE:
    return "ok";
  case DSP_FAULT_NAN:
    return "nan";
  case DSP_FAULT_STUCK:
    return "stuck";
  case DSP_FAULT_DENORMAL:
    return "denormal";
  }
  return "?";
}

const char*
dsp_fault_kind_text(const uint32_t kind)
{
  switch ((DspFaultKind)kind) {
  case DSP_FAULT_NONE:
    return "no fault";
  case DSP_FAULT_NAN:
    return "NaN/Inf output";
  case DSP_FAULT_STUCK:
    return "output stuck at full scale (|x| >= 1.0, one sign) for 100 ms";
  case DSP_FAULT_DENORMAL:
    return "denormal storm (output only subnormal numbers) for 100 ms";
  }
  return "unknown fault";
}

/// `x` as a double even on a thread with DAZ set (which would read a
/// subnormal float as 0): built from its bits.
static double
to_double(const float x)
{
  uint32_t u = 0U;
  memcpy(&u, &x, sizeof(u));
  if (u & 0x7F800000U) {
    return (double)x;
  }
  const double m = ldexp((double)(u & 0x007FFFFFU), -149);
  return (u & 0x80000000U) ? -m : m;
}

char*
dsp_fault_format(const DspEvent* const ev, char* const buf, const size_t size)
{
  const double t = ev->rate > 0.0 ? (double)ev->at / ev->rate : 0.0;
  snprintf(buf,
           size,
           "fault: node \"%s\" muted at %.3f s: %s (output %u, value %g); "
           "%s until \"/rearm %s\"",
           ev->id,
           t,
           dsp_fault_kind_text(ev->kind),
           ev->port,
           to_double(ev->sample),
           ev->bypass ? "its inputs pass through (on_fault: bypass)"
                      : "its outputs are silent",
           ev->id);
  return buf;
}
