// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Live mode: the control thread of a JACK client.  It compiles plans, sends
// them and parameter changes through the runtime's ring, frees retired
// plans, reports measurements, and follows the server (shutdown, buffer
// size, reconnection).  The audio thread only runs backends/jack_rt.c.

#include "live.h"

#include "backends/jack.h"
#include "compile/compile.h"
#include "graph/graph.h"
#include "nodes/lv2/lv2.h"
#include "nodes/setup.h"
#include "rt/runtime.h"
#include "rt/stats.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/// Smallest max_block a live plan is compiled with.
#define DSP_LIVE_MIN_BLOCK 1024U

/// Control loop period (ms): how often rings are serviced.
#define DSP_LIVE_POLL_MS 20

static volatile sig_atomic_t stop_signal = 0;

static void
on_signal(const int sig)
{
  stop_signal = sig;
}

/// Live state, all owned by the control thread.
typedef struct {
  const DspOptions* opts;
  DspSetup          setup;      ///< Node environment (LV2 world for all)
  DspRuntime*       rt;         ///< Runtime shared with the audio thread
  DspJack*          jack;       ///< Client, NULL while disconnected
  DspPlan*          plan;       ///< Last plan sent (owned by the runtime)
  DspGraph*         layout;     ///< First graph: defines the JACK ports
  char              path[1024]; ///< File of the running graph
  char              line[4096]; ///< Partial stdin line
  size_t            line_len;   ///< Bytes in `line`
  bool              stdin_open; ///< Still reading commands
  bool              quit;       ///< "quit" received
  double            next_stats; ///< Monotonic time of the next report
  double            rate;       ///< Rate the plan was compiled at
  uint32_t          max_block;  ///< Block the plan was compiled with
  uint32_t          period;     ///< Server's period as last known
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

/// True if `graph` has the same external channels as the registered ports.
static bool
same_layout(const DspGraph* const a, const DspGraph* const b)
{
  if (a->n_inputs != b->n_inputs || a->n_outputs != b->n_outputs) {
    return false;
  }
  for (uint32_t i = 0U; i < a->n_inputs; ++i) {
    if (strcmp(a->inputs[i], b->inputs[i])) {
      return false;
    }
  }
  for (uint32_t i = 0U; i < a->n_outputs; ++i) {
    if (strcmp(a->outputs[i], b->outputs[i])) {
      return false;
    }
  }
  return true;
}

/**
   Load and compile `path` at the current rate and send the plan.  The
   audio thread swaps to it at its next block; the old plan comes back
   through the retired ring and is freed by dsp_runtime_collect().
*/
static DspStatus
load_plan(Live* const live, const char* const path, DspError* const err)
{
  DspGraph* graph = NULL;
  DspStatus st    = dsp_graph_load_file(path, &graph, err);
  if (st) {
    return st;
  }

  if (live->layout && !same_layout(live->layout, graph)) {
    dsp_graph_free(graph);
    return dsp_error_set(err,
                         DSP_ERR_BAD_GRAPH,
                         NULL,
                         "%s: external channels differ from the running "
                         "graph's JACK ports (expected the same inputs and "
                         "outputs)",
                         path);
  }

  live->setup.env.sample_rate = live->rate;
  live->setup.env.max_block   = live->max_block;
  DspPlan* plan               = NULL;
  if ((st = dsp_compile(graph, &live->setup.env, &plan, err))) {
    dsp_graph_free(graph);
    return st;
  }

  if ((st = dsp_runtime_send_plan(live->rt, plan))) {
    dsp_plan_free(plan);
    return dsp_error_set(err, st, NULL, "command ring full; try again");
  }

  live->plan = plan;
  if (path != live->path) {
    snprintf(live->path, sizeof(live->path), "%s", path);
  }
  return DSP_SUCCESS;
}

/// Resolve NODE and PARAM of the current plan, check VALUE, send it.
static DspStatus
set_param(Live* const       live,
          const char* const node_id,
          const char* const param,
          const float       value,
          const double      ramp_ms,
          DspError* const   err)
{
  DspPlan* const plan = live->plan;
  const int      n    = dsp_plan_find_node(plan, node_id);
  if (n < 0) {
    return dsp_error_set(
      err, DSP_ERR_NOT_FOUND, NULL, "no node with id \"%s\"", node_id);
  }

  const DspNode* const node = plan->nodes[n];
  const int            p    = dsp_node_find_param(node, param);
  if (p < 0) {
    return dsp_error_set(err,
                         DSP_ERR_NOT_FOUND,
                         NULL,
                         "node \"%s\" has no parameter \"%s\"",
                         node_id,
                         param);
  }

  DspStatus st = dsp_node_check_param(node, (uint32_t)p, value, NULL, err);
  if (!st && (st = dsp_runtime_send_param_ramp(
                live->rt, plan, (uint32_t)n, (uint32_t)p, value, ramp_ms))) {
    dsp_error_set(err, st, NULL, "command ring full; try again");
  }
  return st;
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
      fprintf(out,
              " %s %.1f dBFS",
              live->layout && ch < live->layout->n_outputs
                ? live->layout->outputs[ch]
                : "?",
              db);
    }
    fprintf(out, "\n");
  }

  const DspPlan* const plan = live->plan;
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
    } else if (!live->plan) {
      st = dsp_error_set(&err, DSP_ERR_NOT_FOUND, NULL, "no graph loaded");
    } else {
      st = set_param(live, node, param, (float)v, r, &err);
    }
  } else if (!strcmp(cmd, "load")) {
    const char* const path = strtok_r(NULL, "\r", &save);
    st                     = path ? load_plan(live, path, &err)
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

/// Join the server, (re)compile if needed, start and connect.
static DspStatus
join(Live* const live, DspError* const err)
{
  const DspOptions* const opts  = live->opts;
  const DspJackOptions    jopts = { opts->name, opts->server };
  DspStatus               st =
    dsp_jack_open(&jopts, live->layout, live->rt, &live->jack, err);
  if (st) {
    return st;
  }

  const double   rate   = dsp_jack_sample_rate(live->jack);
  const uint32_t period = dsp_jack_buffer_size(live->jack);
  const bool     first  = !live->plan;
  live->period          = period;
  if (first || rate != live->rate) {
    live->rate      = rate;
    live->max_block = period > DSP_LIVE_MIN_BLOCK ? period : DSP_LIVE_MIN_BLOCK;
    if ((st = load_plan(live, live->path, err))) {
      return st;
    }
  }

  if (first) {
    // --set overrides apply at once, before the first block
    for (uint32_t i = 0U; !st && i < opts->n_sets; ++i) {
      const DspParamSet* const s = &opts->sets[i];
      st = set_param(live, s->node, s->param, s->value, 0.0, err);
    }
    if (st) {
      return st;
    }
  }

  if ((st = dsp_jack_activate(live->jack, err)) ||
      (st = dsp_jack_connect(
         live->jack, opts->connect_in, opts->connect_out, err))) {
    return st;
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
            live->plan->graph->name,
            dsp_jack_client_name(live->jack),
            rate,
            period,
            1000.0 * period / rate,
            live->max_block,
            rt_ok ? "yes" : "no",
            sched,
            pinned);
  }
  fprintf(stderr, "dspengine: ready\n");
  return DSP_SUCCESS;
}

