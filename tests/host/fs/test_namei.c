/* Path walk, mounts and dentry cache semantics, on ext4 (root) and ext2 (mounted) images. */
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
static struct fst_mount root_m;
static struct blockdev *bdev_b;
static struct vfs_mount *mnt_b;
static struct vfs_ctx *C;

static void mount_b(void)
{
    char img[4200];
    snprintf(img, sizeof(img), "%s/b.img", tmp);
    bdev_b = fst_file_dev(img, 1024);
    struct vfs_path at;
    assert_int_equal(vfs_walk(&C->root, &C->cwd, "/a/b", 0, &at), 0);
    assert_int_equal(vfs_mount(&ext2_fs_type, bdev_b, 0, &at, &mnt_b), 0);
    vfs_path_put(&at);
}

static void umount_b(void)
{
    assert_int_equal(vfs_umount(mnt_b), 0);
    fst_dev_free(bdev_b);
}

static int setup(void **state)
{
    (void)state;
    fst_init_env();
    tmp = fst_tmpdir();
    char tree[4200], img[4200];
    snprintf(tree, sizeof(tree), "%s/tree", tmp);
    fst_sh("mkdir '%s'", tree);
    fst_make_tree(tree);
    snprintf(img, sizeof(img), "%s/a.img", tmp);
    fst_mkfs("ext4", 4096, tree, img, "32M", false);
    fst_sh("mkdir -p '%s/btree/inner' && echo hello > '%s/btree/inner/f' && "
           "ln -s .. '%s/btree/inner/up' && ln -s ../.. '%s/btree/upup' && "
           "ln -s /small.txt '%s/btree/abs'",
           tmp, tmp, tmp, tmp, tmp);
    snprintf(tree, sizeof(tree), "%s/btree", tmp);
    snprintf(img, sizeof(img), "%s/b.img", tmp);
    fst_mkfs("ext2", 1024, tree, img, "4M", false);
    snprintf(img, sizeof(img), "%s/a.img", tmp);
    assert_int_equal(fst_mount_root(img, 4096, false, &root_m), 0);
    C = &root_m.ctx;
    mount_b();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    umount_b();
    fst_umount(&root_m);
    assert_int_equal(fst_sh("e2fsck -fn '%s/a.img' >/dev/null 2>&1", tmp), 0);
    assert_int_equal(fst_sh("e2fsck -fn '%s/b.img' >/dev/null 2>&1", tmp), 0);
    fst_rmtree(tmp);
    free(tmp);
    return 0;
}

static int st(const char *path, bool follow, struct vfs_stat *s)
{
    return vfs_stat(C, path, follow, s);
}

static void same_inode(const char *a, const char *b)
{
    struct vfs_stat x, y;
    assert_int_equal(st(a, true, &x), 0);
    assert_int_equal(st(b, true, &y), 0);
    assert_int_equal(x.dev, y.dev);
    assert_int_equal(x.ino, y.ino);
}

