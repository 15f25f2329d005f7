/*
 * Pseudo-terminals (see libos/pty.h). A pair is one struct pty: the slave's terminal (line
 * discipline included) and the master's read queue, the slave's output after OPOST. The
 * pair lives while the master file, a slave file or a controlling-terminal reference holds
 * its terminal; closing the master hangs the slave up and removes /dev/pts/N.
 */
#include <string.h>
#include <fs/devfs.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <libos/abi/linux.h>
#include <libos/abi/termios.h>
#include <libos/file.h>
#include <libos/proc.h>
#include <libos/pty.h>
#include <libos/term.h>
#include <mm/slab.h>

#define PTY_MAX      64
#define PTY_OUT_SIZE 4096u /* master read queue; a power of two */
#define PTS_MAJOR    136
#define O_NONBLOCK   04000
#define O_NOCTTY     0400
#define POLLIN       0x1u
#define POLLPRI      0x2u
#define POLLOUT      0x4u
#define POLLHUP      0x10u

/* Master-only ioctls (uapi asm-generic/ioctls.h) */
#define TIOCGPTN   0x80045430u
#define TIOCSPTLCK 0x40045431u
#define TIOCSIG    0x40045436u
#define TIOCGPTLCK 0x80045439u
#define TIOCPKT    0x5420u
#define TIOCGPKT   0x80045438u

/* Packet mode status bits (uapi asm-generic/ioctls.h) */
#define TIOCPKT_DATA       0x00u
#define TIOCPKT_FLUSHREAD  0x01u
#define TIOCPKT_FLUSHWRITE 0x02u
#define TIOCPKT_STOP       0x04u
#define TIOCPKT_START      0x08u
#define TIOCPKT_NOSTOP     0x10u
#define TIOCPKT_DOSTOP     0x20u

struct pty {
    struct term slave;
    int index;
    bool locked; /* TIOCSPTLCK: the slave cannot be opened */
    bool master_open;
    int slave_opens;               /* open slave files */
    bool slave_opened;             /* a slave was opened at least once */
    struct linux_termios mtermios; /* the master's own settings (TCGETS/TCSETS on it) */
    struct spinlock out_lock;
    uint8_t out[PTY_OUT_SIZE];
    uint32_t out_head, out_tail; /* run freely, masked */
    bool packet;                 /* TIOCPKT: reads start with a status byte (out_lock) */
    uint8_t pktstatus;           /* TIOCPKT_* events not yet read (out_lock) */
    struct wait_queue mrq;       /* master readers: output queued, slave closed */
    struct ipc_pollq mpollq;
};

/* An open end: the descriptor layer's object for FILE_TTY. */
struct pty_end {
    struct pty *pty;
    bool master;
};

static struct spinlock ptys_lock = SPINLOCK_INIT("ptys");
static struct pty *ptys[PTY_MAX];

static const struct devfs_ops no_ops; /* nodes only: opens are dispatched by tty_open_device */

/* ---- The slave's driver: output into the master's read queue ---- */

static struct pty *pty_of(struct term *t)
{
    return (struct pty *)t; /* slave is the first member */
}

static uint32_t out_count(struct pty *p)
{
    return READ_ONCE(p->out_head) - READ_ONCE(p->out_tail);
}

/* ldisc output (lock held): appended to the read queue; what does not fit is dropped, which
 * only echo can hit since term_write asks out_room first. */
static void pty_out_write(void *ctx, const char *bytes, size_t n)
{
    struct pty *p = ctx;
    spin_lock(&p->out_lock);
    for (size_t i = 0; i < n && p->out_head - p->out_tail < PTY_OUT_SIZE; i++)
        p->out[p->out_head++ & (PTY_OUT_SIZE - 1)] = (uint8_t)bytes[i];
    spin_unlock(&p->out_lock);
}

static void pty_signal(void *ctx, int sig)
{
    struct pty *p = ctx;
    if (p->slave.ld.pgrp > 0)
        signal_pgrp(p->slave.ld.pgrp, sig);
}

static void pty_flush_output(void *ctx)
{
    struct pty *p = ctx;
    spin_lock(&p->out_lock);
    p->out_tail = p->out_head;
    if (p->packet)
        p->pktstatus |= TIOCPKT_FLUSHWRITE;
    spin_unlock(&p->out_lock);
}

