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
/* The kernel address at which the libOS reads and writes a frame env holds, or owns while
 * it is parked (see below); NULL otherwise. */
void *exo_frame_kva(envid_t env, paddr_t pa);

struct exo_mem_stats {
    uint64_t total_frames, free_frames;
    paddr_t ram_start, ram_end; /* physical span of RAM (holes included) */
};
void exo_mem_stats(struct exo_mem_stats *st);

/*
 * Visible revocation of memory (docs/architecture.md, "Visible revocation").
 *
 * Environments' allocations never take the last EXO_FRAME_RESERVE free frames, which stay
 * for exo's page tables and kernel stacks and for the slab allocator: that low watermark is
 * where reclaim starts. When exo_frame_alloc cannot be satisfied above it, exo first asks: it calls
 * the reclaim handler with how many frames it needs, and the libOS frees what it chooses (caches,
 * memory of dead processes) and returns how many frames it gave back. If the free pool still cannot
 * satisfy the allocation, exo repossesses by force from one *victim*: the environment,
 * other than the libOS's own (EXO_ENV_LIBOS) and the one allocating, that holds the most
 * frames (owned plus granted; ties go to the lowest slot). exo's own frames and frames no
 * other environment holds (the libOS's kernel memory) are never taken. From the moment
 * exo marks a frame for taking, no holder has rights on it any more. exo takes
 * max(needed, EXO_REPOSSESS_BATCH) frames the victim holds, frames it owns first: it unmaps
 * each from every environment that maps it (broadcast TLB invalidation), drops every grant
 * of it and then:
 *   - a frame the victim owns goes back to the free pool;
 *   - a frame the victim holds through another owner's grant is *parked*: its owner keeps
 *     the name only (no rights: it cannot map, grant or adopt it; exo_frame_kva still
 *     reads it) and exo reuses it only after the owner frees it. Owners index their
 *     bookkeeping by physical address, so a frame must not come back to them while they
 *     may still hold a stale reference to it.
 * exo records every loss in the repossession record of each environment that lost the
 * frame (victim, other grantees, parking owner), prints one console line per repossession
 * ("exo: took N frames from env E ..."), and calls the repossession handler once for each
 * of those environments before exo_frame_alloc returns. A taken page that the victim
 * touches again faults (EXO_STOP_FAULT, translation): it never reads what the frame holds
 * next. Frames shared by more than 16 environments are not taken. exo's internal
 * allocations (page tables, kernel stacks) never trigger reclaim. Both handlers run in the
 * context of the exo_frame_alloc call that ran short, with whatever locks its caller holds,
 * and must not allocate frames themselves.
 */
#define EXO_REPOSSESS_BATCH 16
#define EXO_FRAME_RESERVE   1024

/* Asks the libOS to free at least `wanted` frames; returns how many it freed. */
typedef size_t (*exo_reclaim_fn)(size_t wanted);
void exo_set_reclaim_handler(exo_reclaim_fn fn);

/* The repossession vector: env has new entries in its repossession record. */
typedef void (*exo_repossess_fn)(envid_t env);
void exo_set_repossess_handler(exo_repossess_fn fn);

/* One frame an environment lost. */
struct exo_taken {
    paddr_t pa;
    uint64_t va;    /* where this environment mapped it (one of its mappings), 0 if none */
    envid_t victim; /* the environment exo chose to take from */
    unsigned how;   /* EXO_TAKEN_* */
};
#define EXO_TAKEN_OWNED  1u /* it owned the frame; the frame was freed */
#define EXO_TAKEN_GRANT  2u /* it held the frame through a grant, now dropped */
#define EXO_TAKEN_PARKED 4u /* it owns the frame by name only: it may only free it */

/* Reads env's repossession record: moves up to max unread entries, oldest first, into out
 * and returns how many (0 if none), or -EINVAL for an unknown environment. The record keeps
 * EXO_TAKEN_RECORD entries; *dropped (if not NULL) gets how many losses found it full since
 * the last call (those are lost from the record, not from the count). */
#define EXO_TAKEN_RECORD 16
int exo_repossessed(envid_t env, struct exo_taken *out, size_t max, uint64_t *dropped);

#endif
