/*
 * TTY line discipline: input processing, canonical editing, echo, reads and OPOST output.
 * Semantics follow termios(3), POSIX "General Terminal Interface" and Linux's N_TTY as the
 * host's real pseudo-terminals show it (tests/host/tty compares the two byte for byte).
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/tty.h>
#include "tty_internal.h"

/* --- character classes --- */

/* Control characters as N_TTY echoes them (^X): ASCII only; C1 bytes echo as themselves. */
static bool is_cntrl(uint8_t c)
{
    return c < 0x20 || c == 0x7f;
}

/* Word characters for VWERASE: ASCII alphanumerics, '_', and Latin-1 letters. */
static bool is_word(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return true;
    return c >= 0xc0 && c != 0xd7 && c != 0xf7;
}

static bool is_continuation(const struct tty_ldisc *ld, uint8_t c)
{
    return (ld->termios.c_iflag & LINUX_IUTF8) && (c & 0xc0) == 0x80;
}

/* --- locking and output staging --- */

uint64_t tty_lock(struct tty_ldisc *ld)
{
    uint64_t saved = ld->ops->lock_enter ? ld->ops->lock_enter() : 0;
    spin_lock(&ld->lock);
    return saved;
}

void tty_unlock(struct tty_ldisc *ld, uint64_t saved)
{
    spin_unlock(&ld->lock);
    if (ld->ops->lock_exit)
        ld->ops->lock_exit(saved);
}

void tty_out_flush(struct tty_out *o)
{
    if (o->n) {
        o->ld->ops->write(o->ld->ctx, o->b, o->n);
        o->n = 0;
    }
}

/* Appends one byte for the driver; echo produced while output is stopped is held. */
static void out_byte(struct tty_out *o, uint8_t c)
{
    struct tty_ldisc *ld = o->ld;
    if (o->echo && ld->stopped) {
        if (ld->hold_len < TTY_ECHO_HOLD)
            ld->hold[ld->hold_len++] = c;
        return;
    }
    if (o->n == sizeof(o->b))
        tty_out_flush(o);
    o->b[o->n++] = (char)c;
}

/* Restarts stopped output, releasing held echo. */
void tty_start_output(struct tty_ldisc *ld, struct tty_out *o)
{
    if (!ld->stopped)
        return;
    ld->stopped = false;
    tty_event(ld, TTY_EV_OUTPUT_STARTED, NULL);
    for (unsigned i = 0; i < ld->hold_len; i++)
        out_byte(o, ld->hold[i]);
    ld->hold_len = 0;
}

/* Stops output. Echo of the current batch not yet handed to the driver is held too (Linux
 * commits a batch's echo when the batch ends). */
void tty_stop_output(struct tty_ldisc *ld, struct tty_out *o)
{
    if (ld->stopped)
        return;
    ld->stopped = true;
    tty_event(ld, TTY_EV_OUTPUT_STOPPED, NULL);
    size_t keep = o->n < TTY_ECHO_HOLD ? o->n : TTY_ECHO_HOLD;
    memcpy(ld->hold, o->b, keep);
    ld->hold_len = (unsigned)keep;
    o->n = 0;
}

/* One byte through OPOST (Linux do_output_char), tracking the column. */
void tty_opost_byte(struct tty_ldisc *ld, struct tty_out *o, uint8_t c)
{
    uint32_t of = ld->termios.c_oflag;
    switch (c) {
    case '\n':
        if (of & LINUX_ONLRET)
            ld->column = 0;
        if (of & LINUX_ONLCR) {
            ld->canon_column = ld->column = 0;
            out_byte(o, '\r');
            out_byte(o, '\n');
            return;
        }
        ld->canon_column = ld->column;
        break;
    case '\r':
        if ((of & LINUX_ONOCR) && ld->column == 0)
            return;
        if (of & LINUX_OCRNL) {
            c = '\n';
            if (of & LINUX_ONLRET)
                ld->canon_column = ld->column = 0;
            break;
        }
        ld->canon_column = ld->column = 0;
        break;
    case '\t': {
        unsigned spaces = 8 - (ld->column & 7);
        ld->column += spaces;
        if ((of & TTY_TABDLY) == TTY_XTABS) {
            while (spaces--)
                out_byte(o, ' ');
            return;
        }
        break;
    }
    case '\b':
        if (ld->column > 0)
            ld->column--;
        break;
    default:
        if (!is_cntrl(c)) {
            if ((of & LINUX_OLCUC) && c >= 'a' && c <= 'z')
                c = (uint8_t)(c - 'a' + 'A');
            if (!is_continuation(ld, c))
                ld->column++;
        }
        break;
    }
    out_byte(o, c);
}

