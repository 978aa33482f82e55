// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

/*
  lv2_floor [--block N] GRAPH.json IN.wav [OUT.wav]
  lv2_floor --print-chain GRAPH.json IN.wav

  The cost floor of an LV2 graph: the least a host can do to run it.  Uses
  lilv directly, not the engine.  Reads the "lv2" nodes, their parameter
  values and the connections from the graph file (so the floor cannot
  drift from what the engine renders), instantiates the plugins, reads the
  whole input into memory and then runs every block in bench_run_chain(),
  the one function the benchmark measures with callgrind's
  --toggle-collect.  Per block that function only points the ports that
  touch the graph's inputs and outputs at the current frames of the
  in-memory audio and calls each plugin's run(); there is no copy.

  With --print-chain it renders nothing and prints the graph as a chain for
  lv2file and lv2apply, one line per plugin in run order:
  `URI SYMBOL:VALUE...` (the values the graph gives), or fails if the graph
  is not a plain series chain those tools can render stage by stage (each
  plugin's audio inputs fed, in port order, by the previous plugin's audio
  outputs or by the file's channels).

  Supported: nodes of kind "lv2" in run order (each node's sources come
  before it), plugins with audio and control ports only and no required
  host feature, one connection per input port.  Anything else is refused
  with a message, never silently approximated.
*/

#include "bench_common.h"

#include <lilv/lilv.h>

#include <jansson.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NAME_MAX 128U

/// A port that follows the block position: connect to base + offset.
typedef struct {
  LilvInstance* instance; ///< Plugin instance
  uint32_t      port;     ///< Port index
  float*        base;     ///< Frame 0 of the in-memory channel
} BenchMovingPort;

/// What bench_run_chain() walks.
typedef struct {
  uint32_t         n_instances; ///< Plugins, in run order
  LilvInstance**   instances;   ///< Plugin instances
  uint32_t         n_moving;    ///< Ports to re-point each block
  BenchMovingPort* moving;      ///< Those ports
} BenchChain;

/// Where a plugin's audio port reads or writes.
typedef struct {
  float* buf;    ///< Buffer, or frame 0 of an in-memory channel
  bool   moving; ///< buf is an in-memory channel: add the block offset
} BenchSource;

/// One plugin of the graph.
typedef struct {
  const char*       id;       ///< Node id (borrowed from the JSON)
  const LilvPlugin* plugin;   ///< Plugin
  LilvInstance*     instance; ///< Instance
  uint32_t          n_ports;  ///< Ports
  bool*             audio;    ///< Per port: audio port
  bool*             input;    ///< Per port: input
  float*            controls; ///< Per port: control value
  BenchSource*      sources;  ///< Per port: audio buffer
} BenchPlugin;

/// Everything the floor owns.
typedef struct {
  LilvWorld*      world;       ///< lilv world
  json_t*         graph;       ///< Graph document
  uint32_t        n_plugins;   ///< Plugins
  BenchPlugin*    plugins;     ///< Plugins in graph order
  BenchAudio      in;          ///< Input audio
  BenchAudio      out;         ///< Output audio
  float*          arena;       ///< Intermediate buffers
  size_t          arena_used;  ///< Floats of the arena handed out
  size_t          arena_size;  ///< Floats in the arena
  uint32_t        block;       ///< Frames per run()
  BenchChain      chain;       ///< The run list
  BenchMovingPort moving[256]; ///< Storage for chain.moving
} BenchFloor;

/**
   Run the whole input through the chain, `block` frames at a time.

   This is what callgrind measures: the plugins' own run() plus the least a
   host must do around it.
*/
BENCH_TIMED void bench_run_chain(const BenchChain* chain,
                                 uint64_t          n_frames,
                                 uint32_t          block);

/**
   One plugin's run(), and nothing else: collecting only inside this
   function (--toggle-collect=bench_run_plugin) counts the plugins' own
   instructions plus this function's few, which cg_self.awk reports apart.
*/
BENCH_TIMED void bench_run_plugin(LilvInstance* instance, uint32_t n);

