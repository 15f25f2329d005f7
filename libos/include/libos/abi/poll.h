/* poll/ppoll and epoll: struct pollfd, struct epoll_event (NOT packed on arm64: 16 bytes). */
#ifndef LIBOS_ABI_POLL_H
#define LIBOS_ABI_POLL_H
#include <stdint.h>

struct linux_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

#define LINUX_POLLIN     0x0001
#define LINUX_POLLPRI    0x0002
#define LINUX_POLLOUT    0x0004
#define LINUX_POLLERR    0x0008
#define LINUX_POLLHUP    0x0010
#define LINUX_POLLNVAL   0x0020
#define LINUX_POLLRDNORM 0x0040
#define LINUX_POLLRDBAND 0x0080
#define LINUX_POLLWRNORM 0x0100
#define LINUX_POLLWRBAND 0x0200
#define LINUX_POLLMSG    0x0400
#define LINUX_POLLRDHUP  0x2000

struct linux_epoll_event {
    uint32_t events;
    uint64_t data; /* 8-byte aligned: offset 8 */
};

#define LINUX_EPOLL_CTL_ADD 1
#define LINUX_EPOLL_CTL_DEL 2
#define LINUX_EPOLL_CTL_MOD 3
#define LINUX_EPOLL_CLOEXEC 02000000 /* O_CLOEXEC */

#define LINUX_EPOLLIN        0x00000001u
#define LINUX_EPOLLPRI       0x00000002u
#define LINUX_EPOLLOUT       0x00000004u
#define LINUX_EPOLLERR       0x00000008u
#define LINUX_EPOLLHUP       0x00000010u
#define LINUX_EPOLLNVAL      0x00000020u
#define LINUX_EPOLLRDNORM    0x00000040u
#define LINUX_EPOLLRDBAND    0x00000080u
#define LINUX_EPOLLWRNORM    0x00000100u
#define LINUX_EPOLLWRBAND    0x00000200u
#define LINUX_EPOLLMSG       0x00000400u
#define LINUX_EPOLLRDHUP     0x00002000u
#define LINUX_EPOLLEXCLUSIVE (1u << 28)
#define LINUX_EPOLLWAKEUP    (1u << 29)
#define LINUX_EPOLLONESHOT   (1u << 30)
#define LINUX_EPOLLET        (1u << 31)

#endif
