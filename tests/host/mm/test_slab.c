/* mm/slab.c: caches, kmalloc classes, per-CPU caches, poisoning and double-free checks. */
#include <stdlib.h>
#include <string.h>
#include "mm_test_util.h"
#include <lib/errno.h>

#define ARENA (16UL << 20)

static int setup(void **state)
{
    (void)state;
    test_mem_init(ARENA);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_mem_fini();
    return 0;
}

static void test_cache_objects_distinct_and_freed(void **state)
{
    (void)state;
    size_t before = test_free_pages();
    struct kmem_cache *c = kmem_cache_create("thing", 40, 0);
    assert_non_null(c);
    assert_string_equal(c->name, "thing");
    enum { N = 1000 };
    static char *objs[N];
    for (int i = 0; i < N; i++) {
        objs[i] = kmem_cache_alloc(c);
        assert_non_null(objs[i]);
        assert_true(IS_ALIGNED((uintptr_t)objs[i], sizeof(void *)));
        memset(objs[i], i & 0xff, 40);
    }
    assert_int_equal(c->active, N);
    for (int i = 0; i < N; i++) /* no object overlaps another */
        for (int j = 0; j < 40; j++)
            assert_int_equal((unsigned char)objs[i][j], i & 0xff);
    assert_int_equal(kmem_cache_destroy(c), -EBUSY);
    for (int i = 0; i < N; i++)
        kmem_cache_free(c, objs[i]);
    assert_int_equal(c->active, 0);
    assert_int_equal(kmem_cache_destroy(c), 0);
    /* All slab pages are back, except the one holding the cache-of-caches object. */
    assert_true(test_free_pages() + 8 >= before);
}

static void test_alignment(void **state)
{
    (void)state;
    struct kmem_cache c;
    assert_int_equal(kmem_cache_init(&c, "al", 24, 64, &test_src), 0);
    assert_int_equal(kmem_cache_init(&c, "bad", 24, 48, &test_src), -EINVAL);
    assert_int_equal(kmem_cache_init(&c, "zero", 0, 8, &test_src), -EINVAL);
    assert_int_equal(kmem_cache_init(&c, "huge", 64 << 10, 8, &test_src), -EINVAL);
    assert_int_equal(kmem_cache_init(&c, "al", 24, 64, &test_src), 0);
    assert_true(c.objs_per_slab >= 8);
    for (int i = 0; i < 100; i++) {
        void *p = kmem_cache_alloc(&c);
        assert_true(IS_ALIGNED((uintptr_t)p, 64));
    }
}

static void test_kmalloc_classes(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 16, 17, 100, 128, 129, 1000, 2048};
    static const size_t classes[] = {16, 16, 32, 128, 128, 256, 1024, 2048};
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        char *p = kmalloc(sizes[i]);
        assert_non_null(p);
        assert_int_equal(ksize(p), classes[i]);
        assert_true(IS_ALIGNED((uintptr_t)p, 16));
        memset(p, 0xaa, sizes[i]);
        kfree(p);
    }
    assert_null(kmalloc(0));
    kfree(NULL);
    char *z = kzalloc(300);
    for (int i = 0; i < 300; i++)
        assert_int_equal(z[i], 0);
    kfree(z);
}

static void test_kmalloc_large(void **state)
{
    (void)state;
    size_t before = test_free_pages();
    char *p = kmalloc(5000);
    assert_non_null(p);
    assert_true(IS_ALIGNED((uintptr_t)p, PAGE_SIZE));
    assert_int_equal(ksize(p), 8192);
    assert_int_equal(test_free_pages(), before - 2);
    memset(p, 1, 5000);
    kfree(p);
    assert_int_equal(test_free_pages(), before);
    assert_null(kmalloc((PAGE_SIZE << MM_MAX_ORDER) + 1));
}

/* Objects freed on one CPU go to that CPU's cache and come back from it first. */
static void test_per_cpu_caches(void **state)
{
    (void)state;
    struct kmem_cache *c = kmem_cache_create("pcpu", 64, 0);
    test_cpu = 0;
    void *a = kmem_cache_alloc(c);
    void *b = kmem_cache_alloc(c);
    test_cpu = 1;
    kmem_cache_free(c, a);
    assert_int_equal(c->cpu[1].n, 1);
    test_cpu = 0;
    void *x = kmem_cache_alloc(c);
    assert_ptr_not_equal(x, a); /* a sits in CPU 1's cache */
    test_cpu = 1;
    assert_ptr_equal(kmem_cache_alloc(c), a);
    /* A CPU cache never grows past SLAB_CPU_OBJS. */
    enum { N = 100 };
    void *objs[N];
    for (int i = 0; i < N; i++)
        objs[i] = kmem_cache_alloc(c);
    for (int i = 0; i < N; i++) {
        kmem_cache_free(c, objs[i]);
        assert_true(c->cpu[1].n <= SLAB_CPU_OBJS);
    }
    kmem_cache_free(c, a);
    kmem_cache_free(c, b);
    kmem_cache_free(c, x);
    kmem_cache_shrink(c);
    for (int i = 0; i < MM_MAX_CPUS; i++)
        assert_int_equal(c->cpu[i].n, 0);
    assert_int_equal(c->nr_slabs, 0);
    assert_int_equal(kmem_cache_destroy(c), 0);
}

