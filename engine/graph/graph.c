// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "graph.h"

#include <stdlib.h>
#include <string.h>

void
dsp_graph_free(DspGraph* const graph)
{
  if (!graph) {
    return;
  }

  for (uint32_t i = 0U; graph->nodes && i < graph->n_nodes; ++i) {
    DspGraphNode* const node = &graph->nodes[i];
    for (uint32_t p = 0U; node->params && p < node->n_params; ++p) {
      free(node->params[p].name);
    }
    free(node->params);
    free(node->id);
    free(node->kind);
    json_decref(node->config);
  }

  for (uint32_t i = 0U; graph->conns && i < graph->n_conns; ++i) {
    free(graph->conns[i].from.node);
    free(graph->conns[i].from.port);
    free(graph->conns[i].to.node);
    free(graph->conns[i].to.port);
  }

  for (uint32_t i = 0U; graph->inputs && i < graph->n_inputs; ++i) {
    free(graph->inputs[i]);
  }
  for (uint32_t i = 0U; graph->outputs && i < graph->n_outputs; ++i) {
    free(graph->outputs[i]);
  }

  free(graph->nodes);
  free(graph->conns);
  free((void*)graph->inputs);
  free((void*)graph->outputs);
  free(graph->name);
  free(graph->source);
  free(graph->base_dir);
  json_decref(graph->root);
  free(graph);
}

int
dsp_graph_find_node(const DspGraph* const graph, const char* const id)
{
  for (uint32_t i = 0U; i < graph->n_nodes; ++i) {
    if (!strcmp(graph->nodes[i].id, id)) {
      return (int)i;
    }
  }
  return -1;
}

int
dsp_graph_find_channel(const DspGraph* const graph,
                       const int             is_input,
                       const char* const     name)
{
  char* const* const names = is_input ? graph->inputs : graph->outputs;
  const uint32_t     n     = is_input ? graph->n_inputs : graph->n_outputs;
  for (uint32_t i = 0U; i < n; ++i) {
    if (!strcmp(names[i], name)) {
      return (int)i;
    }
  }
  return -1;
}
