/*
 * File-system syscalls over the VFS beyond open/read/write: links, renames, attributes
 * (mode, owner, times, size), working and root directory, statx, statfs, vectored
 * positional I/O, in-kernel copies (sendfile, copy_file_range), close_range.
 *
 * Permission rules follow Linux for a caller with credentials euid/egid and its supplementary
 * groups (no capabilities other than being root): owners and root may change modes and
 * times, only root may give a file away.
 */
#include <string.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/clock.h>
#include <libos/proc.h>
#include <mm/slab.h>
#include "files_internal.h"

#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

#define CLOSE_RANGE_UNSHARE (1u << 1)
#define CLOSE_RANGE_CLOEXEC (1u << 2)

#define RWF_HIPRI  0x01u
#define RWF_DSYNC  0x02u
#define RWF_SYNC   0x04u
#define RWF_NOWAIT 0x08u
#define RWF_APPEND 0x10u
#define RWF_KNOWN  (RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND)

#define ST_RDONLY 0x0001u
#define ST_VALID  0x0020u

#define MAX_RW_COUNT 0x7ffff000ul

/* struct statfs as arm64 returns it (asm-generic, 64-bit words). */
struct linux_statfs {
    int64_t f_type, f_bsize;
    uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen, f_frsize, f_flags;
    int64_t f_spare[4];
};

static bool readable(const struct file *f)
{
    return (f->flags & VFS_O_ACCMODE) != VFS_O_WRONLY;
}

static bool writable(const struct file *f)
{
    return (f->flags & VFS_O_ACCMODE) != VFS_O_RDONLY;
}

/* ---- Resolving the object of an *at() call ---- */

/* What a path-or-descriptor argument names: a VFS path (referenced), or for an empty path
 * with AT_EMPTY_PATH, the descriptor's open file (referenced; its path if it has one). */
struct at_object {
    struct vfs_path path; /* dentry NULL: a file without a path (console, pipe) */
    struct file *file;
};

static void at_object_put(struct at_object *o)
{
    vfs_path_put(&o->path);
    if (o->file)
        file_put(o->file);
}

/* Does the user string at upath start with a NUL? 0/1, or -EFAULT. */
static int path_is_empty(uint64_t upath)
{
    char first;
    if (copy_from_user(&first, upath, 1))
        return -EFAULT;
    return first == '\0';
}

/* The cwd (dirfd AT_FDCWD) or dirfd's open file as an object. */
static long object_of_fd(int dirfd, struct at_object *o)
{
    struct process *p = current_proc();
    if (dirfd == LINUX_AT_FDCWD) {
        if (!files_have_root())
            return -ENOENT;
        o->path = p->fsctx.cwd;
        vfs_path_get(&o->path);
        return 0;
    }
    o->file = fd_get_raw(dirfd);
    if (!o->file)
        return -EBADF;
    if (o->file->vf) {
        o->path = o->file->vf->path;
        vfs_path_get(&o->path);
    }
    return 0;
}

/*
 * Resolves (dirfd, upath) as the *at() calls do: an empty path with AT_EMPTY_PATH names
 * dirfd itself, a final symlink is followed unless AT_SYMLINK_NOFOLLOW. Directories are
 * searched as cred (NULL: the caller's effective ids). Returns 0 with o filled (release
 * with at_object_put) or an error with nothing held.
 */
static long resolve_at_as(int dirfd, uint64_t upath, unsigned at_flags, const struct vfs_cred *cred,
                          struct at_object *o)
{
    memset(o, 0, sizeof(*o));
    int empty = path_is_empty(upath);
    if (empty < 0)
        return empty;
    if (empty && (at_flags & LINUX_AT_EMPTY_PATH))
        return object_of_fd(dirfd, o);
    struct at_path a;
    long err = at_path_get(dirfd, upath, &a);
    if (err)
        return err;
    if (cred)
        a.c.cred = *cred;
    unsigned wf = (at_flags & LINUX_AT_SYMLINK_NOFOLLOW) ? VFS_WALK_NOFOLLOW : 0;
    err = vfs_walk_at(&a.c, a.path, wf, &o->path);
    at_path_put(&a);
    return err;
}

static long resolve_at(int dirfd, uint64_t upath, unsigned at_flags, struct at_object *o)
{
    return resolve_at_as(dirfd, upath, at_flags, NULL, o);
}

/* The object of a call on a descriptor (fchmod, fchown, futimens): O_PATH refused. */
static long object_of_open_fd(int fd, struct at_object *o)
{
    memset(o, 0, sizeof(*o));
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    file_put(f);
    return object_of_fd(fd, o);
}

