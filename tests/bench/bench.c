/*
 * Micro-benchmarks of the Linux ABI paths a shell workload leans on: system-call entry,
 * pipes, fork, exec, page faults, file I/O, threads and futexes. Each prints one line,
 *
 *   BENCH <name> <value> <unit>
 *
 * measured with CLOCK_MONOTONIC around a loop. The same static program runs on exo and on
 * Linux (scripts/bench boots both under one QEMU with -icount, where one guest instruction
 * is one virtual nanosecond, so the figures are repeatable and comparable). It checks what
 * it measures (a wrong pipe byte or exit status ends it with status 1): a benchmark of a
 * broken path is not a figure.
 *
 * Usage: bench [NAME...]   (no names: all)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench: %s failed\n", what);
    exit(1);
}

static void report(const char *name, double value, const char *unit)
{
    printf("BENCH %-16s %12.1f %s\n", name, value, unit);
    fflush(stdout);
}

/* A system call that does almost nothing: the cost of entering and leaving the kernel. */
static void bench_syscall(void)
{
    enum { N = 20000 };
    int64_t t = now_ns();
    for (int i = 0; i < N; i++)
        syscall(SYS_getppid);
    report("syscall", (double)(now_ns() - t) / N, "ns/call");
}

/* One byte bounced between two processes over two pipes: two wakeups per round trip. */
static void bench_pipe(void)
{
    enum { N = 2000 };
    int ab[2], ba[2];
    if (pipe(ab) || pipe(ba))
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    char c = 0;
    if (pid == 0) {
        for (int i = 0; i < N; i++) {
            if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
                _exit(1);
        }
        _exit(0);
    }
    int64_t t = now_ns();
    for (int i = 0; i < N; i++) {
        char out = (char)i, in = 0;
        if (write(ab[1], &out, 1) != 1 || read(ba[0], &in, 1) != 1 || in != out)
            die("pipe round trip");
    }
    double ns = (double)(now_ns() - t) / N;
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
        die("pipe child");
    report("pipe_roundtrip", ns / 1000, "us");
    close(ab[0]), close(ab[1]), close(ba[0]), close(ba[1]);
}

static void wait_ok(pid_t pid, const char *what)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
        die(what);
}

/* fork + _exit + wait: copying an address space (copy-on-write) and tearing it down. */
static void bench_fork(void)
{
    enum { N = 200 };
    int64_t t = now_ns();
    for (int i = 0; i < N; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        wait_ok(pid, "fork");
    }
    report("fork_exit_wait", (double)(now_ns() - t) / N / 1000, "us");
}

/* fork + exec of a small static program (this one) + wait. */
static void bench_exec(const char *self)
{
    enum { N = 50 };
    int64_t t = now_ns();
    for (int i = 0; i < N; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execl(self, self, "--exit", (char *)NULL);
            _exit(127);
        }
        wait_ok(pid, "exec");
    }
    report("fork_exec_wait", (double)(now_ns() - t) / N / 1000, "us");
}

/* First touch of fresh anonymous memory: one page fault and a zeroed page each. */
static void bench_fault(void)
{
    enum { PAGES = 4096 };
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    int64_t t = now_ns();
    for (long i = 0; i < PAGES; i++)
        p[i * page] = (char)i;
    double ns = (double)(now_ns() - t) / PAGES;
    for (long i = 0; i < PAGES; i++)
        if (p[i * page] != (char)i)
            die("fault contents");
    munmap(p, PAGES * page);
    report("page_fault", ns, "ns/page");
}

/* Writes then reads back a file in 64 KiB chunks, in MiB/s each way. */
static void bench_file(const char *dir)
{
    enum { CHUNK = 65536, CHUNKS = 128 };
    static char buf[CHUNK];
    char path[4096];
    snprintf(path, sizeof(path), "%s/bench.%d", dir, getpid());
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    if (fd < 0)
        die("open");
    memset(buf, 'x', sizeof(buf));
    int64_t t = now_ns();
    for (int i = 0; i < CHUNKS; i++)
        if (write(fd, buf, CHUNK) != CHUNK)
            die("write");
    double wsec = (double)(now_ns() - t) / 1e9;
    if (lseek(fd, 0, SEEK_SET) != 0)
        die("lseek");
    t = now_ns();
    for (int i = 0; i < CHUNKS; i++)
        if (read(fd, buf, CHUNK) != CHUNK || buf[CHUNK - 1] != 'x')
            die("read");
    double rsec = (double)(now_ns() - t) / 1e9;
    close(fd);
    unlink(path);
    double mib = (double)CHUNK * CHUNKS / (1 << 20);
    report("file_write", mib / wsec, "MiB/s");
    report("file_read", mib / rsec, "MiB/s");
}

static void *thread_body(void *arg)
{
    return arg;
}

/* pthread_create + pthread_join of a thread that returns at once. */
static void bench_thread(void)
{
    enum { N = 200 };
    int64_t t = now_ns();
    for (intptr_t i = 0; i < N; i++) {
        pthread_t th;
        void *ret;
        if (pthread_create(&th, NULL, thread_body, (void *)i) || pthread_join(th, &ret) ||
            ret != (void *)i)
            die("thread");
    }
    report("thread_create", (double)(now_ns() - t) / N / 1000, "us");
}

static _Atomic int turn;

static void futex_wait_for(int want)
{
    int v;
    while ((v = turn) != want)
        syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void futex_pass(int to)
{
    turn = to;
    syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

enum { FUTEX_ROUNDS = 2000 };

static void *futex_partner(void *arg)
{
    (void)arg;
    for (int i = 0; i < FUTEX_ROUNDS; i++) {
        futex_wait_for(1);
        futex_pass(0);
    }
    return NULL;
}

/* Two threads handing a token back and forth with FUTEX_WAIT/WAKE. */
static void bench_futex(void)
{
    pthread_t th;
    turn = 0;
    if (pthread_create(&th, NULL, futex_partner, NULL))
        die("futex thread");
    int64_t t = now_ns();
    for (int i = 0; i < FUTEX_ROUNDS; i++) {
        futex_pass(1);
        futex_wait_for(0);
    }
    double ns = (double)(now_ns() - t) / FUTEX_ROUNDS;
    pthread_join(th, NULL);
    report("futex_pingpong", ns / 1000, "us");
}

static int wanted(int argc, char **argv, const char *name)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--exit"))
        return 0;
    const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/tmp";
    if (wanted(argc, argv, "syscall"))
        bench_syscall();
    if (wanted(argc, argv, "pipe"))
        bench_pipe();
    if (wanted(argc, argv, "fork"))
        bench_fork();
    if (wanted(argc, argv, "exec"))
        bench_exec(strchr(argv[0], '/') ? argv[0] : "/usr/local/bin/bench");
    if (wanted(argc, argv, "fault"))
        bench_fault();
    if (wanted(argc, argv, "file"))
        bench_file(dir);
    if (wanted(argc, argv, "thread"))
        bench_thread();
    if (wanted(argc, argv, "futex"))
        bench_futex();
    printf("BENCH done\n");
    return 0;
}
