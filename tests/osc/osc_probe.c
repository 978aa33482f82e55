// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// osc_probe: helpers for the OSC tests and benchmarks.
//
//   osc_probe sine OUT.wav SECONDS FREQ AMP [SILENCE_AFTER_S]
//   osc_probe dc OUT.wav SECONDS LEVEL [CHANNELS]
//   osc_probe clicks REC.wav FREQ [FROM_S TO_S]
//       Largest sample-to-sample step beyond the signal's own slope
//       (2 pi FREQ / rate * the recording's peak within one period of FREQ
//       either side), and the longest run of exact zeros, in the range;
//       prints "excess E (D dBFS) at frame F zeros Z slope S peak P".
//   osc_probe rms REC.wav FROM_FRAME TO_FRAME
//       RMS (dBFS) of channel 0 over the range.
//   osc_probe mean REC.wav FROM_FRAME TO_FRAME CHANNEL
//       Mean of one channel over the range (%.9g), and its spread
//       (max - min): "mean M spread S".
//   osc_probe step REC.wav THRESHOLD
//       First frame where |channel 0| exceeds THRESHOLD.
//   osc_probe at PORT SECONDS PATH [s:TEXT|f:FLOAT|i:INT]...
//       A JACK client: the frame F that is SECONDS from the current cycle's
//       start (negative: in the past), sent as a bundle stamped with F's
//       time to 127.0.0.1:PORT; prints "frame F" and the reply.
//   osc_probe flood PORT RATE SECONDS NODE...
//       Sends /set NODE gain V at RATE messages per second for SECONDS,
//       round-robin over the nodes, values pseudo-random in [-40, 0], each
//       with a request id; then /sync and /get per node.  Checks that each
//       node's value is the last one acknowledged with /done; prints
//       counts, the /sync and /ping round trips under load, and "final
//       NODE VALUE" lines.  Exit 1 on a mismatch.

#define _GNU_SOURCE

#include <jack/jack.h>
#include <lo/lo.h>
#include <sndfile.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
write_wav(const char* const path,
          const float*      data,
          const sf_count_t  frames,
          const int         channels)
{
  SF_INFO info     = { 0 };
  info.samplerate  = 48000;
  info.channels    = channels;
  info.format      = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const f = sf_open(path, SFM_WRITE, &info);
  if (!f) {
    fprintf(stderr, "osc_probe: cannot write %s\n", path);
    return 1;
  }
  sf_writef_float(f, data, frames);
  sf_close(f);
  return 0;
}

static float*
read_wav(const char* const path, sf_count_t* const frames, int* const channels)
{
  SF_INFO        info = { 0 };
  SNDFILE* const f    = sf_open(path, SFM_READ, &info);
  if (!f) {
    fprintf(stderr, "osc_probe: cannot read %s\n", path);
    return NULL;
  }
  float* const data =
    (float*)calloc((size_t)(info.frames * info.channels) + 1U, sizeof(float));
  sf_readf_float(f, data, info.frames);
  sf_close(f);
  *frames   = info.frames;
  *channels = info.channels;
  return data;
}

static int
cmd_sine(char** const argv, const int argc)
{
  const double     seconds = atof(argv[1]);
  const double     freq    = atof(argv[2]);
  const double     amp     = atof(argv[3]);
  const double     silence = argc > 4 ? atof(argv[4]) : 0.0;
  const sf_count_t n       = (sf_count_t)(seconds * 48000.0);
  const sf_count_t quiet   = (sf_count_t)(silence * 48000.0);
  const sf_count_t fade    = 2400; // 50 ms in and out
  float* const     data    = (float*)calloc((size_t)(n + quiet) * 2U, 4U);
  for (sf_count_t i = 0; i < n; ++i) {
    double g = 1.0;
    if (i < fade) {
      g = (double)i / (double)fade;
    } else if (i > n - fade) {
      g = (double)(n - i) / (double)fade;
    }
    const float v =
      (float)(amp * g * sin(2.0 * M_PI * freq * (double)i / 48000.0));
    data[2 * i]     = v;
    data[2 * i + 1] = v;
  }
  const int r = write_wav(argv[0], data, n + quiet, 2);
  free(data);
  return r;
}

static int
cmd_dc(char** const argv, const int argc)
{
  const sf_count_t n     = (sf_count_t)(atof(argv[1]) * 48000.0);
  const float      level = (float)atof(argv[2]);
  const int        ch    = argc > 3 ? atoi(argv[3]) : 2;
  float* const     data  = (float*)calloc((size_t)(n * ch), 4U);
  for (sf_count_t i = 0; i < n * ch; ++i) {
    data[i] = level;
  }
  const int r = write_wav(argv[0], data, n, ch);
  free(data);
  return r;
}

