// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "checkpoint.h"

#include <jansson.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Value of the payload's "format" member.
#define DSP_CHECKPOINT_FORMAT "dspengine-checkpoint"

/// Version of the payload document.
#define DSP_CHECKPOINT_VERSION 1

/// strdup() that keeps NULL.
static bool
dup_opt(const char* const s, char** const out)
{
  *out = s ? strdup(s) : NULL;
  return !s || *out;
}

DspCheckpoint*
dsp_checkpoint_new(void)
{
  return (DspCheckpoint*)calloc(1U, sizeof(DspCheckpoint));
}

void
dsp_checkpoint_clear(DspCheckpoint* const cp)
{
  for (size_t i = 0U; i < cp->n_params; ++i) {
    free(cp->params[i].node);
    free(cp->params[i].symbol);
  }
  for (size_t i = 0U; i < cp->n_states; ++i) {
    free(cp->states[i].node);
    free(cp->states[i].state);
  }
  for (size_t i = 0U; i < cp->settings.n_slots; ++i) {
    free(cp->settings.slots[i].name);
    free(cp->settings.slots[i].graph_json);
  }
  free(cp->settings.slots);
  cp->settings.slots   = NULL;
  cp->settings.n_slots = 0U;
  cp->n_params         = 0U;
  cp->n_states         = 0U;
}

void
dsp_checkpoint_free(DspCheckpoint* const cp)
{
  if (cp) {
    dsp_checkpoint_clear(cp);
    free(cp->params);
    free(cp->states);
    free(cp->graph_name);
    free(cp->graph_path);
    free(cp->graph_dir);
    free(cp->graph_json);
    free(cp->settings.backend);
    free(cp);
  }
}

DspStatus
dsp_checkpoint_set_graph(DspCheckpoint* const cp,
                         const char* const    name,
                         const char* const    path,
                         const char* const    dir,
                         const char* const    json)
{
  char* s[4] = { NULL, NULL, NULL, NULL };
  if (!dup_opt(name, &s[0]) || !dup_opt(path, &s[1]) || !dup_opt(dir, &s[2]) ||
      !dup_opt(json, &s[3])) {
    for (unsigned i = 0U; i < 4U; ++i) {
      free(s[i]);
    }
    return DSP_ERR_NO_MEM;
  }
  free(cp->graph_name);
  free(cp->graph_path);
  free(cp->graph_dir);
  free(cp->graph_json);
  cp->graph_name = s[0];
  cp->graph_path = s[1];
  cp->graph_dir  = s[2];
  cp->graph_json = s[3];
  return DSP_SUCCESS;
}

/// Make room for one more element in a growing array.
static bool
reserve(void** const  array,
        size_t* const cap,
        const size_t  n,
        const size_t  elem)
{
  if (n < *cap) {
    return true;
  }
  const size_t new_cap = *cap ? *cap * 2U : 16U;
  void* const  grown   = realloc(*array, new_cap * elem);
  if (!grown) {
    return false;
  }
  *array = grown;
  *cap   = new_cap;
  return true;
}

const DspCheckpointParam*
dsp_checkpoint_find_param(const DspCheckpoint* const cp,
                          const char* const          node,
                          const char* const          symbol)
{
  for (size_t i = 0U; i < cp->n_params; ++i) {
    if (!strcmp(cp->params[i].node, node) &&
        !strcmp(cp->params[i].symbol, symbol)) {
      return &cp->params[i];
    }
  }
  return NULL;
}

DspStatus
dsp_checkpoint_set_param(DspCheckpoint* const cp,
                         const char* const    node,
                         const char* const    symbol,
                         const float          value)
{
  if (!node || !symbol) {
    return DSP_ERR_BAD_ARG;
  }
  const DspCheckpointParam* const found =
    dsp_checkpoint_find_param(cp, node, symbol);
  if (found) {
    cp->params[found - cp->params].value = value;
    return DSP_SUCCESS;
  }

  void* array = cp->params;
  if (!reserve(&array, &cp->cap_params, cp->n_params, sizeof(*cp->params))) {
    return DSP_ERR_NO_MEM;
  }
  cp->params    = (DspCheckpointParam*)array;
  char* const n = strdup(node);
  char* const s = n ? strdup(symbol) : NULL;
  if (!s) {
    free(n);
    return DSP_ERR_NO_MEM;
  }
  cp->params[cp->n_params++] = (DspCheckpointParam){ n, s, value };
  return DSP_SUCCESS;
}

