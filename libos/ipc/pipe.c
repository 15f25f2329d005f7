/*
 * Pipes and FIFOs (pipe(7)). Data lives in a ring of page-sized slots like Linux's
 * pipe_buffer ring: a write first tops up the last slot when its sub-page remainder fits
 * there, then fills fresh slots, so a write of at most PIPE_BUF either merges whole or takes
 * a fresh slot whole (atomicity), capacity is nslots pages, and POLLOUT means "a free slot".
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/abi/fcntl.h>
#include <libos/abi/termios.h>
#include <libos/ipc.h>

#define ALL_EVENTS                                                                                 \
    (LINUX_POLLIN | LINUX_POLLOUT | LINUX_POLLRDNORM | LINUX_POLLWRNORM | LINUX_POLLERR |          \
     LINUX_POLLHUP)
#define IN_EVENTS  (LINUX_POLLIN | LINUX_POLLRDNORM)
#define OUT_EVENTS (LINUX_POLLOUT | LINUX_POLLWRNORM)

static bool mode_reads(unsigned f_flags)
{
    return (f_flags & LINUX_O_ACCMODE) != LINUX_O_WRONLY;
}

static bool mode_writes(unsigned f_flags)
{
    return (f_flags & LINUX_O_ACCMODE) != LINUX_O_RDONLY;
}

static unsigned used_slots(const struct pipe *p)
{
    return p->head - p->tail;
}

static bool pipe_full(const struct pipe *p)
{
    return used_slots(p) >= p->nslots;
}

static struct pipe_slot *slot_at(struct pipe *p, unsigned i)
{
    return &p->slots[i & (p->nslots - 1)];
}

static uint8_t *page_at(struct pipe *p, unsigned i)
{
    return p->pages + (size_t)(i & (p->nslots - 1)) * IPC_PAGE_SIZE;
}

/* Allocates a ring of nslots: 0 or -ENOMEM. */
static int alloc_ring(const struct ipc_env *env, unsigned nslots, uint8_t **pages,
                      struct pipe_slot **slots)
{
    *pages = env->alloc((size_t)nslots * IPC_PAGE_SIZE);
    *slots = env->alloc(nslots * sizeof(**slots));
    if (*pages && *slots)
        return 0;
    if (*pages)
        env->free(*pages);
    if (*slots)
        env->free(*slots);
    return -ENOMEM;
}

int pipe_create(const struct ipc_env *env, struct pipe **out)
{
    struct pipe *p = env->alloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->nslots = PIPE_DEFAULT_SIZE / IPC_PAGE_SIZE;
    if (alloc_ring(env, p->nslots, &p->pages, &p->slots) < 0) {
        env->free(p);
        return -ENOMEM;
    }
    spin_init(&p->lock, "pipe");
    p->env = env;
    ipc_pollq_init(&p->rd_q);
    ipc_pollq_init(&p->wr_q);
    *out = p;
    return 0;
}

void pipe_destroy(struct pipe *p)
{
    ipc_pollq_release(&p->rd_q);
    ipc_pollq_release(&p->wr_q);
    p->env->free(p->pages);
    p->env->free(p->slots);
    p->env->free(p);
}

/* Wakes openers waiting for a partner and anyone polling either side. */
static void wake_partners(struct pipe *p)
{
    ipc_pollq_notify(&p->rd_q, ~0u);
    ipc_pollq_notify(&p->wr_q, ~0u);
}

void pipe_open(struct pipe *p, unsigned f_flags)
{
    spin_lock(&p->lock);
    if (mode_reads(f_flags))
        p->readers++, p->r_opens++;
    if (mode_writes(f_flags))
        p->writers++, p->w_opens++;
    spin_unlock(&p->lock);
    wake_partners(p);
}

bool pipe_close(struct pipe *p, unsigned f_flags)
{
    spin_lock(&p->lock);
    if (mode_reads(f_flags))
        p->readers--;
    if (mode_writes(f_flags))
        p->writers--;
    bool last = p->readers == 0 && p->writers == 0;
    spin_unlock(&p->lock);
    if (!last) {
        ipc_pollq_notify(&p->rd_q, ALL_EVENTS);
        ipc_pollq_notify(&p->wr_q, ALL_EVENTS);
    }
    return last;
}

