/* ext2/3/4: inodes on disk, file data read/write, truncate, setattr, eviction. */
#include "ext2.h"

struct vfs_inode *ext2_alloc_vfs_inode(struct vfs_superblock *sb)
{
    struct ext2_inode *ei = fs_zalloc(sizeof(*ei));
    if (!ei)
        return NULL;
    ei->raw = fs_zalloc(EXT2_SB(sb)->inode_size);
    if (!ei->raw) {
        fs_free(ei);
        return NULL;
    }
    list_init(&ei->orphan_link);
    return &ei->vfs;
}

void ext2_destroy_inode(struct vfs_inode *inode)
{
    struct ext2_inode *ei = EXT2_I(inode);
    fs_free(ei->raw);
    fs_free(ei);
}

static uint16_t extra_isize(struct ext2_sb *s, const uint8_t *raw)
{
    return s->inode_size > GOOD_OLD_INODE_SIZE ? rd16(raw, I_EXTRA_ISIZE) : 0;
}

/* Whether the extra field at offset off (4 bytes) is present in this inode. */
static bool has_extra(struct ext2_sb *s, const uint8_t *raw, size_t off)
{
    return off + 4 <= GOOD_OLD_INODE_SIZE + (size_t)extra_isize(s, raw);
}

static uint32_t inode_csum(struct ext2_sb *s, uint32_t ino, const uint8_t *raw)
{
    uint8_t le[4];
    wr32(le, 0, ino);
    uint32_t c = crc32c_update(s->csum_seed, le, 4);
    c = crc32c_update(c, raw + I_GENERATION, 4);
    static const uint8_t zero[2];
    c = crc32c_update(c, raw, I_CSUM_LO);
    c = crc32c_update(c, zero, 2);
    c = crc32c_update(c, raw + I_CSUM_LO + 2, GOOD_OLD_INODE_SIZE - I_CSUM_LO - 2);
    if (s->inode_size > GOOD_OLD_INODE_SIZE) {
        bool hi = has_extra(s, raw, I_CSUM_HI - 2); /* i_checksum_hi ends at 0x84 */
        c = crc32c_update(c, raw + GOOD_OLD_INODE_SIZE, I_CSUM_HI - GOOD_OLD_INODE_SIZE);
        if (hi)
            c = crc32c_update(c, zero, 2);
        else
            c = crc32c_update(c, raw + I_CSUM_HI, 2);
        c = crc32c_update(c, raw + I_CSUM_HI + 2, s->inode_size - I_CSUM_HI - 2);
    }
    return c;
}

static int inode_location(struct ext2_sb *s, uint64_t ino, uint64_t *blk, uint32_t *off)
{
    if (ino < 1 || ino > s->inodes_count)
        return -ESTALE;
    uint32_t g = (uint32_t)((ino - 1) / s->ipg), idx = (uint32_t)((ino - 1) % s->ipg);
    uint64_t byte = (uint64_t)idx * s->inode_size;
    *blk = gd_get(s, g, GD_INODE_TABLE, GD_INODE_TABLE_HI, 32) + byte / s->bs;
    *off = (uint32_t)(byte % s->bs);
    return 0;
}

static void decode_time(const uint8_t *raw, struct ext2_sb *s, size_t off, size_t extra_off,
                        struct vfs_time *t)
{
    t->sec = (int32_t)rd32(raw, off);
    t->nsec = 0;
    if (extra_off && has_extra(s, raw, extra_off)) {
        uint32_t x = rd32(raw, extra_off);
        t->sec += (int64_t)(x & 3) << 32;
        t->nsec = x >> 2;
    }
}

/* Stores t; what the inode cannot hold (nanoseconds, years past 2038 without the extra
 * fields) is dropped from t too, so the in-memory inode matches the disk. */
static void encode_time(uint8_t *raw, struct ext2_sb *s, size_t off, size_t extra_off,
                        struct vfs_time *t)
{
    uint32_t lo = (uint32_t)t->sec;
    wr32(raw, off, lo);
    if (extra_off && has_extra(s, raw, extra_off)) {
        uint32_t epoch = (uint32_t)(((t->sec - (int64_t)(int32_t)lo) >> 32) & 3);
        wr32(raw, extra_off, epoch | (t->nsec << 2));
        t->sec = (int32_t)lo + ((int64_t)epoch << 32);
    } else {
        t->sec = (int32_t)lo;
        t->nsec = 0;
    }
}

