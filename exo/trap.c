/*
 * Exceptions taken to EL1: interrupts are dispatched; anything else is a kernel bug and gets
 * a decoded dump (ESR/FAR/ELR, all registers, symbolized backtrace) and a panic, which ends
 * the machine with a failing status.
 */
#include <lib/format.h>
#include <lib/kassert.h>
#include "exo.h"
#include "arch/aarch64/trapframe.h"


extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_offsets[];
extern const char ksyms_names[];
extern char __image_start[], __text_end[];

static volatile int panicking;

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    if (ksyms_count == 0 || addr < ksyms_addrs[0] || addr >= (uint64_t)__text_end)
        return NULL;
    uint64_t lo = 0, hi = ksyms_count; /* last symbol with address <= addr */
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if (ksyms_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - ksyms_addrs[lo];
    return ksyms_names + ksyms_name_offsets[lo];
}

static void print_addr(const char *label, uint64_t addr)
{
    uint64_t off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        kprintf("%s%016lx <%s+%#lx>\n", label, (unsigned long)addr, name, (unsigned long)off);
    else
        kprintf("%s%016lx\n", label, (unsigned long)addr);
}

static bool kernel_text(uint64_t a)
{
    return a >= (uint64_t)__image_start && a < (uint64_t)__text_end;
}

static bool kernel_stack_addr(uint64_t a)
{
    return a >= KIMAGE_VA || (a >= LINEAR_BASE && a < KIMAGE_VA);
}

/* Walks the AArch64 frame-record chain (x29 -> {previous x29, x30}). */
void dump_backtrace(uint64_t fp, uint64_t pc)
{
    kprintf("Backtrace:\n");
    print_addr("  #0  ", pc);
    for (int depth = 1; depth < 32 && fp && IS_ALIGNED(fp, 16) && kernel_stack_addr(fp);
         depth++) {
        uint64_t *frame = (uint64_t *)fp;
        uint64_t lr = frame[1];
        if (!kernel_text(lr - 4))
            break;
        char label[16];
        ksnprintf(label, sizeof(label), "  #%-2d ", depth);
        print_addr(label, lr - 4);
        if (frame[0] <= fp)
            break;
        fp = frame[0];
    }
}

static const char *ec_name(unsigned ec)
{
    switch (ec) {
    case 0x00: return "unknown reason";
    case 0x01: return "WFI/WFE";
    case 0x07: return "FP/SIMD access";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC from AArch64";
    case 0x18: return "MSR/MRS/system instruction";
    case 0x20: return "instruction abort from a lower EL";
    case 0x21: return "instruction abort from EL1";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from a lower EL";
    case 0x25: return "data abort from EL1";
    case 0x26: return "SP alignment fault";
    case 0x2c: return "FP exception";
    case 0x2f: return "SError";
    case 0x30: case 0x31: return "breakpoint";
    case 0x32: case 0x33: return "software step";
    case 0x34: case 0x35: return "watchpoint";
    case 0x3c: return "BRK instruction";
    default: return "other";
    }
}

/* Decodes a data/instruction fault status code (DFSC/IFSC). */
static void fault_status(unsigned fsc, char *buf, size_t n)
{
    static const char *kinds[] = {"address size", "translation", "access flag", "permission"};
    if (fsc < 16)
        ksnprintf(buf, n, "%s fault, level %u", kinds[fsc >> 2], fsc & 3);
    else if (fsc == 0x21)
        ksnprintf(buf, n, "alignment fault");
    else if (fsc == 0x10)
        ksnprintf(buf, n, "synchronous external abort");
    else
        ksnprintf(buf, n, "fault status %#x", fsc);
}

static const char *kind_names[] = {
    "EL1t sync", "EL1t IRQ", "EL1t FIQ", "EL1t SError", "EL1h sync", "EL1h IRQ",
    "EL1h FIQ",  "EL1h SError", "EL0 sync", "EL0 IRQ", "EL0 FIQ", "EL0 SError", "EL0 AArch32",
};

