/* devfs: the built-in memory devices, custom devices with callbacks (registered before and
 * after mounting, nested names, unregistration), readdir, stat, mkdir/symlink/mount inside,
 * and dispatch for device nodes on other filesystems. The root is a tmpfs, devfs is on /dev. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <fs/devfs.h>
#include <fs/tmpfs.h>
#include <lib/errno.h>
#include "fs_test.h"

static struct vfs_mount *root_mnt, *dev_mnt;
static struct vfs_ctx C;

static uint64_t fixed_seed(void)
{
    return 0x1234567;
}

/* A custom device: a serial port that records what is written and reads back canned text. */
struct serial {
    char out[256];
    size_t out_len;
    const char *in;
    unsigned long last_cmd;
    unsigned opens;
};

static int64_t serial_read(void *ctx, void *buf, size_t len, uint64_t off)
{
    (void)off;
    struct serial *s = ctx;
    size_t n = strlen(s->in);
    if (len < n)
        n = len;
    memcpy(buf, s->in, n);
    s->in += n;
    return (int64_t)n;
}

static int64_t serial_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
    (void)off;
    struct serial *s = ctx;
    if (s->out_len + len > sizeof(s->out))
        return -ENOSPC;
    memcpy(s->out + s->out_len, buf, len);
    s->out_len += len;
    return (int64_t)len;
}

static int serial_ioctl(void *ctx, unsigned long cmd, void *arg)
{
    struct serial *s = ctx;
    s->last_cmd = cmd;
    if (cmd != 0x5401) /* TCGETS */
        return -ENOTTY;
    *(int *)arg = 42;
    return 0;
}

static unsigned serial_poll(void *ctx, uint64_t off)
{
    (void)off;
    struct serial *s = ctx;
    return (*s->in ? DEVFS_POLLIN : 0) | DEVFS_POLLOUT;
}

/* ptmx-style: every open gets its own context. */
static int serial_open(void *ctx, unsigned flags, void **file_ctx)
{
    (void)flags;
    struct serial *s = ctx;
    struct serial *mine = calloc(1, sizeof(*mine));
    mine->in = "";
    mine->opens = ++s->opens;
    *file_ctx = mine;
    return 0;
}

static void serial_release(void *file_ctx)
{
    free(file_ctx);
}

static const struct devfs_ops serial_ops = {
    .open = serial_open,
    .release = serial_release,
    .read = serial_read,
    .write = serial_write,
    .ioctl = serial_ioctl,
    .poll = serial_poll,
};

static int setup(void **state)
{
    (void)state;
    fst_init_env();
    assert_int_equal(devfs_register_builtins(fixed_seed), 0);
    assert_int_equal(vfs_mount(&tmpfs_fs_type, NULL, 0, NULL, &root_mnt), 0);
    assert_int_equal(vfs_root(&C.root), 0);
    assert_int_equal(vfs_root(&C.cwd), 0);
    assert_int_equal(vfs_mkdir(&C, "/dev", 0755), 0);
    struct vfs_path at;
    assert_int_equal(vfs_walk(&C.root, &C.cwd, "/dev", 0, &at), 0);
    assert_int_equal(vfs_mount(&devfs_fs_type, NULL, 0, &at, &dev_mnt), 0);
    vfs_path_put(&at);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vfs_path_put(&C.root);
    vfs_path_put(&C.cwd);
    assert_int_equal(vfs_umount(dev_mnt), 0);
    assert_int_equal(vfs_umount(root_mnt), 0);
    return 0;
}

static struct vfs_file *open_dev(const char *path, unsigned flags)
{
    struct vfs_file *f;
    int err = vfs_open(&C, path, flags, 0, &f);
    if (err)
        fail_msg("open %s: %d", path, err);
    return f;
}

static void check_node(const char *path, unsigned major, unsigned minor)
{
    struct vfs_stat st;
    assert_int_equal(vfs_stat(&C, path, false, &st), 0);
    assert_int_equal(st.mode, VFS_S_IFCHR | 0666);
    assert_int_equal(VFS_MAJOR(st.rdev), major);
    assert_int_equal(VFS_MINOR(st.rdev), minor);
    assert_int_equal(st.size, 0);
    assert_int_equal(st.nlink, 1);
}