/* Does the slave use ^S/^Q flow control (what DOSTOP / NOSTOP report)? */
static bool xon_xoff(const struct linux_termios *t)
{
    return (t->c_iflag & LINUX_IXON) && t->c_cc[LINUX_VSTOP] == 0x13 &&
           t->c_cc[LINUX_VSTART] == 0x11;
}

/* ldisc events (lock held) become packet-mode status bits, as Linux's pty driver sets
 * them; the master is woken by pty_output_done once the ldisc call is over. */
static void pty_event(void *ctx, enum tty_event ev, const struct linux_termios *old)
{
    struct pty *p = ctx;
    spin_lock(&p->out_lock);
    if (p->packet) {
        switch (ev) {
        case TTY_EV_INPUT_FLUSHED:
            p->pktstatus |= TIOCPKT_FLUSHREAD;
            break;
        case TTY_EV_OUTPUT_STOPPED:
            p->pktstatus = (uint8_t)((p->pktstatus & ~TIOCPKT_START) | TIOCPKT_STOP);
            break;
        case TTY_EV_OUTPUT_STARTED:
            p->pktstatus = (uint8_t)((p->pktstatus & ~TIOCPKT_STOP) | TIOCPKT_START);
            break;
        case TTY_EV_TERMIOS_SET: {
            bool now = xon_xoff(&p->slave.ld.termios);
            if (xon_xoff(old) != now)
                p->pktstatus = (uint8_t)((p->pktstatus & ~(TIOCPKT_DOSTOP | TIOCPKT_NOSTOP)) |
                                         (now ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP));
            break;
        }
        }
    }
    spin_unlock(&p->out_lock);
}

/* A packet-mode status byte is waiting. */
static bool status_pending(struct pty *p)
{
    return READ_ONCE(p->packet) && READ_ONCE(p->pktstatus);
}

static size_t pty_out_room(struct term *t)
{
    return PTY_OUT_SIZE - out_count(pty_of(t));
}

static void pty_output_done(struct term *t)
{
    struct pty *p = pty_of(t);
    if (status_pending(p)) {
        wake_all(&p->mrq);
        ipc_pollq_notify(&p->mpollq, POLLIN | POLLPRI);
    } else if (out_count(p)) {
        wake_all(&p->mrq);
        ipc_pollq_notify(&p->mpollq, POLLIN);
    }
}

static void pty_release(struct term *t)
{
    struct pty *p = pty_of(t);
    ipc_pollq_release(&p->slave.pollq);
    ipc_pollq_release(&p->mpollq);
    kfree(p);
}

static const struct tty_ops pty_ops = {pty_out_write, pty_signal, pty_flush_output,
                                       NULL,          NULL,       pty_event};
static const struct term_driver pty_driver = {pty_out_room, pty_output_done, pty_release, NULL};

/* ---- Opening ---- */

static void pts_name(char *buf, size_t n, int index)
{
    ksnprintf(buf, n, "pts/%d", index);
}

/* The master's termios as Linux reports it for a fresh /dev/ptmx: raw, 8 bits, no echo. */
static void master_termios(struct linux_termios *t)
{
    tty_default_termios(t);
    t->c_iflag = 0;
    t->c_oflag = 0;
    t->c_lflag = 0;
}

static int ptmx_open(void **obj)
{
    struct pty_end *e = kzalloc(sizeof(*e));
    struct pty *p = kzalloc(sizeof(*p));
    if (!e || !p) {
        kfree(e);
        kfree(p);
        return -ENOMEM;
    }
    spin_lock(&ptys_lock);
    int index = 0;
    while (index < PTY_MAX && ptys[index])
        index++;
    if (index < PTY_MAX)
        ptys[index] = p;
    spin_unlock(&ptys_lock);
    if (index == PTY_MAX) {
        kfree(e);
        kfree(p);
        return -ENOSPC;
    }
    term_init(&p->slave, &pty_ops, p, &pty_driver, VFS_MKDEV(PTS_MAJOR, index));
    p->index = index;
    p->locked = true; /* as Linux: unlockpt first */
    p->master_open = true;
    master_termios(&p->mtermios);
    spin_init(&p->out_lock, "pty-out");
    wait_queue_init(&p->mrq);
    ipc_pollq_init(&p->mpollq);
    char name[16];
    pts_name(name, sizeof(name), index);
    devfs_register(name, VFS_S_IFCHR | 0620, p->slave.rdev, &no_ops, NULL);
    *e = (struct pty_end){p, true};
    *obj = e;
    return 1;
}

