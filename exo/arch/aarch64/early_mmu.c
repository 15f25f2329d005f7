/*
 * The first page tables, built with the MMU off. Everything here runs at the physical load
 * address, so it may only reach globals PC-relatively (which -mcmodel=small does) and must
 * not use pointers stored in data (they hold link-time virtual addresses). Built with
 * -mstrict-align: with the MMU off, memory is Device memory and unaligned accesses fault.
 *
 *   TTBR0: identity map of the 1 GiB block(s) holding the image, so mmu_on can return.
 *   TTBR1: the kernel image at KIMAGE_VA with 4 KiB pages and W^X (text RX, rodata R,
 *          data/bss RW, the 16 KiB guard below each boot stack unmapped), and an empty
 *          linear map table.
 */
#include <stdint.h>
#include <mm/pte.h>
#include "sysreg.h"
#include "early.h"

#define PGTABLE __attribute__((section(".bss.pgtables"), aligned(4096)))
#define KIMAGE_L3_TABLES 4 /* the image may be up to 8 MiB */

pte_t early_idmap_l0[PT_ENTRIES] PGTABLE;
pte_t early_idmap_l1[PT_ENTRIES] PGTABLE;
pte_t kernel_l0[PT_ENTRIES] PGTABLE;
pte_t linear_l1[PT_ENTRIES] PGTABLE;
static pte_t kimage_l1[PT_ENTRIES] PGTABLE;
static pte_t kimage_l2[PT_ENTRIES] PGTABLE;
static pte_t kimage_l3[KIMAGE_L3_TABLES][PT_ENTRIES] PGTABLE;

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];
extern char boot_stacks[], boot_stacks_end[];

static pte_t table_desc(void *table)
{
    return (uint64_t)table | PTE_TABLE;
}

/* Attributes of the image page at offset off: W^X by section, guard pages unmapped (0). */
static pte_t kimage_page_attrs(uint64_t off)
{
    char *p = __image_start + off;
    const pte_t common = PTE_PAGE | PTE_AF | PTE_SH_INNER | PTE_ATTRIDX(MT_NORMAL) | PTE_UXN;
    if (p < __text_end)
        return common | PTE_RDONLY;
    if (p < __rodata_end)
        return common | PTE_RDONLY | PTE_PXN;
    if (p >= boot_stacks && p < boot_stacks_end &&
        (uint64_t)(p - boot_stacks) % BOOT_STACK_SLOT < KSTACK_GUARD_SIZE)
        return 0; /* the lower half of each boot/emergency stack window */
    return common | PTE_PXN;
}

void early_map_kernel(uint64_t phys)
{
    uint64_t size = (uint64_t)(__image_end - __image_start);
    if (size > KIMAGE_L3_TABLES * PT_ENTRIES * 4096UL)
        for (;;) /* too big to map: hang before the MMU (no console yet) */
            ;

    /* Identity map, normal memory, executable at EL1. */
    early_idmap_l0[PT_INDEX(phys, 0)] = table_desc(early_idmap_l1);
    for (uint64_t gb = phys >> 30; gb <= (phys + size - 1) >> 30; gb++)
        early_idmap_l1[gb & 511] = (gb << 30) | PTE_BLOCK | PTE_AF | PTE_SH_INNER |
                                   PTE_ATTRIDX(MT_NORMAL) | PTE_UXN;

    /* Kernel image at KIMAGE_VA. */
    kernel_l0[PT_INDEX(KIMAGE_VA, 0)] = table_desc(kimage_l1);
    kimage_l1[PT_INDEX(KIMAGE_VA, 1)] = table_desc(kimage_l2);
    for (int t = 0; t < KIMAGE_L3_TABLES; t++)
        kimage_l2[PT_INDEX(KIMAGE_VA, 2) + t] = table_desc(kimage_l3[t]);
    for (uint64_t off = 0; off < size; off += 4096) {
        pte_t attrs = kimage_page_attrs(off);
        if (attrs)
            kimage_l3[off >> 21][(off >> 12) & 511] = (phys + off) | attrs;
    }

    /* The linear map's top table; exo_mmu_init fills it once memory is known. */
    kernel_l0[PT_INDEX(LINEAR_BASE, 0)] = table_desc(linear_l1);
}
