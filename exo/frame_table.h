/*
 * Frame ownership, grants and reference counts: the bookkeeping behind exo/frame.h, kept
 * free of hardware so host tests can check every refusal path. One struct frame per managed
 * physical frame; grants live in a hash table keyed by (frame, grantee).
 *
 * Holders of a frame: its owner (if it has not freed it) and every grantee. The frame goes
 * back to the allocator when the last holder lets go. Mappings are counted per holder so a
 * holder cannot let go of a frame it still maps.
 */
#ifndef EXO_FRAME_TABLE_H
#define EXO_FRAME_TABLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/list.h>
#include <lib/spinlock.h>
#include <exo/frame.h>
#include <exo/types.h>

#define ENV_NONE   0  /* frame is free */
#define ENV_EXO    (-1) /* exo's own (page tables): never mappable */
#define ENV_ORPHAN (-2) /* owner let go, grantees still hold it */

/* Repossession states of a frame (struct frame.state). FRAME_TAKING: exo is taking it
 * back, so no new mapping, grant or adoption. FRAME_PARKED: taken from an owner that was not
 * the victim; the owner keeps only its name and can do nothing with it but free it. */
#define FRAME_TAKING 1u
#define FRAME_PARKED 2u

struct frame {
    envid_t owner;
    uint16_t holders;    /* owner (unless ENV_ORPHAN) + grantees */
    uint16_t owner_maps; /* mappings made on the owner's right */
    uint8_t state;       /* FRAME_TAKING, FRAME_PARKED; 0 otherwise */
};

struct grant {
    uint64_t pfn;
    envid_t env;
    unsigned rights;
    uint32_t maps;
    struct grant *hash_next;
};

/* Where frames and bookkeeping memory come from (the buddy and slab in the kernel). */
struct frame_table_ops {
    int (*alloc_frames)(unsigned order, uint64_t *pfn); /* 0 or -ENOMEM */
    void (*free_frame)(uint64_t pfn);                   /* one order-0 frame */
    void (*zero_frame)(uint64_t pfn);
    void *(*alloc_obj)(size_t size);
    void (*free_obj)(void *p);
};

#define GRANT_BUCKETS 1024
#define FT_ENV_SLOTS  1024 /* per-environment counts, indexed by id % FT_ENV_SLOTS */

struct frame_table {
    uint64_t base_pfn, nframes;
    struct frame *frames;
    struct grant *buckets[GRANT_BUCKETS];
    /* Frames owned and grants held by each environment, so that ft_release_env skips its
     * scans of every frame and every bucket when there is nothing to find. Two live
     * environments whose ids are equal modulo FT_ENV_SLOTS share a count (exo's never are:
     * the remainder is the slot), which only costs a scan. */
    uint32_t env_owned[FT_ENV_SLOTS];
    uint32_t env_grants[FT_ENV_SLOTS];
    const struct frame_table_ops *ops;
    struct spinlock lock;
    uint64_t free_count; /* frames not held by anyone (as far as this table knows) */
};

/* frames must have room for nframes entries; all start free. */
void ft_init(struct frame_table *ft, uint64_t base_pfn, uint64_t nframes, struct frame *frames,
             const struct frame_table_ops *ops);
/* Allocates 2^order zeroed frames for owner (ENV_EXO allowed); each is then an independent
 * order-0 frame. */
int ft_alloc(struct frame_table *ft, envid_t owner, unsigned order, uint64_t *pfn);
int ft_free(struct frame_table *ft, envid_t owner, uint64_t pfn);
int ft_grant(struct frame_table *ft, envid_t owner, uint64_t pfn, envid_t grantee, unsigned rights);
/* Drops grantee's grant; the caller must have unmapped it first (-EBUSY otherwise). */
int ft_revoke(struct frame_table *ft, envid_t owner, uint64_t pfn, envid_t grantee);
int ft_release(struct frame_table *ft, envid_t grantee, uint64_t pfn);
/* Rights env holds: READ|WRITE for the owner, the grant's rights for a grantee, else 0. */
unsigned ft_rights(struct frame_table *ft, envid_t env, uint64_t pfn);
/* Whether env owns pfn outright (not being taken, not parked): the answer ft_rights gives
 * as RIGHTS_ALL for an owner, read without the lock. Only env itself changes that answer
 * from true to false (by freeing the frame) except exo's repossession, which marks the
 * frame first; so an owner asking about its own frame gets a stable answer. */
