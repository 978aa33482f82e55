// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The checkpoint writer.  Runs on the control thread: it builds each
// checkpoint from the engine's getters (which never touch the audio thread)
// and hands it to the checkpoint thread (state/writer.h), which serialises
// and commits it; the audio thread never sees the region.

#include "persist.h"

#include "state/region.h"
#include "state/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// Parameter symbol recording a bypassed node (value 1).
#define DSP_PERSIST_BYPASS "@bypass"

struct DspPersistImpl {
  DspRegion*     region;     ///< The state region, NULL if checkpoints are off
  DspWriter*     writer;     ///< The checkpoint thread, NULL if off
  DspCheckpoint* prev;       ///< Checkpoint read at start, or NULL
  DspCheckpoint* meta;       ///< Settings, counters and `clean` of this run
  DspCheckpoint* lv2;        ///< Cached node states (only `states` used)
  double         next_state; ///< Monotonic time of the next state save
  bool           batch;      ///< Defer writes to dsp_persist_flush()
  bool           dirty;      ///< A deferred change is not written yet
};

static double
mono_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
real_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

DspStatus
dsp_persist_open(const char* const  path,
                 const bool         wait,
                 DspPersist** const out,
                 DspError* const    err)
{
  *out                = NULL;
  DspPersist* const p = (DspPersist*)calloc(1U, sizeof(DspPersist));
  if (!p || !(p->lv2 = dsp_checkpoint_new())) {
    free(p);
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }

  DspStatus st = dsp_region_open(path,
                                 DSP_REGION_CREATE |
                                   (wait ? DSP_REGION_WAIT : DSP_REGION_READ),
                                 DSP_STATE_DEFAULT_SIZE,
                                 &p->region,
                                 err);
  if (st) {
    dsp_persist_free(p);
    return st;
  }

  DspError rerr;
  dsp_error_clear(&rerr);
  st = dsp_checkpoint_read(p->region, &p->prev, NULL, &rerr);
  if (st && st != DSP_ERR_NO_MEM) {
    fprintf(stderr, "dspengine: %s\n", rerr.message);
  }

  // Format an empty region; refuse to overwrite a foreign one
  DspError ferr;
  dsp_error_clear(&ferr);
  if (dsp_slots_format(p->region, false, &ferr)) {
    fprintf(stderr,
            "dspengine: warning: checkpoints off: %s (wipe it with "
            "dspstate init %s --force)\n",
            ferr.message,
            path);
    dsp_region_close(p->region);
    p->region = NULL;
  }
  if (p->region && (st = dsp_writer_new(p->region, &p->writer, err))) {
    dsp_persist_free(p);
    return st;
  }
  *out = p;
  return DSP_SUCCESS;
}

bool
dsp_persist_enabled(const DspPersist* const p)
{
  return p && p->writer;
}

const DspCheckpoint*
dsp_persist_previous(const DspPersist* const p)
{
  return p->prev;
}

bool
dsp_persist_should_resume(const DspPersist* const p,
                          const DspResumeMode     mode,
                          const char* const       graph,
                          const bool              quiet)
{
  const DspCheckpoint* const cp     = p->prev;
  bool                       resume = false;
  const char*                why    = "";
  if (!cp || !cp->graph_json) {
    why = graph ? "no checkpoint to resume" : "";
  } else if (mode == DSP_RESUME_NEVER) {
    why = "--resume never";
  } else if (mode == DSP_RESUME_ALWAYS || !graph) {
    resume = true;
  } else if (cp->graph_path && !strcmp(cp->graph_path, graph)) {
    resume = true;
  } else {
    why = "--graph differs from the checkpoint's graph (use --resume always "
          "to resume it)";
  }

  if (!quiet && cp && cp->graph_json) {
    if (resume) {
      fprintf(stderr,
              "dspengine: resuming checkpoint: graph %s (%s)\n",
              cp->graph_name ? cp->graph_name : "?",
              cp->graph_path ? cp->graph_path : "inline");
    } else {
      fprintf(stderr, "dspengine: not resuming the checkpoint: %s\n", why);
    }
  }
  return resume;
}

static void
restore_states(void* const data, DspPlan* const plan)
{
  const DspPersist* const p = (const DspPersist*)data;
  for (size_t i = 0U; i < p->prev->n_states; ++i) {
    const DspCheckpointState* const s    = &p->prev->states[i];
    const int                       n    = dsp_plan_find_node(plan, s->node);
    DspNode* const                  node = n >= 0 ? plan->nodes[n] : NULL;
    if (!node || !node->klass->restore_state ||
        node->klass->restore_state(node, s->state)) {
      fprintf(stderr,
              "dspengine: warning: cannot restore the state of node \"%s\"\n",
              s->node);
    }
  }
}

