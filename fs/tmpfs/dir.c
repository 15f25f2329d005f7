/* tmpfs: directories and the namespace operations. */
#include <string.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include "tmpfs.h"

struct tmpfs_dirent *tmpfs_dir_find(struct tmpfs_node *dir, const char *name, size_t len)
{
    struct list_node *l;
    list_for_each(l, &dir->dir.entries)
    {
        struct tmpfs_dirent *de = list_entry(l, struct tmpfs_dirent, link);
        if (de->len == len && !memcmp(de->name, name, len))
            return de;
    }
    return NULL;
}

static struct tmpfs_dirent *dirent_alloc(const char *name, size_t len)
{
    struct tmpfs_dirent *de = fs_zalloc(sizeof(*de) + len + 1);
    if (de) {
        memcpy(de->name, name, len);
        de->len = len;
        list_init(&de->link);
    }
    return de;
}

/* Appends de (pointing at node) to dir with the next cookie. */
static void dirent_add(struct tmpfs_node *dir, struct tmpfs_dirent *de, struct tmpfs_node *node)
{
    de->node = node;
    de->cookie = dir->dir.next_cookie++;
    list_push_back(&dir->dir.entries, &de->link);
    dir->size += TMPFS_DIRENT_SIZE;
}

static void dirent_del(struct tmpfs_node *dir, struct tmpfs_dirent *de)
{
    list_remove(&de->link);
    dir->size -= TMPFS_DIRENT_SIZE;
    fs_free(de);
}

static void touch(struct tmpfs_node *n, bool mtime)
{
    fs_now(&n->ctime);
    if (mtime)
        n->mtime = n->ctime;
}

int tmpfs_dir_make(struct tmpfs_sb *fs, struct tmpfs_node *dir, const char *name, size_t len,
                   uint32_t mode, uint64_t rdev, const struct vfs_cred *cred,
                   struct tmpfs_node **out)
{
    if (dir->nlink == 0)
        return -ENOENT;
    if (tmpfs_dir_find(dir, name, len))
        return -EEXIST;
    struct tmpfs_dirent *de = dirent_alloc(name, len);
    if (!de)
        return -ENOMEM;
    int err;
    struct tmpfs_node *n = tmpfs_node_new(fs, mode, cred, &err);
    if (!n) {
        fs_free(de);
        return err;
    }
    uint32_t type = mode & VFS_S_IFMT;
    if (type == VFS_S_IFCHR || type == VFS_S_IFBLK)
        n->rdev = rdev;
    if (type == VFS_S_IFDIR) {
        n->nlink = 2;
        n->dir.parent = dir;
        dir->nlink++;
    } else {
        n->nlink = 1;
    }
    dirent_add(dir, de, n);
    touch(dir, true);
    *out = n;
    return 0;
}

static bool dir_empty(struct tmpfs_node *d)
{
    return list_empty(&d->dir.entries);
}

/* Drops the link an entry held on n (a directory loses its "." too); n may go. */
static void drop_link(struct tmpfs_sb *fs, struct tmpfs_node *parent, struct tmpfs_node *n)
{
    if (VFS_S_ISDIR(n->mode)) {
        n->nlink = 0;
        parent->nlink--;
    } else {
        n->nlink--;
    }
    touch(n, false);
    tmpfs_node_release(fs, n);
}

int tmpfs_dir_remove(struct tmpfs_sb *fs, struct tmpfs_node *dir, const char *name, size_t len)
{
    struct tmpfs_dirent *de = tmpfs_dir_find(dir, name, len);
    if (!de)
        return -ENOENT;
    struct tmpfs_node *n = de->node;
    if (VFS_S_ISDIR(n->mode) && !dir_empty(n))
        return -ENOTEMPTY;
    dirent_del(dir, de);
    drop_link(fs, dir, n);
    touch(dir, true);
    return 0;
}

/* ---- inode operations ---- */

static int t_lookup(struct vfs_inode *dir, const char *name, size_t len, uint64_t *ino)
{
    struct tmpfs_sb *fs = TMPFS_FS(dir);
    spin_lock(&fs->lock);
    struct tmpfs_dirent *de = tmpfs_dir_find(TMPFS_N(dir), name, len);
    if (de)
        *ino = de->node->ino;
    spin_unlock(&fs->lock);
    return de ? 0 : -ENOENT;
}

/* Common body of the creating operations. */
static int make(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
                const struct vfs_cred *cred, const char *target, size_t tlen, uint64_t *ino)
{
    struct tmpfs_sb *fs = TMPFS_FS(dir);
    char *t = NULL;
    if (target && !(t = fs_strndup(target, tlen)))
        return -ENOMEM;
    spin_lock(&fs->lock);
    struct tmpfs_node *n;
    int err = tmpfs_dir_make(fs, TMPFS_N(dir), name, len, mode, rdev, cred, &n);
    if (!err) {
        if (t) {
            n->link.target = t;
            n->size = tlen;
            t = NULL;
        }
        *ino = n->ino;
        tmpfs_sync_vi(dir);
    }
    spin_unlock(&fs->lock);
    fs_free(t);
    return err;
}

