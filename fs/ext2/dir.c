/* ext2/3/4 directories: linear dirent blocks (htree directories are read linearly and lose
 * their index on insertion), and the namespace operations. */
#include "ext2.h"

static uint32_t rec_len(const uint8_t *d)
{
    return rd16(d, DE_REC_LEN);
}
static uint32_t name_len(const uint8_t *d)
{
    return d[DE_NAME_LEN];
}
static uint32_t dirent_size(uint32_t nlen)
{
    return (8 + nlen + 3) & ~3u;
}

static bool has_tail(struct ext2_sb *s, const uint8_t *blk)
{
    const uint8_t *t = blk + s->bs - DE_TAIL_SIZE;
    return rd32(t, 0) == 0 && rd16(t, 4) == DE_TAIL_SIZE && t[6] == 0 && t[7] == DE_TAIL_FT;
}

/* End of the dirent area of a block (before the checksum tail, if any). */
static uint32_t block_end(struct ext2_sb *s, const uint8_t *blk)
{
    return has_tail(s, blk) ? s->bs - DE_TAIL_SIZE : s->bs;
}

void ext2_dir_set_tail(struct ext2_inode *dir, uint8_t *blk)
{
    struct ext2_sb *s = isb(dir);
    if (!s->csum || !has_tail(s, blk))
        return;
    wr32(blk, s->bs - 4, crc32c_update(dir->csum_seed, blk, s->bs - DE_TAIL_SIZE));
}

static void write_tail(struct ext2_sb *s, uint8_t *blk)
{
    uint8_t *t = blk + s->bs - DE_TAIL_SIZE;
    memset(t, 0, DE_TAIL_SIZE);
    wr16(t, 4, DE_TAIL_SIZE);
    t[7] = DE_TAIL_FT;
}

static bool dirent_ok(struct ext2_sb *s, const uint8_t *blk, uint32_t off, uint32_t end)
{
    const uint8_t *d = blk + off;
    uint32_t rl = rec_len(d);
    (void)s;
    return rl >= 8 && (rl & 3) == 0 && off + rl <= end && 8 + name_len(d) <= rl;
}

static uint8_t mode_to_ft(uint32_t mode)
{
    switch (mode & VFS_S_IFMT) {
    case VFS_S_IFREG:
        return FT_REG;
    case VFS_S_IFDIR:
        return FT_DIR;
    case VFS_S_IFCHR:
        return FT_CHR;
    case VFS_S_IFBLK:
        return FT_BLK;
    case VFS_S_IFIFO:
        return FT_FIFO;
    case VFS_S_IFSOCK:
        return FT_SOCK;
    case VFS_S_IFLNK:
        return FT_LNK;
    default:
        return FT_UNKNOWN;
    }
}

static unsigned ft_to_dt(uint8_t ft)
{
    static const unsigned map[] = {VFS_DT_UNKNOWN, VFS_DT_REG,  VFS_DT_DIR,  VFS_DT_CHR,
                                   VFS_DT_BLK,     VFS_DT_FIFO, VFS_DT_SOCK, VFS_DT_LNK};
    return ft < ARRAY_SIZE(map) ? map[ft] : VFS_DT_UNKNOWN;
}

static int dir_block(struct ext2_inode *dir, uint64_t lblk, struct bbuf **out)
{
    uint64_t pblk;
    int err = ext2_bmap(dir, lblk, false, &pblk, NULL);
    if (err)
        return err;
    if (!pblk)
        return -EIO; /* directories have no holes */
    return bcache_read(isb(dir)->bc, pblk, out);
}

static uint64_t dir_nblocks(struct ext2_inode *dir)
{
    return dir->vfs.size / isb(dir)->bs;
}

struct found {
    struct bbuf *b;
    uint32_t off, prev; /* prev == off when first in block */
};

/* Finds name; on success f->b is referenced. -ENOENT if absent. */
static int find_entry(struct ext2_inode *dir, const char *name, size_t len, struct found *f)
{
    struct ext2_sb *s = isb(dir);
    for (uint64_t lb = 0; lb < dir_nblocks(dir); lb++) {
        struct bbuf *b;
        int err = dir_block(dir, lb, &b);
        if (err)
            return err;
        uint32_t end = block_end(s, b->data), off = 0, prev = 0;
        while (off < end) {
            if (!dirent_ok(s, b->data, off, end)) {
                bcache_put(s->bc, b);
                return -EIO;
            }
            uint8_t *d = b->data + off;
            if (rd32(d, DE_INODE) && name_len(d) == len && !memcmp(d + DE_NAME, name, len)) {
                f->b = b;
                f->off = off;
                f->prev = prev;
                return 0;
            }
            prev = off;
            off += rec_len(d);
        }
        bcache_put(s->bc, b);
    }
    return -ENOENT;
}

