// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The control-thread side of the JACK backend: open, ports, connections,
// scheduling, notifications.  The process callback is in jack_rt.c.

#define _GNU_SOURCE

#include "jack_impl.h"
#include "rt/stats.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// libjack's own messages duplicate ours: keep stderr to one clear line.
static void
quiet(const char* const msg)
{
  (void)msg;
}

static int
on_xrun(void* const data)
{
  dsp_runtime_note_xrun(((DspJack*)data)->runtime);
  return 0;
}

static int
on_buffer_size(const jack_nframes_t n_frames, void* const data)
{
  // Called on JACK's notification thread, not the process thread.  No plan
  // change is needed: dsp_plan_run() splits blocks over max_block.
  atomic_store(&((DspJack*)data)->new_period, (unsigned)n_frames);
  return 0;
}

static void
on_shutdown(const jack_status_t code,
            const char* const   reason,
            void* const         data)
{
  DspJack* const self = (DspJack*)data;
  snprintf(self->reason,
           sizeof(self->reason),
           "%s",
           (reason && reason[0]) ? reason : "server stopped");
  (void)code;
  atomic_store(&self->shut_down, true);
}

static DspStatus
register_ports(DspJack* const        self,
               const DspGraph* const graph,
               DspError* const       err)
{
  for (uint32_t ch = 0U; ch < graph->n_inputs; ++ch) {
    self->inputs[ch] = jack_port_register(self->client,
                                          graph->inputs[ch],
                                          JACK_DEFAULT_AUDIO_TYPE,
                                          JackPortIsInput,
                                          0U);
    if (!self->inputs[ch]) {
      return dsp_error_set(err,
                           DSP_ERR_IO,
                           NULL,
                           "cannot register JACK input port \"%s\"",
                           graph->inputs[ch]);
    }
    ++self->n_inputs;
  }

  for (uint32_t ch = 0U; ch < graph->n_outputs; ++ch) {
    self->outputs[ch] = jack_port_register(self->client,
                                           graph->outputs[ch],
                                           JACK_DEFAULT_AUDIO_TYPE,
                                           JackPortIsOutput,
                                           0U);
    if (!self->outputs[ch]) {
      return dsp_error_set(err,
                           DSP_ERR_IO,
                           NULL,
                           "cannot register JACK output port \"%s\"",
                           graph->outputs[ch]);
    }
    ++self->n_outputs;
  }
  return DSP_SUCCESS;
}

DspStatus
dsp_jack_open(const DspJackOptions* const options,
              const DspGraph* const       graph,
              DspRuntime* const           runtime,
              DspJack** const             out,
              DspError* const             err)
{
  *out = NULL;
  jack_set_error_function(quiet);
  jack_set_info_function(quiet);

  DspJack* const self = (DspJack*)calloc(1U, sizeof(DspJack));
  if (!self) {
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }
  self->runtime = runtime;
  atomic_init(&self->shut_down, false);
  atomic_init(&self->new_period, 0U);

  const char* const env    = getenv("JACK_DEFAULT_SERVER");
  const char* const server = options->server_name ? options->server_name
                             : (env && env[0])    ? env
                                                  : "default";
  jack_status_t     status = (jack_status_t)0;
  self->client             = jack_client_open(
    options->client_name, JackNoStartServer | JackServerName, &status, server);
  if (!self->client) {
    free(self);
    if (status & JackServerFailed) {
      return dsp_error_set(err,
                           DSP_ERR_IO,
                           NULL,
                           "no JACK server \"%s\" is running (start one, "
                           "e.g. `jackd -d alsa` or `jackd -d dummy -r 48000 "
                           "-p 256`, then run dspengine again)",
                           server);
    }
    return dsp_error_set(err,
                         DSP_ERR_IO,
                         NULL,
                         "cannot open JACK client \"%s\" on server \"%s\" "
                         "(JACK status 0x%x)",
                         options->client_name,
                         server,
                         (unsigned)status);
  }

  DspStatus st = register_ports(self, graph, err);
  if (!st &&
      (jack_set_process_callback(self->client, dsp_jack_process, self) ||
       jack_set_xrun_callback(self->client, on_xrun, self) ||
       jack_set_buffer_size_callback(self->client, on_buffer_size, self))) {
    st = dsp_error_set(err, DSP_ERR_IO, NULL, "cannot set JACK callbacks");
  }
  if (st) {
    dsp_jack_close(self);
    return st;
  }

  jack_on_info_shutdown(self->client, on_shutdown, self);
  *out = self;
  return DSP_SUCCESS;
}

