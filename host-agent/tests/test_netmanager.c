// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The host side of NetJack2: netmanager's init string, reading bound UDP
// ports from /proc/net/udp text, JACK status words in words, and the load
// itself against a real private jackd (dummy driver): loaded, found again,
// loaded with another port, port taken, no server.

#define _GNU_SOURCE

#include "agent_config.h"
#include "netmanager.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jack/intclient.h>
#include <jack/jack.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
load(DspAgentConfig* const cfg, const char* const text)
{
  char err[256] = "";
  dsp_agent_config_init(cfg);
  if (dsp_agent_config_parse(cfg, text, "t.conf", err, sizeof(err))) {
    fail_msg("%s", err);
  }
}

static void
test_config_and_init(void** state)
{
  (void)state;
  DspAgentConfig cfg;
  load(&cfg,
       "[vm]\nkernel = k\n[state]\nfile = s\n[audio]\nnetjack = true\n"
       "netjack_port = 4714\nnetjack_load_manager = true\n"
       "netjack_server = daw\n");
  assert_true(cfg.netjack_load_manager);
  assert_string_equal(cfg.netjack_server, "daw");
  char buf[16];
  assert_int_equal(dsp_agent_netmanager_init_args(&cfg, buf, sizeof(buf)), 0);
  assert_string_equal(buf, "-p 4714");
  assert_int_equal(dsp_agent_netmanager_init_args(&cfg, buf, 7U), -1);
  dsp_agent_config_cleanup(&cfg);

  // Defaults: not loaded, the default server
  load(&cfg, "[vm]\nkernel = k\n[state]\nfile = s\n");
  assert_false(cfg.netjack_load_manager);
  assert_string_equal(cfg.netjack_server, "");
  dsp_agent_config_cleanup(&cfg);

  // Bad values name the key
  char err[256] = "";
  dsp_agent_config_init(&cfg);
  assert_int_equal(
    dsp_agent_config_parse(&cfg,
                           "[vm]\nkernel = k\n[state]\nfile = s\n[audio]\n"
                           "netjack_server = a b\n",
                           "t.conf",
                           err,
                           sizeof(err)),
    -1);
  assert_non_null(strstr(err, "t.conf:6: netjack_server: expected"));
  dsp_agent_config_cleanup(&cfg);
  dsp_agent_config_init(&cfg);
  assert_int_equal(
    dsp_agent_config_parse(&cfg,
                           "[vm]\nkernel = k\n[state]\nfile = s\n[audio]\n"
                           "netjack_load_manager = maybe\n",
                           "t.conf",
                           err,
                           sizeof(err)),
    -1);
  assert_non_null(strstr(err, "t.conf:6: netjack_load_manager"));
  dsp_agent_config_cleanup(&cfg);
}

static void
test_proc_net_udp(void** state)
{
  (void)state;
  static const char* const udp =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
    "retrnsmt   uid  timeout inode ref pointer drops\n"
    "  160: 0100007F:4A38 00000000:0000 07 00000000:00000000 00:00000000 "
    "00000000     0        0 1234 2 0000000000000000 0\n"
    "  711: 00000000:1269 00000000:0000 07 00000000:00000000 00:00000000 "
    "00000000     0        0 5678 2 0000000000000000 0\n";
  assert_true(dsp_agent_udp_port_listed(udp, 4713U));  // 0x1269
  assert_true(dsp_agent_udp_port_listed(udp, 19000U)); // 0x4A38
  assert_false(dsp_agent_udp_port_listed(udp, 4714U));
  // 0x0000 is the remote port of every line, never a local one
  assert_false(dsp_agent_udp_port_listed(udp, 0U));
  assert_false(dsp_agent_udp_port_listed(udp, 0x7FU));
  static const char* const udp6 =
    "  sl  local_address                         remote_address"
    "                        st tx_queue rx_queue tr tm->when retrnsmt   uid"
    "  timeout inode ref pointer drops\n"
    "   54: 00000000000000000000000000000000:1269 "
    "00000000000000000000000000000000:0000 07 00000000:00000000 "
    "00:00000000 00000000     0        0 91 2 0000000000000000 0\n";
  assert_true(dsp_agent_udp_port_listed(udp6, 4713U));
  assert_false(dsp_agent_udp_port_listed(udp6, 4712U));
  assert_false(dsp_agent_udp_port_listed("", 4713U));
  assert_false(dsp_agent_udp_port_listed("header only\n", 4713U));

  // And the real file: a socket we bind is seen, then gone
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family      = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr*)&a, sizeof(a)), 0);
  socklen_t len = sizeof(a);
  assert_int_equal(getsockname(fd, (struct sockaddr*)&a, &len), 0);
  const unsigned port = ntohs(a.sin_port);
  assert_true(dsp_agent_udp_port_bound(port));
  close(fd);
  assert_false(dsp_agent_udp_port_bound(port));
}

