/*
 * Files: the root filesystem on exo's ramdisk, descriptor tables, the console as a file,
 * and the file syscalls over fs/'s VFS.
 */
#include <string.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <exo/ramdisk.h>
#include <fs/blockdev.h>
#include <fs/ext2.h>
#include <fs/vfs.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/fifo.h>
#include <libos/file.h>
#include <libos/ipc.h>
#include <libos/ipc_glue.h>
#include <libos/clock.h>
#include <libos/proc.h>
#include <libos/pty.h>
#include <mm/slab.h>
#include "files_internal.h"

#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR        0x200
#define AT_EMPTY_PATH       0x1000
#define O_CLOEXEC           02000000
#define O_NONBLOCK          04000
#define F_DUPFD             0
#define F_GETFD             1
#define F_SETFD             2
#define F_GETFL             3
#define F_SETFL             4
#define F_DUPFD_CLOEXEC     1030
#define FD_CLOEXEC          1

static bindid_t root_binding;
static struct blockdev ramdisk_bdev;
static bool have_root;

static int rd_read(struct blockdev *dev, uint64_t blk, void *buf)
{
    (void)dev;
    return exo_ramdisk_read(EXO_ENV_LIBOS, root_binding, blk, 1, buf);
}

static int rd_write(struct blockdev *dev, uint64_t blk, const void *buf)
{
    (void)dev;
    return exo_ramdisk_write(EXO_ENV_LIBOS, root_binding, blk, 1, buf);
}

static void *fs_alloc(size_t n)
{
    return kmalloc(n);
}

static void fs_release(void *p)
{
    kfree(p);
}

static void fs_time(struct vfs_time *t)
{
    uint64_t ns = realtime_ns();
    t->sec = (int64_t)(ns / 1000000000);
    t->nsec = (uint32_t)(ns % 1000000000);
}

static const struct fs_env env = {fs_alloc, fs_release, fs_time};

int files_mount_root(void)
{
    fs_set_env(&env);
    uint64_t blocks = exo_ramdisk_blocks();
    if (!blocks)
        return -ENODEV;
    root_binding = exo_ramdisk_bind(EXO_ENV_LIBOS, 0, blocks, EXO_RIGHT_READ | EXO_RIGHT_WRITE);
    if (root_binding < 0)
        return root_binding;
    ramdisk_bdev = (struct blockdev){rd_read, rd_write, EXO_BLOCK_SIZE, blocks, 1, NULL};
    struct vfs_mount *mnt;
    int err = vfs_mount(&ext2_fs_type, &ramdisk_bdev, 0, NULL, &mnt);
    if (!err)
        have_root = true;
    return err;
}

bool files_have_root(void)
{
    return have_root;
}

struct file *file_new(enum file_kind kind, unsigned flags, struct vfs_file *vf)
{
    struct file *f = kzalloc(sizeof(*f));
    if (f)
        *f = (struct file){1, kind, flags, vf, NULL, NULL};
    return f;
}

void file_get(struct file *f)
{
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
    if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
        return;
    if (f->vf) {
        flock_release_ofd(f);
        vfs_file_put(f->vf);
    }
    if (f->kind == FILE_TTY)
        ttyfile_release(f->obj);
    struct ipc_fd_view view;
    if (ipc_file_view(f, &view))
        ipc_epoll_file_released(&view, f);
    if (f->ops)
        f->ops->release(f->obj, f->flags);
    kfree(f);
}

int files_init_process(struct process *p)
{
    p->fds = kzalloc(sizeof(*p->fds));
    if (!p->fds)
        return -ENOMEM;
    spin_init(&p->fds->lock, "fdtable");
    struct file *con = file_new(FILE_CONSOLE, 2 /* O_RDWR */, NULL);
    if (!con)
        return -ENOMEM;
    con->refs = 3;
    p->fds->fd[0] = p->fds->fd[1] = p->fds->fd[2] = con;
    if (have_root) {
        int err = vfs_root(&p->fsctx.root);
        if (err)
            return err;
        p->fsctx.cwd = p->fsctx.root;
        vfs_path_get(&p->fsctx.cwd);
    }
    return 0;
}

int files_fork(struct process *child, struct process *parent)
{
    child->fds = kzalloc(sizeof(*child->fds));
    if (!child->fds)
        return -ENOMEM;
    spin_init(&child->fds->lock, "fdtable");
    spin_lock(&parent->fds->lock);
    for (int i = 0; i < FD_MAX; i++) {
        if ((child->fds->fd[i] = parent->fds->fd[i])) {
            file_get(child->fds->fd[i]);
            child->fds->cloexec[i] = parent->fds->cloexec[i];
        }
    }
    spin_unlock(&parent->fds->lock);
    child->fsctx = parent->fsctx;
    if (child->fsctx.root.dentry) {
        vfs_path_get(&child->fsctx.root);
        vfs_path_get(&child->fsctx.cwd);
    }
    return 0;
}

