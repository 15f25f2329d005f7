/*
 * poll/select cores on mixed objects (pipe ends, eventfd, a regular file, a bad and a
 * negative descriptor), compared with the host's poll(2) and select(2) on the same objects;
 * registration and wakeups through a poll table; timeout conversions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <unistd.h>
#include <cmocka.h>
#include <libos/abi/fcntl.h>
#include "support.h"

/* Descriptor table for the lookup callback, indexed by the host's fd numbers. */
static struct ipc_fd_view table[1024];
static bool table_open[1024];

static int lookup(void *ctx, int fd, struct ipc_fd_view *out)
{
    (void)ctx;
    if (fd < 0 || fd >= 1024 || !table_open[fd])
        return -EBADF;
    *out = table[fd];
    return 0;
}

struct objs {
    struct pipe *p;
    struct eventfd *e;
    int rd, wr, ev, reg, bad;
};

static void objs_open(struct objs *o)
{
    int fd[2];
    assert_int_equal(pipe_create(&test_env, &o->p), 0);
    pipe_open(o->p, LINUX_O_RDONLY);
    pipe_open(o->p, LINUX_O_WRONLY);
    assert_int_equal(ipc_eventfd_create(&test_env, 0, 0, &o->e), 0);
    assert_int_equal(pipe2(fd, O_NONBLOCK), 0);
    o->rd = fd[0], o->wr = fd[1];
    o->ev = eventfd(0, EFD_NONBLOCK);
    char path[] = "/tmp/exo-ipc-poll-XXXXXX";
    o->reg = mkstemp(path);
    unlink(path);
    o->bad = dup(o->reg);
    close(o->bad); /* a closed descriptor on both sides */
    table[o->rd] = (struct ipc_fd_view){&pipe_file_ops, o->p, LINUX_O_RDONLY};
    table[o->wr] = (struct ipc_fd_view){&pipe_file_ops, o->p, LINUX_O_WRONLY};
    table[o->ev] = (struct ipc_fd_view){&ipc_eventfd_file_ops, o->e, 0};
    table[o->reg] = (struct ipc_fd_view){NULL, NULL, LINUX_O_RDWR};
    table_open[o->rd] = table_open[o->wr] = table_open[o->ev] = table_open[o->reg] = true;
}

static void objs_close(struct objs *o)
{
    int fds[] = {o->rd, o->wr, o->ev, o->reg};
    for (int i = 0; i < 4; i++) {
        if (table_open[fds[i]] && table[fds[i]].ops)
            table[fds[i]].ops->release(table[fds[i]].obj, table[fds[i]].f_flags);
        if (table_open[fds[i]])
            close(fds[i]);
        table_open[fds[i]] = false;
    }
}

/* Polls the same pollfd array on both sides and compares counts and revents. */
static int poll_both(struct linux_pollfd *fds, int n)
{
    struct pollfd h[16];
    for (int i = 0; i < n; i++)
        h[i] = (struct pollfd){fds[i].fd, fds[i].events, 0};
    int m = ipc_poll_scan(fds, (size_t)n, lookup, NULL, NULL);
    assert_int_equal(m, poll(h, (nfds_t)n, 0));
    for (int i = 0; i < n; i++)
        assert_int_equal(fds[i].revents, h[i].revents);
    return m;
}

static void test_poll_mixed(void **state)
{
    (void)state;
    struct objs o;
    objs_open(&o);
    short all = POLLIN | POLLOUT | POLLPRI | POLLRDNORM | POLLWRNORM;
    struct linux_pollfd fds[] = {{o.rd, all, 0},  {o.wr, all, 0},   {o.ev, all, 0},
                                 {o.reg, all, 0}, {o.bad, all, 0},  {-1, all, 0},
                                 {o.rd, 0, 0},    {o.wr, POLLIN, 0}};
    int n = (int)ARRAY_SIZE(fds);
    assert_int_equal(poll_both(fds, n), 4); /* wr, ev, reg writable; bad: POLLNVAL */
    bool sp;
    uint64_t one = 1;
    pipe_write(o.p, "x", 1, &sp), assert_int_equal(write(o.wr, "x", 1), 1);
    ipc_eventfd_write(o.e, &one, 8), assert_int_equal(write(o.ev, &one, 8), 8);
    assert_int_equal(poll_both(fds, n), 5);
    /* Writer gone: the read end reports POLLHUP even with no events requested. */
    table[o.wr].ops->release(table[o.wr].obj, table[o.wr].f_flags);
    table_open[o.wr] = false;
    close(o.wr);
    fds[1].fd = fds[7].fd = -1;
    assert_int_equal(poll_both(fds, n), 5);
    objs_close(&o);
}

