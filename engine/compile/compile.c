// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "compile.h"

#include "bufalloc.h"
#include "nodes/registry.h"
#include "topo.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Buffers are padded to a multiple of this many floats (64-byte lines).
#define DSP_BUF_ALIGN 16U

/// A connection bound to indices.
typedef struct {
  uint32_t src;      ///< Source value index
  int      src_node; ///< Source node (graph index), or -1 for external
  int      dst_node; ///< Destination node (graph index), or -1 for external
  uint32_t dst_port; ///< Destination input port, or external output channel
} Bound;

/// Compilation state, freed at the end whatever happens.
typedef struct {
  const DspGraph* graph;
  DspError*       err;
  DspPlan*        plan;
  Bound*          bound;       ///< One per connection
  uint32_t*       value_base;  ///< Per node: index of its first output value
  uint32_t        n_values;    ///< External inputs + node outputs + sums
  uint32_t*       step_of;     ///< Per node: its step (1..n)
  uint32_t*       order;       ///< Node indices in run order
  DspLifetime*    lives;       ///< Per value
  int*            used;        ///< Per value: has a reader
  uint32_t*       slots;       ///< Per value: buffer index
  uint32_t*       sum_value;   ///< Per (node, input): sum value or UINT32_MAX
  uint32_t*       in_base;     ///< Per node: index of first input in sum_value
  uint32_t*       out_channel; ///< Per value: output written in place, or none
  size_t          stride;      ///< Floats from one buffer to the next
} Compiler;

static const char*
list_names(char* const        buf,
           const size_t       size,
           const DspPortInfo* ports,
           const uint32_t     n)
{
  buf[0] = '\0';
  for (uint32_t i = 0U; i < n; ++i) {
    const size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s", i ? ", " : "", ports[i].symbol);
  }
  return n ? buf : "none";
}

static DspStatus
no_mem(Compiler* const c)
{
  return dsp_error_set(c->err, DSP_ERR_NO_MEM, NULL, "out of memory");
}

static DspStatus
instantiate_nodes(Compiler* const c, const DspNodeEnv* const env)
{
  const DspGraph* const graph = c->graph;
  DspPlan* const        plan  = c->plan;

  for (uint32_t i = 0U; i < graph->n_nodes; ++i) {
    const DspGraphNode* const gnode = &graph->nodes[i];
    const DspNodeClass* const klass = dsp_registry_find(gnode->kind);
    if (!klass) {
      char path[64];
      char kinds[160] = { 0 };
      for (const DspNodeClass* const* k = dsp_registry_classes(); *k; ++k) {
        const size_t len = strlen(kinds);
        snprintf(kinds + len,
                 sizeof(kinds) - len,
                 "%s%s",
                 len ? ", " : "",
                 (*k)->kind);
      }
      snprintf(path, sizeof(path), "%s/kind", gnode->path);
      return dsp_error_set(c->err,
                           DSP_ERR_NOT_FOUND,
                           path,
                           "unknown node kind \"%s\" (expected one of: %s)",
                           gnode->kind,
                           kinds);
    }

    const DspNodeSpec spec = {
      gnode->id, gnode->kind, gnode->config, gnode->path, graph->base_dir
    };

    DspStatus st = klass->instantiate(&spec, env, &plan->nodes[i], c->err);
    if (st) {
      if (!c->err || !c->err->message[0]) {
        dsp_error_set(c->err,
                      st,
                      gnode->path,
                      "node \"%s\" failed to instantiate",
                      gnode->id);
      }
      return st;
    }

    // Graph values override the plugin's defaults
    DspNode* const node = plan->nodes[i];
    for (uint32_t p = 0U; p < gnode->n_params; ++p) {
      const DspGraphParam* const gp    = &gnode->params[p];
      const int                  index = dsp_node_find_param(node, gp->name);
      if (index < 0) {
        char names[512] = { 0 };
        for (uint32_t k = 0U; k < node->n_params; ++k) {
          const size_t len = strlen(names);
          if (!(node->params[k].flags & DSP_PARAM_OUTPUT)) {
            snprintf(names + len,
                     sizeof(names) - len,
                     "%s%s",
                     len ? ", " : "",
                     node->params[k].symbol);
          }
        }
        return dsp_error_set(c->err,
                             DSP_ERR_NOT_FOUND,
                             gp->path,
                             "node \"%s\" has no parameter \"%s\" "
                             "(parameters: %s)",
                             node->id,
                             gp->name,
                             names[0] ? names : "none");
      }

      if ((st = dsp_node_check_param(
             node, (uint32_t)index, gp->value, gp->path, c->err))) {
        return st;
      }
      dsp_node_set_param(node, (uint32_t)index, gp->value);
    }
  }

  return DSP_SUCCESS;
}

