/*
 * Processes and threads: creation (the first process, clone for fork and threads), the
 * user-mode loop every thread runs, exit, and wait4.
 */
#include <string.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <exo/env.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <libos/clock.h>
#include <libos/file.h>
#include <libos/proc.h>
#include <libos/ptrace.h>
#include <libos/term.h>
#include <libos/abi/syscall.h>
#include <libos/abi/linux.h>
#include <libos/syscall.h>
#include <libos/timer.h>
#include <mm/slab.h>

struct term *ttycon_term(void);

static struct list_node all_procs = LIST_INIT(all_procs);
static struct spinlock procs_lock = SPINLOCK_INIT("procs");
static int next_pid = 1;

struct process *current_proc(void)
{
    struct task *t = current_task();
    return t ? t->proc : NULL;
}

/* procs_lock held: the live (not zombie) process pid, or NULL. */
static struct process *find_live(int pid)
{
    struct list_node *pos;
    list_for_each(pos, &all_procs)
    {
        struct process *p = list_entry(pos, struct process, all_link);
        if (p->pid == pid && !p->zombie)
            return p;
    }
    return NULL;
}

struct process *proc_get(int pid)
{
    spin_lock(&procs_lock);
    struct process *p = find_live(pid);
    if (p)
        proc_ref(p);
    spin_unlock(&procs_lock);
    return p;
}

struct process *proc_get_or_self(int pid)
{
    return pid ? proc_get(pid) : proc_ref(current_proc());
}

bool proc_exists(int pid)
{
    spin_lock(&procs_lock);
    bool found = find_live(pid) != NULL;
    spin_unlock(&procs_lock);
    return found;
}

struct process *proc_ref(struct process *p)
{
    __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
    return p;
}

void proc_put(struct process *p)
{
    if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        proc_creds_free(p);
        kfree(p);
    }
}

void proc_for_each(void (*fn)(struct process *, void *), void *arg)
{
    spin_lock(&procs_lock);
    struct list_node *pos;
    list_for_each(pos, &all_procs)
    {
        struct process *p = list_entry(pos, struct process, all_link);
        if (!p->zombie)
            fn(p, arg);
    }
    spin_unlock(&procs_lock);
}

int proc_collect(bool (*match)(struct process *, void *), void *arg, int *pids, int max)
{
    int n = 0;
    spin_lock(&procs_lock);
    struct list_node *pos;
    list_for_each(pos, &all_procs)
    {
        struct process *p = list_entry(pos, struct process, all_link);
        if (!p->zombie && match(p, arg) && n < max)
            pids[n++] = p->pid;
    }
    spin_unlock(&procs_lock);
    return n;
}

int task_call(int tid, int (*fn)(struct task *, void *), void *arg)
{
    int ret = -ESRCH;
    spin_lock(&procs_lock);
    struct list_node *pos, *tpos;
    list_for_each(pos, &all_procs)
    {
        struct process *p = list_entry(pos, struct process, all_link);
        if (p->zombie)
            continue;
        spin_lock(&p->lock);
        list_for_each(tpos, &p->threads)
        {
            struct task *t = list_entry(tpos, struct task, thread_link);
            if (t->tid == tid)
                ret = fn(t, arg);
        }
        spin_unlock(&p->lock);
    }
    spin_unlock(&procs_lock);
    return ret;
}

struct task *proc_thread_locked(struct process *p, int tid)
{
    struct list_node *pos;
    list_for_each(pos, &p->threads)
    {
        struct task *t = list_entry(pos, struct task, thread_link);
        if (t->tid == tid)
            return t;
    }
    return NULL;
}

struct task *proc_thread(struct process *p, int tid)
{
    spin_lock(&p->lock);
    struct task *found = proc_thread_locked(p, tid);
    spin_unlock(&p->lock);
    return found;
}

struct vmspace *proc_vm_get(struct process *p)
{
    spin_lock(&p->lock);
    struct vmspace *vm = p->vm;
    if (vm)
        vmspace_get(vm);
    spin_unlock(&p->lock);
    return vm;
}

/* A new process without threads or address space (the caller gives it one). */
static struct process *proc_alloc(void)
{
    struct process *p = kzalloc(sizeof(*p));
    if (!p)
        return NULL;
    spin_init(&p->lock, "proc");
    list_init(&p->children);
    list_init(&p->sibling);
    list_init(&p->threads);
    wait_queue_init(&p->child_wait);
    wait_queue_init(&p->stop_wait);
    wait_queue_init(&p->exec_wait);
    sigproc_init(&p->sig);
    p->umask = 022;
    p->start_ns = exo_time_ns();
    p->refs = 1; /* the process list's, dropped when it is reaped */
    spin_lock(&procs_lock);
    p->pid = next_pid++;
    list_push_back(&all_procs, &p->all_link);
    spin_unlock(&procs_lock);
    return p;
}

