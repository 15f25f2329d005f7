/*
 * Hardware-free cores of pipes/FIFOs, poll/select, epoll, eventfd and timerfd.
 *
 * Nothing here sleeps. Every object offers non-blocking operations (returning -EAGAIN where
 * Linux would block), a poll function giving its current readiness, and readiness-change
 * notifications through poll queues (struct ipc_pollq). A poll queue is a list of entries
 * with a wake callback; an object calls ipc_pollq_notify(q, events) after a state change,
 * naming the events that may have become true. Whoever waits attaches an entry: the libOS
 * glue attaches one whose callback calls wake_all() on a wait_queue, epoll attaches its
 * items, host tests attach recorders.
 *
 * Objects plug into descriptors through struct ipc_file_ops (the proposed generic "file
 * ops" kind): obj is the object, f_flags the open file's status flags (access mode and
 * O_NONBLOCK), buffers are kernel memory (the glue copies to and from user space).
 *
 * Locking order (all spinlocks, none held across a callback into the caller except the
 * poll queue lock around wake callbacks):
 *   epoll ctl_lock (global) -> epoll.mtx -> object lock / pollq lock -> epoll.lock
 * Objects never call ipc_pollq_notify with their own lock held.
 */
#ifndef LIBOS_IPC_H
#define LIBOS_IPC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/list.h>
#include <lib/spinlock.h>
#include <libos/abi/poll.h>
#include <libos/abi/time.h>

/* What the cores need from their environment: zeroed memory, and clocks (timerfd). */
struct ipc_env {
    void *(*alloc)(size_t n); /* zero-filled, NULL when out of memory */
    void (*free)(void *p);
    uint64_t (*now_ns)(int clockid); /* value of a Linux clock in ns (timerfd only) */
};

/* ---- Readiness notification ------------------------------------------------------------ */

struct ipc_poll_entry;
struct ipc_poll_entry {
    struct list_node node;
    /* Called under the queue's lock with the events that may have become true (never 0).
     * Must not sleep, must not add or remove entries of the same queue. */
    void (*wake)(struct ipc_poll_entry *e, uint32_t events);
    /* Called (queue lock not held, entry already unlinked) when the object goes away
     * with the entry still attached; NULL: the entry is simply unlinked. */
    void (*detach)(struct ipc_poll_entry *e);
    void *priv;
};

struct ipc_pollq {
    struct spinlock lock;
    struct list_node entries;
};

void ipc_pollq_init(struct ipc_pollq *q);
void ipc_pollq_add(struct ipc_pollq *q, struct ipc_poll_entry *e);
/* Unlinks e; harmless if e is not (or no longer) on q. */
void ipc_pollq_remove(struct ipc_pollq *q, struct ipc_poll_entry *e);
/* Calls every entry's wake with events (an EPOLL* / POLL* mask). */
void ipc_pollq_notify(struct ipc_pollq *q, uint32_t events);
/* The object is being destroyed: unlinks every entry still attached, removing epoll items
 * from their epolls (Linux drops an epoll item when its file is released). */
void ipc_pollq_release(struct ipc_pollq *q);
/* Removes only the epoll items registered for open file key. */
void ipc_pollq_release_key(struct ipc_pollq *q, const void *key);

/* How a poll function registers its caller: it calls ipc_poll_wait for each queue whose
 * notifications can change its result. A NULL table just asks for the current mask. */
struct ipc_poll_table {
    void (*queue)(struct ipc_poll_table *pt, struct ipc_pollq *q);
};

static inline void ipc_poll_wait(struct ipc_poll_table *pt, struct ipc_pollq *q)
{
    if (pt && pt->queue)
        pt->queue(pt, q);
}

/* ---- Proposed generic file ops ---------------------------------------------------------- */

