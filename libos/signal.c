/*
 * Signals in the libOS: the glue between the hardware-free signal core (libos/signal/) and
 * processes, tasks, awaits and user memory. Delivery happens on every return to EL0.
 */
#include <string.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/proc.h>
#include <libos/ptrace.h>
#include <libos/signal.h>
#include <libos/ipc_glue.h>
#include <libos/timer.h>
#include <mm/slab.h>

static void apply_send_result(struct process *p, int sig, const struct sig_send_result *r)
{
    /* a traced process sees the signal in a signal-delivery-stop first: only SIGKILL is
     * fatal at once */
    if (r->fatal && (sig == LINUX_SIGKILL || !ptrace_process_traced(p))) {
        spin_lock(&p->lock);
        if (!p->exiting) {
            p->exiting = true;
            p->exit_status = sig | (sig_default_action(sig) == SIG_DFL_CORE ? 0x80 : 0);
        }
        spin_unlock(&p->lock);
        spin_lock(&p->lock);
        struct list_node *pos;
        list_for_each(pos, &p->threads)
        {
            wake_for_signal(list_entry(pos, struct task, thread_link));
        }
        spin_unlock(&p->lock);
        return;
    }
    if (r->resume)
        proc_continue(p);
    if (r->wake)
        wake_for_signal(container_of(r->wake, struct task, sig));
}

int signal_process(struct process *p, const linux_siginfo_t *info)
{
    struct sig_send_result r;
    int err = sig_send_process(&p->sig, info, NULL, &r);
    if (!err) {
        apply_send_result(p, info->si_signo, &r);
        signalfd_notify();
    }
    return err;
}

int signal_thread(struct task *t, const linux_siginfo_t *info)
{
    struct sig_send_result r;
    int err = sig_send_thread(&t->sig, info, &r);
    if (!err) {
        apply_send_result(t->proc, info->si_signo, &r);
        signalfd_notify();
    }
    return err;
}

void signal_fault(int sig, int code, uint64_t addr)
{
    linux_siginfo_t info;
    sig_info_fault(&info, sig, code, addr);
    sig_force_thread(&current_task()->sig, &info);
}

int signal_map_trampoline(struct process *p)
{
    static const uint32_t code[] = SIGRETURN_TRAMPOLINE;
    uint64_t addr;
    mutex_lock(&p->vm->as_lock);
    int err = mm_mmap(&p->vm->as, SIGRETURN_TRAMPOLINE_VA, PAGE_SIZE, MM_PROT_READ | MM_PROT_WRITE,
                      MM_MAP_PRIVATE | MM_MAP_FIXED | MM_MAP_ANONYMOUS, NULL, 0, &addr);
    if (!err)
        vm_sync(p->vm, SIGRETURN_TRAMPOLINE_VA, PAGE_SIZE);
    mutex_unlock(&p->vm->as_lock);
    if (!err)
        err = copy_to_proc(p, SIGRETURN_TRAMPOLINE_VA, code, sizeof(code));
    mutex_lock(&p->vm->as_lock);
    if (!err)
        err = mm_mprotect(&p->vm->as, SIGRETURN_TRAMPOLINE_VA, PAGE_SIZE,
                          MM_PROT_READ | MM_PROT_EXEC);
    vm_sync(p->vm, SIGRETURN_TRAMPOLINE_VA, PAGE_SIZE);
    mutex_unlock(&p->vm->as_lock);
    return err;
}

/* Writes the handler's frame and enters it; false if the frame could not be written. */
static bool setup_frame(struct task *t, const struct sig_delivery_info *d)
{
    struct sigframe_out *out = kmalloc(sizeof(*out));
    if (!out)
        return false;
    struct sigframe_in in = {
        .ctx = &t->uctx,
        .sig = d->sig,
        .info = &d->info,
        .action = &d->action,
        .blocked = sig_mask_to_save(&t->sig),
        .altstack = t->sig.altstack,
        .fault_address = 0,
        .esr = 0,
        .default_restorer = SIGRETURN_TRAMPOLINE_VA,
    };
    bool ok =
        !sigframe_build(&in, out) && !copy_to_user(out->frame_addr, out->frame, sizeof(out->frame));
    if (ok) {
        t->uctx = out->entry;
        sig_delivered(&t->sig, d);
    }
    kfree(out);
    return ok;
}

