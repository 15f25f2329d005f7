/* printf-style formatting for every layer; see lib/format.h for what it supports. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <lib/platform.h>

struct spec {
    bool left, zero, plus, space, alt;
    int width;
    int precision; /* -1: none */
    int length;    /* 'H' hh, 'h', 'l', 'L' ll, 'z', 't', 'j' */
    char conv;
};

struct out {
    format_sink sink;
    void *ctx;
    size_t count;
};

static void emit(struct out *o, const char *s, size_t n)
{
    if (n) {
        o->sink(o->ctx, s, n);
        o->count += n;
    }
}

static void emit_pad(struct out *o, char c, int n)
{
    char buf[16];
    memset(buf, c, sizeof(buf));
    while (n > 0) {
        int k = n > 16 ? 16 : n;
        emit(o, buf, (size_t)k);
        n -= k;
    }
}

/* Writes the digits of v in base into the end of buf; returns the first digit's index. */
static int utoa_rev(char *buf, int size, uint64_t v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int i = size;
    do {
        buf[--i] = digits[v % base];
        v /= base;
    } while (v);
    return i;
}

static void emit_number(struct out *o, const struct spec *sp, uint64_t v, bool negative,
                        unsigned base)
{
    char buf[24];
    int start = utoa_rev(buf, sizeof(buf), v, base, sp->conv == 'X');
    int ndigits = (int)sizeof(buf) - start;
    const char *prefix = "";
    if (negative)
        prefix = "-";
    else if (sp->plus)
        prefix = "+";
    else if (sp->space)
        prefix = " ";
    if (sp->alt && v != 0 && base == 16)
        prefix = sp->conv == 'X' ? "0X" : "0x";
    if (sp->alt && base == 8 && buf[start] != '0')
        prefix = "0";
    if (sp->precision == 0 && v == 0)
        ndigits = 0;
    int zeros = sp->precision > ndigits ? sp->precision - ndigits : 0;
    int plen = (int)strlen(prefix);
    int body = plen + zeros + ndigits;
    int pad = sp->width > body ? sp->width - body : 0;
    if (sp->zero && !sp->left && sp->precision < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!sp->left)
        emit_pad(o, ' ', pad);
    emit(o, prefix, (size_t)plen);
    emit_pad(o, '0', zeros);
    emit(o, buf + sizeof(buf) - ndigits, (size_t)ndigits);
    if (sp->left)
        emit_pad(o, ' ', pad);
}

static void emit_string(struct out *o, const struct spec *sp, const char *s)
{
    if (!s)
        s = "(null)";
    size_t n = sp->precision >= 0 ? strnlen(s, (size_t)sp->precision) : strlen(s);
    int pad = sp->width > (int)n ? sp->width - (int)n : 0;
    if (!sp->left)
        emit_pad(o, ' ', pad);
    emit(o, s, n);
    if (sp->left)
        emit_pad(o, ' ', pad);
}

/* Parses flags, width, precision and length at *fmt; leaves *fmt at the conversion. */
static void parse_spec(const char **fmt, struct spec *sp, va_list *ap)
{
    const char *f = *fmt;
    memset(sp, 0, sizeof(*sp));
    sp->precision = -1;
    for (;; f++) {
        if (*f == '-')
            sp->left = true;
        else if (*f == '0')
            sp->zero = true;
        else if (*f == '+')
            sp->plus = true;
        else if (*f == ' ')
            sp->space = true;
        else if (*f == '#')
            sp->alt = true;
        else
            break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = true;
            sp->width = -sp->width;
        }
        f++;
    }
    while (*f >= '0' && *f <= '9')
        sp->width = sp->width * 10 + (*f++ - '0');
    if (*f == '.') {
        f++;
        sp->precision = 0;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            f++;
        }
        while (*f >= '0' && *f <= '9')
            sp->precision = sp->precision * 10 + (*f++ - '0');
    }
    if (f[0] == 'h' && f[1] == 'h') {
        sp->length = 'H';
        f += 2;
    } else if (f[0] == 'l' && f[1] == 'l') {
        sp->length = 'L';
        f += 2;
    } else if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 't' || *f == 'j') {
        sp->length = *f++;
    }
    sp->conv = *f;
    *fmt = f;
}

