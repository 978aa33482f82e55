// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#define _GNU_SOURCE

#include "alloc_hooks.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DSP_HOOK __attribute__((visibility("default")))

extern void* __libc_malloc(size_t size);
extern void* __libc_calloc(size_t n, size_t size);
extern void* __libc_realloc(void* ptr, size_t size);
extern void  __libc_free(void* ptr);
extern void* __libc_memalign(size_t align, size_t size);

#if defined(DSP_TEST_NO_HOOKS)

// Sanitizer builds replace malloc themselves: no interposition, nothing
// counted (tests that need the hooks check dsp_hooks_available()).

bool
dsp_hooks_available(void)
{
  return false;
}

void
dsp_hooks_trap_begin(void)
{
}

size_t
dsp_hooks_trap_end(void)
{
  return 0U;
}

const char*
dsp_hooks_trap_first(void)
{
  return NULL;
}

void
dsp_hooks_fail_after(const size_t n)
{
  (void)n;
}

size_t
dsp_hooks_fail_end(void)
{
  return 0U;
}

#else

bool
dsp_hooks_available(void)
{
  return true;
}

static _Thread_local bool        trapping   = false;
static _Thread_local size_t      trap_hits  = 0U;
static _Thread_local const char* trap_first = NULL;
static _Thread_local bool        failing    = false;
static _Thread_local size_t      fail_left  = 0U;
static _Thread_local size_t      fail_count = 0U;

typedef int (*MutexLockFunc)(pthread_mutex_t*);
static MutexLockFunc real_mutex_lock = NULL;

__attribute__((constructor)) static void
resolve(void)
{
  void* const sym = dlsym(RTLD_NEXT, "pthread_mutex_lock");
  memcpy(&real_mutex_lock, &sym, sizeof(sym)); // POSIX: same representation
}

static void
hit(const char* const name)
{
  if (trapping) {
    if (!trap_hits++) {
      trap_first = name;
    }
  }
}

/// True if this allocation should fail.
static bool
should_fail(void)
{
  if (!failing) {
    return false;
  }
  ++fail_count;
  if (fail_left) {
    --fail_left;
    return false;
  }
  return true;
}

DSP_HOOK void*
malloc(const size_t size)
{
  hit("malloc");
  return should_fail() ? NULL : __libc_malloc(size);
}

DSP_HOOK void*
calloc(const size_t n, const size_t size)
{
  hit("calloc");
  return should_fail() ? NULL : __libc_calloc(n, size);
}

DSP_HOOK void*
realloc(void* const ptr, const size_t size)
{
  hit("realloc");
  return should_fail() ? NULL : __libc_realloc(ptr, size);
}

DSP_HOOK void*
aligned_alloc(const size_t align, const size_t size)
{
  hit("aligned_alloc");
  return should_fail() ? NULL : __libc_memalign(align, size);
}

DSP_HOOK int
posix_memalign(void** const ptr, const size_t align, const size_t size)
{
  hit("posix_memalign");
  if (should_fail()) {
    return 12; // ENOMEM
  }
  *ptr = __libc_memalign(align, size);
  return *ptr ? 0 : 12;
}

DSP_HOOK void
free(void* const ptr)
{
  if (ptr) {
    hit("free");
  }
  __libc_free(ptr);
}

DSP_HOOK int
pthread_mutex_lock(pthread_mutex_t* const mutex)
{
  hit("pthread_mutex_lock");
  if (!real_mutex_lock) {
    resolve();
  }
  return real_mutex_lock(mutex);
}

void
dsp_hooks_trap_begin(void)
{
  trap_hits  = 0U;
  trap_first = NULL;
  trapping   = true;
}

size_t
dsp_hooks_trap_end(void)
{
  trapping = false;
  return trap_hits;
}

const char*
dsp_hooks_trap_first(void)
{
  return trap_first;
}

void
dsp_hooks_fail_after(const size_t n)
{
  fail_left  = n;
  fail_count = 0U;
  failing    = true;
}

size_t
dsp_hooks_fail_end(void)
{
  failing = false;
  return fail_count;
}

#endif // DSP_TEST_NO_HOOKS
