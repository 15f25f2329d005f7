/*
 * The terminal glue shared by the console and pseudo-terminals (see libos/term.h): blocking
 * I/O over the non-blocking line discipline, job control, controlling terminals, hangup.
 */
#include <string.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/termios.h>
#include <libos/file.h>
#include <libos/proc.h>
#include <libos/term.h>
#include <mm/slab.h>

#define O_NONBLOCK 04000
#define POLLIN     0x1u
#define POLLOUT    0x4u
#define POLLHUP    0x10u

void proc_for_each(void (*fn)(struct process *, void *), void *arg);

void term_init(struct term *t, const struct tty_ops *ops, void *ctx, const struct term_driver *drv,
               uint64_t rdev)
{
    memset(t, 0, sizeof(*t));
    tty_init(&t->ld, ops, ctx ? ctx : t);
    t->drv = drv;
    wait_queue_init(&t->rq);
    wait_queue_init(&t->wq);
    ipc_pollq_init(&t->pollq);
    t->refs = 1;
    t->rdev = rdev;
}

void term_get(struct term *t)
{
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

void term_put(struct term *t)
{
    if (!__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) && t->drv->release)
        t->drv->release(t);
}

void term_wake_readers(struct term *t)
{
    __atomic_add_fetch(&t->input_generation, 1, __ATOMIC_RELAXED);
    wake_all(&t->rq);
    wake_all(&t->wq);
}

void term_notify_pollers(struct term *t, uint32_t events)
{
    ipc_pollq_notify(&t->pollq, events);
}

void term_input_arrived(struct term *t)
{
    term_wake_readers(t);
    term_notify_pollers(t, POLLIN);
}

void term_output_room(struct term *t)
{
    wake_all(&t->wq);
    ipc_pollq_notify(&t->pollq, POLLOUT);
}

static void output_done(struct term *t)
{
    if (t->drv->output_done)
        t->drv->output_done(t);
}

static bool in_group(struct process *p, void *arg)
{
    return p->pgid == *(int *)arg;
}

void signal_pgrp(int pgrp, int sig)
{
    linux_siginfo_t info;
    sig_info_kernel(&info, sig);
    int pids[256];
    int n = proc_collect(in_group, &pgrp, pids, 256);
    for (int i = 0; i < n; i++) {
        struct process *p = proc_get(pids[i]);
        if (p)
            signal_process(p, &info);
        proc_put(p);
    }
}

bool term_is_ctty(struct term *t, struct process *p)
{
    return p->ctty == t && t->ld.session == p->sid && p->sid > 0;
}

struct orphan_scan {
    int pgrp;
    struct process *except;
    bool orphaned;
};

static void scan_orphan(struct process *p, void *arg)
{
    struct orphan_scan *s = arg;
    /* a member whose parent is leaving gets init, of another session, as its parent */
    if (p == s->except || p->pgid != s->pgrp || p->exiting || !p->parent || p->parent == s->except)
        return;
    if (p->parent->pgid != s->pgrp && p->parent->sid == p->sid)
        s->orphaned = false;
}

bool pgrp_is_orphaned(int pgrp, struct process *except)
{
    struct orphan_scan s = {pgrp, except, true};
    proc_for_each(scan_orphan, &s);
    return s.orphaned;
}

/* Background access checks: 0 to proceed, else the error the syscall returns. */
static int job_control(struct term *t, enum tty_jc_op op)
{
    struct task *task = current_task();
    struct process *p = task->proc;
    int sig = op == TTY_JC_READ ? LINUX_SIGTTIN : LINUX_SIGTTOU;
    struct tty_jc_caller caller = {
        .is_ctty = term_is_ctty(t, p),
        .pgrp = p->pgid,
        .sig_ignored = p->sig.action[sig - 1].sa_handler == 1 /* SIG_IGN */,
        .sig_blocked = (task->sig.blocked >> (sig - 1)) & 1,
        .pgrp_orphaned = false,
    };
    if (caller.is_ctty && t->ld.pgrp != p->pgid)
        caller.pgrp_orphaned = pgrp_is_orphaned(p->pgid, NULL);
    int send = 0;
    switch (tty_job_control(&t->ld, op, &caller, &send)) {
    case TTY_JC_PROCEED:
        return 0;
    case TTY_JC_EIO:
        return -EIO;
    default:
        signal_pgrp(p->pgid, send);
        return -ERESTARTSYS;
    }
}

struct raw_wait {
    struct term *t;
    uint64_t generation;
};

