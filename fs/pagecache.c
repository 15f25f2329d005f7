/*
 * The page cache (see fs/pagecache.h): per-inode red-black trees of pages keyed by page
 * index, found through a registry hashed by inode pointer.
 *
 * Locks: the registry lock protects the hash, the list of all caches, and each cache's
 * pins/dying/sync_gen; a cache's own lock protects its tree, page flags, seq, maprefs and
 * pin paths. Order: registry, then cache. Neither is held across filesystem operations,
 * frame allocation or VFS reference counting.
 */
#include <string.h>
#include <fs/pagecache.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <mm/rbtree.h>

#define REG_BUCKETS 256

struct pc_page {
    struct rb_node rb;
    uint64_t index;
    struct page *pg;
    bool dirty;           /* may differ from the file (see stays_dirty) */
    struct pc_page *next; /* on a local list of pages being dropped */
};

struct pagecache {
    struct mm_file mf_rw; /* MAP_SHARED of a file open for writing */
    struct mm_file mf_ro; /* every other mapping */
    struct vfs_inode *inode;
    struct spinlock lock;
    struct rb_root pages;
    size_t nr;
    uint64_t seq;             /* bumped by writes and size changes (fills racing them retry) */
    unsigned maprefs;         /* VMAs referring to mf_rw or mf_ro */
    unsigned wmaprefs;        /* VMAs referring to mf_rw */
    struct vfs_path pin;      /* held while maprefs > 0 */
    struct vfs_path pin_next; /* what the next first mapping pins (unreferenced) */
    unsigned pins;            /* registry lock: sync_all working on it */
    bool dying;               /* registry lock: evict is waiting for pins to go */
    uint64_t sync_gen;        /* registry lock: last sync_all pass that did it */
    struct list_node hash_link, all_link;
};

static const struct mm_as_ops *frames;
static pagecache_unmap_fn unmap_hook;
static struct spinlock reg_lock = SPINLOCK_INIT("pagecache");
static struct list_node buckets[REG_BUCKETS];
static struct list_node all_caches;
static size_t ncaches, total_pages;
static uint64_t sync_gen;

static const struct mm_pagecache_ops pc_ops;

void pagecache_init(const struct mm_as_ops *f, pagecache_unmap_fn unmap)
{
    frames = f;
    unmap_hook = unmap;
    if (!all_caches.next) {
        for (unsigned i = 0; i < REG_BUCKETS; i++)
            list_init(&buckets[i]);
        list_init(&all_caches);
    }
}

/* ---- Frames ---- */

static void *page_virt(struct page *pg)
{
    return frames->page_to_virt(frames->ctx, pg);
}

static void page_put(struct page *pg)
{
    if (page_ref_dec_and_test(pg))
        frames->frame_free(frames->ctx, pg);
}

/* ---- Trees ---- */

#define to_pcp(n) ((n) ? rb_entry(n, struct pc_page, rb) : NULL)

static struct pc_page *tree_find(struct pagecache *pc, uint64_t index)
{
    struct rb_node *n = pc->pages.node;
    while (n) {
        struct pc_page *p = to_pcp(n);
        if (index == p->index)
            return p;
        n = index < p->index ? n->left : n->right;
    }
    return NULL;
}

