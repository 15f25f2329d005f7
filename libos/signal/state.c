/*
 * Signal state: handlers, blocked masks, pending sets and queued siginfo, sending and
 * dequeuing (signal(7), sigaction(2), sigprocmask(2), sigpending(2), sigaltstack(2)).
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/signal.h>

#define SIG_SYNC_SET                                                                               \
    (SIG_BIT(LINUX_SIGSEGV) | SIG_BIT(LINUX_SIGBUS) | SIG_BIT(LINUX_SIGILL) |                      \
     SIG_BIT(LINUX_SIGTRAP) | SIG_BIT(LINUX_SIGFPE) | SIG_BIT(LINUX_SIGSYS))
/* Flags rt_sigaction keeps; the others (SA_UNSUPPORTED, unknown bits) read back as 0. */
#define SA_KNOWN                                                                                   \
    (LINUX_SA_NOCLDSTOP | LINUX_SA_NOCLDWAIT | LINUX_SA_SIGINFO | LINUX_SA_ONSTACK |               \
     LINUX_SA_RESTART | LINUX_SA_NODEFER | LINUX_SA_RESETHAND | LINUX_SA_EXPOSE_TAGBITS |          \
     LINUX_SA_RESTORER)

enum sig_default sig_default_action(int sig)
{
    switch (sig) {
    case LINUX_SIGQUIT:
    case LINUX_SIGILL:
    case LINUX_SIGTRAP:
    case LINUX_SIGABRT:
    case LINUX_SIGBUS:
    case LINUX_SIGFPE:
    case LINUX_SIGSEGV:
    case LINUX_SIGXCPU:
    case LINUX_SIGXFSZ:
    case LINUX_SIGSYS:
        return SIG_DFL_CORE;
    case LINUX_SIGSTOP:
    case LINUX_SIGTSTP:
    case LINUX_SIGTTIN:
    case LINUX_SIGTTOU:
        return SIG_DFL_STOP;
    case LINUX_SIGCONT:
        return SIG_DFL_CONT;
    case LINUX_SIGCHLD:
    case LINUX_SIGURG:
    case LINUX_SIGWINCH:
        return SIG_DFL_IGN;
    default:
        return SIG_DFL_TERM;
    }
}

void sig_info_user(linux_siginfo_t *info, int sig, int code, int pid, unsigned uid)
{
    memset(info, 0, sizeof(*info));
    info->si_signo = sig;
    info->si_code = code;
    info->fields.kill.pid = pid;
    info->fields.kill.uid = uid;
}

void sig_info_kernel(linux_siginfo_t *info, int sig)
{
    memset(info, 0, sizeof(*info));
    info->si_signo = sig;
    info->si_code = LINUX_SI_KERNEL;
}

void sig_info_fault(linux_siginfo_t *info, int sig, int code, uint64_t addr)
{
    memset(info, 0, sizeof(*info));
    info->si_signo = sig;
    info->si_code = code;
    info->fields.sigfault.addr = addr;
}

/* ---- Pending sets. ---- */

static void pending_init(struct sigpending *p)
{
    p->mask = 0;
    list_init(&p->queue);
}

static void queue_free(struct sigproc *sp, struct sigqueue *q)
{
    list_remove(&q->link);
    list_push_back(&sp->free, &q->link);
}

/* Drops every pending instance of the signals in set. */
static void pending_discard(struct sigproc *sp, struct sigpending *p, uint64_t set)
{
    if (!(p->mask & set))
        return;
    p->mask &= ~set;
    struct list_node *pos, *tmp;
    list_for_each_safe(pos, tmp, &p->queue)
    {
        struct sigqueue *q = list_entry(pos, struct sigqueue, link);
        if (set & SIG_BIT(q->info.si_signo))
            queue_free(sp, q);
    }
}

static void pending_discard_all(struct sigproc *sp, uint64_t set)
{
    pending_discard(sp, &sp->shared, set);
    struct list_node *pos;
    list_for_each(pos, &sp->threads)
        pending_discard(sp, &list_entry(pos, struct sigthread, link)->pending, set);
}

/* Makes info pending in p: 0, or -EAGAIN when a real-time signal that must carry its
 * siginfo (anything but plain kill()) finds the pool empty. */
