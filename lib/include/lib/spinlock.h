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

/* Waits until *word reads 0. On AArch64 the CPU sleeps in WFE between reads: the
 * exclusive load arms the monitor, and the holder's release store clears it, which is a
 * wake-up event. Besides saving power this matters under QEMU's single-threaded TCG (as
 * with -icount), where WFE hands the host thread to the next vCPU: a plain spin would burn
 * its whole time slice while the holder, on another vCPU, cannot run. */
static inline void spin_wait_zero(const unsigned *word)
{
#if defined(__aarch64__)
    unsigned v;
    __asm__ volatile("sevl\n"
                     "1: wfe\n"
                     "ldxr %w0, [%1]\n"
                     "cbnz %w0, 1b"
                     : "=&r"(v)
                     : "r"(word)
                     : "memory");
#else
    while (__atomic_load_n(word, __ATOMIC_RELAXED))
        ;
#endif
}

static inline void spin_lock(struct spinlock *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        spin_wait_zero(&l->locked);
    platform_lock_acquired(l->name);
}

static inline void spin_unlock(struct spinlock *l)
{
    platform_lock_released(l->name);
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
