// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_DESCRIBE_H
#define DSP_DESCRIBE_H

#include "plan/plan.h"

#include <stdio.h>

/// Print a compiled graph's nodes, ports, parameters and connections.
void dsp_describe_text(const DspPlan* plan, FILE* out);

/// Print the same as a JSON document.
void dsp_describe_json(const DspPlan* plan, FILE* out);

#endif // DSP_DESCRIBE_H
