/*
 * Futexes: WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP and the bitset variants, private and
 * shared, with timeouts. A futex is keyed by (process, address) when private and by the
 * physical address of the word when shared, so processes sharing a page meet. Waiters
 * hang off hashed buckets; each waits on its own queue so a requeue moves it between
 * buckets without losing its wakeup. Loads and read-modify-writes of the futex word go
 * through the libOS's kernel view of the frame, so they are atomic with user space.
 */
#include <exo/cpu.h>
#include <exo/frame.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <libos/abi/futex.h>
#include <libos/abi/syscall.h>
#include <libos/abi/time.h>
#include <libos/clock.h>
#include <libos/proc.h>

#define BUCKETS 64

struct futex_key {
    uint64_t a, b; /* private: (process, uaddr); shared: (0, physical address) */
};

struct futex_waiter {
    struct list_node link;
    struct futex_key key;
    uint32_t bitset;
    bool woken;
    struct wait_queue wq;
};

struct bucket {
    struct spinlock lock;
    struct list_node waiters;
};

static struct bucket buckets[BUCKETS];

void futex_init(void)
{
    for (int i = 0; i < BUCKETS; i++) {
        spin_init(&buckets[i].lock, "futex");
        list_init(&buckets[i].waiters);
    }
}

static struct bucket *bucket_of(const struct futex_key *k)
{
    uint64_t h = (k->a ^ (k->b * 0x9e3779b97f4a7c15ULL)) >> 7;
    return &buckets[h % BUCKETS];
}

/* Kernel pointer to the 32-bit word at uaddr in p, faulting the page in (for writing if
 * write). NULL if uaddr is not a valid futex address. */
static uint32_t *futex_word(struct vmspace *p, uint64_t uaddr, bool write, uint64_t *pa_out)
{
    if (uaddr & 3)
        return NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        uint64_t pa;
        pte_t pte;
        int level;
        mutex_lock(&p->as_lock);
        int err = pt_lookup(&p->as.pt, uaddr & ~(PAGE_SIZE - 1), &pte, &level);
        mutex_unlock(&p->as_lock);
        if (!err && (!write || !(pte & PTE_RDONLY))) {
            pa = pte_addr(pte) + (uaddr & ((1UL << PT_LEVEL_SHIFT(level)) - 1));
            if (pa_out)
                *pa_out = pa;
            return (uint32_t *)((uint8_t *)exo_frame_kva(EXO_ENV_LIBOS, pa & ~(PAGE_SIZE - 1)) +
                                (pa & (PAGE_SIZE - 1)));
        }
        int code;
        if (attempt || vm_fault(p, uaddr, write ? EXO_PROT_WRITE : EXO_PROT_READ, &code))
            return NULL;
    }
    return NULL;
}

/* As in Linux, a "shared" futex in a private mapping is keyed like a private one; only a
 * shared mapping keys by the physical word, which every mapper sees. */
static int make_key(struct vmspace *p, uint64_t uaddr, bool private, struct futex_key *k)
{
    uint64_t pa;
    if (!futex_word(p, uaddr, false, &pa))
        return -EFAULT;
    if (!private) {
        mutex_lock(&p->as_lock);
        struct vma *v = vma_find(&p->as.vmas, uaddr);
        private = !v || !(v->flags & VMA_SHARED);
        mutex_unlock(&p->as_lock);
    }
    *k = private ? (struct futex_key){(uint64_t)p, uaddr} : (struct futex_key){0, pa};
    return 0;
}

static bool key_eq(const struct futex_key *x, const struct futex_key *y)
{
    return x->a == y->a && x->b == y->b;
}

static bool waiter_woken(void *arg)
{
    return READ_ONCE(((struct futex_waiter *)arg)->woken);
}

static long futex_wait(struct vmspace *p, uint64_t uaddr, bool private, uint32_t val,
                       uint64_t deadline, uint32_t bitset)
{
    if (!bitset)
        return -EINVAL;
    struct futex_waiter w = {.bitset = bitset};
    list_init(&w.link);
    wait_queue_init(&w.wq);
    int err = make_key(p, uaddr, private, &w.key);
    if (err)
        return err;
    struct bucket *b = bucket_of(&w.key);
    uint32_t *word = futex_word(p, uaddr, false, NULL);
    if (!word)
        return -EFAULT;
    spin_lock(&b->lock);
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != val) {
        spin_unlock(&b->lock);
        return -EAGAIN;
    }
    list_push_back(&b->waiters, &w.link);
    spin_unlock(&b->lock);
    err = await(&w.wq, waiter_woken, &w, AWAIT_INTERRUPTIBLE, deadline);
    /* A requeue may have moved us: find our bucket again under its lock. */
    for (;;) {
        struct bucket *now = bucket_of(&w.key);
        spin_lock(&now->lock);
        if (bucket_of(&w.key) == now) {
            if (!w.woken)
                list_remove(&w.link);
            spin_unlock(&now->lock);
            break;
        }
        spin_unlock(&now->lock);
    }
    return w.woken ? 0 : err;
}

