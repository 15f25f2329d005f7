/* mm/buddy.c: splitting, coalescing, fragmentation, reservations, zones, bootmem. */
#include <stdlib.h>
#include <string.h>
#include "mm_test_util.h"
#include <lib/errno.h>
#include <mm/buddy.h>

#define BASE  0x40000000UL
#define MIB   (1UL << 20)
#define NPG16 4096 /* pages in 16 MiB */

static struct buddy B;

static struct page *zone_pages(uint64_t size)
{
    struct page *p = malloc(buddy_meta_bytes(size));
    assert_non_null(p);
    return p;
}

/* One 16 MiB zone at BASE. */
static int setup16(void **state)
{
    (void)state;
    buddy_init(&B);
    return buddy_add_zone(&B, "ram", BASE, 16 * MIB, zone_pages(16 * MIB)) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < B.nzones; i++)
        free(B.zones[i].pages);
    return 0;
}

static struct buddy_stats stats(void)
{
    struct buddy_stats s;
    buddy_stats(&B, &s);
    return s;
}

static void assert_pristine(void)
{
    struct buddy_stats s = stats();
    assert_int_equal(s.free_pages, NPG16);
    assert_int_equal(s.free_blocks[MM_MAX_ORDER], 4);
    for (int o = 0; o < MM_MAX_ORDER; o++)
        assert_int_equal(s.free_blocks[o], 0);
}

static void test_init_stats(void **state)
{
    (void)state;
    struct buddy_stats s = stats();
    assert_int_equal(s.total_pages, NPG16);
    assert_int_equal(s.reserved_pages, 0);
    assert_pristine();
}

static void test_unaligned_zone_layout(void **state)
{
    (void)state;
    struct buddy b;
    buddy_init(&b);
    struct page *pages = zone_pages(5 * PAGE_SIZE);
    /* pfns 0x40001 .. 0x40005: blocks {1}, {2,3}, {4,5}. */
    assert_int_equal(buddy_add_zone(&b, "odd", BASE + PAGE_SIZE, 5 * PAGE_SIZE, pages), 0);
    struct buddy_stats s;
    buddy_stats(&b, &s);
    assert_int_equal(s.free_blocks[0], 1);
    assert_int_equal(s.free_blocks[1], 2);
    assert_int_equal(s.free_blocks[2], 0);
    struct page *pg = buddy_alloc(&b, 1);
    assert_non_null(pg);
    assert_true(IS_ALIGNED(buddy_page_to_pa(&b, pg), 2 * PAGE_SIZE));
    assert_null(buddy_alloc(&b, 2));
    buddy_free(&b, pg);
    free(pages);
}

static void test_bad_zones(void **state)
{
    (void)state;
    struct page *p = zone_pages(MIB);
    assert_int_equal(buddy_add_zone(&B, "x", BASE + 123, MIB, p), -EINVAL);
    assert_int_equal(buddy_add_zone(&B, "x", BASE + 8 * MIB, MIB, p), -EINVAL); /* overlap */
    assert_int_equal(buddy_add_zone(&B, "x", BASE - 4 * MIB, 0, p), -EINVAL);
    free(p);
}

static void test_split_and_coalesce_one(void **state)
{
    (void)state;
    struct page *pg = buddy_alloc(&B, 0);
    assert_non_null(pg);
    assert_int_equal(page_refcount(pg), 1);
    struct buddy_stats s = stats();
    assert_int_equal(s.free_pages, NPG16 - 1);
    for (int o = 0; o < MM_MAX_ORDER; o++)
        assert_int_equal(s.free_blocks[o], 1); /* one buddy left over at each order */
    assert_int_equal(s.free_blocks[MM_MAX_ORDER], 3);
    buddy_free(&B, pg);
    assert_pristine();
}

static void test_alignment_each_order(void **state)
{
    (void)state;
    struct page *pgs[MM_MAX_ORDER + 1];
    for (unsigned o = 0; o <= MM_MAX_ORDER; o++) {
        pgs[o] = buddy_alloc(&B, o);
        assert_non_null(pgs[o]);
        assert_int_equal(pgs[o]->order, o);
        assert_true(IS_ALIGNED(buddy_page_to_pa(&B, pgs[o]), PAGE_SIZE << o));
    }
    assert_null(buddy_alloc(&B, MM_MAX_ORDER + 1));
    for (unsigned o = 0; o <= MM_MAX_ORDER; o++)
        buddy_free(&B, pgs[o]);
    assert_pristine();
}

