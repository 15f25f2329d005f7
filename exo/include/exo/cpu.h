/*
 * CPUs. exo_run enters EL0 in an environment with a saved register context and returns to
 * the libOS when the environment stops, saying why. exo arms the CPU's timer so the
 * environment stops at the end of the slice the libOS asked for.
 */
#ifndef EXO_CPU_H
#define EXO_CPU_H
#include <stdint.h>
#include <exo/types.h>

/* Everything EL0 sees of the CPU. pstate keeps only NZCV: exo always enters EL0t with
 * interrupts unmasked. */
struct exo_context {
    uint64_t x[31];
    uint64_t sp, pc, pstate;
    uint64_t tpidr;              /* TPIDR_EL0 (thread pointer) */
    uint32_t fpsr, fpcr;
    __uint128_t v[32] __attribute__((aligned(16))); /* FP/SIMD q0-q31 */
};

enum exo_stop_reason {
    EXO_STOP_SYSCALL = 1,  /* SVC: number in x8, args in x0-x5; pc is after the SVC */
    EXO_STOP_FAULT,        /* page fault: see addr, fault_* fields */
    EXO_STOP_EXCEPTION,    /* other synchronous exception: undefined instruction, BRK,
                              alignment, ... (esr says which) */
    EXO_STOP_INTERRUPT,    /* a device interrupt or IPI arrived (already handled) */
    EXO_STOP_SLICE,        /* the slice ended */
};

enum exo_fault_kind { EXO_FAULT_TRANSLATION = 1, EXO_FAULT_PERMISSION, EXO_FAULT_ACCESS,
                      EXO_FAULT_ALIGNMENT, EXO_FAULT_OTHER };

struct exo_stop {
    enum exo_stop_reason reason;
    uint64_t esr;            /* the raw syndrome, for the curious */
    uint64_t addr;           /* faulting address (FAR) for FAULT and alignment */
    enum exo_fault_kind fault_kind;
    unsigned access;         /* EXO_PROT_READ, _WRITE or _EXEC: what the access was */
    unsigned exception_class; /* ESR.EC for EXCEPTION */
};

/* Runs env on this CPU with ctx for at most slice_ns; fills *stop. 0 or -EINVAL. */
int exo_run(envid_t env, struct exo_context *ctx, uint64_t slice_ns, struct exo_stop *stop);

unsigned exo_cpu_id(void);
unsigned exo_cpu_count(void);
/* Monotonic nanoseconds since boot (the generic timer). */
uint64_t exo_time_ns(void);

/* Per-CPU one-shot timer for the libOS: fn is called (interrupt context, this CPU) once
 * the deadline passes; 0 cancels. Independent of the slice timer. */
typedef void (*exo_timer_fn)(void);
void exo_timer_set_handler(exo_timer_fn fn);
void exo_timer_set_deadline(uint64_t deadline_ns);

/* Inter-processor interrupts: fn runs on the target CPU in interrupt context. */
typedef void (*exo_ipi_fn)(void);
void exo_ipi_set_handler(exo_ipi_fn fn);
int exo_ipi_send(unsigned cpu);

/* Device interrupts routed to a libOS handler (e.g. the console's receive interrupt). */
typedef void (*exo_irq_fn)(void);
int exo_irq_set_handler(unsigned intid, exo_irq_fn fn);
/* The console receive interrupt number. */
unsigned exo_console_irq(void);

/* Runs fn on an idle secondary CPU (on its boot stack, interrupts enabled). -EBUSY if it
 * already has work, -EINVAL for the boot CPU or a CPU that is not online. */
int exo_cpu_start(unsigned cpu, void (*fn)(void));
/* MIDR_EL1 of a CPU (implementer, part, revision), for /proc/cpuinfo; 0 if no such CPU. */
uint32_t exo_cpu_midr(unsigned cpu);
/* Waits for an interrupt (idle). */
void exo_cpu_idle(void);
/* Interrupt masking on this CPU for the libOS's own critical sections. */
uint64_t exo_irq_save(void);
void exo_irq_restore(uint64_t flags);

#endif
