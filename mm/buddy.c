/* Buddy allocator of physical frames and the boot-time bump allocator (see mm/buddy.h). */
#include <string.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <mm/buddy.h>

size_t buddy_meta_bytes(uint64_t size)
{
    return (size_t)(size >> PAGE_SHIFT) * sizeof(struct page);
}

void buddy_init(struct buddy *b)
{
    memset(b, 0, sizeof(*b));
}

static struct page *pfn_page(struct buddy_zone *z, uint64_t pfn)
{
    return &z->pages[pfn - z->base_pfn];
}

static uint64_t page_pfn(const struct buddy_zone *z, const struct page *pg)
{
    return z->base_pfn + (uint64_t)(pg - z->pages);
}

static void free_list_add(struct buddy_zone *z, uint64_t pfn, unsigned order)
{
    struct page *pg = pfn_page(z, pfn);
    pg->flags = PG_FREE;
    pg->order = (uint8_t)order;
    pg->refcount = 0;
    list_push_front(&z->free[order], &pg->link);
    z->nr_free[order]++;
    z->free_pages += 1UL << order;
}

static void free_list_del(struct buddy_zone *z, struct page *pg)
{
    KASSERT(pg->flags & PG_FREE);
    list_remove(&pg->link);
    pg->flags &= ~PG_FREE;
    z->nr_free[pg->order]--;
    z->free_pages -= 1UL << pg->order;
}

/* Puts block [pfn, pfn + 2^order) on the free lists, merging it with free buddies. */
static void free_block(struct buddy_zone *z, uint64_t pfn, unsigned order)
{
    while (order < MM_MAX_ORDER) {
        uint64_t buddy = pfn ^ (1UL << order);
        if (buddy < z->base_pfn || buddy + (1UL << order) > z->end_pfn)
            break;
        struct page *bp = pfn_page(z, buddy);
        if (!(bp->flags & PG_FREE) || bp->order != order)
            break;
        free_list_del(z, bp);
        pfn &= ~(1UL << order);
        order++;
    }
    free_list_add(z, pfn, order);
}

int buddy_add_zone(struct buddy *b, const char *name, uint64_t base, uint64_t size,
                   struct page *pages)
{
    KASSERT(pages != NULL);
    if (size == 0 || !IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) ||
        base + size < base)
        return -EINVAL;
    for (unsigned i = 0; i < b->nzones; i++) {
        const struct buddy_zone *o = &b->zones[i];
        if (pfn_of(base) < o->end_pfn && o->base_pfn < pfn_of(base + size))
            return -EINVAL;
    }
    if (b->nzones == MM_MAX_ZONES)
        return -ENOSPC;

    unsigned idx = b->nzones;
    struct buddy_zone *z = &b->zones[idx];
    memset(z, 0, sizeof(*z));
    spin_init(&z->lock, "buddy_zone");
    z->name = name;
    z->base_pfn = pfn_of(base);
    z->end_pfn = pfn_of(base + size);
    z->pages = pages;
    for (unsigned o = 0; o <= MM_MAX_ORDER; o++)
        list_init(&z->free[o]);
    memset(pages, 0, buddy_meta_bytes(size));
    for (uint64_t pfn = z->base_pfn; pfn < z->end_pfn; pfn++) {
        list_init(&pfn_page(z, pfn)->link);
        pfn_page(z, pfn)->zone = (uint8_t)idx;
    }
    /* Largest naturally aligned blocks that fit, left to right. */
    for (uint64_t pfn = z->base_pfn; pfn < z->end_pfn;) {
        unsigned order = 0;
        while (order < MM_MAX_ORDER && IS_ALIGNED(pfn, 1UL << (order + 1)) &&
               pfn + (1UL << (order + 1)) <= z->end_pfn)
            order++;
        free_list_add(z, pfn, order);
        pfn += 1UL << order;
    }
    b->nzones++;
    return (int)idx;
}

static struct buddy_zone *zone_of_pfn(struct buddy *b, uint64_t pfn)
{
    for (unsigned i = 0; i < b->nzones; i++)
        if (pfn >= b->zones[i].base_pfn && pfn < b->zones[i].end_pfn)
            return &b->zones[i];
    return NULL;
}

