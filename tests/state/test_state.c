// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The state region: payload round trip, alternating slots, torn and
// corrupt fields, foreign regions, generation wrap, inspection.

#include "fixture.h"

#include "state/checkpoint.h"
#include "state/crc32c.h"
#include "state/inspect.h"
#include "state/layout.h"
#include "state/region.h"
#include "state/slots.h"

#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define REGION_SIZE (64U * 1024U)

static DspRegion*
open_rw(const char* const path)
{
  DspRegion* region = NULL;
  DspError   err;
  assert_int_equal(
    dsp_region_open(path, DSP_REGION_CREATE, REGION_SIZE, &region, &err),
    DSP_SUCCESS);
  return region;
}

static void
write_seq(DspRegion* const region, const uint64_t seq, DspCheckpointInfo* info)
{
  DspCheckpoint* const cp = fixture_checkpoint(seq, 2000U);
  DspError             err;
  assert_non_null(cp);
  assert_int_equal(dsp_checkpoint_write(region, cp, info, &err), DSP_SUCCESS);
  dsp_checkpoint_free(cp);
}

/// Read and return the seq of the checkpoint read, checking its content.
static DspStatus
read_seq(const DspRegion* const   region,
         uint64_t* const          seq,
         DspCheckpointInfo* const info,
         DspError* const          err)
{
  DspCheckpoint*  cp = NULL;
  const DspStatus st = dsp_checkpoint_read(region, &cp, info, err);
  if (st) {
    assert_null(cp);
    assert_null(strchr(err->message, '\n')); // One line
    assert_non_null(strstr(err->message, dsp_region_path(region)));
    return st;
  }
  *seq                          = cp->counters.param_changes;
  DspCheckpoint* const expected = fixture_checkpoint(*seq, 2000U);
  assert_true(fixture_equal(cp, expected));
  dsp_checkpoint_free(expected);
  dsp_checkpoint_free(cp);
  return st;
}

static void
test_crc32c(void** state)
{
  (void)state;
  assert_int_equal(dsp_crc32c("123456789", 9U), 0xE3069283U);
  assert_int_equal(dsp_crc32c("", 0U), 0U);
}

static void
test_json_round_trip(void** state)
{
  (void)state;
  DspCheckpoint* const cp = fixture_checkpoint(12345U, 5000U);
  assert_non_null(cp);
  cp->clean = true;
  assert_int_equal(dsp_checkpoint_set_param(cp, "x", "nan", NAN), DSP_SUCCESS);
  assert_int_equal(dsp_checkpoint_set_param(cp, "x", "inf", -INFINITY), 0);
  assert_int_equal(dsp_checkpoint_set_param(cp, "x", "tiny", 1e-38f), 0);
  assert_int_equal(dsp_checkpoint_set_param(cp, "x", "pi", 3.14159274f), 0);
  cp->settings.backend = strdup("jack");

  char*    text = NULL;
  size_t   size = 0U;
  DspError err;
  assert_int_equal(dsp_checkpoint_to_json(cp, &text, &size, &err), 0);
  DspCheckpoint* back = NULL;
  assert_int_equal(dsp_checkpoint_from_json(text, size, &back, &err), 0);

  const DspCheckpointParam* const n =
    dsp_checkpoint_find_param(back, "x", "nan");
  assert_non_null(n);
  assert_true(isnan(n->value));
  back->params[n - back->params].value = cp->params[n - back->params].value;
  assert_true(fixture_equal(cp, back));
  assert_true(dsp_checkpoint_find_param(back, "x", "inf")->value == -INFINITY);
  assert_true(dsp_checkpoint_find_param(back, "x", "pi")->value == 3.14159274f);

  // Setting an existing parameter updates it in place.
  const size_t count = back->n_params;
  assert_int_equal(dsp_checkpoint_set_param(back, "x", "pi", 3.0f), 0);
  assert_int_equal(back->n_params, count);
  free(text);
  dsp_checkpoint_free(back);
  dsp_checkpoint_free(cp);
}

