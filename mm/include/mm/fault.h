/*
 * Page-fault policy: given the VMAs, the faulting address and access, and what the page
 * table currently holds there, decide what to do. Decisions only; mm/as.c carries them out.
 */
#ifndef MM_FAULT_H
#define MM_FAULT_H
#include <stdbool.h>
#include <stdint.h>
#include <mm/pte.h>
#include <mm/vma.h>

enum mm_access { MM_ACCESS_READ, MM_ACCESS_WRITE, MM_ACCESS_EXEC };

enum mm_fault_action {
    MM_FA_ZERO_PAGE,     /* anonymous: map a new zeroed frame */
    MM_FA_FILE_PAGE,     /* map the page-cache page itself (shared, or private read) */
    MM_FA_FILE_COPY,     /* private write to a file page: map a private copy */
    MM_FA_COW_COPY,      /* write to a shared private frame: copy it, map the copy */
    MM_FA_COW_REUSE,     /* write to a private frame we alone hold: make it writable */
    MM_FA_MAKE_WRITABLE, /* write to a read-only entry of a shared writable mapping */
    MM_FA_GROW_STACK,    /* extend the grows-down VMA down to new_start, then demand-zero */
    MM_FA_FIX_PROT,      /* entry is stale (e.g. after mprotect): re-derive it from the VMA */
    MM_FA_SEGV_MAPERR,   /* no mapping at addr: SIGSEGV, SEGV_MAPERR */
    MM_FA_SEGV_ACCERR,   /* mapping forbids the access: SIGSEGV, SEGV_ACCERR */
    MM_FA_SIGBUS,        /* file mapping beyond end of file: SIGBUS, BUS_ADRERR */
};

struct mm_fault_info {
    uint64_t addr;
    enum mm_access access;
    bool present;     /* a valid leaf maps addr */
    pte_t pte;        /* that leaf, if present */
    int32_t refcount; /* refcount of the frame it maps, if present */
};

struct mm_fault_decision {
    enum mm_fault_action action;
    struct vma *vma;      /* the VMA that covers (or will cover) addr */
    uint64_t page;        /* addr rounded down to its page */
    uint64_t file_offset; /* file mappings: offset of that page */
    uint64_t new_start;   /* MM_FA_GROW_STACK */
};

/* Decides how to handle a fault at fi->addr. stack_max bounds the size of a grows-down VMA
 * after growth (RLIMIT_STACK). */
void mm_fault_decide(const struct vma_tree *t, const struct mm_fault_info *fi, uint64_t stack_max,
                     struct mm_fault_decision *d);

#endif
