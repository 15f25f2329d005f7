/*
 * The Linux syscall boundary: syscall numbers, the description of every arm64 syscall
 * (syscalls.def), how the libOS registers a handler, and the dispatcher with its
 * strace-style trace. Hardware-free.
 *
 * Adding a syscall to the libOS (see also docs/syscalls.md):
 *   1. Define the handler anywhere in libos/ with typed arguments:
 *          SYSCALL_DEFINE3(read, int, fd, uint64_t, buf, size_t, count)
 *          {
 *              ...return bytes read or -EBADF...
 *          }
 *   2. Add one line to libos/linux-abi/handlers.def:
 *          IMPLEMENTED(read)                       or
 *          PARTIAL(read, "no O_DIRECT; ...")       (what is missing, for the docs)
 *   3. `ninja -C build update-syscall-doc` and commit docs/syscalls.md (a host test fails
 *      while the committed file is stale).
 */
#ifndef LIBOS_ABI_SYSCALL_H
#define LIBOS_ABI_SYSCALL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* LINUX_NR_read = 63, ... for every syscall of syscalls.def. */
enum linux_syscall_nr {
#define SYSCALL0(nr, name, ...) LINUX_NR_##name = (nr),
#define SYSCALL1                SYSCALL0
#define SYSCALL2                SYSCALL0
#define SYSCALL3                SYSCALL0
#define SYSCALL4                SYSCALL0
#define SYSCALL5                SYSCALL0
#define SYSCALL6                SYSCALL0
#define RESERVED(first, last, why)
#include <libos/abi/syscalls.def>
};
/* One more than the highest number in syscalls.def (mseal, 462). */
#define LINUX_NR_SYSCALLS 463

/* How the trace prints an argument (the kinds named in syscalls.def). */
enum abi_arg_kind {
    ABI_ARG_INT,         /* signed 32-bit decimal */
    ABI_ARG_UINT,        /* unsigned 32-bit decimal */
    ABI_ARG_LONG,        /* signed 64-bit decimal (offsets) */
    ABI_ARG_ULONG,       /* unsigned 64-bit decimal */
    ABI_ARG_SIZE,        /* size_t, decimal */
    ABI_ARG_HEX,         /* 64-bit hex */
    ABI_ARG_PTR,         /* user address: hex, or NULL */
    ABI_ARG_STRUCT,      /* user address of a struct: hex, or NULL */
    ABI_ARG_STR,         /* NUL-terminated user string (path, name) */
    ABI_ARG_STRV,        /* NULL-terminated array of user strings (argv, envp) */
    ABI_ARG_BUF,         /* user bytes whose length is the next argument (write's buf) */
    ABI_ARG_FD,          /* int file descriptor; AT_FDCWD by name */
    ABI_ARG_MODE,        /* octal permission bits */
    ABI_ARG_PID,         /* signed 32-bit */
    ABI_ARG_UID,         /* unsigned 32-bit; -1 ("unchanged") as -1 */
    ABI_ARG_SIG,         /* signal number: SIGTERM, SIGRTMIN+3 */
    ABI_ARG_OPEN_FLAGS,  /* O_RDONLY|O_CLOEXEC (access mode always shown) */
    ABI_ARG_FD_FLAGS,    /* O_CLOEXEC|O_NONBLOCK of pipe2, dup3, eventfd2, ... */
    ABI_ARG_AT_FLAGS,    /* AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH */
    ABI_ARG_PROT,        /* PROT_READ|PROT_WRITE, PROT_NONE */
    ABI_ARG_MMAP_FLAGS,  /* MAP_PRIVATE|MAP_ANONYMOUS */
    ABI_ARG_CLONE_FLAGS, /* CLONE_VM|CLONE_THREAD|SIGCHLD */
    ABI_ARG_MADVISE,     /* MADV_DONTNEED */
    ABI_ARG_FCNTL_CMD,   /* F_GETFL */
    ABI_ARG_IOCTL_CMD,   /* TCGETS, or hex */
    ABI_ARG_FUTEX_OP,    /* FUTEX_WAIT|FUTEX_PRIVATE_FLAG */
    ABI_ARG_PRCTL_OPT,   /* PR_SET_NAME */
    ABI_ARG_CLOCK,       /* CLOCK_MONOTONIC */
    ABI_ARG_WAIT_OPTS,   /* WNOHANG|__WALL */
    ABI_ARG_SIGHOW,      /* SIG_BLOCK */
    ABI_ARG_SEEK,        /* SEEK_SET */
    ABI_ARG_ACCESS,      /* R_OK|W_OK, F_OK */
    ABI_ARG_SOCK_FAMILY, /* AF_UNIX */
    ABI_ARG_SOCK_TYPE,   /* SOCK_STREAM|SOCK_CLOEXEC */
    ABI_ARG_RLIMIT,      /* RLIMIT_NOFILE */
    ABI_ARG_EPOLL_OP,    /* EPOLL_CTL_ADD */
    ABI_ARG_MSG_FLAGS,   /* MSG_DONTWAIT|MSG_NOSIGNAL */
    ABI_ARG_KIND_COUNT
};

