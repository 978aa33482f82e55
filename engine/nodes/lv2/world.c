// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The LV2 world: lilv discovery, the shared URID map and plugin lookup.
// Control thread only.

#include "lv2_internal.h"

#include "common/timing.h"

#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/parameters/parameters.h>
#include <lv2/port-props/port-props.h>
#include <lv2/resize-port/resize-port.h>
#include <lv2/state/state.h>
#include <lv2/units/units.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// URID map ------------------------------------------------------------------

static uint32_t
hash_string(const char* const str)
{
  uint32_t h = 2166136261U; // FNV-1a
  for (const char* s = str; *s; ++s) {
    h = (h ^ (uint8_t)*s) * 16777619U;
  }
  return h;
}

/// Insert `urid` into `slots` (which must have a free slot).
static void
table_insert(uint32_t* const   slots,
             const uint32_t    n_slots,
             const char* const uri,
             const uint32_t    urid)
{
  uint32_t i = hash_string(uri) & (n_slots - 1U);
  while (slots[i]) {
    i = (i + 1U) & (n_slots - 1U);
  }
  slots[i] = urid;
}

/// Grow the table so one more URI fits (load factor at most 1/2).
static bool
table_reserve(DspLv2UridTable* const t)
{
  if (t->n_uris + 1U > t->cap) {
    const uint32_t new_cap = t->cap ? t->cap * 2U : 64U;
    char** const   new_uris =
      (char**)realloc((void*)t->uris, new_cap * sizeof(char*));
    if (!new_uris) {
      return false;
    }
    t->uris = new_uris;
    t->cap  = new_cap;
  }

  if ((t->n_uris + 1U) * 2U > t->n_slots) {
    const uint32_t  new_n     = t->n_slots ? t->n_slots * 2U : 128U;
    uint32_t* const new_slots = (uint32_t*)calloc(new_n, sizeof(uint32_t));
    if (!new_slots) {
      return false;
    }
    for (uint32_t i = 0U; i < t->n_uris; ++i) {
      table_insert(new_slots, new_n, t->uris[i], i + 1U);
    }
    free(t->slots);
    t->slots   = new_slots;
    t->n_slots = new_n;
  }
  return true;
}

static LV2_URID
map_uri(LV2_URID_Map_Handle handle, const char* const uri)
{
  DspLv2World* const     world = (DspLv2World*)handle;
  DspLv2UridTable* const t     = &world->table;
  if (!uri) {
    return 0U;
  }

  pthread_mutex_lock(&t->lock);
  LV2_URID result = 0U;
  if (t->n_slots) {
    for (uint32_t i = hash_string(uri) & (t->n_slots - 1U); t->slots[i];
         i          = (i + 1U) & (t->n_slots - 1U)) {
      if (!strcmp(t->uris[t->slots[i] - 1U], uri)) {
        result = t->slots[i];
        break;
      }
    }
  }

  if (!result && table_reserve(t)) {
    char* const copy = strdup(uri);
    if (copy) {
      t->uris[t->n_uris++] = copy;
      result               = t->n_uris;
      table_insert(t->slots, t->n_slots, copy, result);
    }
  }
  pthread_mutex_unlock(&t->lock);
  return result;
}

static const char*
unmap_uri(LV2_URID_Unmap_Handle handle, const LV2_URID urid)
{
  DspLv2World* const     world = (DspLv2World*)handle;
  DspLv2UridTable* const t     = &world->table;

  pthread_mutex_lock(&t->lock);
  const char* const uri =
    (urid && urid <= t->n_uris) ? t->uris[urid - 1U] : NULL;
  pthread_mutex_unlock(&t->lock);
  return uri;
}

LV2_URID
dsp_lv2_world_map_uri(DspLv2World* const world, const char* const uri)
{
  return map_uri(world, uri);
}

// World ---------------------------------------------------------------------

static void
free_nodes(DspLv2Nodes* const nodes)
{
  LilvNode** const all = (LilvNode**)nodes;
  for (size_t i = 0U; i < sizeof(DspLv2Nodes) / sizeof(LilvNode*); ++i) {
    lilv_node_free(all[i]);
    all[i] = NULL;
  }
}