DspStatus
dsp_persist_resume(DspPersist* const p,
                   DspEngine* const  engine,
                   DspError* const   err)
{
  const DspCheckpoint* const cp = p->prev;
  const DspStatus            st = dsp_engine_open_text(
    engine, cp->graph_json, cp->graph_path, cp->graph_dir, err);
  if (!st && cp->n_states) {
    dsp_engine_set_restore(engine, restore_states, p);
  }
  return st;
}

void
dsp_persist_apply(DspPersist* const p,
                  DspEngine* const  engine,
                  const bool        quiet)
{
  const DspCheckpoint* const cp = p->prev;
  for (size_t i = 0U; i < cp->n_params; ++i) {
    const DspCheckpointParam* const v = &cp->params[i];
    DspError                        err;
    dsp_error_clear(&err);
    const DspStatus st =
      !strcmp(v->symbol, DSP_PERSIST_BYPASS)
        ? dsp_engine_bypass(
            engine, v->node, v->value != 0.0f, 0.0, DSP_RUNTIME_NOW, &err)
        : dsp_engine_set_param(
            engine, v->node, v->symbol, v->value, 0.0, DSP_RUNTIME_NOW, &err);
    if (st && !quiet) {
      fprintf(stderr,
              "dspengine: warning: checkpoint value %s.%s skipped: %s\n",
              v->node,
              v->symbol,
              err.message);
    }
  }
  for (size_t i = 0U; i < cp->settings.n_slots; ++i) {
    const DspCheckpointSlot* const s = &cp->settings.slots[i];
    DspError                       err;
    dsp_error_clear(&err);
    if (dsp_engine_prepare(engine, s->name, s->graph_json, &err) && !quiet) {
      fprintf(stderr,
              "dspengine: warning: prepared slot \"%s\" not restored: %s\n",
              s->name,
              err.message);
    }
  }
}

/// Save every node's state into the cache (LV2 state interface).
static void
save_states(DspPersist* const p, const DspEngine* const engine)
{
  p->next_state             = mono_s() + DSP_PERSIST_STATE_PERIOD;
  DspCheckpoint* const c    = dsp_checkpoint_new();
  const DspPlan* const plan = dsp_engine_plan(engine);
  if (!c) {
    return;
  }
  for (uint32_t n = 0U; plan && n < plan->n_nodes; ++n) {
    DspNode* const node  = plan->nodes[n];
    char*          state = NULL;
    if (node->klass->save_state && !node->klass->save_state(node, &state) &&
        state) {
      (void)dsp_checkpoint_set_state(c, node->id, state);
    }
    free(state);
  }
  dsp_checkpoint_free(p->lv2);
  p->lv2 = c;
}

/// Copy the run's settings, counters and flag into `cp`.
static DspStatus
copy_meta(DspCheckpoint* const cp, const DspCheckpoint* const meta)
{
  cp->settings.sample_rate = meta->settings.sample_rate;
  cp->settings.period      = meta->settings.period;
  cp->counters             = meta->counters;
  cp->clean                = meta->clean;
  if (meta->settings.backend &&
      !(cp->settings.backend = strdup(meta->settings.backend))) {
    return DSP_ERR_NO_MEM;
  }
  return DSP_SUCCESS;
}

