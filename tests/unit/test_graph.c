// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Graph parser: a valid graph, and every validation error says where.

#include "graph/graph.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const char* const valid =
  "{\n"
  "  \"name\": \"chain\",\n"
  "  \"inputs\": [\"l\", \"r\"],\n"
  "  \"outputs\": [\"out\"],\n"
  "  \"nodes\": [\n"
  "    {\"id\": \"a\", \"kind\": \"gain\", \"params\": {\"gain\": -6}},\n"
  "    {\"id\": \"b\", \"kind\": \"faust\", \"effect\": \"reverb\",\n"
  "     \"params\": {\"/reverb/dry~wet\": 0.5}}\n"
  "  ],\n"
  "  \"connections\": [\n"
  "    {\"from\": \"graph:l\", \"to\": \"a:in0\"},\n"
  "    {\"from\": \"a:out0\", \"to\": \"b:in0\"},\n"
  "    {\"from\": \"b:out0\", \"to\": \"graph:out\"}\n"
  "  ]\n"
  "}\n";

static void
test_valid(void** state)
{
  (void)state;
  DspGraph* graph = NULL;
  DspError  err;
  assert_int_equal(
    dsp_graph_load_string(valid, "valid.json", "/tmp", &graph, &err),
    DSP_SUCCESS);
  assert_string_equal(graph->name, "chain");
  assert_string_equal(graph->source, "valid.json");
  assert_string_equal(graph->base_dir, "/tmp");
  assert_int_equal(graph->n_inputs, 2);
  assert_int_equal(graph->n_outputs, 1);
  assert_string_equal(graph->inputs[1], "r");
  assert_int_equal(graph->n_nodes, 2);
  assert_string_equal(graph->nodes[1].kind, "faust");
  assert_string_equal(graph->nodes[1].path, "/nodes/1");
  assert_int_equal(graph->nodes[0].n_params, 1);
  assert_string_equal(graph->nodes[0].params[0].name, "gain");
  assert_float_equal(graph->nodes[0].params[0].value, -6.0f, 0.0f);
  assert_string_equal(graph->nodes[0].params[0].path, "/nodes/0/params/gain");
  // '/' and '~' in names are escaped in JSON pointers
  assert_string_equal(graph->nodes[1].params[0].path,
                      "/nodes/1/params/~1reverb~1dry~0wet");
  assert_int_equal(graph->n_conns, 3);
  assert_string_equal(graph->conns[1].from.node, "a");
  assert_string_equal(graph->conns[1].from.port, "out0");
  assert_string_equal(graph->conns[2].to.node, DSP_GRAPH_EXTERNAL);
  assert_int_equal(dsp_graph_find_node(graph, "b"), 1);
  assert_int_equal(dsp_graph_find_node(graph, "zz"), -1);
  assert_int_equal(dsp_graph_find_channel(graph, 1, "r"), 1);
  assert_int_equal(dsp_graph_find_channel(graph, 0, "r"), -1);
  dsp_graph_free(graph);
  dsp_graph_free(NULL);
}

static void
test_syntax_error(void** state)
{
  (void)state;
  DspGraph*         graph = NULL;
  DspError          err;
  const char* const text = "{\n  \"name\": \"x\",\n  \"inputs\": [,]\n}\n";
  assert_int_equal(dsp_graph_load_string(text, "bad.json", NULL, &graph, &err),
                   DSP_ERR_SYNTAX);
  assert_null(graph);
  assert_string_equal(err.file, "bad.json");
  assert_int_equal(err.line, 3);
  assert_true(err.column > 0);

  char buf[1024];
  dsp_error_format(&err, buf, sizeof(buf));
  assert_non_null(strstr(buf, "bad.json:3:"));
}

/// Wrap `body` (the members after "name") in a graph and expect an error.
static void
expect_error(const char* const json,
             const DspStatus   status,
             const char* const path,
             const char* const message_part)
{
  DspGraph*       graph = NULL;
  DspError        err;
  const DspStatus st =
    dsp_graph_load_string(json, "g.json", NULL, &graph, &err);
  if (st != status || strcmp(err.path, path) ||
      !strstr(err.message, message_part)) {
    print_error(
      "for %s\n  got %d at \"%s\": %s\n", json, st, err.path, err.message);
  }
  assert_int_equal(st, status);
  assert_null(graph);
  assert_string_equal(err.path, path);
  assert_non_null(strstr(err.message, message_part));
}

