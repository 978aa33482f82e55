// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Test fixture plugin: schedules one work request per run(), logs in work()
// and counts responses and end_run() calls on control outputs.

#include <lv2/core/lv2.h>
#include <lv2/core/lv2_util.h>
#include <lv2/log/log.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { IN, OUT, MOD, GAIN, RESPONSES, END_RUNS, CUTOFF, ON, N_PORTS };

typedef struct {
  float*               ports[N_PORTS]; ///< Connected buffers
  LV2_Worker_Schedule* schedule;       ///< Host worker
  LV2_Log_Log*         log;            ///< Host log, or NULL
  LV2_URID             log_Note;       ///< log:Note
  uint32_t             sent;           ///< Requests scheduled
  uint32_t             responses;      ///< Responses received in order
  uint32_t             end_runs;       ///< end_run() calls
} Fixture;

static LV2_Handle
instantiate(const LV2_Descriptor*     descriptor,
            const double              rate,
            const char*               bundle_path,
            const LV2_Feature* const* features)
{
  LV2_URID_Map*        map      = NULL;
  LV2_Worker_Schedule* schedule = NULL;
  LV2_Log_Log*         log      = NULL;
  const char* const    missing  = lv2_features_query(features,
                                                 LV2_URID__map,
                                                 &map,
                                                 true,
                                                 LV2_WORKER__schedule,
                                                 &schedule,
                                                 true,
                                                 LV2_LOG__log,
                                                 &log,
                                                 false,
                                                 NULL);
  if (missing) {
    return NULL;
  }

  Fixture* const self = (Fixture*)calloc(1U, sizeof(Fixture));
  if (self) {
    self->schedule = schedule;
    self->log      = log;
    self->log_Note = map->map(map->handle, LV2_LOG__Note);
  }
  return self;
}

static void
connect_port(LV2_Handle instance, const uint32_t port, void* const data)
{
  if (port < N_PORTS) {
    ((Fixture*)instance)->ports[port] = (float*)data;
  }
}

static void
run(LV2_Handle instance, const uint32_t n_samples)
{
  Fixture* const self = (Fixture*)instance;
  const float    gain = powf(10.0f, *self->ports[GAIN] / 20.0f);
  const float    on   = (*self->ports[ON] > 0.5f) ? 1.0f : 0.0f;
  for (uint32_t i = 0U; i < n_samples; ++i) {
    self->ports[OUT][i] =
      on * (self->ports[IN][i] * gain + self->ports[MOD][i]);
  }

  const uint32_t seq = self->sent;
  if (self->schedule->schedule_work(
        self->schedule->handle, sizeof(seq), &seq) == LV2_WORKER_SUCCESS) {
    ++self->sent;
  }

  *self->ports[RESPONSES] = (float)self->responses;
  *self->ports[END_RUNS]  = (float)self->end_runs;
}

static LV2_Worker_Status
work(LV2_Handle                  instance,
     LV2_Worker_Respond_Function respond,
     LV2_Worker_Respond_Handle   handle,
     const uint32_t              size,
     const void*                 data)
{
  Fixture* const self = (Fixture*)instance;
  uint32_t       seq  = 0U;
  if (size != sizeof(seq)) {
    return LV2_WORKER_ERR_UNKNOWN;
  }

  memcpy(&seq, data, sizeof(seq));
  if (self->log) {
    self->log->printf(self->log->handle, self->log_Note, "work %u\n", seq);
  }
  return respond(handle, sizeof(seq), &seq);
}

static LV2_Worker_Status
work_response(LV2_Handle instance, const uint32_t size, const void* data)
{
  Fixture* const self = (Fixture*)instance;
  uint32_t       seq  = 0U;
  memcpy(&seq, data, sizeof(seq));
  if (size == sizeof(seq) && seq == self->responses) {
    ++self->responses; // Counts only in-order responses
  }
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status
end_run(LV2_Handle instance)
{
  ++((Fixture*)instance)->end_runs;
  return LV2_WORKER_SUCCESS;
}

static const void*
extension_data(const char* const uri)
{
  static const LV2_Worker_Interface worker = { work, work_response, end_run };
  return strcmp(uri, LV2_WORKER__interface) ? NULL : &worker;
}

static void
cleanup(LV2_Handle instance)
{
  free(instance);
}

static const LV2_Descriptor descriptors[] = {
  { "urn:dspengine:test:worker",
    instantiate,
    connect_port,
    NULL,
    run,
    NULL,
    cleanup,
    extension_data },
  { "urn:dspengine:test:fixed",
    instantiate,
    connect_port,
    NULL,
    run,
    NULL,
    cleanup,
    extension_data },
};

LV2_SYMBOL_EXPORT const LV2_Descriptor*
lv2_descriptor(const uint32_t index)
{
  return index < 2U ? &descriptors[index] : NULL;
}