static void set_ops(struct ext2_inode *ei)
{
    switch (ei->vfs.mode & VFS_S_IFMT) {
    case VFS_S_IFREG:
        ei->vfs.ops = &ext2_file_ops;
        break;
    case VFS_S_IFDIR:
        ei->vfs.ops = &ext2_dir_ops;
        break;
    case VFS_S_IFLNK:
        ei->vfs.ops = &ext2_symlink_ops;
        break;
    default:
        ei->vfs.ops = &ext2_special_ops;
        break;
    }
}

static uint32_t seed_for(struct ext2_sb *s, uint32_t ino, const uint8_t *raw)
{
    uint8_t le[4];
    wr32(le, 0, ino);
    uint32_t c = crc32c_update(s->csum_seed, le, 4);
    return crc32c_update(c, raw + I_GENERATION, 4);
}

/* Fills the VFS fields from the raw record. */
static void decode_inode(struct ext2_sb *s, struct ext2_inode *ei)
{
    uint8_t *raw = ei->raw;
    struct vfs_inode *v = &ei->vfs;
    v->mode = rd16(raw, I_MODE);
    v->uid = rd16(raw, I_UID) | (uint32_t)rd16(raw, I_UID_HI) << 16;
    v->gid = rd16(raw, I_GID) | (uint32_t)rd16(raw, I_GID_HI) << 16;
    v->nlink = rd16(raw, I_LINKS);
    v->size = rd32(raw, I_SIZE_LO) | (uint64_t)rd32(raw, I_SIZE_HIGH) << 32;
    ei->flags = rd32(raw, I_FLAGS);
    uint64_t blocks = rd32(raw, I_BLOCKS_LO);
    if (s->ro_compat & RO_COMPAT_HUGE_FILE) {
        blocks |= (uint64_t)rd16(raw, I_BLOCKS_HI) << 32;
        if (ei->flags & IFL_HUGE_FILE)
            blocks *= s->bs / 512;
    }
    v->blocks = blocks;
    decode_time(raw, s, I_ATIME, I_ATIME_EXTRA, &v->atime);
    decode_time(raw, s, I_MTIME, I_MTIME_EXTRA, &v->mtime);
    decode_time(raw, s, I_CTIME, I_CTIME_EXTRA, &v->ctime);
    if (has_extra(s, raw, I_CRTIME))
        decode_time(raw, s, I_CRTIME, I_CRTIME_EXTRA, &v->btime);
    v->rdev = 0;
    uint32_t t = v->mode & VFS_S_IFMT;
    if (t == VFS_S_IFCHR || t == VFS_S_IFBLK) {
        uint32_t old = rd32(raw, I_BLOCK), nw = rd32(raw, I_BLOCK + 4);
        if (old)
            v->rdev = VFS_MKDEV((old >> 8) & 0xff, old & 0xff);
        else
            v->rdev = VFS_MKDEV((nw & 0xfff00) >> 8, (nw & 0xff) | ((nw >> 12) & 0xfff00));
    }
    ei->csum_seed = s->csum ? seed_for(s, (uint32_t)v->ino, raw) : 0;
    set_ops(ei);
}

int ext2_read_inode(struct vfs_inode *inode)
{
    struct ext2_sb *s = EXT2_SB(inode->sb);
    struct ext2_inode *ei = EXT2_I(inode);
    uint64_t blk;
    uint32_t off;
    int err = inode_location(s, inode->ino, &blk, &off);
    if (err)
        return err;
    struct bbuf *b;
    if ((err = bcache_read(s->bc, blk, &b)))
        return err;
    memcpy(ei->raw, b->data + off, s->inode_size);
    bcache_put(s->bc, b);
    if (s->csum) {
        uint32_t c = inode_csum(s, (uint32_t)inode->ino, ei->raw);
        uint32_t want = rd16(ei->raw, I_CSUM_LO);
        uint32_t mask = 0xffff;
        if (s->inode_size > GOOD_OLD_INODE_SIZE && has_extra(s, ei->raw, I_CSUM_HI - 2)) {
            want |= (uint32_t)rd16(ei->raw, I_CSUM_HI) << 16;
            mask = 0xffffffff;
        }
        if ((c & mask) != want)
            return -EIO;
    }
    if (rd16(ei->raw, I_LINKS) == 0 && rd16(ei->raw, I_MODE) == 0)
        return -ESTALE;
    decode_inode(s, ei);
    if (ei->flags & IFL_INLINE_DATA)
        return -EOPNOTSUPP;
    return 0;
}

int ext2_write_inode(struct ext2_inode *ei)
{
    struct ext2_sb *s = isb(ei);
    struct vfs_inode *v = &ei->vfs;
    uint8_t *raw = ei->raw;
    wr16(raw, I_MODE, v->mode);
    wr16(raw, I_UID, v->uid & 0xffff);
    wr16(raw, I_UID_HI, v->uid >> 16);
    wr16(raw, I_GID, v->gid & 0xffff);
    wr16(raw, I_GID_HI, v->gid >> 16);
    wr16(raw, I_LINKS, v->nlink);
    wr32(raw, I_SIZE_LO, (uint32_t)v->size);
    wr32(raw, I_SIZE_HIGH, (uint32_t)(v->size >> 32));
    uint64_t blocks = v->blocks;
    ei->flags &= ~IFL_HUGE_FILE;
    if (blocks >> 32) {
        if (!(s->ro_compat & RO_COMPAT_HUGE_FILE))
            return -EFBIG;
        if (blocks >> 48) {
            ei->flags |= IFL_HUGE_FILE;
            blocks /= s->bs / 512;
        }
    }
    wr32(raw, I_BLOCKS_LO, (uint32_t)blocks);
    if (s->ro_compat & RO_COMPAT_HUGE_FILE)
        wr16(raw, I_BLOCKS_HI, (uint32_t)(blocks >> 32) & 0xffff);
    wr32(raw, I_FLAGS, ei->flags);
    encode_time(raw, s, I_ATIME, I_ATIME_EXTRA, &v->atime);
    encode_time(raw, s, I_MTIME, I_MTIME_EXTRA, &v->mtime);
    encode_time(raw, s, I_CTIME, I_CTIME_EXTRA, &v->ctime);
    if (has_extra(s, raw, I_CRTIME))
        encode_time(raw, s, I_CRTIME, I_CRTIME_EXTRA, &v->btime);
    if (s->csum) {
        uint32_t c = inode_csum(s, (uint32_t)v->ino, raw);
        wr16(raw, I_CSUM_LO, c & 0xffff);
        if (s->inode_size > GOOD_OLD_INODE_SIZE && has_extra(s, raw, I_CSUM_HI - 2))
            wr16(raw, I_CSUM_HI, c >> 16);
    }
    uint64_t blk;
    uint32_t off;
    int err = inode_location(s, v->ino, &blk, &off);
    if (err)
        return err;
    struct bbuf *b;
    if ((err = bcache_read(s->bc, blk, &b)))
        return err;
    memcpy(b->data + off, raw, s->inode_size);
    bcache_dirty(s->bc, b);
    bcache_put(s->bc, b);
    return 0;
}

void ext2_touch(struct ext2_inode *ei, bool m, bool c)
{
    struct vfs_time now;
    fs_now(&now);
    if (m)
        ei->vfs.mtime = now;
    if (c)
        ei->vfs.ctime = now;
}

void ext2_add_blocks(struct ext2_inode *ei, int64_t nblocks)
{
    ei->vfs.blocks += (uint64_t)(nblocks * (int64_t)(isb(ei)->bs / 512));
}

int ext2_bmap(struct ext2_inode *ei, uint64_t lblk, bool alloc, uint64_t *pblk, bool *fresh)
{
    if (fresh)
        *fresh = false;
    if (ei->flags & IFL_EXTENTS)
        return ext2_ext_map(ei, lblk, alloc, pblk, fresh);
    return ext2_ind_map(ei, lblk, alloc, pblk, fresh);
}

