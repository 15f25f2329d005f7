/* ext2/3/4 driver internals: on-disk layout (byte offsets, little endian) and shared state. */
#ifndef FS_EXT2_INTERNAL_H
#define FS_EXT2_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <fs/blockdev.h>
#include <fs/bytes.h>
#include <fs/crc32c.h>
#include <fs/ext2.h>
#include <fs/vfs.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/kassert.h>

/* Little-endian field access at a byte offset. */

/* Superblock (at byte 1024, 1024 bytes) */
#define SB_INODES_COUNT      0x00
#define SB_BLOCKS_LO         0x04
#define SB_R_BLOCKS_LO       0x08
#define SB_FREE_BLOCKS_LO    0x0C
#define SB_FREE_INODES       0x10
#define SB_FIRST_DATA_BLOCK  0x14
#define SB_LOG_BLOCK_SIZE    0x18
#define SB_LOG_CLUSTER_SIZE  0x1C
#define SB_BLOCKS_PER_GROUP  0x20
#define SB_INODES_PER_GROUP  0x28
#define SB_MTIME             0x2C
#define SB_WTIME             0x30
#define SB_MNT_COUNT         0x34
#define SB_MAGIC             0x38
#define SB_STATE             0x3A
#define SB_REV_LEVEL         0x4C
#define SB_FIRST_INO         0x54
#define SB_INODE_SIZE        0x58
#define SB_FEATURE_COMPAT    0x5C
#define SB_FEATURE_INCOMPAT  0x60
#define SB_FEATURE_RO_COMPAT 0x64
#define SB_UUID              0x68
#define SB_RESERVED_GDT      0xCE
#define SB_HASH_SEED         0xEC
#define SB_DEF_HASH_VERSION  0xFC
#define SB_DESC_SIZE         0xFE
#define SB_FIRST_META_BG     0x104
#define SB_BLOCKS_HI         0x150
#define SB_R_BLOCKS_HI       0x154
#define SB_FREE_BLOCKS_HI    0x158
#define SB_MIN_EXTRA_ISIZE   0x15C
#define SB_WANT_EXTRA_ISIZE  0x15E
#define SB_FLAGS             0x160
#define SB_CHECKSUM_TYPE     0x175
#define SB_CHECKSUM_SEED     0x270
#define SB_CHECKSUM          0x3FC

#define COMPAT_HAS_JOURNAL   0x4
#define COMPAT_RESIZE_INODE  0x10
#define COMPAT_DIR_INDEX     0x20
#define COMPAT_SPARSE_SUPER2 0x200

#define INCOMPAT_FILETYPE  0x2
#define INCOMPAT_RECOVER   0x4
#define INCOMPAT_META_BG   0x10
#define INCOMPAT_EXTENTS   0x40
#define INCOMPAT_64BIT     0x80
#define INCOMPAT_FLEX_BG   0x200
#define INCOMPAT_CSUM_SEED 0x2000
#define INCOMPAT_LARGEDIR  0x4000
#define INCOMPAT_SUPPORTED                                                                         \
    (INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_FLEX_BG | \
     INCOMPAT_CSUM_SEED | INCOMPAT_LARGEDIR)

#define RO_COMPAT_SPARSE_SUPER  0x1
#define RO_COMPAT_LARGE_FILE    0x2
#define RO_COMPAT_BTREE_DIR     0x4
#define RO_COMPAT_HUGE_FILE     0x8
#define RO_COMPAT_GDT_CSUM      0x10
#define RO_COMPAT_DIR_NLINK     0x20
#define RO_COMPAT_EXTRA_ISIZE   0x40
#define RO_COMPAT_METADATA_CSUM 0x400
#define RO_COMPAT_WRITABLE                                                                         \
    (RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_BTREE_DIR | RO_COMPAT_HUGE_FILE |   \
     RO_COMPAT_GDT_CSUM | RO_COMPAT_DIR_NLINK | RO_COMPAT_EXTRA_ISIZE | RO_COMPAT_METADATA_CSUM)

/* Group descriptor */
#define GD_BLOCK_BITMAP     0x00
#define GD_INODE_BITMAP     0x04
#define GD_INODE_TABLE      0x08
#define GD_FREE_BLOCKS      0x0C
#define GD_FREE_INODES      0x0E
#define GD_USED_DIRS        0x10
#define GD_FLAGS            0x12
#define GD_BBITMAP_CSUM     0x18
#define GD_IBITMAP_CSUM     0x1A
#define GD_ITABLE_UNUSED    0x1C
#define GD_CHECKSUM         0x1E
#define GD_BLOCK_BITMAP_HI  0x20
#define GD_INODE_BITMAP_HI  0x24
#define GD_INODE_TABLE_HI   0x28
#define GD_FREE_BLOCKS_HI   0x2C
#define GD_FREE_INODES_HI   0x2E
#define GD_USED_DIRS_HI     0x30
#define GD_ITABLE_UNUSED_HI 0x32
#define GD_BBITMAP_CSUM_HI  0x38
#define GD_IBITMAP_CSUM_HI  0x3A

