/*
 * The syscalls over the libos/ipc cores that files.c does not own: epoll, eventfd, timerfd,
 * ppoll and pselect6. Objects become FILE_OPS files; waiting is an await on a wait queue woken
 * by poll-queue entries (struct ipc_waiter).
 */
#include <string.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/clock.h>
#include <libos/file.h>
#include <libos/ipc.h>
#include <libos/ipc_glue.h>
#include <libos/proc.h>
#include <libos/signal.h>
#include <libos/task.h>
#include <libos/wait.h>
#include <mm/slab.h>

/* ---- Descriptors for ipc objects --------------------------------------------------------- */

long ipc_install(const struct ipc_file_ops *ops, void *obj, unsigned flags, bool cloexec)
{
    struct file *f = file_new(FILE_OPS, flags, NULL);
    if (!f) {
        ops->release(obj, flags);
        return -ENOMEM;
    }
    f->ops = ops;
    f->obj = obj;
    int fd = fd_install(f, 0, cloexec);
    if (fd < 0)
        file_put(f);
    return fd;
}

struct file *ipc_fd_get(int fd, const struct ipc_file_ops *ops, long *err)
{
    struct file *f = fd_get(fd);
    *err = -EBADF;
    if (f && f->ops != ops) {
        file_put(f);
        f = NULL;
        *err = -EINVAL;
    }
    return f;
}

/* ---- Waiting on poll queues ------------------------------------------------------------- */

static void waiter_wake(struct ipc_poll_entry *e, uint32_t events)
{
    (void)events;
    struct ipc_waiter *w = e->priv;
    WRITE_ONCE(w->woken, true);
    wake_all(&w->wq);
}

static void waiter_queue(struct ipc_poll_table *pt, struct ipc_pollq *q)
{
    struct ipc_waiter *w = container_of(pt, struct ipc_waiter, table);
    if (w->n == IPC_WAITER_QUEUES)
        return;
    struct ipc_poll_entry *e = &w->entries[w->n];
    *e = (struct ipc_poll_entry){.wake = waiter_wake, .detach = NULL, .priv = w};
    list_init(&e->node);
    w->queues[w->n++] = q;
    ipc_pollq_add(q, e);
}

struct ipc_waiter *ipc_waiter_new(void)
{
    struct ipc_waiter *w = kmalloc(sizeof(*w));
    if (!w)
        return NULL;
    w->table.queue = waiter_queue;
    wait_queue_init(&w->wq);
    w->woken = false;
    w->n = 0;
    return w;
}

void ipc_waiter_free(struct ipc_waiter *w)
{
    for (int i = 0; i < w->n; i++)
        ipc_pollq_remove(w->queues[i], &w->entries[i]);
    kfree(w);
}

static bool waiter_woken(void *arg)
{
    struct ipc_waiter *w = arg;
    return READ_ONCE(w->woken);
}

int ipc_waiter_wait(struct ipc_waiter *w, uint64_t deadline)
{
    int err = await(&w->wq, waiter_woken, w, AWAIT_INTERRUPTIBLE, deadline);
    WRITE_ONCE(w->woken, false);
    return err;
}

long ipc_wait_scan(long (*scan)(void *arg, struct ipc_poll_table *pt), void *arg, uint64_t deadline)
{
    struct ipc_waiter *w = ipc_waiter_new();
    if (!w)
        return -ENOMEM;
    long r = scan(arg, &w->table);
    while (r == 0) {
        int err = ipc_waiter_wait(w, deadline);
        if (err == -ERESTARTSYS) {
            r = err;
            break;
        }
        r = scan(arg, NULL);
        if (err == -ETIMEDOUT)
            break;
    }
    ipc_waiter_free(w);
    return r;
}

/* ppoll/pselect6/epoll_wait's wait: one scan (kind IPC_TIMEOUT_NONE) or ipc_wait_scan until
 * the deadline (IPC_TIMEOUT_UNTIL) or for ever. */
