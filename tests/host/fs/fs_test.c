/* Host-test support for fs/ (see fs_test.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include "fs_test.h"

uint64_t fst_dev_reads, fst_dev_writes;

static void *host_alloc(size_t size)
{
    return malloc(size);
}

static void host_now(struct vfs_time *t)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    t->sec = ts.tv_sec;
    t->nsec = (uint32_t)ts.tv_nsec;
}

static const struct fs_env host_env = {host_alloc, free, host_now};

void fst_init_env(void)
{
    fs_set_env(&host_env);
}

struct filedev {
    struct blockdev dev;
    int fd;
    uint8_t *ram;
};

static int file_read(struct blockdev *d, uint64_t blk, void *buf)
{
    struct filedev *f = (struct filedev *)d;
    fst_dev_reads++;
    if (blk >= d->nblocks)
        return -EIO;
    if (f->ram) {
        memcpy(buf, f->ram + blk * d->block_size, d->block_size);
        return 0;
    }
    return pread(f->fd, buf, d->block_size, (off_t)(blk * d->block_size)) == d->block_size ? 0
                                                                                           : -EIO;
}

static int file_write(struct blockdev *d, uint64_t blk, const void *buf)
{
    struct filedev *f = (struct filedev *)d;
    fst_dev_writes++;
    if (blk >= d->nblocks)
        return -EIO;
    if (f->ram) {
        memcpy(f->ram + blk * d->block_size, buf, d->block_size);
        return 0;
    }
    return pwrite(f->fd, buf, d->block_size, (off_t)(blk * d->block_size)) == d->block_size ? 0
                                                                                            : -EIO;
}

static uint64_t next_dev_id = 0x100;

struct blockdev *fst_file_dev(const char *path, uint32_t block_size)
{
    struct filedev *f = calloc(1, sizeof(*f));
    f->fd = open(path, O_RDWR);
    assert_true(f->fd >= 0);
    struct stat st;
    assert_int_equal(fstat(f->fd, &st), 0);
    f->dev.read = file_read;
    f->dev.write = file_write;
    f->dev.block_size = block_size;
    f->dev.nblocks = (uint64_t)st.st_size / block_size;
    f->dev.dev_id = next_dev_id++;
    return &f->dev;
}

struct blockdev *fst_ram_dev(uint64_t nblocks, uint32_t block_size)
{
    struct filedev *f = calloc(1, sizeof(*f));
    f->fd = -1;
    f->ram = calloc(nblocks, block_size);
    f->dev.read = file_read;
    f->dev.write = file_write;
    f->dev.block_size = block_size;
    f->dev.nblocks = nblocks;
    f->dev.dev_id = next_dev_id++;
    return &f->dev;
}

void fst_dev_free(struct blockdev *dev)
{
    struct filedev *f = (struct filedev *)dev;
    if (f->fd >= 0)
        close(f->fd);
    free(f->ram);
    free(f);
}

int fst_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    char full[8400];
    snprintf(full, sizeof(full), "PATH=/usr/sbin:/sbin:$PATH; %s", cmd);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

char *fst_tmpdir(void)
{
    char tmpl[] = "/tmp/exo-fs-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

void fst_rmtree(const char *path)
{
    if (getenv("FST_KEEP"))
        return;
    fst_sh("rm -rf '%s'", path);
}

void fst_fill(uint8_t *buf, size_t len, unsigned seed, uint64_t off)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t x = (off + i) * 0x9E3779B97F4A7C15ull + seed * 0xBF58476D1CE4E5B9ull;
        x ^= x >> 29;
        buf[i] = (uint8_t)(x ^ (x >> 17));
    }
}

void fst_write_file(const char *path, size_t size, unsigned seed)
{
    uint8_t *buf = malloc(size ? size : 1);
    fst_fill(buf, size, seed, 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, size, f), size);
    fclose(f);
    free(buf);
}

static void mkpath(const char *base, const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", base, rel);
}

void fst_make_tree(const char *dir)
{
    char p[4096], q[4096];
    static const struct {
        const char *name;
        size_t size;
    } files[] = {
        {"empty", 0},
        {"small.txt", 100},
        {"one_block", 1024},
        {"thirteen_k", 13 * 1024 + 7},
        {"sixty_k", 60 * 1024 + 123},
        {"big_1m5", 1536 * 1024 + 333},
        {"a/b/c/deep.bin", 70000},
        {"a/b/mid.bin", 5000},
        {"a/top.bin", 4097},
        {"dir with spaces/file name", 33},
    };
    fst_sh("mkdir -p '%s/a/b/c/d/e' '%s/dir with spaces' '%s/many' '%s/emptydir' '%s/links'", dir,
           dir, dir, dir, dir);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        mkpath(dir, files[i].name, p, sizeof(p));
        fst_write_file(p, files[i].size, (unsigned)i + 1);
    }
    /* A sparse file: 4 MiB with data only at 0, 1 MiB and the end. */
    mkpath(dir, "sparse", p, sizeof(p));
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_true(fd >= 0);
    uint8_t buf[5000];
    fst_fill(buf, sizeof(buf), 77, 0);
    assert_int_equal(pwrite(fd, buf, sizeof(buf), 0), sizeof(buf));
    assert_int_equal(pwrite(fd, buf, sizeof(buf), 1 << 20), sizeof(buf));
    assert_int_equal(pwrite(fd, buf, 100, (4 << 20) - 100), 100);
    close(fd);
    /* 24 data islands: more extents than the inode holds (depth 1 tree) */
    mkpath(dir, "holey", p, sizeof(p));
    fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    for (int i = 0; i < 24; i++) {
        fst_fill(buf, sizeof(buf), 100 + (unsigned)i, 0);
        assert_int_equal(pwrite(fd, buf, 4096, (off_t)i * 65536 + 8192), 4096);
    }
    close(fd);
    /* data past 65 MiB: triple-indirect blocks with 1 KiB blocks */
    mkpath(dir, "far_sparse", p, sizeof(p));
    fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_int_equal(pwrite(fd, buf, 3000, 0), 3000);
    assert_int_equal(pwrite(fd, buf, 5000, (off_t)65 << 20), 5000);
    close(fd);
    for (int i = 0; i < 600; i++) {
        snprintf(q, sizeof(q), "%s/many/entry_with_a_longish_name_%04d", dir, i);
        fst_write_file(q, (size_t)(i % 7) * 10, (unsigned)i + 1000);
    }
    mkpath(dir, "a/b/c/d/e/leaf", p, sizeof(p));
    fst_write_file(p, 1, 5);
    /* symlinks: short (fast), long (slow), dangling, relative into dirs, absolute */
    char longt[200];
    memset(longt, 'x', sizeof(longt));
    memcpy(longt, "../a/b/", 7);
    longt[150] = 0;
    assert_int_equal(
        symlinkat("../small.txt", 0, (snprintf(p, sizeof(p), "%s/links/short", dir), p)), 0);
    assert_int_equal(symlink(longt, (snprintf(p, sizeof(p), "%s/links/long_dangling", dir), p)), 0);
    assert_int_equal(symlink("../a/b/c/./../c/deep.bin/../deep.bin",
                             (snprintf(p, sizeof(p), "%s/links/to_deep", dir), p)),
                     0);
    assert_int_equal(symlink("/a/b", (snprintf(p, sizeof(p), "%s/links/abs_dir", dir), p)), 0);
    assert_int_equal(symlink("loop2", (snprintf(p, sizeof(p), "%s/links/loop1", dir), p)), 0);
    assert_int_equal(symlink("loop1", (snprintf(p, sizeof(p), "%s/links/loop2", dir), p)), 0);
    assert_int_equal(symlink("self", (snprintf(p, sizeof(p), "%s/links/self", dir), p)), 0);
    /* chain0 -> chain1 -> ... -> chain40 -> ../small.txt: 41 links to follow from chain0,
     * 40 from chain1. */
    for (int i = 0; i <= 40; i++) {
        if (i < 40)
            snprintf(q, sizeof(q), "chain%d", i + 1);
        else
            snprintf(q, sizeof(q), "../small.txt");
        snprintf(p, sizeof(p), "%s/links/chain%d", dir, i);
        assert_int_equal(symlink(q, p), 0);
    }
    char slow[300];
    memset(slow, 'y', sizeof(slow));
    slow[299] = 0;
    memcpy(slow, "../a/", 5);
    assert_int_equal(symlink(slow, (snprintf(p, sizeof(p), "%s/links/slow300", dir), p)), 0);
    /* hard link and a fifo */
    assert_int_equal(link((snprintf(q, sizeof(q), "%s/small.txt", dir), q),
                          (snprintf(p, sizeof(p), "%s/a/hardlink_to_small", dir), p)),
                     0);
    assert_int_equal(mkfifo((snprintf(p, sizeof(p), "%s/a/fifo", dir), p), 0600), 0);
    /* device nodes when permitted (root) */
    snprintf(p, sizeof(p), "%s/a/chardev", dir);
    mknod(p, S_IFCHR | 0600, makedev(1, 3));
    snprintf(p, sizeof(p), "%s/a/bigdev", dir);
    mknod(p, S_IFBLK | 0600, makedev(259, 70000));
    chmod((snprintf(p, sizeof(p), "%s/a/top.bin", dir), p), 0751);
}

