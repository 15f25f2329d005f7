/* FAT: boot sector, FSInfo, byte I/O through the block cache, inode numbers, mount/statfs/sync. */
#include "fat.h"

#define BCACHE_BUFFERS 1024

/* Moves len bytes at device byte offset off through the cache; whole cache blocks being
 * written are not read first. */
int fat_io(struct fat_sb *s, uint64_t off, void *buf, size_t len, bool write)
{
    uint8_t *p = buf;
    while (len) {
        uint64_t blk = off / s->cbs;
        uint32_t in = (uint32_t)(off % s->cbs);
        size_t n = MIN((size_t)(s->cbs - in), len);
        struct bbuf *b;
        int err =
            (write && n == s->cbs) ? bcache_zero(s->bc, blk, &b) : bcache_read(s->bc, blk, &b);
        if (err)
            return err;
        if (write) {
            memcpy(b->data + in, p, n);
            bcache_dirty(s->bc, b);
        } else {
            memcpy(p, b->data + in, n);
        }
        bcache_put(s->bc, b);
        off += n;
        p += n;
        len -= n;
    }
    return 0;
}

/* Writes len zero bytes at off. */
int fat_zero(struct fat_sb *s, uint64_t off, size_t len)
{
    while (len) {
        uint64_t blk = off / s->cbs;
        uint32_t in = (uint32_t)(off % s->cbs);
        size_t n = MIN((size_t)(s->cbs - in), len);
        struct bbuf *b;
        int err = n == s->cbs ? bcache_zero(s->bc, blk, &b) : bcache_read(s->bc, blk, &b);
        if (err)
            return err;
        memset(b->data + in, 0, n);
        bcache_dirty(s->bc, b);
        bcache_put(s->bc, b);
        off += n;
        len -= n;
    }
    return 0;
}

/* ---- Inode numbers ----
 * An object's number is its short entry's byte position / 32, unless an in-memory inode
 * already holds that number (an object renamed or unlinked while in use): then a fresh number
 * is reserved for the position until the inode is loaded. Live inodes are hashed by number
 * and by current position. */

static unsigned hash64(uint64_t v)
{
    v ^= v >> 29;
    v *= 0x9E3779B97F4A7C15ull;
    return (unsigned)(v >> 56) % INO_HASH;
}

static struct fat_inode *live_by_pos(struct fat_sb *s, uint64_t pos)
{
    struct list_node *n;
    list_for_each(n, &s->by_pos[hash64(pos)])
    {
        struct fat_inode *fi = list_entry(n, struct fat_inode, pos_link);
        if (fi->pos == pos)
            return fi;
    }
    return NULL;
}

static bool live_ino(struct fat_sb *s, uint64_t ino)
{
    struct list_node *n;
    list_for_each(n, &s->by_ino[hash64(ino)])
    {
        if (list_entry(n, struct fat_inode, ino_link)->vfs.ino == ino)
            return true;
    }
    return false;
}

static struct fat_ino_resv *resv_by_pos(struct fat_sb *s, uint64_t pos)
{
    struct list_node *n;
    list_for_each(n, &s->resv)
    {
        struct fat_ino_resv *r = list_entry(n, struct fat_ino_resv, link);
        if (r->pos == pos)
            return r;
    }
    return NULL;
}

/* Inode number of the object whose short entry is at pos (0 on ENOMEM). */
uint64_t fat_ino_for(struct fat_sb *s, uint64_t pos)
{
    struct fat_inode *fi = live_by_pos(s, pos);
    if (fi)
        return fi->vfs.ino;
    struct fat_ino_resv *r = resv_by_pos(s, pos);
    if (r && !live_ino(s, r->ino))
        return r->ino;
    if (r) {
        list_remove(&r->link);
        fs_free(r);
    }
    if (!live_ino(s, pos / DIRENT_SIZE))
        return pos / DIRENT_SIZE;
    r = fs_zalloc(sizeof(*r));
    if (!r)
        return 0;
    r->ino = s->next_fresh++;
    r->pos = pos;
    list_push_back(&s->resv, &r->link);
    return r->ino;
}

/* Drops reservations for an entry position that no longer holds an object. */
void fat_forget_pos(struct fat_sb *s, uint64_t pos)
{
    struct fat_ino_resv *r;
    while ((r = resv_by_pos(s, pos))) {
        list_remove(&r->link);
        fs_free(r);
    }
}