static long scan_wait(long (*scan)(void *arg, struct ipc_poll_table *pt), void *arg, int kind,
                      uint64_t deadline)
{
    if (kind == IPC_TIMEOUT_NONE)
        return scan(arg, NULL);
    return ipc_wait_scan(scan, arg, kind == IPC_TIMEOUT_UNTIL ? deadline : 0);
}

/* Applies a ppoll/pselect6/epoll_pwait signal mask (usigmask 0: none): 0, -EINVAL, -EFAULT.
 * The old mask comes back on the way to user space (sig_restore_saved_mask) or is saved
 * in a handler's frame. */
static long apply_sigmask(uint64_t usigmask, uint64_t sigsetsize)
{
    if (!usigmask)
        return 0;
    uint64_t mask;
    if (sigsetsize != sizeof(mask))
        return -EINVAL;
    if (copy_from_user(&mask, usigmask, sizeof(mask)))
        return -EFAULT;
    sig_suspend_begin(&current_task()->sig, mask);
    return 0;
}

/* The timeout (a user timespec, uts 0: none) and signal mask of ppoll and epoll_pwait2:
 * the timeout's kind (with *ts and *deadline filled) or an error; the mask is applied last,
 * once nothing can fail. */
static int timeout_and_mask(uint64_t uts, struct linux_timespec *ts, uint64_t *deadline,
                            uint64_t usigmask, uint64_t sigsetsize)
{
    if (uts && copy_from_user(ts, uts, sizeof(*ts)))
        return -EFAULT;
    int kind = ipc_timeout_from_timespec(uts ? ts : NULL, exo_time_ns(), deadline);
    if (kind < 0)
        return kind;
    long err = apply_sigmask(usigmask, sigsetsize);
    return err ? (int)err : kind;
}

/* ---- epoll ------------------------------------------------------------------------------ */

uint32_t ttycon_poll(struct ipc_poll_table *pt);

static uint32_t console_poll(void *obj, unsigned f_flags, struct ipc_poll_table *pt)
{
    (void)obj, (void)f_flags;
    return ttycon_poll(pt);
}

bool ipc_file_view(struct file *f, struct ipc_fd_view *v)
{
    static const struct ipc_file_ops console_ops = {.poll = console_poll};
    *v = (struct ipc_fd_view){f->ops, f->obj, f->flags};
    if (f->kind == FILE_CONSOLE)
        v->ops = &console_ops;
    return v->ops != NULL;
}

SYSCALL_DEFINE1(epoll_create1, int, flags)
{
    if (flags & ~LINUX_EPOLL_CLOEXEC)
        return -EINVAL;
    struct epoll *ep;
    int err = ipc_epoll_create(&ipc_env, &ep);
    if (err)
        return err;
    return ipc_install(&ipc_epoll_file_ops, ep, LINUX_O_RDWR, flags & LINUX_EPOLL_CLOEXEC);
}

SYSCALL_DEFINE4(epoll_ctl, int, epfd, int, op, int, fd, uint64_t, uevent)
{
    struct linux_epoll_event ev = {0};
    if (op != LINUX_EPOLL_CTL_DEL && copy_from_user(&ev, uevent, sizeof(ev)))
        return -EFAULT;
    struct file *epf = fd_get(epfd);
    if (!epf)
        return -EBADF;
    struct file *tf = fd_get(fd);
    long r = -EBADF;
    if (tf) {
        struct ipc_fd_view v;
        ipc_file_view(tf, &v);
        if (epf->ops != &ipc_epoll_file_ops)
            r = v.ops && v.ops->poll ? -EINVAL : -EPERM;
        else
            r = ipc_epoll_ctl(epf->obj, op, fd, tf, &v, &ev);
        file_put(tf);
    }
    file_put(epf);
    return r;
}

struct epoll_scan_args {
    struct epoll *ep;
    struct linux_epoll_event *kev;
    int max;
};

