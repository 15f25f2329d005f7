/*
 * Processes and threads: clone flags and clone3's struct clone_args, wait options, resource
 * usage and limits, uname, sysinfo, prctl options, scheduling policies. Checked against uapi.
 */
#ifndef LIBOS_ABI_PROCESS_H
#define LIBOS_ABI_PROCESS_H
#include <stdint.h>
#include <libos/abi/time.h>

/* clone flags; the low byte (CSIGNAL) of clone(2)'s flags is the exit signal. */
#define LINUX_CSIGNAL              0x000000ffull
#define LINUX_CLONE_NEWTIME        0x00000080ull
#define LINUX_CLONE_VM             0x00000100ull
#define LINUX_CLONE_FS             0x00000200ull
#define LINUX_CLONE_FILES          0x00000400ull
#define LINUX_CLONE_SIGHAND        0x00000800ull
#define LINUX_CLONE_PIDFD          0x00001000ull
#define LINUX_CLONE_PTRACE         0x00002000ull
#define LINUX_CLONE_VFORK          0x00004000ull
#define LINUX_CLONE_PARENT         0x00008000ull
#define LINUX_CLONE_THREAD         0x00010000ull
#define LINUX_CLONE_NEWNS          0x00020000ull
#define LINUX_CLONE_SYSVSEM        0x00040000ull
#define LINUX_CLONE_SETTLS         0x00080000ull
#define LINUX_CLONE_PARENT_SETTID  0x00100000ull
#define LINUX_CLONE_CHILD_CLEARTID 0x00200000ull
#define LINUX_CLONE_DETACHED       0x00400000ull
#define LINUX_CLONE_UNTRACED       0x00800000ull
#define LINUX_CLONE_CHILD_SETTID   0x01000000ull
#define LINUX_CLONE_NEWCGROUP      0x02000000ull
#define LINUX_CLONE_NEWUTS         0x04000000ull
#define LINUX_CLONE_NEWIPC         0x08000000ull
#define LINUX_CLONE_NEWUSER        0x10000000ull
#define LINUX_CLONE_NEWPID         0x20000000ull
#define LINUX_CLONE_NEWNET         0x40000000ull
#define LINUX_CLONE_IO             0x80000000ull
#define LINUX_CLONE_CLEAR_SIGHAND  0x100000000ull /* clone3 only */
#define LINUX_CLONE_INTO_CGROUP    0x200000000ull /* clone3 only */

/* clone3 argument; callers pass its size (VER0 64, VER1 80, VER2 88 bytes). */
struct linux_clone_args {
    uint64_t flags;
    uint64_t pidfd;      /* user address of an int */
    uint64_t child_tid;  /* user address */
    uint64_t parent_tid; /* user address */
    uint64_t exit_signal;
    uint64_t stack; /* lowest address of the stack area */
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid; /* VER1 */
    uint64_t set_tid_size;
    uint64_t cgroup; /* VER2 */
} __attribute__((aligned(8)));
#define LINUX_CLONE_ARGS_SIZE_VER0 64
#define LINUX_CLONE_ARGS_SIZE_VER1 80
#define LINUX_CLONE_ARGS_SIZE_VER2 88

/* wait4/waitid options and waitid idtype. */
#define LINUX_WNOHANG     0x00000001
#define LINUX_WUNTRACED   0x00000002
#define LINUX_WSTOPPED    LINUX_WUNTRACED
#define LINUX_WEXITED     0x00000004
#define LINUX_WCONTINUED  0x00000008
#define LINUX_WNOWAIT     0x01000000
#define LINUX___WNOTHREAD 0x20000000
#define LINUX___WALL      0x40000000
#define LINUX___WCLONE    0x80000000u
#define LINUX_P_ALL       0
#define LINUX_P_PID       1
#define LINUX_P_PGID      2
#define LINUX_P_PIDFD     3

/* wait status words. */
#define LINUX_W_EXITCODE(ret, sig) (((ret) << 8) | (sig))
#define LINUX_W_STOPCODE(sig)      (((sig) << 8) | 0x7f)
#define LINUX_W_CONTINUED          0xffff
#define LINUX_WCOREFLAG            0x80

struct linux_rusage {
    struct linux_timeval ru_utime;
    struct linux_timeval ru_stime;
    int64_t ru_maxrss;
    int64_t ru_ixrss;
    int64_t ru_idrss;
    int64_t ru_isrss;
    int64_t ru_minflt;
    int64_t ru_majflt;
    int64_t ru_nswap;
    int64_t ru_inblock;
    int64_t ru_oublock;
    int64_t ru_msgsnd;
    int64_t ru_msgrcv;
    int64_t ru_nsignals;
    int64_t ru_nvcsw;
    int64_t ru_nivcsw;
};
#define LINUX_RUSAGE_SELF     0
#define LINUX_RUSAGE_CHILDREN (-1)
#define LINUX_RUSAGE_THREAD   1

