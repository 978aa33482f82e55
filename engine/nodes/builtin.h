// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_BUILTIN_H
#define DSP_BUILTIN_H

#include "node.h"

/**
   @file builtin.h
   Built-in utility nodes.

   - "gain":  {"channels": C}  in0..inC-1 -> out0..outC-1, parameter "gain" dB
   - "mix":   {"inputs": N}    in0..inN-1 -> out0, parameters "level0".. dB
   - "split": {"outputs": N}   in0 -> out0..outN-1 (copies)
   - "sum":   {"inputs": N}    in0..inN-1 -> out0 (unity sum)
*/

extern const DspNodeClass dsp_builtin_gain_class;  ///< "gain"
extern const DspNodeClass dsp_builtin_mix_class;   ///< "mix"
extern const DspNodeClass dsp_builtin_split_class; ///< "split"
extern const DspNodeClass dsp_builtin_sum_class;   ///< "sum"

#endif // DSP_BUILTIN_H