void fst_mkfs(const char *type, unsigned bs, const char *src, const char *img, const char *size,
              bool index)
{
    char bsopt[32] = "";
    if (bs)
        snprintf(bsopt, sizeof(bsopt), "-b %u", bs);
    assert_int_equal(fst_sh("rm -f '%s' && mke2fs -q -F -t %s %s -d '%s' '%s' %s", img, type, bsopt,
                            src, img, size),
                     0);
    if (index) {
        int st = fst_sh("e2fsck -fyD '%s' >/dev/null 2>&1", img);
        assert_true(st == 0 || st == 1);
    }
}

int fst_mount_root(const char *img, uint32_t dev_block_size, bool rdonly, struct fst_mount *m)
{
    memset(m, 0, sizeof(*m));
    m->dev = fst_file_dev(img, dev_block_size);
    int err = vfs_mount(&ext2_fs_type, m->dev, rdonly ? VFS_SB_RDONLY : 0, NULL, &m->mnt);
    if (err) {
        fst_dev_free(m->dev);
        m->dev = NULL;
        return err;
    }
    assert_int_equal(vfs_root(&m->ctx.root), 0);
    assert_int_equal(vfs_root(&m->ctx.cwd), 0);
    return 0;
}

void fst_umount(struct fst_mount *m)
{
    vfs_path_put(&m->ctx.root);
    vfs_path_put(&m->ctx.cwd);
    assert_int_equal(vfs_umount(m->mnt), 0);
    fst_dev_free(m->dev);
    m->dev = NULL;
}

