// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The "lv2" node kind, control-thread side: instantiate (ports, parameters,
// host features), connect, activate and free.  State is in lv2_state.c,
// run() in lv2_rt.c.

#include "lv2_internal.h"

#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/parameters/parameters.h>
#include <lv2/state/state.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/// Host features that may be required (provided or harmless to promise).
static const char* const supported_features[] = {
  LV2_URID__map,
  LV2_URID__unmap,
  LV2_OPTIONS__options,
  LV2_BUF_SIZE__boundedBlockLength,
  LV2_LOG__log,
  LV2_WORKER__schedule,
  LV2_STATE__loadDefaultState,
  LV2_CORE__hardRTCapable,
  LV2_CORE__isLive,
  LV2_CORE__inPlaceBroken,
  NULL,
};

static bool
is_supported_feature(const char* const uri)
{
  for (const char* const* f = supported_features; *f; ++f) {
    if (!strcmp(*f, uri)) {
      return true;
    }
  }
  return false;
}

// Instantiation -------------------------------------------------------------

/// Counts of a plugin's ports by use.
typedef struct {
  uint32_t n_inputs;  ///< Audio and CV inputs
  uint32_t n_outputs; ///< Audio and CV outputs
  uint32_t n_params;  ///< Control ports
  uint32_t n_atoms;   ///< Atom ports
  uint32_t atom_cap;  ///< Bytes per atom buffer
} DspLv2PortCounts;

static DspStatus
check_features(const DspLv2World* const world,
               const LilvPlugin* const  plugin,
               const char* const        path,
               DspError* const          err)
{
  const char* const plugin_uri = lilv_node_as_uri(lilv_plugin_get_uri(plugin));
  LilvNodes* const  required   = lilv_plugin_get_required_features(plugin);
  DspStatus         st         = DSP_SUCCESS;

  LILV_FOREACH(nodes, i, required)
  {
    const char* const uri = lilv_node_as_uri(lilv_nodes_get(required, i));
    if (!is_supported_feature(uri)) {
      st = dsp_error_set(err,
                         DSP_ERR_UNSUPPORTED,
                         path,
                         "plugin <%s> requires host feature <%s>, which "
                         "dspengine does not support",
                         plugin_uri,
                         uri);
      break;
    }
  }
  lilv_nodes_free(required);
  if (st) {
    return st;
  }

  // Options the plugin cannot do without must be among those we pass
  LilvNode* const req_opt =
    lilv_new_uri(world->lilv, LV2_OPTIONS__requiredOption);
  LilvNodes* const options = lilv_world_find_nodes(
    world->lilv, lilv_plugin_get_uri(plugin), req_opt, NULL);
  static const char* const provided[] = {
    LV2_PARAMETERS__sampleRate,   LV2_BUF_SIZE__minBlockLength,
    LV2_BUF_SIZE__maxBlockLength, LV2_BUF_SIZE__nominalBlockLength,
    LV2_BUF_SIZE__sequenceSize,
  };
  LILV_FOREACH(nodes, i, options)
  {
    const char* const uri   = lilv_node_as_string(lilv_nodes_get(options, i));
    bool              found = false;
    for (size_t k = 0U; k < sizeof(provided) / sizeof(provided[0]); ++k) {
      found = found || !strcmp(uri, provided[k]);
    }
    if (!found) {
      st = dsp_error_set(err,
                         DSP_ERR_UNSUPPORTED,
                         path,
                         "plugin <%s> requires option <%s>, which dspengine "
                         "does not provide",
                         plugin_uri,
                         uri);
      break;
    }
  }
  lilv_nodes_free(options);
  lilv_node_free(req_opt);
  return st;
}

static bool
plugin_wants(const LilvPlugin* const plugin, const LilvNode* const feature)
{
  LilvNodes* const req = lilv_plugin_get_required_features(plugin);
  LilvNodes* const opt = lilv_plugin_get_optional_features(plugin);
  const bool       wants =
    lilv_nodes_contains(req, feature) || lilv_nodes_contains(opt, feature);
  lilv_nodes_free(opt);
  lilv_nodes_free(req);
  return wants;
}

