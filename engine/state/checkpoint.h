// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATE_CHECKPOINT_H
#define DSP_STATE_CHECKPOINT_H

#include "region.h"
#include "slots.h"

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
   @file checkpoint.h
   What the engine saves to resume after a crash, and its payload format.

   A DspCheckpoint is an in-RAM model built and owned by one thread (the
   checkpoint thread); nothing here is real-time safe.  It is serialised to
   a JSON document (docs/checkpoint.md) in RAM, then copied into a slot of
   the region with dsp_slots_commit().
*/

/// A parameter's current value.
typedef struct {
  char* node;   ///< Node id (owned)
  char* symbol; ///< Parameter symbol or path, as in the graph (owned)
  float value;  ///< Value
} DspCheckpointParam;

/// A node's opaque state (LV2 state as Turtle text).
typedef struct {
  char* node;  ///< Node id (owned)
  char* state; ///< State text (owned)
} DspCheckpointState;

/// A prepared (loaded but inactive) graph slot.
typedef struct {
  char* name;       ///< Slot name (owned)
  char* graph_json; ///< The slot's graph source JSON (owned)
} DspCheckpointSlot;

/// Engine settings.
typedef struct {
  double             sample_rate; ///< Hz, 0 if unknown
  uint32_t           period;      ///< Frames per period, 0 if unknown
  char*              backend;     ///< "jack", "offline", ... or NULL (owned)
  size_t             n_slots;     ///< Number of prepared slots
  DspCheckpointSlot* slots;       ///< Prepared slots (owned)
} DspCheckpointSettings;

/// Counters kept across restarts (every field survives a resume).
typedef struct {
  uint64_t boots;         ///< Engine starts on this region
  uint64_t resumes;       ///< Starts that resumed a checkpoint
  uint64_t crashes;       ///< Starts after an unclean end
  uint64_t last_boot_ns;  ///< Last start, ns since the epoch, or 0
  uint64_t last_crash_ns; ///< Last start after a crash, or 0
  uint64_t graph_loads;   ///< Graph loads and swaps
  uint64_t param_changes; ///< Parameter changes applied
} DspCheckpointCounters;

/// Everything a checkpoint holds.
typedef struct {
  char*  graph_name;            ///< Graph name or NULL (owned)
  char*  graph_path;            ///< Graph source file or NULL (owned)
  char*  graph_dir;             ///< Base dir for relative paths or NULL (owned)
  char*  graph_json;            ///< Graph source JSON or NULL (owned)
  size_t n_params;              ///< Number of parameter values
  size_t cap_params;            ///< Allocated parameter entries
  DspCheckpointParam*   params; ///< Parameter values (owned)
  size_t                n_states;   ///< Number of node states
  size_t                cap_states; ///< Allocated state entries
  DspCheckpointState*   states;     ///< Node states (owned)
  DspCheckpointSettings settings;   ///< Engine settings
  DspCheckpointCounters counters;   ///< Counters
  bool                  clean;      ///< Written at an orderly shutdown
} DspCheckpoint;

/// Where a checkpoint was read from or written to.
typedef struct {
  DspSlotInfo slot;       ///< The slot used
  DspSlotInfo other;      ///< The other slot, as found
  bool        fell_back;  ///< The newest slot was unusable: `other` says why
  bool        hint_valid; ///< The header's commit hint verified
  uint64_t    hint_gen;   ///< Hinted generation
} DspCheckpointInfo;

/// Return a new empty checkpoint, or NULL if out of memory.  Free with
/// dsp_checkpoint_free().
DspCheckpoint* dsp_checkpoint_new(void);

/// Free `cp` and everything it owns (NULL is a no-op).
void dsp_checkpoint_free(DspCheckpoint* cp);

/**
   Set the graph (strings copied; any may be NULL).  On failure `cp` is
   unchanged.
*/
DspStatus dsp_checkpoint_set_graph(DspCheckpoint* cp,
                                   const char*    name,
                                   const char*    path,
                                   const char*    dir,
                                   const char*    json);

/// Set a parameter's value, adding it if new.  On failure `cp` is unchanged.
DspStatus dsp_checkpoint_set_param(DspCheckpoint* cp,
                                   const char*    node,
                                   const char*    symbol,
                                   float          value);

/// Find a parameter, or NULL.
const DspCheckpointParam* dsp_checkpoint_find_param(const DspCheckpoint* cp,
                                                    const char*          node,
                                                    const char* symbol);

/// Set a node's state text, adding it if new.  On failure `cp` is unchanged.
DspStatus dsp_checkpoint_set_state(DspCheckpoint* cp,
                                   const char*    node,
                                   const char*    state);

/// Add a prepared slot (copied).  On failure `cp` is unchanged.
DspStatus dsp_checkpoint_add_slot(DspCheckpoint* cp,
                                  const char*    name,
                                  const char*    graph_json);

/**
   Update the counters at engine start: one more boot at `now_ns`; if the
   engine resumes `cp` (read from the region), one more resume, and one more
   crash unless `cp` was written at an orderly shutdown.  Clears `clean`.
*/
void dsp_checkpoint_note_boot(DspCheckpoint* cp, bool resumed, uint64_t now_ns);

/// Remove all parameters, states and slots (graph, settings, counters kept).
void dsp_checkpoint_clear(DspCheckpoint* cp);

/**
   Serialise `cp` to a compact JSON document.

   @param[out] text Set to a NUL-terminated string to be freed with free().
   @param[out] size Its length without the NUL.
*/
DspStatus dsp_checkpoint_to_json(const DspCheckpoint* cp,
                                 char**               text,
                                 size_t*              size,
                                 DspError*            err);

/**
   Parse a checkpoint JSON document of `size` bytes.

   Every field is checked; errors name the JSON pointer and what was
   expected.  Unknown keys are ignored (newer writers may add some).

   @param[out] out New checkpoint to be freed with dsp_checkpoint_free(),
   or NULL on failure.
*/
DspStatus dsp_checkpoint_from_json(const char*     text,
                                   size_t          size,
                                   DspCheckpoint** out,
                                   DspError*       err);

/**
   Write `cp` to the region as the next checkpoint.

   Serialises into RAM, then commits it to the inactive slot
   (dsp_slots_commit()); when this returns DSP_SUCCESS the checkpoint is in
   the region and survives the process (and, for a disk file, the
   machine).  `info` (may be NULL) gets the slot and generation written.
*/
DspStatus dsp_checkpoint_write(DspRegion*           region,
                               const DspCheckpoint* cp,
                               DspCheckpointInfo*   info,
                               DspError*            err);

/**
   Read the newest valid checkpoint from the region.

   Takes the newest slot whose CRCs verify and whose payload decodes, else
   the other one.  Never crashes on arbitrary region contents.

   @param[out] out New checkpoint to be freed with dsp_checkpoint_free(),
   or NULL on failure.
   @param info May be NULL; filled on success and, as far as known, on
   failure.
   @return DSP_SUCCESS; DSP_ERR_NOT_FOUND if the region is empty or neither
   slot is valid; DSP_ERR_SYNTAX for a foreign or corrupt region;
   DSP_ERR_UNSUPPORTED for a newer layout or payload format;
   DSP_ERR_NO_MEM.  `err` then holds one line naming the region.
*/
DspStatus dsp_checkpoint_read(const DspRegion*   region,
                              DspCheckpoint**    out,
                              DspCheckpointInfo* info,
                              DspError*          err);

#endif // DSP_STATE_CHECKPOINT_H
