/*
 * Signal state (libos/signal/state.c): queueing and coalescing, real-time order and the
 * queue limit, blocked/unblocked delivery, SIGKILL/SIGSTOP, ignoring, thread choice,
 * default actions, sigprocmask, sigsuspend's saved mask, sigtimedwait, sigaltstack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include <libos/signal.h>

struct fixture {
    struct sigproc sp;
    struct sigthread t[3];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    sigproc_init(&f->sp);
    for (int i = 0; i < 3; i++) {
        sigthread_init(&f->t[i], NULL, false);
        sigthread_attach(&f->sp, &f->t[i]);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < 3; i++)
        sigthread_detach(&f->t[i]);
    sigproc_flush(&f->sp);
    /* Every queue entry is back in the pool. */
    size_t n = 0;
    struct list_node *pos;
    list_for_each(pos, &f->sp.free) n++;
    assert_int_equal(n, SIGQUEUE_MAX);
    free(f);
    return 0;
}

static void set_handler(struct sigproc *sp, int sig, uint64_t handler, uint64_t flags)
{
    struct linux_sigaction a = {handler, flags | LINUX_SA_RESTORER, 0x1000, {{0}}};
    assert_int_equal(sig_action_set(sp, sig, &a, NULL), 0);
}

static void block_all_but(struct fixture *f, int keep)
{
    for (int i = 0; i < 3; i++)
        if (i != keep)
            f->t[i].blocked = ~0ull & ~SIG_UNBLOCKABLE;
}

static int send_user(struct sigproc *sp, int sig, int pid, struct sig_send_result *out)
{
    linux_siginfo_t info;
    sig_info_user(&info, sig, LINUX_SI_USER, pid, 0);
    return sig_send_process(sp, &info, NULL, out);
}

static int send_queue(struct sigthread *st, int sig, int value, struct sig_send_result *out)
{
    linux_siginfo_t info;
    sig_info_user(&info, sig, LINUX_SI_QUEUE, 1, 0);
    info.fields.rt.value.sival_int = value;
    return sig_send_thread(st, &info, out);
}

static void test_standard_coalesce(void **state)
{
    struct fixture *f = *state;
    set_handler(&f->sp, LINUX_SIGUSR1, 0x400000, 0);
    struct sig_send_result out;
    assert_int_equal(send_user(&f->sp, LINUX_SIGUSR1, 7, &out), 0);
    assert_int_equal(send_user(&f->sp, LINUX_SIGUSR1, 8, &out), 0);
    linux_siginfo_t info;
    assert_int_equal(sig_dequeue(&f->t[0], ~0ull, &info), LINUX_SIGUSR1);
    assert_int_equal(info.fields.kill.pid, 7); /* the first instance's siginfo */
    assert_int_equal(sig_dequeue(&f->t[0], ~0ull, &info), 0);
}

static void test_rt_queue_in_order(void **state)
{
    struct fixture *f = *state;
    struct sig_send_result out;
    int rt = LINUX_SIGRTMIN + 2;
    set_handler(&f->sp, rt, 0x400000, LINUX_SA_SIGINFO);
    set_handler(&f->sp, LINUX_SIGRTMIN, 0x400000, LINUX_SA_SIGINFO);
    assert_int_equal(send_queue(&f->t[1], rt, 1, &out), 0);
    assert_int_equal(send_queue(&f->t[1], rt, 2, &out), 0);
    assert_int_equal(send_queue(&f->t[1], LINUX_SIGRTMIN, 3, &out), 0);
    assert_int_equal(send_queue(&f->t[1], rt, 4, &out), 0);
    int want_sig[] = {LINUX_SIGRTMIN, rt, rt, rt};
    int want_val[] = {3, 1, 2, 4};
    for (int i = 0; i < 4; i++) {
        linux_siginfo_t info;
        assert_int_equal(sig_dequeue(&f->t[1], ~0ull, &info), want_sig[i]);
        assert_int_equal(info.si_code, LINUX_SI_QUEUE);
        assert_int_equal(info.fields.rt.value.sival_int, want_val[i]);
    }
    linux_siginfo_t info;
    assert_int_equal(sig_dequeue(&f->t[1], ~0ull, &info), 0);
    assert_int_equal(f->t[1].pending.mask, 0);
}

