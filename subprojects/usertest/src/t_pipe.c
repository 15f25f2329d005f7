/* pipe/: pipe2 flags, data and EOF semantics, SIGPIPE/EPIPE, non-blocking behaviour,
 * capacity, PIPE_BUF atomicity and bulk transfers between processes. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void pipe2_flags(void)
{
    int p[2];
    CHECK_SYS(pipe2(p, O_CLOEXEC));
    CHECK_EQ(SYS(fcntl(p[0], F_GETFD)), FD_CLOEXEC);
    CHECK_EQ(SYS(fcntl(p[1], F_GETFD)), FD_CLOEXEC);
    CHECK_EQ(SYS(fcntl(p[0], F_GETFL)) & O_ACCMODE, O_RDONLY);
    CHECK_EQ(SYS(fcntl(p[1], F_GETFL)) & O_ACCMODE, O_WRONLY);
    CHECK_ERR(write(p[0], "x", 1), EBADF);
    char c;
    CHECK_ERR(read(p[1], &c, 1), EBADF);
    int q[2];
    CHECK_SYS(pipe2(q, O_NONBLOCK));
    CHECK(SYS(fcntl(q[0], F_GETFL)) & O_NONBLOCK);
    CHECK(SYS(fcntl(q[1], F_GETFL)) & O_NONBLOCK);
    CHECK_EQ(SYS(fcntl(q[0], F_GETFD)), 0);
    CHECK_ERR(pipe2(q, O_APPEND), EINVAL);
}

static void data_and_eof(void)
{
    int p[2];
    CHECK_SYS(pipe(p));
    CHECK_EQ(SYS(write(p[1], "abcdef", 6)), 6);
    int avail = 0;
    CHECK_SYS(ioctl(p[0], FIONREAD, &avail));
    CHECK_EQ(avail, 6);
    char buf[16];
    CHECK_EQ(SYS(read(p[0], buf, 4)), 4);
    CHECK_MEM(buf, "abcd", 4);
    CHECK_EQ(SYS(read(p[0], buf, sizeof(buf))), 2); /* returns what is there, no waiting */
    CHECK_MEM(buf, "ef", 2);

    /* EOF only once every write end (here: a dup and a child's copy) is closed. */
    int extra = SYS(dup(p[1]));
    pid_t pid = ut_fork();
    if (pid == 0) {
        close(p[0]);
        close(extra);
        ut_sleep_ms(20);
        ut_write_all(p[1], "late", 4);
        _exit(0);
    }
    close(p[1]);
    close(extra);
    ut_read_all(p[0], buf, 4); /* blocks until the child writes */
    CHECK_MEM(buf, "late", 4);
    CHECK_EQ(SYS(read(p[0], buf, sizeof(buf))), 0);
    ut_wait_exit(pid, 0);
}

static volatile int pipe_signals;

static void on_sigpipe(int sig)
{
    (void)sig;
    pipe_signals++;
}

static void sigpipe_epipe(void)
{
    int p[2];
    CHECK_SYS(pipe(p));
    close(p[0]);
    pid_t pid = ut_fork();
    if (pid == 0) {
        ssize_t w = write(p[1], "x", 1); /* default action: killed by SIGPIPE */
        (void)w;
        _exit(1);
    }
    int st = ut_wait(pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGPIPE);

    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    ut_handle(SIGPIPE, on_sigpipe, 0);
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    CHECK_EQ(pipe_signals, 1); /* the signal is still sent when handled */
}

static void nonblocking(void)
{
    int p[2];
    CHECK_SYS(pipe2(p, O_NONBLOCK));
    char c;
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);
    int cap = SYS(fcntl(p[1], F_GETPIPE_SZ));
    CHECK_CMP(cap, >=, 4096);
    static char chunk[4096];
    memset(chunk, 'q', sizeof(chunk));
    long total = 0;
    for (;;) {
        ssize_t w = write(p[1], chunk, sizeof(chunk));
        if (w < 0) {
            CHECK_EQ(errno, EAGAIN);
            break;
        }
        CHECK_EQ(w, sizeof(chunk)); /* PIPE_BUF-sized writes are all-or-nothing */
        total += w;
    }
    CHECK_EQ(total, cap);
    CHECK_ERR(write(p[1], "x", 1), EAGAIN);
    long drained = 0;
    ssize_t r;
    static char big[65536];
    while ((r = read(p[0], big, sizeof(big))) > 0)
        drained += r;
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(drained, cap);

    /* Resize: the capacity is rounded up to a power-of-two number of pages. */
    int newcap = SYS(fcntl(p[1], F_SETPIPE_SZ, 3 * 4096));
    CHECK_CMP(newcap, >=, 3 * 4096);
    CHECK_CMP(newcap, <=, 32768);
    CHECK_EQ(SYS(fcntl(p[0], F_GETPIPE_SZ)), newcap);
    /* A write larger than the free space takes what fits. */
    CHECK_EQ(SYS(write(p[1], big, newcap + 5000)), newcap);
    CHECK_ERR(write(p[1], "x", 1), EAGAIN);
    drained = 0;
    while ((r = read(p[0], big, sizeof(big))) > 0)
        drained += r;
    CHECK_EQ(drained, newcap);
    /* A write of at most PIPE_BUF bytes is all-or-nothing when space is short. */
    CHECK_EQ(SYS(write(p[1], big, newcap - 100)), newcap - 100);
    CHECK_ERR(write(p[1], big, PIPE_BUF), EAGAIN);
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void large_transfer(void)
{
    enum { BYTES = 4 << 20 };
    int down[2], up[2];
    CHECK_SYS(pipe(down));
    CHECK_SYS(pipe(up));
    pid_t pid = ut_fork();
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        /* Receive BYTES of the pattern, check it, then send it back in odd chunks. */
        static unsigned char buf[7919];
        uint32_t s = 12345;
        long got = 0;
        ssize_t r;
        while ((r = read(down[0], buf, sizeof(buf))) > 0) {
            for (ssize_t i = 0; i < r; i++)
                if (buf[i] != (unsigned char)xorshift(&s))
                    FAIL("byte %ld differs in the child", got + i);
            got += r;
        }
        CHECK_EQ(got, BYTES);
        s = 777;
        for (long sent = 0; sent < BYTES;) {
            size_t n = sizeof(buf) < (size_t)(BYTES - sent) ? sizeof(buf) : (size_t)(BYTES - sent);
            for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char)xorshift(&s);
            ut_write_all(up[1], buf, n);
            sent += n;
        }
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    static unsigned char buf[65536 + 3];
    uint32_t s = 12345;
    for (long sent = 0; sent < BYTES;) {
        size_t n = sizeof(buf) < (size_t)(BYTES - sent) ? sizeof(buf) : (size_t)(BYTES - sent);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)xorshift(&s);
        ut_write_all(down[1], buf, n);
        sent += n;
    }
    close(down[1]);
    s = 777;
    long got = 0;
    ssize_t r;
    while ((r = SYS(read(up[0], buf, 4000))) > 0) {
        for (ssize_t i = 0; i < r; i++)
            if (buf[i] != (unsigned char)xorshift(&s))
                FAIL("byte %ld differs in the parent", got + i);
        got += r;
    }
    CHECK_EQ(got, BYTES);
    ut_wait_exit(pid, 0);
}

