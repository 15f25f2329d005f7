/* libos/sched/tree.c: AVL invariants and augmentation under random inserts and removals,
 * checked against a brute-force model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>
#include "sched/tree.h"

struct item {
    struct sched_node node;
    int key; /* tree order */
    int val; /* augmented: minimum of val over the subtree */
    int min_val;
    unsigned seq; /* insertion order, to check that equal keys stay in order */
    bool in;
};

#define N 1500
static struct item items[N];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static struct item *it(const struct sched_node *n)
{
    return (struct item *)((char *)n - offsetof(struct item, node));
}

static bool key_less(const struct sched_node *a, const struct sched_node *b)
{
    return it(a)->key < it(b)->key;
}

static void augment(struct sched_node *n)
{
    int m = it(n)->val;
    if (n->left && it(n->left)->min_val < m)
        m = it(n->left)->min_val;
    if (n->right && it(n->right)->min_val < m)
        m = it(n->right)->min_val;
    it(n)->min_val = m;
}

/* Recomputes every subtree minimum from scratch and compares; returns the minimum. */
static int check_aug(const struct sched_node *n)
{
    if (!n)
        return INT32_MAX;
    int m = it(n)->val, l = check_aug(n->left), r = check_aug(n->right);
    m = l < m ? l : m;
    m = r < m ? r : m;
    assert_int_equal(m, it(n)->min_val);
    return m;
}

static void check_all(const struct sched_tree *t, long expect)
{
    long count = sched_tree_check(t);
    assert_int_equal(count, expect);
    /* AVL height bound: h < 1.4405 log2(n + 2) - 0.3277. */
    int h = sched_tree_height(t->root), bound = 0;
    for (long x = expect + 2; x > 1; x >>= 1)
        bound++; /* floor(log2(n+2)) */
    assert_true(h <= (int)(1.4405 * (bound + 1)));
    check_aug(t->root);
    const struct item *prev = NULL;
    long seen = 0;
    for (struct sched_node *n = sched_tree_first(t); n; n = sched_tree_next(n), seen++) {
        const struct item *i = it(n);
        assert_true(i->in);
        if (prev) {
            assert_true(prev->key <= i->key);
            if (prev->key == i->key)
                assert_true(prev->seq < i->seq);
        }
        prev = i;
    }
    assert_int_equal(seen, expect);
}

static void test_random_ops(void **state)
{
    (void)state;
    struct sched_tree t;
    sched_tree_init(&t, augment);
    memset(items, 0, sizeof(items));
    long count = 0;
    unsigned seq = 0;
    for (int round = 0; round < 20000; round++) {
        struct item *i = &items[rnd() % N];
        if (i->in) {
            sched_tree_remove(&t, &i->node);
            i->in = false;
            count--;
        } else {
            i->key = (int)(rnd() % 200); /* many equal keys */
            i->val = (int)(rnd() % 100000) - 50000;
            i->seq = seq++;
            sched_tree_insert(&t, &i->node, key_less);
            i->in = true;
            count++;
        }
        if (round % 97 == 0 || count < 20)
            check_all(&t, count);
    }
    check_all(&t, count);
    /* Drain completely, removing from the root to exercise two-child removals. */
    while (t.root) {
        it(t.root)->in = false;
        sched_tree_remove(&t, t.root);
        count--;
        if (count % 50 == 0)
            check_all(&t, count);
    }
    assert_int_equal(count, 0);
    assert_null(sched_tree_first(&t));
}

static void test_sequential_inserts_stay_balanced(void **state)
{
    (void)state;
    struct sched_tree t;
    sched_tree_init(&t, augment);
    memset(items, 0, sizeof(items));
    for (int k = 0; k < N; k++) {
        items[k].key = k; /* ascending: worst case for an unbalanced tree */
        items[k].val = N - k;
        items[k].seq = (unsigned)k;
        items[k].in = true;
        sched_tree_insert(&t, &items[k].node, key_less);
    }
    check_all(&t, N);
    assert_true(sched_tree_height(t.root) <= 16); /* 1.44*log2(1502) ~ 15.2 */
    assert_int_equal(it(t.root)->min_val, 1);
    /* Remove the minimum-val item; the augmented root minimum must follow. */
    items[N - 1].in = false;
    sched_tree_remove(&t, &items[N - 1].node);
    assert_int_equal(it(t.root)->min_val, 2);
    check_all(&t, N - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_ops),
        cmocka_unit_test(test_sequential_inserts_stay_balanced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
