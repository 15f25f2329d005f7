/*
 * Virtual memory areas of one address space, in a red-black tree ordered by address.
 * A VMA covers [start, end), page aligned, and never overlaps another. Lookups are
 * O(log n); vma_find_gap walks down from its upper bound (O(n) in the worst case).
 */
#ifndef MM_VMA_H
#define MM_VMA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mm/mm.h>
#include <mm/pagecache.h>
#include <mm/pgtable.h>
#include <mm/rbtree.h>
#include <mm/slab.h>

/* vma.flags (prot is separate: MM_PROT_READ/WRITE/EXEC) */
#define VMA_SHARED    (1u << 0) /* writes reach the file / other mappers */
#define VMA_GROWSDOWN (1u << 1) /* stack: extends downwards on faults below start */

/* Gap kept below a grows-down VMA (Linux's default stack_guard_gap: 256 pages). */
#define VMA_STACK_GUARD_GAP (256UL * PAGE_SIZE)

struct vma {
    struct rb_node rb;
    uint64_t start, end;
    unsigned prot;        /* MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC */
    unsigned flags;       /* VMA_* */
    struct mm_file *file; /* NULL: anonymous */
    uint64_t offset;      /* file offset of start */
    const char *name;     /* "[heap]", "[stack]", ... or NULL */
};

struct vma_tree {
    struct rb_root root;
    size_t count;
    struct kmem_cache *cache; /* where VMAs come from */
};

void vma_tree_init(struct vma_tree *t, struct kmem_cache *cache);
/* A zeroed VMA from the tree's cache (NULL without memory) / gives one back (dropping its
 * file reference). */
struct vma *vma_alloc(struct vma_tree *t);
void vma_free(struct vma_tree *t, struct vma *v);
/* Takes a reference to v->file for a VMA that now refers to it. */
void vma_file_get(struct vma *v);

/* The VMA containing addr, or NULL. */
struct vma *vma_find(const struct vma_tree *t, uint64_t addr);
/* The first VMA ending above addr (containing it or after it), or NULL. */
struct vma *vma_find_next(const struct vma_tree *t, uint64_t addr);
struct vma *vma_first(const struct vma_tree *t);
struct vma *vma_next(const struct vma *v);
struct vma *vma_prev(const struct vma *v);

/* Inserts v: -EINVAL if empty or unaligned, -EEXIST if it overlaps a VMA. */
int vma_insert(struct vma_tree *t, struct vma *v);
/* Removes v from the tree (not freed). */
void vma_remove(struct vma_tree *t, struct vma *v);
/* Splits v at addr (page aligned, start < addr < end): v keeps [start, addr), the new VMA
 * [addr, end) goes in *hi (may be NULL). 0, -EINVAL, -ENOMEM. */
int vma_split(struct vma_tree *t, struct vma *v, uint64_t addr, struct vma **hi);
/* True if a (below) and b (above) touch and could be one VMA. */
bool vma_mergeable(const struct vma *a, const struct vma *b);
/* Merges v with its neighbours where vma_mergeable; returns the VMA now covering v. */
struct vma *vma_merge(struct vma_tree *t, struct vma *v);
/* True if [start, end) is covered by VMAs without holes. */
bool vma_range_covered(const struct vma_tree *t, uint64_t start, uint64_t end);
/* Splits VMAs so that start and end (page aligned) are VMA boundaries. 0 or -ENOMEM. */
int vma_split_range(struct vma_tree *t, uint64_t start, uint64_t end);
/* Removes and frees every part of a VMA inside [start, end). 0, -EINVAL, -ENOMEM. */
int vma_unmap_range(struct vma_tree *t, uint64_t start, uint64_t end);
/* Sets prot on [start, end), which must be fully mapped (-ENOMEM otherwise), then merges. */
int vma_protect_range(struct vma_tree *t, uint64_t start, uint64_t end, unsigned prot);
/* Highest address a, aligned to align (a power of two >= PAGE_SIZE), with [a, a+len) inside
 * [low, high), overlapping no VMA and not within VMA_STACK_GUARD_GAP below a grows-down
 * VMA. 0 with *addr set, or -ENOMEM. */
int vma_find_gap(const struct vma_tree *t, uint64_t len, uint64_t low, uint64_t high,
                 uint64_t align, uint64_t *addr);

#endif
