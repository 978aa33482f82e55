// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "slots.h"

#include "crc32c.h"
#include "region_impl.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

static void
read_fence(void)
{
  atomic_thread_fence(memory_order_seq_cst);
}

const char*
dsp_slot_condition_string(const DspSlotCondition condition)
{
  switch (condition) {
  case DSP_SLOT_VALID:
    return "valid";
  case DSP_SLOT_EMPTY:
    return "empty";
  case DSP_SLOT_BAD_HEADER:
    return "bad header";
  case DSP_SLOT_BAD_FIELD:
    return "bad field";
  case DSP_SLOT_BAD_PAYLOAD:
    return "bad payload";
  case DSP_SLOT_CHANGED:
    return "changed while read";
  }
  return "unknown";
}

bool
dsp_slots_newer(const uint64_t a, const uint64_t b)
{
  return (int64_t)(a - b) > 0;
}

static bool
all_zero(const uint8_t* const p, const size_t n)
{
  for (size_t i = 0U; i < n; ++i) {
    if (p[i]) {
      return false;
    }
  }
  return true;
}

DspStatus
dsp_slots_check(const DspRegion* const   region,
                DspLayoutGeometry* const geo,
                DspError* const          err)
{
  const char* const path = region->path;
  DspStateHeader    h;
  memcpy(&h, region->data, sizeof(h)); // Copy out of (uncached) memory

  if (all_zero(h.magic, 8U)) {
    // Formatting writes the magic last: zero magic is "never formatted".
    return dsp_error_set(err,
                         DSP_ERR_NOT_FOUND,
                         NULL,
                         "state region %s: empty (no checkpoint yet)",
                         path);
  }
  if (memcmp(h.magic, DSP_STATE_MAGIC, 8U)) {
    return dsp_error_set(err,
                         DSP_ERR_SYNTAX,
                         NULL,
                         "state region %s: bad magic "
                         "(not a dspengine state region)",
                         path);
  }
  if (dsp_le32(h.layout_version) != DSP_STATE_LAYOUT_VERSION) {
    return dsp_error_set(err,
                         DSP_ERR_UNSUPPORTED,
                         NULL,
                         "state region %s: layout version %u not supported "
                         "(this dspengine reads version %u)",
                         path,
                         dsp_le32(h.layout_version),
                         DSP_STATE_LAYOUT_VERSION);
  }
  if (dsp_crc32c(&h, DSP_STATE_HEADER_CRC_SPAN) != dsp_le32(h.header_crc)) {
    return dsp_error_set(err,
                         DSP_ERR_SYNTAX,
                         NULL,
                         "state region %s: header CRC mismatch (corrupt)",
                         path);
  }
  if (dsp_le64(h.region_size) != region->size) {
    return dsp_error_set(err,
                         DSP_ERR_SYNTAX,
                         NULL,
                         "state region %s: header says %llu bytes but the "
                         "region has %llu (resized?)",
                         path,
                         (unsigned long long)dsp_le64(h.region_size),
                         (unsigned long long)region->size);
  }

  DspLayoutGeometry g = { 0U, { 0U, 0U }, 0U, 0U };
  if (!dsp_layout_geometry(region->size, &g) ||
      dsp_le32(h.header_size) != sizeof(DspStateHeader) ||
      dsp_le64(h.slot_offset[0]) != g.slot_offset[0] ||
      dsp_le64(h.slot_offset[1]) != g.slot_offset[1] ||
      dsp_le64(h.slot_size) != g.slot_size) {
    return dsp_error_set(err,
                         DSP_ERR_SYNTAX,
                         NULL,
                         "state region %s: slot geometry does not match "
                         "the region size (corrupt)",
                         path);
  }
  if (geo) {
    *geo = g;
  }
  return DSP_SUCCESS;
}

bool
dsp_slots_hint(const DspRegion* const region,
               uint64_t* const        generation,
               unsigned* const        slot)
{
  DspStateHeader h;
  memcpy(&h, region->data, sizeof(h));
  const uint8_t* const bytes = (const uint8_t*)&h;
  const uint32_t       crc   = dsp_crc32c(bytes + 64U, 12U);
  if (crc != dsp_le32(h.hint_crc) || dsp_le32(h.hint_slot) > 1U ||
      !h.hint_generation) {
    return false;
  }
  *generation = dsp_le64(h.hint_generation);
  *slot       = dsp_le32(h.hint_slot);
  return true;
}

