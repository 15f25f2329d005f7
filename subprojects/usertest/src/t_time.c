/* time/: clocks, sleeps and CPU-time accounting. */
#define _GNU_SOURCE
#include "ut.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL

#ifndef sigev_notify_thread_id /* older glibc names it only through the union */
#define sigev_notify_thread_id _sigev_un._tid
#endif

static int64_t clock_ns(clockid_t c)
{
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0)
        FAIL("clock_gettime(%d): %s", (int)c, strerror(errno));
    CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void monotonic_clocks(void)
{
    int64_t prev = clock_ns(CLOCK_MONOTONIC);
    for (int i = 0; i < 20000; i++) {
        int64_t now = clock_ns(CLOCK_MONOTONIC);
        if (now < prev)
            FAIL("CLOCK_MONOTONIC went back by %lld ns", (long long)(prev - now));
        prev = now;
    }
    /* The raw system call agrees with the C library (which may use the vDSO). */
    struct timespec raw;
    CHECK_SYS(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw));
    int64_t raw_ns = (int64_t)raw.tv_sec * 1000000000 + raw.tv_nsec;
    CHECK_CMP(raw_ns, >=, prev);
    CHECK_CMP(raw_ns - prev, <, 1000 * MS);
    /* BOOTTIME counts suspend too, so it is never behind MONOTONIC. */
    int64_t mono = clock_ns(CLOCK_MONOTONIC);
    CHECK_CMP(clock_ns(CLOCK_BOOTTIME), >=, mono);
    int64_t r0 = clock_ns(CLOCK_MONOTONIC_RAW);
    ut_sleep_ms(10);
    CHECK_CMP(clock_ns(CLOCK_MONOTONIC_RAW) - r0, >=, 9 * MS);
    struct timespec res;
    CHECK_SYS(clock_getres(CLOCK_MONOTONIC, &res));
    CHECK_EQ(res.tv_sec, 0);
    CHECK(res.tv_nsec > 0 && res.tv_nsec <= 1 * MS);
    CHECK_ERR(clock_gettime((clockid_t)1234, &res), EINVAL);
    CHECK_ERR(clock_getres((clockid_t)1234, &res), EINVAL);
}

static void realtime_sane(void)
{
    int64_t rt = clock_ns(CLOCK_REALTIME);
    CHECK_CMP(rt / 1000000000, >, 1577836800LL); /* 2020-01-01 */
    CHECK_CMP(rt / 1000000000, <, 4102444800LL); /* 2100-01-01 */
    struct timeval tv;
    CHECK_SYS(gettimeofday(&tv, NULL));
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    int64_t tv_ns = (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000LL;
    CHECK_CMP(tv_ns - rt, >=, -1000 * MS);
    CHECK_CMP(tv_ns - rt, <, 1000 * MS);
    time_t t = time(NULL);
    CHECK_CMP(t - rt / 1000000000, <=, 1);
    CHECK_CMP(t - rt / 1000000000, >=, -1);
    CHECK_CMP(clock_ns(CLOCK_REALTIME_COARSE) / 1000000000 - t, <=, 1);
}

static volatile int alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void nanosleep_duration(void)
{
    int64_t t0 = ut_now_ns();
    struct timespec ts = {0, 20 * MS}, rem;
    CHECK_SYS(nanosleep(&ts, NULL));
    int64_t dt = ut_now_ns() - t0;
    CHECK_CMP(dt, >=, 20 * MS);
    CHECK_CMP(dt, <, 2000 * MS);
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(nanosleep(&bad, NULL), EINVAL);
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    CHECK_ERR(nanosleep(&bad, NULL), EINVAL);

    /* Interrupted by a handled signal: EINTR and the remaining time. (If the machine is
     * so loaded that the signal lands before the sleep starts, the sleep completes: retry.) */
    struct sigaction sa = {.sa_handler = on_alarm};
    CHECK_SYS(sigaction(SIGALRM, &sa, NULL));
    for (int attempt = 0;; attempt++) {
        alarms = 0;
        struct itimerval it = {{0, 0}, {0, 30000}};
        CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
        struct timespec longer = {0, 500 * MS};
        t0 = ut_now_ns();
        int r = nanosleep(&longer, &rem);
        dt = ut_now_ns() - t0;
        if (r == 0 && alarms == 1 && attempt < 5)
            continue;
        CHECK_EQ(r, -1);
        CHECK_EQ(errno, EINTR);
        break;
    }
    CHECK_EQ(alarms, 1);
    int64_t rem_ns = (int64_t)rem.tv_sec * 1000000000 + rem.tv_nsec;
    CHECK_CMP(rem_ns, >, 0);
    CHECK_CMP(rem_ns, >=, 500 * MS - dt - 5 * MS); /* slept at most dt */
    CHECK_CMP(rem_ns, <=, 500 * MS); /* never more than asked (how long the sleep lasted
                                        before the signal depends on the machine's load) */
}

static void clock_nanosleep_absolute(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 30 * MS;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL), 0);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    CHECK(now.tv_sec > deadline.tv_sec ||
          (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec));
    /* A deadline in the past returns at once. */
    struct timespec past = {now.tv_sec - 1, 0};
    int64_t t0 = ut_now_ns();
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), 0);
    CHECK_CMP(ut_now_ns() - t0, <, 500 * MS);
    /* Relative, on CLOCK_REALTIME. */
    struct timespec rel = {0, 15 * MS};
    t0 = ut_now_ns();
    CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, 0, &rel, NULL), 0);
    CHECK_CMP(ut_now_ns() - t0, >=, 15 * MS);
    /* Errors come back as the return value. */
    CHECK_EQ(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &rel, NULL), EINVAL);
    struct timespec bad = {0, -1};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL), EINVAL);
}

