/*
 * coretest: the libOS core seen from a static glibc program, with no filesystem and no
 * signal handlers: processes, copy-on-write, anonymous memory, threads, futexes, time.
 * Each test runs in a forked child (so a crash fails one test, not all); one line per test
 * and a closing "N passed, N failed". The same binary runs under Linux user mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            printf("  %s:%d: check failed: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
            fflush(stdout);                                                                    \
            _exit(1);                                                                          \
        }                                                                                      \
    } while (0)

static uint64_t now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void t_fork_wait_status(void)
{
    pid_t parent = getpid();
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0)
        _exit(getppid() == parent ? 42 : 1);
    int st = 0;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
}

static void t_fork_many(void)
{
    enum { N = 16 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        CHECK(pids[i] >= 0);
        if (pids[i] == 0)
            _exit(10 + i);
    }
    unsigned seen = 0;
    for (int i = 0; i < N; i++) {
        int st;
        pid_t w = wait(&st);
        CHECK(w > 0 && WIFEXITED(st));
        int k = WEXITSTATUS(st) - 10;
        CHECK(k >= 0 && k < N && pids[k] == w && !(seen & (1u << k)));
        seen |= 1u << k;
    }
    CHECK(seen == (1u << N) - 1);
}

static void t_wnohang_running_child(void)
{
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        _exit(3);
    }
    int st;
    CHECK(waitpid(c, &st, WNOHANG) == 0);
    CHECK(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 3);
}

static int global_value = 1;

static void t_cow_isolation(void)
{
    size_t n = 1 << 20;
    unsigned char *buf = malloc(n);
    CHECK(buf);
    memset(buf, 0x5a, n);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        memset(buf, 0xa5, n);
        global_value = 2;
        for (size_t i = 0; i < n; i += 4096)
            if (buf[i] != 0xa5)
                _exit(1);
        _exit(global_value == 2 ? 0 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st));
    for (size_t i = 0; i < n; i++)
        CHECK(buf[i] == 0x5a);
    CHECK(global_value == 1);
    free(buf);
}

static void t_mmap_anon(void)
{
    size_t n = 4 << 20;
    unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    for (size_t i = 0; i < n; i += 4096)
        CHECK(p[i] == 0);
    for (size_t i = 0; i < n; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    unsigned char *q = mremap(p, n, 2 * n, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    for (size_t i = 0; i < n; i += 4096)
        CHECK(q[i] == (unsigned char)(i >> 12));
    CHECK(q[n + 4096] == 0);
    CHECK(mprotect(q, 4096, PROT_READ) == 0);
    CHECK(q[0] == 0);
    CHECK(madvise(q + 4096, 4096, MADV_DONTNEED) == 0);
    CHECK(q[4096] == 0); /* DONTNEED on private anonymous memory gives zeroes back */
    CHECK(munmap(q, 2 * n) == 0);
    void *fixed = mmap((void *)0x200000000, 8192, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(fixed == (void *)0x200000000);
}

static void t_shared_anon_across_fork(void)
{
    volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                                -1, 0);
    CHECK(shared != MAP_FAILED);
    shared[0] = 1;
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        shared[0] = 99;
        _exit(0);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(shared[0] == 99);
}

static void t_brk(void)
{
    char *start = sbrk(0);
    CHECK(sbrk(1 << 20) == start);
    memset(start, 7, 1 << 20);
    CHECK(sbrk(0) == start + (1 << 20));
    CHECK(start[(1 << 20) - 1] == 7);
}

struct counter {
    pthread_mutex_t lock;
    long value;
    atomic_uint cpus_seen;
};

static void *count_worker(void *arg)
{
    struct counter *c = arg;
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&c->lock);
        c->value++;
        pthread_mutex_unlock(&c->lock);
        if ((i & 1023) == 0)
            atomic_fetch_or(&c->cpus_seen, 1u << sched_getcpu());
    }
    return (void *)(long)1;
}

static void t_threads_mutex(void)
{
    enum { N = 8 };
    struct counter c = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
    pthread_t th[N];
    for (int i = 0; i < N; i++)
        CHECK(pthread_create(&th[i], NULL, count_worker, &c) == 0);
    for (int i = 0; i < N; i++) {
        void *r;
        CHECK(pthread_join(th[i], &r) == 0 && r == (void *)1L);
    }
    CHECK(c.value == N * 20000L);
    printf("  threads ran on CPU mask %#x\n", atomic_load(&c.cpus_seen));
}

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t nonempty, nonfull;
    int items[4], head, count;
    long sum;
};

