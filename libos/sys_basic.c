/*
 * Process-level syscalls that need no filesystem: ids, uname, time, randomness,
 * limits, and writing to the console (until the VFS gives file descriptors).
 */
#include <string.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <lib/errno.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/clock.h>
#include <libos/proc.h>
#include <mm/slab.h>

SYSCALL_DEFINE0(getpid)
{
    return current_proc()->pid;
}

SYSCALL_DEFINE0(getppid)
{
    struct process *p = current_proc();
    return p->parent ? p->parent->pid : 0;
}

SYSCALL_DEFINE0(gettid)
{
    return current_task()->tid;
}

SYSCALL_DEFINE0(getuid)
{
    return current_proc()->uid;
}

SYSCALL_DEFINE0(geteuid)
{
    return current_proc()->euid;
}

SYSCALL_DEFINE0(getgid)
{
    return current_proc()->gid;
}

SYSCALL_DEFINE0(getegid)
{
    return current_proc()->egid;
}

SYSCALL_DEFINE1(set_tid_address, uint64_t, tidptr)
{
    current_task()->clear_child_tid = tidptr;
    return current_task()->tid;
}

SYSCALL_DEFINE1(umask, unsigned, mask)
{
    struct process *p = current_proc();
    unsigned old = p->umask;
    p->umask = mask & 0777;
    return old;
}

SYSCALL_DEFINE0(sched_yield)
{
    schedule();
    return 0;
}

SYSCALL_DEFINE1(uname, uint64_t, buf)
{
    struct linux_utsname u;
    memset(&u, 0, sizeof(u));
    strlcpy(u.sysname, "Linux", sizeof(u.sysname));
    extern char libos_hostname[65];
    strlcpy(u.nodename, libos_hostname, sizeof(u.nodename));
    strlcpy(u.release, "6.1.0-exo", sizeof(u.release));
    strlcpy(u.version, "#1 SMP exo " EXO_VERSION, sizeof(u.version));
    strlcpy(u.machine, "aarch64", sizeof(u.machine));
    strlcpy(u.domainname, "(none)", sizeof(u.domainname));
    return copy_to_user(buf, &u, sizeof(u)) ? -EFAULT : 0;
}

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM   0x2
#define GRND_INSECURE 0x4

SYSCALL_DEFINE3(getrandom, uint64_t, buf, uint64_t, len, unsigned, flags)
{
    /* Linux refuses unknown bits and the contradictory INSECURE|RANDOM pair. */
    if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) ||
        (flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
        return -EINVAL;
    static uint64_t state = 0x853c49e6748fea9bULL;
    uint8_t chunk[64];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = MIN(len - done, sizeof(chunk));
        for (uint64_t i = 0; i < n; i++) {
            uint64_t x = __atomic_add_fetch(&state, 0x9e3779b97f4a7c15ULL ^ exo_time_ns(),
                                            __ATOMIC_RELAXED);
            x ^= x >> 30, x *= 0xbf58476d1ce4e5b9ULL, x ^= x >> 27;
            chunk[i] = (uint8_t)(x >> 32);
        }
        if (copy_to_user(buf + done, chunk, n))
            return done ? (long)done : -EFAULT;
        done += n;
    }
    return (long)done;
}
