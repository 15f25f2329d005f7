/*
 * A user address space: VMAs + page table + frame references, and the logic behind mmap,
 * munmap, mprotect, mremap, brk, madvise, msync, mincore, fork, page faults and
 * /proc/PID/maps. Hardware and frame ownership stay behind struct mm_as_ops (exo/libos
 * implement it; tests fake it). Frames mapped are counted in struct page.refcount: one
 * reference per mapping (the page cache holds its own on its pages).
 *
 * Not thread-safe: the caller serializes calls on one address space.
 */
#ifndef MM_AS_H
#define MM_AS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mm/fault.h>
#include <mm/pgtable.h>
#include <mm/vma.h>

/* Linux's generic mmap/mremap/madvise/msync constants (asm-generic/mman*.h). */
#define MM_MAP_SHARED          0x01
#define MM_MAP_PRIVATE         0x02
#define MM_MAP_SHARED_VALIDATE 0x03
#define MM_MAP_TYPE            0x0f
#define MM_MAP_FIXED           0x10
#define MM_MAP_ANONYMOUS       0x20
#define MM_MAP_GROWSDOWN       0x0100
#define MM_MAP_NORESERVE       0x4000
#define MM_MAP_POPULATE        0x8000
#define MM_MAP_FIXED_NOREPLACE 0x100000
#define MM_MREMAP_MAYMOVE      1
#define MM_MREMAP_FIXED        2
#define MM_MADV_NORMAL         0
#define MM_MADV_RANDOM         1
#define MM_MADV_SEQUENTIAL     2
#define MM_MADV_WILLNEED       3
#define MM_MADV_DONTNEED       4
#define MM_MS_ASYNC            1
#define MM_MS_INVALIDATE       2
#define MM_MS_SYNC             4

struct mm_as_ops {
    /* A frame with refcount 1 (contents undefined), or NULL. */
    struct page *(*frame_alloc)(void *ctx);
    /* The frame's last reference is gone. */
    void (*frame_free)(void *ctx, struct page *pg);
    uint64_t (*page_to_pa)(void *ctx, const struct page *pg);
    struct page *(*pa_to_page)(void *ctx, uint64_t pa);
    /* Kernel address of a frame's contents (to zero and copy). */
    void *(*page_to_virt)(void *ctx, struct page *pg);
    /* Entries for [va, va+len) changed or went away. */
    void (*tlb_flush)(void *ctx, uint64_t va, uint64_t len);
    void *ctx;
    /* frame_alloc's frames are already zero-filled: demand-zero faults need not clear them. */
    bool frames_zeroed;
};

struct mm_as_layout {
    uint64_t mmap_min;  /* lowest address mmap picks (or accepts for MAP_FIXED) */
    uint64_t mmap_base; /* top-down mmap search starts below this */
    uint64_t task_size; /* user addresses are below this */
    uint64_t brk_start; /* initial program break (page aligned) */
    uint64_t stack_max; /* RLIMIT_STACK */
};

struct mm_as {
    struct vma_tree vmas;
    struct pgtable pt;
    const struct mm_as_ops *ops;
    struct mm_as_layout layout;
    uint64_t brk;
};

enum mm_fault_result {
    MM_FAULT_OK,
    MM_FAULT_SEGV_MAPERR,
    MM_FAULT_SEGV_ACCERR,
    MM_FAULT_SIGBUS,
    MM_FAULT_OOM,
};

/* 0 or -ENOMEM (root table). vma_cache: a kmem_cache of struct vma. */
int mm_as_init(struct mm_as *as, const struct mm_as_ops *ops, const struct pt_ops *pt_ops,
               struct kmem_cache *vma_cache, const struct mm_as_layout *layout);
/* Unmaps everything (dropping frame references) and frees tables and VMAs. */
void mm_as_destroy(struct mm_as *as);
/* Makes child (initialized, empty) a copy of parent: shared mappings share frames,
 * private frames become copy-on-write in both. 0 or -ENOMEM. */
int mm_as_fork(struct mm_as *child, struct mm_as *parent);
/* Handles a fault at addr (decide + act). */
enum mm_fault_result mm_as_fault(struct mm_as *as, uint64_t addr, enum mm_access access);
/* What EL0 may do through a leaf of the shadow table: MM_PROT_READ plus WRITE/EXEC as the
 * entry allows, or 0 for a kernel-only entry (PROT_NONE keeps its frame there) that must not
 * be mirrored into the hardware tables at all. */
unsigned mm_as_user_prot(pte_t pte);

/* mmap(2): 0 with *out set, or -EINVAL, -EBADF (file mapping without file), -EACCES (shared
 * writable mapping of a file->no_shared_write file), -EEXIST (MAP_FIXED_NOREPLACE), -ENOMEM,
 * -EOVERFLOW. prot is PROT_* (= MM_PROT_READ/WRITE/EXEC). */
int mm_mmap(struct mm_as *as, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
            struct mm_file *file, uint64_t offset, uint64_t *out);
/* munmap(2): 0, -EINVAL, -ENOMEM. Shared file mappings in the range are written back
 * (ops->sync) once their frames are unmapped. */
int mm_munmap(struct mm_as *as, uint64_t addr, uint64_t len);
/* mprotect(2): 0, -EINVAL, -EACCES (PROT_WRITE on a shared mapping of a no_shared_write
 * file), -ENOMEM (hole in the range). */
int mm_mprotect(struct mm_as *as, uint64_t addr, uint64_t len, unsigned prot);
/* mremap(2): 0 with *out set, or -EINVAL, -EFAULT (old range not in one VMA), -ENOMEM. */
int mm_mremap(struct mm_as *as, uint64_t old_addr, uint64_t old_len, uint64_t new_len,
              unsigned flags, uint64_t new_addr, uint64_t *out);
/* brk(2): the new break, or the old one if the request is refused. */
uint64_t mm_brk(struct mm_as *as, uint64_t new_brk);
/* madvise(2): 0, -EINVAL, -ENOMEM. MADV_DONTNEED drops the frames (next touch refaults). */
int mm_madvise(struct mm_as *as, uint64_t addr, uint64_t len, int advice);
/* msync(2): 0, -EINVAL, -ENOMEM, or the page cache's error. */
int mm_msync(struct mm_as *as, uint64_t addr, uint64_t len, int flags);
/* mincore(2): vec[i] bit 0 = page i resident. 0, -EINVAL, -ENOMEM. */
int mm_mincore(struct mm_as *as, uint64_t addr, uint64_t len, unsigned char *vec);
/* The file shrank: drops every frame mapped from file at offsets >= from (page aligned),
 * private copies included, so that the next touch faults (SIGBUS past the new end). True
 * if anything was in range, with [*lo, *hi) covering the addresses whose entries changed. */
bool mm_as_unmap_file(struct mm_as *as, const struct mm_file *file, uint64_t from, uint64_t *lo,
                      uint64_t *hi);
/* /proc/PID/maps text, snprintf contract: returns the full length. */
size_t mm_as_format_maps(struct mm_as *as, char *buf, size_t size);

#endif
