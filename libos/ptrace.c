/*
 * ptrace(2), process_vm_readv/writev (libos/ptrace.h).
 *
 * Each traced thread owns a struct ptrace_link, on one global list under ptrace_lock. A
 * stop is the tracee's own task sleeping in ptrace_stop() until the tracer resumes it (or
 * SIGKILL ends the process); meanwhile its user registers (task->uctx) are stable, so the
 * tracer reads and writes them directly, under ptrace_lock. Tracee memory is reached
 * through the libOS's copy to/from the tracee's environment, with the process pinned
 * (proc_pin) so that its address space outlives the copy. Exits of tracees are queued as
 * reports for the tracer's wait (unless the tracer is the parent and the ordinary zombie
 * reaches it).
 */
#include <string.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <libos/abi/linux.h>
#include <libos/abi/dirent.h>
#include <libos/abi/ptrace.h>
#include <libos/abi/syscall.h>
#include <libos/proc.h>
#include <libos/ptrace.h>
#include <mm/slab.h>

/* The options LINUX_PTRACE_SETOPTIONS accepts. */
#define PTRACE_O_KNOWN (0xff | LINUX_PTRACE_O_EXITKILL | LINUX_PTRACE_O_SUSPEND_SECCOMP)

struct ptrace_link {
    struct list_node link; /* in links, while attached */
    struct task *task;
    struct process *proc;   /* task->proc */
    struct process *tracer; /* alive while the link is on the list */
    int tid;
    unsigned options;
    bool seized;
    bool detached;      /* off the list: the tracee frees the link */
    bool stopped;       /* the tracee sleeps in ptrace_stop */
    bool unreported;    /* wait has not reported the stop yet */
    bool resumed;       /* the tracer ended the stop */
    int resume_sig;     /* the signal it restarted the tracee with */
    bool syscall_trace; /* LINUX_PTRACE_SYSCALL: stop at syscall entry and exit */
    bool interrupt;     /* LINUX_PTRACE_INTERRUPT pending */
    bool start_stop;    /* auto-attached: stops before running user code */
    int status;         /* wait status of the current stop */
    int syscall_op;     /* SYSCALL_INFO_* of the current stop */
    long syscallno;     /* at a syscall-entry stop: the number to run (-1: skip) */
    uint64_t eventmsg;
    bool siginfo_valid;
    linux_siginfo_t siginfo;
    uint64_t passed; /* signals already shown to the tracer, now pending for delivery */
    struct wait_queue wq;
};

/* The exit of a traced thread, for its tracer's wait. */
struct ptrace_exit {
    struct list_node link;
    struct process *tracer;
    int tid, pgid, wstatus;
    unsigned uid;
};

static struct spinlock ptrace_lock = SPINLOCK_INIT("ptrace");
static struct list_node links = LIST_INIT(links);
static struct list_node exits = LIST_INIT(exits);
static struct wait_queue pin_wq = WAIT_QUEUE_INIT(pin_wq);

/* ---- Pinning a process's address space for remote access. ---- */

/* A pin keeps p's address space alive: the last thread of an exiting process waits in
 * ptrace_tracer_exit until p->remote_pins is 0 before the address space goes. A pin is
 * taken only where p cannot have reached that point: under p->lock with p not exiting
 * (process_vm_*), or under ptrace_lock with a thread of p in a stop (it still counts as
 * a live thread). */
static void proc_pin(struct process *p)
{
    __atomic_add_fetch(&p->remote_pins, 1, __ATOMIC_ACQ_REL);
}

static void proc_unpin(struct process *p)
{
    if (__atomic_sub_fetch(&p->remote_pins, 1, __ATOMIC_ACQ_REL) == 0)
        wake_all(&pin_wq);
}

static bool unpinned(void *arg)
{
    struct process *p = arg;
    return __atomic_load_n(&p->remote_pins, __ATOMIC_ACQUIRE) == 0;
}

/* ---- Tracee side. ---- */

/* Counts the traced threads of p (p->sig.traced), which keeps ignored signals queued. */
static void count_traced(struct process *p, int delta)
{
    __atomic_add_fetch(&p->sig.traced, delta, __ATOMIC_ACQ_REL);
}

/* Frees t's link (off the list) and stops counting t as traced. */
static void link_free(struct task *t, struct ptrace_link *l)
{
    count_traced(l->proc, -1);
    t->ptrace = NULL;
    kfree(l);
}

/* t's link, or NULL; a link its tracer dropped (tracer exit) is freed here. */
static struct ptrace_link *live_link(struct task *t)
{
    struct ptrace_link *l = t->ptrace;
    if (l && READ_ONCE(l->detached)) {
        spin_lock(&ptrace_lock); /* the detaching tracer may still be waking us */
        spin_unlock(&ptrace_lock);
        link_free(t, l);
        return NULL;
    }
    return l;
}