/* Every frame allocated singly, then the even ones freed: nothing can merge (2048 order-0
 * blocks and no larger block) until the odd ones come back. */
static void test_fragmentation_coalescing(void **state)
{
    (void)state;
    static struct page *pgs[NPG16];
    for (int i = 0; i < NPG16; i++) {
        pgs[i] = buddy_alloc(&B, 0);
        assert_non_null(pgs[i]);
    }
    assert_null(buddy_alloc(&B, 0));
    /* Sort by address so "even" means even frame number. */
    static struct page *by_pfn[NPG16];
    for (int i = 0; i < NPG16; i++)
        by_pfn[(buddy_page_to_pa(&B, pgs[i]) - BASE) >> PAGE_SHIFT] = pgs[i];
    for (int i = 0; i < NPG16; i += 2)
        buddy_free(&B, by_pfn[i]);
    struct buddy_stats s = stats();
    assert_int_equal(s.free_pages, NPG16 / 2);
    assert_int_equal(s.free_blocks[0], NPG16 / 2);
    for (int o = 1; o <= MM_MAX_ORDER; o++)
        assert_int_equal(s.free_blocks[o], 0);
    assert_null(buddy_alloc(&B, 1)); /* half the memory free, no two contiguous frames */
    for (int i = 1; i < NPG16; i += 2)
        buddy_free(&B, by_pfn[i]);
    assert_pristine();
}

/* Random orders allocated and freed; blocks never overlap; everything merges back. */
static void test_random_no_overlap(void **state)
{
    (void)state;
    static unsigned char owner[NPG16];
    struct page *live[512] = {0};
    memset(owner, 0, sizeof(owner));
    srand(1234);
    for (int step = 0; step < 20000; step++) {
        int slot = rand() % 512;
        if (live[slot]) {
            uint64_t pfn = (buddy_page_to_pa(&B, live[slot]) - BASE) >> PAGE_SHIFT;
            for (uint64_t i = 0; i < (1UL << live[slot]->order); i++)
                owner[pfn + i] = 0;
            buddy_free(&B, live[slot]);
            live[slot] = NULL;
            continue;
        }
        unsigned order = (unsigned)(rand() % 6);
        struct page *pg = buddy_alloc(&B, order);
        if (!pg)
            continue;
        uint64_t pfn = (buddy_page_to_pa(&B, pg) - BASE) >> PAGE_SHIFT;
        for (uint64_t i = 0; i < (1UL << order); i++) {
            assert_int_equal(owner[pfn + i], 0);
            owner[pfn + i] = 1;
        }
        live[slot] = pg;
    }
    for (int i = 0; i < 512; i++)
        if (live[i])
            buddy_free(&B, live[i]);
    assert_pristine();
}

static void test_reserve(void **state)
{
    (void)state;
    /* A "kernel image" of 0x123456 bytes at +512 KiB: frames 128 .. 128+292. */
    uint64_t kpa = BASE + 0x80000, ksize = 0x123456;
    uint64_t npages = (ksize + PAGE_SIZE - 1) / PAGE_SIZE;
    assert_int_equal(buddy_reserve(&B, kpa, ksize), 0);
    assert_int_equal(buddy_reserve(&B, kpa, PAGE_SIZE), 0); /* idempotent */
    assert_int_equal(buddy_reserve(&B, 0x1000, 0x1000), 0); /* outside every zone */
    struct buddy_stats s = stats();
    assert_int_equal(s.reserved_pages, npages);
    assert_int_equal(s.free_pages, NPG16 - npages);
    assert_int_equal(buddy_pa_to_page(&B, kpa)->flags, PG_RESERVED);
    /* No allocation lands in the reserved range. */
    static struct page *pgs[NPG16];
    int n = 0;
    while ((pgs[n] = buddy_alloc(&B, 0)) != NULL) {
        uint64_t pa = buddy_page_to_pa(&B, pgs[n]);
        assert_false(pa >= ALIGN_DOWN(kpa, PAGE_SIZE) && pa < kpa + ksize);
        n++;
    }
    assert_int_equal(n, NPG16 - npages);
    while (n--)
        buddy_free(&B, pgs[n]);
    buddy_unreserve(&B, kpa, ksize);
    assert_int_equal(stats().reserved_pages, 0);
    assert_pristine();
}