static void test_rt_queue_limit(void **state)
{
    struct fixture *f = *state;
    struct sig_send_result out;
    int rt = LINUX_SIGRTMIN + 5;
    set_handler(&f->sp, rt, 0x400000, LINUX_SA_SIGINFO);
    for (int i = 0; i < SIGQUEUE_MAX; i++)
        assert_int_equal(send_queue(&f->t[0], rt, i, &out), 0);
    assert_int_equal(send_queue(&f->t[0], rt, 99, &out), -EAGAIN);
    /* kill() of a standard signal still works, its siginfo lost. */
    set_handler(&f->sp, LINUX_SIGUSR2, 0x400000, 0);
    assert_int_equal(send_user(&f->sp, LINUX_SIGUSR2, 55, &out), 0);
    linux_siginfo_t info;
    assert_int_equal(sig_dequeue(&f->t[0], SIG_BIT(LINUX_SIGUSR2), &info), LINUX_SIGUSR2);
    assert_int_equal(info.si_code, LINUX_SI_USER);
    assert_int_equal(info.fields.kill.pid, 0);
    /* Taking one frees room for one more. */
    assert_int_equal(sig_dequeue(&f->t[0], ~0ull, &info), rt);
    assert_int_equal(info.fields.rt.value.sival_int, 0);
    assert_int_equal(send_queue(&f->t[0], rt, 100, &out), 0);
    assert_int_equal(send_queue(&f->t[0], rt, 101, &out), -EAGAIN);
}

static void test_order_sync_first_then_lowest(void **state)
{
    struct fixture *f = *state;
    struct sig_send_result out;
    for (int sig = 1; sig <= LINUX_NSIG; sig++)
        if (!(SIG_BIT(sig) & SIG_UNBLOCKABLE))
            set_handler(&f->sp, sig, 0x400000, 0);
    f->t[0].blocked = ~SIG_UNBLOCKABLE;
    int sent[] = {LINUX_SIGRTMIN, LINUX_SIGTERM, LINUX_SIGSEGV, LINUX_SIGHUP, LINUX_SIGSYS};
    for (unsigned i = 0; i < 5; i++) {
        linux_siginfo_t info;
        sig_info_user(&info, sent[i], LINUX_SI_USER, 1, 0);
        assert_int_equal(sig_send_thread(&f->t[0], &info, &out), 0);
        assert_null(out.wake); /* blocked */
    }
    int want[] = {LINUX_SIGSEGV, LINUX_SIGSYS, LINUX_SIGHUP, LINUX_SIGTERM, LINUX_SIGRTMIN};
    for (unsigned i = 0; i < 5; i++) {
        linux_siginfo_t info;
        assert_int_equal(sig_dequeue(&f->t[0], ~0ull, &info), want[i]);
    }
}

static void test_blocked_stays_pending(void **state)
{
    struct fixture *f = *state;
    set_handler(&f->sp, LINUX_SIGUSR1, 0x400000, 0);
    struct sigthread *t = &f->t[0];
    block_all_but(f, -1);
    struct sig_send_result out;
    linux_siginfo_t info;
    sig_info_user(&info, LINUX_SIGUSR1, LINUX_SI_TKILL, 1, 0);
    assert_int_equal(sig_send_thread(t, &info, &out), 0);
    assert_null(out.wake);
    assert_false(sig_has_deliverable(t));
    assert_int_equal(sig_pending_set(t), SIG_BIT(LINUX_SIGUSR1));
    struct sig_delivery_info d;
    assert_int_equal(sig_get_delivery(t, &d), SIG_DELIVER_NONE);
    uint64_t set = SIG_BIT(LINUX_SIGUSR1), old;
    assert_int_equal(sig_procmask(t, LINUX_SIG_UNBLOCK, &set, &old, NULL), 0);
    assert_true(old & SIG_BIT(LINUX_SIGUSR1));
    assert_true(sig_has_deliverable(t));
    assert_int_equal(sig_pending_set(t), 0);
    assert_int_equal(sig_get_delivery(t, &d), SIG_DELIVER_HANDLER);
    assert_int_equal(d.sig, LINUX_SIGUSR1);
    assert_int_equal(d.info.si_code, LINUX_SI_TKILL);
    assert_int_equal(d.action.sa_handler, 0x400000);
}

