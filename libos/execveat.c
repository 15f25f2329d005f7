/*
 * execveat(dirfd, path, argv, envp, flags): execve of a path relative to a directory
 * descriptor, or of the file behind a descriptor (AT_EMPTY_PATH). The location is turned
 * into its absolute name (vfs_path_name) and executed through execve's path; AT_EXECFN is
 * that name (Linux gives "/dev/fd/N[/path]").
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/abi/fcntl.h>
#include <libos/abi/syscall.h>
#include <libos/file.h>
#include <libos/proc.h>
#include <mm/slab.h>

#define NAME_MAX_LEN 4096

/* The absolute name of the file open at fd into buf: its length, -EBADF, or -EACCES for a
 * descriptor that is no file of a filesystem. */
static int fd_name(int fd, char *buf, size_t size)
{
    struct process *p = current_proc();
    if (fd < 0 || fd >= FD_MAX)
        return -EBADF;
    spin_lock(&p->fds->lock);
    struct file *f = p->fds->fd[fd];
    int n = !f ? -EBADF
            : f->kind != FILE_VFS || !f->vf
                ? -EACCES
                : vfs_path_name(&p->fsctx.root, &f->vf->path, buf, size, NULL);
    spin_unlock(&p->fds->lock);
    return n;
}

/* Resolves (dirfd, path, flags) to the absolute or cwd-relative name execve should open. */
static int execveat_name(int dirfd, const char *path, int flags, char *out)
{
    if (!path[0]) {
        if (!(flags & LINUX_AT_EMPTY_PATH))
            return -ENOENT;
        int n = fd_name(dirfd, out, NAME_MAX_LEN);
        return n < 0 ? n : 0;
    }
    if (path[0] == '/' || dirfd == LINUX_AT_FDCWD) {
        strlcpy(out, path, NAME_MAX_LEN);
        return 0;
    }
    int n = fd_name(dirfd, out, NAME_MAX_LEN);
    if (n == -EACCES)
        return -ENOTDIR;
    if (n < 0)
        return n;
    if ((size_t)n + 1 + strlen(path) + 1 > NAME_MAX_LEN)
        return -ENAMETOOLONG;
    if (n > 1)
        out[n++] = '/';
    strlcpy(out + n, path, NAME_MAX_LEN - (size_t)n);
    return 0;
}

SYSCALL_DEFINE5(execveat, int, dirfd, uint64_t, upath, uint64_t, uargv, uint64_t, uenvp, int, flags)
{
    if (flags & ~(LINUX_AT_EMPTY_PATH | LINUX_AT_SYMLINK_NOFOLLOW))
        return -EINVAL;
    char *path = kmalloc(2 * NAME_MAX_LEN);
    if (!path)
        return -ENOMEM;
    char *name = path + NAME_MAX_LEN;
    long err = strncpy_from_user(path, upath, NAME_MAX_LEN);
    if (err >= 0)
        err = execveat_name(dirfd, path, flags, name);
    if (!err && (flags & LINUX_AT_SYMLINK_NOFOLLOW)) {
        struct vfs_stat st;
        err = vfs_stat(&current_proc()->fsctx, name, false, &st);
        if (!err && (st.mode & 0170000) == 0120000)
            err = -ELOOP;
    }
    if (!err)
        err = proc_execve(name, uargv, uenvp);
    kfree(path);
    return err;
}