static void test_poll_registers_until_ready(void **state)
{
    (void)state;
    struct objs o;
    objs_open(&o);
    struct rec_table t;
    rec_table_init(&t);
    struct linux_pollfd fds[] = {{o.rd, POLLIN, 0}, {o.ev, POLLIN, 0}};
    assert_int_equal(ipc_poll_scan(fds, 2, lookup, NULL, &t.pt), 0);
    assert_int_equal(t.n, 2); /* nothing ready: registered on both queues */
    bool sp;
    assert_int_equal(pipe_write(o.p, "hi", 2, &sp), 2);
    assert_int_equal(rec_table_wakes(&t), 1); /* the waiter would be woken */
    rec_table_detach(&t);
    rec_table_init(&t);
    struct linux_pollfd fds2[] = {{o.rd, POLLIN, 0}, {o.ev, POLLIN, 0}};
    assert_int_equal(ipc_poll_scan(fds2, 2, lookup, NULL, &t.pt), 1);
    assert_int_equal(t.n, 1); /* ready at the first: no more registration */
    rec_table_detach(&t);
    objs_close(&o);
}

static void to_host_set(const struct ipc_fd_set *s, fd_set *h)
{
    FD_ZERO(h);
    for (int fd = 0; fd < 1024; fd++)
        if (ipc_fd_isset(s, fd))
            FD_SET(fd, h);
}

static void check_same_set(const struct ipc_fd_set *s, const fd_set *h, int nfds)
{
    for (int fd = 0; fd < nfds; fd++)
        assert_int_equal(ipc_fd_isset(s, fd), FD_ISSET(fd, h) != 0);
}

static int select_both(int nfds, const struct ipc_fd_set *in, const struct ipc_fd_set *out,
                       const struct ipc_fd_set *ex)
{
    struct ipc_fd_set r[3];
    fd_set h[3];
    to_host_set(in, &h[0]), to_host_set(out, &h[1]), to_host_set(ex, &h[2]);
    struct timeval tv = {0, 0};
    int hr = select(nfds, &h[0], &h[1], &h[2], &tv);
    int m = ipc_select_scan(nfds, in, out, ex, &r[0], &r[1], &r[2], lookup, NULL, NULL);
    assert_int_equal(m, hr < 0 ? -errno : hr);
    if (m >= 0)
        for (int i = 0; i < 3; i++)
            check_same_set(&r[i], &h[i], nfds);
    return m;
}

static void test_select_mixed(void **state)
{
    (void)state;
    struct objs o;
    objs_open(&o);
    struct ipc_fd_set in = {0}, out = {0}, ex = {0};
    int fds[] = {o.rd, o.wr, o.ev, o.reg};
    int nfds = 0;
    for (int i = 0; i < 4; i++) {
        ipc_fd_set(&in, fds[i]), ipc_fd_set(&out, fds[i]), ipc_fd_set(&ex, fds[i]);
        nfds = MAX(nfds, fds[i] + 1);
    }
    assert_int_equal(select_both(nfds, &in, &out, &ex), 4);
    bool sp;
    pipe_write(o.p, "x", 1, &sp), assert_int_equal(write(o.wr, "x", 1), 1);
    assert_int_equal(select_both(nfds, &in, &out, &ex), 5);
    assert_int_equal(select_both(nfds, &in, NULL, NULL), 2);
    /* The write end closed: the read end stays readable (EOF); the closed fd is EBADF. */
    table[o.wr].ops->release(table[o.wr].obj, table[o.wr].f_flags);
    table_open[o.wr] = false;
    close(o.wr);
    assert_int_equal(select_both(nfds, &in, NULL, NULL), -EBADF);
    struct ipc_fd_set only = {0};
    ipc_fd_set(&only, o.rd);
    assert_int_equal(select_both(nfds, &only, NULL, &only), 1);
    objs_close(&o);
}

