/* proc/: fork, wait statuses, process identity, groups and sessions, vfork, execve. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void fork_basic(void)
{
    pid_t parent = getpid();
    volatile int value = 1;
    pid_t pid = ut_fork();
    if (pid == 0) {
        if (getppid() != parent)
            _exit(10);
        if (getpid() == parent)
            _exit(11);
        value = 2;
        _exit(value == 2 ? 0 : 12);
    }
    CHECK_CMP(pid, >, 0);
    CHECK(pid != parent);
    ut_wait_exit(pid, 0);
    CHECK_EQ(value, 1); /* the child's store went to its own copy */
    CHECK_EQ(getpid(), parent);
}

static void wait_exit_codes(void)
{
    static const int codes[] = {0, 1, 42, 127, 255, 256 + 3};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        pid_t pid = ut_fork();
        if (pid == 0)
            _exit(codes[i]);
        int st = ut_wait(pid);
        CHECK(WIFEXITED(st));
        CHECK(!WIFSIGNALED(st));
        CHECK(!WIFSTOPPED(st));
        CHECK_EQ(WEXITSTATUS(st), codes[i] & 0xff);
    }
    /* exit() (not _exit) from a child: same status, atexit handlers irrelevant here. */
    pid_t pid = ut_fork();
    if (pid == 0)
        exit(9);
    ut_wait_exit(pid, 9);
}

static void wait_signaled(void)
{
    static const int sigs[] = {SIGKILL, SIGTERM, SIGABRT, SIGUSR1, SIGSEGV};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        pid_t pid = ut_fork();
        if (pid == 0) {
            if (sigs[i] == SIGABRT)
                abort();
            if (sigs[i] == SIGSEGV)
                *(volatile int *)ut_opaque_ptr(8) = 1;
            else
                kill(getpid(), sigs[i]);
            _exit(99);
        }
        int st = ut_wait(pid);
        CHECK(!WIFEXITED(st));
        if (!WIFSIGNALED(st))
            FAIL("child %zu: not signaled, status 0x%x", i, st);
        CHECK_EQ(WTERMSIG(st), sigs[i]);
    }
}

