// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// swap_bench PORT GRAPH_A GRAPH_B VERB [SWAPS]
//
// An in-process OSC + JACK client for the hot-swap benchmark
// (bench/osc/README.md).  It feeds DC 0.5 into eng:in_l/in_r and records
// eng:out_l/out_r (two clients, so that JACK runs feed -> engine -> record
// in one cycle).  GRAPH_A and GRAPH_B differ only in a marker gain on the
// right channel (0 dB and -20 dB), so the first output sample that belongs
// to the new graph is the first right-channel sample away from the old
// level.  Each swap is timed from the moment the command is sent (as a
// JACK frame, from the cycle times) to that sample's frame, with a 0 ms
// crossfade so that the first new sample is entirely the new graph's (a
// longer crossfade starts on the same sample).  It measures:
//   1. swap latency to a prepared slot (/prepare, then /swap timed);
//   2. swap latency of a fresh 8-node graph (/load timed);
//   3. /set and /ping messages handled per second (a window of 64
//      unanswered messages, so none is dropped);
//   4. DSP load (the engine's /status) steady on VERB, and during
//      continuous 50 ms crossfades between prepared copies of VERB.

#define _GNU_SOURCE

#include <jack/jack.h>
#include <lo/lo.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SWAPS 200

typedef struct {
  jack_client_t* src;       ///< Feeds the engine
  jack_client_t* rec;       ///< Records the engine
  jack_port_t*   outs[2];   ///< src's outputs
  jack_port_t*   ins[2];    ///< rec's inputs
  atomic_int     armed;     ///< Main: look for the change
  _Atomic float  old_level; ///< Right-channel level before the swap
  _Atomic float  threshold; ///< Distance from it that counts as changed
  atomic_uint    hit;       ///< Frame time of the first changed sample
  _Atomic float  level;     ///< Last right-channel sample
  atomic_int     xruns;     ///< Xruns reported to either client
} Bench;

static Bench b;
static int   sock = -1;

static int
src_process(const jack_nframes_t n, void* const data)
{
  (void)data;
  for (int c = 0; c < 2; ++c) {
    float* const out = (float*)jack_port_get_buffer(b.outs[c], n);
    for (jack_nframes_t i = 0; i < n; ++i) {
      out[i] = 0.5f;
    }
  }
  return 0;
}

static int
rec_process(const jack_nframes_t n, void* const data)
{
  (void)data;
  const float* const in = (const float*)jack_port_get_buffer(b.ins[1], n);
  if (atomic_load(&b.armed)) {
    const float old = atomic_load(&b.old_level);
    const float thr = atomic_load(&b.threshold);
    for (jack_nframes_t i = 0; i < n; ++i) {
      if (fabsf(in[i] - old) > thr) {
        atomic_store(&b.hit, jack_last_frame_time(b.rec) + i);
        atomic_store(&b.armed, 0);
        break;
      }
    }
  }
  atomic_store(&b.level, in[n - 1U]);
  return 0;
}

static int
on_xrun(void* const data)
{
  (void)data;
  atomic_fetch_add(&b.xruns, 1);
  return 0;
}

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/// The JACK frame (fractional) at this moment, from the cycle times.
static double
frame_now(void)
{
  jack_nframes_t frames = 0U;
  jack_time_t    cur    = 0U;
  jack_time_t    next   = 0U;
  float          period = 0.0f;
  jack_get_cycle_times(b.src, &frames, &cur, &next, &period);
  const jack_time_t t = jack_get_time();
  return (double)frames +
         ((double)t - (double)cur) * 1e-6 * jack_get_sample_rate(b.src);
}

static void
send_msg(const char* const path, lo_message m)
{
  size_t      size = 0U;
  void* const data = lo_message_serialise(m, path, NULL, &size);
  (void)send(sock, data, size, 0);
  free(data);
  lo_message_free(m);
}

