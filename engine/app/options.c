// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "options.h"

#include "nodes/faust/faust_jit.h"
#include "persist.h"
#include "state/region.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void
dsp_options_usage(const char* const program)
{
  printf(
    "Usage: %s --graph G.json [live options]\n"
    "       %s --graph G.json [--input IN] --output OUT [options]\n"
    "       %s --check G.json [--json]\n"
    "       %s --inspect-state PATH [--json]\n"
    "       %s --list-plugins\n"
    "\n"
    "Without --output, run an effect graph (JSON; see docs/graph-format.md)\n"
    "live as a JACK client until SIGINT/SIGTERM (see docs/jack.md).  With\n"
    "--output, render it over an audio file, faster than real time; without\n"
    "--input a built-in test signal (plucked notes and clicks, 4 s) is\n"
    "rendered.\n"
    "\n"
    "Options:\n"
    "  --graph FILE        Effect graph to run\n"
    "  --input FILE        Audio file to process (any format libsndfile "
    "reads)\n"
    "  --output FILE       File to write (.wav float, .flac, .aiff, .ogg)\n"
    "  --tail SECONDS      Silence fed after the input so tails ring out\n"
    "                      (default 0, or 3 with the test signal)\n"
    "  --block N           Frames per block, 1..8192 (default 256)\n"
    "  --rate HZ           Processing and output rate; an input at another\n"
    "                      rate is resampled (default: the input's rate,\n"
    "                      48000 for the test signal)\n"
    "  --set NODE:PARAM=V  Set a parameter after loading (repeatable)\n"
    "  --faust-import-path DIR  Directory Faust code may import from\n"
    "                      (repeatable; default " DSP_FAUST_LIBDIR "); see\n"
    "                      docs/faust.md\n"
    "\n"
    "Live (JACK) options:\n"
    "  --name NAME         JACK client name (default dspengine)\n"
    "  --server NAME       JACK server (default $JACK_DEFAULT_SERVER, else\n"
    "                      default)\n"
    "  --connect-in RE     Connect ports matching RE to the inputs, in order\n"
    "  --connect-out RE    Connect the outputs to ports matching RE\n"
    "  --cpu N             Pin the JACK process thread to CPU N\n"
    "  --no-mlock          Do not lock memory (mlockall)\n"
    "  --reconnect         If the server goes away, wait and rejoin it\n"
    "  --stats SECONDS     Print DSP load, callback times, xruns every S s\n"
    "  --node-times        Also time each node (printed with --stats)\n"
    "  --stdin-control     Debugging aid: read commands on stdin: \"set\n"
    "                      NODE PARAM VALUE [RAMP_MS]\", \"load G.json\",\n"
    "                      \"stats\", \"quit\"\n"
    "  --osc-port N        Serve OSC on UDP port N (default 9000; 0: any\n"
    "                      free port); see docs/osc.md\n"
    "  --osc-bind ADDR     Address to bind (default 127.0.0.1)\n"
    "  --osc-tcp           Also accept OSC over TCP on the same port\n"
    "  --osc-allow CIDR    Serve only senders in this network (ADDR[/BITS],\n"
    "                      IPv4 or IPv6; repeatable); others are dropped\n"
    "                      without a reply and counted (dspctl status)\n"
    "  --osc-allow-quit    Let /quit stop the engine\n"
    "  --no-osc            Do not serve OSC\n"
    "  --xfade MS          Default crossfade of graph swaps (default 50)\n"
    "  --swap-tail S       Longest time a swapped-out graph rings out\n"
    "                      (default 10)\n"
    "\n"
    "Checkpoints (live; see docs/checkpoint.md):\n"
    "  --state PATH        State region: a file "
    "(default " DSP_STATE_DEFAULT_PATH ")\n"
    "                      or an ivshmem PCI resource file\n"
    "  --no-state          Keep no checkpoint\n"
    "  --resume MODE       auto (default): resume a valid checkpoint if no\n"
    "                      --graph is given or --graph is the checkpoint's\n"
    "                      graph file; always: resume it whatever --graph\n"
    "                      says; never: start from --graph and overwrite\n"
    "  --supervise         Run the engine in a child process and restart\n"
    "                      it (resuming its checkpoint) whenever it dies\n"
    "  --inspect-state PATH  Print the checkpoint in a state region\n"
    "                      (with --json: as JSON) and exit\n"
    "\n"
    "Other options:\n"
    "  --check FILE        Validate a graph; list nodes, ports, parameters\n"
    "  --json              With --check: print the description as JSON\n"
    "  --list-plugins      List built-in nodes, Faust effects, LV2 plugins\n"
    "  --quiet             Print only errors\n"
    "  --help, --version\n"
    "\n",
    program,
    program,
    program,
    program,
    program);
  fputs(
    "Environment: LV2_PATH (LV2 bundle search path), DSP_FAUST_CACHE\n"
    "(Faust machine-code cache; default ~/.cache/dspengine/faust; it must be\n"
    "owned by the engine's user and not writable by others),\n"
    "DSP_FAUST_IMPORT_PATH (DIR:DIR, used when no --faust-import-path is\n"
    "given), DSP_STATE\n"
    "(default --state; empty: --no-state).\n",
    stdout);
}

