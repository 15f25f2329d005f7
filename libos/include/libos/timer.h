/*
 * Interval timers (setitimer) and POSIX timers (timer_create), libos/timer.c.
 *
 * Every timer of a process lives in its struct proc_timers, guarded by one global lock.
 * Timers on the monotonic or realtime clock are also on a global armed list that one
 * kernel task ("timers") serves: it awaits the earliest deadline (the await machinery, so
 * exo's per-CPU deadline), fires what is due and sends the signals from task context.
 * Timers on process CPU time (ITIMER_VIRTUAL, ITIMER_PROF, CLOCK_PROCESS_CPUTIME_ID) are
 * checked by the process's own threads each time they come back from user space, and the
 * slice they run is cut short at the next such expiry.
 *
 * POSIX timer overruns follow Linux: while a timer's signal is still pending, further
 * expirations only count as overruns; when the signal is dequeued its si_overrun gets the
 * count, which timer_getoverrun then reports.
 */
#ifndef LIBOS_TIMER_H
#define LIBOS_TIMER_H
#include <stdint.h>
#include <libos/abi/signal.h>

struct process;
struct task;

/* Starts the timer task (once, at boot). */
void timers_init(void);
/* CLOCK_REALTIME was set: absolute realtime timers get new monotonic deadlines. */
void timers_clock_was_set(void);
/* The process's last thread is gone: every timer is cancelled and freed. */
void timers_proc_exit(struct process *p);
/* execve: POSIX timers are deleted; interval timers are kept (as Linux). */
void timers_exec(struct process *p);
/* A thread exits: SIGEV_THREAD_ID timers aimed at it send nothing from now on. */
void timers_thread_exit(struct task *t);
/* The slice to run p's thread for: at most slice_ns, shorter if a CPU-time timer of p
 * expires sooner. */
uint64_t timers_cpu_slice(struct process *p, uint64_t slice_ns);
/* After a thread of p ran: fires p's CPU-time timers that expired. */
void timers_cpu_check(struct process *p);
/* clock_nanosleep on p's CPU clock: sleeps until p's CPU time reaches target_ns (its
 * other threads' running advances it; checked each time one comes back from user space).
 * 0, -ERESTARTSYS (a signal) or -ENOMEM. */
int timers_cpu_sleep(struct process *p, uint64_t target_ns);
/* A signal was taken off p's queues for delivery: if it came from a POSIX timer, fill in
 * its si_overrun and let the timer signal again. */
void timers_signal_dequeued(struct process *p, linux_siginfo_t *info);

#endif
