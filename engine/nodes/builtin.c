// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Built-in nodes.  The run functions are real-time code: no allocation,
// locks, I/O or blocking calls.

#include "builtin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUILTIN_MAX_PORTS 64U
#define BUILTIN_MIN_DB (-90.0f)

/// Instance data shared by all built-in kinds.
typedef struct {
  float** in;      ///< Input buffers (n_inputs)
  float** out;     ///< Output buffers (n_outputs)
  float*  values;  ///< Parameter values (n_params), the nodes' zones
  float*  last_db; ///< Value each cached gain was computed from
  float*  gains;   ///< Linear gains derived from values
} Builtin;

static float
db_to_gain(const float db)
{
  return (db <= BUILTIN_MIN_DB) ? 0.0f : powf(10.0f, db / 20.0f);
}

/// [RT] Refresh cached linear gains from dB values that changed.
static void
update_gains(const DspNode* const node, Builtin* const b)
{
  for (uint32_t i = 0U; i < node->n_params; ++i) {
    if (b->values[i] != b->last_db[i]) {
      b->last_db[i] = b->values[i];
      b->gains[i]   = db_to_gain(b->values[i]);
    }
  }
}

/// Read an optional count from the node's config (default `def`).
static DspStatus
get_count(const DspNodeSpec* const spec,
          const char* const        key,
          const uint32_t           def,
          uint32_t* const          count,
          DspError* const          err)
{
  const json_t* const value = json_object_get(spec->config, key);
  char                path[96];
  snprintf(path, sizeof(path), "%s/%s", spec->json_path, key);
  if (!value) {
    *count = def;
    return DSP_SUCCESS;
  }

  if (!json_is_integer(value) || json_integer_value(value) < 1 ||
      json_integer_value(value) > (json_int_t)BUILTIN_MAX_PORTS) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_GRAPH,
                         path,
                         "expected an integer from 1 to %u",
                         BUILTIN_MAX_PORTS);
  }

  *count = (uint32_t)json_integer_value(value);
  return DSP_SUCCESS;
}

static void
builtin_free_impl(DspNode* const node)
{
  Builtin* const b = (Builtin*)node->impl;
  free((void*)b->in);
  free((void*)b->out);
  free(b->values);
  free(b->last_db);
  free(b->gains);
  free(b);
  node->impl = NULL;
}

/// Allocate a node with its ports named in0.. / out0.. and dB parameters.
static DspStatus
builtin_new(const DspNodeClass* const klass,
            const DspNodeSpec* const  spec,
            const uint32_t            n_in,
            const uint32_t            n_out,
            const uint32_t            n_params,
            const char* const         param_prefix,
            DspNode** const           out,
            DspError* const           err)
{
  DspNode* const node = dsp_node_alloc(klass, spec->id, n_in, n_out, n_params);
  Builtin* const b    = node ? (Builtin*)calloc(1U, sizeof(Builtin)) : NULL;
  if (!b) {
    dsp_node_free(node);
    return dsp_error_set(err, DSP_ERR_NO_MEM, spec->json_path, "out of memory");
  }

  node->impl = b;
  b->in      = (float**)calloc(n_in + 1U, sizeof(float*));
  b->out     = (float**)calloc(n_out + 1U, sizeof(float*));
  b->values  = (float*)calloc(n_params + 1U, sizeof(float));
  b->last_db = (float*)calloc(n_params + 1U, sizeof(float));
  b->gains   = (float*)calloc(n_params + 1U, sizeof(float));

  DspStatus st = (b->in && b->out && b->values && b->last_db && b->gains)
                   ? DSP_SUCCESS
                   : DSP_ERR_NO_MEM;

  char sym[32];
  for (uint32_t i = 0U; !st && i < n_in; ++i) {
    snprintf(sym, sizeof(sym), "in%u", i);
    st = dsp_port_info_set(&node->inputs[i], sym, NULL, false);
  }
  for (uint32_t i = 0U; !st && i < n_out; ++i) {
    snprintf(sym, sizeof(sym), "out%u", i);
    st = dsp_port_info_set(&node->outputs[i], sym, NULL, false);
  }
  for (uint32_t i = 0U; !st && i < n_params; ++i) {
    if (klass == &dsp_builtin_gain_class) {
      snprintf(sym, sizeof(sym), "%s", param_prefix);
    } else {
      snprintf(sym, sizeof(sym), "%s%u", param_prefix, i);
    }
    st = dsp_param_info_set(
      &node->params[i], sym, NULL, NULL, "dB", BUILTIN_MIN_DB, 24.0f, 0.0f, 0U);
    node->zones[i] = &b->values[i];
    b->gains[i]    = 1.0f;
  }

  if (st) {
    dsp_node_free(node);
    return dsp_error_set(err, st, spec->json_path, "out of memory");
  }

  *out = node;
  return DSP_SUCCESS;
}

static void
builtin_connect(DspNode* const   node,
                const DspPortDir dir,
                const uint32_t   index,
                float* const     buf)
{
  Builtin* const b = (Builtin*)node->impl;
  if (dir == DSP_PORT_INPUT) {
    b->in[index] = buf;
  } else {
    b->out[index] = buf;
  }
}

