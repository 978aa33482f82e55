// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Live mode: the control thread of a JACK client.  It owns the DspEngine
// (control/engine.h), which compiles plans and sends them and parameter
// changes through the runtime's ring; this loop polls the OSC sockets and
// stdin, frees retired plans, reports measurements, and follows the server
// (shutdown, buffer size, reconnection).  The engine is only ever touched
// from this thread.  The audio thread only runs backends/jack_rt.c.

#include "live.h"

#include "backends/jack.h"
#include "common/timing.h"
#include "control/engine.h"
#include "graph/graph.h"
#include "nodes/lv2/lv2.h"
#include "osc/osc.h"
#include "persist.h"
#include "rt/runtime.h"
#include "rt/stats.h"
#include "standby.h"
#include "supervise.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/// Smallest max_block a live plan is compiled with.
#define DSP_LIVE_MIN_BLOCK 1024U

/// Longest sleep of the idle control loop (ms).  It bounds how late a
/// retired plan is freed, an LV2 log line is printed or a server shutdown is
/// noticed.  Every wake-up costs the machine a context switch, which on the
/// core the audio thread shares is not free: at 64-frame periods a 20 ms
/// loop cost ~2 us per audio cycle (bench/jack/README.md).
#define DSP_LIVE_IDLE_MS 100

/// Sleep while a swap or crossfade runs (ms), so the old graph is retired
/// and freed promptly.
#define DSP_LIVE_BUSY_MS 20

static volatile sig_atomic_t stop_signal = 0;

static void
on_signal(const int sig)
{
  stop_signal = sig;
}

/// Live state, all owned by the control thread.
typedef struct {
  const DspOptions* opts;
  DspEngine*        engine;     ///< Graphs, slots, parameters, runtime
  DspRuntime*       rt;         ///< The engine's runtime (borrowed)
  DspOsc*           osc;        ///< OSC server, or NULL
  DspJack*          jack;       ///< Client, NULL while disconnected
  bool              started;    ///< The graph has been compiled once
  char              line[4096]; ///< Partial stdin line
  size_t            line_len;   ///< Bytes in `line`
  bool              stdin_open; ///< Still reading commands
  bool              quit;       ///< "quit" received
  double            next_stats; ///< Monotonic time of the next report
  uint32_t          max_block;  ///< Block the plan was compiled with
  uint32_t          period;     ///< Server's period as last known
  DspPersist*       persist;    ///< Checkpoint writer, or NULL (--no-state)
  bool              resumed;    ///< Started from a checkpoint
  DspStandby*       standby;    ///< Standby preparations, until joined
} Live;

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
report_error(const DspError* const err)
{
  char buf[1400];
  fprintf(
    stderr, "dspengine: error: %s\n", dsp_error_format(err, buf, sizeof(buf)));
  return 1;
}

/// Map an OSC time tag to a JACK frame time (DSP_RUNTIME_NOW if past).
static int64_t
frame_of_ntp(void* const data, const uint64_t ntp)
{
  const Live* const live = (const Live*)data;
  if (!live->jack) {
    return DSP_RUNTIME_NOW;
  }
  const double unix_time = (double)(ntp >> 32U) - 2208988800.0 +
                           (double)(ntp & 0xFFFFFFFFU) / 4294967296.0;
  return dsp_jack_frame_at(live->jack, unix_time);
}

static void
print_stats(Live* const live, FILE* const out)
{
  DspRuntimeStats s;
  dsp_runtime_stats(live->rt, &s);
  fprintf(out,
          "stats: load %.1f%% (peak %.1f%%), callback avg %.1f us, max "
          "%.1f us (ever %.1f us), period %u frames = %.1f us, xruns %llu, "
          "overruns %llu, cycles %llu\n",
          s.load * 100.0,
          s.load_peak * 100.0,
          s.avg_us,
          s.max_us,
          s.max_us_total,
          s.period_frames,
          s.period_us,
          (unsigned long long)s.xruns,
          (unsigned long long)s.overruns,
          (unsigned long long)s.cycles);

  if (s.n_outputs) {
    fprintf(out, "  peaks:");
    for (uint32_t ch = 0U; ch < s.n_outputs; ++ch) {
      const double db =
        s.peak[ch] > 0.0f ? 20.0 * log10(s.peak[ch]) : -INFINITY;
      const DspGraph* const layout = dsp_engine_layout(live->engine);
      fprintf(out,
              " %s %.1f dBFS",
              layout && ch < layout->n_outputs ? layout->outputs[ch] : "?",
              db);
    }
    fprintf(out, "\n");
  }

  const DspPlan* const plan = dsp_engine_plan(live->engine);
  for (uint32_t k = 0U; plan && k < s.n_steps; ++k) {
    const uint32_t n = s.step_node[k];
    fprintf(out,
            "  node %-16s %8.2f us\n",
            n < plan->n_nodes ? plan->nodes[n]->id : "?",
            s.node_us[k]);
  }
  fflush(out);
}