/// Classify every port and count them, or fail on an unusable port.
static DspStatus
scan_ports(const DspLv2World* const world,
           const LilvPlugin* const  plugin,
           DspLv2PortKind* const    kinds,
           bool* const              is_input,
           DspLv2PortCounts* const  counts,
           const char* const        path,
           DspError* const          err)
{
  const DspLv2Nodes* const n       = &world->nodes;
  const uint32_t           n_ports = lilv_plugin_get_num_ports(plugin);

  memset(counts, 0, sizeof(*counts));
  counts->atom_cap = DSP_LV2_ATOM_CAPACITY;
  for (uint32_t i = 0U; i < n_ports; ++i) {
    const LilvPort* const port = lilv_plugin_get_port_by_index(plugin, i);
    const bool            optional =
      lilv_port_has_property(plugin, port, n->lv2_connectionOptional);
    const bool input  = lilv_port_is_a(plugin, port, n->lv2_InputPort);
    const bool output = lilv_port_is_a(plugin, port, n->lv2_OutputPort);
    is_input[i]       = input;

    DspLv2PortKind kind = DSP_LV2_PORT_NONE;
    if (lilv_port_is_a(plugin, port, n->lv2_AudioPort)) {
      kind = DSP_LV2_PORT_AUDIO;
    } else if (lilv_port_is_a(plugin, port, n->lv2_CVPort)) {
      kind = DSP_LV2_PORT_CV;
    } else if (lilv_port_is_a(plugin, port, n->lv2_ControlPort)) {
      kind = DSP_LV2_PORT_CONTROL;
    } else if (lilv_port_is_a(plugin, port, n->atom_AtomPort)) {
      kind = DSP_LV2_PORT_ATOM;
    }

    if ((kind == DSP_LV2_PORT_NONE || input == output) && !optional) {
      return dsp_error_set(
        err,
        DSP_ERR_UNSUPPORTED,
        path,
        "plugin <%s>: port %u \"%s\" has a type or direction dspengine does "
        "not support",
        lilv_node_as_uri(lilv_plugin_get_uri(plugin)),
        i,
        lilv_node_as_string(lilv_port_get_symbol(plugin, port)));
    }
    if (input == output) {
      kind = DSP_LV2_PORT_NONE;
    }

    kinds[i] = kind;
    switch (kind) {
    case DSP_LV2_PORT_AUDIO:
    case DSP_LV2_PORT_CV:
      ++*(input ? &counts->n_inputs : &counts->n_outputs);
      break;
    case DSP_LV2_PORT_CONTROL:
      ++counts->n_params;
      break;
    case DSP_LV2_PORT_ATOM: {
      ++counts->n_atoms;
      LilvNodes* const sizes =
        lilv_port_get_value(plugin, port, n->rsz_minimumSize);
      if (sizes && lilv_node_is_int(lilv_nodes_get_first(sizes))) {
        const int min_size = lilv_node_as_int(lilv_nodes_get_first(sizes));
        if (min_size > 0 && (uint32_t)min_size > counts->atom_cap) {
          counts->atom_cap = ((uint32_t)min_size + 7U) & ~7U;
        }
      }
      lilv_nodes_free(sizes);
      break;
    }
    case DSP_LV2_PORT_NONE:
      break;
    }
  }
  return DSP_SUCCESS;
}

/// The unit symbol of `port` ("dB", "Hz"), owned by the caller, or NULL.
static char*
port_unit(const DspLv2World* const world,
          const LilvPlugin* const  plugin,
          const LilvPort* const    port)
{
  LilvNodes* const units =
    lilv_port_get_value(plugin, port, world->nodes.units_unit);
  const LilvNode* const unit   = units ? lilv_nodes_get_first(units) : NULL;
  char*                 result = NULL;
  if (unit) {
    LilvNode* const sym =
      lilv_world_get(world->lilv, unit, world->nodes.units_symbol, NULL);
    if (sym && lilv_node_is_string(sym)) {
      result = strdup(lilv_node_as_string(sym));
    } else if (lilv_node_is_uri(unit)) {
      const char* const uri  = lilv_node_as_uri(unit);
      const char* const hash = strrchr(uri, '#');
      result                 = strdup(hash ? hash + 1 : uri);
    }
    lilv_node_free(sym);
  }
  lilv_nodes_free(units);
  return result;
}

