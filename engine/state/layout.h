// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATE_LAYOUT_H
#define DSP_STATE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
   @file layout.h
   The on-region layout of a state region, version 1 (docs/checkpoint.md).

   Every field is fixed-width and little-endian; reserved bytes are zero
   when written and ignored when read.  These structs describe the bytes:
   code copies them between the region and RAM with memcpy and converts
   fields with dsp_le32()/dsp_le64(), never dereferencing the region through
   them (it may be uncached device memory).

   @verbatim
   offset 0                      region header (DspStateHeader), 128 bytes,
                                 then zero up to DSP_STATE_HEADER_AREA
   slot_offset[0]                slot 0: DspStateSlotHeader, then payload
   slot_offset[1]                slot 1: DspStateSlotHeader, then payload
   @endverbatim

   The geometry (slot offsets and size) is a pure function of the region
   size (dsp_layout_geometry()), written once when the region is formatted
   and checked on every open.  Everything that changes goes through the
   two slots; the header's commit hint is advisory.
*/

/// Region header magic, bytes 0-7.
#define DSP_STATE_MAGIC "DSPSTATE"

/// Slot header magic, bytes 0-7 of each slot.
#define DSP_STATE_SLOT_MAGIC "DSPSLOT1"

/// The layout version this code writes and reads.
#define DSP_STATE_LAYOUT_VERSION 1U

/// Bytes reserved for the region header (one page, so msync() is per part).
#define DSP_STATE_HEADER_AREA 4096U

/// Alignment of slot offsets and sizes.
#define DSP_STATE_SLOT_ALIGN 4096U

/// Smallest usable region: header area and two one-page slots.
#define DSP_STATE_MIN_SIZE (DSP_STATE_HEADER_AREA + 2U * DSP_STATE_SLOT_ALIGN)

/// Largest payload one slot may hold (payload_length is 32-bit).
#define DSP_STATE_MAX_PAYLOAD 0xFFFFFFFFU

/// Payload format 1: a UTF-8 JSON document (docs/checkpoint.md).
#define DSP_STATE_FORMAT_JSON 1U

/// Slot flag: written by an orderly shutdown (the next start is no crash).
#define DSP_STATE_SLOT_CLEAN 0x1U

/// Region header, at offset 0.
typedef struct {
  uint8_t  magic[8];        ///< 0: DSP_STATE_MAGIC, no terminator
  uint32_t layout_version;  ///< 8: DSP_STATE_LAYOUT_VERSION
  uint32_t header_size;     ///< 12: sizeof(DspStateHeader) = 128
  uint64_t region_size;     ///< 16: Size of the whole region in bytes
  uint64_t slot_offset[2];  ///< 24: Offset of each slot from region start
  uint64_t slot_size;       ///< 40: Size of each slot, slot header included
  uint64_t created_ns;      ///< 48: Format time, ns since the Unix epoch
  uint32_t reserved0;       ///< 56: Zero
  uint32_t header_crc;      ///< 60: CRC-32C of bytes 0-59
  uint64_t hint_generation; ///< 64: Generation last committed (advisory)
  uint32_t hint_slot;       ///< 72: Slot last committed (advisory)
  uint32_t hint_crc;        ///< 76: CRC-32C of bytes 64-75
  uint8_t  reserved1[48];   ///< 80: Zero
} DspStateHeader;

/// Slot header, at the start of each slot; the payload follows it.
typedef struct {
  uint8_t  magic[8];       ///< 0: DSP_STATE_SLOT_MAGIC (zero while written)
  uint64_t generation;     ///< 8: Checkpoint generation, never 0
  uint64_t written_ns;     ///< 16: Write time, ns since the Unix epoch
  uint32_t payload_length; ///< 24: Payload bytes
  uint32_t payload_crc;    ///< 28: CRC-32C of the payload bytes
  uint32_t payload_format; ///< 32: DSP_STATE_FORMAT_JSON
  uint32_t flags;          ///< 36: DSP_STATE_SLOT_* bits
  uint32_t slot_index;     ///< 40: 0 or 1, this slot's own index
  uint8_t  reserved[16];   ///< 44: Zero
  uint32_t header_crc;     ///< 60: CRC-32C of bytes 0-59
} DspStateSlotHeader;

