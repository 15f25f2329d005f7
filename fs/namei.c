/* Mount table, path walk and the system-call level operations (see fs/vfs.h). */
#include <string.h>
#include <fs/pagecache.h>
#include <fs/vfs.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include "vfs_internal.h"

static struct list_node mounts = LIST_INIT(mounts);
static struct vfs_mount *root_mount;

/* ---- Paths and mounts ---- */

static struct vfs_mount *mnt_get(struct vfs_mount *m)
{
    vfs_lock_global();
    m->refcount++;
    vfs_unlock_global();
    return m;
}

static void mnt_put(struct vfs_mount *m)
{
    vfs_lock_global();
    KASSERT(m->refcount > 0);
    m->refcount--;
    vfs_unlock_global();
}

void vfs_path_get(const struct vfs_path *p)
{
    mnt_get(p->mnt);
    vfs_dget(p->dentry);
}

void vfs_path_put(struct vfs_path *p)
{
    if (!p->dentry)
        return;
    vfs_dput(p->dentry);
    mnt_put(p->mnt);
    p->dentry = NULL;
    p->mnt = NULL;
}

int vfs_mount(const struct vfs_fs_type *type, struct blockdev *bdev, uint32_t flags,
              const struct vfs_path *at, struct vfs_mount **out)
{
    if (!at && root_mount)
        return -EBUSY;
    if (at && (!at->dentry->inode || !VFS_S_ISDIR(at->dentry->inode->mode)))
        return -ENOTDIR;
    struct vfs_mount *m = fs_zalloc(sizeof(*m));
    if (!m)
        return -ENOMEM;
    struct vfs_superblock *sb;
    int err = type->mount(bdev, flags, &sb);
    if (err) {
        fs_free(m);
        return err;
    }
    struct vfs_inode *root;
    if ((err = vfs_iget(sb, sb->root_ino, &root)) == 0 && !VFS_S_ISDIR(root->mode)) {
        vfs_iput(root);
        err = -EIO;
    }
    if (!err && !(sb->root = vfs_d_alloc_root(sb, root))) {
        vfs_iput(root);
        err = -ENOMEM;
    }
    if (err) {
        sb->ops->put_super(sb);
        fs_free(m);
        return err;
    }
    m->sb = sb;
    m->root = sb->root;
    m->refcount = 1; /* the mount table's */
    if (at) {
        m->parent = mnt_get(at->mnt);
        m->mountpoint = vfs_dget(at->dentry);
    } else {
        m->parent = m;
        m->mountpoint = m->root;
    }
    vfs_lock_global();
    if (at)
        at->dentry->mounted++;
    else
        root_mount = m;
    list_push_back(&mounts, &m->link);
    vfs_unlock_global();
    if (out)
        *out = m;
    return 0;
}

int vfs_umount(struct vfs_mount *m)
{
    vfs_dcache_prune(m->sb);
    vfs_lock_global();
    bool busy = m->refcount != 1 || m->root->refcount != 1 || m->sb->nr_dentries != 1;
    struct list_node *n;
    list_for_each(n, &mounts)
    {
        struct vfs_mount *o = list_entry(n, struct vfs_mount, link);
        if (o != m && o->parent == m)
            busy = true;
    }
    if (busy) {
        vfs_unlock_global();
        return -EBUSY;
    }
    list_remove(&m->link);
    if (m->parent != m)
        m->mountpoint->mounted--;
    else
        root_mount = NULL;
    vfs_unlock_global();
    if (m->parent != m) {
        vfs_dput(m->mountpoint);
        mnt_put(m->parent);
    }
    struct vfs_superblock *sb = m->sb;
    vfs_dput(m->root);
    vfs_dcache_prune(sb);
    KASSERT(sb->nr_dentries == 0);
    if (sb->ops->sync && !(sb->flags & VFS_SB_RDONLY))
        sb->ops->sync(sb);
    sb->ops->put_super(sb);
    fs_free(m);
    return 0;
}

/* Prepends "/name" to the text ending at buf + *pos: false when it does not fit. */
static bool prepend_name(char *buf, size_t *pos, const char *name, size_t len)
{
    if (*pos < len + 1)
        return false;
    *pos -= len;
    memcpy(buf + *pos, name, len);
    buf[--*pos] = '/';
    return true;
}

int vfs_path_name(const struct vfs_path *root, const struct vfs_path *p, char *buf, size_t size,
                  bool *outside)
{
    if (outside)
        *outside = false;
    if (size < 2)
        return -ENAMETOOLONG;
    size_t pos = size - 1;
    buf[pos] = '\0';
    vfs_lock_global();
    struct vfs_mount *m = p->mnt;
    struct vfs_dentry *d = p->dentry;
    int err = 0;
    while (!(m == root->mnt && d == root->dentry)) {
        if (d == m->root) { /* top of this filesystem: continue above its mount point */
            if (m->parent == m) {
                if (outside)
                    *outside = true;
                break;
            }
            d = m->mountpoint;
            m = m->parent;
            continue;
        }
        if (!prepend_name(buf, &pos, d->name, d->len)) {
            err = -ENAMETOOLONG;
            break;
        }
        d = d->parent;
    }
    vfs_unlock_global();
    if (err)
        return err;
    if (pos == size - 1)
        buf[--pos] = '/';
    size_t len = size - 1 - pos;
    memmove(buf, buf + pos, len + 1);
    return (int)len;
}

