/*
 * Process and scheduling syscalls: CPU placement, resource limits, usage, names, the
 * robust-futex list head, process groups and sessions, credentials.
 */
#include <string.h>
#include <exo/cpu.h>
#include <exo/frame.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/proc.h>
#include <libos/term.h>

SYSCALL_DEFINE3(getcpu, uint64_t, cpu, uint64_t, node, uint64_t, cache)
{
    (void)cache;
    unsigned c = exo_cpu_id(), n = 0;
    if (cpu && copy_to_user(cpu, &c, sizeof(c)))
        return -EFAULT;
    if (node && copy_to_user(node, &n, sizeof(n)))
        return -EFAULT;
    return 0;
}

SYSCALL_DEFINE2(set_robust_list, uint64_t, head, uint64_t, len)
{
    if (len != 24) /* sizeof(struct robust_list_head) on arm64 */
        return -EINVAL;
    current_task()->robust_list = head;
    return 0;
}

SYSCALL_DEFINE3(get_robust_list, int, tid, uint64_t, head_ptr, uint64_t, len_ptr)
{
    if (tid && tid != current_task()->tid)
        return -ESRCH;
    uint64_t head = current_task()->robust_list, len = 24;
    if (copy_to_user(head_ptr, &head, sizeof(head)) || copy_to_user(len_ptr, &len, sizeof(len)))
        return -EFAULT;
    return 0;
}

static const struct linux_rlimit default_rlimits[LINUX_RLIM_NLIMITS] = {
    [LINUX_RLIMIT_CPU] = {LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY},
    [LINUX_RLIMIT_FSIZE] = {LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY},
    [LINUX_RLIMIT_DATA] = {LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY},
    [LINUX_RLIMIT_STACK] = {8UL << 20, LINUX_RLIM_INFINITY},
    [LINUX_RLIMIT_CORE] = {0, LINUX_RLIM_INFINITY},
    [LINUX_RLIMIT_RSS] = {LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY},
    [LINUX_RLIMIT_NPROC] = {4096, 4096},
    [LINUX_RLIMIT_NOFILE] = {1024, 4096},
    [LINUX_RLIMIT_MEMLOCK] = {8UL << 20, 8UL << 20},
    [LINUX_RLIMIT_AS] = {LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY},
    [LINUX_RLIMIT_LOCKS] = {LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY},
    [LINUX_RLIMIT_SIGPENDING] = {4096, 4096},
    [LINUX_RLIMIT_MSGQUEUE] = {819200, 819200},
    [LINUX_RLIMIT_NICE] = {0, 0},
    [LINUX_RLIMIT_RTPRIO] = {0, 0},
    [LINUX_RLIMIT_RTTIME] = {LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY},
};

void proc_rlimits_init(struct process *p, const struct process *parent)
{
    memcpy(p->rlimits, parent ? parent->rlimits : default_rlimits, sizeof(p->rlimits));
}

/* prlimit64 on p (referenced by the caller). */
static long prlimit(struct process *p, unsigned resource, uint64_t new_limit, uint64_t old)
{
    if (resource >= LINUX_RLIM_NLIMITS)
        return -EINVAL;
    struct linux_rlimit nl;
    if (new_limit) {
        if (copy_from_user(&nl, new_limit, sizeof(nl)))
            return -EFAULT;
        if (nl.rlim_cur > nl.rlim_max)
            return -EINVAL;
        if (nl.rlim_max > p->rlimits[resource].rlim_max && current_proc()->euid != 0)
            return -EPERM;
    }
    if (old && copy_to_user(old, &p->rlimits[resource], sizeof(struct linux_rlimit)))
        return -EFAULT;
    if (new_limit)
        p->rlimits[resource] = nl;
    return 0;
}

SYSCALL_DEFINE4(prlimit64, int, pid, unsigned, resource, uint64_t, new_limit, uint64_t, old)
{
    struct process *p = proc_get_or_self(pid);
    if (!p)
        return -ESRCH;
    long r = prlimit(p, resource, new_limit, old);
    proc_put(p);
    return r;
}

SYSCALL_DEFINE2(getrlimit, unsigned, resource, uint64_t, old)
{
    return sys_prlimit64(0, resource, 0, old, 0, 0);
}

SYSCALL_DEFINE2(setrlimit, unsigned, resource, uint64_t, new_limit)
{
    return sys_prlimit64(0, resource, new_limit, 0, 0, 0);
}

#define PR_SET_NAME            15
#define PR_GET_NAME            16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37

