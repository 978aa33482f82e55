// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Unit tests of the "faust" node kind with built-in effects: ports,
// parameters, config errors, running.  Allocation failures are tested in
// test_faust_alloc.c (it replaces malloc, which would hide leaks from
// valgrind here).

#include "nodes/faust/faust.h"
#include "nodes/faust/faust_builtin.h"
#include "nodes/node.h"

#include <jansson.h>

// cmocka needs these first
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Helpers */

static const DspNodeEnv test_env = { 48000.0, 256U, NULL, NULL, false, NULL };

static DspStatus
instantiate(json_t* const config, DspNode** const node, DspError* const err)
{
  const DspNodeSpec spec = { "fx", "faust", config, "/nodes/3", NULL };
  dsp_error_clear(err);
  return dsp_faust_node_class.instantiate(&spec, &test_env, node, err);
}

static DspNode*
instantiate_effect(const char* const name)
{
  json_t* const config =
    json_pack("{s:s, s:s, s:s}", "id", "fx", "kind", "faust", "effect", name);
  DspNode*        node = NULL;
  DspError        err;
  const DspStatus st = instantiate(config, &node, &err);
  if (st) {
    fprintf(stderr, "%s: %s\n", name, err.message);
  }
  assert_int_equal(st, DSP_SUCCESS);
  assert_non_null(node);
  json_decref(config);
  return node;
}

/* Expected descriptions of the built-in effects */

typedef struct {
  const char* symbol;
  const char* unit;
  float       min;
  float       max;
  float       def;
  uint32_t    flags;
} ExpectedParam;

typedef struct {
  const char*   name;
  uint32_t      n_inputs;
  uint32_t      n_outputs;
  uint32_t      n_params;
  ExpectedParam params[12];
} ExpectedEffect;

#define LOG DSP_PARAM_LOGARITHMIC

static const ExpectedEffect expected[] = {
  { "chorus",
    2U,
    2U,
    4U,
    { { "rate", "Hz", 0.05f, 5.0f, 0.8f, LOG },
      { "depth", "ms", 0.0f, 10.0f, 3.0f, 0U },
      { "delay", "ms", 5.0f, 30.0f, 12.0f, 0U },
      { "mix", NULL, 0.0f, 1.0f, 0.5f, 0U } } },
  { "compressor",
    2U,
    2U,
    6U,
    { { "threshold", "dB", -60.0f, 0.0f, -20.0f, 0U },
      { "ratio", NULL, 1.0f, 20.0f, 4.0f, 0U },
      { "attack", "ms", 0.1f, 200.0f, 10.0f, LOG },
      { "release", "ms", 5.0f, 2000.0f, 100.0f, LOG },
      { "makeup", "dB", 0.0f, 40.0f, 0.0f, 0U },
      { "gr", "dB", -60.0f, 0.0f, -60.0f, DSP_PARAM_OUTPUT } } },
  { "delay",
    2U,
    2U,
    4U,
    { { "time", "ms", 1.0f, 2000.0f, 350.0f, 0U },
      { "feedback", NULL, 0.0f, 0.95f, 0.4f, 0U },
      { "tone", "Hz", 500.0f, 20000.0f, 8000.0f, LOG },
      { "mix", NULL, 0.0f, 1.0f, 0.3f, 0U } } },
  { "eq",
    2U,
    2U,
    10U,
    { { "lowfreq", "Hz", 20.0f, 1000.0f, 100.0f, LOG },
      { "lowgain", "dB", -24.0f, 24.0f, 0.0f, 0U },
      { "p1freq", "Hz", 20.0f, 20000.0f, 500.0f, LOG },
      { "p1gain", "dB", -24.0f, 24.0f, 0.0f, 0U },
      { "p1q", NULL, 0.1f, 10.0f, 0.7f, LOG },
      { "p2freq", "Hz", 20.0f, 20000.0f, 2500.0f, LOG },
      { "p2gain", "dB", -24.0f, 24.0f, 0.0f, 0U },
      { "p2q", NULL, 0.1f, 10.0f, 0.7f, LOG },
      { "highfreq", "Hz", 1000.0f, 20000.0f, 8000.0f, LOG },
      { "highgain", "dB", -24.0f, 24.0f, 0.0f, 0U } } },
  { "gainpan",
    2U,
    2U,
    2U,
    { { "gain", "dB", -60.0f, 24.0f, 0.0f, 0U },
      { "pan", NULL, -1.0f, 1.0f, 0.0f, 0U } } },
  { "reverb",
    2U,
    2U,
    7U,
    { { "predelay", "ms", 1.0f, 100.0f, 40.0f, 0U },
      { "lowcross", "Hz", 50.0f, 1000.0f, 200.0f, LOG },
      { "lowdecay", "s", 1.0f, 8.0f, 3.0f, LOG },
      { "decay", "s", 1.0f, 8.0f, 2.0f, LOG },
      { "damping", "Hz", 1500.0f, 23520.0f, 6000.0f, LOG },
      { "mix", NULL, 0.0f, 1.0f, 0.3f, 0U },
      { "level", "dB", -70.0f, 12.0f, 0.0f, 0U } } },
};