static void block_dirty(struct ext2_inode *dir, struct bbuf *b)
{
    ext2_dir_set_tail(dir, b->data);
    bcache_dirty(isb(dir)->bc, b);
}

/*
 * Drops the htree index: the directory stays valid read linearly. With metadata_csum every
 * block must then carry a dirent tail, so index blocks get one carved out of their last
 * (empty) entry.
 */
static int unindex(struct ext2_inode *dir)
{
    struct ext2_sb *s = isb(dir);
    if (s->csum) {
        for (uint64_t lb = 0; lb < dir_nblocks(dir); lb++) {
            struct bbuf *b;
            int err = dir_block(dir, lb, &b);
            if (err)
                return err;
            if (!has_tail(s, b->data)) {
                uint32_t off = 0, last = 0;
                while (off < s->bs) {
                    if (!dirent_ok(s, b->data, off, s->bs)) {
                        bcache_put(s->bc, b);
                        return -EIO;
                    }
                    last = off;
                    off += rec_len(b->data + off);
                }
                uint8_t *d = b->data + last;
                uint32_t need = rd32(d, DE_INODE) ? dirent_size(name_len(d)) : 8;
                if (last == 0 && !rd32(d, DE_INODE))
                    need = 0;
                if (rec_len(d) < need + DE_TAIL_SIZE) {
                    bcache_put(s->bc, b);
                    return -ENOSPC;
                }
                wr16(d, DE_REC_LEN, rec_len(d) - DE_TAIL_SIZE);
                write_tail(s, b->data);
                block_dirty(dir, b);
            }
            bcache_put(s->bc, b);
        }
    }
    dir->flags &= ~IFL_INDEX;
    return ext2_write_inode(dir);
}

static void set_dirent(struct ext2_sb *s, uint8_t *d, uint32_t ino, const char *name, size_t len,
                       uint32_t mode)
{
    wr32(d, DE_INODE, ino);
    d[DE_NAME_LEN] = (uint8_t)len;
    d[DE_TYPE] = (s->incompat & INCOMPAT_FILETYPE) ? mode_to_ft(mode) : 0;
    memcpy(d + DE_NAME, name, len);
}

int ext2_dir_add(struct ext2_inode *dir, const char *name, size_t len, uint32_t ino, uint32_t mode)
{
    struct ext2_sb *s = isb(dir);
    int err;
    if (dir->flags & IFL_INDEX) {
        if ((err = unindex(dir)))
            return err;
    }
    uint32_t need = dirent_size((uint32_t)len);
    uint64_t nb = dir_nblocks(dir);
    for (uint64_t lb = 0; lb < nb; lb++) {
        struct bbuf *b;
        if ((err = dir_block(dir, lb, &b)))
            return err;
        uint32_t end = block_end(s, b->data), off = 0;
        while (off < end) {
            if (!dirent_ok(s, b->data, off, end)) {
                bcache_put(s->bc, b);
                return -EIO;
            }
            uint8_t *d = b->data + off;
            uint32_t rl = rec_len(d);
            uint32_t used = rd32(d, DE_INODE) ? dirent_size(name_len(d)) : 0;
            if (rl >= used + need) {
                uint8_t *n = d;
                if (used) {
                    wr16(d, DE_REC_LEN, used);
                    n = d + used;
                    wr16(n, DE_REC_LEN, rl - used);
                }
                set_dirent(s, n, ino, name, len, mode);
                block_dirty(dir, b);
                bcache_put(s->bc, b);
                ext2_touch(dir, true, true);
                return ext2_write_inode(dir);
            }
            off += rl;
        }
        bcache_put(s->bc, b);
    }
    /* No room: append a block. */
    uint64_t pblk;
    if ((err = ext2_bmap(dir, nb, true, &pblk, NULL)))
        return err;
    struct bbuf *b;
    if ((err = bcache_zero(s->bc, pblk, &b)))
        return err;
    uint32_t end = s->csum ? s->bs - DE_TAIL_SIZE : s->bs;
    wr16(b->data, DE_REC_LEN, end);
    set_dirent(s, b->data, ino, name, len, mode);
    if (s->csum)
        write_tail(s, b->data);
    block_dirty(dir, b);
    bcache_put(s->bc, b);
    dir->vfs.size += s->bs;
    ext2_touch(dir, true, true);
    return ext2_write_inode(dir);
}

