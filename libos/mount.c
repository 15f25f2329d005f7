/*
 * mount/umount2, the mount table and the filesystem types the libOS can mount (the root ext4 comes
 * from the ramdisk at boot, see files.c), plus sync, reboot and the host name.
 */
#include <string.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <fs/devfs.h>
#include <fs/procfs.h>
#include <fs/tmpfs.h>
#include <fs/vfs.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <lib/list.h>
#include <lib/spinlock.h>
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/file.h>
#include <libos/mount.h>
#include <libos/proc.h>
#include <mm/slab.h>
#include "files_internal.h"

/* What mount(2) can mount by type name: memory filesystems, no block device. */
enum fs_kind { FS_PLAIN, FS_SYSFS };
struct fs_type_entry {
    const char *name;
    const struct vfs_fs_type *type;
    enum fs_kind kind;
};

static const struct fs_type_entry mountable[] = {
    {"tmpfs", &tmpfs_fs_type, FS_PLAIN},   {"devtmpfs", &devfs_fs_type, FS_PLAIN},
    {"devfs", &devfs_fs_type, FS_PLAIN},   {"devpts", &devpts_fs_type, FS_PLAIN},
    {"proc", &procfs_fs_type, FS_PLAIN},   {"sysfs", &tmpfs_fs_type, FS_SYSFS},
    {NULL, NULL, FS_PLAIN},
};

/* One mounted filesystem, as /proc/mounts names it. */
struct mount_rec {
    struct list_node link;
    struct vfs_mount *mnt;
    char device[64];
    char fstype[16];
    char *path;     /* absolute, from the global root */
    bool always_ro; /* sysfs, proc: never writable */
};

static struct list_node mount_list = LIST_INIT(mount_list);
/* Guards mount_list and serializes mount/umount so a record outlives its lookup. */
static struct spinlock mount_lock = SPINLOCK_INIT("mount");

static uint64_t devfs_seed(void)
{
    return exo_time_ns() * 0x9e3779b97f4a7c15ULL;
}

/* Adds a record for mnt mounted at path (copied): 0 or -ENOMEM. Caller holds mount_lock. */
static int record_mount(struct vfs_mount *mnt, const char *device, const char *fstype,
                        const char *path, bool always_ro)
{
    struct mount_rec *r = kzalloc(sizeof(*r));
    size_t n = strlen(path) + 1;
    char *copy = kmalloc(n);
    if (!r || !copy) {
        kfree(r);
        kfree(copy);
        return -ENOMEM;
    }
    memcpy(copy, path, n);
    *r = (struct mount_rec){.mnt = mnt, .path = copy, .always_ro = always_ro};
    strlcpy(r->device, device, sizeof(r->device));
    strlcpy(r->fstype, fstype, sizeof(r->fstype));
    list_insert_between(&r->link, mount_list.prev, &mount_list);
    return 0;
}

static struct mount_rec *find_rec(struct vfs_mount *mnt)
{
    struct list_node *n;
    list_for_each(n, &mount_list)
    {
        struct mount_rec *r = list_entry(n, struct mount_rec, link);
        if (r->mnt == mnt)
            return r;
    }
    return NULL;
}

void mount_init(void)
{
    devfs_register_builtins(devfs_seed); /* null, zero, full, random, urandom */
    struct vfs_path root;
    if (vfs_root(&root))
        return;
    spin_lock(&mount_lock);
    if (record_mount(root.mnt, "/dev/root", root.mnt->sb->type, "/", false))
        klog("libos: no memory for the mount table\n");
    spin_unlock(&mount_lock);
    vfs_path_put(&root);
}

int mount_table_get(unsigned index, struct procfs_mount *out)
{
    int err = -ENOENT;
    spin_lock(&mount_lock);
    struct list_node *n;
    list_for_each(n, &mount_list)
    {
        if (index--)
            continue;
        struct mount_rec *r = list_entry(n, struct mount_rec, link);
        strlcpy(out->device, r->device, sizeof(out->device));
        strlcpy(out->path, r->path, sizeof(out->path));
        strlcpy(out->fstype, r->fstype, sizeof(out->fstype));
        bool ro = r->mnt->sb->flags & VFS_SB_RDONLY;
        strlcpy(out->options, ro ? "ro,relatime" : "rw,relatime", sizeof(out->options));
        err = 0;
        break;
    }
    spin_unlock(&mount_lock);
    return err;
}

static const struct fs_type_entry *find_type(const char *name)
{
    for (const struct fs_type_entry *e = mountable; e->name; e++) {
        if (!strcmp(e->name, name))
            return e;
    }
    return NULL;
}

/* Writes text into a new file at path (relative to c's root): 0 or a negative errno. */
static int sysfs_file(const struct vfs_ctx *c, const char *path, const char *text)
{
    struct vfs_file *f;
    int err = vfs_open(c, path, VFS_O_CREAT | VFS_O_EXCL | VFS_O_WRONLY, 0444, &f);
    if (err)
        return err;
    int64_t n = vfs_write(f, text, strlen(text));
    vfs_file_put(f);
    return n < 0 ? (int)n : 0;
}

