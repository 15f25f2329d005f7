/* Address spaces: mmap and friends, faults, fork, /proc/PID/maps (see mm/as.h). */
#include <stdarg.h>
#include <string.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <mm/as.h>

#define PROT_MASK (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)

static const char heap_name[] = "[heap]";

static struct page *pte_page(struct mm_as *as, pte_t pte)
{
    struct page *pg = as->ops->pa_to_page(as->ops->ctx, pte_addr(pte));
    KASSERT(pg != NULL);
    return pg;
}

static void frame_put(struct mm_as *as, struct page *pg)
{
    KASSERT(page_refcount(pg) > 0);
    if (page_ref_dec_and_test(pg))
        as->ops->frame_free(as->ops->ctx, pg);
}

static void *frame_virt(struct mm_as *as, struct page *pg)
{
    return as->ops->page_to_virt(as->ops->ctx, pg);
}

static void flush(struct mm_as *as, uint64_t va, uint64_t len)
{
    if (as->ops->tlb_flush)
        as->ops->tlb_flush(as->ops->ctx, va, len);
}

/* Portable prot of the entry mapping pg in v: EL0 gets v->prot, minus write while a private
 * frame is shared (copy-on-write). PROT_NONE becomes a kernel-only read-only entry, so the
 * frame stays mapped but every EL0 access faults. */
static unsigned entry_prot(const struct vma *v, const struct page *pg)
{
    if (!(v->prot & PROT_MASK))
        return MM_PROT_READ;
    unsigned p = v->prot | MM_PROT_USER | MM_PROT_READ;
    if (!(v->flags & VMA_SHARED) && page_refcount(pg) > 1)
        p &= ~MM_PROT_WRITE;
    return p;
}

unsigned mm_as_user_prot(pte_t pte)
{
    unsigned prot = pt_attrs_to_prot(pte);
    if (!(prot & MM_PROT_USER))
        return 0;
    return prot & PROT_MASK;
}

static int map_frame(struct mm_as *as, const struct vma *v, uint64_t va, struct page *pg)
{
    uint64_t pa = as->ops->page_to_pa(as->ops->ctx, pg);
    return pt_map(&as->pt, va, pa, PAGE_SIZE, entry_prot(v, pg), 0);
}

static void put_leaf(void *arg, uint64_t va, pte_t *pte, int level)
{
    (void)va;
    KASSERT(level == 3); /* user mappings use pages only */
    struct mm_as *as = arg;
    frame_put(as, pte_page(as, *pte));
}

/* Drops every frame mapped in [start, end). */
static void zap(struct mm_as *as, uint64_t start, uint64_t end)
{
    KASSERT(pt_unmap(&as->pt, start, end - start, put_leaf, as) == 0); /* no blocks to split */
    flush(as, start, end - start);
}

/* Writes back what shared file mappings in [start, end) may have dirtied (after their frames
 * were dropped, so that pages nobody else maps can be cleaned). Errors are not reported:
 * munmap has nobody to give them to, and the pages stay dirty for a later sync. */
static void sync_shared_files(struct mm_as *as, uint64_t start, uint64_t end)
{
    for (struct vma *v = vma_find_next(&as->vmas, start); v && v->start < end; v = vma_next(v)) {
        if (!v->file || !(v->flags & VMA_SHARED) || !v->file->ops->sync)
            continue;
        uint64_t s = MAX(v->start, start), e = MIN(v->end, end);
        (void)v->file->ops->sync(v->file, v->offset + (s - v->start), e - s);
    }
}

/* Removes VMAs and frames of [start, end): split first (the only step that can fail), then
 * drop the frames, write back shared file pages, and free the VMAs. */
static int unmap_range(struct mm_as *as, uint64_t start, uint64_t end)
{
    int err = vma_split_range(&as->vmas, start, end);
    if (err)
        return err;
    zap(as, start, end);
    sync_shared_files(as, start, end);
    KASSERT(vma_unmap_range(&as->vmas, start, end) == 0); /* already split */
    return 0;
}