/* Takes frame pfn out of the free block holding it, splitting the block. Lock held. */
static int reserve_pfn(struct buddy_zone *z, uint64_t pfn)
{
    struct page *pg = pfn_page(z, pfn);
    if (pg->flags & PG_RESERVED)
        return 0;
    for (unsigned o = 0; o <= MM_MAX_ORDER; o++) {
        uint64_t head = pfn & ~((1UL << o) - 1);
        if (head < z->base_pfn)
            break;
        struct page *hp = pfn_page(z, head);
        if (!(hp->flags & PG_FREE) || hp->order != o)
            continue;
        free_list_del(z, hp);
        while (o > 0) {
            o--;
            uint64_t other = (pfn & (1UL << o)) ? head : head + (1UL << o);
            if (pfn & (1UL << o))
                head += 1UL << o;
            free_list_add(z, other, o);
        }
        KASSERT(head == pfn);
        pg->flags = PG_RESERVED;
        pg->order = 0;
        pg->refcount = 1;
        z->reserved_pages++;
        return 0;
    }
    return -EBUSY;
}

/* The part of [pa, pa+size) (rounded out to frames) inside zone z, as [*first, *last). */
static bool clip_to_zone(const struct buddy_zone *z, uint64_t pa, uint64_t size, uint64_t *first,
                         uint64_t *last)
{
    uint64_t end = pa + size < pa ? UINT64_MAX : pa + size;
    *first = MAX(pfn_of(pa), z->base_pfn);
    *last = MIN(pfn_of(end) + !IS_ALIGNED(end, PAGE_SIZE), z->end_pfn);
    return *first < *last;
}

int buddy_reserve(struct buddy *b, uint64_t pa, uint64_t size)
{
    if (size == 0)
        return 0;
    for (unsigned i = 0; i < b->nzones; i++) {
        struct buddy_zone *z = &b->zones[i];
        uint64_t first, last;
        if (!clip_to_zone(z, pa, size, &first, &last))
            continue;
        spin_lock(&z->lock);
        for (uint64_t pfn = first; pfn < last; pfn++) {
            int err = reserve_pfn(z, pfn);
            if (err) {
                spin_unlock(&z->lock);
                return err;
            }
        }
        spin_unlock(&z->lock);
    }
    return 0;
}

void buddy_unreserve(struct buddy *b, uint64_t pa, uint64_t size)
{
    if (size == 0)
        return;
    for (unsigned i = 0; i < b->nzones; i++) {
        struct buddy_zone *z = &b->zones[i];
        uint64_t first, last;
        if (!clip_to_zone(z, pa, size, &first, &last))
            continue;
        spin_lock(&z->lock);
        for (uint64_t pfn = first; pfn < last; pfn++) {
            struct page *pg = pfn_page(z, pfn);
            if (pg->flags & PG_RESERVED) {
                pg->flags = 0;
                pg->refcount = 0;
                z->reserved_pages--;
                free_block(z, pfn, 0);
            }
        }
        spin_unlock(&z->lock);
    }
}

static struct page *zone_alloc(struct buddy_zone *z, unsigned order)
{
    unsigned o = order;
    while (o <= MM_MAX_ORDER && list_empty(&z->free[o]))
        o++;
    if (o > MM_MAX_ORDER)
        return NULL;
    struct page *pg = list_entry(z->free[o].next, struct page, link);
    free_list_del(z, pg);
    uint64_t pfn = page_pfn(z, pg);
    while (o > order) {
        o--;
        free_list_add(z, pfn + (1UL << o), o);
    }
    pg->flags = PG_HEAD;
    pg->order = (uint8_t)order;
    pg->refcount = 1;
    pg->priv = NULL;
    pg->owner = 0;
    return pg;
}

