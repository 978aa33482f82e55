// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The checkpoint thread (writer.h).  One mutex and two condition variables
// between the control thread and this thread; never used by the audio
// thread.

#include "writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct DspWriterImpl {
  DspRegion*      region;    ///< Where checkpoints go (borrowed)
  pthread_t       thread;    ///< The checkpoint thread
  pthread_mutex_t lock;      ///< Guards everything below
  pthread_cond_t  wake;      ///< Signalled on submit and stop
  pthread_cond_t  written;   ///< Signalled after each write
  DspCheckpoint*  pending;   ///< Newest model not yet taken (owned), or NULL
  uint64_t        submitted; ///< Ticket of the newest submission
  uint64_t        done;      ///< Newest ticket whose write has finished
  uint64_t        count;     ///< Successful writes
  DspError        last;      ///< Result of the write that finished `done`
  bool            stop;      ///< Finish what is pending, then exit
};

static void*
run(void* const data)
{
  DspWriter* const w = (DspWriter*)data;
  pthread_mutex_lock(&w->lock);
  for (;;) {
    while (!w->pending && !w->stop) {
      pthread_cond_wait(&w->wake, &w->lock);
    }
    if (!w->pending) {
      break; // Stopping, nothing left
    }
    DspCheckpoint* const cp     = w->pending;
    const uint64_t       ticket = w->submitted;
    w->pending                  = NULL;
    pthread_mutex_unlock(&w->lock);

    // Serialise and commit outside the lock: the control thread may
    // submit the next checkpoint meanwhile
    DspError err;
    dsp_error_clear(&err);
    const DspStatus st = dsp_checkpoint_write(w->region, cp, NULL, &err);
    dsp_checkpoint_free(cp);
    if (st) {
      fprintf(stderr, "dspengine: error: checkpoint: %s\n", err.message);
    }

    pthread_mutex_lock(&w->lock);
    w->done = ticket;
    w->last = err;
    w->count += st ? 0U : 1U;
    pthread_cond_broadcast(&w->written);
  }
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

DspStatus
dsp_writer_new(DspRegion* const  region,
               DspWriter** const out,
               DspError* const   err)
{
  *out               = NULL;
  DspWriter* const w = (DspWriter*)calloc(1U, sizeof(DspWriter));
  if (!w) {
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }
  w->region = region;
  dsp_error_clear(&w->last);
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->wake, NULL);
  pthread_cond_init(&w->written, NULL);
  const int rc = pthread_create(&w->thread, NULL, run, w);
  if (rc) {
    pthread_cond_destroy(&w->written);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
    return dsp_error_set(err,
                         DSP_FAILURE,
                         NULL,
                         "cannot start the checkpoint thread: %s",
                         strerror(rc));
  }
  *out = w;
  return DSP_SUCCESS;
}

uint64_t
dsp_writer_submit(DspWriter* const w, DspCheckpoint* const cp)
{
  pthread_mutex_lock(&w->lock);
  DspCheckpoint* const replaced = w->pending;
  w->pending                    = cp;
  const uint64_t ticket         = ++w->submitted;
  pthread_cond_signal(&w->wake);
  pthread_mutex_unlock(&w->lock);
  dsp_checkpoint_free(replaced); // Coalesced into `cp`
  return ticket;
}

DspStatus
dsp_writer_wait(DspWriter* const w, const uint64_t ticket, DspError* const err)
{
  pthread_mutex_lock(&w->lock);
  while (w->done < ticket) {
    pthread_cond_wait(&w->written, &w->lock);
  }
  const DspError last = w->last;
  pthread_mutex_unlock(&w->lock);
  if (last.status && err) {
    *err = last;
  }
  return last.status;
}

uint64_t
dsp_writer_count(DspWriter* const w)
{
  pthread_mutex_lock(&w->lock);
  const uint64_t n = w->count;
  pthread_mutex_unlock(&w->lock);
  return n;
}

void
dsp_writer_free(DspWriter* const w)
{
  if (!w) {
    return;
  }
  pthread_mutex_lock(&w->lock);
  w->stop = true;
  pthread_cond_signal(&w->wake);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL);
  dsp_checkpoint_free(w->pending);
  pthread_cond_destroy(&w->written);
  pthread_cond_destroy(&w->wake);
  pthread_mutex_destroy(&w->lock);
  free(w);
}