/* Reads or writes file data at off; extends the size on writes past the end. */
int64_t ext2_rw(struct ext2_inode *ei, void *buf, size_t len, uint64_t off, bool write)
{
    struct ext2_sb *s = isb(ei);
    uint64_t max = (ei->flags & IFL_EXTENTS)
                       ? ((uint64_t)1 << 32) * s->bs
                       : (12ull + (s->bs / 4) + (uint64_t)(s->bs / 4) * (s->bs / 4) +
                          (uint64_t)(s->bs / 4) * (s->bs / 4) * (s->bs / 4)) *
                             s->bs;
    if (!write) {
        if (off >= ei->vfs.size)
            return 0;
        len = (size_t)MIN((uint64_t)len, ei->vfs.size - off);
    } else {
        if (off >= max)
            return -EFBIG;
        len = (size_t)MIN((uint64_t)len, max - off);
    }
    size_t done = 0;
    int err = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint64_t lblk = pos / s->bs;
        uint32_t in = (uint32_t)(pos % s->bs);
        size_t n = MIN((size_t)(s->bs - in), len - done);
        uint64_t pblk;
        bool fresh;
        if ((err = ext2_bmap(ei, lblk, write, &pblk, &fresh)))
            break;
        uint8_t *p = (uint8_t *)buf + done;
        if (!pblk) {
            memset(p, 0, n);
        } else {
            struct bbuf *b;
            err = (fresh || (write && n == s->bs)) ? bcache_zero(s->bc, pblk, &b)
                                                   : bcache_read(s->bc, pblk, &b);
            if (err)
                break;
            if (write) {
                memcpy(b->data + in, p, n);
                bcache_dirty(s->bc, b);
            } else {
                memcpy(p, b->data + in, n);
            }
            bcache_put(s->bc, b);
        }
        done += n;
    }
    if (write && done > 0) {
        if (off + done > ei->vfs.size)
            ei->vfs.size = off + done;
        ext2_touch(ei, true, true);
        int e = ext2_write_inode(ei);
        if (!err)
            err = e;
    }
    return done > 0 ? (int64_t)done : err;
}

/* Zeroes the tail of the block holding offset size (so a later grow reads zeros). */
static int zero_tail(struct ext2_inode *ei, uint64_t size)
{
    struct ext2_sb *s = isb(ei);
    uint32_t in = (uint32_t)(size % s->bs);
    if (!in)
        return 0;
    uint64_t pblk;
    int err = ext2_bmap(ei, size / s->bs, false, &pblk, NULL);
    if (err || !pblk)
        return err;
    struct bbuf *b;
    if ((err = bcache_read(s->bc, pblk, &b)))
        return err;
    memset(b->data + in, 0, s->bs - in);
    bcache_dirty(s->bc, b);
    bcache_put(s->bc, b);
    return 0;
}

int ext2_truncate_blocks(struct ext2_inode *ei, uint64_t size)
{
    struct ext2_sb *s = isb(ei);
    uint64_t first_free = (size + s->bs - 1) / s->bs;
    int err = zero_tail(ei, size);
    if (err)
        return err;
    if (ei->flags & IFL_EXTENTS)
        return ext2_ext_truncate(ei, first_free);
    return ext2_ind_truncate(ei, first_free);
}

static bool is_fast_symlink(struct ext2_inode *ei)
{
    uint64_t acl_blocks = (rd32(ei->raw, I_FILE_ACL_LO) ? isb(ei)->bs / 512 : 0);
    return VFS_S_ISLNK(ei->vfs.mode) && ei->vfs.size < 60 && ei->vfs.blocks == acl_blocks &&
           !(ei->flags & IFL_EXTENTS);
}

static bool has_data_blocks(struct ext2_inode *ei)
{
    uint32_t t = ei->vfs.mode & VFS_S_IFMT;
    return t == VFS_S_IFREG || t == VFS_S_IFDIR || (t == VFS_S_IFLNK && !is_fast_symlink(ei));
}

#define XATTR_MAGIC    0xEA020000u
#define XATTR_REFCOUNT 0x4
#define XATTR_CHECKSUM 0x10

