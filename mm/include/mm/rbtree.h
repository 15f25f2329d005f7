/*
 * Intrusive red-black tree (CLRS, with NULL leaves). The user searches for the insertion
 * point, links the node with rb_link, then calls rb_insert_fixup to rebalance:
 *
 *     struct rb_node **link = &root->node, *parent = NULL;
 *     while (*link) { parent = *link; link = key < key_of(parent) ? &parent->left
 *                                                                : &parent->right; }
 *     rb_link(node, parent, link);
 *     rb_insert_fixup(root, node);
 */
#ifndef MM_RBTREE_H
#define MM_RBTREE_H
#include <stdbool.h>
#include <stddef.h>
#include <lib/compiler.h>

struct rb_node {
    struct rb_node *parent, *left, *right;
    bool red;
};

struct rb_root {
    struct rb_node *node;
};

#define rb_entry(n, type, member) container_of(n, type, member)

static inline void rb_link(struct rb_node *n, struct rb_node *parent, struct rb_node **link)
{
    n->parent = parent;
    n->left = n->right = NULL;
    n->red = true;
    *link = n;
}

/* Restores the red-black properties after rb_link. */
void rb_insert_fixup(struct rb_root *root, struct rb_node *n);
/* Removes n (which must be in the tree). */
void rb_erase(struct rb_root *root, struct rb_node *n);
/* In-order neighbours; NULL past either end. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *n);
struct rb_node *rb_prev(const struct rb_node *n);

#endif
