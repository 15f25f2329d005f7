/* pty: pseudo-terminals (posix_openpt, grantpt, unlockpt, ptsname), data through the line
 * discipline in both directions, ISIG characters, window size, hangup and EIO, controlling
 * terminals, SIGHUP for a session leader's exit and for orphaned stopped groups, packet mode
 * (TIOCPKT) and opening the slave from the master (TIOCGPTPEER). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "ut.h"

/* A new unlocked pair: the master, and the slave's path in name. */
static int open_master(char *name, size_t n)
{
    int m = SYS(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK_SYS(grantpt(m));
    CHECK_SYS(unlockpt(m));
    CHECK_EQ(ptsname_r(m, name, n), 0);
    return m;
}

/* Reads from fd until the bytes read so far equal want (or 3 s pass). */
static void expect_read(int fd, const char *want)
{
    char buf[256];
    size_t len = strlen(want), got = 0;
    int64_t end = ut_now_ns() + 3000000000LL;
    while (got < len && ut_now_ns() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (r <= 0)
            FAIL("read: %zd (%s) after \"%.*s\"", r, strerror(errno), (int)got, buf);
        got += (size_t)r;
    }
    buf[got] = '\0';
    CHECK_STR(buf, want);
}

/* A byte from a helper process through pipe fd, or 0 after 5 s. */
static char pipe_byte(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    char c = 0;
    if (poll(&p, 1, 5000) == 1 && read(fd, &c, 1) != 1)
        c = 0;
    return c;
}

static void openpt_ptsname(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    CHECK(strncmp(name, "/dev/pts/", 9) == 0);
    unsigned n;
    CHECK_SYS(ioctl(m, TIOCGPTN, &n));
    CHECK_EQ(n, (unsigned)atoi(name + 9));
    CHECK(isatty(m));
    int s = SYS(open(name, O_RDWR | O_NOCTTY));
    CHECK(isatty(s));
    struct stat st;
    CHECK_SYS(fstat(s, &st));
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 136);
    CHECK_EQ(minor(st.st_rdev), n);
    CHECK_SYS(stat(name, &st));
    CHECK_EQ(minor(st.st_rdev), n);
    close(s);
    close(m);
}

/* A fresh master is locked: its slave opens only after unlockpt. */
static void slave_locked_until_unlockpt(void)
{
    int m = SYS(posix_openpt(O_RDWR | O_NOCTTY));
    char name[64];
    CHECK_EQ(ptsname_r(m, name, sizeof(name)), 0);
    CHECK_ERR(open(name, O_RDWR | O_NOCTTY), EIO);
    CHECK_SYS(unlockpt(m));
    int s = SYS(open(name, O_RDWR | O_NOCTTY));
    close(s);
    close(m);
}

/* Master input is a canonical line for the slave (erase applied, echoed with ONLCR); slave
 * output reaches the master after OPOST. */
static void canonical_line(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int s = SYS(open(name, O_RDWR | O_NOCTTY));
    CHECK_EQ(write(m,
                   "abc\x7f"
                   "d\n",
                   6),
             6);
    expect_read(m, "abc\b \bd\r\n");
    char buf[64];
    CHECK_EQ(read(s, buf, sizeof(buf)), 4);
    CHECK_MEM(buf, "abd\n", 4);
    CHECK_EQ(write(s, "out\n", 4), 4);
    expect_read(m, "out\r\n");
    close(s);
    close(m);
}

/* poll on both sides follows the data. */
static void poll_both_sides(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int s = SYS(open(name, O_RDWR | O_NOCTTY));
    struct termios t;
    CHECK_SYS(tcgetattr(s, &t));
    t.c_lflag &= ~(unsigned)ECHO;
    CHECK_SYS(tcsetattr(s, TCSANOW, &t));
    struct pollfd p[2] = {{m, POLLIN, 0}, {s, POLLIN, 0}};
    CHECK_EQ(poll(p, 2, 0), 0);
    CHECK_EQ(write(m, "partial", 7), 7); /* no line yet */
    CHECK_EQ(poll(p, 2, 50), 0);
    CHECK_EQ(write(m, "\n", 1), 1);
    CHECK_EQ(poll(p, 2, 1000), 1);
    CHECK_EQ(p[1].revents, POLLIN);
    char buf[64];
    CHECK_EQ(read(s, buf, sizeof(buf)), 8);
    CHECK_EQ(write(s, "x", 1), 1);
    CHECK_EQ(poll(p, 2, 1000), 1);
    CHECK_EQ(p[0].revents, POLLIN);
    p[0].events = POLLOUT;
    p[1].events = POLLOUT;
    CHECK_EQ(poll(p, 2, 0), 2);
    close(s);
    close(m);
}

