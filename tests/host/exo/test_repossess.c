/* Repossession's hardware-free logic: taking frames in the frame table (freed, parked,
 * raced, refused), victim choice and repossession records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include "fake_frames.h"
#include "repossess.h"

#define NFRAMES FAKE_NFRAMES
#define BASE    5000
#define LIBOS   EXO_ENV_LIBOS
#define V       7 /* the victim */
#define W       9 /* another environment */

static struct frame frames[NFRAMES];
static struct frame_table ft;

static int setup(void **state)
{
    (void)state;
    fake_frames_init(&ft, frames, BASE);
    return 0;
}

/* Lets every test environment go, which frees the grants the test left behind. */
static int teardown(void **state)
{
    (void)state;
    envid_t envs[] = {LIBOS, V, W};
    for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
        ft_release_env(&ft, envs[i]);
    for (envid_t e = 100; e < 100 + FT_TAKE_MAX_HOLDERS; e++)
        ft_release_env(&ft, e);
    return 0;
}

static uint64_t alloc_for(envid_t env)
{
    uint64_t pfn;
    assert_int_equal(ft_alloc(&ft, env, 0, &pfn), 0);
    return pfn;
}

/* Finishes taking pfn, which must succeed with want; returns the losses. */
static size_t finish(uint64_t pfn, envid_t victim, int want, struct ft_loss *lost)
{
    size_t n = 99;
    assert_int_equal(ft_take_finish(&ft, pfn, victim, lost, &n), want);
    return n;
}

static void test_take_owned_frame_frees_it(void **state)
{
    (void)state;
    uint64_t a = alloc_for(V), b = alloc_for(V);
    assert_int_equal(ft_grant(&ft, V, b, W, EXO_RIGHT_READ), 0);
    uint64_t pfns[8];
    assert_int_equal(ft_take_begin(&ft, V, pfns, 8), 2);
    /* Marked: no new mapping, grant or adoption, even for the owner. */
    assert_int_equal(ft_map_get(&ft, V, a, EXO_PROT_READ), -EPERM);
    assert_int_equal(ft_map_get(&ft, W, b, EXO_PROT_READ), -EPERM);
    assert_int_equal(ft_grant(&ft, V, a, W, EXO_RIGHT_READ), -EPERM);
    envid_t holders[FT_TAKE_MAX_HOLDERS];
    assert_int_equal(ft_holder_list(&ft, b, holders, FT_TAKE_MAX_HOLDERS), 2);
    assert_int_equal(holders[0], V);
    assert_int_equal(holders[1], W);
    struct ft_loss lost[FT_TAKE_MAX_HOLDERS];
    assert_int_equal(finish(a, V, FT_TAKE_FREED, lost), 1);
    assert_int_equal(lost[0].env, V);
    assert_int_equal(lost[0].how, EXO_TAKEN_OWNED);
    assert_int_equal(finish(b, V, FT_TAKE_FREED, lost), 2);
    assert_int_equal(lost[0].env, W);
    assert_int_equal(lost[0].how, EXO_TAKEN_GRANT);
    assert_int_equal(lost[1].env, V);
    assert_int_equal(fake.frees, 2);
    assert_int_equal(ft_rights(&ft, V, a), 0);
    assert_int_equal(ft_rights(&ft, W, b), 0);
    assert_int_equal(ft_free(&ft, V, a), -EPERM);
    /* Reused afresh: no mark left behind. */
    uint64_t again = alloc_for(W);
    assert_int_equal(ft_map_get(&ft, W, again, EXO_PROT_READ | EXO_PROT_WRITE), 0);
    ft_map_put(&ft, W, again);
}

