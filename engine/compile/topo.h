// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_TOPO_H
#define DSP_TOPO_H

#include "common/status.h"

#include <stdint.h>

/// A directed edge between two vertices.
typedef struct {
  uint32_t from; ///< Tail vertex (runs first)
  uint32_t to;   ///< Head vertex (runs after `from`)
} DspEdge;

/**
   Order `n` vertices so that every edge goes forward (Kahn's algorithm).

   Among vertices that are ready at once, lower indices come first, so the
   order is stable with respect to the input order.

   @param order Array of `n`, set to the vertices in run order.
   @param cycle Array of `n + 1`: on DSP_ERR_CYCLE, set to the vertices of
   one cycle, first vertex repeated at the end.
   @param cycle_len Set to the number of entries written to `cycle`.
   @return DSP_SUCCESS, DSP_ERR_CYCLE, or DSP_ERR_NO_MEM.
*/
DspStatus dsp_topo_sort(uint32_t       n,
                        const DspEdge* edges,
                        uint32_t       n_edges,
                        uint32_t*      order,
                        uint32_t*      cycle,
                        uint32_t*      cycle_len);

#endif // DSP_TOPO_H
