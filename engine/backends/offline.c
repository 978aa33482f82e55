// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "offline.h"

#include "plan/plan.h"
#include "rt/stats.h"

#include <samplerate.h>
#include <sndfile.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct DspOfflineInputImpl {
  SNDFILE*   file;      ///< Open file, or NULL for a generated signal
  double     rate;      ///< Sample rate delivered (after resampling)
  double     file_rate; ///< Sample rate of the file or signal
  uint32_t   channels;  ///< Channels
  uint64_t   frames;    ///< Length at `rate`
  uint64_t   position;  ///< Frames read so far (at the source rate)
  float*     generated; ///< Interleaved generated signal, or NULL
  SRC_STATE* src;       ///< Resampler from file_rate to rate, or NULL
  uint64_t   delivered; ///< Frames returned by the resampler
  float*     src_buf;   ///< Source frames handed to the resampler
};

/// Frames the resampler pulls from the source at a time.
#define DSP_OFFLINE_SRC_CHUNK 1024U

DspStatus
dsp_offline_input_open(const char* const       path,
                       DspOfflineInput** const input,
                       DspError* const         err)
{
  *input = NULL;
  dsp_error_set_location(err, path, 0, 0);

  SF_INFO        info = { 0 };
  SNDFILE* const file = sf_open(path, SFM_READ, &info);
  if (!file) {
    return dsp_error_set(
      err, DSP_ERR_IO, NULL, "cannot read audio: %s", sf_strerror(NULL));
  }

  if (info.channels < 1 || info.channels > (int)DSP_OFFLINE_MAX_CHANNELS) {
    sf_close(file);
    return dsp_error_set(err,
                         DSP_ERR_LIMIT,
                         NULL,
                         "%d channels, at most %u supported",
                         info.channels,
                         DSP_OFFLINE_MAX_CHANNELS);
  }

  DspOfflineInput* const in =
    (DspOfflineInput*)calloc(1U, sizeof(DspOfflineInput));
  if (!in) {
    sf_close(file);
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }

  in->file      = file;
  in->rate      = info.samplerate;
  in->file_rate = info.samplerate;
  in->channels  = (uint32_t)info.channels;
  in->frames    = (uint64_t)info.frames;
  *input        = in;
  return DSP_SUCCESS;
}

/// A plucked string (Karplus-Strong style decay of a harmonic tone).
static double
pluck(const double t, const double freq)
{
  if (t < 0.0) {
    return 0.0;
  }
  double       v   = 0.0;
  const double env = exp(-3.0 * t);
  for (int h = 1; h <= 6; ++h) {
    v += sin(2.0 * M_PI * freq * h * t) * exp(-1.5 * h * t) / h;
  }
  return 0.3 * env * v;
}

DspStatus
dsp_offline_input_generate(const double            rate,
                           const uint32_t          channels,
                           const double            seconds,
                           DspOfflineInput** const input,
                           DspError* const         err)
{
  *input = NULL;
  if (rate < 8000.0 || rate > 384000.0 || !channels ||
      channels > DSP_OFFLINE_MAX_CHANNELS || seconds <= 0.0) {
    return dsp_error_set(
      err, DSP_ERR_BAD_ARG, NULL, "invalid test signal parameters");
  }

  DspOfflineInput* const in =
    (DspOfflineInput*)calloc(1U, sizeof(DspOfflineInput));
  const uint64_t frames = (uint64_t)(seconds * rate);
  if (!in || !(in->generated =
                 (float*)calloc(frames * channels + 1U, sizeof(float)))) {
    free(in);
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }

  // A few notes with rests between them, so reverb and delay tails show
  static const double notes[]  = { 220.0, 277.18, 329.63, 440.0, 329.63 };
  static const double onsets[] = { 0.0, 0.5, 1.0, 1.5, 2.5 };
  const size_t        n_notes  = sizeof(notes) / sizeof(notes[0]);
  uint32_t            noise    = 0x12345678U;
  for (uint64_t f = 0U; f < frames; ++f) {
    const double t = (double)f / rate;
    double       v = 0.0;
    for (size_t n = 0U; n < n_notes; ++n) {
      v += pluck(t - onsets[n], notes[n]);
    }
    noise ^= noise << 13U;
    noise ^= noise >> 17U;
    noise ^= noise << 5U;
    const double hat = (fmod(t, 0.25) < 0.02)
                         ? 0.08 * exp(-200.0 * fmod(t, 0.25)) *
                             ((double)noise / 2147483648.0 - 1.0)
                         : 0.0;
    for (uint32_t c = 0U; c < channels; ++c) {
      const double pan = channels > 1U ? (double)c / (channels - 1U) : 0.5;
      in->generated[f * channels + c] =
        (float)(v * (1.2 - 0.4 * pan) + hat * (0.8 + 0.4 * pan));
    }
  }

  in->rate      = rate;
  in->file_rate = rate;
  in->channels  = channels;
  in->frames    = frames;
  *input        = in;
  return DSP_SUCCESS;
}

