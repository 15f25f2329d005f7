/* usertest: a conformance suite for the Linux arm64 user ABI.
 *
 * Every test is a `void fn(void)` listed in its area's table. The harness runs each test in
 * a forked child with its own fresh working directory and a timeout. A test passes when it
 * returns; the assertion macros below end it with a FAIL (or SKIP) and a reason that names
 * file:line and, for system calls, the errno text. */
#ifndef USERTEST_UT_H
#define USERTEST_UT_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct ut_test {
    const char *name;
    void (*fn)(void);
};

struct ut_area {
    const char *name;
    const struct ut_test *tests;
    size_t count;
};

#define UT_AREA(area_name, table)                                                                  \
    const struct ut_area ut_area_##area_name = {#area_name, table, sizeof(table) / sizeof(table[0])}

/* End the current test: FAIL (or SKIP) with a printf-style reason. Never returns. Usable
 * from forked helper processes too: their first reason is the one reported. */
__attribute__((noreturn, format(printf, 3, 4))) void ut_fail(const char *file, int line,
                                                             const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void ut_skip(const char *fmt, ...);

#define FAIL(...) ut_fail(__FILE__, __LINE__, __VA_ARGS__)
#define SKIP(...) ut_skip(__VA_ARGS__)

/* CHECK(cond): cond must hold. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            FAIL("check failed: %s", #cond);                                                       \
    } while (0)

/* CHECK_SYS(expr): a system call (or libc wrapper) that reports failure as -1 + errno must
 * succeed. Evaluates to nothing; use SYS(expr) to get the value. */
#define SYS(expr)                                                                                  \
    ({                                                                                             \
        errno = 0;                                                                                 \
        __typeof__(expr) ut_r_ = (expr);                                                           \
        if (ut_r_ == (__typeof__(expr))-1)                                                         \
            FAIL("%s: %s", #expr, strerror(errno));                                                \
        ut_r_;                                                                                     \
    })
#define CHECK_SYS(expr) ((void)SYS(expr))

/* CHECK_ERR(expr, E): expr must fail with -1 and errno E. */
#define CHECK_ERR(expr, E)                                                                         \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long ut_r_ = (long)(expr);                                                                 \
        int ut_e_ = errno;                                                                         \
        if (ut_r_ != -1 || ut_e_ != (E))                                                           \
            FAIL("%s: expected -1/%s, got %ld/%s", #expr, ut_errname(E), ut_r_,                    \
                 ut_errname(ut_e_));                                                               \
    } while (0)

/* CHECK_EQ(a, b): integer (or pointer) equality, both values reported on failure. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long ut_a_ = (long long)(a), ut_b_ = (long long)(b);                                  \
        if (ut_a_ != ut_b_)                                                                        \
            FAIL("%s == %s: %lld (0x%llx) != %lld (0x%llx)", #a, #b, ut_a_,                        \
                 (unsigned long long)ut_a_, ut_b_, (unsigned long long)ut_b_);                     \
    } while (0)

#define CHECK_CMP(a, op, b)                                                                        \
    do {                                                                                           \
        long long ut_a_ = (long long)(a), ut_b_ = (long long)(b);                                  \
        if (!(ut_a_ op ut_b_))                                                                     \
            FAIL("%s %s %s: %lld vs %lld", #a, #op, #b, ut_a_, ut_b_);                             \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *ut_a_ = (a), *ut_b_ = (b);                                                     \
        if (strcmp(ut_a_, ut_b_) != 0)                                                             \
            FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, ut_a_, ut_b_);                              \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* An invalid pointer or a value the compiler cannot see through, for deliberately bad
 * system-call arguments (keeps -Werror's bounds diagnostics quiet). */
static inline void *ut_opaque_ptr(uintptr_t addr)
{
    void *p = (void *)addr;
    __asm__("" : "+r"(p));
    return p;
}
static inline long ut_opaque(long v)
{
    __asm__("" : "+r"(v));
    return v;
}

/* --- helpers (util.c) ------------------------------------------------------------------- */

/* Symbolic errno name ("ENOENT") or the number as text. */
const char *ut_errname(int err);
/* CLOCK_MONOTONIC in nanoseconds. */
int64_t ut_now_ns(void);
/* Sleep for ms milliseconds (restarting after signals). */
void ut_sleep_ms(long ms);
/* True when running under qemu-user (whose /proc/self is partly synthesized and which
 * emulates some system calls differently), detected from $USERTEST_QEMU_USER or from the
 * synthesized /proc/self/stat. Tests use it only to turn a known emulator gap into a SKIP. */
bool ut_under_qemu_user(void);
/* True on our kernel (uname's release ends in "-exo"), false on Linux: for skips that
 * excuse a real Linux lacking a syscall newer than itself, never exo. */
bool ut_on_exo(void);
/* fork() that fails the test on error. */
pid_t ut_fork(void);
/* Wait for pid and return its raw wait status; fails the test on error. */
int ut_wait(pid_t pid);
/* Wait for pid and require a normal exit with the given code. */
void ut_wait_exit(pid_t pid, int code);
/* Install handler for sig with flags (sa_mask empty); returns nothing, fails on error. */
void ut_handle(int sig, void (*handler)(int), int flags);
void ut_handle_info(int sig, void (*handler)(int, siginfo_t *, void *), int flags);
/* Write the whole buffer / read exactly n bytes (fails on error or early EOF). */
void ut_write_all(int fd, const void *buf, size_t n);
void ut_read_all(int fd, void *buf, size_t n);
/* Create a file with the given contents (mode 0644). */
void ut_write_file(const char *path, const void *buf, size_t n);
/* Read up to cap-1 bytes of a file into buf and NUL-terminate; returns the length. */
size_t ut_read_file(const char *path, char *buf, size_t cap);

/* argv of the usertest process (for /proc/self/cmdline) and the absolute path of its
 * executable (for exec tests), captured before the first test runs. */
extern int ut_argc;
extern char **ut_argv;
extern char ut_self_path[];

/* Entry point of `usertest --exec-helper ...`, the image that exec tests run. */
int ut_exec_helper(int argc, char **argv);
/* The program thread/exec_from_thread execs (usertest --exec-mt-helper PID MODE). */
int ut_exec_mt_helper(int argc, char **argv);

#endif
