// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_QMP_H
#define DSP_AGENT_QMP_H

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>

/**
   @file qmp.h
   A QMP client: one connection for the guest's whole life (QEMU accepts one
   client per socket and does not queue events for a late one).
*/

typedef struct DspQmpImpl DspQmp;

/**
   Connect to the QMP socket at `path`, retrying until `timeout_ms` passes
   (QEMU creates it shortly after start), read the greeting and negotiate
   capabilities.

   @return A new client, free with dsp_qmp_free(), or NULL with `err` set.
*/
DspQmp* dsp_qmp_connect(const char* path,
                        int         timeout_ms,
                        char*       err,
                        size_t      err_size);

/// Close the connection; NULL is a no-op.
void dsp_qmp_free(DspQmp* qmp);

/// The socket, for poll().
int dsp_qmp_fd(const DspQmp* qmp);

/**
   Run a command and wait up to `timeout_ms` for its answer; events that
   arrive meanwhile are queued for dsp_qmp_next_event().

   @param args Arguments (reference stolen) or NULL.
   @return The "return" value (new reference, the caller must
   json_decref() it), or NULL with `err` set.
*/
json_t* dsp_qmp_execute(DspQmp*     qmp,
                        const char* command,
                        json_t*     args,
                        int         timeout_ms,
                        char*       err,
                        size_t      err_size);

/**
   Read whatever is available without blocking and queue the events.

   @return 0, or -1 if the connection is closed (QEMU exited).
*/
int dsp_qmp_pump(DspQmp* qmp);

/// Pop the oldest queued event's name into `name`; false if none.
bool dsp_qmp_next_event(DspQmp* qmp, char* name, size_t name_size);

/**
   Ask for the vCPU threads (query-cpus-fast).

   @return The number of thread ids stored in `tids`, or -1 with `err` set.
*/
int dsp_qmp_vcpu_threads(DspQmp* qmp,
                         int*    tids,
                         size_t  max,
                         char*   err,
                         size_t  err_size);

#endif // DSP_AGENT_QMP_H
