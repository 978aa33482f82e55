// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Topological sort: order, stability and cycle reports.

#include "compile/topo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cmocka.h>

static void
test_chain_reversed(void** state)
{
  (void)state;
  // 3 -> 2 -> 1 -> 0
  const DspEdge edges[] = { { 3, 2 }, { 2, 1 }, { 1, 0 } };
  uint32_t      order[4];
  uint32_t      cycle[5];
  uint32_t      len = 99U;
  assert_int_equal(dsp_topo_sort(4, edges, 3, order, cycle, &len), DSP_SUCCESS);
  assert_int_equal(len, 0);
  const uint32_t expected[] = { 3, 2, 1, 0 };
  assert_memory_equal(order, expected, sizeof(expected));
}

static void
test_diamond_stable(void** state)
{
  (void)state;
  // 0 -> {2, 1} -> 3, plus an isolated 4: ready ties go by index
  const DspEdge edges[] = { { 0, 2 }, { 0, 1 }, { 2, 3 }, { 1, 3 } };
  uint32_t      order[5];
  uint32_t      cycle[6];
  uint32_t      len = 0U;
  assert_int_equal(dsp_topo_sort(5, edges, 4, order, cycle, &len), DSP_SUCCESS);
  const uint32_t expected[] = { 0, 1, 2, 3, 4 };
  assert_memory_equal(order, expected, sizeof(expected));
}

static void
test_every_edge_forward(void** state)
{
  (void)state;
  // A pseudo-random DAG (edges only from lower to higher label, then
  // vertices relabelled) must come out with every edge going forward.
  enum { N = 40, E = 120 };
  DspEdge  edges[E];
  uint32_t perm[N];
  for (uint32_t i = 0U; i < N; ++i) {
    perm[i] = (i * 17U + 5U) % N;
  }
  uint32_t x = 12345U;
  for (uint32_t e = 0U; e < E; ++e) {
    x          = x * 1103515245U + 12345U;
    uint32_t a = (x >> 8U) % N;
    x          = x * 1103515245U + 12345U;
    uint32_t b = (x >> 8U) % N;
    if (a == b) {
      b = (b + 1U) % N;
    }
    edges[e].from = perm[a < b ? a : b];
    edges[e].to   = perm[a < b ? b : a];
  }

  uint32_t order[N];
  uint32_t cycle[N + 1];
  uint32_t len = 0U;
  assert_int_equal(dsp_topo_sort(N, edges, E, order, cycle, &len), DSP_SUCCESS);
  uint32_t position[N];
  for (uint32_t i = 0U; i < N; ++i) {
    position[order[i]] = i;
  }
  for (uint32_t e = 0U; e < E; ++e) {
    assert_true(position[edges[e].from] < position[edges[e].to]);
  }
}

static void
test_cycle_reported(void** state)
{
  (void)state;
  // 0 -> 1 -> 2 -> 3 -> 1, and 4 downstream of the cycle
  const DspEdge edges[] = { { 0, 1 }, { 1, 2 }, { 2, 3 }, { 3, 1 }, { 3, 4 } };
  uint32_t      order[5];
  uint32_t      cycle[6];
  uint32_t      len = 0U;
  assert_int_equal(dsp_topo_sort(5, edges, 5, order, cycle, &len),
                   DSP_ERR_CYCLE);
  assert_int_equal(len, 4); // three vertices, first repeated
  assert_int_equal(cycle[0], cycle[3]);
  // Each consecutive pair is an edge
  for (uint32_t i = 0U; i + 1U < len; ++i) {
    bool found = false;
    for (uint32_t e = 0U; e < 5U; ++e) {
      found |= edges[e].from == cycle[i] && edges[e].to == cycle[i + 1U];
    }
    assert_true(found);
  }
}

static void
test_self_loop(void** state)
{
  (void)state;
  const DspEdge edges[] = { { 0, 1 }, { 1, 1 } };
  uint32_t      order[2];
  uint32_t      cycle[3];
  uint32_t      len = 0U;
  assert_int_equal(dsp_topo_sort(2, edges, 2, order, cycle, &len),
                   DSP_ERR_CYCLE);
  assert_int_equal(len, 2);
  assert_int_equal(cycle[0], 1);
  assert_int_equal(cycle[1], 1);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chain_reversed),
    cmocka_unit_test(test_diamond_stable),
    cmocka_unit_test(test_every_edge_forward),
    cmocka_unit_test(test_cycle_reported),
    cmocka_unit_test(test_self_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
