// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// dspengine: load an effect graph and render it, check it, or list plugins.

#include "backends/offline.h"
#include "common/timing.h"
#include "compile/compile.h"
#include "describe.h"
#include "graph/graph.h"
#include "live.h"
#include "nodes/builtin.h"
#include "nodes/faust/faust.h"
#include "nodes/lv2/lv2.h"
#include "nodes/registry.h"
#include "nodes/setup.h"
#include "options.h"
#include "rt/runtime.h"
#include "state/inspect.h"
#include "supervise.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef DSP_VERSION
#  define DSP_VERSION "unknown"
#endif

/// Seconds of the built-in test signal, and its default tail.
#define DSP_DEMO_SECONDS 4.0
#define DSP_DEMO_TAIL 3.0

static int
fail(const DspError* const err)
{
  char buf[1400];
  fprintf(
    stderr, "dspengine: error: %s\n", dsp_error_format(err, buf, sizeof(buf)));
  return 1;
}

static double
to_dbfs(const double v)
{
  return v > 0.0 ? 20.0 * log10(v) : -INFINITY;
}

/// Compile the graph at `rate`; on success the plan owns the graph.
static DspStatus
build_plan(DspGraph* const graph,
           DspSetup* const setup,
           const double    rate,
           const uint32_t  block,
           DspPlan** const plan,
           DspError* const err)
{
  DspStatus st = dsp_setup_init(setup, graph, rate, block, err);
  if (!st) {
    st = dsp_compile(graph, &setup->env, plan, err);
  }
  return st;
}

/// Send the --set overrides through the runtime's ring, range-checked.
static DspStatus
send_overrides(const DspOptions* const opts,
               DspRuntime* const       rt,
               DspPlan* const          plan,
               DspError* const         err)
{
  for (uint32_t i = 0U; i < opts->n_sets; ++i) {
    const DspParamSet* const set = &opts->sets[i];
    const int                n   = dsp_plan_find_node(plan, set->node);
    if (n < 0) {
      return dsp_error_set(
        err, DSP_ERR_NOT_FOUND, "--set", "no node with id \"%s\"", set->node);
    }

    const DspNode* const node = plan->nodes[n];
    const int            p    = dsp_node_find_param(node, set->param);
    if (p < 0) {
      return dsp_error_set(err,
                           DSP_ERR_NOT_FOUND,
                           "--set",
                           "node \"%s\" has no parameter \"%s\"",
                           set->node,
                           set->param);
    }

    DspStatus st =
      dsp_node_check_param(node, (uint32_t)p, set->value, "--set", err);
    if (!st) {
      st =
        dsp_runtime_send_param(rt, plan, (uint32_t)n, (uint32_t)p, set->value);
    }
    if (st) {
      return st;
    }
  }
  return DSP_SUCCESS;
}

static void
print_report(const DspPlan* const          plan,
             const DspOptions* const       opts,
             const DspOfflineReport* const r)
{
  printf("graph:    %s (%s)\n", plan->graph->name, plan->graph->source);
  printf("nodes:   ");
  for (uint32_t s = 0U; s < plan->n_steps; ++s) {
    const DspNode* const node = plan->steps[s].node;
    printf(" %s[%s]", node->id, node->klass->kind);
  }
  printf("\ninput:    %s\n",
         opts->input ? opts->input : "built-in test signal");
  printf("output:   %s\n", opts->output);
  printf("rendered: %llu frames, %.3f s at %.0f Hz, block %u\n",
         (unsigned long long)r->frames,
         r->seconds,
         plan->sample_rate,
         opts->block);
  for (uint32_t c = 0U; c < r->channels; ++c) {
    printf("  %-8s peak %7.2f dBFS  rms %7.2f dBFS\n",
           plan->graph->outputs[c],
           to_dbfs(r->peak[c]),
           to_dbfs(r->rms[c]));
  }
  printf("speed:    %.1f x real time (%.3f s)\n",
         r->elapsed > 0.0 ? r->seconds / r->elapsed : INFINITY,
         r->elapsed);
}

