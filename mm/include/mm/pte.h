/*
 * AArch64 VMSAv8-64 stage-1 translation table descriptors, 4 KiB granule, 48-bit VAs
 * (levels 0-3). Hardware-free: only the bit layout (ARM ARM D8.3).
 */
#ifndef MM_PTE_H
#define MM_PTE_H
#include <stdint.h>

typedef uint64_t pte_t;

#define PTE_VALID     (1UL << 0)
#define PTE_TABLE     (3UL << 0) /* level 0-2: next-level table */
#define PTE_BLOCK     (1UL << 0) /* level 1-2: block */
#define PTE_PAGE      (3UL << 0) /* level 3: page */
#define PTE_TYPE_MASK (3UL << 0)
#define PTE_ATTRIDX(i) ((uint64_t)(i) << 2) /* MAIR index */
#define PTE_ATTRIDX_MASK (7UL << 2)
#define PTE_USER      (1UL << 6)  /* AP[1]: EL0 may access */
#define PTE_RDONLY    (1UL << 7)  /* AP[2]: read-only */
#define PTE_SH_INNER  (3UL << 8)
#define PTE_AF        (1UL << 10) /* access flag */
#define PTE_NG        (1UL << 11) /* not global: tagged with the ASID */
#define PTE_PXN       (1UL << 53) /* EL1 may not execute */
#define PTE_UXN       (1UL << 54) /* EL0 may not execute */
#define PTE_SW_SHIFT  55          /* bits 55-58 are ignored by hardware: software use */
#define PTE_ADDR_MASK 0x0000fffffffff000UL

#define PT_ENTRIES    512
#define PT_LEVEL_SHIFT(level) (39 - 9 * (level)) /* VA bits translated by one entry */
#define PT_INDEX(va, level) (((va) >> PT_LEVEL_SHIFT(level)) & (PT_ENTRIES - 1))

static inline uint64_t pte_addr(pte_t pte)
{
    return pte & PTE_ADDR_MASK;
}

static inline int pte_is_valid(pte_t pte)
{
    return (pte & PTE_VALID) != 0;
}

#endif
