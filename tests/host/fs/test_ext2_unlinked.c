/*
 * ext2/3/4: inodes whose last name goes while something still references them (an open file,
 * a working directory, a cached negative entry below a removed directory) are freed when
 * the last reference goes. Each case checks the free block and inode counts statfs reports
 * and runs e2fsck -fn on the image synced while it is still mounted (as the in-guest
 * progs-e2fsck test does with the guest's memory), then once more after unmounting. A copy
 * taken while such an inode is still in use has it on the orphan list: e2fsck -y frees it
 * without reporting an error, and so does a read-write mount.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include "fs_test.h"

static char *tmp;
static char img[4200], snap[4200];
static struct fst_mount m;
static const struct vfs_ctx *C;

static int setup(void **state)
{
    (void)state;
    fst_init_env();
    tmp = fst_tmpdir();
    fst_sh("mkdir '%s/tree' && echo hello > '%s/tree/hello'", tmp, tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fst_rmtree(tmp);
    free(tmp);
    return 0;
}

/* A fresh image of the given type and block size, mounted as the root. */
static void mount_fresh(const char *type, unsigned bs)
{
    char tree[4200];
    snprintf(tree, sizeof(tree), "%s/tree", tmp);
    snprintf(img, sizeof(img), "%s/%s-%u.img", tmp, type, bs);
    fst_mkfs(type, bs, tree, img, "16M", false);
    assert_int_equal(fst_mount_root(img, bs, false, &m), 0);
    C = &m.ctx;
}

/* e2fsck -fn must find nothing to fix (the log is shown when it does). */
static void check_fsck(void)
{
    int st = fst_sh("e2fsck -fn '%s' > '%s/fsck.log' 2>&1", img, tmp);
    if (st) {
        fst_sh("head -30 '%s/fsck.log'", tmp);
        fail_msg("e2fsck -fn exit %d on %s", st, img);
    }
}

/* Syncs the mounted file system and checks its image as it is on the device now. */
static void sync_and_check(void)
{
    assert_int_equal(vfs_sync_all(), 0);
    check_fsck();
}

/* Syncs and copies the image while an unlinked inode is still in use (as a crash or a dump
 * of the guest's memory would leave it) to snap: the inode is on the orphan list, so
 * e2fsck -y frees it without finding an error (exit 0) and the result is clean. */
static void snapshot_with_orphan(void)
{
    static unsigned n;
    snprintf(snap, sizeof(snap), "%s/snap-%u.img", tmp, n++);
    assert_int_equal(vfs_sync_all(), 0);
    assert_int_equal(fst_sh("cp '%s' '%s' && cp '%s' '%s.y'", img, snap, img, snap), 0);
    assert_int_equal(
        fst_sh("dumpe2fs -h '%s' 2>/dev/null | grep -q '^First orphan inode: *[1-9]'", snap), 0);
    int st = fst_sh("e2fsck -fy '%s.y' > '%s/fsck.log' 2>&1", snap, tmp);
    if (st) {
        fst_sh("head -30 '%s/fsck.log'", tmp);
        fail_msg("e2fsck -fy exit %d on %s.y", st, snap);
    }
    assert_int_equal(fst_sh("e2fsck -fn '%s.y' >/dev/null 2>&1", snap), 0);
}

static void unmount_and_check(void)
{
    fst_umount(&m);
    check_fsck();
}

static void counts(struct vfs_statfs *st)
{
    assert_int_equal(vfs_statfs(C, "/", st), 0);
}

static void assert_counts(const struct vfs_statfs *want)
{
    struct vfs_statfs now;
    counts(&now);
    assert_int_equal(now.bfree, want->bfree);
    assert_int_equal(now.ffree, want->ffree);
}

/* Creates path with size bytes of pattern seed; returns the file open read-write. */
static struct vfs_file *make_file(const char *path, size_t size, unsigned seed)
{
    struct vfs_file *f;
    assert_int_equal(vfs_open(C, path, VFS_O_CREAT | VFS_O_RDWR, 0644, &f), 0);
    uint8_t *buf = malloc(size);
    fst_fill(buf, size, seed, 0);
    assert_int_equal(vfs_pwrite(f, buf, size, 0), (int64_t)size);
    free(buf);
    return f;
}

/* The open file f still holds size bytes of pattern seed. */
static void assert_content(struct vfs_file *f, size_t size, unsigned seed)
{
    uint8_t *got = malloc(size + 1), *want = malloc(size);
    fst_fill(want, size, seed, 0);
    assert_int_equal(vfs_pread(f, got, size + 1, 0), (int64_t)size);
    assert_memory_equal(got, want, size);
    free(got);
    free(want);
}

/* Unlink while open: the data stays readable and allocated until the last close, which
 * gives back every block and the inode. */