/* --- echo (Linux echo_char_raw / echo_char and the echo buffer operations) --- */

static void echo_raw(struct tty_ldisc *ld, struct tty_out *o, uint8_t c)
{
    o->echo = true;
    if (ld->termios.c_oflag & LINUX_OPOST)
        tty_opost_byte(ld, o, c);
    else
        out_byte(o, c);
    o->echo = false;
}

/* Echoes c, as ^X for control characters other than tab under ECHOCTL. */
static void echo_char(struct tty_ldisc *ld, struct tty_out *o, uint8_t c)
{
    if ((ld->termios.c_lflag & LINUX_ECHOCTL) && is_cntrl(c) && c != '\t') {
        o->echo = true;
        out_byte(o, '^');
        out_byte(o, c ^ 0x40);
        o->echo = false;
        ld->column += 2;
        return;
    }
    echo_raw(ld, o, c);
}

static void echo_rubout(struct tty_ldisc *ld, struct tty_out *o)
{
    echo_raw(ld, o, '\b');
    echo_raw(ld, o, ' ');
    echo_raw(ld, o, '\b');
}

/* Ends an ECHOPRT "\erased/" run. */
static void finish_erasing(struct tty_ldisc *ld, struct tty_out *o)
{
    if (ld->erasing) {
        echo_raw(ld, o, '/');
        ld->erasing = false;
    }
}

/* Records the column where a new input line's echo starts (for erasing tabs). */
static void mark_line_start(struct tty_ldisc *ld)
{
    if (ld->canon_head == ld->head)
        ld->canon_column = ld->column;
}

/* Backspaces over a tab: chars is the column count of what precedes it back to the previous
 * tab (after_tab) or the start of the line (offset by where the line started). */
static void echo_erase_tab(struct tty_ldisc *ld, struct tty_out *o, unsigned chars, bool after_tab)
{
    chars &= 7;
    if (!after_tab)
        chars += ld->canon_column;
    unsigned bs = 8 - (chars & 7);
    o->echo = true;
    while (bs--) {
        out_byte(o, '\b');
        if (ld->column > 0)
            ld->column--;
    }
    o->echo = false;
}

/* --- input ring --- */

static uint8_t ring_at(const struct tty_ldisc *ld, uint32_t i)
{
    return ld->buf[TTY_MASK(i)];
}

static bool eol_at(const struct tty_ldisc *ld, uint32_t i)
{
    return ld->eol[TTY_MASK(i) / 8] & (1u << (TTY_MASK(i) % 8));
}

static void set_eol(struct tty_ldisc *ld, uint32_t i, bool on)
{
    uint8_t bit = (uint8_t)(1u << (TTY_MASK(i) % 8));
    if (on)
        ld->eol[TTY_MASK(i) / 8] |= bit;
    else
        ld->eol[TTY_MASK(i) / 8] &= (uint8_t)~bit;
}

static void put_queue(struct tty_ldisc *ld, uint8_t c)
{
    set_eol(ld, ld->head, false);
    ld->buf[TTY_MASK(ld->head)] = c;
    ld->head++;
}

