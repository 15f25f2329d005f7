/*
 * Block devices and a write-back block cache.
 *
 * A struct blockdev moves whole device blocks (block_size bytes, a power of two >= 512).
 * The cache works in its own block size (a multiple of the device's, e.g. the filesystem
 * block size), keeps at most `capacity` buffers, evicts the least recently used unreferenced
 * one (writing it back first if dirty) and writes every dirty buffer on bcache_sync.
 */
#ifndef FS_BLOCKDEV_H
#define FS_BLOCKDEV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/list.h>
#include <lib/spinlock.h>

struct blockdev {
    /* Read/write one device block; 0 or a negative errno. */
    int (*read)(struct blockdev *dev, uint64_t blk, void *buf);
    int (*write)(struct blockdev *dev, uint64_t blk, const void *buf);
    uint32_t block_size;
    uint64_t nblocks;
    uint64_t dev_id; /* st_dev of filesystems on it */
    void *priv;
};

/* Reads/writes len bytes at byte offset off (any alignment) straight from/to the device. */
int blockdev_read_bytes(struct blockdev *dev, uint64_t off, void *buf, size_t len);
int blockdev_write_bytes(struct blockdev *dev, uint64_t off, const void *buf, size_t len);

struct bbuf {
    uint64_t blk;
    uint8_t *data;
    bool dirty, valid;
    unsigned refcount;
    struct list_node hash_link;
    struct list_node lru_link; /* on the cache's LRU list while refcount == 0 */
};

struct bcache {
    struct blockdev *dev;
    uint32_t block_size;
    uint64_t nblocks; /* in cache blocks */
    unsigned capacity, count;
    struct list_node lru; /* front = least recently used */
    struct list_node *buckets;
    unsigned nbuckets;
    struct spinlock lock;
    uint64_t reads, writes; /* device traffic in cache blocks, for tests */
};

int bcache_create(struct blockdev *dev, uint32_t block_size, unsigned capacity,
                  struct bcache **out);
/* Writes back and frees everything; no buffer may be referenced. */
void bcache_destroy(struct bcache *c);
/* Referenced buffer holding block blk's contents. */
int bcache_read(struct bcache *c, uint64_t blk, struct bbuf **out);
/* Referenced buffer for blk whose old contents do not matter: zero-filled and dirty. */
int bcache_zero(struct bcache *c, uint64_t blk, struct bbuf **out);
void bcache_dirty(struct bcache *c, struct bbuf *b);
void bcache_put(struct bcache *c, struct bbuf *b);
/* Drops blk from the cache without writing it (block freed by the filesystem). */
void bcache_forget(struct bcache *c, uint64_t blk);
/* Writes back every dirty buffer. */
int bcache_sync(struct bcache *c);

#endif