static int slave_open(struct pty *p, unsigned flags, void **obj)
{
    struct pty_end *e = kzalloc(sizeof(*e));
    if (!e) {
        term_put(&p->slave);
        return -ENOMEM;
    }
    __atomic_add_fetch(&p->slave_opens, 1, __ATOMIC_RELAXED);
    WRITE_ONCE(p->slave_opened, true);
    if (!(flags & O_NOCTTY))
        term_open_acquire(&p->slave, current_proc());
    *e = (struct pty_end){p, false};
    *obj = e;
    return 1;
}

/* /dev/pts/N: the pair, referenced, if its master is open and it is unlocked. */
static int pts_open(unsigned index, unsigned flags, void **obj)
{
    spin_lock(&ptys_lock);
    struct pty *p = index < PTY_MAX ? ptys[index] : NULL;
    int err = !p ? -ENXIO : p->locked ? -EIO : 0;
    if (!err)
        term_get(&p->slave);
    spin_unlock(&ptys_lock);
    return err ? err : slave_open(p, flags, obj);
}

int pty_open_peer(void *master, unsigned flags, void **obj)
{
    struct pty_end *e = master;
    if (!e->master)
        return -EIO;
    struct pty *p = e->pty;
    spin_lock(&ptys_lock);
    int err = p->locked ? -EIO : 0;
    if (!err)
        term_get(&p->slave);
    spin_unlock(&ptys_lock);
    return err ? err : slave_open(p, flags, obj) < 0 ? -ENOMEM : 0;
}

/* /dev/tty: the caller's controlling terminal. */
static int ctty_open(unsigned flags, bool *console, void **obj)
{
    struct process *proc = current_proc();
    struct term *t = proc->ctty;
    if (!t || !term_is_ctty(t, proc))
        return -ENXIO;
    if (t->drv != &pty_driver) {
        *console = true;
        return 1;
    }
    term_get(t);
    return slave_open(pty_of(t), flags | O_NOCTTY, obj);
}

int tty_open_device(uint64_t rdev, unsigned flags, bool *console, void **obj)
{
    uint32_t major = VFS_MAJOR(rdev), minor = VFS_MINOR(rdev);
    *console = false;
    if (major == PTS_MAJOR)
        return pts_open(minor, flags, obj);
    if ((major == 5 && minor == 1) || (major == 204 && minor == 64)) {
        *console = true;
        return 1;
    }
    if (major != 5)
        return 0;
    if (minor == 0)
        return ctty_open(flags, console, obj);
    if (minor == 2)
        return ptmx_open(obj);
    return 0;
}

void pty_init(void)
{
    /* The terminal nodes of /dev; opening them is routed by device number (above). */
    devfs_register("ptmx", VFS_S_IFCHR | 0666, VFS_MKDEV(5, 2), &no_ops, NULL);
    devfs_register("tty", VFS_S_IFCHR | 0666, VFS_MKDEV(5, 0), &no_ops, NULL);
    devfs_register("console", VFS_S_IFCHR | 0600, VFS_MKDEV(5, 1), &no_ops, NULL);
    devfs_register("ttyAMA0", VFS_S_IFCHR | 0620, VFS_MKDEV(204, 64), &no_ops, NULL);
}

/* ---- The master ---- */

static bool slave_closed(struct pty *p)
{
    return READ_ONCE(p->slave_opened) && !__atomic_load_n(&p->slave_opens, __ATOMIC_RELAXED);
}

static bool master_readable(void *arg)
{
    struct pty *p = arg;
    return out_count(p) || status_pending(p) || slave_closed(p);
}

/* Takes up to n queued output bytes. */
static size_t out_take(struct pty *p, uint8_t *buf, size_t n)
{
    spin_lock(&p->out_lock);
    size_t got = 0;
    while (got < n && p->out_tail != p->out_head)
        buf[got++] = p->out[p->out_tail++ & (PTY_OUT_SIZE - 1)];
    spin_unlock(&p->out_lock);
    return got;
}

