/*
 * TTY line discipline: settings, ioctls, process groups, job-control and VMIN/VTIME
 * decisions. Everything here is non-blocking; see libos/tty.h for the contracts.
 */
#include <string.h>
#include <lib/errno.h>
#include <libos/tty.h>
#include "tty_internal.h"

#define CIBAUD  0x100f0000u
#define IBSHIFT 16

static const uint8_t default_cc[LINUX_NCCS] = {
    [LINUX_VINTR] = 0x03,    [LINUX_VQUIT] = 0x1c,    [LINUX_VERASE] = 0x7f,  [LINUX_VKILL] = 0x15,
    [LINUX_VEOF] = 0x04,     [LINUX_VTIME] = 0,       [LINUX_VMIN] = 1,       [LINUX_VSWTC] = 0,
    [LINUX_VSTART] = 0x11,   [LINUX_VSTOP] = 0x13,    [LINUX_VSUSP] = 0x1a,   [LINUX_VEOL] = 0,
    [LINUX_VREPRINT] = 0x12, [LINUX_VDISCARD] = 0x0f, [LINUX_VWERASE] = 0x17, [LINUX_VLNEXT] = 0x16,
    [LINUX_VEOL2] = 0,
};

void tty_default_termios(struct linux_termios *t)
{
    memset(t, 0, sizeof(*t));
    t->c_iflag = LINUX_ICRNL | LINUX_IXON;
    t->c_oflag = LINUX_OPOST | LINUX_ONLCR;
    t->c_cflag = LINUX_B38400 | LINUX_CS8 | LINUX_CREAD;
    t->c_lflag = LINUX_ISIG | LINUX_ICANON | LINUX_ECHO | LINUX_ECHOE | LINUX_ECHOK |
                 LINUX_ECHOCTL | LINUX_ECHOKE | LINUX_IEXTEN;
    memcpy(t->c_cc, default_cc, sizeof(default_cc));
}

/* Baud rate of a CBAUD code (termbits.h); 0 for B0 or an unknown code. */
static uint32_t baud_of(uint32_t code)
{
    static const uint32_t low[16] = {0,   50,   75,   110,  134,  150,  200,   300,
                                     600, 1200, 1800, 2400, 4800, 9600, 19200, 38400};
    static const uint32_t high[16] = {0,       57600,   115200,  230400,  460800,  500000,
                                      576000,  921600,  1000000, 1152000, 1500000, 2000000,
                                      2500000, 3000000, 3500000, 4000000};
    return (code & 0x1000) ? high[code & 0xf] : low[code & 0xf];
}

/* Recomputes the reported speeds from c_cflag unless BOTHER carries explicit ones. */
static void update_speeds(struct tty_ldisc *ld, uint32_t ispeed, uint32_t ospeed, bool explicit)
{
    uint32_t cflag = ld->termios.c_cflag;
    uint32_t ocode = cflag & LINUX_CBAUD, icode = (cflag & CIBAUD) >> IBSHIFT;
    ld->ospeed = (explicit && ocode == LINUX_BOTHER) ? ospeed : baud_of(ocode);
    if (icode == 0)
        ld->ispeed = ld->ospeed;
    else
        ld->ispeed = (explicit && icode == LINUX_BOTHER) ? ispeed : baud_of(icode);
}

void tty_init(struct tty_ldisc *ld, const struct tty_ops *ops, void *ctx)
{
    memset(ld, 0, sizeof(*ld));
    spin_init(&ld->lock, "tty");
    ld->ops = ops;
    ld->ctx = ctx;
    tty_default_termios(&ld->termios);
    update_speeds(ld, 0, 0, false);
}

void tty_get_termios(struct tty_ldisc *ld, struct linux_termios *t)
{
    uint64_t s = tty_lock(ld);
    *t = ld->termios;
    tty_unlock(ld, s);
}

