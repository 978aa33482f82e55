// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The "faust" node kind: set-up and tear-down (audio-thread part in
// faust_rt.c).

#include "faust.h"

#include "faust_builtin.h"
#include "faust_impl.h"
#include "faust_jit.h"
#include "faust_ui.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Largest Faust source file read (a sanity limit, not a libfaust one).
#define DSP_FAUST_MAX_SOURCE (16L * 1024L * 1024L)

/// Where a node's Faust program comes from.
typedef enum {
  DSP_FAUST_SRC_EFFECT, ///< Built-in effect
  DSP_FAUST_SRC_FILE,   ///< .dsp file compiled by libfaust
  DSP_FAUST_SRC_CODE,   ///< Inline code compiled by libfaust
} DspFaustSourceKind;

static const char* const source_keys[] = { "effect", "file", "code" };

/// Levenshtein distance between two short strings (SIZE_MAX if too long).
static size_t
edit_distance(const char* const a, const char* const b)
{
  enum { MAX_LEN = 64 };
  const size_t la = strlen(a);
  const size_t lb = strlen(b);
  if (la >= MAX_LEN || lb >= MAX_LEN) {
    return (size_t)-1;
  }

  size_t row[MAX_LEN + 1];
  for (size_t j = 0U; j <= lb; ++j) {
    row[j] = j;
  }
  for (size_t i = 1U; i <= la; ++i) {
    size_t diag = row[0];
    row[0]      = i;
    for (size_t j = 1U; j <= lb; ++j) {
      const size_t up   = row[j];
      const size_t cost = (a[i - 1U] == b[j - 1U]) ? 0U : 1U;
      size_t       best = diag + cost;
      best              = (up + 1U < best) ? up + 1U : best;
      best              = (row[j - 1U] + 1U < best) ? row[j - 1U] + 1U : best;
      row[j]            = best;
      diag              = up;
    }
  }
  return row[lb];
}

static DspStatus
unknown_effect(const char* const name,
               const char* const json_path,
               DspError* const   err)
{
  const DspFaustBuiltin* best      = NULL;
  size_t                 best_dist = (size_t)-1;
  char                   names[512];
  size_t                 len = 0U;

  names[0] = '\0';
  for (const DspFaustBuiltin* const* b = dsp_faust_builtins; *b; ++b) {
    const size_t d = edit_distance(name, (*b)->name);
    if (d < best_dist) {
      best      = *b;
      best_dist = d;
    }

    const int r = snprintf(names + len,
                           sizeof(names) - len,
                           "%s\"%s\"",
                           len ? ", " : "",
                           (*b)->name);
    len = (r < 0 || (size_t)r >= sizeof(names) - len) ? len : len + (size_t)r;
  }

  // Suggest only plausible typos: at most a third of the name changed
  const size_t max_dist = strlen(name) / 3U + 1U;
  if (best && best_dist <= max_dist) {
    return dsp_error_set(err,
                         DSP_ERR_NOT_FOUND,
                         json_path,
                         "unknown Faust effect \"%s\"; did you mean \"%s\"? "
                         "(built-in effects: %s)",
                         name,
                         best->name,
                         names);
  }

  return dsp_error_set(err,
                       DSP_ERR_NOT_FOUND,
                       json_path,
                       "unknown Faust effect \"%s\"; expected one of: %s",
                       name,
                       names);
}

/// Append `suffix` to `prefix` into a new malloc'd string (NULL if no mem).
static char*
str_join(const char* const prefix, const char* const suffix)
{
  const size_t len = strlen(prefix) + strlen(suffix) + 1U;
  char* const  str = (char*)malloc(len);
  if (str) {
    snprintf(str, len, "%s%s", prefix, suffix);
  }
  return str;
}

