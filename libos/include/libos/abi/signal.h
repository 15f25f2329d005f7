/*
 * Signals as the arm64 kernel ABI defines them: numbers, the kernel's struct sigaction used
 * by rt_sigaction (handler, flags, restorer, mask; not the C library's), sigaltstack's
 * stack_t, siginfo (128 bytes) and the si_code values. The kernel's sigset is 64 bits
 * (rt_sigprocmask's sigsetsize must be 8). Checked against the uapi headers.
 */
#ifndef LIBOS_ABI_SIGNAL_H
#define LIBOS_ABI_SIGNAL_H
#include <stdint.h>

#define LINUX_SIGHUP    1
#define LINUX_SIGINT    2
#define LINUX_SIGQUIT   3
#define LINUX_SIGILL    4
#define LINUX_SIGTRAP   5
#define LINUX_SIGABRT   6
#define LINUX_SIGIOT    6
#define LINUX_SIGBUS    7
#define LINUX_SIGFPE    8
#define LINUX_SIGKILL   9
#define LINUX_SIGUSR1   10
#define LINUX_SIGSEGV   11
#define LINUX_SIGUSR2   12
#define LINUX_SIGPIPE   13
#define LINUX_SIGALRM   14
#define LINUX_SIGTERM   15
#define LINUX_SIGSTKFLT 16
#define LINUX_SIGCHLD   17
#define LINUX_SIGCONT   18
#define LINUX_SIGSTOP   19
#define LINUX_SIGTSTP   20
#define LINUX_SIGTTIN   21
#define LINUX_SIGTTOU   22
#define LINUX_SIGURG    23
#define LINUX_SIGXCPU   24
#define LINUX_SIGXFSZ   25
#define LINUX_SIGVTALRM 26
#define LINUX_SIGPROF   27
#define LINUX_SIGWINCH  28
#define LINUX_SIGIO     29
#define LINUX_SIGPOLL   LINUX_SIGIO
#define LINUX_SIGPWR    30
#define LINUX_SIGSYS    31
#define LINUX_SIGRTMIN  32
#define LINUX_SIGRTMAX  64
#define LINUX_NSIG      64 /* signals are 1..LINUX_NSIG */

/* The kernel's signal set: bit (sig - 1) of one 64-bit word. */
typedef struct {
    uint64_t sig[1];
} linux_sigset_t;
#define LINUX_SIGSET_SIZE  8u /* the sigsetsize argument of rt_sig* syscalls */
#define LINUX_SIGMASK(sig) (1ull << ((sig)-1))

/* sa_flags. */
#define LINUX_SA_NOCLDSTOP      0x00000001u
#define LINUX_SA_NOCLDWAIT      0x00000002u
#define LINUX_SA_SIGINFO        0x00000004u
#define LINUX_SA_UNSUPPORTED    0x00000400u
#define LINUX_SA_EXPOSE_TAGBITS 0x00000800u
#define LINUX_SA_RESTORER       0x04000000u
#define LINUX_SA_ONSTACK        0x08000000u
#define LINUX_SA_RESTART        0x10000000u
#define LINUX_SA_NODEFER        0x40000000u
#define LINUX_SA_RESETHAND      0x80000000u

/* sa_handler special values. */
#define LINUX_SIG_DFL 0ull
#define LINUX_SIG_IGN 1ull
#define LINUX_SIG_ERR ((uint64_t)-1)

/* rt_sigprocmask "how". */
#define LINUX_SIG_BLOCK   0
#define LINUX_SIG_UNBLOCK 1
#define LINUX_SIG_SETMASK 2

/* rt_sigaction's struct (user addresses kept as integers: they are never called here). */
struct linux_sigaction {
    uint64_t sa_handler; /* or sa_sigaction with SA_SIGINFO */
    uint64_t sa_flags;
    uint64_t sa_restorer;
    linux_sigset_t sa_mask;
};

/* sigaltstack's stack_t. */
struct linux_stack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t __pad;
    uint64_t ss_size;
};
typedef struct linux_stack linux_stack_t;
#define LINUX_SS_ONSTACK    1
#define LINUX_SS_DISABLE    2
#define LINUX_SS_AUTODISARM (1u << 31)
#define LINUX_MINSIGSTKSZ   5120  /* arm64 */
#define LINUX_SIGSTKSZ      16384 /* arm64 */

union linux_sigval {
    int32_t sival_int;
    uint64_t sival_ptr;
};

/*
 * siginfo: signo, errno, code, then (at offset 16) a union chosen by signal and code:
 * kill (SI_USER, SI_TKILL), timer (SI_TIMER), rt (SI_QUEUE, SI_MESGQ), sigchld (SIGCHLD from
 * the kernel), sigfault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP), sigpoll, sigsys.
 */