static int pending_add(struct sigproc *sp, struct sigpending *p, const linux_siginfo_t *info)
{
    int sig = info->si_signo;
    if (sig < LINUX_SIGRTMIN && (p->mask & SIG_BIT(sig)))
        return 0; /* standard signals coalesce */
    if (list_empty(&sp->free)) {
        if (sig >= LINUX_SIGRTMIN && info->si_code != LINUX_SI_USER)
            return -EAGAIN;
    } else {
        struct sigqueue *q = list_entry(sp->free.next, struct sigqueue, link);
        list_remove(&q->link);
        q->info = *info;
        list_push_back(&p->queue, &q->link);
    }
    p->mask |= SIG_BIT(sig);
    return 0;
}

/* The signal to take next from p among set: synchronous faults first, then lowest. */
static int pending_next(const struct sigpending *p, uint64_t set)
{
    uint64_t m = p->mask & set;
    if (!m)
        return 0;
    if (m & SIG_SYNC_SET)
        m &= SIG_SYNC_SET;
    return __builtin_ctzll(m) + 1;
}

/* Removes the first instance of sig from p into *info (SI_USER from pid 0 when its
 * siginfo was lost); the bit stays set while more instances are queued. */
static void pending_take(struct sigproc *sp, struct sigpending *p, int sig, linux_siginfo_t *info)
{
    struct sigqueue *first = NULL;
    bool more = false;
    struct list_node *pos;
    list_for_each(pos, &p->queue)
    {
        struct sigqueue *q = list_entry(pos, struct sigqueue, link);
        if (q->info.si_signo != sig)
            continue;
        if (first) {
            more = true;
            break;
        }
        first = q;
    }
    if (first) {
        *info = first->info;
        queue_free(sp, first);
    } else {
        sig_info_user(info, sig, LINUX_SI_USER, 0, 0);
    }
    if (!more)
        p->mask &= ~SIG_BIT(sig);
}

/* ---- Lifetime. ---- */

void sigproc_init(struct sigproc *sp)
{
    memset(sp, 0, sizeof(*sp));
    spin_init(&sp->lock, "sigproc");
    pending_init(&sp->shared);
    list_init(&sp->threads);
    list_init(&sp->free);
    for (unsigned i = 0; i < SIGQUEUE_MAX; i++)
        list_push_back(&sp->free, &sp->pool[i].link);
}

void sigproc_copy_actions(struct sigproc *child, struct sigproc *parent)
{
    spin_lock(&parent->lock);
    memcpy(child->action, parent->action, sizeof(child->action));
    spin_unlock(&parent->lock);
}

void sigproc_exec_reset(struct sigproc *sp)
{
    spin_lock(&sp->lock);
    for (int i = 0; i < LINUX_NSIG; i++) {
        struct linux_sigaction *a = &sp->action[i];
        if (a->sa_handler != LINUX_SIG_IGN)
            memset(a, 0, sizeof(*a));
        else
            a->sa_flags = 0, a->sa_restorer = 0, a->sa_mask.sig[0] = 0;
    }
    spin_unlock(&sp->lock);
}

void sigproc_flush(struct sigproc *sp)
{
    spin_lock(&sp->lock);
    pending_discard(sp, &sp->shared, ~0ull);
    spin_unlock(&sp->lock);
}

void sigthread_init(struct sigthread *st, const struct sigthread *creator, bool keep_altstack)
{
    memset(st, 0, sizeof(*st));
    pending_init(&st->pending);
    list_init(&st->link);
    st->altstack.flags = LINUX_SS_DISABLE;
    if (creator) {
        st->blocked = creator->blocked;
        if (keep_altstack)
            st->altstack = creator->altstack;
    }
}

void sigthread_attach(struct sigproc *sp, struct sigthread *st)
{
    spin_lock(&sp->lock);
    st->proc = sp;
    pending_init(&st->pending);
    list_push_back(&sp->threads, &st->link);
    spin_unlock(&sp->lock);
}

void sigthread_detach(struct sigthread *st)
{
    struct sigproc *sp = st->proc;
    spin_lock(&sp->lock);
    pending_discard(sp, &st->pending, ~0ull);
    list_remove(&st->link);
    spin_unlock(&sp->lock);
}

/* ---- Sending. ---- */

static bool handler_ignores(const struct linux_sigaction *a, int sig)
{
    if (a->sa_handler == LINUX_SIG_IGN)
        return true;
    if (a->sa_handler != LINUX_SIG_DFL)
        return false;
    enum sig_default d = sig_default_action(sig);
    return d == SIG_DFL_IGN || d == SIG_DFL_CONT;
}

/* Does st take sig now (not blocked)? */
static bool wants(const struct sigthread *st, int sig)
{
    return !(st->blocked & SIG_BIT(sig));
}