static void cpu_clocks_advance(void)
{
    int64_t p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    int64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    struct rusage ru0, ru1;
    CHECK_SYS(getrusage(RUSAGE_SELF, &ru0));
    clock_t c0 = clock();
    int64_t wall_deadline = ut_now_ns() + 5000 * MS;
    volatile uint64_t x = 0;
    while (clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0 < 50 * MS) {
        for (int i = 0; i < 10000; i++)
            x += i;
        if (ut_now_ns() > wall_deadline)
            FAIL("thread CPU time advanced only %lld ns in 5 s of spinning",
                 (long long)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0));
    }
    CHECK_CMP(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - p0, >=, 50 * MS);
    CHECK_SYS(getrusage(RUSAGE_SELF, &ru1));
    int64_t us0 = (ru0.ru_utime.tv_sec + ru0.ru_stime.tv_sec) * 1000000LL + ru0.ru_utime.tv_usec +
                  ru0.ru_stime.tv_usec;
    int64_t us1 = (ru1.ru_utime.tv_sec + ru1.ru_stime.tv_sec) * 1000000LL + ru1.ru_utime.tv_usec +
                  ru1.ru_stime.tv_usec;
    CHECK_CMP(us1 - us0, >=, 40000);
    CHECK_CMP((clock() - c0) * 1000 / CLOCKS_PER_SEC, >=, 40);
    /* Sleeping does not consume CPU time. */
    int64_t before = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    ut_sleep_ms(100);
    CHECK_CMP(clock_ns(CLOCK_THREAD_CPUTIME_ID) - before, <, 50 * MS);
    /* Another process's CPU clock is readable through clock_getcpuclockid. */
    clockid_t cid;
    CHECK_EQ(clock_getcpuclockid(getpid(), &cid), 0);
    CHECK_CMP(clock_ns(cid), >=, 50 * MS);
}

/* stat of this program: its resolved path, else argv[0] looked up in $PATH. */
static int stat_self(struct stat *st)
{
    if (stat(ut_self_path, st) == 0)
        return 0;
    const char *path = getenv("PATH");
    char dir[256], file[512];
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
        snprintf(file, sizeof(file), "%s/%s", dir, ut_argv[0]);
        if (stat(file, st) == 0)
            return 0;
        path += n + (path[n] == ':');
    }
    return -1;
}

/* CLOCK_REALTIME comes from the machine's clock: not before this program was built, and
 * not absurdly after (a generous year: nothing here is timed tightly). */
