/*
 * Unix domain sockets (unix(7)): SOCK_STREAM, SOCK_SEQPACKET and SOCK_DGRAM, socketpair,
 * addresses in the filesystem (an S_IFSOCK node; the socket is found by the node's device
 * and inode number) and in the abstract namespace, listen/connect/accept, SCM_RIGHTS.
 *
 * One global lock (unix_lock) guards every socket's state, queues and links: simple, and
 * nothing here is hot. Notifications go out after it is dropped. A socket is one FILE_OPS
 * object; peers and backlogs hold references (refs) so a peer's memory outlives its file.
 *
 * A sender that finds the receiver's queue full waits on the receiver's room_q, which every
 * read notifies; a datagram socket connected to a receiver that is not connected back is one
 * of its writers, whose poll (POLLOUT) follows the receiver's queue.
 *
 * Stream and seqpacket connect as Linux does: connect creates the server-side socket at
 * once, connected to the client, and queues it on the listener's backlog (connect returns
 * without waiting for accept; it waits only while the backlog is full).
 */
#include <string.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/file.h>
#include <libos/ipc.h>
#include <libos/ipc_glue.h>
#include <libos/proc.h>
#include <libos/signal.h>
#include <libos/task.h>
#include <mm/slab.h>

#define SHUT_RCV    1u     /* Linux's RCV_SHUTDOWN */
#define SHUT_SEND   2u     /* SEND_SHUTDOWN */
#define DEFAULT_BUF 212992 /* net.core.[rw]mem_default */
#define MIN_BUF     4608
#define MAX_BUF     (64 * 1024 * 1024)
#define SCM_MAX_FD  253
#define MAX_PIECE   65536
#define DGRAM_QLEN  10 /* net.unix.max_dgram_qlen: more queued from others means full */
#define PAIR_QLEN   64 /* datagrams queued from the connected-back peer */
#define ADDR_HDR    2  /* offsetof(struct sockaddr_un, sun_path) */
#define IN_EVENTS   (LINUX_POLLIN | LINUX_POLLRDNORM)
#define OUT_EVENTS  (LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND)

enum us_state { US_UNCONNECTED, US_LISTENING, US_CONNECTED };

struct umsg {
    struct list_node link;
    size_t len, off;
    int nfds;
    struct file **fds;             /* SCM_RIGHTS in flight (referenced) */
    struct linux_sockaddr_un from; /* dgram: the sender's address */
    int fromlen;
    struct linux_ucred cred; /* the sender's (SCM_CREDENTIALS) */
    uint8_t data[];
};

struct usock {
    int refs;
    int type;
    enum us_state state;
    unsigned shutdown;   /* SHUT_RCV | SHUT_SEND */
    bool closed;         /* the file is gone */
    struct usock *peer;  /* connected: the other end (referenced) */
    struct list_node rq; /* received umsgs */
    size_t rq_bytes;
    int rq_count;
    struct list_node backlog; /* listening: sockets awaiting accept (via bl_link) */
    struct list_node bl_link;
    int backlog_n, backlog_max;
    struct linux_sockaddr_un addr; /* bound address (addrlen 0: unbound) */
    int addrlen;
    uint64_t node_dev, node_ino; /* filesystem binding */
    struct list_node bound_link;
    struct linux_ucred cred, peercred;
    int sndbuf, rcvbuf;
    bool passcred;
    int error; /* SO_ERROR */
    struct ipc_pollq pollq;
    struct ipc_pollq room_q;  /* blocked senders: notified when the queue shrinks */
    struct list_node writers; /* dgram sockets whose peer this is (via writer_link) */
    struct list_node writer_link;
    struct usock *wake_next; /* in a chain of writers to notify (wake_queued) */
    bool wake_queued;
};

static struct spinlock unix_lock = SPINLOCK_INIT("unix");
static struct list_node bound = LIST_INIT(bound);

static const struct ipc_file_ops unix_ops;
ABI_HANDLER_DECL(close);

static struct linux_ucred current_cred(void)
{
    struct process *p = current_proc();
    return (struct linux_ucred){p->pid, p->euid, p->egid};
}

static struct usock *us_new(int type)
{
    struct usock *s = kzalloc(sizeof(*s));
    if (!s)
        return NULL;
    s->refs = 1;
    s->type = type;
    list_init(&s->rq);
    list_init(&s->backlog);
    list_init(&s->bl_link);
    list_init(&s->bound_link);
    list_init(&s->writers);
    list_init(&s->writer_link);
    s->cred = current_cred();
    s->peercred = (struct linux_ucred){0, (uint32_t)-1, (uint32_t)-1};
    s->sndbuf = s->rcvbuf = DEFAULT_BUF;
    ipc_pollq_init(&s->pollq);
    ipc_pollq_init(&s->room_q);
    return s;
}

static void msg_free(struct umsg *m)
{
    for (int i = 0; i < m->nfds; i++)
        file_put(m->fds[i]);
    kfree(m->fds);
    kfree(m);
}

/* Drops a reference (unix_lock not held): the last frees the socket and its queue. */
static void us_put(struct usock *s)
{
    spin_lock(&unix_lock);
    bool last = --s->refs == 0;
    spin_unlock(&unix_lock);
    if (!last)
        return;
    while (!list_empty(&s->rq)) {
        struct umsg *m = list_entry(s->rq.next, struct umsg, link);
        list_remove(&m->link);
        msg_free(m);
    }
    ipc_pollq_release(&s->pollq);
    ipc_pollq_release(&s->room_q);
    kfree(s);
}

static bool connection_based(const struct usock *s)
{
    return s->type != LINUX_SOCK_DGRAM;
}

/* ---- Readiness ----------------------------------------------------------------------------- */

/* Can sender queue more at t's receive queue (unix_lock held)? Datagrams: as Linux, a
 * receiver not connected back to the sender is full with more than DGRAM_QLEN queued. */
static bool has_room(const struct usock *t, const struct usock *sender)
{
    if (t->rq_bytes >= (size_t)t->rcvbuf)
        return false;
    if (t->type != LINUX_SOCK_DGRAM)
        return true;
    return t->rq_count < (t->peer == sender ? PAIR_QLEN : DGRAM_QLEN + 1);
}

static uint32_t poll_locked(struct usock *s)
{
    uint32_t mask = 0;
    if (s->state == US_LISTENING)
        return s->backlog_n ? IN_EVENTS : 0;
    if (!list_empty(&s->rq))
        mask |= IN_EVENTS;
    if (s->shutdown & SHUT_RCV)
        mask |= LINUX_POLLRDHUP | IN_EVENTS;
    if (s->shutdown == (SHUT_RCV | SHUT_SEND))
        mask |= LINUX_POLLHUP;
    if (connection_based(s) && s->state == US_UNCONNECTED)
        mask |= LINUX_POLLHUP;
    if (s->error)
        mask |= LINUX_POLLERR;
    struct usock *target = s->peer;
    if (!target || target->closed || (s->shutdown & SHUT_SEND) || has_room(target, s))
        mask |= OUT_EVENTS;
    return mask;
}

