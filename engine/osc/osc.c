// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The OSC server (see osc.h and docs/osc.md).  Control thread only.

#define _GNU_SOURCE

#include "osc.h"

#include "common/cidr.h"
#include "graph/graph.h"
#include "limits.h"
#include "vocab.h"

#include <lo/lo.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct ReplyQueueImpl ReplyQueue;

/// Where a message came from, and where its replies go.
typedef struct {
  int                     fd;    ///< Socket to send on
  bool                    tcp;   ///< `fd` is a TCP connection
  struct sockaddr_storage addr;  ///< UDP: sender address
  socklen_t               len;   ///< UDP: its length
  ReplyQueue*             queue; ///< Replies held here while active, or NULL
} Peer;

/// A reply held until the end of a dsp_osc_process() pass.
typedef struct {
  Peer        peer;   ///< Where it goes
  void*       data;   ///< Serialised packet (owned)
  size_t      size;   ///< Its size
  const char* acked;  ///< A /done of this changing command, else NULL
  bool        has_id; ///< The request had an id (for a /fail instead)
  int32_t     id;     ///< The id
} HeldReply;

/// Replies held during one pass (see dsp_osc_set_flush()).
struct ReplyQueueImpl {
  bool       active; ///< Holding replies
  HeldReply* held;   ///< Held replies (owned)
  size_t     n;      ///< Entries in held
  size_t     cap;    ///< Allocated entries
};

/// A TCP connection and what it has sent so far.
typedef struct {
  int      fd;   ///< Socket, -1 if free
  uint8_t* buf;  ///< Received bytes not yet dispatched
  size_t   used; ///< Bytes in buf
  size_t   cap;  ///< Allocated
} Conn;

/// A subscriber to pushed status and meters.
typedef struct {
  Peer   peer;   ///< Where to push
  double period; ///< Seconds between pushes
  double next;   ///< Monotonic time of the next push
} Sub;

/// A /sync waiting for the audio thread.
typedef struct {
  Peer     peer;   ///< Who asked
  bool     has_id; ///< A request id was given
  int32_t  id;     ///< The id
  uint32_t seq;    ///< Engine sync marker
} PendingSync;

struct DspOscImpl {
  DspOscOptions  opts;                        ///< Options (strings borrowed)
  DspEngine*     engine;                      ///< Engine commands act on
  DspOscClock    clock;                       ///< Time tag -> frame, or NULL
  void*          clock_data;                  ///< Its data
  int            udp;                         ///< UDP socket
  int            listen_fd;                   ///< TCP listening socket, or -1
  int            port;                        ///< Bound port
  Conn           conns[DSP_OSC_MAX_CONNS];    ///< TCP connections
  Sub            subs[DSP_OSC_MAX_SUBS];      ///< Subscribers
  uint32_t       n_subs;                      ///< Entries in subs
  PendingSync    syncs[DSP_OSC_MAX_SYNCS];    ///< Waiting /sync requests
  uint32_t       n_syncs;                     ///< Entries in syncs
  bool           quit;                        ///< /quit received and allowed
  ReplyQueue     queue;                       ///< Replies held during a pass
  DspOscFlush    flush;                       ///< Called before held replies go
  void*          flush_data;                  ///< Its data
  DspCidr        allow[DSP_OSC_MAX_ALLOW];    ///< Allowed senders (--osc-allow)
  uint32_t       n_allow;                     ///< Entries in allow, 0: everyone
  DspOscCounters counters;                    ///< Dropped and refused input
  uint8_t        dgram[DSP_OSC_MAX_DATAGRAM]; ///< Receive buffer
};

/// A request being handled.
typedef struct {
  DspOsc*              osc;    ///< Server
  const Peer*          peer;   ///< Sender
  const char*          path;   ///< Address
  const DspOscCommand* cmd;    ///< Command, or NULL if unknown
  lo_message           msg;    ///< The message
  const char*          types;  ///< Its type tags
  lo_arg**             argv;   ///< Its arguments
  int                  argc;   ///< Arguments, without the request id
  bool                 has_id; ///< A request id was given
  int32_t              id;     ///< The id
  int64_t              frame;  ///< Frame from the bundle's time tag
} Req;

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

// Sending

static void
send_raw(const Peer* const peer, void* const data, const size_t size)
{
  ReplyQueue* const q = peer->queue;
  if (q && q->active) {
    if (q->n == q->cap) {
      const size_t     cap = q->cap ? q->cap * 2U : 256U;
      HeldReply* const held =
        (HeldReply*)realloc(q->held, cap * sizeof(HeldReply));
      if (held) {
        q->held = held;
        q->cap  = cap;
      }
    }
    void* const copy = q->n < q->cap ? malloc(size) : NULL;
    if (copy) {
      memcpy(copy, data, size);
      q->held[q->n++] = (HeldReply){ *peer, copy, size, NULL, false, 0 };
      return;
    }
  }

  if (peer->tcp) {
    uint32_t      be     = htonl((uint32_t)size);
    struct iovec  iov[2] = { { &be, 4U }, { data, size } };
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov    = iov;
    mh.msg_iovlen = 2U;
    (void)sendmsg(peer->fd, &mh, MSG_NOSIGNAL);
  } else {
    (void)sendto(peer->fd,
                 data,
                 size,
                 MSG_DONTWAIT,
                 (const struct sockaddr*)&peer->addr,
                 peer->len);
  }
}

/// Send `msg` to `peer` at `path` and free it.
static void
send_msg(const Peer* const peer, const char* const path, lo_message msg)
{
  size_t      size = 0U;
  void* const data = lo_message_serialise(msg, path, NULL, &size);
  if (data) {
    send_raw(peer, data, size);
    free(data);
  }
  lo_message_free(msg);
}

/// Start a /done or /fail reply: the command, then the id if given.
static lo_message
reply_start(const Req* const r)
{
  lo_message m = lo_message_new();
  lo_message_add_string(m, r->path);
  if (r->has_id) {
    lo_message_add_int32(m, r->id);
  }
  return m;
}

/// Commands whose /done acknowledges a change (checkpointed first).
static bool
changes_state(const char* const path)
{
  static const char* const changing[] = { "/load",   "/prepare", "/swap",
                                          "/unload", "/set",     "/bypass",
                                          NULL };
  for (const char* const* c = changing; *c; ++c) {
    if (!strcmp(*c, path)) {
      return true;
    }
  }
  return false;
}

