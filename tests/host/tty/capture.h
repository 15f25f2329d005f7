/* A tty_ldisc wired to an in-memory driver: output and signal requests are recorded. */
#ifndef TTY_TEST_CAPTURE_H
#define TTY_TEST_CAPTURE_H
#include <libos/tty.h>

struct capture {
    struct tty_ldisc ld;
    char out[65536];
    size_t out_len;
    int sigs[64];
    int nsigs;
    int output_flushes;
};

/* Initializes cap->ld with default termios and the recording driver. */
void capture_init(struct capture *cap);
/* Feeds a NUL-terminated string as received input. */
void capture_feed(struct capture *cap, const char *s);
/* Clears the recorded output and signals. */
void capture_reset(struct capture *cap);

#endif
