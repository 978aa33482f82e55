// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// JSON text -> DspGraph.  Checks form only (types, names, references between
// nodes and channels); binding ports and parameters to real plugins is the
// compiler's job.

#include "graph.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/// Parsing context: where errors are reported.
typedef struct {
  DspError* err; ///< Error to fill, may be NULL
} Ctx;

static const char* const top_keys[] = { "name",    "description", "inputs",
                                        "outputs", "nodes",       "connections",
                                        "ramp_ms", NULL };

static const char* const conn_keys[] = { "from", "to", NULL };

static const char*
json_type_name(const json_t* const value)
{
  switch (json_typeof(value)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  case JSON_NULL:
    return "null";
  }
  return "a value";
}

static DspStatus
type_error(Ctx* const          ctx,
           const char* const   path,
           const json_t* const value,
           const char* const   expected)
{
  return dsp_error_set(ctx->err,
                       DSP_ERR_BAD_GRAPH,
                       path,
                       "expected %s, got %s",
                       expected,
                       value ? json_type_name(value) : "nothing");
}

static unsigned
json_depth(json_t* const value)
{
  unsigned deepest = 0U;
  if (json_is_object(value)) {
    const char* key   = NULL;
    json_t*     child = NULL;
    json_object_foreach(value, key, child)
    {
      const unsigned d = json_depth(child);
      deepest          = d > deepest ? d : deepest;
    }
  } else if (json_is_array(value)) {
    size_t  i     = 0U;
    json_t* child = NULL;
    json_array_foreach(value, i, child)
    {
      const unsigned d = json_depth(child);
      deepest          = d > deepest ? d : deepest;
    }
  } else {
    return 0U;
  }
  return deepest + 1U;
}

/// Check that `obj` has only `allowed` keys.
static DspStatus
check_keys(Ctx* const         ctx,
           const char* const  path,
           json_t* const      obj,
           const char* const* allowed)
{
  const char* key   = NULL;
  json_t*     value = NULL;
  json_object_foreach(obj, key, value)
  {
    bool known = false;
    for (const char* const* k = allowed; *k && !known; ++k) {
      known = !strcmp(*k, key);
    }
    if (!known) {
      char list[256] = { 0 };
      for (const char* const* k = allowed; *k; ++k) {
        strncat(list, *k, sizeof(list) - strlen(list) - 3U);
        if (k[1]) {
          strncat(list, ", ", sizeof(list) - strlen(list) - 1U);
        }
      }
      return dsp_error_set(ctx->err,
                           DSP_ERR_BAD_GRAPH,
                           path,
                           "unknown key \"%s\" (expected one of: %s)",
                           key,
                           list);
    }
  }
  return DSP_SUCCESS;
}

/// Check an id or channel name: 1..MAX_NAME chars of [A-Za-z0-9_.-].
static DspStatus
check_name(Ctx* const        ctx,
           const char* const path,
           const char* const name,
           const char* const what)
{
  const size_t len = strlen(name);
  if (!len || len > DSP_GRAPH_MAX_NAME) {
    return dsp_error_set(
      ctx->err,
      len ? DSP_ERR_LIMIT : DSP_ERR_BAD_GRAPH,
      path,
      "%s must be 1 to %u characters long (DSP_GRAPH_MAX_NAME)",
      what,
      DSP_GRAPH_MAX_NAME);
  }

  for (const char* c = name; *c; ++c) {
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
          (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.')) {
      return dsp_error_set(ctx->err,
                           DSP_ERR_BAD_GRAPH,
                           path,
                           "%s \"%s\" has invalid character '%c' (expected "
                           "letters, digits, '_', '-' or '.')",
                           what,
                           name,
                           *c);
    }
  }
  return DSP_SUCCESS;
}

