/*
 * The arm64 signal frame against an oracle: fixture_sigframe (a static arm64 program) runs
 * under qemu-aarch64, whose Linux emulation builds signal frames like the arm64 kernel,
 * takes SIGUSR1 on an alternate stack with SA_SIGINFO (glibc: no SA_RESTORER, so x30 is
 * qemu's sigreturn trampoline, as Linux's vDSO one would be) and dumps the frame and the
 * handler's entry registers. Checked here:
 *   - the uapi offsets (compiled for arm64) equal ours;
 *   - parsing qemu's frame finds the registers the fixture loaded (x19..x28, v16..v31);
 *   - rebuilding the frame from that state gives the same address, the same 4704 bytes and
 *     the same entry registers.
 * qemu runs with -cpu cortex-a72: with -cpu max it adds SVE, TPIDR2 and ZA records that
 * Linux writes only for tasks using SVE/SME (and that this libOS never writes).
 * Arguments: QEMU FIXTURE.
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
#include <libos/signal.h>

static const char *qemu, *fixture;

struct oracle {
    uint64_t handler, x0, x1, x2, x29, x30, sp, alt_sp, alt_size;
    uint8_t frame[SIGFRAME_SIZE];
    size_t frame_len;
    char offs[64][32];
    size_t off_val[64];
    int noffs;
};

static int hexval(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void run_oracle(struct oracle *o)
{
    memset(o, 0, sizeof(*o));
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "'%s' -cpu cortex-a72 '%s'", qemu, fixture);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char line[16384];
    while (fgets(line, sizeof(line), p)) {
        unsigned long a, b, c, d, e, f;
        char name[32];
        size_t v;
        if (sscanf(line, "handler %lx", &a) == 1) {
            o->handler = a;
        } else if (sscanf(line, "entry x0 %lx x1 %lx x2 %lx x29 %lx x30 %lx sp %lx", &a, &b, &c, &d,
                          &e, &f) == 6) {
            o->x0 = a, o->x1 = b, o->x2 = c, o->x29 = d, o->x30 = e, o->sp = f;
        } else if (sscanf(line, "altstack %lx %lu", &a, &b) == 2) {
            o->alt_sp = a, o->alt_size = b;
        } else if (sscanf(line, "off %31s %zu", name, &v) == 2 && o->noffs < 64) {
            strcpy(o->offs[o->noffs], name);
            o->off_val[o->noffs++] = v;
        } else if (!strncmp(line, "frame ", 6)) {
            for (const char *h = line + 6; h[0] && h[1] && h[0] != '\n'; h += 2) {
                assert_true(o->frame_len < sizeof(o->frame));
                o->frame[o->frame_len++] = (uint8_t)(hexval(h[0]) << 4 | hexval(h[1]));
            }
        }
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(o->frame_len, SIGFRAME_SIZE);
}

static size_t oracle_off(const struct oracle *o, const char *name)
{
    for (int i = 0; i < o->noffs; i++)
        if (!strcmp(o->offs[i], name))
            return o->off_val[i];
    fail_msg("no offset %s from the oracle", name);
    return 0;
}

static void test_uapi_offsets(void **state)
{
    struct oracle *o = *state;
    assert_int_equal(oracle_off(o, "info"), offsetof(struct linux_rt_sigframe, info));
    assert_int_equal(oracle_off(o, "uc"), offsetof(struct linux_rt_sigframe, uc));
    assert_int_equal(oracle_off(o, "uc_flags"), offsetof(struct linux_ucontext, uc_flags));
    assert_int_equal(oracle_off(o, "uc_link"), offsetof(struct linux_ucontext, uc_link));
    assert_int_equal(oracle_off(o, "uc_stack"), offsetof(struct linux_ucontext, uc_stack));
    assert_int_equal(oracle_off(o, "uc_sigmask"), offsetof(struct linux_ucontext, uc_sigmask));
    assert_int_equal(oracle_off(o, "uc_mcontext"), offsetof(struct linux_ucontext, uc_mcontext));
    assert_int_equal(oracle_off(o, "fault_address"),
                     offsetof(struct linux_sigcontext, fault_address));
    assert_int_equal(oracle_off(o, "regs"), offsetof(struct linux_sigcontext, regs));
    assert_int_equal(oracle_off(o, "sp"), offsetof(struct linux_sigcontext, sp));
    assert_int_equal(oracle_off(o, "pc"), offsetof(struct linux_sigcontext, pc));
    assert_int_equal(oracle_off(o, "pstate"), offsetof(struct linux_sigcontext, pstate));
    assert_int_equal(oracle_off(o, "reserved"), offsetof(struct linux_sigcontext, __reserved));
    assert_int_equal(oracle_off(o, "fpsr"), offsetof(struct linux_fpsimd_context, fpsr));
    assert_int_equal(oracle_off(o, "fpcr"), offsetof(struct linux_fpsimd_context, fpcr));
    assert_int_equal(oracle_off(o, "vregs"), offsetof(struct linux_fpsimd_context, vregs));
    assert_int_equal(oracle_off(o, "ss_sp"), offsetof(struct linux_stack, ss_sp));
    assert_int_equal(oracle_off(o, "ss_flags"), offsetof(struct linux_stack, ss_flags));
    assert_int_equal(oracle_off(o, "ss_size"), offsetof(struct linux_stack, ss_size));
}

/* The state qemu saved, read back with our parser. */
static void parse_oracle(const struct oracle *o, struct exo_context *ctx, uint64_t *mask,
                         linux_stack_t *ss)
{
    memset(ctx, 0, sizeof(*ctx));
    assert_int_equal(sigframe_parse(o->frame, o->sp, ctx, mask, ss), 0);
}