static bool input_changed(void *arg)
{
    struct raw_wait *w = arg;
    return __atomic_load_n(&w->t->input_generation, __ATOMIC_RELAXED) != w->generation ||
           READ_ONCE(w->t->hung_up);
}

static bool readable(void *arg)
{
    struct term *t = arg;
    return tty_readable(&t->ld) || READ_ONCE(t->hung_up);
}

/* Tells the driver that a read made room in the line discipline. */
static long input_taken(struct term *t, long r)
{
    if (r > 0 && t->drv->input_taken)
        t->drv->input_taken(t);
    return r;
}

/* Canonical read: one line, waiting for it unless O_NONBLOCK. */
static long read_canon(struct term *t, char *kbuf, size_t want, unsigned fflags)
{
    long r;
    while ((r = tty_read(&t->ld, kbuf, want)) == -EAGAIN) {
        if (READ_ONCE(t->hung_up))
            return 0;
        if (fflags & O_NONBLOCK)
            break;
        int err = await(&t->rq, readable, t, AWAIT_INTERRUPTIBLE, 0);
        if (err)
            return err;
    }
    return input_taken(t, r);
}

/* Non-canonical read: VMIN/VTIME decide when to return (tty_raw_decide). */
static long read_raw(struct term *t, char *kbuf, size_t want, unsigned fflags)
{
    uint64_t start = exo_time_ns(), last_growth = UINT64_MAX;
    size_t seen = tty_input_count(&t->ld);
    for (;;) {
        uint64_t now = exo_time_ns();
        size_t avail = tty_input_count(&t->ld);
        if (avail > seen) {
            seen = avail;
            last_growth = now;
        }
        struct tty_raw_verdict v = tty_raw_decide(
            t->ld.termios.c_cc[LINUX_VMIN], t->ld.termios.c_cc[LINUX_VTIME], want, avail,
            now - start, last_growth == UINT64_MAX ? UINT64_MAX : now - last_growth);
        if (v.action == TTY_RAW_RETURN || (READ_ONCE(t->hung_up) && !avail)) {
            long r = tty_read(&t->ld, kbuf, want);
            return r == -EAGAIN ? 0 : input_taken(t, r);
        }
        if (fflags & O_NONBLOCK)
            return -EAGAIN;
        struct raw_wait w = {t, __atomic_load_n(&t->input_generation, __ATOMIC_RELAXED)};
        int err = await(&t->rq, input_changed, &w, AWAIT_INTERRUPTIBLE,
                        v.action == TTY_RAW_WAIT_FOR ? now + v.timeout_ns : 0);
        if (err && err != -ETIMEDOUT)
            return err;
    }
}

long term_read(struct term *t, uint64_t ubuf, uint64_t len, unsigned fflags)
{
    int err = job_control(t, TTY_JC_READ);
    if (err)
        return err;
    size_t want = MIN(len, 4096);
    char *kbuf = kmalloc(want + 1);
    if (!kbuf)
        return -ENOMEM;
    long r = t->ld.termios.c_lflag & LINUX_ICANON ? read_canon(t, kbuf, want, fflags)
                                                  : read_raw(t, kbuf, want, fflags);
    if (r > 0) {
        if (t->drv->out_room)
            term_output_room(t); /* a master writer may have been waiting for input room */
        if (copy_to_user(ubuf, kbuf, (uint64_t)r))
            r = -EFAULT;
    }
    kfree(kbuf);
    return r;
}

/* Bytes one tty_write may take now: OPOST can double a byte (ONLCR), so half the room. */
static size_t write_budget(struct term *t, size_t want)
{
    if (!t->drv->out_room)
        return want;
    size_t room = t->drv->out_room(t) / 2;
    return MIN(want, room);
}

static bool writable(void *arg)
{
    struct term *t = arg;
    return READ_ONCE(t->hung_up) || (tty_writable(&t->ld) && write_budget(t, 1) > 0);
}

long term_write(struct term *t, const struct io_src *src, uint64_t len, unsigned fflags)
{
    int err = job_control(t, TTY_JC_WRITE);
    if (err)
        return err;
    char chunk[256];
    uint64_t done = 0;
    while (done < len) {
        if (READ_ONCE(t->hung_up))
            return done ? (long)done : -EIO;
        uint64_t n = write_budget(t, MIN(len - done, sizeof(chunk)));
        long w = n ? 0 : -EAGAIN;
        if (n && io_src_copy(src, chunk, done, n))
            return done ? (long)done : -EFAULT;
        if (n)
            w = tty_write(&t->ld, chunk, n);
        output_done(t);
        if (w == -EAGAIN) {
            if (fflags & O_NONBLOCK)
                return done ? (long)done : -EAGAIN;
            if ((err = await(&t->wq, writable, t, AWAIT_INTERRUPTIBLE, 0)))
                return done ? (long)done : err;
            continue;
        }
        if (w < 0)
            return done ? (long)done : w;
        done += (uint64_t)w;
    }
    return (long)done;
}

