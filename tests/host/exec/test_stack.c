/*
 * libos/exec/stack.c: the initial stack.
 *  - Structure checks on our own output (arm64 auxv set and order, pointers, alignment).
 *  - Byte-for-byte against the host's Linux kernel: stackdump is executed with ASLR off and
 *    sends back [sp, stack top); we build the same stack from the same inputs (strings, the
 *    random bytes, auxv values, platform string "x86_64" on this host) and compare every
 *    byte. create_elf_tables and the string copying in fs/exec.c are generic code, so this
 *    checks our layout; only ARCH_DLINFO and the platform string are per-architecture.
 *  - The E2BIG limits against the kernel (MAX_ARG_STRLEN, RLIMIT_STACK / 4, ARG_MAX).
 * Argument: the stackdump helper's path.
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
#include "kernel_oracle.h"

static const char *stackdump;
static const uint8_t random16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static uint64_t word_at(const uint8_t *buf, uint64_t base, uint64_t addr)
{
    uint64_t v;
    memcpy(&v, buf + (addr - base), 8);
    return v;
}

static struct exec_stack_args basic_args(uint8_t *buf, size_t size, const char *const *argv,
                                         size_t argc, const char *const *envp, size_t envc)
{
    struct exec_stack_args a = {
        .stack_top = EXEC_STACK_TOP,
        .buf = buf,
        .buf_size = size,
        .argv = argv,
        .argc = argc,
        .envp = envp,
        .envc = envc,
        .execfn = "/bin/prog",
        .random = random16,
        .platform = EXEC_PLATFORM,
        .rlimit_stack = 8 << 20,
        .aux = {.sysinfo_ehdr = 0xfffff7ffd000,
                .minsigstksz = 5232,
                .hwcap = 0xefff,
                .hwcap2 = 0x3,
                .phdr = 0x400040,
                .phent = 56,
                .phnum = 6,
                .base = 0x1234000,
                .entry = 0x400580,
                .uid = 1000,
                .euid = 1001,
                .gid = 100,
                .egid = 101},
    };
    return a;
}

static void test_structure(void **state)
{
    (void)state;
    static uint8_t buf[16384];
    const char *argv[] = {"prog", "", "two words"};
    const char *envp[] = {"HOME=/", "A=b"};
    struct exec_stack_args a = basic_args(buf, sizeof(buf), argv, 3, envp, 2);
    struct exec_stack_layout l, m;
    assert_int_equal(exec_stack_build(&a, &l), 0);
    uint64_t top = a.stack_top, base = top - sizeof(buf);

    assert_int_equal(l.sp % 16, 0);
    assert_int_equal(l.size, top - l.sp);
    assert_int_equal(word_at(buf, base, l.sp), 3);
    assert_int_equal(l.argv, l.sp + 8);
    assert_int_equal(l.envp, l.argv + 4 * 8);
    assert_int_equal(l.auxv, l.envp + 3 * 8);
    /* Strings ascend: argv, envp, execfn, then 8 zero bytes at the very top. */
    uint64_t at = l.arg_start;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(word_at(buf, base, l.argv + 8 * i), at);
        assert_string_equal((char *)buf + (at - base), argv[i]);
        at += strlen(argv[i]) + 1;
    }
    assert_int_equal(word_at(buf, base, l.argv + 24), 0);
    assert_int_equal(l.arg_end, at);
    assert_int_equal(l.env_start, at);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(word_at(buf, base, l.envp + 8 * i), at);
        assert_string_equal((char *)buf + (at - base), envp[i]);
        at += strlen(envp[i]) + 1;
    }
    assert_int_equal(word_at(buf, base, l.envp + 16), 0);
    assert_int_equal(l.env_end, at);
    assert_int_equal(l.execfn, at);
    assert_string_equal((char *)buf + (at - base), "/bin/prog");
    assert_int_equal(at + sizeof("/bin/prog"), top - 8);
    assert_int_equal(word_at(buf, base, top - 8), 0);
    /* Platform right below the 16-aligned string area; random bytes below it. */
    assert_int_equal(l.platform, (l.arg_start & ~15ULL) - 8);
    assert_string_equal((char *)buf + (l.platform - base), "aarch64");
    assert_int_equal(l.random, l.platform - 16);
    assert_memory_equal(buf + (l.random - base), random16, 16);

    /* The arm64 Linux 6.1 auxv, in order. */
    static const uint64_t want[][2] = {
        {AT_SYSINFO_EHDR, 0xfffff7ffd000},
        {AT_MINSIGSTKSZ, 5232},
        {AT_HWCAP, 0xefff},
        {AT_PAGESZ, 4096},
        {AT_CLKTCK, 100},
        {AT_PHDR, 0x400040},
        {AT_PHENT, 56},
        {AT_PHNUM, 6},
        {AT_BASE, 0x1234000},
        {AT_FLAGS, 0},
        {AT_ENTRY, 0x400580},
        {AT_UID, 1000},
        {AT_EUID, 1001},
        {AT_GID, 100},
        {AT_EGID, 101},
        {AT_SECURE, 0},
        {AT_RANDOM, 0 /* l.random */},
        {AT_HWCAP2, 3},
        {AT_EXECFN, 0},
        {AT_PLATFORM, 0},
        {AT_NULL, 0},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint64_t type = word_at(buf, base, l.auxv + 16 * i);
        uint64_t val = word_at(buf, base, l.auxv + 16 * i + 8);
        assert_int_equal(type, want[i][0]);
        if (type == AT_RANDOM)
            assert_int_equal(val, l.random);
        else if (type == AT_EXECFN)
            assert_int_equal(val, l.execfn);
        else if (type == AT_PLATFORM)
            assert_int_equal(val, l.platform);
        else
            assert_int_equal(val, want[i][1]);
    }
    /* Padding between the end of auxv and the random bytes, less than 16 bytes. */
    uint64_t aux_end = l.auxv + 16 * (sizeof(want) / sizeof(want[0]));
    assert_true(aux_end <= l.random && l.random - aux_end < 16);

    /* Measuring gives the same layout without touching memory. */
    a.buf = NULL;
    assert_int_equal(exec_stack_build(&a, &m), 0);
    assert_memory_equal(&l, &m, sizeof(l));
}

