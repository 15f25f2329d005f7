/* poll/: poll, ppoll, select, pselect, epoll, eventfd and timerfd. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define MS 1000000LL

static void poll_pipe_states(void)
{
    int p[2];
    CHECK_SYS(pipe(p));
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    int64_t t0 = ut_now_ns();
    CHECK_EQ(SYS(poll(fds, 1, 50)), 0); /* nothing to read: times out */
    CHECK_CMP(ut_now_ns() - t0, >=, 50 * MS);
    CHECK_EQ(fds[0].revents, 0);
    CHECK_EQ(SYS(poll(fds, 2, 0)), 1);
    CHECK_EQ(fds[1].revents, POLLOUT);
    ut_write_all(p[1], "x", 1);
    CHECK_EQ(SYS(poll(fds, 2, 0)), 2);
    CHECK_EQ(fds[0].revents, POLLIN);
    close(p[1]);
    CHECK_EQ(SYS(poll(fds, 1, 0)), 1);
    CHECK_EQ(fds[0].revents, POLLIN | POLLHUP); /* data left, writer gone */
    char c;
    ut_read_all(p[0], &c, 1);
    CHECK_EQ(SYS(poll(fds, 1, 0)), 1);
    CHECK_EQ(fds[0].revents, POLLHUP);

    int q[2];
    CHECK_SYS(pipe(q));
    close(q[0]);
    struct pollfd w = {q[1], POLLOUT, 0};
    CHECK_EQ(SYS(poll(&w, 1, 0)), 1);
    CHECK(w.revents & POLLERR); /* reader gone */

    struct pollfd odd[2] = {{-1, POLLIN, 123}, {999, POLLIN, 0}};
    CHECK_EQ(SYS(poll(odd, 2, 0)), 1);
    CHECK_EQ(odd[0].revents, 0); /* negative fd: ignored */
    CHECK_EQ(odd[1].revents, POLLNVAL);
}

static void poll_wakes_on_write(void)
{
    int p[2];
    CHECK_SYS(pipe(p));
    int64_t t0 = ut_now_ns(); /* before the fork: the write comes >= 30 ms after it */
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_sleep_ms(30);
        ut_write_all(p[1], "x", 1);
        _exit(0);
    }
    struct pollfd fd = {p[0], POLLIN, 0};
    CHECK_EQ(SYS(poll(&fd, 1, 5000)), 1);
    CHECK_EQ(fd.revents, POLLIN);
    CHECK_CMP(ut_now_ns() - t0, >=, 30 * MS);
    CHECK_CMP(ut_now_ns() - t0, <, 4000 * MS);
    ut_wait_exit(pid, 0);
}

static volatile int usr1_hits;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_hits++;
}

static bool usr1_blocked(void)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, SIGUSR1);
}

static void ppoll_sigmask(void)
{
    int p[2];
    CHECK_SYS(pipe(p));
    struct pollfd fd = {p[0], POLLIN, 0};
    struct timespec ts = {0, 30 * MS};
    int64_t t0 = ut_now_ns();
    CHECK_EQ(SYS(ppoll(&fd, 1, &ts, NULL)), 0);
    CHECK_CMP(ut_now_ns() - t0, >=, 30 * MS);

    ut_handle(SIGUSR1, on_usr1, 0);
    sigset_t block, empty;
    sigemptyset(&block);
    sigemptyset(&empty);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    CHECK_EQ(usr1_hits, 0);
    struct timespec long_ts = {5, 0};
    t0 = ut_now_ns();
    /* The pending signal is unblocked atomically for the wait: EINTR at once. */
    CHECK_ERR(ppoll(&fd, 1, &long_ts, &empty), EINTR);
    CHECK_EQ(usr1_hits, 1);
    CHECK_CMP(ut_now_ns() - t0, <, 2000 * MS);
    CHECK(usr1_blocked());
}