/* Position of inode number ino (a reservation is consumed); 0 when it has none. */
static uint64_t pos_of_ino(struct fat_sb *s, uint64_t ino)
{
    struct list_node *n;
    list_for_each(n, &s->resv)
    {
        struct fat_ino_resv *r = list_entry(n, struct fat_ino_resv, link);
        if (r->ino == ino) {
            uint64_t pos = r->pos;
            list_remove(&r->link);
            fs_free(r);
            return pos;
        }
    }
    return ino < FAT_INO_FRESH ? ino * DIRENT_SIZE : 0;
}

/* Moves a live inode to a new entry position (0: detached). */
void fat_set_pos(struct fat_sb *s, struct fat_inode *fi, uint64_t pos)
{
    list_remove(&fi->pos_link);
    fi->pos = pos;
    if (pos)
        list_push_back(&s->by_pos[hash64(pos)], &fi->pos_link);
}

/* A live directory inode whose first cluster is start (the root for 0). */
struct fat_inode *fat_find_dir_by_start(struct fat_sb *s, uint32_t start)
{
    for (unsigned i = 0; i < INO_HASH; i++) {
        struct list_node *n;
        list_for_each(n, &s->by_ino[i])
        {
            struct fat_inode *fi = list_entry(n, struct fat_inode, ino_link);
            if (VFS_S_ISDIR(fi->vfs.mode) && fi->start == start)
                return fi;
        }
    }
    return NULL;
}

struct vfs_inode *fat_alloc_inode(struct vfs_superblock *sb)
{
    (void)sb;
    struct fat_inode *fi = fs_zalloc(sizeof(*fi));
    if (!fi)
        return NULL;
    list_init(&fi->pos_link);
    list_init(&fi->ino_link);
    return &fi->vfs;
}

void fat_destroy_inode(struct vfs_inode *inode)
{
    struct fat_inode *fi = FAT_I(inode);
    struct fat_sb *s = isb(fi);
    spin_lock(&s->lock);
    list_remove(&fi->pos_link);
    list_remove(&fi->ino_link);
    spin_unlock(&s->lock);
    fs_free(fi);
}

/* Fills a root inode (no directory entry). */
static int read_root(struct fat_sb *s, struct fat_inode *fi)
{
    fi->attr = ATTR_DIRECTORY;
    fi->start = s->root_clus;
    fi->vfs.mode = VFS_S_IFDIR | 0755;
    fi->vfs.atime = fi->vfs.mtime = fi->vfs.ctime = fi->vfs.btime = s->root_time;
    uint32_t subdirs, n = 0;
    int err = fat_dir_count_subdirs(s, fi->start, &subdirs);
    if (!err && fi->start)
        err = fat_chain_len(s, fi->start, &n);
    if (err)
        return err;
    fi->vfs.nlink = 2 + subdirs;
    fi->vfs.size = fi->start ? (uint64_t)n * s->cs : (uint64_t)s->root_entries * DIRENT_SIZE;
    fi->vfs.blocks = (fi->vfs.size + 511) / 512;
    return 0;
}

int fat_read_inode(struct vfs_inode *inode)
{
    struct fat_inode *fi = FAT_I(inode);
    struct fat_sb *s = isb(fi);
    int err = 0;
    spin_lock(&s->lock);
    inode->ops = &fat_dir_ops;
    if (inode->ino == FAT_ROOT_INO) {
        err = read_root(s, fi);
    } else {
        uint64_t pos = pos_of_ino(s, inode->ino);
        uint8_t de[DIRENT_SIZE];
        if (!pos || pos < s->fat_start || pos % DIRENT_SIZE)
            err = -ESTALE;
        if (!err)
            err = fat_io(s, pos, de, DIRENT_SIZE, false);
        if (!err && (de[0] == DIR_FREE || de[0] == DIR_END || de[0] == '.' ||
                     (de[DIR_ATTR] & (ATTR_VOLUME_ID)) != 0))
            err = -ESTALE;
        if (!err) {
            fat_dirent_to_inode(s, de, fi);
            if (VFS_S_ISDIR(inode->mode)) {
                uint32_t subdirs, n = 0;
                err = fi->start ? fat_chain_len(s, fi->start, &n) : -EIO;
                if (!err)
                    err = fat_dir_count_subdirs(s, fi->start, &subdirs);
                if (!err) {
                    inode->nlink = 2 + subdirs;
                    inode->size = (uint64_t)n * s->cs;
                    inode->blocks = inode->size / 512;
                }
            } else {
                inode->ops = &fat_file_ops;
            }
        }
        if (!err)
            fat_set_pos(s, fi, pos);
    }
    if (!err)
        list_push_back(&s->by_ino[hash64(inode->ino)], &fi->ino_link);
    spin_unlock(&s->lock);
    return err;
}