bool mm_as_unmap_file(struct mm_as *as, const struct mm_file *file, uint64_t from, uint64_t *lo,
                      uint64_t *hi)
{
    bool any = false;
    for (struct vma *v = vma_first(&as->vmas); v; v = vma_next(v)) {
        uint64_t len = v->end - v->start;
        if (v->file != file || v->offset + len <= from)
            continue;
        uint64_t start = v->start + (from > v->offset ? from - v->offset : 0);
        zap(as, start, v->end);
        *lo = any ? MIN(*lo, start) : start;
        *hi = any ? MAX(*hi, v->end) : v->end;
        any = true;
    }
    return any;
}

static bool range_free(struct mm_as *as, uint64_t start, uint64_t end)
{
    struct vma *v = vma_find_next(&as->vmas, start);
    return !v || v->start >= end;
}

int mm_as_init(struct mm_as *as, const struct mm_as_ops *ops, const struct pt_ops *pt_ops,
               struct kmem_cache *vma_cache, const struct mm_as_layout *layout)
{
    memset(as, 0, sizeof(*as));
    as->ops = ops;
    as->layout = *layout;
    as->brk = layout->brk_start;
    vma_tree_init(&as->vmas, vma_cache);
    return pt_init(&as->pt, pt_ops);
}

void mm_as_destroy(struct mm_as *as)
{
    struct vma *v;
    while ((v = vma_first(&as->vmas)) != NULL) {
        zap(as, v->start, v->end);
        vma_remove(&as->vmas, v);
        vma_free(&as->vmas, v);
    }
    pt_destroy(&as->pt);
}

struct fork_ctx {
    struct mm_as *child, *parent;
    const struct vma *v;
    int err;
};

static void fork_leaf(void *arg, uint64_t va, pte_t *pte, int level)
{
    (void)level;
    struct fork_ctx *fc = arg;
    if (fc->err)
        return;
    if (!(fc->v->flags & VMA_SHARED))
        *pte |= PTE_RDONLY; /* both sides now copy on write */
    int err = pt_map(&fc->child->pt, va, pte_addr(*pte), PAGE_SIZE, pt_attrs_to_prot(*pte), 0);
    if (err)
        fc->err = err;
    else
        page_ref_inc(pte_page(fc->parent, *pte));
}

int mm_as_fork(struct mm_as *child, struct mm_as *parent)
{
    child->layout = parent->layout; /* exec set the break's start: brk must not go below it */
    child->brk = parent->brk;
    for (struct vma *v = vma_first(&parent->vmas); v; v = vma_next(v)) {
        struct vma *nv = vma_alloc(&child->vmas);
        if (!nv)
            return -ENOMEM;
        *nv = *v;
        memset(&nv->rb, 0, sizeof(nv->rb));
        vma_file_get(nv);
        KASSERT(vma_insert(&child->vmas, nv) == 0);
        struct fork_ctx fc = {child, parent, v, 0};
        pt_walk(&parent->pt, v->start, v->end - v->start, fork_leaf, &fc);
        flush(parent, v->start, v->end - v->start);
        if (fc.err)
            return fc.err;
    }
    return 0;
}

/* Maps a copy of src at d->page (replacing what is there). */
static enum mm_fault_result map_copy(struct mm_as *as, const struct mm_fault_decision *d,
                                     struct page *src)
{
    struct page *pg = as->ops->frame_alloc(as->ops->ctx);
    if (!pg)
        return MM_FAULT_OOM;
    if (src)
        memcpy(frame_virt(as, pg), frame_virt(as, src), PAGE_SIZE);
    else if (!as->ops->frames_zeroed)
        memset(frame_virt(as, pg), 0, PAGE_SIZE);
    pt_unmap(&as->pt, d->page, PAGE_SIZE, put_leaf, as);
    flush(as, d->page, PAGE_SIZE);
    if (map_frame(as, d->vma, d->page, pg) != 0) {
        frame_put(as, pg);
        return MM_FAULT_OOM;
    }
    return MM_FAULT_OK;
}

static enum mm_fault_result fault_file(struct mm_as *as, const struct mm_fault_decision *d,
                                       bool copy, enum mm_access access)
{
    struct mm_file *f = d->vma->file;
    struct page *pg;
    int err = f->ops->get_page(f, d->file_offset, &pg);
    if (err == -ENOMEM)
        return MM_FAULT_OOM;
    if (err)
        return MM_FAULT_SIGBUS;
    if (copy) {
        enum mm_fault_result r = map_copy(as, d, pg);
        frame_put(as, pg);
        return r;
    }
    if (map_frame(as, d->vma, d->page, pg) != 0) {
        frame_put(as, pg);
        return MM_FAULT_OOM;
    }
    if (access == MM_ACCESS_WRITE && f->ops->set_dirty)
        f->ops->set_dirty(f, d->file_offset);
    return MM_FAULT_OK;
}

