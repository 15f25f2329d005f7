/*
 * Entry from the boot loader (QEMU), Linux arm64 boot protocol: MMU off, x0 = DTB physical
 * address, at EL2 or EL1. Drops to EL1, zeroes .bss, builds the early page tables in C
 * (early_mmu.c, still at physical addresses), turns the MMU on and jumps to the kernel's
 * link address. Secondary CPUs enter at secondary_entry (PSCI CPU_ON) with x0 = their index.
 */
#include "sysreg.h"

    .section .text.head, "ax"
    .globl _start
_start:
    /* Image header (Documentation/arch/arm64/booting.rst). */
    b       primary_entry
    .long   0
    .quad   0                   /* text_offset */
    .quad   __image_size        /* effective size, including .bss */
    .quad   0xa                 /* little-endian, 4K pages, anywhere in RAM */
    .quad   0, 0, 0
    .ascii  "ARM\x64"
    .long   0

    .text
primary_entry:
    mov     x19, x0                     /* DTB physical address */
    bl      drop_to_el1
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:  mov     x0, #0
    bl      boot_stack_phys
    mov     sp, x0
    adrp    x0, __image_start
    add     x0, x0, :lo12:__image_start
    mov     x20, x0                     /* physical load address */
    bl      early_map_kernel
    bl      mmu_on
    ldr     x0, =primary_high
    br      x0

primary_high:
    mov     x0, #0
    bl      boot_stack_virt
    mov     sp, x0
    mov     x0, #0
    bl      cpu_common_init
    mov     x0, #0
    bl      set_emergency_stack
    mov     x0, x19
    mov     x1, x20
    bl      exo_main
    b       .

/* PSCI CPU_ON entry point; x0 = CPU index (context_id). */
    .globl secondary_entry
secondary_entry:
    mov     x19, x0
    bl      drop_to_el1
    mov     x0, x19
    bl      boot_stack_phys
    mov     sp, x0
    bl      mmu_on
    ldr     x0, =secondary_high
    br      x0

secondary_high:
    mov     x0, x19
    bl      boot_stack_virt
    mov     sp, x0
    mov     x0, x19
    bl      cpu_common_init
    mov     x0, x19
    bl      set_emergency_stack
    mov     x0, x19
    bl      exo_secondary_main
    b       .

/* x0 = CPU index -> x0 = top of its boot stack (physical, before the MMU). */
boot_stack_phys:
    adrp    x1, boot_stacks
    add     x1, x1, :lo12:boot_stacks
    b       stack_top
/* x0 = CPU index -> x0 = top of its boot stack (virtual). */
boot_stack_virt:
    ldr     x1, =boot_stacks
stack_top:
    mov     x2, #BOOT_STACK_SLOT
    madd    x0, x0, x2, x2
    add     x0, x0, x1
    ret

/* x0 = CPU index: records the top of its emergency stack (window MAX_CPUS + index) in its
 * struct cpu_local, where the vectors find it on a stack overflow. After cpu_common_init. */
set_emergency_stack:
    mov     x3, x30
    add     x0, x0, #MAX_CPUS
    bl      boot_stack_virt
    mrs     x1, tpidr_el1
    str     x0, [x1, #CPU_EMERGENCY_SP]
    ret     x3

/* Leaves EL2 for EL1 if entered at EL2: EL1 is AArch64, gets the timers, the GICv3 system
 * registers and FP/SIMD untrapped. Returns at EL1 with DAIF masked. */
drop_to_el1:
    mrs     x0, CurrentEL
    cmp     x0, #CURRENTEL_EL2
    b.ne    1f
    mov     x0, #(1 << 31)              /* HCR_EL2.RW: EL1 is AArch64 */
    msr     hcr_el2, x0
    mov     x0, #3                      /* CNTHCTL_EL2: EL1PCTEN | EL1PCEN */
    msr     cnthctl_el2, x0
    msr     cntvoff_el2, xzr
    mrs     x0, id_aa64pfr0_el1
    ubfx    x0, x0, #24, #4             /* GIC system register interface present? */
    cbz     x0, 2f
    mrs     x0, S3_4_C12_C9_5           /* ICC_SRE_EL2: SRE | Enable (EL1 may use SRE) */
    mov     x1, #0x9
    orr     x0, x0, x1
    msr     S3_4_C12_C9_5, x0
    isb
2:  mov     x0, #0x33ff                 /* CPTR_EL2: RES1 bits only, no FP/SIMD traps */
    msr     cptr_el2, x0
    msr     hstr_el2, xzr
    mrs     x0, midr_el1
    msr     vpidr_el2, x0
    mrs     x0, mpidr_el1
    msr     vmpidr_el2, x0
    msr     vttbr_el2, xzr
    ldr     x0, =SCTLR_EL1_RES1
    msr     sctlr_el1, x0
    mov     x0, #SPSR_EL1H_MASKED
    msr     spsr_el2, x0
    msr     elr_el2, x30
    eret
1:  msr     daifset, #0xf
    ret

/* Loads MAIR/TCR/TTBRs from the early tables and enables the MMU and caches. Runs from
 * the identity map; returns to a physical address that the identity map still covers. */
mmu_on:
    ldr     x0, =MAIR_VALUE
    msr     mair_el1, x0
    ldr     x0, =TCR_VALUE
    mrs     x1, id_aa64mmfr0_el1
    bfi     x0, x1, #32, #3             /* IPS = PARange */
    msr     tcr_el1, x0
    adrp    x0, early_idmap_l0
    msr     ttbr0_el1, x0
    adrp    x0, kernel_l0
    msr     ttbr1_el1, x0
    mov     x0, #(3 << 20)              /* CPACR_EL1.FPEN: no FP/SIMD traps */
    msr     cpacr_el1, x0
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    ldr     x0, =SCTLR_EL1_VALUE
    msr     sctlr_el1, x0
    isb
    ret

    /* Each 32 KiB window: an unmapped 16 KiB guard (early_mmu.c), then the stack. */
    .section .bss.stacks, "aw", %nobits
    .balign BOOT_STACK_SLOT
    .globl boot_stacks
boot_stacks:
    .space  BOOT_STACK_SLOT * BOOT_STACK_SLOTS
    .globl boot_stacks_end
boot_stacks_end:
