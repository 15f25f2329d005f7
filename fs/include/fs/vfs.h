/*
 * The VFS object model: superblocks, inodes, dentries, files, mounts, and the operation
 * tables a filesystem implements. Hardware-free; memory and time come from struct fs_env.
 *
 * Reference counting: vfs_iget/vfs_iput for inodes, vfs_dget/vfs_dput for dentries,
 * vfs_path_get/vfs_path_put for (mount, dentry) pairs, vfs_file_put for files. Every
 * function returning an object through an out-pointer hands the caller one reference.
 * Errors are negative errno values (lib/errno.h).
 *
 * Filesystem operations are called without any VFS lock held and may sleep (block I/O);
 * a filesystem serialises itself (ext2 uses a per-superblock lock).
 */
#ifndef FS_VFS_H
#define FS_VFS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/list.h>
#include <lib/spinlock.h>

/* ---- Environment -------------------------------------------------------------------- */

struct vfs_time {
    int64_t sec;
    uint32_t nsec;
};

/* What fs/ needs from whoever runs it. alloc returns zeroed memory or NULL. */
struct fs_env {
    void *(*alloc)(size_t size);
    void (*free)(void *p);
    void (*now)(struct vfs_time *t);
};

void fs_set_env(const struct fs_env *env);
void *fs_zalloc(size_t size);
void fs_free(void *p);
void fs_now(struct vfs_time *t);
/* Copies a name into freshly allocated, NUL-terminated memory (NULL on ENOMEM). */
char *fs_strndup(const char *s, size_t len);

/* ---- Constants (Linux values) -------------------------------------------------------- */

#define VFS_S_IFMT     0170000u
#define VFS_S_IFSOCK   0140000u
#define VFS_S_IFLNK    0120000u
#define VFS_S_IFREG    0100000u
#define VFS_S_IFBLK    0060000u
#define VFS_S_IFDIR    0040000u
#define VFS_S_IFCHR    0020000u
#define VFS_S_IFIFO    0010000u
#define VFS_S_ISDIR(m) (((m)&VFS_S_IFMT) == VFS_S_IFDIR)
#define VFS_S_ISREG(m) (((m)&VFS_S_IFMT) == VFS_S_IFREG)
#define VFS_S_ISLNK(m) (((m)&VFS_S_IFMT) == VFS_S_IFLNK)

/* readdir types (d_type of getdents64) */
#define VFS_DT_UNKNOWN 0
#define VFS_DT_FIFO    1
#define VFS_DT_CHR     2
#define VFS_DT_DIR     4
#define VFS_DT_BLK     6
#define VFS_DT_REG     8
#define VFS_DT_LNK     10
#define VFS_DT_SOCK    12
unsigned vfs_mode_to_dt(uint32_t mode);

/* rename flags (renameat2) */
#define VFS_RENAME_NOREPLACE 1u
#define VFS_RENAME_EXCHANGE  2u

#define VFS_NAME_MAX    255
#define VFS_PATH_MAX    4096
#define VFS_SYMLOOP_MAX 40

/* Device numbers, glibc/Linux user-space encoding. */
#define VFS_MKDEV(ma, mi)                                                                          \
    ((((uint64_t)(ma)&0xfffff000u) << 32) | (((uint64_t)(ma)&0xfffu) << 8) |                       \
     (((uint64_t)(mi)&0xffffff00u) << 12) | ((uint64_t)(mi)&0xffu))
#define VFS_MAJOR(d) ((uint32_t)((((d) >> 32) & 0xfffff000u) | (((d) >> 8) & 0xfffu)))
#define VFS_MINOR(d) ((uint32_t)((((d) >> 12) & 0xffffff00u) | ((d)&0xffu)))

/* ---- Objects ------------------------------------------------------------------------ */

struct vfs_superblock;
struct vfs_inode;
struct vfs_dentry;
struct vfs_mount;
struct blockdev;

/* Who asks (and owns what it creates): a user and group id, and the supplementary groups
 * through a hook (NULL: none) that says whether gid is one of them (the caller's process
 * supplies it; groups_arg is its argument). */
struct vfs_cred {
    uint32_t uid, gid;
    bool (*in_groups)(const void *groups_arg, uint32_t gid);
    const void *groups_arg;
};

/* Is gid cred's group or one of its supplementary groups (Linux's in_group_p)? */
bool vfs_cred_in_group(const struct vfs_cred *cred, uint32_t gid);

