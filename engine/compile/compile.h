// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_COMPILE_H
#define DSP_COMPILE_H

#include "common/error.h"
#include "graph/graph.h"
#include "nodes/node.h"
#include "plan/plan.h"

/**
   Compile a graph into a plan: instantiate and configure every node, bind
   connections to real ports, order the nodes, assign buffers (reusing them
   where lifetimes allow), build summing points, connect and activate.

   Runs off the audio thread; may allocate, load plugins and compile Faust.

   @param graph The graph.  On success the plan owns it; on failure it is
   still the caller's.
   @param env Sample rate, maximum block and plugin worlds for the nodes.
   @param[out] plan Set to a plan to free with dsp_plan_free().
   @param err Set to where and what on failure.
*/
DspStatus dsp_compile(DspGraph*         graph,
                      const DspNodeEnv* env,
                      DspPlan**         plan,
                      DspError*         err);

#endif // DSP_COMPILE_H
