// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_RELAY_H
#define DSP_AGENT_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
   @file relay.h
   The OSC relay: a host UDP port whose datagrams are forwarded to the
   guest engine (through QEMU's forwarded loopback port), with replies
   routed back to the sender of the request.

   QEMU's user-mode network sends every reply from the guest to whoever
   sent last to the forwarded port, so the relay is the only host client of
   that port and does the routing itself:
   - `/ping i` gets a relay-unique id on the way in; `/pong` is matched by
     it and the sender's own id is put back;
   - `/done CMD …` and `/fail CMD …` go to the oldest sender of a pending
     CMD;
   - anything else goes to the most recent sender.
   Until the guest has answered a health ping since its last (re)start,
   client datagrams are queued (64 at most, 30 s each) and sent when it
   does, so a client can talk to the relay while the guest boots.
*/

typedef struct DspRelayImpl DspRelay;

/// Whether an IPv4 sender (host byte order) may use the relay.
typedef bool (*DspRelayAllowFunc)(void* data, uint32_t addr);

/// Counters, for logs and status.
typedef struct {
  uint64_t forwarded; ///< Client datagrams sent to the guest
  uint64_t replies;   ///< Guest datagrams sent back to a client
  uint64_t denied;    ///< Datagrams from senders not on the allow-list
  uint64_t dropped;   ///< Queue overflows, expired or unroutable datagrams
} DspRelayStats;

/**
   Create the relay.

   @param listen_addr IPv4 address to listen on.
   @param listen_port Relay port; 0 picks a free one; -1 for no listening
   socket (health pings only).
   @param forward_port Host loopback port QEMU forwards to the engine.
   @return A new relay (free with dsp_relay_free()), or NULL with `err`.
*/
DspRelay* dsp_relay_new(const char*       listen_addr,
                        int               listen_port,
                        unsigned          forward_port,
                        DspRelayAllowFunc allow,
                        void*             allow_data,
                        char*             err,
                        size_t            err_size);

/// Close the sockets; NULL is a no-op.
void dsp_relay_free(DspRelay* relay);

/// The listening socket for poll(), or -1.
int dsp_relay_listen_fd(const DspRelay* relay);

/// The socket facing the guest, for poll().
int dsp_relay_guest_fd(const DspRelay* relay);

/// The port the relay listens on (0 if none).
unsigned dsp_relay_listen_port(const DspRelay* relay);

/// Read and route every datagram waiting on the listening socket.
void dsp_relay_handle_clients(DspRelay* relay, uint64_t now_ms);

/// Read and route every datagram waiting from the guest.
void dsp_relay_handle_guest(DspRelay* relay, uint64_t now_ms);

/// Send the agent's own `/ping`.
void dsp_relay_ping(DspRelay* relay, uint64_t now_ms);

/// When the guest last answered the agent's ping (0 = not since reset).
uint64_t dsp_relay_last_pong(const DspRelay* relay);

/// The guest restarted: forget pending requests, queue until it answers.
void dsp_relay_reset(DspRelay* relay);

/// Drop expired requests and queued datagrams.
void dsp_relay_tick(DspRelay* relay, uint64_t now_ms);

/// The counters.
DspRelayStats dsp_relay_stats(const DspRelay* relay);

#endif // DSP_AGENT_RELAY_H