static void test_symlinks(void **s)
{
    (void)s;
    struct vfs_stat x;
    assert_int_equal(st("/links/loop1", true, &x), -ELOOP);
    assert_int_equal(st("/links/loop1", false, &x), 0);
    assert_true(VFS_S_ISLNK(x.mode));
    assert_int_equal(st("/links/self", true, &x), -ELOOP);
    assert_int_equal(st("/links/loop1/x", false, &x), -ELOOP);
    /* 40 links are followed, the 41st is one too many */
    assert_int_equal(st("/links/chain0", true, &x), -ELOOP);
    assert_int_equal(st("/links/chain1", true, &x), 0);
    assert_int_equal(x.size, 100);
    same_inode("/links/chain1", "/small.txt");
    same_inode("/links/short", "/small.txt");
    assert_int_equal(st("/links/to_deep", true, &x), -ENOENT); /* /a/b is covered */
    assert_int_equal(st("/links/long_dangling", true, &x), -ENOENT);
    assert_int_equal(st("/links/long_dangling", false, &x), 0);
    assert_int_equal(x.size, 150);
    char buf[512];
    assert_int_equal(vfs_readlink(C, "/links/short", buf, sizeof(buf)), 12);
    assert_memory_equal(buf, "../small.txt", 12);
    assert_int_equal(vfs_readlink(C, "/links/slow300", buf, sizeof(buf)), 299);
    assert_int_equal(vfs_readlink(C, "/links/short", buf, 5), 5);
    assert_int_equal(vfs_readlink(C, "/small.txt", buf, sizeof(buf)), -EINVAL);
    /* O_NOFOLLOW on a symlink */
    struct vfs_file *f;
    assert_int_equal(vfs_open(C, "/links/short", VFS_O_RDONLY | VFS_O_NOFOLLOW, 0, &f), -ELOOP);
    assert_int_equal(vfs_open(C, "/links/short", VFS_O_RDONLY, 0, &f), 0);
    vfs_file_put(f);
    /* symlink to a directory inside a path; absolute target crossing into a mount */
    assert_int_equal(st("/links/abs_dir/inner/f", true, &x), 0);
    assert_int_equal(x.size, 6);
    /* O_CREAT through a dangling symlink creates its target */
    assert_int_equal(vfs_symlink(C, "created_by_link", "/links/dangling2"), 0);
    assert_int_equal(vfs_open(C, "/links/dangling2", VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), 0);
    vfs_file_put(f);
    assert_int_equal(st("/links/created_by_link", false, &x), 0);
    assert_true(VFS_S_ISREG(x.mode));
    assert_int_equal(vfs_open(C, "/links/short", VFS_O_CREAT | VFS_O_EXCL | VFS_O_WRONLY, 0644, &f),
                     -EEXIST);
}

static void test_errors(void **s)
{
    (void)s;
    struct vfs_stat x;
    assert_int_equal(st("/nope", true, &x), -ENOENT);
    assert_int_equal(st("/nope/x", true, &x), -ENOENT);
    assert_int_equal(st("", true, &x), -ENOENT);
    assert_int_equal(st("/small.txt/x", true, &x), -ENOTDIR);
    assert_int_equal(st("/small.txt/", true, &x), -ENOTDIR);
    assert_int_equal(st("/small.txt/.", true, &x), -ENOTDIR);
    assert_int_equal(st("/links/short/", true, &x), -ENOTDIR);
    char name[300];
    memset(name, 'n', sizeof(name));
    name[0] = '/';
    name[257] = 0; /* 256-byte component */
    assert_int_equal(st(name, true, &x), -ENAMETOOLONG);
    name[256] = 0; /* 255 is fine (just absent) */
    assert_int_equal(st(name, true, &x), -ENOENT);
    assert_int_equal(vfs_mkdir(C, name, 0755), 0);
    assert_int_equal(vfs_rmdir(C, name), 0);
    char *longp = malloc(5000);
    for (int i = 0; i < 4998; i += 2)
        memcpy(longp + i, "./", 2);
    longp[4998] = 'a';
    longp[4999] = 0;
    assert_int_equal(st(longp, true, &x), -ENAMETOOLONG);
    longp[4000] = 0;
    assert_int_equal(st(longp + 1, true, &x), 0); /* "/./././..." = root */
    free(longp);
    assert_int_equal(vfs_mkdir(C, "/a", 0755), -EEXIST);
    assert_int_equal(vfs_mkdir(C, "/", 0755), -EEXIST);
    assert_int_equal(vfs_mkdir(C, "/a/.", 0755), -EEXIST);
    assert_int_equal(vfs_rmdir(C, "/a/."), -EINVAL);
    assert_int_equal(vfs_rmdir(C, "/emptydir/x/.."), -ENOENT);
    assert_int_equal(vfs_unlink(C, "/a"), -EISDIR);
    assert_int_equal(vfs_rmdir(C, "/small.txt"), -ENOTDIR);
    assert_int_equal(vfs_rename(C, "/nope", "/nope2", 0), -ENOENT);
    assert_int_equal(vfs_rename(C, "/small.txt", "/nope2", VFS_RENAME_EXCHANGE), -ENOENT);
    assert_int_equal(
        vfs_rename(C, "/small.txt", "/one_block", VFS_RENAME_EXCHANGE | VFS_RENAME_NOREPLACE),
        -EINVAL);
    struct vfs_file *f;
    assert_int_equal(vfs_open(C, "/a", VFS_O_WRONLY, 0, &f), -EISDIR);
    assert_int_equal(vfs_open(C, "/small.txt", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), -ENOTDIR);
}