static void wait_stopped_continued(void)
{
    pid_t pid = ut_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK_SYS(kill(pid, SIGSTOP));
    int st;
    CHECK_EQ(SYS(waitpid(pid, &st, WUNTRACED)), pid);
    CHECK(WIFSTOPPED(st));
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    /* A stop is reported once. */
    CHECK_EQ(SYS(waitpid(pid, &st, WUNTRACED | WNOHANG)), 0);
    CHECK_SYS(kill(pid, SIGCONT));
    CHECK_EQ(SYS(waitpid(pid, &st, WCONTINUED)), pid);
    CHECK(WIFCONTINUED(st));
    CHECK_SYS(kill(pid, SIGKILL));
    st = ut_wait(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static void waitpid_wnohang(void)
{
    int go[2];
    CHECK_SYS(pipe(go));
    pid_t pid = ut_fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        _exit(read(go[0], &c, 1) == 0 ? 5 : 6); /* exits once the parent closes go[1] */
    }
    close(go[0]);
    int st;
    CHECK_EQ(SYS(waitpid(pid, &st, WNOHANG)), 0);
    close(go[1]);
    int64_t deadline = ut_now_ns() + 5000000000LL;
    pid_t r;
    while ((r = SYS(waitpid(pid, &st, WNOHANG))) == 0 && ut_now_ns() < deadline)
        ut_sleep_ms(1);
    CHECK_EQ(r, pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
}

static void wait_echild(void)
{
    int st;
    CHECK_ERR(waitpid(-1, &st, 0), ECHILD);
    CHECK_ERR(waitpid(-1, &st, WNOHANG), ECHILD);
    CHECK_ERR(waitpid(getppid(), &st, 0), ECHILD); /* not our child */
    CHECK_ERR(wait(&st), ECHILD);
}

static void wait_any_collects_all(void)
{
    enum { N = 8 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = ut_fork();
        if (pids[i] == 0) {
            ut_sleep_ms((N - i) * 3);
            _exit(20 + i);
        }
    }
    bool seen[N] = {false};
    for (int n = 0; n < N; n++) {
        int st;
        pid_t r = SYS(wait(&st));
        int i = 0;
        while (i < N && pids[i] != r)
            i++;
        if (i == N)
            FAIL("wait returned unknown pid %d", (int)r);
        CHECK(!seen[i]);
        seen[i] = true;
        CHECK(WIFEXITED(st));
        CHECK_EQ(WEXITSTATUS(st), 20 + i);
    }
    int st;
    CHECK_ERR(wait(&st), ECHILD);
}

static void waitid_nowait(void)
{
    pid_t pid = ut_fork();
    if (pid == 0)
        _exit(5);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_SYS(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_status, 5);
    CHECK_EQ(si.si_uid, getuid());
    /* WNOWAIT left the zombie in place: it can be waited for again. */
    memset(&si, 0, sizeof(si));
    CHECK_SYS(waitid(P_ALL, 0, &si, WEXITED));
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 5);
    CHECK_ERR(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), ECHILD);

    pid = ut_fork();
    if (pid == 0) {
        kill(getpid(), SIGTERM);
        _exit(1);
    }
    memset(&si, 0, sizeof(si));
    CHECK_SYS(waitid(P_PID, pid, &si, WEXITED));
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGTERM);
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wait4_rusage(void)
{
    pid_t pid = ut_fork();
    if (pid == 0) {
        int64_t start = thread_cpu_ns();
        volatile unsigned x = 0;
        while (thread_cpu_ns() - start < 40000000)
            x++;
        _exit(3);
    }
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    int st;
    CHECK_EQ(SYS(wait4(pid, &st, 0, &ru)), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    int64_t us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec +
                 ru.ru_stime.tv_usec;
    CHECK_CMP(us, >=, 30000);
    CHECK_CMP(us, <, 10000000);
    /* The reaped child now counts in RUSAGE_CHILDREN. */
    struct rusage ch;
    CHECK_SYS(getrusage(RUSAGE_CHILDREN, &ch));
    int64_t chus = (ch.ru_utime.tv_sec + ch.ru_stime.tv_sec) * 1000000LL + ch.ru_utime.tv_usec +
                   ch.ru_stime.tv_usec;
    CHECK_CMP(chus, >=, 30000); /* not us exactly: Linux scales the two sums separately */
}

static void getpid_identity(void)
{
    CHECK_EQ(getpid(), syscall(SYS_getpid));
    CHECK_EQ(gettid(), getpid()); /* the main thread's tid is the pid */
    CHECK_EQ(getppid(), syscall(SYS_getppid));
    CHECK(getppid() != getpid());
    CHECK_CMP(getpid(), >, 1);
    CHECK_EQ(getuid(), syscall(SYS_getuid));
    CHECK_EQ(geteuid(), syscall(SYS_geteuid));
    CHECK_EQ(getgid(), syscall(SYS_getgid));
}

static void orphan_reparented(void)
{
    int p[2];
    CHECK_SYS(pipe(p));
    pid_t mid = ut_fork();
    if (mid == 0) {
        pid_t mid_pid = getpid();
        if (fork() == 0) {
            int64_t deadline = ut_now_ns() + 5000000000LL;
            while (getppid() == mid_pid && ut_now_ns() < deadline)
                ut_sleep_ms(1);
            pid_t now = getppid();
            ut_write_all(p[1], &now, sizeof(now));
            _exit(0);
        }
        _exit(0);
    }
    close(p[1]);
    ut_wait_exit(mid, 0);
    pid_t adopted = 0;
    ut_read_all(p[0], &adopted, sizeof(adopted));
    CHECK(adopted != mid); /* reparented to init or a subreaper once its parent died */
    CHECK_CMP(adopted, >=, 1);
}

static void subreaper_reparent(void)
{
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
        if (errno == EINVAL && ut_under_qemu_user())
            SKIP("qemu-user does not pass PR_SET_CHILD_SUBREAPER through (EINVAL)");
        FAIL("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
    }
    int flag = 0;
    CHECK_SYS(prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0));
    CHECK_EQ(flag, 1);
    pid_t me = getpid();
    int p[2];
    CHECK_SYS(pipe(p));
    pid_t mid = ut_fork();
    if (mid == 0) {
        pid_t mid_pid = getpid();
        pid_t g = fork();
        if (g == 0) {
            /* Wait until our parent has exited and we were reparented to the subreaper. */
            int64_t deadline = ut_now_ns() + 5000000000LL;
            while (getppid() == mid_pid && ut_now_ns() < deadline)
                ut_sleep_ms(1);
            _exit(getppid() == me ? 0 : 1);
        }
        if (write(p[1], &g, sizeof(g)) != sizeof(g))
            _exit(2);
        _exit(0);
    }
    close(p[1]);
    pid_t g;
    ut_read_all(p[0], &g, sizeof(g));
    ut_wait_exit(mid, 0);
    /* The orphaned grandchild is now our child: we can wait for it. */
    ut_wait_exit(g, 0);
}