SYSCALL_DEFINE5(prctl, int, option, uint64_t, arg2, uint64_t, arg3, uint64_t, arg4, uint64_t, arg5)
{
    (void)arg3, (void)arg4, (void)arg5;
    struct task *t = current_task();
    char name[TASK_COMM_LEN];
    switch (option) {
    case PR_SET_NAME:
        if (copy_from_user(name, arg2, sizeof(name) - 1))
            return -EFAULT;
        name[sizeof(name) - 1] = '\0';
        task_set_comm(t, name);
        if (t->tid == t->proc->pid)
            strlcpy(t->proc->comm, t->comm, sizeof(t->proc->comm));
        return 0;
    case PR_GET_NAME:
        return copy_to_user(arg2, t->comm, sizeof(t->comm)) ? -EFAULT : 0;
    case PR_SET_CHILD_SUBREAPER:
        WRITE_ONCE(t->proc->child_subreaper, arg2 != 0);
        return 0;
    case PR_GET_CHILD_SUBREAPER: {
        int on = READ_ONCE(t->proc->child_subreaper);
        return copy_to_user(arg2, &on, sizeof(on)) ? -EFAULT : 0;
    }
    default:
        return -EINVAL;
    }
}

#define RUSAGE_SELF     0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD   1

SYSCALL_DEFINE2(getrusage, int, who, uint64_t, usage)
{
    struct process *p = current_proc();
    struct linux_rusage ru;
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        return -EINVAL;
    proc_sample_maxrss(p);
    proc_fill_rusage(p, who == RUSAGE_CHILDREN, &ru);
    if (who == RUSAGE_THREAD) { /* this thread's time; the process's memory figures */
        uint64_t ns = current_task()->se.sum_exec_runtime;
        ru.ru_utime.tv_sec = (int64_t)(ns / 1000000000);
        ru.ru_utime.tv_usec = (int64_t)(ns % 1000000000 / 1000);
        ru.ru_stime.tv_sec = ru.ru_stime.tv_usec = 0;
    }
    return copy_to_user(usage, &ru, sizeof(ru)) ? -EFAULT : 0;
}

SYSCALL_DEFINE1(times, uint64_t, buf)
{
    struct process *p = current_proc();
    uint64_t tick = 1000000000 / 100; /* USER_HZ */
    struct {
        int64_t utime, stime, cutime, cstime;
    } t = {(int64_t)(p->utime_ns / tick), (int64_t)(p->stime_ns / tick),
           (int64_t)(p->child_utime_ns / tick), (int64_t)(p->child_stime_ns / tick)};
    if (buf && copy_to_user(buf, &t, sizeof(t)))
        return -EFAULT;
    return (long)(exo_time_ns() / tick);
}

SYSCALL_DEFINE2(setpgid, int, pid, int, pgid)
{
    struct process *self = current_proc();
    struct process *p = proc_get_or_self(pid);
    long r = 0;
    if (!p || (p != self && p->parent != self))
        r = -ESRCH;
    else if (pgid < 0)
        r = -EINVAL;
    else if (p->pid == p->sid || p->sid != self->sid)
        r = -EPERM;
    else
        p->pgid = pgid ? pgid : p->pid;
    proc_put(p);
    return r;
}

SYSCALL_DEFINE1(getpgid, int, pid)
{
    struct process *p = proc_get_or_self(pid);
    long r = p ? p->pgid : -ESRCH;
    proc_put(p);
    return r;
}

SYSCALL_DEFINE1(getsid, int, pid)
{
    struct process *p = proc_get_or_self(pid);
    long r = p ? p->sid : -ESRCH;
    proc_put(p);
    return r;
}

SYSCALL_DEFINE0(setsid)
{
    struct process *p = current_proc();
    if (p->pgid == p->pid)
        return -EPERM;
    p->sid = p->pgid = p->pid;
    term_proc_setsid(p);
    return p->sid;
}

SYSCALL_DEFINE3(getresuid, uint64_t, r, uint64_t, e, uint64_t, s)
{
    struct process *p = current_proc();
    if (copy_to_user(r, &p->uid, 4) || copy_to_user(e, &p->euid, 4) || copy_to_user(s, &p->suid, 4))
        return -EFAULT;
    return 0;
}

SYSCALL_DEFINE3(getresgid, uint64_t, r, uint64_t, e, uint64_t, s)
{
    struct process *p = current_proc();
    if (copy_to_user(r, &p->gid, 4) || copy_to_user(e, &p->egid, 4) || copy_to_user(s, &p->sgid, 4))
        return -EFAULT;
    return 0;
}

SYSCALL_DEFINE1(personality, unsigned, persona)
{
    /* Only PER_LINUX exists here; 0xffffffff queries. */
    if (persona != 0xffffffffu && persona != 0)
        return -EINVAL;
    return 0;
}

struct nproc {
    uint16_t n;
};

static bool count_proc(struct process *p, void *arg)
{
    (void)p;
    ((struct nproc *)arg)->n++;
    return false;
}

