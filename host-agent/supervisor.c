// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#define _GNU_SOURCE

#include "supervisor.h"

#include "accel.h"
#include "log.h"
#include "netmanager.h"
#include "qemu_cmd.h"
#include "qmp.h"
#include "relay.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/// The VM's state, as shown by `dspagent status`.
typedef enum {
  VM_STOPPED = 0,  ///< No QEMU
  VM_BOOTING,      ///< QEMU runs, the engine has not answered yet
  VM_RUNNING,      ///< The engine answers pings
  VM_UNRESPONSIVE, ///< It answered before, not any more
  VM_PANICKED,     ///< The guest kernel panicked (paused)
  VM_BACKOFF,      ///< Waiting before a restart
} VmState;

static const char* const state_names[] = { "stopped",  "booting",
                                           "running",  "unresponsive",
                                           "panicked", "backoff" };

typedef struct {
  const DspAgentConfig* cfg;             ///< Configuration
  DspAgentPaths         paths;           ///< Sockets and logs
  DspAccel              accel;           ///< Chosen accelerator
  char                  accel_why[256];  ///< Why
  DspRelay*             relay;           ///< OSC relay and health pings
  DspQmp*               qmp;             ///< QMP connection (while QEMU runs)
  pid_t                 qemu_pid;        ///< QEMU, or 0
  VmState               state;           ///< Current state
  uint64_t              state_ms;        ///< When it was entered (monotonic)
  uint64_t              started_ns;      ///< Agent start (wall)
  uint64_t              vm_started_ns;   ///< Last QEMU start (wall)
  uint64_t              vm_started_ms;   ///< Last QEMU start (monotonic)
  uint64_t              fault_ms;        ///< Last fault seen (monotonic) or 0
  uint64_t              ready_ns;        ///< Last time the engine became ready
  uint64_t              last_ready_ms;   ///< Last fault-to-ready time, ms
  uint64_t              next_ping_ms;    ///< When to ping next
  uint64_t              restart_at_ms;   ///< End of the backoff
  unsigned              restarts;        ///< VM restarts (QEMU or reset)
  unsigned              recoveries;      ///< Engine came back by itself
  unsigned              failures;        ///< Consecutive, for the backoff
  int                   vcpu_tid;        ///< vCPU thread, or 0
  char                  last_event[256]; ///< Last transition, for status
  DspNetmanagerJob      nm_job;          ///< Loading netmanager, if running
  uint64_t              nm_retry_ms;     ///< Next attempt after a failure, or 0
  unsigned              nm_failures;     ///< Consecutive failed attempts
  char                  nm_msg[640];     ///< Last netmanager outcome
} Agent;

static volatile sig_atomic_t quit_signal = 0;

static void
on_signal(const int sig)
{
  quit_signal = sig;
}

unsigned
dsp_agent_backoff_ms(const DspAgentConfig* const cfg, const unsigned failures)
{
  uint64_t ms = cfg->backoff_initial;
  for (unsigned i = 0U; i < failures && ms < cfg->backoff_max; ++i) {
    ms *= 2U;
  }
  return (unsigned)(ms < cfg->backoff_max ? ms : cfg->backoff_max);
}