DspStatus
dsp_checkpoint_set_state(DspCheckpoint* const cp,
                         const char* const    node,
                         const char* const    state)
{
  if (!node || !state) {
    return DSP_ERR_BAD_ARG;
  }
  char* const text = strdup(state);
  if (!text) {
    return DSP_ERR_NO_MEM;
  }
  for (size_t i = 0U; i < cp->n_states; ++i) {
    if (!strcmp(cp->states[i].node, node)) {
      free(cp->states[i].state);
      cp->states[i].state = text;
      return DSP_SUCCESS;
    }
  }

  void*       array = cp->states;
  char* const n     = strdup(node);
  if (!n ||
      !reserve(&array, &cp->cap_states, cp->n_states, sizeof(*cp->states))) {
    free(n);
    free(text);
    return DSP_ERR_NO_MEM;
  }
  cp->states                 = (DspCheckpointState*)array;
  cp->states[cp->n_states++] = (DspCheckpointState){ n, text };
  return DSP_SUCCESS;
}

DspStatus
dsp_checkpoint_add_slot(DspCheckpoint* const cp,
                        const char* const    name,
                        const char* const    graph_json)
{
  if (!name || !graph_json) {
    return DSP_ERR_BAD_ARG;
  }
  DspCheckpointSettings* const set = &cp->settings;
  char* const                  n   = strdup(name);
  char* const                  g   = n ? strdup(graph_json) : NULL;
  DspCheckpointSlot* const     grown =
    g ? (DspCheckpointSlot*)realloc(set->slots,
                                    (set->n_slots + 1U) * sizeof(*set->slots))
          : NULL;
  if (!grown) {
    free(n);
    free(g);
    return DSP_ERR_NO_MEM;
  }
  set->slots                 = grown;
  set->slots[set->n_slots++] = (DspCheckpointSlot){ n, g };
  return DSP_SUCCESS;
}

void
dsp_checkpoint_note_boot(DspCheckpoint* const cp,
                         const bool           resumed,
                         const uint64_t       now_ns)
{
  DspCheckpointCounters* const c = &cp->counters;
  ++c->boots;
  c->last_boot_ns = now_ns;
  if (resumed) {
    ++c->resumes;
    if (!cp->clean) {
      ++c->crashes;
      c->last_crash_ns = now_ns;
    }
  }
  cp->clean = false;
}

// Serialisation

/// Add `value` under `key` to `obj`, taking the reference; false on failure.
static bool
put(json_t* const obj, const char* const key, json_t* const value)
{
  return value && !json_object_set_new(obj, key, value);
}

static bool
put_opt_string(json_t* const obj, const char* const key, const char* const s)
{
  return !s || put(obj, key, json_string(s));
}

static bool
append(json_t* const array, json_t* const value)
{
  return value && !json_array_append_new(array, value);
}

static json_t*
float_json(const float v)
{
  // JSON has no NaN or infinity: spell them as strings.
  if (isnan(v)) {
    return json_string("nan");
  }
  if (isinf(v)) {
    return json_string(v > 0.0f ? "inf" : "-inf");
  }
  return json_real((double)v);
}