/* Every op takes the object and the open file's f_flags. read/write never block: -EAGAIN
 * means "would block" (the glue awaits readiness unless O_NONBLOCK and retries). write
 * returning -EPIPE means the glue must also send SIGPIPE to the calling thread. poll
 * returns the current POLL* mask, registering pt on the object's queues. ioctl works on a
 * kernel copy of the argument (karg; NULL when cmd has none): -ENOTTY when unknown.
 * release is called once per open file description when its last reference goes. */
struct ipc_file_ops {
    long (*read)(void *obj, unsigned f_flags, void *buf, size_t n);
    long (*write)(void *obj, unsigned f_flags, const void *buf, size_t n);
    uint32_t (*poll)(void *obj, unsigned f_flags, struct ipc_poll_table *pt);
    long (*ioctl)(void *obj, unsigned f_flags, unsigned cmd, void *karg);
    void (*release)(void *obj, unsigned f_flags);
};

/* A descriptor's view for poll/select/epoll: ops NULL means "not an ipc object" (regular
 * files: readable and writable, DEFAULT_POLLMASK). */
struct ipc_fd_view {
    const struct ipc_file_ops *ops;
    void *obj;
    unsigned f_flags;
};

/* The current readiness of a view (DEFAULT_POLLMASK when it has no poll op). */
uint32_t ipc_view_poll(const struct ipc_fd_view *v, struct ipc_poll_table *pt);

/* ---- Pipes and FIFOs -------------------------------------------------------------------- */

#define IPC_PAGE_SIZE     4096u
#define PIPE_BUF_ATOMIC   4096u    /* PIPE_BUF */
#define PIPE_DEFAULT_SIZE 65536u   /* 16 pages */
#define PIPE_MAX_SIZE     1048576u /* /proc/sys/fs/pipe-max-size default */

/* Data lives in page-sized slots like Linux's pipe_buffer ring, so capacity, merging of
 * small writes and POLLOUT ("a free slot") match Linux exactly. */
struct pipe_slot {
    uint16_t off, len;
};

struct pipe {
    struct spinlock lock;
    const struct ipc_env *env;
    uint8_t *pages;              /* nslots * IPC_PAGE_SIZE */
    struct pipe_slot *slots;     /* nslots */
    unsigned nslots;             /* a power of two */
    unsigned head, tail;         /* free-running slot indexes */
    unsigned readers, writers;   /* open read / write ends */
    unsigned r_opens, w_opens;   /* FIFO: ends ever opened (blocking-open conditions) */
    struct ipc_pollq rd_q, wr_q; /* readers' and writers' notifications */
};

/* A pipe with no ends open and PIPE_DEFAULT_SIZE capacity: 0 or -ENOMEM. */
int pipe_create(const struct ipc_env *env, struct pipe **out);
/* Opens / closes one end (access mode of f_flags: O_RDONLY, O_WRONLY or O_RDWR). Closing
 * notifies the other side. pipe_close returns true when no end is left: the caller then
 * calls pipe_destroy (FIFOs keep the struct with their inode and reuse it). */
void pipe_open(struct pipe *p, unsigned f_flags);
bool pipe_close(struct pipe *p, unsigned f_flags);
void pipe_destroy(struct pipe *p);

/* Non-blocking read: bytes read, 0 at EOF (empty, no writers), -EAGAIN (empty, writers). */
long pipe_read(struct pipe *p, void *buf, size_t n);
/* Non-blocking write: bytes written (a write of more than PIPE_BUF may be partial), -EAGAIN
 * when nothing fits (a write of at most PIPE_BUF is all or nothing), -EPIPE with *sigpipe
 * set when no reader is left. */
long pipe_write(struct pipe *p, const void *buf, size_t n, bool *sigpipe);
/* POLL* mask for a file opened with f_flags' access mode. */
uint32_t pipe_poll(struct pipe *p, unsigned f_flags, struct ipc_poll_table *pt);
/* Bytes buffered (FIONREAD). */
size_t pipe_nread(struct pipe *p);
/* F_GETPIPE_SZ / F_SETPIPE_SZ: the capacity in bytes; set rounds up to a power-of-two
 * number of pages: new size, -EBUSY if the data would not fit, -EPERM above
 * PIPE_MAX_SIZE (unless privileged), -ENOMEM. */