/*
 * Fills a fresh tmpfs mounted at mnt with the few /sys files programs read on this machine,
 * then makes it read-only. The libOS has no device model to mirror, so this is a fixed
 * tree of true values: the console's tty (busybox cttyhack), CPU ranges and cpuN
 * directories (glibc's get_nprocs and get_nprocs_conf).
 */
static int sysfs_fill(struct vfs_mount *mnt)
{
    struct vfs_path top = {mnt, mnt->root};
    struct vfs_ctx c = {top, top, {.uid = 0, .gid = 0}};
    static const char *const dirs[] = {"block",
                                       "bus",
                                       "class",
                                       "class/tty",
                                       "class/tty/console",
                                       "class/tty/ttyAMA0",
                                       "dev",
                                       "devices",
                                       "devices/system",
                                       "devices/system/cpu",
                                       "firmware",
                                       "fs",
                                       "kernel",
                                       NULL};
    int err = 0;
    for (unsigned i = 0; dirs[i] && !err; i++)
        err = vfs_mkdir(&c, dirs[i], 0755);
    char cpus[16], name[48];
    unsigned n = exo_cpu_count();
    if (n > 1)
        ksnprintf(cpus, sizeof(cpus), "0-%u\n", n - 1);
    else
        strlcpy(cpus, "0\n", sizeof(cpus));
    static const char *const cpu_files[] = {"online", "possible", "present"};
    for (unsigned i = 0; i < 3 && !err; i++) {
        ksnprintf(name, sizeof(name), "devices/system/cpu/%s", cpu_files[i]);
        err = sysfs_file(&c, name, cpus);
    }
    for (unsigned i = 0; i < n && !err; i++) {
        ksnprintf(name, sizeof(name), "devices/system/cpu/cpu%u", i);
        err = vfs_mkdir(&c, name, 0755);
    }
    if (!err)
        err = sysfs_file(&c, "class/tty/console/active", "ttyAMA0\n");
    if (!err)
        err = sysfs_file(&c, "class/tty/ttyAMA0/dev", "204:64\n");
    mnt->sb->flags |= VFS_SB_RDONLY;
    return err;
}

/* Linux's mount flags this mount(2) understands. */
#define MS_RDONLY      1u
#define MS_REMOUNT     32u
#define MS_BIND        4096u
#define MS_MOVE        8192u
#define MS_PROPAGATION (0x1e0000u | 0x4000u) /* UNBINDABLE PRIVATE SLAVE SHARED, MS_REC */

/* MS_REMOUNT: switches a mounted filesystem between read-only and read-write. */
static long remount(struct vfs_path *at, uint64_t flags)
{
    if (at->dentry != at->mnt->root)
        return -EINVAL;
    spin_lock(&mount_lock);
    struct mount_rec *r = find_rec(at->mnt);
    long err = r ? 0 : -EINVAL;
    if (r && !(flags & MS_RDONLY) && r->always_ro)
        err = -EACCES;
    if (!err && (flags & MS_RDONLY))
        r->mnt->sb->flags |= VFS_SB_RDONLY;
    else if (!err)
        r->mnt->sb->flags &= ~VFS_SB_RDONLY;
    spin_unlock(&mount_lock);
    return err;
}

/* Mounts a filesystem of type e on at (named path) and records it. */
static long mount_new(const struct fs_type_entry *e, struct vfs_path *at, const char *path,
                      const char *device, uint64_t flags)
{
    struct vfs_mount *mnt;
    spin_lock(&mount_lock);
    long err = vfs_mount(e->type, NULL, (uint32_t)(flags & MS_RDONLY), at, &mnt);
    if (!err && e->kind == FS_SYSFS)
        err = sysfs_fill(mnt);
    bool ro = e->kind == FS_SYSFS || e->type == &procfs_fs_type;
    if (!err)
        err = record_mount(mnt, device, e->name, path, ro);
    if (err && mnt)
        vfs_umount(mnt);
    spin_unlock(&mount_lock);
    return err;
}

/* Copies the mount(2) strings in: type (may be absent for remount) and the device name. */
static long mount_strings(uint64_t usource, uint64_t utype, char *type, char *device)
{
    type[0] = device[0] = '\0';
    long err = utype ? strncpy_from_user(type, utype, 32) : 0;
    if (err >= 0 && usource)
        err = strncpy_from_user(device, usource, 64);
    return err < 0 ? err : 0;
}