static DspStatus
parse_channels(Ctx* const          ctx,
               const json_t* const root,
               const char* const   key,
               char***             names,
               uint32_t*           n_names)
{
  char path[64];
  snprintf(path, sizeof(path), "/%s", key);

  const json_t* const array = json_object_get(root, key);
  if (!array) {
    return dsp_error_set(ctx->err,
                         DSP_ERR_BAD_GRAPH,
                         path,
                         "missing \"%s\" (expected an array of channel names)",
                         key);
  }
  if (!json_is_array(array)) {
    return type_error(ctx, path, array, "an array of channel names");
  }

  const size_t n = json_array_size(array);
  if (n > DSP_GRAPH_MAX_CHANNELS) {
    return dsp_error_set(
      ctx->err,
      DSP_ERR_LIMIT,
      path,
      "%zu channels, at most %u allowed (DSP_GRAPH_MAX_CHANNELS)",
      n,
      DSP_GRAPH_MAX_CHANNELS);
  }

  *names = (char**)calloc(n + 1U, sizeof(char*));
  if (!*names) {
    return dsp_error_set(ctx->err, DSP_ERR_NO_MEM, path, "out of memory");
  }

  for (size_t i = 0U; i < n; ++i) {
    const json_t* const item = json_array_get(array, i);
    char                ipath[80];
    snprintf(ipath, sizeof(ipath), "%s/%zu", path, i);
    if (!json_is_string(item)) {
      return type_error(ctx, ipath, item, "a channel name string");
    }

    const char* const name = json_string_value(item);
    DspStatus         st   = check_name(ctx, ipath, name, "channel name");
    if (st) {
      return st;
    }
    for (size_t j = 0U; j < i; ++j) {
      if (!strcmp((*names)[j], name)) {
        return dsp_error_set(ctx->err,
                             DSP_ERR_BAD_GRAPH,
                             ipath,
                             "duplicate channel name \"%s\" (also at %s/%zu)",
                             name,
                             path,
                             j);
      }
    }

    if (!((*names)[i] = strdup(name))) {
      return dsp_error_set(ctx->err, DSP_ERR_NO_MEM, ipath, "out of memory");
    }
    *n_names = (uint32_t)i + 1U;
  }

  return DSP_SUCCESS;
}

static DspStatus
parse_params(Ctx* const ctx, DspGraphNode* const node, json_t* const params)
{
  char path[64];
  snprintf(path, sizeof(path), "%s/params", node->path);
  if (!json_is_object(params)) {
    return type_error(
      ctx, path, params, "an object of parameter names to numbers");
  }

  const size_t n = json_object_size(params);
  if (n > DSP_GRAPH_MAX_PARAMS) {
    return dsp_error_set(ctx->err,
                         DSP_ERR_LIMIT,
                         path,
                         "%zu parameter values, at most %u allowed "
                         "(DSP_GRAPH_MAX_PARAMS)",
                         n,
                         DSP_GRAPH_MAX_PARAMS);
  }
  node->params = (DspGraphParam*)calloc(n + 1U, sizeof(DspGraphParam));
  if (!node->params) {
    return dsp_error_set(ctx->err, DSP_ERR_NO_MEM, path, "out of memory");
  }

  const char* key   = NULL;
  json_t*     value = NULL;
  json_object_foreach(params, key, value)
  {
    DspGraphParam* const p = &node->params[node->n_params];
    // JSON pointer escaping of '/' and '~' in names
    char   escaped[64] = { 0 };
    size_t e           = 0U;
    for (const char* c = key; *c && e + 3U < sizeof(escaped); ++c) {
      if (*c == '~' || *c == '/') {
        escaped[e++] = '~';
        escaped[e++] = (*c == '~') ? '0' : '1';
      } else {
        escaped[e++] = *c;
      }
    }
    snprintf(p->path, sizeof(p->path), "%s/%s", path, escaped);

    if (!json_is_number(value)) {
      return type_error(ctx, p->path, value, "a number");
    }
    const double v = json_number_value(value);
    if (!isfinite(v) || fabs(v) > 3.4e38) {
      return dsp_error_set(
        ctx->err, DSP_ERR_RANGE, p->path, "value is not a finite float");
    }
    if (strlen(key) > DSP_GRAPH_MAX_PARAM_NAME) {
      return dsp_error_set(ctx->err,
                           DSP_ERR_LIMIT,
                           p->path,
                           "parameter name longer than %u characters "
                           "(DSP_GRAPH_MAX_PARAM_NAME)",
                           DSP_GRAPH_MAX_PARAM_NAME);
    }
    if (!(p->name = strdup(key))) {
      return dsp_error_set(ctx->err, DSP_ERR_NO_MEM, p->path, "out of memory");
    }
    p->value = (float)v;
    ++node->n_params;
  }

  return DSP_SUCCESS;
}