static void close_where(struct process *p, bool only_cloexec)
{
    for (int i = 0; i < FD_MAX; i++) {
        spin_lock(&p->fds->lock);
        struct file *f = p->fds->fd[i];
        if (f && (!only_cloexec || p->fds->cloexec[i])) {
            p->fds->fd[i] = NULL;
            p->fds->cloexec[i] = false;
        } else {
            f = NULL;
        }
        spin_unlock(&p->fds->lock);
        if (f)
            fd_forget(p, f);
    }
}

void files_exit(struct process *p)
{
    if (!p->fds)
        return;
    close_where(p, false);
    spin_lock(&p->lock); /* proc_fd_get and proc_fd_next look at p->fds under it */
    struct fdtable *t = p->fds;
    p->fds = NULL;
    spin_unlock(&p->lock);
    kfree(t);
    if (p->fsctx.root.dentry) {
        vfs_path_put(&p->fsctx.root);
        vfs_path_put(&p->fsctx.cwd);
        p->fsctx.root.dentry = p->fsctx.cwd.dentry = NULL;
    }
}

struct file *proc_fd_get(struct process *p, int fd)
{
    struct file *f = NULL;
    spin_lock(&p->lock);
    if (p->fds && fd >= 0 && fd < FD_MAX) {
        spin_lock(&p->fds->lock);
        f = p->fds->fd[fd];
        if (f)
            file_get(f);
        spin_unlock(&p->fds->lock);
    }
    spin_unlock(&p->lock);
    return f;
}

int proc_fd_next(struct process *p, int after)
{
    int found = -1;
    spin_lock(&p->lock);
    if (p->fds) {
        spin_lock(&p->fds->lock);
        for (int fd = after < 0 ? 0 : after + 1; fd < FD_MAX && found < 0; fd++)
            if (p->fds->fd[fd])
                found = fd;
        spin_unlock(&p->fds->lock);
    }
    spin_unlock(&p->lock);
    return found;
}

void files_exec(struct process *p)
{
    close_where(p, true);
}

int files_open_exec(struct process *p, const char *path, struct vfs_file **out)
{
    if (!have_root)
        return -ENOENT;
    struct vfs_ctx c = p->fsctx;
    c.cred = proc_vfs_cred(p, false);
    int err = vfs_open(&c, path, VFS_O_RDONLY, 0, out);
    if (err)
        return err;
    struct vfs_inode *i = (*out)->inode;
    if (!VFS_S_ISREG(i->mode))
        err = -EACCES;
    else
        err = vfs_permission(&c.cred, i, VFS_MAY_EXEC);
    if (err)
        vfs_file_put(*out);
    return err;
}

void fd_forget(struct process *p, struct file *f)
{
    if (f->vf)
        flock_release_posix(p, f);
    file_put(f);
}

struct file *fd_get(int fd)
{
    struct file *f = fd_get_raw(fd);
    if (f && (f->flags & VFS_O_PATH)) {
        file_put(f);
        return NULL;
    }
    return f;
}

struct file *fd_get_raw(int fd)
{
    struct process *p = current_proc();
    if (fd < 0 || fd >= FD_MAX)
        return NULL;
    spin_lock(&p->fds->lock);
    struct file *f = p->fds->fd[fd];
    if (f)
        file_get(f);
    spin_unlock(&p->fds->lock);
    return f;
}

int fd_limit(void)
{
    uint64_t cur = current_proc()->rlimits[LINUX_RLIMIT_NOFILE].rlim_cur;
    return cur < FD_MAX ? (int)cur : FD_MAX;
}

long fsize_limit(uint64_t pos, uint64_t *len)
{
    uint64_t limit = current_proc()->rlimits[LINUX_RLIMIT_FSIZE].rlim_cur;
    if (limit == LINUX_RLIM_INFINITY || (len && *len == 0))
        return 0;
    if (len ? pos >= limit : pos > limit) {
        linux_siginfo_t info;
        sig_info_kernel(&info, LINUX_SIGXFSZ);
        signal_thread(current_task(), &info);
        return -EFBIG;
    }
    if (len && *len > limit - pos)
        *len = limit - pos;
    return 0;
}

int fd_install(struct file *f, int min, bool cloexec)
{
    struct process *p = current_proc();
    int limit = fd_limit();
    spin_lock(&p->fds->lock);
    for (int i = min; i < limit; i++) {
        if (!p->fds->fd[i]) {
            p->fds->fd[i] = f;
            p->fds->cloexec[i] = cloexec;
            spin_unlock(&p->fds->lock);
            return i;
        }
    }
    spin_unlock(&p->fds->lock);
    return -EMFILE;
}

/* A filesystem context for a path relative to dirfd (AT_FDCWD or a directory). */
static int ctx_for(int dirfd, const char *path, struct vfs_ctx *c, struct file **held)
{
    struct process *p = current_proc();
    *held = NULL;
    if (!have_root)
        return -ENOENT;
    *c = p->fsctx;
    c->cred = proc_vfs_cred(p, false);
    if (path[0] == '/' || dirfd == AT_FDCWD)
        return 0;
    struct file *f = fd_get_raw(dirfd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_VFS) {
        file_put(f);
        return -ENOTDIR;
    }
    c->cwd = f->vf->path;
    *held = f;
    return 0;
}

