// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// SPSC ring: all-or-nothing records, wrap-around, and two threads.

#include "rt/ring.h"
#include "rt/runtime.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void
test_basic(void** state)
{
  (void)state;
  assert_null(dsp_ring_new(0));
  DspRing* const ring = dsp_ring_new(16);
  assert_non_null(ring);
  assert_true(dsp_ring_write_space(ring) >= 16U);
  assert_int_equal(dsp_ring_read_space(ring), 0);

  uint8_t out[64];
  assert_int_equal(dsp_ring_read(ring, out, 1), DSP_FAILURE);

  // Wrap around many times with odd-sized records
  uint8_t value = 0U;
  for (int round = 0; round < 100; ++round) {
    uint8_t rec[7];
    for (int i = 0; i < 7; ++i) {
      rec[i] = value++;
    }
    assert_int_equal(dsp_ring_write(ring, rec, sizeof(rec)), DSP_SUCCESS);
    assert_int_equal(dsp_ring_read_space(ring), 7);
    assert_int_equal(dsp_ring_peek(ring, out, 7), DSP_SUCCESS);
    assert_memory_equal(out, rec, 7);
    assert_int_equal(dsp_ring_read(ring, out, 7), DSP_SUCCESS);
    assert_memory_equal(out, rec, 7);
  }

  // Full: a record that does not fit writes nothing
  const uint32_t space   = dsp_ring_write_space(ring);
  uint8_t        big[64] = { 0 };
  assert_int_equal(dsp_ring_write(ring, big, space + 1U), DSP_ERR_FULL);
  assert_int_equal(dsp_ring_read_space(ring), 0);
  assert_int_equal(dsp_ring_write(ring, big, space), DSP_SUCCESS);
  assert_int_equal(dsp_ring_write_space(ring), 0);
  assert_int_equal(dsp_ring_write(ring, big, 1), DSP_ERR_FULL);
  assert_int_equal(dsp_ring_skip(ring, space), DSP_SUCCESS);
  dsp_ring_free(ring);
  dsp_ring_free(NULL);
}

enum { N_MESSAGES = 500000 };

typedef struct {
  DspRing* ring;
  uint64_t sum;
  uint32_t count;
  uint32_t errors;
} Reader;

static void*
reader_thread(void* const arg)
{
  Reader* const r    = (Reader*)arg;
  uint32_t      next = 0U;
  while (next < N_MESSAGES) {
    DspMsg msg;
    if (!dsp_ring_read(r->ring, &msg, sizeof(msg))) {
      // Records arrive whole and in order
      if (msg.node != next || msg.param != ~next ||
          msg.value != (float)(next & 0xFFFFU)) {
        ++r->errors;
      }
      r->sum += msg.node;
      ++next;
    }
  }
  r->count = next;
  return NULL;
}

static void
test_two_threads(void** state)
{
  (void)state;
  // A small ring so that it is full and empty often
  DspRing* const ring = dsp_ring_new(sizeof(DspMsg) * 7U);
  Reader         r    = { ring, 0U, 0U, 0U };
  pthread_t      thread;
  assert_int_equal(pthread_create(&thread, NULL, reader_thread, &r), 0);

  uint64_t sum  = 0U;
  uint32_t full = 0U;
  for (uint32_t i = 0U; i < N_MESSAGES;) {
    const DspMsg msg = {
      DSP_MSG_SET_PARAM, i, ~i, (float)(i & 0xFFFFU), NULL, 0U, 0U,
      DSP_RUNTIME_NOW
    };
    if (!dsp_ring_write(ring, &msg, sizeof(msg))) {
      sum += i++;
    } else {
      ++full;
    }
  }

  pthread_join(thread, NULL);
  assert_int_equal(r.errors, 0);
  assert_int_equal(r.count, N_MESSAGES);
  assert_true(r.sum == sum);
  print_message("ring was full %u times\n", full);
  dsp_ring_free(ring);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_basic),
    cmocka_unit_test(test_two_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