static bool sigkill_pending(struct task *t)
{
    uint64_t pending = READ_ONCE(t->sig.pending.mask) | READ_ONCE(t->sig.proc->shared.mask);
    return pending & SIG_BIT(LINUX_SIGKILL);
}

static bool stop_over(void *arg)
{
    struct ptrace_link *l = arg;
    return READ_ONCE(l->resumed) || READ_ONCE(l->proc->exiting) || sigkill_pending(l->task);
}

static bool exit_stop_over(void *arg)
{
    struct ptrace_link *l = arg;
    return READ_ONCE(l->resumed) || sigkill_pending(l->task);
}

/* Tells l's tracer about a stop or exit: SIGCHLD and a wakeup of its waits. ptrace_lock
 * held (keeps the tracer alive). */
static void notify_tracer(struct ptrace_link *l, int code, int status)
{
    linux_siginfo_t info;
    sig_info_user(&info, LINUX_SIGCHLD, code, l->tid, l->proc->uid);
    info.fields.sigchld.status = status;
    signal_process(l->tracer, &info);
    wake_all(&l->tracer->child_wait);
}

/* Stops the current thread t with wait status `status` until its tracer resumes it
 * (info: what GETSIGINFO shows, NULL for none). Returns the signal the tracer resumed it
 * with (0 if none, or if SIGKILL or a detach ended the stop). */
static int ptrace_stop(struct task *t, int status, const linux_siginfo_t *info, bool exit_stop)
{
    struct ptrace_link *l = t->ptrace;
    spin_lock(&ptrace_lock);
    if (l->detached) {
        spin_unlock(&ptrace_lock);
        return 0;
    }
    l->status = status;
    l->siginfo_valid = info != NULL;
    if (info)
        l->siginfo = *info;
    l->resumed = false;
    l->resume_sig = 0;
    l->stopped = l->unreported = true;
    notify_tracer(l, LINUX_CLD_TRAPPED, (status >> 8) & 0xff);
    spin_unlock(&ptrace_lock);
    await(&l->wq, exit_stop ? exit_stop_over : stop_over, l, 0, 0);
    spin_lock(&ptrace_lock);
    l->stopped = l->unreported = false;
    int sig = l->resumed ? l->resume_sig : 0;
    l->syscall_op = LINUX_PTRACE_SYSCALL_INFO_NONE;
    spin_unlock(&ptrace_lock);
    return sig;
}

static void trap_info(linux_siginfo_t *info, int code)
{
    sig_info_kernel(info, LINUX_SIGTRAP);
    info->si_code = code;
}

/* A PTRACE_EVENT stop: status SIGTRAP | event << 8, siginfo likewise. */
static int event_stop(struct task *t, int event, uint64_t msg)
{
    linux_siginfo_t info;
    trap_info(&info, LINUX_SIGTRAP | event << 8);
    t->ptrace->eventmsg = msg;
    return ptrace_stop(t, (LINUX_SIGTRAP | event << 8) << 8 | 0x7f, &info,
                       event == LINUX_PTRACE_EVENT_EXIT);
}

/* The tracer resumed a stop with sig: it is sent to the thread (after a signal stop it
 * does not stop again, see passed). */
static void inject_signal(struct task *t, int sig, const linux_siginfo_t *orig)
{
    linux_siginfo_t info;
    if (!sig_valid(sig))
        return;
    if (orig && orig->si_signo == sig)
        info = *orig;
    else
        sig_info_user(&info, sig, LINUX_SI_USER, t->ptrace ? t->ptrace->tracer->pid : 0, 0);
    if (t->ptrace)
        t->ptrace->passed |= SIG_BIT(sig);
    signal_thread(t, &info);
}

/* A syscall-entry/exit stop: x7 reads 0 (entry) or 1 (exit) while stopped, as on arm64. */
static int syscall_stop(struct task *t, int op)
{
    struct ptrace_link *l = t->ptrace;
    linux_siginfo_t info;
    int sig = l->options & LINUX_PTRACE_O_TRACESYSGOOD ? LINUX_SIGTRAP | 0x80 : LINUX_SIGTRAP;
    trap_info(&info, sig);
    uint64_t x7 = t->uctx.x[7];
    t->uctx.x[7] = op == LINUX_PTRACE_SYSCALL_INFO_ENTRY ? 0 : 1;
    l->syscall_op = op;
    int resume = ptrace_stop(t, sig << 8 | 0x7f, &info, false);
    t->uctx.x[7] = x7;
    return resume;
}

long ptrace_syscall_enter(struct task *t)
{
    long nr = (long)t->uctx.x[8];
    struct ptrace_link *l = live_link(t);
    if (!l || !l->syscall_trace)
        return nr;
    l->syscallno = nr;
    int sig = syscall_stop(t, LINUX_PTRACE_SYSCALL_INFO_ENTRY);
    if (READ_ONCE(t->proc->exiting))
        return -1;
    if ((l = live_link(t)) == NULL)
        return nr;
    if (sig)
        inject_signal(t, sig, NULL);
    return l->syscallno;
}