static void
test_json_errors(void** state)
{
  (void)state;
  static const struct {
    const char* text;
    const char* path;
  } cases[] = {
    { "[]", "" },
    { "{\"format\": \"x\", \"version\": 1}", "/format" },
    { "{\"format\": \"dspengine-checkpoint\", \"version\": 9}", "/version" },
    { "{\"format\": \"dspengine-checkpoint\", \"version\": 1, \"graph\": 3}",
      "/graph" },
    { "{\"format\": \"dspengine-checkpoint\", \"version\": 1, \"graph\": {},"
      " \"params\": [{\"node\": \"a\", \"param\": \"b\", \"value\": \"x\"}]}",
      "/params/0/value" },
    { "{\"format\": \"dspengine-checkpoint\", \"version\": 1, \"graph\": {},"
      " \"params\": [], \"states\": [{\"node\": 1}]}",
      "/states/0/node" },
    { "{\"format\": \"dspengine-checkpoint\", \"version\": 1, \"graph\": {},"
      " \"params\": [], \"states\": [], \"settings\": {\"period\": -1}}",
      "/settings/period" },
    { "{\"format\": \"dspengine-checkpoint\", \"version\": 1, \"graph\": {},"
      " \"params\": [], \"states\": [], \"settings\": {}, \"counters\": "
      "{\"boots\": 1.5}}",
      "/counters/boots" },
  };
  for (size_t i = 0U; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    DspCheckpoint* cp = NULL;
    DspError       err;
    dsp_error_clear(&err);
    assert_int_not_equal(
      dsp_checkpoint_from_json(cases[i].text, strlen(cases[i].text), &cp, &err),
      DSP_SUCCESS);
    assert_null(cp);
    assert_string_equal(err.path, cases[i].path);
  }

  DspCheckpoint* cp = NULL;
  DspError       err;
  assert_int_equal(dsp_checkpoint_from_json("{\"a\": ", 6U, &cp, &err),
                   DSP_ERR_SYNTAX);
  assert_non_null(strstr(err.message, "line 1"));
}

static void
test_round_trip_and_alternation(void** state)
{
  (void)state;
  char path[64];
  fixture_path(path);
  DspRegion* region = open_rw(path);
  assert_int_equal(dsp_region_kind(region), DSP_REGION_FILE);
  assert_int_equal(dsp_region_size(region), REGION_SIZE);

  uint64_t          seq = 0U;
  DspCheckpointInfo info;
  DspError          err;
  assert_int_equal(read_seq(region, &seq, &info, &err), DSP_ERR_NOT_FOUND);

  for (uint64_t i = 1U; i <= 6U; ++i) {
    write_seq(region, 100U + i, &info);
    assert_int_equal(info.slot.generation, i);
    assert_int_equal(info.slot.slot, (unsigned)((i - 1U) % 2U));
    assert_int_equal(read_seq(region, &seq, &info, &err), DSP_SUCCESS);
    assert_int_equal(seq, 100U + i);
    assert_int_equal(info.slot.generation, i);
    assert_false(info.fell_back);
    assert_true(info.hint_valid);
    assert_int_equal(info.hint_gen, i);
    if (i > 1U) {
      assert_int_equal(info.other.condition, DSP_SLOT_VALID);
      assert_int_equal(info.other.generation, i - 1U);
    }
  }
  dsp_region_close(region);

  // Reopening continues the sequence in the right slot.
  region = open_rw(path);
  write_seq(region, 200U, &info);
  assert_int_equal(info.slot.generation, 7U);
  assert_int_equal(info.slot.slot, 0U);
  assert_int_equal(read_seq(region, &seq, &info, &err), DSP_SUCCESS);
  assert_int_equal(seq, 200U);

  // A second writer is refused; a reader is not.
  DspRegion* other = NULL;
  assert_int_equal(dsp_region_open(path, DSP_REGION_WRITE, 0U, &other, &err),
                   DSP_ERR_IO);
  assert_non_null(strstr(err.message, "in use"));
  assert_int_equal(dsp_region_open(path, DSP_REGION_READ, 0U, &other, &err),
                   DSP_SUCCESS);
  assert_int_equal(read_seq(other, &seq, &info, &err), DSP_SUCCESS);
  DspCheckpoint* const ro = fixture_checkpoint(1U, 10U);
  assert_int_equal(dsp_checkpoint_write(other, ro, NULL, &err),
                   DSP_ERR_BAD_ARG);
  dsp_checkpoint_free(ro);
  dsp_region_close(other);

  // Too large a checkpoint is refused and leaves the region as it was.
  DspCheckpoint* const big  = fixture_checkpoint(1U, 0U);
  char* const          text = (char*)malloc(REGION_SIZE);
  memset(text, 'x', REGION_SIZE - 1U);
  text[REGION_SIZE - 1U] = '\0';
  assert_int_equal(dsp_checkpoint_set_state(big, "big", text), 0);
  assert_int_equal(dsp_checkpoint_write(region, big, NULL, &err),
                   DSP_ERR_LIMIT);
  free(text);
  dsp_checkpoint_free(big);
  assert_int_equal(read_seq(region, &seq, &info, &err), DSP_SUCCESS);
  assert_int_equal(seq, 200U);

  dsp_region_close(region);
  unlink(path);
}

