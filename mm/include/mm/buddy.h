/*
 * Buddy allocator of physical frames over one or more zones (physical address ranges).
 *
 * Metadata lives in a caller-provided struct page array per zone (buddy_meta_bytes() says
 * how big); the managed memory itself is never read or written. Blocks of 2^order pages,
 * order 0..MM_MAX_ORDER, are naturally aligned in physical address (a 2 MiB block is 2 MiB
 * aligned), so callers can map them with block descriptors. One spinlock per zone.
 *
 * Boot: bootmem hands out memory before the buddy exists (e.g. the struct page arrays);
 * afterwards buddy_reserve() the kernel image, DTB, initrd and the bootmem range used.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H
#include <stddef.h>
#include <stdint.h>
#include <lib/list.h>
#include <lib/spinlock.h>
#include <mm/mm.h>
#include <mm/page.h>

struct buddy_zone {
    struct spinlock lock;
    const char *name;
    uint64_t base_pfn, end_pfn; /* [base_pfn, end_pfn) */
    struct page *pages;         /* end_pfn - base_pfn entries */
    struct list_node free[MM_MAX_ORDER + 1];
    size_t nr_free[MM_MAX_ORDER + 1]; /* free blocks per order */
    size_t free_pages, reserved_pages;
};

struct buddy {
    struct buddy_zone zones[MM_MAX_ZONES];
    unsigned nzones;
};

struct buddy_stats {
    size_t total_pages, free_pages, reserved_pages;
    size_t free_blocks[MM_MAX_ORDER + 1];
};

/* Bytes of struct page array needed for a zone of size bytes. */
size_t buddy_meta_bytes(uint64_t size);

void buddy_init(struct buddy *b);
/* Adds zone [base, base+size) (page aligned, not overlapping another zone), all free.
 * pages: buddy_meta_bytes(size) bytes, owned by the zone from now on. Returns the zone
 * index, or -EINVAL (bad range), -ENOSPC (too many zones). */
int buddy_add_zone(struct buddy *b, const char *name, uint64_t base, uint64_t size,
                   struct page *pages);
/* Takes the frames of [pa, pa+size) (rounded out to pages) out of circulation. Parts outside
 * every zone are ignored; already-reserved frames are fine. -EBUSY if a frame is allocated
 * (frames before it stay reserved). */
int buddy_reserve(struct buddy *b, uint64_t pa, uint64_t size);
/* Gives reserved frames of [pa, pa+size) back to the allocator (e.g. the initrd once
 * unpacked). Frames that are not reserved are left alone. */
void buddy_unreserve(struct buddy *b, uint64_t pa, uint64_t size);

/* A block of 2^order frames (head page, refcount 1), from the first zone that has one; NULL
 * when none has. order > MM_MAX_ORDER gives NULL. */
struct page *buddy_alloc(struct buddy *b, unsigned order);
struct page *buddy_alloc_zone(struct buddy *b, unsigned zone, unsigned order);
/* Frees a block returned by buddy_alloc (refcount is not checked). Freeing anything else
 * (a free block, a tail or reserved frame) panics. */
void buddy_free(struct buddy *b, struct page *pg);
/* Turns an allocated block of order n into 2^n allocated order-0 blocks, each freed on its
 * own (freeing them all coalesces the block again). */
void buddy_split(struct buddy *b, struct page *pg);
/* Drops one reference; frees the block when it was the last. */
void buddy_page_put(struct buddy *b, struct page *pg);

/* struct page of the frame holding pa, or NULL if no zone manages pa. */
struct page *buddy_pa_to_page(struct buddy *b, uint64_t pa);
/* Physical address of the frame pg describes. */
uint64_t buddy_page_to_pa(const struct buddy *b, const struct page *pg);

void buddy_zone_stats(struct buddy *b, unsigned zone, struct buddy_stats *out);
/* Sum over all zones. */
void buddy_stats(struct buddy *b, struct buddy_stats *out);

/* Boot-time bump allocator over [start, end): never frees. */
struct bootmem {
    uint64_t start, cur, end;
};

void bootmem_init(struct bootmem *bm, uint64_t start, uint64_t end);
/* Next size bytes aligned to align (a power of two) into *pa: 0, or -ENOMEM / -EINVAL. */
int bootmem_alloc(struct bootmem *bm, uint64_t size, uint64_t align, uint64_t *pa);
/* Bytes handed out so far ([start, start + used) is what to buddy_reserve). */
uint64_t bootmem_used(const struct bootmem *bm);

#endif
