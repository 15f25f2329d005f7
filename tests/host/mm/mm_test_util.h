/* Helpers shared by the mm host tests. */
#ifndef MM_TEST_UTIL_H
#define MM_TEST_UTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Runs fn(arg) in a forked child with stderr captured; fails the test unless the child died
 * of SIGABRT (kpanic/KASSERT on the host) with a message containing `expect`. */
void expect_panic(void (*fn)(void *arg), void *arg, const char *expect);

#endif
