/*
 * exo_run: lends this CPU to an environment until it traps, an interrupt arrives or its
 * slice ends, and tells the libOS why. EL0 always runs in EL0t with interrupts unmasked
 * (only NZCV of the saved PSTATE is kept), in the environment's own address space.
 */
#include <exo/cpu.h>
#include <lib/errno.h>
#include "exo.h"
#include "arch/aarch64/trapframe.h"

#define PSTATE_NZCV 0xf0000000UL

static uint64_t empty_ttbr0[512] __aligned(4096);

static enum exo_fault_kind fault_kind(unsigned fsc)
{
    switch (fsc >> 2) {
    case 1: return EXO_FAULT_TRANSLATION;
    case 2: return EXO_FAULT_ACCESS;
    case 3: return EXO_FAULT_PERMISSION;
    default: return fsc == 0x21 ? EXO_FAULT_ALIGNMENT : EXO_FAULT_OTHER;
    }
}

/* Turns the syndrome of a synchronous exception from EL0 into a stop. */
static void decode_sync(uint64_t esr, uint64_t far, struct exo_stop *stop)
{
    unsigned ec = (unsigned)(esr >> 26) & 0x3f;
    stop->esr = esr;
    stop->exception_class = ec;
    switch (ec) {
    case 0x15: /* SVC64 */
        stop->reason = EXO_STOP_SYSCALL;
        break;
    case 0x20: /* instruction abort */
    case 0x24: /* data abort */
        stop->reason = EXO_STOP_FAULT;
        stop->addr = far;
        stop->fault_kind = fault_kind((unsigned)esr & 0x3f);
        stop->access = ec == 0x20 ? EXO_PROT_EXEC
                                  : ((esr >> 6) & 1) ? EXO_PROT_WRITE : EXO_PROT_READ;
        /* A write to a read-only page reads as a permission fault; cache maintenance
         * (CM bit) reports as a write but is a read of the page. */
        if (ec == 0x24 && ((esr >> 8) & 1))
            stop->access = EXO_PROT_READ;
        break;
    case 0x22: /* PC alignment */
    case 0x26: /* SP alignment */
        stop->reason = EXO_STOP_EXCEPTION;
        stop->addr = far;
        break;
    default:
        stop->reason = EXO_STOP_EXCEPTION;
        break;
    }
}

int exo_run(envid_t env, struct exo_context *ctx, uint64_t slice_ns, struct exo_stop *stop)
{
    if (env == EXO_ENV_LIBOS || !env_exists(env) || !ctx || !stop || slice_ns == 0)
        return -EINVAL;
    ctx->pstate &= PSTATE_NZCV;
    *stop = (struct exo_stop){0};

    uint64_t flags = irq_save();
    struct cpu_local *c = this_cpu();
    sysreg_write(ttbr0_el1, env_ttbr0(env));
    isb();
    uint64_t start = timer_now_ns();
    c->slice_expired = false;
    timer_set_slice(start + slice_ns);

    int kind = el0_run(ctx);

    if (kind == TRAP_EL0_IRQ) {
        handle_irq();
        stop->reason = c->slice_expired ? EXO_STOP_SLICE : EXO_STOP_INTERRUPT;
    } else {
        decode_sync(c->trap_esr, c->trap_far, stop);
    }
    timer_set_slice(0);
    /* Back to an empty TTBR0 so no CPU keeps walking a table a destroy may free. */
    sysreg_write(ttbr0_el1, virt_to_phys(empty_ttbr0));
    isb();
    env_account(env, timer_now_ns() - start);
    irq_restore(flags);
    return 0;
}
