/* ext2/3/4: block and inode allocation through the group bitmaps. Callers hold s->lock. */
#include "ext2.h"

static inline bool bit_test(const uint8_t *m, uint32_t i)
{
    return m[i >> 3] & (1u << (i & 7));
}
static inline void bit_set(uint8_t *m, uint32_t i)
{
    m[i >> 3] |= (uint8_t)(1u << (i & 7));
}
static inline void bit_clear(uint8_t *m, uint32_t i)
{
    m[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

static uint64_t group_first(struct ext2_sb *s, uint32_t g)
{
    return s->first_data_block + (uint64_t)g * s->bpg;
}

static uint32_t group_nblocks(struct ext2_sb *s, uint32_t g)
{
    uint64_t left = s->blocks_count - group_first(s, g);
    return left < s->bpg ? (uint32_t)left : s->bpg;
}

static void set_block_bitmap_csum(struct ext2_sb *s, uint32_t g, const uint8_t *map)
{
    if (!s->csum)
        return;
    uint32_t c = ext2_bitmap_csum(s, map, s->bpg / 8);
    wr16(gd(s, g), GD_BBITMAP_CSUM, c & 0xffff);
    if (s->desc_size >= 64)
        wr16(gd(s, g), GD_BBITMAP_CSUM_HI, c >> 16);
}

static void set_inode_bitmap_csum(struct ext2_sb *s, uint32_t g, const uint8_t *map)
{
    if (!s->csum)
        return;
    uint32_t c = ext2_bitmap_csum(s, map, s->ipg / 8);
    wr16(gd(s, g), GD_IBITMAP_CSUM, c & 0xffff);
    if (s->desc_size >= 64)
        wr16(gd(s, g), GD_IBITMAP_CSUM_HI, c >> 16);
}

/* Marks in map (group g's bitmap) the blocks in [start, start+n) that lie in group g. */
static void mark_range(struct ext2_sb *s, uint32_t g, uint8_t *map, uint64_t start, uint64_t n)
{
    uint64_t gs = group_first(s, g), ge = gs + group_nblocks(s, g);
    for (uint64_t b = start; b < start + n; b++)
        if (b >= gs && b < ge)
            bit_set(map, (uint32_t)(b - gs));
}

/*
 * Builds the bitmap of a BLOCK_UNINIT group: its superblock backup and descriptor blocks,
 * every group's bitmaps and inode table that lie in it, and the padding past its end.
 * Fails with EIO when the result disagrees with the descriptor's free count.
 */
static int init_block_bitmap(struct ext2_sb *s, uint32_t g, uint8_t *map)
{
    memset(map, 0, s->bs);
    if (ext2_group_has_super(s, g)) {
        uint32_t resv = (s->compat & COMPAT_RESIZE_INODE) ? rd16(s->sb, SB_RESERVED_GDT) : 0;
        mark_range(s, g, map, group_first(s, g), 1 + s->gdt_blocks + resv);
    }
    for (uint32_t o = 0; o < s->ngroups; o++) {
        mark_range(s, g, map, gd_get(s, o, GD_BLOCK_BITMAP, GD_BLOCK_BITMAP_HI, 32), 1);
        mark_range(s, g, map, gd_get(s, o, GD_INODE_BITMAP, GD_INODE_BITMAP_HI, 32), 1);
        mark_range(s, g, map, gd_get(s, o, GD_INODE_TABLE, GD_INODE_TABLE_HI, 32),
                   s->itb_per_group);
    }
    uint32_t n = group_nblocks(s, g), used = 0;
    for (uint32_t i = 0; i < n; i++)
        used += bit_test(map, i);
    for (uint32_t i = n; i < s->bs * 8; i++)
        bit_set(map, i);
    if (n - used != gd_get(s, g, GD_FREE_BLOCKS, GD_FREE_BLOCKS_HI, 16))
        return -EIO;
    return 0;
}

/* Finds and takes a free block in group g at or after index `from`; -ENOSPC if none. */
static int alloc_in_group(struct ext2_sb *s, uint32_t g, uint32_t from, uint64_t *out)
{
    if (gd_get(s, g, GD_FREE_BLOCKS, GD_FREE_BLOCKS_HI, 16) == 0)
        return -ENOSPC;
    uint64_t mapblk = gd_get(s, g, GD_BLOCK_BITMAP, GD_BLOCK_BITMAP_HI, 32);
    uint16_t flags = rd16(gd(s, g), GD_FLAGS);
    struct bbuf *b;
    int err;
    bool init = (flags & BG_BLOCK_UNINIT) && (s->csum || s->gdt_csum);
    if (init) {
        if ((err = bcache_zero(s->bc, mapblk, &b)))
            return err;
        if ((err = init_block_bitmap(s, g, b->data))) {
            bcache_put(s->bc, b);
            bcache_forget(s->bc, mapblk);
            return -ENOSPC; /* do not trust this group */
        }
    } else if ((err = bcache_read(s->bc, mapblk, &b))) {
        return err;
    }
    uint32_t n = group_nblocks(s, g);
    err = -ENOSPC;
    for (uint32_t pass = 0; pass < 2 && err; pass++) {
        uint32_t lo = pass ? 0 : from, hi = pass ? MIN(from, n) : n;
        for (uint32_t i = lo; i < hi; i++) {
            if ((i & 7) == 0 && b->data[i >> 3] == 0xff && i + 8 <= hi) {
                i += 7;
                continue;
            }
            if (!bit_test(b->data, i)) {
                bit_set(b->data, i);
                *out = group_first(s, g) + i;
                err = 0;
                break;
            }
        }
    }
    if (err) {
        bcache_put(s->bc, b);
        return err == -ENOSPC ? -EIO : err; /* free count said otherwise */
    }
    if (init)
        wr16(gd(s, g), GD_FLAGS, flags & ~BG_BLOCK_UNINIT);
    gd_set(s, g, GD_FREE_BLOCKS, GD_FREE_BLOCKS_HI, 16,
           gd_get(s, g, GD_FREE_BLOCKS, GD_FREE_BLOCKS_HI, 16) - 1);
    set_block_bitmap_csum(s, g, b->data);
    bcache_dirty(s->bc, b);
    bcache_put(s->bc, b);
    s->free_blocks--;
    s->sb_dirty = true;
    return ext2_write_gd(s, g);
}

int ext2_alloc_block(struct ext2_sb *s, uint64_t goal, uint64_t *out)
{
    if (goal < s->first_data_block || goal >= s->blocks_count)
        goal = s->first_data_block;
    uint32_t g0 = (uint32_t)((goal - s->first_data_block) / s->bpg);
    uint32_t from = (uint32_t)((goal - s->first_data_block) % s->bpg);
    for (uint32_t k = 0; k < s->ngroups; k++) {
        uint32_t g = (g0 + k) % s->ngroups;
        int err = alloc_in_group(s, g, k == 0 ? from : 0, out);
        if (err != -ENOSPC)
            return err;
    }
    return -ENOSPC;
}

int ext2_free_blocks(struct ext2_sb *s, uint64_t blk, uint64_t count)
{
    while (count > 0) {
        if (blk < s->first_data_block || blk >= s->blocks_count)
            return -EIO;
        uint32_t g = (uint32_t)((blk - s->first_data_block) / s->bpg);
        uint32_t i = (uint32_t)((blk - s->first_data_block) % s->bpg);
        struct bbuf *b;
        int err = bcache_read(s->bc, gd_get(s, g, GD_BLOCK_BITMAP, GD_BLOCK_BITMAP_HI, 32), &b);
        if (err)
            return err;
        uint32_t freed = 0;
        while (count > 0 && i < group_nblocks(s, g)) {
            if (bit_test(b->data, i)) {
                bit_clear(b->data, i);
                freed++;
            }
            bcache_forget(s->bc, blk);
            i++;
            blk++;
            count--;
        }
        gd_set(s, g, GD_FREE_BLOCKS, GD_FREE_BLOCKS_HI, 16,
               gd_get(s, g, GD_FREE_BLOCKS, GD_FREE_BLOCKS_HI, 16) + freed);
        set_block_bitmap_csum(s, g, b->data);
        bcache_dirty(s->bc, b);
        bcache_put(s->bc, b);
        s->free_blocks += freed;
        s->sb_dirty = true;
        if ((err = ext2_write_gd(s, g)))
            return err;
    }
    return 0;
}

/* Takes a free inode of group g; -ENOSPC if none. */
static int ialloc_in_group(struct ext2_sb *s, uint32_t g, bool dir, uint32_t *out)
{
    if (gd_get(s, g, GD_FREE_INODES, GD_FREE_INODES_HI, 16) == 0)
        return -ENOSPC;
    uint64_t mapblk = gd_get(s, g, GD_INODE_BITMAP, GD_INODE_BITMAP_HI, 32);
    uint16_t flags = rd16(gd(s, g), GD_FLAGS);
    bool init = (flags & BG_INODE_UNINIT) && (s->csum || s->gdt_csum);
    struct bbuf *b;
    int err = init ? bcache_zero(s->bc, mapblk, &b) : bcache_read(s->bc, mapblk, &b);
    if (err)
        return err;
    if (init)
        for (uint32_t i = s->ipg; i < s->bs * 8; i++)
            bit_set(b->data, i);
    uint32_t i;
    for (i = 0; i < s->ipg; i++) {
        uint32_t ino = g * s->ipg + i + 1;
        if (ino >= s->first_ino && !bit_test(b->data, i))
            break;
    }
    if (i == s->ipg) {
        bcache_put(s->bc, b);
        return -EIO;
    }
    bit_set(b->data, i);
    if (init)
        flags &= ~BG_INODE_UNINIT;
    wr16(gd(s, g), GD_FLAGS, flags);
    gd_set(s, g, GD_FREE_INODES, GD_FREE_INODES_HI, 16,
           gd_get(s, g, GD_FREE_INODES, GD_FREE_INODES_HI, 16) - 1);
    if (dir)
        gd_set(s, g, GD_USED_DIRS, GD_USED_DIRS_HI, 16,
               gd_get(s, g, GD_USED_DIRS, GD_USED_DIRS_HI, 16) + 1);
    if (s->csum || s->gdt_csum) {
        uint64_t unused = gd_get(s, g, GD_ITABLE_UNUSED, GD_ITABLE_UNUSED_HI, 16);
        if (i >= s->ipg - unused)
            gd_set(s, g, GD_ITABLE_UNUSED, GD_ITABLE_UNUSED_HI, 16, s->ipg - i - 1);
    }
    set_inode_bitmap_csum(s, g, b->data);
    bcache_dirty(s->bc, b);
    bcache_put(s->bc, b);
    s->free_inodes--;
    s->sb_dirty = true;
    *out = g * s->ipg + i + 1;
    return ext2_write_gd(s, g);
}

int ext2_alloc_inode_nr(struct ext2_sb *s, uint32_t parent_ino, bool dir, uint32_t *out)
{
    uint32_t g0 = (parent_ino - 1) / s->ipg;
    if (dir && s->ngroups > 1) {
        /* Spread directories: the group with the most free inodes above average. */
        uint32_t best = g0;
        uint64_t best_free = 0;
        for (uint32_t g = 0; g < s->ngroups; g++) {
            uint64_t f = gd_get(s, g, GD_FREE_INODES, GD_FREE_INODES_HI, 16);
            if (f > best_free) {
                best_free = f;
                best = g;
            }
        }
        g0 = best;
    }
    for (uint32_t k = 0; k < s->ngroups; k++) {
        int err = ialloc_in_group(s, (g0 + k) % s->ngroups, dir, out);
        if (err != -ENOSPC)
            return err;
    }
    return -ENOSPC;
}

int ext2_free_inode_nr(struct ext2_sb *s, uint32_t ino, bool dir)
{
    if (ino < s->first_ino || ino > s->inodes_count)
        return -EIO;
    uint32_t g = (ino - 1) / s->ipg, i = (ino - 1) % s->ipg;
    struct bbuf *b;
    int err = bcache_read(s->bc, gd_get(s, g, GD_INODE_BITMAP, GD_INODE_BITMAP_HI, 32), &b);
    if (err)
        return err;
    if (!bit_test(b->data, i)) {
        bcache_put(s->bc, b);
        return -EIO;
    }
    bit_clear(b->data, i);
    gd_set(s, g, GD_FREE_INODES, GD_FREE_INODES_HI, 16,
           gd_get(s, g, GD_FREE_INODES, GD_FREE_INODES_HI, 16) + 1);
    if (dir)
        gd_set(s, g, GD_USED_DIRS, GD_USED_DIRS_HI, 16,
               gd_get(s, g, GD_USED_DIRS, GD_USED_DIRS_HI, 16) - 1);
    set_inode_bitmap_csum(s, g, b->data);
    bcache_dirty(s->bc, b);
    bcache_put(s->bc, b);
    s->free_inodes++;
    s->sb_dirty = true;
    return ext2_write_gd(s, g);
}