static int
cmd_clicks(char** const argv, const int argc)
{
  sf_count_t   n  = 0;
  int          ch = 0;
  float* const d  = read_wav(argv[0], &n, &ch);
  if (!d) {
    return 1;
  }
  const double     freq = atof(argv[1]);
  const double     w    = 2.0 * M_PI * freq / 48000.0;
  const sf_count_t from = argc > 3 ? (sf_count_t)(atof(argv[2]) * 48000.0) : 1;
  const sf_count_t to   = argc > 3 ? (sf_count_t)(atof(argv[3]) * 48000.0) : n;
  // The signal's own slope at frame i: w times its peak within one period
  // either side (a crossfade or a reverb changes the level only slowly)
  const sf_count_t period = (sf_count_t)(48000.0 / freq) + 1;
  double           peak   = 0.0;
  double           excess = 0.0;
  double           slope  = 0.0;
  sf_count_t       at     = 0;
  long             zeros  = 0;
  long             run    = 0;
  for (sf_count_t i = from > 1 ? from : 1; i < to && i < n; ++i) {
    for (int c = 0; c < ch; ++c) {
      double local = 0.0;
      for (sf_count_t k = i - period; k <= i + period; ++k) {
        if (k >= 0 && k < n) {
          local = fmax(local, fabs(d[k * ch + c]));
        }
      }
      peak              = fmax(peak, local);
      const double step = fabs(d[i * ch + c] - d[(i - 1) * ch + c]) - w * local;
      if (step > excess) {
        excess = step;
        at     = i;
        slope  = w * local;
      }
    }
    run   = d[i * ch] == 0.0f ? run + 1 : 0;
    zeros = run > zeros ? run : zeros;
  }
  printf("excess %.3g (%.1f dBFS) at frame %lld zeros %ld slope %.4g peak "
         "%.4g\n",
         excess,
         excess > 0.0 ? 20.0 * log10(excess) : -INFINITY,
         (long long)at,
         zeros,
         slope,
         peak);
  free(d);
  return 0;
}

static int
cmd_rms(char** const argv)
{
  sf_count_t   n  = 0;
  int          ch = 0;
  float* const d  = read_wav(argv[0], &n, &ch);
  if (!d) {
    return 1;
  }
  const sf_count_t from = atoll(argv[1]);
  const sf_count_t to   = atoll(argv[2]);
  double           sum  = 0.0;
  sf_count_t       k    = 0;
  for (sf_count_t i = from < 0 ? 0 : from; i < to && i < n; ++i, ++k) {
    sum += (double)d[i * ch] * d[i * ch];
  }
  const double rms = k ? sqrt(sum / (double)k) : 0.0;
  printf("%.1f\n", rms > 0.0 ? 20.0 * log10(rms) : -999.0);
  free(d);
  return 0;
}

static int
cmd_mean(char** const argv)
{
  sf_count_t   n  = 0;
  int          ch = 0;
  float* const d  = read_wav(argv[0], &n, &ch);
  if (!d) {
    return 1;
  }
  const sf_count_t from = atoll(argv[1]);
  const sf_count_t to   = atoll(argv[2]);
  const int        c    = atoi(argv[3]);
  double           sum  = 0.0;
  double           lo   = INFINITY;
  double           hi   = -INFINITY;
  sf_count_t       k    = 0;
  for (sf_count_t i = from < 0 ? 0 : from; c < ch && i < to && i < n; ++i) {
    const double v = d[i * ch + c];
    sum += v;
    lo = fmin(lo, v);
    hi = fmax(hi, v);
    ++k;
  }
  free(d);
  if (!k) {
    fprintf(stderr, "osc_probe: no frames of channel %d in range\n", c);
    return 1;
  }
  printf("mean %.9g spread %.3g\n", sum / (double)k, hi - lo);
  return 0;
}

static int
cmd_step(char** const argv)
{
  sf_count_t   n   = 0;
  int          ch  = 0;
  float* const d   = read_wav(argv[0], &n, &ch);
  const double thr = atof(argv[1]);
  if (!d) {
    return 1;
  }
  for (sf_count_t i = 0; i < n; ++i) {
    if (fabs(d[i * ch]) > thr) {
      printf("%lld\n", (long long)i);
      free(d);
      return 0;
    }
  }
  printf("-1\n");
  free(d);
  return 0;
}

static int
udp_to(const int port)
{
  const int          fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family      = AF_INET;
  a.sin_port        = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr*)&a, sizeof(a))) {
    return -1;
  }
  return fd;
}

static void
send_lo(const int fd, const char* const path, lo_message m)
{
  size_t      size = 0U;
  void* const data = lo_message_serialise(m, path, NULL, &size);
  (void)send(fd, data, size, 0);
  free(data);
  lo_message_free(m);
}