static void realtime_from_rtc(void)
{
    struct stat st;
    CHECK_SYS(stat_self(&st));
    int64_t now = clock_ns(CLOCK_REALTIME) / 1000000000;
    CHECK_CMP(now, >=, (int64_t)st.st_mtime - 24 * 3600);
    CHECK_CMP(now, <, (int64_t)st.st_mtime + 366 * 24 * 3600);
}

static void clock_settime_errors(void)
{
    struct timespec now;
    CHECK_SYS(clock_gettime(CLOCK_MONOTONIC, &now));
    CHECK_ERR(clock_settime(CLOCK_MONOTONIC, &now), EINVAL);
    CHECK_ERR(clock_settime((clockid_t)1234, &now), EINVAL);
    struct timespec bad = {now.tv_sec, 1000000000};
    CHECK_ERR(clock_settime(CLOCK_REALTIME, &bad), EINVAL);
    struct timeval badtv = {1, 1000000};
    CHECK_ERR(settimeofday(&badtv, NULL), EINVAL);
    struct timezone tz;
    struct timeval tv;
    CHECK_SYS(gettimeofday(&tv, &tz));
}

/* clock_settime moves CLOCK_REALTIME, not CLOCK_MONOTONIC, and an absolute realtime
 * sleep follows the change. Only root may set it (EPERM otherwise). */
static void clock_settime_moves_realtime(void)
{
    struct timespec rt;
    CHECK_SYS(clock_gettime(CLOCK_REALTIME, &rt));
    if (geteuid() != 0) {
        CHECK_ERR(clock_settime(CLOCK_REALTIME, &rt), EPERM);
        struct timeval tv = {rt.tv_sec, 0};
        CHECK_ERR(settimeofday(&tv, NULL), EPERM);
        return;
    }
    if (ut_under_qemu_user())
        SKIP("under qemu-user this would set the host's clock");
    const int64_t jump = 1000 * 1000000000LL;
    /* A child sleeps until 500 s from now on the realtime clock. */
    struct timespec wake = {rt.tv_sec + 500, rt.tv_nsec};
    pid_t pid = ut_fork();
    if (pid == 0)
        _exit(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &wake, NULL) == 0 ? 0 : 1);
    ut_sleep_ms(50);
    int64_t m0 = clock_ns(CLOCK_MONOTONIC), r0 = clock_ns(CLOCK_REALTIME);
    struct timespec later = {(r0 + jump) / 1000000000, (r0 + jump) % 1000000000};
    CHECK_SYS(clock_settime(CLOCK_REALTIME, &later));
    int64_t m1 = clock_ns(CLOCK_MONOTONIC), r1 = clock_ns(CLOCK_REALTIME);
    int64_t restored = clock_ns(CLOCK_REALTIME) - jump;
    struct timespec back = {restored / 1000000000, restored % 1000000000};
    /* The child wakes at the jump, not 500 s later. Poll, so that the clock is put back
     * whatever happens. */
    int st = 0;
    pid_t done = 0;
    for (int i = 0; i < 500 && done == 0; i++) {
        done = waitpid(pid, &st, WNOHANG);
        if (done == 0)
            ut_sleep_ms(10);
    }
    CHECK_SYS(clock_settime(CLOCK_REALTIME, &back));
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        FAIL("an absolute CLOCK_REALTIME sleep did not follow clock_settime");
    }
    CHECK_EQ(done, pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_CMP(m1 - m0, <, 1000 * MS);
    CHECK_CMP(r1 - r0, >=, jump);
    CHECK_CMP(r1 - r0, <, jump + 1000 * MS);
    struct timeval tv;
    CHECK_SYS(gettimeofday(&tv, NULL));
    CHECK_SYS(settimeofday(&tv, NULL));
    CHECK_CMP(clock_ns(CLOCK_REALTIME) / 1000000000 - tv.tv_sec, <=, 1);
}

/* CLOCK_TAI is realtime plus the leap-second offset (0 until adjtimex sets one); clocks
 * Linux cannot sleep or set timers on give EOPNOTSUPP, unknown ones EINVAL. */
