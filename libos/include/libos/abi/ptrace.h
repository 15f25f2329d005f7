/*
 * ptrace(2): requests, PTRACE_O_* options, PTRACE_EVENT_* stops, the regsets (elf.h's
 * NT_* notes, arm64's struct user_pt_regs and user_fpsimd_state) and struct
 * ptrace_syscall_info. Checked against uapi (linux/ptrace.h, asm/ptrace.h, linux/elf.h).
 */
#ifndef LIBOS_ABI_PTRACE_H
#define LIBOS_ABI_PTRACE_H
#include <stdint.h>

#define LINUX_PTRACE_TRACEME          0
#define LINUX_PTRACE_PEEKTEXT         1
#define LINUX_PTRACE_PEEKDATA         2
#define LINUX_PTRACE_POKETEXT         4
#define LINUX_PTRACE_POKEDATA         5
#define LINUX_PTRACE_CONT             7
#define LINUX_PTRACE_KILL             8
#define LINUX_PTRACE_ATTACH           16
#define LINUX_PTRACE_DETACH           17
#define LINUX_PTRACE_SYSCALL          24
#define LINUX_PTRACE_SETOPTIONS       0x4200
#define LINUX_PTRACE_GETEVENTMSG      0x4201
#define LINUX_PTRACE_GETSIGINFO       0x4202
#define LINUX_PTRACE_SETSIGINFO       0x4203
#define LINUX_PTRACE_GETREGSET        0x4204
#define LINUX_PTRACE_SETREGSET        0x4205
#define LINUX_PTRACE_SEIZE            0x4206
#define LINUX_PTRACE_INTERRUPT        0x4207
#define LINUX_PTRACE_LISTEN           0x4208
#define LINUX_PTRACE_GETSIGMASK       0x420a
#define LINUX_PTRACE_SETSIGMASK       0x420b
#define LINUX_PTRACE_GET_SYSCALL_INFO 0x420e

#define LINUX_PTRACE_O_TRACESYSGOOD    0x1
#define LINUX_PTRACE_O_TRACEFORK       0x2
#define LINUX_PTRACE_O_TRACEVFORK      0x4
#define LINUX_PTRACE_O_TRACECLONE      0x8
#define LINUX_PTRACE_O_TRACEEXEC       0x10
#define LINUX_PTRACE_O_TRACEVFORKDONE  0x20
#define LINUX_PTRACE_O_TRACEEXIT       0x40
#define LINUX_PTRACE_O_TRACESECCOMP    0x80
#define LINUX_PTRACE_O_EXITKILL        0x100000
#define LINUX_PTRACE_O_SUSPEND_SECCOMP 0x200000

#define LINUX_PTRACE_EVENT_FORK       1
#define LINUX_PTRACE_EVENT_VFORK      2
#define LINUX_PTRACE_EVENT_CLONE      3
#define LINUX_PTRACE_EVENT_EXEC       4
#define LINUX_PTRACE_EVENT_VFORK_DONE 5
#define LINUX_PTRACE_EVENT_EXIT       6
#define LINUX_PTRACE_EVENT_STOP       128

#define LINUX_NT_PRSTATUS        1
#define LINUX_NT_PRFPREG         2
#define LINUX_NT_ARM_TLS         0x401
#define LINUX_NT_ARM_SYSTEM_CALL 0x404

#define LINUX_PTRACE_SYSCALL_INFO_NONE  0
#define LINUX_PTRACE_SYSCALL_INFO_ENTRY 1
#define LINUX_PTRACE_SYSCALL_INFO_EXIT  2
#define LINUX_AUDIT_ARCH_AARCH64        0xc00000b7u

struct linux_user_pt_regs {
    uint64_t regs[31], sp, pc, pstate;
};
struct linux_user_fpsimd {
    __uint128_t vregs[32];
    uint32_t fpsr, fpcr, reserved[2];
};

/* LINUX_PTRACE_GET_SYSCALL_INFO's record: op says which member is valid. */
struct linux_ptrace_syscall_info {
    uint8_t op, pad[3];
    uint32_t arch;
    uint64_t instruction_pointer, stack_pointer;
    union {
        struct {
            uint64_t nr, args[6];
        } entry;
        struct {
            int64_t rval;
            uint8_t is_error;
        } exit;
        struct {
            uint64_t nr, args[6];
            uint32_t ret_data;
        } seccomp; /* PTRACE_SYSCALL_INFO_SECCOMP: never reported (no seccomp) */
    };
};

#endif
