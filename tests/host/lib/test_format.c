/* lib/format.c against the C library's snprintf for the conversions both support. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <string.h>
#include <cmocka.h>
#include <lib/format.h>

#define CHECK(...)                                                                             \
    do {                                                                                       \
        char ours[128], theirs[128];                                                           \
        int a = ksnprintf(ours, sizeof(ours), __VA_ARGS__);                                    \
        int b = snprintf(theirs, sizeof(theirs), __VA_ARGS__);                                 \
        assert_string_equal(ours, theirs);                                                     \
        assert_int_equal(a, b);                                                                \
    } while (0)

static void test_integers(void **state)
{
    (void)state;
    CHECK("%d %i %u", -42, 17, 4000000000u);
    CHECK("%x %X %o %#x %#o", 0xbeefu, 0xbeefu, 8u, 255u, 8u);
    CHECK("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
    CHECK("%ld %lld %lu %zu %zd", -1L, -9223372036854775807LL - 1, 18446744073709551615UL,
          (size_t)12345, (ssize_t)-3);
    CHECK("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
    CHECK("%.3d|%8.3d|%-8.3d|%.0d|", 5, 5, 5, 0);
    CHECK("%016lx %#018lx", 0xffff000040080000UL, 0xdeadUL);
    CHECK("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
}

static void test_strings_chars(void **state)
{
    (void)state;
    CHECK("%s|%10s|%-10s|%.2s|", "hello", "hi", "hi", "hello");
    CHECK("%c%c%c %%", 'a', 'b', 'c');
    CHECK("%p", (void *)0x1234);
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[8];
    int n = ksnprintf(buf, sizeof(buf), "%s", "0123456789");
    assert_int_equal(n, 10);
    assert_string_equal(buf, "0123456");
    n = ksnprintf(buf, 0, "%d", 12345);
    assert_int_equal(n, 5);
    n = ksnprintf(buf, 1, "%d", 12345);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_strings_chars),
        cmocka_unit_test(test_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
