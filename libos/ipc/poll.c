/*
 * Poll queues (readiness notification), and the scan cores of poll(2) and select(2) with
 * their timeout conversions. The waiting itself is the glue's: it scans with a poll table
 * that attaches entries waking its wait queue, awaits, and scans again.
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/ipc.h>

#define DEFAULT_POLLMASK (LINUX_POLLIN | LINUX_POLLOUT | LINUX_POLLRDNORM | LINUX_POLLWRNORM)
#define NSEC_PER_SEC     1000000000ull
#define NSEC_PER_USEC    1000ull
#define USEC_PER_SEC     1000000ll

void ipc_pollq_init(struct ipc_pollq *q)
{
    spin_init(&q->lock, "ipc_pollq");
    list_init(&q->entries);
}

/* The queue's lock does not mask interrupts: a handler taking it on a CPU whose task holds
 * it would spin forever, so interrupt handlers must leave poll queues to a task. */
static void not_in_interrupt(void)
{
    if (platform_in_interrupt())
        platform_panic("ipc_pollq used from an interrupt handler");
}

void ipc_pollq_add(struct ipc_pollq *q, struct ipc_poll_entry *e)
{
    not_in_interrupt();
    spin_lock(&q->lock);
    list_push_back(&q->entries, &e->node);
    spin_unlock(&q->lock);
}

void ipc_pollq_remove(struct ipc_pollq *q, struct ipc_poll_entry *e)
{
    spin_lock(&q->lock);
    list_remove(&e->node);
    spin_unlock(&q->lock);
}

void ipc_pollq_notify(struct ipc_pollq *q, uint32_t events)
{
    struct list_node *n, *tmp;
    if (!events)
        return;
    not_in_interrupt();
    spin_lock(&q->lock);
    list_for_each_safe(n, tmp, &q->entries)
    {
        struct ipc_poll_entry *e = list_entry(n, struct ipc_poll_entry, node);
        e->wake(e, events);
    }
    spin_unlock(&q->lock);
}

uint32_t ipc_view_poll(const struct ipc_fd_view *v, struct ipc_poll_table *pt)
{
    if (!v->ops || !v->ops->poll)
        return DEFAULT_POLLMASK;
    return v->ops->poll(v->obj, v->f_flags, pt);
}

int ipc_poll_scan(struct linux_pollfd *fds, size_t n, ipc_fd_lookup_fn lookup, void *ctx,
                  struct ipc_poll_table *pt)
{
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        struct ipc_fd_view v;
        uint32_t mask = 0;
        if (fds[i].fd >= 0) {
            if (lookup(ctx, fds[i].fd, &v) < 0) {
                mask = LINUX_POLLNVAL;
            } else {
                uint32_t want = (uint16_t)fds[i].events | LINUX_POLLERR | LINUX_POLLHUP;
                mask = ipc_view_poll(&v, pt) & want;
            }
        }
        fds[i].revents = (int16_t)mask;
        if (mask) {
            count++;
            pt = NULL; /* something is ready: no need to wait, stop registering */
        }
    }
    return count;
}

/* Checks that every fd named in a set is open: 0 or -EBADF. */
static int select_check_fds(int nfds, const struct ipc_fd_set *in, const struct ipc_fd_set *out,
                            const struct ipc_fd_set *ex, ipc_fd_lookup_fn lookup, void *ctx)
{
    for (int fd = 0; fd < nfds; fd++) {
        struct ipc_fd_view v;
        if ((ipc_fd_isset(in, fd) || ipc_fd_isset(out, fd) || ipc_fd_isset(ex, fd)) &&
            lookup(ctx, fd, &v) < 0)
            return -EBADF;
    }
    return 0;
}

