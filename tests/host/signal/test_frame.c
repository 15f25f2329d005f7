/*
 * The arm64 signal frame (libos/signal/frame.c): placement (below SP, alternate stack,
 * alignment), the bytes at the uapi offsets, the handler's entry registers, and
 * rt_sigreturn's parse: round trip and rejection of corrupted frames.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include <libos/signal.h>

#define HANDLER  0x400500ull
#define RESTORER 0x400900ull
#define MC       (offsetof(struct linux_rt_sigframe, uc) + offsetof(struct linux_ucontext, uc_mcontext))
#define RES      (MC + offsetof(struct linux_sigcontext, __reserved))
#define SC(f)    (MC + offsetof(struct linux_sigcontext, f))

static struct exo_context ctx;
static linux_siginfo_t info;
static struct linux_sigaction act;
static struct sigframe_in in;
static struct sigframe_out *out;

static uint64_t rd64(size_t off)
{
    uint64_t v;
    memcpy(&v, out->frame + off, 8);
    return v;
}

static uint32_t rd32(size_t off)
{
    uint32_t v;
    memcpy(&v, out->frame + off, 4);
    return v;
}

static void wr64(size_t off, uint64_t v)
{
    memcpy(out->frame + off, &v, 8);
}

static int setup(void **state)
{
    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    for (int i = 0; i < 31; i++)
        ctx.x[i] = 0x1000 + (uint64_t)i;
    ctx.sp = 0x7ffff000;
    ctx.pc = 0x401234;
    ctx.pstate = 0x60000000; /* Z, C */
    ctx.tpidr = 0x55550000;
    ctx.fpsr = 0x10;
    ctx.fpcr = 0x3000000;
    for (int i = 0; i < 32; i++)
        ctx.v[i] = ((__uint128_t)(0xa000 + i) << 64) | (0xb000 + (uint64_t)i);
    sig_info_fault(&info, LINUX_SIGSEGV, LINUX_SEGV_MAPERR, 0xdead);
    act = (struct linux_sigaction){HANDLER, LINUX_SA_SIGINFO | LINUX_SA_RESTORER, RESTORER, {{0}}};
    in = (struct sigframe_in){.ctx = &ctx,
                              .sig = LINUX_SIGSEGV,
                              .info = &info,
                              .action = &act,
                              .blocked = SIG_BIT(LINUX_SIGHUP),
                              .altstack = {0, 0, LINUX_SS_DISABLE}};
    out = calloc(1, sizeof(*out));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(out);
    return 0;
}

static void test_placement_below_sp(void **state)
{
    (void)state;
    assert_int_equal(sigframe_build(&in, out), 0);
    /* frame record right below SP (16-aligned), the sigframe right below it */
    assert_int_equal(out->frame_addr, 0x7ffff000 - 16 - sizeof(struct linux_rt_sigframe));
    assert_int_equal(out->entry.x[29], 0x7ffff000 - 16);
    assert_int_equal(out->entry.sp, out->frame_addr);
    /* an unaligned SP is rounded down */
    ctx.sp = 0x7ffff00c;
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(out->entry.x[29], 0x7fffeff0);
    assert_int_equal(out->frame_addr % 16, 0);
    assert_int_equal(out->frame_addr, 0x7fffeff0 - sizeof(struct linux_rt_sigframe));
}

static void test_placement_altstack(void **state)
{
    (void)state;
    in.altstack = (struct sigaltstack_state){0x20000, 0x8000, 0};
    /* SA_ONSTACK not set: normal stack */
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(out->entry.x[29], 0x7ffff000 - 16);
    act.sa_flags |= LINUX_SA_ONSTACK;
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(out->entry.x[29], 0x28000 - 16);
    assert_int_equal(out->frame_addr, 0x28000 - 16 - sizeof(struct linux_rt_sigframe));
    /* already on it (nested): below the current SP */
    ctx.sp = 0x26000;
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(out->entry.x[29], 0x26000 - 16);
    /* disabled: normal stack */
    ctx.sp = 0x7ffff000;
    in.altstack = (struct sigaltstack_state){0, 0, LINUX_SS_DISABLE};
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(out->entry.x[29], 0x7ffff000 - 16);
}

