// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// libFuzzer harness: the checkpoint reader over arbitrary region contents
// (a minimum-size region: header page and two one-page slots), and the
// payload parser on its own (the CRCs keep random regions from reaching it).

#include "state/checkpoint.h"
#include "state/layout.h"
#include "state/region_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t* const data, const size_t size)
{
  static uint8_t mem[DSP_STATE_MIN_SIZE];
  memset(mem, 0, sizeof(mem));
  memcpy(mem, data, size < sizeof(mem) ? size : sizeof(mem));

  DspRegion region;
  memset(&region, 0, sizeof(region));
  region.path = (char*)"fuzz-region";
  region.data = mem;
  region.size = sizeof(mem);
  region.fd   = -1;
  region.kind = DSP_REGION_FILE;

  DspCheckpoint*    cp = NULL;
  DspCheckpointInfo info;
  DspError          err;
  if (!dsp_checkpoint_from_json((const char*)data, size, &cp, &err)) {
    dsp_checkpoint_free(cp);
    cp = NULL;
  }

  if (!dsp_checkpoint_read(&region, &cp, &info, &err)) {
    // Serialise what was read: every field it returned must be usable
    char*  json = NULL;
    size_t len  = 0U;
    if (!dsp_checkpoint_to_json(cp, &json, &len, &err)) {
      free(json);
    }
    dsp_checkpoint_free(cp);
  }
  return 0;
}
