/* signal/: dispositions, siginfo, masks and pending sets, restart semantics, alternate
 * stacks, synchronous faults, timers, real-time queueing, waiting for signals, and the
 * register state saved and restored around a handler. */
#define _GNU_SOURCE
#include "ut.h"

#include <setjmp.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static volatile int last_sig;

static void count(int sig)
{
    hits++;
    last_sig = sig;
}

static bool blocked(int sig)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

static volatile int in_handler_usr1_blocked, in_handler_usr2_blocked;

static void probe_mask(int sig)
{
    hits++;
    last_sig = sig;
    in_handler_usr1_blocked = blocked(SIGUSR1);
    in_handler_usr2_blocked = blocked(SIGUSR2);
}

static void handler_runs(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = probe_mask;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
    CHECK_SYS(sigaction(SIGUSR1, NULL, &old));
    CHECK(old.sa_handler == probe_mask);
    CHECK(sigismember(&old.sa_mask, SIGUSR2));
    CHECK_SYS(raise(SIGUSR1)); /* delivered before raise returns */
    CHECK_EQ(hits, 1);
    CHECK_EQ(last_sig, SIGUSR1);
    CHECK_EQ(in_handler_usr1_blocked, 1); /* no SA_NODEFER: the signal itself is blocked */
    CHECK_EQ(in_handler_usr2_blocked, 1); /* sa_mask */
    CHECK(!blocked(SIGUSR1));             /* both restored on return */
    CHECK(!blocked(SIGUSR2));

    sa.sa_flags = SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
    CHECK_SYS(raise(SIGUSR1));
    CHECK_EQ(hits, 2);
    CHECK_EQ(in_handler_usr1_blocked, 0);
    CHECK_EQ(in_handler_usr2_blocked, 0);
}

/* volatile: the handler runs inside calls the compiler believes cannot write it. */
static volatile siginfo_t got_info;
static volatile int info_hits;

static void save_info(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    memcpy((void *)&got_info, si, sizeof(*si));
    info_hits++;
}