static void *producer(void *arg)
{
    struct queue *q = arg;
    for (int i = 1; i <= 2000; i++) {
        pthread_mutex_lock(&q->lock);
        while (q->count == 4)
            pthread_cond_wait(&q->nonfull, &q->lock);
        q->items[(q->head + q->count++) % 4] = i;
        pthread_cond_signal(&q->nonempty);
        pthread_mutex_unlock(&q->lock);
    }
    return NULL;
}

static void t_condvar(void)
{
    struct queue q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                      PTHREAD_COND_INITIALIZER, {0}, 0, 0, 0};
    pthread_t p;
    CHECK(pthread_create(&p, NULL, producer, &q) == 0);
    for (int got = 0; got < 2000; got++) {
        pthread_mutex_lock(&q.lock);
        while (q.count == 0)
            pthread_cond_wait(&q.nonempty, &q.lock);
        q.sum += q.items[q.head];
        q.head = (q.head + 1) % 4;
        q.count--;
        pthread_cond_signal(&q.nonfull);
        pthread_mutex_unlock(&q.lock);
    }
    CHECK(pthread_join(p, NULL) == 0);
    CHECK(q.sum == 2000L * 2001 / 2);
}

static long futex(atomic_int *addr, int op, int val, const struct timespec *ts)
{
    return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static atomic_int fword;

static void *futex_waker(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    atomic_store(&fword, 1);
    futex(&fword, FUTEX_WAKE_PRIVATE, 1, NULL);
    return NULL;
}

static void t_futex(void)
{
    atomic_store(&fword, 0);
    CHECK(futex(&fword, FUTEX_WAIT_PRIVATE, 5, NULL) == -1 && errno == EAGAIN);
    struct timespec ts = {0, 30 * 1000 * 1000};
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    CHECK(futex(&fword, FUTEX_WAIT_PRIVATE, 0, &ts) == -1 && errno == ETIMEDOUT);
    CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 30 * 1000 * 1000);
    CHECK(futex(&fword, FUTEX_WAKE_PRIVATE, 10, NULL) == 0);
    pthread_t w;
    CHECK(pthread_create(&w, NULL, futex_waker, NULL) == 0);
    while (atomic_load(&fword) == 0)
        if (futex(&fword, FUTEX_WAIT_PRIVATE, 0, NULL) == -1)
            CHECK(errno == EAGAIN || errno == EINTR);
    CHECK(pthread_join(w, NULL) == 0);
}

static void t_time(void)
{
    uint64_t m0 = now_ns(CLOCK_MONOTONIC);
    struct timespec ts = {0, 20 * 1000 * 1000};
    CHECK(nanosleep(&ts, NULL) == 0);
    uint64_t m1 = now_ns(CLOCK_MONOTONIC);
    CHECK(m1 - m0 >= 20 * 1000 * 1000);
    CHECK(now_ns(CLOCK_REALTIME) / 1000000000u > 1577836800u); /* after 2020 */
    uint64_t c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000; i++)
        x += i;
    CHECK(now_ns(CLOCK_PROCESS_CPUTIME_ID) > c0);
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 10 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0);
    struct timespec after;
    clock_gettime(CLOCK_MONOTONIC, &after);
    CHECK(after.tv_sec > abs.tv_sec || (after.tv_sec == abs.tv_sec && after.tv_nsec >= abs.tv_nsec));
}

static void t_uname(void)
{
    struct utsname u;
    CHECK(uname(&u) == 0);
    CHECK(strcmp(u.machine, "aarch64") == 0 && strcmp(u.sysname, "Linux") == 0);
}

static volatile sig_atomic_t got_sig, got_code, got_pid;
static volatile double fp_in_handler;

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    volatile double x = 1.5; /* the handler uses FP registers */
    fp_in_handler = x * 2;
    got_sig = sig;
    got_code = info->si_code;
    got_pid = info->si_pid;
}

