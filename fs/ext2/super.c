/* ext2/3/4: superblock, group descriptors, checksums, mount/statfs/sync. */
#include "ext2.h"

#define BCACHE_BUFFERS 512

uint64_t gd_get(struct ext2_sb *s, uint32_t g, size_t lo, size_t hi, unsigned lo_bits)
{
    uint8_t *d = gd(s, g);
    uint64_t v = lo_bits == 32 ? rd32(d, lo) : rd16(d, lo);
    if (s->desc_size >= 64)
        v |= (uint64_t)(lo_bits == 32 ? rd32(d, hi) : rd16(d, hi)) << lo_bits;
    return v;
}

void gd_set(struct ext2_sb *s, uint32_t g, size_t lo, size_t hi, unsigned lo_bits, uint64_t v)
{
    uint8_t *d = gd(s, g);
    if (lo_bits == 32)
        wr32(d, lo, (uint32_t)v);
    else
        wr16(d, lo, (uint32_t)v & 0xffff);
    if (s->desc_size >= 64) {
        if (lo_bits == 32)
            wr32(d, hi, (uint32_t)(v >> 32));
        else
            wr16(d, hi, (uint32_t)(v >> 16) & 0xffff);
    }
}

static uint16_t gd_csum(struct ext2_sb *s, uint32_t g)
{
    uint8_t *d = gd(s, g);
    uint8_t le_g[4];
    wr32(le_g, 0, g);
    if (s->csum) {
        static const uint8_t zero[2];
        uint32_t c = crc32c_update(s->csum_seed, le_g, 4);
        c = crc32c_update(c, d, GD_CHECKSUM);
        c = crc32c_update(c, zero, 2);
        if (s->desc_size > GD_CHECKSUM + 2)
            c = crc32c_update(c, d + GD_CHECKSUM + 2, s->desc_size - GD_CHECKSUM - 2);
        return (uint16_t)(c & 0xffff);
    }
    uint16_t c = crc16_update(0xffff, s->sb + SB_UUID, 16);
    c = crc16_update(c, le_g, 4);
    c = crc16_update(c, d, GD_CHECKSUM);
    if (s->desc_size > GD_CHECKSUM + 2)
        c = crc16_update(c, d + GD_CHECKSUM + 2, s->desc_size - GD_CHECKSUM - 2);
    return c;
}

uint32_t ext2_bitmap_csum(struct ext2_sb *s, const uint8_t *bitmap, uint32_t bytes)
{
    return crc32c_update(s->csum_seed, bitmap, bytes);
}

/* Recomputes group g's checksum and stores the descriptor in the primary table. */
int ext2_write_gd(struct ext2_sb *s, uint32_t g)
{
    if (s->csum || s->gdt_csum)
        wr16(gd(s, g), GD_CHECKSUM, gd_csum(s, g));
    uint64_t off = (uint64_t)g * s->desc_size;
    struct bbuf *b;
    int err = bcache_read(s->bc, s->first_data_block + 1 + off / s->bs, &b);
    if (err)
        return err;
    memcpy(b->data + off % s->bs, gd(s, g), s->desc_size);
    bcache_dirty(s->bc, b);
    bcache_put(s->bc, b);
    return 0;
}

static uint32_t sb_csum(const uint8_t *sb)
{
    return crc32c_update(~0u, sb, SB_CHECKSUM);
}

int ext2_write_super(struct ext2_sb *s)
{
    struct vfs_time now;
    fs_now(&now);
    wr32(s->sb, SB_WTIME, (uint32_t)now.sec);
    wr32(s->sb, SB_FREE_BLOCKS_LO, (uint32_t)s->free_blocks);
    if (s->incompat & INCOMPAT_64BIT)
        wr32(s->sb, SB_FREE_BLOCKS_HI, (uint32_t)(s->free_blocks >> 32));
    wr32(s->sb, SB_FREE_INODES, s->free_inodes);
    if (s->csum)
        wr32(s->sb, SB_CHECKSUM, sb_csum(s->sb));
    struct bbuf *b;
    int err = bcache_read(s->bc, 1024 / s->bs, &b);
    if (err)
        return err;
    memcpy(b->data + 1024 % s->bs, s->sb, 1024);
    bcache_dirty(s->bc, b);
    bcache_put(s->bc, b);
    s->sb_dirty = false;
    return 0;
}

static bool is_power_of(uint32_t n, uint32_t base)
{
    while (n > 1 && n % base == 0)
        n /= base;
    return n == 1;
}

bool ext2_group_has_super(struct ext2_sb *s, uint32_t g)
{
    if (g <= 1 || !(s->ro_compat & RO_COMPAT_SPARSE_SUPER))
        return true;
    return is_power_of(g, 3) || is_power_of(g, 5) || is_power_of(g, 7);
}