long pipe_get_size(struct pipe *p);
long pipe_set_size(struct pipe *p, uint64_t bytes, bool privileged);

/* FIFO open(2): called after pipe_open of this file's end. Returns 0 (done), 1 (the caller
 * must await pipe_fifo_open_ready then return 0 - or -EINTR, after pipe_close), or -ENXIO
 * (O_WRONLY|O_NONBLOCK without a reader: the caller must pipe_close and fail). *gen must be
 * kept for pipe_fifo_open_ready. */
int pipe_fifo_open(struct pipe *p, unsigned f_flags, unsigned *gen);
bool pipe_fifo_open_ready(struct pipe *p, unsigned f_flags, unsigned gen);

extern const struct ipc_file_ops pipe_file_ops; /* obj: struct pipe */

/* ---- poll / select core ----------------------------------------------------------------- */

/* Looks fd up for poll/select: 0 and *out filled, or -EBADF. */
typedef int (*ipc_fd_lookup_fn)(void *ctx, int fd, struct ipc_fd_view *out);

/* One poll(2) scan: fills revents of every pollfd (negative fd: 0; bad fd: POLLNVAL;
 * otherwise the object's mask & (events | POLLERR | POLLHUP)) and returns how many are
 * nonzero. Registers pt on the objects' queues until the first one is found ready. */
int ipc_poll_scan(struct linux_pollfd *fds, size_t n, ipc_fd_lookup_fn lookup, void *ctx,
                  struct ipc_poll_table *pt);

/* select(2) fd_sets as arm64 user space stores them: arrays of 64-bit words. */
#define IPC_FD_SETSIZE 1024
#define IPC_NFDBITS    64
struct ipc_fd_set {
    uint64_t bits[IPC_FD_SETSIZE / IPC_NFDBITS];
};
static inline bool ipc_fd_isset(const struct ipc_fd_set *s, int fd)
{
    return s && (s->bits[fd / IPC_NFDBITS] >> (fd % IPC_NFDBITS)) & 1;
}
static inline void ipc_fd_set(struct ipc_fd_set *s, int fd)
{
    s->bits[fd / IPC_NFDBITS] |= 1ull << (fd % IPC_NFDBITS);
}

/* Masks select uses to decide membership of each result set (Linux's POLLIN_SET, ...). */
#define IPC_SELECT_IN                                                                              \
    (LINUX_POLLRDNORM | LINUX_POLLRDBAND | LINUX_POLLIN | LINUX_POLLHUP | LINUX_POLLERR)
#define IPC_SELECT_OUT (LINUX_POLLWRBAND | LINUX_POLLWRNORM | LINUX_POLLOUT | LINUX_POLLERR)
#define IPC_SELECT_EX  (LINUX_POLLPRI)

/* One select(2) scan over fds [0, nfds) of the in/out/ex sets (any may be NULL; nfds
 * already clamped to the table size by the caller, 0 <= nfds <= IPC_FD_SETSIZE). Fills the
 * result sets (all bits cleared first) and returns the number of set bits, or -EBADF if a
 * requested fd is not open (result sets then undefined). */
int ipc_select_scan(int nfds, const struct ipc_fd_set *in, const struct ipc_fd_set *out,
                    const struct ipc_fd_set *ex, struct ipc_fd_set *rin, struct ipc_fd_set *rout,
                    struct ipc_fd_set *rex, ipc_fd_lookup_fn lookup, void *ctx,
                    struct ipc_poll_table *pt);