static json_t*
u64_json(const uint64_t v)
{
  return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t*
to_json(const DspCheckpoint* const cp)
{
  json_t* const root     = json_object();
  json_t* const graph    = json_object();
  json_t* const params   = json_array();
  json_t* const states   = json_array();
  json_t* const settings = json_object();
  json_t* const slots    = json_array();
  json_t* const counters = json_object();
  if (!root || !graph || !params || !states || !settings || !slots ||
      !counters) {
    json_decref(root);
    json_decref(graph);
    json_decref(params);
    json_decref(states);
    json_decref(settings);
    json_decref(slots);
    json_decref(counters);
    return NULL;
  }

  // Attach containers first so that one decref frees everything.
  bool ok = put(root, "format", json_string(DSP_CHECKPOINT_FORMAT)) &&
            put(root, "version", json_integer(DSP_CHECKPOINT_VERSION)) &&
            put(root, "clean", json_boolean(cp->clean)) &&
            put(root, "graph", graph) && put(root, "params", params) &&
            put(root, "states", states) && put(root, "settings", settings) &&
            put(root, "counters", counters) && put(settings, "slots", slots);
  if (!ok) {
    // A failed put consumed its value; decref those not yet attached.
    json_decref(root);
    return NULL;
  }

  ok = put_opt_string(graph, "name", cp->graph_name) &&
       put_opt_string(graph, "path", cp->graph_path) &&
       put_opt_string(graph, "dir", cp->graph_dir) &&
       put_opt_string(graph, "json", cp->graph_json);

  for (size_t i = 0U; ok && i < cp->n_params; ++i) {
    const DspCheckpointParam* const p = &cp->params[i];
    json_t* const                   o = json_object();
    ok = append(params, o) && put(o, "node", json_string(p->node)) &&
         put(o, "param", json_string(p->symbol)) &&
         put(o, "value", float_json(p->value));
  }
  for (size_t i = 0U; ok && i < cp->n_states; ++i) {
    json_t* const o = json_object();
    ok = append(states, o) && put(o, "node", json_string(cp->states[i].node)) &&
         put(o, "state", json_string(cp->states[i].state));
  }

  const DspCheckpointSettings* const set = &cp->settings;
  ok = ok && put(settings, "sample_rate", json_real(set->sample_rate)) &&
       put(settings, "period", json_integer(set->period)) &&
       put_opt_string(settings, "backend", set->backend);
  for (size_t i = 0U; ok && i < set->n_slots; ++i) {
    json_t* const o = json_object();
    ok = append(slots, o) && put(o, "name", json_string(set->slots[i].name)) &&
         put(o, "graph", json_string(set->slots[i].graph_json));
  }

  const DspCheckpointCounters* const c = &cp->counters;
  ok = ok && put(counters, "boots", u64_json(c->boots)) &&
       put(counters, "resumes", u64_json(c->resumes)) &&
       put(counters, "crashes", u64_json(c->crashes)) &&
       put(counters, "last_boot_ns", u64_json(c->last_boot_ns)) &&
       put(counters, "last_crash_ns", u64_json(c->last_crash_ns)) &&
       put(counters, "graph_loads", u64_json(c->graph_loads)) &&
       put(counters, "param_changes", u64_json(c->param_changes));
  if (!ok) {
    json_decref(root);
    return NULL;
  }
  return root;
}

DspStatus
dsp_checkpoint_to_json(const DspCheckpoint* const cp,
                       char** const               text,
                       size_t* const              size,
                       DspError* const            err)
{
  *text             = NULL;
  json_t* const doc = to_json(cp);
  char* const   s =
    doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
  json_decref(doc);
  if (!s) {
    // json_string() also fails on invalid UTF-8; say which is likelier.
    return dsp_error_set(err,
                         doc ? DSP_ERR_NO_MEM : DSP_ERR_BAD_ARG,
                         NULL,
                         "checkpoint: cannot serialise (out of memory, or a "
                         "string is not valid UTF-8)");
  }
  *text = s;
  *size = strlen(s);
  return DSP_SUCCESS;
}

// Parsing

/// Parsing context: the error and a JSON pointer being built.
typedef struct {
  DspError* err;      ///< Where to report
  char      path[96]; ///< JSON pointer of the value being read
} Parser;

static DspStatus
fail(Parser* const p, const char* const what)
{
  return dsp_error_set(p->err, DSP_ERR_SYNTAX, p->path, "expected %s", what);
}

static DspStatus
no_mem(Parser* const p)
{
  return dsp_error_set(p->err, DSP_ERR_NO_MEM, NULL, "out of memory");
}

/// Set p->path to `fmt`, printf-style.
static void __attribute__((format(printf, 2, 3)))
at(Parser* const p, const char* const fmt, ...)
{
  va_list args;
  va_start(args, fmt);
  vsnprintf(p->path, sizeof(p->path), fmt, args);
  va_end(args);
}

/// Get an optional string member; NULL if absent or null.
static DspStatus
get_string(Parser* const      p,
           const json_t*      obj,
           const char* const  key,
           const bool         required,
           const char** const out)
{
  const json_t* const v = json_object_get(obj, key);
  *out                  = NULL;
  if (!v || json_is_null(v)) {
    return required ? fail(p, "a string") : DSP_SUCCESS;
  }
  if (!json_is_string(v)) {
    return fail(p, "a string");
  }
  *out = json_string_value(v);
  return DSP_SUCCESS;
}

static DspStatus
get_u64(Parser* const p, const json_t* const v, uint64_t* const out)
{
  if (!v) {
    *out = 0U;
    return DSP_SUCCESS;
  }
  if (!json_is_integer(v) || json_integer_value(v) < 0) {
    return fail(p, "a non-negative integer");
  }
  *out = (uint64_t)json_integer_value(v);
  return DSP_SUCCESS;
}

static DspStatus
get_float(Parser* const p, const json_t* const v, float* const out)
{
  if (json_is_number(v)) {
    *out = (float)json_number_value(v);
    return DSP_SUCCESS;
  }
  const char* const s = json_string_value(v);
  if (s && !strcmp(s, "nan")) {
    *out = NAN;
  } else if (s && !strcmp(s, "inf")) {
    *out = INFINITY;
  } else if (s && !strcmp(s, "-inf")) {
    *out = -INFINITY;
  } else {
    return fail(p, "a number");
  }
  return DSP_SUCCESS;
}

static DspStatus
parse_graph(Parser* const p, const json_t* const root, DspCheckpoint* const cp)
{
  const json_t* const graph = json_object_get(root, "graph");
  at(p, "/graph");
  if (!json_is_object(graph)) {
    return fail(p, "an object");
  }
  const char* s[4]    = { NULL, NULL, NULL, NULL };
  const char* keys[4] = { "name", "path", "dir", "json" };
  for (unsigned i = 0U; i < 4U; ++i) {
    at(p, "/graph/%s", keys[i]);
    const DspStatus st = get_string(p, graph, keys[i], false, &s[i]);
    if (st) {
      return st;
    }
  }
  return dsp_checkpoint_set_graph(cp, s[0], s[1], s[2], s[3]) ? no_mem(p)
                                                              : DSP_SUCCESS;
}

static DspStatus
parse_params(Parser* const p, const json_t* const root, DspCheckpoint* const cp)
{
  const json_t* const params = json_object_get(root, "params");
  at(p, "/params");
  if (!json_is_array(params)) {
    return fail(p, "an array");
  }
  for (size_t i = 0U; i < json_array_size(params); ++i) {
    const json_t* const o = json_array_get(params, i);
    const char*         node;
    const char*         symbol;
    float               value = 0.0f;
    DspStatus           st    = DSP_SUCCESS;
    at(p, "/params/%zu", i);
    if (!json_is_object(o)) {
      return fail(p, "an object");
    }
    at(p, "/params/%zu/node", i);
    if ((st = get_string(p, o, "node", true, &node))) {
      return st;
    }
    at(p, "/params/%zu/param", i);
    if ((st = get_string(p, o, "param", true, &symbol))) {
      return st;
    }
    at(p, "/params/%zu/value", i);
    if ((st = get_float(p, json_object_get(o, "value"), &value))) {
      return st;
    }
    if (dsp_checkpoint_set_param(cp, node, symbol, value)) {
      return no_mem(p);
    }
  }
  return DSP_SUCCESS;
}

static DspStatus
parse_states(Parser* const p, const json_t* const root, DspCheckpoint* const cp)
{
  const json_t* const states = json_object_get(root, "states");
  at(p, "/states");
  if (!json_is_array(states)) {
    return fail(p, "an array");
  }
  for (size_t i = 0U; i < json_array_size(states); ++i) {
    const json_t* const o = json_array_get(states, i);
    const char*         node;
    const char*         text;
    DspStatus           st = DSP_SUCCESS;
    at(p, "/states/%zu", i);
    if (!json_is_object(o)) {
      return fail(p, "an object");
    }
    at(p, "/states/%zu/node", i);
    if ((st = get_string(p, o, "node", true, &node))) {
      return st;
    }
    at(p, "/states/%zu/state", i);
    if ((st = get_string(p, o, "state", true, &text))) {
      return st;
    }
    if (dsp_checkpoint_set_state(cp, node, text)) {
      return no_mem(p);
    }
  }
  return DSP_SUCCESS;
}

static DspStatus
parse_settings(Parser* const        p,
               const json_t* const  root,
               DspCheckpoint* const cp)
{
  const json_t* const set = json_object_get(root, "settings");
  at(p, "/settings");
  if (!json_is_object(set)) {
    return fail(p, "an object");
  }

  const json_t* const rate = json_object_get(set, "sample_rate");
  at(p, "/settings/sample_rate");
  if (rate && (!json_is_number(rate) || !(json_number_value(rate) >= 0.0))) {
    return fail(p, "a non-negative number");
  }
  cp->settings.sample_rate = rate ? json_number_value(rate) : 0.0;

  uint64_t  period = 0U;
  DspStatus st     = DSP_SUCCESS;
  at(p, "/settings/period");
  if ((st = get_u64(p, json_object_get(set, "period"), &period))) {
    return st;
  }
  if (period > UINT32_MAX) {
    return fail(p, "a period below 2^32");
  }
  cp->settings.period = (uint32_t)period;

  const char* backend = NULL;
  at(p, "/settings/backend");
  if ((st = get_string(p, set, "backend", false, &backend))) {
    return st;
  }
  if (backend && !(cp->settings.backend = strdup(backend))) {
    return no_mem(p);
  }

  const json_t* const slots = json_object_get(set, "slots");
  at(p, "/settings/slots");
  if (slots && !json_is_array(slots)) {
    return fail(p, "an array");
  }
  for (size_t i = 0U; i < json_array_size(slots); ++i) {
    const json_t* const o = json_array_get(slots, i);
    const char*         name;
    const char*         graph;
    at(p, "/settings/slots/%zu", i);
    if (!json_is_object(o)) {
      return fail(p, "an object");
    }
    at(p, "/settings/slots/%zu/name", i);
    if ((st = get_string(p, o, "name", true, &name))) {
      return st;
    }
    at(p, "/settings/slots/%zu/graph", i);
    if ((st = get_string(p, o, "graph", true, &graph))) {
      return st;
    }
    if (dsp_checkpoint_add_slot(cp, name, graph)) {
      return no_mem(p);
    }
  }
  return DSP_SUCCESS;
}

static DspStatus
parse_counters(Parser* const        p,
               const json_t* const  root,
               DspCheckpoint* const cp)
{
  const json_t* const c = json_object_get(root, "counters");
  at(p, "/counters");
  if (!json_is_object(c)) {
    return fail(p, "an object");
  }

  static const char* const keys[]   = { "boots",         "resumes",
                                        "crashes",       "last_boot_ns",
                                        "last_crash_ns", "graph_loads",
                                        "param_changes" };
  uint64_t* const          fields[] = {
             &cp->counters.boots,         &cp->counters.resumes,
             &cp->counters.crashes,       &cp->counters.last_boot_ns,
             &cp->counters.last_crash_ns, &cp->counters.graph_loads,
             &cp->counters.param_changes,
  };
  for (size_t i = 0U; i < sizeof(keys) / sizeof(keys[0]); ++i) {
    at(p, "/counters/%s", keys[i]);
    const DspStatus st = get_u64(p, json_object_get(c, keys[i]), fields[i]);
    if (st) {
      return st;
    }
  }
  return DSP_SUCCESS;
}

DspStatus
dsp_checkpoint_from_json(const char* const     text,
                         const size_t          size,
                         DspCheckpoint** const out,
                         DspError* const       err)
{
  *out = NULL;
  json_error_t  jerr;
  json_t* const root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    // jansson reports allocation failures as parse errors too.
    return dsp_error_set(err,
                         DSP_ERR_SYNTAX,
                         NULL,
                         "line %d column %d: %s",
                         jerr.line,
                         jerr.column,
                         jerr.text);
  }

  Parser               p   = { err, "" };
  DspStatus            st  = DSP_SUCCESS;
  const json_t* const  fmt = json_object_get(root, "format");
  const json_t* const  ver = json_object_get(root, "version");
  const json_t* const  cln = json_object_get(root, "clean");
  DspCheckpoint* const cp  = dsp_checkpoint_new();
  if (!cp) {
    st = no_mem(&p);
  } else if (!json_is_object(root)) {
    st = fail(&p, "an object");
  } else if (!json_is_string(fmt) ||
             strcmp(json_string_value(fmt), DSP_CHECKPOINT_FORMAT)) {
    at(&p, "/format");
    st = fail(&p, "\"" DSP_CHECKPOINT_FORMAT "\"");
  } else if (!json_is_integer(ver)) {
    at(&p, "/version");
    st = fail(&p, "an integer");
  } else if (json_integer_value(ver) != DSP_CHECKPOINT_VERSION) {
    at(&p, "/version");
    st = dsp_error_set(err,
                       DSP_ERR_UNSUPPORTED,
                       p.path,
                       "checkpoint version %lld not supported (this "
                       "dspengine reads version %d)",
                       (long long)json_integer_value(ver),
                       DSP_CHECKPOINT_VERSION);
  } else if (cln && !json_is_boolean(cln)) {
    at(&p, "/clean");
    st = fail(&p, "a boolean");
  } else {
    cp->clean = json_is_true(cln);
    if (!(st = parse_graph(&p, root, cp)) &&
        !(st = parse_params(&p, root, cp)) &&
        !(st = parse_states(&p, root, cp)) &&
        !(st = parse_settings(&p, root, cp))) {
      st = parse_counters(&p, root, cp);
    }
  }

  json_decref(root);
  if (st) {
    dsp_checkpoint_free(cp);
    return st;
  }
  *out = cp;
  return DSP_SUCCESS;
}

