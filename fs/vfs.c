/* VFS core: environment hooks, the inode cache and the dentry cache (see fs/vfs.h). */
#include <string.h>
#include <fs/pagecache.h>
#include <fs/vfs.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include "vfs_internal.h"

#define IHASH_SIZE    256
#define DHASH_SIZE    1024
#define DCACHE_UNUSED 2048 /* unused dentries kept before pruning */

static const struct fs_env *env;
static struct spinlock vfs_lock = SPINLOCK_INIT("vfs");
static struct list_node ihash[IHASH_SIZE];
static struct list_node dhash[DHASH_SIZE];
static struct list_node dlru;
static unsigned d_unused, d_total;

void fs_set_env(const struct fs_env *e)
{
    env = e;
    if (!dlru.next) {
        for (unsigned i = 0; i < IHASH_SIZE; i++)
            list_init(&ihash[i]);
        for (unsigned i = 0; i < DHASH_SIZE; i++)
            list_init(&dhash[i]);
        list_init(&dlru);
    }
}

void *fs_zalloc(size_t size)
{
    KASSERT(env);
    void *p = env->alloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void fs_free(void *p)
{
    if (p)
        env->free(p);
}

void fs_now(struct vfs_time *t)
{
    env->now(t);
}

char *fs_strndup(const char *s, size_t len)
{
    char *p = fs_zalloc(len + 1);
    if (p)
        memcpy(p, s, len);
    return p;
}

unsigned vfs_mode_to_dt(uint32_t mode)
{
    switch (mode & VFS_S_IFMT) {
    case VFS_S_IFREG:
        return VFS_DT_REG;
    case VFS_S_IFDIR:
        return VFS_DT_DIR;
    case VFS_S_IFLNK:
        return VFS_DT_LNK;
    case VFS_S_IFCHR:
        return VFS_DT_CHR;
    case VFS_S_IFBLK:
        return VFS_DT_BLK;
    case VFS_S_IFIFO:
        return VFS_DT_FIFO;
    case VFS_S_IFSOCK:
        return VFS_DT_SOCK;
    default:
        return VFS_DT_UNKNOWN;
    }
}

/* ---- Inode cache ---- */

static struct list_node *ibucket(struct vfs_superblock *sb, uint64_t ino)
{
    uint64_t h = ((uintptr_t)sb >> 4) ^ (ino * 0x9E3779B97F4A7C15ull);
    return &ihash[(h >> 40) % IHASH_SIZE];
}

static struct vfs_inode *ifind(struct vfs_superblock *sb, uint64_t ino)
{
    struct list_node *n;
    list_for_each(n, ibucket(sb, ino))
    {
        struct vfs_inode *i = list_entry(n, struct vfs_inode, hash_link);
        if (i->sb == sb && i->ino == ino)
            return i;
    }
    return NULL;
}

int vfs_iget(struct vfs_superblock *sb, uint64_t ino, struct vfs_inode **out)
{
    spin_lock(&vfs_lock);
    struct vfs_inode *i = ifind(sb, ino);
    if (i) {
        i->refcount++;
        spin_unlock(&vfs_lock);
        *out = i;
        return 0;
    }
    spin_unlock(&vfs_lock);
    struct vfs_inode *n = sb->ops->alloc_inode(sb);
    if (!n)
        return -ENOMEM;
    n->sb = sb;
    n->ino = ino;
    n->refcount = 1;
    spin_init(&n->lock, "inode");
    int err = sb->ops->read_inode(n);
    if (err) {
        sb->ops->destroy_inode(n);
        return err;
    }
    spin_lock(&vfs_lock);
    i = ifind(sb, ino);
    if (i) {
        i->refcount++;
    } else {
        list_push_back(ibucket(sb, ino), &n->hash_link);
        i = n;
        n = NULL;
    }
    spin_unlock(&vfs_lock);
    if (n)
        sb->ops->destroy_inode(n);
    *out = i;
    return 0;
}

void vfs_ihold(struct vfs_inode *inode)
{
    spin_lock(&vfs_lock);
    KASSERT(inode->refcount > 0);
    inode->refcount++;
    spin_unlock(&vfs_lock);
}

void vfs_iput(struct vfs_inode *inode)
{
    if (!inode)
        return;
    spin_lock(&vfs_lock);
    KASSERT(inode->refcount > 0);
    if (--inode->refcount > 0) {
        spin_unlock(&vfs_lock);
        return;
    }
    list_remove(&inode->hash_link);
    spin_unlock(&vfs_lock);
    pagecache_evict(inode); /* writes back cached pages (if linked) and frees them */
    struct vfs_superblock *sb = inode->sb;
    if (inode->nlink == 0 && sb->ops->evict_inode && !(sb->flags & VFS_SB_RDONLY))
        sb->ops->evict_inode(inode);
    sb->ops->destroy_inode(inode);
}

void vfs_fill_stat(struct vfs_inode *inode, struct vfs_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->dev = inode->sb->dev;
    st->ino = inode->ino;
    st->mode = inode->mode;
    st->nlink = inode->nlink;
    st->uid = inode->uid;
    st->gid = inode->gid;
    st->rdev = inode->rdev;
    st->size = inode->size;
    st->blocks = inode->blocks;
    st->blksize = inode->sb->block_size;
    st->atime = inode->atime;
    st->mtime = inode->mtime;
    st->ctime = inode->ctime;
    st->btime = inode->btime;
    st->has_btime = inode->btime.sec || inode->btime.nsec;
}

/* ---- Dentry cache ---- */

static uint32_t name_hash(const struct vfs_dentry *parent, const char *name, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)((uintptr_t)parent >> 4);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

/* A fresh unhashed dentry with one reference; takes a reference on parent (unless root). */
static struct vfs_dentry *d_alloc(struct vfs_dentry *parent, struct vfs_superblock *sb,
                                  const char *name, size_t len)
{
    struct vfs_dentry *d = fs_zalloc(sizeof(*d));
    if (!d)
        return NULL;
    if (len < VFS_DNAME_INLINE) {
        d->name = d->iname;
        memcpy(d->iname, name, len);
    } else if (!(d->name = fs_strndup(name, len))) {
        fs_free(d);
        return NULL;
    }
    d->len = len;
    d->refcount = 1;
    d->sb = sb;
    list_init(&d->hash_link);
    list_init(&d->lru_link);
    list_init(&d->child_link);
    list_init(&d->children);
    d->parent = parent ? vfs_dget(parent) : d;
    d->hash = name_hash(d->parent, name, len);
    spin_lock(&vfs_lock);
    if (parent)
        list_push_back(&parent->children, &d->child_link);
    sb->nr_dentries++;
    d_total++;
    spin_unlock(&vfs_lock);
    return d;
}

/* Root dentry of a superblock, owning the caller's reference to root. */
struct vfs_dentry *vfs_d_alloc_root(struct vfs_superblock *sb, struct vfs_inode *root)
{
    struct vfs_dentry *d = d_alloc(NULL, sb, "/", 1);
    if (d)
        d->inode = root;
    return d;
}

struct vfs_dentry *vfs_dget(struct vfs_dentry *d)
{
    spin_lock(&vfs_lock);
    if (d->refcount++ == 0) {
        list_remove(&d->lru_link);
        d_unused--;
    }
    spin_unlock(&vfs_lock);
    return d;
}

/* Frees an unhashed, unreferenced dentry; returns its parent to release (or NULL). */
static struct vfs_dentry *d_free(struct vfs_dentry *d)
{
    struct vfs_dentry *parent = d->parent != d ? d->parent : NULL;
    spin_lock(&vfs_lock);
    list_remove(&d->child_link);
    d->sb->nr_dentries--;
    d_total--;
    spin_unlock(&vfs_lock);
    vfs_iput(d->inode);
    if (d->name != d->iname)
        fs_free(d->name);
    fs_free(d);
    return parent;
}

static void d_prune_some(unsigned keep);

void vfs_dput(struct vfs_dentry *d)
{
    bool prune = false;
    while (d) {
        spin_lock(&vfs_lock);
        KASSERT(d->refcount > 0);
        if (--d->refcount > 0) {
            spin_unlock(&vfs_lock);
            break;
        }
        if (d->hashed) {
            list_push_back(&dlru, &d->lru_link);
            d_unused++;
            prune = d_unused > DCACHE_UNUSED;
            spin_unlock(&vfs_lock);
            break;
        }
        spin_unlock(&vfs_lock);
        d = d_free(d);
    }
    if (prune)
        d_prune_some(DCACHE_UNUSED / 2);
}

/* Takes the least recently used unused dentry (of sb, if given) off the caches. */
static struct vfs_dentry *d_take_unused(struct vfs_superblock *sb)
{
    struct list_node *n;
    list_for_each(n, &dlru)
    {
        struct vfs_dentry *d = list_entry(n, struct vfs_dentry, lru_link);
        if (sb && d->sb != sb)
            continue;
        list_remove(&d->lru_link);
        d_unused--;
        if (d->hashed) {
            list_remove(&d->hash_link);
            d->hashed = false;
        }
        return d;
    }
    return NULL;
}

static unsigned d_prune(struct vfs_superblock *sb, unsigned keep)
{
    unsigned freed = 0;
    for (;;) {
        spin_lock(&vfs_lock);
        struct vfs_dentry *d = d_unused > keep ? d_take_unused(sb) : NULL;
        spin_unlock(&vfs_lock);
        if (!d)
            break;
        vfs_dput(d_free(d));
        freed++;
    }
    return freed;
}

static void d_prune_some(unsigned keep)
{
    d_prune(NULL, keep);
}

unsigned vfs_dcache_prune(struct vfs_superblock *sb)
{
    return d_prune(sb, 0);
}

unsigned vfs_dcache_count(void)
{
    return d_total;
}

static struct vfs_dentry *d_find(struct vfs_dentry *dir, const char *name, size_t len,
                                 uint32_t hash)
{
    struct list_node *n;
    list_for_each(n, &dhash[hash % DHASH_SIZE])
    {
        struct vfs_dentry *d = list_entry(n, struct vfs_dentry, hash_link);
        if (d->hash == hash && d->parent == dir && d->len == len && !memcmp(d->name, name, len))
            return d;
    }
    return NULL;
}

/* Hashes d (lock held). */
static void d_hash_locked(struct vfs_dentry *d)
{
    list_push_back(&dhash[d->hash % DHASH_SIZE], &d->hash_link);
    d->hashed = true;
}

int vfs_d_lookup(struct vfs_dentry *dir, const char *name, size_t len, struct vfs_dentry **out)
{
    if (len == 0 || len > VFS_NAME_MAX)
        return len ? -ENAMETOOLONG : -ENOENT;
    struct vfs_inode *di = dir->inode;
    if (!di)
        return -ENOENT;
    if (!VFS_S_ISDIR(di->mode))
        return -ENOTDIR;
    if (dir->dead)
        return -ENOENT; /* like Linux in a removed directory; a cached child would pin dir */
    uint32_t hash = name_hash(dir, name, len);
    bool nocache = dir->sb->flags & VFS_SB_NOCACHE;
    spin_lock(&vfs_lock);
    struct vfs_dentry *d = nocache ? NULL : d_find(dir, name, len, hash);
    if (d) {
        if (d->refcount++ == 0) {
            list_remove(&d->lru_link);
            d_unused--;
        }
        spin_unlock(&vfs_lock);
        *out = d;
        return 0;
    }
    spin_unlock(&vfs_lock);

    uint64_t ino = 0;
    int err = di->ops->lookup ? di->ops->lookup(di, name, len, &ino) : -ENOTDIR;
    if (err && err != -ENOENT)
        return err;
    struct vfs_inode *inode = NULL;
    if (!err && (err = vfs_iget(di->sb, ino, &inode)))
        return err;
    d = d_alloc(dir, dir->sb, name, len);
    if (!d) {
        vfs_iput(inode);
        return -ENOMEM;
    }
    d->inode = inode;
    if (nocache) { /* unhashed: freed by the last vfs_dput */
        *out = d;
        return 0;
    }
    spin_lock(&vfs_lock);
    struct vfs_dentry *other = d_find(dir, name, len, hash);
    if (other) {
        if (other->refcount++ == 0) {
            list_remove(&other->lru_link);
            d_unused--;
        }
    } else {
        d_hash_locked(d);
    }
    spin_unlock(&vfs_lock);
    if (other) {
        vfs_dput(d);
        d = other;
    }
    *out = d;
    return 0;
}

void vfs_d_instantiate(struct vfs_dentry *d, struct vfs_inode *inode)
{
    spin_lock(&vfs_lock);
    KASSERT(!d->inode);
    d->inode = inode;
    spin_unlock(&vfs_lock);
}

void vfs_d_drop(struct vfs_dentry *d)
{
    spin_lock(&vfs_lock);
    if (d->hashed) {
        list_remove(&d->hash_link);
        d->hashed = false;
    }
    spin_unlock(&vfs_lock);
}

/* Unhashes d, whose name was removed, and its children (negative entries, since a removed
 * directory is empty): the unused ones are freed now, the others by their last vfs_dput.
 * d is marked dead so that no child is cached below it later. Without this, cached
 * negative children would keep d, and so its inode, alive after the directory was removed
 * (ext2: an unlinked directory still allocated on disk). */
void vfs_d_delete(struct vfs_dentry *d)
{
    struct list_node unused;
    list_init(&unused);
    spin_lock(&vfs_lock);
    d->dead = true;
    if (d->hashed) {
        list_remove(&d->hash_link);
        d->hashed = false;
    }
    struct list_node *n, *tmp;
    list_for_each_safe(n, tmp, &d->children)
    {
        struct vfs_dentry *c = list_entry(n, struct vfs_dentry, child_link);
        if (c->hashed) {
            list_remove(&c->hash_link);
            c->hashed = false;
        }
        if (c->refcount == 0) { /* on the unused list: take it off for d_free */
            list_remove(&c->lru_link);
            d_unused--;
            list_remove(&c->child_link);
            list_push_back(&unused, &c->child_link);
        }
    }
    spin_unlock(&vfs_lock);
    while (!list_empty(&unused)) {
        struct vfs_dentry *c = list_entry(unused.next, struct vfs_dentry, child_link);
        vfs_dput(d_free(c)); /* d_free unlinks c from unused; d is still held by the caller */
    }
}

/* Renames d to (parent, name) in the cache. Preallocated name buffer: none needed when the
 * name fits inline; otherwise falls back to dropping d if memory runs out. */
void vfs_d_move(struct vfs_dentry *d, struct vfs_dentry *parent, const char *name, size_t len)
{
    char *nn = len < VFS_DNAME_INLINE ? NULL : fs_strndup(name, len);
    if (len >= VFS_DNAME_INLINE && !nn) {
        vfs_d_drop(d);
        return;
    }
    vfs_dget(parent);
    spin_lock(&vfs_lock);
    if (d->hashed)
        list_remove(&d->hash_link);
    struct vfs_dentry *old_parent = d->parent;
    char *old_name = d->name != d->iname ? d->name : NULL;
    if (nn) {
        d->name = nn;
    } else {
        d->name = d->iname;
        memcpy(d->iname, name, len);
    }
    d->len = len;
    d->parent = parent;
    list_remove(&d->child_link);
    list_push_back(&parent->children, &d->child_link);
    d->hash = name_hash(parent, name, len);
    d_hash_locked(d);
    spin_unlock(&vfs_lock);
    fs_free(old_name);
    vfs_dput(old_parent);
}

bool vfs_d_is_ancestor(struct vfs_dentry *anc, struct vfs_dentry *d)
{
    spin_lock(&vfs_lock);
    bool found = false;
    for (;;) {
        if (d == anc) {
            found = true;
            break;
        }
        if (d->parent == d)
            break;
        d = d->parent;
    }
    spin_unlock(&vfs_lock);
    return found;
}

void vfs_lock_global(void)
{
    spin_lock(&vfs_lock);
}

void vfs_unlock_global(void)
{
    spin_unlock(&vfs_lock);
}

void vfs_d_forget(struct vfs_superblock *sb, const char *path)
{
    spin_lock(&vfs_lock);
    struct vfs_dentry *d = sb->root, *victim = NULL; /* NULL while mounting */
    while (d) {
        while (*path == '/')
            path++;
        if (!*path)
            break;
        const char *e = path;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - path);
        d = d_find(d, path, len, name_hash(d, path, len));
        path = e;
        victim = d;
    }
    if (d && victim && victim->hashed) {
        list_remove(&victim->hash_link);
        victim->hashed = false;
    }
    spin_unlock(&vfs_lock);
}

uint64_t vfs_anon_dev(void)
{
    static uint32_t next = 16;
    spin_lock(&vfs_lock);
    uint32_t minor = next++;
    spin_unlock(&vfs_lock);
    return VFS_MKDEV(0, minor);
}
