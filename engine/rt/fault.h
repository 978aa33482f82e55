// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_FAULT_H
#define DSP_FAULT_H

#include "simd.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#  include <xmmintrin.h>
#endif

/**
   @file fault.h
   Faulty-node isolation (docs/realtime.md#faulty-nodes).

   After each node's run() the plan runner checks every watched output
   buffer of the node in one pass (a DspFaultClearFunc: one sum over all of
   them, eight lanes at a time with AVX, and a look at each one's first
   sample).  Only a node that does not pass is scanned output by output
   (dsp_fault_scan(): a min, a max and the bits too when a block starts at
   full scale or below the smallest normal magnitude) and judged
   (dsp_fault_judge()).  A node found faulty is muted
   for good: its outputs are replaced by its dry inputs (silence for outputs
   beyond its inputs), it is no longer run, and the runtime posts a
   DSP_EVENT_FAULT to the control thread.  Only a DSP_MSG_REARM message makes it
   run again.

   The detector state lives in the plan (DspPlan::faults, allocated by
   dsp_compile) and is written only by the audio thread.
*/

/// What a node was found doing.
typedef enum {
  DSP_FAULT_NONE = 0,     ///< Healthy
  DSP_FAULT_NAN  = 1,     ///< A NaN or ±Inf sample (or samples so huge,
                          ///< ~1e34, that a block's sum overflows)
  DSP_FAULT_STUCK    = 2, ///< Held at or beyond full scale, one sign
  DSP_FAULT_DENORMAL = 3, ///< A storm of subnormal numbers
} DspFaultKind;

/// |x| at or above which a sample is at full scale (0 dBFS).
#define DSP_FAULT_FULL_SCALE 1.0f

/// How long an output must stay at full scale with one sign (no zero
/// crossing), or be a denormal storm, before the node is muted (ms).
#define DSP_FAULT_HOLD_MS 100.0

/// Fade from the node's own output to its dry input when a stuck or
/// denormal node is muted, and back when it is re-armed (ms).  NaN/Inf is
/// cut at once: there is nothing finite to fade from.
#define DSP_FAULT_FADE_MS 5.0

/// One output buffer over one block, reduced.
typedef struct {
  float    sum;  ///< Sum of the samples: not finite if any is NaN or ±Inf
  float    min;  ///< Smallest sample (see dsp_fault_scan())
  float    max;  ///< Largest sample (see dsp_fault_scan())
  uint32_t bits; ///< OR of every sample's bits (see dsp_fault_scan())
} DspFaultScan;

/// Detector and mute state of one node (audio thread only).
typedef struct {
  uint32_t kind;     ///< DspFaultKind; not NONE: muted
  uint32_t port;     ///< Output that tripped it
  float    value;    ///< A sample of it: NaN/Inf, the stuck level, or the
                     ///< first subnormal
  uint32_t denormal; ///< Frames of consecutive denormal-storm blocks
  uint32_t held;     ///< 1: an output has been at full scale (a
                     ///< DspPlanStep::held count is not 0)
  float    gain;     ///< Gain of the node's own output (1: healthy, 0: dry)
  float    step;     ///< Change of `gain` per frame while fading
  uint32_t running;  ///< 1: run the node (0 once muted and faded out)
  uint32_t reported; ///< 1: posted to the control thread
  uint32_t arm;      ///< Re-arm generation (from DSP_MSG_REARM)
  uint32_t bypass;   ///< 1: muted means its inputs pass (graph "on_fault":
                     ///< "bypass"); 0: silence
  uint64_t at;       ///< Plan frame at the end of the block it was found in
} DspFault;

/// Detector thresholds, in frames, for one sample rate.
typedef struct {
  uint32_t hold; ///< DSP_FAULT_HOLD_MS in frames
  uint32_t fade; ///< DSP_FAULT_FADE_MS in frames (at least 1)
} DspFaultLimits;

/// Thresholds for `rate` (control thread, at compile time).
DspFaultLimits dsp_fault_limits(double rate);

/// [RT] Reset `f` to healthy and running, keeping `arm` and `bypass`.
void dsp_fault_init(DspFault* f);

/**
   [RT] Sum of `n` samples: not finite if any is NaN or ±Inf.  Inline: the
   generic DspFaultClearFunc and dsp_fault_scan() call it for every output
   they look at.
*/
static inline float
dsp_fault_sum(const float* const buf, const uint32_t n)
{
  uint32_t i   = 0U;
  float    sum = 0.0f;
#if defined(__SSE2__)
  // Four lanes, 16 samples per turn, two accumulators
  __m128 s0 = _mm_setzero_ps();
  __m128 s1 = _mm_setzero_ps();
  for (; i + 16U <= n; i += 16U) {
    s0 = _mm_add_ps(
      s0, _mm_add_ps(_mm_loadu_ps(buf + i), _mm_loadu_ps(buf + i + 4U)));
    s1 = _mm_add_ps(
      s1, _mm_add_ps(_mm_loadu_ps(buf + i + 8U), _mm_loadu_ps(buf + i + 12U)));
  }
  for (; i + 4U <= n; i += 4U) {
    s0 = _mm_add_ps(s0, _mm_loadu_ps(buf + i));
  }
  float s[4];
  _mm_storeu_ps(s, _mm_add_ps(s0, s1));
  sum = (s[0] + s[1]) + (s[2] + s[3]);
#endif
  for (; i < n; ++i) {
    sum += buf[i];
  }
  return sum;
}

