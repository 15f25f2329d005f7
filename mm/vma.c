/* VMAs of one address space in a red-black tree (see mm/vma.h). */
#include <string.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <mm/vma.h>

#define to_vma(n) ((n) ? rb_entry(n, struct vma, rb) : NULL)

void vma_tree_init(struct vma_tree *t, struct kmem_cache *cache)
{
    t->root.node = NULL;
    t->count = 0;
    t->cache = cache;
}

struct vma *vma_alloc(struct vma_tree *t)
{
    return kmem_cache_zalloc(t->cache);
}

void vma_file_get(struct vma *v)
{
    if (v->file && v->file->ops->get)
        v->file->ops->get(v->file);
}

void vma_free(struct vma_tree *t, struct vma *v)
{
    if (v->file && v->file->ops->put)
        v->file->ops->put(v->file);
    kmem_cache_free(t->cache, v);
}

struct vma *vma_find(const struct vma_tree *t, uint64_t addr)
{
    struct rb_node *n = t->root.node;
    while (n) {
        struct vma *v = to_vma(n);
        if (addr < v->start)
            n = n->left;
        else if (addr >= v->end)
            n = n->right;
        else
            return v;
    }
    return NULL;
}

struct vma *vma_find_next(const struct vma_tree *t, uint64_t addr)
{
    struct rb_node *n = t->root.node;
    struct vma *best = NULL;
    while (n) {
        struct vma *v = to_vma(n);
        if (v->end > addr) {
            best = v;
            if (v->start <= addr)
                return v;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

struct vma *vma_first(const struct vma_tree *t)
{
    return to_vma(rb_first(&t->root));
}

struct vma *vma_next(const struct vma *v)
{
    return to_vma(rb_next(&v->rb));
}

struct vma *vma_prev(const struct vma *v)
{
    return to_vma(rb_prev(&v->rb));
}

int vma_insert(struct vma_tree *t, struct vma *v)
{
    if (v->start >= v->end || !IS_ALIGNED(v->start, PAGE_SIZE) || !IS_ALIGNED(v->end, PAGE_SIZE))
        return -EINVAL;
    struct vma *next = vma_find_next(t, v->start);
    if (next && next->start < v->end)
        return -EEXIST;
    struct rb_node **link = &t->root.node, *parent = NULL;
    while (*link) {
        parent = *link;
        link = v->start < to_vma(parent)->start ? &parent->left : &parent->right;
    }
    rb_link(&v->rb, parent, link);
    rb_insert_fixup(&t->root, &v->rb);
    t->count++;
    return 0;
}

void vma_remove(struct vma_tree *t, struct vma *v)
{
    rb_erase(&t->root, &v->rb);
    t->count--;
}

int vma_split(struct vma_tree *t, struct vma *v, uint64_t addr, struct vma **hi)
{
    if (addr <= v->start || addr >= v->end || !IS_ALIGNED(addr, PAGE_SIZE))
        return -EINVAL;
    struct vma *n = vma_alloc(t);
    if (!n)
        return -ENOMEM;
    *n = *v;
    n->start = addr;
    if (v->file)
        n->offset = v->offset + (addr - v->start);
    vma_file_get(n);
    v->end = addr;
    KASSERT(vma_insert(t, n) == 0);
    if (hi)
        *hi = n;
    return 0;
}

bool vma_mergeable(const struct vma *a, const struct vma *b)
{
    if (a->end != b->start || a->prot != b->prot || a->flags != b->flags || a->file != b->file ||
        a->name != b->name)
        return false;
    return !a->file || a->offset + (a->end - a->start) == b->offset;
}

struct vma *vma_merge(struct vma_tree *t, struct vma *v)
{
    struct vma *prev = vma_prev(v);
    if (prev && vma_mergeable(prev, v)) {
        vma_remove(t, v);
        prev->end = v->end;
        vma_free(t, v);
        v = prev;
    }
    struct vma *next = vma_next(v);
    if (next && vma_mergeable(v, next)) {
        vma_remove(t, next);
        v->end = next->end;
        vma_free(t, next);
    }
    return v;
}

bool vma_range_covered(const struct vma_tree *t, uint64_t start, uint64_t end)
{
    uint64_t at = start;
    for (struct vma *v = vma_find(t, start); v && at < end; v = vma_next(v)) {
        if (v->start > at)
            return false;
        at = v->end;
    }
    return at >= end;
}

int vma_split_range(struct vma_tree *t, uint64_t start, uint64_t end)
{
    struct vma *v = vma_find(t, start);
    if (v && v->start < start) {
        int err = vma_split(t, v, start, NULL);
        if (err)
            return err;
    }
    v = vma_find(t, end - 1);
    if (v && v->end > end)
        return vma_split(t, v, end, NULL);
    return 0;
}

static bool range_ok(uint64_t start, uint64_t end)
{
    return start < end && IS_ALIGNED(start, PAGE_SIZE) && IS_ALIGNED(end, PAGE_SIZE);
}

int vma_unmap_range(struct vma_tree *t, uint64_t start, uint64_t end)
{
    if (!range_ok(start, end))
        return -EINVAL;
    int err = vma_split_range(t, start, end);
    if (err)
        return err;
    struct vma *v = vma_find_next(t, start);
    while (v && v->start < end) {
        struct vma *next = vma_next(v);
        vma_remove(t, v);
        vma_free(t, v);
        v = next;
    }
    return 0;
}

int vma_protect_range(struct vma_tree *t, uint64_t start, uint64_t end, unsigned prot)
{
    if (!range_ok(start, end))
        return -EINVAL;
    if (!vma_range_covered(t, start, end))
        return -ENOMEM;
    int err = vma_split_range(t, start, end);
    if (err)
        return err;
    struct vma *v = vma_find(t, start);
    while (v && v->start < end) {
        v->prot = prot;
        v = vma_next(vma_merge(t, v));
    }
    if (v) /* the VMA after the range may now match the last changed one */
        vma_merge(t, v);
    return 0;
}

/* The last VMA starting below addr, or NULL. */
static struct vma *last_below(const struct vma_tree *t, uint64_t addr)
{
    struct rb_node *n = t->root.node;
    struct vma *best = NULL;
    while (n) {
        struct vma *v = to_vma(n);
        if (v->start < addr) {
            best = v;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return best;
}

int vma_find_gap(const struct vma_tree *t, uint64_t len, uint64_t low, uint64_t high,
                 uint64_t align, uint64_t *addr)
{
    if (len == 0 || low >= high || len > high - low)
        return -ENOMEM;
    struct vma *below = last_below(t, high);
    struct vma *above = below ? vma_next(below) : vma_first(t);
    for (;;) {
        uint64_t top = high;
        if (above) {
            uint64_t guard = (above->flags & VMA_GROWSDOWN) ? VMA_STACK_GUARD_GAP : 0;
            uint64_t limit = above->start > guard ? above->start - guard : 0;
            top = MIN(top, limit);
        }
        uint64_t bottom = below ? MAX(below->end, low) : low;
        if (top > bottom && top - bottom >= len) {
            uint64_t a = ALIGN_DOWN(top - len, align);
            if (a >= bottom) {
                *addr = a;
                return 0;
            }
        }
        if (!below || below->start <= low)
            return -ENOMEM;
        above = below;
        below = vma_prev(below);
    }
}
