/* thread/: pthreads on clone(): identity, TLS, mutexes, condition variables, barriers,
 * shared descriptors, thread-directed signals, exit_group, execve from a thread. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 6

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    int e = pthread_create(t, NULL, fn, arg);
    if (e != 0)
        FAIL("pthread_create: %s", strerror(e));
}

static void *join(pthread_t t)
{
    void *ret;
    int e = pthread_join(t, &ret);
    if (e != 0)
        FAIL("pthread_join: %s", strerror(e));
    return ret;
}

static void *double_it(void *arg)
{
    uintptr_t v = (uintptr_t)arg;
    if (v == 21)
        pthread_exit((void *)(v * 2 + 1)); /* exercised via pthread_exit */
    return (void *)(v * 2);
}

static void create_join(void)
{
    pthread_t a, b;
    start(&a, double_it, (void *)(uintptr_t)5);
    start(&b, double_it, (void *)(uintptr_t)21);
    CHECK_EQ((uintptr_t)join(a), 10);
    CHECK_EQ((uintptr_t)join(b), 43);
}

struct ident {
    pid_t tid, pid;
    pthread_t self;
};

static void *record_ident(void *arg)
{
    struct ident *id = arg;
    id->tid = gettid();
    id->pid = getpid();
    id->self = pthread_self();
    return NULL;
}

static void thread_identity(void)
{
    struct ident ids[NTHREADS];
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        start(&t[i], record_ident, &ids[i]);
    for (int i = 0; i < NTHREADS; i++)
        join(t[i]);
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(ids[i].pid, getpid()); /* one thread group */
        CHECK(ids[i].tid != getpid());
        CHECK(pthread_equal(ids[i].self, t[i]));
        for (int j = 0; j < i; j++)
            CHECK(ids[i].tid != ids[j].tid);
    }
}

static __thread int tls_value = 5;
static __thread int tls_zero[16];
static __thread char tls_text[8] = "abc";
static pthread_barrier_t tls_barrier;

static void *tls_worker(void *arg)
{
    int me = (int)(uintptr_t)arg;
    int ok = tls_value == 5 && tls_zero[3] == 0 && strcmp(tls_text, "abc") == 0;
    tls_value = me;
    tls_zero[3] = me * 7;
    tls_text[0] = (char)('A' + me);
    pthread_barrier_wait(&tls_barrier); /* everyone has written its own copy */
    ok = ok && tls_value == me && tls_zero[3] == me * 7 && tls_text[0] == 'A' + me;
    return (void *)(uintptr_t)ok;
}

static void tls_per_thread(void)
{
    tls_value = 100;
    pthread_barrier_init(&tls_barrier, NULL, NTHREADS);
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        start(&t[i], tls_worker, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ((uintptr_t)join(t[i]), 1);
    CHECK_EQ(tls_value, 100);
    CHECK_EQ(tls_zero[3], 0);
    CHECK_STR(tls_text, "abc");
    /* The TLS block of another thread is at a different address. */
    CHECK(&tls_value != NULL);
}

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
#define INCREMENTS 20000

static void *increment(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&counter_lock);
        long v = counter;
        if ((i & 255) == 0)
            sched_yield(); /* widen the window inside the critical section */
        counter = v + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void mutex_contention(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        start(&t[i], increment, NULL);
    for (int i = 0; i < 4; i++)
        join(t[i]);
    CHECK_EQ(counter, 4L * INCREMENTS);
    pthread_mutex_lock(&counter_lock);
    CHECK_EQ(pthread_mutex_trylock(&counter_lock), EBUSY);
    pthread_mutex_unlock(&counter_lock);
    CHECK_EQ(pthread_mutex_trylock(&counter_lock), 0);
    pthread_mutex_unlock(&counter_lock);
}

static long atomic_counter;

static void *atomic_add(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50000; i++)
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void atomics(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        start(&t[i], atomic_add, NULL);
    for (int i = 0; i < 4; i++)
        join(t[i]);
    CHECK_EQ(atomic_counter, 200000);
}

/* A bounded queue of 4 slots between one producer and two consumers. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    int buf[4], head, count, done;
    long sum[2];
    int last[2], in_order;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .not_empty = PTHREAD_COND_INITIALIZER,
       .not_full = PTHREAD_COND_INITIALIZER};

#define ITEMS 2000

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&q.lock);
        while (q.count == 4)
            pthread_cond_wait(&q.not_full, &q.lock);
        q.buf[(q.head + q.count++) % 4] = i;
        pthread_cond_signal(&q.not_empty);
        pthread_mutex_unlock(&q.lock);
    }
    pthread_mutex_lock(&q.lock);
    q.done = 1;
    pthread_cond_broadcast(&q.not_empty);
    pthread_mutex_unlock(&q.lock);
    return NULL;
}

static void *consumer(void *arg)
{
    int me = (int)(uintptr_t)arg;
    for (;;) {
        pthread_mutex_lock(&q.lock);
        while (q.count == 0 && !q.done)
            pthread_cond_wait(&q.not_empty, &q.lock);
        if (q.count == 0) {
            pthread_mutex_unlock(&q.lock);
            return NULL;
        }
        int v = q.buf[q.head];
        q.head = (q.head + 1) % 4;
        q.count--;
        if (v <= q.last[me])
            q.in_order = 0; /* each consumer must see increasing values */
        q.last[me] = v;
        q.sum[me] += v;
        pthread_cond_signal(&q.not_full);
        pthread_mutex_unlock(&q.lock);
    }
}

