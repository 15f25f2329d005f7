/*
 * Under qemu-aarch64 (Linux user-mode emulation), a static arm64 program reports the auxv it
 * got. qemu lays the stack out its own way (its auxv order and string placement differ from
 * Linux's, see libos/exec/README.md), so only arm64 facts are compared: AT_PHDR, AT_PHENT,
 * AT_PHNUM, AT_ENTRY against our plan of the same file, AT_PLATFORM "aarch64", AT_PAGESZ,
 * and a 16-byte aligned SP with envp right after argv. Arguments: QEMU FIXTURE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include <libos/exec.h>

static const char *qemu, *fixture;

static long file_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    FILE *f = ctx;
    if (fseek(f, (long)off, SEEK_SET))
        return -EIO;
    return (long)fread(buf, 1, len, f);
}

static void test_auxv_matches_plan(void **state)
{
    (void)state;
    FILE *f = fopen(fixture, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    struct exec_file file = {file_read, f, (uint64_t)ftell(f)};
    struct exec_elf_plan plan;
    assert_int_equal(exec_elf_plan(&file, &plan), 0);
    fclose(f);
    assert_int_equal(plan.type, ET_EXEC);

    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "env -i A=1 '%s' '%s' x 'y z'", qemu, fixture);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512], platform[64] = "";
    unsigned long argc = 0, argc_sp = 0, mod = 99, t, v;
    int follows = 0;
    uint32_t seen = 0;
    while (fgets(line, sizeof(line), p)) {
        if (sscanf(line, "argc %lu %lu", &argc, &argc_sp) == 2 ||
            sscanf(line, "sp_mod16 %lu", &mod) == 1 ||
            sscanf(line, "envp_follows_argv %d", &follows) == 1 ||
            sscanf(line, "platform %63s", platform) == 1)
            continue;
        if (sscanf(line, "aux %lu %lu", &t, &v) != 2)
            continue;
        seen |= 1u << (t < 31 ? t : 31);
        if (t == AT_PHDR)
            assert_int_equal(v, plan.phdr_addr);
        if (t == AT_PHENT)
            assert_int_equal(v, plan.phent);
        if (t == AT_PHNUM)
            assert_int_equal(v, plan.phnum);
        if (t == AT_ENTRY)
            assert_int_equal(v, plan.entry);
        if (t == AT_PAGESZ)
            assert_int_equal(v, EXEC_PAGE_SIZE);
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(argc, 3);
    assert_int_equal(argc_sp, 3);
    assert_int_equal(mod, 0);
    assert_int_equal(follows, 1);
    assert_string_equal(platform, EXEC_PLATFORM);
    uint32_t want =
        1u << AT_PHDR | 1u << AT_PHENT | 1u << AT_PHNUM | 1u << AT_ENTRY | 1u << AT_PAGESZ;
    assert_int_equal(seen & want, want);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 1;
    qemu = argv[1];
    fixture = argv[2];
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_auxv_matches_plan)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