static void test_stat(void **state)
{
    (void)state;
    check_node("/dev/null", 1, 3);
    check_node("/dev/zero", 1, 5);
    check_node("/dev/full", 1, 7);
    check_node("/dev/random", 1, 8);
    check_node("/dev/urandom", 1, 9);
    struct vfs_stat st, root;
    assert_int_equal(vfs_stat(&C, "/dev", false, &st), 0);
    assert_int_equal(st.mode, VFS_S_IFDIR | 0755);
    assert_int_equal(vfs_stat(&C, "/", false, &root), 0);
    assert_int_not_equal(st.dev, root.dev);
    assert_int_equal(vfs_stat(&C, "/dev/..", false, &st), 0);
    assert_int_equal(st.ino, root.ino);
    assert_int_equal(st.dev, root.dev);
    struct vfs_statfs sf;
    assert_int_equal(vfs_statfs(&C, "/dev/null", &sf), 0);
    assert_int_equal(sf.type, TMPFS_MAGIC);
}

static void test_null_zero_full(void **state)
{
    (void)state;
    uint8_t buf[5000];
    struct vfs_file *f = open_dev("/dev/null", VFS_O_RDWR);
    assert_int_equal(vfs_read(f, buf, sizeof(buf)), 0);
    assert_int_equal(vfs_write(f, buf, sizeof(buf)), sizeof(buf));
    assert_int_equal(vfs_pwrite(f, buf, 7, 1 << 30), 7);
    vfs_file_put(f);

    f = open_dev("/dev/zero", VFS_O_RDWR);
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(vfs_read(f, buf, sizeof(buf)), sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(vfs_write(f, buf, 100), 100);
    vfs_file_put(f);

    f = open_dev("/dev/full", VFS_O_RDWR);
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(vfs_read(f, buf, 300), 300);
    for (size_t i = 0; i < 300; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(buf[300], 0xaa);
    assert_int_equal(vfs_write(f, buf, 1), -ENOSPC);
    assert_int_equal(vfs_write(f, buf, 0), 0);
    /* no ioctls; always ready */
    int arg;
    assert_int_equal(devfs_ioctl(f->inode, 0x5401, &arg), -ENOTTY);
    assert_int_equal(devfs_poll(f->inode, 0) & (DEVFS_POLLIN | DEVFS_POLLOUT),
                     DEVFS_POLLIN | DEVFS_POLLOUT);
    vfs_file_put(f);
    /* access modes still apply */
    f = open_dev("/dev/zero", VFS_O_WRONLY);
    assert_int_equal(vfs_read(f, buf, 1), -EBADF);
    vfs_file_put(f);
}

static void test_random(void **state)
{
    (void)state;
    static uint8_t a[65536], b[65536];
    struct vfs_file *f = open_dev("/dev/urandom", VFS_O_RDONLY);
    assert_int_equal(vfs_read(f, a, sizeof(a)), sizeof(a));
    assert_int_equal(vfs_read(f, b, 13), 13); /* odd sizes */
    assert_int_equal(vfs_read(f, b, sizeof(b)), sizeof(b));
    vfs_file_put(f);
    assert_memory_not_equal(a, b, sizeof(a));
    /* byte frequencies: a loose chi-square bound (255 degrees of freedom) */
    unsigned counts[256] = {0};
    for (size_t i = 0; i < sizeof(a); i++)
        counts[a[i]]++;
    double expect = sizeof(a) / 256.0, chi = 0;
    for (int i = 0; i < 256; i++)
        chi += (counts[i] - expect) * (counts[i] - expect) / expect;
    assert_true(chi < 400);
    /* bits: each of the 8 positions set about half the time */
    for (int bit = 0; bit < 8; bit++) {
        unsigned set = 0;
        for (size_t i = 0; i < sizeof(b); i++)
            set += (b[i] >> bit) & 1;
        assert_true(set > 32768 - 1000 && set < 32768 + 1000);
    }
    /* random shares the generator; writes are accepted and stir it */
    f = open_dev("/dev/random", VFS_O_RDWR);
    assert_int_equal(vfs_read(f, a, 64), 64);
    assert_int_equal(vfs_write(f, "entropy?", 8), 8);
    assert_int_equal(vfs_read(f, b, 64), 64);
    assert_memory_not_equal(a, b, 64);
    vfs_file_put(f);
}

struct names {
    char list[64][64];
    unsigned types[64];
    uint64_t inos[64];
    unsigned n;
};

static int collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                   uint64_t pos_next)
{
    (void)pos_next;
    struct names *l = ctx;
    assert_true(l->n < 64 && len < 64);
    memcpy(l->list[l->n], name, len);
    l->list[l->n][len] = 0;
    l->types[l->n] = type;
    l->inos[l->n++] = ino;
    return 0;
}

static int find(const struct names *l, const char *name)
{
    for (unsigned i = 0; i < l->n; i++)
        if (!strcmp(l->list[i], name))
            return (int)i;
    return -1;
}

static void list_dir(const char *path, struct names *l)
{
    memset(l, 0, sizeof(*l));
    struct vfs_file *f = open_dev(path, VFS_O_RDONLY | VFS_O_DIRECTORY);
    assert_int_equal(vfs_readdir(f, collect, l), 0);
    vfs_file_put(f);
}

static void test_readdir(void **state)
{
    (void)state;
    struct names l;
    list_dir("/dev", &l);
    static const char *expect[] = {".", "..", "null", "zero", "full", "random", "urandom"};
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        int k = find(&l, expect[i]);
        if (k < 0)
            fail_msg("%s missing", expect[i]);
        assert_int_equal(l.types[k], VFS_DT_DIR * (i < 2) + VFS_DT_CHR * (i >= 2));
        if (i >= 2) {
            char p[64];
            snprintf(p, sizeof(p), "/dev/%s", expect[i]);
            struct vfs_stat st;
            assert_int_equal(vfs_stat(&C, p, false, &st), 0);
            assert_int_equal(st.ino, l.inos[k]);
        }
    }
}

