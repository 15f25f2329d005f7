/*
 * struct stat as arm64 returns it from fstat/newfstatat (the asm-generic layout, 128
 * bytes), struct statx, and the file-type/permission bits. Checked against the uapi headers.
 */
#ifndef LIBOS_ABI_STAT_H
#define LIBOS_ABI_STAT_H
#include <stdint.h>
#include <libos/abi/time.h>

struct linux_stat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint32_t st_mode;
    uint32_t st_nlink;
    uint32_t st_uid;
    uint32_t st_gid;
    uint64_t st_rdev;
    uint64_t __pad1;
    int64_t st_size;
    int32_t st_blksize;
    int32_t __pad2;
    int64_t st_blocks; /* in 512-byte units */
    int64_t st_atime;
    uint64_t st_atime_nsec;
    int64_t st_mtime;
    uint64_t st_mtime_nsec;
    int64_t st_ctime;
    uint64_t st_ctime_nsec;
    uint32_t __unused4;
    uint32_t __unused5;
};

struct linux_statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t __reserved;
};

struct linux_statx {
    uint32_t stx_mask; /* which fields below are valid (LINUX_STATX_*) */
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t __spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct linux_statx_timestamp stx_atime;
    struct linux_statx_timestamp stx_btime;
    struct linux_statx_timestamp stx_ctime;
    struct linux_statx_timestamp stx_mtime;
    uint32_t stx_rdev_major;
    uint32_t stx_rdev_minor;
    uint32_t stx_dev_major;
    uint32_t stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align;
    uint32_t stx_dio_offset_align;
    uint64_t __spare3[12];
};

/* stx_mask bits. */
#define LINUX_STATX_TYPE        0x00000001U
#define LINUX_STATX_MODE        0x00000002U
#define LINUX_STATX_NLINK       0x00000004U
#define LINUX_STATX_UID         0x00000008U
#define LINUX_STATX_GID         0x00000010U
#define LINUX_STATX_ATIME       0x00000020U
#define LINUX_STATX_MTIME       0x00000040U
#define LINUX_STATX_CTIME       0x00000080U
#define LINUX_STATX_INO         0x00000100U
#define LINUX_STATX_SIZE        0x00000200U
#define LINUX_STATX_BLOCKS      0x00000400U
#define LINUX_STATX_BASIC_STATS 0x000007ffU
#define LINUX_STATX_BTIME       0x00000800U
#define LINUX_STATX_MNT_ID      0x00001000U
#define LINUX_STATX_DIOALIGN    0x00002000U

/* st_mode: file type (octal, as in the man pages) and permission bits. */
#define LINUX_S_IFMT   0170000
#define LINUX_S_IFSOCK 0140000
#define LINUX_S_IFLNK  0120000
#define LINUX_S_IFREG  0100000
#define LINUX_S_IFBLK  0060000
#define LINUX_S_IFDIR  0040000
#define LINUX_S_IFCHR  0020000
#define LINUX_S_IFIFO  0010000
#define LINUX_S_ISUID  0004000
#define LINUX_S_ISGID  0002000
#define LINUX_S_ISVTX  0001000
#define LINUX_S_IRWXU  00700
#define LINUX_S_IRUSR  00400
#define LINUX_S_IWUSR  00200
#define LINUX_S_IXUSR  00100
#define LINUX_S_IRWXG  00070
#define LINUX_S_IRGRP  00040
#define LINUX_S_IWGRP  00020
#define LINUX_S_IXGRP  00010
#define LINUX_S_IRWXO  00007
#define LINUX_S_IROTH  00004
#define LINUX_S_IWOTH  00002
#define LINUX_S_IXOTH  00001

#define LINUX_S_ISTYPE(m, t) (((m)&LINUX_S_IFMT) == (t))

/* Device numbers as stat reports them (the kernel's "new" encoding, 12-bit major). */
#define LINUX_MKDEV(ma, mi)                                                                        \
    ((uint64_t)(((mi)&0xffu) | (((ma)&0xfffu) << 8) | (((uint64_t)(mi) & ~0xffu) << 12)))
#define LINUX_MAJOR(dev) ((unsigned)(((dev) >> 8) & 0xfffu))
#define LINUX_MINOR(dev) ((unsigned)(((dev)&0xffu) | (((dev) >> 12) & 0xfff00u)))

#endif