/* The attributes of an object: its inode's, or the open file's (console, pipes). */
static long file_stat_or_inode(struct at_object *o, struct vfs_stat *st)
{
    if (!o->path.dentry)
        return file_stat(o->file, st);
    struct vfs_inode *i = o->path.dentry->inode;
    if (i->ops->getattr)
        return i->ops->getattr(i, st);
    vfs_fill_stat(i, st);
    return 0;
}

/* ---- Permissions ---- */

static bool is_owner(const struct process *p, const struct vfs_inode *i)
{
    return p->euid == 0 || p->euid == i->uid;
}

/* May p access i for want (a mask of 4 read, 2 write, 1 execute)? Root may do anything
 * but execute a file that has no execute bit at all. */
static bool may_access(struct process *p, const struct vfs_inode *i, unsigned want)
{
    struct vfs_cred cred = proc_vfs_cred(p, false);
    return vfs_permission(&cred, i, want) == 0;
}

/* setattr on an object's inode; objects without one (console, pipes) cannot be changed
 * here. */
static long object_setattr(struct at_object *o, const struct vfs_attr *a)
{
    if (!o->path.dentry)
        return -EOPNOTSUPP;
    return vfs_path_setattr(&o->path, a);
}

/* ---- Links and renames ---- */

SYSCALL_DEFINE3(symlinkat, uint64_t, utarget, int, newdirfd, uint64_t, upath)
{
    char *target = kmalloc(VFS_PATH_MAX);
    if (!target)
        return -ENOMEM;
    long n = strncpy_from_user(target, utarget, VFS_PATH_MAX);
    long err = n < 0 ? n : n == 0 ? -ENOENT : 0;
    struct at_path a;
    if (!err && !(err = at_path_get(newdirfd, upath, &a))) {
        err = vfs_symlink(&a.c, target, a.path);
        at_path_put(&a);
    }
    kfree(target);
    return err;
}

SYSCALL_DEFINE5(linkat, int, olddirfd, uint64_t, oldpath, int, newdirfd, uint64_t, newpath, int,
                flags)
{
    if (flags & ~(LINUX_AT_SYMLINK_FOLLOW | LINUX_AT_EMPTY_PATH))
        return -EINVAL;
    unsigned at = (flags & LINUX_AT_EMPTY_PATH) | LINUX_AT_SYMLINK_NOFOLLOW;
    if (flags & LINUX_AT_SYMLINK_FOLLOW)
        at &= ~(unsigned)LINUX_AT_SYMLINK_NOFOLLOW;
    if ((flags & LINUX_AT_EMPTY_PATH) && current_proc()->euid != 0) {
        int empty = path_is_empty(oldpath);
        if (empty)
            return empty < 0 ? empty : -ENOENT; /* needs CAP_DAC_READ_SEARCH */
    }
    struct at_object o;
    long err = resolve_at(olddirfd, oldpath, at, &o);
    if (err)
        return err;
    struct at_path a;
    if (!o.path.dentry)
        err = -ENOENT;
    else if (!(err = at_path_get(newdirfd, newpath, &a))) {
        err = vfs_link_path(&o.path, &a.c, a.path);
        at_path_put(&a);
    }
    at_object_put(&o);
    return err;
}

SYSCALL_DEFINE5(renameat2, int, olddirfd, uint64_t, oldpath, int, newdirfd, uint64_t, newpath,
                unsigned, flags)
{
    if (flags & ~(LINUX_RENAME_NOREPLACE | LINUX_RENAME_EXCHANGE | LINUX_RENAME_WHITEOUT))
        return -EINVAL;
    if (flags & LINUX_RENAME_WHITEOUT)
        return -EINVAL; /* no overlay filesystem here: no filesystem supports whiteouts */
    struct at_path o, n;
    long err = at_path_get(olddirfd, oldpath, &o);
    if (err)
        return err;
    if (!(err = at_path_get(newdirfd, newpath, &n))) {
        err = vfs_rename2(&o.c, o.path, &n.c, n.path, flags);
        at_path_put(&n);
    }
    at_path_put(&o);
    return err;
}

SYSCALL_DEFINE4(renameat, int, olddirfd, uint64_t, oldpath, int, newdirfd, uint64_t, newpath)
{
    return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0, 0);
}

/* ---- Mode, owner, times ---- */

