/*
 * The libOS's side of /proc: fs/procfs formats Linux's text; this file answers its
 * questions about processes, threads, memory and CPUs.
 */
#include <string.h>
#include <exo/cpu.h>
#include <exo/env.h>
#include <exo/frame.h>
#include <fs/procfs.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <libos/abi/linux.h>
#include <libos/file.h>
#include <libos/clock.h>
#include <libos/mount.h>
#include <libos/proc.h>
#include <libos/term.h>
#include <mm/slab.h>

#define TICK_NS 10000000ULL /* USER_HZ = 100 */

extern char libos_hostname[65];
static const char *boot_cmdline = "";

static void pf_current(void *ctx, int32_t *tgid, int32_t *tid)
{
    (void)ctx;
    struct task *t = current_task();
    *tgid = t ? t->proc->pid : 0;
    *tid = t ? t->tid : 0;
}

struct next_arg {
    int32_t after, best;
};

static bool next_match(struct process *p, void *arg)
{
    struct next_arg *a = arg;
    if (p->pid > a->after && (a->best == 0 || p->pid < a->best))
        a->best = p->pid;
    return false;
}

static int32_t pf_next_pid(void *ctx, int32_t after)
{
    (void)ctx;
    struct next_arg a = {after, 0};
    int dummy;
    proc_collect(next_match, &a, &dummy, 0);
    return a.best;
}

static int32_t pf_next_tid_of(struct process *p, int32_t after)
{
    int32_t best = 0;
    spin_lock(&p->lock);
    struct list_node *pos;
    list_for_each(pos, &p->threads)
    {
        struct task *t = list_entry(pos, struct task, thread_link);
        if (t->tid > after && (best == 0 || t->tid < best))
            best = t->tid;
    }
    spin_unlock(&p->lock);
    return best;
}

static int32_t pf_next_tid(void *ctx, int32_t tgid, int32_t after)
{
    (void)ctx;
    struct process *p = proc_get(tgid);
    if (!p)
        return 0;
    int32_t r = pf_next_tid_of(p, after);
    proc_put(p);
    return r;
}

static void count_vmas(struct process *p, struct procfs_task_info *o)
{
    struct vmspace *vm = proc_vm_get(p);
    if (!vm)
        return;
    mutex_lock(&vm->as_lock);
    for (struct vma *v = vma_find_next(&vm->as.vmas, 0); v;
         v = vma_find_next(&vm->as.vmas, v->end)) {
        uint64_t pages = (v->end - v->start) >> PAGE_SHIFT;
        o->total_vm += pages;
        if (v->flags & VMA_GROWSDOWN)
            o->stack_vm += pages;
        else if (v->prot & MM_PROT_EXEC)
            o->exec_vm += pages;
        else if (v->prot & MM_PROT_WRITE)
            o->data_vm += pages;
    }
    mutex_unlock(&vm->as_lock);
    vmspace_put(vm);
    o->hiwater_vm = o->total_vm;
    o->rss_anon = o->data_vm + o->stack_vm; /* resident pages are not counted yet */
    o->hiwater_rss = o->rss_anon;
}

