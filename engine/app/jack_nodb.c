// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// The engine opts out of libjack's metadata database.
//
// libjack (JACK2 1.9.21) opens a Berkeley DB environment shared by every
// JACK process of the user (/dev/shm/jack_db-UID) when a client opens, and
// closes it when the client closes.  Its locks are process-shared mutexes
// in that region: a process killed while it holds one (inside the open or
// the close) leaves it held for good, and the next process that takes it
// blocks.  That is jackd itself, which takes it on every client removal,
// so one SIGKILLed client can stall the server and all its clients (seen in
// tests/checkpoint's kill test about once in 200 kills, with jackd's server
// thread blocked in __lock_id).  The engine is built to be killed at any
// moment, and it uses no JACK metadata, so it never opens that database:
// these two definitions take the place of libdb's for libjack in this
// executable (the dynamic linker binds libjack's references to the
// executable's own symbols first), and libjack carries on without metadata,
// as it does on a build without libdb.

#include <errno.h>
#include <stddef.h>

typedef struct DspNoDb DspNoDb;

/// Refuse to create a DB environment (libdb: db_env_create).
__attribute__((visibility("default"))) int db_env_create(DspNoDb** env,
                                                         unsigned  flags);

/// Refuse to create a DB handle (libdb: db_create).
__attribute__((visibility("default"))) int db_create(DspNoDb** db,
                                                     void*     env,
                                                     unsigned  flags);

int
db_env_create(DspNoDb** const env, const unsigned flags)
{
  (void)flags;
  if (env) {
    *env = NULL;
  }
  return ENOSYS;
}

int
db_create(DspNoDb** const db, void* const env, const unsigned flags)
{
  (void)env;
  (void)flags;
  if (db) {
    *db = NULL;
  }
  return ENOSYS;
}
