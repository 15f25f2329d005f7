/*
 * Ramdisk bindings: which environment may read or write which blocks. Hardware-free; the
 * disk is any memory range (the initrd in the kernel, a buffer in host tests).
 */
#ifndef EXO_RAMDISK_BIND_H
#define EXO_RAMDISK_BIND_H
#include <stdint.h>
#include <lib/spinlock.h>
#include <exo/types.h>

#define RAMDISK_MAX_BINDINGS 64

struct rd_binding {
    envid_t env; /* 0: slot free */
    uint64_t first, count;
    unsigned rights;
};

struct ramdisk {
    uint8_t *data;
    uint64_t nblocks;
    unsigned block_size;
    struct rd_binding bindings[RAMDISK_MAX_BINDINGS];
    struct spinlock lock;
};

void rd_init(struct ramdisk *rd, uint8_t *data, uint64_t nblocks, unsigned block_size);
/* Returns a binding id > 0, or -EINVAL / -ENOMEM. */
int rd_bind(struct ramdisk *rd, envid_t env, uint64_t first, uint64_t count, unsigned rights);
int rd_unbind(struct ramdisk *rd, envid_t env, int id);
void rd_unbind_env(struct ramdisk *rd, envid_t env);
int rd_read(struct ramdisk *rd, envid_t env, int id, uint64_t block, uint32_t count, void *buf);
int rd_write(struct ramdisk *rd, envid_t env, int id, uint64_t block, uint32_t count,
             const void *buf);

#endif
