// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_STATUS_H
#define DSP_AGENT_STATUS_H

#include "agent_config.h"

#include <stdbool.h>

/**
   `dspagent status`: the VM's state from RUN_DIR/status.json (written by
   the running agent), then the engine's graph and parameters read from the
   state region on the host side (engine/state's reader).

   @return 0 if the agent runs and a checkpoint was printed, 1 if the agent
   is not running or the region holds no checkpoint, 2 on errors.
*/
int dsp_agent_status(const DspAgentConfig* cfg, bool json);

#endif // DSP_AGENT_STATUS_H
