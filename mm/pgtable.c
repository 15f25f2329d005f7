/*
 * AArch64 stage-1 translation tables (see mm/pgtable.h). Descriptor formats from the ARM ARM
 * (VMSAv8-64, 4 KiB granule): levels 0-2 hold table descriptors (0b11), levels 1-2 may hold
 * block descriptors (0b01), level 3 holds page descriptors (0b11).
 *
 * Ranges are handled as [va, last] (inclusive) so a range may end at the top of the address
 * space without overflowing.
 */
#include <stdbool.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <mm/pgtable.h>

#define PTE_SW_MASK (0xfUL << PTE_SW_SHIFT)

static pte_t *table_at(const struct pgtable *pt, uint64_t pa)
{
    return pt->ops->phys_to_virt(pt->ops->ctx, pa);
}

static bool is_leaf(pte_t e, int level)
{
    return level == 3 || (e & PTE_TYPE_MASK) == PTE_BLOCK;
}

static bool table_empty(const pte_t *t)
{
    for (int i = 0; i < PT_ENTRIES; i++)
        if (t[i])
            return false;
    return true;
}

pte_t pt_prot_to_attrs(unsigned prot)
{
    pte_t a = PTE_AF;
    if (prot & MM_PROT_DEVICE)
        a |= PTE_ATTRIDX(MM_MT_DEVICE_nGnRE);
    else
        a |= PTE_ATTRIDX(MM_MT_NORMAL) | PTE_SH_INNER;
    if (prot & MM_PROT_USER)
        a |= PTE_USER | PTE_NG;
    if (!(prot & MM_PROT_WRITE))
        a |= PTE_RDONLY;
    /* The kernel never executes user memory; user code is never executable at EL1. */
    if (!(prot & MM_PROT_EXEC))
        a |= PTE_PXN | PTE_UXN;
    else if (prot & MM_PROT_USER)
        a |= PTE_PXN;
    else
        a |= PTE_UXN;
    return a;
}

unsigned pt_attrs_to_prot(pte_t pte)
{
    unsigned prot = MM_PROT_READ;
    if (!(pte & PTE_RDONLY))
        prot |= MM_PROT_WRITE;
    if (pte & PTE_USER) {
        prot |= MM_PROT_USER;
        if (!(pte & PTE_UXN))
            prot |= MM_PROT_EXEC;
    } else if (!(pte & PTE_PXN)) {
        prot |= MM_PROT_EXEC;
    }
    uint64_t idx = (pte & PTE_ATTRIDX_MASK) >> 2;
    if (idx == MM_MT_DEVICE_nGnRE || idx == MM_MT_DEVICE_nGnRnE)
        prot |= MM_PROT_DEVICE;
    return prot;
}

pte_t pt_make_leaf(uint64_t pa, unsigned prot, int level)
{
    KASSERT(level >= 1 && level <= 3);
    return (pa & PTE_ADDR_MASK) | pt_prot_to_attrs(prot) | (level == 3 ? PTE_PAGE : PTE_BLOCK);
}

int pt_init(struct pgtable *pt, const struct pt_ops *ops)
{
    pt->ops = ops;
    pt->root = ops->alloc_table(ops->ctx);
    return pt->root ? 0 : -ENOMEM;
}

static void free_subtree(struct pgtable *pt, uint64_t table_pa, int level)
{
    pte_t *t = table_at(pt, table_pa);
    if (level < 3)
        for (int i = 0; i < PT_ENTRIES; i++)
            if (pte_is_valid(t[i]) && !is_leaf(t[i], level))
                free_subtree(pt, pte_addr(t[i]), level + 1);
    pt->ops->free_table(pt->ops->ctx, table_pa);
}

void pt_destroy(struct pgtable *pt)
{
    if (pt->root)
        free_subtree(pt, pt->root, 0);
    pt->root = 0;
}

/* Replaces the block *e at level by a table of level+1 leaves with the same attributes. */
static int split_block(struct pgtable *pt, pte_t *e, int level)
{
    uint64_t tpa = pt->ops->alloc_table(pt->ops->ctx);
    if (!tpa)
        return -ENOMEM;
    pte_t *t = table_at(pt, tpa);
    pte_t attrs = *e & ~(PTE_ADDR_MASK | PTE_TYPE_MASK);
    pte_t type = level + 1 == 3 ? PTE_PAGE : PTE_BLOCK;
    for (int i = 0; i < PT_ENTRIES; i++)
        t[i] = (pte_addr(*e) + (uint64_t)i * PT_LEVEL_SIZE(level + 1)) | attrs | type;
    *e = tpa | PTE_TABLE;
    return 0;
}