static uint32_t us_poll(void *obj, unsigned f_flags, struct ipc_poll_table *pt)
{
    struct usock *s = obj;
    (void)f_flags;
    ipc_poll_wait(pt, &s->pollq);
    spin_lock(&unix_lock);
    uint32_t mask = poll_locked(s);
    spin_unlock(&unix_lock);
    return mask;
}

static void notify(struct usock *s)
{
    if (s)
        ipc_pollq_notify(&s->pollq, ~0u);
}

/* Chains s's writers for notify_writers (unix_lock held): the chain's head. A writer already
 * in another chain is left there: that chain's notification is still to come. */
static struct usock *chain_writers_locked(struct usock *s)
{
    struct usock *head = NULL;
    struct list_node *n;
    list_for_each(n, &s->writers)
    {
        struct usock *w = list_entry(n, struct usock, writer_link);
        if (w->wake_queued)
            continue;
        w->wake_queued = true;
        w->refs++;
        w->wake_next = head;
        head = w;
    }
    return head;
}

/* Notifies a chain from chain_writers_locked (unix_lock not held) and drops it. */
static void notify_writers(struct usock *w)
{
    while (w) {
        spin_lock(&unix_lock);
        struct usock *next = w->wake_next;
        w->wake_queued = false;
        spin_unlock(&unix_lock);
        ipc_pollq_notify(&w->pollq, OUT_EVENTS);
        us_put(w);
        w = next;
    }
}

/* s's queue shrank or s went away: wakes blocked senders and the pollers of its peer and
 * writers (unix_lock not held). */
static void notify_room(struct usock *s, struct usock *peer)
{
    spin_lock(&unix_lock);
    struct usock *chain = chain_writers_locked(s);
    spin_unlock(&unix_lock);
    ipc_pollq_notify(&s->room_q, OUT_EVENTS);
    notify(peer);
    notify_writers(chain);
}

/* Makes dgram socket s a writer of t, or of nothing (t NULL) (unix_lock held). */
static void set_writer_locked(struct usock *s, struct usock *t)
{
    list_remove(&s->writer_link);
    list_init(&s->writer_link);
    if (t)
        list_push_back(&t->writers, &s->writer_link);
}

struct us_wait_args {
    struct usock *s;
    uint32_t events;
};

static long us_ready(void *arg, struct ipc_poll_table *pt)
{
    struct us_wait_args *a = arg;
    return (us_poll(a->s, 0, pt) & (a->events | LINUX_POLLHUP | LINUX_POLLERR)) != 0;
}

/* Waits until s's poll mask has one of events: 0, -ERESTARTSYS or -ENOMEM. */
static int us_wait(struct usock *s, uint32_t events)
{
    struct us_wait_args a = {s, events};
    long r = ipc_wait_scan(us_ready, &a, 0);
    return r > 0 ? 0 : (int)r;
}

/* ---- Addresses --------------------------------------------------------------------------- */

/* Copies a sockaddr_un in: its length (ADDR_HDR + name bytes, a path's trailing NUL
 * dropped) or -EINVAL / -EFAULT. */
static int addr_in(uint64_t uaddr, uint32_t len, struct linux_sockaddr_un *a)
{
    if (len < ADDR_HDR || len > sizeof(*a))
        return -EINVAL;
    memset(a, 0, sizeof(*a));
    if (copy_from_user(a, uaddr, len))
        return -EFAULT;
    if (a->sun_family != LINUX_AF_UNIX)
        return -EINVAL;
    if (len > ADDR_HDR && a->sun_path[0])
        return ADDR_HDR + (int)strnlen(a->sun_path, LINUX_UNIX_PATH_MAX);
    return (int)len;
}

static bool is_path(const struct linux_sockaddr_un *a, int len)
{
    return len > ADDR_HDR && a->sun_path[0];
}

/* getsockname-style copy out: writes min(*ulen, len) bytes and the full length. */
static long addr_out(uint64_t uaddr, uint64_t ulen, const struct linux_sockaddr_un *a, int len)
{
    int32_t have;
    if (!ulen)
        return 0;
    if (copy_from_user(&have, ulen, sizeof(have)))
        return -EFAULT;
    if (have < 0)
        return -EINVAL;
    struct linux_sockaddr_un tmp = {.sun_family = LINUX_AF_UNIX};
    int full = len ? len : ADDR_HDR;
    if (len)
        memcpy(&tmp, a, sizeof(tmp));
    if (is_path(&tmp, full))
        full++; /* the terminating NUL, as Linux reports it */
    if (uaddr && copy_to_user(uaddr, &tmp, (uint64_t)MIN(have, full)))
        return -EFAULT;
    return copy_to_user(ulen, &full, sizeof(full)) ? -EFAULT : 0;
}

static struct vfs_ctx path_ctx(void)
{
    struct process *p = current_proc();
    struct vfs_ctx c = p->fsctx;
    c.cred = proc_vfs_cred(p, false);
    return c;
}

/* The bound socket with this address (unix_lock held), or NULL. */
static struct usock *lookup_locked(const struct linux_sockaddr_un *a, int len, uint64_t dev,
                                   uint64_t ino)
{
    struct list_node *n;
    list_for_each(n, &bound)
    {
        struct usock *s = list_entry(n, struct usock, bound_link);
        if (is_path(a, len)
                ? is_path(&s->addr, s->addrlen) && s->node_dev == dev && s->node_ino == ino
                : s->addrlen == len && !memcmp(&s->addr, a, (size_t)len))
            return s;
    }
    return NULL;
}

/* Resolves an address to a live socket (referenced): ENOENT (no path), ECONNREFUSED. */
static long resolve(const struct linux_sockaddr_un *a, int len, struct usock **out)
{
    struct vfs_stat st = {0};
    if (is_path(a, len)) {
        struct vfs_ctx c = path_ctx();
        int err = vfs_stat(&c, a->sun_path, true, &st);
        if (err)
            return err;
        if ((st.mode & VFS_S_IFMT) != VFS_S_IFSOCK)
            return -ECONNREFUSED;
    }
    spin_lock(&unix_lock);
    struct usock *s = lookup_locked(a, len, st.dev, st.ino);
    if (s && !s->closed)
        s->refs++;
    else
        s = NULL;
    spin_unlock(&unix_lock);
    *out = s;
    return s ? 0 : -ECONNREFUSED;
}

/* Autobind (an address of just the family): a free abstract name of five hex digits, as
 * Linux picks: the address length, or -ENOSPC when all are taken. */