/* Drops the inode's reference to its extended-attribute block (freed at refcount 0). */
static int release_xattr_block(struct ext2_inode *ei)
{
    struct ext2_sb *s = isb(ei);
    uint64_t blk = rd32(ei->raw, I_FILE_ACL_LO) | (uint64_t)rd16(ei->raw, I_FILE_ACL_HI) << 32;
    if (!blk)
        return 0;
    if (blk < s->first_data_block || blk >= s->blocks_count)
        return -EIO;
    struct bbuf *b;
    int err = bcache_read(s->bc, blk, &b);
    if (err)
        return err;
    uint32_t refs = rd32(b->data, XATTR_REFCOUNT);
    if (rd32(b->data, 0) != XATTR_MAGIC || refs == 0) {
        bcache_put(s->bc, b);
        return -EIO;
    }
    if (refs > 1) {
        wr32(b->data, XATTR_REFCOUNT, refs - 1);
        if (s->csum) {
            uint8_t le[8];
            wr32(le, 0, (uint32_t)blk);
            wr32(le, 4, (uint32_t)(blk >> 32));
            wr32(b->data, XATTR_CHECKSUM, 0);
            uint32_t c = crc32c_update(s->csum_seed, le, 8);
            wr32(b->data, XATTR_CHECKSUM, crc32c_update(c, b->data, s->bs));
        }
        bcache_dirty(s->bc, b);
        bcache_put(s->bc, b);
    } else {
        bcache_put(s->bc, b);
        if ((err = ext2_free_blocks(s, blk, 1)))
            return err;
    }
    ext2_add_blocks(ei, -1);
    wr32(ei->raw, I_FILE_ACL_LO, 0);
    wr16(ei->raw, I_FILE_ACL_HI, 0);
    return 0;
}

void ext2_evict_inode(struct vfs_inode *inode)
{
    struct ext2_inode *ei = EXT2_I(inode);
    struct ext2_sb *s = isb(ei);
    spin_lock(&s->lock);
    ext2_orphan_del(ei);
    if (has_data_blocks(ei))
        ext2_truncate_blocks(ei, 0);
    else if (VFS_S_ISLNK(inode->mode))
        memset(ei->raw + I_BLOCK, 0, 60);
    release_xattr_block(ei);
    inode->size = 0;
    struct vfs_time now;
    fs_now(&now);
    wr32(ei->raw, I_DTIME, (uint32_t)now.sec);
    inode->ctime = now;
    ext2_write_inode(ei);
    ext2_free_inode_nr(s, (uint32_t)inode->ino, VFS_S_ISDIR(inode->mode));
    spin_unlock(&s->lock);
}

/* ---- VFS operations on regular files and all inodes ---- */

static int64_t ext2_read(struct vfs_inode *inode, void *buf, size_t len, uint64_t off)
{
    struct ext2_inode *ei = EXT2_I(inode);
    spin_lock(&isb(ei)->lock);
    int64_t r = ext2_rw(ei, buf, len, off, false);
    spin_unlock(&isb(ei)->lock);
    return r;
}

static int64_t ext2_write(struct vfs_inode *inode, const void *buf, size_t len, uint64_t off)
{
    struct ext2_inode *ei = EXT2_I(inode);
    spin_lock(&isb(ei)->lock);
    int64_t r = ext2_rw(ei, (void *)buf, len, off, true);
    spin_unlock(&isb(ei)->lock);
    return r;
}

