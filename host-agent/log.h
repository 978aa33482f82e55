// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_LOG_H
#define DSP_AGENT_LOG_H

#include <stdint.h>

/// Milliseconds on CLOCK_MONOTONIC.
uint64_t dsp_agent_now_ms(void);

/// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
uint64_t dsp_agent_wall_ns(void);

/**
   Log one line to stderr: wall-clock time (UTC, ms), then the message.
   Every state transition of the agent goes through here.
*/
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void
dsp_agent_log(const char* fmt, ...);

#endif // DSP_AGENT_LOG_H