static int autobind_name(struct linux_sockaddr_un *a)
{
    static unsigned next;
    for (unsigned tries = 0; tries < 0x100000; tries++) {
        unsigned n = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) & 0xfffff;
        memset(a, 0, sizeof(*a));
        a->sun_family = LINUX_AF_UNIX;
        for (int i = 0; i < 5; i++)
            a->sun_path[5 - i] = "0123456789abcdef"[(n >> (4 * i)) & 0xf];
        spin_lock(&unix_lock);
        bool taken = lookup_locked(a, ADDR_HDR + 6, 0, 0) != NULL;
        spin_unlock(&unix_lock);
        if (!taken)
            return ADDR_HDR + 6;
    }
    return -ENOSPC;
}

static long us_bind(struct usock *s, const struct linux_sockaddr_un *a, int len)
{
    struct linux_sockaddr_un auto_addr;
    if (s->addrlen)
        return len == ADDR_HDR ? 0 : -EINVAL; /* autobind of a bound socket: nothing to do */
    if (len == ADDR_HDR) {
        len = autobind_name(&auto_addr);
        if (len < 0)
            return len;
        a = &auto_addr;
    }
    struct vfs_stat st = {0};
    if (is_path(a, len)) {
        struct vfs_ctx c = path_ctx();
        int err = vfs_mknod(&c, a->sun_path, VFS_S_IFSOCK | (0777 & ~current_proc()->umask), 0);
        if (err)
            return err == -EEXIST ? -EADDRINUSE : err;
        err = vfs_stat(&c, a->sun_path, false, &st);
        if (err)
            return err;
    }
    spin_lock(&unix_lock);
    long r = 0;
    struct usock *other = lookup_locked(a, len, st.dev, st.ino);
    if (other && !is_path(a, len)) {
        r = -EADDRINUSE;
    } else {
        if (other) /* a stale binding of a node since removed and reused */
            list_remove(&other->bound_link), list_init(&other->bound_link);
        s->addr = *a;
        s->addrlen = len;
        s->node_dev = st.dev, s->node_ino = st.ino;
        list_push_back(&bound, &s->bound_link);
    }
    spin_unlock(&unix_lock);
    return r;
}

/* ---- Connections ------------------------------------------------------------------------- */

/* Links a and b as peers (unix_lock held). */
static void pair_locked(struct usock *a, struct usock *b)
{
    a->peer = b, b->peer = a;
    a->refs++, b->refs++;
    a->state = b->state = US_CONNECTED;
    a->peercred = b->cred;
    b->peercred = a->cred;
}

static long us_connect(struct usock *s, const struct linux_sockaddr_un *a, int len, bool nonblock)
{
    struct usock *l;
    long r = resolve(a, len, &l);
    if (r)
        return r;
    if (l->type != s->type) {
        us_put(l);
        return -EPROTOTYPE;
    }
    if (!connection_based(s)) { /* dgram: just the default destination */
        spin_lock(&unix_lock);
        struct usock *old = s->peer;
        s->peer = l;
        set_writer_locked(s, l);
        spin_unlock(&unix_lock);
        notify(s);
        if (old)
            us_put(old);
        return 0;
    }
    struct usock *n = us_new(s->type);
    if (!n) {
        us_put(l);
        return -ENOMEM;
    }
    for (;;) {
        spin_lock(&unix_lock);
        if (s->state != US_UNCONNECTED)
            r = s->state == US_CONNECTED ? -EISCONN : -EINVAL;
        else if (l->closed || l->state != US_LISTENING)
            r = -ECONNREFUSED;
        else if (l->backlog_n > l->backlog_max)
            r = -EAGAIN;
        else
            r = 0;
        if (!r) {
            n->cred = l->cred;
            n->addr = l->addr, n->addrlen = l->addrlen;
            pair_locked(s, n);
            list_push_back(&l->backlog, &n->bl_link);
            l->backlog_n++;
        }
        spin_unlock(&unix_lock);
        if (r != -EAGAIN || nonblock)
            break;
        int err = us_wait(l, OUT_EVENTS);
        if (err) {
            r = err == -ERESTARTSYS ? -ERESTARTSYS : err;
            break;
        }
    }
    if (r) {
        us_put(n);
    } else {
        notify(l);
        notify(s);
    }
    us_put(l);
    return r;
}

/* Takes the first pending connection of listener l: the socket (its reference moves to the
 * caller), NULL if none. */
static struct usock *take_pending(struct usock *l)
{
    struct usock *n = NULL;
    spin_lock(&unix_lock);
    if (l->backlog_n) {
        n = list_entry(l->backlog.next, struct usock, bl_link);
        list_remove(&n->bl_link);
        list_init(&n->bl_link);
        l->backlog_n--;
    }
    spin_unlock(&unix_lock);
    return n;
}

/* Shuts s down in mode (SHUT_RCV/SEND), mirrored on a connected peer. */
static void shutdown_locked(struct usock *s, unsigned mode)
{
    s->shutdown |= mode;
    struct usock *p = s->peer;
    if (p && connection_based(s)) {
        if (mode & SHUT_RCV)
            p->shutdown |= SHUT_SEND;
        if (mode & SHUT_SEND)
            p->shutdown |= SHUT_RCV;
    }
}

static void us_release(void *obj, unsigned f_flags)
{
    struct usock *s = obj;
    (void)f_flags;
    spin_lock(&unix_lock);
    s->closed = true;
    list_remove(&s->bound_link);
    list_init(&s->bound_link);
    struct usock *peer = s->peer;
    s->peer = NULL;
    set_writer_locked(s, NULL);
    if (peer && connection_based(s)) {
        peer->shutdown = SHUT_RCV | SHUT_SEND;
        if (!list_empty(&s->rq))
            peer->error = -ECONNRESET; /* unread data lost: Linux reports a reset */
    }
    struct list_node pending;
    list_init(&pending);
    while (!list_empty(&s->backlog)) {
        struct usock *n = list_entry(s->backlog.next, struct usock, bl_link);
        list_remove(&n->bl_link);
        list_push_back(&pending, &n->bl_link);
    }
    s->backlog_n = 0;
    spin_unlock(&unix_lock);
    while (!list_empty(&pending)) { /* never accepted: closed like any other socket */
        struct usock *n = list_entry(pending.next, struct usock, bl_link);
        list_remove(&n->bl_link);
        us_release(n, 0);
    }
    notify_room(s, peer); /* its senders see it gone */
    if (peer)
        us_put(peer);
    us_put(s);
}

/* ---- Data -------------------------------------------------------------------------------- */

struct sendreq {
    const uint8_t *buf; /* kernel copy of the data */
    size_t len;
    struct file **fds; /* SCM_RIGHTS (references move into the message) */
    int nfds;
    const struct linux_sockaddr_un *to;
    int tolen;
    bool nonblock, nosignal;
    struct linux_ucred cred; /* the sender's, or what SCM_CREDENTIALS named */
};

