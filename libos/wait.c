/* Wait queues and awaits (libos/wait.h). */
#include <exo/cpu.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <lib/platform.h>
#include <libos/task.h>
#include <libos/proc.h>
#include <libos/wait.h>

void task_set_state_current(enum task_state state);

void wait_queue_init(struct wait_queue *wq)
{
    spin_init(&wq->lock, "wq");
    list_init(&wq->waiters);
}

int wake_n(struct wait_queue *wq, int n)
{
    int woken = 0;
    uint64_t flags = exo_irq_save();
    spin_lock(&wq->lock);
    struct list_node *pos;
    list_for_each(pos, &wq->waiters)
    {
        if (woken == n)
            break;
        if (wake_task(list_entry(pos, struct task, wait_link)))
            woken++;
    }
    spin_unlock(&wq->lock);
    exo_irq_restore(flags);
    return woken;
}

int wake_all(struct wait_queue *wq)
{
    return wake_n(wq, -1);
}

static void enqueue_waiter(struct wait_queue *wq, struct task *t)
{
    uint64_t flags = exo_irq_save();
    spin_lock(&wq->lock);
    list_push_back(&wq->waiters, &t->wait_link);
    t->waiting_on = wq;
    task_set_state_current(TASK_SLEEPING);
    spin_unlock(&wq->lock);
    exo_irq_restore(flags);
}

static void dequeue_waiter(struct wait_queue *wq, struct task *t)
{
    uint64_t flags = exo_irq_save();
    spin_lock(&wq->lock);
    task_set_state_current(TASK_RUNNABLE);
    list_remove(&t->wait_link);
    t->waiting_on = NULL;
    spin_unlock(&wq->lock);
    exo_irq_restore(flags);
}

/* Why the wait should end now, or 0 to keep sleeping. */
static int wait_over(bool (*cond)(void *), void *arg, unsigned flags, uint64_t deadline)
{
    if (cond(arg))
        return 1;
    if ((flags & AWAIT_INTERRUPTIBLE) && signal_pending_current())
        return -ERESTARTSYS;
    if (deadline && exo_time_ns() >= deadline)
        return -ETIMEDOUT;
    return 0;
}

int await(struct wait_queue *wq, bool (*cond)(void *), void *arg, unsigned flags,
          uint64_t deadline_ns)
{
    struct task *t = current_task();
    if (platform_lock_depth() != 0)
        kpanic("await in task '%s' with spinlock '%s' held", t ? t->comm : "?",
               platform_last_lock());
    KASSERT(t);
    for (;;) {
        int over = wait_over(cond, arg, flags, deadline_ns);
        if (over)
            return over > 0 ? 0 : over;
        enqueue_waiter(wq, t);
        if (deadline_ns) {
            t->sleep_deadline = deadline_ns;
            timer_add_sleeper(t);
        }
        if (!wait_over(cond, arg, flags, deadline_ns)) {
            if (t->proc)
                t->proc->usage.nvcsw++; /* a voluntary switch, for getrusage */
            schedule();
        }
        if (deadline_ns)
            timer_remove_sleeper(t);
        dequeue_waiter(wq, t);
    }
}

/* A sleeping task is woken; one running user code on another CPU is interrupted, so that
 * it comes back to the kernel and takes the signal now rather than at the end of its
 * slice. */
void wake_for_signal(struct task *t)
{
    if (wake_task(t))
        return;
    unsigned cpu = READ_ONCE(t->cpu);
    if (READ_ONCE(t->on_cpu) && cpu != exo_cpu_id())
        exo_ipi_send(cpu);
}
