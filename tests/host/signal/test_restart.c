/*
 * Syscall restart (libos/signal/restart.c) against signal(7)'s rules and Linux arm64's:
 * each ERESTART* code with no handler, a handler without SA_RESTART and one with it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include <libos/abi/syscall.h>
#include <libos/signal.h>

#define PC      0x400104ull /* after the SVC at 0x400100 */
#define ORIG_X0 3ull
#define NR      63ull /* read */

enum expect { EINTR_, AGAIN, BLOCK, NONE };

static void check(int64_t ret, const struct linux_sigaction *handler, enum expect e)
{
    struct exo_context ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.x[0] = (uint64_t)ret;
    ctx.x[8] = NR;
    ctx.pc = PC;
    enum sig_restart r = sig_syscall_restart(&ctx, ORIG_X0, handler);
    switch (e) {
    case EINTR_:
        assert_int_equal(r, SIG_RESTART_EINTR);
        assert_int_equal((int64_t)ctx.x[0], -EINTR);
        assert_int_equal(ctx.pc, PC);
        assert_int_equal(ctx.x[8], NR);
        break;
    case AGAIN:
        assert_int_equal(r, SIG_RESTART_AGAIN);
        assert_int_equal(ctx.x[0], ORIG_X0);
        assert_int_equal(ctx.pc, PC - 4);
        assert_int_equal(ctx.x[8], NR);
        break;
    case BLOCK:
        assert_int_equal(r, SIG_RESTART_BLOCK);
        assert_int_equal(ctx.x[0], ORIG_X0);
        assert_int_equal(ctx.pc, PC - 4);
        assert_int_equal(ctx.x[8], LINUX_NR_restart_syscall);
        break;
    case NONE:
        assert_int_equal(r, SIG_RESTART_NONE);
        assert_int_equal(ctx.x[0], (uint64_t)ret);
        assert_int_equal(ctx.pc, PC);
        break;
    }
}

static const struct linux_sigaction plain = {0x400000, LINUX_SA_RESTORER, 0x1000, {{0}}};
static const struct linux_sigaction restart = {
    0x400000, LINUX_SA_RESTORER | LINUX_SA_RESTART, 0x1000, {{0}}};

static void test_erestartsys(void **state)
{
    (void)state;
    check(-ERESTARTSYS, NULL, AGAIN);
    check(-ERESTARTSYS, &plain, EINTR_);
    check(-ERESTARTSYS, &restart, AGAIN);
}

static void test_erestartnointr(void **state)
{
    (void)state;
    check(-ERESTARTNOINTR, NULL, AGAIN);
    check(-ERESTARTNOINTR, &plain, AGAIN);
    check(-ERESTARTNOINTR, &restart, AGAIN);
}

static void test_erestartnohand(void **state)
{
    (void)state;
    check(-ERESTARTNOHAND, NULL, AGAIN);
    check(-ERESTARTNOHAND, &plain, EINTR_);
    check(-ERESTARTNOHAND, &restart, EINTR_);
}

static void test_erestart_restartblock(void **state)
{
    (void)state;
    check(-ERESTART_RESTARTBLOCK, NULL, BLOCK);
    check(-ERESTART_RESTARTBLOCK, &plain, EINTR_);
    check(-ERESTART_RESTARTBLOCK, &restart, EINTR_);
}

static void test_other_results_untouched(void **state)
{
    (void)state;
    check(-EINTR, &restart, NONE);
    check(-EINTR, NULL, NONE);
    check(0, &plain, NONE);
    check(42, NULL, NONE);
    check(-EAGAIN, &plain, NONE);
    check(-ERESTART, NULL, NONE); /* the user-visible ERESTART (85) is a plain error */
    check(-515, NULL, NONE);      /* ERESTARTNOHAND + 1: not a restart code */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_erestartsys),
        cmocka_unit_test(test_erestartnointr),
        cmocka_unit_test(test_erestartnohand),
        cmocka_unit_test(test_erestart_restartblock),
        cmocka_unit_test(test_other_results_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
