/*
 * Address spaces (struct vmspace: one per process, or shared by processes made with
 * CLONE_VM). mm/as.c keeps its VMAs and a *shadow* page table: the libOS's record of what
 * should be mapped. The real tables are exo's, so after every change
 * the libOS mirrors the affected range into the environment (vm_sync): exo maps a page only
 * because the libOS, which owns every user frame (EXO_ENV_LIBOS), granted the frame to the
 * environment with the rights the mapping needs. Copy-on-write sharing after fork is thus
 * read-only grants of the same frame to several environments; frame reference counts live
 * in the libOS's own struct page for each frame.
 */
#include <string.h>
#include <exo/env.h>
#include <exo/frame.h>
#include <fs/pagecache.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <libos/proc.h>
#include <libos/reclaim.h>
#include <mm/slab.h>

#define CHUNK_PAGES 512 /* struct pages allocated together, on first use of their range */

static struct page **page_dir;
static uint64_t base_pfn, nframes;
static struct spinlock page_dir_lock = SPINLOCK_INIT("page_dir");
static struct kmem_cache *vma_cache;
/* Address spaces the page cache's truncation hook visits. Order: live_lock, then as_lock. */
static struct mutex live_lock;
static struct list_node live;

static void unmap_file_everywhere(struct mm_file *mf, uint64_t from);
static const struct mm_as_ops as_ops;

void vm_global_init(void)
{
    struct exo_mem_stats st;
    exo_mem_stats(&st);
    base_pfn = st.ram_start >> PAGE_SHIFT;
    nframes = (st.ram_end - st.ram_start) >> PAGE_SHIFT;
    page_dir = kzalloc(sizeof(*page_dir) * (nframes / CHUNK_PAGES + 1));
    KASSERT(page_dir);
    vma_cache = kmem_cache_create("vma", sizeof(struct vma), 0);
    KASSERT(vma_cache);
    mutex_init(&live_lock, "vm_live");
    list_init(&live);
    pagecache_init(&as_ops, unmap_file_everywhere); /* cache pages are the libOS's frames */
}

/* A fresh chunk of struct pages for frames [first, first + CHUNK_PAGES) of the RAM: each
 * records its frame's index in the RAM in `owner` (a field mm/ leaves to its owner), so
 * page_to_pa is one load instead of a search of the chunks. */
static struct page *chunk_alloc(uint64_t first)
{
    struct page *chunk = kzalloc(sizeof(struct page) * CHUNK_PAGES);
    KASSERT(chunk);
    for (uint64_t j = 0; j < CHUNK_PAGES; j++)
        chunk[j].owner = (uint32_t)(first + j);
    return chunk;
}

static struct page *pa_to_page(void *ctx, uint64_t pa)
{
    (void)ctx;
    uint64_t i = (pa >> PAGE_SHIFT) - base_pfn;
    KASSERT(i < nframes);
    struct page **chunk = &page_dir[i / CHUNK_PAGES];
    if (!READ_ONCE(*chunk)) {
        struct page *fresh = chunk_alloc(i - i % CHUNK_PAGES);
        spin_lock(&page_dir_lock);
        if (!*chunk) {
            *chunk = fresh;
            fresh = NULL;
        }
        spin_unlock(&page_dir_lock);
        kfree(fresh);
    }
    return &(*chunk)[i % CHUNK_PAGES];
}

static uint64_t page_to_pa(void *ctx, const struct page *pg)
{
    (void)ctx;
    return (base_pfn + pg->owner) << PAGE_SHIFT;
}

/* A frame of the libOS's, zero-filled (exo_frame_alloc's contract). */
static struct page *frame_alloc(void *ctx)
{
    paddr_t pa;
    if (exo_frame_alloc(EXO_ENV_LIBOS, 0, &pa))
        return NULL;
    struct page *pg = pa_to_page(ctx, pa);
    uint32_t index = pg->owner;
    memset(pg, 0, sizeof(*pg));
    pg->owner = index;
    pg->refcount = 1;
    return pg;
}

/* The last reference is gone. Environments may still hold grants until their next
 * vm_sync; the frame lives on as an orphan until then. */
static void frame_free(void *ctx, struct page *pg)
{
    KASSERT(!exo_frame_free(EXO_ENV_LIBOS, page_to_pa(ctx, pg)));
}

static void *page_to_virt(void *ctx, struct page *pg)
{
    return exo_frame_kva(EXO_ENV_LIBOS, page_to_pa(ctx, pg));
}

