// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "inspect.h"

#include <jansson.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// Format ns since the epoch as UTC ISO 8601, or "never" for 0.
static const char*
iso_time(const uint64_t ns, char* const buf, const size_t size)
{
  if (!ns) {
    snprintf(buf, size, "never");
    return buf;
  }
  const time_t secs = (time_t)(ns / 1000000000U);
  struct tm    tm;
  gmtime_r(&secs, &tm);
  char date[32];
  strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, size, "%s.%03uZ", date, (unsigned)(ns / 1000000U % 1000U));
  return buf;
}

/// Print `v` with the fewest digits that read back as the same float.
static const char*
fmt_float(const float v, char* const buf, const size_t size)
{
  for (int digits = 6; digits < 9; ++digits) {
    snprintf(buf, size, "%.*g", digits, (double)v);
    if (strtof(buf, NULL) == v) {
      return buf;
    }
  }
  snprintf(buf, size, "%.9g", (double)v);
  return buf;
}

static json_t*
slot_json(const DspSlotInfo* const s)
{
  return json_pack("{s:I, s:s, s:I, s:I, s:I, s:s}",
                   "slot",
                   (json_int_t)s->slot,
                   "condition",
                   dsp_slot_condition_string(s->condition),
                   "generation",
                   (json_int_t)s->generation,
                   "written_ns",
                   (json_int_t)s->written_ns,
                   "payload_length",
                   (json_int_t)s->payload_length,
                   "reason",
                   s->reason);
}

static void
print_json(const DspCheckpoint* const     cp,
           const DspCheckpointInfo* const info,
           FILE* const                    out)
{
  char*  text = NULL;
  size_t size = 0U;
  if (dsp_checkpoint_to_json(cp, &text, &size, NULL)) {
    fprintf(out, "{}\n");
    return;
  }
  json_t* const doc = json_object();
  json_t* const ckp = json_loadb(text, size, 0, NULL);
  free(text);
  if (doc && info) {
    json_object_set_new(doc, "slot", slot_json(&info->slot));
    json_object_set_new(doc, "other_slot", slot_json(&info->other));
    json_object_set_new(doc, "fell_back", json_boolean(info->fell_back));
  }
  if (doc && ckp) {
    json_object_set(doc, "checkpoint", ckp);
  }
  if (doc) {
    json_dumpf(doc, out, JSON_INDENT(2));
    fputc('\n', out);
  }
  json_decref(ckp);
  json_decref(doc);
}

static void
print_text(const DspCheckpoint* const     cp,
           const DspCheckpointInfo* const info,
           FILE* const                    out)
{
  char t1[48];
  char t2[48];
  if (info) {
    const DspSlotInfo* const s = &info->slot;
    fprintf(out,
            "checkpoint: generation %" PRIu64 ", slot %u, written %s, "
            "%" PRIu32 " bytes%s\n",
            s->generation,
            s->slot,
            iso_time(s->written_ns, t1, sizeof(t1)),
            s->payload_length,
            cp->clean ? ", clean shutdown" : "");
    const DspSlotInfo* const o = &info->other;
    if (o->condition == DSP_SLOT_VALID) {
      fprintf(out,
              "other slot: %u, generation %" PRIu64 ", valid\n",
              o->slot,
              o->generation);
    } else {
      fprintf(out,
              "other slot: %u, %s (%s)\n",
              o->slot,
              dsp_slot_condition_string(o->condition),
              o->reason);
    }
    if (info->fell_back) {
      fprintf(out, "warning: fell back to the older slot\n");
    }
  }

  fprintf(out, "graph: %s", cp->graph_name ? cp->graph_name : "(unnamed)");
  if (cp->graph_path) {
    fprintf(out, " from %s", cp->graph_path);
  }
  fprintf(
    out, ", %zu bytes of JSON\n", cp->graph_json ? strlen(cp->graph_json) : 0U);

  const DspCheckpointSettings* const set = &cp->settings;
  fprintf(out,
          "settings: sample rate %g Hz, period %" PRIu32 ", backend %s\n",
          set->sample_rate,
          set->period,
          set->backend ? set->backend : "(none)");
  fprintf(out, "prepared slots (%zu):", set->n_slots);
  for (size_t i = 0U; i < set->n_slots; ++i) {
    fprintf(out,
            "%s %s (%zu bytes)",
            i ? "," : "",
            set->slots[i].name,
            strlen(set->slots[i].graph_json));
  }
  fputc('\n', out);

  const DspCheckpointCounters* const c = &cp->counters;
  fprintf(out,
          "counters: boots %" PRIu64 ", resumes %" PRIu64 ", crashes %" PRIu64
          ", graph loads %" PRIu64 ", parameter changes %" PRIu64 "\n",
          c->boots,
          c->resumes,
          c->crashes,
          c->graph_loads,
          c->param_changes);
  fprintf(out,
          "last boot: %s, last crash: %s\n",
          iso_time(c->last_boot_ns, t1, sizeof(t1)),
          iso_time(c->last_crash_ns, t2, sizeof(t2)));

  fprintf(out, "parameters (%zu):\n", cp->n_params);
  for (size_t i = 0U; i < cp->n_params; ++i) {
    char num[32];
    fprintf(out,
            "  %s.%s = %s\n",
            cp->params[i].node,
            cp->params[i].symbol,
            fmt_float(cp->params[i].value, num, sizeof(num)));
  }
  fprintf(out, "node states (%zu):\n", cp->n_states);
  for (size_t i = 0U; i < cp->n_states; ++i) {
    fprintf(out,
            "  %s: %zu bytes\n",
            cp->states[i].node,
            strlen(cp->states[i].state));
  }
}

void
dsp_inspect_print(const DspCheckpoint* const     cp,
                  const DspCheckpointInfo* const info,
                  FILE* const                    out,
                  const bool                     json)
{
  if (json) {
    print_json(cp, info, out);
  } else {
    print_text(cp, info, out);
  }
}

int
dsp_inspect_region(const char* const path,
                   FILE* const       out,
                   FILE* const       errout,
                   const bool        json)
{
  DspRegion* region = NULL;
  DspError   err;
  dsp_error_clear(&err);
  if (dsp_region_open(path, DSP_REGION_READ, 0U, &region, &err)) {
    fprintf(errout, "%s\n", err.message);
    return 2;
  }

  DspCheckpoint*    cp = NULL;
  DspCheckpointInfo info;
  const DspStatus   st = dsp_checkpoint_read(region, &cp, &info, &err);
  if (st) {
    fprintf(errout, "%s\n", err.message);
  } else {
    if (!json) {
      fprintf(out,
              "region: %s (%s, %" PRIu64 " bytes)\n",
              path,
              dsp_region_kind(region) == DSP_REGION_DEVICE ? "device" : "file",
              dsp_region_size(region));
    }
    dsp_inspect_print(cp, &info, out, json);
  }
  dsp_checkpoint_free(cp);
  dsp_region_close(region);
  return st ? 1 : 0;
}