static int
bad(const char* const option, const char* const value, const char* const what)
{
  fprintf(stderr,
          "dspengine: error: option %s: \"%s\": expected %s\n",
          option,
          value ? value : "",
          what);
  return 1;
}

static int
parse_double(const char* const option,
             const char* const value,
             const double      min,
             const double      max,
             double* const     out)
{
  char* end      = NULL;
  errno          = 0;
  const double v = strtod(value, &end);
  if (errno || end == value || *end || !isfinite(v) || v < min || v > max) {
    char what[96];
    snprintf(what, sizeof(what), "a number from %g to %g", min, max);
    return bad(option, value, what);
  }
  *out = v;
  return 0;
}

static int
parse_set(DspOptions* const opts, const char* const value, size_t* const used)
{
  const size_t len = strlen(value);
  if (opts->n_sets >= DSP_OPTIONS_MAX_SETS ||
      *used + len + 1U > sizeof(opts->storage)) {
    return bad("--set", value, "fewer --set options");
  }

  char* const copy = opts->storage + *used;
  memcpy(copy, value, len + 1U);
  *used += len + 1U;

  char* const colon = strchr(copy, ':');
  char* const equal = strrchr(copy, '=');
  if (!colon || !equal || equal < colon || colon == copy ||
      equal == colon + 1) {
    return bad("--set", value, "NODE:PARAM=VALUE");
  }

  *colon   = '\0';
  *equal   = '\0';
  double v = 0.0;
  if (parse_double("--set", equal + 1, -3.4e38, 3.4e38, &v)) {
    return 1;
  }

  opts->sets[opts->n_sets++] = (DspParamSet){ copy, colon + 1, (float)v };
  return 0;
}

