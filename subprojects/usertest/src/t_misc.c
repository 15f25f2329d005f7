/* misc/: uname, getrandom, prctl, resource limits and usage, sysinfo, scheduling and CPU
 * placement, and the auxiliary vector the kernel hands a new program. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void uname_fields(void)
{
    struct utsname u;
    CHECK_SYS(uname(&u));
    CHECK_STR(u.machine, "aarch64");
    CHECK_STR(u.sysname, "Linux");
    CHECK(u.release[0] >= '1' && u.release[0] <= '9'); /* "6.1.0-..." */
    CHECK(strchr(u.release, '.') != NULL);
    char host[256];
    CHECK_SYS(gethostname(host, sizeof(host)));
    CHECK_STR(host, u.nodename);
}

static void getrandom_bytes(void)
{
    unsigned char a[32], b[32];
    CHECK_EQ(SYS(getrandom(a, sizeof(a), 0)), 32);
    CHECK_EQ(SYS(getrandom(b, sizeof(b), GRND_NONBLOCK)), 32);
    CHECK(memcmp(a, b, sizeof(a)) != 0);
    static unsigned char big[4096];
    CHECK_EQ(SYS(getrandom(big, sizeof(big), 0)), (long)sizeof(big));
    long ones = 0;
    for (size_t i = 0; i < sizeof(big); i++)
        ones += __builtin_popcount(big[i]);
    /* 32768 fair bits: the count is within 45%..55% with overwhelming probability. */
    CHECK_CMP(ones, >, 32768 * 45 / 100);
    CHECK_CMP(ones, <, 32768 * 55 / 100);
    CHECK_EQ(SYS(getrandom(a, 0, 0)), 0);
    CHECK_ERR(getrandom(a, sizeof(a), 0x1000), EINVAL);
    CHECK_ERR(getrandom(ut_opaque_ptr(16), 8, 0), EFAULT);
}

static void prctl_name(void)
{
    char name[32];
    memset(name, '#', sizeof(name));
    CHECK_SYS(prctl(PR_SET_NAME, "short", 0, 0, 0));
    CHECK_SYS(prctl(PR_GET_NAME, name, 0, 0, 0));
    CHECK_STR(name, "short");
    CHECK_SYS(prctl(PR_SET_NAME, "a-name-longer-than-fifteen", 0, 0, 0));
    memset(name, '#', sizeof(name));
    CHECK_SYS(prctl(PR_GET_NAME, name, 0, 0, 0));
    CHECK_STR(name, "a-name-longer-t"); /* truncated to 15 + NUL */
    CHECK_EQ(name[16], '#');            /* exactly 16 bytes written */
    CHECK_ERR(prctl(0x7fffffff, 0, 0, 0, 0), EINVAL);
    /* A child inherits the name. */
    pid_t pid = ut_fork();
    if (pid == 0) {
        char n[16];
        prctl(PR_GET_NAME, n, 0, 0, 0);
        _exit(strcmp(n, "a-name-longer-t") == 0 ? 0 : 1);
    }
    ut_wait_exit(pid, 0);
}