/// Execute one --stdin-control command line; answer on stdout.
static void
run_command(Live* const live, char* const line)
{
  char*       save = NULL;
  const char* cmd  = strtok_r(line, " \t\r", &save);
  DspError    err;
  memset(&err, 0, sizeof(err));

  if (!cmd || cmd[0] == '#') {
    return;
  }

  DspStatus st = DSP_SUCCESS;
  if (!strcmp(cmd, "set")) {
    const char* const node  = strtok_r(NULL, " \t\r", &save);
    const char* const param = strtok_r(NULL, " \t\r", &save);
    const char* const value = strtok_r(NULL, " \t\r", &save);
    const char* const ramp  = strtok_r(NULL, " \t\r", &save);
    char*             end   = NULL;
    const double      v     = value ? strtod(value, &end) : NAN;
    char*             rend  = NULL;
    const double      r     = ramp ? strtod(ramp, &rend) : -1.0;
    if (!node || !param || !value || *end || !isfinite(v) ||
        (ramp && (*rend || !(r >= 0.0)))) {
      st = dsp_error_set(&err,
                         DSP_ERR_BAD_ARG,
                         NULL,
                         "expected: set NODE PARAM VALUE [RAMP_MS]");
    } else {
      st = dsp_engine_set_param(
        live->engine, node, param, (float)v, r, DSP_RUNTIME_NOW, &err);
    }
  } else if (!strcmp(cmd, "load")) {
    const char* const path = strtok_r(NULL, "\r", &save);
    st =
      path
        ? dsp_engine_load(live->engine, path, -1.0, -1.0, DSP_RUNTIME_NOW, &err)
        : dsp_error_set(
            &err, DSP_ERR_BAD_ARG, NULL, "expected: load FILE.json");
  } else if (!strcmp(cmd, "stats")) {
    print_stats(live, stdout);
  } else if (!strcmp(cmd, "quit")) {
    live->quit = true;
  } else {
    st = dsp_error_set(&err,
                       DSP_ERR_BAD_ARG,
                       NULL,
                       "unknown command \"%s\" (expected set, load, stats "
                       "or quit)",
                       cmd);
  }

  if (st) {
    char buf[1400];
    printf("error: %s\n", dsp_error_format(&err, buf, sizeof(buf)));
  } else {
    printf("ok %s\n", cmd);
  }
  fflush(stdout);
}

/// Read what stdin has, run each complete line.
static void
read_commands(Live* const live)
{
  const size_t  room = sizeof(live->line) - live->line_len - 1U;
  const ssize_t n    = read(STDIN_FILENO, live->line + live->line_len, room);
  if (n <= 0) {
    if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      live->stdin_open = false;
    }
    return;
  }

  live->line_len += (size_t)n;
  live->line[live->line_len] = '\0';
  char* start                = live->line;
  char* nl                   = NULL;
  while ((nl = strchr(start, '\n'))) {
    *nl = '\0';
    run_command(live, start);
    start = nl + 1;
  }

  live->line_len -= (size_t)(start - live->line);
  memmove(live->line, start, live->line_len);
  if (live->line_len == sizeof(live->line) - 1U) {
    live->line_len = 0U; // Overlong line: drop it
  }
}

/// Write the checkpoint for an OSC pass before its replies are sent.
static DspStatus
flush_checkpoint(void* const data, DspError* const err)
{
  const Live* const live = (const Live*)data;
  const DspStatus   st   = dsp_persist_flush(live->persist, live->engine, err);
  if (st) {
    char cause[sizeof(err->message)];
    snprintf(cause, sizeof(cause), "%s", err->message);
    dsp_error_set(err,
                  st,
                  NULL,
                  "applied but not checkpointed, so not acknowledged: %s",
                  cause);
  }
  return st;
}

