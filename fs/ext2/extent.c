/* ext4 extent trees: lookup, insertion with node splits and tree growth, truncation. */
#include "ext2.h"

#define MAX_DEPTH 5

struct xnode {
    uint8_t *h;     /* node header */
    struct bbuf *b; /* NULL for the root in the inode */
    int idx;        /* chosen entry; -1 = before the first (leaves only) */
};

struct xpath {
    unsigned depth;
    struct xnode n[MAX_DEPTH + 1];
};

static inline uint16_t h_entries(const uint8_t *h)
{
    return rd16(h, EH_ENTRIES);
}
static inline uint16_t h_max(const uint8_t *h)
{
    return rd16(h, EH_MAX);
}
static inline uint16_t h_depth(const uint8_t *h)
{
    return rd16(h, EH_DEPTH);
}
static inline uint8_t *entry(uint8_t *h, int i)
{
    return h + EXT_ENTRY * (1 + i);
}
static inline uint32_t e_block(const uint8_t *e)
{
    return rd32(e, EE_BLOCK);
}
static inline uint32_t e_len(const uint8_t *e)
{
    uint32_t l = rd16(e, EE_LEN);
    return l > EXT_INIT_MAX_LEN ? l - EXT_INIT_MAX_LEN : l;
}
static inline bool e_unwritten(const uint8_t *e)
{
    return rd16(e, EE_LEN) > EXT_INIT_MAX_LEN;
}
static inline uint64_t e_start(const uint8_t *e)
{
    return rd32(e, EE_START_LO) | (uint64_t)rd16(e, EE_START_HI) << 32;
}
static inline void e_set(uint8_t *e, uint32_t block, uint32_t rawlen, uint64_t start)
{
    wr32(e, EE_BLOCK, block);
    wr16(e, EE_LEN, rawlen);
    wr16(e, EE_START_HI, (uint32_t)(start >> 32) & 0xffff);
    wr32(e, EE_START_LO, (uint32_t)start);
}
static inline uint64_t i_leaf(const uint8_t *e)
{
    return rd32(e, EI_LEAF_LO) | (uint64_t)rd16(e, EI_LEAF_HI) << 32;
}
static inline void i_set(uint8_t *e, uint32_t block, uint64_t leaf)
{
    wr32(e, EI_BLOCK, block);
    wr32(e, EI_LEAF_LO, (uint32_t)leaf);
    wr16(e, EI_LEAF_HI, (uint32_t)(leaf >> 32) & 0xffff);
    wr16(e, EI_LEAF_HI + 2, 0);
}
static inline uint32_t key(uint8_t *h, int i)
{
    return rd32(entry(h, i), 0);
}

static uint16_t block_max(struct ext2_sb *s)
{
    return (uint16_t)((s->bs - EXT_ENTRY) / EXT_ENTRY);
}

uint32_t ext2_ext_csum(struct ext2_inode *ei, const uint8_t *blk)
{
    return crc32c_update(ei->csum_seed, blk, EXT_ENTRY * (1u + h_max(blk)));
}

void ext2_ext_init_root(struct ext2_inode *ei)
{
    uint8_t *h = ei->raw + I_BLOCK;
    memset(h, 0, 60);
    wr16(h, EH_MAGIC, EH_MAGIC_VALUE);
    wr16(h, EH_MAX, 4);
}

static bool header_ok(const uint8_t *h, uint16_t max, unsigned depth)
{
    return rd16(h, EH_MAGIC) == EH_MAGIC_VALUE && h_max(h) == max && h_entries(h) <= max &&
           h_depth(h) == depth;
}

/* Marks a node modified: block nodes get their checksum and go dirty; the root is written
 * with the inode by the caller. */
static void node_dirty(struct ext2_inode *ei, struct xnode *n)
{
    struct ext2_sb *s = isb(ei);
    if (!n->b)
        return;
    if (s->csum)
        wr32(n->h, EXT_ENTRY * (1u + h_max(n->h)), ext2_ext_csum(ei, n->h));
    bcache_dirty(s->bc, n->b);
}

static void path_release(struct ext2_inode *ei, struct xpath *p)
{
    for (unsigned l = 0; l <= p->depth; l++)
        if (p->n[l].b) {
            bcache_put(isb(ei)->bc, p->n[l].b);
            p->n[l].b = NULL;
        }
}

