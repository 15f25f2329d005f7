/* tmpfs: file data (a radix tree of pages), attributes, symlinks and special nodes. */
#include <string.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include "tmpfs.h"

/* Pages covered by a subtree of the given depth (depth 0: one page). */
static uint64_t span(unsigned depth)
{
    return 1ull << (TMPFS_FANOUT_BITS * depth);
}

/* Lock held. The slot holding page pg, or NULL when the path to it does not exist and
 * create is false. With create, grows the tree and allocates index pages (ENOMEM: NULL). */
static void **page_slot(struct tmpfs_node *n, uint64_t pg, bool create)
{
    while (pg >= span(n->file.depth)) {
        if (!create)
            return NULL;
        if (n->file.root) {
            void **idx = fs_zalloc(TMPFS_PAGE_SIZE);
            if (!idx)
                return NULL;
            idx[0] = n->file.root;
            n->file.root = idx;
        }
        n->file.depth++;
    }
    void **slot = &n->file.root;
    for (unsigned d = n->file.depth; d > 0; d--) {
        if (!*slot) {
            if (!create || !(*slot = fs_zalloc(TMPFS_PAGE_SIZE)))
                return NULL;
        }
        slot = &((void **)*slot)[(pg >> (TMPFS_FANOUT_BITS * (d - 1))) & (TMPFS_FANOUT - 1)];
    }
    return slot;
}

static uint8_t *page_get(struct tmpfs_node *n, uint64_t pg)
{
    void **slot = page_slot(n, pg, false);
    return slot ? *slot : NULL;
}

/* Lock held: the first page index in [from, limit) of the subtree slot (depth d, first page
 * base) that holds memory (data true) or none (data false); limit if there is none. Absent
 * subtrees are skipped whole. */
static uint64_t find_page(void *slot, unsigned d, uint64_t base, uint64_t from, uint64_t limit,
                          bool data)
{
    uint64_t end = MIN(base + span(d), limit);
    if (from >= end)
        return limit;
    if (!slot || d == 0) /* absent: all hole; a page: data */
        return (slot != NULL) == data ? MAX(from, base) : limit;
    uint64_t cs = span(d - 1);
    for (uint64_t i = from > base ? (from - base) / cs : 0; i < TMPFS_FANOUT; i++) {
        uint64_t r = find_page(((void **)slot)[i], d - 1, base + i * cs, from, limit, data);
        if (r < limit)
            return r;
    }
    return limit;
}

/* SEEK_DATA/SEEK_HOLE by pages: a page that holds memory is data, an absent one a hole. */
static int64_t t_seek_hole_data(struct vfs_inode *inode, uint64_t off, bool data)
{
    struct tmpfs_sb *fs = TMPFS_FS(inode);
    struct tmpfs_node *n = TMPFS_N(inode);
    spin_lock(&fs->lock);
    uint64_t size = n->size, limit = (size + TMPFS_PAGE_SIZE - 1) / TMPFS_PAGE_SIZE;
    uint64_t from = off / TMPFS_PAGE_SIZE, covered = span(n->file.depth);
    uint64_t pg = find_page(n->file.root, n->file.depth, 0, from, limit, data);
    if (pg == limit && !data && covered < limit) /* pages past the tree are holes */
        pg = MAX(from, covered);
    spin_unlock(&fs->lock);
    uint64_t at = MAX(off, pg * TMPFS_PAGE_SIZE);
    if (at >= size)
        return data ? -ENXIO : (int64_t)size;
    return (int64_t)at;
}

/* Frees the pages [first, end) of the subtree in *slot (depth d, first page base); returns
 * true when nothing is left in it. */
static bool trim(struct tmpfs_sb *fs, struct tmpfs_node *n, void **slot, unsigned d, uint64_t base,
                 uint64_t first, uint64_t end)
{
    if (!*slot)
        return true;
    if (d == 0) {
        if (base < first || base >= end)
            return false;
        fs_free(*slot);
        *slot = NULL;
        n->pages--;
        fs->pages_used--;
        return true;
    }
    void **idx = *slot;
    uint64_t cs = span(d - 1);
    bool empty = true;
    for (uint64_t i = 0; i < TMPFS_FANOUT; i++) {
        uint64_t cb = base + i * cs;
        if (cb + cs <= first || cb >= end)
            empty = empty && !idx[i];
        else if (!trim(fs, n, &idx[i], d - 1, cb, first, end))
            empty = false;
    }
    if (empty) {
        fs_free(idx);
        *slot = NULL;
    }
    return empty;
}

