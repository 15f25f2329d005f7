/*
 * strace-style formatting of syscall arguments and results (hardware-free). User memory is
 * read only through env->copy_from_user; whatever cannot be read is shown as its address.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <libos/abi/errno_name.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>

/* Output buffer that remembers it overflowed. */
struct tbuf {
    char *buf;
    size_t size; /* > 0 */
    size_t len;  /* < size */
    bool full;
};

static void tb_put(struct tbuf *b, const char *s, size_t n)
{
    size_t room = b->size - 1 - b->len;
    if (n > room) {
        n = room;
        b->full = true;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void tb_str(struct tbuf *b, const char *s)
{
    tb_put(b, s, strlen(s));
}

__printf(2, 3) static void tb_printf(struct tbuf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    tb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Ends a truncated buffer with "..." (the caller sized it for at least 4 bytes). */
static size_t tb_finish(struct tbuf *b)
{
    if (b->full && b->size >= 4) {
        memcpy(b->buf + b->size - 4, "...", 4);
        b->len = b->size - 1;
    }
    return b->len;
}

/* ---- named values and flags ---- */

struct name {
    uint64_t value;
    const char *name;
};
#define N(prefix, x)                                                                               \
    {                                                                                              \
        LINUX_##prefix##x, #prefix #x                                                              \
    }
#define END                                                                                        \
    {                                                                                              \
        0, NULL                                                                                    \
    }

/*
 * A value printed as "FIELD|FLAG|FLAG|0x<rest>": field = value & field_mask looked up in
 * fields (printed first, or last with signal_field), then each flag whose bits are all set,
 * in table order (so multi-bit flags come first). zero names the value 0 when nothing else
 * does.
 */
struct flagset {
    const struct name *fields;
    uint64_t field_mask;
    bool signal_field; /* field is a signal number, printed after the flags (clone) */
    const struct name *flags;
    const char *zero;
};

/* Enumerated values: name, or decimal (hex with hex_unknown). */
struct valueset {
    const struct name *values;
    bool hex_unknown;
};

static const char *lookup(const struct name *t, uint64_t v)
{
    for (; t && t->name; t++)
        if (t->value == v)
            return t->name;
    return NULL;
}

static void put_sig(struct tbuf *b, uint64_t v);

static void put_flags(struct tbuf *b, const struct flagset *fs, uint64_t v)
{
    bool any = false;
    uint64_t field = v & fs->field_mask;
    uint64_t rest = v & ~fs->field_mask;
    const char *fname = lookup(fs->fields, field);
    if (!fs->signal_field && fs->field_mask && (fname || field)) {
        if (fname)
            tb_str(b, fname);
        else
            tb_printf(b, "%#llx", (unsigned long long)field);
        any = true;
    }
    for (const struct name *f = fs->flags; f && f->name; f++) {
        if (f->value && (rest & f->value) == f->value) {
            tb_str(b, any ? "|" : "");
            tb_str(b, f->name);
            rest &= ~f->value;
            any = true;
        }
    }
    if (rest) {
        tb_printf(b, any ? "|%#llx" : "%#llx", (unsigned long long)rest);
        any = true;
    }
    if (fs->signal_field && field) {
        tb_str(b, any ? "|" : "");
        put_sig(b, field);
        any = true;
    }
    if (!any)
        tb_str(b, fs->zero ? fs->zero : "0");
}

static void put_value(struct tbuf *b, const struct valueset *vs, uint64_t v, bool is_int)
{
    const char *name = lookup(vs->values, v);
    if (name)
        tb_str(b, name);
    else if (vs->hex_unknown)
        tb_printf(b, "%#llx", (unsigned long long)v);
    else if (is_int)
        tb_printf(b, "%d", (int)(int32_t)v);
    else
        tb_printf(b, "%lld", (long long)v);
}

static const struct name accmode_names[] = {
    N(O_, RDONLY), N(O_, WRONLY), N(O_, RDWR), {3, "O_ACCMODE"}, END};
static const struct name open_flag_names[] = {N(O_, TMPFILE), N(O_, SYNC),      N(O_, CREAT),
                                              N(O_, EXCL),    N(O_, NOCTTY),    N(O_, TRUNC),
                                              N(O_, APPEND),  N(O_, NONBLOCK),  N(O_, DSYNC),
                                              N(O_, ASYNC),   N(O_, DIRECTORY), N(O_, NOFOLLOW),
                                              N(O_, DIRECT),  N(O_, LARGEFILE), N(O_, NOATIME),
                                              N(O_, CLOEXEC), N(O_, PATH),      END};
static const struct name at_flag_names[] = {
    N(AT_, SYMLINK_NOFOLLOW), N(AT_, REMOVEDIR),  N(AT_, SYMLINK_FOLLOW),
    N(AT_, NO_AUTOMOUNT),     N(AT_, EMPTY_PATH), N(AT_, STATX_FORCE_SYNC),
    N(AT_, STATX_DONT_SYNC),  N(AT_, RECURSIVE),  END};
static const struct name prot_names[] = {N(PROT_, READ),      N(PROT_, WRITE),   N(PROT_, EXEC),
                                         N(PROT_, SEM),       N(PROT_, BTI),     N(PROT_, MTE),
                                         N(PROT_, GROWSDOWN), N(PROT_, GROWSUP), END};
static const struct name map_type_names[] = {N(MAP_, SHARED), N(MAP_, PRIVATE),
                                             N(MAP_, SHARED_VALIDATE), END};
static const struct name map_flag_names[] = {
    N(MAP_, FIXED),           N(MAP_, ANONYMOUS),     N(MAP_, GROWSDOWN),
    N(MAP_, DENYWRITE),       N(MAP_, EXECUTABLE),    N(MAP_, LOCKED),
    N(MAP_, NORESERVE),       N(MAP_, POPULATE),      N(MAP_, NONBLOCK),
    N(MAP_, STACK),           N(MAP_, HUGETLB),       N(MAP_, SYNC),
    N(MAP_, FIXED_NOREPLACE), N(MAP_, UNINITIALIZED), END};
static const struct name clone_flag_names[] = {N(CLONE_, NEWTIME),
                                               N(CLONE_, VM),
                                               N(CLONE_, FS),
                                               N(CLONE_, FILES),
                                               N(CLONE_, SIGHAND),
                                               N(CLONE_, PIDFD),
                                               N(CLONE_, PTRACE),
                                               N(CLONE_, VFORK),
                                               N(CLONE_, PARENT),
                                               N(CLONE_, THREAD),
                                               N(CLONE_, NEWNS),
                                               N(CLONE_, SYSVSEM),
                                               N(CLONE_, SETTLS),
                                               N(CLONE_, PARENT_SETTID),
                                               N(CLONE_, CHILD_CLEARTID),
                                               N(CLONE_, DETACHED),
                                               N(CLONE_, UNTRACED),
                                               N(CLONE_, CHILD_SETTID),
                                               N(CLONE_, NEWCGROUP),
                                               N(CLONE_, NEWUTS),
                                               N(CLONE_, NEWIPC),
                                               N(CLONE_, NEWUSER),
                                               N(CLONE_, NEWPID),
                                               N(CLONE_, NEWNET),
                                               N(CLONE_, IO),
                                               N(CLONE_, CLEAR_SIGHAND),
                                               N(CLONE_, INTO_CGROUP),
                                               END};
static const struct name futex_cmd_names[] = {
    N(FUTEX_, WAIT),           N(FUTEX_, WAKE),        N(FUTEX_, FD),
    N(FUTEX_, REQUEUE),        N(FUTEX_, CMP_REQUEUE), N(FUTEX_, WAKE_OP),
    N(FUTEX_, LOCK_PI),        N(FUTEX_, UNLOCK_PI),   N(FUTEX_, TRYLOCK_PI),
    N(FUTEX_, WAIT_BITSET),    N(FUTEX_, WAKE_BITSET), N(FUTEX_, WAIT_REQUEUE_PI),
    N(FUTEX_, CMP_REQUEUE_PI), N(FUTEX_, LOCK_PI2),    END};
static const struct name futex_flag_names[] = {N(FUTEX_, PRIVATE_FLAG), N(FUTEX_, CLOCK_REALTIME),
                                               END};
static const struct name wait_names[] = {N(W, NOHANG),    N(W, UNTRACED), N(W, EXITED),
                                         N(W, CONTINUED), N(W, NOWAIT),   N(__W, NOTHREAD),
                                         N(__W, ALL),     N(__W, CLONE),  END};
static const struct name access_names[] = {N(, R_OK), N(, W_OK), N(, X_OK), END};
static const struct name sock_type_names[] = {N(SOCK_, STREAM), N(SOCK_, DGRAM), N(SOCK_, RAW),
                                              N(SOCK_, SEQPACKET), END};
static const struct name sock_flag_names[] = {N(SOCK_, NONBLOCK), N(SOCK_, CLOEXEC), END};
static const struct name msg_names[] = {N(MSG_, OOB),
                                        N(MSG_, PEEK),
                                        N(MSG_, DONTROUTE),
                                        N(MSG_, CTRUNC),
                                        N(MSG_, TRUNC),
                                        N(MSG_, DONTWAIT),
                                        N(MSG_, EOR),
                                        N(MSG_, WAITALL),
                                        N(MSG_, NOSIGNAL),
                                        N(MSG_, CMSG_CLOEXEC),
                                        END};

static const struct flagset open_flags = {accmode_names, LINUX_O_ACCMODE, false, open_flag_names,
                                          NULL};
static const struct flagset fd_flags = {NULL, 0, false, open_flag_names, NULL};
static const struct flagset at_flags = {NULL, 0, false, at_flag_names, NULL};
static const struct flagset prot_flags = {NULL, 0, false, prot_names, "PROT_NONE"};
static const struct flagset mmap_flags = {map_type_names, LINUX_MAP_TYPE, false, map_flag_names,
                                          NULL};
static const struct flagset clone_flags = {NULL, LINUX_CSIGNAL, true, clone_flag_names, NULL};
static const struct flagset futex_op = {futex_cmd_names, 0x7f, false, futex_flag_names, NULL};
static const struct flagset wait_opts = {NULL, 0, false, wait_names, NULL};
static const struct flagset access_mode = {NULL, 0, false, access_names, "F_OK"};
static const struct flagset sock_type = {sock_type_names, LINUX_SOCK_TYPE_MASK, false,
                                         sock_flag_names, NULL};
static const struct flagset msg_flags = {NULL, 0, false, msg_names, NULL};

static const struct name madvise_names[] = {N(MADV_, NORMAL),         N(MADV_, RANDOM),
                                            N(MADV_, SEQUENTIAL),     N(MADV_, WILLNEED),
                                            N(MADV_, DONTNEED),       N(MADV_, FREE),
                                            N(MADV_, REMOVE),         N(MADV_, DONTFORK),
                                            N(MADV_, DOFORK),         N(MADV_, MERGEABLE),
                                            N(MADV_, UNMERGEABLE),    N(MADV_, HUGEPAGE),
                                            N(MADV_, NOHUGEPAGE),     N(MADV_, DONTDUMP),
                                            N(MADV_, DODUMP),         N(MADV_, WIPEONFORK),
                                            N(MADV_, KEEPONFORK),     N(MADV_, COLD),
                                            N(MADV_, PAGEOUT),        N(MADV_, POPULATE_READ),
                                            N(MADV_, POPULATE_WRITE), N(MADV_, DONTNEED_LOCKED),
                                            N(MADV_, COLLAPSE),       N(MADV_, HWPOISON),
                                            N(MADV_, SOFT_OFFLINE),   END};
static const struct name fcntl_names[] = {
    N(F_, DUPFD),      N(F_, GETFD),      N(F_, SETFD),         N(F_, GETFL),
    N(F_, SETFL),      N(F_, GETLK),      N(F_, SETLK),         N(F_, SETLKW),
    N(F_, SETOWN),     N(F_, GETOWN),     N(F_, SETSIG),        N(F_, GETSIG),
    N(F_, SETOWN_EX),  N(F_, GETOWN_EX),  N(F_, GETOWNER_UIDS), N(F_, OFD_GETLK),
    N(F_, OFD_SETLK),  N(F_, OFD_SETLKW), N(F_, SETLEASE),      N(F_, GETLEASE),
    N(F_, NOTIFY),     N(F_, CANCELLK),   N(F_, DUPFD_CLOEXEC), N(F_, SETPIPE_SZ),
    N(F_, GETPIPE_SZ), N(F_, ADD_SEALS),  N(F_, GET_SEALS),     END};
static const struct name ioctl_names[] = {N(, TCGETS),     N(, TCSETS),      N(, TCSETSW),
                                          N(, TCSETSF),    N(, TCSBRK),      N(, TCXONC),
                                          N(, TCFLSH),     N(, TIOCEXCL),    N(, TIOCNXCL),
                                          N(, TIOCSCTTY),  N(, TIOCGPGRP),   N(, TIOCSPGRP),
                                          N(, TIOCOUTQ),   N(, TIOCSTI),     N(, TIOCGWINSZ),
                                          N(, TIOCSWINSZ), N(, TIOCMGET),    N(, TIOCMSET),
                                          N(, FIONREAD),   N(, TIOCPKT),     N(, FIONBIO),
                                          N(, TIOCNOTTY),  N(, TIOCSETD),    N(, TIOCGETD),
                                          N(, TCSBRKP),    N(, TIOCGSID),    N(, TCGETS2),
                                          N(, TCSETS2),    N(, TCSETSW2),    N(, TCSETSF2),
                                          N(, TIOCGPTN),   N(, TIOCSPTLCK),  N(, TIOCGDEV),
                                          N(, TIOCSIG),    N(, TIOCVHANGUP), N(, TIOCGPKT),
                                          N(, TIOCGPTLCK), N(, TIOCGPTPEER), N(, FIONCLEX),
                                          N(, FIOCLEX),    N(, FIOASYNC),    END};
static const struct name prctl_names[] = {N(PR_, SET_PDEATHSIG),
                                          N(PR_, GET_PDEATHSIG),
                                          N(PR_, GET_DUMPABLE),
                                          N(PR_, SET_DUMPABLE),
                                          N(PR_, GET_KEEPCAPS),
                                          N(PR_, SET_KEEPCAPS),
                                          N(PR_, SET_NAME),
                                          N(PR_, GET_NAME),
                                          N(PR_, GET_SECCOMP),
                                          N(PR_, SET_SECCOMP),
                                          N(PR_, CAPBSET_READ),
                                          N(PR_, CAPBSET_DROP),
                                          N(PR_, GET_SECUREBITS),
                                          N(PR_, SET_SECUREBITS),
                                          N(PR_, SET_TIMERSLACK),
                                          N(PR_, GET_TIMERSLACK),
                                          N(PR_, SET_MM),
                                          N(PR_, SET_CHILD_SUBREAPER),
                                          N(PR_, GET_CHILD_SUBREAPER),
                                          N(PR_, SET_NO_NEW_PRIVS),
                                          N(PR_, GET_NO_NEW_PRIVS),
                                          N(PR_, GET_TID_ADDRESS),
                                          N(PR_, SET_THP_DISABLE),
                                          N(PR_, GET_THP_DISABLE),
                                          N(PR_, CAP_AMBIENT),
                                          N(PR_, SVE_SET_VL),
                                          N(PR_, SVE_GET_VL),
                                          N(PR_, GET_SPECULATION_CTRL),
                                          N(PR_, SET_SPECULATION_CTRL),
                                          N(PR_, PAC_RESET_KEYS),
                                          N(PR_, SET_TAGGED_ADDR_CTRL),
                                          N(PR_, GET_TAGGED_ADDR_CTRL),
                                          N(PR_, SET_VMA),
                                          N(PR_, SET_PTRACER),
                                          END};
static const struct name clock_names[] = {
    N(CLOCK_, REALTIME),          N(CLOCK_, MONOTONIC),     N(CLOCK_, PROCESS_CPUTIME_ID),
    N(CLOCK_, THREAD_CPUTIME_ID), N(CLOCK_, MONOTONIC_RAW), N(CLOCK_, REALTIME_COARSE),
    N(CLOCK_, MONOTONIC_COARSE),  N(CLOCK_, BOOTTIME),      N(CLOCK_, REALTIME_ALARM),
    N(CLOCK_, BOOTTIME_ALARM),    N(CLOCK_, TAI),           END};
static const struct name sighow_names[] = {N(SIG_, BLOCK), N(SIG_, UNBLOCK), N(SIG_, SETMASK), END};
static const struct name seek_names[] = {N(SEEK_, SET),  N(SEEK_, CUR),  N(SEEK_, END),
                                         N(SEEK_, DATA), N(SEEK_, HOLE), END};
static const struct name family_names[] = {
    N(AF_, UNSPEC),  N(AF_, UNIX),   N(AF_, INET), N(AF_, INET6),
    N(AF_, NETLINK), N(AF_, PACKET), END};
static const struct name rlimit_names[] = {N(RLIMIT_, CPU),
                                           N(RLIMIT_, FSIZE),
                                           N(RLIMIT_, DATA),
                                           N(RLIMIT_, STACK),
                                           N(RLIMIT_, CORE),
                                           N(RLIMIT_, RSS),
                                           N(RLIMIT_, NPROC),
                                           N(RLIMIT_, NOFILE),
                                           N(RLIMIT_, MEMLOCK),
                                           N(RLIMIT_, AS),
                                           N(RLIMIT_, LOCKS),
                                           N(RLIMIT_, SIGPENDING),
                                           N(RLIMIT_, MSGQUEUE),
                                           N(RLIMIT_, NICE),
                                           N(RLIMIT_, RTPRIO),
                                           N(RLIMIT_, RTTIME),
                                           END};
static const struct name epoll_op_names[] = {N(EPOLL_, CTL_ADD), N(EPOLL_, CTL_DEL),
                                             N(EPOLL_, CTL_MOD), END};

static const struct name signal_names[] = {
    N(SIG, HUP),    N(SIG, INT),  N(SIG, QUIT),  N(SIG, ILL),  N(SIG, TRAP),
    N(SIG, ABRT),   N(SIG, BUS),  N(SIG, FPE),   N(SIG, KILL), N(SIG, USR1),
    N(SIG, SEGV),   N(SIG, USR2), N(SIG, PIPE),  N(SIG, ALRM), N(SIG, TERM),
    N(SIG, STKFLT), N(SIG, CHLD), N(SIG, CONT),  N(SIG, STOP), N(SIG, TSTP),
    N(SIG, TTIN),   N(SIG, TTOU), N(SIG, URG),   N(SIG, XCPU), N(SIG, XFSZ),
    N(SIG, VTALRM), N(SIG, PROF), N(SIG, WINCH), N(SIG, IO),   N(SIG, PWR),
    N(SIG, SYS),    END};

static void put_sig(struct tbuf *b, uint64_t v)
{
    int sig = (int)(int32_t)v;
    const char *name = lookup(signal_names, (uint64_t)sig);
    if (name)
        tb_str(b, name);
    else if (sig == LINUX_SIGRTMIN)
        tb_str(b, "SIGRTMIN");
    else if (sig > LINUX_SIGRTMIN && sig <= LINUX_SIGRTMAX)
        tb_printf(b, "SIGRTMIN+%d", sig - LINUX_SIGRTMIN);
    else
        tb_printf(b, "%d", sig);
}

/* ---- user memory ---- */

#define PAGE_SIZE_4K 4096u

/*
 * Copies up to max bytes of a NUL-terminated user string into dst without reading past the
 * page that holds its end. Returns the bytes copied (the NUL excluded) and sets *terminated;
 * -1 if not even the first byte was readable.
 */
static long copy_user_string(const struct abi_dispatch_env *env, char *dst, uint64_t src,
                             size_t max, bool *terminated)
{
    size_t got = 0;
    *terminated = false;
    while (got < max) {
        size_t chunk = PAGE_SIZE_4K - ((src + got) & (PAGE_SIZE_4K - 1));
        chunk = MIN(chunk, max - got);
        if (env->copy_from_user(env->ctx, dst + got, src + got, chunk) != 0)
            return got ? (long)got : -1;
        char *nul = memchr(dst + got, '\0', chunk);
        if (nul) {
            *terminated = true;
            return nul - dst;
        }
        got += chunk;
    }
    return (long)got;
}

/* Appends s[0..n) as a C string literal body: \n \t \" \\ and octal for the unprintable. */
static void put_escaped(struct tbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n':
            tb_str(b, "\\n");
            break;
        case '\t':
            tb_str(b, "\\t");
            break;
        case '\r':
            tb_str(b, "\\r");
            break;
        case '\v':
            tb_str(b, "\\v");
            break;
        case '\f':
            tb_str(b, "\\f");
            break;
        case '"':
            tb_str(b, "\\\"");
            break;
        case '\\':
            tb_str(b, "\\\\");
            break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                char ch = (char)c;
                tb_put(b, &ch, 1);
            } else {
                /* strace's style: shortest octal unless a digit follows */
                bool digit_next = i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7';
                tb_printf(b, digit_next ? "\\%03o" : "\\%o", c);
            }
        }
    }
}