static int pf_task_info_of(struct process *p, int32_t tid, struct procfs_task_info *o)
{
    memset(o, 0, sizeof(*o));
    o->pid = tid ? tid : p->pid;
    o->tgid = p->pid;
    o->ppid = p->parent ? p->parent->pid : 0;
    o->pgid = p->pgid;
    o->sid = p->sid;
    struct term *ctty = p->ctty && term_is_ctty(p->ctty, p) ? p->ctty : NULL;
    /* Linux's new_encode_dev of the terminal's device number */
    o->tty_nr = ctty ? (int)((VFS_MINOR(ctty->rdev) & 0xff) | (VFS_MAJOR(ctty->rdev) << 8) |
                             ((VFS_MINOR(ctty->rdev) & ~0xffu) << 12))
                     : 0;
    o->tpgid = ctty && ctty->ld.pgrp > 0 ? ctty->ld.pgrp : -1;
    o->state = p->stopped ? 'T' : p->exiting ? 'Z' : 'S';
    strlcpy(o->comm, p->comm, sizeof(o->comm));
    o->uid[0] = p->uid, o->uid[1] = p->euid, o->uid[2] = p->suid, o->uid[3] = p->fsuid;
    o->gid[0] = p->gid, o->gid[1] = p->egid, o->gid[2] = p->sgid, o->gid[3] = p->fsgid;
    o->ngroups = (uint32_t)p->ngroups;
    for (int i = 0; i < p->ngroups && i < PROCFS_NGROUPS; i++)
        o->groups[i] = p->groups[i];
    o->has_fs = true;
    o->umask = p->umask;
    o->fd_size = FD_MAX;
    o->threads = p->nthreads;
    o->priority = 20;
    o->cpus_allowed = (1UL << exo_cpu_count()) - 1;
    o->utime = p->utime_ns / TICK_NS;
    o->stime = p->stime_ns / TICK_NS;
    o->cutime = p->child_utime_ns / TICK_NS;
    o->cstime = p->child_stime_ns / TICK_NS;
    o->start_time = p->start_ns / TICK_NS;
    o->has_mm = true;
    count_vmas(p, o);
    o->rsslim = p->rlimits[LINUX_RLIMIT_RSS].rlim_cur;
    o->start_brk = p->brk_start;
    o->arg_start = p->arg_start, o->arg_end = p->arg_end;
    o->env_start = p->env_start, o->env_end = p->env_end;
    o->sigq_limit = p->rlimits[LINUX_RLIMIT_SIGPENDING].rlim_cur;
    spin_lock(&p->lock);
    if (!list_empty(&p->threads)) {
        struct task *t = list_entry(p->threads.next, struct task, thread_link);
        o->processor = (int32_t)t->cpu;
        o->sig_blocked = t->sig.blocked;
        if (t->state == TASK_RUNNABLE && !p->stopped)
            o->state = 'R';
    }
    spin_unlock(&p->lock);
    if (tid) {
        spin_lock(&p->lock);
        struct task *found = proc_thread_locked(p, tid);
        if (found) {
            strlcpy(o->comm, found->comm, sizeof(o->comm));
            o->utime = found->se.sum_exec_runtime / TICK_NS;
            o->processor = (int32_t)found->cpu;
        }
        spin_unlock(&p->lock);
        if (!found)
            return -ESRCH;
    }
    return 0;
}

static int pf_task_info(void *ctx, int32_t tgid, int32_t tid, struct procfs_task_info *o)
{
    (void)ctx;
    struct process *p = proc_get(tgid);
    if (!p)
        return -ESRCH;
    int r = pf_task_info_of(p, tid, o);
    proc_put(p);
    return r;
}

static int64_t pf_read_area_of(struct process *p, enum procfs_area area, void *buf, size_t len,
                               uint64_t off)
{
    uint64_t start = area == PROCFS_AREA_CMDLINE ? p->arg_start : p->env_start;
    uint64_t end = area == PROCFS_AREA_CMDLINE ? p->arg_end : p->env_end;
    if (off >= end - start)
        return 0;
    size_t n = MIN(len, end - start - off);
    struct vmspace *vm = proc_vm_get(p);
    if (!vm)
        return 0;
    int err = exo_copy_from_user(vm->env, buf, start + off, n);
    vmspace_put(vm);
    return err ? -EFAULT : (int64_t)n;
}

static int64_t pf_read_area(void *ctx, int32_t tgid, enum procfs_area area, void *buf, size_t len,
                            uint64_t off)
{
    (void)ctx;
    struct process *p = proc_get(tgid);
    if (!p)
        return -ESRCH;
    int64_t r = pf_read_area_of(p, area, buf, len, off);
    proc_put(p);
    return r;
}

