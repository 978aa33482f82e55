// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Unit tests of the "lv2" node kind against real Debian plugins (mda-lv2,
// swh-lv2, lv2-examples, dragonfly-reverb) and the fixture bundle.

#include "nodes/lv2/lv2.h"
#include "nodes/node.h"

#include <jansson.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define RATE 48000.0
#define MAX_BLOCK 256U

#define MDA_DELAY "http://drobilla.net/plugins/mda/Delay"
#define SWH_AMP "http://plugin.org.uk/swh-plugins/amp"
#define EG_PARAMS "http://lv2plug.in/plugins/eg-params"
#define DRAGONFLY_ROOM "urn:dragonfly:room"
#define FIXTURE_WORKER "urn:dspengine:test:worker"
#define FIXTURE_FIXED "urn:dspengine:test:fixed"

static DspLv2World* world = NULL;

static int
setup_world(void** state)
{
  DspError err;
  dsp_error_clear(&err);
  return dsp_lv2_world_new(&world, &err) == DSP_SUCCESS ? 0 : -1;
}

static int
teardown_world(void** state)
{
  dsp_lv2_world_free(world);
  world = NULL;
  return 0;
}

/// Instantiate `uri` as node "x" at "/nodes/3".
static DspStatus
make_node(const char* const uri,
          const bool        threaded,
          DspNode** const   node,
          DspError* const   err)
{
  json_t* const config =
    uri ? json_pack("{s:s, s:s, s:s}", "id", "x", "kind", "lv2", "uri", uri)
        : json_pack("{s:s, s:s}", "id", "x", "kind", "lv2");
  const DspNodeSpec spec = { "x", "lv2", config, "/nodes/3", NULL };
  const DspNodeEnv  env  = { RATE, MAX_BLOCK, world, NULL, threaded, NULL };

  dsp_error_clear(err);
  const DspStatus st = dsp_lv2_node_class.instantiate(&spec, &env, node, err);
  json_decref(config);
  return st;
}

static const DspParamInfo*
find_param(const DspNode* const node, const char* const symbol)
{
  const int i = dsp_node_find_param(node, symbol);
  assert_true(i >= 0);
  return &node->params[i];
}

static void
test_list(void** state)
{
  char*       text = NULL;
  size_t      size = 0U;
  FILE* const out  = open_memstream(&text, &size);
  dsp_lv2_world_list(world, out);
  fclose(out);
  assert_non_null(strstr(text, MDA_DELAY "\tMDA Delay\t2 in, 2 out\n"));
  assert_non_null(strstr(text, SWH_AMP "\t"));
  free(text);
}

static void
test_mda_delay_ports(void** state)
{
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(make_node(MDA_DELAY, false, &node, &err), DSP_SUCCESS);

  assert_string_equal(node->id, "x");
  assert_int_equal(node->n_inputs, 2);
  assert_int_equal(node->n_outputs, 2);
  assert_int_equal(node->n_params, 6);
  assert_string_equal(node->inputs[0].symbol, "left_in");
  assert_string_equal(node->inputs[1].symbol, "right_in");
  assert_string_equal(node->outputs[0].symbol, "left_out");
  assert_string_equal(node->outputs[1].name, "Right Out");
  assert_false(node->inputs[0].is_cv);

  const char* const symbols[] = { "l_delay", "r_delay", "feedback",
                                  "fb_tone", "fx_mix",  "output" };
  const float       defs[]    = { 0.5f, 0.27f, 0.7f, 0.5f, 0.33f, 0.5f };
  for (uint32_t i = 0U; i < 6U; ++i) {
    const DspParamInfo* const p = &node->params[i];
    assert_string_equal(p->symbol, symbols[i]);
    assert_null(p->path);
    assert_float_equal(p->min, 0.0f, 1e-9f);
    assert_float_equal(p->max, 1.0f, 1e-9f);
    assert_float_equal(p->def, defs[i], 1e-6f);
    assert_int_equal(p->flags, 0);
    assert_non_null(node->zones[i]);
    assert_float_equal(*node->zones[i], defs[i], 1e-6f); // Plugin default
  }
  assert_string_equal(find_param(node, "fb_tone")->name, "Fb Tone");
  dsp_node_free(node);
}