long pipe_read(struct pipe *p, void *buf, size_t n)
{
    if (n == 0)
        return 0;
    spin_lock(&p->lock);
    bool was_full = pipe_full(p);
    size_t done = 0;
    while (done < n && p->head != p->tail) {
        struct pipe_slot *s = slot_at(p, p->tail);
        size_t k = MIN((size_t)s->len, n - done);
        memcpy((uint8_t *)buf + done, page_at(p, p->tail) + s->off, k);
        s->off += (uint16_t)k;
        s->len -= (uint16_t)k;
        done += k;
        if (s->len == 0)
            p->tail++;
    }
    long ret = done ? (long)done : p->writers ? -EAGAIN : 0;
    spin_unlock(&p->lock);
    if (done && was_full)
        ipc_pollq_notify(&p->wr_q, OUT_EVENTS);
    return ret;
}

/* Copies as much of buf as the ring takes (see the file comment); returns bytes copied. */
static size_t fill_ring(struct pipe *p, const uint8_t *buf, size_t n)
{
    size_t done = 0, chars = n & (IPC_PAGE_SIZE - 1);
    if (chars && p->head != p->tail) {
        struct pipe_slot *s = slot_at(p, p->head - 1);
        if (s->off + s->len + chars <= IPC_PAGE_SIZE) {
            memcpy(page_at(p, p->head - 1) + s->off + s->len, buf, chars);
            s->len += (uint16_t)chars;
            done = chars;
        }
    }
    while (done < n && !pipe_full(p)) {
        size_t k = MIN(n - done, (size_t)IPC_PAGE_SIZE);
        memcpy(page_at(p, p->head), buf + done, k);
        *slot_at(p, p->head) = (struct pipe_slot){0, (uint16_t)k};
        p->head++;
        done += k;
    }
    return done;
}

long pipe_write(struct pipe *p, const void *buf, size_t n, bool *sigpipe)
{
    *sigpipe = false;
    if (n == 0)
        return 0;
    spin_lock(&p->lock);
    if (!p->readers) {
        spin_unlock(&p->lock);
        *sigpipe = true;
        return -EPIPE;
    }
    /* At most PIPE_BUF bytes merge whole or take one fresh slot whole: never split. */
    size_t done = fill_ring(p, buf, n);
    spin_unlock(&p->lock);
    /* Linux wakes the readers of a polled pipe after every write, even one that found no
     * room: an edge-triggered epoll item on the read end is reported again. */
    ipc_pollq_notify(&p->rd_q, IN_EVENTS);
    return done ? (long)done : -EAGAIN;
}

uint32_t pipe_poll(struct pipe *p, unsigned f_flags, struct ipc_poll_table *pt)
{
    if (mode_reads(f_flags))
        ipc_poll_wait(pt, &p->rd_q);
    if (mode_writes(f_flags))
        ipc_poll_wait(pt, &p->wr_q);
    uint32_t mask = 0;
    spin_lock(&p->lock);
    if (mode_reads(f_flags)) {
        if (p->head != p->tail)
            mask |= IN_EVENTS;
        if (!p->writers)
            mask |= LINUX_POLLHUP;
    }
    if (mode_writes(f_flags)) {
        if (!pipe_full(p))
            mask |= OUT_EVENTS;
        if (!p->readers)
            mask |= LINUX_POLLERR;
    }
    spin_unlock(&p->lock);
    return mask;
}

size_t pipe_nread(struct pipe *p)
{
    size_t n = 0;
    spin_lock(&p->lock);
    for (unsigned i = p->tail; i != p->head; i++)
        n += slot_at(p, i)->len;
    spin_unlock(&p->lock);
    return n;
}

long pipe_get_size(struct pipe *p)
{
    return (long)p->nslots * IPC_PAGE_SIZE;
}

/* Linux's round_pipe_size: a power-of-two number of pages, at least one; 0 if too big. */
static uint64_t round_pipe_size(uint64_t bytes)
{
    if (bytes > (1ull << 31))
        return 0;
    uint64_t pages = (bytes + IPC_PAGE_SIZE - 1) / IPC_PAGE_SIZE, p2 = 1;
    while (p2 < pages)
        p2 <<= 1;
    return p2 * IPC_PAGE_SIZE;
}