static int64_t pf_maps_of(struct process *p, char *buf, size_t size)
{
    struct vmspace *vm = proc_vm_get(p);
    if (!vm)
        return 0;
    mutex_lock(&vm->as_lock);
    size_t n = mm_as_format_maps(&vm->as, buf, size);
    mutex_unlock(&vm->as_lock);
    vmspace_put(vm);
    return (int64_t)n;
}

static int64_t pf_maps(void *ctx, int32_t tgid, char *buf, size_t size)
{
    (void)ctx;
    struct process *p = proc_get(tgid);
    if (!p)
        return -ESRCH;
    int64_t r = pf_maps_of(p, buf, size);
    proc_put(p);
    return r;
}

/* Copies the name of at (as the caller sees it) into buf, truncated to size like readlink:
 * the length copied, or a negative errno. */
static int copy_path_name(const struct vfs_path *at, char *buf, size_t size)
{
    char *tmp = kmalloc(VFS_PATH_MAX);
    if (!tmp)
        return -ENOMEM;
    int n = vfs_path_name(&current_proc()->fsctx.root, at, tmp, VFS_PATH_MAX, NULL);
    if (n >= 0) {
        n = (size_t)n < size ? n : (int)size;
        memcpy(buf, tmp, (size_t)n);
    }
    kfree(tmp);
    return n;
}

static int copy_text(const char *text, char *buf, size_t size)
{
    size_t n = MIN(strlen(text), size);
    memcpy(buf, text, n);
    return (int)n;
}

static int pf_link_of(struct process *p, enum procfs_link which, char *buf, size_t size)
{
    const struct vfs_path *at = which == PROCFS_LINK_CWD    ? &p->fsctx.cwd
                                : which == PROCFS_LINK_ROOT ? &p->fsctx.root
                                                            : &p->exe;
    return at->mnt ? copy_path_name(at, buf, size) : -ENOENT;
}

static int pf_link(void *ctx, int32_t tgid, enum procfs_link which, char *buf, size_t size)
{
    (void)ctx;
    struct process *p = proc_get(tgid);
    if (!p)
        return -ESRCH;
    int r = pf_link_of(p, which, buf, size);
    proc_put(p);
    return r;
}

static int32_t pf_next_fd(void *ctx, int32_t tgid, int32_t after)
{
    (void)ctx;
    struct process *p = proc_get(tgid);
    if (!p)
        return -1;
    int32_t fd = proc_fd_next(p, after);
    proc_put(p);
    return fd;
}

/* The name /proc/PID/fd/N links to for the open file f. */
static int file_link_name(struct file *f, char *buf, size_t size)
{
    char name[32];
    if (f->kind == FILE_CONSOLE)
        return copy_text("/dev/ttyAMA0", buf, size);
    if (f->kind == FILE_OPS) {
        ksnprintf(name, sizeof(name), "pipe:[%lu]",
                  (unsigned long)((uint64_t)f->obj >> 4 & 0xffffff));
        return copy_text(name, buf, size);
    }
    return f->vf ? copy_path_name(&f->vf->path, buf, size) : -ENOENT;
}

static int pf_fd_path_of(struct process *p, int32_t fd, char *buf, size_t size)
{
    struct file *f = proc_fd_get(p, fd);
    if (!f)
        return -ENOENT;
    int r = file_link_name(f, buf, size);
    file_put(f);
    return r;
}

static int pf_fd_path(void *ctx, int32_t tgid, int32_t fd, char *buf, size_t size)
{
    (void)ctx;
    struct process *p = proc_get(tgid);
    if (!p)
        return -ENOENT;
    int r = pf_fd_path_of(p, fd, buf, size);
    proc_put(p);
    return r;
}

static int pf_mount(void *ctx, int32_t tgid, unsigned index, struct procfs_mount *out)
{
    (void)ctx, (void)tgid; /* one mount namespace */
    return mount_table_get(index, out);
}