/* A thread of sp other than `except` that does not block every signal of set. */
static struct sigthread *find_taker(struct sigproc *sp, uint64_t set,
                                    const struct sigthread *except)
{
    struct list_node *pos;
    list_for_each(pos, &sp->threads)
    {
        struct sigthread *t = list_entry(pos, struct sigthread, link);
        if (t != except && (set & ~t->blocked))
            return t;
    }
    return NULL;
}

/* Side effects of generation (Linux prepare_signal): SIGCONT cancels pending stops and
 * stops cancel a pending SIGCONT, in every queue of the process. */
static void generation_side_effects(struct sigproc *sp, int sig)
{
    if (sig == LINUX_SIGCONT)
        pending_discard_all(sp, SIG_STOP_SET);
    else if (SIG_BIT(sig) & SIG_STOP_SET)
        pending_discard_all(sp, SIG_BIT(LINUX_SIGCONT));
}

/* Common tail of sending once pending: who to wake, is it fatal. */
static void complete(struct sigproc *sp, int sig, struct sigthread *taker,
                     struct sig_send_result *out)
{
    out->wake = taker;
    if (!taker)
        return;
    const struct linux_sigaction *a = &sp->action[sig - 1];
    enum sig_default d = sig_default_action(sig);
    bool waited_for = taker->in_sigwait && (taker->real_blocked & SIG_BIT(sig));
    out->fatal = sig == LINUX_SIGKILL || (a->sa_handler == LINUX_SIG_DFL &&
                                          (d == SIG_DFL_TERM || d == SIG_DFL_CORE) && !waited_for);
}

/* Queues info's signal (force: a fault's, which even init's protection lets through). */
static int send_locked(struct sigproc *sp, struct sigthread *target, struct sigthread *hint,
                       const linux_siginfo_t *info, bool force, struct sig_send_result *out)
{
    int sig = info->si_signo;
    memset(out, 0, sizeof(*out));
    generation_side_effects(sp, sig);
    out->resume = sig == LINUX_SIGCONT || sig == LINUX_SIGKILL;
    struct sigthread *owner = target ? target : hint;
    if (!owner && !list_empty(&sp->threads))
        owner = list_entry(sp->threads.next, struct sigthread, link);
    bool blocked = owner && !wants(owner, sig);
    bool dfl = sp->action[sig - 1].sa_handler == LINUX_SIG_DFL;
    bool ignored = handler_ignores(&sp->action[sig - 1], sig) && !blocked && !sp->traced;
    if (ignored || (sp->unkillable && dfl && !force)) {
        out->discarded = true;
        return 0;
    }
    int err = pending_add(sp, target ? &target->pending : &sp->shared, info);
    if (err)
        return err;
    struct sigthread *taker;
    if (target)
        taker = wants(target, sig) ? target : NULL;
    else if (hint && wants(hint, sig))
        taker = hint;
    else
        taker = find_taker(sp, SIG_BIT(sig), NULL);
    complete(sp, sig, taker, out);
    return 0;
}

int sig_send_process(struct sigproc *sp, const linux_siginfo_t *info, struct sigthread *hint,
                     struct sig_send_result *out)
{
    if (!sig_valid(info->si_signo))
        return -EINVAL;
    spin_lock(&sp->lock);
    int err = send_locked(sp, NULL, hint, info, false, out);
    spin_unlock(&sp->lock);
    return err;
}

int sig_send_thread(struct sigthread *st, const linux_siginfo_t *info, struct sig_send_result *out)
{
    if (!sig_valid(info->si_signo))
        return -EINVAL;
    struct sigproc *sp = st->proc;
    spin_lock(&sp->lock);
    int err = send_locked(sp, st, NULL, info, false, out);
    spin_unlock(&sp->lock);
    return err;
}

void sig_force_thread(struct sigthread *st, const linux_siginfo_t *info)
{
    struct sigproc *sp = st->proc;
    int sig = info->si_signo;
    struct sig_send_result out;
    spin_lock(&sp->lock);
    struct linux_sigaction *a = &sp->action[sig - 1];
    if ((st->blocked & SIG_BIT(sig)) || a->sa_handler == LINUX_SIG_IGN) {
        if (a->sa_handler == LINUX_SIG_IGN)
            a->sa_handler = LINUX_SIG_DFL;
        st->blocked &= ~SIG_BIT(sig);
    }
    (void)send_locked(sp, st, NULL, info, true, &out);
    spin_unlock(&sp->lock);
}

/* ---- Receiving. ---- */

