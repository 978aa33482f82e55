// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "faust_jit.h"

#include "nodes/faust/faust_glue.h"
#include "nodes/faust/faust_imports.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <faust/dsp/llvm-dsp-c.h>
#pragma GCC diagnostic pop

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/// Exported by libfaust but missing from its 2.54 headers.
void freeCMemory(void* ptr);

/// The libfaust functions used, resolved by jit_load().
#define DSP_FAUST_FUNCS(X)          \
  X(getCLibFaustVersion)            \
  X(getCDSPMachineTarget)           \
  X(freeCMemory)                    \
  X(writeCDSPFactoryToMachineFile)  \
  X(readCDSPFactoryFromMachineFile) \
  X(createCDSPFactoryFromString)    \
  X(createCDSPInstance)             \
  X(deleteCDSPFactory)              \
  X(getNumInputsCDSPInstance)       \
  X(getNumOutputsCDSPInstance)      \
  X(buildUserInterfaceCDSPInstance) \
  X(metadataCDSPInstance)           \
  X(initCDSPInstance)               \
  X(instanceClearCDSPInstance)      \
  X(computeCDSPInstance)            \
  X(deleteCDSPInstance)

/**
   libfaust (and LLVM, ~100 MB with its static constructors) is opened with
   dlopen() the first time a graph needs Faust code compiled at load time:
   linking it would make every start of the program pay ~100 ms for it,
   including a resume after a crash that has no such node.
*/
static struct {
  void* handle; ///< dlopen() handle, NULL until loaded
#define DSP_FAUST_MEMBER(f) __typeof__(&f) f; ///< libfaust function
  DSP_FAUST_FUNCS(DSP_FAUST_MEMBER)
#undef DSP_FAUST_MEMBER
} lf;

static pthread_once_t lf_once       = PTHREAD_ONCE_INIT;
static char           lf_error[512] = ""; ///< Why loading failed
static const char     lf_soname[]   = "libfaust.so.2";

