// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_OSC_LIMITS_H
#define DSP_OSC_LIMITS_H

#include "graph/graph.h"

/**
   @file limits.h
   Every limit the OSC server puts on what clients send, in one place
   (documented in docs/osc.md, "Limits").  Crossing one answers `/fail`
   naming the limit (and the OSC path where there is one); the engine keeps
   running.
*/

/// Largest UDP datagram; longer ones are truncated by the kernel, detected
/// (MSG_TRUNC), answered `/fail` and counted.  Send more over TCP.
#define DSP_OSC_MAX_DATAGRAM 32768U

/// Largest TCP frame (an inline graph at its size limit, and then some).
/// A longer frame length is answered `/fail` and the connection closed.
#define DSP_OSC_MAX_FRAME (DSP_GRAPH_MAX_BYTES + 65536U)

/// Longest OSC address, in bytes.
#define DSP_OSC_MAX_ADDRESS 255U

/// Most arguments in one message.
#define DSP_OSC_MAX_ARGS 64U

/// Longest string argument other than a graph (node, parameter, slot,
/// URL), in bytes.
#define DSP_OSC_MAX_STRING 1024U

/// Longest graph argument (a file path or inline JSON) of /load,
/// /validate and /prepare: the graph size limit.
#define DSP_OSC_MAX_GRAPH_ARG DSP_GRAPH_MAX_BYTES

/// Deepest bundle nesting accepted.
#define DSP_OSC_MAX_BUNDLE_DEPTH 8U

/// Most TCP connections at once; more are closed at once.
#define DSP_OSC_MAX_CONNS 16U

/// Most subscribers (/subscribe).
#define DSP_OSC_MAX_SUBS 8U

/// Most /sync requests waiting for the audio thread.
#define DSP_OSC_MAX_SYNCS 256U

/// Most --osc-allow networks.
#define DSP_OSC_MAX_ALLOW 32U

/// Datagrams read per dsp_osc_process() call before the loop runs again
/// (a fairness bound, not an input limit).
#define DSP_OSC_MAX_BATCH 2000U

#endif // DSP_OSC_LIMITS_H
