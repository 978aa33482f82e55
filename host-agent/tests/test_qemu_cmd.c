// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The QEMU command line, argument by argument, on the KVM path with VFIO
// (which this machine cannot run) and on the TCG path.

#include "agent_config.h"
#include "qemu_cmd.h"
#include "supervisor.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

static const char* const conf = "[vm]\n"
                                "qemu = /opt/qemu\n"
                                "kernel = /g/vmlinuz\n"
                                "initrd = /g/initrd\n"
                                "append = console=ttyS0 quiet\n"
                                "memory = 768\n"
                                "core = 3\n"
                                "vfio = 0000:03:00.0\n"
                                "vfio = 0000:04:00.1\n"
                                "run_dir = /run/a\n"
                                "[state]\n"
                                "file = /dev/shm/st\n"
                                "size = 16M\n"
                                "[osc]\n"
                                "guest_port = 9000\n"
                                "forward_port = 19000\n"
                                "[audio]\n"
                                "netjack = true\n"
                                "netjack_port = 4714\n"
                                "netjack_name = vm1\n";

static void
load(DspAgentConfig* const cfg, const char* const text)
{
  char err[256] = "";
  dsp_agent_config_init(cfg);
  if (dsp_agent_config_parse(cfg, text, "t.conf", err, sizeof(err))) {
    fail_msg("%s", err);
  }
}

/// Check argv[*i] == a and advance.
static void
expect(const DspArgv* const argv, size_t* const i, const char* const a)
{
  if (*i >= argv->n) {
    fail_msg("argument %zu: expected \"%s\", got the end", *i, a);
  }
  if (strcmp(argv->argv[*i], a)) {
    fail_msg(
      "argument %zu: expected \"%s\", got \"%s\"", *i, a, argv->argv[*i]);
  }
  ++*i;
}

static void
test_kvm_vfio(void** state)
{
  (void)state;
  DspAgentConfig cfg;
  DspAgentPaths  paths;
  DspArgv        argv;
  load(&cfg, conf);
  assert_int_equal(dsp_agent_paths(&cfg, &paths), 0);
  assert_int_equal(dsp_agent_qemu_argv(&cfg, DSP_ACCEL_KVM, &paths, &argv), 0);

  size_t i = 0U;
  expect(&argv, &i, "/opt/qemu");
  expect(&argv, &i, "-name");
  expect(&argv, &i, "dspguest,debug-threads=on");
  expect(&argv, &i, "-machine");
  expect(&argv, &i, "q35");
  expect(&argv, &i, "-enable-kvm");
  expect(&argv, &i, "-cpu");
  expect(&argv, &i, "host");
  expect(&argv, &i, "-smp");
  expect(&argv, &i, "1");
  expect(&argv, &i, "-m");
  expect(&argv, &i, "768");
  expect(&argv, &i, "-nodefaults");
  expect(&argv, &i, "-no-user-config");
  expect(&argv, &i, "-display");
  expect(&argv, &i, "none");
  expect(&argv, &i, "-chardev");
  expect(&argv,
         &i,
         "socket,id=con0,path=/run/a/console.sock,server=on,wait=off,"
         "logfile=/run/a/console.log,logappend=on");
  expect(&argv, &i, "-serial");
  expect(&argv, &i, "chardev:con0");
  expect(&argv, &i, "-qmp");
  expect(&argv, &i, "unix:/run/a/qmp.sock,server=on,wait=off");
  expect(&argv, &i, "-action");
  expect(&argv, &i, "panic=pause");
  expect(&argv, &i, "-device");
  expect(&argv, &i, "pvpanic");
  expect(&argv, &i, "-kernel");
  expect(&argv, &i, "/g/vmlinuz");
  expect(&argv, &i, "-initrd");
  expect(&argv, &i, "/g/initrd");
  expect(&argv, &i, "-append");
  expect(&argv,
         &i,
         "console=ttyS0 quiet dspguest.osc_port=9000 "
         "dspguest.netjack=10.0.2.2:4714 dspguest.netjack_name=vm1 "
         "dspguest.netjack_channels=2 dspguest.netjack_latency=2");
  expect(&argv, &i, "-drive");
  expect(
    &argv, &i, "file=/g/vmlinuz,if=none,id=dspkernel,format=raw,readonly=on");
  expect(&argv, &i, "-device");
  expect(&argv, &i, "virtio-blk-pci,drive=dspkernel,serial=dspkernel");
  expect(&argv, &i, "-drive");
  expect(
    &argv, &i, "file=/g/initrd,if=none,id=dspinitrd,format=raw,readonly=on");
  expect(&argv, &i, "-device");
  expect(&argv, &i, "virtio-blk-pci,drive=dspinitrd,serial=dspinitrd");
  expect(&argv, &i, "-object");
  expect(&argv,
         &i,
         "memory-backend-file,id=dspstate,size=16777216,mem-path=/dev/shm/st,"
         "share=on");
  expect(&argv, &i, "-device");
  expect(&argv, &i, "ivshmem-plain,memdev=dspstate");
  expect(&argv, &i, "-netdev");
  // No forwarding for NetJack2: the guest's slave reaches the host
  expect(&argv, &i, "user,id=n0,hostfwd=udp:127.0.0.1:19000-:9000");
  expect(&argv, &i, "-device");
  expect(&argv, &i, "virtio-net-pci,netdev=n0");
  expect(&argv, &i, "-device");
  expect(&argv, &i, "vfio-pci,host=0000:03:00.0");
  expect(&argv, &i, "-device");
  expect(&argv, &i, "vfio-pci,host=0000:04:00.1");
  assert_int_equal(i, argv.n);
  assert_null(argv.argv[argv.n]);
  dsp_argv_cleanup(&argv);
  dsp_agent_config_cleanup(&cfg);
}