void tty_reset_input(struct tty_ldisc *ld)
{
    ld->head = ld->canon_head = ld->tail = 0;
    ld->erasing = false;
    memset(ld->eol, 0, sizeof(ld->eol));
}

/* Completes a canonical line with terminator c (0 for VEOF, which read() drops). */
static void end_line(struct tty_ldisc *ld, uint8_t c)
{
    set_eol(ld, ld->head, true);
    ld->buf[TTY_MASK(ld->head)] = c;
    ld->head++;
    ld->canon_head = ld->head;
}

/* --- canonical editing --- */

enum kill_type { KILL_ERASE, KILL_WERASE, KILL_LINE };

/* Erases the last character, word or the whole line of the pending line, echoing the
 * erasure (Linux's eraser). */
static void eraser(struct tty_ldisc *ld, struct tty_out *o, uint8_t c)
{
    const struct linux_termios *t = &ld->termios;
    uint32_t lf = t->c_lflag;
    enum kill_type kind;

    if (ld->head == ld->canon_head)
        return;
    if (c == t->c_cc[LINUX_VERASE])
        kind = KILL_ERASE;
    else if (c == t->c_cc[LINUX_VWERASE])
        kind = KILL_WERASE;
    else {
        if (!(lf & LINUX_ECHO)) {
            ld->head = ld->canon_head;
            return;
        }
        if (!(lf & LINUX_ECHOK) || !(lf & LINUX_ECHOKE) || !(lf & LINUX_ECHOE)) {
            ld->head = ld->canon_head;
            finish_erasing(ld, o);
            echo_char(ld, o, c);
            if (lf & LINUX_ECHOK)
                echo_raw(ld, o, '\n');
            return;
        }
        kind = KILL_LINE;
    }

    unsigned alnums = 0;
    while (ld->head != ld->canon_head) {
        uint32_t at = ld->head;
        do {
            at--;
            c = ring_at(ld, at);
        } while (is_continuation(ld, c) && at != ld->canon_head);
        if (is_continuation(ld, c))
            break; /* never erase part of a character */
        if (kind == KILL_WERASE) {
            if (is_word(c))
                alnums++;
            else if (alnums)
                break;
        }
        uint32_t count = ld->head - at;
        ld->head = at;
        if (lf & LINUX_ECHO) {
            if (lf & LINUX_ECHOPRT) {
                if (!ld->erasing) {
                    echo_raw(ld, o, '\\');
                    ld->erasing = true;
                }
                echo_char(ld, o, c);
                while (--count > 0) {
                    echo_raw(ld, o, ring_at(ld, ++at));
                    if (ld->column > 0)
                        ld->column--;
                }
            } else if (kind == KILL_ERASE && !(lf & LINUX_ECHOE)) {
                echo_char(ld, o, t->c_cc[LINUX_VERASE]);
            } else if (c == '\t') {
                unsigned chars = 0;
                bool after_tab = false;
                for (uint32_t i = ld->head; i != ld->canon_head;) {
                    uint8_t p = ring_at(ld, --i);
                    if (p == '\t') {
                        after_tab = true;
                        break;
                    } else if (is_cntrl(p)) {
                        if (lf & LINUX_ECHOCTL)
                            chars += 2;
                    } else if (!is_continuation(ld, p)) {
                        chars++;
                    }
                }
                echo_erase_tab(ld, o, chars, after_tab);
            } else {
                if (is_cntrl(c) && (lf & LINUX_ECHOCTL))
                    echo_rubout(ld, o);
                if (!is_cntrl(c) || (lf & LINUX_ECHOCTL))
                    echo_rubout(ld, o);
            }
        }
        if (kind == KILL_ERASE)
            break;
    }
    if (ld->head == ld->canon_head && (lf & LINUX_ECHO))
        finish_erasing(ld, o);
}