SYSCALL_DEFINE1(sysinfo, uint64_t, info)
{
    struct linux_sysinfo si;
    memset(&si, 0, sizeof(si));
    si.uptime = (int64_t)(exo_time_ns() / 1000000000);
    struct exo_mem_stats st;
    exo_mem_stats(&st);
    si.totalram = st.total_frames * 4096;
    si.freeram = st.free_frames * 4096;
    struct nproc np = {0};
    int dummy;
    proc_collect(count_proc, &np, &dummy, 0);
    si.procs = np.n;
    si.mem_unit = 1;
    return copy_to_user(info, &si, sizeof(si)) ? -EFAULT : 0;
}

#define PRIO_PROCESS 0

/* getpriority/setpriority for PRIO_PROCESS: the nice value of every thread. The syscall
 * returns 20 - nice (the C library turns it back into nice). */
SYSCALL_DEFINE2(getpriority, int, which, int, who)
{
    if (which != PRIO_PROCESS)
        return which >= 0 && which <= 2 ? -ESRCH : -EINVAL;
    struct process *p = proc_get_or_self(who);
    if (!p)
        return -ESRCH;
    long r = 20 - p->nice;
    proc_put(p);
    return r;
}

/* setpriority on p (referenced by the caller). */
static long set_nice(struct process *p, int prio)
{
    struct process *self = current_proc();
    int nice = prio < -20 ? -20 : prio > 19 ? 19 : prio;
    if (nice < p->nice && self->euid != 0)
        return -EACCES;
    if (self->euid != 0 && self->euid != p->euid)
        return -EPERM;
    spin_lock(&p->lock);
    p->nice = nice;
    struct list_node *pos;
    list_for_each(pos, &p->threads)
    {
        sched_task_set_nice(list_entry(pos, struct task, thread_link), nice);
    }
    spin_unlock(&p->lock);
    return 0;
}

SYSCALL_DEFINE3(setpriority, int, which, int, who, int, prio)
{
    if (which != PRIO_PROCESS)
        return which >= 0 && which <= 2 ? -ESRCH : -EINVAL;
    struct process *p = proc_get_or_self(who);
    if (!p)
        return -ESRCH;
    long r = set_nice(p, prio);
    proc_put(p);
    return r;
}

#define SCHED_OTHER 0
#define SCHED_FIFO  1
#define SCHED_RR    2
#define SCHED_BATCH 3
#define SCHED_IDLE  5

SYSCALL_DEFINE1(sched_getscheduler, int, pid)
{
    if (pid < 0)
        return -EINVAL;
    return pid && !proc_exists(pid) ? -ESRCH : SCHED_OTHER;
}

/* What sched_setscheduler and sched_setparam check alike: pid (0: the caller) exists and
 * param is readable; *prio is its sched_priority. 0, -EINVAL, -ESRCH or -EFAULT. */
static int read_sched_param(int pid, uint64_t param, int *prio)
{
    if (pid < 0 || !param)
        return -EINVAL;
    if (pid && !proc_exists(pid))
        return -ESRCH;
    return copy_from_user(prio, param, sizeof(*prio)) ? -EFAULT : 0;
}

SYSCALL_DEFINE3(sched_setscheduler, int, pid, int, policy, uint64_t, param)
{
    int prio, err = read_sched_param(pid, param, &prio);
    if (err)
        return err;
    if (policy == SCHED_FIFO || policy == SCHED_RR)
        return -EPERM; /* only SCHED_OTHER semantics: EEVDF for everyone */
    if ((policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE) || prio != 0)
        return -EINVAL;
    return 0;
}

SYSCALL_DEFINE2(sched_getparam, int, pid, uint64_t, param)
{
    if (pid < 0 || !param)
        return -EINVAL;
    if (pid && !proc_exists(pid))
        return -ESRCH;
    int prio = 0;
    return copy_to_user(param, &prio, sizeof(prio)) ? -EFAULT : 0;
}

/* Every task runs under SCHED_OTHER semantics, whose only static priority is 0. */
SYSCALL_DEFINE2(sched_setparam, int, pid, uint64_t, param)
{
    int prio, err = read_sched_param(pid, param, &prio);
    return err ? err : prio == 0 ? 0 : -EINVAL;
}

/* The time slice EEVDF gives a task (the same for every task). */
SYSCALL_DEFINE2(sched_rr_get_interval, int, pid, uint64_t, tp)
{
    if (pid < 0)
        return -EINVAL;
    if (pid && !proc_exists(pid))
        return -ESRCH;
    struct linux_timespec ts = {0, (int64_t)SCHED_SLICE_NS};
    return copy_to_user(tp, &ts, sizeof(ts)) ? -EFAULT : 0;
}

SYSCALL_DEFINE1(sched_get_priority_max, int, policy)
{
    return policy == SCHED_FIFO || policy == SCHED_RR                               ? 99
           : policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ? 0
                                                                                    : -EINVAL;
}

SYSCALL_DEFINE1(sched_get_priority_min, int, policy)
{
    return policy == SCHED_FIFO || policy == SCHED_RR                               ? 1
           : policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ? 0
                                                                                    : -EINVAL;
}