/// Rewrite slot `slot`'s header through `edit`, recomputing its CRC, as a
/// buggy or hostile writer would.
static void
edit_slot(uint8_t* const data,
          const unsigned slot,
          void (*const edit)(DspStateSlotHeader*, void*),
          void* const arg)
{
  DspLayoutGeometry geo = { 0U, { 0U, 0U }, 0U, 0U };
  dsp_layout_geometry(REGION_SIZE, &geo);
  DspStateSlotHeader h;
  memcpy(&h, data + geo.slot_offset[slot], sizeof(h));
  edit(&h, arg);
  h.header_crc = dsp_le32(dsp_crc32c(&h, DSP_STATE_SLOT_CRC_SPAN));
  memcpy(data + geo.slot_offset[slot], &h, sizeof(h));
}

static void
set_length(DspStateSlotHeader* const h, void* const arg)
{
  h->payload_length = dsp_le32(*(const uint32_t*)arg);
}

static void
set_generation(DspStateSlotHeader* const h, void* const arg)
{
  h->generation = dsp_le64(*(const uint64_t*)arg);
}

static void
set_index(DspStateSlotHeader* const h, void* const arg)
{
  h->slot_index = dsp_le32(*(const uint32_t*)arg);
}

static void
set_format(DspStateSlotHeader* const h, void* const arg)
{
  h->payload_format = dsp_le32(*(const uint32_t*)arg);
}

/// Region with generation 1 (seq 1) in slot 0 and 2 (seq 2) in slot 1.
typedef struct {
  char       path[64];
  DspRegion* region;
  uint8_t*   pristine;
} Torn;

static void
torn_setup(Torn* const t)
{
  fixture_path(t->path);
  DspRegion* const w = open_rw(t->path);
  write_seq(w, 1U, NULL);
  write_seq(w, 2U, NULL);
  dsp_region_close(w);

  // Corrupt through a second (unlocked, writable) mapping.
  DspError err;
  assert_int_equal(
    dsp_region_open(t->path, DSP_REGION_WRITE, 0U, &t->region, &err), 0);
  t->pristine = (uint8_t*)malloc(REGION_SIZE);
  memcpy(t->pristine, dsp_region_data(t->region), REGION_SIZE);
}

static void
torn_reset(Torn* const t)
{
  memcpy(dsp_region_data(t->region), t->pristine, REGION_SIZE);
}

static void
torn_teardown(Torn* const t)
{
  dsp_region_close(t->region);
  free(t->pristine);
  unlink(t->path);
}

/// Expect the reader to fall back to generation 1.
static void
expect_fallback(Torn* const t)
{
  uint64_t          seq = 0U;
  DspCheckpointInfo info;
  DspError          err;
  assert_int_equal(read_seq(t->region, &seq, &info, &err), DSP_SUCCESS);
  assert_int_equal(seq, 1U);
  assert_int_equal(info.slot.generation, 1U);
  assert_int_equal(info.slot.slot, 0U);
  assert_int_not_equal(info.other.condition, DSP_SLOT_VALID);
}