static int ext2_statfs(struct vfs_superblock *vsb, struct vfs_statfs *st)
{
    struct ext2_sb *s = EXT2_SB(vsb);
    spin_lock(&s->lock);
    uint64_t r = rd32(s->sb, SB_R_BLOCKS_LO);
    if (s->incompat & INCOMPAT_64BIT)
        r |= (uint64_t)rd32(s->sb, SB_R_BLOCKS_HI) << 32;
    memset(st, 0, sizeof(*st));
    st->type = EXT2_SUPER_MAGIC;
    st->bsize = st->frsize = s->bs;
    st->blocks = s->blocks_count;
    st->bfree = s->free_blocks;
    st->bavail = s->free_blocks > r ? s->free_blocks - r : 0;
    st->files = s->inodes_count;
    st->ffree = s->free_inodes;
    st->fsid = rd32(s->sb, SB_UUID) ^ ((uint64_t)rd32(s->sb, SB_UUID + 4) << 32);
    st->namelen = 255;
    spin_unlock(&s->lock);
    return 0;
}

static int ext2_sync(struct vfs_superblock *vsb)
{
    struct ext2_sb *s = EXT2_SB(vsb);
    spin_lock(&s->lock);
    int err = (vsb->flags & VFS_SB_RDONLY) ? 0 : ext2_write_super(s);
    if (!err)
        err = bcache_sync(s->bc);
    spin_unlock(&s->lock);
    return err;
}

static void ext2_put_super(struct vfs_superblock *vsb)
{
    struct ext2_sb *s = EXT2_SB(vsb);
    if (!(vsb->flags & VFS_SB_RDONLY)) {
        spin_lock(&s->lock);
        ext2_write_super(s);
        spin_unlock(&s->lock);
    }
    bcache_destroy(s->bc);
    fs_free(s->gdt);
    fs_free(s);
}

static const struct vfs_super_ops ext2_super_ops = {
    .alloc_inode = ext2_alloc_vfs_inode,
    .destroy_inode = ext2_destroy_inode,
    .read_inode = ext2_read_inode,
    .evict_inode = ext2_evict_inode,
    .statfs = ext2_statfs,
    .sync = ext2_sync,
    .put_super = ext2_put_super,
};

/* Parses and checks the superblock copy in s->sb; fills the derived geometry. */
static int parse_super(struct ext2_sb *s, uint32_t *flags)
{
    uint8_t *sb = s->sb;
    if (rd16(sb, SB_MAGIC) != EXT2_SUPER_MAGIC)
        return -EINVAL;
    s->log_bs = rd32(sb, SB_LOG_BLOCK_SIZE);
    if (s->log_bs > 6)
        return -EINVAL;
    s->bs = 1024u << s->log_bs;
    s->compat = rd32(sb, SB_FEATURE_COMPAT);
    s->incompat = rd32(sb, SB_FEATURE_INCOMPAT);
    s->ro_compat = rd32(sb, SB_FEATURE_RO_COMPAT);
    if (rd32(sb, SB_REV_LEVEL) == 0) {
        s->compat = s->incompat = s->ro_compat = 0;
        s->inode_size = GOOD_OLD_INODE_SIZE;
        s->first_ino = 11;
    } else {
        s->inode_size = rd16(sb, SB_INODE_SIZE);
        s->first_ino = rd32(sb, SB_FIRST_INO);
    }
    if (s->incompat & ~INCOMPAT_SUPPORTED)
        return -EINVAL;
    if (s->inode_size < GOOD_OLD_INODE_SIZE || s->inode_size > s->bs ||
        (s->inode_size & (s->inode_size - 1)))
        return -EINVAL;
    s->csum = s->ro_compat & RO_COMPAT_METADATA_CSUM;
    s->gdt_csum = !s->csum && (s->ro_compat & RO_COMPAT_GDT_CSUM);
    if (s->csum) {
        if (sb[SB_CHECKSUM_TYPE] != 1 || rd32(sb, SB_CHECKSUM) != sb_csum(sb))
            return -EIO;
        s->csum_seed = (s->incompat & INCOMPAT_CSUM_SEED) ? rd32(sb, SB_CHECKSUM_SEED)
                                                          : crc32c_update(~0u, sb + SB_UUID, 16);
    }
    if (rd32(sb, SB_LOG_CLUSTER_SIZE) != s->log_bs && (s->ro_compat & 0x200))
        return -EINVAL; /* bigalloc */
    s->blocks_count = rd32(sb, SB_BLOCKS_LO);
    s->free_blocks = rd32(sb, SB_FREE_BLOCKS_LO);
    s->desc_size = 32;
    if (s->incompat & INCOMPAT_64BIT) {
        s->blocks_count |= (uint64_t)rd32(sb, SB_BLOCKS_HI) << 32;
        s->free_blocks |= (uint64_t)rd32(sb, SB_FREE_BLOCKS_HI) << 32;
        s->desc_size = rd16(sb, SB_DESC_SIZE);
        if (s->desc_size < 64 || s->desc_size > 1024 || (s->desc_size & (s->desc_size - 1)))
            return -EINVAL;
    }
    s->inodes_count = rd32(sb, SB_INODES_COUNT);
    s->free_inodes = rd32(sb, SB_FREE_INODES);
    s->first_data_block = rd32(sb, SB_FIRST_DATA_BLOCK);
    s->bpg = rd32(sb, SB_BLOCKS_PER_GROUP);
    s->ipg = rd32(sb, SB_INODES_PER_GROUP);
    if (!s->bpg || s->bpg > s->bs * 8 || !s->ipg || s->ipg > s->bs * 8 ||
        s->blocks_count <= s->first_data_block)
        return -EINVAL;
    s->ngroups = (uint32_t)((s->blocks_count - s->first_data_block + s->bpg - 1) / s->bpg);
    if ((uint64_t)s->ngroups * s->ipg != s->inodes_count)
        return -EINVAL;
    s->gdt_blocks = (s->ngroups * s->desc_size + s->bs - 1) / s->bs;
    s->itb_per_group = (s->ipg * s->inode_size + s->bs - 1) / s->bs;
    s->want_extra_isize = s->inode_size > GOOD_OLD_INODE_SIZE ? rd16(sb, SB_WANT_EXTRA_ISIZE) : 0;
    if (s->inode_size > GOOD_OLD_INODE_SIZE && s->want_extra_isize < 32)
        s->want_extra_isize = 32;
    if (s->inode_size > GOOD_OLD_INODE_SIZE &&
        s->want_extra_isize > s->inode_size - GOOD_OLD_INODE_SIZE)
        s->want_extra_isize = (uint16_t)(s->inode_size - GOOD_OLD_INODE_SIZE);

    if (!(*flags & VFS_SB_RDONLY)) {
        if ((s->incompat & INCOMPAT_RECOVER) || (s->ro_compat & ~RO_COMPAT_WRITABLE) ||
            (s->compat & COMPAT_SPARSE_SUPER2))
            return -EROFS;
    }
    return 0;
}

