// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// wavmix OUT IN:GAIN_DB [IN:GAIN_DB ...]: write the sum of the inputs, each
// scaled by a gain in dB, as 32-bit float (channel counts must match; the
// output is as long as the longest input).

#include <sndfile.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char** argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: wavmix OUT IN:GAIN_DB [IN:GAIN_DB ...]\n");
    return 2;
  }

  const int  n_in     = argc - 2;
  double*    sum      = NULL;
  sf_count_t frames   = 0;
  int        channels = 0;
  int        rate     = 0;

  for (int k = 0; k < n_in; ++k) {
    char* const arg   = argv[k + 2];
    char* const colon = strrchr(arg, ':');
    if (!colon) {
      fprintf(stderr, "wavmix: %s: expected FILE:GAIN_DB\n", arg);
      return 2;
    }
    *colon            = '\0';
    const double gain = pow(10.0, strtod(colon + 1, NULL) / 20.0);

    SF_INFO        info = { 0 };
    SNDFILE* const f    = sf_open(arg, SFM_READ, &info);
    if (!f) {
      fprintf(stderr, "wavmix: %s: %s\n", arg, sf_strerror(NULL));
      return 2;
    }
    if (k && (info.channels != channels || info.samplerate != rate)) {
      fprintf(stderr, "wavmix: %s: format differs from the first input\n", arg);
      return 2;
    }
    channels = info.channels;
    rate     = info.samplerate;

    if (info.frames > frames) {
      double* const grown = (double*)realloc(
        sum, (size_t)info.frames * (size_t)channels * sizeof(double));
      if (!grown) {
        return 2;
      }
      memset(grown + frames * channels,
             0,
             (size_t)(info.frames - frames) * (size_t)channels *
               sizeof(double));
      sum    = grown;
      frames = info.frames;
    }

    float* const buf = (float*)calloc(
      (size_t)info.frames * (size_t)channels + 1U, sizeof(float));
    sf_readf_float(f, buf, info.frames);
    sf_close(f);
    for (sf_count_t i = 0; i < info.frames * channels; ++i) {
      sum[i] += gain * buf[i];
    }
    free(buf);
  }

  SF_INFO out_info    = { 0 };
  out_info.samplerate = rate;
  out_info.channels   = channels;
  out_info.format     = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const out  = sf_open(argv[1], SFM_WRITE, &out_info);
  if (!out) {
    fprintf(stderr, "wavmix: %s: %s\n", argv[1], sf_strerror(NULL));
    return 2;
  }
  sf_writef_double(out, sum, frames);
  sf_close(out);
  free(sum);
  return 0;
}