/* p was reaped: it leaves the process list, and goes once no lookup holds it. */
static void proc_free(struct process *p)
{
    spin_lock(&procs_lock);
    list_remove(&p->all_link);
    spin_unlock(&procs_lock);
    proc_put(p);
}

static void user_task_main(void *arg)
{
    task_user_loop(arg);
}

static void add_thread(struct process *p, struct task *t)
{
    sigthread_attach(&p->sig, &t->sig);
    spin_lock(&p->lock);
    t->proc = p;
    list_push_back(&p->threads, &t->thread_link);
    p->nthreads++;
    spin_unlock(&p->lock);
}

/* The first process and its only thread, before any program is loaded. */
static int init_create(struct process **pp, struct task **tp)
{
    struct process *p = proc_alloc();
    if (!p)
        return -ENOMEM;
    if (!(p->vm = vmspace_new()))
        return -ENOMEM;
    p->pgid = p->sid = p->pid;
    /* the first session (init's) gets the console as its controlling terminal */
    tty_set_session(&ttycon_term()->ld, p->sid, p->pgid);
    p->ctty = ttycon_term();
    term_get(p->ctty);
    proc_rlimits_init(p, NULL);
    int err = files_init_process(p);
    if (err)
        return err;
    struct task *t = task_create("init", user_task_main, NULL);
    if (!t)
        return -ENOMEM;
    t->kernel_arg = t;
    t->tid = p->pid;
    sigthread_init(&t->sig, NULL, false);
    p->sig.unkillable = true; /* like Linux's pid 1: only handled signals reach it */
    add_thread(p, t);
    *pp = p;
    *tp = t;
    return 0;
}

int proc_start_init(const char *path, const void *image, uint64_t size, const char *const *argv,
                    const char *const *envp)
{
    struct process *p;
    struct task *t;
    int err = init_create(&p, &t);
    if (!err)
        err = exec_image(p, t, path, image, size, argv, envp);
    if (!err)
        task_start(t);
    return err;
}

int proc_start_init_path(const char *path, const char *const *argv, const char *const *envp)
{
    struct process *p;
    struct task *t;
    int err = init_create(&p, &t);
    if (!err)
        err = exec_path(p, t, path, argv, envp);
    if (!err)
        task_start(t);
    return err;
}

/* Default action of a signal the process does not handle: terminate (with "core" for the
 * core-dumping ones). Signal handlers arrive with the signals issue. */
void force_signal(int sig)
{
    static const uint64_t core = (1UL << 3) | (1UL << 4) | (1UL << 5) | (1UL << 6) | (1UL << 7) |
                                 (1UL << 8) | (1UL << 11) | (1UL << 31);
    proc_exit(sig | ((core >> sig) & 1 ? 0x80 : 0));
}

static int exception_signal(const struct exo_stop *stop)
{
    switch (stop->exception_class) {
    case 0x3c:
        return 5; /* BRK: SIGTRAP */
    case 0x22:
    case 0x26:
        return 7; /* PC/SP alignment: SIGBUS */
    case 0x2c:
        return 8; /* FP exception: SIGFPE */
    default:
        return 4; /* SIGILL */
    }
}

/* Charges p with the CPU time t spent in the kernel since the last call: what the scheduler
 * charged t meanwhile (on the CPU only, never asleep) minus the user time just run. */
static void account_system_time(struct task *t, struct process *p, uint64_t user_ns)
{
    uint64_t total = t->se.sum_exec_runtime, delta = total - t->cpu_accounted_ns;
    t->cpu_accounted_ns = total;
    if (delta > user_ns)
        __atomic_add_fetch(&p->stime_ns, delta - user_ns, __ATOMIC_RELAXED);
}

static void exit_thread_for_exec(void) __attribute__((noreturn));

/* Ends t (the current task) if its process exits or another of its threads execs. */
static void end_if_doomed(struct task *t)
{
    struct process *p = t->proc;
    if (READ_ONCE(p->exiting))
        proc_exit(p->exit_status);
    if (task_doomed(t))
        exit_thread_for_exec();
}

void task_user_loop(struct task *t)
{
    struct process *p = t->proc;
    if (t->ptrace)
        ptrace_task_start(t);
    for (;;) {
        end_if_doomed(t); /* a thread made while another one execs never runs */
        struct exo_stop stop;
        uint64_t t0 = exo_time_ns();
        KASSERT(!exo_run(proc_vm(p)->env, &t->uctx, timers_cpu_slice(p, SCHED_SLICE_NS), &stop));
        uint64_t user = exo_time_ns() - t0;
        __atomic_add_fetch(&p->utime_ns, user, __ATOMIC_RELAXED);
        sched_account(0);
        account_system_time(t, p, user);
        timers_cpu_check(p);
        int sig = 0, code = 0;
        switch (stop.reason) {
        case EXO_STOP_SYSCALL:
            syscall_handle(t);
            break;
        case EXO_STOP_FAULT:
            p->usage.minflt++;
            sig = vm_fault(proc_vm(p), stop.addr, stop.access, &code);
            break;
        case EXO_STOP_EXCEPTION:
            sig = exception_signal(&stop);
            code = sig == 4 ? 1 /* ILL_ILLOPC */ : sig == 5 ? 1 /* TRAP_BRKPT */ : 1;
            break;
        default:
            break;
        }
        if (sig)
            signal_fault(sig, code, stop.addr);
        end_if_doomed(t);
        /* signals that arrived during a stop (SIGHUP before the SIGCONT that ended it) are
         * delivered before user code runs again */
        do
            signal_deliver(t);
        while (proc_wait_while_stopped() && !task_doomed(t));
        end_if_doomed(t);
        if (need_resched()) {
            p->usage.nivcsw++;
            schedule();
        }
    }
}

