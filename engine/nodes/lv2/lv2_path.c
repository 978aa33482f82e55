// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Plugins load only from LV2_PATH: a plugin's bundle and binary, with
// symbolic links resolved, must lie inside a directory on the search path
// (docs/lv2.md, "Where plugins come from").

#define _GNU_SOURCE

#include "lv2_internal.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
dsp_lv2_search_path(char* const buf, const size_t size)
{
  const char* const env  = getenv("LV2_PATH");
  const char* const home = getenv("HOME");
  if (env && env[0]) {
    snprintf(buf, size, "%s", env);
  } else {
    snprintf(
      buf, size, "%s/.lv2:/usr/local/lib/lv2:/usr/lib/lv2", home ? home : "");
  }
}

/// True if the resolved `real` lies inside a resolved LV2_PATH directory.
static bool
on_search_path(const char* const real)
{
  char path[8192];
  dsp_lv2_search_path(path, sizeof(path));
  const char* const home = getenv("HOME");
  char*             save = NULL;
  for (char* dir = strtok_r(path, ":", &save); dir;
       dir       = strtok_r(NULL, ":", &save)) {
    char expanded[PATH_MAX];
    char root[PATH_MAX];
    snprintf(expanded,
             sizeof(expanded),
             "%s%s",
             (dir[0] == '~' && home) ? home : "",
             (dir[0] == '~' && home) ? dir + 1 : dir);
    if (!realpath(expanded, root)) {
      continue;
    }
    const size_t len = strlen(root);
    if (!strncmp(real, root, len) && (real[len] == '/' || len == 1U)) {
      return true;
    }
  }
  return false;
}

/// Check the file behind `uri` (a file: URI); `what` names it.
static DspStatus
check_uri(const DspLv2World* const world,
          const LilvNode* const    uri,
          const char* const        what,
          const char* const        plugin_uri,
          const char* const        json_path,
          DspError* const          err)
{
  (void)world;
  char* const file =
    uri ? lilv_file_uri_parse(lilv_node_as_uri(uri), NULL) : NULL;
  char       real[PATH_MAX];
  const bool ok = file && realpath(file, real) && on_search_path(real);
  if (!ok) {
    char path[512];
    dsp_lv2_search_path(path, sizeof(path));
    dsp_error_set(err,
                  DSP_ERR_PLUGIN,
                  json_path,
                  "LV2 plugin <%s>: its %s \"%s\" is not inside a directory "
                  "on LV2_PATH (%s); refusing to load it",
                  plugin_uri,
                  what,
                  file ? file : (uri ? lilv_node_as_uri(uri) : "(none)"),
                  path);
  }
  lilv_free(file);
  return ok ? DSP_SUCCESS : DSP_ERR_PLUGIN;
}

DspStatus
dsp_lv2_check_plugin_paths(const DspLv2World* const world,
                           const LilvPlugin* const  plugin,
                           const char* const        json_path,
                           DspError* const          err)
{
  const char* const uri = lilv_node_as_uri(lilv_plugin_get_uri(plugin));
  DspStatus         st  = check_uri(
    world, lilv_plugin_get_bundle_uri(plugin), "bundle", uri, json_path, err);
  if (!st) {
    st = check_uri(world,
                   lilv_plugin_get_library_uri(plugin),
                   "binary",
                   uri,
                   json_path,
                   err);
  }
  return st;
}
