// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// lv2render: render an audio file through a chain of LV2 plugins using only
// the "lv2" node API, with varied block sizes.  A reference check for the
// node kind against lilv's lv2apply.
//
//   lv2render -i IN -o OUT [-b 64,37,256,1] [-t]
//             [-c SYMBOL VALUE]... URI [[-c SYMBOL VALUE]... URI]...
//
// Each -c applies to the next URI.  Outputs of one plugin feed the inputs of
// the next in order; a mono file or mono output is copied to every input of
// the next plugin (as lv2apply does).  CV inputs get silence.  -t runs the
// LV2 worker in a thread (default: inline, deterministic).

#include "nodes/lv2/lv2.h"
#include "nodes/node.h"

#include <jansson.h>
#include <sndfile.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STAGES 16U
#define MAX_CONTROLS 64U
#define MAX_SIZES 32U

/// A control value from the command line.
typedef struct {
  const char* symbol; ///< Parameter symbol
  float       value;  ///< Value to set
  uint32_t    stage;  ///< Plugin it applies to
} Control;

/// One plugin of the chain.
typedef struct {
  const char* uri;  ///< Plugin URI
  DspNode*    node; ///< Instance
  float*      out;  ///< Output buffers, max_block floats per output
} Stage;

static int
usage(void)
{
  fprintf(stderr,
          "usage: lv2render -i IN -o OUT [-b SIZES] [-t] "
          "[-c SYMBOL VALUE]... URI [[-c SYMBOL VALUE]... URI]...\n");
  return 2;
}

static uint32_t
parse_sizes(const char* const text, uint32_t* const sizes)
{
  uint32_t    n = 0U;
  const char* s = text;
  while (*s && n < MAX_SIZES) {
    char*               end = NULL;
    const unsigned long v   = strtoul(s, &end, 10);
    if (end == s || !v || v > 65536UL) {
      return 0U;
    }
    sizes[n++] = (uint32_t)v;
    s          = (*end == ',') ? end + 1 : end;
  }
  return n;
}

