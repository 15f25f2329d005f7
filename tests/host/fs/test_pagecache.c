/* fs/pagecache.c: files of a real ext4 image mapped into a real struct mm_as (mm/ with the
 * mm tests' fake physical memory), against read/write, msync, truncate and unmount. Every
 * test ends with the address space destroyed, the filesystem unmounted, e2fsck clean and
 * every frame back in the allocator. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <fs/pagecache.h>
#include <lib/errno.h>
#include <mm/as.h>
#include "fs_test.h"
#include "mm_test_util.h"

#define MIB   (1UL << 20)
#define PG    PAGE_SIZE
#define RW    (MM_PROT_READ | MM_PROT_WRITE)
#define SHARE MM_MAP_SHARED
#define PRIV  MM_MAP_PRIVATE

#define DATA_SIZE  (3 * PG + 100) /* 4 pages, the last one partial */
#define SMALL_SIZE 100
#define NFILES     24

/* ---- fake frames (the mm tests' buddy over a host arena) ---- */

static const struct mm_as_ops ops = {.frame_alloc = test_frame_alloc,
                                     .frame_free = test_frame_free,
                                     .page_to_pa = test_page_to_pa,
                                     .pa_to_page = test_pa_to_page,
                                     .page_to_virt = test_page_to_virt};
static const struct mm_as_layout layout = {
    .mmap_min = 0x10000,
    .mmap_base = 0x7f0000000000UL,
    .task_size = 1UL << 48,
    .brk_start = 0x600000,
    .stack_max = 8 * MIB,
};

/* ---- environment ---- */

static char *tmp;
static char img[4200];
static struct fst_mount m;
static struct kmem_cache *vma_cache;
static struct mm_as as;
static size_t free_at_start;
static int unmap_calls;
static uint64_t unmap_from;

/* The library OS's duty on truncation, done for the one address space of the tests: drop
 * every entry mapping mf at file offsets >= from. */
static void unmap_hook(struct mm_file *mf, uint64_t from)
{
    unmap_calls++;
    unmap_from = from;
    for (struct vma *v = vma_first(&as.vmas); v; v = vma_next(v)) {
        if (v->file != mf || v->offset + (v->end - v->start) <= from)
            continue;
        uint64_t start = v->offset >= from ? v->start : v->start + (from - v->offset);
        assert_int_equal(mm_madvise(&as, start, v->end - start, MM_MADV_DONTNEED), 0);
    }
}

static void mount_fs(void)
{
    assert_int_equal(fst_mount_root(img, 4096, false, &m), 0);
}

static int setup(void **state)
{
    (void)state;
    fst_init_env();
    tmp = fst_tmpdir();
    char tree[4200];
    snprintf(tree, sizeof(tree), "%s/tree", tmp);
    fst_sh("mkdir -p '%s/many'", tree);
    char p[4400];
    snprintf(p, sizeof(p), "%s/data", tree);
    fst_write_file(p, DATA_SIZE, 1);
    snprintf(p, sizeof(p), "%s/small", tree);
    fst_write_file(p, SMALL_SIZE, 2);
    for (int i = 0; i < NFILES; i++) {
        snprintf(p, sizeof(p), "%s/many/f%d", tree, i);
        fst_write_file(p, 3 * PG - 7 * (size_t)i, 100 + (unsigned)i);
    }
    snprintf(img, sizeof(img), "%s/fs.img", tmp);
    fst_mkfs("ext4", 4096, tree, img, "32M", false);
    mount_fs();

    test_mem_init(32 * MIB);
    vma_cache = kmem_cache_create("vma", sizeof(struct vma), 0);
    test_frames_out = 0;
    unmap_calls = 0;
    free_at_start = test_free_pages();
    pagecache_init(&ops, unmap_hook);
    return mm_as_init(&as, &ops, &test_pt_ops, vma_cache, &layout);
}

/* Everything goes back: mappings, cached pages (written back at unmount), frames. */
static int teardown(void **state)
{
    (void)state;
    mm_as_destroy(&as);
    if (m.dev)
        fst_umount(&m);
    assert_int_equal(pagecache_total_pages(), 0);
    assert_int_equal(test_frames_out, 0);
    kmem_cache_shrink(vma_cache);
    assert_int_equal(test_free_pages(), free_at_start);
    test_mem_fini();
    assert_int_equal(fst_sh("e2fsck -fn '%s' >/dev/null 2>&1", img), 0);
    fst_rmtree(tmp);
    free(tmp);
    return 0;
}

