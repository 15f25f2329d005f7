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
#include <libos/abi/syscall.h>
#include <libos/abi/linux.h>
#include <libos/syscall.h>
#include <libos/timer.h>
#include <mm/slab.h>

void ttycon_set_session(int sid, int pgrp);

static struct list_node all_procs = LIST_INIT(all_procs);
static struct spinlock procs_lock = SPINLOCK_INIT("procs");
static int next_pid = 1;

struct process *current_proc(void)
{
    struct task *t = current_task();
    return t ? t->proc : NULL;
}

struct process *proc_find(int pid)
{
    struct process *found = NULL;
    spin_lock(&procs_lock);
    struct list_node *pos;
    list_for_each(pos, &all_procs)
    {
        struct process *p = list_entry(pos, struct process, all_link);
        if (p->pid == pid && !p->zombie)
            found = p;
    }
    spin_unlock(&procs_lock);
    return found;
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

static struct process *proc_alloc(void)
{
    struct process *p = kzalloc(sizeof(*p));
    if (!p)
        return NULL;
    if (exo_env_create(&p->env)) {
        kfree(p);
        return NULL;
    }
    if (vm_init(p)) {
        exo_env_destroy(p->env);
        kfree(p);
        return NULL;
    }
    spin_init(&p->lock, "proc");
    list_init(&p->children);
    list_init(&p->sibling);
    list_init(&p->threads);
    wait_queue_init(&p->child_wait);
    wait_queue_init(&p->stop_wait);
    sigproc_init(&p->sig);
    p->umask = 022;
    p->start_ns = exo_time_ns();
    spin_lock(&procs_lock);
    p->pid = next_pid++;
    list_push_back(&all_procs, &p->all_link);
    spin_unlock(&procs_lock);
    return p;
}

static void proc_free(struct process *p)
{
    spin_lock(&procs_lock);
    list_remove(&p->all_link);
    spin_unlock(&procs_lock);
    kfree(p);
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
    p->pgid = p->sid = p->pid;
    p->has_ctty = true;
    ttycon_set_session(p->sid, p->pgid);
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
    static const uint64_t core = (1UL << 3) | (1UL << 4) | (1UL << 5) | (1UL << 6) |
                                 (1UL << 7) | (1UL << 8) | (1UL << 11) | (1UL << 31);
    proc_exit(sig | ((core >> sig) & 1 ? 0x80 : 0));
}


static int exception_signal(const struct exo_stop *stop)
{
    switch (stop->exception_class) {
    case 0x3c: return 5;           /* BRK: SIGTRAP */
    case 0x22: case 0x26: return 7; /* PC/SP alignment: SIGBUS */
    case 0x2c: return 8;           /* FP exception: SIGFPE */
    default: return 4;             /* SIGILL */
    }
}

void task_user_loop(struct task *t)
{
    struct process *p = t->proc;
    for (;;) {
        struct exo_stop stop;
        uint64_t t0 = exo_time_ns();
        KASSERT(!exo_run(p->env, &t->uctx, timers_cpu_slice(p, SCHED_SLICE_NS), &stop));
        __atomic_add_fetch(&p->utime_ns, exo_time_ns() - t0, __ATOMIC_RELAXED);
        sched_account(0);
        timers_cpu_check(p);
        int sig = 0, code = 0;
        switch (stop.reason) {
        case EXO_STOP_SYSCALL: syscall_handle(t); break;
        case EXO_STOP_FAULT: sig = vm_fault(p, stop.addr, stop.access, &code); break;
        case EXO_STOP_EXCEPTION:
            sig = exception_signal(&stop);
            code = sig == 4 ? 1 /* ILL_ILLOPC */ : sig == 5 ? 1 /* TRAP_BRKPT */ : 1;
            break;
        default: break;
        }
        if (sig)
            signal_fault(sig, code, stop.addr);
        if (READ_ONCE(p->exiting))
            proc_exit(p->exit_status);
        signal_deliver(t);
        proc_wait_while_stopped();
        if (READ_ONCE(p->exiting))
            proc_exit(p->exit_status);
        if (need_resched())
            schedule();
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

/* The last thread is gone: release the address space and the environment, hand children
 * to init, and let the parent reap. */
static void proc_become_zombie(struct process *p)
{
    timers_proc_exit(p);
    p->stime_ns = proc_stime_ns(p); /* final: every thread has exited */
    files_exit(p);
    vm_destroy(p);
    exo_env_destroy(p->env);
    struct process *init = proc_find(1);
    spin_lock(&procs_lock);
    while (!list_empty(&p->children)) {
        struct process *c = list_entry(p->children.next, struct process, sibling);
        list_remove(&c->sibling);
        c->parent = init;
        if (init)
            list_push_back(&init->children, &c->sibling);
    }
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
    linux_siginfo_t info;
    bool killed = (p->exit_status & 0x7f) != 0;
    sig_info_user(&info, LINUX_SIGCHLD, killed ? 2 /* CLD_KILLED */ : 1 /* CLD_EXITED */,
                  p->pid, p->uid);
    info.fields.sigchld.status = killed ? p->exit_status & 0x7f : (p->exit_status >> 8) & 0xff;
    signal_process(p->parent, &info);
    bool autoreap = autoreaps_children(p->parent);
    if (autoreap) /* wait4 no longer sees it: once no child is left, ECHILD */
        list_remove(&p->sibling);
    wake_all(&p->parent->child_wait);
    WRITE_ONCE(p->zombie, true);
    spin_unlock(&procs_lock);
    if (autoreap) {
        sigproc_flush(&p->sig);
        proc_free(p);
    }
}

/* Ends the calling thread. group: the whole process ends with status (exit_group, fatal
 * signal); otherwise only this thread, and status counts only if it is the last. */
__attribute__((noreturn)) static void exit_thread(bool group, int status)
{
    struct task *t = current_task();
    struct process *p = t->proc;
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
    sigthread_detach(&t->sig);
    if (t->clear_child_tid) {
        uint32_t zero = 0;
        copy_to_user(t->clear_child_tid, &zero, sizeof(zero));
        futex_wake_addr(p, t->clear_child_tid, 1);
    }
    if (last)
        proc_become_zombie(p);
    task_exit();
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
        notify_parent(p, 5 /* CLD_STOPPED */, sig);
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
        notify_parent(p, 6 /* CLD_CONTINUED */, LINUX_SIGCONT);
}

static bool not_stopped(void *arg)
{
    struct process *p = arg;
    return !READ_ONCE(p->stopped) || READ_ONCE(p->exiting);
}

void proc_wait_while_stopped(void)
{
    struct process *p = current_proc();
    /* Not interruptible by ordinary signals: only SIGCONT (which clears stopped) and
     * SIGKILL (which sets exiting) end a stop. */
    while (!not_stopped(p))
        await(&p->stop_wait, not_stopped, p, 0, 0);
}

SYSCALL_DEFINE1(exit_group, int, code)
{
    proc_exit((code & 0xff) << 8);
}

#define CLONE_VM             0x00000100
#define CLONE_VFORK          0x00004000
#define CLONE_THREAD         0x00010000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000

static struct task *clone_task(struct task *parent, struct process *p, uint64_t flags,
                               uint64_t stack, uint64_t tls, uint64_t ctid)
{
    struct task *t = task_create(parent->comm, user_task_main, NULL);
    if (!t)
        return NULL;
    t->kernel_arg = t;
    t->uctx = parent->uctx;
    t->uctx.x[0] = 0;
    if (stack)
        t->uctx.sp = stack;
    if (flags & CLONE_SETTLS)
        t->uctx.tpidr = tls;
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_child_tid = ctid;
    sigthread_init(&t->sig, &parent->sig, !(flags & CLONE_VM) || (flags & CLONE_VFORK));
    sched_entity_init(&t->se, p->nice);
    add_thread(p, t);
    return t;
}

static bool vfork_child_done(void *arg)
{
    return READ_ONCE(*(bool *)arg);
}

/* clone(flags, stack, parent_tid, tls, child_tid) on arm64. */
SYSCALL_DEFINE5(clone, uint64_t, flags, uint64_t, stack, uint64_t, ptid, uint64_t, tls,
                uint64_t, ctid)
{
    struct task *cur = current_task();
    struct process *parent = cur->proc;
    struct task *t;
    struct process *child = NULL;
    if (flags & CLONE_THREAD) {
        if (!(flags & CLONE_VM))
            return -EINVAL;
        t = clone_task(cur, parent, flags, stack, tls, ctid);
        if (!t)
            return -ENOMEM;
    } else {
        /* fork, vfork, and CLONE_VM|CLONE_VFORK (posix_spawn) all copy the address space;
         * a vfork parent waits until the child execs or exits. */
        child = proc_alloc();
        if (!child)
            return -ENOMEM;
        spin_lock(&parent->as_lock);
        int err = mm_as_fork(&child->as, &parent->as);
        vm_sync(parent, EXO_USER_MIN, EXO_USER_MAX - EXO_USER_MIN);
        spin_unlock(&parent->as_lock);
        if (err)
            return err;
        vm_sync(child, EXO_USER_MIN, EXO_USER_MAX - EXO_USER_MIN);
        child->parent = parent;
        child->pgid = parent->pgid;
        child->sid = parent->sid;
        child->has_ctty = parent->has_ctty;
        child->uid = parent->uid, child->euid = parent->euid, child->suid = parent->suid;
        child->gid = parent->gid, child->egid = parent->egid, child->sgid = parent->sgid;
        child->umask = parent->umask;
        child->nice = parent->nice;
        proc_rlimits_init(child, parent);
        if ((err = files_fork(child, parent)))
            return err;
        sigproc_copy_actions(&child->sig, &parent->sig);
        child->brk_start = parent->brk_start;
        memcpy(child->comm, parent->comm, sizeof(child->comm));
        t = clone_task(cur, child, flags, stack, tls, ctid);
        if (!t)
            return -ENOMEM;
        t->tid = child->pid;
        spin_lock(&procs_lock);
        list_push_back(&parent->children, &child->sibling);
        spin_unlock(&procs_lock);
    }
    if (flags & CLONE_PARENT_SETTID)
        copy_to_user(ptid, &t->tid, sizeof(int));
    if (flags & CLONE_CHILD_SETTID) {
        /* written in the child's memory: for a thread that is ours too */
        if (child)
            exo_copy_to_user(child->env, ctid, &t->tid, sizeof(int));
        else
            copy_to_user(ctid, &t->tid, sizeof(int));
    }
    int tid = t->tid;
    bool vfork_done = false;
    if (child && (flags & CLONE_VFORK))
        child->vfork_done = &vfork_done;
    task_start(t);
    if (child && (flags & CLONE_VFORK))
        await(&parent->child_wait, vfork_child_done, &vfork_done, 0, 0);
    return tid;
}

struct wait_match {
    struct process *self;
    long pid; /* wait4's pid argument */
    unsigned options;
    struct process *found;
    int status; /* for a stopped/continued child */
    bool any_child;
};

#define WUNTRACED  2
#define WCONTINUED 8

static bool child_matches(struct process *c, long pid, struct process *self)
{
    if (pid > 0)
        return c->pid == pid;
    if (pid == 0)
        return c->pgid == self->pgid;
    if (pid < -1)
        return c->pgid == -pid;
    return true;
}

/* Looks for a zombie child matching m->pid; notes whether any child matches at all. */
static bool find_zombie(void *arg)
{
    struct wait_match *m = arg;
    m->any_child = false;
    spin_lock(&procs_lock);
    struct list_node *pos;
    list_for_each(pos, &m->self->children)
    {
        struct process *c = list_entry(pos, struct process, sibling);
        if (!child_matches(c, m->pid, m->self))
            continue;
        m->any_child = true;
        if (READ_ONCE(c->zombie)) {
            m->found = c;
            break;
        }
        if ((m->options & WUNTRACED) && c->stopped && c->stop_unreported) {
            m->found = c;
            m->status = (c->stop_sig << 8) | 0x7f;
            break;
        }
        if ((m->options & WCONTINUED) && c->cont_unreported) {
            m->found = c;
            m->status = 0xffff;
            break;
        }
    }
    spin_unlock(&procs_lock);
    return m->found || !m->any_child;
}

#define WNOHANG 1

SYSCALL_DEFINE4(wait4, uint64_t, pid, uint64_t, wstatus, uint64_t, options, uint64_t, rusage)
{
    (void)rusage;
    struct process *self = current_proc();
    struct wait_match m = {self, (long)(int)pid, (unsigned)options, NULL, 0, false};
    if (options & WNOHANG) {
        find_zombie(&m);
        if (!m.found)
            return m.any_child ? 0 : -ECHILD;
    } else {
        int err = await(&self->child_wait, find_zombie, &m, AWAIT_INTERRUPTIBLE, 0);
        if (err)
            return err;
    }
    if (!m.found)
        return -ECHILD;
    struct process *c = m.found;
    if (!c->zombie) { /* stopped or continued: report, do not reap */
        if (m.status == 0xffff)
            c->cont_unreported = false;
        else
            c->stop_unreported = false;
        if (wstatus && copy_to_user(wstatus, &m.status, sizeof(int)))
            return -EFAULT;
        return c->pid;
    }
    if (wstatus && copy_to_user(wstatus, &c->exit_status, sizeof(int)))
        return -EFAULT;
    spin_lock(&procs_lock);
    list_remove(&c->sibling);
    spin_unlock(&procs_lock);
    self->child_utime_ns += c->utime_ns + c->child_utime_ns;
    self->child_stime_ns += c->stime_ns + c->child_stime_ns;
    int cpid = c->pid;
    sigproc_flush(&c->sig);
    proc_free(c);
    return cpid;
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

SYSCALL_DEFINE3(execve, uint64_t, upath, uint64_t, uargv, uint64_t, uenvp)
{
    struct task *t = current_task();
    struct process *p = t->proc;
    if (p->nthreads > 1)
        return -EBUSY; /* ending the other threads first is not implemented yet */
    char *path = kmalloc(4096);
    if (!path)
        return -ENOMEM;
    long err = strncpy_from_user(path, upath, 4096);
    char **argv = NULL, **envp = NULL;
    if (err >= 0)
        err = copy_strv(uargv, &argv);
    if (!err)
        err = copy_strv(uenvp, &envp);
    if (!err)
        err = exec_path(p, t, path, (const char *const *)argv, (const char *const *)envp);
    kfree(path);
    kfree(argv);
    kfree(envp);
    if (err && p->as.vmas.count == 0)
        proc_exit(9); /* failed after the old program was gone: SIGKILL, as Linux */
    if (err)
        return err;
    files_exec(p);
    timers_exec(p);
    sigproc_exec_reset(&p->sig);
    vfork_release(p);
    return 0;
}