/// Wait for a reply to `path`; `id` is the request id (or -1).  Returns the
/// time it arrived, or a negative value after `timeout` seconds.
static double
wait_reply(const char* const cmd, const int32_t id, const double timeout)
{
  static uint8_t buf[65536];
  const double   end = now_s() + timeout;
  for (double t = now_s(); t < end; t = now_s()) {
    struct pollfd p = { sock, POLLIN, 0 };
    if (poll(&p, 1, (int)((end - t) * 1000.0) + 1) <= 0) {
      continue;
    }
    const ssize_t got = recv(sock, buf, sizeof(buf), 0);
    if (got <= 0) {
      continue;
    }
    const double arrived = now_s();
    int          res     = 0;
    lo_message   r       = lo_message_deserialise(buf, (size_t)got, &res);
    if (!r) {
      continue;
    }
    const char* const path  = (const char*)buf;
    const char* const types = lo_message_get_types(r);
    lo_arg** const    a     = lo_message_get_argv(r);
    const int         argc  = lo_message_get_argc(r);
    bool              mine  = false;
    if (!strcmp(path, "/fail")) {
      fprintf(stderr,
              "swap_bench: /fail %s: %s\n",
              cmd,
              argc > 2 && types[argc - 1] == 's' ? &a[argc - 1]->s : "?");
      lo_message_free(r);
      return -1.0;
    }
    if (!strcmp(path, "/done")) {
      mine = argc >= 2 && types[0] == 's' && !strcmp(&a[0]->s, cmd) &&
             (id < 0 || (types[1] == 'i' && a[1]->i == id));
    } else if (!strcmp(path, cmd)) { // /pong, /status.reply
      mine = argc >= 1 && types[0] == 'i' && a[0]->i == id;
    }
    lo_message_free(r);
    if (mine) {
      return arrived;
    }
  }
  return -1.0;
}

static int
cmp_double(const void* const a, const void* const b2)
{
  const double x = *(const double*)a;
  const double y = *(const double*)b2;
  return x < y ? -1 : x > y;
}

static void
report(const char* const what, double* const v, const int n)
{
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  printf("%-34s median %7.2f ms  max %7.2f ms  min %6.2f ms  (n %d)\n",
         what,
         v[n / 2],
         v[n - 1],
         v[0],
         n);
}

static int32_t next_id = 1000;

/// Send one swap command (`cmd` = "/swap" slot, or "/load" path) with a 0 ms
/// crossfade and time it.  Returns 1 if timed, 0 on failure, -1 if an xrun
/// happened meanwhile (the server stalled: frames lag the wall clock, so the
/// measure is void; the swap was made).
static int
timed_swap(const char* const cmd,
           const char* const arg,
           const float       old_level,
           const float       new_level,
           double* const     audible_ms,
           double* const     done_ms)
{
  const double rate = jack_get_sample_rate(b.src);
  atomic_store(&b.old_level, old_level);
  atomic_store(&b.threshold, 0.25f * fabsf(new_level - old_level));
  atomic_store(&b.armed, 1);

  const int     xruns = atomic_load(&b.xruns);
  const int32_t id    = next_id++;
  lo_message    m     = lo_message_new();
  lo_message_add_string(m, arg);
  lo_message_add_float(m, 0.0f); // Crossfade: 0 ms (1 frame)
  lo_message_add_int32(m, id);
  const double t0 = now_s();
  const double f0 = frame_now();
  send_msg(cmd, m);
  const double t1 = wait_reply(cmd, id, 10.0);
  if (t1 < 0.0) {
    fprintf(stderr, "swap_bench: no /done %s\n", cmd);
    return 0;
  }
  for (int i = 0; i < 500 && atomic_load(&b.armed); ++i) {
    usleep(1000U);
  }
  if (atomic_load(&b.armed)) {
    fprintf(stderr,
            "swap_bench: %s %s: no change on the right channel (level %g)\n",
            cmd,
            arg,
            (double)atomic_load(&b.level));
    atomic_store(&b.armed, 0);
    return 0;
  }
  const uint32_t hit = atomic_load(&b.hit);
  const double   delta =
    (double)(int32_t)(hit - (uint32_t)(int64_t)f0) - (f0 - floor(f0));
  *audible_ms = delta / rate * 1000.0;
  *done_ms    = (t1 - t0) * 1000.0;
  return atomic_load(&b.xruns) == xruns ? 1 : -1;
}

static bool
simple(const char* const cmd, const char* const a1, const char* const a2)
{
  const int32_t id = next_id++;
  lo_message    m  = lo_message_new();
  if (a1) {
    lo_message_add_string(m, a1);
  }
  if (a2) {
    lo_message_add_string(m, a2);
  }
  lo_message_add_int32(m, id);
  send_msg(cmd, m);
  if (wait_reply(cmd, id, 20.0) < 0.0) {
    fprintf(stderr, "swap_bench: %s failed\n", cmd);
    return false;
  }
  return true;
}

