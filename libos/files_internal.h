/*
 * Shared between the descriptor-table code (libos/files.c) and the file-system syscalls
 * built on it (libos/sys_fs.c, libos/flock.c): descriptor lookup, path arguments of *at()
 * syscalls, and the hooks that keep record locks in step with descriptors.
 */
#ifndef LIBOS_FILES_INTERNAL_H
#define LIBOS_FILES_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include <fs/vfs.h>
#include <libos/file.h>

struct process;

/* Is the root filesystem mounted (are paths usable at all)? */
bool files_have_root(void);

/* The open file behind fd, referenced, or NULL. fd_get refuses O_PATH descriptors (the
 * calls that do I/O or change the file treat them as not open); fd_get_raw accepts them. */
struct file *fd_get(int fd);
struct file *fd_get_raw(int fd);
void file_get(struct file *f);
void file_put(struct file *f);
/* A new open file with one reference, or NULL. */
struct file *file_new(enum file_kind kind, unsigned flags, struct vfs_file *vf);
/* The number of descriptors the caller may have: RLIMIT_NOFILE, at most FD_MAX. */
int fd_limit(void);
/* RLIMIT_FSIZE for a write of *len bytes at pos (len NULL: a new size pos): 0 with *len
 * clamped to the limit, or -EFBIG after sending SIGXFSZ when pos is at or past it. */
long fsize_limit(uint64_t pos, uint64_t *len);
/* Installs f at the lowest free descriptor >= min below fd_limit(): it, or -EMFILE. */
int fd_install(struct file *f, int min, bool cloexec);
/* Forgets f as descriptor of p (already removed from the table): drops p's record locks
 * on its file, then the reference the table held. */
void fd_forget(struct process *p, struct file *f);

/* A path argument of an *at() syscall: the path copied in and the context (root, working
 * directory or dirfd, credentials) it resolves in. */
struct at_path {
    char *path;
    struct vfs_ctx c;
    struct file *held; /* dirfd's file, referenced while in use */
};

/* Copies upath and resolves dirfd: 0, or an error with nothing left to release. */
long at_path_get(int dirfd, uint64_t upath, struct at_path *a);
void at_path_put(struct at_path *a);

/* readv/writev and their positional forms: the iovecs at iov in turn, stopping at the first
 * short transfer; positional I/O starts at off and leaves the file position alone. */
long vector_io(int fd, uint64_t iov, int iovcnt, bool write, bool positional, uint64_t off);

/* stat of an open file (VFS files ask the filesystem; console and pipes are synthesized). */
int file_stat(struct file *f, struct vfs_stat *st);

/* libos/flock.c: fcntl's record-lock commands (F_GETLK, F_SETLK(W), F_OFD_*) on f. */
long flock_fcntl(struct file *f, int cmd, uint64_t arg);
/* Drops every POSIX lock process p holds on the file behind f (a descriptor was closed). */
void flock_release_posix(struct process *p, struct file *f);
/* Drops the OFD and flock(2) locks owned by f (its last reference went). */
void flock_release_ofd(struct file *f);


#endif