static void put_ptr(struct tbuf *b, uint64_t v)
{
    if (v)
        tb_printf(b, "%#llx", (unsigned long long)v);
    else
        tb_str(b, "NULL");
}

static void put_string(struct tbuf *b, const struct abi_dispatch_env *env, uint64_t addr)
{
    char s[ABI_TRACE_STRLEN + 1];
    bool terminated;
    if (!addr || !env->copy_from_user) {
        put_ptr(b, addr);
        return;
    }
    long n = copy_user_string(env, s, addr, sizeof(s), &terminated);
    if (n < 0) {
        put_ptr(b, addr);
        return;
    }
    size_t shown = MIN((size_t)n, (size_t)ABI_TRACE_STRLEN);
    tb_str(b, "\"");
    put_escaped(b, s, shown);
    tb_str(b, "\"");
    if (!terminated || (size_t)n > shown)
        tb_str(b, "...");
}

static void put_buffer(struct tbuf *b, const struct abi_dispatch_env *env, uint64_t addr,
                       uint64_t len)
{
    char s[ABI_TRACE_STRLEN];
    size_t shown = (size_t)MIN(len, (uint64_t)ABI_TRACE_STRLEN);
    if (!addr || !env->copy_from_user || env->copy_from_user(env->ctx, s, addr, shown) != 0) {
        put_ptr(b, addr);
        return;
    }
    tb_str(b, "\"");
    put_escaped(b, s, shown);
    tb_str(b, "\"");
    if (len > shown)
        tb_str(b, "...");
}