static long get_path(uint64_t upath, char *buf)
{
    long n = strncpy_from_user(buf, upath, 4096);
    if (n == 0)
        return -ENOENT;
    return n < 0 ? n : 0;
}

long at_path_get(int dirfd, uint64_t upath, struct at_path *a)
{
    a->held = NULL;
    a->path = kmalloc(4096);
    if (!a->path)
        return -ENOMEM;
    long err = get_path(upath, a->path);
    if (!err)
        err = ctx_for(dirfd, a->path, &a->c, &a->held);
    if (err)
        kfree(a->path);
    return err;
}

void at_path_put(struct at_path *a)
{
    if (a->held)
        file_put(a->held);
    kfree(a->path);
}

/* A terminal device node opens the terminal (libos/pty.h): 0 with *out set, 1 when vf is
 * not one, or an error. */
static long open_terminal(struct vfs_file *vf, unsigned flags, struct file **out)
{
    struct vfs_stat st;
    if (vfs_fstat(vf, &st) || (st.mode & VFS_S_IFMT) != VFS_S_IFCHR)
        return 1;
    bool console;
    void *obj = NULL;
    int r = tty_open_device(st.rdev, flags, &console, &obj);
    if (r <= 0)
        return r < 0 ? r : 1;
    *out = file_new(console ? FILE_CONSOLE : FILE_TTY, flags & ~O_CLOEXEC, NULL);
    if (!*out) {
        if (obj)
            ttyfile_release(obj);
        return -ENOMEM;
    }
    (*out)->obj = obj;
    return 0;
}

SYSCALL_DEFINE4(openat, int, dirfd, uint64_t, upath, unsigned, flags, unsigned, mode)
{
    struct at_path a;
    long err = at_path_get(dirfd, upath, &a);
    if (err)
        return err;
    struct vfs_file *vf = NULL;
    if (flags & VFS_O_PATH) {
        flags &= VFS_O_PATH | VFS_O_DIRECTORY | VFS_O_NOFOLLOW | O_CLOEXEC;
        err = vfs_open_path(&a.c, a.path, flags & ~O_CLOEXEC, &vf);
    } else {
        err = vfs_open(&a.c, a.path, flags & ~O_CLOEXEC, mode & ~current_proc()->umask, &vf);
    }
    at_path_put(&a);
    if (err)
        return err;
    struct file *f = NULL;
    err = open_terminal(vf, flags, &f);
    if (err <= 0) {
        vfs_file_put(vf);
        if (err)
            return err;
    } else if (!(f = file_new(FILE_VFS, flags & ~O_CLOEXEC, vf))) {
        vfs_file_put(vf);
        return -ENOMEM;
    }
    if ((vf->inode->mode & VFS_S_IFMT) == VFS_S_IFIFO && (err = fifo_attach(f))) {
        file_put(f);
        return err;
    }
    int fd = fd_install(f, 0, flags & O_CLOEXEC);
    if (fd < 0)
        file_put(f);
    return fd;
}

SYSCALL_DEFINE1(close, int, fd)
{
    struct process *p = current_proc();
    if (fd < 0 || fd >= FD_MAX)
        return -EBADF;
    spin_lock(&p->fds->lock);
    struct file *f = p->fds->fd[fd];
    p->fds->fd[fd] = NULL;
    p->fds->cloexec[fd] = false;
    spin_unlock(&p->fds->lock);
    if (!f)
        return -EBADF;
    fd_forget(p, f);
    return 0;
}

long ttycon_read(uint64_t ubuf, uint64_t len, unsigned fflags);
long ttycon_write(const struct io_src *src, uint64_t len);
long ttycon_ioctl(unsigned cmd, uint64_t arg);
uint32_t ttycon_poll(struct ipc_poll_table *pt);

int io_src_copy(const struct io_src *src, void *dst, uint64_t off, size_t n)
{
    if (src->kbuf) {
        memcpy(dst, src->kbuf + off, n);
        return 0;
    }
    return copy_from_user(dst, src->ubuf + off, n) ? -EFAULT : 0;
}

/* Moves bytes between a VFS file and user memory (read: ubuf; write: src) through a kernel
 * bounce buffer. */
static long vfs_io(struct file *f, uint64_t ubuf, const struct io_src *src, uint64_t len,
                   bool positional, uint64_t off)
{
    bool write = src != NULL;
    if (write ? (f->flags & 3) == 0 : (f->flags & 3) == 1)
        return -EBADF;
    if (write && VFS_S_ISREG(f->vf->inode->mode)) {
        uint64_t at = positional                  ? off
                      : (f->flags & VFS_O_APPEND) ? f->vf->inode->size
                                                  : f->vf->pos;
        long err = fsize_limit(at, &len);
        if (err)
            return err;
    }
    uint8_t *kbuf = kmalloc(4096);
    if (!kbuf)
        return -ENOMEM;
    long done = 0;
    while ((uint64_t)done < len) {
        size_t n = MIN(len - (uint64_t)done, 4096);
        int64_t r;
        if (write) {
            if (io_src_copy(src, kbuf, (uint64_t)done, n)) {
                r = -EFAULT;
            } else {
                r = positional ? vfs_pwrite(f->vf, kbuf, n, off + (uint64_t)done)
                               : vfs_write(f->vf, kbuf, n);
            }
        } else {
            r = positional ? vfs_pread(f->vf, kbuf, n, off + (uint64_t)done)
                           : vfs_read(f->vf, kbuf, n);
            if (r > 0 && copy_to_user(ubuf + (uint64_t)done, kbuf, (uint64_t)r))
                r = -EFAULT;
        }
        if (r <= 0) {
            if (!done)
                done = r;
            break;
        }
        done += r;
        if ((size_t)r < n)
            break;
    }
    kfree(kbuf);
    return done;
}