static void condvar_queue(void)
{
    q.in_order = 1;
    pthread_t p, c0, c1;
    start(&c0, consumer, (void *)0);
    start(&c1, consumer, (void *)1);
    start(&p, producer, NULL);
    join(p);
    join(c0);
    join(c1);
    CHECK_EQ(q.sum[0] + q.sum[1], (long)ITEMS * (ITEMS + 1) / 2);
    CHECK_EQ(q.in_order, 1);
}

static void condvar_timedwait(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 50000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    int64_t t0 = ut_now_ns();
    pthread_mutex_lock(&m);
    int e = pthread_cond_timedwait(&c, &m, &deadline);
    pthread_mutex_unlock(&m);
    CHECK_EQ(e, ETIMEDOUT);
    CHECK_CMP(ut_now_ns() - t0, >=, 45000000); /* realtime vs monotonic rounding slack */
}

static pthread_barrier_t phase_barrier;
static int phase_slot[NTHREADS];
static int serial_count[3];

static void *phases(void *arg)
{
    int me = (int)(uintptr_t)arg;
    for (int phase = 0; phase < 3; phase++) {
        phase_slot[me] = phase;
        int r = pthread_barrier_wait(&phase_barrier);
        if (r == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_fetch_add(&serial_count[phase], 1, __ATOMIC_RELAXED);
        else if (r != 0)
            return (void *)1;
        for (int i = 0; i < NTHREADS; i++)
            if (phase_slot[i] != phase)
                return (void *)2; /* someone ran ahead of the barrier */
        pthread_barrier_wait(&phase_barrier);
    }
    return NULL;
}

static void barrier_phases(void)
{
    pthread_barrier_init(&phase_barrier, NULL, NTHREADS);
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        start(&t[i], phases, (void *)(uintptr_t)i);
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ((uintptr_t)join(t[i]), 0);
    for (int p = 0; p < 3; p++)
        CHECK_EQ(serial_count[p], 1);
}

static int shared_fd = -1;

static void *open_file(void *arg)
{
    (void)arg;
    shared_fd = open("from-thread", O_RDWR | O_CREAT, 0644);
    return NULL;
}

static void *close_file(void *arg)
{
    (void)arg;
    close(shared_fd);
    return NULL;
}

static void shared_fd_table(void)
{
    pthread_t t;
    start(&t, open_file, NULL);
    join(t);
    CHECK_CMP(shared_fd, >=, 0);
    ut_write_all(shared_fd, "hi", 2); /* opened by another thread, usable here */
    start(&t, close_file, NULL);
    join(t);
    CHECK_ERR(write(shared_fd, "x", 1), EBADF);
}

static sem_t detached_done;

static void *detached_worker(void *arg)
{
    *(int *)arg = 77;
    sem_post(&detached_done);
    return NULL;
}

static void detached_semaphore(void)
{
    CHECK_SYS(sem_init(&detached_done, 0, 0));
    CHECK_ERR(sem_trywait(&detached_done), EAGAIN);
    static int value;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, &attr, detached_worker, &value), 0);
    CHECK_SYS(sem_wait(&detached_done));
    CHECK_EQ(value, 77);
}

static void *deep_stack(void *arg)
{
    (void)arg;
    volatile char big[512 * 1024];
    for (size_t i = 0; i < sizeof(big); i += 4096)
        big[i] = (char)i;
    long sum = 0;
    for (size_t i = 0; i < sizeof(big); i += 4096)
        sum += big[i] == (char)i;
    return (void *)sum;
}

