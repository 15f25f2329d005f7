/*
 * Per-CPU scheduling: one EEVDF run queue per CPU (libos/sched), a scheduler loop on each
 * CPU's boot stack that switches into the chosen task's kernel context, and wakeups across
 * CPUs with an IPI. Run-queue locks are taken with interrupts masked because the timer
 * handler (timed awaits) wakes tasks.
 */
#include <string.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <lib/platform.h>
#include <libos/clock.h>
#include <libos/task.h>
#include <libos/wait.h>

#define LIBOS_MAX_CPUS 8
#define IDLE_PULL_MIN  2 /* an idle CPU pulls from a queue with at least this many */

struct cpu_sched {
    struct sched_rq rq;
    struct task *current;
    struct kctx loop_ctx;
    uint64_t last_charge; /* ns: CPU time of current charged up to here */
    struct spinlock timer_lock;
    struct list_node sleepers; /* timed awaits, in deadline order */
};

static struct cpu_sched cpu_sched[LIBOS_MAX_CPUS];

/* A sleeping entity's nice changes its weight for when it is queued again (its saved lag
 * is kept as is). */
static void sched_entity_init_nice_only(struct sched_entity *se, int nice)
{
    se->nice = nice;
    se->weight = sched_nice_to_weight(nice);
}

static struct cpu_sched *this_sched(void)
{
    return &cpu_sched[exo_cpu_id()];
}

static uint64_t rq_lock(struct cpu_sched *cs)
{
    uint64_t flags = exo_irq_save();
    spin_lock(&cs->rq.lock);
    return flags;
}

static void rq_unlock(struct cpu_sched *cs, uint64_t flags)
{
    spin_unlock(&cs->rq.lock);
    exo_irq_restore(flags);
}

struct task *current_task(void)
{
    uint64_t flags = exo_irq_save();
    struct task *t = this_sched()->current;
    exo_irq_restore(flags);
    return t;
}

static void timer_fired(void);

void sched_init_cpu(unsigned cpu)
{
    struct cpu_sched *cs = &cpu_sched[cpu];
    sched_rq_init(&cs->rq, "rq");
    spin_init(&cs->timer_lock, "timers");
    list_init(&cs->sleepers);
    if (cpu == 0)
        exo_timer_set_handler(timer_fired);
}

/* Charges the running task for the time since the last charge. rq lock held. */
static bool charge_locked(struct cpu_sched *cs)
{
    uint64_t now = exo_time_ns();
    uint64_t delta = now - cs->last_charge;
    cs->last_charge = now;
    return cs->current ? sched_update_curr(&cs->rq, delta) : false;
}

void sched_account(uint64_t ns)
{
    (void)ns;
    struct cpu_sched *cs = this_sched();
    uint64_t flags = rq_lock(cs);
    charge_locked(cs);
    rq_unlock(cs, flags);
}

/* Locks the run queue of the CPU t is on, again if t moves meanwhile, and returns it; *flags
 * is for rq_unlock. */
static struct cpu_sched *lock_task_rq(struct task *t, uint64_t *flags)
{
    for (;;) {
        unsigned cpu = READ_ONCE(t->cpu);
        struct cpu_sched *cs = &cpu_sched[cpu];
        *flags = rq_lock(cs);
        if (t->cpu == cpu)
            return cs;
        rq_unlock(cs, *flags); /* migrated meanwhile */
    }
}

uint64_t task_cpu_ns(struct task *t)
{
    uint64_t flags;
    struct cpu_sched *cs = lock_task_rq(t, &flags);
    uint64_t ns = t->se.sum_exec_runtime;
    if (cs->current == t) /* the running slice, not charged yet */
        ns += exo_time_ns() - cs->last_charge;
    rq_unlock(cs, flags);
    return ns;
}

bool need_resched(void)
{
    struct cpu_sched *cs = this_sched();
    return READ_ONCE(cs->rq.need_resched);
}

void schedule(void)
{
    struct task *t = current_task();
    KASSERT(t);
    if (platform_lock_depth() != 0)
        kpanic("schedule() in task '%s' with spinlock '%s' held", t->comm, platform_last_lock());
    struct cpu_sched *cs = this_sched();
    uint64_t flags = rq_lock(cs);
    charge_locked(cs);
    rq_unlock(cs, flags);
    kctx_switch(&t->kctx, &this_sched()->loop_ctx);
}

uint64_t sched_all_cpus(void)
{
    unsigned n = exo_cpu_count();
    return n >= 64 ? ~0UL : (1UL << n) - 1;
}

static bool allowed_on(const struct task *t, unsigned cpu)
{
    return (READ_ONCE(t->cpus_allowed) >> cpu) & 1;
}

/* The allowed CPU with the fewest runnable tasks; on a tie the calling CPU, if allowed. */
static unsigned least_loaded_allowed(const struct task *t)
{
    unsigned n = exo_cpu_count(), best = allowed_on(t, exo_cpu_id()) ? exo_cpu_id() : n;
    for (unsigned i = 0; i < n; i++) {
        if (allowed_on(t, i) && (best == n || sched_rq_nr_running(&cpu_sched[i].rq) <
                                                  sched_rq_nr_running(&cpu_sched[best].rq)))
            best = i;
    }
    return best < n ? best : exo_cpu_id();
}

