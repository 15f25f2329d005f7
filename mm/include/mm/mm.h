/* mm/: hardware-free memory management shared by exo/ and libos/. */
#ifndef MM_MM_H
#define MM_MM_H
#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#endif
