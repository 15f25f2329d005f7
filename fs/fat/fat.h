/* FAT driver internals: on-disk layout (byte offsets, little endian) and shared state. */
#ifndef FS_FAT_INTERNAL_H
#define FS_FAT_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <fs/blockdev.h>
#include <fs/bytes.h>
#include <fs/fat.h>
#include <fs/vfs.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <lib/list.h>
#include <lib/spinlock.h>


/* Boot sector / BPB */
#define BS_JMP         0
#define BPB_BYTSPERSEC 11
#define BPB_SECPERCLUS 13
#define BPB_RSVDSECCNT 14
#define BPB_NUMFATS    16
#define BPB_ROOTENTCNT 17
#define BPB_TOTSEC16   19
#define BPB_MEDIA      21
#define BPB_FATSZ16    22
#define BPB_TOTSEC32   32
#define BPB_FATSZ32    36
#define BPB_EXTFLAGS   40
#define BPB_FSVER      42
#define BPB_ROOTCLUS   44
#define BPB_FSINFO     48
#define BS_SIGNATURE   510

/* FSInfo sector */
#define FSI_LEADSIG    0
#define FSI_STRUCSIG   484
#define FSI_FREE_COUNT 488
#define FSI_NXT_FREE   492
#define FSI_TRAILSIG   508
#define FSI_LEADSIG_V  0x41615252u
#define FSI_STRUCSIG_V 0x61417272u
#define FSI_TRAILSIG_V 0xAA550000u
#define FSI_UNKNOWN    0xFFFFFFFFu

/* Directory entry (32 bytes) */
#define DIR_NAME         0
#define DIR_ATTR         11
#define DIR_NTRES        12
#define DIR_CRTTIMETENTH 13
#define DIR_CRTTIME      14
#define DIR_CRTDATE      16
#define DIR_LSTACCDATE   18
#define DIR_FSTCLUSHI    20
#define DIR_WRTTIME      22
#define DIR_WRTDATE      24
#define DIR_FSTCLUSLO    26
#define DIR_FILESIZE     28
#define DIRENT_SIZE      32

/* Long-name entry */
#define LDIR_ORD       0
#define LDIR_NAME1     1
#define LDIR_ATTR      11
#define LDIR_TYPE      12
#define LDIR_CHKSUM    13
#define LDIR_NAME2     14
#define LDIR_FSTCLUSLO 26
#define LDIR_NAME3     28
#define LDIR_LAST      0x40
#define LDIR_CHARS     13
#define LFN_MAX_SLOTS  20

#define ATTR_READ_ONLY 0x01
#define ATTR_HIDDEN    0x02
#define ATTR_SYSTEM    0x04
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_ARCHIVE   0x20
#define ATTR_LONG_NAME 0x0F
#define ATTR_LONG_MASK 0x3F

#define NTRES_LOWER_BASE 0x08
#define NTRES_LOWER_EXT  0x10

#define DIR_FREE        0xE5
#define DIR_END         0x00
#define DIR_KANJI       0x05 /* first byte stands for 0xE5 */
#define DIR_MAX_ENTRIES 65536u

#define FAT_INO_FRESH (1ull << 48) /* inode numbers not derived from a position */
#define INO_HASH      256

struct fat_inode;

/* An inode number handed out for a position whose derived number was taken. */
struct fat_ino_resv {
    uint64_t ino, pos;
    struct list_node link;
};

struct fat_sb {
    struct vfs_superblock vfs;
    struct spinlock lock;
    struct bcache *bc;
    uint32_t cbs;          /* cache block size */
    unsigned fat_bits;     /* 12, 16 or 32 */
    uint32_t bps, spc, cs; /* bytes per sector, sectors and bytes per cluster */
    uint32_t nfats, active_fat;
    bool mirror;
    uint64_t fat_start, fat_size; /* bytes */
    uint64_t root_start;          /* fixed root directory (FAT12/16), bytes */
    uint32_t root_entries;
    uint64_t data_start; /* bytes */
    uint32_t nclusters;  /* valid clusters are 2 .. nclusters + 1 */
    uint32_t root_clus;  /* FAT32 root directory; 0 for a fixed root */
    uint32_t fsinfo_sec; /* 0: none */
    uint32_t free_count, next_free;
    bool fsinfo_dirty;
    struct vfs_time root_time;
    struct list_node by_pos[INO_HASH], by_ino[INO_HASH];
    struct list_node resv;
    uint64_t next_fresh;
};