/* Queues one message for target (unix_lock held): bytes queued, or -EAGAIN when full. */
static long queue_locked(struct usock *s, struct usock *target, struct sendreq *q, size_t len,
                         struct umsg *m)
{
    if (!has_room(target, s))
        return -EAGAIN;
    if (s->type == LINUX_SOCK_STREAM)
        len = MIN(len, (size_t)target->rcvbuf - target->rq_bytes);
    memcpy(m->data, q->buf, len);
    m->len = len;
    m->fds = q->fds, m->nfds = q->nfds;
    q->fds = NULL, q->nfds = 0;
    m->from = s->addr, m->fromlen = s->addrlen;
    m->cred = q->cred;
    list_push_back(&target->rq, &m->link);
    target->rq_bytes += len;
    target->rq_count++;
    return (long)len;
}

/* The destination of a send (referenced): the peer, or the dgram address given. */
static long send_target(struct usock *s, struct sendreq *q, struct usock **out)
{
    if (q->to && connection_based(s))
        return s->state == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
    if (q->to && q->tolen)
        return resolve(q->to, q->tolen, out);
    spin_lock(&unix_lock);
    struct usock *t = s->peer;
    long r = 0;
    if (s->shutdown & SHUT_SEND)
        r = -EPIPE;
    else if (!t)
        r = -ENOTCONN;
    else if (t->closed)
        r = connection_based(s) ? -EPIPE : -ECONNREFUSED;
    else
        t->refs++;
    spin_unlock(&unix_lock);
    *out = r ? NULL : t;
    return r;
}

struct room_wait {
    struct usock *s, *t;
};

static long room_ready(void *arg, struct ipc_poll_table *pt)
{
    struct room_wait *r = arg;
    if (pt)
        ipc_poll_wait(pt, &r->t->room_q);
    spin_lock(&unix_lock);
    bool ready = r->t->closed || (r->s->shutdown & SHUT_SEND) || has_room(r->t, r->s);
    spin_unlock(&unix_lock);
    return ready;
}

/* Waits until s may queue at t (t referenced), t is closed or s shut down for sending: 0,
 * -ERESTARTSYS or -ENOMEM. */
static int wait_room(struct usock *s, struct usock *t)
{
    struct room_wait r = {s, t};
    long err = ipc_wait_scan(room_ready, &r, 0);
    return err > 0 ? 0 : (int)err;
}

/* Sends one piece (at most MAX_PIECE bytes; a datagram whole): bytes sent or an error. A
 * full receiver makes a blocking sender wait for room (interruptible), a non-blocking one
 * fail with EAGAIN. */
static long us_send_piece(struct usock *s, struct sendreq *q)
{
    struct usock *t;
    long r = send_target(s, q, &t);
    if (r)
        return r;
    struct umsg *m = kmalloc(sizeof(*m) + q->len);
    if (!m) {
        us_put(t);
        return -ENOMEM;
    }
    memset(m, 0, sizeof(*m));
    for (;;) {
        spin_lock(&unix_lock);
        r = t->closed || (s->shutdown & SHUT_SEND) ? -EPIPE : queue_locked(s, t, q, q->len, m);
        spin_unlock(&unix_lock);
        if (r != -EAGAIN || q->nonblock)
            break;
        int err = wait_room(s, t);
        if (err) {
            r = err;
            break;
        }
    }
    if (r >= 0)
        notify(t);
    else
        kfree(m);
    if (r == -EPIPE && !connection_based(s))
        r = -ECONNREFUSED;
    us_put(t);
    return r;
}

/* The msg_flags and output of one receive. */
struct recvres {
    struct file **fds;
    int nfds;
    struct linux_sockaddr_un from;
    int fromlen;
    int flags;   /* MSG_TRUNC */
    size_t full; /* dgram: the message's whole length */
    struct linux_ucred cred;
    bool has_cred;
};

/* Reads up to len bytes into buf (unix_lock held): bytes read, 0 at EOF, -EAGAIN. */
static long dequeue_locked(struct usock *s, uint8_t *buf, size_t len, bool peek,
                           struct recvres *res)
{
    size_t done = 0;
    struct list_node *n = s->rq.next;
    while (n != &s->rq && done < len) {
        struct umsg *m = list_entry(n, struct umsg, link);
        if (done && (m->nfds || s->type != LINUX_SOCK_STREAM))
            break;
        size_t k = MIN(m->len - m->off, len - done);
        memcpy(buf + done, m->data + m->off, k);
        done += k;
        if (!res->nfds && m->nfds && !peek) {
            res->fds = m->fds, res->nfds = m->nfds;
            m->fds = NULL, m->nfds = 0;
        }
        res->from = m->from, res->fromlen = m->fromlen;
        if (!res->has_cred)
            res->cred = m->cred, res->has_cred = true;
        n = n->next;
        if (s->type != LINUX_SOCK_STREAM) {
            res->full = m->len;
            if (m->len > len)
                res->flags |= LINUX_MSG_TRUNC;
            if (!peek) {
                s->rq_bytes -= m->len;
                s->rq_count--;
                list_remove(&m->link);
                msg_free(m);
            }
            return (long)k;
        }
        if (peek)
            continue;
        m->off += k;
        s->rq_bytes -= k;
        if (m->off == m->len) {
            list_remove(&m->link);
            s->rq_count--;
            msg_free(m);
        } else {
            break;
        }
        if (res->nfds)
            break;
    }
    if (done || len == 0)
        return (long)done;
    if (!list_empty(&s->rq)) /* a zero-length datagram */
        return 0;
    if ((s->shutdown & SHUT_RCV) || (connection_based(s) && s->state != US_CONNECTED))
        return connection_based(s) && s->state == US_UNCONNECTED
                   ? (s->type == LINUX_SOCK_STREAM ? -EINVAL : -ENOTCONN)
                   : 0;
    return -EAGAIN;
}

static long us_recv(struct usock *s, uint8_t *buf, size_t len, int flags, bool nonblock,
                    struct recvres *res)
{
    memset(res, 0, sizeof(*res));
    if (s->state == US_LISTENING)
        return -EINVAL;
    for (;;) {
        spin_lock(&unix_lock);
        long r = dequeue_locked(s, buf, len, flags & LINUX_MSG_PEEK, res);
        struct usock *peer = s->peer;
        spin_unlock(&unix_lock);
        if (r >= 0 && !(flags & LINUX_MSG_PEEK))
            notify_room(s, peer);
        if (r != -EAGAIN || nonblock)
            return r;
        int err = us_wait(s, IN_EVENTS);
        if (err)
            return err;
    }
}