/* Makes every other thread of p notice that the process is exiting: sleepers wake with
 * -EINTR (signal_pending_current), runners stop at their next return to the kernel. */
static void kick_threads(struct process *p)
{
    spin_lock(&p->lock);
    struct list_node *pos;
    list_for_each(pos, &p->threads)
    {
        struct task *t = list_entry(pos, struct task, thread_link);
        if (t != current_task())
            wake_for_signal(t);
    }
    spin_unlock(&p->lock);
}

/* The child execs or exits: its vfork parent (blocked, so alive) may go on. The flag is
 * on the parent's stack and it waits on its own child_wait, so nothing of the child is
 * touched once it is set: the child may be freed at once (auto-reaping). */
static void vfork_release(struct process *p)
{
    bool *done = p->vfork_done;
    if (!done)
        return;
    p->vfork_done = NULL;
    struct process *parent = p->parent;
    WRITE_ONCE(*done, true);
    wake_all(&parent->child_wait);
}

/* Are p's children reaped as they exit (SIGCHLD ignored, or SA_NOCLDWAIT)? */
static bool autoreaps_children(struct process *p)
{
    const struct linux_sigaction *a = &p->sig.action[LINUX_SIGCHLD - 1];
    return a->sa_handler == LINUX_SIG_IGN || (a->sa_flags & LINUX_SA_NOCLDWAIT);
}

/* The process that inherits the children of the exiting p: the nearest ancestor that
 * asked for it (PR_SET_CHILD_SUBREAPER) and is not exiting itself, else init. procs_lock
 * held. */
static struct process *new_reaper(struct process *p, struct process *init)
{
    if (p == init)
        return NULL; /* init itself ends: the machine goes down, nobody inherits */
    for (struct process *a = p->parent; a && a != init; a = a->parent) {
        if (READ_ONCE(a->child_subreaper) && !READ_ONCE(a->exiting))
            return a;
    }
    return init;
}

/* Tells parent that its (new) child c is a zombie: SIGCHLD and a wakeup of its waiters.
 * procs_lock held. */
static void notify_exit(struct process *parent, struct process *c)
{
    linux_siginfo_t info;
    bool killed = (c->exit_status & 0x7f) != 0;
    int code = !killed                   ? 1 /* LINUX_CLD_EXITED */
               : (c->exit_status & 0x80) ? 3 /* LINUX_CLD_DUMPED */
                                         : 2;
    sig_info_user(&info, LINUX_SIGCHLD, code, c->pid, c->uid);
    info.fields.sigchld.status = killed ? c->exit_status & 0x7f : (c->exit_status >> 8) & 0xff;
    signal_process(parent, &info);
    wake_all(&parent->child_wait);
}

/* Hands p's children to their new reaper; zombies among them are announced to it, or, if
 * the reaper reaps its children as they exit, moved to *dead for the caller to free once
 * procs_lock is dropped. procs_lock held. */
static void reparent_children(struct process *p, struct process *init, struct list_node *dead)
{
    struct process *reaper = new_reaper(p, init);
    bool autoreap = reaper && autoreaps_children(reaper);
    while (!list_empty(&p->children)) {
        struct process *c = list_entry(p->children.next, struct process, sibling);
        list_remove(&c->sibling);
        c->parent = reaper;
        if (!reaper)
            continue;
        if (READ_ONCE(c->zombie) && autoreap) {
            list_push_back(dead, &c->sibling);
            continue;
        }
        list_push_back(&reaper->children, &c->sibling);
        if (READ_ONCE(c->zombie))
            notify_exit(reaper, c);
    }
}

/* Frees the processes on dead (reaped as they exited; off every children list). */
static void free_dead(struct list_node *dead)
{
    while (!list_empty(dead)) {
        struct process *c = list_entry(dead->next, struct process, sibling);
        list_remove(&c->sibling);
        sigproc_flush(&c->sig);
        proc_free(c);
    }
}

/* The last thread is gone: release the address space and the environment, hand children
 * to their reaper, and let the parent reap. */
