/*
 * The page cache: per-inode pages of regular files, shared by read()/write() and by mm/'s
 * file mappings (struct mm_file, see mm/pagecache.h).
 *
 * Design (coherence without routing every byte through frames):
 * - Pages are cached only once something maps them (mm_pagecache_ops.get_page). read()
 *   and write() go through pagecache_read/pagecache_write (called by vfs_pread/vfs_pwrite):
 *   - write() is write-through: the filesystem's write op runs first (it owns block
 *     allocation and i_size), then the bytes written are copied into every cached page they
 *     touch, so mappings see them at once;
 *   - read() copies from cached pages where there are some (they may hold data written
 *     through a MAP_SHARED mapping and not yet written back) and reads the rest from the
 *     filesystem (a page that is not cached has nothing pending).
 * - Pages written through shared mappings are written back (filesystem write op, never
 *   past i_size) by msync(MS_SYNC) (mm_pagecache_ops.sync), pagecache_sync_inode (fsync),
 *   pagecache_sync_all (called by vfs_sync_all) and when the inode is released (the last
 *   vfs_iput of a linked inode). mm/ maps a shared file page writable even on a read
 *   fault and reports no later store, so dirtiness is conservative: each inode has two
 *   mm_files, one for MAP_SHARED mappings of a file open for writing and one for all
 *   others; a page handed to the first is dirty from then on, and write-back leaves it
 *   dirty while such a mapping may still hold it (cleaned once none is left). Pages only
 *   mapped privately or read-only are never written back.
 * - Size changes (truncate, write past EOF) go through pagecache_resize: pages wholly past
 *   the new end are dropped (after the unmap hook has let the library OS remove them from
 *   address spaces), the part of the last page past EOF is zeroed.
 *
 * Frames come from a provider of the shape of struct mm_as_ops (frame_alloc, frame_free,
 * page_to_virt, ctx): the library OS passes its own, so that mm/'s frame_put on a cached
 * page returns it to the same allocator. The cache holds one reference on each of its
 * pages; every page handed out by get_page carries one more for the caller (mm/ keeps one
 * per mapping entry and drops it through its own frame_put).
 *
 * Without pagecache_init, nothing is cached: pagecache_read/write go straight to the
 * filesystem and pagecache_mmap_file fails with -ENODEV.
 */
#ifndef FS_PAGECACHE_H
#define FS_PAGECACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fs/vfs.h>
#include <mm/as.h>
#include <mm/pagecache.h>

/* Called when size shrinks below pages that address spaces may map (MAP_SHARED or
 * private; once for each of the inode's mm_files in use): the library OS must remove
 * every mapping of mf at file offsets >= from (page aligned) in every address space (e.g.
 * mm_madvise(MADV_DONTNEED) on the VMAs' parts, then mirror). Called without page-cache locks held,
 * before the pages leave the cache. */
typedef void (*pagecache_unmap_fn)(struct mm_file *mf, uint64_t from);

/* Installs the frame provider (only frame_alloc, frame_free, page_to_virt and ctx are
 * used; the ops must outlive the cache) and the truncation unmap hook (may be NULL). */
void pagecache_init(const struct mm_as_ops *frames, pagecache_unmap_fn unmap);

/* The mm_file of f's inode for one mapping, for mm_mmap(..., file, offset): creates the
 * inode's cache if needed. shared_write: the mapping is MAP_SHARED and f is open for
 * writing (so it may be written now or after mprotect; Linux's VM_MAYWRITE); pages it
 * gets are treated as dirty. Every other mapping (private, or shared of a read-only open)
 * gets the inode's other mm_file. No reference is handed out: mm_mmap takes one per VMA (ops->get),
 * and the first one pins f's mount and dentry (so the inode and its filesystem outlive close() and
 * umount returns -EBUSY while mapped). Call it, then mm_mmap, while holding f.
 * 0, -ENODEV (not a regular file, or no frame provider), -ENOMEM. */
int pagecache_mmap_file(struct vfs_file *f, bool shared_write, struct mm_file **out);

/* True for the mm_file of shared mappings of a file open for writing: the library OS
 * refuses mprotect(PROT_WRITE) on MAP_SHARED VMAs whose file is not (EACCES, as Linux). */
bool pagecache_mm_file_writable(const struct mm_file *mf);

/* read()/write() of a regular file at off, coherent with mappings (see above). Same
 * contract as vfs_inode_ops.read/write. */
int64_t pagecache_read(struct vfs_inode *inode, void *buf, size_t len, uint64_t off);
int64_t pagecache_write(struct vfs_inode *inode, const void *buf, size_t len, uint64_t off);

/* inode's size went from old_size to new_size (truncate or extension): drops whole pages
 * past the new end (unmap hook first), zeroes the tail of the page holding the end. */
void pagecache_resize(struct vfs_inode *inode, uint64_t old_size, uint64_t new_size);

/* [off, off + len) of inode's data was zeroed behind the cache (a punched hole): zeroes the
 * same bytes in the cached pages, so reads and mappings agree with the file. */
void pagecache_zero_range(struct vfs_inode *inode, uint64_t off, uint64_t len);

/* Writes back pages of [off, off + len) that may be dirty (len 0: to the end). 0 or the
 * first error of the filesystem's write op. */
int pagecache_sync_inode(struct vfs_inode *inode, uint64_t off, uint64_t len);
/* Writes back every cached inode (sync(2); vfs_sync_all calls it first). */
int pagecache_sync_all(void);

/* The inode's last reference is going (vfs_iput): writes back (if still linked and the
 * filesystem is writable) and frees its pages. */
void pagecache_evict(struct vfs_inode *inode);

/* Drops clean pages nobody maps (memory pressure); returns how many frames were freed. */
size_t pagecache_shrink(size_t max);

/* Statistics for tests and /proc: pages cached for inode / in total. */
size_t pagecache_inode_pages(struct vfs_inode *inode);
size_t pagecache_total_pages(void);

#endif
