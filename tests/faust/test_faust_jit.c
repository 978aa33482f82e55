// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Tests of "faust" nodes compiled at load time by libfaust: inline code,
// files, compile errors, controls, and the machine-code cache.
//
// Usage: test_faust_jit WORK_DIR (created; scratch files go there).

#include "nodes/faust/faust.h"
#include "nodes/faust/faust_jit.h"
#include "nodes/node.h"

#include <jansson.h>

// cmocka needs these first
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char work_dir[512];  ///< Scratch directory of this run
static char cache_dir[600]; ///< Fresh cache directory of this run

static DspStatus
instantiate_with(const char* const key,
                 const char* const value,
                 const char* const base_dir,
                 const char* const cache,
                 DspNode** const   node,
                 DspError* const   err)
{
  json_t* const config =
    json_pack("{s:s, s:s, s:s}", "id", "fx", "kind", "faust", key, value);
  const DspNodeSpec spec = { "fx", "faust", config, "/nodes/3", base_dir };
  const DspNodeEnv  env  = { 48000.0, 64U, NULL, cache, false, NULL };
  dsp_error_clear(err);
  *node              = NULL;
  const DspStatus st = dsp_faust_node_class.instantiate(&spec, &env, node, err);
  json_decref(config);
  if (st) {
    assert_null(*node);
  }
  return st;
}

