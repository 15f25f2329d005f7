/* mm/rbtree.c and mm/vma.c: tree invariants, VMA split/merge/unmap/protect at every
 * boundary against a page-granular model, gap search, file offsets and references. */
#include <stdlib.h>
#include <string.h>
#include "mm_test_util.h"
#include <lib/errno.h>
#include <mm/vma.h>

/* ---- red-black tree ---- */

struct item {
    struct rb_node rb;
    int key;
};

static void item_insert(struct rb_root *root, struct item *it)
{
    struct rb_node **link = &root->node, *parent = NULL;
    while (*link) {
        parent = *link;
        link = it->key < rb_entry(parent, struct item, rb)->key ? &parent->left : &parent->right;
    }
    rb_link(&it->rb, parent, link);
    rb_insert_fixup(root, &it->rb);
}

/* Black height of n's subtree; fails the test on any broken property. */
static int check_rb(const struct rb_node *n, const struct rb_node *parent)
{
    if (!n)
        return 1;
    assert_ptr_equal(n->parent, parent);
    if (n->red) {
        assert_false(n->left && n->left->red);
        assert_false(n->right && n->right->red);
    }
    int key = rb_entry(n, struct item, rb)->key;
    if (n->left)
        assert_true(rb_entry(n->left, struct item, rb)->key <= key);
    if (n->right)
        assert_true(rb_entry(n->right, struct item, rb)->key >= key);
    int l = check_rb(n->left, n), r = check_rb(n->right, n);
    assert_int_equal(l, r);
    return l + !n->red;
}

static void test_rbtree_random(void **state)
{
    (void)state;
    enum { N = 5000 };
    static struct item items[N];
    static bool in[N];
    struct rb_root root = {NULL};
    srand(42);
    for (int i = 0; i < N; i++) {
        items[i].key = rand() % 100000;
        item_insert(&root, &items[i]);
        in[i] = true;
    }
    check_rb(root.node, NULL);
    assert_false(root.node->red);
    int live = N;
    for (int round = 0; round < 3 * N; round++) {
        int i = rand() % N;
        if (in[i]) {
            rb_erase(&root, &items[i].rb);
            live--;
        } else {
            item_insert(&root, &items[i]);
            live++;
        }
        in[i] = !in[i];
        if (round % 1000 == 0)
            check_rb(root.node, NULL);
    }
    check_rb(root.node, NULL);
    int n = 0, prev = -1;
    for (struct rb_node *x = rb_first(&root); x; x = rb_next(x), n++) {
        assert_true(rb_entry(x, struct item, rb)->key >= prev);
        prev = rb_entry(x, struct item, rb)->key;
    }
    assert_int_equal(n, live);
    n = 0;
    for (struct rb_node *x = rb_last(&root); x; x = rb_prev(x))
        n++;
    assert_int_equal(n, live);
    for (int i = 0; i < N; i++)
        if (in[i])
            rb_erase(&root, &items[i].rb);
    assert_null(root.node);
}

/* ---- VMAs against a model ---- */

#define PG(n)  (0x10000UL + (uint64_t)(n)*PAGE_SIZE)
#define NPAGES 16
#define R      MM_PROT_READ
#define RW     (MM_PROT_READ | MM_PROT_WRITE)

static struct vma_tree T;
static struct kmem_cache *vma_cache;
static unsigned model[NPAGES]; /* prot per page, 0 = unmapped */

static int setup(void **state)
{
    (void)state;
    test_mem_init(8UL << 20);
    vma_cache = kmem_cache_create("vma", sizeof(struct vma), 0);
    vma_tree_init(&T, vma_cache);
    memset(model, 0, sizeof(model));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_mem_fini();
    return 0;
}

static struct vma *add(uint64_t start, uint64_t end, unsigned prot)
{
    struct vma *v = vma_alloc(&T);
    assert_non_null(v);
    v->start = start;
    v->end = end;
    v->prot = prot;
    assert_int_equal(vma_insert(&T, v), 0);
    return vma_merge(&T, v);
}

static void model_add(int a, int b, unsigned prot)
{
    add(PG(a), PG(b), prot);
    for (int i = a; i < b; i++)
        model[i] = prot;
}

/* The tree is sorted, disjoint, maximally merged and says what the model says. */
static void check_model(void)
{
    unsigned seen[NPAGES] = {0};
    size_t n = 0;
    struct vma *prev = NULL;
    for (struct vma *v = vma_first(&T); v; prev = v, v = vma_next(v), n++) {
        assert_true(v->start < v->end);
        if (prev) {
            assert_true(prev->end <= v->start);
            assert_false(vma_mergeable(prev, v));
        }
        for (uint64_t a = v->start; a < v->end; a += PAGE_SIZE) {
            assert_true(a >= PG(0) && a < PG(NPAGES));
            seen[(a - PG(0)) / PAGE_SIZE] = v->prot;
            assert_ptr_equal(vma_find(&T, a), v);
        }
    }
    assert_int_equal(n, T.count);
    for (int i = 0; i < NPAGES; i++)
        if (seen[i] != model[i])
            fail_msg("page %d: tree prot %u, model %u", i, seen[i], model[i]);
}

