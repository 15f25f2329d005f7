/*
 * Process-level syscalls that need no filesystem: ids, uname, time, memory, randomness,
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

SYSCALL_DEFINE3(getrandom, uint64_t, buf, uint64_t, len, unsigned, flags)
{
    (void)flags;
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

/* Memory. The address space calls hold the process's address-space lock and mirror the
 * result into exo. */
SYSCALL_DEFINE1(brk, uint64_t, addr)
{
    struct process *p = current_proc();
    spin_lock(&p->as_lock);
    uint64_t old = p->as.brk;
    uint64_t r = mm_brk(&p->as, addr);
    vm_sync(p, MIN(old, r), (old > r ? old - r : r - old) + PAGE_SIZE);
    spin_unlock(&p->as_lock);
    return (long)r;
}

int files_read_for_mmap(int fd, uint64_t off, uint64_t uaddr, uint64_t len);

/* A private file mapping is an anonymous one filled from the file (a private copy made at
 * map time); shared file mappings wait for the page cache. */
static long mmap_private_file(struct process *p, uint64_t addr, uint64_t len, unsigned prot,
                              unsigned flags, int fd, uint64_t off)
{
    if (off & (PAGE_SIZE - 1))
        return -EINVAL;
    uint64_t out;
    spin_lock(&p->as_lock);
    int err = mm_mmap(&p->as, addr, len, MM_PROT_READ | MM_PROT_WRITE,
                      (flags & ~MM_MAP_TYPE) | MM_MAP_PRIVATE | MM_MAP_ANONYMOUS, NULL, 0, &out);
    if (!err)
        vm_sync(p, out, len);
    spin_unlock(&p->as_lock);
    if (err)
        return err;
    err = files_read_for_mmap(fd, off, out, len);
    spin_lock(&p->as_lock);
    if (err)
        mm_munmap(&p->as, out, len);
    else
        err = mm_mprotect(&p->as, out, len, prot);
    vm_sync(p, out, len);
    spin_unlock(&p->as_lock);
    return err ? err : (long)out;
}

SYSCALL_DEFINE6(mmap, uint64_t, addr, uint64_t, len, unsigned, prot, unsigned, flags, int, fd,
                uint64_t, off)
{
    struct process *p = current_proc();
    if (!(flags & MM_MAP_ANONYMOUS)) {
        if ((flags & MM_MAP_TYPE) != MM_MAP_PRIVATE)
            return -ENODEV;
        return mmap_private_file(p, addr, len, prot, flags, fd, off);
    }
    uint64_t out;
    spin_lock(&p->as_lock);
    int err = mm_mmap(&p->as, addr, len, prot, flags, NULL, off, &out);
    if (!err)
        vm_sync(p, out, len);
    spin_unlock(&p->as_lock);
    return err ? err : (long)out;
}

SYSCALL_DEFINE2(munmap, uint64_t, addr, uint64_t, len)
{
    struct process *p = current_proc();
    spin_lock(&p->as_lock);
    int err = mm_munmap(&p->as, addr, len);
    if (!err)
        vm_sync(p, addr, len);
    spin_unlock(&p->as_lock);
    return err;
}

SYSCALL_DEFINE3(mprotect, uint64_t, addr, uint64_t, len, unsigned, prot)
{
    struct process *p = current_proc();
    spin_lock(&p->as_lock);
    int err = mm_mprotect(&p->as, addr, len, prot);
    vm_sync(p, addr, len);
    spin_unlock(&p->as_lock);
    return err;
}

SYSCALL_DEFINE5(mremap, uint64_t, old, uint64_t, old_len, uint64_t, new_len, unsigned, flags,
                uint64_t, new_addr)
{
    struct process *p = current_proc();
    uint64_t out;
    spin_lock(&p->as_lock);
    int err = mm_mremap(&p->as, old, old_len, new_len, flags, new_addr, &out);
    if (!err) {
        vm_sync(p, old, old_len);
        vm_sync(p, out, new_len);
    }
    spin_unlock(&p->as_lock);
    return err ? err : (long)out;
}

SYSCALL_DEFINE3(madvise, uint64_t, addr, uint64_t, len, int, advice)
{
    struct process *p = current_proc();
    spin_lock(&p->as_lock);
    int err = mm_madvise(&p->as, addr, len, advice);
    if (!err)
        vm_sync(p, addr, len);
    spin_unlock(&p->as_lock);
    return err;
}
