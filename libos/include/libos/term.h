/*
 * Terminals as the library OS sees them: a line discipline (libos/tty/) plus the glue every
 * terminal shares, whatever drives it (the console's UART, a pseudo-terminal's master):
 * blocking reads and writes with VMIN/VTIME, job-control checks, the controlling-terminal
 * rules (TIOCSCTTY, TIOCNOTTY, TIOCSPGRP...), poll, hangup, and sending the signals the line
 * discipline asks for.
 *
 * A process's controlling terminal is p->ctty (a counted reference); it is in effect only
 * while the terminal's session is still the process's (term_is_ctty): a hangup or the
 * session leader's exit ends it for the whole session at once.
 */
#ifndef LIBOS_TERM_H
#define LIBOS_TERM_H
#include <stdbool.h>
#include <stdint.h>
#include <libos/ipc.h>
#include <libos/tty.h>
#include <libos/wait.h>

struct io_src;

struct term;
struct process;

struct term_driver {
    /* Bytes of output the driver can take now; NULL: unlimited (the console). */
    size_t (*out_room)(struct term *t);
    /* Called after any line-discipline call that may have produced output. Optional. */
    void (*output_done)(struct term *t);
    /* The last reference is gone. NULL: the terminal is never freed (the console). */
    void (*release)(struct term *t);
    /* A reader took input: the line discipline has room again. Optional. */
    void (*input_taken)(struct term *t);
};

struct term {
    struct tty_ldisc ld;
    const struct term_driver *drv;
    struct wait_queue rq; /* readers: input arrived, hangup */
    struct wait_queue wq; /* writers: output restarted, driver room */
    struct ipc_pollq pollq;
    uint64_t input_generation;
    int refs;      /* open files of the terminal plus controlling-terminal uses */
    bool hung_up;  /* reads return 0, writes and ioctls -EIO */
    uint64_t rdev; /* device number (VFS_MKDEV) */
};

/* Sets up t over ld ops (ld ctx = t unless ctx is given), one reference held. */
void term_init(struct term *t, const struct tty_ops *ops, void *ctx, const struct term_driver *drv,
               uint64_t rdev);
void term_get(struct term *t);
void term_put(struct term *t);

/* New input went into the line discipline: wakes readers and pollers. Task context only:
 * the poll queue's lock does not mask interrupts and pollers' callbacks (epoll) take more
 * such locks, so an interrupt handler calls term_wake_readers and has a task call
 * term_notify_pollers(t, POLLIN) afterwards. */
void term_input_arrived(struct term *t);
/* The interrupt-safe half of term_input_arrived: wakes blocked readers and writers. */
void term_wake_readers(struct term *t);
/* The other half: tells poll/select/epoll waiters about events (task context only). */
void term_notify_pollers(struct term *t, uint32_t events);
/* The driver has room again (or output restarted): wakes writers and pollers. */
void term_output_room(struct term *t);

long term_read(struct term *t, uint64_t ubuf, uint64_t len, unsigned fflags);
long term_write(struct term *t, const struct io_src *src, uint64_t len, unsigned fflags);
long term_ioctl(struct term *t, unsigned cmd, uint64_t arg);
uint32_t term_poll(struct term *t, struct ipc_poll_table *pt);

/* The terminal is p's controlling terminal now. */
bool term_is_ctty(struct term *t, struct process *p);
/* Opening t (not O_NOCTTY) by a session leader without a controlling terminal makes it
 * the session's, if no other session has it. */
void term_open_acquire(struct term *t, struct process *p);
/* Sends sig to every process of group pgrp. */
void signal_pgrp(int pgrp, int sig);
/* The other side went away: SIGHUP and SIGCONT to the session leader, the session loses
 * the terminal, readers see end-of-file and writers -EIO from now on. */
void term_hangup(struct term *t);

/* Process exit and setsid: p drops its controlling terminal; a session leader's exit sends
 * SIGHUP to the foreground group and frees the terminal for another session. */
void term_proc_exit(struct process *p);
void term_proc_fork(struct process *child, struct process *parent);
void term_proc_setsid(struct process *p);

/* p is exiting (its children not yet handed to init): a process group this orphans that
 * has a stopped member gets SIGHUP then SIGCONT (its own group, its children's groups). */
void term_proc_orphans(struct process *p);

/* Is group pgrp orphaned (no member, other than `except`, has a parent in another group of
 * the same session)? */
bool pgrp_is_orphaned(int pgrp, struct process *except);

#endif