static void
test_tcg_disk(void** state)
{
  (void)state;
  DspAgentConfig cfg;
  DspAgentPaths  paths;
  DspArgv        argv;
  load(
    &cfg,
    "[vm]\ndisk = /g/disk.img\nextra_arg = -no-reboot\nconsole_log = /l/c.log\n"
    "run_dir = /r\n[state]\nfile = /s\n");
  assert_int_equal(dsp_agent_paths(&cfg, &paths), 0);
  assert_string_equal(paths.log, "/l/c.log");
  assert_int_equal(dsp_agent_qemu_argv(&cfg, DSP_ACCEL_TCG, &paths, &argv), 0);

  size_t i = 5U; // after qemu, -name x, -machine x
  expect(&argv, &i, "-accel");
  expect(&argv, &i, "tcg,tb-size=64"); // the default
  expect(&argv, &i, "-cpu");
  expect(&argv, &i, "max");
  expect(&argv, &i, "-smp");
  expect(&argv, &i, "1");
  expect(&argv, &i, "-m");
  expect(&argv, &i, "512");
  // No -kernel/-initrd/-append, a virtio disk instead; no VFIO, no NetJack
  for (size_t j = 0U; j < argv.n; ++j) {
    assert_string_not_equal(argv.argv[j], "-kernel");
    assert_string_not_equal(argv.argv[j], "-enable-kvm");
    assert_null(strstr(argv.argv[j], "vfio"));
    assert_null(strstr(argv.argv[j], "4713"));
  }
  i = 27U;
  expect(&argv, &i, "-drive");
  expect(&argv, &i, "file=/g/disk.img,if=virtio,format=raw");
  i = argv.n - 1U;
  expect(&argv, &i, "-no-reboot");
  dsp_argv_cleanup(&argv);
  dsp_agent_config_cleanup(&cfg);
}

static void
test_no_boot_disks(void** state)
{
  (void)state;
  DspAgentConfig cfg;
  DspAgentPaths  paths;
  DspArgv        argv;
  load(&cfg,
       "[vm]\nkernel = /k\ninitrd = /i\nboot_disks = false\n"
       "tcg_tb_size = 0\n[state]\nfile = /s\n");
  assert_false(cfg.boot_disks);
  assert_int_equal(dsp_agent_paths(&cfg, &paths), 0);
  assert_int_equal(dsp_agent_qemu_argv(&cfg, DSP_ACCEL_TCG, &paths, &argv), 0);
  for (size_t j = 0U; j < argv.n; ++j) {
    assert_string_not_equal(argv.argv[j], "-drive");
    assert_null(strstr(argv.argv[j], "virtio-blk"));
  }
  size_t i = 5U; // QEMU's own translation cache size
  expect(&argv, &i, "-accel");
  expect(&argv, &i, "tcg");
  dsp_argv_cleanup(&argv);
  dsp_agent_config_cleanup(&cfg);

  // A kernel without an initrd: only the kernel's disk
  load(&cfg, "[vm]\nkernel = /k\n[state]\nfile = /s\n");
  assert_int_equal(dsp_agent_qemu_argv(&cfg, DSP_ACCEL_TCG, &paths, &argv), 0);
  size_t n = 0U;
  for (size_t j = 0U; j < argv.n; ++j) {
    n += !strcmp(argv.argv[j], "-drive");
    assert_null(strstr(argv.argv[j], "dspinitrd"));
  }
  assert_int_equal(n, 1U);
  dsp_argv_cleanup(&argv);
  dsp_agent_config_cleanup(&cfg);
}

static void
test_backoff(void** state)
{
  (void)state;
  DspAgentConfig cfg;
  load(&cfg,
       "[vm]\nkernel = k\n[state]\nfile = s\n[restart]\n"
       "backoff_initial_ms = 100\nbackoff_max_ms = 1000\n");
  assert_int_equal(dsp_agent_backoff_ms(&cfg, 0U), 100);
  assert_int_equal(dsp_agent_backoff_ms(&cfg, 1U), 200);
  assert_int_equal(dsp_agent_backoff_ms(&cfg, 3U), 800);
  assert_int_equal(dsp_agent_backoff_ms(&cfg, 4U), 1000);
  assert_int_equal(dsp_agent_backoff_ms(&cfg, 1000U), 1000);
  dsp_agent_config_cleanup(&cfg);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_kvm_vfio),
    cmocka_unit_test(test_tcg_disk),
    cmocka_unit_test(test_no_boot_disks),
    cmocka_unit_test(test_backoff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
