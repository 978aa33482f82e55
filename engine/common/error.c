// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
dsp_error_clear(DspError* const err)
{
  if (err) {
    memset(err, 0, sizeof(*err));
  }
}

DspStatus
dsp_error_set(DspError* const   err,
              const DspStatus   status,
              const char* const path,
              const char* const fmt,
              ...)
{
  if (!err) {
    return status;
  }

  err->status = status;
  snprintf(err->path, sizeof(err->path), "%s", path ? path : "");

  va_list args;
  va_start(args, fmt);
  vsnprintf(err->message, sizeof(err->message), fmt, args);
  va_end(args);
  return status;
}

void
dsp_error_set_location(DspError* const   err,
                       const char* const file,
                       const int         line,
                       const int         column)
{
  if (err) {
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    err->line   = line;
    err->column = column;
  }
}

const char*
dsp_error_format(const DspError* const err, char* const buf, const size_t size)
{
  size_t n = 0U;

#define DSP_APPEND(...)                                                    \
  do {                                                                     \
    const int r = snprintf(buf + n, size - n, __VA_ARGS__);                \
    n = (r < 0) ? n : ((size_t)r >= size - n ? size - 1U : n + (size_t)r); \
  } while (0)

  buf[0] = '\0';
  if (err->file[0]) {
    DSP_APPEND("%s:", err->file);
    if (err->line > 0) {
      DSP_APPEND("%d:", err->line);
      if (err->column > 0) {
        DSP_APPEND("%d:", err->column);
      }
    }
    DSP_APPEND(" ");
  }
  if (err->path[0]) {
    DSP_APPEND("at %s: ", err->path);
  }
  DSP_APPEND("%s",
             err->message[0] ? err->message : dsp_status_string(err->status));
#undef DSP_APPEND
  return buf;
}
