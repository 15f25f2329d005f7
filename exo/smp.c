/* Bringing up the secondary CPUs with PSCI CPU_ON; each initialises itself and reports. */
#include <lib/errno.h>
#include <lib/kassert.h>
#include <exo/cpu.h>
#include "exo.h"
#include "arch/aarch64/early.h"

struct cpu_local cpus[MAX_CPUS];
static void (*start_fn[MAX_CPUS])(void);
unsigned cpu_count = 1;

/* Runs on every CPU right after its MMU is on (boot.S): vectors and per-CPU pointer. */
void cpu_common_init(unsigned index)
{
    sysreg_write(vbar_el1, (uint64_t)exception_vectors);
    sysreg_write(tpidr_el1, (uint64_t)&cpus[index]);
    cpus[index].index = index;
    cpus[index].mpidr = sysreg_read(mpidr_el1) & 0xff00ffffffUL;
    cpus[index].midr = (uint32_t)sysreg_read(midr_el1);
    /* Leave only the kernel half mapped at EL1 until an environment runs. */
    isb();
}

/* Checks the timer fires on this CPU: arms a 1 ms deadline and waits for the tick. */
static bool timer_selftest(void)
{
    uint64_t before = this_cpu()->timer_ticks;
    exo_timer_set_deadline(timer_now_ns() + 1000000);
    uint64_t deadline = timer_now_ns() + 1000000000;
    while (READ_ONCE(this_cpu()->timer_ticks) == before && timer_now_ns() < deadline)
        __asm__ volatile("yield");
    return this_cpu()->timer_ticks != before;
}

static void cpu_report(void)
{
    struct cpu_local *c = this_cpu();
    bool tick = timer_selftest();
    kprintf("cpu%u: online, MPIDR %#lx, timer %s\n", c->index, (unsigned long)c->mpidr,
            tick ? "ok" : "SILENT");
    if (!tick)
        kpanic("cpu%u: no timer interrupt", c->index);
}

void exo_secondary_main(unsigned index)
{
    gic_cpu_init();
    timer_cpu_init();
    irq_enable();
    cpu_report();
    __atomic_store_n(&cpus[index].online, true, __ATOMIC_RELEASE);
    for (;;) {
        void (*fn)(void) = __atomic_exchange_n(&start_fn[index], NULL, __ATOMIC_ACQ_REL);
        if (fn) {
            irq_enable();
            fn();
        }
        __asm__ volatile("wfi");
    }
}

int exo_cpu_start(unsigned cpu, void (*fn)(void))
{
    if (cpu == 0 || cpu >= cpu_count || !cpus[cpu].online || !fn)
        return -EINVAL;
    void (*expected)(void) = NULL;
    if (!__atomic_compare_exchange_n(&start_fn[cpu], &expected, fn, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return -EBUSY;
    gic_send_sgi(cpu, SGI_WAKE);
    return 0;
}

void smp_boot(void)
{
    uint64_t self = this_cpu()->mpidr;
    cpu_count = 0;
    for (int i = 0; i < boot_info.n_cpus && i < MAX_CPUS; i++) {
        if (boot_info.cpu_mpidr[i] == self) {
            KASSERT(i == 0); /* the boot CPU is the first in /cpus */
        }
        cpus[i].mpidr = boot_info.cpu_mpidr[i];
        cpu_count++;
    }
    if (cpu_count == 0)
        cpu_count = 1;
    cpus[0].online = true;
    cpu_report();
    uint64_t entry = virt_to_phys((void *)secondary_entry);
    for (unsigned i = 1; i < cpu_count; i++) {
        int err = psci_cpu_on(cpus[i].mpidr, entry, i);
        if (err) {
            kprintf("cpu%u: PSCI CPU_ON failed (%d)\n", i, err);
            continue;
        }
        uint64_t deadline = timer_now_ns() + 5000000000UL;
        while (!__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE) && timer_now_ns() < deadline)
            ;
        if (!cpus[i].online)
            kprintf("cpu%u: did not come up\n", i);
    }
}

unsigned cpus_online(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < cpu_count; i++)
        n += cpus[i].online;
    return n;
}

uint32_t exo_cpu_midr(unsigned cpu)
{
    return cpu < cpu_count ? cpus[cpu].midr : 0;
}
