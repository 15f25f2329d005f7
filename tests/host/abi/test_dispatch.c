/*
 * abi_dispatch and the trace: -ENOSYS and its once-per-number log line, handler calls, and
 * the strace-style formatting of arguments (strings through a fake copy_from_user over a
 * fake user memory, flags, signals) and results.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>

/* ---- fake user memory: two pages at USER_BASE, nothing else readable ---- */
#define USER_BASE 0x10000ull
#define USER_SIZE 0x2000ull
static char user_mem[USER_SIZE];
static int copy_calls;

static int fake_copy_from_user(void *ctx, void *dst, uint64_t src, size_t len)
{
    (void)ctx;
    copy_calls++;
    if (src < USER_BASE || src > USER_BASE + USER_SIZE || len > USER_BASE + USER_SIZE - src)
        return -EFAULT;
    memcpy(dst, user_mem + (src - USER_BASE), len);
    return 0;
}

/* Puts bytes at a user offset and returns their user address. */
static uint64_t user_put(uint64_t off, const void *data, size_t len)
{
    memcpy(user_mem + off, data, len);
    return USER_BASE + off;
}

static uint64_t user_str(uint64_t off, const char *s)
{
    return user_put(off, s, strlen(s) + 1);
}

/* ---- captured log ---- */
static char log_buf[8192];
static size_t log_len;
static int log_lines;

static void fake_log(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    assert_true(len > 0 && line[len - 1] == '\n'); /* whole lines only */
    assert_true(log_len + len < sizeof(log_buf));
    memcpy(log_buf + log_len, line, len);
    log_len += len;
    log_buf[log_len] = '\0';
    log_lines++;
}

static int fake_tid(void *ctx)
{
    (void)ctx;
    return 7;
}

/* ---- the handler table the dispatcher uses in this test ---- */
static uint64_t last_args[6];
static int handler_calls;
static long next_ret;

static long fake_handler(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                         uint64_t a5)
{
    const uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
    memcpy(last_args, a, sizeof(a));
    handler_calls++;
    return next_ret;
}

/* A handler written the way the libOS writes them. */
SYSCALL_DEFINE3(lseek, int, fd, int64_t, offset, int, whence)
{
    return fd == 3 && whence == LINUX_SEEK_SET ? offset : -EINVAL;
}

const struct abi_syscall_impl abi_syscall_impls[LINUX_NR_SYSCALLS] = {
    [LINUX_NR_openat] = {fake_handler, ABI_IMPLEMENTED, NULL},
    [LINUX_NR_write] = {fake_handler, ABI_IMPLEMENTED, NULL},
    [LINUX_NR_mmap] = {fake_handler, ABI_PARTIAL, "no MAP_SHARED"},
    [LINUX_NR_exit_group] = {fake_handler, ABI_IMPLEMENTED, NULL},
    [LINUX_NR_getpid] = {fake_handler, ABI_IMPLEMENTED, NULL},
    [LINUX_NR_umask] = {fake_handler, ABI_IMPLEMENTED, NULL},
    [LINUX_NR_lseek] = {sys_lseek, ABI_IMPLEMENTED, NULL},
};

static const struct abi_dispatch_env env = {fake_copy_from_user, fake_tid, fake_log, NULL};

static int setup(void **state)
{
    (void)state;
    abi_dispatch_setup(&env);
    abi_trace_enable(false);
    memset(user_mem, 0, sizeof(user_mem));
    log_len = 0;
    log_buf[0] = '\0';
    log_lines = 0;
    handler_calls = 0;
    copy_calls = 0;
    next_ret = 0;
    return 0;
}

static long call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                 uint64_t a5)
{
    struct abi_regs regs = {{a0, a1, a2, a3, a4, a5, 0x66, 0x77}, nr};
    return abi_dispatch(&regs);
}

/* Formats a call on its own, as the trace would. */
static const char *fmt_call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                            uint64_t a4, uint64_t a5)
{
    static char buf[ABI_TRACE_LINE_MAX];
    const uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
    abi_format_call(buf, sizeof(buf), nr, args, &env);
    return buf;
}