static DspStatus
parse_node(Ctx* const      ctx,
           DspGraph* const graph,
           const size_t    index,
           json_t* const   obj)
{
  DspGraphNode* const node = &graph->nodes[index];
  snprintf(node->path, sizeof(node->path), "/nodes/%zu", index);
  if (!json_is_object(obj)) {
    return type_error(ctx, node->path, obj, "a node object");
  }

  char                path[64];
  const json_t* const id = json_object_get(obj, "id");
  snprintf(path, sizeof(path), "%s/id", node->path);
  if (!json_is_string(id)) {
    return type_error(ctx, path, id, "a node id string");
  }

  DspStatus st = check_name(ctx, path, json_string_value(id), "node id");
  if (st) {
    return st;
  }
  if (!strcmp(json_string_value(id), DSP_GRAPH_EXTERNAL)) {
    return dsp_error_set(ctx->err,
                         DSP_ERR_BAD_GRAPH,
                         path,
                         "node id \"%s\" is reserved for the graph's own "
                         "inputs and outputs",
                         DSP_GRAPH_EXTERNAL);
  }
  for (size_t j = 0U; j < index; ++j) {
    if (!strcmp(graph->nodes[j].id, json_string_value(id))) {
      return dsp_error_set(ctx->err,
                           DSP_ERR_BAD_GRAPH,
                           path,
                           "duplicate node id \"%s\" (first used at %s)",
                           json_string_value(id),
                           graph->nodes[j].path);
    }
  }

  const json_t* const kind = json_object_get(obj, "kind");
  snprintf(path, sizeof(path), "%s/kind", node->path);
  if (!json_is_string(kind)) {
    return type_error(ctx,
                      path,
                      kind,
                      "a node kind string (\"lv2\", \"faust\", \"gain\", ...)");
  }

  // Length limits of the kinds' string keys, checked here for every kind
  static const struct {
    const char* key;
    size_t      max;
    const char* name;
  } strings[] = {
    { "uri", DSP_GRAPH_MAX_PATH, "DSP_GRAPH_MAX_PATH" },
    { "file", DSP_GRAPH_MAX_PATH, "DSP_GRAPH_MAX_PATH" },
    { "effect", DSP_GRAPH_MAX_PATH, "DSP_GRAPH_MAX_PATH" },
    { "code", DSP_GRAPH_MAX_CODE, "DSP_GRAPH_MAX_CODE" },
  };
  for (size_t k = 0U; k < sizeof(strings) / sizeof(strings[0]); ++k) {
    const json_t* const v = json_object_get(obj, strings[k].key);
    if (json_is_string(v) && json_string_length(v) > strings[k].max) {
      snprintf(path, sizeof(path), "%s/%s", node->path, strings[k].key);
      return dsp_error_set(ctx->err,
                           DSP_ERR_LIMIT,
                           path,
                           "\"%s\" is %zu bytes, at most %zu allowed (%s)",
                           strings[k].key,
                           json_string_length(v),
                           strings[k].max,
                           strings[k].name);
    }
  }

  node->config = json_incref(obj);
  if (!(node->id = strdup(json_string_value(id))) ||
      !(node->kind = strdup(json_string_value(kind)))) {
    return dsp_error_set(ctx->err, DSP_ERR_NO_MEM, path, "out of memory");
  }
  ++graph->n_nodes;

  json_t* const params = json_object_get(obj, "params");
  return params ? parse_params(ctx, node, params) : DSP_SUCCESS;
}