/* Wakes up to n waiters of key whose bitset matches. Bucket lock held. */
static int wake_locked(struct bucket *b, const struct futex_key *k, int n, uint32_t bitset)
{
    int woken = 0;
    struct list_node *pos, *tmp;
    list_for_each_safe(pos, tmp, &b->waiters)
    {
        if (woken >= n)
            break;
        struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
        if (!key_eq(&w->key, k) || !(w->bitset & bitset))
            continue;
        list_remove(&w->link);
        WRITE_ONCE(w->woken, true);
        wake_all(&w->wq);
        woken++;
    }
    return woken;
}

static long futex_wake(struct vmspace *p, uint64_t uaddr, bool private, int n, uint32_t bitset)
{
    if (!bitset)
        return -EINVAL;
    struct futex_key k;
    int err = make_key(p, uaddr, private, &k);
    if (err)
        return err;
    struct bucket *b = bucket_of(&k);
    spin_lock(&b->lock);
    int woken = wake_locked(b, &k, n, bitset);
    spin_unlock(&b->lock);
    return woken;
}

int futex_wake_addr(struct vmspace *p, uint64_t uaddr, int n)
{
    return (int)futex_wake(p, uaddr, false, n, LINUX_FUTEX_BITSET_MATCH_ANY);
}

static void lock_two(struct bucket *x, struct bucket *y)
{
    if (x == y) {
        spin_lock(&x->lock);
        return;
    }
    spin_lock(x < y ? &x->lock : &y->lock);
    spin_lock(x < y ? &y->lock : &x->lock);
}

static void unlock_two(struct bucket *x, struct bucket *y)
{
    spin_unlock(&x->lock);
    if (x != y)
        spin_unlock(&y->lock);
}

/* Wakes n1 waiters of uaddr and moves up to n2 more to uaddr2 (CMP_REQUEUE: only if the
 * word still holds cmpval). */
static long futex_requeue(struct vmspace *p, uint64_t uaddr, uint64_t uaddr2, bool private,
                          int n1, int n2, bool cmp, uint32_t cmpval)
{
    if (n1 < 0 || n2 < 0)
        return -EINVAL;
    struct futex_key k1, k2;
    int err = make_key(p, uaddr, private, &k1);
    if (!err)
        err = make_key(p, uaddr2, private, &k2);
    if (err)
        return err;
    uint32_t *word = futex_word(p, uaddr, false, NULL);
    struct bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
    lock_two(b1, b2);
    if (cmp && __atomic_load_n(word, __ATOMIC_SEQ_CST) != cmpval) {
        unlock_two(b1, b2);
        return -EAGAIN;
    }
    long done = wake_locked(b1, &k1, n1, LINUX_FUTEX_BITSET_MATCH_ANY);
    struct list_node *pos, *tmp;
    int moved = 0;
    list_for_each_safe(pos, tmp, &b1->waiters)
    {
        if (moved >= n2)
            break;
        struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
        if (!key_eq(&w->key, &k1))
            continue;
        list_remove(&w->link);
        w->key = k2;
        list_push_back(&b2->waiters, &w->link);
        moved++;
    }
    unlock_two(b1, b2);
    return done + moved;
}

/* FUTEX_WAKE_OP: *uaddr2 = op(*uaddr2, oparg) atomically; wake n1 on uaddr, and n2 on
 * uaddr2 if the old value satisfies the comparison. */
