/*
 * Resource usage (getrusage, wait4, waitid): CPU times, the resident-set high-water mark,
 * page faults and context switches. The high-water mark is sampled: whenever usage is
 * asked for, before execve drops an address space and when a process exits.
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/proc.h>

static void count_leaf(void *arg, uint64_t va, pte_t *pte, int level)
{
    (void)va, (void)pte;
    *(uint64_t *)arg += 1UL << PT_LEVEL_SHIFT(level);
}

/* Bytes of p's address space that are backed by frames right now. */
static uint64_t resident_bytes(struct process *p)
{
    uint64_t bytes = 0;
    struct vmspace *vm = proc_vm_get(p);
    if (!vm)
        return 0;
    mutex_lock(&vm->as_lock);
    pt_walk(&vm->as.pt, EXO_USER_MIN, EXO_USER_MAX - EXO_USER_MIN, count_leaf, &bytes);
    mutex_unlock(&vm->as_lock);
    vmspace_put(vm);
    return bytes;
}

void proc_sample_maxrss(struct process *p)
{
    uint64_t kb = resident_bytes(p) / 1024, old = READ_ONCE(p->maxrss_kb);
    while (kb > old && !__atomic_compare_exchange_n(&p->maxrss_kb, &old, kb, false,
                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static void ns_to_timeval(uint64_t ns, struct linux_timeval *tv)
{
    tv->tv_sec = (int64_t)(ns / 1000000000);
    tv->tv_usec = (int64_t)(ns % 1000000000 / 1000);
}

void proc_fill_rusage(const struct process *p, bool children, struct linux_rusage *ru)
{
    const struct proc_usage *u = children ? &p->child_usage : &p->usage;
    memset(ru, 0, sizeof(*ru));
    ns_to_timeval(children ? p->child_utime_ns : p->utime_ns, &ru->ru_utime);
    ns_to_timeval(children ? p->child_stime_ns : p->stime_ns, &ru->ru_stime);
    ru->ru_maxrss = (int64_t)(children ? p->child_maxrss_kb : p->maxrss_kb);
    ru->ru_minflt = (int64_t)u->minflt;
    ru->ru_majflt = (int64_t)u->majflt;
    ru->ru_nvcsw = (int64_t)u->nvcsw;
    ru->ru_nivcsw = (int64_t)u->nivcsw;
}

/* The usage a reaped child c adds to its parent's RUSAGE_CHILDREN: its own and that of the
 * children it reaped. */
void proc_add_child_usage(struct process *parent, const struct process *c)
{
    parent->child_utime_ns += c->utime_ns + c->child_utime_ns;
    parent->child_stime_ns += c->stime_ns + c->child_stime_ns;
    uint64_t rss = MAX(c->maxrss_kb, c->child_maxrss_kb);
    if (rss > parent->child_maxrss_kb)
        parent->child_maxrss_kb = rss;
    parent->child_usage.minflt += c->usage.minflt + c->child_usage.minflt;
    parent->child_usage.majflt += c->usage.majflt + c->child_usage.majflt;
    parent->child_usage.nvcsw += c->usage.nvcsw + c->child_usage.nvcsw;
    parent->child_usage.nivcsw += c->usage.nivcsw + c->child_usage.nivcsw;
}
