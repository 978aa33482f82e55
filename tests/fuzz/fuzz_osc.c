// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// libFuzzer harness: the OSC server's packet handler over arbitrary bytes
// (messages, bundles, every path, any types and blobs), acting on a real
// engine running a graph of built-in nodes.  Replies go to a local UDP
// socket that is drained now and then.  Inputs that would load plugins or
// compile Faust code (slow, and not what is fuzzed here) are skipped.

#include "control/engine.h"
#include "osc/osc.h"
#include "rt/runtime.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

static const char* const graph =
  "{\"name\": \"f\", \"inputs\": [\"l\", \"r\"], \"outputs\": [\"l\", \"r\"],"
  " \"nodes\": [{\"id\": \"g\", \"kind\": \"gain\", \"channels\": 2},"
  "  {\"id\": \"m\", \"kind\": \"mix\"}, {\"id\": \"v\", \"kind\": \"faust\","
  "  \"effect\": \"delay\"}],"
  " \"connections\": [{\"from\": \"graph:l\", \"to\": \"g:in0\"},"
  "  {\"from\": \"graph:r\", \"to\": \"g:in1\"},"
  "  {\"from\": \"g:out0\", \"to\": \"v:in0\"},"
  "  {\"from\": \"g:out1\", \"to\": \"m:in0\"},"
  "  {\"from\": \"v:out0\", \"to\": \"graph:l\"},"
  "  {\"from\": \"m:out0\", \"to\": \"graph:r\"}]}";

static DspEngine*         engine = NULL;
static DspOsc*            osc    = NULL;
static int                sink   = -1;
static struct sockaddr_in sink_addr;

static void
setup(void)
{
  DspError err;
  if (dsp_engine_new(4096U, &engine, &err) ||
      dsp_engine_open(engine, graph, &err) ||
      dsp_engine_start(engine, 48000.0, 256U, &err)) {
    abort();
  }

  const DspOscOptions opts = { "127.0.0.1", 0, false, false, false, NULL, 0U };
  if (dsp_osc_new(&opts, engine, &osc, &err)) {
    abort();
  }

  sink = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  memset(&sink_addr, 0, sizeof(sink_addr));
  sink_addr.sin_family      = AF_INET;
  sink_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len             = sizeof(sink_addr);
  if (sink < 0 || bind(sink, (struct sockaddr*)&sink_addr, len) ||
      getsockname(sink, (struct sockaddr*)&sink_addr, &len)) {
    abort();
  }
}

static int
contains(const uint8_t* const data, const size_t size, const char* const s)
{
  const size_t n = strlen(s);
  for (size_t i = 0U; i + n <= size; ++i) {
    if (!memcmp(data + i, s, n)) {
      return 1;
    }
  }
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t* const data, const size_t size)
{
  if (!engine) {
    setup();
  }
  if (contains(data, size, "lv2") || contains(data, size, "code") ||
      contains(data, size, "file") || contains(data, size, "/quit")) {
    return 0;
  }

  dsp_osc_dispatch(
    osc, data, size, (const struct sockaddr*)&sink_addr, sizeof(sink_addr));

  // Play the audio thread's part: apply what was sent, run a block
  static float buf[4][256];
  const float* in[]  = { buf[0], buf[1] };
  float*       out[] = { buf[2], buf[3] };
  dsp_runtime_process(dsp_engine_runtime(engine), in, 2U, out, 2U, 256U);
  dsp_engine_collect(engine);
  dsp_osc_service(osc);

  // Drain replies so the socket never fills
  uint8_t reply[65536];
  while (recv(sink, reply, sizeof(reply), MSG_DONTWAIT) > 0) {
  }
  return 0;
}
