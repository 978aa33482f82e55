// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "describe.h"

#include <jansson.h>

#include <stdlib.h>

static const char*
node_source(const DspGraphNode* const gnode)
{
  static const char* const keys[] = { "uri", "effect", "file", NULL };
  for (const char* const* k = keys; *k; ++k) {
    const json_t* const v = json_object_get(gnode->config, *k);
    if (json_is_string(v)) {
      return json_string_value(v);
    }
  }
  return json_object_get(gnode->config, "code") ? "(inline Faust code)" : "";
}

static void
print_ports(FILE* const              out,
            const char* const        label,
            const DspPortInfo* const ports,
            const uint32_t           n)
{
  fprintf(out, "    %s:", label);
  for (uint32_t i = 0U; i < n; ++i) {
    fprintf(out, " %s%s", ports[i].symbol, ports[i].is_cv ? " (cv)" : "");
  }
  fprintf(out, "%s\n", n ? "" : " none");
}

void
dsp_describe_text(const DspPlan* const plan, FILE* const out)
{
  const DspGraph* const graph = plan->graph;
  fprintf(out, "graph \"%s\" (%s): valid\n", graph->name, graph->source);
  fprintf(out, "  inputs:");
  for (uint32_t i = 0U; i < graph->n_inputs; ++i) {
    fprintf(out, " %s", graph->inputs[i]);
  }
  fprintf(out, "\n  outputs:");
  for (uint32_t i = 0U; i < graph->n_outputs; ++i) {
    fprintf(out, " %s", graph->outputs[i]);
  }
  fprintf(out, "\n  nodes (%u, run order):\n", plan->n_steps);

  for (uint32_t s = 0U; s < plan->n_steps; ++s) {
    const DspNode* const      node  = plan->steps[s].node;
    const int                 index = dsp_graph_find_node(graph, node->id);
    const DspGraphNode* const gnode = &graph->nodes[index];
    fprintf(out, "  %s [%s] %s\n", node->id, gnode->kind, node_source(gnode));
    print_ports(out, "inputs ", node->inputs, node->n_inputs);
    print_ports(out, "outputs", node->outputs, node->n_outputs);
    for (uint32_t p = 0U; p < node->n_params; ++p) {
      const DspParamInfo* const param = &node->params[p];
      fprintf(out,
              "    %s %-16s %10g  [%g, %g] default %g%s%s%s%s\n",
              (param->flags & DSP_PARAM_OUTPUT) ? "out" : "   ",
              param->symbol,
              (double)dsp_node_get_param(node, p),
              (double)param->min,
              (double)param->max,
              (double)param->def,
              param->unit ? " " : "",
              param->unit ? param->unit : "",
              param->path ? "  " : "",
              param->path ? param->path : "");
    }
  }

  fprintf(out, "  connections (%u):\n", graph->n_conns);
  for (uint32_t k = 0U; k < graph->n_conns; ++k) {
    const DspGraphConn* const c = &graph->conns[k];
    fprintf(out,
            "    %s:%s -> %s:%s\n",
            c->from.node,
            c->from.port,
            c->to.node,
            c->to.port);
  }
  fprintf(out,
          "  plan: %u buffers for %u signals, %u summing ops\n",
          plan->n_buffers,
          plan->n_values,
          plan->n_mix);
}

static json_t*
ports_json(const DspPortInfo* const ports, const uint32_t n)
{
  json_t* const array = json_array();
  for (uint32_t i = 0U; i < n; ++i) {
    json_array_append_new(array,
                          json_pack("{s:s, s:s, s:b}",
                                    "symbol",
                                    ports[i].symbol,
                                    "name",
                                    ports[i].name,
                                    "cv",
                                    ports[i].is_cv));
  }
  return array;
}

void
dsp_describe_json(const DspPlan* const plan, FILE* const out)
{
  const DspGraph* const graph = plan->graph;
  json_t* const         nodes = json_array();
  for (uint32_t s = 0U; s < plan->n_steps; ++s) {
    const DspNode* const node   = plan->steps[s].node;
    json_t* const        params = json_array();
    for (uint32_t p = 0U; p < node->n_params; ++p) {
      const DspParamInfo* const pi = &node->params[p];
      json_array_append_new(
        params,
        json_pack("{s:s, s:s?, s:s, s:s?, s:f, s:f, s:f, s:f, s:b}",
                  "symbol",
                  pi->symbol,
                  "path",
                  pi->path,
                  "name",
                  pi->name,
                  "unit",
                  pi->unit,
                  "min",
                  (double)pi->min,
                  "max",
                  (double)pi->max,
                  "default",
                  (double)pi->def,
                  "value",
                  (double)dsp_node_get_param(node, p),
                  "output",
                  (pi->flags & DSP_PARAM_OUTPUT) != 0U));
    }

    const int index = dsp_graph_find_node(graph, node->id);
    json_array_append_new(nodes,
                          json_pack("{s:s, s:s, s:o, s:o, s:o}",
                                    "id",
                                    node->id,
                                    "kind",
                                    graph->nodes[index].kind,
                                    "inputs",
                                    ports_json(node->inputs, node->n_inputs),
                                    "outputs",
                                    ports_json(node->outputs, node->n_outputs),
                                    "params",
                                    params));
  }

  json_t* const doc = json_pack("{s:s, s:b, s:O, s:O, s:o, s:O, s:{s:i, s:i}}",
                                "graph",
                                graph->name,
                                "valid",
                                1,
                                "inputs",
                                json_object_get(graph->root, "inputs"),
                                "outputs",
                                json_object_get(graph->root, "outputs"),
                                "nodes",
                                nodes,
                                "connections",
                                json_object_get(graph->root, "connections"),
                                "plan",
                                "buffers",
                                (int)plan->n_buffers,
                                "signals",
                                (int)plan->n_values);
  if (doc) {
    json_dumpf(doc, out, JSON_INDENT(2));
    fputc('\n', out);
  }
  json_decref(doc);
}