static int load_gdt(struct ext2_sb *s)
{
    s->gdt = fs_zalloc((size_t)s->gdt_blocks * s->bs);
    if (!s->gdt)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->gdt_blocks; i++) {
        struct bbuf *b;
        int err = bcache_read(s->bc, s->first_data_block + 1 + i, &b);
        if (err)
            return err;
        memcpy(s->gdt + (size_t)i * s->bs, b->data, s->bs);
        bcache_put(s->bc, b);
    }
    for (uint32_t g = 0; g < s->ngroups; g++) {
        if ((s->csum || s->gdt_csum) && rd16(gd(s, g), GD_CHECKSUM) != gd_csum(s, g))
            return -EIO;
        uint64_t itab = gd_get(s, g, GD_INODE_TABLE, GD_INODE_TABLE_HI, 32);
        if (itab < s->first_data_block || itab + s->itb_per_group > s->blocks_count)
            return -EIO;
    }
    return 0;
}

/* The name Linux users know this filesystem by, from its features: "ext4" with extents,
 * 64-bit block numbers or flexible groups, "ext3" with a journal, else "ext2". */
static const char *variant_name(const struct ext2_sb *s)
{
    if (s->incompat & (INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_FLEX_BG))
        return "ext4";
    return s->compat & COMPAT_HAS_JOURNAL ? "ext3" : "ext2";
}

static int ext2_mount(struct blockdev *bdev, uint32_t flags, struct vfs_superblock **out)
{
    struct ext2_sb *s = fs_zalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    int err = blockdev_read_bytes(bdev, 1024, s->sb, 1024);
    if (!err)
        err = parse_super(s, &flags);
    if (!err && s->blocks_count * s->bs > bdev->nblocks * (uint64_t)bdev->block_size)
        err = -EINVAL;
    if (!err)
        err = bcache_create(bdev, s->bs, BCACHE_BUFFERS, &s->bc);
    if (!err)
        err = load_gdt(s);
    if (err) {
        if (s->bc)
            bcache_destroy(s->bc);
        fs_free(s->gdt);
        fs_free(s);
        return err;
    }
    spin_init(&s->lock, "ext2");
    list_init(&s->orphans);
    s->bdev = bdev;
    s->vfs.ops = &ext2_super_ops;
    s->vfs.type = variant_name(s);
    s->vfs.bdev = bdev;
    s->vfs.dev = bdev->dev_id;
    s->vfs.root_ino = EXT2_ROOT_INO;
    s->vfs.flags = flags;
    s->vfs.block_size = s->bs;
    if (!(flags & VFS_SB_RDONLY)) {
        struct vfs_time now;
        fs_now(&now);
        wr32(s->sb, SB_MTIME, (uint32_t)now.sec);
        wr16(s->sb, SB_MNT_COUNT, rd16(s->sb, SB_MNT_COUNT) + 1u);
        s->sb_dirty = true;
        ext2_orphan_recover(s);
    }
    *out = &s->vfs;
    return 0;
}

const struct vfs_fs_type ext2_fs_type = {
    .name = "ext2",
    .mount = ext2_mount,
};