/* Packet mode: fills kbuf with a pending status byte alone, or TIOCPKT_DATA and up to
 * n - 1 bytes of output; 0 when there is neither. */
static size_t packet_take(struct pty *p, uint8_t *kbuf, size_t n)
{
    spin_lock(&p->out_lock);
    uint8_t status = p->pktstatus;
    p->pktstatus = 0;
    uint32_t queued = p->out_head - p->out_tail;
    spin_unlock(&p->out_lock);
    if (status) {
        kbuf[0] = status;
        return 1;
    }
    if (!queued)
        return 0;
    kbuf[0] = TIOCPKT_DATA;
    return 1 + out_take(p, kbuf + 1, n - 1);
}

/* read on the master: the slave's output (in packet mode behind a status byte); -EIO once
 * every slave file is closed. */
static long master_read(struct pty *p, uint64_t ubuf, uint64_t len, unsigned fflags)
{
    if (!len)
        return 0;
    uint8_t kbuf[512];
    size_t got, n = MIN(len, sizeof(kbuf));
    while (!(got = READ_ONCE(p->packet) ? packet_take(p, kbuf, n) : out_take(p, kbuf, n))) {
        if (slave_closed(p))
            return -EIO;
        if (fflags & O_NONBLOCK)
            return -EAGAIN;
        int err = await(&p->mrq, master_readable, p, AWAIT_INTERRUPTIBLE, 0);
        if (err)
            return err;
    }
    term_output_room(&p->slave); /* slave writers may go on */
    return copy_to_user(ubuf, kbuf, got) ? -EFAULT : (long)got;
}

/* TIOCPKT: packet mode on (pending events from before are dropped) or off. */
static long master_set_packet(struct pty *p, uint64_t arg)
{
    int v;
    if (copy_from_user(&v, arg, sizeof(v)))
        return -EFAULT;
    spin_lock(&p->out_lock);
    if (v && !p->packet)
        p->pktstatus = 0;
    p->packet = v != 0;
    spin_unlock(&p->out_lock);
    return 0;
}

static bool input_room(void *arg)
{
    struct pty *p = arg;
    return tty_receive_room(&p->slave.ld) > 0;
}

/* write on the master: input for the slave through its line discipline (echo and ISIG). */
static long master_write(struct pty *p, const struct io_src *src, uint64_t len, unsigned fflags)
{
    uint8_t chunk[256];
    uint64_t done = 0;
    while (done < len) {
        size_t n = MIN(len - done, sizeof(chunk));
        if (io_src_copy(src, chunk, done, n))
            return done ? (long)done : -EFAULT;
        size_t took = tty_receive(&p->slave.ld, chunk, n);
        pty_output_done(&p->slave);
        if (took)
            term_input_arrived(&p->slave);
        done += took;
        if (took == n)
            continue;
        if (fflags & O_NONBLOCK)
            return done ? (long)done : -EAGAIN;
        int err = await(&p->slave.wq, input_room, p, AWAIT_INTERRUPTIBLE, 0);
        if (err)
            return done ? (long)done : err;
    }
    return (long)done;
}