/// Parse "node:port" into `ep`, checking that the node or channel exists.
static DspStatus
parse_endpoint(Ctx* const          ctx,
               const DspGraph*     graph,
               const char* const   path,
               const json_t* const value,
               const bool          is_source,
               DspEndpoint* const  ep)
{
  if (!json_is_string(value)) {
    return type_error(ctx, path, value, "a \"node:port\" string");
  }

  const char* const str   = json_string_value(value);
  const char* const colon = strchr(str, ':');
  if (!colon || colon == str || !colon[1]) {
    return dsp_error_set(ctx->err,
                         DSP_ERR_BAD_GRAPH,
                         path,
                         "\"%s\" is not of the form \"node:port\" (or \"%s:"
                         "channel\")",
                         str,
                         DSP_GRAPH_EXTERNAL);
  }

  if (strlen(colon + 1) > DSP_GRAPH_MAX_NAME) {
    return dsp_error_set(ctx->err,
                         DSP_ERR_LIMIT,
                         path,
                         "port or channel name longer than %u characters "
                         "(DSP_GRAPH_MAX_NAME)",
                         DSP_GRAPH_MAX_NAME);
  }
  ep->node = strndup(str, (size_t)(colon - str));
  ep->port = strdup(colon + 1);
  if (!ep->node || !ep->port) {
    return dsp_error_set(ctx->err, DSP_ERR_NO_MEM, path, "out of memory");
  }

  if (!strcmp(ep->node, DSP_GRAPH_EXTERNAL)) {
    if (dsp_graph_find_channel(graph, is_source, ep->port) < 0) {
      return dsp_error_set(ctx->err,
                           DSP_ERR_NOT_FOUND,
                           path,
                           "graph has no %s channel \"%s\" (see /%s)",
                           is_source ? "input" : "output",
                           ep->port,
                           is_source ? "inputs" : "outputs");
    }
  } else if (dsp_graph_find_node(graph, ep->node) < 0) {
    return dsp_error_set(
      ctx->err, DSP_ERR_NOT_FOUND, path, "no node with id \"%s\"", ep->node);
  }

  return DSP_SUCCESS;
}

