/* Ramdisk bindings: rights, bounds and ownership are checked on every access. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include "ramdisk_bind.h"

#define BS 512
#define NB 32
static uint8_t disk[NB * BS];
static struct ramdisk rd;

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(disk); i++)
        disk[i] = (uint8_t)(i / BS);
    rd_init(&rd, disk, NB, BS);
    return 0;
}

static void test_bind_refusals(void **state)
{
    (void)state;
    assert_int_equal(rd_bind(&rd, 2, 0, 0, EXO_RIGHT_READ), -EINVAL);          /* empty */
    assert_int_equal(rd_bind(&rd, 2, NB, 1, EXO_RIGHT_READ), -EINVAL);         /* outside */
    assert_int_equal(rd_bind(&rd, 2, 30, 3, EXO_RIGHT_READ), -EINVAL);         /* crosses end */
    assert_int_equal(rd_bind(&rd, 2, 0, UINT64_MAX, EXO_RIGHT_READ), -EINVAL); /* overflow */
    assert_int_equal(rd_bind(&rd, 2, 0, 1, EXO_RIGHT_WRITE), -EINVAL);         /* write-only */
    assert_int_equal(rd_bind(&rd, 2, 0, 1, 4 | EXO_RIGHT_READ), -EINVAL);
    assert_int_equal(rd_bind(&rd, 0, 0, 1, EXO_RIGHT_READ), -EINVAL); /* no env */
    for (int i = 0; i < RAMDISK_MAX_BINDINGS; i++)
        assert_true(rd_bind(&rd, 2, 0, 1, EXO_RIGHT_READ) > 0);
    assert_int_equal(rd_bind(&rd, 2, 0, 1, EXO_RIGHT_READ), -ENOMEM);
}

static void test_read_write_checks(void **state)
{
    (void)state;
    uint8_t buf[2 * BS];
    int ro = rd_bind(&rd, 2, 4, 4, EXO_RIGHT_READ);
    int rw = rd_bind(&rd, 3, 8, 2, EXO_RIGHT_READ | EXO_RIGHT_WRITE);
    assert_true(ro > 0 && rw > 0);
    assert_int_equal(rd_read(&rd, 2, ro, 5, 2, buf), 0);
    assert_int_equal(buf[0], 5);
    assert_int_equal(buf[BS], 6);
    assert_int_equal(rd_read(&rd, 2, ro, 3, 1, buf), -ERANGE); /* before the range */
    assert_int_equal(rd_read(&rd, 2, ro, 7, 2, buf), -ERANGE); /* runs past the end */
    assert_int_equal(rd_read(&rd, 2, ro, 4, 5, buf), -ERANGE);
    assert_int_equal(rd_write(&rd, 2, ro, 4, 1, buf), -EPERM); /* read-only binding */
    assert_int_equal(rd_read(&rd, 2, rw, 8, 1, buf), -EINVAL); /* someone else's binding */
    assert_int_equal(rd_read(&rd, 2, 0, 8, 1, buf), -EINVAL);  /* no such binding */
    assert_int_equal(rd_read(&rd, 2, 999, 8, 1, buf), -EINVAL);
    memset(buf, 0xab, BS);
    assert_int_equal(rd_write(&rd, 3, rw, 9, 1, buf), 0);
    assert_int_equal(disk[9 * BS], 0xab);
    assert_int_equal(disk[10 * BS], 10); /* neighbours untouched */
    assert_int_equal(disk[8 * BS + BS - 1], 8);
}

static void test_unbind(void **state)
{
    (void)state;
    uint8_t buf[BS];
    int a = rd_bind(&rd, 2, 0, 4, EXO_RIGHT_READ);
    int b = rd_bind(&rd, 2, 4, 4, EXO_RIGHT_READ);
    int c = rd_bind(&rd, 3, 0, 4, EXO_RIGHT_READ);
    assert_int_equal(rd_unbind(&rd, 3, a), -EINVAL); /* not 3's */
    assert_int_equal(rd_unbind(&rd, 2, a), 0);
    assert_int_equal(rd_read(&rd, 2, a, 0, 1, buf), -EINVAL);
    rd_unbind_env(&rd, 2);
    assert_int_equal(rd_read(&rd, 2, b, 4, 1, buf), -EINVAL);
    assert_int_equal(rd_read(&rd, 3, c, 0, 1, buf), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_bind_refusals, setup),
        cmocka_unit_test_setup(test_read_write_checks, setup),
        cmocka_unit_test_setup(test_unbind, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