/* Lock two run queues in CPU order (interrupts masked by the caller). */
static void rq_lock_two(struct cpu_sched *a, struct cpu_sched *b)
{
    struct cpu_sched *first = a < b ? a : b, *second = a < b ? b : a;
    spin_lock(&first->rq.lock);
    if (second != first)
        spin_lock(&second->rq.lock);
}

static void rq_unlock_two(struct cpu_sched *a, struct cpu_sched *b)
{
    spin_unlock(&a->rq.lock);
    if (a != b)
        spin_unlock(&b->rq.lock);
}

/* A runnable task that just left CPU self but may not run there: queue it on an allowed
 * CPU. It is off every CPU (on_cpu false) and still runnable on self's rq. */
static void move_off_cpu(struct task *t, unsigned self)
{
    unsigned to = least_loaded_allowed(t);
    if (to == self)
        return;
    struct cpu_sched *src = &cpu_sched[self], *dst = &cpu_sched[to];
    uint64_t flags = exo_irq_save();
    rq_lock_two(src, dst);
    if (t->cpu == self && t->state == TASK_RUNNABLE && t->se.on_rq && !t->on_cpu) {
        sched_dequeue(&src->rq, &t->se);
        t->cpu = to;
        sched_enqueue(&dst->rq, &t->se, 0);
    }
    rq_unlock_two(src, dst);
    exo_irq_restore(flags);
    exo_ipi_send(to);
}

bool sched_task_set_affinity(struct task *t, uint64_t mask)
{
    for (;;) {
        unsigned cpu = READ_ONCE(t->cpu);
        struct cpu_sched *cs = &cpu_sched[cpu];
        uint64_t flags = rq_lock(cs);
        if (t->cpu != cpu) {
            rq_unlock(cs, flags);
            continue;
        }
        WRITE_ONCE(t->cpus_allowed, mask);
        bool wrong = !((mask >> cpu) & 1);
        bool queued = wrong && t->state == TASK_RUNNABLE && !t->on_cpu && t->se.on_rq;
        if (wrong && t->on_cpu)
            cs->rq.need_resched = true; /* it moves when it next gives up the CPU */
        rq_unlock(cs, flags);
        if (queued)
            move_off_cpu(t, cpu);
        else if (wrong && t->on_cpu && cpu != exo_cpu_id())
            exo_ipi_send(cpu);
        return wrong && t == current_task();
    }
}

/* Moves one queued task from a busier CPU to cs (idle pull). Both locks in CPU order. */
static bool pull_task(unsigned self)
{
    for (unsigned i = 0; i < exo_cpu_count(); i++) {
        struct cpu_sched *src = &cpu_sched[i];
        if (i == self || sched_rq_nr_running(&src->rq) < IDLE_PULL_MIN)
            continue;
        struct cpu_sched *dst = &cpu_sched[self];
        struct cpu_sched *first = i < self ? src : dst, *second = i < self ? dst : src;
        uint64_t flags = exo_irq_save();
        spin_lock(&first->rq.lock);
        spin_lock(&second->rq.lock);
        struct sched_entity *se = NULL;
        if (src->rq.tree.root && sched_rq_nr_running(&src->rq) >= IDLE_PULL_MIN) {
            se = container_of(src->rq.tree.root, struct sched_entity, node);
            struct task *t = container_of(se, struct task, se);
            if (t->on_cpu || !allowed_on(t, self)) {
                se = NULL;
            } else {
                sched_migrate(&src->rq, &dst->rq, se);
                t->cpu = self;
            }
        }
        spin_unlock(&second->rq.lock);
        spin_unlock(&first->rq.lock);
        exo_irq_restore(flags);
        if (se)
            return true;
    }
    return false;
}

/* After a task switched back to the loop: dequeue it if it no longer runs, free it if it
 * died. */
static void finish_switch(struct cpu_sched *cs)
{
    uint64_t flags = rq_lock(cs);
    struct task *prev = cs->current;
    cs->current = NULL;
    if (prev->state != TASK_RUNNABLE && prev->se.on_rq)
        sched_dequeue(&cs->rq, &prev->se);
    prev->on_cpu = false;
    bool dead = prev->state == TASK_DEAD;
    bool misplaced = prev->state == TASK_RUNNABLE && !allowed_on(prev, prev->cpu);
    unsigned cpu = prev->cpu;
    rq_unlock(cs, flags);
    if (dead)
        task_free(prev);
    else if (misplaced)
        move_off_cpu(prev, cpu);
}

