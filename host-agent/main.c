// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "accel.h"
#include "agent_config.h"
#include "qemu_cmd.h"
#include "status.h"
#include "supervisor.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void
usage(FILE* const out)
{
  fputs("Usage: dspagent run -c CONFIG\n"
        "       dspagent status -c CONFIG [--json]\n"
        "       dspagent command -c CONFIG\n"
        "       dspagent probe -c CONFIG\n"
        "\n"
        "Runs the dspengine guest VM on an isolated core and keeps it alive\n"
        "(docs/agent.md).\n"
        "\n"
        "  run      Start QEMU and supervise it until SIGINT/SIGTERM\n"
        "  status   VM state, uptime, restarts, and the engine's graph and\n"
        "           parameters read from the state region\n"
        "  command  Print the QEMU command line the agent would run\n"
        "  probe    Say whether KVM or TCG would be used, and why\n"
        "  -c FILE  Configuration file\n",
        out);
}

int
main(int argc, char** argv)
{
  const char* conf = NULL;
  bool        json = false;
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char* const cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return 0;
  }
  for (int i = 2; i < argc; ++i) {
    if (!strcmp(argv[i], "-c") && i + 1 < argc) {
      conf = argv[++i];
    } else if (!strcmp(argv[i], "--json")) {
      json = true;
    } else {
      fprintf(stderr, "dspagent: unknown argument \"%s\"\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  if (!conf) {
    fprintf(stderr, "dspagent: -c CONFIG is required\n");
    return 2;
  }

  DspAgentConfig cfg;
  char           err[512];
  dsp_agent_config_init(&cfg);
  if (dsp_agent_config_load(&cfg, conf, err, sizeof(err))) {
    fprintf(stderr, "dspagent: %s\n", err);
    dsp_agent_config_cleanup(&cfg);
    return 2;
  }

  int rc = 2;
  if (!strcmp(cmd, "run")) {
    rc = dsp_agent_run(&cfg);
  } else if (!strcmp(cmd, "status")) {
    rc = dsp_agent_status(&cfg, json);
  } else if (!strcmp(cmd, "probe") || !strcmp(cmd, "command")) {
    char           why[256];
    const DspAccel accel = dsp_agent_accel_choose(&cfg, why, sizeof(why));
    if (!strcmp(cmd, "probe")) {
      printf("%s\n", why);
      rc = 0;
    } else {
      DspAgentPaths paths;
      DspArgv       args;
      if (!dsp_agent_paths(&cfg, &paths) &&
          !dsp_agent_qemu_argv(&cfg, accel, &paths, &args)) {
        for (size_t i = 0U; i < args.n; ++i) {
          printf("%s%s", i ? " \\\n  " : "", args.argv[i]);
        }
        printf("\n");
        dsp_argv_cleanup(&args);
        rc = 0;
      }
    }
  } else {
    fprintf(stderr, "dspagent: unknown command \"%s\"\n", cmd);
    usage(stderr);
  }
  dsp_agent_config_cleanup(&cfg);
  return rc;
}