/// Fill `node->params[k]` from control port `index`.
static DspStatus
describe_control(DspLv2Node* const self,
                 const uint32_t    k,
                 const uint32_t    index,
                 const float       min_in,
                 const float       max_in,
                 const float       def_in,
                 const double      sample_rate)
{
  const DspLv2Nodes* const n      = &self->world->nodes;
  const LilvPlugin* const  plugin = self->plugin;
  const LilvPort* const    port = lilv_plugin_get_port_by_index(plugin, index);

  uint32_t flags = 0U;
  flags |= lilv_port_has_property(plugin, port, n->lv2_toggled)
             ? (uint32_t)DSP_PARAM_TOGGLED
             : 0U;
  flags |= lilv_port_has_property(plugin, port, n->lv2_integer)
             ? (uint32_t)DSP_PARAM_INTEGER
             : 0U;
  flags |= lilv_port_has_property(plugin, port, n->pprops_logarithmic)
             ? (uint32_t)DSP_PARAM_LOGARITHMIC
             : 0U;
  flags |= self->is_input[index] ? 0U : (uint32_t)DSP_PARAM_OUTPUT;

  float min = min_in;
  float max = max_in;
  float def = def_in;
  if (lilv_port_has_property(plugin, port, n->lv2_sampleRate)) {
    // Bounds are multiples of the sample rate (lv2:sampleRate)
    min = (float)(min * sample_rate);
    max = (float)(max * sample_rate);
    def = (float)(def * sample_rate);
  }
  if (isnan(min)) {
    min = (flags & DSP_PARAM_TOGGLED) ? 0.0f : -FLT_MAX;
  }
  if (isnan(max)) {
    max = (flags & DSP_PARAM_TOGGLED) ? 1.0f : FLT_MAX;
  }
  if (isnan(def)) {
    def = (0.0f < min) ? min : (0.0f > max) ? max : 0.0f;
  }

  LilvNode* const   name = lilv_port_get_name(plugin, port);
  char* const       unit = port_unit(self->world, plugin, port);
  const char* const symbol =
    lilv_node_as_string(lilv_port_get_symbol(plugin, port));
  const DspStatus st =
    dsp_param_info_set(&self->node->params[k],
                       symbol,
                       NULL,
                       name ? lilv_node_as_string(name) : symbol,
                       unit,
                       min,
                       max,
                       def,
                       flags);
  free(unit);
  lilv_node_free(name);

  self->controls[index] = (flags & DSP_PARAM_OUTPUT) ? 0.0f : def;
  self->node->zones[k]  = &self->controls[index];
  return st;
}

