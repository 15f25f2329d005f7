/*
 * epoll (epoll(7)). Each item attaches poll entries to its object's queues; a notification
 * whose events intersect the item's puts it on the ready list and wakes the epoll's own
 * queue. ipc_epoll_collect polls each ready item for its current mask: an item with events is
 * reported; a level-triggered one goes back on the ready list, an edge-triggered one only
 * when notified again, a one-shot one is disabled until EPOLL_CTL_MOD.
 *
 * Items being reported are on a private send list (rdstate EPI_SENDING); a notification
 * arriving meanwhile sets "kicked" so the item is requeued instead of being lost.
 * ctl_lock (global, like Linux's epmutex) serializes every change of item lifetimes: ctl,
 * destruction of epolls and of watched objects, and the nesting checks.
 */
#include <lib/errno.h>
#include <libos/ipc.h>

enum { EPI_IDLE, EPI_READY, EPI_SENDING };

#define EP_PRIVATE_BITS                                                                            \
    (LINUX_EPOLLWAKEUP | LINUX_EPOLLONESHOT | LINUX_EPOLLET | LINUX_EPOLLEXCLUSIVE)
#define EXCLUSIVE_OK_BITS                                                                          \
    (LINUX_EPOLLIN | LINUX_EPOLLOUT | LINUX_EPOLLERR | LINUX_EPOLLHUP | LINUX_EPOLLWAKEUP |        \
     LINUX_EPOLLET | LINUX_EPOLLEXCLUSIVE)

static struct spinlock ctl_lock = SPINLOCK_INIT("ipc_epoll_ctl");

static void item_detach(struct ipc_poll_entry *e);

static bool view_is_epoll(const struct ipc_fd_view *v)
{
    return v->ops == &ipc_epoll_file_ops;
}

/* Puts it on the ready list (ep->lock held); true if the epoll's waiters need a wake. */
static bool make_ready_locked(struct epoll_item *it)
{
    if (it->rdstate == EPI_SENDING) {
        it->kicked = true;
        return false;
    }
    if (it->rdstate == EPI_IDLE) {
        list_push_back(&it->ep->ready, &it->rdlink);
        it->rdstate = EPI_READY;
    }
    return true;
}

/* An object's notification (under its queue's lock). */
static void item_wake(struct ipc_poll_entry *e, uint32_t events)
{
    struct epoll_item *it = e->priv;
    struct epoll *ep = it->ep;
    bool wake = false;
    spin_lock(&ep->lock);
    if ((it->events & ~EP_PRIVATE_BITS) && (events & it->events))
        wake = make_ready_locked(it);
    spin_unlock(&ep->lock);
    if (wake)
        ipc_pollq_notify(&ep->pollq, LINUX_EPOLLIN | LINUX_EPOLLRDNORM);
}

struct item_table {
    struct ipc_poll_table pt;
    struct epoll_item *it;
};

static void item_queue(struct ipc_poll_table *pt, struct ipc_pollq *q)
{
    struct epoll_item *it = container_of(pt, struct item_table, pt)->it;
    if (it->nentries == ARRAY_SIZE(it->entry))
        return;
    struct ipc_poll_entry *e = &it->entry[it->nentries];
    e->wake = item_wake;
    e->detach = item_detach;
    e->priv = it;
    it->queue[it->nentries++] = q;
    ipc_pollq_add(q, e);
}

/* Frees an item, with ctl_lock and ep->mtx held (no send list is in use). */
static void item_free(struct epoll_item *it)
{
    struct epoll *ep = it->ep;
    for (unsigned i = 0; i < it->nentries; i++)
        ipc_pollq_remove(it->queue[i], &it->entry[i]);
    spin_lock(&ep->lock);
    if (it->rdstate != EPI_IDLE)
        list_remove(&it->rdlink);
    spin_unlock(&ep->lock);
    list_remove(&it->link);
    ep->env->free(it);
}

/* The watched object goes away (ctl_lock held by ipc_pollq_release). */
static void item_detach(struct ipc_poll_entry *e)
{
    struct epoll_item *it = e->priv;
    struct epoll *ep = it->ep;
    spin_lock(&ep->mtx);
    item_free(it);
    spin_unlock(&ep->mtx);
}

