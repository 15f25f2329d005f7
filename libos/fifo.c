/*
 * FIFOs (fifo(7)): opening a filesystem node of type S_IFIFO gives a pipe end. The pipe
 * lives while any end is open, found by the node's (superblock, inode number) in a small
 * registry, so every opener of the same node shares it.
 */
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/file.h>
#include <libos/fifo.h>
#include <libos/ipc.h>
#include <libos/ipc_glue.h>
#include <mm/slab.h>

struct fifo {
    struct list_node link;
    const struct vfs_superblock *sb;
    uint64_t ino;
    struct pipe *pipe;
    int opens; /* open file descriptions on this node */
};

static struct spinlock fifo_lock = SPINLOCK_INIT("fifo");
static struct list_node fifos = LIST_INIT(fifos);

static const struct ipc_file_ops fifo_ops;

/* The FIFO of inode (created on first open), with one more open counted: NULL without
 * memory. */
static struct fifo *fifo_get(const struct vfs_inode *inode)
{
    struct pipe *fresh = NULL;
    struct fifo *nf = kzalloc(sizeof(*nf));
    if (!nf || pipe_create(&ipc_env, &fresh) < 0) {
        kfree(nf);
        return NULL;
    }
    spin_lock(&fifo_lock);
    struct list_node *n;
    struct fifo *found = NULL;
    list_for_each(n, &fifos)
    {
        struct fifo *x = list_entry(n, struct fifo, link);
        if (x->sb == inode->sb && x->ino == inode->ino)
            found = x;
    }
    if (!found) {
        *nf = (struct fifo){.sb = inode->sb, .ino = inode->ino, .pipe = fresh};
        list_push_back(&fifos, &nf->link);
        found = nf, nf = NULL, fresh = NULL;
    }
    found->opens++;
    spin_unlock(&fifo_lock);
    if (fresh)
        pipe_destroy(fresh);
    kfree(nf);
    return found;
}

/* Forgets one open of the node; the last frees the pipe (its data is gone, as in Linux). */
static void fifo_unref(struct fifo *x)
{
    spin_lock(&fifo_lock);
    bool last = --x->opens == 0;
    if (last)
        list_remove(&x->link);
    spin_unlock(&fifo_lock);
    if (last) {
        pipe_destroy(x->pipe);
        kfree(x);
    }
}

/* Closes one end (counted by pipe_fifo_open) and forgets its open. */
static void fifo_put(struct fifo *x, unsigned f_flags)
{
    pipe_close(x->pipe, f_flags);
    fifo_unref(x);
}

static long fifo_read(void *obj, unsigned f_flags, void *buf, size_t n)
{
    return pipe_file_ops.read(((struct fifo *)obj)->pipe, f_flags, buf, n);
}

static long fifo_write(void *obj, unsigned f_flags, const void *buf, size_t n)
{
    return pipe_file_ops.write(((struct fifo *)obj)->pipe, f_flags, buf, n);
}

static uint32_t fifo_poll(void *obj, unsigned f_flags, struct ipc_poll_table *pt)
{
    return pipe_file_ops.poll(((struct fifo *)obj)->pipe, f_flags, pt);
}

static long fifo_ioctl(void *obj, unsigned f_flags, unsigned cmd, void *karg)
{
    return pipe_file_ops.ioctl(((struct fifo *)obj)->pipe, f_flags, cmd, karg);
}

static void fifo_release(void *obj, unsigned f_flags)
{
    fifo_put(obj, f_flags);
}

static const struct ipc_file_ops fifo_ops = {fifo_read, fifo_write, fifo_poll, fifo_ioctl,
                                             fifo_release};

struct pipe *fifo_pipe(const struct file *f)
{
    return f->ops == &fifo_ops ? ((struct fifo *)f->obj)->pipe : NULL;
}

struct open_wait {
    struct pipe *p;
    unsigned flags, gen;
};

static long partner_opened(void *arg, struct ipc_poll_table *pt)
{
    struct open_wait *o = arg;
    if (pt)
        pipe_poll(o->p, LINUX_O_RDWR, pt);
    return pipe_fifo_open_ready(o->p, o->flags, o->gen);
}

/* Blocks until the other side has opened: 0 or -ERESTARTSYS / -ENOMEM. */
static int wait_partner(struct pipe *p, unsigned flags, unsigned gen)
{
    struct open_wait o = {p, flags, gen};
    long r = ipc_wait_scan(partner_opened, &o, 0);
    return r > 0 ? 0 : (int)r;
}

int fifo_attach(struct file *f)
{
    struct fifo *x = fifo_get(f->vf->inode);
    if (!x)
        return -ENOMEM;
    unsigned gen;
    int r = pipe_fifo_open(x->pipe, f->flags, &gen);
    if (r == 1)
        r = wait_partner(x->pipe, f->flags, gen);
    if (r == -ENXIO) { /* pipe_fifo_open counted no end */
        fifo_unref(x);
        return r;
    }
    if (r) {
        fifo_put(x, f->flags);
        return r;
    }
    f->kind = FILE_OPS;
    f->ops = &fifo_ops;
    f->obj = x;
    return 0;
}
