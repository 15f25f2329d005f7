/*
 * What a process runs: the program file (/proc/PID/exe) and the names its program and
 * interpreter mappings carry in /proc/PID/maps. The names are one shared, immutable,
 * reference-counted allocation: VMAs point into it, fork copies those pointers, so every
 * process whose address space came from one execve holds a reference until that address
 * space is gone.
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/proc.h>
#include <mm/slab.h>

struct exec_names {
    int refs;
    const char *exe, *interp; /* interp NULL for a static program */
    char text[];
};

/* Absolute names of the program f and its interpreter (either may be NULL: then name is
 * used as given) as p sees them; NULL without memory. */
struct exec_names *exec_names_new(struct process *p, const struct vfs_file *f, const char *name,
                                  const struct vfs_file *interp)
{
    enum { MAX = 1024 };
    struct exec_names *n = kmalloc(sizeof(*n) + 2 * MAX);
    if (!n)
        return NULL;
    n->refs = 1;
    char *exe = n->text, *in = n->text + MAX;
    if (!f || vfs_path_name(&p->fsctx.root, &f->path, exe, MAX, NULL) < 0)
        strlcpy(exe, name, MAX);
    n->exe = exe;
    n->interp = interp && vfs_path_name(&p->fsctx.root, &interp->path, in, MAX, NULL) >= 0 ? in : NULL;
    return n;
}

const char *exec_names_exe(const struct exec_names *n)
{
    return n->exe;
}

const char *exec_names_interp(const struct exec_names *n)
{
    return n->interp;
}

void exec_names_put(struct exec_names *n)
{
    if (n && __atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL) == 0)
        kfree(n);
}

/* Makes f (or nothing) p's executable and names the program image p now runs; drops the
 * previous ones. Takes its own references. */
void proc_set_image(struct process *p, const struct vfs_file *f, struct exec_names *names)
{
    struct vfs_path old = p->exe;
    struct exec_names *old_names = p->names;
    if (f) {
        p->exe = f->path;
        vfs_path_get(&p->exe);
    } else {
        p->exe = (struct vfs_path){NULL, NULL};
    }
    if (names)
        __atomic_add_fetch(&names->refs, 1, __ATOMIC_RELAXED);
    p->names = names;
    if (old.mnt)
        vfs_path_put(&old);
    exec_names_put(old_names);
}

void proc_inherit_image(struct process *child, const struct process *parent)
{
    child->exe = parent->exe;
    if (child->exe.mnt)
        vfs_path_get(&child->exe);
    child->names = parent->names;
    if (child->names)
        __atomic_add_fetch(&child->names->refs, 1, __ATOMIC_RELAXED);
}

void proc_drop_image(struct process *p)
{
    if (p->exe.mnt)
        vfs_path_put(&p->exe);
    p->exe = (struct vfs_path){NULL, NULL};
    exec_names_put(p->names);
    p->names = NULL;
}