/* Registers on the epoll's queue (pt non-NULL), then collects: the number of events. */
static long epoll_scan(void *arg, struct ipc_poll_table *pt)
{
    struct epoll_scan_args *a = arg;
    if (pt)
        ipc_epoll_poll(a->ep, pt);
    return ipc_epoll_collect(a->ep, a->kev, a->max);
}

/* epoll_wait's loop: collects ready events into kev, waiting until deadline (kind); a
 * signal ends it with -EINTR (epoll_wait is never restarted). */
static long epoll_wait_events(struct epoll *ep, struct linux_epoll_event *kev, int max, int kind,
                              uint64_t deadline)
{
    struct epoll_scan_args a = {ep, kev, max};
    long r = scan_wait(epoll_scan, &a, kind, deadline);
    return r == -ERESTARTSYS ? -EINTR : r;
}

/* Everything epoll_pwait and epoll_pwait2 share once the timeout is known. */
static long do_epoll_wait(int epfd, uint64_t uevents, int maxevents, int kind, uint64_t deadline)
{
    if (maxevents <= 0 || maxevents > EPOLL_MAX_EVENTS)
        return -EINVAL;
    long r;
    struct file *f = ipc_fd_get(epfd, &ipc_epoll_file_ops, &r);
    if (!f)
        return r;
    int max = MIN(maxevents, 256);
    struct linux_epoll_event *kev = kmalloc(sizeof(*kev) * (size_t)max);
    r = kev ? epoll_wait_events(f->obj, kev, max, kind, deadline) : -ENOMEM;
    if (r > 0 && copy_to_user(uevents, kev, sizeof(*kev) * (size_t)r))
        r = -EFAULT;
    kfree(kev);
    file_put(f);
    return r;
}

SYSCALL_DEFINE6(epoll_pwait, int, epfd, uint64_t, uevents, int, maxevents, int, timeout, uint64_t,
                usigmask, uint64_t, sigsetsize)
{
    long err = apply_sigmask(usigmask, sigsetsize);
    if (err)
        return err;
    uint64_t deadline = 0;
    int kind = ipc_timeout_from_ms(timeout, exo_time_ns(), &deadline);
    return do_epoll_wait(epfd, uevents, maxevents, kind, deadline);
}

SYSCALL_DEFINE6(epoll_pwait2, int, epfd, uint64_t, uevents, int, maxevents, uint64_t, uts, uint64_t,
                usigmask, uint64_t, sigsetsize)
{
    struct linux_timespec ts;
    uint64_t deadline = 0;
    int kind = timeout_and_mask(uts, &ts, &deadline, usigmask, sigsetsize);
    if (kind < 0)
        return kind;
    return do_epoll_wait(epfd, uevents, maxevents, kind, deadline);
}

/* ---- eventfd ---------------------------------------------------------------------------- */

SYSCALL_DEFINE2(eventfd2, unsigned, initval, int, flags)
{
    struct eventfd *e;
    int err = ipc_eventfd_create(&ipc_env, initval, (unsigned)flags, &e);
    if (err)
        return err;
    return ipc_install(&ipc_eventfd_file_ops, e, LINUX_O_RDWR | (flags & LINUX_EFD_NONBLOCK),
                       flags & LINUX_EFD_CLOEXEC);
}

/* ---- timerfd ---------------------------------------------------------------------------- */

/* Every timerfd is on tfd_list; one kernel task (timerfd-service) sleeps until the earliest
 * deadline, accounts expirations (which notifies pollers) and sleeps again. settime wakes
 * it to recompute. */
struct tfd {
    struct list_node link;
    struct timerfd *t;
};

static struct spinlock tfd_lock = SPINLOCK_INIT("timerfd_list");
static struct list_node tfd_list = LIST_INIT(tfd_list);
static struct wait_queue tfd_wq = WAIT_QUEUE_INIT(tfd_wq);
static unsigned tfd_gen;
static bool tfd_service_started;

/* A clock deadline as a monotonic one (a realtime deadline at the realtime offset as it
 * stands now; a later clock_settime does not move it). */