static void test_timeouts(void **state)
{
    (void)state;
    uint64_t d = 0;
    assert_int_equal(ipc_timeout_from_ms(-1, 100, &d), IPC_TIMEOUT_FOREVER);
    assert_int_equal(ipc_timeout_from_ms(0, 100, &d), IPC_TIMEOUT_NONE);
    assert_int_equal(ipc_timeout_from_ms(5, 100, &d), IPC_TIMEOUT_UNTIL);
    assert_int_equal(d, 5000100);
    assert_int_equal(ipc_timeout_from_timespec(NULL, 0, &d), IPC_TIMEOUT_FOREVER);
    struct linux_timespec ts = {0, 0};
    assert_int_equal(ipc_timeout_from_timespec(&ts, 0, &d), IPC_TIMEOUT_NONE);
    ts = (struct linux_timespec){2, 5};
    assert_int_equal(ipc_timeout_from_timespec(&ts, 10, &d), IPC_TIMEOUT_UNTIL);
    assert_int_equal(d, 2000000015);
    ts = (struct linux_timespec){INT64_MAX, 999999999};
    assert_int_equal(ipc_timeout_from_timespec(&ts, 10, &d), IPC_TIMEOUT_UNTIL);
    assert_true(d == UINT64_MAX);           /* saturates */
    struct linux_timeval tv = {1, 2500000}; /* usec >= 1 s is normalized by select */
    assert_int_equal(ipc_timeout_from_timeval(&tv, 0, &d), IPC_TIMEOUT_UNTIL);
    assert_int_equal(d, 3500000000ull);
    struct linux_timespec left;
    ipc_timeout_left_timespec(d, 1000, &left);
    assert_int_equal(left.tv_sec, 3);
    assert_int_equal(left.tv_nsec, 499999000);
    ipc_timeout_left_timespec(d, d + 5, &left);
    assert_int_equal(left.tv_sec + left.tv_nsec, 0);
    struct linux_timeval lv;
    ipc_timeout_left_timeval(d, 1000, &lv);
    assert_int_equal(lv.tv_sec, 3);
    assert_int_equal(lv.tv_usec, 499999);

    /* Invalid values against the host (a readable fd makes the valid ones return at once). */
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    assert_int_equal(write(fd[1], "x", 1), 1);
    static const struct linux_timespec tss[] = {{0, 1000000000}, {-1, 0}, {0, -1}, {1, 0}};
    for (size_t i = 0; i < ARRAY_SIZE(tss); i++) {
        struct pollfd p = {fd[0], POLLIN, 0};
        struct timespec hts = {tss[i].tv_sec, tss[i].tv_nsec};
        int h = ppoll(&p, 1, &hts, NULL);
        int m = ipc_timeout_from_timespec(&tss[i], 0, &d);
        assert_int_equal(m < 0, h < 0);
        if (h < 0)
            assert_int_equal(m, -errno);
    }
    static const struct linux_timeval tvs[] = {{0, 2000000}, {-1, 0}, {0, -1}, {5, 999999}};
    for (size_t i = 0; i < ARRAY_SIZE(tvs); i++) {
        fd_set s;
        FD_ZERO(&s);
        FD_SET(fd[0], &s);
        struct timeval htv = {tvs[i].tv_sec, tvs[i].tv_usec};
        int h = select(fd[0] + 1, &s, NULL, NULL, &htv);
        int m = ipc_timeout_from_timeval(&tvs[i], 0, &d);
        assert_int_equal(m < 0, h < 0);
        if (h < 0)
            assert_int_equal(m, -errno);
    }
    close(fd[0]);
    close(fd[1]);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poll_mixed),
        cmocka_unit_test(test_poll_registers_until_ready),
        cmocka_unit_test(test_select_mixed),
        cmocka_unit_test(test_timeouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