static void
jit_load_once(void)
{
  void* const h = dlopen(lf_soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(lf_error, sizeof(lf_error), "%s", dlerror());
    return;
  }
#define DSP_FAUST_RESOLVE(f)                                                 \
  if (!lf_error[0] && !(*(void**)& lf.f = dlsym(h, #f))) {                   \
    snprintf(lf_error, sizeof(lf_error), "%s: no symbol %s", lf_soname, #f); \
  }
  DSP_FAUST_FUNCS(DSP_FAUST_RESOLVE)
#undef DSP_FAUST_RESOLVE
  if (lf_error[0]) {
    dlclose(h);
    return;
  }
  lf.handle = h;
}

/// Load libfaust if not yet done; false (with lf_error) if it cannot be.
static bool
jit_load(void)
{
  pthread_once(&lf_once, jit_load_once);
  return lf.handle != NULL;
}

/// An instance with the factory it was made from.
typedef struct {
  llvm_dsp_factory* factory;  ///< Reference held by this instance
  llvm_dsp*         instance; ///< The DSP
} DspFaustJitDsp;

static pthread_mutex_t jit_mutex      = PTHREAD_MUTEX_INITIALIZER;
static uint64_t        jit_n_compiles = 0U; ///< Guarded by jit_mutex
static uint64_t        jit_n_hits     = 0U; ///< Guarded by jit_mutex

enum { DSP_FAUST_JIT_MAX_ARGS = 2 * 34 };

/// Compile options: argument pointers and the text they point into.
typedef struct {
  const char* argv[DSP_FAUST_JIT_MAX_ARGS]; ///< Options
  char        text[8192];                   ///< Storage for import dirs
} JitArgs;

/// Fill `args` with the compile options for `src`, return their number.
static int
jit_args(const DspFaustJitSource* const src, JitArgs* const args)
{
  int argc = 0;
  if (src->include_dir) {
    args->argv[argc++] = "-I";
    args->argv[argc++] = src->include_dir;
  }
  const char* const path =
    src->import_path ? src->import_path : DSP_FAUST_LIBDIR;
  snprintf(args->text, sizeof(args->text), "%s", path);
  char* save = NULL;
  for (char* dir = strtok_r(args->text, ":", &save);
       dir && argc + 2 <= DSP_FAUST_JIT_MAX_ARGS;
       dir = strtok_r(NULL, ":", &save)) {
    args->argv[argc++] = "-I";
    args->argv[argc++] = dir;
  }
  return argc;
}

static uint64_t
fnv1a(uint64_t hash, const char* const str)
{
  // Hash the terminating NUL too, so that ("ab","c") != ("a","bc")
  const size_t len = strlen(str) + 1U;
  for (size_t i = 0U; i < len; ++i) {
    hash ^= (uint8_t)str[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

const char*
dsp_faust_jit_version(void)
{
  return jit_load() ? lf.getCLibFaustVersion() : "unavailable";
}

const char*
dsp_faust_jit_cache_name(const DspFaustJitSource* const src,
                         char* const                    buf,
                         const size_t                   size)
{
  JitArgs   args;
  const int argc = jit_args(src, &args);

  uint64_t hash = 0xcbf29ce484222325ULL;
  hash          = fnv1a(hash, "dspengine-faust-cache-1");
  hash          = fnv1a(hash, dsp_faust_jit_version());

  char* const target = jit_load() ? lf.getCDSPMachineTarget() : NULL;
  hash               = fnv1a(hash, target ? target : "");
  if (target) {
    lf.freeCMemory(target);
  }

  for (int i = 0; i < argc; ++i) {
    hash = fnv1a(hash, args.argv[i]);
  }
  hash = fnv1a(hash, src->name ? src->name : "");
  hash = fnv1a(hash, src->code);

  snprintf(buf, size, "%016llx.fmc", (unsigned long long)hash);
  return buf;
}

/// Create `dir` and its parents, like `mkdir -p`.
static bool
make_dirs(const char* const dir)
{
  char path[4096];
  if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
    return false;
  }

  for (char* p = path + 1; *p; ++p) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(path, 0755) && errno != EEXIST) {
        return false;
      }
      *p = '/';
    }
  }
  return !mkdir(path, 0755) || errno == EEXIST;
}

/**
   Whether `path` (lstat: a symlink is refused) belongs to the effective
   user and is not writable by group or others, and is a directory
   (`dir`) or a regular file.  Else fill `why`.
*/
static bool
safe_owned(const char* const path,
           const bool        dir,
           char* const       why,
           const size_t      why_size)
{
  struct stat sb;
  if (lstat(path, &sb)) {
    snprintf(why, why_size, "%s: %s", path, strerror(errno));
    return false;
  }
  if (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode)) {
    snprintf(why,
             why_size,
             "%s is not a %s",
             path,
             dir ? "directory" : "regular file");
    return false;
  }
  if (sb.st_uid != geteuid()) {
    snprintf(why,
             why_size,
             "%s is owned by uid %u, not by the engine's user (uid %u)",
             path,
             (unsigned)sb.st_uid,
             (unsigned)geteuid());
    return false;
  }
  if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
    snprintf(why,
             why_size,
             "%s is writable by %s (mode %03o)",
             path,
             (sb.st_mode & S_IWOTH) ? "others" : "its group",
             (unsigned)(sb.st_mode & 0777));
    return false;
  }
  return true;
}

/// Print a cache warning once per distinct reason (guarded by jit_mutex).
static void
cache_warn(const char* const why)
{
  static char last[600];
  if (strcmp(last, why)) {
    snprintf(last, sizeof(last), "%s", why);
    fprintf(stderr,
            "dspengine: warning: Faust machine-code cache not used: %s "
            "(compiling instead; see docs/faust.md)\n",
            why);
  }
}