static uint64_t tfd_mono_deadline(int clockid, uint64_t d)
{
    if (clockid != LINUX_CLOCK_REALTIME && clockid != LINUX_CLOCK_REALTIME_ALARM)
        return d;
    return realtime_to_monotonic(d);
}

/* Advances every timerfd; returns the earliest monotonic deadline left (0: none). */
static uint64_t tfd_advance_all(void)
{
    uint64_t next = 0;
    struct list_node *n;
    spin_lock(&tfd_lock);
    list_for_each(n, &tfd_list)
    {
        struct tfd *x = list_entry(n, struct tfd, link);
        uint64_t d = ipc_timerfd_advance(x->t, ipc_env.now_ns(x->t->clockid));
        if (d) {
            d = tfd_mono_deadline(x->t->clockid, d);
            next = next && next < d ? next : d;
        }
    }
    spin_unlock(&tfd_lock);
    return next;
}

static bool tfd_gen_changed(void *arg)
{
    return READ_ONCE(tfd_gen) != *(unsigned *)arg;
}

static void tfd_service(void *arg)
{
    (void)arg;
    for (;;) {
        unsigned gen = READ_ONCE(tfd_gen);
        uint64_t next = tfd_advance_all();
        await(&tfd_wq, tfd_gen_changed, &gen, 0, next);
    }
}

static void tfd_kick(void)
{
    __atomic_add_fetch(&tfd_gen, 1, __ATOMIC_RELEASE);
    wake_all(&tfd_wq);
}

/* Starts the service task once: 0 or -ENOMEM. */
static int tfd_service_start(void)
{
    spin_lock(&tfd_lock);
    bool start = !tfd_service_started;
    tfd_service_started = true;
    spin_unlock(&tfd_lock);
    if (!start)
        return 0;
    struct task *t = task_create("timerfd", tfd_service, NULL);
    if (!t) {
        WRITE_ONCE(tfd_service_started, false);
        return -ENOMEM;
    }
    task_start(t);
    return 0;
}

static long tfd_read(void *obj, unsigned f_flags, void *buf, size_t n)
{
    return ipc_timerfd_file_ops.read(((struct tfd *)obj)->t, f_flags, buf, n);
}

static long tfd_write(void *obj, unsigned f_flags, const void *buf, size_t n)
{
    return ipc_timerfd_file_ops.write(((struct tfd *)obj)->t, f_flags, buf, n);
}

static uint32_t tfd_poll(void *obj, unsigned f_flags, struct ipc_poll_table *pt)
{
    return ipc_timerfd_file_ops.poll(((struct tfd *)obj)->t, f_flags, pt);
}

static long tfd_ioctl(void *obj, unsigned f_flags, unsigned cmd, void *karg)
{
    return ipc_timerfd_file_ops.ioctl(((struct tfd *)obj)->t, f_flags, cmd, karg);
}

static void tfd_release(void *obj, unsigned f_flags)
{
    struct tfd *x = obj;
    spin_lock(&tfd_lock);
    list_remove(&x->link);
    spin_unlock(&tfd_lock);
    ipc_timerfd_file_ops.release(x->t, f_flags);
    kfree(x);
}

static const struct ipc_file_ops tfd_ops = {tfd_read, tfd_write, tfd_poll, tfd_ioctl, tfd_release};

SYSCALL_DEFINE2(timerfd_create, int, clockid, int, flags)
{
    struct timerfd *t;
    int err = ipc_timerfd_create(&ipc_env, clockid, (unsigned)flags, &t);
    if (!err)
        err = tfd_service_start();
    if (err)
        return err;
    struct tfd *x = kzalloc(sizeof(*x));
    if (!x) {
        ipc_timerfd_destroy(t);
        return -ENOMEM;
    }
    x->t = t;
    spin_lock(&tfd_lock);
    list_push_back(&tfd_list, &x->link);
    spin_unlock(&tfd_lock);
    return ipc_install(&tfd_ops, x, LINUX_O_RDWR | (flags & LINUX_O_NONBLOCK),
                       flags & LINUX_O_CLOEXEC);
}

