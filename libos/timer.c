/*
 * Interval timers and POSIX timers (libos/timer.h): the per-process tables, the "timers"
 * kernel task that serves the monotonic and realtime ones, the CPU-time checks, and the
 * syscalls setitimer, getitimer and timer_*.
 */
#include <string.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/clock.h>
#include <libos/proc.h>
#include <libos/timer.h>
#include <mm/slab.h>

#define NSEC_PER_SEC  1000000000ull
#define NSEC_PER_USEC 1000ull
#define PTIMER_MAX    32     /* POSIX timers per process (EAGAIN beyond) */
#define MIN_GAP_NS    20000  /* the timer task waits at least this long between rounds */
#define MIN_SLICE_NS  100000 /* shortest slice cut for a CPU-time timer */

/* Which clock a timer's expiry is counted on. */
enum timer_base {
    BASE_MONO,     /* CLOCK_MONOTONIC/BOOTTIME, and relative CLOCK_REALTIME timers */
    BASE_REAL,     /* absolute CLOCK_REALTIME timers: they follow clock_settime */
    BASE_CPU_PROF, /* process CPU time, user + system */
    BASE_CPU_VIRT, /* process user time */
};

struct ktimer {
    struct list_node link; /* in armed_timers (MONO/REAL bases with a signal to send) */
    struct process *proc;
    enum timer_base base;
    bool armed;
    bool linked;
    uint64_t expiry;   /* next expiry on the base clock, ns */
    uint64_t interval; /* period, 0 for one-shot */
    int id;            /* POSIX timer id, or -1 for an interval timer */
    int clockid;       /* POSIX: as created */
    int notify;        /* LINUX_SIGEV_* (itimers: SIGEV_SIGNAL) */
    int signo;
    union linux_sigval value;
    int target_tid; /* SIGEV_THREAD_ID: the thread (looked up at each expiry) */
    bool thread_target;
    bool sig_queued;  /* our signal is still pending: expirations count as overruns */
    int overrun;      /* expirations not signalled since the pending signal was sent */
    int overrun_last; /* what the last delivered signal reported (timer_getoverrun) */
};

struct proc_timers {
    struct ktimer itimer[3]; /* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
    struct ktimer *posix[PTIMER_MAX];
    int ncpu_armed;           /* armed timers on a CPU base */
    int cpu_sleepers;         /* threads in clock_nanosleep on the process CPU clock */
    struct wait_queue cpu_wq; /* where they sleep: woken after each run of a thread */
};

static struct spinlock timers_lock = SPINLOCK_INIT("ktimers");
static struct list_node armed_timers = LIST_INIT(armed_timers);
static unsigned timers_gen; /* bumped when the armed set changes: the timer task looks again */
static struct wait_queue timers_wq = WAIT_QUEUE_INIT(timers_wq);

static bool cpu_base(enum timer_base b)
{
    return b == BASE_CPU_PROF || b == BASE_CPU_VIRT;
}

/* Now on a timer's base clock. CPU bases are read by the caller (see timers_cpu_check). */
static uint64_t base_now(enum timer_base b)
{
    return b == BASE_REAL ? realtime_ns() : exo_time_ns();
}

/* The monotonic time of a linked timer's next expiry. */
static uint64_t mono_deadline(const struct ktimer *k)
{
    return k->base == BASE_REAL ? realtime_to_monotonic(k->expiry) : k->expiry;
}

static void poke_timer_task(void)
{
    wake_all(&timers_wq);
}

/* Takes k out of service (timers_lock held). */
static void ktimer_disarm_locked(struct ktimer *k)
{
    if (k->linked) {
        list_remove(&k->link);
        k->linked = false;
        timers_gen++;
    }
    if (k->armed && cpu_base(k->base))
        k->proc->timers->ncpu_armed--;
    k->armed = false;
}

/* Arms k for expiry (on its base clock) with a period; expiry 0 disarms. Monotonic and
 * realtime timers that send signals join the armed list (the caller pokes the task). */
static void ktimer_arm_locked(struct ktimer *k, uint64_t expiry, uint64_t interval)
{
    ktimer_disarm_locked(k);
    k->expiry = expiry;
    k->interval = interval;
    if (!expiry)
        return;
    k->armed = true;
    if (cpu_base(k->base)) {
        k->proc->timers->ncpu_armed++;
    } else if (k->notify != LINUX_SIGEV_NONE) {
        list_push_back(&armed_timers, &k->link);
        k->linked = true;
        timers_gen++;
    }
}

