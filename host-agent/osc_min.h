// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_AGENT_OSC_MIN_H
#define DSP_AGENT_OSC_MIN_H

#include <stddef.h>
#include <stdint.h>

/**
   @file osc_min.h
   Just enough OSC 1.0 for the relay: read a message's address and its
   leading int32/string arguments, rewrite an int32 in place, build a ping.
   Nothing is allocated; views point into the caller's buffer.
*/

/// A parsed message (views into the datagram).
typedef struct {
  const char*    path;     ///< Address pattern
  const char*    types;    ///< Type tags after the ','
  const uint8_t* args;     ///< First argument
  size_t         args_len; ///< Bytes of arguments
} DspOscMsg;

/// Parse a datagram.  Returns 0, or -1 if it is not a well-formed message
/// (bundles, "#bundle", also give -1).
int dsp_osc_parse(const uint8_t* buf, size_t len, DspOscMsg* msg);

/// Argument `index` as int32 ('i'); 0, or -1 if absent or another type.
int dsp_osc_arg_int(const DspOscMsg* msg, unsigned index, int32_t* out);

/// Argument `index` as a string ('s'); 0, or -1.
int dsp_osc_arg_str(const DspOscMsg* msg, unsigned index, const char** out);

/**
   Overwrite int32 argument `index` of the message in `buf` (the buffer
   `msg` was parsed from).  Returns 0, or -1 if it is not an int32.
*/
int dsp_osc_set_int(const DspOscMsg* msg,
                    uint8_t*         buf,
                    unsigned         index,
                    int32_t          value);

/**
   Write a message with one int32 argument (e.g. `/ping i`).

   @return Its length, or 0 if `size` is too small.
*/
size_t dsp_osc_build_int(uint8_t*    buf,
                         size_t      size,
                         const char* path,
                         int32_t     value);

#endif // DSP_AGENT_OSC_MIN_H