/// Bind every connection to node and port indices.
static DspStatus
bind_connections(Compiler* const c)
{
  const DspGraph* const graph = c->graph;
  DspPlan* const        plan  = c->plan;

  // Values: external inputs first, then each node's outputs
  c->n_values = graph->n_inputs;
  for (uint32_t i = 0U; i < graph->n_nodes; ++i) {
    c->value_base[i] = c->n_values;
    c->n_values += plan->nodes[i]->n_outputs;
  }

  char names[512];
  char path[96];
  for (uint32_t k = 0U; k < graph->n_conns; ++k) {
    const DspGraphConn* const conn = &graph->conns[k];
    Bound* const              b    = &c->bound[k];

    snprintf(path, sizeof(path), "%s/from", conn->path);
    if (!strcmp(conn->from.node, DSP_GRAPH_EXTERNAL)) {
      b->src_node = -1;
      b->src      = (uint32_t)dsp_graph_find_channel(graph, 1, conn->from.port);
    } else {
      b->src_node               = dsp_graph_find_node(graph, conn->from.node);
      const DspNode* const node = plan->nodes[b->src_node];
      const int            port =
        dsp_node_find_port(node, DSP_PORT_OUTPUT, conn->from.port);
      if (port < 0) {
        const bool is_input =
          dsp_node_find_port(node, DSP_PORT_INPUT, conn->from.port) >= 0;
        return dsp_error_set(
          c->err,
          DSP_ERR_NOT_FOUND,
          path,
          "node \"%s\" has no output port \"%s\"%s (outputs: %s)",
          node->id,
          conn->from.port,
          is_input ? " (it is an input)" : "",
          list_names(names, sizeof(names), node->outputs, node->n_outputs));
      }
      b->src = c->value_base[b->src_node] + (uint32_t)port;
    }

    snprintf(path, sizeof(path), "%s/to", conn->path);
    if (!strcmp(conn->to.node, DSP_GRAPH_EXTERNAL)) {
      b->dst_node = -1;
      b->dst_port = (uint32_t)dsp_graph_find_channel(graph, 0, conn->to.port);
    } else {
      b->dst_node               = dsp_graph_find_node(graph, conn->to.node);
      const DspNode* const node = plan->nodes[b->dst_node];
      const int port = dsp_node_find_port(node, DSP_PORT_INPUT, conn->to.port);
      if (port < 0) {
        const bool is_output =
          dsp_node_find_port(node, DSP_PORT_OUTPUT, conn->to.port) >= 0;
        return dsp_error_set(
          c->err,
          DSP_ERR_NOT_FOUND,
          path,
          "node \"%s\" has no input port \"%s\"%s (inputs: %s)",
          node->id,
          conn->to.port,
          is_output ? " (it is an output)" : "",
          list_names(names, sizeof(names), node->inputs, node->n_inputs));
      }
      b->dst_port = (uint32_t)port;
    }
  }

  return DSP_SUCCESS;
}