static void pipe_buf_atomic(void)
{
    enum { WRITERS = 4, MESSAGES = 150 };
    int p[2];
    CHECK_SYS(pipe(p));
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = ut_fork();
        if (pids[w] == 0) {
            close(p[0]);
            static char msg[PIPE_BUF];
            memset(msg, 'A' + w, sizeof(msg));
            for (int i = 0; i < MESSAGES; i++)
                ut_write_all(p[1], msg, sizeof(msg));
            _exit(0);
        }
    }
    close(p[1]);
    int per_writer[WRITERS] = {0};
    static char msg[PIPE_BUF];
    for (int i = 0; i < WRITERS * MESSAGES; i++) {
        ut_read_all(p[0], msg, sizeof(msg));
        char who = msg[0];
        CHECK(who >= 'A' && who < 'A' + WRITERS);
        for (size_t k = 1; k < sizeof(msg); k++)
            if (msg[k] != who)
                FAIL("message %d interleaved at byte %zu ('%c' in '%c')", i, k, msg[k], who);
        per_writer[who - 'A']++;
    }
    char c;
    CHECK_EQ(SYS(read(p[0], &c, 1)), 0);
    for (int w = 0; w < WRITERS; w++) {
        CHECK_EQ(per_writer[w], MESSAGES);
        ut_wait_exit(pids[w], 0);
    }
}

/* mkfifo makes an S_IFIFO node; O_NONBLOCK opens: read succeeds, write needs a reader. */
static void fifo_open_rules(void)
{
    CHECK_SYS(mkfifo("fifo", 0600));
    struct stat st;
    CHECK_SYS(stat("fifo", &st));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_ERR(mkfifo("fifo", 0600), EEXIST);
    CHECK_ERR(open("fifo", O_WRONLY | O_NONBLOCK), ENXIO);
    int r = SYS(open("fifo", O_RDONLY | O_NONBLOCK));
    int w = SYS(open("fifo", O_WRONLY | O_NONBLOCK));
    ut_write_all(w, "fifo", 4);
    int n = -1;
    CHECK_SYS(ioctl(r, FIONREAD, &n));
    CHECK_EQ(n, 4);
    char buf[8];
    CHECK_EQ(SYS(read(r, buf, sizeof(buf))), 4);
    CHECK_MEM(buf, "fifo", 4);
    CHECK_ERR(read(r, buf, 1), EAGAIN);
    CHECK_ERR(lseek(r, 0, SEEK_SET), ESPIPE);
    CHECK_EQ(SYS(fcntl(w, F_GETPIPE_SZ)), 65536);
    close(w);
    CHECK_EQ(SYS(read(r, buf, 1)), 0);
}

/* A blocking open waits for the other side; the two then share one pipe. */
static void fifo_blocking_open(void)
{
    CHECK_SYS(mknod("fifo", S_IFIFO | 0600, 0));
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_sleep_ms(50);
        int w = SYS(open("fifo", O_WRONLY));
        ut_write_all(w, "hi", 2);
        _exit(0);
    }
    int64_t t0 = ut_now_ns();
    int r = SYS(open("fifo", O_RDONLY));
    CHECK_CMP(ut_now_ns() - t0, >=, 40000000);
    char buf[2];
    ut_read_all(r, buf, 2);
    CHECK_MEM(buf, "hi", 2);
    ut_wait_exit(pid, 0);
    CHECK_EQ(SYS(read(r, buf, 1)), 0);
}

static const struct ut_test tests[] = {
    {"fifo_open_rules", fifo_open_rules}, {"fifo_blocking_open", fifo_blocking_open},
    {"pipe2_flags", pipe2_flags},         {"data_and_eof", data_and_eof},
    {"sigpipe_epipe", sigpipe_epipe},     {"nonblocking", nonblocking},
    {"large_transfer", large_transfer},   {"pipe_buf_atomic", pipe_buf_atomic},
};
UT_AREA(pipe, tests);