/* Closing every slave file: the master reads EIO and polls POLLHUP. */
static void master_eio_after_slave_close(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int s = SYS(open(name, O_RDWR | O_NOCTTY));
    close(s);
    struct pollfd p = {m, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 1000), 1);
    CHECK(p.revents & POLLHUP);
    char c;
    CHECK_ERR(read(m, &c, 1), EIO);
    close(m);
}

/* Closing the master hangs the slave up: end-of-file on read, EIO on write. */
static void slave_hangup_on_master_close(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int s = SYS(open(name, O_RDWR | O_NOCTTY));
    close(m);
    char c;
    CHECK_EQ(read(s, &c, 1), 0);
    CHECK_ERR(write(s, "x", 1), EIO);
    close(s);
}

/* Child: a new session whose controlling terminal is the slave at name (opened without
 * O_NOCTTY by the session leader); returns the slave's descriptor. */
static int become_session_on(const char *name)
{
    if (setsid() < 0)
        FAIL("setsid: %s", strerror(errno));
    int s = open(name, O_RDWR);
    if (s < 0)
        FAIL("open %s: %s", name, strerror(errno));
    if (tcgetpgrp(s) != getpid())
        FAIL("tcgetpgrp %d, pid %d", (int)tcgetpgrp(s), (int)getpid());
    return s;
}

static volatile sig_atomic_t got_sig;

static void note_sig(int sig)
{
    got_sig = sig;
}

static void catch (int sig)
{
    struct sigaction sa = {.sa_handler = note_sig};
    sigaction(sig, &sa, NULL);
}

/* Waits (up to 5 s) for the handler to have run. */
static bool wait_sig(void)
{
    for (int i = 0; i < 500 && !got_sig; i++)
        usleep(10000);
    return got_sig != 0;
}

/* ^C written to the master is SIGINT for the slave's foreground group; the session leader
 * acquired the slave by opening it. */
static void intr_char_signals_foreground(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int ready[2];
    CHECK_SYS(pipe(ready));
    pid_t pid = SYS(fork());
    if (pid == 0) {
        catch (SIGINT);
        become_session_on(name);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        _exit(wait_sig() && got_sig == SIGINT ? 42 : 1);
    }
    CHECK_EQ(pipe_byte(ready[0]), 'r');
    CHECK_EQ(write(m, "\x03", 1), 1);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 42);
    close(m);
}

/* TIOCSWINSZ on the master: the slave reports the size and its foreground group gets
 * SIGWINCH. */
static void winsize_sigwinch(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int ready[2];
    CHECK_SYS(pipe(ready));
    pid_t pid = SYS(fork());
    if (pid == 0) {
        catch (SIGWINCH);
        int s = become_session_on(name);
        if (write(ready[1], "r", 1) != 1 || !wait_sig())
            _exit(1);
        struct winsize ws;
        if (ioctl(s, TIOCGWINSZ, &ws) || ws.ws_row != 33 || ws.ws_col != 99)
            _exit(2);
        _exit(42);
    }
    CHECK_EQ(pipe_byte(ready[0]), 'r');
    struct winsize ws = {.ws_row = 33, .ws_col = 99};
    CHECK_SYS(ioctl(m, TIOCSWINSZ, &ws));
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 42);
    close(m);
}

/* A background group reading its controlling terminal gets SIGTTIN (read fails EINTR). */
static void background_read_sigttin(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int out[2];
    CHECK_SYS(pipe(out));
    pid_t pid = SYS(fork());
    if (pid == 0) {
        int s = become_session_on(name);
        pid_t bg = fork();
        if (bg == 0) {
            setpgid(0, 0);
            catch (SIGTTIN);
            char c;
            ssize_t r = read(s, &c, 1);
            char verdict = r < 0 && errno == EINTR && got_sig == SIGTTIN ? 'T' : 'x';
            _exit(write(out[1], &verdict, 1) == 1 ? 0 : 1);
        }
        int status;
        waitpid(bg, &status, 0);
        _exit(0);
    }
    CHECK_EQ(pipe_byte(out[0]), 'T');
    CHECK_EQ(waitpid(pid, NULL, 0), pid);
    close(m);
}

