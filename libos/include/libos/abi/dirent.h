/* getdents64 records and iovec (readv/writev/sendmsg). */
#ifndef LIBOS_ABI_DIRENT_H
#define LIBOS_ABI_DIRENT_H
#include <stdint.h>

/*
 * One getdents64 record: d_reclen bytes in all (header, NUL-terminated name, padding to a
 * multiple of 8). d_off is an opaque cookie for lseek to resume after this entry.
 */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[]; /* at offset 19 */
};
#define LINUX_DIRENT64_RECLEN(namelen)                                                             \
    ((__builtin_offsetof(struct linux_dirent64, d_name) + (namelen) + 1 + 7) & ~(uint64_t)7)

#define LINUX_DT_UNKNOWN 0
#define LINUX_DT_FIFO    1
#define LINUX_DT_CHR     2
#define LINUX_DT_DIR     4
#define LINUX_DT_BLK     6
#define LINUX_DT_REG     8
#define LINUX_DT_LNK     10
#define LINUX_DT_SOCK    12

struct linux_iovec {
    uint64_t iov_base; /* user address */
    uint64_t iov_len;
};
#define LINUX_UIO_MAXIOV 1024

#endif