static void test_kill_stop_unblockable(void **state)
{
    struct fixture *f = *state;
    struct sigthread *t = &f->t[0];
    uint64_t all = ~0ull, now;
    assert_int_equal(sig_procmask(t, LINUX_SIG_SETMASK, &all, NULL, NULL), 0);
    assert_int_equal(sig_procmask(t, LINUX_SIG_BLOCK, NULL, &now, NULL), 0);
    assert_int_equal(now, ~SIG_UNBLOCKABLE);
    struct linux_sigaction ign = {LINUX_SIG_IGN, 0, 0, {{0}}}, old;
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGKILL, &ign, NULL), -EINVAL);
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGSTOP, &ign, NULL), -EINVAL);
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGKILL, NULL, &old), 0);
    assert_int_equal(old.sa_handler, LINUX_SIG_DFL);
    /* sa_mask never carries them either. */
    struct linux_sigaction a = {0x400000, LINUX_SA_RESTORER, 0x1000, {{~0ull}}};
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGUSR1, &a, NULL), 0);
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGUSR1, NULL, &old), 0);
    assert_int_equal(old.sa_mask.sig[0], ~SIG_UNBLOCKABLE);
    /* SIGKILL reaches a thread that blocks everything, and is fatal. */
    block_all_but(f, -1);
    struct sig_send_result out;
    assert_int_equal(send_user(&f->sp, LINUX_SIGKILL, 1, &out), 0);
    assert_ptr_equal(out.wake, t);
    assert_true(out.fatal);
    assert_true(out.resume);
    struct sig_delivery_info d;
    assert_int_equal(sig_get_delivery(t, &d), SIG_DELIVER_FATAL);
    assert_int_equal(d.exit_status, LINUX_SIGKILL);
    assert_int_equal(send_user(&f->sp, LINUX_SIGSTOP, 1, &out), 0);
    assert_false(out.fatal);
    assert_int_equal(sig_get_delivery(&f->t[2], &d), SIG_DELIVER_STOP);
    assert_int_equal(d.sig, LINUX_SIGSTOP);
}

/* init (unkillable) discards what it leaves at SIG_DFL, SIGKILL included; handled
 * signals still arrive, and a forced fault signal still does. */
static void test_unkillable_init(void **state)
{
    struct fixture *f = *state;
    f->sp.unkillable = true;
    struct sig_send_result out;
    static const int sigs[] = {LINUX_SIGKILL, LINUX_SIGSTOP, LINUX_SIGTERM, LINUX_SIGUSR2,
                               LINUX_SIGHUP};
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        assert_int_equal(send_user(&f->sp, sigs[i], 1, &out), 0);
        assert_true(out.discarded);
        assert_false(out.fatal);
    }
    for (int i = 0; i < 3; i++)
        assert_false(sig_has_deliverable(&f->t[i]));
    set_handler(&f->sp, LINUX_SIGUSR2, 0x400000, 0);
    assert_int_equal(send_user(&f->sp, LINUX_SIGUSR2, 1, &out), 0);
    assert_false(out.discarded);
    assert_true(sig_has_deliverable(out.wake));
    linux_siginfo_t info;
    sig_info_fault(&info, LINUX_SIGSEGV, 1, 0x10);
    sig_force_thread(&f->t[1], &info);
    struct sig_delivery_info d;
    assert_int_equal(sig_get_delivery(&f->t[1], &d), SIG_DELIVER_FATAL);
}