/// Fill port and parameter descriptions and the port index tables.
static DspStatus
describe_ports(DspLv2Node* const self, const double sample_rate)
{
  const LilvPlugin* const plugin = self->plugin;
  DspNode* const          node   = self->node;
  const size_t            n      = self->n_ports;
  float* const            mins   = (float*)calloc(n + 1U, sizeof(float));
  float* const            maxs   = (float*)calloc(n + 1U, sizeof(float));
  float* const            defs   = (float*)calloc(n + 1U, sizeof(float));
  DspStatus               st     = DSP_ERR_NO_MEM;
  if (!mins || !maxs || !defs) {
    goto done;
  }

  lilv_plugin_get_port_ranges_float(plugin, mins, maxs, defs);

  uint32_t n_in    = 0U;
  uint32_t n_out   = 0U;
  uint32_t n_par   = 0U;
  uint32_t n_atoms = 0U;
  st               = DSP_SUCCESS;
  for (uint32_t i = 0U; i < self->n_ports && !st; ++i) {
    const LilvPort* const port = lilv_plugin_get_port_by_index(plugin, i);
    const char* const     symbol =
      lilv_node_as_string(lilv_port_get_symbol(plugin, port));
    const DspLv2PortKind kind = self->kinds[i];

    if (kind == DSP_LV2_PORT_AUDIO || kind == DSP_LV2_PORT_CV) {
      LilvNode* const   name = lilv_port_get_name(plugin, port);
      const char* const nstr = name ? lilv_node_as_string(name) : symbol;
      const bool        cv   = (kind == DSP_LV2_PORT_CV);
      if (self->is_input[i]) {
        self->in_index[n_in] = i;
        st = dsp_port_info_set(&node->inputs[n_in++], symbol, nstr, cv);
      } else {
        self->out_index[n_out] = i;
        st = dsp_port_info_set(&node->outputs[n_out++], symbol, nstr, cv);
      }
      lilv_node_free(name);
    } else if (kind == DSP_LV2_PORT_CONTROL) {
      st = describe_control(
        self, n_par++, i, mins[i], maxs[i], defs[i], sample_rate);
    } else if (kind == DSP_LV2_PORT_ATOM) {
      self->atom_index[n_atoms++] = i;
    }
  }

done:
  free(defs);
  free(maxs);
  free(mins);
  return st;
}

/// Connect every port to internal storage.
static void
connect_internal(DspLv2Node* const self)
{
  uint32_t n_audio = 0U;
  uint32_t n_atoms = 0U;
  for (uint32_t i = 0U; i < self->n_ports; ++i) {
    void* buf = NULL;
    switch (self->kinds[i]) {
    case DSP_LV2_PORT_AUDIO:
    case DSP_LV2_PORT_CV:
      buf = self->audio + (size_t)n_audio++ * self->max_block;
      break;
    case DSP_LV2_PORT_CONTROL:
      buf = &self->controls[i];
      break;
    case DSP_LV2_PORT_ATOM: {
      LV2_Atom_Sequence* const seq =
        (LV2_Atom_Sequence*)(self->atoms + (size_t)n_atoms++ * self->atom_cap);
      seq->atom.size = (uint32_t)sizeof(LV2_Atom_Sequence_Body);
      seq->atom.type = self->world->urids.atom_Sequence;
      buf            = seq;
      break;
    }
    case DSP_LV2_PORT_NONE:
      break;
    }
    lilv_instance_connect_port(self->instance, i, buf);
  }
}

