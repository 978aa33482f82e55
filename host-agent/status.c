// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "status.h"

#include "log.h"

#include "state/inspect.h"

#include <jansson.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>

static void
print_duration(const uint64_t ms)
{
  const uint64_t s = ms / 1000U;
  if (s >= 3600U) {
    printf("%lluh%02llum%02llus",
           (unsigned long long)(s / 3600U),
           (unsigned long long)(s / 60U % 60U),
           (unsigned long long)(s % 60U));
  } else if (s >= 60U) {
    printf("%llum%02llus",
           (unsigned long long)(s / 60U),
           (unsigned long long)(s % 60U));
  } else {
    printf("%.1fs", (double)ms / 1000.0);
  }
}

int
dsp_agent_status(const DspAgentConfig* const cfg, const bool json)
{
  char path[300];
  snprintf(path, sizeof(path), "%s/status.json", cfg->run_dir);
  json_error_t  jerr;
  json_t* const st = json_load_file(path, 0, &jerr);
  if (!st) {
    fprintf(stderr,
            "dspagent status: no agent status at %s (is the agent running?)\n",
            path);
    return 1;
  }
  const int  pid   = (int)json_integer_value(json_object_get(st, "agent_pid"));
  const bool alive = pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
  const char* const state = alive
                              ? json_string_value(json_object_get(st, "state"))
                              : "agent not running";
  const uint64_t    now   = dsp_agent_wall_ns();
  const uint64_t    vm_start =
    (uint64_t)json_integer_value(json_object_get(st, "vm_started_ns"));

  if (json) {
    // {"agent": {...status.json, "alive": bool}, "engine": checkpoint|null}
    json_object_set_new(st, "alive", json_boolean(alive));
    json_object_set_new(
      st,
      "vm_uptime_ms",
      json_integer(vm_start && alive ? (json_int_t)((now - vm_start) / 1000000U)
                                     : 0));
    char* const agent = json_dumps(st, JSON_COMPACT);
    printf("{\"agent\": %s, \"engine\": ", agent ? agent : "null");
    free(agent);
    fflush(stdout);
    const int rc =
      dsp_inspect_region(json_string_value(json_object_get(st, "state_file")),
                         stdout,
                         stderr,
                         true);
    if (rc) {
      printf("null");
    }
    printf("}\n");
    json_decref(st);
    return alive && !rc ? 0 : 1;
  }

  printf("VM:        %s\n", state);
  printf("accel:     %s\n",
         json_string_value(json_object_get(st, "accel_reason")));
  if (alive && vm_start) {
    printf("uptime:    ");
    print_duration((now - vm_start) / 1000000U);
    printf(" (QEMU pid %d, vCPU thread %d, core %d)\n",
           (int)json_integer_value(json_object_get(st, "qemu_pid")),
           (int)json_integer_value(json_object_get(st, "vcpu_tid")),
           (int)json_integer_value(json_object_get(st, "core")));
  }
  printf("restarts:  %d VM, %d engine recoveries in the guest\n",
         (int)json_integer_value(json_object_get(st, "restarts")),
         (int)json_integer_value(json_object_get(st, "recoveries")));
  printf("last:      %s\n",
         json_string_value(json_object_get(st, "last_event")));
  printf("relay:     port %d, %lld forwarded, %lld replies, %lld denied, %lld "
         "dropped\n",
         (int)json_integer_value(json_object_get(st, "relay_port")),
         (long long)json_integer_value(
           json_object_get(json_object_get(st, "relay"), "forwarded")),
         (long long)json_integer_value(
           json_object_get(json_object_get(st, "relay"), "replies")),
         (long long)json_integer_value(
           json_object_get(json_object_get(st, "relay"), "denied")),
         (long long)json_integer_value(
           json_object_get(json_object_get(st, "relay"), "dropped")));
  const char* const nm = json_string_value(json_object_get(st, "netmanager"));
  if (nm && *nm) {
    printf("netjack:   %s\n", nm);
  }
  printf("\n");
  fflush(stdout);
  const int rc =
    dsp_inspect_region(json_string_value(json_object_get(st, "state_file")),
                       stdout,
                       stdout,
                       false);
  json_decref(st);
  return alive && !rc ? 0 : 1;
}
