/*
 * The absolute name of a VFS location, as Linux's d_path prints it for getcwd, readlink of
 * /proc/PID/{cwd,exe,fd/N} and /proc/PID/maps: the components from the caller's root down
 * to the location, crossing mounts through their mountpoints.
 */
#include <string.h>
#include <fs/vfs.h>
#include <lib/errno.h>

/* Prepends "/name" to the text that starts at *pos in buf; false if it does not fit. */
static bool prepend_component(char *buf, size_t *pos, const struct vfs_dentry *d)
{
    if (*pos < d->len + 1)
        return false;
    *pos -= d->len;
    memcpy(buf + *pos, d->name, d->len);
    buf[--*pos] = '/';
    return true;
}

int vfs_path_name(const struct vfs_path *root, const struct vfs_path *at, char *buf, size_t size)
{
    if (size < 2)
        return -ENAMETOOLONG;
    size_t pos = size - 1;
    buf[pos] = '\0';
    struct vfs_mount *mnt = at->mnt;
    const struct vfs_dentry *d = at->dentry;
    while (mnt && !(mnt == root->mnt && d == root->dentry)) {
        if (d == mnt->root || d->parent == d) {
            if (mnt->parent == mnt || !mnt->parent)
                break; /* the top of the tree: the location lies outside the root */
            d = mnt->mountpoint;
            mnt = mnt->parent;
            continue;
        }
        if (!prepend_component(buf, &pos, d))
            return -ENAMETOOLONG;
        d = d->parent;
    }
    if (pos == size - 1)
        buf[--pos] = '/';
    size_t len = size - 1 - pos;
    memmove(buf, buf + pos, len + 1);
    return (int)len;
}