void sched_cpu_loop(void)
{
    unsigned self = exo_cpu_id();
    struct cpu_sched *cs = &cpu_sched[self];
    for (;;) {
        uint64_t flags = rq_lock(cs);
        struct sched_entity *se = sched_schedule(&cs->rq);
        if (!se) {
            spin_unlock(&cs->rq.lock);
            if (!pull_task(self))
                exo_cpu_idle(); /* interrupts masked: a pending one still ends the wait */
            exo_irq_restore(flags);
            continue;
        }
        struct task *t = container_of(se, struct task, se);
        t->on_cpu = true;
        cs->current = t;
        cs->last_charge = exo_time_ns();
        rq_unlock(cs, flags);
        kctx_switch(&cs->loop_ctx, &t->kctx);
        finish_switch(cs);
    }
}

/* Sets the current task's state under its run queue's lock. */
void task_set_state_current(enum task_state state)
{
    struct task *t = current_task();
    struct cpu_sched *cs = &cpu_sched[t->cpu];
    uint64_t flags = rq_lock(cs);
    t->state = state;
    rq_unlock(cs, flags);
}

bool wake_task(struct task *t)
{
    for (;;) {
        uint64_t flags;
        struct cpu_sched *cs = lock_task_rq(t, &flags);
        unsigned cpu = t->cpu;
        if (t->state != TASK_SLEEPING) {
            rq_unlock(cs, flags);
            return false;
        }
        unsigned to = cpu;
        if (!allowed_on(t, cpu) && !t->se.on_rq && !t->on_cpu)
            to = least_loaded_allowed(t);
        if (to != cpu) {
            t->cpu = to; /* still asleep: retry on that CPU's rq */
            rq_unlock(cs, flags);
            continue;
        }
        t->state = TASK_RUNNABLE;
        bool preempt = false;
        if (!t->se.on_rq) {
            sched_enqueue(&cs->rq, &t->se, 0);
            preempt = sched_check_preempt_wakeup(&cs->rq, &t->se);
        }
        rq_unlock(cs, flags);
        if (cpu != exo_cpu_id() && (preempt || !cs->current))
            exo_ipi_send(cpu);
        return true;
    }
}

void task_start(struct task *t)
{
    unsigned cpu = least_loaded_allowed(t);
    struct cpu_sched *cs = &cpu_sched[cpu];
    uint64_t flags = rq_lock(cs);
    t->cpu = cpu;
    t->state = TASK_RUNNABLE;
    sched_enqueue(&cs->rq, &t->se, SCHED_ENQ_INITIAL);
    rq_unlock(cs, flags);
    if (cpu != exo_cpu_id())
        exo_ipi_send(cpu);
}

/* Timed awaits: a sorted list per CPU, and exo's per-CPU deadline set to the earliest. */
static void rearm(struct cpu_sched *cs)
{
    uint64_t d = 0;
    if (!list_empty(&cs->sleepers))
        d = list_entry(cs->sleepers.next, struct task, timer_link)->sleep_deadline;
    exo_timer_set_deadline(d);
}

void timer_add_sleeper(struct task *t)
{
    struct cpu_sched *cs = this_sched();
    uint64_t flags = exo_irq_save();
    spin_lock(&cs->timer_lock);
    struct list_node *pos;
    list_for_each(pos, &cs->sleepers)
    {
        if (list_entry(pos, struct task, timer_link)->sleep_deadline > t->sleep_deadline)
            break;
    }
    list_insert_between(&t->timer_link, pos->prev, pos);
    rearm(cs);
    spin_unlock(&cs->timer_lock);
    exo_irq_restore(flags);
}

void timer_remove_sleeper(struct task *t)
{
    for (unsigned i = 0; i < exo_cpu_count(); i++) {
        struct cpu_sched *cs = &cpu_sched[i];
        uint64_t flags = exo_irq_save();
        spin_lock(&cs->timer_lock);
        struct list_node *pos;
        list_for_each(pos, &cs->sleepers)
        {
            if (pos == &t->timer_link) {
                list_remove(pos);
                break;
            }
        }
        if (i == exo_cpu_id())
            rearm(cs);
        spin_unlock(&cs->timer_lock);
        exo_irq_restore(flags);
    }
}

/* exo's deadline passed on this CPU (interrupt context): wake the expired sleepers. */
static void timer_fired(void)
{
    struct cpu_sched *cs = this_sched();
    uint64_t now = exo_time_ns();
    spin_lock(&cs->timer_lock);
    while (!list_empty(&cs->sleepers)) {
        struct task *t = list_entry(cs->sleepers.next, struct task, timer_link);
        if (t->sleep_deadline > now)
            break;
        list_remove(&t->timer_link);
        wake_task(t);
    }
    rearm(cs);
    spin_unlock(&cs->timer_lock);
}

void sched_task_set_nice(struct task *t, int nice)
{
    for (;;) {
        unsigned cpu = READ_ONCE(t->cpu);
        struct cpu_sched *cs = &cpu_sched[cpu];
        uint64_t flags = rq_lock(cs);
        if (t->cpu != cpu) {
            rq_unlock(cs, flags);
            continue;
        }
        if (t->se.on_rq)
            sched_set_nice(&cs->rq, &t->se, nice);
        else
            sched_entity_init_nice_only(&t->se, nice);
        rq_unlock(cs, flags);
        return;
    }
}