/* VREPRINT: echo the char, a newline, and the pending line again. */
static void reprint(struct tty_ldisc *ld, struct tty_out *o, uint8_t c)
{
    finish_erasing(ld, o);
    echo_char(ld, o, c);
    echo_raw(ld, o, '\n');
    for (uint32_t i = ld->canon_head; i != ld->head; i++)
        echo_char(ld, o, ring_at(ld, i));
}

/* --- receive --- */

/* ISIG: request sig, flush unless NOFLSH, restart output, echo the character. */
static void receive_signal_char(struct tty_ldisc *ld, struct tty_out *o, unsigned *sigs, int sig,
                                uint8_t c)
{
    *sigs |= tty_sig_bit(sig);
    if (!(ld->termios.c_lflag & LINUX_NOFLSH)) {
        ld->hold_len = 0;
        o->n = 0; /* echo of this batch not yet handed to the driver is flushed too */
        if (ld->ops->flush_output)
            ld->ops->flush_output(ld->ctx);
        tty_reset_input(ld);
        tty_event(ld, TTY_EV_INPUT_FLUSHED, NULL);
    }
    if (ld->termios.c_iflag & LINUX_IXON)
        tty_start_output(ld, o);
    if (ld->termios.c_lflag & LINUX_ECHO)
        echo_char(ld, o, c);
}

/* Does c need more than "echo and queue" (Linux's char_map)? NUL never does. */
static bool is_special(const struct tty_ldisc *ld, uint8_t c)
{
    const struct linux_termios *t = &ld->termios;
    const uint8_t *cc = t->c_cc;
    uint32_t i = t->c_iflag, l = t->c_lflag;
    if (c == 0)
        return false;
    if (c == '\r' && (i & (LINUX_IGNCR | LINUX_ICRNL)))
        return true;
    if (c == '\n' && (i & LINUX_INLCR))
        return true;
    if (l & LINUX_ICANON) {
        if (c == cc[LINUX_VERASE] || c == cc[LINUX_VKILL] || c == cc[LINUX_VEOF] || c == '\n' ||
            c == cc[LINUX_VEOL])
            return true;
        if ((l & LINUX_IEXTEN) &&
            (c == cc[LINUX_VWERASE] || c == cc[LINUX_VLNEXT] || c == cc[LINUX_VEOL2] ||
             ((l & LINUX_ECHO) && c == cc[LINUX_VREPRINT])))
            return true;
    }
    if ((i & LINUX_IXON) && (c == cc[LINUX_VSTART] || c == cc[LINUX_VSTOP]))
        return true;
    if ((l & LINUX_ISIG) && (c == cc[LINUX_VINTR] || c == cc[LINUX_VQUIT] || c == cc[LINUX_VSUSP]))
        return true;
    return false;
}

static void restart_on_any(struct tty_ldisc *ld, struct tty_out *o)
{
    uint32_t i = ld->termios.c_iflag;
    if (ld->stopped && (i & LINUX_IXON) && (i & LINUX_IXANY))
        tty_start_output(ld, o);
}

static void queue_byte(struct tty_ldisc *ld, uint8_t c)
{
    if (c == 0xff && (ld->termios.c_iflag & LINUX_PARMRK))
        put_queue(ld, c);
    put_queue(ld, c);
}

/* An ordinary character: echo and queue. */
static void receive_plain(struct tty_ldisc *ld, struct tty_out *o, uint8_t c)
{
    restart_on_any(ld, o);
    if (ld->termios.c_lflag & LINUX_ECHO) {
        finish_erasing(ld, o);
        mark_line_start(ld);
        echo_char(ld, o, c);
    }
    queue_byte(ld, c);
}