/* setattr: which fields of struct vfs_attr are valid. */
#define VFS_ATTR_MODE  (1u << 0)
#define VFS_ATTR_UID   (1u << 1)
#define VFS_ATTR_GID   (1u << 2)
#define VFS_ATTR_SIZE  (1u << 3)
#define VFS_ATTR_ATIME (1u << 4)
#define VFS_ATTR_MTIME (1u << 5)
#define VFS_ATTR_CTIME (1u << 6)

struct vfs_attr {
    uint32_t valid;
    uint32_t mode; /* permission bits only (07777) */
    uint32_t uid, gid;
    uint64_t size;
    struct vfs_time atime, mtime, ctime;
};

struct vfs_stat {
    uint64_t dev, ino, rdev, size, blocks;
    uint32_t mode, nlink, uid, gid, blksize;
    struct vfs_time atime, mtime, ctime;
    struct vfs_time btime; /* creation time, when has_btime (the filesystem records it) */
    bool has_btime;
};

struct vfs_statfs {
    uint64_t type; /* filesystem magic */
    uint64_t bsize, frsize;
    uint64_t blocks, bfree, bavail;
    uint64_t files, ffree;
    uint64_t fsid;
    uint64_t namelen;
};

/*
 * readdir callback: one entry. pos_next is the cookie that resumes after this entry
 * (getdents64's d_off). Return nonzero to stop (the entry is then not consumed).
 */
typedef int (*vfs_filldir_fn)(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                              uint64_t pos_next);

/*
 * Operations on inodes. Names are (pointer, length), not NUL-terminated, length 1..255, and
 * never "." or "..". Operations that create an object return its inode number; the VFS then
 * fetches the inode with vfs_iget. Inodes of existing objects affected by an operation
 * (victims, link targets) are passed in, already loaded. Permission checks are the caller's
 * business; type and emptiness checks are the filesystem's.
 */
struct vfs_inode_ops {
    int (*lookup)(struct vfs_inode *dir, const char *name, size_t len, uint64_t *ino);
    int (*create)(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode,
                  const struct vfs_cred *cred, uint64_t *ino);
    int (*mkdir)(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode,
                 const struct vfs_cred *cred, uint64_t *ino);
    /* mode carries the file type (chr, blk, fifo, sock); rdev in VFS_MKDEV form. */
    int (*mknod)(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
                 const struct vfs_cred *cred, uint64_t *ino);
    int (*symlink)(struct vfs_inode *dir, const char *name, size_t len, const char *target,
                   size_t target_len, const struct vfs_cred *cred, uint64_t *ino);
    int (*link)(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *target);
    int (*unlink)(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *victim);
    int (*rmdir)(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *victim);
    /* new_inode is the existing target or NULL. VFS has checked flags vs existence. */
    int (*rename)(struct vfs_inode *old_dir, const char *old_name, size_t old_len,
                  struct vfs_inode *old_inode, struct vfs_inode *new_dir, const char *new_name,
                  size_t new_len, struct vfs_inode *new_inode, unsigned flags);
    /* Copies at most size bytes of the target (no NUL); returns the length copied. */
    int (*readlink)(struct vfs_inode *inode, char *buf, size_t size);
    /* Return bytes transferred or a negative errno. */
    int64_t (*read)(struct vfs_inode *inode, void *buf, size_t len, uint64_t off);
    int64_t (*write)(struct vfs_inode *inode, const void *buf, size_t len, uint64_t off);
    int (*setattr)(struct vfs_inode *inode, const struct vfs_attr *attr);
    /* Optional: the default fills struct vfs_stat from the inode fields. */
    int (*getattr)(struct vfs_inode *inode, struct vfs_stat *st);
    /* Calls fn for entries from *pos on; *pos is left at the first entry not consumed. */
    int (*readdir)(struct vfs_inode *dir, uint64_t *pos, vfs_filldir_fn fn, void *ctx);
    /* Optional (regular files): frees the data of [off, off + len), which then reads as
     * zeros; the size stays (fallocate's PUNCH_HOLE). 0 or an error. */
    int (*punch_hole)(struct vfs_inode *inode, uint64_t off, uint64_t len);
    /* Optional (regular files; without it the whole file is data): the first offset >= off
     * (off < size) that is data (data true) or in a hole, the end of file counting as a
     * hole; -ENXIO when no data follows. */
    int64_t (*seek_hole_data)(struct vfs_inode *inode, uint64_t off, bool data);
};

