/*
 * Per-frame metadata. The buddy allocator keeps one struct page per physical frame of each
 * zone, in an array the caller provides, so it never touches the memory it manages.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H
#include <stdbool.h>
#include <stdint.h>
#include <lib/list.h>

/* page.flags */
#define PG_FREE     (1u << 0) /* head of a free buddy block (order in page.order) */
#define PG_RESERVED (1u << 1) /* never handed out (kernel image, DTB, ...) */
#define PG_HEAD     (1u << 2) /* head of an allocated block (order in page.order) */
#define PG_SLAB     (1u << 3) /* part of a slab: page.priv is the slab */
#define PG_KMALLOC  (1u << 4) /* head of a large kmalloc block */

struct page {
    struct list_node link; /* buddy free list while free; owner's list otherwise */
    uint32_t flags;
    int32_t refcount; /* 1 when allocated; users share frames with page_ref_* */
    uint8_t order;    /* block order, valid on PG_FREE / PG_HEAD pages */
    uint8_t zone;     /* index of the zone in its buddy allocator */
    uint16_t pad_;
    uint32_t owner; /* free for exo (owning environment); mm never reads it */
    void *priv;     /* slab: its struct slab; otherwise free for the owner */
};

static inline void page_ref_inc(struct page *pg)
{
    __atomic_add_fetch(&pg->refcount, 1, __ATOMIC_RELAXED);
}

/* Drops one reference; true when it was the last one. */
static inline bool page_ref_dec_and_test(struct page *pg)
{
    return __atomic_sub_fetch(&pg->refcount, 1, __ATOMIC_ACQ_REL) == 0;
}

static inline int32_t page_refcount(const struct page *pg)
{
    return __atomic_load_n(&pg->refcount, __ATOMIC_RELAXED);
}

#endif