struct page *buddy_alloc_zone(struct buddy *b, unsigned zone, unsigned order)
{
    if (zone >= b->nzones || order > MM_MAX_ORDER)
        return NULL;
    struct buddy_zone *z = &b->zones[zone];
    spin_lock(&z->lock);
    struct page *pg = zone_alloc(z, order);
    spin_unlock(&z->lock);
    return pg;
}

struct page *buddy_alloc(struct buddy *b, unsigned order)
{
    for (unsigned i = 0; i < b->nzones; i++) {
        struct page *pg = buddy_alloc_zone(b, i, order);
        if (pg)
            return pg;
    }
    return NULL;
}

void buddy_free(struct buddy *b, struct page *pg)
{
    KASSERT(pg->zone < b->nzones);
    struct buddy_zone *z = &b->zones[pg->zone];
    KASSERT(pg >= z->pages && pg < z->pages + (z->end_pfn - z->base_pfn));
    spin_lock(&z->lock);
    uint64_t pfn = page_pfn(z, pg);
    if (!(pg->flags & PG_HEAD) || (pg->flags & (PG_FREE | PG_RESERVED)))
        kpanic("buddy: free of frame %#lx that is not an allocated block (flags %#x)",
               (unsigned long)(pfn << PAGE_SHIFT), pg->flags);
    unsigned order = pg->order;
    KASSERT(IS_ALIGNED(pfn, 1UL << order));
    pg->flags = 0;
    pg->priv = NULL;
    free_block(z, pfn, order);
    spin_unlock(&z->lock);
}

void buddy_page_put(struct buddy *b, struct page *pg)
{
    KASSERT(page_refcount(pg) > 0);
    if (page_ref_dec_and_test(pg))
        buddy_free(b, pg);
}

struct page *buddy_pa_to_page(struct buddy *b, uint64_t pa)
{
    uint64_t pfn = pfn_of(pa);
    struct buddy_zone *z = zone_of_pfn(b, pfn);
    return z ? pfn_page(z, pfn) : NULL;
}

uint64_t buddy_page_to_pa(const struct buddy *b, const struct page *pg)
{
    KASSERT(pg->zone < b->nzones);
    return page_pfn(&b->zones[pg->zone], pg) << PAGE_SHIFT;
}

static void add_zone_stats(struct buddy_zone *z, struct buddy_stats *out)
{
    spin_lock(&z->lock);
    out->total_pages += z->end_pfn - z->base_pfn;
    out->free_pages += z->free_pages;
    out->reserved_pages += z->reserved_pages;
    for (unsigned o = 0; o <= MM_MAX_ORDER; o++)
        out->free_blocks[o] += z->nr_free[o];
    spin_unlock(&z->lock);
}

void buddy_zone_stats(struct buddy *b, unsigned zone, struct buddy_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (zone < b->nzones)
        add_zone_stats(&b->zones[zone], out);
}

void buddy_stats(struct buddy *b, struct buddy_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < b->nzones; i++)
        add_zone_stats(&b->zones[i], out);
}

void bootmem_init(struct bootmem *bm, uint64_t start, uint64_t end)
{
    KASSERT(start <= end);
    bm->start = bm->cur = start;
    bm->end = end;
}

int bootmem_alloc(struct bootmem *bm, uint64_t size, uint64_t align, uint64_t *pa)
{
    if (align == 0 || (align & (align - 1)) != 0)
        return -EINVAL;
    uint64_t p = ALIGN_UP(bm->cur, align);
    if (p < bm->cur || p > bm->end || size > bm->end - p)
        return -ENOMEM;
    bm->cur = p + size;
    *pa = p;
    return 0;
}

uint64_t bootmem_used(const struct bootmem *bm)
{
    return bm->cur - bm->start;
}

void buddy_split(struct buddy *b, struct page *pg)
{
    (void)b;
    KASSERT((pg->flags & PG_HEAD) && !(pg->flags & (PG_FREE | PG_RESERVED)));
    unsigned order = pg->order;
    for (uint64_t i = 1; i < (1UL << order); i++) {
        pg[i].flags = PG_HEAD;
        pg[i].order = 0;
        pg[i].refcount = 1;
        pg[i].priv = NULL;
    }
    pg->order = 0;
}
