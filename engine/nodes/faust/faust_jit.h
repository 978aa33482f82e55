// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_FAUST_JIT_H
#define DSP_FAUST_JIT_H

#include "common/error.h"
#include "common/status.h"
#include "nodes/faust/faust_glue.h"

#include <stdint.h>

/**
   @file faust_jit.h
   Faust programs compiled at load time by libfaust (LLVM backend), with an
   on-disk machine-code cache.  Not real-time: only `ops.compute` of an
   instance may run on the audio thread.  Calls are serialised internally
   (libfaust is not thread-safe).
*/

/// Faust source to compile.
typedef struct {
  const char* name;        ///< Program name (for messages), e.g. file name
  const char* code;        ///< Faust source text
  const char* include_dir; ///< Extra import directory (-I), or NULL
  const char* file;        ///< Source file for error locations, or NULL
  const char* import_path; ///< Allowed import directories, ':'-separated,
                           ///< or NULL for DSP_FAUST_LIBDIR
  const char* node_id;     ///< Node id for messages, or NULL (name)
} DspFaustJitSource;

/// The default import path: the Faust standard library directory.
#ifndef DSP_FAUST_LIBDIR
#  define DSP_FAUST_LIBDIR "/usr/share/faust"
#endif

/// Operations on instances returned by dsp_faust_jit_new().
extern const DspFaustOps dsp_faust_jit_ops;

/**
   Compile `src` (or load it from `cache_dir`) and create one instance.

   Every import of the code is checked first (faust_imports.h): nothing
   outside `src->include_dir` and `src->import_path` can be read.  The
   cache is used only if `cache_dir` is a directory owned by the effective
   user and not writable by group or others, and a cache file only if it
   is a regular file owned by that user and not writable by others;
   otherwise the program is compiled and a warning printed once.

   @param src Program to compile.
   @param cache_dir Machine-code cache directory (created if missing), or
   NULL for no cache.
   @param json_path JSON pointer reported in errors.
   @param[out] dsp The instance, to be destroyed with `dsp_faust_jit_ops.free`.
   @param err Filled on failure with libfaust's message.
*/
DspStatus dsp_faust_jit_new(const DspFaustJitSource* src,
                            const char*              cache_dir,
                            const char*              json_path,
                            void**                   dsp,
                            DspError*                err);

/// Number of real compilations (cache misses) since the program started.
uint64_t dsp_faust_jit_compile_count(void);

/// Number of factories loaded from the on-disk cache.
uint64_t dsp_faust_jit_cache_hit_count(void);

/**
   Cache file name (without directory) `src` would use, e.g.
   "0123456789abcdef.fmc", written to `buf` of `size` bytes.

   @return `buf`.
*/
const char* dsp_faust_jit_cache_name(const DspFaustJitSource* src,
                                     char*                    buf,
                                     size_t                   size);

/// libfaust's version string (static, do not free).
const char* dsp_faust_jit_version(void);

#endif // DSP_FAUST_JIT_H
