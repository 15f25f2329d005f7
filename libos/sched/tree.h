/*
 * Augmented AVL tree over struct sched_node (libos/include/libos/sched.h). Nodes are
 * embedded in their owners; the tree never allocates. After every structural change the
 * tree calls tree->augment on each node whose subtree changed, children before parents,
 * so augmented data (e.g. a subtree minimum) is always current. Equal keys go right, so
 * nodes that compare equal keep insertion order.
 */
#ifndef LIBOS_SCHED_TREE_H
#define LIBOS_SCHED_TREE_H
#include <stdbool.h>
#include <libos/sched.h>

/* Strict order: true when a sorts before b. */
typedef bool (*sched_tree_less_fn)(const struct sched_node *a, const struct sched_node *b);

/* Empty tree with the given augment callback (may be NULL). */
void sched_tree_init(struct sched_tree *t, sched_tree_augment_fn augment);
/* Inserts n (not in any tree) in less order, after any equal nodes. O(log n). */
void sched_tree_insert(struct sched_tree *t, struct sched_node *n, sched_tree_less_fn less);
/* Removes n, which is in t. O(log n). */
void sched_tree_remove(struct sched_tree *t, struct sched_node *n);
/* Leftmost node, or NULL. */
struct sched_node *sched_tree_first(const struct sched_tree *t);
/* In-order successor of n, or NULL. */
struct sched_node *sched_tree_next(const struct sched_node *n);
/* Height of a subtree (0 for NULL). */
static inline int sched_tree_height(const struct sched_node *n)
{
    return n ? n->height : 0;
}
/* Checks parent links, stored heights and AVL balance of the whole tree; returns the
 * number of nodes, or -1 if anything is wrong. O(n). */
long sched_tree_check(const struct sched_tree *t);

#endif
