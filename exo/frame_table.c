/* Frame ownership, grants and reference counts (see frame_table.h). Hardware-free. */
#include <string.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include "frame_table.h"

#define RIGHTS_ALL (EXO_RIGHT_READ | EXO_RIGHT_WRITE)

static struct frame *frame_of(struct frame_table *ft, uint64_t pfn)
{
    return ft_manages(ft, pfn) ? &ft->frames[pfn - ft->base_pfn] : NULL;
}

static struct grant **bucket(struct frame_table *ft, uint64_t pfn, envid_t env)
{
    uint64_t h = (pfn * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)(uint32_t)env;
    return &ft->buckets[(h >> 20) % GRANT_BUCKETS];
}

/* The link pointing at env's grant of pfn, or NULL. */
static struct grant **grant_link(struct frame_table *ft, uint64_t pfn, envid_t env)
{
    for (struct grant **g = bucket(ft, pfn, env); *g; g = &(*g)->hash_next) {
        if ((*g)->pfn == pfn && (*g)->env == env)
            return g;
    }
    return NULL;
}

static uint32_t *owned_count(struct frame_table *ft, envid_t env)
{
    return &ft->env_owned[(uint32_t)env % FT_ENV_SLOTS];
}

static uint32_t *grant_count(struct frame_table *ft, envid_t env)
{
    return &ft->env_grants[(uint32_t)env % FT_ENV_SLOTS];
}

/* Makes owner f's owner, keeping the per-environment counts. Lock held. */
static void set_owner(struct frame_table *ft, struct frame *f, envid_t owner)
{
    if (f->owner > 0)
        --*owned_count(ft, f->owner);
    if (owner > 0)
        ++*owned_count(ft, owner);
    f->owner = owner;
}

bool ft_manages(const struct frame_table *ft, uint64_t pfn)
{
    return pfn >= ft->base_pfn && pfn - ft->base_pfn < ft->nframes;
}

void ft_init(struct frame_table *ft, uint64_t base_pfn, uint64_t nframes, struct frame *frames,
             const struct frame_table_ops *ops)
{
    memset(ft, 0, sizeof(*ft));
    ft->base_pfn = base_pfn;
    ft->nframes = nframes;
    ft->frames = frames;
    ft->ops = ops;
    spin_init(&ft->lock, "frame_table");
    memset(frames, 0, nframes * sizeof(*frames));
    ft->free_count = nframes;
}

/* Drops one holder; the frame goes back to the allocator with the last. Lock held. */
static void put_holder(struct frame_table *ft, uint64_t pfn, struct frame *f)
{
    KASSERT(f->holders > 0);
    if (--f->holders == 0) {
        set_owner(ft, f, ENV_NONE);
        f->state = 0;
        ft->free_count++;
        ft->ops->free_frame(pfn);
    }
}

int ft_alloc(struct frame_table *ft, envid_t owner, unsigned order, uint64_t *pfn)
{
    if (owner == ENV_NONE || owner == ENV_ORPHAN || order > 10)
        return -EINVAL;
    uint64_t first;
    if (ft->ops->alloc_frames(order, &first))
        return -ENOMEM;
    spin_lock(&ft->lock);
    for (uint64_t i = 0; i < (1ULL << order); i++) {
        struct frame *f = frame_of(ft, first + i);
        KASSERT(f && f->holders == 0 && f->owner == ENV_NONE);
        set_owner(ft, f, owner);
        f->holders = 1;
        f->owner_maps = 0;
        f->state = 0;
        ft->free_count--;
    }
    spin_unlock(&ft->lock);
    for (uint64_t i = 0; i < (1ULL << order); i++)
        ft->ops->zero_frame(first + i);
    *pfn = first;
    return 0;
}

int ft_free(struct frame_table *ft, envid_t owner, uint64_t pfn)
{
    int err = 0;
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    if (!f || owner == ENV_NONE || owner == ENV_ORPHAN)
        err = -EINVAL;
    else if (f->owner != owner)
        err = -EPERM;
    else if (f->owner_maps)
        err = -EBUSY;
    else {
        set_owner(ft, f, f->holders > 1 ? ENV_ORPHAN : owner);
        put_holder(ft, pfn, f);
    }
    spin_unlock(&ft->lock);
    return err;
}

/* A re-grant: changes the rights of grantee's existing grant of pfn (the caller remaps).
 * false if there is no such grant or the owner may not grant pfn now. */
