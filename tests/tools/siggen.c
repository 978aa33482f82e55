// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// siggen OUT.wav [--rate R] [--channels C] [--seconds S] [--seed N]:
// write a deterministic 32-bit float test signal: per channel a sine sweep
// plus decaying noise bursts and clicks, peak below -3 dBFS.

#include <sndfile.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char** argv)
{
  if (argc < 2) {
    fprintf(stderr,
            "usage: siggen OUT [--rate R] [--channels C] [--seconds S] "
            "[--seed N]\n");
    return 2;
  }

  int      rate     = 48000;
  int      channels = 2;
  double   seconds  = 1.0;
  uint32_t seed     = 1U;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--rate")) {
      rate = atoi(argv[i + 1]);
    } else if (!strcmp(argv[i], "--channels")) {
      channels = atoi(argv[i + 1]);
    } else if (!strcmp(argv[i], "--seconds")) {
      seconds = strtod(argv[i + 1], NULL);
    } else if (!strcmp(argv[i], "--seed")) {
      seed = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    } else {
      fprintf(stderr, "siggen: unknown option %s\n", argv[i]);
      return 2;
    }
  }

  SF_INFO info     = { 0 };
  info.samplerate  = rate;
  info.channels    = channels;
  info.format      = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const f = sf_open(argv[1], SFM_WRITE, &info);
  if (!f) {
    fprintf(stderr, "siggen: %s: %s\n", argv[1], sf_strerror(NULL));
    return 2;
  }

  const long frames = (long)(seconds * rate);
  float*     frame  = (float*)calloc((size_t)channels, sizeof(float));
  uint32_t   state  = seed ? seed : 1U;
  double     env    = 0.0;
  for (long t = 0; t < frames; ++t) {
    if (t % (rate / 4) == 0) {
      env = 1.0; // a burst every quarter second
    }
    env *= 0.9995;
    for (int c = 0; c < channels; ++c) {
      state ^= state << 13U;
      state ^= state >> 17U;
      state ^= state << 5U;
      const double noise = ((double)state / 4294967296.0) * 2.0 - 1.0;
      const double ph    = (double)t / rate;
      const double f0    = 110.0 * (1 + c) * pow(2.0, 4.0 * ph / seconds);
      const double sine  = sin(2.0 * M_PI * f0 * ph);
      frame[c]           = (float)(0.35 * sine + 0.3 * env * noise +
                         ((t % (rate / 2)) == 0 ? 0.3 : 0.0));
    }
    sf_writef_float(f, frame, 1);
  }

  free(frame);
  sf_close(f);
  return 0;
}
