/* futex(2) operations and the robust-futex list registered by set_robust_list. */
#ifndef LIBOS_ABI_FUTEX_H
#define LIBOS_ABI_FUTEX_H
#include <stdint.h>

#define LINUX_FUTEX_WAIT             0
#define LINUX_FUTEX_WAKE             1
#define LINUX_FUTEX_FD               2
#define LINUX_FUTEX_REQUEUE          3
#define LINUX_FUTEX_CMP_REQUEUE      4
#define LINUX_FUTEX_WAKE_OP          5
#define LINUX_FUTEX_LOCK_PI          6
#define LINUX_FUTEX_UNLOCK_PI        7
#define LINUX_FUTEX_TRYLOCK_PI       8
#define LINUX_FUTEX_WAIT_BITSET      9
#define LINUX_FUTEX_WAKE_BITSET      10
#define LINUX_FUTEX_WAIT_REQUEUE_PI  11
#define LINUX_FUTEX_CMP_REQUEUE_PI   12
#define LINUX_FUTEX_LOCK_PI2         13
#define LINUX_FUTEX_PRIVATE_FLAG     128
#define LINUX_FUTEX_CLOCK_REALTIME   256
#define LINUX_FUTEX_CMD_MASK         (~(LINUX_FUTEX_PRIVATE_FLAG | LINUX_FUTEX_CLOCK_REALTIME))
#define LINUX_FUTEX_WAIT_PRIVATE     (LINUX_FUTEX_WAIT | LINUX_FUTEX_PRIVATE_FLAG)
#define LINUX_FUTEX_WAKE_PRIVATE     (LINUX_FUTEX_WAKE | LINUX_FUTEX_PRIVATE_FLAG)
#define LINUX_FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* FUTEX_WAKE_OP encoding: op(4) cmp(4) oparg(12) cmparg(12). */
#define LINUX_FUTEX_OP_SET         0
#define LINUX_FUTEX_OP_ADD         1
#define LINUX_FUTEX_OP_OR          2
#define LINUX_FUTEX_OP_ANDN        3
#define LINUX_FUTEX_OP_XOR         4
#define LINUX_FUTEX_OP_OPARG_SHIFT 8
#define LINUX_FUTEX_OP_CMP_EQ      0
#define LINUX_FUTEX_OP_CMP_NE      1
#define LINUX_FUTEX_OP_CMP_LT      2
#define LINUX_FUTEX_OP_CMP_LE      3
#define LINUX_FUTEX_OP_CMP_GT      4
#define LINUX_FUTEX_OP_CMP_GE      5

/* Futex word bits for PI and robust futexes. */
#define LINUX_FUTEX_WAITERS    0x80000000u
#define LINUX_FUTEX_OWNER_DIED 0x40000000u
#define LINUX_FUTEX_TID_MASK   0x3fffffffu

/* Robust list (user memory; pointers kept as user addresses). */
struct linux_robust_list {
    uint64_t next;
};
struct linux_robust_list_head {
    struct linux_robust_list list; /* circular, back to &head->list */
    int64_t futex_offset;          /* from a list entry to its futex word */
    uint64_t list_op_pending;      /* entry being taken or released, or 0 */
};
#define LINUX_ROBUST_LIST_LIMIT 2048

struct linux_futex_waitv {
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t __reserved;
};

#endif
