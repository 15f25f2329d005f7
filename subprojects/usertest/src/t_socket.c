/* socket: Unix domain sockets (stream, datagram, seqpacket), socketpair, bind/listen/
 * connect/accept on paths and abstract names, SCM_RIGHTS, shutdown, options, readiness,
 * EPIPE/SIGPIPE; FIFOs are in the pipe area. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* An abstract name unique to this process: "\0ut-<pid>-<tag>". */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *tag)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "ut-%d-%s", (int)getpid(), tag);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void create_errors(void)
{
    CHECK_ERR(socket(AF_INET6 + 100, SOCK_STREAM, 0), EAFNOSUPPORT);
    CHECK_ERR(socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
    CHECK_ERR(socket(AF_UNIX, 77, 0), EINVAL);
    CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 99), EPROTONOSUPPORT);
    int fd = SYS(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    int type = 0;
    socklen_t len = sizeof(type);
    CHECK_SYS(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len));
    CHECK_EQ(type, SOCK_STREAM);
    CHECK_EQ(len, sizeof(int));
    char c;
    CHECK_ERR(read(fd, &c, 1), EINVAL); /* seqpacket would say ENOTCONN */
    CHECK_ERR(listen(fd, 1), EINVAL);   /* not bound */
    int pfd = SYS(open(".", O_RDONLY));
    CHECK_ERR(listen(pfd, 1), ENOTSOCK);
    CHECK_ERR(shutdown(fd, 7), EINVAL);
    CHECK_SYS(shutdown(fd, SHUT_WR)); /* Unix sockets allow it unconnected */
    close(fd);
}

static void pair_stream_data(void)
{
    int sv[2];
    CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    ut_write_all(sv[0], "hello", 5);
    ut_write_all(sv[0], "world", 5);
    int n = -1;
    CHECK_SYS(ioctl(sv[1], FIONREAD, &n));
    CHECK_EQ(n, 10);
    char buf[16];
    CHECK_EQ(SYS(recv(sv[1], buf, 3, MSG_PEEK)), 3);
    CHECK_EQ(SYS(read(sv[1], buf, sizeof(buf))), 10);
    CHECK_MEM(buf, "helloworld", 10);
    CHECK_EQ(SYS(send(sv[1], "back", 4, 0)), 4);
    CHECK_EQ(SYS(recv(sv[0], buf, sizeof(buf), 0)), 4);
    CHECK_MEM(buf, "back", 4);
    CHECK_ERR(recv(sv[0], buf, 1, MSG_DONTWAIT), EAGAIN);
    struct ucred cred;
    socklen_t len = sizeof(cred);
    CHECK_SYS(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len));
    CHECK_EQ(len, sizeof(cred));
    CHECK_EQ(cred.pid, getpid());
    CHECK_EQ(cred.uid, geteuid());
    close(sv[0]);
    CHECK_EQ(SYS(read(sv[1], buf, sizeof(buf))), 0);
}

