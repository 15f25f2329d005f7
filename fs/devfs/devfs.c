/* devfs: the device registry, a tmpfs whose device nodes dispatch to it, and dispatch
 * helpers for device nodes elsewhere (see fs/devfs.h). */
#include <string.h>
#include <fs/devfs.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include "../tmpfs/tmpfs.h"

struct devfs_device {
    struct list_node link;
    char *name;
    uint32_t mode;
    uint64_t rdev;
    const struct devfs_ops *ops;
    void *ctx;
    unsigned refs; /* the registry's while registered, plus devfs_find's */
};

/* A mounted devfs superblock. */
struct devfs_instance {
    struct list_node link;
    struct tmpfs_sb *fs;
    const char *prefix; /* shows only devices named prefix..., without it ("" for all) */
};

/* Order: devfs_lock, then a tmpfs lock, then the VFS lock. */
static struct spinlock devfs_lock = SPINLOCK_INIT("devfs");
static struct list_node devices = LIST_INIT(devices);
static struct list_node instances = LIST_INIT(instances);

static bool is_device_type(uint32_t mode)
{
    uint32_t t = mode & VFS_S_IFMT;
    return t == VFS_S_IFCHR || t == VFS_S_IFBLK;
}

/* Relative, '/'-separated, no empty, "." or ".." components, each at most NAME_MAX. */
static bool name_valid(const char *name)
{
    size_t total = strnlen(name, VFS_PATH_MAX);
    if (total == 0 || total >= VFS_PATH_MAX)
        return false;
    const char *s = name;
    for (;;) {
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - s);
        if (len == 0 || len > VFS_NAME_MAX || vfs_name_is_dot(s, len))
            return false;
        if (!*e)
            return true;
        s = e + 1;
    }
}

/* ---- Instances ---- */

/*
 * devfs_lock held: creates d's node (and missing parent directories) in fs. Returns the
 * length of the prefix of d->name that is new (0: nothing created), for the caller to make
 * the VFS forget its cached negative entry.
 */
static size_t instance_add(struct tmpfs_sb *fs, const char *name, const struct devfs_device *d)
{
    size_t created = 0;
    spin_lock(&fs->lock);
    struct tmpfs_node *dir = fs->root;
    const char *s = name;
    for (;;) {
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - s);
        struct tmpfs_dirent *de = tmpfs_dir_find(dir, s, len);
        struct tmpfs_node *n = de ? de->node : NULL;
        if (!*e) {
            if (!n && !tmpfs_dir_make(fs, dir, s, len, d->mode, d->rdev, NULL, &n) && !created)
                created = (size_t)(e - name);
            break;
        }
        if (!n) {
            if (tmpfs_dir_make(fs, dir, s, len, VFS_S_IFDIR | 0755, 0, NULL, &n))
                break;
            if (!created)
                created = (size_t)(e - name);
        } else if (!VFS_S_ISDIR(n->mode)) {
            break;
        }
        dir = n;
        s = e + 1;
    }
    spin_unlock(&fs->lock);
    return created;
}

/* devfs_lock held: removes d's node from fs if it is still d's; true if it did. */
static bool instance_remove(struct tmpfs_sb *fs, const char *name, const struct devfs_device *d)
{
    bool removed = false;
    spin_lock(&fs->lock);
    struct tmpfs_node *dir = fs->root;
    const char *s = name;
    for (;;) {
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - s);
        struct tmpfs_dirent *de = tmpfs_dir_find(dir, s, len);
        if (!de)
            break;
        struct tmpfs_node *n = de->node;
        if (!*e) {
            if ((n->mode & VFS_S_IFMT) == (d->mode & VFS_S_IFMT) && n->rdev == d->rdev)
                removed = !tmpfs_dir_remove(fs, dir, s, len);
            break;
        }
        if (!VFS_S_ISDIR(n->mode))
            break;
        dir = n;
        s = e + 1;
    }
    spin_unlock(&fs->lock);
    return removed;
}

/* d's name inside instance in (its prefix stripped), or NULL when in does not show d. */
static const char *instance_name(const struct devfs_instance *in, const struct devfs_device *d)
{
    size_t n = strlen(in->prefix);
    if (strncmp(d->name, in->prefix, n) || !d->name[n])
        return NULL;
    return d->name + n;
}

