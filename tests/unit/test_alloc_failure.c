// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Constructors fail cleanly when any one of their allocations fails: each
// allocation is made to fail in turn (run under valgrind or ASan to see
// that nothing leaks).

#include "alloc_hooks.h"
#include "compile/compile.h"
#include "rt/ring.h"
#include "rt/runtime.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

static const char* const json =
  "{\"name\": \"t\", \"inputs\": [\"a\", \"b\"], \"outputs\": [\"o\", \"p\"],"
  " \"nodes\": ["
  "  {\"id\": \"g\", \"kind\": \"gain\", \"channels\": 2, "
  "   \"params\": {\"gain\": -3}},"
  "  {\"id\": \"m\", \"kind\": \"mix\", \"inputs\": 3},"
  "  {\"id\": \"s\", \"kind\": \"split\"},"
  "  {\"id\": \"u\", \"kind\": \"sum\"}],"
  " \"connections\": ["
  "  {\"from\": \"graph:a\", \"to\": \"g:in0\"},"
  "  {\"from\": \"graph:b\", \"to\": \"g:in1\"},"
  "  {\"from\": \"g:out0\", \"to\": \"m:in0\"},"
  "  {\"from\": \"g:out1\", \"to\": \"m:in0\"},"
  "  {\"from\": \"g:out1\", \"to\": \"m:in2\"},"
  "  {\"from\": \"m:out0\", \"to\": \"s:in0\"},"
  "  {\"from\": \"s:out0\", \"to\": \"u:in0\"},"
  "  {\"from\": \"s:out1\", \"to\": \"u:in1\"},"
  "  {\"from\": \"u:out0\", \"to\": \"graph:o\"},"
  "  {\"from\": \"graph:a\", \"to\": \"graph:p\"}]}";

static const DspNodeEnv env = { 48000.0, 128U, NULL, NULL, false, NULL };

static void
test_graph_load(void** state)
{
  (void)state;
  size_t n_failures = 0U;
  for (size_t n = 0U;; ++n) {
    DspGraph* graph = NULL;
    DspError  err;
    dsp_hooks_fail_after(n);
    const DspStatus st =
      dsp_graph_load_string(json, "t.json", "/tmp", &graph, &err);
    const size_t attempted = dsp_hooks_fail_end();
    if (!st) {
      assert_non_null(graph);
      assert_true(attempted == n); // no allocation failed this time
      dsp_graph_free(graph);
      break;
    }
    assert_null(graph);
    ++n_failures;
  }
  print_message("graph load: %zu allocation failures handled\n", n_failures);
  assert_true(n_failures > 10U);
}

static void
test_compile(void** state)
{
  (void)state;
  size_t n_failures = 0U;
  for (size_t n = 0U;; ++n) {
    DspGraph* graph = NULL;
    DspPlan*  plan  = NULL;
    DspError  err;
    assert_int_equal(dsp_graph_load_string(json, "t.json", NULL, &graph, &err),
                     DSP_SUCCESS);
    dsp_hooks_fail_after(n);
    const DspStatus st = dsp_compile(graph, &env, &plan, &err);
    dsp_hooks_fail_end();
    if (!st) {
      assert_non_null(plan);
      dsp_plan_free(plan);
      break;
    }
    assert_int_equal(st, DSP_ERR_NO_MEM);
    assert_null(plan);
    dsp_graph_free(graph); // still ours after a failure
    ++n_failures;
  }
  print_message("compile: %zu allocation failures handled\n", n_failures);
  assert_true(n_failures > 20U);
}

static void
test_runtime_and_ring(void** state)
{
  (void)state;
  for (size_t n = 0U;; ++n) {
    dsp_hooks_fail_after(n);
    DspRuntime* const rt = dsp_runtime_new(64U);
    dsp_hooks_fail_end();
    if (rt) {
      assert_true(n >= 3U);
      dsp_runtime_free(rt);
      break;
    }
  }

  dsp_hooks_fail_after(0U);
  DspRing* ring = dsp_ring_new(64U);
  dsp_hooks_fail_end();
  assert_null(ring);
  dsp_hooks_fail_after(1U);
  ring = dsp_ring_new(64U);
  dsp_hooks_fail_end();
  assert_null(ring);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_graph_load),
    cmocka_unit_test(test_compile),
    cmocka_unit_test(test_runtime_and_ring),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
