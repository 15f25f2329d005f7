/*
 * FAT12/16/32 driver with VFAT long names. Mount with vfs_mount(&fat_fs_type, bdev, flags, ...).
 *
 * Inode numbers are derived from the on-disk position of an object's short directory entry
 * (the root directory is FAT_ROOT_INO); an object renamed while in memory keeps its number.
 * Files are 0644 (0444 when read-only), directories 0755, owner 0:0. Names are matched
 * case-insensitively (ASCII) against long and short names. No symlinks, hard links or device
 * nodes (EPERM, as Linux vfat); no RENAME_EXCHANGE (EINVAL). Names ending in '.' or ' ', or
 * holding characters FAT cannot store, are EINVAL. Times are stored as UTC.
 *
 * Caveat: the VFS dentry cache compares names exactly, so a name reached in another case is a
 * separate (aliased) dentry, and a rename that only changes case is a no-op.
 */
#ifndef FS_FAT_H
#define FS_FAT_H
#include <fs/vfs.h>

#define MSDOS_SUPER_MAGIC 0x4d44
#define FAT_ROOT_INO      1

extern const struct vfs_fs_type fat_fs_type;

#endif
