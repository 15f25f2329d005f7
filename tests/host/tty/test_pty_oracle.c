/* The host kernel's N_TTY as the oracle: each case runs the same steps (settings, input
 * typed at the master, output written on the slave, reads on the slave) through a real
 * pseudo-terminal and through libos/tty, and the transcripts (everything the master sees,
 * every read result) must be identical. Host-only helper code: it uses the host's libc. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <cmocka.h>
#include "capture.h"

enum { STEP_END, STEP_INPUT, STEP_WRITE, STEP_READ, STEP_SET, STEP_BIG };

struct step {
    int kind;
    const char *data;
    size_t len; /* bytes of data; read size for STEP_READ; count for STEP_BIG */
    uint32_t iset, iclr, oset, oclr, lset, lclr;
    int cc; /* c_cc index + 1 to change, 0 none */
    uint8_t ccval;
    bool flush; /* TCSETSF */
};

#define IN(s)                                                                                      \
    {                                                                                              \
        .kind = STEP_INPUT, .data = (s), .len = sizeof(s) - 1                                      \
    }
#define WR(s)                                                                                      \
    {                                                                                              \
        .kind = STEP_WRITE, .data = (s), .len = sizeof(s) - 1                                      \
    }
#define RD(n)                                                                                      \
    {                                                                                              \
        .kind = STEP_READ, .len = (n)                                                              \
    }
#define LF(set, clr)                                                                               \
    {                                                                                              \
        .kind = STEP_SET, .lset = (set), .lclr = (clr)                                             \
    }
#define IF(set, clr)                                                                               \
    {                                                                                              \
        .kind = STEP_SET, .iset = (set), .iclr = (clr)                                             \
    }
#define OF(set, clr)                                                                               \
    {                                                                                              \
        .kind = STEP_SET, .oset = (set), .oclr = (clr)                                             \
    }
#define CC(i, v)                                                                                   \
    {                                                                                              \
        .kind = STEP_SET, .cc = (i) + 1, .ccval = (v)                                              \
    }
#define FLUSHSET                                                                                   \
    {                                                                                              \
        .kind = STEP_SET, .flush = true                                                            \
    }
#define BIG(n)                                                                                     \
    {                                                                                              \
        .kind = STEP_BIG, .len = (n)                                                               \
    }

struct ocase {
    const char *name;
    struct step steps[10];
};

