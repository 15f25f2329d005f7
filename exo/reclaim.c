/*
 * Visible revocation of memory (the protocol is described in exo/include/exo/frame.h):
 * when the free pool runs short, ask the libOS; if that is not enough, repossess frames from
 * a victim environment, record what was taken and tell everyone who lost something.
 */
#include <exo/frame.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <lib/spinlock.h>
#include <mm/mm.h>
#include "exo.h"
#include "frame_table.h"

#define MAX_TOLD 32 /* environments told per repossession (the rest read their record) */
#define ROUNDS   3  /* ask-then-take rounds per allocation */

extern struct frame_table frame_table;
static exo_reclaim_fn reclaim_handler;
static exo_repossess_fn repossess_handler;
/* One repossession at a time (it uses env_pick_victim's scratch and takes the frames of one
 * victim as a whole). Never held while calling the libOS. */
static struct spinlock reclaim_lock = SPINLOCK_INIT("reclaim");

struct repossession {
    envid_t victim;
    size_t taken, freed, parked;
    envid_t told[MAX_TOLD];
    size_t ntold;
};

void exo_set_reclaim_handler(exo_reclaim_fn fn)
{
    WRITE_ONCE(reclaim_handler, fn);
}

void exo_set_repossess_handler(exo_repossess_fn fn)
{
    WRITE_ONCE(repossess_handler, fn);
}

static void note_told(struct repossession *r, envid_t env)
{
    for (size_t i = 0; i < r->ntold; i++) {
        if (r->told[i] == env)
            return;
    }
    if (r->ntold < MAX_TOLD)
        r->told[r->ntold++] = env;
}

/* Unmaps pfn from every holder until none maps it, then drops every hold and records the
 * losses. A holder's first mapping address goes into its record entry. */
static void take_frame(struct repossession *r, uint64_t pfn)
{
    envid_t holders[FT_TAKE_MAX_HOLDERS];
    uint64_t va[FT_TAKE_MAX_HOLDERS] = {0};
    struct ft_loss lost[FT_TAKE_MAX_HOLDERS];
    size_t nholders = ft_holder_list(&frame_table, pfn, holders, FT_TAKE_MAX_HOLDERS), nlost;
    int res = -EBUSY;
    /* exo_map calls that passed their rights check before the frame was marked may still
     * land after a first sweep: sweep again (the mark stops any new one). */
    for (int sweep = 0; sweep < 4 && res == -EBUSY; sweep++) {
        for (size_t i = 0; i < nholders; i++) {
            uint64_t first = env_unmap_frame(holders[i], pfn << PAGE_SHIFT);
            if (!va[i])
                va[i] = first;
        }
        res = ft_take_finish(&frame_table, pfn, r->victim, lost, &nlost);
    }
    if (res == -EBUSY) {
        ft_take_abort(&frame_table, pfn);
        return;
    }
    r->freed += res != FT_TAKE_PARKED;
    r->parked += res == FT_TAKE_PARKED;
    r->taken += res != FT_TAKE_GONE;
    for (size_t i = 0; res != FT_TAKE_GONE && i < nlost; i++) {
        struct exo_taken t = {pfn << PAGE_SHIFT, 0, r->victim, lost[i].how};
        for (size_t h = 0; h < nholders; h++) {
            if (holders[h] == lost[i].env)
                t.va = va[h];
        }
        env_record_loss(lost[i].env, &t);
        note_told(r, lost[i].env);
    }
}

/* Takes up to want frames from the environment chosen by the policy (never requester). */
static void repossess(envid_t requester, size_t want, struct repossession *r)
{
    uint64_t pfns[64];
    spin_lock(&reclaim_lock);
    r->victim = env_pick_victim(requester);
    size_t n = r->victim ? ft_take_begin(&frame_table, r->victim, pfns, MIN(want, 64)) : 0;
    for (size_t i = 0; i < n; i++)
        take_frame(r, pfns[i]);
    spin_unlock(&reclaim_lock);
}

/* Says what was taken (console) and calls the repossession vector for each loser. */
static void announce(const struct repossession *r, size_t wanted)
{
    kprintf("exo: took %lu frames from env %d for a request of %lu: %lu freed, %lu parked "
            "with their owner\n",
            (unsigned long)r->taken, r->victim, (unsigned long)wanted, (unsigned long)r->freed,
            (unsigned long)r->parked);
    exo_repossess_fn vector = READ_ONCE(repossess_handler);
    for (size_t i = 0; vector && i < r->ntold; i++)
        vector(r->told[i]);
}

int reclaim_alloc(envid_t env, unsigned order, uint64_t *pfn)
{
    size_t wanted = 1UL << order;
    for (int round = 0; round < ROUNDS; round++) {
        exo_reclaim_fn ask = READ_ONCE(reclaim_handler);
        if (ask && ask(wanted) && !env_frame_alloc(env, order, pfn))
            return 0;
        struct repossession r = {0};
        repossess(env, MAX(wanted, (size_t)EXO_REPOSSESS_BATCH), &r);
        if (r.taken)
            announce(&r, wanted);
        if (!r.freed)
            return -ENOMEM; /* nothing came back to the pool: parked frames wait for their owner */
        if (!env_frame_alloc(env, order, pfn))
            return 0;
    }
    return -ENOMEM;
}