/* Time left until k's next expiry at base time now (0: disarmed). An armed timer whose
 * expiry passed reports the next period, or 1 ns if it is a one-shot not yet fired. */
static uint64_t ktimer_remaining(const struct ktimer *k, uint64_t now)
{
    if (!k->armed)
        return 0;
    if (now < k->expiry)
        return k->expiry - now;
    if (!k->interval)
        return k->notify == LINUX_SIGEV_NONE ? 0 : 1;
    uint64_t next = k->expiry + ((now - k->expiry) / k->interval + 1) * k->interval;
    return next - now;
}

/* The thread a SIGEV_THREAD_ID timer signals, NULL once it exited. With timers_lock held
 * the thread stays alive: exit_thread passes timers_thread_exit after leaving the list. */
static struct task *ktimer_target(const struct ktimer *k)
{
    return proc_thread(k->proc, k->target_tid);
}

/* Is k's signal pending (sent and not yet taken) in its target? (timers_lock held) */
static bool ktimer_signal_pending(const struct ktimer *k)
{
    struct task *t = k->thread_target ? ktimer_target(k) : NULL;
    if (k->thread_target && !t)
        return false;
    struct sigproc *sp = &k->proc->sig;
    spin_lock(&sp->lock);
    uint64_t mask = t ? t->sig.pending.mask : sp->shared.mask;
    spin_unlock(&sp->lock);
    return mask & SIG_BIT(k->signo);
}

/* Sends k's signal: SI_KERNEL for an interval timer, SI_TIMER with the timer id and value
 * for a POSIX timer. (timers_lock held) */
static void ktimer_send(struct ktimer *k)
{
    linux_siginfo_t info;
    sig_info_kernel(&info, k->signo);
    if (k->id >= 0) {
        info.si_code = LINUX_SI_TIMER;
        info.fields.timer.tid = k->id;
        info.fields.timer.value = k->value;
    }
    if (k->thread_target) {
        struct task *t = ktimer_target(k);
        if (t)
            signal_thread(t, &info);
    } else {
        signal_process(k->proc, &info);
    }
}

/* k's expiry passed (base time now): signal, or count an overrun while the last signal is
 * still pending; then move to the next period or disarm. (timers_lock held) */
static void ktimer_fire_locked(struct ktimer *k, uint64_t now)
{
    if (now < k->expiry) /* the realtime offset moved since the caller looked */
        return;
    uint64_t n = 1;
    if (k->interval)
        n += (now - k->expiry) / k->interval;
    if (k->id >= 0 && k->sig_queued && ktimer_signal_pending(k)) {
        k->overrun = (int)MIN((uint64_t)k->overrun + n, (uint64_t)INT32_MAX);
    } else if (k->notify != LINUX_SIGEV_NONE) {
        k->overrun = (int)MIN(n - 1, (uint64_t)INT32_MAX);
        ktimer_send(k);
        k->sig_queued = k->id >= 0 && ktimer_signal_pending(k);
    }
    if (k->interval)
        k->expiry += n * k->interval;
    else
        ktimer_disarm_locked(k);
}

/* Fires the due timers on the armed list; returns the next monotonic deadline (0: none). */
static uint64_t fire_due_locked(void)
{
    uint64_t now = exo_time_ns(), next = 0;
    struct list_node *pos = armed_timers.next;
    while (pos != &armed_timers) {
        struct ktimer *k = list_entry(pos, struct ktimer, link);
        pos = pos->next; /* firing may unlink k */
        if (mono_deadline(k) <= now)
            ktimer_fire_locked(k, base_now(k->base));
        if (k->linked && (!next || mono_deadline(k) < next))
            next = mono_deadline(k);
    }
    return next;
}

static bool timers_changed(void *arg)
{
    return __atomic_load_n(&timers_gen, __ATOMIC_RELAXED) != *(unsigned *)arg;
}