/// Print when the audio thread has processed its first block of the
/// resumed graph (bench/resume measures crash to audio with it).
static void
report_first_block(Live* const live, const uint64_t cycles)
{
  for (int i = 0; i < 20000; ++i) {
    DspRuntimeStats s;
    dsp_runtime_stats(live->rt, &s);
    if (s.cycles > cycles) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      dsp_timing_mark("first-block");
      fprintf(stderr,
              "dspengine: first block of resumed graph at %lld.%09ld\n",
              (long long)ts.tv_sec,
              ts.tv_nsec);
      return;
    }
    usleep(50U);
  }
}

/// A JACK client being opened on another thread.
typedef struct {
  Live*          live;   ///< Whose client it is
  DspJackOptions jopts;  ///< How to join
  DspStatus      status; ///< Result of dsp_jack_open()
  DspError       err;    ///< Its error
} Opening;

/// Seconds a resuming engine retries opening its JACK client: the server
/// may still be removing the killed engine's client of the same name.
#define DSP_LIVE_REOPEN_S 2.0

/// dsp_jack_open(), retried for a while when resuming.
static DspStatus
open_jack_retry(Live* const                 live,
                const DspJackOptions* const jopts,
                DspError* const             err)
{
  const double end =
    now_s() + (live->resumed && !live->started ? DSP_LIVE_REOPEN_S : 0.0);
  for (;;) {
    const DspStatus st = dsp_jack_open(
      jopts, dsp_engine_layout(live->engine), live->rt, &live->jack, err);
    if (now_s() >= end) {
      return st;
    }
    if (!st) {
      // Keep the name (and so the port names) of the engine it replaces
      if (!jopts->client_name ||
          !strcmp(dsp_jack_client_name(live->jack), jopts->client_name)) {
        return st;
      }
      dsp_jack_close(live->jack);
      live->jack = NULL;
    }
    usleep(2000U);
  }
}

static void*
open_jack(void* const data)
{
  Opening* const o = (Opening*)data;
  o->status        = open_jack_retry(o->live, &o->jopts, &o->err);
  return NULL;
}

/**
   Open the JACK client; on a resume, compile and instantiate the graph
   meanwhile at the checkpoint's rate and period (a server that just lost a
   client takes tens of ms to free its name; join() compiles again only if
   the server's rate turns out different).
*/
static DspStatus
open_client(Live* const live, const DspJackOptions* const jopts, DspError* err)
{
  const DspCheckpoint* const prev = live->resumed && !live->started
                                      ? dsp_persist_previous(live->persist)
                                      : NULL;
  pthread_t                  thread;
  Opening o = { live, *jopts, DSP_SUCCESS, { DSP_SUCCESS, "", 0, 0, "", "" } };
  if (!prev || !(prev->settings.sample_rate > 0.0) ||
      pthread_create(&thread, NULL, open_jack, &o)) {
    return open_jack_retry(live, jopts, err);
  }
  const uint32_t period = prev->settings.period;
  (void)dsp_engine_start(live->engine,
                         prev->settings.sample_rate,
                         period > DSP_LIVE_MIN_BLOCK ? period
                                                     : DSP_LIVE_MIN_BLOCK,
                         NULL); // Failing here fails again in join()
  dsp_timing_mark("engine-prestarted");
  pthread_join(thread, NULL);
  if (o.status && err) {
    *err = o.err;
  }
  return o.status;
}

