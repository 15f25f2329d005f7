/*
 * The arm64 signal frame: what the kernel pushes on the user stack to run a handler, and what
 * rt_sigreturn reads back.
 *
 *   sp -> struct linux_rt_sigframe { siginfo (128 bytes); ucontext }   (16-byte aligned)
 *         struct linux_frame_record { fp; lr }   (x29 points here while the handler runs)
 *
 * ucontext.uc_mcontext is the sigcontext: fault_address, x0..x30, sp, pc, pstate, then
 * __reserved[4096] holding a list of records, each starting with {magic, size}:
 * fpsimd_context (always), esr_context (for faults), ..., terminated by a {0, 0} record.
 * The handler is entered with x0 = signo, x1 = &frame->info, x2 = &frame->uc,
 * x30 = sa_restorer (which calls rt_sigreturn). Checked against the uapi headers.
 */
#ifndef LIBOS_ABI_SIGFRAME_H
#define LIBOS_ABI_SIGFRAME_H
#include <stdint.h>
#include <libos/abi/signal.h>

/* Header of every record in sigcontext.__reserved. */
struct linux_aarch64_ctx {
    uint32_t magic;
    uint32_t size; /* of the whole record, header included */
};

#define LINUX_FPSIMD_MAGIC 0x46508001u
#define LINUX_ESR_MAGIC    0x45535201u
#define LINUX_EXTRA_MAGIC  0x45585401u
#define LINUX_SVE_MAGIC    0x53564501u
#define LINUX_ZA_MAGIC     0x54366345u

/* 528 bytes: FPSR, FPCR and V0..V31 (each 128 bits, stored as two 64-bit halves, low first). */
struct linux_fpsimd_context {
    struct linux_aarch64_ctx head;
    uint32_t fpsr;
    uint32_t fpcr;
    uint64_t vregs[32][2] __attribute__((aligned(16)));
};

/* ESR_EL1 of the fault that raised the signal. */
struct linux_esr_context {
    struct linux_aarch64_ctx head;
    uint64_t esr;
};

struct linux_sigcontext {
    uint64_t fault_address;
    uint64_t regs[31]; /* x0..x30 */
    uint64_t sp;
    uint64_t pc;
    uint64_t pstate;
    uint8_t __reserved[4096] __attribute__((aligned(16)));
};
#define LINUX_SIGCONTEXT_RESERVED_SIZE 4096

/* uc_sigmask is the kernel's 8-byte set, padded to the C library's 128-byte sigset_t. */
struct linux_ucontext {
    uint64_t uc_flags;
    uint64_t uc_link; /* user address */
    struct linux_stack uc_stack;
    linux_sigset_t uc_sigmask;
    uint8_t __sigmask_pad[128 - sizeof(linux_sigset_t)]; /* uapi: __unused */
    struct linux_sigcontext uc_mcontext;
};

struct linux_rt_sigframe {
    struct linux_siginfo info;
    struct linux_ucontext uc;
};

struct linux_frame_record {
    uint64_t fp;
    uint64_t lr;
};

/* Layout facts the signal code relies on (checked again, field by field, against uapi). */
_Static_assert(sizeof(struct linux_fpsimd_context) == 528, "fpsimd_context");
_Static_assert(sizeof(struct linux_sigcontext) == 4384, "sigcontext");
_Static_assert(sizeof(struct linux_ucontext) == 4560, "ucontext");
_Static_assert(sizeof(struct linux_rt_sigframe) == 4688, "rt_sigframe");
_Static_assert(sizeof(struct linux_rt_sigframe) % 16 == 0, "rt_sigframe keeps sp aligned");

#endif