static void test_options(void **state)
{
    (void)state;
    static uint8_t buf[8192];
    const char *argv[] = {"p"};
    uint64_t extra[] = {27, 28, 28, 32};
    struct exec_stack_args a = basic_args(buf, sizeof(buf), argv, 1, NULL, 0);
    a.aux.sysinfo_ehdr = 0; /* no vDSO */
    a.aux.minsigstksz = 0;  /* Linux then says AT_IGNORE */
    a.platform = NULL;
    a.aux.extra = extra;
    a.aux.nextra = 2;
    struct exec_stack_layout l;
    assert_int_equal(exec_stack_build(&a, &l), 0);
    uint64_t base = a.stack_top - sizeof(buf);
    assert_int_equal(word_at(buf, base, l.auxv), AT_IGNORE);
    assert_int_equal(word_at(buf, base, l.auxv + 8), 0);
    assert_int_equal(word_at(buf, base, l.auxv + 16), AT_HWCAP);
    assert_int_equal(l.platform, 0);
    assert_int_equal(l.random, (l.arg_start & ~15ULL) - 16);
    /* AT_EXECFN is the 18th pair; then the extras, then AT_NULL. */
    assert_int_equal(word_at(buf, base, l.auxv + 16 * 17), AT_EXECFN);
    assert_int_equal(word_at(buf, base, l.auxv + 16 * 18), 27);
    assert_int_equal(word_at(buf, base, l.auxv + 16 * 18 + 8), 28);
    assert_int_equal(word_at(buf, base, l.auxv + 16 * 19), 28);
    assert_int_equal(word_at(buf, base, l.auxv + 16 * 20), AT_NULL);

    /* argc 0: Linux passes argv = {""}. */
    a.argc = 0;
    a.argv = NULL;
    assert_int_equal(exec_stack_build(&a, &l), 0);
    assert_int_equal(l.argc, 1);
    assert_int_equal(word_at(buf, base, l.sp), 1);
    assert_int_equal(word_at(buf, base, l.argv), l.arg_start);
    assert_int_equal(buf[l.arg_start - base], 0);
    assert_int_equal(word_at(buf, base, l.argv + 8), 0);
}

