/* Block devices and the write-back block cache (see fs/blockdev.h). */
#include <string.h>
#include <fs/blockdev.h>
#include <fs/vfs.h>
#include <lib/errno.h>
#include <lib/kassert.h>

/* Applies a byte range transfer through whole device blocks using a bounce block. */
static int blockdev_rw_bytes(struct blockdev *dev, uint64_t off, void *buf, size_t len, bool write)
{
    uint32_t bs = dev->block_size;
    uint8_t *bounce = fs_zalloc(bs);
    if (!bounce)
        return -ENOMEM;
    int err = 0;
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t blk = off / bs;
        uint32_t in = (uint32_t)(off % bs);
        size_t n = MIN((size_t)(bs - in), len);
        if (blk >= dev->nblocks) {
            err = -EIO;
            break;
        }
        err = dev->read(dev, blk, bounce);
        if (err)
            break;
        if (write) {
            memcpy(bounce + in, p, n);
            err = dev->write(dev, blk, bounce);
            if (err)
                break;
        } else {
            memcpy(p, bounce + in, n);
        }
        p += n;
        off += n;
        len -= n;
    }
    fs_free(bounce);
    return err;
}

int blockdev_read_bytes(struct blockdev *dev, uint64_t off, void *buf, size_t len)
{
    return blockdev_rw_bytes(dev, off, buf, len, false);
}

int blockdev_write_bytes(struct blockdev *dev, uint64_t off, const void *buf, size_t len)
{
    return blockdev_rw_bytes(dev, off, (void *)buf, len, true);
}

int bcache_create(struct blockdev *dev, uint32_t block_size, unsigned capacity, struct bcache **out)
{
    if (block_size < dev->block_size || block_size % dev->block_size || capacity < 4)
        return -EINVAL;
    struct bcache *c = fs_zalloc(sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->nbuckets = 256;
    c->buckets = fs_zalloc(sizeof(struct list_node) * c->nbuckets);
    if (!c->buckets) {
        fs_free(c);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < c->nbuckets; i++)
        list_init(&c->buckets[i]);
    list_init(&c->lru);
    c->dev = dev;
    c->block_size = block_size;
    c->nblocks = dev->nblocks / (block_size / dev->block_size);
    c->capacity = capacity;
    spin_init(&c->lock, "bcache");
    *out = c;
    return 0;
}

static int bcache_io(struct bcache *c, struct bbuf *b, bool write)
{
    uint32_t per = c->block_size / c->dev->block_size;
    for (uint32_t i = 0; i < per; i++) {
        uint64_t dblk = b->blk * per + i;
        uint8_t *p = b->data + (size_t)i * c->dev->block_size;
        int err = write ? c->dev->write(c->dev, dblk, p) : c->dev->read(c->dev, dblk, p);
        if (err)
            return err;
    }
    if (write)
        c->writes++;
    else
        c->reads++;
    return 0;
}

static struct list_node *bucket(struct bcache *c, uint64_t blk)
{
    return &c->buckets[(blk * 0x9E3779B97F4A7C15ull) >> 56 & (c->nbuckets - 1)];
}

static struct bbuf *find(struct bcache *c, uint64_t blk)
{
    struct list_node *n;
    list_for_each(n, bucket(c, blk))
    {
        struct bbuf *b = list_entry(n, struct bbuf, hash_link);
        if (b->blk == blk)
            return b;
    }
    return NULL;
}

static void free_buf(struct bbuf *b)
{
    fs_free(b->data);
    fs_free(b);
}

/* Returns a referenced buffer for blk (contents not yet valid when new). Lock held. */
static int get_buf(struct bcache *c, uint64_t blk, struct bbuf **out)
{
    struct bbuf *b = find(c, blk);
    if (b) {
        if (b->refcount++ == 0)
            list_remove(&b->lru_link);
        *out = b;
        return 0;
    }
    if (c->count >= c->capacity && !list_empty(&c->lru)) {
        struct bbuf *old = list_entry(c->lru.next, struct bbuf, lru_link);
        if (old->dirty) {
            int err = bcache_io(c, old, true);
            if (err)
                return err;
            old->dirty = false;
        }
        list_remove(&old->lru_link);
        list_remove(&old->hash_link);
        c->count--;
        free_buf(old);
    }
    b = fs_zalloc(sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->data = fs_zalloc(c->block_size);
    if (!b->data) {
        fs_free(b);
        return -ENOMEM;
    }
    b->blk = blk;
    b->refcount = 1;
    list_init(&b->lru_link);
    list_push_back(bucket(c, blk), &b->hash_link);
    c->count++;
    *out = b;
    return 0;
}

static void put_locked(struct bcache *c, struct bbuf *b)
{
    KASSERT(b->refcount > 0);
    if (--b->refcount == 0)
        list_push_back(&c->lru, &b->lru_link);
}

int bcache_read(struct bcache *c, uint64_t blk, struct bbuf **out)
{
    if (blk >= c->nblocks)
        return -EIO;
    spin_lock(&c->lock);
    struct bbuf *b;
    int err = get_buf(c, blk, &b);
    if (!err && !b->valid) {
        err = bcache_io(c, b, false);
        if (err)
            put_locked(c, b);
        else
            b->valid = true;
    }
    spin_unlock(&c->lock);
    if (!err)
        *out = b;
    return err;
}

int bcache_zero(struct bcache *c, uint64_t blk, struct bbuf **out)
{
    if (blk >= c->nblocks)
        return -EIO;
    spin_lock(&c->lock);
    struct bbuf *b;
    int err = get_buf(c, blk, &b);
    if (!err) {
        memset(b->data, 0, c->block_size);
        b->valid = true;
        b->dirty = true;
        *out = b;
    }
    spin_unlock(&c->lock);
    return err;
}

void bcache_dirty(struct bcache *c, struct bbuf *b)
{
    (void)c;
    KASSERT(b->refcount > 0 && b->valid);
    b->dirty = true;
}

void bcache_put(struct bcache *c, struct bbuf *b)
{
    spin_lock(&c->lock);
    put_locked(c, b);
    spin_unlock(&c->lock);
}

void bcache_forget(struct bcache *c, uint64_t blk)
{
    spin_lock(&c->lock);
    struct bbuf *b = find(c, blk);
    if (b && b->refcount == 0) {
        list_remove(&b->lru_link);
        list_remove(&b->hash_link);
        c->count--;
        free_buf(b);
    }
    spin_unlock(&c->lock);
}

int bcache_sync(struct bcache *c)
{
    int err = 0;
    spin_lock(&c->lock);
    for (unsigned i = 0; i < c->nbuckets; i++) {
        struct list_node *n;
        list_for_each(n, &c->buckets[i])
        {
            struct bbuf *b = list_entry(n, struct bbuf, hash_link);
            if (b->dirty) {
                int e = bcache_io(c, b, true);
                if (e)
                    err = e;
                else
                    b->dirty = false;
            }
        }
    }
    spin_unlock(&c->lock);
    return err;
}

void bcache_destroy(struct bcache *c)
{
    bcache_sync(c);
    for (unsigned i = 0; i < c->nbuckets; i++) {
        struct list_node *n, *t;
        list_for_each_safe(n, t, &c->buckets[i])
        {
            struct bbuf *b = list_entry(n, struct bbuf, hash_link);
            KASSERT(b->refcount == 0);
            free_buf(b);
        }
    }
    fs_free(c->buckets);
    fs_free(c);
}
