// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "bench_common.h"

#include <sndfile.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE__)
#  include <xmmintrin.h>
#endif

bool
bench_args_parse(BenchArgs* const  args,
                 const int         argc,
                 char** const      argv,
                 const char* const usage)
{
  memset(args, 0, sizeof(*args));
  args->block = 256U;

  const char* positional[3] = { NULL, NULL, NULL };
  int         n_positional  = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--block") && i + 1 < argc) {
      char*      end   = NULL;
      const long block = strtol(argv[++i], &end, 10);
      if (*end || block < 1 || block > 65536) {
        fprintf(stderr, "--block: expected 1 to 65536\n");
        return false;
      }
      args->block = (uint32_t)block;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "unknown option %s\nusage: %s\n", argv[i], usage);
      return false;
    } else if (n_positional < 3) {
      positional[n_positional++] = argv[i];
    } else {
      fprintf(stderr, "too many arguments\nusage: %s\n", usage);
      return false;
    }
  }

  if (n_positional < 2) {
    fprintf(stderr, "usage: %s\n", usage);
    return false;
  }

  args->graph  = positional[0];
  args->input  = positional[1];
  args->output = positional[2];
  return true;
}

bool
bench_audio_alloc(BenchAudio* const audio,
                  const double      rate,
                  const uint32_t    channels,
                  const uint64_t    frames)
{
  memset(audio, 0, sizeof(*audio));
  if (!channels || channels > BENCH_MAX_CHANNELS) {
    fprintf(
      stderr, "%u channels: 1 to %u supported\n", channels, BENCH_MAX_CHANNELS);
    return false;
  }

  audio->rate     = rate;
  audio->channels = channels;
  audio->frames   = frames;
  for (uint32_t c = 0U; c < channels; ++c) {
    if (!(audio->data[c] = (float*)calloc(frames + 1U, sizeof(float)))) {
      fprintf(stderr, "out of memory\n");
      bench_audio_cleanup(audio);
      return false;
    }
  }
  return true;
}

bool
bench_audio_load(BenchAudio* const audio, const char* const path)
{
  memset(audio, 0, sizeof(*audio));

  SF_INFO        info = { 0 };
  SNDFILE* const file = sf_open(path, SFM_READ, &info);
  if (!file) {
    fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
    return false;
  }

  const uint64_t frames = info.frames > 0 ? (uint64_t)info.frames : 0U;
  float* const   inter =
    (float*)calloc((size_t)frames * (size_t)info.channels + 1U, sizeof(float));
  bool ok =
    inter && bench_audio_alloc(
               audio, (double)info.samplerate, (uint32_t)info.channels, frames);
  if (ok &&
      sf_readf_float(file, inter, (sf_count_t)frames) != (sf_count_t)frames) {
    fprintf(stderr, "%s: short read\n", path);
    ok = false;
  }

  for (uint64_t f = 0U; ok && f < frames; ++f) {
    for (uint32_t c = 0U; c < audio->channels; ++c) {
      audio->data[c][f] = inter[f * audio->channels + c];
    }
  }

  free(inter);
  sf_close(file);
  if (!ok) {
    bench_audio_cleanup(audio);
  }
  return ok;
}

bool
bench_audio_save(const BenchAudio* const audio, const char* const path)
{
  SF_INFO info    = { 0 };
  info.samplerate = (int)audio->rate;
  info.channels   = (int)audio->channels;
  info.format     = SF_FORMAT_WAV | SF_FORMAT_FLOAT;

  SNDFILE* const file = sf_open(path, SFM_WRITE, &info);
  if (!file) {
    fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
    return false;
  }

  enum { CHUNK = 4096 };
  float    inter[CHUNK * BENCH_MAX_CHANNELS];
  bool     ok = true;
  uint64_t f  = 0U;
  while (ok && f < audio->frames) {
    const uint64_t n =
      audio->frames - f < CHUNK ? audio->frames - f : (uint64_t)CHUNK;
    for (uint64_t i = 0U; i < n; ++i) {
      for (uint32_t c = 0U; c < audio->channels; ++c) {
        inter[i * audio->channels + c] = audio->data[c][f + i];
      }
    }
    ok = sf_writef_float(file, inter, (sf_count_t)n) == (sf_count_t)n;
    f += n;
  }

  if (sf_close(file) || !ok) {
    fprintf(stderr, "%s: write failed\n", path);
    return false;
  }
  return true;
}

void
bench_audio_cleanup(BenchAudio* const audio)
{
  for (uint32_t c = 0U; c < BENCH_MAX_CHANNELS; ++c) {
    free(audio->data[c]);
    audio->data[c] = NULL;
  }
  audio->channels = 0U;
  audio->frames   = 0U;
}

json_t*
bench_graph_load(const char* const path)
{
  json_error_t  error;
  json_t* const root = json_load_file(path, 0, &error);
  if (!root) {
    fprintf(
      stderr, "%s:%d:%d: %s\n", path, error.line, error.column, error.text);
    return NULL;
  }
  if (!json_is_object(root) || !json_is_array(json_object_get(root, "nodes")) ||
      !json_is_array(json_object_get(root, "connections"))) {
    fprintf(stderr,
            "%s: expected an object with arrays \"nodes\" and "
            "\"connections\"\n",
            path);
    json_decref(root);
    return NULL;
  }
  return root;
}

int
bench_graph_channel(const json_t* const root,
                    const char* const   key,
                    const char* const   name)
{
  const json_t* const channels = json_object_get(root, key);
  size_t              i        = 0U;
  const json_t*       value    = NULL;
  json_array_foreach(channels, i, value)
  {
    if (json_is_string(value) && !strcmp(json_string_value(value), name)) {
      return (int)i;
    }
  }
  return -1;
}

bool
bench_split_endpoint(const char* const endpoint,
                     char* const       node,
                     char* const       port,
                     const size_t      size)
{
  const char* const colon = strchr(endpoint, ':');
  if (!colon || (size_t)(colon - endpoint) >= size ||
      strlen(colon + 1) >= size) {
    return false;
  }

  memcpy(node, endpoint, (size_t)(colon - endpoint));
  node[colon - endpoint] = '\0';
  strcpy(port, colon + 1);
  return true;
}

void
bench_flush_denormals(void)
{
#if defined(__SSE__)
  _mm_setcsr(_mm_getcsr() | 0x8040U);
#endif
}
