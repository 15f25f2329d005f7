/*
 * Spinlocks with a name. Taking one raises the CPU's lock depth (platform hook) so that an
 * await while holding it is caught. They do not mask interrupts: use spin_lock_irqsave from
 * exo-aware code when an interrupt handler takes the same lock.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H
#include <stdbool.h>
#include <lib/platform.h>

struct spinlock {
    unsigned locked;
    const char *name;
};

#define SPINLOCK_INIT(n) {0, n}

static inline void spin_init(struct spinlock *l, const char *name)
{
    l->locked = 0;
    l->name = name;
}

static inline bool spin_trylock(struct spinlock *l)
{
    if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        return false;
    platform_lock_acquired(l->name);
    return true;
}

static inline void spin_lock(struct spinlock *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            ;
    }
    platform_lock_acquired(l->name);
}

static inline void spin_unlock(struct spinlock *l)
{
    platform_lock_released(l->name);
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