/* ---- helpers ---- */

static struct vfs_file *open_file(const char *path, unsigned flags)
{
    struct vfs_file *f;
    assert_int_equal(vfs_open(&m.ctx, path, flags, 0644, &f), 0);
    return f;
}

/* Maps len bytes of f at offset off, as the library OS would. */
static uint64_t map_file(struct vfs_file *f, uint64_t len, unsigned prot, unsigned flags,
                         uint64_t off)
{
    struct mm_file *mf;
    bool shared_write = flags == SHARE && (f->flags & VFS_O_ACCMODE) != VFS_O_RDONLY;
    assert_int_equal(pagecache_mmap_file(f, shared_write, &mf), 0);
    uint64_t out = 0;
    assert_int_equal(mm_mmap(&as, 0, len, prot, flags, mf, off, &out), 0);
    return out;
}

/* Opens path (read-write, or read-only), maps it, closes it (the mapping keeps the file). */
static uint64_t map_open(const char *path, unsigned oflags, uint64_t len, unsigned prot,
                         unsigned flags)
{
    struct vfs_file *f = open_file(path, oflags);
    uint64_t a = map_file(f, len, prot, flags, 0);
    vfs_file_put(f);
    return a;
}

static uint64_t map_path(const char *path, uint64_t len, unsigned prot, unsigned flags)
{
    return map_open(path, VFS_O_RDWR, len, prot, flags);
}

static uint64_t pa_at(uint64_t va)
{
    pte_t pte;
    if (pt_lookup(&as.pt, va, &pte, NULL))
        return 0;
    return pte_addr(pte) + (va & (PG - 1));
}

/* What a user access does on hardware: fault only when the entry is missing or lacks the
 * permission, then touch the frame. */
static enum mm_fault_result access_at(uint64_t va, enum mm_access acc)
{
    pte_t pte;
    bool present = pt_lookup(&as.pt, va, &pte, NULL) == 0;
    unsigned have = present ? pt_attrs_to_prot(pte) : 0;
    unsigned need = acc == MM_ACCESS_WRITE ? MM_PROT_WRITE : MM_PROT_READ;
    if (present && (have & MM_PROT_USER) && (have & need))
        return MM_FAULT_OK;
    return mm_as_fault(&as, va, acc);
}

static void user_write(uint64_t va, const void *src, size_t n)
{
    const char *s = src;
    while (n) {
        size_t c = MIN(n, PG - (va & (PG - 1)));
        assert_int_equal(access_at(va, MM_ACCESS_WRITE), MM_FAULT_OK);
        memcpy(test_p2v(pa_at(va)), s, c);
        va += c, s += c, n -= c;
    }
}

static void user_read(uint64_t va, void *dst, size_t n)
{
    char *d = dst;
    while (n) {
        size_t c = MIN(n, PG - (va & (PG - 1)));
        assert_int_equal(access_at(va, MM_ACCESS_READ), MM_FAULT_OK);
        memcpy(d, test_p2v(pa_at(va)), c);
        va += c, d += c, n -= c;
    }
}

static uint8_t user_byte(uint64_t va)
{
    uint8_t b;
    user_read(va, &b, 1);
    return b;
}

static struct vfs_inode *inode_of(const char *path)
{
    struct vfs_file *f = open_file(path, VFS_O_RDONLY);
    struct vfs_inode *i = f->inode;
    vfs_file_put(f); /* the dentry cache keeps it */
    return i;
}

static void expect_file(const char *path, const uint8_t *want, size_t len)
{
    size_t n;
    uint8_t *got = fst_vfs_slurp(&m.ctx, path, &n);
    assert_non_null(got);
    assert_int_equal(n, len);
    assert_memory_equal(got, want, len);
    free(got);
}

/* Byte off of the original content made with seed. */
static uint8_t data_byte(unsigned seed, uint64_t off)
{
    uint8_t b;
    fst_fill(&b, 1, seed, off);
    return b;
}