/* A: [2,5) RW, B: [5,8) R (adjacent, different), C: [10,13) RW. */
static void layout(void)
{
    vma_unmap_range(&T, PG(0), PG(NPAGES));
    memset(model, 0, sizeof(model));
    model_add(2, 5, RW);
    model_add(5, 8, R);
    model_add(10, 13, RW);
    assert_int_equal(T.count, 3);
}

static void test_unmap_every_boundary(void **state)
{
    (void)state;
    for (int s = 0; s < NPAGES; s++)
        for (int e = s + 1; e <= NPAGES; e++) {
            layout();
            assert_int_equal(vma_unmap_range(&T, PG(s), PG(e)), 0);
            for (int i = s; i < e; i++)
                model[i] = 0;
            check_model();
        }
}

static void test_protect_every_boundary(void **state)
{
    (void)state;
    static const unsigned prots[] = {R, RW, MM_PROT_READ | MM_PROT_EXEC};
    for (size_t p = 0; p < ARRAY_SIZE(prots); p++)
        for (int s = 0; s < NPAGES; s++)
            for (int e = s + 1; e <= NPAGES; e++) {
                layout();
                bool covered = true;
                for (int i = s; i < e; i++)
                    covered &= model[i] != 0;
                int err = vma_protect_range(&T, PG(s), PG(e), prots[p]);
                assert_int_equal(err, covered ? 0 : -ENOMEM);
                if (covered)
                    for (int i = s; i < e; i++)
                        model[i] = prots[p];
                check_model();
            }
}

static void test_random_against_model(void **state)
{
    (void)state;
    srand(7);
    for (int step = 0; step < 5000; step++) {
        int s = rand() % NPAGES, e = s + 1 + rand() % (NPAGES - s);
        unsigned prot = (rand() % 2) ? R : RW;
        switch (rand() % 3) {
        case 0: /* like mmap(MAP_FIXED) */
            assert_int_equal(vma_unmap_range(&T, PG(s), PG(e)), 0);
            model_add(s, e, prot);
            break;
        case 1:
            assert_int_equal(vma_unmap_range(&T, PG(s), PG(e)), 0);
            for (int i = s; i < e; i++)
                model[i] = 0;
            break;
        default: {
            bool covered = true;
            for (int i = s; i < e; i++)
                covered &= model[i] != 0;
            assert_int_equal(vma_protect_range(&T, PG(s), PG(e), prot), covered ? 0 : -ENOMEM);
            if (covered)
                for (int i = s; i < e; i++)
                    model[i] = prot;
        }
        }
        check_model();
    }
}

static void test_insert_overlap_and_find(void **state)
{
    (void)state;
    add(PG(2), PG(4), RW);
    struct vma *v = vma_alloc(&T);
    v->start = PG(3);
    v->end = PG(5);
    assert_int_equal(vma_insert(&T, v), -EEXIST);
    v->start = PG(1);
    v->end = PG(3);
    assert_int_equal(vma_insert(&T, v), -EEXIST);
    v->start = PG(5);
    v->end = PG(5);
    assert_int_equal(vma_insert(&T, v), -EINVAL);
    v->start = PG(5) + 1;
    v->end = PG(6);
    assert_int_equal(vma_insert(&T, v), -EINVAL);
    vma_free(&T, v);
    assert_null(vma_find(&T, PG(1)));
    assert_null(vma_find(&T, PG(4)));
    assert_non_null(vma_find(&T, PG(4) - 1));
    assert_int_equal(vma_find_next(&T, PG(0))->start, PG(2));
    assert_int_equal(vma_find_next(&T, PG(3))->start, PG(2));
    assert_null(vma_find_next(&T, PG(4)));
    struct vma *hi;
    struct vma *lo = vma_find(&T, PG(2));
    assert_int_equal(vma_split(&T, lo, PG(2), &hi), -EINVAL);
    assert_int_equal(vma_split(&T, lo, PG(3), &hi), 0);
    assert_int_equal(lo->end, PG(3));
    assert_int_equal(hi->start, PG(3));
    assert_int_equal(T.count, 2);
    assert_ptr_equal(vma_merge(&T, hi), lo);
    assert_int_equal(lo->end, PG(4));
}