/* Installs new settings under the lock; output restarts if IXON was turned off. */
static void set_termios_locked(struct tty_ldisc *ld, struct tty_out *o,
                               const struct linux_termios *t, bool flush)
{
    struct linux_termios old = ld->termios;
    if (flush) {
        tty_reset_input(ld);
        tty_event(ld, TTY_EV_INPUT_FLUSHED, NULL);
    }
    ld->termios = *t;
    tty_mode_changed(ld, &old);
    tty_event(ld, TTY_EV_TERMIOS_SET, &old);
    if ((old.c_iflag & LINUX_IXON) && !(t->c_iflag & LINUX_IXON))
        tty_start_output(ld, o);
}

void tty_set_termios(struct tty_ldisc *ld, const struct linux_termios *t, bool flush)
{
    struct tty_out o = {.ld = ld};
    uint64_t s = tty_lock(ld);
    set_termios_locked(ld, &o, t, flush);
    update_speeds(ld, 0, 0, false);
    tty_out_flush(&o);
    tty_unlock(ld, s);
}

static void set_termios2(struct tty_ldisc *ld, const struct linux_termios2 *t2, bool flush)
{
    struct linux_termios t;
    memcpy(&t, t2, sizeof(t)); /* termios2 starts with a termios */
    struct tty_out o = {.ld = ld};
    uint64_t s = tty_lock(ld);
    set_termios_locked(ld, &o, &t, flush);
    update_speeds(ld, t2->c_ispeed, t2->c_ospeed, true);
    tty_out_flush(&o);
    tty_unlock(ld, s);
}

static void get_termios2(struct tty_ldisc *ld, struct linux_termios2 *t2)
{
    uint64_t s = tty_lock(ld);
    memset(t2, 0, sizeof(*t2));
    memcpy(t2, &ld->termios, sizeof(ld->termios));
    t2->c_ispeed = ld->ispeed;
    t2->c_ospeed = ld->ospeed;
    tty_unlock(ld, s);
}

void tty_get_winsize(struct tty_ldisc *ld, struct linux_winsize *ws)
{
    uint64_t s = tty_lock(ld);
    *ws = ld->winsize;
    tty_unlock(ld, s);
}

bool tty_set_winsize(struct tty_ldisc *ld, const struct linux_winsize *ws)
{
    uint64_t s = tty_lock(ld);
    bool changed = memcmp(&ld->winsize, ws, sizeof(*ws)) != 0;
    ld->winsize = *ws;
    tty_unlock(ld, s);
    return changed;
}

int tty_flush(struct tty_ldisc *ld, int queue)
{
    if (queue != LINUX_TCIFLUSH && queue != LINUX_TCOFLUSH && queue != LINUX_TCIOFLUSH)
        return -EINVAL;
    uint64_t s = tty_lock(ld);
    if (queue != LINUX_TCOFLUSH) {
        tty_reset_input(ld);
        tty_event(ld, TTY_EV_INPUT_FLUSHED, NULL);
    }
    if (queue != LINUX_TCIFLUSH) {
        ld->hold_len = 0;
        if (ld->ops->flush_output)
            ld->ops->flush_output(ld->ctx);
    }
    tty_unlock(ld, s);
    return 0;
}

int tty_flow(struct tty_ldisc *ld, int action)
{
    struct tty_out o = {.ld = ld};
    uint64_t s = tty_lock(ld);
    int r = 0;
    switch (action) {
    case LINUX_TCOOFF:
        tty_stop_output(ld, &o);
        break;
    case LINUX_TCOON:
        tty_start_output(ld, &o);
        break;
    case LINUX_TCIOFF:
    case LINUX_TCION: {
        uint8_t c = ld->termios.c_cc[action == LINUX_TCIOFF ? LINUX_VSTOP : LINUX_VSTART];
        if (c)
            ld->ops->write(ld->ctx, (const char *)&c, 1);
        break;
    }
    default:
        r = -EINVAL;
    }
    tty_out_flush(&o);
    tty_unlock(ld, s);
    return r;
}

/* --- ioctl --- */

