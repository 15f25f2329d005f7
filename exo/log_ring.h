/* The kernel log's ring: the last LOG_RING_SIZE bytes of kernel messages, addressed by
 * their position in the stream of every byte ever logged. Hardware-free and unlocked: the
 * console's lock serializes callers (exo/console.c). */
#ifndef EXO_LOG_RING_H
#define EXO_LOG_RING_H
#include <stddef.h>
#include <stdint.h>

#define LOG_RING_SIZE 16384 /* EXO_LOG_SIZE */

struct log_ring {
    char buf[LOG_RING_SIZE];
    uint64_t end; /* bytes ever appended; the ring keeps [end - LOG_RING_SIZE, end) */
};

/* Appends len bytes, dropping the oldest ones beyond LOG_RING_SIZE. */
void log_ring_append(struct log_ring *r, const char *s, size_t len);
/* The oldest position still kept. */
uint64_t log_ring_start(const struct log_ring *r);
/* Copies the kept bytes from position pos (raised to log_ring_start if older) into buf, at
 * most len of them, and returns how many; 0 when pos is at or past the end. */
size_t log_ring_read(const struct log_ring *r, uint64_t pos, char *buf, size_t len);

#endif
