// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "crc32c.h"

#include <isa-l/crc.h>

#include <limits.h>

uint32_t
dsp_crc32c(const void* const data, const size_t size)
{
  // ISA-L takes a non-const pointer and an int length but only reads; it
  // neither inverts the initial value nor the result, so do both here.
  const unsigned char* p   = (const unsigned char*)data;
  size_t               n   = size;
  unsigned int         crc = 0xFFFFFFFFU;
  while (n) {
    const int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
    crc             = crc32_iscsi((unsigned char*)(uintptr_t)p, chunk, crc);
    p += chunk;
    n -= (size_t)chunk;
  }
  return ~(uint32_t)crc;
}