uint8_t *fst_vfs_slurp(const struct vfs_ctx *c, const char *path, size_t *len)
{
    struct vfs_file *f;
    if (vfs_open(c, path, VFS_O_RDONLY, 0, &f))
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (n + 65536 > cap)
            buf = realloc(buf, cap *= 2);
        /* odd-sized reads exercise unaligned paths */
        int64_t r = vfs_read(f, buf + n, 40000);
        assert_true(r >= 0);
        if (r == 0)
            break;
        n += (size_t)r;
    }
    vfs_file_put(f);
    *len = n;
    return buf;
}

uint8_t *fst_host_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n ? (size_t)n : 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

struct name_list {
    char **names;
    unsigned *types;
    uint64_t *inos;
    size_t n, cap;
};

static int collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                   uint64_t pos_next)
{
    (void)pos_next;
    struct name_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->names = realloc(l->names, l->cap * sizeof(char *));
        l->types = realloc(l->types, l->cap * sizeof(unsigned));
        l->inos = realloc(l->inos, l->cap * sizeof(uint64_t));
    }
    if (len == 10 && !memcmp(name, "lost+found", 10))
        return 0; /* made by mke2fs, not in source trees */
    l->names[l->n] = strndup(name, len);
    l->types[l->n] = type;
    l->inos[l->n] = ino;
    l->n++;
    return 0;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned host_dt(mode_t m)
{
    if (S_ISREG(m))
        return VFS_DT_REG;
    if (S_ISDIR(m))
        return VFS_DT_DIR;
    if (S_ISLNK(m))
        return VFS_DT_LNK;
    if (S_ISCHR(m))
        return VFS_DT_CHR;
    if (S_ISBLK(m))
        return VFS_DT_BLK;
    if (S_ISFIFO(m))
        return VFS_DT_FIFO;
    return VFS_DT_SOCK;
}

