/*
 * Pipe core: edge cases, and random operation sequences replayed on a real host pipe
 * (non-blocking, SIGPIPE ignored) with every result, byte and poll mask compared.
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
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <libos/abi/fcntl.h>
#include <libos/abi/termios.h>
#include "support.h"

/* The model pipe and a host pipe side by side. */
struct twin {
    struct pipe *p;
    int fd[2];
    bool rd_open, wr_open;
};

static void twin_open(struct twin *t)
{
    assert_int_equal(pipe_create(&test_env, &t->p), 0);
    pipe_open(t->p, LINUX_O_RDONLY);
    pipe_open(t->p, LINUX_O_WRONLY);
    assert_int_equal(pipe2(t->fd, O_NONBLOCK), 0);
    t->rd_open = t->wr_open = true;
}

static void twin_close_end(struct twin *t, int end)
{
    bool *open = end ? &t->wr_open : &t->rd_open;
    if (!*open)
        return;
    *open = false;
    close(t->fd[end]);
    if (pipe_close(t->p, end ? LINUX_O_WRONLY : LINUX_O_RDONLY))
        pipe_destroy(t->p);
}

static void twin_close(struct twin *t)
{
    twin_close_end(t, 0);
    twin_close_end(t, 1);
}

static long host_ret(ssize_t r)
{
    return r < 0 ? -errno : r;
}

static uint8_t pattern[1 << 20];
static uint64_t seq;

/* Writes n pattern bytes to both; checks results agree; returns the model's. */
static long twin_write(struct twin *t, size_t n)
{
    bool sigpipe;
    const uint8_t *src = pattern + seq % 4096;
    long m = pipe_write(t->p, src, n, &sigpipe);
    long h = host_ret(write(t->fd[1], src, n));
    assert_int_equal(m, h);
    assert_int_equal(sigpipe, m == -EPIPE);
    seq += 7;
    return m;
}

static uint8_t mbuf[1 << 20], hbuf[1 << 20];

static long twin_read(struct twin *t, size_t n)
{
    long m = pipe_read(t->p, mbuf, n);
    long h = host_ret(read(t->fd[0], hbuf, n));
    assert_int_equal(m, h);
    if (m > 0)
        assert_memory_equal(mbuf, hbuf, (size_t)m);
    return m;
}

static uint32_t host_poll(int fd)
{
    struct pollfd pfd = {fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM, 0};
    assert_true(poll(&pfd, 1, 0) >= 0);
    return (uint16_t)pfd.revents;
}

static void twin_check_poll(struct twin *t)
{
    if (t->rd_open)
        assert_int_equal(pipe_poll(t->p, LINUX_O_RDONLY, NULL), host_poll(t->fd[0]));
    if (t->wr_open)
        assert_int_equal(pipe_poll(t->p, LINUX_O_WRONLY, NULL), host_poll(t->fd[1]));
    if (t->rd_open) {
        int avail;
        assert_int_equal(ioctl(t->fd[0], FIONREAD, &avail), 0);
        assert_int_equal(pipe_nread(t->p), (size_t)avail);
    }
}

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 31 + i / 251);
    return 0;
}

static void test_empty_read_eagain_then_eof(void **state)
{
    (void)state;
    struct twin t;
    twin_open(&t);
    assert_int_equal(twin_read(&t, 10), -EAGAIN);
    assert_int_equal(twin_read(&t, 0), 0);
    assert_int_equal(twin_write(&t, 5), 5);
    twin_close_end(&t, 1);
    twin_check_poll(&t); /* POLLIN | POLLHUP: data still there */
    assert_int_equal(twin_read(&t, 10), 5);
    assert_int_equal(twin_read(&t, 10), 0); /* EOF */
    assert_int_equal(pipe_poll(t.p, LINUX_O_RDONLY, NULL), LINUX_POLLHUP);
    twin_close(&t);
}