bool sig_has_deliverable(const struct sigthread *st)
{
    uint64_t pending = __atomic_load_n(&st->pending.mask, __ATOMIC_RELAXED);
    if (st->proc)
        pending |= __atomic_load_n(&st->proc->shared.mask, __ATOMIC_RELAXED);
    return pending & ~__atomic_load_n(&st->blocked, __ATOMIC_RELAXED);
}

static int dequeue_locked(struct sigthread *st, uint64_t set, linux_siginfo_t *info)
{
    struct sigproc *sp = st->proc;
    int sig = pending_next(&st->pending, set);
    if (sig) {
        pending_take(sp, &st->pending, sig, info);
        return sig;
    }
    sig = pending_next(&sp->shared, set);
    if (sig)
        pending_take(sp, &sp->shared, sig, info);
    return sig;
}

int sig_dequeue(struct sigthread *st, uint64_t set, linux_siginfo_t *info)
{
    spin_lock(&st->proc->lock);
    int sig = dequeue_locked(st, set, info);
    spin_unlock(&st->proc->lock);
    return sig;
}

enum sig_delivery sig_get_delivery(struct sigthread *st, struct sig_delivery_info *d)
{
    struct sigproc *sp = st->proc;
    enum sig_delivery r = SIG_DELIVER_NONE;
    spin_lock(&sp->lock);
    for (;;) {
        int sig = dequeue_locked(st, ~st->blocked, &d->info);
        if (!sig)
            break;
        d->sig = sig;
        struct linux_sigaction *a = &sp->action[sig - 1];
        if (a->sa_handler == LINUX_SIG_IGN)
            continue;
        if (a->sa_handler != LINUX_SIG_DFL) {
            d->action = *a;
            if (a->sa_flags & LINUX_SA_RESETHAND)
                a->sa_handler = LINUX_SIG_DFL;
            r = SIG_DELIVER_HANDLER;
            break;
        }
        enum sig_default def = sig_default_action(sig);
        if (def == SIG_DFL_IGN || def == SIG_DFL_CONT)
            continue;
        memset(&d->action, 0, sizeof(d->action));
        if (def == SIG_DFL_STOP) {
            r = SIG_DELIVER_STOP;
        } else {
            d->exit_status = sig | (def == SIG_DFL_CORE ? 0x80 : 0);
            r = SIG_DELIVER_FATAL;
        }
        break;
    }
    spin_unlock(&sp->lock);
    return r;
}

static void altstack_reset(struct sigthread *st)
{
    st->altstack.sp = 0;
    st->altstack.size = 0;
    st->altstack.flags = LINUX_SS_DISABLE;
}

void sig_delivered(struct sigthread *st, const struct sig_delivery_info *d)
{
    spin_lock(&st->proc->lock);
    uint64_t add = d->action.sa_mask.sig[0];
    if (!(d->action.sa_flags & LINUX_SA_NODEFER))
        add |= SIG_BIT(d->sig);
    st->blocked = (st->blocked | add) & ~SIG_UNBLOCKABLE;
    st->restore_saved = false;
    if (st->altstack.flags & LINUX_SS_AUTODISARM)
        altstack_reset(st);
    spin_unlock(&st->proc->lock);
}

/* ---- Syscall logic. ---- */

int sig_action_set(struct sigproc *sp, int sig, const struct linux_sigaction *new_act,
                   struct linux_sigaction *old_act)
{
    if (!sig_valid(sig))
        return -EINVAL;
    if (new_act && (SIG_BIT(sig) & SIG_UNBLOCKABLE))
        return -EINVAL;
    spin_lock(&sp->lock);
    struct linux_sigaction *a = &sp->action[sig - 1];
    if (old_act)
        *old_act = *a;
    if (new_act) {
        *a = *new_act;
        a->sa_flags &= SA_KNOWN;
        a->sa_mask.sig[0] &= ~SIG_UNBLOCKABLE;
        if (handler_ignores(a, sig))
            pending_discard_all(sp, SIG_BIT(sig));
    }
    spin_unlock(&sp->lock);
    return 0;
}

/* Sets st's mask; returns a thread to wake for shared signals st no longer takes. */
static struct sigthread *set_blocked_locked(struct sigthread *st, uint64_t mask)
{
    mask &= ~SIG_UNBLOCKABLE;
    uint64_t newly = mask & ~st->blocked;
    st->blocked = mask;
    uint64_t orphaned = st->proc ? st->proc->shared.mask & newly : 0;
    return orphaned ? find_taker(st->proc, orphaned, st) : NULL;
}