int ipc_select_scan(int nfds, const struct ipc_fd_set *in, const struct ipc_fd_set *out,
                    const struct ipc_fd_set *ex, struct ipc_fd_set *rin, struct ipc_fd_set *rout,
                    struct ipc_fd_set *rex, ipc_fd_lookup_fn lookup, void *ctx,
                    struct ipc_poll_table *pt)
{
    struct ipc_fd_set *res[3] = {rin, rout, rex};
    for (int i = 0; i < 3; i++)
        if (res[i])
            memset(res[i], 0, sizeof(*res[i]));
    int err = select_check_fds(nfds, in, out, ex, lookup, ctx);
    if (err)
        return err;
    int count = 0;
    for (int fd = 0; fd < nfds; fd++) {
        bool want_in = ipc_fd_isset(in, fd), want_out = ipc_fd_isset(out, fd);
        bool want_ex = ipc_fd_isset(ex, fd);
        if (!want_in && !want_out && !want_ex)
            continue;
        struct ipc_fd_view v;
        lookup(ctx, fd, &v);
        uint32_t mask = ipc_view_poll(&v, pt);
        bool hit = false;
        if (want_in && rin && (mask & IPC_SELECT_IN)) {
            ipc_fd_set(rin, fd);
            count++, hit = true;
        }
        if (want_out && rout && (mask & IPC_SELECT_OUT)) {
            ipc_fd_set(rout, fd);
            count++, hit = true;
        }
        if (want_ex && rex && (mask & IPC_SELECT_EX)) {
            ipc_fd_set(rex, fd);
            count++, hit = true;
        }
        if (hit)
            pt = NULL;
    }
    return count;
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

enum ipc_timeout_kind ipc_timeout_from_ms(int ms, uint64_t now, uint64_t *deadline)
{
    if (ms < 0)
        return IPC_TIMEOUT_FOREVER;
    if (ms == 0)
        return IPC_TIMEOUT_NONE;
    *deadline = add_saturating(now, (uint64_t)ms * 1000000ull);
    return IPC_TIMEOUT_UNTIL;
}

/* (sec, nsec) as a timeout: the kind, or -EINVAL unless sec >= 0 and 0 <= nsec < 1 s. */
static int timeout_from_parts(int64_t sec, int64_t nsec, uint64_t now, uint64_t *deadline)
{
    if (sec < 0 || nsec < 0 || (uint64_t)nsec >= NSEC_PER_SEC)
        return -EINVAL;
    if (sec == 0 && nsec == 0)
        return IPC_TIMEOUT_NONE;
    uint64_t ns =
        (uint64_t)sec > UINT64_MAX / NSEC_PER_SEC ? UINT64_MAX : (uint64_t)sec * NSEC_PER_SEC;
    *deadline = add_saturating(now, add_saturating(ns, (uint64_t)nsec));
    return IPC_TIMEOUT_UNTIL;
}

int ipc_timeout_from_timespec(const struct linux_timespec *ts, uint64_t now, uint64_t *deadline)
{
    if (!ts)
        return IPC_TIMEOUT_FOREVER;
    return timeout_from_parts(ts->tv_sec, ts->tv_nsec, now, deadline);
}

/* select normalizes tv_usec >= 1 s into seconds (Linux does), but a negative part fails. */
int ipc_timeout_from_timeval(const struct linux_timeval *tv, uint64_t now, uint64_t *deadline)
{
    if (!tv)
        return IPC_TIMEOUT_FOREVER;
    if (tv->tv_sec < 0 || tv->tv_usec < 0)
        return -EINVAL;
    int64_t extra = tv->tv_usec / USEC_PER_SEC;
    int64_t sec = tv->tv_sec > INT64_MAX - extra ? INT64_MAX : tv->tv_sec + extra;
    return timeout_from_parts(sec, (tv->tv_usec % USEC_PER_SEC) * (int64_t)NSEC_PER_USEC, now,
                              deadline);
}

void ipc_timeout_left_timespec(uint64_t deadline, uint64_t now, struct linux_timespec *ts)
{
    uint64_t left = deadline > now ? deadline - now : 0;
    ts->tv_sec = (int64_t)(left / NSEC_PER_SEC);
    ts->tv_nsec = (int64_t)(left % NSEC_PER_SEC);
}

void ipc_timeout_left_timeval(uint64_t deadline, uint64_t now, struct linux_timeval *tv)
{
    uint64_t left = deadline > now ? deadline - now : 0;
    tv->tv_sec = (int64_t)(left / NSEC_PER_SEC);
    tv->tv_usec = (int64_t)(left % NSEC_PER_SEC / NSEC_PER_USEC);
}
