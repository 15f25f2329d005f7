/* FAT driver: images made by mkfs.vfat, populated by mtools (mcopy) and read back against
 * the host tree; a write workload applied both to a host directory (the model) and through the
 * VFS, then fsck.vfat -n must pass, the image must match the model after a remount, and
 * mtools (an independent reader) must extract the same tree and see the expected 8.3 aliases. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <fs/fat.h>
#include <lib/errno.h>
#include "fs_test.h"

static char *tmp;

static int setup(void **state)
{
    (void)state;
    fst_init_env();
    tmp = fst_tmpdir();
    umask(0); /* the VFS applies no umask (the library OS does) */
    setenv("MTOOLS_SKIP_CHECK", "1", 1);
    setenv("MTOOLS_NO_VFAT", "", 1);
    unsetenv("MTOOLS_NO_VFAT");
    setenv("TZ", "UTC", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fst_rmtree(tmp);
    free(tmp);
    return 0;
}

static int mount_fat(const char *img, uint32_t dev_bs, bool rdonly, struct fst_mount *m)
{
    memset(m, 0, sizeof(*m));
    m->dev = fst_file_dev(img, dev_bs);
    int err = vfs_mount(&fat_fs_type, m->dev, rdonly ? VFS_SB_RDONLY : 0, NULL, &m->mnt);
    if (err) {
        fst_dev_free(m->dev);
        m->dev = NULL;
        return err;
    }
    assert_int_equal(vfs_root(&m->ctx.root), 0);
    assert_int_equal(vfs_root(&m->ctx.cwd), 0);
    return 0;
}

static void mkfs(const char *img, const char *opts, unsigned kb)
{
    assert_int_equal(fst_sh("rm -f '%s' && mkfs.vfat %s -C '%s' %u >/dev/null", img, opts, img, kb),
                     0);
}

static uint64_t fsck_free_clusters(const char *img);

static void fsck_ok(const char *img)
{
    int st = fst_sh("fsck.vfat -n '%s' > '%s/fsck.log' 2>&1", img, tmp);
    if (st != 0) {
        fst_sh("head -40 '%s/fsck.log'", tmp);
        fail_msg("fsck.vfat -n exit %d on %s", st, img);
    }
}

/* mtools extracts the whole image; it must equal the host tree. */
static void mtools_matches(const char *img, const char *host)
{
    assert_int_equal(fst_sh("rm -rf '%s/mout' && mkdir '%s/mout' && mcopy -s -n -i '%s' '::/*' "
                            "'%s/mout/' 2>'%s/mcopy.log'",
                            tmp, tmp, img, tmp, tmp),
                     0);
    if (fst_sh("diff -r '%s' '%s/mout' > '%s/diff.log' 2>&1", host, tmp, tmp)) {
        fst_sh("head -20 '%s/diff.log'", tmp);
        fail_msg("mtools sees a different tree");
    }
}

/* A host tree for FAT: no symlinks or special files; files 0644, directories 0755. */
static void make_tree(const char *d)
{
    char p[4200];
    static const struct {
        const char *name;
        size_t size;
    } files[] = {
        {"empty", 0},
        {"small.txt", 100},
        {"UPPER.TXT", 1000},
        {"lower.c", 513},
        {"Mixed Case Long Name.txt", 4096},
        {"exactly_one_cluster", 4096},
        {"big.bin", 1536 * 1024 + 333},
        {"a/b/c/deep.bin", 70000},
        {"a/b/mid.bin", 5000},
        {"a/top.bin", 4097},
        {"dir with spaces/file name with spaces", 33},
        {"a/archive.tar.gz", 12345},
        {".hidden", 10},
        {"unicode-\xc3\xbc\xc3\xb1\xc3\xaf\xc3\xa7\xc3\xb8\x64\xc3\xa9-\xe2\x82\xac", 77},
        {"a name that is exactly long enough to need several long name slots to hold it.text", 1},
    };
    fst_sh("mkdir -p '%s/a/b/c/d/e' '%s/dir with spaces' '%s/many' '%s/emptydir'", d, d, d, d);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", d, files[i].name);
        fst_write_file(p, files[i].size, (unsigned)i + 1);
    }
    for (int i = 0; i < 400; i++) {
        snprintf(p, sizeof(p), "%s/many/entry_with_a_longish_name_%04d", d, i);
        fst_write_file(p, (size_t)(i % 7) * 100, (unsigned)i + 1000);
    }
    fst_sh("find '%s' -type f -exec chmod 0644 {} + && find '%s' -type d -exec chmod 0755 {} +", d,
           d);
}