static lo_message
recv_lo(const int fd, char* const path, const double timeout)
{
  static uint8_t buf[65536];
  struct pollfd  p = { fd, POLLIN, 0 };
  if (poll(&p, 1, (int)(timeout * 1000.0)) <= 0) {
    return NULL;
  }
  const ssize_t got = recv(fd, buf, sizeof(buf), 0);
  if (got <= 0) {
    return NULL;
  }
  int res = 0;
  snprintf(path, 64, "%.63s", (const char*)buf);
  return lo_message_deserialise(buf, (size_t)got, &res);
}

static int
cmd_at(char** const argv, const int argc)
{
  const int      port  = atoi(argv[0]);
  const double   ahead = atof(argv[1]);
  jack_client_t* client =
    jack_client_open("osc_probe", JackNoStartServer, NULL);
  if (!client) {
    fprintf(stderr, "osc_probe: no JACK server\n");
    return 1;
  }
  jack_activate(client);
  usleep(50000);

  // The frame SECONDS from now (negative: in the past) and the wall-clock
  // time it falls at: this cycle's start plus the frames at the nominal
  // rate, as docs/osc.md tells clients (jack_frames_to_time() extrapolates
  // with the cycle's own jittery period and can be frames off)
  const double   rate   = jack_get_sample_rate(client);
  jack_nframes_t frames = 0U;
  jack_time_t    cur    = 0U;
  jack_time_t    next   = 0U;
  float          period = 0.0f;
  jack_get_cycle_times(client, &frames, &cur, &next, &period);
  const jack_nframes_t frame =
    frames + (jack_nframes_t)(int32_t)lround(ahead * rate);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  const jack_time_t jnow = jack_get_time();
  const double      wall = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 +
                      ((double)cur - (double)jnow) * 1e-6 +
                      (double)(int32_t)(frame - frames) / rate;
  lo_timetag tt;
  tt.sec  = (uint32_t)((uint64_t)floor(wall) + 2208988800ULL);
  tt.frac = (uint32_t)((wall - floor(wall)) * 4294967296.0);

  lo_message m = lo_message_new();
  for (int i = 3; i < argc; ++i) {
    const char* const a = argv[i];
    if (a[0] == 's') {
      lo_message_add_string(m, a + 2);
    } else if (a[0] == 'f') {
      lo_message_add_float(m, strtof(a + 2, NULL));
    } else {
      lo_message_add_int32(m, atoi(a + 2));
    }
  }
  lo_bundle b = lo_bundle_new(tt);
  lo_bundle_add_message(b, argv[2], m);
  size_t      size = 0U;
  void* const data = lo_bundle_serialise(b, NULL, &size);
  const int   fd   = udp_to(port);
  (void)send(fd, data, size, 0);
  free(data);
  lo_bundle_free_recursive(b);

  printf("frame %u\n", (unsigned)frame);
  char       path[64];
  lo_message reply = recv_lo(fd, path, 2.0);
  printf("reply %s\n", reply ? path : "none");
  fflush(stdout);
  jack_client_close(client);
  return reply && !strcmp(path, "/done") ? 0 : 1;
}

