// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_ENGINE_H
#define DSP_ENGINE_H

#include "common/error.h"
#include "nodes/node.h"
#include "plan/plan.h"
#include "rt/runtime.h"
#include "rt/stats.h"

#include <stdbool.h>
#include <stdint.h>

/**
   @file engine.h
   The control-thread engine: everything a controller (OSC, stdin, the
   checkpoint) may ask of a running engine, in one object.

   A DspEngine owns the node environment, the runtime shared with the audio
   thread, the graph playing (its JSON source), named prepared slots (graphs
   compiled, instantiated and activated but not playing) and the current
   value of every parameter, so that reading state never touches the audio
   thread.  It is not thread-safe: exactly one control thread calls it
   (in live mode the thread that also polls the OSC sockets and stdin).

   Every call that changes state goes through one place that applies the
   change (sends it to the audio thread and records it here) and then calls
   the commit hook, if one is set (dsp_engine_set_commit_hook()); the call
   succeeds only if the hook does.  A checkpoint writer uses the hook to make
   each acknowledged change durable before the acknowledgement is sent.
*/

typedef struct DspEngineImpl DspEngine;

/// Most prepared slots.
#define DSP_ENGINE_MAX_SLOTS 16U

/// Longest slot name (1 to this many of A-Z a-z 0-9 _ - .).
#define DSP_ENGINE_MAX_SLOT_NAME 64U

/// What a mutating call changed (passed to the commit hook).
typedef enum {
  DSP_CHANGE_GRAPH  = 1, ///< A graph was loaded or a slot swapped in
  DSP_CHANGE_PARAM  = 2, ///< A parameter was set
  DSP_CHANGE_BYPASS = 3, ///< A node was bypassed or processed again
  DSP_CHANGE_SLOTS  = 4, ///< A slot was prepared or unloaded
} DspChangeKind;

/// A description of a change, valid during the hook call only.
typedef struct {
  DspChangeKind kind;  ///< What changed
  const char*   node;  ///< PARAM, BYPASS: node id, else NULL
  const char*   param; ///< PARAM: parameter symbol, else NULL
  float         value; ///< PARAM: new value; BYPASS: 1 bypassed, 0 not
  const char*   slot;  ///< SLOTS: slot name; GRAPH: slot swapped in, or NULL
} DspChange;

/**
   Called after every change is applied, with the engine in its new state
   (read it with the getters below).  Return DSP_SUCCESS once the change is
   durable; any other status (with `err` filled) makes the call fail with
   that error.  The change stays applied (audio is never rolled back).
*/
typedef DspStatus (*DspCommitHook)(void*            data,
                                   const DspEngine* engine,
                                   const DspChange* change,
                                   DspError*        err);

/// What dsp_engine_status() reports.
typedef struct {
  DspRuntimeStats stats;       ///< Latest audio-thread measurements
  double          sample_rate; ///< Rate plans are compiled at (0: none yet)
  uint32_t        max_block;   ///< Block plans are compiled with
  const char*     graph;       ///< Name of the graph playing, or ""
  double          uptime;      ///< Seconds since dsp_engine_new()
  uint32_t        voices;      ///< Plans running (more than 1: swapping)
  bool            swapping;    ///< A crossfade or tail is in progress
  uint32_t        n_slots;     ///< Prepared slots
  uint32_t        n_faulted;   ///< Nodes of the playing graph muted by a fault
} DspEngineStatus;

/// What the engine knows of a node's fault, from the audio thread's report.
typedef struct {
  uint32_t kind;   ///< DspFaultKind (DSP_FAULT_NONE: healthy)
  uint32_t port;   ///< Output that tripped it
  float    value;  ///< A sample of it (NaN/Inf, stuck level, a subnormal)
  double   time_s; ///< When: seconds of audio into the graph
  uint32_t arm;    ///< Re-arm generation (reports from before are stale)
} DspNodeFault;

