// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_TEST_ALLOC_HOOKS_H
#define DSP_TEST_ALLOC_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

/**
   @file alloc_hooks.h
   Interposed malloc/calloc/realloc/free/pthread_mutex_lock for tests.

   A test executable linking alloc_hooks.c replaces these functions for the
   whole process (plugins included).  Two per-thread modes:

   - trap: count every call made by this thread (the audio thread must make
     none); see dsp_hooks_trap_begin/end.
   - fail: make the Nth allocation from now fail, to test that
     constructors clean up after every failure; see dsp_hooks_fail_after.
*/

/// True if the hooks are active (false in sanitizer builds).
bool dsp_hooks_available(void);

/// Start counting allocator and mutex calls made by this thread.
void dsp_hooks_trap_begin(void);

/// Stop counting; return the number of calls counted since begin.
size_t dsp_hooks_trap_end(void);

/// Name of the first trapped function ("malloc", ...), or NULL.
const char* dsp_hooks_trap_first(void);

/// Make this thread's allocation number `n` (0 = next) and later ones fail.
void dsp_hooks_fail_after(size_t n);

/// Stop failing allocations; return how many were attempted while armed.
size_t dsp_hooks_fail_end(void);

#endif // DSP_TEST_ALLOC_HOOKS_H