static long put_int(uint64_t arg, int v)
{
    return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/* TIOCSWINSZ on the master: the slave's size; SIGWINCH to its foreground group. */
static long master_set_winsize(struct pty *p, uint64_t arg)
{
    struct linux_winsize ws;
    if (copy_from_user(&ws, arg, sizeof(ws)))
        return -EFAULT;
    if (tty_set_winsize(&p->slave.ld, &ws) && p->slave.ld.pgrp > 0)
        signal_pgrp(p->slave.ld.pgrp, LINUX_SIGWINCH);
    return 0;
}

static long master_ioctl(struct pty *p, unsigned cmd, uint64_t arg)
{
    int v;
    struct linux_winsize ws;
    switch (cmd) {
    case TIOCGPTN:
        return put_int(arg, p->index);
    case TIOCSPTLCK:
        if (copy_from_user(&v, arg, sizeof(v)))
            return -EFAULT;
        WRITE_ONCE(p->locked, v != 0);
        return 0;
    case TIOCGPTLCK:
        return put_int(arg, p->locked);
    case TIOCPKT:
        return master_set_packet(p, arg);
    case TIOCGPKT:
        return put_int(arg, READ_ONCE(p->packet));
    case TIOCSIG:
        if (arg < 1 || arg > 64)
            return -EINVAL;
        if (p->slave.ld.pgrp > 0)
            signal_pgrp(p->slave.ld.pgrp, (int)arg);
        return 0;
    case LINUX_TIOCGPGRP:
        return put_int(arg, p->slave.ld.pgrp);
    case LINUX_TIOCGWINSZ:
        tty_get_winsize(&p->slave.ld, &ws);
        return copy_to_user(arg, &ws, sizeof(ws)) ? -EFAULT : 0;
    case LINUX_TIOCSWINSZ:
        return master_set_winsize(p, arg);
    case LINUX_FIONREAD:
        return put_int(arg, (int)out_count(p));
    case LINUX_TCGETS:
        return copy_to_user(arg, &p->mtermios, sizeof(p->mtermios)) ? -EFAULT : 0;
    case LINUX_TCSETS:
    case LINUX_TCSETSW:
    case LINUX_TCSETSF:
        return copy_from_user(&p->mtermios, arg, sizeof(p->mtermios)) ? -EFAULT : 0;
    default:
        return -ENOTTY; /* TIOCGPTPEER is the descriptor layer's (pty_open_peer) */
    }
}

static uint32_t master_poll(struct pty *p, struct ipc_poll_table *pt)
{
    ipc_poll_wait(pt, &p->mpollq);
    ipc_poll_wait(pt, &p->slave.pollq);
    uint32_t m = out_count(p) ? POLLIN : 0;
    if (status_pending(p))
        m |= POLLIN | POLLPRI;
    if (slave_closed(p))
        m |= POLLHUP;
    if (tty_receive_room(&p->slave.ld) > 0)
        m |= POLLOUT;
    return m;
}

static void master_close(struct pty *p)
{
    spin_lock(&ptys_lock);
    ptys[p->index] = NULL;
    p->master_open = false;
    spin_unlock(&ptys_lock);
    char name[16];
    pts_name(name, sizeof(name), p->index);
    devfs_unregister(name);
    term_hangup(&p->slave);
    term_put(&p->slave);
}

static void slave_close(struct pty *p)
{
    if (!__atomic_sub_fetch(&p->slave_opens, 1, __ATOMIC_ACQ_REL)) {
        wake_all(&p->mrq);
        ipc_pollq_notify(&p->mpollq, POLLHUP);
    }
    term_put(&p->slave);
}

/* ---- Descriptor-layer entry points ---- */

long ttyfile_read(void *obj, uint64_t ubuf, uint64_t len, unsigned fflags)
{
    struct pty_end *e = obj;
    return e->master ? master_read(e->pty, ubuf, len, fflags)
                     : term_read(&e->pty->slave, ubuf, len, fflags);
}

long ttyfile_write(void *obj, const struct io_src *src, uint64_t len, unsigned fflags)
{
    struct pty_end *e = obj;
    return e->master ? master_write(e->pty, src, len, fflags)
                     : term_write(&e->pty->slave, src, len, fflags);
}

long ttyfile_ioctl(void *obj, unsigned cmd, uint64_t arg)
{
    struct pty_end *e = obj;
    return e->master ? master_ioctl(e->pty, cmd, arg) : term_ioctl(&e->pty->slave, cmd, arg);
}

uint32_t ttyfile_poll(void *obj, struct ipc_poll_table *pt)
{
    struct pty_end *e = obj;
    return e->master ? master_poll(e->pty, pt) : term_poll(&e->pty->slave, pt);
}

void ttyfile_stat(void *obj, struct vfs_stat *st)
{
    struct pty_end *e = obj;
    memset(st, 0, sizeof(*st));
    st->mode = VFS_S_IFCHR | (e->master ? 0666 : 0620);
    st->nlink = 1;
    st->rdev = e->master ? VFS_MKDEV(5, 2) : e->pty->slave.rdev;
    st->blksize = 1024;
}

void ttyfile_release(void *obj)
{
    struct pty_end *e = obj;
    if (e->master)
        master_close(e->pty);
    else
        slave_close(e->pty);
    kfree(e);
}
