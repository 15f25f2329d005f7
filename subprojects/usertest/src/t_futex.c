/* futex/: the raw futex(2) operations.
 *
 * To know that a thread is really blocked in the kernel (not just about to be), waiters
 * block on a "staging" word and the test moves them with FUTEX_CMP_REQUEUE (wake 0,
 * requeue all) to the word under test: the return value counts exactly the blocked
 * waiters, without waking any. */
#define _GNU_SOURCE
#include "ut.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t *uaddr, int op, uint32_t val, long val2_or_timeout, uint32_t *uaddr2,
                  uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, val2_or_timeout, uaddr2, val3);
}

static long wake(uint32_t *f, int n)
{
    return futex(f, FUTEX_WAKE_PRIVATE, n, 0, NULL, 0);
}

struct waiter {
    pthread_t thread;
    uint32_t *addr;
    int op;
    uint32_t bitset;
    long ret;
    int err;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    errno = 0;
    w->ret = futex(w->addr, w->op, *w->addr, 0, NULL, w->bitset);
    w->err = errno;
    return NULL;
}

static void spawn(struct waiter *w, uint32_t *addr, int op, uint32_t bitset)
{
    w->addr = addr;
    w->op = op;
    w->bitset = bitset;
    w->ret = -2;
    int e = pthread_create(&w->thread, NULL, waiter_main, w);
    if (e)
        FAIL("pthread_create: %s", strerror(e));
}

/* Join a waiter that must have returned 0 (woken). */
static void reap(struct waiter *w)
{
    pthread_join(w->thread, NULL);
    if (w->ret != 0)
        FAIL("waiter returned %ld (%s), expected 0", w->ret, ut_errname(w->err));
}

/* Move n waiters blocked on staging to target (fails after 5 s). */
static void requeue_waiters(uint32_t *staging, uint32_t *target, int n)
{
    int moved = 0;
    int64_t deadline = ut_now_ns() + 5000000000LL;
    while (moved < n) {
        long r = futex(staging, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT_MAX, target, *staging);
        if (r < 0)
            FAIL("FUTEX_CMP_REQUEUE: %s", strerror(errno));
        moved += r;
        if (moved > n)
            FAIL("requeued %d waiters, expected %d", moved, n);
        if (moved < n) {
            if (ut_now_ns() > deadline)
                FAIL("only %d of %d waiters blocked after 5 s", moved, n);
            ut_sleep_ms(1);
        }
    }
}

static void wait_value_mismatch(void)
{
    uint32_t f = 1;
    CHECK_ERR(futex(&f, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0), EAGAIN);
    CHECK_ERR(futex(&f, FUTEX_WAIT, 2, 0, NULL, 0), EAGAIN);
    CHECK_EQ(wake(&f, 1), 0); /* nobody waiting */
}

static void wait_timeout(void)
{
    uint32_t f = 0;
    struct timespec ts = {0, 50000000};
    int64_t t0 = ut_now_ns();
    CHECK_ERR(futex(&f, FUTEX_WAIT_PRIVATE, 0, (long)&ts, NULL, 0), ETIMEDOUT);
    int64_t dt = ut_now_ns() - t0;
    CHECK_CMP(dt, >=, 50000000);
    CHECK_CMP(dt, <, 5000000000LL);
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(futex(&f, FUTEX_WAIT_PRIVATE, 0, (long)&bad, NULL, 0), EINVAL);
}

static void wait_wake(void)
{
    uint32_t f = 0;
    struct waiter w;
    spawn(&w, &f, FUTEX_WAIT_PRIVATE, 0);
    /* Keep waking until the wake finds the waiter blocked; it then returns 0. */
    int64_t deadline = ut_now_ns() + 5000000000LL;
    long n;
    while ((n = wake(&f, 1)) == 0 && ut_now_ns() < deadline)
        ut_sleep_ms(1);
    CHECK_EQ(n, 1);
    reap(&w);
}

static void wake_counts(void)
{
    uint32_t staging = 0, f = 0;
    struct waiter w[3];
    for (int i = 0; i < 3; i++)
        spawn(&w[i], &staging, FUTEX_WAIT_PRIVATE, 0);
    requeue_waiters(&staging, &f, 3);
    CHECK_EQ(wake(&staging, INT_MAX), 0); /* all moved away */
    CHECK_EQ(wake(&f, 2), 2);
    CHECK_EQ(wake(&f, INT_MAX), 1);
    CHECK_EQ(wake(&f, 1), 0);
    for (int i = 0; i < 3; i++)
        reap(&w[i]);
}

static void requeue(void)
{
    uint32_t staging = 0, a = 0, b = 0;
    struct waiter w[3];
    for (int i = 0; i < 3; i++)
        spawn(&w[i], &staging, FUTEX_WAIT_PRIVATE, 0);
    requeue_waiters(&staging, &a, 3);
    /* Wake one, move one to b, leave one on a. */
    CHECK_EQ(futex(&a, FUTEX_REQUEUE_PRIVATE, 1, 1, &b, 0), 2);
    CHECK_EQ(wake(&b, INT_MAX), 1);
    CHECK_EQ(wake(&a, INT_MAX), 1);
    for (int i = 0; i < 3; i++)
        reap(&w[i]);
}