static DspStatus
order_nodes(Compiler* const c)
{
  const DspGraph* const graph = c->graph;
  const uint32_t        n     = graph->n_nodes;
  DspEdge* const edges = (DspEdge*)calloc(graph->n_conns + 1U, sizeof(DspEdge));
  uint32_t* const cycle   = (uint32_t*)calloc(n + 2U, sizeof(uint32_t));
  uint32_t        n_edges = 0U;
  if (!edges || !cycle) {
    free(edges);
    free(cycle);
    return no_mem(c);
  }

  for (uint32_t k = 0U; k < graph->n_conns; ++k) {
    if (c->bound[k].src_node >= 0 && c->bound[k].dst_node >= 0) {
      edges[n_edges].from = (uint32_t)c->bound[k].src_node;
      edges[n_edges].to   = (uint32_t)c->bound[k].dst_node;
      ++n_edges;
    }
  }

  uint32_t  cycle_len = 0U;
  DspStatus st = dsp_topo_sort(n, edges, n_edges, c->order, cycle, &cycle_len);
  if (st == DSP_ERR_CYCLE) {
    char names[512] = { 0 };
    for (uint32_t i = 0U; i < cycle_len; ++i) {
      const size_t len = strlen(names);
      snprintf(names + len,
               sizeof(names) - len,
               "%s%s",
               i ? " -> " : "",
               graph->nodes[cycle[i]].id);
    }
    st = dsp_error_set(c->err,
                       DSP_ERR_CYCLE,
                       "/connections",
                       "connections form a cycle: %s (a graph must be "
                       "acyclic)",
                       names);
  } else if (st) {
    st = no_mem(c);
  }

  for (uint32_t k = 0U; !st && k < n; ++k) {
    c->step_of[c->order[k]] = k + 1U;
  }

  free(edges);
  free(cycle);
  return st;
}

/// Number of connections into node `node` port `port` (node -1: external).
static uint32_t
count_sources(const Compiler* const c, const int node, const uint32_t port)
{
  uint32_t n = 0U;
  for (uint32_t k = 0U; k < c->graph->n_conns; ++k) {
    n += (c->bound[k].dst_node == node && c->bound[k].dst_port == port);
  }
  return n;
}

/// Compute value lifetimes, including sum values for fan-in inputs.
static DspStatus
compute_lifetimes(Compiler* const c)
{
  const DspGraph* const graph = c->graph;
  DspPlan* const        plan  = c->plan;
  const uint32_t        final = graph->n_nodes + 1U;

  // Count fan-in points to size the value arrays
  uint32_t n_inputs_total = 0U;
  for (uint32_t i = 0U; i < graph->n_nodes; ++i) {
    c->in_base[i] = n_inputs_total;
    n_inputs_total += plan->nodes[i]->n_inputs;
  }

  c->sum_value = (uint32_t*)calloc(n_inputs_total + 1U, sizeof(uint32_t));
  if (!c->sum_value) {
    return no_mem(c);
  }

  uint32_t n_sums = 0U;
  for (uint32_t i = 0U; i < graph->n_nodes; ++i) {
    for (uint32_t p = 0U; p < plan->nodes[i]->n_inputs; ++p) {
      const bool fan_in = count_sources(c, (int)i, p) > 1U;
      c->sum_value[c->in_base[i] + p] =
        fan_in ? c->n_values + n_sums++ : UINT32_MAX;
    }
  }

  const uint32_t n_values = c->n_values + n_sums;
  c->lives = (DspLifetime*)calloc(n_values + 1U, sizeof(DspLifetime));
  c->used  = (int*)calloc(n_values + 1U, sizeof(int));
  c->slots = (uint32_t*)calloc(n_values + 1U, sizeof(uint32_t));
  if (!c->lives || !c->used || !c->slots) {
    return no_mem(c);
  }

  for (uint32_t i = 0U; i < graph->n_nodes; ++i) {
    const uint32_t step = c->step_of[i];
    for (uint32_t q = 0U; q < plan->nodes[i]->n_outputs; ++q) {
      c->lives[c->value_base[i] + q] = (DspLifetime){ step, step };
    }
    for (uint32_t p = 0U; p < plan->nodes[i]->n_inputs; ++p) {
      const uint32_t sum = c->sum_value[c->in_base[i] + p];
      if (sum != UINT32_MAX) {
        c->lives[sum] = (DspLifetime){ step, step };
        c->used[sum]  = 1;
      }
    }
  }

  for (uint32_t k = 0U; k < graph->n_conns; ++k) {
    const Bound* const b    = &c->bound[k];
    const uint32_t     step = b->dst_node < 0 ? final : c->step_of[b->dst_node];
    DspLifetime* const life = &c->lives[b->src];
    life->last              = step > life->last ? step : life->last;
    c->used[b->src]         = 1;
  }

  c->n_values = n_values;
  return DSP_SUCCESS;
}