static const struct ocase cases[] = {
    {"typing", {IN("hello\r"), RD(100)}},
    {"erase", {IN("abc\x7f\n"), RD(100)}},
    {"erase past start",
     {IN("ab\x7f\x7f\x7f\x7f"
         "x\n"),
      RD(100)}},
    {"erase ctl",
     {IN("ab\x01\x7f"
         "c\n"),
      RD(100)}},
    {"erase ctl no echoctl",
     {LF(0, LINUX_ECHOCTL),
      IN("ab\x01\x7f"
         "c\n"),
      RD(100)}},
    {"erase tab", {IN("a\tb\x7f\x7f\x7f\n"), RD(100)}},
    {"erase tab col8", {IN("abcdefgh\t\x7f\n"), RD(100)}},
    {"erase tab after ctl", {IN("a\x02\t\x7f\x7f\x7f\n"), RD(100)}},
    {"erase two tabs", {IN("ab\tcd\t\x7f\x7f\x7f\x7f\n"), RD(100)}},
    {"erase tab prompt", {WR("$ "), IN("x\t\x7f\x7f\n"), RD(100)}},
    {"erase tab long prompt", {WR("prompt> "), IN("ab\t\x7f\n"), RD(100)}},
    {"erase noechoe", {LF(0, LINUX_ECHOE), IN("abc\x7f\x7f\n"), RD(100)}},
    {"echoprt",
     {LF(LINUX_ECHOPRT, LINUX_ECHOE),
      IN("abc\x7f\x7f"
         "d\x7f\n"),
      RD(100)}},
    {"echoprt kill",
     {LF(LINUX_ECHOPRT, 0),
      IN("abc\x15"
         "d\n"),
      RD(100)}},
    {"kill echoke",
     {IN("abc\x15"
         "d\n"),
      RD(100)}},
    {"kill echok",
     {LF(0, LINUX_ECHOKE),
      IN("abc\x15"
         "d\n"),
      RD(100)}},
    {"kill plain",
     {LF(0, LINUX_ECHOKE | LINUX_ECHOK),
      IN("abc\x15"
         "d\n"),
      RD(100)}},
    {"kill tab",
     {IN("a\tbc\x15"
         "d\n"),
      RD(100)}},
    {"werase", {IN("foo bar\x17\n"), RD(100)}},
    {"werase spaces",
     {IN("foo bar  \x17\x17"
         "x\n"),
      RD(100)}},
    {"werase punct", {IN("a_b-c.d\x17\x17\x17\n"), RD(100)}},
    {"werase noiexten", {LF(0, LINUX_IEXTEN), IN("ab cd\x17\n"), RD(100)}},
    {"eof start", {IN("\x04"), RD(100), RD(100)}},
    {"eof mid", {IN("ab\x04"), RD(100)}},
    {"eof twice", {IN("ab\x04\x04"), RD(100), RD(100), RD(100)}},
    {"eof small read", {IN("ab\x04"), RD(2), RD(2), RD(2)}},
    {"lines queued", {IN("one\ntwo\nthr"), RD(100), RD(100), RD(100)}},
    {"short reads", {IN("abcdefg\n"), RD(3), RD(3), RD(3), RD(3)}},
    {"lnext", {IN("\x16\x03\x16\x7f\x16\x16x\n"), RD(100)}},
    {"lnext erase", {IN("a\x16\x01\x7f\x7f\n"), RD(100)}},
    {"reprint",
     {IN("ab\x01\x12"
         "cd\n"),
      RD(100)}},
    {"eol", {CC(LINUX_VEOL, '!'), IN("ab!cd\n"), RD(100), RD(100)}},
    {"eol2",
     {CC(LINUX_VEOL2, '#'),
      IN("ab#\x7f"
         "c\n"),
      RD(100), RD(100)}},
    {"cr nl", {IN("a\rb\n"), RD(100), RD(100)}},
    {"igncr", {IF(LINUX_IGNCR, 0), IN("a\rb\n"), RD(100)}},
    {"no icrnl", {IF(0, LINUX_ICRNL), IN("a\rb\n"), RD(100)}},
    {"inlcr", {IF(LINUX_INLCR, LINUX_ICRNL), IN("a\nb\r"), RD(100)}},
    {"istrip", {IF(LINUX_ISTRIP, 0), IN("\xe1\xff\n"), RD(100)}},
    {"iuclc", {IF(LINUX_IUCLC, 0), IN("AbC\n"), RD(100)}},
    {"latin1 ctl", {IN("\x85\x9b\xa0\n"), RD(100)}},
    {"utf8 erase", {IF(LINUX_IUTF8, 0), IN("x\xc3\xa9\x7f\n"), RD(100)}},
    {"utf8 off erase", {IN("x\xc3\xa9\x7f\n"), RD(100)}},
    {"utf8 c1 byte", {IF(LINUX_IUTF8, 0), IN("\xc4\x85\x7f\xe2\x82\xac\x17\n"), RD(100)}},
    {"isig int", {IN("abc"), IN("\x03"), IN("d\n"), RD(100)}},
    {"isig same batch",
     {IN("abc\x03"
         "d\n"),
      RD(100)}},
    {"isig quit susp", {IN("x"), IN("\x1c"), IN("y"), IN("\x1a"), IN("\n"), RD(100)}},
    {"isig noflsh",
     {LF(LINUX_NOFLSH, 0), IN("abc"),
      IN("\x03"
         "d\n"),
      RD(100)}},
    {"isig noechoctl", {LF(0, LINUX_ECHOCTL), IN("ab"), IN("\x03"), IN("\n"), RD(100)}},
    {"isig off", {LF(0, LINUX_ISIG), IN("a\x03\x1a\n"), RD(100)}},
    {"echo off", {LF(0, LINUX_ECHO), IN("secret\x7fT\n"), RD(100)}},
    {"echonl", {LF(LINUX_ECHONL, LINUX_ECHO), IN("pw\n"), RD(100)}},
    {"ixon", {IN("ab\x13"), IN("cd"), IN("\x11"), IN("\n"), RD(100)}},
    {"ixon write", {IN("\x13"), WR("out"), IN("x\x11"), WR("put\n"), IN("\n"), RD(100)}},
    {"ixon tcooff",
     {IN("ab"), WR("x"),
      IN("\x13\x11"
         "c"),
      IN("\n"), RD(100)}},
    {"ixany", {IF(LINUX_IXANY, 0), IN("a\x13"), IN("b"), IN("\n"), RD(100)}},
    {"ixoff passes", {IF(0, LINUX_IXON), IN("a\x13\x11\n"), RD(100)}},
    {"raw", {LF(0, LINUX_ICANON), IN("ab\x7f\x04\x15\x17\x16"), RD(3), RD(100), RD(100)}},
    {"raw newline", {LF(0, LINUX_ICANON), IN("a\nb\rc"), RD(100)}},
    {"raw inlcr", {LF(0, LINUX_ICANON), IF(LINUX_INLCR, 0), IN("a\nb"), RD(100)}},
    {"raw isig", {LF(0, LINUX_ICANON), IN("ab"), IN("\x03"), IN("c"), RD(100)}},
    {"raw noecho",
     {LF(0, LINUX_ICANON | LINUX_ECHO),
      IN("a\x03"
         "b"),
      RD(100)}},
    {"raw to canon",
     {LF(0, LINUX_ICANON), IN("ab"), LF(LINUX_ICANON, 0), RD(100), IN("c\n"), RD(100)}},
    {"canon to raw", {IN("ab\ncd"), LF(0, LINUX_ICANON), RD(100)}},
    {"canon eof to raw", {IN("ab\x04"), LF(0, LINUX_ICANON), RD(100)}},
    {"tcsetsf", {IN("ab\ncd"), FLUSHSET, IN("e\n"), RD(100), RD(100)}},
    {"opost onlcr", {WR("a\nb\r\n"), IN("x\n"), RD(100)}},
    {"opost ocrnl", {OF(LINUX_OCRNL, 0), WR("a\rb\n")}},
    {"opost onocr", {OF(LINUX_ONOCR, LINUX_ONLCR), WR("\rab\r\rc\n\r")}},
    {"opost onlret", {OF(LINUX_ONLRET, LINUX_ONLCR), WR("ab\ncd\t\n\t")}},
    {"opost onlret ocrnl", {OF(LINUX_ONLRET | LINUX_OCRNL, LINUX_ONLCR), WR("ab\rc\t")}},
    {"opost xtabs", {OF(TTY_XTABS, 0), WR("a\tbc\td\b\b\tx\n\t")}},
    {"opost olcuc", {OF(LINUX_OLCUC, 0), WR("Hello, World\n"), IN("hi\n"), RD(100)}},
    {"opost off", {OF(0, LINUX_OPOST), WR("a\n\tb\r"), IN("c\n"), RD(100)}},
    {"echo xtabs erase", {OF(TTY_XTABS, 0), IN("ab\t\x7f\n"), RD(100)}},
    {"overflow", {LF(0, LINUX_ECHO), BIG(5000), IN("\n"), RD(8192), RD(8192)}},
};

