// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATE_SLOTS_H
#define DSP_STATE_SLOTS_H

#include "layout.h"
#include "region.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
   @file slots.h
   The two-slot commit protocol on a region (docs/checkpoint.md).

   A commit writes the slot that does not hold the newest valid checkpoint:
   it clears that slot's magic, copies the payload, then writes the slot
   header (CRC included) and its magic last, then the header's commit hint,
   with a full fence and (for files) msync() between the steps.  Whatever
   instant the writer dies at, the other slot still verifies, so a reader
   that takes the newest slot whose CRCs verify gets the last complete
   checkpoint, or the one before it while a commit was in flight.

   Payloads are opaque bytes here; checkpoint.h gives them meaning.
*/

/// What a slot holds.
typedef enum {
  DSP_SLOT_VALID,       ///< Header and payload verify
  DSP_SLOT_EMPTY,       ///< Never written, or a commit was interrupted
  DSP_SLOT_BAD_HEADER,  ///< Slot header CRC mismatch
  DSP_SLOT_BAD_FIELD,   ///< Header verifies but a field is impossible
  DSP_SLOT_BAD_PAYLOAD, ///< Payload CRC mismatch
  DSP_SLOT_CHANGED,     ///< Rewritten while being read (a live writer)
} DspSlotCondition;

/// What is known about one slot.
typedef struct {
  DspSlotCondition condition;      ///< Verdict
  unsigned         slot;           ///< 0 or 1
  uint64_t         generation;     ///< Generation (if the header verifies)
  uint64_t         written_ns;     ///< Write time, ns since the epoch
  uint32_t         payload_length; ///< Payload bytes
  uint32_t         payload_format; ///< DSP_STATE_FORMAT_*
  uint32_t         flags;          ///< DSP_STATE_SLOT_* bits
  char             reason[96];     ///< Why the slot is not valid, or ""
} DspSlotInfo;

/// Static name of a condition ("valid", "empty", ...).
const char* dsp_slot_condition_string(DspSlotCondition condition);

/**
   True if generation `a` is newer than `b`, in serial-number arithmetic
   (RFC 1982), so that the counter may wrap: 1 is newer than UINT64_MAX.
*/
bool dsp_slots_newer(uint64_t a, uint64_t b);

/**
   Check the region header and compute the geometry.

   Fails with a one-line message naming the region: DSP_ERR_NOT_FOUND if
   the region was never formatted (all zero), DSP_ERR_SYNTAX for a foreign
   or corrupt header ("bad magic (not a dspengine state region)"),
   DSP_ERR_UNSUPPORTED for another layout version.
*/
DspStatus dsp_slots_check(const DspRegion*   region,
                          DspLayoutGeometry* geo,
                          DspError*          err);

/**
   Write a fresh header and empty both slots.

   Refuses (DSP_ERR_SYNTAX) to overwrite a region that holds something
   other than zeros or a dspengine header unless `force`; keeps a valid
   header of this version and its checkpoints unless `force`.
*/
DspStatus dsp_slots_format(DspRegion* region, bool force, DspError* err);

/// Read the header's advisory commit hint; false if it does not verify.
bool dsp_slots_hint(const DspRegion* region,
                    uint64_t*        generation,
                    unsigned*        slot);

/**
   Inspect slot `slot` from its header alone (no payload CRC).

   Sets `info->condition` to VALID if the header verifies, or why not.
*/
void dsp_slots_peek(const DspRegion*         region,
                    const DspLayoutGeometry* geo,
                    unsigned                 slot,
                    DspSlotInfo*             info);

/**
   Read and verify slot `slot` completely.

   The slot is copied into RAM before it is checked, and its header is read
   again afterwards, so a live writer in another process is detected.

   @param[out] payload On success, the payload followed by a NUL byte, to be
   freed by the caller with free(); NULL otherwise.
   @return DSP_SUCCESS, DSP_ERR_NO_MEM, or DSP_ERR_NOT_FOUND if the slot
   is not valid (see `info`).
*/
DspStatus dsp_slots_read(const DspRegion*         region,
                         const DspLayoutGeometry* geo,
                         unsigned                 slot,
                         uint8_t**                payload,
                         DspSlotInfo*             info);

/**
   Commit `size` bytes of payload as the next checkpoint.

   Formats a never-formatted (all-zero) region first.  The region must be
   writable.  On success `info` (if not NULL) describes the slot written.
   Not real-time safe: copies the payload and may msync().
*/
DspStatus dsp_slots_commit(DspRegion*   region,
                           const void*  payload,
                           size_t       size,
                           uint32_t     format,
                           uint32_t     flags,
                           DspSlotInfo* info,
                           DspError*    err);

#endif // DSP_STATE_SLOTS_H