static void test_take_granted_frame_parks_it(void **state)
{
    (void)state;
    uint64_t p = alloc_for(LIBOS);
    assert_int_equal(ft_grant(&ft, LIBOS, p, V, EXO_RIGHT_READ | EXO_RIGHT_WRITE), 0);
    assert_int_equal(ft_grant(&ft, LIBOS, p, W, EXO_RIGHT_READ), 0);
    uint64_t pfns[4];
    assert_int_equal(ft_take_begin(&ft, V, pfns, 4), 1);
    assert_int_equal(pfns[0], p);
    struct ft_loss lost[FT_TAKE_MAX_HOLDERS];
    assert_int_equal(finish(p, V, FT_TAKE_PARKED, lost), 3);
    assert_int_equal(lost[2].env, LIBOS);
    assert_int_equal(lost[2].how, EXO_TAKEN_PARKED);
    assert_int_equal(fake.frees, 0);
    /* The owner keeps the name only. */
    assert_true(ft_parked_with(&ft, LIBOS, p));
    assert_false(ft_parked_with(&ft, V, p));
    assert_int_equal(ft_rights(&ft, LIBOS, p), 0);
    assert_int_equal(ft_rights(&ft, V, p), 0);
    assert_int_equal(ft_grant(&ft, LIBOS, p, V, EXO_RIGHT_READ), -EPERM);
    assert_int_equal(ft_holders(&ft, LIBOS, p), 0);
    /* Not counted as takeable, not taken twice. */
    uint32_t counts[16] = {0};
    ft_tally(&ft, counts, 16);
    assert_int_equal(counts[LIBOS], 0);
    assert_int_equal(ft_take_begin(&ft, LIBOS, pfns, 4), 0);
    /* Parked frames are not reused until the owner frees them. */
    for (int i = 0; i < NFRAMES - 1; i++)
        alloc_for(W);
    uint64_t none;
    assert_int_equal(ft_alloc(&ft, W, 0, &none), -ENOMEM);
    assert_int_equal(ft_free(&ft, LIBOS, p), 0);
    assert_int_equal(fake.frees, 1);
    assert_int_equal(ft_alloc(&ft, W, 0, &none), 0);
    assert_int_equal(none, p);
}

static void test_take_refused_while_mapped(void **state)
{
    (void)state;
    uint64_t p = alloc_for(LIBOS);
    assert_int_equal(ft_grant(&ft, LIBOS, p, V, EXO_RIGHT_READ), 0);
    assert_int_equal(ft_map_get(&ft, V, p, EXO_PROT_READ), 0); /* a map that raced the mark */
    uint64_t pfns[1];
    assert_int_equal(ft_take_begin(&ft, V, pfns, 1), 1);
    struct ft_loss lost[FT_TAKE_MAX_HOLDERS];
    size_t n;
    assert_int_equal(ft_take_finish(&ft, p, V, lost, &n), -EBUSY);
    assert_int_equal(n, 0);
    assert_int_equal(ft_maps(&ft, V, p), 1);    /* nothing changed */
    assert_int_equal(ft_rights(&ft, V, p), 0);  /* but no rights while it is being taken */
    assert_true(ft_parked_with(&ft, LIBOS, p)); /* the owner still sees it */
    ft_map_put(&ft, V, p);                      /* the caller unmaps it, then finishes */
    assert_int_equal(finish(p, V, FT_TAKE_PARKED, lost), 2);
    /* Aborting a take that is not in progress changes nothing. */
    ft_take_abort(&ft, p);
    assert_true(ft_parked_with(&ft, LIBOS, p));
    uint64_t q = alloc_for(V);
    assert_int_equal(ft_take_begin(&ft, V, pfns, 1), 1);
    ft_take_abort(&ft, q);
    assert_int_equal(ft_rights(&ft, V, q), EXO_RIGHT_READ | EXO_RIGHT_WRITE);
    assert_int_equal(ft_map_get(&ft, V, q, EXO_PROT_READ), 0);
    ft_map_put(&ft, V, q);
}

static void test_take_raced_by_free_and_destroy(void **state)
{
    (void)state;
    uint64_t a = alloc_for(V), b = alloc_for(LIBOS);
    assert_int_equal(ft_grant(&ft, LIBOS, b, V, EXO_RIGHT_READ), 0);
    uint64_t pfns[4];
    assert_int_equal(ft_take_begin(&ft, V, pfns, 4), 2);
    /* The victim lets go of everything (destroyed), the owner frees b: both frames went
     * back to the pool, and one is even reused, before the take finishes. */
    ft_release_env(&ft, V);
    assert_int_equal(ft_free(&ft, LIBOS, b), 0);
    uint64_t reused = alloc_for(W);
    struct ft_loss lost[FT_TAKE_MAX_HOLDERS];
    assert_int_equal(finish(a, V, FT_TAKE_GONE, lost), 0);
    assert_int_equal(finish(b, V, FT_TAKE_GONE, lost), 0);
    assert_int_equal(ft_rights(&ft, W, reused), EXO_RIGHT_READ | EXO_RIGHT_WRITE);
    assert_int_equal(fake.frees, 2);
}

static void test_take_orphan_grant(void **state)
{
    (void)state;
    uint64_t p = alloc_for(W);
    assert_int_equal(ft_grant(&ft, W, p, V, EXO_RIGHT_READ), 0);
    assert_int_equal(ft_free(&ft, W, p), 0); /* orphan: V is its last holder */
    uint64_t pfns[1];
    assert_int_equal(ft_take_begin(&ft, V, pfns, 1), 1);
    assert_int_equal(ft_adopt(&ft, V, p), -EPERM);
    struct ft_loss lost[FT_TAKE_MAX_HOLDERS];
    assert_int_equal(finish(p, V, FT_TAKE_FREED, lost), 1);
    assert_int_equal(lost[0].how, EXO_TAKEN_GRANT);
    assert_int_equal(fake.frees, 1);
}

