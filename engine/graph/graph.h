// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_GRAPH_H
#define DSP_GRAPH_H

#include "common/error.h"

#include <jansson.h>

#include <stdint.h>

/**
   @file graph.h
   A parsed effect graph: what the user wrote, checked for form but not yet
   bound to plugins.  See docs/graph-format.md.
*/

/// Reserved node id for the graph's external channels in connections.
#define DSP_GRAPH_EXTERNAL "graph"

/// One end of a connection: a node's port, or an external channel.
typedef struct {
  char* node; ///< Node id, or DSP_GRAPH_EXTERNAL
  char* port; ///< Port symbol, or external channel name
} DspEndpoint;

/// A connection from an output (or external input) to an input.
typedef struct {
  DspEndpoint from;     ///< Source
  DspEndpoint to;       ///< Destination
  char        path[48]; ///< JSON pointer of the connection
} DspGraphConn;

/// A parameter value given in the graph.
typedef struct {
  char* name;     ///< Parameter name (symbol or full path)
  float value;    ///< Value
  char  path[96]; ///< JSON pointer of the value
} DspGraphParam;

/// A node as written in the graph.
typedef struct {
  char*          id;       ///< Stable id
  char*          kind;     ///< Node kind
  json_t*        config;   ///< The node's JSON object (reference owned)
  char           path[32]; ///< JSON pointer, "/nodes/3"
  uint32_t       n_params; ///< Number of parameter values
  DspGraphParam* params;   ///< Parameter values in file order
} DspGraphNode;

/// A whole graph.
typedef struct {
  char*         name;      ///< Graph name
  char*         source;    ///< File it was read from, or "<inline>"
  char*         base_dir;  ///< Directory for relative paths, or NULL
  json_t*       root;      ///< The whole document (reference owned)
  uint32_t      n_inputs;  ///< External input channels
  uint32_t      n_outputs; ///< External output channels
  char**        inputs;    ///< Input channel names
  char**        outputs;   ///< Output channel names
  uint32_t      n_nodes;   ///< Number of nodes
  DspGraphNode* nodes;     ///< Nodes in file order
  uint32_t      n_conns;   ///< Number of connections
  DspGraphConn* conns;     ///< Connections in file order
} DspGraph;

/// Documented input limits (see docs/graph-format.md).
#define DSP_GRAPH_MAX_BYTES (4U * 1024U * 1024U) ///< Graph document size
#define DSP_GRAPH_MAX_NODES 256U                 ///< Nodes in a graph
#define DSP_GRAPH_MAX_CONNS 4096U                ///< Connections
#define DSP_GRAPH_MAX_CHANNELS 64U               ///< External channels
#define DSP_GRAPH_MAX_DEPTH 32U                  ///< JSON nesting depth
#define DSP_GRAPH_MAX_NAME 128U                  ///< Id/name/port length
#define DSP_GRAPH_MAX_PARAM_NAME 256U            ///< Parameter name length
#define DSP_GRAPH_MAX_PARAMS 1024U               ///< Values in one "params"
#define DSP_GRAPH_MAX_PATH 4096U           ///< "uri", "file", "effect" length
#define DSP_GRAPH_MAX_CODE (1024U * 1024U) ///< Inline Faust "code" length
#define DSP_GRAPH_MAX_TEXT 4096U           ///< "description" length

/**
   Read and parse a graph file.

   Syntax errors report file, line and column; other errors the JSON path
   and what was expected.

   @param[out] graph Set to a graph to free with dsp_graph_free().
*/
DspStatus dsp_graph_load_file(const char* path,
                              DspGraph**  graph,
                              DspError*   err);

/**
   Parse a graph from JSON text.

   @param source Name used in messages (a file name, or "<inline>").
   @param base_dir Directory for relative paths in the graph, or NULL.
*/
DspStatus dsp_graph_load_string(const char* text,
                                const char* source,
                                const char* base_dir,
                                DspGraph**  graph,
                                DspError*   err);

/// Free a graph.  NULL is a no-op.
void dsp_graph_free(DspGraph* graph);

/// Index of the node with `id`, or -1.
int dsp_graph_find_node(const DspGraph* graph, const char* id);

/// Index of external input (`is_input`) or output channel `name`, or -1.
int dsp_graph_find_channel(const DspGraph* graph,
                           int             is_input,
                           const char*     name);

#endif // DSP_GRAPH_H