#define BG_INODE_UNINIT 0x1
#define BG_BLOCK_UNINIT 0x2
#define BG_INODE_ZEROED 0x4

/* Inode */
#define I_MODE              0x00
#define I_UID               0x02
#define I_SIZE_LO           0x04
#define I_ATIME             0x08
#define I_CTIME             0x0C
#define I_MTIME             0x10
#define I_DTIME             0x14
#define I_GID               0x18
#define I_LINKS             0x1A
#define I_BLOCKS_LO         0x1C
#define I_FLAGS             0x20
#define I_BLOCK             0x28
#define I_GENERATION        0x64
#define I_FILE_ACL_LO       0x68
#define I_SIZE_HIGH         0x6C
#define I_BLOCKS_HI         0x74
#define I_FILE_ACL_HI       0x76
#define I_UID_HI            0x78
#define I_GID_HI            0x7A
#define I_CSUM_LO           0x7C
#define I_EXTRA_ISIZE       0x80
#define I_CSUM_HI           0x82
#define I_CTIME_EXTRA       0x84
#define I_MTIME_EXTRA       0x88
#define I_ATIME_EXTRA       0x8C
#define I_CRTIME            0x90
#define I_CRTIME_EXTRA      0x94
#define GOOD_OLD_INODE_SIZE 128

#define IFL_INDEX       0x1000
#define IFL_HUGE_FILE   0x40000
#define IFL_EXTENTS     0x80000
#define IFL_EA_INODE    0x200000
#define IFL_INLINE_DATA 0x10000000

#define N_DIRECT   12
#define IND_BLOCK  12
#define DIND_BLOCK 13
#define TIND_BLOCK 14

/* Extents */
#define EH_MAGIC_VALUE   0xF30A
#define EH_MAGIC         0
#define EH_ENTRIES       2
#define EH_MAX           4
#define EH_DEPTH         6
#define EXT_ENTRY        12 /* header and entry size */
#define EE_BLOCK         0
#define EE_LEN           4
#define EE_START_HI      6
#define EE_START_LO      8
#define EI_BLOCK         0
#define EI_LEAF_LO       4
#define EI_LEAF_HI       8
#define EXT_INIT_MAX_LEN 32768u

/* Directory entries */
#define DE_INODE     0
#define DE_REC_LEN   4
#define DE_NAME_LEN  6
#define DE_TYPE      7
#define DE_NAME      8
#define DE_TAIL_SIZE 12
#define DE_TAIL_FT   0xDE

#define FT_UNKNOWN 0
#define FT_REG     1
#define FT_DIR     2
#define FT_CHR     3
#define FT_BLK     4
#define FT_FIFO    5
#define FT_SOCK    6
#define FT_LNK     7

#define EXT2_ROOT_INO 2
#define EXT2_LINK_MAX 65000

struct ext2_sb {
    struct vfs_superblock vfs;
    struct blockdev *bdev;
    struct bcache *bc;
    struct spinlock lock; /* serialises every operation on this filesystem */
    uint8_t sb[1024];     /* primary superblock */
    uint8_t *gdt;         /* all group descriptors, desc_size each */
    uint32_t bs, log_bs;
    uint64_t blocks_count, free_blocks;
    uint32_t inodes_count, free_inodes;
    uint32_t first_data_block, bpg, ipg, inode_size, ngroups, desc_size, gdt_blocks;
    uint32_t first_ino, itb_per_group;
    uint32_t compat, incompat, ro_compat;
    uint16_t want_extra_isize;
    bool csum, gdt_csum;
    uint32_t csum_seed;
    bool sb_dirty;
    struct list_node orphans; /* inodes on the on-disk orphan list, head first (orphan.c) */
};

struct ext2_inode {
    struct vfs_inode vfs;
    uint8_t *raw; /* on-disk record, inode_size bytes (authoritative for i_block, flags) */
    uint32_t flags;
    uint32_t csum_seed;
    uint64_t last_pblk;           /* allocation goal hint */
    struct list_node orphan_link; /* on s->orphans while unlinked but in use */
};