static long ops_read(struct file *f, uint64_t ubuf, uint64_t len);
static long ops_write(struct file *f, const struct io_src *src, uint64_t len);

/* Was f opened for reading (write false) or writing (write true)? */
static bool file_mode_allows(const struct file *f, bool write)
{
    return write ? (f->flags & 3) != 0 : (f->flags & 3) != 1;
}

/* ioctl on a FILE_OPS file: the argument of the int-sized requests (FIONREAD) goes through
 * a kernel copy. */
static long ops_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    int32_t karg = 0;
    if (!f->ops->ioctl)
        return -ENOTTY;
    long r = f->ops->ioctl(f->obj, f->flags, cmd, &karg);
    if (r == 0 && cmd == LINUX_FIONREAD && copy_to_user(arg, &karg, sizeof(karg)))
        r = -EFAULT;
    return r;
}

/* write to any open file from src, at off when positional (seekable files only). */
static long file_write_at(struct file *f, const struct io_src *src, uint64_t len, bool positional,
                          uint64_t off)
{
    switch (f->kind) {
    case FILE_CONSOLE:
        return positional ? -ESPIPE : ttycon_write(src, len);
    case FILE_OPS:
        return positional ? -ESPIPE : !file_mode_allows(f, 1) ? -EBADF : ops_write(f, src, len);
    case FILE_TTY:
        return positional ? -ESPIPE : ttyfile_write(f->obj, src, len, f->flags);
    default:
        return vfs_io(f, 0, src, len, positional, off);
    }
}

long file_write_src(struct file *f, const struct io_src *src, uint64_t len)
{
    return file_write_at(f, src, len, false, 0);
}

/* read from any open file into user memory, at off when positional. */
static long file_read_at(struct file *f, uint64_t ubuf, uint64_t len, bool positional, uint64_t off)
{
    switch (f->kind) {
    case FILE_CONSOLE:
        return positional ? -ESPIPE : ttycon_read(ubuf, len, f->flags);
    case FILE_OPS:
        return positional ? -ESPIPE : !file_mode_allows(f, 0) ? -EBADF : ops_read(f, ubuf, len);
    case FILE_TTY:
        return positional ? -ESPIPE : ttyfile_read(f->obj, ubuf, len, f->flags);
    default:
        return vfs_io(f, ubuf, NULL, len, positional, off);
    }
}

static long file_io(int fd, uint64_t buf, uint64_t len, bool write, bool positional, uint64_t off)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    struct io_src src = {buf, NULL};
    long r = write ? file_write_at(f, &src, len, positional, off)
                   : file_read_at(f, buf, len, positional, off);
    file_put(f);
    return r;
}

SYSCALL_DEFINE3(read, int, fd, uint64_t, buf, uint64_t, len)
{
    return file_io(fd, buf, len, false, false, 0);
}

SYSCALL_DEFINE3(write, int, fd, uint64_t, buf, uint64_t, len)
{
    return file_io(fd, buf, len, true, false, 0);
}

SYSCALL_DEFINE4(pread64, int, fd, uint64_t, buf, uint64_t, len, int64_t, off)
{
    return off < 0 ? -EINVAL : file_io(fd, buf, len, false, true, (uint64_t)off);
}

SYSCALL_DEFINE4(pwrite64, int, fd, uint64_t, buf, uint64_t, len, int64_t, off)
{
    return off < 0 ? -EINVAL : file_io(fd, buf, len, true, true, (uint64_t)off);
}

long vector_io(int fd, uint64_t iov, int iovcnt, bool write, bool positional, uint64_t off)
{
    if (iovcnt < 0 || iovcnt > 1024)
        return -EINVAL;
    long total = 0;
    for (int i = 0; i < iovcnt; i++) {
        uint64_t v[2];
        if (copy_from_user(v, iov + 16 * (uint64_t)i, sizeof(v)))
            return total ? total : -EFAULT;
        long n = file_io(fd, v[0], v[1], write, positional, off + (uint64_t)total);
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((uint64_t)n < v[1])
            break;
    }
    return total;
}

SYSCALL_DEFINE3(readv, int, fd, uint64_t, iov, int, iovcnt)
{
    return vector_io(fd, iov, iovcnt, false, false, 0);
}

SYSCALL_DEFINE3(writev, int, fd, uint64_t, iov, int, iovcnt)
{
    return vector_io(fd, iov, iovcnt, true, false, 0);
}

