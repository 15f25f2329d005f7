/*
 * devfs: a filesystem of device nodes backed by registered callbacks. Mount with
 * vfs_mount(&devfs_fs_type, NULL, flags, at, &mnt); every mount shows all registered
 * devices, including ones registered later (devfs_register adds them to mounted instances).
 * Otherwise it behaves as a tmpfs (root mode 0755): mkdir, symlink (/dev/fd ->
 * /proc/self/fd), mknod, and mounting another filesystem on a subdirectory (/dev/shm) work;
 * statfs reports TMPFS_MAGIC, as Linux's devtmpfs does.
 *
 * A device is keyed by its name (may contain '/': "pts/0" creates pts/ as needed) and by
 * (type, rdev), both unique. Reads and writes of a character or block node of a devfs go to
 * the device registered for its type and number (ENXIO when there is none), with the
 * registration's ctx; nodes elsewhere (an ext4 /dev, a tmpfs) are dispatched by the library
 * OS with devfs_find. Device operations are called with no filesystem or VFS lock held and
 * may sleep.
 *
 * Per-open state (ptmx makes a new pty pair per open): a device may implement open, which
 * yields a file context; the library OS calls it through devfs_find when it opens a node,
 * passes the file context to the other operations instead of the registration's ctx, and
 * calls release on the last close.
 */
#ifndef FS_DEVFS_H
#define FS_DEVFS_H
#include <fs/vfs.h>

/* poll readiness bits (Linux values) */
#define DEVFS_POLLIN     0x001u
#define DEVFS_POLLPRI    0x002u
#define DEVFS_POLLOUT    0x004u
#define DEVFS_POLLERR    0x008u
#define DEVFS_POLLHUP    0x010u
#define DEVFS_POLLRDNORM 0x040u
#define DEVFS_POLLWRNORM 0x100u

struct devfs_ops {
    /* Optional, library OS only: per-open context (default: the registration's ctx). */
    int (*open)(void *ctx, unsigned flags, void **file_ctx);
    void (*release)(void *file_ctx);
    /* Bytes transferred or -errno; NULL read/write: EINVAL. off is the file position. */
    int64_t (*read)(void *ctx, void *buf, size_t len, uint64_t off);
    int64_t (*write)(void *ctx, const void *buf, size_t len, uint64_t off);
    /* NULL: ENOTTY. arg is passed through uninterpreted. */
    int (*ioctl)(void *ctx, unsigned long cmd, void *arg);
    /* Readiness at offset off as DEVFS_POLL* bits; NULL: always readable and writable. */
    unsigned (*poll)(void *ctx, uint64_t off);
};

extern const struct vfs_fs_type devfs_fs_type;
/* A devfs that shows only the devices named "pts/...", without that prefix: mounted on
 * /dev/pts it is the devpts of pseudo-terminal slaves ("pts/3" appears as 3). */
extern const struct vfs_fs_type devpts_fs_type;

/*
 * Registers a device: mode is VFS_S_IFCHR or VFS_S_IFBLK plus permission bits, rdev in
 * VFS_MKDEV form. ops and ctx must outlive the registration. EEXIST when the name or the
 * (type, rdev) pair is taken, EINVAL for a bad name or type. Mounted devfs instances get the
 * node (an instance where the name is already taken keeps its own entry).
 */
int devfs_register(const char *name, uint32_t mode, uint64_t rdev, const struct devfs_ops *ops,
                   void *ctx);
/* Removes a device and its node from mounted instances; open files then get ENXIO. */
int devfs_unregister(const char *name);

/* A registered device, referenced; dispatch for device nodes anywhere. */
struct devfs_device;
struct devfs_device *devfs_find(uint32_t mode, uint64_t rdev);
void devfs_put(struct devfs_device *d);
const struct devfs_ops *devfs_device_ops(const struct devfs_device *d);
void *devfs_device_ctx(const struct devfs_device *d);

/* Operations on the device behind a device inode (any filesystem), with the registration's
 * ctx: ENXIO when no device is registered for it, ENOTTY when it has no ioctl. */
int64_t devfs_read(struct vfs_inode *inode, void *buf, size_t len, uint64_t off);
int64_t devfs_write(struct vfs_inode *inode, const void *buf, size_t len, uint64_t off);
int devfs_ioctl(struct vfs_inode *inode, unsigned long cmd, void *arg);
/* DEVFS_POLLERR when no device is registered for it. */
unsigned devfs_poll(struct vfs_inode *inode, uint64_t off);

/*
 * Registers null (1:3), zero (1:5), full (1:7), random (1:8) and urandom (1:9), mode 0666.
 * random and urandom share one generator, xoshiro256** (Blackman & Vigna), whose 256-bit
 * state is expanded by splitmix64 from seed() at registration. It is fast and statistically
 * good but NOT cryptographically secure: its output reveals its state. Writes to either
 * node stir the written bytes into the state (they are not credited as entropy).
 */
int devfs_register_builtins(uint64_t (*seed)(void));

#endif
