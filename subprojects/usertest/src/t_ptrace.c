/* ptrace/: a tracer and its tracee. Syscall-entry and -exit stops with the registers the
 * arm64 ABI shows there (x8 and x7 at entry, the result in x0 at exit), PTRACE_GET_SYSCALL_INFO,
 * skipping a syscall through NT_ARM_SYSTEM_CALL, reading and writing the tracee's memory
 * (PEEKDATA/POKEDATA, process_vm_readv), signal-delivery-stops that suppress or replace the
 * signal, PTRACE_O_TRACEFORK auto-attaching a new child, and PTRACE_O_EXITKILL.
 *
 * qemu-user does not implement ptrace (ENOSYS): every test checks for that first and skips
 * only for that reason. The raw syscall is used throughout (PEEKDATA then stores the word
 * at data, as the kernel does) with the uapi constants spelled out, so that glibc and musl
 * builds agree. */
#define _GNU_SOURCE
#include "ut.h"

#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PT_TRACEME          0
#define PT_PEEKDATA         2
#define PT_POKEDATA         5
#define PT_CONT             7
#define PT_SYSCALL          24
#define PT_SETOPTIONS       0x4200
#define PT_GETEVENTMSG      0x4201
#define PT_GETSIGINFO       0x4202
#define PT_GETREGSET        0x4204
#define PT_SETREGSET        0x4205
#define PT_GET_SYSCALL_INFO 0x420e
#define PT_O_TRACESYSGOOD   0x1
#define PT_O_TRACEFORK      0x2
#define PT_O_EXITKILL       0x100000
#define PT_EVENT_FORK       1
#define PT_NT_PRSTATUS      1
#define PT_NT_SYSTEM_CALL   0x404
#define PT_INFO_ENTRY       1
#define PT_INFO_EXIT        2
#define PT_AUDIT_AARCH64    0xc00000b7u
#define WALL_FLAG           0x40000000 /* __WALL */

struct pt_regs_abi {
    uint64_t regs[31], sp, pc, pstate;
};

struct pt_syscall_info {
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
    };
};

static long pt(long req, pid_t pid, uintptr_t addr, uintptr_t data)
{
    return syscall(SYS_ptrace, req, pid, addr, data);
}

/* Skips the test when the system has no ptrace (qemu-user's ENOSYS), and only then. */
static void need_ptrace(void)
{
    errno = 0;
    long r = pt(PT_GETEVENTMSG, 1, 0, 0); /* harmless: never our tracee */
    if (r == -1 && errno == ENOSYS)
        SKIP("ptrace is not implemented here (qemu-user returns ENOSYS)");
}

/* Forks a child that asks to be traced, stops itself with SIGSTOP, then runs body and
 * exits with its result. Returns once the child is in that first stop. */
static pid_t start_tracee(int (*body)(void))
{
    pid_t pid = SYS(fork());
    if (pid == 0) {
        if (pt(PT_TRACEME, 0, 0, 0) != 0)
            _exit(100);
        syscall(SYS_kill, getpid(), SIGSTOP);
        _exit(body());
    }
    int st;
    CHECK_EQ(SYS(waitpid(pid, &st, 0)), pid);
    CHECK(WIFSTOPPED(st));
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    return pid;
}

/* Waits for pid's next stop: its status word. */
static int wait_stop(pid_t pid)
{
    int st;
    CHECK_EQ(SYS(waitpid(pid, &st, WALL_FLAG)), pid);
    if (!WIFSTOPPED(st))
        FAIL("expected a stop of %d, got status %#x", (int)pid, st);
    return st;
}

/* Waits for pid's exit with code; signal-delivery-stops on the way (SIGCHLD, even though
 * it is ignored: a traced process reports it) are passed on, and counted in *signals. */
static void wait_exit_signals(pid_t pid, int code, int *signals)
{
    int st;
    for (;;) {
        CHECK_EQ(SYS(waitpid(pid, &st, WALL_FLAG)), pid);
        if (!WIFSTOPPED(st) || (st >> 16) != 0 || WSTOPSIG(st) == SIGTRAP)
            break;
        if (signals)
            signals[WSTOPSIG(st)]++;
        CHECK_SYS(pt(PT_CONT, pid, 0, WSTOPSIG(st)));
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != code)
        FAIL("expected exit %d of %d, got status %#x", code, (int)pid, st);
}

static void wait_exit(pid_t pid, int code)
{
    wait_exit_signals(pid, code, NULL);
}

static void get_regs(pid_t pid, struct pt_regs_abi *r)
{
    struct iovec iov = {r, sizeof(*r)};
    CHECK_SYS(pt(PT_GETREGSET, pid, PT_NT_PRSTATUS, (uintptr_t)&iov));
    CHECK_EQ(iov.iov_len, sizeof(*r));
}

/* Resumes pid with PTRACE_SYSCALL until a syscall-entry stop for nr (other syscalls, e.g.
 * from libc, pass by in pairs of stops). */
