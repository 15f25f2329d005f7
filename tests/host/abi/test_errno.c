/*
 * errno_name/errno_desc against the host C library: glibc on Linux uses the same
 * asm-generic numbers, and its strerrorname_np/strerror give the names and texts.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include <libos/abi/errno_name.h>

/* Every assigned value 1..ABI_ERRNO_MAX has glibc's name and text; unassigned ones NULL. */
static void test_matches_glibc(void **state)
{
    (void)state;
    int named = 0;
    for (int e = 1; e <= ABI_ERRNO_MAX; e++) {
        const char *want = strerrorname_np(e);
        if (!want) {
            assert_null(errno_name(e));
            assert_null(errno_desc(e));
            continue;
        }
        named++;
        assert_non_null(errno_name(e));
        assert_string_equal(errno_name(e), want);
        assert_string_equal(errno_desc(e), strerror(e));
        assert_string_equal(errno_name(-e), want); /* negated values too */
    }
    assert_int_equal(named, ABI_ERRNO_MAX - 2); /* 41 and 58 are the only holes */
}

static void test_known_values(void **state)
{
    (void)state;
    assert_string_equal(errno_name(ENOENT), "ENOENT");
    assert_string_equal(errno_name(-ENOSYS), "ENOSYS");
    assert_string_equal(errno_name(EWOULDBLOCK), "EAGAIN");
    assert_string_equal(errno_name(EDEADLOCK), "EDEADLK");
    assert_string_equal(errno_desc(EINVAL), "Invalid argument");
    assert_int_equal(EHWPOISON, ABI_ERRNO_MAX);
}

static void test_restart_codes(void **state)
{
    (void)state;
    assert_int_equal(ERESTARTSYS, 512);
    assert_int_equal(ERESTART_RESTARTBLOCK, 516);
    assert_string_equal(errno_name(-ERESTARTSYS), "ERESTARTSYS");
    assert_string_equal(errno_name(ERESTARTNOINTR), "ERESTARTNOINTR");
    assert_string_equal(errno_name(ERESTARTNOHAND), "ERESTARTNOHAND");
    assert_string_equal(errno_name(ERESTART_RESTARTBLOCK), "ERESTART_RESTARTBLOCK");
    assert_null(errno_name(515)); /* not one of ours */
}

static void test_not_errnos(void **state)
{
    (void)state;
    const int bad[] = {0, 41, 58, 134, 511, 517, 4095, 1 << 30, -(1 << 30), -2147483647 - 1};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(errno_name(bad[i]));
        assert_null(errno_desc(bad[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_glibc),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_restart_codes),
        cmocka_unit_test(test_not_errnos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
