/*
 * libos/exec/shebang.c: "#!" parsing and argv rewriting, by hand-checked cases and against
 * the host's Linux kernel: each script line is written to a file whose interpreter is the
 * stackdump helper, executed by the kernel, and the argv the kernel built is compared with
 * ours (or the kernel's errno with ours). Argument: the stackdump helper's path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <lib/errno.h>
#include <libos/exec.h>
#include "kernel_oracle.h"

static const char *stackdump;
static char tmpdir[64];

static void expect(const char *line, size_t len, const char *interp, const char *arg)
{
    struct exec_shebang sb;
    assert_int_equal(exec_shebang_parse(line, len, &sb), 0);
    assert_string_equal(sb.interp, interp);
    if (arg)
        assert_string_equal(sb.arg, arg);
    else
        assert_null(sb.arg);
}

static void expect_fail(const char *line, size_t len)
{
    struct exec_shebang sb;
    assert_int_equal(exec_shebang_parse(line, len, &sb), -ENOEXEC);
}

#define EXPECT(s, i, a) expect(s, sizeof(s) - 1, i, a)
#define FAIL(s)         expect_fail(s, sizeof(s) - 1)

static void test_parse(void **state)
{
    (void)state;
    EXPECT("#!/bin/sh\n", "/bin/sh", NULL);
    EXPECT("#!/bin/sh\necho hi\n", "/bin/sh", NULL);
    EXPECT("#! \t /bin/sh\n", "/bin/sh", NULL);
    EXPECT("#!/bin/sh  \t \n", "/bin/sh", NULL);
    EXPECT("#!/bin/sh -e\n", "/bin/sh", "-e");
    EXPECT("#!/bin/sh\t-e\n", "/bin/sh", "-e");
    EXPECT("#!  /usr/bin/env   python3 -u \t x  \t\n", "/usr/bin/env", "python3 -u \t x");
    EXPECT("#!/bin/sh", "/bin/sh", NULL); /* no newline, short file: NUL padded */
    EXPECT("#!/bin/sh -x", "/bin/sh", "-x");
    EXPECT("#!/bin/sh\0 -x\n", "/bin/sh", NULL); /* NUL ends the line before the newline */
    EXPECT("#!/bin/sh\r\n", "/bin/sh\r", NULL);  /* CR is not a blank (Linux: ENOENT later) */
    FAIL("");
    FAIL("#");
    EXPECT("#!", "", NULL); /* NUL padding is not blank: Linux looks "" up (EACCES) */
    EXPECT("#!  ", "", NULL);
    FAIL("#!\n");
    FAIL("#! \t \n");
    FAIL("#/bin/sh\n");
    FAIL(" #!/bin/sh\n");
    FAIL("\177ELF\2\1\1");

    /* No newline in the first 256 bytes. */
    char buf[400];
    memset(buf, 'x', sizeof(buf));
    memcpy(buf, "#!/", 3);
    expect_fail(buf, sizeof(buf)); /* the path may be cut short */
    memcpy(buf, "#!/bin/sh ", 10);
    struct exec_shebang sb;
    assert_int_equal(exec_shebang_parse(buf, sizeof(buf), &sb), 0);
    assert_string_equal(sb.interp, "/bin/sh");
    assert_int_equal(strlen(sb.arg), 256 - 10 - 1); /* the buffer's last byte is dropped */
    /* A newline just past the buffer does not count. */
    memset(buf, 'x', sizeof(buf));
    memcpy(buf, "#!/", 3);
    buf[256] = '\n';
    expect_fail(buf, sizeof(buf));
    /* A newline as the buffer's last byte does. */
    buf[255] = '\n';
    assert_int_equal(exec_shebang_parse(buf, sizeof(buf), &sb), 0);
    assert_int_equal(strlen(sb.interp), 253);
    assert_int_equal(exec_shebang_parse(NULL, 3, &sb), -EINVAL);
}

static void test_argv(void **state)
{
    (void)state;
    struct exec_shebang sb;
    const char *out[8];
    const char *argv[] = {"script", "a", "b c"};
    assert_int_equal(exec_shebang_parse("#!/bin/sh -e x\n", 15, &sb), 0);
    assert_int_equal(exec_shebang_argv(&sb, "./s", argv, 3, out, 8), 5);
    const char *want[] = {"/bin/sh", "-e x", "./s", "a", "b c"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(out[i], want[i]);
    assert_int_equal(exec_shebang_argv(&sb, "./s", argv, 3, out, 4), -E2BIG);
    /* No argument; argc 0 (nothing to replace). */
    assert_int_equal(exec_shebang_parse("#!/bin/sh\n", 10, &sb), 0);
    assert_int_equal(exec_shebang_argv(&sb, "/x/s", NULL, 0, out, 8), 2);
    assert_string_equal(out[0], "/bin/sh");
    assert_string_equal(out[1], "/x/s");
    assert_int_equal(exec_shebang_argv(&sb, "/x/s", argv, 1, out, 8), 2);
    assert_int_equal(exec_shebang_argv(&sb, NULL, argv, 1, out, 8), -EINVAL);
}

static void test_depth(void **state)
{
    (void)state;
    for (unsigned d = 0; d <= 5; d++)
        assert_int_equal(exec_script_depth_check(d), 0);
    assert_int_equal(exec_script_depth_check(6), -ELOOP);
    assert_int_equal(exec_script_depth_check(100), -ELOOP);
}

/* Write an executable file with contents (len bytes). */
static void write_script(const char *path, const char *contents, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(contents, 1, len, f), len);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
}