static void rlimits(void)
{
    struct rlimit rl;
    CHECK_SYS(getrlimit(RLIMIT_NOFILE, &rl));
    CHECK(rl.rlim_cur <= rl.rlim_max);
    CHECK_CMP(rl.rlim_cur, >=, 64);
    struct rlimit low = {16, rl.rlim_max};
    CHECK_SYS(setrlimit(RLIMIT_NOFILE, &low));
    struct rlimit now;
    CHECK_SYS(getrlimit(RLIMIT_NOFILE, &now));
    CHECK_EQ(now.rlim_cur, 16);
    int last = -1;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            CHECK_EQ(errno, EMFILE);
            break;
        }
        CHECK_CMP(fd, <, 16);
        last = fd;
    }
    CHECK_EQ(last, 15); /* every number below the limit got used */
    CHECK_ERR(dup2(0, 16), EBADF);
    CHECK_ERR(fcntl(0, F_DUPFD, 16), EINVAL);
    struct rlimit too_high = {rl.rlim_max, rl.rlim_max};
    if (rl.rlim_max != RLIM_INFINITY) {
        too_high.rlim_cur = rl.rlim_max + 1;
        CHECK_ERR(setrlimit(RLIMIT_NOFILE, &too_high), EINVAL); /* soft above hard */
    }
    CHECK_SYS(setrlimit(RLIMIT_NOFILE, &rl));

    /* RLIMIT_FSIZE: writes stop at the limit; beyond it, EFBIG (SIGXFSZ ignored). */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit fs = {1000, RLIM_INFINITY};
    CHECK_SYS(getrlimit(RLIMIT_FSIZE, &rl));
    fs.rlim_max = rl.rlim_max;
    CHECK_SYS(setrlimit(RLIMIT_FSIZE, &fs));
    int fd = SYS(open("sized", O_WRONLY | O_CREAT | O_TRUNC, 0644));
    static char block[2000];
    CHECK_EQ(SYS(write(fd, block, sizeof(block))), 1000);
    CHECK_ERR(write(fd, block, 1), EFBIG);
    close(fd);
    CHECK_SYS(setrlimit(RLIMIT_FSIZE, &rl));

    /* prlimit reads another process's limits. */
    struct rlimit other;
    CHECK_SYS(prlimit(getppid(), RLIMIT_CORE, NULL, &other));
    CHECK_EQ(other.rlim_cur, 0); /* the harness disabled core dumps */
    CHECK_ERR(getrlimit(1000, &other), EINVAL);
}

static void getrusage_self(void)
{
    struct rusage a, b;
    CHECK_SYS(getrusage(RUSAGE_SELF, &a));
    CHECK_CMP(a.ru_maxrss, >, 0);
    struct timespec ts;
    int64_t t0;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    t0 = ts.tv_sec * 1000000000LL + ts.tv_nsec;
    volatile uint64_t x = 0;
    do {
        for (int i = 0; i < 10000; i++)
            x += i;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    } while (ts.tv_sec * 1000000000LL + ts.tv_nsec - t0 < 30000000);
    CHECK_SYS(getrusage(RUSAGE_SELF, &b));
    int64_t ua = a.ru_utime.tv_sec * 1000000LL + a.ru_utime.tv_usec;
    int64_t ub = b.ru_utime.tv_sec * 1000000LL + b.ru_utime.tv_usec;
    int64_t sa = a.ru_stime.tv_sec * 1000000LL + a.ru_stime.tv_usec;
    int64_t sb = b.ru_stime.tv_sec * 1000000LL + b.ru_stime.tv_usec;
    CHECK_CMP(ub, >=, ua);
    CHECK_CMP(sb, >=, sa);
    CHECK_CMP((ub - ua) + (sb - sa), >=, 25000);
    CHECK_SYS(getrusage(RUSAGE_THREAD, &b));
    CHECK_ERR(getrusage(42, &b), EINVAL);
}

static int64_t tv_us(struct timeval tv)
{
    return tv.tv_sec * 1000000LL + tv.tv_usec;
}

/* Time spent in the kernel is system time: reading /dev/zero (the kernel clears and copies
 * every byte) raises ru_stime and tms_stime, by at least 20 ms within 20 s of CPU time. */
static void system_time_accounted(void)
{
    static char buf[1 << 20];
    int fd = SYS(open("/dev/zero", O_RDONLY));
    struct rusage a, b;
    struct tms ta, tb;
    CHECK_SYS(getrusage(RUSAGE_SELF, &a));
    CHECK_SYS(times(&ta));
    struct timespec ts;
    do {
        CHECK_CMP(read(fd, buf, sizeof(buf)), ==, (ssize_t)sizeof(buf));
        CHECK_SYS(getrusage(RUSAGE_SELF, &b));
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    } while (tv_us(b.ru_stime) - tv_us(a.ru_stime) < 20000 && ts.tv_sec < 20);
    CHECK_SYS(times(&tb));
    close(fd);
    CHECK_CMP(tv_us(b.ru_stime) - tv_us(a.ru_stime), >=, 20000);
    long hz = sysconf(_SC_CLK_TCK);
    CHECK_CMP((long)(tb.tms_stime - ta.tms_stime), >=, hz / 100); /* 10 ms at least */
}

