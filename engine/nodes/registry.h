// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_REGISTRY_H
#define DSP_REGISTRY_H

#include "node.h"

/// The node class for `kind`, or NULL if there is none.
const DspNodeClass* dsp_registry_find(const char* kind);

/// NULL-terminated array of every node class.
const DspNodeClass* const* dsp_registry_classes(void);

#endif // DSP_REGISTRY_H
