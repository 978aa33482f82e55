// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The audio thread never allocates, frees or locks: malloc, calloc,
// realloc, free and pthread_mutex_lock are trapped on the audio thread
// while plans run, parameters change and plans are swapped from a control
// thread.  Any call fails the test.

#include "alloc_hooks.h"
#include "compile/compile.h"
#include "nodes/setup.h"
#include "rt/runtime.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

enum { BLOCK = 64, CHANNELS = 2, N_SWAPS = 40 };

typedef struct {
  DspRuntime* rt;
  atomic_int  stop;  ///< Set by the control thread when finished
  atomic_int  block; ///< Blocks processed so far
  size_t      hits;  ///< Trapped calls on the audio thread
  const char* first; ///< First trapped function
} Shared;

static void*
audio_thread(void* const arg)
{
  Shared* const s = (Shared*)arg;
  static float  in_buf[CHANNELS][BLOCK];
  static float  out_buf[CHANNELS][BLOCK];
  const float*  in[CHANNELS];
  float*        out[CHANNELS];
  for (int c = 0; c < CHANNELS; ++c) {
    in[c]  = in_buf[c];
    out[c] = out_buf[c];
  }

  dsp_hooks_trap_begin();
  for (int b = 0; !atomic_load(&s->stop); ++b) {
    for (int c = 0; c < CHANNELS; ++c) {
      for (int i = 0; i < BLOCK; ++i) {
        in_buf[c][i] = (float)((b * BLOCK + i) % 97) / 97.0f - 0.5f;
      }
    }
    // Vary the block size up to the maximum
    const uint32_t n = (uint32_t)(1 + (b * 7) % BLOCK);
    dsp_runtime_process(s->rt, in, CHANNELS, out, CHANNELS, n);
    atomic_store(&s->block, b);
  }
  s->hits  = dsp_hooks_trap_end();
  s->first = dsp_hooks_trap_first();
  return NULL;
}

static DspPlan*
load_plan(const char* const path, const DspSetup* const setup)
{
  DspGraph* graph = NULL;
  DspPlan*  plan  = NULL;
  DspError  err;
  if (dsp_graph_load_file(path, &graph, &err) ||
      dsp_compile(graph, &setup->env, &plan, &err)) {
    char buf[1400];
    print_error("%s\n", dsp_error_format(&err, buf, sizeof(buf)));
    dsp_graph_free(graph);
    fail();
  }
  return plan;
}

static void
test_trap_works(void** state)
{
  (void)state;
  if (!dsp_hooks_available()) {
    skip(); // sanitizer build: the threads still run under the sanitizer
  }

  // The trap must be able to fail: an allocation while armed is counted
  dsp_hooks_trap_begin();
  void* volatile p = malloc(16);
  free(p);
  assert_int_equal(dsp_hooks_trap_end(), 2);
  assert_string_equal(dsp_hooks_trap_first(), "malloc");
}

static void
test_no_alloc_on_audio_thread(void** state)
{
  (void)state;
  static const char* const graphs[] = {
    DSP_SOURCE_ROOT "/tests/unit/data/builtin-stereo.json",
    DSP_SOURCE_ROOT "/graphs/reverb.json",
    DSP_SOURCE_ROOT "/graphs/mixed-chain.json",
    DSP_SOURCE_ROOT "/graphs/parallel.json",
  };
  const size_t n_graphs = sizeof(graphs) / sizeof(graphs[0]);

  DspSetup setup;
  DspError err;
  assert_int_equal(dsp_setup_init(&setup, NULL, 48000.0, BLOCK, &err),
                   DSP_SUCCESS);
  setup.env.threaded_worker = true;

  Shared s = { dsp_runtime_new(4096U), 0, 0, 0U, NULL };
  assert_int_equal(dsp_runtime_send_plan(s.rt, load_plan(graphs[0], &setup)),
                   DSP_SUCCESS);

  pthread_t thread;
  assert_int_equal(pthread_create(&thread, NULL, audio_thread, &s), 0);

  // Control thread: parameter changes on every node, and plan swaps
  uint32_t swaps  = 0U;
  uint32_t params = 0U;
  uint32_t k      = 0U;
  while (swaps < N_SWAPS) {
    DspPlan* const plan = dsp_runtime_current(s.rt);
    if (plan && (k++ % 20U) == 19U) {
      DspPlan* const next = load_plan(graphs[(swaps + 1U) % n_graphs], &setup);
      if (dsp_runtime_send_plan(s.rt, next)) {
        dsp_plan_free(next);
      } else {
        ++swaps;
      }
    } else if (plan) {
      for (uint32_t n = 0U; n < plan->n_nodes; ++n) {
        const DspNode* const node = plan->nodes[n];
        for (uint32_t p = 0U; p < node->n_params; ++p) {
          const DspParamInfo* const info = &node->params[p];
          if (!(info->flags & DSP_PARAM_OUTPUT)) {
            const float t = (float)(k % 10U) / 10.0f;
            params += !dsp_runtime_send_param(
              s.rt, plan, n, p, info->min + t * (info->max - info->min));
          }
        }
      }
    }
    dsp_runtime_collect(s.rt);
    struct timespec ts = { 0, 200000 };
    nanosleep(&ts, NULL);
  }

  atomic_store(&s.stop, 1);
  pthread_join(thread, NULL);
  print_message(
    "%d blocks, %u swaps, %u parameter changes, %zu trapped calls%s%s\n",
    atomic_load(&s.block),
    swaps,
    params,
    s.hits,
    s.first ? ", first: " : "",
    s.first ? s.first : "");
  assert_int_equal(s.hits, 0);
  assert_true(atomic_load(&s.block) > 1000);
  assert_true(params > 1000U);
  dsp_runtime_free(s.rt);
  dsp_setup_cleanup(&setup);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_trap_works),
    cmocka_unit_test(test_no_alloc_on_audio_thread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
