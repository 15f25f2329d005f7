/* Small compiler helpers shared by every layer (hardware-free). */
#ifndef LIB_COMPILER_H
#define LIB_COMPILER_H
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))
#define likely(x)         __builtin_expect(!!(x), 1)
#define unlikely(x)       __builtin_expect(!!(x), 0)
#define container_of(p, type, member)                                                          \
    ((type *)((char *)(p) - offsetof(type, member)))
#define ALIGN_UP(x, a)    (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)  ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)  (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b)         ((a) < (b) ? (a) : (b))
#define MAX(a, b)         ((a) > (b) ? (a) : (b))
#define READ_ONCE(x)      (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)  (*(volatile __typeof__(x) *)&(x) = (v))
#define __unused          __attribute__((unused))
#define __noreturn        __attribute__((noreturn))
#define __printf(a, b)    __attribute__((format(printf, a, b)))
#define __aligned(n)      __attribute__((aligned(n)))
#define __section(s)      __attribute__((section(s)))

#endif