enum mm_fault_result mm_as_fault(struct mm_as *as, uint64_t addr, enum mm_access access)
{
    pte_t pte = 0;
    struct page *cur = NULL;
    bool present = pt_lookup(&as->pt, addr, &pte, NULL) == 0;
    if (present)
        cur = pte_page(as, pte);
    struct mm_fault_info fi = {addr, access, present, pte, cur ? page_refcount(cur) : 0};
    struct mm_fault_decision d;
    mm_fault_decide(&as->vmas, &fi, as->layout.stack_max, &d);
    switch (d.action) {
    case MM_FA_SEGV_MAPERR:
        return MM_FAULT_SEGV_MAPERR;
    case MM_FA_SEGV_ACCERR:
        return MM_FAULT_SEGV_ACCERR;
    case MM_FA_SIGBUS:
        return MM_FAULT_SIGBUS;
    case MM_FA_GROW_STACK:
        d.vma->start = d.new_start; /* order in the tree is unchanged */
        return map_copy(as, &d, NULL);
    case MM_FA_ZERO_PAGE:
        return map_copy(as, &d, NULL);
    case MM_FA_FILE_PAGE:
        return fault_file(as, &d, false, access);
    case MM_FA_FILE_COPY:
        return fault_file(as, &d, true, access);
    case MM_FA_COW_COPY:
        return map_copy(as, &d, cur);
    case MM_FA_MAKE_WRITABLE:
        if (d.vma->file && d.vma->file->ops->set_dirty)
            d.vma->file->ops->set_dirty(d.vma->file, d.file_offset);
        /* fall through */
    case MM_FA_COW_REUSE:
    case MM_FA_FIX_PROT:
        KASSERT(pt_protect(&as->pt, d.page, PAGE_SIZE, entry_prot(d.vma, cur)) == 0);
        flush(as, d.page, PAGE_SIZE);
        return MM_FAULT_OK;
    }
    return MM_FAULT_SEGV_MAPERR;
}

static void populate(struct mm_as *as, uint64_t start, uint64_t end, unsigned prot)
{
    if (!(prot & PROT_MASK))
        return;
    enum mm_access acc = (prot & MM_PROT_WRITE) ? MM_ACCESS_WRITE : MM_ACCESS_READ;
    if (!(prot & (MM_PROT_READ | MM_PROT_WRITE)))
        acc = MM_ACCESS_EXEC;
    for (uint64_t a = start; a < end; a += PAGE_SIZE)
        if (mm_as_fault(as, a, acc) != MM_FAULT_OK)
            break; /* like Linux: populate failures are not reported */
}