static bool
make_nodes(LilvWorld* const w, DspLv2Nodes* const n)
{
  n->lv2_InputPort          = lilv_new_uri(w, LV2_CORE__InputPort);
  n->lv2_OutputPort         = lilv_new_uri(w, LV2_CORE__OutputPort);
  n->lv2_AudioPort          = lilv_new_uri(w, LV2_CORE__AudioPort);
  n->lv2_CVPort             = lilv_new_uri(w, LV2_CORE__CVPort);
  n->lv2_ControlPort        = lilv_new_uri(w, LV2_CORE__ControlPort);
  n->lv2_connectionOptional = lilv_new_uri(w, LV2_CORE__connectionOptional);
  n->lv2_toggled            = lilv_new_uri(w, LV2_CORE__toggled);
  n->lv2_integer            = lilv_new_uri(w, LV2_CORE__integer);
  n->lv2_sampleRate         = lilv_new_uri(w, LV2_CORE__sampleRate);
  n->lv2_optionalFeature    = lilv_new_uri(w, LV2_CORE__optionalFeature);
  n->atom_AtomPort          = lilv_new_uri(w, LV2_ATOM__AtomPort);
  n->pprops_logarithmic     = lilv_new_uri(w, LV2_PORT_PROPS__logarithmic);
  n->rsz_minimumSize        = lilv_new_uri(w, LV2_RESIZE_PORT__minimumSize);
  n->units_unit             = lilv_new_uri(w, LV2_UNITS__unit);
  n->units_symbol           = lilv_new_uri(w, LV2_UNITS__symbol);
  n->state_loadDefaultState = lilv_new_uri(w, LV2_STATE__loadDefaultState);
  n->worker_interface       = lilv_new_uri(w, LV2_WORKER__interface);
  n->state_interface        = lilv_new_uri(w, LV2_STATE__interface);

  const LilvNode* const* const all = (const LilvNode* const*)n;
  for (size_t i = 0U; i < sizeof(DspLv2Nodes) / sizeof(LilvNode*); ++i) {
    if (!all[i]) {
      return false;
    }
  }
  return true;
}

static bool
map_urids(DspLv2World* const w, DspLv2Urids* const u)
{
  u->atom_Chunk         = map_uri(w, LV2_ATOM__Chunk);
  u->atom_Sequence      = map_uri(w, LV2_ATOM__Sequence);
  u->atom_Float         = map_uri(w, LV2_ATOM__Float);
  u->atom_Double        = map_uri(w, LV2_ATOM__Double);
  u->atom_Int           = map_uri(w, LV2_ATOM__Int);
  u->atom_Long          = map_uri(w, LV2_ATOM__Long);
  u->atom_Bool          = map_uri(w, LV2_ATOM__Bool);
  u->log_Error          = map_uri(w, LV2_LOG__Error);
  u->log_Warning        = map_uri(w, LV2_LOG__Warning);
  u->log_Note           = map_uri(w, LV2_LOG__Note);
  u->log_Trace          = map_uri(w, LV2_LOG__Trace);
  u->param_sampleRate   = map_uri(w, LV2_PARAMETERS__sampleRate);
  u->bufsz_minBlock     = map_uri(w, LV2_BUF_SIZE__minBlockLength);
  u->bufsz_maxBlock     = map_uri(w, LV2_BUF_SIZE__maxBlockLength);
  u->bufsz_nominalBlock = map_uri(w, LV2_BUF_SIZE__nominalBlockLength);
  u->bufsz_sequenceSize = map_uri(w, LV2_BUF_SIZE__sequenceSize);

  const LV2_URID* const all = (const LV2_URID*)u;
  for (size_t i = 0U; i < sizeof(DspLv2Urids) / sizeof(LV2_URID); ++i) {
    if (!all[i]) {
      return false;
    }
  }
  return true;
}