/// Write `factory` to `path` atomically (temporary file, then rename).
static void
cache_write(llvm_dsp_factory* const factory,
            const char* const       dir,
            const char* const       path)
{
  if (!make_dirs(dir)) {
    return; // The cache is an optimisation: carry on without it
  }

  const size_t tmp_size = strlen(path) + 16U;
  char* const  tmp      = (char*)malloc(tmp_size);
  if (!tmp) {
    return;
  }

  snprintf(tmp, tmp_size, "%s.XXXXXX", path);
  const int fd = mkstemp(tmp);
  if (fd >= 0) {
    close(fd);
    if (!lf.writeCDSPFactoryToMachineFile(factory, tmp, "") ||
        rename(tmp, path)) {
      unlink(tmp);
    }
  }
  free(tmp);
}

/// Copy libfaust's message without trailing white space.
static void
trim_message(char* const msg)
{
  size_t len = strlen(msg);
  while (len > 0U && (msg[len - 1U] == '\n' || msg[len - 1U] == ' ')) {
    msg[--len] = '\0';
  }
}

/// Line number in a libfaust message "FILE : LINE : ERROR : ...", or 0.
static int
message_line(const char* const msg)
{
  const char* const sep = strstr(msg, " : ");
  if (!sep) {
    return 0;
  }

  char*      end  = NULL;
  const long line = strtol(sep + 3, &end, 10);
  return (end != sep + 3 && line > 0 && line < 1000000) ? (int)line : 0;
}

static DspStatus
jit_factory(const DspFaustJitSource* const src,
            const char*                    cache_dir,
            const char* const              json_path,
            llvm_dsp_factory** const       factory,
            DspError* const                err)
{
  DspStatus st = dsp_faust_imports_check(
    src->code,
    src->include_dir,
    src->import_path ? src->import_path : DSP_FAUST_LIBDIR,
    src->node_id ? src->node_id : src->name,
    json_path,
    err);
  if (st) {
    return st;
  }

  char* cache_path = NULL;
  char  why[600];
  if (cache_dir && !make_dirs(cache_dir)) {
    cache_dir = NULL; // The cache is an optimisation: carry on without it
  }
  if (cache_dir && !safe_owned(cache_dir, true, why, sizeof(why))) {
    cache_warn(why);
    cache_dir = NULL;
  }
  if (cache_dir) {
    char name[32];
    dsp_faust_jit_cache_name(src, name, sizeof(name));

    const size_t size = strlen(cache_dir) + strlen(name) + 2U;
    if (!(cache_path = (char*)malloc(size))) {
      return dsp_error_set(err, DSP_ERR_NO_MEM, json_path, "out of memory");
    }
    snprintf(cache_path, size, "%s/%s", cache_dir, name);

    if (!access(cache_path, R_OK) &&
        !safe_owned(cache_path, false, why, sizeof(why))) {
      cache_warn(why);
      unlink(cache_path); // Ours to replace: the directory is ours
    } else if (!access(cache_path, R_OK)) {
      char msg[4096] = { 0 };
      if ((*factory = lf.readCDSPFactoryFromMachineFile(cache_path, "", msg))) {
        ++jit_n_hits;
        free(cache_path);
        return DSP_SUCCESS;
      }
      // Unreadable (stale or corrupt): compile again and replace it
    }
  }

  JitArgs   args;
  const int argc = jit_args(src, &args);
  char      msg[4096];
  memset(msg, 0, sizeof(msg));

  ++jit_n_compiles;
  *factory = lf.createCDSPFactoryFromString(
    src->name ? src->name : "faust", src->code, argc, args.argv, "", msg, -1);
  if (!*factory) {
    trim_message(msg);
    if (src->file) {
      dsp_error_set_location(err, src->file, message_line(msg), 0);
    }
    free(cache_path);
    return dsp_error_set(err,
                         DSP_ERR_SYNTAX,
                         json_path,
                         "Faust compilation of %s failed: %s",
                         src->name ? src->name : "code",
                         msg[0] ? msg : "(libfaust gave no message)");
  }

  if (cache_path) {
    cache_write(*factory, cache_dir, cache_path);
    free(cache_path);
  }
  return DSP_SUCCESS;
}