static void thread_stack_size(void)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    CHECK_EQ(pthread_attr_setstacksize(&attr, 2 << 20), 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, &attr, deep_stack, NULL), 0);
    CHECK_EQ((long)join(t), 512 * 1024 / 4096);
}

static void *exit_whole_process(void *arg)
{
    (void)arg;
    ut_sleep_ms(10);
    exit(3);
}

static void exit_from_thread(void)
{
    pid_t pid = ut_fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exit_whole_process, NULL);
        for (;;)
            pause(); /* exit() in the other thread must end this one too */
    }
    ut_wait_exit(pid, 3);
}

static volatile pid_t handler_tid;

static void record_handler_tid(int sig)
{
    (void)sig;
    handler_tid = gettid();
}

static pthread_barrier_t kill_barrier;
static volatile pid_t target_tid;

static void *wait_for_signal(void *arg)
{
    (void)arg;
    target_tid = gettid();
    pthread_barrier_wait(&kill_barrier);
    int64_t deadline = ut_now_ns() + 5000000000LL;
    while (handler_tid == 0 && ut_now_ns() < deadline)
        ut_sleep_ms(1);
    return NULL;
}

static void signal_to_thread(void)
{
    ut_handle(SIGUSR1, record_handler_tid, 0);
    pthread_barrier_init(&kill_barrier, NULL, 2);
    pthread_t t;
    start(&t, wait_for_signal, NULL);
    pthread_barrier_wait(&kill_barrier);
    CHECK_EQ(pthread_kill(t, SIGUSR1), 0);
    join(t);
    CHECK_EQ(handler_tid, target_tid); /* ran in the target thread, not in main */
    handler_tid = 0;
    CHECK_SYS(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
    CHECK_EQ(handler_tid, gettid());
    /* The joined thread is gone (it may take a moment to be released after the join). */
    int64_t deadline = ut_now_ns() + 2000000000LL;
    while (syscall(SYS_tgkill, getpid(), target_tid, 0) == 0 && ut_now_ns() < deadline)
        ut_sleep_ms(1);
    CHECK_ERR(syscall(SYS_tgkill, getpid(), target_tid, 0), ESRCH);
}

/* --- execve from a multi-threaded process ------------------------------------------------ */

enum { EXEC_MT_OK = 43 };

/* The number after "Threads:" in /proc/self/status, or -1. */
static int thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* The new program after an execve from a thread (argv: --exec-mt-helper PID MODE): the pid
 * is kept, the exec'ing thread is the leader and alone; in mode "single" the signal that was
 * pending on a killed thread is gone and the one pending on the exec'ing thread kept. */
int ut_exec_mt_helper(int argc, char **argv)
{
    if (argc != 4)
        return 10;
    if (getpid() != atoi(argv[2]))
        return 11;
    if (syscall(SYS_gettid) != getpid())
        return 12;
    if (thread_count() != 1)
        return 13;
    if (strcmp(argv[3], "single") == 0) {
        sigset_t pending;
        sigpending(&pending);
        if (sigismember(&pending, SIGUSR1))
            return 14; /* was pending on a thread that exec killed */
        if (!sigismember(&pending, SIGUSR2))
            return 15; /* was pending on the exec'ing thread itself */
    }
    return EXEC_MT_OK;
}

static struct {
    int block[2];   /* nobody writes: a reader sleeps */
    int err_fd;     /* an exec'ing thread reports its errno here */
    int futex_word; /* nobody wakes it */
    int ready;      /* threads about to sleep */
    int go;         /* exec'ing threads start together */
    pid_t futex_tid;
} em;

static void block_signal(int sig)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *futex_sleeper(void *arg)
{
    (void)arg;
    block_signal(SIGUSR1);
    em.futex_tid = (pid_t)syscall(SYS_gettid);
    __atomic_add_fetch(&em.ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        syscall(SYS_futex, &em.futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static void *pipe_reader(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&em.ready, 1, __ATOMIC_SEQ_CST);
    char c;
    while (read(em.block[0], &c, 1) != 0)
        ;
    return NULL;
}

/* Runs user code only: exec must interrupt it on its CPU. */
static void *user_spinner(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&em.ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        __atomic_load_n(&em.futex_word, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Enters the kernel over and over: exec meets it in or between system calls. */
static void *syscall_spinner(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&em.ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        syscall(SYS_getppid);
    return NULL;
}

/* Is thread tid asleep ('S' in /proc/self/task/TID/stat)? */
static bool thread_sleeps(pid_t tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'S';
}

static void exec_mt_self(const char *mode)
{
    char a_pid[16];
    snprintf(a_pid, sizeof(a_pid), "%d", (int)getpid());
    char *args[] = {"usertest", "--exec-mt-helper", a_pid, (char *)mode, NULL};
    char *env[] = {NULL};
    execve(ut_self_path, args, env);
    int e = errno;
    ut_write_all(em.err_fd, &e, sizeof(e));
    _exit(1);
}

/* Waits until the other threads run, and (bounded) until the futex sleeper is inside its
 * blocking call: the exec must end it either way, this only makes it likelier that it has
 * to wake it. */
static void wait_for_sleepers(void)
{
    while (__atomic_load_n(&em.ready, __ATOMIC_SEQ_CST) < 4)
        sched_yield();
    for (int i = 0; i < 2000 && !thread_sleeps(em.futex_tid); i++)
        usleep(1000);
    usleep(10000);
}

static void *single_execer(void *arg)
{
    (void)arg;
    wait_for_sleepers();
    block_signal(SIGUSR1);
    block_signal(SIGUSR2);
    CHECK_SYS(syscall(SYS_tgkill, getpid(), em.futex_tid, SIGUSR1));
    CHECK_SYS(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2));
    exec_mt_self("single");
    return NULL;
}

static void *racing_execer(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&em.go, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&em.go, __ATOMIC_SEQ_CST) < 2)
        ;
    exec_mt_self("race");
    return NULL;
}

/* Runs a child whose threads sleep in a futex and a pipe read, spin in user code and in
 * system calls while `execers` (one thread running fn, or two racing) exec the usertest
 * binary; the new program must report
 * EXEC_MT_OK, from the process's original pid. */
static void exec_with_sleepers(void *(*fn)(void *), int execers)
{
    int err[2];
    CHECK_SYS(pipe2(err, O_CLOEXEC));
    pid_t pid = ut_fork();
    if (pid == 0) {
        close(err[0]);
        em.err_fd = err[1];
        CHECK_SYS(pipe2(em.block, O_CLOEXEC));
        pthread_t others[4], ex[2];
        start(&others[0], futex_sleeper, NULL);
        start(&others[1], pipe_reader, NULL);
        start(&others[2], user_spinner, NULL);
        start(&others[3], syscall_spinner, NULL);
        for (int i = 0; i < execers; i++)
            start(&ex[i], fn, NULL);
        join(ex[0]); /* the leader sleeps here (a futex wait too) until exec ends it */
        _exit(2);
    }
    close(err[1]);
    int e = 0;
    ssize_t n = read(err[0], &e, sizeof(e)); /* EOF: the exec succeeded */
    close(err[0]);
    int st = ut_wait(pid);
    if (n == sizeof(e)) {
        if (e == ENOEXEC && ut_under_qemu_user())
            SKIP("qemu-user: the host cannot exec an arm64 binary (no binfmt_misc handler)");
        FAIL("execve from a thread: %s", strerror(e));
    }
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), EXEC_MT_OK);
}

