/* libos/tty line discipline on its own: editing, echo, signals, modes, ioctls, decisions.
 * Expected echo strings are what Linux's N_TTY prints (test_pty_oracle checks the same
 * sequences against the host kernel). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include "capture.h"

static struct capture cap;

static int setup(void **state)
{
    (void)state;
    capture_init(&cap);
    return 0;
}

#define ECHOED(s)                                                                                  \
    do {                                                                                           \
        assert_int_equal(cap.out_len, sizeof(s) - 1);                                              \
        assert_memory_equal(cap.out, s, sizeof(s) - 1);                                            \
        capture_reset(&cap);                                                                       \
    } while (0)

/* Reads with a buffer of n bytes and expects exactly s (a string literal). */
#define READS(n, s)                                                                                \
    do {                                                                                           \
        char rb_[8192];                                                                            \
        long r_ = tty_read(&cap.ld, rb_, (n));                                                     \
        assert_int_equal(r_, sizeof(s) - 1);                                                       \
        assert_memory_equal(rb_, s, sizeof(s) - 1);                                                \
    } while (0)

static long read_n(size_t n)
{
    char buf[8192];
    return tty_read(&cap.ld, buf, n);
}

static void set_lflag(uint32_t set, uint32_t clear)
{
    struct linux_termios t;
    tty_get_termios(&cap.ld, &t);
    t.c_lflag = (t.c_lflag | set) & ~clear;
    tty_set_termios(&cap.ld, &t, false);
}

static void test_default_termios(void **state)
{
    (void)state;
    struct linux_termios t;
    tty_get_termios(&cap.ld, &t);
    assert_int_equal(t.c_iflag, 0x500);  /* ICRNL | IXON */
    assert_int_equal(t.c_oflag, 0x5);    /* OPOST | ONLCR */
    assert_int_equal(t.c_cflag, 0xbf);   /* B38400 | CS8 | CREAD */
    assert_int_equal(t.c_lflag, 0x8a3b); /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
    static const uint8_t cc[17] = {3,   034, 0177, 025, 4,   0,   1,   0, 021,
                                   023, 032, 0,    022, 017, 027, 026, 0};
    assert_memory_equal(t.c_cc, cc, sizeof(cc));
    assert_int_equal(t.c_line, 0);
}

static void test_canonical_line(void **state)
{
    (void)state;
    capture_feed(&cap, "hello");
    ECHOED("hello");
    assert_false(tty_readable(&cap.ld));
    assert_int_equal(read_n(100), -EAGAIN);
    capture_feed(&cap, "\r"); /* ICRNL, echoed as CR LF through ONLCR */
    ECHOED("\r\n");
    assert_true(tty_readable(&cap.ld));
    READS(100, "hello\n");
    assert_int_equal(read_n(100), -EAGAIN);
}

static void test_erase(void **state)
{
    (void)state;
    capture_feed(&cap, "abc\x7f");
    ECHOED("abc\b \b");
    capture_feed(&cap, "\x7f\x7f\x7f"); /* erasing past the line start does nothing */
    ECHOED("\b \b\b \b");
    capture_feed(&cap, "x\b\n"); /* ^H is not VERASE: it is queued and echoed as ^H */
    ECHOED("x^H\r\n");
    READS(100, "x\b\n");
}

static void test_erase_control_and_tab(void **state)
{
    (void)state;
    capture_feed(&cap, "a\x01\x7f");
    ECHOED("a^A\b \b\b \b"); /* two columns for ^A */
    capture_feed(&cap, "\tb\x7f\x7f");
    /* "a\t": tab from column 1 to 8; erasing it goes back 7 columns */
    ECHOED("\tb\b \b\b\b\b\b\b\b\b");
    capture_feed(&cap, "\n");
    capture_reset(&cap);
    READS(100, "a\n");
}

static void test_kill(void **state)
{
    (void)state;
    capture_feed(&cap, "abc\x15");
    ECHOED("abc\b \b\b \b\b \b"); /* ECHOKE: erased character by character */
    set_lflag(0, LINUX_ECHOKE);
    capture_feed(&cap, "de\x15");
    ECHOED("de^U\r\n"); /* ECHOK: the kill char, then a newline */
    capture_feed(&cap, "f\n");
    ECHOED("f\r\n");
    READS(100, "f\n");
}

