/*
 * Linux signals for the libOS, hardware-free: signal state (handlers, blocked masks, pending
 * sets and queues), the arm64 signal frame, and syscall restart. No user memory access, no
 * scheduling: functions return what the caller (task loop, syscalls) must do next.
 *
 * State. A process embeds one struct sigproc (handlers, the process-wide pending set, the
 * list of its threads, the pool of queued siginfo); each thread embeds a struct sigthread
 * (blocked mask, thread-directed pending set, alternate stack, sigsuspend's saved mask).
 * sigproc.lock guards everything in both, except that a thread reads its own fields
 * without it. The lock is a plain spinlock: do not send signals from interrupt handlers
 * (wake a task and send from there) unless the lead turns it into an irqsave lock.
 *
 * Rules (signal(7)): standard signals (1..31) coalesce, one pending instance per set;
 * real-time signals (32..64) queue every instance with its siginfo, in order. Queued
 * siginfo comes from a per-process pool of SIGQUEUE_MAX entries. When it is empty, a
 * real-time signal whose si_code is not SI_USER (sigqueue, timers, tgkill's SI_TKILL)
 * fails with -EAGAIN; any other signal is still made pending and its siginfo then reads
 * as SI_USER from pid 0 (as Linux does). SIGKILL and SIGSTOP cannot be caught, blocked or
 * ignored.
 *
 * INTEGRATION (for the lead):
 *  - struct process: embed `struct sigproc sig;`, sigproc_init() at creation. fork without
 *    CLONE_SIGHAND: sigproc_copy_actions(child, parent) (handlers inherited, nothing
 *    pending). exec: sigproc_exec_reset() (handled signals back to SIG_DFL, pending kept).
 *  - struct task: embed `struct sigthread sig;`, sigthread_attach(&p->sig, &t->sig) when
 *    the thread joins its process, after sigthread_init(&t->sig, creator's, keep_altstack)
 *    (keep_altstack: fork and vfork yes, CLONE_VM threads no, as Linux); the first thread
 *    of init: sigthread_init(st, NULL, false). sigthread_detach() when it exits (its
 *    thread-directed pending signals are dropped); sigproc_flush() when the process is
 *    reaped. Remove task.sig_blocked and
 *    task.sig_pending.
 *  - signal_pending_current(): return sig_has_deliverable(&t->sig) || task_doomed(t).
 *  - kill/tgkill/tkill/rt_sigqueueinfo/faults: fill a siginfo (sig_info_*), then
 *    sig_send_process / sig_send_thread. On success, if out.wake: wake_for_signal() on
 *    the task embedding it (container_of(st, struct task, sig)); if out.fatal: start group
 *    exit with status sig (| 0x80 if sig_default_action is SIG_DFL_CORE, as force_signal
 *    does today; Linux sets 0x80 only when a core file was written) and wake every
 *    thread; if out.resume: resume a stopped process. Synchronous faults use
 *    sig_force_thread (unblocks/unignores as Linux's force_sig_info does).
 *  - rt_sigaction -> sig_action_set; rt_sigprocmask -> sig_procmask (copy sets in/out with
 *    sigsetsize == 8, else -EINVAL); rt_sigpending -> sig_pending_set; sigaltstack ->
 *    sig_altstack_set with the current user SP; rt_sigsuspend -> sig_suspend_begin, then
 *    await (interruptible) until signal_pending, return -ERESTARTNOHAND; ppoll/pselect6 the
 *    same with their mask. rt_sigtimedwait (set minus SIG_UNBLOCKABLE, as Linux):
 *    sig_dequeue(set) first; if nothing, sig_wait_begin(set), await interruptibly with
 *    the timeout, sig_wait_end(), dequeue again (-EAGAIN on timeout, -EINTR if woken by
 *    another signal).
 *  - Every return to user space (end of each task_user_loop iteration, before exo_run),
 *    when sig_has_deliverable() or the last stop was a syscall:
 *      1. r = sig_get_delivery(&t->sig, &d)   (loops past ignored signals)
 *      2. if the stop was a syscall other than rt_sigreturn:
 *         sig_syscall_restart(&t->uctx, orig_x0, r == SIG_DELIVER_HANDLER ? &d.action :
 *         NULL); orig_x0 is x0 as the syscall got it (save it before dispatch). Call it once
 *         per syscall, before sigframe_build (the frame saves the restarted state).
 *      3. SIG_DELIVER_FATAL: proc_exit(d.exit_status) (group exit).
 *         SIG_DELIVER_STOP: job control stop (until SIGCONT) — lead's choice.
 *         SIG_DELIVER_HANDLER: sigframe_build(...) with mask = sig_mask_to_save(st)
 *         (struct sigframe_out is ~5.5 KiB: keep it off the 16 KiB kernel stack); write
 *         out.frame to user address out.frame_addr (copy_to_user); on failure
 *         sig_force_thread(SIGSEGV) and repeat from 1 (Linux force_sigsegv); on success
 *         t->uctx = out.entry and sig_delivered(st, &d).
 *         SIG_DELIVER_NONE: sig_restore_saved_mask(st) (after sigsuspend returned).
 *  - rt_sigreturn: read SIGFRAME_PARSE_SIZE bytes at user SP (SP not 16-aligned or
 *    unreadable -> SIGSEGV), sigframe_parse(buf, sp, &t->uctx, &mask, &ss)
 *    (error -> force SIGSEGV), sig_set_blocked(st, mask), sig_altstack_restore(st, &ss,
 *    new sp); return without touching x0 (the syscall returns uctx.x[0]) and never restart.
 *  - Handlers without SA_RESTORER (glibc on arm64 never sets it: it relies on the vDSO's
 *    __kernel_rt_sigreturn) need a return trampoline: map SIGRETURN_TRAMPOLINE's two
 *    instructions in every process (read+exec) and pass its address as
 *    sigframe_in.default_restorer.
 */
