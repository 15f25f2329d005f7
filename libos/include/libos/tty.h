/*
 * TTY line discipline (hardware-free): Linux N_TTY semantics for the console and the slave
 * side of pseudo-terminals. One struct tty_ldisc per terminal holds the termios settings,
 * the window size, a 4 KiB input ring with the canonical "line available" boundary, the
 * echo/output column, and the foreground process group and session (numbers only).
 *
 * Nothing here sleeps. Drivers push received bytes with tty_receive (interrupt context is
 * fine); readers and writers use the non-blocking tty_read / tty_write and await on their
 * own wait queues with tty_readable / tty_writable as conditions. Non-canonical VMIN/VTIME
 * timing is a pure decision (tty_raw_decide); job control is a pure decision
 * (tty_job_control).
 *
 * Locking: every entry point takes ldisc->lock, bracketed by ops->lock_enter/lock_exit when
 * set (the console sets them to exo_irq_save/exo_irq_restore so its receive interrupt
 * cannot deadlock against a reader on the same CPU). ops->write and ops->flush_output are
 * called with the lock held and must neither sleep nor call back into the same ldisc;
 * ops->signal is called after the lock is dropped.
 *
 * Not implemented (Linux N_TTY has them): EXTPROC, XCASE, parity/framing error
 * marking (only PARMRK's doubling of \377), IMAXBEL, output flow control by IXOFF.
 */
#ifndef LIBOS_TTY_H
#define LIBOS_TTY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/spinlock.h>
#include <libos/abi/termios.h>

/* c_oflag tab delay field (uapi asm-generic termbits.h); TAB3 == XTABS expands tabs. */
#define TTY_TABDLY 0x1800u
#define TTY_XTABS  0x1800u

/* Linux signal numbers (arm64 / asm-generic) the line discipline asks to be sent. */
#define TTY_SIGINT   2
#define TTY_SIGQUIT  3
#define TTY_SIGTSTP  20
#define TTY_SIGTTIN  21
#define TTY_SIGTTOU  22
#define TTY_SIGWINCH 28

#define TTY_INPUT_SIZE 4096u /* input ring; a power of two */
#define TTY_ECHO_HOLD  256u  /* echo bytes kept while output is stopped (^S) */

/* What a driver may want to hear about (a PTY master in packet mode reports them). */
enum tty_event {
    TTY_EV_INPUT_FLUSHED,  /* queued input discarded (TCIFLUSH, TCSETSF, an ISIG char) */
    TTY_EV_OUTPUT_STOPPED, /* output stopped (VSTOP with IXON, TCOOFF) */
    TTY_EV_OUTPUT_STARTED, /* output restarted */
    TTY_EV_TERMIOS_SET,    /* new settings installed; old: the previous ones */
};

struct tty_ops {
    /* Driver output (console UART or PTY master's read queue). Required. */
    void (*write)(void *ctx, const char *bytes, size_t n);
    /* Sends sig to the foreground process group (ISIG chars). NULL: dropped. */
    void (*signal)(void *ctx, int sig);
    /* Discards output the driver still holds (ISIG flush, TCOFLUSH). Optional. */
    void (*flush_output)(void *ctx);
    /* Optional bracket around the spinlock (interrupt masking for IRQ-fed drivers). */
    uint64_t (*lock_enter)(void);
    void (*lock_exit)(uint64_t saved);
    /* An event (old: the previous settings for TTY_EV_TERMIOS_SET, else NULL). Called with
     * the lock held: must not sleep or call back into the ldisc. Optional. */
    void (*event)(void *ctx, enum tty_event ev, const struct linux_termios *old);
};

struct tty_ldisc {
    struct spinlock lock;
    const struct tty_ops *ops;
    void *ctx;
    struct linux_termios termios;
    struct linux_winsize winsize;
    int32_t pgrp;    /* foreground process group, 0: none */
    int32_t session; /* session the terminal controls, 0: none */

    /* Input ring; indexes run freely and are masked. */
    uint8_t buf[TTY_INPUT_SIZE];
    uint8_t eol[TTY_INPUT_SIZE / 8]; /* bit set: byte ends a canonical line */
    uint32_t tail;                   /* next byte to read */
    uint32_t canon_head;             /* end of complete lines (meaningful in canonical mode) */
    uint32_t head;                   /* end of received input */