static DspStatus
allocate_buffers(Compiler* const c, const uint32_t max_block)
{
  DspPlan* const plan = c->plan;

  // Assign only used values; unused outputs go to the sink
  uint32_t* const map = (uint32_t*)calloc(c->n_values + 1U, sizeof(uint32_t));
  DspLifetime* const lives =
    (DspLifetime*)calloc(c->n_values + 1U, sizeof(DspLifetime));
  uint32_t* const slots = (uint32_t*)calloc(c->n_values + 1U, sizeof(uint32_t));
  if (!map || !lives || !slots) {
    free(map);
    free(lives);
    free(slots);
    return no_mem(c);
  }

  uint32_t n_used = 0U;
  for (uint32_t v = 0U; v < c->n_values; ++v) {
    if (c->used[v]) {
      map[n_used]     = v;
      lives[n_used++] = c->lives[v];
    }
  }

  uint32_t  n_slots = 0U;
  DspStatus st      = dsp_bufalloc_assign(n_used, lives, slots, &n_slots);
  for (uint32_t u = 0U; !st && u < n_used; ++u) {
    c->slots[map[u]] = slots[u];
  }
  free(map);
  free(lives);
  free(slots);
  if (st) {
    return no_mem(c);
  }

  const size_t stride =
    ((size_t)max_block + DSP_BUF_ALIGN - 1U) / DSP_BUF_ALIGN * DSP_BUF_ALIGN;
  const size_t bytes = stride * (n_slots + 2U) * sizeof(float);
  plan->arena        = (float*)aligned_alloc(64U, bytes);
  if (!plan->arena) {
    return no_mem(c);
  }

  memset(plan->arena, 0, bytes);
  plan->n_buffers = n_slots;
  plan->n_values  = n_used;
  plan->silence   = plan->arena + stride * n_slots;
  plan->sink      = plan->silence + stride;

  // Remember each used value's buffer pointer in its slot entry's place
  for (uint32_t v = 0U; v < c->n_values; ++v) {
    c->slots[v] = c->used[v] ? c->slots[v] : UINT32_MAX;
  }
  c->stride = stride;
  return DSP_SUCCESS;
}

static float*
value_buffer(const Compiler* const c, const uint32_t value)
{
  const uint32_t slot = c->slots[value];
  return slot == UINT32_MAX ? c->plan->sink : c->plan->arena + c->stride * slot;
}

