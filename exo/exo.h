/*
 * exo's private interfaces: hardware access that only exo/ may use. libos/ and fs/ see only
 * exo/include/exo/ (the build does not give them this directory).
 */
#ifndef EXO_EXO_H
#define EXO_EXO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/compiler.h>
#include <lib/fdt.h>
#include <exo/types.h>
#include "arch/aarch64/sysreg.h"

/* Per-CPU state, reached through TPIDR_EL1. The first four fields are used by run.S at
 * fixed offsets (checked below). */
struct exo_context;
struct cpu_local {
    uint64_t run_sp;                 /* kernel SP while EL0 runs (callee-saved regs there) */
    struct exo_context *run_ctx;     /* where EL0's registers are saved on a trap */
    uint64_t trap_esr, trap_far;     /* syndrome of the trap that ended the run */
    uint64_t emergency_sp;           /* top of the stack vectors.S uses on an overflow */
    unsigned index;
    uint64_t mpidr;
    int lock_depth;          /* spinlocks held; an await with depth > 0 is a bug */
    const char *last_lock;   /* name of the most recently taken lock, for reports */
    volatile bool online;
    uint64_t irq_count;
    int irq_depth; /* > 0 while an interrupt handler runs on this CPU */
    uint32_t midr;
    uint64_t timer_ticks;
    uint64_t slice_deadline; /* ns; 0 = none. The running environment's slice end */
    uint64_t libos_deadline; /* ns; 0 = none. exo_timer_set_deadline */
    bool slice_expired;
};

_Static_assert(offsetof(struct cpu_local, run_sp) == 0, "run.S");
_Static_assert(offsetof(struct cpu_local, run_ctx) == 8, "run.S");
_Static_assert(offsetof(struct cpu_local, trap_esr) == 16, "run.S");
_Static_assert(offsetof(struct cpu_local, trap_far) == 24, "run.S");
_Static_assert(offsetof(struct cpu_local, emergency_sp) == CPU_EMERGENCY_SP, "vectors.S");
_Static_assert(KSTACK_SIZE == 1 << KSTACK_CHECK_BIT && KSTACK_GUARD_SIZE == KSTACK_SIZE,
               "vectors.S: the overflow check needs a guard as large as the stack");

extern struct cpu_local cpus[MAX_CPUS];
extern unsigned cpu_count;
extern struct boot_info boot_info;

static inline struct cpu_local *this_cpu(void)
{
    struct cpu_local *c;
    __asm__ volatile("mrs %0, tpidr_el1" : "=r"(c));
    return c;
}