    unsigned column;         /* output column */
    unsigned canon_column;   /* column where the current input line started */
    bool lnext;              /* next byte is literal (VLNEXT seen) */
    bool erasing;            /* inside an ECHOPRT "\...": erase run */
    bool stopped;            /* output stopped by VSTOP (IXON) or TCOOFF */
    uint32_t ispeed, ospeed; /* baud rates reported by TCGETS2 */

    uint8_t hold[TTY_ECHO_HOLD]; /* echo output produced while stopped */
    unsigned hold_len;
};

/* Initializes ld with Linux's defaults for a terminal (tty_default_termios), a 0x0 window,
 * no process group or session. ops->write must be set. */
void tty_init(struct tty_ldisc *ld, const struct tty_ops *ops, void *ctx);
/* The termios a fresh Linux PTY slave / virtual console reports: ICRNL|IXON,
 * OPOST|ONLCR, B38400|CS8|CREAD, ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN,
 * c_cc ^C ^\ ^? ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0. */
void tty_default_termios(struct linux_termios *t);

/* Driver side: processes n received bytes (input flags, ISIG, IXON, canonical editing,
 * echo). Returns how many were consumed: fewer than n only when the input ring is full of
 * unread data (a PTY master should then wait for tty_receive_room). As in Linux, the echo
 * of one call (a batch) reaches ops->write at its end, so a VSTOP holds and an ISIG char
 * (without NOFLSH) discards the echo of the bytes before it in the same batch. */
size_t tty_receive(struct tty_ldisc *ld, const void *bytes, size_t n);
/* A break condition: ignored (IGNBRK), SIGINT with flush (BRKINT), else a NUL byte. */
void tty_receive_break(struct tty_ldisc *ld);
/* Bytes tty_receive would accept now (at least 1 while a canonical line is being edited). */
size_t tty_receive_room(struct tty_ldisc *ld);

/* Reader side, non-blocking. Canonical: up to one line (the terminator included, a VEOF
 * dropped); 0 for end-of-file (VEOF at the start of a line). Non-canonical: whatever is
 * queued, up to n. -EAGAIN when nothing can be returned. n == 0 returns 0. */
long tty_read(struct tty_ldisc *ld, void *buf, size_t n);
/* Read can return without blocking: a complete line (or EOF) in canonical mode, any byte
 * otherwise. For poll, tty_poll_readable: in non-canonical mode with VTIME == 0 and
 * VMIN > 0 it waits for VMIN bytes, as Linux's poll does. */
bool tty_readable(struct tty_ldisc *ld);
bool tty_poll_readable(struct tty_ldisc *ld);
/* Bytes queued for reading (FIONREAD): complete lines without their VEOF markers in
 * canonical mode, everything otherwise. */
size_t tty_input_count(struct tty_ldisc *ld);

/* Writer side: applies OPOST processing and hands the result to ops->write. Returns n, or
 * -EAGAIN when output is stopped (^S). Output goes to the driver synchronously, so drains
 * (TCSETSW, tcdrain) complete immediately. */
long tty_write(struct tty_ldisc *ld, const void *buf, size_t n);
bool tty_writable(struct tty_ldisc *ld);

/* Non-canonical read timing (VMIN/VTIME, POSIX General Terminal Interface, Linux's
 * n_tty_read). The reader calls this before reading, after each wakeup and at each
 * deadline:
 *   want           bytes requested by read()
 *   avail          tty_input_count() now
 *   since_start_ns time since the read began
 *   since_byte_ns  time since avail last grew during this read (UINT64_MAX: no byte yet)
 * TTY_RAW_RETURN: call tty_read now and return its result (-EAGAIN there means 0 bytes).
 * TTY_RAW_WAIT: await new input with no deadline. TTY_RAW_WAIT_FOR: await new input for at
 * most timeout_ns, then decide again. (O_NONBLOCK readers return -EAGAIN instead of waiting;
 * VMIN == VTIME == 0 returns 0 bytes even for them.) */
enum tty_raw_action { TTY_RAW_RETURN, TTY_RAW_WAIT, TTY_RAW_WAIT_FOR };
struct tty_raw_verdict {
    enum tty_raw_action action;
    uint64_t timeout_ns;
};
struct tty_raw_verdict tty_raw_decide(uint8_t vmin, uint8_t vtime, size_t want, size_t avail,
                                      uint64_t since_start_ns, uint64_t since_byte_ns);

/* Settings. tty_set_termios applies a new termios; `flush` discards queued input first
 * (TCSETSF). Switching ICANON on with input queued makes it one readable line, switching
 * it off makes the partial line readable (as Linux does). */