static void test_errors(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    const char *argv[] = {"p"};
    struct exec_stack_layout l;
    struct exec_stack_args a = basic_args(buf, sizeof(buf), argv, 1, NULL, 0);
    a.stack_top += 8;
    assert_int_equal(exec_stack_build(&a, &l), -EINVAL);
    a = basic_args(buf, 64, argv, 1, NULL, 0);
    assert_int_equal(exec_stack_build(&a, &l), -ENOSPC);
    a = basic_args(buf, sizeof(buf), argv, 1, NULL, 0);
    a.execfn = NULL;
    assert_int_equal(exec_stack_build(&a, &l), -EINVAL);
    a = basic_args(buf, sizeof(buf), NULL, 2, NULL, 0);
    assert_int_equal(exec_stack_build(&a, &l), -EINVAL);
    assert_int_equal(exec_stack_build(NULL, &l), -EINVAL);
    a = basic_args(buf, sizeof(buf), argv, 1, NULL, 0);
    a.stack_top = 256; /* the layout would wrap below address 0 */
    assert_int_equal(exec_stack_build(&a, &l), -ENOSPC);

    /* One string of MAX_ARG_STRLEN bytes with its NUL fits; one more byte does not. */
    char *big = malloc(EXEC_MAX_ARG_STRLEN + 1);
    memset(big, 'x', EXEC_MAX_ARG_STRLEN);
    big[EXEC_MAX_ARG_STRLEN - 1] = 0;
    const char *bigv[] = {big};
    a = basic_args(NULL, 0, bigv, 1, NULL, 0);
    assert_int_equal(exec_stack_build(&a, &l), 0);
    big[EXEC_MAX_ARG_STRLEN - 1] = 'x';
    big[EXEC_MAX_ARG_STRLEN] = 0;
    assert_int_equal(exec_stack_build(&a, &l), -E2BIG);
    free(big);

    /* Pointers count too: 16385 empty strings' pointers fill ARG_MAX by themselves. */
    static const char *many[16400];
    for (size_t i = 0; i < 16400; i++)
        many[i] = "";
    a = basic_args(NULL, 0, many, 16383, NULL, 0);
    a.rlimit_stack = 64 << 10;                          /* limit: max(64K / 4, ARG_MAX) = 128K */
    assert_int_equal(exec_stack_build(&a, &l), -E2BIG); /* 16383*9 + execfn > 128K-... */
    a.argc = 14000;
    assert_int_equal(exec_stack_build(&a, &l), 0);
    a.argc = 16384;
    assert_int_equal(exec_stack_build(&a, &l), -E2BIG);
}

/* ---- the kernel as oracle ---- */

static bool known_aux(uint64_t t)
{
    static const uint64_t known[] = {
        AT_SYSINFO_EHDR, AT_MINSIGSTKSZ, AT_IGNORE, AT_HWCAP,  AT_PAGESZ, AT_CLKTCK, AT_PHDR,
        AT_PHENT,        AT_PHNUM,       AT_BASE,   AT_FLAGS,  AT_ENTRY,  AT_UID,    AT_EUID,
        AT_GID,          AT_EGID,        AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_PLATFORM};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i] == t)
            return true;
    return false;
}

/* Have the kernel run stackdump with argv/envp; build the same with our code; compare.
 * Returns false if the kernel could not be asked. */