#ifndef LIBOS_SIGNAL_H
#define LIBOS_SIGNAL_H
#include <stdbool.h>
#include <stdint.h>
#include <exo/cpu.h>
#include <lib/list.h>
#include <lib/spinlock.h>
#include <libos/abi/sigframe.h>
#include <libos/abi/signal.h>

#define SIGQUEUE_MAX 64 /* queued siginfo entries per process */

/* Signal numbers as a 64-bit set: bit sig-1. */
#define SIG_BIT(sig)    (1ull << ((sig)-1))
#define SIG_UNBLOCKABLE (SIG_BIT(LINUX_SIGKILL) | SIG_BIT(LINUX_SIGSTOP))
#define SIG_STOP_SET                                                                               \
    (SIG_BIT(LINUX_SIGSTOP) | SIG_BIT(LINUX_SIGTSTP) | SIG_BIT(LINUX_SIGTTIN) |                    \
     SIG_BIT(LINUX_SIGTTOU))

struct sigqueue {
    struct list_node link;
    linux_siginfo_t info;
};

/* Pending signals: the set, and the siginfo of each queued instance in arrival order. A
 * standard signal in mask has at most one entry (none if the pool was empty). */
struct sigpending {
    uint64_t mask;
    struct list_node queue; /* of struct sigqueue */
};

/* sigaltstack state of a thread: flags as stored (0, LINUX_SS_AUTODISARM, or
 * LINUX_SS_DISABLE with sp = size = 0). */
struct sigaltstack_state {
    uint64_t sp, size;
    uint32_t flags;
};

struct sigproc;

/* Per thread (embedded in struct task). */
struct sigthread {
    struct sigproc *proc;
    struct list_node link; /* in proc->threads */
    uint64_t blocked;      /* never contains SIG_UNBLOCKABLE */
    uint64_t real_blocked; /* blocked mask during sig_wait_begin..end */
    bool in_sigwait;
    uint64_t saved_blocked; /* mask to restore after sigsuspend/ppoll/pselect */
    bool restore_saved;
    struct sigpending pending; /* thread-directed */
    struct sigaltstack_state altstack;
};

/* Per process (embedded in struct process). */
struct sigproc {
    struct spinlock lock;
    struct linux_sigaction action[LINUX_NSIG]; /* index sig-1; flags masked to known ones */
    struct sigpending shared;                  /* process-directed */
    struct list_node threads;                  /* of struct sigthread, via link */
    struct list_node free;                     /* unused pool entries */
    struct sigqueue pool[SIGQUEUE_MAX];
    bool unkillable; /* init: signals it leaves at SIG_DFL are discarded when sent (even
                        SIGKILL and SIGSTOP), as Linux protects pid 1; faults still force */
    int traced;      /* threads being ptraced: ignored signals are still queued, for the
                        tracer's signal-delivery-stop (libos/ptrace.c keeps the count) */
};