static void cmp_requeue_mismatch(void)
{
    uint32_t a = 5, b = 0;
    CHECK_ERR(futex(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &b, 6), EAGAIN);
    CHECK_EQ(futex(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &b, 5), 0);
    CHECK_ERR(futex(&a, FUTEX_CMP_REQUEUE_PRIVATE, -1, 1, &b, 5), EINVAL);
}

static void wake_op(void)
{
    uint32_t s1 = 0, s2 = 0, f1 = 0, f2 = 0;
    struct waiter x, y;
    spawn(&x, &s1, FUTEX_WAIT_PRIVATE, 0);
    spawn(&y, &s2, FUTEX_WAIT_PRIVATE, 0);
    requeue_waiters(&s1, &f1, 1);
    requeue_waiters(&s2, &f2, 1);
    /* f2 = 7; wake one on f1; old f2 (0) == 0, so also wake one on f2. */
    long r =
        futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2, FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 0));
    CHECK_EQ(r, 2);
    CHECK_EQ(f2, 7);
    reap(&x);
    reap(&y);

    struct waiter z;
    spawn(&z, &s2, FUTEX_WAIT_PRIVATE, 0);
    requeue_waiters(&s2, &f2, 1);
    /* f2 += 3 -> 10; old value 7 > 100 is false: nobody woken on f2. */
    r = futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2,
              FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 100));
    CHECK_EQ(r, 0);
    CHECK_EQ(f2, 10);
    /* f2 |= 1 << 4 -> 26; old value 10 != 0 is true: wake z. */
    r = futex(&f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &f2,
              FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_NE, 0));
    CHECK_EQ(r, 1);
    CHECK_EQ(f2, 26);
    reap(&z);
}

static void bitset(void)
{
    uint32_t staging = 0, f = 0;
    CHECK_ERR(futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, NULL, 0), EINVAL); /* empty set */
    struct waiter w;
    spawn(&w, &staging, FUTEX_WAIT_BITSET_PRIVATE, 0x1);
    requeue_waiters(&staging, &f, 1);
    CHECK_EQ(futex(&f, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, NULL, 0x6), 0); /* disjoint bits */
    CHECK_EQ(futex(&f, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, NULL, 0x3), 1);
    reap(&w);
}

static void wait_bitset_absolute(void)
{
    uint32_t f = 0;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 40000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    CHECK_ERR(
        futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 0, (long)&deadline, NULL, FUTEX_BITSET_MATCH_ANY),
        ETIMEDOUT);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    CHECK(now.tv_sec > deadline.tv_sec ||
          (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec));
    /* The same with a CLOCK_REALTIME deadline. */
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 40000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    CHECK_ERR(futex(&f, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, (long)&deadline, NULL,
                    FUTEX_BITSET_MATCH_ANY),
              ETIMEDOUT);
    clock_gettime(CLOCK_REALTIME, &now);
    CHECK(now.tv_sec > deadline.tv_sec ||
          (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec));
}

static void shared_across_processes(void)
{
    uint32_t *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(f != MAP_FAILED);
    *f = 0;
    pid_t pid = ut_fork();
    if (pid == 0) {
        struct timespec ts = {5, 0};
        long r = futex(f, FUTEX_WAIT, 0, (long)&ts, NULL, 0);
        _exit(r == 0 ? 0 : 1);
    }
    int64_t deadline = ut_now_ns() + 5000000000LL;
    long n;
    while ((n = futex(f, FUTEX_WAKE, 1, 0, NULL, 0)) == 0 && ut_now_ns() < deadline)
        ut_sleep_ms(1);
    CHECK_EQ(n, 1);
    ut_wait_exit(pid, 0);
}

static void bad_addresses(void)
{
    uint32_t words[2] = {0, 0};
    uint32_t *unaligned = (uint32_t *)((char *)words + 1);
    CHECK_ERR(futex(unaligned, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0), EINVAL);
    CHECK_ERR(futex((uint32_t *)ut_opaque_ptr(16), FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0), EFAULT);
    CHECK_ERR(futex(words, 0x7f, 0, 0, NULL, 0), ENOSYS); /* unknown operation */
}

static const struct ut_test tests[] = {
    {"wait_value_mismatch", wait_value_mismatch},
    {"wait_timeout", wait_timeout},
    {"wait_wake", wait_wake},
    {"wake_counts", wake_counts},
    {"requeue", requeue},
    {"cmp_requeue_mismatch", cmp_requeue_mismatch},
    {"wake_op", wake_op},
    {"bitset", bitset},
    {"wait_bitset_absolute", wait_bitset_absolute},
    {"shared_across_processes", shared_across_processes},
    {"bad_addresses", bad_addresses},
};
UT_AREA(futex, tests);