static void
done(const Req* const r, lo_message m)
{
  ReplyQueue* const q = r->peer->queue;
  const size_t      n = q ? q->n : 0U;
  send_msg(r->peer, "/done", m);
  if (q && q->n > n && r->cmd && changes_state(r->cmd->path)) {
    // Held: if the checkpoint of the pass fails, it becomes a /fail
    q->held[n].acked  = r->cmd->path;
    q->held[n].has_id = r->has_id;
    q->held[n].id     = r->id;
  }
}

static void fail(const Req* const r, const char* const fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void
fail(const Req* const r, const char* const fmt, ...)
{
  char    text[1400];
  va_list args;
  va_start(args, fmt);
  vsnprintf(text, sizeof(text), fmt, args);
  va_end(args);

  lo_message m = reply_start(r);
  lo_message_add_string(m, text);
  send_msg(r->peer, "/fail", m);
}

static void
fail_err(const Req* const r, const DspError* const err)
{
  char buf[1400];
  fail(r, "%s", dsp_error_format(err, buf, sizeof(buf)));
}

// Arguments

static bool
is_number(const char t)
{
  return t == 'f' || t == 'd' || t == 'i' || t == 'h';
}

static bool
is_string(const char t)
{
  return t == 's' || t == 'S';
}

/// Argument `arg` read as `size` bytes.  liblo's argument pointers are only
/// 4-byte aligned (OSC's alignment), while lo_arg is a union with 8-byte
/// members: its members cannot be read through them directly.
static void
arg_bytes(const lo_arg* const arg, void* const out, const size_t size)
{
  memcpy(out, (const void*)arg, size);
}

static int32_t
arg_int32(const lo_arg* const arg)
{
  int32_t v = 0;
  arg_bytes(arg, &v, sizeof(v));
  return v;
}

static double
arg_number(const Req* const r, const int i)
{
  const lo_arg* const a = r->argv[i];
  switch (r->types[i]) {
  case 'f': {
    float v = 0.0f;
    arg_bytes(a, &v, sizeof(v));
    return (double)v;
  }
  case 'd': {
    double v = 0.0;
    arg_bytes(a, &v, sizeof(v));
    return v;
  }
  case 'i':
    return (double)arg_int32(a);
  case 'h': {
    int64_t v = 0;
    arg_bytes(a, &v, sizeof(v));
    return (double)v;
  }
  default:
    return NAN;
  }
}

static const char*
arg_string(const Req* const r, const int i)
{
  // The string starts at the argument: no member is read
  return (const char*)r->argv[i];
}

/// Name of argument `i` of the command ("value").
static const char*
arg_name(const DspOscCommand* const c, const int i, char* const buf)
{
  const char* p = c->names;
  for (int k = 0; k < i && p; ++k) {
    p = strchr(p, ' ');
    p = p ? p + 1 : NULL;
  }
  size_t len = p ? strcspn(p, " ") : 0U;
  len        = len > 31U ? 31U : len;
  if (p) {
    memcpy(buf, p, len);
  }
  buf[len] = '\0';
  return buf;
}

/**
   Split off the request id and check the arguments against the command.
   On failure sends /fail and returns false.
*/
static bool
check_args(Req* const r)
{
  const DspOscCommand* const c        = r->cmd;
  const int                  required = (int)strlen(c->required);
  const int                  optional = (int)strlen(c->optional);
  int                        argc     = r->argc;

  if (argc > required && r->types[argc - 1] == 'i') {
    r->has_id = true;
    r->id     = arg_int32(r->argv[argc - 1]);
    --argc;
  }
  r->argc = argc;

  char usage[160];
  snprintf(usage, sizeof(usage), "expected: %s", c->path);
  for (int i = 0; i < required + optional; ++i) {
    char         name[32];
    const size_t len = strlen(usage);
    const char   t = i < required ? c->required[i] : c->optional[i - required];
    snprintf(usage + len,
             sizeof(usage) - len,
             i < required ? " %c:%s" : " [%c:%s]",
             t == 'n' ? 'f' : 's',
             arg_name(c, i, name));
  }

  if (argc < required || argc > required + optional) {
    fail(r,
         "%s: %d argument%s given, %s [i:request-id]",
         c->path,
         argc,
         argc == 1 ? "" : "s",
         usage);
    return false;
  }

  for (int i = 0; i < argc; ++i) {
    const char want = i < required ? c->required[i] : c->optional[i - required];
    const char got  = r->types[i];
    if ((want == 's' && !is_string(got)) || (want == 'n' && !is_number(got))) {
      char name[32];
      fail(r,
           "%s: argument %d (%s) must be %s, got type '%c'; %s",
           c->path,
           i + 1,
           arg_name(c, i, name),
           want == 's' ? "a string" : "a number",
           got,
           usage);
      return false;
    }
    if (want == 's') {
      char         name[32];
      const size_t max = strcmp(arg_name(c, i, name), "graph")
                           ? DSP_OSC_MAX_STRING
                           : DSP_OSC_MAX_GRAPH_ARG;
      const size_t len = strlen(arg_string(r, i));
      if (len > max) {
        ++r->osc->counters.refused;
        fail(r,
             "%s: argument %d (%s) is %zu bytes, over the limit of %zu (%s)",
             c->path,
             i + 1,
             name,
             len,
             max,
             max == DSP_OSC_MAX_STRING ? "DSP_OSC_MAX_STRING"
                                       : "DSP_OSC_MAX_GRAPH_ARG");
        return false;
      }
    }
    if (want == 'n' && !isfinite(arg_number(r, i))) {
      char name[32];
      fail(r,
           "%s: argument %d (%s) is not a finite number",
           c->path,
           i + 1,
           arg_name(c, i, name));
      return false;
    }
  }
  return true;
}

/// Optional number argument `i`, or `def`.
static double
opt_number(const Req* const r, const int i, const double def)
{
  return i < r->argc ? arg_number(r, i) : def;
}

// Commands

static void
cmd_ping(Req* const r)
{
  lo_message m = lo_message_new();
  if (r->has_id) {
    lo_message_add_int32(m, r->id);
  }
  send_msg(r->peer, "/pong", m);
}

static void
cmd_sync(Req* const r)
{
  DspOsc* const osc = r->osc;
  DspError      err;
  dsp_error_clear(&err);
  uint32_t seq = 0U;
  if (osc->n_syncs == DSP_OSC_MAX_SYNCS) {
    fail(r,
         "/sync: %u requests already waiting (DSP_OSC_MAX_SYNCS)",
         DSP_OSC_MAX_SYNCS);
  } else if (dsp_engine_sync(osc->engine, &seq, &err)) {
    fail_err(r, &err);
  } else {
    osc->syncs[osc->n_syncs++] =
      (PendingSync){ *r->peer, r->has_id, r->id, seq };
  }
}

static float
to_db(const float v)
{
  return v > 1e-10f ? 20.0f * log10f(v) : -200.0f;
}

/// Append `i count (s node s kind)...` of the nodes muted by a fault, with
/// `i output f value f time_s` after each kind if `detail`.
static void
add_faults(const DspEngine* const e, lo_message m, const bool detail)
{
  const DspPlan* const plan = dsp_engine_plan(e);
  int32_t              n    = 0;
  for (uint32_t i = 0U; plan && i < plan->n_nodes; ++i) {
    n += dsp_engine_fault(e, i) ? 1 : 0;
  }
  if (!detail) {
    lo_message_add_int32(m, n);
  }
  for (uint32_t i = 0U; plan && i < plan->n_nodes; ++i) {
    const DspNodeFault* const f = dsp_engine_fault(e, i);
    if (f) {
      lo_message_add_string(m, plan->nodes[i]->id);
      lo_message_add_string(m, dsp_fault_kind_name(f->kind));
      if (detail) {
        lo_message_add_int32(m, (int32_t)f->port);
        lo_message_add_float(m, f->value);
        lo_message_add_float(m, (float)f->time_s);
      }
    }
  }
}

/// Send /status.reply (id -1 when pushed or not asked with one).
static void
send_status(DspOsc* const osc, const Peer* const peer, const int32_t id)
{
  DspEngineStatus st;
  dsp_engine_status(osc->engine, &st);
  lo_message m = lo_message_new();
  lo_message_add_int32(m, id);
  lo_message_add_float(m, (float)(st.stats.load * 100.0));
  lo_message_add_float(m, (float)(st.stats.load_peak * 100.0));
  lo_message_add_float(m, (float)st.stats.avg_us);
  lo_message_add_float(m, (float)st.stats.max_us);
  lo_message_add_float(m, (float)st.stats.max_us_total);
  lo_message_add_int32(m, (int32_t)st.stats.xruns);
  lo_message_add_int32(m, (int32_t)st.stats.overruns);
  lo_message_add_float(m, (float)st.sample_rate);
  lo_message_add_int32(m, (int32_t)st.stats.period_frames);
  lo_message_add_string(m, st.graph);
  lo_message_add_float(m, (float)st.uptime);
  lo_message_add_int32(m, st.swapping ? 1 : 0);
  lo_message_add_int32(m, (int32_t)st.voices);
  lo_message_add_int32(m, (int32_t)st.n_slots);
  lo_message_add_int32(m, (int32_t)osc->counters.denied);
  lo_message_add_int32(m, (int32_t)osc->counters.truncated);
  lo_message_add_int32(m, (int32_t)osc->counters.refused);
  lo_message_add_int32(m, (int32_t)st.stats.late);
  add_faults(osc->engine, m, false);
  send_msg(peer, "/status.reply", m);
}

static void
cmd_status(Req* const r)
{
  send_status(r->osc, r->peer, r->has_id ? r->id : -1);
}

static void
cmd_quit(Req* const r)
{
  if (!r->osc->opts.allow_quit) {
    fail(r,
         "/quit is disabled (start dspengine with --osc-allow-quit to allow "
         "it)");
    return;
  }
  r->osc->quit = true;
  done(r, reply_start(r));
}

static void
cmd_load(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  const char* const source = arg_string(r, 0);
  const double      xfade  = opt_number(r, 1, -1.0);
  const double      tail   = opt_number(r, 2, -1.0);
  if (xfade > 60000.0 || tail > 3600.0) {
    fail(r, "/load: xfade_ms must be at most 60000 and tail_s 3600");
    return;
  }
  if (dsp_engine_load(r->osc->engine, source, xfade, tail, r->frame, &err)) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, dsp_engine_plan(r->osc->engine)->graph->name);
  done(r, m);
}

