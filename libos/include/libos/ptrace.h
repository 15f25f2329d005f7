/*
 * ptrace(2) in the libOS (libos/ptrace.c): a traced thread has a struct ptrace_link (its
 * tracer, options and stop state) and stops at the hooks below, sleeping until its tracer
 * resumes it. The tracer sees the stops through wait4/waitid (ptrace_wait_claim) and reads
 * and writes the stopped thread's registers and memory with ptrace requests.
 *
 * Every hook is a no-op for an untraced thread (t->ptrace == NULL).
 */
#ifndef LIBOS_PTRACE_H
#define LIBOS_PTRACE_H
#include <stdbool.h>
#include <stdint.h>

struct task;
struct process;

/* Syscall entry (x8 and x0-x5 in t->uctx): a syscall-enter stop if the tracer asked for
 * one. Returns the syscall number to run (the tracer may change it), or -1 to skip the
 * syscall (x0 is then left as the tracer set it). */
long ptrace_syscall_enter(struct task *t);
/* Syscall exit (result in x0): a syscall-exit stop if the tracer asked for one. */
void ptrace_syscall_exit(struct task *t);
/* Before signal delivery: every unblocked pending signal (but SIGKILL) is first shown to
 * the tracer in a signal-delivery-stop; it may be suppressed or replaced. Also takes the
 * stops PTRACE_INTERRUPT asked for. */
void ptrace_signal_stops(struct task *t);
/* A thread's first return to user mode: auto-attached children stop here first. */
void ptrace_task_start(struct task *t);
/* clone/fork made new_task (child is its process, or NULL for a thread): attaches it to
 * the tracer of cur when the options say so. Then, after the child is started,
 * ptrace_clone_event stops cur with PTRACE_EVENT_FORK/VFORK/CLONE. */
void ptrace_clone_attach(struct task *cur, struct task *new_task, uint64_t flags);
void ptrace_clone_event(struct task *cur, uint64_t flags, int new_tid);
/* vfork: the child released its parent (PTRACE_EVENT_VFORK_DONE if asked for). */
void ptrace_vfork_done(struct task *cur, int child_pid);
/* A successful execve (old_tid: the thread id before it): PTRACE_EVENT_EXEC stop, or the
 * legacy SIGTRAP. */
void ptrace_exec(struct task *t, int old_tid);
/* The thread exits with wait status `status`: PTRACE_EVENT_EXIT stop if asked for, then
 * the tracer is told (unless it is also the parent of this process's leader, which the
 * ordinary zombie report reaches) and the thread is detached. */
void ptrace_task_exit(struct task *t, int status);
/* The process p (a tracer) ends: its tracees are detached, or killed with EXITKILL. */
void ptrace_tracer_exit(struct process *p);
/* Is any thread of p traced? (fatal signals then go through signal-delivery-stops) */
bool ptrace_process_traced(const struct process *p);

/* What a tracer's wait found. */
struct ptrace_report {
    int pid;     /* thread id */
    int wstatus; /* wait4 status word */
    int code;    /* CLD_TRAPPED, CLD_EXITED, CLD_KILLED, CLD_DUMPED */
    int status;  /* waitid's si_status */
    unsigned uid;
};
/* wait4/waitid in tracer `self` for tracees matching (which, id) as waitid takes them:
 * 1 and *r filled (consumed unless WNOWAIT is in options), 0 if some tracee matches but
 * has nothing to report, -1 if no tracee matches. */
int ptrace_wait_claim(struct process *self, int which, int id, unsigned options,
                      struct ptrace_report *r);

#endif