/* ---- dispatch ---- */

static void test_handler_gets_x0_to_x5(void **state)
{
    (void)state;
    next_ret = 42;
    assert_int_equal(call(LINUX_NR_openat, 1, 2, 3, 4, 5, 6), 42);
    assert_int_equal(handler_calls, 1);
    for (int i = 0; i < 6; i++)
        assert_int_equal(last_args[i], (uint64_t)i + 1);
    assert_int_equal(log_lines, 0); /* trace off: silent */
}

static void test_syscall_define_casts_arguments(void **state)
{
    (void)state;
    /* fd is an int: the upper half of x0 is ignored, as on Linux */
    assert_int_equal(call(LINUX_NR_lseek, 0xffffffff00000003ull, 1234, LINUX_SEEK_SET, 0, 0, 0),
                     1234);
    assert_int_equal(call(LINUX_NR_lseek, 4, 1234, LINUX_SEEK_SET, 0, 0, 0), -EINVAL);
}

static void test_enosys_logged_once_per_syscall(void **state)
{
    (void)state;
    assert_int_equal(call(LINUX_NR_kexec_load, 0, 0, 0, 0, 0, 0), -ENOSYS);
    assert_int_equal(call(LINUX_NR_kexec_load, 0, 0, 0, 0, 0, 0), -ENOSYS);
    assert_string_equal(log_buf, "syscall kexec_load (104) not implemented\n");
    assert_int_equal(call(LINUX_NR_reboot, 0, 0, 0, 0, 0, 0), -ENOSYS);
    assert_int_equal(log_lines, 2);
    assert_string_equal(log_buf + strlen("syscall kexec_load (104) not implemented\n"),
                        "syscall reboot (142) not implemented\n");
    assert_int_equal(handler_calls, 0);
    /* setup forgets what was reported */
    abi_dispatch_setup(&env);
    assert_int_equal(call(LINUX_NR_kexec_load, 0, 0, 0, 0, 0, 0), -ENOSYS);
    assert_int_equal(log_lines, 3);
}

static void test_enosys_unassigned_and_out_of_range(void **state)
{
    (void)state;
    assert_int_equal(call(300, 0, 0, 0, 0, 0, 0), -ENOSYS); /* unassigned on arm64 */
    assert_string_equal(log_buf, "syscall ? (300) not implemented\n");
    log_len = 0;
    assert_int_equal(call(LINUX_NR_SYSCALLS, 0, 0, 0, 0, 0, 0), -ENOSYS);
    assert_string_equal(log_buf, "syscall ? (463) not implemented\n");
    log_len = 0;
    assert_int_equal(call((uint64_t)-1, 0, 0, 0, 0, 0, 0), -ENOSYS);
    assert_int_equal(call((uint64_t)-1, 0, 0, 0, 0, 0, 0), -ENOSYS);
    assert_string_equal(log_buf, "syscall ? (-1) not implemented\n");
    log_len = 0;
    assert_int_equal(call(1ull << 40, 0, 0, 0, 0, 0, 0), -ENOSYS);
    assert_string_equal(log_buf, "syscall ? (1099511627776) not implemented\n");
    assert_int_equal(log_lines, 4);
    assert_int_equal(handler_calls, 0);
}

static void test_unknown_numbers_reporting_is_bounded(void **state)
{
    (void)state;
    for (uint64_t i = 0; i < 100; i++)
        assert_int_equal(call(100000 + i, 0, 0, 0, 0, 0, 0), -ENOSYS);
    for (uint64_t i = 0; i < 100; i++)
        assert_int_equal(call(100000 + i, 0, 0, 0, 0, 0, 0), -ENOSYS);
    assert_true(log_lines >= 1 && log_lines <= 16);
}

