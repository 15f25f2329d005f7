/* tmpfs: superblock, the node table (ino -> node), inode life cycle, statfs and limits. */
#include <string.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include "tmpfs.h"

#define INITIAL_BUCKETS 64

static struct list_node *bucket(struct tmpfs_sb *fs, uint64_t ino)
{
    return &fs->buckets[(ino * 0x9E3779B97F4A7C15ull >> 32) & (fs->nbuckets - 1)];
}

static struct tmpfs_node *node_find(struct tmpfs_sb *fs, uint64_t ino)
{
    struct list_node *l;
    list_for_each(l, bucket(fs, ino))
    {
        struct tmpfs_node *n = list_entry(l, struct tmpfs_node, hash_link);
        if (n->ino == ino)
            return n;
    }
    return NULL;
}

/* Doubles the table when it is fuller than one node per bucket (best effort). */
static void maybe_grow(struct tmpfs_sb *fs)
{
    if (fs->nnodes < fs->nbuckets)
        return;
    uint64_t nb = fs->nbuckets * 2;
    struct list_node *b = fs_zalloc(nb * sizeof(*b));
    if (!b)
        return;
    for (uint64_t i = 0; i < nb; i++)
        list_init(&b[i]);
    struct list_node *old = fs->buckets;
    uint64_t ob = fs->nbuckets;
    fs->buckets = b;
    fs->nbuckets = nb;
    for (uint64_t i = 0; i < ob; i++) {
        struct list_node *l, *t;
        list_for_each_safe(l, t, &old[i])
        {
            struct tmpfs_node *n = list_entry(l, struct tmpfs_node, hash_link);
            list_remove(l);
            list_push_back(bucket(fs, n->ino), l);
        }
    }
    fs_free(old);
}

struct tmpfs_node *tmpfs_node_new(struct tmpfs_sb *fs, uint32_t mode, const struct vfs_cred *cred,
                                  int *err)
{
    if (fs->max_inodes && fs->nnodes >= fs->max_inodes) {
        *err = -ENOSPC;
        return NULL;
    }
    struct tmpfs_node *n = fs_zalloc(sizeof(*n));
    if (!n) {
        *err = -ENOMEM;
        return NULL;
    }
    n->ino = fs->next_ino++;
    n->mode = mode;
    if (cred) {
        n->uid = cred->uid;
        n->gid = cred->gid;
    }
    fs_now(&n->mtime);
    n->atime = n->ctime = n->btime = n->mtime;
    if (VFS_S_ISDIR(mode)) {
        list_init(&n->dir.entries);
        n->dir.next_cookie = 2; /* 0 and 1 are "." and ".." */
    }
    maybe_grow(fs);
    list_push_back(bucket(fs, n->ino), &n->hash_link);
    fs->nnodes++;
    return n;
}

void tmpfs_node_free(struct tmpfs_sb *fs, struct tmpfs_node *n)
{
    list_remove(&n->hash_link);
    fs->nnodes--;
    if (VFS_S_ISDIR(n->mode)) {
        struct list_node *l, *t;
        list_for_each_safe(l, t, &n->dir.entries)
        {
            list_remove(l);
            fs_free(list_entry(l, struct tmpfs_dirent, link));
        }
    } else if (VFS_S_ISREG(n->mode)) {
        tmpfs_free_pages_from(fs, n, 0);
    } else if (VFS_S_ISLNK(n->mode)) {
        fs_free(n->link.target);
    }
    fs_free(n);
}

void tmpfs_node_release(struct tmpfs_sb *fs, struct tmpfs_node *n)
{
    if (n->nlink == 0 && n->vrefs == 0)
        tmpfs_node_free(fs, n);
}

void tmpfs_sync_vi(struct vfs_inode *vi)
{
    struct tmpfs_node *n = TMPFS_N(vi);
    vi->mode = n->mode;
    vi->uid = n->uid;
    vi->gid = n->gid;
    vi->nlink = n->nlink;
    vi->size = n->size;
    vi->blocks = n->pages * (TMPFS_PAGE_SIZE / 512);
    vi->rdev = n->rdev;
    vi->atime = n->atime;
    vi->mtime = n->mtime;
    vi->ctime = n->ctime;
    vi->btime = n->btime;
}

struct vfs_inode *tmpfs_alloc_inode(struct vfs_superblock *sb)
{
    (void)sb;
    struct tmpfs_inode *ti = fs_zalloc(sizeof(*ti));
    return ti ? &ti->vfs : NULL;
}

/* Also where unlinked nodes go: the VFS destroys an inode after its last reference. */
void tmpfs_destroy_inode(struct vfs_inode *inode)
{
    struct tmpfs_sb *fs = TMPFS_FS(inode);
    struct tmpfs_node *n = TMPFS_N(inode);
    if (n) {
        spin_lock(&fs->lock);
        KASSERT(n->vrefs > 0);
        n->vrefs--;
        tmpfs_node_release(fs, n);
        spin_unlock(&fs->lock);
    }
    fs_free(inode);
}