long pipe_set_size(struct pipe *p, uint64_t bytes, bool privileged)
{
    uint64_t size = round_pipe_size(bytes);
    if (!size)
        return -EINVAL;
    if (size > PIPE_MAX_SIZE && !privileged)
        return -EPERM;
    unsigned nslots = (unsigned)(size / IPC_PAGE_SIZE);
    uint8_t *pages;
    struct pipe_slot *slots;
    if (alloc_ring(p->env, nslots, &pages, &slots) < 0)
        return -ENOMEM;
    spin_lock(&p->lock);
    unsigned used = used_slots(p);
    if (used > nslots) {
        spin_unlock(&p->lock);
        p->env->free(pages);
        p->env->free(slots);
        return -EBUSY;
    }
    for (unsigned i = 0; i < used; i++) {
        slots[i] = *slot_at(p, p->tail + i);
        memcpy(pages + (size_t)i * IPC_PAGE_SIZE, page_at(p, p->tail + i), IPC_PAGE_SIZE);
    }
    uint8_t *old_pages = p->pages;
    struct pipe_slot *old_slots = p->slots;
    bool grew = nslots > p->nslots;
    p->pages = pages, p->slots = slots, p->nslots = nslots;
    p->tail = 0, p->head = used;
    spin_unlock(&p->lock);
    p->env->free(old_pages);
    p->env->free(old_slots);
    if (grew)
        ipc_pollq_notify(&p->wr_q, OUT_EVENTS);
    return (long)size;
}

int pipe_fifo_open(struct pipe *p, unsigned f_flags, unsigned *gen)
{
    unsigned mode = f_flags & LINUX_O_ACCMODE;
    bool nonblock = f_flags & LINUX_O_NONBLOCK;
    spin_lock(&p->lock);
    if (mode == LINUX_O_WRONLY && nonblock && !p->readers) {
        spin_unlock(&p->lock);
        return -ENXIO;
    }
    int wait = 0;
    if (mode == LINUX_O_RDONLY) {
        p->readers++, p->r_opens++;
        *gen = p->w_opens;
        wait = !p->writers && !nonblock;
    } else if (mode == LINUX_O_WRONLY) {
        p->writers++, p->w_opens++;
        *gen = p->r_opens;
        wait = !p->readers;
    } else {
        p->readers++, p->r_opens++;
        p->writers++, p->w_opens++;
    }
    spin_unlock(&p->lock);
    wake_partners(p);
    return wait;
}

/* A blocked FIFO opener may go on once a partner has opened since it started waiting. */
bool pipe_fifo_open_ready(struct pipe *p, unsigned f_flags, unsigned gen)
{
    unsigned mode = f_flags & LINUX_O_ACCMODE;
    if (mode == LINUX_O_RDONLY)
        return READ_ONCE(p->w_opens) != gen;
    if (mode == LINUX_O_WRONLY)
        return READ_ONCE(p->r_opens) != gen;
    return true;
}

static long pipe_op_read(void *obj, unsigned f_flags, void *buf, size_t n)
{
    (void)f_flags;
    return pipe_read(obj, buf, n);
}

static long pipe_op_write(void *obj, unsigned f_flags, const void *buf, size_t n)
{
    bool sigpipe;
    (void)f_flags;
    return pipe_write(obj, buf, n, &sigpipe);
}

static uint32_t pipe_op_poll(void *obj, unsigned f_flags, struct ipc_poll_table *pt)
{
    return pipe_poll(obj, f_flags, pt);
}

static long pipe_op_ioctl(void *obj, unsigned f_flags, unsigned cmd, void *karg)
{
    (void)f_flags;
    if (cmd != LINUX_FIONREAD)
        return -ENOTTY;
    *(int32_t *)karg = (int32_t)pipe_nread(obj);
    return 0;
}

static void pipe_op_release(void *obj, unsigned f_flags)
{
    if (pipe_close(obj, f_flags))
        pipe_destroy(obj);
}

const struct ipc_file_ops pipe_file_ops = {
    pipe_op_read, pipe_op_write, pipe_op_poll, pipe_op_ioctl, pipe_op_release,
};
