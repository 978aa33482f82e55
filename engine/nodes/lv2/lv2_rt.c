// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: runs on the audio thread.  Nothing here allocates, locks,
// prints or sleeps, with two documented exceptions:
//  - sem_post() wakes the worker thread (async-signal-safe, never blocks);
//  - log messages from run() are formatted with vsnprintf into a fixed
//    record (no allocation for the formats plugins use) and queued; they are
//    printed later by dsp_lv2_node_flush_log() on a control thread
//    (the log feature itself, which prints off the audio thread, is in
//    lv2_log.c).

#include "lv2_internal.h"

#include <stdio.h>
#include <string.h>

_Thread_local bool dsp_lv2_in_run = false;

// Worker --------------------------------------------------------------------

/// Write a size-prefixed record, all or nothing.
static LV2_Worker_Status
write_record(DspRing* const    ring,
             const uint32_t    max_record,
             const uint32_t    size,
             const void* const data)
{
  if (size > max_record ||
      dsp_ring_write_space(ring) < (uint32_t)sizeof(size) + size) {
    return LV2_WORKER_ERR_NO_SPACE;
  }

  // The reader consumes a record only once all of it is there
  dsp_ring_write(ring, &size, sizeof(size));
  dsp_ring_write(ring, data, size);
  return LV2_WORKER_SUCCESS;
}

LV2_Worker_Status
dsp_lv2_worker_schedule(LV2_Worker_Schedule_Handle handle,
                        const uint32_t             size,
                        const void* const          data)
{
  DspLv2Worker* const worker = (DspLv2Worker*)handle;
  if (!worker->iface || !worker->iface->work) {
    return LV2_WORKER_ERR_UNKNOWN;
  }

  if (!worker->threaded) {
    // Offline: do the work now, responses are delivered in the next run()
    return worker->iface->work(
      worker->handle, dsp_lv2_worker_respond, worker, size, data);
  }

  const LV2_Worker_Status st =
    write_record(worker->requests, worker->max_record, size, data);
  if (st == LV2_WORKER_SUCCESS) {
    sem_post(&worker->sem);
  }
  return st;
}

LV2_Worker_Status
dsp_lv2_worker_respond(LV2_Worker_Respond_Handle handle,
                       const uint32_t            size,
                       const void* const         data)
{
  DspLv2Worker* const worker = (DspLv2Worker*)handle;
  return write_record(worker->responses, worker->max_record, size, data);
}

void
dsp_lv2_worker_deliver(DspLv2Worker* const worker)
{
  if (!worker->iface || !worker->iface->work_response) {
    return;
  }

  // Only what was there when the cycle began
  uint32_t space = dsp_ring_read_space(worker->responses);
  uint32_t size  = 0U;
  while (space >= sizeof(size) &&
         !dsp_ring_peek(worker->responses, &size, sizeof(size)) &&
         space >= sizeof(size) + size) {
    dsp_ring_skip(worker->responses, sizeof(size));
    dsp_ring_read(worker->responses, worker->response_buf, size);
    space -= (uint32_t)sizeof(size) + size;
    worker->iface->work_response(worker->handle, size, worker->response_buf);
  }
}

// Log -----------------------------------------------------------------------

int
dsp_lv2_log_queue(DspLv2Node* const self,
                  const LV2_URID    type,
                  const char* const fmt,
                  va_list           ap)
{
  DspLv2LogRecord rec;
  rec.type    = type;
  const int n = vsnprintf(rec.text, sizeof(rec.text), fmt, ap);
  if (dsp_ring_write(self->log_ring, &rec, sizeof(rec))) {
    atomic_fetch_add_explicit(&self->log_dropped, 1U, memory_order_relaxed);
  }
  return n;
}

// Run -----------------------------------------------------------------------

void
dsp_lv2_node_connect(DspNode* const   node,
                     const DspPortDir dir,
                     const uint32_t   index,
                     float* const     buf)
{
  DspLv2Node* const self = (DspLv2Node*)node->impl;
  const bool        in   = (dir == DSP_PORT_INPUT);
  if (index >= (in ? node->n_inputs : node->n_outputs)) {
    return;
  }

  const uint32_t port = in ? self->in_index[index] : self->out_index[index];
  if (buf) {
    lilv_instance_connect_port(self->instance, port, buf);
    return;
  }

  // NULL: back to the internal buffer (slot = audio/CV ports before it)
  size_t slot = 0U;
  for (uint32_t i = 0U; i < port; ++i) {
    slot += (self->kinds[i] == DSP_LV2_PORT_AUDIO ||
             self->kinds[i] == DSP_LV2_PORT_CV);
  }
  lilv_instance_connect_port(
    self->instance, port, self->audio + slot * self->max_block);
}

/// [RT] run() of a node with a worker or atom ports (not DspLv2Node::plain).
static __attribute__((noinline)) void
run_with_extras(DspLv2Node* const self, const uint32_t n_frames)
{
  const DspLv2Urids* const u = &self->world->urids;

  if (self->has_worker) {
    dsp_lv2_worker_deliver(&self->worker);
  }

  // Atom inputs: empty sequences; outputs: a chunk of all the capacity
  for (uint32_t i = 0U; i < self->n_atoms; ++i) {
    LV2_Atom_Sequence* const seq =
      (LV2_Atom_Sequence*)(self->atoms + (size_t)i * self->atom_cap);
    if (self->is_input[self->atom_index[i]]) {
      seq->atom.size = (uint32_t)sizeof(LV2_Atom_Sequence_Body);
      seq->atom.type = u->atom_Sequence;
      seq->body.unit = 0U;
      seq->body.pad  = 0U;
    } else {
      seq->atom.size = self->atom_cap - (uint32_t)sizeof(LV2_Atom);
      seq->atom.type = u->atom_Chunk;
    }
  }

  self->run(self->handle, n_frames);

  if (self->has_worker && self->worker.iface && self->worker.iface->end_run) {
    self->worker.iface->end_run(self->worker.handle);
  }
}

void
dsp_lv2_node_run(DspNode* const node, const uint32_t n_frames)
{
  DspLv2Node* const self = (DspLv2Node*)node->impl;

  dsp_lv2_in_run = true;
  if (self->plain) {
    self->run(self->handle, n_frames);
  } else {
    run_with_extras(self, n_frames);
  }
  dsp_lv2_in_run = false;
}
