// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "accel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/// Exit status QEMU gives for isa-debug-exit value 0x2a: (0x2a << 1) | 1
#define PROBE_EXIT 85

static int
kvm_api_version(void)
{
  const int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return -errno;
  }
  const int v = ioctl(fd, KVM_GET_API_VERSION, 0);
  close(fd);
  return v;
}

/// Run a boot sector under KVM; return QEMU's exit status or -1.
static int
kvm_probe(const char* const qemu, char* const why, const size_t why_size)
{
  // mov al, 0x2a; out 0xf4, al; hlt; jmp $-1 ... 0x55 0xaa
  unsigned char sector[512] = { 0xb0, 0x2a, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd };
  sector[510]               = 0x55;
  sector[511]               = 0xaa;
  char      path[]          = "/tmp/dspagent-kvmprobe-XXXXXX";
  const int fd              = mkstemp(path);
  if (fd < 0 || write(fd, sector, sizeof(sector)) != (ssize_t)sizeof(sector)) {
    snprintf(why, why_size, "cannot write a probe file: %s", strerror(errno));
    if (fd >= 0) {
      close(fd);
      unlink(path);
    }
    return -1;
  }
  close(fd);

  char drive[128];
  snprintf(drive, sizeof(drive), "file=%s,format=raw,if=ide", path);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    execlp(qemu,
           qemu,
           "-accel",
           "kvm",
           "-cpu",
           "host",
           "-nodefaults",
           "-display",
           "none",
           "-m",
           "16",
           "-device",
           "isa-debug-exit,iobase=0xf4,iosize=4",
           "-drive",
           drive,
           (char*)NULL);
    _exit(127);
  }
  int status = -1;
  if (pid > 0) {
    // 3 s is ample: KVM runs this in well under 100 ms
    for (int i = 0; i < 300; ++i) {
      const pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        break;
      }
      if (i == 299) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        status = -2;
        break;
      }
      const struct timespec ten_ms = { 0, 10000000L };
      nanosleep(&ten_ms, NULL);
    }
  }
  unlink(path);
  if (status == -2) {
    snprintf(why, why_size, "the KVM probe did not finish in 3 s");
    return -1;
  }
  if (status >= 0 && WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (status >= 0 && WIFSIGNALED(status)) {
    snprintf(why,
             why_size,
             "the KVM probe died of signal %d (QEMU aborted under KVM)",
             WTERMSIG(status));
    return -1;
  }
  snprintf(why, why_size, "cannot run %s", qemu);
  return -1;
}

DspAccel
dsp_agent_accel_choose(const DspAgentConfig* const cfg,
                       char* const                 why,
                       const size_t                why_size)
{
  if (cfg->accel == DSP_ACCEL_KVM) {
    snprintf(why, why_size, "KVM: forced by the configuration (accel = kvm)");
    return DSP_ACCEL_KVM;
  }
  if (cfg->accel == DSP_ACCEL_TCG) {
    snprintf(why, why_size, "TCG: forced by the configuration (accel = tcg)");
    return DSP_ACCEL_TCG;
  }
  const int api = kvm_api_version();
  if (api < 0) {
    snprintf(why, why_size, "TCG: /dev/kvm: %s", strerror(-api));
    return DSP_ACCEL_TCG;
  }
  if (api != KVM_API_VERSION) {
    snprintf(why, why_size, "TCG: /dev/kvm reports API version %d", api);
    return DSP_ACCEL_TCG;
  }
  char      detail[160] = "";
  const int rc          = kvm_probe(cfg->qemu, detail, sizeof(detail));
  if (rc == PROBE_EXIT) {
    snprintf(why, why_size, "KVM: /dev/kvm works and a probe guest ran");
    return DSP_ACCEL_KVM;
  }
  if (!detail[0]) {
    snprintf(detail, sizeof(detail), "the KVM probe exited with status %d", rc);
  }
  snprintf(why,
           why_size,
           "TCG: /dev/kvm answers (API %d) but cannot run a guest: %s",
           api,
           detail);
  return DSP_ACCEL_TCG;
}