double
dsp_offline_input_rate(const DspOfflineInput* const input)
{
  return input->rate;
}

uint32_t
dsp_offline_input_channels(const DspOfflineInput* const input)
{
  return input->channels;
}

uint64_t
dsp_offline_input_frames(const DspOfflineInput* const input)
{
  return input->frames;
}

void
dsp_offline_input_free(DspOfflineInput* const input)
{
  if (input) {
    if (input->file) {
      sf_close(input->file);
    }
    if (input->src) {
      src_delete(input->src);
    }
    free(input->src_buf);
    free(input->generated);
    free(input);
  }
}

/// Read up to `n` interleaved frames at the source rate.
static uint64_t
source_read(DspOfflineInput* const in, float* const buf, const uint64_t n)
{
  uint64_t got = 0U;
  if (in->file) {
    const sf_count_t r = sf_readf_float(in->file, buf, (sf_count_t)n);
    got                = r > 0 ? (uint64_t)r : 0U;
  } else {
    got = in->frames - in->position < n ? in->frames - in->position : n;
    memcpy(buf,
           in->generated + in->position * in->channels,
           got * in->channels * sizeof(float));
  }
  in->position += got;
  return got;
}

/// libsamplerate pulls source frames through this.
static long
src_pull(void* const cb_data, float** const data)
{
  DspOfflineInput* const in = (DspOfflineInput*)cb_data;
  *data                     = in->src_buf;
  return (long)source_read(in, in->src_buf, DSP_OFFLINE_SRC_CHUNK);
}

/// Read up to `n` interleaved frames at the delivered rate.
static uint64_t
input_read(DspOfflineInput* const in, float* const buf, const uint64_t n)
{
  if (!in->src) {
    return source_read(in, buf, n);
  }

  // The length at the new rate is exact: drop the resampler's last extra
  const uint64_t left = in->frames - in->delivered;
  const long     got  = src_callback_read(
    in->src, in->rate / in->file_rate, (long)(n < left ? n : left), buf);
  in->delivered += got > 0 ? (uint64_t)got : 0U;
  return got > 0 ? (uint64_t)got : 0U;
}

DspStatus
dsp_offline_input_set_rate(DspOfflineInput* const input,
                           const double           rate,
                           DspError* const        err)
{
  if (rate == input->file_rate) {
    return DSP_SUCCESS;
  }

  const double ratio = rate / input->file_rate;
  if (!src_is_valid_ratio(ratio)) {
    return dsp_error_set(err,
                         DSP_ERR_RANGE,
                         NULL,
                         "cannot resample %.0f Hz to %.0f Hz (ratio out of "
                         "range)",
                         input->file_rate,
                         rate);
  }

  int error      = 0;
  input->src_buf = (float*)calloc(
    (size_t)DSP_OFFLINE_SRC_CHUNK * input->channels, sizeof(float));
  input->src =
    input->src_buf
      ? src_callback_new(
          src_pull, SRC_SINC_BEST_QUALITY, (int)input->channels, &error, input)
      : NULL;
  if (!input->src) {
    free(input->src_buf);
    input->src_buf = NULL;
    return dsp_error_set(err,
                         DSP_ERR_NO_MEM,
                         NULL,
                         "cannot create resampler: %s",
                         error ? src_strerror(error) : "out of memory");
  }

  input->rate = rate;
  input->frames =
    (uint64_t)llround((double)input->frames * rate / input->file_rate);
  return DSP_SUCCESS;
}

