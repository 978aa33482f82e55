// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_JACK_H
#define DSP_JACK_H

#include "common/error.h"
#include "graph/graph.h"
#include "rt/runtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
   @file jack.h
   Run a runtime live as a JACK client.

   The JACK process callback (jack_rt.c) hands the port buffers to
   dsp_runtime_process() and does nothing else.  Everything here runs on a
   control thread.  The client registers one input port per external input
   channel of the graph and one output per output channel, named after them.
*/

typedef struct DspJackImpl DspJack;

/// How to join the server.
typedef struct {
  const char* client_name; ///< Client name (JACK may add a suffix)
  const char* server_name; ///< Server, or NULL: $JACK_DEFAULT_SERVER/default
} DspJackOptions;

/**
   Open a client on a running server (never starts one) and register ports
   for `graph`'s external channels.  Not yet active.

   With no server, fails with DSP_ERR_IO and a message saying how to start
   one.

   @param runtime Runtime the process callback runs (borrowed).
   @param[out] jack Client to close with dsp_jack_close().
*/
DspStatus dsp_jack_open(const DspJackOptions* options,
                        const DspGraph*       graph,
                        DspRuntime*           runtime,
                        DspJack**             jack,
                        DspError*             err);

/// Close the client (deactivates it first).  NULL is a no-op.
void dsp_jack_close(DspJack* jack);

/// The server's sample rate.
double dsp_jack_sample_rate(const DspJack* jack);

/// The server's current period in frames.
uint32_t dsp_jack_buffer_size(const DspJack* jack);

/// The client's actual name.
const char* dsp_jack_client_name(const DspJack* jack);

/// Start processing.
DspStatus dsp_jack_activate(DspJack* jack, DspError* err);

/**
   Connect ports matching `in_pattern` (other clients' outputs) to our
   inputs, and our outputs to ports matching `out_pattern`, in order; if a
   pattern matches fewer ports than there are channels, they are reused
   cyclically.  NULL patterns are skipped.  Patterns are jack_get_ports()
   regular expressions.

   @return DSP_ERR_NOT_FOUND if a pattern matches nothing.
*/
DspStatus dsp_jack_connect(DspJack*    jack,
                           const char* in_pattern,
                           const char* out_pattern,
                           DspError*   err);

/**
   Pin the process thread to CPU `cpu` (after activation), from this
   control thread: the audio thread itself makes no system call.
*/
DspStatus dsp_jack_pin(DspJack* jack, int cpu, DspError* err);

/**
   Describe the process thread's scheduling ("SCHED_FIFO priority 70") into
   `buf`.  @return true if it runs with real-time scheduling.
*/
bool dsp_jack_describe_sched(const DspJack* jack, char* buf, size_t size);

/// True once the server has shut down or dropped the client.
bool dsp_jack_is_shut_down(const DspJack* jack);

/// Why the server shut down (valid once dsp_jack_is_shut_down()).
const char* dsp_jack_shutdown_reason(const DspJack* jack);

/**
   Period of the last buffer-size change not yet taken, or 0.  The callback
   only records it; the runtime already splits blocks longer than the
   plan's max_block, so nothing is reallocated on the audio thread.
*/
uint32_t dsp_jack_take_buffer_size_change(DspJack* jack);

/**
   The JACK frame time at which wall-clock time `unix_time` (seconds since
   the epoch, CLOCK_REALTIME) falls, rounded to the nearest frame: the
   current cycle's start (jack_get_cycle_times()) plus the time from it at
   the nominal sample rate.  A client that stamps frame F with
   `current_usecs + (F - current_frames) / rate` (on JACK's clock, moved to
   CLOCK_REALTIME) gets F back exactly, although JACK's per-cycle
   estimates (jack_time_to_frames(), jack_frames_to_time()) jitter by
   several frames under load.  A time in the past gives a past frame, at
   most 1 s back (the runtime applies it at once and counts it late);
   DSP_RUNTIME_NOW if JACK has no cycle times yet.
*/
int64_t dsp_jack_frame_at(const DspJack* jack, double unix_time);

#endif // DSP_JACK_H
