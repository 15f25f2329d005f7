/*
 * File locks. fcntl record locks: POSIX locks (owned by a process, dropped when it closes
 * any descriptor of the file) and open file description locks (owned by the open file,
 * dropped when its last reference goes). flock(2) locks: whole-file locks owned by the open
 * file like OFD locks, but a separate family: they never conflict with fcntl locks, as on
 * Linux. One global table of byte ranges per inode; a lock request
 * of one owner replaces that owner's locks on the range and merges with its adjacent locks
 * of the same type, as Linux does. F_SETLKW sleeps interruptibly; a POSIX waiter that would
 * close a cycle of processes waiting on each other gets EDEADLK.
 */
#include <string.h>
#include <lib/errno.h>
#include <lib/list.h>
#include <lib/spinlock.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/proc.h>
#include <libos/wait.h>
#include <mm/slab.h>
#include "files_internal.h"

#define OFFSET_MAX INT64_MAX

enum lock_kind { LOCK_POSIX, LOCK_OFD, LOCK_FLOCK };

struct lock_owner {
    const void *id; /* struct process * (POSIX) or struct file * (OFD, flock) */
    enum lock_kind kind;
};

struct flock_rec {
    struct list_node link;
    struct vfs_inode *inode;
    struct lock_owner owner;
    int pid;            /* reported by F_GETLK: the owning process, -1 for OFD locks */
    int type;           /* LINUX_F_RDLCK or LINUX_F_WRLCK */
    int64_t start, end; /* inclusive; end OFFSET_MAX: to the end of any file */
};

/* A POSIX owner sleeping in F_SETLKW, and the owner whose lock it waits for. */
struct flock_waiter {
    struct list_node link;
    const void *owner, *blocker;
};

static struct spinlock flock_lock = SPINLOCK_INIT("flock");
static struct list_node locks = LIST_INIT(locks);
static struct list_node waiters = LIST_INIT(waiters);
static struct wait_queue flock_wq = WAIT_QUEUE_INIT(flock_wq);

static bool same_owner(const struct lock_owner *a, const struct lock_owner *b)
{
    return a->id == b->id && a->kind == b->kind;
}

/* fcntl locks (POSIX and OFD) conflict with each other; flock locks only with flock locks. */
static bool same_family(const struct lock_owner *a, const struct lock_owner *b)
{
    return (a->kind == LOCK_FLOCK) == (b->kind == LOCK_FLOCK);
}

static bool overlaps(const struct flock_rec *r, int64_t start, int64_t end)
{
    return r->start <= end && start <= r->end;
}

/* The first lock of another owner that conflicts with a request (NULL: none). Caller holds
 * flock_lock. */
static struct flock_rec *find_conflict(const struct flock_rec *req)
{
    struct list_node *n;
    list_for_each(n, &locks)
    {
        struct flock_rec *r = list_entry(n, struct flock_rec, link);
        if (r->inode == req->inode && same_family(&r->owner, &req->owner) &&
            !same_owner(&r->owner, &req->owner) && overlaps(r, req->start, req->end) &&
            (r->type == LINUX_F_WRLCK || req->type == LINUX_F_WRLCK))
            return r;
    }
    return NULL;
}

/* Would owner waiting for blocker close a cycle of waiting POSIX owners? */
static bool would_deadlock(const void *owner, const void *blocker)
{
    for (int hops = 0; hops < 64 && blocker; hops++) {
        if (blocker == owner)
            return true;
        const void *next = NULL;
        struct list_node *n;
        list_for_each(n, &waiters)
        {
            struct flock_waiter *w = list_entry(n, struct flock_waiter, link);
            if (w->owner == blocker)
                next = w->blocker;
        }
        blocker = next;
    }
    return false;
}

/*
 * Removes req's owner's locks on [req->start, req->end] of req->inode, splitting a lock that
 * sticks out on both sides into *spare (consumed: set to NULL). Caller holds flock_lock.
 */
static void cut_range(const struct flock_rec *req, struct flock_rec **spare)
{
    struct list_node *n, *tmp;
    list_for_each_safe(n, tmp, &locks)
    {
        struct flock_rec *r = list_entry(n, struct flock_rec, link);
        if (r->inode != req->inode || !same_owner(&r->owner, &req->owner) ||
            !overlaps(r, req->start, req->end))
            continue;
        if (r->start < req->start && r->end > req->end) {
            struct flock_rec *tail = *spare;
            *spare = NULL;
            *tail = *r;
            tail->start = req->end + 1;
            list_push_back(&locks, &tail->link);
            r->end = req->start - 1;
        } else if (r->start < req->start) {
            r->end = req->start - 1;
        } else if (r->end > req->end) {
            r->start = req->end + 1;
        } else {
            list_remove(&r->link);
            kfree(r);
        }
    }
}