static void test_werase(void **state)
{
    (void)state;
    capture_feed(&cap, "foo bar  \x17");
    ECHOED("foo bar  \b \b\b \b\b \b\b \b\b \b");
    capture_feed(&cap, "x a_b\x17");
    ECHOED("x a_b\b \b\b \b\b \b"); /* '_' is part of a word */
    capture_feed(&cap, "c-d\x17\n");
    capture_reset(&cap);
    READS(100, "foo x c-\n"); /* '-' is not */
}

static void test_eof(void **state)
{
    (void)state;
    capture_feed(&cap, "\x04");
    ECHOED(""); /* VEOF is not echoed */
    assert_true(tty_readable(&cap.ld));
    assert_int_equal(read_n(100), 0);
    assert_int_equal(read_n(100), -EAGAIN);
    capture_feed(&cap, "ab\x04"); /* mid-line: the line without the VEOF */
    READS(100, "ab");
    capture_feed(&cap, "cd\x04\x04");
    READS(100, "cd");
    assert_int_equal(read_n(100), 0);
    /* A read that fills its buffer right before a VEOF consumes the VEOF too. */
    capture_feed(&cap, "ef\x04");
    READS(2, "ef");
    assert_int_equal(read_n(2), -EAGAIN);
    capture_feed(&cap, "ghi\n");
    READS(2, "gh"); /* a newline is data: it stays */
    READS(2, "i\n");
}

static void test_multiple_lines_and_short_reads(void **state)
{
    (void)state;
    capture_feed(&cap, "one\ntwo\nthr");
    int32_t inq = -1, sig;
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_FIONREAD, &inq, 0, &sig), 0);
    assert_int_equal(inq, 8);
    READS(2, "on");
    READS(100, "e\n");
    READS(100, "two\n");
    assert_int_equal(read_n(100), -EAGAIN);
    capture_feed(&cap, "ee\x04");
    assert_int_equal(tty_input_count(&cap.ld), 5); /* the VEOF marker is not counted */
    READS(100, "three");
}

static void test_eol_chars(void **state)
{
    (void)state;
    struct linux_termios t;
    tty_get_termios(&cap.ld, &t);
    t.c_cc[LINUX_VEOL] = '!';
    t.c_cc[LINUX_VEOL2] = '?';
    tty_set_termios(&cap.ld, &t, false);
    capture_feed(&cap, "ab!cd?");
    ECHOED("ab!cd?");
    READS(100, "ab!");
    READS(100, "cd?");
}

static void test_lnext_and_reprint(void **state)
{
    (void)state;
    capture_feed(&cap, "\x16\x03\x16\x7f");
    ECHOED("^\b^C^\b^?");
    assert_int_equal(cap.nsigs, 0);
    capture_feed(&cap, "x\x12");
    ECHOED("x^R\r\n^C^?x");
    capture_feed(&cap, "\n");
    READS(100, "\x03\x7fx\n");
}

static void test_isig_flushes(void **state)
{
    (void)state;
    capture_feed(&cap, "abc");
    capture_reset(&cap);
    capture_feed(&cap, "\x03");
    ECHOED("^C");
    capture_feed(&cap, "\n"); /* "abc" was flushed */
    READS(100, "\n");
    capture_reset(&cap);
    capture_feed(&cap, "\x03\x1c\x1a");
    assert_int_equal(cap.nsigs, 3);
    assert_int_equal(cap.sigs[0], TTY_SIGINT);
    assert_int_equal(cap.sigs[1], TTY_SIGQUIT);
    assert_int_equal(cap.sigs[2], TTY_SIGTSTP);
    assert_int_equal(cap.output_flushes, 3);
}

static void test_isig_noflsh(void **state)
{
    (void)state;
    set_lflag(LINUX_NOFLSH, 0);
    capture_feed(&cap, "abc\x03\n");
    ECHOED("abc^C\r\n");
    assert_int_equal(cap.output_flushes, 0);
    READS(100, "abc\n");
}

static void test_isig_off(void **state)
{
    (void)state;
    set_lflag(0, LINUX_ISIG);
    capture_feed(&cap, "\x03\n");
    assert_int_equal(cap.nsigs, 0);
    READS(100, "\x03\n");
}