static bool regrant(struct frame_table *ft, envid_t owner, uint64_t pfn, envid_t grantee,
                    unsigned rights)
{
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    struct grant **g = NULL;
    bool done = f && f->owner == owner && owner > 0 && !f->state &&
                (g = grant_link(ft, pfn, grantee)) != NULL;
    if (done)
        (*g)->rights = rights;
    spin_unlock(&ft->lock);
    return done;
}

int ft_grant(struct frame_table *ft, envid_t owner, uint64_t pfn, envid_t grantee, unsigned rights)
{
    if (!(rights & EXO_RIGHT_READ) || (rights & ~RIGHTS_ALL) || grantee <= 0 || owner == grantee)
        return -EINVAL;
    if (regrant(ft, owner, pfn, grantee, rights))
        return 0; /* no allocation for the common re-grant */
    struct grant *fresh = ft->ops->alloc_obj(sizeof(*fresh));
    if (!fresh)
        return -ENOMEM;
    int err = 0;
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    struct grant **g;
    if (!f)
        err = -EINVAL;
    else if (f->owner != owner || owner <= 0 || f->state)
        err = -EPERM;
    else if ((g = grant_link(ft, pfn, grantee))) {
        (*g)->rights = rights; /* a re-grant changes the rights (the caller remaps) */
    } else if (f->holders == UINT16_MAX) {
        err = -ENOMEM;
    } else {
        *fresh = (struct grant){pfn, grantee, rights, 0, NULL};
        struct grant **b = bucket(ft, pfn, grantee);
        fresh->hash_next = *b;
        *b = fresh;
        f->holders++;
        ++*grant_count(ft, grantee);
        fresh = NULL;
    }
    spin_unlock(&ft->lock);
    if (fresh)
        ft->ops->free_obj(fresh);
    return err;
}

/* Removes and frees grant *link, dropping its hold. Lock held. */
static void drop_grant(struct frame_table *ft, struct grant **link)
{
    struct grant *g = *link;
    *link = g->hash_next;
    --*grant_count(ft, g->env);
    put_holder(ft, g->pfn, frame_of(ft, g->pfn));
    ft->ops->free_obj(g);
}

static int drop_checked(struct frame_table *ft, uint64_t pfn, envid_t grantee, envid_t owner)
{
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    struct grant **link = f ? grant_link(ft, pfn, grantee) : NULL;
    int err = 0;
    if (!f)
        err = -EINVAL;
    else if (owner != ENV_NONE && f->owner != owner)
        err = -EPERM;
    else if (!link)
        err = owner != ENV_NONE ? -EINVAL : -EPERM;
    else if ((*link)->maps)
        err = -EBUSY;
    else
        drop_grant(ft, link);
    spin_unlock(&ft->lock);
    return err;
}

int ft_revoke(struct frame_table *ft, envid_t owner, uint64_t pfn, envid_t grantee)
{
    if (owner <= 0)
        return -EINVAL;
    return drop_checked(ft, pfn, grantee, owner);
}

int ft_release(struct frame_table *ft, envid_t grantee, uint64_t pfn)
{
    return drop_checked(ft, pfn, grantee, ENV_NONE);
}

static unsigned rights_locked(struct frame_table *ft, envid_t env, uint64_t pfn)
{
    struct frame *f = frame_of(ft, pfn);
    if (!f || env <= 0 || f->state) /* being taken or parked: nobody has rights any more */
        return 0;
    if (f->owner == env)
        return RIGHTS_ALL;
    struct grant **g = grant_link(ft, pfn, env);
    return g ? (*g)->rights : 0;
}

bool ft_owns(struct frame_table *ft, envid_t env, uint64_t pfn)
{
    struct frame *f = frame_of(ft, pfn);
    return f && env > 0 && __atomic_load_n(&f->owner, __ATOMIC_RELAXED) == env &&
           !__atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
}

unsigned ft_rights(struct frame_table *ft, envid_t env, uint64_t pfn)
{
    spin_lock(&ft->lock);
    unsigned r = rights_locked(ft, env, pfn);
    spin_unlock(&ft->lock);
    return r;
}

int ft_map_get(struct frame_table *ft, envid_t env, uint64_t pfn, unsigned prot)
{
    unsigned need = (prot & EXO_PROT_WRITE) ? RIGHTS_ALL : EXO_RIGHT_READ;
    int err = 0;
    spin_lock(&ft->lock);
    unsigned have = rights_locked(ft, env, pfn);
    if ((have & need) != need || frame_of(ft, pfn)->state) {
        err = -EPERM;
    } else {
        struct frame *f = frame_of(ft, pfn);
        if (f->owner == env)
            f->owner_maps++;
        else
            (*grant_link(ft, pfn, env))->maps++;
    }
    spin_unlock(&ft->lock);
    return err;
}