BENCH_TIMED void
bench_run_plugin(LilvInstance* const instance, const uint32_t n)
{
  lilv_instance_run(instance, n);
}

BENCH_TIMED void
bench_run_chain(const BenchChain* const chain,
                const uint64_t          n_frames,
                const uint32_t          block)
{
  for (uint64_t offset = 0U; offset < n_frames; offset += block) {
    const uint64_t left = n_frames - offset;
    const uint32_t n    = left < block ? (uint32_t)left : block;
    for (uint32_t m = 0U; m < chain->n_moving; ++m) {
      const BenchMovingPort* const p = &chain->moving[m];
      lilv_instance_connect_port(p->instance, p->port, p->base + offset);
    }
    for (uint32_t i = 0U; i < chain->n_instances; ++i) {
      bench_run_plugin(chain->instances[i], n);
    }
  }
}

static float*
arena_take(BenchFloor* const self)
{
  if (self->arena_used + self->block > self->arena_size) {
    return NULL;
  }
  float* const buf = self->arena + self->arena_used;
  self->arena_used += self->block;
  return buf;
}

static int
find_plugin(const BenchFloor* const self, const char* const id)
{
  for (uint32_t i = 0U; i < self->n_plugins; ++i) {
    if (!strcmp(self->plugins[i].id, id)) {
      return (int)i;
    }
  }
  return -1;
}

static int
find_port(const BenchPlugin* const p, LilvWorld* const world, const char* sym)
{
  LilvNode* const       symbol = lilv_new_string(world, sym);
  const LilvPort* const port =
    lilv_plugin_get_port_by_symbol(p->plugin, symbol);
  lilv_node_free(symbol);
  return port ? (int)lilv_port_get_index(p->plugin, port) : -1;
}

