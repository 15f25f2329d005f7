/* Sleeping locks over await (libos/mutex.h). */
#include <lib/kassert.h>
#include <lib/platform.h>
#include <libos/mutex.h>
#include <libos/task.h>

/* Owner recorded for code running outside any task (boot, before the scheduler runs). */
static char no_task_owner;

static struct task *self(void)
{
    struct task *t = current_task();
    return t ? t : (struct task *)(void *)&no_task_owner;
}

void mutex_init(struct mutex *m, const char *name)
{
    m->owner = NULL;
    wait_queue_init(&m->waiters);
    m->name = name;
}

bool mutex_trylock(struct mutex *m)
{
    struct task *expected = NULL;
    return __atomic_compare_exchange_n(&m->owner, &expected, self(), false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

static bool mutex_free(void *arg)
{
    struct mutex *m = arg;
    return __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == NULL;
}

void mutex_lock(struct mutex *m)
{
    if (platform_lock_depth() != 0)
        kpanic("mutex '%s' taken with spinlock '%s' held", m->name, platform_last_lock());
    if (mutex_held(m))
        kpanic("mutex '%s' taken twice by its holder", m->name);
    while (!mutex_trylock(m)) {
        if (!current_task())
            kpanic("mutex '%s' is held: code outside a task cannot wait for it", m->name);
        await(&m->waiters, mutex_free, m, 0, 0);
    }
}

void mutex_unlock(struct mutex *m)
{
    KASSERT(mutex_held(m));
    __atomic_store_n(&m->owner, NULL, __ATOMIC_RELEASE);
    wake_n(&m->waiters, 1);
}

bool mutex_held(const struct mutex *m)
{
    return __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == self();
}
