/*
 * Physical memory: exo owns all RAM. At boot a bump allocator (bootmem) carves the buddy
 * allocator's struct page arrays and the frame table out of a free gap; the buddy then
 * manages every RAM frame except the kernel image, the initrd, the device tree's reserved
 * ranges and the boot metadata. The frame table (frame_table.c) records who holds what.
 */
#include <string.h>
#include <exo/frame.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <mm/buddy.h>
#include <mm/slab.h>
#include "exo.h"
#include "frame_table.h"

static struct buddy buddy;
struct frame_table frame_table;
extern char __image_start[], __image_end[];

struct excluded {
    uint64_t start, end;
};

/* Ranges bootmem must avoid: image, initrd, DT reservations. Returns the count. */
static int excluded_ranges(struct excluded *ex, int max)
{
    int n = 0;
    ex[n++] = (struct excluded){kimage_phys, kimage_phys + (uint64_t)(__image_end - __image_start)};
    if (boot_info.initrd_end > boot_info.initrd_start)
        ex[n++] = (struct excluded){boot_info.initrd_start, boot_info.initrd_end};
    for (int i = 0; i < boot_info.n_reserved && n < max; i++)
        ex[n++] = (struct excluded){boot_info.reserved[i].base,
                                    boot_info.reserved[i].base + boot_info.reserved[i].size};
    return n;
}

/* A page-aligned gap of size bytes inside RAM that overlaps no excluded range. */
static uint64_t find_gap(uint64_t size)
{
    struct excluded ex[BOOT_MAX_RESERVED + 2];
    int n = excluded_ranges(ex, BOOT_MAX_RESERVED + 2);
    for (int m = 0; m < boot_info.n_mem; m++) {
        uint64_t lo = boot_info.mem[m].base, hi = lo + boot_info.mem[m].size;
        /* Candidate starts: the range's start and the end of every excluded range. */
        for (int c = -1; c < n; c++) {
            uint64_t s = ALIGN_UP(c < 0 ? lo : ex[c].end, PAGE_SIZE);
            if (s < lo || s + size > hi)
                continue;
            bool clash = false;
            for (int i = 0; i < n && !clash; i++)
                clash = s < ex[i].end && ex[i].start < s + size;
            if (!clash)
                return s;
        }
    }
    kpanic("mem: no %lu KiB gap for boot metadata", (unsigned long)(size >> 10));
}

static int ops_alloc(unsigned order, uint64_t *pfn)
{
    struct page *pg = buddy_alloc(&buddy, order);
    if (!pg)
        return -ENOMEM;
    buddy_split(&buddy, pg);
    *pfn = pfn_of(buddy_page_to_pa(&buddy, pg));
    return 0;
}

static void ops_free(uint64_t pfn)
{
    buddy_free(&buddy, buddy_pa_to_page(&buddy, pfn << PAGE_SHIFT));
}

/* Zeroes one frame through the linear map (normal cacheable memory) with DC ZVA, which
 * zeroes a whole block (DCZID_EL0.BS: 4 << BS bytes) per instruction; memset when the
 * instruction is prohibited (DCZID_EL0.DZP) or the block size is not a sensible one. */
static void ops_zero(uint64_t pfn)
{
    uint8_t *p = phys_to_virt(pfn << PAGE_SHIFT);
    uint64_t dczid = sysreg_read(dczid_el0);
    uint64_t block = 4UL << (dczid & 0xf);
    if ((dczid & 0x10) || block < 16 || block > PAGE_SIZE) {
        memset(p, 0, PAGE_SIZE);
        return;
    }
    for (uint8_t *end = p + PAGE_SIZE; p < end; p += block)
        __asm__ volatile("dc zva, %0" ::"r"(p) : "memory");
}

/* exo's small objects (grants) come from the slab allocator over the buddy. */
static void *ops_alloc_obj(size_t size)
{
    return kmalloc(size);
}

static void ops_free_obj(void *p)
{
    kfree(p);
}

static uint64_t linear_virt_to_phys(const void *va)
{
    return virt_to_phys(va);
}

static const struct frame_table_ops ft_ops = {ops_alloc, ops_free, ops_zero, ops_alloc_obj,
                                              ops_free_obj};

void mem_init(void)
{
    uint64_t lo = UINT64_MAX, hi = 0, meta = 0;
    for (int i = 0; i < boot_info.n_mem; i++) {
        const struct mem_range *r = &boot_info.mem[i];
        lo = MIN(lo, r->base);
        hi = MAX(hi, r->base + r->size);
        meta += ALIGN_UP(buddy_meta_bytes(r->size), 64);
    }
    uint64_t nframes = (hi - lo) >> PAGE_SHIFT;
    uint64_t need = ALIGN_UP(meta + nframes * sizeof(struct frame) + 64, PAGE_SIZE);
    struct bootmem bm;
    uint64_t gap = find_gap(need);
    bootmem_init(&bm, gap, gap + need);

    buddy_init(&buddy);
    for (int i = 0; i < boot_info.n_mem; i++) {
        const struct mem_range *r = &boot_info.mem[i];
        uint64_t pa;
        KASSERT(!bootmem_alloc(&bm, buddy_meta_bytes(r->size), 64, &pa));
        KASSERT(buddy_add_zone(&buddy, "ram", r->base, r->size, phys_to_virt(pa)) >= 0);
    }
    uint64_t frames_pa;
    KASSERT(!bootmem_alloc(&bm, nframes * sizeof(struct frame), 64, &frames_pa));

    struct excluded ex[BOOT_MAX_RESERVED + 2];
    int n = excluded_ranges(ex, BOOT_MAX_RESERVED + 2);
    for (int i = 0; i < n; i++)
        KASSERT(!buddy_reserve(&buddy, ex[i].start, ex[i].end - ex[i].start));
    KASSERT(!buddy_reserve(&buddy, gap, bootmem_used(&bm)));

    static struct buddy_slab_ctx slab_ctx;
    static struct slab_page_source slab_src;
    slab_ctx = (struct buddy_slab_ctx){&buddy, phys_to_virt, linear_virt_to_phys};
    buddy_slab_source(&slab_src, &slab_ctx);
    kmem_init(&slab_src);
    ft_init(&frame_table, lo >> PAGE_SHIFT, nframes, phys_to_virt(frames_pa), &ft_ops);
    struct buddy_stats st;
    buddy_stats(&buddy, &st);
    frame_table.free_count = st.free_pages;
}