static void test_no_env_is_safe(void **state)
{
    (void)state;
    abi_dispatch_setup(NULL); /* logs go to klog, strings print as addresses */
    abi_trace_enable(true);
    next_ret = 3;
    assert_int_equal(call(LINUX_NR_openat, (uint64_t)LINUX_AT_FDCWD, user_str(0, "/x"), 0, 0, 0, 0),
                     3);
    assert_int_equal(copy_calls, 0);
    assert_int_equal(log_lines, 0);
}

/* ---- trace lines ---- */

static void test_trace_open_success_and_error(void **state)
{
    (void)state;
    abi_trace_enable(true);
    assert_true(abi_trace_enabled());
    uint64_t path = user_str(0x100, "/etc/passwd");
    next_ret = 3;
    call(LINUX_NR_openat, (uint64_t)LINUX_AT_FDCWD, path, LINUX_O_RDONLY | LINUX_O_CLOEXEC, 0, 0,
         0);
    assert_string_equal(log_buf,
                        "[7] openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC, 000) = 3\n");
    log_len = 0;
    next_ret = -ENOENT;
    call(LINUX_NR_openat, 5, path, LINUX_O_WRONLY | LINUX_O_CREAT | LINUX_O_TRUNC, 0644, 0, 0);
    assert_string_equal(log_buf, "[7] openat(5, \"/etc/passwd\", O_WRONLY|O_CREAT|O_TRUNC, 0644)"
                                 " = -1 ENOENT (No such file or directory)\n");
}

static void test_trace_enosys_line(void **state)
{
    (void)state;
    abi_trace_enable(true);
    call(LINUX_NR_getppid, 0, 0, 0, 0, 0, 0);
    assert_string_equal(log_buf, "syscall getppid (173) not implemented\n"
                                 "[7] getppid() = -1 ENOSYS (Function not implemented)\n");
    assert_int_equal(log_lines, 2);
}

static void test_trace_mmap_hex_result(void **state)
{
    (void)state;
    abi_trace_enable(true);
    next_ret = 0x7f0000001000;
    call(LINUX_NR_mmap, 0, 4096, LINUX_PROT_READ | LINUX_PROT_WRITE,
         LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS, (uint64_t)-1, 0);
    assert_string_equal(log_buf, "[7] mmap(NULL, 4096, PROT_READ|PROT_WRITE, "
                                 "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000\n");
    log_len = 0;
    next_ret = -ENOMEM;
    call(LINUX_NR_mmap, 0x5000, 8192, LINUX_PROT_NONE, LINUX_MAP_SHARED | LINUX_MAP_FIXED, 3,
         0x2000);
    assert_string_equal(log_buf, "[7] mmap(0x5000, 8192, PROT_NONE, MAP_SHARED|MAP_FIXED, 3, "
                                 "0x2000) = -1 ENOMEM (Cannot allocate memory)\n");
}

static void test_trace_write_buffer(void **state)
{
    (void)state;
    abi_trace_enable(true);
    next_ret = 6;
    call(LINUX_NR_write, 1, user_put(0, "hello\nworld", 11), 6, 0, 0, 0);
    assert_string_equal(log_buf, "[7] write(1, \"hello\\n\", 6) = 6\n");
    log_len = 0;
    char big[100];
    memset(big, 'x', sizeof(big));
    next_ret = 100;
    call(LINUX_NR_write, 2, user_put(0, big, sizeof(big)), sizeof(big), 0, 0, 0);
    assert_string_equal(log_buf,
                        "[7] write(2, \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"..., 100) = 100\n");
}

static void test_trace_exit_group_prints_before_the_call(void **state)
{
    (void)state;
    abi_trace_enable(true);
    call(LINUX_NR_exit_group, 0, 0, 0, 0, 0, 0);
    /* a real exit_group never returns: its line must already be out */
    assert_string_equal(log_buf, "[7] exit_group(0) = ?\n[7] exit_group(0) = 0\n");
}

static void test_trace_umask_octal(void **state)
{
    (void)state;
    abi_trace_enable(true);
    next_ret = 022;
    call(LINUX_NR_umask, 077, 0, 0, 0, 0, 0);
    assert_string_equal(log_buf, "[7] umask(077) = 022\n");
}

