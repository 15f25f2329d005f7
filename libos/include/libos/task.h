/*
 * Tasks: every Linux thread is a task with its own kernel stack (from exo, with an unmapped
 * guard page; an overflow is reported with the task's name). A task runs its user code
 * through exo_run from its own kernel stack (task_user_loop), and sleeps only at an await
 * (libos/wait.h), where it switches to its CPU's scheduler.
 */
#ifndef LIBOS_TASK_H
#define LIBOS_TASK_H
#include <stdbool.h>
#include <stdint.h>
#include <exo/cpu.h>
#include <lib/list.h>
#include <libos/sched.h>
#include <libos/signal.h>

#define TASK_COMM_LEN 16

enum task_state {
    TASK_RUNNABLE,
    TASK_SLEEPING, /* in an await; woken by wake_task */
    TASK_DEAD,     /* exited; freed by the scheduler once switched away from */
};

/* Kernel context saved by kctx_switch: callee-saved registers, frame pointer, LR, SP. */
struct kctx {
    uint64_t x19_x28[10];
    uint64_t fp, lr, sp;
};

struct process;
struct wait_queue;
struct ptrace_link;

struct task {
    int tid;
    char comm[TASK_COMM_LEN];
    struct process *proc;
    struct exo_context uctx; /* user registers while in the kernel */
    struct kctx kctx;        /* kernel registers while switched out */
    uint64_t kstack_top; /* exo_kstack_alloc: 16 KiB with an unmapped guard below */
    enum task_state state;   /* guarded by the lock of the task's run queue */
    bool on_cpu;             /* its kernel context is live on a CPU */
    unsigned cpu;            /* run queue it belongs to */
    uint64_t cpus_allowed;   /* bit n: may run on CPU n (sched_setaffinity) */
    uint64_t cpu_accounted_ns; /* se.sum_exec_runtime already split into user/system time */
    struct sched_entity se;
    struct list_node thread_link; /* in its process's thread list */
    /* Await bookkeeping (libos/wait.c). */
    struct list_node wait_link;
    struct wait_queue *waiting_on;
    bool woken_by_signal;
    uint64_t sleep_deadline; /* timed waits: ns, 0 = none */
    struct list_node timer_link;
    /* Linux thread state. */
    uint64_t clear_child_tid; /* set_tid_address / CLONE_CHILD_CLEARTID */
    uint64_t robust_list;     /* set_robust_list head */
    struct sigthread sig;     /* blocked mask, pending signals, alternate stack */
    uint64_t orig_x0;         /* x0 as the current syscall received it (restarts) */
    bool in_syscall;          /* the last stop was a syscall (restart rules apply) */
    bool no_restart;          /* rt_sigreturn: the syscall result must not be touched */
    int exit_code;
    struct ptrace_link *ptrace; /* libos/ptrace.c: set while traced */
    void (*kernel_fn)(void *); /* kernel-only tasks */
    void *kernel_arg;
};

/* The task running on this CPU (NULL in the scheduler loop). */
struct task *current_task(void);
/* Allocates a task with a kernel stack; it starts in fn(arg) when first scheduled. */
struct task *task_create(const char *name, void (*fn)(void *), void *arg);
void task_free(struct task *t);
/* Makes a new task runnable on a CPU chosen for balance. */
void task_start(struct task *t);
/* Ends the calling task (never returns). */
__attribute__((noreturn)) void task_exit(void);
void task_set_comm(struct task *t, const char *name);

/* Scheduler (libos/cpu.c). */
void sched_init_cpu(unsigned cpu);
/* Runs the calling CPU's scheduler loop forever. */
__attribute__((noreturn)) void sched_cpu_loop(void);
/* Gives up the CPU: the task is re-queued if runnable, else leaves its run queue. */
void schedule(void);
/* Makes a sleeping task runnable (no-op if it is not sleeping). True if it was woken. */
bool wake_task(struct task *t);
/* Has the current task used up its share (the timer said so)? */
bool need_resched(void);
/* Sets a task's nice value (EEVDF weight), wherever it is queued. */
void sched_task_set_nice(struct task *t, int nice);
/* Restricts t to the CPUs in mask (non-empty, within exo_cpu_count()): a queued t moves at
 * once, a running one when it next gives up its CPU (the caller schedules itself to move at
 * once). True if t is the current task and must move. */
bool sched_task_set_affinity(struct task *t, uint64_t mask);
/* Bit n set for every CPU n. */
uint64_t sched_all_cpus(void);
/* Charges the current task's CPU time; called after each exo_run. */
void sched_account(uint64_t ns);

void kctx_switch(struct kctx *save, struct kctx *load);
void kctx_entry(void);

#endif