bool ft_owns(struct frame_table *ft, envid_t env, uint64_t pfn);
/* Counts a mapping of pfn by env (which must hold it with the prot's rights): 0, -EPERM. */
int ft_map_get(struct frame_table *ft, envid_t env, uint64_t pfn, unsigned prot);
/* Uncounts a mapping made by ft_map_get; with release, a grantee that now maps pfn nowhere
 * also lets go of its grant (ft_release in the same critical section). */
void ft_map_put_release(struct frame_table *ft, envid_t env, uint64_t pfn, bool release);
/* Uncounts a mapping made by ft_map_get. */
void ft_map_put(struct frame_table *ft, envid_t env, uint64_t pfn);
/* Number of mappings env has of pfn. */
uint32_t ft_maps(struct frame_table *ft, envid_t env, uint64_t pfn);
/* A grantee that is the last holder of an orphaned frame becomes its owner (so a
 * copy-on-write writer can reuse the page): 0, -EPERM if others still hold it. */
int ft_adopt(struct frame_table *ft, envid_t env, uint64_t pfn);
/* How many environments hold pfn (0 if env itself does not hold it). */
unsigned ft_holders(struct frame_table *ft, envid_t env, uint64_t pfn);
/* Lets go of everything env holds (after the caller has unmapped all of env's pages). */
void ft_release_env(struct frame_table *ft, envid_t env);
bool ft_manages(const struct frame_table *ft, uint64_t pfn);

/*
 * Repossession (exo/reclaim.c drives it, exo/frame.h describes the protocol). Taking a frame
 * is three steps: ft_take_begin marks the frames (no new mapping or grant from then on), the
 * caller unmaps each from every holder in ft_holder_list, and ft_take_finish drops every
 * hold. A frame the victim owns goes back to the allocator; one it only holds through a grant
 * is *parked* with its owner, whose bookkeeping names it by address: the owner cannot map,
 * grant or adopt it any more and it is not reused until the owner frees it, so a stale
 * address in the owner's records can never reach another environment's data.
 */
#define FT_TAKE_MAX_HOLDERS 16 /* frames shared more widely than this are never taken */

/* Marks up to max frames victim holds as being taken (frames it owns first, then frames it
 * was granted) and stores their numbers in pfns. From then on no holder has rights on them. Skips
 * frames already being taken or parked and frames with more than FT_TAKE_MAX_HOLDERS holders.
 * Returns how many were marked; 0 for a victim that is not an environment (ENV_EXO, ENV_ORPHAN,
 * ENV_NONE). */
size_t ft_take_begin(struct frame_table *ft, envid_t victim, uint64_t *pfns, size_t max);
/* The environments holding pfn, owner first: at most max into envs; returns how many. */
size_t ft_holder_list(struct frame_table *ft, uint64_t pfn, envid_t *envs, size_t max);

enum ft_take_result {
    FT_TAKE_FREED = 1,  /* back to the allocator */
    FT_TAKE_PARKED = 2, /* parked with its owner (who was not the victim) */
    FT_TAKE_GONE = 3,   /* its holders let go of it while it was being taken */
};
/* What one holder lost in ft_take_finish: how is EXO_TAKEN_OWNED, _GRANT or _PARKED. */
struct ft_loss {
    envid_t env;
    unsigned how;
};
/* Finishes taking pfn from victim (marked by ft_take_begin): drops every grant and then the
 * owner's hold (victim's frame, or an orphan) or parks it (another owner's). Fills lost
 * (room for FT_TAKE_MAX_HOLDERS) with who lost what and *nlost with how many. Returns an
 * ft_take_result, or -EBUSY with nothing changed while a holder still maps it. */
int ft_take_finish(struct frame_table *ft, uint64_t pfn, envid_t victim, struct ft_loss *lost,
                   size_t *nlost);
/* Whether env owns pfn by name only: parked, or being taken (it has no rights then). */
bool ft_parked_with(struct frame_table *ft, envid_t env, uint64_t pfn);
/* Gives up taking pfn (ft_take_begin's mark is cleared). */
void ft_take_abort(struct frame_table *ft, uint64_t pfn);
/* Adds to counts[env % nslots] one for every frame env owns and every grant it holds, for
 * every env > 0; frames being taken or parked are not counted (they cannot be taken). */
void ft_tally(struct frame_table *ft, uint32_t *counts, size_t nslots);

#endif
