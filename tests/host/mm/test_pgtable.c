/* mm/pgtable.c: descriptor encode/decode against hand-checked values, map/unmap/protect with
 * pages and blocks, block splitting, table freeing, out-of-memory rollback. */
#include <stdlib.h>
#include <string.h>
#include "mm_test_util.h"
#include <lib/errno.h>
#include <mm/pgtable.h>

#define MIB (1UL << 20)
#define GIB (1UL << 30)

/* Table pages from the host heap; "physical" address = host address. */
static int tables_live, table_limit;

static uint64_t host_alloc_table(void *ctx)
{
    (void)ctx;
    if (table_limit && tables_live >= table_limit)
        return 0;
    void *p = NULL;
    if (posix_memalign(&p, PAGE_SIZE, PAGE_SIZE))
        return 0;
    memset(p, 0, PAGE_SIZE);
    tables_live++;
    return (uint64_t)(uintptr_t)p;
}

static void host_free_table(void *ctx, uint64_t pa)
{
    (void)ctx;
    tables_live--;
    free((void *)(uintptr_t)pa);
}

static void *host_p2v(void *ctx, uint64_t pa)
{
    (void)ctx;
    return (void *)(uintptr_t)pa;
}

static const struct pt_ops ops = {host_alloc_table, host_free_table, host_p2v, NULL};
static struct pgtable pt;

static int setup(void **state)
{
    (void)state;
    tables_live = table_limit = 0;
    return pt_init(&pt, &ops);
}

static int teardown(void **state)
{
    (void)state;
    pt_destroy(&pt);
    return tables_live == 0 ? 0 : -1; /* destroy frees every table */
}

#define URW  (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_USER)
#define URX  (MM_PROT_READ | MM_PROT_EXEC | MM_PROT_USER)
#define KRW  (MM_PROT_READ | MM_PROT_WRITE)
#define KRX  (MM_PROT_READ | MM_PROT_EXEC)
#define KDEV (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_DEVICE)

/* Values worked out by hand from the ARM ARM bit positions:
 *   [1:0] type, [4:2] AttrIndx, [6] AP[1] EL0, [7] AP[2] RO, [9:8] SH, [10] AF, [11] nG,
 *   [53] PXN, [54] UXN. */
static void test_encode_hand_checked(void **state)
{
    (void)state;
    /* EL0 RW data page: type 3, idx 1 (0x4), EL0 0x40, SH 0x300, AF 0x400, nG 0x800,
     * PXN|UXN 0x0060...: 0x0060000040001f47. */
    assert_int_equal(pt_make_leaf(0x40001000, URW, 3), 0x0060000040001f47UL);
    /* EL0 text: RO (0x80), UXN clear, PXN set. */
    assert_int_equal(pt_make_leaf(0x40002000, URX, 3), 0x0020000040002fc7UL);
    /* Kernel linear map 2 MiB block, as exo/mmu.c builds it by hand. */
    assert_int_equal(pt_make_leaf(0x40200000, KRW, 2), 0x0060000040200705UL);
    /* Kernel text page: RO, UXN only (as exo/arch/aarch64/early_mmu.c). */
    assert_int_equal(pt_make_leaf(0x40080000, KRX, 3), 0x0040000040080787UL);
    /* Device nGnRE (idx 3 = 0xc), no shareability, never executable. */
    assert_int_equal(pt_make_leaf(0x09000000, KDEV, 2), 0x006000000900040dUL);
    /* 1 GiB block, read-only kernel data. */
    assert_int_equal(pt_make_leaf(0x80000000, MM_PROT_READ, 1), 0x0060000080000785UL);
}

static void test_decode_roundtrip(void **state)
{
    (void)state;
    for (unsigned prot = 0; prot < 32; prot++) {
        if (!(prot & MM_PROT_READ) || ((prot & MM_PROT_DEVICE) && (prot & MM_PROT_EXEC)))
            continue;
        assert_int_equal(pt_attrs_to_prot(pt_make_leaf(0x1000, prot, 3)), prot);
    }
    assert_int_equal(pt_attrs_to_prot(0x0060000040001f47UL), URW);
}