static void siginfo_fields(void)
{
    ut_handle_info(SIGUSR1, save_info, 0);
    CHECK_SYS(kill(getpid(), SIGUSR1));
    CHECK_EQ(info_hits, 1);
    CHECK_EQ(got_info.si_signo, SIGUSR1);
    CHECK_EQ(got_info.si_code, SI_USER);
    CHECK_EQ(got_info.si_pid, getpid());
    CHECK_EQ(got_info.si_uid, getuid());

    union sigval v = {.sival_int = 0x5eed};
    CHECK_SYS(sigqueue(getpid(), SIGUSR1, v));
    CHECK_EQ(info_hits, 2);
    CHECK_EQ(got_info.si_code, SI_QUEUE);
    CHECK_EQ(got_info.si_value.sival_int, 0x5eed);
    CHECK_EQ(got_info.si_pid, getpid());

    CHECK_SYS(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
    CHECK_EQ(info_hits, 3);
    CHECK_EQ(got_info.si_code, SI_TKILL);
    CHECK_EQ(got_info.si_pid, getpid());

    /* From another process: si_pid names the sender. */
    pid_t me = getpid();
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t pid = ut_fork();
    if (pid == 0)
        _exit(kill(me, SIGUSR1) == 0 ? 0 : 1);
    ut_wait_exit(pid, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    CHECK_EQ(info_hits, 4);
    CHECK_EQ(got_info.si_pid, pid);
    CHECK_EQ(got_info.si_code, SI_USER);
}

static void mask_and_pending(void)
{
    ut_handle(SIGUSR1, count, 0);
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_SYS(sigprocmask(SIG_BLOCK, &set, NULL));
    CHECK(blocked(SIGUSR1));
    CHECK_SYS(raise(SIGUSR1));
    CHECK_SYS(raise(SIGUSR1)); /* a standard signal does not queue twice */
    CHECK_EQ(hits, 0);
    CHECK_SYS(sigpending(&pending));
    CHECK(sigismember(&pending, SIGUSR1));
    CHECK(!sigismember(&pending, SIGUSR2));
    CHECK_SYS(sigprocmask(SIG_UNBLOCK, &set, NULL)); /* delivered before this returns */
    CHECK_EQ(hits, 1);
    CHECK_SYS(sigpending(&pending));
    CHECK(!sigismember(&pending, SIGUSR1));

    /* SIGKILL and SIGSTOP cannot be blocked: the kernel silently drops them from masks. */
    sigfillset(&set);
    CHECK_SYS(sigprocmask(SIG_SETMASK, &set, NULL));
    CHECK(!blocked(SIGKILL));
    CHECK(!blocked(SIGSTOP));
    CHECK(blocked(SIGTERM));
    sigemptyset(&set);
    CHECK_SYS(sigprocmask(SIG_SETMASK, &set, NULL));
    CHECK_ERR(sigprocmask(12345, &set, NULL), EINVAL);
}

static void kill_errors(void)
{
    CHECK_SYS(kill(getpid(), 0)); /* existence check */
    CHECK_ERR(kill(0x3ffffff0, 0), ESRCH);
    CHECK_ERR(kill(getpid(), 1000), EINVAL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = count;
    CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
    CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
    CHECK_ERR(sigaction(0, &sa, NULL), EINVAL);
    CHECK_ERR(sigaction(_NSIG + 1, &sa, NULL), EINVAL);
}

static void usr1_exit(int sig)
{
    _exit(sig + 100);
}

static void kill_child(void)
{
    int ready[2];
    CHECK_SYS(pipe(ready));
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_handle(SIGUSR1, usr1_exit, 0);
        ut_write_all(ready[1], "r", 1);
        for (;;)
            pause();
    }
    char c;
    ut_read_all(ready[0], &c, 1);
    CHECK_SYS(kill(pid, SIGUSR1));
    ut_wait_exit(pid, SIGUSR1 + 100); /* the child's handler ran */

    /* Default action of SIGTERM terminates. */
    pid = ut_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK_SYS(kill(pid, SIGTERM));
    int st = ut_wait(pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGTERM);
}

static void sigchld_on_exit(void)
{
    ut_handle_info(SIGCHLD, save_info, 0);
    sigset_t block, empty;
    sigemptyset(&block);
    sigemptyset(&empty);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, NULL);
    pid_t pid = ut_fork();
    if (pid == 0)
        _exit(7);
    int64_t deadline = ut_now_ns() + 5000000000LL;
    while (info_hits == 0 && ut_now_ns() < deadline)
        sigsuspend(&empty);
    CHECK_EQ(info_hits, 1);
    CHECK_EQ(got_info.si_signo, SIGCHLD);
    CHECK_EQ(got_info.si_code, CLD_EXITED);
    CHECK_EQ(got_info.si_pid, pid);
    CHECK_EQ(got_info.si_status, 7);
    ut_wait_exit(pid, 7);
}

static void sigchld_ignored_autoreap(void)
{
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = ut_fork();
    if (pid == 0)
        _exit(0);
    int st;
    /* With SIGCHLD ignored, children are reaped on exit: wait blocks, then fails. */
    CHECK_ERR(waitpid(pid, &st, 0), ECHILD);
}

/* SA_NOCLDWAIT with a handler: children are reaped on exit (wait gives ECHILD once they
 * are gone), yet SIGCHLD is still delivered. */
static void sa_nocldwait_autoreap(void)
{
    if (ut_under_qemu_user())
        SKIP("qemu-user does not pass SA_NOCLDWAIT to the host kernel");
    ut_handle(SIGCHLD, count, SA_NOCLDWAIT);
    pid_t pid = ut_fork();
    if (pid == 0)
        _exit(3);
    int st;
    CHECK_ERR(waitpid(pid, &st, 0), ECHILD);
    int64_t deadline = ut_now_ns() + 5000000000LL;
    while (hits == 0 && ut_now_ns() < deadline)
        ut_sleep_ms(1);
    CHECK_EQ(hits, 1);
    CHECK_EQ(last_sig, SIGCHLD);
}

static void start_timer_ms(long ms)
{
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
}

static void stop_timer(void)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK_SYS(setitimer(ITIMER_REAL, &off, NULL));
}

static void eintr_without_restart(void)
{
    ut_handle(SIGALRM, count, 0);
    int p[2];
    CHECK_SYS(pipe(p));
    int64_t t0 = ut_now_ns();
    /* Periodic, so a signal lands while read is blocked even if the first one comes
     * before read starts (on a loaded machine). */
    struct itimerval it = {{0, 30000}, {0, 30000}};
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
    char c;
    CHECK_ERR(read(p[0], &c, 1), EINTR);
    stop_timer();
    CHECK_CMP(hits, >=, 1);
    CHECK_CMP(ut_now_ns() - t0, >=, 30000000);
}