static void test_read_mcopy(void **s)
{
    (void)s;
    char tree[4200], img[4200];
    snprintf(tree, sizeof(tree), "%s/rtree", tmp);
    snprintf(img, sizeof(img), "%s/read.img", tmp);
    make_tree(tree);
    static const char *variants[] = {"-F 32 -s 1", "-F 32 -s 8", "-F 32 -S 4096 -s 1",
                                     "-F 32 -s 2", "-F 16 -s 4", "-F 12 -s 16"};
    for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
        /* mtools tells FAT32 by its cluster count: at least 65525 clusters */
        mkfs(img, variants[v],
             strstr(variants[v], "12")                                    ? 8000
             : strstr(variants[v], "-s 8") || strstr(variants[v], "4096") ? 280000
                                                                          : 70000);
        assert_int_equal(fst_sh("cd '%s' && mcopy -s -m -i '%s' * .hidden ::/", tree, img), 0);
        struct fst_mount m;
        assert_int_equal(mount_fat(img, 512, true, &m), 0);
        unsigned n = fst_compare_tree(tree, &m.ctx, "/", false);
        assert_true(n > 420);
        /* mcopy -m kept the modification times */
        struct vfs_stat vs;
        struct stat hs;
        char hpth[4300];
        snprintf(hpth, sizeof(hpth), "%s/a/b/mid.bin", tree);
        assert_int_equal(stat(hpth, &hs), 0);
        assert_int_equal(vfs_stat(&m.ctx, "/a/b/mid.bin", true, &vs), 0);
        assert_true(vs.mtime.sec <= hs.st_mtime && vs.mtime.sec >= hs.st_mtime - 2);
        /* 8.3 names and case-insensitive lookups find the same object */
        struct vfs_stat v2;
        assert_int_equal(vfs_stat(&m.ctx, "/MIXEDC~1.TXT", true, &v2), 0);
        assert_int_equal(vfs_stat(&m.ctx, "/mixed case LONG name.TXT", true, &vs), 0);
        assert_int_equal(v2.ino, vs.ino);
        assert_int_equal(vs.size, 4096);
        assert_int_equal(vfs_stat(&m.ctx, "/a/B/c/../MID.BIN", true, &vs), 0);
        struct vfs_statfs sf;
        assert_int_equal(vfs_statfs(&m.ctx, "/", &sf), 0);
        assert_int_equal(sf.type, MSDOS_SUPER_MAGIC);
        assert_true(sf.bfree > 0 && sf.bfree < sf.blocks);
        /* the read-only mount refuses changes */
        assert_int_equal(vfs_mkdir(&m.ctx, "/x", 0755), -EROFS);
        fst_umount(&m);
    }
}