void ptrace_syscall_exit(struct task *t)
{
    struct ptrace_link *l = live_link(t);
    if (!l || !l->syscall_trace)
        return;
    int sig = syscall_stop(t, LINUX_PTRACE_SYSCALL_INFO_EXIT);
    if (sig && live_link(t))
        inject_signal(t, sig, NULL);
}

void ptrace_signal_stops(struct task *t)
{
    struct ptrace_link *l = live_link(t);
    if (!l)
        return;
    if (READ_ONCE(l->interrupt)) {
        l->interrupt = false;
        int sig = event_stop(t, LINUX_PTRACE_EVENT_STOP, 0);
        if (sig && live_link(t))
            inject_signal(t, sig, NULL);
    }
    for (;;) {
        if (!(l = live_link(t)) || READ_ONCE(t->proc->exiting))
            return;
        uint64_t pending = READ_ONCE(t->sig.pending.mask) | READ_ONCE(t->sig.proc->shared.mask);
        l->passed &= pending;
        uint64_t set = ~READ_ONCE(t->sig.blocked) & ~l->passed & ~SIG_BIT(LINUX_SIGKILL);
        linux_siginfo_t info;
        int sig = sig_dequeue(&t->sig, set, &info);
        if (sig <= 0)
            return;
        int r = ptrace_stop(t, sig << 8 | 0x7f, &info, false);
        if (r && (l = live_link(t)) != NULL)
            inject_signal(t, r, &l->siginfo);
        else if (r)
            inject_signal(t, r, &info);
    }
}

void ptrace_task_start(struct task *t)
{
    struct ptrace_link *l = live_link(t);
    if (!l || !l->start_stop)
        return;
    l->start_stop = false;
    int sig;
    if (l->seized) {
        sig = event_stop(t, LINUX_PTRACE_EVENT_STOP, 0);
    } else {
        linux_siginfo_t info;
        sig_info_user(&info, LINUX_SIGSTOP, LINUX_SI_USER, 0, 0);
        sig = ptrace_stop(t, LINUX_SIGSTOP << 8 | 0x7f, &info, false);
    }
    if (sig && live_link(t) && sig != LINUX_SIGSTOP)
        inject_signal(t, sig, NULL);
}

/* Which event (and option) a clone with these flags is reported as (Linux's rules). */
static int clone_event(uint64_t flags, unsigned *option)
{
    if (flags & LINUX_CLONE_VFORK) {
        *option = LINUX_PTRACE_O_TRACEVFORK;
        return LINUX_PTRACE_EVENT_VFORK;
    }
    if ((flags & 0xff) != LINUX_SIGCHLD) {
        *option = LINUX_PTRACE_O_TRACECLONE;
        return LINUX_PTRACE_EVENT_CLONE;
    }
    *option = LINUX_PTRACE_O_TRACEFORK;
    return LINUX_PTRACE_EVENT_FORK;
}

static struct ptrace_link *link_new(struct task *t, struct process *tracer)
{
    struct ptrace_link *l = kzalloc(sizeof(*l));
    if (!l)
        return NULL;
    l->task = t;
    l->proc = t->proc;
    l->tid = t->tid;
    l->tracer = tracer;
    wait_queue_init(&l->wq);
    return l;
}

void ptrace_clone_attach(struct task *cur, struct task *new_task, uint64_t flags)
{
    unsigned option;
    struct ptrace_link *l = live_link(cur);
    clone_event(flags, &option);
    if (!l || !(l->options & option))
        return;
    struct ptrace_link *n = link_new(new_task, l->tracer);
    if (!n)
        return;
    n->options = l->options;
    n->seized = l->seized;
    n->start_stop = true;
    spin_lock(&ptrace_lock);
    if (l->detached) {
        spin_unlock(&ptrace_lock);
        kfree(n);
        return;
    }
    list_push_back(&links, &n->link);
    new_task->ptrace = n;
    count_traced(n->proc, 1);
    spin_unlock(&ptrace_lock);
}

void ptrace_clone_event(struct task *cur, uint64_t flags, int new_tid)
{
    unsigned option;
    int event = clone_event(flags, &option);
    struct ptrace_link *l = live_link(cur);
    if (!l || !(l->options & option))
        return;
    int sig = event_stop(cur, event, (uint64_t)new_tid);
    if (sig && live_link(cur))
        inject_signal(cur, sig, NULL);
}

void ptrace_vfork_done(struct task *cur, int child_pid)
{
    struct ptrace_link *l = live_link(cur);
    if (!l || !(l->options & LINUX_PTRACE_O_TRACEVFORKDONE))
        return;
    int sig = event_stop(cur, LINUX_PTRACE_EVENT_VFORK_DONE, (uint64_t)child_pid);
    if (sig && live_link(cur))
        inject_signal(cur, sig, NULL);
}

