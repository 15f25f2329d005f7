/*
 * The console as a terminal: the UART (through exo) under the N_TTY line discipline
 * (libos/tty/). Received bytes arrive in exo's console interrupt and go through
 * tty_receive; signals the line discipline asks for (^C, ^\, ^Z, SIGWINCH) are sent to the
 * foreground process group by a small kernel task, since interrupt handlers must not send
 * signals themselves.
 */
#include <string.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/termios.h>
#include <libos/file.h>
#include <libos/proc.h>
#include <libos/ipc.h>
#include <libos/tty.h>
#include <mm/slab.h>

#define TIOCSCTTY 0x540E
#define TIOCNOTTY 0x5422
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCGSID  0x5429
#define O_NONBLOCK 04000

static struct tty_ldisc con;
static struct wait_queue con_rq = WAIT_QUEUE_INIT(con_rq);
static struct wait_queue con_wq = WAIT_QUEUE_INIT(con_wq);
static struct wait_queue sig_wq = WAIT_QUEUE_INIT(sig_wq);
static uint64_t pending_sigs; /* bit sig-1: to send to the foreground group */
static uint64_t input_generation; /* grows with every received batch */
static struct ipc_pollq con_pollq;  /* poll/ppoll waiters */

static void con_write(void *ctx, const char *bytes, size_t n)
{
    (void)ctx;
    exo_console_write_raw(bytes, n);
}

static void con_signal(void *ctx, int sig)
{
    (void)ctx;
    __atomic_fetch_or(&pending_sigs, 1UL << (sig - 1), __ATOMIC_RELAXED);
    wake_all(&sig_wq);
}

static const struct tty_ops con_ops = {con_write, con_signal, NULL, exo_irq_save,
                                       exo_irq_restore};

/* Console receive interrupt: everything waiting goes through the line discipline. */
static void con_irq(void)
{
    char buf[64];
    size_t n = 0;
    int c;
    while ((c = exo_console_getc()) >= 0) {
        buf[n++] = (char)c;
        if (n == sizeof(buf)) {
            tty_receive(&con, buf, n);
            n = 0;
        }
    }
    if (n)
        tty_receive(&con, buf, n);
    __atomic_add_fetch(&input_generation, 1, __ATOMIC_RELAXED);
    wake_all(&con_rq);
    wake_all(&con_wq);
    ipc_pollq_notify(&con_pollq, 0x1 /* POLLIN */);
}

void proc_for_each(void (*fn)(struct process *, void *), void *arg);

static bool in_group(struct process *p, void *arg)
{
    return p->pgid == *(int *)arg;
}

/* Sends sig to every process of group pgrp. */
void signal_pgrp(int pgrp, int sig)
{
    linux_siginfo_t info;
    sig_info_kernel(&info, sig);
    int pids[256];
    int n = proc_collect(in_group, &pgrp, pids, 256);
    for (int i = 0; i < n; i++) {
        struct process *p = proc_find(pids[i]);
        if (p)
            signal_process(p, &info);
    }
}

static bool sigs_pending(void *arg)
{
    (void)arg;
    return __atomic_load_n(&pending_sigs, __ATOMIC_RELAXED) != 0;
}

/* The kernel task that turns the line discipline's signal requests into signals. */
static void tty_signal_task(void *arg)
{
    (void)arg;
    for (;;) {
        await(&sig_wq, sigs_pending, NULL, 0, 0);
        uint64_t sigs = __atomic_exchange_n(&pending_sigs, 0, __ATOMIC_RELAXED);
        for (int sig = 1; sig <= 64; sig++) {
            if ((sigs >> (sig - 1)) & 1 && con.pgrp > 0)
                signal_pgrp(con.pgrp, sig);
        }
    }
}

void ttycon_init(void)
{
    tty_init(&con, &con_ops, NULL);
    ipc_pollq_init(&con_pollq);
    exo_irq_set_handler(exo_console_irq(), con_irq);
    struct task *t = task_create("tty-signals", tty_signal_task, NULL);
    if (t)
        task_start(t);
}

/* The first session (init's) gets the console as its controlling terminal. */
void ttycon_set_session(int sid, int pgrp)
{
    tty_set_session(&con, sid, pgrp);
}

static bool is_ctty(struct process *p)
{
    return p->has_ctty && con.session == p->sid;
}

/* Background access checks: 0 to proceed, else the error the syscall returns. */
static int job_control(enum tty_jc_op op)
{
    struct task *t = current_task();
    struct process *p = t->proc;
    int sig = op == TTY_JC_READ ? LINUX_SIGTTIN : LINUX_SIGTTOU;
    struct tty_jc_caller caller = {
        .is_ctty = is_ctty(p),
        .pgrp = p->pgid,
        .sig_ignored = p->sig.action[sig - 1].sa_handler == 1 /* SIG_IGN */,
        .sig_blocked = (t->sig.blocked >> (sig - 1)) & 1,
        .pgrp_orphaned = false,
    };
    int send = 0;
    switch (tty_job_control(&con, op, &caller, &send)) {
    case TTY_JC_PROCEED: return 0;
    case TTY_JC_EIO: return -EIO;
    default: signal_pgrp(p->pgid, send); return -ERESTARTSYS;
    }
}

struct raw_wait {
    uint64_t generation;
};

static bool input_changed(void *arg)
{
    struct raw_wait *w = arg;
    return __atomic_load_n(&input_generation, __ATOMIC_RELAXED) != w->generation;
}