static int
run_render(const DspOptions* const opts)
{
  DspError  err;
  DspGraph* graph = NULL;
  if (dsp_graph_load_file(opts->graph, &graph, &err)) {
    return fail(&err);
  }

  DspOfflineInput* input = NULL;
  DspStatus        st    = DSP_SUCCESS;
  if (opts->input) {
    st = dsp_offline_input_open(opts->input, &input, &err);
    if (!st && opts->rate > 0.0) {
      // Process at --rate: resample the file if it is at another rate
      st = dsp_offline_input_set_rate(input, opts->rate, &err);
    }
  } else {
    const uint32_t channels = graph->n_inputs ? graph->n_inputs : 1U;
    st = dsp_offline_input_generate(opts->rate > 0.0 ? opts->rate : 48000.0,
                                    channels,
                                    DSP_DEMO_SECONDS,
                                    &input,
                                    &err);
  }
  if (st) {
    dsp_graph_free(graph);
    return fail(&err);
  }

  DspSetup    setup;
  DspPlan*    plan = NULL;
  DspRuntime* rt   = dsp_runtime_new(1024U);
  st               = rt ? build_plan(graph,
                       &setup,
                       dsp_offline_input_rate(input),
                       opts->block,
                       &plan,
                       &err)
                        : dsp_error_set(&err, DSP_ERR_NO_MEM, NULL, "out of memory");
  if (st) {
    if (!plan) {
      dsp_graph_free(graph);
    }
  } else if ((st = dsp_runtime_send_plan(rt, plan))) {
    dsp_plan_free(plan);
    dsp_error_set(&err, st, NULL, "cannot start plan");
  } else if (!(st = send_overrides(opts, rt, plan, &err))) {
    // This thread is the audio thread of an offline render: a zero-length
    // cycle applies the plan and the overrides sent through the ring.
    dsp_runtime_process(rt, NULL, 0U, NULL, 0U, 0U);

    const DspOfflineOptions oopts = { opts->output,
                                      opts->tail >= 0.0
                                        ? opts->tail
                                        : (opts->input ? 0.0 : DSP_DEMO_TAIL),
                                      opts->block,
                                      !opts->quiet && isatty(STDERR_FILENO) };

    DspOfflineReport report;
    st = dsp_offline_render(rt, input, &oopts, &report, &err);
    if (!st && !opts->quiet) {
      print_report(plan, opts, &report);
    }
  }

  dsp_runtime_free(rt);
  dsp_setup_cleanup(&setup);
  dsp_offline_input_free(input);
  return st ? fail(&err) : 0;
}

static int
run_check(const DspOptions* const opts)
{
  DspError  err;
  DspGraph* graph = NULL;
  if (dsp_graph_load_file(opts->graph, &graph, &err)) {
    return fail(&err);
  }

  DspSetup  setup;
  DspPlan*  plan = NULL;
  DspStatus st   = build_plan(graph,
                            &setup,
                            opts->rate > 0.0 ? opts->rate : 48000.0,
                            opts->block,
                            &plan,
                            &err);
  if (st) {
    dsp_graph_free(graph);
  } else if (opts->json) {
    dsp_describe_json(plan, stdout);
  } else if (!opts->quiet) {
    dsp_describe_text(plan, stdout);
  }

  dsp_plan_free(plan);
  dsp_setup_cleanup(&setup);
  return st ? fail(&err) : 0;
}

static int
run_list(void)
{
  printf("Built-in nodes:\n");
  for (const DspNodeClass* const* k = dsp_registry_classes(); *k; ++k) {
    if (strcmp((*k)->kind, "lv2") && strcmp((*k)->kind, "faust")) {
      printf("  %-8s %s\n", (*k)->kind, (*k)->description);
    }
  }

  printf("\nBuilt-in Faust effects (kind \"faust\", \"effect\": NAME):\n");
  dsp_faust_list_builtins(stdout);

  DspError     err;
  DspLv2World* world = NULL;
  if (dsp_lv2_world_new(&world, &err)) {
    return fail(&err);
  }
  printf("\nLV2 plugins (kind \"lv2\", \"uri\": URI):\n");
  dsp_lv2_world_list(world, stdout);
  dsp_lv2_world_free(world);
  return 0;
}

int
main(int argc, char** argv)
{
  dsp_timing_mark("main");
  DspOptions opts;
  if (dsp_options_parse(&opts, argc, argv)) {
    return 2;
  }
  if (opts.faust_import_path[0]) {
    // Read by dsp_setup_init() (engine/nodes/setup.h), also in children
    setenv("DSP_FAUST_IMPORT_PATH", opts.faust_import_path, 1);
  }

  if (opts.supervise && opts.command == DSP_COMMAND_LIVE) {
    // A standby engine needs the region's lock to wait on
    // (DSP_SUPERVISE_STANDBY=0: restart only)
    const char* const sb = getenv("DSP_SUPERVISE_STANDBY");
    return dsp_supervise(
      argc, argv, opts.server, opts.state && !(sb && !strcmp(sb, "0")));
  }

  switch (opts.command) {
  case DSP_COMMAND_INSPECT:
    return dsp_inspect_region(opts.state, stdout, stderr, opts.json);
  case DSP_COMMAND_HELP:
    dsp_options_usage(argv[0]);
    return 0;
  case DSP_COMMAND_VERSION:
    printf("dspengine %s\n", DSP_VERSION);
    return 0;
  case DSP_COMMAND_LIST:
    return run_list();
  case DSP_COMMAND_CHECK:
    return run_check(&opts);
  case DSP_COMMAND_LIVE:
    return dsp_live_run(&opts);
  case DSP_COMMAND_RENDER:
    break;
  }
  return run_render(&opts);
}