void ptrace_exec(struct task *t, int old_tid)
{
    struct ptrace_link *l = live_link(t);
    if (!l)
        return;
    if (l->options & LINUX_PTRACE_O_TRACEEXEC) {
        int sig = event_stop(t, LINUX_PTRACE_EVENT_EXEC, (uint64_t)old_tid);
        if (sig && live_link(t))
            inject_signal(t, sig, NULL);
    } else if (!l->seized) {
        linux_siginfo_t info;
        sig_info_user(&info, LINUX_SIGTRAP, LINUX_SI_USER, 0, 0);
        signal_thread(t, &info);
    }
}

void ptrace_task_exit(struct task *t, int status)
{
    struct ptrace_link *l = live_link(t);
    if (!l)
        return;
    if ((l->options & LINUX_PTRACE_O_TRACEEXIT) && !sigkill_pending(t)) {
        event_stop(t, LINUX_PTRACE_EVENT_EXIT, (uint64_t)(unsigned)status);
        if (!(l = live_link(t)))
            return;
    }
    struct process *p = t->proc;
    struct ptrace_exit *e = kzalloc(sizeof(*e));
    spin_lock(&ptrace_lock);
    if (!l->detached) {
        list_remove(&l->link);
        /* the parent's ordinary wait reports the process's end when it is the tracer */
        bool parent_sees = t->tid == p->pid && READ_ONCE(p->parent) == l->tracer;
        if (e && !parent_sees) {
            e->tracer = l->tracer;
            e->tid = t->tid;
            e->pgid = p->pgid;
            e->wstatus = status;
            e->uid = p->uid;
            list_push_back(&exits, &e->link);
            e = NULL;
            bool killed = (status & 0x7f) != 0;
            notify_tracer(l,
                          !killed           ? LINUX_CLD_EXITED
                          : (status & 0x80) ? LINUX_CLD_DUMPED
                                            : LINUX_CLD_KILLED,
                          killed ? status & 0x7f : (status >> 8) & 0xff);
        }
    }
    spin_unlock(&ptrace_lock);
    kfree(e);
    link_free(t, l);
}

/* Ends l's attachment (ptrace_lock held): the tracee frees the link itself. */
static void detach_locked(struct ptrace_link *l, int sig)
{
    list_remove(&l->link);
    l->detached = true;
    l->resume_sig = sig;
    l->resumed = true;
    l->syscall_trace = false;
    wake_all(&l->wq);
}

/* Sends SIGKILL to process pid (looked up again: signals are never sent under ptrace_lock,
 * whose holders may take a process's lock). */
static void kill_pid(int pid)
{
    linux_siginfo_t kill;
    sig_info_kernel(&kill, LINUX_SIGKILL);
    struct process *p = proc_get(pid);
    if (p)
        signal_process(p, &kill);
    proc_put(p);
}

void ptrace_tracer_exit(struct process *p)
{
    enum { MAX_KILL = 64 };
    int kill[MAX_KILL], nkill = 0;
    spin_lock(&ptrace_lock);
    struct list_node *pos, *next;
    for (pos = links.next; pos != &links; pos = next) {
        next = pos->next;
        struct ptrace_link *l = list_entry(pos, struct ptrace_link, link);
        if (l->tracer != p)
            continue;
        if ((l->options & LINUX_PTRACE_O_EXITKILL) && nkill < MAX_KILL)
            kill[nkill++] = l->proc->pid;
        detach_locked(l, 0);
    }
    for (pos = exits.next; pos != &exits; pos = next) {
        next = pos->next;
        struct ptrace_exit *e = list_entry(pos, struct ptrace_exit, link);
        if (e->tracer == p) {
            list_remove(&e->link);
            kfree(e);
        }
    }
    spin_unlock(&ptrace_lock);
    for (int i = 0; i < nkill; i++)
        kill_pid(kill[i]);
    /* nobody may still be copying to or from this address space */
    await(&pin_wq, unpinned, p, 0, 0);
}

bool ptrace_process_traced(const struct process *p)
{
    return __atomic_load_n(&p->sig.traced, __ATOMIC_ACQUIRE) > 0;
}

/* ---- Tracer side: wait. ---- */

static bool report_matches(int which, int id, int tid, int pgid)
{
    return which == LINUX_P_ALL || (which == LINUX_P_PID && tid == id) ||
           (which == LINUX_P_PGID && pgid == id);
}

