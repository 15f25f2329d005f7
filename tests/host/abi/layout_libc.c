/*
 * Our ABI definitions against the C library's headers, for what uapi does not define
 * (sockets' msghdr/cmsghdr, dirent64, access modes, ...). Built for arm64.
 */
#define _GNU_SOURCE
/* ours first: <sys/stat.h> turns st_atime into a macro */
#include <libos/abi/linux.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/times.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "layout_check.h"

/* ---- sockets ---- */
CONST(AF_UNSPEC) CONST(AF_UNIX) CONST(AF_LOCAL) CONST(AF_INET) CONST(AF_INET6)
CONST(AF_NETLINK) CONST(AF_PACKET)
CONST(SOCK_STREAM) CONST(SOCK_DGRAM) CONST(SOCK_RAW) CONST(SOCK_SEQPACKET)
CONST(SOCK_NONBLOCK) CONST(SOCK_CLOEXEC)
UNCHECKED(SOCK_TYPE_MASK, "kernel-internal mask of the type in socket()'s type argument")
CONST(SOL_SOCKET) CONST(SO_DEBUG) CONST(SO_REUSEADDR) CONST(SO_TYPE) CONST(SO_ERROR)
CONST(SO_DONTROUTE) CONST(SO_BROADCAST) CONST(SO_SNDBUF) CONST(SO_RCVBUF) CONST(SO_KEEPALIVE)
CONST(SO_OOBINLINE) CONST(SO_LINGER) CONST(SO_REUSEPORT) CONST(SO_PASSCRED) CONST(SO_PEERCRED)
CONST(SO_RCVLOWAT) CONST(SO_SNDLOWAT) CONST(SO_RCVTIMEO) CONST(SO_SNDTIMEO)
CONST(SO_ACCEPTCONN) CONST(SO_PEERSEC) CONST(SO_SNDBUFFORCE) CONST(SO_RCVBUFFORCE)
CONST(SO_PROTOCOL) CONST(SO_DOMAIN)
CONST(SCM_RIGHTS) CONST(SCM_CREDENTIALS)
CONST(MSG_OOB) CONST(MSG_PEEK) CONST(MSG_DONTROUTE) CONST(MSG_CTRUNC) CONST(MSG_TRUNC)
CONST(MSG_DONTWAIT) CONST(MSG_EOR) CONST(MSG_WAITALL) CONST(MSG_NOSIGNAL)
CONST(MSG_CMSG_CLOEXEC)
CONST(SHUT_RD) CONST(SHUT_WR) CONST(SHUT_RDWR)
CONST_AS(CMSG_DATA_OFFSET, CMSG_LEN(0))
_Static_assert(LINUX_CMSG_LEN(12) == CMSG_LEN(12), "CMSG_LEN");
_Static_assert(LINUX_CMSG_SPACE(12) == CMSG_SPACE(12), "CMSG_SPACE");
_Static_assert(LINUX_CMSG_SPACE(2 * sizeof(int)) == CMSG_SPACE(2 * sizeof(int)), "CMSG_SPACE");

SAME_TYPE(struct linux_sockaddr, struct sockaddr)
SAME_FIELD(struct linux_sockaddr, struct sockaddr, sa_family)
SAME_FIELD(struct linux_sockaddr, struct sockaddr, sa_data)
SAME_TYPE(struct linux_sockaddr_un, struct sockaddr_un)
SAME_FIELD(struct linux_sockaddr_un, struct sockaddr_un, sun_family)
SAME_FIELD(struct linux_sockaddr_un, struct sockaddr_un, sun_path)
SAME_TYPE(struct linux_ucred, struct ucred)
SAME_FIELD(struct linux_ucred, struct ucred, pid)
SAME_FIELD(struct linux_ucred, struct ucred, uid)
SAME_FIELD(struct linux_ucred, struct ucred, gid)
SAME_TYPE(struct linux_msghdr, struct msghdr)
SAME_FIELD(struct linux_msghdr, struct msghdr, msg_name)
SAME_FIELD(struct linux_msghdr, struct msghdr, msg_namelen)
SAME_FIELD(struct linux_msghdr, struct msghdr, msg_iov)
SAME_FIELD(struct linux_msghdr, struct msghdr, msg_iovlen)
SAME_FIELD(struct linux_msghdr, struct msghdr, msg_control)
SAME_FIELD(struct linux_msghdr, struct msghdr, msg_controllen)
SAME_FIELD(struct linux_msghdr, struct msghdr, msg_flags)
SAME_TYPE(struct linux_mmsghdr, struct mmsghdr)
SAME_FIELD(struct linux_mmsghdr, struct mmsghdr, msg_hdr)
SAME_FIELD(struct linux_mmsghdr, struct mmsghdr, msg_len)
SAME_TYPE(struct linux_cmsghdr, struct cmsghdr)
SAME_FIELD(struct linux_cmsghdr, struct cmsghdr, cmsg_len)
SAME_FIELD(struct linux_cmsghdr, struct cmsghdr, cmsg_level)
SAME_FIELD(struct linux_cmsghdr, struct cmsghdr, cmsg_type)

