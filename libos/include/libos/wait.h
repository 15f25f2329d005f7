/*
 * Wait queues and awaits: the only place a task sleeps. An await is interruptible by a
 * signal unless marked otherwise, and it is a bug to await holding a spinlock: every await
 * checks the CPU's lock depth and panics naming the lock.
 */
#ifndef LIBOS_WAIT_H
#define LIBOS_WAIT_H
#include <stdbool.h>
#include <stdint.h>
#include <lib/list.h>
#include <lib/spinlock.h>

struct task;

struct wait_queue {
    struct spinlock lock;
    struct list_node waiters;
};

#define WAIT_QUEUE_INIT(name) {SPINLOCK_INIT("wq"), LIST_INIT((name).waiters)}

void wait_queue_init(struct wait_queue *wq);
/* Wakes every waiter / at most n waiters; returns how many were woken. */
int wake_all(struct wait_queue *wq);
int wake_n(struct wait_queue *wq, int n);

#define AWAIT_INTERRUPTIBLE 1u /* a pending signal ends the wait with -EINTR */

/* Sleeps on wq until cond(arg) is true, a signal arrives (if interruptible) or
 * deadline_ns passes (0: none). Returns 0, -ERESTARTSYS (a signal: the syscall returns
 * -EINTR or restarts, per SA_RESTART) or -ETIMEDOUT. cond is evaluated with no
 * lock held; wakers must make it true before calling wake_*. */
int await(struct wait_queue *wq, bool (*cond)(void *), void *arg, unsigned flags,
          uint64_t deadline_ns);
/* Signals interrupt awaits: does the current task have an unblocked signal pending? */
bool signal_pending_current(void);
/* Wakes a task out of an interruptible await (signal delivery). */
void wake_for_signal(struct task *t);

/* Per-CPU timer list for timed awaits (libos/cpu.c arms exo's deadline). */
void timer_add_sleeper(struct task *t);
void timer_remove_sleeper(struct task *t);

#endif