static long us_read(void *obj, unsigned f_flags, void *buf, size_t n)
{
    struct recvres res;
    (void)f_flags;
    long r = us_recv(obj, buf, n, 0, true, &res);
    for (int i = 0; i < res.nfds; i++) /* read() drops passed descriptors */
        file_put(res.fds[i]);
    kfree(res.fds);
    return r;
}

static long us_write(void *obj, unsigned f_flags, const void *buf, size_t n)
{
    (void)f_flags;
    struct sendreq q = {buf, n, NULL, 0, NULL, 0, true, false, current_cred()};
    return us_send_piece(obj, &q);
}

static long us_ioctl(void *obj, unsigned f_flags, unsigned cmd, void *karg)
{
    struct usock *s = obj;
    (void)f_flags;
    if (cmd != LINUX_FIONREAD)
        return -ENOTTY;
    spin_lock(&unix_lock);
    size_t n = s->rq_bytes;
    if (s->type != LINUX_SOCK_STREAM && !list_empty(&s->rq))
        n = list_entry(s->rq.next, struct umsg, link)->len;
    spin_unlock(&unix_lock);
    *(int32_t *)karg = (int32_t)n;
    return 0;
}

static const struct ipc_file_ops unix_ops = {us_read, us_write, us_poll, us_ioctl, us_release};

/* ---- Syscalls ---------------------------------------------------------------------------- */

/* The socket behind fd (its file referenced in *fp): NULL with *err EBADF or ENOTSOCK. */
static struct usock *sock_get(int fd, struct file **fp, long *err)
{
    struct file *f = fd_get(fd);
    *fp = f;
    *err = -EBADF;
    if (!f)
        return NULL;
    if (f->ops != &unix_ops) {
        file_put(f);
        *err = -ENOTSOCK;
        return NULL;
    }
    return f->obj;
}

/* socket()/socketpair() arguments: the socket type or an error. */
static int check_create(int domain, int type, int protocol)
{
    if (type & ~(LINUX_SOCK_TYPE_MASK | LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC) ||
        (type & LINUX_SOCK_TYPE_MASK) > 10 /* SOCK_PACKET */)
        return -EINVAL;
    if (domain != LINUX_AF_UNIX)
        return -EAFNOSUPPORT;
    if (protocol != 0 && protocol != LINUX_AF_UNIX)
        return -EPROTONOSUPPORT;
    switch (type & LINUX_SOCK_TYPE_MASK) {
    case LINUX_SOCK_STREAM:
    case LINUX_SOCK_DGRAM:
    case LINUX_SOCK_SEQPACKET:
        return type & LINUX_SOCK_TYPE_MASK;
    case LINUX_SOCK_RAW:
        return LINUX_SOCK_DGRAM; /* as Linux's unix_create */
    default:
        return -ESOCKTNOSUPPORT;
    }
}

static long install(struct usock *s, int type)
{
    return ipc_install(&unix_ops, s, LINUX_O_RDWR | (type & LINUX_SOCK_NONBLOCK),
                       type & LINUX_SOCK_CLOEXEC);
}

SYSCALL_DEFINE3(socket, int, domain, int, type, int, protocol)
{
    int t = check_create(domain, type, protocol);
    if (t < 0)
        return t;
    struct usock *s = us_new(t);
    return s ? install(s, type) : -ENOMEM;
}

SYSCALL_DEFINE4(socketpair, int, domain, int, type, int, protocol, uint64_t, usv)
{
    int t = check_create(domain, type, protocol);
    if (t < 0)
        return t;
    struct usock *a = us_new(t), *b = us_new(t);
    if (!a || !b) {
        kfree(a), kfree(b);
        return -ENOMEM;
    }
    spin_lock(&unix_lock);
    pair_locked(a, b);
    spin_unlock(&unix_lock);
    int fds[2];
    long r = install(a, type);
    if (r < 0) {
        us_release(b, 0);
        return r;
    }
    fds[0] = (int)r;
    r = install(b, type);
    if (r < 0) {
        sys_close(fds[0], 0, 0, 0, 0, 0);
        return r;
    }
    fds[1] = (int)r;
    if (copy_to_user(usv, fds, sizeof(fds))) {
        sys_close(fds[0], 0, 0, 0, 0, 0);
        sys_close(fds[1], 0, 0, 0, 0, 0);
        return -EFAULT;
    }
    return 0;
}

/* bind (connect false) and connect: the socket behind fd, the address copied in, then the
 * operation. */
static long addr_call(int fd, uint64_t uaddr, uint32_t len, bool connect)
{
    struct file *f;
    long r;
    struct usock *s = sock_get(fd, &f, &r);
    if (!s)
        return r;
    struct linux_sockaddr_un a;
    int alen = addr_in(uaddr, len, &a);
    if (alen < 0)
        r = alen;
    else
        r = connect ? us_connect(s, &a, alen, f->flags & LINUX_O_NONBLOCK) : us_bind(s, &a, alen);
    file_put(f);
    return r;
}

SYSCALL_DEFINE3(bind, int, fd, uint64_t, uaddr, uint32_t, len)
{
    return addr_call(fd, uaddr, len, false);
}

SYSCALL_DEFINE2(listen, int, fd, int, backlog)
{
    struct file *f;
    long r;
    struct usock *s = sock_get(fd, &f, &r);
    if (!s)
        return r;
    spin_lock(&unix_lock);
    if (!connection_based(s))
        r = -EOPNOTSUPP;
    else if (s->state == US_CONNECTED || !s->addrlen)
        r = -EINVAL;
    else {
        s->state = US_LISTENING;
        s->backlog_max = backlog < 0 ? 4096 : MIN(backlog, 4096);
        s->cred = current_cred();
        r = 0;
    }
    spin_unlock(&unix_lock);
    notify(s);
    file_put(f);
    return r;
}

SYSCALL_DEFINE3(connect, int, fd, uint64_t, uaddr, uint32_t, len)
{
    return addr_call(fd, uaddr, len, true);
}

SYSCALL_DEFINE4(accept4, int, fd, uint64_t, uaddr, uint64_t, ulen, int, flags)
{
    if (flags & ~(LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC))
        return -EINVAL;
    struct file *f;
    long r;
    struct usock *s = sock_get(fd, &f, &r);
    if (!s)
        return r;
    struct usock *n = NULL;
    r = !connection_based(s) ? -EOPNOTSUPP : s->state != US_LISTENING ? -EINVAL : 0;
    while (!r && !(n = take_pending(s))) {
        if (f->flags & LINUX_O_NONBLOCK)
            r = -EAGAIN;
        else
            r = us_wait(s, IN_EVENTS);
    }
    file_put(f);
    if (r)
        return r;
    struct linux_sockaddr_un peer = {.sun_family = LINUX_AF_UNIX};
    int peerlen = 0;
    spin_lock(&unix_lock);
    if (n->peer)
        peer = n->peer->addr, peerlen = n->peer->addrlen;
    spin_unlock(&unix_lock);
    notify(n->peer);
    r = install(n, flags);
    if (r >= 0 && uaddr && addr_out(uaddr, ulen, &peer, peerlen))
        r = -EFAULT; /* Linux keeps the new descriptor too */
    return r;
}