/* The timer task: fire what is due, sleep until the next deadline or a change. */
static void timer_task(void *arg)
{
    (void)arg;
    for (;;) {
        spin_lock(&timers_lock);
        uint64_t next = fire_due_locked();
        unsigned gen = timers_gen;
        spin_unlock(&timers_lock);
        uint64_t soonest = exo_time_ns() + MIN_GAP_NS;
        if (next && next < soonest)
            next = soonest;
        await(&timers_wq, timers_changed, &gen, 0, next);
    }
}

void timers_init(void)
{
    struct task *t = task_create("timers", timer_task, NULL);
    KASSERT(t);
    task_start(t);
}

void timers_clock_was_set(void)
{
    spin_lock(&timers_lock);
    timers_gen++;
    spin_unlock(&timers_lock);
    poke_timer_task();
}

/* p's timer table, made on first use: NULL without memory. */
static struct proc_timers *proc_timers_get(struct process *p)
{
    struct proc_timers *pt = __atomic_load_n(&p->timers, __ATOMIC_ACQUIRE);
    if (pt)
        return pt;
    struct proc_timers *fresh = kzalloc(sizeof(*fresh));
    if (!fresh)
        return NULL;
    wait_queue_init(&fresh->cpu_wq);
    static const enum timer_base itimer_base[3] = {BASE_MONO, BASE_CPU_VIRT, BASE_CPU_PROF};
    static const int itimer_sig[3] = {LINUX_SIGALRM, LINUX_SIGVTALRM, LINUX_SIGPROF};
    for (int i = 0; i < 3; i++) {
        struct ktimer *k = &fresh->itimer[i];
        k->proc = p;
        k->base = itimer_base[i];
        k->id = -1;
        k->notify = LINUX_SIGEV_SIGNAL;
        k->signo = itimer_sig[i];
    }
    spin_lock(&timers_lock);
    if (!p->timers)
        __atomic_store_n(&p->timers, fresh, __ATOMIC_RELEASE);
    else
        pt = p->timers;
    spin_unlock(&timers_lock);
    if (pt)
        kfree(fresh);
    return p->timers;
}

/* Deletes every POSIX timer of pt (timers_lock held); returns them chained for kfree. */
static void delete_posix_locked(struct proc_timers *pt, struct ktimer **freed)
{
    for (int i = 0; i < PTIMER_MAX; i++) {
        freed[i] = pt->posix[i];
        if (freed[i])
            ktimer_disarm_locked(freed[i]);
        pt->posix[i] = NULL;
    }
}

void timers_exec(struct process *p)
{
    struct ktimer *freed[PTIMER_MAX];
    spin_lock(&timers_lock);
    struct proc_timers *pt = p->timers;
    if (pt)
        delete_posix_locked(pt, freed);
    spin_unlock(&timers_lock);
    for (int i = 0; pt && i < PTIMER_MAX; i++)
        kfree(freed[i]);
}

void timers_proc_exit(struct process *p)
{
    struct ktimer *freed[PTIMER_MAX];
    spin_lock(&timers_lock);
    struct proc_timers *pt = p->timers;
    if (pt) {
        delete_posix_locked(pt, freed);
        for (int i = 0; i < 3; i++)
            ktimer_disarm_locked(&pt->itimer[i]);
        p->timers = NULL;
    }
    spin_unlock(&timers_lock);
    for (int i = 0; pt && i < PTIMER_MAX; i++)
        kfree(freed[i]);
    kfree(pt);
}

void timers_thread_exit(struct task *t)
{
    /* A timer firing now may have found t in its process's thread list: wait until it is
     * done with t (timers fire with timers_lock held). */
    if (!__atomic_load_n(&t->proc->timers, __ATOMIC_ACQUIRE))
        return;
    spin_lock(&timers_lock);
    spin_unlock(&timers_lock);
}

/* CPU-time clocks of p as the CPU bases count them. */
static void cpu_now(struct process *p, uint64_t now[2])
{
    now[0] = proc_cpu_ns(p);
    now[1] = __atomic_load_n(&p->utime_ns, __ATOMIC_RELAXED);
}

static uint64_t cpu_base_now(enum timer_base b, const uint64_t now[2])
{
    return b == BASE_CPU_VIRT ? now[1] : now[0];
}