static void test_parse_finds_loaded_registers(void **state)
{
    struct oracle *o = *state;
    struct exo_context ctx;
    uint64_t mask;
    linux_stack_t ss;
    parse_oracle(o, &ctx, &mask, &ss);
    static const uint64_t x[] = {0x1919, 0x2020, 0x2121, 0x2222, 0x2323,
                                 0x2424, 0x2525, 0x2626, 0x2727, 0x2828};
    for (int i = 0; i < 10; i++)
        assert_int_equal(ctx.x[19 + i], x[i]);
    assert_int_equal(ctx.x[8], 131); /* tgkill */
    assert_int_equal(ctx.x[0], 0);   /* its result */
    static const uint8_t v[] = {0x16, 0x17, 0x18, 0x19, 0x20, 0x21, 0x22, 0x23,
                                0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x30, 0x31};
    for (int r = 16; r < 32; r++) {
        uint8_t bytes[16];
        memcpy(bytes, &ctx.v[r], 16);
        for (int b = 0; b < 16; b++)
            assert_int_equal(bytes[b], v[r - 16]);
    }
    /* SIGHUP and glibc's SIGRTMIN + 3 (= 37) blocked; SIGUSR1 was not (it is added by
     * delivery, not saved). */
    assert_int_equal(mask, SIG_BIT(LINUX_SIGHUP) | SIG_BIT(37));
    assert_int_equal(ss.ss_sp, o->alt_sp);
    assert_int_equal(ss.ss_size, o->alt_size);
    assert_int_equal(ss.ss_flags, 0);
    /* The frame is at the top of the alternate stack. */
    assert_int_equal(o->x29, ((o->alt_sp + o->alt_size - 16) & ~15ull));
}

static void test_rebuilt_frame_identical(void **state)
{
    struct oracle *o = *state;
    struct exo_context ctx;
    uint64_t mask;
    linux_stack_t ss;
    parse_oracle(o, &ctx, &mask, &ss);
    linux_siginfo_t info;
    memcpy(&info, o->frame, sizeof(info));
    assert_int_equal(info.si_signo, LINUX_SIGUSR1);
    assert_int_equal(info.si_code, LINUX_SI_TKILL);
    struct linux_sigaction act = {
        o->handler, LINUX_SA_SIGINFO | LINUX_SA_ONSTACK, 0, {{SIG_BIT(LINUX_SIGUSR2)}}};
    struct sigframe_in in = {
        .ctx = &ctx,
        .sig = LINUX_SIGUSR1,
        .info = &info,
        .action = &act,
        .blocked = mask,
        .altstack = {o->alt_sp, o->alt_size, 0},
        .default_restorer = o->x30, /* glibc passes no SA_RESTORER */
    };
    struct sigframe_out *out = calloc(1, sizeof(*out));
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(out->frame_addr, o->sp);
    assert_memory_equal(out->frame, o->frame, SIGFRAME_SIZE);
    assert_int_equal(out->entry.x[0], o->x0);
    assert_int_equal(out->entry.x[1], o->x1);
    assert_int_equal(out->entry.x[2], o->x2);
    assert_int_equal(out->entry.x[29], o->x29);
    assert_int_equal(out->entry.x[30], o->x30);
    assert_int_equal(out->entry.sp, o->sp);
    assert_int_equal(out->entry.pc, o->handler);
    free(out);
}

static int setup(void **state)
{
    struct oracle *o = malloc(sizeof(*o));
    run_oracle(o);
    *state = o;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s QEMU FIXTURE\n", argv[0]);
        return 2;
    }
    qemu = argv[1];
    fixture = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uapi_offsets),
        cmocka_unit_test(test_parse_finds_loaded_registers),
        cmocka_unit_test(test_rebuilt_frame_identical),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