// Region

DspStatus
dsp_checkpoint_write(DspRegion* const           region,
                     const DspCheckpoint* const cp,
                     DspCheckpointInfo* const   info,
                     DspError* const            err)
{
  if (!dsp_region_writable(region)) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         NULL,
                         "state region %s: opened read-only",
                         dsp_region_path(region));
  }

  char*     text = NULL;
  size_t    size = 0U;
  DspStatus st   = dsp_checkpoint_to_json(cp, &text, &size, err);
  if (st) {
    return st;
  }

  DspSlotInfo slot;
  st = dsp_slots_commit(region,
                        text,
                        size,
                        DSP_STATE_FORMAT_JSON,
                        cp->clean ? DSP_STATE_SLOT_CLEAN : 0U,
                        &slot,
                        err);
  free(text);
  if (!st && info) {
    memset(info, 0, sizeof(*info));
    info->slot            = slot;
    DspLayoutGeometry geo = { 0U, { 0U, 0U }, 0U, 0U };
    dsp_layout_geometry(dsp_region_size(region), &geo);
    dsp_slots_peek(region, &geo, 1U - slot.slot, &info->other);
    info->hint_valid = true;
    info->hint_gen   = slot.generation;
  }
  return st;
}

/// Read and decode one slot.
static DspStatus
read_slot(const DspRegion* const         region,
          const DspLayoutGeometry* const geo,
          const unsigned                 slot,
          DspSlotInfo* const             info,
          DspCheckpoint** const          out,
          DspError* const                err)
{
  const char* const path    = dsp_region_path(region);
  uint8_t*          payload = NULL;
  DspStatus         st      = dsp_slots_read(region, geo, slot, &payload, info);
  if (st == DSP_ERR_NO_MEM) {
    return dsp_error_set(err, st, NULL, "state region %s: out of memory", path);
  }
  if (st) {
    return dsp_error_set(err,
                         DSP_ERR_SYNTAX,
                         NULL,
                         "state region %s: slot %u: %s",
                         path,
                         slot,
                         info->reason);
  }
  if (info->payload_format != DSP_STATE_FORMAT_JSON) {
    free(payload);
    snprintf(info->reason,
             sizeof(info->reason),
             "unknown payload format %u",
             info->payload_format);
    info->condition = DSP_SLOT_BAD_FIELD;
    return dsp_error_set(err,
                         DSP_ERR_UNSUPPORTED,
                         NULL,
                         "state region %s: slot %u: unknown payload format %u "
                         "(written by a newer dspengine?)",
                         path,
                         slot,
                         info->payload_format);
  }

  DspError perr;
  dsp_error_clear(&perr);
  st = dsp_checkpoint_from_json(
    (const char*)payload, info->payload_length, out, &perr);
  free(payload);
  if (st) {
    char msg[1024];
    dsp_error_format(&perr, msg, sizeof(msg));
    info->condition = DSP_SLOT_BAD_PAYLOAD;
    snprintf(info->reason, sizeof(info->reason), "payload: %.80s", msg);
    return dsp_error_set(err,
                         st,
                         NULL,
                         "state region %s: slot %u generation %llu: %s",
                         path,
                         slot,
                         (unsigned long long)info->generation,
                         msg);
  }
  return DSP_SUCCESS;
}

