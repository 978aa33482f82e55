// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_OSC_VOCAB_H
#define DSP_OSC_VOCAB_H

#include <stddef.h>
#include <string.h>

/**
   @file vocab.h
   The OSC commands the engine answers (docs/osc.md), shared by the server
   (engine/osc/osc.c) and the `dspctl` client.

   Arguments are given by a type string: `s` a string, `n` a number (sent as
   float 'f'; 'd', 'i' and 'h' are accepted where the argument is
   required).  A trailing int32 ('i') after more arguments than the command
   requires is the request id, echoed in the reply.
*/

/// One command.
typedef struct {
  const char* path;     ///< OSC address
  const char* required; ///< Types of the required arguments
  const char* optional; ///< Types of the optional arguments, in order
  const char* names;    ///< Argument names, space-separated, for messages
  const char* help;     ///< One line for dspctl --help
} DspOscCommand;

/// The vocabulary, NULL-terminated.
static const DspOscCommand dsp_osc_commands[] = {
  { "/ping", "", "", "", "Check the engine answers: /pong [id]" },
  { "/sync", "", "", "", "Wait until everything sent before is applied" },
  { "/status", "", "", "", "Load, callback times, xruns, rate, graph, swap" },
  { "/quit", "", "", "", "Stop the engine (needs --osc-allow-quit)" },
  { "/load",
    "s",
    "nn",
    "graph xfade_ms tail_s",
    "Load a graph (file or inline JSON) and crossfade to it" },
  { "/validate", "s", "", "graph", "Check a graph without playing it" },
  { "/prepare",
    "ss",
    "",
    "slot graph",
    "Build a graph into a named slot, ready to swap" },
  { "/swap",
    "s",
    "nn",
    "slot xfade_ms tail_s",
    "Crossfade to a prepared slot" },
  { "/slots", "", "", "", "List prepared slots" },
  { "/unload", "s", "", "slot", "Free a prepared slot" },
  { "/graph", "", "", "", "The playing graph as JSON" },
  { "/nodes", "", "", "", "List the playing graph's nodes" },
  { "/set",
    "ssn",
    "n",
    "node param value ramp_ms",
    "Set a parameter (optionally ramped)" },
  { "/get", "ss", "", "node param", "Get a parameter's current value" },
  { "/params", "s", "", "node", "List a node's parameters, ranges, units" },
  { "/bypass",
    "sn",
    "n",
    "node on ramp_ms",
    "Bypass a node (1) or process it again (0)" },
  { "/faults", "", "", "", "Nodes muted by their fault detector" },
  { "/rearm",
    "s",
    "n",
    "node reset",
    "Process a node muted by a fault again (reset 1/0, default 1)" },
  { "/subscribe",
    "n",
    "s",
    "rate_hz url",
    "Push /status.reply, /meters, /node_times at rate_hz, /fault at once" },
  { "/unsubscribe", "", "s", "url", "Stop pushing" },
  { NULL, NULL, NULL, NULL, NULL },
};

/// The command with address `path`, or NULL.
static inline const DspOscCommand*
dsp_osc_find_command(const char* const path)
{
  for (const DspOscCommand* c = dsp_osc_commands; c->path; ++c) {
    if (!strcmp(c->path, path)) {
      return c;
    }
  }
  return NULL;
}

#endif // DSP_OSC_VOCAB_H