static int
output_format(const char* const path)
{
  const char* const dot = strrchr(path, '.');
  const char* const ext = dot ? dot + 1 : "";
  if (!strcasecmp(ext, "flac")) {
    return SF_FORMAT_FLAC | SF_FORMAT_PCM_24;
  }
  if (!strcasecmp(ext, "ogg")) {
    return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
  }
  if (!strcasecmp(ext, "aif") || !strcasecmp(ext, "aiff")) {
    return SF_FORMAT_AIFF | SF_FORMAT_FLOAT;
  }
  if (!strcasecmp(ext, "caf")) {
    return SF_FORMAT_CAF | SF_FORMAT_FLOAT;
  }
  return SF_FORMAT_WAV | SF_FORMAT_FLOAT;
}

static double
now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
draw_progress(const uint64_t done, const uint64_t total)
{
  const int width = 40;
  const int fill  = total ? (int)((double)done / (double)total * width) : width;
  fprintf(stderr,
          "\r[%.*s%*s] %3d%%",
          fill,
          "########################################",
          width - fill,
          "",
          total ? (int)(100.0 * (double)done / (double)total) : 100);
}

/// Log the faults the audio side found (docs/realtime.md#faulty-nodes).
static void
report_faults(DspRuntime* const       rt,
              DspOfflineReport* const report,
              const bool              progress)
{
  DspEvent ev;
  while (!dsp_runtime_read_event(rt, &ev)) {
    if (ev.type == DSP_EVENT_FAULT) {
      char line[512];
      fprintf(stderr,
              "%sdspengine: %s\n",
              progress ? "\n" : "",
              dsp_fault_format(&ev, line, sizeof(line)));
      ++report->faults;
    }
  }
}

/// Buffers for one render, allocated together.
typedef struct {
  float* in_inter;  ///< Interleaved input block
  float* out_inter; ///< Interleaved output block
  float* planar;    ///< Planar input then output channels
  float* in_ptrs[DSP_OFFLINE_MAX_CHANNELS];
  float* out_ptrs[DSP_OFFLINE_MAX_CHANNELS];
} Buffers;