#define HEAD "{\"name\": \"g\", \"inputs\": [\"i\"], \"outputs\": [\"o\"], "
#define NODE_A "{\"id\": \"a\", \"kind\": \"gain\"}"

static void
test_validation_errors(void** state)
{
  (void)state;
  expect_error("[]", DSP_ERR_BAD_GRAPH, "", "expected a graph object");
  expect_error("{\"inputs\": [], \"outputs\": [], \"nodes\": [], "
               "\"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/name",
               "expected a graph name string");
  expect_error("{\"name\": \"a b\", \"inputs\": [], \"outputs\": [], "
               "\"nodes\": [], \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/name",
               "invalid character ' '");
  expect_error(HEAD "\"nodes\": [], \"connections\": [], \"conections\": 1}",
               DSP_ERR_BAD_GRAPH,
               "",
               "unknown key \"conections\"");
  expect_error("{\"name\": \"g\", \"outputs\": [], \"nodes\": [], "
               "\"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/inputs",
               "missing \"inputs\"");
  expect_error("{\"name\": \"g\", \"inputs\": \"l\", \"outputs\": [], "
               "\"nodes\": [], \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/inputs",
               "expected an array");
  expect_error("{\"name\": \"g\", \"inputs\": [\"l\", 3], \"outputs\": [], "
               "\"nodes\": [], \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/inputs/1",
               "got a number");
  expect_error("{\"name\": \"g\", \"inputs\": [\"l\", \"l\"], \"outputs\": [], "
               "\"nodes\": [], \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/inputs/1",
               "duplicate channel name \"l\"");
  expect_error(HEAD "\"nodes\": {}, \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/nodes",
               "expected an array of nodes");
  expect_error(HEAD "\"nodes\": [{\"kind\": \"gain\"}], \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/nodes/0/id",
               "expected a node id string");
  expect_error(HEAD "\"nodes\": [{\"id\": \"a\"}], \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/nodes/0/kind",
               "expected a node kind");
  expect_error(HEAD "\"nodes\": [" NODE_A ", " NODE_A "], \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/nodes/1/id",
               "duplicate node id \"a\"");
  expect_error(HEAD "\"nodes\": [{\"id\": \"graph\", \"kind\": \"gain\"}], "
                    "\"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/nodes/0/id",
               "reserved");
  expect_error(HEAD "\"nodes\": [{\"id\": \"a\", \"kind\": \"gain\", "
                    "\"params\": {\"gain\": \"loud\"}}], \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/nodes/0/params/gain",
               "expected a number");
  expect_error(HEAD "\"nodes\": [{\"id\": \"a\", \"kind\": \"gain\", "
                    "\"params\": [1]}], \"connections\": []}",
               DSP_ERR_BAD_GRAPH,
               "/nodes/0/params",
               "expected an object");
  expect_error(HEAD "\"nodes\": [" NODE_A "], \"connections\": [3]}",
               DSP_ERR_BAD_GRAPH,
               "/connections/0",
               "expected a {");
  expect_error(HEAD
               "\"nodes\": [" NODE_A "], \"connections\": "
               "[{\"from\": \"a:out0\", \"to\": \"graph:o\", \"via\": 1}]}",
               DSP_ERR_BAD_GRAPH,
               "/connections/0",
               "unknown key \"via\"");
  expect_error(HEAD "\"nodes\": [" NODE_A "], \"connections\": "
                    "[{\"from\": \"a\", \"to\": \"graph:o\"}]}",
               DSP_ERR_BAD_GRAPH,
               "/connections/0/from",
               "node:port");
  expect_error(HEAD "\"nodes\": [" NODE_A "], \"connections\": "
                    "[{\"from\": \"b:out0\", \"to\": \"graph:o\"}]}",
               DSP_ERR_NOT_FOUND,
               "/connections/0/from",
               "no node with id \"b\"");
  expect_error(HEAD "\"nodes\": [" NODE_A "], \"connections\": "
                    "[{\"from\": \"graph:x\", \"to\": \"a:in0\"}]}",
               DSP_ERR_NOT_FOUND,
               "/connections/0/from",
               "no input channel \"x\"");
  expect_error(HEAD "\"nodes\": [" NODE_A "], \"connections\": "
                    "[{\"from\": \"a:out0\", \"to\": \"graph:i\"}]}",
               DSP_ERR_NOT_FOUND,
               "/connections/0/to",
               "no output channel \"i\"");
  expect_error(HEAD "\"nodes\": [" NODE_A "], \"connections\": "
                    "[{\"from\": \"a:out0\", \"to\": \"graph:o\"},"
                    " {\"from\": \"a:out0\", \"to\": \"graph:o\"}]}",
               DSP_ERR_BAD_GRAPH,
               "/connections/1",
               "duplicate connection");
  expect_error(HEAD "\"nodes\": [], \"connections\": [], \"description\": 1}",
               DSP_ERR_BAD_GRAPH,
               "/description",
               "expected a string");
  expect_error(HEAD "\"nodes\": [], \"connections\": [], \"ramp_ms\": -1}",
               DSP_ERR_BAD_GRAPH,
               "/ramp_ms",
               "milliseconds");
}