static void proc_become_zombie(struct process *p)
{
    ptrace_tracer_exit(p);
    timers_proc_exit(p);
    term_proc_orphans(p);
    term_proc_exit(p);
    files_exit(p);
    proc_sample_maxrss(p);
    spin_lock(&p->lock);
    struct vmspace *vm = p->vm;
    __atomic_store_n(&p->vm, NULL, __ATOMIC_RELEASE);
    spin_unlock(&p->lock);
    vmspace_put(vm); /* others sharing it (LINUX_CLONE_VM) keep it */
    proc_drop_image(p);
    struct process *init = proc_get(1);
    struct list_node dead = LIST_INIT(dead);
    spin_lock(&procs_lock);
    reparent_children(p, init, &dead);
    if (!p->parent) {
        spin_unlock(&procs_lock);
        klog("init exited with status %#x\n", p->exit_status);
        exo_machine_exit((p->exit_status >> 8) & 0xff ? (p->exit_status >> 8) & 0xff
                                                      : p->exit_status & 0x7f);
    }
    /* Everything below happens under procs_lock: once p is a zombie its parent may reap
     * and free it (wait4 frees under the same lock), and the parent cannot go away while
     * we signal it. */
    vfork_release(p);
    notify_exit(p->parent, p);
    if (autoreaps_children(p->parent)) { /* wait no longer sees it: with no child left, ECHILD */
        list_remove(&p->sibling);
        list_push_back(&dead, &p->sibling);
    }
    WRITE_ONCE(p->zombie, true);
    spin_unlock(&procs_lock);
    proc_put(init);
    free_dead(&dead);
}

/* Ends the calling thread. group: the whole process ends with status (exit_group, fatal
 * signal); otherwise only this thread, and status counts only if it is the last. */
__attribute__((noreturn)) static void exit_thread(bool group, int status)
{
    struct task *t = current_task();
    struct process *p = t->proc;
    if (t->ptrace)
        ptrace_task_exit(t, READ_ONCE(p->exiting) ? p->exit_status : status);
    /* While this thread still counts in nthreads the address space is alive: once it has
     * left, the last thread may destroy it at any moment. */
    if (t->clear_child_tid) {
        uint32_t zero = 0;
        copy_to_user(t->clear_child_tid, &zero, sizeof(zero));
        futex_wake_addr(proc_vm(p), t->clear_child_tid, 1);
    }
    spin_lock(&p->lock);
    if (group && !p->exiting) {
        p->exiting = true;
        p->exit_status = status;
    }
    list_remove(&t->thread_link);
    p->exited_cpu_ns += task_cpu_ns(t);
    bool last = --p->nthreads == 0;
    if (last && !p->exiting) {
        p->exiting = true;
        p->exit_status = status;
    }
    spin_unlock(&p->lock);
    timers_thread_exit(t);
    if (group)
        kick_threads(p);
    sigthread_detach(&t->sig); /* its thread-directed pending signals go with it */
    if (last)
        proc_become_zombie(p);
    else if (READ_ONCE(p->exec_task))
        wake_all(&p->exec_wait);
    task_exit();
}

/* Ends the calling thread because another thread of its process execs: it never runs user
 * code again, and its clear_child_tid is not written (the address space is being replaced). */
static void exit_thread_for_exec(void)
{
    current_task()->clear_child_tid = 0;
    exit_thread(false, 0);
}

/* Await condition: the exec'ing thread is alone, or the process is exiting. */
static bool exec_alone(void *arg)
{
    struct process *p = arg;
    return READ_ONCE(p->nthreads) == 1 || READ_ONCE(p->exiting);
}

int proc_exec_flush_threads(struct task *t)
{
    struct process *p = t->proc;
    spin_lock(&p->lock);
    bool lost = p->exiting || (p->exec_task && p->exec_task != t);
    if (!lost)
        __atomic_store_n(&p->exec_task, t, __ATOMIC_RELEASE);
    bool alone = p->nthreads == 1;
    spin_unlock(&p->lock);
    if (lost)
        return -EINTR;
    if (!alone) {
        kick_threads(p);
        /* not interruptible: only the end of the process (a fatal signal) stops it */
        await(&p->exec_wait, exec_alone, p, 0, 0);
    }
    spin_lock(&p->lock);
    bool exiting = p->exiting;
    if (!exiting)
        t->tid = p->pid; /* a non-leader thread becomes the leader */
    __atomic_store_n(&p->exec_task, NULL, __ATOMIC_RELEASE);
    spin_unlock(&p->lock);
    if (exiting)
        return -EINTR;
    t->clear_child_tid = 0; /* Linux's exec_mm_release */
    t->robust_list = 0;
    return 0;
}

void proc_exit(int status)
{
    exit_thread(true, status);
}

SYSCALL_DEFINE1(exit, int, code)
{
    exit_thread(false, (code & 0xff) << 8);
}

static void notify_parent(struct process *p, int code, int status)
{
    spin_lock(&procs_lock); /* keeps the parent from being freed meanwhile */
    if (p->parent) {
        linux_siginfo_t info;
        sig_info_user(&info, LINUX_SIGCHLD, code, p->pid, p->uid);
        info.fields.sigchld.status = status;
        signal_process(p->parent, &info);
        wake_all(&p->parent->child_wait);
    }
    spin_unlock(&procs_lock);
}