DspStatus
dsp_offline_render(DspRuntime* const              rt,
                   DspOfflineInput* const         in,
                   const DspOfflineOptions* const opts,
                   DspOfflineReport* const        report,
                   DspError* const                err)
{
  memset(report, 0, sizeof(*report));
  const DspPlan* const plan = dsp_runtime_current(rt);
  if (!plan) {
    return dsp_error_set(err, DSP_ERR_BAD_ARG, NULL, "no plan to render");
  }

  const uint32_t n_in  = plan->n_inputs;
  const uint32_t n_out = plan->n_outputs;
  if (n_in && in->channels != n_in && in->channels != 1U) {
    dsp_error_set_location(err, plan->graph->source, 0, 0);
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         "/inputs",
                         "input has %u channels but graph \"%s\" has %u "
                         "inputs (expected %u channels, or 1 to feed all)",
                         in->channels,
                         plan->graph->name,
                         n_in,
                         n_in);
  }
  if (!n_out || n_out > DSP_OFFLINE_MAX_CHANNELS) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_GRAPH,
                         "/outputs",
                         "graph must have 1 to %u outputs to render",
                         DSP_OFFLINE_MAX_CHANNELS);
  }

  SF_INFO info    = { 0 };
  info.samplerate = (int)in->rate;
  info.channels   = (int)n_out;
  info.format     = output_format(opts->output_path);
  if (!sf_format_check(&info)) {
    dsp_error_set_location(err, opts->output_path, 0, 0);
    return dsp_error_set(
      err, DSP_ERR_UNSUPPORTED, NULL, "output format not supported");
  }

  SNDFILE* const out = sf_open(opts->output_path, SFM_WRITE, &info);
  if (!out) {
    dsp_error_set_location(err, opts->output_path, 0, 0);
    return dsp_error_set(
      err, DSP_ERR_IO, NULL, "cannot write audio: %s", sf_strerror(NULL));
  }
  if ((info.format & SF_FORMAT_SUBMASK) != SF_FORMAT_FLOAT) {
    sf_command(out, SFC_SET_CLIPPING, NULL, SF_TRUE);
  }
  // We measure peaks ourselves; libsndfile's PEAK chunk costs a scan per write
  sf_command(out, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);

  const uint32_t block = opts->block;
  Buffers        b     = { 0 };
  b.in_inter  = (float*)calloc((size_t)block * in->channels, sizeof(float));
  b.out_inter = (float*)calloc((size_t)block * n_out, sizeof(float));
  b.planar = (float*)calloc((size_t)block * (n_in + n_out + 1U), sizeof(float));
  if (!b.in_inter || !b.out_inter || !b.planar) {
    free(b.in_inter);
    free(b.out_inter);
    free(b.planar);
    sf_close(out);
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }

  for (uint32_t c = 0U; c < n_in; ++c) {
    b.in_ptrs[c] = b.planar + (size_t)block * c;
  }
  for (uint32_t c = 0U; c < n_out; ++c) {
    b.out_ptrs[c] = b.planar + (size_t)block * (n_in + c);
  }

  const uint64_t tail  = (uint64_t)(opts->tail_seconds * in->rate);
  const uint64_t total = in->frames + tail;
  double         sumsq[DSP_OFFLINE_MAX_CHANNELS] = { 0.0 };
  const double   start                           = now_seconds();
  double         last_draw                       = 0.0;
  DspStatus      st                              = DSP_SUCCESS;
  bool           at_tail                         = false;
  uint64_t       tail_left                       = tail;

  while (!st) {
    uint64_t n = 0U;
    if (!at_tail) {
      n = input_read(in, b.in_inter, block);
      report->input_frames += n;
      at_tail = n < block;
      for (uint32_t c = 0U; c < n_in; ++c) {
        const uint32_t src = in->channels == 1U ? 0U : c;
        for (uint64_t i = 0U; i < n; ++i) {
          b.in_ptrs[c][i] = b.in_inter[i * in->channels + src];
        }
      }
    }
    if (n < block && tail_left) {
      // Silence after the input, until the tail is rendered
      const uint64_t extra = block - n < tail_left ? block - n : tail_left;
      for (uint32_t c = 0U; c < n_in; ++c) {
        memset(b.in_ptrs[c] + n, 0, extra * sizeof(float));
      }
      tail_left -= extra;
      n += extra;
    }
    if (!n) {
      break;
    }

    dsp_runtime_process(
      rt, (const float* const*)b.in_ptrs, n_in, b.out_ptrs, n_out, (uint32_t)n);
    report_faults(rt, report, opts->progress);

    for (uint32_t c = 0U; c < n_out; ++c) {
      for (uint64_t i = 0U; i < n; ++i) {
        const float v              = b.out_ptrs[c][i];
        b.out_inter[i * n_out + c] = v;
        report->peak[c] =
          fabsf(v) > report->peak[c] ? fabsf(v) : report->peak[c];
        sumsq[c] += (double)v * v;
      }
    }

    if (sf_writef_float(out, b.out_inter, (sf_count_t)n) != (sf_count_t)n) {
      dsp_error_set_location(err, opts->output_path, 0, 0);
      st = dsp_error_set(
        err, DSP_ERR_IO, NULL, "write failed: %s", sf_strerror(out));
    }
    report->frames += n;

    if (opts->progress && now_seconds() - last_draw > 0.1) {
      draw_progress(report->frames, total);
      last_draw = now_seconds();
    }
  }

  report->elapsed = now_seconds() - start;
  if (opts->progress) {
    draw_progress(report->frames, total);
    fputc('\n', stderr);
  }

  report->channels = n_out;
  report->seconds  = (double)report->frames / in->rate;
  for (uint32_t c = 0U; c < n_out; ++c) {
    report->rms[c] =
      report->frames ? sqrt(sumsq[c] / (double)report->frames) : 0.0;
  }

  free(b.in_inter);
  free(b.out_inter);
  free(b.planar);
  if (sf_close(out) && !st) {
    dsp_error_set_location(err, opts->output_path, 0, 0);
    st = dsp_error_set(err, DSP_ERR_IO, NULL, "closing output failed");
  }
  return st;
}
