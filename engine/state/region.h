// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATE_REGION_H
#define DSP_STATE_REGION_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
   @file region.h
   A fixed-size memory region mapped from a file, holding checkpoints.

   Two kinds of file are accepted:

   - A regular file (default DSP_STATE_DEFAULT_PATH on tmpfs).  Created with
     the requested size if missing (DSP_REGION_CREATE); otherwise sized from
     the file and never truncated.  Flushed with msync().
   - A PCI resource file on sysfs, such as the ivshmem BAR
     `/sys/bus/pci/devices/<BDF>/resource2` in a guest.  Sized from the file
     (sysfs reports the BAR size), never created or truncated, and not
     msync()ed (kernfs has no fsync: the stores go straight to the device,
     which is mapped uncached; a full fence orders them).

   A writable open takes an exclusive flock() on the file, so two engines
   cannot write one region; readers (inspect, the host agent) take none.

   The mapping is the region's own business: the layout (layout.h) and the
   slot protocol (slots.h) work on it through dsp_region_data().
*/

/// Default state file: tmpfs, survives the process, not the machine.
#define DSP_STATE_DEFAULT_PATH "/dev/shm/dspengine-state"

/// Default size of a created state file (16 MiB, as the ivshmem BAR).
#define DSP_STATE_DEFAULT_SIZE (16U * 1024U * 1024U)

/// A mapped state region.
typedef struct DspRegionImpl DspRegion;

/// What the region is mapped from.
typedef enum {
  DSP_REGION_FILE,   ///< Regular file (tmpfs or disk), flushed with msync
  DSP_REGION_DEVICE, ///< Device memory exposed by sysfs (PCI BAR)
} DspRegionKind;

/// Flags for dsp_region_open().
typedef enum {
  DSP_REGION_READ  = 0U,       ///< Map read-only
  DSP_REGION_WRITE = 1U << 0U, ///< Map read-write and lock the file
  DSP_REGION_CREATE =
    1U << 1U, ///< Create a missing regular file (implies WRITE)
  DSP_REGION_WAIT =
    1U << 2U, ///< Wait for another writer's lock instead of failing
} DspRegionFlags;

/**
   Open and map the region at `path`.

   @param path Regular file or sysfs PCI resource file.
   @param flags DspRegionFlags.
   @param create_size Size of a file created because of DSP_REGION_CREATE,
   rounded up to a page; ignored for an existing file.
   @param[out] out Set to a new region to be closed with dsp_region_close(),
   or NULL on failure.
   @param err Filled on failure with a message naming `path`.
*/
DspStatus dsp_region_open(const char* path,
                          unsigned    flags,
                          uint64_t    create_size,
                          DspRegion** out,
                          DspError*   err);

/// Unmap and close `region` (NULL is a no-op).  Does not flush.
void dsp_region_close(DspRegion* region);

/// The mapping: dsp_region_size() bytes, owned by the region.
uint8_t* dsp_region_data(const DspRegion* region);

/// Size of the region in bytes.
uint64_t dsp_region_size(const DspRegion* region);

/// The path the region was opened with (owned by the region).
const char* dsp_region_path(const DspRegion* region);

/// Kind of file the region is mapped from.
DspRegionKind dsp_region_kind(const DspRegion* region);

/// True if the region was opened for writing.
bool dsp_region_writable(const DspRegion* region);

/**
   Make stores to bytes [offset, offset + size) durable and ordered before
   any later store: a full memory fence, then msync(MS_SYNC) of the pages
   for a regular file (a no-op on tmpfs, a disk write otherwise).
*/
DspStatus dsp_region_flush(DspRegion* region,
                           uint64_t   offset,
                           uint64_t   size,
                           DspError*  err);

#endif // DSP_STATE_REGION_H