static void test_dotdot_and_mounts(void **s)
{
    (void)s;
    struct vfs_stat x, y;
    same_inode("/..", "/");
    same_inode("/../../..", "/");
    same_inode("/../small.txt", "/small.txt");
    /* /a/b is covered by the ext2 mount */
    assert_int_equal(st("/a/b", true, &x), 0);
    assert_int_equal(st("/a", true, &y), 0);
    assert_int_equal(x.ino, 2);
    assert_true(x.dev != y.dev);
    assert_int_equal(st("/a/b/mid.bin", true, &x), -ENOENT); /* hidden */
    same_inode("/a/b/..", "/a");
    same_inode("/a/b/inner/..", "/a/b");
    same_inode("/a/b/inner/../..", "/a");
    same_inode("/a/b/inner/up", "/a/b");
    same_inode("/a/b/upup", "/");
    same_inode("/a/b/upup/a/b/inner/f", "/a/b/inner/f");
    same_inode("/a/b/abs", "/small.txt");
    /* relative walks from a cwd inside the mount */
    struct vfs_ctx c2 = *C;
    vfs_path_get(&c2.root);
    vfs_path_get(&c2.cwd);
    assert_int_equal(vfs_chdir(&c2, "/a/b/inner"), 0);
    assert_int_equal(vfs_stat(&c2, "f", true, &x), 0);
    assert_int_equal(x.size, 6);
    assert_int_equal(vfs_stat(&c2, "../../top.bin", true, &x), 0);
    assert_int_equal(x.size, 4097);
    assert_int_equal(vfs_chdir(&c2, "/small.txt"), -ENOTDIR);
    /* busy: cwd inside, mountpoint removal, cross-device operations */
    assert_int_equal(vfs_umount(mnt_b), -EBUSY);
    assert_int_equal(vfs_rmdir(C, "/a/b"), -EBUSY);
    assert_int_equal(vfs_rename(C, "/a/b/inner/f", "/a/f", 0), -EXDEV);
    assert_int_equal(vfs_link(C, "/a/b/inner/f", "/a/f"), -EXDEV);
    assert_int_equal(vfs_umount(root_m.mnt), -EBUSY);
    vfs_path_put(&c2.cwd);
    /* a chroot-like root: ".." and absolute symlinks stop at it */
    assert_int_equal(vfs_walk(&C->root, &C->cwd, "/a", 0, &c2.cwd), 0);
    vfs_path_put(&c2.root);
    c2.root = c2.cwd;
    vfs_path_get(&c2.root);
    assert_int_equal(vfs_stat(&c2, "/../..", true, &x), 0);
    assert_int_equal(st("/a", true, &y), 0);
    assert_int_equal(x.ino, y.ino);
    assert_int_equal(vfs_stat(&c2, "/../top.bin", true, &x), 0);
    assert_int_equal(vfs_stat(&c2, "/b/abs", true, &x), -ENOENT); /* /small.txt inside /a */
    assert_int_equal(vfs_stat(&c2, "b/upup/top.bin", true, &x), 0);
    vfs_path_put(&c2.root);
    vfs_path_put(&c2.cwd);
    /* unmount: the covered directory shows again; then mount back */
    umount_b();
    assert_int_equal(st("/a/b/mid.bin", true, &x), 0);
    mount_b();
    assert_int_equal(st("/a/b/inner/f", true, &x), 0);
    /* writes in the mounted filesystem */
    assert_int_equal(vfs_mkdir(C, "/a/b/newdir", 0700), 0);
    assert_int_equal(vfs_rename(C, "/a/b/inner/f", "/a/b/newdir/g", 0), 0);
    assert_int_equal(st("/a/b/newdir/g", true, &x), 0);
}