void ft_map_put_release(struct frame_table *ft, envid_t env, uint64_t pfn, bool release)
{
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    KASSERT(f);
    if (f->owner == env) {
        KASSERT(f->owner_maps > 0);
        f->owner_maps--;
    } else {
        struct grant **g = grant_link(ft, pfn, env);
        KASSERT(g && (*g)->maps > 0);
        if (--(*g)->maps == 0 && release)
            drop_grant(ft, g);
    }
    spin_unlock(&ft->lock);
}

void ft_map_put(struct frame_table *ft, envid_t env, uint64_t pfn)
{
    ft_map_put_release(ft, env, pfn, false);
}

uint32_t ft_maps(struct frame_table *ft, envid_t env, uint64_t pfn)
{
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    uint32_t n = 0;
    if (f && f->owner == env) {
        n = f->owner_maps;
    } else if (f) {
        struct grant **g = grant_link(ft, pfn, env);
        n = g ? (*g)->maps : 0;
    }
    spin_unlock(&ft->lock);
    return n;
}

void ft_release_env(struct frame_table *ft, envid_t env)
{
    spin_lock(&ft->lock);
    for (size_t b = 0; b < GRANT_BUCKETS && *grant_count(ft, env); b++) {
        struct grant **link = &ft->buckets[b];
        while (*link) {
            if ((*link)->env == env) {
                KASSERT((*link)->maps == 0);
                drop_grant(ft, link);
            } else {
                link = &(*link)->hash_next;
            }
        }
    }
    for (uint64_t i = 0; i < ft->nframes && *owned_count(ft, env); i++) {
        struct frame *f = &ft->frames[i];
        if (f->owner == env && f->holders) {
            KASSERT(f->owner_maps == 0);
            set_owner(ft, f, f->holders > 1 ? ENV_ORPHAN : env);
            put_holder(ft, ft->base_pfn + i, f);
        }
    }
    spin_unlock(&ft->lock);
}

int ft_adopt(struct frame_table *ft, envid_t env, uint64_t pfn)
{
    int err = 0;
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    struct grant **link = f ? grant_link(ft, pfn, env) : NULL;
    if (!f || env <= 0)
        err = -EINVAL;
    else if (!link || f->owner != ENV_ORPHAN || f->holders != 1 || f->state)
        err = -EPERM;
    else {
        struct grant *g = *link;
        *link = g->hash_next;
        set_owner(ft, f, env);
        --*grant_count(ft, env);
        f->owner_maps = (uint16_t)g->maps;
        ft->ops->free_obj(g);
    }
    spin_unlock(&ft->lock);
    return err;
}

unsigned ft_holders(struct frame_table *ft, envid_t env, uint64_t pfn)
{
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    unsigned n = f && rights_locked(ft, env, pfn) ? f->holders : 0;
    spin_unlock(&ft->lock);
    return n;
}

/* Calls fn on the link of every grant of pfn (fn may unlink it). Lock held. */
static void for_each_grant_of(struct frame_table *ft, uint64_t pfn,
                              void (*fn)(struct frame_table *, struct grant **, void *), void *arg)
{
    for (size_t b = 0; b < GRANT_BUCKETS; b++) {
        struct grant **link = &ft->buckets[b];
        while (*link) {
            struct grant *g = *link;
            if (g->pfn == pfn)
                fn(ft, link, arg);
            if (*link == g)
                link = &g->hash_next;
        }
    }
}

/* Whether victim's hold of f (frame pfn) may be taken: in use, not already being taken or
 * parked, not shared too widely. Lock held. */
static bool takeable(struct frame *f)
{
    return f->holders && !f->state && f->holders <= FT_TAKE_MAX_HOLDERS;
}

size_t ft_take_begin(struct frame_table *ft, envid_t victim, uint64_t *pfns, size_t max)
{
    size_t n = 0;
    if (victim <= 0)
        return 0;
    spin_lock(&ft->lock);
    for (uint64_t i = 0; i < ft->nframes && n < max; i++) {
        struct frame *f = &ft->frames[i];
        if (f->owner == victim && takeable(f)) {
            f->state = FRAME_TAKING;
            pfns[n++] = ft->base_pfn + i;
        }
    }
    for (size_t b = 0; b < GRANT_BUCKETS && n < max; b++) {
        for (struct grant *g = ft->buckets[b]; g && n < max; g = g->hash_next) {
            struct frame *f = frame_of(ft, g->pfn);
            if (g->env == victim && takeable(f)) {
                f->state = FRAME_TAKING;
                pfns[n++] = g->pfn;
            }
        }
    }
    spin_unlock(&ft->lock);
    return n;
}