struct tty_ioctl_arg tty_ioctl_arg_size(unsigned cmd)
{
    switch (cmd) {
    case LINUX_TCGETS:
        return (struct tty_ioctl_arg){sizeof(struct linux_termios), false, true};
    case LINUX_TCSETS:
    case LINUX_TCSETSW:
    case LINUX_TCSETSF:
        return (struct tty_ioctl_arg){sizeof(struct linux_termios), true, false};
    case LINUX_TCGETS2:
        return (struct tty_ioctl_arg){sizeof(struct linux_termios2), false, true};
    case LINUX_TCSETS2:
    case LINUX_TCSETSW2:
    case LINUX_TCSETSF2:
        return (struct tty_ioctl_arg){sizeof(struct linux_termios2), true, false};
    case LINUX_TIOCGWINSZ:
        return (struct tty_ioctl_arg){sizeof(struct linux_winsize), false, true};
    case LINUX_TIOCSWINSZ:
        return (struct tty_ioctl_arg){sizeof(struct linux_winsize), true, false};
    case LINUX_FIONREAD:
    case LINUX_TIOCOUTQ:
    case LINUX_TIOCGETD:
        return (struct tty_ioctl_arg){sizeof(int32_t), false, true};
    case LINUX_TIOCSETD:
        return (struct tty_ioctl_arg){sizeof(int32_t), true, false};
    case LINUX_TIOCSTI:
        return (struct tty_ioctl_arg){1, true, false};
    default: /* TCFLSH, TCXONC, TCSBRK, TCSBRKP take the value itself */
        return (struct tty_ioctl_arg){0, false, false};
    }
}

bool tty_ioctl_checks_fg(unsigned cmd)
{
    switch (cmd) {
    case LINUX_TCSETS:
    case LINUX_TCSETSW:
    case LINUX_TCSETSF:
    case LINUX_TCSETS2:
    case LINUX_TCSETSW2:
    case LINUX_TCSETSF2:
    case LINUX_TCFLSH:
    case LINUX_TCXONC:
    case LINUX_TCSBRK:
    case LINUX_TCSBRKP:
    case LINUX_TIOCSPGRP:
        return true;
    default:
        return false;
    }
}

int tty_ioctl(struct tty_ldisc *ld, unsigned cmd, void *karg, unsigned long value, int *send_sig)
{
    *send_sig = 0;
    switch (cmd) {
    case LINUX_TCGETS:
        tty_get_termios(ld, karg);
        return 0;
    case LINUX_TCSETS:
    case LINUX_TCSETSW: /* output is never queued here: nothing to drain */
        tty_set_termios(ld, karg, false);
        return 0;
    case LINUX_TCSETSF:
        tty_set_termios(ld, karg, true);
        return 0;
    case LINUX_TCGETS2:
        get_termios2(ld, karg);
        return 0;
    case LINUX_TCSETS2:
    case LINUX_TCSETSW2:
        set_termios2(ld, karg, false);
        return 0;
    case LINUX_TCSETSF2:
        set_termios2(ld, karg, true);
        return 0;
    case LINUX_TIOCGWINSZ:
        tty_get_winsize(ld, karg);
        return 0;
    case LINUX_TIOCSWINSZ:
        if (tty_set_winsize(ld, karg))
            *send_sig = TTY_SIGWINCH;
        return 0;
    case LINUX_FIONREAD:
        *(int32_t *)karg = (int32_t)tty_input_count(ld);
        return 0;
    case LINUX_TIOCOUTQ:
        *(int32_t *)karg = 0;
        return 0;
    case LINUX_TIOCGETD:
        *(int32_t *)karg = 0; /* N_TTY */
        return 0;
    case LINUX_TIOCSETD:
        return *(int32_t *)karg == 0 ? 0 : -EINVAL;
    case LINUX_TCFLSH:
        return tty_flush(ld, (int)value);
    case LINUX_TCXONC:
        return tty_flow(ld, (int)value);
    case LINUX_TCSBRK:
    case LINUX_TCSBRKP:
        return 0; /* drain is immediate; no break is sent */
    case LINUX_TIOCSTI:
        tty_inject(ld, *(uint8_t *)karg);
        return 0;
    default:
        return -ENOTTY;
    }
}