/// Magnitude bits of FLT_MIN, the smallest normal float.
#define DSP_FAULT_MIN_NORMAL_BITS 0x00800000U

/**
   One output the per-block check looks at: a connected output of a node
   (DspPlanStep::watch lists them, built at compile time).

   Its block passes the check's first-sample test when the magnitude bits
   of its first sample, less DSP_FAULT_MIN_NORMAL_BITS, are below `range`
   (dsp_fault_watch_range()): normal, and below full scale where the level
   counts.  One unsigned comparison covers both ends; NaN and Inf fail it.
*/
typedef struct {
  uint32_t port;  ///< Index of the output's buffer in DspPlanStep::ports
  uint32_t range; ///< First-sample bound (see above)
} DspFaultWatch;

/// The `range` of a DspFaultWatch: `check_level` false for CV outputs.
static inline uint32_t
dsp_fault_watch_range(const bool check_level)
{
  const uint32_t top = check_level ? 0x3F800000U  // 1.0f: full scale
                                   : 0x7F800000U; // Inf
  return top - DSP_FAULT_MIN_NORMAL_BITS;
}

/**
   [RT] The common case of the per-block check, for one node: whether every
   output in `watch` (`n_watch` of them, buffers in `ports`) is clearly
   healthy over `n` frames (n >= 1).  True when each starts with a normal
   sample (below full scale where the level counts) and the sum of all
   their samples is finite: such a block can be neither NaN/Inf, nor
   stuck, nor a denormal storm.  False sends the node through
   dsp_fault_scan() and dsp_fault_judge(), output by output.

   The variants give the same answer for the same buffers, except where a
   sum of finite samples overflows in one order of addition and not in
   another (samples near 1e34); use the one dsp_fault_clear_pick() returns.
*/
typedef bool (*DspFaultClearFunc)(float* const*        ports,
                                  const DspFaultWatch* watch,
                                  uint32_t             n_watch,
                                  uint32_t             n);

/// [RT] DspFaultClearFunc for any CPU (SSE2 on x86-64).
bool dsp_fault_clear_generic(float* const*        ports,
                             const DspFaultWatch* watch,
                             uint32_t             n_watch,
                             uint32_t             n);

#if defined(DSP_SIMD_AVX)
/// [RT] DspFaultClearFunc for CPUs with AVX (only call if it has it).
bool dsp_fault_clear_avx(float* const*        ports,
                         const DspFaultWatch* watch,
                         uint32_t             n_watch,
                         uint32_t             n);
#endif

/// The fastest DspFaultClearFunc this CPU runs (control thread).
DspFaultClearFunc dsp_fault_clear_pick(void);

/**
   [RT] Reduce `n` samples of `buf` (n >= 1).  `sum` always; `min`, `max`
   only if the first sample is at full scale (and `check_level`) or below
   the smallest normal magnitude (else both 0: the block cannot be stuck);
   `bits` only if every sample is below the smallest normal magnitude (else
   the bits of 1.0f: the block is no denormal storm).
*/
void dsp_fault_scan(const float*  buf,
                    uint32_t      n,
                    bool          check_level,
                    DspFaultScan* scan);

/**
   [RT] Judge one output over a block of `n` frames.

   @param held Frames this output has been at full scale: positive for
   +full scale, negative for -full scale; updated.
   @param check_level False for CV outputs: a gate or envelope may sit at
   1.0 for as long as it likes, so only NaN/Inf and denormals count.
   @return The fault found, or DSP_FAULT_NONE.  `*denormal_block` is set if
   this output is a denormal storm over this block.
*/
DspFaultKind dsp_fault_judge(const DspFaultScan*   scan,
                             uint32_t              n,
                             int32_t*              held,
                             const DspFaultLimits* limits,
                             bool                  check_level,
                             bool*                 denormal_block,
                             float*                value);

/// Short name of a fault kind: "ok", "nan", "stuck", "denormal".
const char* dsp_fault_kind_name(uint32_t kind);

/// What a fault kind means, for the log: "NaN/Inf output", …
const char* dsp_fault_kind_text(uint32_t kind);

struct DspEventStruct;

/**
   One log line for a fault event (engine/rt/stats.h, DSP_EVENT_FAULT):
   `fault: node "x" muted at 1.234 s: NaN/Inf output (output 0, value
   nan); its outputs are silent until "/rearm x"`.  Control thread.

   @return `buf`.
*/
char* dsp_fault_format(const struct DspEventStruct* event,
                       char*                        buf,
                       size_t                       size);

#endif // DSP_FAULT_H