static void release_matching(struct ipc_pollq *q, bool all, const void *key)
{
    spin_lock(&ctl_lock);
    for (;;) {
        struct ipc_poll_entry *found = NULL;
        struct list_node *n;
        spin_lock(&q->lock);
        list_for_each(n, &q->entries)
        {
            struct ipc_poll_entry *e = list_entry(n, struct ipc_poll_entry, node);
            bool is_item = e->detach == item_detach;
            if (all || (is_item && ((struct epoll_item *)e->priv)->key == key)) {
                found = e;
                break;
            }
        }
        if (found)
            list_remove(&found->node);
        spin_unlock(&q->lock);
        if (!found)
            break;
        if (found->detach)
            found->detach(found);
    }
    spin_unlock(&ctl_lock);
}

/* A poll table that, handed each queue of a file, drops that file's epoll items there. */
struct key_table {
    struct ipc_poll_table pt;
    const void *key;
};

void ipc_pollq_release(struct ipc_pollq *q)
{
    release_matching(q, true, NULL);
}

void ipc_pollq_release_key(struct ipc_pollq *q, const void *key)
{
    release_matching(q, false, key);
}

static void release_key_queue(struct ipc_poll_table *pt, struct ipc_pollq *q)
{
    release_matching(q, false, ((struct key_table *)pt)->key);
}

void ipc_epoll_file_released(const struct ipc_fd_view *v, const void *key)
{
    struct key_table t = {{release_key_queue}, key};
    if (v->ops && v->ops->poll)
        v->ops->poll(v->obj, v->f_flags, &t.pt);
}

int ipc_epoll_create(const struct ipc_env *env, struct epoll **out)
{
    struct epoll *ep = env->alloc(sizeof(*ep));
    if (!ep)
        return -ENOMEM;
    spin_init(&ep->mtx, "epoll_mtx");
    spin_init(&ep->lock, "epoll");
    ep->env = env;
    list_init(&ep->items);
    list_init(&ep->ready);
    ipc_pollq_init(&ep->pollq);
    *out = ep;
    return 0;
}

void ipc_epoll_destroy(struct epoll *ep)
{
    ipc_pollq_release(&ep->pollq);
    spin_lock(&ctl_lock);
    spin_lock(&ep->mtx);
    while (!list_empty(&ep->items))
        item_free(list_entry(ep->items.next, struct epoll_item, link));
    spin_unlock(&ep->mtx);
    spin_unlock(&ctl_lock);
    ep->env->free(ep);
}

static struct epoll_item *find_item(struct epoll *ep, int fd, const void *key)
{
    struct list_node *n;
    list_for_each(n, &ep->items)
    {
        struct epoll_item *it = list_entry(n, struct epoll_item, link);
        if (it->fd == fd && it->key == key)
            return it;
    }
    return NULL;
}

#define LOOP_FOUND 1000

/* Longest chain of epolls below ep (0: none), or >= LOOP_FOUND if target is reachable. */
static int depth_below(struct epoll *ep, struct epoll *target)
{
    int depth = 0;
    struct list_node *n;
    list_for_each(n, &ep->items)
    {
        struct epoll_item *it = list_entry(n, struct epoll_item, link);
        if (!view_is_epoll(&it->view))
            continue;
        struct epoll *child = it->view.obj;
        int d = child == target ? LOOP_FOUND : 1 + depth_below(child, target);
        depth = MAX(depth, d);
        if (depth >= LOOP_FOUND)
            break;
    }
    return depth;
}

/* Longest chain of epolls watching ep (0: none), through ep's own queue. */
static int depth_above(struct epoll *ep)
{
    int depth = 0;
    struct list_node *n;
    spin_lock(&ep->pollq.lock);
    list_for_each(n, &ep->pollq.entries)
    {
        struct ipc_poll_entry *e = list_entry(n, struct ipc_poll_entry, node);
        if (e->detach != item_detach)
            continue;
        struct epoll *parent = ((struct epoll_item *)e->priv)->ep;
        spin_unlock(&ep->pollq.lock); /* ctl_lock keeps the topology still */
        depth = MAX(depth, 1 + depth_above(parent));
        spin_lock(&ep->pollq.lock);
    }
    spin_unlock(&ep->pollq.lock);
    return depth;
}

/* Linux's ep_loop_check: may `to` be added to ep? */
static bool nesting_ok(struct epoll *ep, struct epoll *to)
{
    int below = depth_below(to, ep);
    return below < LOOP_FOUND && below + 1 + depth_above(ep) <= EPOLL_MAX_NESTS;
}