static DspStatus
world_create(DspLv2World** const world,
             const bool          load_all,
             DspError* const     err)
{
  *world = NULL;

  DspLv2World* const w = (DspLv2World*)calloc(1U, sizeof(DspLv2World));
  if (!w) {
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }

  if (pthread_mutex_init(&w->table.lock, NULL)) {
    free(w);
    return dsp_error_set(err, DSP_ERR_NO_MEM, NULL, "out of memory");
  }

  w->map.handle   = w;
  w->map.map      = map_uri;
  w->unmap.handle = w;
  w->unmap.unmap  = unmap_uri;
  w->trace        = getenv("DSP_LV2_TRACE") != NULL;

  if (!(w->lilv = lilv_world_new()) || !make_nodes(w->lilv, &w->nodes) ||
      !map_urids(w, &w->urids)) {
    dsp_lv2_world_free(w);
    return dsp_error_set(
      err, DSP_ERR_NO_MEM, NULL, "out of memory creating the LV2 world");
  }

  if (load_all) {
    // Reads LV2_PATH if set, else the default search path
    lilv_world_load_all(w->lilv);
    w->all_loaded = true;
  }

  *world = w;
  return DSP_SUCCESS;
}

DspStatus
dsp_lv2_world_new(DspLv2World** const world, DspError* const err)
{
  return world_create(world, true, err);
}

DspStatus
dsp_lv2_world_new_lazy(DspLv2World** const world, DspError* const err)
{
  return world_create(world, false, err);
}

static bool
has_plugin(const DspLv2World* const world, const char* const uri)
{
  LilvNode* const node = lilv_new_uri(world->lilv, uri);
  const bool      found =
    node && lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world->lilv),
                                    node) != NULL;
  lilv_node_free(node);
  return found;
}

/// Largest manifest read when looking for a plugin.
#define DSP_LV2_MANIFEST_MAX (4U * 1024U * 1024U)

/// True if `text` has `word` delimited as a Turtle term (not inside a
/// longer name).
static bool
has_term(const char* const text, const char* const word)
{
  const size_t len = strlen(word);
  for (const char* p = strstr(text, word); p; p = strstr(p + 1, word)) {
    const char before = p == text ? ' ' : p[-1];
    const char after  = p[len];
    if ((isspace((unsigned char)before) || before == ',' || before == ';') &&
        (isspace((unsigned char)after) || after == ',' || after == ';' ||
         after == '.' || after == '\0')) {
      return true;
    }
  }
  return false;
}

/**
   True if the Turtle text `ttl` names `uri`: written in full (`<uri>`) or
   as a prefixed name (`mda:Overdrive` after `@prefix mda:
   <http://drobilla.net/plugins/mda/>`), as most bundles write it.
*/
static bool
names_uri(const char* const ttl, const char* const uri)
{
  char needle[1100];
  snprintf(needle, sizeof(needle), "<%s>", uri);
  if (strstr(ttl, needle)) {
    return true;
  }
  for (const char* p = strstr(ttl, "@prefix"); p;
       p             = strstr(p + 1, "@prefix")) {
    const char* name = p + 7;
    while (*name == ' ' || *name == '\t') {
      ++name;
    }
    const char* const colon = strchr(name, ':');
    const char* const lt    = colon ? strchr(colon, '<') : NULL;
    const char* const gt    = lt ? strchr(lt, '>') : NULL;
    if (!gt || memchr(name, '\n', (size_t)(gt - name))) {
      continue;
    }
    const size_t ns_len   = (size_t)(gt - lt - 1);
    const size_t name_len = (size_t)(colon - name);
    if (ns_len && !strncmp(uri, lt + 1, ns_len) && uri[ns_len] &&
        name_len + strlen(uri + ns_len) + 2U < sizeof(needle)) {
      snprintf(
        needle, sizeof(needle), "%.*s:%s", (int)name_len, name, uri + ns_len);
      if (has_term(ttl, needle)) {
        return true;
      }
    }
  }
  return false;
}

/// True if the manifest at `path` names plugin `uri`.
static bool
manifest_names(const char* const path, const char* const uri)
{
  FILE* const f = fopen(path, "rb");
  if (!f) {
    return false;
  }
  bool found = false;
  if (!fseek(f, 0L, SEEK_END)) {
    const long  size = ftell(f);
    char* const buf  = size > 0 && (size_t)size <= DSP_LV2_MANIFEST_MAX
                         ? (char*)malloc((size_t)size + 1U)
                         : NULL;
    if (buf && !fseek(f, 0L, SEEK_SET)) {
      const size_t n = fread(buf, 1U, (size_t)size, f);
      buf[n]         = '\0';
      found          = names_uri(buf, uri);
    }
    free(buf);
  }
  fclose(f);
  return found;
}