SYSCALL_DEFINE3(accept, int, fd, uint64_t, uaddr, uint64_t, ulen)
{
    return sys_accept4(fd, uaddr, ulen, 0, 0, 0);
}

/* getsockname (peer false) and getpeername (peer true). */
static long sock_name(int fd, uint64_t uaddr, uint64_t ulen, bool peer)
{
    struct file *f;
    long r;
    struct usock *s = sock_get(fd, &f, &r);
    if (!s)
        return r;
    struct linux_sockaddr_un a = {.sun_family = LINUX_AF_UNIX};
    int len = 0;
    r = 0;
    spin_lock(&unix_lock);
    struct usock *src = peer ? s->peer : s;
    if (!src || (peer && connection_based(s) && s->state != US_CONNECTED))
        r = -ENOTCONN;
    else
        a = src->addr, len = src->addrlen;
    spin_unlock(&unix_lock);
    if (!r)
        r = addr_out(uaddr, ulen, &a, len);
    file_put(f);
    return r;
}

SYSCALL_DEFINE3(getsockname, int, fd, uint64_t, uaddr, uint64_t, ulen)
{
    return sock_name(fd, uaddr, ulen, false);
}

SYSCALL_DEFINE3(getpeername, int, fd, uint64_t, uaddr, uint64_t, ulen)
{
    return sock_name(fd, uaddr, ulen, true);
}

SYSCALL_DEFINE2(shutdown, int, fd, int, how)
{
    struct file *f;
    long r;
    struct usock *s = sock_get(fd, &f, &r);
    if (!s)
        return r;
    r = 0;
    if (how < LINUX_SHUT_RD || how > LINUX_SHUT_RDWR)
        r = -EINVAL;
    spin_lock(&unix_lock);
    struct usock *peer = s->peer;
    if (!r)
        shutdown_locked(s, (unsigned)how + 1);
    spin_unlock(&unix_lock);
    notify(s);
    notify_room(s, peer); /* senders blocked on either side see the shutdown */
    if (peer)
        ipc_pollq_notify(&peer->room_q, OUT_EVENTS);
    file_put(f);
    return r;
}

/* ---- Options ----------------------------------------------------------------------------- */

/* One SOL_SOCKET option (unix_lock held): its size (*cred for SO_PEERCRED, else *val) or
 * -ENOPROTOOPT. */
static long get_option(struct usock *s, int name, int32_t *val, struct linux_ucred *cred)
{
    switch (name) {
    case LINUX_SO_PEERCRED:
        *cred = s->peercred;
        return sizeof(*cred);
    case LINUX_SO_TYPE:
        *val = s->type;
        break;
    case LINUX_SO_DOMAIN:
        *val = LINUX_AF_UNIX;
        break;
    case LINUX_SO_PROTOCOL:
        *val = 0;
        break;
    case LINUX_SO_ACCEPTCONN:
        *val = s->state == US_LISTENING;
        break;
    case LINUX_SO_SNDBUF:
        *val = s->sndbuf;
        break;
    case LINUX_SO_RCVBUF:
        *val = s->rcvbuf;
        break;
    case LINUX_SO_PASSCRED:
        *val = s->passcred;
        break;
    case LINUX_SO_ERROR:
        *val = -s->error, s->error = 0;
        break;
    default:
        return -ENOPROTOOPT;
    }
    return sizeof(*val);
}

SYSCALL_DEFINE5(getsockopt, int, fd, int, level, int, name, uint64_t, uval, uint64_t, ulen)
{
    struct file *f;
    long r;
    struct usock *s = sock_get(fd, &f, &r);
    if (!s)
        return r;
    int32_t have, val = 0;
    struct linux_ucred cred;
    if (copy_from_user(&have, ulen, sizeof(have)))
        r = -EFAULT;
    else if (have < 0)
        r = -EINVAL;
    else if (level != LINUX_SOL_SOCKET)
        r = -EOPNOTSUPP;
    else {
        spin_lock(&unix_lock);
        r = get_option(s, name, &val, &cred);
        spin_unlock(&unix_lock);
    }
    if (r > 0) {
        const void *src = name == LINUX_SO_PEERCRED ? (const void *)&cred : &val;
        int32_t n = MIN(have, (int32_t)r);
        r = copy_to_user(uval, src, (uint64_t)n) || copy_to_user(ulen, &n, sizeof(n)) ? -EFAULT : 0;
    }
    file_put(f);
    return r;
}

SYSCALL_DEFINE5(setsockopt, int, fd, int, level, int, name, uint64_t, uval, uint32_t, len)
{
    struct file *f;
    long r;
    struct usock *s = sock_get(fd, &f, &r);
    if (!s)
        return r;
    int32_t v = 0;
    r = 0;
    if (level != LINUX_SOL_SOCKET)
        r = -EOPNOTSUPP;
    else if (len < sizeof(v))
        r = -EINVAL;
    else if (copy_from_user(&v, uval, sizeof(v)))
        r = -EFAULT;
    int64_t dbl = 2 * (int64_t)(uint32_t)MIN((uint32_t)v, (uint32_t)MAX_BUF / 2);
    spin_lock(&unix_lock);
    if (!r) {
        switch (name) {
        case LINUX_SO_SNDBUF:
            s->sndbuf = (int)MAX(dbl, MIN_BUF);
            break;
        case LINUX_SO_RCVBUF:
            s->rcvbuf = (int)MAX(dbl, MIN_BUF / 2);
            break;
        case LINUX_SO_PASSCRED:
            s->passcred = v != 0;
            break;
        case LINUX_SO_REUSEADDR:
        case LINUX_SO_KEEPALIVE:
            break; /* no meaning for Unix sockets, as in Linux */
        default:
            r = -ENOPROTOOPT;
        }
    }
    spin_unlock(&unix_lock);
    notify(s);
    file_put(f);
    return r;
}

/* ---- send/recv --------------------------------------------------------------------------- */

struct kiov {
    uint64_t base, len;
};

/* Copies a user iovec array in: the total length, or -EINVAL / -EFAULT. */
static long iov_in(uint64_t uiov, uint64_t cnt, struct kiov **out)
{
    if (cnt > 1024)
        return -EMSGSIZE;
    *out = kmalloc(sizeof(struct kiov) * (cnt ? cnt : 1));
    if (!*out)
        return -ENOMEM;
    if (copy_from_user(*out, uiov, sizeof(struct kiov) * cnt)) {
        kfree(*out);
        return -EFAULT;
    }
    uint64_t total = 0;
    for (uint64_t i = 0; i < cnt; i++) {
        if ((int64_t)(*out)[i].len < 0 || total + (*out)[i].len > 0x7ffff000) {
            kfree(*out);
            return -EINVAL;
        }
        total += (*out)[i].len;
    }
    return (long)total;
}