/* Forgets the cached entry for the first len bytes of name in fs. */
static void forget(struct tmpfs_sb *fs, const char *name, size_t len)
{
    char *path = len ? fs_strndup(name, len) : NULL;
    if (path)
        vfs_d_forget(&fs->vfs, path);
    else if (len)
        vfs_dcache_prune(&fs->vfs); /* no memory: forget what can be forgotten */
    fs_free(path);
}

/* ---- Registry ---- */

static struct devfs_device *find_locked(uint32_t mode, uint64_t rdev)
{
    struct list_node *l;
    list_for_each(l, &devices)
    {
        struct devfs_device *d = list_entry(l, struct devfs_device, link);
        if ((d->mode & VFS_S_IFMT) == (mode & VFS_S_IFMT) && d->rdev == rdev)
            return d;
    }
    return NULL;
}

static struct devfs_device *find_name_locked(const char *name)
{
    struct list_node *l;
    list_for_each(l, &devices)
    {
        struct devfs_device *d = list_entry(l, struct devfs_device, link);
        if (!strcmp(d->name, name))
            return d;
    }
    return NULL;
}

int devfs_register(const char *name, uint32_t mode, uint64_t rdev, const struct devfs_ops *ops,
                   void *ctx)
{
    if (!name_valid(name) || !is_device_type(mode) || !ops)
        return -EINVAL;
    struct devfs_device *d = fs_zalloc(sizeof(*d));
    if (!d || !(d->name = fs_strndup(name, strlen(name)))) {
        fs_free(d);
        return -ENOMEM;
    }
    d->mode = mode & (VFS_S_IFMT | 07777);
    d->rdev = rdev;
    d->ops = ops;
    d->ctx = ctx;
    d->refs = 1;
    spin_lock(&devfs_lock);
    if (find_name_locked(name) || find_locked(mode, rdev)) {
        spin_unlock(&devfs_lock);
        fs_free(d->name);
        fs_free(d);
        return -EEXIST;
    }
    list_push_back(&devices, &d->link);
    struct list_node *l;
    list_for_each(l, &instances)
    {
        struct devfs_instance *in = list_entry(l, struct devfs_instance, link);
        const char *name = instance_name(in, d);
        if (name)
            forget(in->fs, name, instance_add(in->fs, name, d));
    }
    spin_unlock(&devfs_lock);
    return 0;
}

int devfs_unregister(const char *name)
{
    spin_lock(&devfs_lock);
    struct devfs_device *d = find_name_locked(name);
    if (!d) {
        spin_unlock(&devfs_lock);
        return -ENOENT;
    }
    list_remove(&d->link);
    struct list_node *l;
    list_for_each(l, &instances)
    {
        struct devfs_instance *in = list_entry(l, struct devfs_instance, link);
        const char *name = instance_name(in, d);
        if (name && instance_remove(in->fs, name, d))
            forget(in->fs, name, strlen(name));
    }
    spin_unlock(&devfs_lock);
    devfs_put(d);
    return 0;
}

struct devfs_device *devfs_find(uint32_t mode, uint64_t rdev)
{
    spin_lock(&devfs_lock);
    struct devfs_device *d = is_device_type(mode) ? find_locked(mode, rdev) : NULL;
    if (d)
        d->refs++;
    spin_unlock(&devfs_lock);
    return d;
}

void devfs_put(struct devfs_device *d)
{
    spin_lock(&devfs_lock);
    KASSERT(d->refs > 0);
    bool last = --d->refs == 0;
    spin_unlock(&devfs_lock);
    if (last) {
        fs_free(d->name);
        fs_free(d);
    }
}

const struct devfs_ops *devfs_device_ops(const struct devfs_device *d)
{
    return d->ops;
}

void *devfs_device_ctx(const struct devfs_device *d)
{
    return d->ctx;
}

/* ---- Dispatch ---- */

int64_t devfs_read(struct vfs_inode *inode, void *buf, size_t len, uint64_t off)
{
    if (!is_device_type(inode->mode))
        return -EINVAL;
    struct devfs_device *d = devfs_find(inode->mode, inode->rdev);
    if (!d)
        return -ENXIO;
    int64_t r = d->ops->read ? d->ops->read(d->ctx, buf, len, off) : -EINVAL;
    devfs_put(d);
    return r;
}

