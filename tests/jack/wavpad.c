// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// wavpad IN OUT [--lead N] [--skip N] [--frames N]: copy IN to OUT (32-bit
// float WAV) with N frames of silence prepended (--lead), the first N frames
// dropped (--skip), and at most N frames kept (--frames).  The live tests
// render references with the same leading silence the live engine has run
// through before the signal arrives.

#include <sndfile.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char** argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: wavpad IN OUT [--lead N] [--skip N]\n");
    return 2;
  }

  sf_count_t lead = 0;
  sf_count_t skip = 0;
  sf_count_t keep = -1;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--lead")) {
      lead = strtoll(argv[i + 1], NULL, 10);
    } else if (!strcmp(argv[i], "--frames")) {
      keep = strtoll(argv[i + 1], NULL, 10);
    } else if (!strcmp(argv[i], "--skip")) {
      skip = strtoll(argv[i + 1], NULL, 10);
    } else {
      fprintf(stderr, "wavpad: unknown option %s\n", argv[i]);
      return 2;
    }
  }

  SF_INFO        info = { 0 };
  SNDFILE* const in   = sf_open(argv[1], SFM_READ, &info);
  if (!in || lead < 0 || skip < 0 || skip > info.frames) {
    fprintf(stderr, "wavpad: cannot read %s or bad length\n", argv[1]);
    return 2;
  }

  const sf_count_t n   = info.frames;
  const int        ch  = info.channels;
  float* const     buf = (float*)calloc((size_t)((lead + n) * ch) + 1U, 4U);
  if (!buf || sf_readf_float(in, buf + lead * ch, n) != n) {
    fprintf(stderr, "wavpad: cannot read %s\n", argv[1]);
    return 2;
  }
  sf_close(in);

  sf_count_t count = lead + n - skip;
  if (keep >= 0 && keep < count) {
    count = keep;
  }

  SF_INFO oinfo      = { 0 };
  oinfo.samplerate   = info.samplerate;
  oinfo.channels     = ch;
  oinfo.format       = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const out = sf_open(argv[2], SFM_WRITE, &oinfo);
  if (!out || sf_writef_float(out, buf + skip * ch, count) != count) {
    fprintf(stderr, "wavpad: cannot write %s\n", argv[2]);
    return 2;
  }
  sf_close(out);
  free(buf);
  return 0;
}