/// Load the bundles in directory `dir` whose manifest names `<uri>`.
static bool
load_matching(DspLv2World* const w, const char* const dir, const char* uri)
{
  DIR* const d = opendir(dir);
  if (!d) {
    return false;
  }
  bool           loaded = false;
  struct dirent* ent    = NULL;
  while ((ent = readdir(d))) {
    if (ent->d_name[0] == '.') {
      continue;
    }
    char      manifest[4096];
    char      bundle[4096];
    const int m = snprintf(
      manifest, sizeof(manifest), "%s/%s/manifest.ttl", dir, ent->d_name);
    const int b =
      snprintf(bundle, sizeof(bundle), "file://%s/%s/", dir, ent->d_name);
    if (m < 0 || b < 0 || (size_t)m >= sizeof(manifest) ||
        (size_t)b >= sizeof(bundle) || !manifest_names(manifest, uri)) {
      continue;
    }
    LilvNode* const node = lilv_new_uri(w->lilv, bundle);
    if (node) {
      lilv_world_load_bundle(w->lilv, node);
      lilv_node_free(node);
      loaded = true;
    }
  }
  closedir(d);
  return loaded;
}

void
dsp_lv2_world_require(DspLv2World* const w, const char* const uri)
{
  if (!w || !uri || w->all_loaded || has_plugin(w, uri)) {
    return;
  }

  // The same search path as lilv_world_load_all()
  const char* const home = getenv("HOME");
  char              path[8192];
  dsp_lv2_search_path(path, sizeof(path));

  bool  loaded = false;
  char* save   = NULL;
  for (char* dir = strtok_r(path, ":", &save); dir;
       dir       = strtok_r(NULL, ":", &save)) {
    char expanded[4096];
    if (dir[0] == '~' && home) {
      snprintf(expanded, sizeof(expanded), "%s%s", home, dir + 1);
    } else {
      snprintf(expanded, sizeof(expanded), "%s", dir);
    }
    loaded = load_matching(w, expanded, uri) || loaded;
  }
  if (loaded) {
    lilv_world_load_specifications(w->lilv);
    lilv_world_load_plugin_classes(w->lilv);
  }
  if (!has_plugin(w, uri)) {
    dsp_timing_mark("lv2-load-all"); // Not found in any manifest: slow
    lilv_world_load_all(w->lilv);
    w->all_loaded = true;
  }
}

void
dsp_lv2_world_free(DspLv2World* const world)
{
  if (!world) {
    return;
  }

  free_nodes(&world->nodes);
  lilv_world_free(world->lilv);
  for (uint32_t i = 0U; i < world->table.n_uris; ++i) {
    free(world->table.uris[i]);
  }
  free((void*)world->table.uris);
  free(world->table.slots);
  pthread_mutex_destroy(&world->table.lock);
  free(world);
}

void
dsp_lv2_world_list(const DspLv2World* const world, FILE* const out)
{
  const DspLv2Nodes* const n       = &world->nodes;
  const LilvPlugins* const plugins = lilv_world_get_all_plugins(world->lilv);

  LILV_FOREACH(plugins, i, plugins)
  {
    const LilvPlugin* const p       = lilv_plugins_get(plugins, i);
    const uint32_t          n_ports = lilv_plugin_get_num_ports(p);
    uint32_t                n_in    = 0U;
    uint32_t                n_out   = 0U;
    for (uint32_t j = 0U; j < n_ports; ++j) {
      const LilvPort* const port = lilv_plugin_get_port_by_index(p, j);
      if (lilv_port_is_a(p, port, n->lv2_AudioPort)) {
        if (lilv_port_is_a(p, port, n->lv2_InputPort)) {
          ++n_in;
        } else {
          ++n_out;
        }
      }
    }

    LilvNode* const name = lilv_plugin_get_name(p);
    fprintf(out,
            "%s\t%s\t%u in, %u out\n",
            lilv_node_as_uri(lilv_plugin_get_uri(p)),
            name ? lilv_node_as_string(name) : "",
            n_in,
            n_out);
    lilv_node_free(name);
  }
}

// Suggestions ---------------------------------------------------------------

#define DSP_LV2_MAX_DIST_LEN 255U

