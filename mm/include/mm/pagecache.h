/*
 * What mm/ needs from files it maps: fs/ implements struct mm_pagecache_ops for each kind
 * of file and hands out struct mm_file objects (one per open file or inode).
 */
#ifndef MM_PAGECACHE_H
#define MM_PAGECACHE_H
#include <stdbool.h>
#include <stdint.h>
#include <mm/page.h>

struct mm_file;

struct mm_pagecache_ops {
    /* The cached page holding file bytes [offset, offset + PAGE_SIZE) (offset page aligned),
     * read in if needed, with one reference taken for the caller (dropped through the
     * address space's frame_put). Bytes past the end of file read as zero. 0, -ENXIO if
     * offset is at or past the end of file, or another negative errno (-EIO). */
    int (*get_page)(struct mm_file *f, uint64_t offset, struct page **pg);
    /* Current file size in bytes. */
    uint64_t (*size)(struct mm_file *f);
    /* Writes back [offset, offset + len) if dirty (msync, munmap of shared mappings); may
     * be NULL. 0 or negative errno. */
    int (*sync)(struct mm_file *f, uint64_t offset, uint64_t len);
    /* Notes that the page at offset was written through a shared mapping; may be NULL. */
    void (*set_dirty)(struct mm_file *f, uint64_t offset);
    /* Reference counting of the file by VMAs; either may be NULL. */
    void (*get)(struct mm_file *f);
    void (*put)(struct mm_file *f);
};

struct mm_file {
    const struct mm_pagecache_ops *ops;
    void *priv;                    /* fs/'s inode or open file */
    uint32_t dev_major, dev_minor; /* for /proc/PID/maps */
    uint64_t ino;
    const char *path; /* name shown in /proc/PID/maps */
    /* MAP_SHARED mappings may never be writable (the file was not opened for writing):
     * mmap and mprotect asking for PROT_WRITE on one fail with -EACCES. */
    bool no_shared_write;
};

#endif