/**
   Create an engine with a command ring of `capacity` messages.

   @param[out] engine Set to an engine to free with dsp_engine_free().
*/
DspStatus dsp_engine_new(uint32_t capacity, DspEngine** engine, DspError* err);

/**
   Free the engine, its runtime, slots and node environment.  The audio
   thread must have stopped (close the JACK client first).  NULL is a no-op.
*/
void dsp_engine_free(DspEngine* engine);

/// The runtime the audio thread runs (owned by the engine).
DspRuntime* dsp_engine_runtime(DspEngine* engine);

/**
   Read the first graph (a file path or inline JSON text starting with `{`):
   its external channels fix the engine's layout (the JACK ports) for its
   life.  Nothing is compiled until dsp_engine_start().
*/
DspStatus dsp_engine_open(DspEngine* engine, const char* source, DspError* err);

/**
   Like dsp_engine_open() with the graph given as JSON text that came from
   file `path` (may be NULL) in directory `dir` (relative file names in the
   graph resolve against it; may be NULL).  Used to resume a checkpoint.
*/
DspStatus dsp_engine_open_text(DspEngine*  engine,
                               const char* json,
                               const char* path,
                               const char* dir,
                               DspError*   err);

/// Directory relative paths of graphs resolve against, or NULL.
const char* dsp_engine_graph_dir(const DspEngine* engine);

/// Called once with the first plan compiled by dsp_engine_start(), after
/// its nodes are activated and before it is sent to the audio thread.
typedef void (*DspEngineRestoreFn)(void* data, DspPlan* plan);

/// Set (or clear) the function that restores node state at start.
void dsp_engine_set_restore(DspEngine*         engine,
                            DspEngineRestoreFn fn,
                            void*              data);

/// The graph whose external channels are the engine's layout, or NULL.
const DspGraph* dsp_engine_layout(const DspEngine* engine);

/**
   Compile the graph (and the prepared slots) at `rate` with `max_block` if
   not yet compiled or if the format changed, and make it play at once.
   Parameter values and bypass states already set are restored.
*/
DspStatus dsp_engine_start(DspEngine* engine,
                           double     rate,
                           uint32_t   max_block,
                           DspError*  err);

/// Set the default crossfade (ms) and tail limit (s) of loads and swaps.
void dsp_engine_set_swap_defaults(DspEngine* engine,
                                  double     xfade_ms,
                                  double     tail_s);

/// Set (or clear, with NULL) the commit hook.
void dsp_engine_set_commit_hook(DspEngine*    engine,
                                DspCommitHook hook,
                                void*         data);

/**
   Validate a graph (path or inline JSON): parse, check the layout, and
   compile it (instantiating its plugins) without playing it.

   @param name Set to the graph's name (size bytes), may be NULL.
*/
DspStatus dsp_engine_validate(DspEngine*  engine,
                              const char* source,
                              char*       name,
                              size_t      size,
                              DspError*   err);

/**
   Load a graph (path or inline JSON), compile it off the audio thread and
   crossfade to it over `xfade_ms` (negative: default), letting the old
   graph ring out for at most `tail_s` seconds (negative: default), at host
   frame `frame` (DSP_RUNTIME_NOW: the next block).
*/
DspStatus dsp_engine_load(DspEngine*  engine,
                          const char* source,
                          double      xfade_ms,
                          double      tail_s,
                          int64_t     frame,
                          DspError*   err);

/// Prepare a graph into slot `name` (replacing a slot of that name).
DspStatus dsp_engine_prepare(DspEngine*  engine,
                             const char* name,
                             const char* source,
                             DspError*   err);

/// Crossfade to the graph prepared in slot `name`; the slot is consumed.
DspStatus dsp_engine_swap(DspEngine*  engine,
                          const char* name,
                          double      xfade_ms,
                          double      tail_s,
                          int64_t     frame,
                          DspError*   err);

/// Free the graph prepared in slot `name`.
DspStatus dsp_engine_unload(DspEngine* engine, const char* name, DspError* err);

/// Number of prepared slots.
uint32_t dsp_engine_slot_count(const DspEngine* engine);