int ptrace_wait_claim(struct process *self, int which, int id, unsigned options,
                      struct ptrace_report *r)
{
    int found = -1;
    spin_lock(&ptrace_lock);
    struct list_node *pos;
    list_for_each(pos, &links)
    {
        struct ptrace_link *l = list_entry(pos, struct ptrace_link, link);
        if (l->tracer != self || !report_matches(which, id, l->tid, l->proc->pgid))
            continue;
        found = 0;
        if (l->stopped && l->unreported && !l->resumed) {
            *r = (struct ptrace_report){l->tid, l->status, LINUX_CLD_TRAPPED,
                                        (l->status >> 8) & 0xff, l->proc->uid};
            if (!(options & LINUX_WNOWAIT))
                l->unreported = false;
            found = 1;
            break;
        }
    }
    list_for_each(pos, &exits)
    {
        struct ptrace_exit *e = list_entry(pos, struct ptrace_exit, link);
        if (found == 1)
            break;
        if (e->tracer != self || !report_matches(which, id, e->tid, e->pgid))
            continue;
        int sig = e->wstatus & 0x7f;
        *r = (struct ptrace_report){e->tid, e->wstatus,
                                    !sig                  ? LINUX_CLD_EXITED
                                    : (e->wstatus & 0x80) ? LINUX_CLD_DUMPED
                                                          : LINUX_CLD_KILLED,
                                    sig ? sig : (e->wstatus >> 8) & 0xff, e->uid};
        if (!(options & LINUX_WNOWAIT)) {
            list_remove(&e->link);
            kfree(e);
        }
        found = 1;
        break;
    }
    spin_unlock(&ptrace_lock);
    return found;
}

/* ---- Tracer side: requests. ---- */

/* May the current process trace (or read the memory of) p? Same real and effective uid
 * as the target's ids, or effective uid 0. */
static bool may_access(const struct process *p)
{
    const struct process *self = current_proc();
    if (self->euid == 0)
        return true;
    return self->uid == p->uid && self->uid == p->euid && self->uid == p->suid &&
           self->gid == p->gid && self->gid == p->egid && self->gid == p->sgid;
}

struct attach_arg {
    struct ptrace_link *l;
    struct process *tracer;
    int pid; /* the tracee's process */
};

/* task_call callback: attaches the prepared link to t (process list and p->lock held). */
static int attach_locked(struct task *t, void *arg)
{
    struct attach_arg *a = arg;
    if (t->proc == a->tracer || t->proc->exiting)
        return -EPERM;
    if (!may_access(t->proc))
        return -EPERM;
    spin_lock(&ptrace_lock);
    int err = t->ptrace ? -EPERM : 0;
    if (!err) {
        a->l->task = t;
        a->l->proc = t->proc;
        a->l->tid = t->tid;
        list_push_back(&links, &a->l->link);
        t->ptrace = a->l;
        count_traced(t->proc, 1);
        a->pid = t->proc->pid;
    }
    spin_unlock(&ptrace_lock);
    return err;
}

static long do_attach(int pid, bool seize, unsigned options)
{
    if (seize && (options & ~PTRACE_O_KNOWN))
        return -EINVAL;
    struct ptrace_link *l = kzalloc(sizeof(*l));
    if (!l)
        return -ENOMEM;
    wait_queue_init(&l->wq);
    l->tracer = current_proc();
    l->seized = seize;
    l->options = seize ? options : 0;
    struct attach_arg a = {l, current_proc(), 0};
    int err = task_call(pid, attach_locked, &a);
    if (err) {
        kfree(l);
        return err;
    }
    /* l belongs to the tracee from now on (it frees it when it exits) */
    struct process *target = seize ? NULL : proc_get(a.pid);
    if (target) {
        linux_siginfo_t info;
        sig_info_user(&info, LINUX_SIGSTOP, LINUX_SI_USER, current_proc()->pid,
                      current_proc()->uid);
        signal_process(target, &info);
        proc_put(target);
    }
    return 0;
}

static long do_traceme(void)
{
    struct task *t = current_task();
    struct process *p = t->proc;
    struct ptrace_link *l = link_new(t, NULL);
    if (!l)
        return -ENOMEM;
    long err = 0;
    spin_lock(&ptrace_lock);
    /* the parent cannot be freed while we are its child; procs_lock is not ours, so the
     * parent pointer is read once */
    struct process *parent = READ_ONCE(p->parent);
    if (t->ptrace || !parent)
        err = -EPERM;
    else {
        l->tracer = parent;
        list_push_back(&links, &l->link);
        t->ptrace = l;
        count_traced(p, 1);
    }
    spin_unlock(&ptrace_lock);
    if (err)
        kfree(l);
    return err;
}

/* The current process's tracee tid, with ptrace_lock held on success. stopped: it must be
 * in a stop. */
static struct ptrace_link *tracee_locked(int tid, bool stopped)
{
    struct process *self = current_proc();
    spin_lock(&ptrace_lock);
    struct list_node *pos;
    list_for_each(pos, &links)
    {
        struct ptrace_link *l = list_entry(pos, struct ptrace_link, link);
        if (l->tid == tid && l->tracer == self && (!stopped || (l->stopped && !l->resumed)))
            return l;
    }
    spin_unlock(&ptrace_lock);
    return NULL;
}

