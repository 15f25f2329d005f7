/* AArch64 system register values exo programs (usable from C and assembly). */
#ifndef EXO_ARCH_SYSREG_H
#define EXO_ARCH_SYSREG_H

/* Virtual layout: linear map of physical memory, then the kernel image at the top. */
#define LINEAR_BASE 0xffff000000000000
#define KIMAGE_VA   0xffffffff80000000

/* Boot stacks: one slot per CPU, a guard page (left unmapped) then the stack. */
#define MAX_CPUS         8
#define BOOT_STACK_SIZE  (16 * 1024)
#define BOOT_STACK_SLOT  (BOOT_STACK_SIZE + 4096)

/* MAIR_EL1 attribute indexes. */
#define MT_DEVICE_nGnRnE 0
#define MT_NORMAL        1
#define MT_NORMAL_NC     2
#define MT_DEVICE_nGnRE  3
#define MAIR_VALUE       0x0000000004440ff00

/* TCR_EL1: 48-bit VAs both halves, 4 KiB granule, inner-shareable write-back walks, 16-bit
 * ASIDs taken from TTBR0. IPS is filled in from ID_AA64MMFR0_EL1 at boot. */
#define TCR_VALUE 0x10B5103510

/* SCTLR_EL1: MMU, caches, stack alignment checks, EL0 cache ops / CTR / DC ZVA, WFI/WFE
 * not trapped, plus the RES1 bits. */
#define SCTLR_EL1_RES1  ((1 << 11) | (1 << 20) | (1 << 22) | (1 << 23) | (1 << 28) | (1 << 29))
#define SCTLR_EL1_VALUE (SCTLR_EL1_RES1 | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) |           \
                         (1 << 12) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 18) | (1 << 26))

/* SPSR for entering EL1h with all of DAIF masked, and EL0t with interrupts enabled. */
#define SPSR_EL1H_MASKED 0x3c5
#define SPSR_EL0T        0x0

#define CURRENTEL_EL2 (2 << 2)

#endif