static void test_ignore_discards_pending(void **state)
{
    struct fixture *f = *state;
    set_handler(&f->sp, LINUX_SIGUSR1, 0x400000, 0);
    block_all_but(f, -1);
    struct sig_send_result out;
    assert_int_equal(send_user(&f->sp, LINUX_SIGUSR1, 1, &out), 0);
    linux_siginfo_t info;
    sig_info_user(&info, LINUX_SIGUSR1, LINUX_SI_TKILL, 1, 0);
    assert_int_equal(sig_send_thread(&f->t[2], &info, &out), 0);
    assert_int_equal(sig_pending_set(&f->t[2]), SIG_BIT(LINUX_SIGUSR1));
    struct linux_sigaction ign = {LINUX_SIG_IGN, 0, 0, {{0}}};
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGUSR1, &ign, NULL), 0);
    assert_int_equal(sig_pending_set(&f->t[2]), 0);
    assert_int_equal(f->sp.shared.mask, 0);
    /* And an ignored, unblocked signal is dropped when generated. */
    f->t[0].blocked = 0;
    assert_int_equal(send_user(&f->sp, LINUX_SIGUSR1, 1, &out), 0);
    assert_true(out.discarded);
    assert_int_equal(f->sp.shared.mask, 0);
    /* Default-ignore signals likewise (SIGCHLD, SIGWINCH, SIGURG). */
    assert_int_equal(send_user(&f->sp, LINUX_SIGCHLD, 1, &out), 0);
    assert_true(out.discarded);
}

static void test_ignored_while_blocked_skipped(void **state)
{
    struct fixture *f = *state;
    struct sigthread *t = &f->t[0];
    uint64_t set = SIG_BIT(LINUX_SIGCHLD);
    assert_int_equal(sig_procmask(t, LINUX_SIG_BLOCK, &set, NULL, NULL), 0);
    linux_siginfo_t info;
    sig_info_user(&info, LINUX_SIGCHLD, LINUX_SI_USER, 1, 0);
    struct sig_send_result out;
    assert_int_equal(sig_send_thread(t, &info, &out), 0);
    assert_false(out.discarded); /* blocked: kept (it may get a handler) */
    assert_int_equal(sig_procmask(t, LINUX_SIG_UNBLOCK, &set, NULL, NULL), 0);
    struct sig_delivery_info d;
    assert_int_equal(sig_get_delivery(t, &d), SIG_DELIVER_NONE); /* consumed and ignored */
    assert_int_equal(t->pending.mask, 0);
}

static void test_thread_choice(void **state)
{
    struct fixture *f = *state;
    set_handler(&f->sp, LINUX_SIGUSR1, 0x400000, 0);
    block_all_but(f, 2);
    struct sig_send_result out;
    assert_int_equal(send_user(&f->sp, LINUX_SIGUSR1, 1, &out), 0);
    assert_ptr_equal(out.wake, &f->t[2]);
    assert_false(out.fatal);
    /* The blocking threads do not take it; t[2] does. */
    struct sig_delivery_info d;
    assert_int_equal(sig_get_delivery(&f->t[0], &d), SIG_DELIVER_NONE);
    assert_int_equal(sig_get_delivery(&f->t[2], &d), SIG_DELIVER_HANDLER);
    /* A hint that does not block it is preferred. */
    f->t[1].blocked = 0;
    linux_siginfo_t info;
    sig_info_user(&info, LINUX_SIGUSR1, LINUX_SI_USER, 1, 0);
    assert_int_equal(sig_send_process(&f->sp, &info, &f->t[1], &out), 0);
    assert_ptr_equal(out.wake, &f->t[1]);
    /* Nobody takes it: no wake, still pending; unblocking offers it. */
    block_all_but(f, -1);
    assert_int_equal(sig_dequeue(&f->t[1], ~0ull, &info), LINUX_SIGUSR1);
    assert_int_equal(send_user(&f->sp, LINUX_SIGUSR1, 1, &out), 0);
    assert_null(out.wake);
    assert_int_equal(f->sp.shared.mask, SIG_BIT(LINUX_SIGUSR1));
    /* A thread that now blocks a shared pending signal hands it to another one. */
    f->t[0].blocked = 0;
    struct sigthread *wake;
    uint64_t set = SIG_BIT(LINUX_SIGUSR1);
    f->t[1].blocked = 0;
    assert_int_equal(sig_procmask(&f->t[0], LINUX_SIG_BLOCK, &set, NULL, &wake), 0);
    assert_ptr_equal(wake, &f->t[1]);
}