static void test_take_refusals(void **state)
{
    (void)state;
    uint64_t own = alloc_for(ENV_EXO), pfns[8];
    (void)own;
    assert_int_equal(ft_take_begin(&ft, ENV_EXO, pfns, 8), 0);
    assert_int_equal(ft_take_begin(&ft, ENV_ORPHAN, pfns, 8), 0);
    assert_int_equal(ft_take_begin(&ft, ENV_NONE, pfns, 8), 0);
    assert_int_equal(ft_take_begin(&ft, V, pfns, 8), 0); /* holds nothing */
    /* A frame shared by more than FT_TAKE_MAX_HOLDERS environments is not taken. */
    uint64_t shared = alloc_for(LIBOS);
    for (envid_t e = 100; e < 100 + FT_TAKE_MAX_HOLDERS; e++)
        assert_int_equal(ft_grant(&ft, LIBOS, shared, e, EXO_RIGHT_READ), 0);
    assert_int_equal(ft_take_begin(&ft, 100, pfns, 8), 0);
    assert_int_equal(ft_release(&ft, 100, shared), 0);
    assert_int_equal(ft_take_begin(&ft, 101, pfns, 8), 1);
    /* At most max frames are marked. */
    for (int i = 0; i < 5; i++)
        alloc_for(V);
    assert_int_equal(ft_take_begin(&ft, V, pfns, 3), 3);
    assert_int_equal(ft_take_begin(&ft, V, pfns, 8), 2);
}

static void test_tally_and_victim(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        alloc_for(V);
    uint64_t p = alloc_for(LIBOS);
    alloc_for(LIBOS);
    assert_int_equal(ft_grant(&ft, LIBOS, p, W, EXO_RIGHT_READ), 0);
    alloc_for(ENV_EXO);
    uint32_t held[16] = {0};
    ft_tally(&ft, held, 16);
    assert_int_equal(held[V], 3);
    assert_int_equal(held[W], 1);
    assert_int_equal(held[LIBOS], 2);
    envid_t ids[16] = {0};
    ids[LIBOS] = LIBOS;
    ids[V] = V;
    ids[W] = W;
    assert_int_equal(repo_pick_victim(ids, held, 16, W), V);
    assert_int_equal(repo_pick_victim(ids, held, 16, V), W); /* never the requester */
    held[W] = 3;
    assert_int_equal(repo_pick_victim(ids, held, 16, 0), V); /* ties: lowest slot */
    held[V] = held[W] = 0;
    assert_int_equal(repo_pick_victim(ids, held, 16, 0), 0); /* never the libOS */
    held[V] = 5;
    ids[V] = 0; /* free slot */
    assert_int_equal(repo_pick_victim(ids, held, 16, 0), 0);
}

static void test_records(void **state)
{
    (void)state;
    struct repo_record r = {0};
    struct exo_taken out[EXO_TAKEN_RECORD + 4];
    uint64_t dropped = 99;
    assert_int_equal(repo_record_read(&r, out, 4, &dropped), 0);
    assert_int_equal(dropped, 0);
    for (uint64_t i = 0; i < EXO_TAKEN_RECORD + 3; i++) {
        struct exo_taken t = {i << 12, 0x1000 + i, V, EXO_TAKEN_OWNED};
        repo_record_add(&r, &t);
    }
    assert_int_equal(repo_record_read(&r, out, 5, &dropped), 5);
    assert_int_equal(dropped, 3);
    assert_int_equal(out[0].pa, 0);
    assert_int_equal(out[4].va, 0x1004);
    struct exo_taken t = {0x77000, 0, W, EXO_TAKEN_GRANT};
    repo_record_add(&r, &t); /* wraps around the ring */
    assert_int_equal(repo_record_read(&r, out, EXO_TAKEN_RECORD + 4, &dropped),
                     EXO_TAKEN_RECORD - 5 + 1);
    assert_int_equal(dropped, 0);
    assert_int_equal(out[0].pa, 5 << 12);
    assert_int_equal(out[EXO_TAKEN_RECORD - 5].pa, 0x77000);
    assert_int_equal(out[EXO_TAKEN_RECORD - 5].victim, W);
    assert_int_equal(repo_record_read(&r, out, 4, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_take_owned_frame_frees_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_granted_frame_parks_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_refused_while_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_raced_by_free_and_destroy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_orphan_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tally_and_victim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
