// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

/*
  Benchmark-only Faust architecture: the cost floor of one Faust effect.
  Built with `faust -lang c -cn NAME -a faust_floor_arch.c NAME.dsp`, with
  the same faust options and compiler flags as the engine's built-in
  effects, so both run the same compute().

  Usage: faust_floor [--block N] GRAPH.json IN.wav [OUT.wav]

  Reads from the graph the one "faust" node with "effect": NAME, its
  parameter values and how its inN/outN ports meet the graph's channels,
  reads the whole input into memory and runs every block in
  bench_run_faust(), the one function the benchmark measures with
  callgrind's --toggle-collect.  Per block that function only points the
  channel arrays at the current frames and calls compute(); there is no
  copy.
*/

#include "bench_common.h"

#include <faust/gui/CInterface.h>

#include <jansson.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The generated code expects int min/max from its includer.
static inline int
max(const int a, const int b)
{
  return a > b ? a : b;
}

static inline int
min(const int a, const int b)
{
  return a < b ? a : b;
}

// clang-format off
<<includeIntrinsic>>

<<includeclass>>
// clang-format on

#define BENCH_CAT2(a, b) a##b
#define BENCH_CAT(a, b) BENCH_CAT2(a, b)
#define BENCH_STR2(a) #a
#define BENCH_STR(a) BENCH_STR2(a)
#define BENCH_FN(prefix) BENCH_CAT(prefix, FAUSTCLASS)

/// Largest port count handled.
#define BENCH_MAX_PORTS 64

  /// Where compute() reads and writes: per port, frame 0 and whether it moves.
  typedef struct {
  int    n_inputs;                  ///< DSP inputs
  int    n_outputs;                 ///< DSP outputs
  float* in_base[BENCH_MAX_PORTS];  ///< Per input: channel or silence
  int    in_step[BENCH_MAX_PORTS];  ///< Per input: 1 = channel, 0 = fixed
  float* out_base[BENCH_MAX_PORTS]; ///< Per output: channel or sink
  int    out_step[BENCH_MAX_PORTS]; ///< Per output: 1 = channel, 0 = fixed
} BenchPorts;

/**
   Run the whole input through compute(), `block` frames at a time.

   This is what callgrind measures: compute() plus the least a host must do
   around it.
*/
BENCH_TIMED void bench_run_faust(FAUSTCLASS*       dsp,
                                 const BenchPorts* ports,
                                 uint64_t          n_frames,
                                 uint32_t          block);

BENCH_TIMED void
bench_run_faust(FAUSTCLASS* const       dsp,
                const BenchPorts* const ports,
                const uint64_t          n_frames,
                const uint32_t          block)
{
  float* ins[BENCH_MAX_PORTS];
  float* outs[BENCH_MAX_PORTS];
  for (uint64_t offset = 0U; offset < n_frames; offset += block) {
    const uint64_t left = n_frames - offset;
    const int      n    = left < block ? (int)left : (int)block;
    for (int c = 0; c < ports->n_inputs; ++c) {
      ins[c] = ports->in_base[c] + offset * (uint64_t)ports->in_step[c];
    }
    for (int c = 0; c < ports->n_outputs; ++c) {
      outs[c] = ports->out_base[c] + offset * (uint64_t)ports->out_step[c];
    }
    BENCH_FN(compute)(dsp, n, ins, outs);
  }
}

// Setting controls by label -------------------------------------------------

/// The node's "params" object, and which of them were found.
typedef struct {
  json_t* params;  ///< {label: value}
  size_t  n_found; ///< Parameters set so far
} BenchSetter;

static void
set_zone(void* const ui, const char* const label, FAUSTFLOAT* const zone)
{
  BenchSetter* const  s     = (BenchSetter*)ui;
  const json_t* const value = json_object_get(s->params, label);
  if (json_is_number(value)) {
    *zone = (FAUSTFLOAT)json_number_value(value);
    ++s->n_found;
  }
}