static void
test_swh_amp_ports(void** state)
{
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(make_node(SWH_AMP, false, &node, &err), DSP_SUCCESS);
  assert_int_equal(node->n_inputs, 1);
  assert_int_equal(node->n_outputs, 1);
  assert_int_equal(node->n_params, 1);
  assert_string_equal(node->inputs[0].symbol, "input");
  assert_string_equal(node->outputs[0].symbol, "output");

  const DspParamInfo* const gain = find_param(node, "gain");
  assert_float_equal(gain->min, -70.0f, 1e-6f);
  assert_float_equal(gain->max, 70.0f, 1e-6f);
  assert_float_equal(gain->def, 0.0f, 1e-6f);

  // Range checks happen in the engine, on these values
  assert_int_equal(dsp_node_check_param(node, 0, 71.0f, "/nodes/3", NULL),
                   DSP_ERR_RANGE);
  assert_int_equal(dsp_node_check_param(node, 0, -6.0f, "/nodes/3", NULL),
                   DSP_SUCCESS);

  // +6.02 dB doubles the signal
  float in[MAX_BLOCK];
  float out[MAX_BLOCK];
  for (uint32_t i = 0U; i < MAX_BLOCK; ++i) {
    in[i] = sinf((float)i * 0.05f) * 0.25f;
  }
  dsp_node_set_param(node, 0, 20.0f * log10f(2.0f));
  node->klass->connect(node, DSP_PORT_INPUT, 0U, in);
  node->klass->connect(node, DSP_PORT_OUTPUT, 0U, out);
  assert_int_equal(dsp_node_activate(node), DSP_SUCCESS);
  node->klass->run(node, 100U);
  for (uint32_t i = 0U; i < 100U; ++i) {
    assert_float_equal(out[i], 2.0f * in[i], 1e-5f);
  }
  dsp_node_free(node);
}

static void
test_fixture_ports(void** state)
{
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(make_node(FIXTURE_WORKER, false, &node, &err), DSP_SUCCESS);
  assert_int_equal(node->n_inputs, 2);
  assert_int_equal(node->n_outputs, 1);
  assert_int_equal(node->n_params, 5);
  assert_string_equal(node->inputs[1].symbol, "mod");
  assert_true(node->inputs[1].is_cv);
  assert_false(node->inputs[0].is_cv);

  const DspParamInfo* const gain = find_param(node, "gain");
  assert_non_null(gain->unit);
  assert_string_equal(gain->unit, "dB");

  // lv2:sampleRate: bounds are fractions of the sample rate
  const DspParamInfo* const cutoff = find_param(node, "cutoff");
  assert_float_equal(cutoff->min, 4.8f, 1e-3f);
  assert_float_equal(cutoff->max, 24000.0f, 1e-2f);
  assert_float_equal(cutoff->def, 12000.0f, 1e-2f);
  assert_int_equal(cutoff->flags, DSP_PARAM_LOGARITHMIC);

  const DspParamInfo* const on = find_param(node, "on");
  assert_int_equal(on->flags, DSP_PARAM_TOGGLED | DSP_PARAM_INTEGER);
  assert_float_equal(on->min, 0.0f, 0.0f);
  assert_float_equal(on->max, 1.0f, 0.0f);
  assert_float_equal(on->def, 1.0f, 0.0f);

  assert_int_equal(find_param(node, "responses")->flags, DSP_PARAM_OUTPUT);
  assert_int_equal(find_param(node, "end_runs")->flags, DSP_PARAM_OUTPUT);
  assert_int_equal(
    dsp_node_check_param(node,
                         (uint32_t)dsp_node_find_param(node, "responses"),
                         1.0f,
                         "/nodes/3",
                         NULL),
    DSP_ERR_BAD_ARG);
  dsp_node_free(node);
}

static void
test_unknown_uri(void** state)
{
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(
    make_node("http://drobilla.net/plugins/mda/Dely", false, &node, &err),
    DSP_ERR_NOT_FOUND);
  assert_null(node);
  assert_int_equal(err.status, DSP_ERR_NOT_FOUND);
  assert_string_equal(err.path, "/nodes/3/uri");
  assert_non_null(strstr(err.message, "(did you mean <" MDA_DELAY ">?)"));

  // By name: the tail of the URI is found in plugin names and URIs
  assert_int_equal(make_node("urn:reverb:dragonfly", false, &node, &err),
                   DSP_ERR_NOT_FOUND);
  assert_non_null(strstr(err.message, "did you mean <"));
  assert_non_null(strstr(err.message, "<urn:dragonfly:"));
  assert_null(strstr(err.message, "mda"));

  // Nothing close: no suggestion
  assert_int_equal(make_node("urn:x", false, &node, &err), DSP_ERR_NOT_FOUND);
  assert_null(strstr(err.message, "did you mean"));
}