DspStatus
dsp_checkpoint_read(const DspRegion* const   region,
                    DspCheckpoint** const    out,
                    DspCheckpointInfo* const info,
                    DspError* const          err)
{
  *out = NULL;
  DspCheckpointInfo        local;
  DspCheckpointInfo* const inf = info ? info : &local;
  memset(inf, 0, sizeof(*inf));

  DspLayoutGeometry geo = { 0U, { 0U, 0U }, 0U, 0U };
  DspStatus         st  = dsp_slots_check(region, &geo, err);
  if (st) {
    return st;
  }
  unsigned hint_slot = 0U;
  inf->hint_valid    = dsp_slots_hint(region, &inf->hint_gen, &hint_slot);

  DspSlotInfo peek[2];
  dsp_slots_peek(region, &geo, 0U, &peek[0]);
  dsp_slots_peek(region, &geo, 1U, &peek[1]);
  const unsigned first =
    (peek[1].condition == DSP_SLOT_VALID &&
     (peek[0].condition != DSP_SLOT_VALID ||
      dsp_slots_newer(peek[1].generation, peek[0].generation)))
      ? 1U
      : 0U;

  DspSlotInfo found[2] = { peek[0], peek[1] };
  DspStatus   first_st = DSP_ERR_NOT_FOUND;
  for (unsigned k = 0U; k < 2U; ++k) {
    const unsigned i = k ? 1U - first : first;
    if (peek[i].condition != DSP_SLOT_VALID) {
      continue;
    }
    DspError e;
    dsp_error_clear(&e);
    st = read_slot(region, &geo, i, &found[i], out, &e);
    if (!st) {
      inf->slot      = found[i];
      inf->other     = found[1U - i];
      inf->fell_back = k > 0U || (found[1U - i].condition != DSP_SLOT_VALID &&
                                  found[1U - i].condition != DSP_SLOT_EMPTY);
      return DSP_SUCCESS;
    }
    if (st == DSP_ERR_NO_MEM) {
      if (err) {
        *err = e;
      }
      return st;
    }
    if (first_st == DSP_ERR_NOT_FOUND) {
      first_st = st;
    }
  }

  inf->slot  = found[0];
  inf->other = found[1];
  if (found[0].condition == DSP_SLOT_EMPTY &&
      found[1].condition == DSP_SLOT_EMPTY) {
    return dsp_error_set(err,
                         DSP_ERR_NOT_FOUND,
                         NULL,
                         "state region %s: no checkpoint yet",
                         dsp_region_path(region));
  }
  return dsp_error_set(
    err,
    first_st == DSP_ERR_UNSUPPORTED ? DSP_ERR_UNSUPPORTED : DSP_ERR_SYNTAX,
    NULL,
    "state region %s: no valid checkpoint "
    "(slot 0: %s; slot 1: %s)",
    dsp_region_path(region),
    found[0].condition == DSP_SLOT_VALID ? "valid" : found[0].reason,
    found[1].condition == DSP_SLOT_VALID ? "valid" : found[1].reason);
}
