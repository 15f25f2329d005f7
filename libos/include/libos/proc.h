/*
 * Processes: one exo environment each, an address space (mm/as.c over a shadow page table
 * the libOS mirrors into exo, libos/vm.c), threads (tasks), and the Linux process state
 * (ids, parent/children, exit status, credentials, limits).
 */
#ifndef LIBOS_PROC_H
#define LIBOS_PROC_H
#include <stdbool.h>
#include <stdint.h>
#include <exo/types.h>
#include <lib/list.h>
#include <lib/spinlock.h>
#include <libos/task.h>
#include <libos/wait.h>
#include <mm/as.h>
#include <fs/vfs.h>
#include <libos/abi/process.h>

struct process {
    int pid, pgid, sid;
    envid_t env;
    struct mm_as as;
    struct spinlock as_lock;    /* serializes the address space */
    struct spinlock lock;       /* threads, children, state below */
    struct process *parent;
    struct list_node children;  /* of struct process, via sibling */
    struct list_node sibling;
    struct list_node threads;   /* of struct task, via thread_link */
    int nthreads;
    bool exiting;               /* exit_group in progress or done */
    bool zombie;                /* all threads gone, waiting to be reaped */
    bool *vfork_done;           /* vfork: the parent's flag, set at exec or exit */
    int exit_status;            /* wait status word (Linux encoding) */
    struct wait_queue child_wait; /* wait4 sleeps here (children exiting) */
    char comm[TASK_COMM_LEN];
    unsigned uid, euid, suid, gid, egid, sgid;
    unsigned umask;
    uint64_t start_ns;
    uint64_t utime_ns, stime_ns, child_utime_ns, child_stime_ns;
    uint64_t exited_cpu_ns;     /* CPU time of its threads that exited (libos/time.c) */
    struct proc_timers *timers; /* itimers and POSIX timers, NULL if never used (timer.c) */
    uint64_t brk_start;
    uint64_t arg_start, arg_end, env_start, env_end;
    struct list_node all_link;  /* in the global process list */
    struct linux_rlimit rlimits[LINUX_RLIM_NLIMITS];
    struct fdtable *fds;        /* shared by the threads */
    struct sigproc sig;         /* handlers, process-directed pending signals */
    bool has_ctty;              /* the console is its session's controlling terminal */
    int nice;                   /* -20..19, applied to every thread's EEVDF weight */
    /* Job control: stopped by stop_sig until SIGCONT; what wait4 has not reported yet. */
    bool stopped, stop_unreported, cont_unreported;
    int stop_sig;
    struct wait_queue stop_wait;
    struct vfs_ctx fsctx;       /* root and working directory */
};

struct process *current_proc(void);
struct process *proc_find(int pid);
/* The pids of up to max live processes match() accepts (taken under the process-list lock;
 * signal them after, never while holding it). */
int proc_collect(bool (*match)(struct process *, void *), void *arg, int *pids, int max);
/* Starts the first user process from an in-memory ELF image. */
int proc_start_init(const char *path, const void *image, uint64_t size, const char *const *argv,
                    const char *const *envp);
/* The user-mode loop of a task: run, then handle syscalls, faults, signals. */
__attribute__((noreturn)) void task_user_loop(struct task *t);
/* Ends the whole process with a wait status (exit_group, fatal signal). */
__attribute__((noreturn)) void proc_exit(int status);

/* libos/vm.c: the process address space. */
int vm_init(struct process *p);
void vm_destroy(struct process *p);
/* Makes exo's mappings of [va, va+len) equal to the shadow table's. */
void vm_sync(struct process *p, uint64_t va, uint64_t len);
/* Handles a fault at addr: 0, or the signal to send (SIGSEGV/SIGBUS). */
int vm_fault(struct process *p, uint64_t addr, unsigned access, int *si_code);
/* Copies to/from user memory, faulting pages in: 0 or -EFAULT. */
int copy_from_user(void *dst, uint64_t src, uint64_t len);
int copy_to_user(uint64_t dst, const void *src, uint64_t len);
/* The same into any process (exec builds a process that is not running yet). */
int copy_to_proc(struct process *p, uint64_t dst, const void *src, uint64_t len);
/* Copies a NUL-terminated string of at most max bytes (including NUL): its length, -EFAULT
 * or -ENAMETOOLONG. */
long strncpy_from_user(char *dst, uint64_t src, uint64_t max);

void force_signal(int sig);
/* libos/signal.c: sends a signal to a process / thread, waking or ending as needed. */
int signal_process(struct process *p, const linux_siginfo_t *info);
int signal_thread(struct task *t, const linux_siginfo_t *info);
/* Synchronous fault: forced on the current thread (unblocked, unignored). */
void signal_fault(int sig, int code, uint64_t addr);
/* Before returning to EL0: restart rules, then deliver a pending signal if any. */
void signal_deliver(struct task *t);
/* Job control: stops the current process with sig / resumes p (SIGCONT). */
void proc_stop(int sig);
void proc_continue(struct process *p);
/* Waits while the current process is stopped. */
void proc_wait_while_stopped(void);
/* The rt_sigreturn trampoline page every process has. */
#define SIGRETURN_TRAMPOLINE_VA 0xfffff0000000UL
int signal_map_trampoline(struct process *p);
/* Resource limits: the parent's, or the defaults for the first process. */
void proc_rlimits_init(struct process *p, const struct process *parent);
/* libos/futex.c: wakes up to n waiters on the futex at uaddr in p. */
int futex_wake_addr(struct process *p, uint64_t uaddr, int n);

/* libos/exec.c: loads an ELF from memory or from the filesystem (#! scripts and PT_INTERP
 * included) into p's (fresh) address space and sets t's registers. */
int exec_image(struct process *p, struct task *t, const char *path, const void *image,
               uint64_t size, const char *const *argv, const char *const *envp);
int exec_path(struct process *p, struct task *t, const char *path, const char *const *argv,
              const char *const *envp);
/* Starts the first process from a path in the root filesystem. */
int proc_start_init_path(const char *path, const char *const *argv, const char *const *envp);

#endif