/* --- transcript --- */

struct transcript {
    char s[1 << 16];
    size_t n;
};

static void tput(struct transcript *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->n += (size_t)k < sizeof(t->s) - t->n ? (size_t)k : sizeof(t->s) - t->n - 1;
}

static void tbytes(struct transcript *t, const char *tag, const void *p, size_t n)
{
    const uint8_t *b = p;
    if (n > 200) { /* long data: length and a checksum */
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < n; i++)
            h = (h ^ b[i]) * 16777619u;
        tput(t, "%s[%zu bytes #%08x]", tag, n, h);
        return;
    }
    tput(t, "%s\"", tag);
    for (size_t i = 0; i < n; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\')
            tput(t, "%c", b[i]);
        else
            tput(t, "\\x%02x", b[i]);
    }
    tput(t, "\" ");
}

static void tresult(struct transcript *t, long r, const void *buf)
{
    if (r < 0)
        tput(t, "read=-%ld ", -r);
    else
        tbytes(t, "read=", buf, (size_t)r);
}

static void apply_step(struct linux_termios *tio, const struct step *s)
{
    tio->c_iflag = (tio->c_iflag | s->iset) & ~s->iclr;
    tio->c_oflag = (tio->c_oflag | s->oset) & ~s->oclr;
    tio->c_lflag = (tio->c_lflag | s->lset) & ~s->lclr;
    if (s->cc)
        tio->c_cc[s->cc - 1] = s->ccval;
}

static char big_input[5000];

/* --- the host kernel --- */

struct host_pty {
    int master, slave;
};

static bool host_open(struct host_pty *p)
{
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (p->master < 0 || grantpt(p->master) || unlockpt(p->master))
        return false;
    p->slave = open(ptsname(p->master), O_RDWR | O_NOCTTY | O_NONBLOCK);
    return p->slave >= 0;
}

