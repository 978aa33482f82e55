// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// jack_feed IN.wav OUT.wav --to P1,P2.. --from P1,P2.. [--name N] [--pad F]
//                          [--timeout S]
//
// A test JACK client: plays IN.wav into the ports named by --to and records
// the ports named by --from into OUT.wav (IN's length + pad frames).  Two
// clients, N_src (outputs) and N_rec (inputs), so that the server can order
// src -> engine -> rec in one cycle.  Both index samples by the cycle's
// frame time, so recording starts at the very cycle playback starts:
// OUT[k] is what the ports gave in the cycle that played IN[k].
// Exit status 3: the recording is complete but xruns happened while
// playing (a cycle may have been dropped), so it may not be exact.

#include <jack/jack.h>
#include <sndfile.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CH 16

typedef struct {
  jack_client_t* src;
  jack_client_t* rec;
  jack_port_t*   outs[MAX_CH];
  jack_port_t*   ins[MAX_CH];
  int            channels;
  sf_count_t     frames;  ///< Input length
  sf_count_t     total;   ///< Recorded length
  float*         input;   ///< Interleaved input
  float*         output;  ///< Interleaved recording
  atomic_int     go;      ///< Main thread: connections are made
  atomic_int     started; ///< src has started playing
  atomic_uint    start;   ///< Frame time of the first played cycle
  atomic_int     done;    ///< rec has recorded everything
  atomic_int     xruns;   ///< Xruns while playing
} Feed;

static int
on_xrun(void* const data)
{
  Feed* const f = (Feed*)data;
  if (atomic_load(&f->started) && !atomic_load(&f->done)) {
    atomic_fetch_add(&f->xruns, 1);
  }
  return 0;
}

static int
src_process(const jack_nframes_t n, void* const data)
{
  Feed* const          f = (Feed*)data;
  const jack_nframes_t t = jack_last_frame_time(f->src);
  if (atomic_load(&f->go) && !atomic_load(&f->started)) {
    atomic_store(&f->start, t);
    atomic_store(&f->started, 1);
  }

  const int64_t base = atomic_load(&f->started)
                         ? (int64_t)(uint32_t)(t - atomic_load(&f->start))
                         : -1;
  for (int c = 0; c < f->channels; ++c) {
    float* const out = (float*)jack_port_get_buffer(f->outs[c], n);
    for (jack_nframes_t i = 0; i < n; ++i) {
      const int64_t k = base + (int64_t)i;
      out[i] =
        (base >= 0 && k < f->frames) ? f->input[k * f->channels + c] : 0.0f;
    }
  }
  return 0;
}

static int
rec_process(const jack_nframes_t n, void* const data)
{
  Feed* const f = (Feed*)data;
  if (!atomic_load(&f->started) || atomic_load(&f->done)) {
    return 0;
  }

  const uint32_t t   = jack_last_frame_time(f->rec);
  const uint32_t rel = t - atomic_load(&f->start);
  if (rel > 0x80000000U) {
    return 0; // Before the start (src ran later in this cycle)
  }

  for (int c = 0; c < f->channels; ++c) {
    const float* const in = (const float*)jack_port_get_buffer(f->ins[c], n);
    for (jack_nframes_t i = 0; i < n; ++i) {
      const int64_t k = (int64_t)rel + (int64_t)i;
      if (k < f->total) {
        f->output[k * f->channels + c] = in[i];
      }
    }
  }
  if ((int64_t)rel + (int64_t)n >= f->total) {
    atomic_store(&f->done, 1);
  }
  return 0;
}

static int
split(char* const list, char** const names)
{
  int n = 0;
  for (char* s = strtok(list, ","); s && n < MAX_CH; s = strtok(NULL, ",")) {
    names[n++] = s;
  }
  return n;
}

