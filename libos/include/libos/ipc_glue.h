/*
 * The libOS side of the libos/ipc cores (libos/sys_ipc.c): ipc objects as descriptors, and
 * waiting for readiness on poll queues. Used by epoll/eventfd/timerfd/signalfd/pselect6 and
 * by Unix domain sockets.
 */
#ifndef LIBOS_IPC_GLUE_H
#define LIBOS_IPC_GLUE_H
#include <stdbool.h>
#include <stdint.h>
#include <libos/ipc.h>
#include <libos/wait.h>

struct file;

/* Wraps obj in a FILE_OPS file with status flags (access mode, O_NONBLOCK) and installs it
 * at the lowest free descriptor: the fd, or an error after releasing obj (ops->release). */
long ipc_install(const struct ipc_file_ops *ops, void *obj, unsigned flags, bool cloexec);
/* The open file behind fd if it is of kind ops (referenced): NULL with *err -EBADF (not
 * open) or -EINVAL (another kind). */
struct file *ipc_fd_get(int fd, const struct ipc_file_ops *ops, long *err);
/* f as epoll and poll see it (the console gets a poll-only view): false if it cannot be
 * polled (regular files: epoll refuses them with EPERM). */
bool ipc_file_view(struct file *f, struct ipc_fd_view *v);

/* A task waiting on up to IPC_WAITER_QUEUES poll queues: pass &w->table to poll functions,
 * then ipc_waiter_wait. */
#define IPC_WAITER_QUEUES 64
struct ipc_waiter {
    struct ipc_poll_table table;
    struct wait_queue wq;
    bool woken;
    int n;
    struct ipc_pollq *queues[IPC_WAITER_QUEUES];
    struct ipc_poll_entry entries[IPC_WAITER_QUEUES];
};
struct ipc_waiter *ipc_waiter_new(void);    /* NULL without memory */
void ipc_waiter_free(struct ipc_waiter *w); /* detaches from every queue */
/* Sleeps until a registered queue notifies (since the last wait), a signal comes or the
 * monotonic deadline (0: none) passes: 0, -ERESTARTSYS or -ETIMEDOUT. */
int ipc_waiter_wait(struct ipc_waiter *w, uint64_t deadline);
/* The usual loop over a waiter: calls scan(arg, pt) until it returns nonzero (> 0: ready,
 * < 0: an error). The first call gets a table that registers one waiter on every queue it
 * polls, later calls NULL, each after a notification. Returns scan's value, 0 when the
 * monotonic deadline (0: none) passed (after one last scan), -ERESTARTSYS on a signal, or
 * -ENOMEM. */
long ipc_wait_scan(long (*scan)(void *arg, struct ipc_poll_table *pt), void *arg,
                   uint64_t deadline);

/* A signal was sent: signalfd pollers recheck (libos/signalfd.c). */
void signalfd_notify(void);

#endif
