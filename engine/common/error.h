// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_ERROR_H
#define DSP_ERROR_H

#include "status.h"

#include <stddef.h>

/**
   A diagnostic that says where and what.

   Filled by functions that take a `DspError*` (which may be NULL to ignore
   details).  Fixed-size so that filling it never allocates.
*/
typedef struct {
  DspStatus status;    ///< Failure status, DSP_SUCCESS if none
  char      file[256]; ///< Source file, or empty
  int       line;      ///< 1-based line, or 0 if unknown
  int       column;    ///< 1-based column, or 0 if unknown
  char      path[192]; ///< JSON pointer ("/nodes/2/uri") or OSC path, or empty
  char      message[768]; ///< What was wrong and what was expected
} DspError;

/// Reset `err` to success (no-op for NULL).
void dsp_error_clear(DspError* err);

/**
   Record a failure in `err` (if not NULL) and return `status`.

   `path` may be NULL.  The file name is kept if already set.
*/
DspStatus dsp_error_set(DspError*   err,
                        DspStatus   status,
                        const char* path,
                        const char* fmt,
                        ...) __attribute__((format(printf, 4, 5)));

/// Set the file (and optionally line and column) of `err`.
void dsp_error_set_location(DspError*   err,
                            const char* file,
                            int         line,
                            int         column);

/**
   Write "file:line:column: /path: message" (omitting unknown parts) to `buf`.

   @return `buf`.
*/
const char* dsp_error_format(const DspError* err, char* buf, size_t size);

#endif // DSP_ERROR_H