static void test_custom_device(void **state)
{
    (void)state;
    struct serial s = {.in = "login: "};
    struct vfs_stat st;
    /* a negative lookup is cached first; registration must make the node visible */
    assert_int_equal(vfs_stat(&C, "/dev/ttyAMA0", false, &st), -ENOENT);
    assert_int_equal(vfs_stat(&C, "/dev/pts", false, &st), -ENOENT);
    assert_int_equal(
        devfs_register("ttyAMA0", VFS_S_IFCHR | 0620, VFS_MKDEV(204, 64), &serial_ops, &s), 0);
    assert_int_equal(vfs_stat(&C, "/dev/ttyAMA0", false, &st), 0);
    assert_int_equal(st.mode, VFS_S_IFCHR | 0620);
    assert_int_equal(VFS_MAJOR(st.rdev), 204);
    assert_int_equal(VFS_MINOR(st.rdev), 64);
    /* duplicates and bad names */
    assert_int_equal(
        devfs_register("ttyAMA0", VFS_S_IFCHR | 0620, VFS_MKDEV(204, 65), &serial_ops, &s),
        -EEXIST);
    assert_int_equal(
        devfs_register("other", VFS_S_IFCHR | 0620, VFS_MKDEV(204, 64), &serial_ops, &s), -EEXIST);
    assert_int_equal(devfs_register("", VFS_S_IFCHR, 1, &serial_ops, &s), -EINVAL);
    assert_int_equal(devfs_register("/abs", VFS_S_IFCHR, 1, &serial_ops, &s), -EINVAL);
    assert_int_equal(devfs_register("a//b", VFS_S_IFCHR, 1, &serial_ops, &s), -EINVAL);
    assert_int_equal(devfs_register("../x", VFS_S_IFCHR, 1, &serial_ops, &s), -EINVAL);
    assert_int_equal(devfs_register("reg", VFS_S_IFREG, 1, &serial_ops, &s), -EINVAL);
    /* reads and writes reach the callbacks with the registration's ctx */
    struct vfs_file *f = open_dev("/dev/ttyAMA0", VFS_O_RDWR);
    char buf[32];
    assert_int_equal(vfs_read(f, buf, 5), 5);
    assert_memory_equal(buf, "login", 5);
    assert_int_equal(devfs_poll(f->inode, 0), DEVFS_POLLIN | DEVFS_POLLOUT);
    assert_int_equal(vfs_read(f, buf, sizeof(buf)), 2);
    assert_int_equal(devfs_poll(f->inode, 0), DEVFS_POLLOUT);
    assert_int_equal(vfs_write(f, "root\n", 5), 5);
    assert_int_equal(s.out_len, 5);
    assert_memory_equal(s.out, "root\n", 5);
    int arg = 0;
    assert_int_equal(devfs_ioctl(f->inode, 0x5401, &arg), 0);
    assert_int_equal(arg, 42);
    assert_int_equal(devfs_ioctl(f->inode, 0x1234, &arg), -ENOTTY);
    assert_int_equal(s.last_cmd, 0x1234);
    /* per-open contexts through devfs_find (how the library OS opens ptmx) */
    struct devfs_device *d = devfs_find(VFS_S_IFCHR, VFS_MKDEV(204, 64));
    assert_non_null(d);
    assert_ptr_equal(devfs_device_ctx(d), &s);
    const struct devfs_ops *ops = devfs_device_ops(d);
    void *c1, *c2;
    assert_int_equal(ops->open(devfs_device_ctx(d), 0, &c1), 0);
    assert_int_equal(ops->open(devfs_device_ctx(d), 0, &c2), 0);
    assert_ptr_not_equal(c1, c2);
    assert_int_equal(ops->write(c1, "x", 1, 0), 1);
    assert_int_equal(((struct serial *)c1)->out_len, 1);
    assert_int_equal(((struct serial *)c2)->out_len, 0);
    ops->release(c1);
    ops->release(c2);
    assert_int_equal(s.opens, 2);
    assert_null(devfs_find(VFS_S_IFBLK, VFS_MKDEV(204, 64)));
    /* nested names create directories */
    struct serial s0 = {.in = ""};
    assert_int_equal(
        devfs_register("pts/0", VFS_S_IFCHR | 0600, VFS_MKDEV(136, 0), &serial_ops, &s0), 0);
    assert_int_equal(vfs_stat(&C, "/dev/pts", false, &st), 0);
    assert_int_equal(st.mode, VFS_S_IFDIR | 0755);
    assert_int_equal(vfs_stat(&C, "/dev/pts/0", false, &st), 0);
    assert_int_equal(VFS_MAJOR(st.rdev), 136);
    struct names l;
    list_dir("/dev/pts", &l);
    assert_int_equal(l.n, 3);
    assert_true(find(&l, "0") >= 0);
    /* unregistering removes the node; open files get ENXIO */
    assert_int_equal(devfs_unregister("ttyAMA0"), 0);
    assert_int_equal(devfs_unregister("ttyAMA0"), -ENOENT);
    assert_int_equal(vfs_stat(&C, "/dev/ttyAMA0", false, &st), -ENOENT);
    assert_int_equal(vfs_read(f, buf, 1), -ENXIO);
    assert_int_equal(vfs_write(f, buf, 1), -ENXIO);
    assert_int_equal(devfs_ioctl(f->inode, 0x5401, &arg), -ENXIO);
    assert_int_equal(devfs_poll(f->inode, 0), DEVFS_POLLERR);
    /* the device struct outlives unregistration while referenced */
    assert_ptr_equal(devfs_device_ctx(d), &s);
    devfs_put(d);
    vfs_file_put(f);
    /* the name can be registered again, and a node can be re-made by hand */
    assert_int_equal(
        devfs_register("ttyAMA0", VFS_S_IFCHR | 0620, VFS_MKDEV(204, 64), &serial_ops, &s), 0);
    assert_int_equal(vfs_stat(&C, "/dev/ttyAMA0", false, &st), 0);
    assert_int_equal(devfs_unregister("ttyAMA0"), 0);
    assert_int_equal(devfs_unregister("pts/0"), 0);
    assert_int_equal(vfs_stat(&C, "/dev/pts/0", false, &st), -ENOENT);
    assert_int_equal(vfs_rmdir(&C, "/dev/pts"), 0);
}