/* ---- FSInfo and the superblock ---- */

static int write_fsinfo(struct fat_sb *s)
{
    if (!s->fsinfo_sec || !s->fsinfo_dirty)
        return 0;
    uint8_t buf[8];
    wr32(buf, 0, s->free_count);
    wr32(buf, 4, s->next_free);
    int err = fat_io(s, (uint64_t)s->fsinfo_sec * s->bps + FSI_FREE_COUNT, buf, 8, true);
    if (!err)
        s->fsinfo_dirty = false;
    return err;
}

static int fat_statfs(struct vfs_superblock *vsb, struct vfs_statfs *st)
{
    struct fat_sb *s = FAT_SB(vsb);
    spin_lock(&s->lock);
    memset(st, 0, sizeof(*st));
    st->type = MSDOS_SUPER_MAGIC;
    st->bsize = st->frsize = s->cs;
    st->blocks = s->nclusters;
    st->bfree = st->bavail = s->free_count;
    st->fsid = vsb->dev;
    st->namelen = VFS_NAME_MAX;
    spin_unlock(&s->lock);
    return 0;
}

static int fat_sync(struct vfs_superblock *vsb)
{
    struct fat_sb *s = FAT_SB(vsb);
    spin_lock(&s->lock);
    int err = (vsb->flags & VFS_SB_RDONLY) ? 0 : write_fsinfo(s);
    if (!err)
        err = bcache_sync(s->bc);
    spin_unlock(&s->lock);
    return err;
}

static void free_sb(struct fat_sb *s)
{
    while (!list_empty(&s->resv)) {
        struct fat_ino_resv *r = list_entry(s->resv.next, struct fat_ino_resv, link);
        list_remove(&r->link);
        fs_free(r);
    }
    if (s->bc)
        bcache_destroy(s->bc);
    fs_free(s);
}

static void fat_put_super(struct vfs_superblock *vsb)
{
    struct fat_sb *s = FAT_SB(vsb);
    if (!(vsb->flags & VFS_SB_RDONLY)) {
        spin_lock(&s->lock);
        write_fsinfo(s);
        spin_unlock(&s->lock);
    }
    free_sb(s);
}

static const struct vfs_super_ops fat_super_ops = {
    .alloc_inode = fat_alloc_inode,
    .destroy_inode = fat_destroy_inode,
    .read_inode = fat_read_inode,
    .evict_inode = fat_evict_inode,
    .statfs = fat_statfs,
    .sync = fat_sync,
    .put_super = fat_put_super,
};

static bool pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

