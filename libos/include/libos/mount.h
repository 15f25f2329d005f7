/*
 * The libOS's mount table: every filesystem mounted since boot (the root from the ramdisk,
 * then mount(2)), in mount order, with the names /proc/mounts shows. umount2 removes
 * entries; nothing else changes them.
 */
#ifndef LIBOS_MOUNT_H
#define LIBOS_MOUNT_H
#include <fs/procfs.h>

/* Boot: registers the builtin devices and records the root mount made by files_mount_root. */
void mount_init(void);
/* The index'th entry, oldest first, as /proc/mounts prints it: 0, or -ENOENT past the end. */
int mount_table_get(unsigned index, struct procfs_mount *out);

#endif