static void test_tree_inside(void **state)
{
    (void)state;
    /* symlinks like /dev/fd and /dev/stdin; directories; tmpfs on /dev/shm */
    assert_int_equal(vfs_symlink(&C, "/proc/self/fd", "/dev/fd"), 0);
    assert_int_equal(vfs_symlink(&C, "/proc/self/fd/0", "/dev/stdin"), 0);
    assert_int_equal(vfs_symlink(&C, "null", "/dev/nul_link"), 0);
    char t[64];
    assert_int_equal(vfs_readlink(&C, "/dev/fd", t, sizeof(t)), 13);
    assert_memory_equal(t, "/proc/self/fd", 13);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(&C, "/dev/nul_link", true, &st), 0);
    assert_int_equal(VFS_MINOR(st.rdev), 3);
    assert_int_equal(vfs_mkdir(&C, "/dev/shm", 01777), 0);
    struct vfs_path at;
    assert_int_equal(vfs_walk(&C.root, &C.cwd, "/dev/shm", 0, &at), 0);
    struct vfs_mount *shm;
    assert_int_equal(vfs_mount(&tmpfs_fs_type, NULL, 0, &at, &shm), 0);
    vfs_path_put(&at);
    struct vfs_file *f;
    assert_int_equal(vfs_open(&C, "/dev/shm/seg", VFS_O_RDWR | VFS_O_CREAT, 0600, &f), 0);
    assert_int_equal(vfs_write(f, "shared", 6), 6);
    vfs_file_put(f);
    assert_int_equal(vfs_stat(&C, "/dev/shm/../null", false, &st), 0);
    assert_int_equal(VFS_MINOR(st.rdev), 3);
    assert_int_equal(vfs_umount(shm), 0);
    /* mknod inside devfs: the node reaches the device with that number */
    assert_int_equal(vfs_mknod(&C, "/dev/zero2", VFS_S_IFCHR | 0600, VFS_MKDEV(1, 5)), 0);
    assert_int_equal(vfs_mknod(&C, "/dev/nothing", VFS_S_IFCHR | 0600, VFS_MKDEV(99, 99)), 0);
    uint8_t buf[8];
    memset(buf, 1, sizeof(buf));
    assert_int_equal(vfs_open(&C, "/dev/zero2", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_read(f, buf, 8), 8);
    assert_int_equal(buf[0] | buf[7], 0);
    vfs_file_put(f);
    assert_int_equal(vfs_open(&C, "/dev/nothing", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_read(f, buf, 8), -ENXIO);
    vfs_file_put(f);
    /* a device node on another filesystem: the library OS dispatches with devfs_find */
    assert_int_equal(vfs_mknod(&C, "/null_on_tmpfs", VFS_S_IFCHR | 0666, VFS_MKDEV(1, 7)), 0);
    assert_int_equal(vfs_open(&C, "/null_on_tmpfs", VFS_O_RDWR, 0, &f), 0);
    assert_int_equal(vfs_read(f, buf, 8), -EINVAL); /* tmpfs itself gives it no behaviour */
    assert_int_equal(devfs_read(f->inode, buf, 8, 0), 8);
    assert_int_equal(devfs_write(f->inode, buf, 8, 0), -ENOSPC);
    vfs_file_put(f);
    /* clean up what this test made */
    assert_int_equal(vfs_unlink(&C, "/null_on_tmpfs"), 0);
    assert_int_equal(vfs_unlink(&C, "/dev/zero2"), 0);
    assert_int_equal(vfs_unlink(&C, "/dev/nothing"), 0);
    assert_int_equal(vfs_unlink(&C, "/dev/fd"), 0);
    assert_int_equal(vfs_unlink(&C, "/dev/stdin"), 0);
    assert_int_equal(vfs_unlink(&C, "/dev/nul_link"), 0);
    assert_int_equal(vfs_rmdir(&C, "/dev/shm"), 0);
}

/* A second devfs mount sees the same devices, including ones registered after it. */
static void test_second_instance(void **state)
{
    (void)state;
    assert_int_equal(vfs_mkdir(&C, "/dev2", 0755), 0);
    struct vfs_path at;
    assert_int_equal(vfs_walk(&C.root, &C.cwd, "/dev2", 0, &at), 0);
    struct vfs_mount *m2;
    assert_int_equal(vfs_mount(&devfs_fs_type, NULL, 0, &at, &m2), 0);
    vfs_path_put(&at);
    struct vfs_stat a, b;
    assert_int_equal(vfs_stat(&C, "/dev2/null", false, &a), 0);
    assert_int_equal(vfs_stat(&C, "/dev/null", false, &b), 0);
    assert_int_equal(a.rdev, b.rdev);
    assert_int_not_equal(a.dev, b.dev);
    struct serial s = {.in = ""};
    assert_int_equal(
        devfs_register("console", VFS_S_IFCHR | 0600, VFS_MKDEV(5, 1), &serial_ops, &s), 0);
    assert_int_equal(vfs_stat(&C, "/dev2/console", false, &a), 0);
    assert_int_equal(vfs_stat(&C, "/dev/console", false, &b), 0);
    assert_int_equal(VFS_MAJOR(a.rdev), 5);
    assert_int_equal(devfs_unregister("console"), 0);
    assert_int_equal(vfs_stat(&C, "/dev2/console", false, &a), -ENOENT);
    assert_int_equal(vfs_umount(m2), 0);
    assert_int_equal(vfs_rmdir(&C, "/dev2"), 0);
    /* registered devices appear in a fresh mount too */
    assert_int_equal(devfs_register("late", VFS_S_IFBLK | 0600, VFS_MKDEV(8, 0), &serial_ops, &s),
                     0);
    assert_int_equal(vfs_stat(&C, "/dev/late", false, &a), 0);
    assert_int_equal(a.mode, VFS_S_IFBLK | 0600);
    assert_int_equal(devfs_unregister("late"), 0);
}

/* A devpts mount shows only the "pts/" devices, without the prefix, as they come and go. */
static void test_devpts(void **state)
{
    (void)state;
    struct serial s = {.in = ""};
    assert_int_equal(
        devfs_register("pts/1", VFS_S_IFCHR | 0620, VFS_MKDEV(136, 1), &serial_ops, &s), 0);
    assert_int_equal(vfs_mkdir(&C, "/pts", 0755), 0);
    struct vfs_path at;
    assert_int_equal(vfs_walk(&C.root, &C.cwd, "/pts", 0, &at), 0);
    struct vfs_mount *m;
    assert_int_equal(vfs_mount(&devpts_fs_type, NULL, 0, &at, &m), 0);
    vfs_path_put(&at);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(&C, "/pts/1", false, &st), 0);
    assert_int_equal(st.rdev, VFS_MKDEV(136, 1));
    assert_int_equal(vfs_stat(&C, "/pts/null", false, &st), -ENOENT);
    assert_int_equal(vfs_stat(&C, "/pts/pts", false, &st), -ENOENT);
    assert_int_equal(vfs_stat(&C, "/pts/2", false, &st), -ENOENT);
    assert_int_equal(
        devfs_register("pts/2", VFS_S_IFCHR | 0620, VFS_MKDEV(136, 2), &serial_ops, &s), 0);
    assert_int_equal(vfs_stat(&C, "/pts/2", false, &st), 0);
    assert_int_equal(devfs_unregister("pts/2"), 0);
    assert_int_equal(vfs_stat(&C, "/pts/2", false, &st), -ENOENT);
    assert_int_equal(devfs_unregister("pts/1"), 0);
    assert_int_equal(vfs_stat(&C, "/pts/1", false, &st), -ENOENT);
    assert_int_equal(vfs_umount(m), 0);
    assert_int_equal(vfs_rmdir(&C, "/pts"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat),
        cmocka_unit_test(test_null_zero_full),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_readdir),
        cmocka_unit_test(test_custom_device),
        cmocka_unit_test(test_tree_inside),
        cmocka_unit_test(test_second_instance),
        cmocka_unit_test(test_devpts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
