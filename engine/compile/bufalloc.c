// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "bufalloc.h"

#include <stdlib.h>

typedef struct {
  const DspLifetime* lives; ///< All lifetimes
  uint32_t           index; ///< Value index
} Item;

static int
compare_def(const void* const a, const void* const b)
{
  const Item* const x  = (const Item*)a;
  const Item* const y  = (const Item*)b;
  const uint32_t    dx = x->lives[x->index].def;
  const uint32_t    dy = y->lives[y->index].def;
  if (dx != dy) {
    return dx < dy ? -1 : 1;
  }
  return x->index < y->index ? -1 : (x->index > y->index);
}

DspStatus
dsp_bufalloc_assign(const uint32_t           n,
                    const DspLifetime* const lives,
                    uint32_t* const          slots,
                    uint32_t* const          n_slots)
{
  *n_slots                   = 0U;
  Item* const     items      = (Item*)calloc(n + 1U, sizeof(Item));
  uint32_t* const busy_until = (uint32_t*)calloc(n + 1U, sizeof(uint32_t));
  if (!items || !busy_until) {
    free(items);
    free(busy_until);
    return DSP_ERR_NO_MEM;
  }

  for (uint32_t i = 0U; i < n; ++i) {
    items[i].lives = lives;
    items[i].index = i;
  }
  qsort(items, n, sizeof(Item), compare_def);

  for (uint32_t k = 0U; k < n; ++k) {
    const uint32_t    v    = items[k].index;
    const DspLifetime life = lives[v];

    // Reuse the lowest buffer whose last reader ran before this definition
    uint32_t slot = *n_slots;
    for (uint32_t s = 0U; s < *n_slots; ++s) {
      if (busy_until[s] < life.def) {
        slot = s;
        break;
      }
    }
    if (slot == *n_slots) {
      ++*n_slots;
    }

    slots[v]         = slot;
    busy_until[slot] = life.last > life.def ? life.last : life.def;
  }

  free(items);
  free(busy_until);
  return DSP_SUCCESS;
}
