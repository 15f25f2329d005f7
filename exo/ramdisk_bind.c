/* Ramdisk bindings (see ramdisk_bind.h): every block access is checked against one. */
#include <string.h>
#include <lib/errno.h>
#include "ramdisk_bind.h"

void rd_init(struct ramdisk *rd, uint8_t *data, uint64_t nblocks, unsigned block_size)
{
    memset(rd, 0, sizeof(*rd));
    rd->data = data;
    rd->nblocks = nblocks;
    rd->block_size = block_size;
    spin_init(&rd->lock, "ramdisk");
}

int rd_bind(struct ramdisk *rd, envid_t env, uint64_t first, uint64_t count, unsigned rights)
{
    if (env <= 0 || count == 0 || first >= rd->nblocks || count > rd->nblocks - first ||
        !(rights & EXO_RIGHT_READ) || (rights & ~(EXO_RIGHT_READ | EXO_RIGHT_WRITE)))
        return -EINVAL;
    int id = -ENOMEM;
    spin_lock(&rd->lock);
    for (int i = 0; i < RAMDISK_MAX_BINDINGS; i++) {
        if (rd->bindings[i].env == 0) {
            rd->bindings[i] = (struct rd_binding){env, first, count, rights};
            id = i + 1;
            break;
        }
    }
    spin_unlock(&rd->lock);
    return id;
}

/* env's binding id, or NULL. Lock held. */
static struct rd_binding *binding(struct ramdisk *rd, envid_t env, int id)
{
    if (id < 1 || id > RAMDISK_MAX_BINDINGS || env <= 0)
        return NULL;
    struct rd_binding *b = &rd->bindings[id - 1];
    return b->env == env ? b : NULL;
}

int rd_unbind(struct ramdisk *rd, envid_t env, int id)
{
    spin_lock(&rd->lock);
    struct rd_binding *b = binding(rd, env, id);
    if (b)
        b->env = 0;
    spin_unlock(&rd->lock);
    return b ? 0 : -EINVAL;
}

void rd_unbind_env(struct ramdisk *rd, envid_t env)
{
    spin_lock(&rd->lock);
    for (int i = 0; i < RAMDISK_MAX_BINDINGS; i++) {
        if (rd->bindings[i].env == env)
            rd->bindings[i].env = 0;
    }
    spin_unlock(&rd->lock);
}

/* Checks env may do `right` on [block, block+count) through binding id. */
static int check(struct ramdisk *rd, envid_t env, int id, uint64_t block, uint32_t count,
                 unsigned right)
{
    spin_lock(&rd->lock);
    struct rd_binding *b = binding(rd, env, id);
    int err = 0;
    if (!b)
        err = -EINVAL;
    else if (!(b->rights & right))
        err = -EPERM;
    else if (block < b->first || count > b->count || block - b->first > b->count - count)
        err = -ERANGE;
    spin_unlock(&rd->lock);
    return err;
}

int rd_read(struct ramdisk *rd, envid_t env, int id, uint64_t block, uint32_t count, void *buf)
{
    int err = check(rd, env, id, block, count, EXO_RIGHT_READ);
    if (!err)
        memcpy(buf, rd->data + block * rd->block_size, (size_t)count * rd->block_size);
    return err;
}

int rd_write(struct ramdisk *rd, envid_t env, int id, uint64_t block, uint32_t count,
             const void *buf)
{
    int err = check(rd, env, id, block, count, EXO_RIGHT_WRITE);
    if (!err)
        memcpy(rd->data + block * rd->block_size, buf, (size_t)count * rd->block_size);
    return err;
}
