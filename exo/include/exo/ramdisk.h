/*
 * The ramdisk: the initrd QEMU loads, as a block device exo guards. Nobody reads or writes
 * a block except through a binding that covers it with the right rights.
 */
#ifndef EXO_RAMDISK_H
#define EXO_RAMDISK_H
#include <stdint.h>
#include <exo/types.h>

#define EXO_BLOCK_SIZE 512

typedef int32_t bindid_t;

/* Number of EXO_BLOCK_SIZE blocks (0 if there is no ramdisk). */
uint64_t exo_ramdisk_blocks(void);
/* Binds [first, first+count) to env with rights; returns the binding id (> 0) or an error
 * (-EINVAL for a range outside the disk or bad rights, -ENOMEM). */
bindid_t exo_ramdisk_bind(envid_t env, uint64_t first, uint64_t count, unsigned rights);
int exo_ramdisk_unbind(envid_t env, bindid_t b);
/* Reads/writes count blocks at block (relative to the disk, not the binding); -EPERM if the
 * binding is env's but lacks the right, -ERANGE if outside it, -EINVAL if no such binding. */
int exo_ramdisk_read(envid_t env, bindid_t b, uint64_t block, uint32_t count, void *buf);
int exo_ramdisk_write(envid_t env, bindid_t b, uint64_t block, uint32_t count, const void *buf);

#endif