static void process_groups(void)
{
    /* The harness made the test process a group leader. */
    CHECK_EQ(getpgrp(), getpid());
    CHECK_EQ(getpgid(0), getpid());
    pid_t a = ut_fork();
    if (a == 0) {
        for (;;)
            pause();
    }
    pid_t b = ut_fork();
    if (b == 0) {
        for (;;)
            pause();
    }
    CHECK_EQ(SYS(getpgid(a)), getpid()); /* inherited */
    CHECK_SYS(setpgid(a, a));
    CHECK_EQ(SYS(getpgid(a)), a);
    CHECK_SYS(setpgid(b, a));
    CHECK_EQ(SYS(getpgid(b)), a);
    CHECK_ERR(setpgid(getppid(), 0), ESRCH); /* not us or our child */
    CHECK_ERR(setpgid(a, -1), EINVAL);
    /* A signal to the group reaches both members, and not us. */
    CHECK_SYS(kill(-a, SIGTERM));
    int st = ut_wait(a);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    st = ut_wait(b);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    CHECK_ERR(kill(-a, 0), ESRCH); /* the group is gone */
}

static void sessions(void)
{
    pid_t old_sid = SYS(getsid(0));
    CHECK_ERR(setsid(), EPERM); /* a group leader cannot start a session */
    int p[2];
    CHECK_SYS(pipe(p));
    pid_t pid = ut_fork();
    if (pid == 0) {
        pid_t sid = setsid();
        if (sid != getpid())
            FAIL("setsid returned %d, errno %s", (int)sid, ut_errname(errno));
        CHECK_EQ(getsid(0), getpid());
        CHECK_EQ(getpgrp(), getpid());
        CHECK_EQ(getsid(getppid()), old_sid);
        CHECK_ERR(setpgid(0, getppid()), EPERM); /* a session leader cannot move */
        CHECK_ERR(setsid(), EPERM);
        char c = 'x';
        ut_write_all(p[1], &c, 1);
        for (;;)
            pause();
    }
    char c;
    ut_read_all(p[0], &c, 1);
    CHECK_EQ(SYS(getsid(pid)), pid);
    CHECK_EQ(SYS(getpgid(pid)), pid);
    CHECK_ERR(setpgid(pid, getpgrp()), EPERM); /* child in another session */
    CHECK_SYS(kill(pid, SIGKILL));
    ut_wait(pid);
    CHECK_EQ(getsid(0), old_sid);
}