/* Thousands of regions: every lookup lands in the right one. */
static void test_many_regions(void **state)
{
    (void)state;
    enum { N = 4000 };
    for (int i = 0; i < N; i++) /* alternate prot so nothing merges */
        add(0x100000000UL + (uint64_t)i * 2 * PAGE_SIZE,
            0x100000000UL + (uint64_t)i * 2 * PAGE_SIZE + PAGE_SIZE, i % 2 ? R : RW);
    assert_int_equal(T.count, N);
    for (int i = 0; i < N; i++) {
        uint64_t a = 0x100000000UL + (uint64_t)i * 2 * PAGE_SIZE;
        assert_int_equal(vma_find(&T, a + 100)->start, a);
        assert_null(vma_find(&T, a + PAGE_SIZE));
        struct vma *next = vma_find_next(&T, a + PAGE_SIZE);
        if (i < N - 1)
            assert_int_equal(next->start, a + 2 * PAGE_SIZE);
        else
            assert_null(next);
    }
    assert_int_equal(vma_unmap_range(&T, 0x100000000UL, 0x100000000UL + N * PAGE_SIZE), 0);
    assert_int_equal(T.count, N / 2);
}

static void test_find_gap(void **state)
{
    (void)state;
    uint64_t a;
    const uint64_t lo = 0x10000000, hi = 0x20000000;
    assert_int_equal(vma_find_gap(&T, 0x3000, lo, hi, PAGE_SIZE, &a), 0);
    assert_int_equal(a, hi - 0x3000);
    add(hi - 0x2000, hi, RW); /* top-down: the next gap is below it */
    assert_int_equal(vma_find_gap(&T, 0x3000, lo, hi, PAGE_SIZE, &a), 0);
    assert_int_equal(a, hi - 0x5000);
    add(hi - 0x6000, hi - 0x3000, R); /* leaves a 1-page hole: too small */
    assert_int_equal(vma_find_gap(&T, 0x2000, lo, hi, PAGE_SIZE, &a), 0);
    assert_int_equal(a, hi - 0x8000);
    assert_int_equal(vma_find_gap(&T, 0x1000, lo, hi, PAGE_SIZE, &a), 0);
    assert_int_equal(a, hi - 0x3000);
    /* Alignment. */
    assert_int_equal(vma_find_gap(&T, 0x1000, lo, hi, 0x200000, &a), 0);
    assert_int_equal(a, hi - 0x200000);
    /* Guard gap below a stack. */
    struct vma *stack = vma_alloc(&T);
    stack->start = lo + 0x400000;
    stack->end = lo + 0x500000;
    stack->prot = RW;
    stack->flags = VMA_GROWSDOWN;
    assert_int_equal(vma_insert(&T, stack), 0);
    assert_int_equal(vma_find_gap(&T, 0x1000, lo, lo + 0x500000, PAGE_SIZE, &a), 0);
    assert_int_equal(a, lo + 0x400000 - VMA_STACK_GUARD_GAP - 0x1000);
    /* Nothing fits. */
    assert_int_equal(vma_find_gap(&T, 0x400000, lo, lo + 0x500000, PAGE_SIZE, &a), -ENOMEM);
    assert_int_equal(vma_find_gap(&T, hi, lo, hi, PAGE_SIZE, &a), -ENOMEM);
}

static int file_refs;
static void file_get(struct mm_file *f)
{
    (void)f;
    file_refs++;
}
static void file_put(struct mm_file *f)
{
    (void)f;
    file_refs--;
}

static void test_file_offsets_and_refs(void **state)
{
    (void)state;
    static const struct mm_pagecache_ops fops = {.get = file_get, .put = file_put};
    struct mm_file f = {.ops = &fops};
    struct vma *v = vma_alloc(&T);
    v->start = PG(0);
    v->end = PG(8);
    v->prot = R;
    v->file = &f;
    v->offset = 0x5000;
    file_refs = 1; /* the reference v holds */
    assert_int_equal(vma_insert(&T, v), 0);
    assert_int_equal(vma_protect_range(&T, PG(2), PG(3), RW), 0);
    assert_int_equal(T.count, 3);
    assert_int_equal(file_refs, 3);
    struct vma *mid = vma_find(&T, PG(2)), *top = vma_find(&T, PG(3));
    assert_int_equal(mid->offset, 0x5000 + 2 * PAGE_SIZE);
    assert_int_equal(top->offset, 0x5000 + 3 * PAGE_SIZE);
    /* Same file, same prot, contiguous offsets: merge back. */
    assert_int_equal(vma_protect_range(&T, PG(2), PG(3), R), 0);
    assert_int_equal(T.count, 1);
    assert_int_equal(file_refs, 1);
    /* Non-contiguous offsets do not merge. */
    struct vma *w = vma_alloc(&T);
    *w = *vma_find(&T, PG(0));
    memset(&w->rb, 0, sizeof(w->rb));
    w->start = PG(8);
    w->end = PG(9);
    w->offset = 0;
    vma_file_get(w);
    assert_int_equal(vma_insert(&T, w), 0);
    assert_ptr_equal(vma_merge(&T, w), w);
    assert_int_equal(T.count, 2);
    assert_int_equal(vma_unmap_range(&T, PG(0), PG(9)), 0);
    assert_int_equal(file_refs, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rbtree_random),
        T(test_unmap_every_boundary),
        T(test_protect_every_boundary),
        T(test_random_against_model),
        T(test_insert_overlap_and_find),
        T(test_many_regions),
        T(test_find_gap),
        T(test_file_offsets_and_refs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