struct env_list {
    envid_t *envs;
    size_t n, max;
};

static void list_grantee(struct frame_table *ft, struct grant **link, void *arg)
{
    (void)ft;
    struct env_list *l = arg;
    if (l->n < l->max)
        l->envs[l->n++] = (*link)->env;
}

size_t ft_holder_list(struct frame_table *ft, uint64_t pfn, envid_t *envs, size_t max)
{
    struct env_list l = {envs, 0, max};
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    if (f && f->holders) {
        if (f->owner > 0 && max)
            envs[l.n++] = f->owner;
        for_each_grant_of(ft, pfn, list_grantee, &l);
    }
    spin_unlock(&ft->lock);
    return l.n;
}

struct loss_list {
    struct ft_loss *lost;
    size_t n;
    bool mapped;
};

static void check_unmapped(struct frame_table *ft, struct grant **link, void *arg)
{
    (void)ft;
    if ((*link)->maps)
        ((struct loss_list *)arg)->mapped = true;
}

static void take_grant(struct frame_table *ft, struct grant **link, void *arg)
{
    struct loss_list *l = arg;
    KASSERT(l->n < FT_TAKE_MAX_HOLDERS);
    l->lost[l->n++] = (struct ft_loss){(*link)->env, EXO_TAKEN_GRANT};
    drop_grant(ft, link);
}

/* Drops the owner's hold of f after its grants are gone: frees the victim's (or an orphan's,
 * which has no owner hold left), parks another owner's. Lock held. */
static int take_owner_hold(struct frame_table *ft, uint64_t pfn, struct frame *f, envid_t victim,
                           struct loss_list *l)
{
    if (!f->holders)
        return FT_TAKE_FREED; /* the last grant was the orphan's last holder */
    if (f->owner != victim) {
        f->state = FRAME_PARKED;
        l->lost[l->n++] = (struct ft_loss){f->owner, EXO_TAKEN_PARKED};
        return FT_TAKE_PARKED;
    }
    l->lost[l->n++] = (struct ft_loss){f->owner, EXO_TAKEN_OWNED};
    put_holder(ft, pfn, f);
    return FT_TAKE_FREED;
}

int ft_take_finish(struct frame_table *ft, uint64_t pfn, envid_t victim, struct ft_loss *lost,
                   size_t *nlost)
{
    struct loss_list l = {lost, 0, false};
    int ret;
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    if (!f || f->state != FRAME_TAKING) {
        ret = FT_TAKE_GONE; /* let go and freed (perhaps reused) meanwhile */
    } else {
        for_each_grant_of(ft, pfn, check_unmapped, &l);
        if (l.mapped || f->owner_maps) {
            ret = -EBUSY;
        } else {
            for_each_grant_of(ft, pfn, take_grant, &l);
            ret = take_owner_hold(ft, pfn, f, victim, &l);
        }
    }
    spin_unlock(&ft->lock);
    *nlost = l.n;
    return ret;
}

bool ft_parked_with(struct frame_table *ft, envid_t env, uint64_t pfn)
{
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    bool parked = f && f->owner == env && env > 0 && f->state;
    spin_unlock(&ft->lock);
    return parked;
}

void ft_take_abort(struct frame_table *ft, uint64_t pfn)
{
    spin_lock(&ft->lock);
    struct frame *f = frame_of(ft, pfn);
    if (f && f->state == FRAME_TAKING)
        f->state = 0;
    spin_unlock(&ft->lock);
}

void ft_tally(struct frame_table *ft, uint32_t *counts, size_t nslots)
{
    spin_lock(&ft->lock);
    for (uint64_t i = 0; i < ft->nframes; i++) {
        struct frame *f = &ft->frames[i];
        if (f->owner > 0 && f->holders && !f->state)
            counts[(uint32_t)f->owner % nslots]++;
    }
    for (size_t b = 0; b < GRANT_BUCKETS; b++) {
        for (struct grant *g = ft->buckets[b]; g; g = g->hash_next) {
            if (!frame_of(ft, g->pfn)->state)
                counts[(uint32_t)g->env % nslots]++;
        }
    }
    spin_unlock(&ft->lock);
}