/// Messages handled per second: `path` sent for `seconds` with at most
/// `window` unanswered.  Returns replies per second.
static double
throughput(const char* const path, const double seconds, const int window)
{
  static uint8_t buf[65536];
  long           sent = 0;
  long           got  = 0;
  const double   t0   = now_s();
  while (now_s() - t0 < seconds) {
    while (sent - got < window) {
      lo_message m = lo_message_new();
      if (!strcmp(path, "/set")) {
        lo_message_add_string(m, "n0");
        lo_message_add_string(m, "gain");
        lo_message_add_float(m, -0.5f - (float)(sent % 10) * 0.01f);
        lo_message_add_float(m, 0.0f);
      }
      lo_message_add_int32(m, (int32_t)sent);
      send_msg(path, m);
      ++sent;
    }
    struct pollfd p = { sock, POLLIN, 0 };
    if (poll(&p, 1, 100) > 0 && recv(sock, buf, sizeof(buf), 0) > 0) {
      ++got;
    } else {
      got = sent; // A lost reply: do not stall the window
    }
  }
  const double elapsed = now_s() - t0;
  while (wait_reply("#drain", -2, 0.2) >= 0.0) {
  }
  return (double)got / elapsed;
}

/// The engine's DSP load (%) and plans running, from /status.
static bool
status_load(double* const load, int* const voices)
{
  static uint8_t buf[65536];
  const int32_t  id = next_id++;
  lo_message     m  = lo_message_new();
  lo_message_add_int32(m, id);
  send_msg("/status", m);
  const double end = now_s() + 2.0;
  while (now_s() < end) {
    struct pollfd p = { sock, POLLIN, 0 };
    if (poll(&p, 1, 200) <= 0) {
      continue;
    }
    const ssize_t n   = recv(sock, buf, sizeof(buf), 0);
    int           res = 0;
    lo_message    r   = n > 0 && !strcmp((const char*)buf, "/status.reply")
                          ? lo_message_deserialise(buf, (size_t)n, &res)
                          : NULL;
    if (r) {
      lo_arg** const a  = lo_message_get_argv(r);
      const bool     ok = lo_message_get_argc(r) >= 15 && a[0]->i == id;
      if (ok) {
        *load   = a[1]->f;
        *voices = a[13]->i;
      }
      lo_message_free(r);
      if (ok) {
        return true;
      }
    }
  }
  return false;
}