/* Canonical-mode special characters; returns true when c was consumed. */
static bool receive_canonical(struct tty_ldisc *ld, struct tty_out *o, uint8_t c)
{
    const uint8_t *cc = ld->termios.c_cc;
    uint32_t lf = ld->termios.c_lflag;
    bool iexten = lf & LINUX_IEXTEN;

    if (c == cc[LINUX_VERASE] || c == cc[LINUX_VKILL] || (iexten && c == cc[LINUX_VWERASE])) {
        eraser(ld, o, c);
        return true;
    }
    if (iexten && c == cc[LINUX_VLNEXT]) {
        ld->lnext = true;
        if (lf & LINUX_ECHO) {
            finish_erasing(ld, o);
            if (lf & LINUX_ECHOCTL) {
                echo_raw(ld, o, '^');
                echo_raw(ld, o, '\b');
            }
        }
        return true;
    }
    if (iexten && (lf & LINUX_ECHO) && c == cc[LINUX_VREPRINT]) {
        reprint(ld, o, c);
        return true;
    }
    if (c == '\n') {
        if (lf & (LINUX_ECHO | LINUX_ECHONL))
            echo_raw(ld, o, '\n');
        end_line(ld, c);
        return true;
    }
    if (c == cc[LINUX_VEOF]) {
        end_line(ld, 0);
        return true;
    }
    if (c == cc[LINUX_VEOL] || (iexten && c == cc[LINUX_VEOL2])) {
        if (lf & LINUX_ECHO) {
            mark_line_start(ld);
            echo_char(ld, o, c);
        }
        if (c == 0xff && (ld->termios.c_iflag & LINUX_PARMRK))
            put_queue(ld, c);
        end_line(ld, c);
        return true;
    }
    return false;
}

static void receive_special(struct tty_ldisc *ld, struct tty_out *o, unsigned *sigs, uint8_t c)
{
    const struct linux_termios *t = &ld->termios;
    const uint8_t *cc = t->c_cc;

    if ((t->c_iflag & LINUX_IXON) && (c == cc[LINUX_VSTART] || c == cc[LINUX_VSTOP])) {
        if (c == cc[LINUX_VSTART])
            tty_start_output(ld, o);
        else
            tty_stop_output(ld, o);
        return;
    }
    if (t->c_lflag & LINUX_ISIG) {
        int sig = c == cc[LINUX_VINTR]   ? TTY_SIGINT
                  : c == cc[LINUX_VQUIT] ? TTY_SIGQUIT
                  : c == cc[LINUX_VSUSP] ? TTY_SIGTSTP
                                         : 0;
        if (sig) {
            receive_signal_char(ld, o, sigs, sig, c);
            return;
        }
    }
    restart_on_any(ld, o);
    if (c == '\r') {
        if (t->c_iflag & LINUX_IGNCR)
            return;
        if (t->c_iflag & LINUX_ICRNL)
            c = '\n';
    } else if (c == '\n' && (t->c_iflag & LINUX_INLCR)) {
        c = '\r';
    }
    if ((t->c_lflag & LINUX_ICANON) && receive_canonical(ld, o, c))
        return;
    if (t->c_lflag & LINUX_ECHO) {
        finish_erasing(ld, o);
        if (c == '\n') {
            echo_raw(ld, o, '\n');
        } else {
            mark_line_start(ld);
            echo_char(ld, o, c);
        }
    }
    queue_byte(ld, c);
}

static uint8_t input_fold(const struct tty_ldisc *ld, uint8_t c)
{
    uint32_t i = ld->termios.c_iflag;
    if (i & LINUX_ISTRIP)
        c &= 0x7f;
    if ((i & LINUX_IUCLC) && (ld->termios.c_lflag & LINUX_IEXTEN) && c >= 'A' && c <= 'Z')
        c = (uint8_t)(c - 'A' + 'a');
    return c;
}

/* Can one more byte go in? In canonical mode with no complete line the ring never refuses:
 * once full, each new byte replaces the last one (so the line can still be ended or
 * edited), as Linux does. */
static bool make_room(struct tty_ldisc *ld)
{
    uint32_t used = ld->head - ld->tail;
    if (used < TTY_INPUT_SIZE - 1)
        return true;
    if (!(ld->termios.c_lflag & LINUX_ICANON) || ld->canon_head != ld->tail)
        return false;
    if (used == TTY_INPUT_SIZE)
        ld->head--;
    return true;
}