static long chmod_object(struct at_object *o, unsigned mode)
{
    struct process *p = current_proc();
    if (!o->path.dentry)
        return -EOPNOTSUPP;
    struct vfs_inode *i = o->path.dentry->inode;
    if (!is_owner(p, i))
        return -EPERM;
    mode &= 07777;
    if (p->euid != 0 && !proc_in_group(p, i->gid))
        mode &= ~(unsigned)LINUX_S_ISGID; /* not in the file's group */
    struct vfs_attr a = {.valid = VFS_ATTR_MODE, .mode = mode};
    return object_setattr(o, &a);
}

SYSCALL_DEFINE2(fchmod, int, fd, unsigned, mode)
{
    struct at_object o;
    long err = object_of_open_fd(fd, &o);
    if (!err) {
        err = chmod_object(&o, mode);
        at_object_put(&o);
    }
    return err;
}

SYSCALL_DEFINE4(fchmodat2, int, dirfd, uint64_t, upath, unsigned, mode, int, flags)
{
    if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
        return -EINVAL;
    struct at_object o;
    long err = resolve_at(dirfd, upath, (unsigned)flags, &o);
    if (err)
        return err;
    if (o.path.dentry && VFS_S_ISLNK(o.path.dentry->inode->mode))
        err = -EOPNOTSUPP; /* a symlink's own mode cannot be changed */
    else
        err = chmod_object(&o, mode);
    at_object_put(&o);
    return err;
}

SYSCALL_DEFINE3(fchmodat, int, dirfd, uint64_t, upath, unsigned, mode)
{
    return sys_fchmodat2(dirfd, upath, mode, 0, 0, 0);
}

/* ---- access ---- */

/* access's answer for an object: the permission bits for cred, and EROFS for writing
 * files, directories and symlinks on a read-only filesystem. */
static long object_access(struct at_object *o, const struct vfs_cred *cred, unsigned want)
{
    struct vfs_stat st;
    long err = file_stat_or_inode(o, &st);
    if (err)
        return err;
    struct vfs_inode view = {.mode = st.mode, .uid = st.uid, .gid = st.gid};
    err = vfs_permission(cred, &view, want);
    bool ordinary = VFS_S_ISREG(st.mode) || VFS_S_ISDIR(st.mode) || VFS_S_ISLNK(st.mode);
    if (!err && (want & VFS_MAY_WRITE) && ordinary && o->path.dentry &&
        (o->path.mnt->sb->flags & VFS_SB_RDONLY))
        err = -EROFS;
    return err;
}

