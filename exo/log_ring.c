/* The kernel log's ring buffer (log_ring.h). */
#include <string.h>
#include "log_ring.h"

static size_t min_size(uint64_t a, uint64_t b)
{
    return (size_t)(a < b ? a : b);
}

void log_ring_append(struct log_ring *r, const char *s, size_t len)
{
    if (len > LOG_RING_SIZE) { /* only the tail survives */
        r->end += len - LOG_RING_SIZE;
        s += len - LOG_RING_SIZE;
        len = LOG_RING_SIZE;
    }
    while (len) {
        size_t at = (size_t)(r->end % LOG_RING_SIZE), n = min_size(len, LOG_RING_SIZE - at);
        memcpy(r->buf + at, s, n);
        r->end += n;
        s += n;
        len -= n;
    }
}

uint64_t log_ring_start(const struct log_ring *r)
{
    return r->end > LOG_RING_SIZE ? r->end - LOG_RING_SIZE : 0;
}

size_t log_ring_read(const struct log_ring *r, uint64_t pos, char *buf, size_t len)
{
    if (pos < log_ring_start(r))
        pos = log_ring_start(r);
    size_t done = 0;
    while (done < len && pos < r->end) {
        size_t at = (size_t)(pos % LOG_RING_SIZE);
        size_t n = min_size(min_size(len - done, r->end - pos), LOG_RING_SIZE - at);
        memcpy(buf + done, r->buf + at, n);
        done += n;
        pos += n;
    }
    return done;
}
