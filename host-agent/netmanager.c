// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#define _GNU_SOURCE

#include "netmanager.h"

#include <jack/intclient.h>
#include <jack/jack.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/// JACK2's NetJack2 master manager (netmanager.so) and its client name
#define NETMANAGER "netmanager"

int
dsp_agent_netmanager_init_args(const DspAgentConfig* const cfg,
                               char* const                 buf,
                               const size_t                size)
{
  const int n = snprintf(buf, size, "-p %u", cfg->netjack_port);
  return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

bool
dsp_agent_udp_port_listed(const char* const proc_text, const unsigned port)
{
  // "  sl  local_address rem_address   st ..." then one line per socket:
  // "   7: 00000000:1269 00000000:0000 07 ..." (udp6: 32 hex digits)
  const char* line = strchr(proc_text, '\n'); // skip the header
  while (line) {
    ++line;
    const char* const colon = strchr(line, ':'); // after the slot number
    const char* const eol   = strchr(line, '\n');
    if (!colon || (eol && colon > eol)) {
      break;
    }
    const char* p = colon + 1;
    while (*p == ' ') {
      ++p;
    }
    const char* const port_colon = strchr(p, ':'); // ADDRESS:PORT
    if (port_colon && (!eol || port_colon < eol)) {
      char*               end = NULL;
      const unsigned long v   = strtoul(port_colon + 1, &end, 16);
      if (end != port_colon + 1 && *end == ' ' && v == port) {
        return true;
      }
    }
    line = eol;
  }
  return false;
}

static bool
file_lists_port(const char* const path, const unsigned port)
{
  FILE* const f = fopen(path, "rb");
  if (!f) {
    return false;
  }
  // One line is ~130 bytes; a busy host has a few hundred UDP sockets
  size_t cap  = 65536U;
  size_t len  = 0U;
  char*  text = (char*)malloc(cap);
  bool   ok   = text != NULL;
  while (ok) {
    if (len + 4096U + 1U > cap) {
      char* const big = (char*)realloc(text, cap * 2U);
      if (!big) {
        ok = false;
        break;
      }
      text = big;
      cap *= 2U;
    }
    const size_t n = fread(text + len, 1U, 4096U, f);
    len += n;
    if (n < 4096U) {
      break;
    }
  }
  fclose(f);
  bool found = false;
  if (ok) {
    text[len] = '\0';
    found     = dsp_agent_udp_port_listed(text, port);
  }
  free(text);
  return found;
}

bool
dsp_agent_udp_port_bound(const unsigned port)
{
  // Read, never bind: a probe socket on the port could take it from a
  // netmanager that is binding it at the same moment
  return file_lists_port("/proc/net/udp", port) ||
         file_lists_port("/proc/net/udp6", port);
}

void
dsp_agent_jack_status_str(const int status, char* const buf, const size_t size)
{
  static const struct {
    int         bit;
    const char* what;
  } bits[] = {
    { JackInvalidOption, "invalid option" },
    { JackNameNotUnique, "name not unique" },
    { JackServerFailed, "cannot connect to the server (is it running?)" },
    { JackServerError, "communication error with the server" },
    { JackNoSuchClient, "no such client" },
    { JackLoadFailure, "cannot load the internal client's shared object" },
    { JackInitFailure, "the internal client's initialisation failed" },
    { JackShmFailure, "cannot access shared memory" },
    { JackVersionError, "protocol version mismatch" },
    { JackBackendError, "backend error" },
    { JackClientZombie, "client zombified" },
  };
  size_t used = 0U;
  buf[0]      = '\0';
  for (size_t i = 0U; i < sizeof(bits) / sizeof(bits[0]); ++i) {
    if ((status & bits[i].bit) && used < size) {
      const int n = snprintf(
        buf + used, size - used, "%s%s", used ? ", " : "", bits[i].what);
      used += n > 0 ? (size_t)n : 0U;
    }
  }
  if (!used && (status & JackFailure) && size) {
    snprintf(buf, size, "failure");
  }
}

/// The first message libjack reported (it would print them to stderr); the
/// handler stays installed, libjack has no way to restore its default
static char jack_last_error[256];

static void
on_jack_error(const char* const msg)
{
  if (!jack_last_error[0]) { // the first says why, later ones are cleanup
    snprintf(jack_last_error, sizeof(jack_last_error), "%s", msg);
  }
}

static void
sleep_ms(const unsigned ms)
{
  const struct timespec ts = { (time_t)(ms / 1000U),
                               (long)(ms % 1000U) * 1000000L };
  nanosleep(&ts, NULL);
}

/// Wait up to `wait_ms` for the port to be bound.
static bool
wait_bound(const unsigned port, const unsigned wait_ms)
{
  for (unsigned t = 0U;; t += 20U) {
    if (dsp_agent_udp_port_bound(port)) {
      return true;
    }
    if (t >= wait_ms) {
      return false;
    }
    sleep_ms(20U);
  }
}

DspNetmanagerResult
dsp_agent_netmanager_ensure(const DspAgentConfig* const cfg,
                            const unsigned              wait_ms,
                            char* const                 msg,
                            const size_t                size)
{
  const char* const server =
    cfg->netjack_server[0]
      ? cfg->netjack_server
      : (getenv("JACK_DEFAULT_SERVER") ? getenv("JACK_DEFAULT_SERVER")
                                       : "default");
  const unsigned port = cfg->netjack_port;
  char           init[32];
  char           why[256];
  if (dsp_agent_netmanager_init_args(cfg, init, sizeof(init))) {
    snprintf(msg, size, "netmanager: init string too long");
    return DSP_NETMANAGER_FAILED;
  }

  jack_last_error[0] = '\0';
  jack_set_error_function(on_jack_error);
  jack_status_t  st = (jack_status_t)0;
  jack_options_t opts =
    (jack_options_t)(JackNoStartServer |
                     (cfg->netjack_server[0] ? JackServerName : 0));
  jack_client_t* const c =
    jack_client_open("dspagent-netjack", opts, &st, cfg->netjack_server);
  if (!c) {
    dsp_agent_jack_status_str((int)st, why, sizeof(why));
    snprintf(msg,
             size,
             "netmanager: cannot connect to the host's JACK server \"%s\": "
             "%s%s%s",
             server,
             why,
             jack_last_error[0] ? "; libjack: " : "",
             jack_last_error);
    return DSP_NETMANAGER_FAILED;
  }

  DspNetmanagerResult rc = DSP_NETMANAGER_FAILED;
  st                     = (jack_status_t)0;
  if (jack_internal_client_handle(c, NETMANAGER, &st)) {
    // Loaded by someone (the agent before a restart, a person, a session
    // manager): keep it, but it must listen where the guest looks
    if (dsp_agent_udp_port_bound(port)) {
      snprintf(msg,
               size,
               "netmanager: already loaded in JACK server \"%s\", UDP port "
               "%u bound",
               server,
               port);
      rc = DSP_NETMANAGER_ALREADY;
    } else {
      snprintf(msg,
               size,
               "netmanager: loaded in JACK server \"%s\" but nothing is "
               "bound to UDP port %u (netjack_port): it was loaded with "
               "another -p; jack_unload netmanager, or set netjack_port to "
               "its port",
               server,
               port);
    }
  } else if (dsp_agent_udp_port_bound(port)) {
    snprintf(msg,
             size,
             "netmanager: UDP port %u (netjack_port) is taken by another "
             "socket on this host; not loading netmanager into JACK server "
             "\"%s\" (it could not bind it)",
             port,
             server);
  } else {
    st                       = (jack_status_t)0;
    const jack_intclient_t h = jack_internal_client_load(
      c,
      NETMANAGER,
      (jack_options_t)(JackLoadName | JackLoadInit | JackUseExactName),
      &st,
      NETMANAGER,
      init);
    if (!h) {
      dsp_agent_jack_status_str((int)st, why, sizeof(why));
      snprintf(msg,
               size,
               "netmanager: loading it into JACK server \"%s\" (init \"%s\") "
               "failed: %s%s%s",
               server,
               init,
               why,
               jack_last_error[0] ? "; libjack: " : "",
               jack_last_error);
    } else if (!wait_bound(port, wait_ms)) {
      // It binds in its own thread and only logs a failure in jackd's log
      jack_internal_client_unload(c, h);
      snprintf(msg,
               size,
               "netmanager: loaded into JACK server \"%s\" but it did not "
               "bind UDP port %u within %u ms (the port is taken? see "
               "jackd's log: \"Can't bind NetManager socket\"); unloaded it",
               server,
               port,
               wait_ms);
    } else {
      snprintf(msg,
               size,
               "netmanager: loaded into JACK server \"%s\" (%s), UDP port %u "
               "bound; it stays loaded when the agent exits",
               server,
               init,
               port);
      rc = DSP_NETMANAGER_LOADED;
    }
  }
  jack_client_close(c);
  return rc;
}

void
dsp_agent_netmanager_job_init(DspNetmanagerJob* const job)
{
  memset(job, 0, sizeof(*job));
  job->fd = -1;
}

int
dsp_agent_netmanager_job_start(DspNetmanagerJob* const     job,
                               const DspAgentConfig* const cfg,
                               const uint64_t              now_ms)
{
  int p[2];
  if (pipe2(p, O_CLOEXEC)) {
    return -1;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(p[0]);
    close(p[1]);
    errno = e;
    return -1;
  }
  if (pid == 0) {
    close(p[0]);
    char                      msg[600];
    const DspNetmanagerResult r =
      dsp_agent_netmanager_ensure(cfg, 5000U, msg, sizeof(msg));
    char      out[640];
    const int n = snprintf(out, sizeof(out), "%d %s", (int)r, msg);
    if (n > 0 && write(p[1], out, (size_t)n) < 0) {
      _exit(2);
    }
    _exit(0);
  }
  close(p[1]);
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  job->pid        = pid;
  job->fd         = p[0];
  job->started_ms = now_ms;
  job->len        = 0U;
  return 0;
}

static void
job_end(DspNetmanagerJob* const job, const bool kill_it)
{
  if (job->pid > 0) {
    if (kill_it) {
      kill(job->pid, SIGKILL);
    }
    waitpid(job->pid, NULL, 0);
  }
  if (job->fd >= 0) {
    close(job->fd);
  }
  job->pid = 0;
  job->fd  = -1;
}

int
dsp_agent_netmanager_job_poll(DspNetmanagerJob* const    job,
                              const uint64_t             now_ms,
                              const unsigned             timeout_ms,
                              DspNetmanagerResult* const result,
                              char* const                msg,
                              const size_t               size)
{
  if (job->pid <= 0) {
    return 0;
  }
  for (;;) {
    const ssize_t n =
      read(job->fd, job->buf + job->len, sizeof(job->buf) - 1U - job->len);
    if (n > 0) {
      job->len += (size_t)n;
      if (job->len < sizeof(job->buf) - 1U) {
        continue;
      }
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (now_ms - job->started_ms < timeout_ms) {
        return 0;
      }
      job_end(job, true);
      *result = DSP_NETMANAGER_FAILED;
      snprintf(msg,
               size,
               "netmanager: no answer from the host's JACK server within "
               "%u ms (libjack blocked: a server that does not answer, or a "
               "stale lock in JACK's metadata database /dev/shm/jack_db-*)",
               timeout_ms);
      return 1;
    }
    break; // EOF (or the buffer is full): the child is done
  }
  job_end(job, false);
  job->buf[job->len] = '\0';
  char*      end     = NULL;
  const long r       = strtol(job->buf, &end, 10);
  if (end == job->buf || *end != ' ' || r < DSP_NETMANAGER_LOADED ||
      r > DSP_NETMANAGER_FAILED) {
    *result = DSP_NETMANAGER_FAILED;
    snprintf(
      msg, size, "netmanager: the loading process died without a report");
    return 1;
  }
  *result = (DspNetmanagerResult)r;
  snprintf(msg, size, "%s", end + 1);
  return 1;
}

void
dsp_agent_netmanager_job_cancel(DspNetmanagerJob* const job)
{
  job_end(job, true);
}
