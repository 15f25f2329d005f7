/*
 * The console as a terminal (libos/term.h): the UART (through exo) under the N_TTY line
 * discipline. Received bytes arrive in exo's console interrupt and go through tty_receive;
 * signals the line discipline asks for (^C, ^\, ^Z) are sent to the foreground process
 * group by a small kernel task, since interrupt handlers must not send signals themselves.
 */
#include <exo/console.h>
#include <exo/cpu.h>
#include <fs/vfs.h>
#include <libos/abi/linux.h>
#include <libos/file.h>
#include <libos/proc.h>
#include <libos/term.h>

static struct term con;
static struct wait_queue sig_wq = WAIT_QUEUE_INIT(sig_wq);
static uint64_t pending_sigs; /* bit sig-1: to send to the foreground group */
static bool pending_pollin;   /* input arrived: notify the console's pollers */

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

static const struct tty_ops con_ops = {con_write, con_signal, NULL, exo_irq_save, exo_irq_restore,
                                       NULL};

static void con_input_taken(struct term *t);
static const struct term_driver con_driver = {NULL, NULL, NULL, con_input_taken};

/* Moves received bytes from exo's ring into the line discipline while it has room; what
 * does not fit stays with exo (which then holds input back in the UART) until a reader
 * makes room (con_input_taken). Interrupts off and under pull_lock: the receive interrupt
 * (on any CPU) and readers both run it. */
static struct spinlock pull_lock = SPINLOCK_INIT("console-rx");

static void con_pull(void)
{
    uint64_t s = exo_irq_save();
    spin_lock(&pull_lock); /* one CPU at a time: the bytes keep their order */
    char buf[64];
    size_t room;
    bool got = false;
    while ((room = tty_receive_room(&con.ld)) > 0) {
        size_t n = 0, max = room < sizeof(buf) ? room : sizeof(buf);
        int c;
        while (n < max && (c = exo_console_getc()) >= 0)
            buf[n++] = (char)c;
        if (!n)
            break;
        tty_receive(&con.ld, buf, n);
        got = true;
    }
    spin_unlock(&pull_lock);
    exo_irq_restore(s);
    if (got) {
        term_wake_readers(&con);
        __atomic_store_n(&pending_pollin, true, __ATOMIC_RELEASE);
        wake_all(&sig_wq);
    }
}

/* Console receive interrupt. */
static void con_irq(void)
{
    con_pull();
}

static void con_input_taken(struct term *t)
{
    (void)t;
    con_pull();
}

static bool work_pending(void *arg)
{
    (void)arg;
    return __atomic_load_n(&pending_sigs, __ATOMIC_RELAXED) != 0 ||
           __atomic_load_n(&pending_pollin, __ATOMIC_ACQUIRE);
}

/* The kernel task that does what the receive interrupt must not: notifies pollers of new
 * input and turns the line discipline's signal requests into signals. */
static void tty_signal_task(void *arg)
{
    (void)arg;
    for (;;) {
        await(&sig_wq, work_pending, NULL, 0, 0);
        if (__atomic_exchange_n(&pending_pollin, false, __ATOMIC_ACQ_REL))
            term_notify_pollers(&con, LINUX_POLLIN);
        uint64_t sigs = __atomic_exchange_n(&pending_sigs, 0, __ATOMIC_RELAXED);
        for (int sig = 1; sig <= 64; sig++) {
            if ((sigs >> (sig - 1)) & 1 && con.ld.pgrp > 0)
                signal_pgrp(con.ld.pgrp, sig);
        }
    }
}

void ttycon_init(void)
{
    term_init(&con, &con_ops, NULL, &con_driver, VFS_MKDEV(204, 64));
    exo_irq_set_handler(exo_console_irq(), con_irq);
    struct task *t = task_create("tty-signals", tty_signal_task, NULL);
    if (t)
        task_start(t);
}

struct term *ttycon_term(void)
{
    return &con;
}

long ttycon_read(uint64_t ubuf, uint64_t len, unsigned fflags)
{
    return term_read(&con, ubuf, len, fflags);
}

long ttycon_write(const struct io_src *src, uint64_t len)
{
    return term_write(&con, src, len, 0);
}

long ttycon_ioctl(unsigned cmd, uint64_t arg)
{
    return term_ioctl(&con, cmd, arg);
}

/* The console's poll mask, registering the caller's table. */
uint32_t ttycon_poll(struct ipc_poll_table *pt)
{
    return term_poll(&con, pt);
}
