/* Shared between the line discipline's files; not part of its interface. */
#ifndef LIBOS_TTY_INTERNAL_H
#define LIBOS_TTY_INTERNAL_H
#include <libos/tty.h>

#define TTY_MASK(i) ((i) & (TTY_INPUT_SIZE - 1))

/* Output staged for ops->write during one locked operation (a receive batch's echo is
 * handed over at its end, as Linux commits echo). echo: bytes are echo, held while output
 * is stopped. */
struct tty_out {
    struct tty_ldisc *ld;
    bool echo;
    size_t n;
    char b[256];
};

static inline unsigned tty_sig_bit(int sig)
{
    return 1u << (sig & 31);
}

/* Tells the driver about ev (lock held). */
static inline void tty_event(struct tty_ldisc *ld, enum tty_event ev,
                             const struct linux_termios *old)
{
    if (ld->ops->event)
        ld->ops->event(ld->ctx, ev, old);
}

uint64_t tty_lock(struct tty_ldisc *ld);
void tty_unlock(struct tty_ldisc *ld, uint64_t saved);
void tty_out_flush(struct tty_out *o);
void tty_start_output(struct tty_ldisc *ld, struct tty_out *o);
void tty_stop_output(struct tty_ldisc *ld, struct tty_out *o);
void tty_opost_byte(struct tty_ldisc *ld, struct tty_out *o, uint8_t c);
void tty_reset_input(struct tty_ldisc *ld);
void tty_mode_changed(struct tty_ldisc *ld, const struct linux_termios *old);
/* Calls ops->signal for each signal bit in sigs; with the lock dropped. */
void tty_send_signals(struct tty_ldisc *ld, unsigned sigs);

#endif