static void tlb_flush(void *ctx, uint64_t va, uint64_t len)
{
    (void)ctx, (void)va, (void)len; /* vm_sync after each operation does it */
}

static const struct mm_as_ops as_ops = {frame_alloc,  frame_free, page_to_pa, pa_to_page,
                                        page_to_virt, tlb_flush,  NULL,       true};

static uint64_t table_alloc(void *ctx)
{
    (void)ctx;
    paddr_t pa;
    return exo_frame_alloc(EXO_ENV_LIBOS, 0, &pa) ? 0 : pa;
}

static void table_free(void *ctx, uint64_t pa)
{
    (void)ctx;
    KASSERT(!exo_frame_free(EXO_ENV_LIBOS, pa));
}

static void *table_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return exo_frame_kva(EXO_ENV_LIBOS, pa);
}

static const struct pt_ops shadow_pt_ops = {table_alloc, table_free, table_virt, NULL};

static int new_as(struct vmspace *vm)
{
    struct mm_as_layout layout = {
        .mmap_min = 0x10000,
        .mmap_base = 0xffff00000000UL, /* below the stack's reserve */
        .task_size = EXO_USER_MAX,
        .brk_start = 0,
        .stack_max = 8UL << 20,
    };
    return mm_as_init(&vm->as, &as_ops, &shadow_pt_ops, vma_cache, &layout);
}

struct vmspace *vmspace_new(void)
{
    struct vmspace *vm = kzalloc(sizeof(*vm));
    if (!vm)
        return NULL;
    if (exo_env_create(&vm->env)) {
        kfree(vm);
        return NULL;
    }
    if (new_as(vm)) {
        exo_env_destroy(vm->env);
        kfree(vm);
        return NULL;
    }
    mutex_init(&vm->as_lock, "as");
    vm->refs = 1;
    mutex_lock(&live_lock);
    list_push_back(&live, &vm->vm_link);
    mutex_unlock(&live_lock);
    return vm;
}

void vmspace_get(struct vmspace *vm)
{
    __atomic_add_fetch(&vm->refs, 1, __ATOMIC_RELAXED);
}

void vmspace_put(struct vmspace *vm)
{
    if (__atomic_sub_fetch(&vm->refs, 1, __ATOMIC_ACQ_REL))
        return;
    mutex_lock(&live_lock);
    list_remove(&vm->vm_link);
    mutex_unlock(&live_lock);
    exo_unmap_range(vm->env, EXO_USER_MIN, EXO_USER_MAX - EXO_USER_MIN, EXO_UNMAP_RELEASE);
    mm_as_destroy(&vm->as);
    exo_env_destroy(vm->env);
    kfree(vm);
}

/* The page cache's truncation hook: removes file pages from mf's offset `from` on from
 * every live address space, so that touching them faults (SIGBUS past the end). */
static void unmap_file_everywhere(struct mm_file *mf, uint64_t from)
{
    mutex_lock(&live_lock);
    struct list_node *n;
    list_for_each(n, &live)
    {
        struct vmspace *vm = list_entry(n, struct vmspace, vm_link);
        uint64_t lo, hi;
        mutex_lock(&vm->as_lock);
        if (mm_as_unmap_file(&vm->as, mf, from, &lo, &hi))
            vm_sync(vm, lo, hi - lo);
        mutex_unlock(&vm->as_lock);
    }
    mutex_unlock(&live_lock);
}

struct sync_arg {
    struct vmspace *p;
    uint64_t lo, hi;
    int err;
};

static void mirror_leaf(void *arg, uint64_t va, pte_t *pte, int level)
{
    struct sync_arg *a = arg;
    unsigned prot = mm_as_user_prot(*pte);
    if (!prot)
        return; /* PROT_NONE: the frame stays in the shadow table only */
    unsigned eprot = EXO_PROT_READ | (prot & MM_PROT_WRITE ? EXO_PROT_WRITE : 0) |
                     (prot & MM_PROT_EXEC ? EXO_PROT_EXEC : 0);
    unsigned rights = EXO_RIGHT_READ | (prot & MM_PROT_WRITE ? EXO_RIGHT_WRITE : 0);
    uint64_t size = 1UL << PT_LEVEL_SHIFT(level);
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t v = va + off;
        if (v < a->lo || v >= a->hi)
            continue;
        uint64_t pa = pte_addr(*pte) + off;
        int err = exo_frame_grant(EXO_ENV_LIBOS, pa, a->p->env, rights);
        if (err == -EPERM && reclaim_frame_lost(pa))
            continue; /* exo took it: left unmapped, see libos/reclaim.c */
        if (!err)
            err = exo_map(a->p->env, v, pa, eprot);
        if (err && !a->err)
            a->err = err;
    }
}

