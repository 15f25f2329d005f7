/* ext2/3/4 read path: images made by mke2fs -d from a generated tree are read back through
 * the VFS and compared with the source, for each variant and block size. */
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

static char *src_dir;

static int setup(void **state)
{
    (void)state;
    fst_init_env();
    src_dir = fst_tmpdir();
    char tree[4200];
    snprintf(tree, sizeof(tree), "%s/tree", src_dir);
    fst_sh("mkdir '%s'", tree);
    fst_make_tree(tree);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fst_rmtree(src_dir);
    free(src_dir);
    return 0;
}

/* Makes an image of the tree, mounts it read-only and compares everything. */
static void check_variant(const char *type, unsigned bs, bool index, uint32_t dev_bs)
{
    char tree[4200], img[4200];
    snprintf(tree, sizeof(tree), "%s/tree", src_dir);
    snprintf(img, sizeof(img), "%s/%s-%u.img", src_dir, type, bs);
    fst_mkfs(type, bs, tree, img, "32M", index);
    if (index) /* e2fsck -D made htree directories: the big one must be indexed */
        assert_int_equal(
            fst_sh("debugfs -R 'stat /many' '%s' 2>/dev/null | grep -q 'Flags: 0x.*1...$'"
                   " || debugfs -R 'htree /many' '%s' 2>/dev/null | grep -q 'Root node'",
                   img, img),
            0);
    struct fst_mount m;
    assert_int_equal(fst_mount_root(img, dev_bs, true, &m), 0);
    unsigned n = fst_compare_tree(tree, &m.ctx, "/", true);
    assert_true(n > 650);
    /* the superblock is named by its features, as mke2fs -t made it */
    assert_string_equal(m.ctx.root.mnt->sb->type, type);
    /* statfs agrees with dumpe2fs' view of the geometry */
    struct vfs_statfs sf;
    assert_int_equal(vfs_statfs(&m.ctx, "/", &sf), 0);
    assert_int_equal(sf.type, EXT2_SUPER_MAGIC);
    assert_int_equal(sf.bsize, bs);
    assert_int_equal(sf.blocks * bs, 32u << 20);
    assert_true(sf.bfree > 0 && sf.bfree < sf.blocks);
    /* a read-only mount refuses writes */
    struct vfs_file *f;
    assert_int_equal(vfs_open(&m.ctx, "/newfile", VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), -EROFS);
    assert_int_equal(vfs_mkdir(&m.ctx, "/newdir", 0755), -EROFS);
    fst_umount(&m);
    /* image untouched: still clean */
    assert_int_equal(fst_sh("e2fsck -fn '%s' >/dev/null 2>&1", img), 0);
}

static void test_ext2_1k(void **s)
{
    (void)s;
    check_variant("ext2", 1024, false, 512);
}
static void test_ext2_4k(void **s)
{
    (void)s;
    check_variant("ext2", 4096, false, 4096);
}
static void test_ext3_1k(void **s)
{
    (void)s;
    check_variant("ext3", 1024, true, 1024);
}
static void test_ext3_4k(void **s)
{
    (void)s;
    check_variant("ext3", 4096, false, 512);
}
static void test_ext4_1k(void **s)
{
    (void)s;
    check_variant("ext4", 1024, true, 512);
}
static void test_ext4_4k(void **s)
{
    (void)s;
    check_variant("ext4", 4096, true, 4096);
}
static void test_ext4_4k_linear(void **s)
{
    (void)s;
    check_variant("ext4", 4096, false, 1024);
}

/* Unsupported or damaged images are refused, not misread. */
static void test_refuse_bad(void **s)
{
    (void)s;
    char tree[4200], img[4200];
    snprintf(tree, sizeof(tree), "%s/tree", src_dir);
    snprintf(img, sizeof(img), "%s/bad.img", src_dir);
    fst_mkfs("ext4", 4096, tree, img, "32M", false);
    struct fst_mount m;
    /* corrupt the superblock checksum */
    assert_int_equal(fst_sh("printf '\\x00\\x00\\x00\\x00' | dd of='%s' bs=1 seek=$((1024+0x3FC)) "
                            "conv=notrunc 2>/dev/null",
                            img),
                     0);
    assert_int_equal(fst_mount_root(img, 4096, true, &m), -EIO);
    /* not an ext2 filesystem at all */
    assert_int_equal(fst_sh("dd if=/dev/zero of='%s' bs=1M count=4 2>/dev/null", img), 0);
    assert_int_equal(fst_mount_root(img, 4096, true, &m), -EINVAL);
    /* journal needing recovery: read-only only */
    fst_mkfs("ext4", 4096, tree, img, "32M", false);
    assert_int_equal(fst_sh("debugfs -w -R 'feature needs_recovery' '%s' >/dev/null 2>&1", img), 0);
    assert_int_equal(fst_mount_root(img, 4096, false, &m), -EROFS);
    assert_int_equal(fst_mount_root(img, 4096, true, &m), 0);
    fst_umount(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ext2_1k),        cmocka_unit_test(test_ext2_4k),
        cmocka_unit_test(test_ext3_1k),        cmocka_unit_test(test_ext3_4k),
        cmocka_unit_test(test_ext4_1k),        cmocka_unit_test(test_ext4_4k),
        cmocka_unit_test(test_ext4_4k_linear), cmocka_unit_test(test_refuse_bad),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
