// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "setup.h"

#include "nodes/lv2/lv2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/// mkdir -p; returns 0 on success.
static int
make_dirs(char* const path)
{
  for (char* p = path + 1; *p; ++p) {
    if (*p == '/') {
      *p          = '\0';
      const int r = mkdir(path, 0755);
      *p          = '/';
      if (r && errno != EEXIST) {
        return -1;
      }
    }
  }
  return (mkdir(path, 0755) && errno != EEXIST) ? -1 : 0;
}

static void
init_cache_dir(DspSetup* const setup)
{
  const char* const env  = getenv("DSP_FAUST_CACHE");
  const char* const xdg  = getenv("XDG_CACHE_HOME");
  const char* const home = getenv("HOME");
  char* const       dir  = setup->cache_dir;
  const size_t      size = sizeof(setup->cache_dir);

  if (env && env[0]) {
    snprintf(dir, size, "%s", env);
  } else if (xdg && xdg[0]) {
    snprintf(dir, size, "%s/dspengine/faust", xdg);
  } else if (home && home[0]) {
    snprintf(dir, size, "%s/.cache/dspengine/faust", home);
  } else {
    dir[0] = '\0';
  }

  setup->env.faust_cache_dir = (dir[0] && !make_dirs(dir)) ? dir : NULL;
}

static bool
needs_lv2(const DspGraph* const graph)
{
  for (uint32_t i = 0U; !graph || i < graph->n_nodes; ++i) {
    if (!graph || !strcmp(graph->nodes[i].kind, "lv2")) {
      return true;
    }
  }
  return false;
}

DspStatus
dsp_setup_init(DspSetup* const       setup,
               const DspGraph* const graph,
               const double          rate,
               const uint32_t        max_block,
               DspError* const       err)
{
  memset(setup, 0, sizeof(*setup));
  setup->env.sample_rate     = rate;
  setup->env.max_block       = max_block;
  setup->env.threaded_worker = false;
  init_cache_dir(setup);
  const char* const imports = getenv("DSP_FAUST_IMPORT_PATH");
  if (imports && imports[0]) {
    snprintf(setup->import_path, sizeof(setup->import_path), "%s", imports);
    setup->env.faust_import_path = setup->import_path;
  }

  return needs_lv2(graph) ? dsp_lv2_world_new(&setup->env.lv2, err)
                          : DSP_SUCCESS;
}

void
dsp_setup_cleanup(DspSetup* const setup)
{
  dsp_lv2_world_free(setup->env.lv2);
  setup->env.lv2 = NULL;
}
