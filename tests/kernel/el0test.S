/*
 * A tiny EL0 program for exo's in-guest tests: no Linux ABI, it talks to the test driver
 * (exo/selftest.c) only through SVC, which ends exo_run with x0 as the result.
 * Entered with x0 = mode, x1/x2 = arguments.
 *   1 own pages:  fill the page at x1 with a pattern, read it back, return the sum
 *   2 load:       load from address x1 (to show the fault comes back to the caller)
 *   3 spin:       loop forever (the slice must end it)
 *   4 fp check:   load v0-v31 from seed x1, verify them x2 times; return 0, or 1+N for the
 *                 first register vN found changed
 *   5 fp clobber: load v0-v31 from seed x1 and spin
 *   6 store:      store to address x1
 */
    .text
    .globl _start
_start:
    cmp     x0, #1
    b.eq    own_pages
    cmp     x0, #2
    b.eq    load
    cmp     x0, #3
    b.eq    spin
    cmp     x0, #4
    b.eq    fp_check
    cmp     x0, #5
    b.eq    fp_clobber
    cmp     x0, #6
    b.eq    store
    mov     x0, #-1
    svc     #0

own_pages:
    mov     x2, #0                  /* index */
    mov     x3, #7                  /* pattern: 3 * i + 7 */
1:  str     x3, [x1, x2, lsl #3]
    add     x3, x3, #3
    add     x2, x2, #1
    cmp     x2, #512
    b.lo    1b
    mov     x0, #0
    mov     x2, #0
2:  ldr     x3, [x1, x2, lsl #3]
    add     x0, x0, x3
    add     x2, x2, #1
    cmp     x2, #512
    b.lo    2b
    svc     #0

load:
    ldr     x0, [x1]
    svc     #0

store:
    str     x0, [x1]
    svc     #0

spin:
    b       spin

fp_check:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    add     x3, x1, #\n
    dup     v\n\().2d, x3             /* vN = seed + N in both lanes */
    .endr
3:  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    add     x3, x1, #\n
    umov    x4, v\n\().d[0]
    umov    x5, v\n\().d[1]
    mov     x0, #(\n + 1)
    cmp     x4, x3
    b.ne    4f
    cmp     x5, x3
    b.ne    4f
    .endr
    subs    x2, x2, #1
    b.ne    3b
    mov     x0, #0
4:  svc     #0

fp_clobber:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    add     x3, x1, #\n
    dup     v\n\().2d, x3             /* vN = seed + N in both lanes */
    .endr
5:  b       5b
