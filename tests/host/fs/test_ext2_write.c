/* ext2/3/4 write path: a workload applied both to a host directory (the model) and through
 * the VFS to an image; then e2fsck -fn must pass, the image must match the model when read
 * back, and debugfs must see the same file contents. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include <lib/errno.h>
#include "fs_test.h"

static char *tmp;
static bool small_inodes; /* 128-byte inodes: times have no nanoseconds */

static int setup(void **state)
{
    (void)state;
    fst_init_env();
    tmp = fst_tmpdir();
    fst_sh("mkdir '%s/tree'", tmp);
    char tree[4200];
    snprintf(tree, sizeof(tree), "%s/tree", tmp);
    fst_make_tree(tree);
    umask(0); /* the VFS applies no umask (the library OS does) */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fst_rmtree(tmp);
    free(tmp);
    return 0;
}

/* The model (host directory) and the image (through the VFS) side by side. */
struct wl {
    const struct vfs_ctx *c;
    char host[4096];
};

static const char *hp(struct wl *w, const char *path)
{
    static char buf[4][8192];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s%s", w->host, path);
    return buf[i];
}

static int host_ret(int r)
{
    return r < 0 ? -errno : 0;
}

#define SAME(host_expr, vfs_expr, what)                                                            \
    do {                                                                                           \
        int h_ = host_ret(host_expr), v_ = (vfs_expr);                                             \
        if (h_ != v_)                                                                              \
            fail_msg("%s: host %d vfs %d", what, h_, v_);                                          \
    } while (0)

