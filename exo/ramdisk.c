/* The initrd as exo's guarded block device (exo/ramdisk.h over ramdisk_bind.c). */
#include <exo/ramdisk.h>
#include <lib/errno.h>
#include "exo.h"
#include "ramdisk_bind.h"

struct ramdisk ramdisk;

void ramdisk_init(void)
{
    uint64_t size = boot_info.initrd_end - boot_info.initrd_start;
    rd_init(&ramdisk, size ? phys_to_virt(boot_info.initrd_start) : NULL, size / EXO_BLOCK_SIZE,
            EXO_BLOCK_SIZE);
}

uint64_t exo_ramdisk_blocks(void)
{
    return ramdisk.nblocks;
}

bindid_t exo_ramdisk_bind(envid_t env, uint64_t first, uint64_t count, unsigned rights)
{
    if (!env_exists(env))
        return -EINVAL;
    return rd_bind(&ramdisk, env, first, count, rights);
}

int exo_ramdisk_unbind(envid_t env, bindid_t b)
{
    return rd_unbind(&ramdisk, env, b);
}

int exo_ramdisk_read(envid_t env, bindid_t b, uint64_t block, uint32_t count, void *buf)
{
    return rd_read(&ramdisk, env, b, block, count, buf);
}

int exo_ramdisk_write(envid_t env, bindid_t b, uint64_t block, uint32_t count, const void *buf)
{
    return rd_write(&ramdisk, env, b, block, count, buf);
}
