// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The non-real-time side of the LV2 worker: setup, the worker thread and
// teardown.  The audio-thread side (schedule, respond, deliver) is in
// lv2_rt.c.

#include "lv2_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

DspStatus
dsp_lv2_worker_init(DspLv2Worker* const worker, const bool threaded)
{
  memset(worker, 0, sizeof(*worker));
  atomic_init(&worker->exit, false);
  worker->threaded   = threaded;
  worker->max_record = DSP_LV2_WORKER_RING_SIZE / 2U;

  if (pthread_mutex_init(&worker->work_lock, NULL)) {
    return DSP_ERR_NO_MEM;
  }

  worker->requests     = dsp_ring_new(DSP_LV2_WORKER_RING_SIZE);
  worker->responses    = dsp_ring_new(DSP_LV2_WORKER_RING_SIZE);
  worker->request_buf  = calloc(1U, worker->max_record);
  worker->response_buf = calloc(1U, worker->max_record);
  if (!worker->requests || !worker->responses || !worker->request_buf ||
      !worker->response_buf) {
    dsp_lv2_worker_cleanup(worker);
    return DSP_ERR_NO_MEM;
  }
  return DSP_SUCCESS;
}

static void*
worker_thread(void* const data)
{
  DspLv2Worker* const worker = (DspLv2Worker*)data;

  for (;;) {
    while (sem_wait(&worker->sem) && errno == EINTR) {
    }

    if (atomic_load(&worker->exit)) {
      break;
    }

    // One post per complete request (see dsp_lv2_worker_schedule)
    uint32_t size = 0U;
    if (dsp_ring_read(worker->requests, &size, sizeof(size)) ||
        dsp_ring_read(worker->requests, worker->request_buf, size)) {
      continue; // Cannot happen with one post per whole record
    }

    pthread_mutex_lock(&worker->work_lock);
    worker->iface->work(worker->handle,
                        dsp_lv2_worker_respond,
                        worker,
                        size,
                        worker->request_buf);
    pthread_mutex_unlock(&worker->work_lock);
  }
  return NULL;
}

DspStatus
dsp_lv2_worker_start(DspLv2Worker* const               worker,
                     const LV2_Worker_Interface* const iface,
                     LV2_Handle const                  handle)
{
  worker->iface  = iface;
  worker->handle = handle;
  if (!worker->threaded || !iface || !iface->work) {
    return DSP_SUCCESS;
  }

  if (sem_init(&worker->sem, 0, 0U)) {
    return DSP_FAILURE;
  }

  if (pthread_create(&worker->thread, NULL, worker_thread, worker)) {
    sem_destroy(&worker->sem);
    return DSP_FAILURE;
  }

  worker->started = true;
  return DSP_SUCCESS;
}

void
dsp_lv2_worker_cleanup(DspLv2Worker* const worker)
{
  if (worker->started) {
    atomic_store(&worker->exit, true);
    sem_post(&worker->sem);
    pthread_join(worker->thread, NULL);
    sem_destroy(&worker->sem);
    worker->started = false;
  }

  dsp_ring_free(worker->requests);
  dsp_ring_free(worker->responses);
  free(worker->request_buf);
  free(worker->response_buf);
  worker->requests     = NULL;
  worker->responses    = NULL;
  worker->request_buf  = NULL;
  worker->response_buf = NULL;
  pthread_mutex_destroy(&worker->work_lock);
}