static void run_to_entry(pid_t pid, long nr)
{
    for (int i = 0; i < 20; i++) {
        CHECK_SYS(pt(PT_SYSCALL, pid, 0, 0));
        CHECK_EQ(wait_stop(pid) >> 8, SIGTRAP | 0x80);
        struct pt_regs_abi r;
        get_regs(pid, &r);
        if ((long)r.regs[8] == nr && r.regs[7] == 0)
            return;
        CHECK_SYS(pt(PT_SYSCALL, pid, 0, 0)); /* to that syscall's exit stop */
        CHECK_EQ(wait_stop(pid) >> 8, SIGTRAP | 0x80);
    }
    FAIL("no entry stop for syscall %ld", nr);
}

static int body_gettid(void)
{
    return syscall(SYS_gettid) == getpid() ? 7 : 1;
}

/* Entry stop: x8 is the number, x7 reads 0, GET_SYSCALL_INFO says ENTRY with the number;
 * exit stop: x0 is the result, x7 reads 1, GET_SYSCALL_INFO says EXIT with rval. */
static void syscall_stops(void)
{
    need_ptrace();
    pid_t pid = start_tracee(body_gettid);
    CHECK_SYS(pt(PT_SETOPTIONS, pid, 0, PT_O_TRACESYSGOOD));
    run_to_entry(pid, SYS_gettid);
    struct pt_syscall_info info;
    memset(&info, 0xff, sizeof(info));
    long n = SYS(pt(PT_GET_SYSCALL_INFO, pid, sizeof(info), (uintptr_t)&info));
    CHECK_EQ(n, offsetof(struct pt_syscall_info, entry.args) + sizeof(info.entry.args));
    CHECK_EQ(info.op, PT_INFO_ENTRY);
    CHECK_EQ(info.arch, PT_AUDIT_AARCH64);
    CHECK_EQ(info.entry.nr, SYS_gettid);
    CHECK(info.instruction_pointer != 0 && info.stack_pointer != 0);
    CHECK_SYS(pt(PT_SYSCALL, pid, 0, 0));
    CHECK_EQ(wait_stop(pid) >> 8, SIGTRAP | 0x80);
    struct pt_regs_abi r;
    get_regs(pid, &r);
    CHECK_EQ(r.regs[0], pid);
    CHECK_EQ(r.regs[7], 1);
    n = SYS(pt(PT_GET_SYSCALL_INFO, pid, sizeof(info), (uintptr_t)&info));
    CHECK_EQ(n, offsetof(struct pt_syscall_info, exit.is_error) + 1);
    CHECK_EQ(info.op, PT_INFO_EXIT);
    CHECK_EQ(info.exit.rval, pid);
    CHECK_EQ(info.exit.is_error, 0);
    CHECK_SYS(pt(PT_CONT, pid, 0, 0));
    wait_exit(pid, 7);
}

static int body_getppid(void)
{
    long r = syscall(SYS_getppid);
    return r == 4242 ? 0 : 1;
}

/* At the entry stop the tracer sets the syscall number to -1 and x0 to the result: the
 * syscall is skipped and the tracee sees that value. */
static void syscall_skip(void)
{
    need_ptrace();
    pid_t pid = start_tracee(body_getppid);
    CHECK_SYS(pt(PT_SETOPTIONS, pid, 0, PT_O_TRACESYSGOOD));
    run_to_entry(pid, SYS_getppid);
    int nr = -1;
    struct iovec iov = {&nr, sizeof(nr)};
    CHECK_SYS(pt(PT_SETREGSET, pid, PT_NT_SYSTEM_CALL, (uintptr_t)&iov));
    struct pt_regs_abi r;
    get_regs(pid, &r);
    r.regs[0] = 4242;
    iov = (struct iovec){&r, sizeof(r)};
    CHECK_SYS(pt(PT_SETREGSET, pid, PT_NT_PRSTATUS, (uintptr_t)&iov));
    CHECK_SYS(pt(PT_SYSCALL, pid, 0, 0));
    CHECK_EQ(wait_stop(pid) >> 8, SIGTRAP | 0x80);
    get_regs(pid, &r);
    CHECK_EQ(r.regs[0], 4242);
    CHECK_SYS(pt(PT_CONT, pid, 0, 0));
    wait_exit(pid, 0);
}

static volatile uint64_t shared_word = 0x1122334455667788ull;

static int body_check_word(void)
{
    return shared_word == 0xfeedfacecafebeefull ? 0 : 1;
}

/* PEEKDATA reads and POKEDATA writes the stopped tracee's memory (the same address as
 * ours after fork); process_vm_readv reads it too. */