/// Fill the option and feature arrays (pointers into `self`).
static void
init_features(DspLv2Node* const self, const DspNodeEnv* const env)
{
  DspLv2World* const       world = self->world;
  const DspLv2Urids* const u     = &world->urids;

  self->opt_sample_rate = (float)env->sample_rate;
  self->opt_min_block   = 1;
  self->opt_max_block   = (int32_t)env->max_block;
  self->opt_seq_size    = (int32_t)self->atom_cap;

  const LV2_Options_Option options[] = {
    { LV2_OPTIONS_INSTANCE,
      0U,
      u->param_sampleRate,
      sizeof(float),
      u->atom_Float,
      &self->opt_sample_rate },
    { LV2_OPTIONS_INSTANCE,
      0U,
      u->bufsz_minBlock,
      sizeof(int32_t),
      u->atom_Int,
      &self->opt_min_block },
    { LV2_OPTIONS_INSTANCE,
      0U,
      u->bufsz_maxBlock,
      sizeof(int32_t),
      u->atom_Int,
      &self->opt_max_block },
    { LV2_OPTIONS_INSTANCE,
      0U,
      u->bufsz_nominalBlock,
      sizeof(int32_t),
      u->atom_Int,
      &self->opt_max_block },
    { LV2_OPTIONS_INSTANCE,
      0U,
      u->bufsz_sequenceSize,
      sizeof(int32_t),
      u->atom_Int,
      &self->opt_seq_size },
    { LV2_OPTIONS_INSTANCE, 0U, 0U, 0U, 0U, NULL },
  };
  memcpy(self->options, options, sizeof(options));

  self->log.handle  = self;
  self->log.printf  = dsp_lv2_log_printf;
  self->log.vprintf = dsp_lv2_log_vprintf;

  self->schedule.handle        = &self->worker;
  self->schedule.schedule_work = dsp_lv2_worker_schedule;

  self->f_map      = (LV2_Feature){ LV2_URID__map, &world->map };
  self->f_unmap    = (LV2_Feature){ LV2_URID__unmap, &world->unmap };
  self->f_options  = (LV2_Feature){ LV2_OPTIONS__options, self->options };
  self->f_bounded  = (LV2_Feature){ LV2_BUF_SIZE__boundedBlockLength, NULL };
  self->f_log      = (LV2_Feature){ LV2_LOG__log, &self->log };
  self->f_schedule = (LV2_Feature){ LV2_WORKER__schedule, &self->schedule };
  self->f_default  = (LV2_Feature){ LV2_STATE__loadDefaultState, NULL };

  size_t k            = 0U;
  self->features[k++] = &self->f_map;
  self->features[k++] = &self->f_unmap;
  self->features[k++] = &self->f_options;
  self->features[k++] = &self->f_bounded;
  self->features[k++] = &self->f_log;
  if (self->has_worker) {
    self->features[k++] = &self->f_schedule;
  }
  self->features[k++] = &self->f_default;
  self->features[k]   = NULL;

  self->state_feat[0] = &self->f_map;
  self->state_feat[1] = &self->f_unmap;
  self->state_feat[2] = &self->f_log;
  self->state_feat[3] = &self->f_options;
  self->state_feat[4] = NULL;
}

/// Allocate the arrays of `self` for its port counts (all or nothing).
static DspStatus
alloc_buffers(DspLv2Node* const self, const DspLv2PortCounts* const counts)
{
  const size_t n_audio = (size_t)counts->n_inputs + counts->n_outputs;

  self->controls = (float*)calloc(self->n_ports + 1U, sizeof(float));
  self->audio = (float*)calloc(n_audio * self->max_block + 1U, sizeof(float));
  self->in_index  = (uint32_t*)calloc(counts->n_inputs + 1U, sizeof(uint32_t));
  self->out_index = (uint32_t*)calloc(counts->n_outputs + 1U, sizeof(uint32_t));
  self->atom_index = (uint32_t*)calloc(counts->n_atoms + 1U, sizeof(uint32_t));
  self->atom_cap   = counts->atom_cap;
  self->n_atoms    = counts->n_atoms;
  self->atoms =
    (uint8_t*)calloc((size_t)counts->n_atoms * counts->atom_cap + 8U, 1U);
  self->log_ring =
    dsp_ring_new((uint32_t)(DSP_LV2_LOG_QUEUE * sizeof(DspLv2LogRecord)));

  return (self->controls && self->audio && self->in_index && self->out_index &&
          self->atom_index && self->atoms && self->log_ring)
           ? DSP_SUCCESS
           : DSP_ERR_NO_MEM;
}

