/*
 * Exception vectors. Exceptions taken from EL1 save a struct trapframe on the current stack
 * and call exo_trap_el1(tf, kind). Synchronous exceptions and IRQs from EL0 end the
 * current exo_run (run.S); FIQ/SError from EL0 and anything from AArch32 are unexpected.
 */
#include "trapframe.h"

    /* One vector slot: make room for the frame, note the kind, go to the common path. */
    .macro vslot kind
    .balign 128
    sub     sp, sp, #TF_SIZE
    stp     x0, x1, [sp, #16 * 0]
    mov     x1, #\kind
    b       el1_common
    .endm

    /* From EL0: SP is the kernel stack el0_run left; free x0/x1 and go to run.S. */
    .macro el0slot kind
    .balign 128
    stp     x0, x1, [sp, #-16]!
    mov     x1, #\kind
    b       el0_trap
    .endm

    .section .text.vectors, "ax"
    .balign 2048
    .globl exception_vectors
exception_vectors:
    vslot   TRAP_EL1T_SYNC
    vslot   TRAP_EL1T_IRQ
    vslot   TRAP_EL1T_FIQ
    vslot   TRAP_EL1T_SERROR
    vslot   TRAP_EL1H_SYNC
    vslot   TRAP_EL1H_IRQ
    vslot   TRAP_EL1H_FIQ
    vslot   TRAP_EL1H_SERROR
    el0slot TRAP_EL0_SYNC
    el0slot TRAP_EL0_IRQ
    vslot   TRAP_EL0_FIQ
    vslot   TRAP_EL0_SERROR
    vslot   TRAP_EL0_32
    vslot   TRAP_EL0_32
    vslot   TRAP_EL0_32
    vslot   TRAP_EL0_32

/* Saves the rest of the trapframe, calls exo_trap_el1(tf, kind), restores, returns. */
el1_common:
    stp     x2, x3, [sp, #16 * 1]
    stp     x4, x5, [sp, #16 * 2]
    stp     x6, x7, [sp, #16 * 3]
    stp     x8, x9, [sp, #16 * 4]
    stp     x10, x11, [sp, #16 * 5]
    stp     x12, x13, [sp, #16 * 6]
    stp     x14, x15, [sp, #16 * 7]
    stp     x16, x17, [sp, #16 * 8]
    stp     x18, x19, [sp, #16 * 9]
    stp     x20, x21, [sp, #16 * 10]
    stp     x22, x23, [sp, #16 * 11]
    stp     x24, x25, [sp, #16 * 12]
    stp     x26, x27, [sp, #16 * 13]
    stp     x28, x29, [sp, #16 * 14]
    add     x21, sp, #TF_SIZE
    stp     x30, x21, [sp, #TF_X30]
    mrs     x22, elr_el1
    mrs     x23, spsr_el1
    stp     x22, x23, [sp, #TF_ELR]
    mrs     x24, esr_el1
    mrs     x25, far_el1
    stp     x24, x25, [sp, #TF_ESR]
    mov     x0, sp
    bl      exo_trap_el1
    ldp     x22, x23, [sp, #TF_ELR]
    msr     elr_el1, x22
    msr     spsr_el1, x23
    ldp     x0, x1, [sp, #16 * 0]
    ldp     x2, x3, [sp, #16 * 1]
    ldp     x4, x5, [sp, #16 * 2]
    ldp     x6, x7, [sp, #16 * 3]
    ldp     x8, x9, [sp, #16 * 4]
    ldp     x10, x11, [sp, #16 * 5]
    ldp     x12, x13, [sp, #16 * 6]
    ldp     x14, x15, [sp, #16 * 7]
    ldp     x16, x17, [sp, #16 * 8]
    ldp     x18, x19, [sp, #16 * 9]
    ldp     x20, x21, [sp, #16 * 10]
    ldp     x22, x23, [sp, #16 * 11]
    ldp     x24, x25, [sp, #16 * 12]
    ldp     x26, x27, [sp, #16 * 13]
    ldp     x28, x29, [sp, #16 * 14]
    ldr     x30, [sp, #TF_X30]
    add     sp, sp, #TF_SIZE
    eret