static DspStatus
parse_graph(Ctx* const ctx, DspGraph* const graph, json_t* const root)
{
  if (!json_is_object(root)) {
    return type_error(ctx, "", root, "a graph object");
  }

  const unsigned depth = json_depth(root);
  if (depth > DSP_GRAPH_MAX_DEPTH) {
    return dsp_error_set(
      ctx->err,
      DSP_ERR_LIMIT,
      "",
      "JSON nested %u deep, at most %u allowed (DSP_GRAPH_MAX_DEPTH)",
      depth,
      DSP_GRAPH_MAX_DEPTH);
  }

  DspStatus st = check_keys(ctx, "", root, top_keys);
  if (st) {
    return st;
  }

  const json_t* const name = json_object_get(root, "name");
  if (!json_is_string(name)) {
    return type_error(ctx, "/name", name, "a graph name string");
  }
  if ((st = check_name(ctx, "/name", json_string_value(name), "graph name"))) {
    return st;
  }
  if (!(graph->name = strdup(json_string_value(name)))) {
    return dsp_error_set(ctx->err, DSP_ERR_NO_MEM, "/name", "out of memory");
  }

  const json_t* const description = json_object_get(root, "description");
  if (description && !json_is_string(description)) {
    return type_error(ctx, "/description", description, "a string");
  }
  if (description && json_string_length(description) > DSP_GRAPH_MAX_TEXT) {
    return dsp_error_set(ctx->err,
                         DSP_ERR_LIMIT,
                         "/description",
                         "%zu bytes, at most %u allowed (DSP_GRAPH_MAX_TEXT)",
                         json_string_length(description),
                         DSP_GRAPH_MAX_TEXT);
  }

  const json_t* const ramp = json_object_get(root, "ramp_ms");
  if (ramp && (!json_is_number(ramp) || json_number_value(ramp) < 0.0 ||
               json_number_value(ramp) > 10000.0)) {
    return dsp_error_set(ctx->err,
                         DSP_ERR_BAD_GRAPH,
                         "/ramp_ms",
                         "expected a number of milliseconds in [0, 10000]");
  }

  if ((st = parse_channels(
         ctx, root, "inputs", &graph->inputs, &graph->n_inputs)) ||
      (st = parse_channels(
         ctx, root, "outputs", &graph->outputs, &graph->n_outputs))) {
    return st;
  }

  const json_t* const nodes = json_object_get(root, "nodes");
  if (!json_is_array(nodes)) {
    return type_error(ctx, "/nodes", nodes, "an array of nodes");
  }
  const size_t n_nodes = json_array_size(nodes);
  if (n_nodes > DSP_GRAPH_MAX_NODES) {
    return dsp_error_set(ctx->err,
                         DSP_ERR_LIMIT,
                         "/nodes",
                         "%zu nodes, at most %u allowed (DSP_GRAPH_MAX_NODES)",
                         n_nodes,
                         DSP_GRAPH_MAX_NODES);
  }
  graph->nodes = (DspGraphNode*)calloc(n_nodes + 1U, sizeof(DspGraphNode));
  if (!graph->nodes) {
    return dsp_error_set(ctx->err, DSP_ERR_NO_MEM, "/nodes", "out of memory");
  }
  for (size_t i = 0U; i < n_nodes; ++i) {
    if ((st = parse_node(ctx, graph, i, json_array_get(nodes, i)))) {
      return st;
    }
  }

  const json_t* const conns = json_object_get(root, "connections");
  if (!json_is_array(conns)) {
    return type_error(ctx, "/connections", conns, "an array of connections");
  }
  const size_t n_conns = json_array_size(conns);
  if (n_conns > DSP_GRAPH_MAX_CONNS) {
    return dsp_error_set(
      ctx->err,
      DSP_ERR_LIMIT,
      "/connections",
      "%zu connections, at most %u allowed (DSP_GRAPH_MAX_CONNS)",
      n_conns,
      DSP_GRAPH_MAX_CONNS);
  }
  graph->conns = (DspGraphConn*)calloc(n_conns + 1U, sizeof(DspGraphConn));
  if (!graph->conns) {
    return dsp_error_set(
      ctx->err, DSP_ERR_NO_MEM, "/connections", "out of memory");
  }

  for (size_t i = 0U; i < n_conns; ++i) {
    DspGraphConn* const conn = &graph->conns[i];
    json_t* const       obj  = json_array_get(conns, i);
    snprintf(conn->path, sizeof(conn->path), "/connections/%zu", i);
    graph->n_conns = (uint32_t)i + 1U;
    if (!json_is_object(obj)) {
      return type_error(
        ctx, conn->path, obj, "a {\"from\": ..., \"to\": ...} object");
    }
    if ((st = check_keys(ctx, conn->path, obj, conn_keys))) {
      return st;
    }

    char from_path[64];
    char to_path[64];
    snprintf(from_path, sizeof(from_path), "%s/from", conn->path);
    snprintf(to_path, sizeof(to_path), "%s/to", conn->path);
    if ((st = parse_endpoint(ctx,
                             graph,
                             from_path,
                             json_object_get(obj, "from"),
                             true,
                             &conn->from)) ||
        (st = parse_endpoint(ctx,
                             graph,
                             to_path,
                             json_object_get(obj, "to"),
                             false,
                             &conn->to))) {
      return st;
    }

    for (size_t j = 0U; j < i; ++j) {
      const DspGraphConn* const other = &graph->conns[j];
      if (!strcmp(other->from.node, conn->from.node) &&
          !strcmp(other->from.port, conn->from.port) &&
          !strcmp(other->to.node, conn->to.node) &&
          !strcmp(other->to.port, conn->to.port)) {
        return dsp_error_set(ctx->err,
                             DSP_ERR_BAD_GRAPH,
                             conn->path,
                             "duplicate connection (same as %s)",
                             other->path);
      }
    }
  }

  return DSP_SUCCESS;
}

