// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// LD_PRELOAD library: traps allocation and locking on the JACK process
// thread of any program.  It wraps the callback passed to
// jack_set_process_callback so that, while the callback runs, every call
// to malloc, calloc, realloc, free, aligned_alloc, posix_memalign,
// memalign or pthread_mutex_lock from that thread is counted.  At exit it
// writes "rt-trap: HITS hits in CALLS callbacks (first: NAME)" to the file
// named by $DSP_RT_TRAP_REPORT (stderr if unset).  With
// $DSP_RT_TRAP_SELFTEST set, the wrapper itself allocates in each callback
// (the test checks that the trap sees it).

#define _GNU_SOURCE

#include <jack/jack.h>

#include <malloc.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOOK __attribute__((visibility("default")))

extern void* __libc_malloc(size_t size);
extern void* __libc_calloc(size_t n, size_t size);
extern void* __libc_realloc(void* ptr, size_t size);
extern void  __libc_free(void* ptr);
extern void* __libc_memalign(size_t align, size_t size);

static _Thread_local bool   in_callback = false;
static atomic_ulong         hits        = 0U;
static atomic_ulong         calls       = 0U;
static _Atomic(const char*) first       = NULL;

typedef int (*MutexLockFunc)(pthread_mutex_t*);
typedef int (*SetProcessFunc)(jack_client_t*, JackProcessCallback, void*);

static JackProcessCallback user_callback = NULL;
static bool                selftest      = false; ///< $DSP_RT_TRAP_SELFTEST

static void
hit(const char* const name)
{
  if (in_callback) {
    const char* expected = NULL;
    atomic_compare_exchange_strong(&first, &expected, name);
    atomic_fetch_add(&hits, 1U);
  }
}

HOOK void*
malloc(const size_t size)
{
  hit("malloc");
  return __libc_malloc(size);
}

HOOK void*
calloc(const size_t n, const size_t size)
{
  hit("calloc");
  return __libc_calloc(n, size);
}

HOOK void*
realloc(void* const ptr, const size_t size)
{
  hit("realloc");
  return __libc_realloc(ptr, size);
}

HOOK void*
aligned_alloc(const size_t align, const size_t size)
{
  hit("aligned_alloc");
  return __libc_memalign(align, size);
}

HOOK void*
memalign(const size_t align, const size_t size)
{
  hit("memalign");
  return __libc_memalign(align, size);
}

HOOK int
posix_memalign(void** const ptr, const size_t align, const size_t size)
{
  hit("posix_memalign");
  *ptr = __libc_memalign(align, size);
  return *ptr ? 0 : 12;
}

HOOK void
free(void* const ptr)
{
  if (ptr) {
    hit("free");
  }
  __libc_free(ptr);
}

HOOK int
pthread_mutex_lock(pthread_mutex_t* const mutex)
{
  static MutexLockFunc real = NULL;
  hit("pthread_mutex_lock");
  if (!real) {
    void* const sym = dlsym(RTLD_NEXT, "pthread_mutex_lock");
    memcpy(&real, &sym, sizeof(sym));
  }
  return real(mutex);
}

static int
trapped_process(const jack_nframes_t n, void* const arg)
{
  atomic_fetch_add(&calls, 1U);
  in_callback = true;
  if (selftest) {
    // Proves the trap sees the callback's thread (volatile: not elided)
    void* volatile p = malloc(16U);
    free(p);
  }
  const int ret = user_callback(n, arg);
  in_callback   = false;
  return ret;
}

HOOK int
jack_set_process_callback(jack_client_t* const      client,
                          const JackProcessCallback callback,
                          void* const               arg)
{
  static SetProcessFunc real = NULL;
  if (!real) {
    void* const sym = dlsym(RTLD_NEXT, "jack_set_process_callback");
    memcpy(&real, &sym, sizeof(sym));
  }
  user_callback = callback;
  selftest      = getenv("DSP_RT_TRAP_SELFTEST") != NULL;
  return real(client, trapped_process, arg);
}

__attribute__((destructor)) static void
report(void)
{
  const char* const path = getenv("DSP_RT_TRAP_REPORT");
  FILE* const       out  = path ? fopen(path, "w") : stderr;
  if (out) {
    const char* const name = atomic_load(&first);
    fprintf(out,
            "rt-trap: %lu hits in %lu callbacks (first: %s)\n",
            (unsigned long)atomic_load(&hits),
            (unsigned long)atomic_load(&calls),
            name ? name : "none");
    if (out != stderr) {
      fclose(out);
    }
  }
}
