// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#define _GNU_SOURCE

#include "region.h"

#include "layout.h"
#include "region_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/// statfs() f_type of sysfs (linux/magic.h SYSFS_MAGIC).
#define DSP_SYSFS_MAGIC 0x62656572L

static DspStatus
sys_error(DspError* const   err,
          const char* const path,
          const char* const what,
          const int         errnum)
{
  return dsp_error_set(err,
                       dsp_status_from_errno(errnum),
                       NULL,
                       "state region %s: %s: %s",
                       path,
                       what,
                       strerror(errnum));
}

static uint64_t
page_size(void)
{
  const long ps = sysconf(_SC_PAGESIZE);
  return ps > 0 ? (uint64_t)ps : 4096U;
}

/// Give a new or empty regular file its size, with blocks allocated so
/// that a store into the mapping never raises SIGBUS on a full tmpfs.
static int
size_file(const int fd, const uint64_t size, const bool extend)
{
  if (size > (uint64_t)INT64_MAX) {
    return EFBIG;
  }
  const int r = posix_fallocate(fd, 0, (off_t)size);
  if (r == 0) {
    return 0;
  }
  if (r != EOPNOTSUPP && r != EINVAL) {
    return r;
  }
  // The file system cannot allocate ahead: at least set the size.
  return (extend && ftruncate(fd, (off_t)size)) ? errno : 0;
}

DspStatus
dsp_region_open(const char* const path,
                const unsigned    flags,
                const uint64_t    create_size,
                DspRegion** const out,
                DspError* const   err)
{
  *out = NULL;
  if (!path || !path[0]) {
    return dsp_error_set(err, DSP_ERR_BAD_ARG, NULL, "state region: no path");
  }

  const bool create = flags & DSP_REGION_CREATE;
  const bool write  = create || (flags & DSP_REGION_WRITE);
  const int  oflags =
    (write ? O_RDWR : O_RDONLY) | (create ? O_CREAT : 0) | O_CLOEXEC;

  DspRegion* const region = (DspRegion*)calloc(1U, sizeof(DspRegion));
  char* const      copy   = region ? strdup(path) : NULL;
  if (!copy) {
    free(region);
    return dsp_error_set(
      err, DSP_ERR_NO_MEM, NULL, "state region %s: out of memory", path);
  }
  region->path     = copy;
  region->fd       = -1;
  region->writable = write;

  DspStatus     st = DSP_SUCCESS;
  struct stat   sb;
  struct statfs fsb;
  if ((region->fd = open(path, oflags, 0600)) < 0) {
    st = sys_error(err, path, "cannot open", errno);
  } else if (write &&
             flock(region->fd,
                   LOCK_EX | ((flags & DSP_REGION_WAIT) ? 0 : LOCK_NB))) {
    st = errno == EWOULDBLOCK
           ? dsp_error_set(err,
                           DSP_ERR_IO,
                           NULL,
                           "state region %s: in use by another process",
                           path)
           : sys_error(err, path, "cannot lock", errno);
  } else if (fstat(region->fd, &sb) || fstatfs(region->fd, &fsb)) {
    st = sys_error(err, path, "cannot stat", errno);
  } else if (!S_ISREG(sb.st_mode)) {
    st = dsp_error_set(err,
                       DSP_ERR_BAD_ARG,
                       NULL,
                       "state region %s: not a regular file or PCI resource",
                       path);
  } else {
    region->kind =
      (fsb.f_type == DSP_SYSFS_MAGIC) ? DSP_REGION_DEVICE : DSP_REGION_FILE;
    region->size = (uint64_t)sb.st_size;
    if (region->kind == DSP_REGION_FILE && write) {
      const uint64_t ps   = page_size();
      const uint64_t req  = create_size ? create_size : DSP_STATE_DEFAULT_SIZE;
      const uint64_t want = (req + ps - 1U) / ps * ps;
      const bool     grow = create && region->size == 0U;
      const int r = size_file(region->fd, grow ? want : region->size, grow);
      if (r) {
        st = sys_error(err, path, "cannot allocate", r);
      } else if (grow) {
        region->size = want;
      }
    }
  }

  if (!st && region->size < DSP_STATE_MIN_SIZE) {
    st = dsp_error_set(err,
                       region->size ? DSP_ERR_RANGE : DSP_ERR_NOT_FOUND,
                       NULL,
                       "state region %s: %s (%llu bytes, at least %u needed)",
                       path,
                       region->size ? "too small" : "empty file",
                       (unsigned long long)region->size,
                       DSP_STATE_MIN_SIZE);
  }

  if (!st) {
    // sysfs resourceN files are always mapped uncached (resourceN_wc
    // write-combined) whatever the open flags, so O_SYNC is not needed.
    void* const map = mmap(NULL,
                           (size_t)region->size,
                           write ? PROT_READ | PROT_WRITE : PROT_READ,
                           MAP_SHARED,
                           region->fd,
                           0);
    if (map == MAP_FAILED) {
      st = sys_error(err, path, "cannot map", errno);
    } else {
      region->data = (uint8_t*)map;
    }
  }

  if (st) {
    dsp_region_close(region);
    return st;
  }
  *out = region;
  return DSP_SUCCESS;
}

void
dsp_region_close(DspRegion* const region)
{
  if (!region) {
    return;
  }
  if (region->data) {
    munmap(region->data, (size_t)region->size);
  }
  if (region->fd >= 0) {
    close(region->fd); // Releases the lock
  }
  free(region->path);
  free(region);
}

uint8_t*
dsp_region_data(const DspRegion* const region)
{
  return region->data;
}

uint64_t
dsp_region_size(const DspRegion* const region)
{
  return region->size;
}

const char*
dsp_region_path(const DspRegion* const region)
{
  return region->path;
}

DspRegionKind
dsp_region_kind(const DspRegion* const region)
{
  return region->kind;
}

bool
dsp_region_writable(const DspRegion* const region)
{
  return region->writable;
}

DspStatus
dsp_region_flush(DspRegion* const region,
                 const uint64_t   offset,
                 const uint64_t   size,
                 DspError* const  err)
{
  // A full fence (mfence on x86) also orders stores to write-combined or
  // uncached memory, which a release fence does not.
  atomic_thread_fence(memory_order_seq_cst);
  if (region->kind != DSP_REGION_FILE || !region->writable || !size ||
      offset >= region->size) {
    return DSP_SUCCESS;
  }

  const uint64_t ps    = page_size();
  const uint64_t first = offset / ps * ps;
  const uint64_t end =
    offset + size > region->size ? region->size : offset + size;
  if (msync(region->data + first, (size_t)(end - first), MS_SYNC)) {
    return sys_error(err, region->path, "cannot flush", errno);
  }
  return DSP_SUCCESS;
}
