/* tmpfs internals, shared by its files and by devfs (which is a tmpfs with device nodes). */
#ifndef FS_TMPFS_TMPFS_H
#define FS_TMPFS_TMPFS_H
#include <fs/tmpfs.h>

#define TMPFS_FANOUT      (TMPFS_PAGE_SIZE / sizeof(void *)) /* radix index slots */
#define TMPFS_FANOUT_BITS 9
#define TMPFS_MAX_DEPTH   4
#define TMPFS_ROOT_INO    1
#define TMPFS_DIRENT_SIZE 20 /* directory i_size per entry, as Linux's tmpfs reports */

struct tmpfs_node;

/* A directory entry. Entries are kept in increasing cookie order. */
struct tmpfs_dirent {
    struct list_node link;
    struct tmpfs_node *node;
    uint64_t cookie; /* readdir position; never reused within the directory */
    size_t len;
    char name[];
};

/*
 * The filesystem's record of an inode. It is authoritative: the VFS inode is a copy made
 * by read_inode and refreshed (tmpfs_sync_vi) by every operation that is handed it. A node
 * lives while it has links or VFS inodes (vrefs); the last of both frees it.
 */
struct tmpfs_node {
    struct list_node hash_link; /* tmpfs_sb.buckets */
    uint64_t ino;
    uint32_t mode, uid, gid, nlink;
    uint64_t size, rdev;
    uint64_t pages; /* data pages held */
    unsigned vrefs; /* VFS inodes attached (read_inode .. destroy_inode) */
    struct vfs_time atime, mtime, ctime, btime;
    union {
        struct {
            struct list_node entries;
            uint64_t next_cookie;
            struct tmpfs_node *parent;
        } dir;
        struct {
            void *root; /* a page (depth 0) or an index page of TMPFS_FANOUT slots */
            unsigned depth;
        } file;
        struct {
            char *target;
        } link;
    };
};

struct tmpfs_sb {
    struct vfs_superblock vfs;
    struct spinlock lock; /* serialises all operations on the nodes and limits */
    struct tmpfs_node *root;
    struct list_node *buckets;
    uint64_t nbuckets, nnodes;
    uint64_t next_ino;
    uint64_t pages_used, max_pages;          /* max 0: unlimited */
    uint64_t max_inodes;                     /* 0: unlimited */
    const struct vfs_inode_ops *special_ops; /* for chr/blk/fifo/sock nodes */
};

struct tmpfs_inode {
    struct vfs_inode vfs;
    struct tmpfs_node *node;
};

static inline struct tmpfs_sb *TMPFS_SB(struct vfs_superblock *sb)
{
    return (struct tmpfs_sb *)sb;
}

static inline struct tmpfs_node *TMPFS_N(struct vfs_inode *i)
{
    return ((struct tmpfs_inode *)i)->node;
}

static inline struct tmpfs_sb *TMPFS_FS(struct vfs_inode *i)
{
    return TMPFS_SB(i->sb);
}

extern const struct vfs_super_ops tmpfs_super_ops;
extern const struct vfs_inode_ops tmpfs_dir_ops, tmpfs_file_ops, tmpfs_symlink_ops,
    tmpfs_special_ops;

/* super.c */
/* A fresh, empty tmpfs superblock with ops as its super operations and special_ops for
 * device/FIFO/socket nodes; the root directory has mode 01777 | S_IFDIR (tmpfs's). */
int tmpfs_new_super(const struct vfs_super_ops *ops, const struct vfs_inode_ops *special_ops,
                    const char *type, uint32_t flags, uint32_t root_mode, struct tmpfs_sb **out);
/* The super_ops, for filesystems built on tmpfs. */
struct vfs_inode *tmpfs_alloc_inode(struct vfs_superblock *sb);
void tmpfs_destroy_inode(struct vfs_inode *inode);
int tmpfs_read_inode(struct vfs_inode *inode);
int tmpfs_statfs(struct vfs_superblock *sb, struct vfs_statfs *st);
void tmpfs_put_super(struct vfs_superblock *sb);
/* Lock held: a new node (nlink 0, times now) registered under a fresh ino; NULL on ENOSPC
 * (inode limit, *err set) or ENOMEM. Not counted as linked until the caller links it. */
struct tmpfs_node *tmpfs_node_new(struct tmpfs_sb *fs, uint32_t mode, const struct vfs_cred *cred,
                                  int *err);
/* Lock held: unregisters and frees a node with all it holds. */
void tmpfs_node_free(struct tmpfs_sb *fs, struct tmpfs_node *n);
/* Lock held: frees n if it has neither links nor VFS inodes. */
void tmpfs_node_release(struct tmpfs_sb *fs, struct tmpfs_node *n);
/* Copies node attributes into its VFS inode. */
void tmpfs_sync_vi(struct vfs_inode *vi);

/* dir.c (lock held) */
struct tmpfs_dirent *tmpfs_dir_find(struct tmpfs_node *dir, const char *name, size_t len);
/* Creates name in dir for a new node of mode (and rdev); links it. */
int tmpfs_dir_make(struct tmpfs_sb *fs, struct tmpfs_node *dir, const char *name, size_t len,
                   uint32_t mode, uint64_t rdev, const struct vfs_cred *cred,
                   struct tmpfs_node **out);
/* Removes the entry for a non-directory or empty directory and drops its link(s). */
int tmpfs_dir_remove(struct tmpfs_sb *fs, struct tmpfs_node *dir, const char *name, size_t len);

/* file.c */
/* Lock held: frees all data pages at or beyond page index first. */
void tmpfs_free_pages_from(struct tmpfs_sb *fs, struct tmpfs_node *n, uint64_t first);
int tmpfs_setattr(struct vfs_inode *inode, const struct vfs_attr *attr);
int tmpfs_getattr(struct vfs_inode *inode, struct vfs_stat *st);

#endif