static int t_create(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode,
                    const struct vfs_cred *cred, uint64_t *ino)
{
    return make(dir, name, len, VFS_S_IFREG | (mode & 07777), 0, cred, NULL, 0, ino);
}

static int t_mkdir(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode,
                   const struct vfs_cred *cred, uint64_t *ino)
{
    return make(dir, name, len, VFS_S_IFDIR | (mode & 07777), 0, cred, NULL, 0, ino);
}

static int t_mknod(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode,
                   uint64_t rdev, const struct vfs_cred *cred, uint64_t *ino)
{
    uint32_t type = mode & VFS_S_IFMT;
    if (type != VFS_S_IFCHR && type != VFS_S_IFBLK && type != VFS_S_IFIFO && type != VFS_S_IFSOCK &&
        type != VFS_S_IFREG)
        return -EINVAL;
    return make(dir, name, len, type | (mode & 07777), rdev, cred, NULL, 0, ino);
}

static int t_symlink(struct vfs_inode *dir, const char *name, size_t len, const char *target,
                     size_t tlen, const struct vfs_cred *cred, uint64_t *ino)
{
    if (tlen == 0)
        return -ENOENT;
    if (tlen >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    return make(dir, name, len, VFS_S_IFLNK | 0777, 0, cred, target, tlen, ino);
}

static int t_link(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *target)
{
    struct tmpfs_sb *fs = TMPFS_FS(dir);
    struct tmpfs_node *d = TMPFS_N(dir), *n = TMPFS_N(target);
    if (VFS_S_ISDIR(n->mode))
        return -EPERM;
    struct tmpfs_dirent *de = dirent_alloc(name, len);
    if (!de)
        return -ENOMEM;
    int err = 0;
    spin_lock(&fs->lock);
    if (d->nlink == 0 || n->nlink == 0)
        err = -ENOENT;
    else if (tmpfs_dir_find(d, name, len))
        err = -EEXIST;
    else if (n->nlink >= 0xffffffffu)
        err = -EMLINK;
    if (!err) {
        dirent_add(d, de, n);
        de = NULL;
        n->nlink++;
        touch(n, false);
        touch(d, true);
        tmpfs_sync_vi(dir);
        tmpfs_sync_vi(target);
    }
    spin_unlock(&fs->lock);
    fs_free(de);
    return err;
}

/* unlink and rmdir: victim must be what name refers to. */
static int t_remove(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *victim,
                    bool want_dir)
{
    struct tmpfs_sb *fs = TMPFS_FS(dir);
    spin_lock(&fs->lock);
    struct tmpfs_dirent *de = tmpfs_dir_find(TMPFS_N(dir), name, len);
    int err = 0;
    if (!de || de->node != TMPFS_N(victim))
        err = -ENOENT;
    else if (VFS_S_ISDIR(de->node->mode) != want_dir)
        err = want_dir ? -ENOTDIR : -EISDIR;
    else
        err = tmpfs_dir_remove(fs, TMPFS_N(dir), name, len);
    if (!err) {
        tmpfs_sync_vi(dir);
        tmpfs_sync_vi(victim);
    }
    spin_unlock(&fs->lock);
    return err;
}

static int t_unlink(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *victim)
{
    return t_remove(dir, name, len, victim, false);
}

static int t_rmdir(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *victim)
{
    return t_remove(dir, name, len, victim, true);
}

/* Moves directory n from parent `from` to `to` (the ".." link moves). */
static void reparent(struct tmpfs_node *n, struct tmpfs_node *from, struct tmpfs_node *to)
{
    if (!VFS_S_ISDIR(n->mode) || from == to)
        return;
    n->dir.parent = to;
    from->nlink--;
    to->nlink++;
}

static int exchange(struct tmpfs_node *od, struct tmpfs_dirent *ode, struct tmpfs_node *nd,
                    struct tmpfs_dirent *nde)
{
    struct tmpfs_node *a = ode->node, *b = nde->node;
    ode->node = b;
    nde->node = a;
    reparent(a, od, nd);
    reparent(b, nd, od);
    touch(a, false);
    touch(b, false);
    return 0;
}

static int t_rename(struct vfs_inode *old_dir, const char *old_name, size_t old_len,
                    struct vfs_inode *old_inode, struct vfs_inode *new_dir, const char *new_name,
                    size_t new_len, struct vfs_inode *new_inode, unsigned flags)
{
    struct tmpfs_sb *fs = TMPFS_FS(old_dir);
    struct tmpfs_node *od = TMPFS_N(old_dir), *nd = TMPFS_N(new_dir);
    struct tmpfs_dirent *fresh = dirent_alloc(new_name, new_len);
    if (!fresh)
        return -ENOMEM;
    int err = 0;
    spin_lock(&fs->lock);
    struct tmpfs_dirent *ode = tmpfs_dir_find(od, old_name, old_len);
    struct tmpfs_dirent *nde = tmpfs_dir_find(nd, new_name, new_len);
    struct tmpfs_node *on = ode ? ode->node : NULL, *victim = nde ? nde->node : NULL;
    if (!ode || on != TMPFS_N(old_inode) || nd->nlink == 0)
        err = -ENOENT;
    else if (victim != (new_inode ? TMPFS_N(new_inode) : NULL))
        err = -ENOENT; /* the VFS's view is stale */
    else if ((flags & VFS_RENAME_NOREPLACE) && victim)
        err = -EEXIST;
    else if ((flags & VFS_RENAME_EXCHANGE) && !victim)
        err = -ENOENT;
    else if (!(flags & VFS_RENAME_EXCHANGE) && victim && VFS_S_ISDIR(victim->mode) &&
             !dir_empty(victim))
        err = -ENOTEMPTY;
    if (!err && (flags & VFS_RENAME_EXCHANGE)) {
        exchange(od, ode, nd, nde);
    } else if (!err) {
        if (victim) {
            nde->node = on;
            drop_link(fs, nd, victim);
        } else {
            dirent_add(nd, fresh, on);
            fresh = NULL;
        }
        dirent_del(od, ode);
        reparent(on, od, nd);
        touch(on, false);
    }
    if (!err) {
        touch(od, true);
        touch(nd, true);
        tmpfs_sync_vi(old_dir);
        tmpfs_sync_vi(new_dir);
        tmpfs_sync_vi(old_inode);
        if (new_inode)
            tmpfs_sync_vi(new_inode);
    }
    spin_unlock(&fs->lock);
    fs_free(fresh);
    return err;
}

/* A batch of entries copied out under the lock, delivered without it. */
struct rd_entry {
    uint64_t ino, cookie;
    uint8_t type, len;
    char name[VFS_NAME_MAX];
};
#define RD_BATCH 14 /* fits a page */

/* Copies up to RD_BATCH entries from position pos on; returns how many. */
static unsigned rd_fill(struct tmpfs_node *d, uint64_t pos, struct rd_entry *b)
{
    unsigned n = 0;
    if (d->nlink == 0)
        return 0;
    if (pos == 0)
        b[n++] = (struct rd_entry){d->ino, 0, VFS_DT_DIR, 1, "."};
    if (pos <= 1)
        b[n++] = (struct rd_entry){d->dir.parent->ino, 1, VFS_DT_DIR, 2, ".."};
    struct list_node *l;
    list_for_each(l, &d->dir.entries)
    {
        struct tmpfs_dirent *de = list_entry(l, struct tmpfs_dirent, link);
        if (n == RD_BATCH)
            break;
        if (de->cookie < pos)
            continue;
        struct rd_entry *e = &b[n++];
        e->ino = de->node->ino;
        e->cookie = de->cookie;
        e->type = (uint8_t)vfs_mode_to_dt(de->node->mode);
        e->len = (uint8_t)de->len;
        memcpy(e->name, de->name, de->len);
    }
    return n;
}

/*
 * Positions: 0 is ".", 1 is "..", then each entry's cookie (increasing along the list). An
 * entry's pos_next is its cookie + 1, so resuming after a removed entry continues with the
 * next one, and entries added meanwhile (higher cookies) are seen.
 */
static int t_readdir(struct vfs_inode *dir, uint64_t *pos, vfs_filldir_fn fn, void *ctx)
{
    struct tmpfs_sb *fs = TMPFS_FS(dir);
    struct rd_entry *b = fs_zalloc(RD_BATCH * sizeof(*b));
    if (!b)
        return -ENOMEM;
    for (;;) {
        spin_lock(&fs->lock);
        unsigned n = rd_fill(TMPFS_N(dir), *pos, b);
        spin_unlock(&fs->lock);
        if (n == 0)
            break;
        for (unsigned i = 0; i < n; i++) {
            if (fn(ctx, b[i].name, b[i].len, b[i].ino, b[i].type, b[i].cookie + 1))
                goto out;
            *pos = b[i].cookie + 1;
        }
    }
out:
    fs_free(b);
    return 0;
}

const struct vfs_inode_ops tmpfs_dir_ops = {
    .lookup = t_lookup,
    .create = t_create,
    .mkdir = t_mkdir,
    .mknod = t_mknod,
    .symlink = t_symlink,
    .link = t_link,
    .unlink = t_unlink,
    .rmdir = t_rmdir,
    .rename = t_rename,
    .setattr = tmpfs_setattr,
    .getattr = tmpfs_getattr,
    .readdir = t_readdir,
};