static void peek_poke(void)
{
    need_ptrace();
    shared_word = 0x1122334455667788ull;
    pid_t pid = start_tracee(body_check_word);
    uint64_t word = 0;
    CHECK_SYS(pt(PT_PEEKDATA, pid, (uintptr_t)&shared_word, (uintptr_t)&word));
    CHECK_EQ(word, 0x1122334455667788ull);
    shared_word = 0; /* ours only */
    CHECK_SYS(pt(PT_POKEDATA, pid, (uintptr_t)&shared_word, 0xfeedfacecafebeefull));
    uint64_t again = 0;
    struct iovec local = {&again, sizeof(again)};
    struct iovec remote = {(void *)&shared_word, sizeof(again)};
    CHECK_EQ(SYS(process_vm_readv(pid, &local, 1, &remote, 1, 0)), sizeof(again));
    CHECK_EQ(again, 0xfeedfacecafebeefull);
    errno = 0;
    CHECK_EQ(pt(PT_PEEKDATA, pid, 0, (uintptr_t)&word), -1); /* unmapped page */
    CHECK(errno == EIO || errno == EFAULT);
    CHECK_SYS(pt(PT_CONT, pid, 0, 0));
    wait_exit(pid, 0);
}

static volatile sig_atomic_t usr1_hits;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_hits++;
}

static int body_signals(void)
{
    syscall(SYS_kill, getpid(), SIGUSR1); /* suppressed by the tracer */
    syscall(SYS_kill, getpid(), SIGUSR2); /* replaced with SIGUSR1 */
    return usr1_hits;
}

/* Signal-delivery-stops: the tracer sees each signal (and its siginfo) first; restarting
 * with 0 suppresses it, with another signal delivers that one instead. */
static void signal_stops(void)
{
    need_ptrace();
    usr1_hits = 0;
    signal(SIGUSR1, on_usr1);
    pid_t pid = start_tracee(body_signals);
    CHECK_SYS(pt(PT_CONT, pid, 0, 0));
    int st = wait_stop(pid);
    CHECK_EQ(WSTOPSIG(st), SIGUSR1);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_SYS(pt(PT_GETSIGINFO, pid, 0, (uintptr_t)&si));
    CHECK_EQ(si.si_signo, SIGUSR1);
    CHECK_EQ(si.si_code, SI_USER);
    CHECK_EQ(si.si_pid, pid);
    CHECK_SYS(pt(PT_CONT, pid, 0, 0)); /* suppressed */
    st = wait_stop(pid);
    CHECK_EQ(WSTOPSIG(st), SIGUSR2);
    CHECK_SYS(pt(PT_CONT, pid, 0, SIGUSR1)); /* replaced */
    wait_exit(pid, 1);
}

static int body_fork(void)
{
    pid_t c = fork();
    if (c == 0)
        _exit(3);
    int st;
    if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st))
        return 1;
    return WEXITSTATUS(st);
}

/* PTRACE_O_TRACEFORK: the tracee stops with PTRACE_EVENT_FORK (the new pid in the event
 * message) and the new child starts traced, in a SIGSTOP stop; its exit is reported to the
 * tracer, then to its real parent, whose SIGCHLD (ignored by default) still makes a
 * signal-delivery-stop. */
static void fork_event(void)
{
    need_ptrace();
    pid_t pid = start_tracee(body_fork);
    CHECK_SYS(pt(PT_SETOPTIONS, pid, 0, PT_O_TRACEFORK));
    CHECK_SYS(pt(PT_CONT, pid, 0, 0));
    int st = wait_stop(pid);
    CHECK_EQ(st >> 8, SIGTRAP | (PT_EVENT_FORK << 8));
    unsigned long msg = 0;
    CHECK_SYS(pt(PT_GETEVENTMSG, pid, 0, (uintptr_t)&msg));
    pid_t child = (pid_t)msg;
    CHECK_CMP(child, >, 0);
    st = wait_stop(child);
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_SYS(pt(PT_CONT, child, 0, 0));
    CHECK_SYS(pt(PT_CONT, pid, 0, 0));
    wait_exit(child, 3);
    int signals[65] = {0};
    wait_exit_signals(pid, 3, signals);
    CHECK_EQ(signals[SIGCHLD], 1); /* ignored, yet shown to the tracer */
}

static int body_pause(void)
{
    for (;;)
        pause();
    return 0;
}

/* PTRACE_O_EXITKILL: when the tracer exits, its tracee gets SIGKILL. */
static void exitkill(void)
{
    need_ptrace();
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1)); /* the orphaned tracee comes to us */
    int fds[2];
    CHECK_SYS(pipe(fds));
    pid_t tracer = SYS(fork());
    if (tracer == 0) {
        pid_t pid = start_tracee(body_pause);
        CHECK_SYS(pt(PT_SETOPTIONS, pid, 0, PT_O_EXITKILL));
        CHECK_SYS(pt(PT_CONT, pid, 0, 0));
        CHECK_EQ(write(fds[1], &pid, sizeof(pid)), sizeof(pid));
        _exit(0);
    }
    pid_t pid = 0;
    CHECK_EQ(read(fds[0], &pid, sizeof(pid)), sizeof(pid));
    wait_exit(tracer, 0);
    int st;
    CHECK_EQ(SYS(waitpid(pid, &st, 0)), pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGKILL);
}

static const struct ut_test tests[] = {
    {"syscall_stops", syscall_stops}, {"syscall_skip", syscall_skip}, {"peek_poke", peek_poke},
    {"signal_stops", signal_stops},   {"fork_event", fork_event},     {"exitkill", exitkill},
};

UT_AREA(ptrace, tests);