void vm_sync(struct vmspace *p, uint64_t va, uint64_t len)
{
    uint64_t lo = va & ~(PAGE_SIZE - 1), hi = ALIGN_UP(va + len, PAGE_SIZE);
    if (lo < EXO_USER_MIN)
        lo = EXO_USER_MIN;
    if (hi > EXO_USER_MAX || hi < lo)
        hi = EXO_USER_MAX;
    KASSERT(!exo_unmap_range(p->env, lo, hi - lo, EXO_UNMAP_RELEASE));
    struct sync_arg a = {p, lo, hi, 0};
    pt_walk(&p->as.pt, lo, hi - lo, mirror_leaf, &a);
    if (a.err)
        kpanic("vm_sync: exo refused a mapping (%d)", a.err);
}

int vm_fault(struct vmspace *p, uint64_t addr, unsigned access, int *si_code)
{
    enum mm_access acc = access & EXO_PROT_EXEC    ? MM_ACCESS_EXEC
                         : access & EXO_PROT_WRITE ? MM_ACCESS_WRITE
                                                   : MM_ACCESS_READ;
    mutex_lock(&p->as_lock);
    enum mm_fault_result r = mm_as_fault(&p->as, addr, acc);
    if (r == MM_FAULT_OK)
        vm_sync(p, addr, 1);
    if (r == MM_FAULT_OK && reclaim_page_lost(p, addr))
        r = MM_FAULT_OOM; /* exo took the page: its contents are gone (SIGKILL) */
    mutex_unlock(&p->as_lock);
    switch (r) {
    case MM_FAULT_OK: return 0;
    case MM_FAULT_SEGV_ACCERR: *si_code = 2; return 11; /* SEGV_ACCERR, SIGSEGV */
    case MM_FAULT_SIGBUS: *si_code = 2; return 7;       /* BUS_ADRERR, SIGBUS */
    case MM_FAULT_OOM: *si_code = 0; return 9;          /* SIGKILL */
    default: *si_code = 1; return 11;                   /* SEGV_MAPERR */
    }
}

/* Copies one chunk within a page, faulting it in once if needed. */
static int copy_chunk(struct vmspace *p, uint64_t uva, void *kbuf, uint64_t n, bool to_user)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int err = to_user ? exo_copy_to_user(p->env, uva, kbuf, n)
                          : exo_copy_from_user(p->env, kbuf, uva, n);
        if (err != -EFAULT)
            return err;
        int code;
        if (attempt || vm_fault(p, uva, to_user ? EXO_PROT_WRITE : EXO_PROT_READ, &code))
            return -EFAULT;
    }
    return -EFAULT;
}

static int copy_user_proc(struct vmspace *p, uint64_t uva, void *kbuf, uint64_t len,
                          bool to_user)
{
    if (uva + len < uva || uva + len > EXO_USER_MAX)
        return -EFAULT;
    uint8_t *k = kbuf;
    while (len) {
        uint64_t n = MIN(len, PAGE_SIZE - (uva & (PAGE_SIZE - 1)));
        if (copy_chunk(p, uva, k, n, to_user))
            return -EFAULT;
        uva += n;
        k += n;
        len -= n;
    }
    return 0;
}

int copy_from_user(void *dst, uint64_t src, uint64_t len)
{
    return copy_user_proc(proc_vm(current_proc()), src, dst, len, false);
}

int copy_to_user(uint64_t dst, const void *src, uint64_t len)
{
    return copy_user_proc(proc_vm(current_proc()), dst, (void *)src, len, true);
}

int copy_to_proc(struct process *p, uint64_t dst, const void *src, uint64_t len)
{
    return copy_user_proc(proc_vm(p), dst, (void *)src, len, true);
}

int copy_from_proc(struct process *p, void *dst, uint64_t src, uint64_t len)
{
    return copy_user_proc(proc_vm(p), src, dst, len, false);
}

long strncpy_from_user(char *dst, uint64_t src, uint64_t max)
{
    uint64_t done = 0;
    while (done < max) {
        uint64_t n = MIN(max - done, PAGE_SIZE - ((src + done) & (PAGE_SIZE - 1)));
        if (copy_from_user(dst + done, src + done, n))
            return -EFAULT;
        char *nul = memchr(dst + done, 0, n);
        if (nul)
            return nul - dst;
        done += n;
    }
    return -ENAMETOOLONG;
}
