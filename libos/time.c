/*
 * Time: the clocks (realtime from exo's RTC plus an offset the libOS keeps, monotonic,
 * CPU-time clocks of threads and processes), and the syscalls that read, set and sleep on
 * them.
 */
#include <exo/cpu.h>
#include <exo/rtc.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/clock.h>
#include <libos/proc.h>
#include <libos/timer.h>

#define NSEC_PER_SEC 1000000000ull

int64_t libos_realtime_offset_ns = (int64_t)(LIBOS_FALLBACK_EPOCH_S * NSEC_PER_SEC);

/* Bumped, and clock_set_wq woken, whenever CLOCK_REALTIME is set: absolute realtime sleeps
 * recompute their monotonic deadline. */
static unsigned clock_set_seq;
static struct wait_queue clock_set_wq = WAIT_QUEUE_INIT(clock_set_wq);
static struct linux_timezone sys_tz; /* settimeofday's tz, returned by gettimeofday */

void clock_init(void)
{
    int64_t s = exo_rtc_seconds();
    if (s > 0)
        libos_realtime_offset_ns = s * (int64_t)NSEC_PER_SEC - (int64_t)exo_time_ns();
}

/* Makes CLOCK_REALTIME read ns now (the RTC is left alone). */
static void realtime_set(uint64_t ns)
{
    __atomic_store_n(&libos_realtime_offset_ns, (int64_t)(ns - exo_time_ns()), __ATOMIC_RELAXED);
    __atomic_add_fetch(&clock_set_seq, 1, __ATOMIC_RELEASE);
    wake_all(&clock_set_wq);
    timers_clock_was_set();
}

uint64_t proc_cpu_ns(struct process *p)
{
    spin_lock(&p->lock);
    uint64_t ns = p->exited_cpu_ns;
    struct list_node *pos;
    list_for_each(pos, &p->threads)
    {
        ns += task_cpu_ns(list_entry(pos, struct task, thread_link));
    }
    spin_unlock(&p->lock);
    return ns;
}

/* CPU-time clock ids (clock_getcpuclockid, pthread_getcpuclockid): ~pid << 3, bit 2 for a
 * thread, and in bits 0-1 which time: 0 PROF (user+system), 1 VIRT (user), 2 SCHED. */
#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_WHICH(c)  ((c)&3)
#define CPUCLOCK_VIRT      1
#define CPUCLOCK_MAX       3

/* A CPU-time clock of a thread (of the caller's process, as Linux requires) or of any
 * process; pid 0 is the caller's own. VIRT counts user time only; threads keep no separate
 * user time, so a thread's VIRT clock reads its whole CPU time. */
static int cpu_clock_now(int clk, uint64_t *ns)
{
    int id = ~(clk >> 3); /* arithmetic shift, as Linux's CPUCLOCK_PID */
    if (CPUCLOCK_WHICH(clk) >= CPUCLOCK_MAX)
        return -EINVAL;
    struct process *self = current_proc();
    if (clk & CPUCLOCK_PERTHREAD) {
        struct task *t = id ? proc_thread(self, id) : current_task();
        if (!t)
            return -EINVAL;
        *ns = task_cpu_ns(t);
        return 0;
    }
    struct process *p = id ? proc_get(id) : proc_ref(self);
    if (!p)
        return -EINVAL;
    *ns = CPUCLOCK_WHICH(clk) == CPUCLOCK_VIRT ? p->utime_ns : proc_cpu_ns(p);
    proc_put(p);
    return 0;
}

/* Is clk the calling process's CPU time (user + system): CLOCK_PROCESS_CPUTIME_ID, or the
 * PROF or SCHED CPU clock id of pid 0 or its own pid (what the C library passes)? */
static bool own_process_cpu_clock(int clk)
{
    if (clk == LINUX_CLOCK_PROCESS_CPUTIME_ID)
        return true;
    if (clk >= 0 || (clk & CPUCLOCK_PERTHREAD) || CPUCLOCK_WHICH(clk) == CPUCLOCK_VIRT ||
        CPUCLOCK_WHICH(clk) >= CPUCLOCK_MAX)
        return false;
    int pid = ~(clk >> 3);
    return pid == 0 || pid == current_proc()->pid;
}