int mm_mmap(struct mm_as *as, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
            struct mm_file *file, uint64_t offset, uint64_t *out)
{
    unsigned type = flags & MM_MAP_TYPE;
    bool anon = flags & MM_MAP_ANONYMOUS;
    const struct mm_as_layout *l = &as->layout;
    if (len == 0 || !IS_ALIGNED(offset, PAGE_SIZE) || (prot & ~PROT_MASK))
        return -EINVAL;
    if (type != MM_MAP_SHARED && type != MM_MAP_PRIVATE && type != MM_MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (len > l->task_size)
        return -ENOMEM;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (!anon && !file)
        return -EBADF;
    if (!anon && offset + len < offset)
        return -EOVERFLOW;
    if (!anon && type != MM_MAP_PRIVATE && (prot & MM_PROT_WRITE) && file->no_shared_write)
        return -EACCES;
    uint64_t start;
    if (flags & (MM_MAP_FIXED | MM_MAP_FIXED_NOREPLACE)) {
        if (!IS_ALIGNED(addr, PAGE_SIZE))
            return -EINVAL;
        if (addr < l->mmap_min)
            return -EPERM;
        if (addr > l->task_size - len)
            return -ENOMEM;
        if ((flags & MM_MAP_FIXED_NOREPLACE) && !range_free(as, addr, addr + len))
            return -EEXIST;
        start = addr;
    } else {
        uint64_t hint = ALIGN_UP(addr, PAGE_SIZE);
        if (addr && hint >= l->mmap_min && hint <= l->task_size - len &&
            range_free(as, hint, hint + len))
            start = hint;
        else if (vma_find_gap(&as->vmas, len, l->mmap_min, l->mmap_base, PAGE_SIZE, &start))
            return -ENOMEM;
    }
    struct vma *v = vma_alloc(&as->vmas);
    if (!v)
        return -ENOMEM;
    v->start = start;
    v->end = start + len;
    v->prot = prot;
    v->flags = (type == MM_MAP_PRIVATE ? 0 : VMA_SHARED) |
               ((flags & MM_MAP_GROWSDOWN) ? VMA_GROWSDOWN : 0);
    if (!anon) {
        v->file = file;
        v->offset = offset;
        vma_file_get(v);
    }
    if (!range_free(as, start, start + len)) {
        int err = unmap_range(as, start, start + len);
        if (err) {
            vma_free(&as->vmas, v);
            return err;
        }
    }
    KASSERT(vma_insert(&as->vmas, v) == 0);
    vma_merge(&as->vmas, v);
    if (flags & MM_MAP_POPULATE)
        populate(as, start, start + len, prot);
    *out = start;
    return 0;
}

/* Page-aligned addr and len rounded up: false if unaligned, empty or out of range. */
static bool user_range(const struct mm_as *as, uint64_t addr, uint64_t *len)
{
    if (!IS_ALIGNED(addr, PAGE_SIZE) || *len == 0 || *len > as->layout.task_size)
        return false;
    *len = ALIGN_UP(*len, PAGE_SIZE);
    return addr <= as->layout.task_size - *len;
}

int mm_munmap(struct mm_as *as, uint64_t addr, uint64_t len)
{
    if (!user_range(as, addr, &len))
        return -EINVAL;
    return unmap_range(as, addr, addr + len);
}

static void reprotect_leaf(void *arg, uint64_t va, pte_t *pte, int level)
{
    (void)level;
    struct mm_as *as = arg;
    const struct vma *v = vma_find(&as->vmas, va);
    KASSERT(v != NULL);
    unsigned prot = entry_prot(v, pte_page(as, *pte));
    *pte = pte_addr(*pte) | (*pte & PTE_TYPE_MASK) | pt_prot_to_attrs(prot);
}

/* Does [start, end) hold a shared mapping of a file that may not be written through one? */
static bool shared_write_denied(struct mm_as *as, uint64_t start, uint64_t end)
{
    for (struct vma *v = vma_find_next(&as->vmas, start); v && v->start < end; v = vma_next(v))
        if ((v->flags & VMA_SHARED) && v->file && v->file->no_shared_write)
            return true;
    return false;
}

int mm_mprotect(struct mm_as *as, uint64_t addr, uint64_t len, unsigned prot)
{
    if (prot & ~PROT_MASK)
        return -EINVAL;
    if (len == 0 && IS_ALIGNED(addr, PAGE_SIZE))
        return 0;
    if (!user_range(as, addr, &len))
        return -EINVAL;
    if ((prot & MM_PROT_WRITE) && shared_write_denied(as, addr, addr + len))
        return -EACCES;
    int err = vma_protect_range(&as->vmas, addr, addr + len, prot);
    if (err)
        return err;
    pt_walk(&as->pt, addr, len, reprotect_leaf, as);
    flush(as, addr, len);
    return 0;
}

struct move_ctx {
    struct mm_as *as;
    uint64_t from, to;
    int err;
};

static void move_leaf(void *arg, uint64_t va, pte_t *pte, int level)
{
    (void)level;
    struct move_ctx *mc = arg;
    if (!mc->err)
        mc->err = pt_map(&mc->as->pt, va - mc->from + mc->to, pte_addr(*pte), PAGE_SIZE,
                         pt_attrs_to_prot(*pte), 0);
}

/* Moves [old, old+old_len) of VMA v to a new VMA [to, to+new_len) (free), with its frames. */
static int move_mapping(struct mm_as *as, struct vma *v, uint64_t old, uint64_t old_len,
                        uint64_t to, uint64_t new_len)
{
    int err = vma_split_range(&as->vmas, old, old + old_len);
    if (err)
        return err;
    v = vma_find(&as->vmas, old);
    struct vma *nv = vma_alloc(&as->vmas);
    if (!nv)
        return -ENOMEM;
    *nv = *v;
    memset(&nv->rb, 0, sizeof(nv->rb));
    nv->start = to;
    nv->end = to + new_len;
    vma_file_get(nv);
    struct move_ctx mc = {as, old, to, 0};
    pt_walk(&as->pt, old, old_len, move_leaf, &mc);
    if (mc.err) {
        pt_unmap(&as->pt, to, new_len, NULL, NULL); /* references stay with the old range */
        vma_free(&as->vmas, nv);
        return mc.err;
    }
    pt_unmap(&as->pt, old, old_len, NULL, NULL); /* references moved with the entries */
    flush(as, old, old_len);
    KASSERT(vma_unmap_range(&as->vmas, old, old + old_len) == 0); /* already split */
    KASSERT(vma_insert(&as->vmas, nv) == 0);
    vma_merge(&as->vmas, nv);
    return 0;
}

int mm_mremap(struct mm_as *as, uint64_t old, uint64_t old_len, uint64_t new_len, unsigned flags,
              uint64_t new_addr, uint64_t *out)
{
    if ((flags & ~(MM_MREMAP_MAYMOVE | MM_MREMAP_FIXED)) ||
        ((flags & MM_MREMAP_FIXED) && !(flags & MM_MREMAP_MAYMOVE)))
        return -EINVAL;
    if (!user_range(as, old, &old_len) || new_len == 0 || new_len > as->layout.task_size)
        return -EINVAL;
    new_len = ALIGN_UP(new_len, PAGE_SIZE);
    struct vma *v = vma_find(&as->vmas, old);
    if (!v || old + old_len > v->end)
        return -EFAULT;
    if (flags & MM_MREMAP_FIXED) {
        if (!IS_ALIGNED(new_addr, PAGE_SIZE) || new_addr > as->layout.task_size - new_len)
            return -EINVAL;
        if (new_addr < old + old_len && old < new_addr + new_len)
            return -EINVAL;
        int err = unmap_range(as, new_addr, new_addr + new_len);
        if (err)
            return err;
        v = vma_find(&as->vmas, old);
        err = move_mapping(as, v, old, MIN(old_len, new_len), new_addr, new_len);
        if (!err && old_len > new_len)
            err = unmap_range(as, old, old + old_len);
        if (!err)
            *out = new_addr;
        return err;
    }
    if (new_len <= old_len) {
        int err = new_len < old_len ? unmap_range(as, old + new_len, old + old_len) : 0;
        if (!err)
            *out = old;
        return err;
    }
    struct vma *next = vma_next(v);
    if (old + old_len == v->end && old + new_len <= as->layout.task_size &&
        (!next || next->start >= old + new_len)) {
        v->end = old + new_len; /* grow in place */
        vma_merge(&as->vmas, v);
        *out = old;
        return 0;
    }
    if (!(flags & MM_MREMAP_MAYMOVE))
        return -ENOMEM;
    uint64_t to;
    if (vma_find_gap(&as->vmas, new_len, as->layout.mmap_min, as->layout.mmap_base, PAGE_SIZE, &to))
        return -ENOMEM;
    int err = move_mapping(as, v, old, old_len, to, new_len);
    if (!err)
        *out = to;
    return err;
}

uint64_t mm_brk(struct mm_as *as, uint64_t new_brk)
{
    if (new_brk < as->layout.brk_start)
        return as->brk;
    uint64_t old_top = ALIGN_UP(as->brk, PAGE_SIZE), new_top = ALIGN_UP(new_brk, PAGE_SIZE);
    if (new_top > old_top) {
        if (new_top > as->layout.task_size || !range_free(as, old_top, new_top))
            return as->brk;
        struct vma *v = vma_alloc(&as->vmas);
        if (!v)
            return as->brk;
        v->start = old_top;
        v->end = new_top;
        v->prot = MM_PROT_READ | MM_PROT_WRITE;
        v->name = heap_name;
        KASSERT(vma_insert(&as->vmas, v) == 0);
        vma_merge(&as->vmas, v);
    } else if (new_top < old_top && unmap_range(as, new_top, old_top) != 0) {
        return as->brk;
    }
    as->brk = new_brk;
    return new_brk;
}

int mm_madvise(struct mm_as *as, uint64_t addr, uint64_t len, int advice)
{
    if (advice < MM_MADV_NORMAL || advice > MM_MADV_DONTNEED)
        return -EINVAL;
    if (len == 0 && IS_ALIGNED(addr, PAGE_SIZE))
        return 0;
    if (!user_range(as, addr, &len))
        return -EINVAL;
    if (!vma_range_covered(&as->vmas, addr, addr + len))
        return -ENOMEM;
    if (advice == MM_MADV_DONTNEED)
        zap(as, addr, addr + len);
    return 0;
}

int mm_msync(struct mm_as *as, uint64_t addr, uint64_t len, int flags)
{
    if ((flags & ~(MM_MS_ASYNC | MM_MS_INVALIDATE | MM_MS_SYNC)) ||
        ((flags & MM_MS_ASYNC) && (flags & MM_MS_SYNC)))
        return -EINVAL;
    if (len == 0 && IS_ALIGNED(addr, PAGE_SIZE))
        return 0;
    if (!user_range(as, addr, &len))
        return -EINVAL;
    if (!vma_range_covered(&as->vmas, addr, addr + len))
        return -ENOMEM;
    if (!(flags & MM_MS_SYNC))
        return 0; /* MS_ASYNC: writeback is already scheduled by the page cache */
    for (struct vma *v = vma_find(&as->vmas, addr); v && v->start < addr + len; v = vma_next(v)) {
        if (!v->file || !(v->flags & VMA_SHARED) || !v->file->ops->sync)
            continue;
        uint64_t s = MAX(v->start, addr), e = MIN(v->end, addr + len);
        int err = v->file->ops->sync(v->file, v->offset + (s - v->start), e - s);
        if (err)
            return err;
    }
    return 0;
}

int mm_mincore(struct mm_as *as, uint64_t addr, uint64_t len, unsigned char *vec)
{
    if (!user_range(as, addr, &len))
        return -EINVAL;
    if (!vma_range_covered(&as->vmas, addr, addr + len))
        return -ENOMEM;
    for (uint64_t i = 0; i < len / PAGE_SIZE; i++) {
        pte_t pte;
        vec[i] = pt_lookup(&as->pt, addr + i * PAGE_SIZE, &pte, NULL) == 0;
    }
    return 0;
}

struct text {
    char *buf;
    size_t size, len;
};

__printf(2, 3) static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->len < t->size ? t->size - t->len : 0;
    t->len += (size_t)kvsnprintf(room ? t->buf + t->len : NULL, room, fmt, ap);
    va_end(ap);
}