struct linux_rlimit {
    uint64_t rlim_cur;
    uint64_t rlim_max;
};
#define LINUX_RLIM_INFINITY     (~0ull)
#define LINUX_RLIMIT_CPU        0
#define LINUX_RLIMIT_FSIZE      1
#define LINUX_RLIMIT_DATA       2
#define LINUX_RLIMIT_STACK      3
#define LINUX_RLIMIT_CORE       4
#define LINUX_RLIMIT_RSS        5
#define LINUX_RLIMIT_NPROC      6
#define LINUX_RLIMIT_NOFILE     7
#define LINUX_RLIMIT_MEMLOCK    8
#define LINUX_RLIMIT_AS         9
#define LINUX_RLIMIT_LOCKS      10
#define LINUX_RLIMIT_SIGPENDING 11
#define LINUX_RLIMIT_MSGQUEUE   12
#define LINUX_RLIMIT_NICE       13
#define LINUX_RLIMIT_RTPRIO     14
#define LINUX_RLIMIT_RTTIME     15
#define LINUX_RLIM_NLIMITS      16

/* getpriority/setpriority "which". */
#define LINUX_PRIO_PROCESS 0
#define LINUX_PRIO_PGRP    1
#define LINUX_PRIO_USER    2

#define LINUX_UTS_LEN 64
struct linux_utsname {
    char sysname[LINUX_UTS_LEN + 1];
    char nodename[LINUX_UTS_LEN + 1];
    char release[LINUX_UTS_LEN + 1];
    char version[LINUX_UTS_LEN + 1];
    char machine[LINUX_UTS_LEN + 1];
    char domainname[LINUX_UTS_LEN + 1];
};

struct linux_sysinfo {
    int64_t uptime;
    uint64_t loads[3]; /* fixed point, 1 << LINUX_SI_LOAD_SHIFT is 1.0 */
    uint64_t totalram;
    uint64_t freeram;
    uint64_t sharedram;
    uint64_t bufferram;
    uint64_t totalswap;
    uint64_t freeswap;
    uint16_t procs;
    uint16_t pad;
    uint64_t totalhigh;
    uint64_t freehigh;
    uint32_t mem_unit; /* then 4 bytes of padding (uapi's _f[] is empty on 64-bit) */
};
#define LINUX_SI_LOAD_SHIFT 16

/* prctl options the libOS is likely to meet. */
#define LINUX_PR_SET_PDEATHSIG        1
#define LINUX_PR_GET_PDEATHSIG        2
#define LINUX_PR_GET_DUMPABLE         3
#define LINUX_PR_SET_DUMPABLE         4
#define LINUX_PR_GET_KEEPCAPS         7
#define LINUX_PR_SET_KEEPCAPS         8
#define LINUX_PR_SET_NAME             15
#define LINUX_PR_GET_NAME             16
#define LINUX_PR_GET_SECCOMP          21
#define LINUX_PR_SET_SECCOMP          22
#define LINUX_PR_CAPBSET_READ         23
#define LINUX_PR_CAPBSET_DROP         24
#define LINUX_PR_GET_SECUREBITS       27
#define LINUX_PR_SET_SECUREBITS       28
#define LINUX_PR_SET_TIMERSLACK       29
#define LINUX_PR_GET_TIMERSLACK       30
#define LINUX_PR_SET_MM               35
#define LINUX_PR_SET_CHILD_SUBREAPER  36
#define LINUX_PR_GET_CHILD_SUBREAPER  37
#define LINUX_PR_SET_NO_NEW_PRIVS     38
#define LINUX_PR_GET_NO_NEW_PRIVS     39
#define LINUX_PR_GET_TID_ADDRESS      40
#define LINUX_PR_SET_THP_DISABLE      41
#define LINUX_PR_GET_THP_DISABLE      42
#define LINUX_PR_CAP_AMBIENT          47
#define LINUX_PR_SVE_SET_VL           50
#define LINUX_PR_SVE_GET_VL           51
#define LINUX_PR_GET_SPECULATION_CTRL 52
#define LINUX_PR_SET_SPECULATION_CTRL 53
#define LINUX_PR_PAC_RESET_KEYS       54
#define LINUX_PR_SET_TAGGED_ADDR_CTRL 55
#define LINUX_PR_GET_TAGGED_ADDR_CTRL 56
#define LINUX_PR_SET_VMA              0x53564d41
#define LINUX_PR_SET_PTRACER          0x59616d61
#define LINUX_TASK_COMM_LEN           16 /* PR_SET_NAME buffer, NUL included */

/* Scheduling policies. */
#define LINUX_SCHED_NORMAL        0
#define LINUX_SCHED_FIFO          1
#define LINUX_SCHED_RR            2
#define LINUX_SCHED_BATCH         3
#define LINUX_SCHED_IDLE          5
#define LINUX_SCHED_DEADLINE      6
#define LINUX_SCHED_RESET_ON_FORK 0x40000000

/* reboot(2) magic and commands. */
#define LINUX_REBOOT_MAGIC1        0xfee1deadu
#define LINUX_REBOOT_MAGIC2        672274793
#define LINUX_REBOOT_CMD_RESTART   0x01234567u
#define LINUX_REBOOT_CMD_HALT      0xCDEF0123u
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321FEDCu
#define LINUX_REBOOT_CMD_CAD_ON    0x89ABCDEFu
#define LINUX_REBOOT_CMD_CAD_OFF   0x00000000u

#endif