/* Inserts rec (req's copy), absorbing the owner's adjacent locks of the same type. */
static void insert_merged(struct flock_rec *rec)
{
    struct list_node *n, *tmp;
    list_for_each_safe(n, tmp, &locks)
    {
        struct flock_rec *r = list_entry(n, struct flock_rec, link);
        if (r->inode != rec->inode || !same_owner(&r->owner, &rec->owner) || r->type != rec->type)
            continue;
        bool touches = (r->end != OFFSET_MAX && r->end + 1 == rec->start) ||
                       (rec->end != OFFSET_MAX && rec->end + 1 == r->start);
        if (!touches)
            continue;
        rec->start = r->start < rec->start ? r->start : rec->start;
        rec->end = r->end > rec->end ? r->end : rec->end;
        list_remove(&r->link);
        kfree(r);
    }
    list_push_back(&locks, &rec->link);
}

/* Applies req (a lock or F_UNLCK) if nothing conflicts: 0, or -EAGAIN with *blocker set to
 * the conflicting owner. *recs holds two preallocated records; used ones are set to NULL. */
static int try_apply(const struct flock_rec *req, struct flock_rec *recs[2], const void **blocker)
{
    spin_lock(&flock_lock);
    if (req->type != LINUX_F_UNLCK) {
        struct flock_rec *c = find_conflict(req);
        if (c) {
            *blocker = c->owner.kind == LOCK_POSIX ? c->owner.id : NULL;
            spin_unlock(&flock_lock);
            return -EAGAIN;
        }
    }
    cut_range(req, &recs[0]);
    if (req->type != LINUX_F_UNLCK) {
        struct flock_rec *rec = recs[1];
        recs[1] = NULL;
        *rec = *req;
        insert_merged(rec);
    }
    spin_unlock(&flock_lock);
    wake_all(&flock_wq);
    return 0;
}

struct lock_wait {
    const struct flock_rec *req;
};

static bool no_conflict(void *arg)
{
    struct lock_wait *w = arg;
    spin_lock(&flock_lock);
    bool ok = find_conflict(w->req) == NULL;
    spin_unlock(&flock_lock);
    return ok;
}

/* F_SETLKW: waits (interruptibly) until req applies. POSIX owners register as waiters so
 * that cycles are refused with EDEADLK. */
static int apply_wait(const struct flock_rec *req, struct flock_rec *recs[2])
{
    struct flock_waiter self = {.owner = req->owner.id};
    for (;;) {
        const void *blocker = NULL;
        int err = try_apply(req, recs, &blocker);
        if (err != -EAGAIN)
            return err;
        bool posix = req->owner.kind == LOCK_POSIX;
        if (posix) {
            spin_lock(&flock_lock);
            bool dead = would_deadlock(req->owner.id, blocker);
            if (!dead) {
                self.blocker = blocker;
                list_push_back(&waiters, &self.link);
            }
            spin_unlock(&flock_lock);
            if (dead)
                return -EDEADLK;
        }
        struct lock_wait w = {req};
        err = await(&flock_wq, no_conflict, &w, AWAIT_INTERRUPTIBLE, 0);
        if (posix) {
            spin_lock(&flock_lock);
            list_remove(&self.link);
            spin_unlock(&flock_lock);
        }
        if (err)
            return err;
    }
}

/* struct flock's range, relative to f's position or size per l_whence, as an inclusive
 * [start, end]: 0, -EINVAL or -EOVERFLOW (Linux's rules). */
static int flock_range(const struct linux_flock *l, struct file *f, int64_t *start, int64_t *end)
{
    int64_t base;
    switch (l->l_whence) {
    case LINUX_SEEK_SET:
        base = 0;
        break;
    case LINUX_SEEK_CUR:
        base = (int64_t)f->vf->pos;
        break;
    case LINUX_SEEK_END:
        base = (int64_t)f->vf->inode->size;
        break;
    default:
        return -EINVAL;
    }
    if (l->l_start > 0 && l->l_start > OFFSET_MAX - base)
        return -EOVERFLOW;
    int64_t s = base + l->l_start;
    if (s < 0)
        return -EINVAL;
    if (l->l_len > 0) {
        if (l->l_len - 1 > OFFSET_MAX - s)
            return -EOVERFLOW;
        *end = s + l->l_len - 1;
    } else if (l->l_len < 0) {
        *end = s - 1;
        s += l->l_len;
        if (s < 0)
            return -EINVAL;
    } else {
        *end = OFFSET_MAX;
    }
    *start = s;
    return 0;
}

/* F_GETLK: describes the first lock that would block req, or sets l_type to F_UNLCK. */
static void get_lock(const struct flock_rec *req, struct linux_flock *l)
{
    spin_lock(&flock_lock);
    struct flock_rec *c = find_conflict(req);
    if (c) {
        l->l_type = (int16_t)c->type;
        l->l_whence = LINUX_SEEK_SET;
        l->l_start = c->start;
        l->l_len = c->end == OFFSET_MAX ? 0 : c->end - c->start + 1;
        l->l_pid = c->pid;
    } else {
        l->l_type = LINUX_F_UNLCK;
    }
    spin_unlock(&flock_lock);
}