/* Polls it now and queues it if ready (ep->mtx held). */
static void check_ready_now(struct epoll_item *it, struct ipc_poll_table *pt)
{
    struct epoll *ep = it->ep;
    uint32_t revents = ipc_view_poll(&it->view, pt) & it->events;
    bool wake = false;
    if (revents) {
        spin_lock(&ep->lock);
        wake = make_ready_locked(it);
        spin_unlock(&ep->lock);
    }
    if (wake)
        ipc_pollq_notify(&ep->pollq, LINUX_EPOLLIN | LINUX_EPOLLRDNORM);
}

static int ctl_add(struct epoll *ep, int fd, const void *key, const struct ipc_fd_view *target,
                   uint32_t events, uint64_t data, struct epoll_item *it)
{
    if (find_item(ep, fd, key))
        return -EEXIST;
    if (view_is_epoll(target) && !nesting_ok(ep, target->obj))
        return -ELOOP;
    it->ep = ep;
    it->fd = fd;
    it->key = key;
    it->view = *target;
    it->events = events | LINUX_EPOLLERR | LINUX_EPOLLHUP;
    it->data = data;
    it->rdstate = EPI_IDLE;
    list_init(&it->rdlink);
    list_push_back(&ep->items, &it->link);
    struct item_table table = {{item_queue}, it};
    check_ready_now(it, &table.pt);
    return 0;
}

static int ctl_mod(struct epoll_item *it, uint32_t events, uint64_t data)
{
    if (it->events & LINUX_EPOLLEXCLUSIVE)
        return -EINVAL;
    spin_lock(&it->ep->lock);
    it->events = events | LINUX_EPOLLERR | LINUX_EPOLLHUP;
    it->data = data;
    spin_unlock(&it->ep->lock);
    check_ready_now(it, NULL);
    return 0;
}

/* Argument checks that need no lock, in Linux's order. */
static int ctl_check(struct epoll *ep, int op, const struct ipc_fd_view *target, uint32_t events)
{
    if (op != LINUX_EPOLL_CTL_ADD && op != LINUX_EPOLL_CTL_DEL && op != LINUX_EPOLL_CTL_MOD)
        return -EINVAL;
    if (!target->ops || !target->ops->poll)
        return -EPERM;
    if (view_is_epoll(target) && target->obj == ep)
        return -EINVAL;
    if (op != LINUX_EPOLL_CTL_DEL && (events & LINUX_EPOLLEXCLUSIVE)) {
        if (op == LINUX_EPOLL_CTL_MOD)
            return -EINVAL;
        if (view_is_epoll(target) || (events & ~EXCLUSIVE_OK_BITS))
            return -EINVAL;
    }
    return 0;
}

int ipc_epoll_ctl(struct epoll *ep, int op, int fd, const void *key,
                  const struct ipc_fd_view *target, const struct linux_epoll_event *ev)
{
    uint32_t events = ev ? ev->events & ~LINUX_EPOLLWAKEUP : 0;
    int err = ctl_check(ep, op, target, events);
    if (err)
        return err;
    struct epoll_item *fresh = NULL;
    if (op == LINUX_EPOLL_CTL_ADD && !(fresh = ep->env->alloc(sizeof(*fresh))))
        return -ENOMEM;
    spin_lock(&ctl_lock);
    spin_lock(&ep->mtx);
    struct epoll_item *it = find_item(ep, fd, key);
    if (op == LINUX_EPOLL_CTL_ADD) {
        err = ctl_add(ep, fd, key, target, events, ev->data, fresh);
        if (!err)
            fresh = NULL;
    } else if (!it) {
        err = -ENOENT;
    } else if (op == LINUX_EPOLL_CTL_DEL) {
        item_free(it);
    } else {
        err = ctl_mod(it, events, ev->data);
    }
    spin_unlock(&ep->mtx);
    spin_unlock(&ctl_lock);
    if (fresh)
        ep->env->free(fresh);
    return err;
}

/* Moves the ready list onto send (ep->mtx held). */
static void take_ready(struct epoll *ep, struct list_node *send)
{
    struct list_node *n;
    list_init(send);
    spin_lock(&ep->lock);
    list_for_each(n, &ep->ready)
    {
        struct epoll_item *it = list_entry(n, struct epoll_item, rdlink);
        it->rdstate = EPI_SENDING;
        it->kicked = false;
    }
    if (!list_empty(&ep->ready)) {
        send->next = ep->ready.next, send->prev = ep->ready.prev;
        send->next->prev = send, send->prev->next = send;
        list_init(&ep->ready);
    }
    spin_unlock(&ep->lock);
}