/* Linux: execve from a non-leader thread ends every other thread (asleep in a futex, a pipe
 * read, pthread_join, running user code or system calls), keeps the pid, makes the caller the
 * leader (tid == pid), drops the signals pending on the ended threads and keeps the caller's. */
static void exec_from_thread(void)
{
    exec_with_sleepers(single_execer, 1);
}

/* Two threads exec at once: one wins, the other is ended with the rest. */
static void exec_race_two_threads(void)
{
    exec_with_sleepers(racing_execer, 2);
}

static const struct ut_test tests[] = {
    {"create_join", create_join},
    {"thread_identity", thread_identity},
    {"tls_per_thread", tls_per_thread},
    {"mutex_contention", mutex_contention},
    {"atomics", atomics},
    {"condvar_queue", condvar_queue},
    {"condvar_timedwait", condvar_timedwait},
    {"barrier_phases", barrier_phases},
    {"shared_fd_table", shared_fd_table},
    {"detached_semaphore", detached_semaphore},
    {"thread_stack_size", thread_stack_size},
    {"exit_from_thread", exit_from_thread},
    {"signal_to_thread", signal_to_thread},
    {"exec_from_thread", exec_from_thread},
    {"exec_race_two_threads", exec_race_two_threads},
};
UT_AREA(thread, tests);