/// Join the server, (re)compile if needed, start and connect.
static DspStatus
join(Live* const live, DspError* const err)
{
  const DspOptions* const opts  = live->opts;
  const DspJackOptions    jopts = { opts->name, opts->server };
  dsp_timing_mark("jack-open");
  DspStatus st = open_client(live, &jopts, err);
  if (st) {
    return st;
  }
  dsp_timing_mark("jack-opened");

  // Compile at the server's rate (again only if the rate changed)
  const double   rate   = dsp_jack_sample_rate(live->jack);
  const uint32_t period = dsp_jack_buffer_size(live->jack);
  const bool     first  = !live->started;
  live->period          = period;
  if (first) {
    live->max_block = period > DSP_LIVE_MIN_BLOCK ? period : DSP_LIVE_MIN_BLOCK;
  }
  if ((st = dsp_engine_start(live->engine, rate, live->max_block, err))) {
    return st;
  }
  live->started = true;
  dsp_timing_mark("engine-started");

  if (first) {
    if (live->resumed) {
      dsp_persist_apply(live->persist, live->engine, opts->quiet);
    }
    // --set overrides apply at once, before the first block
    for (uint32_t i = 0U; !st && i < opts->n_sets; ++i) {
      const DspParamSet* const s = &opts->sets[i];
      st                         = dsp_engine_set_param(
        live->engine, s->node, s->param, s->value, 0.0, DSP_RUNTIME_NOW, err);
    }
    if (st) {
      return st;
    }
  }

  DspRuntimeStats before;
  dsp_runtime_stats(live->rt, &before);
  if ((st = dsp_jack_activate(live->jack, err))) {
    return st;
  }
  dsp_timing_mark("activated");
  if ((st = dsp_jack_connect(
         live->jack, opts->connect_in, opts->connect_out, err))) {
    return st;
  }
  dsp_timing_mark("connected");
  if (first && live->resumed) {
    report_first_block(live, before.cycles);
  }
  if (first && live->persist) {
    // One checkpoint of the start-up state (after the first block: nothing
    // is acknowledged before it, and a resume need not wait), then one per
    // change
    if ((st = dsp_persist_begin(live->persist,
                                live->engine,
                                live->resumed,
                                rate,
                                period,
                                "jack",
                                err))) {
      return st;
    }
    dsp_engine_set_commit_hook(live->engine, dsp_persist_hook, live->persist);
    dsp_timing_mark("checkpoint-written");
  }
  if (first) {
    dsp_supervise_notify_ready(); // The supervisor watches for a stall
  }

  char       sched[96];
  char       pinned[48] = "";
  const bool rt_ok = dsp_jack_describe_sched(live->jack, sched, sizeof(sched));
  if (opts->cpu >= 0) {
    DspError pin_err;
    if (dsp_jack_pin(live->jack, opts->cpu, &pin_err)) {
      report_error(&pin_err);
    } else {
      snprintf(pinned, sizeof(pinned), ", pinned to CPU %d", opts->cpu);
    }
  }

  if (!opts->quiet) {
    fprintf(stderr,
            "dspengine: live: graph %s as JACK client \"%s\", %.0f Hz, "
            "period %u frames (%.2f ms), max block %u\n"
            "dspengine: real-time scheduling: %s (%s)%s\n",
            dsp_engine_plan(live->engine)->graph->name,
            dsp_jack_client_name(live->jack),
            rate,
            period,
            1000.0 * period / rate,
            live->max_block,
            rt_ok ? "yes" : "no",
            sched,
            pinned);
  }
  if (live->osc && !opts->quiet) {
    char allow[64] = "";
    if (opts->n_osc_allow) {
      snprintf(allow,
               sizeof(allow),
               ", senders limited to %u network%s",
               opts->n_osc_allow,
               opts->n_osc_allow == 1U ? "" : "s");
    }
    fprintf(stderr,
            "dspengine: OSC on udp%s %s:%d%s (docs/osc.md)\n",
            opts->osc_tcp ? "+tcp" : "",
            opts->osc_bind,
            dsp_osc_port(live->osc),
            allow);
  }
  fprintf(stderr, "dspengine: ready\n");
  return DSP_SUCCESS;
}

static void
flush_lv2_logs(const Live* const live)
{
  const DspPlan* const plan = dsp_engine_plan(live->engine);
  for (uint32_t i = 0U; plan && i < plan->n_nodes; ++i) {
    if (plan->nodes[i]->klass == &dsp_lv2_node_class) {
      dsp_lv2_node_flush_log(plan->nodes[i], stderr);
    }
  }
}

/// Service rings and timers once.
static void
service(Live* const live)
{
  dsp_engine_collect(live->engine);
  flush_lv2_logs(live);

  DspEvent ev;
  while (!dsp_runtime_read_event(live->rt, &ev)) {
    // Overruns are counted in the stats; faults are logged and pushed
    if (ev.type == DSP_EVENT_FAULT) {
      char line[512];
      fprintf(stderr, "dspengine: %s\n", dsp_fault_format(&ev, line, 512U));
      dsp_engine_note_fault(live->engine, &ev);
      dsp_osc_notify_fault(live->osc, &ev);
    }
  }

  if (live->jack) {
    const uint32_t period = dsp_jack_take_buffer_size_change(live->jack);
    if (period && period != live->period && !live->opts->quiet) {
      fprintf(stderr,
              "dspengine: JACK period is now %u frames%s\n",
              period,
              period > live->max_block ? " (processed in max-block chunks)"
                                       : "");
    }
    live->period = period ? period : live->period;
    if (period) {
      dsp_persist_set_period(live->persist, live->engine, period);
    }
  }

  dsp_persist_tick(live->persist, live->engine);

  const double t = now_s();
  if (live->opts->stats > 0.0 && t >= live->next_stats) {
    live->next_stats = t + live->opts->stats;
    print_stats(live, stdout);
  }
}

