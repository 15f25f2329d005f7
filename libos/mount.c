/*
 * mount/umount2 and the table of filesystem types the libOS can mount (the root ext4 comes
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
#include <libos/abi/linux.h>
#include <libos/abi/syscall.h>
#include <libos/file.h>
#include <libos/proc.h>
#include <mm/slab.h>

struct fs_type_entry {
    const char *name;
    const struct vfs_fs_type *type;
};

/* Memory filesystems mount without a block device. */
static const struct fs_type_entry mountable[] = {
    {"tmpfs", &tmpfs_fs_type},
    {"devtmpfs", &devfs_fs_type},
    {"devfs", &devfs_fs_type},
    {"devpts", &devpts_fs_type},
    {"proc", &procfs_fs_type},
    {NULL, NULL},
};

static uint64_t devfs_seed(void)
{
    return exo_time_ns() * 0x9e3779b97f4a7c15ULL;
}

/* Devices every devfs mount shows (null, zero, full, random, urandom). */
void mount_init(void)
{
    devfs_register_builtins(devfs_seed);
}

static const struct vfs_fs_type *find_type(const char *name)
{
    for (const struct fs_type_entry *e = mountable; e->name; e++) {
        if (!strcmp(e->name, name))
            return e->type;
    }
    return NULL;
}

SYSCALL_DEFINE5(mount, uint64_t, usource, uint64_t, utarget, uint64_t, utype, uint64_t,
                flags, uint64_t, data)
{
    (void)usource, (void)data;
    struct process *p = current_proc();
    if (p->euid != 0)
        return -EPERM;
    char type[32], *target = kmalloc(4096);
    if (!target)
        return -ENOMEM;
    long err = strncpy_from_user(type, utype, sizeof(type));
    if (err >= 0)
        err = strncpy_from_user(target, utarget, 4096);
    const struct vfs_fs_type *t = err >= 0 ? find_type(type) : NULL;
    if (err >= 0 && !t)
        err = -ENODEV;
    struct vfs_path at;
    if (err >= 0)
        err = vfs_walk(&p->fsctx.root, &p->fsctx.cwd, target, VFS_WALK_DIRECTORY, &at);
    if (err >= 0) {
        struct vfs_mount *mnt;
        err = vfs_mount(t, NULL, (uint32_t)flags, &at, &mnt);
        vfs_path_put(&at);
    }
    kfree(target);
    return err < 0 ? err : 0;
}

SYSCALL_DEFINE0(sync)
{
    vfs_sync_all();
    return 0;
}

SYSCALL_DEFINE1(syncfs, int, fd)
{
    (void)fd;
    return vfs_sync_all();
}

SYSCALL_DEFINE1(fsync, int, fd)
{
    (void)fd;
    return vfs_sync_all();
}

SYSCALL_DEFINE1(fdatasync, int, fd)
{
    (void)fd;
    return vfs_sync_all();
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
