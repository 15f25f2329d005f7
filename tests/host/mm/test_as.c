/* mm/as.c: mmap & co over fake frame/TLB ops and a fake page cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm_test_util.h"
#include <lib/errno.h>
#include <mm/as.h>

#define MIB  (1UL << 20)
#define RW   (MM_PROT_READ | MM_PROT_WRITE)
#define PRIV (MM_MAP_PRIVATE | MM_MAP_ANONYMOUS)
#define TOP  0x7f0000000000UL

/* ---- fake environment ---- */

static int flushes;

static void f_flush(void *ctx, uint64_t va, uint64_t len)
{
    (void)ctx, (void)va, (void)len;
    flushes++;
}

static const struct mm_as_ops ops = {.frame_alloc = test_frame_alloc,
                                     .frame_free = test_frame_free,
                                     .page_to_pa = test_page_to_pa,
                                     .pa_to_page = test_pa_to_page,
                                     .page_to_virt = test_page_to_virt,
                                     .tlb_flush = f_flush};
static const struct mm_as_layout layout = {
    .mmap_min = 0x10000,
    .mmap_base = TOP,
    .task_size = 1UL << 48,
    .brk_start = 0x600000,
    .stack_max = 8 * MIB,
};

/* A 5-page file whose page i is filled with 'A' + i; the cache holds a reference. */
#define FILE_PAGES 5
static struct page *cache[FILE_PAGES];
static int syncs, dirtied, file_refs;

static int pc_get(struct mm_file *f, uint64_t off, struct page **pg)
{
    (void)f;
    uint64_t i = off / PAGE_SIZE;
    if (i >= FILE_PAGES)
        return -ENXIO;
    if (!cache[i]) {
        cache[i] = buddy_alloc(&test_buddy, 0);
        memset(test_page_to_virt(NULL, cache[i]), 'A' + (int)i, PAGE_SIZE);
    }
    page_ref_inc(cache[i]);
    *pg = cache[i];
    return 0;
}
static uint64_t pc_size(struct mm_file *f)
{
    (void)f;
    return FILE_PAGES * PAGE_SIZE;
}
static int32_t refs_at_sync; /* refcount of cache page 3 when sync last ran */

static int pc_sync(struct mm_file *f, uint64_t off, uint64_t len)
{
    (void)f, (void)off, (void)len;
    syncs++;
    refs_at_sync = cache[3] ? page_refcount(cache[3]) : 0;
    return 0;
}
static void pc_dirty(struct mm_file *f, uint64_t off)
{
    (void)f, (void)off;
    dirtied++;
}
static void pc_fget(struct mm_file *f)
{
    (void)f;
    file_refs++;
}
static void pc_fput(struct mm_file *f)
{
    (void)f;
    file_refs--;
}
static const struct mm_pagecache_ops pcops = {pc_get, pc_size, pc_sync, pc_dirty, pc_fget, pc_fput};
static struct mm_file file = {&pcops, NULL, 0xfe, 0x01, 1835027, "/usr/bin/cat", false};
/* The same file as a read-only open sees it: shared mappings may not be writable. */
static struct mm_file ro_file = {&pcops, NULL, 0xfe, 0x01, 1835027, "/usr/bin/cat", true};

static struct kmem_cache *vma_cache;
static struct mm_as as;
static size_t free_at_start;

static int setup(void **state)
{
    (void)state;
    test_mem_init(32 * MIB);
    vma_cache = kmem_cache_create("vma", sizeof(struct vma), 0);
    memset(cache, 0, sizeof(cache));
    syncs = dirtied = file_refs = flushes = refs_at_sync = 0;
    free_at_start = test_free_pages();
    return mm_as_init(&as, &ops, &test_pt_ops, vma_cache, &layout);
}

static void drop_cache(void)
{
    for (int i = 0; i < FILE_PAGES; i++)
        if (cache[i])
            buddy_page_put(&test_buddy, cache[i]);
}

/* Destroying the address space gives back every frame and table. */
static int teardown(void **state)
{
    (void)state;
    mm_as_destroy(&as);
    drop_cache();
    kmem_cache_shrink(vma_cache);
    int ok = file_refs == 0 && test_free_pages() == free_at_start;
    test_mem_fini();
    return ok ? 0 : -1;
}

static uint64_t map(uint64_t addr, uint64_t len, unsigned prot, unsigned flags)
{
    uint64_t out = 0;
    assert_int_equal(mm_mmap(&as, addr, len, prot, flags, NULL, 0, &out), 0);
    return out;
}

