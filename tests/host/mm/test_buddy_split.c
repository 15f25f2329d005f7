/* buddy_split: a block's frames become independent and coalesce again when all are freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <mm/buddy.h>

static void test_split_then_free_singly(void **state)
{
    (void)state;
    struct buddy b;
    uint64_t size = 64 * PAGE_SIZE;
    struct page *meta = calloc(1, buddy_meta_bytes(size));
    buddy_init(&b);
    assert_int_equal(buddy_add_zone(&b, "z", 0x100000, size, meta), 0);
    struct page *pg = buddy_alloc(&b, 3);
    assert_non_null(pg);
    uint64_t pa = buddy_page_to_pa(&b, pg);
    buddy_split(&b, pg);
    struct buddy_stats st;
    buddy_stats(&b, &st);
    assert_int_equal(st.free_pages, 56);
    for (int i = 7; i >= 0; i -= 2) /* odd frames first: no merge possible yet */
        buddy_free(&b, buddy_pa_to_page(&b, pa + (uint64_t)i * PAGE_SIZE));
    buddy_stats(&b, &st);
    assert_int_equal(st.free_pages, 60);
    for (int i = 6; i >= 0; i -= 2)
        buddy_free(&b, buddy_pa_to_page(&b, pa + (uint64_t)i * PAGE_SIZE));
    buddy_stats(&b, &st);
    assert_int_equal(st.free_pages, 64);
    assert_int_equal(st.free_blocks[6], 1); /* fully coalesced into one 64-page block */
    free(meta);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_split_then_free_singly)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
