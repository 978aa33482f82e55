// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The LV2 log feature.  Off the audio thread a message is printed at once;
// inside run() it is queued without blocking (dsp_lv2_log_queue in
// lv2_rt.c) and printed later by dsp_lv2_node_flush_log().

#include "lv2_internal.h"

#include <stdio.h>

int
dsp_lv2_log_vprintf(LV2_Log_Handle    handle,
                    const LV2_URID    type,
                    const char* const fmt,
                    va_list           ap)
{
  DspLv2Node* const        self = (DspLv2Node*)handle;
  const DspLv2Urids* const u    = &self->world->urids;
  if (type == u->log_Trace && !self->world->trace) {
    return 0;
  }

  if (!dsp_lv2_in_run) {
    // Control or worker thread: print now
    const char* const level = (type == u->log_Error)     ? "error"
                              : (type == u->log_Warning) ? "warning"
                              : (type == u->log_Trace)   ? "trace"
                                                         : "note";
    fprintf(stderr, "lv2 node \"%s\": %s: ", self->node->id, level);
    return vfprintf(stderr, fmt, ap);
  }

  return dsp_lv2_log_queue(self, type, fmt, ap);
}

int
dsp_lv2_log_printf(LV2_Log_Handle    handle,
                   const LV2_URID    type,
                   const char* const fmt,
                   ...)
{
  va_list args;
  va_start(args, fmt);
  const int r = dsp_lv2_log_vprintf(handle, type, fmt, args);
  va_end(args);
  return r;
}