struct pgrp_lookup {
    int pgrp, sid;
};

static void match_pgrp(struct process *p, void *arg)
{
    struct pgrp_lookup *l = arg;
    if (p->pgid == l->pgrp && l->sid < 0)
        l->sid = p->sid;
}

/* The session of process group pgrp (any live member, the leader may be gone), or -1. */
static int pgrp_session(int pgrp)
{
    struct pgrp_lookup l = {pgrp, -1};
    if (pgrp > 0)
        proc_for_each(match_pgrp, &l);
    return l.sid;
}

/* p's controlling terminal becomes t (reference moved into p->ctty). */
static void set_ctty(struct process *p, struct term *t)
{
    term_get(t);
    struct term *old = p->ctty;
    p->ctty = t;
    if (old)
        term_put(old);
}

/* TIOCSCTTY (arg 1: steal from another session, root only). */
static long ioctl_sctty(struct term *t, struct process *p, uint64_t arg)
{
    if (term_is_ctty(t, p))
        return 0;
    if (p->sid != p->pid || (p->ctty && term_is_ctty(p->ctty, p)))
        return -EPERM;
    if (t->ld.session > 0 && !(arg == 1 && p->euid == 0))
        return -EPERM;
    tty_set_session(&t->ld, p->sid, p->pgid);
    set_ctty(p, t);
    return 0;
}

/* TIOCNOTTY: the caller gives up its controlling terminal; a session leader gives it up
 * for the whole session (SIGHUP and SIGCONT to the foreground group, as Linux). */
static long ioctl_notty(struct term *t, struct process *p)
{
    if (!term_is_ctty(t, p))
        return -ENOTTY;
    if (p->sid == p->pid) {
        int pgrp = t->ld.pgrp;
        tty_set_session(&t->ld, 0, 0);
        if (pgrp > 0) {
            signal_pgrp(pgrp, LINUX_SIGHUP);
            signal_pgrp(pgrp, LINUX_SIGCONT);
        }
    }
    p->ctty = NULL;
    term_put(t);
    return 0;
}

/* The ioctls the line discipline handles itself (termios, window size, queues, ...). */
static long ioctl_ldisc(struct term *t, unsigned cmd, uint64_t arg)
{
    int err;
    if (tty_ioctl_checks_fg(cmd) && (err = job_control(t, TTY_JC_CHANGE)))
        return err;
    struct tty_ioctl_arg a = tty_ioctl_arg_size(cmd);
    uint8_t kbuf[128];
    if (a.size > sizeof(kbuf))
        return -ENOTTY;
    if (a.in && a.size && copy_from_user(kbuf, arg, a.size))
        return -EFAULT;
    int send = 0;
    err = tty_ioctl(&t->ld, cmd, kbuf, (unsigned long)arg, &send);
    output_done(t);
    if (!err && a.out && a.size && copy_to_user(arg, kbuf, a.size))
        return -EFAULT;
    if (send && t->ld.pgrp > 0)
        signal_pgrp(t->ld.pgrp, send);
    return err;
}

long term_ioctl(struct term *t, unsigned cmd, uint64_t arg)
{
    struct process *p = current_proc();
    int32_t v;
    int err;
    switch (cmd) {
    case LINUX_TIOCGPGRP:
        err = tty_get_pgrp(&t->ld, term_is_ctty(t, p), &v);
        return err ? err : copy_to_user(arg, &v, 4) ? -EFAULT : 0;
    case LINUX_TIOCGSID:
        err = tty_get_sid(&t->ld, term_is_ctty(t, p), &v);
        return err ? err : copy_to_user(arg, &v, 4) ? -EFAULT : 0;
    case LINUX_TIOCSPGRP:
        if ((err = job_control(t, TTY_JC_CHANGE)))
            return err;
        if (copy_from_user(&v, arg, 4))
            return -EFAULT;
        return tty_set_pgrp(&t->ld, term_is_ctty(t, p), p->sid, v, pgrp_session(v));
    case LINUX_TIOCSCTTY:
        return ioctl_sctty(t, p, arg);
    case LINUX_TIOCNOTTY:
        return ioctl_notty(t, p);
    default:
        break;
    }
    if (READ_ONCE(t->hung_up) && cmd != LINUX_TCGETS && cmd != LINUX_TIOCGWINSZ)
        return -EIO;
    return ioctl_ldisc(t, cmd, arg);
}