static int restart_go = -1;

static void count_and_release_writer(int sig)
{
    count(sig);
    if (hits == 1) {
        ssize_t w = write(restart_go, "g", 1);
        (void)w;
    }
}

static void sa_restart_read(void)
{
    ut_handle(SIGALRM, count_and_release_writer, SA_RESTART);
    int p[2], go[2];
    CHECK_SYS(pipe(p));
    CHECK_SYS(pipe(go));
    restart_go = go[1];
    pid_t pid = ut_fork();
    if (pid == 0) {
        char g;
        ut_read_all(go[0], &g, 1); /* the parent's handler has run */
        ut_write_all(p[1], "x", 1);
        _exit(0);
    }
    start_timer_ms(30);
    char c = 0;
    /* Interrupted by SIGALRM, restarted after the handler, then completed by the writer
     * that the handler released: an EINTR here means SA_RESTART was ignored. */
    CHECK_EQ(SYS(read(p[0], &c, 1)), 1);
    CHECK_EQ(c, 'x');
    CHECK_EQ(hits, 1);
    ut_wait_exit(pid, 0);
}

static char *alt_base;
static size_t alt_size;
static volatile int on_alt, alt_flag_seen;

static void alt_handler(int sig)
{
    (void)sig;
    char local;
    on_alt = &local >= alt_base && &local < alt_base + alt_size;
    stack_t cur;
    sigaltstack(NULL, &cur);
    alt_flag_seen = (cur.ss_flags & SS_ONSTACK) != 0;
}

static void alt_overflow_handler(int sig)
{
    (void)sig;
    char local;
    _exit(&local >= alt_base && &local < alt_base + alt_size ? 0 : 3);
}

static volatile int stop_recursion;

static int recurse(volatile char *prev)
{
    volatile char frame[1024];
    if (stop_recursion)
        return 0;
    frame[0] = prev ? prev[0] + 1 : 0;
    return recurse(frame) + frame[1];
}

static void sigaltstack_use(void)
{
    alt_size = 64 * 1024;
    alt_base = malloc(alt_size);
    CHECK(alt_base != NULL);
    stack_t ss = {.ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0}, old;
    stack_t tiny = {.ss_sp = alt_base, .ss_size = 512, .ss_flags = 0};
    CHECK_ERR(sigaltstack(&tiny, NULL), ENOMEM);
    CHECK_SYS(sigaltstack(&ss, NULL));
    CHECK_SYS(sigaltstack(NULL, &old));
    CHECK(old.ss_sp == alt_base);
    CHECK_EQ(old.ss_size, alt_size);
    CHECK_EQ(old.ss_flags & SS_ONSTACK, 0);
    ut_handle(SIGUSR1, alt_handler, SA_ONSTACK);
    raise(SIGUSR1);
    CHECK_EQ(on_alt, 1);
    CHECK_EQ(alt_flag_seen, 1);
    ut_handle(SIGUSR1, alt_handler, 0); /* without SA_ONSTACK: the normal stack */
    raise(SIGUSR1);
    CHECK_EQ(on_alt, 0);

    /* A stack overflow can only be handled on the alternate stack. */
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_handle(SIGSEGV, alt_overflow_handler, SA_ONSTACK);
        recurse(NULL);
        _exit(4);
    }
    ut_wait_exit(pid, 0);
}

static volatile uintptr_t fault_addr;
static volatile int fault_code;

/* Record the fault and resume after the faulting instruction (a single 4-byte store),
 * which exercises sigreturn with a modified context. */
static void skip_fault(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    ucontext_t *uc = ucv;
    fault_addr = (uintptr_t)si->si_addr;
    fault_code = si->si_code;
    uc->uc_mcontext.pc += 4;
}

static void store32(uintptr_t addr, uint32_t v)
{
    __asm__ volatile("str %w1, [%0]" ::"r"(addr), "r"(v) : "memory");
}

static uint32_t load32(uintptr_t addr)
{
    uint32_t v = 0xdead;
    __asm__ volatile("ldr %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
    return v;
}

static void sigsegv_si_addr(void)
{
    ut_handle_info(SIGSEGV, skip_fault, 0);
    store32(0x10, 1);
    CHECK_EQ(fault_addr, 0x10);
    CHECK_EQ(fault_code, SEGV_MAPERR);
    fault_addr = 0;
    uint32_t v = load32(0x2468);
    CHECK_EQ(fault_addr, 0x2468);
    CHECK_EQ(v, 0xdead); /* the load was skipped, the register kept its value */

    /* Writing a read-only page: SEGV_ACCERR. */
    char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED);
    fault_addr = 0;
    store32((uintptr_t)page + 8, 1);
    CHECK_EQ(fault_addr, (uintptr_t)page + 8);
    CHECK_EQ(fault_code, SEGV_ACCERR);
    CHECK_EQ(page[8], 0);
}

