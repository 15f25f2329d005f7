/*
 * ext2/3/4 orphan list: inodes whose last link went while they were still in use (open,
 * a working directory, mapped). As on Linux, they are chained from the superblock's
 * s_last_orphan through their i_dtime field, so an image taken before their last reference
 * goes (a crash, a dump of the guest's memory) says which inodes to free: e2fsck -p and
 * -y free them without reporting an error, and the next read-write mount frees them.
 * In memory the chain is s->orphans, head first, in the same order as on disk.
 */
#include "ext2.h"

#define SB_LAST_ORPHAN 0xE8

static struct ext2_inode *orphan_of(struct list_node *n)
{
    return container_of(n, struct ext2_inode, orphan_link);
}

void ext2_orphan_add(struct ext2_inode *ei)
{
    struct ext2_sb *s = isb(ei);
    if (ei->vfs.nlink || !list_empty(&ei->orphan_link))
        return;
    wr32(ei->raw, I_DTIME, rd32(s->sb, SB_LAST_ORPHAN));
    wr32(s->sb, SB_LAST_ORPHAN, (uint32_t)ei->vfs.ino);
    s->sb_dirty = true;
    list_push_front(&s->orphans, &ei->orphan_link);
}

int ext2_orphan_del(struct ext2_inode *ei)
{
    struct ext2_sb *s = isb(ei);
    if (list_empty(&ei->orphan_link))
        return 0;
    uint32_t next = rd32(ei->raw, I_DTIME);
    int err = 0;
    if (s->orphans.next == &ei->orphan_link) {
        wr32(s->sb, SB_LAST_ORPHAN, next);
        s->sb_dirty = true;
    } else {
        struct ext2_inode *prev = orphan_of(ei->orphan_link.prev);
        wr32(prev->raw, I_DTIME, next);
        err = ext2_write_inode(prev);
    }
    list_remove(&ei->orphan_link);
    wr32(ei->raw, I_DTIME, 0);
    return err;
}

/* Frees the inodes a previous mount left on the on-disk orphan list (it ended before their
 * last reference went): each is evicted by its vfs_iput, since it has no link. Inodes with
 * links (Linux also lists files being truncated) only get their i_dtime cleared. */
void ext2_orphan_recover(struct ext2_sb *s)
{
    uint32_t ino = rd32(s->sb, SB_LAST_ORPHAN);
    if (!ino)
        return;
    wr32(s->sb, SB_LAST_ORPHAN, 0);
    s->sb_dirty = true;
    for (uint32_t n = 0; ino && n < s->inodes_count; n++) {
        struct vfs_inode *vi;
        if (ino < s->first_ino || ino > s->inodes_count || vfs_iget(&s->vfs, ino, &vi))
            return; /* a broken chain: leave the rest to e2fsck */
        struct ext2_inode *ei = EXT2_I(vi);
        ino = rd32(ei->raw, I_DTIME);
        if (vi->nlink) {
            spin_lock(&s->lock);
            wr32(ei->raw, I_DTIME, 0);
            ext2_write_inode(ei);
            spin_unlock(&s->lock);
        }
        vfs_iput(vi);
    }
}
