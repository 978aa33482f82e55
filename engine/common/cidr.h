// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_CIDR_H
#define DSP_CIDR_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/**
   @file cidr.h
   IPv4 and IPv6 networks written as CIDR ("10.0.0.0/8", "::1/128", or a
   bare address for one host), and matching a sender's address against a
   list of them.  Shared by the engine's OSC server (--osc-allow) and the
   host agent's relay (`allow =`).  No allocation; safe on any thread.
*/

/// Longest CIDR text accepted ("ffff:...:ffff/128" and then some).
#define DSP_CIDR_MAX_TEXT 64U

/// A network.
typedef struct {
  int      family;   ///< AF_INET or AF_INET6
  unsigned bits;     ///< Prefix length: 0..32 (IPv4) or 0..128 (IPv6)
  uint8_t  addr[16]; ///< Network address, network byte order, host bits 0
} DspCidr;

/**
   Parse "ADDR" or "ADDR/BITS" (numeric IPv4 or IPv6).

   Host bits set in ADDR are cleared ("10.1.2.3/8" is 10.0.0.0/8).

   @param what Where the text came from, for the message ("--osc-allow").
   @return DSP_SUCCESS, or DSP_ERR_BAD_ARG with `err` saying what was
   expected.
*/
DspStatus dsp_cidr_parse(const char* text,
                         const char* what,
                         DspCidr*    net,
                         DspError*   err);

/**
   Whether `addr` (an AF_INET or AF_INET6 socket address) is inside `net`.

   An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket
   reports IPv4 senders) matches IPv4 networks as a.b.c.d.
*/
bool dsp_cidr_match(const DspCidr* net, const struct sockaddr* addr);

/// Whether `addr` is inside any of the `n` networks in `nets`.
bool dsp_cidr_match_any(const DspCidr*         nets,
                        size_t                 n,
                        const struct sockaddr* addr);

/// Write `net` as "ADDR/BITS" to `buf`; return `buf`.
const char* dsp_cidr_format(const DspCidr* net, char* buf, size_t size);

#endif // DSP_CIDR_H