static void
test_limits(void** state)
{
  (void)state;
  // Too deep
  char   deep[512];
  size_t n = (size_t)snprintf(deep,
                              sizeof(deep),
                              HEAD "\"nodes\": [], "
                                   "\"connections\": [], \"description\": ");
  for (int i = 0; i < 40; ++i) {
    deep[n++] = '[';
  }
  for (int i = 0; i < 40; ++i) {
    deep[n++] = ']';
  }
  deep[n++] = '}';
  deep[n]   = '\0';
  expect_error(deep, DSP_ERR_LIMIT, "", "nested");

  // Too many nodes
  static char big[64 * 1024];
  n = (size_t)snprintf(big, sizeof(big), HEAD "\"nodes\": [");
  for (unsigned i = 0U; i <= DSP_GRAPH_MAX_NODES; ++i) {
    n += (size_t)snprintf(big + n,
                          sizeof(big) - n,
                          "%s{\"id\": \"n%u\", \"kind\": \"gain\"}",
                          i ? "," : "",
                          i);
  }
  snprintf(big + n, sizeof(big) - n, "], \"connections\": []}");
  expect_error(big, DSP_ERR_LIMIT, "/nodes", "at most 256");

  // Overlong id
  char longid[512];
  char id[200];
  memset(id, 'x', sizeof(id) - 1U);
  id[sizeof(id) - 1U] = '\0';
  snprintf(longid,
           sizeof(longid),
           HEAD "\"nodes\": [{\"id\": \"%s\", \"kind\": \"gain\"}], "
                "\"connections\": []}",
           id);
  expect_error(longid, DSP_ERR_LIMIT, "/nodes/0/id", "1 to 128 characters");
}

/// Concatenate up to four strings into `dst` (static buffers below).
static const char*
cat4(char* const       dst,
     const char* const a,
     const char* const b,
     const char* const c,
     const char* const d)
{
  dst[0] = '\0';
  strcat(dst, a);
  strcat(dst, b);
  strcat(dst, c);
  strcat(dst, d);
  return dst;
}

static char big_doc[2U * 1024U * 1024U + 8192U];
static char big_node[2U * 1024U * 1024U + 4096U];
static char big_str[2U * 1024U * 1024U + 1U];

/// A graph whose only node is `node` (JSON object text; NULL: a gain
/// node) and whose only connection is `conn` (or none).
static const char*
with_node(const char* const node, const char* const conn)
{
  cat4(big_doc, HEAD "\"nodes\": [", node ? node : NODE_A, "], ", "");
  strcat(big_doc, "\"connections\": [");
  strcat(big_doc, conn ? conn : "");
  strcat(big_doc, "]}");
  return big_doc;
}

/// A string of `n` copies of `c` (static, up to 2 MiB).
static const char*
repeat(const char c, const size_t n)
{
  memset(big_str, c, n);
  big_str[n] = '\0';
  return big_str;
}

