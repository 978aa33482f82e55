// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_NODE_H
#define DSP_NODE_H

#include "common/error.h"
#include "common/status.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
   @file node.h
   The one interface every node kind (LV2, Faust, built-in) implements.

   Lifecycle, all off the audio thread unless marked [RT]:

     instantiate -> connect* -> activate
       -> (run [RT] | set_param [RT] | connect [RT])* -> deactivate -> free

   A node's ports and parameters are described by plain arrays owned by the
   node, filled by `instantiate`, so the compiler can validate a graph
   against the real plugin before anything runs.
*/

typedef struct DspLv2WorldImpl  DspLv2World;
typedef struct DspNodeImpl      DspNode;
typedef struct DspNodeClassImpl DspNodeClass;

/// Port direction.
typedef enum {
  DSP_PORT_INPUT  = 0, ///< Node reads this port
  DSP_PORT_OUTPUT = 1, ///< Node writes this port
} DspPortDir;

/// Parameter flags.
typedef enum {
  DSP_PARAM_TOGGLED     = 1U << 0U, ///< On/off (0 or 1)
  DSP_PARAM_INTEGER     = 1U << 1U, ///< Whole numbers only
  DSP_PARAM_LOGARITHMIC = 1U << 2U, ///< Best shown on a log scale
  DSP_PARAM_OUTPUT      = 1U << 3U, ///< Read-only value written by the node
} DspParamFlags;

/// An audio-rate port that can be connected in a graph.
typedef struct {
  char* symbol; ///< Name used in connections: LV2 symbol, Faust "in0"/"out1"
  char* name;   ///< Human-readable name
  bool  is_cv;  ///< LV2 CV port (audio-rate control), else audio
} DspPortInfo;

/// A control parameter.
typedef struct {
  char*    symbol; ///< Short name: LV2 symbol or Faust label
  char*    path;   ///< Full path (Faust "/zita/decay"), or NULL
  char*    name;   ///< Human-readable name
  char*    unit;   ///< Unit ("dB", "Hz", "ms"), or NULL
  float    min;    ///< Lowest valid value
  float    max;    ///< Highest valid value
  float    def;    ///< Default value
  uint32_t flags;  ///< DspParamFlags
} DspParamInfo;

/// What a node is made from: its entry in the graph.
typedef struct {
  const char*   id;        ///< Stable node id from the graph
  const char*   kind;      ///< "lv2", "faust", "gain", ...
  const json_t* config;    ///< The node's JSON object (borrowed)
  const char*   json_path; ///< JSON pointer of the node, "/nodes/3"
  const char*   base_dir;  ///< Directory for relative file names, or NULL
} DspNodeSpec;

/// The environment nodes are instantiated in.
typedef struct {
  double       sample_rate;       ///< Frames per second
  uint32_t     max_block;         ///< Largest n_frames passed to run()
  DspLv2World* lv2;               ///< Shared LV2 world, NULL if none loaded
  const char*  faust_cache_dir;   ///< Faust machine-code cache, NULL = none
  bool         threaded_worker;   ///< LV2 work in a thread (live), else inline
  const char*  faust_import_path; ///< Faust import dirs (':'), NULL = std
} DspNodeEnv;

/// Node kind vtable.  All functions are required unless noted.
struct DspNodeClassImpl {
  const char* kind;        ///< Kind name used in graphs
  const char* description; ///< One line for --list-plugins

  /// Create a node (allocates everything or nothing).
  DspStatus (*instantiate)(const DspNodeSpec* spec,
                           const DspNodeEnv*  env,
                           DspNode**          node,
                           DspError*          err);

  /**
     [RT] Connect an audio/CV port to a buffer of at least max_block floats
     (NULL: the node's own).  Also called on the audio thread between run()
     calls, when a port on the graph's edge follows the host's buffer
     (DspHostBuf): it must only store the pointer, as LV2's connect_port()
     does.  A node never writes a buffer connected to an input.
  */
  void (*connect)(DspNode* node, DspPortDir dir, uint32_t index, float* buf);

  /// Prepare to run (reset DSP state).
  DspStatus (*activate)(DspNode* node);