/* Writes block 0 of new directory dir: "." and "..". */
int ext2_dir_init(struct ext2_inode *dir, uint32_t parent_ino)
{
    struct ext2_sb *s = isb(dir);
    uint64_t pblk;
    int err = ext2_bmap(dir, 0, true, &pblk, NULL);
    if (err)
        return err;
    struct bbuf *b;
    if ((err = bcache_zero(s->bc, pblk, &b)))
        return err;
    uint32_t end = s->csum ? s->bs - DE_TAIL_SIZE : s->bs;
    set_dirent(s, b->data, (uint32_t)dir->vfs.ino, ".", 1, VFS_S_IFDIR);
    wr16(b->data, DE_REC_LEN, 12);
    set_dirent(s, b->data + 12, parent_ino, "..", 2, VFS_S_IFDIR);
    wr16(b->data + 12, DE_REC_LEN, end - 12);
    if (s->csum)
        write_tail(s, b->data);
    block_dirty(dir, b);
    bcache_put(s->bc, b);
    dir->vfs.size = s->bs;
    return ext2_write_inode(dir);
}

static int remove_entry(struct ext2_inode *dir, const char *name, size_t len)
{
    struct found f;
    int err = find_entry(dir, name, len, &f);
    if (err)
        return err;
    uint8_t *d = f.b->data + f.off;
    if (f.prev != f.off) {
        uint8_t *p = f.b->data + f.prev;
        wr16(p, DE_REC_LEN, rec_len(p) + rec_len(d));
    } else {
        wr32(d, DE_INODE, 0);
    }
    block_dirty(dir, f.b);
    bcache_put(isb(dir)->bc, f.b);
    ext2_touch(dir, true, true);
    return ext2_write_inode(dir);
}

/* Points existing entry name at ino (type from mode). */
static int retarget_entry(struct ext2_inode *dir, const char *name, size_t len, uint32_t ino,
                          uint32_t mode)
{
    struct found f;
    int err = find_entry(dir, name, len, &f);
    if (err)
        return err;
    set_dirent(isb(dir), f.b->data + f.off, ino, name, len, mode);
    block_dirty(dir, f.b);
    bcache_put(isb(dir)->bc, f.b);
    ext2_touch(dir, true, true);
    return ext2_write_inode(dir);
}

static int set_dotdot(struct ext2_inode *dir, uint32_t parent_ino)
{
    struct ext2_sb *s = isb(dir);
    struct bbuf *b;
    int err = dir_block(dir, 0, &b);
    if (err)
        return err;
    uint32_t end = block_end(s, b->data);
    uint32_t off = rec_len(b->data);
    if (!dirent_ok(s, b->data, 0, end) || !dirent_ok(s, b->data, off, end) ||
        name_len(b->data + off) != 2 || memcmp(b->data + off + DE_NAME, "..", 2)) {
        bcache_put(s->bc, b);
        return -EIO;
    }
    wr32(b->data + off, DE_INODE, parent_ino);
    block_dirty(dir, b);
    bcache_put(s->bc, b);
    return 0;
}

static int dir_is_empty(struct ext2_inode *dir)
{
    struct ext2_sb *s = isb(dir);
    for (uint64_t lb = 0; lb < dir_nblocks(dir); lb++) {
        struct bbuf *b;
        int err = dir_block(dir, lb, &b);
        if (err)
            return err;
        uint32_t end = block_end(s, b->data), off = 0;
        while (off < end) {
            if (!dirent_ok(s, b->data, off, end)) {
                bcache_put(s->bc, b);
                return -EIO;
            }
            uint8_t *d = b->data + off;
            bool dot = (name_len(d) == 1 && d[DE_NAME] == '.') ||
                       (name_len(d) == 2 && d[DE_NAME] == '.' && d[DE_NAME + 1] == '.');
            if (rd32(d, DE_INODE) && !dot) {
                bcache_put(s->bc, b);
                return 0;
            }
            off += rec_len(d);
        }
        bcache_put(s->bc, b);
    }
    return 1;
}