/* Puts what is left of send back at the front of the ready list. */
static void return_unsent(struct epoll *ep, struct list_node *send)
{
    spin_lock(&ep->lock);
    while (!list_empty(send)) {
        struct epoll_item *it = list_entry(send->prev, struct epoll_item, rdlink);
        list_remove(&it->rdlink);
        list_push_front(&ep->ready, &it->rdlink);
        it->rdstate = EPI_READY;
    }
    spin_unlock(&ep->lock);
}

/* Settles an item taken off the send list: requeued or idle (ep->lock held). */
static void settle_locked(struct epoll_item *it, bool requeue)
{
    if (requeue || it->kicked) {
        list_push_back(&it->ep->ready, &it->rdlink);
        it->rdstate = EPI_READY;
    } else {
        it->rdstate = EPI_IDLE;
    }
}

int ipc_epoll_collect(struct epoll *ep, struct linux_epoll_event *out, int maxevents)
{
    struct list_node send;
    int count = 0;
    spin_lock(&ep->mtx);
    take_ready(ep, &send);
    while (!list_empty(&send) && count < maxevents) {
        struct epoll_item *it = list_entry(send.next, struct epoll_item, rdlink);
        list_remove(&it->rdlink);
        uint32_t revents = ipc_view_poll(&it->view, NULL) & it->events;
        spin_lock(&ep->lock);
        bool requeue = false;
        if (revents && (it->events & ~EP_PRIVATE_BITS)) {
            out[count].events = revents;
            out[count].data = it->data;
            count++;
            if (it->events & LINUX_EPOLLONESHOT) {
                it->events &= EP_PRIVATE_BITS;
                it->kicked = false;
            } else if (!(it->events & LINUX_EPOLLET)) {
                requeue = true;
            }
        }
        settle_locked(it, requeue);
        spin_unlock(&ep->lock);
    }
    return_unsent(ep, &send);
    spin_unlock(&ep->mtx);
    return count;
}

bool ipc_epoll_has_ready(struct epoll *ep)
{
    spin_lock(&ep->lock);
    bool ready = !list_empty(&ep->ready);
    spin_unlock(&ep->lock);
    return ready;
}

/* Readable when some ready item really has events; items found not ready are dropped from
 * the ready list on the way (as Linux does). */
uint32_t ipc_epoll_poll(struct epoll *ep, struct ipc_poll_table *pt)
{
    struct list_node send;
    bool found = false;
    ipc_poll_wait(pt, &ep->pollq);
    spin_lock(&ep->mtx);
    take_ready(ep, &send);
    while (!list_empty(&send) && !found) {
        struct epoll_item *it = list_entry(send.next, struct epoll_item, rdlink);
        list_remove(&it->rdlink);
        found = ipc_view_poll(&it->view, NULL) & it->events & ~EP_PRIVATE_BITS;
        spin_lock(&ep->lock);
        settle_locked(it, found);
        spin_unlock(&ep->lock);
    }
    return_unsent(ep, &send);
    spin_unlock(&ep->mtx);
    return found ? LINUX_EPOLLIN | LINUX_EPOLLRDNORM : 0;
}

static long op_read(void *obj, unsigned f_flags, void *buf, size_t n)
{
    (void)obj, (void)f_flags, (void)buf, (void)n;
    return -EINVAL;
}

static long op_write(void *obj, unsigned f_flags, const void *buf, size_t n)
{
    (void)obj, (void)f_flags, (void)buf, (void)n;
    return -EINVAL;
}

static uint32_t op_poll(void *obj, unsigned f_flags, struct ipc_poll_table *pt)
{
    (void)f_flags;
    return ipc_epoll_poll(obj, pt);
}

static long op_ioctl(void *obj, unsigned f_flags, unsigned cmd, void *karg)
{
    (void)obj, (void)f_flags, (void)cmd, (void)karg;
    return -ENOTTY;
}

static void op_release(void *obj, unsigned f_flags)
{
    (void)f_flags;
    ipc_epoll_destroy(obj);
}

const struct ipc_file_ops ipc_epoll_file_ops = {op_read, op_write, op_poll, op_ioctl, op_release};
