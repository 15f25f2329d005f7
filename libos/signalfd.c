/*
 * signalfd (signalfd(2)): a descriptor that reads the calling thread's pending signals of a
 * mask as struct signalfd_siginfo, dequeuing them as delivery would. Pollable: every
 * signal sent anywhere notifies one global queue (signalfd_notify), and pollers recheck
 * their own mask against what is pending for them.
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/file.h>
#include <libos/ipc.h>
#include <libos/ipc_glue.h>
#include <libos/proc.h>
#include <libos/signal.h>
#include <libos/task.h>
#include <mm/slab.h>

#define SFD_CLOEXEC  LINUX_O_CLOEXEC
#define SFD_NONBLOCK LINUX_O_NONBLOCK
#define UNBLOCKABLE  ((1ull << (LINUX_SIGKILL - 1)) | (1ull << (LINUX_SIGSTOP - 1)))

/* struct signalfd_siginfo from <linux/signalfd.h>: 128 bytes. */
struct linux_signalfd_siginfo {
    uint32_t ssi_signo;
    int32_t ssi_errno;
    int32_t ssi_code;
    uint32_t ssi_pid;
    uint32_t ssi_uid;
    int32_t ssi_fd;
    uint32_t ssi_tid;
    uint32_t ssi_band;
    uint32_t ssi_overrun;
    uint32_t ssi_trapno;
    int32_t ssi_status;
    int32_t ssi_int;
    uint64_t ssi_ptr;
    uint64_t ssi_utime;
    uint64_t ssi_stime;
    uint64_t ssi_addr;
    uint16_t ssi_addr_lsb;
    uint16_t pad2;
    int32_t ssi_syscall;
    uint64_t ssi_call_addr;
    uint32_t ssi_arch;
    uint8_t pad[28];
};
_Static_assert(sizeof(struct linux_signalfd_siginfo) == 128, "signalfd_siginfo is 128 bytes");

struct sigfd {
    uint64_t mask; /* never SIGKILL/SIGSTOP */
};

static struct ipc_pollq signalfd_q;
static bool signalfd_q_ready;
static struct spinlock signalfd_init_lock = SPINLOCK_INIT("signalfd_init");

static struct ipc_pollq *queue(void)
{
    spin_lock(&signalfd_init_lock);
    if (!signalfd_q_ready) {
        ipc_pollq_init(&signalfd_q);
        WRITE_ONCE(signalfd_q_ready, true);
    }
    spin_unlock(&signalfd_init_lock);
    return &signalfd_q;
}

void signalfd_notify(void)
{
    if (READ_ONCE(signalfd_q_ready))
        ipc_pollq_notify(&signalfd_q, LINUX_POLLIN);
}

/* Linux's signalfd_copyinfo: the siginfo fields as its union member says. */
static void to_ssi(const linux_siginfo_t *in, struct linux_signalfd_siginfo *o)
{
    memset(o, 0, sizeof(*o));
    o->ssi_signo = (uint32_t)in->si_signo;
    o->ssi_errno = in->si_errno;
    o->ssi_code = in->si_code;
    int sig = in->si_signo;
    if (in->si_code > 0 && sig == LINUX_SIGCHLD) {
        o->ssi_pid = (uint32_t)in->fields.sigchld.pid;
        o->ssi_uid = in->fields.sigchld.uid;
        o->ssi_status = in->fields.sigchld.status;
        o->ssi_utime = (uint64_t)in->fields.sigchld.utime;
        o->ssi_stime = (uint64_t)in->fields.sigchld.stime;
    } else if (in->si_code > 0 &&
               (sig == LINUX_SIGSEGV || sig == LINUX_SIGBUS || sig == LINUX_SIGILL ||
                sig == LINUX_SIGFPE || sig == LINUX_SIGTRAP)) {
        o->ssi_addr = in->fields.sigfault.addr;
    } else {
        o->ssi_pid = (uint32_t)in->fields.rt.pid;
        o->ssi_uid = in->fields.rt.uid;
        o->ssi_int = in->fields.rt.value.sival_int;
        o->ssi_ptr = in->fields.rt.value.sival_ptr;
    }
}

static long sfd_read(void *obj, unsigned f_flags, void *buf, size_t n)
{
    struct sigfd *s = obj;
    (void)f_flags;
    if (n < sizeof(struct linux_signalfd_siginfo))
        return -EINVAL;
    size_t done = 0;
    while (done + sizeof(struct linux_signalfd_siginfo) <= n) {
        linux_siginfo_t info;
        if (!sig_dequeue(&current_task()->sig, READ_ONCE(s->mask), &info))
            break;
        to_ssi(&info, (struct linux_signalfd_siginfo *)((uint8_t *)buf + done));
        done += sizeof(struct linux_signalfd_siginfo);
    }
    return done ? (long)done : -EAGAIN;
}

static long sfd_write(void *obj, unsigned f_flags, const void *buf, size_t n)
{
    (void)obj, (void)f_flags, (void)buf, (void)n;
    return -EINVAL;
}

static uint32_t sfd_poll(void *obj, unsigned f_flags, struct ipc_poll_table *pt)
{
    struct sigfd *s = obj;
    (void)f_flags;
    ipc_poll_wait(pt, queue());
    return sig_pending_set(&current_task()->sig) & READ_ONCE(s->mask) ? LINUX_POLLIN : 0;
}

static long sfd_ioctl(void *obj, unsigned f_flags, unsigned cmd, void *karg)
{
    (void)obj, (void)f_flags, (void)cmd, (void)karg;
    return -ENOTTY;
}

static void sfd_release(void *obj, unsigned f_flags)
{
    (void)f_flags;
    kfree(obj);
}

static const struct ipc_file_ops sfd_ops = {sfd_read, sfd_write, sfd_poll, sfd_ioctl, sfd_release};

SYSCALL_DEFINE4(signalfd4, int, fd, uint64_t, umask, uint64_t, size, int, flags)
{
    uint64_t mask;
    if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
        return -EINVAL;
    if (size != sizeof(mask))
        return -EINVAL;
    if (copy_from_user(&mask, umask, sizeof(mask)))
        return -EFAULT;
    mask &= ~UNBLOCKABLE;
    if (fd != -1) {
        long r;
        struct file *f = ipc_fd_get(fd, &sfd_ops, &r);
        if (!f)
            return r;
        WRITE_ONCE(((struct sigfd *)f->obj)->mask, mask);
        file_put(f);
        signalfd_notify();
        return fd;
    }
    struct sigfd *s = kzalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->mask = mask;
    return ipc_install(&sfd_ops, s, LINUX_O_RDWR | (flags & SFD_NONBLOCK), flags & SFD_CLOEXEC);
}
