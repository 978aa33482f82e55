// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// wavcmp A B [--tol T] [--offset-b N] [--from F]: compare two audio files
// sample by sample (from frame F of A on).  Prints the largest absolute
// difference and where it is; exits 0 if every sample of A is within T of B
// (frames and channels must match), 1 if not, 2 on error.

#include <sndfile.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float*
load(const char* const path, SF_INFO* const info)
{
  memset(info, 0, sizeof(*info));
  SNDFILE* const f = sf_open(path, SFM_READ, info);
  if (!f) {
    fprintf(stderr, "wavcmp: %s: %s\n", path, sf_strerror(NULL));
    return NULL;
  }

  const size_t n   = (size_t)info->frames * (size_t)info->channels;
  float* const buf = (float*)calloc(n + 1U, sizeof(float));
  if (buf && sf_readf_float(f, buf, info->frames) != info->frames) {
    fprintf(stderr, "wavcmp: %s: short read\n", path);
    free(buf);
    sf_close(f);
    return NULL;
  }
  sf_close(f);
  return buf;
}

int
main(int argc, char** argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: wavcmp A B [--tol T] [--offset-b N] [--from F]\n");
    return 2;
  }

  double     tol      = 1e-6;
  sf_count_t offset_b = 0;
  sf_count_t from     = 0;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--tol")) {
      tol = strtod(argv[i + 1], NULL);
    } else if (!strcmp(argv[i], "--offset-b")) {
      offset_b = strtoll(argv[i + 1], NULL, 10);
    } else if (!strcmp(argv[i], "--from")) {
      from = strtoll(argv[i + 1], NULL, 10);
    } else {
      fprintf(stderr, "wavcmp: unknown option %s\n", argv[i]);
      return 2;
    }
  }

  SF_INFO      ia;
  SF_INFO      ib;
  float* const a = load(argv[1], &ia);
  float* const b = load(argv[2], &ib);
  if (!a || !b) {
    free(a);
    free(b);
    return 2;
  }

  int status = 0;
  if (ia.channels != ib.channels) {
    fprintf(
      stderr, "wavcmp: channels differ: %d vs %d\n", ia.channels, ib.channels);
    status = 1;
  } else if (ia.frames + offset_b > ib.frames) {
    fprintf(stderr,
            "wavcmp: B is shorter: %lld vs %lld frames\n",
            (long long)ib.frames,
            (long long)(ia.frames + offset_b));
    status = 1;
  } else if (ia.frames == 0) {
    fprintf(stderr, "wavcmp: A is empty\n");
    status = 1;
  } else {
    double     max_diff  = 0.0;
    double     max_a     = 0.0;
    sf_count_t max_frame = 0;
    int        max_chan  = 0;
    const int  nch       = ia.channels;
    for (sf_count_t f = from < 0 ? 0 : from; f < ia.frames; ++f) {
      for (int c = 0; c < nch; ++c) {
        const double va = a[f * nch + c];
        const double vb = b[(f + offset_b) * nch + c];
        const double d  = fabs(va - vb);
        max_a           = fmax(max_a, fabs(va));
        if (!(d <= max_diff)) {
          max_diff  = isnan(d) ? INFINITY : d;
          max_frame = f;
          max_chan  = c;
        }
      }
    }
    printf("wavcmp: %lld frames x %d ch, peak %.6g, max diff %.3g at frame "
           "%lld ch %d (tol %.3g)\n",
           (long long)ia.frames,
           nch,
           max_a,
           max_diff,
           (long long)max_frame,
           max_chan,
           tol);
    status = (max_diff <= tol) ? 0 : 1;
  }

  free(a);
  free(b);
  return status;
}