/* Builds the request of a lock command from the user's struct flock. */
static long lock_request(struct file *f, int cmd, const struct linux_flock *l,
                         struct flock_rec *req)
{
    bool ofd = cmd == LINUX_F_OFD_GETLK || cmd == LINUX_F_OFD_SETLK || cmd == LINUX_F_OFD_SETLKW;
    bool get = cmd == LINUX_F_GETLK || cmd == LINUX_F_OFD_GETLK;
    if (l->l_type != LINUX_F_RDLCK && l->l_type != LINUX_F_WRLCK &&
        (get || l->l_type != LINUX_F_UNLCK))
        return -EINVAL;
    if (ofd && l->l_pid != 0)
        return -EINVAL;
    if (f->kind != FILE_VFS)
        return -EINVAL;
    if (!get && l->l_type == LINUX_F_RDLCK && (f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY)
        return -EBADF;
    if (!get && l->l_type == LINUX_F_WRLCK && (f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
        return -EBADF;
    memset(req, 0, sizeof(*req));
    req->inode = f->vf->inode;
    req->owner =
        ofd ? (struct lock_owner){f, LOCK_OFD} : (struct lock_owner){current_proc(), LOCK_POSIX};
    req->pid = ofd ? -1 : current_proc()->pid;
    req->type = l->l_type;
    return flock_range(l, f, &req->start, &req->end);
}

/* Sets (or clears) a lock, waiting with F_SETLKW: 0 or an error. */
static long set_lock(const struct flock_rec *req, bool wait)
{
    struct flock_rec *recs[2] = {kmalloc(sizeof(struct flock_rec)),
                                 kmalloc(sizeof(struct flock_rec))};
    long err = recs[0] && recs[1] ? 0 : -ENOMEM;
    if (!err) {
        const void *blocker;
        err = wait ? apply_wait(req, recs) : try_apply(req, recs, &blocker);
    }
    kfree(recs[0]);
    kfree(recs[1]);
    return err;
}

long flock_fcntl(struct file *f, int cmd, uint64_t arg)
{
    struct linux_flock l;
    if (copy_from_user(&l, arg, sizeof(l)))
        return -EFAULT;
    struct flock_rec req;
    long err = lock_request(f, cmd, &l, &req);
    if (err)
        return err;
    if (cmd == LINUX_F_GETLK || cmd == LINUX_F_OFD_GETLK) {
        get_lock(&req, &l);
        return copy_to_user(arg, &l, sizeof(l)) ? -EFAULT : 0;
    }
    return set_lock(&req, cmd == LINUX_F_SETLKW || cmd == LINUX_F_OFD_SETLKW);
}

/* Removes every lock of owner (on inode, or on any inode when inode is NULL). */
static void release_where(const struct lock_owner *owner, const struct vfs_inode *inode)
{
    bool removed = false;
    spin_lock(&flock_lock);
    struct list_node *n, *tmp;
    list_for_each_safe(n, tmp, &locks)
    {
        struct flock_rec *r = list_entry(n, struct flock_rec, link);
        if (same_owner(&r->owner, owner) && (!inode || r->inode == inode)) {
            list_remove(&r->link);
            kfree(r);
            removed = true;
        }
    }
    spin_unlock(&flock_lock);
    if (removed)
        wake_all(&flock_wq);
}

void flock_release_posix(struct process *p, struct file *f)
{
    if (list_empty(&locks))
        return;
    struct lock_owner o = {p, LOCK_POSIX};
    release_where(&o, f->vf->inode);
}

void flock_release_ofd(struct file *f)
{
    if (list_empty(&locks))
        return;
    struct lock_owner o = {f, LOCK_OFD}, fl = {f, LOCK_FLOCK};
    release_where(&o, NULL);
    release_where(&fl, NULL);
}

/* flock(2) on f: LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB not to wait. 0, -EAGAIN
 * (LOCK_NB and held by another open file), -EINTR, -EINVAL (bad op, or f is not a file of
 * a filesystem). The lock goes with f's last reference. */
static long flock_file(struct file *f, int op)
{
    int type;
    switch (op & ~LINUX_LOCK_NB) {
    case LINUX_LOCK_SH:
        type = LINUX_F_RDLCK;
        break;
    case LINUX_LOCK_EX:
        type = LINUX_F_WRLCK;
        break;
    case LINUX_LOCK_UN:
        type = LINUX_F_UNLCK;
        break;
    default:
        return -EINVAL;
    }
    if (f->kind != FILE_VFS)
        return -EINVAL;
    struct flock_rec req = {.inode = f->vf->inode,
                            .owner = {f, LOCK_FLOCK},
                            .pid = -1,
                            .type = type,
                            .start = 0,
                            .end = OFFSET_MAX};
    return set_lock(&req, !(op & LINUX_LOCK_NB)); /* -EAGAIN is EWOULDBLOCK */
}

SYSCALL_DEFINE2(flock, int, fd, int, op)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long r = flock_file(f, op);
    file_put(f);
    return r;
}
