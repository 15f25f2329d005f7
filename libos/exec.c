/*
 * Loading an ELF image into a process (the mapping half of execve; planning, #! and the
 * stack layout are libos/exec/). Segments are mapped anonymous and filled from the image,
 * then given their final protection; the stack is built below EXEC_STACK_TOP.
 */
#include <string.h>
#include <exo/cpu.h>
#include <exo/env.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <libos/exec.h>
#include <libos/file.h>
#include <libos/proc.h>
#include <mm/slab.h>

#define STACK_INITIAL (128 * 1024)
#define HWCAP_FP      (1 << 0)
#define HWCAP_ASIMD   (1 << 1)

struct mem_image {
    const uint8_t *data;
    uint64_t size;
};

long files_exec_read(void *ctx, uint64_t off, void *buf, size_t len);

static long image_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    const struct mem_image *m = ctx;
    if (off >= m->size)
        return 0;
    size_t n = MIN(len, m->size - off);
    memcpy(buf, m->data + off, n);
    return (long)n;
}

/* Reads through an exec_file (memory image or VFS file). */
static int file_read_all(const struct exec_file *f, uint64_t off, void *buf, size_t len)
{
    long n = f->read(f->ctx, off, buf, len);
    return n == (long)len ? 0 : -EIO;
}

/* Maps one planned segment and copies its file bytes. Address space lock held. */
static int map_segment(struct process *p, const struct exec_mapping *m)
{
    uint64_t addr;
    int err = mm_mmap(&p->vm->as, m->vaddr, m->len, MM_PROT_READ | MM_PROT_WRITE,
                      MM_MAP_PRIVATE | MM_MAP_FIXED | MM_MAP_ANONYMOUS, NULL, 0, &addr);
    if (err)
        return err;
    vm_sync(p->vm, m->vaddr, m->len);
    return 0;
}

static int fill_segment(struct process *p, const struct exec_mapping *m,
                        const struct exec_file *f)
{
    uint64_t in_page = m->file_off & (EXEC_PAGE_SIZE - 1);
    uint8_t *buf = kmalloc(EXEC_PAGE_SIZE);
    if (!buf)
        return -ENOMEM;
    int err = 0;
    for (uint64_t done = 0; done < m->file_len && !err; done += EXEC_PAGE_SIZE) {
        size_t n = MIN(EXEC_PAGE_SIZE, m->file_len - done);
        err = file_read_all(f, m->file_off + done, buf, n);
        if (!err)
            err = copy_to_proc(p, m->vaddr + in_page + done, buf, n);
    }
    kfree(buf);
    return err;
}

/* Maps every segment of plan, fills them from f, then applies their protections. */
static int load_segments(struct process *p, const struct exec_elf_plan *plan,
                         const struct exec_file *f)
{
    int err = 0;
    for (uint32_t i = 0; i < plan->nmaps && !err; i++) {
        mutex_lock(&p->vm->as_lock);
        err = map_segment(p, &plan->maps[i]);
        mutex_unlock(&p->vm->as_lock);
        if (!err)
            err = fill_segment(p, &plan->maps[i], f);
    }
    mutex_lock(&p->vm->as_lock);
    for (uint32_t i = 0; i < plan->nmaps && !err; i++) {
        err = mm_mprotect(&p->vm->as, plan->maps[i].vaddr, plan->maps[i].len, plan->maps[i].prot);
        vm_sync(p->vm, plan->maps[i].vaddr, plan->maps[i].len);
    }
    mutex_unlock(&p->vm->as_lock);
    return err;
}