static void select_sets(void)
{
    int a[2], b[2];
    CHECK_SYS(pipe(a));
    CHECK_SYS(pipe(b));
    ut_write_all(b[1], "y", 1);
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(a[0], &rd);
    FD_SET(b[0], &rd);
    FD_SET(a[1], &wr);
    int maxfd = a[0];
    int fds[] = {a[0], a[1], b[0], b[1]};
    for (int i = 0; i < 4; i++)
        if (fds[i] > maxfd)
            maxfd = fds[i];
    struct timeval tv = {1, 0};
    CHECK_EQ(SYS(select(maxfd + 1, &rd, &wr, NULL, &tv)), 2);
    CHECK(!FD_ISSET(a[0], &rd)); /* empty */
    CHECK(FD_ISSET(b[0], &rd));
    CHECK(FD_ISSET(a[1], &wr));

    FD_ZERO(&rd);
    FD_SET(a[0], &rd);
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    int64_t t0 = ut_now_ns();
    CHECK_EQ(SYS(select(a[0] + 1, &rd, NULL, NULL, &tv)), 0);
    CHECK_CMP(ut_now_ns() - t0, >=, 50 * MS);
    CHECK(!FD_ISSET(a[0], &rd));
    /* The kernel writes back the time left (0 after a timeout); checked on the raw call,
     * since C libraries differ in whether select passes it on. */
    struct timespec left = {0, 20 * MS};
    FD_SET(a[0], &rd);
    CHECK_EQ(SYS(syscall(SYS_pselect6, a[0] + 1, &rd, NULL, NULL, &left, NULL)), 0);
    CHECK_EQ(left.tv_sec, 0);
    CHECK_EQ(left.tv_nsec, 0);
    ut_write_all(a[1], "w", 1);
    left.tv_sec = 5;
    left.tv_nsec = 0;
    FD_SET(a[0], &rd);
    CHECK_EQ(SYS(syscall(SYS_pselect6, a[0] + 1, &rd, NULL, NULL, &left, NULL)), 1);
    CHECK(left.tv_sec == 4 || left.tv_sec == 5); /* most of it left */
    char c;
    ut_read_all(a[0], &c, 1);

    int closed = SYS(dup(a[0]));
    close(closed);
    FD_ZERO(&rd);
    FD_SET(closed, &rd);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    CHECK_ERR(select(closed + 1, &rd, NULL, NULL, &tv), EBADF);
    CHECK_ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL);
}

static void pselect_sigmask(void)
{
    int p[2];
    CHECK_SYS(pipe(p));
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct timespec ts = {0, 30 * MS};
    int64_t t0 = ut_now_ns();
    CHECK_EQ(SYS(pselect(p[0] + 1, &rd, NULL, NULL, &ts, NULL)), 0);
    CHECK_CMP(ut_now_ns() - t0, >=, 30 * MS);

    ut_handle(SIGUSR1, on_usr1, 0);
    sigset_t block, empty;
    sigemptyset(&block);
    sigemptyset(&empty);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct timespec long_ts = {5, 0};
    CHECK_ERR(pselect(p[0] + 1, &rd, NULL, NULL, &long_ts, &empty), EINTR);
    CHECK_EQ(usr1_hits, 1);
    CHECK(usr1_blocked());
    /* Ready data is reported without waiting. */
    ut_write_all(p[1], "z", 1);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    CHECK_EQ(SYS(pselect(p[0] + 1, &rd, NULL, NULL, &long_ts, NULL)), 1);
    CHECK(FD_ISSET(p[0], &rd));
}