/* The frame va maps in a, or 0. */
static uint64_t pa_of(struct mm_as *a, uint64_t va)
{
    uint64_t pa;
    return pt_translate(&a->pt, va, &pa) == 0 ? pa : 0;
}

/* Byte at va through the page table (what a user load would see). */
static unsigned char *user_ptr(struct mm_as *a, uint64_t va)
{
    uint64_t pa = pa_of(a, va);
    assert_true(pa != 0);
    return test_p2v(pa);
}

static unsigned pte_prot_at(struct mm_as *a, uint64_t va)
{
    pte_t pte;
    assert_int_equal(pt_lookup(&a->pt, va, &pte, NULL), 0);
    return pt_attrs_to_prot(pte);
}

/* What the mirror into the hardware tables gives EL0 at va. */
static unsigned user_prot_at(struct mm_as *a, uint64_t va)
{
    pte_t pte;
    assert_int_equal(pt_lookup(&a->pt, va, &pte, NULL), 0);
    return mm_as_user_prot(pte);
}

/* ---- tests ---- */

static void test_anon_demand_zero(void **state)
{
    (void)state;
    uint64_t a = map(0, 3 * PAGE_SIZE, RW, PRIV);
    assert_int_equal(a, TOP - 3 * PAGE_SIZE);
    assert_int_equal(pa_of(&as, a), 0); /* nothing until touched */
    assert_int_equal(mm_as_fault(&as, a + 5, MM_ACCESS_READ), MM_FAULT_OK);
    assert_int_equal(*user_ptr(&as, a + 5), 0);
    assert_int_equal(pte_prot_at(&as, a), RW | MM_PROT_USER);
    assert_int_equal(mm_as_fault(&as, a - 1, MM_ACCESS_READ), MM_FAULT_SEGV_MAPERR);
    assert_int_equal(mm_as_fault(&as, a, MM_ACCESS_EXEC), MM_FAULT_SEGV_ACCERR);
    /* Next mapping goes below, and merges (same anon private RW). */
    uint64_t b = map(0, PAGE_SIZE, RW, PRIV);
    assert_int_equal(b, a - PAGE_SIZE);
    assert_int_equal(as.vmas.count, 1);
}

static void test_mmap_errors_and_hints(void **state)
{
    (void)state;
    uint64_t out;
    assert_int_equal(mm_mmap(&as, 0, 0, RW, PRIV, NULL, 0, &out), -EINVAL);
    assert_int_equal(mm_mmap(&as, 0, 4096, RW, MM_MAP_ANONYMOUS, NULL, 0, &out), -EINVAL);
    assert_int_equal(mm_mmap(&as, 0, 4096, 8, PRIV, NULL, 0, &out), -EINVAL);
    assert_int_equal(mm_mmap(&as, 0, 4096, RW, MM_MAP_PRIVATE, NULL, 0, &out), -EBADF);
    assert_int_equal(mm_mmap(&as, 0, 4096, RW, MM_MAP_PRIVATE, &file, 100, &out), -EINVAL);
    assert_int_equal(mm_mmap(&as, 0x100800, 4096, RW, PRIV | MM_MAP_FIXED, NULL, 0, &out), -EINVAL);
    assert_int_equal(mm_mmap(&as, 0x1000, 4096, RW, PRIV | MM_MAP_FIXED, NULL, 0, &out), -EPERM);
    /* A free hint is honoured (rounded up); a taken one is not. */
    assert_int_equal(map(0x200001, 4096, RW, PRIV), 0x201000);
    uint64_t again = map(0x201000, 4096, MM_PROT_READ, PRIV);
    assert_true(again != 0x201000);
    assert_int_equal(
        mm_mmap(&as, 0x200000, 0x2000, RW, PRIV | MM_MAP_FIXED_NOREPLACE, NULL, 0, &out), -EEXIST);
    assert_int_equal(map(0x202000, 4096, RW, PRIV | MM_MAP_FIXED_NOREPLACE), 0x202000);
}

static void test_map_fixed_replaces(void **state)
{
    (void)state;
    uint64_t a = map(0x400000, 4 * PAGE_SIZE, RW, PRIV | MM_MAP_POPULATE);
    for (int i = 0; i < 4; i++)
        assert_true(pa_of(&as, a + i * PAGE_SIZE) != 0);
    size_t before = test_free_pages();
    map(a + PAGE_SIZE, 2 * PAGE_SIZE, MM_PROT_READ, PRIV | MM_MAP_FIXED);
    assert_int_equal(test_free_pages(), before + 2); /* old frames gone */
    assert_int_equal(as.vmas.count, 3);
    assert_int_equal(pa_of(&as, a + PAGE_SIZE), 0);
    assert_true(pa_of(&as, a) != 0);
}