/**
   Read a whole file into a NUL-terminated string.

   @return 0 and a string to free in `*text`, or an errno value.
*/
static int
read_file(const char* const path, char** const text)
{
  *text         = NULL;
  FILE* const f = fopen(path, "rb");
  if (!f) {
    return errno ? errno : EIO;
  }

  int  rc   = 0;
  long size = -1L;
  if (fseek(f, 0L, SEEK_END) || (size = ftell(f)) < 0L ||
      fseek(f, 0L, SEEK_SET)) {
    rc = errno ? errno : EIO;
  } else if (size > DSP_FAUST_MAX_SOURCE) {
    rc = EFBIG;
  } else if (!(*text = (char*)malloc((size_t)size + 1U))) {
    rc = ENOMEM;
  } else if (fread(*text, 1U, (size_t)size, f) != (size_t)size) {
    rc = EIO;
    free(*text);
    *text = NULL;
  } else {
    (*text)[size] = '\0';
  }

  fclose(f);
  return rc;
}

/// Create the Faust instance for a "file" config.
static DspStatus
load_file(const DspNodeSpec* const spec,
          const DspNodeEnv* const  env,
          const char* const        file,
          const char* const        json_path,
          void** const             dsp,
          DspError* const          err)
{
  char* path = NULL;
  if (file[0] == '/' || !spec->base_dir || !spec->base_dir[0]) {
    path = strdup(file);
  } else {
    char* const dir = str_join(spec->base_dir, "/");
    path            = dir ? str_join(dir, file) : NULL;
    free(dir);
  }
  if (!path) {
    return dsp_error_set(err, DSP_ERR_NO_MEM, json_path, "out of memory");
  }

  char*     code = NULL;
  const int rc   = read_file(path, &code);
  if (rc) {
    const DspStatus st = (rc == ENOMEM)
                           ? DSP_ERR_NO_MEM
                           : ((rc == ENOENT) ? DSP_ERR_NOT_FOUND : DSP_ERR_IO);
    dsp_error_set(err,
                  st,
                  json_path,
                  "cannot read Faust file \"%s\": %s (expected a readable "
                  ".dsp file; relative names are resolved against the "
                  "graph's directory)",
                  path,
                  strerror(rc));
    free(path);
    return st;
  }

  // Imports are looked up next to the file first
  char* const       slash = strrchr(path, '/');
  const char* const name  = slash ? slash + 1 : path;
  char* const       dir   = slash ? strdup(path) : strdup(".");
  if (!dir) {
    free(code);
    free(path);
    return dsp_error_set(err, DSP_ERR_NO_MEM, json_path, "out of memory");
  }
  if (slash) {
    dir[slash == path ? 1 : slash - path] = '\0';
  }

  const DspFaustJitSource src = {
    name, code, dir, path, env->faust_import_path, spec->id
  };
  const DspStatus st =
    dsp_faust_jit_new(&src, env->faust_cache_dir, json_path, dsp, err);

  free(dir);
  free(code);
  free(path);
  return st;
}

/// Find which of "effect"/"file"/"code" the config uses.
static DspStatus
parse_config(const DspNodeSpec* const  spec,
             DspFaustSourceKind* const kind,
             const char** const        value,
             DspError* const           err)
{
  const char* const node_path = spec->json_path ? spec->json_path : "";
  if (!json_is_object(spec->config)) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_GRAPH,
                         node_path,
                         "a \"faust\" node must be a JSON object");
  }

  unsigned n_found = 0U;
  char     found[64];
  found[0] = '\0';
  for (unsigned i = 0U; i < 3U; ++i) {
    const json_t* const v = json_object_get(spec->config, source_keys[i]);
    if (!v) {
      continue;
    }

    if (!json_is_string(v)) {
      char path[192];
      snprintf(path, sizeof(path), "%s/%s", node_path, source_keys[i]);
      return dsp_error_set(err,
                           DSP_ERR_BAD_GRAPH,
                           path,
                           "\"%s\" must be a string",
                           source_keys[i]);
    }

    const size_t len = strlen(found);
    snprintf(found + len,
             sizeof(found) - len,
             "%s\"%s\"",
             len ? " and " : "",
             source_keys[i]);
    *kind  = (DspFaustSourceKind)i;
    *value = json_string_value(v);
    ++n_found;
  }

  if (n_found != 1U) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_GRAPH,
                         node_path,
                         "a \"faust\" node needs exactly one of \"effect\" "
                         "(built-in name), \"file\" (.dsp path) or \"code\" "
                         "(Faust source), but %s%s",
                         n_found ? "has " : "has none",
                         found);
  }
  return DSP_SUCCESS;
}

