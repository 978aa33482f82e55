// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Instantiating a built-in Faust effect with each allocation failing in
// turn fails cleanly (DSP_ERR_NO_MEM, no node) and frees everything it
// allocated.  libfaust is not involved (it allocates through C++ new).

#include "nodes/faust/faust.h"
#include "nodes/faust/faust_builtin.h"
#include "nodes/node.h"

#include <jansson.h>

// cmocka needs these first
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Failing allocator: replaces malloc and friends for the whole process
   (glibc supports this), counting calls only while armed. */

void* __libc_malloc(size_t size);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void  __libc_free(void* ptr);

void* malloc(size_t size);
void* calloc(size_t n, size_t size);
void* realloc(void* ptr, size_t size);
void  free(void* ptr);
char* strdup(const char* str);

static bool   alloc_armed  = false; ///< Counting allocations
static size_t alloc_count  = 0U;    ///< Allocations while armed
static size_t free_count   = 0U;    ///< Frees (of non-NULL) while armed
static size_t alloc_fail_n = 0U;    ///< Fail allocation number n (1-based)

static bool
alloc_should_fail(void)
{
  if (!alloc_armed) {
    return false;
  }
  ++alloc_count;
  return alloc_count == alloc_fail_n;
}

void*
malloc(const size_t size)
{
  return alloc_should_fail() ? NULL : __libc_malloc(size);
}

void*
calloc(const size_t n, const size_t size)
{
  return alloc_should_fail() ? NULL : __libc_calloc(n, size);
}

void*
realloc(void* const ptr, const size_t size)
{
  return alloc_should_fail() ? NULL : __libc_realloc(ptr, size);
}

void
free(void* const ptr)
{
  if (alloc_armed && ptr) {
    ++free_count;
  }
  __libc_free(ptr);
}

// glibc's own strdup does not allocate through the malloc above
char*
strdup(const char* const str)
{
  const size_t len  = strlen(str) + 1U;
  char* const  copy = (char*)malloc(len);
  return copy ? (char*)memcpy(copy, str, len) : NULL;
}

static void
alloc_arm(const size_t fail_n)
{
  alloc_count  = 0U;
  free_count   = 0U;
  alloc_fail_n = fail_n;
  alloc_armed  = true;
}

static void
alloc_disarm(void)
{
  alloc_armed = false;
}

static const DspNodeEnv test_env = { 48000.0, 256U, NULL, NULL, false, NULL };

static DspStatus
instantiate(json_t* const config, DspNode** const node, DspError* const err)
{
  const DspNodeSpec spec = { "fx", "faust", config, "/nodes/3", NULL };
  dsp_error_clear(err);
  return dsp_faust_node_class.instantiate(&spec, &test_env, node, err);
}

static void
test_allocation_failures(void** state)
{
  (void)state;
  for (const DspFaustBuiltin* const* b = dsp_faust_builtins; *b; ++b) {
    const char* const name = (*b)->name;
    json_t* const     config =
      json_pack("{s:s, s:s}", "kind", "faust", "effect", name);

    // Count the allocations of a successful instantiation
    DspNode* node = NULL;
    DspError err;
    alloc_arm(0U);
    assert_int_equal(instantiate(config, &node, &err), DSP_SUCCESS);
    const size_t n_allocs = alloc_count;
    dsp_node_free(node);
    const bool balanced = (alloc_count == free_count);
    alloc_disarm();
    assert_true(balanced);
    assert_true(n_allocs > 3U);
    printf("%s: %zu allocations, each failed in turn\n", name, n_allocs);

    // Fail each in turn: clean failure, nothing leaked
    for (size_t i = 1U; i <= n_allocs; ++i) {
      node = NULL;
      alloc_arm(i);
      const DspStatus st = instantiate(config, &node, &err);
      const size_t    n  = alloc_count - 1U; // Minus the failed one
      const size_t    f  = free_count;
      alloc_disarm();

      assert_int_equal(st, DSP_ERR_NO_MEM);
      assert_null(node);
      assert_string_equal(err.message, "out of memory");
      if (n != f) {
        fail_msg(
          "%s: failing allocation %zu leaked %zu blocks", name, i, n - f);
      }
    }
    json_decref(config);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_allocation_failures),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