/**
   Pick the node outputs that write an external output in place: a channel
   fed by exactly one connection, from a node, gets that node's output
   buffer (each value at most one channel; the others copy from it).
*/
static DspStatus
choose_host_bufs(Compiler* const c)
{
  const DspGraph* const graph = c->graph;
  c->out_channel = (uint32_t*)malloc((c->n_values + 1U) * sizeof(uint32_t));
  DspPlan* const plan = c->plan;
  plan->host_bufs = (DspHostBuf*)calloc(graph->n_conns + graph->n_outputs + 1U,
                                        sizeof(DspHostBuf));
  plan->host_in   = (const float**)calloc(graph->n_inputs + 1U, sizeof(float*));
  plan->host_out  = (float**)calloc(graph->n_outputs + 1U, sizeof(float*));
  plan->own_in    = (float**)calloc(graph->n_inputs + 1U, sizeof(float*));
  plan->own_out   = (float**)calloc(graph->n_outputs + 1U, sizeof(float*));
  if (!c->out_channel || !plan->host_bufs || !plan->host_in ||
      !plan->host_out || !plan->own_in || !plan->own_out) {
    return no_mem(c);
  }

  for (uint32_t ch = 0U; ch < graph->n_inputs; ++ch) {
    plan->own_in[ch] = c->used[ch] ? value_buffer(c, ch) : NULL;
  }

  for (uint32_t v = 0U; v < c->n_values; ++v) {
    c->out_channel[v] = UINT32_MAX;
  }
  for (uint32_t ch = 0U; ch < graph->n_outputs; ++ch) {
    const Bound* sole = NULL;
    uint32_t     n    = 0U;
    for (uint32_t e = 0U; e < graph->n_conns; ++e) {
      const Bound* const b = &c->bound[e];
      if (b->dst_node < 0 && b->dst_port == ch) {
        sole = b;
        ++n;
      }
    }
    if (n == 1U && sole->src_node >= 0 &&
        c->out_channel[sole->src] == UINT32_MAX) {
      c->out_channel[sole->src] = ch;
      plan->own_out[ch]         = value_buffer(c, sole->src);
    }
  }
  return DSP_SUCCESS;
}

/// Note that the site (`kind`, `at`, `port`) reads or writes `value`, if
/// that value lives in the caller's buffers.
static void
add_host_buf(Compiler* const      c,
             const uint32_t       value,
             const DspHostBufKind kind,
             const uint32_t       at,
             const uint32_t       port)
{
  DspPlan* const plan = c->plan;
  if (value < c->graph->n_inputs) {
    plan->host_bufs[plan->n_host_bufs++] =
      (DspHostBuf){ kind, 0U, value, at, port };
  } else if (c->out_channel[value] != UINT32_MAX) {
    plan->host_bufs[plan->n_host_bufs++] =
      (DspHostBuf){ kind, 1U, c->out_channel[value], at, port };
  }
}

