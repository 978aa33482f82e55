// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_SIMD_H
#define DSP_SIMD_H

#include <stdbool.h>

/**
   @file simd.h
   Which vector instructions the real-time loops may use on this CPU.

   The engine is built for the distribution's baseline (SSE2 on x86-64).
   The few loops that run over every sample of every block and are not a
   node's own DSP (the faulty-node check, the output meters) also come in
   an AVX variant, compiled with a function target attribute and chosen
   once, off the audio thread, through a function pointer.
*/

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/// Defined when AVX variants are compiled in.
#  define DSP_SIMD_AVX 1
#endif

/**
   Whether this CPU and OS run AVX code: the probe in libgcc and
   compiler-rt also checks that the OS saves the AVX registers (XGETBV),
   not only the CPU flag.  Control thread; false without DSP_SIMD_AVX.
*/
static inline bool
dsp_simd_avx(void)
{
#if defined(DSP_SIMD_AVX)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx");
#else
  return false;
#endif
}

#endif // DSP_SIMD_H