static void
ui_box(void* const ui, const char* const label)
{
  (void)ui;
  (void)label;
}

static void
ui_close(void* const ui)
{
  (void)ui;
}

static void
ui_button(void* const ui, const char* const label, FAUSTFLOAT* const zone)
{
  set_zone(ui, label, zone);
}

static void
ui_slider(void* const       ui,
          const char* const label,
          FAUSTFLOAT* const zone,
          const FAUSTFLOAT  init,
          const FAUSTFLOAT  lo,
          const FAUSTFLOAT  hi,
          const FAUSTFLOAT  step)
{
  (void)init;
  (void)lo;
  (void)hi;
  (void)step;
  set_zone(ui, label, zone);
}

static void
ui_bargraph(void* const       ui,
            const char* const label,
            FAUSTFLOAT* const zone,
            const FAUSTFLOAT  lo,
            const FAUSTFLOAT  hi)
{
  (void)ui;
  (void)label;
  (void)zone;
  (void)lo;
  (void)hi;
}

static void
ui_soundfile(void* const              ui,
             const char* const        label,
             const char* const        url,
             struct Soundfile** const zone)
{
  (void)ui;
  (void)label;
  (void)url;
  (void)zone;
}

static void
ui_declare(void* const       ui,
           FAUSTFLOAT* const zone,
           const char* const key,
           const char* const value)
{
  (void)ui;
  (void)zone;
  (void)key;
  (void)value;
}

// Graph ---------------------------------------------------------------------

/// The graph's one node: kind "faust", effect FAUSTCLASS.  NULL if not.
static json_t*
find_node(json_t* const graph)
{
  json_t* const     nodes  = json_object_get(graph, "nodes");
  json_t* const     node   = json_array_get(nodes, 0U);
  const char* const kind   = json_string_value(json_object_get(node, "kind"));
  const char* const effect = json_string_value(json_object_get(node, "effect"));
  const char* const id     = json_string_value(json_object_get(node, "id"));
  if (json_array_size(nodes) != 1U || !id || !kind || strcmp(kind, "faust") ||
      !effect || strcmp(effect, BENCH_STR(FAUSTCLASS))) {
    fprintf(stderr,
            "faust_floor handles a graph of one node with \"kind\": "
            "\"faust\" and \"effect\": \"%s\"\n",
            BENCH_STR(FAUSTCLASS));
    return NULL;
  }
  return node;
}

/// Graph channel at the other end of "ID:PORT", or -1 (unconnected).
static int
graph_channel(json_t* const     graph,
              const char* const id,
              const char* const port,
              const bool        is_input,
              bool* const       bad)
{
  char endpoint[256];
  snprintf(endpoint, sizeof(endpoint), "%s:%s", id, port);

  json_t* const conns = json_object_get(graph, "connections");
  int           found = -1;
  size_t        i     = 0U;
  json_t*       conn  = NULL;
  json_array_foreach(conns, i, conn)
  {
    const char* const from = json_string_value(json_object_get(conn, "from"));
    const char* const to   = json_string_value(json_object_get(conn, "to"));
    const char* const mine = is_input ? to : from;
    const char* const far  = is_input ? from : to;
    if (!mine || !far || strcmp(mine, endpoint)) {
      continue;
    }
    const int ch =
      strncmp(far, "graph:", 6U)
        ? -1
        : bench_graph_channel(graph, is_input ? "inputs" : "outputs", far + 6);
    if (ch < 0 || found >= 0) {
      fprintf(stderr,
              "\"%s\": the floor handles one connection to a graph "
              "channel\n",
              endpoint);
      *bad = true;
      return -1;
    }
    found = ch;
  }
  return found;
}