static void test_full_pipe(void **state)
{
    (void)state;
    struct twin t;
    twin_open(&t);
    for (int i = 0; i < 16; i++)
        assert_int_equal(twin_write(&t, 4096), 4096);
    assert_int_equal(pipe_nread(t.p), 65536);
    twin_check_poll(&t);
    assert_false(pipe_poll(t.p, LINUX_O_WRONLY, NULL) & LINUX_POLLOUT);
    assert_int_equal(twin_write(&t, 1), -EAGAIN);
    assert_int_equal(twin_read(&t, 1), 1);
    /* One byte freed inside a page: still no free slot, so still full (as in Linux). */
    assert_int_equal(twin_write(&t, 1), -EAGAIN);
    twin_check_poll(&t);
    assert_int_equal(twin_read(&t, 4095), 4095);
    twin_check_poll(&t);
    assert_true(pipe_poll(t.p, LINUX_O_WRONLY, NULL) & LINUX_POLLOUT);
    twin_close(&t);
}

static void test_pipe_buf_atomicity(void **state)
{
    (void)state;
    struct twin t;
    twin_open(&t);
    for (int i = 0; i < 15; i++)
        assert_int_equal(twin_write(&t, 4096), 4096);
    assert_int_equal(twin_write(&t, 1096), 1096);    /* last slot: 3000 bytes free */
    assert_int_equal(twin_write(&t, 3001), -EAGAIN); /* <= PIPE_BUF: all or nothing */
    assert_int_equal(pipe_nread(t.p), 15 * 4096 + 1096);
    assert_int_equal(twin_write(&t, 4096), -EAGAIN);
    assert_int_equal(twin_write(&t, 5000), 904);  /* > PIPE_BUF: may be partial */
    assert_int_equal(twin_write(&t, 2096), 2096); /* exactly fills the slot */
    assert_int_equal(twin_write(&t, 1), -EAGAIN);
    twin_check_poll(&t);
    while (twin_read(&t, 3333) > 0)
        ;
    twin_close(&t);
}

static void test_epipe_and_pollerr(void **state)
{
    (void)state;
    struct twin t;
    twin_open(&t);
    assert_int_equal(twin_write(&t, 10), 10);
    twin_close_end(&t, 0);
    assert_int_equal(pipe_poll(t.p, LINUX_O_WRONLY, NULL),
                     LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLERR);
    twin_check_poll(&t);
    assert_int_equal(twin_write(&t, 1), -EPIPE);
    assert_int_equal(twin_write(&t, 0), 0); /* zero-length writes succeed even so */
    twin_close(&t);
}

static void test_wakeups(void **state)
{
    (void)state;
    struct pipe *p;
    struct recorder rd, wr;
    assert_int_equal(pipe_create(&test_env, &p), 0);
    pipe_open(p, LINUX_O_RDWR);
    recorder_attach(&rd, &p->rd_q);
    recorder_attach(&wr, &p->wr_q);
    bool sp;
    char buf[4096] = {0};
    assert_int_equal(pipe_write(p, buf, 10, &sp), 10);
    assert_int_equal(rd.wakes, 1);
    assert_int_equal(rd.events, LINUX_POLLIN | LINUX_POLLRDNORM);
    assert_int_equal(pipe_read(p, buf, 10), 10);
    assert_int_equal(wr.wakes, 0); /* not full before: writers need no wake */
    for (int i = 0; i < 16; i++)
        assert_int_equal(pipe_write(p, buf, 4096, &sp), 4096);
    assert_int_equal(rd.wakes, 17);
    assert_int_equal(pipe_write(p, buf, 1, &sp), -EAGAIN);
    assert_int_equal(rd.wakes, 18); /* even a write that found no room (Linux does) */
    assert_int_equal(pipe_write(p, buf, 0, &sp), 0);
    assert_int_equal(rd.wakes, 18); /* but not an empty one */
    assert_int_equal(pipe_read(p, buf, 1), 1);
    assert_int_equal(wr.wakes, 1);
    assert_int_equal(wr.events, LINUX_POLLOUT | LINUX_POLLWRNORM);
    ipc_pollq_remove(&p->rd_q, &rd.entry);
    ipc_pollq_remove(&p->wr_q, &wr.entry);
    assert_true(pipe_close(p, LINUX_O_RDWR));
    pipe_destroy(p);
}