static void vfork_basic(void)
{
    pid_t parent = getpid();
    pid_t pid = vfork();
    if (pid == 0)
        _exit(getppid() == parent ? 7 : 8);
    CHECK_CMP(pid, >, 0);
    ut_wait_exit(pid, 7);
}

static void vfork_shares_memory(void)
{
    /* Linux: the vfork child borrows the parent's memory and the parent sleeps until the
     * child exits or execs, so the child's store is visible when vfork returns. */
    volatile int shared = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        shared = 42;
        _exit(0);
    }
    int seen = shared;
    ut_wait_exit(pid, 0);
    if (seen != 42 && ut_under_qemu_user())
        SKIP("qemu-user emulates vfork as fork (no shared memory, parent not suspended)");
    CHECK_EQ(seen, 42);
}

static void fork_shares_file_offset(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    ut_write_all(fd, "abcdef", 6);
    CHECK_SYS(lseek(fd, 0, SEEK_SET));
    pid_t pid = ut_fork();
    if (pid == 0) {
        char b[2];
        ut_read_all(fd, b, 2);
        _exit(memcmp(b, "ab", 2) == 0 ? 0 : 1);
    }
    ut_wait_exit(pid, 0);
    /* The open file description (and its offset) is shared with the child. */
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 2);
    char b[2];
    ut_read_all(fd, b, 2);
    CHECK_MEM(b, "cd", 2);
    close(fd);
}

static void many_children(void)
{
    enum { N = 24 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = ut_fork();
        if (pids[i] == 0)
            _exit(i);
    }
    for (int i = N - 1; i >= 0; i--)
        ut_wait_exit(pids[i], i);
}

/* --- execve ------------------------------------------------------------------------------ */

enum { EXEC_OK = 42 };