#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

/* Tests */

static void
test_registry(void** state)
{
  (void)state;
  assert_int_equal(dsp_faust_n_builtins, N_EXPECTED);
  for (size_t i = 0U; i < N_EXPECTED; ++i) {
    assert_non_null(dsp_faust_builtin_find(expected[i].name));
    assert_string_equal(dsp_faust_builtins[i]->name, expected[i].name);
  }
  assert_null(dsp_faust_builtins[N_EXPECTED]);
  assert_null(dsp_faust_builtin_find("nope"));
}

static void
test_builtin_descriptions(void** state)
{
  (void)state;
  for (size_t e = 0U; e < N_EXPECTED; ++e) {
    const ExpectedEffect* const x    = &expected[e];
    DspNode* const              node = instantiate_effect(x->name);

    assert_string_equal(node->id, "fx");
    assert_ptr_equal(node->klass, &dsp_faust_node_class);
    assert_int_equal(node->n_inputs, x->n_inputs);
    assert_int_equal(node->n_outputs, x->n_outputs);
    assert_int_equal(node->n_params, x->n_params);
    for (uint32_t i = 0U; i < node->n_inputs; ++i) {
      char sym[16];
      snprintf(sym, sizeof(sym), "in%u", i);
      assert_string_equal(node->inputs[i].symbol, sym);
      assert_false(node->inputs[i].is_cv);
      assert_int_equal(dsp_node_find_port(node, DSP_PORT_INPUT, sym), (int)i);
    }
    for (uint32_t i = 0U; i < node->n_outputs; ++i) {
      char sym[16];
      snprintf(sym, sizeof(sym), "out%u", i);
      assert_string_equal(node->outputs[i].symbol, sym);
    }

    for (uint32_t p = 0U; p < x->n_params; ++p) {
      const ExpectedParam* const xp    = &x->params[p];
      const int                  index = dsp_node_find_param(node, xp->symbol);
      if (index < 0) {
        fail_msg("%s: no parameter %s", x->name, xp->symbol);
      }

      const DspParamInfo* const info = &node->params[index];
      char                      path[64];
      snprintf(path, sizeof(path), "/%s/%s", x->name, xp->symbol);
      assert_string_equal(info->path, path);
      assert_int_equal(dsp_node_find_param(node, path), index);
      if (xp->unit) {
        assert_non_null(info->unit);
        assert_string_equal(info->unit, xp->unit);
      } else {
        assert_null(info->unit);
      }
      assert_float_equal(info->min, xp->min, 1e-6);
      assert_float_equal(info->max, xp->max, 1e-6);
      assert_float_equal(info->def, xp->def, 1e-6);
      assert_int_equal(info->flags, xp->flags);
      assert_non_null(node->zones[index]);
      if (!(xp->flags & DSP_PARAM_OUTPUT)) {
        // Zones hold the default after instantiation
        assert_float_equal(
          dsp_node_get_param(node, (uint32_t)index), xp->def, 1e-6);
      }
    }

    // Labels are unique within each effect
    for (uint32_t i = 0U; i < node->n_params; ++i) {
      for (uint32_t j = i + 1U; j < node->n_params; ++j) {
        assert_string_not_equal(node->params[i].symbol, node->params[j].symbol);
      }
    }
    dsp_node_free(node);
  }
}