static void
test_torn_slot_fields(void** state)
{
  (void)state;
  Torn t;
  torn_setup(&t);
  uint8_t* const    data = dsp_region_data(t.region);
  DspLayoutGeometry geo  = { 0U, { 0U, 0U }, 0U, 0U };
  dsp_layout_geometry(REGION_SIZE, &geo);
  const uint64_t s1 = geo.slot_offset[1];

  // Every bit of the newest slot's header.
  for (size_t byte = 0U; byte < sizeof(DspStateSlotHeader); ++byte) {
    for (unsigned bit = 0U; bit < 8U; ++bit) {
      torn_reset(&t);
      data[s1 + byte] ^= (uint8_t)(1U << bit);
      expect_fallback(&t);
    }
  }

  // Payload bytes: first, middle, last; and a header torn to zero.
  uint32_t len = 0U;
  memcpy(&len, data + s1 + 24U, 4U);
  len               = dsp_le32(len);
  const size_t at[] = { 0U, len / 2U, len - 1U };
  for (size_t i = 0U; i < 3U; ++i) {
    torn_reset(&t);
    data[s1 + sizeof(DspStateSlotHeader) + at[i]] ^= 0x20U;
    expect_fallback(&t);
  }
  torn_reset(&t);
  memset(data + s1, 0, sizeof(DspStateSlotHeader));
  expect_fallback(&t);

  // Fields that verify but lie: wrong and impossible lengths.
  const uint32_t lens[] = { len - 1U,
                            len + 1U,
                            0U,
                            (uint32_t)geo.max_payload,
                            (uint32_t)geo.max_payload + 1U,
                            UINT32_MAX };
  for (size_t i = 0U; i < sizeof(lens) / sizeof(lens[0]); ++i) {
    torn_reset(&t);
    uint32_t l = lens[i];
    edit_slot(data, 1U, set_length, &l);
    expect_fallback(&t);
  }
  torn_reset(&t);
  uint64_t zero = 0U;
  edit_slot(data, 1U, set_generation, &zero);
  expect_fallback(&t);
  torn_reset(&t);
  uint32_t index = 0U;
  edit_slot(data, 1U, set_index, &index);
  expect_fallback(&t);
  torn_reset(&t);
  uint32_t format = 77U;
  edit_slot(data, 1U, set_format, &format);
  expect_fallback(&t);

  // A payload whose CRC verifies but which does not decode.
  torn_reset(&t);
  const char junk[] = "{\"format\": \"dspengine-checkpoint\", \"version\": 1}";
  memcpy(data + s1 + sizeof(DspStateSlotHeader), junk, sizeof(junk) - 1U);
  uint32_t l = (uint32_t)(sizeof(junk) - 1U);
  edit_slot(data, 1U, set_length, &l);
  DspStateSlotHeader h;
  memcpy(&h, data + s1, sizeof(h));
  h.payload_crc = dsp_le32(dsp_crc32c(junk, l));
  h.header_crc  = dsp_le32(dsp_crc32c(&h, DSP_STATE_SLOT_CRC_SPAN));
  memcpy(data + s1, &h, sizeof(h));
  expect_fallback(&t);

  // Both slots bad: the region is reported invalid in one line.
  torn_reset(&t);
  data[geo.slot_offset[0] + 70U] ^= 1U;
  data[s1 + 9U] ^= 1U;
  uint64_t          seq = 0U;
  DspCheckpointInfo info;
  DspError          err;
  assert_int_equal(read_seq(t.region, &seq, &info, &err), DSP_ERR_SYNTAX);
  assert_non_null(strstr(err.message, "no valid checkpoint"));
  assert_non_null(strstr(err.message, "payload CRC mismatch"));
  assert_non_null(strstr(err.message, "slot header CRC mismatch"));

  torn_teardown(&t);
}