int tmpfs_read_inode(struct vfs_inode *inode)
{
    struct tmpfs_sb *fs = TMPFS_FS(inode);
    spin_lock(&fs->lock);
    struct tmpfs_node *n = node_find(fs, inode->ino);
    if (n) {
        ((struct tmpfs_inode *)inode)->node = n;
        n->vrefs++;
        tmpfs_sync_vi(inode);
    }
    spin_unlock(&fs->lock);
    if (!n)
        return -ENOENT;
    switch (n->mode & VFS_S_IFMT) {
    case VFS_S_IFDIR:
        inode->ops = &tmpfs_dir_ops;
        break;
    case VFS_S_IFREG:
        inode->ops = &tmpfs_file_ops;
        break;
    case VFS_S_IFLNK:
        inode->ops = &tmpfs_symlink_ops;
        break;
    default:
        inode->ops = fs->special_ops;
        break;
    }
    return 0;
}

int tmpfs_statfs(struct vfs_superblock *sb, struct vfs_statfs *st)
{
    struct tmpfs_sb *fs = TMPFS_SB(sb);
    memset(st, 0, sizeof(*st));
    spin_lock(&fs->lock);
    st->type = TMPFS_MAGIC;
    st->bsize = st->frsize = TMPFS_PAGE_SIZE;
    st->blocks = fs->max_pages ? fs->max_pages : fs->pages_used + TMPFS_UNLIMITED_PAGES;
    st->bfree = st->bavail = st->blocks - fs->pages_used;
    st->files = fs->max_inodes ? fs->max_inodes : fs->nnodes + TMPFS_UNLIMITED_PAGES;
    st->ffree = st->files - fs->nnodes;
    st->fsid = sb->dev;
    st->namelen = VFS_NAME_MAX;
    spin_unlock(&fs->lock);
    return 0;
}

void tmpfs_put_super(struct vfs_superblock *sb)
{
    struct tmpfs_sb *fs = TMPFS_SB(sb);
    spin_lock(&fs->lock);
    for (uint64_t i = 0; i < fs->nbuckets; i++) {
        while (!list_empty(&fs->buckets[i]))
            tmpfs_node_free(fs, list_entry(fs->buckets[i].next, struct tmpfs_node, hash_link));
    }
    KASSERT(fs->pages_used == 0);
    spin_unlock(&fs->lock);
    fs_free(fs->buckets);
    fs_free(fs);
}

int tmpfs_set_limits(struct vfs_superblock *sb, uint64_t max_bytes, uint64_t max_inodes)
{
    if (sb->ops->statfs != tmpfs_statfs)
        return -EINVAL;
    struct tmpfs_sb *fs = TMPFS_SB(sb);
    uint64_t pages = max_bytes / TMPFS_PAGE_SIZE + (max_bytes % TMPFS_PAGE_SIZE != 0);
    int err = 0;
    spin_lock(&fs->lock);
    if ((pages && pages < fs->pages_used) || (max_inodes && max_inodes < fs->nnodes))
        err = -EINVAL;
    else {
        fs->max_pages = pages;
        fs->max_inodes = max_inodes;
    }
    spin_unlock(&fs->lock);
    return err;
}

int tmpfs_new_super(const struct vfs_super_ops *ops, const struct vfs_inode_ops *special_ops,
                    const char *type, uint32_t flags, uint32_t root_mode, struct tmpfs_sb **out)
{
    struct tmpfs_sb *fs = fs_zalloc(sizeof(*fs));
    if (!fs)
        return -ENOMEM;
    fs->buckets = fs_zalloc(INITIAL_BUCKETS * sizeof(*fs->buckets));
    if (!fs->buckets) {
        fs_free(fs);
        return -ENOMEM;
    }
    fs->nbuckets = INITIAL_BUCKETS;
    for (uint64_t i = 0; i < fs->nbuckets; i++)
        list_init(&fs->buckets[i]);
    spin_init(&fs->lock, "tmpfs");
    fs->next_ino = TMPFS_ROOT_INO;
    fs->special_ops = special_ops;
    int err;
    struct tmpfs_node *root = tmpfs_node_new(fs, VFS_S_IFDIR | root_mode, NULL, &err);
    if (!root) {
        fs_free(fs->buckets);
        fs_free(fs);
        return err;
    }
    root->nlink = 2;
    root->dir.parent = root;
    fs->root = root;
    fs->vfs.ops = ops;
    fs->vfs.type = type;
    fs->vfs.dev = vfs_anon_dev();
    fs->vfs.root_ino = root->ino;
    fs->vfs.flags = flags & VFS_SB_RDONLY;
    fs->vfs.block_size = TMPFS_PAGE_SIZE;
    *out = fs;
    return 0;
}

const struct vfs_super_ops tmpfs_super_ops = {
    .alloc_inode = tmpfs_alloc_inode,
    .destroy_inode = tmpfs_destroy_inode,
    .read_inode = tmpfs_read_inode,
    .statfs = tmpfs_statfs,
    .put_super = tmpfs_put_super,
};

static int tmpfs_mount(struct blockdev *bdev, uint32_t flags, struct vfs_superblock **out)
{
    (void)bdev;
    struct tmpfs_sb *fs;
    int err = tmpfs_new_super(&tmpfs_super_ops, &tmpfs_special_ops, "tmpfs", flags, 01777, &fs);
    if (!err)
        *out = &fs->vfs;
    return err;
}

const struct vfs_fs_type tmpfs_fs_type = {
    .name = "tmpfs",
    .mount = tmpfs_mount,
};
