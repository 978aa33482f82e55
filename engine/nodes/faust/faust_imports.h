// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_FAUST_IMPORTS_H
#define DSP_FAUST_IMPORTS_H

#include "common/error.h"

/**
   @file faust_imports.h
   Keeping Faust code inside the import path (docs/faust.md, "Imports").

   libfaust resolves `import("…")`, `library("…")` and `component("…")`
   names against the current directory first, then the importing file's
   directory, the `-I` directories, $FAUST_LIB_PATH and its own defaults,
   and it opens absolute paths and `..` as given.  Before libfaust sees
   any code, dsp_faust_imports_check() finds every such name in it and, in
   turn, in every file those names reach, and refuses the program unless
   each name is relative, has no `..`, exists somewhere libfaust looks,
   and every place libfaust could find it is, after resolving symbolic
   links, inside an allowed directory.

   Not real-time.  Reads files; allocates.
*/

/// Most files one program may reach through its imports.
#define DSP_FAUST_MAX_IMPORTS 256U

/// Deepest chain of imports.
#define DSP_FAUST_MAX_IMPORT_DEPTH 32U

/// Largest file read while following imports.
#define DSP_FAUST_MAX_IMPORT_BYTES (4U * 1024U * 1024U)

/**
   Check the imports of `code`.

   @param code Faust source.
   @param file_dir Directory of the .dsp file the code came from (searched
   and allowed), or NULL for inline code.
   @param import_path Allowed import directories, separated by ':'.
   @param node_id Node id, for the message.
   @param json_path JSON pointer reported in errors.
   @return DSP_SUCCESS, or DSP_ERR_BAD_GRAPH (a refused name),
   DSP_ERR_NOT_FOUND, DSP_ERR_LIMIT or DSP_ERR_NO_MEM with `err` naming the
   node and the import.
*/
DspStatus dsp_faust_imports_check(const char* code,
                                  const char* file_dir,
                                  const char* import_path,
                                  const char* node_id,
                                  const char* json_path,
                                  DspError*   err);

#endif // DSP_FAUST_IMPORTS_H