int vfs_root(struct vfs_path *out)
{
    if (!root_mount)
        return -ENOENT;
    out->mnt = root_mount;
    out->dentry = root_mount->root;
    vfs_path_get(out);
    return 0;
}

int vfs_sync_all(void)
{
    int err = pagecache_sync_all(); /* cached file pages first, then filesystem metadata */
    /* Mounts are not removed while syncing by convention of the caller (no umount races). */
    struct list_node *n;
    list_for_each(n, &mounts)
    {
        struct vfs_mount *m = list_entry(n, struct vfs_mount, link);
        if (m->sb->ops->sync && !(m->sb->flags & VFS_SB_RDONLY)) {
            int e = m->sb->ops->sync(m->sb);
            if (e)
                err = e;
        }
    }
    return err;
}

/* If p's dentry has something mounted on it, moves p to the top mount's root. */
static void cross_mounts(struct vfs_path *p)
{
    for (;;) {
        struct vfs_mount *found = NULL;
        vfs_lock_global();
        if (p->dentry->mounted) {
            struct list_node *n;
            list_for_each(n, &mounts)
            {
                struct vfs_mount *m = list_entry(n, struct vfs_mount, link);
                if (m->parent == p->mnt && m->mountpoint == p->dentry && m->parent != m)
                    found = m; /* last mounted wins */
            }
            if (found)
                found->refcount++;
        }
        vfs_unlock_global();
        if (!found)
            return;
        struct vfs_path next = {found, vfs_dget(found->root)};
        vfs_path_put(p);
        *p = next;
    }
}

/* Moves p to its parent, staying at root and crossing mount roots upwards. */
static void walk_dotdot(struct vfs_path *p, const struct vfs_path *root)
{
    for (;;) {
        if (p->mnt == root->mnt && p->dentry == root->dentry)
            return;
        if (p->dentry != p->mnt->root)
            break;
        if (p->mnt->parent == p->mnt)
            return; /* global root */
        struct vfs_path up = {mnt_get(p->mnt->parent), vfs_dget(p->mnt->mountpoint)};
        vfs_path_put(p);
        *p = up;
    }
    struct vfs_path up = {p->mnt, vfs_dget(p->dentry->parent)};
    mnt_get(up.mnt);
    vfs_path_put(p);
    *p = up;
}