struct vfs_super_ops {
    /* Allocate a filesystem inode (embedding struct vfs_inode) / free it. */
    struct vfs_inode *(*alloc_inode)(struct vfs_superblock *sb);
    void (*destroy_inode)(struct vfs_inode *inode);
    /* Fill inode (ino, sb already set) from the medium, including ops. */
    int (*read_inode)(struct vfs_inode *inode);
    /* Called when the last reference goes and nlink is 0: release it on the medium. */
    void (*evict_inode)(struct vfs_inode *inode);
    int (*statfs)(struct vfs_superblock *sb, struct vfs_statfs *st);
    int (*sync)(struct vfs_superblock *sb);
    /* Unmount: write back and free the filesystem's private state. */
    void (*put_super)(struct vfs_superblock *sb);
};

#define VFS_SB_RDONLY 1u
/* Lookups always ask the filesystem and dentries are freed once unused (names that come and
 * go behind the VFS's back, like procfs's PIDs). Nothing can be mounted on such dentries. */
#define VFS_SB_NOCACHE 2u

struct vfs_superblock {
    const struct vfs_super_ops *ops;
    const char *type;
    struct blockdev *bdev;
    uint64_t dev; /* st_dev */
    uint64_t root_ino;
    uint32_t flags; /* VFS_SB_* */
    uint32_t block_size;
    struct vfs_dentry *root; /* set by vfs_mount */
    void *fs_private;
    /* VFS private */
    unsigned nr_dentries;
};

struct vfs_inode {
    struct vfs_superblock *sb;
    uint64_t ino;
    uint32_t mode, uid, gid, nlink;
    uint64_t size;
    uint64_t blocks; /* 512-byte units */
    uint64_t rdev;
    struct vfs_time atime, mtime, ctime, btime;
    const struct vfs_inode_ops *ops;
    struct spinlock lock; /* protects the fields above for filesystems that want it */
    /* VFS private */
    unsigned refcount;
    struct list_node hash_link;
};

#define VFS_DNAME_INLINE 40

struct vfs_dentry {
    struct vfs_dentry *parent; /* self for a superblock root */
    struct vfs_superblock *sb;
    struct vfs_inode *inode; /* NULL: negative entry */
    char *name;
    size_t len;
    uint32_t hash;
    unsigned refcount;
    unsigned mounted; /* number of mounts on this dentry */
    bool hashed;
    bool dead; /* its name was removed (vfs_d_delete): nothing is looked up below it */
    struct list_node hash_link;
    struct list_node lru_link;   /* on the unused list while refcount == 0 */
    struct list_node child_link; /* on parent->children (not for a root) */
    struct list_node children;   /* dentries whose parent this is */
    char iname[VFS_DNAME_INLINE];
};

struct vfs_mount {
    struct vfs_superblock *sb;
    struct vfs_dentry *root;       /* sb->root */
    struct vfs_mount *parent;      /* self for the root mount */
    struct vfs_dentry *mountpoint; /* in parent; root for the root mount */
    unsigned refcount;
    struct list_node link;
};

struct vfs_path {
    struct vfs_mount *mnt;
    struct vfs_dentry *dentry;
};

/* open flags (Linux values) */
#define VFS_O_ACCMODE   0003
#define VFS_O_RDONLY    00
#define VFS_O_WRONLY    01
#define VFS_O_RDWR      02
#define VFS_O_CREAT     0100
#define VFS_O_EXCL      0200
#define VFS_O_TRUNC     01000
#define VFS_O_APPEND    02000
#define VFS_O_DIRECTORY 040000  /* arm64 value */
#define VFS_O_NOFOLLOW  0100000 /* arm64 value */
#define VFS_O_PATH      010000000

struct vfs_file {
    struct vfs_path path;
    struct vfs_inode *inode;
    uint64_t pos;
    unsigned flags;
    unsigned refcount;
    struct spinlock lock; /* protects pos */
};

/* ---- Inode cache -------------------------------------------------------------------- */

/* Returns the unique in-memory inode for (sb, ino), reading it if needed. */
int vfs_iget(struct vfs_superblock *sb, uint64_t ino, struct vfs_inode **out);
void vfs_ihold(struct vfs_inode *inode);
void vfs_iput(struct vfs_inode *inode);
/* Default attribute report from the inode fields. */
void vfs_fill_stat(struct vfs_inode *inode, struct vfs_stat *st);