/* Copies n bytes between kbuf and the iovec at byte offset off: 0 or -EFAULT. */
static int iov_xfer(const struct kiov *iov, uint64_t cnt, uint64_t off, void *kbuf, size_t n,
                    bool to_user)
{
    uint8_t *k = kbuf;
    for (uint64_t i = 0; i < cnt && n; i++) {
        if (off >= iov[i].len) {
            off -= iov[i].len;
            continue;
        }
        size_t c = MIN(n, iov[i].len - off);
        if (to_user ? copy_to_user(iov[i].base + off, k, c)
                    : copy_from_user(k, iov[i].base + off, c))
            return -EFAULT;
        k += c, n -= c, off = 0;
    }
    return 0;
}

/* Parses SCM_RIGHTS / SCM_CREDENTIALS out of a control buffer: 0 or an error. */
static long control_in(uint64_t uctl, uint64_t len, struct sendreq *q)
{
    uint64_t off = 0;
    while (off + sizeof(struct linux_cmsghdr) <= len) {
        struct linux_cmsghdr h;
        if (copy_from_user(&h, uctl + off, sizeof(h)))
            return -EFAULT;
        if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
            return -EINVAL;
        uint64_t dlen = h.cmsg_len - LINUX_CMSG_DATA_OFFSET;
        if (h.cmsg_level != LINUX_SOL_SOCKET)
            return -EINVAL;
        if (h.cmsg_type == LINUX_SCM_RIGHTS) {
            int n = (int)(dlen / sizeof(int32_t));
            if (q->fds || n <= 0 || n > SCM_MAX_FD)
                return -EINVAL;
            int32_t *ids = kmalloc(sizeof(int32_t) * (size_t)n);
            q->fds = kzalloc(sizeof(struct file *) * (size_t)n);
            if (!ids || !q->fds) {
                kfree(ids);
                return -ENOMEM;
            }
            if (copy_from_user(ids, uctl + off + LINUX_CMSG_DATA_OFFSET,
                               sizeof(int32_t) * (size_t)n)) {
                kfree(ids);
                return -EFAULT;
            }
            for (int i = 0; i < n; i++) {
                if (!(q->fds[i] = fd_get(ids[i]))) {
                    kfree(ids);
                    return -EBADF;
                }
                q->nfds = i + 1;
            }
            kfree(ids);
        } else if (h.cmsg_type == LINUX_SCM_CREDENTIALS) {
            struct linux_ucred c, me = current_cred();
            if (dlen != sizeof(c) ||
                copy_from_user(&c, uctl + off + LINUX_CMSG_DATA_OFFSET, sizeof(c)))
                return dlen != sizeof(c) ? -EINVAL : -EFAULT;
            if ((c.pid != me.pid || c.uid != me.uid || c.gid != me.gid) && me.uid != 0)
                return -EPERM;
            q->cred = c;
        } else {
            return -EINVAL;
        }
        off += LINUX_CMSG_ALIGN(h.cmsg_len);
    }
    return 0;
}

static void drop_fds(struct file **fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i])
            file_put(fds[i]);
    kfree(fds);
}

/* Sends len bytes of iov (stream: in pieces, partial on a signal or O_NONBLOCK). */
static long send_iov(struct usock *s, const struct kiov *iov, uint64_t cnt, size_t len,
                     struct sendreq *q)
{
    size_t done = 0;
    bool stream = s->type == LINUX_SOCK_STREAM;
    if (!stream && len > (size_t)s->sndbuf - 32)
        return -EMSGSIZE; /* a datagram goes whole or not at all */
    size_t piece = stream ? MIN(len, (size_t)MAX_PIECE) : len;
    uint8_t *kbuf = kmalloc(MAX(piece, 1));
    if (!kbuf)
        return -ENOMEM;
    long r = 0;
    do {
        size_t n = MIN(len - done, piece);
        if (iov_xfer(iov, cnt, done, kbuf, n, false)) {
            r = -EFAULT;
            break;
        }
        q->buf = kbuf, q->len = n;
        r = us_send_piece(s, q);
        if (r < 0)
            break;
        done += (size_t)r;
    } while (done < len);
    kfree(kbuf);
    if (r == -EPIPE && !q->nosignal && !done) {
        linux_siginfo_t info;
        sig_info_kernel(&info, LINUX_SIGPIPE);
        signal_thread(current_task(), &info);
    }
    if (done)
        return (long)done;
    return r == -ERESTARTSYS && !done ? -ERESTARTSYS : r;
}

/* The common part of sendto and sendmsg. */
static long do_send(int fd, const struct kiov *iov, uint64_t cnt, size_t len, int flags,
                    uint64_t uaddr, uint32_t alen, uint64_t uctl, uint64_t ctllen)
{
    struct file *f;
    long r;
    struct usock *s = sock_get(fd, &f, &r);
    if (!s)
        return r;
    struct linux_sockaddr_un to;
    struct sendreq q = {0};
    q.nonblock = (f->flags & LINUX_O_NONBLOCK) || (flags & LINUX_MSG_DONTWAIT);
    q.nosignal = flags & LINUX_MSG_NOSIGNAL;
    q.cred = current_cred();
    r = 0;
    if (flags & LINUX_MSG_OOB)
        r = -EOPNOTSUPP;
    if (!r && uaddr) {
        int n = addr_in(uaddr, alen, &to);
        if (n < 0)
            r = n;
        q.to = &to, q.tolen = n;
    }
    if (!r && uctl && ctllen)
        r = control_in(uctl, ctllen, &q);
    if (!r)
        r = send_iov(s, iov, cnt, len, &q);
    drop_fds(q.fds, q.nfds);
    file_put(f);
    return r;
}

SYSCALL_DEFINE6(sendto, int, fd, uint64_t, ubuf, uint64_t, len, int, flags, uint64_t, uaddr,
                uint32_t, alen)
{
    struct kiov iov = {ubuf, len};
    if (len > 0x7ffff000)
        len = 0x7ffff000;
    return do_send(fd, &iov, 1, len, flags, uaddr, alen, 0, 0);
}

SYSCALL_DEFINE3(sendmsg, int, fd, uint64_t, umsg, int, flags)
{
    struct linux_msghdr h;
    if (copy_from_user(&h, umsg, sizeof(h)))
        return -EFAULT;
    struct kiov *iov;
    long len = iov_in(h.msg_iov, h.msg_iovlen, &iov);
    if (len < 0)
        return len;
    long r = do_send(fd, iov, h.msg_iovlen, (size_t)len, flags, h.msg_namelen ? h.msg_name : 0,
                     (uint32_t)h.msg_namelen, h.msg_control, h.msg_controllen);
    kfree(iov);
    return r;
}