bool vfs_name_is_dot(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

static bool is_dir(const struct vfs_path *p)
{
    return p->dentry->inode && VFS_S_ISDIR(p->dentry->inode->mode);
}

struct walk {
    const struct vfs_path *root;
    struct vfs_path cur; /* referenced */
    unsigned links;
    const struct vfs_cred *cred; /* search permission is checked for it; NULL: no checks */
};

bool vfs_cred_in_group(const struct vfs_cred *cred, uint32_t gid)
{
    return gid == cred->gid || (cred->in_groups && cred->in_groups(cred->groups_arg, gid));
}

int vfs_permission(const struct vfs_cred *cred, const struct vfs_inode *i, unsigned want)
{
    if (!cred)
        return 0;
    if (cred->uid == 0) /* root: everything but executing what nobody may execute */
        return (want & VFS_MAY_EXEC) && !VFS_S_ISDIR(i->mode) && !(i->mode & 0111) ? -EACCES : 0;
    unsigned bits = i->uid == cred->uid               ? i->mode >> 6
                    : vfs_cred_in_group(cred, i->gid) ? i->mode >> 3
                                                      : i->mode;
    return (want & ~bits & 7) ? -EACCES : 0;
}

static int walk_components(struct walk *w, const char *path, unsigned flags, bool want_parent,
                           const char **last, size_t *last_len, bool *trailing);

/* Replaces w->cur (the directory holding symlink `link`) by the link's target. */
static int follow_link(struct walk *w, struct vfs_dentry *link, unsigned flags)
{
    if (++w->links > VFS_SYMLOOP_MAX)
        return -ELOOP;
    struct vfs_inode *li = link->inode;
    if (!li->ops->readlink)
        return -EINVAL;
    char *buf = fs_zalloc(VFS_PATH_MAX + 1);
    if (!buf)
        return -ENOMEM;
    int n = li->ops->readlink(li, buf, VFS_PATH_MAX);
    int err = n < 0 ? n : 0;
    if (!err && n == 0)
        err = -ENOENT;
    if (!err)
        err = walk_components(w, buf, flags, false, NULL, NULL, NULL);
    fs_free(buf);
    return err;
}

/*
 * Walks path from w->cur (or w->root when absolute). With want_parent, stops before the last
 * component and returns it; otherwise resolves it too, honouring flags.
 */
static int walk_components(struct walk *w, const char *path, unsigned flags, bool want_parent,
                           const char **last, size_t *last_len, bool *trailing)
{
    if (!*path)
        return -ENOENT;
    if (strnlen(path, VFS_PATH_MAX) >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    if (*path == '/') {
        vfs_path_put(&w->cur);
        w->cur = *w->root;
        vfs_path_get(&w->cur);
    }
    const char *s = path;
    for (;;) {
        while (*s == '/')
            s++;
        if (!*s) { /* path ended on a directory ("/", "a/", ".") */
            if (want_parent) {
                *last = s;
                *last_len = 0;
                *trailing = true;
            }
            return is_dir(&w->cur) ? 0 : -ENOTDIR;
        }
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - s);
        const char *next = e;
        while (*next == '/')
            next++;
        bool is_last = !*next;
        bool slash = is_last && *e == '/';
        if (len > VFS_NAME_MAX)
            return -ENAMETOOLONG;
        if (!is_dir(&w->cur))
            return -ENOTDIR;
        if (is_last && want_parent) {
            *last = s;
            *last_len = len;
            *trailing = slash;
            return 0;
        }
        int err = vfs_permission(w->cred, w->cur.dentry->inode, VFS_MAY_EXEC);
        if (err)
            return err;
        s = next;
        if (len == 1 && e[-1] == '.')
            continue;
        if (len == 2 && e[-1] == '.' && e[-2] == '.') {
            walk_dotdot(&w->cur, w->root);
            continue;
        }
        struct vfs_dentry *child;
        err = vfs_d_lookup(w->cur.dentry, e - len, len, &child);
        if (err)
            return err;
        if (!child->inode) {
            if (is_last && (flags & VFS_WALK_NEGATIVE) && !slash) {
                struct vfs_path np = {mnt_get(w->cur.mnt), child};
                vfs_path_put(&w->cur);
                w->cur = np;
                return 0;
            }
            if (is_last && (flags & VFS_WALK_NEGATIVE) && slash) {
                vfs_dput(child);
                return -EISDIR;
            }
            vfs_dput(child);
            return -ENOENT;
        }
        struct vfs_path cp = {mnt_get(w->cur.mnt), child};
        cross_mounts(&cp);
        struct vfs_inode *ci = cp.dentry->inode;
        if (VFS_S_ISLNK(ci->mode) && (!is_last || slash || !(flags & VFS_WALK_NOFOLLOW))) {
            unsigned f = is_last ? ((flags & ~VFS_WALK_NOFOLLOW) | (slash ? VFS_WALK_DIRECTORY : 0))
                                 : VFS_WALK_DIRECTORY;
            err = follow_link(w, cp.dentry, f);
            vfs_path_put(&cp);
            if (err)
                return err;
        } else {
            vfs_path_put(&w->cur);
            w->cur = cp;
        }
        if (is_last) {
            if ((slash || (flags & VFS_WALK_DIRECTORY)) && w->cur.dentry->inode && !is_dir(&w->cur))
                return -ENOTDIR;
            return 0;
        }
    }
}

/* vfs_walk checking search permission for cred (NULL: no checks). */
static int walk_as(const struct vfs_path *root, const struct vfs_path *cwd,
                   const struct vfs_cred *cred, const char *path, unsigned flags,
                   struct vfs_path *out)
{
    struct walk w = {root, *cwd, 0, cred};
    vfs_path_get(&w.cur);
    int err = walk_components(&w, path, flags, false, NULL, NULL, NULL);
    if (err) {
        vfs_path_put(&w.cur);
        return err;
    }
    if ((flags & VFS_WALK_DIRECTORY) && w.cur.dentry->inode && !is_dir(&w.cur)) {
        vfs_path_put(&w.cur);
        return -ENOTDIR;
    }
    *out = w.cur;
    return 0;
}

int vfs_walk(const struct vfs_path *root, const struct vfs_path *cwd, const char *path,
             unsigned flags, struct vfs_path *out)
{
    return walk_as(root, cwd, NULL, path, flags, out);
}

int vfs_walk_at(const struct vfs_ctx *c, const char *path, unsigned flags, struct vfs_path *out)
{
    return walk_as(&c->root, &c->cwd, &c->cred, path, flags, out);
}

/* vfs_walk_parent checking search permission for cred (NULL: no checks). */
static int walk_parent_as(const struct vfs_path *root, const struct vfs_path *cwd,
                          const struct vfs_cred *cred, const char *path, struct vfs_path *parent,
                          const char **name, size_t *len, bool *trailing_slash)
{
    struct walk w = {root, *cwd, 0, cred};
    vfs_path_get(&w.cur);
    int err = walk_components(&w, path, 0, true, name, len, trailing_slash);
    if (err) {
        vfs_path_put(&w.cur);
        return err;
    }
    *parent = w.cur;
    return 0;
}

int vfs_walk_parent(const struct vfs_path *root, const struct vfs_path *cwd, const char *path,
                    struct vfs_path *parent, const char **name, size_t *len, bool *trailing_slash)
{
    return walk_parent_as(root, cwd, NULL, path, parent, name, len, trailing_slash);
}

/* ---- System-call level operations ---- */

static int walk_ctx(const struct vfs_ctx *c, const char *path, unsigned flags, struct vfs_path *out)
{
    return vfs_walk_at(c, path, flags, out);
}

/* Parent directory and the looked-up (maybe negative) dentry of path's last component. */
struct target {
    struct vfs_path parent;
    struct vfs_dentry *d;
    const char *name;
    size_t len;
    bool slash;
};

static void target_put(struct target *t)
{
    if (t->d)
        vfs_dput(t->d);
    t->d = NULL;
    vfs_path_put(&t->parent);
}

/* Resolves a target for create/remove. dot_err is returned when the name is "." or "..". */
static int get_target(const struct vfs_ctx *c, const char *path, int dot_err, struct target *t)
{
    memset(t, 0, sizeof(*t));
    int err =
        walk_parent_as(&c->root, &c->cwd, &c->cred, path, &t->parent, &t->name, &t->len, &t->slash);
    if (err)
        return err;
    if (t->len == 0 || vfs_name_is_dot(t->name, t->len)) {
        vfs_path_put(&t->parent);
        return dot_err;
    }
    if (t->parent.dentry->inode->nlink == 0) {
        vfs_path_put(&t->parent);
        return -ENOENT;
    }
    err = vfs_d_lookup(t->parent.dentry, t->name, t->len, &t->d);
    if (err)
        vfs_path_put(&t->parent);
    return err;
}

static bool is_readonly(const struct vfs_path *p)
{
    return p->mnt->sb->flags & VFS_SB_RDONLY;
}

/* Fetches the new inode and attaches it to the negative dentry. */
static int instantiate(struct target *t, uint64_t ino)
{
    struct vfs_inode *inode;
    int err = vfs_iget(t->parent.mnt->sb, ino, &inode);
    if (err) {
        vfs_d_drop(t->d);
        return err;
    }
    vfs_d_instantiate(t->d, inode);
    return 0;
}

/* The filesystem's setattr, then the page cache's view of a size change. */
static int setattr_op(struct vfs_inode *i, const struct vfs_attr *a)
{
    if (!i->ops->setattr)
        return -EPERM;
    uint64_t old_size = i->size;
    int err = i->ops->setattr(i, a);
    if (!err && (a->valid & VFS_ATTR_SIZE) && VFS_S_ISREG(i->mode))
        pagecache_resize(i, old_size, i->size);
    return err;
}

static int file_alloc(struct vfs_path *p, unsigned flags, struct vfs_file **out)
{
    struct vfs_file *f = fs_zalloc(sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->path = *p;
    f->inode = p->dentry->inode;
    f->flags = flags;
    f->refcount = 1;
    spin_init(&f->lock, "file");
    *out = f;
    return 0;
}

/* The access an open of an existing file asks for (VFS_MAY_*): its access mode, and write
 * for O_TRUNC. */
static unsigned open_access(unsigned flags)
{
    unsigned acc = flags & VFS_O_ACCMODE;
    unsigned want = acc == VFS_O_WRONLY ? VFS_MAY_WRITE
                    : acc == VFS_O_RDWR ? VFS_MAY_READ | VFS_MAY_WRITE
                                        : VFS_MAY_READ;
    return want | ((flags & VFS_O_TRUNC) ? VFS_MAY_WRITE : 0);
}

int vfs_open(const struct vfs_ctx *c, const char *path, unsigned flags, uint32_t mode,
             struct vfs_file **out)
{
    struct vfs_path p;
    unsigned wf = 0;
    if ((flags & VFS_O_NOFOLLOW) || ((flags & VFS_O_CREAT) && (flags & VFS_O_EXCL)))
        wf |= VFS_WALK_NOFOLLOW;
    if (flags & VFS_O_DIRECTORY)
        wf |= VFS_WALK_DIRECTORY;
    if (flags & VFS_O_CREAT)
        wf |= VFS_WALK_NEGATIVE;
    int err = walk_ctx(c, path, wf, &p);
    if (err)
        return err;
    struct vfs_inode *inode = p.dentry->inode;
    bool writable = (flags & VFS_O_ACCMODE) != VFS_O_RDONLY;
    if (!inode) {
        struct vfs_inode *dir = p.dentry->parent->inode;
        uint64_t ino;
        if (is_readonly(&p))
            err = -EROFS;
        else if (dir->nlink == 0)
            err = -ENOENT;
        else if ((err = vfs_permission(&c->cred, dir, VFS_MAY_WRITE | VFS_MAY_EXEC)))
            ;
        else if (!dir->ops->create)
            err = -EPERM;
        else
            err = dir->ops->create(dir, p.dentry->name, p.dentry->len, VFS_S_IFREG | (mode & 07777),
                                   &c->cred, &ino);
        if (!err) {
            struct target t = {.d = p.dentry, .parent = p};
            err = instantiate(&t, ino);
        }
        if (err) {
            vfs_path_put(&p);
            return err;
        }
        inode = p.dentry->inode;
    } else {
        if ((flags & VFS_O_CREAT) && (flags & VFS_O_EXCL))
            err = -EEXIST;
        else if (VFS_S_ISLNK(inode->mode))
            err = -ELOOP;
        else if (VFS_S_ISDIR(inode->mode) && (writable || (flags & VFS_O_CREAT)))
            err = -EISDIR;
        else if ((err = vfs_permission(&c->cred, inode, open_access(flags))))
            ;
        else if ((writable || (flags & VFS_O_TRUNC)) && is_readonly(&p) && VFS_S_ISREG(inode->mode))
            err = -EROFS;
        else if ((flags & VFS_O_TRUNC) && VFS_S_ISREG(inode->mode) && inode->size) {
            /* Linux truncates even when opening read-only (write permission was checked). */
            struct vfs_attr a = {.valid = VFS_ATTR_SIZE, .size = 0};
            err = setattr_op(inode, &a);
        }
        if (err) {
            vfs_path_put(&p);
            return err;
        }
    }
    err = file_alloc(&p, flags, out);
    if (err)
        vfs_path_put(&p);
    return err;
}

int vfs_open_path(const struct vfs_ctx *c, const char *path, unsigned flags, struct vfs_file **out)
{
    unsigned wf = 0;
    if (flags & VFS_O_NOFOLLOW)
        wf |= VFS_WALK_NOFOLLOW;
    if (flags & VFS_O_DIRECTORY)
        wf |= VFS_WALK_DIRECTORY;
    struct vfs_path p;
    int err = walk_ctx(c, path, wf, &p);
    if (err)
        return err;
    err = file_alloc(&p, flags & (VFS_O_PATH | VFS_O_DIRECTORY | VFS_O_NOFOLLOW), out);
    if (err)
        vfs_path_put(&p);
    return err;
}

void vfs_file_get(struct vfs_file *f)
{
    vfs_lock_global();
    f->refcount++;
    vfs_unlock_global();
}

void vfs_file_put(struct vfs_file *f)
{
    vfs_lock_global();
    bool last = --f->refcount == 0;
    vfs_unlock_global();
    if (last) {
        vfs_path_put(&f->path);
        fs_free(f);
    }
}

int64_t vfs_pread(struct vfs_file *f, void *buf, size_t len, uint64_t off)
{
    struct vfs_inode *i = f->inode;
    if ((f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY)
        return -EBADF;
    if (VFS_S_ISDIR(i->mode))
        return -EISDIR;
    if (!i->ops->read)
        return -EINVAL;
    /* Regular files: coherent with cached (possibly mapped) pages. */
    return VFS_S_ISREG(i->mode) ? pagecache_read(i, buf, len, off) : i->ops->read(i, buf, len, off);
}

int64_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t len, uint64_t off)
{
    struct vfs_inode *i = f->inode;
    if ((f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
        return -EBADF;
    if (!i->ops->write)
        return -EINVAL;
    if (is_readonly(&f->path))
        return -EROFS;
    /* Regular files: write-through, then cached pages are updated. */
    return VFS_S_ISREG(i->mode) ? pagecache_write(i, buf, len, off)
                                : i->ops->write(i, buf, len, off);
}

int64_t vfs_read(struct vfs_file *f, void *buf, size_t len)
{
    spin_lock(&f->lock);
    uint64_t pos = f->pos;
    spin_unlock(&f->lock);
    int64_t n = vfs_pread(f, buf, len, pos);
    if (n > 0) {
        spin_lock(&f->lock);
        f->pos = pos + (uint64_t)n;
        spin_unlock(&f->lock);
    }
    return n;
}

int64_t vfs_write(struct vfs_file *f, const void *buf, size_t len)
{
    spin_lock(&f->lock);
    uint64_t pos = (f->flags & VFS_O_APPEND) ? f->inode->size : f->pos;
    spin_unlock(&f->lock);
    int64_t n = vfs_pwrite(f, buf, len, pos);
    if (n > 0) {
        spin_lock(&f->lock);
        f->pos = pos + (uint64_t)n;
        spin_unlock(&f->lock);
    }
    return n;
}

int vfs_punch_hole(struct vfs_file *f, uint64_t off, uint64_t len)
{
    struct vfs_inode *i = f->inode;
    if ((f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
        return -EBADF;
    if (!VFS_S_ISREG(i->mode) || !i->ops->punch_hole)
        return -EOPNOTSUPP;
    if (is_readonly(&f->path))
        return -EROFS;
    uint64_t size = i->size;
    if (off >= size)
        return 0;
    len = MIN(len, size - off);
    int err = i->ops->punch_hole(i, off, len);
    if (!err)
        pagecache_zero_range(i, off, len);
    return err;
}

/* SEEK_DATA/SEEK_HOLE: the filesystem's hole information, or (without it) the whole file as
 * data followed by the implicit hole at its end (what Linux reports for filesystems that do
 * not track holes). */
static int64_t seek_data_hole(struct vfs_file *f, int64_t off, int whence)
{
    struct vfs_inode *i = f->inode;
    uint64_t size = i->size;
    if (off < 0 || (uint64_t)off >= size)
        return -ENXIO;
    bool data = whence == VFS_SEEK_DATA;
    int64_t r = data ? off : (int64_t)size;
    if (VFS_S_ISREG(i->mode) && i->ops->seek_hole_data)
        r = i->ops->seek_hole_data(i, (uint64_t)off, data);
    if (r < 0)
        return r;
    spin_lock(&f->lock);
    f->pos = (uint64_t)r;
    spin_unlock(&f->lock);
    return r;
}

int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence)
{
    if (whence == VFS_SEEK_DATA || whence == VFS_SEEK_HOLE)
        return seek_data_hole(f, off, whence);
    spin_lock(&f->lock);
    int64_t base = whence == VFS_SEEK_SET   ? 0
                   : whence == VFS_SEEK_CUR ? (int64_t)f->pos
                   : whence == VFS_SEEK_END ? (int64_t)f->inode->size
                                            : -1;
    int64_t r = (base < 0 || base + off < 0) ? -EINVAL : base + off;
    if (r >= 0)
        f->pos = (uint64_t)r;
    spin_unlock(&f->lock);
    return r;
}

int vfs_readdir(struct vfs_file *f, vfs_filldir_fn fn, void *ctx)
{
    struct vfs_inode *i = f->inode;
    if (!VFS_S_ISDIR(i->mode) || !i->ops->readdir)
        return -ENOTDIR;
    uint64_t pos = f->pos;
    int err = i->ops->readdir(i, &pos, fn, ctx);
    f->pos = pos;
    return err;
}

static int getattr(struct vfs_inode *i, struct vfs_stat *st)
{
    if (i->ops->getattr)
        return i->ops->getattr(i, st);
    vfs_fill_stat(i, st);
    return 0;
}

int vfs_fstat(struct vfs_file *f, struct vfs_stat *st)
{
    return getattr(f->inode, st);
}

int vfs_path_setattr(const struct vfs_path *p, const struct vfs_attr *a)
{
    struct vfs_inode *i = p->dentry->inode;
    if (is_readonly(p))
        return -EROFS;
    if ((a->valid & VFS_ATTR_SIZE) && VFS_S_ISDIR(i->mode))
        return -EISDIR;
    if ((a->valid & VFS_ATTR_SIZE) && !VFS_S_ISREG(i->mode))
        return -EINVAL;
    return setattr_op(i, a);
}

int vfs_ftruncate(struct vfs_file *f, uint64_t size)
{
    if ((f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
        return -EINVAL;
    struct vfs_attr a = {.valid = VFS_ATTR_SIZE, .size = size};
    return vfs_path_setattr(&f->path, &a);
}

int vfs_stat(const struct vfs_ctx *c, const char *path, bool follow, struct vfs_stat *st)
{
    struct vfs_path p;
    int err = walk_ctx(c, path, follow ? 0 : VFS_WALK_NOFOLLOW, &p);
    if (err)
        return err;
    err = getattr(p.dentry->inode, st);
    vfs_path_put(&p);
    return err;
}

int vfs_truncate(const struct vfs_ctx *c, const char *path, uint64_t size)
{
    struct vfs_attr a = {.valid = VFS_ATTR_SIZE, .size = size};
    return vfs_setattr(c, path, true, &a);
}

int vfs_setattr(const struct vfs_ctx *c, const char *path, bool follow, const struct vfs_attr *attr)
{
    struct vfs_path p;
    int err = walk_ctx(c, path, follow ? 0 : VFS_WALK_NOFOLLOW, &p);
    if (err)
        return err;
    err = vfs_path_setattr(&p, attr);
    vfs_path_put(&p);
    return err;
}

int vfs_statfs(const struct vfs_ctx *c, const char *path, struct vfs_statfs *st)
{
    struct vfs_path p;
    int err = walk_ctx(c, path, 0, &p);
    if (err)
        return err;
    err = vfs_path_statfs(&p, st);
    vfs_path_put(&p);
    return err;
}

int vfs_path_statfs(const struct vfs_path *p, struct vfs_statfs *st)
{
    struct vfs_superblock *sb = p->mnt->sb;
    return sb->ops->statfs ? sb->ops->statfs(sb, st) : -ENOSYS;
}

int vfs_chdir(struct vfs_ctx *c, const char *path)
{
    struct vfs_path p;
    int err = walk_ctx(c, path, VFS_WALK_DIRECTORY, &p);
    if (!err && (err = vfs_permission(&c->cred, p.dentry->inode, VFS_MAY_EXEC)))
        vfs_path_put(&p);
    if (err)
        return err;
    vfs_path_put(&c->cwd);
    c->cwd = p;
    return 0;
}

int vfs_readlink(const struct vfs_ctx *c, const char *path, char *buf, size_t size)
{
    struct vfs_path p;
    int err = walk_ctx(c, path, VFS_WALK_NOFOLLOW, &p);
    if (err)
        return err;
    struct vfs_inode *i = p.dentry->inode;
    err = VFS_S_ISLNK(i->mode) && i->ops->readlink ? i->ops->readlink(i, buf, size) : -EINVAL;
    vfs_path_put(&p);
    return err;
}

/* Common part of mkdir/mknod/symlink: the name must not exist. */
static int create_target(const struct vfs_ctx *c, const char *path, struct target *t)
{
    int err = get_target(c, path, -EEXIST, t);
    if (err)
        return err;
    if (t->d->inode)
        err = -EEXIST;
    else if (is_readonly(&t->parent))
        err = -EROFS;
    else
        err = vfs_permission(&c->cred, t->parent.dentry->inode, VFS_MAY_WRITE | VFS_MAY_EXEC);
    if (err)
        target_put(t);
    return err;
}

int vfs_mkdir(const struct vfs_ctx *c, const char *path, uint32_t mode)
{
    struct target t;
    int err = create_target(c, path, &t);
    if (err)
        return err;
    struct vfs_inode *dir = t.parent.dentry->inode;
    uint64_t ino;
    err = dir->ops->mkdir ? dir->ops->mkdir(dir, t.name, t.len, mode & 07777, &c->cred, &ino)
                          : -EPERM;
    if (!err)
        err = instantiate(&t, ino);
    target_put(&t);
    return err;
}

int vfs_mknod(const struct vfs_ctx *c, const char *path, uint32_t mode, uint64_t rdev)
{
    uint32_t type = mode & VFS_S_IFMT;
    if (type == 0)
        type = VFS_S_IFREG;
    if (type == VFS_S_IFDIR || type == VFS_S_IFLNK)
        return -EINVAL;
    struct target t;
    int err = create_target(c, path, &t);
    if (err)
        return err;
    if (t.slash) {
        target_put(&t);
        return -ENOENT;
    }
    struct vfs_inode *dir = t.parent.dentry->inode;
    uint64_t ino;
    if (type == VFS_S_IFREG)
        err = dir->ops->create
                  ? dir->ops->create(dir, t.name, t.len, type | (mode & 07777), &c->cred, &ino)
                  : -EPERM;
    else
        err = dir->ops->mknod
                  ? dir->ops->mknod(dir, t.name, t.len, type | (mode & 07777), rdev, &c->cred, &ino)
                  : -EPERM;
    if (!err)
        err = instantiate(&t, ino);
    target_put(&t);
    return err;
}

int vfs_symlink(const struct vfs_ctx *c, const char *target, const char *path)
{
    size_t tlen = strnlen(target, VFS_PATH_MAX);
    if (tlen == 0)
        return -ENOENT;
    if (tlen >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    struct target t;
    int err = create_target(c, path, &t);
    if (err)
        return err;
    if (t.slash) {
        target_put(&t);
        return -ENOENT;
    }
    struct vfs_inode *dir = t.parent.dentry->inode;
    uint64_t ino;
    err = dir->ops->symlink ? dir->ops->symlink(dir, t.name, t.len, target, tlen, &c->cred, &ino)
                            : -EPERM;
    if (!err)
        err = instantiate(&t, ino);
    target_put(&t);
    return err;
}

int vfs_link(const struct vfs_ctx *c, const char *old_path, const char *new_path)
{
    struct vfs_path old;
    int err = walk_ctx(c, old_path, VFS_WALK_NOFOLLOW, &old);
    if (err)
        return err;
    err = vfs_link_path(&old, c, new_path);
    vfs_path_put(&old);
    return err;
}

int vfs_link_path(const struct vfs_path *old, const struct vfs_ctx *c, const char *new_path)
{
    struct target t;
    int err = create_target(c, new_path, &t);
    if (err)
        return err;
    struct vfs_inode *dir = t.parent.dentry->inode, *src = old->dentry->inode;
    if (old->mnt != t.parent.mnt)
        err = -EXDEV;
    else if (VFS_S_ISDIR(src->mode))
        err = -EPERM;
    else if (t.slash)
        err = -ENOENT;
    else if (src->nlink == 0)
        err = -ENOENT;
    else
        err = dir->ops->link ? dir->ops->link(dir, t.name, t.len, src) : -EPERM;
    if (!err) {
        vfs_ihold(src);
        vfs_d_instantiate(t.d, src);
    }
    target_put(&t);
    return err;
}

/* In a sticky directory only the owner of an entry or of the directory (or root) may remove
 * or replace the entry: 0 or -EPERM. */
static int sticky_check(const struct vfs_cred *cred, const struct vfs_inode *dir,
                        const struct vfs_inode *victim)
{
    if (cred->uid == 0 || !(dir->mode & 01000) || cred->uid == victim->uid || cred->uid == dir->uid)
        return 0;
    return -EPERM;
}

/* May cred remove (or replace) the entry t? Write and search on the directory, and the
 * sticky rule. */
static int may_delete(const struct vfs_cred *cred, struct target *t)
{
    struct vfs_inode *dir = t->parent.dentry->inode;
    int err = vfs_permission(cred, dir, VFS_MAY_WRITE | VFS_MAY_EXEC);
    return err ? err : sticky_check(cred, dir, t->d->inode);
}

/* Common checks for removing t's dentry. */
static int remove_check(const struct vfs_ctx *c, struct target *t)
{
    if (!t->d->inode)
        return -ENOENT;
    int err = may_delete(&c->cred, t);
    if (err)
        return err;
    if (is_readonly(&t->parent))
        return -EROFS;
    if (t->d->mounted)
        return -EBUSY;
    return 0;
}

int vfs_unlink(const struct vfs_ctx *c, const char *path)
{
    struct target t;
    int err = get_target(c, path, -EISDIR, &t);
    if (err)
        return err;
    err = remove_check(c, &t);
    struct vfs_inode *dir = t.parent.dentry->inode, *victim = t.d->inode;
    if (!err && VFS_S_ISDIR(victim->mode))
        err = -EISDIR;
    else if (!err && t.slash)
        err = -ENOTDIR;
    if (!err)
        err = dir->ops->unlink ? dir->ops->unlink(dir, t.name, t.len, victim) : -EPERM;
    if (!err)
        vfs_d_delete(t.d);
    target_put(&t);
    return err;
}

int vfs_rmdir(const struct vfs_ctx *c, const char *path)
{
    struct target t;
    int err = get_target(c, path, -EINVAL, &t);
    if (err) {
        /* rmdir("..") is ENOTEMPTY on Linux, rmdir(".") EINVAL. */
        return err;
    }
    err = remove_check(c, &t);
    struct vfs_inode *dir = t.parent.dentry->inode, *victim = t.d->inode;
    if (!err && !VFS_S_ISDIR(victim->mode))
        err = -ENOTDIR;
    if (!err && t.d == c->root.dentry)
        err = -EBUSY;
    if (!err)
        err = dir->ops->rmdir ? dir->ops->rmdir(dir, t.name, t.len, victim) : -EPERM;
    if (!err)
        vfs_d_delete(t.d);
    target_put(&t);
    return err;
}

/* May the caller move o to n? Both directories need write and search, the sticky rule holds
 * for the source and a replaced target, and a directory that changes parent needs write
 * permission itself (its ".." changes). */
static int rename_permission(const struct vfs_ctx *oc, struct target *o, const struct vfs_ctx *nc,
                             struct target *n)
{
    int err = may_delete(&oc->cred, o);
    if (!err && n->d->inode)
        err = may_delete(&nc->cred, n);
    if (!err && !n->d->inode)
        err = vfs_permission(&nc->cred, n->parent.dentry->inode, VFS_MAY_WRITE | VFS_MAY_EXEC);
    if (!err && VFS_S_ISDIR(o->d->inode->mode) && o->parent.dentry != n->parent.dentry)
        err = vfs_permission(&oc->cred, o->d->inode, VFS_MAY_WRITE);
    return err;
}

int vfs_rename(const struct vfs_ctx *c, const char *old_path, const char *new_path, unsigned flags)
{
    return vfs_rename2(c, old_path, c, new_path, flags);
}

int vfs_rename2(const struct vfs_ctx *oc, const char *old_path, const struct vfs_ctx *nc,
                const char *new_path, unsigned flags)
{
    if ((flags & ~(VFS_RENAME_NOREPLACE | VFS_RENAME_EXCHANGE)) ||
        ((flags & VFS_RENAME_NOREPLACE) && (flags & VFS_RENAME_EXCHANGE)))
        return -EINVAL;
    struct target o, n;
    int err = get_target(oc, old_path, -EBUSY, &o);
    if (err)
        return err;
    err = get_target(nc, new_path, -EBUSY, &n);
    if (err) {
        target_put(&o);
        return err;
    }
    struct vfs_inode *oi = o.d->inode, *ni = n.d->inode;
    struct vfs_inode *odir = o.parent.dentry->inode, *ndir = n.parent.dentry->inode;
    if (!oi)
        err = -ENOENT;
    else if (o.parent.mnt != n.parent.mnt)
        err = -EXDEV;
    else if (is_readonly(&o.parent))
        err = -EROFS;
    else if ((flags & VFS_RENAME_NOREPLACE) && ni)
        err = -EEXIST;
    else if ((flags & VFS_RENAME_EXCHANGE) && !ni)
        err = -ENOENT;
    else if ((err = rename_permission(oc, &o, nc, &n)))
        ;
    else if (o.d->mounted || (ni && n.d->mounted))
        err = -EBUSY;
    else if ((o.slash && !VFS_S_ISDIR(oi->mode)) || (n.slash && !VFS_S_ISDIR(oi->mode) && !ni))
        err = -ENOTDIR;
    else if (VFS_S_ISDIR(oi->mode) && vfs_d_is_ancestor(o.d, n.parent.dentry))
        err = -EINVAL; /* into its own subtree */
    else if (ni && !(flags & VFS_RENAME_EXCHANGE) && vfs_d_is_ancestor(n.d, o.parent.dentry))
        err = -ENOTEMPTY; /* over an ancestor of the source, like Linux's rename trap */
    else if (ni && !(flags & VFS_RENAME_EXCHANGE) && VFS_S_ISDIR(oi->mode) &&
             !VFS_S_ISDIR(ni->mode))
        err = -ENOTDIR;
    else if (ni && !(flags & VFS_RENAME_EXCHANGE) && !VFS_S_ISDIR(oi->mode) &&
             VFS_S_ISDIR(ni->mode))
        err = -EISDIR;
    else if (ni && (flags & VFS_RENAME_EXCHANGE) && VFS_S_ISDIR(ni->mode) &&
             vfs_d_is_ancestor(n.d, o.parent.dentry))
        err = -EINVAL;
    if (!err && oi == ni) {
        target_put(&n);
        target_put(&o);
        return 0; /* hard links to the same inode: nothing to do */
    }
    if (!err)
        err = odir->ops->rename
                  ? odir->ops->rename(odir, o.name, o.len, oi, ndir, n.name, n.len, ni, flags)
                  : -EPERM;
    if (!err) {
        if (flags & VFS_RENAME_EXCHANGE) {
            vfs_d_drop(o.d);
            vfs_d_drop(n.d);
            /* Directory dentries (cwd) keep their identity; others are looked up again. */
            if (VFS_S_ISDIR(oi->mode))
                vfs_d_move(o.d, n.parent.dentry, n.name, n.len);
            if (VFS_S_ISDIR(ni->mode))
                vfs_d_move(n.d, o.parent.dentry, o.name, o.len);
        } else {
            vfs_d_delete(n.d);
            vfs_d_move(o.d, n.parent.dentry, n.name, n.len);
        }
    }
    target_put(&n);
    target_put(&o);
    return err;
}
