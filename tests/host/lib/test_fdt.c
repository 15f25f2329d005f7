/*
 * The device tree parser on the board's own tree (compiled by dtc from the board DTS)
 * and on blobs corrupted in every way a reader could trip over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/fdt.h>

static uint8_t *dtb;
static size_t dtb_size;

static uint8_t *load(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    rewind(f);
    uint8_t *buf = malloc(*size);
    if (fread(buf, 1, *size, f) != *size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void test_board_boot_info(void **state)
{
    (void)state;
    struct fdt fdt;
    struct boot_info bi;
    assert_int_equal(fdt_open(&fdt, dtb, dtb_size), 0);
    assert_int_equal(fdt_boot_info(&fdt, &bi), 0);
    assert_int_equal(bi.n_mem, 1);
    assert_true(bi.mem[0].base == 0x40000000 && bi.mem[0].size == 0x40000000);
    assert_true(bi.uart_base == 0x9000000);
    assert_int_equal(bi.uart_irq, 1);
    assert_int_equal(bi.gic_version, 3);
    assert_true(bi.gicd_base == 0x8000000 && bi.gicr_base == 0x80a0000);
    assert_int_equal(bi.timer_virt_ppi, 11);
    assert_int_equal(bi.timer_phys_ppi, 14);
    assert_true(bi.rtc_base == 0x9010000);
    assert_int_equal(bi.psci, PSCI_HVC);
    assert_int_equal(bi.n_cpus, 4);
    for (int i = 0; i < 4; i++)
        assert_true(bi.cpu_mpidr[i] == (uint64_t)i);
    assert_string_equal(bi.bootargs, "");
}

static void test_paths_and_props(void **state)
{
    (void)state;
    struct fdt fdt;
    assert_int_equal(fdt_open(&fdt, dtb, dtb_size), 0);
    int uart = fdt_path_offset(&fdt, "/pl011@9000000");
    assert_true(uart >= 0);
    assert_string_equal(fdt_node_name(&fdt, uart), "pl011@9000000");
    assert_true(fdt_path_offset(&fdt, "/pl011") == uart); /* unit address optional */
    assert_true(fdt_node_is_compatible(&fdt, uart, "arm,primecell"));
    assert_false(fdt_node_is_compatible(&fdt, uart, "arm,pl01"));
    assert_int_equal(fdt_path_offset(&fdt, "/nonexistent"), FDT_ERR_NOTFOUND);
    assert_int_equal(fdt_path_offset(&fdt, "relative"), FDT_ERR_NOTFOUND);
    int cpu2 = fdt_path_offset(&fdt, "/cpus/cpu@2");
    uint64_t addr, size;
    assert_int_equal(fdt_reg(&fdt, cpu2, 0, &addr, &size), 0); /* #size-cells = 0 */
    assert_true(addr == 2 && size == 0);
    assert_int_equal(fdt_reg(&fdt, cpu2, 1, &addr, &size), FDT_ERR_NOTFOUND);
    size_t len;
    assert_null(fdt_getprop(&fdt, uart, "no-such-prop", &len));
    int n = 0;
    for (int v = fdt_next_compatible(&fdt, -1, "virtio,mmio"); v >= 0;
         v = fdt_next_compatible(&fdt, v, "virtio,mmio"))
        n++;
    assert_int_equal(n, 32);
}