static void test_input_translation(void **state)
{
    (void)state;
    struct linux_termios t;
    tty_get_termios(&cap.ld, &t);
    t.c_iflag = LINUX_IGNCR | LINUX_ISTRIP;
    tty_set_termios(&cap.ld, &t, false);
    capture_feed(&cap, "a\r\xe2\n");
    READS(100, "ab\n");
    t.c_iflag = LINUX_INLCR;
    tty_set_termios(&cap.ld, &t, false);
    capture_feed(&cap, "x\n\r");
    assert_int_equal(read_n(100), -EAGAIN); /* '\n' became '\r', which ends no line */
    t.c_iflag = LINUX_INLCR | LINUX_ICRNL;
    tty_set_termios(&cap.ld, &t, false);
    capture_feed(&cap, "\r");
    READS(100, "x\r\r\n");
}

static void test_echo_off_and_echonl(void **state)
{
    (void)state;
    set_lflag(0, LINUX_ECHO);
    capture_feed(&cap, "secret\x7fT\n");
    ECHOED("");
    READS(100, "secreT\n");
    set_lflag(LINUX_ECHONL, 0);
    capture_feed(&cap, "pw\n");
    ECHOED("\r\n");
}

static void test_output_processing(void **state)
{
    (void)state;
    assert_int_equal(tty_write(&cap.ld, "a\nb", 3), 3);
    ECHOED("a\r\nb");
    struct linux_termios t;
    tty_get_termios(&cap.ld, &t);
    t.c_oflag = LINUX_OPOST | LINUX_OCRNL;
    tty_set_termios(&cap.ld, &t, false);
    tty_write(&cap.ld, "x\ry\n", 4);
    ECHOED("x\ny\n");
    t.c_oflag = LINUX_OPOST | LINUX_ONOCR | TTY_XTABS | LINUX_OLCUC;
    tty_set_termios(&cap.ld, &t, false);
    /* A bare LF left the column at 2, so the first CR is kept; the last one is at column 0
     * and dropped. */
    tty_write(&cap.ld, "\rab\tc\r\r", 7);
    ECHOED("\rAB      C\r");
    t.c_oflag = LINUX_ONLCR; /* no OPOST: nothing is processed */
    tty_set_termios(&cap.ld, &t, false);
    tty_write(&cap.ld, "a\n\t", 3);
    ECHOED("a\n\t");
}

static void test_flow_control(void **state)
{
    (void)state;
    capture_feed(&cap, "a\x13");
    ECHOED(""); /* this batch's echo is held too */
    assert_false(tty_writable(&cap.ld));
    assert_int_equal(tty_write(&cap.ld, "x", 1), -EAGAIN);
    capture_feed(&cap, "bc");
    ECHOED(""); /* held while stopped */
    capture_feed(&cap, "\x11");
    ECHOED("abc");
    assert_true(tty_writable(&cap.ld));
    capture_feed(&cap, "\n");
    READS(100, "abc\n");
}

static void test_raw_mode(void **state)
{
    (void)state;
    set_lflag(0, LINUX_ICANON);
    capture_feed(&cap, "ab\x7f\x04\n\r");
    ECHOED("ab^?^D^J\r\n"); /* ICRNL makes the CR a newline, echoed raw */
    READS(3, "ab\x7f");
    READS(100, "\x04\n\n");
    assert_false(tty_readable(&cap.ld));
    assert_int_equal(read_n(10), -EAGAIN);
}

static void test_mode_switch(void **state)
{
    (void)state;
    capture_feed(&cap, "par");
    set_lflag(0, LINUX_ICANON); /* the partial line becomes readable */
    assert_true(tty_readable(&cap.ld));
    capture_feed(&cap, "t");
    set_lflag(LINUX_ICANON, 0); /* queued input becomes one line */
    assert_true(tty_readable(&cap.ld));
    READS(100, "part");
    assert_false(tty_readable(&cap.ld));
}