/* Builds argv/envp/auxv at the top of a fresh stack; returns the initial SP. */
static int build_stack(struct process *p, const struct exec_elf_plan *plan, uint64_t interp_base,
                       const char *path, const char *const *argv, const char *const *envp,
                       uint64_t *sp)
{
    size_t argc = 0, envc = 0;
    while (argv && argv[argc])
        argc++;
    while (envp && envp[envc])
        envc++;
    uint8_t random[16];
    uint64_t seed = exo_time_ns() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)p->pid;
    for (int i = 0; i < 16; i++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        random[i] = (uint8_t)seed;
    }
    struct exec_stack_args args = {
        .stack_top = EXEC_STACK_TOP, .argv = argv, .argc = argc, .envp = envp, .envc = envc,
        .execfn = path, .random = random, .rlimit_stack = EXEC_STK_LIM,
    };
    args.aux = (struct exec_auxv){
        .minsigstksz = 5120,
        .hwcap = HWCAP_FP | HWCAP_ASIMD,
        .phdr = plan->phdr_addr, .phent = plan->phent, .phnum = plan->phnum,
        .entry = plan->entry, .base = interp_base,
        .uid = p->uid, .euid = p->euid, .gid = p->gid, .egid = p->egid,
    };
    struct exec_stack_layout layout;
    int err = exec_stack_build(&args, &layout);
    if (err)
        return err;
    size_t need = ALIGN_UP(layout.size, EXEC_PAGE_SIZE);
    uint64_t addr;
    mutex_lock(&p->vm->as_lock);
    err = mm_mmap(&p->vm->as, EXEC_STACK_TOP - STACK_INITIAL, STACK_INITIAL,
                  MM_PROT_READ | MM_PROT_WRITE,
                  MM_MAP_PRIVATE | MM_MAP_FIXED | MM_MAP_ANONYMOUS | MM_MAP_GROWSDOWN, NULL, 0,
                  &addr);
    mutex_unlock(&p->vm->as_lock);
    if (err)
        return err;
    uint8_t *buf = kmalloc(need);
    if (!buf)
        return -ENOMEM;
    args.buf = buf;
    args.buf_size = need;
    err = exec_stack_build(&args, &layout);
    if (!err)
        err = copy_to_proc(p, EXEC_STACK_TOP - need, buf, need);
    kfree(buf);
    p->arg_start = layout.arg_start;
    p->arg_end = layout.arg_end;
    p->env_start = layout.env_start;
    p->env_end = layout.env_end;
    *sp = layout.sp;
    return err;
}

#define INTERP_BASE 0xfffef0000000UL /* just below the mmap area */

/* Names the VMAs of plan's segments (whatever mm_mmap made of them) name. */
static void name_segments(struct process *p, const struct exec_elf_plan *plan, const char *name)
{
    mutex_lock(&p->vm->as_lock);
    for (uint32_t i = 0; i < plan->nmaps; i++) {
        const struct exec_mapping *m = &plan->maps[i];
        for (struct vma *v = vma_find_next(&p->vm->as.vmas, m->vaddr);
             v && v->start < m->vaddr + m->len; v = vma_next(v))
            v->name = name;
    }
    mutex_unlock(&p->vm->as_lock);
}

/* Moves p (alone now) from its address space, which it may share with other processes
 * (vfork, CLONE_VM), to the empty one fresh. */
static void exec_switch_vm(struct process *p, struct vmspace *fresh)
{
    proc_sample_maxrss(p);
    struct vmspace *old = p->vm;
    spin_lock(&p->lock);
    __atomic_store_n(&p->vm, fresh, __ATOMIC_RELEASE);
    spin_unlock(&p->lock);
    if (old)
        vmspace_put(old);
}

/* Loads the ELF behind f (the file vf, NULL for a memory image; and its interpreter, opened
 * by path) into p; sets t's registers. execfn is the name given to execve (AT_EXECFN and the
 * command name). */