static void dgram_boundaries(void)
{
    int sv[2];
    CHECK_SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    CHECK_EQ(SYS(send(sv[0], "one", 3, 0)), 3);
    CHECK_EQ(SYS(send(sv[0], "three", 5, 0)), 5);
    char buf[16];
    CHECK_EQ(SYS(recv(sv[1], buf, sizeof(buf), 0)), 3);
    CHECK_EQ(SYS(recv(sv[1], buf, 2, MSG_TRUNC)), 5); /* the whole length, truncated */
    CHECK_MEM(buf, "th", 2);
    CHECK_ERR(recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
    struct msghdr mh = {0};
    struct iovec iov = {buf, 2};
    mh.msg_iov = &iov, mh.msg_iovlen = 1;
    CHECK_EQ(SYS(send(sv[0], "abcdef", 6, 0)), 6);
    CHECK_EQ(SYS(recvmsg(sv[1], &mh, 0)), 2);
    CHECK(mh.msg_flags & MSG_TRUNC);
    static char big[100000], big_in[100000];
    memset(big, 'b', sizeof(big));
    CHECK_EQ(SYS(send(sv[0], big, sizeof(big), 0)), (long)sizeof(big));
    CHECK_EQ(SYS(recv(sv[1], big_in, sizeof(big_in), 0)), (long)sizeof(big));
    CHECK_MEM(big, big_in, sizeof(big));
    static char huge[1 << 20];
    CHECK_ERR(send(sv[0], huge, sizeof(huge), 0), EMSGSIZE);
}

static void seqpacket_boundaries(void)
{
    int sv[2];
    CHECK_SYS(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    CHECK_SYS(send(sv[0], "ab", 2, 0));
    CHECK_SYS(send(sv[0], "cde", 3, 0));
    char buf[8];
    CHECK_EQ(SYS(read(sv[1], buf, sizeof(buf))), 2);
    CHECK_EQ(SYS(read(sv[1], buf, sizeof(buf))), 3);
    close(sv[0]);
    CHECK_EQ(SYS(read(sv[1], buf, sizeof(buf))), 0);
}

static void path_bind_listen_connect(void)
{
    struct sockaddr_un a, got;
    socklen_t alen = path_addr(&a, "sock");
    int l = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK_SYS(bind(l, (struct sockaddr *)&a, alen));
    struct stat st;
    CHECK_SYS(stat("sock", &st));
    CHECK(S_ISSOCK(st.st_mode));
    int l2 = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK_ERR(bind(l2, (struct sockaddr *)&a, alen), EADDRINUSE);
    int c = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK_ERR(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED); /* not listening */
    CHECK_SYS(listen(l, 4));
    CHECK_SYS(connect(c, (struct sockaddr *)&a, alen));
    CHECK_ERR(connect(c, (struct sockaddr *)&a, alen), EISCONN);
    ut_write_all(c, "early", 5); /* before accept */
    socklen_t glen = sizeof(got);
    int s = SYS(accept4(l, (struct sockaddr *)&got, &glen, SOCK_CLOEXEC));
    CHECK_EQ(glen, offsetof(struct sockaddr_un, sun_path)); /* the client is unbound */
    CHECK_EQ(fcntl(s, F_GETFD), FD_CLOEXEC);
    char buf[8];
    ut_read_all(s, buf, 5);
    CHECK_MEM(buf, "early", 5);
    glen = sizeof(got);
    CHECK_SYS(getpeername(c, (struct sockaddr *)&got, &glen));
    CHECK_EQ(glen, alen);
    CHECK_STR(got.sun_path, "sock");
    glen = sizeof(got);
    CHECK_SYS(getsockname(s, (struct sockaddr *)&got, &glen));
    CHECK_STR(got.sun_path, "sock");
    CHECK_SYS(unlink("sock"));
    struct sockaddr_un missing;
    socklen_t mlen = path_addr(&missing, "nonexistent");
    int c2 = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK_ERR(connect(c2, (struct sockaddr *)&missing, mlen), ENOENT);
    CHECK_SYS(fcntl(l, F_SETFL, O_NONBLOCK));
    CHECK_ERR(accept(l, NULL, NULL), EAGAIN);
}

static void abstract_and_blocking_accept(void)
{
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "acc");
    int l = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK_SYS(bind(l, (struct sockaddr *)&a, alen));
    CHECK_SYS(listen(l, 1));
    int l2 = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK_ERR(bind(l2, (struct sockaddr *)&a, alen), EADDRINUSE);
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_sleep_ms(50);
        int c = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
        CHECK_SYS(connect(c, (struct sockaddr *)&a, alen));
        ut_write_all(c, "x", 1);
        _exit(0);
    }
    int s = SYS(accept(l, NULL, NULL)); /* blocks until the child connects */
    char ch;
    ut_read_all(s, &ch, 1);
    CHECK_EQ(ch, 'x');
    ut_wait_exit(pid, 0);
    struct sockaddr_un got;
    socklen_t glen = sizeof(got);
    CHECK_SYS(getsockname(l, (struct sockaddr *)&got, &glen));
    CHECK_EQ(glen, alen);
    CHECK_MEM(&got, &a, alen);
}

static void dgram_sendto_recvfrom(void)
{
    struct sockaddr_un a, b, from;
    socklen_t alen = abstract_addr(&a, "da"), blen = abstract_addr(&b, "db");
    int x = SYS(socket(AF_UNIX, SOCK_DGRAM, 0)), y = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    CHECK_SYS(bind(x, (struct sockaddr *)&a, alen));
    CHECK_SYS(bind(y, (struct sockaddr *)&b, blen));
    CHECK_EQ(SYS(sendto(x, "ping", 4, 0, (struct sockaddr *)&b, blen)), 4);
    char buf[8];
    socklen_t flen = sizeof(from);
    CHECK_EQ(SYS(recvfrom(y, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen)), 4);
    CHECK_EQ(flen, alen);
    CHECK_MEM(&from, &a, alen);
    CHECK_ERR(send(x, "n", 1, 0), ENOTCONN);
    struct sockaddr_un none;
    socklen_t nlen = abstract_addr(&none, "nobody");
    CHECK_ERR(sendto(x, "n", 1, 0, (struct sockaddr *)&none, nlen), ECONNREFUSED);
}