static void
test_torn_header(void** state)
{
  (void)state;
  Torn t;
  torn_setup(&t);
  uint8_t* const data = dsp_region_data(t.region);

  // Geometry, version, magic and CRC: the region is invalid.
  for (size_t byte = 0U; byte < 64U; ++byte) {
    torn_reset(&t);
    data[byte] ^= 0x10U;
    uint64_t          seq = 0U;
    DspCheckpointInfo info;
    DspError          err;
    const DspStatus   st = read_seq(t.region, &seq, &info, &err);
    assert_true(st == DSP_ERR_SYNTAX || st == DSP_ERR_UNSUPPORTED);
  }

  // The commit hint and reserved bytes are advisory.
  for (size_t byte = 64U; byte < DSP_STATE_HEADER_AREA; byte += 3U) {
    torn_reset(&t);
    data[byte] ^= 0x10U;
    uint64_t          seq = 0U;
    DspCheckpointInfo info;
    DspError          err;
    assert_int_equal(read_seq(t.region, &seq, &info, &err), DSP_SUCCESS);
    assert_int_equal(seq, 2U);
    assert_true(byte >= 80U || !info.hint_valid);
  }
  torn_teardown(&t);
}

static void
test_writer_skips_valid_slot(void** state)
{
  (void)state;
  Torn t;
  torn_setup(&t);
  DspLayoutGeometry geo = { 0U, { 0U, 0U }, 0U, 0U };
  dsp_layout_geometry(REGION_SIZE, &geo);

  // Slot 1 (newest) is corrupt: the next write must go there, not over the
  // only valid checkpoint in slot 0, and still move the generation on.
  dsp_region_data(t.region)[geo.slot_offset[1] + 100U] ^= 1U;
  dsp_region_close(t.region);
  t.region = open_rw(t.path);
  DspCheckpointInfo info;
  write_seq(t.region, 3U, &info);
  assert_int_equal(info.slot.slot, 1U);
  assert_int_equal(info.slot.generation, 3U);
  uint64_t seq = 0U;
  DspError err;
  assert_int_equal(read_seq(t.region, &seq, &info, &err), DSP_SUCCESS);
  assert_int_equal(seq, 3U);
  assert_int_equal(info.other.generation, 1U);
  torn_teardown(&t);
}

static void
test_generation_wrap(void** state)
{
  (void)state;
  Torn t;
  torn_setup(&t);
  uint8_t* const data = dsp_region_data(t.region);

  // Slot 0 holds UINT64_MAX, slot 1 holds 1: 1 is newer.
  uint64_t g0 = UINT64_MAX;
  uint64_t g1 = 1U;
  edit_slot(data, 0U, set_generation, &g0);
  edit_slot(data, 1U, set_generation, &g1);
  uint64_t          seq = 0U;
  DspCheckpointInfo info;
  DspError          err;
  assert_int_equal(read_seq(t.region, &seq, &info, &err), DSP_SUCCESS);
  assert_int_equal(seq, 2U);

  // The writer after UINT64_MAX skips 0 and goes on at 1.
  g1 = UINT64_MAX - 1U;
  edit_slot(data, 1U, set_generation, &g1);
  dsp_region_close(t.region);
  t.region = open_rw(t.path);
  write_seq(t.region, 9U, &info);
  assert_int_equal(info.slot.generation, 1U);
  assert_int_equal(info.slot.slot, 1U);
  assert_int_equal(read_seq(t.region, &seq, &info, &err), DSP_SUCCESS);
  assert_int_equal(seq, 9U);
  write_seq(t.region, 10U, &info);
  assert_int_equal(info.slot.generation, 2U);
  assert_int_equal(read_seq(t.region, &seq, &info, &err), DSP_SUCCESS);
  assert_int_equal(seq, 10U);
  torn_teardown(&t);
}

