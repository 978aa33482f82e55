// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// faust_render (--effect NAME | --file PATH | --code CODE) --input IN.wav
//   --output OUT.wav [--param LABEL VALUE]... [--blocks 64,37,256]
//   [--cache DIR]
//
// Render a file through one "faust" node, driven only through the
// DspNodeClass API, cycling through the given block sizes to show that the
// result does not depend on them.  Prints the JIT compile count at the end.

#include "nodes/faust/faust.h"
#include "nodes/faust/faust_jit.h"
#include "nodes/node.h"

#include <jansson.h>
#include <sndfile.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_PARAMS = 32, MAX_BLOCKS = 16, MAX_CHANNELS = 16 };

typedef struct {
  const char* key;                   // "effect", "file" or "code"
  const char* value;                 // Its value
  const char* input;                 // Input WAV
  const char* output;                // Output WAV
  const char* cache;                 // Cache dir or NULL
  const char* params[MAX_PARAMS][2]; // LABEL VALUE
  int         n_params;              // Number of params
  uint32_t    blocks[MAX_BLOCKS];    // Block sizes to cycle
  int         n_blocks;              // Number of block sizes
} Options;

static int
parse_blocks(Options* const opts, const char* str)
{
  opts->n_blocks = 0;
  while (*str && opts->n_blocks < MAX_BLOCKS) {
    char*               end = NULL;
    const unsigned long n   = strtoul(str, &end, 10);
    if (end == str || n == 0U || n > 8192U) {
      return 1;
    }
    opts->blocks[opts->n_blocks++] = (uint32_t)n;
    str                            = (*end == ',') ? end + 1 : end;
  }
  return opts->n_blocks ? 0 : 1;
}

static int
parse_options(Options* const opts, const int argc, char** const argv)
{
  memset(opts, 0, sizeof(*opts));
  opts->blocks[0] = 64U;
  opts->blocks[1] = 37U;
  opts->blocks[2] = 256U;
  opts->blocks[3] = 1U;
  opts->blocks[4] = 500U;
  opts->n_blocks  = 5;

  for (int i = 1; i < argc; ++i) {
    const char* const a = argv[i];
    if (i + 1 >= argc) {
      return 1;
    }
    if (!strcmp(a, "--effect") || !strcmp(a, "--file") ||
        !strcmp(a, "--code")) {
      opts->key   = a + 2;
      opts->value = argv[++i];
    } else if (!strcmp(a, "--input")) {
      opts->input = argv[++i];
    } else if (!strcmp(a, "--output")) {
      opts->output = argv[++i];
    } else if (!strcmp(a, "--cache")) {
      opts->cache = argv[++i];
    } else if (!strcmp(a, "--blocks")) {
      if (parse_blocks(opts, argv[++i])) {
        return 1;
      }
    } else if (!strcmp(a, "--param") && i + 2 < argc &&
               opts->n_params < MAX_PARAMS) {
      opts->params[opts->n_params][0] = argv[++i];
      opts->params[opts->n_params][1] = argv[++i];
      ++opts->n_params;
    } else {
      return 1;
    }
  }
  return (opts->key && opts->input && opts->output) ? 0 : 1;
}

static int
render(const Options* const opts,
       DspNode* const       node,
       SNDFILE* const       in,
       SNDFILE* const       out,
       const uint32_t       max_block)
{
  const uint32_t n_in  = node->n_inputs;
  const uint32_t n_out = node->n_outputs;
  float* const   inter_in =
    (float*)calloc((size_t)max_block * (n_in + 1U), sizeof(float));
  float* const inter_out =
    (float*)calloc((size_t)max_block * (n_out + 1U), sizeof(float));
  float* ins[MAX_CHANNELS]  = { NULL };
  float* outs[MAX_CHANNELS] = { NULL };
  int    rc                 = 0;

  for (uint32_t c = 0U; c < n_in; ++c) {
    ins[c] = (float*)calloc(max_block, sizeof(float));
    node->klass->connect(node, DSP_PORT_INPUT, c, ins[c]);
  }
  for (uint32_t c = 0U; c < n_out; ++c) {
    outs[c] = (float*)calloc(max_block, sizeof(float));
    node->klass->connect(node, DSP_PORT_OUTPUT, c, outs[c]);
  }

  for (uint64_t b = 0U;; ++b) {
    const uint32_t   block = opts->blocks[b % (uint64_t)opts->n_blocks];
    const sf_count_t n     = sf_readf_float(in, inter_in, block);
    if (n <= 0) {
      break;
    }
    for (sf_count_t t = 0; t < n; ++t) {
      for (uint32_t c = 0U; c < n_in; ++c) {
        ins[c][t] = inter_in[t * n_in + c];
      }
    }
    node->klass->run(node, (uint32_t)n);
    for (sf_count_t t = 0; t < n; ++t) {
      for (uint32_t c = 0U; c < n_out; ++c) {
        inter_out[t * n_out + c] = outs[c][t];
      }
    }
    if (sf_writef_float(out, inter_out, n) != n) {
      rc = 1;
      break;
    }
  }

  for (uint32_t c = 0U; c < MAX_CHANNELS; ++c) {
    free(ins[c]);
    free(outs[c]);
  }
  free(inter_in);
  free(inter_out);
  return rc;
}

