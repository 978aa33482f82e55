// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "status.h"

#include <errno.h>

const char*
dsp_status_string(const DspStatus status)
{
  switch (status) {
  case DSP_SUCCESS:
    return "success";
  case DSP_FAILURE:
    return "failure";
  case DSP_ERR_NO_MEM:
    return "out of memory";
  case DSP_ERR_BAD_ARG:
    return "invalid argument";
  case DSP_ERR_IO:
    return "input/output error";
  case DSP_ERR_SYNTAX:
    return "syntax error";
  case DSP_ERR_BAD_GRAPH:
    return "invalid graph";
  case DSP_ERR_NOT_FOUND:
    return "not found";
  case DSP_ERR_RANGE:
    return "value out of range";
  case DSP_ERR_CYCLE:
    return "graph has a cycle";
  case DSP_ERR_UNSUPPORTED:
    return "unsupported feature";
  case DSP_ERR_PLUGIN:
    return "plugin error";
  case DSP_ERR_FULL:
    return "full";
  case DSP_ERR_LIMIT:
    return "limit exceeded";
  }
  return "unknown status";
}

DspStatus
dsp_status_from_errno(const int err)
{
  switch (err) {
  case 0:
    return DSP_SUCCESS;
  case ENOMEM:
    return DSP_ERR_NO_MEM;
  case EINVAL:
    return DSP_ERR_BAD_ARG;
  case ENOENT:
    return DSP_ERR_NOT_FOUND;
  case ENOSPC:
  case EAGAIN:
    return DSP_ERR_FULL;
  default:
    break;
  }
  return DSP_ERR_IO;
}
