/*
 * Open files and descriptor tables. An open file is either a VFS file or the console; a
 * descriptor table maps small integers to open files with a close-on-exec bit. Threads of
 * a process share its table; fork copies it.
 */
#ifndef LIBOS_FILE_H
#define LIBOS_FILE_H
#include <stdbool.h>
#include <stdint.h>
#include <fs/vfs.h>
#include <lib/spinlock.h>

#define FD_MAX 256

enum file_kind { FILE_VFS, FILE_CONSOLE, FILE_OPS };

struct ipc_file_ops;

struct file {
    int refs;
    enum file_kind kind;
    unsigned flags;        /* O_* status flags and access mode */
    struct vfs_file *vf;   /* FILE_VFS */
    const struct ipc_file_ops *ops; /* FILE_OPS: pipes, eventfds, epolls (libos/ipc) */
    void *obj;
};

struct fdtable {
    struct spinlock lock;
    struct file *fd[FD_MAX];
    bool cloexec[FD_MAX];
};

struct process;

/* Mounts the root filesystem from the ramdisk, if there is one: 0 or an error. */
int files_mount_root(void);
/* The first process's table (console on 0, 1, 2) and filesystem context. */
int files_init_process(struct process *p);
/* fork: copies parent's table and context into child. */
int files_fork(struct process *child, struct process *parent);
/* exit: closes everything. */
void files_exit(struct process *p);
/* exec: closes the close-on-exec descriptors. */
void files_exec(struct process *p);
/* The VFS file open as fd (one reference for the caller) and its O_* flags, for mmap: 0,
 * -EBADF (no such descriptor) or -ENODEV (console, pipe and other non-VFS files). */
int files_vfs_file(int fd, struct vfs_file **out, unsigned *flags);
/* Opens path for exec (read-only, regular file): a referenced vfs_file. */
int files_open_exec(struct process *p, const char *path, struct vfs_file **out);

#endif