void tmpfs_free_pages_from(struct tmpfs_sb *fs, struct tmpfs_node *n, uint64_t first)
{
    trim(fs, n, &n->file.root, n->file.depth, 0, first, UINT64_MAX);
    if (!n->file.root)
        n->file.depth = 0;
}

/* Lock held: zeroes [from, to) of page pg, if it has one (from < to <= one page on). */
static void zero_in_page(struct tmpfs_node *n, uint64_t pg, size_t from, size_t to)
{
    uint8_t *p = page_get(n, pg);
    if (p && from < to)
        memset(p + from, 0, to - from);
}

/* fallocate's PUNCH_HOLE (len > 0): the pages wholly inside the range are freed, the parts
 * of the pages at its edges zeroed. */
static int t_punch_hole(struct vfs_inode *inode, uint64_t off, uint64_t len)
{
    struct tmpfs_sb *fs = TMPFS_FS(inode);
    struct tmpfs_node *n = TMPFS_N(inode);
    const uint64_t P = TMPFS_PAGE_SIZE;
    uint64_t end = off + len, head = off / P, tail = (end - 1) / P;
    spin_lock(&fs->lock);
    zero_in_page(n, head, off % P, head == tail ? (end - 1) % P + 1 : P);
    if (tail != head)
        zero_in_page(n, tail, 0, (end - 1) % P + 1);
    uint64_t first = (off + P - 1) / P, last = end / P; /* whole pages: [first, last) */
    if (first < last) {
        trim(fs, n, &n->file.root, n->file.depth, 0, first, last);
        if (!n->file.root)
            n->file.depth = 0;
    }
    fs_now(&n->mtime);
    n->ctime = n->mtime;
    tmpfs_sync_vi(inode);
    spin_unlock(&fs->lock);
    return 0;
}

/* Lock held: sets the size, dropping data beyond it (the tail of the last page is zeroed so
 * that growing again reads zeroes). */
static void set_size(struct tmpfs_sb *fs, struct tmpfs_node *n, uint64_t size)
{
    if (size < n->size) {
        uint64_t first = (size + TMPFS_PAGE_SIZE - 1) / TMPFS_PAGE_SIZE;
        tmpfs_free_pages_from(fs, n, first);
        uint8_t *p = size % TMPFS_PAGE_SIZE ? page_get(n, size / TMPFS_PAGE_SIZE) : NULL;
        if (p)
            memset(p + size % TMPFS_PAGE_SIZE, 0, TMPFS_PAGE_SIZE - size % TMPFS_PAGE_SIZE);
    }
    n->size = size;
}

static bool time_before(const struct vfs_time *a, const struct vfs_time *b)
{
    return a->sec < b->sec || (a->sec == b->sec && a->nsec < b->nsec);
}

static int64_t t_read(struct vfs_inode *inode, void *buf, size_t len, uint64_t off)
{
    struct tmpfs_sb *fs = TMPFS_FS(inode);
    struct tmpfs_node *n = TMPFS_N(inode);
    spin_lock(&fs->lock);
    size_t done = 0;
    if (off < n->size) {
        if (len > n->size - off)
            len = (size_t)(n->size - off);
        while (done < len) {
            uint64_t pos = off + done;
            size_t in = (size_t)(pos % TMPFS_PAGE_SIZE), chunk = TMPFS_PAGE_SIZE - in;
            if (chunk > len - done)
                chunk = len - done;
            uint8_t *p = page_get(n, pos / TMPFS_PAGE_SIZE);
            if (p)
                memcpy((uint8_t *)buf + done, p + in, chunk);
            else
                memset((uint8_t *)buf + done, 0, chunk);
            done += chunk;
        }
    }
    /* relatime: atime moves when it is older than the last change */
    if (time_before(&n->atime, &n->mtime) || time_before(&n->atime, &n->ctime)) {
        fs_now(&n->atime);
        inode->atime = n->atime;
    }
    spin_unlock(&fs->lock);
    return (int64_t)done;
}

/* Lock held: the page for pg, allocated (zeroed) if absent; NULL with *err on failure. */
static uint8_t *page_for_write(struct tmpfs_sb *fs, struct tmpfs_node *n, uint64_t pg, int *err)
{
    void **slot = page_slot(n, pg, true);
    if (!slot) {
        *err = -ENOMEM;
        return NULL;
    }
    if (*slot)
        return *slot;
    if (fs->max_pages && fs->pages_used >= fs->max_pages) {
        *err = -ENOSPC;
        return NULL;
    }
    if (!(*slot = fs_zalloc(TMPFS_PAGE_SIZE))) {
        *err = -ENOMEM;
        return NULL;
    }
    n->pages++;
    fs->pages_used++;
    return *slot;
}