/* How the trace prints the result; every kind shows -4095..-1 as -1 ENAME (text). */
enum abi_ret_kind {
    ABI_RET_INT,  /* decimal */
    ABI_RET_HEX,  /* an address (mmap, brk) */
    ABI_RET_OCT,  /* umask */
    ABI_RET_NONE, /* does not return on success (exit, exit_group): "= ?" */
};

struct abi_arg_info {
    uint8_t kind; /* enum abi_arg_kind */
    const char *name;
};

struct abi_syscall_info {
    const char *name; /* NULL: the number is unassigned */
    uint8_t nargs;
    uint8_t ret; /* enum abi_ret_kind */
    struct abi_arg_info args[6];
};

/* The description of syscall nr, or NULL if nr is unassigned or out of range. */
const struct abi_syscall_info *abi_syscall_info(uint64_t nr);
/* Its name, or NULL. */
const char *abi_syscall_name(uint64_t nr);

/* Unassigned number ranges of syscalls.def, with the reason. */
struct abi_reserved_range {
    uint16_t first, last;
    const char *why;
};
extern const struct abi_reserved_range abi_reserved_ranges[];
extern const size_t abi_reserved_range_count;

/*
 * Handlers. Each receives x0..x5 as they were at the svc and returns the value for x0:
 * >= 0 on success, -errno on failure. SYSCALL_DEFINEn(name, type1, arg1, ...) defines
 * sys_<name> with this signature around a body with typed arguments (each converted from
 * its register with a C cast: an int argument uses the low 32 bits, as on Linux). User
 * addresses should be uint64_t and go through copy-in/out, never be dereferenced.
 */
typedef long (*syscall_handler_t)(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                                  uint64_t a5);
#define ABI_HANDLER_PARAMS                                                                         \
    uint64_t a0 __attribute__((unused)), uint64_t a1 __attribute__((unused)),                      \
        uint64_t a2 __attribute__((unused)), uint64_t a3 __attribute__((unused)),                  \
        uint64_t a4 __attribute__((unused)), uint64_t a5 __attribute__((unused))
#define ABI_HANDLER_DECL(name) long sys_##name(ABI_HANDLER_PARAMS)

#define ABI_DEFINE_(name, params, args)                                                            \
    static long sys_##name##_body params;                                                          \
    ABI_HANDLER_DECL(name);                                                                        \
    ABI_HANDLER_DECL(name)                                                                         \
    {                                                                                              \
        return sys_##name##_body args;                                                             \
    }                                                                                              \
    static long sys_##name##_body params
#define SYSCALL_DEFINE0(name)                 ABI_DEFINE_(name, (void), ())
#define SYSCALL_DEFINE1(name, t1, n1)         ABI_DEFINE_(name, (t1 n1), ((t1)a0))
#define SYSCALL_DEFINE2(name, t1, n1, t2, n2) ABI_DEFINE_(name, (t1 n1, t2 n2), ((t1)a0, (t2)a1))
#define SYSCALL_DEFINE3(name, t1, n1, t2, n2, t3, n3)                                              \
    ABI_DEFINE_(name, (t1 n1, t2 n2, t3 n3), ((t1)a0, (t2)a1, (t3)a2))