/* One line as Linux's show_map_vma prints it: the fields, then the name (if any) starting
 * at column 73 (padded to 72 characters, then a space). */
size_t mm_as_format_maps(struct mm_as *as, char *buf, size_t size)
{
    struct text t = {buf, size, 0};
    if (size)
        buf[0] = 0;
    for (struct vma *v = vma_first(&as->vmas); v; v = vma_next(v)) {
        size_t line = t.len;
        const struct mm_file *f = v->file;
        put(&t, "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ", (unsigned long)v->start,
            (unsigned long)v->end, (v->prot & MM_PROT_READ) ? 'r' : '-',
            (v->prot & MM_PROT_WRITE) ? 'w' : '-', (v->prot & MM_PROT_EXEC) ? 'x' : '-',
            (v->flags & VMA_SHARED) ? 's' : 'p', f ? (unsigned long)v->offset : 0UL,
            f ? f->dev_major : 0u, f ? f->dev_minor : 0u, f ? (unsigned long)f->ino : 0UL);
        const char *name = f ? f->path : v->name;
        if (!name && (v->flags & VMA_GROWSDOWN))
            name = "[stack]";
        if (name) {
            size_t col = t.len - line;
            put(&t, "%*s%s", (int)(col < 72 ? 72 - col + 1 : 1), "", name);
        }
        put(&t, "\n");
    }
    return t.len;
}
