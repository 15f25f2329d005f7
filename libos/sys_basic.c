/*
 * Process-level syscalls that need no filesystem: ids, uname, time, randomness,
 * limits, and writing to the console (until the VFS gives file descriptors).
 */
#include <string.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/clock.h>
#include <libos/proc.h>
#include <mm/slab.h>

SYSCALL_DEFINE0(getpid)
{
    return current_proc()->pid;
}

SYSCALL_DEFINE0(getppid)
{
    struct process *p = current_proc();
    return p->parent ? p->parent->pid : 0;
}

SYSCALL_DEFINE0(gettid)
{
    return current_task()->tid;
}

SYSCALL_DEFINE0(getuid)
{
    return current_proc()->uid;
}

SYSCALL_DEFINE0(geteuid)
{
    return current_proc()->euid;
}

SYSCALL_DEFINE0(getgid)
{
    return current_proc()->gid;
}

SYSCALL_DEFINE0(getegid)
{
    return current_proc()->egid;
}

SYSCALL_DEFINE1(set_tid_address, uint64_t, tidptr)
{
    current_task()->clear_child_tid = tidptr;
    return current_task()->tid;
}

SYSCALL_DEFINE1(umask, unsigned, mask)
{
    struct process *p = current_proc();
    unsigned old = p->umask;
    p->umask = mask & 0777;
    return old;
}

SYSCALL_DEFINE0(sched_yield)
{
    schedule();
    return 0;
}

SYSCALL_DEFINE1(uname, uint64_t, buf)
{
    struct linux_utsname u;
    memset(&u, 0, sizeof(u));
    strlcpy(u.sysname, "Linux", sizeof(u.sysname));
    extern char libos_hostname[65];
    strlcpy(u.nodename, libos_hostname, sizeof(u.nodename));
    strlcpy(u.release, "6.1.0-exo", sizeof(u.release));
    strlcpy(u.version, "#1 SMP exo " EXO_VERSION, sizeof(u.version));
    strlcpy(u.machine, "aarch64", sizeof(u.machine));
    strlcpy(u.domainname, "(none)", sizeof(u.domainname));
    return copy_to_user(buf, &u, sizeof(u)) ? -EFAULT : 0;
}


static int clock_now(int clk, uint64_t *ns)
{
    struct process *p = current_proc();
    switch (clk) {
    case LINUX_CLOCK_REALTIME:
    case LINUX_CLOCK_REALTIME_COARSE:
        *ns = realtime_ns();
        return 0;
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_MONOTONIC_RAW:
    case LINUX_CLOCK_MONOTONIC_COARSE:
    case LINUX_CLOCK_BOOTTIME:
        *ns = exo_time_ns();
        return 0;
    case LINUX_CLOCK_PROCESS_CPUTIME_ID:
        *ns = p->utime_ns + p->stime_ns;
        return 0;
    case LINUX_CLOCK_THREAD_CPUTIME_ID:
        *ns = current_task()->se.sum_exec_runtime;
        return 0;
    default:
        return -EINVAL;
    }
}

SYSCALL_DEFINE2(clock_gettime, int, clk, uint64_t, tp)
{
    uint64_t ns;
    int err = clock_now(clk, &ns);
    if (err)
        return err;
    struct linux_timespec ts = {(int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000)};
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

SYSCALL_DEFINE2(gettimeofday, uint64_t, tv, uint64_t, tz)
{
    (void)tz;
    uint64_t ns = realtime_ns();
    struct linux_timeval v = {(int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000 / 1000)};
    return tv && copy_to_user(tv, &v, sizeof(v)) ? -EFAULT : 0;
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
        struct linux_timespec ts = {(int64_t)(left / 1000000000), (int64_t)(left % 1000000000)};
        copy_to_user(rem, &ts, sizeof(ts));
    }
    return err;
}

static int read_timespec(uint64_t uts, uint64_t *ns)
{
    struct linux_timespec ts;
    if (copy_from_user(&ts, uts, sizeof(ts)))
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
        return -EINVAL;
    *ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
    return 0;
}

SYSCALL_DEFINE2(nanosleep, uint64_t, req, uint64_t, rem)
{
    uint64_t ns;
    int err = read_timespec(req, &ns);
    if (err)
        return err;
    return sleep_until(exo_time_ns() + (ns ? ns : 1), rem);
}

#define TIMER_ABSTIME 1

SYSCALL_DEFINE4(clock_nanosleep, int, clk, int, flags, uint64_t, req, uint64_t, rem)
{
    uint64_t ns, now;
    int err = read_timespec(req, &ns);
    if (!err)
        err = clock_now(clk, &now);
    if (err)
        return err;
    if (clk == LINUX_CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    uint64_t mono = exo_time_ns();
    uint64_t deadline = flags & TIMER_ABSTIME ? mono + (ns > now ? ns - now : 0) : mono + ns;
    return sleep_until(deadline ? deadline : 1, flags & TIMER_ABSTIME ? 0 : rem);
}

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM   0x2
#define GRND_INSECURE 0x4

SYSCALL_DEFINE3(getrandom, uint64_t, buf, uint64_t, len, unsigned, flags)
{
    /* Linux refuses unknown bits and the contradictory INSECURE|RANDOM pair. */
    if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) ||
        (flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
        return -EINVAL;
    static uint64_t state = 0x853c49e6748fea9bULL;
    uint8_t chunk[64];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = MIN(len - done, sizeof(chunk));
        for (uint64_t i = 0; i < n; i++) {
            uint64_t x = __atomic_add_fetch(&state, 0x9e3779b97f4a7c15ULL ^ exo_time_ns(),
                                            __ATOMIC_RELAXED);
            x ^= x >> 30, x *= 0xbf58476d1ce4e5b9ULL, x ^= x >> 27;
            chunk[i] = (uint8_t)(x >> 32);
        }
        if (copy_to_user(buf + done, chunk, n))
            return done ? (long)done : -EFAULT;
        done += n;
    }
    return (long)done;
}
