// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The configuration file parser: every key, defaults, and errors that
// name the line and what was expected.

#include "agent_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

static const char* const full = "# a full configuration\n"
                                "[vm]\n"
                                "qemu = /usr/bin/qemu-system-x86_64\n"
                                "accel = tcg   # emulation\n"
                                "machine = pc\n"
                                "kernel = /boot/vmlinuz\n"
                                "initrd = /boot/initrd\n"
                                "append = console=ttyS0 quiet\n"
                                "memory = 768\n"
                                "core = 3\n"
                                "fifo_priority = 70\n"
                                "vfio = 0000:03:00.0\n"
                                "vfio = 0000:03:00.1\n"
                                "extra_arg = -no-reboot\n"
                                "run_dir = /tmp/agent\n"
                                "console_log = /tmp/agent/con.log\n"
                                "\n"
                                "[state]\n"
                                "file = /dev/shm/dsp-state\n"
                                "size = 32M\n"
                                "[osc]\n"
                                "guest_port = 9100\n"
                                "forward_port = 19100\n"
                                "listen = 0.0.0.0:9000\n"
                                "allow = 192.168.1.0/24, 10.1.2.3\n"
                                "[health]\n"
                                "mode = osc\n"
                                "interval_ms = 500\n"
                                "timeout_ms = 4000\n"
                                "boot_grace_ms = 20000\n"
                                "[restart]\n"
                                "policy = on-failure\n"
                                "backoff_initial_ms = 100\n"
                                "backoff_max_ms = 800\n"
                                "backoff_reset_ms = 5000\n"
                                "max_restarts = 7\n"
                                "[audio]\n"
                                "netjack = yes\n"
                                "netjack_port = 4714\n"
                                "netjack_master = 192.168.7.1\n"
                                "netjack_name = studio-vm\n"
                                "netjack_channels = 4\n"
                                "netjack_latency = 3\n";

static void
test_full(void** state)
{
  (void)state;
  DspAgentConfig cfg;
  char           err[256] = "";
  dsp_agent_config_init(&cfg);
  assert_int_equal(
    dsp_agent_config_parse(&cfg, full, "t.conf", err, sizeof(err)), 0);
  assert_string_equal(cfg.qemu, "/usr/bin/qemu-system-x86_64");
  assert_int_equal(cfg.accel, DSP_ACCEL_TCG);
  assert_string_equal(cfg.machine, "pc");
  assert_string_equal(cfg.kernel, "/boot/vmlinuz");
  assert_string_equal(cfg.initrd, "/boot/initrd");
  assert_string_equal(cfg.append, "console=ttyS0 quiet");
  assert_null(cfg.disk);
  assert_int_equal(cfg.memory_mib, 768);
  assert_int_equal(cfg.core, 3);
  assert_int_equal(cfg.fifo_priority, 70);
  assert_int_equal(cfg.n_vfio, 2);
  assert_string_equal(cfg.vfio[0], "0000:03:00.0");
  assert_string_equal(cfg.vfio[1], "0000:03:00.1");
  assert_int_equal(cfg.n_extra, 1);
  assert_string_equal(cfg.extra[0], "-no-reboot");
  assert_string_equal(cfg.run_dir, "/tmp/agent");
  assert_string_equal(cfg.console_log, "/tmp/agent/con.log");
  assert_string_equal(cfg.state_file, "/dev/shm/dsp-state");
  assert_int_equal(cfg.state_size, 32U * 1024U * 1024U);
  assert_int_equal(cfg.guest_port, 9100);
  assert_int_equal(cfg.forward_port, 19100);
  assert_string_equal(cfg.listen_addr, "0.0.0.0");
  assert_int_equal(cfg.listen_port, 9000);
  assert_int_equal(cfg.n_allow, 2);
  assert_int_equal(cfg.health, DSP_HEALTH_OSC);
  assert_int_equal(cfg.health_interval, 500);
  assert_int_equal(cfg.health_timeout, 4000);
  assert_int_equal(cfg.boot_grace, 20000);
  assert_int_equal(cfg.restart, DSP_RESTART_ON_FAILURE);
  assert_int_equal(cfg.backoff_initial, 100);
  assert_int_equal(cfg.backoff_max, 800);
  assert_int_equal(cfg.backoff_reset, 5000);
  assert_int_equal(cfg.max_restarts, 7);
  assert_true(cfg.netjack);
  assert_int_equal(cfg.netjack_port, 4714);
  assert_string_equal(cfg.netjack_master, "192.168.7.1");
  assert_string_equal(cfg.netjack_name, "studio-vm");
  assert_int_equal(cfg.netjack_channels, 4);
  assert_int_equal(cfg.netjack_latency, 3);

  // Allow-list: loopback always; the two entries; nothing else
  assert_true(dsp_agent_config_allows(&cfg, ntohl(inet_addr("127.0.0.1"))));
  assert_true(dsp_agent_config_allows(&cfg, ntohl(inet_addr("192.168.1.77"))));
  assert_true(dsp_agent_config_allows(&cfg, ntohl(inet_addr("10.1.2.3"))));
  assert_false(dsp_agent_config_allows(&cfg, ntohl(inet_addr("10.1.2.4"))));
  assert_false(dsp_agent_config_allows(&cfg, ntohl(inet_addr("192.168.2.1"))));
  dsp_agent_config_cleanup(&cfg);
  assert_null(cfg.qemu);
}

