/*
 * Our ABI definitions against the kernel's uapi headers (no C library headers here: they
 * would clash with the uapi struct names). Built for arm64 by the cross compiler.
 */
#include <stdint.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>

/* linux/reboot.h spells its constants like ours: capture ours first. */
enum {
    OUR_REBOOT_MAGIC1 = LINUX_REBOOT_MAGIC1,
    OUR_REBOOT_MAGIC2 = LINUX_REBOOT_MAGIC2,
    OUR_REBOOT_CMD_RESTART = LINUX_REBOOT_CMD_RESTART,
    OUR_REBOOT_CMD_HALT = LINUX_REBOOT_CMD_HALT,
    OUR_REBOOT_CMD_POWER_OFF = LINUX_REBOOT_CMD_POWER_OFF,
    OUR_REBOOT_CMD_CAD_ON = LINUX_REBOOT_CMD_CAD_ON,
    OUR_REBOOT_CMD_CAD_OFF = LINUX_REBOOT_CMD_CAD_OFF,
};
#undef LINUX_REBOOT_MAGIC1
#undef LINUX_REBOOT_MAGIC2
#undef LINUX_REBOOT_CMD_RESTART
#undef LINUX_REBOOT_CMD_HALT
#undef LINUX_REBOOT_CMD_POWER_OFF
#undef LINUX_REBOOT_CMD_CAD_ON
#undef LINUX_REBOOT_CMD_CAD_OFF

#include <asm/hwcap.h>
#include <asm/sigcontext.h>
#include <asm/stat.h>
#include <asm/termbits.h>
#include <asm/ioctls.h>
#include <asm/ptrace.h>
#include <asm/termios.h>
#include <asm/unistd.h>
#include <linux/auxvec.h>
#include <linux/eventpoll.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/futex.h>
#include <linux/memfd.h>
#include <linux/mman.h>
#include <linux/openat2.h>
#include <linux/poll.h>
#include <linux/prctl.h>
#include <linux/ptrace.h>
#include <linux/audit.h>
#include <linux/elf.h>
#include <linux/reboot.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/stat.h>
#include <linux/sysinfo.h>
#include <linux/time.h>
#include <linux/timerfd.h>
#include <linux/uio.h>
#include <linux/un.h>
#include <linux/utsname.h>
#include <linux/wait.h>
#include <asm/ucontext.h> /* needs stack_t and sigset_t from linux/signal.h */
#include "layout_check.h"

/* ---- syscall numbers: every entry of syscalls.def is the uapi number of that name ---- */

/* Added after the installed headers (Linux 6.1); their numbers are from later kernels. */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#define __NR_fchmodat2 452
#define __NR_map_shadow_stack 453
#define __NR_futex_wake 454
#define __NR_futex_wait 455
#define __NR_futex_requeue 456
#define __NR_statmount 457
#define __NR_listmount 458
#define __NR_lsm_get_self_attr 459
#define __NR_lsm_set_self_attr 460
#define __NR_lsm_list_modules 461
#define __NR_mseal 462
#endif
_Static_assert(__NR_syscalls == 451 || __NR_syscalls > 462, "fallback numbers above apply");