static bool nlink_can_inc(struct ext2_inode *ei)
{
    struct ext2_sb *s = isb(ei);
    if (ei->vfs.nlink < EXT2_LINK_MAX - 1)
        return true;
    return VFS_S_ISDIR(ei->vfs.mode) && (s->ro_compat & RO_COMPAT_DIR_NLINK);
}

static void dir_nlink_inc(struct ext2_inode *dir)
{
    if (dir->vfs.nlink == 1)
        return; /* already past the limit (dir_nlink) */
    dir->vfs.nlink = dir->vfs.nlink + 1 >= EXT2_LINK_MAX ? 1 : dir->vfs.nlink + 1;
}

static void dir_nlink_dec(struct ext2_inode *dir)
{
    if (dir->vfs.nlink > 2)
        dir->vfs.nlink--;
}

/* ---- VFS directory operations (all under the filesystem lock) ---- */

static int ext2_lookup(struct vfs_inode *vdir, const char *name, size_t len, uint64_t *ino)
{
    struct ext2_inode *dir = EXT2_I(vdir);
    spin_lock(&isb(dir)->lock);
    struct found f;
    int err = find_entry(dir, name, len, &f);
    if (!err) {
        *ino = rd32(f.b->data + f.off, DE_INODE);
        bcache_put(isb(dir)->bc, f.b);
    }
    spin_unlock(&isb(dir)->lock);
    return err;
}

static int ext2_readdir(struct vfs_inode *vdir, uint64_t *pos, vfs_filldir_fn fn, void *ctx)
{
    struct ext2_inode *dir = EXT2_I(vdir);
    struct ext2_sb *s = isb(dir);
    uint8_t *copy = fs_zalloc(s->bs);
    if (!copy)
        return -ENOMEM;
    int err = 0;
    bool stop = false;
    while (!stop && !err) {
        spin_lock(&s->lock);
        uint64_t lb = *pos / s->bs;
        if (lb >= dir_nblocks(dir)) {
            spin_unlock(&s->lock);
            break;
        }
        struct bbuf *b;
        err = dir_block(dir, lb, &b);
        if (!err) {
            memcpy(copy, b->data, s->bs);
            bcache_put(s->bc, b);
        }
        spin_unlock(&s->lock);
        if (err)
            break;
        uint32_t end = block_end(s, copy), off = 0, want = (uint32_t)(*pos % s->bs);
        uint64_t base = lb * s->bs;
        while (off < end) {
            if (!dirent_ok(s, copy, off, end)) {
                err = -EIO;
                break;
            }
            uint8_t *d = copy + off;
            uint32_t next = off + rec_len(d);
            if (off >= want && rd32(d, DE_INODE)) {
                uint64_t np = next >= end ? base + s->bs : base + next;
                if (fn(ctx, (const char *)d + DE_NAME, name_len(d), rd32(d, DE_INODE),
                       (s->incompat & INCOMPAT_FILETYPE) ? ft_to_dt(d[DE_TYPE]) : VFS_DT_UNKNOWN,
                       np)) {
                    *pos = base + off;
                    stop = true;
                    break;
                }
            }
            off = next;
        }
        if (!stop && !err)
            *pos = base + s->bs;
    }
    fs_free(copy);
    return err;
}