/* ---- argument decoding ---- */

static void test_string_escapes(void **state)
{
    (void)state;
    uint64_t s = user_str(0, "a\"b\\c\n\t\x01"
                             "9\x01"
                             "7\x7f\xff");
    /* octal escapes are short unless an octal digit follows */
    assert_string_equal(fmt_call(LINUX_NR_chdir, s, 0, 0, 0, 0, 0),
                        "chdir(\"a\\\"b\\\\c\\n\\t\\19\\0017\\177\\377\")");
}

static void test_string_truncation(void **state)
{
    (void)state;
    char s[41];
    memset(s, 'p', 40);
    s[40] = '\0';
    uint64_t a = user_str(0, s);
    assert_string_equal(fmt_call(LINUX_NR_chdir, a, 0, 0, 0, 0, 0),
                        "chdir(\"pppppppppppppppppppppppppppppppp\"...)");
    s[ABI_TRACE_STRLEN] = '\0'; /* exactly 32: no "..." */
    a = user_str(0, s);
    assert_string_equal(fmt_call(LINUX_NR_chdir, a, 0, 0, 0, 0, 0),
                        "chdir(\"pppppppppppppppppppppppppppppppp\")");
    assert_string_equal(fmt_call(LINUX_NR_chdir, user_str(0, ""), 0, 0, 0, 0, 0), "chdir(\"\")");
}

static void test_string_bad_addresses(void **state)
{
    (void)state;
    assert_string_equal(fmt_call(LINUX_NR_chdir, 0, 0, 0, 0, 0, 0), "chdir(NULL)");
    assert_string_equal(fmt_call(LINUX_NR_chdir, 0xdead0000, 0, 0, 0, 0, 0), "chdir(0xdead0000)");
    /* unterminated up to the end of readable memory: what could be read, then "..." */
    memset(user_mem + USER_SIZE - 5, 'z', 5);
    assert_string_equal(fmt_call(LINUX_NR_chdir, USER_BASE + USER_SIZE - 5, 0, 0, 0, 0, 0),
                        "chdir(\"zzzzz\"...)");
    /* a string ending just before a page boundary is read without touching the next page */
    memset(user_mem + 0x1000 - 4, 'q', 3);
    user_mem[0x1000 - 1] = '\0';
    assert_string_equal(fmt_call(LINUX_NR_chdir, USER_BASE + 0x1000 - 4, 0, 0, 0, 0, 0),
                        "chdir(\"qqq\")");
}

static void test_argv(void **state)
{
    (void)state;
    uint64_t sh = user_str(0x400, "/bin/sh");
    uint64_t v[4] = {user_str(0x500, "sh"), user_str(0x510, "-c"), user_str(0x520, "echo hi"), 0};
    uint64_t argv = user_put(0x600, v, sizeof(v));
    assert_string_equal(fmt_call(LINUX_NR_execve, sh, argv, 0, 0, 0, 0),
                        "execve(\"/bin/sh\", [\"sh\", \"-c\", \"echo hi\"], NULL)");
    uint64_t empty = user_put(0x700, &v[3], 8);
    assert_string_equal(fmt_call(LINUX_NR_execve, sh, empty, 0xbad00000, 0, 0, 0),
                        "execve(\"/bin/sh\", [], 0xbad00000)");
    uint64_t many[ABI_TRACE_STRV_MAX + 2];
    for (int i = 0; i < ABI_TRACE_STRV_MAX + 1; i++)
        many[i] = v[0];
    many[ABI_TRACE_STRV_MAX + 1] = 0;
    uint64_t m = user_put(0x800, many, sizeof(many));
    const char *out = fmt_call(LINUX_NR_execve, sh, m, 0, 0, 0, 0);
    assert_non_null(strstr(out, "\"sh\", \"sh\", ...], NULL)"));
}

