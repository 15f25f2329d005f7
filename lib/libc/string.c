/* Freestanding string functions for the kernel. memcpy, memmove and memset move 8 bytes at
 * a time (64 per loop when both sides allow it), since page copies and page zeroing go
 * through them; the rest are byte loops: simple and correct first. */
#include <string.h>
#include <stdint.h>

typedef uint64_t __attribute__((may_alias)) word_t;

#define WORD sizeof(word_t)

static int both_aligned(const void *a, const void *b)
{
    return (((uintptr_t)a | (uintptr_t)b) & (WORD - 1)) == 0;
}

/* Copies n bytes forward; word-aligned pointers are copied 64 bytes per iteration. */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    if (both_aligned(d, s)) {
        word_t *dw = (word_t *)d;
        const word_t *sw = (const word_t *)s;
        for (; n >= 8 * WORD; n -= 8 * WORD, dw += 8, sw += 8) {
            word_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
            dw[0] = a, dw[1] = b, dw[2] = c, dw[3] = e;
            a = sw[4], b = sw[5], c = sw[6], e = sw[7];
            dw[4] = a, dw[5] = b, dw[6] = c, dw[7] = e;
        }
        for (; n >= WORD; n -= WORD)
            *dw++ = *sw++;
        d = (unsigned char *)dw;
        s = (const unsigned char *)sw;
    }
    while (n--)
        *d++ = *s++;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    copy_forward(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n) {
        copy_forward(d, s, n); /* forward is safe when dst starts below src or past it */
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    for (; n && ((uintptr_t)d & (WORD - 1)); n--)
        *d++ = (unsigned char)c;
    word_t w = (unsigned char)c * 0x0101010101010101ULL;
    word_t *dw = (word_t *)d;
    for (; n >= 8 * WORD; n -= 8 * WORD, dw += 8) {
        dw[0] = w, dw[1] = w, dw[2] = w, dw[3] = w;
        dw[4] = w, dw[5] = w, dw[6] = w, dw[7] = w;
    }
    for (; n >= WORD; n -= WORD)
        *dw++ = w;
    d = (unsigned char *)dw;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] - y[i];
    }
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == (unsigned char)c)
            return (void *)(p + i);
    }
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (!*s)
            return (char *)last;
    }
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