static bool same_as_linux(char *const *argv, char *const *envp)
{
    struct kdump d;
    if (kernel_exec(stackdump, argv, envp, 0, &d) || d.exec_errno)
        return false;
    uint64_t argc = kdump_word(&d, d.sp);
    size_t envc = 0, n_argv = 0;
    while (argv[n_argv])
        n_argv++;
    while (envp[envc])
        envc++;
    assert_int_equal(argc, n_argv ? n_argv : 1);

    struct exec_stack_args a = {
        .stack_top = d.top,
        .argv = (const char *const *)argv,
        .argc = n_argv,
        .envp = (const char *const *)envp,
        .envc = envc,
        .rlimit_stack = 8 << 20,
    };
    static uint64_t extra[64];
    size_t nextra = 0;
    uint64_t aux = d.sp + 8 * (argc + 1 + envc + 1 + 1);
    for (;; aux += 16) {
        uint64_t t = kdump_word(&d, aux), v = kdump_word(&d, aux + 8);
        if (t == AT_NULL)
            break;
        switch (t) {
        case AT_SYSINFO_EHDR:
            a.aux.sysinfo_ehdr = v;
            break;
        case AT_MINSIGSTKSZ:
            a.aux.minsigstksz = v;
            break;
        case AT_HWCAP:
            a.aux.hwcap = v;
            break;
        case AT_HWCAP2:
            a.aux.hwcap2 = v;
            break;
        case AT_PAGESZ:
            assert_int_equal(v, 4096);
            break;
        case AT_CLKTCK:
            assert_int_equal(v, 100);
            break;
        case AT_PHDR:
            a.aux.phdr = v;
            break;
        case AT_PHENT:
            a.aux.phent = v;
            break;
        case AT_PHNUM:
            a.aux.phnum = v;
            break;
        case AT_BASE:
            a.aux.base = v;
            break;
        case AT_FLAGS:
            a.aux.flags = v;
            break;
        case AT_ENTRY:
            a.aux.entry = v;
            break;
        case AT_UID:
            a.aux.uid = v;
            break;
        case AT_EUID:
            a.aux.euid = v;
            break;
        case AT_GID:
            a.aux.gid = v;
            break;
        case AT_EGID:
            a.aux.egid = v;
            break;
        case AT_SECURE:
            a.aux.secure = v;
            break;
        case AT_RANDOM:
            assert_true(v >= d.sp && v + 16 <= d.top);
            a.random = d.bytes + (v - d.sp);
            break;
        case AT_EXECFN:
            a.execfn = kdump_str(&d, v);
            break;
        case AT_PLATFORM:
            a.platform = kdump_str(&d, v);
            break;
        default:
            assert_false(known_aux(t));
            assert_true(nextra + 2 <= 64);
            extra[nextra++] = t;
            extra[nextra++] = v;
        }
    }
    a.aux.extra = extra;
    a.aux.nextra = nextra / 2;
    assert_non_null(a.execfn);
    assert_string_equal(a.execfn, stackdump);
    assert_non_null(a.random);

    size_t size = d.len + 4096;
    uint8_t *buf = malloc(size);
    memset(buf, 0xa5, size);
    a.buf = buf;
    a.buf_size = size;
    struct exec_stack_layout l;
    assert_int_equal(exec_stack_build(&a, &l), 0);
    assert_int_equal(l.sp, d.sp);
    assert_int_equal(l.size, d.len);
    const uint8_t *ours = buf + (size - d.len);
    for (size_t i = 0; i < d.len; i++)
        if (ours[i] != d.bytes[i])
            fail_msg("byte at sp+%zu (0x%lx): ours %02x, Linux %02x", i, (unsigned long)(d.sp + i),
                     ours[i], d.bytes[i]);
    free(buf);
    kdump_free(&d);
    return true;
}

