// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#define _GNU_SOURCE

#include "faust_imports.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/// Directories libfaust 2.54 looks in besides -I and the importer's own.
static const char* const faust_default_dirs[] = { "/usr/local/share/faust",
                                                  "/usr/share/faust" };

/// Most allowed roots (import path entries plus the file's directory).
enum { MAX_ROOTS = 33 };

typedef struct {
  const char* node_id;          ///< For messages
  const char* json_path;        ///< For messages
  DspError*   err;              ///< Filled on failure
  const char* import_path;      ///< As given, for messages
  const char* file_dir;         ///< The .dsp file's directory, or NULL
  char*       roots[MAX_ROOTS]; ///< Allowed directories (realpath)
  unsigned    n_roots;          ///< Entries in roots
  char*       dirs[MAX_ROOTS];  ///< -I directories as libfaust gets them
  unsigned    n_dirs;           ///< Entries in dirs
  char*       seen[DSP_FAUST_MAX_IMPORTS]; ///< Files scanned (realpath)
  unsigned    n_seen;                      ///< Entries in seen
} Ctx;

static DspStatus refuse(Ctx*        ctx,
                        DspStatus   st,
                        const char* name,
                        const char* fmt,
                        ...) __attribute__((format(printf, 4, 5)));

static DspStatus
refuse(Ctx* const        ctx,
       const DspStatus   st,
       const char* const name,
       const char* const fmt,
       ...)
{
  char    what[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(what, sizeof(what), fmt, args);
  va_end(args);
  return dsp_error_set(ctx->err,
                       st,
                       ctx->json_path,
                       "node \"%s\": Faust import \"%.200s\" refused: %s "
                       "(import path: %s%s%s)",
                       ctx->node_id ? ctx->node_id : "?",
                       name,
                       what,
                       ctx->file_dir ? ctx->file_dir : "",
                       ctx->file_dir ? ":" : "",
                       ctx->import_path);
}

/// True if the resolved `path` is inside one of the allowed roots.
static bool
inside_roots(const Ctx* const ctx, const char* const path)
{
  for (unsigned i = 0U; i < ctx->n_roots; ++i) {
    const size_t len = strlen(ctx->roots[i]);
    if (!strncmp(path, ctx->roots[i], len) &&
        (path[len] == '/' || (len == 1U && ctx->roots[i][0] == '/'))) {
      return true;
    }
  }
  return false;
}

/// True if `name` has a ".." component.
static bool
has_dotdot(const char* const name)
{
  for (const char* p = name; *p;) {
    const size_t len = strcspn(p, "/");
    if (len == 2U && p[0] == '.' && p[1] == '.') {
      return true;
    }
    p += len;
    p += (*p == '/');
  }
  return false;
}

static DspStatus scan(Ctx*        ctx,
                      const char* text,
                      const char* dir,
                      unsigned    depth);

/// Read a whole file (at most DSP_FAUST_MAX_IMPORT_BYTES).
static char*
slurp(const char* const path)
{
  FILE* const f = fopen(path, "rb");
  if (!f) {
    return NULL;
  }
  char* const text = (char*)malloc(DSP_FAUST_MAX_IMPORT_BYTES + 1U);
  size_t      n    = 0U;
  if (text) {
    n       = fread(text, 1U, DSP_FAUST_MAX_IMPORT_BYTES + 1U, f);
    text[n] = '\0';
  }
  fclose(f);
  if (text && n > DSP_FAUST_MAX_IMPORT_BYTES) {
    free(text);
    return NULL;
  }
  return text;
}

/// Check one name found in code whose file (if any) is in `importer_dir`.
static DspStatus
check_name(Ctx* const        ctx,
           const char* const name,
           const char* const importer_dir,
           const unsigned    depth)
{
  if (!name[0] || name[0] == '/' || strstr(name, "://") || strchr(name, '\\') ||
      has_dotdot(name)) {
    return refuse(ctx,
                  DSP_ERR_BAD_GRAPH,
                  name,
                  "absolute paths, URLs and \"..\" are not allowed (expected "
                  "a name relative to the import path)");
  }

  // Every directory libfaust may look in, in no particular order
  const char* cands[2 * MAX_ROOTS + 4];
  unsigned    n = 0U;
  char        cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd))) {
    cands[n++] = cwd;
  }
  if (importer_dir) {
    cands[n++] = importer_dir;
  }
  for (unsigned i = 0U; i < ctx->n_dirs; ++i) {
    cands[n++] = ctx->dirs[i];
  }
  const char* const env = getenv("FAUST_LIB_PATH");
  if (env && env[0]) {
    cands[n++] = env;
  }
  cands[n++] = faust_default_dirs[0];
  cands[n++] = faust_default_dirs[1];

  unsigned found = 0U;
  for (unsigned i = 0U; i < n; ++i) {
    char path[PATH_MAX];
    char real[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", cands[i], name) >=
        (int)sizeof(path)) {
      continue;
    }
    struct stat sb;
    if (stat(path, &sb) || !realpath(path, real)) {
      continue;
    }
    if (!S_ISREG(sb.st_mode) || !inside_roots(ctx, real)) {
      return refuse(ctx,
                    DSP_ERR_BAD_GRAPH,
                    name,
                    "it would read \"%s\", outside the import path",
                    real);
    }
    ++found;

    bool seen = false;
    for (unsigned k = 0U; k < ctx->n_seen && !seen; ++k) {
      seen = !strcmp(ctx->seen[k], real);
    }
    if (seen) {
      continue;
    }
    if (ctx->n_seen == DSP_FAUST_MAX_IMPORTS ||
        depth >= DSP_FAUST_MAX_IMPORT_DEPTH) {
      return refuse(ctx,
                    DSP_ERR_LIMIT,
                    name,
                    "more than %u files or %u levels of imports",
                    DSP_FAUST_MAX_IMPORTS,
                    DSP_FAUST_MAX_IMPORT_DEPTH);
    }
    if (!(ctx->seen[ctx->n_seen] = strdup(real))) {
      return dsp_error_set(
        ctx->err, DSP_ERR_NO_MEM, ctx->json_path, "out of memory");
    }
    ++ctx->n_seen;

    char* const text = slurp(real);
    if (!text) {
      return refuse(ctx,
                    DSP_ERR_IO,
                    name,
                    "cannot read \"%s\" (or larger than 4 MiB)",
                    real);
    }
    char* const slash  = strrchr(real, '/');
    *slash             = '\0';
    const DspStatus st = scan(ctx, text, real[0] ? real : "/", depth + 1U);
    free(text);
    if (st) {
      return st;
    }
  }

  if (!found) {
    return refuse(ctx, DSP_ERR_NOT_FOUND, name, "not found");
  }
  return DSP_SUCCESS;
}

