// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char*
fixture_path(char* const buf)
{
  static unsigned   n   = 0U;
  const char* const dir = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
  snprintf(buf, 64, "%s/dsp-state-test-%d-%u", dir, (int)getpid(), n++);
  unlink(buf);
  return buf;
}

DspCheckpoint*
fixture_checkpoint(const uint64_t seq, const size_t max_state)
{
  DspCheckpoint* const cp = dsp_checkpoint_new();
  if (!cp) {
    return NULL;
  }

  char json[256];
  snprintf(json,
           sizeof(json),
           "{\"name\": \"g%llu\", \"nodes\": [{\"id\": \"amp\", "
           "\"kind\": \"gain\"}], \"connections\": []}",
           (unsigned long long)seq);
  char name[32];
  snprintf(name, sizeof(name), "g%llu", (unsigned long long)seq);

  const size_t state_len = max_state ? (size_t)(seq * 7919U % max_state) : 0U;
  char* const  state     = (char*)malloc(state_len + 1U);
  bool         ok        = state != NULL;
  if (ok) {
    for (size_t i = 0U; i < state_len; ++i) {
      state[i] = (char)('a' + (seq + i) % 26U);
    }
    state[state_len] = '\0';
  }

  ok = ok && !dsp_checkpoint_set_graph(cp, name, "/tmp/g.json", "/tmp", json);
  for (unsigned i = 0U; ok && i < seq % 7U + 1U; ++i) {
    char node[16];
    snprintf(node, sizeof(node), "n%u", i);
    ok = !dsp_checkpoint_set_param(
      cp, node, "gain", (float)seq * 0.25f + (float)i);
  }
  ok = ok && !dsp_checkpoint_set_param(cp, "n0", "über", -1.5e-7f);
  ok = ok && !dsp_checkpoint_set_state(cp, "rev", state);
  ok = ok && !dsp_checkpoint_add_slot(cp, "b", "{\"name\": \"b\"}");
  free(state);
  if (!ok) {
    dsp_checkpoint_free(cp);
    return NULL;
  }
  cp->settings.sample_rate   = 48000.0;
  cp->settings.period        = 256U;
  cp->counters.boots         = seq / 3U;
  cp->counters.resumes       = seq / 5U;
  cp->counters.last_boot_ns  = 1700000000000000000ULL + seq;
  cp->counters.param_changes = seq;
  cp->counters.graph_loads   = seq * 2U;
  return cp;
}

static bool
str_eq(const char* const a, const char* const b)
{
  return (!a && !b) || (a && b && !strcmp(a, b));
}

bool
fixture_equal(const DspCheckpoint* const a, const DspCheckpoint* const b)
{
  if (!str_eq(a->graph_name, b->graph_name) ||
      !str_eq(a->graph_path, b->graph_path) ||
      !str_eq(a->graph_dir, b->graph_dir) ||
      !str_eq(a->graph_json, b->graph_json) || a->n_params != b->n_params ||
      a->n_states != b->n_states || a->clean != b->clean ||
      a->settings.n_slots != b->settings.n_slots ||
      a->settings.sample_rate != b->settings.sample_rate ||
      a->settings.period != b->settings.period ||
      !str_eq(a->settings.backend, b->settings.backend) ||
      memcmp(&a->counters, &b->counters, sizeof(a->counters))) {
    return false;
  }
  for (size_t i = 0U; i < a->n_params; ++i) {
    const DspCheckpointParam* const p = &a->params[i];
    const DspCheckpointParam* const q = &b->params[i];
    if (strcmp(p->node, q->node) || strcmp(p->symbol, q->symbol) ||
        memcmp(&p->value, &q->value, sizeof(float))) {
      return false;
    }
  }
  for (size_t i = 0U; i < a->n_states; ++i) {
    if (strcmp(a->states[i].node, b->states[i].node) ||
        strcmp(a->states[i].state, b->states[i].state)) {
      return false;
    }
  }
  for (size_t i = 0U; i < a->settings.n_slots; ++i) {
    if (strcmp(a->settings.slots[i].name, b->settings.slots[i].name) ||
        strcmp(a->settings.slots[i].graph_json,
               b->settings.slots[i].graph_json)) {
      return false;
    }
  }
  return true;
}
