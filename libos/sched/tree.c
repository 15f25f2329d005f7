/*
 * AVL tree with parent links and augmentation. Every insertion or removal retraces from
 * the lowest changed node to the root, rebalancing where the heights of two children
 * differ by 2 and recomputing height and augmented data at each step; that keeps the
 * height <= 1.44 log2(n+2) and every augmented value correct in O(log n).
 */
#include <stddef.h>
#include "tree.h"

void sched_tree_init(struct sched_tree *t, sched_tree_augment_fn augment)
{
    t->root = NULL;
    t->augment = augment;
}

static void fix(const struct sched_tree *t, struct sched_node *n)
{
    int hl = sched_tree_height(n->left), hr = sched_tree_height(n->right);
    n->height = 1 + (hl > hr ? hl : hr);
    if (t->augment)
        t->augment(n);
}

/* Makes child take old's place under parent (or as the root). */
static void replace_child(struct sched_tree *t, struct sched_node *parent, struct sched_node *old,
                          struct sched_node *child)
{
    if (!parent)
        t->root = child;
    else if (parent->left == old)
        parent->left = child;
    else
        parent->right = child;
    if (child)
        child->parent = parent;
}

/* x's right child y becomes the subtree root; returns y. */
static struct sched_node *rotate_left(struct sched_tree *t, struct sched_node *x)
{
    struct sched_node *y = x->right;
    replace_child(t, x->parent, x, y);
    x->right = y->left;
    if (x->right)
        x->right->parent = x;
    y->left = x;
    x->parent = y;
    fix(t, x);
    fix(t, y);
    return y;
}

/* x's left child y becomes the subtree root; returns y. */
static struct sched_node *rotate_right(struct sched_tree *t, struct sched_node *x)
{
    struct sched_node *y = x->left;
    replace_child(t, x->parent, x, y);
    x->left = y->right;
    if (x->left)
        x->left->parent = x;
    y->right = x;
    x->parent = y;
    fix(t, x);
    fix(t, y);
    return y;
}

/* Restores balance at n (children balanced, heights differ by at most 2); returns the
 * root of the subtree that n was the root of. */
static struct sched_node *rebalance(struct sched_tree *t, struct sched_node *n)
{
    int bf = sched_tree_height(n->left) - sched_tree_height(n->right);
    if (bf > 1) {
        struct sched_node *l = n->left;
        if (sched_tree_height(l->left) < sched_tree_height(l->right))
            rotate_left(t, l);
        return rotate_right(t, n);
    }
    if (bf < -1) {
        struct sched_node *r = n->right;
        if (sched_tree_height(r->right) < sched_tree_height(r->left))
            rotate_right(t, r);
        return rotate_left(t, n);
    }
    fix(t, n);
    return n;
}

static void retrace(struct sched_tree *t, struct sched_node *n)
{
    while (n)
        n = rebalance(t, n)->parent;
}

void sched_tree_insert(struct sched_tree *t, struct sched_node *n, sched_tree_less_fn less)
{
    struct sched_node *parent = NULL, **link = &t->root;
    while (*link) {
        parent = *link;
        link = less(n, parent) ? &parent->left : &parent->right;
    }
    n->left = n->right = NULL;
    n->parent = parent;
    *link = n;
    fix(t, n);
    retrace(t, parent);
}

void sched_tree_remove(struct sched_tree *t, struct sched_node *n)
{
    struct sched_node *from; /* lowest node whose subtree changed */
    if (n->left && n->right) {
        /* The successor s (no left child) takes n's place. */
        struct sched_node *s = n->right;
        while (s->left)
            s = s->left;
        if (s->parent == n) {
            from = s;
        } else {
            from = s->parent;
            from->left = s->right;
            if (s->right)
                s->right->parent = from;
            s->right = n->right;
            s->right->parent = s;
        }
        s->left = n->left;
        s->left->parent = s;
        replace_child(t, n->parent, n, s);
    } else {
        from = n->parent;
        replace_child(t, from, n, n->left ? n->left : n->right);
    }
    n->left = n->right = n->parent = NULL;
    n->height = 0;
    retrace(t, from);
}

struct sched_node *sched_tree_first(const struct sched_tree *t)
{
    struct sched_node *n = t->root;
    while (n && n->left)
        n = n->left;
    return n;
}

struct sched_node *sched_tree_next(const struct sched_node *n)
{
    if (n->right) {
        n = n->right;
        while (n->left)
            n = n->left;
        return (struct sched_node *)n;
    }
    while (n->parent && n->parent->right == n)
        n = n->parent;
    return n->parent;
}

static long check_subtree(const struct sched_node *n, const struct sched_node *parent)
{
    if (!n)
        return 0;
    if (n->parent != parent)
        return -1;
    long l = check_subtree(n->left, n), r = check_subtree(n->right, n);
    if (l < 0 || r < 0)
        return -1;
    int hl = sched_tree_height(n->left), hr = sched_tree_height(n->right);
    if (n->height != 1 + (hl > hr ? hl : hr) || hl - hr > 1 || hr - hl > 1)
        return -1;
    return l + r + 1;
}

long sched_tree_check(const struct sched_tree *t)
{
    return check_subtree(t->root, NULL);
}