void tty_get_termios(struct tty_ldisc *ld, struct linux_termios *t);
void tty_set_termios(struct tty_ldisc *ld, const struct linux_termios *t, bool flush);
void tty_get_winsize(struct tty_ldisc *ld, struct linux_winsize *ws);
/* Returns true when the size changed: send SIGWINCH to the foreground group. */
bool tty_set_winsize(struct tty_ldisc *ld, const struct linux_winsize *ws);
/* TCFLSH: queue LINUX_TCIFLUSH / TCOFLUSH / TCIOFLUSH. 0 or -EINVAL. */
int tty_flush(struct tty_ldisc *ld, int queue);
/* TCXONC: LINUX_TCOOFF / TCOON stop or restart output; TCIOFF / TCION send VSTOP / VSTART
 * to the driver. 0 or -EINVAL. */
int tty_flow(struct tty_ldisc *ld, int action);
/* TIOCSTI: as if c had been received. */
void tty_inject(struct tty_ldisc *ld, uint8_t c);

/* ioctl helper. The caller copies the argument in and out: tty_ioctl_arg_size gives its
 * size (0: the argument is the integer value itself, passed as `value`) and whether it is
 * read from (in) or written to (out) user memory. Returns 0, a negative errno (-ENOTTY for
 * commands not handled here: TIOCSCTTY, TIOCNOTTY, TIOCGPTN, ...), and sets *send_sig to a
 * signal for the foreground group (SIGWINCH) or 0. Job-control checks (tty_ioctl_checks_fg
 * -> tty_job_control with TTY_JC_CHANGE) and the controlling-terminal rules for
 * TIOCGPGRP/TIOCSPGRP/TIOCGSID (tty_get_pgrp, tty_set_pgrp, tty_get_sid) are the caller's. */
struct tty_ioctl_arg {
    size_t size;
    bool in, out;
};
struct tty_ioctl_arg tty_ioctl_arg_size(unsigned cmd);
bool tty_ioctl_checks_fg(unsigned cmd);
int tty_ioctl(struct tty_ldisc *ld, unsigned cmd, void *karg, unsigned long value, int *send_sig);

/* Process groups. is_ctty: this terminal is the caller's controlling terminal.
 * TIOCGPGRP / TIOCGSID: -ENOTTY unless it is (TIOCGSID also when no session). */
int tty_get_pgrp(struct tty_ldisc *ld, bool is_ctty, int32_t *pgrp);
int tty_get_sid(struct tty_ldisc *ld, bool is_ctty, int32_t *sid);
/* TIOCSPGRP: caller_sid is the caller's session, pgrp_sid the session of group pgrp
 * (-1: no such group). -ENOTTY (not the ctty, or another session's), -EINVAL (pgrp < 0),
 * -ESRCH, -EPERM (group in another session), else 0. */
int tty_set_pgrp(struct tty_ldisc *ld, bool is_ctty, int32_t caller_sid, int32_t pgrp,
                 int32_t pgrp_sid);
/* The lead sets the session and clears it on hangup/TIOCNOTTY. */
void tty_set_session(struct tty_ldisc *ld, int32_t session, int32_t pgrp);

/* Job control for background access (Linux's tty_check_change / n_tty_read / n_tty_write):
 * TTY_JC_READ (SIGTTIN), TTY_JC_WRITE (SIGTTOU, only with TOSTOP), TTY_JC_CHANGE
 * (SIGTTOU: TCSETS*, TCFLSH, TCXONC, TIOCSPGRP, TIOCSWINSZ...). */
enum tty_jc_op { TTY_JC_READ, TTY_JC_WRITE, TTY_JC_CHANGE };
enum tty_jc_verdict {
    TTY_JC_PROCEED, /* go ahead */
    TTY_JC_SIGNAL,  /* send *sig to the caller's process group, return -ERESTARTSYS */
    TTY_JC_EIO,     /* fail with -EIO */
};
struct tty_jc_caller {
    bool is_ctty;       /* the terminal is the caller's controlling terminal */
    int32_t pgrp;       /* caller's process group */
    bool sig_ignored;   /* the job-control signal is ignored (SIG_IGN) ... */
    bool sig_blocked;   /* ... or blocked by the calling thread */
    bool pgrp_orphaned; /* the caller's process group is orphaned */
};
enum tty_jc_verdict tty_job_control(struct tty_ldisc *ld, enum tty_jc_op op,
                                    const struct tty_jc_caller *caller, int *sig);

#endif
