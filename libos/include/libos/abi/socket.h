/*
 * Sockets, as far as a local (AF_UNIX) implementation needs: families, types, levels and
 * options, message flags, struct msghdr/cmsghdr (SCM_RIGHTS passes fds), sockaddr_un, ucred.
 * Checked against the C library's and uapi headers.
 */
#ifndef LIBOS_ABI_SOCKET_H
#define LIBOS_ABI_SOCKET_H
#include <stdint.h>

#define LINUX_AF_UNSPEC  0
#define LINUX_AF_UNIX    1
#define LINUX_AF_LOCAL   LINUX_AF_UNIX
#define LINUX_AF_INET    2
#define LINUX_AF_INET6   10
#define LINUX_AF_NETLINK 16
#define LINUX_AF_PACKET  17

#define LINUX_SOCK_STREAM    1
#define LINUX_SOCK_DGRAM     2
#define LINUX_SOCK_RAW       3
#define LINUX_SOCK_SEQPACKET 5
#define LINUX_SOCK_TYPE_MASK 0xf
#define LINUX_SOCK_NONBLOCK  00004000 /* O_NONBLOCK, or'ed into the type */
#define LINUX_SOCK_CLOEXEC   02000000 /* O_CLOEXEC */

#define LINUX_SOL_SOCKET     1
#define LINUX_SO_DEBUG       1
#define LINUX_SO_REUSEADDR   2
#define LINUX_SO_TYPE        3
#define LINUX_SO_ERROR       4
#define LINUX_SO_DONTROUTE   5
#define LINUX_SO_BROADCAST   6
#define LINUX_SO_SNDBUF      7
#define LINUX_SO_RCVBUF      8
#define LINUX_SO_KEEPALIVE   9
#define LINUX_SO_OOBINLINE   10
#define LINUX_SO_LINGER      13
#define LINUX_SO_REUSEPORT   15
#define LINUX_SO_PASSCRED    16
#define LINUX_SO_PEERCRED    17
#define LINUX_SO_RCVLOWAT    18
#define LINUX_SO_SNDLOWAT    19
#define LINUX_SO_RCVTIMEO    20 /* the 64-bit time_t variant on arm64 */
#define LINUX_SO_SNDTIMEO    21
#define LINUX_SO_ACCEPTCONN  30
#define LINUX_SO_PEERSEC     31
#define LINUX_SO_SNDBUFFORCE 32
#define LINUX_SO_RCVBUFFORCE 33
#define LINUX_SO_PROTOCOL    38
#define LINUX_SO_DOMAIN      39

/* Control message types at SOL_SOCKET. */
#define LINUX_SCM_RIGHTS      1
#define LINUX_SCM_CREDENTIALS 2

#define LINUX_MSG_OOB          0x1
#define LINUX_MSG_PEEK         0x2
#define LINUX_MSG_DONTROUTE    0x4
#define LINUX_MSG_CTRUNC       0x8
#define LINUX_MSG_TRUNC        0x20
#define LINUX_MSG_DONTWAIT     0x40
#define LINUX_MSG_EOR          0x80
#define LINUX_MSG_WAITALL      0x100
#define LINUX_MSG_NOSIGNAL     0x4000
#define LINUX_MSG_CMSG_CLOEXEC 0x40000000

#define LINUX_SHUT_RD   0
#define LINUX_SHUT_WR   1
#define LINUX_SHUT_RDWR 2

struct linux_sockaddr {
    uint16_t sa_family;
    char sa_data[14];
};

#define LINUX_UNIX_PATH_MAX 108
struct linux_sockaddr_un {
    uint16_t sun_family;                /* AF_UNIX */
    char sun_path[LINUX_UNIX_PATH_MAX]; /* sun_path[0] == 0: abstract namespace */
};

struct linux_ucred {
    int32_t pid;
    uint32_t uid;
    uint32_t gid;
};

/* sendmsg/recvmsg header (user addresses kept as integers). */
struct linux_msghdr {
    uint64_t msg_name;
    int32_t msg_namelen;
    int32_t __pad0;
    uint64_t msg_iov;
    uint64_t msg_iovlen;
    uint64_t msg_control;
    uint64_t msg_controllen;
    int32_t msg_flags;
    int32_t __pad1;
};

struct linux_mmsghdr {
    struct linux_msghdr msg_hdr;
    uint32_t msg_len;
    uint32_t __pad;
};

/* Control message header; data follows at LINUX_CMSG_DATA_OFFSET, entries 8-byte aligned. */
struct linux_cmsghdr {
    uint64_t cmsg_len; /* header + data, unpadded */
    int32_t cmsg_level;
    int32_t cmsg_type;
};
#define LINUX_CMSG_ALIGN(len)  (((len) + 7) & ~(uint64_t)7)
#define LINUX_CMSG_DATA_OFFSET LINUX_CMSG_ALIGN(sizeof(struct linux_cmsghdr))
#define LINUX_CMSG_LEN(len)    (LINUX_CMSG_DATA_OFFSET + (len))
#define LINUX_CMSG_SPACE(len)  (LINUX_CMSG_DATA_OFFSET + LINUX_CMSG_ALIGN(len))

#endif
