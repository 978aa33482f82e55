// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_FAUST_GLUE_H
#define DSP_FAUST_GLUE_H

/**
   @file faust_glue.h
   Faust's C interface (UIGlue, MetaGlue) and the operations every compiled
   Faust DSP offers, whether built in or compiled by libfaust.

   Faust's headers declare `f()` functions without prototypes, which our
   warning flags reject, so they are only included through here.
*/

#define FAUSTFLOAT float

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <faust/gui/CInterface.h> // IWYU pragma: export
#pragma GCC diagnostic pop

/**
   Operations on one compiled Faust DSP instance (`dsp` below).

   All are called off the audio thread except `compute`.
*/
typedef struct {
  int (*get_num_inputs)(void* dsp);  ///< Audio inputs
  int (*get_num_outputs)(void* dsp); ///< Audio outputs
  void (*build_user_interface)(void*   dsp,
                               UIGlue* ui);    ///< Describe controls
  void (*metadata)(void* dsp, MetaGlue* meta); ///< Describe the program
  void (*init)(void* dsp, int sample_rate);    ///< Init all, UI to default
  void (*instance_clear)(void* dsp);           ///< Reset DSP state only
  void (*compute)(void*   dsp,
                  int     count,
                  float** inputs,
                  float** outputs); ///< [RT] Process frames
  void (*free)(void* dsp);          ///< Destroy the instance
} DspFaustOps;

#endif // DSP_FAUST_GLUE_H
