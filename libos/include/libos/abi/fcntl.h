/*
 * open, fcntl and *at() flags, struct flock, lseek whence, access modes, and the AT_* flags of the
 * path-taking syscalls, with arm64's values (note O_DIRECTORY, O_NOFOLLOW, O_DIRECT and
 * O_LARGEFILE differ from the asm-generic ones). Checked against the uapi headers.
 */
#ifndef LIBOS_ABI_FCNTL_H
#define LIBOS_ABI_FCNTL_H
#include <stdint.h>

/* open(2) flags, octal like the man pages. */
#define LINUX_O_ACCMODE   00000003
#define LINUX_O_RDONLY    00000000
#define LINUX_O_WRONLY    00000001
#define LINUX_O_RDWR      00000002
#define LINUX_O_CREAT     00000100
#define LINUX_O_EXCL      00000200
#define LINUX_O_NOCTTY    00000400
#define LINUX_O_TRUNC     00001000
#define LINUX_O_APPEND    00002000
#define LINUX_O_NONBLOCK  00004000
#define LINUX_O_DSYNC     00010000
#define LINUX_O_ASYNC     00020000 /* FASYNC */
#define LINUX_O_DIRECTORY 00040000 /* arm64 */
#define LINUX_O_NOFOLLOW  00100000 /* arm64 */
#define LINUX_O_DIRECT    00200000 /* arm64 */
#define LINUX_O_LARGEFILE 00400000 /* arm64; always implied on 64-bit */
#define LINUX_O_NOATIME   01000000
#define LINUX_O_CLOEXEC   02000000
#define LINUX___O_SYNC    04000000
#define LINUX_O_SYNC      (LINUX___O_SYNC | LINUX_O_DSYNC)
#define LINUX_O_PATH      010000000
#define LINUX___O_TMPFILE 020000000
#define LINUX_O_TMPFILE   (LINUX___O_TMPFILE | LINUX_O_DIRECTORY)
#define LINUX_O_NDELAY    LINUX_O_NONBLOCK

/* fcntl(2) commands. */
#define LINUX_F_DUPFD               0
#define LINUX_F_GETFD               1
#define LINUX_F_SETFD               2
#define LINUX_F_GETFL               3
#define LINUX_F_SETFL               4
#define LINUX_F_GETLK               5
#define LINUX_F_SETLK               6
#define LINUX_F_SETLKW              7
#define LINUX_F_SETOWN              8
#define LINUX_F_GETOWN              9
#define LINUX_F_SETSIG              10
#define LINUX_F_GETSIG              11
#define LINUX_F_SETOWN_EX           15
#define LINUX_F_GETOWN_EX           16
#define LINUX_F_GETOWNER_UIDS       17
#define LINUX_F_OFD_GETLK           36
#define LINUX_F_OFD_SETLK           37
#define LINUX_F_OFD_SETLKW          38
#define LINUX_F_LINUX_SPECIFIC_BASE 1024
#define LINUX_F_SETLEASE            (LINUX_F_LINUX_SPECIFIC_BASE + 0)
#define LINUX_F_GETLEASE            (LINUX_F_LINUX_SPECIFIC_BASE + 1)
#define LINUX_F_NOTIFY              (LINUX_F_LINUX_SPECIFIC_BASE + 2)
#define LINUX_F_CANCELLK            (LINUX_F_LINUX_SPECIFIC_BASE + 5)
#define LINUX_F_DUPFD_CLOEXEC       (LINUX_F_LINUX_SPECIFIC_BASE + 6)
#define LINUX_F_SETPIPE_SZ          (LINUX_F_LINUX_SPECIFIC_BASE + 7)
#define LINUX_F_GETPIPE_SZ          (LINUX_F_LINUX_SPECIFIC_BASE + 8)
#define LINUX_F_ADD_SEALS           (LINUX_F_LINUX_SPECIFIC_BASE + 9)
#define LINUX_F_GET_SEALS           (LINUX_F_LINUX_SPECIFIC_BASE + 10)

#define LINUX_FD_CLOEXEC 1

/* File seals (F_ADD_SEALS). */
#define LINUX_F_SEAL_SEAL         0x0001
#define LINUX_F_SEAL_SHRINK       0x0002
#define LINUX_F_SEAL_GROW         0x0004
#define LINUX_F_SEAL_WRITE        0x0008
#define LINUX_F_SEAL_FUTURE_WRITE 0x0010

/* Record locks (F_GETLK/F_SETLK), l_type values. */
#define LINUX_F_RDLCK 0
#define LINUX_F_WRLCK 1
#define LINUX_F_UNLCK 2

/* struct flock (64-bit offsets on arm64; flock64 is the same layout). */
struct linux_flock {
    int16_t l_type;
    int16_t l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};

/* flock(2) operations. */
#define LINUX_LOCK_SH 1
#define LINUX_LOCK_EX 2
#define LINUX_LOCK_NB 4
#define LINUX_LOCK_UN 8

/* lseek whence. */
#define LINUX_SEEK_SET  0
#define LINUX_SEEK_CUR  1
#define LINUX_SEEK_END  2
#define LINUX_SEEK_DATA 3
#define LINUX_SEEK_HOLE 4

/* access/faccessat mode. */
#define LINUX_F_OK 0
#define LINUX_X_OK 1
#define LINUX_W_OK 2
#define LINUX_R_OK 4

/* The dirfd meaning "the current directory", and the *at() flags. */
#define LINUX_AT_FDCWD              (-100)
#define LINUX_AT_SYMLINK_NOFOLLOW   0x100
#define LINUX_AT_EACCESS            0x200 /* faccessat */
#define LINUX_AT_REMOVEDIR          0x200 /* unlinkat */
#define LINUX_AT_SYMLINK_FOLLOW     0x400
#define LINUX_AT_NO_AUTOMOUNT       0x800
#define LINUX_AT_EMPTY_PATH         0x1000
#define LINUX_AT_STATX_SYNC_TYPE    0x6000
#define LINUX_AT_STATX_SYNC_AS_STAT 0x0000
#define LINUX_AT_STATX_FORCE_SYNC   0x2000
#define LINUX_AT_STATX_DONT_SYNC    0x4000
#define LINUX_AT_RECURSIVE          0x8000

/* renameat2 flags. */
#define LINUX_RENAME_NOREPLACE (1 << 0)
#define LINUX_RENAME_EXCHANGE  (1 << 1)
#define LINUX_RENAME_WHITEOUT  (1 << 2)

/* pipe2/eventfd2/... take O_CLOEXEC/O_NONBLOCK; eventfd adds: */
#define LINUX_EFD_SEMAPHORE 1
#define LINUX_EFD_CLOEXEC   LINUX_O_CLOEXEC
#define LINUX_EFD_NONBLOCK  LINUX_O_NONBLOCK

/* struct open_how (openat2). */
struct linux_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

#endif