void signal_deliver(struct task *t)
{
    if (t->ptrace)
        ptrace_signal_stops(t);
    bool syscall = t->in_syscall && !t->no_restart;
    t->in_syscall = t->no_restart = false;
    if (!syscall && !sig_has_deliverable(&t->sig))
        return;
    struct sig_delivery_info *d = kmalloc(sizeof(*d));
    KASSERT(d);
    for (;;) {
        enum sig_delivery r = sig_get_delivery(&t->sig, d);
        if (syscall) {
            sig_syscall_restart(&t->uctx, t->orig_x0, r == SIG_DELIVER_HANDLER ? &d->action : NULL);
            syscall = false;
        }
        if (r == SIG_DELIVER_FATAL) {
            int status = d->exit_status;
            kfree(d);
            proc_exit(status);
        }
        if (r == SIG_DELIVER_HANDLER)
            timers_signal_dequeued(t->proc, &d->info);
        if (r == SIG_DELIVER_HANDLER && !setup_frame(t, d)) {
            linux_siginfo_t info;
            sig_info_kernel(&info, LINUX_SIGSEGV);
            sig_force_thread(&t->sig, &info);
            continue;
        }
        if (r == SIG_DELIVER_NONE)
            sig_restore_saved_mask(&t->sig);
        if (r == SIG_DELIVER_STOP) {
            proc_stop(d->sig); /* the task loop waits until SIGCONT */
            continue;
        }
        break;
    }
    kfree(d);
}

bool signal_pending_current(void)
{
    struct task *t = current_task();
    return t && (sig_has_deliverable(&t->sig) || task_doomed(t));
}

SYSCALL_DEFINE4(rt_sigaction, int, sig, uint64_t, act, uint64_t, oact, uint64_t, size)
{
    if (size != 8)
        return -EINVAL;
    struct linux_sigaction n, o;
    if (act && copy_from_user(&n, act, sizeof(n)))
        return -EFAULT;
    int err = sig_action_set(&current_proc()->sig, sig, act ? &n : NULL, oact ? &o : NULL);
    if (!err && oact && copy_to_user(oact, &o, sizeof(o)))
        return -EFAULT;
    return err;
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, uint64_t, set, uint64_t, oldset, uint64_t, size)
{
    if (size != 8)
        return -EINVAL;
    uint64_t n, o;
    if (set && copy_from_user(&n, set, 8))
        return -EFAULT;
    struct sigthread *wake = NULL;
    int err = sig_procmask(&current_task()->sig, how, set ? &n : NULL, &o, &wake);
    if (err)
        return err;
    if (wake)
        wake_for_signal(container_of(wake, struct task, sig));
    return oldset && copy_to_user(oldset, &o, 8) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(rt_sigpending, uint64_t, set, uint64_t, size)
{
    if (size != 8)
        return -EINVAL;
    uint64_t p = sig_pending_set(&current_task()->sig);
    return copy_to_user(set, &p, 8) ? -EFAULT : 0;
}

static bool never(void *arg)
{
    (void)arg;
    return false;
}

static struct wait_queue pause_wq = WAIT_QUEUE_INIT(pause_wq);

SYSCALL_DEFINE2(rt_sigsuspend, uint64_t, set, uint64_t, size)
{
    uint64_t mask;
    if (size != 8)
        return -EINVAL;
    if (copy_from_user(&mask, set, 8))
        return -EFAULT;
    sig_suspend_begin(&current_task()->sig, mask);
    await(&pause_wq, never, NULL, AWAIT_INTERRUPTIBLE, 0);
    return -ERESTARTNOHAND;
}

SYSCALL_DEFINE2(sigaltstack, uint64_t, uss, uint64_t, uoss)
{
    struct task *t = current_task();
    linux_stack_t n, o;
    if (uss && copy_from_user(&n, uss, sizeof(n)))
        return -EFAULT;
    int err = sig_altstack_set(&t->sig, uss ? &n : NULL, &o, t->uctx.sp);
    if (!err && uoss && copy_to_user(uoss, &o, sizeof(o)))
        return -EFAULT;
    return err;
}

SYSCALL_DEFINE0(rt_sigreturn)
{
    struct task *t = current_task();
    uint8_t *buf = kmalloc(SIGFRAME_PARSE_SIZE);
    if (!buf)
        return -ENOMEM;
    uint64_t sp = t->uctx.sp, blocked;
    linux_stack_t ss;
    int err = (sp & 15) || copy_from_user(buf, sp, SIGFRAME_PARSE_SIZE)
                  ? -EFAULT
                  : sigframe_parse(buf, sp, &t->uctx, &blocked, &ss);
    kfree(buf);
    t->no_restart = true;
    if (err) {
        linux_siginfo_t info;
        sig_info_kernel(&info, LINUX_SIGSEGV);
        sig_force_thread(&t->sig, &info);
        return (long)t->uctx.x[0];
    }
    sig_set_blocked(&t->sig, blocked);
    sig_altstack_restore(&t->sig, &ss, t->uctx.sp);
    return (long)t->uctx.x[0];
}

struct kill_group {
    int pid, pgid;
};

static bool kill_match(struct process *p, void *arg)
{
    struct kill_group *k = arg;
    return k->pid == -1 ? p->pid != 1 : p->pgid == k->pgid;
}

void proc_for_each(void (*fn)(struct process *, void *), void *arg);

SYSCALL_DEFINE2(kill, int, pid, int, sig)
{
    struct process *self = current_proc();
    if (sig < 0 || sig > 64)
        return -EINVAL;
    linux_siginfo_t info;
    sig_info_user(&info, sig, 0 /* SI_USER */, self->pid, self->uid);
    if (pid > 0) {
        struct process *p = proc_get(pid);
        if (!p)
            return -ESRCH;
        long r = sig ? signal_process(p, &info) : 0;
        proc_put(p);
        return r;
    }
    /* Process groups: 0 = caller's group, -1 = everyone but init, < -1 = that group. */
    struct kill_group k = {pid, pid == 0 ? self->pgid : -pid};
    int pids[256];
    int n = proc_collect(kill_match, &k, pids, 256), sent = 0;
    for (int i = 0; i < n; i++) {
        struct process *p = proc_get(pids[i]);
        if (p) {
            if (sig)
                signal_process(p, &info);
            sent++;
            proc_put(p);
        }
    }
    return sent ? 0 : -ESRCH;
}

struct find_thread_arg {
    int tgid, tid;
    struct task *found;
};

static void find_in(struct process *p, void *arg)
{
    struct find_thread_arg *a = arg;
    if (a->found || (a->tgid > 0 && p->pid != a->tgid))
        return;
    spin_lock(&p->lock);
    struct list_node *pos;
    list_for_each(pos, &p->threads)
    {
        struct task *t = list_entry(pos, struct task, thread_link);
        if (t->tid == a->tid)
            a->found = t;
    }
    spin_unlock(&p->lock);
}

static struct task *find_thread(int tgid, int tid)
{
    struct find_thread_arg a = {tgid, tid, NULL};
    proc_for_each(find_in, &a);
    return a.found;
}

SYSCALL_DEFINE3(tgkill, int, tgid, int, tid, int, sig)
{
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > 64)
        return -EINVAL;
    struct task *t = find_thread(tgid, tid);
    if (!t)
        return -ESRCH;
    if (!sig)
        return 0;
    linux_siginfo_t info;
    sig_info_user(&info, sig, -6 /* SI_TKILL */, current_proc()->pid, current_proc()->uid);
    return signal_thread(t, &info);
}

