// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// State of "lv2" nodes through the LV2 state interface (control thread):
// default state at instantiation, save to and restore from Turtle text.

#include "lv2_internal.h"

#include <lv2/state/state.h>

#include <stdlib.h>
#include <string.h>

/// URI written as the subject of saved state strings.
#define DSP_LV2_STATE_URI "urn:dspengine:lv2-state"

static int
find_control(const DspLv2Node* const self, const char* const symbol)
{
  const int index = dsp_node_find_param(self->node, symbol);
  return (index >= 0 && !(self->node->params[index].flags & DSP_PARAM_OUTPUT))
           ? index
           : -1;
}

static const void*
get_port_value(const char* const port_symbol,
               void* const       user_data,
               uint32_t* const   size,
               uint32_t* const   type)
{
  const DspLv2Node* const self  = (const DspLv2Node*)user_data;
  const int               index = find_control(self, port_symbol);
  if (index < 0) {
    *size = 0U;
    *type = 0U;
    return NULL;
  }

  *size = (uint32_t)sizeof(float);
  *type = self->world->urids.atom_Float;
  return self->node->zones[index];
}

static void
set_port_value(const char* const port_symbol,
               void* const       user_data,
               const void* const value,
               const uint32_t    size,
               const uint32_t    type)
{
  DspLv2Node* const        self  = (DspLv2Node*)user_data;
  const DspLv2Urids* const u     = &self->world->urids;
  const int                index = find_control(self, port_symbol);
  if (index < 0) {
    return;
  }

  float v = 0.0f;
  if (type == u->atom_Float && size == sizeof(float)) {
    memcpy(&v, value, sizeof(v));
  } else if (type == u->atom_Double && size == sizeof(double)) {
    double d = 0.0;
    memcpy(&d, value, sizeof(d));
    v = (float)d;
  } else if ((type == u->atom_Int || type == u->atom_Bool) &&
             size == sizeof(int32_t)) {
    int32_t i = 0;
    memcpy(&i, value, sizeof(i));
    v = (float)i;
  } else if (type == u->atom_Long && size == sizeof(int64_t)) {
    int64_t l = 0;
    memcpy(&l, value, sizeof(l));
    v = (float)l;
  } else {
    return;
  }
  *self->node->zones[index] = v;
}

/// Restore the plugin's default state (state:loadDefaultState), if any.
void
dsp_lv2_state_load_default(DspLv2Node* const self)
{
  LilvState* const state = lilv_state_new_from_world(
    self->world->lilv, &self->world->map, lilv_plugin_get_uri(self->plugin));
  if (state) {
    lilv_state_restore(
      state, self->instance, set_port_value, self, 0U, self->state_feat);
    lilv_state_free(state);
  }
}

DspStatus
dsp_lv2_state_save(DspNode* const node, char** const state)
{
  DspLv2Node* const  self  = (DspLv2Node*)node->impl;
  DspLv2World* const world = self->world;

  *state = NULL;
  if (!self->has_state) {
    return DSP_SUCCESS; // Parameters are all there is
  }

  LilvState* const st =
    lilv_state_new_from_instance(self->plugin,
                                 self->instance,
                                 &world->map,
                                 NULL,
                                 NULL,
                                 NULL,
                                 NULL,
                                 get_port_value,
                                 self,
                                 LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
                                 self->state_feat);
  if (!st) {
    return DSP_ERR_PLUGIN;
  }

  char* const str = lilv_state_to_string(
    world->lilv, &world->map, &world->unmap, st, DSP_LV2_STATE_URI, NULL);
  lilv_state_free(st);
  if (!str) {
    return DSP_ERR_PLUGIN;
  }

  *state = strdup(str);
  lilv_free(str);
  return *state ? DSP_SUCCESS : DSP_ERR_NO_MEM;
}

DspStatus
dsp_lv2_state_restore(DspNode* const node, const char* const str)
{
  DspLv2Node* const  self  = (DspLv2Node*)node->impl;
  DspLv2World* const world = self->world;

  LilvState* const st =
    lilv_state_new_from_string(world->lilv, &world->map, str);
  if (!st) {
    return DSP_ERR_SYNTAX;
  }

  if (!lilv_node_equals(lilv_state_get_plugin_uri(st),
                        lilv_plugin_get_uri(self->plugin))) {
    lilv_state_free(st);
    return DSP_ERR_BAD_ARG;
  }

  // Restore is in the instantiation class: never concurrent with work()
  if (self->has_worker) {
    pthread_mutex_lock(&self->worker.work_lock);
  }
  lilv_state_restore(
    st, self->instance, set_port_value, self, 0U, self->state_feat);
  if (self->has_worker) {
    pthread_mutex_unlock(&self->worker.work_lock);
  }

  lilv_state_free(st);
  return DSP_SUCCESS;
}
