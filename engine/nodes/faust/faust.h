// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_FAUST_H
#define DSP_FAUST_H

#include "nodes/node.h"

#include <stdio.h>

/**
   @file faust.h
   Faust DSP: the "faust" node kind.

   Graph node, one of:
     {"kind": "faust", "effect": "reverb"}        built in (plugins/ *.dsp)
     {"kind": "faust", "file": "my.dsp"}          compiled at load (libfaust)
     {"kind": "faust", "code": "process = _;"}    compiled at load (libfaust)
   Ports are "in0".."inN-1" and "out0".."outN-1"; parameters are found by
   short label or by full path.
*/

/// The "faust" node kind.
extern const DspNodeClass dsp_faust_node_class;

/// Print one line per built-in Faust effect (name, in/out, description).
void dsp_faust_list_builtins(FILE* out);

#endif // DSP_FAUST_H
