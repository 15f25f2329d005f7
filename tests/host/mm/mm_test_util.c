#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "mm_test_util.h"

void expect_panic(void (*fn)(void *arg), void *arg, const char *expect)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        fn(arg);
        _exit(0); /* no panic: the parent sees a normal exit */
    }
    close(fds[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(buf) - 1 && (r = read(fds[0], buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fail_msg("child did not panic (status %#x), output: %s", status, buf);
    if (!strstr(buf, expect))
        fail_msg("panic message lacks \"%s\": %s", expect, buf);
}

struct buddy test_buddy;
struct slab_page_source test_src;
unsigned test_cpu;
static struct buddy_slab_ctx test_ctx;
static char *arena;
static size_t arena_size;
static struct page *arena_pages;

unsigned __wrap_platform_cpu_id(void);
unsigned __wrap_platform_cpu_id(void)
{
    return test_cpu;
}

void *test_p2v(uint64_t pa)
{
    assert_true(pa >= TEST_PHYS_BASE && pa - TEST_PHYS_BASE < arena_size);
    return arena + (pa - TEST_PHYS_BASE);
}

uint64_t test_v2p(const void *va)
{
    const char *p = va;
    if (p < arena || p >= arena + arena_size)
        return 0; /* no frame: lookups give NULL */
    return TEST_PHYS_BASE + (uint64_t)(p - arena);
}

void test_mem_init(size_t size)
{
    test_mem_fini();
    arena_size = size;
    void *mem = NULL;
    assert_int_equal(posix_memalign(&mem, 4UL << 20, size), 0);
    arena = mem;
    arena_pages = malloc(buddy_meta_bytes(size));
    assert_non_null(arena_pages);
    buddy_init(&test_buddy);
    assert_int_equal(buddy_add_zone(&test_buddy, "test", TEST_PHYS_BASE, size, arena_pages), 0);
    test_ctx.buddy = &test_buddy;
    test_ctx.phys_to_virt = test_p2v;
    test_ctx.virt_to_phys = test_v2p;
    buddy_slab_source(&test_src, &test_ctx);
    kmem_init(&test_src);
    test_cpu = 0;
}

void test_mem_fini(void)
{
    free(arena);
    free(arena_pages);
    arena = NULL;
    arena_pages = NULL;
    arena_size = 0;
}

size_t test_free_pages(void)
{
    struct buddy_stats s;
    buddy_stats(&test_buddy, &s);
    return s.free_pages;
}

long test_frames_out;

struct page *test_frame_alloc(void *ctx)
{
    (void)ctx;
    struct page *pg = buddy_alloc(&test_buddy, 0);
    if (pg)
        test_frames_out++;
    return pg;
}

void test_frame_free(void *ctx, struct page *pg)
{
    (void)ctx;
    test_frames_out--;
    buddy_free(&test_buddy, pg);
}

uint64_t test_page_to_pa(void *ctx, const struct page *pg)
{
    (void)ctx;
    return buddy_page_to_pa(&test_buddy, pg);
}

struct page *test_pa_to_page(void *ctx, uint64_t pa)
{
    (void)ctx;
    return buddy_pa_to_page(&test_buddy, pa);
}

void *test_page_to_virt(void *ctx, struct page *pg)
{
    (void)ctx;
    return test_p2v(buddy_page_to_pa(&test_buddy, pg));
}

static uint64_t table_alloc(void *ctx)
{
    (void)ctx;
    struct page *pg = buddy_alloc(&test_buddy, 0);
    if (!pg)
        return 0;
    uint64_t pa = buddy_page_to_pa(&test_buddy, pg);
    memset(test_p2v(pa), 0, PAGE_SIZE);
    return pa;
}

static void table_free(void *ctx, uint64_t pa)
{
    (void)ctx;
    buddy_free(&test_buddy, buddy_pa_to_page(&test_buddy, pa));
}

static void *table_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return test_p2v(pa);
}

const struct pt_ops test_pt_ops = {table_alloc, table_free, table_virt, NULL};
