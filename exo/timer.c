/*
 * ARM generic timer: the EL1 virtual timer. Each CPU has one hardware deadline, shared by
 * two users: the slice of the environment running (exo_run) and the libOS's own deadline
 * (exo_timer_set_deadline). The comparator is programmed with the earlier of the two.
 */
#include <exo/cpu.h>
#include "exo.h"

static uint64_t freq;
static uint32_t intid;
static exo_timer_fn libos_timer_fn;

void timer_init(const struct boot_info *bi)
{
    freq = sysreg_read(cntfrq_el0);
    intid = 16 + bi->timer_virt_ppi;
}

uint32_t timer_intid(void)
{
    return intid;
}

void timer_cpu_init(void)
{
    sysreg_write(cntv_ctl_el0, 2); /* masked, disabled */
    gic_enable_irq(intid);
}

uint64_t timer_now_ns(void)
{
    isb();
    uint64_t t = sysreg_read(cntvct_el0);
    return (uint64_t)((__uint128_t)t * 1000000000u / freq);
}

/* Programs the comparator for the earliest pending deadline of this CPU (IRQs masked). */
static void timer_program(struct cpu_local *c)
{
    uint64_t d = c->slice_deadline;
    if (c->libos_deadline && (!d || c->libos_deadline < d))
        d = c->libos_deadline;
    if (!d) {
        sysreg_write(cntv_ctl_el0, 2);
        return;
    }
    uint64_t ticks = (uint64_t)((__uint128_t)d * freq / 1000000000u);
    sysreg_write(cntv_cval_el0, ticks);
    sysreg_write(cntv_ctl_el0, 1); /* enabled, unmasked */
    isb();
}

void timer_set_slice(uint64_t deadline_ns)
{
    uint64_t flags = irq_save();
    struct cpu_local *c = this_cpu();
    c->slice_deadline = deadline_ns;
    timer_program(c);
    irq_restore(flags);
}

void exo_timer_set_handler(exo_timer_fn fn)
{
    libos_timer_fn = fn;
}

void exo_timer_set_deadline(uint64_t deadline_ns)
{
    uint64_t flags = irq_save();
    struct cpu_local *c = this_cpu();
    c->libos_deadline = deadline_ns;
    timer_program(c);
    irq_restore(flags);
}

/* A deadline passed: note an expired slice, run the libOS handler, reprogram. */
void timer_irq(void)
{
    struct cpu_local *c = this_cpu();
    uint64_t now = timer_now_ns();
    c->timer_ticks++;
    if (c->slice_deadline && now >= c->slice_deadline) {
        c->slice_deadline = 0;
        c->slice_expired = true;
    }
    bool fire = c->libos_deadline && now >= c->libos_deadline;
    if (fire)
        c->libos_deadline = 0;
    timer_program(c);
    if (fire && libos_timer_fn)
        libos_timer_fn();
}

uint64_t exo_time_ns(void)
{
    return timer_now_ns();
}
