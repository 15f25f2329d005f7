/*
 * Slab allocator (see mm/slab.h). A slab is a 2^order page block: a struct slab header,
 * then objects at a fixed stride. Every page of a slab has PG_SLAB and priv = its header,
 * so an object's slab is found through the page source's virt_to_page.
 *
 * Locks, outermost first: a CPU's kmem_cpu lock, the cache lock, then the page source's.
 */
#include <string.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <lib/platform.h>
#include <mm/buddy.h>
#include <mm/slab.h>

struct slab {
    struct list_node link; /* on its cache's partial, full or empty list */
    struct kmem_cache *cache;
    struct page *page;
    void *freelist;
    unsigned inuse; /* objects not on freelist (handed out or in a CPU cache) */
    char *objs;
    uint8_t live[]; /* MM_DEBUG: one bit per object handed out to a user */
};

static size_t slab_header_size(unsigned n, size_t align)
{
    size_t h = sizeof(struct slab);
    if (MM_DEBUG)
        h += (n + 7) / 8;
    return ALIGN_UP(h, align);
}

int kmem_cache_init(struct kmem_cache *c, const char *name, size_t size, size_t align,
                    const struct slab_page_source *src)
{
    if (align == 0)
        align = sizeof(void *);
    if (size == 0 || (align & (align - 1)) != 0 || align > PAGE_SIZE)
        return -EINVAL;
    align = MAX(align, sizeof(void *));
    memset(c, 0, sizeof(*c));
    size_t len = strnlen(name, sizeof(c->name) - 1); /* (host libcs may lack strlcpy) */
    memcpy(c->name, name, len);
    c->name[len] = 0;
    c->size = size;
    c->align = align;
    size_t obj = ALIGN_UP(size, sizeof(void *));
    /* Debug builds keep the link after the object so the whole object holds poison. */
    c->link_off = MM_DEBUG ? obj : 0;
    c->stride = ALIGN_UP(obj + (MM_DEBUG ? sizeof(void *) : 0), align);
    unsigned n = 0, order;
    for (order = 0; order <= SLAB_MAX_ORDER; order++) {
        size_t bytes = PAGE_SIZE << order;
        n = bytes > sizeof(struct slab) ? (unsigned)((bytes - sizeof(struct slab)) / c->stride) : 0;
        while (n > 0 && slab_header_size(n, align) + n * c->stride > bytes)
            n--;
        if (n >= 8)
            break;
    }
    if (order > SLAB_MAX_ORDER) {
        order = SLAB_MAX_ORDER;
        if (n == 0)
            return -EINVAL;
    }
    c->order = order;
    c->objs_per_slab = n;
    c->hdr_size = slab_header_size(n, align);
    c->src = src;
    spin_init(&c->lock, "kmem_cache");
    list_init(&c->partial);
    list_init(&c->full);
    list_init(&c->empty);
    list_init(&c->cache_link);
    for (unsigned i = 0; i < MM_MAX_CPUS; i++)
        spin_init(&c->cpu[i].lock, "kmem_cpu");
    return 0;
}

static void **obj_link(const struct kmem_cache *c, void *obj)
{
    return (void **)((char *)obj + c->link_off);
}

/* The slab holding obj; panics if obj is not in a slab of c. */
static struct slab *slab_of(const struct kmem_cache *c, const void *obj)
{
    struct page *pg = c->src->virt_to_page(c->src->ctx, obj);
    if (!pg || !(pg->flags & PG_SLAB))
        kpanic("slab %s: %p is not a slab object", c->name, obj);
    struct slab *s = pg->priv;
    if (s->cache != c)
        kpanic("slab %s: %p belongs to cache %s", c->name, obj, s->cache->name);
    return s;
}

static unsigned obj_index(const struct kmem_cache *c, const struct slab *s, const void *obj)
{
    size_t off = (size_t)((const char *)obj - s->objs);
    if ((const char *)obj < s->objs || off % c->stride != 0 || off / c->stride >= c->objs_per_slab)
        kpanic("slab %s: %p is not the start of an object", c->name, obj);
    return (unsigned)(off / c->stride);
}

