/*
 * Memory syscalls: brk, mmap, munmap, mprotect, mremap, madvise, msync, mincore over
 * mm/as.c. Each holds the process's address-space mutex around the mm/ call and mirrors the
 * result into exo (vm_sync). File mappings map the file's page-cache pages (fs/pagecache.c):
 * shared mappings write into them, private ones copy on write from them.
 */
#include <exo/types.h>
#include <fs/pagecache.h>
#include <lib/errno.h>
#include <libos/abi/syscall.h>
#include <libos/file.h>
#include <libos/proc.h>
#include <mm/slab.h>

#define O_ACCMODE 3
#define O_WRONLY  1
#define O_RDWR    2
#define O_APPEND  02000

SYSCALL_DEFINE1(brk, uint64_t, addr)
{
    struct process *p = current_proc();
    mutex_lock(&p->vm->as_lock);
    uint64_t old = p->vm->as.brk;
    uint64_t r = mm_brk(&p->vm->as, addr);
    vm_sync(p->vm, MIN(old, r), (old > r ? old - r : r - old) + PAGE_SIZE);
    mutex_unlock(&p->vm->as_lock);
    return (long)r;
}

/* mm_mmap under the address-space lock, mirrored into exo: the address or an errno. */
static long map_locked(struct process *p, uint64_t addr, uint64_t len, unsigned prot,
                       unsigned flags, struct mm_file *mf, uint64_t off)
{
    uint64_t out;
    mutex_lock(&p->vm->as_lock);
    int err = mm_mmap(&p->vm->as, addr, len, prot, flags, mf, off, &out);
    if (!err)
        vm_sync(p->vm, out, len);
    mutex_unlock(&p->vm->as_lock);
    return err ? err : (long)out;
}

/* Linux's access checks for mapping a file open with oflags: every mapping needs read
 * access, a shared writable one needs write access and no O_APPEND. 0 or -EACCES. */
static int file_map_access(unsigned oflags, bool shared, unsigned prot)
{
    unsigned acc = oflags & O_ACCMODE;
    if (acc == O_WRONLY)
        return -EACCES;
    if (shared && (prot & MM_PROT_WRITE) && (acc != O_RDWR || (oflags & O_APPEND)))
        return -EACCES;
    return 0;
}

/* A mapping of the file open as fd, over its page cache. */
static long mmap_file(struct process *p, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
                      int fd, uint64_t off)
{
    struct vfs_file *vf;
    unsigned oflags;
    int err = files_vfs_file(fd, &vf, &oflags);
    if (err)
        return err;
    unsigned type = flags & MM_MAP_TYPE;
    bool shared = type == MM_MAP_SHARED || type == MM_MAP_SHARED_VALIDATE;
    struct mm_file *mf = NULL;
    if (!len)
        err = -EINVAL;
    else
        err = file_map_access(oflags, shared, prot);
    if (!err)
        err = pagecache_mmap_file(vf, shared && (oflags & O_ACCMODE) == O_RDWR, &mf);
    long r = err ? err : map_locked(p, addr, len, prot, flags, mf, off);
    vfs_file_put(vf);
    return r;
}

SYSCALL_DEFINE6(mmap, uint64_t, addr, uint64_t, len, unsigned, prot, unsigned, flags, int, fd,
                uint64_t, off)
{
    struct process *p = current_proc();
    if (off & (PAGE_SIZE - 1))
        return -EINVAL;
    if (!(flags & MM_MAP_ANONYMOUS))
        return mmap_file(p, addr, len, prot, flags, fd, off);
    return map_locked(p, addr, len, prot, flags, NULL, off);
}

SYSCALL_DEFINE2(munmap, uint64_t, addr, uint64_t, len)
{
    struct process *p = current_proc();
    mutex_lock(&p->vm->as_lock);
    int err = mm_munmap(&p->vm->as, addr, len);
    if (!err)
        vm_sync(p->vm, addr, len);
    mutex_unlock(&p->vm->as_lock);
    return err;
}

SYSCALL_DEFINE3(mprotect, uint64_t, addr, uint64_t, len, unsigned, prot)
{
    struct process *p = current_proc();
    mutex_lock(&p->vm->as_lock);
    int err = mm_mprotect(&p->vm->as, addr, len, prot);
    vm_sync(p->vm, addr, len);
    mutex_unlock(&p->vm->as_lock);
    return err;
}

SYSCALL_DEFINE5(mremap, uint64_t, old, uint64_t, old_len, uint64_t, new_len, unsigned, flags,
                uint64_t, new_addr)
{
    struct process *p = current_proc();
    uint64_t out;
    mutex_lock(&p->vm->as_lock);
    int err = mm_mremap(&p->vm->as, old, old_len, new_len, flags, new_addr, &out);
    if (!err) {
        vm_sync(p->vm, old, old_len);
        vm_sync(p->vm, out, new_len);
    }
    mutex_unlock(&p->vm->as_lock);
    return err ? err : (long)out;
}

SYSCALL_DEFINE3(madvise, uint64_t, addr, uint64_t, len, int, advice)
{
    struct process *p = current_proc();
    mutex_lock(&p->vm->as_lock);
    int err = mm_madvise(&p->vm->as, addr, len, advice);
    if (!err)
        vm_sync(p->vm, addr, len);
    mutex_unlock(&p->vm->as_lock);
    return err;
}

/* Shared file pages are in the page cache, which read() and every mapping share, so
 * MS_INVALIDATE has nothing to drop and MS_ASYNC nothing to start; MS_SYNC writes the
 * range's pages back to the file. */
SYSCALL_DEFINE3(msync, uint64_t, addr, uint64_t, len, int, flags)
{
    struct process *p = current_proc();
    mutex_lock(&p->vm->as_lock);
    int err = mm_msync(&p->vm->as, addr, len, flags);
    mutex_unlock(&p->vm->as_lock);
    return err;
}

#define MINCORE_CHUNK 4096 /* pages reported per pass (one kernel page of vector) */

/* Residency as this process's page table sees it (file pages cached but not mapped here
 * count as absent). The vector is copied out with the lock dropped: copying may fault. */
SYSCALL_DEFINE3(mincore, uint64_t, addr, uint64_t, len, uint64_t, vec)
{
    struct process *p = current_proc();
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (addr + len < addr || addr + len > EXO_USER_MAX)
        return -ENOMEM;
    uint64_t pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
    unsigned char *buf = pages ? kmalloc(MINCORE_CHUNK) : NULL;
    if (pages && !buf)
        return -EAGAIN;
    int err = 0;
    for (uint64_t done = 0; done < pages && !err; done += MINCORE_CHUNK) {
        uint64_t n = MIN(pages - done, (uint64_t)MINCORE_CHUNK);
        mutex_lock(&p->vm->as_lock);
        err = mm_mincore(&p->vm->as, addr + done * PAGE_SIZE, n * PAGE_SIZE, buf);
        mutex_unlock(&p->vm->as_lock);
        if (!err && copy_to_user(vec + done, buf, n))
            err = -EFAULT;
    }
    kfree(buf);
    return err;
}