static void receive_one(struct tty_ldisc *ld, struct tty_out *o, unsigned *sigs, uint8_t c)
{
    if (ld->lnext) {
        ld->lnext = false;
        receive_plain(ld, o, input_fold(ld, c));
        return;
    }
    c = input_fold(ld, c);
    if (is_special(ld, c))
        receive_special(ld, o, sigs, c);
    else
        receive_plain(ld, o, c);
}

void tty_send_signals(struct tty_ldisc *ld, unsigned sigs)
{
    static const int order[] = {TTY_SIGINT, TTY_SIGQUIT, TTY_SIGTSTP, TTY_SIGWINCH};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if ((sigs & tty_sig_bit(order[i])) && ld->ops->signal)
            ld->ops->signal(ld->ctx, order[i]);
}

size_t tty_receive(struct tty_ldisc *ld, const void *bytes, size_t n)
{
    const uint8_t *p = bytes;
    struct tty_out o = {.ld = ld};
    unsigned sigs = 0;
    size_t done = 0;
    uint64_t s = tty_lock(ld);
    if (!(ld->termios.c_cflag & LINUX_CREAD)) {
        done = n; /* receiver off: input is discarded */
    } else {
        for (; done < n && make_room(ld); done++)
            receive_one(ld, &o, &sigs, p[done]);
    }
    tty_out_flush(&o);
    tty_unlock(ld, s);
    tty_send_signals(ld, sigs);
    return done;
}

void tty_inject(struct tty_ldisc *ld, uint8_t c)
{
    tty_receive(ld, &c, 1);
}

void tty_receive_break(struct tty_ldisc *ld)
{
    struct tty_out o = {.ld = ld};
    unsigned sigs = 0;
    uint64_t s = tty_lock(ld);
    uint32_t i = ld->termios.c_iflag;
    if (i & LINUX_IGNBRK) {
        /* ignored */
    } else if (i & LINUX_BRKINT) {
        receive_signal_char(ld, &o, &sigs, TTY_SIGINT, 0);
    } else if (make_room(ld)) {
        if (i & LINUX_PARMRK) {
            put_queue(ld, 0xff);
            put_queue(ld, 0);
        }
        receive_plain(ld, &o, 0);
    }
    tty_out_flush(&o);
    tty_unlock(ld, s);
    tty_send_signals(ld, sigs);
}

size_t tty_receive_room(struct tty_ldisc *ld)
{
    uint64_t s = tty_lock(ld);
    uint32_t used = ld->head - ld->tail;
    size_t room = used < TTY_INPUT_SIZE - 1 ? TTY_INPUT_SIZE - 1 - used : 0;
    if (!room && (ld->termios.c_lflag & LINUX_ICANON) && ld->canon_head == ld->tail)
        room = 1;
    tty_unlock(ld, s);
    return room;
}

/* --- read --- */

/* Canonical read: up to n bytes of the first line; the terminator ends the read and is
 * copied unless it is a VEOF marker. */
static long read_canonical(struct tty_ldisc *ld, uint8_t *dst, size_t n)
{
    uint32_t avail = ld->canon_head - ld->tail;
    if (avail == 0)
        return -EAGAIN;
    size_t limit = n < avail ? n : avail;
    size_t copied = 0;
    for (size_t k = 0; k < limit; k++) {
        uint32_t at = ld->tail + (uint32_t)k;
        uint8_t c = ring_at(ld, at);
        if (eol_at(ld, at)) {
            set_eol(ld, at, false);
            if (c != 0)
                dst[copied++] = c;
            ld->tail = at + 1;
            return (long)copied;
        }
        dst[copied++] = c;
    }
    ld->tail += (uint32_t)limit;
    /* The buffer is full: a VEOF ending this line goes with it rather than reading as a
     * later end-of-file (Linux's canon_skip_eof). */
    if (ld->tail != ld->canon_head && eol_at(ld, ld->tail) && ring_at(ld, ld->tail) == 0) {
        set_eol(ld, ld->tail, false);
        ld->tail++;
    }
    return (long)copied;
}

