/*
 * ext2/ext3/ext4 driver. Mount with vfs_mount(&ext2_fs_type, bdev, flags, ...).
 * Read-write unless the filesystem needs journal recovery or uses features the driver cannot
 * keep consistent (then read-only mounts still work and read-write ones fail with EROFS).
 */
#ifndef FS_EXT2_H
#define FS_EXT2_H
#include <fs/vfs.h>

#define EXT2_SUPER_MAGIC 0xEF53

extern const struct vfs_fs_type ext2_fs_type;

#endif
