/*
 * Credentials: the set*id family, filesystem ids and supplementary groups, with Linux's
 * permission rules. There are no capabilities: a process with effective uid 0 holds
 * CAP_SETUID and CAP_SETGID, any other holds neither (what Linux does for a process that
 * never changed its capability sets).
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/abi/syscall.h>
#include <libos/proc.h>
#include <mm/slab.h>

#define NGROUPS_MAX 65536
#define NO_CHANGE   0xffffffffu /* -1: leave this id as it is */

static bool privileged(const struct process *p)
{
    return p->euid == 0;
}

/* An unprivileged process may take only ids it already has as real, effective or saved. */
static bool is_one_of(unsigned id, unsigned r, unsigned e, unsigned s)
{
    return id == NO_CHANGE || id == r || id == e || id == s;
}

static void set_if(unsigned *dst, unsigned id)
{
    if (id != NO_CHANGE)
        *dst = id;
}

SYSCALL_DEFINE1(setuid, unsigned, uid)
{
    struct process *p = current_proc();
    if (uid == NO_CHANGE)
        return -EINVAL;
    if (privileged(p))
        p->uid = p->suid = uid;
    else if (uid != p->uid && uid != p->suid)
        return -EPERM;
    p->euid = p->fsuid = uid;
    return 0;
}

SYSCALL_DEFINE1(setgid, unsigned, gid)
{
    struct process *p = current_proc();
    if (gid == NO_CHANGE)
        return -EINVAL;
    if (privileged(p))
        p->gid = p->sgid = gid;
    else if (gid != p->gid && gid != p->sgid)
        return -EPERM;
    p->egid = p->fsgid = gid;
    return 0;
}

/* setreuid/setregid: the real id may become the real or effective one, the effective id any
 * of the three; the saved id follows the new effective id when the real id is set or the
 * effective id becomes different from the old real id. */
static int set_re(unsigned *r, unsigned *e, unsigned *s, unsigned *fs, unsigned nr, unsigned ne,
                  bool priv)
{
    if (!priv && ((nr != NO_CHANGE && nr != *r && nr != *e) || !is_one_of(ne, *r, *e, *s)))
        return -EPERM;
    unsigned old_r = *r;
    set_if(r, nr);
    set_if(e, ne);
    if (nr != NO_CHANGE || (ne != NO_CHANGE && ne != old_r))
        *s = *e;
    *fs = *e;
    return 0;
}

SYSCALL_DEFINE2(setreuid, unsigned, ruid, unsigned, euid)
{
    struct process *p = current_proc();
    return set_re(&p->uid, &p->euid, &p->suid, &p->fsuid, ruid, euid, privileged(p));
}

SYSCALL_DEFINE2(setregid, unsigned, rgid, unsigned, egid)
{
    struct process *p = current_proc();
    return set_re(&p->gid, &p->egid, &p->sgid, &p->fsgid, rgid, egid, privileged(p));
}

static int set_res(unsigned *r, unsigned *e, unsigned *s, unsigned *fs, unsigned nr, unsigned ne,
                   unsigned ns, bool priv)
{
    if (!priv &&
        (!is_one_of(nr, *r, *e, *s) || !is_one_of(ne, *r, *e, *s) || !is_one_of(ns, *r, *e, *s)))
        return -EPERM;
    set_if(r, nr);
    set_if(e, ne);
    set_if(s, ns);
    *fs = *e;
    return 0;
}

SYSCALL_DEFINE3(setresuid, unsigned, ruid, unsigned, euid, unsigned, suid)
{
    struct process *p = current_proc();
    return set_res(&p->uid, &p->euid, &p->suid, &p->fsuid, ruid, euid, suid, privileged(p));
}

SYSCALL_DEFINE3(setresgid, unsigned, rgid, unsigned, egid, unsigned, sgid)
{
    struct process *p = current_proc();
    return set_res(&p->gid, &p->egid, &p->sgid, &p->fsgid, rgid, egid, sgid, privileged(p));
}

/* setfsuid/setfsgid always return the old value; the new one takes only if allowed. */
static unsigned set_fs(unsigned *fs, unsigned id, unsigned r, unsigned e, unsigned s, bool priv)
{
    unsigned old = *fs;
    if (id != NO_CHANGE && (priv || id == r || id == e || id == s || id == old))
        *fs = id;
    return old;
}

SYSCALL_DEFINE1(setfsuid, unsigned, uid)
{
    struct process *p = current_proc();
    return set_fs(&p->fsuid, uid, p->uid, p->euid, p->suid, privileged(p));
}

SYSCALL_DEFINE1(setfsgid, unsigned, gid)
{
    struct process *p = current_proc();
    return set_fs(&p->fsgid, gid, p->gid, p->egid, p->sgid, privileged(p));
}

SYSCALL_DEFINE2(getgroups, int, size, uint64_t, list)
{
    struct process *p = current_proc();
    if (size < 0)
        return -EINVAL;
    int n = p->ngroups;
    if (size == 0)
        return n;
    if (size < n)
        return -EINVAL;
    return copy_to_user(list, p->groups, (uint64_t)n * sizeof(unsigned)) ? -EFAULT : n;
}

SYSCALL_DEFINE2(setgroups, int, size, uint64_t, list)
{
    struct process *p = current_proc();
    if (!privileged(p))
        return -EPERM;
    if (size < 0 || size > NGROUPS_MAX)
        return -EINVAL;
    unsigned *groups = NULL;
    if (size) {
        groups = kmalloc((size_t)size * sizeof(unsigned));
        if (!groups)
            return -ENOMEM;
        if (copy_from_user(groups, list, (uint64_t)size * sizeof(unsigned))) {
            kfree(groups);
            return -EFAULT;
        }
    }
    spin_lock(&p->lock); /* proc_in_groups may be scanning the old list in another thread */
    unsigned *old = p->groups;
    p->groups = groups;
    p->ngroups = size;
    spin_unlock(&p->lock);
    kfree(old);
    return 0;
}

/* vfs_cred's hook: is gid one of the supplementary groups of process arg? */
static bool proc_in_groups(const void *arg, uint32_t gid)
{
    struct process *p = (struct process *)arg;
    bool found = false;
    spin_lock(&p->lock);
    for (int i = 0; i < p->ngroups && !found; i++)
        found = p->groups[i] == gid;
    spin_unlock(&p->lock);
    return found;
}

struct vfs_cred proc_vfs_cred(struct process *p, bool real)
{
    return (struct vfs_cred){real ? p->uid : p->euid, real ? p->gid : p->egid, proc_in_groups, p};
}

bool proc_in_group(struct process *p, unsigned gid)
{
    return gid == p->egid || proc_in_groups(p, gid);
}

int proc_creds_copy(struct process *child, const struct process *parent)
{
    child->uid = parent->uid, child->euid = parent->euid, child->suid = parent->suid;
    child->gid = parent->gid, child->egid = parent->egid, child->sgid = parent->sgid;
    child->fsuid = parent->fsuid, child->fsgid = parent->fsgid;
    child->ngroups = 0;
    child->groups = NULL;
    if (!parent->ngroups)
        return 0;
    child->groups = kmalloc((size_t)parent->ngroups * sizeof(unsigned));
    if (!child->groups)
        return -ENOMEM;
    memcpy(child->groups, parent->groups, (size_t)parent->ngroups * sizeof(unsigned));
    child->ngroups = parent->ngroups;
    return 0;
}

void proc_creds_free(struct process *p)
{
    kfree(p->groups);
    p->groups = NULL;
    p->ngroups = 0;
}