static int
cmd_flood(char** const argv, const int argc)
{
  const int     port    = atoi(argv[0]);
  const double  rate    = atof(argv[1]);
  const double  seconds = atof(argv[2]);
  const int     n_nodes = argc - 3;
  char** const  nodes   = argv + 3;
  const int     fd      = udp_to(port);
  const long    total   = (long)(rate * seconds);
  float* const  values  = (float*)calloc((size_t)total + 1U, sizeof(float));
  int8_t* const got     = (int8_t*)calloc((size_t)total + 1U, 1U);
  uint32_t      seed    = 12345U;

  const double start = now_s();
  long         sent = 0, done = 0, failed = 0;
  // A /ping every 0.5 s, each with its own id (a ping the kernel dropped
  // under the flood is counted as unanswered, not waited for)
  enum { MAX_PINGS = 256 };
  double ping_sent[MAX_PINGS];
  int    pings     = 0;
  int    pongs     = 0;
  double max_ping  = 0.0;
  double next_ping = start + 0.5;
  char   path[64];
  while (sent < total || now_s() - start < seconds + 1.0) {
    const double t = now_s();
    while (sent < total && (double)sent < (t - start) * rate) {
      seed          = seed * 1664525U + 1013904223U;
      const float v = -40.0f + (float)(seed >> 8) / 16777216.0f * 40.0f;
      values[sent]  = floorf(v * 100.0f) / 100.0f;
      lo_message m  = lo_message_new();
      lo_message_add_string(m, nodes[sent % n_nodes]);
      lo_message_add_string(m, "gain");
      lo_message_add_float(m, values[sent]);
      lo_message_add_float(m, 0.0f);
      lo_message_add_int32(m, (int32_t)sent);
      send_lo(fd, "/set", m);
      ++sent;
    }
    if (t >= next_ping && sent < total && pings < MAX_PINGS) {
      lo_message m = lo_message_new();
      lo_message_add_int32(m, -1000 - pings);
      send_lo(fd, "/ping", m);
      ping_sent[pings++] = t;
      next_ping          = t + 0.5;
    }

    lo_message r = recv_lo(fd, path, 0.0005);
    while (r) {
      lo_arg** const    a     = lo_message_get_argv(r);
      const char* const types = lo_message_get_types(r);
      if (!strcmp(path, "/pong")) {
        const int k =
          lo_message_get_argc(r) >= 1 && types[0] == 'i' ? -1000 - a[0]->i : -1;
        if (k >= 0 && k < pings) {
          max_ping = fmax(max_ping, now_s() - ping_sent[k]);
          ++pongs;
        }
      } else if ((!strcmp(path, "/done") || !strcmp(path, "/fail")) &&
                 lo_message_get_argc(r) >= 2 && types[1] == 'i' &&
                 a[1]->i >= 0 && a[1]->i < total) {
        got[a[1]->i] = !strcmp(path, "/done") ? 1 : -1;
        done += got[a[1]->i] > 0;
        failed += got[a[1]->i] < 0;
      }
      lo_message_free(r);
      r = recv_lo(fd, path, 0.0);
    }
    if (sent >= total && done + failed >= total) {
      break;
    }
  }
  const double elapsed = now_s() - start;

  // Everything before /sync is applied once /synced arrives
  const double sync_start = now_s();
  lo_message   m          = lo_message_new();
  lo_message_add_int32(m, 99);
  send_lo(fd, "/sync", m);
  double sync_rtt = -1.0;
  for (lo_message r; (r = recv_lo(fd, path, 2.0));) {
    const bool synced = !strcmp(path, "/synced");
    lo_message_free(r);
    if (synced) {
      sync_rtt = now_s() - sync_start;
      break;
    }
  }

  int status = 0;
  printf("sent %ld in %.2f s (%.0f/s), done %ld, failed %ld, lost %ld, "
         "pings answered %d of %d (max %.2f ms), sync %.2f ms\n",
         sent,
         elapsed,
         (double)sent / elapsed,
         done,
         failed,
         sent - done - failed,
         pongs,
         pings,
         max_ping * 1000.0,
         sync_rtt * 1000.0);
  if (sync_rtt < 0.0) {
    printf("no /synced\n");
    status = 1;
  }

  for (int k = 0; k < n_nodes; ++k) {
    // The last acknowledged value for this node
    long last = -1;
    for (long i = k; i < sent; i += n_nodes) {
      if (got[i] > 0) {
        last = i;
      }
    }
    lo_message q = lo_message_new();
    lo_message_add_string(q, nodes[k]);
    lo_message_add_string(q, "gain");
    lo_message_add_int32(q, 1000000 + k);
    send_lo(fd, "/get", q);
    float value = NAN;
    for (lo_message r; (r = recv_lo(fd, path, 2.0));) {
      lo_arg** const a = lo_message_get_argv(r);
      const bool mine = !strcmp(path, "/done") && lo_message_get_argc(r) >= 5 &&
                        a[1]->i == 1000000 + k;
      if (mine) {
        value = a[4]->f;
      }
      lo_message_free(r);
      if (mine) {
        break;
      }
    }
    const float want = last >= 0 ? values[last] : NAN;
    printf("final %s %g (last acknowledged %g, message %ld)\n",
           nodes[k],
           (double)value,
           (double)want,
           last);
    if (last >= 0 && value != want) {
      status = 1;
    }
  }
  free(values);
  free(got);
  return status;
}

int
main(int argc, char** argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: see the comment at the top of osc_probe.c\n");
    return 2;
  }
  const char* const cmd = argv[1];
  char** const      a   = argv + 2;
  const int         n   = argc - 2;
  if (!strcmp(cmd, "sine") && n >= 4) {
    return cmd_sine(a, n);
  } else if (!strcmp(cmd, "dc") && n >= 3) {
    return cmd_dc(a, n);
  } else if (!strcmp(cmd, "mean") && n >= 4) {
    return cmd_mean(a);
  } else if (!strcmp(cmd, "clicks") && n >= 2) {
    return cmd_clicks(a, n);
  } else if (!strcmp(cmd, "rms") && n >= 3) {
    return cmd_rms(a);
  } else if (!strcmp(cmd, "step") && n >= 2) {
    return cmd_step(a);
  } else if (!strcmp(cmd, "at") && n >= 3) {
    return cmd_at(a, n);
  } else if (!strcmp(cmd, "flood") && n >= 4) {
    return cmd_flood(a, n);
  }
  fprintf(stderr, "osc_probe: bad command or arguments\n");
  return 2;
}