static long futex_wake_op(struct vmspace *p, uint64_t uaddr, uint64_t uaddr2, bool private,
                          int n1, int n2, uint32_t encoded)
{
    unsigned op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
    int32_t oparg = (int32_t)(encoded << 8) >> 20, cmparg = (int32_t)(encoded << 20) >> 20;
    if (encoded & (LINUX_FUTEX_OP_OPARG_SHIFT << 28))
        oparg = oparg < 0 || oparg > 31 ? 0 : 1 << oparg;
    struct futex_key k1, k2;
    int err = make_key(p, uaddr, private, &k1);
    if (!err)
        err = make_key(p, uaddr2, private, &k2);
    uint32_t *w2 = err ? NULL : futex_word(p, uaddr2, true, NULL);
    if (!w2)
        return err ? err : -EFAULT;
    struct bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
    lock_two(b1, b2);
    uint32_t old = __atomic_load_n(w2, __ATOMIC_SEQ_CST), new;
    do {
        switch (op) {
        case LINUX_FUTEX_OP_SET: new = (uint32_t)oparg; break;
        case LINUX_FUTEX_OP_ADD: new = old + (uint32_t)oparg; break;
        case LINUX_FUTEX_OP_OR: new = old | (uint32_t)oparg; break;
        case LINUX_FUTEX_OP_ANDN: new = old & ~(uint32_t)oparg; break;
        case LINUX_FUTEX_OP_XOR: new = old ^ (uint32_t)oparg; break;
        default: unlock_two(b1, b2); return -ENOSYS;
        }
    } while (!__atomic_compare_exchange_n(w2, &old, new, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    int32_t o = (int32_t)old;
    bool hit = cmp == 0 ? o == cmparg : cmp == 1 ? o != cmparg : cmp == 2 ? o < cmparg
             : cmp == 3 ? o <= cmparg : cmp == 4 ? o > cmparg : cmp == 5 ? o >= cmparg : false;
    long woken = wake_locked(b1, &k1, n1, LINUX_FUTEX_BITSET_MATCH_ANY);
    if (hit)
        woken += wake_locked(b2, &k2, n2, LINUX_FUTEX_BITSET_MATCH_ANY);
    unlock_two(b1, b2);
    return woken;
}


/* The absolute monotonic deadline for a futex timeout (relative for WAIT, absolute for
 * WAIT_BITSET), 0 for none. */
static int futex_deadline(int cmd, bool realtime, uint64_t utime, uint64_t *deadline)
{
    *deadline = 0;
    if (!utime)
        return 0;
    struct linux_timespec ts;
    if (copy_from_user(&ts, utime, sizeof(ts)))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
    uint64_t now = exo_time_ns();
    if (cmd == LINUX_FUTEX_WAIT)
        *deadline = now + ns;
    else if (realtime)
        *deadline = realtime_to_monotonic(ns);
    else
        *deadline = ns ? ns : 1;
    return 0;
}

SYSCALL_DEFINE6(futex, uint64_t, uaddr, int, op, uint32_t, val, uint64_t, utime, uint64_t,
                uaddr2, uint32_t, val3)
{
    struct vmspace *p = proc_vm(current_proc()); /* keys private futexes by address space */
    int cmd = op & LINUX_FUTEX_CMD_MASK;
    bool private = op & LINUX_FUTEX_PRIVATE_FLAG;
    uint64_t deadline;
    int err;
    if (uaddr & 3)
        return -EINVAL; /* Linux checks alignment before the operation and the word */
    switch (cmd) {
    case LINUX_FUTEX_WAIT:
    case LINUX_FUTEX_WAIT_BITSET:
        err = futex_deadline(cmd, op & LINUX_FUTEX_CLOCK_REALTIME, utime, &deadline);
        if (err)
            return err;
        return futex_wait(p, uaddr, private, val, deadline,
                          cmd == LINUX_FUTEX_WAIT ? LINUX_FUTEX_BITSET_MATCH_ANY : val3);
    case LINUX_FUTEX_WAKE: return futex_wake(p, uaddr, private, (int)val, LINUX_FUTEX_BITSET_MATCH_ANY);
    case LINUX_FUTEX_WAKE_BITSET: return futex_wake(p, uaddr, private, (int)val, val3);
    case LINUX_FUTEX_REQUEUE:
        return futex_requeue(p, uaddr, uaddr2, private, (int)val, (int)utime, false, 0);
    case LINUX_FUTEX_CMP_REQUEUE:
        return futex_requeue(p, uaddr, uaddr2, private, (int)val, (int)utime, true, val3);
    case LINUX_FUTEX_WAKE_OP:
        return futex_wake_op(p, uaddr, uaddr2, private, (int)val, (int)utime, val3);
    default:
        return -ENOSYS;
    }
}