static int exec_elf(struct process *p, struct task *t, const char *execfn,
                    const struct exec_file *f, const struct vfs_file *vf, const char *const *argv,
                    const char *const *envp)
{
    const char *path = execfn;
    struct exec_elf_plan plan, iplan;
    int err = exec_elf_plan(f, &plan);
    if (err)
        return err;
    if (plan.type == ET_DYN)
        exec_elf_place(&plan, EXEC_ET_DYN_BASE);
    struct vfs_file *interp = NULL;
    struct exec_file ifile;
    if (plan.has_interp) {
        char ipath[256];
        long n = exec_elf_read_interp(f, &plan, ipath, sizeof(ipath));
        if (n < 0)
            return (int)n;
        if ((err = files_open_exec(p, ipath, &interp)))
            return err;
        struct vfs_stat st;
        vfs_fstat(interp, &st);
        ifile = (struct exec_file){files_exec_read, interp, st.size};
        err = exec_elf_plan(&ifile, &iplan);
        if (!err && iplan.has_interp)
            err = -ELIBBAD;
        if (!err)
            exec_elf_place(&iplan, INTERP_BASE);
    }
    struct exec_names *names = err ? NULL : exec_names_new(p, vf, path, interp);
    if (!err && !names)
        err = -ENOMEM;
    struct vmspace *fresh = err ? NULL : vmspace_new();
    if (!err && !fresh)
        err = -ENOMEM;
    /* Point of no return: the other threads end, then the old address space goes. */
    if (!err && (err = proc_exec_flush_threads(t)))
        vmspace_put(fresh);
    if (err && names)
        exec_names_put(names);
    if (!err) {
        p->exec_committed = true;
        proc_set_image(p, vf, names);
        exec_names_put(names);
        exec_switch_vm(p, fresh);
    }
    if (!err)
        err = load_segments(p, &plan, f);
    if (!err && interp)
        err = load_segments(p, &iplan, &ifile);
    if (interp)
        vfs_file_put(interp);
    if (!err) {
        name_segments(p, &plan, exec_names_exe(p->names));
        if (interp)
            name_segments(p, &iplan, exec_names_interp(p->names));
        err = signal_map_trampoline(p);
    }
    if (err)
        return err;
    mutex_lock(&p->vm->as_lock);
    p->vm->as.layout.brk_start = plan.brk;
    p->vm->as.brk = plan.brk;
    p->brk_start = plan.brk;
    mutex_unlock(&p->vm->as_lock);
    uint64_t sp;
    if ((err = build_stack(p, &plan, interp ? iplan.bias : 0, path, argv, envp, &sp)))
        return err;
    memset(&t->uctx, 0, sizeof(t->uctx));
    t->uctx.pc = interp ? iplan.entry : plan.entry;
    t->uctx.sp = sp;
    const char *base = strrchr(path, '/');
    task_set_comm(t, base ? base + 1 : path);
    strlcpy(p->comm, t->comm, sizeof(p->comm));
    return 0;
}

int exec_image(struct process *p, struct task *t, const char *path, const void *image,
               uint64_t size, const char *const *argv, const char *const *envp)
{
    struct mem_image mi = {image, size};
    struct exec_file file = {image_read, &mi, size};
    return exec_elf(p, t, path, &file, NULL, argv, envp);
}

int exec_path(struct process *p, struct task *t, const char *path, const char *const *argv,
              const char *const *envp)
{
    const char *execfn = path; /* scripts keep the name execve was given */
    const char *new_argv[EXEC_MAX_SCRIPT_DEPTH * 2 + 64];
    struct exec_shebang sb[EXEC_MAX_SCRIPT_DEPTH + 1];
    for (unsigned depth = 0;; depth++) {
        int err = exec_script_depth_check(depth);
        if (err)
            return err;
        struct vfs_file *vf;
        if ((err = files_open_exec(p, path, &vf)))
            return err;
        struct vfs_stat st;
        vfs_fstat(vf, &st);
        uint8_t head[EXEC_BINPRM_BUF_SIZE];
        int64_t n = vfs_pread(vf, head, sizeof(head), 0);
        if (n >= 2 && head[0] == '#' && head[1] == '!') {
            err = exec_shebang_parse(head, (size_t)n, &sb[depth]);
            vfs_file_put(vf);
            if (err)
                return err;
            size_t argc = 0;
            while (argv[argc])
                argc++;
            long k = exec_shebang_argv(&sb[depth], path, argv, argc, new_argv,
                                       sizeof(new_argv) / sizeof(new_argv[0]) - 1);
            if (k < 0)
                return (int)k;
            new_argv[k] = NULL;
            argv = new_argv;
            path = sb[depth].interp;
            continue;
        }
        if (n < 4 || !exec_is_elf(head, (size_t)n)) {
            vfs_file_put(vf);
            return -ENOEXEC;
        }
        struct exec_file file = {files_exec_read, vf, st.size};
        err = exec_elf(p, t, execfn, &file, vf, argv, envp);
        vfs_file_put(vf);
        return err;
    }
}
