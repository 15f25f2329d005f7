/* timerfd core on a fake clock: one-shot and periodic expiry counting, absolute and relative
 * arming, settime/gettime, next deadlines and wakeups; argument errors compared with the
 * host's timerfd. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <libos/abi/fcntl.h>
#include "support.h"

#define MS 1000000ull
#define S  1000000000ull

static struct linux_itimerspec spec(uint64_t value, uint64_t interval)
{
    struct linux_itimerspec s = {{(int64_t)(interval / S), (int64_t)(interval % S)},
                                 {(int64_t)(value / S), (int64_t)(value % S)}};
    return s;
}

static long read_at(struct timerfd *t, uint64_t now)
{
    uint64_t v = 0;
    long r = ipc_timerfd_read(t, &v, 8, now);
    return r < 0 ? r : (long)v;
}

static struct timerfd *make(void)
{
    struct timerfd *t;
    assert_int_equal(ipc_timerfd_create(&test_env, LINUX_CLOCK_MONOTONIC, 0, &t), 0);
    return t;
}

static void test_one_shot_relative(void **state)
{
    (void)state;
    struct timerfd *t = make();
    assert_int_equal(read_at(t, 0), -EAGAIN); /* never armed */
    struct linux_itimerspec s = spec(1 * S, 0), cur;
    assert_int_equal(ipc_timerfd_settime(t, 0, &s, NULL, 10 * S), 0);
    assert_int_equal(ipc_timerfd_advance(t, 10 * S + 500 * MS), 11 * S);
    assert_int_equal(ipc_timerfd_poll(t, NULL, 10 * S + 999 * MS), 0);
    ipc_timerfd_gettime(t, &cur, 10 * S + 300 * MS);
    assert_int_equal(cur.it_value.tv_sec, 0);
    assert_int_equal(cur.it_value.tv_nsec, 700 * MS);
    assert_int_equal(ipc_timerfd_poll(t, NULL, 11 * S), LINUX_POLLIN);
    assert_int_equal(read_at(t, 11 * S), 1);
    assert_int_equal(read_at(t, 50 * S), -EAGAIN); /* one-shot: disarmed after firing */
    assert_int_equal(ipc_timerfd_advance(t, 60 * S), 0);
    ipc_timerfd_gettime(t, &cur, 60 * S);
    assert_int_equal(cur.it_value.tv_sec + cur.it_value.tv_nsec, 0);
    ipc_timerfd_destroy(t);
}

static void test_periodic(void **state)
{
    (void)state;
    struct timerfd *t = make();
    struct linux_itimerspec s = spec(1 * S, 250 * MS), cur;
    assert_int_equal(ipc_timerfd_settime(t, 0, &s, NULL, 0), 0);
    assert_int_equal(read_at(t, 999 * MS), -EAGAIN);
    assert_int_equal(read_at(t, 1 * S), 1);
    assert_int_equal(read_at(t, 1900 * MS), 3); /* 1.25, 1.5, 1.75 */
    assert_int_equal(read_at(t, 2 * S), 1);     /* exactly on the deadline */
    ipc_timerfd_gettime(t, &cur, 2100 * MS);
    assert_int_equal(cur.it_value.tv_nsec, 150 * MS);
    assert_int_equal(cur.it_interval.tv_nsec, 250 * MS);
    assert_int_equal(ipc_timerfd_advance(t, 3 * S + 1), 3250 * MS);
    assert_int_equal(read_at(t, 3 * S + 1), 4); /* 2.25 .. 3.0 */
    ipc_timerfd_destroy(t);
}

static void test_absolute_in_the_past(void **state)
{
    (void)state;
    struct timerfd *t = make();
    struct linux_itimerspec s = spec(5 * S, 1 * S);
    assert_int_equal(ipc_timerfd_settime(t, LINUX_TFD_TIMER_ABSTIME, &s, NULL, 10500 * MS), 0);
    assert_int_equal(read_at(t, 10500 * MS), 6); /* 5, 6, 7, 8, 9, 10 */
    assert_int_equal(ipc_timerfd_advance(t, 10500 * MS), 11 * S);
    ipc_timerfd_destroy(t);
}