void proc_stop(int sig)
{
    struct process *p = current_proc();
    spin_lock(&p->lock);
    bool first = !p->stopped;
    p->stopped = true;
    p->stop_sig = sig;
    p->stop_unreported = true;
    p->cont_unreported = false;
    spin_unlock(&p->lock);
    if (first)
        notify_parent(p, 5 /* LINUX_CLD_STOPPED */, sig);
}

void proc_continue(struct process *p)
{
    spin_lock(&p->lock);
    bool was = p->stopped;
    p->stopped = false;
    if (was) {
        p->stop_unreported = false;
        p->cont_unreported = true;
    }
    spin_unlock(&p->lock);
    wake_all(&p->stop_wait);
    if (was)
        notify_parent(p, 6 /* LINUX_CLD_CONTINUED */, LINUX_SIGCONT);
}

static bool not_stopped(void *arg)
{
    struct process *p = arg;
    return !READ_ONCE(p->stopped) || READ_ONCE(p->exiting) || READ_ONCE(p->exec_task);
}

bool proc_wait_while_stopped(void)
{
    struct process *p = current_proc();
    bool waited = false;
    /* Not interruptible by ordinary signals: only SIGCONT (which clears stopped), SIGKILL
     * (which sets exiting) and an exec by another thread end a stop. */
    while (!not_stopped(p)) {
        await(&p->stop_wait, not_stopped, p, 0, 0);
        waited = true;
    }
    return waited;
}

SYSCALL_DEFINE1(exit_group, int, code)
{
    proc_exit((code & 0xff) << 8);
}

static struct task *clone_task(struct task *parent, struct process *p, uint64_t flags,
                               uint64_t stack, uint64_t tls, uint64_t ctid)
{
    struct task *t = task_create(parent->comm, user_task_main, NULL);
    if (!t)
        return NULL;
    t->kernel_arg = t;
    t->uctx = parent->uctx;
    t->uctx.x[0] = 0;
    t->cpus_allowed = parent->cpus_allowed;
    if (stack)
        t->uctx.sp = stack;
    if (flags & LINUX_CLONE_SETTLS)
        t->uctx.tpidr = tls;
    if (flags & LINUX_CLONE_CHILD_CLEARTID)
        t->clear_child_tid = ctid;
    sigthread_init(&t->sig, &parent->sig, !(flags & LINUX_CLONE_VM) || (flags & LINUX_CLONE_VFORK));
    sched_entity_init(&t->se, p->nice);
    add_thread(p, t);
    return t;
}

/* The child's address space: the parent's own with LINUX_CLONE_VM (vfork, posix_spawn, shared
 * memory processes), else a new copy-on-write copy of it (fork). */
static int child_address_space(struct process *child, struct process *parent, uint64_t flags)
{
    struct vmspace *from = proc_vm(parent);
    if (flags & LINUX_CLONE_VM) {
        vmspace_get(from);
        child->vm = from;
        return 0;
    }
    struct vmspace *vm = vmspace_new();
    if (!vm)
        return -ENOMEM;
    mutex_lock(&from->as_lock);
    int err = mm_as_fork(&vm->as, &from->as);
    vm_sync(from, EXO_USER_MIN, EXO_USER_MAX - EXO_USER_MIN);
    mutex_unlock(&from->as_lock);
    if (!err)
        vm_sync(vm, EXO_USER_MIN, EXO_USER_MAX - EXO_USER_MIN);
    child->vm = vm; /* on failure released when the child is */
    return err;
}

static bool vfork_child_done(void *arg)
{
    return READ_ONCE(*(bool *)arg);
}