#define SYSCALL0(nr, name, ...)                                                                \
    _Static_assert((nr) == __NR_##name && LINUX_NR_##name == __NR_##name, "__NR_" #name);
#define SYSCALL1 SYSCALL0
#define SYSCALL2 SYSCALL0
#define SYSCALL3 SYSCALL0
#define SYSCALL4 SYSCALL0
#define SYSCALL5 SYSCALL0
#define SYSCALL6 SYSCALL0
#define RESERVED(first, last, why)                                                             \
    _Static_assert((first) <= (last) && (last) < LINUX_NR_SYSCALLS, "reserved " #first);
#include <libos/abi/syscalls.def>
_Static_assert(LINUX_NR_SYSCALLS >= __NR_syscalls, "table covers the installed headers");
UNCHECKED(NR_SYSCALLS, "ours includes syscalls newer than the headers; checked with >=")

/* ---- stat ---- */
SAME_TYPE(struct linux_stat, struct stat)
_Static_assert(sizeof(struct linux_stat) == 128, "arm64 struct stat is 128 bytes");
SAME_FIELD(struct linux_stat, struct stat, st_dev)
SAME_FIELD(struct linux_stat, struct stat, st_ino)
SAME_FIELD(struct linux_stat, struct stat, st_mode)
SAME_FIELD(struct linux_stat, struct stat, st_nlink)
SAME_FIELD(struct linux_stat, struct stat, st_uid)
SAME_FIELD(struct linux_stat, struct stat, st_gid)
SAME_FIELD(struct linux_stat, struct stat, st_rdev)
SAME_FIELD(struct linux_stat, struct stat, __pad1)
SAME_FIELD(struct linux_stat, struct stat, st_size)
SAME_FIELD(struct linux_stat, struct stat, st_blksize)
SAME_FIELD(struct linux_stat, struct stat, __pad2)
SAME_FIELD(struct linux_stat, struct stat, st_blocks)
SAME_FIELD(struct linux_stat, struct stat, st_atime)
SAME_FIELD(struct linux_stat, struct stat, st_atime_nsec)
SAME_FIELD(struct linux_stat, struct stat, st_mtime)
SAME_FIELD(struct linux_stat, struct stat, st_mtime_nsec)
SAME_FIELD(struct linux_stat, struct stat, st_ctime)
SAME_FIELD(struct linux_stat, struct stat, st_ctime_nsec)
SAME_FIELD(struct linux_stat, struct stat, __unused4)
SAME_FIELD(struct linux_stat, struct stat, __unused5)

SAME_TYPE(struct linux_statx_timestamp, struct statx_timestamp)
SAME_FIELD(struct linux_statx_timestamp, struct statx_timestamp, tv_sec)
SAME_FIELD(struct linux_statx_timestamp, struct statx_timestamp, tv_nsec)
SAME_FIELD(struct linux_statx_timestamp, struct statx_timestamp, __reserved)
SAME_TYPE(struct linux_statx, struct statx)
SAME_FIELD(struct linux_statx, struct statx, stx_mask)
SAME_FIELD(struct linux_statx, struct statx, stx_blksize)
SAME_FIELD(struct linux_statx, struct statx, stx_attributes)
SAME_FIELD(struct linux_statx, struct statx, stx_nlink)
SAME_FIELD(struct linux_statx, struct statx, stx_uid)
SAME_FIELD(struct linux_statx, struct statx, stx_gid)
SAME_FIELD(struct linux_statx, struct statx, stx_mode)
SAME_FIELD(struct linux_statx, struct statx, __spare0)
SAME_FIELD(struct linux_statx, struct statx, stx_ino)
SAME_FIELD(struct linux_statx, struct statx, stx_size)
SAME_FIELD(struct linux_statx, struct statx, stx_blocks)
SAME_FIELD(struct linux_statx, struct statx, stx_attributes_mask)
SAME_FIELD(struct linux_statx, struct statx, stx_atime)
SAME_FIELD(struct linux_statx, struct statx, stx_btime)
SAME_FIELD(struct linux_statx, struct statx, stx_ctime)
SAME_FIELD(struct linux_statx, struct statx, stx_mtime)
SAME_FIELD(struct linux_statx, struct statx, stx_rdev_major)
SAME_FIELD(struct linux_statx, struct statx, stx_rdev_minor)
SAME_FIELD(struct linux_statx, struct statx, stx_dev_major)
SAME_FIELD(struct linux_statx, struct statx, stx_dev_minor)
SAME_FIELD(struct linux_statx, struct statx, stx_mnt_id)
SAME_FIELD(struct linux_statx, struct statx, stx_dio_mem_align)
SAME_FIELD(struct linux_statx, struct statx, stx_dio_offset_align)
SAME_FIELD(struct linux_statx, struct statx, __spare3)

CONST(STATX_TYPE) CONST(STATX_MODE) CONST(STATX_NLINK) CONST(STATX_UID) CONST(STATX_GID)
CONST(STATX_ATIME) CONST(STATX_MTIME) CONST(STATX_CTIME) CONST(STATX_INO) CONST(STATX_SIZE)
CONST(STATX_BLOCKS) CONST(STATX_BASIC_STATS) CONST(STATX_BTIME) CONST(STATX_MNT_ID)
CONST(STATX_DIOALIGN)
/* S_IF* and permission bits: linux/stat.h hides them from C library users; see layout_libc.c */

/* ---- time ---- */
SAME_TYPE(struct linux_timespec, struct timespec)
SAME_FIELD(struct linux_timespec, struct timespec, tv_sec)
SAME_FIELD(struct linux_timespec, struct timespec, tv_nsec)
SAME_TYPE(struct linux_timespec, struct __kernel_timespec)
SAME_TYPE(struct linux_timeval, struct timeval)
SAME_FIELD(struct linux_timeval, struct timeval, tv_sec)
SAME_FIELD(struct linux_timeval, struct timeval, tv_usec)
SAME_TYPE(struct linux_itimerspec, struct itimerspec)
SAME_FIELD(struct linux_itimerspec, struct itimerspec, it_interval)
SAME_FIELD(struct linux_itimerspec, struct itimerspec, it_value)
SAME_TYPE(struct linux_itimerval, struct itimerval)
SAME_FIELD(struct linux_itimerval, struct itimerval, it_interval)
SAME_FIELD(struct linux_itimerval, struct itimerval, it_value)
SAME_TYPE(struct linux_timezone, struct timezone)
SAME_FIELD(struct linux_timezone, struct timezone, tz_minuteswest)
SAME_FIELD(struct linux_timezone, struct timezone, tz_dsttime)
CONST(ITIMER_REAL) CONST(ITIMER_VIRTUAL) CONST(ITIMER_PROF)
CONST(CLOCK_REALTIME) CONST(CLOCK_MONOTONIC) CONST(CLOCK_PROCESS_CPUTIME_ID)
CONST(CLOCK_THREAD_CPUTIME_ID) CONST(CLOCK_MONOTONIC_RAW) CONST(CLOCK_REALTIME_COARSE)
CONST(CLOCK_MONOTONIC_COARSE) CONST(CLOCK_BOOTTIME) CONST(CLOCK_REALTIME_ALARM)
CONST(CLOCK_BOOTTIME_ALARM) CONST(CLOCK_TAI) CONST(MAX_CLOCKS) CONST(TIMER_ABSTIME)
CONST(TFD_TIMER_ABSTIME) CONST(TFD_TIMER_CANCEL_ON_SET)
UNCHECKED(NSEC_PER_SEC, "a definition, not an ABI value")

/* ---- fcntl ---- */
CONST(O_ACCMODE) CONST(O_RDONLY) CONST(O_WRONLY) CONST(O_RDWR) CONST(O_CREAT) CONST(O_EXCL)
CONST(O_NOCTTY) CONST(O_TRUNC) CONST(O_APPEND) CONST(O_NONBLOCK) CONST(O_DSYNC)
CONST_AS(O_ASYNC, FASYNC) CONST(O_DIRECTORY) CONST(O_NOFOLLOW) CONST(O_DIRECT)
CONST(O_LARGEFILE) CONST(O_NOATIME) CONST(O_CLOEXEC) CONST(__O_SYNC) CONST(O_SYNC)
CONST(O_PATH) CONST(__O_TMPFILE) CONST(O_TMPFILE) CONST(O_NDELAY)
CONST(F_DUPFD) CONST(F_GETFD) CONST(F_SETFD) CONST(F_GETFL) CONST(F_SETFL) CONST(F_GETLK)
CONST(F_SETLK) CONST(F_SETLKW) CONST(F_SETOWN) CONST(F_GETOWN) CONST(F_SETSIG)
CONST(F_GETSIG) CONST(F_SETOWN_EX) CONST(F_GETOWN_EX) CONST(F_GETOWNER_UIDS)
CONST(F_OFD_GETLK) CONST(F_OFD_SETLK) CONST(F_OFD_SETLKW) CONST(F_LINUX_SPECIFIC_BASE)
CONST(F_SETLEASE) CONST(F_GETLEASE) CONST(F_NOTIFY) CONST(F_CANCELLK) CONST(F_DUPFD_CLOEXEC)
CONST(F_SETPIPE_SZ) CONST(F_GETPIPE_SZ) CONST(F_ADD_SEALS) CONST(F_GET_SEALS)
CONST(FD_CLOEXEC) CONST(F_SEAL_SEAL) CONST(F_SEAL_SHRINK) CONST(F_SEAL_GROW)
CONST(F_SEAL_WRITE) CONST(F_SEAL_FUTURE_WRITE) CONST(F_RDLCK) CONST(F_WRLCK) CONST(F_UNLCK)
CONST(LOCK_SH) CONST(LOCK_EX) CONST(LOCK_NB) CONST(LOCK_UN)
CONST(SEEK_SET) CONST(SEEK_CUR) CONST(SEEK_END) CONST(SEEK_DATA) CONST(SEEK_HOLE)
CONST(AT_FDCWD) CONST(AT_SYMLINK_NOFOLLOW) CONST(AT_EACCESS) CONST(AT_REMOVEDIR)
CONST(AT_SYMLINK_FOLLOW) CONST(AT_NO_AUTOMOUNT) CONST(AT_EMPTY_PATH) CONST(AT_STATX_SYNC_TYPE)
CONST(AT_STATX_SYNC_AS_STAT) CONST(AT_STATX_FORCE_SYNC) CONST(AT_STATX_DONT_SYNC)
CONST(AT_RECURSIVE)
CONST(RENAME_NOREPLACE) CONST(RENAME_EXCHANGE) CONST(RENAME_WHITEOUT)
SAME_TYPE(struct linux_flock, struct flock)
SAME_FIELD(struct linux_flock, struct flock, l_type)
SAME_FIELD(struct linux_flock, struct flock, l_whence)
SAME_FIELD(struct linux_flock, struct flock, l_start)
SAME_FIELD(struct linux_flock, struct flock, l_len)
SAME_FIELD(struct linux_flock, struct flock, l_pid)
SAME_TYPE(struct linux_flock, struct flock64)
SAME_TYPE(struct linux_open_how, struct open_how)
SAME_FIELD(struct linux_open_how, struct open_how, flags)
SAME_FIELD(struct linux_open_how, struct open_how, mode)
SAME_FIELD(struct linux_open_how, struct open_how, resolve)

/* ---- mman ---- */
CONST(PROT_NONE) CONST(PROT_READ) CONST(PROT_WRITE) CONST(PROT_EXEC) CONST(PROT_SEM)
CONST(PROT_BTI) CONST(PROT_MTE) CONST(PROT_GROWSDOWN) CONST(PROT_GROWSUP)
CONST(MAP_SHARED) CONST(MAP_PRIVATE) CONST(MAP_SHARED_VALIDATE) CONST(MAP_TYPE)
CONST(MAP_FIXED) CONST(MAP_ANONYMOUS) CONST(MAP_GROWSDOWN) CONST(MAP_DENYWRITE)
CONST(MAP_EXECUTABLE) CONST(MAP_LOCKED) CONST(MAP_NORESERVE) CONST(MAP_POPULATE)
CONST(MAP_NONBLOCK) CONST(MAP_STACK) CONST(MAP_HUGETLB) CONST(MAP_SYNC)
CONST(MAP_FIXED_NOREPLACE) CONST(MAP_UNINITIALIZED)
CONST(MADV_NORMAL) CONST(MADV_RANDOM) CONST(MADV_SEQUENTIAL) CONST(MADV_WILLNEED)
CONST(MADV_DONTNEED) CONST(MADV_FREE) CONST(MADV_REMOVE) CONST(MADV_DONTFORK)
CONST(MADV_DOFORK) CONST(MADV_MERGEABLE) CONST(MADV_UNMERGEABLE) CONST(MADV_HUGEPAGE)
CONST(MADV_NOHUGEPAGE) CONST(MADV_DONTDUMP) CONST(MADV_DODUMP) CONST(MADV_WIPEONFORK)
CONST(MADV_KEEPONFORK) CONST(MADV_COLD) CONST(MADV_PAGEOUT) CONST(MADV_POPULATE_READ)
CONST(MADV_POPULATE_WRITE) CONST(MADV_DONTNEED_LOCKED) CONST(MADV_COLLAPSE)
CONST(MADV_HWPOISON) CONST(MADV_SOFT_OFFLINE)
CONST(MREMAP_MAYMOVE) CONST(MREMAP_FIXED) CONST(MREMAP_DONTUNMAP)
CONST(MS_ASYNC) CONST(MS_INVALIDATE) CONST(MS_SYNC)
CONST(MCL_CURRENT) CONST(MCL_FUTURE) CONST(MCL_ONFAULT) CONST(MLOCK_ONFAULT)
CONST(MFD_CLOEXEC) CONST(MFD_ALLOW_SEALING) CONST(MFD_HUGETLB)

/* ---- signals ---- */
CONST(SIGHUP) CONST(SIGINT) CONST(SIGQUIT) CONST(SIGILL) CONST(SIGTRAP) CONST(SIGABRT)
CONST(SIGIOT) CONST(SIGBUS) CONST(SIGFPE) CONST(SIGKILL) CONST(SIGUSR1) CONST(SIGSEGV)
CONST(SIGUSR2) CONST(SIGPIPE) CONST(SIGALRM) CONST(SIGTERM) CONST(SIGSTKFLT) CONST(SIGCHLD)
CONST(SIGCONT) CONST(SIGSTOP) CONST(SIGTSTP) CONST(SIGTTIN) CONST(SIGTTOU) CONST(SIGURG)
CONST(SIGXCPU) CONST(SIGXFSZ) CONST(SIGVTALRM) CONST(SIGPROF) CONST(SIGWINCH) CONST(SIGIO)
CONST(SIGPOLL) CONST(SIGPWR) CONST(SIGSYS) CONST(SIGRTMIN) CONST(SIGRTMAX)
CONST_AS(NSIG, _NSIG) CONST_AS(SIGSET_SIZE, sizeof(sigset_t))
CONST(SA_NOCLDSTOP) CONST(SA_NOCLDWAIT) CONST(SA_SIGINFO) CONST(SA_UNSUPPORTED)
CONST(SA_EXPOSE_TAGBITS) CONST(SA_RESTORER) CONST(SA_ONSTACK) CONST(SA_RESTART)
CONST(SA_NODEFER) CONST(SA_RESETHAND)
CONST(SIG_BLOCK) CONST(SIG_UNBLOCK) CONST(SIG_SETMASK)
CONST(SS_ONSTACK) CONST(SS_DISABLE) CONST(SS_AUTODISARM) CONST(MINSIGSTKSZ) CONST(SIGSTKSZ)
CONST(SI_MAX_SIZE) CONST(SI_USER) CONST(SI_KERNEL) CONST(SI_QUEUE) CONST(SI_TIMER)
CONST(SI_MESGQ) CONST(SI_ASYNCIO) CONST(SI_SIGIO) CONST(SI_TKILL)
CONST(ILL_ILLOPC) CONST(ILL_ILLOPN) CONST(ILL_ILLADR) CONST(ILL_ILLTRP) CONST(ILL_PRVOPC)
CONST(ILL_PRVREG) CONST(ILL_COPROC) CONST(ILL_BADSTK)
CONST(FPE_INTDIV) CONST(FPE_INTOVF) CONST(FPE_FLTDIV) CONST(FPE_FLTOVF) CONST(FPE_FLTUND)
CONST(FPE_FLTRES) CONST(FPE_FLTINV) CONST(FPE_FLTSUB) CONST(FPE_FLTUNK)
CONST(SEGV_MAPERR) CONST(SEGV_ACCERR) CONST(SEGV_MTEAERR) CONST(SEGV_MTESERR)
CONST(BUS_ADRALN) CONST(BUS_ADRERR) CONST(BUS_OBJERR)
CONST(TRAP_BRKPT) CONST(TRAP_TRACE) CONST(TRAP_BRANCH) CONST(TRAP_HWBKPT) CONST(TRAP_UNK)
CONST(CLD_EXITED) CONST(CLD_KILLED) CONST(CLD_DUMPED) CONST(CLD_TRAPPED) CONST(CLD_STOPPED)
CONST(CLD_CONTINUED)
CONST(POLL_IN) CONST(POLL_OUT) CONST(POLL_MSG) CONST(POLL_ERR) CONST(POLL_PRI) CONST(POLL_HUP)
CONST(SIGEV_SIGNAL) CONST(SIGEV_NONE) CONST(SIGEV_THREAD) CONST(SIGEV_THREAD_ID)
/* LINUX_SIG_DFL, _IGN, _ERR: pointers in uapi, compared at run time below. */

SAME_TYPE(linux_sigset_t, sigset_t)
SAME_TYPE(struct linux_sigaction, struct sigaction)
SAME_FIELD(struct linux_sigaction, struct sigaction, sa_handler)
SAME_FIELD(struct linux_sigaction, struct sigaction, sa_flags)
SAME_FIELD(struct linux_sigaction, struct sigaction, sa_restorer)
SAME_FIELD(struct linux_sigaction, struct sigaction, sa_mask)
SAME_TYPE(linux_stack_t, stack_t)
SAME_FIELD(linux_stack_t, stack_t, ss_sp)
SAME_FIELD(linux_stack_t, stack_t, ss_flags)
SAME_FIELD(linux_stack_t, stack_t, ss_size)
SAME_TYPE(union linux_sigval, union sigval)

SAME_TYPE(linux_siginfo_t, siginfo_t)
_Static_assert(sizeof(linux_siginfo_t) == 128, "siginfo is 128 bytes");
SAME_FIELD(linux_siginfo_t, siginfo_t, si_signo)
SAME_FIELD(linux_siginfo_t, siginfo_t, si_errno)
SAME_FIELD(linux_siginfo_t, siginfo_t, si_code)
#define SI(ours, theirs) SAME_FIELD_AS(linux_siginfo_t, siginfo_t, fields.ours, _sifields.theirs)
SI(kill.pid, _kill._pid)
SI(kill.uid, _kill._uid)
SI(timer.tid, _timer._tid)
SI(timer.overrun, _timer._overrun)
SI(timer.value, _timer._sigval)
SI(timer.sys_private, _timer._sys_private)
SI(rt.pid, _rt._pid)
SI(rt.uid, _rt._uid)
SI(rt.value, _rt._sigval)
SI(sigchld.pid, _sigchld._pid)
SI(sigchld.uid, _sigchld._uid)
SI(sigchld.status, _sigchld._status)
SI(sigchld.utime, _sigchld._utime)
SI(sigchld.stime, _sigchld._stime)
SI(sigfault.addr, _sigfault._addr)
SI(sigfault.addr_lsb, _sigfault._addr_lsb)
SI(sigfault.addr_bnd.lower, _sigfault._addr_bnd._lower)
SI(sigfault.addr_bnd.upper, _sigfault._addr_bnd._upper)
SI(sigfault.addr_pkey.pkey, _sigfault._addr_pkey._pkey)
SI(sigfault.perf.data, _sigfault._perf._data)
SI(sigfault.perf.type, _sigfault._perf._type)
SI(sigfault.perf.flags, _sigfault._perf._flags)
SI(sigpoll.band, _sigpoll._band)
SI(sigpoll.fd, _sigpoll._fd)
SI(sigsys.call_addr, _sigsys._call_addr)
SI(sigsys.syscall, _sigsys._syscall)
SI(sigsys.arch, _sigsys._arch)

SAME_TYPE(struct linux_sigevent, sigevent_t)
SAME_FIELD(struct linux_sigevent, sigevent_t, sigev_value)
SAME_FIELD(struct linux_sigevent, sigevent_t, sigev_signo)
SAME_FIELD(struct linux_sigevent, sigevent_t, sigev_notify)
SAME_FIELD_AS(struct linux_sigevent, sigevent_t, un.tid, _sigev_un._tid)

/* ---- signal frame ---- */
CONST(FPSIMD_MAGIC) CONST(ESR_MAGIC) CONST(EXTRA_MAGIC) CONST(SVE_MAGIC) CONST(ZA_MAGIC)
CONST_AS(SIGCONTEXT_RESERVED_SIZE, sizeof(((struct sigcontext *)0)->__reserved))
SAME_TYPE(struct linux_aarch64_ctx, struct _aarch64_ctx)
SAME_FIELD(struct linux_aarch64_ctx, struct _aarch64_ctx, magic)
SAME_FIELD(struct linux_aarch64_ctx, struct _aarch64_ctx, size)
SAME_TYPE(struct linux_fpsimd_context, struct fpsimd_context)
SAME_FIELD(struct linux_fpsimd_context, struct fpsimd_context, head)
SAME_FIELD(struct linux_fpsimd_context, struct fpsimd_context, fpsr)
SAME_FIELD(struct linux_fpsimd_context, struct fpsimd_context, fpcr)
SAME_FIELD(struct linux_fpsimd_context, struct fpsimd_context, vregs)
SAME_TYPE(struct linux_esr_context, struct esr_context)
SAME_FIELD(struct linux_esr_context, struct esr_context, head)
SAME_FIELD(struct linux_esr_context, struct esr_context, esr)
SAME_TYPE(struct linux_sigcontext, struct sigcontext)
SAME_FIELD(struct linux_sigcontext, struct sigcontext, fault_address)
SAME_FIELD(struct linux_sigcontext, struct sigcontext, regs)
SAME_FIELD(struct linux_sigcontext, struct sigcontext, sp)
SAME_FIELD(struct linux_sigcontext, struct sigcontext, pc)
SAME_FIELD(struct linux_sigcontext, struct sigcontext, pstate)
SAME_FIELD(struct linux_sigcontext, struct sigcontext, __reserved)
SAME_TYPE(struct linux_ucontext, struct ucontext)
SAME_FIELD(struct linux_ucontext, struct ucontext, uc_flags)
SAME_FIELD(struct linux_ucontext, struct ucontext, uc_link)
SAME_FIELD(struct linux_ucontext, struct ucontext, uc_stack)
SAME_FIELD(struct linux_ucontext, struct ucontext, uc_sigmask)
SAME_FIELD_AS(struct linux_ucontext, struct ucontext, __sigmask_pad, __unused)
SAME_FIELD(struct linux_ucontext, struct ucontext, uc_mcontext)
/* The kernel's struct rt_sigframe (arch/arm64/kernel/signal.c) is not in uapi: */
_Static_assert(offsetof(struct linux_rt_sigframe, info) == 0, "rt_sigframe.info");
_Static_assert(offsetof(struct linux_rt_sigframe, uc) == sizeof(siginfo_t), "rt_sigframe.uc");
_Static_assert(sizeof(struct linux_rt_sigframe) == sizeof(siginfo_t) + sizeof(struct ucontext),
               "rt_sigframe size");

/* ---- termios and tty ioctls ---- */
SAME_TYPE(struct linux_termios, struct termios)
SAME_FIELD(struct linux_termios, struct termios, c_iflag)
SAME_FIELD(struct linux_termios, struct termios, c_oflag)
SAME_FIELD(struct linux_termios, struct termios, c_cflag)
SAME_FIELD(struct linux_termios, struct termios, c_lflag)
SAME_FIELD(struct linux_termios, struct termios, c_line)
SAME_FIELD(struct linux_termios, struct termios, c_cc)
SAME_TYPE(struct linux_termios2, struct termios2)
SAME_FIELD(struct linux_termios2, struct termios2, c_cc)
SAME_FIELD(struct linux_termios2, struct termios2, c_ispeed)
SAME_FIELD(struct linux_termios2, struct termios2, c_ospeed)
SAME_TYPE(struct linux_winsize, struct winsize)
SAME_FIELD(struct linux_winsize, struct winsize, ws_row)
SAME_FIELD(struct linux_winsize, struct winsize, ws_col)
SAME_FIELD(struct linux_winsize, struct winsize, ws_xpixel)
SAME_FIELD(struct linux_winsize, struct winsize, ws_ypixel)
CONST_AS(IOC_NONE, _IOC_NONE) CONST_AS(IOC_WRITE, _IOC_WRITE) CONST_AS(IOC_READ, _IOC_READ)
_Static_assert(LINUX_IOWR('x', 7, 24) == _IOWR('x', 7, char[24]), "ioctl encoding");
_Static_assert(LINUX_IOC_SIZE(LINUX_TIOCGPTN) == 4 && LINUX_IOC_NR(LINUX_TIOCGPTN) == 0x30 &&
                   LINUX_IOC_TYPE(LINUX_TIOCGPTN) == 'T' &&
                   LINUX_IOC_DIR(LINUX_TIOCGPTN) == LINUX_IOC_READ,
               "ioctl decoding");
CONST(NCCS) CONST(VINTR) CONST(VQUIT) CONST(VERASE) CONST(VKILL) CONST(VEOF) CONST(VTIME)
CONST(VMIN) CONST(VSWTC) CONST(VSTART) CONST(VSTOP) CONST(VSUSP) CONST(VEOL) CONST(VREPRINT)
CONST(VDISCARD) CONST(VWERASE) CONST(VLNEXT) CONST(VEOL2)
CONST(IGNBRK) CONST(BRKINT) CONST(IGNPAR) CONST(PARMRK) CONST(INPCK) CONST(ISTRIP)
CONST(INLCR) CONST(IGNCR) CONST(ICRNL) CONST(IUCLC) CONST(IXON) CONST(IXANY) CONST(IXOFF)
CONST(IMAXBEL) CONST(IUTF8)
CONST(OPOST) CONST(OLCUC) CONST(ONLCR) CONST(OCRNL) CONST(ONOCR) CONST(ONLRET) CONST(OFILL)
CONST(OFDEL)
CONST(CBAUD) CONST(B0) CONST(B9600) CONST(B38400) CONST(B115200) CONST(CSIZE) CONST(CS5)
CONST(CS6) CONST(CS7) CONST(CS8) CONST(CSTOPB) CONST(CREAD) CONST(PARENB) CONST(PARODD)
CONST(HUPCL) CONST(CLOCAL) CONST(BOTHER) CONST(CRTSCTS)
CONST(ISIG) CONST(ICANON) CONST(XCASE) CONST(ECHO) CONST(ECHOE) CONST(ECHOK) CONST(ECHONL)
CONST(NOFLSH) CONST(TOSTOP) CONST(ECHOCTL) CONST(ECHOPRT) CONST(ECHOKE) CONST(FLUSHO)
CONST(PENDIN) CONST(IEXTEN) CONST(EXTPROC)
CONST(TCSANOW) CONST(TCSADRAIN) CONST(TCSAFLUSH) CONST(TCIFLUSH) CONST(TCOFLUSH)
CONST(TCIOFLUSH) CONST(TCOOFF) CONST(TCOON) CONST(TCIOFF) CONST(TCION)
CONST(TCGETS) CONST(TCSETS) CONST(TCSETSW) CONST(TCSETSF) CONST(TCSBRK) CONST(TCXONC)
CONST(TCFLSH) CONST(TIOCEXCL) CONST(TIOCNXCL) CONST(TIOCSCTTY) CONST(TIOCGPGRP)
CONST(TIOCSPGRP) CONST(TIOCOUTQ) CONST(TIOCSTI) CONST(TIOCGWINSZ) CONST(TIOCSWINSZ)
CONST(TIOCMGET) CONST(TIOCMSET) CONST(FIONREAD) CONST(TIOCINQ) CONST(TIOCPKT) CONST(FIONBIO)
CONST(TIOCNOTTY) CONST(TIOCSETD) CONST(TIOCGETD) CONST(TCSBRKP) CONST(TIOCGSID)
CONST(TCGETS2) CONST(TCSETS2) CONST(TCSETSW2) CONST(TCSETSF2) CONST(TIOCGPTN)
CONST(TIOCSPTLCK) CONST(TIOCGDEV) CONST(TIOCSIG) CONST(TIOCVHANGUP) CONST(TIOCGPKT)
CONST(TIOCGPTLCK) CONST(TIOCGPTPEER) CONST(FIONCLEX) CONST(FIOCLEX) CONST(FIOASYNC)

/* ---- poll, epoll, iovec ---- */
SAME_TYPE(struct linux_pollfd, struct pollfd)
SAME_FIELD(struct linux_pollfd, struct pollfd, fd)
SAME_FIELD(struct linux_pollfd, struct pollfd, events)
SAME_FIELD(struct linux_pollfd, struct pollfd, revents)
SAME_TYPE(struct linux_epoll_event, struct epoll_event)
_Static_assert(sizeof(struct linux_epoll_event) == 16, "arm64 epoll_event is not packed");
SAME_FIELD(struct linux_epoll_event, struct epoll_event, events)
SAME_FIELD(struct linux_epoll_event, struct epoll_event, data)
CONST(POLLIN) CONST(POLLPRI) CONST(POLLOUT) CONST(POLLERR) CONST(POLLHUP) CONST(POLLNVAL)
CONST(POLLRDNORM) CONST(POLLRDBAND) CONST(POLLWRNORM) CONST(POLLWRBAND) CONST(POLLMSG)
CONST(POLLRDHUP)
CONST(EPOLL_CTL_ADD) CONST(EPOLL_CTL_DEL) CONST(EPOLL_CTL_MOD) CONST(EPOLL_CLOEXEC)
CONST(EPOLLIN) CONST(EPOLLPRI) CONST(EPOLLOUT) CONST(EPOLLERR) CONST(EPOLLHUP)
CONST(EPOLLNVAL) CONST(EPOLLRDNORM) CONST(EPOLLRDBAND) CONST(EPOLLWRNORM) CONST(EPOLLWRBAND)
CONST(EPOLLMSG) CONST(EPOLLRDHUP) CONST(EPOLLEXCLUSIVE) CONST(EPOLLWAKEUP)
CONST(EPOLLONESHOT) CONST(EPOLLET)
SAME_TYPE(struct linux_iovec, struct iovec)
SAME_FIELD(struct linux_iovec, struct iovec, iov_base)
SAME_FIELD(struct linux_iovec, struct iovec, iov_len)
CONST(UIO_MAXIOV)

/* ---- processes ---- */
CONST(CSIGNAL) CONST(CLONE_NEWTIME) CONST(CLONE_VM) CONST(CLONE_FS) CONST(CLONE_FILES)
CONST(CLONE_SIGHAND) CONST(CLONE_PIDFD) CONST(CLONE_PTRACE) CONST(CLONE_VFORK)
CONST(CLONE_PARENT) CONST(CLONE_THREAD) CONST(CLONE_NEWNS) CONST(CLONE_SYSVSEM)
CONST(CLONE_SETTLS) CONST(CLONE_PARENT_SETTID) CONST(CLONE_CHILD_CLEARTID)
CONST(CLONE_DETACHED) CONST(CLONE_UNTRACED) CONST(CLONE_CHILD_SETTID) CONST(CLONE_NEWCGROUP)
CONST(CLONE_NEWUTS) CONST(CLONE_NEWIPC) CONST(CLONE_NEWUSER) CONST(CLONE_NEWPID)
CONST(CLONE_NEWNET) CONST(CLONE_IO) CONST(CLONE_CLEAR_SIGHAND) CONST(CLONE_INTO_CGROUP)
CONST(CLONE_ARGS_SIZE_VER0) CONST(CLONE_ARGS_SIZE_VER1) CONST(CLONE_ARGS_SIZE_VER2)
SAME_TYPE(struct linux_clone_args, struct clone_args)
SAME_FIELD(struct linux_clone_args, struct clone_args, flags)
SAME_FIELD(struct linux_clone_args, struct clone_args, pidfd)
SAME_FIELD(struct linux_clone_args, struct clone_args, child_tid)
SAME_FIELD(struct linux_clone_args, struct clone_args, parent_tid)
SAME_FIELD(struct linux_clone_args, struct clone_args, exit_signal)
SAME_FIELD(struct linux_clone_args, struct clone_args, stack)
SAME_FIELD(struct linux_clone_args, struct clone_args, stack_size)
SAME_FIELD(struct linux_clone_args, struct clone_args, tls)
SAME_FIELD(struct linux_clone_args, struct clone_args, set_tid)
SAME_FIELD(struct linux_clone_args, struct clone_args, set_tid_size)
SAME_FIELD(struct linux_clone_args, struct clone_args, cgroup)
CONST(WNOHANG) CONST(WUNTRACED) CONST(WSTOPPED) CONST(WEXITED) CONST(WCONTINUED)
CONST(WNOWAIT) CONST(__WNOTHREAD) CONST(__WALL) CONST(__WCLONE)
CONST(P_ALL) CONST(P_PID) CONST(P_PGID) CONST(P_PIDFD)
SAME_TYPE(struct linux_rusage, struct rusage)
SAME_FIELD(struct linux_rusage, struct rusage, ru_utime)
SAME_FIELD(struct linux_rusage, struct rusage, ru_stime)
SAME_FIELD(struct linux_rusage, struct rusage, ru_maxrss)
SAME_FIELD(struct linux_rusage, struct rusage, ru_ixrss)
SAME_FIELD(struct linux_rusage, struct rusage, ru_idrss)
SAME_FIELD(struct linux_rusage, struct rusage, ru_isrss)
SAME_FIELD(struct linux_rusage, struct rusage, ru_minflt)
SAME_FIELD(struct linux_rusage, struct rusage, ru_majflt)
SAME_FIELD(struct linux_rusage, struct rusage, ru_nswap)
SAME_FIELD(struct linux_rusage, struct rusage, ru_inblock)
SAME_FIELD(struct linux_rusage, struct rusage, ru_oublock)
SAME_FIELD(struct linux_rusage, struct rusage, ru_msgsnd)
SAME_FIELD(struct linux_rusage, struct rusage, ru_msgrcv)
SAME_FIELD(struct linux_rusage, struct rusage, ru_nsignals)
SAME_FIELD(struct linux_rusage, struct rusage, ru_nvcsw)
SAME_FIELD(struct linux_rusage, struct rusage, ru_nivcsw)
CONST(RUSAGE_SELF) CONST(RUSAGE_CHILDREN) CONST(RUSAGE_THREAD)
SAME_TYPE(struct linux_rlimit, struct rlimit)
SAME_FIELD(struct linux_rlimit, struct rlimit, rlim_cur)
SAME_FIELD(struct linux_rlimit, struct rlimit, rlim_max)
SAME_TYPE(struct linux_rlimit, struct rlimit64)
CONST(RLIM_INFINITY) CONST(RLIMIT_CPU) CONST(RLIMIT_FSIZE) CONST(RLIMIT_DATA)
CONST(RLIMIT_STACK) CONST(RLIMIT_CORE) CONST(RLIMIT_RSS) CONST(RLIMIT_NPROC)
CONST(RLIMIT_NOFILE) CONST(RLIMIT_MEMLOCK) CONST(RLIMIT_AS) CONST(RLIMIT_LOCKS)
CONST(RLIMIT_SIGPENDING) CONST(RLIMIT_MSGQUEUE) CONST(RLIMIT_NICE) CONST(RLIMIT_RTPRIO)
CONST(RLIMIT_RTTIME) CONST(RLIM_NLIMITS)
CONST(PRIO_PROCESS) CONST(PRIO_PGRP) CONST(PRIO_USER)
CONST_AS(UTS_LEN, __NEW_UTS_LEN)
SAME_TYPE(struct linux_utsname, struct new_utsname)
SAME_FIELD(struct linux_utsname, struct new_utsname, sysname)
SAME_FIELD(struct linux_utsname, struct new_utsname, nodename)
SAME_FIELD(struct linux_utsname, struct new_utsname, release)
SAME_FIELD(struct linux_utsname, struct new_utsname, version)
SAME_FIELD(struct linux_utsname, struct new_utsname, machine)
SAME_FIELD(struct linux_utsname, struct new_utsname, domainname)
SAME_TYPE(struct linux_sysinfo, struct sysinfo)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, uptime)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, loads)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, totalram)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, freeram)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, sharedram)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, bufferram)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, totalswap)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, freeswap)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, procs)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, pad)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, totalhigh)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, freehigh)
SAME_FIELD(struct linux_sysinfo, struct sysinfo, mem_unit)
CONST(SI_LOAD_SHIFT)
CONST(PR_SET_PDEATHSIG) CONST(PR_GET_PDEATHSIG) CONST(PR_GET_DUMPABLE) CONST(PR_SET_DUMPABLE)
CONST(PR_GET_KEEPCAPS) CONST(PR_SET_KEEPCAPS) CONST(PR_SET_NAME) CONST(PR_GET_NAME)
CONST(PR_GET_SECCOMP) CONST(PR_SET_SECCOMP) CONST(PR_CAPBSET_READ) CONST(PR_CAPBSET_DROP)
CONST(PR_GET_SECUREBITS) CONST(PR_SET_SECUREBITS) CONST(PR_SET_TIMERSLACK)
CONST(PR_GET_TIMERSLACK) CONST(PR_SET_MM) CONST(PR_SET_CHILD_SUBREAPER)
CONST(PR_GET_CHILD_SUBREAPER) CONST(PR_SET_NO_NEW_PRIVS) CONST(PR_GET_NO_NEW_PRIVS)
CONST(PR_GET_TID_ADDRESS) CONST(PR_SET_THP_DISABLE) CONST(PR_GET_THP_DISABLE)
CONST(PR_CAP_AMBIENT) CONST(PR_SVE_SET_VL) CONST(PR_SVE_GET_VL) CONST(PR_GET_SPECULATION_CTRL)
CONST(PR_SET_SPECULATION_CTRL) CONST(PR_PAC_RESET_KEYS) CONST(PR_SET_TAGGED_ADDR_CTRL)
CONST(PR_GET_TAGGED_ADDR_CTRL) CONST(PR_SET_VMA) CONST(PR_SET_PTRACER)
UNCHECKED(TASK_COMM_LEN, "kernel-internal; prctl(2) documents the 16-byte PR_SET_NAME buffer")
CONST(SCHED_NORMAL) CONST(SCHED_FIFO) CONST(SCHED_RR) CONST(SCHED_BATCH) CONST(SCHED_IDLE)
CONST(SCHED_DEADLINE) CONST(SCHED_RESET_ON_FORK)
/* reboot: ours were captured before linux/reboot.h redefined the names */
#define REBOOT(x) _Static_assert(OUR_##x == LINUX_##x, #x); /* CONST(x) */
REBOOT(REBOOT_MAGIC1) REBOOT(REBOOT_MAGIC2) REBOOT(REBOOT_CMD_RESTART) REBOOT(REBOOT_CMD_HALT)
REBOOT(REBOOT_CMD_POWER_OFF) REBOOT(REBOOT_CMD_CAD_ON) REBOOT(REBOOT_CMD_CAD_OFF)