/* When the session leader exits, the foreground group gets SIGHUP and the session loses its
 * controlling terminal (/dev/tty: ENXIO). */
static void sighup_on_session_leader_exit(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int out[2];
    CHECK_SYS(pipe(out));
    pid_t leader = SYS(fork());
    if (leader == 0) {
        become_session_on(name);
        int go[2];
        if (pipe(go))
            _exit(1);
        pid_t member = fork();
        if (member == 0) {
            catch (SIGHUP);
            close(go[0]);
            if (write(go[1], "r", 1) != 1 || !wait_sig())
                _exit(1);
            char verdict = open("/dev/tty", O_RDWR) < 0 && errno == ENXIO ? 'H' : 'x';
            _exit(write(out[1], &verdict, 1) == 1 ? 0 : 1);
        }
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        _exit(0); /* the session leader exits; member is in its (foreground) group */
    }
    CHECK_EQ(waitpid(leader, NULL, 0), leader);
    CHECK_EQ(pipe_byte(out[0]), 'H');
    close(m);
}

/* A process group orphaned by its last outside parent's exit, with a stopped member, gets
 * SIGHUP then SIGCONT. */
static void orphaned_stopped_group_sighup(void)
{
    int out[2];
    CHECK_SYS(pipe(out));
    pid_t a = SYS(fork());
    if (a == 0) {
        setpgid(0, 0);
        pid_t b = fork();
        if (b == 0) {
            catch (SIGHUP);
            raise(SIGSTOP);
            char verdict = got_sig == SIGHUP ? 'H' : 'x';
            _exit(write(out[1], &verdict, 1) == 1 ? 0 : 1);
        }
        int status;
        if (waitpid(b, &status, WUNTRACED) != b || !WIFSTOPPED(status))
            _exit(1);
        _exit(0); /* orphans b's stopped group */
    }
    int status;
    CHECK_EQ(waitpid(a, &status, 0), a);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(pipe_byte(out[0]), 'H');
}

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Reads the master once (waiting up to 3 s for it to become readable); returns the count. */
static ssize_t read_once(int fd, unsigned char *buf, size_t n)
{
    struct pollfd p = {fd, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 3000), 1);
    return read(fd, buf, n);
}

/* The next packet is the status byte want alone. */
static void expect_status(int m, unsigned char want)
{
    unsigned char buf[64];
    struct pollfd p = {m, POLLIN | POLLPRI, 0};
    CHECK_EQ(poll(&p, 1, 3000), 1);
    CHECK_EQ(p.revents & (POLLIN | POLLPRI), POLLIN | POLLPRI);
    CHECK_EQ(read(m, buf, sizeof(buf)), 1);
    CHECK_EQ(buf[0], want);
}

/* TIOCPKT: each master read starts with a status byte: TIOCPKT_DATA before data, or a
 * pending event alone (flushes, output stopped/started, IXON turned on/off). */
static void packet_mode_status_bytes(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int s = SYS(open(name, O_RDWR | O_NOCTTY));
    int on = 1, got = -1;
    CHECK_SYS(ioctl(m, TIOCPKT, &on));
    if (!ut_under_qemu_user()) { /* qemu-user does not know TIOCGPKT */
        CHECK_SYS(ioctl(m, TIOCGPKT, &got));
        CHECK_EQ(got, 1);
    }
    struct pollfd p = {m, POLLIN | POLLPRI, 0};
    CHECK_EQ(poll(&p, 1, 0), 0); /* enabling clears old events */
    CHECK_EQ(write(s, "hi", 2), 2);
    unsigned char buf[64];
    CHECK_EQ(read_once(m, buf, sizeof(buf)), 3);
    CHECK_MEM(buf, "\0hi", 3);
    CHECK_SYS(tcflush(s, TCIFLUSH));
    expect_status(m, TIOCPKT_FLUSHREAD);
    CHECK_SYS(tcflush(s, TCOFLUSH));
    expect_status(m, TIOCPKT_FLUSHWRITE);
    CHECK_SYS(tcflow(s, TCOOFF));
    expect_status(m, TIOCPKT_STOP);
    CHECK_SYS(tcflow(s, TCOON));
    expect_status(m, TIOCPKT_START);
    struct termios t;
    CHECK_SYS(tcgetattr(s, &t));
    t.c_iflag &= ~(unsigned)IXON;
    CHECK_SYS(tcsetattr(s, TCSANOW, &t));
    expect_status(m, TIOCPKT_NOSTOP);
    t.c_iflag |= IXON;
    CHECK_SYS(tcsetattr(s, TCSANOW, &t));
    expect_status(m, TIOCPKT_DOSTOP);
    CHECK_SYS(tcsetattr(s, TCSANOW, &t)); /* no change: no event */
    CHECK_EQ(poll(&p, 1, 0), 0);
    int off = 0;
    CHECK_SYS(ioctl(m, TIOCPKT, &off));
    CHECK_EQ(write(s, "x", 1), 1);
    CHECK_EQ(read_once(m, buf, sizeof(buf)), 1);
    CHECK_EQ(buf[0], 'x');
    close(s);
    close(m);
}