static void test_close_wakes_both_sides(void **state)
{
    (void)state;
    struct pipe *p;
    struct recorder rd, wr;
    assert_int_equal(pipe_create(&test_env, &p), 0);
    pipe_open(p, LINUX_O_RDONLY);
    pipe_open(p, LINUX_O_WRONLY);
    recorder_attach(&rd, &p->rd_q);
    recorder_attach(&wr, &p->wr_q);
    assert_false(pipe_close(p, LINUX_O_WRONLY));
    assert_int_equal(rd.wakes, 1);
    assert_true(rd.events & LINUX_POLLHUP);
    assert_int_equal(wr.wakes, 1);
    assert_true(pipe_close(p, LINUX_O_RDONLY));
    pipe_destroy(p); /* detaches the recorders */
}

static void test_random_against_host(void **state)
{
    (void)state;
    static const size_t sizes[] = {1,    7,    100,  1000,  3000,  4095,  4096,
                                   4097, 5000, 8192, 12289, 20000, 65536, 70000};
    srandom(12345);
    for (int round = 0; round < 40; round++) {
        struct twin t;
        twin_open(&t);
        if (round % 4 == 1) {
            long sz = 4096L << (random() % 5);
            assert_int_equal(pipe_set_size(t.p, (uint64_t)sz, false),
                             host_ret(fcntl(t.fd[0], F_SETPIPE_SZ, (int)sz)));
        }
        for (int op = 0; op < 300; op++) {
            size_t n = sizes[random() % ARRAY_SIZE(sizes)];
            if (random() % 2)
                twin_write(&t, n);
            else
                twin_read(&t, n);
            twin_check_poll(&t);
        }
        if (round % 3 == 0) {
            twin_close_end(&t, round % 2);
            for (int op = 0; op < 20; op++) {
                size_t n = sizes[random() % ARRAY_SIZE(sizes)];
                if (t.wr_open)
                    twin_write(&t, n);
                else
                    twin_read(&t, n);
                twin_check_poll(&t);
            }
        }
        twin_close(&t);
    }
}

static void test_set_size(void **state)
{
    (void)state;
    struct twin t;
    twin_open(&t);
    assert_int_equal(pipe_get_size(t.p), fcntl(t.fd[0], F_GETPIPE_SZ));
    static const long req[] = {0, 1, 4096, 4097, 5000, 65535, 131072, 12288};
    for (size_t i = 0; i < ARRAY_SIZE(req); i++) {
        assert_int_equal(pipe_set_size(t.p, (uint64_t)req[i], false),
                         host_ret(fcntl(t.fd[0], F_SETPIPE_SZ, (int)req[i])));
        assert_int_equal(pipe_get_size(t.p), fcntl(t.fd[0], F_GETPIPE_SZ));
    }
    /* 16 KiB now; with 3 slots in use, shrinking to 2 pages fails, data survives. */
    for (int i = 0; i < 3; i++)
        twin_write(&t, 1000 + (size_t)i * 4096);
    assert_int_equal(pipe_set_size(t.p, 8192, false), host_ret(fcntl(t.fd[0], F_SETPIPE_SZ, 8192)));
    assert_int_equal(pipe_set_size(t.p, 4 * 65536, false),
                     host_ret(fcntl(t.fd[0], F_SETPIPE_SZ, 4 * 65536)));
    twin_check_poll(&t);
    while (twin_read(&t, 999) > 0)
        ;
    assert_int_equal(pipe_set_size(t.p, 2u << 20, false), -EPERM);
    assert_int_equal(pipe_set_size(t.p, 2u << 20, true), 2 << 20);
    assert_int_equal(pipe_set_size(t.p, 1ull << 32, true), -EINVAL);
    twin_close(&t);
}