static void test_map_pages_raw_tables(void **state)
{
    (void)state;
    uint64_t va = 0x0000007f12345000UL;
    assert_int_equal(pt_map(&pt, va, 0x40001000, 2 * PAGE_SIZE, URW, PT_MAP_BLOCKS), 0);
    assert_int_equal(tables_live, 4); /* L0 + L1 + L2 + L3 */
    /* Follow the descriptors by hand. */
    pte_t *t = host_p2v(NULL, pt.root);
    for (int l = 0; l < 3; l++) {
        pte_t e = t[(va >> (39 - 9 * l)) & 511];
        assert_int_equal(e & 3, 3); /* table */
        assert_int_equal(e & ~PTE_ADDR_MASK, 3);
        t = host_p2v(NULL, pte_addr(e));
    }
    assert_int_equal(t[(va >> 12) & 511], 0x0060000040001f47UL);
    assert_int_equal(t[((va >> 12) & 511) + 1], 0x0060000040002f47UL);
    pte_t e;
    int level;
    uint64_t pa;
    assert_int_equal(pt_lookup(&pt, va + PAGE_SIZE + 5, &e, &level), 0);
    assert_int_equal(level, 3);
    assert_int_equal(pt_translate(&pt, va + PAGE_SIZE + 5, &pa), 0);
    assert_int_equal(pa, 0x40002005);
    assert_int_equal(pt_lookup(&pt, va + 2 * PAGE_SIZE, &e, &level), -ENOENT);
}

struct leaves {
    int n, by_level[4];
    uint64_t va[16];
};

static void collect(void *arg, uint64_t va, pte_t *pte, int level)
{
    (void)pte;
    struct leaves *l = arg;
    if (l->n < 16)
        l->va[l->n] = va;
    l->n++;
    l->by_level[level]++;
}

static void test_blocks_where_aligned(void **state)
{
    (void)state;
    /* 4 MiB + 8 KiB at a 2 MiB boundary: two blocks then two pages. */
    uint64_t va = 0x200000, size = 4 * MIB + 2 * PAGE_SIZE;
    assert_int_equal(pt_map(&pt, va, 0x40200000, size, URW, PT_MAP_BLOCKS), 0);
    struct leaves l = {0};
    pt_walk(&pt, 0, 1UL << 40, collect, &l);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.by_level[2], 2);
    assert_int_equal(l.by_level[3], 2);
    assert_int_equal(l.va[1], 0x400000);
    assert_int_equal(l.va[3], 0x601000);
    uint64_t pa;
    assert_int_equal(pt_translate(&pt, 0x5abcde, &pa), 0);
    assert_int_equal(pa, 0x405abcde);
    /* pa not 2 MiB aligned: pages only. */
    assert_int_equal(pt_map(&pt, 0x40000000, 0x40201000, 2 * MIB, URW, PT_MAP_BLOCKS), 0);
    memset(&l, 0, sizeof(l));
    pt_walk(&pt, 0x40000000, 2 * MIB, collect, &l);
    assert_int_equal(l.by_level[3], 512);
    /* Without PT_MAP_BLOCKS: pages. */
    assert_int_equal(pt_map(&pt, 0x80000000, 0x80000000, 2 * MIB, URW, 0), 0);
    int level;
    pte_t e;
    assert_int_equal(pt_lookup(&pt, 0x80000000, &e, &level), 0);
    assert_int_equal(level, 3);
}

static void test_huge_block(void **state)
{
    (void)state;
    assert_int_equal(pt_map(&pt, GIB, 0x80000000, GIB, KRW, PT_MAP_BLOCKS | PT_MAP_HUGE), 0);
    pte_t e;
    int level;
    assert_int_equal(pt_lookup(&pt, GIB + 12345, &e, &level), 0);
    assert_int_equal(level, 1);
    assert_int_equal(e, 0x0060000080000705UL);
    assert_int_equal(tables_live, 2); /* L0 + L1 */
}

static void test_map_errors(void **state)
{
    (void)state;
    assert_int_equal(pt_map(&pt, 0x1000, 0x2000, 0x3000, URW, 0), 0);
    assert_int_equal(pt_map(&pt, 0x3000, 0x9000, 0x2000, URW, 0), -EEXIST);
    assert_int_equal(pt_map(&pt, 0x4000, 0x9000, 0x2000, URW, 0), 0); /* 0x3000 unchanged */
    uint64_t pa;
    assert_int_equal(pt_translate(&pt, 0x3000, &pa), 0);
    assert_int_equal(pa, 0x4000);
    assert_int_equal(pt_map(&pt, 0x10800, 0, 0x1000, URW, 0), -EINVAL);
    assert_int_equal(pt_map(&pt, 0x10000, 0x800, 0x1000, URW, 0), -EINVAL);
    assert_int_equal(pt_map(&pt, 0x10000, 0, 0, URW, 0), -EINVAL);
    assert_int_equal(pt_map(&pt, 0x10000, 0, 0x1000, MM_PROT_USER, 0), -EINVAL);
    assert_int_equal(pt_map(&pt, 0x10000, 0, 0x1000, KDEV | MM_PROT_EXEC, 0), -EINVAL);
    assert_int_equal(pt_map(&pt, ~0xfffUL, 0, 0x2000, URW, 0), -EINVAL); /* wraps */
}