unsigned fst_compare_tree(const char *host, const struct vfs_ctx *c, const char *path,
                          bool check_times)
{
    struct stat hs;
    assert_int_equal(lstat(host, &hs), 0);
    struct vfs_stat vs;
    int err = vfs_stat(c, path, false, &vs);
    if (err)
        fail_msg("vfs_stat(%s) = %d", path, err);
    if (hs.st_mode != vs.mode)
        fail_msg("%s: mode %o vs %o", path, hs.st_mode, vs.mode);
    if (!S_ISDIR(hs.st_mode) && hs.st_nlink != vs.nlink)
        fail_msg("%s: nlink %lu vs %u", path, (unsigned long)hs.st_nlink, vs.nlink);
    if (check_times) {
        assert_int_equal(hs.st_uid, vs.uid);
        assert_int_equal(hs.st_gid, vs.gid);
        /* mke2fs changes the root directory (lost+found) after copying its times */
        if (strcmp(path, "/") && hs.st_mtime != vs.mtime.sec)
            fail_msg("%s: mtime %ld vs %ld", path, (long)hs.st_mtime, (long)vs.mtime.sec);
    }
    unsigned count = 1;
    if (S_ISREG(hs.st_mode)) {
        if ((uint64_t)hs.st_size != vs.size)
            fail_msg("%s: size %ld vs %lu", path, (long)hs.st_size, (unsigned long)vs.size);
        size_t hl, vl;
        uint8_t *h = fst_host_slurp(host, &hl), *v = fst_vfs_slurp(c, path, &vl);
        assert_non_null(h);
        if (!v)
            fail_msg("cannot read %s", path);
        assert_int_equal(hl, vl);
        if (memcmp(h, v, hl))
            fail_msg("%s: content differs", path);
        free(h);
        free(v);
    } else if (S_ISLNK(hs.st_mode)) {
        char ht[4096], vt[4096];
        ssize_t hn = readlink(host, ht, sizeof(ht));
        int vn = vfs_readlink(c, path, vt, sizeof(vt));
        assert_int_equal(hn, vn);
        assert_memory_equal(ht, vt, (size_t)hn);
        assert_int_equal(vs.size, (uint64_t)hn);
    } else if (S_ISCHR(hs.st_mode) || S_ISBLK(hs.st_mode)) {
        assert_int_equal(major(hs.st_rdev), VFS_MAJOR(vs.rdev));
        assert_int_equal(minor(hs.st_rdev), VFS_MINOR(vs.rdev));
    } else if (S_ISDIR(hs.st_mode)) {
        struct name_list hl = {0}, vl = {0};
        DIR *d = opendir(host);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d)))
            collect(&hl, de->d_name, strlen(de->d_name), de->d_ino, 0, 0);
        closedir(d);
        struct vfs_file *f;
        assert_int_equal(vfs_open(c, path, VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
        assert_int_equal(vfs_readdir(f, collect, &vl), 0);
        vfs_file_put(f);
        if (hl.n != vl.n)
            fail_msg("%s: %zu host entries vs %zu", path, hl.n, vl.n);
        /* types and inode numbers: check against stat before sorting */
        for (size_t i = 0; i < vl.n; i++) {
            if (!strcmp(vl.names[i], ".") || !strcmp(vl.names[i], ".."))
                continue;
            char hp[4096], vp[4096];
            snprintf(hp, sizeof(hp), "%s/%s", host, vl.names[i]);
            snprintf(vp, sizeof(vp), "%s/%s", path, vl.names[i]);
            struct stat s2;
            if (lstat(hp, &s2))
                fail_msg("extra entry %s", vp);
            struct vfs_stat v2;
            assert_int_equal(vfs_stat(c, vp, false, &v2), 0);
            assert_int_equal(vl.inos[i], v2.ino);
            assert_int_equal(vl.types[i], host_dt(s2.st_mode));
        }
        qsort(hl.names, hl.n, sizeof(char *), cmpstr);
        qsort(vl.names, vl.n, sizeof(char *), cmpstr);
        for (size_t i = 0; i < hl.n; i++) {
            if (strcmp(hl.names[i], vl.names[i]))
                fail_msg("%s: entry %s vs %s", path, hl.names[i], vl.names[i]);
        }
        for (size_t i = 0; i < hl.n; i++) {
            if (strcmp(hl.names[i], ".") && strcmp(hl.names[i], "..")) {
                char hp[4096], vp[4096];
                snprintf(hp, sizeof(hp), "%s/%s", host, hl.names[i]);
                snprintf(vp, sizeof(vp), "%s/%s", path, hl.names[i]);
                count += fst_compare_tree(hp, c, vp, check_times);
            }
            free(hl.names[i]);
            free(vl.names[i]);
        }
        free(hl.names);
        free(vl.names);
        free(hl.types);
        free(vl.types);
        free(hl.inos);
        free(vl.inos);
    }
    return count;
}