static void test_thread_directed_stays_with_thread(void **state)
{
    struct fixture *f = *state;
    set_handler(&f->sp, LINUX_SIGUSR2, 0x400000, 0);
    linux_siginfo_t info;
    sig_info_user(&info, LINUX_SIGUSR2, LINUX_SI_TKILL, 1, 0);
    struct sig_send_result out;
    assert_int_equal(sig_send_thread(&f->t[1], &info, &out), 0);
    assert_ptr_equal(out.wake, &f->t[1]);
    assert_false(sig_has_deliverable(&f->t[0]));
    assert_true(sig_has_deliverable(&f->t[1]));
    /* Thread-directed before shared. */
    assert_int_equal(send_user(&f->sp, LINUX_SIGHUP, 1, &out), 0);
    assert_true(out.fatal); /* SIGHUP's default terminates */
    assert_int_equal(sig_dequeue(&f->t[1], ~0ull, &info), LINUX_SIGUSR2);
    assert_int_equal(sig_dequeue(&f->t[1], ~0ull, &info), LINUX_SIGHUP);
}

static void test_default_actions(void **state)
{
    (void)state;
    assert_int_equal(sig_default_action(LINUX_SIGHUP), SIG_DFL_TERM);
    assert_int_equal(sig_default_action(LINUX_SIGKILL), SIG_DFL_TERM);
    assert_int_equal(sig_default_action(LINUX_SIGPIPE), SIG_DFL_TERM);
    assert_int_equal(sig_default_action(LINUX_SIGSTKFLT), SIG_DFL_TERM);
    assert_int_equal(sig_default_action(LINUX_SIGRTMAX), SIG_DFL_TERM);
    int core[] = {LINUX_SIGQUIT, LINUX_SIGILL,  LINUX_SIGTRAP, LINUX_SIGABRT, LINUX_SIGBUS,
                  LINUX_SIGFPE,  LINUX_SIGSEGV, LINUX_SIGXCPU, LINUX_SIGXFSZ, LINUX_SIGSYS};
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(sig_default_action(core[i]), SIG_DFL_CORE);
    assert_int_equal(sig_default_action(LINUX_SIGSTOP), SIG_DFL_STOP);
    assert_int_equal(sig_default_action(LINUX_SIGTSTP), SIG_DFL_STOP);
    assert_int_equal(sig_default_action(LINUX_SIGTTIN), SIG_DFL_STOP);
    assert_int_equal(sig_default_action(LINUX_SIGTTOU), SIG_DFL_STOP);
    assert_int_equal(sig_default_action(LINUX_SIGCONT), SIG_DFL_CONT);
    assert_int_equal(sig_default_action(LINUX_SIGCHLD), SIG_DFL_IGN);
    assert_int_equal(sig_default_action(LINUX_SIGURG), SIG_DFL_IGN);
    assert_int_equal(sig_default_action(LINUX_SIGWINCH), SIG_DFL_IGN);
}

static void test_fatal_default_status(void **state)
{
    struct fixture *f = *state;
    struct sig_send_result out;
    assert_int_equal(send_user(&f->sp, LINUX_SIGSEGV, 1, &out), 0);
    assert_true(out.fatal);
    struct sig_delivery_info d;
    assert_int_equal(sig_get_delivery(&f->t[0], &d), SIG_DELIVER_FATAL);
    assert_int_equal(d.exit_status, LINUX_SIGSEGV | 0x80);
}

static void test_cont_and_stop_cancel(void **state)
{
    struct fixture *f = *state;
    block_all_but(f, -1);
    f->t[0].blocked = ~SIG_UNBLOCKABLE;
    struct sig_send_result out;
    assert_int_equal(send_user(&f->sp, LINUX_SIGTSTP, 1, &out), 0);
    assert_true(f->sp.shared.mask & SIG_BIT(LINUX_SIGTSTP));
    assert_int_equal(send_user(&f->sp, LINUX_SIGCONT, 1, &out), 0);
    assert_true(out.resume);
    assert_false(f->sp.shared.mask & SIG_BIT(LINUX_SIGTSTP));
    assert_true(f->sp.shared.mask & SIG_BIT(LINUX_SIGCONT));
    assert_int_equal(send_user(&f->sp, LINUX_SIGTTIN, 1, &out), 0);
    assert_false(f->sp.shared.mask & SIG_BIT(LINUX_SIGCONT));
}

