// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Allocation-failure robustness of the "lv2" node constructor: fail each
// allocation of a warm instantiate in turn and check that instantiate fails
// cleanly (status, no node) and leaks nothing (glibc's bytes in use).
// Run with glibc's per-thread cache off (GLIBC_TUNABLES=
// glibc.malloc.tcache_count=0, tests/lv2/meson.build): mallinfo2() counts
// cached chunks as in use, which made the count depend on the build path.
// With it off, a failed instantiate returns glibc's count exactly to where
// it was, so a leak of even one small block fails.  Only the first
// successful instantiate after the warm-ups may move it, by up to NOISE
// bytes: dlopen/dlclose of the plugin moves glibc's count by ~100 bytes
// even when nothing leaks.
//
// malloc/calloc/realloc/free are replaced by wrappers around glibc's, so
// this test is built only without sanitizers.  The project builds with
// -fvisibility=hidden, so the wrappers are not exported: only allocations
// made by dspengine's own code (this program and the static dspcore library)
// are counted and failed, never lilv's or libc's internal ones (lilv is not
// written to survive allocation failure).

#include "nodes/lv2/lv2.h"
#include "nodes/node.h"

#include <jansson.h>
#include <malloc.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void* __libc_malloc(size_t size);
extern void* __libc_calloc(size_t n, size_t size);
extern void* __libc_realloc(void* ptr, size_t size);
extern void  __libc_free(void* ptr);

static atomic_long n_calls = 0;  ///< Allocation calls while counting
static atomic_long fail_at = -1; ///< Call index to fail, or -1

static int
should_fail(void)
{
  const long i = atomic_fetch_add(&n_calls, 1);
  return i == atomic_load(&fail_at);
}

void*
malloc(const size_t size)
{
  return should_fail() ? NULL : __libc_malloc(size);
}

void*
calloc(const size_t n, const size_t size)
{
  return should_fail() ? NULL : __libc_calloc(n, size);
}

void*
realloc(void* const ptr, const size_t size)
{
  return should_fail() ? NULL : __libc_realloc(ptr, size);
}

void
free(void* const ptr)
{
  __libc_free(ptr);
}

static long
bytes_in_use(void)
{
  return (long)mallinfo2().uordblks;
}

#define NOISE 256L
#define WARM_UPS 10

static DspLv2World* world = NULL;

static DspStatus
make_node(const char* const uri, DspNode** const node)
{
  json_t* const     config = json_pack("{s:s, s:s}", "kind", "lv2", "uri", uri);
  const DspNodeSpec spec   = { "x", "lv2", config, "/nodes/0", NULL };
  const DspNodeEnv  env    = { 48000.0, 256U, world, NULL, false, NULL };
  DspError          err;
  const DspStatus st = dsp_lv2_node_class.instantiate(&spec, &env, node, &err);
  json_decref(config);
  return st;
}

static int
check_plugin(const char* const uri)
{
  // Warm up: lilv and the plugin library cache data on first uses
  DspNode* node = NULL;
  for (int i = 0; i < WARM_UPS; ++i) {
    if (make_node(uri, &node)) {
      fprintf(stderr, "%s: instantiate failed\n", uri);
      return 1;
    }
    dsp_node_free(node);
  }

  const long before = bytes_in_use();
  atomic_store(&n_calls, 0);
  make_node(uri, &node);
  dsp_node_free(node);
  const long total = atomic_load(&n_calls);
  if (labs(bytes_in_use() - before) > NOISE) {
    fprintf(stderr, "%s: %ld bytes leaked\n", uri, bytes_in_use() - before);
    return 1;
  }

  if (total < 10) {
    fprintf(stderr, "%s: only %ld allocations seen\n", uri, total);
    return 1;
  }

  int        failures = 0;
  const long start    = bytes_in_use();
  for (long i = 0; i < total; ++i) {
    const long cycle_start = bytes_in_use();
    node                   = NULL;
    atomic_store(&n_calls, 0);
    atomic_store(&fail_at, i);
    const DspStatus st = make_node(uri, &node);
    atomic_store(&fail_at, -1);
    if (st != DSP_SUCCESS && node) {
      fprintf(stderr, "%s: call %ld: failed but returned a node\n", uri, i);
      ++failures;
    }
    dsp_node_free(node);
    const long now = bytes_in_use();
    if (now != cycle_start) {
      fprintf(stderr,
              "%s: failing call %ld/%ld leaked %ld bytes\n",
              uri,
              i,
              total,
              now - cycle_start);
      ++failures;
      if (failures > 10) {
        break;
      }
    }
  }
  const long growth = bytes_in_use() - start;
  if (growth != 0) {
    fprintf(stderr, "%s: %ld bytes leaked in all\n", uri, growth);
    ++failures;
  }
  printf("%s: %ld allocations failed in turn, %d problems, %ld bytes\n",
         uri,
         total,
         failures,
         growth);
  return failures ? 1 : 0;
}

int
main(void)
{
  DspError err;
  if (dsp_lv2_world_new(&world, &err)) {
    return 1;
  }

  int status = 0;
  status |= check_plugin("http://drobilla.net/plugins/mda/Delay");
  status |= check_plugin("urn:dspengine:test:worker");
  dsp_lv2_world_free(world);
  return status;
}