/* Validates the BPB in bs (512 bytes) and derives the geometry (spec section 3). */
static int parse_bpb(struct fat_sb *s, const uint8_t *bs, uint64_t dev_bytes)
{
    if (rd16(bs, BS_SIGNATURE) != 0xAA55 || (bs[BS_JMP] != 0xEB && bs[BS_JMP] != 0xE9))
        return -EINVAL;
    s->bps = rd16(bs, BPB_BYTSPERSEC);
    s->spc = bs[BPB_SECPERCLUS];
    uint32_t rsvd = rd16(bs, BPB_RSVDSECCNT);
    s->nfats = bs[BPB_NUMFATS];
    s->root_entries = rd16(bs, BPB_ROOTENTCNT);
    uint32_t totsec = rd16(bs, BPB_TOTSEC16) ? rd16(bs, BPB_TOTSEC16) : rd32(bs, BPB_TOTSEC32);
    uint32_t fatsz = rd16(bs, BPB_FATSZ16) ? rd16(bs, BPB_FATSZ16) : rd32(bs, BPB_FATSZ32);
    if (s->bps < 512 || s->bps > 4096 || !pow2(s->bps) || !pow2(s->spc) || !rsvd || !s->nfats ||
        !fatsz || !totsec)
        return -EINVAL;
    s->cs = s->bps * s->spc;
    if (s->cs > 65536 * 4)
        return -EINVAL;
    uint32_t root_secs = (s->root_entries * DIRENT_SIZE + s->bps - 1) / s->bps;
    uint64_t meta = rsvd + (uint64_t)s->nfats * fatsz + root_secs;
    if (meta >= totsec || (uint64_t)totsec * s->bps > dev_bytes)
        return -EINVAL;
    s->nclusters = (uint32_t)((totsec - meta) / s->spc);
    s->fat_start = (uint64_t)rsvd * s->bps;
    s->fat_size = (uint64_t)fatsz * s->bps;
    s->root_start = s->fat_start + s->nfats * s->fat_size;
    s->data_start = s->root_start + (uint64_t)root_secs * s->bps;
    if (rd16(bs, BPB_FATSZ16) == 0) {
        s->fat_bits = 32;
        if (s->root_entries || rd16(bs, BPB_FSVER) != 0)
            return -EINVAL;
        uint16_t ext = rd16(bs, BPB_EXTFLAGS);
        s->mirror = !(ext & 0x80);
        s->active_fat = s->mirror ? 0 : (ext & 0xF);
        s->root_clus = rd32(bs, BPB_ROOTCLUS);
        s->fsinfo_sec = rd16(bs, BPB_FSINFO);
        if (s->fsinfo_sec == 0xFFFF || s->fsinfo_sec >= rsvd)
            s->fsinfo_sec = 0;
        if (s->nclusters > 0x0FFFFFF5)
            s->nclusters = 0x0FFFFFF5;
    } else {
        s->fat_bits = s->nclusters < 4085 ? 12 : 16;
        s->mirror = true;
        if (!s->root_entries)
            return -EINVAL;
    }
    if (s->active_fat >= s->nfats)
        return -EINVAL;
    /* the FAT must describe every cluster */
    if ((uint64_t)(s->nclusters + 2) * s->fat_bits > s->fat_size * 8)
        s->nclusters = (uint32_t)(s->fat_size * 8 / s->fat_bits - 2);
    if (s->fat_bits == 32 && !fat_valid_clus(s, s->root_clus))
        return -EINVAL;
    return 0;
}

/* Loads free count and next-free hint from FSInfo when they are plausible; counts otherwise. */
static int load_fsinfo(struct fat_sb *s)
{
    s->free_count = FSI_UNKNOWN;
    s->next_free = 2;
    if (s->fsinfo_sec) {
        uint8_t fsi[512];
        int err = fat_io(s, (uint64_t)s->fsinfo_sec * s->bps, fsi, sizeof(fsi), false);
        if (err)
            return err;
        if (rd32(fsi, FSI_LEADSIG) == FSI_LEADSIG_V && rd32(fsi, FSI_STRUCSIG) == FSI_STRUCSIG_V &&
            rd32(fsi, FSI_TRAILSIG) == FSI_TRAILSIG_V) {
            s->free_count = rd32(fsi, FSI_FREE_COUNT);
            uint32_t nf = rd32(fsi, FSI_NXT_FREE);
            if (fat_valid_clus(s, nf))
                s->next_free = nf;
        } else {
            s->fsinfo_sec = 0;
        }
    }
    if (s->free_count > s->nclusters)
        return fat_count_free(s);
    return 0;
}

static int fat_mount(struct blockdev *bdev, uint32_t flags, struct vfs_superblock **out)
{
    struct fat_sb *s = fs_zalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    list_init(&s->resv);
    for (unsigned i = 0; i < INO_HASH; i++) {
        list_init(&s->by_pos[i]);
        list_init(&s->by_ino[i]);
    }
    s->next_fresh = FAT_INO_FRESH;
    uint8_t bs[512];
    int err = blockdev_read_bytes(bdev, 0, bs, sizeof(bs));
    if (!err)
        err = parse_bpb(s, bs, bdev->nblocks * (uint64_t)bdev->block_size);
    if (!err) {
        s->cbs = MAX(s->bps, bdev->block_size);
        err = bcache_create(bdev, s->cbs, BCACHE_BUFFERS, &s->bc);
    }
    if (!err)
        err = load_fsinfo(s);
    if (err) {
        free_sb(s);
        return err;
    }
    spin_init(&s->lock, "fat");
    s->vfs.ops = &fat_super_ops;
    s->vfs.type = "vfat";
    s->vfs.bdev = bdev;
    s->vfs.dev = bdev->dev_id;
    s->vfs.root_ino = FAT_ROOT_INO;
    s->vfs.flags = flags;
    s->vfs.block_size = s->cs;
    *out = &s->vfs;
    return 0;
}

const struct vfs_fs_type fat_fs_type = {
    .name = "vfat",
    .mount = fat_mount,
};
