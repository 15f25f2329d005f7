/* Boot-time entry points shared between boot.S, early_mmu.c and the rest of exo. */
#ifndef EXO_ARCH_EARLY_H
#define EXO_ARCH_EARLY_H
#include <stdint.h>
#include <mm/pte.h>

void early_map_kernel(uint64_t phys);
extern pte_t kernel_l0[], linear_l1[], early_idmap_l0[];
extern char boot_stacks[], boot_stacks_end[];
extern char exception_vectors[];
void secondary_entry(void);

#endif