static void test_tcsetsf_flushes(void **state)
{
    (void)state;
    struct linux_termios t;
    int sig;
    capture_feed(&cap, "keep\n");
    tty_get_termios(&cap.ld, &t);
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TCSETS, &t, 0, &sig), 0);
    assert_true(tty_readable(&cap.ld));
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TCSETSF, &t, 0, &sig), 0);
    assert_false(tty_readable(&cap.ld));
    capture_feed(&cap, "a\nb\n");
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TCFLSH, NULL, LINUX_TCIFLUSH, &sig), 0);
    assert_int_equal(tty_input_count(&cap.ld), 0);
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TCFLSH, NULL, 7, &sig), -EINVAL);
}

static void test_termios2_speeds(void **state)
{
    (void)state;
    struct linux_termios2 t2;
    int sig;
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TCGETS2, &t2, 0, &sig), 0);
    assert_int_equal(t2.c_ispeed, 38400);
    assert_int_equal(t2.c_ospeed, 38400);
    t2.c_cflag = (t2.c_cflag & ~LINUX_CBAUD) | LINUX_BOTHER;
    t2.c_ospeed = t2.c_ispeed = 1234567;
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TCSETS2, &t2, 0, &sig), 0);
    memset(&t2, 0, sizeof(t2));
    tty_ioctl(&cap.ld, LINUX_TCGETS2, &t2, 0, &sig);
    assert_int_equal(t2.c_ospeed, 1234567);
    assert_int_equal(t2.c_ispeed, 1234567);
}

static void test_winsize(void **state)
{
    (void)state;
    struct linux_winsize ws = {24, 80, 0, 0}, got;
    int sig;
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TIOCSWINSZ, &ws, 0, &sig), 0);
    assert_int_equal(sig, TTY_SIGWINCH);
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TIOCSWINSZ, &ws, 0, &sig), 0);
    assert_int_equal(sig, 0); /* unchanged: no SIGWINCH */
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TIOCGWINSZ, &got, 0, &sig), 0);
    assert_memory_equal(&got, &ws, sizeof(ws));
}

static void test_ioctl_args(void **state)
{
    (void)state;
    struct tty_ioctl_arg a = tty_ioctl_arg_size(LINUX_TCGETS);
    assert_int_equal(a.size, 36);
    assert_true(a.out && !a.in);
    a = tty_ioctl_arg_size(LINUX_TIOCSWINSZ);
    assert_int_equal(a.size, 8);
    assert_true(a.in && !a.out);
    assert_int_equal(tty_ioctl_arg_size(LINUX_TCFLSH).size, 0);
    assert_true(tty_ioctl_checks_fg(LINUX_TCSETSW));
    assert_false(tty_ioctl_checks_fg(LINUX_TCGETS));
    int sig;
    assert_int_equal(tty_ioctl(&cap.ld, LINUX_TIOCSCTTY, NULL, 0, &sig), -ENOTTY);
    uint8_t c = 'z';
    tty_ioctl(&cap.ld, LINUX_TIOCSTI, &c, 0, &sig);
    ECHOED("z");
}

static void test_canonical_overflow(void **state)
{
    (void)state;
    set_lflag(0, LINUX_ECHO);
    static char big[5001];
    memset(big, 'a', 5000);
    big[4999] = 'b';
    capture_feed(&cap, big);
    capture_feed(&cap, "\n");
    char buf[8192];
    /* 4095 bytes of the line survive; the newline replaces the last one */
    assert_int_equal(tty_read(&cap.ld, buf, sizeof(buf)), 4096);
    assert_int_equal(buf[4094], 'a');
    assert_int_equal(buf[4095], '\n');
}

static void test_raw_overflow_backpressure(void **state)
{
    (void)state;
    set_lflag(0, LINUX_ICANON | LINUX_ECHO);
    static char big[5000];
    memset(big, 'r', sizeof(big));
    assert_int_equal(tty_receive(&cap.ld, big, sizeof(big)), 4095);
    assert_int_equal(tty_receive_room(&cap.ld), 0);
    char buf[100];
    assert_int_equal(tty_read(&cap.ld, buf, 100), 100);
    assert_int_equal(tty_receive_room(&cap.ld), 100);
}

