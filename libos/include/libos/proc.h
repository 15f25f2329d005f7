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
#include <libos/mutex.h>
#include <libos/task.h>
#include <libos/wait.h>
#include <mm/as.h>
#include <fs/vfs.h>
#include <libos/abi/process.h>

/* Event counts of getrusage (updated without locks: statistics). */
struct proc_usage {
    uint64_t minflt, majflt, nvcsw, nivcsw;
};
struct term;

/* An address space: one exo environment (address space + ASID), the VMAs and shadow page
 * table of mm/as.c, and its lock. Shared by every process created with CLONE_VM from the
 * same one (vfork, posix_spawn, clone(CLONE_VM)); freed when the last of them execs or
 * exits. */
struct vmspace {
    envid_t env;
    struct mm_as as;
    struct mutex as_lock;     /* serializes the address space (faults may sleep) */
    struct list_node vm_link; /* libos/vm.c: in the list of live address spaces */
    int refs;                 /* processes running in it, plus temporary holders */
};

struct process {
    int pid, pgid, sid;
    /* The address space (and exo environment) its threads run in: its own, or shared with
     * other processes (CLONE_VM: vfork, posix_spawn). Replaced only by exec (the process then
     * has one thread) and dropped when the last thread exits (NULL then); read by others
     * through proc_vm_get. */
    struct vmspace *vm;
    struct spinlock lock; /* threads, children, state below */
    struct process *parent;
    struct list_node children; /* of struct process, via sibling */
    struct list_node sibling;
    struct list_node threads; /* of struct task, via thread_link */
    int nthreads;
    bool exiting; /* exit_group in progress or done */
    /* execve of a multi-threaded process: the thread that won the exec; every other thread
     * ends at its next return to the kernel (without clear_child_tid) and wakes exec_wait. */
    struct task *exec_task;
    struct wait_queue exec_wait;
    bool zombie;                  /* all threads gone, waiting to be reaped */
    bool *vfork_done;             /* vfork: the parent's flag, set at exec or exit */
    bool child_subreaper;         /* PR_SET_CHILD_SUBREAPER: adopts orphaned descendants */
    bool exec_committed;          /* execve is past its point of no return */
    int exit_status;              /* wait status word (Linux encoding) */
    struct wait_queue child_wait; /* wait4 sleeps here (children exiting) */
    char comm[TASK_COMM_LEN];
    unsigned uid, euid, suid, gid, egid, sgid;
    unsigned fsuid, fsgid; /* filesystem ids (libos/cred.c) */
    unsigned *groups;      /* supplementary groups (kmalloc), ngroups of them */
    int ngroups;
    unsigned umask;
    uint64_t start_ns;
    uint64_t utime_ns, stime_ns, child_utime_ns, child_stime_ns;
    uint64_t maxrss_kb, child_maxrss_kb; /* resident-set high-water marks (sampled) */
    struct proc_usage usage, child_usage;
    uint64_t exited_cpu_ns;     /* CPU time of its threads that exited (libos/time.c) */
    struct proc_timers *timers; /* itimers and POSIX timers, NULL if never used (timer.c) */
    uint64_t brk_start;
    uint64_t arg_start, arg_end, env_start, env_end;
    struct list_node all_link; /* in the global process list */
    struct linux_rlimit rlimits[LINUX_RLIM_NLIMITS];
    struct fdtable *fds; /* shared by the threads */
    struct sigproc sig;  /* handlers, process-directed pending signals */
    struct term *ctty;   /* controlling terminal (libos/term.h), referenced */
    int nice;            /* -20..19, applied to every thread's EEVDF weight */
    /* Job control: stopped by stop_sig until SIGCONT; what wait4 has not reported yet. */
    bool stopped, stop_unreported, cont_unreported;
    int stop_sig;
    struct wait_queue stop_wait;
    struct vfs_ctx fsctx;     /* root and working directory */
    struct vfs_path exe;      /* the program file (mnt NULL: none), libos/exe.c */
    struct exec_names *names; /* names of the program's mappings in maps */
    int remote_pins;          /* libos/ptrace.c: remote accesses to the address space */
    int refs;                 /* the process list's (until reaped) and proc_get's */
};

struct process *current_proc(void);
/* p's credentials for the VFS (libos/cred.c): effective ids (real false) or, for access(2),
 * real ids (real true), with p's supplementary groups. */
struct vfs_cred proc_vfs_cred(struct process *p, bool real);
/* Is gid p's effective group or one of its supplementary groups? */
bool proc_in_group(struct process *p, unsigned gid);
/* The address space p's threads run in (p is the caller's process, or one with live threads
 * that cannot exec meanwhile). */
static inline struct vmspace *proc_vm(struct process *p)
{
    return __atomic_load_n(&p->vm, __ATOMIC_ACQUIRE);
}
/* A reference to p's address space for another process's reader (procfs), or NULL if p has
 * none left; vmspace_put releases it. */
struct vmspace *proc_vm_get(struct process *p);
/* The live process pid with a reference taken, or NULL; proc_put drops the reference. A
 * referenced process stays readable after it is reaped (as a zombie that is off every list). */
struct process *proc_get(int pid);
/* proc_get(pid), or the caller's process (referenced) when pid is 0. */
struct process *proc_get_or_self(int pid);
/* Is there a live process pid? (Nothing is referenced.) */
bool proc_exists(int pid);
/* Takes another reference on p and returns it. */
struct process *proc_ref(struct process *p);
/* Drops a reference (p may be NULL); the last one frees the process. */
void proc_put(struct process *p);
/* Must t end at its next return to the kernel (its process exits, or another of its threads
 * execs)? Interruptible awaits end for such a thread as for a pending signal. */