static int ext2_setattr(struct vfs_inode *inode, const struct vfs_attr *a)
{
    struct ext2_inode *ei = EXT2_I(inode);
    struct ext2_sb *s = isb(ei);
    int err = 0;
    spin_lock(&s->lock);
    if (a->valid & VFS_ATTR_SIZE) {
        if (!VFS_S_ISREG(inode->mode)) {
            err = -EINVAL;
        } else if (a->size < inode->size) {
            err = ext2_truncate_blocks(ei, a->size);
        } else if (a->size > inode->size) {
            err = zero_tail(ei, inode->size);
        }
        if (!err && a->size != inode->size) {
            inode->size = a->size;
            ext2_touch(ei, true, true);
        }
    }
    if (!err) {
        if (a->valid & VFS_ATTR_MODE)
            inode->mode = (inode->mode & VFS_S_IFMT) | (a->mode & 07777);
        if (a->valid & VFS_ATTR_UID)
            inode->uid = a->uid;
        if (a->valid & VFS_ATTR_GID)
            inode->gid = a->gid;
        if (a->valid & VFS_ATTR_ATIME)
            inode->atime = a->atime;
        if (a->valid & VFS_ATTR_MTIME)
            inode->mtime = a->mtime;
        if (a->valid &
            (VFS_ATTR_MODE | VFS_ATTR_UID | VFS_ATTR_GID | VFS_ATTR_ATIME | VFS_ATTR_MTIME))
            ext2_touch(ei, false, true);
        if (a->valid & VFS_ATTR_CTIME)
            inode->ctime = a->ctime;
    }
    int e = ext2_write_inode(ei);
    spin_unlock(&s->lock);
    return err ? err : e;
}

static int ext2_readlink(struct vfs_inode *inode, char *buf, size_t size)
{
    struct ext2_inode *ei = EXT2_I(inode);
    size_t n = (size_t)MIN((uint64_t)size, inode->size);
    if (is_fast_symlink(ei)) {
        memcpy(buf, ei->raw + I_BLOCK, n);
        return (int)n;
    }
    if (inode->size > isb(ei)->bs)
        return -EIO;
    spin_lock(&isb(ei)->lock);
    int64_t r = ext2_rw(ei, buf, n, 0, false);
    spin_unlock(&isb(ei)->lock);
    return (int)r;
}

const struct vfs_inode_ops ext2_file_ops = {
    .read = ext2_read,
    .write = ext2_write,
    .setattr = ext2_setattr,
};

const struct vfs_inode_ops ext2_symlink_ops = {
    .readlink = ext2_readlink,
    .setattr = ext2_setattr,
};

const struct vfs_inode_ops ext2_special_ops = {
    .setattr = ext2_setattr,
};

/* Allocates and writes a fresh inode of the given mode (type included), nlink 0. */
int ext2_new_inode(struct ext2_sb *s, struct ext2_inode *dir, uint32_t mode,
                   const struct vfs_cred *cred, struct ext2_inode **out)
{
    uint32_t ino;
    int err = ext2_alloc_inode_nr(s, (uint32_t)dir->vfs.ino, VFS_S_ISDIR(mode), &ino);
    if (err)
        return err;
    struct vfs_inode *vi = ext2_alloc_vfs_inode(&s->vfs);
    if (!vi) {
        ext2_free_inode_nr(s, ino, VFS_S_ISDIR(mode));
        return -ENOMEM;
    }
    struct ext2_inode *ei = EXT2_I(vi);
    ei->vfs.sb = &s->vfs;
    ei->vfs.ino = ino;
    ei->vfs.mode = mode;
    ei->vfs.uid = cred ? cred->uid : 0;
    ei->vfs.gid = cred ? cred->gid : 0;
    if (dir->vfs.mode & 02000) { /* setgid directory */
        ei->vfs.gid = dir->vfs.gid;
        if (VFS_S_ISDIR(mode))
            ei->vfs.mode |= 02000;
    }
    struct vfs_time now;
    fs_now(&now);
    ei->vfs.atime = ei->vfs.mtime = ei->vfs.ctime = ei->vfs.btime = now;
    if (s->inode_size > GOOD_OLD_INODE_SIZE)
        wr16(ei->raw, I_EXTRA_ISIZE, s->want_extra_isize);
    static uint32_t gen_counter;
    wr32(ei->raw, I_GENERATION, (uint32_t)now.nsec ^ (ino * 2654435761u) ^ ++gen_counter);
    uint32_t t = mode & VFS_S_IFMT;
    if ((s->incompat & INCOMPAT_EXTENTS) && (t == VFS_S_IFREG || t == VFS_S_IFDIR)) {
        ei->flags |= IFL_EXTENTS;
        ext2_ext_init_root(ei);
    }
    ei->csum_seed = s->csum ? seed_for(s, ino, ei->raw) : 0;
    set_ops(ei);
    *out = ei;
    return 0;
}