static void
cmd_validate(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  char name[DSP_GRAPH_MAX_NAME + 1U];
  if (dsp_engine_validate(
        r->osc->engine, arg_string(r, 0), name, sizeof(name), &err)) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, name);
  done(r, m);
}

static void
cmd_prepare(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  if (dsp_engine_prepare(
        r->osc->engine, arg_string(r, 0), arg_string(r, 1), &err)) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, arg_string(r, 0));
  done(r, m);
}

static void
cmd_swap(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  const double xfade = opt_number(r, 1, -1.0);
  const double tail  = opt_number(r, 2, -1.0);
  if (xfade > 60000.0 || tail > 3600.0) {
    fail(r, "/swap: xfade_ms must be at most 60000 and tail_s 3600");
    return;
  }
  if (dsp_engine_swap(
        r->osc->engine, arg_string(r, 0), xfade, tail, r->frame, &err)) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, arg_string(r, 0));
  done(r, m);
}

static void
cmd_slots(Req* const r)
{
  const DspEngine* const e = r->osc->engine;
  lo_message             m = reply_start(r);
  for (uint32_t i = 0U; i < dsp_engine_slot_count(e); ++i) {
    lo_message_add_string(m, dsp_engine_slot_name(e, i));
  }
  done(r, m);
}

static void
cmd_unload(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  if (dsp_engine_unload(r->osc->engine, arg_string(r, 0), &err)) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, arg_string(r, 0));
  done(r, m);
}

static void
cmd_graph(Req* const r)
{
  const DspPlan* const plan = dsp_engine_plan(r->osc->engine);
  const char* const    json = dsp_engine_graph_json(r->osc->engine);
  if (!plan || !json) {
    fail(r, "no graph loaded");
    return;
  }
  if (!r->peer->tcp && strlen(json) > DSP_OSC_MAX_DATAGRAM - 1024U) {
    fail(r,
         "the graph's JSON (%zu bytes) does not fit a UDP datagram: ask over "
         "TCP (--osc-tcp)",
         strlen(json));
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, plan->graph->name);
  lo_message_add_string(m, json);
  done(r, m);
}

static void
cmd_nodes(Req* const r)
{
  const DspEngine* const e    = r->osc->engine;
  const DspPlan* const   plan = dsp_engine_plan(e);
  if (!plan) {
    fail(r, "no graph loaded");
    return;
  }
  lo_message m = reply_start(r);
  for (uint32_t i = 0U; i < plan->n_nodes; ++i) {
    lo_message_add_string(m, plan->nodes[i]->id);
    lo_message_add_string(m, plan->graph->nodes[i].kind);
    lo_message_add_int32(m, dsp_engine_is_bypassed(e, i) ? 1 : 0);
  }
  done(r, m);
}

