// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATE_CRC32C_H
#define DSP_STATE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/**
   CRC-32C (Castagnoli, as in iSCSI, ext4 and RFC 3720): initial value and
   final XOR 0xFFFFFFFF, reflected; crc32c("123456789") = 0xE3069283.

   Computed by Intel ISA-L (Debian libisal-dev), which picks the SSE4.2 /
   PCLMUL implementation at run time.  Safe on any thread; never allocates.
*/
uint32_t dsp_crc32c(const void* data, size_t size);

#endif // DSP_STATE_CRC32C_H