static void set_slab_pages(struct kmem_cache *c, struct slab *s, bool on)
{
    for (unsigned i = 0; i < (1u << c->order); i++) {
        struct page *pg = c->src->virt_to_page(c->src->ctx, (char *)s + i * PAGE_SIZE);
        if (on) {
            pg->flags |= PG_SLAB;
            pg->priv = s;
        } else {
            pg->flags &= ~PG_SLAB;
            pg->priv = NULL;
        }
    }
}

/* A new slab with every object free (and poisoned in debug builds). Cache lock held. */
static struct slab *slab_new(struct kmem_cache *c)
{
    struct page *pg = c->src->alloc(c->src->ctx, c->order);
    if (!pg)
        return NULL;
    struct slab *s = c->src->page_to_virt(c->src->ctx, pg);
    memset(s, 0, c->hdr_size);
    list_init(&s->link);
    s->cache = c;
    s->page = pg;
    s->objs = (char *)s + c->hdr_size;
    void **tail = &s->freelist;
    for (unsigned i = 0; i < c->objs_per_slab; i++) {
        void *obj = s->objs + i * c->stride;
        if (MM_DEBUG)
            memset(obj, SLAB_POISON, c->size);
        *tail = obj;
        tail = obj_link(c, obj);
    }
    *tail = NULL;
    set_slab_pages(c, s, true);
    c->nr_slabs++;
    return s;
}

static void slab_release(struct kmem_cache *c, struct slab *s)
{
    list_remove(&s->link);
    set_slab_pages(c, s, false);
    c->nr_slabs--;
    c->src->free(c->src->ctx, s->page);
}

/* One free object from the slabs, or NULL when no memory. Cache lock held. */
static void *slab_take(struct kmem_cache *c)
{
    struct slab *s;
    if (!list_empty(&c->partial)) {
        s = list_entry(c->partial.next, struct slab, link);
    } else if (!list_empty(&c->empty)) {
        s = list_entry(c->empty.next, struct slab, link);
        c->nr_empty--;
    } else if ((s = slab_new(c)) == NULL) {
        return NULL;
    }
    void *obj = s->freelist;
    KASSERT(obj != NULL);
    s->freelist = *obj_link(c, obj);
    s->inuse++;
    list_remove(&s->link);
    list_push_front(s->inuse == c->objs_per_slab ? &c->full : &c->partial, &s->link);
    return obj;
}

/* Returns obj to its slab; keeps at most one empty slab. Cache lock held. */
static void slab_put(struct kmem_cache *c, void *obj)
{
    struct slab *s = slab_of(c, obj);
    KASSERT(s->inuse > 0);
    *obj_link(c, obj) = s->freelist;
    s->freelist = obj;
    s->inuse--;
    list_remove(&s->link);
    if (s->inuse > 0) {
        list_push_front(&c->partial, &s->link);
    } else if (c->nr_empty >= 1) {
        list_push_front(&c->empty, &s->link);
        slab_release(c, s);
    } else {
        list_push_front(&c->empty, &s->link);
        c->nr_empty++;
    }
}

static void debug_check_alloc(struct kmem_cache *c, void *obj)
{
    if (!MM_DEBUG)
        return;
    struct slab *s = slab_of(c, obj);
    unsigned i = obj_index(c, s, obj);
    const uint8_t *p = obj;
    for (size_t off = 0; off < c->size; off++)
        if (p[off] != SLAB_POISON)
            kpanic("slab %s: use after free: object %p modified at offset %zu (byte %#x)", c->name,
                   obj, off, p[off]);
    uint8_t bit = (uint8_t)(1u << (i % 8));
    if (__atomic_fetch_or(&s->live[i / 8], bit, __ATOMIC_RELAXED) & bit)
        kpanic("slab %s: object %p handed out twice", c->name, obj);
}

static void debug_check_free(struct kmem_cache *c, void *obj)
{
    if (!MM_DEBUG)
        return;
    struct slab *s = slab_of(c, obj);
    unsigned i = obj_index(c, s, obj);
    uint8_t bit = (uint8_t)(1u << (i % 8));
    if (!(__atomic_fetch_and(&s->live[i / 8], (uint8_t)~bit, __ATOMIC_RELAXED) & bit))
        kpanic("slab %s: double free of %p", c->name, obj);
    memset(obj, SLAB_POISON, c->size);
}

