/*
 * Sleeping locks for the libOS's tasks, built on await (libos/wait.h): a task that finds
 * the mutex taken sleeps until it is released, so code holding one may itself sleep (read a
 * file page, wait for memory). A mutex is taken by a task, or by boot code before the
 * scheduler runs (which finds it free: it cannot wait); never by an interrupt handler, never
 * with a spinlock held (checked on every mutex_lock, not only when it would sleep), and
 * never recursively (checked). Waits are not interruptible: critical sections are short and
 * always end.
 */
#ifndef LIBOS_MUTEX_H
#define LIBOS_MUTEX_H
#include <stdbool.h>
#include <libos/wait.h>

struct task;

struct mutex {
    struct task *owner; /* NULL when free (a token outside tasks); set atomically */
    struct wait_queue waiters;
    const char *name;
};

void mutex_init(struct mutex *m, const char *name);
/* Takes m, sleeping while another task holds it. Panics if the caller holds a spinlock or
 * already holds m. */
void mutex_lock(struct mutex *m);
/* Takes m if it is free: true if taken. */
bool mutex_trylock(struct mutex *m);
/* Releases m (the caller must hold it) and wakes one waiter. */
void mutex_unlock(struct mutex *m);
/* Does the current task hold m? */
bool mutex_held(const struct mutex *m);

#endif