int
main(int argc, char** argv)
{
  Options opts;
  if (parse_options(&opts, argc, argv)) {
    fprintf(stderr,
            "usage: faust_render (--effect N | --file P | --code C) "
            "--input IN --output OUT [--param L V]... [--blocks 64,37] "
            "[--cache DIR]\n");
    return 2;
  }

  SF_INFO        in_info = { 0 };
  SNDFILE* const in      = sf_open(opts.input, SFM_READ, &in_info);
  if (!in) {
    fprintf(stderr, "%s: %s\n", opts.input, sf_strerror(NULL));
    return 2;
  }

  uint32_t max_block = 1U;
  for (int i = 0; i < opts.n_blocks; ++i) {
    max_block = opts.blocks[i] > max_block ? opts.blocks[i] : max_block;
  }

  json_t* const config =
    json_pack("{s:s, s:s}", "kind", "faust", opts.key, opts.value);
  const DspNodeSpec spec = { "render", "faust", config, "/nodes/0", NULL };
  const DspNodeEnv  env  = {
      (double)in_info.samplerate, max_block, NULL, opts.cache, false, NULL
  };
  DspNode* node = NULL;
  DspError err;
  dsp_error_clear(&err);
  if (dsp_faust_node_class.instantiate(&spec, &env, &node, &err)) {
    char buf[1200];
    fprintf(stderr, "error: %s\n", dsp_error_format(&err, buf, sizeof(buf)));
    json_decref(config);
    sf_close(in);
    return 1;
  }

  if (node->n_inputs != (uint32_t)in_info.channels ||
      node->n_inputs > MAX_CHANNELS || node->n_outputs > MAX_CHANNELS) {
    fprintf(stderr,
            "error: node has %u inputs, %s has %d channels\n",
            node->n_inputs,
            opts.input,
            in_info.channels);
    return 1;
  }

  for (int i = 0; i < opts.n_params; ++i) {
    const int index = dsp_node_find_param(node, opts.params[i][0]);
    if (index < 0) {
      fprintf(stderr, "error: no parameter \"%s\"\n", opts.params[i][0]);
      return 1;
    }
    const float value = strtof(opts.params[i][1], NULL);
    if (dsp_node_check_param(node, (uint32_t)index, value, "", &err)) {
      fprintf(stderr, "error: %s\n", err.message);
      return 1;
    }
    dsp_node_set_param(node, (uint32_t)index, value);
  }

  SF_INFO out_info    = { 0 };
  out_info.samplerate = in_info.samplerate;
  out_info.channels   = (int)node->n_outputs;
  out_info.format     = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const out  = sf_open(opts.output, SFM_WRITE, &out_info);
  if (!out) {
    fprintf(stderr, "%s: %s\n", opts.output, sf_strerror(NULL));
    return 2;
  }

  int rc = dsp_node_activate(node) ? 1 : 0;
  if (!rc) {
    rc = render(&opts, node, in, out, max_block);
  }

  printf("jit compiles: %llu\n",
         (unsigned long long)dsp_faust_jit_compile_count());
  sf_close(out);
  sf_close(in);
  dsp_node_free(node);
  json_decref(config);
  return rc;
}