/// Name of slot `index` (owned by the engine).
const char* dsp_engine_slot_name(const DspEngine* engine, uint32_t index);

/// JSON source of slot `index` (owned by the engine).
const char* dsp_engine_slot_json(const DspEngine* engine, uint32_t index);

/// The playing graph as JSON text (owned by the engine), or NULL.
const char* dsp_engine_graph_json(const DspEngine* engine);

/// The playing graph's file, or NULL if it came inline.
const char* dsp_engine_graph_path(const DspEngine* engine);

/// The playing plan (owned by the runtime: use on this thread only), or
/// NULL.
DspPlan* dsp_engine_plan(const DspEngine* engine);

/**
   Set parameter `param` of node `node` to `value` over `ramp_ms` (negative:
   the graph's ramp_ms) at host frame `frame`.  Errors name the unknown
   node, the unknown parameter or the valid range.
*/
DspStatus dsp_engine_set_param(DspEngine*  engine,
                               const char* node,
                               const char* param,
                               float       value,
                               double      ramp_ms,
                               int64_t     frame,
                               DspError*   err);

/// The current (last set) value of a parameter.
DspStatus dsp_engine_get_param(const DspEngine* engine,
                               const char*      node,
                               const char*      param,
                               float*           value,
                               DspError*        err);

/**
   Find node `id` of the playing graph.

   @return The node (its descriptions may be read; owned by the plan), or
   NULL with `err` naming it.
*/
const DspNode* dsp_engine_find_node(const DspEngine* engine,
                                    const char*      id,
                                    uint32_t*        index,
                                    DspError*        err);

/// Current value of parameter `param` of node `node` (indices).
float dsp_engine_param_value(const DspEngine* engine,
                             uint32_t         node,
                             uint32_t         param);

/// True if node `node` (index) is bypassed.
bool dsp_engine_is_bypassed(const DspEngine* engine, uint32_t node);

/**
   Bypass node `node` (`on`) or process it again, crossfading over
   `ramp_ms` (negative: the default, DSP_ENGINE_BYPASS_MS).
*/
DspStatus dsp_engine_bypass(DspEngine*  engine,
                            const char* node,
                            bool        on,
                            double      ramp_ms,
                            int64_t     frame,
                            DspError*   err);

/// Default bypass crossfade, milliseconds.
#define DSP_ENGINE_BYPASS_MS 20.0

/// Fill `status`.
void dsp_engine_status(DspEngine* engine, DspEngineStatus* status);

/**
   Record a DSP_EVENT_FAULT read from the runtime's event ring.

   @return True if it is news about a node of the playing graph (not about
   a graph being replaced, and not from before the node was re-armed).
*/
bool dsp_engine_note_fault(DspEngine* engine, const DspEvent* event);

/// The fault of node `node` (index) of the playing graph, or NULL if none.
const DspNodeFault* dsp_engine_fault(const DspEngine* engine, uint32_t node);

/**
   Re-arm node `node` muted by a fault (docs/realtime.md#faulty-nodes): it
   is processed again, fading in from its dry input.  With `reset`, its DSP
   state is cleared first where its kind can do that on the audio thread
   (Faust, built-ins; `*did_reset` tells).  Not a recorded change: faults
   and re-arms are not checkpointed.  A node that is not muted is accepted
   too (its detector starts afresh).
*/
DspStatus dsp_engine_rearm(DspEngine*  engine,
                           const char* node,
                           bool        reset,
                           bool*       did_reset,
                           DspError*   err);

/**
   Send a sync marker; `*seq` gets its number for dsp_engine_synced().
*/
DspStatus dsp_engine_sync(DspEngine* engine, uint32_t* seq, DspError* err);

/// True once the audio thread has reached sync marker `seq`.
bool dsp_engine_synced(const DspEngine* engine, uint32_t seq);

/// Free plans the audio thread has retired.
void dsp_engine_collect(DspEngine* engine);

#endif // DSP_ENGINE_H
