// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_ACCEL_H
#define DSP_AGENT_ACCEL_H

#include "agent_config.h"

#include <stddef.h>

/**
   Decide between KVM and TCG.  With DSP_ACCEL_AUTO, KVM is chosen only if
   /dev/kvm answers KVM_GET_API_VERSION and QEMU actually runs a guest with
   `-accel kvm -cpu host` (a one-sector boot program that writes to
   isa-debug-exit; /dev/kvm can exist and still fail, e.g. nested PVM).

   @param why Receives one line saying what was chosen and why.
   @return DSP_ACCEL_KVM or DSP_ACCEL_TCG.
*/
DspAccel dsp_agent_accel_choose(const DspAgentConfig* cfg,
                                char*                 why,
                                size_t                why_size);

#endif // DSP_AGENT_ACCEL_H
