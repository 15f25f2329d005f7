/* AArch64 system register values exo programs (usable from C and assembly). */
#ifndef EXO_ARCH_SYSREG_H
#define EXO_ARCH_SYSREG_H

/* Virtual layout: linear map of physical memory, then the kernel image at the top. */
#define LINEAR_BASE 0xffff000000000000
#define KIMAGE_VA   0xffffffff80000000

/*
 * Kernel stacks (boot, emergency and exo_kstack_alloc's) share one layout: 16 KiB in the
 * upper half of a 32 KiB-aligned window whose lower 16 KiB are left unmapped (the guard).
 * Every address inside a stack therefore has bit KSTACK_CHECK_BIT set and every address in
 * its guard has it clear, which is what the exception vectors test (vectors.S).
 */
#define KSTACK_SIZE       (16 * 1024)
#define KSTACK_GUARD_SIZE KSTACK_SIZE
#define KSTACK_WINDOW     (KSTACK_GUARD_SIZE + KSTACK_SIZE)
#define KSTACK_CHECK_BIT  14 /* log2(KSTACK_SIZE) */
/* Stacks from exo_kstack_alloc: a TTBR1 region of their own (level-0 entry 256, away from
 * the linear map at entry 0 and the image at 511), KSTACK_MAX windows of 32 KiB. */
#define KSTACK_BASE 0xffff800000000000
#define KSTACK_MAX  1024

/* Boot stacks: MAX_CPUS windows (boot-cpuN), then MAX_CPUS more for the per-CPU emergency
 * stacks the vectors switch to on an overflow (emergency-cpuN). In .bss.stacks. */
#define MAX_CPUS         8
#define BOOT_STACK_SIZE  KSTACK_SIZE
#define BOOT_STACK_SLOT  KSTACK_WINDOW
#define BOOT_STACK_SLOTS (2 * MAX_CPUS)

/* Offset in struct cpu_local (exo.h) of the emergency stack's top, for vectors.S. */
#define CPU_EMERGENCY_SP 32

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
