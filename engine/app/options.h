// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_OPTIONS_H
#define DSP_OPTIONS_H

#include "common/cidr.h"
#include "osc/limits.h"

#include <stdbool.h>
#include <stdint.h>

/// Most --set options on one command line.
#define DSP_OPTIONS_MAX_SETS 64U

/// What the program was asked to do.
typedef enum {
  DSP_COMMAND_RENDER,  ///< Offline render to a file
  DSP_COMMAND_LIVE,    ///< Run live under JACK
  DSP_COMMAND_CHECK,   ///< Validate and describe a graph
  DSP_COMMAND_LIST,    ///< List plugins
  DSP_COMMAND_INSPECT, ///< Print a state region's checkpoint
  DSP_COMMAND_HELP,    ///< Print usage
  DSP_COMMAND_VERSION  ///< Print version
} DspCommand;

/// A --set NODE:PARAM=VALUE override.
typedef struct {
  const char* node;  ///< Node id (points into argv copy)
  const char* param; ///< Parameter name
  float       value; ///< Value
} DspParamSet;

/// Parsed command line.  Strings point into argv or `storage`.
typedef struct {
  DspCommand  command;        ///< What to do
  const char* graph;          ///< --graph or --check file
  const char* input;          ///< --input, NULL: generated test signal
  const char* output;         ///< --output
  double      tail;           ///< --tail seconds, negative: default
  uint32_t    block;          ///< --block frames
  double      rate;           ///< --rate Hz, 0: input's rate
  bool        quiet;          ///< --quiet
  bool        json;           ///< --json (for --check)
  const char* name;           ///< --name: JACK client name
  const char* server;         ///< --server: JACK server, NULL: default
  const char* connect_in;     ///< --connect-in pattern, or NULL
  const char* connect_out;    ///< --connect-out pattern, or NULL
  int         cpu;            ///< --cpu core for the process thread, -1: none
  bool        no_mlock;       ///< --no-mlock
  bool        reconnect;      ///< --reconnect: rejoin a restarted server
  double      stats;          ///< --stats seconds between reports, 0: none
  bool        node_times;     ///< --node-times: per-node timing in stats
  bool        stdin_control;  ///< --stdin-control: read commands on stdin
  bool        osc;            ///< Serve OSC (default; --no-osc: off)
  int         osc_port;       ///< --osc-port (default 9000; 0: any free)
  const char* osc_bind;       ///< --osc-bind address (default 127.0.0.1)
  bool        osc_tcp;        ///< --osc-tcp: also serve TCP
  bool        osc_allow_quit; ///< --osc-allow-quit: honour /quit
  uint32_t    n_osc_allow;    ///< Number of --osc-allow networks
  DspCidr     osc_allow[DSP_OSC_MAX_ALLOW]; ///< --osc-allow CIDR
  double      xfade_ms;  ///< --xfade: default swap crossfade, ms
  double      swap_tail; ///< --swap-tail: default tail limit, s
  const char* state;     ///< --state PATH, NULL: --no-state
  int         resume;    ///< --resume: DspResumeMode (persist.h)
  bool        supervise; ///< --supervise: run and restart a child
  bool        standby;   ///< --standby: wait to take over (supervisor)
  uint32_t    n_sets;    ///< Number of --set options
  DspParamSet sets[DSP_OPTIONS_MAX_SETS]; ///< --set overrides
  char        storage[4096];              ///< Copies of split --set args
  char faust_import_path[4096]; ///< --faust-import-path dirs, ':' between
} DspOptions;

/**
   Parse the command line.  On error prints a message naming the option to
   stderr and returns non-zero.
*/
int dsp_options_parse(DspOptions* options, int argc, char** argv);

/// Print usage to stdout.
void dsp_options_usage(const char* program);

#endif // DSP_OPTIONS_H