/* ---- Default actions (signal(7)). ---- */
enum sig_default {
    SIG_DFL_TERM,
    SIG_DFL_CORE,
    SIG_DFL_STOP,
    SIG_DFL_CONT,
    SIG_DFL_IGN,
};
/* The default action of sig (1..64); real-time signals terminate. */
enum sig_default sig_default_action(int sig);
/* Is sig a valid signal number (1..LINUX_NSIG)? */
static inline bool sig_valid(int sig)
{
    return sig >= 1 && sig <= LINUX_NSIG;
}

/* ---- siginfo builders (the rest of info is zero). ---- */
/* kill/tgkill/tkill: SI_USER or SI_TKILL from pid/uid. */
void sig_info_user(linux_siginfo_t *info, int sig, int code, int pid, unsigned uid);
/* Kernel-generated (SI_KERNEL, or a fault's code with its address). */
void sig_info_kernel(linux_siginfo_t *info, int sig);
void sig_info_fault(linux_siginfo_t *info, int sig, int code, uint64_t addr);

/* ---- Lifetime. ---- */
/* Empty state: all handlers SIG_DFL, nothing pending, no threads. */
void sigproc_init(struct sigproc *sp);
/* fork: the child's handlers are the parent's (child initialised, not yet running). */
void sigproc_copy_actions(struct sigproc *child, struct sigproc *parent);
/* execve: caught signals revert to SIG_DFL; ignored stay ignored; pending and masks kept. */
void sigproc_exec_reset(struct sigproc *sp);
/* Frees every queued siginfo of the process (at exit, after the last thread detached). */
void sigproc_flush(struct sigproc *sp);
/* A new thread's state: blocked mask inherited from creator (if any), alternate stack too
 * if keep_altstack (fork, vfork), else disabled (new CLONE_VM threads); nothing pending. */
void sigthread_init(struct sigthread *st, const struct sigthread *creator, bool keep_altstack);
/* The thread joins sp (after sigthread_init). */
void sigthread_attach(struct sigproc *sp, struct sigthread *st);
/* The thread leaves: its pending thread-directed signals are discarded. */
void sigthread_detach(struct sigthread *st);

/* ---- Sending. ---- */
struct sig_send_result {
    struct sigthread *wake; /* thread that should be woken (wake_for_signal), or NULL */
    bool fatal;             /* default action kills the whole process now (status: sig) */
    bool discarded;         /* ignored at generation: nothing became pending */
    bool resume;            /* SIGCONT/SIGKILL: stopped threads must resume */
};
/* Process-directed signal (kill, process timers): made pending in the shared set, a thread
 * that does not block it chosen to be woken (the hint thread if it qualifies, else the
 * first such thread, like Linux's complete_signal). 0, -EINVAL (bad signo) or -EAGAIN (rt
 * queue full, user-sent). sig 0 is not sent (caller handles kill's existence check). */
int sig_send_process(struct sigproc *sp, const linux_siginfo_t *info, struct sigthread *hint,
                     struct sig_send_result *out);
/* Thread-directed signal (tgkill, tkill, rt_tgsigqueueinfo): pending for st only. */
int sig_send_thread(struct sigthread *st, const linux_siginfo_t *info, struct sig_send_result *out);
/* Synchronous fault (SIGSEGV on a bad access, ...): if st blocks or ignores the signal it
 * is unblocked and its action reset to SIG_DFL first, so it cannot be lost (Linux
 * force_sig_info). Always pending for st afterwards. */
void sig_force_thread(struct sigthread *st, const linux_siginfo_t *info);

/* ---- Receiving. ---- */
/* Does st have a pending signal it does not block (thread-directed or shared)? Lock-free. */
bool sig_has_deliverable(const struct sigthread *st);
/* Removes the next pending signal in `set` for st: thread-directed first, then shared;
 * within a set synchronous faults (SEGV, BUS, ILL, TRAP, FPE, SYS) first, then the lowest
 * number; real-time instances in arrival order. Fills *info; returns the signal or 0. */
