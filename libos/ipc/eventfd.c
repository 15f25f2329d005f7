/*
 * eventfd (eventfd(2)): a 64-bit counter. read takes the whole count (or 1 with
 * EFD_SEMAPHORE) and needs it nonzero; write adds and needs the sum to stay at most
 * 0xfffffffffffffffe. Readiness: POLLIN while nonzero, POLLOUT while a write of 1 fits.
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/abi/fcntl.h>
#include <libos/ipc.h>

int ipc_eventfd_create(const struct ipc_env *env, unsigned initval, unsigned flags,
                       struct eventfd **out)
{
    if (flags & ~(unsigned)(LINUX_EFD_SEMAPHORE | LINUX_EFD_NONBLOCK | LINUX_EFD_CLOEXEC))
        return -EINVAL;
    struct eventfd *e = env->alloc(sizeof(*e));
    if (!e)
        return -ENOMEM;
    spin_init(&e->lock, "eventfd");
    e->env = env;
    e->count = initval;
    e->semaphore = flags & LINUX_EFD_SEMAPHORE;
    ipc_pollq_init(&e->pollq);
    *out = e;
    return 0;
}

void ipc_eventfd_destroy(struct eventfd *e)
{
    ipc_pollq_release(&e->pollq);
    e->env->free(e);
}

long ipc_eventfd_read(struct eventfd *e, void *buf, size_t n)
{
    if (n < sizeof(uint64_t))
        return -EINVAL;
    spin_lock(&e->lock);
    if (e->count == 0) {
        spin_unlock(&e->lock);
        return -EAGAIN;
    }
    uint64_t v = e->semaphore ? 1 : e->count;
    e->count -= v;
    spin_unlock(&e->lock);
    memcpy(buf, &v, sizeof(v));
    ipc_pollq_notify(&e->pollq, LINUX_POLLOUT);
    return sizeof(v);
}

long ipc_eventfd_write(struct eventfd *e, const void *buf, size_t n)
{
    uint64_t v;
    if (n < sizeof(v))
        return -EINVAL;
    memcpy(&v, buf, sizeof(v));
    if (v == UINT64_MAX)
        return -EINVAL;
    spin_lock(&e->lock);
    if (UINT64_MAX - e->count <= v) {
        spin_unlock(&e->lock);
        return -EAGAIN;
    }
    e->count += v;
    spin_unlock(&e->lock);
    ipc_pollq_notify(&e->pollq, LINUX_POLLIN); /* even for 0, as Linux does */
    return sizeof(v);
}

uint32_t ipc_eventfd_poll(struct eventfd *e, struct ipc_poll_table *pt)
{
    ipc_poll_wait(pt, &e->pollq);
    uint64_t c = __atomic_load_n(&e->count, __ATOMIC_RELAXED);
    uint32_t mask = 0;
    if (c > 0)
        mask |= LINUX_POLLIN;
    if (c == UINT64_MAX)
        mask |= LINUX_POLLERR;
    if (c < EVENTFD_MAX)
        mask |= LINUX_POLLOUT;
    return mask;
}

static long op_read(void *obj, unsigned f_flags, void *buf, size_t n)
{
    (void)f_flags;
    return ipc_eventfd_read(obj, buf, n);
}

static long op_write(void *obj, unsigned f_flags, const void *buf, size_t n)
{
    (void)f_flags;
    return ipc_eventfd_write(obj, buf, n);
}

static uint32_t op_poll(void *obj, unsigned f_flags, struct ipc_poll_table *pt)
{
    (void)f_flags;
    return ipc_eventfd_poll(obj, pt);
}

static long op_ioctl(void *obj, unsigned f_flags, unsigned cmd, void *karg)
{
    (void)obj, (void)f_flags, (void)cmd, (void)karg;
    return -ENOTTY;
}

static void op_release(void *obj, unsigned f_flags)
{
    (void)f_flags;
    ipc_eventfd_destroy(obj);
}

const struct ipc_file_ops ipc_eventfd_file_ops = {op_read, op_write, op_poll, op_ioctl, op_release};
