/*
 * Physical frames. exo owns all of RAM; an environment holds a frame either as its owner or
 * through a grant from the owner. A frame returns to the free pool when its last holder
 * lets go. Every call checks its caller's claim and returns 0 or a negative errno:
 *   -EINVAL  bad argument (unaligned address, unknown environment, bad rights)
 *   -EPERM   the environment does not own / hold the frame with those rights
 *   -ENOMEM  no memory
 *   -EBUSY   the frame is still mapped by the caller
 */
#ifndef EXO_FRAME_H
#define EXO_FRAME_H
#include <stddef.h>
#include <exo/types.h>

/* Allocates 2^order physically contiguous zeroed frames owned by env. */
int exo_frame_alloc(envid_t env, unsigned order, paddr_t *pa);
/* env gives up ownership of one frame it owns and no longer maps. Grantees keep theirs. */
int exo_frame_free(envid_t env, paddr_t pa);
/* The owner lets grantee hold the frame with rights (READ, or READ|WRITE). Granting again
 * changes the rights. */
int exo_frame_grant(envid_t owner, paddr_t pa, envid_t grantee, unsigned rights);
/* The owner takes a grant back; exo first unmaps the frame from the grantee. */
int exo_frame_revoke(envid_t owner, paddr_t pa, envid_t grantee);
/* A grantee lets go of a frame it was granted and no longer maps. */
int exo_frame_release(envid_t grantee, paddr_t pa);
/* A grantee that is the last holder of a frame whose owner let go becomes its owner. */
int exo_frame_adopt(envid_t env, paddr_t pa);
/* How many environments hold pa (0 if env does not hold it): 1 means env is alone. */
unsigned exo_frame_holders(envid_t env, paddr_t pa);
/* Rights env holds on pa (0 if none). */
unsigned exo_frame_rights(envid_t env, paddr_t pa);
/* The kernel address at which the libOS reads and writes a frame env holds (NULL if it does
 * not hold it). */
void *exo_frame_kva(envid_t env, paddr_t pa);

struct exo_mem_stats {
    uint64_t total_frames, free_frames;
    paddr_t ram_start, ram_end; /* physical span of RAM (holes included) */
};
void exo_mem_stats(struct exo_mem_stats *st);

/* Visible revocation: exo calls the handler when frames run short, asking the libOS to free
 * at least `wanted` frames; it returns how many it freed. */
typedef size_t (*exo_reclaim_fn)(size_t wanted);
void exo_set_reclaim_handler(exo_reclaim_fn fn);

#endif
