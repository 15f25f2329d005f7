/*
 * The kernel half of the address space after boot: the linear map of RAM (normal memory,
 * never executable) and device mappings (nGnRE), both in 2 MiB blocks below LINEAR_BASE's
 * top-level entry. Tables come from a small static pool; user address spaces are
 * elsewhere (TTBR0).
 */
#include <string.h>
#include <lib/kassert.h>
#include <mm/pte.h>
#include "exo.h"
#include "arch/aarch64/early.h"

#define L2_POOL 16
#define SZ_2M   (2UL << 20)

uint64_t kimage_phys;
static pte_t l2_pool[L2_POOL][PT_ENTRIES] __aligned(4096);
static int l2_used;
extern char __image_start[], __image_end[];

/* Kernel VA of a page-table page: pool tables live in the image, reachable before the
 * linear map exists. */
static pte_t *table_va(uint64_t pa)
{
    if (pa >= kimage_phys && pa < kimage_phys + (uint64_t)(__image_end - __image_start))
        return (pte_t *)(pa - kimage_phys + KIMAGE_VA);
    return phys_to_virt(pa);
}

uint64_t virt_to_phys(const void *va)
{
    uint64_t v = (uint64_t)va;
    if (v >= KIMAGE_VA)
        return v - KIMAGE_VA + kimage_phys;
    KASSERT(v >= LINEAR_BASE);
    return v - LINEAR_BASE;
}

void *phys_to_virt(uint64_t pa)
{
    return (void *)(pa + LINEAR_BASE);
}

/* The L2 table covering linear VA va, made on first use. */
static pte_t *linear_l2(uint64_t va)
{
    pte_t *l1e = &linear_l1[PT_INDEX(va, 1)];
    if (!pte_is_valid(*l1e)) {
        KASSERT(l2_used < L2_POOL);
        pte_t *t = l2_pool[l2_used++];
        memset(t, 0, 4096);
        dsb(ishst);
        *l1e = virt_to_phys(t) | PTE_TABLE;
        dsb(ishst);
    }
    return table_va(pte_addr(*l1e));
}

static void map_2m_blocks(uint64_t pa, uint64_t size, pte_t attrs)
{
    uint64_t start = ALIGN_DOWN(pa, SZ_2M), end = ALIGN_UP(pa + size, SZ_2M);
    for (uint64_t p = start; p < end; p += SZ_2M) {
        uint64_t va = p + LINEAR_BASE;
        pte_t *l2 = linear_l2(va);
        pte_t want = p | attrs;
        pte_t *e = &l2[PT_INDEX(va, 2)];
        KASSERT(!pte_is_valid(*e) || *e == want);
        *e = want;
    }
    dsb(ishst);
    isb();
}

void mmu_map_linear(uint64_t pa, uint64_t size)
{
    map_2m_blocks(pa, size,
                  PTE_BLOCK | PTE_AF | PTE_SH_INNER | PTE_ATTRIDX(MT_NORMAL) | PTE_PXN | PTE_UXN);
}

void *ioremap(uint64_t pa, size_t size)
{
    map_2m_blocks(pa, size, PTE_BLOCK | PTE_AF | PTE_ATTRIDX(MT_DEVICE_nGnRE) | PTE_PXN | PTE_UXN);
    return phys_to_virt(pa);
}