static void epoll_basic(void)
{
    int ep = SYS(epoll_create1(EPOLL_CLOEXEC));
    CHECK_EQ(SYS(fcntl(ep, F_GETFD)), FD_CLOEXEC);
    int a[2], b[2];
    CHECK_SYS(pipe(a));
    CHECK_SYS(pipe(b));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0xaaaa000000000001ULL};
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, a[0], &ev));
    ev.data.u64 = 0xbbbb000000000002ULL;
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev), EEXIST);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, b[1], NULL), ENOENT);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
    int file = SYS(open("regular", O_RDWR | O_CREAT, 0644));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev), EPERM);

    struct epoll_event out[4];
    CHECK_EQ(SYS(epoll_wait(ep, out, 4, 0)), 0);
    ut_write_all(b[1], "b", 1);
    CHECK_EQ(SYS(epoll_wait(ep, out, 4, 0)), 1);
    CHECK_EQ(out[0].events, EPOLLIN);
    CHECK_EQ(out[0].data.u64, 0xbbbb000000000002ULL);
    CHECK_EQ(SYS(epoll_wait(ep, out, 4, 0)), 1); /* level-triggered: still ready */
    ut_write_all(a[1], "a", 1);
    CHECK_EQ(SYS(epoll_wait(ep, out, 4, 0)), 2);
    CHECK_EQ(SYS(epoll_wait(ep, out, 1, 0)), 1); /* maxevents bounds the result */

    ev.data.u64 = 77;
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_MOD, a[0], &ev));
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_DEL, b[0], NULL));
    CHECK_EQ(SYS(epoll_wait(ep, out, 4, 0)), 1);
    CHECK_EQ(out[0].data.u64, 77);
    close(a[1]);
    CHECK_EQ(SYS(epoll_wait(ep, out, 4, 0)), 1);
    CHECK_EQ(out[0].events, EPOLLIN | EPOLLHUP);
    CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL);
}

static void epoll_edge_oneshot(void)
{
    int ep = SYS(epoll_create1(0));
    int p[2], q[2];
    CHECK_SYS(pipe(p));
    CHECK_SYS(pipe(q));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = 1};
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    struct epoll_event out[2];
    ut_write_all(p[1], "1", 1);
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 0)), 1);
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 0)), 0); /* edge already reported */
    ut_write_all(p[1], "2", 1);
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 0)), 1); /* a new edge */

    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u32 = 2;
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev));
    ut_write_all(q[1], "q", 1);
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 0)), 1);
    CHECK_EQ(out[0].data.u32, 2);
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 0)), 0); /* disarmed */
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &ev));
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 0)), 1); /* rearmed, still readable */
}

static void epoll_blocking(void)
{
    int ep = SYS(epoll_create1(0));
    int p[2];
    CHECK_SYS(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = p[0]};
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    struct epoll_event out;
    int64_t t0 = ut_now_ns();
    CHECK_EQ(SYS(epoll_wait(ep, &out, 1, 50)), 0);
    CHECK_CMP(ut_now_ns() - t0, >=, 50 * MS);
    t0 = ut_now_ns();
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_sleep_ms(30);
        ut_write_all(p[1], "x", 1);
        _exit(0);
    }
    CHECK_EQ(SYS(epoll_wait(ep, &out, 1, 5000)), 1);
    CHECK_EQ(out.data.fd, p[0]);
    CHECK_CMP(ut_now_ns() - t0, >=, 30 * MS);
    ut_wait_exit(pid, 0);
    /* epoll_pwait with a signal mask: a pending, unblocked-for-the-wait signal → EINTR. */
    char c;
    ut_read_all(p[0], &c, 1);
    ut_handle(SIGUSR1, on_usr1, 0);
    sigset_t block, empty;
    sigemptyset(&block);
    sigemptyset(&empty);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    CHECK_ERR(epoll_pwait(ep, &out, 1, 5000, &empty), EINTR);
    CHECK_EQ(usr1_hits, 1);
}