static void
test_status_words(void** state)
{
  (void)state;
  char buf[256];
  dsp_agent_jack_status_str(JackFailure | JackServerFailed, buf, sizeof(buf));
  assert_string_equal(buf, "cannot connect to the server (is it running?)");
  dsp_agent_jack_status_str(
    JackFailure | JackLoadFailure | JackNameNotUnique, buf, sizeof(buf));
  assert_string_equal(
    buf, "name not unique, cannot load the internal client's shared object");
  dsp_agent_jack_status_str(JackFailure, buf, sizeof(buf));
  assert_string_equal(buf, "failure");
  dsp_agent_jack_status_str(0, buf, sizeof(buf));
  assert_string_equal(buf, "");
  dsp_agent_jack_status_str(JackFailure | JackInitFailure, buf, 8U);
  assert_int_equal(strlen(buf), 7U);
}

/// A UDP port that is free now (bound and released)
static unsigned
free_port(void)
{
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  assert_int_equal(bind(fd, (struct sockaddr*)&a, sizeof(a)), 0);
  socklen_t len = sizeof(a);
  assert_int_equal(getsockname(fd, (struct sockaddr*)&a, &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

static void
config_for(DspAgentConfig* const cfg,
           const char* const     server,
           const unsigned        port)
{
  char text[512];
  snprintf(text,
           sizeof(text),
           "[vm]\nkernel = k\n[state]\nfile = s\n[audio]\nnetjack = true\n"
           "netjack_load_manager = true\nnetjack_server = %s\n"
           "netjack_port = %u\n",
           server,
           port);
  load(cfg, text);
}

/// dsp_agent_netmanager_ensure() through the agent's child process
static DspNetmanagerResult
run_job(const DspAgentConfig* const cfg, char* const msg, const size_t size)
{
  DspNetmanagerJob job;
  dsp_agent_netmanager_job_init(&job);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t now = (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
  assert_int_equal(dsp_agent_netmanager_job_start(&job, cfg, now), 0);
  DspNetmanagerResult r = DSP_NETMANAGER_FAILED;
  while (!dsp_agent_netmanager_job_poll(&job, now, 30000U, &r, msg, size)) {
    const struct timespec step = { 0, 20000000L };
    nanosleep(&step, NULL);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (uint64_t)ts.tv_sec * 1000U + (uint64_t)ts.tv_nsec / 1000000U;
  }
  assert_int_equal(job.pid, 0);
  assert_int_equal(job.fd, -1);
  return r;
}

static void
test_no_server(void** state)
{
  (void)state;
  DspAgentConfig cfg;
  char           server[64];
  snprintf(server, sizeof(server), "dspagent-none-%d", (int)getpid());
  config_for(&cfg, server, free_port());
  char msg[640];
  assert_int_equal(run_job(&cfg, msg, sizeof(msg)), DSP_NETMANAGER_FAILED);
  printf("%s\n", msg);
  assert_non_null(strstr(msg, "cannot connect to the host's JACK server"));
  assert_non_null(strstr(msg, server));
  dsp_agent_config_cleanup(&cfg);
}

static void
test_real_jackd(void** state)
{
  (void)state;
  // One name per build directory, not per process: a jackd that was
  // killed leaves its slot in JACK's server registry (8 slots for the
  // whole machine), and only a server of the same name reclaims it
  char          exe[512] = "";
  const ssize_t n        = readlink("/proc/self/exe", exe, sizeof(exe) - 1U);
  uint32_t      fnv      = 2166136261U; // FNV-1a
  for (ssize_t i = 0; i < n; ++i) {
    fnv = (fnv ^ (uint8_t)exe[i]) * 16777619U;
  }
  char server[64];
  snprintf(server, sizeof(server), "dspagent-nm-%08x", (unsigned)fnv);
  const pid_t jackd = fork();
  assert_true(jackd >= 0);
  if (jackd == 0) {
    setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
    execlp("jackd",
           "jackd",
           "--no-realtime",
           "-n",
           server,
           "-d",
           "dummy",
           "-r",
           "48000",
           "-p",
           "1024",
           (char*)NULL);
    _exit(127);
  }
  // Until the server answers (bounded: 20 s, whatever the machine's load)
  jack_client_t* probe = NULL;
  for (int i = 0; i < 400 && !probe; ++i) {
    jack_status_t st = (jack_status_t)0;
    probe            = jack_client_open(
      "probe", JackNoStartServer | JackServerName, &st, server);
    if (!probe) {
      assert_int_equal(waitpid(jackd, NULL, WNOHANG), 0); // still running
      const struct timespec ts = { 0, 50000000L };
      nanosleep(&ts, NULL);
    }
  }
  assert_non_null(probe);

  DspAgentConfig cfg;
  char           msg[640];
  const unsigned port = free_port();
  config_for(&cfg, server, port);
  // First: the agent (its child process) loads it, and it listens on the port
  const DspNetmanagerResult r1 = run_job(&cfg, msg, sizeof(msg));
  printf("%s\n", msg);
  assert_int_equal(r1, DSP_NETMANAGER_LOADED);
  assert_true(dsp_agent_udp_port_bound(port));
  jack_status_t st = (jack_status_t)0;
  assert_true(jack_internal_client_handle(probe, "netmanager", &st) != 0);

  // Again (an agent restart): found, not loaded twice
  assert_int_equal(dsp_agent_netmanager_ensure(&cfg, 10000U, msg, sizeof(msg)),
                   DSP_NETMANAGER_ALREADY);
  printf("%s\n", msg);
  assert_non_null(strstr(msg, "already loaded"));
  st = (jack_status_t)0;
  assert_int_equal(jack_internal_client_handle(probe, "netmanager-01", &st), 0);
  dsp_agent_config_cleanup(&cfg);

  // Configured with another port than the loaded manager's: an error
  const unsigned other = free_port();
  config_for(&cfg, server, other);
  assert_int_equal(dsp_agent_netmanager_ensure(&cfg, 1000U, msg, sizeof(msg)),
                   DSP_NETMANAGER_FAILED);
  printf("%s\n", msg);
  assert_non_null(strstr(msg, "another -p"));
  dsp_agent_config_cleanup(&cfg);

  // Unloaded, and the port taken by someone else: refused before loading
  st = (jack_status_t)0;
  const jack_intclient_t h =
    jack_internal_client_handle(probe, "netmanager", &st);
  assert_int_equal(jack_internal_client_unload(probe, h), 0);
  for (int i = 0; i < 200 && dsp_agent_udp_port_bound(port); ++i) {
    const struct timespec ts = { 0, 50000000L };
    nanosleep(&ts, NULL);
  }
  assert_false(dsp_agent_udp_port_bound(port));
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port   = htons((uint16_t)port);
  assert_int_equal(bind(fd, (struct sockaddr*)&a, sizeof(a)), 0);
  config_for(&cfg, server, port);
  assert_int_equal(dsp_agent_netmanager_ensure(&cfg, 1000U, msg, sizeof(msg)),
                   DSP_NETMANAGER_FAILED);
  printf("%s\n", msg);
  assert_non_null(strstr(msg, "is taken by another socket"));
  st = (jack_status_t)0;
  assert_int_equal(jack_internal_client_handle(probe, "netmanager", &st), 0);
  close(fd);
  dsp_agent_config_cleanup(&cfg);

  jack_client_close(probe);
  kill(jackd, SIGTERM);
  waitpid(jackd, NULL, 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_config_and_init), cmocka_unit_test(test_proc_net_udp),
    cmocka_unit_test(test_status_words),    cmocka_unit_test(test_no_server),
    cmocka_unit_test(test_real_jackd),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