  /// [RT] Process `n_frames` (1..max_block) frames.
  void (*run)(DspNode* node, uint32_t n_frames);

  /// [RT] Set parameter `index`.  NULL: write through `DspNode::zones`.
  void (*set_param)(DspNode* node, uint32_t index, float value);

  /**
     Save opaque plugin state (beyond parameters) as a NUL-terminated string
     allocated with malloc, owned by the caller.  NULL if the kind has none;
     may set `*state` to NULL when this instance has nothing to save.
  */
  DspStatus (*save_state)(DspNode* node, char** state);

  /// Restore state previously returned by save_state.  NULL if none.
  DspStatus (*restore_state)(DspNode* node, const char* state);

  /// Stop running (the node may be activated again).
  void (*deactivate)(DspNode* node);

  /// Free kind-specific data (`DspNode::impl`).
  void (*free_impl)(DspNode* node);
  /**
     [RT] Reset DSP state (filter memories, delay lines) to what activate
     left, without allocating: used to re-arm a node muted by a fault
     (docs/realtime.md#faulty-nodes).  NULL if the kind cannot do that on
     the audio thread (LV2: deactivate/activate are not real-time safe).
  */
  void (*clear)(DspNode* node);
};

/// A node instance: common description plus kind-specific data.
struct DspNodeImpl {
  const DspNodeClass* klass;     ///< Kind vtable
  void*               impl;      ///< Kind data, freed by klass->free_impl
  char*               id;        ///< Node id (owned)
  uint32_t            n_inputs;  ///< Number of audio/CV inputs
  uint32_t            n_outputs; ///< Number of audio/CV outputs
  uint32_t            n_params;  ///< Number of parameters
  DspPortInfo*        inputs;    ///< Input port descriptions (owned)
  DspPortInfo*        outputs;   ///< Output port descriptions (owned)
  DspParamInfo*       params;    ///< Parameter descriptions (owned)
  float**             zones;     ///< Where the DSP reads each parameter
  bool                active;    ///< Between activate and deactivate
};

/**
   Allocate a node with zeroed port and parameter arrays.

   @return A node to be freed with dsp_node_free(), or NULL if out of memory.
*/
DspNode* dsp_node_alloc(const DspNodeClass* klass,
                        const char*         id,
                        uint32_t            n_inputs,
                        uint32_t            n_outputs,
                        uint32_t            n_params);

/// Fill a port description (copies strings).
DspStatus dsp_port_info_set(DspPortInfo* port,
                            const char*  symbol,
                            const char*  name,
                            bool         is_cv);

/// Fill a parameter description (copies strings; path and unit may be NULL).
DspStatus dsp_param_info_set(DspParamInfo* param,
                             const char*   symbol,
                             const char*   path,
                             const char*   name,
                             const char*   unit,
                             float         min,
                             float         max,
                             float         def,
                             uint32_t      flags);

/// Deactivate if active, free kind data and the node.  NULL is a no-op.
void dsp_node_free(DspNode* node);

/// Activate the node if not already active.
DspStatus dsp_node_activate(DspNode* node);

/// Deactivate the node if active.
void dsp_node_deactivate(DspNode* node);

/// Index of the port with `symbol` in direction `dir`, or -1.
int dsp_node_find_port(const DspNode* node, DspPortDir dir, const char* symbol);

/// Index of the parameter named `name` (symbol, then full path), or -1.
int dsp_node_find_param(const DspNode* node, const char* name);

/// [RT] Set parameter `index` to `value` (no range check; checked before).
static inline void
dsp_node_set_param(DspNode* const node, const uint32_t index, const float value)
{
  if (node->klass->set_param) {
    node->klass->set_param(node, index, value);
  } else if (node->zones[index]) {
    *node->zones[index] = value;
  }
}

/// Current value of parameter `index` (reads the zone).
float dsp_node_get_param(const DspNode* node, uint32_t index);

/**
   Check `value` against parameter `index`'s range.

   On failure fills `err` naming node, parameter and valid range.
*/
DspStatus dsp_node_check_param(const DspNode* node,
                               uint32_t       index,
                               float          value,
                               const char*    json_path,
                               DspError*      err);

#endif // DSP_NODE_H
