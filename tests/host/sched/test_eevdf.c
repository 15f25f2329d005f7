#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <libos/sched.h>
static void test_init(void **state)
{
    (void)state;
    struct sched_rq rq;
    sched_rq_init(&rq, "rq");
    assert_true(sched_rq_check(&rq));
}
int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_init)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