/// Write the header for the region's current size.
static DspStatus
write_header(DspRegion* const region, DspError* const err)
{
  DspLayoutGeometry g = { 0U, { 0U, 0U }, 0U, 0U };
  dsp_layout_geometry(region->size, &g); // Size checked at open

  // Zero the header area and both slot headers, then write the header with
  // its magic last: a format interrupted anywhere reads as never formatted.
  uint8_t* const data = region->data;
  memset(data, 0, DSP_STATE_HEADER_AREA);
  memset(data + g.slot_offset[0], 0, sizeof(DspStateSlotHeader));
  memset(data + g.slot_offset[1], 0, sizeof(DspStateSlotHeader));
  DspStatus st = dsp_region_flush(region, 0U, region->size, err);
  if (st) {
    return st;
  }

  DspStateHeader h;
  memset(&h, 0, sizeof(h));
  memcpy(h.magic, DSP_STATE_MAGIC, 8U);
  h.layout_version = dsp_le32(DSP_STATE_LAYOUT_VERSION);
  h.header_size    = dsp_le32(sizeof(DspStateHeader));
  h.region_size    = dsp_le64(g.region_size);
  h.slot_offset[0] = dsp_le64(g.slot_offset[0]);
  h.slot_offset[1] = dsp_le64(g.slot_offset[1]);
  h.slot_size      = dsp_le64(g.slot_size);
  h.created_ns     = dsp_le64(now_ns());
  h.header_crc     = dsp_le32(dsp_crc32c(&h, DSP_STATE_HEADER_CRC_SPAN));
  memcpy(data + 8U, (const uint8_t*)&h + 8U, sizeof(h) - 8U);
  atomic_thread_fence(memory_order_seq_cst);
  memcpy(data, h.magic, 8U);
  st = dsp_region_flush(region, 0U, sizeof(h), err);

  region->scanned   = !st;
  region->have_last = false;
  region->last_slot = 1U; // So that the first commit goes to slot 0
  region->last_gen  = 0U;
  return st;
}

DspStatus
dsp_slots_format(DspRegion* const region, const bool force, DspError* const err)
{
  if (!region->writable) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         NULL,
                         "state region %s: opened read-only",
                         region->path);
  }
  if (!force) {
    DspError        check;
    const DspStatus st = dsp_slots_check(region, NULL, &check);
    if (!st) {
      return DSP_SUCCESS; // Keep the checkpoints
    }
    if (st != DSP_ERR_NOT_FOUND) {
      dsp_error_set(err,
                    st,
                    NULL,
                    "%s; not overwritten (format it explicitly to reuse it)",
                    check.message);
      return st;
    }
  }
  return write_header(region, err);
}

void
dsp_slots_peek(const DspRegion* const         region,
               const DspLayoutGeometry* const geo,
               const unsigned                 slot,
               DspSlotInfo* const             info)
{
  memset(info, 0, sizeof(*info));
  info->slot = slot;

  DspStateSlotHeader h;
  memcpy(&h, region->data + geo->slot_offset[slot], sizeof(h));
  info->generation     = dsp_le64(h.generation);
  info->written_ns     = dsp_le64(h.written_ns);
  info->payload_length = dsp_le32(h.payload_length);
  info->payload_format = dsp_le32(h.payload_format);
  info->flags          = dsp_le32(h.flags);

  if (memcmp(h.magic, DSP_STATE_SLOT_MAGIC, 8U)) {
    info->condition =
      all_zero(h.magic, 8U) ? DSP_SLOT_EMPTY : DSP_SLOT_BAD_HEADER;
    snprintf(info->reason,
             sizeof(info->reason),
             "%s",
             info->condition == DSP_SLOT_EMPTY ? "empty or interrupted write"
                                               : "bad slot magic");
  } else if (dsp_crc32c(&h, DSP_STATE_SLOT_CRC_SPAN) !=
             dsp_le32(h.header_crc)) {
    info->condition = DSP_SLOT_BAD_HEADER;
    snprintf(info->reason, sizeof(info->reason), "slot header CRC mismatch");
  } else if (dsp_le32(h.slot_index) != slot) {
    info->condition = DSP_SLOT_BAD_FIELD;
    snprintf(info->reason,
             sizeof(info->reason),
             "slot index %u in slot %u",
             dsp_le32(h.slot_index),
             slot);
  } else if (!info->generation) {
    info->condition = DSP_SLOT_BAD_FIELD;
    snprintf(info->reason, sizeof(info->reason), "generation 0");
  } else if (info->payload_length > geo->max_payload) {
    info->condition = DSP_SLOT_BAD_FIELD;
    snprintf(info->reason,
             sizeof(info->reason),
             "payload length %u past the slot end (at most %llu)",
             info->payload_length,
             (unsigned long long)geo->max_payload);
  } else {
    info->condition = DSP_SLOT_VALID;
  }
}