/* Timeouts: how long a poll/select/epoll_wait may wait. */
enum ipc_timeout_kind {
    IPC_TIMEOUT_NONE,    /* just scan once */
    IPC_TIMEOUT_FOREVER, /* wait until ready or a signal */
    IPC_TIMEOUT_UNTIL,   /* wait until ready, a signal, or *deadline (CLOCK_MONOTONIC ns) */
};
/* poll/epoll_wait milliseconds: negative = forever, 0 = none. */
enum ipc_timeout_kind ipc_timeout_from_ms(int ms, uint64_t now, uint64_t *deadline);
/* ppoll/pselect6 timespec (NULL = forever) and select timeval: the kind or -EINVAL. */
int ipc_timeout_from_timespec(const struct linux_timespec *ts, uint64_t now, uint64_t *deadline);
int ipc_timeout_from_timeval(const struct linux_timeval *tv, uint64_t now, uint64_t *deadline);
/* The time left until deadline (0 once passed), written back by select/pselect6/ppoll. */
void ipc_timeout_left_timespec(uint64_t deadline, uint64_t now, struct linux_timespec *ts);
void ipc_timeout_left_timeval(uint64_t deadline, uint64_t now, struct linux_timeval *tv);

/* ---- epoll ------------------------------------------------------------------------------ */

#define EPOLL_MAX_NESTS  4 /* Linux's EP_MAX_NESTS: longer chains fail with -ELOOP */
#define EPOLL_MAX_EVENTS (0x7fffffff / 12)

struct epoll;

/* One watched (fd, open file) pair. key identifies the open file description (the glue's
 * struct file *), so dup'ed descriptors may be added separately. */
struct epoll_item {
    struct list_node link;   /* epoll.items */
    struct list_node rdlink; /* epoll.ready or a send list, when rdstate != EPI_IDLE */
    struct epoll *ep;
    int fd;
    const void *key;
    struct ipc_fd_view view;
    uint32_t events; /* requested, with ERR|HUP; 0 in the low bits: disabled */
    uint64_t data;
    uint8_t rdstate; /* EPI_IDLE / EPI_READY / EPI_SENDING */
    bool kicked;     /* woken while being sent */
    unsigned nentries;
    struct ipc_poll_entry entry[2]; /* on up to two object queues */
    struct ipc_pollq *queue[2];
};

struct epoll {
    struct spinlock mtx;  /* serializes ctl, wait and poll of this instance */
    struct spinlock lock; /* the ready list and item rdstate */
    const struct ipc_env *env;
    struct list_node items;
    struct list_node ready;
    struct ipc_pollq pollq; /* epoll_wait waiters and epolls watching this one */
};

/* epoll_create1(flags): flags already checked by the caller (EPOLL_CLOEXEC only). */
int ipc_epoll_create(const struct ipc_env *env, struct epoll **out);
/* Last reference gone: removes every item and frees the instance. */
void ipc_epoll_destroy(struct epoll *ep);

/* ipc_epoll_ctl. target describes fd's open file (key: its identity). Errors: -EINVAL (bad
 * op, target is ep itself, EPOLLEXCLUSIVE misuse, MOD of an exclusive item), -EPERM
 * (target has no poll op), -EEXIST, -ENOENT, -ELOOP (a cycle, or a chain of epolls longer
 * than EPOLL_MAX_NESTS), -ENOMEM. ev may be NULL for EPOLL_CTL_DEL. EPOLLWAKEUP is dropped
 * (no CAP_BLOCK_SUSPEND); EPOLLEXCLUSIVE is validated and then behaves like a normal item. */
int ipc_epoll_ctl(struct epoll *ep, int op, int fd, const void *key,
                  const struct ipc_fd_view *target, const struct linux_epoll_event *ev);
/* Non-blocking epoll_wait: collects up to maxevents (> 0) ready events with level /
 * edge / one-shot semantics; returns how many. 0 means "wait and retry" (or time out). */