int clock_now(int clk, uint64_t *ns)
{
    if (clk < 0)
        return cpu_clock_now(clk, ns);
    switch (clk) {
    case LINUX_CLOCK_REALTIME:
    case LINUX_CLOCK_REALTIME_COARSE:
    case LINUX_CLOCK_TAI: /* no leap-second offset is ever set (adjtimex): TAI = UTC */
        *ns = realtime_ns();
        return 0;
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_MONOTONIC_COARSE:
    case LINUX_CLOCK_BOOTTIME:
        *ns = exo_time_ns();
        return 0;
    case LINUX_CLOCK_PROCESS_CPUTIME_ID:
        *ns = proc_cpu_ns(current_proc());
        return 0;
    case LINUX_CLOCK_THREAD_CPUTIME_ID:
        *ns = task_cpu_ns(current_task());
        return 0;
    default:
        return -EINVAL;
    }
}

static struct linux_timespec ns_to_timespec(uint64_t ns)
{
    return (struct linux_timespec){(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
}

SYSCALL_DEFINE2(clock_gettime, int, clk, uint64_t, tp)
{
    uint64_t ns;
    int err = clock_now(clk, &ns);
    if (err)
        return err;
    struct linux_timespec ts = ns_to_timespec(ns);
    return copy_to_user(tp, &ts, sizeof(ts)) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(clock_getres, int, clk, uint64_t, tp)
{
    uint64_t ns;
    int err = clock_now(clk, &ns);
    if (err)
        return err;
    struct linux_timespec ts = {0, 1};
    return tp && copy_to_user(tp, &ts, sizeof(ts)) ? -EFAULT : 0;
}

static int timespec_from_user(uint64_t uts, uint64_t *ns)
{
    struct linux_timespec ts;
    if (copy_from_user(&ts, uts, sizeof(ts)))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
        return -EINVAL;
    if ((uint64_t)ts.tv_sec > (UINT64_MAX >> 2) / NSEC_PER_SEC)
        ts.tv_sec = (UINT64_MAX >> 2) / NSEC_PER_SEC; /* far enough: never, in practice */
    *ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
    return 0;
}

/* clock_settime: only CLOCK_REALTIME can be set (EINVAL for the others, as Linux), and
 * only by root (EPERM), after the value was checked (EINVAL first, as Linux). */
SYSCALL_DEFINE2(clock_settime, int, clk, uint64_t, tp)
{
    uint64_t ns;
    int err = timespec_from_user(tp, &ns);
    if (err)
        return err;
    if (clk != LINUX_CLOCK_REALTIME)
        return -EINVAL;
    if (current_proc()->euid != 0)
        return -EPERM;
    realtime_set(ns);
    return 0;
}

SYSCALL_DEFINE2(gettimeofday, uint64_t, tv, uint64_t, tz)
{
    uint64_t ns = realtime_ns();
    struct linux_timeval v = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000)};
    if (tv && copy_to_user(tv, &v, sizeof(v)))
        return -EFAULT;
    return tz && copy_to_user(tz, &sys_tz, sizeof(sys_tz)) ? -EFAULT : 0;
}

/* settimeofday(tv, tz): either may be NULL. tv_usec outside [0, 1e6) is EINVAL; setting
 * needs root (EPERM). The time zone is only stored (the clock is not warped by it). */
SYSCALL_DEFINE2(settimeofday, uint64_t, utv, uint64_t, utz)
{
    struct linux_timeval tv;
    struct linux_timezone tz;
    if (utv && copy_from_user(&tv, utv, sizeof(tv)))
        return -EFAULT;
    if (utv && (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000))
        return -EINVAL;
    if (utz && copy_from_user(&tz, utz, sizeof(tz)))
        return -EFAULT;
    if (current_proc()->euid != 0)
        return -EPERM;
    if (utz && (tz.tz_minuteswest < -15 * 60 || tz.tz_minuteswest > 15 * 60))
        return -EINVAL;
    if (utz)
        sys_tz = tz;
    if (utv)
        realtime_set((uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * 1000);
    return 0;
}

static bool never(void *arg)
{
    (void)arg;
    return false;
}

static struct wait_queue sleep_wq = WAIT_QUEUE_INIT(sleep_wq);

/* Sleeps until deadline (monotonic ns); on a signal, stores the time left in rem. */
static long sleep_until(uint64_t deadline, uint64_t rem)
{
    int err = await(&sleep_wq, never, NULL, AWAIT_INTERRUPTIBLE, deadline);
    if (err == -ETIMEDOUT)
        return 0;
    err = -EINTR; /* nanosleep reports the time left instead of restarting */
    if (rem) {
        uint64_t now = exo_time_ns(), left = deadline > now ? deadline - now : 0;
        struct linux_timespec ts = ns_to_timespec(left);
        copy_to_user(rem, &ts, sizeof(ts));
    }
    return err;
}

struct realtime_sleep {
    uint64_t deadline; /* CLOCK_REALTIME ns */
    unsigned seq;      /* clock_set_seq when the monotonic deadline was computed */
};

static bool realtime_reached_or_set(void *arg)
{
    struct realtime_sleep *s = arg;
    return realtime_ns() >= s->deadline ||
           __atomic_load_n(&clock_set_seq, __ATOMIC_ACQUIRE) != s->seq;
}

/* Sleeps until CLOCK_REALTIME reads deadline, following settings of the clock. */
static long sleep_until_realtime(uint64_t deadline)
{
    struct realtime_sleep s = {deadline, 0};
    for (;;) {
        s.seq = __atomic_load_n(&clock_set_seq, __ATOMIC_ACQUIRE);
        if (realtime_ns() >= deadline)
            return 0;
        int err = await(&clock_set_wq, realtime_reached_or_set, &s, AWAIT_INTERRUPTIBLE,
                        realtime_to_monotonic(deadline));
        if (err == -ERESTARTSYS)
            return -EINTR;
    }
}

/* Sleeps until the process's CPU time reaches target; on a signal, stores the CPU time
 * left in rem (relative sleeps) and returns -EINTR. */
static long sleep_on_cpu_clock(uint64_t target, uint64_t rem)
{
    struct process *p = current_proc();
    int err = timers_cpu_sleep(p, target);
    if (err != -ERESTARTSYS)
        return err;
    if (rem) {
        uint64_t now = proc_cpu_ns(p), left = target > now ? target - now : 0;
        struct linux_timespec ts = ns_to_timespec(left);
        copy_to_user(rem, &ts, sizeof(ts));
    }
    return -EINTR;
}

SYSCALL_DEFINE2(nanosleep, uint64_t, req, uint64_t, rem)
{
    uint64_t ns;
    int err = timespec_from_user(req, &ns);
    if (err)
        return err;
    return sleep_until(exo_time_ns() + (ns ? ns : 1), rem);
}

/* Can clock_nanosleep sleep on clk? 0, -EOPNOTSUPP for the clocks Linux cannot sleep on
 * (raw and coarse ones; alarm clocks, as Linux without an RTC alarm), -EINVAL for unknown
 * clocks and thread CPU-time clocks (as Linux) and other processes' CPU clocks (which
 * Linux sleeps on, not implemented here). */
static int nanosleep_clock_check(int clk)
{
    if (own_process_cpu_clock(clk))
        return 0;
    switch (clk) {
    case LINUX_CLOCK_REALTIME:
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_BOOTTIME:
    case LINUX_CLOCK_TAI:
        return 0;
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_REALTIME_COARSE:
    case LINUX_CLOCK_MONOTONIC_COARSE:
    case LINUX_CLOCK_REALTIME_ALARM:
    case LINUX_CLOCK_BOOTTIME_ALARM:
        return -EOPNOTSUPP;
    default:
        return -EINVAL;
    }
}

SYSCALL_DEFINE4(clock_nanosleep, int, clk, int, flags, uint64_t, req, uint64_t, rem)
{
    uint64_t ns, now;
    int err = nanosleep_clock_check(clk);
    if (!err)
        err = timespec_from_user(req, &ns);
    if (!err)
        err = clock_now(clk, &now);
    if (err)
        return err;
    bool abs = flags & LINUX_TIMER_ABSTIME;
    if (own_process_cpu_clock(clk))
        return sleep_on_cpu_clock(abs ? ns : now + ns, abs ? 0 : rem);
    if (abs && (clk == LINUX_CLOCK_REALTIME || clk == LINUX_CLOCK_TAI))
        return sleep_until_realtime(ns);
    uint64_t mono = exo_time_ns();
    uint64_t deadline = abs ? mono + (ns > now ? ns - now : 0) : mono + ns;
    return sleep_until(deadline ? deadline : 1, abs ? 0 : rem);
}