static void test_cread_and_break(void **state)
{
    (void)state;
    struct linux_termios t;
    tty_get_termios(&cap.ld, &t);
    t.c_cflag &= ~LINUX_CREAD;
    tty_set_termios(&cap.ld, &t, false);
    capture_feed(&cap, "lost\n");
    assert_false(tty_readable(&cap.ld));
    t.c_cflag |= LINUX_CREAD;
    t.c_iflag |= LINUX_BRKINT;
    tty_set_termios(&cap.ld, &t, false);
    tty_receive_break(&cap.ld);
    assert_int_equal(cap.nsigs, 1);
    assert_int_equal(cap.sigs[0], TTY_SIGINT);
    t.c_iflag |= LINUX_IGNBRK;
    tty_set_termios(&cap.ld, &t, false);
    tty_receive_break(&cap.ld);
    assert_int_equal(cap.nsigs, 1);
}

/* VMIN/VTIME: the POSIX cases A-D plus Linux details. */
static void test_raw_decisions(void **state)
{
    (void)state;
    const uint64_t ms = 1000000, none = UINT64_MAX;
    struct tty_raw_verdict v;
    /* VMIN 0, VTIME 0: polling, always returns */
    assert_int_equal(tty_raw_decide(0, 0, 10, 0, 0, none).action, TTY_RAW_RETURN);
    /* VMIN > 0, VTIME 0: blocks until min(VMIN, want) bytes */
    assert_int_equal(tty_raw_decide(4, 0, 10, 3, 5000 * ms, 1000 * ms).action, TTY_RAW_WAIT);
    assert_int_equal(tty_raw_decide(4, 0, 10, 4, 0, 0).action, TTY_RAW_RETURN);
    assert_int_equal(tty_raw_decide(4, 0, 2, 2, 0, 0).action, TTY_RAW_RETURN);
    /* VMIN 0, VTIME > 0: read timer from the start; any byte returns */
    v = tty_raw_decide(0, 5, 10, 0, 200 * ms, none);
    assert_int_equal(v.action, TTY_RAW_WAIT_FOR);
    assert_int_equal(v.timeout_ns, 300 * ms);
    assert_int_equal(tty_raw_decide(0, 5, 10, 0, 500 * ms, none).action, TTY_RAW_RETURN);
    assert_int_equal(tty_raw_decide(0, 5, 10, 1, 0, 0).action, TTY_RAW_RETURN);
    /* VMIN > 0, VTIME > 0: no timer before the first byte, then an inter-byte timer */
    assert_int_equal(tty_raw_decide(3, 2, 10, 0, 9000 * ms, none).action, TTY_RAW_WAIT);
    v = tty_raw_decide(3, 2, 10, 1, 9000 * ms, 50 * ms);
    assert_int_equal(v.action, TTY_RAW_WAIT_FOR);
    assert_int_equal(v.timeout_ns, 150 * ms);
    assert_int_equal(tty_raw_decide(3, 2, 10, 2, 9000 * ms, 200 * ms).action, TTY_RAW_RETURN);
    assert_int_equal(tty_raw_decide(3, 2, 10, 3, 0, 0).action, TTY_RAW_RETURN);
    /* zero-byte reads return at once */
    assert_int_equal(tty_raw_decide(3, 0, 0, 0, 0, none).action, TTY_RAW_RETURN);
}

static void test_poll_vmin(void **state)
{
    (void)state;
    struct linux_termios t;
    tty_get_termios(&cap.ld, &t);
    t.c_lflag &= ~LINUX_ICANON;
    t.c_cc[LINUX_VMIN] = 3;
    tty_set_termios(&cap.ld, &t, false);
    capture_feed(&cap, "ab");
    assert_true(tty_readable(&cap.ld));
    assert_false(tty_poll_readable(&cap.ld));
    capture_feed(&cap, "c");
    assert_true(tty_poll_readable(&cap.ld));
}

struct jc_case {
    enum tty_jc_op op;
    bool tostop, is_ctty, ignored, blocked, orphaned;
    int32_t caller_pgrp;
    enum tty_jc_verdict want;
};

