// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_OSC_H
#define DSP_OSC_H

#include "common/cidr.h"
#include "common/error.h"
#include "control/engine.h"

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/**
   @file osc.h
   The OSC server: UDP (and optionally TCP) sockets bound to one address,
   read by the control thread that owns the DspEngine (see docs/osc.md).

   The sockets are the engine's own (liblo 0.31 cannot bind a server to one
   address); liblo parses and builds the messages.  Nothing here runs on the
   audio thread, and nothing here touches the engine from another thread:
   the control loop polls dsp_osc_fds(), then calls dsp_osc_process() and
   dsp_osc_service().
*/

typedef struct DspOscImpl DspOsc;

/// Default UDP (and TCP) port.
#define DSP_OSC_DEFAULT_PORT 9000

/// Most file descriptors dsp_osc_fds() fills in.
#define DSP_OSC_MAX_FDS 18U

/// How to serve.
typedef struct {
  const char*    bind; ///< Address to bind ("127.0.0.1", "0.0.0.0", "::1")
  int            port; ///< UDP port (0: any free port)
  bool           tcp;  ///< Also accept TCP connections on the same port
  bool           allow_quit; ///< Honour /quit
  bool           node_times; ///< Per-node timing is on anyway (--node-times)
  const DspCidr* allow;      ///< Senders served (--osc-allow, copied), or NULL
  uint32_t       n_allow;    ///< Entries in allow (at most DSP_OSC_MAX_ALLOW);
                             ///< 0: every sender that reaches the socket
} DspOscOptions;

/// Input the server dropped or refused (also in /status.reply).
typedef struct {
  uint64_t denied;    ///< Datagrams and connections from outside --osc-allow
  uint64_t truncated; ///< UDP datagrams longer than DSP_OSC_MAX_DATAGRAM
  uint64_t refused;   ///< Other messages over a limit (engine/osc/limits.h)
} DspOscCounters;

/**
   Map an OSC time tag (NTP 32.32 fixed point) to a host frame time, or
   DSP_RUNTIME_NOW if it is now or past, or cannot be mapped.
*/
typedef int64_t (*DspOscClock)(void* data, uint64_t ntp);

/**
   Open the sockets.  Failing to bind names the address and port.

   @param engine Engine the commands act on (borrowed).
   @param[out] osc Server to free with dsp_osc_free().
*/
DspStatus dsp_osc_new(const DspOscOptions* options,
                      DspEngine*           engine,
                      DspOsc**             osc,
                      DspError*            err);

/**
   Handle one packet (a message or a bundle) as if it had arrived over UDP
   from `from`; replies go there from the server's UDP socket.  For tests
   and fuzzing: the control loop uses dsp_osc_process().
*/
void dsp_osc_dispatch(DspOsc*                osc,
                      const void*            data,
                      size_t                 size,
                      const struct sockaddr* from,
                      socklen_t              from_len);

/// Close the sockets and free the server.  NULL is a no-op.
void dsp_osc_free(DspOsc* osc);

/// Set the clock that maps time tags to frames (none: bundles apply now).
void dsp_osc_set_clock(DspOsc* osc, DspOscClock clock, void* data);

/// The UDP port actually bound.
int dsp_osc_port(const DspOsc* osc);

/// Fill `fds` (room for DSP_OSC_MAX_FDS) with the sockets to poll.
uint32_t dsp_osc_fds(const DspOsc* osc, struct pollfd* fds);

/**
   Called at the end of a dsp_osc_process() pass, before its replies go.
   A failure (with `err` saying why) means the pass's changes are not
   durable: their /done replies become /fail with that message.
*/
typedef DspStatus (*DspOscFlush)(void* data, DspError* err);

/**
   Hold the /done and /fail replies of each dsp_osc_process() pass, call
   `flush` once the pass has applied its messages, then send them: the
   checkpoint writer makes a whole pass durable with one write before any
   of it is acknowledged (docs/checkpoint.md).  If `flush` fails, each
   /done of a changing command (/load /prepare /swap /unload /set /bypass)
   is sent as `/fail command [id] message` instead.  NULL: reply at once.
*/
void dsp_osc_set_flush(DspOsc* osc, DspOscFlush flush, void* data);

/// Read and answer everything the polled sockets have (never blocks).
void dsp_osc_process(DspOsc* osc, const struct pollfd* fds, uint32_t n_fds);

/**
   Answer finished /sync requests and push subscriptions that are due.

   @return Milliseconds until the next push is due (for the poll timeout),
   or -1 if none is.
*/
int dsp_osc_service(DspOsc* osc);

/// What was dropped or refused so far.
DspOscCounters dsp_osc_counters(const DspOsc* osc);
/**
   Push a DSP_EVENT_FAULT to every subscriber: `/fault s node s kind
   i output f value f time_s i playing` (docs/osc.md).  NULL is a no-op.
*/
void dsp_osc_notify_fault(DspOsc* osc, const DspEvent* event);

/// True once an allowed /quit was received.
bool dsp_osc_quit_requested(const DspOsc* osc);

#endif // DSP_OSC_H