/* Creates an inode of `mode` with extra setup, links it into dir as name. */
static int make_node(struct vfs_inode *vdir, const char *name, size_t len, uint32_t mode,
                     uint64_t rdev, const char *target, size_t tlen, const struct vfs_cred *cred,
                     uint64_t *ino)
{
    struct ext2_inode *dir = EXT2_I(vdir);
    struct ext2_sb *s = isb(dir);
    bool is_dir = VFS_S_ISDIR(mode);
    spin_lock(&s->lock);
    struct ext2_inode *ei = NULL;
    int err = 0;
    if (is_dir && !nlink_can_inc(dir))
        err = -EMLINK;
    if (!err && VFS_S_ISLNK(mode) && tlen > s->bs - 1)
        err = -ENAMETOOLONG;
    if (!err)
        err = ext2_new_inode(s, dir, mode, cred, &ei);
    if (err) {
        spin_unlock(&s->lock);
        return err;
    }
    ei->vfs.nlink = is_dir ? 2 : 1;
    uint32_t t = mode & VFS_S_IFMT;
    if (is_dir) {
        err = ext2_dir_init(ei, (uint32_t)dir->vfs.ino);
    } else if (t == VFS_S_IFLNK) {
        if (tlen < 60) {
            memcpy(ei->raw + I_BLOCK, target, tlen);
            ei->vfs.size = tlen;
        } else {
            if (s->incompat & INCOMPAT_EXTENTS) {
                ei->flags |= IFL_EXTENTS;
                ext2_ext_init_root(ei);
            }
            int64_t n = ext2_rw(ei, (void *)target, tlen, 0, true);
            err = n < 0 ? (int)n : 0;
        }
    } else if (t == VFS_S_IFCHR || t == VFS_S_IFBLK) {
        uint32_t ma = VFS_MAJOR(rdev), mi = VFS_MINOR(rdev);
        if (ma < 256 && mi < 256) {
            wr32(ei->raw, I_BLOCK, ma << 8 | mi);
        } else {
            wr32(ei->raw, I_BLOCK + 4, (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12));
        }
        ei->vfs.rdev = rdev;
    }
    if (!err)
        err = ext2_write_inode(ei);
    if (!err)
        err = ext2_dir_add(dir, name, len, (uint32_t)ei->vfs.ino, mode);
    if (!err && is_dir) {
        dir_nlink_inc(dir);
        err = ext2_write_inode(dir);
    }
    if (err) {
        /* Undo: release whatever the new inode got. */
        if (is_dir || t == VFS_S_IFREG || (t == VFS_S_IFLNK && tlen >= 60))
            ext2_truncate_blocks(ei, 0);
        ei->vfs.nlink = 0;
        wr32(ei->raw, I_DTIME, (uint32_t)ei->vfs.ctime.sec);
        ext2_write_inode(ei);
        ext2_free_inode_nr(s, (uint32_t)ei->vfs.ino, is_dir);
    } else {
        *ino = ei->vfs.ino;
    }
    spin_unlock(&s->lock);
    ext2_destroy_inode(&ei->vfs);
    return err;
}

static int ext2_create(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode,
                       const struct vfs_cred *cred, uint64_t *ino)
{
    return make_node(dir, name, len, VFS_S_IFREG | (mode & 07777), 0, NULL, 0, cred, ino);
}

static int ext2_mkdir(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode,
                      const struct vfs_cred *cred, uint64_t *ino)
{
    return make_node(dir, name, len, VFS_S_IFDIR | (mode & 07777), 0, NULL, 0, cred, ino);
}

static int ext2_mknod(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode,
                      uint64_t rdev, const struct vfs_cred *cred, uint64_t *ino)
{
    return make_node(dir, name, len, mode, rdev, NULL, 0, cred, ino);
}

static int ext2_symlink(struct vfs_inode *dir, const char *name, size_t len, const char *target,
                        size_t tlen, const struct vfs_cred *cred, uint64_t *ino)
{
    return make_node(dir, name, len, VFS_S_IFLNK | 0777, 0, target, tlen, cred, ino);
}

static int ext2_link(struct vfs_inode *vdir, const char *name, size_t len,
                     struct vfs_inode *vtarget)
{
    struct ext2_inode *dir = EXT2_I(vdir), *t = EXT2_I(vtarget);
    struct ext2_sb *s = isb(dir);
    spin_lock(&s->lock);
    int err = t->vfs.nlink >= EXT2_LINK_MAX ? -EMLINK : 0;
    if (!err)
        err = ext2_dir_add(dir, name, len, (uint32_t)t->vfs.ino, t->vfs.mode);
    if (!err)
        err = ext2_orphan_del(t); /* linked again (linkat of an open unlinked file) */
    if (!err) {
        t->vfs.nlink++;
        ext2_touch(t, false, true);
        err = ext2_write_inode(t);
    }
    spin_unlock(&s->lock);
    return err;
}

static int ext2_unlink(struct vfs_inode *vdir, const char *name, size_t len,
                       struct vfs_inode *victim)
{
    struct ext2_inode *dir = EXT2_I(vdir), *v = EXT2_I(victim);
    struct ext2_sb *s = isb(dir);
    spin_lock(&s->lock);
    int err = remove_entry(dir, name, len);
    if (!err) {
        if (v->vfs.nlink > 0)
            v->vfs.nlink--;
        ext2_orphan_add(v);
        ext2_touch(v, false, true);
        err = ext2_write_inode(v);
    }
    spin_unlock(&s->lock);
    return err;
}

