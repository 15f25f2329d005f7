/* mm/: hardware-free memory management shared by exo/ and libos/. Common constants. */
#ifndef MM_MM_H
#define MM_MM_H
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

/* Largest buddy order: blocks of 2^MM_MAX_ORDER pages (4 MiB). */
#define MM_MAX_ORDER 10
/* Most zones a buddy allocator manages, and most CPUs the per-CPU caches serve. */
#define MM_MAX_ZONES 8
#define MM_MAX_CPUS  8

/* Debug checks (slab poisoning, double-free detection): on in host tests, or with
 * -DMM_DEBUG=1. */
#ifndef MM_DEBUG
#ifdef HOST_TEST
#define MM_DEBUG 1
#else
#define MM_DEBUG 0
#endif
#endif

static inline uint64_t pfn_of(uint64_t pa)
{
    return pa >> PAGE_SHIFT;
}

#endif