static struct kmem_cpu *this_cpu_cache(struct kmem_cache *c)
{
    unsigned cpu = platform_cpu_id();
    KASSERT(cpu < MM_MAX_CPUS);
    return &c->cpu[cpu];
}

void *kmem_cache_alloc(struct kmem_cache *c)
{
    struct kmem_cpu *pc = this_cpu_cache(c);
    spin_lock(&pc->lock);
    if (pc->n == 0) {
        spin_lock(&c->lock);
        while (pc->n < SLAB_BATCH) {
            void *obj = slab_take(c);
            if (!obj)
                break;
            pc->objs[pc->n++] = obj;
        }
        spin_unlock(&c->lock);
    }
    void *obj = pc->n ? pc->objs[--pc->n] : NULL;
    spin_unlock(&pc->lock);
    if (!obj)
        return NULL;
    debug_check_alloc(c, obj);
    __atomic_add_fetch(&c->active, 1, __ATOMIC_RELAXED);
    return obj;
}

void *kmem_cache_zalloc(struct kmem_cache *c)
{
    void *obj = kmem_cache_alloc(c);
    if (obj)
        memset(obj, 0, c->size);
    return obj;
}

/* Moves the count oldest objects of a CPU cache back to the slabs. pc->lock held. */
static void cpu_flush(struct kmem_cache *c, struct kmem_cpu *pc, unsigned count)
{
    count = MIN(count, pc->n);
    spin_lock(&c->lock);
    for (unsigned i = 0; i < count; i++)
        slab_put(c, pc->objs[i]);
    spin_unlock(&c->lock);
    memmove(pc->objs, pc->objs + count, (pc->n - count) * sizeof(void *));
    pc->n -= count;
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
    if (!obj)
        return;
    struct slab *s = slab_of(c, obj);
    obj_index(c, s, obj);
    debug_check_free(c, obj);
    struct kmem_cpu *pc = this_cpu_cache(c);
    spin_lock(&pc->lock);
    if (pc->n == SLAB_CPU_OBJS)
        cpu_flush(c, pc, SLAB_BATCH);
    pc->objs[pc->n++] = obj;
    spin_unlock(&pc->lock);
    __atomic_sub_fetch(&c->active, 1, __ATOMIC_RELAXED);
}

static void flush_all_cpus(struct kmem_cache *c)
{
    for (unsigned i = 0; i < MM_MAX_CPUS; i++) {
        spin_lock(&c->cpu[i].lock);
        cpu_flush(c, &c->cpu[i], SLAB_CPU_OBJS);
        spin_unlock(&c->cpu[i].lock);
    }
}

static void release_empty(struct kmem_cache *c)
{
    spin_lock(&c->lock);
    while (!list_empty(&c->empty)) {
        slab_release(c, list_entry(c->empty.next, struct slab, link));
        c->nr_empty--;
    }
    spin_unlock(&c->lock);
}

void kmem_cache_shrink(struct kmem_cache *c)
{
    flush_all_cpus(c);
    release_empty(c);
}

/* The kmalloc classes and the cache of caches. */
static const struct slab_page_source *kmem_src;
static struct kmem_cache kmalloc_caches[8];
static struct kmem_cache cache_cache;
static const char *const kmalloc_names[8] = {"kmalloc-16",  "kmalloc-32",  "kmalloc-64",
                                             "kmalloc-128", "kmalloc-256", "kmalloc-512",
                                             "kmalloc-1k",  "kmalloc-2k"};

int kmem_cache_destroy(struct kmem_cache *c)
{
    if (__atomic_load_n(&c->active, __ATOMIC_RELAXED) != 0)
        return -EBUSY;
    kmem_cache_shrink(c);
    KASSERT(c->nr_slabs == 0);
    if (c->cache_link.next != &c->cache_link) {
        list_remove(&c->cache_link);
        kmem_cache_free(&cache_cache, c);
    }
    return 0;
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align)
{
    KASSERT(kmem_src != NULL);
    struct kmem_cache *c = kmem_cache_alloc(&cache_cache);
    if (!c)
        return NULL;
    if (kmem_cache_init(c, name, size, align, kmem_src) != 0) {
        kmem_cache_free(&cache_cache, c);
        return NULL;
    }
    /* A non-empty cache_link marks a cache that came from the cache of caches. */
    list_push_back(&cache_cache.cache_link, &c->cache_link);
    return c;
}