static void
test_more_limits(void** state)
{
  (void)state;

  // "uri", "file", "effect" over DSP_GRAPH_MAX_PATH
  cat4(big_node,
       "{\"id\": \"a\", \"kind\": \"lv2\", \"uri\": \"urn:",
       repeat('u', DSP_GRAPH_MAX_PATH),
       "\"}",
       "");
  expect_error(with_node(big_node, NULL),
               DSP_ERR_LIMIT,
               "/nodes/0/uri",
               "DSP_GRAPH_MAX_PATH");
  cat4(big_node,
       "{\"id\": \"a\", \"kind\": \"faust\", \"file\": \"",
       repeat('f', DSP_GRAPH_MAX_PATH + 1U),
       "\"}",
       "");
  expect_error(
    with_node(big_node, NULL), DSP_ERR_LIMIT, "/nodes/0/file", "at most 4096");

  // Inline Faust code over DSP_GRAPH_MAX_CODE
  cat4(big_node,
       "{\"id\": \"a\", \"kind\": \"faust\", \"code\": \"",
       repeat(' ', DSP_GRAPH_MAX_CODE + 1U),
       "\"}",
       "");
  expect_error(with_node(big_node, NULL),
               DSP_ERR_LIMIT,
               "/nodes/0/code",
               "DSP_GRAPH_MAX_CODE");

  // More than DSP_GRAPH_MAX_PARAMS values
  strcpy(big_node, "{\"id\": \"a\", \"kind\": \"gain\", \"params\": {");
  for (unsigned i = 0U; i <= DSP_GRAPH_MAX_PARAMS; ++i) {
    char item[32];
    snprintf(item, sizeof(item), "%s\"p%u\": 0", i ? ", " : "", i);
    strcat(big_node, item);
  }
  strcat(big_node, "}}");
  expect_error(with_node(big_node, NULL),
               DSP_ERR_LIMIT,
               "/nodes/0/params",
               "1025 parameter values, at most 1024");

  // A parameter name over DSP_GRAPH_MAX_PARAM_NAME (the pointer is cut)
  cat4(big_node,
       "{\"id\": \"a\", \"kind\": \"gain\", \"params\": {\"",
       repeat('p', DSP_GRAPH_MAX_PARAM_NAME + 1U),
       "\": 1}}",
       "");
  char want[96];
  cat4(want, "/nodes/0/params/", repeat('p', 61U), "", "");
  expect_error(
    with_node(big_node, NULL), DSP_ERR_LIMIT, want, "DSP_GRAPH_MAX_PARAM_NAME");

  // A port name over DSP_GRAPH_MAX_NAME in a connection
  static char conn[512];
  cat4(conn,
       "{\"from\": \"a:",
       repeat('x', DSP_GRAPH_MAX_NAME + 1U),
       "\", \"to\": \"graph:o\"}",
       "");
  expect_error(with_node(NULL, conn),
               DSP_ERR_LIMIT,
               "/connections/0/from",
               "DSP_GRAPH_MAX_NAME");

  // A description over DSP_GRAPH_MAX_TEXT
  cat4(big_doc,
       HEAD "\"description\": \"",
       repeat('d', DSP_GRAPH_MAX_TEXT + 1U),
       "\", \"nodes\": [], ",
       "\"connections\": []}");
  expect_error(big_doc, DSP_ERR_LIMIT, "/description", "DSP_GRAPH_MAX_TEXT");

  // At the limits themselves, all is well
  cat4(big_node,
       "{\"id\": \"a\", \"kind\": \"faust\", \"code\": \"",
       repeat(' ', DSP_GRAPH_MAX_CODE),
       "\"}",
       "");
  DspGraph* graph = NULL;
  DspError  err;
  assert_int_equal(
    dsp_graph_load_string(with_node(big_node, NULL), "t", NULL, &graph, &err),
    DSP_SUCCESS);
  dsp_graph_free(graph);
}

static void
test_load_file(void** state)
{
  (void)state;
  DspGraph* graph = NULL;
  DspError  err;
  assert_int_equal(dsp_graph_load_file("/nonexistent/g.json", &graph, &err),
                   DSP_ERR_NOT_FOUND);
  assert_string_equal(err.file, "/nonexistent/g.json");
  assert_non_null(strstr(err.message, "cannot open graph"));

  char      path[] = "/tmp/dsp-test-graph-XXXXXX.json";
  const int fd     = mkstemps(path, 5);
  assert_true(fd >= 0);
  FILE* const f = fdopen(fd, "w");
  fputs(valid, f);
  fclose(f);
  assert_int_equal(dsp_graph_load_file(path, &graph, &err), DSP_SUCCESS);
  assert_string_equal(graph->base_dir, "/tmp");
  assert_string_equal(graph->source, path);
  dsp_graph_free(graph);
  remove(path);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_valid),
    cmocka_unit_test(test_syntax_error),
    cmocka_unit_test(test_validation_errors),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_more_limits),
    cmocka_unit_test(test_load_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