static void
test_unknown_effect(void** state)
{
  (void)state;
  json_t* const config =
    json_pack("{s:s, s:s}", "kind", "faust", "effect", "reverv");
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(instantiate(config, &node, &err), DSP_ERR_NOT_FOUND);
  assert_null(node);
  assert_string_equal(err.path, "/nodes/3/effect");
  assert_non_null(strstr(err.message, "\"reverv\""));
  assert_non_null(strstr(err.message, "did you mean \"reverb\""));
  assert_non_null(strstr(err.message, "\"compressor\""));
  json_decref(config);

  // Nothing close: no suggestion, but the list of names
  json_t* const far =
    json_pack("{s:s, s:s}", "kind", "faust", "effect", "xyzzy-plugh");
  assert_int_equal(instantiate(far, &node, &err), DSP_ERR_NOT_FOUND);
  assert_null(strstr(err.message, "did you mean"));
  assert_non_null(strstr(err.message, "expected one of"));
  assert_non_null(strstr(err.message, "\"gainpan\""));
  json_decref(far);
}

static void
test_exactly_one_source(void** state)
{
  (void)state;
  DspNode* node = NULL;
  DspError err;

  json_t* const none = json_pack("{s:s, s:s}", "id", "x", "kind", "faust");
  assert_int_equal(instantiate(none, &node, &err), DSP_ERR_BAD_GRAPH);
  assert_null(node);
  assert_string_equal(err.path, "/nodes/3");
  assert_non_null(strstr(err.message, "exactly one of"));
  assert_non_null(strstr(err.message, "has none"));
  json_decref(none);

  json_t* const two = json_pack("{s:s, s:s, s:s}",
                                "kind",
                                "faust",
                                "effect",
                                "reverb",
                                "code",
                                "process = _;");
  assert_int_equal(instantiate(two, &node, &err), DSP_ERR_BAD_GRAPH);
  assert_null(node);
  assert_string_equal(err.path, "/nodes/3");
  assert_non_null(strstr(err.message, "has \"effect\" and \"code\""));
  json_decref(two);

  json_t* const three =
    json_pack("{s:s, s:s, s:s}", "effect", "eq", "file", "a.dsp", "code", "");
  assert_int_equal(instantiate(three, &node, &err), DSP_ERR_BAD_GRAPH);
  assert_non_null(strstr(err.message, "\"effect\" and \"file\" and \"code\""));
  json_decref(three);

  json_t* const not_string =
    json_pack("{s:s, s:i}", "kind", "faust", "effect", 3);
  assert_int_equal(instantiate(not_string, &node, &err), DSP_ERR_BAD_GRAPH);
  assert_string_equal(err.path, "/nodes/3/effect");
  assert_non_null(strstr(err.message, "must be a string"));
  json_decref(not_string);

  json_t* const not_object = json_string("reverb");
  assert_int_equal(instantiate(not_object, &node, &err), DSP_ERR_BAD_GRAPH);
  assert_string_equal(err.path, "/nodes/3");
  json_decref(not_object);

  // Other keys are ignored
  json_t* const extra = json_pack("{s:s, s:s, s:{s:f}}",
                                  "kind",
                                  "faust",
                                  "effect",
                                  "gainpan",
                                  "params",
                                  "gain",
                                  3.0);
  assert_int_equal(instantiate(extra, &node, &err), DSP_SUCCESS);
  dsp_node_free(node);
  json_decref(extra);
}