static int64_t fetch_signed(const struct spec *sp, va_list *ap)
{
    switch (sp->length) {
    case 'H': return (signed char)va_arg(*ap, int);
    case 'h': return (short)va_arg(*ap, int);
    case 'l': return va_arg(*ap, long);
    case 'L': return va_arg(*ap, long long);
    case 'z': return (int64_t)va_arg(*ap, size_t);
    case 't': return va_arg(*ap, ptrdiff_t);
    case 'j': return va_arg(*ap, intmax_t);
    default: return va_arg(*ap, int);
    }
}

static uint64_t fetch_unsigned(const struct spec *sp, va_list *ap)
{
    switch (sp->length) {
    case 'H': return (unsigned char)va_arg(*ap, unsigned);
    case 'h': return (unsigned short)va_arg(*ap, unsigned);
    case 'l': return va_arg(*ap, unsigned long);
    case 'L': return va_arg(*ap, unsigned long long);
    case 'z': return va_arg(*ap, size_t);
    case 't': return (uint64_t)va_arg(*ap, ptrdiff_t);
    case 'j': return va_arg(*ap, uintmax_t);
    default: return va_arg(*ap, unsigned);
    }
}

static void format_one(struct out *o, struct spec *sp, va_list *ap)
{
    switch (sp->conv) {
    case 'd':
    case 'i': {
        int64_t v = fetch_signed(sp, ap);
        uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
        emit_number(o, sp, mag, v < 0, 10);
        break;
    }
    case 'u': emit_number(o, sp, fetch_unsigned(sp, ap), false, 10); break;
    case 'x':
    case 'X': emit_number(o, sp, fetch_unsigned(sp, ap), false, 16); break;
    case 'o': emit_number(o, sp, fetch_unsigned(sp, ap), false, 8); break;
    case 'p':
        sp->alt = true;
        sp->conv = 'x';
        emit_number(o, sp, (uintptr_t)va_arg(*ap, void *), false, 16);
        break;
    case 's': emit_string(o, sp, va_arg(*ap, const char *)); break;
    case 'c': {
        char c = (char)va_arg(*ap, int);
        sp->precision = 1;
        char s[2] = {c, 0};
        if (c == 0) {
            emit(o, s, 1);
            break;
        }
        emit_string(o, sp, s);
        break;
    }
    case '%': emit(o, "%", 1); break;
    default: emit(o, "%?", 2); break;
    }
}

size_t kvformat(format_sink sink, void *ctx, const char *fmt, va_list ap)
{
    struct out o = {sink, ctx, 0};
    va_list args;
    va_copy(args, ap);
    while (*fmt) {
        const char *pct = strchr(fmt, '%');
        if (!pct) {
            emit(&o, fmt, strlen(fmt));
            break;
        }
        emit(&o, fmt, (size_t)(pct - fmt));
        fmt = pct + 1;
        struct spec sp;
        parse_spec(&fmt, &sp, &args);
        if (!sp.conv)
            break;
        format_one(&o, &sp, &args);
        fmt++;
    }
    va_end(args);
    return o.count;
}

struct buf_sink {
    char *buf;
    size_t size, used;
};

static void buf_write(void *ctx, const char *s, size_t n)
{
    struct buf_sink *b = ctx;
    for (size_t i = 0; i < n; i++) {
        if (b->used + 1 < b->size)
            b->buf[b->used] = s[i];
        b->used++;
    }
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buf_sink b = {buf, size, 0};
    size_t n = kvformat(buf_write, &b, fmt, ap);
    if (size)
        buf[b.used < size ? b.used : size - 1] = '\0';
    return (int)n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void log_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    platform_log_write(s, n);
}

void kvlog(const char *fmt, va_list ap)
{
    kvformat(log_sink, NULL, fmt, ap);
}

void klog(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvlog(fmt, ap);
    va_end(ap);
}

void kassert_fail(const char *file, int line, const char *expr)
{
    char msg[256];
    ksnprintf(msg, sizeof(msg), "assertion failed: %s at %s:%d", expr, file, line);
    platform_panic(msg);
}

void kpanic(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    platform_panic(msg);
}