int ut_exec_helper(int argc, char **argv)
{
    extern char **environ;
    if (argc != 5)
        return 10;
    int keep = atoi(argv[2]), gone = atoi(argv[3]);
    if (fcntl(keep, F_GETFD) != 0)
        return 11; /* inherited, close-on-exec clear */
    if (fcntl(gone, F_GETFD) != -1 || errno != EBADF)
        return 12; /* closed by exec */
    const char *v = getenv("UT_EXEC_VAR");
    if (!v || strcmp(v, "value 1") != 0)
        return 13;
    int nenv = 0;
    while (environ[nenv])
        nenv++;
    if (nenv != 1)
        return 14;
    if (getpid() != atoi(argv[4]))
        return 15; /* exec keeps the pid */
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    if (sa.sa_handler != SIG_DFL)
        return 16; /* a caught signal is reset to default */
    sigaction(SIGUSR2, NULL, &sa);
    if (sa.sa_handler != SIG_IGN)
        return 17; /* an ignored signal stays ignored */
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    if (!sigismember(&mask, SIGWINCH))
        return 18; /* the signal mask is preserved */
    char buf[4];
    if (pread(keep, buf, 4, 0) != 4 || memcmp(buf, "kept", 4) != 0)
        return 19;
    return EXEC_OK;
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void execve_self(void)
{
    int keep = SYS(open("keep", O_RDWR | O_CREAT, 0644));
    ut_write_all(keep, "kept", 4);
    int gone = SYS(open("gone", O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    ut_handle(SIGUSR1, on_usr1, 0);
    signal(SIGUSR2, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGWINCH);
    sigprocmask(SIG_BLOCK, &mask, NULL);

    int p[2];
    CHECK_SYS(pipe2(p, O_CLOEXEC));
    pid_t pid = ut_fork();
    if (pid == 0) {
        char a_keep[16], a_gone[16], a_pid[16];
        snprintf(a_keep, sizeof(a_keep), "%d", keep);
        snprintf(a_gone, sizeof(a_gone), "%d", gone);
        snprintf(a_pid, sizeof(a_pid), "%d", getpid());
        char *args[] = {"usertest", "--exec-helper", a_keep, a_gone, a_pid, NULL};
        char *env[] = {"UT_EXEC_VAR=value 1", NULL};
        execve(ut_self_path, args, env);
        int e = errno;
        ut_write_all(p[1], &e, sizeof(e));
        _exit(1);
    }
    close(p[1]);
    int e = 0;
    ssize_t n = read(p[0], &e, sizeof(e)); /* EOF: the exec succeeded (p is close-on-exec) */
    int st = ut_wait(pid);
    if (n == sizeof(e)) {
        if (e == ENOEXEC && ut_under_qemu_user())
            SKIP("qemu-user: the host cannot exec an arm64 binary (no binfmt_misc handler)");
        FAIL("execve %s: %s", ut_self_path, strerror(e));
    }
    CHECK_EQ(n, 0);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), EXEC_OK);
}

static void execve_errors(void)
{
    char *args[] = {"x", NULL};
    char *env[] = {NULL};
    CHECK_ERR(execve("does-not-exist", args, env), ENOENT);
    ut_write_file("notexec", "#!/bin/sh\n", 10);
    CHECK_ERR(execve("notexec", args, env), EACCES); /* mode 0644: no execute permission */
    CHECK_SYS(mkdir("dir", 0755));
    CHECK_ERR(execve("dir", args, env), EACCES);
    ut_write_file("garbage", "\x01\x02\x03\x04garbage", 11);
    CHECK_SYS(chmod("garbage", 0755));
    CHECK_ERR(execve("garbage", args, env), ENOEXEC);
}

/* The set*id family as root, then as an unprivileged process (each test runs in its own
 * forked child, so the ids dropped here do not outlive it). */
static void check_resuid(uid_t r, uid_t e, uid_t s)
{
    uid_t gr, ge, gs;
    CHECK_SYS(getresuid(&gr, &ge, &gs));
    CHECK_EQ(gr, r);
    CHECK_EQ(ge, e);
    CHECK_EQ(gs, s);
}

static void credentials(void)
{
    if (geteuid() != 0)
        SKIP("needs root to change ids");
    gid_t groups[] = {5, 6, 7}, got[8];
    CHECK_SYS(setgroups(3, groups));
    CHECK_EQ(getgroups(0, NULL), 3);
    CHECK_ERR(getgroups(2, got), EINVAL);
    CHECK_EQ(getgroups(8, got), 3);
    CHECK_EQ(got[1], 6);
    CHECK_SYS(setresgid(100, 200, 300));
    gid_t rg, eg, sg;
    CHECK_SYS(getresgid(&rg, &eg, &sg));
    CHECK(rg == 100 && eg == 200 && sg == 300);
    CHECK_EQ(setfsgid(-1), 200); /* the filesystem gid follows the effective one */
    CHECK_SYS(setresuid(1000, 2000, 0));
    check_resuid(1000, 2000, 0);
    CHECK_EQ(setfsuid(-1), 2000);
    /* Unprivileged now: only ids already held as real, effective or saved. */
    CHECK_ERR(setgroups(0, NULL), EPERM);
    CHECK_ERR(setresuid(1, -1, -1), EPERM);
    CHECK_ERR(setuid(3000), EPERM);
    CHECK_ERR(setgid(5), EPERM);
    CHECK_EQ(setfsuid(3000), 2000); /* refused: stays */
    CHECK_EQ(setfsuid(-1), 2000);
    CHECK_SYS(setresuid(-1, 0, -1)); /* the saved root id gives root back */
    CHECK_EQ(geteuid(), 0);
    CHECK_SYS(setreuid(-1, 4000)); /* euid != ruid: the saved id follows */
    check_resuid(1000, 4000, 4000);
    CHECK_ERR(setreuid(-1, 0), EPERM);
    CHECK_SYS(setreuid(4000, 1000)); /* real set: saved = new effective */
    check_resuid(4000, 1000, 1000);
    CHECK_SYS(setuid(4000)); /* unprivileged setuid changes the effective id only */
    check_resuid(4000, 4000, 1000);
    CHECK_EQ(getuid(), 4000);
}

/* struct clone_args of <linux/sched.h> (that header clashes with glibc's <sched.h>). */
struct ut_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
};