static void test_resethand_nodefer_mask(void **state)
{
    struct fixture *f = *state;
    struct sigthread *t = &f->t[0];
    struct linux_sigaction a = {
        0x400000, LINUX_SA_RESTORER | LINUX_SA_RESETHAND, 0x1000, {{SIG_BIT(LINUX_SIGUSR2)}}};
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGUSR1, &a, NULL), 0);
    struct sig_send_result out;
    linux_siginfo_t info;
    sig_info_user(&info, LINUX_SIGUSR1, LINUX_SI_TKILL, 1, 0);
    assert_int_equal(sig_send_thread(t, &info, &out), 0);
    struct sig_delivery_info d;
    assert_int_equal(sig_get_delivery(t, &d), SIG_DELIVER_HANDLER);
    sig_delivered(t, &d);
    assert_int_equal(t->blocked, SIG_BIT(LINUX_SIGUSR1) | SIG_BIT(LINUX_SIGUSR2));
    struct linux_sigaction now;
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGUSR1, NULL, &now), 0);
    assert_int_equal(now.sa_handler, LINUX_SIG_DFL);
    /* SA_NODEFER: the signal itself stays unblocked. */
    t->blocked = 0;
    a.sa_flags = LINUX_SA_RESTORER | LINUX_SA_NODEFER;
    a.sa_mask.sig[0] = 0;
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGUSR1, &a, NULL), 0);
    assert_int_equal(sig_send_thread(t, &info, &out), 0);
    assert_int_equal(sig_get_delivery(t, &d), SIG_DELIVER_HANDLER);
    sig_delivered(t, &d);
    assert_int_equal(t->blocked, 0);
}

static void test_unknown_flags_cleared(void **state)
{
    struct fixture *f = *state;
    struct linux_sigaction a = {0x400000,
                                LINUX_SA_SIGINFO | LINUX_SA_UNSUPPORTED | 0x200,
                                0,
                                {{0}}},
                           old;
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGUSR1, &a, NULL), 0);
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGUSR1, NULL, &old), 0);
    assert_int_equal(old.sa_flags, LINUX_SA_SIGINFO);
    assert_int_equal(sig_action_set(&f->sp, 0, NULL, &old), -EINVAL);
    assert_int_equal(sig_action_set(&f->sp, 65, NULL, &old), -EINVAL);
}

static void test_procmask_how(void **state)
{
    struct fixture *f = *state;
    struct sigthread *t = &f->t[0];
    uint64_t a = SIG_BIT(1) | SIG_BIT(2), b = SIG_BIT(2) | SIG_BIT(3), old;
    assert_int_equal(sig_procmask(t, LINUX_SIG_BLOCK, &a, &old, NULL), 0);
    assert_int_equal(old, 0);
    assert_int_equal(sig_procmask(t, LINUX_SIG_BLOCK, &b, NULL, NULL), 0);
    assert_int_equal(t->blocked, SIG_BIT(1) | SIG_BIT(2) | SIG_BIT(3));
    assert_int_equal(sig_procmask(t, LINUX_SIG_UNBLOCK, &a, NULL, NULL), 0);
    assert_int_equal(t->blocked, SIG_BIT(3));
    assert_int_equal(sig_procmask(t, LINUX_SIG_SETMASK, &a, &old, NULL), 0);
    assert_int_equal(old, SIG_BIT(3));
    assert_int_equal(t->blocked, a);
    assert_int_equal(sig_procmask(t, 3, &a, NULL, NULL), -EINVAL);
    assert_int_equal(sig_procmask(t, 3, NULL, &old, NULL), 0); /* how ignored without set */
}