/* The first page with an index >= index, or NULL. */
static struct pc_page *tree_ceil(struct pagecache *pc, uint64_t index)
{
    struct rb_node *n = pc->pages.node;
    struct pc_page *best = NULL;
    while (n) {
        struct pc_page *p = to_pcp(n);
        if (p->index >= index) {
            best = p;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

static struct pc_page *tree_next(struct pc_page *p)
{
    return to_pcp(rb_next(&p->rb));
}

static void tree_insert(struct pagecache *pc, struct pc_page *p)
{
    struct rb_node **link = &pc->pages.node, *parent = NULL;
    while (*link) {
        parent = *link;
        link = p->index < to_pcp(parent)->index ? &parent->left : &parent->right;
    }
    rb_link(&p->rb, parent, link);
    rb_insert_fixup(&pc->pages, &p->rb);
    pc->nr++;
    __atomic_add_fetch(&total_pages, 1, __ATOMIC_RELAXED);
}

static void tree_remove(struct pagecache *pc, struct pc_page *p)
{
    rb_erase(&pc->pages, &p->rb);
    pc->nr--;
    __atomic_sub_fetch(&total_pages, 1, __ATOMIC_RELAXED);
}

/* Gives back the cache's reference of each page on the list, and the nodes. */
static size_t free_list(struct pc_page *p)
{
    size_t n = 0;
    while (p) {
        struct pc_page *next = p->next;
        page_put(p->pg);
        fs_free(p);
        p = next;
        n++;
    }
    return n;
}

/* Zeroes the cached bytes of the page holding offset size from size to the page's end
 * (cache lock held). */
static void zero_tail_locked(struct pagecache *pc, uint64_t size)
{
    uint64_t in = size & (PAGE_SIZE - 1);
    struct pc_page *p = in ? tree_find(pc, size >> PAGE_SHIFT) : NULL;
    if (p)
        memset((char *)page_virt(p->pg) + in, 0, PAGE_SIZE - in);
}

/* ---- Registry ---- */

static struct list_node *bucket(const struct vfs_inode *inode)
{
    uint64_t h = (uint64_t)(uintptr_t)inode * 0x9E3779B97F4A7C15ull;
    return &buckets[(h >> 32) % REG_BUCKETS];
}

/* The cache of inode (registry lock held), or NULL. */
static struct pagecache *reg_find(const struct vfs_inode *inode)
{
    struct list_node *n;
    list_for_each(n, bucket(inode))
    {
        struct pagecache *pc = list_entry(n, struct pagecache, hash_link);
        if (pc->inode == inode)
            return pc;
    }
    return NULL;
}

/* The cache of an inode the caller holds a reference to (so it cannot be evicted). */
static struct pagecache *lookup(const struct vfs_inode *inode)
{
    if (!__atomic_load_n(&ncaches, __ATOMIC_RELAXED))
        return NULL;
    spin_lock(&reg_lock);
    struct pagecache *pc = reg_find(inode);
    spin_unlock(&reg_lock);
    return pc;
}

static struct pagecache *pc_of(struct mm_file *mf)
{
    return mf->priv;
}

static bool writable_mf(struct pagecache *pc, struct mm_file *mf)
{
    return mf == &pc->mf_rw;
}

/* ---- Write-back ---- */

/* Pages are marked dirty when handed to a shared writable mapping (mm/ maps them writable
 * even on a read fault, without reporting later stores) or through set_dirty. Write-back
 * cleans a page only if no such mapping may still hold it: while a shared writable mapping
 * of the file exists, a page someone else references stays dirty. */
static bool stays_dirty(const struct pagecache *pc, const struct pc_page *p)
{
    return pc->wmaprefs > 0 && page_refcount(p->pg) > 1;
}

static bool can_write_back(const struct vfs_inode *inode)
{
    return inode->ops->write && !(inode->sb->flags & VFS_SB_RDONLY);
}

/* Writes back the pages of pc with index in [lo, hi) that need it, never past i_size. */
static int sync_pages(struct pagecache *pc, uint64_t lo, uint64_t hi)
{
    struct vfs_inode *inode = pc->inode;
    if (!can_write_back(inode))
        return 0;
    int err = 0;
    while (lo < hi) {
        spin_lock(&pc->lock);
        struct pc_page *p = tree_ceil(pc, lo);
        while (p && p->index < hi && !p->dirty)
            p = tree_next(p);
        if (!p || p->index >= hi) {
            spin_unlock(&pc->lock);
            break;
        }
        uint64_t index = p->index;
        struct page *pg = p->pg;
        p->dirty = stays_dirty(pc, p);
        page_ref_inc(pg);
        spin_unlock(&pc->lock);
        uint64_t off = index << PAGE_SHIFT, size = inode->size;
        if (off < size) {
            uint64_t n = MIN((uint64_t)PAGE_SIZE, size - off);
            int64_t r = inode->ops->write(inode, page_virt(pg), n, off);
            if (r != (int64_t)n) {
                spin_lock(&pc->lock);
                struct pc_page *q = tree_find(pc, index);
                if (q && q->pg == pg)
                    q->dirty = true;
                spin_unlock(&pc->lock);
                if (!err)
                    err = r < 0 ? (int)r : -EIO;
            }
        }
        page_put(pg);
        lo = index + 1;
        if (!lo)
            break;
    }
    return err;
}

static int sync_range(struct pagecache *pc, uint64_t off, uint64_t len)
{
    uint64_t lo = off >> PAGE_SHIFT, hi = UINT64_MAX;
    if (len && off + len > off)
        hi = (off + len + PAGE_SIZE - 1) >> PAGE_SHIFT;
    return sync_pages(pc, lo, hi);
}

/* ---- struct mm_pagecache_ops ---- */

/* Reads the file's bytes of page off into pg, zeroing what lies past EOF. */
static int fill_page(struct vfs_inode *inode, struct page *pg, uint64_t off)
{
    char *v = page_virt(pg);
    uint64_t size = inode->size, got = 0;
    if (off < size) {
        if (!inode->ops->read)
            return -EIO;
        uint64_t n = MIN((uint64_t)PAGE_SIZE, size - off);
        int64_t r = inode->ops->read(inode, v, n, off);
        if (r < 0)
            return (int)r;
        got = (uint64_t)r;
    }
    memset(v + got, 0, PAGE_SIZE - got);
    return 0;
}

static int pc_get_page(struct mm_file *mf, uint64_t off, struct page **out)
{
    struct pagecache *pc = pc_of(mf);
    uint64_t index = off >> PAGE_SHIFT;
    for (;;) {
        if (off >= pc->inode->size)
            return -ENXIO;
        spin_lock(&pc->lock);
        struct pc_page *p = tree_find(pc, index);
        if (p) {
            page_ref_inc(p->pg);
            p->dirty |= writable_mf(pc, mf);
            *out = p->pg;
            spin_unlock(&pc->lock);
            return 0;
        }
        uint64_t seq = pc->seq;
        spin_unlock(&pc->lock);

        struct pc_page *np = fs_zalloc(sizeof(*np));
        struct page *pg = np ? frames->frame_alloc(frames->ctx) : NULL;
        if (!pg) {
            fs_free(np);
            return -ENOMEM;
        }
        int err = fill_page(pc->inode, pg, off);
        if (err) {
            page_put(pg);
            fs_free(np);
            return err;
        }
        np->index = index;
        np->pg = pg;
        np->dirty = writable_mf(pc, mf);
        spin_lock(&pc->lock);
        if (pc->seq == seq && !tree_find(pc, index)) {
            tree_insert(pc, np);
            page_ref_inc(pg); /* the caller's; frame_alloc's is the cache's */
            *out = pg;
            spin_unlock(&pc->lock);
            return 0;
        }
        spin_unlock(&pc->lock); /* a write, resize or another fill got there first */
        page_put(pg);
        fs_free(np);
    }
}

static uint64_t pc_size(struct mm_file *mf)
{
    return pc_of(mf)->inode->size;
}

static int pc_sync(struct mm_file *mf, uint64_t off, uint64_t len)
{
    return sync_range(pc_of(mf), off, len);
}

static void pc_set_dirty(struct mm_file *mf, uint64_t off)
{
    struct pagecache *pc = pc_of(mf);
    spin_lock(&pc->lock);
    struct pc_page *p = tree_find(pc, off >> PAGE_SHIFT);
    if (p)
        p->dirty = true;
    spin_unlock(&pc->lock);
}

/* The first VMA pins the path recorded by pagecache_mmap_file; the last unpins it. */
static void pc_get(struct mm_file *mf)
{
    struct pagecache *pc = pc_of(mf);
    spin_lock(&pc->lock);
    bool first = pc->maprefs++ == 0;
    if (writable_mf(pc, mf))
        pc->wmaprefs++;
    if (first)
        pc->pin = pc->pin_next;
    struct vfs_path p = pc->pin;
    spin_unlock(&pc->lock);
    if (first) {
        KASSERT(p.dentry != NULL);
        vfs_path_get(&p);
    }
}

static void pc_put(struct mm_file *mf)
{
    struct pagecache *pc = pc_of(mf);
    spin_lock(&pc->lock);
    KASSERT(pc->maprefs > 0);
    if (writable_mf(pc, mf)) {
        KASSERT(pc->wmaprefs > 0);
        pc->wmaprefs--; /* its pages are dirty already (and stay so while it maps them) */
    }
    bool last = --pc->maprefs == 0;
    struct vfs_path p = pc->pin;
    if (last)
        pc->pin = (struct vfs_path){NULL, NULL};
    spin_unlock(&pc->lock);
    if (last)
        vfs_path_put(&p); /* may release the inode, hence pc: not touched after this */
}

static const struct mm_pagecache_ops pc_ops = {
    .get_page = pc_get_page,
    .size = pc_size,
    .sync = pc_sync,
    .set_dirty = pc_set_dirty,
    .get = pc_get,
    .put = pc_put,
};

static void init_mf(struct mm_file *mf, struct pagecache *pc)
{
    struct vfs_inode *inode = pc->inode;
    mf->ops = &pc_ops;
    mf->priv = pc;
    mf->dev_major = VFS_MAJOR(inode->sb->dev);
    mf->dev_minor = VFS_MINOR(inode->sb->dev);
    mf->ino = inode->ino;
}

int pagecache_mmap_file(struct vfs_file *f, bool shared_write, struct mm_file **out)
{
    struct vfs_inode *inode = f->inode;
    if (!frames || !VFS_S_ISREG(inode->mode))
        return -ENODEV;
    spin_lock(&reg_lock);
    struct pagecache *pc = reg_find(inode);
    spin_unlock(&reg_lock);
    if (!pc) {
        struct pagecache *n = fs_zalloc(sizeof(*n));
        if (!n)
            return -ENOMEM;
        n->inode = inode;
        spin_init(&n->lock, "pagecache_inode");
        init_mf(&n->mf_rw, n);
        init_mf(&n->mf_ro, n);
        n->mf_ro.no_shared_write = true;
        spin_lock(&reg_lock);
        pc = reg_find(inode);
        if (!pc) {
            list_push_back(bucket(inode), &n->hash_link);
            list_push_back(&all_caches, &n->all_link);
            __atomic_add_fetch(&ncaches, 1, __ATOMIC_RELAXED);
            pc = n;
            n = NULL;
        }
        spin_unlock(&reg_lock);
        fs_free(n);
    }
    spin_lock(&pc->lock);
    pc->pin_next = f->path;
    spin_unlock(&pc->lock);
    *out = shared_write ? &pc->mf_rw : &pc->mf_ro;
    return 0;
}

bool pagecache_mm_file_writable(const struct mm_file *mf)
{
    return mf->ops == &pc_ops && mf == &((const struct pagecache *)mf->priv)->mf_rw;
}

/* ---- read/write/resize ---- */

int64_t pagecache_read(struct vfs_inode *inode, void *buf, size_t len, uint64_t off)
{
    if (!inode->ops->read)
        return -EINVAL;
    struct pagecache *pc = lookup(inode);
    if (!pc || !__atomic_load_n(&pc->nr, __ATOMIC_RELAXED))
        return inode->ops->read(inode, buf, len, off);
    uint64_t size = inode->size;
    if (off >= size)
        return 0;
    len = (size_t)MIN((uint64_t)len, size - off);
    char *out = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t pos = off + done, index = pos >> PAGE_SHIFT;
        spin_lock(&pc->lock);
        struct pc_page *p = tree_ceil(pc, index);
        if (p && p->index == index) {
            struct page *pg = p->pg;
            page_ref_inc(pg);
            spin_unlock(&pc->lock);
            size_t in = pos & (PAGE_SIZE - 1), n = MIN(PAGE_SIZE - in, len - done);
            memcpy(out + done, (char *)page_virt(pg) + in, n);
            page_put(pg);
            done += n;
            continue;
        }
        /* Not cached: read up to the next cached page straight from the filesystem. */
        uint64_t end = off + len;
        if (p && (p->index << PAGE_SHIFT) < end)
            end = p->index << PAGE_SHIFT;
        spin_unlock(&pc->lock);
        int64_t r = inode->ops->read(inode, out + done, end - pos, pos);
        if (r < 0)
            return done ? (int64_t)done : r;
        done += (size_t)r;
        if ((uint64_t)r < end - pos)
            break;
    }
    return (int64_t)done;
}

int64_t pagecache_write(struct vfs_inode *inode, const void *buf, size_t len, uint64_t off)
{
    if (!inode->ops->write)
        return -EINVAL;
    uint64_t old_size = inode->size;
    int64_t r = inode->ops->write(inode, buf, len, off);
    struct pagecache *pc = r > 0 ? lookup(inode) : NULL;
    if (!pc)
        return r;
    uint64_t end = off + (uint64_t)r;
    const char *in = buf;
    spin_lock(&pc->lock);
    pc->seq++;
    if (end > old_size)
        zero_tail_locked(pc, old_size);
    for (struct pc_page *p = tree_ceil(pc, off >> PAGE_SHIFT); p && (p->index << PAGE_SHIFT) < end;
         p = tree_next(p)) {
        uint64_t start = p->index << PAGE_SHIFT;
        uint64_t from = MAX(start, off), to = MIN(start + PAGE_SIZE, end);
        memcpy((char *)page_virt(p->pg) + (from - start), in + (from - off), to - from);
    }
    spin_unlock(&pc->lock);
    return r;
}

void pagecache_resize(struct vfs_inode *inode, uint64_t old_size, uint64_t new_size)
{
    struct pagecache *pc = lookup(inode);
    if (!pc || old_size == new_size)
        return;
    if (new_size > old_size) {
        spin_lock(&pc->lock);
        pc->seq++;
        zero_tail_locked(pc, old_size);
        spin_unlock(&pc->lock);
        return;
    }
    uint64_t first = (new_size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    spin_lock(&pc->lock);
    bool rw = pc->wmaprefs > 0, ro = pc->maprefs > pc->wmaprefs;
    spin_unlock(&pc->lock);
    if (rw && unmap_hook)
        unmap_hook(&pc->mf_rw, first << PAGE_SHIFT);
    if (ro && unmap_hook)
        unmap_hook(&pc->mf_ro, first << PAGE_SHIFT);
    struct pc_page *dropped = NULL;
    spin_lock(&pc->lock);
    pc->seq++;
    struct pc_page *p = tree_ceil(pc, first);
    while (p) {
        struct pc_page *next = tree_next(p);
        tree_remove(pc, p);
        p->next = dropped;
        dropped = p;
        p = next;
    }
    zero_tail_locked(pc, new_size);
    spin_unlock(&pc->lock);
    free_list(dropped);
}

void pagecache_zero_range(struct vfs_inode *inode, uint64_t off, uint64_t len)
{
    struct pagecache *pc = lookup(inode);
    if (!pc || !len)
        return;
    uint64_t end = off + len;
    spin_lock(&pc->lock);
    pc->seq++;
    for (struct pc_page *p = tree_ceil(pc, off >> PAGE_SHIFT); p && (p->index << PAGE_SHIFT) < end;
         p = tree_next(p)) {
        uint64_t start = p->index << PAGE_SHIFT;
        uint64_t from = MAX(start, off), to = MIN(start + PAGE_SIZE, end);
        memset((char *)page_virt(p->pg) + (from - start), 0, to - from);
    }
    spin_unlock(&pc->lock);
}

/* ---- sync, eviction, shrinking ---- */

int pagecache_sync_inode(struct vfs_inode *inode, uint64_t off, uint64_t len)
{
    struct pagecache *pc = lookup(inode);
    return pc ? sync_range(pc, off, len) : 0;
}

int pagecache_sync_all(void)
{
    if (!__atomic_load_n(&ncaches, __ATOMIC_RELAXED))
        return 0;
    int err = 0;
    spin_lock(&reg_lock);
    uint64_t gen = ++sync_gen;
    for (;;) {
        struct pagecache *pc = NULL;
        struct list_node *n;
        list_for_each(n, &all_caches)
        {
            struct pagecache *c = list_entry(n, struct pagecache, all_link);
            if (c->sync_gen != gen) {
                pc = c;
                break;
            }
        }
        if (!pc)
            break;
        pc->sync_gen = gen;
        pc->pins++; /* keeps pagecache_evict (hence the inode) waiting */
        spin_unlock(&reg_lock);
        int e = sync_range(pc, 0, 0);
        if (e && !err)
            err = e;
        spin_lock(&reg_lock);
        pc->pins--;
    }
    spin_unlock(&reg_lock);
    return err;
}

void pagecache_evict(struct vfs_inode *inode)
{
    if (!__atomic_load_n(&ncaches, __ATOMIC_RELAXED))
        return;
    spin_lock(&reg_lock);
    struct pagecache *pc = reg_find(inode);
    if (!pc) {
        spin_unlock(&reg_lock);
        return;
    }
    pc->dying = true;
    list_remove(&pc->hash_link);
    list_remove(&pc->all_link);
    __atomic_sub_fetch(&ncaches, 1, __ATOMIC_RELAXED);
    while (pc->pins) { /* a sync_all pass is writing it back */
        spin_unlock(&reg_lock);
        spin_lock(&reg_lock);
    }
    spin_unlock(&reg_lock);
    KASSERT(pc->maprefs == 0); /* mappings pin a dentry, hence the inode */
    if (inode->nlink > 0)
        sync_range(pc, 0, 0); /* errors have nobody to go to (as with Linux's eviction) */
    struct pc_page *list = NULL;
    spin_lock(&pc->lock);
    struct pc_page *p;
    while ((p = to_pcp(rb_first(&pc->pages))) != NULL) {
        tree_remove(pc, p);
        p->next = list;
        list = p;
    }
    spin_unlock(&pc->lock);
    free_list(list);
    fs_free(pc);
}

size_t pagecache_shrink(size_t max)
{
    struct pc_page *list = NULL;
    size_t taken = 0;
    spin_lock(&reg_lock);
    struct list_node *n;
    list_for_each(n, &all_caches)
    {
        struct pagecache *pc = list_entry(n, struct pagecache, all_link);
        spin_lock(&pc->lock);
        struct pc_page *p = to_pcp(rb_first(&pc->pages));
        while (p && taken < max) {
            struct pc_page *next = tree_next(p);
            if (!p->dirty && page_refcount(p->pg) == 1) {
                tree_remove(pc, p);
                p->next = list;
                list = p;
                taken++;
            }
            p = next;
        }
        spin_unlock(&pc->lock);
        if (taken >= max)
            break;
    }
    spin_unlock(&reg_lock);
    return free_list(list);
}

size_t pagecache_inode_pages(struct vfs_inode *inode)
{
    struct pagecache *pc = lookup(inode);
    return pc ? __atomic_load_n(&pc->nr, __ATOMIC_RELAXED) : 0;
}

size_t pagecache_total_pages(void)
{
    return __atomic_load_n(&total_pages, __ATOMIC_RELAXED);
}