static void test_chosen_and_memreserve(void **state)
{
    (void)state;
    /* A hand-assembled tree: /memreserve/, /chosen with bootargs and a 32-bit initrd. */
    static const char *src_path = "chosen.dts";
    FILE *f = fopen(src_path, "w");
    assert_non_null(f);
    fputs("/dts-v1/;\n/memreserve/ 0x48000000 0x1000;\n/ {\n #address-cells = <1>;\n"
          " #size-cells = <1>;\n memory@80000000 { device_type = \"memory\";"
          " reg = <0x80000000 0x10000000 0x90000000 0x1000>; };\n"
          " chosen { bootargs = \"init=/bin/sh quiet\"; linux,initrd-start = <0x88000000>;"
          " linux,initrd-end = <0x88100000>; };\n"
          " reserved-memory { #address-cells = <1>; #size-cells = <1>; ranges;\n"
          "  fw@8f000000 { reg = <0x8f000000 0x200000>; }; };\n};\n",
          f);
    fclose(f);
    assert_int_equal(system("dtc -q -I dts -O dtb -o chosen.dtb chosen.dts"), 0);
    size_t size;
    uint8_t *blob = load("chosen.dtb", &size);
    assert_non_null(blob);
    struct fdt fdt;
    struct boot_info bi;
    assert_int_equal(fdt_open(&fdt, blob, size), 0);
    assert_int_equal(fdt_boot_info(&fdt, &bi), 0);
    assert_int_equal(bi.n_mem, 2);
    assert_true(bi.mem[1].base == 0x90000000 && bi.mem[1].size == 0x1000);
    assert_string_equal(bi.bootargs, "init=/bin/sh quiet");
    assert_true(bi.initrd_start == 0x88000000 && bi.initrd_end == 0x88100000);
    assert_int_equal(bi.n_reserved, 2);
    assert_true(bi.reserved[0].base == 0x48000000 && bi.reserved[0].size == 0x1000);
    assert_true(bi.reserved[1].base == 0x8f000000 && bi.reserved[1].size == 0x200000);
    assert_int_equal(bi.gic_version, 0);
    assert_int_equal(bi.psci, PSCI_NONE);
    free(blob);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* Header fields corrupted one at a time must be refused by fdt_open. */
static void test_bad_headers(void **state)
{
    (void)state;
    uint8_t *copy = malloc(dtb_size);
    struct fdt fdt;
    static const struct {
        int offset;
        uint32_t value;
    } cases[] = {
        {0, 0xd00dfeee},  /* magic */
        {4, 0x7fffffff},  /* totalsize beyond the buffer */
        {4, 8},           /* totalsize smaller than a header */
        {8, 0x7ffffff0},  /* struct block outside */
        {12, 0x7ffffff0}, /* strings block outside */
        {20, 15},         /* version too old */
        {32, 0x7fffffff}, /* strings size */
        {36, 0x7fffffff}, /* struct size */
        {8, 0x41},        /* misaligned struct block */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(copy, dtb, dtb_size);
        put_be32(copy + cases[i].offset, cases[i].value);
        assert_int_equal(fdt_open(&fdt, copy, dtb_size), FDT_ERR_BADBLOB);
    }
    assert_int_equal(fdt_open(&fdt, dtb, 20), FDT_ERR_BADBLOB);  /* buffer too small */
    assert_int_equal(fdt_open(&fdt, dtb, dtb_size - 1), FDT_ERR_BADBLOB);
    free(copy);
}

/* Flipping any single byte of the structure block must never crash or read out of bounds
 * (ASan watches); the parser either still works or reports an error. */
static void test_corrupt_struct_bytes(void **state)
{
    (void)state;
    struct fdt good;
    assert_int_equal(fdt_open(&good, dtb, dtb_size), 0);
    for (uint32_t i = 0; i < good.size_struct; i += 3) {
        uint8_t *copy = malloc(dtb_size);
        memcpy(copy, dtb, dtb_size);
        copy[good.off_struct + i] ^= 0xff;
        struct fdt fdt;
        struct boot_info bi;
        if (fdt_open(&fdt, copy, dtb_size) == 0) {
            (void)fdt_boot_info(&fdt, &bi);
            (void)fdt_path_offset(&fdt, "/cpus/cpu@3");
            (void)fdt_next_compatible(&fdt, -1, "arm,pl031");
        }
        free(copy);
    }
}

/* A truncated structure block: the tree ends before the END token. */
static void test_truncated_struct(void **state)
{
    (void)state;
    uint8_t *copy = malloc(dtb_size);
    memcpy(copy, dtb, dtb_size);
    struct fdt fdt;
    assert_int_equal(fdt_open(&fdt, copy, dtb_size), 0);
    put_be32(copy + 36, 64); /* size_dt_struct: just past the root's first token */
    assert_int_equal(fdt_open(&fdt, copy, dtb_size), 0);
    struct boot_info bi;
    assert_true(fdt_boot_info(&fdt, &bi) < 0);
    assert_true(fdt_path_offset(&fdt, "/cpus") < 0);
    free(copy);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !(dtb = load(argv[1], &dtb_size))) {
        fprintf(stderr, "usage: test_fdt BOARD.dtb\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_board_boot_info),     cmocka_unit_test(test_paths_and_props),
        cmocka_unit_test(test_chosen_and_memreserve), cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_corrupt_struct_bytes), cmocka_unit_test(test_truncated_struct),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    free(dtb);
    return r;
}
