/* procfs tree: superblock, inode numbers to files, lookup, readdir, readlink and read. */
#include <string.h>
#include <lib/errno.h>
#include <lib/format.h>
#include "procfs_int.h"

/* ---- Fixed entries ---- */

enum fixed_id {
    F_ROOT,
    F_SELF,
    F_THREAD_SELF,
    F_MOUNTS,
    F_MEMINFO,
    F_STAT,
    F_UPTIME,
    F_LOADAVG,
    F_CPUINFO,
    F_FILESYSTEMS,
    F_VERSION,
    F_CMDLINE,
    F_SYS,
    F_SYS_KERNEL,
    F_HOSTNAME,
    F_DOMAINNAME,
    F_OSTYPE,
    F_OSRELEASE,
    F_PID_MAX,
    F_SYS_VM,
    F_OVERCOMMIT,
    F_COUNT
};

#define DIR_MODE(p) (VFS_S_IFDIR | (p))
#define REG_MODE(p) (VFS_S_IFREG | (p))
#define LNK_MODE    (VFS_S_IFLNK | 0777)

static const struct fixed {
    const char *name;
    int parent;
    uint32_t mode;
} fixed[F_COUNT] = {
    [F_ROOT] = {"", F_ROOT, DIR_MODE(0555)},
    [F_SELF] = {"self", F_ROOT, LNK_MODE},
    [F_THREAD_SELF] = {"thread-self", F_ROOT, LNK_MODE},
    [F_MOUNTS] = {"mounts", F_ROOT, LNK_MODE},
    [F_MEMINFO] = {"meminfo", F_ROOT, REG_MODE(0444)},
    [F_STAT] = {"stat", F_ROOT, REG_MODE(0444)},
    [F_UPTIME] = {"uptime", F_ROOT, REG_MODE(0444)},
    [F_LOADAVG] = {"loadavg", F_ROOT, REG_MODE(0444)},
    [F_CPUINFO] = {"cpuinfo", F_ROOT, REG_MODE(0444)},
    [F_FILESYSTEMS] = {"filesystems", F_ROOT, REG_MODE(0444)},
    [F_VERSION] = {"version", F_ROOT, REG_MODE(0444)},
    [F_CMDLINE] = {"cmdline", F_ROOT, REG_MODE(0444)},
    [F_SYS] = {"sys", F_ROOT, DIR_MODE(0555)},
    [F_SYS_KERNEL] = {"kernel", F_SYS, DIR_MODE(0555)},
    [F_HOSTNAME] = {"hostname", F_SYS_KERNEL, REG_MODE(0644)},
    [F_DOMAINNAME] = {"domainname", F_SYS_KERNEL, REG_MODE(0644)},
    [F_OSTYPE] = {"ostype", F_SYS_KERNEL, REG_MODE(0444)},
    [F_OSRELEASE] = {"osrelease", F_SYS_KERNEL, REG_MODE(0444)},
    [F_PID_MAX] = {"pid_max", F_SYS_KERNEL, REG_MODE(0644)},
    [F_SYS_VM] = {"vm", F_SYS, DIR_MODE(0555)},
    [F_OVERCOMMIT] = {"overcommit_memory", F_SYS_VM, REG_MODE(0644)},
};

/* readdir cookies of the root: fixed entries at 2 + id, processes at PID_POS + pid. */
#define PID_POS 256u
_Static_assert(F_COUNT + 2 < PID_POS, "cookie ranges");

/* ---- Per-process entries ---- */

static const struct pid_entry {
    const char *name;
    unsigned kind;
    uint32_t mode;
    bool in_thread; /* also under task/TID */
} pid_entries[] = {
    {"cmdline", PK_CMDLINE, REG_MODE(0444), true},
    {"comm", PK_COMM, REG_MODE(0644), true},
    {"cwd", PK_CWD, LNK_MODE, false},
    {"environ", PK_ENVIRON, REG_MODE(0400), false},
    {"exe", PK_EXE, LNK_MODE, false},
    {"fd", PK_FD_DIR, DIR_MODE(0500), false},
    {"maps", PK_MAPS, REG_MODE(0444), false},
    {"mounts", PK_MOUNTS, REG_MODE(0444), false},
    {"root", PK_ROOT, LNK_MODE, false},
    {"stat", PK_STAT, REG_MODE(0444), true},
    {"statm", PK_STATM, REG_MODE(0444), true},
    {"status", PK_STATUS, REG_MODE(0444), true},
    {"task", PK_TASK_DIR, DIR_MODE(0555), false},
};
#define N_PID_ENTRIES (sizeof(pid_entries) / sizeof(pid_entries[0]))