/* ---- the write workload ---- */

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
    bool app = extra_flags & VFS_O_APPEND;
    int fd = open(hp(w, path), O_WRONLY | O_CREAT | (app ? O_APPEND : 0), 0644);
    assert_true(fd >= 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(w->c, path, VFS_O_WRONLY | VFS_O_CREAT | extra_flags, 0644, &f), 0);
    if (app)
        assert_int_equal(write(fd, buf, len), (ssize_t)len);
    else
        assert_int_equal(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
    if (!app)
        assert_int_equal(vfs_lseek(f, (int64_t)off, VFS_SEEK_SET), (int64_t)off);
    size_t done = 0;
    while (done < len) {
        size_t n = MIN(len - done, 1 + (done * 7919 + seed) % 9000);
        assert_int_equal(vfs_write(f, buf + done, n), (int64_t)n);
        done += n;
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

static void w_chmod(struct wl *w, const char *path, uint32_t mode)
{
    struct vfs_attr a = {.valid = VFS_ATTR_MODE, .mode = mode};
    SAME(chmod(hp(w, path), mode), vfs_setattr(w->c, path, true, &a), path);
}

static const char *name_for(int i, char *buf, size_t n)
{
    switch (i % 6) {
    case 0:
        snprintf(buf, n, "f%03d.txt", i); /* plain lower-case 8.3 */
        break;
    case 1:
        snprintf(buf, n, "UP%03d.BIN", i); /* plain upper-case 8.3 */
        break;
    case 2:
        snprintf(buf, n, "A long file name number %03d.data", i);
        break;
    case 3:
        snprintf(buf, n, "MiXed%03d.c", i); /* fits 8.3, needs a long name for its case */
        break;
    case 4:
        snprintf(buf, n, "archive.%03d.tar.gz", i);
        break;
    default:
        snprintf(buf, n, "\xc3\xa9t\xc3\xa9-%03d \xe2\x82\xac", i);
        break;
    }
    return buf;
}

static void workload(struct wl *w)
{
    char p[512], q[512], nm[256];
    w_mkdir(w, "/w");
    for (int i = 1; i <= 5; i++) {
        snprintf(p, sizeof(p), "/w/sub%d", i);
        w_mkdir(w, p);
    }
    w_mkdir(w, "/w/sub1"); /* EEXIST */
    for (int i = 0; i < 300; i++) {
        snprintf(p, sizeof(p), "/w/sub%d/%s", 1 + i % 5, name_for(i, nm, sizeof(nm)));
        w_write(w, p, 0, (size_t)(i * 997) % 50000, (unsigned)i, 0);
    }
    /* big files over many clusters; append, overwrite in the middle, extend past the end */
    w_write(w, "/w/big", 0, 700000, 1, 0);
    w_write(w, "/w/big", 100000, 70000, 2, 0);
    w_write(w, "/w/big", 800000, 5000, 3, 0); /* the gap reads as zeros */
    w_write(w, "/w/big", 0, 12345, 4, VFS_O_APPEND);
    w_write(w, "/w/grow", 0, 1, 5, 0);
    for (int i = 0; i < 200; i++)
        w_write(w, "/w/grow", 0, 777, 6 + (unsigned)i, VFS_O_APPEND);
    /* interleaved growth: fragmented chains */
    for (int i = 0; i < 40; i++) {
        w_write(w, "/w/frag1", (uint64_t)i * 3000, 3000, 300, 0);
        w_write(w, "/w/frag2", (uint64_t)i * 2000, 2000, 301, 0);
    }
    /* truncates down and up */
    w_truncate(w, "/w/big", 300001);
    w_truncate(w, "/w/frag1", 200000);
    w_write(w, "/w/frag1", 150000, 3000, 302, 0);
    w_truncate(w, "/w/frag2", 0);
    w_write(w, "/w/frag2", 0, 30000, 303, 0);
    w_truncate(w, "/w/grow", 4096);
    w_truncate(w, "/w/grow", 4095);
    snprintf(p, sizeof(p), "/w/sub3/%s", name_for(2, nm, sizeof(nm)));
    w_truncate(w, p, 0);
    /* renames: same directory, across directories, replacing, directories */
    w_rename(w, "/w/sub1/f000.txt", "/w/sub1/renamed in place with a long name", 0);
    snprintf(p, sizeof(p), "/w/sub2/%s", name_for(1, nm, sizeof(nm)));
    w_rename(w, p, "/w/sub4/moved.bin", 0);
    snprintf(p, sizeof(p), "/w/sub3/%s", name_for(2, nm, sizeof(nm)));
    snprintf(q, sizeof(q), "/w/sub3/%s", name_for(7, nm, sizeof(nm)));
    w_rename(w, p, q, 0); /* replace a file */
    snprintf(p, sizeof(p), "/w/sub4/%s", name_for(3, nm, sizeof(nm)));
    snprintf(q, sizeof(q), "/w/sub4/%s", name_for(8, nm, sizeof(nm)));
    w_rename(w, p, q, VFS_RENAME_NOREPLACE); /* EEXIST */
    w_rename(w, "/w/sub3", "/a/b/moved_sub3", 0);
    w_rename(w, "/a", "/a/b/x", 0);       /* EINVAL */
    w_rename(w, "/w/sub5", "/w/sub2", 0); /* ENOTEMPTY */
    w_mkdir(w, "/w/empty_target");
    w_rename(w, "/w/sub5", "/w/empty_target", 0); /* replace an empty directory */
    w_rename(w, "/w/empty_target", "/w/sub4/nested", 0);
    w_rename(w, "/w/sub4/nested", "/nested at the root", 0);
    /* removals */
    for (int i = 0; i < 300; i += 4) {
        snprintf(p, sizeof(p), "/w/sub%d/%s", 1 + i % 5, name_for(i, nm, sizeof(nm)));
        struct stat st;
        if (lstat(hp(w, p), &st) == 0)
            w_unlink(w, p);
    }
    w_unlink(w, "/a/b/c/deep.bin");
    w_rmdir(w, "/a/b/c/d/e");
    w_rmdir(w, "/a/b/c");   /* ENOTEMPTY */
    w_rmdir(w, "/w/big");   /* ENOTDIR */
    w_unlink(w, "/w/sub2"); /* EISDIR */
    w_unlink(w, "/w/nope"); /* ENOENT */
    w_rmdir(w, "/a/b/c/d");
    w_rmdir(w, "/a/b/c");
    /* a big directory: growth over clusters, freed slots reused */
    w_mkdir(w, "/w/lots");
    for (int i = 0; i < 700; i++) {
        snprintf(p, sizeof(p), "/w/lots/%s%d", i % 2 ? "n" : "a_rather_long_name_", i);
        w_write(w, p, 0, (size_t)(i % 3) * 700, (unsigned)i, 0);
    }
    for (int i = 0; i < 700; i += 3) {
        snprintf(p, sizeof(p), "/w/lots/%s%d", i % 2 ? "n" : "a_rather_long_name_", i);
        w_unlink(w, p);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(p, sizeof(p), "/w/lots/second wave %d", i);
        w_write(w, p, 0, 100, (unsigned)i, 0);
    }
    w_chmod(w, "/w/frag1", 0444);
    w_chmod(w, "/w/frag2", 0444);
    w_chmod(w, "/w/frag2", 0644);
    /* open, unlink, keep writing, close: freed on the last close */
    struct vfs_file *f;
    assert_int_equal(vfs_open(w->c, "/w/tmpfile", VFS_O_CREAT | VFS_O_RDWR, 0644, &f), 0);
    uint8_t buf[10000];
    fst_fill(buf, sizeof(buf), 42, 0);
    assert_int_equal(vfs_write(f, buf, sizeof(buf)), (int64_t)sizeof(buf));
    assert_int_equal(vfs_unlink(w->c, "/w/tmpfile"), 0);
    /* its slot is reused while it is still open */
    w_write(w, "/w/tmpfil2", 0, 10, 7, 0);
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
    /* times: FAT keeps even seconds (modification) and days (access) */
    struct vfs_attr a = {.valid = VFS_ATTR_MTIME | VFS_ATTR_ATIME,
                         .mtime = {1234567891, 987654321},
                         .atime = {1500000000, 5}};
    assert_int_equal(vfs_setattr(w->c, "/w/big", true, &a), 0);
    assert_int_equal(vfs_stat(w->c, "/w/big", true, &st), 0);
    assert_int_equal(st.mtime.sec, 1234567890);
    assert_int_equal(st.mtime.nsec, 0);
    assert_int_equal(st.atime.sec, 1500000000 / 86400 * 86400);
}

/* FSInfo's free cluster count (FAT32 images), read straight from the image. */
static uint32_t fsinfo_free(const char *img)
{
    uint8_t bs[512], fsi[512];
    FILE *fp = fopen(img, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(bs, 1, sizeof(bs), fp), sizeof(bs));
    unsigned bps = bs[11] | bs[12] << 8, sec = bs[48] | bs[49] << 8;
    assert_int_equal(fseek(fp, (long)sec * bps, SEEK_SET), 0);
    assert_int_equal(fread(fsi, 1, sizeof(fsi), fp), sizeof(fsi));
    fclose(fp);
    assert_int_equal(fsi[0] | fsi[1] << 8 | fsi[2] << 16 | (uint32_t)fsi[3] << 24, 0x41615252);
    return fsi[488] | fsi[489] << 8 | fsi[490] << 16 | (uint32_t)fsi[491] << 24;
}

static void run_workload(const char *opts, unsigned kb, uint32_t dev_bs)
{
    char tree[4200], img[4200];
    struct wl w;
    snprintf(tree, sizeof(tree), "%s/wtree", tmp);
    snprintf(img, sizeof(img), "%s/write.img", tmp);
    fst_sh("rm -rf '%s'", tree);
    make_tree(tree);
    snprintf(w.host, sizeof(w.host), "%s/model", tmp);
    fst_sh("rm -rf '%s' && cp -a '%s' '%s'", w.host, tree, w.host);
    mkfs(img, opts, kb);
    assert_int_equal(fst_sh("cd '%s' && mcopy -s -m -i '%s' * .hidden ::/", tree, img), 0);
    struct fst_mount m;
    assert_int_equal(mount_fat(img, dev_bs, false, &m), 0);
    w.c = &m.ctx;
    workload(&w);
    fst_compare_tree(w.host, &m.ctx, "/", false);
    assert_int_equal(vfs_sync_all(), 0);
    fst_umount(&m);
    fsck_ok(img);
    if (strstr(opts, "-F 32"))
        assert_int_equal(fsinfo_free(img), fsck_free_clusters(img));
    assert_int_equal(mount_fat(img, dev_bs, true, &m), 0);
    fst_compare_tree(w.host, &m.ctx, "/", false);
    struct vfs_stat vs;
    assert_int_equal(vfs_stat(&m.ctx, "/w/big", true, &vs), 0);
    assert_int_equal(vs.mtime.sec, 1234567890);
    fst_umount(&m);
    /* mtools must see the same tree (hidden files included) */
    mtools_matches(img, w.host);
}

static void test_write_fat32(void **s)
{
    (void)s;
    run_workload("-F 32 -s 1", 70000, 512);
}

static void test_write_fat32_4k_clusters(void **s)
{
    (void)s;
    run_workload("-F 32 -s 8", 280000, 4096);
}

static void test_write_fat16(void **s)
{
    (void)s;
    run_workload("-F 16 -s 4", 40000, 512);
}

static void test_write_fat12(void **s)
{
    (void)s;
    run_workload("-F 12 -s 8", 16000, 512);
}

/* Free clusters as fsck.vfat counts them ("N files, used/total clusters"). */
static uint64_t fsck_free_clusters(const char *img)
{
    char cmd[4400];
    snprintf(
        cmd, sizeof(cmd),
        "fsck.vfat -n '%s' | tail -1 | sed 's/.*, \\([0-9]*\\)\\/\\([0-9]*\\) clusters/\\1 \\2/'",
        img);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    unsigned long used = 0, total = 0;
    assert_int_equal(fscanf(p, "%lu %lu", &used, &total), 2);
    pclose(p);
    return total - used;
}

static void put_file(const struct vfs_ctx *c, const char *path, size_t len, unsigned seed)
{
    uint8_t *buf = malloc(len ? len : 1);
    fst_fill(buf, len, seed, 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(c, path, VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644, &f), 0);
    assert_int_equal(vfs_write(f, buf, len), (int64_t)len);
    vfs_file_put(f);
    free(buf);
}

static void check_file(const struct vfs_ctx *c, const char *path, size_t len, unsigned seed)
{
    size_t n;
    uint8_t *got = fst_vfs_slurp(c, path, &n);
    if (!got)
        fail_msg("cannot read %s", path);
    assert_int_equal(n, len);
    uint8_t *want = malloc(len ? len : 1);
    fst_fill(want, len, seed, 0);
    assert_memory_equal(got, want, len);
    free(got);
    free(want);
}

/* mdir's listing of a directory contains line (8.3 name, size, long name). */
static void mdir_has(const char *img, const char *dir, const char *pattern)
{
    if (fst_sh("mdir -i '%s' '::%s' | grep -E -q '%s'", img, dir, pattern)) {
        fst_sh("mdir -i '%s' '::%s'", img, dir);
        fail_msg("mdir %s: no line matching %s", dir, pattern);
    }
}

/* Stops after one entry per call. */
static int one_entry(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                     uint64_t pos_next)
{
    (void)name, (void)len, (void)ino, (void)type, (void)pos_next;
    unsigned *n = ctx;
    if (*n)
        return 1;
    (*n)++;
    return 0;
}

/* 8.3 aliases (spec basis names and numeric tails), case flags, names only FAT rejects,
 * operations FAT has not, the free cluster count, readdir cookies. */
static void test_names_and_errors(void **s)
{
    (void)s;
    char img[4200], p[256];
    snprintf(img, sizeof(img), "%s/names.img", tmp);
    mkfs(img, "-F 32 -s 1", 70000);
    struct fst_mount m;
    assert_int_equal(mount_fat(img, 512, false, &m), 0);
    const struct vfs_ctx *c = &m.ctx;
    assert_int_equal(vfs_mkdir(c, "/al", 0755), 0);
    put_file(c, "/al/Long File Name.txt", 10, 1);
    put_file(c, "/al/long file name2.txt", 11, 2);
    for (int i = 3; i <= 12; i++) {
        snprintf(p, sizeof(p), "/al/longfilename%d.txt", i);
        put_file(c, p, (size_t)i, (unsigned)i);
    }
    put_file(c, "/al/lower.txt", 1, 20);
    put_file(c, "/al/UPPER.TXT", 2, 21);
    put_file(c, "/al/Foo.Txt", 3, 22);
    put_file(c, "/al/x.tar.gz", 4, 23);
    put_file(c, "/al/.hidden", 5, 24);
    put_file(c, "/al/a+b=c.txt", 6, 25);
    put_file(c, "/al/emoji-\xf0\x9f\x98\x80.txt", 7, 26);
    put_file(c, "/al/lowbase.TXT", 8, 27);
    /* name length limits: 255 UTF-16 units */
    char longname[300];
    memset(longname, 'n', sizeof(longname));
    memcpy(longname, "/al/", 4);
    longname[4 + 255] = 0;
    put_file(c, longname, 9, 28);
    longname[4 + 255] = 'n';
    longname[4 + 256] = 0;
    struct vfs_file *f;
    assert_int_equal(vfs_open(c, longname, VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), -ENAMETOOLONG);
    /* case-insensitive: the same name in another case exists already */
    assert_int_equal(
        vfs_open(c, "/al/LOWER.TXT", VFS_O_CREAT | VFS_O_EXCL | VFS_O_WRONLY, 0644, &f), -EEXIST);
    assert_int_equal(vfs_mkdir(c, "/al/long FILE name.TXT", 0755), -EEXIST);
    assert_int_equal(vfs_mkdir(c, "/al/LONGFI~1.TXT", 0755), -EEXIST);
    check_file(c, "/al/LONGFI~1.TXT", 10, 1);
    /* characters and forms FAT cannot store */
    assert_int_equal(vfs_mkdir(c, "/al/a:b", 0755), -EINVAL);
    assert_int_equal(vfs_mkdir(c, "/al/what?", 0755), -EINVAL);
    assert_int_equal(vfs_mkdir(c, "/al/trailing.", 0755), -EINVAL);
    assert_int_equal(vfs_mkdir(c, "/al/bad\xff", 0755), -EINVAL);
    /* no links, symlinks, device nodes, fifos; no exchange */
    assert_int_equal(vfs_symlink(c, "lower.txt", "/al/sl"), -EPERM);
    assert_int_equal(vfs_link(c, "/al/lower.txt", "/al/hl"), -EPERM);
    assert_int_equal(vfs_mknod(c, "/al/fifo", VFS_S_IFIFO | 0644, 0), -EPERM);
    assert_int_equal(vfs_rename(c, "/al/lower.txt", "/al/UPPER.TXT", VFS_RENAME_EXCHANGE), -EINVAL);
    /* ownership cannot change; read-only follows the write bits */
    struct vfs_attr a = {.valid = VFS_ATTR_UID, .uid = 5};
    assert_int_equal(vfs_setattr(c, "/al/lower.txt", true, &a), -EPERM);
    a = (struct vfs_attr){.valid = VFS_ATTR_MODE, .mode = 0555};
    assert_int_equal(vfs_setattr(c, "/al/lower.txt", true, &a), 0);
    struct vfs_stat st;
    assert_int_equal(vfs_stat(c, "/al/lower.txt", true, &st), 0);
    assert_int_equal(st.mode, VFS_S_IFREG | 0444);
    assert_int_equal(st.uid, 0);
    assert_int_equal(vfs_stat(c, "/al", true, &st), 0);
    assert_int_equal(st.mode, VFS_S_IFDIR | 0755);
    assert_int_equal(st.nlink, 2);
    assert_int_equal(vfs_stat(c, "/", true, &st), 0);
    assert_int_equal(st.nlink, 3);
    /* readdir cookies: stopping after each entry and resuming sees every entry once */
    assert_int_equal(vfs_open(c, "/al", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
    unsigned seen = 0;
    for (;;) {
        unsigned n = 0;
        assert_int_equal(vfs_readdir(f, one_entry, &n), 0);
        if (!n)
            break;
        seen += n;
    }
    vfs_file_put(f);
    assert_int_equal(seen, 2 + 12 + 9);
    /* renaming a directory to another parent rewrites its ".." */
    assert_int_equal(vfs_mkdir(c, "/d1", 0755), 0);
    assert_int_equal(vfs_mkdir(c, "/d1/inner", 0755), 0);
    assert_int_equal(vfs_mkdir(c, "/d2", 0755), 0);
    assert_int_equal(vfs_rename(c, "/d1/inner", "/d2/inner moved", 0), 0);
    assert_int_equal(vfs_stat(c, "/d1", true, &st), 0);
    assert_int_equal(st.nlink, 2);
    assert_int_equal(vfs_stat(c, "/d2", true, &st), 0);
    assert_int_equal(st.nlink, 3);
    put_file(c, "/d2/inner moved/f", 3000, 30);
    /* statfs agrees with fsck.vfat */
    struct vfs_statfs sf;
    assert_int_equal(vfs_statfs(c, "/", &sf), 0);
    uint64_t bfree = sf.bfree;
    fst_umount(&m);
    fsck_ok(img);
    assert_int_equal(fsck_free_clusters(img), bfree);
    mdir_has(img, "/al", "^LONGFI~1 TXT +10 .* Long File Name.txt$");
    mdir_has(img, "/al", "^LONGFI~2 TXT +11 .* long file name2.txt$");
    mdir_has(img, "/al", "^LONGFI~9 TXT +9 .* longfilename9.txt$");
    mdir_has(img, "/al", "^LONGF~10 TXT +10 .* longfilename10.txt$");
    mdir_has(img, "/al", "^lower +txt +1 [^a-z]*$");
    mdir_has(img, "/al", "^UPPER +TXT +2 [^a-z]*$");
    mdir_has(img, "/al", "^FOO +TXT +3 .* Foo.Txt$");
    mdir_has(img, "/al", "^XTAR~1 +GZ +4 .* x.tar.gz$");
    mdir_has(img, "/al", "^HIDDEN~1 +5 .* .hidden$");
    mdir_has(img, "/al", "^A_B_C~1 +TXT +6 .* a.b=c.txt$");
    mdir_has(img, "/al", "^lowbase +TXT +8 [^a-z]*$");
    mdir_has(img, "/d2/inner moved", "^\\.\\. +<DIR>");
    /* everything reads back after a remount, the emoji through a surrogate pair */
    assert_int_equal(mount_fat(img, 512, true, &m), 0);
    check_file(&m.ctx, "/al/emoji-\xf0\x9f\x98\x80.txt", 7, 26);
    check_file(&m.ctx, "/al/a+b=c.txt", 6, 25);
    longname[4 + 255] = 0;
    check_file(&m.ctx, longname, 9, 28);
    check_file(&m.ctx, "/d2/INNER MOVED/F", 3000, 30);
    assert_int_equal(vfs_stat(&m.ctx, "/al/lower.txt", true, &st), 0);
    assert_int_equal(st.mode, VFS_S_IFREG | 0444);
    fst_umount(&m);
}

/* An object renamed or unlinked while open keeps its inode (and number); a new object created
 * in the freed directory slot gets a different one. */
static void test_identity(void **s)
{
    (void)s;
    char img[4200];
    snprintf(img, sizeof(img), "%s/ident.img", tmp);
    mkfs(img, "-F 32 -s 1", 70000);
    struct fst_mount m;
    assert_int_equal(mount_fat(img, 512, false, &m), 0);
    const struct vfs_ctx *c = &m.ctx;
    put_file(c, "/A.TXT", 100, 1);
    struct vfs_file *f;
    assert_int_equal(vfs_open(c, "/A.TXT", VFS_O_RDWR, 0, &f), 0);
    struct vfs_stat st0, st1, st2;
    assert_int_equal(vfs_fstat(f, &st0), 0);
    assert_int_equal(vfs_rename(c, "/A.TXT", "/moved to a long name", 0), 0);
    put_file(c, "/B.TXT", 5, 2); /* lands in A.TXT's old slot */
    vfs_dcache_prune(NULL);
    assert_int_equal(vfs_stat(c, "/moved to a long name", true, &st1), 0);
    assert_int_equal(vfs_stat(c, "/B.TXT", true, &st2), 0);
    assert_int_equal(st1.ino, st0.ino);
    assert_true(st2.ino != st0.ino);
    uint8_t buf[5000];
    fst_fill(buf, sizeof(buf), 3, 0);
    assert_int_equal(vfs_pwrite(f, buf, sizeof(buf), 0), (int64_t)sizeof(buf));
    vfs_file_put(f);
    check_file(c, "/moved to a long name", sizeof(buf), 3);
    check_file(c, "/B.TXT", 5, 2);
    fst_umount(&m);
    fsck_ok(img);
    assert_int_equal(mount_fat(img, 512, true, &m), 0);
    check_file(&m.ctx, "/moved to a long name", sizeof(buf), 3);
    fst_umount(&m);
}

/* Filling the volume gives ENOSPC and leaves it consistent; freeing gives the space back;
 * a full FAT16 root directory cannot grow. */
static void test_full(void **s)
{
    (void)s;
    char img[4200], p[256];
    snprintf(img, sizeof(img), "%s/full.img", tmp);
    mkfs(img, "-F 32 -s 1", 34000);
    struct fst_mount m;
    assert_int_equal(mount_fat(img, 512, false, &m), 0);
    struct vfs_statfs sf0, sf;
    assert_int_equal(vfs_statfs(&m.ctx, "/", &sf0), 0);
    struct vfs_file *f;
    assert_int_equal(vfs_open(&m.ctx, "/filler", VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), 0);
    static uint8_t buf[1 << 20];
    int64_t r;
    uint64_t total = 0;
    while ((r = vfs_write(f, buf, sizeof(buf))) > 0)
        total += (uint64_t)r;
    assert_int_equal(r, -ENOSPC);
    vfs_file_put(f);
    assert_int_equal(total, sf0.bfree * 512);
    assert_int_equal(vfs_mkdir(&m.ctx, "/nodir", 0755), -ENOSPC);
    assert_int_equal(vfs_statfs(&m.ctx, "/", &sf), 0);
    assert_int_equal(sf.bfree, 0);
    assert_int_equal(vfs_truncate(&m.ctx, "/filler", 1000), 0);
    assert_int_equal(vfs_statfs(&m.ctx, "/", &sf), 0);
    assert_int_equal(sf.bfree, sf0.bfree - 2);
    fst_umount(&m);
    fsck_ok(img);
    assert_int_equal(fsck_free_clusters(img), sf0.bfree - 2);

    mkfs(img, "-F 16 -r 32", 20000);
    assert_int_equal(mount_fat(img, 512, false, &m), 0);
    int err = 0, i;
    uint8_t bpb[20];
    FILE *fp = fopen(img, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(bpb, 1, sizeof(bpb), fp), sizeof(bpb));
    fclose(fp);
    int root_entries = bpb[17] | bpb[18] << 8;
    for (i = 0; i < 1000 && !err; i++) {
        snprintf(p, sizeof(p), "/F%d", i);
        err = vfs_open(&m.ctx, p, VFS_O_WRONLY | VFS_O_CREAT, 0644, &f);
        if (!err)
            vfs_file_put(f);
    }
    assert_int_equal(err, -ENOSPC);
    assert_int_equal(i - 1, root_entries); /* one slot per 8.3 name */
    fst_umount(&m);
    fsck_ok(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_mcopy),  cmocka_unit_test(test_names_and_errors),
        cmocka_unit_test(test_full),        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_write_fat32), cmocka_unit_test(test_write_fat32_4k_clusters),
        cmocka_unit_test(test_write_fat16), cmocka_unit_test(test_write_fat12),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