/* clone(flags, stack, parent_tid, tls, child_tid) on arm64. */
SYSCALL_DEFINE5(clone, uint64_t, flags, uint64_t, stack, uint64_t, ptid, uint64_t, tls, uint64_t,
                ctid)
{
    struct task *cur = current_task();
    struct process *parent = cur->proc;
    struct task *t;
    struct process *child = NULL;
    if (flags & LINUX_CLONE_THREAD) {
        if (!(flags & LINUX_CLONE_VM))
            return -EINVAL;
        t = clone_task(cur, parent, flags, stack, tls, ctid);
        if (!t)
            return -ENOMEM;
    } else {
        child = proc_alloc();
        if (!child)
            return -ENOMEM;
        int err = child_address_space(child, parent, flags);
        if (err)
            return err;
        child->parent = parent;
        child->pgid = parent->pgid;
        child->sid = parent->sid;
        term_proc_fork(child, parent);
        if ((err = proc_creds_copy(child, parent)))
            return err;
        child->umask = parent->umask;
        child->nice = parent->nice;
        proc_rlimits_init(child, parent);
        if ((err = files_fork(child, parent)))
            return err;
        sigproc_copy_actions(&child->sig, &parent->sig);
        child->brk_start = parent->brk_start;
        child->arg_start = parent->arg_start, child->arg_end = parent->arg_end;
        child->env_start = parent->env_start, child->env_end = parent->env_end;
        proc_inherit_image(child, parent);
        memcpy(child->comm, parent->comm, sizeof(child->comm));
        t = clone_task(cur, child, flags, stack, tls, ctid);
        if (!t)
            return -ENOMEM;
        t->tid = child->pid;
        spin_lock(&procs_lock);
        list_push_back(&parent->children, &child->sibling);
        spin_unlock(&procs_lock);
    }
    if (flags & LINUX_CLONE_PARENT_SETTID)
        copy_to_user(ptid, &t->tid, sizeof(int));
    if (flags & LINUX_CLONE_CHILD_SETTID) {
        /* written in the child's memory: for a thread that is ours too */
        if (child)
            copy_to_proc(child, ctid, &t->tid, sizeof(int));
        else
            copy_to_user(ctid, &t->tid, sizeof(int));
    }
    int tid = t->tid;
    bool vfork_done = false;
    if (child && (flags & LINUX_CLONE_VFORK))
        child->vfork_done = &vfork_done;
    if (cur->ptrace)
        ptrace_clone_attach(cur, t, flags);
    task_start(t);
    if (cur->ptrace)
        ptrace_clone_event(cur, flags, tid);
    if (child && (flags & LINUX_CLONE_VFORK)) {
        await(&parent->child_wait, vfork_child_done, &vfork_done, 0, 0);
        if (cur->ptrace)
            ptrace_vfork_done(cur, tid);
    }
    return tid;
}

#define CLONE_KNOWN                                                                                \
    (LINUX_CLONE_VM | LINUX_CLONE_VFORK | LINUX_CLONE_THREAD | LINUX_CLONE_SETTLS |                \
     LINUX_CLONE_PARENT_SETTID | LINUX_CLONE_CHILD_CLEARTID | LINUX_CLONE_CHILD_SETTID |           \
     LINUX_CLONE_FS | LINUX_CLONE_FILES | LINUX_CLONE_SIGHAND | LINUX_CLONE_SYSVSEM)

/* Copies a clone_args of size bytes: fields past what we know must be zero (E2BIG). */
static int clone_args_from_user(uint64_t uargs, uint64_t size, struct linux_clone_args *a)
{
    memset(a, 0, sizeof(*a));
    if (size < LINUX_CLONE_ARGS_SIZE_VER0)
        return -EINVAL;
    if (size > PAGE_SIZE)
        return -E2BIG;
    if (copy_from_user(a, uargs, MIN(size, sizeof(*a))))
        return -EFAULT;
    for (uint64_t off = sizeof(*a); off < size; off++) {
        uint8_t b;
        if (copy_from_user(&b, uargs + off, 1))
            return -EFAULT;
        if (b)
            return -E2BIG;
    }
    return 0;
}

/* clone3(args, size): clone's flags with the stack given as base and size. Choosing the
 * child's pid (set_tid), pidfds and cgroups are not supported: EINVAL. */
SYSCALL_DEFINE2(clone3, uint64_t, uargs, uint64_t, size)
{
    struct linux_clone_args a;
    int err = clone_args_from_user(uargs, size, &a);
    if (err)
        return err;
    if ((a.flags & ~(uint64_t)CLONE_KNOWN) || a.exit_signal > 64 || a.set_tid || a.set_tid_size ||
        a.pidfd || a.cgroup)
        return -EINVAL;
    if (!a.stack != !a.stack_size || a.stack + a.stack_size < a.stack)
        return -EINVAL;
    uint64_t sp = a.stack ? a.stack + a.stack_size : 0;
    return sys_clone(a.flags | a.exit_signal, sp, a.parent_tid, a.tls, a.child_tid, 0);
}

/* What a wait looks for (which/id as waitid takes them) and what it found. */
struct wait_match {
    struct process *self;
    int which, id;
    unsigned options;
    struct process *found; /* claimed: a reaped zombie is already off the children list */
    bool reaped;
    int code, status; /* CLD_* and si_status */
    int wstatus;      /* the same as wait4's status word */
    unsigned uid;     /* the child's real uid */
    bool any_child;
    int traced_pid; /* a tracee's report (libos/ptrace.c) instead of a child's */
};

static bool child_matches(const struct process *c, const struct wait_match *m)
{
    return m->which == LINUX_P_ALL || (m->which == LINUX_P_PID && c->pid == m->id) ||
           (m->which == LINUX_P_PGID && c->pgid == m->id);
}

/* The report a wait with m's options takes from child c, if any; claims it unless LINUX_WNOWAIT
 * (a reaped zombie leaves the children list, a stop or continue is marked reported).
 * procs_lock held. */