static const struct pid_entry *entry_of(unsigned kind)
{
    for (size_t i = 0; i < N_PID_ENTRIES; i++)
        if (pid_entries[i].kind == kind)
            return &pid_entries[i];
    return NULL;
}

/* Thread id an inode number refers to (0: the process as a whole). */
static int32_t ino_tid(uint64_t ino)
{
    unsigned kind = procfs_ino_kind(ino);
    return (kind == PK_TID_DIR || (kind & PK_THREAD)) ? (int32_t)procfs_ino_sub(ino) : 0;
}

/* Whether the task exists; fills *out when out is non-NULL. */
static int task_lookup(int32_t tgid, int32_t tid, struct procfs_task_info *out)
{
    struct procfs_task_info *t = out ? out : fs_zalloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    memset(t, 0, sizeof(*t));
    int err = procfs_prov->task_info(procfs_prov->ctx, tgid, tid, t);
    if (!out)
        fs_free(t);
    return err ? -ENOENT : 0;
}

/* Parses a decimal id as Linux does for /proc names: no sign, no leading zero, < 2^24. */
static int32_t parse_id(const char *name, size_t len)
{
    if (len == 0 || len > 8 || (len > 1 && name[0] == '0'))
        return -1;
    int32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v < (1 << 24) ? v : -1;
}

static bool name_is(const char *name, size_t len, const char *s)
{
    return strlen(s) == len && !memcmp(name, s, len);
}

/* ---- Inodes ---- */

static const struct vfs_inode_ops procfs_ops;

static int procfs_read_inode(struct vfs_inode *inode)
{
    uint64_t ino = inode->ino;
    unsigned kind = procfs_ino_kind(ino);
    fs_now(&inode->mtime);
    inode->atime = inode->ctime = inode->btime = inode->mtime;
    inode->ops = &procfs_ops;
    if (kind == PK_FIXED) {
        if (ino == 0 || ino > F_COUNT)
            return -ENOENT;
        inode->mode = fixed[ino - 1].mode;
    } else {
        int32_t tgid = procfs_ino_tgid(ino);
        unsigned base = kind & ~(unsigned)PK_THREAD;
        const struct pid_entry *e = entry_of(base);
        if (kind == PK_PID_DIR || kind == PK_TID_DIR)
            inode->mode = DIR_MODE(0555);
        else if (kind == PK_FD)
            inode->mode = VFS_S_IFLNK | 0700;
        else if (e && (!(kind & PK_THREAD) || e->in_thread))
            inode->mode = e->mode;
        else
            return -ENOENT;
        struct procfs_task_info *t = fs_zalloc(sizeof(*t));
        if (!t)
            return -ENOMEM;
        int err = task_lookup(tgid, ino_tid(ino), t);
        inode->uid = t->uid[1];
        inode->gid = t->gid[1];
        fs_free(t);
        if (err)
            return err;
    }
    inode->nlink = VFS_S_ISDIR(inode->mode) ? 2 : 1;
    return 0;
}

static struct vfs_inode *procfs_alloc_inode(struct vfs_superblock *sb)
{
    (void)sb;
    return fs_zalloc(sizeof(struct vfs_inode));
}

static void procfs_destroy_inode(struct vfs_inode *inode)
{
    fs_free(inode);
}

/* ---- Lookup ---- */

static int lookup_fixed(unsigned dir_id, const char *name, size_t len, uint64_t *ino)
{
    for (unsigned id = 1; id < F_COUNT; id++) {
        if ((unsigned)fixed[id].parent == dir_id && name_is(name, len, fixed[id].name)) {
            *ino = id + 1;
            return 0;
        }
    }
    if (dir_id != F_ROOT)
        return -ENOENT;
    int32_t pid = parse_id(name, len);
    if (pid <= 0 || task_lookup(pid, 0, NULL))
        return -ENOENT;
    *ino = procfs_ino(PK_PID_DIR, pid, 0);
    return 0;
}

