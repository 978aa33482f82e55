// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Cost of one checkpoint write (serialise + two-slot commit + msync) for
// a checkpoint the size of a Faust reverb's or LV2 chain's.
// usage: write_cost REGION GRAPH.json [N_PARAMS [N]]

#include "state/checkpoint.h"
#include "state/region.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
main(int argc, char** argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: write_cost REGION GRAPH.json [N_PARAMS [N]]\n");
    return 2;
  }
  const int n_params = argc > 3 ? atoi(argv[3]) : 16;
  const int n        = argc > 4 ? atoi(argv[4]) : 10000;

  FILE* const f = fopen(argv[2], "rb");
  if (!f) {
    return 1;
  }
  static char json[1 << 20];
  json[fread(json, 1U, sizeof(json) - 1U, f)] = '\0';
  fclose(f);

  DspError   err;
  DspRegion* region = NULL;
  if (dsp_region_open(
        argv[1], DSP_REGION_CREATE, DSP_STATE_DEFAULT_SIZE, &region, &err) ||
      dsp_slots_format(region, true, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  DspCheckpoint* const cp = dsp_checkpoint_new();
  dsp_checkpoint_set_graph(cp, "g", argv[2], ".", json);
  for (int i = 0; i < n_params; ++i) {
    char sym[32];
    snprintf(sym, sizeof(sym), "p%d", i);
    dsp_checkpoint_set_param(cp, "node", sym, (float)i * 0.1f);
  }

  double       worst = 0.0;
  const double t0    = now_s();
  for (int i = 0; i < n; ++i) {
    cp->params[0].value = (float)i;
    const double t      = now_s();
    if (dsp_checkpoint_write(region, cp, NULL, &err)) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    const double d = now_s() - t;
    worst          = d > worst ? d : worst;
  }
  const double total = now_s() - t0;
  printf("checkpoint write (%d params, %zu bytes of graph JSON): "
         "mean %.1f us, max %.1f us over %d writes\n",
         n_params,
         strlen(json),
         total / n * 1e6,
         worst * 1e6,
         n);
  dsp_checkpoint_free(cp);
  dsp_region_close(region);
  return 0;
}