static void
test_defaults(void** state)
{
  (void)state;
  DspAgentConfig cfg;
  char           err[256] = "";
  dsp_agent_config_init(&cfg);
  assert_int_equal(
    dsp_agent_config_parse(&cfg,
                           "[vm]\nkernel = k\n[state]\nfile = s\n",
                           "t.conf",
                           err,
                           sizeof(err)),
    0);
  assert_string_equal(cfg.qemu, "qemu-system-x86_64");
  assert_string_equal(cfg.machine, "q35");
  assert_string_equal(cfg.append, "console=ttyS0");
  assert_string_equal(cfg.listen_addr, "127.0.0.1");
  assert_int_equal(cfg.listen_port, 0);
  assert_int_equal(cfg.accel, DSP_ACCEL_AUTO);
  assert_int_equal(cfg.core, -1);
  assert_int_equal(cfg.memory_mib, 512);
  assert_int_equal(cfg.state_size, 16U * 1024U * 1024U);
  assert_int_equal(cfg.restart, DSP_RESTART_ALWAYS);
  assert_false(cfg.netjack);
  assert_int_equal(cfg.netjack_port, 4713);
  assert_string_equal(cfg.netjack_master, "10.0.2.2");
  assert_string_equal(cfg.netjack_name, "dspguest");
  assert_int_equal(cfg.netjack_channels, 2);
  assert_int_equal(cfg.netjack_latency, 2);
  assert_false(dsp_agent_config_allows(&cfg, ntohl(inet_addr("10.0.0.1"))));
  dsp_agent_config_cleanup(&cfg);
}

static void
expect_error(const char* const text, const char* const message)
{
  DspAgentConfig cfg;
  char           err[256] = "";
  dsp_agent_config_init(&cfg);
  assert_int_equal(
    dsp_agent_config_parse(&cfg, text, "t.conf", err, sizeof(err)), -1);
  if (!strstr(err, message)) {
    fail_msg("expected \"%s\" in \"%s\"", message, err);
  }
  dsp_agent_config_cleanup(&cfg);
}

static void
test_errors(void** state)
{
  (void)state;
  expect_error("[vm]\nmemory = lots\n",
               "t.conf:2: memory: expected an integer");
  expect_error("[vm]\nkernel = k\nbogus = 1\n",
               "t.conf:3: unknown key \"bogus\" in [vm]");
  expect_error("[nope]\nx = 1\n", "t.conf:2: unknown section [nope]");
  expect_error("kernel = k\n", "t.conf:1: key \"kernel\" before any [section]");
  expect_error("[vm]\njust words\n", "t.conf:2: expected key = value");
  expect_error("[vm\n", "t.conf:1: expected [section]");
  expect_error("[vm]\naccel = fast\n", "accel: expected auto, kvm or tcg");
  expect_error("[vm]\ncore = 5000\n", "core: expected an integer 0..4095");
  expect_error("[state]\nsize = 3X\n", "size: expected a size such as 16M");
  expect_error("[osc]\nallow = 300.1.1.1\n",
               "allow: \"300.1.1.1\": expected an IPv4 or IPv6 address");
  expect_error("[osc]\nallow = 10.0.0.0/40\n",
               "allow: \"10.0.0.0/40\": prefix length \"40\" must be 0 to 32");
  expect_error("[osc]\nlisten = nowhere:9\n", "listen: expected ADDR:PORT");
  expect_error("[restart]\npolicy = sometimes\n",
               "policy: expected always, on-failure or never");
  expect_error("[audio]\nnetjack = maybe\n", "netjack: expected true or false");
  expect_error("[audio]\nnetjack_master = host\n",
               "t.conf:2: netjack_master: expected an IPv4 address");
  expect_error("[audio]\nnetjack_name = a b\n",
               "netjack_name: expected 1 to 31 characters");
  expect_error("[audio]\nnetjack_channels = 0\n",
               "netjack_channels: expected 1 to 64, got 0");
  expect_error("[audio]\nnetjack_latency = 11\n", "netjack_latency: expected");
  expect_error("[state]\nfile = s\n",
               "[vm] needs exactly one of kernel or disk");
  expect_error("[vm]\nkernel = k\ndisk = d\n[state]\nfile = s\n",
               "[vm] needs exactly one of kernel or disk");
  expect_error("[vm]\nkernel = k\n", "[state] file is required");
  expect_error("[vm]\nkernel = k\n[state]\nfile = s\nsize = 24M\n",
               "size must be a power of two");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_full),
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