static void test_job_control(void **state)
{
    (void)state;
    /* fg group 100; background callers use 200 */
    static const struct jc_case cases[] = {
        {TTY_JC_READ, false, true, false, false, false, 100, TTY_JC_PROCEED},
        {TTY_JC_READ, false, false, false, false, false, 200, TTY_JC_PROCEED}, /* not ctty */
        {TTY_JC_READ, false, true, false, false, false, 200, TTY_JC_SIGNAL},
        {TTY_JC_READ, false, true, true, false, false, 200, TTY_JC_EIO},
        {TTY_JC_READ, false, true, false, true, false, 200, TTY_JC_EIO},
        {TTY_JC_READ, false, true, false, false, true, 200, TTY_JC_EIO},
        {TTY_JC_WRITE, false, true, false, false, false, 200, TTY_JC_PROCEED}, /* no TOSTOP */
        {TTY_JC_WRITE, true, true, false, false, false, 200, TTY_JC_SIGNAL},
        {TTY_JC_WRITE, true, true, true, false, false, 200, TTY_JC_PROCEED},
        {TTY_JC_WRITE, true, true, false, true, false, 200, TTY_JC_PROCEED},
        {TTY_JC_WRITE, true, true, false, false, true, 200, TTY_JC_EIO},
        {TTY_JC_WRITE, true, true, false, false, false, 100, TTY_JC_PROCEED},
        {TTY_JC_CHANGE, false, true, false, false, false, 200, TTY_JC_SIGNAL},
        {TTY_JC_CHANGE, false, true, true, false, false, 200, TTY_JC_PROCEED},
        {TTY_JC_CHANGE, false, true, false, false, true, 200, TTY_JC_EIO},
    };
    tty_set_session(&cap.ld, 50, 100);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct jc_case *c = &cases[i];
        set_lflag(c->tostop ? LINUX_TOSTOP : 0, c->tostop ? 0 : LINUX_TOSTOP);
        struct tty_jc_caller who = {c->is_ctty, c->caller_pgrp, c->ignored, c->blocked,
                                    c->orphaned};
        int sig = 0;
        enum tty_jc_verdict v = tty_job_control(&cap.ld, c->op, &who, &sig);
        if (v != c->want)
            fail_msg("job-control case %zu: got %d want %d", i, v, c->want);
        assert_int_equal(sig, c->op == TTY_JC_READ ? TTY_SIGTTIN : TTY_SIGTTOU);
    }
    /* no foreground group: everyone proceeds */
    tty_set_session(&cap.ld, 50, 0);
    struct tty_jc_caller bg = {true, 200, false, false, false};
    int sig;
    assert_int_equal(tty_job_control(&cap.ld, TTY_JC_READ, &bg, &sig), TTY_JC_PROCEED);
}