/* The table *e points to, allocating it if *e is invalid. NULL without memory. */
static pte_t *next_table(struct pgtable *pt, pte_t *e)
{
    if (!pte_is_valid(*e)) {
        uint64_t tpa = pt->ops->alloc_table(pt->ops->ctx);
        if (!tpa)
            return NULL;
        *e = tpa | PTE_TABLE;
    }
    return table_at(pt, pte_addr(*e));
}

static bool block_allowed(int level, unsigned flags)
{
    return (level == 2 && (flags & PT_MAP_BLOCKS)) || (level == 1 && (flags & PT_MAP_HUGE));
}

/* Maps [va, last] in table t at level; the range holds no leaf (pt_map checked). */
static int map_range(struct pgtable *pt, pte_t *t, int level, uint64_t va, uint64_t last,
                     uint64_t pa, pte_t attrs, unsigned flags)
{
    for (;;) {
        uint64_t span = PT_LEVEL_SIZE(level);
        uint64_t elast = va | (span - 1), clast = MIN(elast, last);
        pte_t *e = &t[PT_INDEX(va, level)];
        bool whole = IS_ALIGNED(va, span) && clast == elast && IS_ALIGNED(pa, span);
        if (level == 3) {
            KASSERT(!pte_is_valid(*e));
            *e = pa | attrs | PTE_PAGE;
        } else if (whole && block_allowed(level, flags)) {
            if (pte_is_valid(*e)) /* a table without leaves */
                free_subtree(pt, pte_addr(*e), level + 1);
            *e = pa | attrs | PTE_BLOCK;
        } else {
            pte_t *child = next_table(pt, e);
            if (!child)
                return -ENOMEM;
            int err = map_range(pt, child, level + 1, va, clast, pa, attrs, flags);
            if (err)
                return err;
        }
        if (clast == last)
            return 0;
        pa += clast - va + 1;
        va = clast + 1;
    }
}

enum range_op { OP_UNMAP, OP_PROTECT };

struct range_args {
    enum range_op op;
    pte_t attrs; /* OP_PROTECT */
    pt_leaf_fn fn;
    void *arg;
    uint64_t removed; /* leaves removed so far (OP_UNMAP) */
    bool prune_all;   /* check every table visited for emptiness, not only changed ones */
};

static int change_range(struct pgtable *pt, pte_t *t, int level, uint64_t va, uint64_t last,
                        struct range_args *ra);

/* Unmaps [va, va+size) without calling back and frees every empty table met on the way
 * (undoes a pt_map that failed half way, which may have left tables without leaves). */
static void unmap_pruning_all(struct pgtable *pt, uint64_t va, uint64_t size)
{
    struct range_args ra = {.op = OP_UNMAP, .prune_all = true};
    change_range(pt, table_at(pt, pt->root), 0, va, va + size - 1, &ra);
}

static bool range_ok(uint64_t va, uint64_t size)
{
    return size != 0 && IS_ALIGNED(va, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) &&
           va + (size - 1) >= va;
}

static void count_leaf(void *arg, uint64_t va, pte_t *pte, int level)
{
    (void)va, (void)pte, (void)level;
    ++*(int *)arg;
}

int pt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned prot,
           unsigned flags)
{
    if (!range_ok(va, size) || !IS_ALIGNED(pa, PAGE_SIZE) || (pa + size - 1) > PTE_ADDR_MASK ||
        !(prot & (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)) ||
        ((prot & MM_PROT_DEVICE) && (prot & MM_PROT_EXEC)))
        return -EINVAL;
    int leaves = 0;
    pt_walk(pt, va, size, count_leaf, &leaves);
    if (leaves)
        return -EEXIST;
    int err = map_range(pt, table_at(pt, pt->root), 0, va, va + size - 1, pa,
                        pt_prot_to_attrs(prot), flags);
    if (err)
        unmap_pruning_all(pt, va, size); /* frees no frame: only what we just mapped */
    return err;
}

/* Unmaps or re-protects [va, last] in table t at level, splitting partial blocks. A table
 * is checked for emptiness (and freed) only when a leaf under it went away, or always with
 * ra->prune_all: scanning 512 entries after every single-page unmap would cost more than
 * the unmap. */