static void test_bytes_at_uapi_offsets(void **state)
{
    (void)state;
    in.altstack = (struct sigaltstack_state){0x20000, 0x8000, LINUX_SS_AUTODISARM};
    in.fault_address = 0xdead;
    in.esr = 0x92000046;
    assert_int_equal(sigframe_build(&in, out), 0);
    /* siginfo */
    assert_int_equal(rd32(0), LINUX_SIGSEGV);
    assert_int_equal(rd32(8), LINUX_SEGV_MAPERR);
    assert_int_equal(rd64(16), 0xdead);
    /* ucontext: flags, link, stack_t {sp, flags, size}, mask (128-byte area) */
    assert_int_equal(rd64(128 + 0), 0);
    assert_int_equal(rd64(128 + 8), 0);
    assert_int_equal(rd64(128 + 16), 0x20000);
    assert_int_equal(rd32(128 + 24), LINUX_SS_AUTODISARM);
    assert_int_equal(rd64(128 + 32), 0x8000);
    assert_int_equal(rd64(128 + 40), SIG_BIT(LINUX_SIGHUP));
    /* sigcontext at 128 + 176 = 304 */
    assert_int_equal(MC, 304);
    assert_int_equal(rd64(304), 0xdead);
    for (int i = 0; i < 31; i++)
        assert_int_equal(rd64(304 + 8 + 8 * (size_t)i), 0x1000 + i);
    assert_int_equal(rd64(304 + 256), 0x7ffff000);
    assert_int_equal(rd64(304 + 264), 0x401234);
    assert_int_equal(rd64(304 + 272), 0x60000000);
    /* __reserved at 304 + 288 = 592: fpsimd, esr, terminator */
    assert_int_equal(RES, 592);
    assert_int_equal(rd32(592), 0x46508001);
    assert_int_equal(rd32(596), 528);
    assert_int_equal(rd32(600), 0x10);
    assert_int_equal(rd32(604), 0x3000000);
    for (int i = 0; i < 32; i++) {
        assert_int_equal(rd64(608 + 16 * (size_t)i), 0xb000 + i);
        assert_int_equal(rd64(608 + 16 * (size_t)i + 8), 0xa000 + i);
    }
    assert_int_equal(rd32(592 + 528), 0x45535201);
    assert_int_equal(rd32(592 + 532), 16);
    assert_int_equal(rd64(592 + 536), 0x92000046);
    assert_int_equal(rd64(592 + 544), 0); /* terminator {0, 0} */
    /* frame record above the sigframe: interrupted x29, x30 */
    assert_int_equal(rd64(4688), 0x1000 + 29);
    assert_int_equal(rd64(4696), 0x1000 + 30);
    /* without a fault: no esr record, terminator right after fpsimd */
    in.esr = 0;
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(rd64(592 + 528), 0);
}

static void test_entry_registers(void **state)
{
    (void)state;
    ctx.pstate = 0xf0000000 | 0x800; /* NZCV + BTYPE: only NZCV stays */
    assert_int_equal(sigframe_build(&in, out), 0);
    struct exo_context *e = &out->entry;
    assert_int_equal(e->x[0], LINUX_SIGSEGV);
    assert_int_equal(e->x[1], out->frame_addr);
    assert_int_equal(e->x[2], out->frame_addr + 128);
    assert_int_equal(e->x[30], RESTORER);
    assert_int_equal(e->pc, HANDLER);
    assert_int_equal(e->pstate, 0xf0000000);
    assert_int_equal(e->x[3], 0x1003);
    assert_int_equal(e->tpidr, 0x55550000);
    assert_true(e->v[7] == ctx.v[7]);
    /* Without SA_SIGINFO x1/x2 keep their values and no siginfo is written. */
    act.sa_flags &= ~LINUX_SA_SIGINFO;
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(out->entry.x[1], 0x1001);
    assert_int_equal(out->entry.x[2], 0x1002);
    assert_int_equal(rd32(0), 0);
}

static void test_restorer_required(void **state)
{
    (void)state;
    act.sa_flags &= ~LINUX_SA_RESTORER;
    assert_int_equal(sigframe_build(&in, out), -EINVAL);
    in.default_restorer = 0x7000;
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(out->entry.x[30], 0x7000);
    act.sa_flags |= LINUX_SA_RESTORER;
    assert_int_equal(sigframe_build(&in, out), 0);
    assert_int_equal(out->entry.x[30], RESTORER);
}

static int parse(struct exo_context *c, uint64_t *mask, linux_stack_t *ss)
{
    return sigframe_parse(out->frame, out->frame_addr, c, mask, ss);
}