/* ---- Dentry cache ------------------------------------------------------------------- */

struct vfs_dentry *vfs_dget(struct vfs_dentry *d);
void vfs_dput(struct vfs_dentry *d);
/* Child of a positive directory dentry by name, from the cache or the filesystem's lookup;
 * a missing name gives a negative dentry (not an error). */
int vfs_d_lookup(struct vfs_dentry *dir, const char *name, size_t len, struct vfs_dentry **out);
/* Frees unused dentries (all of sb's when sb is non-NULL, else all); returns how many. */
unsigned vfs_dcache_prune(struct vfs_superblock *sb);
unsigned vfs_dcache_count(void);
/*
 * For filesystems whose namespace also changes other than through the VFS (devfs adding
 * a device node): forgets the cached entry at path (relative to sb's root, components
 * separated by '/'), negative or positive, so the next lookup asks the filesystem. Users
 * of a forgotten positive entry keep it. Only the cache is consulted; nothing is read.
 */
void vfs_d_forget(struct vfs_superblock *sb, const char *path);

/* ---- Mounts and paths --------------------------------------------------------------- */

/* A filesystem type: mounts bdev and returns a superblock with root_ino set. Memory
 * filesystems (tmpfs, devfs) take bdev == NULL and number themselves with vfs_anon_dev. */
struct vfs_fs_type {
    const char *name;
    int (*mount)(struct blockdev *bdev, uint32_t flags, struct vfs_superblock **out);
};

/* A fresh st_dev for a filesystem without a block device (major 0, like Linux). */
uint64_t vfs_anon_dev(void);

/* Mounts a filesystem. With at == NULL it becomes the root mount. */
int vfs_mount(const struct vfs_fs_type *type, struct blockdev *bdev, uint32_t flags,
              const struct vfs_path *at, struct vfs_mount **out);
/* Unmounts (EBUSY while in use by other mounts or references). */
int vfs_umount(struct vfs_mount *mnt);
/* The root mount's root, referenced (ENOENT when nothing is mounted). */
int vfs_root(struct vfs_path *out);

void vfs_path_get(const struct vfs_path *p);
void vfs_path_put(struct vfs_path *p);
/* Walk flags */
#define VFS_WALK_NOFOLLOW  (1u << 0) /* do not follow a symlink in the last component */
#define VFS_WALK_DIRECTORY (1u << 1) /* last component must be a directory */
#define VFS_WALK_NEGATIVE  (1u << 2) /* a missing last component gives a negative dentry */

/*
 * Resolves path relative to cwd (or root when absolute), never going above root by "..".
 * On success out holds a positive dentry (or negative with VFS_WALK_NEGATIVE).
 */
int vfs_walk(const struct vfs_path *root, const struct vfs_path *cwd, const char *path,
             unsigned flags, struct vfs_path *out);
/*
 * Resolves all but the last component into parent (a directory) and returns the last
 * component through name and len (pointing into path; len 0 when the path is only slashes)
 * and whether a slash followed it. A last component of "." or ".." is
 * returned unchanged; callers check with vfs_name_is_dot.
 */
int vfs_walk_parent(const struct vfs_path *root, const struct vfs_path *cwd, const char *path,
                    struct vfs_path *parent, const char **name, size_t *len, bool *trailing_slash);
struct vfs_ctx;
/* vfs_walk from c's root and working directory, with search permission on every directory
 * checked for c's credentials (EACCES). vfs_walk/vfs_walk_parent check nothing. */
int vfs_walk_at(const struct vfs_ctx *c, const char *path, unsigned flags, struct vfs_path *out);

/* Access wanted of an inode (the rwx bits). */
#define VFS_MAY_EXEC  1u
#define VFS_MAY_WRITE 2u
#define VFS_MAY_READ  4u
/* May cred access i for want (VFS_MAY_* bits)? 0 or -EACCES: the owner, group (cred's group
 * or a supplementary one) or other bits. uid 0 may do anything but execute a non-directory
 * without any execute bit. A NULL cred (the kernel itself) may do anything. */
