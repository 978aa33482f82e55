// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_LV2_H
#define DSP_LV2_H

#include "common/error.h"
#include "nodes/node.h"

#include <stdio.h>

/**
   @file lv2.h
   LV2 plugins through lilv: the "lv2" node kind.

   Graph node: {"id": "x", "kind": "lv2", "uri": "http://...", "params": {}}
*/

/// The "lv2" node kind.  Instantiate needs DspNodeEnv::lv2.
extern const DspNodeClass dsp_lv2_node_class;

/**
   Load the LV2 world (every bundle on LV2_PATH, or the default path).

   The world owns the URID map shared by all LV2 nodes.  Free with
   dsp_lv2_world_free() after every node made from it.
*/
DspStatus dsp_lv2_world_new(DspLv2World** world, DspError* err);

/**
   Create an LV2 world with no bundle loaded yet, for a host that knows
   which plugins it needs: load them with dsp_lv2_world_require() (much
   faster than scanning every installed bundle).  Free with
   dsp_lv2_world_free().
*/
DspStatus dsp_lv2_world_new_lazy(DspLv2World** world, DspError* err);

/**
   Make plugin `uri` available in a lazy world: load the bundles on
   LV2_PATH whose manifest.ttl names it, or, if none does (or it is still
   missing), every bundle.  No-op if the plugin is already known.
*/
void dsp_lv2_world_require(DspLv2World* world, const char* uri);

/// Free a world.  NULL is a no-op.
void dsp_lv2_world_free(DspLv2World* world);

/// Print one line per installed plugin (URI, name, audio in/out) to `out`.
void dsp_lv2_world_list(const DspLv2World* world, FILE* out);

/**
   Print log messages an "lv2" node queued on the audio thread to `out`.

   Plugins that log from run() (or from work() in offline mode) cannot print
   there, so their messages wait in a fixed-size lock-free queue (older
   messages are kept, newer ones dropped and counted when it is full).  Call
   this now and then from one control thread; deactivate and free also
   flush to stderr.  Messages logged off the audio thread (instantiate,
   threaded work, state) are printed to stderr at once.  No-op for a node of
   another kind.
*/
void dsp_lv2_node_flush_log(DspNode* node, FILE* out);

#endif // DSP_LV2_H
