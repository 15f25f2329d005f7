/* flock/: flock(2) whole-file locks (owned by the open file description, shared by dup and
 * fork, apart from fcntl record locks) and the file access hints fadvise and readahead. Each
 * test runs in a fresh directory. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

static int open_f(void)
{
    return SYS(open("f", O_RDWR | O_CREAT, 0644));
}

/* Two open files of one process conflict; shared locks share; conversion both ways. */
static void exclusive_and_shared(void)
{
    int a = open_f(), b = open_f();
    CHECK_SYS(flock(a, LOCK_EX));
    CHECK_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    CHECK_SYS(flock(a, LOCK_EX)); /* again: no change */
    CHECK_SYS(flock(a, LOCK_SH)); /* downgrade */
    CHECK_SYS(flock(b, LOCK_SH | LOCK_NB));
    CHECK_ERR(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK); /* b shares it */
    CHECK_SYS(flock(b, LOCK_UN));
    CHECK_SYS(flock(a, LOCK_EX | LOCK_NB)); /* upgrade */
    CHECK_SYS(flock(b, LOCK_UN));           /* unlocking nothing is fine */
    close(a);
    CHECK_SYS(flock(b, LOCK_EX | LOCK_NB)); /* closing a released it */
    close(b);
}

/* A dup shares the lock, which lasts until the last descriptor of the open file closes. */
static void dup_shares_lock(void)
{
    int a = open_f(), b = open_f();
    int a2 = SYS(dup(a));
    CHECK_SYS(flock(a, LOCK_EX));
    CHECK_SYS(flock(a2, LOCK_EX | LOCK_NB)); /* the same lock */
    close(a);
    CHECK_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    close(a2);
    CHECK_SYS(flock(b, LOCK_SH | LOCK_NB));
    close(b);
}

/* A forked child inherits the open file and so the lock: its LOCK_UN releases it. */
static void fork_shares_lock(void)
{
    int a = open_f(), b = open_f();
    CHECK_SYS(flock(a, LOCK_EX));
    pid_t pid = ut_fork();
    if (pid == 0) {
        int c = open_f();
        CHECK_ERR(flock(c, LOCK_EX | LOCK_NB), EWOULDBLOCK);
        CHECK_SYS(flock(a, LOCK_UN));
        CHECK_SYS(flock(c, LOCK_EX | LOCK_NB));
        _exit(0);
    }
    ut_wait_exit(pid, 0);
    CHECK_SYS(flock(b, LOCK_EX | LOCK_NB)); /* c closed with the child */
    close(a);
    close(b);
}

/* flock locks and fcntl record locks do not see each other. */
static void apart_from_record_locks(void)
{
    int a = open_f(), b = open_f();
    CHECK_SYS(flock(a, LOCK_EX));
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK_SYS(fcntl(b, F_OFD_SETLK, &l));
    CHECK_SYS(flock(a, LOCK_UN));
    CHECK_SYS(flock(b, LOCK_EX | LOCK_NB));
    close(a);
    close(b);
}

/* A blocked LOCK_EX waits for the holder to unlock. */
static void wait_for_release(void)
{
    int a = open_f();
    CHECK_SYS(flock(a, LOCK_EX));
    int ready[2];
    CHECK_SYS(pipe(ready));
    pid_t pid = ut_fork();
    if (pid == 0) {
        int c = open_f();
        ut_write_all(ready[1], "x", 1);
        CHECK_SYS(flock(c, LOCK_EX)); /* blocks until the parent unlocks */
        _exit(0);
    }
    char x;
    ut_read_all(ready[0], &x, 1);
    ut_sleep_ms(200);
    CHECK_SYS(flock(a, LOCK_UN));
    ut_wait_exit(pid, 0);
    close(a);
}

static void on_usr1(int sig)
{
    (void)sig;
}

/* A signal whose handler has no SA_RESTART ends a blocked flock with EINTR. */
static void wait_interrupted(void)
{
    int a = open_f();
    CHECK_SYS(flock(a, LOCK_SH));
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_handle(SIGUSR1, on_usr1, 0);
        int c = open_f();
        CHECK_ERR(flock(c, LOCK_EX), EINTR);
        _exit(0);
    }
    ut_sleep_ms(300);
    CHECK_SYS(kill(pid, SIGUSR1));
    ut_wait_exit(pid, 0);
    close(a);
}

static void bad_arguments(void)
{
    int a = open_f();
    CHECK_ERR(flock(-1, LOCK_SH), EBADF);
    CHECK_ERR(flock(a, 0), EINVAL);
    CHECK_ERR(flock(a, LOCK_SH | LOCK_EX), EINVAL);
    CHECK_ERR(flock(a, LOCK_NB), EINVAL);
    int p = SYS(open("f", O_PATH));
    CHECK_ERR(flock(p, LOCK_SH), EBADF);
    int ro = SYS(open("f", O_RDONLY));
    CHECK_SYS(flock(ro, LOCK_EX)); /* any access mode may take either lock */
    close(ro);
    close(p);
    close(a);
}

/* posix_fadvise and readahead: valid hints are accepted, bad ones refused. */
static void access_hints(void)
{
    int a = open_f();
    CHECK_SYS(write(a, "data", 4));
    CHECK_EQ(posix_fadvise(a, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
    CHECK_EQ(posix_fadvise(a, 0, 4096, POSIX_FADV_DONTNEED), 0);
    CHECK_EQ(posix_fadvise(a, 0, 0, 99), EINVAL);
    CHECK_EQ(posix_fadvise(a, 0, -1, POSIX_FADV_NORMAL), EINVAL);
    CHECK_EQ(posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL), EBADF);
    int fds[2];
    CHECK_SYS(pipe(fds));
    CHECK_EQ(posix_fadvise(fds[0], 0, 0, POSIX_FADV_NORMAL), ESPIPE);
    CHECK_SYS(readahead(a, 0, 4096));
    CHECK_ERR(readahead(fds[0], 0, 4096), EINVAL);
    CHECK_ERR(readahead(-1, 0, 4096), EBADF);
    int wo = SYS(open("f", O_WRONLY));
    CHECK_ERR(readahead(wo, 0, 4096), EBADF);
    close(wo);
    close(fds[0]);
    close(fds[1]);
    close(a);
}

static const struct ut_test tests[] = {
    {"exclusive_and_shared", exclusive_and_shared},
    {"dup_shares_lock", dup_shares_lock},
    {"fork_shares_lock", fork_shares_lock},
    {"apart_from_record_locks", apart_from_record_locks},
    {"wait_for_release", wait_for_release},
    {"wait_interrupted", wait_interrupted},
    {"bad_arguments", bad_arguments},
    {"access_hints", access_hints},
};
UT_AREA(flock, tests);