#define LINUX_SI_MAX_SIZE 128
struct linux_siginfo {
    int32_t si_signo;
    int32_t si_errno;
    int32_t si_code;
    int32_t __pad0;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
        } kill;
        struct {
            int32_t tid; /* kernel timer id */
            int32_t overrun;
            union linux_sigval value;
            int32_t sys_private;
        } timer;
        struct {
            int32_t pid;
            uint32_t uid;
            union linux_sigval value;
        } rt;
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status; /* exit code, or the signal for CLD_KILLED/DUMPED/STOPPED */
            int64_t utime;  /* clock ticks */
            int64_t stime;
        } sigchld;
        struct {
            uint64_t addr; /* faulting address */
            union {
                int16_t addr_lsb; /* BUS_MCEERR_* */
                struct {
                    uint64_t __pad;
                    uint64_t lower;
                    uint64_t upper;
                } addr_bnd;
                struct {
                    uint64_t __pad;
                    uint32_t pkey;
                } addr_pkey;
                struct {
                    uint64_t data;
                    uint32_t type;
                    uint32_t flags;
                } perf;
            };
        } sigfault;
        struct {
            int64_t band;
            int32_t fd;
        } sigpoll;
        struct {
            uint64_t call_addr;
            int32_t syscall;
            uint32_t arch;
        } sigsys;
        uint8_t __pad[LINUX_SI_MAX_SIZE - 16];
    } fields;
};
typedef struct linux_siginfo linux_siginfo_t;

/* si_code values: <= 0 from user space, > 0 from the kernel (meaning depends on signal). */
#define LINUX_SI_USER    0
#define LINUX_SI_KERNEL  0x80
#define LINUX_SI_QUEUE   (-1)
#define LINUX_SI_TIMER   (-2)
#define LINUX_SI_MESGQ   (-3)
#define LINUX_SI_ASYNCIO (-4)
#define LINUX_SI_SIGIO   (-5)
#define LINUX_SI_TKILL   (-6)

#define LINUX_ILL_ILLOPC 1
#define LINUX_ILL_ILLOPN 2
#define LINUX_ILL_ILLADR 3
#define LINUX_ILL_ILLTRP 4
#define LINUX_ILL_PRVOPC 5
#define LINUX_ILL_PRVREG 6
#define LINUX_ILL_COPROC 7
#define LINUX_ILL_BADSTK 8

#define LINUX_FPE_INTDIV 1
#define LINUX_FPE_INTOVF 2
#define LINUX_FPE_FLTDIV 3
#define LINUX_FPE_FLTOVF 4
#define LINUX_FPE_FLTUND 5
#define LINUX_FPE_FLTRES 6
#define LINUX_FPE_FLTINV 7
#define LINUX_FPE_FLTSUB 8
#define LINUX_FPE_FLTUNK 14

#define LINUX_SEGV_MAPERR  1
#define LINUX_SEGV_ACCERR  2
#define LINUX_SEGV_MTEAERR 8
#define LINUX_SEGV_MTESERR 9

#define LINUX_BUS_ADRALN 1
#define LINUX_BUS_ADRERR 2
#define LINUX_BUS_OBJERR 3

#define LINUX_TRAP_BRKPT  1
#define LINUX_TRAP_TRACE  2
#define LINUX_TRAP_BRANCH 3
#define LINUX_TRAP_HWBKPT 4
#define LINUX_TRAP_UNK    5

#define LINUX_CLD_EXITED    1
#define LINUX_CLD_KILLED    2
#define LINUX_CLD_DUMPED    3
#define LINUX_CLD_TRAPPED   4
#define LINUX_CLD_STOPPED   5
#define LINUX_CLD_CONTINUED 6

#define LINUX_POLL_IN  1
#define LINUX_POLL_OUT 2
#define LINUX_POLL_MSG 3
#define LINUX_POLL_ERR 4
#define LINUX_POLL_PRI 5
#define LINUX_POLL_HUP 6

/* struct sigevent (timer_create, mq_notify): 64 bytes. */
#define LINUX_SIGEV_SIGNAL    0
#define LINUX_SIGEV_NONE      1
#define LINUX_SIGEV_THREAD    2
#define LINUX_SIGEV_THREAD_ID 4
struct linux_sigevent {
    union linux_sigval sigev_value;
    int32_t sigev_signo;
    int32_t sigev_notify;
    union {
        int32_t tid; /* SIGEV_THREAD_ID */
        uint8_t __pad[48];
    } un;
};

#endif
