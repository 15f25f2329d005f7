/* time/: clocks, sleeps and CPU-time accounting. */
#define _GNU_SOURCE
#include "ut.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL

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
    CHECK_CMP(rem_ns, <=, 500 * MS - 25 * MS);     /* slept at least until the signal */
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

static const struct ut_test tests[] = {
    {"monotonic_clocks", monotonic_clocks},
    {"realtime_sane", realtime_sane},
    {"nanosleep_duration", nanosleep_duration},
    {"clock_nanosleep_absolute", clock_nanosleep_absolute},
    {"cpu_clocks_advance", cpu_clocks_advance},
};
UT_AREA(time, tests);