static void
write_text(const char* const path, const char* const text)
{
  FILE* const f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/// Run one 64-frame block of a 1-in 1-out node on a constant input.
static float
run_constant(DspNode* const node, const float value)
{
  static float in[64];
  static float out[64];
  for (size_t i = 0U; i < 64U; ++i) {
    in[i] = value;
  }
  node->klass->connect(node, DSP_PORT_INPUT, 0U, in);
  node->klass->connect(node, DSP_PORT_OUTPUT, 0U, out);
  assert_int_equal(dsp_node_activate(node), DSP_SUCCESS);
  node->klass->run(node, 64U);
  return out[63];
}

static void
test_inline_code(void** state)
{
  (void)state;
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(
    instantiate_with(
      "code",
      "import(\"stdfaust.lib\");\n"
      "process = _ * hslider(\"gain [unit:dB]\", -6, -20, 0, 0.1)"
      " : _ * ba.db2linear(0) ;\n",
      NULL,
      NULL,
      &node,
      &err),
    DSP_SUCCESS);
  assert_int_equal(node->n_inputs, 1U);
  assert_int_equal(node->n_outputs, 1U);
  assert_int_equal(node->n_params, 1U);
  assert_string_equal(node->params[0].symbol, "gain");
  assert_string_equal(node->params[0].unit, "dB");
  assert_float_equal(node->params[0].min, -20.0, 1e-6);
  assert_float_equal(node->params[0].max, 0.0, 1e-6);
  assert_float_equal(node->params[0].def, -6.0, 1e-6);

  dsp_node_set_param(node, 0U, -3.0f);
  assert_float_equal(run_constant(node, 2.0f), -6.0, 1e-6);
  dsp_node_free(node);
}

static void
test_compile_error(void** state)
{
  (void)state;
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(
    instantiate_with(
      "code", "process = _ : undefined_thing;", NULL, NULL, &node, &err),
    DSP_ERR_SYNTAX);
  assert_string_equal(err.path, "/nodes/3/code");
  assert_non_null(strstr(err.message, "Faust compilation of fx failed"));
  assert_non_null(strstr(err.message, "undefined_thing")); // libfaust's text
  printf("compile error message: %s\n", err.message);

  assert_int_equal(
    instantiate_with("code", "process = +(;", NULL, NULL, &node, &err),
    DSP_ERR_SYNTAX);
  assert_non_null(strstr(err.message, "syntax error"));
}

static void
test_cache(void** state)
{
  (void)state;
  // Unique code so that no earlier run's cache entry can match
  char code[256];
  snprintf(code,
           sizeof(code),
           "// %ld-%ld\nprocess = _ * 0.25;\n",
           (long)getpid(),
           (long)time(NULL));

  const uint64_t compiles0 = dsp_faust_jit_compile_count();
  const uint64_t hits0     = dsp_faust_jit_cache_hit_count();

  DspNode* node = NULL;
  DspError err;
  assert_int_equal(instantiate_with("code", code, NULL, cache_dir, &node, &err),
                   DSP_SUCCESS);
  assert_int_equal(dsp_faust_jit_compile_count(), compiles0 + 1U);
  assert_int_equal(dsp_faust_jit_cache_hit_count(), hits0);
  assert_float_equal(run_constant(node, 1.0f), 0.25, 1e-7);
  dsp_node_free(node);

  // The machine code is in the cache
  const DspFaustJitSource src = { "fx", code, NULL, NULL, NULL, NULL };
  char                    name[64];
  char                    path[800];
  dsp_faust_jit_cache_name(&src, name, sizeof(name));
  snprintf(path, sizeof(path), "%s/%s", cache_dir, name);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_true(st.st_size > 0);

  // Second load: no compilation
  assert_int_equal(instantiate_with("code", code, NULL, cache_dir, &node, &err),
                   DSP_SUCCESS);
  assert_int_equal(dsp_faust_jit_compile_count(), compiles0 + 1U);
  assert_int_equal(dsp_faust_jit_cache_hit_count(), hits0 + 1U);
  assert_float_equal(run_constant(node, 1.0f), 0.25, 1e-7);
  dsp_node_free(node);

  // A corrupt entry is replaced by a fresh compilation
  write_text(path, "not machine code");
  assert_int_equal(instantiate_with("code", code, NULL, cache_dir, &node, &err),
                   DSP_SUCCESS);
  assert_int_equal(dsp_faust_jit_compile_count(), compiles0 + 2U);
  assert_float_equal(run_constant(node, 1.0f), 0.25, 1e-7);
  dsp_node_free(node);
  assert_int_equal(instantiate_with("code", code, NULL, cache_dir, &node, &err),
                   DSP_SUCCESS);
  assert_int_equal(dsp_faust_jit_compile_count(), compiles0 + 2U);
  assert_int_equal(dsp_faust_jit_cache_hit_count(), hits0 + 2U);
  dsp_node_free(node);

  // No cache directory: every load compiles
  assert_int_equal(instantiate_with("code", code, NULL, NULL, &node, &err),
                   DSP_SUCCESS);
  assert_int_equal(dsp_faust_jit_compile_count(), compiles0 + 3U);
  dsp_node_free(node);
}

static void
test_file(void** state)
{
  (void)state;
  char dir[700];
  char path[800];
  snprintf(dir, sizeof(dir), "%s/dsp", work_dir);
  mkdir(dir, 0755);

  // Imports are found next to the file
  snprintf(path, sizeof(path), "%s/mylib.lib", dir);
  write_text(path, "half = *(0.5);\n");
  snprintf(path, sizeof(path), "%s/half.dsp", dir);
  write_text(path,
             "declare name \"half\";\n"
             "import(\"stdfaust.lib\");\n"
             "import(\"mylib.lib\");\n"
             "process = half;\n");

  DspNode* node = NULL;
  DspError err;
  assert_int_equal(
    instantiate_with("file", "half.dsp", dir, cache_dir, &node, &err),
    DSP_SUCCESS);
  assert_float_equal(run_constant(node, 3.0f), 1.5, 1e-7);
  dsp_node_free(node);

  // Absolute path, base_dir ignored
  assert_int_equal(
    instantiate_with("file", path, "/nonexistent", NULL, &node, &err),
    DSP_SUCCESS);
  dsp_node_free(node);

  // Compile error in a file: file and line reported
  snprintf(path, sizeof(path), "%s/bad.dsp", dir);
  write_text(path,
             "import(\"stdfaust.lib\");\n\nprocess = _ : nothing_here;\n");
  assert_int_equal(instantiate_with("file", "bad.dsp", dir, NULL, &node, &err),
                   DSP_ERR_SYNTAX);
  assert_string_equal(err.path, "/nodes/3/file");
  assert_string_equal(err.file, path);
  assert_int_equal(err.line, 3);
  assert_non_null(strstr(err.message, "nothing_here"));
  char buf[1400];
  printf("file error: %s\n", dsp_error_format(&err, buf, sizeof(buf)));

  // Missing file
  assert_int_equal(
    instantiate_with("file", "missing.dsp", dir, NULL, &node, &err),
    DSP_ERR_NOT_FOUND);
  assert_non_null(strstr(err.message, "missing.dsp"));
  assert_non_null(strstr(err.message, "No such file"));
}

static void
test_controls(void** state)
{
  (void)state;
  DspNode* node = NULL;
  DspError err;
  assert_int_equal(
    instantiate_with(
      "code",
      "import(\"stdfaust.lib\");\n"
      "g1 = hslider(\"g\", 1, 0, 2, 0.1);\n"
      "g2 = vgroup(\"inner\", vslider(\"g [scale:log]\", 0.5, 0.1, 2, 0.1));\n"
      "b = button(\"hit\");\n"
      "c = checkbox(\"on\");\n"
      "n = nentry(\"steps\", 3, 1, 8, 1);\n"
      "process = *(g1 + b + c + n), *(g2) : _, (_ <: attach(_, abs : "
      "vbargraph(\"peak [unit:dB]\", -70, 6)));\n",
      NULL,
      NULL,
      &node,
      &err),
    DSP_SUCCESS);
  assert_int_equal(node->n_inputs, 2U);
  assert_int_equal(node->n_outputs, 2U);
  assert_int_equal(node->n_params, 6U);
  for (uint32_t i = 0U; i < node->n_params; ++i) {
    printf("param %u: %s %s flags %u\n",
           i,
           node->params[i].symbol,
           node->params[i].path,
           node->params[i].flags);
  }

  // Duplicate labels: both kept, the full path tells them apart
  int n_g = 0;
  for (uint32_t i = 0U; i < node->n_params; ++i) {
    n_g += !strcmp(node->params[i].symbol, "g");
  }
  assert_int_equal(n_g, 2);
  const int inner = dsp_node_find_param(node, "/fx/inner/g");
  const int outer = dsp_node_find_param(node, "/fx/g");
  assert_true(inner >= 0 && outer >= 0 && inner != outer);
  assert_int_equal(dsp_node_find_param(node, "g"),
                   outer < inner ? outer : inner);
  assert_float_equal(node->params[inner].def, 0.5, 1e-6);
  assert_int_equal(node->params[inner].flags, DSP_PARAM_LOGARITHMIC);
  assert_int_equal(node->params[outer].flags, 0U);

  const int hit   = dsp_node_find_param(node, "hit");
  const int on    = dsp_node_find_param(node, "on");
  const int steps = dsp_node_find_param(node, "steps");
  const int peak  = dsp_node_find_param(node, "peak");
  assert_int_equal(node->params[hit].flags, DSP_PARAM_TOGGLED);
  assert_int_equal(node->params[on].flags, DSP_PARAM_TOGGLED);
  assert_int_equal(node->params[steps].flags, DSP_PARAM_INTEGER);
  assert_int_equal(node->params[peak].flags, DSP_PARAM_OUTPUT);
  assert_string_equal(node->params[peak].unit, "dB");
  assert_float_equal(node->params[peak].min, -70.0, 1e-6);
  assert_float_equal(node->params[peak].max, 6.0, 1e-6);

  // The bargraph is written by the DSP
  static float in[2][64];
  static float out[2][64];
  for (size_t i = 0U; i < 64U; ++i) {
    in[0][i] = 1.0f;
    in[1][i] = -0.75f;
  }
  for (uint32_t c = 0U; c < 2U; ++c) {
    node->klass->connect(node, DSP_PORT_INPUT, c, in[c]);
    node->klass->connect(node, DSP_PORT_OUTPUT, c, out[c]);
  }
  dsp_node_set_param(node, (uint32_t)outer, 2.0f);
  dsp_node_set_param(node, (uint32_t)inner, 1.0f);
  assert_int_equal(dsp_node_activate(node), DSP_SUCCESS);
  node->klass->run(node, 64U);
  assert_float_equal(out[0][10], 5.0, 1e-6); // 1 * (2 + 0 + 0 + 3)
  assert_float_equal(out[1][10], -0.75, 1e-6);
  assert_float_equal(dsp_node_get_param(node, (uint32_t)peak), 0.75, 1e-6);
  dsp_node_free(node);
}

static void
test_version(void** state)
{
  (void)state;
  const char* const version = dsp_faust_jit_version();
  assert_non_null(version);
  printf("libfaust %s\n", version);
}

int
main(int argc, char** argv)
{
  snprintf(work_dir,
           sizeof(work_dir),
           "%s",
           argc > 1 ? argv[1] : "/tmp/test_faust_jit");
  mkdir(work_dir, 0755);
  snprintf(cache_dir,
           sizeof(cache_dir),
           "%s/cache-%ld-%ld",
           work_dir,
           (long)getpid(),
           (long)time(NULL));

  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_version),       cmocka_unit_test(test_inline_code),
    cmocka_unit_test(test_compile_error), cmocka_unit_test(test_cache),
    cmocka_unit_test(test_file),          cmocka_unit_test(test_controls),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