static void clone3_fork(void)
{
    struct ut_clone_args a;
    memset(&a, 0, sizeof(a));
    pid_t ptid = 0;
    a.flags = CLONE_PARENT_SETTID;
    a.parent_tid = (uintptr_t)&ptid;
    a.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &a, sizeof(a));
    if (pid == 0)
        _exit(7);
    if (pid < 0 && errno == ENOSYS && ut_under_qemu_user())
        SKIP("qemu-user does not implement clone3");
    CHECK_CMP(pid, >, 0);
    CHECK_EQ(ptid, pid);
    ut_wait_exit(pid, 7);
    CHECK_ERR(syscall(SYS_clone3, &a, 32), EINVAL); /* shorter than the first version */
    struct {
        struct ut_clone_args a;
        uint64_t extra;
    } big;
    memset(&big, 0, sizeof(big));
    big.a.exit_signal = SIGCHLD;
    big.extra = 1;
    CHECK_ERR(syscall(SYS_clone3, &big, sizeof(big)), E2BIG); /* unknown non-zero field */
    a.flags = 0;
    a.stack = (uintptr_t)&big;
    a.stack_size = 0;
    CHECK_ERR(syscall(SYS_clone3, &a, sizeof(a)), EINVAL); /* a stack needs a size */
}

static void execveat_fd(void)
{
    char *args[] = {"usertest", NULL};
    char *env[] = {NULL};
    int dir = SYS(open(".", O_RDONLY | O_DIRECTORY));
    if (syscall(SYS_execveat, dir, "x", args, env, 0x8000) < 0 && errno == ENOSYS &&
        ut_under_qemu_user())
        SKIP("qemu-user does not implement execveat");
    CHECK_ERR(syscall(SYS_execveat, dir, "x", args, env, 0x8000), EINVAL);
    CHECK_ERR(syscall(SYS_execveat, dir, "", args, env, 0), ENOENT);
    CHECK_ERR(syscall(SYS_execveat, dir, "missing", args, env, 0), ENOENT);
    CHECK_ERR(syscall(SYS_execveat, 9999, "relative", args, env, 0), EBADF);
    /* The program behind a descriptor runs (the exec helper checks what exec keeps). */
    int p[2];
    CHECK_SYS(pipe2(p, O_CLOEXEC));
    pid_t pid = ut_fork();
    if (pid == 0) {
        int keep = open("kept", O_RDWR | O_CREAT, 0644);
        ut_write_all(keep, "kept", 4);
        int gone = open("gone", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        int self = open(ut_self_path, O_RDONLY | O_CLOEXEC);
        signal(SIGUSR2, SIG_IGN);
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        char a_keep[16], a_gone[16], a_pid[16];
        snprintf(a_keep, sizeof(a_keep), "%d", keep);
        snprintf(a_gone, sizeof(a_gone), "%d", gone);
        snprintf(a_pid, sizeof(a_pid), "%d", getpid());
        char *hargs[] = {"usertest", "--exec-helper", a_keep, a_gone, a_pid, NULL};
        char *henv[] = {"UT_EXEC_VAR=value 1", NULL};
        syscall(SYS_execveat, self, "", hargs, henv, AT_EMPTY_PATH);
        int e = errno;
        ut_write_all(p[1], &e, sizeof(e));
        _exit(1);
    }
    close(p[1]);
    int e = 0;
    ssize_t n = read(p[0], &e, sizeof(e));
    int st = ut_wait(pid);
    if (n == sizeof(e)) {
        if ((e == ENOEXEC || e == ENOSYS) && ut_under_qemu_user())
            SKIP("qemu-user cannot exec an arm64 binary here");
        FAIL("execveat(AT_EMPTY_PATH): %s", strerror(e));
    }
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), EXEC_OK);
    CHECK_SYS(symlink(ut_self_path, "link"));
    CHECK_ERR(syscall(SYS_execveat, dir, "link", args, env, AT_SYMLINK_NOFOLLOW), ELOOP);
}

