/* mm/fault.c: the fault decision table. */
#include <string.h>
#include "mm_test_util.h"
#include <mm/fault.h>

#define RW  (MM_PROT_READ | MM_PROT_WRITE)
#define MIB (1UL << 20)

static struct vma_tree T;

static uint64_t fsize(struct mm_file *f)
{
    (void)f;
    return 3 * PAGE_SIZE + 10; /* 4 pages, the last partly */
}

static const struct mm_pagecache_ops fops = {.size = fsize};
static struct mm_file file = {.ops = &fops};

static struct vma *add(uint64_t start, uint64_t end, unsigned prot, unsigned flags,
                       struct mm_file *f)
{
    struct vma *v = vma_alloc(&T);
    v->start = start;
    v->end = end;
    v->prot = prot;
    v->flags = flags;
    v->file = f;
    assert_int_equal(vma_insert(&T, v), 0);
    return v;
}

static int setup(void **state)
{
    (void)state;
    test_mem_init(4 * MIB);
    vma_tree_init(&T, kmem_cache_create("vma", sizeof(struct vma), 0));
    add(0x10000, 0x20000, RW, 0, NULL);                             /* anon private */
    add(0x30000, 0x31000, MM_PROT_READ, 0, NULL);                   /* read-only */
    add(0x40000, 0x48000, RW, 0, &file)->offset = 0x1000;           /* file private */
    add(0x50000, 0x58000, RW, VMA_SHARED, &file);                   /* file shared */
    add(0x7f000000, 0x7f010000, RW, VMA_GROWSDOWN, NULL);           /* stack */
    add(0x7f000000 - 0x200000, 0x7f000000 - 0x1f0000, RW, 0, NULL); /* 1.9 MiB below */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_mem_fini();
    return 0;
}

static enum mm_fault_action decide(uint64_t addr, enum mm_access acc, bool present, pte_t pte,
                                   int refs, struct mm_fault_decision *out)
{
    struct mm_fault_info fi = {addr, acc, present, pte, refs};
    struct mm_fault_decision d;
    mm_fault_decide(&T, &fi, 8 * MIB, out ? out : &d);
    return (out ? out : &d)->action;
}

static void test_not_present(void **state)
{
    (void)state;
    struct mm_fault_decision d;
    assert_int_equal(decide(0x10123, MM_ACCESS_READ, false, 0, 0, &d), MM_FA_ZERO_PAGE);
    assert_int_equal(d.page, 0x10000);
    assert_int_equal(decide(0x10123, MM_ACCESS_WRITE, false, 0, 0, NULL), MM_FA_ZERO_PAGE);
    assert_int_equal(decide(0x10123, MM_ACCESS_EXEC, false, 0, 0, NULL), MM_FA_SEGV_ACCERR);
    assert_int_equal(decide(0x30000, MM_ACCESS_WRITE, false, 0, 0, NULL), MM_FA_SEGV_ACCERR);
    assert_int_equal(decide(0x20000, MM_ACCESS_READ, false, 0, 0, NULL), MM_FA_SEGV_MAPERR);
    assert_int_equal(decide(0, MM_ACCESS_READ, false, 0, 0, NULL), MM_FA_SEGV_MAPERR);
}

static void test_file_pages(void **state)
{
    (void)state;
    struct mm_fault_decision d;
    assert_int_equal(decide(0x41008, MM_ACCESS_READ, false, 0, 0, &d), MM_FA_FILE_PAGE);
    assert_int_equal(d.file_offset, 0x2000);
    assert_int_equal(decide(0x41008, MM_ACCESS_WRITE, false, 0, 0, &d), MM_FA_FILE_COPY);
    assert_int_equal(decide(0x52000, MM_ACCESS_WRITE, false, 0, 0, &d), MM_FA_FILE_PAGE);
    assert_int_equal(d.file_offset, 0x2000);
    /* Page 3 holds the last 10 bytes; page 4 is past EOF. */
    assert_int_equal(decide(0x53fff, MM_ACCESS_READ, false, 0, 0, NULL), MM_FA_FILE_PAGE);
    assert_int_equal(decide(0x54000, MM_ACCESS_READ, false, 0, 0, NULL), MM_FA_SIGBUS);
    assert_int_equal(decide(0x43000, MM_ACCESS_READ, false, 0, 0, NULL), MM_FA_SIGBUS);
}

