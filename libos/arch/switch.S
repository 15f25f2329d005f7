/*
 * Kernel context switch between tasks' kernel stacks (no privileged state: only the
 * callee-saved registers and SP change).
 *   void kctx_switch(struct kctx *save, struct kctx *load)
 * A new task's kctx has lr = kctx_entry, x19 = its struct task, sp = its stack top.
 */
    .text
    .globl kctx_switch
kctx_switch:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x9, sp
    str     x9, [x0, #96]
    ldp     x19, x20, [x1, #0]
    ldp     x21, x22, [x1, #16]
    ldp     x23, x24, [x1, #32]
    ldp     x25, x26, [x1, #48]
    ldp     x27, x28, [x1, #64]
    ldp     x29, x30, [x1, #80]
    ldr     x9, [x1, #96]
    mov     sp, x9
    ret

    .globl kctx_entry
kctx_entry:
    mov     x29, #0
    mov     x0, x19
    bl      task_first_run
    b       .
