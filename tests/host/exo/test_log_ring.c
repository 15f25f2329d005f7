/* The kernel log ring: positions, wrap-around, and reads of what was overwritten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "log_ring.h"

static struct log_ring ring;

static int setup(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof(ring));
    return 0;
}

/* Byte i of the logged stream in these tests. */
static char byte_at(uint64_t i)
{
    return (char)('a' + i % 23);
}

static void append_stream(uint64_t from, size_t len)
{
    char *s = malloc(len);
    for (size_t i = 0; i < len; i++)
        s[i] = byte_at(from + i);
    log_ring_append(&ring, s, len);
    free(s);
}

static void check_read(uint64_t pos, size_t len, uint64_t want_from, size_t want_len)
{
    char *buf = malloc(len + 1);
    assert_int_equal(log_ring_read(&ring, pos, buf, len), want_len);
    for (size_t i = 0; i < want_len; i++)
        assert_int_equal(buf[i], byte_at(want_from + i));
    free(buf);
}

static void test_empty(void **state)
{
    (void)state;
    char c;
    assert_int_equal(log_ring_start(&ring), 0);
    assert_int_equal(log_ring_read(&ring, 0, &c, 1), 0);
}

static void test_reads_in_pieces(void **state)
{
    (void)state;
    append_stream(0, 100);
    check_read(0, 100, 0, 100);
    check_read(10, 20, 10, 20);
    check_read(90, 50, 90, 10); /* only what exists */
    check_read(100, 5, 0, 0);   /* at the end */
    check_read(500, 5, 0, 0);   /* past it */
}

static void test_wraps_and_drops_oldest(void **state)
{
    (void)state;
    for (uint64_t pos = 0; pos < 3 * LOG_RING_SIZE + 77; pos += 1000)
        append_stream(pos, 1000);
    uint64_t end = ring.end;
    assert_int_equal(end, 3 * LOG_RING_SIZE + 77 + (1000 - (3 * LOG_RING_SIZE + 77) % 1000) % 1000);
    assert_int_equal(log_ring_start(&ring), end - LOG_RING_SIZE);
    check_read(0, LOG_RING_SIZE, end - LOG_RING_SIZE, LOG_RING_SIZE); /* lost: from the oldest */
    check_read(end - 10, 100, end - 10, 10);
    check_read(end - LOG_RING_SIZE + 5, 3000, end - LOG_RING_SIZE + 5, 3000);
}

static void test_append_longer_than_ring(void **state)
{
    (void)state;
    append_stream(0, 10);
    append_stream(10, 2 * LOG_RING_SIZE + 3);
    assert_int_equal(ring.end, 2 * LOG_RING_SIZE + 13);
    check_read(0, 2 * LOG_RING_SIZE, LOG_RING_SIZE + 13, LOG_RING_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_empty, setup),
        cmocka_unit_test_setup(test_reads_in_pieces, setup),
        cmocka_unit_test_setup(test_wraps_and_drops_oldest, setup),
        cmocka_unit_test_setup(test_append_longer_than_ring, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