static void dump_trapframe(const struct trapframe *tf, int kind)
{
    unsigned ec = (unsigned)(tf->esr >> 26) & 0x3f;
    kprintf("Unhandled exception (%s) on CPU %u\n", kind_names[kind], this_cpu()->index);
    kprintf("  ESR %#010lx: EC %#x (%s), IL %lu, ISS %#lx\n", (unsigned long)tf->esr, ec,
            ec_name(ec), (unsigned long)(tf->esr >> 25) & 1, (unsigned long)tf->esr & 0x1ffffff);
    if (ec == 0x24 || ec == 0x25 || ec == 0x20 || ec == 0x21) {
        char what[48];
        fault_status((unsigned)tf->esr & 0x3f, what, sizeof(what));
        kprintf("  %s on %s at FAR %#018lx\n", what,
                (ec & ~1u) == 0x24 ? ((tf->esr >> 6) & 1 ? "write" : "read") : "fetch",
                (unsigned long)tf->far);
    }
    print_addr("  ELR ", tf->elr);
    kprintf("  SPSR %#010lx  SP %#018lx\n", (unsigned long)tf->spsr, (unsigned long)tf->sp);
    for (int i = 0; i < 31; i++)
        kprintf("  x%-2d %016lx%s", i, (unsigned long)tf->x[i], i % 4 == 3 || i == 30 ? "\n" : "");
    dump_backtrace(tf->x[29], tf->elr);
}

/* Stops the other CPUs; they park with interrupts masked. */
void panic_others_stop(void)
{
    for (unsigned i = 0; i < cpu_count; i++) {
        if (i != this_cpu()->index && cpus[i].online)
            gic_send_sgi(i, SGI_STOP);
    }
}

void panic_stop(void)
{
    machine_exit(1);
}

/* Set while this CPU reports an overflow: a second one (the report itself overflowing the
 * emergency stack) just stops the machine. */
static volatile bool overflow_reporting[MAX_CPUS];

void exo_kstack_overflow(struct trapframe *tf, int kind)
{
    unsigned cpu = this_cpu()->index;
    if (overflow_reporting[cpu] || __atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST) != 0)
        panic_stop();
    overflow_reporting[cpu] = true;
    char name[32];
    uint64_t top = 0;
    if (!kstack_lookup(tf->sp - 1, name, sizeof(name), &top))
        ksnprintf(name, sizeof(name), "unknown");
    kprintf("kernel stack overflow on CPU %u in stack '%s'\n", cpu, name);
    if (top)
        kprintf("  SP %#018lx, stack [%#lx-%#lx), guard [%#lx-%#lx)\n", (unsigned long)tf->sp,
                (unsigned long)(top - KSTACK_SIZE), (unsigned long)top,
                (unsigned long)(top - KSTACK_WINDOW), (unsigned long)(top - KSTACK_SIZE));
    else
        kprintf("  SP %#018lx (not in a known kernel stack)\n", (unsigned long)tf->sp);
    unsigned ec = (unsigned)(tf->esr >> 26) & 0x3f;
    kprintf("  on %s: ESR %#010lx (%s), FAR %#018lx\n", kind_names[kind],
            (unsigned long)tf->esr, ec_name(ec), (unsigned long)tf->far);
    print_addr("  ELR ", tf->elr);
    print_addr("  LR  ", tf->x[30]);
    dump_backtrace(tf->x[29], tf->elr);
    kprintf("PANIC: kernel stack overflow\n");
    panic_others_stop();
    panic_stop();
}

/* A data abort at EL1 on the guard below the stack the code was running on: an overflow
 * that left room for the trap frame (so the vector's check passed), e.g. a store far
 * below SP. */
static bool stack_guard_hit(const struct trapframe *tf)
{
    uint64_t top;
    unsigned ec = (unsigned)(tf->esr >> 26) & 0x3f;
    return ec == 0x25 && kstack_lookup(tf->sp - 1, NULL, 0, &top) &&
           tf->far >= top - KSTACK_WINDOW && tf->far < top - KSTACK_SIZE;
}

static void overflow_on_emergency(void *tf)
{
    exo_kstack_overflow(tf, TRAP_EL1H_SYNC);
}

void exo_trap_el1(struct trapframe *tf, int kind)
{
    if (kind == TRAP_EL1H_IRQ || kind == TRAP_EL0_IRQ) {
        handle_irq();
        return;
    }
    /* Little stack is left: report from the emergency stack. */
    if (kind == TRAP_EL1H_SYNC && stack_guard_hit(tf))
        kstack_call_on(this_cpu()->emergency_sp, overflow_on_emergency, tf);
    if (__atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST) == 0) {
        dump_trapframe(tf, kind);
        kprintf("PANIC: unhandled exception\n");
        panic_others_stop();
    }
    panic_stop();
}