static int
open_jack(void)
{
  b.src = jack_client_open("sbench_src", JackNoStartServer, NULL);
  b.rec = jack_client_open("sbench_rec", JackNoStartServer, NULL);
  if (!b.src || !b.rec) {
    fprintf(stderr, "swap_bench: no JACK server\n");
    return 1;
  }
  const char* const names[2] = { "l", "r" };
  for (int c = 0; c < 2; ++c) {
    b.outs[c] = jack_port_register(
      b.src, names[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    b.ins[c] = jack_port_register(
      b.rec, names[c], JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
  }
  jack_set_process_callback(b.src, src_process, NULL);
  jack_set_process_callback(b.rec, rec_process, NULL);
  jack_set_xrun_callback(b.rec, on_xrun, NULL);
  if (jack_activate(b.src) || jack_activate(b.rec) ||
      jack_connect(b.src, "sbench_src:l", "eng:in_l") ||
      jack_connect(b.src, "sbench_src:r", "eng:in_r") ||
      jack_connect(b.rec, "eng:out_l", "sbench_rec:l") ||
      jack_connect(b.rec, "eng:out_r", "sbench_rec:r")) {
    fprintf(stderr, "swap_bench: cannot activate or connect to eng\n");
    return 1;
  }
  return 0;
}

int
main(int argc, char** argv)
{
  if (argc < 5) {
    fprintf(stderr, "usage: swap_bench PORT GRAPH_A GRAPH_B VERB [SWAPS]\n");
    return 2;
  }
  const int         port     = atoi(argv[1]);
  const char* const graph[2] = { argv[2], argv[3] };
  const char* const verb     = argv[4];
  int               swaps    = argc > 5 ? atoi(argv[5]) : 20;
  swaps                = swaps < 1 ? 1 : swaps > MAX_SWAPS ? MAX_SWAPS : swaps;
  const float level[2] = { 0.5f, 0.05f }; // Marker: 0 dB, -20 dB

  sock                 = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = { 0 };
  a.sin_family         = AF_INET;
  a.sin_port           = htons((uint16_t)port);
  a.sin_addr.s_addr    = htonl(INADDR_LOOPBACK);
  if (sock < 0 || connect(sock, (struct sockaddr*)&a, sizeof(a)) ||
      open_jack()) {
    return 1;
  }

  // Start on graph A (also warms the plugin world and the page cache)
  double audible = 0.0;
  double done    = 0.0;
  if (!simple("/load", graph[1], NULL) || !simple("/load", graph[0], NULL)) {
    return 1;
  }
  usleep(300000U);
  const double period_ms =
    jack_get_buffer_size(b.src) * 1000.0 / jack_get_sample_rate(b.src);

  static double prep_aud[MAX_SWAPS], prep_done[MAX_SWAPS];
  static double load_aud[MAX_SWAPS], load_done[MAX_SWAPS];
  static double ping_ms[MAX_SWAPS];
  int           cur    = 0;
  int           void_n = 0;
  for (int i = 0; i < swaps; ++i) {
    // Prepared slot: instantiated beforehand, only the swap is timed
    int r = -1;
    for (int tries = 0; r < 0 && tries < 10; ++tries) {
      if (!simple("/prepare", "next", graph[1 - cur])) {
        return 1;
      }
      usleep(50000U);
      r   = timed_swap("/swap",
                     "next",
                     level[cur],
                     level[1 - cur],
                     &prep_aud[i],
                     &prep_done[i]);
      cur = r ? 1 - cur : cur;
      void_n += r < 0;
      usleep(100000U);
    }
    if (r <= 0) {
      return 1;
    }
    // Fresh graph: parsed, compiled, instantiated, then swapped
    r = -1;
    for (int tries = 0; r < 0 && tries < 10; ++tries) {
      r   = timed_swap("/load",
                     graph[1 - cur],
                     level[cur],
                     level[1 - cur],
                     &load_aud[i],
                     &load_done[i]);
      cur = r ? 1 - cur : cur;
      void_n += r < 0;
      usleep(100000U);
    }
    if (r <= 0) {
      return 1;
    }
    // Baseline: the OSC round trip alone
    const int32_t id = next_id++;
    lo_message    m  = lo_message_new();
    lo_message_add_int32(m, id);
    const double t0 = now_s();
    send_msg("/ping", m);
    ping_ms[i] = (wait_reply("/pong", id, 2.0) - t0) * 1000.0;
  }
  (void)audible;
  (void)done;

  printf("period %.2f ms; 0 ms crossfade; %d swaps of each kind (%d more "
         "made but void: an xrun stalled the server meanwhile)\n",
         period_ms,
         swaps,
         void_n);
  printf("swap latency, command sent -> first sample of the new graph:\n");
  report("  prepared slot (/swap)", prep_aud, swaps);
  report("  fresh 8-node graph (/load)", load_aud, swaps);
  printf("command sent -> /done received:\n");
  report("  prepared slot (/swap)", prep_done, swaps);
  report("  fresh 8-node graph (/load)", load_done, swaps);
  report("  baseline: /ping -> /pong", ping_ms, swaps);
  printf("  ratio fresh / prepared (median, audible): %.1f\n",
         load_aud[swaps / 2] / prep_aud[swaps / 2]);

  // Messages per second (no drops: a window of unanswered messages)
  const double set_rate  = throughput("/set", 2.0, 64);
  const double ping_rate = throughput("/ping", 2.0, 64);
  printf("messages handled: /set %.0f/s, /ping %.0f/s (baseline); ratio "
         "%.2f\n",
         set_rate,
         ping_rate,
         set_rate / ping_rate);

  // DSP load: steady on the reverb, then during continuous crossfades
  if (!simple("/load", verb, NULL)) {
    return 1;
  }
  usleep(1500000U);
  double steady = 0.0;
  double during = 0.0;
  double sum    = 0.0;
  int    voices = 0;
  int    most   = 0;
  int    n      = 0;
  for (int k = 0; k < 5; ++k) {
    usleep(200000U);
    if (status_load(&steady, &voices)) {
      sum += steady;
      ++n;
    }
  }
  steady = n ? sum / n : 0.0;
  sum    = 0.0;
  n      = 0;
  for (int k = 0; k < 40; ++k) {
    if (!simple("/prepare", "x", verb)) {
      return 1;
    }
    lo_message m = lo_message_new();
    lo_message_add_string(m, "x");
    lo_message_add_float(m, 50.0f);
    lo_message_add_int32(m, next_id);
    send_msg("/swap", m);
    wait_reply("/swap", next_id++, 5.0);
    usleep(60000U);
    if (k >= 10 && status_load(&during, &voices)) {
      sum += during;
      most = voices > most ? voices : most;
      ++n;
    }
  }
  during = n ? sum / n : 0.0;
  printf("DSP load (engine /status, 100 ms windows): steady reverb %.2f %%, "
         "during continuous 50 ms crossfades every ~60 ms %.2f %% (up to %d "
         "plans running); ratio %.1f\n",
         steady,
         during,
         most,
         steady > 0.0 ? during / steady : 0.0);

  jack_client_close(b.src);
  jack_client_close(b.rec);
  return 0;
}
