/*
 * Kernel stacks for the libOS's tasks. Each stack is KSTACK_BYTES (16 KiB) of exo's own
 * memory, mapped in a kernel region of its own (global, not accessible from EL0, never
 * executable) with an unmapped 16 KiB guard below it. An exception taken on a stack that
 * has no room left for the trap frame is reported as "kernel stack overflow ... in stack
 * '<name>'" and panics the machine, instead of corrupting whatever lies below.
 */
#ifndef EXO_KSTACK_H
#define EXO_KSTACK_H
#include <stdint.h>

#define EXO_KSTACK_BYTES    (16 * 1024)
#define EXO_KSTACK_NAME_MAX 16 /* longer names are truncated */

/* Allocates a stack named name (copied; NULL for none) and returns its top: the initial SP,
 * 16-byte aligned; the stack is [top - EXO_KSTACK_BYTES, top), zero-filled. Returns 0 when
 * memory or stack slots are exhausted. May be called on any CPU, not in interrupt
 * context (it may ask the libOS's reclaim handler for frames). */
uint64_t exo_kstack_alloc(const char *name);

/* Frees the stack whose top is top: unmaps it (with TLB invalidation on every CPU) and
 * returns its frames. 0; -EINVAL if top is not the top of a live stack from
 * exo_kstack_alloc (double free included); -EBUSY if the calling CPU is running on it. */
int exo_kstack_free(uint64_t top);

/* Renames a live stack (copied, truncated to EXO_KSTACK_NAME_MAX). 0 or -EINVAL. */
int exo_kstack_set_name(uint64_t top, const char *name);

#endif