/* Calls fn on every armed CPU-base timer of pt (timers_lock held). */
static void for_each_cpu_timer(struct proc_timers *pt, void (*fn)(struct ktimer *, void *),
                               void *arg)
{
    for (int i = 1; i < 3; i++) {
        if (pt->itimer[i].armed)
            fn(&pt->itimer[i], arg);
    }
    for (int i = 0; i < PTIMER_MAX; i++) {
        struct ktimer *k = pt->posix[i];
        if (k && k->armed && cpu_base(k->base))
            fn(k, arg);
    }
}

struct cpu_scan {
    uint64_t now[2];
    uint64_t left; /* shortest time to an expiry */
};

static void cpu_timer_left(struct ktimer *k, void *arg)
{
    struct cpu_scan *s = arg;
    uint64_t now = cpu_base_now(k->base, s->now);
    uint64_t left = now < k->expiry ? k->expiry - now : 0;
    if (left < s->left)
        s->left = left;
}

static void cpu_timer_fire(struct ktimer *k, void *arg)
{
    struct cpu_scan *s = arg;
    uint64_t now = cpu_base_now(k->base, s->now);
    if (now >= k->expiry)
        ktimer_fire_locked(k, now);
}

static bool has_cpu_timers(struct process *p)
{
    struct proc_timers *pt = __atomic_load_n(&p->timers, __ATOMIC_ACQUIRE);
    return pt && READ_ONCE(pt->ncpu_armed) > 0;
}

/* Wakes the threads sleeping on p's CPU clock, to look at it again. */
static void wake_cpu_sleepers(struct process *p)
{
    struct proc_timers *pt = __atomic_load_n(&p->timers, __ATOMIC_ACQUIRE);
    if (pt && __atomic_load_n(&pt->cpu_sleepers, __ATOMIC_RELAXED) > 0)
        wake_all(&pt->cpu_wq);
}

struct cpu_sleep {
    struct process *p;
    uint64_t target;
};

static bool cpu_time_reached(void *arg)
{
    struct cpu_sleep *s = arg;
    return proc_cpu_ns(s->p) >= s->target;
}

int timers_cpu_sleep(struct process *p, uint64_t target_ns)
{
    struct proc_timers *pt = proc_timers_get(p);
    if (!pt)
        return -ENOMEM;
    struct cpu_sleep s = {p, target_ns};
    __atomic_add_fetch(&pt->cpu_sleepers, 1, __ATOMIC_RELAXED);
    int err = await(&pt->cpu_wq, cpu_time_reached, &s, AWAIT_INTERRUPTIBLE, 0);
    __atomic_sub_fetch(&pt->cpu_sleepers, 1, __ATOMIC_RELAXED);
    return err;
}

uint64_t timers_cpu_slice(struct process *p, uint64_t slice_ns)
{
    if (!has_cpu_timers(p))
        return slice_ns;
    struct cpu_scan s = {.left = slice_ns};
    cpu_now(p, s.now);
    spin_lock(&timers_lock);
    if (p->timers)
        for_each_cpu_timer(p->timers, cpu_timer_left, &s);
    spin_unlock(&timers_lock);
    return MAX(s.left, (uint64_t)MIN_SLICE_NS);
}

void timers_cpu_check(struct process *p)
{
    wake_cpu_sleepers(p);
    if (!has_cpu_timers(p))
        return;
    struct cpu_scan s = {.left = 0};
    cpu_now(p, s.now);
    spin_lock(&timers_lock);
    if (p->timers)
        for_each_cpu_timer(p->timers, cpu_timer_fire, &s);
    spin_unlock(&timers_lock);
}

void timers_signal_dequeued(struct process *p, linux_siginfo_t *info)
{
    if (info->si_code != LINUX_SI_TIMER || !__atomic_load_n(&p->timers, __ATOMIC_ACQUIRE))
        return;
    int id = info->fields.timer.tid;
    spin_lock(&timers_lock);
    struct ktimer *k = p->timers && id >= 0 && id < PTIMER_MAX ? p->timers->posix[id] : NULL;
    if (k && k->sig_queued && k->signo == info->si_signo) {
        info->fields.timer.overrun = k->overrun;
        k->overrun_last = k->overrun;
        k->overrun = 0;
        k->sig_queued = false;
    }
    spin_unlock(&timers_lock);
}

/* ---- Conversions. ---- */