/// Bytes covered by DspStateHeader.header_crc.
#define DSP_STATE_HEADER_CRC_SPAN 60U

/// Bytes covered by DspStateSlotHeader.header_crc.
#define DSP_STATE_SLOT_CRC_SPAN 60U

// The layout is the contract with other readers (host agent, older and
// newer engines): pin every offset.
_Static_assert(sizeof(DspStateHeader) == 128, "header size");
_Static_assert(offsetof(DspStateHeader, layout_version) == 8, "layout");
_Static_assert(offsetof(DspStateHeader, header_size) == 12, "layout");
_Static_assert(offsetof(DspStateHeader, region_size) == 16, "layout");
_Static_assert(offsetof(DspStateHeader, slot_offset) == 24, "layout");
_Static_assert(offsetof(DspStateHeader, slot_size) == 40, "layout");
_Static_assert(offsetof(DspStateHeader, created_ns) == 48, "layout");
_Static_assert(offsetof(DspStateHeader, reserved0) == 56, "layout");
_Static_assert(offsetof(DspStateHeader, header_crc) == 60, "layout");
_Static_assert(offsetof(DspStateHeader, hint_generation) == 64, "layout");
_Static_assert(offsetof(DspStateHeader, hint_slot) == 72, "layout");
_Static_assert(offsetof(DspStateHeader, hint_crc) == 76, "layout");
_Static_assert(offsetof(DspStateHeader, reserved1) == 80, "layout");

_Static_assert(sizeof(DspStateSlotHeader) == 64, "slot header size");
_Static_assert(offsetof(DspStateSlotHeader, generation) == 8, "layout");
_Static_assert(offsetof(DspStateSlotHeader, written_ns) == 16, "layout");
_Static_assert(offsetof(DspStateSlotHeader, payload_length) == 24, "layout");
_Static_assert(offsetof(DspStateSlotHeader, payload_crc) == 28, "layout");
_Static_assert(offsetof(DspStateSlotHeader, payload_format) == 32, "layout");
_Static_assert(offsetof(DspStateSlotHeader, flags) == 36, "layout");
_Static_assert(offsetof(DspStateSlotHeader, slot_index) == 40, "layout");
_Static_assert(offsetof(DspStateSlotHeader, reserved) == 44, "layout");
_Static_assert(offsetof(DspStateSlotHeader, header_crc) == 60, "layout");

_Static_assert(DSP_STATE_HEADER_AREA % DSP_STATE_SLOT_ALIGN == 0, "align");

/// Convert a 32-bit value between host and little-endian order.
static inline uint32_t
dsp_le32(const uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return __builtin_bswap32(v);
#else
  return v;
#endif
}

/// Convert a 64-bit value between host and little-endian order.
static inline uint64_t
dsp_le64(const uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return __builtin_bswap64(v);
#else
  return v;
#endif
}

/// Slot geometry of a region (host byte order).
typedef struct {
  uint64_t region_size;    ///< Whole region
  uint64_t slot_offset[2]; ///< Offset of each slot
  uint64_t slot_size;      ///< Bytes per slot, header included
  uint64_t max_payload;    ///< Largest payload a slot holds
} DspLayoutGeometry;

/**
   Compute the geometry of a region of `region_size` bytes.

   Slots are equal, page-aligned and follow the header area.

   @return false if the region is smaller than DSP_STATE_MIN_SIZE.
*/
static inline bool
dsp_layout_geometry(const uint64_t region_size, DspLayoutGeometry* const geo)
{
  if (region_size < DSP_STATE_MIN_SIZE) {
    return false;
  }
  const uint64_t avail = (region_size - DSP_STATE_HEADER_AREA) / 2U;
  const uint64_t slot  = avail - avail % DSP_STATE_SLOT_ALIGN;
  const uint64_t max   = slot - sizeof(DspStateSlotHeader);

  geo->region_size    = region_size;
  geo->slot_offset[0] = DSP_STATE_HEADER_AREA;
  geo->slot_offset[1] = DSP_STATE_HEADER_AREA + slot;
  geo->slot_size      = slot;
  geo->max_payload = max < DSP_STATE_MAX_PAYLOAD ? max : DSP_STATE_MAX_PAYLOAD;
  return true;
}

#endif // DSP_STATE_LAYOUT_H