static void test_suspend_saved_mask(void **state)
{
    struct fixture *f = *state;
    struct sigthread *t = &f->t[0];
    set_handler(&f->sp, LINUX_SIGUSR1, 0x400000, 0);
    t->blocked = SIG_BIT(LINUX_SIGUSR1) | SIG_BIT(LINUX_SIGHUP);
    sig_suspend_begin(t, SIG_BIT(LINUX_SIGHUP));
    assert_int_equal(t->blocked, SIG_BIT(LINUX_SIGHUP));
    assert_int_equal(sig_mask_to_save(t), SIG_BIT(LINUX_SIGUSR1) | SIG_BIT(LINUX_SIGHUP));
    struct sig_send_result out;
    linux_siginfo_t info;
    sig_info_user(&info, LINUX_SIGUSR1, LINUX_SI_TKILL, 1, 0);
    assert_int_equal(sig_send_thread(t, &info, &out), 0);
    assert_ptr_equal(out.wake, t);
    struct sig_delivery_info d;
    assert_int_equal(sig_get_delivery(t, &d), SIG_DELIVER_HANDLER);
    /* The frame saves the pre-suspend mask; after delivery it is no longer restored. */
    sig_delivered(t, &d);
    assert_false(t->restore_saved);
    assert_int_equal(t->blocked, SIG_BIT(LINUX_SIGUSR1) | SIG_BIT(LINUX_SIGHUP));
    /* Without a handler the saved mask comes back. */
    sig_suspend_begin(t, 0);
    sig_restore_saved_mask(t);
    assert_int_equal(t->blocked, SIG_BIT(LINUX_SIGUSR1) | SIG_BIT(LINUX_SIGHUP));
}

static void test_sigtimedwait(void **state)
{
    struct fixture *f = *state;
    struct sigthread *t = &f->t[1];
    block_all_but(f, -1);
    uint64_t set = SIG_BIT(LINUX_SIGUSR1) | SIG_BIT(LINUX_SIGRTMIN);
    uint64_t before = t->blocked;
    sig_wait_begin(t, set);
    /* The waiter is the only thread taking it: chosen, woken, not fatal. */
    struct sig_send_result out;
    assert_int_equal(send_user(&f->sp, LINUX_SIGUSR1, 4, &out), 0);
    assert_ptr_equal(out.wake, t);
    assert_false(out.fatal);
    sig_wait_end(t);
    assert_int_equal(t->blocked, before);
    linux_siginfo_t info;
    assert_int_equal(sig_dequeue(t, SIG_BIT(LINUX_SIGHUP), &info), 0);
    assert_int_equal(sig_dequeue(t, set, &info), LINUX_SIGUSR1);
    assert_int_equal(info.fields.kill.pid, 4);
}

static void test_force_unblocks_and_unignores(void **state)
{
    struct fixture *f = *state;
    struct sigthread *t = &f->t[0];
    struct linux_sigaction ign = {LINUX_SIG_IGN, 0, 0, {{0}}}, now;
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGSEGV, &ign, NULL), 0);
    t->blocked = SIG_BIT(LINUX_SIGSEGV);
    linux_siginfo_t info;
    sig_info_fault(&info, LINUX_SIGSEGV, LINUX_SEGV_MAPERR, 0xdead000);
    sig_force_thread(t, &info);
    assert_int_equal(t->blocked, 0);
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGSEGV, NULL, &now), 0);
    assert_int_equal(now.sa_handler, LINUX_SIG_DFL);
    struct sig_delivery_info d;
    assert_int_equal(sig_get_delivery(t, &d), SIG_DELIVER_FATAL);
    assert_int_equal(d.info.fields.sigfault.addr, 0xdead000);
    assert_int_equal(d.info.si_code, LINUX_SEGV_MAPERR);
}

static void test_exec_reset(void **state)
{
    struct fixture *f = *state;
    set_handler(&f->sp, LINUX_SIGUSR1, 0x400000, LINUX_SA_SIGINFO);
    struct linux_sigaction ign = {LINUX_SIG_IGN, 0, 0, {{0}}}, now;
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGPIPE, &ign, NULL), 0);
    sigproc_exec_reset(&f->sp);
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGUSR1, NULL, &now), 0);
    assert_int_equal(now.sa_handler, LINUX_SIG_DFL);
    assert_int_equal(now.sa_flags, 0);
    assert_int_equal(sig_action_set(&f->sp, LINUX_SIGPIPE, NULL, &now), 0);
    assert_int_equal(now.sa_handler, LINUX_SIG_IGN);
}

