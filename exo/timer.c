/* ARM generic timer: the EL1 virtual timer, one-shot deadlines per CPU. */
#include "exo.h"

static uint64_t freq;
static uint32_t intid;

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

void timer_arm_ns(uint64_t delta_ns)
{
    uint64_t ticks = (uint64_t)((__uint128_t)delta_ns * freq / 1000000000u);
    sysreg_write(cntv_tval_el0, ticks ? ticks : 1);
    sysreg_write(cntv_ctl_el0, 1); /* enabled, unmasked */
    isb();
}

/* The deadline passed: disable until re-armed (the level interrupt would otherwise stay). */
void timer_irq(void)
{
    sysreg_write(cntv_ctl_el0, 2);
    this_cpu()->timer_ticks++;
}