/* --- clone(CLONE_VM) without CLONE_VFORK or CLONE_THREAD ---------------------------------- */

static int vm_word;                  /* the handshake word both processes see */
static volatile char *vm_child_page; /* mapped by the child, read by the parent */
static char vm_child_stack[64 * 1024] __attribute__((aligned(16)));

static void word_wait(int *w, int until)
{
    int v;
    while ((v = __atomic_load_n(w, __ATOMIC_SEQ_CST)) != until)
        syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void word_set(int *w, int v)
{
    __atomic_store_n(w, v, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* The child shares our memory but is a process of its own: it uses raw system calls only
 * (it runs on our TLS, so no errno). */
static int vm_child_maps(void *arg)
{
    (void)arg;
    long page =
        syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page < 0 && page > -4096)
        syscall(SYS_exit_group, 3);
    ((char *)page)[0] = 'x';
    vm_child_page = (volatile char *)page;
    word_set(&vm_word, 1);
    word_wait(&vm_word, 2); /* the parent's store is seen here */
    syscall(SYS_exit_group, syscall(SYS_getpid) != syscall(SYS_gettid) ? 4 : 0);
    return 0;
}

static pid_t clone_vm(int (*fn)(void *))
{
    pid_t pid = clone(fn, vm_child_stack + sizeof(vm_child_stack), CLONE_VM | SIGCHLD, NULL);
    if (pid < 0 && errno == EINVAL && ut_under_qemu_user())
        SKIP("qemu-user refuses CLONE_VM without CLONE_THREAD (EINVAL)");
    CHECK_CMP(pid, >, 0);
    return pid;
}

/* Linux: the child of clone(CLONE_VM) is a process of its own (its pid, reaped by wait) in
 * the same address space: stores and new mappings of each are seen by the other, and its
 * exit leaves the parent's memory alone. */
static void clone_vm_shares_memory(void)
{
    vm_word = 0;
    pid_t pid = clone_vm(vm_child_maps);
    word_wait(&vm_word, 1);
    CHECK(vm_child_page != NULL);
    CHECK_EQ(vm_child_page[0], 'x'); /* the child's mapping is ours too */
    word_set(&vm_word, 2);
    ut_wait_exit(pid, 0);
    CHECK_EQ(vm_child_page[0], 'x'); /* still mapped after the child is gone */
    CHECK_SYS(munmap((void *)vm_child_page, 4096));
    char *heap = malloc(1 << 16);
    CHECK(heap != NULL);
    memset(heap, 1, 1 << 16);
    free(heap);
}

static int vm_child_execs(void *arg)
{
    (void)arg;
    char a_pid[16];
    snprintf(a_pid, sizeof(a_pid), "%ld", syscall(SYS_getpid)); /* no errno: no TLS use */
    char *args[] = {"usertest", "--exec-mt-helper", a_pid, "race", NULL};
    char *env[] = {NULL};
    word_set(&vm_word, 1);
    syscall(SYS_execve, ut_self_path, args, env);
    syscall(SYS_exit_group, 99);
    return 0;
}

/* The exec of a clone(CLONE_VM) child gives it a new address space and leaves the parent's
 * intact. */
static void clone_vm_child_execs(void)
{
    vm_word = 0;
    static char marker[4096];
    memset(marker, 'm', sizeof(marker));
    pid_t pid = clone_vm(vm_child_execs);
    word_wait(&vm_word, 1);
    int st = ut_wait(pid);
    CHECK(WIFEXITED(st));
    if (WEXITSTATUS(st) == 99 && ut_under_qemu_user())
        SKIP("qemu-user: the host cannot exec an arm64 binary (no binfmt_misc handler)");
    CHECK_EQ(WEXITSTATUS(st), 43); /* thread/exec_from_thread's helper: pid kept, alone */
    for (size_t i = 0; i < sizeof(marker); i++)
        CHECK_EQ(marker[i], 'm');
    char *heap = malloc(1 << 16);
    CHECK(heap != NULL);
    memset(heap, 1, 1 << 16);
    free(heap);
}

/* Lookups by pid (kill, getpgid, getsid, prlimit, /proc/PID/stat and fd/1) from one
 * process while another CPU's children exit and are reaped: each gives its answer or
 * ESRCH/ENOENT, never anything else (and the kernel survives a lookup racing the reap). */
static void lookups_race_reaping(void)
{
    pid_t prober = ut_fork();
    if (prober == 0) {
        for (int round = 0; round < 40; round++) {
            pid_t c = ut_fork();
            if (c == 0)
                _exit(0);
            for (int i = 0; i < 8; i++) {
                if (kill(c, 0) == -1 && errno != ESRCH)
                    FAIL("kill: %s", strerror(errno));
                if (getpgid(c) == -1 && errno != ESRCH)
                    FAIL("getpgid: %s", strerror(errno));
                if (getsid(c) == -1 && errno != ESRCH)
                    FAIL("getsid: %s", strerror(errno));
                struct rlimit rl;
                if (prlimit(c, RLIMIT_NOFILE, NULL, &rl) == -1 && errno != ESRCH)
                    FAIL("prlimit: %s", strerror(errno));
                char path[64], buf[256];
                snprintf(path, sizeof(path), "/proc/%d/stat", (int)c);
                int fd = open(path, O_RDONLY);
                if (fd >= 0) {
                    if (read(fd, buf, sizeof(buf)) == -1 && errno != ESRCH)
                        FAIL("read %s: %s", path, strerror(errno));
                    close(fd);
                } else if (errno != ENOENT && errno != ESRCH) {
                    FAIL("open %s: %s", path, strerror(errno));
                }
                snprintf(path, sizeof(path), "/proc/%d/fd/1", (int)c);
                if (readlink(path, buf, sizeof(buf)) == -1 && errno != ENOENT && errno != ESRCH)
                    FAIL("readlink %s: %s", path, strerror(errno));
            }
            CHECK_EQ(waitpid(c, NULL, 0), c);
        }
        _exit(0);
    }
    ut_wait_exit(prober, 0);
}

static const struct ut_test tests[] = {
    {"fork_basic", fork_basic},
    {"lookups_race_reaping", lookups_race_reaping},
    {"wait_exit_codes", wait_exit_codes},
    {"wait_signaled", wait_signaled},
    {"wait_stopped_continued", wait_stopped_continued},
    {"waitpid_wnohang", waitpid_wnohang},
    {"wait_echild", wait_echild},
    {"wait_any_collects_all", wait_any_collects_all},
    {"waitid_nowait", waitid_nowait},
    {"wait4_rusage", wait4_rusage},
    {"getpid_identity", getpid_identity},
    {"orphan_reparented", orphan_reparented},
    {"subreaper_reparent", subreaper_reparent},
    {"process_groups", process_groups},
    {"sessions", sessions},
    {"vfork_basic", vfork_basic},
    {"vfork_shares_memory", vfork_shares_memory},
    {"clone_vm_shares_memory", clone_vm_shares_memory},
    {"clone_vm_child_execs", clone_vm_child_execs},
    {"fork_shares_file_offset", fork_shares_file_offset},
    {"many_children", many_children},
    {"execve_self", execve_self},
    {"execve_errors", execve_errors},
    {"credentials", credentials},
    {"clone3_fork", clone3_fork},
    {"execveat_fd", execveat_fd},
};
UT_AREA(proc, tests);