static int pf_filesystem(void *ctx, unsigned index, char *name, bool *nodev)
{
    (void)ctx;
    static const char *const names[] = {"ext4",  "ext3",     "ext2", "vfat",
                                        "tmpfs", "devtmpfs", "proc", "sysfs"};
    if (index >= sizeof(names) / sizeof(names[0]))
        return -ENOENT;
    strlcpy(name, names[index], 32);
    *nodev = index >= 4;
    return 0;
}

struct count_arg {
    uint32_t procs, threads, running;
};

static bool count_one(struct process *p, void *arg)
{
    struct count_arg *c = arg;
    c->procs++;
    c->threads += (uint32_t)p->nthreads;
    return false;
}

static int pf_sys_info(void *ctx, struct procfs_sys_info *o)
{
    (void)ctx;
    memset(o, 0, sizeof(*o));
    o->uptime_ns = exo_time_ns();
    struct count_arg c = {0, 0, 0};
    int dummy;
    proc_collect(count_one, &c, &dummy, 0);
    o->nr_running = 1;
    o->nr_threads = c.threads;
    o->procs_running = 1;
    o->ncpus = exo_cpu_count();
    o->btime = (uint64_t)libos_realtime_offset_ns / 1000000000;
    o->pid_max = 32768;
    struct exo_mem_stats st;
    exo_mem_stats(&st);
    o->mem.mem_total = st.total_frames * 4;
    o->mem.mem_free = st.free_frames * 4;
    o->mem.mem_available = st.free_frames * 4;
    o->mem.commit_limit = st.total_frames * 4;
    o->mem.vmalloc_total = 34359738367ULL;
    return 0;
}

static int pf_cpu_times(void *ctx, uint32_t cpu, struct procfs_cpu_times *o)
{
    (void)ctx;
    if (cpu >= exo_cpu_count())
        return -ENOENT;
    memset(o, 0, sizeof(*o));
    o->idle = exo_time_ns() / TICK_NS; /* busy time per CPU is not accounted separately yet */
    return 0;
}

static int pf_cpu_id(void *ctx, uint32_t cpu, struct procfs_cpu_id *o)
{
    (void)ctx;
    if (cpu >= exo_cpu_count())
        return -ENOENT;
    memset(o, 0, sizeof(*o));
    o->midr = exo_cpu_midr(cpu);
    o->bogomips_x100 = 12500; /* the generic timer runs at 62.5 MHz: Linux prints 125.00 */
    strlcpy(o->features, "fp asimd evtstrm cpuid", sizeof(o->features));
    return 0;
}

static int pf_uts(void *ctx, struct procfs_uts *o)
{
    (void)ctx;
    memset(o, 0, sizeof(*o));
    strlcpy(o->sysname, "Linux", sizeof(o->sysname));
    strlcpy(o->nodename, libos_hostname, sizeof(o->nodename));
    strlcpy(o->release, "6.1.0-exo", sizeof(o->release));
    strlcpy(o->version, "#1 SMP exo " EXO_VERSION, sizeof(o->version));
    strlcpy(o->domainname, "(none)", sizeof(o->domainname));
    strlcpy(o->builder, "exo@build", sizeof(o->builder));
    strlcpy(o->compiler, "aarch64-linux-gnu-gcc", sizeof(o->compiler));
    strlcpy(o->cmdline, boot_cmdline, sizeof(o->cmdline));
    return 0;
}

static const struct procfs_provider provider = {
    .ctx = NULL,
    .current = pf_current,
    .next_pid = pf_next_pid,
    .next_tid = pf_next_tid,
    .task_info = pf_task_info,
    .read_area = pf_read_area,
    .maps = pf_maps,
    .link = pf_link,
    .next_fd = pf_next_fd,
    .fd_path = pf_fd_path,
    .mount = pf_mount,
    .filesystem = pf_filesystem,
    .sys_info = pf_sys_info,
    .cpu_times = pf_cpu_times,
    .cpu_id = pf_cpu_id,
    .uts = pf_uts,
};

void procfs_glue_init(const char *cmdline)
{
    boot_cmdline = cmdline;
    procfs_set_provider(&provider);
}
