// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_QEMU_CMD_H
#define DSP_AGENT_QEMU_CMD_H

#include "agent_config.h"

#include <stddef.h>

/**
   @file qemu_cmd.h
   The QEMU command line, built by a pure function of the configuration
   (tests/test_qemu_cmd.c checks it argument by argument).
*/

/// A NULL-terminated argument vector.
typedef struct {
  size_t n;    ///< Number of arguments (without the NULL)
  size_t cap;  ///< Allocated entries
  char** argv; ///< Arguments, each owned, then NULL
} DspArgv;

/// Free every argument; `argv` may be zeroed or already freed.
void dsp_argv_cleanup(DspArgv* argv);

/// Paths derived from [vm] run_dir.
typedef struct {
  char qmp[256];     ///< QMP socket
  char console[256]; ///< Serial console socket (for sending keys/commands)
  char log[256];     ///< Serial console log
} DspAgentPaths;

/// Fill `paths` from the configuration.  Returns -1 if a path is too long.
int dsp_agent_paths(const DspAgentConfig* cfg, DspAgentPaths* paths);

/**
   Build the QEMU command line.

   @param accel DSP_ACCEL_KVM or DSP_ACCEL_TCG (already resolved).
   @param argv Receives the arguments; free with dsp_argv_cleanup().
   @return 0, or -1 when out of memory.
*/
int dsp_agent_qemu_argv(const DspAgentConfig* cfg,
                        DspAccel              accel,
                        const DspAgentPaths*  paths,
                        DspArgv*              argv);

#endif // DSP_AGENT_QEMU_CMD_H
