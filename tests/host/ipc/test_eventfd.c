/* eventfd core: counter, semaphore mode and overflow, compared step by step with a host
 * eventfd (non-blocking), plus wakeups. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>
#include <libos/abi/fcntl.h>
#include "support.h"

struct twin {
    struct eventfd *e;
    int fd;
};

static void twin_open(struct twin *t, unsigned init, unsigned flags)
{
    assert_int_equal(ipc_eventfd_create(&test_env, init, flags, &t->e), 0);
    t->fd = eventfd(init, (int)flags | EFD_NONBLOCK);
    assert_true(t->fd >= 0);
}

static void twin_close(struct twin *t)
{
    ipc_eventfd_destroy(t->e);
    close(t->fd);
}

static long host_ret(ssize_t r)
{
    return r < 0 ? -errno : r;
}

static void twin_poll(struct twin *t)
{
    struct pollfd pfd = {t->fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM, 0};
    assert_true(poll(&pfd, 1, 0) >= 0);
    assert_int_equal(ipc_eventfd_poll(t->e, NULL), (uint16_t)pfd.revents);
}

static void twin_write(struct twin *t, uint64_t v, size_t n)
{
    assert_int_equal(ipc_eventfd_write(t->e, &v, n), host_ret(write(t->fd, &v, n)));
    twin_poll(t);
}

static uint64_t twin_read(struct twin *t, size_t n)
{
    uint64_t m = 0, h = 0;
    assert_int_equal(ipc_eventfd_read(t->e, &m, n), host_ret(read(t->fd, &h, n)));
    assert_true(m == h);
    twin_poll(t);
    return m;
}

static void test_counter(void **state)
{
    (void)state;
    struct twin t;
    twin_open(&t, 3, 0);
    twin_poll(&t);
    assert_int_equal(twin_read(&t, 8), 3);
    twin_read(&t, 8); /* EAGAIN */
    twin_write(&t, 5, 8);
    twin_write(&t, 0, 8);
    twin_write(&t, 7, 4); /* short: EINVAL */
    twin_read(&t, 7);     /* short: EINVAL */
    assert_int_equal(twin_read(&t, 16), 5);
    twin_close(&t);
}

static void test_semaphore(void **state)
{
    (void)state;
    struct twin t;
    twin_open(&t, 2, EFD_SEMAPHORE);
    assert_int_equal(twin_read(&t, 8), 1);
    twin_write(&t, 10, 8);
    for (int i = 0; i < 11; i++)
        assert_int_equal(twin_read(&t, 8), 1);
    assert_int_equal(t.e->count, 0);
    twin_read(&t, 8); /* EAGAIN */
    twin_close(&t);
}

static void test_overflow(void **state)
{
    (void)state;
    struct twin t;
    twin_open(&t, 0, 0);
    twin_write(&t, UINT64_MAX, 8); /* EINVAL */
    twin_write(&t, EVENTFD_MAX, 8);
    assert_int_equal(t.e->count, EVENTFD_MAX);
    assert_false(ipc_eventfd_poll(t.e, NULL) & LINUX_POLLOUT);
    twin_write(&t, 1, 8); /* EAGAIN */
    twin_write(&t, 0, 8); /* fits */
    assert_int_equal(twin_read(&t, 8), EVENTFD_MAX);
    twin_write(&t, EVENTFD_MAX - 5, 8);
    twin_write(&t, 5, 8);
    twin_write(&t, 1, 8);
    twin_close(&t);
}

static void test_random_against_host(void **state)
{
    (void)state;
    static const uint64_t vals[] = {
        0, 1, 2, 1000, EVENTFD_MAX / 2, EVENTFD_MAX - 1, EVENTFD_MAX, UINT64_MAX};
    srandom(7);
    for (int round = 0; round < 20; round++) {
        struct twin t;
        twin_open(&t, (unsigned)(random() % 3), round % 2 ? EFD_SEMAPHORE : 0);
        for (int op = 0; op < 200; op++) {
            if (random() % 2)
                twin_write(&t, vals[random() % ARRAY_SIZE(vals)], 8);
            else
                twin_read(&t, 8);
        }
        twin_close(&t);
    }
}

static void test_create_flags_and_wakeups(void **state)
{
    (void)state;
    struct eventfd *e;
    assert_int_equal(ipc_eventfd_create(&test_env, 0, 0x10, &e), -EINVAL);
    assert_int_equal(host_ret(eventfd(0, 0x10)), -EINVAL);
    assert_int_equal(ipc_eventfd_create(&test_env, 0, LINUX_EFD_CLOEXEC | LINUX_EFD_NONBLOCK, &e),
                     0);
    struct recorder r;
    recorder_attach(&r, &e->pollq);
    uint64_t v = 4;
    assert_int_equal(ipc_eventfd_write(e, &v, 8), 8);
    assert_int_equal(r.wakes, 1);
    assert_int_equal(r.events, LINUX_POLLIN);
    assert_int_equal(ipc_eventfd_read(e, &v, 8), 8);
    assert_int_equal(r.wakes, 2);
    assert_int_equal(r.events, LINUX_POLLIN | LINUX_POLLOUT);
    assert_int_equal(ipc_eventfd_file_ops.ioctl(e, 0, 1, NULL), -ENOTTY);
    ipc_eventfd_file_ops.release(e, 0); /* also unlinks the recorder */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter),
        cmocka_unit_test(test_semaphore),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_random_against_host),
        cmocka_unit_test(test_create_flags_and_wakeups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