DspStatus
dsp_slots_read(const DspRegion* const         region,
               const DspLayoutGeometry* const geo,
               const unsigned                 slot,
               uint8_t** const                payload,
               DspSlotInfo* const             info)
{
  *payload = NULL;
  dsp_slots_peek(region, geo, slot, info);
  if (info->condition != DSP_SLOT_VALID) {
    return DSP_ERR_NOT_FOUND;
  }

  const uint8_t* const base = region->data + geo->slot_offset[slot];
  const size_t         len  = info->payload_length;
  uint8_t* const       buf  = (uint8_t*)malloc(len + 1U);
  if (!buf) {
    return DSP_ERR_NO_MEM;
  }

  // Copy first, then check the copy: the region may be uncached (slow to
  // read twice) and may be written by another process meanwhile.
  DspStateSlotHeader before;
  DspStateSlotHeader after;
  memcpy(&before, base, sizeof(before));
  read_fence();
  memcpy(buf, base + sizeof(DspStateSlotHeader), len);
  buf[len] = 0U;
  read_fence();
  memcpy(&after, base, sizeof(after));

  if (memcmp(&before, &after, sizeof(before)) ||
      dsp_le64(before.generation) != info->generation) {
    info->condition = DSP_SLOT_CHANGED;
    snprintf(info->reason, sizeof(info->reason), "rewritten while read");
  } else if (dsp_crc32c(buf, len) != dsp_le32(before.payload_crc)) {
    info->condition = DSP_SLOT_BAD_PAYLOAD;
    snprintf(info->reason, sizeof(info->reason), "payload CRC mismatch");
  }
  if (info->condition != DSP_SLOT_VALID) {
    free(buf);
    return DSP_ERR_NOT_FOUND;
  }
  *payload = buf;
  return DSP_SUCCESS;
}

/// Find the newest valid slot, for the writer, once per open.
static DspStatus
scan(DspRegion* const region, DspError* const err)
{
  DspLayoutGeometry geo = { 0U, { 0U, 0U }, 0U, 0U };
  DspStatus         st  = dsp_slots_check(region, &geo, err);
  if (st == DSP_ERR_NOT_FOUND) {
    return write_header(region, err);
  }
  if (st) {
    return st;
  }

  DspSlotInfo info[2];
  uint64_t    newest_gen = 0U;
  for (unsigned i = 0U; i < 2U; ++i) {
    dsp_slots_peek(region, &geo, i, &info[i]);
    if (info[i].condition == DSP_SLOT_VALID &&
        (!newest_gen || dsp_slots_newer(info[i].generation, newest_gen))) {
      newest_gen = info[i].generation;
    }
  }

  // Newest first; the first that verifies completely is the one to keep.
  const unsigned first =
    (info[1].condition == DSP_SLOT_VALID &&
     (info[0].condition != DSP_SLOT_VALID ||
      dsp_slots_newer(info[1].generation, info[0].generation)))
      ? 1U
      : 0U;
  region->have_last = false;
  region->last_slot = 1U;
  for (unsigned k = 0U; k < 2U && !region->have_last; ++k) {
    const unsigned i       = k ? 1U - first : first;
    uint8_t*       payload = NULL;
    st = dsp_slots_read(region, &geo, i, &payload, &info[i]);
    free(payload);
    if (st == DSP_ERR_NO_MEM) {
      return dsp_error_set(
        err, st, NULL, "state region %s: out of memory", region->path);
    }
    if (!st) {
      region->have_last = true;
      region->last_slot = i;
    }
  }
  region->last_gen = newest_gen; // Generations never go back
  region->scanned  = true;
  return DSP_SUCCESS;
}

