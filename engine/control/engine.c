// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The control-thread engine (see engine.h).  Nothing here runs on the audio
// thread: plans reach it only through the runtime's command ring.

#include "engine.h"

#include "nodes/lv2/lv2.h"

#include "compile/compile.h"
#include "graph/graph.h"
#include "nodes/setup.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// A graph with what the engine knows of it.
typedef struct {
  char*         name;     ///< Slot name (slots only, owned)
  DspPlan*      plan;     ///< Slots: owned; playing: owned by the runtime
  char*         json;     ///< Source JSON (owned)
  char*         path;     ///< File it came from, or NULL (owned)
  float*        values;   ///< Per parameter (plan->ramps order): value (owned)
  uint8_t*      bypassed; ///< Per node: 1 if bypassed (owned)
  DspNodeFault* faults;   ///< Per node: fault reported (owned)
} Loaded;

struct DspEngineImpl {
  DspSetup           setup;     ///< Node environment
  bool               setup_ok;  ///< `setup` initialised
  DspRuntime*        rt;        ///< Shared with the audio thread
  DspGraph*          layout;    ///< First graph: the external channels
  double             rate;      ///< Rate plans are compiled at, 0 before start
  uint32_t           max_block; ///< Block plans are compiled with
  Loaded             cur;       ///< The graph playing
  Loaded             slots[DSP_ENGINE_MAX_SLOTS]; ///< Prepared slots
  uint32_t           n_slots;                     ///< Entries in `slots`
  double             xfade_ms;                    ///< Default crossfade
  double             tail_s;                      ///< Default tail limit
  DspCommitHook      hook;                        ///< Commit hook or NULL
  void*              hook_data;                   ///< Its data
  double             started;      ///< Monotonic time of creation
  uint32_t           sync_seq;     ///< Last sync marker sent
  char*              base_dir;     ///< Directory relative paths resolve against
  DspEngineRestoreFn restore;      ///< Called before a first plan plays
  void*              restore_data; ///< Its data
};

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char*
copy_string(const char* const s)
{
  if (!s) {
    return NULL;
  }
  const size_t len = strlen(s);
  char* const  c   = (char*)malloc(len + 1U);
  if (c) {
    memcpy(c, s, len + 1U);
  }
  return c;
}

static void
loaded_cleanup(Loaded* const l, const bool owns_plan)
{
  if (owns_plan) {
    dsp_plan_free(l->plan);
  }
  free(l->name);
  free(l->json);
  free(l->path);
  free(l->values);
  free(l->bypassed);
  free(l->faults);
  memset(l, 0, sizeof(*l));
}

static DspStatus
no_mem(DspError* const err)
{
  return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
}

DspStatus
dsp_engine_new(const uint32_t    capacity,
               DspEngine** const out,
               DspError* const   err)
{
  *out               = NULL;
  DspEngine* const e = (DspEngine*)calloc(1U, sizeof(DspEngine));
  if (!e || !(e->rt = dsp_runtime_new(capacity))) {
    free(e);
    return no_mem(err);
  }

  // No LV2 world scan here: bundles are loaded as graphs need them
  DspGraph none;
  memset(&none, 0, sizeof(none));
  DspStatus st = dsp_setup_init(&e->setup, &none, 48000.0, 1024U, err);
  if (!st) {
    st = dsp_lv2_world_new_lazy(&e->setup.env.lv2, err);
  }
  if (st) {
    dsp_setup_cleanup(&e->setup);
    dsp_runtime_free(e->rt);
    free(e);
    return st;
  }
  e->setup_ok                  = true;
  e->setup.env.threaded_worker = true;
  e->xfade_ms                  = DSP_RUNTIME_DEFAULT_XFADE_MS;
  e->tail_s                    = DSP_RUNTIME_DEFAULT_TAIL_S;
  e->started                   = now_s();
  *out                         = e;
  return DSP_SUCCESS;
}