static int ext2_rmdir(struct vfs_inode *vdir, const char *name, size_t len,
                      struct vfs_inode *victim)
{
    struct ext2_inode *dir = EXT2_I(vdir), *v = EXT2_I(victim);
    struct ext2_sb *s = isb(dir);
    spin_lock(&s->lock);
    int err = dir_is_empty(v);
    if (err == 0)
        err = -ENOTEMPTY;
    else if (err == 1)
        err = remove_entry(dir, name, len);
    if (!err) {
        v->vfs.nlink = 0;
        ext2_orphan_add(v);
        ext2_touch(v, false, true);
        err = ext2_write_inode(v);
        dir_nlink_dec(dir);
        int e = ext2_write_inode(dir);
        if (!err)
            err = e;
    }
    spin_unlock(&s->lock);
    return err;
}

static int ext2_rename(struct vfs_inode *vodir, const char *oname, size_t olen,
                       struct vfs_inode *voi, struct vfs_inode *vndir, const char *nname,
                       size_t nlen, struct vfs_inode *vni, unsigned flags)
{
    struct ext2_inode *odir = EXT2_I(vodir), *ndir = EXT2_I(vndir), *oi = EXT2_I(voi);
    struct ext2_inode *ni = vni ? EXT2_I(vni) : NULL;
    struct ext2_sb *s = isb(odir);
    bool odir_is = VFS_S_ISDIR(oi->vfs.mode), ndir_is = ni && VFS_S_ISDIR(ni->vfs.mode);
    int err = 0;
    spin_lock(&s->lock);
    if (flags & VFS_RENAME_EXCHANGE) {
        err = retarget_entry(odir, oname, olen, (uint32_t)ni->vfs.ino, ni->vfs.mode);
        if (!err)
            err = retarget_entry(ndir, nname, nlen, (uint32_t)oi->vfs.ino, oi->vfs.mode);
        if (!err && odir != ndir) {
            if (odir_is && !(err = set_dotdot(oi, (uint32_t)ndir->vfs.ino))) {
                dir_nlink_dec(odir);
                dir_nlink_inc(ndir);
            }
            if (!err && ndir_is && !(err = set_dotdot(ni, (uint32_t)odir->vfs.ino))) {
                dir_nlink_dec(ndir);
                dir_nlink_inc(odir);
            }
        }
        ext2_touch(ni, false, true);
        if (!err)
            err = ext2_write_inode(ni);
    } else {
        if (odir_is && odir != ndir && !ni && !nlink_can_inc(ndir))
            err = -EMLINK;
        if (!err && ndir_is) {
            err = dir_is_empty(ni);
            err = err == 0 ? -ENOTEMPTY : err == 1 ? 0 : err;
        }
        if (!err && ni)
            err = retarget_entry(ndir, nname, nlen, (uint32_t)oi->vfs.ino, oi->vfs.mode);
        else if (!err)
            err = ext2_dir_add(ndir, nname, nlen, (uint32_t)oi->vfs.ino, oi->vfs.mode);
        if (!err)
            err = remove_entry(odir, oname, olen);
        if (!err && ni) {
            if (ndir_is) {
                ni->vfs.nlink = 0;
                dir_nlink_dec(ndir);
            } else if (ni->vfs.nlink > 0) {
                ni->vfs.nlink--;
            }
            ext2_orphan_add(ni);
            ext2_touch(ni, false, true);
            err = ext2_write_inode(ni);
        }
        if (!err && odir_is && odir != ndir) {
            err = set_dotdot(oi, (uint32_t)ndir->vfs.ino);
            dir_nlink_dec(odir);
            dir_nlink_inc(ndir);
        }
    }
    ext2_touch(oi, false, true);
    int e = ext2_write_inode(oi);
    if (!err && !(e = ext2_write_inode(odir)))
        e = ext2_write_inode(ndir);
    spin_unlock(&s->lock);
    return err ? err : e;
}

static int ext2_dir_setattr(struct vfs_inode *inode, const struct vfs_attr *a)
{
    if (a->valid & VFS_ATTR_SIZE)
        return -EISDIR;
    return ext2_file_ops.setattr(inode, a);
}

const struct vfs_inode_ops ext2_dir_ops = {
    .lookup = ext2_lookup,
    .create = ext2_create,
    .mkdir = ext2_mkdir,
    .mknod = ext2_mknod,
    .symlink = ext2_symlink,
    .link = ext2_link,
    .unlink = ext2_unlink,
    .rmdir = ext2_rmdir,
    .rename = ext2_rename,
    .readdir = ext2_readdir,
    .setattr = ext2_dir_setattr,
};