/* With SO_PASSCRED, writes the sender's SCM_CREDENTIALS first: the control length used
 * (0 and MSG_CTRUNC when it does not fit). */
static long creds_out(uint64_t uctl, uint64_t ctllen, const struct recvres *res, int *mflags)
{
    if (!res->has_cred)
        return 0;
    if (ctllen < LINUX_CMSG_LEN(sizeof(res->cred))) {
        *mflags |= LINUX_MSG_CTRUNC;
        return 0;
    }
    struct linux_cmsghdr h = {LINUX_CMSG_LEN(sizeof(res->cred)), LINUX_SOL_SOCKET,
                              LINUX_SCM_CREDENTIALS};
    if (copy_to_user(uctl, &h, sizeof(h)) ||
        copy_to_user(uctl + LINUX_CMSG_DATA_OFFSET, &res->cred, sizeof(res->cred)))
        return -EFAULT;
    return (long)MIN(LINUX_CMSG_SPACE(sizeof(res->cred)), ctllen);
}

/* Installs received descriptors and writes the SCM_RIGHTS message: the control length
 * used; MSG_CTRUNC in *mflags when not all fit (the rest are closed, as Linux does). */
static long control_out(uint64_t uctl, uint64_t ctllen, struct recvres *res, int flags, int *mflags)
{
    if (!res->nfds)
        return 0;
    int fit =
        ctllen < LINUX_CMSG_DATA_OFFSET
            ? 0
            : (int)MIN((ctllen - LINUX_CMSG_DATA_OFFSET) / sizeof(int32_t), (uint64_t)res->nfds);
    if (fit < res->nfds)
        *mflags |= LINUX_MSG_CTRUNC;
    int32_t ids[SCM_MAX_FD];
    int got = 0;
    for (int i = 0; i < fit; i++) {
        long fd = fd_install(res->fds[i], 0, flags & LINUX_MSG_CMSG_CLOEXEC);
        if (fd < 0) {
            *mflags |= LINUX_MSG_CTRUNC;
            break;
        }
        res->fds[i] = NULL;
        ids[got++] = (int32_t)fd;
    }
    drop_fds(res->fds, res->nfds);
    res->fds = NULL, res->nfds = 0;
    if (!got)
        return 0;
    struct linux_cmsghdr h = {LINUX_CMSG_LEN(sizeof(int32_t) * (size_t)got), LINUX_SOL_SOCKET,
                              LINUX_SCM_RIGHTS};
    if (copy_to_user(uctl, &h, sizeof(h)) ||
        copy_to_user(uctl + LINUX_CMSG_DATA_OFFSET, ids, sizeof(int32_t) * (size_t)got))
        return -EFAULT;
    return (long)MIN(LINUX_CMSG_SPACE(sizeof(int32_t) * (size_t)got), ctllen);
}

/* The common part of recvfrom and recvmsg: bytes (or, with MSG_TRUNC, the datagram's
 * length), with the sender's address and descriptors handed out. */
static long do_recv(int fd, const struct kiov *iov, uint64_t cnt, size_t len, int flags,
                    uint64_t uaddr, uint64_t ualen, struct linux_msghdr *h)
{
    struct file *f;
    long r;
    struct usock *s = sock_get(fd, &f, &r);
    if (!s)
        return r;
    if (flags & LINUX_MSG_OOB) {
        file_put(f);
        return -EOPNOTSUPP;
    }
    size_t cap = MIN(len, (size_t)MAX_PIECE * 4);
    uint8_t *kbuf = kmalloc(MAX(cap, 1));
    struct recvres res = {0};
    bool nonblock = (f->flags & LINUX_O_NONBLOCK) || (flags & LINUX_MSG_DONTWAIT);
    r = kbuf ? us_recv(s, kbuf, cap, flags, nonblock, &res) : -ENOMEM;
    if (r > 0 && iov_xfer(iov, cnt, 0, kbuf, (size_t)r, true))
        r = -EFAULT;
    kfree(kbuf);
    int mflags = res.flags;
    if (r >= 0 && h) {
        if (!s->passcred)
            res.has_cred = false;
        long cr = creds_out(h->msg_control, h->msg_controllen, &res, &mflags);
        long c = cr < 0 ? cr
                        : control_out(h->msg_control + (uint64_t)cr,
                                      h->msg_controllen - (uint64_t)cr, &res, flags, &mflags);
        if (c >= 0)
            c += cr;
        if (c < 0)
            r = c;
        h->msg_controllen = c < 0 ? 0 : (uint64_t)c;
        h->msg_flags = mflags;
    }
    drop_fds(res.fds, res.nfds);
    if (r >= 0 && uaddr && res.fromlen && !connection_based(s) &&
        addr_out(uaddr, ualen, &res.from, res.fromlen))
        r = -EFAULT;
    else if (r >= 0 && uaddr && !res.fromlen && ualen) { /* unbound sender: no address */
        int32_t zero = 0;
        if (copy_to_user(ualen, &zero, sizeof(zero)))
            r = -EFAULT;
    }
    if (r >= 0 && (flags & LINUX_MSG_TRUNC) && s->type != LINUX_SOCK_STREAM)
        r = (long)res.full;
    file_put(f);
    return r;
}

SYSCALL_DEFINE6(recvfrom, int, fd, uint64_t, ubuf, uint64_t, len, int, flags, uint64_t, uaddr,
                uint64_t, ualen)
{
    struct kiov iov = {ubuf, len};
    return do_recv(fd, &iov, 1, len, flags, uaddr, ualen, NULL);
}

SYSCALL_DEFINE3(recvmsg, int, fd, uint64_t, umsg, int, flags)
{
    struct linux_msghdr h;
    if (copy_from_user(&h, umsg, sizeof(h)))
        return -EFAULT;
    struct kiov *iov;
    long len = iov_in(h.msg_iov, h.msg_iovlen, &iov);
    if (len < 0)
        return len;
    int32_t namelen = h.msg_namelen;
    uint64_t ulen = umsg + offsetof(struct linux_msghdr, msg_namelen);
    if (h.msg_name && copy_to_user(ulen, &namelen, sizeof(namelen)))
        len = -EFAULT;
    long r = len < 0 ? len
                     : do_recv(fd, iov, h.msg_iovlen, (size_t)len, flags, h.msg_name,
                               h.msg_name ? ulen : 0, &h);
    kfree(iov);
    if (r < 0)
        return r;
    if (!h.msg_name)
        h.msg_namelen = 0;
    else if (copy_from_user(&h.msg_namelen, ulen, sizeof(h.msg_namelen)))
        return -EFAULT;
    return copy_to_user(umsg, &h, sizeof(h)) ? -EFAULT : r;
}
