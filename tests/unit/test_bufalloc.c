// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Buffer assignment: reuse without overlap, outputs never alias inputs.

#include "compile/bufalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cmocka.h>

static bool
overlap(const DspLifetime a, const DspLifetime b)
{
  return a.def <= b.last && b.def <= a.last;
}

static void
check_no_overlap(const uint32_t           n,
                 const DspLifetime* const lives,
                 const uint32_t* const    slots)
{
  for (uint32_t i = 0U; i < n; ++i) {
    for (uint32_t j = i + 1U; j < n; ++j) {
      if (slots[i] == slots[j]) {
        assert_false(overlap(lives[i], lives[j]));
      }
    }
  }
}

static void
test_chain_uses_two(void** state)
{
  (void)state;
  // A chain: value k is written at step k and read at step k + 1
  enum { N = 10 };
  DspLifetime lives[N];
  for (uint32_t k = 0U; k < N; ++k) {
    lives[k] = (DspLifetime){ k, k + 1U };
  }
  uint32_t slots[N];
  uint32_t n_slots = 0U;
  assert_int_equal(dsp_bufalloc_assign(N, lives, slots, &n_slots), DSP_SUCCESS);
  assert_int_equal(n_slots, 2);
  check_no_overlap(N, lives, slots);
}

static void
test_output_never_aliases_input(void** state)
{
  (void)state;
  // Value 0 is last read at step 3; value 1 is written at step 3
  const DspLifetime lives[] = { { 0, 3 }, { 3, 4 }, { 4, 4 } };
  uint32_t          slots[3];
  uint32_t          n_slots = 0U;
  assert_int_equal(dsp_bufalloc_assign(3, lives, slots, &n_slots), DSP_SUCCESS);
  assert_int_not_equal(slots[0], slots[1]);
  assert_int_not_equal(slots[1], slots[2]);
  // Value 2 starts after value 0 ended: it reuses its buffer
  assert_int_equal(slots[2], slots[0]);
  assert_int_equal(n_slots, 2);
}

static void
test_fan_out_keeps_alive(void** state)
{
  (void)state;
  // Value 0 feeds steps 1 and 5; values 1..4 are short chains in between
  const DspLifetime lives[] = {
    { 0, 5 }, { 1, 2 }, { 2, 3 }, { 3, 4 }, { 4, 5 }
  };
  uint32_t slots[5];
  uint32_t n_slots = 0U;
  assert_int_equal(dsp_bufalloc_assign(5, lives, slots, &n_slots), DSP_SUCCESS);
  check_no_overlap(5, lives, slots);
  assert_int_equal(n_slots, 3);
}

static void
test_random_lifetimes_optimal(void** state)
{
  (void)state;
  // Random intervals: no overlap in a slot, and the count equals the
  // largest number of lifetimes alive at one step (optimal for intervals)
  enum { N = 200, STEPS = 60 };
  DspLifetime lives[N];
  uint32_t    x = 99U;
  for (uint32_t i = 0U; i < N; ++i) {
    x                = x * 1664525U + 1013904223U;
    const uint32_t a = (x >> 10U) % STEPS;
    x                = x * 1664525U + 1013904223U;
    const uint32_t l = (x >> 10U) % 6U;
    lives[i]         = (DspLifetime){ a, a + l };
  }
  uint32_t slots[N];
  uint32_t n_slots = 0U;
  assert_int_equal(dsp_bufalloc_assign(N, lives, slots, &n_slots), DSP_SUCCESS);
  check_no_overlap(N, lives, slots);

  uint32_t max_alive = 0U;
  for (uint32_t s = 0U; s < STEPS + 6U; ++s) {
    uint32_t alive = 0U;
    for (uint32_t i = 0U; i < N; ++i) {
      alive += lives[i].def <= s && s <= lives[i].last;
    }
    max_alive = alive > max_alive ? alive : max_alive;
  }
  assert_int_equal(n_slots, max_alive);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chain_uses_two),
    cmocka_unit_test(test_output_never_aliases_input),
    cmocka_unit_test(test_fan_out_keeps_alive),
    cmocka_unit_test(test_random_lifetimes_optimal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
