/* Always-on assertions: a failed check reports file:line and the expression, then panics. */
#ifndef LIB_KASSERT_H
#define LIB_KASSERT_H
#include <lib/compiler.h>

__noreturn void kassert_fail(const char *file, int line, const char *expr);
__noreturn __printf(1, 2) void kpanic(const char *fmt, ...);

#define KASSERT(cond)                                                                          \
    do {                                                                                       \
        if (unlikely(!(cond)))                                                                 \
            kassert_fail(__FILE__, __LINE__, #cond);                                           \
    } while (0)

#endif
