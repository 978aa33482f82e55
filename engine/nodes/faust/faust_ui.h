// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_FAUST_UI_H
#define DSP_FAUST_UI_H

#include "nodes/faust/faust_glue.h"
#include "nodes/node.h"

#include <stdbool.h>
#include <stdint.h>

/**
   @file faust_ui.h
   Turn a Faust program's controls (its buildUserInterface calls) into
   `DspNode` parameters.  Shared by built-in and libfaust-compiled DSP.

   Run buildUserInterface twice: once with no node to count parameters, then
   with the node allocated for that many to fill `params` and `zones`.
*/

#define DSP_FAUST_UI_MAX_DEPTH 32U ///< Deepest box nesting supported

/// Collects parameters from UIGlue callbacks (embed; no allocation).
typedef struct {
  DspNode*  node;       ///< Node to fill, or NULL to only count
  uint32_t  n_params;   ///< Parameters seen so far
  DspStatus status;     ///< First failure (out of memory, soundfile)
  char      path[1024]; ///< Current box path
  size_t    depth;      ///< Open boxes
  size_t    path_len[DSP_FAUST_UI_MAX_DEPTH]; ///< path length per depth
  float*    meta_zone;                        ///< Zone of pending metadata
  char      unit[32];                         ///< Pending [unit:...]
  bool      log_scale;                        ///< Pending [scale:log]
  char      unsupported[128]; ///< Label of a soundfile control, if any
} DspFaustUi;

/// Start collecting into `node` (NULL to count only).
void dsp_faust_ui_init(DspFaustUi* ui, DspNode* node);

/// Return UIGlue callbacks that write to `ui`.
UIGlue dsp_faust_ui_glue(DspFaustUi* ui);

/// Program metadata of interest ("name", "description").
typedef struct {
  char name[128];        ///< declare name, or empty
  char description[256]; ///< declare description, or empty
} DspFaustMeta;

/// Return MetaGlue callbacks that fill `meta` (which is zeroed here).
MetaGlue dsp_faust_meta_glue(DspFaustMeta* meta);

#endif // DSP_FAUST_UI_H