static bool timeval_valid(const struct linux_timeval *tv)
{
    return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

static bool timespec_valid(const struct linux_timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && (uint64_t)ts->tv_nsec < NSEC_PER_SEC;
}

/* ns from a valid timespec, saturating far in the future. */
static uint64_t timespec_to_ns(const struct linux_timespec *ts)
{
    if ((uint64_t)ts->tv_sec > (UINT64_MAX >> 2) / NSEC_PER_SEC)
        return UINT64_MAX >> 2;
    return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

static uint64_t timeval_to_ns(const struct linux_timeval *tv)
{
    struct linux_timespec ts = {tv->tv_sec, tv->tv_usec * (int64_t)NSEC_PER_USEC};
    return timespec_to_ns(&ts);
}

static struct linux_timespec ns_to_timespec(uint64_t ns)
{
    return (struct linux_timespec){(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
}

/* Linux reports an armed interval timer's remaining time rounded to microseconds, never
 * 0 while armed. */
static struct linux_timeval ns_to_timeval(uint64_t ns, bool armed)
{
    if (armed && ns < NSEC_PER_USEC)
        ns = NSEC_PER_USEC;
    return (struct linux_timeval){(int64_t)(ns / NSEC_PER_SEC),
                                  (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC)};
}

/* ---- setitimer / getitimer. ---- */

/* The current setting of interval timer k (timers_lock held). */
static struct linux_itimerval itimer_value_locked(struct ktimer *k, const uint64_t cpu[2])
{
    uint64_t now = cpu_base(k->base) ? cpu_base_now(k->base, cpu) : base_now(k->base);
    struct linux_itimerval v;
    v.it_value = ns_to_timeval(ktimer_remaining(k, now), k->armed);
    v.it_interval = ns_to_timeval(k->interval, false);
    return v;
}

SYSCALL_DEFINE2(getitimer, int, which, uint64_t, uval)
{
    if (which < LINUX_ITIMER_REAL || which > LINUX_ITIMER_PROF)
        return -EINVAL;
    struct process *p = current_proc();
    struct proc_timers *pt = proc_timers_get(p);
    if (!pt)
        return -ENOMEM;
    uint64_t cpu[2];
    cpu_now(p, cpu);
    spin_lock(&timers_lock);
    struct linux_itimerval v = itimer_value_locked(&pt->itimer[which], cpu);
    spin_unlock(&timers_lock);
    return copy_to_user(uval, &v, sizeof(v)) ? -EFAULT : 0;
}

/* setitimer(which, new, old): new NULL disarms (a misfeature Linux keeps). */
SYSCALL_DEFINE3(setitimer, int, which, uint64_t, unew, uint64_t, uold)
{
    struct linux_itimerval nv = {{0, 0}, {0, 0}}, ov;
    if (unew && copy_from_user(&nv, unew, sizeof(nv)))
        return -EFAULT;
    if (which < LINUX_ITIMER_REAL || which > LINUX_ITIMER_PROF)
        return -EINVAL;
    if (!timeval_valid(&nv.it_value) || !timeval_valid(&nv.it_interval))
        return -EINVAL;
    struct process *p = current_proc();
    struct proc_timers *pt = proc_timers_get(p);
    if (!pt)
        return -ENOMEM;
    uint64_t cpu[2];
    cpu_now(p, cpu);
    struct ktimer *k = &pt->itimer[which];
    uint64_t value = timeval_to_ns(&nv.it_value), interval = timeval_to_ns(&nv.it_interval);
    spin_lock(&timers_lock);
    ov = itimer_value_locked(k, cpu);
    uint64_t now = cpu_base(k->base) ? cpu_base_now(k->base, cpu) : base_now(k->base);
    ktimer_arm_locked(k, value ? now + value : 0, value ? interval : 0);
    spin_unlock(&timers_lock);
    poke_timer_task();
    return uold && copy_to_user(uold, &ov, sizeof(ov)) ? -EFAULT : 0;
}

/* ---- POSIX timers. ---- */

/* The base a POSIX timer on clockid counts on: 0, -EOPNOTSUPP for the clocks Linux has no
 * timers on (raw and coarse ones; alarm clocks, as Linux without an RTC alarm), or -EINVAL
 * (unknown clocks; thread CPU-time clocks and other processes' CPU clocks, which Linux
 * supports and this does not). */
static int posix_clock_base(int clockid, enum timer_base *base)
{
    int self = current_proc()->pid;
    switch (clockid) {
    case LINUX_CLOCK_REALTIME:
    case LINUX_CLOCK_TAI:
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_BOOTTIME:
        *base = BASE_MONO; /* REALTIME and TAI become BASE_REAL when armed absolute */
        return 0;
    case LINUX_CLOCK_PROCESS_CPUTIME_ID:
        *base = BASE_CPU_PROF;
        return 0;
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_REALTIME_COARSE:
    case LINUX_CLOCK_MONOTONIC_COARSE:
    case LINUX_CLOCK_REALTIME_ALARM:
    case LINUX_CLOCK_BOOTTIME_ALARM:
        return -EOPNOTSUPP;
    default:
        if (clockid < 0 && !(clockid & 4) && (clockid & 3) < 3) {
            int pid = ~(clockid >> 3);
            if (pid == 0 || pid == self) {
                *base = (clockid & 3) == 1 ? BASE_CPU_VIRT : BASE_CPU_PROF;
                return 0;
            }
        }
        return -EINVAL;
    }
}

/* Fills k's notification from a user sigevent, checked as Linux's good_sigevent. */
static int ktimer_set_event(struct ktimer *k, const struct linux_sigevent *ev)
{
    k->notify = ev->sigev_notify;
    k->signo = ev->sigev_signo;
    k->value = ev->sigev_value;
    switch (ev->sigev_notify) {
    case LINUX_SIGEV_SIGNAL | LINUX_SIGEV_THREAD_ID:
        k->thread_target = true;
        k->target_tid = ev->un.tid;
        if (!proc_thread(k->proc, ev->un.tid))
            return -EINVAL;
        /* fallthrough */
    case LINUX_SIGEV_SIGNAL:
    case LINUX_SIGEV_THREAD:
        return sig_valid(ev->sigev_signo) ? 0 : -EINVAL;
    case LINUX_SIGEV_NONE:
        return 0;
    default:
        return -EINVAL;
    }
}

/* Puts k in a free slot of p's table: its id, or -EAGAIN. */
static int ptimer_install(struct proc_timers *pt, struct ktimer *k)
{
    int id = -EAGAIN;
    spin_lock(&timers_lock);
    for (int i = 0; i < PTIMER_MAX; i++) {
        if (!pt->posix[i]) {
            pt->posix[i] = k;
            k->id = id = i;
            break;
        }
    }
    spin_unlock(&timers_lock);
    return id;
}

SYSCALL_DEFINE3(timer_create, int, clockid, uint64_t, uevent, uint64_t, uid)
{
    struct process *p = current_proc();
    struct linux_sigevent ev = {.sigev_signo = LINUX_SIGALRM, .sigev_notify = LINUX_SIGEV_SIGNAL};
    if (uevent && copy_from_user(&ev, uevent, sizeof(ev)))
        return -EFAULT;
    enum timer_base base;
    int err = posix_clock_base(clockid, &base);
    if (err)
        return err;
    struct proc_timers *pt = proc_timers_get(p);
    struct ktimer *k = pt ? kzalloc(sizeof(*k)) : NULL;
    if (!k)
        return -ENOMEM;
    k->proc = p;
    k->base = base;
    k->clockid = clockid;
    err = ktimer_set_event(k, &ev);
    int id = err ? err : ptimer_install(pt, k);
    if (id < 0) {
        kfree(k);
        return id;
    }
    if (!uevent)
        k->value.sival_ptr = 0, k->value.sival_int = id;
    if (!copy_to_user(uid, &id, sizeof(id)))
        return 0;
    spin_lock(&timers_lock);
    pt->posix[id] = NULL;
    spin_unlock(&timers_lock);
    kfree(k);
    return -EFAULT;
}

/* The caller's POSIX timer id (timers_lock held), or NULL. */
static struct ktimer *ptimer_lookup_locked(struct process *p, int id)
{
    if (!p->timers || id < 0 || id >= PTIMER_MAX)
        return NULL;
    return p->timers->posix[id];
}

/* Now on k's clock (timers_lock not held: CPU clocks take other locks). */
static uint64_t ptimer_now(struct process *p, enum timer_base base)
{
    if (!cpu_base(base))
        return base_now(base);
    uint64_t cpu[2];
    cpu_now(p, cpu);
    return cpu_base_now(base, cpu);
}

static struct linux_itimerspec ptimer_value_locked(const struct ktimer *k, uint64_t now)
{
    struct linux_itimerspec v;
    v.it_value = ns_to_timespec(ktimer_remaining(k, now));
    v.it_interval = ns_to_timespec(k->armed ? k->interval : 0);
    return v;
}

/* The base an arming uses: absolute CLOCK_REALTIME timers follow the realtime clock. */
static enum timer_base arm_base(const struct ktimer *k, int flags)
{
    if (k->clockid == LINUX_CLOCK_REALTIME || k->clockid == LINUX_CLOCK_TAI)
        return flags & LINUX_TIMER_ABSTIME ? BASE_REAL : BASE_MONO;
    return k->base;
}

/* The expiry on base for a value given as in timer_settime: relative or absolute (on the
 * timer's own clock: for CLOCK_MONOTONIC/BOOTTIME that is BASE_MONO's). */
static uint64_t arm_expiry(uint64_t value, int flags, uint64_t now)
{
    if (!value)
        return 0;
    return flags & LINUX_TIMER_ABSTIME ? value : now + value;
}

SYSCALL_DEFINE4(timer_settime, int, id, int, flags, uint64_t, unew, uint64_t, uold)
{
    struct process *p = current_proc();
    struct linux_itimerspec nv, ov;
    if (!unew)
        return -EINVAL;
    if (copy_from_user(&nv, unew, sizeof(nv)))
        return -EFAULT;
    spin_lock(&timers_lock);
    struct ktimer *k = ptimer_lookup_locked(p, id);
    enum timer_base old_base = k ? k->base : BASE_MONO;
    spin_unlock(&timers_lock);
    if (!k)
        return -EINVAL;
    if (!timespec_valid(&nv.it_value) || !timespec_valid(&nv.it_interval))
        return -EINVAL;
    enum timer_base base = arm_base(k, flags);
    uint64_t old_now = ptimer_now(p, old_base), now = ptimer_now(p, base);
    uint64_t value = timespec_to_ns(&nv.it_value), interval = timespec_to_ns(&nv.it_interval);
    spin_lock(&timers_lock);
    if (ptimer_lookup_locked(p, id) != k) { /* deleted meanwhile */
        spin_unlock(&timers_lock);
        return -EINVAL;
    }
    ov = ptimer_value_locked(k, old_now);
    ktimer_disarm_locked(k);
    k->base = base;
    k->overrun = k->overrun_last = 0;
    ktimer_arm_locked(k, arm_expiry(value, flags, now), value ? interval : 0);
    spin_unlock(&timers_lock);
    poke_timer_task();
    return uold && copy_to_user(uold, &ov, sizeof(ov)) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(timer_gettime, int, id, uint64_t, ucur)
{
    struct process *p = current_proc();
    spin_lock(&timers_lock);
    struct ktimer *k = ptimer_lookup_locked(p, id);
    enum timer_base base = k ? k->base : BASE_MONO;
    spin_unlock(&timers_lock);
    if (!k)
        return -EINVAL;
    uint64_t now = ptimer_now(p, base);
    spin_lock(&timers_lock);
    k = ptimer_lookup_locked(p, id);
    struct linux_itimerspec v = k ? ptimer_value_locked(k, now) : (struct linux_itimerspec){0};
    spin_unlock(&timers_lock);
    if (!k)
        return -EINVAL;
    return copy_to_user(ucur, &v, sizeof(v)) ? -EFAULT : 0;
}

SYSCALL_DEFINE1(timer_getoverrun, int, id)
{
    spin_lock(&timers_lock);
    struct ktimer *k = ptimer_lookup_locked(current_proc(), id);
    int overrun = k ? k->overrun_last : -EINVAL;
    spin_unlock(&timers_lock);
    return overrun;
}

SYSCALL_DEFINE1(timer_delete, int, id)
{
    struct process *p = current_proc();
    spin_lock(&timers_lock);
    struct ktimer *k = ptimer_lookup_locked(p, id);
    if (k) {
        ktimer_disarm_locked(k);
        p->timers->posix[id] = NULL;
    }
    spin_unlock(&timers_lock);
    kfree(k);
    return k ? 0 : -EINVAL;
}