static DspStatus
build_steps(Compiler* const c)
{
  const DspGraph* const graph = c->graph;
  DspPlan* const        plan  = c->plan;

  plan->n_steps = graph->n_nodes;
  plan->steps   = (DspPlanStep*)calloc(plan->n_steps + 1U, sizeof(DspPlanStep));
  plan->mix     = (DspMixOp*)calloc(graph->n_conns + 1U, sizeof(DspMixOp));
  plan->out_ops = (DspOutputOp*)calloc(graph->n_conns + graph->n_outputs + 1U,
                                       sizeof(DspOutputOp));
  if (!plan->steps || !plan->mix || !plan->out_ops) {
    return no_mem(c);
  }

  uint32_t n_ports = 0U;
  for (uint32_t i = 0U; i < graph->n_nodes; ++i) {
    n_ports += plan->nodes[i]->n_inputs + plan->nodes[i]->n_outputs;
  }
  plan->step_ports = (float**)calloc(n_ports + 1U, sizeof(float*));
  if (!plan->step_ports) {
    return no_mem(c);
  }

  n_ports = 0U;
  for (uint32_t k = 0U; k < plan->n_steps; ++k) {
    const uint32_t     i    = c->order[k];
    DspNode* const     node = plan->nodes[i];
    DspPlanStep* const step = &plan->steps[k];
    step->node              = node;
    step->run               = node->klass->run;
    step->mix_begin         = plan->n_mix;
    step->index             = i;
    step->ports             = plan->step_ports + n_ports;
    n_ports += node->n_inputs + node->n_outputs;

    for (uint32_t p = 0U; p < node->n_inputs; ++p) {
      const uint32_t sum = c->sum_value[c->in_base[i] + p];
      float*         buf = plan->silence;
      if (sum != UINT32_MAX) {
        buf        = value_buffer(c, sum);
        bool first = true;
        for (uint32_t e = 0U; e < graph->n_conns; ++e) {
          const Bound* const b = &c->bound[e];
          if (b->dst_node == (int)i && b->dst_port == p) {
            add_host_buf(c, b->src, DSP_HOST_MIX, plan->n_mix, 0U);
            plan->mix[plan->n_mix++] =
              (DspMixOp){ buf, value_buffer(c, b->src), !first };
            first = false;
          }
        }
      } else {
        for (uint32_t e = 0U; e < graph->n_conns; ++e) {
          const Bound* const b = &c->bound[e];
          if (b->dst_node == (int)i && b->dst_port == p) {
            buf = value_buffer(c, b->src);
            add_host_buf(c, b->src, DSP_HOST_PORT, k, p);
          }
        }
      }
      node->klass->connect(node, DSP_PORT_INPUT, p, buf);
      step->ports[p] = buf;
    }

    for (uint32_t q = 0U; q < node->n_outputs; ++q) {
      float* const buf = value_buffer(c, c->value_base[i] + q);
      add_host_buf(
        c, c->value_base[i] + q, DSP_HOST_PORT, k, node->n_inputs + q);
      node->klass->connect(node, DSP_PORT_OUTPUT, q, buf);
      step->ports[node->n_inputs + q] = buf;
    }
    step->mix_end = plan->n_mix;
  }

  for (uint32_t ch = 0U; ch < graph->n_outputs; ++ch) {
    bool first = true;
    for (uint32_t e = 0U; e < graph->n_conns; ++e) {
      const Bound* const b = &c->bound[e];
      if (b->dst_node < 0 && b->dst_port == ch) {
        add_host_buf(c, b->src, DSP_HOST_OUT, plan->n_out_ops, 0U);
        plan->out_ops[plan->n_out_ops++] =
          (DspOutputOp){ ch, value_buffer(c, b->src), !first };
        first = false;
      }
    }
    if (first) {
      plan->out_ops[plan->n_out_ops++] = (DspOutputOp){ ch, plan->silence, 0U };
    }
  }

  return DSP_SUCCESS;
}

static DspStatus
activate_nodes(Compiler* const c)
{
  for (uint32_t k = 0U; k < c->plan->n_steps; ++k) {
    DspNode* const  node = c->plan->steps[k].node;
    const DspStatus st   = dsp_node_activate(node);
    if (st) {
      return dsp_error_set(c->err,
                           st,
                           c->graph->nodes[c->order[k]].path,
                           "node \"%s\" failed to activate: %s",
                           node->id,
                           dsp_status_string(st));
    }
  }
  return DSP_SUCCESS;
}