#define sysreg_read(reg)                                                                       \
    ({                                                                                         \
        uint64_t v__;                                                                          \
        __asm__ volatile("mrs %0, " #reg : "=r"(v__));                                         \
        v__;                                                                                   \
    })
#define sysreg_write(reg, v) __asm__ volatile("msr " #reg ", %0" ::"r"((uint64_t)(v)))
#define isb()                __asm__ volatile("isb" ::: "memory")
#define dsb(opt)             __asm__ volatile("dsb " #opt ::: "memory")

static inline uint32_t mmio_read32(uintptr_t addr)
{
    uint32_t v = *(volatile uint32_t *)addr;
    __asm__ volatile("" ::: "memory");
    return v;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
    __asm__ volatile("" ::: "memory");
    *(volatile uint32_t *)addr = v;
}

static inline uint64_t mmio_read64(uintptr_t addr)
{
    return *(volatile uint64_t *)addr;
}

static inline void mmio_write64(uintptr_t addr, uint64_t v)
{
    *(volatile uint64_t *)addr = v;
}

static inline void irq_enable(void)
{
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}

static inline void irq_disable(void)
{
    __asm__ volatile("msr daifset, #2" ::: "memory");
}

/* irqsave/restore: returns whether IRQs were enabled. */
static inline uint64_t irq_save(void)
{
    uint64_t daif = sysreg_read(daif);
    irq_disable();
    return daif;
}

static inline void irq_restore(uint64_t daif)
{
    sysreg_write(daif, daif);
}

/* mmu.c */
extern uint64_t kimage_phys;
uint64_t virt_to_phys(const void *va);
void *phys_to_virt(uint64_t pa);
/* Maps [pa, pa+size) into the linear map as normal memory (2 MiB granules). */
void mmu_map_linear(uint64_t pa, uint64_t size);
/* Maps device memory (nGnRE) and returns its kernel virtual address. */
void *ioremap(uint64_t pa, size_t size);

/* console.c (PL011) */
void console_init(uintptr_t base);
void console_enable_rx_irq(void);
void console_irq(void);
void console_write(const char *s, size_t len);
void console_write_unlocked(const char *s, size_t len);
void console_write_raw(const char *s, size_t len);
__printf(1, 2) void kprintf(const char *fmt, ...);
int console_getc(void); /* -1 if nothing was received */

/* gic.c */
void gic_init(const struct boot_info *bi);
void gic_cpu_init(void);
void gic_enable_irq(uint32_t intid);
void gic_route_spi(uint32_t intid, unsigned cpu);
uint32_t gic_ack(void);
void gic_eoi(uint32_t intid);
void gic_send_sgi(unsigned cpu, uint32_t sgi);
#define GIC_SPURIOUS 1023

/* timer.c: one hardware timer per CPU multiplexed between the slice and the libOS. */
void timer_init(const struct boot_info *bi);
void timer_cpu_init(void);
/* rtc.c: maps and checks the PL031 named by the device tree (exo_rtc_seconds). */
void rtc_init(const struct boot_info *bi);
uint64_t timer_now_ns(void);
void timer_set_slice(uint64_t deadline_ns); /* 0 cancels */
void timer_irq(void);
uint32_t timer_intid(void);

/* irq.c */
void handle_irq(void);
#define SGI_STOP 1
#define SGI_LIBOS 2
#define SGI_WAKE 3

/* mem.c / env.c */
void mem_init(void);
void env_init(void);
bool env_exists(envid_t id);
uint64_t env_ttbr0(envid_t id);
void env_account(envid_t id, uint64_t ns);
/* Unmaps every page of env that maps frame pa (revoke, repossession): walks the whole
 * address space. Returns the first address it unmapped, 0 if none. */
uint64_t env_unmap_frame(envid_t id, uint64_t pa);
/* Appends a loss to env's repossession record (nothing if env is gone). */
struct exo_taken;
void env_record_loss(envid_t id, const struct exo_taken *t);
/* The environment repossession takes from (repossess.h's policy over every live
 * environment), 0 if none. Uses static scratch: the caller serializes (reclaim.c). */
envid_t env_pick_victim(envid_t requester);
/* An environment's allocation from the free pool, above the reserve (EXO_FRAME_RESERVE):
 * 0 or -ENOMEM without asking anyone. */
int env_frame_alloc(envid_t env, unsigned order, uint64_t *pfn);
/* reclaim.c: after env_frame_alloc ran short for env, asks the libOS, then repossesses. */
int reclaim_alloc(envid_t env, unsigned order, uint64_t *pfn);
int exo_own_frame_alloc(uint64_t *pa);
void exo_own_frame_free(uint64_t pa);
void ramdisk_init(void);

/* run.S */
struct exo_context;
int el0_run(struct exo_context *ctx);

/* psci.c */
int psci_cpu_on(uint64_t mpidr, uint64_t entry_phys, uint64_t context);
__noreturn void psci_system_off(void);

/* semihost.c: ends QEMU with an exit status (falls back to PSCI SYSTEM_OFF). */
__noreturn void machine_exit(int status);

/* trap.c */
struct trapframe;
void dump_backtrace(uint64_t fp, uint64_t pc);
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
__noreturn void panic_stop(void);
void panic_others_stop(void);

/* kstack.c: kernel stacks (exo/kstack.h). kstack_init runs after mem_init. */
void kstack_init(void);
/* Is addr inside the window (stack or guard) of a kernel stack: a live exo_kstack_alloc
 * stack, a boot stack or an emergency stack? Then its name goes to name (if not NULL,
 * size bytes) and its top to *top (if not NULL). Takes no lock (used by overflow reports). */
bool kstack_lookup(uint64_t addr, char *name, size_t size, uint64_t *top);
/* Calls fn(arg) with SP = top, then returns to the caller's stack. */
void kstack_call_on(uint64_t top, void (*fn)(void *), void *arg);

/* trap.c: on the emergency stack (vectors.S) when an exception from EL1 found no room for
 * its trap frame, or from exo_trap_el1 for a data abort in a stack's guard. */
__noreturn void exo_kstack_overflow(struct trapframe *tf, int kind);

/* smp.c */
void smp_boot(void);

#endif
