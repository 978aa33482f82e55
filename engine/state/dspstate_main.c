// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// dspstate: look at and prepare state regions without the engine.
// `dspengine --inspect-state PATH` will do what `dspstate inspect` does.

#include "state/checkpoint.h"
#include "state/inspect.h"
#include "state/region.h"
#include "state/slots.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
usage(FILE* const out, const int status)
{
  fprintf(out,
          "Usage: dspstate inspect PATH [--json]\n"
          "       dspstate init PATH [--size BYTES[K|M|G]] [--force]\n"
          "       dspstate write PATH CHECKPOINT.json\n"
          "\n"
          "inspect  print the newest valid checkpoint in the state region\n"
          "init     create (or, with --force, wipe) a state region file;\n"
          "         an existing region keeps its size (default %u bytes)\n"
          "write    write a checkpoint given as payload JSON\n"
          "\n"
          "PATH is a file (e.g. %s) or a PCI resource file\n"
          "(/sys/bus/pci/devices/BDF/resource2 for ivshmem).\n"
          "See docs/checkpoint.md.\n",
          DSP_STATE_DEFAULT_SIZE,
          DSP_STATE_DEFAULT_PATH);
  return status;
}

static bool
parse_size(const char* const s, uint64_t* const out)
{
  char* end                  = NULL;
  errno                      = 0;
  const unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || s[0] == '-') {
    return false;
  }
  unsigned shift = 0U;
  if (*end == 'K' || *end == 'k') {
    shift = 10U;
  } else if (*end == 'M' || *end == 'm') {
    shift = 20U;
  } else if (*end == 'G' || *end == 'g') {
    shift = 30U;
  }
  end += shift ? 1 : 0;
  if (*end || v > (UINT64_MAX >> shift)) {
    return false;
  }
  *out = (uint64_t)v << shift;
  return true;
}

static int
cmd_init(const char* const path, const uint64_t size, const bool force)
{
  DspRegion* region = NULL;
  DspError   err;
  dsp_error_clear(&err);
  if (dsp_region_open(path, DSP_REGION_CREATE, size, &region, &err) ||
      dsp_slots_format(region, force, &err)) {
    fprintf(stderr, "dspstate: %s\n", err.message);
    dsp_region_close(region);
    return 1;
  }
  DspLayoutGeometry geo = { 0U, { 0U, 0U }, 0U, 0U };
  dsp_layout_geometry(dsp_region_size(region), &geo);
  printf("%s: %llu bytes, 2 slots of %llu payload bytes\n",
         path,
         (unsigned long long)geo.region_size,
         (unsigned long long)geo.max_payload);
  dsp_region_close(region);
  return 0;
}

static char*
read_file(const char* const path, size_t* const size)
{
  FILE* const f = fopen(path, "rb");
  if (!f) {
    return NULL;
  }
  char*  buf = NULL;
  size_t len = 0U;
  size_t cap = 0U;
  for (;;) {
    if (len == cap) {
      cap             = cap ? cap * 2U : 65536U;
      char* const big = (char*)realloc(buf, cap);
      if (!big) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = big;
    }
    const size_t n = fread(buf + len, 1U, cap - len, f);
    if (!n) {
      break;
    }
    len += n;
  }
  const bool bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return NULL;
  }
  *size = len;
  return buf;
}

static int
cmd_write(const char* const path, const char* const file)
{
  size_t      size = 0U;
  char* const text = read_file(file, &size);
  if (!text) {
    fprintf(stderr, "dspstate: %s: %s\n", file, strerror(errno));
    return 1;
  }

  DspCheckpoint*    cp     = NULL;
  DspRegion*        region = NULL;
  DspCheckpointInfo info;
  DspError          err;
  dsp_error_clear(&err);
  int status = 1;
  if (dsp_checkpoint_from_json(text, size, &cp, &err)) {
    char msg[1200];
    fprintf(stderr,
            "dspstate: %s: %s\n",
            file,
            dsp_error_format(&err, msg, sizeof(msg)));
  } else if (dsp_region_open(path, DSP_REGION_CREATE, 0U, &region, &err) ||
             dsp_checkpoint_write(region, cp, &info, &err)) {
    fprintf(stderr, "dspstate: %s\n", err.message);
  } else {
    printf("%s: generation %llu in slot %u\n",
           path,
           (unsigned long long)info.slot.generation,
           info.slot.slot);
    status = 0;
  }
  dsp_region_close(region);
  dsp_checkpoint_free(cp);
  free(text);
  return status;
}

int
main(int argc, char** argv)
{
  if (argc < 3) {
    return usage(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
                 argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2);
  }

  const char* const cmd  = argv[1];
  const char* const path = argv[2];
  if (!strcmp(cmd, "inspect")) {
    bool json = false;
    for (int i = 3; i < argc; ++i) {
      if (!strcmp(argv[i], "--json")) {
        json = true;
      } else {
        return usage(stderr, 2);
      }
    }
    return dsp_inspect_region(path, stdout, stderr, json);
  }

  if (!strcmp(cmd, "init")) {
    uint64_t size  = DSP_STATE_DEFAULT_SIZE;
    bool     force = false;
    for (int i = 3; i < argc; ++i) {
      if (!strcmp(argv[i], "--force")) {
        force = true;
      } else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
        if (!parse_size(argv[++i], &size) || !size) {
          fprintf(stderr, "dspstate: bad size '%s'\n", argv[i]);
          return 2;
        }
      } else {
        return usage(stderr, 2);
      }
    }
    return cmd_init(path, size, force);
  }

  if (!strcmp(cmd, "write") && argc == 4) {
    return cmd_write(path, argv[3]);
  }
  return usage(stderr, 2);
}