/// Smoothing state for every parameter, and per-step timing counters.
static DspStatus
prepare_ramps(Compiler* const c)
{
  DspPlan* const      plan = c->plan;
  const json_t* const ramp = json_object_get(c->graph->root, "ramp_ms");
  const double        ms =
    json_is_number(ramp) ? json_number_value(ramp) : DSP_PLAN_DEFAULT_RAMP_MS;
  const double n    = ms * plan->sample_rate / 1000.0;
  plan->ramp_frames = n > 0.0 ? (uint32_t)(n + 0.5) : 0U;

  plan->n_ramps = 0U;
  for (uint32_t i = 0U; i < plan->n_nodes; ++i) {
    plan->n_ramps += plan->nodes[i]->n_params;
  }

  plan->ramps = (DspParamRamp*)calloc(plan->n_ramps + 1U, sizeof(DspParamRamp));
  plan->ramp_base = (uint32_t*)calloc(plan->n_nodes + 1U, sizeof(uint32_t));
  plan->ramping   = (uint32_t*)calloc(plan->n_ramps + 1U, sizeof(uint32_t));
  plan->step_ns   = (uint64_t*)calloc(plan->n_steps + 1U, sizeof(uint64_t));
  plan->bypass    = (DspBypass*)calloc(plan->n_nodes + 1U, sizeof(DspBypass));
  plan->xfade     = (float*)calloc(
    ((size_t)plan->n_inputs + plan->n_outputs) * DSP_PLAN_XFADE_CHUNK + 1U,
    sizeof(float));
  plan->xf_in  = (float**)calloc(plan->n_inputs + 1U, sizeof(float*));
  plan->xf_out = (float**)calloc(plan->n_outputs + 1U, sizeof(float*));
  if (!plan->ramps || !plan->ramp_base || !plan->ramping || !plan->step_ns ||
      !plan->bypass || !plan->xfade || !plan->xf_in || !plan->xf_out) {
    return no_mem(c);
  }
  for (uint32_t ch = 0U; ch < plan->n_inputs; ++ch) {
    plan->xf_in[ch] = plan->xfade + (size_t)ch * DSP_PLAN_XFADE_CHUNK;
  }
  for (uint32_t ch = 0U; ch < plan->n_outputs; ++ch) {
    plan->xf_out[ch] =
      plan->xfade + ((size_t)plan->n_inputs + ch) * DSP_PLAN_XFADE_CHUNK;
  }

  uint32_t k = 0U;
  for (uint32_t i = 0U; i < plan->n_nodes; ++i) {
    const DspNode* const node = plan->nodes[i];
    plan->ramp_base[i]        = k;
    for (uint32_t p = 0U; p < node->n_params; ++p, ++k) {
      const uint32_t flags = node->params[p].flags;
      const float    value = dsp_node_get_param(node, p);
      plan->ramps[k]       = (DspParamRamp){
              value,
              value,
              0.0f,
              0U,
              i,
              p,
        (flags & (DSP_PARAM_TOGGLED | DSP_PARAM_INTEGER | DSP_PARAM_OUTPUT))
                ? 1U
                : 0U,
              0U
      };
    }
  }
  return DSP_SUCCESS;
}

/// Fault detector state for every node and output (docs/realtime.md).
static DspStatus
prepare_faults(Compiler* const c)
{
  static atomic_uint_least64_t serials = 0U;

  DspPlan* const plan = c->plan;
  uint32_t       n    = 0U;
  for (uint32_t i = 0U; i < plan->n_nodes; ++i) {
    n += plan->nodes[i]->n_outputs;
  }
  plan->faults      = (DspFault*)calloc(plan->n_nodes + 1U, sizeof(DspFault));
  plan->fault_held  = (int32_t*)calloc(n + 1U, sizeof(int32_t));
  plan->fault_watch = (DspFaultWatch*)calloc(n + 1U, sizeof(DspFaultWatch));
  if (!plan->faults || !plan->fault_held || !plan->fault_watch) {
    return no_mem(c);
  }

  plan->serial       = atomic_fetch_add(&serials, 1U) + 1U;
  plan->fault_limits = dsp_fault_limits(plan->sample_rate);
  plan->fault_clear  = dsp_fault_clear_pick();
  n                  = 0U;
  uint32_t n_watch   = 0U;
  for (uint32_t k = 0U; k < plan->n_steps; ++k) {
    DspPlanStep* const   step = &plan->steps[k];
    const DspNode* const node = step->node;
    step->fault               = &plan->faults[step->index];
    step->bypass              = &plan->bypass[step->index];
    step->held                = plan->fault_held + n;
    n += node->n_outputs;

    const DspGraphNode* const gn = &c->graph->nodes[step->index];
    const json_t* const on_fault = json_object_get(gn->config, "on_fault");
    const char* const   how = on_fault ? json_string_value(on_fault) : "mute";
    if (!how || (strcmp(how, "mute") && strcmp(how, "bypass"))) {
      char path[sizeof(gn->path) + 16U];
      snprintf(path, sizeof(path), "%s/on_fault", gn->path);
      return dsp_error_set(
        c->err, DSP_ERR_BAD_GRAPH, path, "expected \"mute\" or \"bypass\"");
    }
    step->fault->bypass = !strcmp(how, "bypass") ? 1U : 0U;
    dsp_fault_init(step->fault);
    DspFaultWatch* const watch = plan->fault_watch + n_watch;
    for (uint32_t q = 0U; q < node->n_outputs; ++q) {
      // An unconnected output (the shared sink) reaches no one; a CV
      // output (a gate, an envelope) may sit at full scale
      const uint32_t port = node->n_inputs + q;
      if (step->ports[port] != plan->sink) {
        watch[step->n_watch].port = port;
        watch[step->n_watch].range =
          dsp_fault_watch_range(!node->outputs[q].is_cv);
        ++step->n_watch;
      }
    }
    step->watch = watch;
    n_watch += step->n_watch;
  }
  return DSP_SUCCESS;
}

