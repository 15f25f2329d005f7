/* A fake physical-frame allocator under exo's frame table, for host tests: FAKE_NFRAMES
 * frames starting at a chosen pfn, handed out first fit and aligned to the order, with
 * counters that tests check (frames freed and zeroed, bookkeeping objects alive). */
#pragma once
#include <stdint.h>
#include "frame_table.h"

#define FAKE_NFRAMES 64

struct fake_frames {
    uint64_t base;
    uint8_t used[FAKE_NFRAMES];
    int frees;      /* frames given back through ops.free */
    int zeroes;     /* frames cleared through ops.zero */
    int objs;       /* objects from ops.alloc_obj not yet freed */
    int obj_allocs; /* objects ever allocated through ops.alloc_obj */
};

extern struct fake_frames fake;
extern const struct frame_table_ops fake_frame_ops;

/* Empties the allocator, zeroes the counters and initialises ft over frames[FAKE_NFRAMES]
 * with the fake operations, the first frame numbered base. */
void fake_frames_init(struct frame_table *ft, struct frame *frames, uint64_t base);
