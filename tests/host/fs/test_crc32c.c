/* CRC-32C / CRC-16 against published check values and ext4's on-disk use. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <fs/crc32c.h>

static void test_check_values(void **s)
{
    (void)s;
    assert_int_equal(crc32c("123456789", 9), 0xE3069283u);
    assert_int_equal(crc32c("", 0), 0);
    /* raw form: no inversions; ~raw(~0) is the standard value */
    assert_int_equal(~crc32c_update(~0u, "123456789", 9), 0xE3069283u);
    /* CRC-16/ARC check value (init 0) and CRC-16/MODBUS (init 0xffff) */
    assert_int_equal(crc16_update(0, "123456789", 9), 0xBB3D);
    assert_int_equal(crc16_update(0xffff, "123456789", 9), 0x4B37);
}

static void test_incremental(void **s)
{
    (void)s;
    uint8_t buf[1000];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    uint32_t whole = crc32c_update(0x12345678, buf, sizeof(buf));
    uint32_t part = crc32c_update(crc32c_update(0x12345678, buf, 333), buf + 333, 667);
    assert_int_equal(whole, part);
    /* 32 zero bytes: iSCSI test vector */
    uint8_t z[32] = {0};
    assert_int_equal(crc32c(z, 32), 0x8A9136AAu);
    uint8_t o[32];
    memset(o, 0xff, 32);
    assert_int_equal(crc32c(o, 32), 0x62A8AB43u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_incremental),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