static void
test_bad_spec(void** state)
{
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(make_node(NULL, false, &node, &err), DSP_ERR_BAD_GRAPH);
  assert_string_equal(err.path, "/nodes/3");
  assert_non_null(strstr(err.message, "\"uri\""));

  DspLv2World* const saved = world;
  world                    = NULL;
  assert_int_equal(make_node(MDA_DELAY, false, &node, &err), DSP_ERR_BAD_ARG);
  world = saved;
  assert_null(node);
}

static void
test_unsupported_feature(void** state)
{
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(make_node(FIXTURE_FIXED, false, &node, &err),
                   DSP_ERR_UNSUPPORTED);
  assert_null(node);
  assert_string_equal(err.path, "/nodes/3/uri");
  assert_non_null(strstr(err.message,
                         "<http://lv2plug.in/ns/ext/buf-size#"
                         "fixedBlockLength>"));
}

/// Run `node` for `n` cycles of varied sizes on zero input.
static void
run_cycles(DspNode* const node, const uint32_t n)
{
  static const uint32_t sizes[] = { 64U, 37U, 256U, 1U, 200U };
  for (uint32_t i = 0U; i < n; ++i) {
    node->klass->run(node, sizes[i % 5U]);
  }
}

static void
test_worker_inline(void** state)
{
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(make_node(FIXTURE_WORKER, false, &node, &err), DSP_SUCCESS);
  const int responses = dsp_node_find_param(node, "responses");
  const int end_runs  = dsp_node_find_param(node, "end_runs");
  assert_int_equal(dsp_node_activate(node), DSP_SUCCESS);

  // Work is done inside run(); its response arrives in the next run()
  for (uint32_t k = 1U; k <= 20U; ++k) {
    run_cycles(node, 1U);
    assert_float_equal(
      dsp_node_get_param(node, (uint32_t)responses), (float)(k - 1U), 0.0f);
    assert_float_equal(
      dsp_node_get_param(node, (uint32_t)end_runs), (float)(k - 1U), 0.0f);
  }

  // work() logged on the audio thread: queued, printed by flush
  char*       text = NULL;
  size_t      size = 0U;
  FILE* const out  = open_memstream(&text, &size);
  dsp_lv2_node_flush_log(node, out);
  fclose(out);
  assert_non_null(strstr(text, "lv2 node \"x\": note: work 0\n"));
  assert_non_null(strstr(text, "lv2 node \"x\": note: work 19\n"));
  assert_null(strstr(text, "dropped"));
  free(text);

  // More messages than the queue holds: the excess is counted, not printed
  run_cycles(node, 100U);
  FILE* const out2 = open_memstream(&text, &size);
  dsp_lv2_node_flush_log(node, out2);
  fclose(out2);
  assert_non_null(strstr(text, "work 20\n"));
  assert_null(strstr(text, "work 119\n"));
  assert_non_null(strstr(text, "log messages dropped"));
  free(text);
  dsp_node_free(node);
}

static void
test_worker_threaded(void** state)
{
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(make_node(FIXTURE_WORKER, true, &node, &err), DSP_SUCCESS);
  const uint32_t responses = (uint32_t)dsp_node_find_param(node, "responses");
  const uint32_t end_runs  = (uint32_t)dsp_node_find_param(node, "end_runs");
  assert_int_equal(dsp_node_activate(node), DSP_SUCCESS);

  // Responses come from the worker thread, in order, within a few cycles
  const struct timespec tick = { 0, 1000000L };
  uint32_t              runs = 0U;
  while (dsp_node_get_param(node, responses) < 50.0f && runs < 5000U) {
    run_cycles(node, 1U);
    ++runs;
    nanosleep(&tick, NULL);
  }
  assert_true(dsp_node_get_param(node, responses) >= 50.0f);
  assert_float_equal(
    dsp_node_get_param(node, end_runs), (float)(runs - 1U), 0.0f);
  dsp_node_free(node);
}