int ipc_epoll_collect(struct epoll *ep, struct linux_epoll_event *out, int maxevents);
/* Condition for the glue's await: something is on the ready list. */
bool ipc_epoll_has_ready(struct epoll *ep);
/* The open file key (view v) is being released: removes its epoll items from every epoll,
 * as Linux does when a file's last reference goes. Walks the queues v's poll registers on,
 * so poll functions must call ipc_poll_wait with no lock held. Call before ops->release. */
void ipc_epoll_file_released(const struct ipc_fd_view *v, const void *key);
/* The epoll's own readiness (EPOLLIN when an item is ready): poll of an epoll fd, nesting. */
uint32_t ipc_epoll_poll(struct epoll *ep, struct ipc_poll_table *pt);

extern const struct ipc_file_ops ipc_epoll_file_ops; /* obj: struct epoll */

/* ---- eventfd ---------------------------------------------------------------------------- */

#define EVENTFD_MAX 0xfffffffffffffffeull

struct eventfd {
    struct spinlock lock;
    const struct ipc_env *env;
    uint64_t count;
    bool semaphore;
    struct ipc_pollq pollq;
};

/* eventfd2(initval, flags): -EINVAL for unknown flags (EFD_SEMAPHORE|EFD_NONBLOCK|
 * EFD_CLOEXEC allowed), -ENOMEM. */
int ipc_eventfd_create(const struct ipc_env *env, unsigned initval, unsigned flags,
                       struct eventfd **out);
void ipc_eventfd_destroy(struct eventfd *e);
/* 8-byte read: the count (or 1 in semaphore mode), -EAGAIN at 0, -EINVAL if n < 8. */
long ipc_eventfd_read(struct eventfd *e, void *buf, size_t n);
/* 8-byte write: adds; -EINVAL (n < 8, value ~0), -EAGAIN if the sum would pass
 * EVENTFD_MAX. */
long ipc_eventfd_write(struct eventfd *e, const void *buf, size_t n);
uint32_t ipc_eventfd_poll(struct eventfd *e, struct ipc_poll_table *pt);

extern const struct ipc_file_ops ipc_eventfd_file_ops; /* obj: struct eventfd */

/* ---- timerfd ---------------------------------------------------------------------------- */

struct timerfd {
    struct spinlock lock;
    const struct ipc_env *env;
    int clockid;
    bool armed;
    uint64_t deadline; /* next expiry, clock ns (armed) */
    uint64_t interval; /* ns, 0: one-shot */
    uint64_t ticks;    /* expirations not yet read */
    struct ipc_pollq pollq;
};

/* ipc_timerfd_create(clockid, flags): -EINVAL for unsupported clocks or flags, -ENOMEM. */
int ipc_timerfd_create(const struct ipc_env *env, int clockid, unsigned flags,
                       struct timerfd **out);
void ipc_timerfd_destroy(struct timerfd *t);
/* ipc_timerfd_settime at clock value now: -EINVAL for bad flags or timespecs. old may be NULL. */
int ipc_timerfd_settime(struct timerfd *t, unsigned flags, const struct linux_itimerspec *val,
                        struct linux_itimerspec *old, uint64_t now);
void ipc_timerfd_gettime(struct timerfd *t, struct linux_itimerspec *cur, uint64_t now);
/* Accounts expirations up to now (notifying on new ones); returns the next deadline to
 * program, or 0 when disarmed. The glue calls it from its timer callback. */
uint64_t ipc_timerfd_advance(struct timerfd *t, uint64_t now);
/* 8-byte read of the expirations since the last read, -EAGAIN if none, -EINVAL if n < 8. */
long ipc_timerfd_read(struct timerfd *t, void *buf, size_t n, uint64_t now);
uint32_t ipc_timerfd_poll(struct timerfd *t, struct ipc_poll_table *pt, uint64_t now);

extern const struct ipc_file_ops ipc_timerfd_file_ops; /* obj: struct timerfd (uses env->now_ns) */

#endif