int
main(int argc, char** argv)
{
  BenchArgs args;
  if (!bench_args_parse(
        &args,
        argc,
        argv,
        "faust_floor [--block N] GRAPH.json IN.wav [OUT.wav]")) {
    return 2;
  }

  json_t* const graph = bench_graph_load(args.graph);
  json_t* const node  = graph ? find_node(graph) : NULL;
  BenchAudio    in;
  BenchAudio    out;
  memset(&in, 0, sizeof(in));
  memset(&out, 0, sizeof(out));
  const size_t n_out = json_array_size(json_object_get(graph, "outputs"));
  if (!node || !bench_audio_load(&in, args.input) ||
      !bench_audio_alloc(&out, in.rate, (uint32_t)n_out, in.frames)) {
    json_decref(graph);
    bench_audio_cleanup(&in);
    return 1;
  }

  FAUSTCLASS* const dsp = BENCH_FN(new)();
  BENCH_FN(init)(dsp, (int)in.rate);

  // Parameter values from the graph, each of which must exist
  json_t* const params = json_object_get(node, "params");
  BenchSetter   setter = { params, 0U };
  UIGlue glue = { &setter,     ui_box,      ui_box,       ui_box,    ui_close,
                  ui_button,   ui_button,   ui_slider,    ui_slider, ui_slider,
                  ui_bargraph, ui_bargraph, ui_soundfile, ui_declare };
  BENCH_FN(buildUserInterface)(dsp, &glue);
  bool ok = setter.n_found == json_object_size(params);
  if (!ok) {
    fprintf(stderr,
            "a parameter of the graph is not a control of %s\n",
            BENCH_STR(FAUSTCLASS));
  }

  // Ports: graph channels in memory, or a fixed silence/sink block
  const char* const id = json_string_value(json_object_get(node, "id"));
  BenchPorts        ports;
  memset(&ports, 0, sizeof(ports));
  ports.n_inputs  = BENCH_FN(getNumInputs)(dsp);
  ports.n_outputs = BENCH_FN(getNumOutputs)(dsp);
  float* const fixed =
    (float*)calloc(2U * (size_t)args.block + 1U, sizeof(float));
  if (ports.n_inputs > BENCH_MAX_PORTS || ports.n_outputs > BENCH_MAX_PORTS ||
      !fixed) {
    fprintf(stderr, "too many ports or out of memory\n");
    ok = false;
  }
  bool bad = false;
  for (int c = 0; ok && c < ports.n_inputs; ++c) {
    char port[32];
    snprintf(port, sizeof(port), "in%d", c);
    const int ch = graph_channel(graph, id, port, true, &bad);
    ports.in_base[c] =
      (ch >= 0 && (uint32_t)ch < in.channels) ? in.data[ch] : fixed;
    ports.in_step[c] = (ch >= 0 && (uint32_t)ch < in.channels) ? 1 : 0;
  }
  for (int c = 0; ok && c < ports.n_outputs; ++c) {
    char port[32];
    snprintf(port, sizeof(port), "out%d", c);
    const int ch      = graph_channel(graph, id, port, false, &bad);
    ports.out_base[c] = (ch >= 0 && (uint32_t)ch < out.channels)
                          ? out.data[ch]
                          : fixed + args.block;
    ports.out_step[c] = (ch >= 0 && (uint32_t)ch < out.channels) ? 1 : 0;
  }
  ok = ok && !bad;

  if (ok) {
    bench_flush_denormals();
    bench_run_faust(dsp, &ports, in.frames, args.block);
    ok = !args.output || bench_audio_save(&out, args.output);
    fprintf(stderr,
            "faust_floor: %s, %llu frames, %d in, %d out, block %u\n",
            BENCH_STR(FAUSTCLASS),
            (unsigned long long)in.frames,
            ports.n_inputs,
            ports.n_outputs,
            args.block);
  }

  free(fixed);
  BENCH_FN(delete)(dsp);
  bench_audio_cleanup(&in);
  bench_audio_cleanup(&out);
  json_decref(graph);
  return ok ? 0 : 1;
}