/// Instantiate node `index` of the graph with its parameter values.
static bool
load_plugin(BenchFloor* const   self,
            const uint32_t      index,
            const json_t* const node)
{
  BenchPlugin* const  p      = &self->plugins[index];
  const json_t* const id     = json_object_get(node, "id");
  const json_t* const kind   = json_object_get(node, "kind");
  const json_t* const uri    = json_object_get(node, "uri");
  json_t* const       params = json_object_get(node, "params");
  if (!json_is_string(id) || !json_is_string(kind) ||
      strcmp(json_string_value(kind), "lv2") || !json_is_string(uri)) {
    fprintf(stderr,
            "/nodes/%u: lv2_floor handles only nodes with a string \"id\", "
            "\"kind\": \"lv2\" and a string \"uri\"\n",
            index);
    return false;
  }
  p->id = json_string_value(id);

  LilvNode* const uri_node = lilv_new_uri(self->world, json_string_value(uri));
  p->plugin =
    lilv_plugins_get_by_uri(lilv_world_get_all_plugins(self->world), uri_node);
  lilv_node_free(uri_node);
  if (!p->plugin) {
    fprintf(stderr,
            "%s: plugin <%s> not found (LV2_PATH?)\n",
            p->id,
            json_string_value(uri));
    return false;
  }

  LilvNodes* const required = lilv_plugin_get_required_features(p->plugin);
  const unsigned   n_req    = lilv_nodes_size(required);
  lilv_nodes_free(required);
  if (n_req) {
    fprintf(stderr,
            "%s: plugin requires host features; the floor provides "
            "none\n",
            p->id);
    return false;
  }

  p->n_ports  = lilv_plugin_get_num_ports(p->plugin);
  p->audio    = (bool*)calloc(p->n_ports + 1U, sizeof(bool));
  p->input    = (bool*)calloc(p->n_ports + 1U, sizeof(bool));
  p->controls = (float*)calloc(p->n_ports + 1U, sizeof(float));
  p->sources  = (BenchSource*)calloc(p->n_ports + 1U, sizeof(BenchSource));
  float* const mins = (float*)calloc(p->n_ports + 1U, sizeof(float));
  float* const maxs = (float*)calloc(p->n_ports + 1U, sizeof(float));
  if (!p->audio || !p->input || !p->controls || !p->sources || !mins || !maxs) {
    free(mins);
    free(maxs);
    fprintf(stderr, "out of memory\n");
    return false;
  }
  lilv_plugin_get_port_ranges_float(p->plugin, mins, maxs, p->controls);
  free(mins);
  free(maxs);

  LilvNode* const audio_class = lilv_new_uri(self->world, LILV_URI_AUDIO_PORT);
  LilvNode* const control_class =
    lilv_new_uri(self->world, LILV_URI_CONTROL_PORT);
  LilvNode* const input_class = lilv_new_uri(self->world, LILV_URI_INPUT_PORT);
  bool            ok          = true;
  for (uint32_t i = 0U; i < p->n_ports && ok; ++i) {
    const LilvPort* const port = lilv_plugin_get_port_by_index(p->plugin, i);
    p->audio[i]                = lilv_port_is_a(p->plugin, port, audio_class);
    p->input[i]                = lilv_port_is_a(p->plugin, port, input_class);
    if (!p->audio[i] && !lilv_port_is_a(p->plugin, port, control_class)) {
      fprintf(stderr, "%s: port %u is neither audio nor control\n", p->id, i);
      ok = false;
    }
    if (isnan(p->controls[i])) { // No default
      p->controls[i] = 0.0f;
    }
  }
  lilv_node_free(input_class);
  lilv_node_free(control_class);
  lilv_node_free(audio_class);

  const char* name  = NULL;
  json_t*     value = NULL;
  json_object_foreach(params, name, value)
  {
    const int port = find_port(p, self->world, name);
    if (!ok || port < 0 || p->audio[port] || !p->input[port] ||
        !json_is_number(value)) {
      fprintf(stderr,
              "%s: \"%s\" is not a control input given a number\n",
              p->id,
              name);
      ok = false;
      break;
    }
    p->controls[port] = (float)json_number_value(value);
  }

  if (ok && !(p->instance =
                lilv_plugin_instantiate(p->plugin, self->in.rate, NULL))) {
    fprintf(stderr, "%s: instantiation failed\n", p->id);
    ok = false;
  }
  return ok;
}

/// The connection whose "to" is `to`; NULL if none, and an error if several.
static const json_t*
connection_to(const BenchFloor* const self, const char* const to, bool* dup)
{
  const json_t* const conns = json_object_get(self->graph, "connections");
  const json_t*       found = NULL;
  size_t              i     = 0U;
  const json_t*       conn  = NULL;
  *dup                      = false;
  json_array_foreach(conns, i, conn)
  {
    const json_t* const t = json_object_get(conn, "to");
    if (json_is_string(t) && !strcmp(json_string_value(t), to)) {
      *dup  = found != NULL;
      found = conn;
    }
  }
  return found;
}

/// The output port feeding `from` ("node:port"), or NULL after a message.
static BenchSource*
output_source(BenchFloor* const self, const char* const from, const int before)
{
  char node[BENCH_NAME_MAX];
  char sym[BENCH_NAME_MAX];
  if (!bench_split_endpoint(from, node, sym, sizeof(node))) {
    fprintf(stderr, "bad endpoint \"%s\"\n", from);
    return NULL;
  }

  const int j = find_plugin(self, node);
  if (j < 0 || (before >= 0 && j >= before)) {
    fprintf(stderr,
            "\"%s\": no such node before this one (the floor runs "
            "nodes in file order)\n",
            from);
    return NULL;
  }

  BenchPlugin* const p    = &self->plugins[j];
  const int          port = find_port(p, self->world, sym);
  if (port < 0 || !p->audio[port] || p->input[port]) {
    fprintf(stderr, "\"%s\" is not an audio output\n", from);
    return NULL;
  }
  return &p->sources[port];
}

