// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#define _GNU_SOURCE

#include "qemu_cmd.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
dsp_argv_cleanup(DspArgv* const argv)
{
  for (size_t i = 0U; i < argv->n; ++i) {
    free(argv->argv[i]);
  }
  free(argv->argv);
  memset(argv, 0, sizeof(*argv));
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
add(DspArgv* const argv, const char* const fmt, ...)
{
  if (argv->n + 2U > argv->cap) {
    const size_t cap = argv->cap ? argv->cap * 2U : 64U;
    char** const big = (char**)realloc(argv->argv, cap * sizeof(char*));
    if (!big) {
      return -1;
    }
    argv->argv = big;
    argv->cap  = cap;
  }
  va_list args;
  va_start(args, fmt);
  char*     s = NULL;
  const int n = vasprintf(&s, fmt, args);
  va_end(args);
  if (n < 0) {
    return -1;
  }
  argv->argv[argv->n++] = s;
  argv->argv[argv->n]   = NULL;
  return 0;
}

int
dsp_agent_paths(const DspAgentConfig* const cfg, DspAgentPaths* const paths)
{
  const int a =
    snprintf(paths->qmp, sizeof(paths->qmp), "%s/qmp.sock", cfg->run_dir);
  const int b = snprintf(
    paths->console, sizeof(paths->console), "%s/console.sock", cfg->run_dir);
  const int c =
    cfg->console_log
      ? snprintf(paths->log, sizeof(paths->log), "%s", cfg->console_log)
      : snprintf(
          paths->log, sizeof(paths->log), "%s/console.log", cfg->run_dir);
  // A unix socket path must fit sockaddr_un (108 bytes)
  return (a < 0 || a >= 108 || b < 0 || b >= 108 || c < 0 ||
          (size_t)c >= sizeof(paths->log))
           ? -1
           : 0;
}

/// A read-only raw virtio disk of FILE with serial (and id) NAME.
static int
boot_disk(DspArgv* const argv, const char* const name, const char* const file)
{
  return add(argv, "-drive") |
         add(argv, "file=%s,if=none,id=%s,format=raw,readonly=on", file, name) |
         add(argv, "-device") |
         add(argv, "virtio-blk-pci,drive=%s,serial=%s", name, name);
}

int
dsp_agent_qemu_argv(const DspAgentConfig* const cfg,
                    const DspAccel              accel,
                    const DspAgentPaths* const  paths,
                    DspArgv* const              argv)
{
  memset(argv, 0, sizeof(*argv));
  int rc = add(argv, "%s", cfg->qemu);
  rc |= add(argv, "-name") | add(argv, "dspguest,debug-threads=on");
  rc |= add(argv, "-machine") | add(argv, "%s", cfg->machine);
  if (accel == DSP_ACCEL_KVM) {
    rc |= add(argv, "-enable-kvm") | add(argv, "-cpu") | add(argv, "host");
  } else if (cfg->tcg_tb_size) {
    // A translation cache that fills and is flushed now and then: after a
    // kexec, blocks translated from the previous kernel's code stay in it
    // and every write to those pages takes QEMU's self-modifying-code
    // path; the new kernel unpacked its initramfs 10x slower with QEMU's
    // default (1 GiB) cache (bench/vm/README.md)
    rc |= add(argv, "-accel") | add(argv, "tcg,tb-size=%u", cfg->tcg_tb_size) |
          add(argv, "-cpu") | add(argv, "max");
  } else {
    rc |= add(argv, "-accel") | add(argv, "tcg") | add(argv, "-cpu") |
          add(argv, "max");
  }
  rc |= add(argv, "-smp") | add(argv, "1");
  rc |= add(argv, "-m") | add(argv, "%u", cfg->memory_mib);
  rc |= add(argv, "-nodefaults") | add(argv, "-no-user-config");
  rc |= add(argv, "-display") | add(argv, "none");

  // Serial console: a socket for commands, everything logged to a file
  rc |= add(argv, "-chardev") |
        add(argv,
            "socket,id=con0,path=%s,server=on,wait=off,logfile=%s,logappend=on",
            paths->console,
            paths->log);
  rc |= add(argv, "-serial") | add(argv, "chardev:con0");
  rc |= add(argv, "-qmp") | add(argv, "unix:%s,server=on,wait=off", paths->qmp);
  // Keep a panicked guest for the agent to see (GUEST_PANICKED) and reset
  rc |= add(argv, "-action") | add(argv, "panic=pause");
  rc |= add(argv, "-device") | add(argv, "pvpanic");

  if (cfg->kernel) {
    rc |= add(argv, "-kernel") | add(argv, "%s", cfg->kernel);
    if (cfg->initrd) {
      rc |= add(argv, "-initrd") | add(argv, "%s", cfg->initrd);
    }
    // The guest's /init reads its settings from the command line
    char netjack[160] = "";
    if (cfg->netjack) {
      snprintf(netjack,
               sizeof(netjack),
               " dspguest.netjack=%s:%u dspguest.netjack_name=%s"
               " dspguest.netjack_channels=%u dspguest.netjack_latency=%u",
               cfg->netjack_master,
               cfg->netjack_port,
               cfg->netjack_name,
               cfg->netjack_channels,
               cfg->netjack_latency);
    }
    rc |= add(argv, "-append") | add(argv,
                                     "%s dspguest.osc_port=%u%s",
                                     cfg->append,
                                     cfg->guest_port,
                                     netjack);
    // The same files as read-only virtio disks, found by their serials: the
    // guest kexecs them as they are (an initramfs cannot read the archive
    // it came from; rebuilding it costs seconds and an uncompressed initrd)
    if (cfg->boot_disks) {
      rc |= boot_disk(argv, "dspkernel", cfg->kernel);
      if (cfg->initrd) {
        rc |= boot_disk(argv, "dspinitrd", cfg->initrd);
      }
    }
  } else {
    rc |= add(argv, "-drive") |
          add(argv, "file=%s,if=virtio,format=raw", cfg->disk);
  }

  // The state region: a shared file, seen by the guest as the ivshmem BAR
  rc |=
    add(argv, "-object") |
    add(argv,
        "memory-backend-file,id=dspstate,size=%" PRIu64 ",mem-path=%s,share=on",
        cfg->state_size,
        cfg->state_file);
  rc |= add(argv, "-device") | add(argv, "ivshmem-plain,memdev=dspstate");

  // User-mode network; only loopback on the host reaches the guest's ports.
  // NetJack2 needs no forwarding: the guest's slave starts every exchange
  // with the host's master (10.0.2.2) and user-mode NAT carries the replies.
  rc |= add(argv, "-netdev") | add(argv,
                                   "user,id=n0,hostfwd=udp:127.0.0.1:%u-:%u",
                                   cfg->forward_port,
                                   cfg->guest_port);
  rc |= add(argv, "-device") | add(argv, "virtio-net-pci,netdev=n0");

  for (size_t i = 0U; i < cfg->n_vfio; ++i) {
    rc |= add(argv, "-device") | add(argv, "vfio-pci,host=%s", cfg->vfio[i]);
  }
  for (size_t i = 0U; i < cfg->n_extra; ++i) {
    rc |= add(argv, "%s", cfg->extra[i]);
  }
  if (rc) {
    dsp_argv_cleanup(argv);
    return -1;
  }
  return 0;
}