int
main(int argc, char** argv)
{
  const char* in_path  = NULL;
  const char* out_path = NULL;
  bool        threaded = false;
  Stage       stages[MAX_STAGES];
  Control     controls[MAX_CONTROLS];
  uint32_t    n_stages   = 0U;
  uint32_t    n_controls = 0U;
  uint32_t    sizes[MAX_SIZES];
  uint32_t    n_sizes = parse_sizes("64,37,256,1,200", sizes);

  memset(stages, 0, sizeof(stages));
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "-i") && i + 1 < argc) {
      in_path = argv[++i];
    } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
      out_path = argv[++i];
    } else if (!strcmp(argv[i], "-t")) {
      threaded = true;
    } else if (!strcmp(argv[i], "-b") && i + 1 < argc) {
      if (!(n_sizes = parse_sizes(argv[++i], sizes))) {
        return usage();
      }
    } else if (!strcmp(argv[i], "-c") && i + 2 < argc &&
               n_controls < MAX_CONTROLS) {
      controls[n_controls].symbol = argv[i + 1];
      controls[n_controls].value  = strtof(argv[i + 2], NULL);
      controls[n_controls].stage  = n_stages;
      ++n_controls;
      i += 2;
    } else if (argv[i][0] != '-' && n_stages < MAX_STAGES) {
      stages[n_stages++].uri = argv[i];
    } else {
      return usage();
    }
  }
  if (!in_path || !out_path || !n_stages) {
    return usage();
  }

  uint32_t max_block = 1U;
  for (uint32_t i = 0U; i < n_sizes; ++i) {
    max_block = sizes[i] > max_block ? sizes[i] : max_block;
  }

  SF_INFO        in_info;
  SNDFILE* const in_file = (memset(&in_info, 0, sizeof(in_info)),
                            sf_open(in_path, SFM_READ, &in_info));
  if (!in_file) {
    fprintf(stderr, "lv2render: %s: %s\n", in_path, sf_strerror(NULL));
    return 1;
  }

  DspError     err;
  DspLv2World* world = NULL;
  dsp_error_clear(&err);
  if (dsp_lv2_world_new(&world, &err)) {
    fprintf(stderr, "lv2render: %s\n", err.message);
    return 1;
  }

  const DspNodeEnv env = {
    (double)in_info.samplerate, max_block, world, NULL, threaded, NULL
  };

  // Instantiate the chain and set controls
  int          status = 1;
  uint32_t     n_prev = (uint32_t)in_info.channels;
  float* const file_in =
    (float*)calloc((size_t)n_prev * max_block, sizeof(float));
  float* const silence  = (float*)calloc(max_block, sizeof(float));
  float*       frames   = NULL;
  SNDFILE*     out_file = NULL;
  for (uint32_t s = 0U; s < n_stages; ++s) {
    char id[32];
    char path[32];
    snprintf(id, sizeof(id), "p%u", s);
    snprintf(path, sizeof(path), "/nodes/%u", s);
    json_t* const config = json_pack(
      "{s:s, s:s, s:s}", "id", id, "kind", "lv2", "uri", stages[s].uri);
    const DspNodeSpec spec = { id, "lv2", config, path, NULL };
    const DspStatus   st =
      dsp_lv2_node_class.instantiate(&spec, &env, &stages[s].node, &err);
    json_decref(config);
    if (st) {
      char buf[1024];
      fprintf(stderr, "lv2render: %s\n", dsp_error_format(&err, buf, 1024));
      goto done;
    }

    DspNode* const node = stages[s].node;
    if (!node->n_inputs || !node->n_outputs ||
        (n_prev != node->n_inputs && n_prev != 1U)) {
      fprintf(stderr,
              "lv2render: <%s>: cannot map %u channels to %u inputs\n",
              stages[s].uri,
              n_prev,
              node->n_inputs);
      goto done;
    }

    float* const prev = s ? stages[s - 1U].out : file_in;
    for (uint32_t i = 0U, a = 0U; i < node->n_inputs; ++i) {
      float* const buf = node->inputs[i].is_cv
                           ? silence
                           : prev + (size_t)(a++ % n_prev) * max_block;
      node->klass->connect(node, DSP_PORT_INPUT, i, buf);
    }
    stages[s].out =
      (float*)calloc((size_t)node->n_outputs * max_block, sizeof(float));
    if (!stages[s].out) {
      fprintf(stderr, "lv2render: out of memory\n");
      goto done;
    }
    for (uint32_t o = 0U; o < node->n_outputs; ++o) {
      node->klass->connect(
        node, DSP_PORT_OUTPUT, o, stages[s].out + (size_t)o * max_block);
    }
    n_prev = node->n_outputs;

    for (uint32_t c = 0U; c < n_controls; ++c) {
      if (controls[c].stage != s) {
        continue;
      }
      const int p = dsp_node_find_param(node, controls[c].symbol);
      if (p < 0) {
        fprintf(stderr,
                "lv2render: <%s>: no parameter \"%s\"\n",
                stages[s].uri,
                controls[c].symbol);
        goto done;
      }
      if (dsp_node_check_param(
            node, (uint32_t)p, controls[c].value, path, &err)) {
        fprintf(stderr, "lv2render: %s\n", err.message);
        goto done;
      }
      dsp_node_set_param(node, (uint32_t)p, controls[c].value);
    }

    if (dsp_node_activate(node)) {
      fprintf(stderr, "lv2render: <%s>: activate failed\n", stages[s].uri);
      goto done;
    }
  }

  SF_INFO out_info  = in_info;
  out_info.channels = (int)n_prev;
  frames            = (float*)calloc((size_t)max_block *
                            (size_t)(n_prev > (uint32_t)in_info.channels
                                                  ? n_prev
                                                  : (uint32_t)in_info.channels),
                          sizeof(float));
  out_file          = sf_open(out_path, SFM_WRITE, &out_info);
  if (!file_in || !silence || !frames || !out_file) {
    fprintf(stderr, "lv2render: %s: %s\n", out_path, sf_strerror(NULL));
    goto done;
  }

  // Render with a repeating pattern of block sizes
  const uint32_t n_in = (uint32_t)in_info.channels;
  for (uint32_t b = 0U;; ++b) {
    const uint32_t   want = sizes[b % n_sizes];
    const sf_count_t n    = sf_readf_float(in_file, frames, want);
    if (n <= 0) {
      break;
    }

    for (uint32_t c = 0U; c < n_in; ++c) {
      for (sf_count_t j = 0; j < n; ++j) {
        file_in[(size_t)c * max_block + (size_t)j] = frames[j * n_in + c];
      }
    }
    for (uint32_t s = 0U; s < n_stages; ++s) {
      stages[s].node->klass->run(stages[s].node, (uint32_t)n);
      dsp_lv2_node_flush_log(stages[s].node, stderr);
    }
    const float* const last = stages[n_stages - 1U].out;
    for (uint32_t c = 0U; c < n_prev; ++c) {
      for (sf_count_t j = 0; j < n; ++j) {
        frames[j * n_prev + c] = last[(size_t)c * max_block + (size_t)j];
      }
    }
    if (sf_writef_float(out_file, frames, n) != n) {
      fprintf(stderr, "lv2render: %s: write failed\n", out_path);
      goto done;
    }
  }
  status = 0;

done:
  if (out_file) {
    sf_close(out_file);
  }
  sf_close(in_file);
  for (uint32_t s = 0U; s < n_stages; ++s) {
    dsp_node_free(stages[s].node);
    free(stages[s].out);
  }
  free(frames);
  free(silence);
  free(file_in);
  dsp_lv2_world_free(world);
  return status;
}