void kmem_init(const struct slab_page_source *src)
{
    kmem_src = src;
    for (unsigned i = 0; i < ARRAY_SIZE(kmalloc_caches); i++)
        KASSERT(kmem_cache_init(&kmalloc_caches[i], kmalloc_names[i], KMALLOC_MIN << i, KMALLOC_MIN,
                                src) == 0);
    KASSERT(kmem_cache_init(&cache_cache, "kmem_cache", sizeof(struct kmem_cache), 0, src) == 0);
}

void kmem_shrink_all(void)
{
    for (unsigned i = 0; i < ARRAY_SIZE(kmalloc_caches); i++)
        kmem_cache_shrink(&kmalloc_caches[i]);
    struct list_node *pos;
    list_for_each(pos, &cache_cache.cache_link)
    {
        kmem_cache_shrink(list_entry(pos, struct kmem_cache, cache_link));
    }
    kmem_cache_shrink(&cache_cache);
}

static unsigned kmalloc_index(size_t size)
{
    unsigned i = 0;
    while ((size_t)KMALLOC_MIN << i < size)
        i++;
    return i;
}

void *kmalloc(size_t size)
{
    KASSERT(kmem_src != NULL);
    if (size == 0)
        return NULL;
    if (size <= KMALLOC_MAX)
        return kmem_cache_alloc(&kmalloc_caches[kmalloc_index(size)]);
    unsigned order = 0;
    while ((PAGE_SIZE << order) < size && order <= MM_MAX_ORDER)
        order++;
    if (order > MM_MAX_ORDER)
        return NULL;
    struct page *pg = kmem_src->alloc(kmem_src->ctx, order);
    if (!pg)
        return NULL;
    pg->flags |= PG_KMALLOC;
    return kmem_src->page_to_virt(kmem_src->ctx, pg);
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

/* The page of a kmalloc pointer; panics unless it is a slab object or a large block. */
static struct page *kmalloc_page(const void *p)
{
    struct page *pg = kmem_src->virt_to_page(kmem_src->ctx, p);
    if (pg && (pg->flags & PG_SLAB))
        return pg;
    if (!pg || !(pg->flags & PG_KMALLOC) || kmem_src->page_to_virt(kmem_src->ctx, pg) != p)
        kpanic("kfree: %p was not returned by kmalloc", p);
    return pg;
}

void kfree(const void *p)
{
    if (!p)
        return;
    struct page *pg = kmalloc_page(p);
    if (pg->flags & PG_SLAB) {
        struct slab *s = pg->priv;
        kmem_cache_free(s->cache, (void *)p);
        return;
    }
    pg->flags &= ~PG_KMALLOC;
    kmem_src->free(kmem_src->ctx, pg);
}

size_t ksize(const void *p)
{
    struct page *pg = kmalloc_page(p);
    if (pg->flags & PG_SLAB)
        return ((struct slab *)pg->priv)->cache->size;
    return PAGE_SIZE << pg->order;
}

static struct page *buddy_src_alloc(void *ctx, unsigned order)
{
    return buddy_alloc(((struct buddy_slab_ctx *)ctx)->buddy, order);
}

static void buddy_src_free(void *ctx, struct page *pg)
{
    buddy_free(((struct buddy_slab_ctx *)ctx)->buddy, pg);
}

static void *buddy_src_page_to_virt(void *ctx, struct page *pg)
{
    struct buddy_slab_ctx *bc = ctx;
    return bc->phys_to_virt(buddy_page_to_pa(bc->buddy, pg));
}

static struct page *buddy_src_virt_to_page(void *ctx, const void *va)
{
    struct buddy_slab_ctx *bc = ctx;
    return buddy_pa_to_page(bc->buddy, bc->virt_to_phys(va));
}

void buddy_slab_source(struct slab_page_source *src, struct buddy_slab_ctx *ctx)
{
    src->alloc = buddy_src_alloc;
    src->free = buddy_src_free;
    src->page_to_virt = buddy_src_page_to_virt;
    src->virt_to_page = buddy_src_virt_to_page;
    src->ctx = ctx;
}
