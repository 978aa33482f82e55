// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_SETUP_H
#define DSP_SETUP_H

#include "common/error.h"
#include "graph/graph.h"
#include "nodes/node.h"

/// Everything nodes need, owned by the program.
typedef struct {
  DspNodeEnv env;               ///< Passed to dsp_compile()
  char       cache_dir[512];    ///< Storage for env.faust_cache_dir
  char       import_path[4096]; ///< Storage for env.faust_import_path
} DspSetup;

/**
   Fill `setup` for `graph` (may be NULL: load everything): loads the LV2
   world only if the graph has LV2 nodes, and prepares the Faust cache
   directory ($DSP_FAUST_CACHE, else $XDG_CACHE_HOME/dspengine/faust, else
   ~/.cache/dspengine/faust; no cache if none can be made) and the Faust
   import path ($DSP_FAUST_IMPORT_PATH, set by --faust-import-path; else
   the Faust standard library directory).
*/
DspStatus dsp_setup_init(DspSetup*       setup,
                         const DspGraph* graph,
                         double          rate,
                         uint32_t        max_block,
                         DspError*       err);

/// Free what dsp_setup_init() loaded.
void dsp_setup_cleanup(DspSetup* setup);

#endif // DSP_SETUP_H