static void test_altstack(void **state)
{
    struct fixture *f = *state;
    struct sigthread *t = &f->t[0];
    linux_stack_t old, ss = {0x10000, 0, 0, 0x4000};
    assert_int_equal(sig_altstack_set(t, NULL, &old, 0x7ff0), 0);
    assert_int_equal(old.ss_flags, LINUX_SS_DISABLE);
    assert_int_equal(sig_altstack_set(t, &ss, NULL, 0x7ff0), 0);
    assert_int_equal(sig_altstack_set(t, NULL, &old, 0x7ff0), 0);
    assert_int_equal(old.ss_flags, 0);
    assert_int_equal(old.ss_sp, 0x10000);
    assert_int_equal(old.ss_size, 0x4000);
    /* On it: reported, and it cannot be changed. (base, base + size] counts. */
    assert_false(sig_on_altstack(t, 0x10000));
    assert_true(sig_on_altstack(t, 0x14000));
    assert_int_equal(sig_altstack_set(t, NULL, &old, 0x12000), 0);
    assert_int_equal(old.ss_flags, LINUX_SS_ONSTACK);
    assert_int_equal(sig_altstack_set(t, &ss, NULL, 0x12000), -EPERM);
    linux_stack_t small = {0x10000, 0, 0, LINUX_MINSIGSTKSZ - 1};
    assert_int_equal(sig_altstack_set(t, &small, NULL, 0x7ff0), -ENOMEM);
    linux_stack_t bad = {0x10000, 5, 0, 0x4000};
    assert_int_equal(sig_altstack_set(t, &bad, NULL, 0x7ff0), -EINVAL);
    /* SS_AUTODISARM: reported in flags; delivery disarms it. */
    linux_stack_t ad = {0x10000, (int32_t)LINUX_SS_AUTODISARM, 0, 0x4000};
    assert_int_equal(sig_altstack_set(t, &ad, NULL, 0x7ff0), 0);
    assert_int_equal(sig_altstack_set(t, NULL, &old, 0x12000), 0);
    assert_int_equal((uint32_t)old.ss_flags, LINUX_SS_AUTODISARM);
    struct sig_delivery_info d = {0};
    d.sig = LINUX_SIGUSR1;
    sig_delivered(t, &d);
    assert_int_equal(t->altstack.flags, LINUX_SS_DISABLE);
    assert_int_equal(t->altstack.size, 0);
    /* rt_sigreturn puts it back. */
    sig_altstack_restore(t, &ad, 0x7ff0);
    assert_int_equal(t->altstack.flags, LINUX_SS_AUTODISARM);
    assert_int_equal(t->altstack.sp, 0x10000);
    linux_stack_t dis = {0x10000, LINUX_SS_DISABLE, 0, 0x4000};
    assert_int_equal(sig_altstack_set(t, &dis, NULL, 0x7ff0), 0);
    assert_int_equal(t->altstack.size, 0);
}

static void test_thread_inherit(void **state)
{
    struct fixture *f = *state;
    f->t[0].blocked = SIG_BIT(LINUX_SIGINT);
    f->t[0].altstack = (struct sigaltstack_state){0x10000, 0x4000, 0};
    struct sigthread child;
    sigthread_init(&child, &f->t[0], false);
    assert_int_equal(child.blocked, SIG_BIT(LINUX_SIGINT));
    assert_int_equal(child.altstack.flags, LINUX_SS_DISABLE);
    sigthread_init(&child, &f->t[0], true);
    assert_int_equal(child.altstack.sp, 0x10000);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_standard_coalesce),
        T(test_rt_queue_in_order),
        T(test_rt_queue_limit),
        T(test_order_sync_first_then_lowest),
        T(test_blocked_stays_pending),
        T(test_kill_stop_unblockable),
        T(test_unkillable_init),
        T(test_ignore_discards_pending),
        T(test_ignored_while_blocked_skipped),
        T(test_thread_choice),
        T(test_thread_directed_stays_with_thread),
        T(test_default_actions),
        T(test_fatal_default_status),
        T(test_cont_and_stop_cancel),
        T(test_resethand_nodefer_mask),
        T(test_unknown_flags_cleared),
        T(test_procmask_how),
        T(test_suspend_saved_mask),
        T(test_sigtimedwait),
        T(test_force_unblocks_and_unignores),
        T(test_exec_reset),
        T(test_altstack),
        T(test_thread_inherit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