void
dsp_jack_close(DspJack* const self)
{
  if (!self) {
    return;
  }
  if (self->active && !atomic_load(&self->shut_down)) {
    jack_deactivate(self->client);
  }
  jack_client_close(self->client);
  free(self);
}

double
dsp_jack_sample_rate(const DspJack* const self)
{
  return (double)jack_get_sample_rate(self->client);
}

uint32_t
dsp_jack_buffer_size(const DspJack* const self)
{
  return (uint32_t)jack_get_buffer_size(self->client);
}

const char*
dsp_jack_client_name(const DspJack* const self)
{
  return jack_get_client_name(self->client);
}

DspStatus
dsp_jack_activate(DspJack* const self, DspError* const err)
{
  if (jack_activate(self->client)) {
    return dsp_error_set(err, DSP_ERR_IO, NULL, "cannot activate JACK client");
  }
  self->active = true;
  return DSP_SUCCESS;
}

/// Connect our ports of one direction to ports matching `pattern`.
static DspStatus
connect_dir(DspJack* const    self,
            const char* const pattern,
            const bool        inputs,
            DspError* const   err)
{
  // Our inputs are fed by other clients' outputs, and the other way round
  const char** const ports =
    jack_get_ports(self->client,
                   pattern,
                   JACK_DEFAULT_AUDIO_TYPE,
                   inputs ? JackPortIsOutput : JackPortIsInput);
  const char* others[256];
  uint32_t    n = 0U;
  for (uint32_t i = 0U; ports && ports[i] && n < 256U; ++i) {
    const jack_port_t* const port = jack_port_by_name(self->client, ports[i]);
    if (port && !jack_port_is_mine(self->client, port)) {
      others[n++] = ports[i];
    }
  }

  DspStatus st = DSP_SUCCESS;
  if (!n) {
    st = dsp_error_set(err,
                       DSP_ERR_NOT_FOUND,
                       inputs ? "--connect-in" : "--connect-out",
                       "no JACK %s port matches \"%s\"",
                       inputs ? "output" : "input",
                       pattern);
  }

  const uint32_t n_ours = inputs ? self->n_inputs : self->n_outputs;
  for (uint32_t ch = 0U; !st && ch < n_ours; ++ch) {
    const char* const theirs = others[ch % n];
    const char* const mine =
      jack_port_name(inputs ? self->inputs[ch] : self->outputs[ch]);
    const int r = inputs ? jack_connect(self->client, theirs, mine)
                         : jack_connect(self->client, mine, theirs);
    if (r && r != EEXIST) {
      st = dsp_error_set(err,
                         DSP_ERR_IO,
                         inputs ? "--connect-in" : "--connect-out",
                         "cannot connect %s to %s",
                         inputs ? theirs : mine,
                         inputs ? mine : theirs);
    }
  }

  jack_free((void*)ports);
  return st;
}

DspStatus
dsp_jack_connect(DspJack* const    self,
                 const char* const in_pattern,
                 const char* const out_pattern,
                 DspError* const   err)
{
  DspStatus st = DSP_SUCCESS;
  if (in_pattern && self->n_inputs) {
    st = connect_dir(self, in_pattern, true, err);
  }
  if (!st && out_pattern && self->n_outputs) {
    st = connect_dir(self, out_pattern, false, err);
  }
  return st;
}