static void check_unlink_open(const char *type, unsigned bs)
{
    mount_fresh(type, bs);
    struct vfs_statfs before, during;
    counts(&before);
    const size_t size = 300 * 1024 + 123; /* past the direct blocks of a 1 KiB block map */
    struct vfs_file *f = make_file("/victim", size, 1);
    assert_int_equal(vfs_unlink(C, "/victim"), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(C, "/victim", true, &st), -ENOENT);
    assert_int_equal(vfs_fstat(f, &st), 0);
    assert_int_equal(st.nlink, 0);
    assert_content(f, size, 1);
    counts(&during);
    assert_int_equal(during.ffree, before.ffree - 1);
    assert_true(during.bfree + size / bs <= before.bfree);
    assert_int_equal(vfs_pwrite(f, "more", 4, size), 4); /* still writable */
    snapshot_with_orphan();
    vfs_file_put(f);
    assert_counts(&before);
    sync_and_check();
    unmount_and_check();

    /* Mounting the snapshot read-write frees the orphan. */
    memcpy(img, snap, sizeof(img));
    assert_int_equal(fst_mount_root(img, bs, false, &m), 0);
    assert_counts(&before);
    unmount_and_check();
}

static void test_unlink_open(void **s)
{
    (void)s;
    check_unlink_open("ext4", 4096);
    check_unlink_open("ext4", 1024);
    check_unlink_open("ext2", 1024);
}

/* A removed directory is freed (inode, block, the group's directory count) as soon as
 * nothing references it, even though lookups below it left cached negative entries; one
 * that is a working directory or open is freed when those go. */
static void check_rmdir_referenced(const char *type, unsigned bs)
{
    mount_fresh(type, bs);
    struct vfs_statfs before;
    counts(&before);
    struct vfs_stat st;

    /* No reference left but negative entries below it (the bug progs-e2fsck found). */
    assert_int_equal(vfs_mkdir(C, "/plain", 0755), 0);
    assert_int_equal(vfs_stat(C, "/plain/nope", true, &st), -ENOENT);
    vfs_file_put(make_file("/plain/gone", 10, 2));
    assert_int_equal(vfs_unlink(C, "/plain/gone"), 0);
    assert_int_equal(vfs_rmdir(C, "/plain"), 0);
    assert_counts(&before);
    sync_and_check();

    /* A working directory and an open descriptor. */
    assert_int_equal(vfs_mkdir(C, "/held", 0755), 0);
    struct vfs_ctx inside = *C;
    vfs_path_get(&inside.root);
    vfs_path_get(&inside.cwd);
    assert_int_equal(vfs_chdir(&inside, "/held"), 0);
    struct vfs_file *dir;
    assert_int_equal(vfs_open(C, "/held", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &dir), 0);
    assert_int_equal(vfs_stat(&inside, "nope", true, &st), -ENOENT);
    assert_int_equal(vfs_rmdir(C, "/held"), 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(&inside, "new", VFS_O_CREAT | VFS_O_RDWR, 0644, &f), -ENOENT);
    snapshot_with_orphan();
    struct vfs_statfs during;
    counts(&during);
    assert_int_equal(during.ffree, before.ffree - 1);
    vfs_file_put(dir);
    counts(&during);
    assert_int_equal(during.ffree, before.ffree - 1); /* still the working directory */
    vfs_path_put(&inside.cwd);
    vfs_path_put(&inside.root);
    assert_counts(&before);
    sync_and_check();

    /* Renamed over: the replaced empty directory goes too. */
    assert_int_equal(vfs_mkdir(C, "/x", 0755), 0);
    assert_int_equal(vfs_mkdir(C, "/y", 0755), 0);
    assert_int_equal(vfs_stat(C, "/y/nope", true, &st), -ENOENT);
    struct vfs_statfs one_dir;
    assert_int_equal(vfs_rmdir(C, "/x"), 0);
    counts(&one_dir);
    assert_int_equal(vfs_mkdir(C, "/x", 0755), 0);
    assert_int_equal(vfs_rename(C, "/x", "/y", 0), 0);
    assert_counts(&one_dir);
    assert_int_equal(vfs_rmdir(C, "/y"), 0);
    assert_counts(&before);
    sync_and_check();
    unmount_and_check();
}

static void test_rmdir_referenced(void **s)
{
    (void)s;
    check_rmdir_referenced("ext4", 4096);
    check_rmdir_referenced("ext2", 1024);
}

/* Rename over an open file: the replaced file keeps its data for the open descriptor and
 * is freed at its close; the name then holds the renamed file. */
static void check_rename_over_open(const char *type, unsigned bs)
{
    mount_fresh(type, bs);
    const size_t a_size = 50 * 1024, b_size = 120 * 1024 + 7;
    vfs_file_put(make_file("/a", a_size, 3));
    struct vfs_statfs with_a;
    counts(&with_a);
    struct vfs_file *b = make_file("/b", b_size, 4);
    assert_int_equal(vfs_rename(C, "/a", "/b", 0), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_fstat(b, &st), 0);
    assert_int_equal(st.nlink, 0);
    assert_content(b, b_size, 4);
    struct vfs_file *now_b;
    assert_int_equal(vfs_open(C, "/b", VFS_O_RDONLY, 0, &now_b), 0);
    assert_content(now_b, a_size, 3);
    vfs_file_put(now_b);
    struct vfs_statfs during;
    counts(&during);
    assert_int_equal(during.ffree, with_a.ffree - 1);
    snapshot_with_orphan();
    vfs_file_put(b);
    assert_counts(&with_a);
    sync_and_check();
    unmount_and_check();
}

static void test_rename_over_open(void **s)
{
    (void)s;
    check_rename_over_open("ext4", 4096);
    check_rename_over_open("ext2", 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlink_open),
        cmocka_unit_test(test_rmdir_referenced),
        cmocka_unit_test(test_rename_over_open),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
