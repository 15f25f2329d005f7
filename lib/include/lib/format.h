/*
 * printf-style formatting without a C library: %d %i %u %x %X %o %p %s %c %%, with flags
 * '-', '0', ' ', '+', '#', width, precision (also '*'), and length modifiers hh h l ll z t j.
 */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H
#include <stdarg.h>
#include <stddef.h>
#include <lib/compiler.h>

typedef void (*format_sink)(void *ctx, const char *s, size_t len);

/* Formats to sink; returns the number of characters produced. */
size_t kvformat(format_sink sink, void *ctx, const char *fmt, va_list ap);
/* snprintf contract: writes at most size bytes including the NUL, returns the full length. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__printf(3, 4) int ksnprintf(char *buf, size_t size, const char *fmt, ...);
/* Formats to the platform log. */
__printf(1, 2) void klog(const char *fmt, ...);
void kvlog(const char *fmt, va_list ap);

#endif