int vfs_permission(const struct vfs_cred *cred, const struct vfs_inode *i, unsigned want);
bool vfs_name_is_dot(const char *name, size_t len);
/*
 * Writes the absolute name of p as seen from root ("/", "/usr/bin", crossing mount points
 * upwards) into buf, NUL-terminated: its length, or -ENAMETOOLONG if it does not fit in size.
 * A p outside root's tree (after chroot) is named from the global root, as Linux's d_path
 * names it, and *outside (if not NULL) says so.
 */
int vfs_path_name(const struct vfs_path *root, const struct vfs_path *p, char *buf, size_t size,
                  bool *outside);

/* ---- System-call level operations (the library OS's entry points) ------------------- */

/* Where paths start and who asks: the operations below check permissions for cred. */
struct vfs_ctx {
    struct vfs_path root, cwd;
    struct vfs_cred cred;
};

int vfs_open(const struct vfs_ctx *c, const char *path, unsigned flags, uint32_t mode,
             struct vfs_file **out);
/* An O_PATH file: path resolved (the last symlink followed unless O_NOFOLLOW; a directory
 * required with O_DIRECTORY), no type or permission checks, no I/O through it. */
int vfs_open_path(const struct vfs_ctx *c, const char *path, unsigned flags, struct vfs_file **out);
void vfs_file_get(struct vfs_file *f);
void vfs_file_put(struct vfs_file *f);
int64_t vfs_read(struct vfs_file *f, void *buf, size_t len);
int64_t vfs_write(struct vfs_file *f, const void *buf, size_t len);
int64_t vfs_pread(struct vfs_file *f, void *buf, size_t len, uint64_t off);
int64_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t len, uint64_t off);
#define VFS_SEEK_SET  0
#define VFS_SEEK_CUR  1
#define VFS_SEEK_END  2
#define VFS_SEEK_DATA 3
#define VFS_SEEK_HOLE 4
int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence);
/* fallocate's PUNCH_HOLE|KEEP_SIZE on a regular file open for writing: [off, off + len)
 * (clamped to the size) reads as zeros afterwards, through read and through every mapping
 * of the cached pages; -EOPNOTSUPP where the filesystem cannot free a range. */
int vfs_punch_hole(struct vfs_file *f, uint64_t off, uint64_t len);
/* Reads entries from the file position on; the position advances past consumed ones. */
int vfs_readdir(struct vfs_file *f, vfs_filldir_fn fn, void *ctx);
int vfs_fstat(struct vfs_file *f, struct vfs_stat *st);
int vfs_ftruncate(struct vfs_file *f, uint64_t size);

int vfs_stat(const struct vfs_ctx *c, const char *path, bool follow, struct vfs_stat *st);
int vfs_mkdir(const struct vfs_ctx *c, const char *path, uint32_t mode);
int vfs_mknod(const struct vfs_ctx *c, const char *path, uint32_t mode, uint64_t rdev);
int vfs_unlink(const struct vfs_ctx *c, const char *path);
int vfs_rmdir(const struct vfs_ctx *c, const char *path);
int vfs_symlink(const struct vfs_ctx *c, const char *target, const char *path);
int vfs_link(const struct vfs_ctx *c, const char *old_path, const char *new_path);
int vfs_rename(const struct vfs_ctx *c, const char *old_path, const char *new_path, unsigned flags);
int vfs_readlink(const struct vfs_ctx *c, const char *path, char *buf, size_t size);
int vfs_truncate(const struct vfs_ctx *c, const char *path, uint64_t size);
int vfs_setattr(const struct vfs_ctx *c, const char *path, bool follow,
                const struct vfs_attr *attr);
int vfs_statfs(const struct vfs_ctx *c, const char *path, struct vfs_statfs *st);
/* The same on an already resolved path (fstatfs, *at() with AT_EMPTY_PATH). */
int vfs_path_statfs(const struct vfs_path *p, struct vfs_statfs *st);
int vfs_path_setattr(const struct vfs_path *p, const struct vfs_attr *attr);
/* link(2) with the source already resolved (linkat's AT_SYMLINK_FOLLOW, AT_EMPTY_PATH). */
int vfs_link_path(const struct vfs_path *old, const struct vfs_ctx *c, const char *new_path);
/* rename with each path resolved in its own context (renameat's two directory fds). */
int vfs_rename2(const struct vfs_ctx *oc, const char *old_path, const struct vfs_ctx *nc,
                const char *new_path, unsigned flags);
int vfs_chdir(struct vfs_ctx *c, const char *path);
/* Writes back every mounted filesystem. */
int vfs_sync_all(void);

#endif