static void setitimer_sigalrm(void)
{
    ut_handle(SIGALRM, count, 0);
    sigset_t block, empty;
    sigemptyset(&block);
    sigemptyset(&empty);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    int64_t t0 = ut_now_ns();
    start_timer_ms(50);
    while (hits == 0)
        sigsuspend(&empty);
    CHECK_CMP(ut_now_ns() - t0, >=, 50000000);
    struct itimerval cur;
    CHECK_SYS(getitimer(ITIMER_REAL, &cur));
    CHECK_EQ(cur.it_value.tv_sec + cur.it_value.tv_usec, 0); /* one-shot: disarmed */

    /* Periodic: 3 expirations of 10 ms. */
    hits = 0;
    struct itimerval it = {{0, 10000}, {0, 10000}};
    t0 = ut_now_ns();
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
    CHECK_SYS(getitimer(ITIMER_REAL, &cur));
    CHECK_EQ(cur.it_interval.tv_usec, 10000);
    while (hits < 3)
        sigsuspend(&empty);
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK_SYS(setitimer(ITIMER_REAL, &off, NULL));
    CHECK_CMP(ut_now_ns() - t0, >=, 30000000);

    /* alarm(): the previous alarm's remaining seconds are returned. */
    CHECK_EQ(alarm(100), 0);
    unsigned left = alarm(0);
    CHECK(left == 100 || left == 99);
}

static volatile struct {
    int sig, value;
} order[8];
static volatile int norder;

static void record_rt(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (norder < 8) {
        order[norder].sig = sig;
        order[norder].value = si->si_value.sival_int;
    }
    norder++;
}

static void rt_queue_order(void)
{
    int lo = SIGRTMIN, hi = SIGRTMIN + 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, lo);
    sigaddset(&set, hi);
    /* Each handler blocks both signals, so deliveries do not nest: handlers then run in
     * the order the kernel dequeues (with nesting, the last frame set up runs first). */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = record_rt;
    sa.sa_flags = SA_SIGINFO;
    sa.sa_mask = set;
    CHECK_SYS(sigaction(lo, &sa, NULL));
    CHECK_SYS(sigaction(hi, &sa, NULL));
    sigprocmask(SIG_BLOCK, &set, NULL);
    union sigval v;
    static const int sent[][2] = {{1, 100}, {0, 1}, {0, 2}, {1, 101}, {0, 3}};
    for (size_t i = 0; i < 5; i++) {
        v.sival_int = sent[i][1];
        CHECK_SYS(sigqueue(getpid(), sent[i][0] ? hi : lo, v));
    }
    sigset_t pending;
    sigpending(&pending);
    CHECK(sigismember(&pending, lo) && sigismember(&pending, hi));
    CHECK_EQ(norder, 0);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    /* Every instance is delivered: lowest signal number first, FIFO within a signal. */
    CHECK_EQ(norder, 5);
    static const int want[][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 100}, {1, 101}};
    for (int i = 0; i < 5; i++)
        if (order[i].sig != (want[i][0] ? hi : lo) || order[i].value != want[i][1])
            FAIL("delivery %d was signal %d value %d, expected %d value %d", i, order[i].sig,
                 order[i].value, want[i][0] ? hi : lo, want[i][1]);

    /* sigwaitinfo dequeues in the same order: lowest number first, FIFO within one. */
    sigprocmask(SIG_BLOCK, &set, NULL);
    for (size_t i = 0; i < 5; i++) {
        union sigval w = {.sival_int = sent[i][1]};
        CHECK_SYS(sigqueue(getpid(), sent[i][0] ? hi : lo, w));
    }
    for (int i = 0; i < 5; i++) {
        siginfo_t si;
        int sig = SYS(sigwaitinfo(&set, &si));
        if (sig != (want[i][0] ? hi : lo) || si.si_value.sival_int != want[i][1])
            FAIL("sigwaitinfo %d gave signal %d value %d", i, sig, si.si_value.sival_int);
    }
}