static void test_round_trip(void **state)
{
    (void)state;
    in.altstack = (struct sigaltstack_state){0x20000, 0x8000, 0};
    in.blocked = SIG_BIT(LINUX_SIGUSR1) | SIG_BIT(LINUX_SIGRTMAX);
    in.esr = 0x92000046;
    assert_int_equal(sigframe_build(&in, out), 0);
    struct exo_context back = out->entry; /* what the handler left: tpidr is kept */
    back.tpidr = 0x55550000;
    uint64_t mask;
    linux_stack_t ss;
    assert_int_equal(parse(&back, &mask, &ss), 0);
    assert_memory_equal(&back, &ctx, sizeof(ctx));
    assert_int_equal(mask, in.blocked);
    assert_int_equal(ss.ss_sp, 0x20000);
    assert_int_equal(ss.ss_size, 0x8000);
    assert_int_equal(ss.ss_flags, 0);
    /* rt_sigreturn reads only SIGFRAME_PARSE_SIZE bytes (ASan checks it stays inside). */
    uint8_t *exact = malloc(SIGFRAME_PARSE_SIZE);
    memcpy(exact, out->frame, SIGFRAME_PARSE_SIZE);
    struct exo_context again = out->entry;
    assert_int_equal(sigframe_parse(exact, out->frame_addr, &again, &mask, &ss), 0);
    assert_memory_equal(&again, &back, sizeof(again));
    free(exact);
}

static void expect_rejected(int err)
{
    struct exo_context back = out->entry, before = out->entry;
    uint64_t mask = 0x77;
    linux_stack_t ss;
    assert_int_equal(parse(&back, &mask, &ss), err);
    assert_memory_equal(&back, &before, sizeof(back));
    assert_int_equal(mask, 0x77);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    assert_int_equal(sigframe_build(&in, out), 0);
    /* bad fpsimd magic */
    wr64(RES, ((uint64_t)528 << 32) | 0x46508002);
    expect_rejected(-EINVAL);
    /* wrong fpsimd size */
    wr64(RES, ((uint64_t)512 << 32) | 0x46508001);
    expect_rejected(-EINVAL);
    wr64(RES, ((uint64_t)528 << 32) | 0x46508001);
    /* no terminator: an unknown record instead */
    wr64(RES + 528, ((uint64_t)16 << 32) | 0x12345678);
    expect_rejected(-EINVAL);
    /* SVE record: not accepted (never written by us) */
    wr64(RES + 528, ((uint64_t)16 << 32) | LINUX_SVE_MAGIC);
    expect_rejected(-EINVAL);
    /* a second fpsimd record */
    wr64(RES + 528, ((uint64_t)528 << 32) | 0x46508001);
    expect_rejected(-EINVAL);
    /* a record running past __reserved */
    wr64(RES + 528, ((uint64_t)4096 << 32) | LINUX_ESR_MAGIC);
    expect_rejected(-EINVAL);
    /* a terminator with a size */
    wr64(RES + 528, (uint64_t)16 << 32);
    expect_rejected(-EINVAL);
    wr64(RES + 528, 0);
    /* pstate: EL1h, AArch32, each of D, A, I, F */
    uint64_t bad[] = {0x5, 0x4, 0x10, 0x200, 0x100, 0x80, 0x40};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        wr64(SC(pstate), bad[i]);
        expect_rejected(-EINVAL);
    }
    wr64(SC(pstate), 0x60000000);
    /* an unaligned SP */
    struct exo_context back = out->entry;
    uint64_t mask;
    linux_stack_t ss;
    assert_int_equal(sigframe_parse(out->frame, out->frame_addr + 8, &back, &mask, &ss), -EFAULT);
    /* and intact it parses; KILL/STOP cannot be smuggled into the mask */
    wr64(128 + 40, ~0ull);
    assert_int_equal(parse(&back, &mask, &ss), 0);
    assert_int_equal(mask, ~SIG_UNBLOCKABLE);
}

static void test_parse_keeps_nzcv_only(void **state)
{
    (void)state;
    assert_int_equal(sigframe_build(&in, out), 0);
    wr64(SC(pstate), 0x90000000 | 0x400000); /* N, V + PAN: accepted, PAN dropped */
    struct exo_context back = out->entry;
    uint64_t mask;
    linux_stack_t ss;
    assert_int_equal(parse(&back, &mask, &ss), 0);
    assert_int_equal(back.pstate, 0x90000000);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_placement_below_sp), T(test_placement_altstack),    T(test_bytes_at_uapi_offsets),
        T(test_entry_registers),    T(test_restorer_required),     T(test_round_trip),
        T(test_parse_rejects),      T(test_parse_keeps_nzcv_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
