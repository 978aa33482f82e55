// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "relay.h"

#include "osc_min.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_MAX_PENDING 256U
#define RELAY_MAX_QUEUE 64U
#define RELAY_MAX_DGRAM 8192U
#define RELAY_TTL_MS 30000U

typedef enum {
  ENTRY_FREE = 0,
  ENTRY_PING, ///< A client's /ping, id rewritten
  ENTRY_SELF, ///< The agent's own /ping
  ENTRY_CMD,  ///< Any other message, answered by /done or /fail
} EntryKind;

typedef struct {
  EntryKind          kind;     ///< What was sent
  struct sockaddr_in client;   ///< Who sent it
  int32_t            orig_id;  ///< The client's ping id
  int32_t            relay_id; ///< The id sent to the guest
  uint64_t           sent_ms;  ///< When it was forwarded
  char               path[64]; ///< OSC address (ENTRY_CMD)
} Entry;

typedef struct {
  struct sockaddr_in client;                ///< Sender
  uint64_t           t;                     ///< When it arrived
  size_t             len;                   ///< Bytes
  uint8_t            data[RELAY_MAX_DGRAM]; ///< The datagram
} Queued;

struct DspRelayImpl {
  int                listen_fd;                  ///< Clients' socket or -1
  int                guest_fd;                   ///< Socket facing the guest
  struct sockaddr_in guest;                      ///< 127.0.0.1:forward_port
  unsigned           listen_port;                ///< Bound port
  DspRelayAllowFunc  allow;                      ///< Allow-list check
  void*              allow_data;                 ///< Its argument
  int32_t            next_id;                    ///< Relay ping ids
  uint64_t           last_pong;                  ///< Last own pong (0 = none)
  bool               up;                         ///< Guest answered since reset
  bool               have_last;                  ///< `last` is set
  struct sockaddr_in last;                       ///< Most recent sender
  uint64_t           last_ms;                    ///< When it sent
  Entry              pending[RELAY_MAX_PENDING]; ///< Requests in flight
  size_t             q_head;                     ///< Oldest queued
  size_t             q_count;                    ///< Queued datagrams
  Queued*            queue;                      ///< RELAY_MAX_QUEUE slots
  DspRelayStats      stats;                      ///< Counters
};

static int
udp_socket(const char* const addr,
           const unsigned    port,
           char* const       err,
           const size_t      err_size)
{
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port   = htons((uint16_t)port);
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    snprintf(err, err_size, "relay: bad address %s", addr);
    return -1;
  }
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind(fd, (const struct sockaddr*)&sa, sizeof(sa))) {
    snprintf(err,
             err_size,
             "relay: cannot bind %s:%u: %s",
             addr,
             port,
             strerror(errno));
    if (fd >= 0) {
      close(fd);
    }
    return -1;
  }
  return fd;
}

DspRelay*
dsp_relay_new(const char* const       listen_addr,
              const int               listen_port,
              const unsigned          forward_port,
              const DspRelayAllowFunc allow,
              void* const             allow_data,
              char* const             err,
              const size_t            err_size)
{
  DspRelay* const relay = (DspRelay*)calloc(1U, sizeof(DspRelay));
  Queued* const   queue = (Queued*)calloc(RELAY_MAX_QUEUE, sizeof(Queued));
  if (!relay || !queue) {
    free(relay);
    free(queue);
    snprintf(err, err_size, "relay: out of memory");
    return NULL;
  }
  relay->queue      = queue;
  relay->allow      = allow;
  relay->allow_data = allow_data;
  relay->next_id    = 1;
  relay->listen_fd  = -1;
  relay->guest_fd   = udp_socket("127.0.0.1", 0U, err, err_size);
  if (relay->guest_fd < 0) {
    dsp_relay_free(relay);
    return NULL;
  }
  if (listen_port >= 0) {
    relay->listen_fd =
      udp_socket(listen_addr, (unsigned)listen_port, err, err_size);
    if (relay->listen_fd < 0) {
      dsp_relay_free(relay);
      return NULL;
    }
    struct sockaddr_in sa;
    socklen_t          sa_len = sizeof(sa);
    getsockname(relay->listen_fd, (struct sockaddr*)&sa, &sa_len);
    relay->listen_port = ntohs(sa.sin_port);
  }
  relay->guest.sin_family      = AF_INET;
  relay->guest.sin_port        = htons((uint16_t)forward_port);
  relay->guest.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return relay;
}