/// Decide every audio port's buffer from the connections.
static bool
wire(BenchFloor* const self)
{
  // Graph outputs: the feeding plugin port writes the in-memory output
  const json_t* const outputs = json_object_get(self->graph, "outputs");
  for (uint32_t k = 0U; k < self->out.channels; ++k) {
    char to[BENCH_NAME_MAX + 8U];
    snprintf(to,
             sizeof(to),
             "graph:%s",
             json_string_value(json_array_get(outputs, k)));
    bool                dup  = false;
    const json_t* const conn = connection_to(self, to, &dup);
    const json_t* const from = json_object_get(conn, "from");
    if (!conn || dup || !json_is_string(from)) {
      fprintf(stderr, "\"%s\": needs exactly one connection\n", to);
      return false;
    }
    BenchSource* const src = output_source(self, json_string_value(from), -1);
    if (!src) {
      return false;
    }
    if (src->moving) {
      fprintf(stderr, "\"%s\" feeds two outputs\n", json_string_value(from));
      return false;
    }
    src->buf    = self->out.data[k];
    src->moving = true;
  }

  // Other outputs write an intermediate buffer of one block
  for (uint32_t i = 0U; i < self->n_plugins; ++i) {
    BenchPlugin* const p = &self->plugins[i];
    for (uint32_t port = 0U; port < p->n_ports; ++port) {
      if (p->audio[port] && !p->input[port] && !p->sources[port].buf &&
          !(p->sources[port].buf = arena_take(self))) {
        return false;
      }
    }
  }

  // Inputs read a graph input, an earlier plugin's output, or silence
  float* const silence = arena_take(self);
  if (!silence) {
    return false;
  }
  for (uint32_t i = 0U; i < self->n_plugins; ++i) {
    BenchPlugin* const p = &self->plugins[i];
    for (uint32_t port = 0U; port < p->n_ports; ++port) {
      if (!p->audio[port] || !p->input[port]) {
        continue;
      }
      char to[2U * BENCH_NAME_MAX];
      snprintf(to,
               sizeof(to),
               "%s:%s",
               p->id,
               lilv_node_as_string(lilv_port_get_symbol(
                 p->plugin, lilv_plugin_get_port_by_index(p->plugin, port))));
      bool                dup  = false;
      const json_t* const conn = connection_to(self, to, &dup);
      const char* const from = json_string_value(json_object_get(conn, "from"));
      if (dup) {
        fprintf(stderr, "\"%s\": summing inputs is not supported\n", to);
        return false;
      }
      if (!conn) {
        p->sources[port] = (BenchSource){ silence, false };
      } else if (from && !strncmp(from, "graph:", 6U)) {
        const int ch = bench_graph_channel(self->graph, "inputs", from + 6);
        if (ch < 0 || (uint32_t)ch >= self->in.channels) {
          fprintf(stderr, "\"%s\": no such input channel\n", from);
          return false;
        }
        p->sources[port] = (BenchSource){ self->in.data[ch], true };
      } else {
        const BenchSource* const src =
          from ? output_source(self, from, (int)i) : NULL;
        if (!src) {
          return false;
        }
        p->sources[port] = *src;
      }
    }
  }
  return true;
}

/// Connect every port once, and list those to re-point per block.
static bool
connect_all(BenchFloor* const self)
{
  BenchChain* const chain = &self->chain;
  chain->moving           = self->moving;
  for (uint32_t i = 0U; i < self->n_plugins; ++i) {
    BenchPlugin* const p = &self->plugins[i];
    for (uint32_t port = 0U; port < p->n_ports; ++port) {
      if (!p->audio[port]) {
        lilv_instance_connect_port(p->instance, port, &p->controls[port]);
        continue;
      }
      lilv_instance_connect_port(p->instance, port, p->sources[port].buf);
      if (p->sources[port].moving) {
        if (chain->n_moving >= sizeof(self->moving) / sizeof(self->moving[0])) {
          fprintf(stderr, "too many ports on the graph's edges\n");
          return false;
        }
        chain->moving[chain->n_moving++] =
          (BenchMovingPort){ p->instance, port, p->sources[port].buf };
      }
    }
    chain->instances[chain->n_instances++] = p->instance;
  }
  return true;
}