int
main(int argc, char** argv)
{
  if (argc < 3) {
    fprintf(stderr,
            "usage: jack_feed IN OUT --to P,.. --from P,.. [--name N] "
            "[--pad F] [--timeout S]\n");
    return 2;
  }

  char*       to      = NULL;
  char*       from    = NULL;
  const char* name    = "feed";
  long        pad     = 4096;
  double      timeout = 60.0;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--to")) {
      to = argv[i + 1];
    } else if (!strcmp(argv[i], "--from")) {
      from = argv[i + 1];
    } else if (!strcmp(argv[i], "--name")) {
      name = argv[i + 1];
    } else if (!strcmp(argv[i], "--pad")) {
      pad = atol(argv[i + 1]);
    } else if (!strcmp(argv[i], "--timeout")) {
      timeout = strtod(argv[i + 1], NULL);
    } else {
      fprintf(stderr, "jack_feed: unknown option %s\n", argv[i]);
      return 2;
    }
  }

  char*     to_names[MAX_CH];
  char*     from_names[MAX_CH];
  const int n_to   = to ? split(to, to_names) : 0;
  const int n_from = from ? split(from, from_names) : 0;

  SF_INFO        info    = { 0 };
  SNDFILE* const in_file = sf_open(argv[1], SFM_READ, &info);
  if (!in_file || info.channels > MAX_CH || n_to != info.channels ||
      n_from != info.channels) {
    fprintf(stderr,
            "jack_feed: cannot open %s or channel counts differ (%d to, %d "
            "from)\n",
            argv[1],
            n_to,
            n_from);
    return 2;
  }

  static Feed f;
  f.channels = info.channels;
  f.frames   = info.frames;
  f.total    = info.frames + pad;
  f.input    = (float*)calloc((size_t)(f.frames * f.channels) + 1U, 4U);
  f.output   = (float*)calloc((size_t)(f.total * f.channels) + 1U, 4U);
  sf_readf_float(in_file, f.input, f.frames);
  sf_close(in_file);

  char src_name[64];
  char rec_name[64];
  snprintf(src_name, sizeof(src_name), "%s_src", name);
  snprintf(rec_name, sizeof(rec_name), "%s_rec", name);
  f.src = jack_client_open(src_name, JackNoStartServer, NULL);
  f.rec = jack_client_open(rec_name, JackNoStartServer, NULL);
  if (!f.src || !f.rec) {
    fprintf(stderr, "jack_feed: no JACK server\n");
    return 2;
  }

  for (int c = 0; c < f.channels; ++c) {
    char pname[32];
    snprintf(pname, sizeof(pname), "out_%d", c + 1);
    f.outs[c] = jack_port_register(
      f.src, pname, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    snprintf(pname, sizeof(pname), "in_%d", c + 1);
    f.ins[c] = jack_port_register(
      f.rec, pname, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
  }

  jack_set_process_callback(f.src, src_process, &f);
  jack_set_process_callback(f.rec, rec_process, &f);
  jack_set_xrun_callback(f.rec, on_xrun, &f);
  if (jack_activate(f.src) || jack_activate(f.rec)) {
    fprintf(stderr, "jack_feed: cannot activate\n");
    return 2;
  }

  // Retry briefly: a client that just started may not be visible yet
  for (int c = 0; c < f.channels; ++c) {
    int a = -1;
    int b = -1;
    for (int tries = 0; tries < 200; ++tries) {
      a = a ? jack_connect(f.src, jack_port_name(f.outs[c]), to_names[c]) : 0;
      b = b ? jack_connect(f.rec, from_names[c], jack_port_name(f.ins[c])) : 0;
      if ((!a || a == EEXIST) && (!b || b == EEXIST)) {
        break;
      }
      usleep(10000U);
    }
    if ((a && a != EEXIST) || (b && b != EEXIST)) {
      fprintf(stderr,
              "jack_feed: cannot connect %s (%d) / %s (%d)\n",
              to_names[c],
              a,
              from_names[c],
              b);
      return 2;
    }
  }

  // Let the new connections reach the graph, then start
  usleep(200000U);
  atomic_store(&f.go, 1);

  const useconds_t step = 10000U;
  for (double waited = 0.0; !atomic_load(&f.done); waited += 0.01) {
    if (waited > timeout) {
      fprintf(stderr, "jack_feed: timed out\n");
      return 1;
    }
    usleep(step);
  }

  jack_deactivate(f.src);
  jack_deactivate(f.rec);
  jack_client_close(f.src);
  jack_client_close(f.rec);

  SF_INFO oinfo           = { 0 };
  oinfo.samplerate        = info.samplerate;
  oinfo.channels          = info.channels;
  oinfo.format            = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const out_file = sf_open(argv[2], SFM_WRITE, &oinfo);
  if (!out_file) {
    fprintf(stderr, "jack_feed: cannot write %s\n", argv[2]);
    return 2;
  }
  sf_writef_float(out_file, f.output, f.total);
  sf_close(out_file);
  const int xruns = atomic_load(&f.xruns);
  printf("jack_feed: played %lld frames, recorded %lld, xruns %d, start "
         "frame %u\n",
         (long long)f.frames,
         (long long)f.total,
         xruns,
         (unsigned)atomic_load(&f.start));
  free(f.input);
  free(f.output);
  return xruns ? 3 : 0;
}