static void scm_rights(void)
{
    int sv[2], p[2];
    CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_SYS(pipe(p));
    char data = 'd';
    struct iovec iov = {&data, 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr mh = {0};
    mh.msg_iov = &iov, mh.msg_iovlen = 1;
    mh.msg_control = u.buf, mh.msg_controllen = sizeof(u.buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    CHECK_EQ(SYS(sendmsg(sv[0], &mh, 0)), 1);
    close(p[1]);
    memset(&u, 0, sizeof(u));
    data = 0;
    struct msghdr rh = {0};
    rh.msg_iov = &iov, rh.msg_iovlen = 1;
    rh.msg_control = u.buf, rh.msg_controllen = sizeof(u.buf);
    CHECK_EQ(SYS(recvmsg(sv[1], &rh, MSG_CMSG_CLOEXEC)), 1);
    CHECK_EQ(data, 'd');
    c = CMSG_FIRSTHDR(&rh);
    CHECK(c != NULL);
    CHECK_EQ(c->cmsg_type, SCM_RIGHTS);
    CHECK_EQ(c->cmsg_len, CMSG_LEN(sizeof(int)));
    int got;
    memcpy(&got, CMSG_DATA(c), sizeof(int));
    CHECK_EQ(fcntl(got, F_GETFD), FD_CLOEXEC);
    ut_write_all(got, "via", 3); /* the passed write end of the pipe */
    char buf[4];
    ut_read_all(p[0], buf, 3);
    CHECK_MEM(buf, "via", 3);
    c = CMSG_FIRSTHDR(&mh);
    int bad = 999;
    memcpy(CMSG_DATA(c), &bad, sizeof(int));
    CHECK_ERR(sendmsg(sv[0], &mh, 0), EBADF);
}

static void shutdown_and_hup(void)
{
    int sv[2];
    CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct pollfd pf = {sv[1], POLLIN | POLLOUT | POLLRDHUP, 0};
    CHECK_EQ(SYS(poll(&pf, 1, 0)), 1);
    CHECK_EQ(pf.revents, POLLOUT);
    CHECK_SYS(shutdown(sv[0], SHUT_WR));
    CHECK_EQ(SYS(poll(&pf, 1, 0)), 1);
    CHECK_EQ(pf.revents, POLLIN | POLLOUT | POLLRDHUP);
    char c;
    CHECK_EQ(SYS(read(sv[1], &c, 1)), 0);
    CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    int ep = SYS(epoll_create1(0));
    struct epoll_event ev = {EPOLLIN | EPOLLRDHUP, {.u32 = 7}}, out;
    CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev));
    close(sv[0]);
    CHECK_EQ(SYS(epoll_wait(ep, &out, 1, 1000)), 1);
    CHECK_EQ(out.events, EPOLLIN | EPOLLRDHUP | EPOLLHUP);
    CHECK_EQ(out.data.u32, 7);
}

static int sigpipes;
static void on_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

static void sigpipe_on_closed_peer(void)
{
    ut_handle(SIGPIPE, on_sigpipe, 0);
    int sv[2];
    CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    close(sv[1]);
    CHECK_ERR(write(sv[0], "x", 1), EPIPE);
    CHECK_EQ(sigpipes, 1);
    CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ(sigpipes, 1);
}

static void blocking_read_wakes(void)
{
    int sv[2];
    CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_sleep_ms(50);
        ut_write_all(sv[1], "late", 4);
        _exit(0);
    }
    char buf[4];
    int64_t t0 = ut_now_ns();
    ut_read_all(sv[0], buf, 4);
    CHECK_CMP(ut_now_ns() - t0, >=, 40000000);
    CHECK_MEM(buf, "late", 4);
    ut_wait_exit(pid, 0);
}