int64_t devfs_write(struct vfs_inode *inode, const void *buf, size_t len, uint64_t off)
{
    if (!is_device_type(inode->mode))
        return -EINVAL;
    struct devfs_device *d = devfs_find(inode->mode, inode->rdev);
    if (!d)
        return -ENXIO;
    int64_t r = d->ops->write ? d->ops->write(d->ctx, buf, len, off) : -EINVAL;
    devfs_put(d);
    return r;
}

int devfs_ioctl(struct vfs_inode *inode, unsigned long cmd, void *arg)
{
    struct devfs_device *d = devfs_find(inode->mode, inode->rdev);
    if (!d)
        return is_device_type(inode->mode) ? -ENXIO : -ENOTTY;
    int r = d->ops->ioctl ? d->ops->ioctl(d->ctx, cmd, arg) : -ENOTTY;
    devfs_put(d);
    return r;
}

unsigned devfs_poll(struct vfs_inode *inode, uint64_t off)
{
    struct devfs_device *d = devfs_find(inode->mode, inode->rdev);
    if (!d)
        return DEVFS_POLLERR;
    unsigned r = d->ops->poll ? d->ops->poll(d->ctx, off)
                              : DEVFS_POLLIN | DEVFS_POLLOUT | DEVFS_POLLRDNORM | DEVFS_POLLWRNORM;
    devfs_put(d);
    return r;
}

/* Device, FIFO and socket nodes of a devfs: devices dispatch, the others are inert. */
static const struct vfs_inode_ops devfs_node_ops = {
    .read = devfs_read,
    .write = devfs_write,
    .setattr = tmpfs_setattr,
    .getattr = tmpfs_getattr,
};

/* ---- The filesystem ---- */

static void devfs_put_super(struct vfs_superblock *sb)
{
    spin_lock(&devfs_lock);
    struct devfs_instance *found = NULL;
    struct list_node *l;
    list_for_each(l, &instances)
    {
        struct devfs_instance *in = list_entry(l, struct devfs_instance, link);
        if (&in->fs->vfs == sb)
            found = in;
    }
    if (found)
        list_remove(&found->link);
    spin_unlock(&devfs_lock);
    fs_free(found);
    tmpfs_put_super(sb);
}

static const struct vfs_super_ops devfs_super_ops = {
    .alloc_inode = tmpfs_alloc_inode,
    .destroy_inode = tmpfs_destroy_inode,
    .read_inode = tmpfs_read_inode,
    .statfs = tmpfs_statfs,
    .put_super = devfs_put_super,
};

/* A new instance showing the devices whose names start with prefix. */
static int devfs_mount_prefix(const char *prefix, uint32_t flags, struct vfs_superblock **out)
{
    struct devfs_instance *in = fs_zalloc(sizeof(*in));
    if (!in)
        return -ENOMEM;
    in->prefix = prefix;
    int err = tmpfs_new_super(&devfs_super_ops, &devfs_node_ops, "devfs", flags, 0755, &in->fs);
    if (err) {
        fs_free(in);
        return err;
    }
    spin_lock(&devfs_lock);
    struct list_node *l;
    list_for_each(l, &devices)
    {
        struct devfs_device *d = list_entry(l, struct devfs_device, link);
        const char *name = instance_name(in, d);
        if (name)
            instance_add(in->fs, name, d);
    }
    list_push_back(&instances, &in->link);
    spin_unlock(&devfs_lock);
    *out = &in->fs->vfs;
    return 0;
}

static int devfs_mount(struct blockdev *bdev, uint32_t flags, struct vfs_superblock **out)
{
    (void)bdev;
    return devfs_mount_prefix("", flags, out);
}

static int devpts_mount(struct blockdev *bdev, uint32_t flags, struct vfs_superblock **out)
{
    (void)bdev;
    return devfs_mount_prefix("pts/", flags, out);
}

const struct vfs_fs_type devfs_fs_type = {
    .name = "devfs",
    .mount = devfs_mount,
};

const struct vfs_fs_type devpts_fs_type = {
    .name = "devpts",
    .mount = devpts_mount,
};
