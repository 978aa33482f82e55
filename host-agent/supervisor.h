// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_SUPERVISOR_H
#define DSP_AGENT_SUPERVISOR_H

#include "agent_config.h"

#include <stdint.h>

/**
   @file supervisor.h
   The agent's main loop: start QEMU, hold its QMP connection, pin the
   vCPU, health-check the engine over OSC, relay OSC, restart with backoff,
   and keep `RUN_DIR/status.json` current for `dspagent status`.
*/

/// Backoff before restart number `failures` (0-based): initial * 2^n, capped.
unsigned dsp_agent_backoff_ms(const DspAgentConfig* cfg, unsigned failures);

/**
   Run until SIGINT/SIGTERM (or until the VM stops for good under the
   restart policy).  Returns the process exit status.
*/
int dsp_agent_run(const DspAgentConfig* cfg);

#endif // DSP_AGENT_SUPERVISOR_H