static void put_string_vector(struct tbuf *b, const struct abi_dispatch_env *env, uint64_t addr)
{
    uint64_t elem;
    if (!addr || !env->copy_from_user || env->copy_from_user(env->ctx, &elem, addr, 8) != 0) {
        put_ptr(b, addr);
        return;
    }
    tb_str(b, "[");
    for (unsigned i = 0;; i++) {
        if (i > 0 && env->copy_from_user(env->ctx, &elem, addr + 8ull * i, 8) != 0) {
            tb_str(b, ", ?");
            break;
        }
        if (!elem)
            break;
        if (i == ABI_TRACE_STRV_MAX) {
            tb_str(b, ", ...");
            break;
        }
        tb_str(b, i ? ", " : "");
        put_string(b, env, elem);
    }
    tb_str(b, "]");
}

/* ---- arguments ---- */

static void put_arg(struct tbuf *b, const struct abi_dispatch_env *env, int kind,
                    const uint64_t *args, int i, int nargs)
{
    uint64_t v = args[i];
    switch (kind) {
    case ABI_ARG_INT:
        tb_printf(b, "%d", (int)(int32_t)v);
        break;
    case ABI_ARG_PID:
        tb_printf(b, "%d", (int)(int32_t)v);
        break;
    case ABI_ARG_UINT:
        tb_printf(b, "%u", (unsigned)(uint32_t)v);
        break;
    case ABI_ARG_LONG:
        tb_printf(b, "%lld", (long long)v);
        break;
    case ABI_ARG_ULONG:
        tb_printf(b, "%llu", (unsigned long long)v);
        break;
    case ABI_ARG_SIZE:
        tb_printf(b, "%llu", (unsigned long long)v);
        break;
    case ABI_ARG_HEX:
        tb_printf(b, "%#llx", (unsigned long long)v);
        break;
    case ABI_ARG_PTR:
        put_ptr(b, v);
        break;
    case ABI_ARG_STRUCT:
        put_ptr(b, v);
        break;
    case ABI_ARG_STR:
        put_string(b, env, v);
        break;
    case ABI_ARG_STRV:
        put_string_vector(b, env, v);
        break;
    case ABI_ARG_BUF:
        put_buffer(b, env, v, i + 1 < nargs ? args[i + 1] : 0);
        break;
    case ABI_ARG_FD:
        if ((int32_t)v == LINUX_AT_FDCWD)
            tb_str(b, "AT_FDCWD");
        else
            tb_printf(b, "%d", (int)(int32_t)v);
        break;
    case ABI_ARG_MODE:
        tb_printf(b, "%#03o", (unsigned)(uint32_t)v);
        break;
    case ABI_ARG_UID:
        if ((uint32_t)v == UINT32_MAX)
            tb_str(b, "-1");
        else
            tb_printf(b, "%u", (unsigned)(uint32_t)v);
        break;
    case ABI_ARG_SIG:
        put_sig(b, v);
        break;
    case ABI_ARG_OPEN_FLAGS:
        put_flags(b, &open_flags, (uint32_t)v);
        break;
    case ABI_ARG_FD_FLAGS:
        put_flags(b, &fd_flags, (uint32_t)v);
        break;
    case ABI_ARG_AT_FLAGS:
        put_flags(b, &at_flags, (uint32_t)v);
        break;
    case ABI_ARG_PROT:
        put_flags(b, &prot_flags, v);
        break;
    case ABI_ARG_MMAP_FLAGS:
        put_flags(b, &mmap_flags, v);
        break;
    case ABI_ARG_CLONE_FLAGS:
        put_flags(b, &clone_flags, v);
        break;
    case ABI_ARG_FUTEX_OP:
        put_flags(b, &futex_op, (uint32_t)v);
        break;
    case ABI_ARG_WAIT_OPTS:
        put_flags(b, &wait_opts, (uint32_t)v);
        break;
    case ABI_ARG_ACCESS:
        put_flags(b, &access_mode, (uint32_t)v);
        break;
    case ABI_ARG_SOCK_TYPE:
        put_flags(b, &sock_type, (uint32_t)v);
        break;
    case ABI_ARG_MSG_FLAGS:
        put_flags(b, &msg_flags, (uint32_t)v);
        break;
    case ABI_ARG_MADVISE:
        put_value(b, &(struct valueset){madvise_names, false}, v, true);
        break;
    case ABI_ARG_FCNTL_CMD:
        put_value(b, &(struct valueset){fcntl_names, false}, v, true);
        break;
    case ABI_ARG_IOCTL_CMD:
        put_value(b, &(struct valueset){ioctl_names, true}, (uint32_t)v, false);
        break;
    case ABI_ARG_PRCTL_OPT:
        put_value(b, &(struct valueset){prctl_names, false}, v, true);
        break;
    case ABI_ARG_CLOCK:
        put_value(b, &(struct valueset){clock_names, false}, v, true);
        break;
    case ABI_ARG_SIGHOW:
        put_value(b, &(struct valueset){sighow_names, false}, v, true);
        break;
    case ABI_ARG_SEEK:
        put_value(b, &(struct valueset){seek_names, false}, v, true);
        break;
    case ABI_ARG_SOCK_FAMILY:
        put_value(b, &(struct valueset){family_names, false}, v, true);
        break;
    case ABI_ARG_RLIMIT:
        put_value(b, &(struct valueset){rlimit_names, false}, v, true);
        break;
    case ABI_ARG_EPOLL_OP:
        put_value(b, &(struct valueset){epoll_op_names, false}, v, true);
        break;
    default:
        tb_printf(b, "%#llx", (unsigned long long)v);
        break;
    }
}