static uint8_t *expected(size_t size, unsigned seed)
{
    uint8_t *b = malloc(size);
    fst_fill(b, size, seed, 0);
    return b;
}

/* ---- tests ---- */

/* A mapping shows the file, the same frame for every mapper; bytes past EOF in the last
 * page are zero; a page wholly past EOF is SIGBUS. */
static void test_map_reads_file(void **state)
{
    (void)state;
    uint8_t *want = expected(DATA_SIZE, 1);
    uint64_t a = map_path("/data", 5 * PG, MM_PROT_READ, SHARE);
    uint64_t b = map_path("/data", 4 * PG, MM_PROT_READ, PRIV);
    uint8_t buf[DATA_SIZE];
    user_read(a, buf, DATA_SIZE);
    assert_memory_equal(buf, want, DATA_SIZE);
    user_read(b, buf, DATA_SIZE);
    assert_memory_equal(buf, want, DATA_SIZE);
    for (uint64_t o = 0; o < 4 * PG; o += PG)
        assert_int_equal(pa_at(a + o), pa_at(b + o)); /* private reads share cache pages */
    for (uint64_t o = DATA_SIZE; o < 4 * PG; o += 97)
        assert_int_equal(user_byte(a + o), 0);
    assert_int_equal(mm_as_fault(&as, a + 4 * PG, MM_ACCESS_READ), MM_FAULT_SIGBUS);
    assert_int_equal(pagecache_inode_pages(inode_of("/data")), 4);
    free(want);
}

