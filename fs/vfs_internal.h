/* Dentry-cache helpers shared by vfs.c and namei.c (not for filesystems). */
#ifndef FS_VFS_INTERNAL_H
#define FS_VFS_INTERNAL_H
#include <fs/vfs.h>

struct vfs_dentry *vfs_d_alloc_root(struct vfs_superblock *sb, struct vfs_inode *root);
/* Makes negative dentry d positive, owning the caller's reference to inode. */
void vfs_d_instantiate(struct vfs_dentry *d, struct vfs_inode *inode);
/* Unhashes d: later lookups of its name go to the filesystem. */
void vfs_d_drop(struct vfs_dentry *d);
/* Unhashes d after its name was removed, and frees or unhashes its cached children. */
void vfs_d_delete(struct vfs_dentry *d);
void vfs_d_move(struct vfs_dentry *d, struct vfs_dentry *parent, const char *name, size_t len);
bool vfs_d_is_ancestor(struct vfs_dentry *anc, struct vfs_dentry *d);
void vfs_lock_global(void);
void vfs_unlock_global(void);

#endif
