/* Block cache: hits, LRU eviction with write-back, sync, forget, multi-sector blocks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include "fs_test.h"

static void test_read_write_evict(void **s)
{
    (void)s;
    fst_init_env();
    struct blockdev *dev = fst_ram_dev(256, 512); /* 128 KiB */
    struct bcache *c;
    assert_int_equal(bcache_create(dev, 3000, 8, &c), -EINVAL); /* not a multiple */
    assert_int_equal(bcache_create(dev, 2048, 8, &c), 0);
    assert_int_equal(c->nblocks, 64);
    struct bbuf *b;
    /* write 20 blocks through an 8-buffer cache: evictions must write back */
    for (uint64_t i = 0; i < 20; i++) {
        assert_int_equal(bcache_zero(c, i, &b), 0);
        memset(b->data, (int)i + 1, 2048);
        bcache_put(c, b);
    }
    assert_true(c->count <= 8);
    assert_int_equal(c->writes, 12);
    assert_int_equal(bcache_read(c, 64, &b), -EIO);
    for (uint64_t i = 0; i < 20; i++) {
        assert_int_equal(bcache_read(c, i, &b), 0);
        for (int k = 0; k < 2048; k += 511)
            assert_int_equal(b->data[k], i + 1);
        bcache_put(c, b);
    }
    /* a hit does not touch the device */
    uint64_t r = c->reads;
    assert_int_equal(bcache_read(c, 19, &b), 0);
    bcache_put(c, b);
    assert_int_equal(c->reads, r);
    /* dirty, then sync: the device sees it */
    assert_int_equal(bcache_read(c, 30, &b), 0);
    memset(b->data, 0xAB, 2048);
    bcache_dirty(c, b);
    bcache_put(c, b);
    assert_int_equal(bcache_sync(c), 0);
    uint8_t raw[512];
    assert_int_equal(blockdev_read_bytes(dev, 30 * 2048 + 1536, raw, 512), 0);
    assert_int_equal(raw[0], 0xAB);
    assert_int_equal(raw[511], 0xAB);
    /* forget drops a dirty block without writing it */
    assert_int_equal(bcache_read(c, 31, &b), 0);
    memset(b->data, 0xCD, 2048);
    bcache_dirty(c, b);
    bcache_put(c, b);
    bcache_forget(c, 31);
    assert_int_equal(bcache_sync(c), 0);
    assert_int_equal(blockdev_read_bytes(dev, 31 * 2048, raw, 512), 0);
    assert_int_equal(raw[0], 0);
    /* referenced buffers are never evicted */
    struct bbuf *held[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(bcache_read(c, 40 + (uint64_t)i, &held[i]), 0);
    assert_int_equal(bcache_read(c, 50, &b), 0); /* cache grows past capacity */
    bcache_put(c, b);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(held[i]->blk, 40 + (uint64_t)i);
        bcache_put(c, held[i]);
    }
    bcache_destroy(c);
    /* byte-level helpers across device block boundaries */
    uint8_t pat[1000], back[1000];
    fst_fill(pat, sizeof(pat), 3, 0);
    assert_int_equal(blockdev_write_bytes(dev, 700, pat, sizeof(pat)), 0);
    assert_int_equal(blockdev_read_bytes(dev, 700, back, sizeof(back)), 0);
    assert_memory_equal(pat, back, sizeof(pat));
    assert_int_equal(blockdev_read_bytes(dev, 256 * 512 - 10, back, 20), -EIO);
    fst_dev_free(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_write_evict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