static void t_signal_handler(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    volatile double keep = 3.25;
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK(got_sig == SIGUSR1 && got_code == SI_USER && got_pid == getpid());
    CHECK(fp_in_handler == 3.0 && keep == 3.25);
    /* Blocked signals wait in the pending set until unblocked. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    got_sig = 0;
    CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK(got_sig == 0);
    sigset_t pend;
    CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    CHECK(got_sig == SIGUSR1);
}

static sigjmp_buf segv_jmp;
static volatile uintptr_t segv_addr;

static void on_segv(int sig, siginfo_t *info, void *uc)
{
    (void)sig, (void)uc;
    segv_addr = (uintptr_t)info->si_addr;
    got_code = info->si_code;
    siglongjmp(segv_jmp, 1);
}

static void t_signal_segv(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
    volatile uintptr_t bad = 0x1234;
    if (!sigsetjmp(segv_jmp, 1))
        *(volatile int *)bad = 1;
    CHECK(segv_addr == 0x1234 && got_code == SEGV_MAPERR);
    char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED);
    if (!sigsetjmp(segv_jmp, 1))
        page[8] = 1;
    CHECK(segv_addr == (uintptr_t)page + 8 && got_code == SEGV_ACCERR);
}

static void t_signal_default_kills(void)
{
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        for (;;)
            pause();
    }
    CHECK(kill(c, SIGTERM) == 0);
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        volatile uintptr_t bad = 8;
        *(volatile int *)bad = 0;
        _exit(0);
    }
    CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

static void t_job_control_stop_cont(void)
{
    /* qemu-user (the Linux oracle on the host) can hang stopping a child under load;
     * run_linux.py sets this to skip the case there. */
    if (getenv("CORETEST_QEMU_USER"))
        _exit(77);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        for (;;)
            pause();
    }
    int st;
    CHECK(kill(c, SIGSTOP) == 0);
    CHECK(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(waitpid(c, &st, WUNTRACED | WNOHANG) == 0); /* reported once */
    CHECK(kill(c, SIGCONT) == 0);
    CHECK(waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st));
    CHECK(kill(c, SIGTSTP) == 0);
    CHECK(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP);
    CHECK(kill(c, SIGKILL) == 0); /* SIGKILL ends a stopped process */
    CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static void t_nice_priority(void)
{
    errno = 0;
    CHECK(getpriority(PRIO_PROCESS, 0) == 0 && errno == 0);
    CHECK(setpriority(PRIO_PROCESS, 0, 7) == 0);
    CHECK(getpriority(PRIO_PROCESS, 0) == 7);
    CHECK(nice(2) == 9);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0)
        _exit(getpriority(PRIO_PROCESS, 0) == 9 ? 0 : 1); /* inherited */
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(sched_getscheduler(0) == SCHED_OTHER);
    struct sched_param sp = {0};
    CHECK(sched_setscheduler(0, SCHED_OTHER, &sp) == 0);
    CHECK(sched_get_priority_max(SCHED_OTHER) == 0);
}

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    {"proc/fork_wait_status", t_fork_wait_status},
    {"proc/fork_many", t_fork_many},
    {"proc/wnohang_running_child", t_wnohang_running_child},
    {"mm/cow_isolation", t_cow_isolation},
    {"mm/mmap_anon", t_mmap_anon},
    {"mm/shared_anon_across_fork", t_shared_anon_across_fork},
    {"mm/brk", t_brk},
    {"thread/mutex_8_threads", t_threads_mutex},
    {"thread/condvar", t_condvar},
    {"futex/wait_wake_timeout", t_futex},
    {"time/clocks_and_sleep", t_time},
    {"misc/uname", t_uname},
    {"sched/nice_priority", t_nice_priority},
    {"signal/handler_siginfo_mask", t_signal_handler},
    {"signal/segv_si_addr", t_signal_segv},
    {"signal/default_action_kills", t_signal_default_kills},
    {"signal/job_control_stop_cont", t_job_control_stop_cont},
};

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name))
            continue;
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            tests[i].fn();
            fflush(stdout);
            _exit(0);
        }
        int st = 0;
        bool waited = c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st);
        if (waited && WEXITSTATUS(st) == 77) {
            printf("SKIP %s\n", tests[i].name);
            skipped++;
            continue;
        }
        int ok = waited && WEXITSTATUS(st) == 0;
        printf("%s %s\n", ok ? "PASS" : "FAIL", tests[i].name);
        ok ? passed++ : failed++;
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
