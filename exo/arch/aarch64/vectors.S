/*
 * Exception vectors. Exceptions taken from EL1 save a struct trapframe on the current stack
 * and call exo_trap_el1(tf, kind). Synchronous exceptions and IRQs from EL0 end the
 * current exo_run (run.S); FIQ/SError from EL0 and anything from AArch32 are unexpected.
 *
 * Stack overflow check. Every kernel stack is 16 KiB in the upper half of a 32 KiB-aligned
 * window whose lower half is unmapped (sysreg.h), so an address is inside a stack iff
 * bit KSTACK_CHECK_BIT is set. Before pushing the frame, each EL1 slot stashes x0 in SP_EL0
 * (scratch at EL1: only el0_run/el0_trap use it, around EL0 runs), tests SP - TF_SIZE and
 * restores x0. If the frame would not fit, pushing it would fault again and again on the
 * guard, so the slot switches to this CPU's emergency stack (cpu_local.emergency_sp,
 * itself laid out the same way), saves a trapframe there and calls
 * exo_kstack_overflow(tf, kind), which reports the stack by name and panics.
 *
 * The EL0 sync/IRQ slots do not check: there SP_EL0 holds EL0's stack pointer (no scratch
 * register to spare), and they push only 16 bytes below the frame el0_run has just written
 * on the same stack. Should even that reach the guard, the store faults at EL1 and the
 * EL1h sync slot's check reports the overflow.
 */
#include "sysreg.h"
#include "trapframe.h"

    /* One EL1 vector slot: check the stack, make room for the frame, note the kind, go to
     * the common path; on overflow move to the emergency stack (19 instructions of 32). */
    .macro vslot kind
    .balign 128
    msr     sp_el0, x0                  /* stash x0 */
    sub     x0, sp, #TF_SIZE
    tbz     x0, #KSTACK_CHECK_BIT, 1f   /* the frame would reach the guard */
    mrs     x0, sp_el0
    sub     sp, sp, #TF_SIZE
    stp     x0, x1, [sp, #16 * 0]
    mov     x1, #\kind
    b       el1_common
1:  mrs     x0, tpidr_el1
    ldr     x0, [x0, #CPU_EMERGENCY_SP]
    add     sp, sp, x0                  /* swap SP and x0 without a scratch register */
    sub     x0, sp, x0
    sub     sp, sp, x0                  /* SP = emergency stack top, x0 = faulting SP */
    sub     sp, sp, #TF_SIZE
    str     x0, [sp, #TF_SP]
    str     x1, [sp, #8 * 1]
    mov     x1, #\kind
    b       el1_overflow
    .endm

    /* From EL0: SP is the kernel stack el0_run left; free x0/x1 and go to run.S. */
    .macro el0slot kind
    .balign 128
    stp     x0, x1, [sp, #-16]!
    mov     x1, #\kind
    b       el0_trap
    .endm

    /* Stores x2-x29 into the trapframe at SP (x0/x1 and x30 are the caller's business). */
    .macro save_x2_x29
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
    save_x2_x29
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

/* On the emergency stack with the trapframe's x1 and SP saved and x1 = kind, x0 of the
 * interrupted code in SP_EL0: saves the rest and reports. Never returns. */
el1_overflow:
    save_x2_x29
    str     x30, [sp, #TF_X30]
    mrs     x2, sp_el0
    str     x2, [sp, #8 * 0]
    mrs     x22, elr_el1
    mrs     x23, spsr_el1
    stp     x22, x23, [sp, #TF_ELR]
    mrs     x24, esr_el1
    mrs     x25, far_el1
    stp     x24, x25, [sp, #TF_ESR]
    mov     x0, sp
    mov     x29, #0                     /* the report's backtrace starts from the frame */
    bl      exo_kstack_overflow
    b       .