static DspStatus
builtin_activate(DspNode* const node)
{
  Builtin* const b = (Builtin*)node->impl;
  for (uint32_t i = 0U; i < node->n_params; ++i) {
    b->last_db[i] = b->values[i];
    b->gains[i]   = db_to_gain(b->values[i]);
  }
  return DSP_SUCCESS;
}

static void
builtin_deactivate(DspNode* const node)
{
  (void)node;
}

// gain

static DspStatus
gain_instantiate(const DspNodeSpec* const spec,
                 const DspNodeEnv* const  env,
                 DspNode** const          node,
                 DspError* const          err)
{
  uint32_t        channels = 1U;
  const DspStatus st       = get_count(spec, "channels", 1U, &channels, err);
  return st ? st
            : builtin_new(&dsp_builtin_gain_class,
                          spec,
                          channels,
                          channels,
                          1U,
                          "gain",
                          node,
                          err);
}

static void
gain_run(DspNode* const node, const uint32_t n_frames)
{
  Builtin* const b = (Builtin*)node->impl;
  update_gains(node, b);
  const float g = b->gains[0];
  for (uint32_t c = 0U; c < node->n_inputs; ++c) {
    const float* const in  = b->in[c];
    float* const       out = b->out[c];
    for (uint32_t i = 0U; i < n_frames; ++i) {
      out[i] = in[i] * g;
    }
  }
}

// mix

static DspStatus
mix_instantiate(const DspNodeSpec* const spec,
                const DspNodeEnv* const  env,
                DspNode** const          node,
                DspError* const          err)
{
  uint32_t        n  = 2U;
  const DspStatus st = get_count(spec, "inputs", 2U, &n, err);
  return st ? st
            : builtin_new(
                &dsp_builtin_mix_class, spec, n, 1U, n, "level", node, err);
}

static void
mix_run(DspNode* const node, const uint32_t n_frames)
{
  Builtin* const b = (Builtin*)node->impl;
  update_gains(node, b);
  float* const out = b->out[0];
  for (uint32_t i = 0U; i < n_frames; ++i) {
    out[i] = b->in[0][i] * b->gains[0];
  }
  for (uint32_t c = 1U; c < node->n_inputs; ++c) {
    const float* const in = b->in[c];
    const float        g  = b->gains[c];
    for (uint32_t i = 0U; i < n_frames; ++i) {
      out[i] += in[i] * g;
    }
  }
}

// split

static DspStatus
split_instantiate(const DspNodeSpec* const spec,
                  const DspNodeEnv* const  env,
                  DspNode** const          node,
                  DspError* const          err)
{
  uint32_t        n  = 2U;
  const DspStatus st = get_count(spec, "outputs", 2U, &n, err);
  return st ? st
            : builtin_new(
                &dsp_builtin_split_class, spec, 1U, n, 0U, "", node, err);
}

static void
split_run(DspNode* const node, const uint32_t n_frames)
{
  Builtin* const b = (Builtin*)node->impl;
  for (uint32_t c = 0U; c < node->n_outputs; ++c) {
    memcpy(b->out[c], b->in[0], n_frames * sizeof(float));
  }
}

// sum

static DspStatus
sum_instantiate(const DspNodeSpec* const spec,
                const DspNodeEnv* const  env,
                DspNode** const          node,
                DspError* const          err)
{
  uint32_t        n  = 2U;
  const DspStatus st = get_count(spec, "inputs", 2U, &n, err);
  return st ? st
            : builtin_new(
                &dsp_builtin_sum_class, spec, n, 1U, 0U, "", node, err);
}

static void
sum_run(DspNode* const node, const uint32_t n_frames)
{
  Builtin* const b   = (Builtin*)node->impl;
  float* const   out = b->out[0];
  memcpy(out, b->in[0], n_frames * sizeof(float));
  for (uint32_t c = 1U; c < node->n_inputs; ++c) {
    const float* const in = b->in[c];
    for (uint32_t i = 0U; i < n_frames; ++i) {
      out[i] += in[i];
    }
  }
}

/// [RT] The built-in nodes keep no signal state: nothing to reset.
static void
builtin_clear(DspNode* const node)
{
  (void)node;
}

#define DSP_BUILTIN_CLASS(name, desc)                                      \
  {                                                                        \
#    name, desc, name##_instantiate, builtin_connect, builtin_activate,    \
      name##_run, NULL, NULL, NULL, builtin_deactivate, builtin_free_impl, \
      builtin_clear                                                        \
  }

const DspNodeClass dsp_builtin_gain_class =
  DSP_BUILTIN_CLASS(gain, "Gain in dB on C channels");
const DspNodeClass dsp_builtin_mix_class =
  DSP_BUILTIN_CLASS(mix, "Mix N mono inputs with a level (dB) each");
const DspNodeClass dsp_builtin_split_class =
  DSP_BUILTIN_CLASS(split, "Copy one input to N outputs");
const DspNodeClass dsp_builtin_sum_class =
  DSP_BUILTIN_CLASS(sum, "Sum N inputs at unity gain");
