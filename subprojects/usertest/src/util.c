/* Helpers shared by the test areas. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *ut_errname(int err)
{
    static const struct {
        int err;
        const char *name;
    } names[] = {
        {0, "0"},
        {EPERM, "EPERM"},
        {ENOENT, "ENOENT"},
        {ESRCH, "ESRCH"},
        {EINTR, "EINTR"},
        {EIO, "EIO"},
        {ENXIO, "ENXIO"},
        {E2BIG, "E2BIG"},
        {ENOEXEC, "ENOEXEC"},
        {EBADF, "EBADF"},
        {ECHILD, "ECHILD"},
        {EAGAIN, "EAGAIN"},
        {ENOMEM, "ENOMEM"},
        {EACCES, "EACCES"},
        {EFAULT, "EFAULT"},
        {EBUSY, "EBUSY"},
        {EEXIST, "EEXIST"},
        {EXDEV, "EXDEV"},
        {ENODEV, "ENODEV"},
        {ENOTDIR, "ENOTDIR"},
        {EISDIR, "EISDIR"},
        {EINVAL, "EINVAL"},
        {ENFILE, "ENFILE"},
        {EMFILE, "EMFILE"},
        {ENOTTY, "ENOTTY"},
        {EFBIG, "EFBIG"},
        {ENOSPC, "ENOSPC"},
        {ESPIPE, "ESPIPE"},
        {EROFS, "EROFS"},
        {EMLINK, "EMLINK"},
        {EPIPE, "EPIPE"},
        {ERANGE, "ERANGE"},
        {ENAMETOOLONG, "ENAMETOOLONG"},
        {ENOSYS, "ENOSYS"},
        {ENOTEMPTY, "ENOTEMPTY"},
        {ELOOP, "ELOOP"},
        {ETIMEDOUT, "ETIMEDOUT"},
        {EOVERFLOW, "EOVERFLOW"},
        {EOPNOTSUPP, "EOPNOTSUPP"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].err == err)
            return names[i].name;
    static __thread char buf[16];
    snprintf(buf, sizeof(buf), "errno %d", err);
    return buf;
}

int64_t ut_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ut_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

bool ut_under_qemu_user(void)
{
    static int cached = -1;
    if (cached >= 0)
        return cached;
    const char *env = getenv("USERTEST_QEMU_USER");
    if (env && *env) {
        cached = strcmp(env, "0") != 0;
        return cached;
    }
    /* qemu-user synthesizes /proc/self/stat, filling the fields it does not emulate with
     * "0"; the third field (state) is a letter on any real Linux kernel. */
    char buf[512];
    cached = 0;
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n > 0) {
            buf[n] = '\0';
            char *p = strrchr(buf, ')');
            if (p && p[1] == ' ' && p[2] == '0' && p[3] == ' ')
                cached = 1;
        }
    }
    return cached;
}

bool ut_on_exo(void)
{
    struct utsname u;
    return uname(&u) == 0 && strstr(u.release, "-exo") != NULL;
}

pid_t ut_fork(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        FAIL("fork: %s", strerror(errno));
    return pid;
}

int ut_wait(pid_t pid)
{
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (r != pid)
        FAIL("waitpid(%d): %s", (int)pid, strerror(errno));
    return st;
}

void ut_wait_exit(pid_t pid, int code)
{
    int st = ut_wait(pid);
    if (!WIFEXITED(st))
        FAIL("child %d did not exit normally: %s %d", (int)pid,
             WIFSIGNALED(st) ? "signal" : "status", WIFSIGNALED(st) ? WTERMSIG(st) : st);
    if (WEXITSTATUS(st) != code)
        FAIL("child %d exited with %d, expected %d", (int)pid, WEXITSTATUS(st), code);
}

void ut_handle(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        FAIL("sigaction(%d): %s", sig, strerror(errno));
}

void ut_handle_info(int sig, void (*handler)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = flags | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        FAIL("sigaction(%d): %s", sig, strerror(errno));
}

void ut_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            FAIL("write(fd %d, %zu): %s", fd, n, w < 0 ? strerror(errno) : "wrote 0");
        p += w;
        n -= w;
    }
}

void ut_read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            FAIL("read(fd %d): %s", fd, strerror(errno));
        if (r == 0)
            FAIL("read(fd %d): EOF with %zu bytes still expected", fd, n);
        p += r;
        n -= r;
    }
}

void ut_write_file(const char *path, const void *buf, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        FAIL("open %s: %s", path, strerror(errno));
    ut_write_all(fd, buf, n);
    close(fd);
}

size_t ut_read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        FAIL("open %s: %s", path, strerror(errno));
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            FAIL("read %s: %s", path, strerror(errno));
        if (r == 0 || len + r >= cap - 1) {
            len += r;
            break;
        }
        len += r;
    }
    close(fd);
    buf[len] = '\0';
    return len;
}