static DspStatus
lv2_instantiate(const DspNodeSpec* const spec,
                const DspNodeEnv* const  env,
                DspNode** const          out,
                DspError* const          err)
{
  *out = NULL;

  char        path[192];
  const char* base = spec->json_path ? spec->json_path : "";
  snprintf(path, sizeof(path), "%s/uri", base);

  DspLv2World* const world = env->lv2;
  if (!world) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         base,
                         "no LV2 world loaded for node \"%s\"",
                         spec->id);
  }
  if (!(env->sample_rate > 0.0) || !env->max_block ||
      env->max_block > (uint32_t)INT32_MAX / 4U) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_ARG,
                         base,
                         "bad sample rate %g or block size %u",
                         env->sample_rate,
                         env->max_block);
  }

  const json_t* const juri =
    spec->config ? json_object_get(spec->config, "uri") : NULL;
  if (!juri || !json_is_string(juri)) {
    return dsp_error_set(err,
                         DSP_ERR_BAD_GRAPH,
                         juri ? path : base,
                         "node \"%s\": \"uri\" must be a plugin URI string",
                         spec->id);
  }

  // Find the plugin
  const char* const uri_str = json_string_value(juri);
  LilvNode* const   uri     = strchr(uri_str, ':')
                                ? lilv_new_uri(world->lilv, uri_str)
                                : NULL; // lilv would complain on stderr
  const LilvPlugin* plugin =
    uri ? lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world->lilv), uri)
        : NULL;
  lilv_node_free(uri);
  if (!plugin) {
    char hint[512];
    dsp_lv2_world_suggest(world, uri_str, hint, sizeof(hint));
    return dsp_error_set(err,
                         DSP_ERR_NOT_FOUND,
                         path,
                         "no LV2 plugin <%s> on LV2_PATH%s",
                         uri_str,
                         hint);
  }

  DspStatus st = dsp_lv2_check_plugin_paths(world, plugin, path, err);
  if (!st) {
    st = check_features(world, plugin, path, err);
  }
  if (st) {
    return st;
  }

  // Classify ports
  const uint32_t        n_ports = lilv_plugin_get_num_ports(plugin);
  DspLv2PortKind* const kinds =
    (DspLv2PortKind*)calloc(n_ports + 1U, sizeof(DspLv2PortKind));
  bool* const is_input = (bool*)calloc(n_ports + 1U, sizeof(bool));
  if (!kinds || !is_input) {
    free(kinds);
    free(is_input);
    return dsp_error_set(err, DSP_ERR_NO_MEM, base, "out of memory");
  }

  DspLv2PortCounts counts;
  if ((st = scan_ports(world, plugin, kinds, is_input, &counts, path, err))) {
    free(kinds);
    free(is_input);
    return st;
  }

  // From here on, dsp_node_free() releases everything made so far
  DspNode* const    node = dsp_node_alloc(&dsp_lv2_node_class,
                                       spec->id,
                                       counts.n_inputs,
                                       counts.n_outputs,
                                       counts.n_params);
  DspLv2Node* const self =
    node ? (DspLv2Node*)calloc(1U, sizeof(DspLv2Node)) : NULL;
  if (!self) {
    dsp_node_free(node);
    free(kinds);
    free(is_input);
    return dsp_error_set(err, DSP_ERR_NO_MEM, base, "out of memory");
  }

  node->impl      = self;
  self->node      = node;
  self->world     = world;
  self->plugin    = plugin;
  self->n_ports   = n_ports;
  self->max_block = env->max_block;
  self->kinds     = kinds;
  self->is_input  = is_input;
  self->has_state =
    lilv_plugin_has_extension_data(plugin, world->nodes.state_interface);
  atomic_init(&self->log_dropped, 0U);

  if ((st = alloc_buffers(self, &counts)) ||
      (st = describe_ports(self, env->sample_rate))) {
    dsp_node_free(node);
    return dsp_error_set(err, st, base, "out of memory");
  }

  LilvNode* const schedule = lilv_new_uri(world->lilv, LV2_WORKER__schedule);
  const bool      wants_worker =
    schedule &&
    (plugin_wants(plugin, schedule) ||
     lilv_plugin_has_extension_data(plugin, world->nodes.worker_interface));
  lilv_node_free(schedule);
  if (wants_worker) {
    if ((st = dsp_lv2_worker_init(&self->worker, env->threaded_worker))) {
      dsp_node_free(node);
      return dsp_error_set(err, st, base, "out of memory");
    }
    self->has_worker = true;
  }

  init_features(self, env);

  self->instance =
    lilv_plugin_instantiate(plugin, env->sample_rate, self->features);
  if (!self->instance) {
    dsp_node_free(node);
    return dsp_error_set(err,
                         DSP_ERR_PLUGIN,
                         path,
                         "plugin <%s> failed to instantiate at %g Hz",
                         uri_str,
                         env->sample_rate);
  }

  // What dsp_lv2_node_run() calls, looked up once
  self->run    = lilv_instance_get_descriptor(self->instance)->run;
  self->handle = lilv_instance_get_handle(self->instance);
  self->plain  = !self->has_worker && !self->n_atoms;

  if (self->has_worker) {
    const LV2_Worker_Interface* const iface =
      (const LV2_Worker_Interface*)lilv_instance_get_extension_data(
        self->instance, LV2_WORKER__interface);
    if ((st = dsp_lv2_worker_start(
           &self->worker, iface, lilv_instance_get_handle(self->instance)))) {
      dsp_node_free(node);
      return dsp_error_set(
        err, st, base, "failed to start the LV2 worker thread");
    }
  }

  connect_internal(self);
  if (plugin_wants(plugin, world->nodes.state_loadDefaultState)) {
    dsp_lv2_state_load_default(self);
  }

  *out = node;
  return DSP_SUCCESS;
}

