// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

uint64_t
dsp_agent_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
}

uint64_t
dsp_agent_wall_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

void
dsp_agent_log(const char* const fmt, ...)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char stamp[32];
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

  char    line[1024];
  va_list args;
  va_start(args, fmt);
  vsnprintf(line, sizeof(line), fmt, args);
  va_end(args);
  fprintf(
    stderr, "%s.%03ldZ dspagent: %s\n", stamp, ts.tv_nsec / 1000000L, line);
  fflush(stderr);
}
