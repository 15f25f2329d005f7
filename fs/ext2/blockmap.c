/* ext2/ext3 block maps: 12 direct pointers, then single, double and triple indirect. */
#include "ext2.h"

static uint64_t goal_for(struct ext2_inode *ei)
{
    struct ext2_sb *s = isb(ei);
    if (ei->last_pblk)
        return ei->last_pblk + 1;
    uint32_t g = (uint32_t)((ei->vfs.ino - 1) / s->ipg);
    return s->first_data_block + (uint64_t)g * s->bpg;
}

/* Allocates one block for the inode; indirect blocks (zero_it) come back zeroed. */
static int alloc_one(struct ext2_inode *ei, bool zero_it, uint32_t *out)
{
    struct ext2_sb *s = isb(ei);
    uint64_t b;
    int err = ext2_alloc_block(s, goal_for(ei), &b);
    if (err)
        return err;
    if (b >> 32) {
        ext2_free_blocks(s, b, 1);
        return -ENOSPC;
    }
    if (zero_it) {
        struct bbuf *bb;
        if ((err = bcache_zero(s->bc, b, &bb))) {
            ext2_free_blocks(s, b, 1);
            return err;
        }
        bcache_put(s->bc, bb);
    }
    ei->last_pblk = b;
    ext2_add_blocks(ei, 1);
    *out = (uint32_t)b;
    return 0;
}

int ext2_ind_map(struct ext2_inode *ei, uint64_t lblk, bool alloc, uint64_t *pblk, bool *fresh)
{
    struct ext2_sb *s = isb(ei);
    uint64_t p = s->bs / 4;
    unsigned slot, levels;
    uint32_t off[3];
    if (lblk < N_DIRECT) {
        slot = (unsigned)lblk;
        levels = 0;
    } else if ((lblk -= N_DIRECT) < p) {
        slot = IND_BLOCK;
        levels = 1;
        off[0] = (uint32_t)lblk;
    } else if ((lblk -= p) < p * p) {
        slot = DIND_BLOCK;
        levels = 2;
        off[0] = (uint32_t)(lblk / p);
        off[1] = (uint32_t)(lblk % p);
    } else if ((lblk -= p * p) < p * p * p) {
        slot = TIND_BLOCK;
        levels = 3;
        off[0] = (uint32_t)(lblk / (p * p));
        off[1] = (uint32_t)((lblk / p) % p);
        off[2] = (uint32_t)(lblk % p);
    } else {
        return -EFBIG;
    }
    *pblk = 0;
    bool inode_dirty = false;
    int err = 0;
    uint32_t cur = rd32(ei->raw, I_BLOCK + 4 * slot);
    if (!cur) {
        if (!alloc)
            return 0;
        if ((err = alloc_one(ei, levels > 0, &cur)))
            return err;
        wr32(ei->raw, I_BLOCK + 4 * slot, cur);
        inode_dirty = true;
        if (levels == 0 && fresh)
            *fresh = true;
    }
    for (unsigned l = 0; l < levels && !err; l++) {
        if (cur >= s->blocks_count) {
            err = -EIO;
            break;
        }
        struct bbuf *b;
        if ((err = bcache_read(s->bc, cur, &b)))
            break;
        uint32_t next = rd32(b->data, 4 * off[l]);
        if (!next && alloc) {
            bool last = l + 1 == levels;
            err = alloc_one(ei, !last, &next);
            if (!err) {
                wr32(b->data, 4 * off[l], next);
                bcache_dirty(s->bc, b);
                inode_dirty = true;
                if (last && fresh)
                    *fresh = true;
            }
        }
        bcache_put(s->bc, b);
        cur = next;
        if (!cur)
            break;
    }
    if (!err)
        *pblk = cur;
    if (inode_dirty) {
        int e = ext2_write_inode(ei);
        if (!err)
            err = e;
    }
    return err;
}

/* Frees the data below indirect block blk (level 1..3) from relative index start on. */
static int free_tree(struct ext2_inode *ei, uint32_t blk, unsigned level, uint64_t start,
                     bool *empty)
{
    struct ext2_sb *s = isb(ei);
    uint64_t p = s->bs / 4, per = 1;
    for (unsigned l = 1; l < level; l++)
        per *= p;
    if (blk >= s->blocks_count)
        return -EIO;
    struct bbuf *b;
    int err = bcache_read(s->bc, blk, &b);
    if (err)
        return err;
    for (uint64_t i = start / per; i < p && !err; i++) {
        uint32_t e = rd32(b->data, 4 * i);
        if (!e)
            continue;
        bool sub_empty = true;
        if (level > 1)
            err = free_tree(ei, e, level - 1, i == start / per ? start % per : 0, &sub_empty);
        if (!err && sub_empty) {
            err = ext2_free_blocks(s, e, 1);
            ext2_add_blocks(ei, -1);
            wr32(b->data, 4 * i, 0);
            bcache_dirty(s->bc, b);
        }
    }
    *empty = true;
    for (uint64_t i = 0; i < p; i++)
        if (rd32(b->data, 4 * i))
            *empty = false;
    bcache_put(s->bc, b);
    return err;
}

int ext2_ind_truncate(struct ext2_inode *ei, uint64_t first_free)
{
    struct ext2_sb *s = isb(ei);
    uint64_t p = s->bs / 4;
    int err = 0;
    for (uint64_t i = first_free; i < N_DIRECT; i++) {
        uint32_t b = rd32(ei->raw, I_BLOCK + 4 * i);
        if (b) {
            err = ext2_free_blocks(s, b, 1);
            ext2_add_blocks(ei, -1);
            wr32(ei->raw, I_BLOCK + 4 * i, 0);
            if (err)
                return err;
        }
    }
    uint64_t base = N_DIRECT, span = p;
    for (unsigned level = 1; level <= 3; level++) {
        unsigned slot = IND_BLOCK + level - 1;
        uint32_t b = rd32(ei->raw, I_BLOCK + 4 * slot);
        if (b && first_free < base + span) {
            uint64_t start = first_free > base ? first_free - base : 0;
            bool empty;
            if ((err = free_tree(ei, b, level, start, &empty)))
                return err;
            if (empty) {
                err = ext2_free_blocks(s, b, 1);
                ext2_add_blocks(ei, -1);
                wr32(ei->raw, I_BLOCK + 4 * slot, 0);
                if (err)
                    return err;
            }
        }
        base += span;
        span *= p;
    }
    ei->last_pblk = 0;
    return ext2_write_inode(ei);
}
