// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Every allocation of the state constructors fails in turn: each fails
// cleanly (run under valgrind or ASan to see that nothing leaks), and a
// failed setter leaves the checkpoint as it was.

#include "../unit/alloc_hooks.h"
#include "fixture.h"

#include "state/checkpoint.h"
#include "state/region.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void
test_region_open(void** state)
{
  (void)state;
  char path[64];
  fixture_path(path);
  size_t n_failures = 0U;
  for (size_t n = 0U;; ++n) {
    DspRegion* region = NULL;
    DspError   err;
    dsp_hooks_fail_after(n);
    const DspStatus st =
      dsp_region_open(path, DSP_REGION_CREATE, 65536U, &region, &err);
    dsp_hooks_fail_end();
    if (!st) {
      dsp_region_close(region);
      break;
    }
    assert_int_equal(st, DSP_ERR_NO_MEM);
    assert_null(region);
    ++n_failures;
  }
  assert_true(n_failures >= 2U);
  unlink(path);
}

static void
test_read_write(void** state)
{
  (void)state;
  char path[64];
  fixture_path(path);
  DspRegion* region = NULL;
  DspError   err;
  assert_int_equal(
    dsp_region_open(path, DSP_REGION_CREATE, 65536U, &region, &err), 0);
  DspCheckpoint* const cp = fixture_checkpoint(7U, 300U);

  size_t n_write = 0U;
  for (size_t n = 0U;; ++n) {
    dsp_hooks_fail_after(n);
    const DspStatus st = dsp_checkpoint_write(region, cp, NULL, &err);
    dsp_hooks_fail_end();
    if (!st) {
      break;
    }
    ++n_write;
  }

  size_t n_read = 0U;
  for (size_t n = 0U;; ++n) {
    DspCheckpoint* back = NULL;
    dsp_hooks_fail_after(n);
    const DspStatus st = dsp_checkpoint_read(region, &back, NULL, &err);
    dsp_hooks_fail_end();
    if (!st) {
      assert_true(fixture_equal(cp, back));
      dsp_checkpoint_free(back);
      break;
    }
    // jansson reports its allocation failures as parse errors.
    assert_true(st == DSP_ERR_NO_MEM || st == DSP_ERR_SYNTAX);
    assert_null(back);
    ++n_read;
  }
  print_message(
    "write: %zu, read: %zu allocation failures handled\n", n_write, n_read);
  assert_true(n_write > 10U && n_read > 10U);
  dsp_checkpoint_free(cp);
  dsp_region_close(region);
  unlink(path);
}

static void
test_setters(void** state)
{
  (void)state;
  DspCheckpoint* const cp  = fixture_checkpoint(3U, 100U);
  DspCheckpoint* const ref = fixture_checkpoint(3U, 100U);
  for (unsigned which = 0U; which < 4U; ++which) {
    for (size_t n = 0U;; ++n) {
      dsp_hooks_fail_after(n);
      DspStatus st = DSP_SUCCESS;
      switch (which) {
      case 0U:
        st = dsp_checkpoint_set_graph(cp, "a", "b", "c", "d");
        break;
      case 1U:
        st = dsp_checkpoint_set_param(cp, "new", "p", 1.0f);
        break;
      case 2U:
        st = dsp_checkpoint_set_state(cp, "new", "s");
        break;
      default:
        st = dsp_checkpoint_add_slot(cp, "c", "{}");
        break;
      }
      dsp_hooks_fail_end();
      if (!st) {
        break;
      }
      assert_int_equal(st, DSP_ERR_NO_MEM);
      assert_true(fixture_equal(cp, ref)); // Unchanged
    }
    // Bring the reference along.
    assert_int_equal(
      which == 0U   ? dsp_checkpoint_set_graph(ref, "a", "b", "c", "d")
      : which == 1U ? dsp_checkpoint_set_param(ref, "new", "p", 1.0f)
      : which == 2U ? dsp_checkpoint_set_state(ref, "new", "s")
                    : dsp_checkpoint_add_slot(ref, "c", "{}"),
      DSP_SUCCESS);
    assert_true(fixture_equal(cp, ref));
  }

  size_t n_new = 0U;
  for (size_t n = 0U;; ++n) {
    dsp_hooks_fail_after(n);
    DspCheckpoint* const c = dsp_checkpoint_new();
    dsp_hooks_fail_end();
    if (c) {
      dsp_checkpoint_free(c);
      break;
    }
    ++n_new;
  }
  assert_int_equal(n_new, 1U);
  dsp_checkpoint_free(ref);
  dsp_checkpoint_free(cp);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_region_open),
    cmocka_unit_test(test_read_write),
    cmocka_unit_test(test_setters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