static void test_pgrp_ioctls(void **state)
{
    (void)state;
    int32_t v;
    assert_int_equal(tty_get_sid(&cap.ld, true, &v), -ENOTTY); /* no session yet */
    tty_set_session(&cap.ld, 50, 100);
    assert_int_equal(tty_get_pgrp(&cap.ld, false, &v), -ENOTTY);
    assert_int_equal(tty_get_pgrp(&cap.ld, true, &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(tty_get_sid(&cap.ld, true, &v), 0);
    assert_int_equal(v, 50);
    assert_int_equal(tty_set_pgrp(&cap.ld, true, 51, 120, 51), -ENOTTY);
    assert_int_equal(tty_set_pgrp(&cap.ld, true, 50, -1, 50), -EINVAL);
    assert_int_equal(tty_set_pgrp(&cap.ld, true, 50, 120, -1), -ESRCH);
    assert_int_equal(tty_set_pgrp(&cap.ld, true, 50, 120, 51), -EPERM);
    assert_int_equal(tty_set_pgrp(&cap.ld, true, 50, 120, 50), 0);
    tty_get_pgrp(&cap.ld, true, &v);
    assert_int_equal(v, 120);
}

/* The lock hooks bracket every locked operation. */
static int hook_depth, hook_calls;
static uint64_t hook_enter(void)
{
    hook_depth++;
    hook_calls++;
    return 42;
}
static void hook_exit(uint64_t saved)
{
    assert_int_equal(saved, 42);
    hook_depth--;
}
static void null_write(void *ctx, const char *b, size_t n)
{
    (void)ctx, (void)b, (void)n;
    assert_int_equal(hook_depth, 1);
}

static void test_lock_hooks(void **state)
{
    (void)state;
    static const struct tty_ops ops = {
        .write = null_write, .lock_enter = hook_enter, .lock_exit = hook_exit};
    struct tty_ldisc *ld = &cap.ld;
    tty_init(ld, &ops, NULL);
    tty_receive(ld, "x\n", 2);
    char buf[4];
    assert_int_equal(tty_read(ld, buf, 4), 2);
    assert_int_equal(hook_depth, 0);
    assert_true(hook_calls >= 2);
}

/* Events for the driver (a PTY master's packet mode): flow control, flushes, termios. */
static char events[16];
static size_t n_events;
static bool event_old_ixon;

static void quiet_write(void *ctx, const char *b, size_t n)
{
    (void)ctx, (void)b, (void)n;
}

static void record_event(void *ctx, enum tty_event ev, const struct linux_termios *old)
{
    (void)ctx;
    static const char code[] = {'F', 'S', 'Q', 'T'};
    if (n_events < sizeof(events) - 1)
        events[n_events++] = code[ev];
    if (ev == TTY_EV_TERMIOS_SET)
        event_old_ixon = old->c_iflag & LINUX_IXON;
}

static void test_driver_events(void **state)
{
    (void)state;
    static const struct tty_ops ops = {.write = quiet_write, .event = record_event};
    struct tty_ldisc *ld = &cap.ld;
    tty_init(ld, &ops, NULL);
    n_events = 0;
    tty_receive(ld, "a\x13\x13\x11", 4); /* the second ^S changes nothing */
    assert_int_equal(tty_flush(ld, LINUX_TCIFLUSH), 0);
    assert_int_equal(tty_flush(ld, LINUX_TCOFLUSH), 0); /* output: flush_output, not here */
    struct linux_termios t;
    tty_get_termios(ld, &t);
    t.c_iflag &= ~(uint32_t)LINUX_IXON;
    tty_set_termios(ld, &t, false);
    assert_true(event_old_ixon);
    tty_set_termios(ld, &t, true); /* TCSETSF: input flushed first */
    tty_receive(ld, "\x03", 1);    /* ISIG without NOFLSH flushes input */
    t.c_lflag |= LINUX_NOFLSH;
    tty_set_termios(ld, &t, false);
    tty_receive(ld, "\x03", 1);
    events[n_events] = '\0';
    assert_string_equal(events, "SQFTFTFT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_default_termios, setup),
        cmocka_unit_test_setup(test_canonical_line, setup),
        cmocka_unit_test_setup(test_erase, setup),
        cmocka_unit_test_setup(test_erase_control_and_tab, setup),
        cmocka_unit_test_setup(test_kill, setup),
        cmocka_unit_test_setup(test_werase, setup),
        cmocka_unit_test_setup(test_eof, setup),
        cmocka_unit_test_setup(test_multiple_lines_and_short_reads, setup),
        cmocka_unit_test_setup(test_eol_chars, setup),
        cmocka_unit_test_setup(test_lnext_and_reprint, setup),
        cmocka_unit_test_setup(test_isig_flushes, setup),
        cmocka_unit_test_setup(test_isig_noflsh, setup),
        cmocka_unit_test_setup(test_isig_off, setup),
        cmocka_unit_test_setup(test_input_translation, setup),
        cmocka_unit_test_setup(test_echo_off_and_echonl, setup),
        cmocka_unit_test_setup(test_output_processing, setup),
        cmocka_unit_test_setup(test_flow_control, setup),
        cmocka_unit_test_setup(test_raw_mode, setup),
        cmocka_unit_test_setup(test_mode_switch, setup),
        cmocka_unit_test_setup(test_tcsetsf_flushes, setup),
        cmocka_unit_test_setup(test_termios2_speeds, setup),
        cmocka_unit_test_setup(test_winsize, setup),
        cmocka_unit_test_setup(test_ioctl_args, setup),
        cmocka_unit_test_setup(test_canonical_overflow, setup),
        cmocka_unit_test_setup(test_raw_overflow_backpressure, setup),
        cmocka_unit_test_setup(test_cread_and_break, setup),
        cmocka_unit_test_setup(test_raw_decisions, setup),
        cmocka_unit_test_setup(test_poll_vmin, setup),
        cmocka_unit_test_setup(test_job_control, setup),
        cmocka_unit_test_setup(test_pgrp_ioctls, setup),
        cmocka_unit_test_setup(test_lock_hooks, setup),
        cmocka_unit_test_setup(test_driver_events, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
