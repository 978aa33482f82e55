// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// dspctl: send one OSC command to a running dspengine, wait for its answer
// and print it (docs/osc.md).  `dspctl status --watch` shows a live view.

#define _GNU_SOURCE

#include "osc/vocab.h"

#include <lo/lo.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/// Exit status when no answer came in time.
#define EXIT_TIMEOUT 2

typedef struct {
  const char* host;           ///< --host
  const char* port;           ///< --port
  bool        tcp;            ///< --tcp
  double      timeout;        ///< --timeout seconds
  int         fd;             ///< Connected socket
  uint8_t     buf[1U << 20U]; ///< TCP receive buffer
  size_t      used;           ///< Bytes in buf
} Client;

static volatile sig_atomic_t stop = 0;

// liblo's argument pointers are only 4-byte aligned (OSC's alignment) while
// lo_arg is a union with 8-byte members: read them with memcpy.

static int32_t
arg_i(const lo_arg* const a)
{
  int32_t v = 0;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static int64_t
arg_h(const lo_arg* const a)
{
  int64_t v = 0;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static float
arg_f(const lo_arg* const a)
{
  float v = 0.0f;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static double
arg_d(const lo_arg* const a)
{
  double v = 0.0;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static const char*
arg_s(const lo_arg* const a)
{
  return (const char*)a;
}

static void
on_signal(const int sig)
{
  (void)sig;
  stop = 1;
}

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
usage(FILE* const out)
{
  fprintf(
    out,
    "Usage: dspctl [--host H] [--port P] [--tcp] [--timeout S] "
    "COMMAND [ARGS...]\n"
    "       dspctl status --watch [--rate HZ] [--count N]\n"
    "       dspctl send /PATH [i:INT|f:FLOAT|s:TEXT|d:DOUBLE|h:INT64]...\n"
    "\n"
    "Sends one command to dspengine over OSC with a request id, waits "
    "for\nits /done or /fail and prints it.  Exit status: 0 done, 1 "
    "failed,\n2 no answer within the timeout (default 2 s; a load may "
    "take longer:\nraise it with --timeout).  Defaults: --host "
    "127.0.0.1 --port 9000.\n\nCommands (see docs/osc.md):\n");
  for (const DspOscCommand* c = dsp_osc_commands; c->path; ++c) {
    char args[128] = "";
    char names[128];
    snprintf(names, sizeof(names), "%s", c->names);
    const size_t n_req = strlen(c->required);
    size_t       k     = 0U;
    for (char *save = NULL, *tok = strtok_r(names, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save), ++k) {
      const size_t len = strlen(args);
      snprintf(
        args + len, sizeof(args) - len, k < n_req ? " %s" : " [%s]", tok);
    }
    char line[160];
    snprintf(line, sizeof(line), "%s%s", c->path + 1, args);
    fprintf(out, "  %-38s %s\n", line, c->help);
  }
}

// Transport

static int
open_client(Client* const c)
{
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype      = c->tcp ? SOCK_STREAM : SOCK_DGRAM;
  struct addrinfo* found = NULL;
  const int        r     = getaddrinfo(c->host, c->port, &hints, &found);
  if (r || !found) {
    fprintf(stderr,
            "dspctl: cannot resolve %s:%s: %s\n",
            c->host,
            c->port,
            gai_strerror(r));
    return -1;
  }
  c->fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  if (c->fd < 0 || connect(c->fd, found->ai_addr, found->ai_addrlen)) {
    fprintf(stderr,
            "dspctl: cannot connect to %s:%s (%s): %s\n",
            c->host,
            c->port,
            c->tcp ? "tcp" : "udp",
            strerror(errno));
    freeaddrinfo(found);
    return -1;
  }
  freeaddrinfo(found);
  return 0;
}

static int
send_message(Client* const c, const char* const path, lo_message msg)
{
  size_t      size = 0U;
  void* const data = lo_message_serialise(msg, path, NULL, &size);
  lo_message_free(msg);
  if (!data) {
    return -1;
  }
  ssize_t sent = 0;
  if (c->tcp) {
    uint32_t      be     = htonl((uint32_t)size);
    struct iovec  iov[2] = { { &be, 4U }, { data, size } };
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov    = iov;
    mh.msg_iovlen = 2U;
    sent          = sendmsg(c->fd, &mh, MSG_NOSIGNAL) - 4;
  } else {
    sent = send(c->fd, data, size, 0);
  }
  free(data);
  if (sent != (ssize_t)size) {
    fprintf(stderr, "dspctl: cannot send %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

/**
   Receive one message within `timeout` seconds.  @return The message and
   its path in `path`, or NULL on timeout (or a closed connection).
*/
static lo_message
receive(Client* const c, char* const path, const size_t size, double timeout)
{
  static uint8_t dgram[65536];
  const double   end = now_s() + timeout;
  for (;;) {
    if (c->tcp && c->used >= 4U) {
      const uint32_t len = ntohl(*(const uint32_t*)c->buf);
      if (len > sizeof(c->buf) - 4U) {
        return NULL;
      }
      if (c->used >= 4U + len) {
        int        res = 0;
        lo_message m   = lo_message_deserialise(c->buf + 4U, len, &res);
        snprintf(path,
                 size,
                 "%.*s",
                 (int)strnlen((char*)c->buf + 4U, len),
                 (char*)c->buf + 4U);
        memmove(c->buf, c->buf + 4U + len, c->used - 4U - len);
        c->used -= 4U + len;
        if (m) {
          return m;
        }
        continue;
      }
    }

    const double left = end - now_s();
    if (left <= 0.0 || stop) {
      return NULL;
    }
    struct pollfd pfd = { c->fd, POLLIN, 0 };
    if (poll(&pfd, 1U, (int)(left * 1000.0) + 1) <= 0) {
      continue;
    }

    if (c->tcp) {
      const ssize_t got =
        recv(c->fd, c->buf + c->used, sizeof(c->buf) - c->used, 0);
      if (got <= 0) {
        return NULL;
      }
      c->used += (size_t)got;
    } else {
      const ssize_t got = recv(c->fd, dgram, sizeof(dgram), 0);
      if (got <= 0) {
        continue; // ECONNREFUSED: nobody there yet; keep waiting
      }
      if (!memcmp(dgram, "#bundle", 8U)) {
        continue;
      }
      int        res = 0;
      lo_message m   = lo_message_deserialise(dgram, (size_t)got, &res);
      if (m) {
        snprintf(path, size, "%.*s", 200, (const char*)dgram);
        return m;
      }
    }
  }
}

// Printing

static void
print_arg(FILE* const out, const char type, const lo_arg* const a)
{
  switch (type) {
  case 'i':
    fprintf(out, "%d", arg_i(a));
    break;
  case 'h':
    fprintf(out, "%lld", (long long)arg_h(a));
    break;
  case 'f':
    fprintf(out, "%g", (double)arg_f(a));
    break;
  case 'd':
    fprintf(out, "%g", arg_d(a));
    break;
  case 's':
  case 'S':
    fprintf(out, "%s", arg_s(a));
    break;
  case 'T':
    fprintf(out, "true");
    break;
  case 'F':
    fprintf(out, "false");
    break;
  default:
    fprintf(out, "<%c>", type);
  }
}

/// Print args from `first` on, space-separated.
static void
print_args(FILE* const out, lo_message m, const int first)
{
  const char* const types = lo_message_get_types(m);
  lo_arg** const    argv  = lo_message_get_argv(m);
  const int         argc  = lo_message_get_argc(m);
  for (int i = first; i < argc; ++i) {
    if (i > first) {
      fputc(' ', out);
    }
    print_arg(out, types[i], argv[i]);
  }
  fputc('\n', out);
}

static const char* const status_fields[] = {
  "id",
  "load_pct",
  "load_peak_pct",
  "callback_avg_us",
  "callback_max_us",
  "callback_max_ever_us",
  "xruns",
  "overruns",
  "rate",
  "period",
  "graph",
  "uptime_s",
  "swapping",
  "voices",
  "slots",
  "osc_denied",
  "osc_truncated",
  "osc_refused",
  "late",
};

static void
print_status(lo_message m)
{
  const char* const types = lo_message_get_types(m);
  lo_arg** const    argv  = lo_message_get_argv(m);
  const int         argc  = lo_message_get_argc(m);
  const int n_fields = (int)(sizeof(status_fields) / sizeof(status_fields[0]));
  for (int i = 1; i < argc && i < n_fields; ++i) {
    printf("%s ", status_fields[i]);
    print_arg(stdout, types[i], argv[i]);
    putchar('\n');
  }
  // After the fixed fields: the count of faulty nodes, then node/kind pairs
  if (argc > n_fields && types[n_fields] == 'i') {
    printf("faults %d\n", arg_i(argv[n_fields]));
    for (int i = n_fields + 1; i + 1 < argc; i += 2) {
      printf("fault %s %s\n", arg_s(argv[i]), arg_s(argv[i + 1]));
    }
  }
}

/// Print the reply to `path`: the command's own fields after the id.
static void
print_done(const char* const path, lo_message m, const int skip)
{
  const char* const types = lo_message_get_types(m);
  lo_arg** const    argv  = lo_message_get_argv(m);
  const int         argc  = lo_message_get_argc(m);
  if (!strcmp(path, "/graph") && argc >= skip + 2) {
    printf("%s\n", arg_s(argv[skip + 1]));
  } else if (!strcmp(path, "/params")) {
    printf("%s\n", argc > skip ? arg_s(argv[skip]) : "");
    for (int i = skip + 1; i + 6 < argc; i += 7) {
      printf("  %-16s %10g  [%g, %g] default %g %s%s%s\n",
             arg_s(argv[i]),
             (double)arg_f(argv[i + 1]),
             (double)arg_f(argv[i + 2]),
             (double)arg_f(argv[i + 3]),
             (double)arg_f(argv[i + 4]),
             arg_s(argv[i + 5]),
             arg_s(argv[i + 6])[0] ? " " : "",
             arg_s(argv[i + 6]));
    }
  } else if (!strcmp(path, "/faults")) {
    for (int i = skip; i + 4 < argc; i += 5) {
      printf("%s %s output %d value %g at %.3f s\n",
             arg_s(argv[i]),
             arg_s(argv[i + 1]),
             arg_i(argv[i + 2]),
             (double)arg_f(argv[i + 3]),
             (double)arg_f(argv[i + 4]));
    }
  } else if (!strcmp(path, "/nodes")) {
    for (int i = skip; i + 2 < argc; i += 3) {
      printf("%s %s%s\n",
             arg_s(argv[i]),
             arg_s(argv[i + 1]),
             arg_i(argv[i + 2]) ? " (bypassed)" : "");
    }
  } else {
    (void)types;
    printf("%s", path);
    if (argc > skip) {
      putchar(' ');
      print_args(stdout, m, skip);
    } else {
      putchar('\n');
    }
  }
}

// Commands

/// Build the message for `cmd` from command-line args.  NULL on bad args.
static lo_message
build(const DspOscCommand* const cmd,
      char** const               args,
      const int                  n_args,
      const int32_t              id)
{
  const int n_req = (int)strlen(cmd->required);
  const int n_opt = (int)strlen(cmd->optional);
  if (n_args < n_req || n_args > n_req + n_opt) {
    fprintf(stderr,
            "dspctl: %s takes %d to %d arguments (%s), got %d\n",
            cmd->path + 1,
            n_req,
            n_req + n_opt,
            cmd->names[0] ? cmd->names : "none",
            n_args);
    return NULL;
  }

  lo_message m = lo_message_new();
  for (int i = 0; i < n_args; ++i) {
    const char   t   = i < n_req ? cmd->required[i] : cmd->optional[i - n_req];
    char*        end = NULL;
    const double v   = t == 'n' ? strtod(args[i], &end) : 0.0;
    if (t == 'n' && end != args[i] && !*end) {
      lo_message_add_float(m, (float)v);
    } else {
      lo_message_add_string(m, args[i]); // The engine names the mistake
    }
  }
  lo_message_add_int32(m, id);
  return m;
}

/// Is `m` (at `path`) the answer to request `id` of command `cmd`?
static bool
is_answer(const char* const cmd,
          const int32_t     id,
          const char* const path,
          lo_message        m)
{
  const char* const types = lo_message_get_types(m);
  lo_arg** const    argv  = lo_message_get_argv(m);
  const int         argc  = lo_message_get_argc(m);
  if (!strcmp(path, "/done") || !strcmp(path, "/fail")) {
    return argc >= 2 && types[0] == 's' && !strcmp(arg_s(argv[0]), cmd) &&
           types[1] == 'i' && arg_i(argv[1]) == id;
  }
  if (!strcmp(path, "/pong") || !strcmp(path, "/synced") ||
      !strcmp(path, "/status.reply")) {
    return argc >= 1 && types[0] == 'i' && arg_i(argv[0]) == id;
  }
  return false;
}

static int
no_answer(const Client* const c, const char* const what)
{
  fprintf(stderr,
          "dspctl: no answer to %s from %s:%s (%s) within %g s (is "
          "dspengine running with OSC on that port? see --port, --timeout)\n",
          what,
          c->host,
          c->port,
          c->tcp ? "tcp" : "udp",
          c->timeout);
  return EXIT_TIMEOUT;
}

static int
run_command(Client* const              c,
            const DspOscCommand* const cmd,
            char** const               args,
            const int                  n_args)
{
  const int32_t id = (int32_t)((getpid() & 0x7FFF) * 1000 + 1);
  lo_message    m  = build(cmd, args, n_args, id);
  if (!m) {
    return 1;
  }
  if (send_message(c, cmd->path, m)) {
    return 1;
  }

  char path[256];
  for (;;) {
    lo_message reply = receive(c, path, sizeof(path), c->timeout);
    if (!reply) {
      return no_answer(c, cmd->path);
    }
    if (!is_answer(cmd->path, id, path, reply)) {
      lo_message_free(reply);
      continue;
    }

    int status = 0;
    if (!strcmp(path, "/fail")) {
      lo_arg** const argv = lo_message_get_argv(reply);
      fprintf(stderr,
              "dspctl: %s failed: %s\n",
              cmd->path,
              lo_message_get_argc(reply) > 2 ? arg_s(argv[2]) : "?");
      status = 1;
    } else if (!strcmp(path, "/status.reply")) {
      print_status(reply);
    } else if (!strcmp(path, "/pong") || !strcmp(path, "/synced")) {
      printf("%s %d\n", path, id);
    } else {
      print_done(cmd->path, reply, 2);
    }
    lo_message_free(reply);
    return status;
  }
}

/// `send /PATH T:V...`: send exactly these arguments, print the answer.
static int
run_raw(Client* const c, char** const args, const int n_args)
{
  if (n_args < 1) {
    fprintf(stderr, "dspctl: send needs a path\n");
    return 1;
  }
  lo_message m = lo_message_new();
  for (int i = 1; i < n_args; ++i) {
    const char* const a = args[i];
    if (a[0] && a[1] == ':') {
      switch (a[0]) {
      case 'i':
        lo_message_add_int32(m, (int32_t)strtol(a + 2, NULL, 10));
        continue;
      case 'h':
        lo_message_add_int64(m, strtoll(a + 2, NULL, 10));
        continue;
      case 'f':
        lo_message_add_float(m, strtof(a + 2, NULL));
        continue;
      case 'd':
        lo_message_add_double(m, strtod(a + 2, NULL));
        continue;
      case 's':
        lo_message_add_string(m, a + 2);
        continue;
      default:
        break;
      }
    }
    if (!strcmp(a, "T")) {
      lo_message_add_true(m);
    } else if (!strcmp(a, "F")) {
      lo_message_add_false(m);
    } else if (!strcmp(a, "N")) {
      lo_message_add_nil(m);
    } else {
      fprintf(stderr, "dspctl: send: bad argument \"%s\" (T:VALUE)\n", a);
      lo_message_free(m);
      return 1;
    }
  }
  if (send_message(c, args[0], m)) {
    return 1;
  }

  char             path[256];
  const lo_message reply = receive(c, path, sizeof(path), c->timeout);
  if (!reply) {
    return no_answer(c, args[0]);
  }
  printf("%s ", path);
  print_args(stdout, reply, 0);
  const int status = strcmp(path, "/fail") ? 0 : 1;
  lo_message_free(reply);
  return status;
}

// Watch

typedef struct {
  char  names[64][64];
  float peak[64];
  float rms[64];
  int   n;
  char  nodes[256][64];
  float node_us[256];
  int   n_nodes;
} View;

static void
meter_bar(char* const buf, const float db)
{
  const int width = 30;
  const int n     = db <= -60.0f ? 0
                    : db >= 0.0f ? width
                                 : (int)((db + 60.0f) / 60.0f * (float)width);
  for (int i = 0; i < width; ++i) {
    buf[i] = i < n ? '#' : '.';
  }
  buf[width] = '\0';
}

static void
draw(lo_message status, const View* const v, const bool tty)
{
  lo_arg** const a    = lo_message_get_argv(status);
  const int      argc = lo_message_get_argc(status);
  if (argc < 15) {
    return;
  }
  if (tty) {
    fputs("\033[H\033[J", stdout);
  }
  printf("dspengine  graph %s  %.0f Hz  period %d  up %.0f s%s\n",
         arg_s(a[10]),
         (double)arg_f(a[8]),
         arg_i(a[9]),
         (double)arg_f(a[11]),
         arg_i(a[12]) ? "  SWAPPING" : "");
  printf("load %5.1f%% (peak %5.1f%%)  callback avg %.1f us max %.1f us "
         "(ever %.1f us)  xruns %d  overruns %d  slots %d\n",
         (double)arg_f(a[1]),
         (double)arg_f(a[2]),
         (double)arg_f(a[3]),
         (double)arg_f(a[4]),
         (double)arg_f(a[5]),
         arg_i(a[6]),
         arg_i(a[7]),
         arg_i(a[14]));
  if (argc >= 18) {
    printf("osc: denied %d  truncated %d  refused %d\n",
           arg_i(a[15]),
           arg_i(a[16]),
           arg_i(a[17]));
  }
  const int n_fields = (int)(sizeof(status_fields) / sizeof(status_fields[0]));
  if (argc > n_fields && arg_i(a[n_fields]) > 0) {
    printf("FAULTY NODES (muted; dspctl rearm NODE):");
    for (int i = n_fields + 1; i + 1 < argc; i += 2) {
      printf(" %s (%s)", arg_s(a[i]), arg_s(a[i + 1]));
    }
    putchar('\n');
  }
  putchar('\n');
  for (int ch = 0; ch < v->n; ++ch) {
    char bar[40];
    meter_bar(bar, v->peak[ch]);
    printf("%-12s %s peak %6.1f dBFS  rms %6.1f dBFS\n",
           v->names[ch],
           bar,
           (double)v->peak[ch],
           (double)v->rms[ch]);
  }
  if (v->n_nodes) {
    printf("\n%-20s %10s\n", "node", "us/call");
    for (int k = 0; k < v->n_nodes; ++k) {
      printf("%-20s %10.2f\n", v->nodes[k], (double)v->node_us[k]);
    }
  }
  if (!tty) {
    putchar('\n');
  }
  fflush(stdout);
}

static int
run_watch(Client* const c, const double rate, const long count)
{
  static View  v;
  const bool   tty   = isatty(STDOUT_FILENO);
  double       last  = 0.0;
  long         shown = 0;
  bool         heard = false;
  const double start = now_s();

  while (!stop && (count <= 0 || shown < count)) {
    if (now_s() - last > 2.0) {
      // (Re)subscribe: survives an engine restart
      lo_message m = lo_message_new();
      lo_message_add_float(m, (float)rate);
      if (send_message(c, "/subscribe", m)) {
        return 1;
      }
      last = now_s();
    }

    char             path[256];
    const lo_message m = receive(c, path, sizeof(path), 0.5);
    if (!m) {
      if (!heard && now_s() - start > c->timeout) {
        return no_answer(c, "/subscribe");
      }
      continue;
    }
    heard                   = true;
    const char* const types = lo_message_get_types(m);
    lo_arg** const    a     = lo_message_get_argv(m);
    const int         argc  = lo_message_get_argc(m);
    if (!strcmp(path, "/meters") && argc >= 1 && types[0] == 'i') {
      v.n = 0;
      for (int i = 1; i + 2 < argc + 0 && v.n < 64; i += 3) {
        snprintf(v.names[v.n], sizeof(v.names[0]), "%s", arg_s(a[i]));
        v.peak[v.n] = arg_f(a[i + 1]);
        v.rms[v.n]  = arg_f(a[i + 2]);
        ++v.n;
      }
    } else if (!strcmp(path, "/node_times")) {
      v.n_nodes = 0;
      for (int i = 0; i + 1 < argc && v.n_nodes < 256; i += 2) {
        snprintf(v.nodes[v.n_nodes], sizeof(v.nodes[0]), "%s", arg_s(a[i]));
        v.node_us[v.n_nodes++] = arg_f(a[i + 1]);
      }
    } else if (!strcmp(path, "/status.reply")) {
      draw(m, &v, tty);
      ++shown;
    }
    lo_message_free(m);
  }

  lo_message m = lo_message_new();
  (void)send_message(c, "/unsubscribe", m);
  return 0;
}

int
main(int argc, char** argv)
{
  static Client c;
  c.host    = "127.0.0.1";
  c.port    = "9000";
  c.timeout = 2.0;

  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    const char* const a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--tcp")) {
      c.tcp = true;
    } else if (i + 1 < argc && !strcmp(a, "--host")) {
      c.host = argv[++i];
    } else if (i + 1 < argc && !strcmp(a, "--port")) {
      c.port = argv[++i];
    } else if (i + 1 < argc && !strcmp(a, "--timeout")) {
      c.timeout = strtod(argv[++i], NULL);
    } else {
      fprintf(stderr, "dspctl: unknown option \"%s\" (see --help)\n", a);
      return 1;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return 1;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  if (open_client(&c)) {
    return 1;
  }

  const char* const name = argv[i++];
  if (!strcmp(name, "send")) {
    return run_raw(&c, argv + i, argc - i);
  }
  if (!strcmp(name, "status") && i < argc && !strcmp(argv[i], "--watch")) {
    double rate  = 10.0;
    long   count = 0;
    for (++i; i + 1 < argc; i += 2) {
      if (!strcmp(argv[i], "--rate")) {
        rate = strtod(argv[i + 1], NULL);
      } else if (!strcmp(argv[i], "--count")) {
        count = strtol(argv[i + 1], NULL, 10);
      }
    }
    return run_watch(&c, rate, count);
  }

  char path[64];
  snprintf(path, sizeof(path), "/%s", name);
  const DspOscCommand* const cmd = dsp_osc_find_command(path);
  if (!cmd) {
    fprintf(stderr, "dspctl: unknown command \"%s\" (see --help)\n", name);
    return 1;
  }
  return run_command(&c, cmd, argv + i, argc - i);
}