static int procfs_lookup(struct vfs_inode *dir, const char *name, size_t len, uint64_t *ino)
{
    uint64_t di = dir->ino;
    unsigned kind = procfs_ino_kind(di);
    int32_t tgid = procfs_ino_tgid(di);
    if (kind == PK_FIXED)
        return lookup_fixed((unsigned)(di - 1), name, len, ino);
    if (kind == PK_PID_DIR || kind == PK_TID_DIR) {
        for (size_t i = 0; i < N_PID_ENTRIES; i++) {
            const struct pid_entry *e = &pid_entries[i];
            if (!name_is(name, len, e->name))
                continue;
            if (kind == PK_PID_DIR) {
                *ino = procfs_ino(e->kind, tgid, 0);
                return 0;
            }
            if (!e->in_thread)
                return -ENOENT;
            *ino = procfs_ino(e->kind | PK_THREAD, tgid, procfs_ino_sub(di));
            return 0;
        }
        return -ENOENT;
    }
    int32_t id = parse_id(name, len);
    if (id < 0)
        return -ENOENT;
    if (kind == PK_FD_DIR) {
        char c;
        if (procfs_prov->fd_path(procfs_prov->ctx, tgid, id, &c, 1) < 0)
            return -ENOENT;
        *ino = procfs_ino(PK_FD, tgid, (uint32_t)id);
        return 0;
    }
    if (kind == PK_TASK_DIR) {
        if (id == 0 || task_lookup(tgid, id, NULL))
            return -ENOENT;
        *ino = procfs_ino(PK_TID_DIR, tgid, (uint32_t)id);
        return 0;
    }
    return -ENOTDIR;
}

/* ---- Readdir ---- */

/* Emits "." and ".." (cookies 0 and 1); nonzero when fn asked to stop. */
static int emit_dots(struct vfs_inode *dir, uint64_t parent_ino, uint64_t *pos, vfs_filldir_fn fn,
                     void *ctx)
{
    if (*pos == 0) {
        if (fn(ctx, ".", 1, dir->ino, VFS_DT_DIR, 1))
            return 1;
        *pos = 1;
    }
    if (*pos == 1) {
        if (fn(ctx, "..", 2, parent_ino, VFS_DT_DIR, 2))
            return 1;
        *pos = 2;
    }
    return 0;
}

/* Emits name for cookie *pos (advancing it to next); nonzero when fn asked to stop. */
static int emit(const char *name, uint64_t ino, uint32_t mode, uint64_t *pos, uint64_t next,
                vfs_filldir_fn fn, void *ctx)
{
    if (fn(ctx, name, strlen(name), ino, vfs_mode_to_dt(mode), next))
        return 1;
    *pos = next;
    return 0;
}

static int readdir_fixed(unsigned dir_id, uint64_t *pos, vfs_filldir_fn fn, void *ctx)
{
    for (unsigned id = 1; id < F_COUNT && *pos < PID_POS; id++) {
        if ((unsigned)fixed[id].parent != dir_id || 2 + id < *pos)
            continue;
        if (emit(fixed[id].name, id + 1, fixed[id].mode, pos, 3 + id, fn, ctx))
            return 0;
    }
    if (dir_id != F_ROOT)
        return 0;
    if (*pos < PID_POS)
        *pos = PID_POS;
    for (int32_t pid = procfs_prov->next_pid(procfs_prov->ctx, (int32_t)(*pos - PID_POS) - 1);
         pid > 0; pid = procfs_prov->next_pid(procfs_prov->ctx, pid)) {
        char name[16];
        ksnprintf(name, sizeof(name), "%d", pid);
        *pos = PID_POS + (uint64_t)pid;
        if (emit(name, procfs_ino(PK_PID_DIR, pid, 0), DIR_MODE(0555), pos, *pos + 1, fn, ctx))
            return 0;
    }
    return 0;
}

static int readdir_entries(int32_t tgid, int32_t tid, uint64_t *pos, vfs_filldir_fn fn, void *ctx)
{
    for (size_t i = (size_t)*pos - 2; i < N_PID_ENTRIES; i++) {
        const struct pid_entry *e = &pid_entries[i];
        if (tid && !e->in_thread) {
            *pos = 3 + i;
            continue;
        }
        uint64_t ino = tid ? procfs_ino(e->kind | PK_THREAD, tgid, (uint32_t)tid)
                           : procfs_ino(e->kind, tgid, 0);
        if (emit(e->name, ino, e->mode, pos, 3 + i, fn, ctx))
            return 0;
    }
    return 0;
}

