// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// libFuzzer harness: the graph parser and validator, then the compiler for
// graphs of built-in nodes and built-in Faust effects (no plugin loading,
// no Faust compilation, no files).

#include "compile/compile.h"
#include "graph/graph.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

/// True if every node is one the fuzzer may instantiate.
static int
safe_to_compile(const DspGraph* const graph)
{
  for (uint32_t i = 0U; i < graph->n_nodes; ++i) {
    const DspGraphNode* const node = &graph->nodes[i];
    if (!strcmp(node->kind, "lv2") ||
        (!strcmp(node->kind, "faust") &&
         (json_object_get(node->config, "file") ||
          json_object_get(node->config, "code")))) {
      return 0;
    }
  }
  return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t* const data, const size_t size)
{
  char* const text = (char*)malloc(size + 1U);
  if (!text) {
    return 0;
  }
  memcpy(text, data, size);
  text[size] = '\0';

  DspGraph* graph = NULL;
  DspError  err;
  if (!dsp_graph_load_string(text, "fuzz.json", NULL, &graph, &err)) {
    char buf[1400];
    dsp_error_format(&err, buf, sizeof(buf));
    if (safe_to_compile(graph)) {
      static const DspNodeEnv env  = { 48000.0, 64U, NULL, NULL, false, NULL };
      DspPlan*                plan = NULL;
      if (!dsp_compile(graph, &env, &plan, &err)) {
        // Run a block: buffers and ops the compiler made must be valid
        static float in_buf[DSP_GRAPH_MAX_CHANNELS][64];
        static float out_buf[DSP_GRAPH_MAX_CHANNELS][64];
        const float* in[DSP_GRAPH_MAX_CHANNELS];
        float*       out[DSP_GRAPH_MAX_CHANNELS];
        for (uint32_t c = 0U; c < DSP_GRAPH_MAX_CHANNELS; ++c) {
          in[c]  = in_buf[c];
          out[c] = out_buf[c];
        }
        dsp_plan_run(plan, in, out, 64U);
        dsp_plan_free(plan); // owns the graph now
        graph = NULL;
      }
    }
    dsp_graph_free(graph);
  } else {
    char buf[1400];
    dsp_error_format(&err, buf, sizeof(buf));
  }

  free(text);
  return 0;
}
