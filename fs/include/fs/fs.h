/* fs/: the VFS (fs/vfs.h), block devices and cache (fs/blockdev.h), filesystems (fs/ext2.h). */
#ifndef FS_FS_H
#define FS_FS_H
#include <fs/blockdev.h>
#include <fs/ext2.h>
#include <fs/vfs.h>
#endif
