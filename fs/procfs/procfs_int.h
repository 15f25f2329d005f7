/* procfs internals: inode numbers, the text buffer, and the file generators. */
#ifndef FS_PROCFS_INT_H
#define FS_PROCFS_INT_H
#include <stdarg.h>
#include <fs/procfs.h>
#include <lib/compiler.h>

extern const struct procfs_provider *procfs_prov;

/*
 * Inode numbers. Fixed entries (the root, /proc/meminfo, /proc/sys/...) are their index in
 * the fixed table plus one. Per-process entries are (kind << 56) | (tgid << 32) | sub, where
 * sub is the thread id for entries under task/TID and the descriptor for fd/N.
 */
enum procfs_kind {
    PK_FIXED = 0,
    PK_PID_DIR,
    PK_STAT,
    PK_STATM,
    PK_STATUS,
    PK_CMDLINE,
    PK_COMM,
    PK_ENVIRON,
    PK_MAPS,
    PK_MOUNTS,
    PK_CWD,
    PK_EXE,
    PK_ROOT,
    PK_FD_DIR,
    PK_FD,
    PK_TASK_DIR,
    PK_TID_DIR,
    /* under task/TID: the per-thread variant of a PK_* file, sub = tid */
    PK_THREAD = 0x40,
};

static inline uint64_t procfs_ino(unsigned kind, int32_t tgid, uint32_t sub)
{
    return ((uint64_t)kind << 56) | ((uint64_t)(uint32_t)tgid << 32) | sub;
}
static inline unsigned procfs_ino_kind(uint64_t ino)
{
    return (unsigned)(ino >> 56);
}
static inline int32_t procfs_ino_tgid(uint64_t ino)
{
    return (int32_t)((ino >> 32) & 0xffffff);
}
static inline uint32_t procfs_ino_sub(uint64_t ino)
{
    return (uint32_t)ino;
}

/* A growable text buffer (fs_zalloc memory). oom is set when growing failed. */
struct pbuf {
    char *buf;
    size_t len, cap;
    bool oom;
};

void pb_init(struct pbuf *pb);
void pb_free(struct pbuf *pb);
/* Makes room for n more bytes; false on ENOMEM. */
bool pb_reserve(struct pbuf *pb, size_t n);
__printf(2, 3) void pb_printf(struct pbuf *pb, const char *fmt, ...);
void pb_write(struct pbuf *pb, const void *s, size_t n);
void pb_puts(struct pbuf *pb, const char *s);

/* Generators: append a file's text to pb; 0 or a negative errno (-ESRCH: process gone). */
int procfs_gen_pid(unsigned kind, int32_t tgid, int32_t tid, struct pbuf *pb);
int procfs_gen_meminfo(struct pbuf *pb);
int procfs_gen_stat(struct pbuf *pb);
int procfs_gen_uptime(struct pbuf *pb);
int procfs_gen_loadavg(struct pbuf *pb);
int procfs_gen_cpuinfo(struct pbuf *pb);
int procfs_gen_filesystems(struct pbuf *pb);
int procfs_gen_version(struct pbuf *pb);
int procfs_gen_cmdline(struct pbuf *pb);
int procfs_gen_sysctl(unsigned which, struct pbuf *pb);
int procfs_gen_mounts(int32_t tgid, struct pbuf *pb);

/* /proc/sys entries procfs_gen_sysctl knows */
enum {
    SYSCTL_HOSTNAME,
    SYSCTL_DOMAINNAME,
    SYSCTL_OSTYPE,
    SYSCTL_OSRELEASE,
    SYSCTL_PID_MAX,
    SYSCTL_OVERCOMMIT
};

#endif
