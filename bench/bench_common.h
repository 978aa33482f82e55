// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <jansson.h>

#include <stdbool.h>
#include <stdint.h>

/**
   @file bench_common.h
   What the "floor" programs (lv2_floor, faust_floor) share: planar audio
   in memory, the graph file, and the attribute that keeps the timed
   function a single symbol callgrind can toggle on.

   Nothing here uses the engine's code: the floors are independent of it
   on purpose.
*/

/// Largest channel count the floors handle.
#define BENCH_MAX_CHANNELS 16U

/**
   Mark the one function callgrind measures (`--toggle-collect=NAME`): never
   inlined, never cloned into `NAME.constprop.0`, kept even if unused.
*/
#if defined(__clang__)
#  define BENCH_TIMED __attribute__((noinline, used))
#elif defined(__GNUC__)
#  define BENCH_TIMED __attribute__((noinline, noclone, used))
#else
#  define BENCH_TIMED
#endif

/// Planar audio held in memory.
typedef struct {
  double   rate;                     ///< Sample rate
  uint32_t channels;                 ///< Channels
  uint64_t frames;                   ///< Frames per channel
  float*   data[BENCH_MAX_CHANNELS]; ///< Per channel (owned)
} BenchAudio;

/// Command line shared by both floors.
typedef struct {
  const char* graph;  ///< Graph file
  const char* input;  ///< Input audio file
  const char* output; ///< Output audio file, or NULL
  uint32_t    block;  ///< Frames per run() / compute()
} BenchArgs;

/**
   Parse `[--block N] GRAPH IN [OUT]`.  Prints usage and returns false on
   a bad command line.
*/
bool bench_args_parse(BenchArgs*  args,
                      int         argc,
                      char**      argv,
                      const char* usage);

/**
   Read a whole audio file into planar buffers.  On success `audio` owns
   them; free with bench_audio_cleanup().  Prints the reason on failure.
*/
bool bench_audio_load(BenchAudio* audio, const char* path);

/**
   Allocate `channels` zeroed planar buffers of `frames` frames.  Free
   with bench_audio_cleanup().
*/
bool bench_audio_alloc(BenchAudio* audio,
                       double      rate,
                       uint32_t    channels,
                       uint64_t    frames);

/// Write planar audio as 32-bit float WAV.  Prints the reason on failure.
bool bench_audio_save(const BenchAudio* audio, const char* path);

/// Free the buffers of `audio` (not `audio` itself).  Safe to call twice.
void bench_audio_cleanup(BenchAudio* audio);

/**
   Load a graph file.  Returns a new reference (release with json_decref),
   or NULL after printing the line and column of the error.
*/
json_t* bench_graph_load(const char* path);

/// Index of `name` in the graph's "inputs" or "outputs" array, or -1.
int bench_graph_channel(const json_t* root, const char* key, const char* name);

/**
   Split "node:port" into `node` and `port` (each at most `size` bytes).
   Returns false if there is no colon or a part is too long.
*/
bool bench_split_endpoint(const char* endpoint,
                          char*       node,
                          char*       port,
                          size_t      size);

/// Flush denormals to zero (FTZ and DAZ), as the engine's audio thread does.
void bench_flush_denormals(void);

#endif // BENCH_COMMON_H