/* Collects what the master receives until it has been quiet for a while. */
static void host_drain(struct host_pty *p, struct transcript *t)
{
    static char buf[1 << 16];
    size_t n = 0;
    struct pollfd pfd = {p->master, POLLIN, 0};
    usleep(2000);
    while (poll(&pfd, 1, 40) > 0 && n < sizeof(buf)) {
        ssize_t r = read(p->master, buf + n, sizeof(buf) - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    tbytes(t, "out=", buf, n);
}

static void host_run(const struct ocase *c, struct transcript *t, struct linux_termios *init)
{
    struct host_pty p;
    if (!host_open(&p))
        fail_msg("cannot open a host pty: %s", strerror(errno));
    assert_int_equal(ioctl(p.slave, LINUX_TCGETS, init), 0);
    struct linux_termios tio = *init;
    for (const struct step *s = c->steps; s->kind != STEP_END; s++) {
        switch (s->kind) {
        case STEP_INPUT:
        case STEP_BIG: {
            const char *d = s->kind == STEP_BIG ? big_input : s->data;
            assert_int_equal(write(p.master, d, s->len), (ssize_t)s->len);
            host_drain(&p, t);
            break;
        }
        case STEP_WRITE: {
            ssize_t r = write(p.slave, s->data, s->len);
            tput(t, "write=%ld ", r < 0 ? -(long)errno : (long)r);
            host_drain(&p, t);
            break;
        }
        case STEP_SET:
            apply_step(&tio, s);
            assert_int_equal(ioctl(p.slave, s->flush ? LINUX_TCSETSF : LINUX_TCSETS, &tio), 0);
            break;
        case STEP_READ: {
            static char buf[8192];
            ssize_t r = read(p.slave, buf, s->len);
            tresult(t, r < 0 ? -(long)errno : (long)r, buf);
            break;
        }
        }
    }
    close(p.slave);
    close(p.master);
}

/* --- libos/tty --- */

static struct capture cap;

static void ours_out(struct transcript *t)
{
    tbytes(t, "out=", cap.out, cap.out_len);
    capture_reset(&cap);
}

static void ours_run(const struct ocase *c, struct transcript *t)
{
    capture_init(&cap);
    struct linux_termios tio;
    tty_get_termios(&cap.ld, &tio);
    for (const struct step *s = c->steps; s->kind != STEP_END; s++) {
        switch (s->kind) {
        case STEP_INPUT:
        case STEP_BIG: {
            const char *d = s->kind == STEP_BIG ? big_input : s->data;
            assert_int_equal(tty_receive(&cap.ld, d, s->len), s->len);
            ours_out(t);
            break;
        }
        case STEP_WRITE:
            tput(t, "write=%ld ", tty_write(&cap.ld, s->data, s->len));
            ours_out(t);
            break;
        case STEP_SET:
            apply_step(&tio, s);
            tty_set_termios(&cap.ld, &tio, s->flush);
            break;
        case STEP_READ: {
            static char buf[8192];
            tresult(t, tty_read(&cap.ld, buf, s->len), buf);
            break;
        }
        }
    }
}

static bool host_has_ptys(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0)
        return false;
    close(m);
    return true;
}

static void test_default_termios_matches_host(void **state)
{
    (void)state;
    struct host_pty p;
    if (!host_has_ptys())
        skip();
    assert_true(host_open(&p));
    struct linux_termios host, ours;
    assert_int_equal(ioctl(p.slave, LINUX_TCGETS, &host), 0);
    tty_default_termios(&ours);
    assert_memory_equal(&host, &ours, sizeof(host));
    close(p.slave);
    close(p.master);
}

static void test_cases_match_host(void **state)
{
    (void)state;
    static struct transcript host, ours;
    int failures = 0;
    if (!host_has_ptys())
        skip();
    memset(big_input, 'a', sizeof(big_input));
    big_input[sizeof(big_input) - 1] = 'b';
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct linux_termios init;
        host.n = ours.n = 0;
        host_run(&cases[i], &host, &init);
        ours_run(&cases[i], &ours);
        host.s[host.n] = ours.s[ours.n] = 0;
        if (strcmp(host.s, ours.s) != 0) {
            printf("MISMATCH %s\n  linux: %s\n  ours:  %s\n", cases[i].name, host.s, ours.s);
            failures++;
        } else if (getenv("TTY_ORACLE_VERBOSE")) {
            printf("ok %s: %s\n", cases[i].name, host.s);
        }
    }
    printf("%zu cases, %d mismatches\n", sizeof(cases) / sizeof(cases[0]), failures);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_termios_matches_host),
        cmocka_unit_test(test_cases_match_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