static void
compiler_cleanup(Compiler* const c)
{
  free(c->bound);
  free(c->value_base);
  free(c->step_of);
  free(c->order);
  free(c->lives);
  free(c->used);
  free(c->slots);
  free(c->sum_value);
  free(c->in_base);
  free(c->out_channel);
}

DspStatus
dsp_compile(DspGraph* const         graph,
            const DspNodeEnv* const env,
            DspPlan** const         out,
            DspError* const         err)
{
  *out = NULL;
  if (err && !err->file[0]) {
    dsp_error_set_location(err, graph->source, 0, 0);
  }
  if (!env->max_block || env->sample_rate <= 0.0) {
    return dsp_error_set(
      err, DSP_ERR_BAD_ARG, NULL, "invalid sample rate or block size");
  }

  const uint32_t n = graph->n_nodes;
  Compiler       c = { 0 };
  c.graph          = graph;
  c.err            = err;
  c.plan           = (DspPlan*)calloc(1U, sizeof(DspPlan));
  c.bound          = (Bound*)calloc(graph->n_conns + 1U, sizeof(Bound));
  c.value_base     = (uint32_t*)calloc(n + 1U, sizeof(uint32_t));
  c.step_of        = (uint32_t*)calloc(n + 1U, sizeof(uint32_t));
  c.order          = (uint32_t*)calloc(n + 1U, sizeof(uint32_t));
  c.in_base        = (uint32_t*)calloc(n + 1U, sizeof(uint32_t));
  DspStatus st     = DSP_SUCCESS;
  if (!c.plan || !c.bound || !c.value_base || !c.step_of || !c.order ||
      !c.in_base ||
      !(c.plan->nodes = (DspNode**)calloc(n + 1U, sizeof(DspNode*)))) {
    st = no_mem(&c);
  }

  DspPlan* const plan = c.plan;
  if (!st) {
    plan->n_nodes     = n;
    plan->sample_rate = env->sample_rate;
    plan->max_block   = env->max_block;
    plan->n_inputs    = graph->n_inputs;
    plan->n_outputs   = graph->n_outputs;
  }

  if (!st && !(st = instantiate_nodes(&c, env)) &&
      !(st = bind_connections(&c)) && !(st = order_nodes(&c)) &&
      !(st = compute_lifetimes(&c)) &&
      !(st = allocate_buffers(&c, env->max_block))) {
    if (!(st = choose_host_bufs(&c)) && !(st = build_steps(&c)) &&
        !(st = prepare_ramps(&c)) && !(st = prepare_faults(&c))) {
      st = activate_nodes(&c);
    }
  }

  compiler_cleanup(&c);
  if (st) {
    if (plan) {
      plan->graph = NULL; // still the caller's
    }
    dsp_plan_free(plan);
    return st;
  }

  plan->graph = graph;
  *out        = plan;
  return DSP_SUCCESS;
}