static void clock_kinds(void)
{
    int64_t tai = clock_ns(CLOCK_TAI), rt = clock_ns(CLOCK_REALTIME);
    CHECK_CMP(tai - rt, >, -1000 * MS);
    CHECK_CMP(tai - rt, <, 100000 * MS);
    struct timespec rel = {0, 5 * MS};
    int64_t t0 = ut_now_ns();
    CHECK_EQ(clock_nanosleep(CLOCK_TAI, 0, &rel, NULL), 0);
    CHECK_CMP(ut_now_ns() - t0, >=, 5 * MS);
    CHECK_EQ(clock_nanosleep(CLOCK_BOOTTIME, 0, &rel, NULL), 0);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &rel, NULL), EOPNOTSUPP);
    CHECK_EQ(clock_nanosleep(CLOCK_REALTIME_COARSE, 0, &rel, NULL), EOPNOTSUPP);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC_COARSE, 0, &rel, NULL), EOPNOTSUPP);
    CHECK_EQ(clock_nanosleep((clockid_t)ut_opaque(12), 0, &rel, NULL), EINVAL);
    int kid;
    CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC_RAW, NULL, &kid), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC_COARSE, NULL, &kid), EOPNOTSUPP);
    CHECK_SYS(syscall(SYS_timer_create, CLOCK_TAI, NULL, &kid));
    CHECK_SYS(syscall(SYS_timer_delete, kid));
}

static volatile int spinner_stop;

static void *spinner(void *arg)
{
    (void)arg;
    volatile uint64_t x = 0;
    while (!__atomic_load_n(&spinner_stop, __ATOMIC_RELAXED))
        x++;
    return NULL;
}

/* clock_nanosleep on the process's CPU clock returns once the process (here, another
 * thread spinning) has used that much CPU time, relative or absolute. */
static void clock_nanosleep_cpu(void)
{
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, spinner, NULL), 0);
    int64_t c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct timespec rel = {0, 30 * MS};
    CHECK_EQ(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &rel, NULL), 0);
    int64_t c1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK_CMP(c1 - c0, >=, 30 * MS);
    struct timespec abs = {(c1 + 20 * MS) / 1000000000, (c1 + 20 * MS) % 1000000000};
    CHECK_EQ(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &abs, NULL), 0);
    CHECK_CMP(clock_ns(CLOCK_PROCESS_CPUTIME_ID), >=, c1 + 20 * MS);
    __atomic_store_n(&spinner_stop, 1, __ATOMIC_RELAXED);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &rel, NULL), EINVAL);
}

/* getitimer reports the time left (counting down) and the period exactly; setitimer's old
 * value is the setting it replaced; disarming reads back as zero. */
