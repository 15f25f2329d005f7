/* Red-black tree (Cormen et al., "Introduction to Algorithms", ch. 13) with NULL leaves. */
#include <mm/rbtree.h>

static bool is_red(const struct rb_node *n)
{
    return n && n->red;
}

/* Puts v where u hangs from its parent (v may be NULL). */
static void replace_child(struct rb_root *root, struct rb_node *u, struct rb_node *v)
{
    if (!u->parent)
        root->node = v;
    else if (u == u->parent->left)
        u->parent->left = v;
    else
        u->parent->right = v;
    if (v)
        v->parent = u->parent;
}

static void rotate_left(struct rb_root *root, struct rb_node *x)
{
    struct rb_node *y = x->right;
    x->right = y->left;
    if (y->left)
        y->left->parent = x;
    replace_child(root, x, y);
    y->left = x;
    x->parent = y;
}

static void rotate_right(struct rb_root *root, struct rb_node *x)
{
    struct rb_node *y = x->left;
    x->left = y->right;
    if (y->right)
        y->right->parent = x;
    replace_child(root, x, y);
    y->right = x;
    x->parent = y;
}

void rb_insert_fixup(struct rb_root *root, struct rb_node *z)
{
    while (is_red(z->parent)) {
        struct rb_node *p = z->parent, *g = p->parent;
        if (p == g->left) {
            struct rb_node *u = g->right;
            if (is_red(u)) {
                p->red = u->red = false;
                g->red = true;
                z = g;
                continue;
            }
            if (z == p->right) {
                z = p;
                rotate_left(root, z);
                p = z->parent;
            }
            p->red = false;
            g->red = true;
            rotate_right(root, g);
        } else {
            struct rb_node *u = g->left;
            if (is_red(u)) {
                p->red = u->red = false;
                g->red = true;
                z = g;
                continue;
            }
            if (z == p->left) {
                z = p;
                rotate_right(root, z);
                p = z->parent;
            }
            p->red = false;
            g->red = true;
            rotate_left(root, g);
        }
    }
    root->node->red = false;
}

static struct rb_node *leftmost(struct rb_node *n)
{
    while (n && n->left)
        n = n->left;
    return n;
}

static struct rb_node *rightmost(struct rb_node *n)
{
    while (n && n->right)
        n = n->right;
    return n;
}

/* Rebalances after removing a black node; x (maybe NULL) is the child that took its
 * place under parent xp and carries an extra black. */
static void erase_fixup(struct rb_root *root, struct rb_node *x, struct rb_node *xp)
{
    while (x != root->node && !is_red(x)) {
        if (x == xp->left) {
            struct rb_node *w = xp->right;
            if (is_red(w)) {
                w->red = false;
                xp->red = true;
                rotate_left(root, xp);
                w = xp->right;
            }
            if (!is_red(w->left) && !is_red(w->right)) {
                w->red = true;
                x = xp;
                xp = x->parent;
            } else {
                if (!is_red(w->right)) {
                    w->left->red = false;
                    w->red = true;
                    rotate_right(root, w);
                    w = xp->right;
                }
                w->red = xp->red;
                xp->red = false;
                w->right->red = false;
                rotate_left(root, xp);
                x = root->node;
            }
        } else {
            struct rb_node *w = xp->left;
            if (is_red(w)) {
                w->red = false;
                xp->red = true;
                rotate_right(root, xp);
                w = xp->left;
            }
            if (!is_red(w->left) && !is_red(w->right)) {
                w->red = true;
                x = xp;
                xp = x->parent;
            } else {
                if (!is_red(w->left)) {
                    w->right->red = false;
                    w->red = true;
                    rotate_left(root, w);
                    w = xp->left;
                }
                w->red = xp->red;
                xp->red = false;
                w->left->red = false;
                rotate_right(root, xp);
                x = root->node;
            }
        }
    }
    if (x)
        x->red = false;
}

void rb_erase(struct rb_root *root, struct rb_node *z)
{
    struct rb_node *x, *xp;
    bool removed_red = z->red;
    if (!z->left) {
        x = z->right;
        xp = z->parent;
        replace_child(root, z, x);
    } else if (!z->right) {
        x = z->left;
        xp = z->parent;
        replace_child(root, z, x);
    } else {
        struct rb_node *y = leftmost(z->right); /* successor takes z's place */
        removed_red = y->red;
        x = y->right;
        if (y->parent == z) {
            xp = y;
        } else {
            xp = y->parent;
            replace_child(root, y, x);
            y->right = z->right;
            y->right->parent = y;
        }
        replace_child(root, z, y);
        y->left = z->left;
        y->left->parent = y;
        y->red = z->red;
    }
    if (!removed_red)
        erase_fixup(root, x, xp);
    z->parent = z->left = z->right = NULL;
}

struct rb_node *rb_first(const struct rb_root *root)
{
    return leftmost(root->node);
}

struct rb_node *rb_last(const struct rb_root *root)
{
    return rightmost(root->node);
}

struct rb_node *rb_next(const struct rb_node *n)
{
    if (n->right)
        return leftmost(n->right);
    while (n->parent && n == n->parent->right)
        n = n->parent;
    return n->parent;
}

struct rb_node *rb_prev(const struct rb_node *n)
{
    if (n->left)
        return rightmost(n->left);
    while (n->parent && n == n->parent->left)
        n = n->parent;
    return n->parent;
}
