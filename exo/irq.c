/* Interrupt dispatch: exo's own (timer, console, stop) and the libOS's handlers. */
#include <exo/cpu.h>
#include <lib/errno.h>
#include "exo.h"

#define MAX_INTID 1020

static exo_irq_fn handlers[MAX_INTID];
static exo_ipi_fn ipi_handler;

int exo_irq_set_handler(unsigned intid, exo_irq_fn fn)
{
    /* SGIs and the timer are exo's; only device interrupts (SPIs) are handed out. */
    if (intid < 32 || intid >= MAX_INTID)
        return -EINVAL;
    handlers[intid] = fn;
    return 0;
}

unsigned exo_console_irq(void)
{
    return 32 + boot_info.uart_irq;
}

void exo_ipi_set_handler(exo_ipi_fn fn)
{
    ipi_handler = fn;
}

int exo_ipi_send(unsigned cpu)
{
    if (cpu >= cpu_count || !cpus[cpu].online)
        return -EINVAL;
    gic_send_sgi(cpu, SGI_LIBOS);
    return 0;
}

static void dispatch_irq(uint32_t intid);

/* Acknowledges and handles one pending interrupt (IRQs masked). */
void handle_irq(void)
{
    uint32_t intid = gic_ack();
    if (intid >= GIC_SPURIOUS)
        return;
    this_cpu()->irq_count++;
    this_cpu()->irq_depth++;
    dispatch_irq(intid);
    this_cpu()->irq_depth--;
}

/* Runs the handler of an acknowledged interrupt. */
static void dispatch_irq(uint32_t intid)
{
    if (intid == SGI_STOP) {
        gic_eoi(intid);
        for (;;)
            __asm__ volatile("wfi");
    }
    gic_eoi(intid);
    if (intid == timer_intid()) {
        timer_irq();
    } else if (intid == SGI_LIBOS) {
        if (ipi_handler)
            ipi_handler();
    } else if (intid < MAX_INTID) {
        if (intid == exo_console_irq())
            console_irq();
        if (handlers[intid])
            handlers[intid]();
    }
}

void exo_cpu_idle(void)
{
    __asm__ volatile("wfi");
}

uint64_t exo_irq_save(void)
{
    return irq_save();
}

void exo_irq_restore(uint64_t flags)
{
    irq_restore(flags);
}

unsigned exo_cpu_id(void)
{
    return this_cpu()->index;
}

unsigned exo_cpu_count(void)
{
    return cpu_count;
}
