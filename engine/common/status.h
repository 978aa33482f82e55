// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATUS_H
#define DSP_STATUS_H

/// The one status code every fallible function in dspengine returns.
typedef enum {
  DSP_SUCCESS = 0,     ///< Success
  DSP_FAILURE,         ///< Unspecified failure
  DSP_ERR_NO_MEM,      ///< Out of memory
  DSP_ERR_BAD_ARG,     ///< Invalid argument
  DSP_ERR_IO,          ///< File or device input/output failed
  DSP_ERR_SYNTAX,      ///< Malformed input (JSON syntax, Faust code)
  DSP_ERR_BAD_GRAPH,   ///< Graph is well-formed JSON but invalid
  DSP_ERR_NOT_FOUND,   ///< Named thing (plugin, node, port, parameter) missing
  DSP_ERR_RANGE,       ///< Value outside its declared range
  DSP_ERR_CYCLE,       ///< Graph contains a cycle
  DSP_ERR_UNSUPPORTED, ///< Plugin needs a feature the host lacks
  DSP_ERR_PLUGIN,      ///< Plugin failed to instantiate or run
  DSP_ERR_FULL,        ///< Ring or table is full
  DSP_ERR_LIMIT,       ///< A documented size limit was exceeded
} DspStatus;

/// Return a static, human-readable description of `status`. Safe anywhere.
const char* dsp_status_string(DspStatus status);

/// Map an errno value to a status (the one place this is done).
DspStatus dsp_status_from_errno(int err);

#endif // DSP_STATUS_H