/* Walks path from root and checks vfs_path_name gives want and want_outside, seen from
 * view (NULL: the root). */
static void check_name(const struct vfs_path *view, const char *path, const char *want,
                       bool want_outside)
{
    struct vfs_path p;
    char buf[64];
    assert_int_equal(vfs_walk(&C->root, &C->cwd, path, 0, &p), 0);
    bool outside = true;
    int n = vfs_path_name(view ? view : &C->root, &p, buf, sizeof(buf), &outside);
    assert_int_equal(n, (int)strlen(want));
    assert_int_equal(outside, want_outside);
    assert_string_equal(buf, want);
    vfs_path_put(&p);
}

static void test_path_name(void **s)
{
    (void)s;
    check_name(NULL, "/", "/", false);
    check_name(NULL, "/a", "/a", false);
    check_name(NULL, "/a/b", "/a/b", false); /* the mounted filesystem's root */
    check_name(NULL, "/a/b/inner", "/a/b/inner", false);
    check_name(NULL, "/a/b/inner/up/inner/../..", "/a", false);
    /* seen from a root inside the mount, and from one the path is not under */
    struct vfs_path inner, p;
    assert_int_equal(vfs_walk(&C->root, &C->cwd, "/a/b/inner", 0, &inner), 0);
    check_name(&inner, "/a/b/inner", "/", false);
    check_name(&inner, "/a/b", "/a/b", true); /* outside it: named from the global root */
    vfs_path_put(&inner);
    /* too small a buffer */
    char small[6];
    assert_int_equal(vfs_walk(&C->root, &C->cwd, "/a/b/inner", 0, &p), 0);
    assert_int_equal(vfs_path_name(&C->root, &p, small, sizeof(small), NULL), -ENAMETOOLONG);
    assert_int_equal(vfs_path_name(&C->root, &p, small, 1, NULL), -ENAMETOOLONG);
    vfs_path_put(&p);
}

static void test_trailing_slash(void **s)
{
    (void)s;
    struct vfs_stat x;
    assert_int_equal(st("/a/", true, &x), 0);
    assert_int_equal(st("/a//b///", true, &x), 0);
    assert_int_equal(st("/links/abs_dir/", false, &x), 0); /* slash forces following */
    assert_true(VFS_S_ISDIR(x.mode));
    assert_int_equal(st("/links/abs_dir", false, &x), 0);
    assert_true(VFS_S_ISLNK(x.mode));
    assert_int_equal(vfs_mkdir(C, "/slashdir/", 0755), 0);
    assert_int_equal(vfs_mkdir(C, "/slashdir//sub//", 0755), 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(C, "/newfile/", VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), -EISDIR);
    assert_int_equal(vfs_unlink(C, "/a/top.bin/"), -ENOTDIR);
    assert_int_equal(vfs_rename(C, "/one_block/", "/x", 0), -ENOTDIR);
    assert_int_equal(vfs_rmdir(C, "/slashdir/sub/"), 0);
    assert_int_equal(vfs_rename(C, "/slashdir/", "/slashdir2/", 0), 0);
    assert_int_equal(vfs_rmdir(C, "/slashdir2//"), 0);
}

