/*
 * timerfd (ipc_timerfd_create(2)) as pure logic over a clock value: arming with an absolute or
 * relative it_value and an optional period, counting expirations up to a given "now", and
 * the next deadline the glue must program. TFD_TIMER_CANCEL_ON_SET is accepted and ignored
 * (no clock is ever set discontinuously here); alarm clocks behave like their base clock.
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/abi/fcntl.h>
#include <libos/ipc.h>

#define NSEC_PER_SEC 1000000000ull

int ipc_timerfd_create(const struct ipc_env *env, int clockid, unsigned flags, struct timerfd **out)
{
    switch (clockid) {
    case LINUX_CLOCK_REALTIME:
    case LINUX_CLOCK_MONOTONIC:
    case LINUX_CLOCK_BOOTTIME:
    case LINUX_CLOCK_REALTIME_ALARM:
    case LINUX_CLOCK_BOOTTIME_ALARM:
        break;
    default:
        return -EINVAL;
    }
    if (flags & ~(unsigned)(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK))
        return -EINVAL;
    struct timerfd *t = env->alloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    spin_init(&t->lock, "timerfd");
    t->env = env;
    t->clockid = clockid;
    ipc_pollq_init(&t->pollq);
    *out = t;
    return 0;
}

void ipc_timerfd_destroy(struct timerfd *t)
{
    ipc_pollq_release(&t->pollq);
    t->env->free(t);
}

static bool timespec_valid(const struct linux_timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && (uint64_t)ts->tv_nsec < NSEC_PER_SEC;
}

static uint64_t timespec_ns(const struct linux_timespec *ts)
{
    if ((uint64_t)ts->tv_sec > (UINT64_MAX - NSEC_PER_SEC) / NSEC_PER_SEC)
        return UINT64_MAX;
    return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

static struct linux_timespec ns_timespec(uint64_t ns)
{
    return (struct linux_timespec){(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
}

/* Counts expirations up to now with t->lock held: how many were added. */
static uint64_t advance_locked(struct timerfd *t, uint64_t now)
{
    if (!t->armed || now < t->deadline)
        return 0;
    if (!t->interval) {
        t->armed = false;
        t->ticks++;
        return 1;
    }
    uint64_t n = (now - t->deadline) / t->interval + 1;
    t->ticks += n;
    t->deadline += n * t->interval;
    return n;
}

/* The current setting, as ipc_timerfd_gettime reports it, with t->lock held. */
static void current_locked(struct timerfd *t, struct linux_itimerspec *cur, uint64_t now)
{
    cur->it_interval = ns_timespec(t->interval);
    cur->it_value = ns_timespec(t->armed && t->deadline > now ? t->deadline - now : 0);
}

uint64_t ipc_timerfd_advance(struct timerfd *t, uint64_t now)
{
    spin_lock(&t->lock);
    uint64_t fired = advance_locked(t, now);
    uint64_t next = t->armed ? t->deadline : 0;
    spin_unlock(&t->lock);
    if (fired)
        ipc_pollq_notify(&t->pollq, LINUX_POLLIN);
    return next;
}

int ipc_timerfd_settime(struct timerfd *t, unsigned flags, const struct linux_itimerspec *val,
                        struct linux_itimerspec *old, uint64_t now)
{
    if (flags & ~(unsigned)(LINUX_TFD_TIMER_ABSTIME | LINUX_TFD_TIMER_CANCEL_ON_SET))
        return -EINVAL;
    if (!timespec_valid(&val->it_value) || !timespec_valid(&val->it_interval))
        return -EINVAL;
    spin_lock(&t->lock);
    advance_locked(t, now);
    if (old)
        current_locked(t, old, now);
    uint64_t value = timespec_ns(&val->it_value);
    t->ticks = 0;
    t->interval = timespec_ns(&val->it_interval);
    t->armed = value != 0;
    if (t->armed) {
        bool abs = flags & LINUX_TFD_TIMER_ABSTIME;
        t->deadline = abs ? value : (UINT64_MAX - now < value ? UINT64_MAX : now + value);
    }
    spin_unlock(&t->lock);
    return 0;
}

void ipc_timerfd_gettime(struct timerfd *t, struct linux_itimerspec *cur, uint64_t now)
{
    spin_lock(&t->lock);
    advance_locked(t, now);
    current_locked(t, cur, now);
    spin_unlock(&t->lock);
}

long ipc_timerfd_read(struct timerfd *t, void *buf, size_t n, uint64_t now)
{
    if (n < sizeof(uint64_t))
        return -EINVAL;
    spin_lock(&t->lock);
    advance_locked(t, now);
    uint64_t ticks = t->ticks;
    t->ticks = 0;
    spin_unlock(&t->lock);
    if (!ticks)
        return -EAGAIN;
    memcpy(buf, &ticks, sizeof(ticks));
    return sizeof(ticks);
}

uint32_t ipc_timerfd_poll(struct timerfd *t, struct ipc_poll_table *pt, uint64_t now)
{
    ipc_poll_wait(pt, &t->pollq);
    spin_lock(&t->lock);
    advance_locked(t, now);
    uint32_t mask = t->ticks ? LINUX_POLLIN : 0;
    spin_unlock(&t->lock);
    return mask;
}

static long op_read(void *obj, unsigned f_flags, void *buf, size_t n)
{
    struct timerfd *t = obj;
    (void)f_flags;
    return ipc_timerfd_read(t, buf, n, t->env->now_ns(t->clockid));
}

static long op_write(void *obj, unsigned f_flags, const void *buf, size_t n)
{
    (void)obj, (void)f_flags, (void)buf, (void)n;
    return -EINVAL;
}

static uint32_t op_poll(void *obj, unsigned f_flags, struct ipc_poll_table *pt)
{
    struct timerfd *t = obj;
    (void)f_flags;
    return ipc_timerfd_poll(t, pt, t->env->now_ns(t->clockid));
}

static long op_ioctl(void *obj, unsigned f_flags, unsigned cmd, void *karg)
{
    (void)obj, (void)f_flags, (void)cmd, (void)karg;
    return -ENOTTY;
}

static void op_release(void *obj, unsigned f_flags)
{
    (void)f_flags;
    ipc_timerfd_destroy(obj);
}

const struct ipc_file_ops ipc_timerfd_file_ops = {op_read, op_write, op_poll, op_ioctl, op_release};