/* Stores through a MAP_SHARED mapping are what read() returns, before any msync. */
static void test_shared_write_then_pread(void **state)
{
    (void)state;
    uint64_t a = map_path("/data", 4 * PG, RW, SHARE);
    assert_int_equal(user_byte(a + 5000), data_byte(1, 5000)); /* read fault first */
    user_write(a + 5000, "hello", 5);          /* entry already writable: no fault, no set_dirty */
    user_write(a + 2 * PG - 2, "spanning", 8); /* across a page boundary */
    struct vfs_file *f = open_file("/data", VFS_O_RDONLY);
    char buf[16] = {0};
    assert_int_equal(vfs_pread(f, buf, 5, 5000), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(vfs_pread(f, buf, 8, 2 * PG - 2), 8);
    assert_memory_equal(buf, "spanning", 8);
    /* A whole-file read mixes cached and filesystem pages. */
    uint8_t *want = expected(DATA_SIZE, 1);
    memcpy(want + 5000, "hello", 5);
    memcpy(want + 2 * PG - 2, "spanning", 8);
    vfs_file_put(f);
    expect_file("/data", want, DATA_SIZE);
    free(want);
}

/* write() lands in cached pages: shared and untouched private mappings see it at once;
 * a private page already copied (CoW) does not. */
static void test_pwrite_then_mapping(void **state)
{
    (void)state;
    uint64_t s = map_path("/data", 4 * PG, RW, SHARE);
    uint64_t p = map_path("/data", 4 * PG, RW, PRIV);
    user_byte(s);
    user_byte(p);
    user_byte(p + PG);
    user_write(p + PG + 10, "private", 7); /* CoW of page 1 */
    struct vfs_file *f = open_file("/data", VFS_O_RDWR);
    assert_int_equal(vfs_pwrite(f, "WXYZ", 4, 10), 4);
    assert_int_equal(vfs_pwrite(f, "ABCD", 4, PG + 10), 4);
    char buf[8];
    user_read(s + 10, buf, 4);
    assert_memory_equal(buf, "WXYZ", 4);
    user_read(p + 10, buf, 4);
    assert_memory_equal(buf, "WXYZ", 4); /* still the cache page */
    user_read(s + PG + 10, buf, 4);
    assert_memory_equal(buf, "ABCD", 4);
    user_read(p + PG + 10, buf, 7);
    assert_memory_equal(buf, "private", 7); /* its own copy */
    vfs_file_put(f);
}

/* Private writes never reach the file, the cache or other mappers; pages only mapped
 * privately or read-only are not written back (the file's mtime does not move). */
static void test_private_cow_isolation(void **state)
{
    (void)state;
    uint8_t *want = expected(DATA_SIZE, 1);
    struct vfs_stat st0, st1;
    assert_int_equal(vfs_stat(&m.ctx, "/data", true, &st0), 0);
    uint64_t s = map_open("/data", VFS_O_RDONLY, 4 * PG, MM_PROT_READ, SHARE);
    uint64_t p = map_path("/data", 4 * PG, RW, PRIV);
    user_byte(s + 3 * PG);
    uint64_t shared_pa = pa_at(s + 3 * PG);
    user_write(p + 3 * PG, "mine", 4); /* write fault on a missing entry: a private copy */
    user_write(p, "too", 3);
    assert_int_not_equal(pa_at(p + 3 * PG), shared_pa);
    assert_int_equal(user_byte(s + 3 * PG), want[3 * PG]);
    assert_int_equal(user_byte(s), want[0]);
    assert_int_equal(mm_msync(&as, p, 4 * PG, MM_MS_SYNC), 0);
    assert_int_equal(pagecache_sync_all(), 0);
    expect_file("/data", want, DATA_SIZE);
    assert_int_equal(vfs_stat(&m.ctx, "/data", true, &st1), 0);
    assert_int_equal(st1.mtime.sec, st0.mtime.sec);
    assert_int_equal(st1.mtime.nsec, st0.mtime.nsec);
    char buf[4];
    user_read(p + 3 * PG, buf, 4);
    assert_memory_equal(buf, "mine", 4);
    free(want);
}

/* msync writes back; bytes stored past EOF in the last page are not; the data survives
 * unmount, e2fsck and remount. A mapping keeps the filesystem busy. */
static void test_msync_unmount_remount(void **state)
{
    (void)state;
    uint64_t a = map_path("/data", 4 * PG, RW, SHARE);
    uint8_t *want = expected(DATA_SIZE, 1);
    uint8_t pat[DATA_SIZE];
    fst_fill(pat, sizeof(pat), 9, 0);
    user_write(a + 100, pat + 100, DATA_SIZE - 200); /* write faults: set_dirty */
    memcpy(want + 100, pat + 100, DATA_SIZE - 200);
    user_write(a + DATA_SIZE + 5, "beyond", 6);
    assert_int_equal(mm_msync(&as, a, 4 * PG, MM_MS_SYNC), 0);
    assert_int_equal(vfs_umount(m.mnt), -EBUSY);
    assert_int_equal(mm_munmap(&as, a, 4 * PG), 0);
    fst_umount(&m);
    assert_int_equal(fst_sh("e2fsck -fn '%s' >/dev/null 2>&1", img), 0);
    mount_fs();
    struct vfs_stat st;
    assert_int_equal(vfs_stat(&m.ctx, "/data", true, &st), 0);
    assert_int_equal(st.size, DATA_SIZE);
    expect_file("/data", want, DATA_SIZE);
    free(want);
}

/* Without msync: a store through an entry mapped writable on a read fault is written back
 * by sync_all, and a later one (the page stays dirty while mapped) when the inode is
 * released at unmount, after the address space went away (entries dropped before the
 * VMAs, as on exit). A munmapped page is written back at release too. */
static void test_writeback_on_evict_and_sync_all(void **state)
{
    (void)state;
    uint64_t a = map_path("/small", PG, RW, SHARE);
    uint64_t b = map_path("/data", 4 * PG, RW, SHARE);
    user_byte(b + PG);
    user_write(b + PG, "read-faulted", 12);
    assert_int_equal(vfs_sync_all(), 0); /* cached pages, then the filesystem's blocks */
    assert_int_equal(fst_sh("debugfs -R 'cat /data' '%s' 2>/dev/null | dd bs=1 skip=%lu "
                            "count=12 2>/dev/null | grep -q '^read-faulted$'",
                            img, PG),
                     0);
    user_write(b + PG + 20, "again", 5);
    user_write(a, "unmapped", 8);
    assert_int_equal(mm_munmap(&as, a, PG), 0);
    mm_as_destroy(&as);
    assert_int_equal(mm_as_init(&as, &ops, &test_pt_ops, vma_cache, &layout), 0);
    fst_umount(&m);
    mount_fs();
    uint8_t *want = expected(SMALL_SIZE, 2);
    memcpy(want, "unmapped", 8);
    expect_file("/small", want, SMALL_SIZE);
    free(want);
    want = expected(DATA_SIZE, 1);
    memcpy(want + PG, "read-faulted", 12);
    memcpy(want + PG + 20, "again", 5);
    expect_file("/data", want, DATA_SIZE);
    free(want);
}

/* Shrinking drops pages past the end (after the unmap hook), zeroes the tail of the new
 * last page; growing again shows zeros; faults past the end are SIGBUS. */
static void test_truncate(void **state)
{
    (void)state;
    uint64_t a = map_path("/data", 4 * PG, RW, SHARE);
    uint64_t p = map_path("/data", 4 * PG, RW, PRIV);
    for (uint64_t o = 0; o < 4 * PG; o += PG) {
        user_write(a + o + 8, "dirty", 5);
        user_byte(p + o);
    }
    user_write(p + 3 * PG, "cow", 3);
    struct vfs_inode *ino = inode_of("/data");
    assert_int_equal(pagecache_inode_pages(ino), 4);
    long before = test_frames_out;
    struct vfs_file *f = open_file("/data", VFS_O_RDWR);
    assert_int_equal(vfs_ftruncate(f, PG + 1000), 0);
    assert_int_equal(unmap_calls, 2); /* the shared writable and the private mm_file */
    assert_int_equal(unmap_from, 2 * PG);
    assert_int_equal(pagecache_inode_pages(ino), 2);
    assert_int_equal(test_frames_out, before - 3); /* two cache pages and the private copy */
    assert_int_equal(pa_at(a + 2 * PG), 0);
    assert_int_equal(pa_at(p + 3 * PG), 0);
    assert_int_equal(mm_as_fault(&as, a + 2 * PG, MM_ACCESS_READ), MM_FAULT_SIGBUS);
    assert_int_equal(mm_as_fault(&as, p + 3 * PG, MM_ACCESS_WRITE), MM_FAULT_SIGBUS);
    assert_int_equal(user_byte(a + PG + 1000), 0);
    assert_int_equal(user_byte(a + PG + 999), data_byte(1, PG + 999));
    /* Grow: the old tail reads as zero through the mapping and read(). */
    user_write(a + PG + 2000, "x", 1); /* past EOF: must not survive growth */
    assert_int_equal(vfs_ftruncate(f, 3 * PG), 0);
    assert_int_equal(unmap_calls, 2);
    assert_int_equal(user_byte(a + PG + 2000), 0);
    char c = 1;
    assert_int_equal(vfs_pread(f, &c, 1, PG + 2000), 1);
    assert_int_equal(c, 0);
    assert_int_equal(user_byte(a + 2 * PG), 0); /* refaulted from the (hole) file */
    /* O_TRUNC drops everything. */
    struct vfs_file *t = open_file("/data", VFS_O_RDWR | VFS_O_TRUNC);
    assert_int_equal(pagecache_inode_pages(ino), 0);
    assert_int_equal(unmap_calls, 4);
    assert_int_equal(mm_as_fault(&as, a, MM_ACCESS_READ), MM_FAULT_SIGBUS);
    vfs_file_put(t);
    vfs_file_put(f);
}

/* A write() extending the file zeroes what a mapping stored past the old EOF. */
static void test_extending_write_zeroes_tail(void **state)
{
    (void)state;
    uint64_t a = map_path("/small", PG, RW, SHARE);
    user_write(a + 200, "junk", 4);
    struct vfs_file *f = open_file("/small", VFS_O_RDWR);
    assert_int_equal(vfs_pwrite(f, "Q", 1, 1000), 1);
    assert_int_equal(user_byte(a + 200), 0);
    assert_int_equal(user_byte(a + 1000), 'Q');
    char buf[4] = {1, 1, 1, 1};
    assert_int_equal(vfs_pread(f, buf, 4, 200), 4);
    assert_memory_equal(buf, "\0\0\0\0", 4);
    vfs_file_put(f);
}

/* Only regular files map; a clean page nobody maps can be reclaimed, a mapped one not. */
static void test_mmap_file_kinds_and_shrink(void **state)
{
    (void)state;
    struct vfs_file *d = open_file("/many", VFS_O_RDONLY | VFS_O_DIRECTORY);
    struct mm_file *mf;
    assert_int_equal(pagecache_mmap_file(d, false, &mf), -ENODEV);
    vfs_file_put(d);
    struct vfs_file *f = open_file("/data", VFS_O_RDWR);
    assert_int_equal(pagecache_mmap_file(f, true, &mf), 0);
    assert_true(pagecache_mm_file_writable(mf));
    assert_false(mf->no_shared_write);
    assert_int_equal(pagecache_mmap_file(f, false, &mf), 0);
    assert_false(pagecache_mm_file_writable(mf));
    assert_true(mf->no_shared_write); /* mm_mmap/mm_mprotect refuse shared PROT_WRITE */
    uint64_t out;
    assert_int_equal(mm_mmap(&as, 0, PG, RW, SHARE, mf, 0, &out), -EACCES);
    vfs_file_put(f);
    uint64_t a = map_path("/data", 4 * PG, MM_PROT_READ, PRIV);
    for (uint64_t o = 0; o < 4 * PG; o += PG)
        user_byte(a + o);
    assert_int_equal(mm_munmap(&as, a + 2 * PG, 2 * PG), 0);
    assert_int_equal(pagecache_shrink(100), 2);
    assert_int_equal(pagecache_inode_pages(inode_of("/data")), 2);
    assert_int_equal(user_byte(a), data_byte(1, 0));
}

/* An unlinked file stays mapped; its dirty pages are dropped, not written, when the last
 * mapping goes (the teardown's e2fsck checks the blocks were freed once). */
static void test_unlink_while_mapped(void **state)
{
    (void)state;
    uint64_t a = map_path("/data", 4 * PG, RW, SHARE);
    user_write(a + 10, "doomed", 6);
    assert_int_equal(vfs_unlink(&m.ctx, "/data"), 0);
    char buf[6];
    user_read(a + 10, buf, 6);
    assert_memory_equal(buf, "doomed", 6);
    assert_int_equal(user_byte(a + 3 * PG), data_byte(1, 3 * PG));
    assert_int_equal(pagecache_total_pages(), 2); /* the two pages touched */
    assert_int_equal(mm_munmap(&as, a, 4 * PG), 0);
    assert_int_equal(pagecache_total_pages(), 0);
}

/* Many files, shared and private, forked: references balance (the teardown checks that
 * every frame is freed) and the stored bytes reach the disk. */
static void test_many_files_refcounts(void **state)
{
    (void)state;
    uint64_t sh[NFILES], pr[NFILES];
    for (int i = 0; i < NFILES; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/many/f%d", i);
        sh[i] = map_path(path, 3 * PG, RW, SHARE);
        pr[i] = map_path(path, 3 * PG, RW, PRIV);
        for (uint64_t o = 0; o < 3 * PG; o += PG) {
            user_byte(pr[i] + o);
            user_write(sh[i] + o, &i, sizeof(i));
        }
        user_write(pr[i] + PG, "priv", 4);
    }
    assert_int_equal(pagecache_total_pages(), 3 * NFILES);
    struct mm_as child;
    assert_int_equal(mm_as_init(&child, &ops, &test_pt_ops, vma_cache, &layout), 0);
    assert_int_equal(mm_as_fork(&child, &as), 0);
    mm_as_destroy(&as);
    assert_int_equal(mm_as_init(&as, &ops, &test_pt_ops, vma_cache, &layout), 0);
    assert_int_equal(vfs_umount(m.mnt), -EBUSY); /* the child's mappings */
    assert_int_equal(vfs_sync_all(), 0);
    mm_as_destroy(&child);
    fst_umount(&m);
    mount_fs();
    for (int i = 0; i < NFILES; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/many/f%d", i);
        size_t size = 3 * PG - 7 * (size_t)i;
        uint8_t *want = expected(size, 100 + (unsigned)i);
        for (uint64_t o = 0; o < 3 * PG; o += PG)
            memcpy(want + o, &i, sizeof(i));
        expect_file(path, want, size);
        free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_reads_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_write_then_pread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pwrite_then_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_private_cow_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msync_unmount_remount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writeback_on_evict_and_sync_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extending_write_zeroes_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmap_file_kinds_and_shrink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlink_while_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_files_refcounts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