/* An ISIG character flushes both directions: one FLUSHREAD|FLUSHWRITE status, then the
 * echo of the character as data. */
static void packet_mode_isig_flush(void)
{
    char name[64];
    int m = open_master(name, sizeof(name));
    int s = SYS(open(name, O_RDWR | O_NOCTTY));
    int on = 1;
    CHECK_SYS(ioctl(m, TIOCPKT, &on));
    CHECK_EQ(write(m, "ab\x03", 3), 3);
    expect_status(m, TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE);
    unsigned char buf[64];
    CHECK_EQ(read_once(m, buf, sizeof(buf)), 3);
    CHECK_MEM(buf, "\0^C", 3);
    close(s);
    close(m);
}

/* TIOCGPTPEER opens the slave from the master: EIO while locked; the flags are those of an
 * open (O_CLOEXEC on the descriptor, O_NOCTTY keeps it from becoming the controlling
 * terminal of a session leader). */
static void tiocgptpeer_opens_slave(void)
{
    int m = SYS(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK_ERR(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY), EIO);
    CHECK_SYS(unlockpt(m));
    int s = SYS(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
    CHECK(isatty(s));
    CHECK_ERR(ioctl(s, TIOCGPTPEER, O_RDWR), EIO); /* only a master has a peer to open */
    unsigned n;
    CHECK_SYS(ioctl(m, TIOCGPTN, &n));
    struct stat st;
    CHECK_SYS(fstat(s, &st));
    CHECK_EQ(major(st.st_rdev), 136);
    CHECK_EQ(minor(st.st_rdev), n);
    CHECK_EQ(write(m, "ab\n", 3), 3);
    char buf[16];
    CHECK_EQ(read(s, buf, sizeof(buf)), 3);
    CHECK_MEM(buf, "ab\n", 3);
    pid_t c = ut_fork();
    if (c == 0) {
        if (setsid() < 0)
            _exit(1);
        int a = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (a < 0 || tcgetpgrp(a) != -1 || errno != ENOTTY)
            _exit(2); /* O_NOCTTY: not our controlling terminal */
        int b = ioctl(m, TIOCGPTPEER, O_RDWR);
        if (b < 0 || tcgetpgrp(b) != getpid())
            _exit(3); /* without it, the session leader acquires it */
        _exit(0);
    }
    ut_wait_exit(c, 0);
    close(s);
    close(m);
}

static const struct ut_test tests[] = {
    {"openpt_ptsname", openpt_ptsname},
    {"slave_locked_until_unlockpt", slave_locked_until_unlockpt},
    {"canonical_line", canonical_line},
    {"poll_both_sides", poll_both_sides},
    {"master_eio_after_slave_close", master_eio_after_slave_close},
    {"slave_hangup_on_master_close", slave_hangup_on_master_close},
    {"intr_char_signals_foreground", intr_char_signals_foreground},
    {"winsize_sigwinch", winsize_sigwinch},
    {"background_read_sigttin", background_read_sigttin},
    {"sighup_on_session_leader_exit", sighup_on_session_leader_exit},
    {"orphaned_stopped_group_sighup", orphaned_stopped_group_sighup},
    {"packet_mode_status_bytes", packet_mode_status_bytes},
    {"packet_mode_isig_flush", packet_mode_isig_flush},
    {"tiocgptpeer_opens_slave", tiocgptpeer_opens_slave},
};
UT_AREA(pty, tests);