static void
test_random_corruption(void** state)
{
  (void)state;
  Torn t;
  torn_setup(&t);
  uint8_t* const    data = dsp_region_data(t.region);
  DspLayoutGeometry geo  = { 0U, { 0U, 0U }, 0U, 0U };
  dsp_layout_geometry(REGION_SIZE, &geo);
  srand(42);

  // Flip random bits, mostly in the headers; the reader returns one of the
  // two checkpoints written or an error, and never crashes.
  size_t n_ok = 0U;
  for (unsigned i = 0U; i < 3000U; ++i) {
    torn_reset(&t);
    const unsigned flips = 1U + (unsigned)rand() % 4U;
    for (unsigned f = 0U; f < flips; ++f) {
      const unsigned where = (unsigned)rand() % 4U;
      const size_t   off   = where == 0U  ? (size_t)rand() % 128U
                             : where < 3U ? (size_t)geo.slot_offset[where - 1U] +
                                          (size_t)rand() % 64U
                                          : (size_t)rand() % REGION_SIZE;
      data[off] ^= (uint8_t)(1U << (rand() % 8));
    }
    uint64_t          seq = 0U;
    DspCheckpointInfo info;
    DspError          err;
    if (!read_seq(t.region, &seq, &info, &err)) {
      assert_true(seq == 1U || seq == 2U);
      ++n_ok;
    }
  }
  print_message("random corruption: %zu of 3000 reads found a checkpoint\n",
                n_ok);

  // Random bytes everywhere behind a valid header.
  for (unsigned i = 0U; i < 200U; ++i) {
    torn_reset(&t);
    for (size_t b = 128U; b < REGION_SIZE; ++b) {
      data[b] = (uint8_t)rand();
    }
    uint64_t          seq = 0U;
    DspCheckpointInfo info;
    DspError          err;
    assert_int_not_equal(read_seq(t.region, &seq, &info, &err), DSP_SUCCESS);
  }
  torn_teardown(&t);
}

static void
test_foreign_and_truncated(void** state)
{
  (void)state;
  char path[64];
  fixture_path(path);
  DspRegion*        region = NULL;
  DspCheckpoint*    cp     = NULL;
  DspCheckpointInfo info;
  DspError          err;

  // Missing file, read-only.
  assert_int_equal(dsp_region_open(path, DSP_REGION_READ, 0U, &region, &err),
                   DSP_ERR_NOT_FOUND);
  assert_non_null(strstr(err.message, path));

  // A foreign file of text.
  FILE* f = fopen(path, "w");
  for (unsigned i = 0U; i < 2000U; ++i) {
    fprintf(f, "not a state region, line %u\n", i);
  }
  fclose(f);
  assert_int_equal(dsp_region_open(path, DSP_REGION_READ, 0U, &region, &err),
                   0);
  assert_int_equal(dsp_checkpoint_read(region, &cp, &info, &err),
                   DSP_ERR_SYNTAX);
  char expected[160];
  snprintf(expected,
           sizeof(expected),
           "state region %s: bad magic (not a dspengine state region)",
           path);
  assert_string_equal(err.message, expected);
  dsp_region_close(region);

  // The writer refuses to overwrite it unless told to.
  assert_int_equal(dsp_region_open(path, DSP_REGION_WRITE, 0U, &region, &err),
                   0);
  DspCheckpoint* const one = fixture_checkpoint(1U, 10U);
  assert_int_equal(dsp_checkpoint_write(region, one, NULL, &err),
                   DSP_ERR_SYNTAX);
  assert_int_equal(dsp_slots_format(region, false, &err), DSP_ERR_SYNTAX);
  assert_int_equal(dsp_slots_format(region, true, &err), DSP_SUCCESS);
  assert_int_equal(dsp_checkpoint_write(region, one, NULL, &err), 0);
  dsp_checkpoint_free(one);
  dsp_region_close(region);

  // Truncated to less than its header says.
  assert_int_equal(truncate(path, DSP_STATE_MIN_SIZE + 4096), 0);
  assert_int_equal(dsp_region_open(path, DSP_REGION_READ, 0U, &region, &err),
                   0);
  assert_int_equal(dsp_checkpoint_read(region, &cp, &info, &err),
                   DSP_ERR_SYNTAX);
  assert_non_null(strstr(err.message, "resized"));
  dsp_region_close(region);

  // Truncated below the minimum, and empty.
  assert_int_equal(truncate(path, 100), 0);
  assert_int_equal(dsp_region_open(path, DSP_REGION_READ, 0U, &region, &err),
                   DSP_ERR_RANGE);
  assert_non_null(strstr(err.message, "too small"));
  assert_int_equal(truncate(path, 0), 0);
  assert_int_equal(dsp_region_open(path, DSP_REGION_READ, 0U, &region, &err),
                   DSP_ERR_NOT_FOUND);

  // An empty file opened for writing gets the default size.
  assert_int_equal(dsp_region_open(path, DSP_REGION_CREATE, 0U, &region, &err),
                   0);
  assert_int_equal(dsp_region_size(region), DSP_STATE_DEFAULT_SIZE);
  dsp_region_close(region);

  // Not a regular file.
  assert_int_equal(dsp_region_open("/tmp", DSP_REGION_READ, 0U, &region, &err),
                   DSP_ERR_BAD_ARG);
  assert_null(region);

  // A newer layout version is named as such.
  assert_int_equal(dsp_region_open(path, DSP_REGION_WRITE, 0U, &region, &err),
                   0);
  assert_int_equal(dsp_slots_format(region, true, &err), 0);
  const uint32_t v2 = dsp_le32(2U);
  memcpy(dsp_region_data(region) + 8U, &v2, 4U);
  assert_int_equal(dsp_checkpoint_read(region, &cp, &info, &err),
                   DSP_ERR_UNSUPPORTED);
  assert_non_null(strstr(err.message, "layout version 2"));
  dsp_region_close(region);
  unlink(path);
}