DspStatus
dsp_slots_commit(DspRegion* const   region,
                 const void* const  payload,
                 const size_t       size,
                 const uint32_t     format,
                 const uint32_t     flags,
                 DspSlotInfo* const info,
                 DspError* const    err)
{
  if (!region->writable) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         NULL,
                         "state region %s: opened read-only",
                         region->path);
  }
  DspStatus st = region->scanned ? DSP_SUCCESS : scan(region, err);
  if (st) {
    return st;
  }

  DspLayoutGeometry geo = { 0U, { 0U, 0U }, 0U, 0U };
  dsp_layout_geometry(region->size, &geo);
  if (size > geo.max_payload) {
    return dsp_error_set(err,
                         DSP_ERR_LIMIT,
                         NULL,
                         "state region %s: checkpoint of %zu bytes does not "
                         "fit a slot of %llu bytes (use a larger region)",
                         region->path,
                         size,
                         (unsigned long long)geo.max_payload);
  }

  const unsigned slot = region->have_last ? 1U - region->last_slot : 0U;
  uint64_t       gen  = region->last_gen + 1U;
  if (!gen) {
    gen = 1U; // Generation 0 means "never written"
  }
  const uint64_t offset = geo.slot_offset[slot];
  uint8_t* const base   = region->data + offset;

  // From here until the slot magic is written, this slot reads as empty.
  region->scanned = false; // Rescan if anything below fails
  memset(base, 0, 8U);
  if ((st = dsp_region_flush(region, offset, 8U, err))) {
    return st;
  }

  memcpy(base + sizeof(DspStateSlotHeader), payload, size);
  if ((st = dsp_region_flush(
         region, offset + sizeof(DspStateSlotHeader), size, err))) {
    return st;
  }

  DspStateSlotHeader h;
  memset(&h, 0, sizeof(h));
  memcpy(h.magic, DSP_STATE_SLOT_MAGIC, 8U);
  h.generation     = dsp_le64(gen);
  h.written_ns     = dsp_le64(now_ns());
  h.payload_length = dsp_le32((uint32_t)size);
  h.payload_crc    = dsp_le32(dsp_crc32c(payload, size));
  h.payload_format = dsp_le32(format);
  h.flags          = dsp_le32(flags);
  h.slot_index     = dsp_le32(slot);
  h.header_crc     = dsp_le32(dsp_crc32c(&h, DSP_STATE_SLOT_CRC_SPAN));
  memcpy(base + 8U, (const uint8_t*)&h + 8U, sizeof(h) - 8U);
  atomic_thread_fence(memory_order_seq_cst);
  memcpy(base, h.magic, 8U); // The commit point
  if ((st = dsp_region_flush(region, offset, sizeof(h), err))) {
    return st;
  }

  region->scanned   = true;
  region->have_last = true;
  region->last_slot = slot;
  region->last_gen  = gen;

  // The advisory hint, for people and tools; readers do not need it.
  uint8_t hint[16];
  memcpy(hint, &h.generation, 8U);
  const uint32_t hslot = dsp_le32(slot);
  memcpy(hint + 8U, &hslot, 4U);
  const uint32_t hcrc = dsp_le32(dsp_crc32c(hint, 12U));
  memcpy(hint + 12U, &hcrc, 4U);
  memcpy(region->data + 64U, hint, sizeof(hint));
  st = dsp_region_flush(region, 64U, sizeof(hint), err);

  if (info) {
    memset(info, 0, sizeof(*info));
    info->condition      = DSP_SLOT_VALID;
    info->slot           = slot;
    info->generation     = gen;
    info->written_ns     = dsp_le64(h.written_ns);
    info->payload_length = (uint32_t)size;
    info->payload_format = format;
    info->flags          = flags;
  }
  return st;
}