uint32_t term_poll(struct term *t, struct ipc_poll_table *pt)
{
    ipc_poll_wait(pt, &t->pollq);
    if (READ_ONCE(t->hung_up))
        return POLLIN | POLLOUT | POLLHUP;
    uint32_t m = tty_poll_readable(&t->ld) ? POLLIN : 0;
    if (tty_writable(&t->ld) && write_budget(t, 1) > 0)
        m |= POLLOUT;
    return m;
}

void term_open_acquire(struct term *t, struct process *p)
{
    if (p->sid != p->pid || (p->ctty && term_is_ctty(p->ctty, p)) || t->ld.session > 0)
        return;
    tty_set_session(&t->ld, p->sid, p->pgid);
    set_ctty(p, t);
}

struct session_leader {
    int sid;
    int pid;
};

static void find_leader(struct process *p, void *arg)
{
    struct session_leader *l = arg;
    if (p->pid == l->sid && !p->exiting)
        l->pid = p->pid;
}

void term_hangup(struct term *t)
{
    int sid = t->ld.session;
    WRITE_ONCE(t->hung_up, true);
    tty_set_session(&t->ld, 0, 0);
    term_input_arrived(t);
    term_output_room(t);
    ipc_pollq_notify(&t->pollq, POLLHUP);
    struct session_leader l = {sid, 0};
    if (sid > 0)
        proc_for_each(find_leader, &l);
    struct process *leader = l.pid ? proc_get(l.pid) : NULL;
    if (leader) {
        linux_siginfo_t info;
        sig_info_kernel(&info, LINUX_SIGHUP);
        signal_process(leader, &info);
        sig_info_kernel(&info, LINUX_SIGCONT);
        signal_process(leader, &info);
        proc_put(leader);
    }
}

void term_proc_fork(struct process *child, struct process *parent)
{
    child->ctty = parent->ctty;
    if (child->ctty)
        term_get(child->ctty);
}

void term_proc_setsid(struct process *p)
{
    struct term *t = p->ctty;
    p->ctty = NULL;
    if (t)
        term_put(t);
}

void term_proc_exit(struct process *p)
{
    struct term *t = p->ctty;
    if (!t)
        return;
    if (p->sid == p->pid && term_is_ctty(t, p)) {
        int pgrp = t->ld.pgrp;
        tty_set_session(&t->ld, 0, 0);
        if (pgrp > 0)
            signal_pgrp(pgrp, LINUX_SIGHUP);
    }
    p->ctty = NULL;
    term_put(t);
}

struct stopped_scan {
    int pgrp;
    bool found;
};

static void scan_stopped(struct process *p, void *arg)
{
    struct stopped_scan *s = arg;
    if (p->pgid == s->pgrp && !p->exiting && READ_ONCE(p->stopped))
        s->found = true;
}

static bool pgrp_has_stopped(int pgrp)
{
    struct stopped_scan s = {pgrp, false};
    proc_for_each(scan_stopped, &s);
    return s.found;
}

/* Group pgrp (of session sid, left by the exiting `gone`) is orphaned by the exit and has a
 * stopped member: POSIX says SIGHUP then SIGCONT to it. */
static void hangup_if_orphaned(int pgrp, struct process *gone)
{
    if (pgrp_is_orphaned(pgrp, gone) && pgrp_has_stopped(pgrp)) {
        signal_pgrp(pgrp, LINUX_SIGHUP);
        signal_pgrp(pgrp, LINUX_SIGCONT);
    }
}

static bool child_of(struct process *p, void *arg)
{
    return p->parent == arg;
}

void term_proc_orphans(struct process *p)
{
    struct process *parent = p->parent;
    if (parent && parent->pgid != p->pgid && parent->sid == p->sid)
        hangup_if_orphaned(p->pgid, p);
    int pids[256];
    int n = proc_collect(child_of, p, pids, 256);
    for (int i = 0; i < n; i++) {
        struct process *c = proc_get(pids[i]);
        if (c && c->pgid != p->pgid && c->sid == p->sid)
            hangup_if_orphaned(c->pgid, p);
        proc_put(c);
    }
}