static void eventfd_counter(void)
{
    int fd = SYS(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    CHECK_EQ(SYS(fcntl(fd, F_GETFD)), FD_CLOEXEC);
    uint64_t v;
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    v = 3;
    CHECK_EQ(SYS(write(fd, &v, 8)), 8);
    v = 4;
    CHECK_EQ(SYS(write(fd, &v, 8)), 8);
    struct pollfd pfd = {fd, POLLIN, 0};
    CHECK_EQ(SYS(poll(&pfd, 1, 0)), 1);
    CHECK_EQ(SYS(read(fd, &v, 8)), 8);
    CHECK_EQ(v, 7); /* the sum, and the counter resets */
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    CHECK_ERR(read(fd, &v, 4), EINVAL); /* less than 8 bytes */
    v = UINT64_MAX;
    CHECK_ERR(write(fd, &v, 8), EINVAL);
    v = UINT64_MAX - 1; /* the largest value it can hold */
    CHECK_EQ(SYS(write(fd, &v, 8)), 8);
    v = 1;
    CHECK_ERR(write(fd, &v, 8), EAGAIN); /* would overflow */
    close(fd);

    int sem = SYS(eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK));
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(SYS(read(sem, &v, 8)), 8);
        CHECK_EQ(v, 1); /* semaphore mode: decrements by one */
    }
    CHECK_ERR(read(sem, &v, 8), EAGAIN);

    /* Blocking read woken by another process. */
    int blk = SYS(eventfd(0, 0));
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_sleep_ms(20);
        uint64_t one = 42;
        _exit(write(blk, &one, 8) == 8 ? 0 : 1);
    }
    CHECK_EQ(SYS(read(blk, &v, 8)), 8);
    CHECK_EQ(v, 42);
    ut_wait_exit(pid, 0);
}

static void timerfd_expirations(void)
{
    int fd = SYS(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
    struct itimerspec its = {{0, 0}, {0, 50 * MS}};
    int64_t t0 = ut_now_ns();
    CHECK_SYS(timerfd_settime(fd, 0, &its, NULL));
    struct itimerspec cur;
    CHECK_SYS(timerfd_gettime(fd, &cur));
    CHECK_EQ(cur.it_value.tv_sec, 0);
    CHECK_CMP(cur.it_value.tv_nsec, >, 0);
    CHECK_CMP(cur.it_value.tv_nsec, <=, 50 * MS);
    uint64_t n = 0;
    CHECK_EQ(SYS(read(fd, &n, 8)), 8); /* blocks until it fires */
    CHECK_EQ(n, 1);
    CHECK_CMP(ut_now_ns() - t0, >=, 50 * MS);
    CHECK_SYS(timerfd_gettime(fd, &cur));
    CHECK_EQ(cur.it_value.tv_sec + cur.it_value.tv_nsec, 0); /* one-shot: disarmed */

    /* Periodic 10 ms: after ~65 ms, several expirations are counted in one read. */
    struct itimerspec per = {{0, 10 * MS}, {0, 10 * MS}};
    CHECK_SYS(timerfd_settime(fd, 0, &per, NULL));
    ut_sleep_ms(65);
    CHECK_EQ(SYS(read(fd, &n, 8)), 8);
    CHECK_CMP(n, >=, 5);
    CHECK_CMP(n, <, 1000);

    /* Absolute expiry, non-blocking reads, disarming. */
    int nb = SYS(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    CHECK_ERR(read(nb, &n, 8), EAGAIN);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct itimerspec abs = {{0, 0}, {now.tv_sec, now.tv_nsec}}; /* already passed */
    CHECK_SYS(timerfd_settime(nb, TFD_TIMER_ABSTIME, &abs, NULL));
    struct pollfd pfd = {nb, POLLIN, 0};
    CHECK_EQ(SYS(poll(&pfd, 1, 1000)), 1);
    CHECK_EQ(SYS(read(nb, &n, 8)), 8);
    CHECK_EQ(n, 1);
    struct itimerspec off = {{0, 0}, {0, 0}};
    CHECK_SYS(timerfd_settime(fd, 0, &off, NULL));
    CHECK_ERR(timerfd_create(12345, 0), EINVAL);
    CHECK_ERR(read(nb, &n, 4), EINVAL);
}

static void epoll_timerfd_eventfd(void)
{
    int ep = SYS(epoll_create1(0));
    int tfd = SYS(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    int efd = SYS(eventfd(0, EFD_NONBLOCK));
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev));
    ev.data.u32 = 2;
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
    struct itimerspec its = {{0, 0}, {0, 40 * MS}};
    int64_t t0 = ut_now_ns();
    CHECK_SYS(timerfd_settime(tfd, 0, &its, NULL));
    struct epoll_event out[2];
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 5000)), 1);
    CHECK_EQ(out[0].data.u32, 1);
    CHECK_CMP(ut_now_ns() - t0, >=, 40 * MS);
    uint64_t v = 5;
    CHECK_SYS(write(efd, &v, 8));
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 0)), 2);
    CHECK_SYS(read(tfd, &v, 8));
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 0)), 1);
    CHECK_EQ(out[0].data.u32, 2);
}