static inline bool task_doomed(const struct task *t)
{
    struct process *p = t->proc;
    struct task *winner = __atomic_load_n(&p->exec_task, __ATOMIC_ACQUIRE);
    return READ_ONCE(p->exiting) || (winner && winner != t);
}
/* execve's point of no return in a multi-threaded process: ends every other thread of t's
 * process and waits until they are gone; t then takes the process's pid as its tid. 0, or
 * -EINTR if another thread won a concurrent exec or the process is exiting (t must then end
 * itself at its return to the kernel; nothing was changed). */
int proc_exec_flush_threads(struct task *t);
/* p's thread tid, or NULL (not referenced: valid while the caller keeps p's threads alive). */
struct task *proc_thread(struct process *p, int tid);
/* The same with p->lock held by the caller: valid until it is released. */
struct task *proc_thread_locked(struct process *p, int tid);
/* The pids of up to max live processes match() accepts (taken under the process-list lock;
 * signal them after, never while holding it). */
int proc_collect(bool (*match)(struct process *, void *), void *arg, int *pids, int max);
/* Calls fn on the live thread tid with the process-list and its process's lock held (fn
 * must not sleep): fn's result, or -ESRCH when there is no such thread. */
int task_call(int tid, int (*fn)(struct task *, void *), void *arg);
/* Starts the first user process from an in-memory ELF image. */
int proc_start_init(const char *path, const void *image, uint64_t size, const char *const *argv,
                    const char *const *envp);
/* The user-mode loop of a task: run, then handle syscalls, faults, signals. */
__attribute__((noreturn)) void task_user_loop(struct task *t);
/* Ends the whole process with a wait status (exit_group, fatal signal). */
__attribute__((noreturn)) void proc_exit(int status);

/* libos/vm.c: address spaces. vmspace_new makes an empty one (one reference, a fresh exo
 * environment) or NULL; vmspace_get/vmspace_put count references, the last put unmaps
 * everything and destroys the environment. */
struct vmspace *vmspace_new(void);
void vmspace_get(struct vmspace *vm);
void vmspace_put(struct vmspace *vm);
/* Makes exo's mappings of [va, va+len) equal to the shadow table's. */
void vm_sync(struct vmspace *vm, uint64_t va, uint64_t len);
/* Handles a fault at addr: 0, or the signal to send (SIGSEGV/SIGBUS). */
int vm_fault(struct vmspace *vm, uint64_t addr, unsigned access, int *si_code);
/* Copies to/from user memory, faulting pages in: 0 or -EFAULT. */
int copy_from_user(void *dst, uint64_t src, uint64_t len);
int copy_to_user(uint64_t dst, const void *src, uint64_t len);
/* The same into any process (exec builds a process that is not running yet), and out of
 * one (ptrace): the caller keeps p's address space alive. */
int copy_to_proc(struct process *p, uint64_t dst, const void *src, uint64_t len);
int copy_from_proc(struct process *p, void *dst, uint64_t src, uint64_t len);
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
/* Waits while the current process is stopped; true if it was. */
bool proc_wait_while_stopped(void);
/* The rt_sigreturn trampoline page every process has. */
#define SIGRETURN_TRAMPOLINE_VA 0xfffff0000000UL
int signal_map_trampoline(struct process *p);
/* Resource limits: the parent's, or the defaults for the first process. */
void proc_rlimits_init(struct process *p, const struct process *parent);
/* libos/futex.c: wakes up to n waiters on the futex at uaddr in vm. */
int futex_wake_addr(struct vmspace *vm, uint64_t uaddr, int n);

/* libos/exec.c: loads an ELF from memory or from the filesystem (#! scripts and PT_INTERP
 * included) into p's (fresh) address space and sets t's registers. */
int exec_image(struct process *p, struct task *t, const char *path, const void *image,
               uint64_t size, const char *const *argv, const char *const *envp);
int exec_path(struct process *p, struct task *t, const char *path, const char *const *argv,
              const char *const *envp);
/* libos/rusage.c: resource usage. Samples p's resident set into its high-water mark. */
void proc_sample_maxrss(struct process *p);
/* getrusage's figures for p itself or for its reaped children. */
void proc_fill_rusage(const struct process *p, bool children, struct linux_rusage *ru);
/* Adds the reaped child c's usage (and its children's) to parent's children totals. */
void proc_add_child_usage(struct process *parent, const struct process *c);

/* libos/cred.c: a child's credentials are its parent's (0 or -ENOMEM); freed at reaping. */
int proc_creds_copy(struct process *child, const struct process *parent);
void proc_creds_free(struct process *p);

/* libos/exe.c: the program a process runs. */
struct exec_names;
struct exec_names *exec_names_new(struct process *p, const struct vfs_file *f, const char *name,
                                  const struct vfs_file *interp);
const char *exec_names_exe(const struct exec_names *n);
const char *exec_names_interp(const struct exec_names *n);
void exec_names_put(struct exec_names *n);
void proc_set_image(struct process *p, const struct vfs_file *f, struct exec_names *names);
void proc_inherit_image(struct process *child, const struct process *parent);
void proc_drop_image(struct process *p);

/* execve of path (a kernel string) with user argv/envp: 0 (now running the new program) or
 * a negative errno with the old program intact. */
long proc_execve(const char *path, uint64_t uargv, uint64_t uenvp);
/* Starts the first process from a path in the root filesystem. */
int proc_start_init_path(const char *path, const char *const *argv, const char *const *envp);

#endif
