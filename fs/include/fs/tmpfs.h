/*
 * tmpfs: a filesystem in memory. Mount with vfs_mount(&tmpfs_fs_type, NULL, flags, at, &mnt).
 *
 * File data lives in page-sized chunks (TMPFS_PAGE_SIZE) from the fs_env allocator, indexed
 * by a radix tree; holes read as zeroes and cost nothing. Directory positions (readdir
 * cookies) are stable: an entry keeps its position until it is removed or renamed, and a
 * position stays valid when the entry at it goes. Unlinked files live on while referenced.
 * Device nodes, FIFOs and sockets are plain nodes (the library OS gives them meaning).
 *
 * Limits: none by default (statfs then reports TMPFS_UNLIMITED_PAGES free pages);
 * tmpfs_set_limits caps the data pages (ENOSPC when full; index pages are not counted) and
 * the number of inodes.
 */
#ifndef FS_TMPFS_H
#define FS_TMPFS_H
#include <fs/vfs.h>

#define TMPFS_MAGIC           0x01021994u
#define TMPFS_PAGE_SIZE       4096u
#define TMPFS_UNLIMITED_PAGES (1ull << 28)
/* Largest file: four radix levels of 512 pointers over 4 KiB pages. */
#define TMPFS_MAX_FILE_SIZE (1ull << 48)

extern const struct vfs_fs_type tmpfs_fs_type;

/*
 * Caps sb (a tmpfs or devfs superblock) at max_bytes of file data (rounded up to pages)
 * and max_inodes inodes; 0 means unlimited. EINVAL when sb is not a tmpfs or already
 * uses more than the new limit.
 */
int tmpfs_set_limits(struct vfs_superblock *sb, uint64_t max_bytes, uint64_t max_inodes);

#endif