/* ---- futex ---- */
CONST(FUTEX_WAIT) CONST(FUTEX_WAKE) CONST(FUTEX_FD) CONST(FUTEX_REQUEUE)
CONST(FUTEX_CMP_REQUEUE) CONST(FUTEX_WAKE_OP) CONST(FUTEX_LOCK_PI) CONST(FUTEX_UNLOCK_PI)
CONST(FUTEX_TRYLOCK_PI) CONST(FUTEX_WAIT_BITSET) CONST(FUTEX_WAKE_BITSET)
CONST(FUTEX_WAIT_REQUEUE_PI) CONST(FUTEX_CMP_REQUEUE_PI) CONST(FUTEX_LOCK_PI2)
CONST(FUTEX_PRIVATE_FLAG) CONST(FUTEX_CLOCK_REALTIME) CONST(FUTEX_CMD_MASK)
CONST(FUTEX_WAIT_PRIVATE) CONST(FUTEX_WAKE_PRIVATE) CONST(FUTEX_BITSET_MATCH_ANY)
CONST(FUTEX_OP_SET) CONST(FUTEX_OP_ADD) CONST(FUTEX_OP_OR) CONST(FUTEX_OP_ANDN)
CONST(FUTEX_OP_XOR) CONST(FUTEX_OP_OPARG_SHIFT) CONST(FUTEX_OP_CMP_EQ) CONST(FUTEX_OP_CMP_NE)
CONST(FUTEX_OP_CMP_LT) CONST(FUTEX_OP_CMP_LE) CONST(FUTEX_OP_CMP_GT) CONST(FUTEX_OP_CMP_GE)
CONST(FUTEX_WAITERS) CONST(FUTEX_OWNER_DIED) CONST(FUTEX_TID_MASK) CONST(ROBUST_LIST_LIMIT)
SAME_TYPE(struct linux_robust_list, struct robust_list)
SAME_FIELD(struct linux_robust_list, struct robust_list, next)
SAME_TYPE(struct linux_robust_list_head, struct robust_list_head)
SAME_FIELD(struct linux_robust_list_head, struct robust_list_head, list)
SAME_FIELD(struct linux_robust_list_head, struct robust_list_head, futex_offset)
SAME_FIELD(struct linux_robust_list_head, struct robust_list_head, list_op_pending)
SAME_TYPE(struct linux_futex_waitv, struct futex_waitv)
SAME_FIELD(struct linux_futex_waitv, struct futex_waitv, val)
SAME_FIELD(struct linux_futex_waitv, struct futex_waitv, uaddr)
SAME_FIELD(struct linux_futex_waitv, struct futex_waitv, flags)
SAME_FIELD(struct linux_futex_waitv, struct futex_waitv, __reserved)