static int64_t t_write(struct vfs_inode *inode, const void *buf, size_t len, uint64_t off)
{
    struct tmpfs_sb *fs = TMPFS_FS(inode);
    struct tmpfs_node *n = TMPFS_N(inode);
    if (off >= TMPFS_MAX_FILE_SIZE)
        return len ? -EFBIG : 0;
    if (len > TMPFS_MAX_FILE_SIZE - off)
        len = (size_t)(TMPFS_MAX_FILE_SIZE - off);
    if (len == 0)
        return 0;
    spin_lock(&fs->lock);
    size_t done = 0;
    int err = 0;
    while (done < len) {
        uint64_t pos = off + done;
        size_t in = (size_t)(pos % TMPFS_PAGE_SIZE), chunk = TMPFS_PAGE_SIZE - in;
        if (chunk > len - done)
            chunk = len - done;
        uint8_t *p = page_for_write(fs, n, pos / TMPFS_PAGE_SIZE, &err);
        if (!p)
            break;
        memcpy(p + in, (const uint8_t *)buf + done, chunk);
        done += chunk;
    }
    if (done) {
        if (off + done > n->size)
            n->size = off + done;
        fs_now(&n->mtime);
        n->ctime = n->mtime;
    }
    tmpfs_sync_vi(inode);
    spin_unlock(&fs->lock);
    return done ? (int64_t)done : err;
}

int tmpfs_setattr(struct vfs_inode *inode, const struct vfs_attr *a)
{
    struct tmpfs_sb *fs = TMPFS_FS(inode);
    struct tmpfs_node *n = TMPFS_N(inode);
    if ((a->valid & VFS_ATTR_SIZE) && !VFS_S_ISREG(n->mode))
        return VFS_S_ISDIR(n->mode) ? -EISDIR : -EINVAL;
    if ((a->valid & VFS_ATTR_SIZE) && a->size > TMPFS_MAX_FILE_SIZE)
        return -EFBIG;
    struct vfs_time now;
    fs_now(&now);
    spin_lock(&fs->lock);
    if (a->valid & VFS_ATTR_MODE)
        n->mode = (n->mode & VFS_S_IFMT) | (a->mode & 07777);
    if (a->valid & VFS_ATTR_UID)
        n->uid = a->uid;
    if (a->valid & VFS_ATTR_GID)
        n->gid = a->gid;
    if ((a->valid & VFS_ATTR_SIZE) && a->size != n->size) {
        set_size(fs, n, a->size);
        if (!(a->valid & VFS_ATTR_MTIME))
            n->mtime = now;
    }
    if (a->valid & VFS_ATTR_ATIME)
        n->atime = a->atime;
    if (a->valid & VFS_ATTR_MTIME)
        n->mtime = a->mtime;
    n->ctime = (a->valid & VFS_ATTR_CTIME) ? a->ctime : now;
    tmpfs_sync_vi(inode);
    spin_unlock(&fs->lock);
    return 0;
}

int tmpfs_getattr(struct vfs_inode *inode, struct vfs_stat *st)
{
    struct tmpfs_sb *fs = TMPFS_FS(inode);
    spin_lock(&fs->lock);
    tmpfs_sync_vi(inode);
    vfs_fill_stat(inode, st);
    spin_unlock(&fs->lock);
    return 0;
}

static int t_readlink(struct vfs_inode *inode, char *buf, size_t size)
{
    struct tmpfs_sb *fs = TMPFS_FS(inode);
    struct tmpfs_node *n = TMPFS_N(inode);
    spin_lock(&fs->lock);
    size_t len = n->size < size ? (size_t)n->size : size;
    memcpy(buf, n->link.target, len);
    spin_unlock(&fs->lock);
    return (int)len;
}

const struct vfs_inode_ops tmpfs_file_ops = {
    .read = t_read,
    .write = t_write,
    .setattr = tmpfs_setattr,
    .getattr = tmpfs_getattr,
    .punch_hole = t_punch_hole,
    .seek_hole_data = t_seek_hole_data,
};

const struct vfs_inode_ops tmpfs_symlink_ops = {
    .readlink = t_readlink,
    .setattr = tmpfs_setattr,
    .getattr = tmpfs_getattr,
};

/* Devices, FIFOs, sockets: attributes only; the library OS gives them behaviour. */
const struct vfs_inode_ops tmpfs_special_ops = {
    .setattr = tmpfs_setattr,
    .getattr = tmpfs_getattr,
};