static void test_reserve_allocated_busy(void **state)
{
    (void)state;
    struct page *pg = buddy_alloc(&B, 3);
    assert_int_equal(buddy_reserve(&B, buddy_page_to_pa(&B, pg) + 2 * PAGE_SIZE, 1), -EBUSY);
    buddy_free(&B, pg);
    assert_pristine();
}

static void test_two_zones_lookup(void **state)
{
    (void)state;
    uint64_t base2 = 0x80000000UL;
    assert_int_equal(buddy_add_zone(&B, "high", base2, 4 * MIB, zone_pages(4 * MIB)), 1);
    struct buddy_stats s;
    buddy_zone_stats(&B, 1, &s);
    assert_int_equal(s.total_pages, 1024);
    /* Exhaust zone 0 with 4 MiB blocks; the next comes from zone 1. */
    struct page *big[5];
    for (int i = 0; i < 4; i++) {
        big[i] = buddy_alloc(&B, MM_MAX_ORDER);
        assert_int_equal(big[i]->zone, 0);
    }
    big[4] = buddy_alloc(&B, MM_MAX_ORDER);
    assert_non_null(big[4]);
    assert_int_equal(buddy_page_to_pa(&B, big[4]), base2);
    assert_null(buddy_alloc(&B, 0));
    /* pa <-> page, including tail frames. */
    struct page *tail = buddy_pa_to_page(&B, base2 + 5 * PAGE_SIZE + 17);
    assert_ptr_equal(tail, big[4] + 5);
    assert_int_equal(buddy_page_to_pa(&B, tail), base2 + 5 * PAGE_SIZE);
    assert_null(buddy_pa_to_page(&B, base2 + 4 * MIB));
    assert_null(buddy_pa_to_page(&B, BASE - 1));
    for (int i = 0; i < 5; i++)
        buddy_page_put(&B, big[i]);
    buddy_stats(&B, &s);
    assert_int_equal(s.free_pages, NPG16 + 1024);
}

static void test_page_put_refcount(void **state)
{
    (void)state;
    struct page *pg = buddy_alloc(&B, 2);
    page_ref_inc(pg);
    buddy_page_put(&B, pg);
    assert_int_equal(stats().free_pages, NPG16 - 4);
    buddy_page_put(&B, pg);
    assert_pristine();
}

static void double_free(void *arg)
{
    (void)arg;
    struct page *pg = buddy_alloc(&B, 0);
    buddy_free(&B, pg);
    buddy_free(&B, pg);
}

static void free_tail(void *arg)
{
    (void)arg;
    struct page *pg = buddy_alloc(&B, 1);
    buddy_free(&B, pg + 1);
}

static void test_bad_free_panics(void **state)
{
    (void)state;
    expect_panic(double_free, NULL, "not an allocated block");
    expect_panic(free_tail, NULL, "not an allocated block");
}

static void test_bootmem(void **state)
{
    (void)state;
    struct bootmem bm;
    uint64_t pa;
    bootmem_init(&bm, BASE + 0x100, BASE + 0x10000);
    assert_int_equal(bootmem_alloc(&bm, 10, 8, &pa), 0);
    assert_int_equal(pa, BASE + 0x100);
    assert_int_equal(bootmem_alloc(&bm, 0x1000, 0x1000, &pa), 0);
    assert_int_equal(pa, BASE + 0x1000);
    assert_int_equal(bootmem_used(&bm), 0x2000 - 0x100);
    assert_int_equal(bootmem_alloc(&bm, 1, 3, &pa), -EINVAL);
    assert_int_equal(bootmem_alloc(&bm, 0xf000, 1, &pa), -ENOMEM);
    assert_int_equal(bootmem_alloc(&bm, 0xe000, 0x1000, &pa), 0);
    assert_int_equal(bootmem_alloc(&bm, 1, 1, &pa), -ENOMEM);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup16, teardown)
    const struct CMUnitTest tests[] = {
        T(test_init_stats),
        T(test_unaligned_zone_layout),
        T(test_bad_zones),
        T(test_split_and_coalesce_one),
        T(test_alignment_each_order),
        T(test_fragmentation_coalescing),
        T(test_random_no_overlap),
        T(test_reserve),
        T(test_reserve_allocated_busy),
        T(test_two_zones_lookup),
        T(test_page_put_refcount),
        T(test_bad_free_panics),
        cmocka_unit_test(test_bootmem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
