#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include "capture.h"

static void cap_write(void *ctx, const char *bytes, size_t n)
{
    struct capture *cap = ctx;
    if (cap->out_len + n > sizeof(cap->out)) {
        fprintf(stderr, "capture: output overflow\n");
        abort();
    }
    memcpy(cap->out + cap->out_len, bytes, n);
    cap->out_len += n;
}

static void cap_signal(void *ctx, int sig)
{
    struct capture *cap = ctx;
    if (cap->nsigs < 64)
        cap->sigs[cap->nsigs++] = sig;
}

static void cap_flush(void *ctx)
{
    struct capture *cap = ctx;
    cap->output_flushes++;
}

static const struct tty_ops cap_ops = {
    .write = cap_write, .signal = cap_signal, .flush_output = cap_flush};

void capture_init(struct capture *cap)
{
    memset(cap, 0, sizeof(*cap));
    tty_init(&cap->ld, &cap_ops, cap);
}

void capture_feed(struct capture *cap, const char *s)
{
    size_t n = strlen(s);
    size_t done = tty_receive(&cap->ld, s, n);
    if (done != n) {
        fprintf(stderr, "capture: only %zu of %zu bytes received\n", done, n);
        abort();
    }
}

void capture_reset(struct capture *cap)
{
    cap->out_len = 0;
    cap->nsigs = 0;
    cap->output_flushes = 0;
}