static int change_range(struct pgtable *pt, pte_t *t, int level, uint64_t va, uint64_t last,
                        struct range_args *ra)
{
    for (;;) {
        uint64_t span = PT_LEVEL_SIZE(level);
        uint64_t elast = va | (span - 1), clast = MIN(elast, last);
        pte_t *e = &t[PT_INDEX(va, level)];
        bool whole = IS_ALIGNED(va, span) && clast == elast;
        if (pte_is_valid(*e) && is_leaf(*e, level) && whole) {
            if (ra->op == OP_UNMAP) {
                if (ra->fn)
                    ra->fn(ra->arg, va, e, level);
                *e = 0;
                ra->removed++;
            } else {
                *e = pte_addr(*e) | (*e & (PTE_SW_MASK | PTE_TYPE_MASK)) | ra->attrs;
            }
        } else if (pte_is_valid(*e)) {
            if (is_leaf(*e, level)) {
                int err = split_block(pt, e, level);
                if (err)
                    return err;
            }
            pte_t *child = table_at(pt, pte_addr(*e));
            uint64_t removed = ra->removed;
            int err = change_range(pt, child, level + 1, va, clast, ra);
            if (ra->op == OP_UNMAP && (ra->prune_all || ra->removed != removed) &&
                table_empty(child)) {
                pt->ops->free_table(pt->ops->ctx, pte_addr(*e));
                *e = 0;
            }
            if (err)
                return err;
        }
        if (clast == last)
            return 0;
        va = clast + 1;
    }
}

int pt_unmap(struct pgtable *pt, uint64_t va, uint64_t size, pt_leaf_fn fn, void *arg)
{
    if (!range_ok(va, size))
        return -EINVAL;
    struct range_args ra = {.op = OP_UNMAP, .fn = fn, .arg = arg};
    return change_range(pt, table_at(pt, pt->root), 0, va, va + size - 1, &ra);
}

int pt_protect(struct pgtable *pt, uint64_t va, uint64_t size, unsigned prot)
{
    if (!range_ok(va, size) || !(prot & (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)) ||
        ((prot & MM_PROT_DEVICE) && (prot & MM_PROT_EXEC)))
        return -EINVAL;
    struct range_args ra = {.op = OP_PROTECT, .attrs = pt_prot_to_attrs(prot)};
    return change_range(pt, table_at(pt, pt->root), 0, va, va + size - 1, &ra);
}

static void walk_range(struct pgtable *pt, pte_t *t, int level, uint64_t va, uint64_t last,
                       pt_leaf_fn fn, void *arg)
{
    for (;;) {
        uint64_t span = PT_LEVEL_SIZE(level);
        uint64_t elast = va | (span - 1), clast = MIN(elast, last);
        pte_t *e = &t[PT_INDEX(va, level)];
        if (pte_is_valid(*e)) {
            if (is_leaf(*e, level))
                fn(arg, va & ~(span - 1), e, level);
            else
                walk_range(pt, table_at(pt, pte_addr(*e)), level + 1, va, clast, fn, arg);
        }
        if (clast == last)
            return;
        va = clast + 1;
    }
}

void pt_walk(struct pgtable *pt, uint64_t va, uint64_t size, pt_leaf_fn fn, void *arg)
{
    if (size == 0)
        return;
    uint64_t last = va + size - 1 < va ? UINT64_MAX : va + size - 1;
    walk_range(pt, table_at(pt, pt->root), 0, va, last, fn, arg);
}

int pt_lookup(struct pgtable *pt, uint64_t va, pte_t *pte, int *level)
{
    pte_t *t = table_at(pt, pt->root);
    for (int l = 0; l <= 3; l++) {
        pte_t e = t[PT_INDEX(va, l)];
        if (!pte_is_valid(e))
            return -ENOENT;
        if (is_leaf(e, l)) {
            *pte = e;
            if (level)
                *level = l;
            return 0;
        }
        t = table_at(pt, pte_addr(e));
    }
    return -ENOENT; /* not reached: level 3 entries are leaves */
}

int pt_translate(struct pgtable *pt, uint64_t va, uint64_t *pa)
{
    pte_t e;
    int level;
    int err = pt_lookup(pt, va, &e, &level);
    if (err)
        return err;
    *pa = pte_addr(e) + (va & (PT_LEVEL_SIZE(level) - 1));
    return 0;
}