DspStatus
dsp_graph_load_string(const char* const text,
                      const char* const source,
                      const char* const base_dir,
                      DspGraph** const  out,
                      DspError* const   err)
{
  Ctx ctx = { err };
  *out    = NULL;
  dsp_error_clear(err);
  dsp_error_set_location(err, source, 0, 0);

  const size_t len = strlen(text);
  if (len > DSP_GRAPH_MAX_BYTES) {
    return dsp_error_set(
      err,
      DSP_ERR_LIMIT,
      NULL,
      "graph is %zu bytes, at most %u allowed (DSP_GRAPH_MAX_BYTES)",
      len,
      DSP_GRAPH_MAX_BYTES);
  }

  // A file that does not even start like a graph is not quoted back:
  // jansson's message would show its first token ("near 'root:...'"), and
  // /load over OSC names any file the engine's user can read
  const char* const start = text + strspn(text, " \t\r\n");
  if (*start != '{' && *start != '[') {
    dsp_error_set_location(err, source, 0, 0);
    return dsp_error_set(
      err, DSP_ERR_SYNTAX, NULL, "not a JSON graph: expected '{' first");
  }

  json_error_t  jerr;
  json_t* const root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    dsp_error_set_location(err, source, jerr.line, jerr.column);
    return dsp_error_set(err, DSP_ERR_SYNTAX, NULL, "%s", jerr.text);
  }

  DspGraph* const graph = (DspGraph*)calloc(1U, sizeof(DspGraph));
  if (!graph) {
    json_decref(root);
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }

  graph->root  = root;
  DspStatus st = DSP_SUCCESS;
  if (!(graph->source = strdup(source ? source : "<inline>")) ||
      (base_dir && !(graph->base_dir = strdup(base_dir)))) {
    st = dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  } else {
    st = parse_graph(&ctx, graph, root);
  }

  if (st) {
    dsp_graph_free(graph);
    return st;
  }

  *out = graph;
  return DSP_SUCCESS;
}

DspStatus
dsp_graph_load_file(const char* const path,
                    DspGraph** const  out,
                    DspError* const   err)
{
  *out = NULL;
  dsp_error_clear(err);
  dsp_error_set_location(err, path, 0, 0);

  FILE* const file = fopen(path, "rb");
  if (!file) {
    return dsp_error_set(err,
                         dsp_status_from_errno(errno),
                         NULL,
                         "cannot open graph: %s",
                         strerror(errno));
  }

  struct stat sb;
  if (fstat(fileno(file), &sb) || !S_ISREG(sb.st_mode)) {
    fclose(file);
    return dsp_error_set(err, DSP_ERR_IO, NULL, "not a regular file");
  }
  if ((uint64_t)sb.st_size > DSP_GRAPH_MAX_BYTES) {
    fclose(file);
    return dsp_error_set(
      err,
      DSP_ERR_LIMIT,
      NULL,
      "graph file is %lld bytes, at most %u allowed (DSP_GRAPH_MAX_BYTES)",
      (long long)sb.st_size,
      DSP_GRAPH_MAX_BYTES);
  }

  char* const text = (char*)calloc((size_t)sb.st_size + 1U, 1U);
  if (!text) {
    fclose(file);
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }

  const size_t n_read = fread(text, 1U, (size_t)sb.st_size, file);
  fclose(file);
  if (n_read != (size_t)sb.st_size) {
    free(text);
    return dsp_error_set(err, DSP_ERR_IO, NULL, "short read");
  }

  char* const dir_copy = strdup(path);
  if (!dir_copy) {
    free(text);
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }

  const DspStatus st =
    dsp_graph_load_string(text, path, dirname(dir_copy), out, err);
  free(dir_copy);
  free(text);
  return st;
}