// Node class ----------------------------------------------------------------

static DspStatus
lv2_activate(DspNode* const node)
{
  DspLv2Node* const self = (DspLv2Node*)node->impl;
  lilv_instance_activate(self->instance);
  return DSP_SUCCESS;
}

static void
lv2_deactivate(DspNode* const node)
{
  DspLv2Node* const self = (DspLv2Node*)node->impl;
  lilv_instance_deactivate(self->instance);
  dsp_lv2_node_flush_log(node, stderr);
}

static void
lv2_free_impl(DspNode* const node)
{
  DspLv2Node* const self = (DspLv2Node*)node->impl;

  // The worker thread uses the instance, so it stops first
  if (self->has_worker) {
    dsp_lv2_worker_cleanup(&self->worker);
  }
  if (self->instance) {
    lilv_instance_free(self->instance);
  }
  if (self->log_ring) {
    dsp_lv2_node_flush_log(node, stderr);
  }

  dsp_ring_free(self->log_ring);
  free(self->atoms);
  free(self->atom_index);
  free(self->out_index);
  free(self->in_index);
  free(self->audio);
  free(self->controls);
  free(self->is_input);
  free(self->kinds);
  free(self);
  node->impl = NULL;
}

void
dsp_lv2_node_flush_log(DspNode* const node, FILE* const out)
{
  if (!node || node->klass != &dsp_lv2_node_class || !node->impl) {
    return;
  }

  DspLv2Node* const        self = (DspLv2Node*)node->impl;
  const DspLv2Urids* const u    = &self->world->urids;
  DspLv2LogRecord          rec;
  uint32_t                 space = dsp_ring_read_space(self->log_ring);
  while (space >= sizeof(rec) &&
         !dsp_ring_read(self->log_ring, &rec, sizeof(rec))) {
    space -= (uint32_t)sizeof(rec);
    rec.text[sizeof(rec.text) - 1U] = '\0';
    const size_t      len           = strlen(rec.text);
    const char* const level         = (rec.type == u->log_Error)     ? "error"
                                      : (rec.type == u->log_Warning) ? "warning"
                                      : (rec.type == u->log_Trace)   ? "trace"
                                                                     : "note";
    fprintf(out,
            "lv2 node \"%s\": %s: %s%s",
            node->id,
            level,
            rec.text,
            (len && rec.text[len - 1U] == '\n') ? "" : "\n");
  }

  const unsigned dropped = atomic_exchange(&self->log_dropped, 0U);
  if (dropped) {
    fprintf(out,
            "lv2 node \"%s\": %u log messages dropped (queue full)\n",
            node->id,
            dropped);
  }
}

const DspNodeClass dsp_lv2_node_class = {
  "lv2",
  "LV2 plugin (\"uri\": plugin URI)",
  lv2_instantiate,
  dsp_lv2_node_connect,
  lv2_activate,
  dsp_lv2_node_run,
  NULL,
  dsp_lv2_state_save,
  dsp_lv2_state_restore,
  lv2_deactivate,
  lv2_free_impl,
  NULL, // No real-time reset: a re-armed plugin keeps its state
};