/* TIOCGPTPEER: a new descriptor for the slave of PTY master f, opened with flags. */
static long open_pty_peer(struct file *f, unsigned flags)
{
    void *obj;
    int err = pty_open_peer(f->obj, flags, &obj);
    if (err)
        return err;
    struct file *nf = file_new(FILE_TTY, flags & ~O_CLOEXEC, NULL);
    if (!nf) {
        ttyfile_release(obj);
        return -ENOMEM;
    }
    nf->obj = obj;
    int fd = fd_install(nf, 0, flags & O_CLOEXEC);
    if (fd < 0)
        file_put(nf);
    return fd;
}

SYSCALL_DEFINE3(ioctl, int, fd, unsigned, cmd, uint64_t, arg)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    if (f->kind == FILE_TTY && cmd == LINUX_TIOCGPTPEER) {
        long r = open_pty_peer(f, (unsigned)arg);
        file_put(f);
        return r;
    }
    long r = f->kind == FILE_CONSOLE ? ttycon_ioctl(cmd, arg)
             : f->kind == FILE_TTY   ? ttyfile_ioctl(f->obj, cmd, arg)
             : f->kind == FILE_OPS   ? ops_ioctl(f, cmd, arg)
                                     : -ENOTTY;
    file_put(f);
    return r;
}

SYSCALL_DEFINE3(lseek, int, fd, int64_t, off, int, whence)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long r = f->kind == FILE_VFS ? (long)vfs_lseek(f->vf, off, whence) : -ESPIPE;
    file_put(f);
    return r;
}

static void stat_to_linux(const struct vfs_stat *s, struct linux_stat *l)
{
    memset(l, 0, sizeof(*l));
    l->st_dev = s->dev;
    l->st_ino = s->ino;
    l->st_mode = s->mode;
    l->st_nlink = s->nlink;
    l->st_uid = s->uid;
    l->st_gid = s->gid;
    l->st_rdev = s->rdev;
    l->st_size = (int64_t)s->size;
    l->st_blksize = (int32_t)s->blksize;
    l->st_blocks = (int64_t)s->blocks;
    l->st_atime = s->atime.sec;
    l->st_atime_nsec = s->atime.nsec;
    l->st_mtime = s->mtime.sec;
    l->st_mtime_nsec = s->mtime.nsec;
    l->st_ctime = s->ctime.sec;
    l->st_ctime_nsec = s->ctime.nsec;
}

static void console_stat(struct vfs_stat *s)
{
    memset(s, 0, sizeof(*s));
    s->mode = 0020620; /* character device, like /dev/ttyAMA0 */
    s->nlink = 1;
    s->rdev = (204u << 8) | 64;
    s->blksize = 1024;
}

/* stat of an open file: VFS files ask the filesystem; the console and pipes report a
 * character device and a FIFO. */
int file_stat(struct file *f, struct vfs_stat *st)
{
    if (f->kind == FILE_VFS)
        return vfs_fstat(f->vf, st);
    if (f->kind == FILE_CONSOLE) {
        console_stat(st);
        return 0;
    }
    if (f->kind == FILE_TTY) {
        ttyfile_stat(f->obj, st);
        return 0;
    }
    memset(st, 0, sizeof(*st));
    st->mode = 0010600; /* FIFO */
    st->nlink = 1;
    st->blksize = 4096;
    return 0;
}

static long stat_fd(int fd, struct vfs_stat *st)
{
    struct file *f = fd_get_raw(fd);
    if (!f)
        return -EBADF;
    int err = file_stat(f, st);
    file_put(f);
    return err;
}

static long copy_stat_out(uint64_t ustat, const struct vfs_stat *st)
{
    struct linux_stat ls;
    stat_to_linux(st, &ls);
    return copy_to_user(ustat, &ls, sizeof(ls)) ? -EFAULT : 0;
}

SYSCALL_DEFINE4(newfstatat, int, dirfd, uint64_t, upath, uint64_t, ustat, int, flags)
{
    struct vfs_stat st;
    char first;
    if (copy_from_user(&first, upath, 1))
        return -EFAULT;
    long err;
    if (first == '\0' && (flags & AT_EMPTY_PATH)) {
        err = stat_fd(dirfd, &st);
    } else {
        struct at_path a;
        err = at_path_get(dirfd, upath, &a);
        if (err)
            return err;
        err = vfs_stat(&a.c, a.path, !(flags & AT_SYMLINK_NOFOLLOW), &st);
        at_path_put(&a);
    }
    return err < 0 ? err : copy_stat_out(ustat, &st);
}

SYSCALL_DEFINE2(fstat, int, fd, uint64_t, ustat)
{
    struct vfs_stat st;
    long err = stat_fd(fd, &st);
    return err < 0 ? err : copy_stat_out(ustat, &st);
}

struct dirent_buf {
    uint8_t *buf;
    size_t size, used;
    bool full;
};

static int fill_dirent(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                       uint64_t pos_next)
{
    struct dirent_buf *d = ctx;
    size_t reclen = ALIGN_UP(19 + len + 1, 8);
    if (d->used + reclen > d->size) {
        d->full = true;
        return 1;
    }
    uint8_t *e = d->buf + d->used;
    memset(e, 0, reclen);
    memcpy(e, &ino, 8);
    memcpy(e + 8, &pos_next, 8);
    uint16_t rl = (uint16_t)reclen;
    memcpy(e + 16, &rl, 2);
    e[18] = (uint8_t)type;
    memcpy(e + 19, name, len);
    d->used += reclen;
    return 0;
}