static void test_dcache(void **s)
{
    (void)s;
    struct vfs_stat x;
    assert_int_equal(st("/neg_then_pos", true, &x), -ENOENT);
    assert_int_equal(st("/neg_then_pos", true, &x), -ENOENT); /* cached negative */
    struct vfs_file *f;
    assert_int_equal(vfs_open(C, "/neg_then_pos", VFS_O_CREAT | VFS_O_WRONLY, 0600, &f), 0);
    assert_int_equal(vfs_write(f, "abc", 3), 3);
    vfs_file_put(f);
    assert_int_equal(st("/neg_then_pos", true, &x), 0);
    assert_int_equal(x.size, 3);
    assert_int_equal(x.mode, VFS_S_IFREG | 0600);
    unsigned before = vfs_dcache_count();
    assert_true(vfs_dcache_prune(NULL) > 0);
    assert_true(vfs_dcache_count() < before);
    assert_int_equal(st("/neg_then_pos", true, &x), 0);
    assert_int_equal(vfs_unlink(C, "/neg_then_pos"), 0);
    assert_int_equal(st("/neg_then_pos", true, &x), -ENOENT);
    /* a directory renamed under a cwd: ".." follows the move */
    assert_int_equal(vfs_mkdir(C, "/w1", 0755), 0);
    assert_int_equal(vfs_mkdir(C, "/w1/d", 0755), 0);
    assert_int_equal(vfs_mkdir(C, "/w2", 0755), 0);
    struct vfs_ctx c2 = *C;
    vfs_path_get(&c2.root);
    vfs_path_get(&c2.cwd);
    assert_int_equal(vfs_chdir(&c2, "/w1/d"), 0);
    assert_int_equal(vfs_rename(C, "/w1/d", "/w2/moved", 0), 0);
    assert_int_equal(vfs_mkdir(&c2, "../marker", 0755), 0);
    assert_int_equal(st("/w2/marker", true, &x), 0);
    assert_int_equal(st("/w1/d", true, &x), -ENOENT);
    assert_int_equal(vfs_stat(&c2, ".", true, &x), 0);
    struct vfs_stat y;
    assert_int_equal(st("/w2/moved", true, &y), 0);
    assert_int_equal(x.ino, y.ino);
    assert_int_equal(y.nlink, 2);
    assert_int_equal(st("/w2", true, &y), 0);
    assert_int_equal(y.nlink, 4);
    assert_int_equal(st("/w1", true, &y), 0);
    assert_int_equal(y.nlink, 2);
    vfs_path_put(&c2.root);
    vfs_path_put(&c2.cwd);
    /* exchange two directories in different parents */
    assert_int_equal(vfs_mkdir(C, "/w2/moved/in_d", 0755), 0);
    assert_int_equal(vfs_rename(C, "/w1", "/w2/moved", VFS_RENAME_EXCHANGE), 0);
    assert_int_equal(st("/w2/moved/in_d", true, &x), -ENOENT);
    assert_int_equal(st("/w1/in_d", true, &x), 0);
    same_inode("/w2/moved/..", "/w2");
    same_inode("/w1/..", "/");
}

struct stopper {
    unsigned seen, limit;
};

static int count_some(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                      uint64_t pos_next)
{
    (void)name;
    (void)len;
    (void)ino;
    (void)type;
    (void)pos_next;
    struct stopper *sp = ctx;
    if (sp->seen >= sp->limit)
        return 1;
    sp->seen++;
    return 0;
}

static void test_readdir_resume(void **s)
{
    (void)s;
    struct vfs_file *f;
    assert_int_equal(vfs_open(C, "/many", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
    struct stopper all = {0, 100000};
    assert_int_equal(vfs_readdir(f, count_some, &all), 0);
    assert_int_equal(all.seen, 602);
    assert_int_equal(vfs_lseek(f, 0, VFS_SEEK_SET), 0);
    unsigned total = 0;
    for (int rounds = 0; rounds < 1000; rounds++) {
        struct stopper some = {0, 7};
        assert_int_equal(vfs_readdir(f, count_some, &some), 0);
        total += some.seen;
        if (some.seen == 0)
            break;
    }
    assert_int_equal(total, 602);
    vfs_file_put(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symlinks),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_dotdot_and_mounts),
        cmocka_unit_test(test_trailing_slash),
        cmocka_unit_test(test_path_name),
        cmocka_unit_test(test_dcache),
        cmocka_unit_test(test_readdir_resume),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