/**
   Build a checkpoint of the engine as it is now and hand it to the
   checkpoint thread; if `wait`, return once it is in the region (or its
   write failed: then `err` says why).
*/
static DspStatus
write_now(DspPersist* const      p,
          const DspEngine* const engine,
          const bool             wait,
          DspError* const        err)
{
  if (!p->writer) {
    return DSP_SUCCESS;
  }
  DspCheckpoint* const cp   = dsp_checkpoint_new();
  const DspPlan* const plan = dsp_engine_plan(engine);
  if (!cp) {
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }
  DspStatus st = copy_meta(cp, p->meta);
  if (!st) {
    st = dsp_checkpoint_set_graph(cp,
                                  plan ? plan->graph->name : NULL,
                                  dsp_engine_graph_path(engine),
                                  dsp_engine_graph_dir(engine),
                                  dsp_engine_graph_json(engine));
  }
  for (uint32_t n = 0U; !st && plan && n < plan->n_nodes; ++n) {
    const DspNode* const node = plan->nodes[n];
    for (uint32_t k = 0U; !st && k < node->n_params; ++k) {
      st = dsp_checkpoint_set_param(cp,
                                    node->id,
                                    node->params[k].symbol,
                                    dsp_engine_param_value(engine, n, k));
    }
    if (!st && dsp_engine_is_bypassed(engine, n)) {
      st = dsp_checkpoint_set_param(cp, node->id, DSP_PERSIST_BYPASS, 1.0f);
    }
  }
  for (size_t i = 0U; !st && i < p->lv2->n_states; ++i) {
    st = dsp_checkpoint_set_state(
      cp, p->lv2->states[i].node, p->lv2->states[i].state);
  }
  const uint32_t n_slots = dsp_engine_slot_count(engine);
  for (uint32_t i = 0U; !st && i < n_slots; ++i) {
    st = dsp_checkpoint_add_slot(
      cp, dsp_engine_slot_name(engine, i), dsp_engine_slot_json(engine, i));
  }
  if (st) {
    dsp_checkpoint_free(cp);
    return dsp_error_set(err, st, NULL, "out of memory building a checkpoint");
  }
  const uint64_t ticket = dsp_writer_submit(p->writer, cp);
  return wait ? dsp_writer_wait(p->writer, ticket, err) : DSP_SUCCESS;
}

DspStatus
dsp_persist_begin(DspPersist* const      p,
                  const DspEngine* const engine,
                  const bool             resumed,
                  const double           rate,
                  const uint32_t         period,
                  const char* const      backend,
                  DspError* const        err)
{
  if (!(p->meta = dsp_checkpoint_new())) {
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }
  if (p->prev) {
    p->meta->counters = p->prev->counters;
    p->meta->clean    = p->prev->clean;
  }
  dsp_checkpoint_note_boot(p->meta, resumed, real_ns());
  p->meta->settings.sample_rate = rate;
  p->meta->settings.period      = period;
  if (backend && !(p->meta->settings.backend = strdup(backend))) {
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }
  save_states(p, engine);
  return write_now(p, engine, true, err);
}

DspStatus
dsp_persist_hook(void* const            data,
                 const DspEngine* const engine,
                 const DspChange* const change,
                 DspError* const        err)
{
  DspPersist* const p = (DspPersist*)data;
  if (!p->meta) {
    return DSP_SUCCESS; // Not begun: the start-up sequence writes once
  }
  if (change->kind == DSP_CHANGE_GRAPH) {
    ++p->meta->counters.graph_loads;
    save_states(p, engine);
  } else if (change->kind == DSP_CHANGE_PARAM) {
    ++p->meta->counters.param_changes;
  }
  if (p->batch) {
    p->dirty = true; // Written before the pass's replies go
    return DSP_SUCCESS;
  }
  return write_now(p, engine, true, err);
}

void
dsp_persist_set_batch(DspPersist* const p, const bool on)
{
  if (p) {
    p->batch = on;
  }
}

DspStatus
dsp_persist_flush(DspPersist* const      p,
                  const DspEngine* const engine,
                  DspError* const        err)
{
  if (!p || !p->dirty) {
    return DSP_SUCCESS;
  }
  p->dirty = false;
  return write_now(p, engine, true, err);
}

void
dsp_persist_set_period(DspPersist* const      p,
                       const DspEngine* const engine,
                       const uint32_t         period)
{
  if (!p || !p->meta || p->meta->settings.period == period) {
    return;
  }
  p->meta->settings.period = period;
  (void)write_now(p, engine, false, NULL); // The thread logs a failure
}

void
dsp_persist_tick(DspPersist* const p, const DspEngine* const engine)
{
  if (!p || !p->meta || !p->writer || mono_s() < p->next_state) {
    return;
  }
  save_states(p, engine);
  if (p->lv2->n_states) {
    // Nothing acknowledged waits for this one; the thread logs a failure
    (void)write_now(p, engine, false, NULL);
  }
}

DspStatus
dsp_persist_finish(DspPersist* const      p,
                   const DspEngine* const engine,
                   DspError* const        err)
{
  if (!p || !p->meta) {
    return DSP_SUCCESS;
  }
  save_states(p, engine);
  p->meta->clean     = true;
  const DspStatus st = write_now(p, engine, true, err);
  p->meta->clean     = false;
  return st;
}

void
dsp_persist_free(DspPersist* const p)
{
  if (p) {
    dsp_writer_free(p->writer); // Writes what is pending first
    dsp_region_close(p->region);
    dsp_checkpoint_free(p->prev);
    dsp_checkpoint_free(p->meta);
    dsp_checkpoint_free(p->lv2);
    free(p);
  }
}