static void buffer_options(void)
{
    int fd = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
    int v = 65536;
    CHECK_SYS(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
    socklen_t len = sizeof(v);
    CHECK_SYS(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len));
    CHECK_EQ(v, 2 * 65536);
    v = 100000;
    CHECK_SYS(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
    CHECK_SYS(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len));
    CHECK_EQ(v, 200000);
    CHECK_SYS(getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len));
    CHECK_EQ(v, 0);
    CHECK_ERR(getsockopt(fd, SOL_SOCKET, 12345, &v, &len), ENOPROTOOPT);
}

/* 1 MiB through a stream pair, more than the buffer holds: writers block and resume as
 * the reader drains; the bytes arrive in order. */
static void large_stream_transfer(void)
{
    enum { TOTAL = 1 << 20 };
    int sv[2];
    CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    pid_t pid = ut_fork();
    if (pid == 0) {
        static unsigned char out[TOTAL];
        for (int i = 0; i < TOTAL; i++)
            out[i] = (unsigned char)(i * 7 + i / 4096);
        CHECK_EQ(SYS(send(sv[0], out, TOTAL / 2, 0)), TOTAL / 2);
        ut_write_all(sv[0], out + TOTAL / 2, TOTAL / 2);
        _exit(0);
    }
    close(sv[0]);
    static unsigned char in[TOTAL];
    ut_read_all(sv[1], in, TOTAL);
    for (int i = 0; i < TOTAL; i++)
        if (in[i] != (unsigned char)(i * 7 + i / 4096))
            FAIL("byte %d differs", i);
    char c;
    CHECK_EQ(SYS(read(sv[1], &c, 1)), 0);
    ut_wait_exit(pid, 0);
}

/* With SO_PASSCRED the receiver gets the sender's credentials with each message. */
static void scm_credentials(void)
{
    int sv[2], on = 1;
    CHECK_SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    CHECK_SYS(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
    CHECK_SYS(send(sv[0], "c", 1, 0));
    char data;
    struct iovec iov = {&data, 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(struct ucred))];
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr mh = {0};
    mh.msg_iov = &iov, mh.msg_iovlen = 1;
    mh.msg_control = u.buf, mh.msg_controllen = sizeof(u.buf);
    CHECK_EQ(SYS(recvmsg(sv[1], &mh, 0)), 1);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    CHECK(c != NULL);
    CHECK_EQ(c->cmsg_level, SOL_SOCKET);
    CHECK_EQ(c->cmsg_type, SCM_CREDENTIALS);
    struct ucred cr;
    memcpy(&cr, CMSG_DATA(c), sizeof(cr));
    CHECK_EQ(cr.pid, getpid());
    CHECK_EQ(cr.uid, geteuid());
    CHECK_EQ(cr.gid, getegid());
}

/* bind with only the family picks an abstract name of five hex digits. */
static void on_usr1(int sig)
{
    (void)sig;
}

/* A byte from a child through pipe fd, sending it SIGUSR1 while none has come (the child
 * may not be waiting yet when a signal arrives: it is sent again). */
static char byte_while_signalling(int fd, pid_t pid)
{
    struct pollfd p = {fd, POLLIN, 0};
    while (SYS(poll(&p, 1, 20)) == 0)
        CHECK_SYS(kill(pid, SIGUSR1));
    char c;
    CHECK_EQ(SYS(read(fd, &c, 1)), 1);
    return c;
}

/* A datagram socket connected to a receiver that is not connected back: once the receiver's
 * queue is full, poll shows no POLLOUT, a non-blocking send fails with EAGAIN, a blocking
 * send waits (a signal ends the wait with EINTR) until the receiver reads. */
