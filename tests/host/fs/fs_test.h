/* Host-test support for fs/: allocator/clock env, file- and RAM-backed block devices, image
 * creation with mke2fs, shell helpers, and tree comparison between the host and the VFS. */
#ifndef TESTS_HOST_FS_TEST_H
#define TESTS_HOST_FS_TEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fs/blockdev.h>
#include <fs/ext2.h>
#include <fs/vfs.h>

void fst_init_env(void);

struct blockdev *fst_file_dev(const char *path, uint32_t block_size);
struct blockdev *fst_ram_dev(uint64_t nblocks, uint32_t block_size);
void fst_dev_free(struct blockdev *dev);
/* Number of device-level reads and writes done through fst devices. */
extern uint64_t fst_dev_reads, fst_dev_writes;

/* Runs a shell command (PATH includes /sbin); returns its exit status. */
int fst_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Fresh temporary directory (removed by fst_rmtree). */
char *fst_tmpdir(void);
void fst_rmtree(const char *path);

/* Writes a deterministic pseudo-random file of size bytes (seed picks the content). */
void fst_write_file(const char *path, size_t size, unsigned seed);
void fst_fill(uint8_t *buf, size_t len, unsigned seed, uint64_t off);

/* Populates dir with the standard test tree (sizes, nesting, symlinks, a big directory). */
void fst_make_tree(const char *dir);
/* mke2fs -t type [-b bs] -d src img size; with index, e2fsck -D builds htree directories. */
void fst_mkfs(const char *type, unsigned bs, const char *src, const char *img, const char *size,
              bool index);

/* Mounts img as the root filesystem and fills ctx (root = cwd = mount root). */
struct fst_mount {
    struct blockdev *dev;
    struct vfs_mount *mnt;
    struct vfs_ctx ctx;
};
int fst_mount_root(const char *img, uint32_t dev_block_size, bool rdonly, struct fst_mount *m);
void fst_umount(struct fst_mount *m);

/* Reads a whole file through the VFS (malloc'd; *len set). NULL on error. */
uint8_t *fst_vfs_slurp(const struct vfs_ctx *c, const char *path, size_t *len);
uint8_t *fst_host_slurp(const char *path, size_t *len);

/* Compares host directory `host` with VFS path `path` recursively (types, modes, sizes,
 * contents, link targets, nlink, directory listings); fails the test on a difference.
 * check_owner also compares uid/gid and mtime seconds. Returns entries checked. */
unsigned fst_compare_tree(const char *host, const struct vfs_ctx *c, const char *path,
                          bool check_times);

#endif
