// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "topo.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/// Find one cycle among the vertices with remaining in-edges.
static void
find_cycle(const uint32_t        n,
           const DspEdge* const  edges,
           const uint32_t        n_edges,
           const uint32_t* const indegree,
           uint32_t* const       pred,
           uint32_t* const       cycle,
           uint32_t* const       cycle_len)
{
  // Every unsorted vertex has an unsorted predecessor: walk back from one
  // until a vertex repeats; the walk from that vertex is a cycle.
  for (uint32_t e = 0U; e < n_edges; ++e) {
    if (indegree[edges[e].to] && indegree[edges[e].from]) {
      pred[edges[e].to] = edges[e].from;
    }
  }

  uint32_t start = 0U;
  while (start < n && !indegree[start]) {
    ++start;
  }

  // Walk n steps back: we are now surely on the cycle
  uint32_t v = start;
  for (uint32_t i = 0U; i < n; ++i) {
    v = pred[v];
  }

  // Collect the cycle backwards, then reverse it to edge order
  uint32_t len = 0U;
  uint32_t u   = v;
  do {
    cycle[len++] = u;
    u            = pred[u];
  } while (u != v && len < n);

  for (uint32_t i = 0U; i < len / 2U; ++i) {
    const uint32_t t    = cycle[i];
    cycle[i]            = cycle[len - 1U - i];
    cycle[len - 1U - i] = t;
  }
  cycle[len] = cycle[0];
  *cycle_len = len + 1U;
}

DspStatus
dsp_topo_sort(const uint32_t       n,
              const DspEdge* const edges,
              const uint32_t       n_edges,
              uint32_t* const      order,
              uint32_t* const      cycle,
              uint32_t* const      cycle_len)
{
  *cycle_len               = 0U;
  uint32_t* const indegree = (uint32_t*)calloc(n + 1U, sizeof(uint32_t));
  bool* const     done     = (bool*)calloc(n + 1U, sizeof(bool));
  if (!indegree || !done) {
    free(indegree);
    free(done);
    return DSP_ERR_NO_MEM;
  }

  for (uint32_t e = 0U; e < n_edges; ++e) {
    ++indegree[edges[e].to];
  }

  // O(n^2 + n*e), fine for graphs of a few hundred nodes, and stable
  uint32_t n_sorted = 0U;
  bool     progress = true;
  while (n_sorted < n && progress) {
    progress = false;
    for (uint32_t v = 0U; v < n; ++v) {
      if (!done[v] && !indegree[v]) {
        done[v]           = true;
        order[n_sorted++] = v;
        progress          = true;
        for (uint32_t e = 0U; e < n_edges; ++e) {
          if (edges[e].from == v) {
            --indegree[edges[e].to];
          }
        }
        break; // restart from the lowest index for a stable order
      }
    }
  }

  DspStatus st = DSP_SUCCESS;
  if (n_sorted < n) {
    // Mark sorted vertices with indegree 0 so only the cyclic rest remains
    for (uint32_t v = 0U; v < n; ++v) {
      if (done[v]) {
        indegree[v] = 0U;
      }
    }
    find_cycle(n, edges, n_edges, indegree, order, cycle, cycle_len);
    st = DSP_ERR_CYCLE;
  }

  free(indegree);
  free(done);
  return st;
}