static void
write_status(const Agent* const a)
{
  const DspRelayStats rs = dsp_relay_stats(a->relay);
  json_t* const       st = json_pack(
    "{s:i, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:i, s:s, "
          "s:s, s:i, s:i, s:s, s:s, s:{s:I, s:I, s:I, s:I}}",
    "agent_pid",
    (int)getpid(),
    "state",
    state_names[a->state],
    "accel",
    a->accel == DSP_ACCEL_KVM ? "kvm" : "tcg",
    "accel_reason",
    a->accel_why,
    "agent_started_ns",
    (json_int_t)a->started_ns,
    "vm_started_ns",
    (json_int_t)a->vm_started_ns,
    "ready_ns",
    (json_int_t)a->ready_ns,
    "last_fault_to_ready_ms",
    (json_int_t)a->last_ready_ms,
    "updated_ns",
    (json_int_t)dsp_agent_wall_ns(),
    "qemu_pid",
    (int)a->qemu_pid,
    "vcpu_tid",
    a->vcpu_tid,
    "restarts",
    (int)a->restarts,
    "recoveries",
    (int)a->recoveries,
    "last_event",
    a->last_event,
    "state_file",
    a->cfg->state_file,
    "relay_port",
    (int)dsp_relay_listen_port(a->relay),
    "core",
    a->cfg->core,
    "console_log",
    a->paths.log,
    "netmanager",
    a->nm_msg,
    "relay",
    "forwarded",
    (json_int_t)rs.forwarded,
    "replies",
    (json_int_t)rs.replies,
    "denied",
    (json_int_t)rs.denied,
    "dropped",
    (json_int_t)rs.dropped);
  if (!st) {
    return;
  }
  char tmp[300];
  char path[300];
  snprintf(tmp, sizeof(tmp), "%s/status.json.tmp", a->cfg->run_dir);
  snprintf(path, sizeof(path), "%s/status.json", a->cfg->run_dir);
  if (!json_dump_file(st, tmp, JSON_INDENT(2))) {
    rename(tmp, path);
  }
  json_decref(st);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
transition(Agent* const a, const VmState state, const char* const fmt, ...)
{
  char    why[256];
  va_list args;
  va_start(args, fmt);
  vsnprintf(why, sizeof(why), fmt, args);
  va_end(args);
  dsp_agent_log("%s -> %s: %s", state_names[a->state], state_names[state], why);
  a->state    = state;
  a->state_ms = dsp_agent_now_ms();
  snprintf(a->last_event, sizeof(a->last_event), "%s", why);
  write_status(a);
}

/// Pin the vCPU thread and give it SCHED_FIFO if configured.
static void
pin_vcpu(Agent* const a)
{
  char      err[256];
  int       tids[4];
  const int n = dsp_qmp_vcpu_threads(a->qmp, tids, 4U, err, sizeof(err));
  if (n < 1) {
    dsp_agent_log("cannot find the vCPU thread: %s", n < 0 ? err : "none");
    return;
  }
  a->vcpu_tid = tids[0];
  if (a->cfg->core >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(a->cfg->core, &set);
    if (sched_setaffinity(a->vcpu_tid, sizeof(set), &set)) {
      dsp_agent_log("vCPU thread %d: cannot pin to CPU %d: %s",
                    a->vcpu_tid,
                    a->cfg->core,
                    strerror(errno));
    } else {
      dsp_agent_log(
        "vCPU thread %d pinned to CPU %d", a->vcpu_tid, a->cfg->core);
    }
  }
  if (a->cfg->fifo_priority > 0) {
    const struct sched_param sp = { a->cfg->fifo_priority };
    if (sched_setscheduler(a->vcpu_tid, SCHED_FIFO, &sp)) {
      dsp_agent_log("vCPU thread %d: cannot set SCHED_FIFO %d: %s",
                    a->vcpu_tid,
                    a->cfg->fifo_priority,
                    strerror(errno));
    } else {
      dsp_agent_log("vCPU thread %d: SCHED_FIFO priority %d",
                    a->vcpu_tid,
                    a->cfg->fifo_priority);
    }
  }
}

static int
start_vm(Agent* const a)
{
  DspArgv argv;
  if (dsp_agent_qemu_argv(a->cfg, a->accel, &a->paths, &argv)) {
    dsp_agent_log("out of memory");
    return -1;
  }
  unlink(a->paths.qmp);
  unlink(a->paths.console);

  char qemu_log[300];
  snprintf(qemu_log, sizeof(qemu_log), "%s/qemu.log", a->cfg->run_dir);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd   = open(qemu_log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int null = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (null >= 0) {
      dup2(null, 0);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(argv.argv[0], argv.argv);
    _exit(127);
  }
  dsp_argv_cleanup(&argv);
  if (pid < 0) {
    dsp_agent_log("cannot fork: %s", strerror(errno));
    return -1;
  }
  a->qemu_pid      = pid;
  a->vm_started_ns = dsp_agent_wall_ns();
  a->vm_started_ms = dsp_agent_now_ms();
  a->vcpu_tid      = 0;
  dsp_relay_reset(a->relay);

  char err[256];
  a->qmp = dsp_qmp_connect(a->paths.qmp, 10000, err, sizeof(err));
  if (!a->qmp) {
    dsp_agent_log(
      "QEMU (pid %d) started, but %s (see %s)", (int)pid, err, qemu_log);
  } else {
    pin_vcpu(a);
  }
  a->next_ping_ms = dsp_agent_now_ms();
  transition(a,
             VM_BOOTING,
             "QEMU started (pid %d, %s)",
             (int)pid,
             a->accel == DSP_ACCEL_KVM ? "KVM" : "TCG");
  return 0;
}

/// Stop QEMU: quit over QMP, then SIGKILL after 2 s.
static void
stop_vm(Agent* const a)
{
  if (!a->qemu_pid) {
    return;
  }
  char err[128];
  if (a->qmp) {
    json_decref(dsp_qmp_execute(a->qmp, "quit", NULL, 1000, err, sizeof(err)));
  } else {
    kill(a->qemu_pid, SIGTERM);
  }
  for (int i = 0; i < 200; ++i) {
    if (waitpid(a->qemu_pid, NULL, WNOHANG) == a->qemu_pid) {
      a->qemu_pid = 0;
      break;
    }
    usleep(10000);
  }
  if (a->qemu_pid) {
    kill(a->qemu_pid, SIGKILL);
    waitpid(a->qemu_pid, NULL, 0);
    a->qemu_pid = 0;
  }
  dsp_qmp_free(a->qmp);
  a->qmp = NULL;
}

/// The VM is gone or must go: back off, then restart (or give up).
static void
schedule_restart(Agent* const a, const bool clean, const char* const why)
{
  stop_vm(a);
  const DspRestartPolicy p = a->cfg->restart;
  if (p == DSP_RESTART_NEVER || (p == DSP_RESTART_ON_FAILURE && clean) ||
      (a->cfg->max_restarts && a->restarts >= a->cfg->max_restarts)) {
    transition(a, VM_STOPPED, "%s; not restarting (policy)", why);
    return;
  }
  const unsigned delay = dsp_agent_backoff_ms(a->cfg, a->failures);
  ++a->failures;
  a->restart_at_ms = dsp_agent_now_ms() + delay;
  transition(a, VM_BACKOFF, "%s; restart in %u ms", why, delay);
}

/// Milliseconds from `since` to `now`, 0 if `since` is later (a transition
/// stamps its own, later, time).
static uint64_t
elapsed(const uint64_t now, const uint64_t since)
{
  return now > since ? now - since : 0U;
}

static void
engine_ready(Agent* const a, const uint64_t now)
{
  const uint64_t since = a->fault_ms ? a->fault_ms : a->vm_started_ms;
  a->last_ready_ms     = elapsed(now, since);
  a->ready_ns          = dsp_agent_wall_ns();
  const bool recovered = a->state == VM_UNRESPONSIVE;
  if (recovered) {
    ++a->recoveries;
  }
  a->fault_ms = 0U;
  transition(a,
             VM_RUNNING,
             "engine ready: %s %llu ms",
             recovered ? "answering again after" : "first answer after",
             (unsigned long long)a->last_ready_ms);
}

static void
handle_qmp_events(Agent* const a, const uint64_t now)
{
  char name[48];
  char err[128];
  while (a->qmp && dsp_qmp_next_event(a->qmp, name, sizeof(name))) {
    if (!strcmp(name, "GUEST_PANICKED")) {
      a->fault_ms = now;
      transition(a, VM_PANICKED, "guest kernel panicked (pvpanic)");
      // Cheaper than a new QEMU: reset the paused machine and go on
      ++a->restarts;
      json_decref(
        dsp_qmp_execute(a->qmp, "system_reset", NULL, 2000, err, sizeof(err)));
      json_decref(
        dsp_qmp_execute(a->qmp, "cont", NULL, 2000, err, sizeof(err)));
      dsp_relay_reset(a->relay);
      transition(a, VM_BOOTING, "system_reset after panic");
    } else if (!strcmp(name, "RESET")) {
      if (a->state != VM_BOOTING) {
        a->fault_ms = a->fault_ms ? a->fault_ms : now;
        dsp_relay_reset(a->relay);
        transition(a, VM_BOOTING, "guest reset (reboot)");
      }
    } else if (!strcmp(name, "SHUTDOWN")) {
      dsp_agent_log("QMP event SHUTDOWN: the guest powered off or QEMU quits");
    } else if (!strcmp(name, "STOP")) {
      dsp_agent_log("QMP event STOP: the vCPU is paused");
    } else {
      dsp_agent_log("QMP event %s", name);
    }
  }
}

static void
check_health(Agent* const a, const uint64_t now)
{
  const DspAgentConfig* const cfg  = a->cfg;
  const uint64_t              pong = dsp_relay_last_pong(a->relay);

  if (a->state == VM_BOOTING || a->state == VM_UNRESPONSIVE) {
    if (pong) {
      engine_ready(a, now);
      a->failures =
        a->failures && elapsed(now, a->vm_started_ms) > cfg->backoff_reset
          ? 0U
          : a->failures;
    } else if (cfg->health == DSP_HEALTH_OSC && a->state == VM_BOOTING &&
               elapsed(now, a->state_ms) > cfg->boot_grace) {
      a->fault_ms = now;
      schedule_restart(
        a, false, "the engine did not answer within boot_grace_ms");
      return;
    }
  } else if (a->state == VM_RUNNING) {
    if (elapsed(now, a->state_ms) > cfg->backoff_reset) {
      a->failures = 0U;
    }
    if (elapsed(now, pong) > cfg->health_interval * 2U + 500U) {
      a->fault_ms = pong;
      transition(a,
                 VM_UNRESPONSIVE,
                 "no pong for %llu ms",
                 (unsigned long long)(now - pong));
      dsp_relay_reset(a->relay);
    }
  }
  if (a->state == VM_UNRESPONSIVE && cfg->health == DSP_HEALTH_OSC &&
      elapsed(now, a->state_ms) > cfg->health_timeout) {
    schedule_restart(
      a, false, "the engine stopped answering (health_timeout_ms)");
    return;
  }
  if (now >= a->next_ping_ms && a->qemu_pid) {
    dsp_relay_ping(a->relay, now);
    // Poll fast until the engine answers, then at the configured rate
    const bool waiting = a->state != VM_RUNNING;
    a->next_ping_ms    = now + (waiting ? 200U : cfg->health_interval);
  }
}

static void
reap_qemu(Agent* const a)
{
  int status = 0;
  if (!a->qemu_pid || waitpid(a->qemu_pid, &status, WNOHANG) != a->qemu_pid) {
    return;
  }
  a->qemu_pid = 0;
  dsp_qmp_free(a->qmp);
  a->qmp      = NULL;
  a->fault_ms = dsp_agent_now_ms();
  char why[96];
  if (WIFEXITED(status)) {
    snprintf(
      why, sizeof(why), "QEMU exited with status %d", WEXITSTATUS(status));
  } else {
    snprintf(why,
             sizeof(why),
             "QEMU killed by signal %d",
             WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  }
  schedule_restart(a, WIFEXITED(status) && WEXITSTATUS(status) == 0, why);
}

// --- NetJack2's master on the host ([audio] netjack_load_manager) ---------

/// Start loading netmanager into the host's jackd, unless it is under way.
static void
netmanager_start(Agent* const a, const uint64_t now)
{
  if (!a->cfg->netjack || !a->cfg->netjack_load_manager || a->nm_job.pid) {
    return;
  }
  a->nm_retry_ms = 0U;
  if (dsp_agent_netmanager_job_start(&a->nm_job, a->cfg, now)) {
    dsp_agent_log("netmanager: cannot start the loader: %s", strerror(errno));
    a->nm_retry_ms = now + 5000U;
  }
}

/// Collect the loader's report; on failure try again later (5 s doubling
/// up to 60 s), and again whenever the VM (re)starts.
static void
netmanager_poll(Agent* const a, const uint64_t now)
{
  DspNetmanagerResult r = DSP_NETMANAGER_FAILED;
  if (dsp_agent_netmanager_job_poll(
        &a->nm_job, now, 15000U, &r, a->nm_msg, sizeof(a->nm_msg))) {
    if (r == DSP_NETMANAGER_FAILED) {
      const unsigned shift = a->nm_failures < 4U ? a->nm_failures : 4U;
      const unsigned delay = 5000U << shift;
      ++a->nm_failures;
      a->nm_retry_ms = now + (delay < 60000U ? delay : 60000U);
      dsp_agent_log("%s (attempt %u; next in %u s)",
                    a->nm_msg,
                    a->nm_failures,
                    (unsigned)((a->nm_retry_ms - now) / 1000U));
    } else {
      a->nm_failures = 0U;
      dsp_agent_log("%s", a->nm_msg);
    }
    write_status(a);
  } else if (a->nm_retry_ms && now >= a->nm_retry_ms) {
    netmanager_start(a, now);
  }
}

static bool
allow_cb(void* const data, const uint32_t addr)
{
  return dsp_agent_config_allows((const DspAgentConfig*)data, addr);
}

int
dsp_agent_run(const DspAgentConfig* const cfg)
{
  Agent a;
  memset(&a, 0, sizeof(a));
  a.cfg        = cfg;
  a.started_ns = dsp_agent_wall_ns();
  if (dsp_agent_paths(cfg, &a.paths)) {
    dsp_agent_log("run_dir too long: %s", cfg->run_dir);
    return 2;
  }
  if (mkdir(cfg->run_dir, 0755) && errno != EEXIST) {
    dsp_agent_log("cannot create %s: %s", cfg->run_dir, strerror(errno));
    return 2;
  }
  char err[256];
  a.relay = dsp_relay_new(cfg->listen_addr,
                          cfg->listen_port ? (int)cfg->listen_port : -1,
                          cfg->forward_port,
                          allow_cb,
                          (void*)(uintptr_t)cfg,
                          err,
                          sizeof(err));
  if (!a.relay) {
    dsp_agent_log("%s", err);
    return 2;
  }
  a.accel = dsp_agent_accel_choose(cfg, a.accel_why, sizeof(a.accel_why));
  dsp_agent_log("accelerator %s", a.accel_why);
  if (cfg->listen_port) {
    dsp_agent_log("OSC relay on %s:%u -> 127.0.0.1:%u (guest port %u)",
                  cfg->listen_addr,
                  dsp_relay_listen_port(a.relay),
                  cfg->forward_port,
                  cfg->guest_port);
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  dsp_agent_netmanager_job_init(&a.nm_job);
  if (cfg->netjack && cfg->netjack_load_manager) {
    snprintf(a.nm_msg, sizeof(a.nm_msg), "netmanager: loading");
    netmanager_start(&a, dsp_agent_now_ms());
  }
  if (start_vm(&a)) {
    dsp_agent_netmanager_job_cancel(&a.nm_job);
    dsp_relay_free(a.relay);
    return 2;
  }
  uint64_t last_status  = 0U;
  uint64_t last_traffic = 0U;
  while (!quit_signal) {
    struct pollfd fds[4];
    nfds_t        n = 0U;
    if (a.nm_job.fd >= 0) {
      fds[n++] = (struct pollfd){ a.nm_job.fd, POLLIN, 0 };
    }
    fds[n++] = (struct pollfd){ dsp_relay_guest_fd(a.relay), POLLIN, 0 };
    if (dsp_relay_listen_fd(a.relay) >= 0) {
      fds[n++] = (struct pollfd){ dsp_relay_listen_fd(a.relay), POLLIN, 0 };
    }
    if (a.qmp) {
      fds[n++] = (struct pollfd){ dsp_qmp_fd(a.qmp), POLLIN, 0 };
    }
    poll(fds, n, 50);
    const uint64_t now = dsp_agent_now_ms();

    dsp_relay_handle_guest(a.relay, now);
    dsp_relay_handle_clients(a.relay, now);
    dsp_relay_tick(a.relay, now);
    if (a.qmp && dsp_qmp_pump(a.qmp) < 0) {
      handle_qmp_events(&a, now);
      dsp_qmp_free(a.qmp); // QEMU is exiting; waitpid tells how
      a.qmp = NULL;
    }
    handle_qmp_events(&a, now);
    reap_qemu(&a);
    netmanager_poll(&a, now);

    if (a.state == VM_BACKOFF && now >= a.restart_at_ms) {
      ++a.restarts;
      netmanager_start(&a, now); // the host's jackd may have restarted
      if (start_vm(&a)) {
        break;
      }
    } else if (a.state == VM_STOPPED && !a.qemu_pid) {
      break;
    } else if (a.qemu_pid && a.state != VM_PANICKED) {
      check_health(&a, now);
    }
    const DspRelayStats rs      = dsp_relay_stats(a.relay);
    const uint64_t      traffic = rs.forwarded + rs.replies + rs.denied;
    if (now - last_status >= 1000U || traffic != last_traffic) {
      last_traffic = traffic;
      write_status(&a);
      last_status = now;
    }
  }
  if (quit_signal) {
    dsp_agent_log("signal %d: stopping the VM", (int)quit_signal);
  }
  stop_vm(&a);
  // netmanager stays loaded (netmanager.h says why); only a loader that is
  // still running is stopped
  dsp_agent_netmanager_job_cancel(&a.nm_job);
  a.state = VM_STOPPED;
  snprintf(a.last_event, sizeof(a.last_event), "agent stopped");
  write_status(&a);
  dsp_relay_free(a.relay);
  return 0;
}