void
dsp_engine_free(DspEngine* const e)
{
  if (!e) {
    return;
  }
  for (uint32_t i = 0U; i < e->n_slots; ++i) {
    loaded_cleanup(&e->slots[i], true);
  }
  loaded_cleanup(&e->cur, false); // The runtime owns the playing plan
  dsp_runtime_free(e->rt);
  if (e->setup_ok) {
    dsp_setup_cleanup(&e->setup);
  }
  dsp_graph_free(e->layout);
  free(e->base_dir);
  free(e);
}

DspRuntime*
dsp_engine_runtime(DspEngine* const e)
{
  return e->rt;
}

const DspGraph*
dsp_engine_layout(const DspEngine* const e)
{
  return e->layout;
}

void
dsp_engine_set_swap_defaults(DspEngine* const e,
                             const double     xfade_ms,
                             const double     tail_s)
{
  e->xfade_ms = xfade_ms;
  e->tail_s   = tail_s;
}

void
dsp_engine_set_commit_hook(DspEngine* const    e,
                           const DspCommitHook hook,
                           void* const         data)
{
  e->hook      = hook;
  e->hook_data = data;
}

/// True if `source` is inline JSON rather than a file name.
static bool
is_inline(const char* source)
{
  while (isspace((unsigned char)*source)) {
    ++source;
  }
  return *source == '{';
}

/// Load the LV2 bundles `graph` needs into the (lazy) world.
static void
require_plugins(DspEngine* const e, const DspGraph* const graph)
{
  for (uint32_t i = 0U; i < graph->n_nodes; ++i) {
    const DspGraphNode* const n = &graph->nodes[i];
    if (!strcmp(n->kind, "lv2")) {
      dsp_lv2_world_require(
        e->setup.env.lv2, json_string_value(json_object_get(n->config, "uri")));
    }
  }
}

/// Parse a graph from a file name or inline JSON (relative paths resolve
/// against the engine's base directory).
static DspStatus
parse_source(DspEngine* const  e,
             const char* const source,
             DspGraph** const  graph,
             DspError* const   err)
{
  const DspStatus st =
    is_inline(source)
      ? dsp_graph_load_string(source, "<inline>", e->base_dir, graph, err)
      : dsp_graph_load_file(source, graph, err);
  if (!st) {
    require_plugins(e, *graph);
  }
  return st;
}

/// Append "a, b, c" (or "none") to `buf`.
/// Append `name`, the `i`th of a list, to `buf`: "a, b, c" (truncated).
static void
list_append(char* const       buf,
            const size_t      size,
            const uint32_t    i,
            const char* const name)
{
  const size_t len = strlen(buf);
  snprintf(buf + len, size - len, "%s%s", i ? ", " : "", name);
}

static void
list_channels(char* const        buf,
              const size_t       size,
              char* const* const names,
              const uint32_t     n)
{
  if (!n) {
    list_append(buf, size, 0U, "none");
  }
  for (uint32_t i = 0U; i < n; ++i) {
    list_append(buf, size, i, names[i]);
  }
}

/// Check that `graph` has the engine's external channels.
static DspStatus
check_layout(const DspEngine* const e,
             const DspGraph* const  g,
             DspError* const        err)
{
  const DspGraph* const l = e->layout;
  bool same = l->n_inputs == g->n_inputs && l->n_outputs == g->n_outputs;
  for (uint32_t i = 0U; same && i < l->n_inputs; ++i) {
    same = !strcmp(l->inputs[i], g->inputs[i]);
  }
  for (uint32_t i = 0U; same && i < l->n_outputs; ++i) {
    same = !strcmp(l->outputs[i], g->outputs[i]);
  }
  if (same) {
    return DSP_SUCCESS;
  }

  char have[300] = "";
  char want[300] = "";
  list_channels(have, sizeof(have), g->inputs, g->n_inputs);
  snprintf(have + strlen(have), sizeof(have) - strlen(have), "; outputs ");
  list_channels(have, sizeof(have), g->outputs, g->n_outputs);
  list_channels(want, sizeof(want), l->inputs, l->n_inputs);
  snprintf(want + strlen(want), sizeof(want) - strlen(want), "; outputs ");
  list_channels(want, sizeof(want), l->outputs, l->n_outputs);
  return dsp_error_set(err,
                       DSP_ERR_BAD_GRAPH,
                       NULL,
                       "graph \"%s\" has external channels (inputs %s) but "
                       "the engine runs with (inputs %s): a graph swapped "
                       "in must have the same inputs and outputs",
                       g->name,
                       have,
                       want);
}