static void test_settime_resets_and_reports_old(void **state)
{
    (void)state;
    struct timerfd *t = make();
    struct linux_itimerspec s = spec(100 * MS, 100 * MS), old, zero = spec(0, 0);
    assert_int_equal(ipc_timerfd_settime(t, 0, &s, &old, 0), 0);
    assert_int_equal(old.it_value.tv_nsec + old.it_interval.tv_nsec, 0);
    /* Three expirations pending at 350 ms; re-arming discards them. */
    assert_int_equal(ipc_timerfd_poll(t, NULL, 350 * MS), LINUX_POLLIN);
    s = spec(1 * S, 0);
    assert_int_equal(ipc_timerfd_settime(t, 0, &s, &old, 350 * MS), 0);
    assert_int_equal(old.it_value.tv_nsec, 50 * MS);
    assert_int_equal(old.it_interval.tv_nsec, 100 * MS);
    assert_int_equal(read_at(t, 400 * MS), -EAGAIN);
    /* A zero it_value disarms. */
    assert_int_equal(ipc_timerfd_settime(t, 0, &zero, &old, 500 * MS), 0);
    assert_int_equal(old.it_value.tv_nsec, 850 * MS);
    assert_int_equal(read_at(t, 10 * S), -EAGAIN);
    assert_int_equal(ipc_timerfd_advance(t, 10 * S), 0);
    ipc_timerfd_destroy(t);
}

static void test_wakeup_on_expiry(void **state)
{
    (void)state;
    struct timerfd *t = make();
    struct recorder r;
    recorder_attach(&r, &t->pollq);
    struct linux_itimerspec s = spec(10 * MS, 10 * MS);
    assert_int_equal(ipc_timerfd_settime(t, 0, &s, NULL, 0), 0);
    ipc_timerfd_advance(t, 5 * MS);
    assert_int_equal(r.wakes, 0);
    ipc_timerfd_advance(t, 25 * MS);
    assert_int_equal(r.wakes, 1);
    assert_int_equal(r.events, LINUX_POLLIN);
    /* The file ops read the env clock. */
    test_clock_ns = 40 * MS;
    uint64_t v;
    assert_int_equal(ipc_timerfd_file_ops.read(t, 0, &v, 8), 8);
    assert_int_equal(v, 4);
    assert_int_equal(ipc_timerfd_file_ops.read(t, 0, &v, 4), -EINVAL);
    ipc_timerfd_file_ops.release(t, 0);
}

static long host_ret(long r)
{
    return r < 0 ? -errno : r;
}

/* Argument errors against the host kernel. */
static void test_errors_against_host(void **state)
{
    (void)state;
    static const int clocks[] = {CLOCK_REALTIME,
                                 CLOCK_MONOTONIC,
                                 CLOCK_BOOTTIME,
                                 CLOCK_PROCESS_CPUTIME_ID,
                                 CLOCK_MONOTONIC_RAW,
                                 42,
                                 -1};
    for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
        struct timerfd *t;
        int m = ipc_timerfd_create(&test_env, clocks[i], 0, &t);
        int h = (int)host_ret(timerfd_create(clocks[i], 0));
        assert_int_equal(m, h < 0 ? h : 0);
        if (!m)
            ipc_timerfd_destroy(t), close(h);
    }
    struct timerfd *t;
    assert_int_equal(ipc_timerfd_create(&test_env, 1, 0x1000, &t),
                     host_ret(timerfd_create(1, 0x1000)));
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    t = make();
    static const struct linux_itimerspec bad[] = {
        {{0, 0}, {0, 1000000000}}, {{0, 0}, {-1, 0}},        {{0, -1}, {1, 0}},
        {{0, 1000000000}, {1, 0}}, {{0, 999999999}, {0, 1}}, {{0, 0}, {0, -5}},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct itimerspec hs;
        memcpy(&hs, &bad[i], sizeof(hs));
        assert_int_equal(ipc_timerfd_settime(t, 0, &bad[i], NULL, 0),
                         host_ret(timerfd_settime(fd, 0, &hs, NULL)));
    }
    struct itimerspec hz = {{0, 0}, {0, 0}};
    struct linux_itimerspec z = spec(0, 0);
    assert_int_equal(ipc_timerfd_settime(t, 4, &z, NULL, 0),
                     host_ret(timerfd_settime(fd, 4, &hz, NULL)));
    close(fd);
    ipc_timerfd_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_shot_relative),
        cmocka_unit_test(test_periodic),
        cmocka_unit_test(test_absolute_in_the_past),
        cmocka_unit_test(test_settime_resets_and_reports_old),
        cmocka_unit_test(test_wakeup_on_expiry),
        cmocka_unit_test(test_errors_against_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
