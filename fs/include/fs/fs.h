/* fs/: the VFS and filesystems. */
#ifndef FS_FS_H
#define FS_FS_H
#endif