/* Copies len bytes between the stopped tracee's memory at uva and kbuf. 0 or -EIO. */
static int tracee_mem(int tid, uint64_t uva, void *kbuf, uint64_t len, bool write)
{
    struct ptrace_link *l = tracee_locked(tid, true);
    if (!l)
        return -ESRCH;
    struct process *p = l->proc;
    proc_pin(p);
    spin_unlock(&ptrace_lock);
    int err = write ? copy_to_proc(p, uva, kbuf, len) : copy_from_proc(p, kbuf, uva, len);
    proc_unpin(p);
    return err ? -EIO : 0;
}

/* GETREGSET/SETREGSET on l (ptrace_lock held): into/out of buf (at most *len bytes; *len
 * becomes the size used). */
static long regset_locked(struct ptrace_link *l, unsigned type, void *buf, uint64_t *len, bool set)
{
    struct exo_context *c = &l->task->uctx;
    union {
        struct linux_user_pt_regs gp;
        struct linux_user_fpsimd fp;
        uint64_t tls;
        int32_t nr;
    } r;
    uint64_t size;
    memset(&r, 0, sizeof(r));
    switch (type) {
    case LINUX_NT_PRSTATUS:
        size = sizeof(r.gp);
        memcpy(r.gp.regs, c->x, sizeof(c->x));
        r.gp.sp = c->sp, r.gp.pc = c->pc, r.gp.pstate = c->pstate;
        break;
    case LINUX_NT_PRFPREG:
        size = sizeof(r.fp);
        memcpy(r.fp.vregs, c->v, sizeof(c->v));
        r.fp.fpsr = c->fpsr, r.fp.fpcr = c->fpcr;
        break;
    case LINUX_NT_ARM_TLS:
        size = sizeof(r.tls), r.tls = c->tpidr;
        break;
    case LINUX_NT_ARM_SYSTEM_CALL:
        size = sizeof(r.nr);
        r.nr = l->syscall_op == LINUX_PTRACE_SYSCALL_INFO_ENTRY ? (int32_t)l->syscallno
                                                                : (int32_t)c->x[8];
        break;
    default:
        return -EINVAL;
    }
    size = MIN(size, *len);
    *len = size;
    if (!set) {
        memcpy(buf, &r, size);
        return 0;
    }
    memcpy(&r, buf, size);
    switch (type) {
    case LINUX_NT_PRSTATUS:
        memcpy(c->x, r.gp.regs, sizeof(c->x));
        c->sp = r.gp.sp, c->pc = r.gp.pc;
        c->pstate = (c->pstate & ~0xf0000000ull) | (r.gp.pstate & 0xf0000000ull); /* NZCV */
        break;
    case LINUX_NT_PRFPREG:
        memcpy(c->v, r.fp.vregs, sizeof(c->v));
        c->fpsr = r.fp.fpsr, c->fpcr = r.fp.fpcr;
        break;
    case LINUX_NT_ARM_TLS:
        c->tpidr = r.tls;
        break;
    default:
        l->syscallno = r.nr; /* what the syscall-entry stop runs (arm64: not x8) */
        break;
    }
    return 0;
}

static long do_regset(int tid, unsigned type, uint64_t uiov, bool set)
{
    struct linux_iovec iov;
    if (copy_from_user(&iov, uiov, sizeof(iov)))
        return -EFAULT;
    enum { REGSET_MAX = sizeof(struct linux_user_fpsimd) };
    uint8_t *buf = kzalloc(REGSET_MAX);
    if (!buf)
        return -ENOMEM;
    uint64_t len = MIN(iov.iov_len, (uint64_t)REGSET_MAX);
    long err = 0;
    if (set && copy_from_user(buf, iov.iov_base, len))
        err = -EFAULT;
    struct ptrace_link *l = err ? NULL : tracee_locked(tid, true);
    if (!err && !l)
        err = -ESRCH;
    if (l) {
        err = regset_locked(l, type, buf, &len, set);
        spin_unlock(&ptrace_lock);
    }
    if (!err && !set && copy_to_user(iov.iov_base, buf, len))
        err = -EFAULT;
    iov.iov_len = len;
    if (!err && copy_to_user(uiov, &iov, sizeof(iov)))
        err = -EFAULT;
    kfree(buf);
    return err;
}