int
dsp_options_parse(DspOptions* const opts, const int argc, char** const argv)
{
  memset(opts, 0, sizeof(*opts));
  opts->command   = DSP_COMMAND_RENDER;
  opts->tail      = -1.0;
  opts->block     = 256U;
  opts->name      = "dspengine";
  opts->cpu       = -1;
  opts->osc       = true;
  opts->osc_port  = 9000;
  opts->osc_bind  = "127.0.0.1";
  opts->xfade_ms  = 50.0;
  opts->swap_tail = 10.0;
  // DSP_STATE overrides the default region; empty: no checkpoints
  const char* const env_state = getenv("DSP_STATE");
  opts->state =
    env_state ? (env_state[0] ? env_state : NULL) : DSP_STATE_DEFAULT_PATH;
  opts->resume = DSP_RESUME_AUTO;

  size_t used = 0U;
  for (int i = 1; i < argc; ++i) {
    const char* const        arg          = argv[i];
    const char* const        value        = (i + 1 < argc) ? argv[i + 1] : NULL;
    static const char* const with_value[] = { "--graph",
                                              "--check",
                                              "--input",
                                              "--output",
                                              "--tail",
                                              "--block",
                                              "--rate",
                                              "--set",
                                              "--name",
                                              "--server",
                                              "--connect-in",
                                              "--connect-out",
                                              "--cpu",
                                              "--stats",
                                              "--osc-port",
                                              "--osc-bind",
                                              "--osc-allow",
                                              "--xfade",
                                              "--swap-tail",
                                              "--state",
                                              "--resume",
                                              "--inspect-state",
                                              "--faust-import-path",
                                              NULL };
    for (const char* const* o = with_value; *o; ++o) {
      if (!strcmp(arg, *o) && !value) {
        return bad(arg, NULL, "a value after it");
      }
    }

    double d = 0.0;
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      opts->command = DSP_COMMAND_HELP;
      return 0;
    } else if (!strcmp(arg, "--version")) {
      opts->command = DSP_COMMAND_VERSION;
      return 0;
    } else if (!strcmp(arg, "--list-plugins")) {
      opts->command = DSP_COMMAND_LIST;
    } else if (!strcmp(arg, "--quiet")) {
      opts->quiet = true;
    } else if (!strcmp(arg, "--json")) {
      opts->json = true;
    } else if (!strcmp(arg, "--graph")) {
      opts->graph = argv[++i];
    } else if (!strcmp(arg, "--check")) {
      opts->command = DSP_COMMAND_CHECK;
      opts->graph   = argv[++i];
    } else if (!strcmp(arg, "--input")) {
      opts->input = argv[++i];
    } else if (!strcmp(arg, "--output")) {
      opts->output = argv[++i];
    } else if (!strcmp(arg, "--tail")) {
      if (parse_double(arg, argv[++i], 0.0, 3600.0, &opts->tail)) {
        return 1;
      }
    } else if (!strcmp(arg, "--block")) {
      if (parse_double(arg, argv[++i], 1.0, 8192.0, &d) || d != floor(d)) {
        return d != floor(d) ? bad(arg, argv[i], "a whole number") : 1;
      }
      opts->block = (uint32_t)d;
    } else if (!strcmp(arg, "--rate")) {
      if (parse_double(arg, argv[++i], 8000.0, 384000.0, &opts->rate)) {
        return 1;
      }
    } else if (!strcmp(arg, "--name")) {
      opts->name = argv[++i];
    } else if (!strcmp(arg, "--server")) {
      opts->server = argv[++i];
    } else if (!strcmp(arg, "--connect-in")) {
      opts->connect_in = argv[++i];
    } else if (!strcmp(arg, "--connect-out")) {
      opts->connect_out = argv[++i];
    } else if (!strcmp(arg, "--cpu")) {
      if (parse_double(arg, argv[++i], 0.0, 1023.0, &d) || d != floor(d)) {
        return d != floor(d) ? bad(arg, argv[i], "a whole number") : 1;
      }
      opts->cpu = (int)d;
    } else if (!strcmp(arg, "--stats")) {
      if (parse_double(arg, argv[++i], 0.01, 86400.0, &opts->stats)) {
        return 1;
      }
    } else if (!strcmp(arg, "--no-mlock")) {
      opts->no_mlock = true;
    } else if (!strcmp(arg, "--reconnect")) {
      opts->reconnect = true;
    } else if (!strcmp(arg, "--node-times")) {
      opts->node_times = true;
    } else if (!strcmp(arg, "--stdin-control")) {
      opts->stdin_control = true;
    } else if (!strcmp(arg, "--osc-port")) {
      if (parse_double(arg, argv[++i], 0.0, 65535.0, &d) || d != floor(d)) {
        return d != floor(d) ? bad(arg, argv[i], "a whole number") : 1;
      }
      opts->osc_port = (int)d;
    } else if (!strcmp(arg, "--osc-bind")) {
      opts->osc_bind = argv[++i];
    } else if (!strcmp(arg, "--osc-tcp")) {
      opts->osc_tcp = true;
    } else if (!strcmp(arg, "--osc-allow")) {
      DspError err;
      dsp_error_clear(&err);
      if (opts->n_osc_allow == DSP_OSC_MAX_ALLOW) {
        return bad(arg, argv[++i], "at most 32 --osc-allow networks");
      }
      if (dsp_cidr_parse(
            argv[++i], arg, &opts->osc_allow[opts->n_osc_allow], &err)) {
        fprintf(stderr, "dspengine: error: option %s: %s\n", arg, err.message);
        return 1;
      }
      ++opts->n_osc_allow;
    } else if (!strcmp(arg, "--osc-allow-quit")) {
      opts->osc_allow_quit = true;
    } else if (!strcmp(arg, "--no-osc")) {
      opts->osc = false;
    } else if (!strcmp(arg, "--xfade")) {
      if (parse_double(arg, argv[++i], 0.0, 60000.0, &opts->xfade_ms)) {
        return 1;
      }
    } else if (!strcmp(arg, "--swap-tail")) {
      if (parse_double(arg, argv[++i], 0.0, 3600.0, &opts->swap_tail)) {
        return 1;
      }
    } else if (!strcmp(arg, "--state")) {
      opts->state = argv[++i];
    } else if (!strcmp(arg, "--no-state")) {
      opts->state = NULL;
    } else if (!strcmp(arg, "--resume")) {
      const char* const m = argv[++i];
      if (!strcmp(m, "auto")) {
        opts->resume = DSP_RESUME_AUTO;
      } else if (!strcmp(m, "always")) {
        opts->resume = DSP_RESUME_ALWAYS;
      } else if (!strcmp(m, "never")) {
        opts->resume = DSP_RESUME_NEVER;
      } else {
        return bad(arg, m, "auto, always or never");
      }
    } else if (!strcmp(arg, "--supervise")) {
      opts->supervise = true;
    } else if (!strcmp(arg, "--standby")) {
      opts->standby = true; // Internal: passed by --supervise
    } else if (!strcmp(arg, "--inspect-state")) {
      opts->command = DSP_COMMAND_INSPECT;
      opts->state   = argv[++i];
    } else if (!strcmp(arg, "--faust-import-path")) {
      const char* const dir = argv[++i];
      struct stat       sb;
      char* const       path      = opts->faust_import_path;
      const size_t      used_path = strlen(path);
      if (!dir[0] || strchr(dir, ':') || stat(dir, &sb) ||
          !S_ISDIR(sb.st_mode)) {
        return bad(arg, dir, "an existing directory (without ':')");
      }
      if (used_path + strlen(dir) + 2U > sizeof(opts->faust_import_path)) {
        return bad(arg, dir, "fewer or shorter import directories");
      }
      snprintf(path + used_path,
               sizeof(opts->faust_import_path) - used_path,
               "%s%s",
               used_path ? ":" : "",
               dir);
    } else if (!strcmp(arg, "--set")) {
      if (parse_set(opts, argv[++i], &used)) {
        return 1;
      }
    } else {
      fprintf(
        stderr, "dspengine: error: unknown option \"%s\" (see --help)\n", arg);
      return 1;
    }
  }

  if (opts->command == DSP_COMMAND_RENDER) {
    if (!opts->graph && (opts->output || !opts->state)) {
      fprintf(stderr,
              "dspengine: error: no graph given (expected --graph FILE; see "
              "--help)\n");
      return 1;
    }
    if (!opts->output && opts->input) {
      fprintf(stderr,
              "dspengine: error: --input needs --output FILE (without "
              "--output dspengine runs live under JACK and reads its "
              "inputs from JACK ports)\n");
      return 1;
    }
    if (!opts->output) {
      opts->command = DSP_COMMAND_LIVE;
    }
  }
  return 0;
}