static void
cmd_set(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  const double value = arg_number(r, 2);
  const double ramp  = opt_number(r, 3, -1.0);
  if (ramp > 600000.0) {
    fail(r, "/set: ramp_ms must be at most 600000");
    return;
  }
  if (dsp_engine_set_param(r->osc->engine,
                           arg_string(r, 0),
                           arg_string(r, 1),
                           (float)value,
                           ramp,
                           r->frame,
                           &err)) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, arg_string(r, 0));
  lo_message_add_string(m, arg_string(r, 1));
  lo_message_add_float(m, (float)value);
  done(r, m);
}

static void
cmd_get(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  float value = 0.0f;
  if (dsp_engine_get_param(
        r->osc->engine, arg_string(r, 0), arg_string(r, 1), &value, &err)) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, arg_string(r, 0));
  lo_message_add_string(m, arg_string(r, 1));
  lo_message_add_float(m, value);
  done(r, m);
}

static void
cmd_params(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  uint32_t             n = 0U;
  const DspNode* const node =
    dsp_engine_find_node(r->osc->engine, arg_string(r, 0), &n, &err);
  if (!node) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, node->id);
  for (uint32_t p = 0U; p < node->n_params; ++p) {
    const DspParamInfo* const info = &node->params[p];
    char                      flags[64];
    snprintf(flags,
             sizeof(flags),
             "%s%s%s%s",
             (info->flags & DSP_PARAM_TOGGLED) ? "toggled " : "",
             (info->flags & DSP_PARAM_INTEGER) ? "integer " : "",
             (info->flags & DSP_PARAM_LOGARITHMIC) ? "log " : "",
             (info->flags & DSP_PARAM_OUTPUT) ? "output " : "");
    const size_t len = strlen(flags);
    if (len) {
      flags[len - 1U] = '\0';
    }
    lo_message_add_string(m, info->symbol);
    lo_message_add_float(m, dsp_engine_param_value(r->osc->engine, n, p));
    lo_message_add_float(m, info->min);
    lo_message_add_float(m, info->max);
    lo_message_add_float(m, info->def);
    lo_message_add_string(m, info->unit ? info->unit : "");
    lo_message_add_string(m, flags);
  }
  done(r, m);
}

static void
cmd_bypass(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  const double on   = arg_number(r, 1);
  const double ramp = opt_number(r, 2, -1.0);
  if (on != 0.0 && on != 1.0) {
    fail(r, "/bypass: argument 2 (on) must be 1 (bypass) or 0 (process)");
    return;
  }
  if (ramp > 60000.0) {
    fail(r, "/bypass: ramp_ms must be at most 60000");
    return;
  }
  if (dsp_engine_bypass(
        r->osc->engine, arg_string(r, 0), on != 0.0, ramp, r->frame, &err)) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, arg_string(r, 0));
  lo_message_add_int32(m, on != 0.0 ? 1 : 0);
  done(r, m);
}

static void
cmd_faults(Req* const r)
{
  if (!dsp_engine_plan(r->osc->engine)) {
    fail(r, "no graph loaded");
    return;
  }
  lo_message m = reply_start(r);
  add_faults(r->osc->engine, m, true);
  done(r, m);
}

static void
cmd_rearm(Req* const r)
{
  DspError err;
  dsp_error_clear(&err);
  const double reset = opt_number(r, 1, 1.0);
  if (reset != 0.0 && reset != 1.0) {
    fail(r, "/rearm: argument 2 (reset) must be 1 (clear its state) or 0");
    return;
  }
  bool did_reset = false;
  if (dsp_engine_rearm(
        r->osc->engine, arg_string(r, 0), reset != 0.0, &did_reset, &err)) {
    fail_err(r, &err);
    return;
  }
  lo_message m = reply_start(r);
  lo_message_add_string(m, arg_string(r, 0));
  lo_message_add_int32(m, did_reset ? 1 : 0);
  done(r, m);
}