/* Writes len bytes of seeded data at off, in uneven chunks. */
static void w_write(struct wl *w, const char *path, uint64_t off, size_t len, unsigned seed,
                    unsigned extra_flags)
{
    uint8_t *buf = malloc(len ? len : 1);
    fst_fill(buf, len, seed, off);
    int fd =
        open(hp(w, path), O_WRONLY | O_CREAT | (extra_flags & VFS_O_APPEND ? O_APPEND : 0), 0644);
    assert_true(fd >= 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(w->c, path, VFS_O_WRONLY | VFS_O_CREAT | extra_flags, 0644, &f), 0);
    if (extra_flags & VFS_O_APPEND) {
        assert_int_equal(write(fd, buf, len), (ssize_t)len);
        size_t done = 0;
        while (done < len) {
            size_t n = MIN(len - done, 1 + (done * 7919 + seed) % 9000);
            assert_int_equal(vfs_write(f, buf + done, n), (int64_t)n);
            done += n;
        }
    } else {
        assert_int_equal(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
        assert_int_equal(vfs_lseek(f, (int64_t)off, VFS_SEEK_SET), (int64_t)off);
        size_t done = 0;
        while (done < len) {
            size_t n = MIN(len - done, 1 + (done * 7919 + seed) % 70000);
            assert_int_equal(vfs_write(f, buf + done, n), (int64_t)n);
            done += n;
        }
    }
    close(fd);
    vfs_file_put(f);
    free(buf);
}

static void w_truncate(struct wl *w, const char *path, uint64_t size)
{
    SAME(truncate(hp(w, path), (off_t)size), vfs_truncate(w->c, path, size), path);
}

static void w_mkdir(struct wl *w, const char *path)
{
    SAME(mkdir(hp(w, path), 0755), vfs_mkdir(w->c, path, 0755), path);
}

static void w_unlink(struct wl *w, const char *path)
{
    SAME(unlink(hp(w, path)), vfs_unlink(w->c, path), path);
}

static void w_rmdir(struct wl *w, const char *path)
{
    SAME(rmdir(hp(w, path)), vfs_rmdir(w->c, path), path);
}

static void w_rename(struct wl *w, const char *a, const char *b, unsigned flags)
{
    SAME(renameat2(AT_FDCWD, hp(w, a), AT_FDCWD, hp(w, b), flags), vfs_rename(w->c, a, b, flags),
         a);
}

static void w_link(struct wl *w, const char *a, const char *b)
{
    SAME(link(hp(w, a), hp(w, b)), vfs_link(w->c, a, b), b);
}

static void w_symlink(struct wl *w, const char *target, const char *path)
{
    SAME(symlink(target, hp(w, path)), vfs_symlink(w->c, target, path), path);
}

static void w_chmod(struct wl *w, const char *path, uint32_t mode)
{
    struct vfs_attr a = {.valid = VFS_ATTR_MODE, .mode = mode};
    SAME(chmod(hp(w, path), mode), vfs_setattr(w->c, path, true, &a), path);
}

/* The workload; names stay valid for both sides. */
static void workload(struct wl *w)
{
    char p[256], q[256];
    w_mkdir(w, "/w");
    for (int i = 1; i <= 5; i++) {
        snprintf(p, sizeof(p), "/w/sub%d", i);
        w_mkdir(w, p);
    }
    w_mkdir(w, "/w/sub1"); /* EEXIST both */
    for (int i = 0; i < 300; i++) {
        snprintf(p, sizeof(p), "/w/sub%d/f%03d", 1 + i % 5, i);
        w_write(w, p, 0, (size_t)(i * 997) % 50000, (unsigned)i, 0);
    }
    /* append, overwrite in the middle, extend */
    w_write(w, "/small.txt", 0, 5000, 900, VFS_O_APPEND);
    w_write(w, "/big_1m5", 500000, 70000, 901, 0);
    w_write(w, "/one_block", 1000, 3000, 902, 0);
    /* a fragmented file: thousands of extents / indirect entries, deeper trees */
    for (int i = 0; i < 600; i++)
        w_write(w, "/w/frag", (uint64_t)i * 8192, 4096, 903, 0);
    for (int i = 300; i < 330; i++)
        w_write(w, "/w/frag", (uint64_t)i * 8192 + 4096, 4096, 904, 0);
    for (int i = 0; i < 20; i++) /* fill holes going backwards: inserts at leaf fronts */
        w_write(w, "/w/frag", (uint64_t)(200 - i) * 8192 + 4096, 4096, 905, 0);
    w_write(w, "/w/frag2", 0, 1, 1, 0);
    for (int i = 0; i < 600; i++)
        w_write(w, "/w/frag2", (uint64_t)i * 8192, 4096, 906, 0);
    w_truncate(w, "/w/frag2", 2500000);
    w_truncate(w, "/w/frag2", 3000000);
    w_write(w, "/w/frag2", 2999000, 100, 907, 0);
    /* truncates down and up */
    w_truncate(w, "/sixty_k", 10000);
    w_truncate(w, "/thirteen_k", 200000);
    w_write(w, "/thirteen_k", 150000, 3000, 908, 0);
    w_truncate(w, "/big_1m5", 0);
    w_write(w, "/big_1m5", 0, 300000, 909, 0);
    w_truncate(w, "/far_sparse", 4000);
    w_truncate(w, "/sparse", 1 << 20);
    w_truncate(w, "/a/b/c/deep.bin", 1);
    /* renames */
    w_rename(w, "/w/sub1/f005", "/w/sub2/renamed", 0);
    w_rename(w, "/w/sub3", "/a/b/moved_sub3", 0);
    w_rename(w, "/w/sub2/f001", "/w/sub2/f006", 0);                    /* replace a file */
    w_rename(w, "/w/sub5/f004", "/w/sub5/f009", VFS_RENAME_NOREPLACE); /* EEXIST */
    w_rename(w, "/w/sub4", "/emptydir", VFS_RENAME_EXCHANGE);
    w_rename(w, "/a/b/c", "/w/sub5/f009", 0); /* ENOTDIR */
    w_rename(w, "/w/sub5/f009", "/a/b", 0);   /* EISDIR */
    w_rename(w, "/a", "/a/b/x", 0);           /* EINVAL */
    w_rename(w, "/w/sub5", "/w/sub2", 0);     /* ENOTEMPTY */
    w_mkdir(w, "/w/empty_target");
    w_rename(w, "/w/sub5", "/w/empty_target", 0);
    w_rename(w, "/small.txt", "/a/hardlink_to_small", 0); /* same inode: no-op */
    w_rename(w, "/w/sub2/f011", "/w/sub2/f011_long_name_to_move_it_to_another_slot_xxxxxxxx", 0);
    /* links */
    w_link(w, "/w/sub2/renamed", "/w/hard");
    w_unlink(w, "/w/sub2/renamed");
    w_link(w, "/w/sub2", "/w/dirlink"); /* EPERM */
    w_link(w, "/a/hardlink_to_small", "/w/third_link");
    /* removals */
    for (int i = 0; i < 300; i += 3) {
        snprintf(p, sizeof(p), "/w/sub%d/f%03d", 1 + i % 5, i);
        struct stat st;
        if (lstat(hp(w, p), &st) == 0)
            w_unlink(w, p);
    }
    w_unlink(w, "/a/b/c/d/e/leaf");
    w_rmdir(w, "/a/b/c/d/e");
    w_rmdir(w, "/a/b/c");       /* ENOTEMPTY */
    w_rmdir(w, "/w/sub2/f006"); /* ENOTDIR */
    w_unlink(w, "/w/sub2");     /* EISDIR */
    w_unlink(w, "/w/nope");     /* ENOENT */
    /* symlinks and special files */
    w_symlink(w, "sub2", "/w/s_short");
    memset(q, 'z', 200);
    q[200] = 0;
    w_symlink(w, q, "/w/s_long");
    SAME(mkfifo(hp(w, "/w/fifo"), 0640), vfs_mknod(w->c, "/w/fifo", VFS_S_IFIFO | 0640, 0), "fifo");
    if (mknod(hp(w, "/w/null"), S_IFCHR | 0666, makedev(1, 3)) == 0)
        assert_int_equal(vfs_mknod(w->c, "/w/null", VFS_S_IFCHR | 0666, VFS_MKDEV(1, 3)), 0);
    if (mknod(hp(w, "/w/bigdev"), S_IFBLK | 0600, makedev(300, 100000)) == 0)
        assert_int_equal(vfs_mknod(w->c, "/w/bigdev", VFS_S_IFBLK | 0600, VFS_MKDEV(300, 100000)),
                         0);
    /* the htree directory: inserts drop the index, removals keep it valid */
    for (int i = 0; i < 120; i++) {
        snprintf(p, sizeof(p), "/many/new_entry_%03d", i);
        w_write(w, p, 0, (size_t)i, (unsigned)i + 5000, 0);
    }
    for (int i = 0; i < 600; i += 7) {
        snprintf(p, sizeof(p), "/many/entry_with_a_longish_name_%04d", i);
        w_unlink(w, p);
    }
    w_chmod(w, "/w/sub2/f006", 0600); /* ENOENT: removed above */
    w_chmod(w, "/w/sub2/f016", 0600);
    w_chmod(w, "/w/sub4", 0700);
    /* many small files: directory growth, inode allocation across groups */
    w_mkdir(w, "/w/lots");
    for (int i = 0; i < 800; i++) {
        snprintf(p, sizeof(p), "/w/lots/%d", i);
        w_write(w, p, 0, (size_t)(i % 3) * 1500, (unsigned)i, 0);
    }
    for (int i = 0; i < 800; i += 2) {
        snprintf(p, sizeof(p), "/w/lots/%d", i);
        w_unlink(w, p);
    }
    /* open, unlink, keep writing, close: freed on the last close */
    struct vfs_file *f;
    assert_int_equal(vfs_open(w->c, "/w/tmpfile", VFS_O_CREAT | VFS_O_RDWR, 0600, &f), 0);
    uint8_t buf[10000];
    fst_fill(buf, sizeof(buf), 42, 0);
    assert_int_equal(vfs_write(f, buf, sizeof(buf)), (int64_t)sizeof(buf));
    assert_int_equal(vfs_unlink(w->c, "/w/tmpfile"), 0);
    for (int i = 0; i < 30; i++)
        assert_int_equal(vfs_write(f, buf, sizeof(buf)), (int64_t)sizeof(buf));
    uint8_t back[100];
    assert_int_equal(vfs_pread(f, back, 100, 10000 * 7 + 50), 100);
    assert_memory_equal(back, buf + 50, 100);
    struct vfs_stat st;
    assert_int_equal(vfs_fstat(f, &st), 0);
    assert_int_equal(st.nlink, 0);
    assert_int_equal(st.size, 310000);
    vfs_file_put(f);
    /* a removed directory still in use as cwd: nothing can be created in it */
    struct vfs_ctx c2 = *w->c;
    vfs_path_get(&c2.root);
    vfs_path_get(&c2.cwd);
    assert_int_equal(vfs_mkdir(w->c, "/w/gone", 0755), 0);
    assert_int_equal(vfs_chdir(&c2, "/w/gone"), 0);
    assert_int_equal(vfs_rmdir(w->c, "/w/gone"), 0);
    assert_int_equal(vfs_open(&c2, "x", VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), -ENOENT);
    assert_int_equal(vfs_mkdir(&c2, "y", 0755), -ENOENT);
    vfs_path_put(&c2.root);
    vfs_path_put(&c2.cwd);
    /* times with nanoseconds */
    struct vfs_attr a = {.valid = VFS_ATTR_MTIME | VFS_ATTR_ATIME,
                         .mtime = {1234567890, 987654321},
                         .atime = {2000000000, 5}};
    assert_int_equal(vfs_setattr(w->c, "/w/hard", true, &a), 0);
    assert_int_equal(vfs_stat(w->c, "/w/hard", true, &st), 0);
    assert_int_equal(st.mtime.sec, 1234567890);
    assert_int_equal(st.mtime.nsec, small_inodes ? 0 : 987654321);
    assert_int_equal(st.atime.sec, 2000000000);
    assert_int_equal(st.atime.nsec, small_inodes ? 0 : 5);
    struct timespec ts[2] = {{2000000000, small_inodes ? 0 : 5},
                             {1234567890, small_inodes ? 0 : 987654321}};
    assert_int_equal(utimensat(AT_FDCWD, hp(w, "/w/hard"), ts, 0), 0);
}

/* Checks a few files with debugfs against the model. */
static void debugfs_cat(const char *img, struct wl *w, const char *path)
{
    char out[4200];
    snprintf(out, sizeof(out), "%s/cat.out", tmp);
    assert_int_equal(fst_sh("debugfs -R 'cat %s' '%s' > '%s' 2>/dev/null", path, img, out), 0);
    size_t a, b;
    uint8_t *x = fst_host_slurp(out, &a), *y = fst_host_slurp(hp(w, path), &b);
    assert_non_null(x);
    assert_non_null(y);
    assert_true(b > 0);
    if (a != b || memcmp(x, y, a))
        fail_msg("debugfs cat %s differs (%zu vs %zu bytes)", path, a, b);
    free(x);
    free(y);
}

static void run_variant(const char *type, unsigned bs, bool index, uint32_t dev_bs)
{
    char tree[4200], img[4200];
    struct wl w;
    snprintf(tree, sizeof(tree), "%s/tree", tmp);
    snprintf(img, sizeof(img), "%s/%.4s-%u.img", tmp, type, bs);
    small_inodes = strstr(type, "-I 128") != NULL;
    snprintf(w.host, sizeof(w.host), "%s/model", tmp);
    fst_sh("rm -rf '%s' && cp -a '%s' '%s'", w.host, tree, w.host);
    fst_mkfs(type, bs, tree, img, "64M", index);
    struct fst_mount m;
    assert_int_equal(fst_mount_root(img, dev_bs, false, &m), 0);
    w.c = &m.ctx;
    workload(&w);
    fst_compare_tree(w.host, &m.ctx, "/", false);
    assert_int_equal(vfs_sync_all(), 0);
    fst_umount(&m);
    int st = fst_sh("e2fsck -fn '%s' > '%s/fsck.log' 2>&1", img, tmp);
    if (st != 0) {
        fst_sh("cat '%s/fsck.log' | head -40", tmp);
        fail_msg("e2fsck -fn exit %d on %s", st, img);
    }
    /* everything reads back after a fresh mount */
    assert_int_equal(fst_mount_root(img, dev_bs, true, &m), 0);
    fst_compare_tree(w.host, &m.ctx, "/", false);
    struct vfs_stat vs;
    assert_int_equal(vfs_stat(&m.ctx, "/w/hard", true, &vs), 0);
    assert_int_equal(vs.mtime.nsec, small_inodes ? 0 : 987654321);
    fst_umount(&m);
    debugfs_cat(img, &w, "/w/frag");
    debugfs_cat(img, &w, "/w/frag2");
    debugfs_cat(img, &w, "/big_1m5");
    debugfs_cat(img, &w, "/w/sub2/f016");
    debugfs_cat(img, &w, "/emptydir/f008");
    debugfs_cat(img, &w, "/w/hard");
    debugfs_cat(img, &w, "/many/new_entry_077");
    debugfs_cat(img, &w, "/thirteen_k");
}

static void test_ext2_1k(void **s)
{
    (void)s;
    run_variant("ext2", 1024, false, 512);
}
static void test_ext2_4k(void **s)
{
    (void)s;
    run_variant("ext2", 4096, true, 4096);
}
static void test_ext3_1k(void **s)
{
    (void)s;
    run_variant("ext3", 1024, true, 1024);
}
static void test_ext3_4k(void **s)
{
    (void)s;
    run_variant("ext3", 4096, false, 4096);
}
/* ext4 without metadata_csum: crc16 group checksums (uninit_bg), 32-byte descriptors */
static void test_ext4_gdtcsum(void **s)
{
    (void)s;
    run_variant("ext4 -O ^metadata_csum,^64bit,uninit_bg", 1024, true, 1024);
}
/* 128-byte inodes: no extra fields, second-resolution times */
static void test_ext2_small_inodes(void **s)
{
    (void)s;
    run_variant("ext2 -I 128", 4096, false, 4096);
}
static void test_ext4_1k(void **s)
{
    (void)s;
    run_variant("ext4", 1024, true, 512);
}
static void test_ext4_4k(void **s)
{
    (void)s;
    run_variant("ext4", 4096, true, 4096);
}

/* Files with extended-attribute blocks (made by debugfs) release them when removed. */
static void check_xattr_release(const char *type)
{
    const unsigned bs = 1024;
    char tree[4200], img[4200], val[4200];
    snprintf(tree, sizeof(tree), "%s/tree", tmp);
    snprintf(img, sizeof(img), "%s/xattr.img", tmp);
    snprintf(val, sizeof(val), "%s/xattr.val", tmp);
    fst_mkfs(type, bs, tree, img, "32M", false);
    fst_write_file(val, 600, 9);
    assert_int_equal(
        fst_sh("debugfs -w -R 'ea_set -f %s /one_block user.big' '%s' >/dev/null 2>&1 && "
               "debugfs -w -R 'ea_set -f %s /a/b/c/d user.big' '%s' >/dev/null 2>&1 && "
               "debugfs -R 'stat /one_block' '%s' 2>/dev/null | grep -q 'File ACL: [1-9]'",
               val, img, val, img, img),
        0);
    assert_int_equal(fst_sh("e2fsck -fn '%s' >/dev/null 2>&1", img), 0);
    struct fst_mount m;
    assert_int_equal(fst_mount_root(img, 1024, false, &m), 0);
    struct vfs_statfs before, after;
    assert_int_equal(vfs_statfs(&m.ctx, "/", &before), 0);
    assert_int_equal(vfs_unlink(&m.ctx, "/one_block"), 0);
    assert_int_equal(vfs_rmdir(&m.ctx, "/a/b/c/d/e"), -ENOTEMPTY);
    assert_int_equal(vfs_unlink(&m.ctx, "/a/b/c/d/e/leaf"), 0);
    assert_int_equal(vfs_rmdir(&m.ctx, "/a/b/c/d/e"), 0);
    assert_int_equal(vfs_rmdir(&m.ctx, "/a/b/c/d"), 0);
    assert_int_equal(vfs_statfs(&m.ctx, "/", &after), 0);
    /* one_block: data + xattr block; leaf: data; e: dir block; d: dir + xattr block */
    assert_int_equal(after.bfree - before.bfree, 6);
    assert_int_equal(vfs_sync_all(), 0);
    fst_umount(&m);
    int st = fst_sh("e2fsck -fn '%s' > '%s/fsck.log' 2>&1", img, tmp);
    if (st) {
        fst_sh("head -30 '%s/fsck.log'", tmp);
        fail_msg("e2fsck exit %d", st);
    }
}

static void test_xattr_blocks(void **s)
{
    (void)s;
    check_xattr_release("ext2 -I 128");
    check_xattr_release("ext4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ext4_4k),      cmocka_unit_test(test_ext4_1k),
        cmocka_unit_test(test_ext2_1k),      cmocka_unit_test(test_ext2_4k),
        cmocka_unit_test(test_ext3_1k),      cmocka_unit_test(test_ext3_4k),
        cmocka_unit_test(test_ext4_gdtcsum), cmocka_unit_test(test_ext2_small_inodes),
        cmocka_unit_test(test_xattr_blocks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
