// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "osc_min.h"

#include <string.h>

static size_t
pad4(const size_t n)
{
  return (n + 3U) & ~(size_t)3U;
}

/// Length of the padded string at `p` within `len` bytes, or 0 if invalid.
static size_t
padded_str(const uint8_t* const p, const size_t len)
{
  const uint8_t* const nul = (const uint8_t*)memchr(p, '\0', len);
  if (!nul) {
    return 0U;
  }
  const size_t n = pad4((size_t)(nul - p) + 1U);
  return n <= len ? n : 0U;
}

int
dsp_osc_parse(const uint8_t* const buf, const size_t len, DspOscMsg* const msg)
{
  if (len < 8U || len % 4U || buf[0] != '/') {
    return -1;
  }
  const size_t path_len = padded_str(buf, len);
  if (!path_len || path_len >= len || buf[path_len] != ',') {
    return -1;
  }
  const size_t types_len = padded_str(buf + path_len, len - path_len);
  if (!types_len) {
    return -1;
  }
  msg->path     = (const char*)buf;
  msg->types    = (const char*)buf + path_len + 1U;
  msg->args     = buf + path_len + types_len;
  msg->args_len = len - path_len - types_len;
  return 0;
}

/// Offset of argument `index` within args, or -1; only i, f, s are walked.
static long
arg_offset(const DspOscMsg* const msg, const unsigned index)
{
  size_t off = 0U;
  for (unsigned i = 0U; i < index; ++i) {
    const char t = msg->types[i];
    if (t == 'i' || t == 'f') {
      off += 4U;
    } else if (t == 's' || t == 'S') {
      if (off >= msg->args_len) {
        return -1;
      }
      const size_t n = padded_str(msg->args + off, msg->args_len - off);
      if (!n) {
        return -1;
      }
      off += n;
    } else {
      return -1;
    }
  }
  return off <= msg->args_len ? (long)off : -1;
}

static int
check_type(const DspOscMsg* const msg, const unsigned index, const char type)
{
  if (strlen(msg->types) <= index || msg->types[index] != type) {
    return -1;
  }
  return 0;
}

int
dsp_osc_arg_int(const DspOscMsg* const msg,
                const unsigned         index,
                int32_t* const         out)
{
  const long off = check_type(msg, index, 'i') ? -1 : arg_offset(msg, index);
  if (off < 0 || (size_t)off + 4U > msg->args_len) {
    return -1;
  }
  const uint8_t* const p = msg->args + off;
  *out = (int32_t)(((uint32_t)p[0] << 24U) | ((uint32_t)p[1] << 16U) |
                   ((uint32_t)p[2] << 8U) | (uint32_t)p[3]);
  return 0;
}

int
dsp_osc_arg_str(const DspOscMsg* const msg,
                const unsigned         index,
                const char** const     out)
{
  const long off = check_type(msg, index, 's') ? -1 : arg_offset(msg, index);
  if (off < 0 || (size_t)off >= msg->args_len ||
      !padded_str(msg->args + off, msg->args_len - (size_t)off)) {
    return -1;
  }
  *out = (const char*)msg->args + off;
  return 0;
}

int
dsp_osc_set_int(const DspOscMsg* const msg,
                uint8_t* const         buf,
                const unsigned         index,
                const int32_t          value)
{
  int32_t    old = 0;
  const long off = arg_offset(msg, index);
  if (dsp_osc_arg_int(msg, index, &old) || off < 0) {
    return -1;
  }
  uint8_t* const p =
    buf + ((const uint8_t*)msg->args - (const uint8_t*)msg->path) + off;
  const uint32_t v = (uint32_t)value;
  p[0]             = (uint8_t)(v >> 24U);
  p[1]             = (uint8_t)(v >> 16U);
  p[2]             = (uint8_t)(v >> 8U);
  p[3]             = (uint8_t)v;
  return 0;
}

size_t
dsp_osc_build_int(uint8_t* const    buf,
                  const size_t      size,
                  const char* const path,
                  const int32_t     value)
{
  const size_t path_len = pad4(strlen(path) + 1U);
  const size_t len      = path_len + 4U + 4U;
  if (len > size) {
    return 0U;
  }
  memset(buf, 0, len);
  memcpy(buf, path, strlen(path));
  memcpy(buf + path_len, ",i", 2U);
  const uint32_t v = (uint32_t)value;
  uint8_t* const p = buf + path_len + 4U;
  p[0]             = (uint8_t)(v >> 24U);
  p[1]             = (uint8_t)(v >> 16U);
  p[2]             = (uint8_t)(v >> 8U);
  p[3]             = (uint8_t)v;
  return len;
}