/// Resolve "osc.udp://host:port/" (or "host:port") into `peer`.
static bool
parse_url(DspOsc* const osc, const char* const url, Peer* const peer)
{
  const char* p = url;
  if (!strncmp(p, "osc.udp://", 10U)) {
    p += 10;
  } else if (strstr(p, "://")) {
    return false; // Only UDP pushes to a third party
  }

  char host[256];
  snprintf(host, sizeof(host), "%s", p);
  char* const slash = strchr(host, '/');
  if (slash) {
    *slash = '\0';
  }
  char* const colon = strrchr(host, ':');
  if (!colon) {
    return false;
  }
  *colon  = '\0';
  char* h = host;
  if (h[0] == '[') { // [::1]:port
    ++h;
    h[strlen(h) - 1U] = '\0';
  }

  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype      = SOCK_DGRAM;
  struct addrinfo* found = NULL;
  if (getaddrinfo(h, colon + 1, &hints, &found) || !found) {
    return false;
  }
  memset(peer, 0, sizeof(*peer));
  peer->fd  = osc->udp;
  peer->len = (socklen_t)found->ai_addrlen;
  memcpy(&peer->addr, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  return true;
}

static bool
same_peer(const Peer* const a, const Peer* const b)
{
  return a->tcp == b->tcp && a->fd == b->fd &&
         (a->tcp || (a->len == b->len && !memcmp(&a->addr, &b->addr, a->len)));
}

/// Turn per-node timing on while anyone is subscribed.
static void
update_node_timing(DspOsc* const osc)
{
  dsp_runtime_set_node_timing(dsp_engine_runtime(osc->engine),
                              osc->opts.node_times || osc->n_subs);
}

static void
remove_sub(DspOsc* const osc, const uint32_t i)
{
  osc->subs[i] = osc->subs[--osc->n_subs];
  update_node_timing(osc);
}

static void
cmd_subscribe(Req* const r)
{
  DspOsc* const osc  = r->osc;
  const double  rate = arg_number(r, 0);
  Peer          peer = *r->peer;
  if (!(rate >= 0.1 && rate <= 100.0)) {
    fail(r, "/subscribe: rate_hz %g out of range [0.1, 100]", rate);
    return;
  }
  if (r->argc > 1 && !parse_url(osc, arg_string(r, 1), &peer)) {
    fail(r,
         "/subscribe: cannot resolve \"%s\" (expected osc.udp://HOST:PORT/)",
         arg_string(r, 1));
    return;
  }

  uint32_t i = 0U;
  while (i < osc->n_subs && !same_peer(&osc->subs[i].peer, &peer)) {
    ++i;
  }
  if (i == DSP_OSC_MAX_SUBS) {
    fail(r,
         "/subscribe: %u subscribers already (DSP_OSC_MAX_SUBS)",
         DSP_OSC_MAX_SUBS);
    return;
  }
  if (i == osc->n_subs) {
    ++osc->n_subs;
  }
  osc->subs[i] = (Sub){ peer, 1.0 / rate, now_s() };
  update_node_timing(osc);

  lo_message m = reply_start(r);
  lo_message_add_float(m, (float)rate);
  done(r, m);
}

static void
cmd_unsubscribe(Req* const r)
{
  DspOsc* const osc  = r->osc;
  Peer          peer = *r->peer;
  if (r->argc > 0 && !parse_url(osc, arg_string(r, 0), &peer)) {
    fail(r, "/unsubscribe: cannot resolve \"%s\"", arg_string(r, 0));
    return;
  }
  for (uint32_t i = 0U; i < osc->n_subs; ++i) {
    if (same_peer(&osc->subs[i].peer, &peer)) {
      remove_sub(osc, i);
      done(r, reply_start(r));
      return;
    }
  }
  fail(r, "/unsubscribe: not subscribed");
}

/// Handlers in the order of dsp_osc_commands.
typedef void (*Handler)(Req* r);

static const struct {
  const char* path;
  Handler     handler;
} handlers[] = {
  { "/ping", cmd_ping },
  { "/sync", cmd_sync },
  { "/status", cmd_status },
  { "/quit", cmd_quit },
  { "/load", cmd_load },
  { "/validate", cmd_validate },
  { "/prepare", cmd_prepare },
  { "/swap", cmd_swap },
  { "/slots", cmd_slots },
  { "/unload", cmd_unload },
  { "/graph", cmd_graph },
  { "/nodes", cmd_nodes },
  { "/set", cmd_set },
  { "/get", cmd_get },
  { "/params", cmd_params },
  { "/bypass", cmd_bypass },
  { "/faults", cmd_faults },
  { "/rearm", cmd_rearm },
  { "/subscribe", cmd_subscribe },
  { "/unsubscribe", cmd_unsubscribe },
  { NULL, NULL },
};

// Dispatch

/// Reply /fail to `peer` for `path`, outside any command: "PREFIX: WHY".
static void
fail_packet(DspOsc* const     osc,
            const Peer* const peer,
            const char* const path,
            const char* const prefix,
            const char* const why)
{
  Req r;
  memset(&r, 0, sizeof(r));
  r.osc  = osc;
  r.peer = peer;
  r.path = path;
  fail(&r, "%s%s", prefix, why);
}

/// Reply /fail for something that is not a well-formed message.
static void
fail_malformed(DspOsc* const     osc,
               const Peer* const peer,
               const char* const path,
               const char* const why)
{
  fail_packet(osc, peer, path, "malformed OSC packet: ", why);
}

/// Reply /fail for a packet over one of the limits (limits.h), and count it.
static void
fail_limit(DspOsc* const     osc,
           const Peer* const peer,
           const char* const path,
           const char* const why)
{
  ++osc->counters.refused;
  fail_packet(osc, peer, path, "", why);
}

static void
dispatch_message(DspOsc* const     osc,
                 const Peer* const peer,
                 uint8_t* const    data,
                 const size_t      size,
                 const uint64_t    ntp)
{
  // The address: a NUL-terminated string at the start
  const size_t path_len = strnlen((const char*)data, size);
  char         path[DSP_OSC_MAX_ADDRESS + 1U];
  if (path_len == size || path_len == 0U || data[0] != '/') {
    fail_malformed(osc, peer, "#malformed", "no OSC address");
    return;
  }
  if (path_len > DSP_OSC_MAX_ADDRESS) {
    char why[400];
    snprintf(why,
             sizeof(why),
             "OSC address of %zu bytes is over the limit of %u "
             "(DSP_OSC_MAX_ADDRESS)",
             path_len,
             DSP_OSC_MAX_ADDRESS);
    fail_limit(osc, peer, "#limit", why);
    return;
  }
  snprintf(path, sizeof(path), "%s", (const char*)data);

  // The type tag string follows the padded address
  const size_t tag_pos = (path_len + 4U) & ~(size_t)3U;
  if (tag_pos < size && data[tag_pos] == ',') {
    const size_t n_args =
      strnlen((const char*)data + tag_pos, size - tag_pos) - 1U;
    if (n_args > DSP_OSC_MAX_ARGS) {
      char why[400];
      snprintf(why,
               sizeof(why),
               "%s: %zu arguments, over the limit of %u (DSP_OSC_MAX_ARGS)",
               path,
               n_args,
               DSP_OSC_MAX_ARGS);
      fail_limit(osc, peer, path, why);
      return;
    }
  }

  int              result = 0;
  const lo_message msg    = lo_message_deserialise(data, size, &result);
  if (!msg) {
    char why[64];
    snprintf(
      why, sizeof(why), "cannot decode arguments (liblo error %d)", result);
    fail_malformed(osc, peer, path, why);
    return;
  }

  Req r;
  memset(&r, 0, sizeof(r));
  r.osc   = osc;
  r.peer  = peer;
  r.path  = path;
  r.msg   = msg;
  r.types = lo_message_get_types(msg);
  r.argv  = lo_message_get_argv(msg);
  r.argc  = lo_message_get_argc(msg);
  r.cmd   = dsp_osc_find_command(path);
  r.frame = DSP_RUNTIME_NOW;
  if (ntp != 1U && osc->clock) {
    r.frame = osc->clock(osc->clock_data, ntp);
  }

  if (!r.cmd) {
    if (r.argc > 0 && r.types[r.argc - 1] == 'i') {
      r.has_id = true;
      r.id     = arg_int32(r.argv[r.argc - 1]);
    }
    fail(&r, "unknown command \"%s\" (see docs/osc.md)", path);
  } else if (check_args(&r)) {
    for (uint32_t i = 0U; handlers[i].path; ++i) {
      if (!strcmp(handlers[i].path, path)) {
        handlers[i].handler(&r);
        break;
      }
    }
  }
  lo_message_free(msg);
}

static uint32_t
read_be32(const uint8_t* const p)
{
  return ((uint32_t)p[0] << 24U) | ((uint32_t)p[1] << 16U) |
         ((uint32_t)p[2] << 8U) | (uint32_t)p[3];
}

/// Dispatch a packet: a message, or a bundle of them with a time tag.
static void
dispatch_packet(DspOsc* const     osc,
                const Peer* const peer,
                uint8_t* const    data,
                const size_t      size,
                const uint64_t    ntp,
                const uint32_t    depth)
{
  if (size >= 8U && !memcmp(data, "#bundle", 8U)) {
    if (size < 16U) {
      fail_malformed(osc, peer, "#bundle", "bundle without a time tag");
      return;
    }
    if (depth >= DSP_OSC_MAX_BUNDLE_DEPTH) {
      char why[400];
      snprintf(why,
               sizeof(why),
               "bundles nested more than %u deep (DSP_OSC_MAX_BUNDLE_DEPTH)",
               DSP_OSC_MAX_BUNDLE_DEPTH);
      fail_limit(osc, peer, "#bundle", why);
      return;
    }
    const uint64_t tag =
      ((uint64_t)read_be32(data + 8U) << 32U) | read_be32(data + 12U);
    size_t pos = 16U;
    while (pos + 4U <= size) {
      const uint32_t len = read_be32(data + pos);
      pos += 4U;
      if (len > size - pos || (len & 3U) || !len) {
        fail_malformed(osc, peer, "#bundle", "bad element size");
        return;
      }
      dispatch_packet(osc, peer, data + pos, len, tag, depth + 1U);
      pos += len;
    }
    return;
  }

  if (size < 4U || (size & 3U)) {
    fail_malformed(osc, peer, "#malformed", "size is not a multiple of 4");
    return;
  }
  dispatch_message(osc, peer, data, size, ntp);
}

// Sockets

static DspStatus
bind_error(const DspOscOptions* const o,
           const char* const          what,
           const int                  e,
           DspError* const            err)
{
  return dsp_error_set(err,
                       DSP_ERR_IO,
                       "--osc-port",
                       "cannot %s OSC %s:%d: %s",
                       what,
                       o->bind,
                       o->port,
                       strerror(e));
}

static int
open_socket(const DspOscOptions* const o,
            const int                  type,
            const int                  port,
            DspError* const            err)
{
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = type;
  hints.ai_flags    = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  char service[16];
  snprintf(service, sizeof(service), "%d", port);
  struct addrinfo* found = NULL;
  if (getaddrinfo(o->bind, service, &hints, &found) || !found) {
    dsp_error_set(err,
                  DSP_ERR_BAD_ARG,
                  "--osc-bind",
                  "\"%s\" is not a numeric IPv4 or IPv6 address",
                  o->bind);
    return -1;
  }

  const int fd =
    socket(found->ai_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int one = 1;
  if (fd < 0) {
    bind_error(o, "open a socket for", errno, err);
  } else if ((type == SOCK_STREAM &&
              setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) ||
             bind(fd, found->ai_addr, found->ai_addrlen) ||
             (type == SOCK_STREAM && listen(fd, 8))) {
    bind_error(
      o, type == SOCK_STREAM ? "listen on TCP" : "bind UDP", errno, err);
    close(fd);
    freeaddrinfo(found);
    return -1;
  }
  freeaddrinfo(found);
  return fd;
}

DspStatus
dsp_osc_new(const DspOscOptions* const options,
            DspEngine* const           engine,
            DspOsc** const             out,
            DspError* const            err)
{
  *out              = NULL;
  DspOsc* const osc = (DspOsc*)calloc(1U, sizeof(DspOsc));
  if (!osc) {
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }
  if (options->n_allow > DSP_OSC_MAX_ALLOW) {
    free(osc);
    return dsp_error_set(err,
                         DSP_ERR_LIMIT,
                         "--osc-allow",
                         "%u networks, at most %u (DSP_OSC_MAX_ALLOW)",
                         options->n_allow,
                         DSP_OSC_MAX_ALLOW);
  }
  osc->opts      = *options;
  osc->engine    = engine;
  osc->listen_fd = -1;
  osc->n_allow   = options->n_allow;
  if (options->n_allow) {
    memcpy(osc->allow, options->allow, options->n_allow * sizeof(DspCidr));
  }
  osc->opts.allow = NULL;
  for (uint32_t i = 0U; i < DSP_OSC_MAX_CONNS; ++i) {
    osc->conns[i].fd = -1;
  }

  if ((osc->udp = open_socket(options, SOCK_DGRAM, options->port, err)) < 0) {
    free(osc);
    return err ? err->status : DSP_ERR_IO;
  }

  struct sockaddr_storage addr;
  socklen_t               len = sizeof(addr);
  getsockname(osc->udp, (struct sockaddr*)&addr, &len);
  osc->port =
    ntohs(addr.ss_family == AF_INET6 ? ((struct sockaddr_in6*)&addr)->sin6_port
                                     : ((struct sockaddr_in*)&addr)->sin_port);

  if (options->tcp && (osc->listen_fd = open_socket(
                         options, SOCK_STREAM, osc->port, err)) < 0) {
    close(osc->udp);
    free(osc);
    return err ? err->status : DSP_ERR_IO;
  }

  *out = osc;
  return DSP_SUCCESS;
}

static void
close_conn(DspOsc* const osc, Conn* const c)
{
  // Forget what was tied to this connection
  for (uint32_t i = osc->n_subs; i-- > 0U;) {
    if (osc->subs[i].peer.tcp && osc->subs[i].peer.fd == c->fd) {
      remove_sub(osc, i);
    }
  }
  for (uint32_t i = osc->n_syncs; i-- > 0U;) {
    if (osc->syncs[i].peer.tcp && osc->syncs[i].peer.fd == c->fd) {
      osc->syncs[i] = osc->syncs[--osc->n_syncs];
    }
  }
  close(c->fd);
  free(c->buf);
  c->fd   = -1;
  c->buf  = NULL;
  c->used = 0U;
  c->cap  = 0U;
}

void
dsp_osc_free(DspOsc* const osc)
{
  if (osc) {
    for (size_t i = 0U; i < osc->queue.n; ++i) {
      free(osc->queue.held[i].data);
    }
    free(osc->queue.held);
  }
  if (!osc) {
    return;
  }
  for (uint32_t i = 0U; i < DSP_OSC_MAX_CONNS; ++i) {
    if (osc->conns[i].fd >= 0) {
      close_conn(osc, &osc->conns[i]);
    }
  }
  if (osc->listen_fd >= 0) {
    close(osc->listen_fd);
  }
  close(osc->udp);
  free(osc);
}

void
dsp_osc_set_clock(DspOsc* const osc, const DspOscClock clock, void* const data)
{
  osc->clock      = clock;
  osc->clock_data = data;
}

int
dsp_osc_port(const DspOsc* const osc)
{
  return osc->port;
}

DspOscCounters
dsp_osc_counters(const DspOsc* const osc)
{
  return osc->counters;
}

/// Whether the sender at `addr` may be served (--osc-allow).
static bool
allowed(const DspOsc* const osc, const struct sockaddr* const addr)
{
  return !osc->n_allow || dsp_cidr_match_any(osc->allow, osc->n_allow, addr);
}

/// Reply to a datagram the kernel truncated, naming its address if readable.
static void
fail_truncated(DspOsc* const osc, const Peer* const peer, const size_t size)
{
  const uint8_t* const d   = osc->dgram;
  const size_t         len = strnlen((const char*)d, DSP_OSC_MAX_ADDRESS + 1U);
  char                 path[DSP_OSC_MAX_ADDRESS + 1U];
  if (d[0] == '/' && len <= DSP_OSC_MAX_ADDRESS) {
    memcpy(path, d, len + 1U);
  } else {
    snprintf(path, sizeof(path), "%s", d[0] == '#' ? "#bundle" : "#limit");
  }
  char why[512];
  snprintf(why,
           sizeof(why),
           "%s: UDP datagram of %zu bytes is over the limit of %u "
           "(DSP_OSC_MAX_DATAGRAM) and was truncated; send it over TCP "
           "(--osc-tcp)",
           path,
           size,
           DSP_OSC_MAX_DATAGRAM);
  Req r;
  memset(&r, 0, sizeof(r));
  r.osc  = osc;
  r.peer = peer;
  r.path = path;
  fail(&r, "%s", why);
}

bool
dsp_osc_quit_requested(const DspOsc* const osc)
{
  return osc->quit;
}

uint32_t
dsp_osc_fds(const DspOsc* const osc, struct pollfd* const fds)
{
  uint32_t n = 0U;
  fds[n++]   = (struct pollfd){ osc->udp, POLLIN, 0 };
  if (osc->listen_fd >= 0) {
    fds[n++] = (struct pollfd){ osc->listen_fd, POLLIN, 0 };
  }
  for (uint32_t i = 0U; i < DSP_OSC_MAX_CONNS; ++i) {
    if (osc->conns[i].fd >= 0) {
      fds[n++] = (struct pollfd){ osc->conns[i].fd, POLLIN, 0 };
    }
  }
  return n;
}

static void
read_udp(DspOsc* const osc)
{
  for (uint32_t k = 0U; k < DSP_OSC_MAX_BATCH; ++k) {
    Peer peer;
    memset(&peer, 0, sizeof(peer));
    peer.fd    = osc->udp;
    peer.len   = sizeof(peer.addr);
    peer.queue = &osc->queue;
    // MSG_TRUNC: the datagram's real length, even if longer than the buffer
    const ssize_t got = recvfrom(osc->udp,
                                 osc->dgram,
                                 sizeof(osc->dgram),
                                 MSG_DONTWAIT | MSG_TRUNC,
                                 (struct sockaddr*)&peer.addr,
                                 &peer.len);
    if (got < 0) {
      return; // EAGAIN: drained
    }
    if (!allowed(osc, (const struct sockaddr*)&peer.addr)) {
      ++osc->counters.denied; // Dropped without a reply
      continue;
    }
    if ((size_t)got > sizeof(osc->dgram)) {
      ++osc->counters.truncated;
      fail_truncated(osc, &peer, (size_t)got);
      continue;
    }
    dispatch_packet(osc, &peer, osc->dgram, (size_t)got, 1U, 0U);
  }
}

void
dsp_osc_dispatch(DspOsc* const                osc,
                 const void* const            data,
                 const size_t                 size,
                 const struct sockaddr* const from,
                 const socklen_t              from_len)
{
  Peer peer;
  memset(&peer, 0, sizeof(peer));
  peer.fd  = osc->udp;
  peer.len = from_len <= (socklen_t)sizeof(peer.addr)
               ? from_len
               : (socklen_t)sizeof(peer.addr);
  memcpy(&peer.addr, from, peer.len);
  if (!allowed(osc, (const struct sockaddr*)&peer.addr)) {
    ++osc->counters.denied;
    return;
  }

  const size_t n = size < sizeof(osc->dgram) ? size : sizeof(osc->dgram);
  memcpy(osc->dgram, data, n);
  dispatch_packet(osc, &peer, osc->dgram, n, 1U, 0U);
}

static void
accept_conn(DspOsc* const osc)
{
  struct sockaddr_storage addr;
  socklen_t               len = sizeof(addr);
  const int               fd =
    accept4(osc->listen_fd, (struct sockaddr*)&addr, &len, SOCK_CLOEXEC);
  if (fd < 0) {
    return;
  }
  if (!allowed(osc, (const struct sockaddr*)&addr)) {
    ++osc->counters.denied; // Closed without a word
    close(fd);
    return;
  }
  for (uint32_t i = 0U; i < DSP_OSC_MAX_CONNS; ++i) {
    if (osc->conns[i].fd < 0) {
      const int            one = 1;
      const struct timeval tv  = { 0, 200000 }; // A stuck reader: drop replies
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
      osc->conns[i].fd = fd;
      return;
    }
  }
  close(fd); // Too many connections
}

/// Read from a TCP connection; dispatch every complete frame.
static void
read_conn(DspOsc* const osc, Conn* const c)
{
  if (c->cap - c->used < 65536U) {
    const size_t cap = c->cap ? c->cap * 2U : 131072U;
    uint8_t*     buf = (uint8_t*)realloc(c->buf, cap);
    if (!buf || cap > 2U * DSP_OSC_MAX_FRAME) {
      free(buf == c->buf ? NULL : buf);
      close_conn(osc, c);
      return;
    }
    c->buf = buf;
    c->cap = cap;
  }

  const ssize_t got = recv(c->fd, c->buf + c->used, c->cap - c->used, 0);
  if (got <= 0) {
    if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
      close_conn(osc, c);
    }
    return;
  }
  c->used += (size_t)got;

  size_t pos = 0U;
  while (c->used - pos >= 4U) {
    const uint32_t len = read_be32(c->buf + pos);
    if (len > DSP_OSC_MAX_FRAME) {
      // Not OSC framing, or too big: say so, then give up on this peer
      const Peer peer = { c->fd, true, { 0 }, 0, NULL };
      char       why[160];
      snprintf(why,
               sizeof(why),
               "TCP frame of %u bytes is over the limit of %u "
               "(DSP_OSC_MAX_FRAME); closing the connection",
               len,
               DSP_OSC_MAX_FRAME);
      fail_limit(osc, &peer, "#limit", why);
      close_conn(osc, c);
      return;
    }
    if (c->used - pos - 4U < len) {
      break;
    }
    const Peer peer = { c->fd, true, { 0 }, 0, &osc->queue };
    dispatch_packet(osc, &peer, c->buf + pos + 4U, len, 1U, 0U);
    if (c->fd < 0) {
      return;
    }
    pos += 4U + len;
  }
  memmove(c->buf, c->buf + pos, c->used - pos);
  c->used -= pos;
}

void
dsp_osc_set_flush(DspOsc* const osc, const DspOscFlush flush, void* const data)
{
  osc->flush      = flush;
  osc->flush_data = data;
}

/**
   Call the flush function, then send the replies held during a pass; if
   the flush failed, each /done of a change becomes a /fail saying why.
*/
static void
release_replies(DspOsc* const osc)
{
  ReplyQueue* const q = &osc->queue;
  q->active           = false;
  DspError err;
  dsp_error_clear(&err);
  const DspStatus st =
    osc->flush ? osc->flush(osc->flush_data, &err) : DSP_SUCCESS;
  for (size_t i = 0U; i < q->n; ++i) {
    HeldReply* const h = &q->held[i];
    h->peer.queue      = NULL;
    if (st && h->acked) {
      char       buf[1400];
      lo_message m = lo_message_new();
      lo_message_add_string(m, h->acked);
      if (h->has_id) {
        lo_message_add_int32(m, h->id);
      }
      lo_message_add_string(m, dsp_error_format(&err, buf, sizeof(buf)));
      send_msg(&h->peer, "/fail", m);
    } else {
      send_raw(&h->peer, h->data, h->size);
    }
    free(h->data);
  }
  q->n = 0U;
}

void
dsp_osc_process(DspOsc* const              osc,
                const struct pollfd* const fds,
                const uint32_t             n_fds)
{
  osc->queue.active = osc->flush != NULL;
  for (uint32_t i = 0U; i < n_fds; ++i) {
    if (!fds[i].revents) {
      continue;
    }
    if (fds[i].fd == osc->udp) {
      read_udp(osc);
    } else if (fds[i].fd == osc->listen_fd) {
      accept_conn(osc);
    } else {
      for (uint32_t k = 0U; k < DSP_OSC_MAX_CONNS; ++k) {
        if (osc->conns[k].fd == fds[i].fd) {
          read_conn(osc, &osc->conns[k]);
          break;
        }
      }
    }
  }
  release_replies(osc);
}

/// Push meters and node times to one subscriber.
static void
push(DspOsc* const osc, const Peer* const peer)
{
  send_status(osc, peer, -1);

  DspEngineStatus st;
  dsp_engine_status(osc->engine, &st);
  const DspGraph* const layout = dsp_engine_layout(osc->engine);
  lo_message            m      = lo_message_new();
  lo_message_add_int32(m, (int32_t)st.stats.n_outputs);
  for (uint32_t ch = 0U; ch < st.stats.n_outputs; ++ch) {
    lo_message_add_string(
      m, layout && ch < layout->n_outputs ? layout->outputs[ch] : "?");
    lo_message_add_float(m, to_db(st.stats.peak[ch]));
    lo_message_add_float(m, to_db(st.stats.rms[ch]));
  }
  send_msg(peer, "/meters", m);

  const DspPlan* const plan = dsp_engine_plan(osc->engine);
  if (plan && st.stats.n_steps) {
    lo_message t = lo_message_new();
    for (uint32_t k = 0U; k < st.stats.n_steps; ++k) {
      const uint32_t n = st.stats.step_node[k];
      lo_message_add_string(t, n < plan->n_nodes ? plan->nodes[n]->id : "?");
      lo_message_add_float(t, (float)st.stats.node_us[k]);
    }
    send_msg(peer, "/node_times", t);
  }
}

int
dsp_osc_service(DspOsc* const osc)
{
  // Finished syncs, in order
  for (uint32_t i = 0U; i < osc->n_syncs;) {
    const PendingSync* const s = &osc->syncs[i];
    if (dsp_engine_synced(osc->engine, s->seq)) {
      lo_message m = lo_message_new();
      if (s->has_id) {
        lo_message_add_int32(m, s->id);
      }
      send_msg(&s->peer, "/synced", m);
      --osc->n_syncs;
      memmove(&osc->syncs[i],
              &osc->syncs[i + 1U],
              (osc->n_syncs - i) * sizeof(PendingSync));
    } else {
      ++i;
    }
  }

  const double t    = now_s();
  double       next = -1.0;
  for (uint32_t i = 0U; i < osc->n_subs; ++i) {
    Sub* const sub = &osc->subs[i];
    if (t >= sub->next) {
      push(osc, &sub->peer);
      sub->next = (t - sub->next > sub->period) ? t + sub->period
                                                : sub->next + sub->period;
    }
    const double wait = sub->next - t;
    next              = (next < 0.0 || wait < next) ? wait : next;
  }
  if (osc->n_syncs) {
    next = (next < 0.0 || next > 0.002) ? 0.002 : next;
  }
  return next < 0.0 ? -1 : (int)(next * 1000.0) + 1;
}

void
dsp_osc_notify_fault(DspOsc* const osc, const DspEvent* const ev)
{
  if (!osc) {
    return;
  }
  const DspPlan* const plan    = dsp_engine_plan(osc->engine);
  const bool           playing = plan && plan->serial == ev->plan;
  for (uint32_t i = 0U; i < osc->n_subs; ++i) {
    lo_message m = lo_message_new();
    lo_message_add_string(m, ev->id);
    lo_message_add_string(m, dsp_fault_kind_name(ev->kind));
    lo_message_add_int32(m, (int32_t)ev->port);
    lo_message_add_float(m, ev->sample);
    lo_message_add_float(
      m, ev->rate > 0.0 ? (float)((double)ev->at / ev->rate) : 0.0f);
    lo_message_add_int32(m, playing ? 1 : 0);
    send_msg(&osc->subs[i].peer, "/fault", m);
  }
}