int sig_dequeue(struct sigthread *st, uint64_t set, linux_siginfo_t *info);

enum sig_delivery {
    SIG_DELIVER_NONE,    /* nothing to do */
    SIG_DELIVER_HANDLER, /* run d->action's handler for d->sig with d->info */
    SIG_DELIVER_FATAL,   /* default action terminates: d->exit_status is the wait status */
    SIG_DELIVER_STOP,    /* default action stops the process (d->sig) */
};
struct sig_delivery_info {
    int sig;
    linux_siginfo_t info;
    struct linux_sigaction action; /* the handler to run, as it was when dequeued */
    int exit_status;               /* FATAL: sig, | 0x80 for core-dumping signals */
};
/* The next thing to do for st's unblocked pending signals (Linux get_signal): skips
 * ignored ones (SIG_IGN, default-ignore, SIGCONT's default), applies SA_RESETHAND (the
 * handler becomes SIG_DFL once taken). */
enum sig_delivery sig_get_delivery(struct sigthread *st, struct sig_delivery_info *d);
/* After the handler's frame was written: blocked |= sa_mask | sig (unless SA_NODEFER),
 * drops sigsuspend's saved mask, and disarms the alternate stack (SS_AUTODISARM). */
void sig_delivered(struct sigthread *st, const struct sig_delivery_info *d);

/* ---- Syscall logic. ---- */
/* rt_sigaction: old (if non-NULL) gets the current action; new (if non-NULL) replaces it,
 * sa_mask without KILL/STOP, unknown sa_flags bits cleared. Setting an action that ignores
 * the signal discards its pending instances in the process and all threads. 0 or -EINVAL
 * (bad sig, or a new action for SIGKILL/SIGSTOP). */
int sig_action_set(struct sigproc *sp, int sig, const struct linux_sigaction *new_act,
                   struct linux_sigaction *old_act);
/* rt_sigprocmask: how is SIG_BLOCK/UNBLOCK/SETMASK (ignored when set is NULL); *old gets
 * the previous mask. KILL/STOP are never blocked. 0 or -EINVAL (bad how). Shared signals
 * this thread now blocks are offered to other threads: *wake (if non-NULL) gets one to
 * wake, or NULL. */
int sig_procmask(struct sigthread *st, int how, const uint64_t *set, uint64_t *old,
                 struct sigthread **wake);
/* Sets the blocked mask (minus KILL/STOP), e.g. from rt_sigreturn. */
void sig_set_blocked(struct sigthread *st, uint64_t mask);
/* rt_sigpending: the pending signals of st (thread and shared) that it blocks. */
uint64_t sig_pending_set(const struct sigthread *st);
/* sigsuspend, ppoll, pselect6: blocks `mask` now; the old mask is restored by
 * sig_delivered's frame (sig_mask_to_save) or sig_restore_saved_mask. */
void sig_suspend_begin(struct sigthread *st, uint64_t mask);
/* The mask a signal frame must save: sigsuspend's saved mask if one is active. */
uint64_t sig_mask_to_save(const struct sigthread *st);
/* No handler ran on the way back to user space: put back sigsuspend's saved mask. */
void sig_restore_saved_mask(struct sigthread *st);
/* rt_sigtimedwait: while waiting, signals in set are unblocked so that senders choose
 * (and wake) this thread; sig_wait_end restores the real mask. */
void sig_wait_begin(struct sigthread *st, uint64_t set);
void sig_wait_end(struct sigthread *st);

/* Is sp on the alternate stack ss (sp in (base, base + size]; never when SS_AUTODISARM)? */
bool sigaltstack_contains(const struct sigaltstack_state *ss, uint64_t sp);
/* sigaltstack: is sp on st's alternate stack (sp in (base, base + size])? False when
 * disarmed (SS_AUTODISARM) or disabled. */
bool sig_on_altstack(const struct sigthread *st, uint64_t sp);
/* sigaltstack(ss, old) with the caller's user sp: old (if non-NULL) gets the current
 * stack with ss_flags SS_ONSTACK / SS_DISABLE / 0 plus SS_AUTODISARM if set. ss (if
 * non-NULL) replaces it. 0, -EPERM (currently on it), -EINVAL (bad flags), -ENOMEM (size
 * below MINSIGSTKSZ). */
