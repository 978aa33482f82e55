// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_FAUST_BUILTIN_H
#define DSP_FAUST_BUILTIN_H

#include "nodes/faust/faust_glue.h"

/**
   @file faust_builtin.h
   Built-in Faust effects: plugins/NAME.dsp compiled to C at build time with
   plugins/arch/dsp-arch.c, which exports one `dsp_faust_builtin_NAME`
   descriptor per effect.  The generated registry lists them all.
*/

/// A Faust effect compiled into the engine.
typedef struct {
  const char* name; ///< Effect name used in graphs ("reverb")

  /**
     Allocate an uninitialised instance.

     @return An instance to destroy with `ops.free`, or NULL if out of memory.
  */
  void* (*create)(void);

  /// Describe the class (no instance needed: `dsp` may be NULL).
  void (*class_metadata)(MetaGlue* meta);

  DspFaustOps ops; ///< Instance operations
} DspFaustBuiltin;

/// All built-in effects, sorted by name, NULL-terminated (generated).
extern const DspFaustBuiltin* const dsp_faust_builtins[];

/// Number of entries in `dsp_faust_builtins` (generated).
extern const unsigned dsp_faust_n_builtins;

/// The built-in effect called `name`, or NULL.
const DspFaustBuiltin* dsp_faust_builtin_find(const char* name);

#endif // DSP_FAUST_BUILTIN_H