/// Skip white space and comments from `p`.
static const char*
skip_space(const char* p)
{
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
           *p == '\v') {
      ++p;
    }
    if (p[0] == '/' && p[1] == '/') {
      p += strcspn(p, "\n");
    } else if (p[0] == '/' && p[1] == '*') {
      const char* const end = strstr(p + 2, "*/");
      p                     = end ? end + 2 : p + strlen(p);
    } else {
      return p;
    }
  }
}

static bool
ident_start(const char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
ident_char(const char c)
{
  return ident_start(c) || (c >= '0' && c <= '9');
}

/// Find the names in `text` (Faust lexical rules: `//` and `/* */`
/// comments, strings without escapes) and check each.
static DspStatus
scan(Ctx* const        ctx,
     const char* const text,
     const char* const dir,
     const unsigned    depth)
{
  const char* p = text;
  while (*p) {
    const char* const q = skip_space(p);
    if (q != p) {
      p = q;
      continue;
    }
    if (*p == '"') {
      const char* const end = strchr(p + 1, '"');
      p                     = end ? end + 1 : p + strlen(p);
      continue;
    }
    if (!ident_start(*p)) {
      ++p;
      continue;
    }
    const char* const start = p;
    while (ident_char(*p)) {
      ++p;
    }
    const size_t len     = (size_t)(p - start);
    const bool   keyword = (len == 6U && !strncmp(start, "import", 6U)) ||
                         (len == 7U && !strncmp(start, "library", 7U)) ||
                         (len == 9U && !strncmp(start, "component", 9U));
    if (!keyword) {
      continue;
    }
    const char* a = skip_space(p);
    if (*a != '(') {
      continue;
    }
    a                     = skip_space(a + 1);
    const char* const end = *a == '"' ? strchr(a + 1, '"') : NULL;
    if (!end) {
      char what[16];
      snprintf(what, sizeof(what), "%.*s(", (int)len, start);
      return refuse(
        ctx, DSP_ERR_BAD_GRAPH, what, "expected a string literal after it");
    }
    char name[PATH_MAX];
    if ((size_t)(end - a - 1) >= sizeof(name)) {
      return refuse(ctx, DSP_ERR_LIMIT, "(long name)", "name too long");
    }
    memcpy(name, a + 1, (size_t)(end - a - 1));
    name[end - a - 1]  = '\0';
    const DspStatus st = check_name(ctx, name, dir, depth);
    if (st) {
      return st;
    }
    p = end + 1;
  }
  return DSP_SUCCESS;
}

/// Add `dir` as a -I directory and, if it exists, as an allowed root.
static DspStatus
add_dir(Ctx* const ctx, const char* const dir, const size_t len)
{
  if (!len || ctx->n_dirs == MAX_ROOTS) {
    return DSP_SUCCESS;
  }
  char* const copy = strndup(dir, len);
  if (!copy) {
    return DSP_ERR_NO_MEM;
  }
  ctx->dirs[ctx->n_dirs++] = copy;
  char real[PATH_MAX];
  if (realpath(copy, real) && !(ctx->roots[ctx->n_roots++] = strdup(real))) {
    --ctx->n_roots;
    return DSP_ERR_NO_MEM;
  }
  return DSP_SUCCESS;
}

DspStatus
dsp_faust_imports_check(const char* const code,
                        const char* const file_dir,
                        const char* const import_path,
                        const char* const node_id,
                        const char* const json_path,
                        DspError* const   err)
{
  Ctx ctx;
  memset(&ctx, 0, sizeof(ctx));
  ctx.node_id     = node_id;
  ctx.json_path   = json_path;
  ctx.err         = err;
  ctx.import_path = import_path ? import_path : "";
  ctx.file_dir    = file_dir;

  DspStatus st =
    file_dir ? add_dir(&ctx, file_dir, strlen(file_dir)) : DSP_SUCCESS;
  for (const char* p = ctx.import_path; !st && *p;) {
    const size_t len = strcspn(p, ":");
    st               = add_dir(&ctx, p, len);
    p += len;
    p += (*p == ':');
  }
  if (st) {
    st = dsp_error_set(err, st, json_path, "out of memory");
  } else {
    st = scan(&ctx, code, file_dir, 0U);
  }

  for (unsigned i = 0U; i < ctx.n_roots; ++i) {
    free(ctx.roots[i]);
  }
  for (unsigned i = 0U; i < ctx.n_dirs; ++i) {
    free(ctx.dirs[i]);
  }
  for (unsigned i = 0U; i < ctx.n_seen; ++i) {
    free(ctx.seen[i]);
  }
  return st;
}