SYSCALL_DEFINE3(getdents64, int, fd, uint64_t, ubuf, uint64_t, len)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_VFS) {
        file_put(f);
        return -ENOTDIR;
    }
    size_t size = MIN(len, 32768);
    struct dirent_buf d = {kmalloc(size), size, 0, false};
    long r = d.buf ? vfs_readdir(f->vf, fill_dirent, &d) : -ENOMEM;
    file_put(f);
    if (r >= 0 || (d.full && d.used)) {
        r = d.used == 0 && d.full ? -EINVAL : (long)d.used;
        if (d.used && copy_to_user(ubuf, d.buf, d.used))
            r = -EFAULT;
    }
    kfree(d.buf);
    return r;
}

SYSCALL_DEFINE4(readlinkat, int, dirfd, uint64_t, upath, uint64_t, ubuf, int, size)
{
    if (size <= 0)
        return -EINVAL;
    char *out = kmalloc(4096);
    struct at_path a;
    long err = out ? at_path_get(dirfd, upath, &a) : -ENOMEM;
    if (!err) {
        err = vfs_readlink(&a.c, a.path, out, 4096);
        at_path_put(&a);
    }
    if (err >= 0) {
        long n = MIN(err, size);
        err = copy_to_user(ubuf, out, (uint64_t)n) ? -EFAULT : n;
    }
    kfree(out);
    return err;
}

SYSCALL_DEFINE3(mkdirat, int, dirfd, uint64_t, upath, unsigned, mode)
{
    struct at_path a;
    long err = at_path_get(dirfd, upath, &a);
    if (err)
        return err;
    err = vfs_mkdir(&a.c, a.path, mode & ~current_proc()->umask & 07777);
    at_path_put(&a);
    return err;
}

/* mknodat: regular files, FIFOs and sockets for anyone; devices need root (CAP_MKNOD). */
SYSCALL_DEFINE4(mknodat, int, dirfd, uint64_t, upath, unsigned, mode, uint64_t, dev)
{
    unsigned type = mode & VFS_S_IFMT;
    if (type == VFS_S_IFDIR || type == VFS_S_IFLNK ||
        (type && type != VFS_S_IFREG && type != VFS_S_IFIFO && type != VFS_S_IFSOCK &&
         type != VFS_S_IFCHR && type != VFS_S_IFBLK))
        return -EINVAL;
    if ((type == VFS_S_IFCHR || type == VFS_S_IFBLK) && current_proc()->euid != 0)
        return -EPERM;
    struct at_path a;
    long err = at_path_get(dirfd, upath, &a);
    if (err)
        return err;
    err = vfs_mknod(&a.c, a.path, type | (mode & ~current_proc()->umask & 07777), dev);
    at_path_put(&a);
    return err;
}

SYSCALL_DEFINE3(unlinkat, int, dirfd, uint64_t, upath, int, flags)
{
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    struct at_path a;
    long err = at_path_get(dirfd, upath, &a);
    if (err)
        return err;
    err = flags & AT_REMOVEDIR ? vfs_rmdir(&a.c, a.path) : vfs_unlink(&a.c, a.path);
    at_path_put(&a);
    return err;
}

SYSCALL_DEFINE2(getcwd, uint64_t, ubuf, uint64_t, size)
{
    struct process *p = current_proc();
    if (!p->fsctx.cwd.dentry || p->fsctx.cwd.dentry->inode->nlink == 0)
        return -ENOENT; /* removed */
    static const char unreachable[] = "(unreachable)";
    const size_t skip = sizeof(unreachable) - 1;
    char *buf = kmalloc(4096);
    if (!buf)
        return -ENOMEM;
    bool outside;
    long len = vfs_path_name(&p->fsctx.root, &p->fsctx.cwd, buf + skip, 4096 - skip, &outside);
    char *path = buf + skip;
    if (len >= 0 && outside) { /* Linux's mark for a cwd outside a chroot */
        path = buf;
        memcpy(path, unreachable, skip);
        len += (long)skip;
    }
    if (len >= 0 && (uint64_t)len + 1 > size)
        len = -ERANGE;
    if (len >= 0)
        len = copy_to_user(ubuf, path, (uint64_t)len + 1) ? -EFAULT : len + 1;
    kfree(buf);
    return len;
}

SYSCALL_DEFINE1(chdir, uint64_t, upath)
{
    struct process *p = current_proc();
    char *path = kmalloc(4096);
    long err = path ? get_path(upath, path) : -ENOMEM;
    if (!err) {
        struct vfs_ctx c = p->fsctx;
        c.cred = proc_vfs_cred(p, false);
        err = vfs_chdir(&c, path);
        if (!err)
            p->fsctx.cwd = c.cwd;
    }
    kfree(path);
    return err;
}

static int dup_to(int oldfd, int min, bool cloexec)
{
    struct file *f = fd_get_raw(oldfd);
    if (!f)
        return -EBADF;
    int fd = fd_install(f, min, cloexec);
    if (fd < 0)
        file_put(f);
    return fd;
}