int sig_procmask(struct sigthread *st, int how, const uint64_t *set, uint64_t *old,
                 struct sigthread **wake)
{
    if (wake)
        *wake = NULL;
    if (set && how != LINUX_SIG_BLOCK && how != LINUX_SIG_UNBLOCK && how != LINUX_SIG_SETMASK)
        return -EINVAL;
    spin_lock(&st->proc->lock);
    if (old)
        *old = st->blocked;
    if (set) {
        uint64_t m = how == LINUX_SIG_BLOCK     ? st->blocked | *set
                     : how == LINUX_SIG_UNBLOCK ? st->blocked & ~*set
                                                : *set;
        struct sigthread *w = set_blocked_locked(st, m);
        if (wake)
            *wake = w;
    }
    spin_unlock(&st->proc->lock);
    return 0;
}

void sig_set_blocked(struct sigthread *st, uint64_t mask)
{
    spin_lock(&st->proc->lock);
    (void)set_blocked_locked(st, mask);
    spin_unlock(&st->proc->lock);
}

uint64_t sig_pending_set(const struct sigthread *st)
{
    struct sigproc *sp = st->proc;
    spin_lock(&sp->lock);
    uint64_t r = (st->pending.mask | sp->shared.mask) & st->blocked;
    spin_unlock(&sp->lock);
    return r;
}

void sig_suspend_begin(struct sigthread *st, uint64_t mask)
{
    spin_lock(&st->proc->lock);
    if (!st->restore_saved) {
        st->saved_blocked = st->blocked;
        st->restore_saved = true;
    }
    (void)set_blocked_locked(st, mask);
    spin_unlock(&st->proc->lock);
}

uint64_t sig_mask_to_save(const struct sigthread *st)
{
    return st->restore_saved ? st->saved_blocked : st->blocked;
}

void sig_restore_saved_mask(struct sigthread *st)
{
    if (!st->restore_saved)
        return;
    spin_lock(&st->proc->lock);
    st->restore_saved = false;
    (void)set_blocked_locked(st, st->saved_blocked);
    spin_unlock(&st->proc->lock);
}

void sig_wait_begin(struct sigthread *st, uint64_t set)
{
    spin_lock(&st->proc->lock);
    st->real_blocked = st->blocked;
    st->in_sigwait = true;
    st->blocked &= ~set;
    spin_unlock(&st->proc->lock);
}

void sig_wait_end(struct sigthread *st)
{
    spin_lock(&st->proc->lock);
    st->in_sigwait = false;
    (void)set_blocked_locked(st, st->real_blocked);
    spin_unlock(&st->proc->lock);
}

/* ---- Alternate stack. ---- */

bool sigaltstack_contains(const struct sigaltstack_state *ss, uint64_t sp)
{
    if (ss->flags & LINUX_SS_AUTODISARM)
        return false;
    return sp > ss->sp && sp - ss->sp <= ss->size;
}

bool sig_on_altstack(const struct sigthread *st, uint64_t sp)
{
    return sigaltstack_contains(&st->altstack, sp);
}

int sig_altstack_set(struct sigthread *st, const linux_stack_t *ss, linux_stack_t *old, uint64_t sp)
{
    struct sigaltstack_state *cur = &st->altstack;
    if (old) {
        memset(old, 0, sizeof(*old));
        old->ss_sp = cur->sp;
        old->ss_size = cur->size;
        old->ss_flags = (int32_t)((!cur->size                ? LINUX_SS_DISABLE
                                   : sig_on_altstack(st, sp) ? LINUX_SS_ONSTACK
                                                             : 0) |
                                  (cur->flags & LINUX_SS_AUTODISARM));
    }
    if (!ss)
        return 0;
    if (sig_on_altstack(st, sp))
        return -EPERM;
    uint32_t flags = (uint32_t)ss->ss_flags;
    uint32_t mode = flags & ~LINUX_SS_AUTODISARM;
    if (mode != 0 && mode != LINUX_SS_DISABLE && mode != LINUX_SS_ONSTACK)
        return -EINVAL;
    if (mode == LINUX_SS_DISABLE) {
        cur->sp = 0;
        cur->size = 0;
    } else {
        if (ss->ss_size < LINUX_MINSIGSTKSZ)
            return -ENOMEM;
        cur->sp = ss->ss_sp;
        cur->size = ss->ss_size;
    }
    cur->flags = flags;
    return 0;
}

void sig_altstack_restore(struct sigthread *st, const linux_stack_t *ss, uint64_t sp)
{
    (void)sig_altstack_set(st, ss, NULL, sp);
}