/* Three address spaces share a frame after two forks; the first two writers copy, the last
 * one reuses the original frame. */
static void test_cow_three_sharers(void **state)
{
    (void)state;
    uint64_t a = map(0, PAGE_SIZE, RW, PRIV);
    assert_int_equal(mm_as_fault(&as, a, MM_ACCESS_WRITE), MM_FAULT_OK);
    *user_ptr(&as, a) = 42;
    uint64_t orig = pa_of(&as, a);
    struct mm_as c1, c2;
    assert_int_equal(mm_as_init(&c1, &ops, &test_pt_ops, vma_cache, &layout), 0);
    assert_int_equal(mm_as_init(&c2, &ops, &test_pt_ops, vma_cache, &layout), 0);
    assert_int_equal(mm_as_fork(&c1, &as), 0);
    assert_int_equal(mm_as_fork(&c2, &as), 0);
    struct page *pg = buddy_pa_to_page(&test_buddy, orig);
    assert_int_equal(page_refcount(pg), 3);
    assert_int_equal(pa_of(&c1, a), orig);
    assert_int_equal(pa_of(&c2, a), orig);
    for (struct mm_as *x = &as; x; x = x == &as ? &c1 : x == &c1 ? &c2 : NULL)
        assert_int_equal(pte_prot_at(x, a), MM_PROT_READ | MM_PROT_USER);
    /* Reads do not copy. */
    assert_int_equal(*user_ptr(&c1, a), 42);
    /* Writer 1 (child 1): copy. */
    assert_int_equal(mm_as_fault(&c1, a, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_true(pa_of(&c1, a) != orig);
    assert_int_equal(*user_ptr(&c1, a), 42);
    *user_ptr(&c1, a) = 1;
    assert_int_equal(page_refcount(pg), 2);
    /* Writer 2 (parent): copy. */
    assert_int_equal(mm_as_fault(&as, a, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_true(pa_of(&as, a) != orig);
    *user_ptr(&as, a) = 2;
    assert_int_equal(page_refcount(pg), 1);
    /* Writer 3 (child 2), last holder: reuses the frame. */
    assert_int_equal(mm_as_fault(&c2, a, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_int_equal(pa_of(&c2, a), orig);
    assert_int_equal(pte_prot_at(&c2, a), RW | MM_PROT_USER);
    assert_int_equal(*user_ptr(&c2, a), 42);
    *user_ptr(&c2, a) = 3;
    assert_int_equal(*user_ptr(&as, a), 2);
    assert_int_equal(*user_ptr(&c1, a), 1);
    mm_as_destroy(&c1);
    mm_as_destroy(&c2);
}

static void test_fork_shared_stays_shared(void **state)
{
    (void)state;
    uint64_t a = map(0, PAGE_SIZE, RW, MM_MAP_SHARED | MM_MAP_ANONYMOUS | MM_MAP_POPULATE);
    struct mm_as c;
    assert_int_equal(mm_as_init(&c, &ops, &test_pt_ops, vma_cache, &layout), 0);
    assert_int_equal(mm_as_fork(&c, &as), 0);
    assert_int_equal(pa_of(&c, a), pa_of(&as, a));
    assert_int_equal(pte_prot_at(&c, a), RW | MM_PROT_USER);
    *user_ptr(&c, a) = 9;
    assert_int_equal(*user_ptr(&as, a), 9);
    mm_as_destroy(&c);
}

static void test_mprotect_part(void **state)
{
    (void)state;
    uint64_t a = map(0, 3 * PAGE_SIZE, RW, PRIV | MM_MAP_POPULATE);
    assert_int_equal(mm_mprotect(&as, a + PAGE_SIZE, PAGE_SIZE, MM_PROT_READ), 0);
    assert_int_equal(as.vmas.count, 3);
    assert_int_equal(pte_prot_at(&as, a), RW | MM_PROT_USER);
    assert_int_equal(pte_prot_at(&as, a + PAGE_SIZE), MM_PROT_READ | MM_PROT_USER);
    assert_int_equal(mm_as_fault(&as, a + PAGE_SIZE, MM_ACCESS_WRITE), MM_FAULT_SEGV_ACCERR);
    assert_int_equal(mm_as_fault(&as, a + 2 * PAGE_SIZE, MM_ACCESS_WRITE), MM_FAULT_OK);
    /* PROT_NONE keeps the frame but no EL0 access. */
    *user_ptr(&as, a) = 7;
    assert_int_equal(mm_mprotect(&as, a, PAGE_SIZE, 0), 0);
    assert_int_equal(pte_prot_at(&as, a), MM_PROT_READ);
    assert_int_equal(user_prot_at(&as, a), 0); /* never mirrored for EL0 */
    assert_int_equal(user_prot_at(&as, a + PAGE_SIZE), MM_PROT_READ);
    assert_int_equal(user_prot_at(&as, a + 2 * PAGE_SIZE), RW);
    assert_int_equal(mm_as_fault(&as, a, MM_ACCESS_READ), MM_FAULT_SEGV_ACCERR);
    assert_int_equal(mm_mprotect(&as, a, 3 * PAGE_SIZE, RW), 0);
    assert_int_equal(as.vmas.count, 1);
    assert_int_equal(*user_ptr(&as, a), 7);
    assert_int_equal(pte_prot_at(&as, a + PAGE_SIZE), RW | MM_PROT_USER);
    assert_int_equal(mm_mprotect(&as, a + 1, PAGE_SIZE, RW), -EINVAL);
    assert_int_equal(mm_mprotect(&as, a, PAGE_SIZE, 16), -EINVAL);
    assert_int_equal(mm_mprotect(&as, a, 4 * PAGE_SIZE, RW), -ENOMEM);
}

static void test_munmap_middle(void **state)
{
    (void)state;
    uint64_t a = map(0, 3 * PAGE_SIZE, RW, PRIV | MM_MAP_POPULATE);
    size_t before = test_free_pages();
    assert_int_equal(mm_munmap(&as, a + PAGE_SIZE, 100), 0);
    assert_int_equal(test_free_pages(), before + 1);
    assert_int_equal(as.vmas.count, 2);
    assert_int_equal(mm_as_fault(&as, a + PAGE_SIZE, MM_ACCESS_READ), MM_FAULT_SEGV_MAPERR);
    assert_int_equal(mm_munmap(&as, a + 1, 100), -EINVAL);
    assert_int_equal(mm_munmap(&as, a, 0), -EINVAL);
    assert_int_equal(mm_munmap(&as, 0x10000, 0x1000), 0); /* nothing there: fine */
}

static void test_mremap_grow_in_place_and_move(void **state)
{
    (void)state;
    uint64_t a = map(0x1000000, 2 * PAGE_SIZE, RW, PRIV | MM_MAP_POPULATE);
    *user_ptr(&as, a) = 'x';
    uint64_t frame = pa_of(&as, a), out;
    /* Room above: grows in place. */
    assert_int_equal(mm_mremap(&as, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0, &out), 0);
    assert_int_equal(out, a);
    assert_int_equal(as.vmas.count, 1);
    assert_int_equal(vma_find(&as.vmas, a)->end, a + 4 * PAGE_SIZE);
    assert_int_equal(mm_as_fault(&as, a + 3 * PAGE_SIZE, MM_ACCESS_WRITE), MM_FAULT_OK);
    /* Blocked above: without MAYMOVE fails, with it moves (same frames). */
    map(a + 4 * PAGE_SIZE, PAGE_SIZE, MM_PROT_READ, PRIV | MM_MAP_FIXED);
    assert_int_equal(mm_mremap(&as, a, 4 * PAGE_SIZE, 8 * PAGE_SIZE, 0, 0, &out), -ENOMEM);
    size_t before = test_free_pages();
    assert_int_equal(mm_mremap(&as, a, 4 * PAGE_SIZE, 8 * PAGE_SIZE, MM_MREMAP_MAYMOVE, 0, &out),
                     0);
    assert_true(out != a);
    assert_int_equal(pa_of(&as, out), frame);
    assert_int_equal(*user_ptr(&as, out), 'x');
    assert_int_equal(pa_of(&as, out + PAGE_SIZE) != 0, 1);
    assert_int_equal(pa_of(&as, a), 0);
    assert_null(vma_find(&as.vmas, a));
    assert_int_equal(vma_find(&as.vmas, out)->end, out + 8 * PAGE_SIZE);
    assert_int_equal(test_free_pages(), before); /* no frame copied or lost */
    /* Shrink. */
    assert_int_equal(mm_mremap(&as, out, 8 * PAGE_SIZE, PAGE_SIZE, 0, 0, &out), 0);
    assert_null(vma_find(&as.vmas, out + PAGE_SIZE));
    /* FIXED moves to the given address, replacing what is there. */
    uint64_t dst = 0x3000000;
    map(dst, PAGE_SIZE, MM_PROT_READ, PRIV | MM_MAP_FIXED | MM_MAP_POPULATE);
    uint64_t moved;
    assert_int_equal(mm_mremap(&as, out, PAGE_SIZE, 2 * PAGE_SIZE,
                               MM_MREMAP_MAYMOVE | MM_MREMAP_FIXED, dst, &moved),
                     0);
    assert_int_equal(moved, dst);
    assert_int_equal(pa_of(&as, dst), frame);
    assert_int_equal(vma_find(&as.vmas, dst)->prot, RW);
    /* Errors. */
    assert_int_equal(mm_mremap(&as, dst, PAGE_SIZE, 0, 0, 0, &out), -EINVAL);
    assert_int_equal(mm_mremap(&as, dst, PAGE_SIZE, PAGE_SIZE, MM_MREMAP_FIXED, 0, &out), -EINVAL);
    assert_int_equal(mm_mremap(&as, dst, 3 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0, &out), -EFAULT);
    assert_int_equal(mm_mremap(&as, 0x5000000, PAGE_SIZE, 2 * PAGE_SIZE, 0, 0, &out), -EFAULT);
}

static void test_file_private_and_shared(void **state)
{
    (void)state;
    uint64_t p, s, out;
    assert_int_equal(mm_mmap(&as, 0, 2 * PAGE_SIZE, RW, MM_MAP_PRIVATE, &file, PAGE_SIZE, &p), 0);
    assert_int_equal(file_refs, 1);
    /* Read: the page-cache page itself, read-only. */
    assert_int_equal(mm_as_fault(&as, p, MM_ACCESS_READ), MM_FAULT_OK);
    assert_int_equal(pa_of(&as, p), test_page_to_pa(NULL, cache[1]));
    assert_int_equal(*user_ptr(&as, p), 'B');
    assert_int_equal(pte_prot_at(&as, p), MM_PROT_READ | MM_PROT_USER);
    /* Write: private copy; the cache is untouched. */
    assert_int_equal(mm_as_fault(&as, p, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_true(pa_of(&as, p) != test_page_to_pa(NULL, cache[1]));
    *user_ptr(&as, p) = 'z';
    assert_int_equal(*(char *)test_page_to_virt(NULL, cache[1]), 'B');
    assert_int_equal(page_refcount(cache[1]), 1);
    /* Write fault on a not-present private page copies directly. */
    assert_int_equal(mm_as_fault(&as, p + PAGE_SIZE, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_int_equal(*user_ptr(&as, p + PAGE_SIZE), 'C');
    assert_true(pa_of(&as, p + PAGE_SIZE) != test_page_to_pa(NULL, cache[2]));
    /* Shared: writes land in the cache page. */
    assert_int_equal(mm_mmap(&as, 0, 8 * PAGE_SIZE, RW, MM_MAP_SHARED, &file, 0, &s), 0);
    assert_int_equal(mm_as_fault(&as, s + 3 * PAGE_SIZE, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_int_equal(pa_of(&as, s + 3 * PAGE_SIZE), test_page_to_pa(NULL, cache[3]));
    assert_int_equal(dirtied, 1);
    *user_ptr(&as, s + 3 * PAGE_SIZE) = 'w';
    assert_int_equal(*(char *)test_page_to_virt(NULL, cache[3]), 'w');
    /* Past the end of the file: SIGBUS. */
    assert_int_equal(mm_as_fault(&as, s + 5 * PAGE_SIZE, MM_ACCESS_READ), MM_FAULT_SIGBUS);
    /* msync. */
    assert_int_equal(mm_msync(&as, s, PAGE_SIZE, MM_MS_SYNC), 0);
    assert_int_equal(syncs, 1);
    assert_int_equal(mm_msync(&as, p, PAGE_SIZE, MM_MS_SYNC), 0); /* private: no writeback */
    assert_int_equal(syncs, 1);
    assert_int_equal(mm_msync(&as, s, PAGE_SIZE, MM_MS_SYNC | MM_MS_ASYNC), -EINVAL);
    assert_int_equal(mm_msync(&as, s + 1, PAGE_SIZE, MM_MS_SYNC), -EINVAL);
    assert_int_equal(mm_msync(&as, 0x10000, PAGE_SIZE, MM_MS_SYNC), -ENOMEM);
    assert_int_equal(mm_munmap(&as, s, 8 * PAGE_SIZE), 0);
    assert_int_equal(page_refcount(cache[3]), 1);
    (void)out;
}

/* munmap of a shared file mapping writes back after dropping its frames (so the page is
 * no longer referenced by the mapping when the cache decides whether it stays dirty). */
static void test_munmap_shared_writes_back(void **state)
{
    (void)state;
    uint64_t s;
    assert_int_equal(mm_mmap(&as, 0, 5 * PAGE_SIZE, RW, MM_MAP_SHARED, &file, 0, &s), 0);
    assert_int_equal(mm_as_fault(&as, s + 3 * PAGE_SIZE, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_int_equal(page_refcount(cache[3]), 2);
    assert_int_equal(mm_munmap(&as, s + 3 * PAGE_SIZE, PAGE_SIZE), 0);
    assert_int_equal(syncs, 1);
    assert_int_equal(refs_at_sync, 1);
    assert_int_equal(file_refs, 2); /* the two VMAs left on either side */
    /* Private and anonymous mappings are not written back. */
    uint64_t p;
    assert_int_equal(mm_mmap(&as, 0, PAGE_SIZE, RW, MM_MAP_PRIVATE, &file, 0, &p), 0);
    assert_int_equal(mm_as_fault(&as, p, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_int_equal(mm_munmap(&as, p, PAGE_SIZE), 0);
    assert_int_equal(syncs, 1);
}

/* A file opened read-only: shared mappings stay read-only (EACCES), private ones may write. */
static void test_shared_write_denied(void **state)
{
    (void)state;
    uint64_t s, p;
    assert_int_equal(mm_mmap(&as, 0, PAGE_SIZE, RW, MM_MAP_SHARED, &ro_file, 0, &s), -EACCES);
    assert_int_equal(as.vmas.count, 0);
    assert_int_equal(mm_mmap(&as, 0, PAGE_SIZE, MM_PROT_READ, MM_MAP_SHARED, &ro_file, 0, &s), 0);
    assert_int_equal(mm_mprotect(&as, s, PAGE_SIZE, RW), -EACCES);
    assert_int_equal(mm_mprotect(&as, s, PAGE_SIZE, MM_PROT_READ | MM_PROT_EXEC), 0);
    assert_int_equal(mm_mmap(&as, 0, PAGE_SIZE, RW, MM_MAP_PRIVATE, &ro_file, 0, &p), 0);
    assert_int_equal(mm_mprotect(&as, p, PAGE_SIZE, MM_PROT_READ), 0);
    assert_int_equal(mm_mprotect(&as, p, PAGE_SIZE, RW), 0);
    /* A range that includes the shared mapping is refused as a whole. */
    assert_int_equal(mm_mprotect(&as, MIN(s, p), 2 * PAGE_SIZE, RW), -EACCES);
}

/* Truncation: every page of the file from the new end on leaves every mapping (shared
 * pages, private copies), earlier pages and other files' mappings stay. */
static void test_unmap_file(void **state)
{
    (void)state;
    uint64_t s, p, a, lo = 0, hi = 0;
    assert_int_equal(
        mm_mmap(&as, 0, 5 * PAGE_SIZE, RW, MM_MAP_SHARED | MM_MAP_POPULATE, &file, 0, &s), 0);
    /* Private mapping of file pages 1..4: page 2 read from the cache, page 4 copied. */
    assert_int_equal(mm_mmap(&as, 0, 4 * PAGE_SIZE, RW, MM_MAP_PRIVATE, &file, PAGE_SIZE, &p), 0);
    assert_int_equal(mm_as_fault(&as, p + PAGE_SIZE, MM_ACCESS_READ), MM_FAULT_OK);
    assert_int_equal(mm_as_fault(&as, p + 3 * PAGE_SIZE, MM_ACCESS_WRITE), MM_FAULT_OK);
    a = map(0, PAGE_SIZE, RW, PRIV | MM_MAP_POPULATE);
    assert_false(mm_as_unmap_file(&as, &file, 5 * PAGE_SIZE, &lo, &hi)); /* nothing past 5 */
    assert_true(mm_as_unmap_file(&as, &file, 2 * PAGE_SIZE, &lo, &hi));
    assert_int_equal(lo, MIN(s + 2 * PAGE_SIZE, p + PAGE_SIZE));
    assert_int_equal(hi, MAX(s + 5 * PAGE_SIZE, p + 4 * PAGE_SIZE));
    for (int i = 0; i < 5; i++)
        assert_int_equal(pa_of(&as, s + i * PAGE_SIZE) != 0, i < 2);
    assert_int_equal(pa_of(&as, p + PAGE_SIZE), 0);
    assert_int_equal(pa_of(&as, p + 3 * PAGE_SIZE), 0);
    assert_true(pa_of(&as, a) != 0);
    assert_int_equal(page_refcount(cache[2]), 1); /* only the cache's own reference */
    assert_int_equal(page_refcount(cache[0]), 2);
    assert_int_equal(as.vmas.count, 3); /* the VMAs stay: touching them faults */
}

static void test_stack_growth(void **state)
{
    (void)state;
    uint64_t top = 0x7ffff000000UL;
    uint64_t st =
        map(top - 4 * PAGE_SIZE, 4 * PAGE_SIZE, RW, PRIV | MM_MAP_GROWSDOWN | MM_MAP_FIXED);
    assert_int_equal(mm_as_fault(&as, st - 10, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_int_equal(vma_find(&as.vmas, st - 10)->start, st - PAGE_SIZE);
    assert_int_equal(mm_as_fault(&as, top - 9 * MIB, MM_ACCESS_WRITE), MM_FAULT_SEGV_MAPERR);
}

static void test_populate_mincore_dontneed(void **state)
{
    (void)state;
    uint64_t a = map(0, 4 * PAGE_SIZE, RW, PRIV);
    unsigned char vec[4];
    assert_int_equal(mm_mincore(&as, a, 4 * PAGE_SIZE, vec), 0);
    assert_memory_equal(vec, "\0\0\0\0", 4);
    assert_int_equal(mm_as_fault(&as, a + 2 * PAGE_SIZE, MM_ACCESS_WRITE), MM_FAULT_OK);
    *user_ptr(&as, a + 2 * PAGE_SIZE) = 5;
    assert_int_equal(mm_mincore(&as, a, 4 * PAGE_SIZE, vec), 0);
    assert_memory_equal(vec, "\0\0\1\0", 4);
    assert_int_equal(mm_mincore(&as, a, 5 * PAGE_SIZE, vec), -ENOMEM);
    assert_int_equal(mm_mincore(&as, a + 1, PAGE_SIZE, vec), -EINVAL);
    uint64_t b = map(0, 3 * PAGE_SIZE, RW, PRIV | MM_MAP_POPULATE);
    assert_int_equal(mm_mincore(&as, b, 3 * PAGE_SIZE, vec), 0);
    assert_memory_equal(vec, "\1\1\1", 3);
    /* MADV_DONTNEED frees the frames; the next touch reads zero. */
    size_t before = test_free_pages();
    assert_int_equal(mm_madvise(&as, a, 4 * PAGE_SIZE, MM_MADV_DONTNEED), 0);
    assert_int_equal(test_free_pages(), before + 1);
    assert_int_equal(mm_as_fault(&as, a + 2 * PAGE_SIZE, MM_ACCESS_READ), MM_FAULT_OK);
    assert_int_equal(*user_ptr(&as, a + 2 * PAGE_SIZE), 0);
    assert_int_equal(mm_madvise(&as, a, PAGE_SIZE, 99), -EINVAL);
    assert_int_equal(mm_madvise(&as, 0x10000, PAGE_SIZE, MM_MADV_DONTNEED), -ENOMEM);
    assert_int_equal(mm_madvise(&as, a, PAGE_SIZE, MM_MADV_WILLNEED), 0);
}

static void test_brk(void **state)
{
    (void)state;
    assert_int_equal(mm_brk(&as, 0), 0x600000);
    assert_int_equal(mm_brk(&as, 0x600000 + 10), 0x60000a);
    assert_int_equal(as.vmas.count, 1);
    assert_int_equal(mm_as_fault(&as, 0x600009, MM_ACCESS_WRITE), MM_FAULT_OK);
    assert_int_equal(mm_brk(&as, 0x603000), 0x603000);
    assert_int_equal(as.vmas.count, 1); /* merged */
    assert_int_equal(vma_find(&as.vmas, 0x600000)->end, 0x603000);
    assert_int_equal(mm_brk(&as, 0x601000), 0x601000);
    assert_null(vma_find(&as.vmas, 0x601000));
    assert_int_equal(mm_brk(&as, 0x100), 0x601000); /* below the start: refused */
    map(0x602000, PAGE_SIZE, RW, PRIV | MM_MAP_FIXED);
    assert_int_equal(mm_brk(&as, 0x605000), 0x601000); /* would overlap: refused */
}

/* A forked child keeps the parent's break and its lower limit (exec moved both). */
static void test_brk_after_fork(void **state)
{
    (void)state;
    as.layout.brk_start = as.brk = 0x800000;
    assert_int_equal(mm_brk(&as, 0x802000), 0x802000);
    struct mm_as c;
    struct mm_as_layout fresh = layout;
    fresh.brk_start = 0;
    assert_int_equal(mm_as_init(&c, &ops, &test_pt_ops, vma_cache, &fresh), 0);
    uint64_t text = 0x400000, out;
    assert_int_equal(mm_mmap(&as, text, PAGE_SIZE, RW, PRIV | MM_MAP_FIXED, NULL, 0, &out), 0);
    assert_int_equal(mm_as_fork(&c, &as), 0);
    assert_int_equal(c.layout.brk_start, 0x800000);
    assert_int_equal(mm_brk(&c, 0), 0x802000);
    assert_int_equal(mm_brk(&c, 0x1000), 0x802000); /* below the start: refused */
    assert_non_null(vma_find(&c.vmas, text));       /* and nothing was unmapped */
    assert_int_equal(mm_brk(&c, 0x801000), 0x801000);
    assert_null(vma_find(&c.vmas, 0x801000));
    assert_non_null(vma_find(&as.vmas, 0x801000)); /* the parent's heap is its own */
    mm_as_destroy(&c);
}

static void test_proc_maps_format(void **state)
{
    (void)state;
    uint64_t out;
    assert_int_equal(mm_mmap(&as, 0x55d4c8a4d000, 0x2000, MM_PROT_READ,
                             MM_MAP_PRIVATE | MM_MAP_FIXED, &file, 0, &out),
                     0);
    assert_int_equal(mm_mmap(&as, 0x55d4c8a4f000, 0x1000, MM_PROT_READ | MM_PROT_EXEC,
                             MM_MAP_PRIVATE | MM_MAP_FIXED, &file, 0x2000, &out),
                     0);
    map(0x55d4c8a50000, 0x1000, RW, PRIV | MM_MAP_FIXED);
    mm_brk(&as, 0x600000 + 0x21000);
    map(0x7ffcca38c000, 0x21000, RW, PRIV | MM_MAP_FIXED | MM_MAP_GROWSDOWN);
    assert_int_equal(
        mm_mmap(&as, 0x7f0000000000, 0x1000, RW, MM_MAP_SHARED | MM_MAP_FIXED, &file, 0x3000, &out),
        0);
    const char *want =
        "00600000-00621000 rw-p 00000000 00:00 0                                  [heap]\n"
        "55d4c8a4d000-55d4c8a4f000 r--p 00000000 fe:01 1835027                    "
        "/usr/bin/cat\n"
        "55d4c8a4f000-55d4c8a50000 r-xp 00002000 fe:01 1835027                    "
        "/usr/bin/cat\n"
        "55d4c8a50000-55d4c8a51000 rw-p 00000000 00:00 0 \n"
        "7f0000000000-7f0000001000 rw-s 00003000 fe:01 1835027                    "
        "/usr/bin/cat\n"
        "7ffcca38c000-7ffcca3ad000 rw-p 00000000 00:00 0                          [stack]\n";
    char buf[1024];
    size_t n = mm_as_format_maps(&as, buf, sizeof(buf));
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    /* Truncation: snprintf contract. */
    char small[20];
    assert_int_equal(mm_as_format_maps(&as, small, sizeof(small)), strlen(want));
    assert_int_equal(strlen(small), 19);
    /* Name column: the host kernel's own /proc/self/maps puts names at column 73. */
    FILE *f = fopen("/proc/self/maps", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof(line), f)) {
            char *slash = strchr(line, '/');
            if (slash && strlen(line) > 13 && line[12] == '-') { /* 12-digit addresses */
                assert_int_equal(slash - line, 73);
                break;
            }
        }
        fclose(f);
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_anon_demand_zero),
        T(test_mmap_errors_and_hints),
        T(test_map_fixed_replaces),
        T(test_cow_three_sharers),
        T(test_fork_shared_stays_shared),
        T(test_mprotect_part),
        T(test_munmap_middle),
        T(test_mremap_grow_in_place_and_move),
        T(test_file_private_and_shared),
        T(test_munmap_shared_writes_back),
        T(test_shared_write_denied),
        T(test_unmap_file),
        T(test_stack_growth),
        T(test_populate_mincore_dontneed),
        T(test_brk),
        T(test_brk_after_fork),
        T(test_proc_maps_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
