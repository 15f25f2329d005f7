/*
 * CPU affinity (sched_setaffinity, sched_getaffinity): the set of CPUs a thread may run on,
 * honoured by the per-CPU scheduler (libos/cpu.c). Masks are arrays of unsigned longs in
 * user memory; this kernel has at most 64 CPUs, so one word holds every bit.
 */
#include <exo/cpu.h>
#include <lib/errno.h>
#include <libos/abi/syscall.h>
#include <libos/proc.h>

struct affinity_op {
    struct process *caller;
    uint64_t mask;
    bool set;
};

/* Linux lets a thread change another's affinity only with a matching user id (or root). */
static bool may_change(const struct process *caller, const struct process *target)
{
    return caller->euid == 0 || caller->euid == target->uid || caller->euid == target->euid;
}

static int affinity_of(struct task *t, void *arg)
{
    struct affinity_op *op = arg;
    if (!op->set) {
        op->mask = READ_ONCE(t->cpus_allowed);
        return 0;
    }
    if (!may_change(op->caller, t->proc))
        return -EPERM;
    sched_task_set_affinity(t, op->mask);
    return 0;
}

/* Reads a user CPU mask of len bytes: the bits of CPUs that exist. */
static int mask_from_user(uint64_t umask, uint64_t len, uint64_t *mask)
{
    *mask = 0;
    if (len > sizeof(*mask))
        len = sizeof(*mask); /* bits beyond 64 CPUs name CPUs that do not exist */
    if (copy_from_user(mask, umask, len))
        return -EFAULT;
    *mask &= sched_all_cpus();
    return *mask ? 0 : -EINVAL;
}

SYSCALL_DEFINE3(sched_setaffinity, int, pid, uint64_t, len, uint64_t, umask)
{
    struct affinity_op op = {.caller = current_proc(), .set = true};
    if (pid < 0)
        return -ESRCH; /* Linux finds no task with a negative id */
    int err = mask_from_user(umask, len, &op.mask);
    if (err)
        return err;
    struct task *self = current_task();
    if (pid && pid != self->tid)
        return task_call(pid, affinity_of, &op);
    if (sched_task_set_affinity(self, op.mask))
        schedule(); /* leave this CPU now: the scheduler requeues us on an allowed one */
    return 0;
}

SYSCALL_DEFINE3(sched_getaffinity, int, pid, uint64_t, len, uint64_t, umask)
{
    struct affinity_op op = {.caller = current_proc()};
    if (len * 8 < exo_cpu_count() || (len & (sizeof(uint64_t) - 1)))
        return -EINVAL;
    if (pid < 0)
        return -ESRCH;
    struct task *self = current_task();
    if (pid && pid != self->tid) {
        int err = task_call(pid, affinity_of, &op);
        if (err)
            return err;
    } else {
        op.mask = READ_ONCE(self->cpus_allowed);
    }
    if (copy_to_user(umask, &op.mask, sizeof(op.mask)))
        return -EFAULT;
    return sizeof(op.mask);
}