SYSCALL_DEFINE1(dup, int, fd)
{
    return dup_to(fd, 0, false);
}

SYSCALL_DEFINE3(dup3, int, oldfd, int, newfd, unsigned, flags)
{
    struct process *p = current_proc();
    if (oldfd == newfd || (flags & ~O_CLOEXEC))
        return -EINVAL;
    if (newfd < 0 || newfd >= fd_limit())
        return -EBADF;
    struct file *f = fd_get_raw(oldfd);
    if (!f)
        return -EBADF;
    spin_lock(&p->fds->lock);
    struct file *old = p->fds->fd[newfd];
    p->fds->fd[newfd] = f;
    p->fds->cloexec[newfd] = flags & O_CLOEXEC;
    spin_unlock(&p->fds->lock);
    if (old)
        fd_forget(p, old);
    return newfd;
}

/* The pipe behind a pipe or FIFO file, or NULL. */
static struct pipe *file_pipe(const struct file *f)
{
    return f->ops == &pipe_file_ops ? f->obj : fifo_pipe(f);
}

SYSCALL_DEFINE3(fcntl, int, fd, int, cmd, uint64_t, arg)
{
    struct process *p = current_proc();
    struct file *f = fd_get_raw(fd);
    if (!f)
        return -EBADF;
    long r;
    switch (cmd) {
    case LINUX_F_GETLK:
    case LINUX_F_SETLK:
    case LINUX_F_SETLKW:
    case LINUX_F_OFD_GETLK:
    case LINUX_F_OFD_SETLK:
    case LINUX_F_OFD_SETLKW:
        r = (f->flags & VFS_O_PATH) ? -EBADF : flock_fcntl(f, cmd, arg);
        break;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        r = arg >= (uint64_t)fd_limit() ? -EINVAL : dup_to(fd, (int)arg, cmd == F_DUPFD_CLOEXEC);
        break;
    case F_GETFD:
        r = p->fds->cloexec[fd] ? FD_CLOEXEC : 0;
        break;
    case F_SETFD:
        p->fds->cloexec[fd] = arg & FD_CLOEXEC;
        r = 0;
        break;
    case F_GETFL:
        r = f->flags;
        break;
    case F_SETFL:
        if (f->flags & VFS_O_PATH) {
            r = -EBADF;
            break;
        }
        f->flags = (f->flags & 3) | ((unsigned)arg & (VFS_O_APPEND | O_NONBLOCK));
        if (f->vf)
            f->vf->flags = (f->vf->flags & ~VFS_O_APPEND) | ((unsigned)arg & VFS_O_APPEND);
        r = 0;
        break;
    case LINUX_F_GETPIPE_SZ:
        r = file_pipe(f) ? pipe_get_size(file_pipe(f)) : -EBADF;
        break;
    case LINUX_F_SETPIPE_SZ:
        r = file_pipe(f) ? pipe_set_size(file_pipe(f), arg, p->euid == 0) : -EBADF;
        break;
    default:
        r = -EINVAL;
    }
    file_put(f);
    return r;
}

#define POSIX_FADV_MAX 5 /* NORMAL, RANDOM, SEQUENTIAL, WILLNEED, DONTNEED, NOREUSE */

/* Access-pattern advice. The page cache reads on demand and keeps what it holds, so every
 * valid piece of advice is accepted and changes nothing. */
SYSCALL_DEFINE4(fadvise64, int, fd, int64_t, offset, int64_t, len, int, advice)
{
    (void)offset;
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long r = file_pipe(f)                                       ? -ESPIPE
             : len < 0 || advice < 0 || advice > POSIX_FADV_MAX ? -EINVAL
                                                                : 0;
    file_put(f);
    return r;
}

/* Read-ahead into the page cache: a hint, accepted for regular files open for reading. */
SYSCALL_DEFINE3(readahead, int, fd, int64_t, offset, uint64_t, count)
{
    (void)offset, (void)count;
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long r = (f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY                ? -EBADF
             : f->kind != FILE_VFS || !VFS_S_ISREG(f->vf->inode->mode) ? -EINVAL
                                                                       : 0;
    file_put(f);
    return r;
}

/* Reads a whole regular file into memory for exec's planner (callback for exec_file). */
long files_exec_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    return (long)vfs_pread(ctx, buf, len, off);
}

/* MAP_PRIVATE file mappings are filled by reading the file (a private copy at map time;
 * the page cache will make them shared and lazy). */
int files_vfs_file(int fd, struct vfs_file **out, unsigned *flags)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    int err = f->kind == FILE_VFS ? 0 : -ENODEV;
    if (!err) {
        vfs_file_get(f->vf);
        *out = f->vf;
        *flags = f->flags;
    }
    file_put(f);
    return err;
}

#define POLLIN  0x001
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010