static void sigsuspend_wakes(void)
{
    ut_handle(SIGUSR1, count, 0);
    sigset_t block, empty, after;
    sigemptyset(&block);
    sigemptyset(&empty);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    pid_t me = getpid();
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_sleep_ms(20);
        _exit(kill(me, SIGUSR1) == 0 ? 0 : 1);
    }
    CHECK_ERR(sigsuspend(&empty), EINTR);
    CHECK_EQ(hits, 1);
    sigprocmask(SIG_BLOCK, NULL, &after);
    CHECK(sigismember(&after, SIGUSR1)); /* the original mask is back */
    ut_wait_exit(pid, 0);
}

static void sigtimedwait_cases(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct timespec ts = {0, 50000000};
    siginfo_t si;
    int64_t t0 = ut_now_ns();
    CHECK_ERR(sigtimedwait(&set, &si, &ts), EAGAIN);
    CHECK_CMP(ut_now_ns() - t0, >=, 50000000);

    union sigval v = {.sival_int = 99};
    CHECK_SYS(sigqueue(getpid(), SIGUSR2, v));
    memset(&si, 0, sizeof(si));
    CHECK_EQ(SYS(sigtimedwait(&set, &si, &ts)), SIGUSR2);
    CHECK_EQ(si.si_signo, SIGUSR2);
    CHECK_EQ(si.si_code, SI_QUEUE);
    CHECK_EQ(si.si_value.sival_int, 99);
    CHECK_EQ(si.si_pid, getpid());
    sigset_t pending;
    sigpending(&pending);
    CHECK(!sigismember(&pending, SIGUSR2)); /* consumed */

    raise(SIGUSR2);
    CHECK_EQ(SYS(sigwaitinfo(&set, &si)), SIGUSR2);
    int sig = 0;
    raise(SIGUSR2);
    CHECK_EQ(sigwait(&set, &sig), 0);
    CHECK_EQ(sig, SIGUSR2);
}

static volatile int ucontext_hits;

static void block_usr2_on_return(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ucv;
    ucontext_hits++;
    sigaddset(&uc->uc_sigmask, SIGUSR2); /* sigreturn installs this mask */
}

static void sigreturn_restores_mask(void)
{
    ut_handle_info(SIGUSR1, block_usr2_on_return, 0);
    CHECK(!blocked(SIGUSR2));
    raise(SIGUSR1);
    CHECK_EQ(ucontext_hits, 1);
    CHECK(blocked(SIGUSR2));
    CHECK(!blocked(SIGUSR1));
}

static void resethand(void)
{
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_handle(SIGUSR1, count, SA_RESETHAND);
        raise(SIGUSR1);
        if (hits != 1)
            _exit(1);
        struct sigaction sa;
        sigaction(SIGUSR1, NULL, &sa);
        if (sa.sa_handler != SIG_DFL)
            _exit(2);
        raise(SIGUSR1); /* default action now: terminate */
        _exit(3);
    }
    int st = ut_wait(pid);
    if (!WIFSIGNALED(st))
        FAIL("child exited with %d", WEXITSTATUS(st));
    CHECK_EQ(WTERMSIG(st), SIGUSR1);
}