static inline struct ext2_sb *EXT2_SB(struct vfs_superblock *sb)
{
    return container_of(sb, struct ext2_sb, vfs);
}
static inline struct ext2_inode *EXT2_I(struct vfs_inode *i)
{
    return container_of(i, struct ext2_inode, vfs);
}
static inline struct ext2_sb *isb(struct ext2_inode *ei)
{
    return EXT2_SB(ei->vfs.sb);
}
static inline uint8_t *gd(struct ext2_sb *s, uint32_t g)
{
    return s->gdt + (size_t)g * s->desc_size;
}
/* A 32/64-bit group descriptor field split into lo and hi parts. */
uint64_t gd_get(struct ext2_sb *s, uint32_t g, size_t lo, size_t hi, unsigned lo_bits);
void gd_set(struct ext2_sb *s, uint32_t g, size_t lo, size_t hi, unsigned lo_bits, uint64_t v);

/* super.c */
int ext2_write_gd(struct ext2_sb *s, uint32_t g);
int ext2_write_super(struct ext2_sb *s);
uint32_t ext2_bitmap_csum(struct ext2_sb *s, const uint8_t *bitmap, uint32_t bytes);
bool ext2_group_has_super(struct ext2_sb *s, uint32_t g);

/* alloc.c */
int ext2_alloc_block(struct ext2_sb *s, uint64_t goal, uint64_t *out);
int ext2_free_blocks(struct ext2_sb *s, uint64_t blk, uint64_t count);
int ext2_alloc_inode_nr(struct ext2_sb *s, uint32_t parent_ino, bool dir, uint32_t *out);
int ext2_free_inode_nr(struct ext2_sb *s, uint32_t ino, bool dir);

/* orphan.c (lock held, except recover) */
/* Puts ei, whose last link just went, at the head of the orphan list; the caller writes
 * ei. Nothing if ei still has links or is listed already. */
void ext2_orphan_add(struct ext2_inode *ei);
/* Takes ei off the orphan list (if on it), rewriting the entry that pointed to it. */
int ext2_orphan_del(struct ext2_inode *ei);
/* At a read-write mount: frees the inodes left on the on-disk orphan list. */
void ext2_orphan_recover(struct ext2_sb *s);

/* inode.c */
extern const struct vfs_inode_ops ext2_file_ops, ext2_dir_ops, ext2_symlink_ops, ext2_special_ops;
int ext2_read_inode(struct vfs_inode *inode);
int ext2_write_inode(struct ext2_inode *ei);
void ext2_evict_inode(struct vfs_inode *inode);
struct vfs_inode *ext2_alloc_vfs_inode(struct vfs_superblock *sb);
void ext2_destroy_inode(struct vfs_inode *inode);
/* Maps lblk; *pblk 0 for holes. alloc: allocate missing blocks (*fresh set if new). */
int ext2_bmap(struct ext2_inode *ei, uint64_t lblk, bool alloc, uint64_t *pblk, bool *fresh);
int ext2_truncate_blocks(struct ext2_inode *ei, uint64_t size);
int64_t ext2_rw(struct ext2_inode *ei, void *buf, size_t len, uint64_t off, bool write);
void ext2_touch(struct ext2_inode *ei, bool m, bool c);
/* Creates a new on-disk inode (not linked anywhere); returns it unreferenced via ino and
 * loads a temporary in-memory copy into *out (caller frees with ext2_destroy_inode). */
int ext2_new_inode(struct ext2_sb *s, struct ext2_inode *dir, uint32_t mode,
                   const struct vfs_cred *cred, struct ext2_inode **out);
void ext2_add_blocks(struct ext2_inode *ei, int64_t nblocks);

/* extent.c */
int ext2_ext_map(struct ext2_inode *ei, uint64_t lblk, bool alloc, uint64_t *pblk, bool *fresh);
int ext2_ext_truncate(struct ext2_inode *ei, uint64_t first_free);
void ext2_ext_init_root(struct ext2_inode *ei);
uint32_t ext2_ext_csum(struct ext2_inode *ei, const uint8_t *blk);

/* blockmap.c */
int ext2_ind_map(struct ext2_inode *ei, uint64_t lblk, bool alloc, uint64_t *pblk, bool *fresh);
int ext2_ind_truncate(struct ext2_inode *ei, uint64_t first_free);

/* dir.c */
int ext2_dir_add(struct ext2_inode *dir, const char *name, size_t len, uint32_t ino, uint32_t mode);
int ext2_dir_init(struct ext2_inode *dir, uint32_t parent_ino);
void ext2_dir_set_tail(struct ext2_inode *dir, uint8_t *blk);

#endif
