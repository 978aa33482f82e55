// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_CONFIG_H
#define DSP_AGENT_CONFIG_H

#include "common/cidr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
   @file agent_config.h
   The agent's configuration file (INI-like; documented in docs/agent.md).
*/

#define DSP_AGENT_MAX_VFIO 8   ///< Most VFIO devices in one config
#define DSP_AGENT_MAX_ALLOW 16 ///< Most allow-list entries
#define DSP_AGENT_MAX_EXTRA 16 ///< Most extra QEMU arguments

/// How to choose the accelerator.
typedef enum {
  DSP_ACCEL_AUTO = 0, ///< Probe KVM, fall back to TCG
  DSP_ACCEL_KVM,      ///< KVM (`-enable-kvm -cpu host`)
  DSP_ACCEL_TCG,      ///< Emulation (`-accel tcg -cpu max`)
} DspAccel;

/// When to restart the VM.
typedef enum {
  DSP_RESTART_ALWAYS = 0, ///< Whenever it stops, for any reason
  DSP_RESTART_ON_FAILURE, ///< Unless the guest shut down cleanly
  DSP_RESTART_NEVER,      ///< Never: the agent exits with the VM
} DspRestartPolicy;

/// How the engine's health is checked.
typedef enum {
  DSP_HEALTH_OSC = 0, ///< OSC /ping through the forwarded port
  DSP_HEALTH_NONE,    ///< Only the QEMU process and QMP events
} DspHealthMode;

/// Everything the configuration file sets.
typedef struct {
  // [vm]
  char*    qemu;          ///< QEMU binary (owned)
  DspAccel accel;         ///< Accelerator choice
  char*    machine;       ///< QEMU machine type (owned)
  char*    kernel;        ///< Guest kernel, or NULL with `disk` (owned)
  char*    initrd;        ///< Guest initrd or NULL (owned)
  char*    append;        ///< Kernel command line (owned)
  char*    disk;          ///< Disk image, or NULL with `kernel` (owned)
  bool     boot_disks;    ///< Also attach kernel + initrd as read-only disks
  unsigned memory_mib;    ///< Guest RAM, MiB
  unsigned tcg_tb_size;   ///< TCG translation cache, MiB (0 = QEMU's)
  int      core;          ///< Host CPU for the vCPU, -1 for none
  int      fifo_priority; ///< SCHED_FIFO priority for the vCPU, 0 = none
  size_t   n_vfio;        ///< Number of VFIO devices
  char*    vfio[DSP_AGENT_MAX_VFIO];   ///< PCI addresses (owned)
  size_t   n_extra;                    ///< Number of extra QEMU arguments
  char*    extra[DSP_AGENT_MAX_EXTRA]; ///< Extra QEMU arguments (owned)
  char*    run_dir;                    ///< QMP socket, console, status (owned)
  char*    console_log;                ///< Serial console log (owned)
  // [state]
  char*    state_file; ///< State region backing file (owned)
  uint64_t state_size; ///< State region bytes (power of two for ivshmem)
  // [osc]
  unsigned guest_port;   ///< Engine's OSC port inside the guest
  unsigned forward_port; ///< Host loopback port QEMU forwards to it
  char*    listen_addr;  ///< Relay's listen address (owned)
  unsigned listen_port;  ///< Relay's port, 0 = no relay
  size_t   n_allow;      ///< Allow-list entries (loopback always allowed)
  DspCidr  allow[DSP_AGENT_MAX_ALLOW]; ///< Allowed sender networks
  // [health]
  DspHealthMode health;          ///< Health check
  unsigned      health_interval; ///< ms between pings
  unsigned      health_timeout;  ///< ms without a pong before a restart
  unsigned      boot_grace;      ///< ms after start before the first pong
  // [restart]
  DspRestartPolicy restart;         ///< Restart policy
  unsigned         backoff_initial; ///< ms before the first restart
  unsigned         backoff_max;     ///< Longest delay, ms
  unsigned         backoff_reset;   ///< ms healthy after which it resets
  unsigned         max_restarts;    ///< 0 = unlimited
  // [audio]
  bool     netjack;              ///< Guest jackd is a NetJack2 slave
  unsigned netjack_port;         ///< UDP port of the host's netmanager
  char     netjack_master[16];   ///< Master's IPv4 address seen by the guest
  char     netjack_name[32];     ///< Slave name (host client NAME:to_slave_N)
  unsigned netjack_channels;     ///< Audio channels each way
  unsigned netjack_latency;      ///< NetJack2 network latency, cycles
  bool     netjack_load_manager; ///< Load netmanager into the host's jackd
  char     netjack_server[64];   ///< Host JACK server name ("" = default)
} DspAgentConfig;

/// Set every field to its default (docs/agent.md).  Frees nothing.
void dsp_agent_config_init(DspAgentConfig* cfg);

/// Free what `cfg` owns and reset it to the defaults.
void dsp_agent_config_cleanup(DspAgentConfig* cfg);

/**
   Parse configuration text into `cfg` (already initialised), which keeps
   the defaults for keys not given.

   @param name Used in messages (file name).
   @param err Receives "NAME:LINE: message" on failure.
   @return 0 on success, -1 with `err` set.
*/
int dsp_agent_config_parse(DspAgentConfig* cfg,
                           const char*     text,
                           const char*     name,
                           char*           err,
                           size_t          err_size);

/// Read and parse a file; see dsp_agent_config_parse().
int dsp_agent_config_load(DspAgentConfig* cfg,
                          const char*     path,
                          char*           err,
                          size_t          err_size);

/// Whether `addr` (IPv4, host byte order) may use the relay.
bool dsp_agent_config_allows(const DspAgentConfig* cfg, uint32_t addr);

#endif // DSP_AGENT_CONFIG_H