static void
test_sysfs_is_device(void** state)
{
  (void)state;
  // A sysfs attribute is classified as a device and fails cleanly (it is
  // too small to hold a region): a real BAR file passes the same path.
  DspRegion*        region = NULL;
  DspError          err;
  const char* const path = "/sys/kernel/mm/transparent_hugepage/enabled";
  if (access(path, R_OK)) {
    skip();
  }
  assert_int_not_equal(
    dsp_region_open(path, DSP_REGION_READ, 0U, &region, &err), DSP_SUCCESS);
  assert_null(region);
  assert_non_null(strstr(err.message, path));
}

static void
test_inspect(void** state)
{
  (void)state;
  char path[64];
  fixture_path(path);
  DspRegion* const region = open_rw(path);
  write_seq(region, 41U, NULL);
  write_seq(region, 42U, NULL);
  dsp_region_close(region);

  char*  text = NULL;
  size_t size = 0U;
  FILE*  out  = open_memstream(&text, &size);
  assert_int_equal(dsp_inspect_region(path, out, stderr, false), 0);
  fclose(out);
  assert_non_null(strstr(text, "checkpoint: generation 2, slot 1"));
  assert_non_null(strstr(text, "graph: g42 from /tmp/g.json"));
  assert_non_null(strstr(text, "  n0.gain = 10.5\n"));
  assert_non_null(strstr(text, "  n0.über = -1.5e-07\n"));
  assert_non_null(strstr(text, "parameter changes 42"));
  assert_non_null(strstr(text, "other slot: 0, generation 1, valid"));
  free(text);

  out = open_memstream(&text, &size);
  assert_int_equal(dsp_inspect_region(path, out, stderr, true), 0);
  fclose(out);
  assert_non_null(strstr(text, "\"generation\": 2"));
  assert_non_null(strstr(text, "\"format\": \"dspengine-checkpoint\""));
  free(text);

  // An invalid region: one line on the error stream, exit status 1.
  const int fd = open(path, O_WRONLY);
  assert_int_equal(pwrite(fd, "XXXX", 4, 0), 4);
  close(fd);
  char*  etext = NULL;
  size_t esize = 0U;
  FILE*  eout  = open_memstream(&etext, &esize);
  assert_int_equal(dsp_inspect_region(path, stdout, eout, false), 1);
  fclose(eout);
  assert_non_null(strstr(etext, "bad magic"));
  assert_int_equal(strchr(etext, '\n') - etext, (ptrdiff_t)esize - 1);
  free(etext);
  unlink(path);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_crc32c),
    cmocka_unit_test(test_json_round_trip),
    cmocka_unit_test(test_json_errors),
    cmocka_unit_test(test_round_trip_and_alternation),
    cmocka_unit_test(test_torn_slot_fields),
    cmocka_unit_test(test_torn_header),
    cmocka_unit_test(test_writer_skips_valid_slot),
    cmocka_unit_test(test_generation_wrap),
    cmocka_unit_test(test_random_corruption),
    cmocka_unit_test(test_foreign_and_truncated),
    cmocka_unit_test(test_sysfs_is_device),
    cmocka_unit_test(test_inspect),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