static long do_syscall_info(int tid, uint64_t size, uint64_t uinfo)
{
    struct linux_ptrace_syscall_info info;
    memset(&info, 0, sizeof(info));
    struct ptrace_link *l = tracee_locked(tid, true);
    if (!l)
        return -ESRCH;
    const struct exo_context *c = &l->task->uctx;
    info.arch = LINUX_AUDIT_ARCH_AARCH64;
    info.instruction_pointer = c->pc;
    info.stack_pointer = c->sp;
    /* a syscall-exit stop shows its result; entry stops the arguments */
    info.op = l->syscall_op;
    uint64_t used = offsetof(struct linux_ptrace_syscall_info, entry);
    if (info.op == LINUX_PTRACE_SYSCALL_INFO_ENTRY) {
        info.entry.nr = (uint64_t)l->syscallno;
        for (int i = 0; i < 6; i++)
            info.entry.args[i] = c->x[i];
        used = offsetof(struct linux_ptrace_syscall_info, entry.args) + sizeof(info.entry.args);
    } else if (info.op == LINUX_PTRACE_SYSCALL_INFO_EXIT) {
        info.exit.rval = (int64_t)c->x[0];
        info.exit.is_error = info.exit.rval < 0 && info.exit.rval >= -4095;
        used = offsetof(struct linux_ptrace_syscall_info, exit.is_error) + 1;
    }
    spin_unlock(&ptrace_lock);
    if (copy_to_user(uinfo, &info, MIN(size, used)))
        return -EFAULT;
    return (long)used;
}

/* CONT, SYSCALL, DETACH, LISTEN: ends the stop with signal sig (0: none). */
static long do_resume(int tid, long request, uint64_t sig)
{
    if (sig > LINUX_NSIG)
        return -EIO;
    struct ptrace_link *l = tracee_locked(tid, request != LINUX_PTRACE_DETACH);
    if (!l)
        return -ESRCH;
    if (request == LINUX_PTRACE_DETACH) {
        detach_locked(l, (int)sig);
    } else {
        l->syscall_trace = request == LINUX_PTRACE_SYSCALL;
        l->resume_sig = (int)sig;
        l->resumed = true;
        l->unreported = false;
        wake_all(&l->wq);
    }
    spin_unlock(&ptrace_lock);
    return 0;
}

static long do_siginfo(int tid, uint64_t uinfo, bool set)
{
    linux_siginfo_t info;
    if (set && copy_from_user(&info, uinfo, sizeof(info)))
        return -EFAULT;
    struct ptrace_link *l = tracee_locked(tid, true);
    if (!l)
        return -ESRCH;
    long err = l->siginfo_valid ? 0 : -EINVAL;
    if (!err && set)
        l->siginfo = info;
    else if (!err)
        info = l->siginfo;
    spin_unlock(&ptrace_lock);
    if (!err && !set && copy_to_user(uinfo, &info, sizeof(info)))
        return -EFAULT;
    return err;
}

static long do_kill(int tid, int sig)
{
    struct ptrace_link *l = tracee_locked(tid, false);
    if (!l)
        return -ESRCH;
    int pid = l->proc->pid;
    if (sig != LINUX_SIGKILL) { /* LINUX_PTRACE_INTERRUPT: a stop at the next return to user mode */
        l->interrupt = true;
        wake_for_signal(l->task);
    }
    spin_unlock(&ptrace_lock);
    if (sig == LINUX_SIGKILL)
        kill_pid(pid);
    return 0;
}

/* Requests on an existing tracee that keep it stopped. */
static long do_query(long request, int pid, uint64_t addr, uint64_t data)
{
    uint64_t word;
    long err;
    switch (request) {
    case LINUX_PTRACE_PEEKTEXT:
    case LINUX_PTRACE_PEEKDATA:
        err = tracee_mem(pid, addr, &word, sizeof(word), false);
        return err ? err : copy_to_user(data, &word, sizeof(word)) ? -EFAULT : 0;
    case LINUX_PTRACE_POKETEXT:
    case LINUX_PTRACE_POKEDATA:
        return tracee_mem(pid, addr, &data, sizeof(data), true);
    case LINUX_PTRACE_GETREGSET:
        return do_regset(pid, (unsigned)addr, data, false);
    case LINUX_PTRACE_SETREGSET:
        return do_regset(pid, (unsigned)addr, data, true);
    case LINUX_PTRACE_GETSIGINFO:
        return do_siginfo(pid, data, false);
    case LINUX_PTRACE_SETSIGINFO:
        return do_siginfo(pid, data, true);
    case LINUX_PTRACE_GET_SYSCALL_INFO:
        return do_syscall_info(pid, addr, data);
    default:
        break;
    }
    struct ptrace_link *l = tracee_locked(pid, true);
    if (!l)
        return -ESRCH;
    err = 0;
    switch (request) {
    case LINUX_PTRACE_SETOPTIONS:
        if (data & ~(uint64_t)PTRACE_O_KNOWN)
            err = -EINVAL;
        else
            l->options = (unsigned)data;
        break;
    case LINUX_PTRACE_GETEVENTMSG:
        word = l->eventmsg;
        break;
    case LINUX_PTRACE_GETSIGMASK:
        word = l->task->sig.blocked;
        break;
    default:
        err = -EIO;
        break;
    }
    spin_unlock(&ptrace_lock);
    if (!err && (request == LINUX_PTRACE_GETEVENTMSG || request == LINUX_PTRACE_GETSIGMASK))
        err = copy_to_user(data, &word, sizeof(word)) ? -EFAULT : 0;
    return err;
}