/// Levenshtein distance of the first 255 bytes of `a` and `b`.
static uint32_t
edit_distance(const char* const a, const char* const b)
{
  const size_t la = strnlen(a, DSP_LV2_MAX_DIST_LEN);
  const size_t lb = strnlen(b, DSP_LV2_MAX_DIST_LEN);
  uint32_t     row[DSP_LV2_MAX_DIST_LEN + 1U];

  for (size_t j = 0U; j <= lb; ++j) {
    row[j] = (uint32_t)j;
  }
  for (size_t i = 1U; i <= la; ++i) {
    uint32_t diag = row[0];
    row[0]        = (uint32_t)i;
    for (size_t j = 1U; j <= lb; ++j) {
      const uint32_t up   = row[j];
      const uint32_t cost = (a[i - 1U] == b[j - 1U]) ? 0U : 1U;
      uint32_t       best = diag + cost;
      best                = (up + 1U < best) ? up + 1U : best;
      best                = (row[j - 1U] + 1U < best) ? row[j - 1U] + 1U : best;
      diag                = up;
      row[j]              = best;
    }
  }
  return row[lb];
}

/// True if `needle` (at least 3 characters) is in `hay`, ignoring case.
static bool
contains_nocase(const char* const hay, const char* const needle)
{
  const size_t n = strlen(needle);
  if (n < 3U) {
    return false;
  }
  for (const char* h = hay; *h; ++h) {
    size_t k = 0U;
    while (k < n && h[k] &&
           tolower((unsigned char)h[k]) == tolower((unsigned char)needle[k])) {
      ++k;
    }
    if (k == n) {
      return true;
    }
  }
  return false;
}

/// The last segment of a URI (after the last '/', '#' or ':').
static const char*
uri_tail(const char* const uri)
{
  const char* tail = uri;
  for (const char* s = uri; *s; ++s) {
    if ((*s == '/' || *s == '#' || *s == ':') && s[1]) {
      tail = s + 1;
    }
  }
  return tail;
}

#define DSP_LV2_N_SUGGEST 3U

void
dsp_lv2_world_suggest(const DspLv2World* const world,
                      const char* const        uri,
                      char* const              buf,
                      const size_t             size)
{
  const LilvPlugins* const plugins = lilv_world_get_all_plugins(world->lilv);
  const char* const        tail    = uri_tail(uri);
  const uint32_t           limit   = (uint32_t)(strlen(uri) / 3U + 2U);

  const char* best[DSP_LV2_N_SUGGEST] = { NULL, NULL, NULL };
  uint32_t    dist[DSP_LV2_N_SUGGEST] = { UINT32_MAX, UINT32_MAX, UINT32_MAX };

  LILV_FOREACH(plugins, i, plugins)
  {
    const LilvPlugin* const p     = lilv_plugins_get(plugins, i);
    const char* const       p_uri = lilv_node_as_uri(lilv_plugin_get_uri(p));
    LilvNode* const         name  = lilv_plugin_get_name(p);

    uint32_t d = edit_distance(uri, p_uri);
    if (d > limit) {
      d = (contains_nocase(p_uri, tail) ||
           (name && contains_nocase(lilv_node_as_string(name), tail)))
            ? limit + 1U
            : UINT32_MAX;
    }
    lilv_node_free(name);

    // Insert into the sorted list of the best few
    for (uint32_t k = 0U; k < DSP_LV2_N_SUGGEST && d != UINT32_MAX; ++k) {
      if (d < dist[k]) {
        for (uint32_t m = DSP_LV2_N_SUGGEST - 1U; m > k; --m) {
          best[m] = best[m - 1U];
          dist[m] = dist[m - 1U];
        }
        best[k] = p_uri;
        dist[k] = d;
        break;
      }
    }
  }

  buf[0] = '\0';
  if (!best[0] || size < 2U) {
    return;
  }

  // Only those about as close as the best one
  size_t n = 0U;
  for (uint32_t k = 0U; k < DSP_LV2_N_SUGGEST && best[k] &&
                        dist[k] <= dist[0] + dist[0] / 2U + 1U;
       ++k) {
    const int r = snprintf(
      buf + n, size - n, "%s<%s>", k ? ", " : " (did you mean ", best[k]);
    if (r < 0 || (size_t)r >= size - n) {
      return;
    }
    n += (size_t)r;
  }
  snprintf(buf + n, size - n, "?)");
}
