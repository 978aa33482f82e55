// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The real-time loops that come in CPU variants (engine/rt/simd.h): every
// variant of the faulty-node check's common case (DspFaultClearFunc) and of
// the output meter (DspMeterFunc) gives the answer a plain scalar reference
// gives, over random blocks of every length from 1 to 300 frames at every
// alignment, with NaN, Inf, subnormals, silence and full-scale samples
// planted anywhere.  The AVX variants are skipped on a CPU without AVX.

#include "rt/fault.h"
#include "rt/meter.h"
#include "rt/simd.h"

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define MAX_FRAMES 300U
#define MAX_OUTS 4U
#define TRIALS 20000U

/// Room for MAX_FRAMES at any of 8 alignments, per output.
static float store[MAX_OUTS][MAX_FRAMES + 8U] __attribute__((aligned(64)));

static uint64_t rng = 0x9E3779B97F4A7C15U;

/// xorshift64*: reproducible without libc's rand().
static uint32_t
next(void)
{
  rng ^= rng >> 12U;
  rng ^= rng << 25U;
  rng ^= rng >> 27U;
  return (uint32_t)((rng * 0x2545F4914F6CDD1DU) >> 32U);
}

static uint32_t
below(const uint32_t n)
{
  return next() % n;
}

/// A sample of ordinary audio in [-0.9, 0.9].
static float
audio(void)
{
  return ((float)(next() >> 8U) / 16777216.0f - 0.5f) * 1.8f;
}

/// One of the values the detector must notice, or a plain one.
static float
special(void)
{
  static const float values[] = {
    NAN,  -NAN,  INFINITY, -INFINITY, 0.0f,    -0.0f,       1.0e-40f, -1.0e-42f,
    1.0f, -1.0f, 1.5f,     -2.0f,     FLT_MIN, 0.99999994f, 0.25f,
  };
  return values[below((uint32_t)(sizeof(values) / sizeof(values[0])))];
}

/// Fill `n_outs` outputs of `n` frames at a random alignment, with special
/// values at random places (most often none, sometimes the first sample).
static void
fill(float** outs, uint8_t* watch, const uint32_t n_outs, const uint32_t n)
{
  for (uint32_t q = 0U; q < n_outs; ++q) {
    outs[q]  = &store[q][below(8U)];
    watch[q] = (uint8_t)below(3U); // 0: unwatched, 1: audio, 2: CV
    for (uint32_t i = 0U; i < n; ++i) {
      outs[q][i] = audio();
    }
    if (below(3U) == 0U) {
      outs[q][0] = special();
    }
    if (below(3U) == 0U) {
      outs[q][below(n)] = special();
    }
  }
}

/// The definition, one sample at a time.
static bool
clear_reference(float* const* const  outs,
                const uint8_t* const watch,
                const uint32_t       n_outs,
                const uint32_t       n)
{
  for (uint32_t q = 0U; q < n_outs; ++q) {
    if (!watch[q]) {
      continue;
    }
    const float first = fabsf(outs[q][0]);
    if (!(first >= FLT_MIN) || (watch[q] == 1U && first >= 1.0f)) {
      return false;
    }
    for (uint32_t i = 0U; i < n; ++i) {
      if (!isfinite(outs[q][i])) {
        return false;
      }
    }
  }
  return true;
}

/// Input buffers in front of the outputs in a step's ports: all NaN, so a
/// check that reads a port it was not given fails.
static float poison[2][MAX_FRAMES];