static void getitimer_remaining(void)
{
    struct itimerval it = {{1, 0}, {2, 0}}, cur, old;
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
    ut_sleep_ms(50);
    CHECK_SYS(getitimer(ITIMER_REAL, &cur));
    int64_t left = cur.it_value.tv_sec * 1000000LL + cur.it_value.tv_usec;
    CHECK_CMP(left, <=, 1950000);
    CHECK_CMP(left, >, 1000000);
    CHECK_EQ(cur.it_interval.tv_sec, 1);
    CHECK_EQ(cur.it_interval.tv_usec, 0);
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK_SYS(setitimer(ITIMER_REAL, &off, &old));
    CHECK_CMP(old.it_value.tv_sec * 1000000LL + old.it_value.tv_usec, <=, left);
    CHECK_EQ(old.it_interval.tv_sec, 1);
    CHECK_SYS(getitimer(ITIMER_REAL, &cur));
    CHECK_EQ(cur.it_value.tv_sec + cur.it_value.tv_usec, 0);
    CHECK_EQ(cur.it_interval.tv_sec + cur.it_interval.tv_usec, 0);
    /* Errors. */
    CHECK_ERR(getitimer(ut_opaque(7), &cur), EINVAL);
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    CHECK_ERR(setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
    bad.it_value.tv_usec = -1;
    CHECK_ERR(setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
    CHECK_ERR(setitimer(ut_opaque(7), &off, NULL), EINVAL);
}

static volatile sig_atomic_t cpu_alarm_sig;

static void on_cpu_alarm(int sig)
{
    cpu_alarm_sig = sig;
}

/* Spins until sig arrives (or 5 s of wall time): the process CPU time it took. */
static int64_t spin_until_signal(int sig)
{
    int64_t wall_deadline = ut_now_ns() + 5000 * MS, cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    volatile uint64_t x = 0;
    while (cpu_alarm_sig != sig) {
        for (int i = 0; i < 1000; i++)
            x += i;
        if (ut_now_ns() > wall_deadline)
            FAIL("signal %d did not come in 5 s of spinning", sig);
    }
    return clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
}

/* ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time, not the wall clock:
 * sleeping does not bring them closer, spinning does. */
static void itimer_virtual_prof(void)
{
    static const int which[2] = {ITIMER_VIRTUAL, ITIMER_PROF};
    static const int sigs[2] = {SIGVTALRM, SIGPROF};
    for (int i = 0; i < 2; i++) {
        ut_handle(sigs[i], on_cpu_alarm, 0);
        cpu_alarm_sig = 0;
        struct itimerval it = {{0, 0}, {0, 40000}}, cur;
        CHECK_SYS(setitimer(which[i], &it, NULL));
        ut_sleep_ms(100);
        CHECK_EQ(cpu_alarm_sig, 0);
        CHECK_SYS(getitimer(which[i], &cur));
        CHECK_CMP(cur.it_value.tv_sec * 1000000LL + cur.it_value.tv_usec, >, 10000);
        int64_t used = spin_until_signal(sigs[i]);
        CHECK_CMP(used, >=, 20 * MS);
        CHECK_CMP(used, <, 2000 * MS);
        CHECK_SYS(getitimer(which[i], &cur));
        CHECK_EQ(cur.it_value.tv_sec + cur.it_value.tv_usec, 0); /* one-shot: disarmed */
    }
}

static timer_t make_timer(clockid_t clk, int notify, int sig, int value)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = notify;
    ev.sigev_signo = sig;
    ev.sigev_value.sival_int = value;
    timer_t id;
    CHECK_SYS(timer_create(clk, &ev, &id));
    return id;
}

static int64_t ts_ns(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* A periodic timer whose signal stays blocked: the expirations meanwhile are counted as
 * overruns, reported in si_overrun and by timer_getoverrun. */
static void posix_timer_overrun(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_SYS(sigprocmask(SIG_BLOCK, &set, NULL));
    timer_t id = make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 4242);
    struct itimerspec its = {{0, 2 * MS}, {0, 2 * MS}};
    int64_t t0 = ut_now_ns();
    CHECK_SYS(timer_settime(id, 0, &its, NULL));
    ut_sleep_ms(100);
    siginfo_t info;
    int64_t t1 = ut_now_ns(); /* before the first signal is taken: overruns restart there */
    CHECK_EQ(SYS(sigwaitinfo(&set, &info)), SIGUSR1);
    int64_t periods = (ut_now_ns() - t0) / (2 * MS);
    CHECK_EQ(info.si_code, SI_TIMER);
    CHECK_EQ(info.si_value.sival_int, 4242);
    CHECK_CMP(info.si_overrun, >=, 10);          /* ~49 expected */
    CHECK_CMP(info.si_overrun, <=, periods + 1); /* never more than elapsed */
    CHECK_EQ(timer_getoverrun(id), info.si_overrun);
    /* The next signal counts only the expirations since the first was taken (how many
     * depends on how soon this thread runs again on a loaded machine). */
    CHECK_EQ(SYS(sigwaitinfo(&set, &info)), SIGUSR1);
    CHECK_CMP(info.si_overrun, <=, (ut_now_ns() - t1) / (2 * MS) + 1);
    CHECK_SYS(timer_delete(id));
    /* Raw calls: musl's timer_delete returns the kernel's -errno. (For signalling timers
     * both C libraries' timer_t is the kernel's id.) */
    long kid = (long)(intptr_t)id;
    CHECK_ERR(syscall(SYS_timer_getoverrun, kid), EINVAL);
    CHECK_ERR(syscall(SYS_timer_delete, kid), EINVAL);
}

/* timer_gettime counts down and keeps the period; the old setting comes back from
 * timer_settime; TIMER_ABSTIME in the past fires at once; zero disarms. */
static void posix_timer_settime(void)
{
    timer_t id = make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0);
    struct itimerspec cur, old, its = {{0, 250 * MS}, {1, 0}};
    CHECK_SYS(timer_gettime(id, &cur));
    CHECK_EQ(ts_ns(&cur.it_value), 0);
    CHECK_SYS(timer_settime(id, 0, &its, NULL));
    ut_sleep_ms(20);
    CHECK_SYS(timer_gettime(id, &cur));
    CHECK_CMP(ts_ns(&cur.it_value), <=, 990 * MS);
    CHECK_CMP(ts_ns(&cur.it_value), >, 500 * MS);
    CHECK_EQ(ts_ns(&cur.it_interval), 250 * MS);
    struct itimerspec off = {{0, 0}, {0, 0}};
    CHECK_SYS(timer_settime(id, 0, &off, &old));
    CHECK_CMP(ts_ns(&old.it_value), <=, ts_ns(&cur.it_value));
    CHECK_EQ(ts_ns(&old.it_interval), 250 * MS);
    struct itimerspec bad = {{0, 0}, {0, 1000000000}};
    CHECK_ERR(timer_settime(id, 0, &bad, NULL), EINVAL);
    CHECK_SYS(timer_delete(id));

    /* A disarmed timer reads as zero. (Checked on a signalling timer: Linux 6.1 still
     * reports the stale expiry of a disarmed SIGEV_NONE one.) */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK_SYS(sigprocmask(SIG_BLOCK, &set, NULL));
    id = make_timer(CLOCK_REALTIME, SIGEV_SIGNAL, SIGUSR2, 7);
    CHECK_SYS(timer_settime(id, 0, &its, NULL));
    CHECK_SYS(timer_settime(id, 0, &off, NULL));
    CHECK_SYS(timer_gettime(id, &cur));
    CHECK_EQ(ts_ns(&cur.it_value), 0);
    CHECK_EQ(ts_ns(&cur.it_interval), 0);

    /* Absolute, already past: the signal comes at once. */
    struct itimerspec past = {{0, 0}, {1, 0}};
    int64_t t0 = ut_now_ns();
    CHECK_SYS(timer_settime(id, TIMER_ABSTIME, &past, NULL));
    siginfo_t info;
    struct timespec limit = {5, 0};
    CHECK_EQ(SYS(sigtimedwait(&set, &info, &limit)), SIGUSR2);
    CHECK_CMP(ut_now_ns() - t0, <, 1000 * MS);
    CHECK_EQ(info.si_value.sival_int, 7);
    CHECK_SYS(timer_gettime(id, &cur));
    CHECK_EQ(ts_ns(&cur.it_value), 0); /* one-shot, fired */
    CHECK_SYS(timer_delete(id));
}