SYSCALL_DEFINE5(mount, uint64_t, usource, uint64_t, utarget, uint64_t, utype, uint64_t, flags,
                uint64_t, data)
{
    (void)data; /* options (mode=, size=) are not interpreted */
    struct process *p = current_proc();
    if (p->euid != 0)
        return -EPERM;
    if (flags & (MS_BIND | MS_MOVE))
        return -EINVAL;
    char type[32], device[64], *target = kmalloc(4096), *name = kmalloc(4096);
    long err = target && name ? mount_strings(usource, utype, type, device) : -ENOMEM;
    if (!err)
        err = strncpy_from_user(target, utarget, 4096);
    err = err < 0 ? err : 0;
    struct vfs_path at;
    if (!err)
        err = vfs_walk(&p->fsctx.root, &p->fsctx.cwd, target, VFS_WALK_DIRECTORY, &at);
    if (!err) {
        const struct fs_type_entry *e = find_type(type);
        int n = vfs_path_name(&p->fsctx.root, &at, name, 4096, NULL);
        if (flags & MS_REMOUNT)
            err = remount(&at, flags);
        else if (!(flags & ~MS_PROPAGATION & 0xffff0000u) && (flags & MS_PROPAGATION) && !utype)
            err = at.dentry == at.mnt->root ? 0 : -EINVAL; /* one namespace: nothing to do */
        else if (!e)
            err = -ENODEV;
        else
            err = n < 0 ? n : mount_new(e, &at, name, device[0] ? device : type, flags);
        vfs_path_put(&at);
    }
    kfree(target);
    kfree(name);
    return err;
}

#define MNT_FORCE       1u
#define UMOUNT_NOFOLLOW 8u

/* Unmounts the filesystem whose root at names, forgets its record, and drops at. */
static long umount_at(struct vfs_path *at)
{
    struct vfs_mount *mnt = at->mnt;
    bool top = at->dentry == mnt->root;
    spin_lock(&mount_lock); /* the mount itself stays referenced until vfs_umount */
    vfs_path_put(at);
    long err = !top ? -EINVAL : mnt->parent == mnt ? -EBUSY : 0; /* the root filesystem */
    struct mount_rec *r = err ? NULL : find_rec(mnt);
    if (!err)
        err = r ? vfs_umount(mnt) : -EINVAL;
    if (!err) {
        list_remove(&r->link);
        kfree(r->path);
        kfree(r);
    }
    spin_unlock(&mount_lock);
    return err;
}

SYSCALL_DEFINE2(umount2, uint64_t, utarget, unsigned, flags)
{
    struct process *p = current_proc();
    if (flags & ~(MNT_FORCE | UMOUNT_NOFOLLOW))
        return -EINVAL; /* MNT_DETACH, MNT_EXPIRE and unknown flags */
    if (p->euid != 0)
        return -EPERM;
    char *target = kmalloc(4096);
    long err = target ? strncpy_from_user(target, utarget, 4096) : -ENOMEM;
    struct vfs_path at;
    if (err >= 0)
        err = vfs_walk(&p->fsctx.root, &p->fsctx.cwd, target,
                       flags & UMOUNT_NOFOLLOW ? VFS_WALK_NOFOLLOW : 0, &at);
    if (!err)
        err = umount_at(&at);
    kfree(target);
    return err;
}

SYSCALL_DEFINE0(sync)
{
    vfs_sync_all();
    return 0;
}

/* fsync/fdatasync/syncfs's descriptor: 0, EBADF (not open, O_PATH) or, unless any_file,
 * EINVAL for files that cannot be synced (pipes, the console). */
static long sync_fd_check(int fd, bool any_file)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    long err = !any_file && f->kind != FILE_VFS ? -EINVAL : 0;
    file_put(f);
    return err;
}

SYSCALL_DEFINE1(syncfs, int, fd)
{
    long err = sync_fd_check(fd, true);
    return err ? err : vfs_sync_all();
}

SYSCALL_DEFINE1(fsync, int, fd)
{
    long err = sync_fd_check(fd, false);
    return err ? err : vfs_sync_all();
}

SYSCALL_DEFINE1(fdatasync, int, fd)
{
    long err = sync_fd_check(fd, false);
    return err ? err : vfs_sync_all();
}

SYSCALL_DEFINE4(reboot, unsigned, magic1, unsigned, magic2, unsigned, cmd, uint64_t, arg)
{
    (void)magic2, (void)arg;
    if (magic1 != LINUX_REBOOT_MAGIC1)
        return -EINVAL;
    if (current_proc()->euid != 0)
        return -EPERM;
    switch (cmd) {
    case LINUX_REBOOT_CMD_CAD_ON:
    case LINUX_REBOOT_CMD_CAD_OFF:
        return 0;
    case LINUX_REBOOT_CMD_POWER_OFF:
    case LINUX_REBOOT_CMD_HALT:
    case LINUX_REBOOT_CMD_RESTART: /* no warm reset on this board: power off */
        vfs_sync_all();
        klog("libos: power off\n");
        exo_machine_exit(0);
    default:
        return -EINVAL;
    }
}

char libos_hostname[65] = "exo";

SYSCALL_DEFINE2(sethostname, uint64_t, uname, int, len)
{
    if (current_proc()->euid != 0)
        return -EPERM;
    if (len < 0 || len > 64)
        return -EINVAL;
    char buf[65] = {0};
    if (copy_from_user(buf, uname, (uint64_t)len))
        return -EFAULT;
    memcpy(libos_hostname, buf, sizeof(buf));
    return 0;
}