/* epoll_ctl's refusals, EPOLLEXCLUSIVE, nested epolls and epoll_pwait2's timespec. */
static void epoll_nested_errors(void)
{
    int ep = SYS(epoll_create1(EPOLL_CLOEXEC)), inner = SYS(epoll_create1(0));
    CHECK_EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);
    CHECK_ERR(epoll_create1(1), EINVAL);
    int efd = SYS(eventfd(0, EFD_NONBLOCK));
    struct epoll_event ev = {EPOLLIN, {.u32 = 9}}, out[2];
    int file = SYS(open(".", O_RDONLY));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev), EPERM);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
    CHECK_ERR(epoll_ctl(efd, EPOLL_CTL_ADD, ep, &ev), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev), ENOENT);
    CHECK_ERR(epoll_ctl(ep, 99, efd, &ev), EINVAL);
    CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL);
    CHECK_ERR(epoll_wait(efd, out, 1, 0), EINVAL);
    struct epoll_event ex = {EPOLLIN | EPOLLEXCLUSIVE, {.u32 = 5}};
    CHECK_SYS(epoll_ctl(inner, EPOLL_CTL_ADD, efd, &ex));
    CHECK_ERR(epoll_ctl(inner, EPOLL_CTL_MOD, efd, &ex), EINVAL);
    struct epoll_event iev = {EPOLLIN, {.u32 = 1}};
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, inner, &iev));
    CHECK_ERR(epoll_ctl(inner, EPOLL_CTL_ADD, ep, &iev), ELOOP);
    if (!ut_under_qemu_user()) { /* qemu-user lacks epoll_pwait2 */
        struct timespec ts = {0, 20 * 1000 * 1000};
        int64_t t0 = ut_now_ns();
        CHECK_EQ(SYS(syscall(SYS_epoll_pwait2, ep, out, 2, &ts, NULL, 8)), 0);
        CHECK_CMP(ut_now_ns() - t0, >=, 20 * 1000 * 1000);
        ts.tv_nsec = -1;
        CHECK_ERR(syscall(SYS_epoll_pwait2, ep, out, 2, &ts, NULL, 8), EINVAL);
    }
    uint64_t one = 1;
    CHECK_SYS(write(efd, &one, 8));
    CHECK_EQ(SYS(epoll_wait(ep, out, 2, 1000)), 1); /* the inner epoll became readable */
    CHECK_EQ(out[0].data.u32, 1);
    CHECK_EQ(out[0].events, EPOLLIN);
    CHECK_EQ(SYS(epoll_wait(inner, out, 2, 0)), 1);
    CHECK_EQ(out[0].data.u32, 5);
    close(efd); /* closing the file removes its items */
    CHECK_EQ(SYS(epoll_wait(inner, out, 2, 0)), 0);
}

static const struct ut_test tests[] = {
    {"poll_pipe_states", poll_pipe_states},
    {"poll_wakes_on_write", poll_wakes_on_write},
    {"ppoll_sigmask", ppoll_sigmask},
    {"select_sets", select_sets},
    {"pselect_sigmask", pselect_sigmask},
    {"epoll_basic", epoll_basic},
    {"epoll_edge_oneshot", epoll_edge_oneshot},
    {"epoll_blocking", epoll_blocking},
    {"eventfd_counter", eventfd_counter},
    {"timerfd_expirations", timerfd_expirations},
    {"epoll_timerfd_eventfd", epoll_timerfd_eventfd},
    {"epoll_nested_errors", epoll_nested_errors},
};
UT_AREA(poll, tests);