static void test_flags_and_values(void **state)
{
    (void)state;
    assert_string_equal(
        fmt_call(LINUX_NR_clone,
                 LINUX_CLONE_VM | LINUX_CLONE_FS | LINUX_CLONE_FILES | LINUX_CLONE_SIGHAND |
                     LINUX_CLONE_THREAD | LINUX_CLONE_SETTLS | LINUX_SIGCHLD,
                 0x7000, 0, 0, 0, 0),
        "clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SETTLS|SIGCHLD, "
        "0x7000, NULL, NULL, NULL)");
    assert_string_equal(fmt_call(LINUX_NR_clone, LINUX_SIGCHLD, 0, 0, 0, 0, 0),
                        "clone(SIGCHLD, NULL, NULL, NULL, NULL)");
    assert_string_equal(fmt_call(LINUX_NR_futex, 0x4000, LINUX_FUTEX_WAIT_PRIVATE, 1, 0, 0, 0),
                        "futex(0x4000, FUTEX_WAIT|FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0)");
    assert_string_equal(fmt_call(LINUX_NR_kill, 12, LINUX_SIGTERM, 0, 0, 0, 0),
                        "kill(12, SIGTERM)");
    assert_string_equal(fmt_call(LINUX_NR_tgkill, 1, 2, LINUX_SIGRTMIN + 2, 0, 0, 0),
                        "tgkill(1, 2, SIGRTMIN+2)");
    assert_string_equal(fmt_call(LINUX_NR_kill, (uint64_t)-1, 0, 0, 0, 0, 0), "kill(-1, 0)");
    assert_string_equal(fmt_call(LINUX_NR_ioctl, 0, LINUX_TCGETS, 0x1000, 0, 0, 0),
                        "ioctl(0, TCGETS, 0x1000)");
    assert_string_equal(fmt_call(LINUX_NR_ioctl, 0, LINUX_TIOCGPTN, 0x1000, 0, 0, 0),
                        "ioctl(0, TIOCGPTN, 0x1000)");
    assert_string_equal(fmt_call(LINUX_NR_ioctl, 0, 0x12345678, 0, 0, 0, 0),
                        "ioctl(0, 0x12345678, 0)");
    assert_string_equal(fmt_call(LINUX_NR_fcntl, 3, LINUX_F_DUPFD_CLOEXEC, 10, 0, 0, 0),
                        "fcntl(3, F_DUPFD_CLOEXEC, 0xa)");
    assert_string_equal(fmt_call(LINUX_NR_pipe2, 0x100, 0, 0, 0, 0, 0), "pipe2(0x100, 0)");
    assert_string_equal(
        fmt_call(LINUX_NR_pipe2, 0x100, LINUX_O_CLOEXEC | LINUX_O_NONBLOCK, 0, 0, 0, 0),
        "pipe2(0x100, O_NONBLOCK|O_CLOEXEC)");
    /* unknown bits are kept, in hex */
    assert_string_equal(fmt_call(LINUX_NR_unlinkat, 3, 0, LINUX_AT_REMOVEDIR | 0x40000, 0, 0, 0),
                        "unlinkat(3, NULL, AT_REMOVEDIR|0x40000)");
    assert_string_equal(fmt_call(LINUX_NR_faccessat, 3, 0, LINUX_R_OK | LINUX_X_OK, 0, 0, 0),
                        "faccessat(3, NULL, R_OK|X_OK)");
    assert_string_equal(fmt_call(LINUX_NR_faccessat, 3, 0, 0, 0, 0, 0), "faccessat(3, NULL, F_OK)");
    assert_string_equal(fmt_call(LINUX_NR_socket, LINUX_AF_UNIX,
                                 LINUX_SOCK_STREAM | LINUX_SOCK_CLOEXEC, 0, 0, 0, 0),
                        "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)");
    assert_string_equal(fmt_call(LINUX_NR_accept4, 3, 0, 0, LINUX_SOCK_CLOEXEC, 0, 0),
                        "accept4(3, NULL, NULL, SOCK_CLOEXEC)");
    assert_string_equal(fmt_call(LINUX_NR_rt_sigprocmask, LINUX_SIG_SETMASK, 0x10, 0, 8, 0, 0),
                        "rt_sigprocmask(SIG_SETMASK, 0x10, NULL, 8)");
    assert_string_equal(fmt_call(LINUX_NR_clock_gettime, LINUX_CLOCK_MONOTONIC, 0x20, 0, 0, 0, 0),
                        "clock_gettime(CLOCK_MONOTONIC, 0x20)");
    assert_string_equal(fmt_call(LINUX_NR_clock_gettime, (uint64_t)-6, 0x20, 0, 0, 0, 0),
                        "clock_gettime(-6, 0x20)");
    assert_string_equal(
        fmt_call(LINUX_NR_wait4, (uint64_t)-1, 0, LINUX_WNOHANG | LINUX___WALL, 0, 0, 0),
        "wait4(-1, NULL, WNOHANG|__WALL, NULL)");
    assert_string_equal(fmt_call(LINUX_NR_madvise, 0x1000, 4096, LINUX_MADV_DONTNEED, 0, 0, 0),
                        "madvise(0x1000, 4096, MADV_DONTNEED)");
    assert_string_equal(fmt_call(LINUX_NR_prctl, LINUX_PR_SET_NAME, 0x30, 0, 0, 0, 0),
                        "prctl(PR_SET_NAME, 0x30, 0, 0, 0)");
    assert_string_equal(fmt_call(LINUX_NR_lseek, 3, (uint64_t)-10, LINUX_SEEK_END, 0, 0, 0),
                        "lseek(3, -10, SEEK_END)");
    assert_string_equal(fmt_call(LINUX_NR_setresuid, (uint64_t)-1, 0, 1000, 0, 0, 0),
                        "setresuid(-1, 0, 1000)");
    assert_string_equal(fmt_call(LINUX_NR_prlimit64, 0, LINUX_RLIMIT_NOFILE, 0, 0x40, 0, 0),
                        "prlimit64(0, RLIMIT_NOFILE, NULL, 0x40)");
    assert_string_equal(fmt_call(LINUX_NR_getpid, 1, 2, 3, 4, 5, 6), "getpid()");
}