static void test_against_linux(void **state)
{
    (void)state;
    char *e0[] = {NULL};
    char *a1[] = {"stackdump", NULL};
    if (!same_as_linux(a1, e0))
        skip();
    char *a3[] = {"a", "bb", "ccc", NULL}, *e2[] = {"X=1", "LONGER=value", NULL};
    assert_true(same_as_linux(a3, e2));
    char *none[] = {NULL}, *e1[] = {"E=1", NULL};
    assert_true(same_as_linux(none, e1)); /* argc 0: the kernel adds "" */
    char *empty[] = {"", "", NULL};
    assert_true(same_as_linux(empty, e0));
    /* Every string-area length modulo 16, for both paddings. */
    char s[64];
    for (int len = 0; len < 40; len++) {
        memset(s, 'q', (size_t)len);
        s[len] = 0;
        char *av[] = {s, NULL}, *ev[] = {s, "Z=", NULL};
        assert_true(same_as_linux(av, e0));
        assert_true(same_as_linux(av, ev));
    }
    /* Many arguments. */
    static char *many[2001];
    static char storage[2000][8];
    for (int i = 0; i < 2000; i++) {
        snprintf(storage[i], sizeof(storage[i]), "%d", i);
        many[i] = storage[i];
    }
    many[2000] = NULL;
    assert_true(same_as_linux(many, e2));
}

/* Does the kernel accept these argv (envp empty) under this RLIMIT_STACK? Compare with us. */
static void limits_agree(char *const *argv, size_t argc, uint64_t rlimit, int expect)
{
    char *envp[] = {NULL};
    struct kdump d;
    if (kernel_exec(stackdump, argv, envp, rlimit, &d))
        skip();
    struct exec_stack_args a = {.stack_top = EXEC_STACK_TOP,
                                .argv = (const char *const *)argv,
                                .argc = argc,
                                .execfn = stackdump,
                                .random = random16,
                                .platform = "x86_64",
                                .rlimit_stack = rlimit};
    struct exec_stack_layout l;
    int ours = exec_stack_build(&a, &l);
    assert_int_equal(-ours, d.exec_errno);
    assert_int_equal(ours, expect);
    kdump_free(&d);
}

/* Strings totalling exactly the limit are accepted, one byte more is E2BIG: the kernel and
 * we agree on both sides of the boundary for two stack limits and for MAX_ARG_STRLEN. */
static void test_limits_against_linux(void **state)
{
    (void)state;
    static char bufs[20][EXEC_MAX_ARG_STRLEN];
    char *argv[22];
    uint64_t rlimits[] = {1 << 20, 8 << 20};
    for (int r = 0; r < 2; r++) {
        uint64_t limit = rlimits[r] / 4 > EXEC_ARG_MAX ? rlimits[r] / 4 : EXEC_ARG_MAX;
        size_t nargs = (size_t)(limit / 120000) + 1; /* each under MAX_ARG_STRLEN */
        assert_true(nargs <= 20);
        uint64_t fixed = nargs * 8 + strlen(stackdump) + 1; /* pointers and execfn */
        uint64_t room = limit - fixed;                      /* for nargs strings + NULs */
        for (int delta = 0; delta <= 1; delta++) {
            uint64_t left = room + (uint64_t)delta;
            for (size_t i = 0; i < nargs; i++) {
                size_t len = (size_t)(i + 1 < nargs ? left / (nargs - i) : left);
                memset(bufs[i], 'y', len - 1);
                bufs[i][len - 1] = 0;
                argv[i] = bufs[i];
                left -= len;
            }
            argv[nargs] = NULL;
            limits_agree(argv, nargs, rlimits[r], delta ? -E2BIG : 0);
        }
    }
    /* One string: MAX_ARG_STRLEN with its NUL is fine, a byte more is not. */
    memset(bufs[0], 'z', EXEC_MAX_ARG_STRLEN);
    bufs[0][EXEC_MAX_ARG_STRLEN - 1] = 0;
    argv[0] = bufs[0];
    argv[1] = NULL;
    limits_agree(argv, 1, 8 << 20, 0);
    bufs[0][EXEC_MAX_ARG_STRLEN - 1] = 'z'; /* now runs into bufs[1] ... */
    bufs[1][0] = 0;                         /* ... and ends one byte later */
    limits_agree(argv, 1, 8 << 20, -E2BIG);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s STACKDUMP\n", argv[0]);
        return 1;
    }
    stackdump = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_against_linux),
        cmocka_unit_test(test_limits_against_linux),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