/* fd/ and task/: numeric entries at cookie 2 + id, listed through next(after). */
static int readdir_ids(int32_t tgid, bool fds, uint64_t *pos, vfs_filldir_fn fn, void *ctx)
{
    const struct procfs_provider *p = procfs_prov;
    int32_t after = (int32_t)(*pos - 2) - 1;
    for (;;) {
        int32_t id = fds ? p->next_fd(p->ctx, tgid, after)
                         : p->next_tid(p->ctx, tgid, after < 0 ? 0 : after);
        if (id < 0 || (!fds && id == 0))
            return 0;
        char name[16];
        ksnprintf(name, sizeof(name), "%d", id);
        *pos = 2 + (uint64_t)id;
        uint64_t ino = fds ? procfs_ino(PK_FD, tgid, (uint32_t)id)
                           : procfs_ino(PK_TID_DIR, tgid, (uint32_t)id);
        if (emit(name, ino, fds ? VFS_S_IFLNK | 0700 : DIR_MODE(0555), pos, *pos + 1, fn, ctx))
            return 0;
        after = id;
    }
}

static int procfs_readdir(struct vfs_inode *dir, uint64_t *pos, vfs_filldir_fn fn, void *ctx)
{
    uint64_t di = dir->ino;
    unsigned kind = procfs_ino_kind(di);
    int32_t tgid = procfs_ino_tgid(di);
    uint64_t parent;
    if (kind == PK_FIXED)
        parent = (uint64_t)fixed[di - 1].parent + 1;
    else if (kind == PK_PID_DIR)
        parent = F_ROOT + 1;
    else if (kind == PK_TID_DIR)
        parent = procfs_ino(PK_TASK_DIR, tgid, 0);
    else
        parent = procfs_ino(PK_PID_DIR, tgid, 0);
    if (emit_dots(dir, parent, pos, fn, ctx))
        return 0;
    switch (kind) {
    case PK_FIXED:
        return readdir_fixed((unsigned)(di - 1), pos, fn, ctx);
    case PK_PID_DIR:
        return readdir_entries(tgid, 0, pos, fn, ctx);
    case PK_TID_DIR:
        return readdir_entries(tgid, (int32_t)procfs_ino_sub(di), pos, fn, ctx);
    case PK_FD_DIR:
        return readdir_ids(tgid, true, pos, fn, ctx);
    case PK_TASK_DIR:
        return readdir_ids(tgid, false, pos, fn, ctx);
    default:
        return -ENOTDIR;
    }
}

/* ---- Symlinks ---- */

static int procfs_readlink(struct vfs_inode *inode, char *buf, size_t size)
{
    uint64_t ino = inode->ino;
    unsigned kind = procfs_ino_kind(ino);
    int32_t tgid = procfs_ino_tgid(ino);
    const struct procfs_provider *p = procfs_prov;
    char tmp[64];
    int n;
    switch (kind) {
    case PK_FIXED: {
        int32_t cur = 0, tid = 0;
        if (ino == F_MOUNTS + 1) {
            n = ksnprintf(tmp, sizeof(tmp), "self/mounts");
            break;
        }
        p->current(p->ctx, &cur, &tid);
        if (cur <= 0)
            return -ENOENT;
        if (ino == F_SELF + 1)
            n = ksnprintf(tmp, sizeof(tmp), "%d", cur);
        else if (ino == F_THREAD_SELF + 1)
            n = ksnprintf(tmp, sizeof(tmp), "%d/task/%d", cur, tid);
        else
            return -EINVAL;
        break;
    }
    case PK_CWD:
        return p->link(p->ctx, tgid, PROCFS_LINK_CWD, buf, size);
    case PK_EXE:
        return p->link(p->ctx, tgid, PROCFS_LINK_EXE, buf, size);
    case PK_ROOT:
        return p->link(p->ctx, tgid, PROCFS_LINK_ROOT, buf, size);
    case PK_FD:
        return p->fd_path(p->ctx, tgid, (int32_t)procfs_ino_sub(ino), buf, size);
    default:
        return -EINVAL;
    }
    size_t len = (size_t)n < size ? (size_t)n : size;
    memcpy(buf, tmp, len);
    return (int)len;
}

/* ---- Reading ---- */

