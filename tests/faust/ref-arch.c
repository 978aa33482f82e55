// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

/*
  Test-only Faust architecture: a stand-alone reference renderer that does
  not use the engine.  Built with `faust -lang c -cn NAME -a ref-arch.c`.

  Usage: PROGRAM IN.wav OUT.wav [LABEL VALUE]...

  Sets each control named LABEL to VALUE, then processes IN in blocks of
  128 frames and writes OUT as 32-bit float WAV.
*/

#include <faust/gui/CInterface.h>

#include <sndfile.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int
max(const int a, const int b)
{
  return a > b ? a : b;
}

static inline int
min(const int a, const int b)
{
  return a < b ? a : b;
}

// clang-format off
<<includeIntrinsic>>

<<includeclass>>
// clang-format on

#define REF_CAT2(a, b) a##b
#define REF_CAT(a, b) REF_CAT2(a, b)
#define REF_FN(prefix) REF_CAT(prefix, FAUSTCLASS)

  enum {
    REF_BLOCK = 128
  };

typedef struct {
  int    n;     // Number of LABEL VALUE pairs
  char** pairs; // LABEL VALUE ...
  int*   used;  // Per pair: found
} RefSetter;

static void
ref_set(void* ui, const char* label, FAUSTFLOAT* zone)
{
  RefSetter* const s = (RefSetter*)ui;
  for (int i = 0; i < s->n; ++i) {
    if (!strcmp(s->pairs[2 * i], label)) {
      *zone      = (FAUSTFLOAT)strtod(s->pairs[2 * i + 1], NULL);
      s->used[i] = 1;
    }
  }
}

static void
ref_box(void* ui, const char* label)
{
  (void)ui;
  (void)label;
}

static void
ref_close(void* ui)
{
  (void)ui;
}

static void
ref_button(void* ui, const char* label, FAUSTFLOAT* zone)
{
  ref_set(ui, label, zone);
}

static void
ref_slider(void*       ui,
           const char* label,
           FAUSTFLOAT* zone,
           FAUSTFLOAT  init,
           FAUSTFLOAT  lo,
           FAUSTFLOAT  hi,
           FAUSTFLOAT  step)
{
  (void)init;
  (void)lo;
  (void)hi;
  (void)step;
  ref_set(ui, label, zone);
}

static void
ref_bargraph(void*       ui,
             const char* label,
             FAUSTFLOAT* zone,
             FAUSTFLOAT  lo,
             FAUSTFLOAT  hi)
{
  (void)ui;
  (void)label;
  (void)zone;
  (void)lo;
  (void)hi;
}

static void
ref_soundfile(void*              ui,
              const char*        label,
              const char*        url,
              struct Soundfile** zone)
{
  (void)ui;
  (void)label;
  (void)url;
  (void)zone;
}

static void
ref_declare(void* ui, FAUSTFLOAT* zone, const char* key, const char* value)
{
  (void)ui;
  (void)zone;
  (void)key;
  (void)value;
}

int
main(int argc, char** argv)
{
  if (argc < 3 || (argc - 3) % 2) {
    fprintf(stderr, "usage: %s IN.wav OUT.wav [LABEL VALUE]...\n", argv[0]);
    return 2;
  }

  SF_INFO        in_info = { 0 };
  SNDFILE* const in      = sf_open(argv[1], SFM_READ, &in_info);
  if (!in) {
    fprintf(stderr, "%s: %s\n", argv[1], sf_strerror(NULL));
    return 2;
  }

  FAUSTCLASS* const dsp   = REF_FN(new)();
  const int         n_in  = REF_FN(getNumInputs)(dsp);
  const int         n_out = REF_FN(getNumOutputs)(dsp);
  if (in_info.channels != n_in) {
    fprintf(stderr,
            "%s: %d channels, DSP has %d inputs\n",
            argv[1],
            in_info.channels,
            n_in);
    return 2;
  }

  REF_FN(init)(dsp, in_info.samplerate);

  RefSetter setter = { (argc - 3) / 2, argv + 3, NULL };
  setter.used      = (int*)calloc((size_t)setter.n + 1U, sizeof(int));
  UIGlue glue      = { &setter,       ref_box,    ref_box,      ref_box,
                       ref_close,     ref_button, ref_button,   ref_slider,
                       ref_slider,    ref_slider, ref_bargraph, ref_bargraph,
                       ref_soundfile, ref_declare };
  REF_FN(buildUserInterface)(dsp, &glue);
  for (int i = 0; i < setter.n; ++i) {
    if (!setter.used[i]) {
      fprintf(stderr, "no control \"%s\"\n", setter.pairs[2 * i]);
      return 2;
    }
  }

  SF_INFO out_info    = { 0 };
  out_info.samplerate = in_info.samplerate;
  out_info.channels   = n_out;
  out_info.format     = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const out  = sf_open(argv[2], SFM_WRITE, &out_info);
  if (!out) {
    fprintf(stderr, "%s: %s\n", argv[2], sf_strerror(NULL));
    return 2;
  }

  float* inter_in  = (float*)calloc((size_t)REF_BLOCK * (size_t)n_in + 1U, 4U);
  float* inter_out = (float*)calloc((size_t)REF_BLOCK * (size_t)n_out + 1U, 4U);
  float* ins[64];
  float* outs[64];
  for (int c = 0; c < n_in; ++c) {
    ins[c] = (float*)calloc(REF_BLOCK, sizeof(float));
  }
  for (int c = 0; c < n_out; ++c) {
    outs[c] = (float*)calloc(REF_BLOCK, sizeof(float));
  }

  sf_count_t n = 0;
  while ((n = sf_readf_float(in, inter_in, REF_BLOCK)) > 0) {
    for (sf_count_t t = 0; t < n; ++t) {
      for (int c = 0; c < n_in; ++c) {
        ins[c][t] = inter_in[t * n_in + c];
      }
    }
    REF_FN(compute)(dsp, (int)n, ins, outs);
    for (sf_count_t t = 0; t < n; ++t) {
      for (int c = 0; c < n_out; ++c) {
        inter_out[t * n_out + c] = outs[c][t];
      }
    }
    sf_writef_float(out, inter_out, n);
  }

  sf_close(out);
  sf_close(in);
  for (int c = 0; c < n_in; ++c) {
    free(ins[c]);
  }
  for (int c = 0; c < n_out; ++c) {
    free(outs[c]);
  }
  free(inter_in);
  free(inter_out);
  free(setter.used);
  REF_FN(delete)(dsp);
  return 0;
}