static void test_freed_objects_poisoned(void **state)
{
    (void)state;
    struct kmem_cache *c = kmem_cache_create("poison", 100, 0);
    unsigned char *p = kmem_cache_alloc(c);
    memset(p, 0, 100);
    kmem_cache_free(c, p);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], SLAB_POISON);
}

static void use_after_free(void *arg)
{
    (void)arg;
    char *p = kmalloc(64);
    kfree(p);
    p[10] = 'x'; /* the write a poison check must catch */
    kmalloc(64); /* LIFO per-CPU cache: the same object comes back */
}

static void double_free(void *arg)
{
    (void)arg;
    void *p = kmalloc(200);
    kfree(p);
    kfree(p);
}

static void free_interior(void *arg)
{
    (void)arg;
    char *p = kmalloc(200);
    kfree(p + 8);
}

static void free_foreign(void *arg)
{
    (void)arg;
    static char not_ours[64];
    kfree(not_ours);
}

static void free_wrong_cache(void *arg)
{
    (void)arg;
    struct kmem_cache *a = kmem_cache_create("a", 32, 0);
    struct kmem_cache *b = kmem_cache_create("b", 32, 0);
    kmem_cache_free(b, kmem_cache_alloc(a));
}

static void test_debug_panics(void **state)
{
    (void)state;
    expect_panic(use_after_free, NULL, "use after free");
    expect_panic(double_free, NULL, "double free");
    expect_panic(free_interior, NULL, "not the start of an object");
    expect_panic(free_foreign, NULL, "not returned by kmalloc");
    expect_panic(free_wrong_cache, NULL, "belongs to cache a");
}

/* Shrink gives every empty slab back to the buddy allocator. */
static void test_shrink_returns_pages(void **state)
{
    (void)state;
    struct kmem_cache c;
    assert_int_equal(kmem_cache_init(&c, "shrink", 512, 0, &test_src), 0);
    size_t before = test_free_pages();
    void *objs[200];
    for (int i = 0; i < 200; i++)
        objs[i] = kmem_cache_alloc(&c);
    assert_true(test_free_pages() < before);
    assert_true(c.nr_slabs >= 200 / c.objs_per_slab);
    for (int i = 0; i < 200; i++)
        kmem_cache_free(&c, objs[i]);
    kmem_cache_shrink(&c);
    assert_int_equal(c.nr_slabs, 0);
    assert_int_equal(test_free_pages(), before);
}

/* Memory pressure: one call empties every cache, the kmalloc classes and created ones. */
static void test_shrink_all_returns_pages(void **state)
{
    (void)state;
    struct kmem_cache *c = kmem_cache_create("pressure", 300, 0);
    assert_non_null(c);
    size_t before = test_free_pages();
    enum { N = 300 };
    static void *small[N], *mine[N];
    for (int i = 0; i < N; i++) {
        small[i] = kmalloc(512);
        mine[i] = kmem_cache_alloc(c);
        assert_true(small[i] && mine[i]);
    }
    assert_true(test_free_pages() < before);
    for (int i = 0; i < N; i++) {
        kfree(small[i]);
        kmem_cache_free(c, mine[i]);
    }
    assert_true(test_free_pages() < before); /* empty slabs and CPU caches keep pages */
    kmem_shrink_all();
    assert_int_equal(c->nr_slabs, 0);
    assert_int_equal(test_free_pages(), before);
    assert_int_equal(kmem_cache_destroy(c), 0);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    test_mem_init(64 * PAGE_SIZE);
    int n = 0;
    while (kmalloc(2048))
        n++;
    assert_true(n > 0 && n <= 64 * 2);
    assert_null(kmalloc(8192));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_cache_objects_distinct_and_freed),
        T(test_alignment),
        T(test_kmalloc_classes),
        T(test_kmalloc_large),
        T(test_per_cpu_caches),
        T(test_freed_objects_poisoned),
        T(test_debug_panics),
        T(test_shrink_returns_pages),
        T(test_shrink_all_returns_pages),
        T(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