/// Wait for the server to come back; false if interrupted.
static bool
rejoin(Live* const live)
{
  fprintf(stderr, "dspengine: waiting for the JACK server to come back\n");
  while (!stop_signal && !live->quit) {
    DspError err;
    memset(&err, 0, sizeof(err));
    if (!join(live, &err)) {
      fprintf(stderr, "dspengine: rejoined the JACK server\n");
      return true;
    }
    dsp_jack_close(live->jack);
    live->jack = NULL;
    service(live);
    usleep(250000U);
  }
  return false;
}

/// How long the loop may sleep: until the OSC server's next deadline
/// (`osc_due` ms, -1 for none), the next --stats report, or the idle or busy
/// cap, whichever comes first.
static int
next_timeout(const Live* const live, const int osc_due)
{
  int timeout =
    dsp_runtime_voices(live->rt) > 1U ? DSP_LIVE_BUSY_MS : DSP_LIVE_IDLE_MS;
  if (osc_due >= 0 && osc_due < timeout) {
    timeout = osc_due;
  }
  if (live->opts->stats > 0.0) {
    const double wait_ms = (live->next_stats - now_s()) * 1000.0;
    if (wait_ms < (double)timeout) {
      timeout = wait_ms > 0.0 ? (int)wait_ms + 1 : 0;
    }
  }
  return timeout;
}

static int
loop(Live* const live)
{
  int timeout = 0;
  while (!stop_signal && !live->quit) {
    struct pollfd fds[1U + DSP_OSC_MAX_FDS];
    fds[0]               = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
    const uint32_t n_osc = live->osc ? dsp_osc_fds(live->osc, fds + 1) : 0U;
    if (!live->stdin_open) {
      fds[0].fd = -1; // Ignored by poll
    }
    const int n = poll(fds, 1U + n_osc, timeout);
    if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP))) {
      read_commands(live);
    }
    if (n > 0 && live->osc) {
      // One checkpoint for every change of the pass, before its replies
      dsp_persist_set_batch(live->persist, true);
      dsp_osc_process(live->osc, fds + 1, n_osc);
      dsp_persist_set_batch(live->persist, false);
    }

    service(live);
    int osc_due = -1;
    if (live->osc) {
      osc_due    = dsp_osc_service(live->osc);
      live->quit = live->quit || dsp_osc_quit_requested(live->osc);
    }
    timeout = next_timeout(live, osc_due);

    if (live->jack && dsp_jack_is_shut_down(live->jack)) {
      fprintf(stderr,
              "dspengine: %s: the JACK server went away (%s)\n",
              live->opts->reconnect ? "warning" : "error",
              dsp_jack_shutdown_reason(live->jack));
      dsp_jack_close(live->jack);
      live->jack = NULL;
      if (!live->opts->reconnect || !rejoin(live)) {
        return live->opts->reconnect ? 0 : 1;
      }
    }
  }
  return 0;
}