static void
check_clear(const DspFaultClearFunc clear)
{
  for (uint32_t i = 0U; i < MAX_FRAMES; ++i) {
    poison[0][i] = NAN;
    poison[1][i] = INFINITY;
  }

  float*        outs[MAX_OUTS];
  uint8_t       watch[MAX_OUTS];
  float*        ports[2U + MAX_OUTS];
  DspFaultWatch list[MAX_OUTS];
  uint32_t      n_clear = 0U;
  for (uint32_t t = 0U; t < TRIALS; ++t) {
    // Half the blocks a whole number of 64 frames (the AVX variant's own
    // loop; it hands other lengths to the generic one)
    const uint32_t n =
      below(2U) ? 64U * (1U + below(MAX_FRAMES / 64U)) : 1U + below(MAX_FRAMES);
    const uint32_t n_outs = below(MAX_OUTS + 1U);
    const uint32_t n_in   = below(3U);
    fill(outs, watch, n_outs, n);

    // As dsp_compile() lists a step's outputs: the watched ones, by port
    uint32_t n_watch = 0U;
    for (uint32_t i = 0U; i < n_in; ++i) {
      ports[i] = poison[i];
    }
    for (uint32_t q = 0U; q < n_outs; ++q) {
      ports[n_in + q] = watch[q] ? outs[q] : poison[0];
      if (watch[q]) {
        list[n_watch].port  = n_in + q;
        list[n_watch].range = dsp_fault_watch_range(watch[q] == 1U);
        ++n_watch;
      }
    }

    const bool want = clear_reference(outs, watch, n_outs, n);
    const bool got  = clear(ports, list, n_watch, n);
    if (got != want) {
      fail_msg("trial %u: %u outputs of %u frames: got %d, want %d",
               t,
               n_outs,
               n,
               got,
               want);
    }
    n_clear += got;
  }
  // Both answers must have come up often enough to mean something
  assert_true(n_clear > TRIALS / 10U);
  assert_true(n_clear < TRIALS - TRIALS / 10U);
}

static void
test_fault_clear_generic(void** state)
{
  (void)state;
  check_clear(dsp_fault_clear_generic);
}

static void
test_fault_clear_avx(void** state)
{
  (void)state;
#if defined(DSP_SIMD_AVX)
  if (dsp_simd_avx()) {
    check_clear(dsp_fault_clear_avx);
    assert_ptr_equal(dsp_fault_clear_pick(), dsp_fault_clear_avx);
    return;
  }
#endif
  assert_ptr_equal(dsp_fault_clear_pick(), dsp_fault_clear_generic);
  skip();
}

static void
check_meter(const DspMeterFunc meter)
{
  float*  outs[1];
  uint8_t watch[1];
  for (uint32_t t = 0U; t < TRIALS; ++t) {
    const uint32_t n = 1U + below(MAX_FRAMES);
    fill(outs, watch, 1U, n);
    const float* const buf = outs[0];

    const float start = below(2U) ? 0.0f : audio() * audio();
    float       want  = start;
    double      sq    = 0.0;
    bool        nan   = false;
    for (uint32_t i = 0U; i < n; ++i) {
      const float a = fabsf(buf[i]);
      want          = a > want ? a : want; // NaN ignored
      nan |= isnan(buf[i]) || isinf(buf[i]);
      sq += (double)buf[i] * (double)buf[i];
    }

    float  peak  = start;
    double sumsq = 0.5;
    meter(buf, n, &peak, &sumsq);
    if (peak != want) {
      fail_msg("trial %u, %u frames: peak %g, want %g", t, n, peak, want);
    }
    if (nan) {
      assert_false(isfinite(sumsq));
    } else if (fabs(sumsq - 0.5 - sq) > 1.0e-5 * (sq + 1.0)) {
      fail_msg("trial %u, %u frames: sum of squares %.9g, want %.9g",
               t,
               n,
               sumsq - 0.5,
               sq);
    }
  }
}

static void
test_meter_generic(void** state)
{
  (void)state;
  check_meter(dsp_meter_block_generic);
}

static void
test_meter_avx(void** state)
{
  (void)state;
#if defined(DSP_SIMD_AVX)
  if (dsp_simd_avx()) {
    check_meter(dsp_meter_block_avx);
    assert_ptr_equal(dsp_meter_pick(), dsp_meter_block_avx);
    return;
  }
#endif
  assert_ptr_equal(dsp_meter_pick(), dsp_meter_block_generic);
  skip();
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fault_clear_generic),
    cmocka_unit_test(test_fault_clear_avx),
    cmocka_unit_test(test_meter_generic),
    cmocka_unit_test(test_meter_avx),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