/* musl's sched_setparam always fails with ENOSYS: call the kernel. */
static int setparam(pid_t pid, const struct sched_param *sp)
{
    return (int)syscall(SYS_sched_setparam, pid, sp);
}

/* SCHED_OTHER's only priority is 0; the round-robin interval is reported for any task. */
static void sched_param_and_interval(void)
{
    struct sched_param sp = {.sched_priority = 0};
    CHECK_SYS(setparam(0, &sp));
    CHECK_SYS(setparam(getpid(), &sp));
    sp.sched_priority = 5;
    CHECK_ERR(setparam(0, &sp), EINVAL);
    CHECK_ERR(setparam(-1, &sp), EINVAL);
    sp.sched_priority = 0;
    CHECK_ERR(setparam(0x3fffffff, &sp), ESRCH);
    struct timespec ts = {-1, -1};
    CHECK_SYS(sched_rr_get_interval(0, &ts));
    CHECK(ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    CHECK_ERR(sched_rr_get_interval(-1, &ts), EINVAL);
    CHECK_ERR(sched_rr_get_interval(0x3fffffff, &ts), ESRCH);
}

/* The kernel log through syslog(2) (klogctl): its size, the newest bytes, the checks; root
 * only, as on Debian's kernel (dmesg_restrict). */
static void syslog_actions(void)
{
    int size = klogctl(10, NULL, 0); /* SYSLOG_ACTION_SIZE_BUFFER */
    if (size == -1 && errno == EPERM && ut_under_qemu_user())
        SKIP("the host kernel keeps its log from this container");
    CHECK_CMP(size, >, 0);
    char *buf = malloc((size_t)size);
    CHECK(buf != NULL);
    int n = SYS(klogctl(3, buf, size)); /* SYSLOG_ACTION_READ_ALL */
    CHECK_CMP(n, >, 0);                 /* the boot logged something */
    CHECK_CMP(n, <=, size);
    CHECK_EQ(buf[n - 1], '\n');
    int m = SYS(klogctl(3, buf, 10));
    CHECK_CMP(m, <=, 10);
    if (!ut_under_qemu_user()) { /* qemu-user checks the buffer first, and differently */
        CHECK_ERR(klogctl(3, NULL, size), EINVAL);
        CHECK_ERR(klogctl(3, buf, -1), EINVAL);
    }
    CHECK_ERR(klogctl(99, buf, size), EINVAL);
    CHECK_CMP(SYS(klogctl(9, NULL, 0)), >=, 0); /* SYSLOG_ACTION_SIZE_UNREAD */
    pid_t pid = ut_fork();
    if (pid == 0) {
        CHECK_SYS(setuid(65534));
        CHECK_ERR(klogctl(3, buf, size), EPERM);
        _exit(0);
    }
    ut_wait_exit(pid, 0);
    free(buf);
}

static void sysinfo_fields(void)
{
    struct sysinfo si;
    CHECK_SYS(sysinfo(&si));
    CHECK_CMP(si.uptime, >, 0);
    CHECK_CMP(si.mem_unit, >=, 1);
    CHECK_CMP(si.totalram, >, 0);
    CHECK_CMP(si.freeram, <=, si.totalram);
    CHECK_CMP(si.procs, >=, 1);
    struct timespec boot;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    CHECK_CMP(boot.tv_sec - si.uptime, <=, 1);
    CHECK_CMP(boot.tv_sec - si.uptime, >=, -1);
}

static void affinity_and_getcpu(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK_SYS(sched_getaffinity(0, sizeof(set), &set));
    int n = CPU_COUNT(&set);
    CHECK_CMP(n, >=, 1);
    unsigned cpu = 999999, node = 999999;
    CHECK_SYS(syscall(SYS_getcpu, &cpu, &node, NULL));
    CHECK(cpu < CPU_SETSIZE);
    CHECK(CPU_ISSET(cpu, &set));
    CHECK_CMP(node, <, 1024);
    CHECK_EQ(sysconf(_SC_NPROCESSORS_ONLN) >= 1, 1);

    /* Pin to each allowed CPU in turn: getcpu must then report exactly that CPU. */
    int tried = 0;
    for (int c = 0; c < CPU_SETSIZE && tried < 4; c++) {
        if (!CPU_ISSET(c, &set))
            continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        CHECK_SYS(sched_setaffinity(0, sizeof(one), &one));
        CHECK_EQ(sched_yield(), 0); /* and let the scheduler move us */
        CHECK_SYS(syscall(SYS_getcpu, &cpu, NULL, NULL));
        CHECK_EQ(cpu, c);
        CHECK_EQ(sched_getcpu(), c);
        cpu_set_t got;
        CHECK_SYS(sched_getaffinity(0, sizeof(got), &got));
        CHECK_EQ(CPU_COUNT(&got), 1);
        CHECK(CPU_ISSET(c, &got));
        tried++;
    }
    CHECK_SYS(sched_setaffinity(0, sizeof(set), &set));
    cpu_set_t empty;
    CPU_ZERO(&empty);
    CHECK_ERR(sched_setaffinity(0, sizeof(empty), &empty), EINVAL);
}

static void auxv_and_stack(void)
{
    CHECK_EQ(getauxval(AT_PAGESZ), 4096);
    unsigned long hwcap = getauxval(AT_HWCAP);
    CHECK(hwcap & (1UL << 0)); /* HWCAP_FP */
    CHECK(hwcap & (1UL << 1)); /* HWCAP_ASIMD */
    unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
    CHECK(rnd != NULL);
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero += rnd[i] != 0;
    CHECK_CMP(nonzero, >, 0);
    CHECK_EQ(getauxval(AT_UID), getuid());
    CHECK_EQ(getauxval(AT_EUID), geteuid());
    CHECK_EQ(getauxval(AT_GID), getgid());
    CHECK_EQ(getauxval(AT_SECURE), 0);
    CHECK(getauxval(AT_PHDR) != 0);
    CHECK_EQ(getauxval(AT_PHENT), 56); /* sizeof(Elf64_Phdr) */
    CHECK(getauxval(AT_ENTRY) != 0);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    CHECK(execfn != NULL);
    /* The path given to execve: argv[0] itself, or where a shell found argv[0] in $PATH. */
    if (strchr(ut_argv[0], '/')) {
        CHECK_STR(execfn, ut_argv[0]);
    } else {
        size_t n = strlen(execfn), k = strlen(ut_argv[0]);
        CHECK(n > k && execfn[n - k - 1] == '/');
        CHECK_STR(execfn + n - k, ut_argv[0]);
    }
    /* argv is NULL-terminated and the environment follows it. */
    extern char **environ;
    CHECK(ut_argv[ut_argc] == NULL);
    CHECK(environ == ut_argv + ut_argc + 1);
}

static const struct ut_test tests[] = {
    {"uname_fields", uname_fields},     {"getrandom_bytes", getrandom_bytes},
    {"prctl_name", prctl_name},         {"rlimits", rlimits},
    {"getrusage_self", getrusage_self}, {"system_time_accounted", system_time_accounted},
    {"sysinfo_fields", sysinfo_fields}, {"affinity_and_getcpu", affinity_and_getcpu},
    {"auxv_and_stack", auxv_and_stack}, {"sched_param_and_interval", sched_param_and_interval},
    {"syslog_actions", syslog_actions},
};
UT_AREA(misc, tests);
