// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "node.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char*
dup_or_null(const char* const str)
{
  return str ? strdup(str) : NULL;
}

DspNode*
dsp_node_alloc(const DspNodeClass* const klass,
               const char* const         id,
               const uint32_t            n_inputs,
               const uint32_t            n_outputs,
               const uint32_t            n_params)
{
  DspNode* const node = (DspNode*)calloc(1U, sizeof(DspNode));
  if (!node) {
    return NULL;
  }

  node->klass     = klass;
  node->n_inputs  = n_inputs;
  node->n_outputs = n_outputs;
  node->n_params  = n_params;
  node->id        = strdup(id ? id : "");
  node->inputs    = (DspPortInfo*)calloc(n_inputs + 1U, sizeof(DspPortInfo));
  node->outputs   = (DspPortInfo*)calloc(n_outputs + 1U, sizeof(DspPortInfo));
  node->params    = (DspParamInfo*)calloc(n_params + 1U, sizeof(DspParamInfo));
  node->zones     = (float**)calloc(n_params + 1U, sizeof(float*));
  if (!node->id || !node->inputs || !node->outputs || !node->params ||
      !node->zones) {
    dsp_node_free(node);
    return NULL;
  }

  return node;
}

DspStatus
dsp_port_info_set(DspPortInfo* const port,
                  const char* const  symbol,
                  const char* const  name,
                  const bool         is_cv)
{
  free(port->symbol);
  free(port->name);
  port->symbol = strdup(symbol);
  port->name   = strdup(name ? name : symbol);
  port->is_cv  = is_cv;
  return (port->symbol && port->name) ? DSP_SUCCESS : DSP_ERR_NO_MEM;
}

DspStatus
dsp_param_info_set(DspParamInfo* const param,
                   const char* const   symbol,
                   const char* const   path,
                   const char* const   name,
                   const char* const   unit,
                   const float         min,
                   const float         max,
                   const float         def,
                   const uint32_t      flags)
{
  free(param->symbol);
  free(param->path);
  free(param->name);
  free(param->unit);
  param->symbol = strdup(symbol);
  param->path   = dup_or_null(path);
  param->name   = strdup(name ? name : symbol);
  param->unit   = dup_or_null(unit);
  param->min    = min;
  param->max    = max;
  param->def    = def;
  param->flags  = flags;
  return (param->symbol && param->name && (!path || param->path) &&
          (!unit || param->unit))
           ? DSP_SUCCESS
           : DSP_ERR_NO_MEM;
}

static void
free_ports(DspPortInfo* const ports, const uint32_t n)
{
  for (uint32_t i = 0U; ports && i < n; ++i) {
    free(ports[i].symbol);
    free(ports[i].name);
  }
  free(ports);
}

void
dsp_node_free(DspNode* const node)
{
  if (!node) {
    return;
  }

  dsp_node_deactivate(node);
  if (node->impl && node->klass && node->klass->free_impl) {
    node->klass->free_impl(node);
  }

  free_ports(node->inputs, node->n_inputs);
  free_ports(node->outputs, node->n_outputs);
  for (uint32_t i = 0U; node->params && i < node->n_params; ++i) {
    free(node->params[i].symbol);
    free(node->params[i].path);
    free(node->params[i].name);
    free(node->params[i].unit);
  }
  free(node->params);
  free((void*)node->zones);
  free(node->id);
  free(node);
}

DspStatus
dsp_node_activate(DspNode* const node)
{
  if (node->active) {
    return DSP_SUCCESS;
  }

  const DspStatus st = node->klass->activate(node);
  node->active       = (st == DSP_SUCCESS);
  return st;
}

void
dsp_node_deactivate(DspNode* const node)
{
  if (node->active) {
    node->klass->deactivate(node);
    node->active = false;
  }
}

int
dsp_node_find_port(const DspNode* const node,
                   const DspPortDir     dir,
                   const char* const    symbol)
{
  const DspPortInfo* const ports =
    (dir == DSP_PORT_INPUT) ? node->inputs : node->outputs;
  const uint32_t n = (dir == DSP_PORT_INPUT) ? node->n_inputs : node->n_outputs;

  for (uint32_t i = 0U; i < n; ++i) {
    if (!strcmp(ports[i].symbol, symbol)) {
      return (int)i;
    }
  }
  return -1;
}

int
dsp_node_find_param(const DspNode* const node, const char* const name)
{
  for (uint32_t i = 0U; i < node->n_params; ++i) {
    if (!strcmp(node->params[i].symbol, name)) {
      return (int)i;
    }
  }
  for (uint32_t i = 0U; i < node->n_params; ++i) {
    if (node->params[i].path && !strcmp(node->params[i].path, name)) {
      return (int)i;
    }
  }
  return -1;
}

float
dsp_node_get_param(const DspNode* const node, const uint32_t index)
{
  return node->zones[index] ? *node->zones[index] : node->params[index].def;
}

DspStatus
dsp_node_check_param(const DspNode* const node,
                     const uint32_t       index,
                     const float          value,
                     const char* const    json_path,
                     DspError* const      err)
{
  const DspParamInfo* const p = &node->params[index];
  if (p->flags & DSP_PARAM_OUTPUT) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         json_path,
                         "node \"%s\": parameter \"%s\" is an output "
                         "(read-only)",
                         node->id,
                         p->symbol);
  }

  if (!isfinite(value) || value < p->min || value > p->max) {
    return dsp_error_set(err,
                         DSP_ERR_RANGE,
                         json_path,
                         "node \"%s\": parameter \"%s\" value %g out of "
                         "range [%g, %g]%s%s",
                         node->id,
                         p->symbol,
                         (double)value,
                         (double)p->min,
                         (double)p->max,
                         p->unit ? " " : "",
                         p->unit ? p->unit : "");
  }

  return DSP_SUCCESS;
}