static bool
setup(BenchFloor* const self, const BenchArgs* const args)
{
  self->block = args->block;
  if (!(self->graph = bench_graph_load(args->graph)) ||
      !bench_audio_load(&self->in, args->input)) {
    return false;
  }

  const json_t* const nodes = json_object_get(self->graph, "nodes");
  const size_t n_in  = json_array_size(json_object_get(self->graph, "inputs"));
  const size_t n_out = json_array_size(json_object_get(self->graph, "outputs"));
  if (n_in != self->in.channels) {
    fprintf(stderr,
            "%s: %u channels, graph has %zu inputs\n",
            args->input,
            self->in.channels,
            n_in);
    return false;
  }
  if (!bench_audio_alloc(
        &self->out, self->in.rate, (uint32_t)n_out, self->in.frames)) {
    return false;
  }

  self->world = lilv_world_new();
  lilv_world_load_all(self->world);

  self->n_plugins = (uint32_t)json_array_size(nodes);
  self->plugins =
    (BenchPlugin*)calloc(self->n_plugins + 1U, sizeof(BenchPlugin));
  self->chain.instances =
    (LilvInstance**)calloc(self->n_plugins + 1U, sizeof(LilvInstance*));
  if (!self->plugins || !self->chain.instances) {
    fprintf(stderr, "out of memory\n");
    return false;
  }

  uint32_t n_ports = 0U;
  for (uint32_t i = 0U; i < self->n_plugins; ++i) {
    if (!load_plugin(self, i, json_array_get(nodes, i))) {
      return false;
    }
    n_ports += self->plugins[i].n_ports;
  }

  // One block per audio port is more than enough (plus silence)
  self->arena_size = ((size_t)n_ports + 1U) * self->block;
  if (!(self->arena = (float*)calloc(self->arena_size, sizeof(float)))) {
    fprintf(stderr, "out of memory\n");
    return false;
  }

  return wire(self) && connect_all(self);
}

/// True if audio port `k` (counting audio ports of one direction) is `src`.
static bool
audio_port_is(const BenchPlugin* const p,
              const bool               input,
              const uint32_t           k,
              const BenchSource* const src)
{
  uint32_t seen = 0U;
  for (uint32_t port = 0U; port < p->n_ports; ++port) {
    if (p->audio[port] && p->input[port] == input && seen++ == k) {
      return p->sources[port].buf == src->buf &&
             p->sources[port].moving == src->moving;
    }
  }
  return false;
}

static uint32_t
count_audio(const BenchPlugin* const p, const bool input)
{
  uint32_t n = 0U;
  for (uint32_t port = 0U; port < p->n_ports; ++port) {
    n += (p->audio[port] && p->input[port] == input) ? 1U : 0U;
  }
  return n;
}

/// The k-th audio output of `p` as a source.
static const BenchSource*
audio_output(const BenchPlugin* const p, const uint32_t k)
{
  uint32_t seen = 0U;
  for (uint32_t port = 0U; port < p->n_ports; ++port) {
    if (p->audio[port] && !p->input[port] && seen++ == k) {
      return &p->sources[port];
    }
  }
  return NULL;
}

