// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "standby.h"

#include "common/timing.h"
#include "state/checkpoint.h"
#include "state/region.h"

#include <jack/jack.h>

#include <stdio.h>
#include <stdlib.h>

struct DspStandbyImpl {
  jack_client_t* client; ///< Never activated; keeps libjack's mappings
};

DspStatus
dsp_standby_prepare(const DspOptions* const opts,
                    DspEngine* const        engine,
                    DspStandby** const      out,
                    DspError* const         err)
{
  (void)err;
  *out                = NULL;
  DspStandby* const s = (DspStandby*)calloc(1U, sizeof(DspStandby));
  if (!s) {
    return DSP_SUCCESS; // A plain start then
  }

  // The checkpoint as it is now, read without the writer's lock: a newer
  // one is read again once the lock is ours; this only warms up LV2
  DspRegion*     region = NULL;
  DspCheckpoint* cp     = NULL;
  if (opts->state &&
      !dsp_region_open(opts->state, DSP_REGION_READ, 0U, &region, NULL) &&
      !dsp_checkpoint_read(region, &cp, NULL, NULL) && cp->graph_json) {
    (void)dsp_engine_open_text(
      engine, cp->graph_json, cp->graph_path, cp->graph_dir, NULL);
  }
  dsp_checkpoint_free(cp);
  dsp_region_close(region);

  char name[128];
  snprintf(name, sizeof(name), "%s-standby", opts->name ? opts->name : "dsp");
  const char* const env    = getenv("JACK_DEFAULT_SERVER");
  const char* const server = opts->server      ? opts->server
                             : (env && env[0]) ? env
                                               : "default";
  jack_status_t     status = (jack_status_t)0;
  s->client =
    jack_client_open(name, JackNoStartServer | JackServerName, &status, server);
  dsp_timing_mark("standby-prepared");
  *out = s;
  return DSP_SUCCESS;
}

void
dsp_standby_free(DspStandby* const s)
{
  if (s) {
    if (s->client) {
      jack_client_close(s->client);
    }
    free(s);
  }
}