/// Create the Faust instance the config asks for.
static DspStatus
create_dsp(const DspNodeSpec* const  spec,
           const DspNodeEnv* const   env,
           const DspFaustOps** const ops,
           void** const              dsp,
           DspError* const           err)
{
  DspFaustSourceKind kind  = DSP_FAUST_SRC_EFFECT;
  const char*        value = NULL;
  DspStatus          st    = parse_config(spec, &kind, &value, err);
  if (st) {
    return st;
  }

  char path[192];
  snprintf(path,
           sizeof(path),
           "%s/%s",
           spec->json_path ? spec->json_path : "",
           source_keys[kind]);

  if (kind == DSP_FAUST_SRC_EFFECT) {
    const DspFaustBuiltin* const builtin = dsp_faust_builtin_find(value);
    if (!builtin) {
      return unknown_effect(value, path, err);
    }

    *ops = &builtin->ops;
    if (!(*dsp = builtin->create())) {
      return dsp_error_set(err, DSP_ERR_NO_MEM, path, "out of memory");
    }
    return DSP_SUCCESS;
  }

  *ops = &dsp_faust_jit_ops;
  if (kind == DSP_FAUST_SRC_FILE) {
    return load_file(spec, env, value, path, dsp, err);
  }

  const DspFaustJitSource src = { (spec->id && spec->id[0]) ? spec->id : "code",
                                  value,
                                  NULL,
                                  NULL,
                                  env->faust_import_path,
                                  spec->id };
  return dsp_faust_jit_new(&src, env->faust_cache_dir, path, dsp, err);
}

static void
faust_free_impl(DspNode* const node)
{
  DspFaustImpl* const impl = (DspFaustImpl*)node->impl;
  if (impl) {
    if (impl->dsp) {
      impl->ops->free(impl->dsp);
    }
    free((void*)impl->inputs);
    free((void*)impl->outputs);
    free(impl->silence);
    free(impl->discard);
    free(impl);
    node->impl = NULL;
  }
}

/// Allocate the node's kind data and connect every port to scratch buffers.
static DspStatus
faust_impl_new(DspNode* const           node,
               const DspFaustOps* const ops,
               void* const              dsp,
               const uint32_t           max_block)
{
  DspFaustImpl* const impl = (DspFaustImpl*)calloc(1U, sizeof(DspFaustImpl));
  if (!impl) {
    return DSP_ERR_NO_MEM;
  }

  impl->ops       = ops;
  impl->dsp       = dsp;
  impl->max_block = max_block ? max_block : 1U;
  node->impl      = impl; // From here dsp_node_free() frees everything

  impl->inputs  = (float**)calloc(node->n_inputs + 1U, sizeof(float*));
  impl->outputs = (float**)calloc(node->n_outputs + 1U, sizeof(float*));
  impl->silence = (float*)calloc(impl->max_block, sizeof(float));
  impl->discard = (float*)calloc(impl->max_block, sizeof(float));
  if (!impl->inputs || !impl->outputs || !impl->silence || !impl->discard) {
    return DSP_ERR_NO_MEM;
  }

  for (uint32_t i = 0U; i < node->n_inputs; ++i) {
    impl->inputs[i] = impl->silence;
  }
  for (uint32_t i = 0U; i < node->n_outputs; ++i) {
    impl->outputs[i] = impl->discard;
  }
  return DSP_SUCCESS;
}

