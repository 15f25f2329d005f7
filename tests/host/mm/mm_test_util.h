/* Helpers shared by the mm host tests. */
#ifndef MM_TEST_UTIL_H
#define MM_TEST_UTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Runs fn(arg) in a forked child with stderr captured; fails the test unless the child died
 * of SIGABRT (kpanic/KASSERT on the host) with a message containing `expect`. */
void expect_panic(void (*fn)(void *arg), void *arg, const char *expect);

#include <mm/buddy.h>
#include <mm/slab.h>

/* Fake physical memory: an aligned host arena at TEST_PHYS_BASE, managed by test_buddy,
 * with kmem_init over it. */
#define TEST_PHYS_BASE 0x40000000UL
extern struct buddy test_buddy;
extern struct slab_page_source test_src;
/* CPU that platform_cpu_id() reports (tests link with --wrap=platform_cpu_id). */
extern unsigned test_cpu;

void test_mem_init(size_t size);
void test_mem_fini(void);
void *test_p2v(uint64_t pa);
uint64_t test_v2p(const void *va);
size_t test_free_pages(void);

#include <mm/as.h>
#include <mm/pgtable.h>

/* Frame operations over test_buddy for struct mm_as_ops (ctx unused). test_frame_alloc and
 * test_frame_free count the frames handed out and not yet returned in test_frames_out. */
extern long test_frames_out;
struct page *test_frame_alloc(void *ctx);
void test_frame_free(void *ctx, struct page *pg);
uint64_t test_page_to_pa(void *ctx, const struct page *pg);
struct page *test_pa_to_page(void *ctx, uint64_t pa);
void *test_page_to_virt(void *ctx, struct page *pg);

/* Page-table pages from test_buddy, zeroed when allocated. */
extern const struct pt_ops test_pt_ops;

#endif