static void fork_mask_and_pending(void)
{
    ut_handle(SIGUSR1, count, 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    pid_t pid = ut_fork();
    if (pid == 0) {
        sigset_t mask, pending;
        sigprocmask(SIG_BLOCK, NULL, &mask);
        sigpending(&pending);
        /* The mask is inherited; the pending set starts empty. */
        _exit(sigismember(&mask, SIGUSR1) && !sigismember(&pending, SIGUSR1) ? 0 : 1);
    }
    ut_wait_exit(pid, 0);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    CHECK_EQ(hits, 1);
}

/* --- FP/SIMD state across a handler ------------------------------------------------------ */

#define FPCR_RMODE_RZ (3u << 22)

static void clobber_fp(int sig)
{
    (void)sig;
    volatile double x = 1.5, y = 3.25;
    volatile double z = x * y + x / y;
    (void)z;
    __asm__ volatile("msr fpcr, xzr\n"
                     "movi v0.16b, #0x11\n movi v1.16b, #0x11\n movi v2.16b, #0x11\n"
                     "movi v3.16b, #0x11\n movi v4.16b, #0x11\n movi v5.16b, #0x11\n"
                     "movi v6.16b, #0x11\n movi v7.16b, #0x11\n movi v8.16b, #0x11\n"
                     "movi v9.16b, #0x11\n movi v10.16b, #0x11\n movi v11.16b, #0x11\n"
                     "movi v12.16b, #0x11\n movi v13.16b, #0x11\n movi v14.16b, #0x11\n"
                     "movi v15.16b, #0x11\n movi v16.16b, #0x11\n movi v17.16b, #0x11\n"
                     "movi v18.16b, #0x11\n movi v19.16b, #0x11\n movi v20.16b, #0x11\n"
                     "movi v21.16b, #0x11\n movi v22.16b, #0x11\n movi v23.16b, #0x11\n"
                     "movi v24.16b, #0x11\n movi v25.16b, #0x11\n movi v26.16b, #0x11\n"
                     "movi v27.16b, #0x11\n movi v28.16b, #0x11\n movi v29.16b, #0x11\n"
                     "movi v30.16b, #0x11\n movi v31.16b, #0x11\n" ::
                         : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11",
                           "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21",
                           "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
    hits++;
}

static void fp_preserved(void)
{
    ut_handle(SIGUSR1, clobber_fp, 0);
    static uint8_t in[32 * 16] __attribute__((aligned(16))),
        out[32 * 16] __attribute__((aligned(16)));
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 7 + 3);
    memset(out, 0, sizeof(out));
    uint64_t fpcr_in = FPCR_RMODE_RZ, fpcr_out = 0;
    long pid = getpid(), tid = gettid();
    /* Load all 32 vector registers, send ourselves SIGUSR1 with a raw tgkill (delivered on
     * the way back from the svc, before the next instruction), then store them. */
    __asm__ volatile(
        "msr fpcr, %[fin]\n"
        "ldp q0, q1, [%[in], #0]\n ldp q2, q3, [%[in], #32]\n ldp q4, q5, [%[in], #64]\n"
        "ldp q6, q7, [%[in], #96]\n ldp q8, q9, [%[in], #128]\n ldp q10, q11, [%[in], #160]\n"
        "ldp q12, q13, [%[in], #192]\n ldp q14, q15, [%[in], #224]\n"
        "ldp q16, q17, [%[in], #256]\n ldp q18, q19, [%[in], #288]\n"
        "ldp q20, q21, [%[in], #320]\n ldp q22, q23, [%[in], #352]\n"
        "ldp q24, q25, [%[in], #384]\n ldp q26, q27, [%[in], #416]\n"
        "ldp q28, q29, [%[in], #448]\n ldp q30, q31, [%[in], #480]\n"
        "mov x0, %[pid]\n mov x1, %[tid]\n mov x2, %[sig]\n mov x8, %[nr]\n svc #0\n"
        "stp q0, q1, [%[out], #0]\n stp q2, q3, [%[out], #32]\n stp q4, q5, [%[out], #64]\n"
        "stp q6, q7, [%[out], #96]\n stp q8, q9, [%[out], #128]\n"
        "stp q10, q11, [%[out], #160]\n stp q12, q13, [%[out], #192]\n"
        "stp q14, q15, [%[out], #224]\n stp q16, q17, [%[out], #256]\n"
        "stp q18, q19, [%[out], #288]\n stp q20, q21, [%[out], #320]\n"
        "stp q22, q23, [%[out], #352]\n stp q24, q25, [%[out], #384]\n"
        "stp q26, q27, [%[out], #416]\n stp q28, q29, [%[out], #448]\n"
        "stp q30, q31, [%[out], #480]\n"
        "mrs %[fout], fpcr\n"
        "msr fpcr, xzr\n"
        : [fout] "=&r"(fpcr_out)
        : [in] "r"(in), [out] "r"(out), [pid] "r"(pid), [tid] "r"(tid), [sig] "r"((long)SIGUSR1),
          [nr] "r"((long)SYS_tgkill), [fin] "r"(fpcr_in)
        : "x0", "x1", "x2", "x8", "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8",
          "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21",
          "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
    CHECK_EQ(hits, 1); /* the handler did run in between */
    for (int r = 0; r < 32; r++)
        if (memcmp(in + 16 * r, out + 16 * r, 16) != 0)
            FAIL("v%d changed across the signal handler", r);
    CHECK_EQ(fpcr_out & FPCR_RMODE_RZ, FPCR_RMODE_RZ);
}

/* signalfd reads blocked pending signals as signalfd_siginfo, in signal order, and is
 * pollable; SIGKILL/SIGSTOP in the mask are ignored; a bad size or flag is EINVAL. */
static void signalfd_reads(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN);
    CHECK_SYS(sigprocmask(SIG_BLOCK, &set, NULL));
    if (!ut_under_qemu_user()) /* qemu-user does not check the mask size */
        CHECK_ERR(syscall(SYS_signalfd4, -1, &set, 4, 0), EINVAL);
    CHECK_ERR(signalfd(-1, &set, 0x1), EINVAL);
    int fd = SYS(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    struct signalfd_siginfo si[2];
    CHECK_ERR(read(fd, si, sizeof(si)), EAGAIN);
    CHECK_ERR(read(fd, si, 8), EINVAL);
    struct pollfd pf = {fd, POLLIN, 0};
    CHECK_EQ(SYS(poll(&pf, 1, 0)), 0);
    int ep = SYS(epoll_create1(0));
    struct epoll_event ev = {EPOLLIN, {.u32 = 3}}, out;
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    union sigval v = {.sival_int = 42};
    CHECK_SYS(sigqueue(getpid(), SIGRTMIN, v));
    CHECK_SYS(kill(getpid(), SIGUSR1));
    CHECK_EQ(SYS(poll(&pf, 1, 0)), 1);
    CHECK_EQ(SYS(epoll_wait(ep, &out, 1, 0)), 1);
    CHECK_EQ(SYS(read(fd, si, sizeof(si))), 2 * (long)sizeof(si[0]));
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);
    CHECK_EQ(si[0].ssi_code, SI_USER);
    CHECK_EQ(si[0].ssi_pid, getpid());
    CHECK_EQ(si[1].ssi_signo, SIGRTMIN);
    CHECK_EQ(si[1].ssi_code, SI_QUEUE);
    CHECK_EQ(si[1].ssi_int, 42);
    CHECK_EQ(SYS(poll(&pf, 1, 0)), 0);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, SIGUSR2);
    CHECK_EQ(SYS(signalfd(fd, &only, 0)), fd);
    CHECK_SYS(kill(getpid(), SIGUSR1));
    CHECK_ERR(read(fd, si, sizeof(si)), EAGAIN); /* SIGUSR1 no longer in the mask */
    int pfd = SYS(open(".", O_RDONLY));
    CHECK_ERR(signalfd(pfd, &set, 0), EINVAL);
}