/// Fill `l` from a compiled plan (the graph JSON is taken from the plan).
static DspStatus
loaded_init(Loaded* const     l,
            DspPlan* const    plan,
            const char* const path,
            DspError* const   err)
{
  memset(l, 0, sizeof(*l));
  l->plan = plan;
  l->json = json_dumps(plan->graph->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  l->path = copy_string(path);
  l->values   = (float*)calloc(plan->n_ramps + 1U, sizeof(float));
  l->bypassed = (uint8_t*)calloc(plan->n_nodes + 1U, 1U);
  l->faults   = (DspNodeFault*)calloc(plan->n_nodes + 1U, sizeof(DspNodeFault));
  if (!l->json || (path && !l->path) || !l->values || !l->bypassed ||
      !l->faults) {
    l->plan = NULL;
    loaded_cleanup(l, false);
    return no_mem(err);
  }
  for (uint32_t k = 0U; k < plan->n_ramps; ++k) {
    l->values[k] = plan->ramps[k].current;
  }
  return DSP_SUCCESS;
}

/// Parse, check and compile `source` at the engine's format.
static DspStatus
build(DspEngine* const  e,
      const char* const source,
      Loaded* const     out,
      DspError* const   err)
{
  if (!e->layout) {
    return dsp_error_set(err, DSP_ERR_NOT_FOUND, NULL, "no graph loaded");
  }
  if (!e->rate) {
    return dsp_error_set(
      err, DSP_ERR_NOT_FOUND, NULL, "the engine is not running yet");
  }

  DspGraph* graph = NULL;
  DspStatus st    = parse_source(e, source, &graph, err);
  if (st || (st = check_layout(e, graph, err))) {
    dsp_graph_free(graph);
    return st;
  }

  e->setup.env.sample_rate = e->rate;
  e->setup.env.max_block   = e->max_block;
  DspPlan* plan            = NULL;
  if ((st = dsp_compile(graph, &e->setup.env, &plan, err))) {
    dsp_graph_free(graph);
    return st;
  }

  if ((st = loaded_init(out, plan, is_inline(source) ? NULL : source, err))) {
    dsp_plan_free(plan);
  }
  return st;
}

/// Call the commit hook, if any.
static DspStatus
commit(DspEngine* const e, const DspChange* const change, DspError* const err)
{
  if (!e->hook) {
    return DSP_SUCCESS;
  }
  const DspStatus st = e->hook(e->hook_data, e, change, err);
  if (st && err && !err->message[0]) {
    dsp_error_set(err, st, NULL, "change applied but not committed");
  }
  return st;
}

DspStatus
dsp_engine_open(DspEngine* const  e,
                const char* const source,
                DspError* const   err)
{
  DspGraph* graph = NULL;
  DspStatus st    = parse_source(e, source, &graph, err);
  if (st) {
    return st;
  }

  char* const json =
    json_dumps(graph->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  char* const path = is_inline(source) ? NULL : copy_string(source);
  if (!json || (!is_inline(source) && !path)) {
    free(json);
    free(path);
    dsp_graph_free(graph);
    return no_mem(err);
  }

  if (graph->base_dir) {
    char* const dir = copy_string(graph->base_dir);
    if (!dir) {
      free(json);
      free(path);
      dsp_graph_free(graph);
      return no_mem(err);
    }
    free(e->base_dir);
    e->base_dir = dir;
  }

  dsp_graph_free(e->layout);
  loaded_cleanup(&e->cur, false);
  e->layout   = graph;
  e->cur.json = json;
  e->cur.path = path;
  return DSP_SUCCESS;
}

DspStatus
dsp_engine_open_text(DspEngine* const  e,
                     const char* const json,
                     const char* const path,
                     const char* const dir,
                     DspError* const   err)
{
  char* const d = copy_string(dir);
  if (dir && !d) {
    return no_mem(err);
  }
  free(e->base_dir);
  e->base_dir        = d;
  const DspStatus st = dsp_engine_open(e, json, err);
  if (!st && path) {
    free(e->cur.path);
    if (!(e->cur.path = copy_string(path))) {
      return no_mem(err);
    }
  }
  return st;
}

const char*
dsp_engine_graph_dir(const DspEngine* const e)
{
  return e->base_dir;
}

void
dsp_engine_set_restore(DspEngine* const         e,
                       const DspEngineRestoreFn fn,
                       void* const              data)
{
  e->restore      = fn;
  e->restore_data = data;
}

/// Send every value and bypass state of `from` that differs from `to`'s
/// compiled defaults to the runtime for `to->plan` (at once), and adopt it.
static void
restore_values(DspEngine* const e, Loaded* const to, const Loaded* const from)
{
  const DspPlan* const old = from->plan;
  DspPlan* const       neu = to->plan;
  if (!old || !from->values) {
    return;
  }
  for (uint32_t n = 0U; n < old->n_nodes && n < neu->n_nodes; ++n) {
    for (uint32_t p = 0U;
         p < old->nodes[n]->n_params && p < neu->nodes[n]->n_params;
         ++p) {
      const float v = from->values[old->ramp_base[n] + p];
      if (v != to->values[neu->ramp_base[n] + p]) {
        to->values[neu->ramp_base[n] + p] = v;
        (void)dsp_runtime_send_param(e->rt, neu, n, p, v);
      }
    }
    if (from->bypassed[n]) {
      to->bypassed[n] = 1U;
      (void)dsp_runtime_send_bypass(e->rt, neu, n, true, 0.0, DSP_RUNTIME_NOW);
    }
  }
}

DspStatus
dsp_engine_start(DspEngine* const e,
                 const double     rate,
                 const uint32_t   max_block,
                 DspError* const  err)
{
  if (!e->cur.json) {
    return dsp_error_set(err, DSP_ERR_NOT_FOUND, NULL, "no graph loaded");
  }
  if (e->cur.plan && rate == e->rate && max_block == e->max_block) {
    return DSP_SUCCESS;
  }

  e->rate      = rate;
  e->max_block = max_block;

  // Compile from the recorded JSON, keeping the file for messages
  Loaded    fresh;
  DspStatus st = build(e, e->cur.json, &fresh, err);
  if (st) {
    return st;
  }
  if (e->cur.path && !(fresh.path = copy_string(e->cur.path))) {
    loaded_cleanup(&fresh, true);
    return no_mem(err);
  }

  if (e->restore) {
    // Nodes are activated but not running yet: restore their state now
    e->restore(e->restore_data, fresh.plan);
    e->restore = NULL;
  }
  if ((st = dsp_runtime_send_plan(e->rt, fresh.plan))) {
    loaded_cleanup(&fresh, true);
    return dsp_error_set(err, st, NULL, "command ring full; try again");
  }
  restore_values(e, &fresh, &e->cur);
  loaded_cleanup(&e->cur, false);
  e->cur = fresh;

  // Prepared slots were compiled at the old format: rebuild them
  for (uint32_t i = 0U; i < e->n_slots; ++i) {
    Loaded* const s = &e->slots[i];
    if (s->plan && s->plan->sample_rate == rate &&
        s->plan->max_block == max_block) {
      continue;
    }
    Loaded re;
    if (!build(e, s->json, &re, NULL)) {
      re.name = s->name;
      s->name = NULL;
      loaded_cleanup(s, true);
      *s = re;
    }
  }
  return DSP_SUCCESS;
}

DspStatus
dsp_engine_validate(DspEngine* const  e,
                    const char* const source,
                    char* const       name,
                    const size_t      size,
                    DspError* const   err)
{
  Loaded          l;
  const DspStatus st = build(e, source, &l, err);
  if (!st) {
    if (name) {
      snprintf(name, size, "%s", l.plan->graph->name);
    }
    loaded_cleanup(&l, true);
  }
  return st;
}

/// Swap the runtime to `l` (consumed on success) and record it.
static DspStatus
play(DspEngine* const e,
     Loaded* const    l,
     const double     xfade_ms,
     const double     tail_s,
     const int64_t    frame,
     const char*      slot,
     DspError* const  err)
{
  const DspStatus st =
    dsp_runtime_send_swap(e->rt,
                          l->plan,
                          xfade_ms < 0.0 ? e->xfade_ms : xfade_ms,
                          tail_s < 0.0 ? e->tail_s : tail_s,
                          frame);
  if (st) {
    return dsp_error_set(err, st, NULL, "command ring full; try again");
  }

  loaded_cleanup(&e->cur, false);
  e->cur = *l;
  free(e->cur.name);
  e->cur.name = NULL;
  memset(l, 0, sizeof(*l));

  const DspChange change = { DSP_CHANGE_GRAPH, NULL, NULL, 0.0f, slot };
  return commit(e, &change, err);
}

DspStatus
dsp_engine_load(DspEngine* const  e,
                const char* const source,
                const double      xfade_ms,
                const double      tail_s,
                const int64_t     frame,
                DspError* const   err)
{
  Loaded    l;
  DspStatus st = build(e, source, &l, err);
  if (!st && (st = play(e, &l, xfade_ms, tail_s, frame, NULL, err)) && l.plan) {
    loaded_cleanup(&l, true); // Not sent
  }
  return st;
}

static bool
valid_slot_name(const char* const name)
{
  const size_t len = strlen(name);
  if (!len || len > DSP_ENGINE_MAX_SLOT_NAME) {
    return false;
  }
  for (size_t i = 0U; i < len; ++i) {
    const char c = name[i];
    if (!isalnum((unsigned char)c) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

static int
find_slot(const DspEngine* const e, const char* const name)
{
  for (uint32_t i = 0U; i < e->n_slots; ++i) {
    if (!strcmp(e->slots[i].name, name)) {
      return (int)i;
    }
  }
  return -1;
}

static DspStatus
no_slot(const DspEngine* const e, const char* const name, DspError* const err)
{
  char names[400] = "";
  for (uint32_t i = 0U; i < e->n_slots; ++i) {
    list_append(names, sizeof(names), i, e->slots[i].name);
  }
  return dsp_error_set(err,
                       DSP_ERR_NOT_FOUND,
                       NULL,
                       "unknown slot \"%s\" (prepared: %s)",
                       name,
                       e->n_slots ? names : "none");
}

DspStatus
dsp_engine_prepare(DspEngine* const  e,
                   const char* const name,
                   const char* const source,
                   DspError* const   err)
{
  if (!valid_slot_name(name)) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         NULL,
                         "invalid slot name \"%.80s%s\" (expected 1 to %u "
                         "(DSP_ENGINE_MAX_SLOT_NAME) of A-Z a-z 0-9 _ - .)",
                         name,
                         strlen(name) > 80U ? "..." : "",
                         DSP_ENGINE_MAX_SLOT_NAME);
  }

  const int found = find_slot(e, name);
  if (found < 0 && e->n_slots == DSP_ENGINE_MAX_SLOTS) {
    return dsp_error_set(err,
                         DSP_ERR_FULL,
                         NULL,
                         "all %u slots are in use (DSP_ENGINE_MAX_SLOTS; "
                         "unload one first)",
                         DSP_ENGINE_MAX_SLOTS);
  }

  Loaded    l;
  DspStatus st = build(e, source, &l, err);
  if (st) {
    return st;
  }
  if (!(l.name = copy_string(name))) {
    loaded_cleanup(&l, true);
    return no_mem(err);
  }

  if (found >= 0) {
    loaded_cleanup(&e->slots[found], true);
    e->slots[found] = l;
  } else {
    e->slots[e->n_slots++] = l;
  }

  const DspChange change = { DSP_CHANGE_SLOTS, NULL, NULL, 0.0f, name };
  return commit(e, &change, err);
}

/// Remove slot `i` from the table (its contents already moved or freed).
static void
remove_slot(DspEngine* const e, const uint32_t i)
{
  for (uint32_t k = i + 1U; k < e->n_slots; ++k) {
    e->slots[k - 1U] = e->slots[k];
  }
  --e->n_slots;
  memset(&e->slots[e->n_slots], 0, sizeof(Loaded));
}

DspStatus
dsp_engine_swap(DspEngine* const  e,
                const char* const name,
                const double      xfade_ms,
                const double      tail_s,
                const int64_t     frame,
                DspError* const   err)
{
  const int i = find_slot(e, name);
  if (i < 0) {
    return no_slot(e, name, err);
  }

  // Keep the name for the hook: the slot is consumed by play()
  char slot[65];
  snprintf(slot, sizeof(slot), "%s", name);
  Loaded    l  = e->slots[i];
  DspStatus st = dsp_runtime_send_swap(e->rt,
                                       l.plan,
                                       xfade_ms < 0.0 ? e->xfade_ms : xfade_ms,
                                       tail_s < 0.0 ? e->tail_s : tail_s,
                                       frame);
  if (st) {
    return dsp_error_set(err, st, NULL, "command ring full; try again");
  }
  remove_slot(e, (uint32_t)i);
  loaded_cleanup(&e->cur, false);
  free(l.name);
  l.name = NULL;
  e->cur = l;

  const DspChange change = { DSP_CHANGE_GRAPH, NULL, NULL, 0.0f, slot };
  st                     = commit(e, &change, err);
  return st;
}

DspStatus
dsp_engine_unload(DspEngine* const  e,
                  const char* const name,
                  DspError* const   err)
{
  const int i = find_slot(e, name);
  if (i < 0) {
    return no_slot(e, name, err);
  }

  char slot[65];
  snprintf(slot, sizeof(slot), "%s", name);
  loaded_cleanup(&e->slots[i], true); // Never reached the audio thread
  remove_slot(e, (uint32_t)i);

  const DspChange change = { DSP_CHANGE_SLOTS, NULL, NULL, 0.0f, slot };
  return commit(e, &change, err);
}

uint32_t
dsp_engine_slot_count(const DspEngine* const e)
{
  return e->n_slots;
}

const char*
dsp_engine_slot_name(const DspEngine* const e, const uint32_t index)
{
  return index < e->n_slots ? e->slots[index].name : NULL;
}

const char*
dsp_engine_slot_json(const DspEngine* const e, const uint32_t index)
{
  return index < e->n_slots ? e->slots[index].json : NULL;
}

const char*
dsp_engine_graph_json(const DspEngine* const e)
{
  return e->cur.json;
}

const char*
dsp_engine_graph_path(const DspEngine* const e)
{
  return e->cur.path;
}

DspPlan*
dsp_engine_plan(const DspEngine* const e)
{
  return e->cur.plan;
}

const DspNode*
dsp_engine_find_node(const DspEngine* const e,
                     const char* const      id,
                     uint32_t* const        index,
                     DspError* const        err)
{
  const DspPlan* const plan = e->cur.plan;
  if (!plan) {
    dsp_error_set(err, DSP_ERR_NOT_FOUND, NULL, "no graph loaded");
    return NULL;
  }
  const int n = dsp_plan_find_node(plan, id);
  if (n < 0) {
    dsp_error_set(err,
                  DSP_ERR_NOT_FOUND,
                  NULL,
                  "no node with id \"%s\" in graph \"%s\"",
                  id,
                  plan->graph->name);
    return NULL;
  }
  if (index) {
    *index = (uint32_t)n;
  }
  return plan->nodes[n];
}

/// Resolve node and parameter names to indices.
static DspStatus
find_param(const DspEngine* const e,
           const char* const      node_id,
           const char* const      param,
           uint32_t* const        n,
           uint32_t* const        p,
           DspError* const        err)
{
  const DspNode* const node = dsp_engine_find_node(e, node_id, n, err);
  if (!node) {
    return DSP_ERR_NOT_FOUND;
  }
  const int index = dsp_node_find_param(node, param);
  if (index < 0) {
    char names[400] = "";
    for (uint32_t i = 0U; i < node->n_params; ++i) {
      list_append(names, sizeof(names), i, node->params[i].symbol);
    }
    return dsp_error_set(err,
                         DSP_ERR_NOT_FOUND,
                         NULL,
                         "node \"%s\" has no parameter \"%s\" (it has: %s)",
                         node_id,
                         param,
                         node->n_params ? names : "none");
  }
  *p = (uint32_t)index;
  return DSP_SUCCESS;
}

DspStatus
dsp_engine_set_param(DspEngine* const  e,
                     const char* const node_id,
                     const char* const param,
                     const float       value,
                     const double      ramp_ms,
                     const int64_t     frame,
                     DspError* const   err)
{
  uint32_t  n  = 0U;
  uint32_t  p  = 0U;
  DspStatus st = find_param(e, node_id, param, &n, &p, err);
  if (st) {
    return st;
  }

  DspPlan* const plan = e->cur.plan;
  if ((st = dsp_node_check_param(plan->nodes[n], p, value, NULL, err))) {
    return st;
  }
  if ((st =
         dsp_runtime_send_param_at(e->rt, plan, n, p, value, ramp_ms, frame))) {
    return dsp_error_set(err, st, NULL, "command ring full; try again");
  }
  e->cur.values[plan->ramp_base[n] + p] = value;

  const DspChange change = {
    DSP_CHANGE_PARAM, node_id, plan->nodes[n]->params[p].symbol, value, NULL
  };
  return commit(e, &change, err);
}

DspStatus
dsp_engine_get_param(const DspEngine* const e,
                     const char* const      node_id,
                     const char* const      param,
                     float* const           value,
                     DspError* const        err)
{
  uint32_t        n  = 0U;
  uint32_t        p  = 0U;
  const DspStatus st = find_param(e, node_id, param, &n, &p, err);
  if (!st) {
    *value = dsp_engine_param_value(e, n, p);
  }
  return st;
}

float
dsp_engine_param_value(const DspEngine* const e,
                       const uint32_t         node,
                       const uint32_t         param)
{
  return e->cur.values[e->cur.plan->ramp_base[node] + param];
}

bool
dsp_engine_is_bypassed(const DspEngine* const e, const uint32_t node)
{
  return e->cur.plan && node < e->cur.plan->n_nodes && e->cur.bypassed[node];
}

DspStatus
dsp_engine_bypass(DspEngine* const  e,
                  const char* const node_id,
                  const bool        on,
                  const double      ramp_ms,
                  const int64_t     frame,
                  DspError* const   err)
{
  uint32_t n = 0U;
  if (!dsp_engine_find_node(e, node_id, &n, err)) {
    return DSP_ERR_NOT_FOUND;
  }

  const DspStatus st =
    dsp_runtime_send_bypass(e->rt,
                            e->cur.plan,
                            n,
                            on,
                            ramp_ms < 0.0 ? DSP_ENGINE_BYPASS_MS : ramp_ms,
                            frame);
  if (st) {
    return dsp_error_set(err, st, NULL, "command ring full; try again");
  }
  e->cur.bypassed[n] = on ? 1U : 0U;

  const DspChange change = {
    DSP_CHANGE_BYPASS, node_id, NULL, on ? 1.0f : 0.0f, NULL
  };
  return commit(e, &change, err);
}

void
dsp_engine_status(DspEngine* const e, DspEngineStatus* const status)
{
  memset(status, 0, sizeof(*status));
  dsp_runtime_stats(e->rt, &status->stats);
  status->sample_rate = e->rate;
  status->max_block   = e->max_block;
  status->graph       = e->cur.plan ? e->cur.plan->graph->name : "";
  status->uptime      = now_s() - e->started;
  status->voices      = dsp_runtime_voices(e->rt);
  status->swapping    = status->voices > 1U;
  status->n_slots     = e->n_slots;
  for (uint32_t i = 0U; e->cur.plan && i < e->cur.plan->n_nodes; ++i) {
    status->n_faulted += e->cur.faults[i].kind != DSP_FAULT_NONE ? 1U : 0U;
  }
}

bool
dsp_engine_note_fault(DspEngine* const e, const DspEvent* const ev)
{
  const DspPlan* const plan = e->cur.plan;
  if (ev->type != DSP_EVENT_FAULT || !plan || ev->plan != plan->serial ||
      ev->node >= plan->n_nodes) {
    return false;
  }
  DspNodeFault* const f = &e->cur.faults[ev->node];
  if (ev->arm != f->arm) {
    return false; // From before a re-arm that the audio thread has seen
  }
  f->kind   = ev->kind;
  f->port   = ev->port;
  f->value  = ev->sample;
  f->time_s = ev->rate > 0.0 ? (double)ev->at / ev->rate : 0.0;
  return true;
}

const DspNodeFault*
dsp_engine_fault(const DspEngine* const e, const uint32_t node)
{
  return e->cur.plan && node < e->cur.plan->n_nodes &&
             e->cur.faults[node].kind != DSP_FAULT_NONE
           ? &e->cur.faults[node]
           : NULL;
}

DspStatus
dsp_engine_rearm(DspEngine* const  e,
                 const char* const node_id,
                 const bool        reset,
                 bool* const       did_reset,
                 DspError* const   err)
{
  uint32_t             n    = 0U;
  const DspNode* const node = dsp_engine_find_node(e, node_id, &n, err);
  if (!node) {
    return DSP_ERR_NOT_FOUND;
  }
  DspNodeFault* const f   = &e->cur.faults[n];
  const uint32_t      arm = f->arm + 1U;
  const DspStatus     st =
    dsp_runtime_send_rearm(e->rt, e->cur.plan, n, reset, arm);
  if (st) {
    return dsp_error_set(err, st, NULL, "command ring full; try again");
  }
  memset(f, 0, sizeof(*f));
  f->arm = arm;
  if (did_reset) {
    *did_reset = reset && node->klass->clear;
  }
  return DSP_SUCCESS;
}

DspStatus
dsp_engine_sync(DspEngine* const e, uint32_t* const seq, DspError* const err)
{
  const uint32_t  next = e->sync_seq + 1U;
  const DspStatus st   = dsp_runtime_send_sync(e->rt, next);
  if (st) {
    return dsp_error_set(err, st, NULL, "command ring full; try again");
  }
  e->sync_seq = next;
  *seq        = next;
  return DSP_SUCCESS;
}

bool
dsp_engine_synced(const DspEngine* const e, const uint32_t seq)
{
  return (int32_t)(dsp_runtime_synced(e->rt) - seq) >= 0;
}

void
dsp_engine_collect(DspEngine* const e)
{
  dsp_runtime_collect(e->rt);
}