static void dgram_sender_waits_for_room(void)
{
    struct sockaddr_un a;
    socklen_t len = abstract_addr(&a, "full");
    int r = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    CHECK_SYS(bind(r, (struct sockaddr *)&a, len));
    int s = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    CHECK_SYS(connect(s, (struct sockaddr *)&a, len));
    struct pollfd p = {s, POLLOUT, 0};
    CHECK_EQ(SYS(poll(&p, 1, 0)), 1);
    int queued = 0;
    while (send(s, "d", 1, MSG_DONTWAIT) == 1)
        queued++;
    CHECK_EQ(errno, EAGAIN);
    CHECK_CMP(queued, >, 1);
    CHECK_EQ(SYS(poll(&p, 1, 0)), 0);
    int fl = SYS(fcntl(s, F_GETFL));
    CHECK_SYS(fcntl(s, F_SETFL, fl | O_NONBLOCK));
    CHECK_ERR(send(s, "n", 1, 0), EAGAIN);
    CHECK_SYS(fcntl(s, F_SETFL, fl));

    int res[2];
    CHECK_SYS(pipe(res));
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    CHECK_SYS(sigprocmask(SIG_BLOCK, &usr1, &old));
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_handle(SIGUSR1, on_usr1, 0); /* no SA_RESTART */
        CHECK_SYS(sigprocmask(SIG_SETMASK, &old, NULL));
        ssize_t w = send(s, "i", 1, 0);
        char c = w == -1 && errno == EINTR ? 'I' : 'X';
        ut_write_all(res[1], &c, 1);
        _exit(0);
    }
    CHECK_SYS(sigprocmask(SIG_SETMASK, &old, NULL));
    CHECK_EQ(byte_while_signalling(res[0], pid), 'I');
    ut_wait_exit(pid, 0);

    pid = ut_fork();
    if (pid == 0) {
        char c = send(s, "b", 1, 0) == 1 ? 'S' : 'X';
        ut_write_all(res[1], &c, 1);
        struct pollfd q = {s, POLLOUT, 0};
        c = poll(&q, 1, -1) == 1 && (q.revents & POLLOUT) ? 'P' : 'X';
        ut_write_all(res[1], &c, 1);
        _exit(0);
    }
    char buf[4], c;
    CHECK_EQ(SYS(recv(r, buf, sizeof(buf), 0)), 1); /* room for the child's datagram */
    ut_read_all(res[0], &c, 1);
    CHECK_EQ(c, 'S');
    CHECK_EQ(SYS(recv(r, buf, sizeof(buf), 0)), 1); /* room again: POLLOUT */
    ut_read_all(res[0], &c, 1);
    CHECK_EQ(c, 'P');
    ut_wait_exit(pid, 0);
    for (int i = 0; i < queued - 2; i++)
        CHECK_EQ(SYS(recv(r, buf, sizeof(buf), 0)), 1);
    CHECK_EQ(SYS(recv(r, buf, sizeof(buf), 0)), 1);
    CHECK_EQ(buf[0], 'b');
    close(s);
    close(r);
    close(res[0]);
    close(res[1]);
}

static void autobind(void)
{
    int fd = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    struct sockaddr_un a = {.sun_family = AF_UNIX}, got;
    CHECK_SYS(bind(fd, (struct sockaddr *)&a, sizeof(sa_family_t)));
    socklen_t len = sizeof(got);
    CHECK_SYS(getsockname(fd, (struct sockaddr *)&got, &len));
    CHECK_EQ(len, offsetof(struct sockaddr_un, sun_path) + 6);
    CHECK_EQ(got.sun_path[0], 0);
    CHECK_SYS(bind(fd, (struct sockaddr *)&a, sizeof(sa_family_t))); /* bound: no-op */
    struct sockaddr_un again;
    socklen_t alen = sizeof(again);
    CHECK_SYS(getsockname(fd, (struct sockaddr *)&again, &alen));
    CHECK_MEM(&again, &got, len);
    CHECK_ERR(bind(fd, (struct sockaddr *)&got, len), EINVAL);
    int other = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
    CHECK_EQ(SYS(sendto(other, "a", 1, 0, (struct sockaddr *)&got, len)), 1);
    char c;
    CHECK_EQ(SYS(recv(fd, &c, 1, 0)), 1);
}

static const struct ut_test tests[] = {
    {"autobind", autobind},
    {"dgram_sender_waits_for_room", dgram_sender_waits_for_room},
    {"scm_credentials", scm_credentials},
    {"large_stream_transfer", large_stream_transfer},
    {"create_errors", create_errors},
    {"pair_stream_data", pair_stream_data},
    {"dgram_boundaries", dgram_boundaries},
    {"seqpacket_boundaries", seqpacket_boundaries},
    {"path_bind_listen_connect", path_bind_listen_connect},
    {"abstract_and_blocking_accept", abstract_and_blocking_accept},
    {"dgram_sendto_recvfrom", dgram_sendto_recvfrom},
    {"scm_rights", scm_rights},
    {"shutdown_and_hup", shutdown_and_hup},
    {"sigpipe_on_closed_peer", sigpipe_on_closed_peer},
    {"blocking_read_wakes", blocking_read_wakes},
    {"buffer_options", buffer_options},
};
UT_AREA(socket, tests);