static bool readable(void *arg)
{
    (void)arg;
    return tty_readable(&con);
}

long ttycon_read(uint64_t ubuf, uint64_t len, unsigned fflags)
{
    int err = job_control(TTY_JC_READ);
    if (err)
        return err;
    char *kbuf = kmalloc(MIN(len, 4096) + 1);
    if (!kbuf)
        return -ENOMEM;
    size_t want = MIN(len, 4096);
    long r;
    if (con.termios.c_lflag & LINUX_ICANON) {
        while ((r = tty_read(&con, kbuf, want)) == -EAGAIN) {
            if (fflags & O_NONBLOCK)
                break;
            if ((err = await(&con_rq, readable, NULL, AWAIT_INTERRUPTIBLE, 0))) {
                r = err;
                break;
            }
        }
    } else {
        uint64_t start = exo_time_ns(), last_growth = UINT64_MAX;
        size_t seen = tty_input_count(&con);
        for (;;) {
            uint64_t now = exo_time_ns();
            size_t avail = tty_input_count(&con);
            if (avail > seen) {
                seen = avail;
                last_growth = now;
            }
            struct tty_raw_verdict v = tty_raw_decide(
                con.termios.c_cc[LINUX_VMIN], con.termios.c_cc[LINUX_VTIME], want, avail,
                now - start, last_growth == UINT64_MAX ? UINT64_MAX : now - last_growth);
            if (v.action == TTY_RAW_RETURN) {
                r = tty_read(&con, kbuf, want);
                if (r == -EAGAIN)
                    r = 0;
                break;
            }
            if (fflags & O_NONBLOCK) {
                r = -EAGAIN;
                break;
            }
            struct raw_wait w = {__atomic_load_n(&input_generation, __ATOMIC_RELAXED)};
            err = await(&con_rq, input_changed, &w, AWAIT_INTERRUPTIBLE,
                        v.action == TTY_RAW_WAIT_FOR ? now + v.timeout_ns : 0);
            if (err && err != -ETIMEDOUT) {
                r = err;
                break;
            }
        }
    }
    if (r > 0 && copy_to_user(ubuf, kbuf, (uint64_t)r))
        r = -EFAULT;
    kfree(kbuf);
    return r;
}

static bool writable(void *arg)
{
    (void)arg;
    return tty_writable(&con);
}

long ttycon_write(uint64_t ubuf, uint64_t len)
{
    int err = job_control(TTY_JC_WRITE);
    if (err)
        return err;
    char chunk[256];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = MIN(len - done, sizeof(chunk));
        if (copy_from_user(chunk, ubuf + done, n))
            return done ? (long)done : -EFAULT;
        long w = tty_write(&con, chunk, n);
        if (w == -EAGAIN) {
            if ((err = await(&con_wq, writable, NULL, AWAIT_INTERRUPTIBLE, 0)))
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

long ttycon_ioctl(unsigned cmd, uint64_t arg)
{
    struct process *p = current_proc();
    int32_t v;
    int err;
    switch (cmd) {
    case TIOCGPGRP:
        err = tty_get_pgrp(&con, is_ctty(p), &v);
        return err ? err : copy_to_user(arg, &v, 4) ? -EFAULT : 0;
    case TIOCGSID:
        err = tty_get_sid(&con, is_ctty(p), &v);
        return err ? err : copy_to_user(arg, &v, 4) ? -EFAULT : 0;
    case TIOCSPGRP:
        if ((err = job_control(TTY_JC_CHANGE)))
            return err;
        if (copy_from_user(&v, arg, 4))
            return -EFAULT;
        return tty_set_pgrp(&con, is_ctty(p), p->sid, v, pgrp_session(v));
    case TIOCSCTTY:
        if (p->sid != p->pid || p->has_ctty)
            return p->has_ctty && is_ctty(p) ? 0 : -EPERM;
        if (con.session > 0 && con.session != p->sid && !(arg == 1 && p->euid == 0))
            return -EPERM;
        tty_set_session(&con, p->sid, p->pgid);
        p->has_ctty = true;
        return 0;
    case TIOCNOTTY:
        if (!is_ctty(p))
            return -ENOTTY;
        p->has_ctty = false;
        if (p->sid == p->pid)
            tty_set_session(&con, 0, 0);
        return 0;
    default:
        break;
    }
    if (tty_ioctl_checks_fg(cmd) && (err = job_control(TTY_JC_CHANGE)))
        return err;
    struct tty_ioctl_arg a = tty_ioctl_arg_size(cmd);
    uint8_t kbuf[128];
    if (a.size > sizeof(kbuf))
        return -ENOTTY;
    if (a.in && a.size && copy_from_user(kbuf, arg, a.size))
        return -EFAULT;
    int send = 0;
    err = tty_ioctl(&con, cmd, kbuf, (unsigned long)arg, &send);
    if (!err && a.out && a.size && copy_to_user(arg, kbuf, a.size))
        return -EFAULT;
    if (send && con.pgrp > 0)
        signal_pgrp(con.pgrp, send);
    return err;
}

bool ttycon_poll_readable(void)
{
    return tty_poll_readable(&con);
}

struct wait_queue *ttycon_read_queue(void)
{
    return &con_rq;
}

/* The console's poll mask (always writable), registering the caller's table. */
uint32_t ttycon_poll(struct ipc_poll_table *pt)
{
    ipc_poll_wait(pt, &con_pollq);
    return 0x4 /* POLLOUT */ | (tty_poll_readable(&con) ? 0x1 /* POLLIN */ : 0);
}