/// Print the graph as lv2file/lv2apply stages, or fail if it is not a chain.
static bool
print_chain(const BenchFloor* const self)
{
  const json_t* const nodes = json_object_get(self->graph, "nodes");
  for (uint32_t i = 0U; i < self->n_plugins; ++i) {
    const BenchPlugin* const p    = &self->plugins[i];
    const BenchPlugin* const prev = i ? &self->plugins[i - 1U] : NULL;
    const uint32_t           n_in = count_audio(p, true);
    const uint32_t n_src = prev ? count_audio(prev, false) : self->in.channels;
    bool           chain = n_in == n_src;
    for (uint32_t k = 0U; chain && k < n_in; ++k) {
      const BenchSource  file = { self->in.data[k], true };
      const BenchSource* src  = prev ? audio_output(prev, k) : &file;
      chain                   = src && audio_port_is(p, true, k, src);
    }
    if (i + 1U == self->n_plugins) {
      chain = chain && count_audio(p, false) == self->out.channels;
      for (uint32_t k = 0U; chain && k < self->out.channels; ++k) {
        const BenchSource file = { self->out.data[k], true };
        chain                  = audio_port_is(p, false, k, &file);
      }
    }
    if (!chain) {
      fprintf(stderr,
              "%s: the graph is not a plain series chain (inputs fed in port "
              "order by the previous stage)\n",
              p->id);
      return false;
    }
  }

  for (uint32_t i = 0U; i < self->n_plugins; ++i) {
    json_t* const node  = json_array_get(nodes, i);
    const char*   name  = NULL;
    json_t*       value = NULL;
    printf("%s", json_string_value(json_object_get(node, "uri")));
    json_object_foreach(json_object_get(node, "params"), name, value)
    {
      // As the engine stores it: a float, printed so it reads back exactly
      printf(" %s:%.9g", name, (double)(float)json_number_value(value));
    }
    printf("\n");
  }
  return true;
}

static void
cleanup(BenchFloor* const self)
{
  for (uint32_t i = 0U; self->plugins && i < self->n_plugins; ++i) {
    BenchPlugin* const p = &self->plugins[i];
    lilv_instance_free(p->instance);
    free(p->audio);
    free(p->input);
    free(p->controls);
    free(p->sources);
  }
  free(self->plugins);
  free(self->chain.instances);
  free(self->arena);
  bench_audio_cleanup(&self->in);
  bench_audio_cleanup(&self->out);
  lilv_world_free(self->world);
  json_decref(self->graph);
}

int
main(int argc, char** argv)
{
  const bool chain_only = argc > 1 && !strcmp(argv[1], "--print-chain");
  if (chain_only) {
    argv[1] = argv[0];
    --argc;
    ++argv;
  }

  BenchArgs args;
  if (!bench_args_parse(&args,
                        argc,
                        argv,
                        "lv2_floor [--block N] GRAPH.json IN.wav [OUT.wav]\n"
                        "       lv2_floor --print-chain GRAPH.json IN.wav")) {
    return 2;
  }

  BenchFloor host;
  memset(&host, 0, sizeof(host));
  if (!setup(&host, &args)) {
    cleanup(&host);
    return 1;
  }

  if (chain_only) {
    const bool ok = print_chain(&host);
    cleanup(&host);
    return ok ? 0 : 1;
  }

  for (uint32_t i = 0U; i < host.chain.n_instances; ++i) {
    lilv_instance_activate(host.chain.instances[i]);
  }

  bench_flush_denormals();
  bench_run_chain(&host.chain, host.in.frames, host.block);

  for (uint32_t i = 0U; i < host.chain.n_instances; ++i) {
    lilv_instance_deactivate(host.chain.instances[i]);
  }

  const bool ok = !args.output || bench_audio_save(&host.out, args.output);
  fprintf(stderr,
          "lv2_floor: %u plugins, %llu frames x %u channels, block %u, "
          "%u ports re-pointed per block\n",
          host.chain.n_instances,
          (unsigned long long)host.in.frames,
          host.in.channels,
          host.block,
          host.chain.n_moving);
  cleanup(&host);
  return ok ? 0 : 1;
}