void
dsp_relay_free(DspRelay* const relay)
{
  if (relay) {
    if (relay->listen_fd >= 0) {
      close(relay->listen_fd);
    }
    if (relay->guest_fd >= 0) {
      close(relay->guest_fd);
    }
    free(relay->queue);
    free(relay);
  }
}

int
dsp_relay_listen_fd(const DspRelay* const relay)
{
  return relay->listen_fd;
}

int
dsp_relay_guest_fd(const DspRelay* const relay)
{
  return relay->guest_fd;
}

unsigned
dsp_relay_listen_port(const DspRelay* const relay)
{
  return relay->listen_port;
}

uint64_t
dsp_relay_last_pong(const DspRelay* const relay)
{
  return relay->last_pong;
}

DspRelayStats
dsp_relay_stats(const DspRelay* const relay)
{
  return relay->stats;
}

static int32_t
new_id(DspRelay* const relay)
{
  const int32_t id = relay->next_id;
  relay->next_id   = id == INT32_MAX ? 1 : id + 1;
  return id;
}

/// A free entry, evicting the oldest if the table is full.
static Entry*
new_entry(DspRelay* const relay)
{
  Entry* oldest = &relay->pending[0];
  for (size_t i = 0U; i < RELAY_MAX_PENDING; ++i) {
    Entry* const e = &relay->pending[i];
    if (e->kind == ENTRY_FREE) {
      return e;
    }
    if (e->sent_ms < oldest->sent_ms) {
      oldest = e;
    }
  }
  ++relay->stats.dropped;
  return oldest;
}

static void
send_guest(DspRelay* const relay, const uint8_t* const data, const size_t len)
{
  // Errors (ECONNREFUSED while QEMU is down) are expected: the request
  // simply goes unanswered, like a lost datagram
  (void)sendto(relay->guest_fd,
               data,
               len,
               0,
               (const struct sockaddr*)&relay->guest,
               sizeof(relay->guest));
}

static void
forward(DspRelay* const                 relay,
        uint8_t* const                  data,
        const size_t                    len,
        const struct sockaddr_in* const client,
        const uint64_t                  now)
{
  DspOscMsg msg;
  int32_t   id = 0;
  if (!dsp_osc_parse(data, len, &msg)) {
    Entry* const e = new_entry(relay);
    memset(e, 0, sizeof(*e));
    e->client  = *client;
    e->sent_ms = now;
    if (!strcmp(msg.path, "/ping") && !dsp_osc_arg_int(&msg, 0U, &id)) {
      e->kind     = ENTRY_PING;
      e->orig_id  = id;
      e->relay_id = new_id(relay);
      dsp_osc_set_int(&msg, data, 0U, e->relay_id);
    } else {
      e->kind = ENTRY_CMD;
      snprintf(e->path, sizeof(e->path), "%s", msg.path);
    }
  }
  relay->have_last = true;
  relay->last      = *client;
  relay->last_ms   = now;
  send_guest(relay, data, len);
  ++relay->stats.forwarded;
}

static void
flush_queue(DspRelay* const relay, const uint64_t now)
{
  while (relay->q_count) {
    Queued* const q = &relay->queue[relay->q_head];
    relay->q_head   = (relay->q_head + 1U) % RELAY_MAX_QUEUE;
    --relay->q_count;
    forward(relay, q->data, q->len, &q->client, now);
  }
}

void
dsp_relay_handle_clients(DspRelay* const relay, const uint64_t now)
{
  if (relay->listen_fd < 0) {
    return;
  }
  uint8_t buf[RELAY_MAX_DGRAM];
  for (;;) {
    struct sockaddr_in client;
    socklen_t          client_len = sizeof(client);
    const ssize_t      n          = recvfrom(relay->listen_fd,
                               buf,
                               sizeof(buf),
                               0,
                               (struct sockaddr*)&client,
                               &client_len);
    if (n < 0) {
      return;
    }
    if (client.sin_family != AF_INET ||
        (relay->allow &&
         !relay->allow(relay->allow_data, ntohl(client.sin_addr.s_addr)))) {
      ++relay->stats.denied;
      continue;
    }
    if (relay->up) {
      forward(relay, buf, (size_t)n, &client, now);
      continue;
    }
    if (relay->q_count == RELAY_MAX_QUEUE) {
      ++relay->stats.dropped;
      continue;
    }
    Queued* const q =
      &relay->queue[(relay->q_head + relay->q_count) % RELAY_MAX_QUEUE];
    q->client = client;
    q->t      = now;
    q->len    = (size_t)n;
    memcpy(q->data, buf, (size_t)n);
    ++relay->q_count;
  }
}