/* A blocking read sleeps until a signal of the mask arrives. */
static void signalfd_blocking(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK_SYS(sigprocmask(SIG_BLOCK, &set, NULL));
    int fd = SYS(signalfd(-1, &set, 0));
    pid_t parent = getpid();
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_sleep_ms(50);
        CHECK_SYS(kill(parent, SIGUSR2));
        _exit(0);
    }
    struct signalfd_siginfo si;
    CHECK_EQ(SYS(read(fd, &si, sizeof(si))), (long)sizeof(si));
    CHECK_EQ(si.ssi_signo, SIGUSR2);
    CHECK_EQ(si.ssi_pid, pid);
    ut_wait_exit(pid, 0);
}

static const struct ut_test tests[] = {
    {"signalfd_reads", signalfd_reads},
    {"signalfd_blocking", signalfd_blocking},
    {"handler_runs", handler_runs},
    {"siginfo_fields", siginfo_fields},
    {"mask_and_pending", mask_and_pending},
    {"kill_errors", kill_errors},
    {"kill_child", kill_child},
    {"sigchld_on_exit", sigchld_on_exit},
    {"sigchld_ignored_autoreap", sigchld_ignored_autoreap},
    {"sa_nocldwait_autoreap", sa_nocldwait_autoreap},
    {"eintr_without_restart", eintr_without_restart},
    {"sa_restart_read", sa_restart_read},
    {"sigaltstack_use", sigaltstack_use},
    {"sigsegv_si_addr", sigsegv_si_addr},
    {"setitimer_sigalrm", setitimer_sigalrm},
    {"rt_queue_order", rt_queue_order},
    {"sigsuspend_wakes", sigsuspend_wakes},
    {"sigtimedwait_cases", sigtimedwait_cases},
    {"sigreturn_restores_mask", sigreturn_restores_mask},
    {"resethand", resethand},
    {"fork_mask_and_pending", fork_mask_and_pending},
    {"fp_preserved", fp_preserved},
};
UT_AREA(signal, tests);