SYSCALL_DEFINE4(faccessat2, int, dirfd, uint64_t, upath, int, mode, int, flags)
{
    if (mode & ~7)
        return -EINVAL;
    if (flags & ~(LINUX_AT_EACCESS | LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
        return -EINVAL;
    struct process *p = current_proc();
    /* access(2) asks as the real user unless AT_EACCESS, for the whole lookup. */
    struct vfs_cred cred = proc_vfs_cred(p, !(flags & LINUX_AT_EACCESS));
    struct at_object o;
    long err = resolve_at_as(dirfd, upath, (unsigned)flags & ~LINUX_AT_EACCESS, &cred, &o);
    if (err)
        return err;
    err = object_access(&o, &cred, (unsigned)mode);
    at_object_put(&o);
    return err;
}

SYSCALL_DEFINE3(faccessat, int, dirfd, uint64_t, upath, int, mode)
{
    return sys_faccessat2(dirfd, upath, mode, 0, 0, 0);
}

/* chown's rules: only root gives a file away; an owner may change the group to its own
 * group. Set-user-ID (and executable set-group-ID) bits of non-directories are cleared. */
static long chown_object(struct at_object *o, uint32_t uid, uint32_t gid)
{
    struct process *p = current_proc();
    if (!o->path.dentry)
        return -EOPNOTSUPP;
    struct vfs_inode *i = o->path.dentry->inode;
    struct vfs_attr a = {0};
    if (uid != (uint32_t)-1) {
        if (p->euid != 0 && !(p->euid == i->uid && uid == i->uid))
            return -EPERM;
        a.valid |= VFS_ATTR_UID;
        a.uid = uid;
    }
    if (gid != (uint32_t)-1) {
        if (p->euid != 0 && !(p->euid == i->uid && (gid == i->gid || proc_in_group(p, gid))))
            return -EPERM;
        a.valid |= VFS_ATTR_GID;
        a.gid = gid;
    }
    uint32_t mode = i->mode & 07777;
    if (!VFS_S_ISDIR(i->mode)) {
        mode &= ~(uint32_t)LINUX_S_ISUID;
        if (mode & LINUX_S_IXGRP)
            mode &= ~(uint32_t)LINUX_S_ISGID;
    }
    if (mode != (i->mode & 07777)) {
        a.valid |= VFS_ATTR_MODE;
        a.mode = mode;
    }
    a.valid |= VFS_ATTR_CTIME;
    fs_now(&a.ctime);
    return object_setattr(o, &a);
}

SYSCALL_DEFINE3(fchown, int, fd, uint32_t, uid, uint32_t, gid)
{
    struct at_object o;
    long err = object_of_open_fd(fd, &o);
    if (!err) {
        err = chown_object(&o, uid, gid);
        at_object_put(&o);
    }
    return err;
}

SYSCALL_DEFINE5(fchownat, int, dirfd, uint64_t, upath, uint32_t, uid, uint32_t, gid, int, flags)
{
    if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
        return -EINVAL;
    struct at_object o;
    long err = resolve_at(dirfd, upath, (unsigned)flags, &o);
    if (!err) {
        err = chown_object(&o, uid, gid);
        at_object_put(&o);
    }
    return err;
}

/* One utimensat time: explicit (valid nsec), UTIME_NOW or UTIME_OMIT. Sets the attribute
 * bit; returns whether it is an explicit time, or -EINVAL. */
static int utime_field(const struct linux_timespec *ts, const struct vfs_time *now, uint32_t bit,
                       struct vfs_attr *a, struct vfs_time *out)
{
    if (ts->tv_nsec == UTIME_OMIT)
        return 0;
    if (ts->tv_nsec == UTIME_NOW) {
        *out = *now;
    } else if (ts->tv_nsec < 0 || ts->tv_nsec > 999999999) {
        return -EINVAL;
    } else {
        *out = (struct vfs_time){ts->tv_sec, (uint32_t)ts->tv_nsec};
    }
    a->valid |= bit;
    return ts->tv_nsec != UTIME_NOW;
}

/* The attributes utimensat sets, with whether any time is explicit (owner only) or not
 * (write permission suffices). */
static long utimes_attr(uint64_t utimes, struct vfs_attr *a, bool *explicit_time)
{
    struct vfs_time now;
    fs_now(&now);
    memset(a, 0, sizeof(*a));
    *explicit_time = false;
    if (!utimes) {
        a->valid = VFS_ATTR_ATIME | VFS_ATTR_MTIME;
        a->atime = a->mtime = now;
        return 0;
    }
    struct linux_timespec ts[2];
    if (copy_from_user(ts, utimes, sizeof(ts)))
        return -EFAULT;
    int ea = utime_field(&ts[0], &now, VFS_ATTR_ATIME, a, &a->atime);
    int em = utime_field(&ts[1], &now, VFS_ATTR_MTIME, a, &a->mtime);
    if (ea < 0 || em < 0)
        return -EINVAL;
    *explicit_time = ea || em;
    return 0;
}

SYSCALL_DEFINE4(utimensat, int, dirfd, uint64_t, upath, uint64_t, utimes, int, flags)
{
    if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
        return -EINVAL;
    struct vfs_attr a;
    bool explicit_time;
    long err = utimes_attr(utimes, &a, &explicit_time);
    if (err)
        return err;
    if (!(a.valid & (VFS_ATTR_ATIME | VFS_ATTR_MTIME)))
        return 0; /* both UTIME_OMIT */
    struct at_object o;
    if (!upath) /* futimens: the descriptor itself */
        err = (flags & LINUX_AT_SYMLINK_NOFOLLOW) ? -EINVAL : object_of_open_fd(dirfd, &o);
    else
        err = resolve_at(dirfd, upath, (unsigned)flags, &o);
    if (err)
        return err;
    struct process *p = current_proc();
    struct vfs_inode *i = o.path.dentry ? o.path.dentry->inode : NULL;
    if (i && !is_owner(p, i) && (explicit_time || !may_access(p, i, 2)))
        err = explicit_time ? -EPERM : -EACCES;
    else
        err = object_setattr(&o, &a);
    at_object_put(&o);
    return err;
}

/* ---- Size ---- */

SYSCALL_DEFINE2(truncate, uint64_t, upath, int64_t, length)
{
    if (length < 0)
        return -EINVAL;
    struct at_object o;
    long err = resolve_at(LINUX_AT_FDCWD, upath, 0, &o);
    if (err)
        return err;
    struct vfs_inode *i = o.path.dentry->inode;
    if (VFS_S_ISDIR(i->mode))
        err = -EISDIR;
    else if (!VFS_S_ISREG(i->mode))
        err = -EINVAL;
    else if (!may_access(current_proc(), i, 2))
        err = -EACCES;
    else if (!(err = fsize_limit((uint64_t)length, NULL)))
        err = vfs_path_setattr(
            &o.path, &(struct vfs_attr){.valid = VFS_ATTR_SIZE, .size = (uint64_t)length});
    at_object_put(&o);
    return err;
}

SYSCALL_DEFINE2(ftruncate, int, fd, int64_t, length)
{
    if (length < 0)
        return -EINVAL;
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long err = f->kind == FILE_VFS && writable(f) ? fsize_limit((uint64_t)length, NULL) : 0;
    if (!err)
        err = f->kind == FILE_VFS ? vfs_ftruncate(f->vf, (uint64_t)length) : -EINVAL;
    file_put(f);
    return err;
}

/* Writes zeros over [from, to) of a regular file: 0 or an error. */
static long write_zeros(struct vfs_file *vf, uint64_t from, uint64_t to)
{
    uint8_t *zero = kzalloc(4096);
    if (!zero)
        return -ENOMEM;
    long err = 0;
    while (from < to && !err) {
        size_t n = (size_t)MIN(to - from, 4096 - from % 4096);
        int64_t r = vfs_pwrite(vf, zero, n, from);
        if (r <= 0)
            err = r < 0 ? (long)r : -EIO;
        from += n;
    }
    kfree(zero);
    return err;
}

#define FALLOC_FL_KEEP_SIZE  0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_KNOWN      0x7f /* every mode bit Linux knows */

/* fallocate's checks of the mode and the file, in Linux's order: 0 or the error. */
static long fallocate_check(struct file *f, int mode, int64_t offset, int64_t len)
{
    if (offset < 0 || len <= 0)
        return -EINVAL;
    if (mode & ~FALLOC_FL_KNOWN)
        return -EOPNOTSUPP;
    if ((mode & FALLOC_FL_PUNCH_HOLE) &&
        ((mode & FALLOC_FL_ZERO_RANGE) || !(mode & FALLOC_FL_KEEP_SIZE)))
        return -EOPNOTSUPP; /* punching needs KEEP_SIZE and excludes ZERO_RANGE */
    if ((f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
        return -EBADF;
    if (f->kind == FILE_OPS)
        return -ESPIPE;
    if (f->kind != FILE_VFS)
        return -ENODEV;
    if (VFS_S_ISDIR(f->vf->inode->mode))
        return -EISDIR;
    if (!VFS_S_ISREG(f->vf->inode->mode))
        return -ENODEV;
    if (offset > INT64_MAX - len)
        return -EFBIG;
    return 0;
}

/* fallocate on a checked file. Modes: 0 (zeros written past the end; holes inside stay
 * holes), KEEP_SIZE alone (nothing to do: no space is reserved), PUNCH_HOLE|KEEP_SIZE where
 * the filesystem can free a range (tmpfs); the rest (ZERO_RANGE, COLLAPSE_RANGE,
 * INSERT_RANGE, UNSHARE) is EOPNOTSUPP, which is also Linux's answer on tmpfs. */
static long fallocate_apply(struct file *f, int mode, uint64_t off, uint64_t len)
{
    if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
        return vfs_punch_hole(f->vf, off, len);
    if (mode == FALLOC_FL_KEEP_SIZE)
        return 0;
    if (mode != 0)
        return -EOPNOTSUPP;
    uint64_t end = off + len, size = f->vf->inode->size;
    long err = end > size ? fsize_limit(end, NULL) : 0;
    return !err && end > size ? write_zeros(f->vf, size, end) : err;
}

SYSCALL_DEFINE4(fallocate, int, fd, int, mode, int64_t, offset, int64_t, len)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long err = fallocate_check(f, mode, offset, len);
    if (!err)
        err = fallocate_apply(f, mode, (uint64_t)offset, (uint64_t)len);
    file_put(f);
    return err;
}

/* ---- Working and root directory ---- */

SYSCALL_DEFINE1(fchdir, int, fd)
{
    struct process *p = current_proc();
    struct file *f = fd_get_raw(fd);
    if (!f)
        return -EBADF;
    long err = 0;
    if (f->kind != FILE_VFS || !VFS_S_ISDIR(f->vf->inode->mode))
        err = -ENOTDIR;
    else if (!may_access(p, f->vf->inode, 1))
        err = -EACCES;
    if (!err) {
        struct vfs_path old = p->fsctx.cwd;
        p->fsctx.cwd = f->vf->path;
        vfs_path_get(&p->fsctx.cwd);
        vfs_path_put(&old);
    }
    file_put(f);
    return err;
}

SYSCALL_DEFINE1(chroot, uint64_t, upath)
{
    struct process *p = current_proc();
    struct at_object o;
    long err = resolve_at(LINUX_AT_FDCWD, upath, 0, &o);
    if (err)
        return err;
    if (!VFS_S_ISDIR(o.path.dentry->inode->mode))
        err = -ENOTDIR;
    else if (!may_access(p, o.path.dentry->inode, 1))
        err = -EACCES;
    else if (p->euid != 0)
        err = -EPERM;
    if (!err) {
        struct vfs_path old = p->fsctx.root;
        p->fsctx.root = o.path;
        o.path = old; /* released below */
    }
    at_object_put(&o);
    return err;
}

/* ---- statx, statfs ---- */

static struct linux_statx_timestamp statx_time(const struct vfs_time *t)
{
    return (struct linux_statx_timestamp){t->sec, t->nsec, 0};
}

static void stat_to_statx(const struct vfs_stat *s, struct linux_statx *x)
{
    memset(x, 0, sizeof(*x));
    x->stx_mask = LINUX_STATX_BASIC_STATS | (s->has_btime ? LINUX_STATX_BTIME : 0);
    x->stx_blksize = s->blksize;
    x->stx_nlink = s->nlink;
    x->stx_uid = s->uid;
    x->stx_gid = s->gid;
    x->stx_mode = (uint16_t)s->mode;
    x->stx_ino = s->ino;
    x->stx_size = s->size;
    x->stx_blocks = s->blocks;
    x->stx_atime = statx_time(&s->atime);
    x->stx_mtime = statx_time(&s->mtime);
    x->stx_ctime = statx_time(&s->ctime);
    if (s->has_btime)
        x->stx_btime = statx_time(&s->btime);
    x->stx_rdev_major = VFS_MAJOR(s->rdev);
    x->stx_rdev_minor = VFS_MINOR(s->rdev);
    x->stx_dev_major = VFS_MAJOR(s->dev);
    x->stx_dev_minor = VFS_MINOR(s->dev);
}

#define STATX_RESERVED 0x80000000u

SYSCALL_DEFINE5(statx, int, dirfd, uint64_t, upath, int, flags, unsigned, mask, uint64_t, ubuf)
{
    unsigned known = LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH | LINUX_AT_NO_AUTOMOUNT |
                     LINUX_AT_STATX_SYNC_TYPE;
    if ((flags & ~known) || (flags & LINUX_AT_STATX_SYNC_TYPE) == LINUX_AT_STATX_SYNC_TYPE)
        return -EINVAL;
    if (mask & STATX_RESERVED)
        return -EINVAL;
    struct at_object o;
    long err = resolve_at(dirfd, upath, (unsigned)flags, &o);
    if (err)
        return err;
    struct vfs_stat st;
    err = file_stat_or_inode(&o, &st);
    at_object_put(&o);
    if (err)
        return err;
    struct linux_statx x;
    stat_to_statx(&st, &x);
    return copy_to_user(ubuf, &x, sizeof(x)) ? -EFAULT : 0;
}

static long copy_statfs_out(const struct vfs_path *p, uint64_t ubuf)
{
    struct vfs_statfs s;
    long err = vfs_path_statfs(p, &s);
    if (err)
        return err;
    struct linux_statfs l = {
        .f_type = (int64_t)s.type,
        .f_bsize = (int64_t)s.bsize,
        .f_blocks = s.blocks,
        .f_bfree = s.bfree,
        .f_bavail = s.bavail,
        .f_files = s.files,
        .f_ffree = s.ffree,
        .f_fsid = {(int32_t)s.fsid, (int32_t)(s.fsid >> 32)},
        .f_namelen = (int64_t)s.namelen,
        .f_frsize = (int64_t)s.frsize,
        .f_flags = ST_VALID | ((p->mnt->sb->flags & VFS_SB_RDONLY) ? ST_RDONLY : 0),
    };
    return copy_to_user(ubuf, &l, sizeof(l)) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(statfs, uint64_t, upath, uint64_t, ubuf)
{
    struct at_object o;
    long err = resolve_at(LINUX_AT_FDCWD, upath, 0, &o);
    if (!err) {
        err = copy_statfs_out(&o.path, ubuf);
        at_object_put(&o);
    }
    return err;
}

SYSCALL_DEFINE2(fstatfs, int, fd, uint64_t, ubuf)
{
    struct at_object o;
    memset(&o, 0, sizeof(o));
    long err = object_of_fd(fd == LINUX_AT_FDCWD ? -1 : fd, &o);
    if (!err) {
        err = o.path.dentry ? copy_statfs_out(&o.path, ubuf) : -ENOSYS;
        at_object_put(&o);
    }
    return err;
}

/* ---- Vectored positional I/O ---- */

/* preadv2/pwritev2: offset -1 is the file position; RWF_APPEND writes at the end. */
static long vector_io2(int fd, uint64_t iov, int iovcnt, int64_t pos, unsigned flags, bool write)
{
    if (flags & ~RWF_KNOWN)
        return -EOPNOTSUPP;
    if (pos < -1)
        return -EINVAL;
    if (flags & (RWF_APPEND | RWF_NOWAIT)) {
        struct file *f = fd_get(fd);
        if (!f)
            return -EBADF;
        bool vfs = f->kind == FILE_VFS;
        uint64_t size = vfs ? f->vf->inode->size : 0;
        file_put(f);
        if (!vfs)
            return -EOPNOTSUPP; /* only regular files take these flags here */
        if ((flags & RWF_APPEND) && write)
            pos = (int64_t)size;
    }
    if (pos == -1)
        return vector_io(fd, iov, iovcnt, write, false, 0);
    return vector_io(fd, iov, iovcnt, write, true, (uint64_t)pos);
}

SYSCALL_DEFINE5(preadv, int, fd, uint64_t, iov, int, iovcnt, int64_t, pos, int64_t, pos_h)
{
    (void)pos_h; /* 64-bit: pos holds the whole offset */
    return pos < 0 ? -EINVAL : vector_io(fd, iov, iovcnt, false, true, (uint64_t)pos);
}

SYSCALL_DEFINE5(pwritev, int, fd, uint64_t, iov, int, iovcnt, int64_t, pos, int64_t, pos_h)
{
    (void)pos_h;
    return pos < 0 ? -EINVAL : vector_io(fd, iov, iovcnt, true, true, (uint64_t)pos);
}

SYSCALL_DEFINE6(preadv2, int, fd, uint64_t, iov, int, iovcnt, int64_t, pos, int64_t, pos_h,
                unsigned, flags)
{
    (void)pos_h;
    return vector_io2(fd, iov, iovcnt, pos, flags, false);
}

SYSCALL_DEFINE6(pwritev2, int, fd, uint64_t, iov, int, iovcnt, int64_t, pos, int64_t, pos_h,
                unsigned, flags)
{
    (void)pos_h;
    return vector_io2(fd, iov, iovcnt, pos, flags, true);
}

/* ---- In-kernel copies ---- */

/* Copies up to len bytes of in (a regular VFS file) from *in_off to out: at *out_off (a
 * regular VFS file) when out_off is given, else at out's position as write(2) would (any
 * open file; blocking unless O_NONBLOCK). Advances the offsets by what was written: the
 * bytes copied, or an error if none were. Stops early at the end of in, a short write (a
 * full non-blocking pipe) or a signal. */
static long copy_range(struct vfs_file *in, uint64_t *in_off, struct file *out, uint64_t *out_off,
                       uint64_t len)
{
    uint8_t *buf = kmalloc(4096);
    if (!buf)
        return -ENOMEM;
    long done = 0;
    while ((uint64_t)done < len) {
        int64_t r = vfs_pread(in, buf, (size_t)MIN(len - (uint64_t)done, 4096), *in_off);
        if (r > 0) {
            struct io_src src = {0, buf};
            int64_t w = out_off ? vfs_pwrite(out->vf, buf, (size_t)r, *out_off)
                                : file_write_src(out, &src, (uint64_t)r);
            if (w > 0) {
                *in_off += (uint64_t)w;
                if (out_off)
                    *out_off += (uint64_t)w;
                done += w;
            }
            r = w < r ? (w < 0 ? w : 0) : r;
        }
        if (r <= 0) {
            if (!done && r < 0)
                done = r;
            break;
        }
        if (signal_pending_current())
            break;
    }
    kfree(buf);
    return done;
}

/* Reads an optional user offset (NULL: use the file position): 0 or an error. */
static long get_user_off(uint64_t uoff, struct vfs_file *f, uint64_t *off)
{
    if (!uoff) {
        *off = f->pos;
        return 0;
    }
    int64_t v;
    if (copy_from_user(&v, uoff, sizeof(v)))
        return -EFAULT;
    if (v < 0)
        return -EINVAL;
    *off = (uint64_t)v;
    return 0;
}

/* Stores a copy's end offset back: into user memory, or as the file position. */
static long put_user_off(uint64_t uoff, struct vfs_file *f, uint64_t off)
{
    if (uoff)
        return copy_to_user(uoff, &off, sizeof(off)) ? -EFAULT : 0;
    vfs_lseek(f, (int64_t)off, VFS_SEEK_SET);
    return 0;
}

/* sendfile's checks: in a readable regular file, out anything open for writing (Linux 5.12
 * on: pipes, sockets, terminals, devices), but not a VFS file with O_APPEND. */
static long sendfile_check(struct file *in, struct file *out)
{
    if (!readable(in) || !writable(out))
        return -EBADF;
    if (in->kind != FILE_VFS || !VFS_S_ISREG(in->vf->inode->mode))
        return -EINVAL;
    if (out->kind == FILE_VFS && (out->flags & VFS_O_APPEND))
        return -EINVAL;
    return 0;
}

SYSCALL_DEFINE4(sendfile, int, out_fd, int, in_fd, uint64_t, uoff, uint64_t, count)
{
    struct file *in = fd_get(in_fd), *out = fd_get(out_fd);
    long err = !in || !out ? -EBADF : sendfile_check(in, out);
    uint64_t in_off = 0;
    if (!err)
        err = get_user_off(uoff, in->vf, &in_off);
    if (!err) {
        err = copy_range(in->vf, &in_off, out, NULL, MIN(count, MAX_RW_COUNT));
        if (err >= 0) {
            long e = put_user_off(uoff, in->vf, in_off);
            err = e ? e : err;
        }
    }
    if (in)
        file_put(in);
    if (out)
        file_put(out);
    return err;
}

/* copy_file_range's checks on two open files. */
static long copy_check(struct file *in, struct file *out)
{
    if (!readable(in) || !writable(out) || (out->flags & VFS_O_APPEND))
        return -EBADF;
    if (in->kind != FILE_VFS || out->kind != FILE_VFS)
        return -EINVAL;
    struct vfs_inode *ii = in->vf->inode, *oi = out->vf->inode;
    if (VFS_S_ISDIR(ii->mode) || VFS_S_ISDIR(oi->mode))
        return -EISDIR;
    if (!VFS_S_ISREG(ii->mode) || !VFS_S_ISREG(oi->mode))
        return -EINVAL;
    if (ii->sb != oi->sb)
        return -EXDEV;
    return 0;
}

SYSCALL_DEFINE6(copy_file_range, int, fd_in, uint64_t, uoff_in, int, fd_out, uint64_t, uoff_out,
                uint64_t, len, unsigned, flags)
{
    if (flags)
        return -EINVAL;
    struct file *in = fd_get(fd_in), *out = fd_get(fd_out);
    long err = !in || !out ? -EBADF : copy_check(in, out);
    uint64_t in_off = 0, out_off = 0;
    if (!err)
        err = get_user_off(uoff_in, in->vf, &in_off);
    if (!err)
        err = get_user_off(uoff_out, out->vf, &out_off);
    if (!err) {
        uint64_t size = in->vf->inode->size;
        len = in_off >= size ? 0 : MIN(MIN(len, size - in_off), MAX_RW_COUNT);
        if (in->vf->inode == out->vf->inode && in_off < out_off + len && out_off < in_off + len)
            err = -EINVAL; /* overlapping ranges of one file */
    }
    if (!err) {
        err = copy_range(in->vf, &in_off, out, &out_off, len);
        if (err >= 0) {
            long e = put_user_off(uoff_in, in->vf, in_off);
            if (!e)
                e = put_user_off(uoff_out, out->vf, out_off);
            err = e ? e : err;
        }
    }
    if (in)
        file_put(in);
    if (out)
        file_put(out);
    return err;
}

/* ---- Descriptors ---- */

SYSCALL_DEFINE3(close_range, unsigned, first, unsigned, last, unsigned, flags)
{
    if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) || first > last)
        return -EINVAL;
    struct process *p = current_proc();
    unsigned end = MIN(last, (unsigned)FD_MAX - 1);
    for (unsigned fd = first; fd <= end && fd < FD_MAX; fd++) {
        spin_lock(&p->fds->lock);
        struct file *f = p->fds->fd[fd];
        if (f && (flags & CLOSE_RANGE_CLOEXEC)) {
            p->fds->cloexec[fd] = true;
            f = NULL;
        } else if (f) {
            p->fds->fd[fd] = NULL;
            p->fds->cloexec[fd] = false;
        }
        spin_unlock(&p->fds->lock);
        if (f)
            fd_forget(p, f);
    }
    return 0;
}