static void
reply(DspRelay* const                 relay,
      const uint8_t* const            data,
      const size_t                    len,
      const struct sockaddr_in* const client)
{
  if (relay->listen_fd >= 0) {
    (void)sendto(relay->listen_fd,
                 data,
                 len,
                 0,
                 (const struct sockaddr*)client,
                 sizeof(*client));
    ++relay->stats.replies;
  }
}

/// Route one datagram from the guest.
static void
route(DspRelay* const relay,
      uint8_t* const  data,
      const size_t    len,
      const uint64_t  now)
{
  DspOscMsg msg;
  if (dsp_osc_parse(data, len, &msg)) {
    if (relay->have_last) {
      reply(relay, data, len, &relay->last);
    }
    return;
  }
  int32_t     id  = 0;
  const char* cmd = NULL;
  if (!strcmp(msg.path, "/pong") && !dsp_osc_arg_int(&msg, 0U, &id)) {
    for (size_t i = 0U; i < RELAY_MAX_PENDING; ++i) {
      Entry* const e = &relay->pending[i];
      if ((e->kind == ENTRY_PING || e->kind == ENTRY_SELF) &&
          e->relay_id == id) {
        if (e->kind == ENTRY_SELF) {
          relay->last_pong = now ? now : 1U;
          if (!relay->up) {
            relay->up = true;
            flush_queue(relay, now);
          }
        } else {
          dsp_osc_set_int(&msg, data, 0U, e->orig_id);
          reply(relay, data, len, &e->client);
        }
        e->kind = ENTRY_FREE;
        return;
      }
    }
    ++relay->stats.dropped; // a late pong
    return;
  }
  if ((!strcmp(msg.path, "/done") || !strcmp(msg.path, "/fail")) &&
      !dsp_osc_arg_str(&msg, 0U, &cmd)) {
    Entry* best = NULL;
    for (size_t i = 0U; i < RELAY_MAX_PENDING; ++i) {
      Entry* const e = &relay->pending[i];
      if (e->kind == ENTRY_CMD && !strcmp(e->path, cmd) &&
          (!best || e->sent_ms < best->sent_ms)) {
        best = e;
      }
    }
    if (best) {
      reply(relay, data, len, &best->client);
      best->kind = ENTRY_FREE;
      return;
    }
  }
  if (relay->have_last) {
    reply(relay, data, len, &relay->last);
  } else {
    ++relay->stats.dropped;
  }
}

void
dsp_relay_handle_guest(DspRelay* const relay, const uint64_t now)
{
  uint8_t buf[RELAY_MAX_DGRAM];
  for (;;) {
    struct sockaddr_in from;
    socklen_t          from_len = sizeof(from);
    const ssize_t      n        = recvfrom(
      relay->guest_fd, buf, sizeof(buf), 0, (struct sockaddr*)&from, &from_len);
    if (n < 0) {
      if (errno == EINTR || errno == ECONNREFUSED) {
        continue; // an ICMP error from an earlier send
      }
      return;
    }
    if (from.sin_port != relay->guest.sin_port ||
        from.sin_addr.s_addr != relay->guest.sin_addr.s_addr) {
      ++relay->stats.denied;
      continue;
    }
    route(relay, buf, (size_t)n, now);
  }
}

void
dsp_relay_ping(DspRelay* const relay, const uint64_t now)
{
  Entry* const e = new_entry(relay);
  memset(e, 0, sizeof(*e));
  e->kind     = ENTRY_SELF;
  e->relay_id = new_id(relay);
  e->sent_ms  = now;
  uint8_t      buf[32];
  const size_t len = dsp_osc_build_int(buf, sizeof(buf), "/ping", e->relay_id);
  send_guest(relay, buf, len);
}

void
dsp_relay_reset(DspRelay* const relay)
{
  memset(relay->pending, 0, sizeof(relay->pending));
  relay->up        = false;
  relay->last_pong = 0U;
}

void
dsp_relay_tick(DspRelay* const relay, const uint64_t now)
{
  for (size_t i = 0U; i < RELAY_MAX_PENDING; ++i) {
    Entry* const e = &relay->pending[i];
    if (e->kind != ENTRY_FREE && now - e->sent_ms > RELAY_TTL_MS) {
      e->kind = ENTRY_FREE;
    }
  }
  while (relay->q_count && now - relay->queue[relay->q_head].t > RELAY_TTL_MS) {
    relay->q_head = (relay->q_head + 1U) % RELAY_MAX_QUEUE;
    --relay->q_count;
    ++relay->stats.dropped;
  }
}