DspStatus
dsp_faust_jit_new(const DspFaustJitSource* const src,
                  const char* const              cache_dir,
                  const char* const              json_path,
                  void** const                   dsp,
                  DspError* const                err)
{
  *dsp = NULL;

  if (!jit_load()) {
    return dsp_error_set(err,
                         DSP_ERR_PLUGIN,
                         json_path,
                         "Faust code needs libfaust, which cannot be loaded "
                         "(%s; install libfaust2)",
                         lf_error);
  }
  DspFaustJitDsp* const jd = (DspFaustJitDsp*)calloc(1U, sizeof(*jd));
  if (!jd) {
    return dsp_error_set(err, DSP_ERR_NO_MEM, json_path, "out of memory");
  }

  pthread_mutex_lock(&jit_mutex);
  DspStatus st = jit_factory(src, cache_dir, json_path, &jd->factory, err);
  if (!st && !(jd->instance = lf.createCDSPInstance(jd->factory))) {
    st = dsp_error_set(err,
                       DSP_ERR_PLUGIN,
                       json_path,
                       "libfaust could not create an instance of %s",
                       src->name ? src->name : "code");
  }
  if (st && jd->factory) {
    lf.deleteCDSPFactory(jd->factory);
  }
  pthread_mutex_unlock(&jit_mutex);

  if (st) {
    free(jd);
    return st;
  }

  *dsp = jd;
  return DSP_SUCCESS;
}

uint64_t
dsp_faust_jit_compile_count(void)
{
  pthread_mutex_lock(&jit_mutex);
  const uint64_t n = jit_n_compiles;
  pthread_mutex_unlock(&jit_mutex);
  return n;
}

uint64_t
dsp_faust_jit_cache_hit_count(void)
{
  pthread_mutex_lock(&jit_mutex);
  const uint64_t n = jit_n_hits;
  pthread_mutex_unlock(&jit_mutex);
  return n;
}

static int
jit_get_num_inputs(void* const dsp)
{
  return lf.getNumInputsCDSPInstance(((DspFaustJitDsp*)dsp)->instance);
}

static int
jit_get_num_outputs(void* const dsp)
{
  return lf.getNumOutputsCDSPInstance(((DspFaustJitDsp*)dsp)->instance);
}

static void
jit_build_user_interface(void* const dsp, UIGlue* const ui)
{
  lf.buildUserInterfaceCDSPInstance(((DspFaustJitDsp*)dsp)->instance, ui);
}

static void
jit_metadata(void* const dsp, MetaGlue* const meta)
{
  lf.metadataCDSPInstance(((DspFaustJitDsp*)dsp)->instance, meta);
}

static void
jit_init(void* const dsp, const int sample_rate)
{
  lf.initCDSPInstance(((DspFaustJitDsp*)dsp)->instance, sample_rate);
}

static void
jit_instance_clear(void* const dsp)
{
  lf.instanceClearCDSPInstance(((DspFaustJitDsp*)dsp)->instance);
}

static void
jit_compute(void* const   dsp,
            const int     count,
            float** const inputs,
            float** const outputs)
{
  lf.computeCDSPInstance(
    ((DspFaustJitDsp*)dsp)->instance, count, inputs, outputs);
}

static void
jit_free(void* const dsp)
{
  DspFaustJitDsp* const jd = (DspFaustJitDsp*)dsp;
  if (jd) {
    pthread_mutex_lock(&jit_mutex);
    lf.deleteCDSPInstance(jd->instance);
    lf.deleteCDSPFactory(jd->factory);
    pthread_mutex_unlock(&jit_mutex);
    free(jd);
  }
}

const DspFaustOps dsp_faust_jit_ops = {
  jit_get_num_inputs,
  jit_get_num_outputs,
  jit_build_user_interface,
  jit_metadata,
  jit_init,
  jit_instance_clear,
  jit_compute,
  jit_free,
};
