// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_OFFLINE_H
#define DSP_OFFLINE_H

#include "common/error.h"
#include "rt/runtime.h"

#include <stdbool.h>
#include <stdint.h>

/**
   @file offline.h
   Render audio files through a runtime, faster than real time.
*/

/// An open input: a file (any format libsndfile reads) or a test signal.
typedef struct DspOfflineInputImpl DspOfflineInput;

/// Maximum channels of a rendered file.
#define DSP_OFFLINE_MAX_CHANNELS 64U

/// What a render did.
typedef struct {
  uint64_t frames;       ///< Frames written (input + tail)
  uint64_t input_frames; ///< Frames read from the input
  double   seconds;      ///< Audio duration written
  double   elapsed;      ///< Wall-clock seconds spent rendering
  uint32_t channels;     ///< Output channels
  uint32_t faults;       ///< Nodes muted by a fault (each logged on stderr)
  float    peak[DSP_OFFLINE_MAX_CHANNELS]; ///< Peak absolute sample
  double   rms[DSP_OFFLINE_MAX_CHANNELS];  ///< RMS level
} DspOfflineReport;

/// How to render.
typedef struct {
  const char* output_path;  ///< File to write (format from its extension)
  double      tail_seconds; ///< Silence fed after the input ends
  uint32_t    block;        ///< Frames per processing block
  bool        progress;     ///< Draw a progress bar on stderr
} DspOfflineOptions;

/**
   Open an input file.  @param[out] input Free with dsp_offline_input_free().
*/
DspStatus dsp_offline_input_open(const char*       path,
                                 DspOfflineInput** input,
                                 DspError*         err);

/**
   Make a built-in test signal: `seconds` of plucked tones, a chord, noise
   bursts and clicks, `channels` wide, at `rate`.
*/
DspStatus dsp_offline_input_generate(double            rate,
                                     uint32_t          channels,
                                     double            seconds,
                                     DspOfflineInput** input,
                                     DspError*         err);

/**
   Deliver the input at `rate`, resampling it (libsamplerate, best sinc
   quality) if the file is at another rate.  Call before reading.
*/
DspStatus dsp_offline_input_set_rate(DspOfflineInput* input,
                                     double           rate,
                                     DspError*        err);

/// Sample rate the input is delivered at.
double dsp_offline_input_rate(const DspOfflineInput* input);

/// Channels of the input.
uint32_t dsp_offline_input_channels(const DspOfflineInput* input);

/// Frames of the input.
uint64_t dsp_offline_input_frames(const DspOfflineInput* input);

/// Free an input.  NULL is a no-op.
void dsp_offline_input_free(DspOfflineInput* input);

/**
   Render `input` through the runtime's current plan into a file.

   The plan must already be current (sent and applied).  A mono input feeds
   every graph input; otherwise input and graph channel counts must match.
*/
DspStatus dsp_offline_render(DspRuntime*              runtime,
                             DspOfflineInput*         input,
                             const DspOfflineOptions* options,
                             DspOfflineReport*        report,
                             DspError*                err);

#endif // DSP_OFFLINE_H