static void test_unknown_syscall_format(void **state)
{
    (void)state;
    assert_string_equal(fmt_call(300, 1, 2, 3, 4, 5, 6),
                        "syscall_300(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)");
    assert_string_equal(fmt_call((uint64_t)-1, 0, 0, 0, 0, 0, 0), "syscall_-1(0, 0, 0, 0, 0, 0)");
}

static void test_format_truncates(void **state)
{
    (void)state;
    char buf[16];
    const uint64_t args[6] = {(uint64_t)LINUX_AT_FDCWD, user_str(0, "/a/long/path/name"), 0};
    size_t n = abi_format_call(buf, sizeof(buf), LINUX_NR_openat, args, &env);
    assert_int_equal(n, sizeof(buf) - 1);
    assert_string_equal(buf, "openat(AT_FD...");
    char res[8];
    n = abi_format_result(res, sizeof(res), ABI_RET_INT, -ENOENT);
    assert_int_equal(n, 7);
    assert_string_equal(res, " = -...");
}

static void test_results(void **state)
{
    (void)state;
    char buf[128];
    abi_format_result(buf, sizeof(buf), ABI_RET_INT, 0);
    assert_string_equal(buf, " = 0");
    abi_format_result(buf, sizeof(buf), ABI_RET_INT, -4096); /* not an error value */
    assert_string_equal(buf, " = -4096");
    abi_format_result(buf, sizeof(buf), ABI_RET_INT, -4095);
    assert_string_equal(buf, " = -1 (errno 4095)");
    abi_format_result(buf, sizeof(buf), ABI_RET_INT, -ERESTARTSYS);
    assert_string_equal(buf, " = -1 ERESTARTSYS (To be restarted if SA_RESTART is set)");
    abi_format_result(buf, sizeof(buf), ABI_RET_HEX, -EFAULT);
    assert_string_equal(buf, " = -1 EFAULT (Bad address)");
    abi_format_result(buf, sizeof(buf), ABI_RET_INT, -ELIBMAX);
    assert_string_equal(buf, " = -1 ELIBMAX (Attempting to link in too many shared libraries)");
    abi_format_result(buf, sizeof(buf), ABI_RET_NONE, 0);
    assert_string_equal(buf, " = ?");
}