/// Name the ports "in0".. and "out0"..
static DspStatus
faust_ports_set(DspNode* const node)
{
  char symbol[32];
  char name[32];
  for (uint32_t i = 0U; i < node->n_inputs; ++i) {
    snprintf(symbol, sizeof(symbol), "in%u", i);
    snprintf(name, sizeof(name), "Input %u", i + 1U);
    if (dsp_port_info_set(&node->inputs[i], symbol, name, false)) {
      return DSP_ERR_NO_MEM;
    }
  }
  for (uint32_t i = 0U; i < node->n_outputs; ++i) {
    snprintf(symbol, sizeof(symbol), "out%u", i);
    snprintf(name, sizeof(name), "Output %u", i + 1U);
    if (dsp_port_info_set(&node->outputs[i], symbol, name, false)) {
      return DSP_ERR_NO_MEM;
    }
  }
  return DSP_SUCCESS;
}

static DspStatus
faust_instantiate(const DspNodeSpec* const spec,
                  const DspNodeEnv* const  env,
                  DspNode** const          out,
                  DspError* const          err)
{
  *out = NULL;

  const char* const  node_path = spec->json_path ? spec->json_path : "";
  const DspFaustOps* ops       = NULL;
  void*              dsp       = NULL;
  DspStatus          st        = create_dsp(spec, env, &ops, &dsp, err);
  if (st) {
    return st;
  }

  const int sample_rate = (int)lround(env->sample_rate);
  ops->init(dsp, sample_rate);

  const int n_in  = ops->get_num_inputs(dsp);
  const int n_out = ops->get_num_outputs(dsp);

  // First pass: count parameters and reject what we cannot host
  DspFaustUi ui;
  dsp_faust_ui_init(&ui, NULL);
  UIGlue glue = dsp_faust_ui_glue(&ui);
  ops->build_user_interface(dsp, &glue);
  if (ui.status == DSP_ERR_UNSUPPORTED) {
    ops->free(dsp);
    return dsp_error_set(err,
                         DSP_ERR_UNSUPPORTED,
                         node_path,
                         "Faust soundfile \"%s\" is not supported (expected "
                         "a program without soundfile primitives)",
                         ui.unsupported);
  }

  DspNode* const node = dsp_node_alloc(&dsp_faust_node_class,
                                       spec->id,
                                       (uint32_t)n_in,
                                       (uint32_t)n_out,
                                       ui.n_params);
  if (!node) {
    ops->free(dsp);
    return dsp_error_set(err, DSP_ERR_NO_MEM, node_path, "out of memory");
  }

  if ((st = faust_impl_new(node, ops, dsp, env->max_block))) {
    if (!node->impl) {
      ops->free(dsp); // Not yet owned by the node
    }
    dsp_node_free(node);
    return dsp_error_set(err, st, node_path, "out of memory");
  }

  // Second pass: fill parameters and zones
  dsp_faust_ui_init(&ui, node);
  glue = dsp_faust_ui_glue(&ui);
  ops->build_user_interface(dsp, &glue);
  st = ui.status ? ui.status : faust_ports_set(node);
  if (!st && ui.n_params != node->n_params) {
    st = DSP_FAILURE;
  }
  if (st) {
    dsp_node_free(node);
    return dsp_error_set(err,
                         st,
                         node_path,
                         "%s",
                         st == DSP_ERR_NO_MEM ? "out of memory"
                                              : "Faust controls changed "
                                                "between two descriptions");
  }

  *out = node;
  return DSP_SUCCESS;
}

static DspStatus
faust_activate(DspNode* const node)
{
  DspFaustImpl* const impl = (DspFaustImpl*)node->impl;
  impl->ops->instance_clear(impl->dsp);
  return DSP_SUCCESS;
}

static void
faust_deactivate(DspNode* const node)
{
  (void)node;
}

const DspNodeClass dsp_faust_node_class = {
  "faust",
  "Faust DSP: built-in effects, .dsp files or inline code (libfaust)",
  faust_instantiate,
  dsp_faust_connect,
  faust_activate,
  dsp_faust_run,
  NULL,
  NULL,
  NULL,
  faust_deactivate,
  faust_free_impl,
  dsp_faust_clear,
};