SYSCALL_DEFINE4(timerfd_settime, int, fd, int, flags, uint64_t, unew, uint64_t, uold)
{
    struct linux_itimerspec val, old;
    if (copy_from_user(&val, unew, sizeof(val)))
        return -EFAULT;
    long r;
    struct file *f = ipc_fd_get(fd, &tfd_ops, &r);
    if (!f)
        return r;
    struct timerfd *t = ((struct tfd *)f->obj)->t;
    r = ipc_timerfd_settime(t, (unsigned)flags, &val, &old, ipc_env.now_ns(t->clockid));
    file_put(f);
    if (r)
        return r;
    tfd_kick();
    return uold && copy_to_user(uold, &old, sizeof(old)) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(timerfd_gettime, int, fd, uint64_t, ucur)
{
    long r;
    struct file *f = ipc_fd_get(fd, &tfd_ops, &r);
    if (!f)
        return r;
    struct timerfd *t = ((struct tfd *)f->obj)->t;
    struct linux_itimerspec cur;
    ipc_timerfd_gettime(t, &cur, ipc_env.now_ns(t->clockid));
    file_put(f);
    return copy_to_user(ucur, &cur, sizeof(cur)) ? -EFAULT : 0;
}

/* ---- ppoll and pselect6 ----------------------------------------------------------------- */

struct select_args {
    int nfds;
    struct ipc_fd_set in, out, ex; /* requested */
    bool has[3];
};

struct select_scan_args {
    const struct select_args *a;
    struct ipc_fd_set *res; /* [3] */
};

/* One scan: fills the result sets, returns the count or -EBADF; pt registers waiters. */
static long select_scan(void *arg, struct ipc_poll_table *pt)
{
    const struct select_args *a = ((struct select_scan_args *)arg)->a;
    struct ipc_fd_set *res = ((struct select_scan_args *)arg)->res;
    static const uint32_t masks[3] = {IPC_SELECT_IN, IPC_SELECT_OUT, IPC_SELECT_EX};
    const struct ipc_fd_set *want[3] = {&a->in, &a->out, &a->ex};
    memset(res, 0, 3 * sizeof(res[0]));
    long count = 0;
    for (int fd = 0; fd < a->nfds; fd++) {
        bool any = false;
        for (int i = 0; i < 3; i++)
            any |= a->has[i] && ipc_fd_isset(want[i], fd);
        if (!any)
            continue;
        struct file *f = fd_get(fd);
        if (!f)
            return -EBADF;
        uint32_t m = file_poll(f, pt);
        file_put(f);
        for (int i = 0; i < 3; i++) {
            if (a->has[i] && ipc_fd_isset(want[i], fd) && (m & masks[i])) {
                ipc_fd_set(&res[i], fd);
                count++;
                pt = NULL;
            }
        }
    }
    return count;
}

struct poll_args {
    struct linux_pollfd *fds;
    unsigned n;
};

/* One poll(2) scan: fills every revents, returns how many are nonzero. */
static long poll_scan(void *arg, struct ipc_poll_table *pt)
{
    struct poll_args *a = arg;
    long ready = 0;
    for (unsigned i = 0; i < a->n; i++) {
        struct linux_pollfd *p = &a->fds[i];
        p->revents = 0;
        if (p->fd < 0)
            continue;
        struct file *f = fd_get(p->fd);
        if (!f) {
            p->revents = LINUX_POLLNVAL;
        } else {
            uint32_t m = file_poll(f, pt);
            p->revents = (short)(m & ((uint16_t)p->events | LINUX_POLLERR | LINUX_POLLHUP));
            file_put(f);
        }
        if (p->revents) {
            ready++;
            pt = NULL;
        }
    }
    return ready;
}

SYSCALL_DEFINE5(ppoll, uint64_t, ufds, unsigned, nfds, uint64_t, uts, uint64_t, usigmask, uint64_t,
                sigsetsize)
{
    if (nfds > FD_MAX)
        return -EINVAL;
    struct linux_timespec ts;
    uint64_t deadline = 0;
    int kind = timeout_and_mask(uts, &ts, &deadline, usigmask, sigsetsize);
    if (kind < 0)
        return kind;
    size_t bytes = sizeof(struct linux_pollfd) * nfds;
    struct poll_args a = {kmalloc(bytes ? bytes : 1), nfds};
    long r = !a.fds ? -ENOMEM : copy_from_user(a.fds, ufds, bytes) ? -EFAULT : 0;
    if (!r)
        r = scan_wait(poll_scan, &a, kind, deadline);
    if (r == -ERESTARTSYS)
        r = -ERESTARTNOHAND;
    if (r >= 0 && copy_to_user(ufds, a.fds, bytes))
        r = -EFAULT;
    if (r >= 0 && uts && kind == IPC_TIMEOUT_UNTIL) {
        ipc_timeout_left_timespec(deadline, exo_time_ns(), &ts);
        (void)copy_to_user(uts, &ts, sizeof(ts)); /* Linux ignores a failed update */
    }
    kfree(a.fds);
    return r;
}

/* Copies the first nfds bits of a user fd_set in (uset 0: not given). */
static bool copy_set_in(uint64_t uset, int nfds, struct ipc_fd_set *s, bool *has)
{
    memset(s, 0, sizeof(*s));
    *has = uset != 0;
    size_t bytes = ((size_t)nfds + IPC_NFDBITS - 1) / IPC_NFDBITS * 8;
    return !uset || !copy_from_user(s->bits, uset, bytes);
}

SYSCALL_DEFINE6(pselect6, int, nfds, uint64_t, uin, uint64_t, uout, uint64_t, uex, uint64_t, uts,
                uint64_t, usig)
{
    if (nfds < 0)
        return -EINVAL;
    struct select_args *a = kzalloc(sizeof(*a));
    struct ipc_fd_set *res = kmalloc(3 * sizeof(*res));
    long r = a && res ? 0 : -ENOMEM;
    uint64_t usets[3] = {uin, uout, uex}, deadline = 0;
    struct ipc_fd_set *sets[3];
    int kind = IPC_TIMEOUT_FOREVER;
    struct linux_timespec ts;
    if (!r) {
        a->nfds = MIN(nfds, FD_MAX);
        sets[0] = &a->in, sets[1] = &a->out, sets[2] = &a->ex;
        for (int i = 0; i < 3 && !r; i++)
            if (!copy_set_in(usets[i], a->nfds, sets[i], &a->has[i]))
                r = -EFAULT;
    }
    if (!r && uts && copy_from_user(&ts, uts, sizeof(ts)))
        r = -EFAULT;
    if (!r && (kind = ipc_timeout_from_timespec(uts ? &ts : NULL, exo_time_ns(), &deadline)) < 0)
        r = kind;
    uint64_t sig[2];
    if (!r && usig && copy_from_user(sig, usig, sizeof(sig)))
        r = -EFAULT;
    if (!r && usig)
        r = apply_sigmask(sig[0], sig[1]);
    struct select_scan_args sa = {a, res};
    if (!r)
        r = scan_wait(select_scan, &sa, kind, deadline);
    if (r == -ERESTARTSYS)
        r = -ERESTARTNOHAND;
    if (r >= 0) {
        size_t bytes = ((size_t)a->nfds + IPC_NFDBITS - 1) / IPC_NFDBITS * 8;
        for (int i = 0; i < 3; i++)
            if (usets[i] && copy_to_user(usets[i], res[i].bits, bytes))
                r = -EFAULT;
        if (uts && kind == IPC_TIMEOUT_UNTIL) {
            ipc_timeout_left_timespec(deadline, exo_time_ns(), &ts);
            (void)copy_to_user(uts, &ts, sizeof(ts)); /* Linux ignores a failed update */
        }
    }
    kfree(a);
    kfree(res);
    return r;
}