static bool claim_child(struct process *c, struct wait_match *m)
{
    bool keep = m->options & LINUX_WNOWAIT;
    if ((m->options & LINUX_WEXITED) && READ_ONCE(c->zombie)) {
        int st = c->exit_status, sig = st & 0x7f;
        m->code = !sig ? LINUX_CLD_EXITED : (st & 0x80) ? LINUX_CLD_DUMPED : LINUX_CLD_KILLED;
        m->status = sig ? sig : (st >> 8) & 0xff;
        m->wstatus = st;
        if (!keep) {
            list_remove(&c->sibling);
            m->reaped = true;
        }
    } else if ((m->options & LINUX_WSTOPPED) && c->stopped && c->stop_unreported) {
        m->code = LINUX_CLD_STOPPED;
        m->status = c->stop_sig;
        m->wstatus = (c->stop_sig << 8) | 0x7f;
        if (!keep)
            c->stop_unreported = false;
    } else if ((m->options & LINUX_WCONTINUED) && c->cont_unreported) {
        m->code = LINUX_CLD_CONTINUED;
        m->status = LINUX_SIGCONT;
        m->wstatus = 0xffff;
        if (!keep)
            c->cont_unreported = false;
    } else {
        return false;
    }
    m->found = c;
    m->uid = c->uid;
    return true;
}

/* Await condition: a child matching m has something to report (claimed into m), or no
 * child matches at all. await may evaluate it again after it held: a claim is made once. */
static bool find_child(void *arg)
{
    struct wait_match *m = arg;
    if (m->found || m->traced_pid)
        return true;
    struct ptrace_report r;
    int traced = ptrace_wait_claim(m->self, m->which, m->id, m->options, &r);
    if (traced > 0) {
        m->traced_pid = r.pid;
        m->code = r.code, m->status = r.status, m->wstatus = r.wstatus, m->uid = r.uid;
        return true;
    }
    m->any_child = traced == 0;
    spin_lock(&procs_lock);
    struct list_node *pos;
    list_for_each(pos, &m->self->children)
    {
        struct process *c = list_entry(pos, struct process, sibling);
        if (!child_matches(c, m))
            continue;
        m->any_child = true;
        if (claim_child(c, m))
            break;
    }
    spin_unlock(&procs_lock);
    return m->found || !m->any_child;
}

/* The resource usage wait reports for child c: its own and its reaped children's. */
static void child_rusage(const struct process *c, struct linux_rusage *ru)
{
    struct linux_rusage own, kids;
    proc_fill_rusage(c, false, &own);
    proc_fill_rusage(c, true, &kids);
    uint64_t us = (uint64_t)(own.ru_utime.tv_sec + kids.ru_utime.tv_sec) * 1000000 +
                  (uint64_t)(own.ru_utime.tv_usec + kids.ru_utime.tv_usec);
    uint64_t ss = (uint64_t)(own.ru_stime.tv_sec + kids.ru_stime.tv_sec) * 1000000 +
                  (uint64_t)(own.ru_stime.tv_usec + kids.ru_stime.tv_usec);
    *ru = own;
    ru->ru_utime.tv_sec = (int64_t)(us / 1000000), ru->ru_utime.tv_usec = (int64_t)(us % 1000000);
    ru->ru_stime.tv_sec = (int64_t)(ss / 1000000), ru->ru_stime.tv_usec = (int64_t)(ss % 1000000);
    ru->ru_maxrss = MAX(own.ru_maxrss, kids.ru_maxrss);
    ru->ru_minflt += kids.ru_minflt, ru->ru_majflt += kids.ru_majflt;
    ru->ru_nvcsw += kids.ru_nvcsw, ru->ru_nivcsw += kids.ru_nivcsw;
}

/* The common part of wait4 and waitid: waits (unless LINUX_WNOHANG) for a report from a child
 * matching m, copies the child's usage to rusage (if non-zero) and reaps a claimed zombie.
 * The child's pid, 0 (LINUX_WNOHANG, nothing to report) or a negative errno. */
static long wait_for_child(struct wait_match *m, uint64_t rusage)
{
    if (m->options & LINUX_WNOHANG)
        find_child(m);
    else {
        int err = await(&m->self->child_wait, find_child, m, AWAIT_INTERRUPTIBLE, 0);
        if (err)
            return err;
    }
    if (m->traced_pid) {
        struct linux_rusage none;
        memset(&none, 0, sizeof(none));
        return rusage && copy_to_user(rusage, &none, sizeof(none)) ? -EFAULT : m->traced_pid;
    }
    if (!m->found)
        return m->any_child ? 0 : -ECHILD;
    struct process *c = m->found;
    int pid = c->pid;
    struct linux_rusage ru;
    if (rusage)
        child_rusage(c, &ru);
    if (m->reaped) {
        proc_add_child_usage(m->self, c);
        sigproc_flush(&c->sig);
        proc_free(c);
    }
    if (rusage && copy_to_user(rusage, &ru, sizeof(ru)))
        return -EFAULT;
    return pid;
}