SYSCALL_DEFINE2(tkill, int, tid, int, sig)
{
    if (tid <= 0 || sig < 0 || sig > 64)
        return -EINVAL;
    struct task *t = find_thread(0, tid);
    if (!t)
        return -ESRCH;
    if (!sig)
        return 0;
    linux_siginfo_t info;
    sig_info_user(&info, sig, -6, current_proc()->pid, current_proc()->uid);
    return signal_thread(t, &info);
}

SYSCALL_DEFINE3(rt_sigqueueinfo, int, pid, int, sig, uint64_t, uinfo)
{
    linux_siginfo_t info;
    if (copy_from_user(&info, uinfo, sizeof(info)))
        return -EFAULT;
    if (info.si_code >= 0 || info.si_code == -6)
        return -EPERM; /* user space may not pretend to be the kernel */
    info.si_signo = sig;
    struct process *p = proc_get(pid);
    if (!p)
        return -ESRCH;
    long r = signal_process(p, &info);
    proc_put(p);
    return r;
}

struct timedwait {
    struct task *t;
    uint64_t set;
};

static bool timedwait_ready(void *arg)
{
    struct timedwait *w = arg;
    return (sig_pending_set(&w->t->sig) & w->set) != 0;
}

SYSCALL_DEFINE4(rt_sigtimedwait, uint64_t, uset, uint64_t, uinfo, uint64_t, uts, uint64_t, size)
{
    struct task *t = current_task();
    uint64_t set;
    if (size != 8)
        return -EINVAL;
    if (copy_from_user(&set, uset, 8))
        return -EFAULT;
    set &= ~((1UL << (LINUX_SIGKILL - 1)) | (1UL << (LINUX_SIGSTOP - 1)));
    uint64_t deadline = 0;
    if (uts) {
        struct linux_timespec ts;
        if (copy_from_user(&ts, uts, sizeof(ts)))
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        deadline = exo_time_ns() + (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
        if (!deadline)
            deadline = 1;
    }
    linux_siginfo_t info;
    int sig = sig_dequeue(&t->sig, set, &info);
    if (sig <= 0) {
        sig_wait_begin(&t->sig, set);
        struct timedwait w = {t, set};
        int err = await(&pause_wq, timedwait_ready, &w, AWAIT_INTERRUPTIBLE, deadline);
        sig_wait_end(&t->sig);
        sig = sig_dequeue(&t->sig, set, &info);
        if (sig <= 0)
            return err == -ETIMEDOUT ? -EAGAIN : -EINTR;
    }
    timers_signal_dequeued(t->proc, &info);
    if (uinfo && copy_to_user(uinfo, &info, sizeof(info)))
        return -EFAULT;
    return sig;
}
