/* procfs text buffer: grows in fs_zalloc memory as generators append. */
#include <string.h>
#include <lib/format.h>
#include "procfs_int.h"

void pb_init(struct pbuf *pb)
{
    memset(pb, 0, sizeof(*pb));
}

void pb_free(struct pbuf *pb)
{
    fs_free(pb->buf);
    pb_init(pb);
}

bool pb_reserve(struct pbuf *pb, size_t n)
{
    if (pb->oom)
        return false;
    if (pb->len + n + 1 <= pb->cap)
        return true;
    size_t cap = pb->cap ? pb->cap : 1024;
    while (cap < pb->len + n + 1)
        cap *= 2;
    char *nb = fs_zalloc(cap);
    if (!nb) {
        pb->oom = true;
        return false;
    }
    if (pb->len)
        memcpy(nb, pb->buf, pb->len);
    fs_free(pb->buf);
    pb->buf = nb;
    pb->cap = cap;
    return true;
}

void pb_printf(struct pbuf *pb, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    size_t room = pb->cap > pb->len ? pb->cap - pb->len : 0;
    int n = pb->oom ? 0 : kvsnprintf(pb->buf ? pb->buf + pb->len : NULL, room, fmt, ap);
    if (n > 0 && (size_t)n >= room) {
        if (pb_reserve(pb, (size_t)n))
            kvsnprintf(pb->buf + pb->len, pb->cap - pb->len, fmt, ap2);
        else
            n = 0;
    }
    if (n > 0)
        pb->len += (size_t)n;
    va_end(ap2);
    va_end(ap);
}

void pb_write(struct pbuf *pb, const void *s, size_t n)
{
    if (!n || !pb_reserve(pb, n))
        return;
    memcpy(pb->buf + pb->len, s, n);
    pb->len += n;
}

void pb_puts(struct pbuf *pb, const char *s)
{
    pb_write(pb, s, strlen(s));
}