/* Reads an extent block, checking header and checksum. */
static int read_node(struct ext2_inode *ei, uint64_t pblk, unsigned depth, struct bbuf **out)
{
    struct ext2_sb *s = isb(ei);
    if (pblk < s->first_data_block || pblk >= s->blocks_count)
        return -EIO;
    int err = bcache_read(s->bc, pblk, out);
    if (err)
        return err;
    uint8_t *h = (*out)->data;
    if (!header_ok(h, block_max(s), depth) ||
        (s->csum && rd32(h, EXT_ENTRY * (1u + h_max(h))) != ext2_ext_csum(ei, h))) {
        bcache_put(s->bc, *out);
        return -EIO;
    }
    return 0;
}

/* Last entry of node h whose key is <= lblk, or -1. */
static int search(uint8_t *h, uint64_t lblk)
{
    int lo = 0, hi = h_entries(h) - 1, r = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (key(h, mid) <= lblk) {
            r = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return r;
}

static int find_path(struct ext2_inode *ei, uint64_t lblk, struct xpath *p)
{
    uint8_t *root = ei->raw + I_BLOCK;
    memset(p, 0, sizeof(*p));
    if (rd16(root, EH_MAGIC) != EH_MAGIC_VALUE || h_depth(root) > MAX_DEPTH ||
        h_entries(root) > h_max(root) || h_max(root) > 4)
        return -EIO;
    p->depth = h_depth(root);
    p->n[0].h = root;
    for (unsigned l = 0;; l++) {
        struct xnode *n = &p->n[l];
        n->idx = search(n->h, lblk);
        if (l == p->depth)
            return 0;
        if (h_entries(n->h) == 0) {
            path_release(ei, p);
            return -EIO;
        }
        if (n->idx < 0)
            n->idx = 0;
        struct bbuf *b;
        int err = read_node(ei, i_leaf(entry(n->h, n->idx)), p->depth - l - 1, &b);
        if (err) {
            path_release(ei, p);
            return err;
        }
        p->n[l + 1].b = b;
        p->n[l + 1].h = b->data;
    }
}

/* After the first key of node `level` changed, propagates it to the ancestors. */
static void fix_keys(struct ext2_inode *ei, struct xpath *p, unsigned level)
{
    for (unsigned l = level; l > 0; l--) {
        struct xnode *parent = &p->n[l - 1];
        wr32(entry(parent->h, parent->idx), EI_BLOCK, key(p->n[l].h, 0));
        node_dirty(ei, parent);
        if (parent->idx != 0)
            break;
    }
}

static uint64_t goal_for(struct ext2_inode *ei)
{
    struct ext2_sb *s = isb(ei);
    if (ei->last_pblk)
        return ei->last_pblk + 1;
    uint32_t g = (uint32_t)((ei->vfs.ino - 1) / s->ipg);
    return s->first_data_block + (uint64_t)g * s->bpg;
}

/* Allocates a zeroed tree block; returned referenced. */
static int new_node(struct ext2_inode *ei, struct bbuf **out, uint64_t *pblk)
{
    struct ext2_sb *s = isb(ei);
    int err = ext2_alloc_block(s, goal_for(ei), pblk);
    if (err)
        return err;
    if ((err = bcache_zero(s->bc, *pblk, out))) {
        ext2_free_blocks(s, *pblk, 1);
        return err;
    }
    ext2_add_blocks(ei, 1);
    return 0;
}

/* Moves the root's entries into a new block and makes the root a one-entry index above it. */
static int grow(struct ext2_inode *ei)
{
    struct ext2_sb *s = isb(ei);
    uint8_t *root = ei->raw + I_BLOCK;
    struct bbuf *b;
    uint64_t pblk;
    int err = new_node(ei, &b, &pblk);
    if (err)
        return err;
    uint16_t cnt = h_entries(root);
    memcpy(b->data, root, EXT_ENTRY * (1u + cnt));
    wr16(b->data, EH_MAX, block_max(s));
    struct xnode n = {b->data, b, 0};
    node_dirty(ei, &n);
    bcache_put(s->bc, b);
    uint32_t first = cnt ? key(root, 0) : 0;
    wr16(root, EH_DEPTH, h_depth(root) + 1u);
    wr16(root, EH_ENTRIES, 1);
    i_set(entry(root, 0), first, pblk);
    return ext2_write_inode(ei);
}

/* Splits node p->n[level] (whose parent has room), for an insertion of lblk. */
static int split(struct ext2_inode *ei, struct xpath *p, unsigned level, uint64_t lblk)
{
    struct xnode *node = &p->n[level], *parent = &p->n[level - 1];
    uint16_t cnt = h_entries(node->h);
    bool leaf = level == p->depth;
    int m = (leaf && cnt && lblk > key(node->h, cnt - 1)) ? cnt : cnt / 2;
    struct bbuf *b;
    uint64_t pblk;
    int err = new_node(ei, &b, &pblk);
    if (err)
        return err;
    uint8_t *nh = b->data;
    wr16(nh, EH_MAGIC, EH_MAGIC_VALUE);
    wr16(nh, EH_MAX, block_max(isb(ei)));
    wr16(nh, EH_DEPTH, h_depth(node->h));
    wr16(nh, EH_ENTRIES, (uint32_t)(cnt - m));
    memcpy(entry(nh, 0), entry(node->h, m), (size_t)EXT_ENTRY * (cnt - m));
    uint32_t k = m < cnt ? key(node->h, m) : (uint32_t)lblk;
    struct xnode nn = {nh, b, 0};
    node_dirty(ei, &nn);
    bcache_put(isb(ei)->bc, b);
    wr16(node->h, EH_ENTRIES, (uint32_t)m);
    node_dirty(ei, node);
    int at = parent->idx + 1;
    uint16_t pc = h_entries(parent->h);
    memmove(entry(parent->h, at + 1), entry(parent->h, at), (size_t)EXT_ENTRY * (pc - at));
    i_set(entry(parent->h, at), k, pblk);
    wr16(parent->h, EH_ENTRIES, pc + 1u);
    node_dirty(ei, parent);
    return ext2_write_inode(ei);
}

/* Maps lblk -> pblk (one block) in the tree, merging with neighbours when contiguous. */
static int insert(struct ext2_inode *ei, uint64_t lblk, uint64_t pblk)
{
    for (int tries = 0; tries < 2 * MAX_DEPTH + 4; tries++) {
        struct xpath p;
        int err = find_path(ei, lblk, &p);
        if (err)
            return err;
        struct xnode *leaf = &p.n[p.depth];
        uint8_t *h = leaf->h;
        int i = leaf->idx;
        uint16_t cnt = h_entries(h);
        bool done = false;
        if (i >= 0) {
            uint8_t *e = entry(h, i);
            if (!e_unwritten(e) && e_block(e) + e_len(e) == lblk && e_start(e) + e_len(e) == pblk &&
                e_len(e) < EXT_INIT_MAX_LEN) {
                wr16(e, EE_LEN, e_len(e) + 1);
                done = true;
            }
        }
        if (!done && i + 1 < cnt) {
            uint8_t *e = entry(h, i + 1);
            if (!e_unwritten(e) && e_block(e) == lblk + 1 && e_start(e) == pblk + 1 &&
                e_len(e) < EXT_INIT_MAX_LEN) {
                e_set(e, (uint32_t)lblk, e_len(e) + 1, pblk);
                if (i + 1 == 0)
                    fix_keys(ei, &p, p.depth);
                done = true;
            }
        }
        if (!done && cnt < h_max(h)) {
            memmove(entry(h, i + 2), entry(h, i + 1), (size_t)EXT_ENTRY * (cnt - i - 1));
            e_set(entry(h, i + 1), (uint32_t)lblk, 1, pblk);
            wr16(h, EH_ENTRIES, cnt + 1u);
            if (i + 1 == 0)
                fix_keys(ei, &p, p.depth);
            done = true;
        }
        if (done) {
            node_dirty(ei, leaf);
            path_release(ei, &p);
            return ext2_write_inode(ei);
        }
        int k = (int)p.depth - 1;
        while (k >= 0 && h_entries(p.n[k].h) >= h_max(p.n[k].h))
            k--;
        if (k < 0)
            err = p.depth < MAX_DEPTH ? grow(ei) : -EFBIG;
        else
            err = split(ei, &p, (unsigned)k + 1, lblk);
        path_release(ei, &p);
        if (err)
            return err;
    }
    return -EIO;
}

int ext2_ext_map(struct ext2_inode *ei, uint64_t lblk, bool alloc, uint64_t *pblk, bool *fresh)
{
    struct ext2_sb *s = isb(ei);
    if (lblk >= ((uint64_t)1 << 32))
        return -EFBIG;
    struct xpath p;
    int err = find_path(ei, lblk, &p);
    if (err)
        return err;
    struct xnode *leaf = &p.n[p.depth];
    uint64_t goal = 0;
    if (leaf->idx >= 0) {
        uint8_t *e = entry(leaf->h, leaf->idx);
        uint64_t start = e_block(e), len = e_len(e);
        if (lblk < start + len) {
            *pblk = e_start(e) + (lblk - start);
            if (e_unwritten(e)) {
                if (!alloc) {
                    *pblk = 0;
                } else {
                    /* Convert the whole extent to written: zero its blocks. */
                    for (uint64_t k = 0; k < len && !err; k++) {
                        struct bbuf *b;
                        err = bcache_zero(s->bc, e_start(e) + k, &b);
                        if (!err)
                            bcache_put(s->bc, b);
                    }
                    wr16(e, EE_LEN, (uint32_t)len);
                    node_dirty(ei, leaf);
                    if (!err)
                        err = ext2_write_inode(ei);
                }
            }
            path_release(ei, &p);
            return err;
        }
        goal = e_start(e) + (lblk - start);
    }
    path_release(ei, &p);
    *pblk = 0;
    if (!alloc)
        return 0;
    uint64_t nb;
    if ((err = ext2_alloc_block(s, goal ? goal : goal_for(ei), &nb)))
        return err;
    ext2_add_blocks(ei, 1);
    if ((err = insert(ei, lblk, nb))) {
        ext2_free_blocks(s, nb, 1);
        ext2_add_blocks(ei, -1);
        return err;
    }
    ei->last_pblk = nb;
    *pblk = nb;
    if (fresh)
        *fresh = true;
    return 0;
}

/* Frees everything at or after first_free below node h; *empty tells if h has no entries. */
static int trunc_node(struct ext2_inode *ei, uint8_t *h, uint64_t first_free)
{
    struct ext2_sb *s = isb(ei);
    int err = 0;
    if (h_depth(h) == 0) {
        for (int i = h_entries(h) - 1; i >= 0; i--) {
            uint8_t *e = entry(h, i);
            uint64_t start = e_block(e), len = e_len(e);
            if (start + len <= first_free)
                break;
            if (start >= first_free) {
                err = ext2_free_blocks(s, e_start(e), len);
                ext2_add_blocks(ei, -(int64_t)len);
                memmove(e, e + EXT_ENTRY, (size_t)EXT_ENTRY * (h_entries(h) - i - 1));
                wr16(h, EH_ENTRIES, h_entries(h) - 1u);
            } else {
                uint64_t keep = first_free - start;
                err = ext2_free_blocks(s, e_start(e) + keep, len - keep);
                ext2_add_blocks(ei, -(int64_t)(len - keep));
                wr16(e, EE_LEN, (uint32_t)keep + (e_unwritten(e) ? EXT_INIT_MAX_LEN : 0));
            }
            if (err)
                return err;
        }
        return 0;
    }
    for (int i = h_entries(h) - 1; i >= 0; i--) {
        uint8_t *e = entry(h, i);
        uint32_t k = rd32(e, EI_BLOCK);
        uint64_t child = i_leaf(e);
        struct bbuf *b;
        if ((err = read_node(ei, child, h_depth(h) - 1u, &b)))
            return err;
        err = trunc_node(ei, b->data, first_free);
        bool empty = h_entries(b->data) == 0;
        struct xnode n = {b->data, b, 0};
        node_dirty(ei, &n);
        bcache_put(s->bc, b);
        if (err)
            return err;
        if (empty) {
            if ((err = ext2_free_blocks(s, child, 1)))
                return err;
            ext2_add_blocks(ei, -1);
            memmove(e, e + EXT_ENTRY, (size_t)EXT_ENTRY * (h_entries(h) - i - 1));
            wr16(h, EH_ENTRIES, h_entries(h) - 1u);
        }
        if (k <= first_free)
            break;
    }
    return 0;
}

int ext2_ext_truncate(struct ext2_inode *ei, uint64_t first_free)
{
    uint8_t *root = ei->raw + I_BLOCK;
    if (rd16(root, EH_MAGIC) != EH_MAGIC_VALUE || h_depth(root) > MAX_DEPTH)
        return -EIO;
    int err = trunc_node(ei, root, first_free);
    if (!err && h_entries(root) == 0)
        ext2_ext_init_root(ei);
    ei->last_pblk = 0;
    int e = ext2_write_inode(ei);
    return err ? err : e;
}