/* One file's POLL* mask; pt (may be NULL) registers the waiter. */
uint32_t file_poll(struct file *f, struct ipc_poll_table *pt)
{
    switch (f->kind) {
    case FILE_CONSOLE:
        return ttycon_poll(pt);
    case FILE_TTY:
        return ttyfile_poll(f->obj, pt);
    case FILE_OPS:
        return f->ops->poll ? f->ops->poll(f->obj, f->flags, pt) : 0;
    default:
        return POLLIN | POLLOUT;
    }
}

struct file_wait_args {
    struct file *f;
    uint32_t events;
};

static long file_ready(void *arg, struct ipc_poll_table *pt)
{
    struct file_wait_args *a = arg;
    return (file_poll(a->f, pt) & (a->events | POLLERR | POLLHUP)) != 0;
}

/* Sleeps until f has one of events (or POLLERR/POLLHUP) or a signal comes: 0,
 * -ERESTARTSYS or -ENOMEM. */
int file_wait(struct file *f, uint32_t events)
{
    struct file_wait_args a = {f, events};
    long r = ipc_wait_scan(file_ready, &a, 0);
    return r > 0 ? 0 : (int)r;
}

/* read on a FILE_OPS file: blocking unless O_NONBLOCK; at most one kernel buffer's worth. */
static long ops_read(struct file *f, uint64_t ubuf, uint64_t len)
{
    if (!f->ops->read)
        return -EINVAL;
    uint8_t *kbuf = kmalloc(4096);
    if (!kbuf)
        return -ENOMEM;
    long r;
    for (;;) {
        r = f->ops->read(f->obj, f->flags, kbuf, MIN(len, 4096));
        if (r > 0 && copy_to_user(ubuf, kbuf, (uint64_t)r))
            r = -EFAULT;
        if (r != -EAGAIN || (f->flags & O_NONBLOCK) || (r = file_wait(f, POLLIN)))
            break;
    }
    kfree(kbuf);
    return r;
}

/* write on a FILE_OPS file: all of src unless O_NONBLOCK or a signal stops it short, SIGPIPE
 * on a broken pipe. */
static long ops_write(struct file *f, const struct io_src *src, uint64_t len)
{
    if (!f->ops->write)
        return -EINVAL;
    uint8_t *kbuf = kmalloc(4096);
    if (!kbuf)
        return -ENOMEM;
    long done = 0;
    for (;;) {
        size_t n = MIN(len - (uint64_t)done, 4096);
        long r = io_src_copy(src, kbuf, (uint64_t)done, n);
        if (!r)
            r = f->ops->write(f->obj, f->flags, kbuf, n);
        if (r == -EAGAIN && !(f->flags & O_NONBLOCK) && !(r = file_wait(f, POLLOUT)))
            continue;
        if (r == -EPIPE) {
            linux_siginfo_t info;
            sig_info_kernel(&info, LINUX_SIGPIPE);
            signal_thread(current_task(), &info);
        }
        if (r < 0) {
            if (!done)
                done = r;
            break;
        }
        done += r;
        if ((uint64_t)done >= len || r == 0)
            break;
    }
    kfree(kbuf);
    return done;
}

static void *ipc_alloc(size_t n)
{
    return kzalloc(n);
}

static void ipc_release(void *p)
{
    kfree(p);
}

/* CLOCK_REALTIME(_ALARM) reads the wall clock; the others are the monotonic boot clock. */
static uint64_t ipc_now(int clockid)
{
    if (clockid == LINUX_CLOCK_REALTIME || clockid == LINUX_CLOCK_REALTIME_ALARM)
        return realtime_ns();
    return exo_time_ns();
}

const struct ipc_env ipc_env = {ipc_alloc, ipc_release, ipc_now};

SYSCALL_DEFINE2(pipe2, uint64_t, ufds, unsigned, flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    struct pipe *p;
    int err = pipe_create(&ipc_env, &p);
    if (err)
        return err;
    pipe_open(p, VFS_O_RDONLY);
    pipe_open(p, VFS_O_WRONLY);
    struct file *rf = file_new(FILE_OPS, VFS_O_RDONLY | (flags & O_NONBLOCK), NULL);
    struct file *wf = file_new(FILE_OPS, VFS_O_WRONLY | (flags & O_NONBLOCK), NULL);
    if (!rf || !wf) {
        kfree(rf);
        kfree(wf);
        pipe_close(p, VFS_O_RDONLY);
        if (pipe_close(p, VFS_O_WRONLY))
            pipe_destroy(p);
        return -ENOMEM;
    }
    rf->ops = wf->ops = &pipe_file_ops;
    rf->obj = wf->obj = p;
    int fds[2];
    fds[0] = fd_install(rf, 0, flags & O_CLOEXEC);
    fds[1] = fds[0] < 0 ? -EMFILE : fd_install(wf, 0, flags & O_CLOEXEC);
    if (fds[0] < 0 || fds[1] < 0) {
        if (fds[0] >= 0)
            sys_close(fds[0], 0, 0, 0, 0, 0);
        else
            file_put(rf);
        file_put(wf);
        return -EMFILE;
    }
    if (copy_to_user(ufds, fds, sizeof(fds))) {
        sys_close(fds[0], 0, 0, 0, 0, 0);
        sys_close(fds[1], 0, 0, 0, 0, 0);
        return -EFAULT;
    }
    return 0;
}