SYSCALL_DEFINE4(ptrace, long, request, int, pid, uint64_t, addr, uint64_t, data)
{
    switch (request) {
    case LINUX_PTRACE_TRACEME:
        return do_traceme();
    case LINUX_PTRACE_ATTACH:
        return do_attach(pid, false, 0);
    case LINUX_PTRACE_SEIZE:
        return addr ? -EIO : do_attach(pid, true, (unsigned)data);
    case LINUX_PTRACE_KILL:
        return do_kill(pid, LINUX_SIGKILL);
    case LINUX_PTRACE_INTERRUPT:
        return do_kill(pid, 0);
    case LINUX_PTRACE_CONT:
    case LINUX_PTRACE_SYSCALL:
    case LINUX_PTRACE_DETACH:
        return do_resume(pid, request, data);
    case LINUX_PTRACE_LISTEN:
        return -EINVAL; /* group-stops are never reported to the tracer */
    case LINUX_PTRACE_SETSIGMASK:
        return -EIO;
    default:
        return do_query(request, pid, addr, data);
    }
}

/* ---- process_vm_readv / process_vm_writev. ---- */

struct pin_arg {
    struct process *p;
};

/* task_call callback: pins the thread's process if the caller may access it. */
static int pin_locked(struct task *t, void *arg)
{
    struct pin_arg *a = arg;
    if (!may_access(t->proc))
        return -EPERM;
    if (t->proc->exiting)
        return -ESRCH;
    proc_pin(t->proc);
    a->p = t->proc;
    return 0;
}

/* Reads iovec number i of an array at uvec. */
static int get_iov(uint64_t uvec, uint64_t i, struct linux_iovec *iov)
{
    return copy_from_user(iov, uvec + i * sizeof(*iov), sizeof(*iov)) ? -EFAULT : 0;
}

/* Moves bytes between the caller's local iovecs and p's remote ones, in the order of both
 * arrays: the bytes moved (short at the first remote fault), or -EFAULT if none. */
static long vm_transfer(struct process *p, uint64_t liov, uint64_t lcnt, uint64_t riov,
                        uint64_t rcnt, bool write)
{
    enum { CHUNK = 512 };
    uint8_t buf[CHUNK];
    struct linux_iovec l = {0, 0}, r = {0, 0};
    uint64_t li = 0, ri = 0;
    long done = 0;
    for (;;) {
        while (!l.iov_len && li < lcnt)
            if (get_iov(liov, li++, &l))
                return done ? done : -EFAULT;
        while (!r.iov_len && ri < rcnt)
            if (get_iov(riov, ri++, &r))
                return done ? done : -EFAULT;
        if (!l.iov_len || !r.iov_len)
            return done;
        uint64_t n = MIN(MIN(l.iov_len, r.iov_len), (uint64_t)CHUNK);
        int err = write ? copy_from_user(buf, l.iov_base, n) || copy_to_proc(p, r.iov_base, buf, n)
                        : copy_from_proc(p, buf, r.iov_base, n) || copy_to_user(l.iov_base, buf, n);
        if (err)
            return done ? done : -EFAULT;
        done += (long)n;
        l.iov_base += n, l.iov_len -= n;
        r.iov_base += n, r.iov_len -= n;
    }
}

static long process_vm(int pid, uint64_t liov, uint64_t lcnt, uint64_t riov, uint64_t rcnt,
                       uint64_t flags, bool write)
{
    if (flags || lcnt > LINUX_UIO_MAXIOV || rcnt > LINUX_UIO_MAXIOV)
        return -EINVAL;
    if (pid <= 0)
        return -ESRCH;
    struct pin_arg a = {NULL};
    int err = task_call(pid, pin_locked, &a);
    if (err)
        return err;
    long r = vm_transfer(a.p, liov, lcnt, riov, rcnt, write);
    proc_unpin(a.p);
    return r;
}

SYSCALL_DEFINE6(process_vm_readv, int, pid, uint64_t, liov, uint64_t, liovcnt, uint64_t, riov,
                uint64_t, riovcnt, uint64_t, flags)
{
    return process_vm(pid, liov, liovcnt, riov, riovcnt, flags, false);
}

SYSCALL_DEFINE6(process_vm_writev, int, pid, uint64_t, liov, uint64_t, liovcnt, uint64_t, riov,
                uint64_t, riovcnt, uint64_t, flags)
{
    return process_vm(pid, liov, liovcnt, riov, riovcnt, flags, true);
}