/* ---- the table ---- */

static void test_table(void **state)
{
    (void)state;
    const struct abi_syscall_info *info = abi_syscall_info(LINUX_NR_openat);
    assert_non_null(info);
    assert_string_equal(info->name, "openat");
    assert_int_equal(info->nargs, 4);
    assert_int_equal(info->args[2].kind, ABI_ARG_OPEN_FLAGS);
    assert_string_equal(info->args[1].name, "path");
    assert_string_equal(abi_syscall_name(0), "io_setup");
    assert_string_equal(abi_syscall_name(LINUX_NR_SYSCALLS - 1), "mseal");
    assert_null(abi_syscall_info(244));
    assert_null(abi_syscall_info(LINUX_NR_SYSCALLS));
    assert_null(abi_syscall_info((uint64_t)-1));
    int named = 0;
    for (uint64_t nr = 0; nr < LINUX_NR_SYSCALLS; nr++) {
        info = abi_syscall_info(nr);
        if (!info)
            continue;
        named++;
        assert_true(info->nargs <= 6);
        for (int i = 0; i < info->nargs; i++) {
            assert_true(info->args[i].kind < ABI_ARG_KIND_COUNT);
            assert_non_null(info->args[i].name);
            /* BUF takes its length from the next argument */
            if (info->args[i].kind == ABI_ARG_BUF)
                assert_true(i + 1 < info->nargs);
        }
    }
    assert_int_equal(named, 318); /* 306 in Linux 6.1's headers + 12 newer */
    /* every number is either named or in a reserved range */
    int reserved = 0;
    for (size_t i = 0; i < abi_reserved_range_count; i++) {
        for (unsigned nr = abi_reserved_ranges[i].first; nr <= abi_reserved_ranges[i].last; nr++)
            assert_null(abi_syscall_info(nr));
        reserved += abi_reserved_ranges[i].last - abi_reserved_ranges[i].first + 1;
    }
    assert_int_equal(named + reserved, LINUX_NR_SYSCALLS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_handler_gets_x0_to_x5, setup),
        cmocka_unit_test_setup(test_syscall_define_casts_arguments, setup),
        cmocka_unit_test_setup(test_enosys_logged_once_per_syscall, setup),
        cmocka_unit_test_setup(test_enosys_unassigned_and_out_of_range, setup),
        cmocka_unit_test_setup(test_unknown_numbers_reporting_is_bounded, setup),
        cmocka_unit_test_setup(test_no_env_is_safe, setup),
        cmocka_unit_test_setup(test_trace_open_success_and_error, setup),
        cmocka_unit_test_setup(test_trace_enosys_line, setup),
        cmocka_unit_test_setup(test_trace_mmap_hex_result, setup),
        cmocka_unit_test_setup(test_trace_write_buffer, setup),
        cmocka_unit_test_setup(test_trace_exit_group_prints_before_the_call, setup),
        cmocka_unit_test_setup(test_trace_umask_octal, setup),
        cmocka_unit_test_setup(test_string_escapes, setup),
        cmocka_unit_test_setup(test_string_truncation, setup),
        cmocka_unit_test_setup(test_string_bad_addresses, setup),
        cmocka_unit_test_setup(test_argv, setup),
        cmocka_unit_test_setup(test_flags_and_values, setup),
        cmocka_unit_test_setup(test_unknown_syscall_format, setup),
        cmocka_unit_test_setup(test_format_truncates, setup),
        cmocka_unit_test_setup(test_results, setup),
        cmocka_unit_test_setup(test_table, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
