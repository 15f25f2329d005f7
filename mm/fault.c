/* Page-fault policy (see mm/fault.h). */
#include <lib/kassert.h>
#include <mm/fault.h>
#include <mm/pgtable.h>

static bool access_allowed(unsigned prot, enum mm_access access)
{
    switch (access) {
    case MM_ACCESS_READ:
        return prot & MM_PROT_READ;
    case MM_ACCESS_WRITE:
        return prot & MM_PROT_WRITE;
    case MM_ACCESS_EXEC:
        return prot & MM_PROT_EXEC;
    }
    return false;
}

/* The grows-down VMA that may extend down to page, or NULL. Growth must keep the stack
 * within stack_max and VMA_STACK_GUARD_GAP above the VMA below it. */
static struct vma *stack_to_grow(const struct vma_tree *t, uint64_t page, uint64_t stack_max)
{
    struct vma *next = vma_find_next(t, page);
    if (!next || !(next->flags & VMA_GROWSDOWN) || next->start <= page)
        return NULL;
    if (next->end - page > stack_max)
        return NULL;
    struct vma *prev = vma_prev(next);
    if (prev && (page < prev->end || page - prev->end < VMA_STACK_GUARD_GAP))
        return NULL;
    return next;
}

void mm_fault_decide(const struct vma_tree *t, const struct mm_fault_info *fi, uint64_t stack_max,
                     struct mm_fault_decision *d)
{
    d->page = ALIGN_DOWN(fi->addr, PAGE_SIZE);
    d->file_offset = 0;
    d->new_start = 0;
    struct vma *v = vma_find(t, fi->addr);
    d->vma = v;
    if (!v) {
        v = stack_to_grow(t, d->page, stack_max);
        d->vma = v;
        if (!v) {
            d->action = MM_FA_SEGV_MAPERR;
            return;
        }
        d->action = access_allowed(v->prot, fi->access) ? MM_FA_GROW_STACK : MM_FA_SEGV_ACCERR;
        d->new_start = d->page;
        return;
    }
    if (!access_allowed(v->prot, fi->access)) {
        d->action = MM_FA_SEGV_ACCERR;
        return;
    }
    if (v->file) {
        d->file_offset = v->offset + (d->page - v->start);
        if (!fi->present && d->file_offset >= v->file->ops->size(v->file)) {
            d->action = MM_FA_SIGBUS;
            return;
        }
    }
    if (!fi->present) {
        if (!v->file)
            d->action = MM_FA_ZERO_PAGE;
        else if ((v->flags & VMA_SHARED) || fi->access != MM_ACCESS_WRITE)
            d->action = MM_FA_FILE_PAGE;
        else
            d->action = MM_FA_FILE_COPY;
        return;
    }
    /* Present: a permission fault, or a stale entry. */
    unsigned have = pt_attrs_to_prot(fi->pte);
    if (fi->access == MM_ACCESS_WRITE && !(have & MM_PROT_WRITE) && (have & MM_PROT_USER)) {
        if (v->flags & VMA_SHARED)
            d->action = MM_FA_MAKE_WRITABLE;
        else
            d->action = fi->refcount == 1 ? MM_FA_COW_REUSE : MM_FA_COW_COPY;
        return;
    }
    d->action = MM_FA_FIX_PROT;
}