static void posix_timer_errors(void)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    int kid;
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    CHECK_ERR(syscall(SYS_timer_create, ut_opaque(1234), &ev, &kid), EINVAL);
    ev.sigev_signo = 0;
    CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &kid), EINVAL);
    ev.sigev_signo = 65;
    CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &kid), EINVAL);
    ev.sigev_signo = SIGUSR1;
    ev.sigev_notify = 99;
    CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &kid), EINVAL);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_notify_thread_id = 0x7ffffff0; /* no such thread */
    CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &kid), EINVAL);
    struct itimerspec cur;
    CHECK_ERR(syscall(SYS_timer_gettime, ut_opaque(12345), &cur), EINVAL);
    CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &kid));
    CHECK_ERR(syscall(SYS_timer_settime, kid, 0, NULL, NULL), EINVAL);
    CHECK_ERR(syscall(SYS_timer_settime, kid, 0, ut_opaque_ptr(8), NULL), EFAULT);
    CHECK_ERR(syscall(SYS_timer_gettime, kid, ut_opaque_ptr(8)), EFAULT);
    CHECK_ERR(syscall(SYS_getitimer, ITIMER_REAL, ut_opaque_ptr(8)), EFAULT);
    CHECK_SYS(syscall(SYS_timer_delete, kid));
    CHECK_ERR(syscall(SYS_timer_delete, ut_opaque(-1)), EINVAL);
    /* No sigevent: SIGALRM with the timer id as its value (the default). */
    CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &kid));
    CHECK_SYS(syscall(SYS_timer_delete, kid));
}