static void test_write_protected(void **state)
{
    (void)state;
    pte_t ro = pt_make_leaf(0x40000000, MM_PROT_READ | MM_PROT_USER, 3);
    pte_t rw = pt_make_leaf(0x40000000, RW | MM_PROT_USER, 3);
    assert_int_equal(decide(0x10000, MM_ACCESS_WRITE, true, ro, 3, NULL), MM_FA_COW_COPY);
    assert_int_equal(decide(0x10000, MM_ACCESS_WRITE, true, ro, 2, NULL), MM_FA_COW_COPY);
    assert_int_equal(decide(0x10000, MM_ACCESS_WRITE, true, ro, 1, NULL), MM_FA_COW_REUSE);
    assert_int_equal(decide(0x41000, MM_ACCESS_WRITE, true, ro, 2, NULL), MM_FA_COW_COPY);
    assert_int_equal(decide(0x51000, MM_ACCESS_WRITE, true, ro, 2, NULL), MM_FA_MAKE_WRITABLE);
    assert_int_equal(decide(0x10000, MM_ACCESS_WRITE, true, rw, 1, NULL), MM_FA_FIX_PROT);
    assert_int_equal(decide(0x10000, MM_ACCESS_READ, true, ro, 1, NULL), MM_FA_FIX_PROT);
    assert_int_equal(decide(0x30000, MM_ACCESS_WRITE, true, ro, 1, NULL), MM_FA_SEGV_ACCERR);
}

static void test_stack_growth(void **state)
{
    (void)state;
    struct mm_fault_decision d;
    assert_int_equal(decide(0x7effff00, MM_ACCESS_WRITE, false, 0, 0, &d), MM_FA_GROW_STACK);
    assert_int_equal(d.new_start, 0x7efff000);
    assert_int_equal(d.vma->start, 0x7f000000);
    assert_int_equal(decide(0x7effff00, MM_ACCESS_EXEC, false, 0, 0, NULL), MM_FA_SEGV_ACCERR);
    /* Within the guard gap above the VMA below: no growth. The VMA below ends at
     * 0x7f000000 - 0x1f0000; 256 pages above it is 0x7ef10000 + 0x100000. */
    uint64_t guard_top = 0x7f000000 - 0x1f0000 + VMA_STACK_GUARD_GAP;
    assert_int_equal(decide(guard_top, MM_ACCESS_READ, false, 0, 0, NULL), MM_FA_GROW_STACK);
    assert_int_equal(decide(guard_top - 1, MM_ACCESS_READ, false, 0, 0, NULL), MM_FA_SEGV_MAPERR);
    /* Beyond stack_max (8 MiB). */
    vma_unmap_range(&T, 0x7f000000 - 0x200000, 0x7f000000 - 0x1f0000);
    assert_int_equal(decide(0x7f010000 - 8 * MIB, MM_ACCESS_READ, false, 0, 0, NULL),
                     MM_FA_GROW_STACK);
    assert_int_equal(decide(0x7f010000 - 8 * MIB - 1, MM_ACCESS_READ, false, 0, 0, NULL),
                     MM_FA_SEGV_MAPERR);
    /* Above a non-stack VMA: no growth. */
    assert_int_equal(decide(0x2ffff, MM_ACCESS_READ, false, 0, 0, NULL), MM_FA_SEGV_MAPERR);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_not_present),
        T(test_file_pages),
        T(test_write_protected),
        T(test_stack_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
