/*
 * syslog(2) over exo's kernel log (exo_log_read): what dmesg reads. The log is plain text,
 * so records carry no "<level>" prefix. Every action needs root, as on a kernel built with
 * dmesg_restrict (Debian's). The reader position of SYSLOG_ACTION_READ and the mark left by
 * SYSLOG_ACTION_CLEAR are the libOS's own: exo's log itself is never changed.
 */
#include <exo/console.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <lib/spinlock.h>
#include <libos/abi/syscall.h>
#include <libos/proc.h>
#include <libos/wait.h>
#include <mm/slab.h>

enum {
    SYSLOG_ACTION_CLOSE,
    SYSLOG_ACTION_OPEN,
    SYSLOG_ACTION_READ,
    SYSLOG_ACTION_READ_ALL,
    SYSLOG_ACTION_READ_CLEAR,
    SYSLOG_ACTION_CLEAR,
    SYSLOG_ACTION_CONSOLE_OFF,
    SYSLOG_ACTION_CONSOLE_ON,
    SYSLOG_ACTION_CONSOLE_LEVEL,
    SYSLOG_ACTION_SIZE_UNREAD,
    SYSLOG_ACTION_SIZE_BUFFER,
};

#define READ_POLL_NS 100000000ull /* SYSLOG_ACTION_READ looks for new messages this often */

static struct spinlock syslog_lock = SPINLOCK_INIT("syslog");
static uint64_t read_pos;  /* SYSLOG_ACTION_READ's reader */
static uint64_t clear_pos; /* READ_ALL starts here at the earliest */
static struct wait_queue never = WAIT_QUEUE_INIT(never);

static uint64_t locked_get(const uint64_t *v)
{
    spin_lock(&syslog_lock);
    uint64_t x = *v;
    spin_unlock(&syslog_lock);
    return x;
}

/* Copies the log from *pos to the user's buffer (at most len bytes), advancing *pos: the
 * count, or -EFAULT/-ENOMEM. */
static long copy_log(uint64_t *pos, uint64_t ubuf, int len)
{
    char *buf = kmalloc(EXO_LOG_SIZE);
    if (!buf)
        return -ENOMEM;
    size_t n = exo_log_read(pos, buf, (size_t)len < EXO_LOG_SIZE ? (size_t)len : EXO_LOG_SIZE);
    long r = copy_to_user(ubuf, buf, n) ? -EFAULT : (long)n;
    kfree(buf);
    return r;
}

static bool never_true(void *arg)
{
    (void)arg;
    return false;
}

/* SYSLOG_ACTION_READ: waits (interruptibly) for unread messages, then consumes them. */
static long read_new(uint64_t ubuf, int len)
{
    while (locked_get(&read_pos) >= exo_log_end()) {
        int err =
            await(&never, never_true, NULL, AWAIT_INTERRUPTIBLE, exo_time_ns() + READ_POLL_NS);
        if (err != -ETIMEDOUT)
            return err;
    }
    uint64_t pos = locked_get(&read_pos);
    long n = copy_log(&pos, ubuf, len);
    if (n > 0) {
        spin_lock(&syslog_lock);
        read_pos = pos;
        spin_unlock(&syslog_lock);
    }
    return n;
}

/* SYSLOG_ACTION_READ_ALL: the newest len bytes logged since the last clear. */
static long read_all(uint64_t ubuf, int len, bool clear)
{
    uint64_t end = exo_log_end(), from = locked_get(&clear_pos);
    if (end - from > (uint64_t)len)
        from = end - (uint64_t)len;
    long n = copy_log(&from, ubuf, len);
    if (n >= 0 && clear) {
        spin_lock(&syslog_lock);
        clear_pos = end;
        spin_unlock(&syslog_lock);
    }
    return n;
}

SYSCALL_DEFINE3(syslog, int, type, uint64_t, buf, int, len)
{
    if (type < SYSLOG_ACTION_CLOSE || type > SYSLOG_ACTION_SIZE_BUFFER)
        return -EINVAL;
    if (current_proc()->euid != 0)
        return -EPERM;
    bool reads = type == SYSLOG_ACTION_READ || type == SYSLOG_ACTION_READ_ALL ||
                 type == SYSLOG_ACTION_READ_CLEAR;
    if (reads && (!buf || len < 0))
        return -EINVAL;
    if (reads && len == 0)
        return 0;
    switch (type) {
    case SYSLOG_ACTION_READ:
        return read_new(buf, len);
    case SYSLOG_ACTION_READ_ALL:
    case SYSLOG_ACTION_READ_CLEAR:
        return read_all(buf, len, type == SYSLOG_ACTION_READ_CLEAR);
    case SYSLOG_ACTION_CLEAR:
        spin_lock(&syslog_lock);
        clear_pos = exo_log_end();
        spin_unlock(&syslog_lock);
        return 0;
    case SYSLOG_ACTION_CONSOLE_LEVEL:
        return len < 1 || len > 8 ? -EINVAL : 0;
    case SYSLOG_ACTION_SIZE_UNREAD: {
        uint64_t end = exo_log_end(), pos = locked_get(&read_pos);
        uint64_t start = end > EXO_LOG_SIZE ? end - EXO_LOG_SIZE : 0;
        return (long)(end - (pos > start ? pos : start));
    }
    case SYSLOG_ACTION_SIZE_BUFFER:
        return EXO_LOG_SIZE;
    default: /* CLOSE, OPEN, CONSOLE_OFF, CONSOLE_ON: nothing to do */
        return 0;
    }
}