static long read_raw(struct tty_ldisc *ld, uint8_t *dst, size_t n)
{
    uint32_t avail = ld->head - ld->tail;
    if (avail == 0)
        return -EAGAIN;
    size_t count = n < avail ? n : avail;
    for (size_t k = 0; k < count; k++)
        dst[k] = ring_at(ld, ld->tail + (uint32_t)k);
    ld->tail += (uint32_t)count;
    return (long)count;
}

long tty_read(struct tty_ldisc *ld, void *buf, size_t n)
{
    if (n == 0)
        return 0;
    uint64_t s = tty_lock(ld);
    long r =
        (ld->termios.c_lflag & LINUX_ICANON) ? read_canonical(ld, buf, n) : read_raw(ld, buf, n);
    tty_unlock(ld, s);
    return r;
}

static bool readable_locked(struct tty_ldisc *ld, bool poll)
{
    if (ld->termios.c_lflag & LINUX_ICANON)
        return ld->canon_head != ld->tail;
    uint32_t need = 1;
    if (poll && ld->termios.c_cc[LINUX_VTIME] == 0 && ld->termios.c_cc[LINUX_VMIN] > 0)
        need = ld->termios.c_cc[LINUX_VMIN];
    return ld->head - ld->tail >= need;
}

bool tty_readable(struct tty_ldisc *ld)
{
    uint64_t s = tty_lock(ld);
    bool r = readable_locked(ld, false);
    tty_unlock(ld, s);
    return r;
}

bool tty_poll_readable(struct tty_ldisc *ld)
{
    uint64_t s = tty_lock(ld);
    bool r = readable_locked(ld, true);
    tty_unlock(ld, s);
    return r;
}

size_t tty_input_count(struct tty_ldisc *ld)
{
    uint64_t s = tty_lock(ld);
    size_t count;
    if (ld->termios.c_lflag & LINUX_ICANON) {
        count = ld->canon_head - ld->tail;
        for (uint32_t i = ld->tail; i != ld->canon_head; i++)
            if (eol_at(ld, i) && ring_at(ld, i) == 0)
                count--;
    } else {
        count = ld->head - ld->tail;
    }
    tty_unlock(ld, s);
    return count;
}

/* --- write --- */

long tty_write(struct tty_ldisc *ld, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    struct tty_out o = {.ld = ld};
    uint64_t s = tty_lock(ld);
    if (ld->stopped) {
        tty_unlock(ld, s);
        return -EAGAIN;
    }
    bool opost = ld->termios.c_oflag & LINUX_OPOST;
    for (size_t i = 0; i < n; i++) {
        if (opost)
            tty_opost_byte(ld, &o, p[i]);
        else
            out_byte(&o, p[i]);
    }
    tty_out_flush(&o);
    tty_unlock(ld, s);
    return (long)n;
}

bool tty_writable(struct tty_ldisc *ld)
{
    uint64_t s = tty_lock(ld);
    bool r = !ld->stopped;
    tty_unlock(ld, s);
    return r;
}

/* Applies a mode change to the queued input the way Linux does (n_tty_set_termios). */
void tty_mode_changed(struct tty_ldisc *ld, const struct linux_termios *old)
{
    uint32_t changed = old->c_lflag ^ ld->termios.c_lflag;
    if (changed & LINUX_ICANON) {
        memset(ld->eol, 0, sizeof(ld->eol));
        if (!(ld->termios.c_lflag & LINUX_ICANON) || ld->head == ld->tail) {
            ld->canon_head = ld->tail;
        } else {
            set_eol(ld, ld->head - 1, true);
            ld->canon_head = ld->head;
        }
        ld->erasing = false;
        ld->lnext = false;
    }
}