/* ---- directories ---- */
SAME_FIELD(struct linux_dirent64, struct dirent64, d_ino)
SAME_FIELD(struct linux_dirent64, struct dirent64, d_off)
SAME_FIELD(struct linux_dirent64, struct dirent64, d_reclen)
SAME_FIELD(struct linux_dirent64, struct dirent64, d_type)
_Static_assert(offsetof(struct linux_dirent64, d_name) == offsetof(struct dirent64, d_name),
               "d_name offset");
_Static_assert(offsetof(struct linux_dirent64, d_name) == 19, "d_name at 19");
_Static_assert(LINUX_DIRENT64_RECLEN(1) == 24 && LINUX_DIRENT64_RECLEN(4) == 24 &&
                   LINUX_DIRENT64_RECLEN(5) == 32,
               "record lengths are 8-byte multiples with room for the NUL");
CONST(DT_UNKNOWN) CONST(DT_FIFO) CONST(DT_CHR) CONST(DT_DIR) CONST(DT_BLK) CONST(DT_REG)
CONST(DT_LNK) CONST(DT_SOCK)

/* ---- misc ---- */
CONST(S_IFMT) CONST(S_IFSOCK) CONST(S_IFLNK) CONST(S_IFREG) CONST(S_IFBLK) CONST(S_IFDIR)
CONST(S_IFCHR) CONST(S_IFIFO) CONST(S_ISUID) CONST(S_ISGID) CONST(S_ISVTX) CONST(S_IRWXU)
CONST(S_IRUSR) CONST(S_IWUSR) CONST(S_IXUSR) CONST(S_IRWXG) CONST(S_IRGRP) CONST(S_IWGRP)
CONST(S_IXGRP) CONST(S_IRWXO) CONST(S_IROTH) CONST(S_IWOTH) CONST(S_IXOTH)
CONST(F_OK) CONST(X_OK) CONST(W_OK) CONST(R_OK)
CONST(EFD_SEMAPHORE) CONST(EFD_CLOEXEC) CONST(EFD_NONBLOCK)
CONST_AS(W_CONTINUED, __W_CONTINUED) CONST_AS(WCOREFLAG, __WCOREFLAG)
_Static_assert(LINUX_W_EXITCODE(3, 0) == __W_EXITCODE(3, 0), "W_EXITCODE");
_Static_assert(LINUX_W_EXITCODE(0, 9) == __W_EXITCODE(0, 9), "W_EXITCODE");
_Static_assert(LINUX_W_STOPCODE(19) == __W_STOPCODE(19), "W_STOPCODE");
SAME_TYPE(struct linux_tms, struct tms)
SAME_FIELD(struct linux_tms, struct tms, tms_utime)
SAME_FIELD(struct linux_tms, struct tms, tms_stime)
SAME_FIELD(struct linux_tms, struct tms, tms_cutime)
SAME_FIELD(struct linux_tms, struct tms, tms_cstime)

/* RUNTIME(MAP_FAILED) RUNTIME(USER_HZ) */
int layout_libc_runtime_failures(void)
{
    int failures = 0;
    failures += LINUX_MAP_FAILED != (uint64_t)(uintptr_t)MAP_FAILED;
    failures += LINUX_USER_HZ != sysconf(_SC_CLK_TCK); /* from AT_CLKTCK: the kernel's */
    const unsigned majors[] = {0, 1, 4, 136, 4095}, minors[] = {0, 3, 255, 256, 0xfffff};
    for (int i = 0; i < 5; i++) {
        dev_t d = makedev(majors[i], minors[i]);
        failures += LINUX_MKDEV(majors[i], minors[i]) != d;
        failures += LINUX_MAJOR(d) != majors[i] || LINUX_MINOR(d) != minors[i];
    }
    return failures;
}