int
dsp_live_run(const DspOptions* const opts)
{
  Live live;
  memset(&live, 0, sizeof(live));
  live.opts       = opts;
  live.stdin_open = opts->stdin_control;

  DspError err;
  memset(&err, 0, sizeof(err));
  DspStatus st = dsp_engine_new(1024U, &live.engine, &err);
  if (st) {
    return report_error(&err);
  }
  live.rt = dsp_engine_runtime(live.engine);
  dsp_engine_set_swap_defaults(live.engine, opts->xfade_ms, opts->swap_tail);

  dsp_timing_mark("live");
  const bool standby = opts->standby && opts->state;
  bool       locked  = false;
  if (standby) {
    // Lock memory now, not on takeover; then prepare and wait (standby.h).
    // SIGINT/SIGTERM wait until the JACK client is open: a process killed
    // inside jack_client_open() can leave libjack's metadata database
    // locked for every JACK client of the user
    sigset_t stops;
    sigset_t old;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigprocmask(SIG_BLOCK, &stops, &old);
    locked = !opts->no_mlock && !mlockall(MCL_CURRENT | MCL_FUTURE);
    (void)dsp_standby_prepare(opts, live.engine, &live.standby, &err);
    sigprocmask(SIG_SETMASK, &old, NULL);
  }
  if (opts->state &&
      (st = dsp_persist_open(opts->state, standby, &live.persist, &err))) {
    dsp_standby_free(live.standby);
    dsp_engine_free(live.engine);
    return report_error(&err);
  }
  dsp_timing_mark("region-read");
  const DspCheckpoint* const prev =
    live.persist ? dsp_persist_previous(live.persist) : NULL;
  if (standby && !dsp_persist_enabled(live.persist)) {
    // A region we cannot write holds no lock to wait on: no standby
    fprintf(stderr, "dspengine: standby: no usable state region, leaving\n");
    dsp_standby_free(live.standby);
    dsp_persist_free(live.persist);
    dsp_engine_free(live.engine);
    return 0;
  }
  if (standby && prev && prev->clean) {
    // The engine we stood by for stopped in order: nothing to take over
    dsp_standby_free(live.standby);
    dsp_persist_free(live.persist);
    dsp_engine_free(live.engine);
    return 0;
  }
  if (live.persist &&
      dsp_persist_should_resume(
        live.persist, (DspResumeMode)opts->resume, opts->graph, opts->quiet)) {
    live.resumed = true;
    if ((st = dsp_persist_resume(live.persist, live.engine, &err))) {
      char buf[1400];
      fprintf(stderr,
              "dspengine: cannot resume the checkpoint (%s); starting from "
              "%s\n",
              dsp_error_format(&err, buf, sizeof(buf)),
              opts->graph ? opts->graph : "nothing");
      live.resumed = false;
      dsp_engine_set_restore(live.engine, NULL, NULL);
    }
  }
  if (!live.resumed) {
    st = opts->graph
           ? dsp_engine_open(live.engine, opts->graph, &err)
           : dsp_error_set(&err,
                           DSP_ERR_NOT_FOUND,
                           NULL,
                           "no graph given and no checkpoint to resume in "
                           "%s (expected --graph FILE)",
                           opts->state);
  }
  if (st) {
    dsp_standby_free(live.standby);
    dsp_persist_free(live.persist);
    dsp_engine_free(live.engine);
    return report_error(&err);
  }
  dsp_timing_mark("graph-opened");

  if (opts->osc) {
    const DspOscOptions oo = { opts->osc_bind,   opts->osc_port,
                               opts->osc_tcp,    opts->osc_allow_quit,
                               opts->node_times, opts->osc_allow,
                               opts->n_osc_allow };
    if ((st = dsp_osc_new(&oo, live.engine, &live.osc, &err))) {
      dsp_standby_free(live.standby);
      dsp_engine_free(live.engine);
      dsp_persist_free(live.persist);
      report_error(&err);
      fprintf(stderr,
              "dspengine: (choose another port with --osc-port N, or run "
              "without OSC with --no-osc)\n");
      return 1;
    }
    dsp_osc_set_clock(live.osc, frame_of_ntp, &live);
    if (live.persist) {
      dsp_osc_set_flush(live.osc, flush_checkpoint, &live);
    }
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int status = 0;
  dsp_runtime_set_node_timing(live.rt, opts->node_times);

  if (!opts->no_mlock && !locked) {
    if (mlockall(MCL_CURRENT | MCL_FUTURE)) {
      fprintf(stderr,
              "dspengine: warning: memory not locked (mlockall: %s; "
              "raise the memlock limit, see docs/jack.md)\n",
              strerror(errno));
    } else if (!opts->quiet) {
      fprintf(stderr, "dspengine: memory locked (mlockall)\n");
    }
  }

  st = join(&live, &err);
  if (st && opts->reconnect && !live.jack) {
    // No server yet: say so once, then wait for one
    report_error(&err);
    st = rejoin(&live) ? DSP_SUCCESS : DSP_FAILURE;
  }
  if (st == DSP_FAILURE) {
    status = 0; // Interrupted while waiting
  } else if (st) {
    status = report_error(&err);
  } else {
    live.next_stats = now_s() + opts->stats;
    status          = loop(&live);
    if (!opts->quiet && !status) {
      fprintf(stderr, "dspengine: stopping\n");
    }
  }

  if (live.persist && live.started && !status) {
    if (dsp_persist_finish(live.persist, live.engine, &err)) {
      report_error(&err);
    }
  }
  dsp_engine_set_commit_hook(live.engine, NULL, NULL);
  dsp_standby_free(live.standby);
  dsp_jack_close(live.jack); // Stops the audio thread
  dsp_osc_free(live.osc);
  dsp_engine_free(live.engine);
  dsp_persist_free(live.persist);
  return status;
}
