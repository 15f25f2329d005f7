/*
 * Oracle for the arm64 signal frame, run under qemu-aarch64 (Linux user-mode emulation).
 * Installs an SA_SIGINFO|SA_ONSTACK handler on a zeroed alternate stack, loads known values
 * into x19..x28 and v16..v31, sends itself SIGUSR1 with a raw tgkill SVC, and reports:
 *   - the registers the handler saw on entry (x0, x1, x2, x29, x30, sp) and its address,
 *   - the alternate stack, the whole frame (sigframe + frame record) as hex,
 *   - the offsets of the uapi structures (asm/sigcontext.h, asm/ucontext.h) so the host test
 *     can check its own definitions against them.
 * Output lines: "key value..." (decimal or 0x hex), "frame HEX".
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/sigcontext.h>

/* The frame as the kernel lays it out, from the uapi pieces (asm/ucontext.h's struct
 * ucontext conflicts with glibc's, so it is spelled out here field for field). */
struct uapi_ucontext {
    unsigned long uc_flags;
    void *uc_link;
    stack_t uc_stack;
    uint64_t uc_sigmask; /* kernel sigset_t */
    uint8_t unused[1024 / 8 - 8];
    struct sigcontext uc_mcontext;
};
struct uapi_rt_sigframe {
    siginfo_t info;
    struct uapi_ucontext uc;
};

#define FRAME_BYTES (sizeof(struct uapi_rt_sigframe) + 16)

static uint8_t altstack[65536] __attribute__((aligned(16)));
uint64_t probe[6]; /* x0, x1, x2, x29, x30, sp at handler entry */
static uint8_t frame_copy[FRAME_BYTES];
static int got;

void handler_c(int sig, siginfo_t *info, void *uc)
{
    (void)sig, (void)info, (void)uc;
    memcpy(frame_copy, (void *)probe[5], FRAME_BYTES);
    got = 1;
}

/* The handler's first instructions: record the entry registers, then run handler_c with
 * them unchanged (x9/x10 are scratch in the handler). */
void entry_probe(int, siginfo_t *, void *);
__asm__(".globl entry_probe\n"
        "entry_probe:\n"
        "  adrp x9, probe\n"
        "  add x9, x9, :lo12:probe\n"
        "  stp x0, x1, [x9]\n"
        "  stp x2, x29, [x9, #16]\n"
        "  mov x10, sp\n"
        "  stp x30, x10, [x9, #32]\n"
        "  b handler_c\n");

/* Known values in x19..x28 (callee-saved, restored after) and v16..v31, then tgkill. */
static void raise_with_pattern(long pid, long tid, long sig)
{
    register long x0 __asm__("x0") = pid;
    register long x1 __asm__("x1") = tid;
    register long x2 __asm__("x2") = sig;
    register long x8 __asm__("x8") = SYS_tgkill;
    __asm__ volatile("stp x19, x20, [sp, #-80]!\n"
                     "stp x21, x22, [sp, #16]\n"
                     "stp x23, x24, [sp, #32]\n"
                     "stp x25, x26, [sp, #48]\n"
                     "stp x27, x28, [sp, #64]\n"
                     "movz x19, #0x1919\n movz x20, #0x2020\n movz x21, #0x2121\n"
                     "movz x22, #0x2222\n movz x23, #0x2323\n movz x24, #0x2424\n"
                     "movz x25, #0x2525\n movz x26, #0x2626\n movz x27, #0x2727\n"
                     "movz x28, #0x2828\n"
                     "movi v16.16b, #0x16\n movi v17.16b, #0x17\n movi v18.16b, #0x18\n"
                     "movi v19.16b, #0x19\n movi v20.16b, #0x20\n movi v21.16b, #0x21\n"
                     "movi v22.16b, #0x22\n movi v23.16b, #0x23\n movi v24.16b, #0x24\n"
                     "movi v25.16b, #0x25\n movi v26.16b, #0x26\n movi v27.16b, #0x27\n"
                     "movi v28.16b, #0x28\n movi v29.16b, #0x29\n movi v30.16b, #0x30\n"
                     "movi v31.16b, #0x31\n"
                     "svc #0\n"
                     "ldp x21, x22, [sp, #16]\n"
                     "ldp x23, x24, [sp, #32]\n"
                     "ldp x25, x26, [sp, #48]\n"
                     "ldp x27, x28, [sp, #64]\n"
                     "ldp x19, x20, [sp], #80\n"
                     : "+r"(x0)
                     : "r"(x1), "r"(x2), "r"(x8)
                     : "memory", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24",
                       "v25", "v26", "v27", "v28", "v29", "v30", "v31", "cc");
}

#define OFF(name, type, member) printf("off %s %zu\n", name, offsetof(type, member))

int main(void)
{
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0};
    if (sigaltstack(&ss, NULL))
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = entry_probe;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    if (sigaction(SIGUSR1, &sa, NULL))
        return 2;
    /* Some blocked signal, to see the saved mask. */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGRTMIN + 3);
    sigprocmask(SIG_BLOCK, &block, NULL);

    raise_with_pattern(getpid(), syscall(SYS_gettid), SIGUSR1);
    if (!got)
        return 3;
    printf("handler 0x%lx\n", (unsigned long)(uintptr_t)entry_probe);
    printf("entry x0 0x%lx x1 0x%lx x2 0x%lx x29 0x%lx x30 0x%lx sp 0x%lx\n",
           (unsigned long)probe[0], (unsigned long)probe[1], (unsigned long)probe[2],
           (unsigned long)probe[3], (unsigned long)probe[4], (unsigned long)probe[5]);
    printf("altstack 0x%lx %zu\n", (unsigned long)(uintptr_t)altstack, sizeof(altstack));
    OFF("info", struct uapi_rt_sigframe, info);
    OFF("uc", struct uapi_rt_sigframe, uc);
    OFF("uc_flags", struct uapi_ucontext, uc_flags);
    OFF("uc_link", struct uapi_ucontext, uc_link);
    OFF("uc_stack", struct uapi_ucontext, uc_stack);
    OFF("uc_sigmask", struct uapi_ucontext, uc_sigmask);
    OFF("uc_mcontext", struct uapi_ucontext, uc_mcontext);
    OFF("fault_address", struct sigcontext, fault_address);
    OFF("regs", struct sigcontext, regs);
    OFF("sp", struct sigcontext, sp);
    OFF("pc", struct sigcontext, pc);
    OFF("pstate", struct sigcontext, pstate);
    OFF("reserved", struct sigcontext, __reserved);
    OFF("fpsr", struct fpsimd_context, fpsr);
    OFF("fpcr", struct fpsimd_context, fpcr);
    OFF("vregs", struct fpsimd_context, vregs);
    OFF("ss_sp", stack_t, ss_sp);
    OFF("ss_flags", stack_t, ss_flags);
    OFF("ss_size", stack_t, ss_size);
    printf("size rt_sigframe %zu\n", sizeof(struct uapi_rt_sigframe));
    printf("size fpsimd_context %zu\n", sizeof(struct fpsimd_context));
    printf("size esr_context %zu\n", sizeof(struct esr_context));
    printf("frame ");
    for (size_t i = 0; i < FRAME_BYTES; i++)
        printf("%02x", frame_copy[i]);
    printf("\n");
    return 0;
}