static void test_fifo_open(void **state)
{
    (void)state;
    struct pipe *p;
    unsigned rgen, wgen;
    assert_int_equal(pipe_create(&test_env, &p), 0);
    /* Non-blocking writer without a reader: ENXIO, and nothing was opened. */
    assert_int_equal(pipe_fifo_open(p, LINUX_O_WRONLY | LINUX_O_NONBLOCK, &wgen), -ENXIO);
    assert_int_equal(p->writers, 0);
    /* Non-blocking reader: returns at once. */
    assert_int_equal(pipe_fifo_open(p, LINUX_O_RDONLY | LINUX_O_NONBLOCK, &rgen), 0);
    assert_false(pipe_close(p, LINUX_O_RDONLY) == false);
    /* Blocking reader waits for a writer. */
    struct recorder rd;
    recorder_attach(&rd, &p->rd_q);
    assert_int_equal(pipe_fifo_open(p, LINUX_O_RDONLY, &rgen), 1);
    assert_false(pipe_fifo_open_ready(p, LINUX_O_RDONLY, rgen));
    int wakes = rd.wakes;
    /* A blocking writer now finds a reader: no wait; the reader's condition turns true. */
    assert_int_equal(pipe_fifo_open(p, LINUX_O_WRONLY, &wgen), 0);
    assert_true(rd.wakes > wakes);
    assert_true(pipe_fifo_open_ready(p, LINUX_O_RDONLY, rgen));
    /* O_RDWR never blocks. */
    assert_int_equal(pipe_fifo_open(p, LINUX_O_RDWR, &wgen), 0);
    ipc_pollq_remove(&p->rd_q, &rd.entry);
    assert_false(pipe_close(p, LINUX_O_RDWR));
    assert_false(pipe_close(p, LINUX_O_WRONLY));
    assert_true(pipe_close(p, LINUX_O_RDONLY));
    pipe_destroy(p);

    /* The host agrees on the non-blocking cases. */
    char path[] = "/tmp/exo-ipc-fifo-XXXXXX";
    int tmp = mkstemp(path);
    assert_true(tmp >= 0);
    close(tmp);
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(host_ret(open(path, O_WRONLY | O_NONBLOCK)), -ENXIO);
    int r = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(r >= 0);
    int w = open(path, O_WRONLY | O_NONBLOCK);
    assert_true(w >= 0);
    close(w);
    close(r);
    unlink(path);
}

static void test_file_ops(void **state)
{
    (void)state;
    struct pipe *p;
    assert_int_equal(pipe_create(&test_env, &p), 0);
    pipe_open(p, LINUX_O_RDONLY);
    pipe_open(p, LINUX_O_WRONLY);
    const struct ipc_file_ops *ops = &pipe_file_ops;
    assert_int_equal(ops->write(p, LINUX_O_WRONLY, "abc", 3), 3);
    int32_t avail = 0;
    assert_int_equal(ops->ioctl(p, LINUX_O_RDONLY, LINUX_FIONREAD, &avail), 0);
    assert_int_equal(avail, 3);
    assert_int_equal(ops->ioctl(p, LINUX_O_RDONLY, 0x1234, NULL), -ENOTTY);
    char b[4];
    assert_int_equal(ops->read(p, LINUX_O_RDONLY, b, 4), 3);
    assert_int_equal(ops->poll(p, LINUX_O_WRONLY, NULL), LINUX_POLLOUT | LINUX_POLLWRNORM);
    ops->release(p, LINUX_O_RDONLY);
    assert_int_equal(ops->write(p, LINUX_O_WRONLY, "x", 1), -EPIPE);
    ops->release(p, LINUX_O_WRONLY); /* frees: ASan reports a leak otherwise */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_read_eagain_then_eof),
        cmocka_unit_test(test_full_pipe),
        cmocka_unit_test(test_pipe_buf_atomicity),
        cmocka_unit_test(test_epipe_and_pollerr),
        cmocka_unit_test(test_wakeups),
        cmocka_unit_test(test_close_wakes_both_sides),
        cmocka_unit_test(test_random_against_host),
        cmocka_unit_test(test_set_size),
        cmocka_unit_test(test_fifo_open),
        cmocka_unit_test(test_file_ops),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