#define SYSCALL_DEFINE4(name, t1, n1, t2, n2, t3, n3, t4, n4)                                      \
    ABI_DEFINE_(name, (t1 n1, t2 n2, t3 n3, t4 n4), ((t1)a0, (t2)a1, (t3)a2, (t4)a3))
#define SYSCALL_DEFINE5(name, t1, n1, t2, n2, t3, n3, t4, n4, t5, n5)                              \
    ABI_DEFINE_(name, (t1 n1, t2 n2, t3 n3, t4 n4, t5 n5), ((t1)a0, (t2)a1, (t3)a2, (t4)a3, (t5)a4))
#define SYSCALL_DEFINE6(name, t1, n1, t2, n2, t3, n3, t4, n4, t5, n5, t6, n6)                      \
    ABI_DEFINE_(name, (t1 n1, t2 n2, t3 n3, t4 n4, t5 n5, t6 n6),                                  \
                ((t1)a0, (t2)a1, (t3)a2, (t4)a3, (t5)a4, (t6)a5))

enum abi_status {
    ABI_ENOSYS = 0,  /* no handler: the dispatcher returns -ENOSYS */
    ABI_PARTIAL,     /* handler exists; note says what is missing */
    ABI_IMPLEMENTED, /* handler exists and is complete */
};

struct abi_syscall_impl {
    syscall_handler_t handler; /* NULL for ABI_ENOSYS */
    uint8_t status;            /* enum abi_status */
    const char *note;          /* PARTIAL: what is missing; ENOSYS: why it stays so, or NULL */
};

/* Built from libos/linux-abi/handlers.def by handlers.c (host tests supply their own). */
extern const struct abi_syscall_impl abi_syscall_impls[LINUX_NR_SYSCALLS];

/* Registers at the svc: x0..x5 arguments, x8 (nr) the syscall number. */
struct abi_regs {
    uint64_t x[8];
    uint64_t nr; /* x8 */
};

/* What the dispatcher needs from the libOS. Every member may be NULL. */
struct abi_dispatch_env {
    /* Copies len bytes from user address src to dst: 0, or -EFAULT if any byte is not
     * readable. Used only by the trace (strings, argv); NULL shows them as addresses. */
    int (*copy_from_user)(void *ctx, void *dst, uint64_t src, size_t len);
    /* The calling thread's id, shown as [tid] on trace lines (NULL: 0). */
    int (*current_tid)(void *ctx);
    /* Receives each log line, newline included (NULL: klog). */
    void (*log)(void *ctx, const char *line, size_t len);
    void *ctx;
};

/* Installs env (copied) and forgets which numbers were already reported as missing. */
void abi_dispatch_setup(const struct abi_dispatch_env *env);
/* Turns the strace-style trace of every syscall on or off (the debug boot option). */
void abi_trace_enable(bool on);
bool abi_trace_enabled(void);

/* Longest string the trace prints before "..." (strace's default -s 32). */
#define ABI_TRACE_STRLEN 32
/* Most argv/envp elements the trace prints before "...". */
#define ABI_TRACE_STRV_MAX 8
/* Longest trace line; longer ones end in "...". */
#define ABI_TRACE_LINE_MAX 512

/*
 * Runs syscall regs->nr with regs->x[0..5] and returns the value for x0. A number that is
 * out of range, unassigned or has no handler gives -ENOSYS and, the first time for that
 * number, the log line "syscall NAME (N) not implemented" ("?" for a number without a name).
 * With the trace on, logs "[tid] name(args) = result" after the call (before it for
 * syscalls that do not return).
 */
long abi_dispatch(const struct abi_regs *regs);

/*
 * Formats "name(args)" for syscall nr with arguments args[0..5] into buf (NUL-terminated,
 * truncated with "..." to size). Returns the length written. Used by the trace; public for
 * tests and for other debug output.
 */
size_t abi_format_call(char *buf, size_t size, uint64_t nr, const uint64_t args[6],
                       const struct abi_dispatch_env *env);
/* Formats " = result" for a syscall with return kind ret (enum abi_ret_kind). */
size_t abi_format_result(char *buf, size_t size, int ret_kind, long result);

#endif
