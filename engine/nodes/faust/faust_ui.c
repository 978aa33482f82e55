// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "faust_ui.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
dsp_faust_ui_init(DspFaustUi* const ui, DspNode* const node)
{
  memset(ui, 0, sizeof(*ui));
  ui->node = node;
}

static void
open_box(void* const handle, const char* const label)
{
  DspFaustUi* const ui = (DspFaustUi*)handle;
  if (ui->depth >= DSP_FAUST_UI_MAX_DEPTH) {
    ++ui->depth; // Too deep: keep counting, path stays at the limit
    return;
  }

  ui->path_len[ui->depth++] = strlen(ui->path);

  // Faust gives anonymous groups the label "0x00": not part of the path
  if (label && label[0] && strcmp(label, "0x00")) {
    const size_t len = strlen(ui->path);
    snprintf(ui->path + len, sizeof(ui->path) - len, "/%s", label);
  }
}

static void
close_box(void* const handle)
{
  DspFaustUi* const ui = (DspFaustUi*)handle;
  if (ui->depth > 0U) {
    --ui->depth;
    if (ui->depth < DSP_FAUST_UI_MAX_DEPTH) {
      ui->path[ui->path_len[ui->depth]] = '\0';
    }
  }
}

static void
declare(void* const       handle,
        float* const      zone,
        const char* const key,
        const char* const value)
{
  DspFaustUi* const ui = (DspFaustUi*)handle;
  if (!zone || !key || !value) {
    return; // Box metadata
  }

  if (zone != ui->meta_zone) {
    ui->meta_zone = zone;
    ui->unit[0]   = '\0';
    ui->log_scale = false;
  }

  if (!strcmp(key, "unit")) {
    snprintf(ui->unit, sizeof(ui->unit), "%s", value);
  } else if (!strcmp(key, "scale")) {
    ui->log_scale = !strcmp(value, "log");
  }
}

/// Faust's path rule (PathBuilder): these characters become '_'.
static void
sanitize_path(char* const path)
{
  for (char* c = path; *c; ++c) {
    if (strchr(" #*,?[]{}()", *c)) {
      *c = '_';
    }
  }
}

static void
add_param(DspFaustUi* const ui,
          const char* const label,
          float* const      zone,
          const float       init,
          const float       min,
          const float       max,
          uint32_t          flags)
{
  const bool  has_meta = (zone == ui->meta_zone);
  const char* unit     = (has_meta && ui->unit[0]) ? ui->unit : NULL;
  if (has_meta && ui->log_scale) {
    flags |= DSP_PARAM_LOGARITHMIC;
  }
  ui->meta_zone = NULL;

  const uint32_t index = ui->n_params++;
  if (!ui->node || ui->status) {
    return;
  }

  if (index >= ui->node->n_params) {
    ui->status = DSP_FAILURE; // Second pass disagrees with the first
    return;
  }

  char path[sizeof(ui->path) + 256U];
  snprintf(path, sizeof(path), "%s/%s", ui->path, label);
  sanitize_path(path);

  const float     def = fminf(fmaxf(init, fminf(min, max)), fmaxf(min, max));
  const DspStatus st  = dsp_param_info_set(
    &ui->node->params[index], label, path, label, unit, min, max, def, flags);
  if (st) {
    ui->status = st;
    return;
  }

  ui->node->zones[index] = zone;
}

static void
add_button(void* const handle, const char* const label, float* const zone)
{
  add_param(
    (DspFaustUi*)handle, label, zone, 0.0f, 0.0f, 1.0f, DSP_PARAM_TOGGLED);
}

static void
add_slider(void* const       handle,
           const char* const label,
           float* const      zone,
           const float       init,
           const float       min,
           const float       max,
           const float       step)
{
  (void)step;
  add_param((DspFaustUi*)handle, label, zone, init, min, max, 0U);
}

static void
add_num_entry(void* const       handle,
              const char* const label,
              float* const      zone,
              const float       init,
              const float       min,
              const float       max,
              const float       step)
{
  const bool integer = step == 1.0f && floorf(min) == min &&
                       floorf(max) == max && floorf(init) == init;
  add_param((DspFaustUi*)handle,
            label,
            zone,
            init,
            min,
            max,
            integer ? DSP_PARAM_INTEGER : 0U);
}

static void
add_bargraph(void* const       handle,
             const char* const label,
             float* const      zone,
             const float       min,
             const float       max)
{
  add_param((DspFaustUi*)handle, label, zone, min, min, max, DSP_PARAM_OUTPUT);
}

static void
add_soundfile(void* const              handle,
              const char* const        label,
              const char* const        url,
              struct Soundfile** const sf_zone)
{
  (void)url;
  (void)sf_zone;
  DspFaustUi* const ui = (DspFaustUi*)handle;
  snprintf(ui->unsupported, sizeof(ui->unsupported), "%s", label);
  if (!ui->status) {
    ui->status = DSP_ERR_UNSUPPORTED;
  }
}

UIGlue
dsp_faust_ui_glue(DspFaustUi* const ui)
{
  UIGlue glue;
  memset(&glue, 0, sizeof(glue));
  glue.uiInterface           = ui;
  glue.openTabBox            = open_box;
  glue.openHorizontalBox     = open_box;
  glue.openVerticalBox       = open_box;
  glue.closeBox              = close_box;
  glue.addButton             = add_button;
  glue.addCheckButton        = add_button;
  glue.addVerticalSlider     = add_slider;
  glue.addHorizontalSlider   = add_slider;
  glue.addNumEntry           = add_num_entry;
  glue.addHorizontalBargraph = add_bargraph;
  glue.addVerticalBargraph   = add_bargraph;
  glue.addSoundfile          = add_soundfile;
  glue.declare               = declare;
  return glue;
}

static void
meta_declare(void* const handle, const char* const key, const char* const value)
{
  DspFaustMeta* const meta = (DspFaustMeta*)handle;
  if (!key || !value) {
    return;
  }

  if (!strcmp(key, "name")) {
    snprintf(meta->name, sizeof(meta->name), "%s", value);
  } else if (!strcmp(key, "description")) {
    snprintf(meta->description, sizeof(meta->description), "%s", value);
  }
}

MetaGlue
dsp_faust_meta_glue(DspFaustMeta* const meta)
{
  memset(meta, 0, sizeof(*meta));

  MetaGlue glue;
  memset(&glue, 0, sizeof(glue));
  glue.metaInterface = meta;
  glue.declare       = meta_declare;
  return glue;
}