SYSCALL_DEFINE4(wait4, int, pid, uint64_t, wstatus, unsigned, options, uint64_t, rusage)
{
    struct process *self = current_proc();
    if (options & ~(LINUX_WNOHANG | LINUX_WSTOPPED | LINUX_WCONTINUED | LINUX___WNOTHREAD |
                    LINUX___WCLONE | LINUX___WALL))
        return -EINVAL;
    if (pid == INT32_MIN) /* -pid would overflow */
        return -ESRCH;
    struct wait_match m = {.self = self, .options = options | LINUX_WEXITED};
    m.which = pid > 0 ? LINUX_P_PID : pid == -1 ? LINUX_P_ALL : LINUX_P_PGID;
    m.id = pid > 0 ? pid : pid == 0 ? self->pgid : -pid;
    long r = wait_for_child(&m, rusage);
    if (r > 0 && wstatus && copy_to_user(wstatus, &m.wstatus, sizeof(int)))
        return -EFAULT;
    return r;
}

/* waitid(idtype, id, infop, options, rusage): P_PIDFD is not supported (EINVAL). */
SYSCALL_DEFINE5(waitid, int, which, int, id, uint64_t, infop, unsigned, options, uint64_t, rusage)
{
    struct process *self = current_proc();
    if (options & ~(LINUX_WNOHANG | LINUX_WNOWAIT | LINUX_WEXITED | LINUX_WSTOPPED |
                    LINUX_WCONTINUED | LINUX___WNOTHREAD | LINUX___WCLONE | LINUX___WALL))
        return -EINVAL;
    if (!(options & (LINUX_WEXITED | LINUX_WSTOPPED | LINUX_WCONTINUED)))
        return -EINVAL;
    if (which == LINUX_P_PGID && id == 0)
        id = self->pgid;
    if ((which != LINUX_P_ALL && which != LINUX_P_PID && which != LINUX_P_PGID) ||
        (which != LINUX_P_ALL && id <= 0))
        return -EINVAL;
    struct wait_match m = {.self = self, .which = which, .id = id, .options = options};
    long r = wait_for_child(&m, rusage);
    if (r < 0 || !infop)
        return r < 0 ? r : 0;
    linux_siginfo_t info;
    memset(&info, 0, sizeof(info));
    if (r > 0) {
        sig_info_user(&info, LINUX_SIGCHLD, m.code, (int)r, m.uid);
        info.fields.sigchld.status = m.status;
    }
    return copy_to_user(infop, &info, sizeof(info)) ? -EFAULT : 0;
}

/* Copies a NULL-terminated array of user strings into one kernel allocation: the array of
 * pointers followed by the strings. */
static long copy_strv(uint64_t uvec, char ***out)
{
    enum { MAX_STRS = 4096, MAX_BYTES = 256 * 1024 };
    char **vec = kmalloc(MAX_BYTES);
    if (!vec)
        return -ENOMEM;
    size_t n = 0;
    uint64_t ptr = 1;
    while (uvec && ptr) {
        if (n + 1 >= MAX_STRS || copy_from_user(&ptr, uvec + 8 * n, 8)) {
            kfree(vec);
            return n + 1 >= MAX_STRS ? -E2BIG : -EFAULT;
        }
        if (ptr)
            vec[n++] = (char *)ptr; /* user address for now */
    }
    vec[n] = NULL;
    char *strs = (char *)&vec[n + 1];
    char *end = (char *)vec + MAX_BYTES;
    for (size_t i = 0; i < n; i++) {
        long len = strncpy_from_user(strs, (uint64_t)vec[i], (uint64_t)(end - strs));
        if (len < 0) {
            kfree(vec);
            return len == -ENAMETOOLONG ? -E2BIG : len;
        }
        vec[i] = strs;
        strs += len + 1;
    }
    *out = vec;
    return 0;
}

long proc_execve(const char *path, uint64_t uargv, uint64_t uenvp)
{
    struct task *t = current_task();
    struct process *p = t->proc;
    char **argv = NULL, **envp = NULL;
    long err = copy_strv(uargv, &argv);
    if (!err)
        err = copy_strv(uenvp, &envp);
    if (!err)
        err = exec_path(p, t, path, (const char *const *)argv, (const char *const *)envp);
    kfree(argv);
    kfree(envp);
    if (err && p->exec_committed)
        proc_exit(9); /* failed after the old program was gone: SIGKILL, as Linux */
    if (err)
        return err;
    p->exec_committed = false;
    files_exec(p);
    timers_exec(p);
    sigproc_exec_reset(&p->sig);
    vfork_release(p);
    if (t->ptrace)
        ptrace_exec(t, t->tid);
    return 0;
}

SYSCALL_DEFINE3(execve, uint64_t, upath, uint64_t, uargv, uint64_t, uenvp)
{
    char *path = kmalloc(4096);
    if (!path)
        return -ENOMEM;
    long err = strncpy_from_user(path, upath, 4096);
    if (err >= 0)
        err = proc_execve(path, uargv, uenvp);
    kfree(path);
    return err;
}