/* SIGEV_THREAD_ID aims the signal at one thread: it is pending for that thread only. */
static void posix_timer_thread_id(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_SYS(sigprocmask(SIG_BLOCK, &set, NULL));
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
    timer_t id;
    CHECK_SYS(timer_create(CLOCK_MONOTONIC, &ev, &id));
    struct itimerspec its = {{0, 0}, {0, 10 * MS}};
    CHECK_SYS(timer_settime(id, 0, &its, NULL));
    siginfo_t info;
    struct timespec limit = {5, 0};
    CHECK_EQ(SYS(sigtimedwait(&set, &info, &limit)), SIGUSR1);
    CHECK_EQ(info.si_code, SI_TIMER);
    CHECK_SYS(timer_delete(id));
}

static volatile int thread_timer_calls;

static void on_thread_timer(union sigval v)
{
    __atomic_add_fetch(&thread_timer_calls, v.sival_int, __ATOMIC_RELAXED);
}

/* SIGEV_THREAD (the C library's, over SIGEV_THREAD_ID): the callback runs. */
static void posix_timer_sigev_thread(void)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = on_thread_timer;
    ev.sigev_value.sival_int = 1;
    timer_t id;
    CHECK_SYS(timer_create(CLOCK_MONOTONIC, &ev, &id));
    struct itimerspec its = {{0, 0}, {0, 10 * MS}};
    CHECK_SYS(timer_settime(id, 0, &its, NULL));
    int64_t deadline = ut_now_ns() + 5000 * MS;
    while (__atomic_load_n(&thread_timer_calls, __ATOMIC_RELAXED) == 0 && ut_now_ns() < deadline)
        ut_sleep_ms(5);
    CHECK_EQ(thread_timer_calls, 1);
    CHECK_SYS(timer_delete(id));
}

/* A POSIX timer on the process's CPU clock fires after CPU time, not wall time. */
static void posix_timer_cpu_clock(void)
{
    ut_handle(SIGUSR2, on_cpu_alarm, 0);
    cpu_alarm_sig = 0;
    timer_t id = make_timer(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, SIGUSR2, 0);
    struct itimerspec its = {{0, 0}, {0, 30 * MS}};
    CHECK_SYS(timer_settime(id, 0, &its, NULL));
    ut_sleep_ms(100);
    CHECK_EQ(cpu_alarm_sig, 0);
    int64_t used = spin_until_signal(SIGUSR2);
    CHECK_CMP(used, >=, 10 * MS);
    CHECK_SYS(timer_delete(id));
}

static const struct ut_test tests[] = {
    {"monotonic_clocks", monotonic_clocks},
    {"realtime_sane", realtime_sane},
    {"nanosleep_duration", nanosleep_duration},
    {"clock_nanosleep_absolute", clock_nanosleep_absolute},
    {"cpu_clocks_advance", cpu_clocks_advance},
    {"realtime_from_rtc", realtime_from_rtc},
    {"clock_settime_errors", clock_settime_errors},
    {"clock_settime_moves_realtime", clock_settime_moves_realtime},
    {"clock_kinds", clock_kinds},
    {"clock_nanosleep_cpu", clock_nanosleep_cpu},
    {"getitimer_remaining", getitimer_remaining},
    {"itimer_virtual_prof", itimer_virtual_prof},
    {"posix_timer_overrun", posix_timer_overrun},
    {"posix_timer_settime", posix_timer_settime},
    {"posix_timer_errors", posix_timer_errors},
    {"posix_timer_thread_id", posix_timer_thread_id},
    {"posix_timer_sigev_thread", posix_timer_sigev_thread},
    {"posix_timer_cpu_clock", posix_timer_cpu_clock},
};
UT_AREA(time, tests);
