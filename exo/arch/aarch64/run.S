/*
 * Entering and leaving EL0. el0_run(ctx) saves the kernel's callee-saved registers on the
 * kernel stack, records that stack and ctx in the per-CPU area, loads every EL0 register
 * from ctx (general, SP_EL0, PC, PSTATE, TPIDR_EL0, FP/SIMD) and ERETs. When EL0 traps
 * (vectors.S jumps to el0_trap with x1 = the trap kind), every register goes back into
 * ctx, ESR/FAR go to the per-CPU area, and el0_run returns the kind to its caller, with
 * interrupts masked.
 */
#include "trapframe.h"

#define CTX_SP     (8 * 31)
#define CTX_PC     (8 * 32)
#define CTX_PSTATE (8 * 33)
#define CTX_TPIDR  (8 * 34)
#define CTX_FPSR   (8 * 35)
#define CTX_FPCR   (8 * 35 + 4)
#define CTX_V      (8 * 36)

#define CPU_RUN_SP   0
#define CPU_RUN_CTX  8
#define CPU_TRAP_ESR 16
#define CPU_TRAP_FAR 24

    .text
    .globl el0_run
el0_run:
    stp     x29, x30, [sp, #-96]!
    mov     x29, sp
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    mrs     x9, tpidr_el1
    mov     x10, sp
    stp     x10, x0, [x9, #CPU_RUN_SP]

    add     x10, x0, #CTX_V
    ldp     q0, q1, [x10, #32 * 0]
    ldp     q2, q3, [x10, #32 * 1]
    ldp     q4, q5, [x10, #32 * 2]
    ldp     q6, q7, [x10, #32 * 3]
    ldp     q8, q9, [x10, #32 * 4]
    ldp     q10, q11, [x10, #32 * 5]
    ldp     q12, q13, [x10, #32 * 6]
    ldp     q14, q15, [x10, #32 * 7]
    ldp     q16, q17, [x10, #32 * 8]
    ldp     q18, q19, [x10, #32 * 9]
    ldp     q20, q21, [x10, #32 * 10]
    ldp     q22, q23, [x10, #32 * 11]
    ldp     q24, q25, [x10, #32 * 12]
    ldp     q26, q27, [x10, #32 * 13]
    ldp     q28, q29, [x10, #32 * 14]
    ldp     q30, q31, [x10, #32 * 15]
    ldr     w10, [x0, #CTX_FPSR]
    msr     fpsr, x10
    ldr     w10, [x0, #CTX_FPCR]
    msr     fpcr, x10
    ldp     x10, x11, [x0, #CTX_SP]     /* sp, pc */
    msr     sp_el0, x10
    msr     elr_el1, x11
    ldp     x10, x11, [x0, #CTX_PSTATE] /* pstate, tpidr */
    msr     spsr_el1, x10
    msr     tpidr_el0, x11

    ldp     x2, x3, [x0, #16 * 1]
    ldp     x4, x5, [x0, #16 * 2]
    ldp     x6, x7, [x0, #16 * 3]
    ldp     x8, x9, [x0, #16 * 4]
    ldp     x10, x11, [x0, #16 * 5]
    ldp     x12, x13, [x0, #16 * 6]
    ldp     x14, x15, [x0, #16 * 7]
    ldp     x16, x17, [x0, #16 * 8]
    ldp     x18, x19, [x0, #16 * 9]
    ldp     x20, x21, [x0, #16 * 10]
    ldp     x22, x23, [x0, #16 * 11]
    ldp     x24, x25, [x0, #16 * 12]
    ldp     x26, x27, [x0, #16 * 13]
    ldp     x28, x29, [x0, #16 * 14]
    ldr     x30, [x0, #8 * 30]
    ldp     x0, x1, [x0, #16 * 0]
    eret

/* From the EL0 vector slots: x0 and x1 of EL0 are at [sp], x1 = trap kind. */
    .globl el0_trap
el0_trap:
    mrs     x0, tpidr_el1
    ldr     x0, [x0, #CPU_RUN_CTX]
    stp     x2, x3, [x0, #16 * 1]
    stp     x4, x5, [x0, #16 * 2]
    stp     x6, x7, [x0, #16 * 3]
    stp     x8, x9, [x0, #16 * 4]
    stp     x10, x11, [x0, #16 * 5]
    stp     x12, x13, [x0, #16 * 6]
    stp     x14, x15, [x0, #16 * 7]
    stp     x16, x17, [x0, #16 * 8]
    stp     x18, x19, [x0, #16 * 9]
    stp     x20, x21, [x0, #16 * 10]
    stp     x22, x23, [x0, #16 * 11]
    stp     x24, x25, [x0, #16 * 12]
    stp     x26, x27, [x0, #16 * 13]
    stp     x28, x29, [x0, #16 * 14]
    str     x30, [x0, #8 * 30]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #16 * 0]
    mrs     x2, sp_el0
    mrs     x3, elr_el1
    stp     x2, x3, [x0, #CTX_SP]
    mrs     x2, spsr_el1
    mrs     x3, tpidr_el0
    stp     x2, x3, [x0, #CTX_PSTATE]
    mrs     x2, fpsr
    str     w2, [x0, #CTX_FPSR]
    mrs     x2, fpcr
    str     w2, [x0, #CTX_FPCR]
    add     x2, x0, #CTX_V
    stp     q0, q1, [x2, #32 * 0]
    stp     q2, q3, [x2, #32 * 1]
    stp     q4, q5, [x2, #32 * 2]
    stp     q6, q7, [x2, #32 * 3]
    stp     q8, q9, [x2, #32 * 4]
    stp     q10, q11, [x2, #32 * 5]
    stp     q12, q13, [x2, #32 * 6]
    stp     q14, q15, [x2, #32 * 7]
    stp     q16, q17, [x2, #32 * 8]
    stp     q18, q19, [x2, #32 * 9]
    stp     q20, q21, [x2, #32 * 10]
    stp     q22, q23, [x2, #32 * 11]
    stp     q24, q25, [x2, #32 * 12]
    stp     q26, q27, [x2, #32 * 13]
    stp     q28, q29, [x2, #32 * 14]
    stp     q30, q31, [x2, #32 * 15]
    mrs     x9, tpidr_el1
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [x9, #CPU_TRAP_ESR]
    mov     x0, x1
    ldp     x19, x20, [sp, #16]
    ldp     x21, x22, [sp, #32]
    ldp     x23, x24, [sp, #48]
    ldp     x25, x26, [sp, #64]
    ldp     x27, x28, [sp, #80]
    ldp     x29, x30, [sp], #96
    ret