int sig_altstack_set(struct sigthread *st, const linux_stack_t *ss, linux_stack_t *old,
                     uint64_t sp);
/* rt_sigreturn: reinstates the uc_stack saved in the frame (errors ignored, as Linux). */
void sig_altstack_restore(struct sigthread *st, const linux_stack_t *ss, uint64_t sp);

/* ---- The arm64 signal frame. ---- */
/* Bytes written to user memory: struct linux_rt_sigframe, then a struct linux_frame_record
 * above it. */
#define SIGFRAME_SIZE (sizeof(struct linux_rt_sigframe) + sizeof(struct linux_frame_record))
/* Bytes rt_sigreturn reads at the user SP. */
#define SIGFRAME_PARSE_SIZE sizeof(struct linux_rt_sigframe)
/* A return trampoline for handlers without SA_RESTORER: mov x8, #139; svc #0. */
#define SIGRETURN_TRAMPOLINE                                                                       \
    {                                                                                              \
        0xd2801168u, 0xd4000001u                                                                   \
    }

struct sigframe_in {
    const struct exo_context *ctx; /* interrupted user state (after restart fixup) */
    int sig;
    const linux_siginfo_t *info;
    const struct linux_sigaction *action;
    uint64_t blocked;                  /* mask to restore: sig_mask_to_save() */
    struct sigaltstack_state altstack; /* the thread's, before sig_delivered */
    uint64_t fault_address;            /* sigcontext.fault_address (0 if none) */
    uint64_t esr;                      /* nonzero: add an esr_context record */
    uint64_t default_restorer;         /* trampoline when !SA_RESTORER (0: none) */
};
struct sigframe_out {
    uint64_t frame_addr;          /* user address of frame[] */
    uint8_t frame[SIGFRAME_SIZE]; /* bytes to copy there */
    struct exo_context entry;     /* registers to enter the handler with */
};
/* Lays out the frame below the interrupted SP (or at the top of the alternate stack with
 * SA_ONSTACK when not already on it), 16-byte aligned, as Linux arm64 does, and computes
 * the handler entry: x0 = sig, x1/x2 = &info/&uc (SA_SIGINFO only; Linux leaves them
 * otherwise), sp = frame, x29 = the frame record, x30 = restorer, pc = handler, pstate
 * NZCV kept. 0, or -EINVAL (no restorer: no SA_RESTORER and no default_restorer). */
int sigframe_build(const struct sigframe_in *in, struct sigframe_out *out);
/* rt_sigreturn: parses the frame read from user address sp (SIGFRAME_PARSE_SIZE bytes: the
 * rt_sigframe, not the frame record above it) into *ctx (x0..x30, sp, pc, pstate, FP/SIMD; tpidr
 * kept), *blocked (KILL/STOP removed) and *uc_stack. -EFAULT if sp is not 16-aligned; -EINVAL for
 * a bad frame: pstate not EL0t/AArch64 or with D/A/I/F set, a missing, duplicated, unknown
 * or malformed record. On error *ctx is unchanged: the caller sends SIGSEGV. */
int sigframe_parse(const uint8_t *frame, uint64_t sp, struct exo_context *ctx, uint64_t *blocked,
                   linux_stack_t *uc_stack);

/* ---- Syscall restart (signal(7) "Interruption of system calls"). ---- */
enum sig_restart {
    SIG_RESTART_NONE,  /* x0 is the syscall's result for user space */
    SIG_RESTART_EINTR, /* x0 became -EINTR */
    SIG_RESTART_AGAIN, /* pc rewound to the SVC, x0 = orig_x0: the syscall runs again */
    SIG_RESTART_BLOCK, /* as AGAIN, with x8 = restart_syscall (ERESTART_RESTARTBLOCK) */
};
/* On the way back to user space after a syscall, ctx->x[0] holding its result: handler is
 * the action about to run (NULL when no handler runs). ERESTARTSYS restarts if no handler
 * or SA_RESTART, else EINTR; ERESTARTNOINTR always restarts; ERESTARTNOHAND and
 * ERESTART_RESTARTBLOCK restart only when no handler runs. Other values are left alone. */
enum sig_restart sig_syscall_restart(struct exo_context *ctx, uint64_t orig_x0,
                                     const struct linux_sigaction *handler);

#endif