/* ---- auxv ---- */
CONST(AT_NULL) CONST(AT_IGNORE) CONST(AT_EXECFD) CONST(AT_PHDR) CONST(AT_PHENT)
CONST(AT_PHNUM) CONST(AT_PAGESZ) CONST(AT_BASE) CONST(AT_FLAGS) CONST(AT_ENTRY)
CONST(AT_NOTELF) CONST(AT_UID) CONST(AT_EUID) CONST(AT_GID) CONST(AT_EGID) CONST(AT_PLATFORM)
CONST(AT_HWCAP) CONST(AT_CLKTCK) CONST(AT_SECURE) CONST(AT_BASE_PLATFORM) CONST(AT_RANDOM)
CONST(AT_HWCAP2) CONST(AT_EXECFN) CONST(AT_SYSINFO_EHDR) CONST(AT_MINSIGSTKSZ)
CONST(HWCAP_FP) CONST(HWCAP_ASIMD)

/* ---- sockets (the parts uapi has) ---- */
CONST(UNIX_PATH_MAX)
SAME_TYPE(struct linux_sockaddr_un, struct sockaddr_un)
SAME_FIELD(struct linux_sockaddr_un, struct sockaddr_un, sun_family)
SAME_FIELD(struct linux_sockaddr_un, struct sockaddr_un, sun_path)

