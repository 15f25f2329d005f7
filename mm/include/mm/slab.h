/*
 * Slab allocator: named caches of fixed-size objects, and kmalloc/kfree over size-class
 * caches (16 .. 2048 bytes; larger requests take whole buddy blocks).
 *
 * Slabs are blocks of pages from a struct slab_page_source (normally the buddy allocator
 * seen through the kernel's linear map). Each CPU keeps a small array of free objects per
 * cache so most allocations touch no shared lock.
 *
 * With MM_DEBUG (on in host tests) freed objects are filled with SLAB_POISON; allocation
 * checks the poison is intact (use-after-free write) and free checks the object is live
 * (double free); both kpanic with the cache name and address.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/list.h>
#include <lib/spinlock.h>
#include <mm/mm.h>
#include <mm/page.h>

#define SLAB_POISON    0x6b
#define SLAB_CPU_OBJS  16 /* objects a CPU caches per kmem_cache */
#define SLAB_BATCH     8  /* objects moved between a CPU and the slabs at once */
#define SLAB_MAX_ORDER 3  /* largest slab: 8 pages */
#define KMALLOC_MIN    16
#define KMALLOC_MAX    2048
#define KMEM_NAME_MAX  32

/* Where slabs come from. alloc returns the head page of a 2^order block (NULL if none);
 * virt_to_page must work for any byte of such a block. */
struct slab_page_source {
    struct page *(*alloc)(void *ctx, unsigned order);
    void (*free)(void *ctx, struct page *pg);
    void *(*page_to_virt)(void *ctx, struct page *pg);
    struct page *(*virt_to_page)(void *ctx, const void *va);
    void *ctx;
};

struct kmem_cpu {
    struct spinlock lock; /* uncontended: only this CPU takes it, except for shrink */
    unsigned n;
    void *objs[SLAB_CPU_OBJS];
};

struct kmem_cache {
    char name[KMEM_NAME_MAX];
    size_t size; /* object size the user asked for */
    size_t align;
    size_t stride;   /* distance between objects */
    size_t link_off; /* where a free object keeps its freelist link */
    size_t hdr_size; /* slab header + debug bitmap, rounded to align */
    unsigned order;  /* pages per slab: 2^order */
    unsigned objs_per_slab;
    const struct slab_page_source *src;
    struct spinlock lock; /* the slab lists */
    struct list_node partial, full, empty;
    size_t nr_slabs, nr_empty;
    size_t active; /* objects handed out and not yet freed */
    struct list_node cache_link;
    struct kmem_cpu cpu[MM_MAX_CPUS];
};

/* Initializes a cache in caller-provided storage. size > 0; align a power of two (0 means
 * sizeof(void *)). -EINVAL if an object cannot fit a slab of 2^SLAB_MAX_ORDER pages. */
int kmem_cache_init(struct kmem_cache *c, const char *name, size_t size, size_t align,
                    const struct slab_page_source *src);
/* Allocates a cache object from the cache of caches (after kmem_init); NULL on failure. */
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align);
/* Releases every slab; -EBUSY (and nothing released) if objects are still allocated. */
int kmem_cache_destroy(struct kmem_cache *c);
/* Gives back empty slabs and this CPU's cached objects. */
void kmem_cache_shrink(struct kmem_cache *c);

void *kmem_cache_alloc(struct kmem_cache *c);
void *kmem_cache_zalloc(struct kmem_cache *c);
/* obj must come from kmem_cache_alloc(c); anything else panics. NULL is ignored. */
void kmem_cache_free(struct kmem_cache *c, void *obj);

/* Sets up the kmalloc size classes and the cache of caches over src. Calling it again
 * starts afresh (host tests); memory of the previous instance is not reclaimed. */
void kmem_init(const struct slab_page_source *src);
/* size bytes aligned to at least 16 (size rounded up to a power of two <= 2048), or whole
 * pages for larger sizes; NULL for 0 bytes or when out of memory. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
/* Frees kmalloc memory; NULL is ignored; a pointer kmalloc did not return panics. */
void kfree(const void *p);
/* Gives back the empty slabs and per-CPU cached objects of every cache (the kmalloc
 * classes and every kmem_cache_create cache): memory pressure. */
void kmem_shrink_all(void);
/* Usable size of a kmalloc block. */
size_t ksize(const void *p);

/* A slab_page_source over the buddy allocator: ctx for its callbacks. */
struct buddy;
struct buddy_slab_ctx {
    struct buddy *buddy;
    void *(*phys_to_virt)(uint64_t pa);
    uint64_t (*virt_to_phys)(const void *va);
};
void buddy_slab_source(struct slab_page_source *src, struct buddy_slab_ctx *ctx);

#endif