static void test_unmap_splits_block(void **state)
{
    (void)state;
    assert_int_equal(pt_map(&pt, 0x200000, 0x40200000, 2 * MIB, URW, PT_MAP_BLOCKS), 0);
    int before = tables_live;
    struct leaves l = {0};
    assert_int_equal(pt_unmap(&pt, 0x300000, PAGE_SIZE, collect, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.by_level[3], 1);
    assert_int_equal(l.va[0], 0x300000);
    assert_int_equal(tables_live, before + 1); /* the split made an L3 table */
    uint64_t pa;
    assert_int_equal(pt_translate(&pt, 0x300000, &pa), -ENOENT);
    assert_int_equal(pt_translate(&pt, 0x2ff000, &pa), 0);
    assert_int_equal(pa, 0x402ff000);
    assert_int_equal(pt_translate(&pt, 0x301000, &pa), 0);
    assert_int_equal(pa, 0x40301000);
    pte_t e;
    assert_int_equal(pt_lookup(&pt, 0x301000, &e, NULL), 0);
    assert_int_equal(e, 0x0060000040301f47UL); /* same attributes, page type */
    /* Unmapping the rest frees every table but the root. */
    memset(&l, 0, sizeof(l));
    assert_int_equal(pt_unmap(&pt, 0, 1UL << 39, collect, &l), 0);
    assert_int_equal(l.n, 511);
    assert_int_equal(tables_live, 1);
}

static void test_protect_part_of_block(void **state)
{
    (void)state;
    assert_int_equal(pt_map(&pt, 0x200000, 0x40200000, 4 * MIB, URW, PT_MAP_BLOCKS), 0);
    assert_int_equal(pt_protect(&pt, 0x3ff000, 0x2000, MM_PROT_READ | MM_PROT_USER), 0);
    pte_t e;
    int level;
    assert_int_equal(pt_lookup(&pt, 0x3ff000, &e, &level), 0);
    assert_int_equal(level, 3);
    assert_int_equal(e, 0x00600000403fffc7UL);
    assert_int_equal(pt_lookup(&pt, 0x400000, &e, &level), 0);
    assert_int_equal(e, 0x0060000040400fc7UL);
    assert_int_equal(pt_lookup(&pt, 0x3fe000, &e, &level), 0);
    assert_int_equal(pt_attrs_to_prot(e), URW);
    assert_int_equal(pt_lookup(&pt, 0x401000, &e, &level), 0);
    assert_int_equal(pt_attrs_to_prot(e), URW);
    /* Whole blocks are re-protected in place. */
    assert_int_equal(pt_protect(&pt, 0, 1UL << 30, URX), 0);
    assert_int_equal(pt_lookup(&pt, 0x3fe000, &e, &level), 0);
    assert_int_equal(e, 0x00200000403fefc7UL);
    assert_int_equal(pt_protect(&pt, 0x1000, 0x1000, MM_PROT_USER), -EINVAL);
}

static void test_top_of_address_space(void **state)
{
    (void)state;
    uint64_t va = 0xffffffffffe00000UL;
    assert_int_equal(pt_map(&pt, va, 0x40000000, 2 * MIB, KRW, PT_MAP_BLOCKS), 0);
    uint64_t pa;
    assert_int_equal(pt_translate(&pt, 0xffffffffffffffffUL, &pa), 0);
    assert_int_equal(pa, 0x401fffff);
    struct leaves l = {0};
    pt_walk(&pt, va, 2 * MIB, collect, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(pt_unmap(&pt, va + MIB, MIB, NULL, NULL), 0);
    assert_int_equal(pt_translate(&pt, va + MIB, &pa), -ENOENT);
    assert_int_equal(pt_translate(&pt, va + MIB - 1, &pa), 0);
}

static void test_out_of_tables_rolls_back(void **state)
{
    (void)state;
    table_limit = 3; /* root + L1 + L2: the L3 table cannot be had */
    assert_int_equal(pt_map(&pt, 0x200000, 0x40000000, 2 * MIB + PAGE_SIZE, URW, PT_MAP_BLOCKS),
                     -ENOMEM);
    struct leaves l = {0};
    pt_walk(&pt, 0, 1UL << 39, collect, &l);
    assert_int_equal(l.n, 0);
    assert_int_equal(tables_live, 1);
    table_limit = 0;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_encode_hand_checked),  T(test_decode_roundtrip),
        T(test_map_pages_raw_tables), T(test_blocks_where_aligned),
        T(test_huge_block),           T(test_map_errors),
        T(test_unmap_splits_block),   T(test_protect_part_of_block),
        T(test_top_of_address_space), T(test_out_of_tables_rolls_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
