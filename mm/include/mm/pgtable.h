/*
 * AArch64 stage-1 translation tables (4 KiB granule, 4 levels, see mm/pte.h), built through
 * caller-supplied callbacks so the same code runs in the kernel and over host memory.
 *
 * Mappings use 4 KiB pages, and 2 MiB (PT_MAP_BLOCKS) / 1 GiB (PT_MAP_HUGE) blocks where
 * va, pa and the range allow. Unmapping or changing part of a block splits it. Table pages
 * left empty by pt_unmap are freed. The caller does TLB maintenance and break-before-make
 * around changes to live tables.
 */
#ifndef MM_PGTABLE_H
#define MM_PGTABLE_H
#include <stdint.h>
#include <mm/mm.h>
#include <mm/pte.h>

/* Portable protection: what a mapping allows. READ is implied by WRITE and EXEC. */
#define MM_PROT_READ   (1u << 0)
#define MM_PROT_WRITE  (1u << 1)
#define MM_PROT_EXEC   (1u << 2)
#define MM_PROT_USER   (1u << 3) /* EL0 may access (and, with EXEC, execute) */
#define MM_PROT_DEVICE (1u << 4) /* Device-nGnRE instead of Normal write-back memory */

/* MAIR_EL1 indexes the descriptors use (exo programs MAIR to match). */
#define MM_MT_DEVICE_nGnRnE 0
#define MM_MT_NORMAL        1
#define MM_MT_NORMAL_NC     2
#define MM_MT_DEVICE_nGnRE  3

#define PT_MAP_BLOCKS (1u << 0) /* use 2 MiB blocks where aligned */
#define PT_MAP_HUGE   (1u << 1) /* use 1 GiB blocks where aligned */

#define PT_LEVEL_SIZE(level) (1UL << PT_LEVEL_SHIFT(level))

struct pt_ops {
    /* Physical address of a new zeroed 4 KiB table page, or 0 when out of memory. */
    uint64_t (*alloc_table)(void *ctx);
    void (*free_table)(void *ctx, uint64_t pa);
    void *(*phys_to_virt)(void *ctx, uint64_t pa);
    void *ctx;
};

struct pgtable {
    uint64_t root; /* physical address of the level-0 table (for TTBRn) */
    const struct pt_ops *ops;
};

/* Called for each leaf (page or block) met; va is where the leaf's range starts. The
 * callback may rewrite the attribute bits of *pte but not its type or address. */
typedef void (*pt_leaf_fn)(void *arg, uint64_t va, pte_t *pte, int level);

/* Allocates the root table: 0 or -ENOMEM. */
int pt_init(struct pgtable *pt, const struct pt_ops *ops);
/* Frees every table page including the root (mapped frames are the caller's). */
void pt_destroy(struct pgtable *pt);

/* Attribute bits (AF, SH, AttrIndx, AP, nG, PXN/UXN; no type, no address) for prot. */
pte_t pt_prot_to_attrs(unsigned prot);
/* The portable prot a valid leaf descriptor grants. */
unsigned pt_attrs_to_prot(pte_t pte);
/* Leaf descriptor mapping pa at level (1-2 block, 3 page). */
pte_t pt_make_leaf(uint64_t pa, unsigned prot, int level);

/* Maps [va, va+size) to [pa, pa+size). All page aligned, size > 0, prot must include READ,
 * WRITE or EXEC and not DEVICE with EXEC: else -EINVAL. -EEXIST (nothing changed) if
 * anything in the range is already mapped; -ENOMEM (nothing left mapped) without memory. */
int pt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned prot,
           unsigned flags);
/* Removes every mapping in [va, va+size) (page aligned), calling fn (may be NULL) for each
 * leaf removed whole, before it is cleared; blocks only partly inside are split first.
 * 0, -EINVAL, or -ENOMEM (a split needed a table; nothing past that point was changed). */
int pt_unmap(struct pgtable *pt, uint64_t va, uint64_t size, pt_leaf_fn fn, void *arg);
/* Sets prot on every mapping in [va, va+size), splitting blocks partly inside. Holes are
 * skipped. 0, -EINVAL or -ENOMEM. */
int pt_protect(struct pgtable *pt, uint64_t va, uint64_t size, unsigned prot);
/* Calls fn for every leaf overlapping [va, va+size), in address order. */
void pt_walk(struct pgtable *pt, uint64_t va, uint64_t size, pt_leaf_fn fn, void *arg);
/* The leaf mapping va and its level: 0, or -ENOENT if va is not mapped. */
int pt_lookup(struct pgtable *pt, uint64_t va, pte_t *pte, int *level);
/* Physical address va maps to: 0 or -ENOENT. */
int pt_translate(struct pgtable *pt, uint64_t va, uint64_t *pa);

#endif
