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

enum file_kind { FILE_VFS, FILE_CONSOLE, FILE_OPS, FILE_TTY /* pty end (libos/pty.h) */ };

struct ipc_file_ops;
struct ipc_poll_table;
struct ipc_env;

struct file {
    int refs;
    enum file_kind kind;
    unsigned flags;                 /* O_* status flags and access mode */
    struct vfs_file *vf;            /* FILE_VFS */
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

/* Open files and descriptors, for the syscalls outside files.c (libos/sys_ipc.c, sockets). */
struct file *file_new(enum file_kind kind, unsigned flags, struct vfs_file *vf);
void file_get(struct file *f);
/* Drops a reference; the last one releases the file (FILE_OPS: epoll items, ops->release). */
void file_put(struct file *f);
/* The open file behind fd (referenced), or NULL. */
struct file *fd_get(int fd);
/* Another process's open file at fd (referenced), or NULL; safe while p exits. */
struct file *proc_fd_get(struct process *p, int fd);
/* p's lowest open descriptor above after, or -1. */
int proc_fd_next(struct process *p, int after);
/* Installs f at the lowest free descriptor >= min: the descriptor or -EMFILE. */
int fd_install(struct file *f, int min, bool cloexec);
/* f's POLL* mask; pt (may be NULL) registers a waiter on its queues. */
uint32_t file_poll(struct file *f, struct ipc_poll_table *pt);
/* Sleeps until f may have one of events (or POLLERR/POLLHUP): 0, -ERESTARTSYS, -ENOMEM. */
int file_wait(struct file *f, uint32_t events);
/* Where a write's bytes come from: user memory at ubuf, or (kbuf non-NULL) a kernel buffer
 * the libOS writes on the caller's behalf (sendfile). */
struct io_src {
    uint64_t ubuf;
    const uint8_t *kbuf;
};
/* Copies n bytes at offset off of src into dst: 0 or -EFAULT. */
int io_src_copy(const struct io_src *src, void *dst, uint64_t off, size_t n);
/* write(2) of len bytes from src to f at its position (any kind of open file): blocking
 * unless O_NONBLOCK, SIGPIPE on a broken pipe, RLIMIT_FSIZE on regular files. */
long file_write_src(struct file *f, const struct io_src *src, uint64_t len);
/* Allocation and clocks for the libos/ipc cores. */
extern const struct ipc_env ipc_env;

#endif