struct fat_inode {
    struct vfs_inode vfs;
    uint64_t pos;   /* byte offset of the short entry; 0 for the root or an unlinked object */
    uint32_t start; /* first cluster (0: none; for the root: root_clus) */
    uint8_t attr;
    uint32_t hint_l, hint_p; /* last chain position looked up (logical, physical cluster) */
    struct list_node pos_link, ino_link;
};

#define FAT_SB(vsb) container_of(vsb, struct fat_sb, vfs)
#define FAT_I(vi)   container_of(vi, struct fat_inode, vfs)
static inline struct fat_sb *isb(struct fat_inode *fi)
{
    return FAT_SB(fi->vfs.sb);
}

/* super.c */
int fat_io(struct fat_sb *s, uint64_t off, void *buf, size_t len, bool write);
int fat_zero(struct fat_sb *s, uint64_t off, size_t len);
uint64_t fat_ino_for(struct fat_sb *s, uint64_t pos);
void fat_set_pos(struct fat_sb *s, struct fat_inode *fi, uint64_t pos);
void fat_forget_pos(struct fat_sb *s, uint64_t pos);
struct fat_inode *fat_find_dir_by_start(struct fat_sb *s, uint32_t start);

/* table.c */
static inline uint64_t fat_clus_off(struct fat_sb *s, uint32_t c)
{
    return s->data_start + (uint64_t)(c - 2) * s->cs;
}
static inline bool fat_valid_clus(struct fat_sb *s, uint32_t c)
{
    return c >= 2 && c < s->nclusters + 2;
}
uint32_t fat_eoc(struct fat_sb *s);
int fat_get(struct fat_sb *s, uint32_t c, uint32_t *v);
int fat_set(struct fat_sb *s, uint32_t c, uint32_t v);
/* Next cluster after c: 0 at end of chain; -EIO on a corrupt link. */
int fat_next(struct fat_sb *s, uint32_t c, uint32_t *next);
/* Allocates a cluster marked end-of-chain, linked after prev when prev != 0; zeroed if asked. */
int fat_alloc(struct fat_sb *s, uint32_t prev, bool zero, uint32_t *out);
/* Frees the chain starting at c. */
int fat_free_chain(struct fat_sb *s, uint32_t c);
int fat_count_free(struct fat_sb *s);
int fat_chain_len(struct fat_sb *s, uint32_t start, uint32_t *n);

/* inode.c */
extern const struct vfs_inode_ops fat_file_ops, fat_dir_ops;
struct vfs_inode *fat_alloc_inode(struct vfs_superblock *sb);
void fat_destroy_inode(struct vfs_inode *inode);
int fat_read_inode(struct vfs_inode *inode);
void fat_evict_inode(struct vfs_inode *inode);
int fat_write_inode(struct fat_inode *fi);
int fat_setattr(struct vfs_inode *inode, const struct vfs_attr *a);
/* Physical cluster for logical cluster n of fi, allocating (zeroed when zero) if asked. */
int fat_bmap(struct fat_inode *fi, uint32_t n, bool alloc, bool zero, uint32_t *out);
void fat_time_to_dos(const struct vfs_time *t, uint16_t *date, uint16_t *time, uint8_t *tenth);
void fat_time_from_dos(uint16_t date, uint16_t time, uint8_t tenth, struct vfs_time *t);
void fat_dirent_to_inode(struct fat_sb *s, const uint8_t *de, struct fat_inode *fi);

/* dir.c */
int fat_dir_count_subdirs(struct fat_sb *s, uint32_t start, uint32_t *n);

#endif
