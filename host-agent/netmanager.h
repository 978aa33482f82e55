// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_NETMANAGER_H
#define DSP_AGENT_NETMANAGER_H

#include "agent_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/**
   @file netmanager.h
   The host side of NetJack2 (docs/agent.md, "[audio]"): loads JACK2's
   `netmanager` internal client into the host's JACK server, so that the
   guest's jackd (a NetJack2 slave) finds its master on `netjack_port`.

   The agent leaves it loaded when it exits: the DAW's connections to the
   session's ports live in the host's server, other slaves may use the same
   manager, and restarting the agent must not interrupt host audio.
*/

/// What dsp_agent_netmanager_ensure() found.
typedef enum {
  DSP_NETMANAGER_LOADED = 0, ///< The agent loaded it now
  DSP_NETMANAGER_ALREADY,    ///< It was loaded and its port is bound
  DSP_NETMANAGER_FAILED,     ///< No server, load failed, or port not bound
} DspNetmanagerResult;

/**
   The init string for netmanager (its options, as `jack_load -i` takes
   them): `-p PORT`.

   @return 0, or -1 if `size` is too small.
*/
int dsp_agent_netmanager_init_args(const DspAgentConfig* cfg,
                                   char*                 buf,
                                   size_t                size);

/**
   Whether the text of /proc/net/udp or /proc/net/udp6 lists a socket bound
   to local port `port` (any address).
*/
bool dsp_agent_udp_port_listed(const char* proc_text, unsigned port);

/// Whether a UDP socket (IPv4 or IPv6) on this host is bound to `port`.
bool dsp_agent_udp_port_bound(unsigned port);

/**
   Describe a `jack_status_t` (bits as in <jack/types.h>) in words, e.g.
   "server failed (no server running?)".  Writes "" for 0.
*/
void dsp_agent_jack_status_str(int status, char* buf, size_t size);

/**
   Make sure netmanager runs in the host's JACK server `netjack_server`
   ("" = the default server, or $JACK_DEFAULT_SERVER) and listens on
   `netjack_port`: connects with JackNoStartServer, loads it unless an
   internal client named "netmanager" is there (then the port must be
   bound) and the port is free, then waits (at most `wait_ms`) until the
   port is bound.  A manager it loaded that does not bind the port is
   unloaded again.  "Bound" is read from /proc/net/udp{,6}: any socket on
   the port counts.

   @param msg Receives what happened, or why it failed (naming the server,
   the port and JACK's reason).
*/
DspNetmanagerResult dsp_agent_netmanager_ensure(const DspAgentConfig* cfg,
                                                unsigned              wait_ms,
                                                char*                 msg,
                                                size_t                size);

/**
   dsp_agent_netmanager_ensure() in a child process, so that the agent's
   loop never blocks on libjack (a server that does not answer, a stuck
   lock in JACK's metadata database) and libjack's threads stay out of the
   agent.
*/
typedef struct {
  pid_t    pid;        ///< The child, or 0 when none runs
  int      fd;         ///< Read end of its report pipe, or -1
  uint64_t started_ms; ///< When it was started (dsp_agent_now_ms())
  size_t   len;        ///< Bytes of `buf` received
  char     buf[640];   ///< "RESULT message" as the child wrote it
} DspNetmanagerJob;

/// An idle job (no child).
void dsp_agent_netmanager_job_init(DspNetmanagerJob* job);

/// Fork the child.  @return 0, or -1 (fork or pipe failed; errno set).
int dsp_agent_netmanager_job_start(DspNetmanagerJob*     job,
                                   const DspAgentConfig* cfg,
                                   uint64_t              now_ms);

/**
   Collect the child's report without blocking; kill it once it has run
   `timeout_ms`.

   @return 1 when the job is over (`result` and `msg` set, the child
   reaped), 0 while it runs.
*/
int dsp_agent_netmanager_job_poll(DspNetmanagerJob*    job,
                                  uint64_t             now_ms,
                                  unsigned             timeout_ms,
                                  DspNetmanagerResult* result,
                                  char*                msg,
                                  size_t               size);

/// Kill and reap a running child (the agent is exiting).
void dsp_agent_netmanager_job_cancel(DspNetmanagerJob* job);

#endif // DSP_AGENT_NETMANAGER_H