/* --- process groups and job control --- */

int tty_get_pgrp(struct tty_ldisc *ld, bool is_ctty, int32_t *pgrp)
{
    if (!is_ctty)
        return -ENOTTY;
    uint64_t s = tty_lock(ld);
    *pgrp = ld->pgrp;
    tty_unlock(ld, s);
    return 0;
}

int tty_get_sid(struct tty_ldisc *ld, bool is_ctty, int32_t *sid)
{
    uint64_t s = tty_lock(ld);
    int32_t session = ld->session;
    tty_unlock(ld, s);
    if (!is_ctty || session == 0)
        return -ENOTTY;
    *sid = session;
    return 0;
}

int tty_set_pgrp(struct tty_ldisc *ld, bool is_ctty, int32_t caller_sid, int32_t pgrp,
                 int32_t pgrp_sid)
{
    uint64_t s = tty_lock(ld);
    int r = 0;
    if (!is_ctty || ld->session != caller_sid)
        r = -ENOTTY;
    else if (pgrp < 0)
        r = -EINVAL;
    else if (pgrp_sid < 0)
        r = -ESRCH;
    else if (pgrp_sid != caller_sid)
        r = -EPERM;
    else
        ld->pgrp = pgrp;
    tty_unlock(ld, s);
    return r;
}

void tty_set_session(struct tty_ldisc *ld, int32_t session, int32_t pgrp)
{
    uint64_t s = tty_lock(ld);
    ld->session = session;
    ld->pgrp = pgrp;
    tty_unlock(ld, s);
}

enum tty_jc_verdict tty_job_control(struct tty_ldisc *ld, enum tty_jc_op op,
                                    const struct tty_jc_caller *caller, int *sig)
{
    uint64_t s = tty_lock(ld);
    int32_t fg = ld->pgrp;
    bool tostop = ld->termios.c_lflag & LINUX_TOSTOP;
    tty_unlock(ld, s);

    *sig = op == TTY_JC_READ ? TTY_SIGTTIN : TTY_SIGTTOU;
    if (!caller->is_ctty || (op == TTY_JC_WRITE && !tostop))
        return TTY_JC_PROCEED;
    if (fg == 0 || caller->pgrp == fg)
        return TTY_JC_PROCEED;
    if (caller->sig_ignored || caller->sig_blocked)
        return op == TTY_JC_READ ? TTY_JC_EIO : TTY_JC_PROCEED;
    if (caller->pgrp_orphaned)
        return TTY_JC_EIO;
    return TTY_JC_SIGNAL;
}

/* --- VMIN / VTIME --- */

struct tty_raw_verdict tty_raw_decide(uint8_t vmin, uint8_t vtime, size_t want, size_t avail,
                                      uint64_t since_start_ns, uint64_t since_byte_ns)
{
    const struct tty_raw_verdict ret = {TTY_RAW_RETURN, 0}, wait = {TTY_RAW_WAIT, 0};
    uint64_t time_ns = (uint64_t)vtime * 100000000u;

    if (want == 0)
        return ret;
    if (vmin == 0) { /* polling (VTIME 0) or a read timer from the start of the read */
        if (avail > 0 || vtime == 0 || since_start_ns >= time_ns)
            return ret;
        return (struct tty_raw_verdict){TTY_RAW_WAIT_FOR, time_ns - since_start_ns};
    }
    size_t minimum = vmin < want ? vmin : want;
    if (avail >= minimum)
        return ret;
    if (vtime == 0 || avail == 0 || since_byte_ns == UINT64_MAX)
        return wait; /* blocking read; the inter-byte timer starts with the first byte */
    if (since_byte_ns >= time_ns)
        return ret;
    return (struct tty_raw_verdict){TTY_RAW_WAIT_FOR, time_ns - since_byte_ns};
}