/* What our code makes of executing path with argv: the final argv, or an error. Follows
 * "#!" files like the exec loop will (depth-limited), stopping at a non-script. */
struct ours {
    int err;
    size_t argc;
    const char *argv[64];
    struct exec_shebang sb[8];
    char paths[8][300];
};

static void run_ours(struct ours *o, const char *path, const char *const *argv, size_t argc)
{
    memset(o, 0, sizeof(*o));
    for (size_t i = 0; i < argc; i++)
        o->argv[i] = argv[i];
    o->argc = argc;
    for (unsigned depth = 0;; depth++) {
        if ((o->err = exec_script_depth_check(depth)))
            return;
        char head[EXEC_BINPRM_BUF_SIZE];
        if (!*path) { /* Linux opens "" as the current directory: not a regular file */
            o->err = -EACCES;
            return;
        }
        FILE *f = fopen(path, "rb");
        if (!f) {
            o->err = -ENOENT;
            return;
        }
        size_t n = fread(head, 1, sizeof(head), f);
        fclose(f);
        if (exec_is_elf(head, n))
            return;
        struct exec_shebang *sb = &o->sb[depth];
        if ((o->err = exec_shebang_parse(head, n, sb)))
            return;
        const char *next[64];
        long c = exec_shebang_argv(sb, path, o->argv, o->argc, next, 64);
        assert_true(c > 0);
        memcpy(o->argv, next, sizeof(next));
        o->argc = (size_t)c;
        snprintf(o->paths[depth], sizeof(o->paths[depth]), "%s", sb->interp);
        path = o->paths[depth];
    }
}

/* The kernel and we agree on executing path with argv. Returns false if the kernel could
 * not be asked. */
static bool agree(const char *path, char *const *argv, size_t argc)
{
    char *envp[] = {NULL};
    struct kdump d;
    if (kernel_exec(path, argv, envp, 0, &d))
        return false;
    struct ours o;
    run_ours(&o, path, (const char *const *)argv, argc);
    if (d.exec_errno) {
        assert_int_equal(-o.err, d.exec_errno);
        return true;
    }
    assert_int_equal(o.err, 0);
    const char *kargv[64];
    size_t kargc = kdump_argv(&d, kargv, 64);
    assert_int_equal(kargc, o.argc);
    for (size_t i = 0; i < kargc; i++)
        assert_string_equal(kargv[i], o.argv[i]);
    kdump_free(&d);
    return true;
}

static void test_against_linux(void **state)
{
    (void)state;
    /* %s is the interpreter (stackdump). */
    static const char *lines[] = {
        "#!%s\n",
        "#!%s\necho\n",
        "#! \t %s\n",
        "#!%s  \t \n",
        "#!%s -e\n",
        "#!%s\t-e\n",
        "#!  %s   one  two \t three \t\n",
        "#!%s",
        "#!%s -x",
        "#!%s /* trailing */ ",
        "#!\n",
        "#!  \n",
        "#!",
        "#!   ",
        "#!%s\r\n",
    };
    char script[128], line[512], *argv[] = {"orig0", "x", "y z", NULL}, *argv1[] = {"o", NULL};
    snprintf(script, sizeof(script), "%s/script", tmpdir);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        int n = snprintf(line, sizeof(line), lines[i], stackdump);
        write_script(script, line, (size_t)n);
        if (!agree(script, argv, 3))
            skip();
        assert_true(agree(script, argv1, 1));
    }
    /* Lines longer than the 256-byte buffer, with and without a newline inside it. */
    size_t plen = strlen(stackdump);
    for (size_t total = 250; total <= 270; total++) {
        for (int nl = 0; nl < 2; nl++) {
            memset(line, 'a', sizeof(line));
            memcpy(line, "#!", 2);
            memcpy(line + 2, stackdump, plen);
            line[2 + plen] = ' ';
            if (nl)
                line[total - 1] = '\n';
            write_script(script, line, total);
            assert_true(agree(script, argv, 3));
        }
    }
    /* The interpreter path itself cut by the buffer: Linux refuses (ENOEXEC). */
    memset(line, '/', 300);
    memcpy(line, "#!", 2);
    write_script(script, line, 300);
    assert_true(agree(script, argv, 3));
    unlink(script);
}

/* Chains of scripts: s1 runs stackdump, s2 runs s1, ...; Linux allows 5 and refuses 6. */
static void test_nesting_against_linux(void **state)
{
    (void)state;
    char paths[8][128], line[256], *argv[] = {"orig0", "arg", NULL};
    const char *prev = stackdump;
    for (int i = 1; i <= 7; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s/s%d", tmpdir, i);
        int n = snprintf(line, sizeof(line), "#!%s a%d\n", prev, i);
        write_script(paths[i], line, (size_t)n);
        prev = paths[i];
    }
    for (int i = 1; i <= 7; i++) {
        if (!agree(paths[i], argv, 2))
            skip();
        struct ours o;
        run_ours(&o, paths[i], (const char *const *)argv, 2);
        assert_int_equal(o.err, i <= 5 ? 0 : -ELOOP);
    }
    for (int i = 1; i <= 7; i++)
        unlink(paths[i]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s STACKDUMP\n", argv[0]);
        return 1;
    }
    stackdump = argv[1];
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/exo-shebang-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_argv),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_against_linux),
        cmocka_unit_test(test_nesting_against_linux),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(tmpdir);
    return rc;
}