DspStatus
dsp_jack_pin(DspJack* const self, const int cpu, DspError* const err)
{
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);

  const pthread_t thread = jack_client_thread_id(self->client);
  const int       r      = pthread_setaffinity_np(thread, sizeof(set), &set);
  if (r) {
    return dsp_error_set(err,
                         dsp_status_from_errno(r),
                         "--cpu",
                         "cannot pin the JACK process thread to CPU %d: %s",
                         cpu,
                         strerror(r));
  }
  return DSP_SUCCESS;
}

bool
dsp_jack_describe_sched(const DspJack* const self,
                        char* const          buf,
                        const size_t         size)
{
  const pthread_t    thread = jack_client_thread_id(self->client);
  int                policy = SCHED_OTHER;
  struct sched_param param  = { 0 };
  if (pthread_getschedparam(thread, &policy, &param)) {
    snprintf(buf, size, "unknown scheduling");
    return false;
  }

  const char* const name = policy == SCHED_FIFO ? "SCHED_FIFO"
                           : policy == SCHED_RR ? "SCHED_RR"
                                                : "SCHED_OTHER";
  const bool        rt   = jack_is_realtime(self->client) &&
                  (policy == SCHED_FIFO || policy == SCHED_RR);
  if (policy == SCHED_FIFO || policy == SCHED_RR) {
    snprintf(buf, size, "%s priority %d", name, param.sched_priority);
  } else {
    snprintf(buf, size, "%s", name);
  }
  return rt;
}

bool
dsp_jack_is_shut_down(const DspJack* const self)
{
  return atomic_load(&self->shut_down);
}

const char*
dsp_jack_shutdown_reason(const DspJack* const self)
{
  return self->reason;
}

uint32_t
dsp_jack_take_buffer_size_change(DspJack* const self)
{
  return (uint32_t)atomic_exchange(&self->new_period, 0U);
}

/// CLOCK_REALTIME (seconds) and jack_get_time() (microseconds) as one
/// pair: of a few tries, the one whose two wall-clock reads bracket the
/// JACK read tightest, so that a preemption between reads cannot shift it.
static void
clock_pair(double* const wall, jack_time_t* const jack)
{
  double best = INFINITY;
  for (int i = 0; i < 4; ++i) {
    struct timespec a;
    struct timespec b;
    clock_gettime(CLOCK_REALTIME, &a);
    const jack_time_t j = jack_get_time();
    clock_gettime(CLOCK_REALTIME, &b);
    const double t0 = (double)a.tv_sec + (double)a.tv_nsec * 1e-9;
    const double t1 = (double)b.tv_sec + (double)b.tv_nsec * 1e-9;
    if (t1 - t0 < best) {
      best  = t1 - t0;
      *wall = 0.5 * (t0 + t1);
      *jack = j;
    }
    if (best < 2e-6) {
      break;
    }
  }
}

int64_t
dsp_jack_frame_at(const DspJack* const self, const double unix_time)
{
  jack_nframes_t frames = 0U;
  jack_time_t    cur    = 0U;
  jack_time_t    next   = 0U;
  float          period = 0.0f;
  if (jack_get_cycle_times(self->client, &frames, &cur, &next, &period)) {
    return DSP_RUNTIME_NOW;
  }

  double      wall = 0.0;
  jack_time_t jnow = 0U;
  clock_pair(&wall, &jnow);
  const double rate = (double)jack_get_sample_rate(self->client);
  // Seconds from this cycle's start to the stamp, on JACK's clock
  double from_cycle = (unix_time - wall) + ((double)jnow - (double)cur) * 1e-6;
  if (from_cycle < -1.0) {
    from_cycle = -1.0; // Long past: still late, and far from wrapping
  } else if (from_cycle * rate > 1.0e9) {
    from_cycle = 1.0e9 / rate; // Keep it within half the frame counter
  }
  const int64_t offset = (int64_t)llround(from_cycle * rate);
  return (int64_t)(uint32_t)((uint32_t)frames + (uint32_t)offset);
}