void exo_mem_stats(struct exo_mem_stats *out)
{
    struct buddy_stats st;
    buddy_stats(&buddy, &st);
    out->total_frames = st.total_pages;
    out->free_frames = st.free_pages;
    out->ram_start = frame_table.base_pfn << PAGE_SHIFT;
    out->ram_end = (frame_table.base_pfn + frame_table.nframes) << PAGE_SHIFT;
}

/* Whether 2^order frames can go to an environment and leave EXO_FRAME_RESERVE free. */
static bool above_reserve(unsigned order)
{
    struct buddy_stats st;
    buddy_stats(&buddy, &st);
    return st.free_pages >= EXO_FRAME_RESERVE + (1UL << order);
}

int env_frame_alloc(envid_t env, unsigned order, uint64_t *pfn)
{
    return above_reserve(order) ? ft_alloc(&frame_table, env, order, pfn) : -ENOMEM;
}

static bool env_may_use(envid_t env)
{
    return env > 0;
}

int exo_frame_alloc(envid_t env, unsigned order, paddr_t *pa)
{
    uint64_t pfn;
    if (!env_may_use(env) || !env_exists(env))
        return -EINVAL;
    int err = env_frame_alloc(env, order, &pfn);
    if (err == -ENOMEM)
        err = reclaim_alloc(env, order, &pfn); /* visible revocation (reclaim.c) */
    if (!err)
        *pa = pfn << PAGE_SHIFT;
    return err;
}

int exo_frame_free(envid_t env, paddr_t pa)
{
    if (!IS_ALIGNED(pa, PAGE_SIZE))
        return -EINVAL;
    return ft_free(&frame_table, env, pa >> PAGE_SHIFT);
}

int exo_frame_grant(envid_t owner, paddr_t pa, envid_t grantee, unsigned rights)
{
    if (!IS_ALIGNED(pa, PAGE_SIZE) || !env_exists(grantee))
        return -EINVAL;
    return ft_grant(&frame_table, owner, pa >> PAGE_SHIFT, grantee, rights);
}

int exo_frame_revoke(envid_t owner, paddr_t pa, envid_t grantee)
{
    if (!IS_ALIGNED(pa, PAGE_SIZE))
        return -EINVAL;
    if (ft_rights(&frame_table, owner, pa >> PAGE_SHIFT) && env_exists(grantee))
        env_unmap_frame(grantee, pa);
    return ft_revoke(&frame_table, owner, pa >> PAGE_SHIFT, grantee);
}

int exo_frame_release(envid_t grantee, paddr_t pa)
{
    if (!IS_ALIGNED(pa, PAGE_SIZE))
        return -EINVAL;
    return ft_release(&frame_table, grantee, pa >> PAGE_SHIFT);
}

int exo_frame_adopt(envid_t env, paddr_t pa)
{
    return IS_ALIGNED(pa, PAGE_SIZE) ? ft_adopt(&frame_table, env, pa >> PAGE_SHIFT) : -EINVAL;
}

unsigned exo_frame_holders(envid_t env, paddr_t pa)
{
    return ft_holders(&frame_table, env, pa >> PAGE_SHIFT);
}

unsigned exo_frame_rights(envid_t env, paddr_t pa)
{
    return ft_rights(&frame_table, env, pa >> PAGE_SHIFT);
}

void *exo_frame_kva(envid_t env, paddr_t pa)
{
    uint64_t pfn = pa >> PAGE_SHIFT;
    bool held = ft_owns(&frame_table, env, pfn) || ft_rights(&frame_table, env, pfn) ||
                ft_parked_with(&frame_table, env, pfn); /* the first: the lock-free common case */
    return held ? phys_to_virt(pa & ~(PAGE_SIZE - 1)) : NULL;
}

/* exo's own frames (page tables): owned by ENV_EXO, never mappable at EL0. */
int exo_own_frame_alloc(uint64_t *pa)
{
    uint64_t pfn;
    int err = ft_alloc(&frame_table, ENV_EXO, 0, &pfn);
    if (!err)
        *pa = pfn << PAGE_SHIFT;
    return err;
}

void exo_own_frame_free(uint64_t pa)
{
    KASSERT(!ft_free(&frame_table, ENV_EXO, pa >> PAGE_SHIFT));
}
