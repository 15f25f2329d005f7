/* Task lifecycle: creation with a kernel stack, first run, exit. */
#include <string.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <lib/platform.h>
#include <exo/kstack.h>
#include <libos/task.h>
#include <mm/slab.h>

static int next_tid = 1;

void task_set_comm(struct task *t, const char *name)
{
    strlcpy(t->comm, name, sizeof(t->comm));
    if (t->kstack_top)
        exo_kstack_set_name(t->kstack_top, t->comm);
}

struct task *task_create(const char *name, void (*fn)(void *), void *arg)
{
    struct task *t = kzalloc(sizeof(*t));
    if (!t)
        return NULL;
    t->kstack_top = exo_kstack_alloc(name);
    if (!t->kstack_top) {
        kfree(t);
        return NULL;
    }
    t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
    task_set_comm(t, name);
    sched_entity_init(&t->se, 0);
    t->cpus_allowed = sched_all_cpus();
    list_init(&t->thread_link);
    list_init(&t->wait_link);
    list_init(&t->timer_link);
    t->kernel_fn = fn;
    t->kernel_arg = arg;
    t->kctx.sp = t->kstack_top;
    t->kctx.lr = (uint64_t)kctx_entry;
    t->kctx.x19_x28[0] = (uint64_t)t;
    t->state = TASK_SLEEPING;
    return t;
}

void task_free(struct task *t)
{
    KASSERT(!exo_kstack_free(t->kstack_top));
    kfree(t);
}

/* First instructions of a new task, on its own stack (from kctx_entry). */
void task_first_run(struct task *t)
{
    KASSERT(platform_lock_depth() == 0);
    t->kernel_fn(t->kernel_arg);
    task_exit();
}

void task_set_state_current(enum task_state state);

void task_exit(void)
{
    task_set_state_current(TASK_DEAD);
    schedule();
    kpanic("dead task '%s' scheduled again", current_task()->comm);
}