static void
test_dragonfly(void** state)
{
  for (int threaded = 0; threaded < 2; ++threaded) {
    DspNode* node = NULL;
    DspError err;
    assert_int_equal(make_node(DRAGONFLY_ROOM, threaded, &node, &err),
                     DSP_SUCCESS);
    assert_int_equal(node->n_inputs, 2);
    assert_int_equal(node->n_outputs, 2);
    assert_true(node->n_params > 5);

    float in[2][MAX_BLOCK];
    float out[2][MAX_BLOCK];
    memset(in, 0, sizeof(in));
    for (uint32_t c = 0U; c < 2U; ++c) {
      node->klass->connect(node, DSP_PORT_INPUT, c, in[c]);
      node->klass->connect(node, DSP_PORT_OUTPUT, c, out[c]);
    }
    assert_int_equal(dsp_node_activate(node), DSP_SUCCESS);

    static const uint32_t sizes[] = { 64U, 37U, 256U, 1U, 200U };
    double                energy  = 0.0;
    uint32_t              frames  = 0U;
    for (uint32_t i = 0U; frames < 48000U; ++i) {
      const uint32_t n = sizes[i % 5U];
      in[0][0]         = (i == 0U) ? 1.0f : 0.0f;
      in[1][0]         = in[0][0];
      node->klass->run(node, n);
      for (uint32_t c = 0U; c < 2U; ++c) {
        for (uint32_t j = 0U; j < n; ++j) {
          assert_true(isfinite(out[c][j]));
          energy += (double)out[c][j] * out[c][j];
        }
      }
      frames += n;
    }
    assert_true(energy > 1e-6);

    char* saved = NULL;
    assert_int_equal(node->klass->save_state(node, &saved), DSP_SUCCESS);
    assert_non_null(saved);
    dsp_node_deactivate(node);
    assert_int_equal(node->klass->restore_state(node, saved), DSP_SUCCESS);
    free(saved);
    dsp_node_free(node);
  }
}

static char*
save(DspNode* const node)
{
  char* text = NULL;
  assert_int_equal(node->klass->save_state(node, &text), DSP_SUCCESS);
  assert_non_null(text);
  return text;
}

/// Replace the first `from` in `text` with `to` (result owned by caller).
static char*
replace(const char* const text, const char* const from, const char* const to)
{
  const char* const at = strstr(text, from);
  assert_non_null(at);
  const size_t n      = strlen(text) - strlen(from) + strlen(to);
  char* const  result = (char*)calloc(n + 1U, 1U);
  memcpy(result, text, (size_t)(at - text));
  strcat(result, to);
  strcat(result, at + strlen(from));
  return result;
}

static void
test_eg_params_state(void** state)
{
  DspNode* a = NULL;
  DspNode* b = NULL;
  DspNode* c = NULL;
  DspError err;
  assert_int_equal(make_node(EG_PARAMS, false, &a, &err), DSP_SUCCESS);
  assert_int_equal(a->n_inputs, 0);
  assert_int_equal(a->n_params, 0);

  // The default state (state:loadDefaultState) was loaded
  char* const s1 = save(a);
  assert_non_null(strstr(s1, "eg-params#float> \"0.1234\""));

  // Change a property through state and restore into a fresh instance
  char* const modified = replace(s1, "\"0.1234\"", "\"0.5\"");
  assert_int_equal(make_node(EG_PARAMS, false, &b, &err), DSP_SUCCESS);
  assert_int_equal(b->klass->restore_state(b, modified), DSP_SUCCESS);
  char* const s2 = save(b);
  assert_non_null(strstr(s2, "eg-params#float> \"0.5\""));
  assert_null(strstr(s2, "0.1234"));

  // Round trip: save(restore(s2)) == s2
  assert_int_equal(make_node(EG_PARAMS, false, &c, &err), DSP_SUCCESS);
  assert_int_equal(c->klass->restore_state(c, s2), DSP_SUCCESS);
  char* const s3 = save(c);
  assert_string_equal(s2, s3);

  // Wrong plugin, or not state at all
  DspNode* d = NULL;
  assert_int_equal(make_node(MDA_DELAY, false, &d, &err), DSP_SUCCESS);
  char* none = (char*)"untouched";
  assert_int_equal(d->klass->save_state(d, &none), DSP_SUCCESS);
  assert_null(none); // No state interface: parameters are all there is
  assert_int_equal(d->klass->restore_state(d, s2), DSP_ERR_BAD_ARG);
  assert_int_equal(c->klass->restore_state(c, "this is not turtle"),
                   DSP_ERR_SYNTAX);

  free(s3);
  free(s2);
  free(modified);
  free(s1);
  dsp_node_free(d);
  dsp_node_free(c);
  dsp_node_free(b);
  dsp_node_free(a);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_list),
    cmocka_unit_test(test_mda_delay_ports),
    cmocka_unit_test(test_swh_amp_ports),
    cmocka_unit_test(test_fixture_ports),
    cmocka_unit_test(test_unknown_uri),
    cmocka_unit_test(test_bad_spec),
    cmocka_unit_test(test_unsupported_feature),
    cmocka_unit_test(test_worker_inline),
    cmocka_unit_test(test_worker_threaded),
    cmocka_unit_test(test_dragonfly),
    cmocka_unit_test(test_eg_params_state),
  };

  return cmocka_run_group_tests(tests, setup_world, teardown_world);
}