/* Generates the whole text of a non-directory, non-area file into pb. */
static int generate(uint64_t ino, struct pbuf *pb)
{
    unsigned kind = procfs_ino_kind(ino);
    if (kind != PK_FIXED)
        return procfs_gen_pid(kind & ~(unsigned)PK_THREAD, procfs_ino_tgid(ino), ino_tid(ino), pb);
    switch (ino - 1) {
    case F_MEMINFO:
        return procfs_gen_meminfo(pb);
    case F_STAT:
        return procfs_gen_stat(pb);
    case F_UPTIME:
        return procfs_gen_uptime(pb);
    case F_LOADAVG:
        return procfs_gen_loadavg(pb);
    case F_CPUINFO:
        return procfs_gen_cpuinfo(pb);
    case F_FILESYSTEMS:
        return procfs_gen_filesystems(pb);
    case F_VERSION:
        return procfs_gen_version(pb);
    case F_CMDLINE:
        return procfs_gen_cmdline(pb);
    case F_HOSTNAME:
        return procfs_gen_sysctl(SYSCTL_HOSTNAME, pb);
    case F_DOMAINNAME:
        return procfs_gen_sysctl(SYSCTL_DOMAINNAME, pb);
    case F_OSTYPE:
        return procfs_gen_sysctl(SYSCTL_OSTYPE, pb);
    case F_OSRELEASE:
        return procfs_gen_sysctl(SYSCTL_OSRELEASE, pb);
    case F_PID_MAX:
        return procfs_gen_sysctl(SYSCTL_PID_MAX, pb);
    case F_OVERCOMMIT:
        return procfs_gen_sysctl(SYSCTL_OVERCOMMIT, pb);
    default:
        return -EINVAL;
    }
}

/*
 * Files are generated afresh for every read and the requested range copied out (Linux's
 * seq_file does the same for reads past the first buffer), so a reader that reads in one
 * go, as procps and busybox do, always sees one consistent snapshot.
 */
static int64_t procfs_read(struct vfs_inode *inode, void *buf, size_t len, uint64_t off)
{
    uint64_t ino = inode->ino;
    unsigned base = procfs_ino_kind(ino) & ~(unsigned)PK_THREAD;
    if (base == PK_CMDLINE || base == PK_ENVIRON) {
        enum procfs_area a = base == PK_CMDLINE ? PROCFS_AREA_CMDLINE : PROCFS_AREA_ENVIRON;
        return procfs_prov->read_area(procfs_prov->ctx, procfs_ino_tgid(ino), a, buf, len, off);
    }
    struct pbuf pb;
    pb_init(&pb);
    int err = generate(ino, &pb);
    if (!err && pb.oom)
        err = -ENOMEM;
    int64_t n = err;
    if (!err) {
        n = off < pb.len ? (int64_t)(pb.len - off < len ? pb.len - off : len) : 0;
        if (n)
            memcpy(buf, pb.buf + off, (size_t)n);
    }
    pb_free(&pb);
    return n;
}

static const struct vfs_inode_ops procfs_ops = {
    .lookup = procfs_lookup,
    .readlink = procfs_readlink,
    .read = procfs_read,
    .readdir = procfs_readdir,
};

/* ---- Superblock ---- */

static int procfs_statfs(struct vfs_superblock *sb, struct vfs_statfs *st)
{
    memset(st, 0, sizeof(*st));
    st->type = PROCFS_SUPER_MAGIC;
    st->bsize = st->frsize = 4096;
    st->fsid = sb->dev;
    st->namelen = VFS_NAME_MAX;
    return 0;
}

static void procfs_put_super(struct vfs_superblock *sb)
{
    fs_free(sb);
}

static const struct vfs_super_ops procfs_super_ops = {
    .alloc_inode = procfs_alloc_inode,
    .destroy_inode = procfs_destroy_inode,
    .read_inode = procfs_read_inode,
    .statfs = procfs_statfs,
    .put_super = procfs_put_super,
};

/* Anonymous device numbers (major 0) for procfs superblocks. */
static uint32_t next_minor = 0x40;

static int procfs_mount(struct blockdev *bdev, uint32_t flags, struct vfs_superblock **out)
{
    (void)bdev;
    (void)flags;
    if (!procfs_prov)
        return -EINVAL;
    struct vfs_superblock *sb = fs_zalloc(sizeof(*sb));
    if (!sb)
        return -ENOMEM;
    sb->ops = &procfs_super_ops;
    sb->type = "proc";
    sb->dev = VFS_MKDEV(0, __atomic_fetch_add(&next_minor, 1, __ATOMIC_RELAXED));
    sb->root_ino = F_ROOT + 1;
    sb->flags = VFS_SB_RDONLY | VFS_SB_NOCACHE;
    sb->block_size = 1024;
    *out = sb;
    return 0;
}

const struct vfs_fs_type procfs_fs_type = {
    .name = "proc",
    .mount = procfs_mount,
};