static void
flush_lv2_logs(const Live* const live)
{
  const DspPlan* const plan = live->plan;
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
  dsp_runtime_collect(live->rt);
  flush_lv2_logs(live);

  DspEvent ev;
  while (!dsp_runtime_read_event(live->rt, &ev)) {
    // Overruns are counted in the stats; nothing else to do here
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
  }

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

static int
loop(Live* const live)
{
  while (!stop_signal && !live->quit) {
    struct pollfd fd = { STDIN_FILENO, POLLIN, 0 };
    const int     n  = poll(&fd, live->stdin_open ? 1U : 0U, DSP_LIVE_POLL_MS);
    if (n > 0 && (fd.revents & (POLLIN | POLLHUP))) {
      read_commands(live);
    }

    service(live);

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
  snprintf(live.path, sizeof(live.path), "%s", opts->graph);

  DspError err;
  memset(&err, 0, sizeof(err));
  if (dsp_graph_load_file(opts->graph, &live.layout, &err)) {
    return report_error(&err);
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int       status = 0;
  DspStatus st     = DSP_SUCCESS;
  if (!(live.rt = dsp_runtime_new(1024U))) {
    st = dsp_error_set(&err, DSP_ERR_NO_MEM, NULL, "out of memory");
  } else if (!(st = dsp_setup_init(&live.setup, NULL, 48000.0, 1024U, &err))) {
    live.setup.env.threaded_worker = true;
    dsp_runtime_set_node_timing(live.rt, opts->node_times);

    if (!opts->no_mlock) {
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
  } else {
    status = report_error(&err);
  }

  dsp_jack_close(live.jack); // Stops the audio thread
  dsp_runtime_free(live.rt);
  dsp_setup_cleanup(&live.setup);
  dsp_graph_free(live.layout);
  return status;
}