/* ---- ptrace ---- */
CONST(PTRACE_TRACEME) CONST(PTRACE_PEEKTEXT) CONST(PTRACE_PEEKDATA) CONST(PTRACE_POKETEXT)
CONST(PTRACE_POKEDATA) CONST(PTRACE_CONT) CONST(PTRACE_KILL) CONST(PTRACE_ATTACH)
CONST(PTRACE_DETACH) CONST(PTRACE_SYSCALL) CONST(PTRACE_SETOPTIONS) CONST(PTRACE_GETEVENTMSG)
CONST(PTRACE_GETSIGINFO) CONST(PTRACE_SETSIGINFO) CONST(PTRACE_GETREGSET)
CONST(PTRACE_SETREGSET) CONST(PTRACE_SEIZE) CONST(PTRACE_INTERRUPT) CONST(PTRACE_LISTEN)
CONST(PTRACE_GETSIGMASK) CONST(PTRACE_SETSIGMASK) CONST(PTRACE_GET_SYSCALL_INFO)
CONST(PTRACE_O_TRACESYSGOOD) CONST(PTRACE_O_TRACEFORK) CONST(PTRACE_O_TRACEVFORK)
CONST(PTRACE_O_TRACECLONE) CONST(PTRACE_O_TRACEEXEC) CONST(PTRACE_O_TRACEVFORKDONE)
CONST(PTRACE_O_TRACEEXIT) CONST(PTRACE_O_TRACESECCOMP) CONST(PTRACE_O_EXITKILL)
CONST(PTRACE_O_SUSPEND_SECCOMP) CONST(PTRACE_EVENT_FORK) CONST(PTRACE_EVENT_VFORK)
CONST(PTRACE_EVENT_CLONE) CONST(PTRACE_EVENT_EXEC) CONST(PTRACE_EVENT_VFORK_DONE)
CONST(PTRACE_EVENT_EXIT) CONST(PTRACE_EVENT_STOP) CONST(PTRACE_SYSCALL_INFO_NONE)
CONST(PTRACE_SYSCALL_INFO_ENTRY) CONST(PTRACE_SYSCALL_INFO_EXIT) CONST(NT_PRSTATUS)
CONST(NT_PRFPREG) CONST(NT_ARM_TLS) CONST(NT_ARM_SYSTEM_CALL) CONST(AUDIT_ARCH_AARCH64)
SAME_TYPE(struct linux_user_pt_regs, struct user_pt_regs)
SAME_FIELD(struct linux_user_pt_regs, struct user_pt_regs, regs)
SAME_FIELD(struct linux_user_pt_regs, struct user_pt_regs, sp)
SAME_FIELD(struct linux_user_pt_regs, struct user_pt_regs, pc)
SAME_FIELD(struct linux_user_pt_regs, struct user_pt_regs, pstate)
SAME_TYPE(struct linux_user_fpsimd, struct user_fpsimd_state)
SAME_FIELD(struct linux_user_fpsimd, struct user_fpsimd_state, vregs)
SAME_FIELD(struct linux_user_fpsimd, struct user_fpsimd_state, fpsr)
SAME_FIELD(struct linux_user_fpsimd, struct user_fpsimd_state, fpcr)
SAME_TYPE(struct linux_ptrace_syscall_info, struct ptrace_syscall_info)
SAME_FIELD(struct linux_ptrace_syscall_info, struct ptrace_syscall_info, op)
SAME_FIELD(struct linux_ptrace_syscall_info, struct ptrace_syscall_info, arch)
SAME_FIELD(struct linux_ptrace_syscall_info, struct ptrace_syscall_info, instruction_pointer)
SAME_FIELD(struct linux_ptrace_syscall_info, struct ptrace_syscall_info, stack_pointer)
SAME_FIELD(struct linux_ptrace_syscall_info, struct ptrace_syscall_info, entry.nr)
SAME_FIELD(struct linux_ptrace_syscall_info, struct ptrace_syscall_info, entry.args)
SAME_FIELD(struct linux_ptrace_syscall_info, struct ptrace_syscall_info, exit.rval)
SAME_FIELD(struct linux_ptrace_syscall_info, struct ptrace_syscall_info, exit.is_error)
SAME_FIELD(struct linux_ptrace_syscall_info, struct ptrace_syscall_info, seccomp.ret_data)

/* RUNTIME(SIG_DFL) RUNTIME(SIG_IGN) RUNTIME(SIG_ERR) */
int layout_uapi_runtime_failures(void)
{
    int failures = 0;
    failures += LINUX_SIG_DFL != (uint64_t)(uintptr_t)SIG_DFL;
    failures += LINUX_SIG_IGN != (uint64_t)(uintptr_t)SIG_IGN;
    failures += LINUX_SIG_ERR != (uint64_t)(uintptr_t)SIG_ERR;
    return failures;
}