size_t abi_format_call(char *buf, size_t size, uint64_t nr, const uint64_t args[6],
                       const struct abi_dispatch_env *env)
{
    static const struct abi_dispatch_env no_env;
    struct tbuf b = {buf, size, 0, false};
    if (!size)
        return 0;
    buf[0] = '\0';
    if (!env)
        env = &no_env;
    const struct abi_syscall_info *info = abi_syscall_info(nr);
    if (!info) {
        /* unknown: like strace, a made-up name and all six registers */
        tb_printf(&b, "syscall_%lld(", (long long)nr);
        for (int i = 0; i < 6; i++)
            tb_printf(&b, i ? ", %#llx" : "%#llx", (unsigned long long)args[i]);
        tb_str(&b, ")");
        return tb_finish(&b);
    }
    tb_str(&b, info->name);
    tb_str(&b, "(");
    for (int i = 0; i < info->nargs; i++) {
        tb_str(&b, i ? ", " : "");
        put_arg(&b, env, info->args[i].kind, args, i, info->nargs);
    }
    tb_str(&b, ")");
    return tb_finish(&b);
}

size_t abi_format_result(char *buf, size_t size, int ret_kind, long result)
{
    struct tbuf b = {buf, size, 0, false};
    if (!size)
        return 0;
    buf[0] = '\0';
    if (result < 0 && result >= -4095) {
        int err = (int)-result;
        const char *name = errno_name(err);
        if (name) {
            tb_str(&b, " = -1 ");
            tb_str(&b, name);
            tb_str(&b, " (");
            tb_str(&b, errno_desc(err));
            tb_str(&b, ")");
        } else
            tb_printf(&b, " = -1 (errno %d)", err);
        return tb_finish(&b);
    }
    switch (ret_kind) {
    case ABI_RET_NONE:
        tb_str(&b, " = ?");
        break;
    case ABI_RET_HEX:
        tb_printf(&b, " = %#lx", (unsigned long)result);
        break;
    case ABI_RET_OCT:
        tb_printf(&b, " = %#03lo", (unsigned long)result);
        break;
    default:
        tb_printf(&b, " = %ld", result);
        break;
    }
    return tb_finish(&b);
}