static void
test_missing_file(void** state)
{
  (void)state;
  json_t* const config =
    json_pack("{s:s, s:s}", "kind", "faust", "file", "does-not-exist.dsp");
  const DspNodeSpec spec = { "f", "faust", config, "/nodes/1", "/nonexistent" };
  DspNode*          node = NULL;
  DspError          err;
  dsp_error_clear(&err);
  assert_int_equal(
    dsp_faust_node_class.instantiate(&spec, &test_env, &node, &err),
    DSP_ERR_NOT_FOUND);
  assert_null(node);
  assert_string_equal(err.path, "/nodes/1/file");
  assert_non_null(strstr(err.message, "/nonexistent/does-not-exist.dsp"));
  json_decref(config);
}

static void
test_run(void** state)
{
  (void)state;
  enum { BLOCK = 256 };
  static float in[2][BLOCK];
  static float out[2][BLOCK];

  for (size_t e = 0U; e < N_EXPECTED; ++e) {
    DspNode* const node = instantiate_effect(expected[e].name);

    // Unconnected ports are safe (silence in, output discarded)
    assert_int_equal(dsp_node_activate(node), DSP_SUCCESS);
    node->klass->run(node, BLOCK);

    for (uint32_t c = 0U; c < 2U; ++c) {
      for (uint32_t t = 0U; t < BLOCK; ++t) {
        in[c][t] = (t == 0U) ? 1.0f : 0.0f;
      }
      node->klass->connect(node, DSP_PORT_INPUT, c, in[c]);
      node->klass->connect(node, DSP_PORT_OUTPUT, c, out[c]);
    }

    float energy = 0.0f;
    for (uint32_t n = 1U; n <= BLOCK; n *= 2U) {
      node->klass->run(node, n);
      for (uint32_t t = 0U; t < n; ++t) {
        assert_true(isfinite(out[0][t]) && isfinite(out[1][t]));
        energy += fabsf(out[0][t]) + fabsf(out[1][t]);
      }
      memset(in, 0, sizeof(in));
    }
    if (strcmp(expected[e].name, "delay") &&
        strcmp(expected[e].name, "reverb")) {
      // Effects without a long delay already produced something
      assert_true(energy > 0.0f);
    }

    // Parameters are set through zones
    const int index = dsp_node_find_param(node, expected[e].params[0].symbol);
    dsp_node_set_param(node, (uint32_t)index, expected[e].params[0].max);
    assert_float_equal(dsp_node_get_param(node, (uint32_t)index),
                       expected[e].params[0].max,
                       0.0);

    // Deactivate / reactivate
    dsp_node_deactivate(node);
    assert_int_equal(dsp_node_activate(node), DSP_SUCCESS);
    node->klass->run(node, 17U);
    dsp_node_free(node);
  }
}

static void
test_list_builtins(void** state)
{
  (void)state;
  char        buf[4096] = { 0 };
  FILE* const f         = fmemopen(buf, sizeof(buf) - 1U, "w");
  assert_non_null(f);
  dsp_faust_list_builtins(f);
  fclose(f);

  for (size_t e = 0U; e < N_EXPECTED; ++e) {
    char line[64];
    snprintf(line, sizeof(line), "%-12s 2 -> 2  ", expected[e].name);
    assert_non_null(strstr(buf, line));
  }
  assert_non_null(strstr(buf, "zita-rev1"));
}

static void
test_class(void** state)
{
  (void)state;
  assert_string_equal(dsp_faust_node_class.kind, "faust");
  assert_null(dsp_faust_node_class.save_state);
  assert_null(dsp_faust_node_class.restore_state);
  assert_null(dsp_faust_node_class.set_param);
  dsp_node_free(NULL);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_class),
    cmocka_unit_test(test_registry),
    cmocka_unit_test(test_builtin_descriptions),
    cmocka_unit_test(test_unknown_effect),
    cmocka_unit_test(test_exactly_one_source),
    cmocka_unit_test(test_missing_file),
    cmocka_unit_test(test_run),
    cmocka_unit_test(test_list_builtins),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
