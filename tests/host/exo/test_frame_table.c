/* Frame ownership, grants, refcounts and every refusal path of exo's frame table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include "fake_frames.h"

#define NFRAMES FAKE_NFRAMES
#define BASE    1000

static struct frame frames[NFRAMES];
static struct frame_table ft;

static int setup(void **state)
{
    (void)state;
    fake_frames_init(&ft, frames, BASE);
    return 0;
}

static void test_alloc_free_owner(void **state)
{
    (void)state;
    uint64_t p;
    assert_int_equal(ft_alloc(&ft, 2, 0, &p), 0);
    assert_int_equal(fake.zeroes, 1);
    assert_int_equal(ft_rights(&ft, 2, p), EXO_RIGHT_READ | EXO_RIGHT_WRITE);
    assert_int_equal(ft_rights(&ft, 3, p), 0);
    assert_int_equal(ft.free_count, NFRAMES - 1);
    assert_int_equal(ft_free(&ft, 3, p), -EPERM);               /* foreign frame */
    assert_int_equal(ft_free(&ft, 2, BASE + NFRAMES), -EINVAL); /* not managed */
    assert_int_equal(ft_free(&ft, 2, p), 0);
    assert_int_equal(fake.frees, 1);
    assert_int_equal(ft_free(&ft, 2, p), -EPERM); /* double free */
    assert_int_equal(ft.free_count, NFRAMES);
}

static void test_contiguous_then_single_frees(void **state)
{
    (void)state;
    uint64_t p;
    assert_int_equal(ft_alloc(&ft, 2, 3, &p), 0);
    assert_int_equal(p % 8, (BASE % 8) == 0 ? 0 : p % 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(ft_rights(&ft, 2, p + i), EXO_RIGHT_READ | EXO_RIGHT_WRITE);
    for (int i = 0; i < 8; i++)
        assert_int_equal(ft_free(&ft, 2, p + i), 0);
    assert_int_equal(fake.frees, 8);
    assert_int_equal(ft_alloc(&ft, 2, 11, &p), -EINVAL);
    assert_int_equal(ft_alloc(&ft, ENV_NONE, 0, &p), -EINVAL);
}

static void test_exhaustion(void **state)
{
    (void)state;
    uint64_t p;
    for (int i = 0; i < NFRAMES; i++)
        assert_int_equal(ft_alloc(&ft, 2, 0, &p), 0);
    assert_int_equal(ft_alloc(&ft, 2, 0, &p), -ENOMEM);
    assert_int_equal(ft.free_count, 0);
}

static void test_grant_rights_and_map_checks(void **state)
{
    (void)state;
    uint64_t p;
    assert_int_equal(ft_alloc(&ft, 2, 0, &p), 0);
    /* Refusals: bad rights, self-grant, foreign owner, unmanaged frame. */
    assert_int_equal(ft_grant(&ft, 2, p, 3, EXO_RIGHT_WRITE), -EINVAL);
    assert_int_equal(ft_grant(&ft, 2, p, 3, 8 | EXO_RIGHT_READ), -EINVAL);
    assert_int_equal(ft_grant(&ft, 2, p, 2, EXO_RIGHT_READ), -EINVAL);
    assert_int_equal(ft_grant(&ft, 4, p, 3, EXO_RIGHT_READ), -EPERM);
    assert_int_equal(ft_grant(&ft, 2, 5, 3, EXO_RIGHT_READ), -EINVAL);
    assert_int_equal(ft_grant(&ft, ENV_EXO, p, 3, EXO_RIGHT_READ), -EPERM);
    assert_int_equal(fake.objs, 0); /* refused grants leak nothing */

    assert_int_equal(ft_grant(&ft, 2, p, 3, EXO_RIGHT_READ), 0);
    assert_int_equal(ft_rights(&ft, 3, p), EXO_RIGHT_READ);
    assert_int_equal(ft_map_get(&ft, 3, p, EXO_PROT_READ | EXO_PROT_EXEC), 0);
    assert_int_equal(ft_map_get(&ft, 3, p, EXO_PROT_WRITE), -EPERM); /* insufficient rights */
    assert_int_equal(ft_map_get(&ft, 4, p, EXO_PROT_READ), -EPERM);  /* no grant at all */
    /* Upgrade by re-granting. */
    assert_int_equal(ft_grant(&ft, 2, p, 3, EXO_RIGHT_READ | EXO_RIGHT_WRITE), 0);
    assert_int_equal(ft_map_get(&ft, 3, p, EXO_PROT_WRITE), 0);
    assert_int_equal(ft_maps(&ft, 3, p), 2);
    assert_int_equal(ft_holders(&ft, 3, p), 2);
    assert_int_equal(ft_holders(&ft, 4, p), 0);
    ft_map_put(&ft, 3, p);
    ft_map_put(&ft, 3, p);
    ft_release_env(&ft, 3);
    assert_int_equal(fake.objs, 0);
}

static void test_revoke_requires_unmap(void **state)
{
    (void)state;
    uint64_t p;
    assert_int_equal(ft_alloc(&ft, 2, 0, &p), 0);
    assert_int_equal(ft_grant(&ft, 2, p, 3, EXO_RIGHT_READ), 0);
    assert_int_equal(ft_map_get(&ft, 3, p, EXO_PROT_READ), 0);
    assert_int_equal(ft_revoke(&ft, 2, p, 3), -EBUSY);
    assert_int_equal(ft_revoke(&ft, 4, p, 3), -EPERM);  /* only the owner revokes */
    assert_int_equal(ft_revoke(&ft, 2, p, 5), -EINVAL); /* no such grant */
    ft_map_put(&ft, 3, p);
    assert_int_equal(ft_revoke(&ft, 2, p, 3), 0);
    assert_int_equal(ft_rights(&ft, 3, p), 0);
    assert_int_equal(fake.objs, 0);
}

static void test_owner_free_while_mapped_and_orphans(void **state)
{
    (void)state;
    uint64_t p;
    assert_int_equal(ft_alloc(&ft, 2, 0, &p), 0);
    assert_int_equal(ft_map_get(&ft, 2, p, EXO_PROT_WRITE), 0);
    assert_int_equal(ft_free(&ft, 2, p), -EBUSY); /* still mapped by the owner */
    ft_map_put(&ft, 2, p);
    /* CoW with three sharers: owner 2 grants read-only to 3 and 4, then lets go. */
    assert_int_equal(ft_grant(&ft, 2, p, 3, EXO_RIGHT_READ), 0);
    assert_int_equal(ft_grant(&ft, 2, p, 4, EXO_RIGHT_READ), 0);
    assert_int_equal(ft_free(&ft, 2, p), 0);
    assert_int_equal(fake.frees, 0); /* grantees keep it alive */
    assert_int_equal(ft_rights(&ft, 2, p), 0);
    assert_int_equal(ft_adopt(&ft, 3, p), -EPERM); /* 4 still holds it */
    assert_int_equal(ft_release(&ft, 4, p), 0);
    assert_int_equal(ft_release(&ft, 4, p), -EPERM); /* released twice */
    assert_int_equal(ft_adopt(&ft, 3, p), 0);        /* last holder becomes the owner */
    assert_int_equal(ft_rights(&ft, 3, p), EXO_RIGHT_READ | EXO_RIGHT_WRITE);
    assert_int_equal(ft_map_get(&ft, 3, p, EXO_PROT_WRITE), 0);
    ft_map_put(&ft, 3, p);
    assert_int_equal(ft_free(&ft, 3, p), 0);
    assert_int_equal(fake.frees, 1);
    assert_int_equal(fake.objs, 0);
}

static void test_release_env(void **state)
{
    (void)state;
    uint64_t a, b, c;
    assert_int_equal(ft_alloc(&ft, 2, 0, &a), 0);
    assert_int_equal(ft_alloc(&ft, 2, 0, &b), 0);
    assert_int_equal(ft_alloc(&ft, 3, 0, &c), 0);
    assert_int_equal(ft_grant(&ft, 2, b, 3, EXO_RIGHT_READ), 0); /* 3 keeps b alive */
    assert_int_equal(ft_grant(&ft, 3, c, 2, EXO_RIGHT_READ), 0); /* 2's grant goes away */
    ft_release_env(&ft, 2);
    assert_int_equal(fake.frees, 1); /* a */
    assert_int_equal(ft_rights(&ft, 3, b), EXO_RIGHT_READ);
    assert_int_equal(ft_rights(&ft, 2, c), 0);
    assert_int_equal(ft_holders(&ft, 3, c), 1);
    ft_release_env(&ft, 3);
    assert_int_equal(fake.frees, 3);
    assert_int_equal(ft.free_count, NFRAMES);
    assert_int_equal(fake.objs, 0);
}

/* Per-environment counts follow ownership through free, orphaning and adoption, so
 * ft_release_env skips its scans only when there is nothing left to find. */
static void test_env_counts(void **state)
{
    (void)state;
    uint64_t a, b;
    assert_int_equal(ft_alloc(&ft, 2, 0, &a), 0);
    assert_int_equal(ft_alloc(&ft, 2, 0, &b), 0);
    assert_int_equal(ft.env_owned[2], 2);
    assert_int_equal(ft_grant(&ft, 2, a, 3, EXO_RIGHT_READ), 0);
    assert_int_equal(ft.env_grants[3], 1);
    assert_int_equal(ft_free(&ft, 2, a), 0); /* orphaned: 3 still holds it */
    assert_int_equal(ft.env_owned[2], 1);
    assert_int_equal(ft_adopt(&ft, 3, a), 0);
    assert_int_equal(ft.env_owned[3], 1);
    assert_int_equal(ft.env_grants[3], 0);
    ft_release_env(&ft, 2);
    ft_release_env(&ft, 3);
    assert_int_equal(ft.env_owned[2] + ft.env_owned[3], 0);
    assert_int_equal(ft.free_count, NFRAMES);
}

/* The last unmap with release lets go of the grant (and of an orphan's frame); a re-grant
 * changes rights without allocating; ft_owns answers for owners only. */
static void test_put_release_regrant_owns(void **state)
{
    (void)state;
    uint64_t p;
    assert_int_equal(ft_alloc(&ft, 2, 0, &p), 0);
    assert_true(ft_owns(&ft, 2, p));
    assert_false(ft_owns(&ft, 3, p));
    assert_int_equal(ft_grant(&ft, 2, p, 3, EXO_RIGHT_READ | EXO_RIGHT_WRITE), 0);
    int allocs_before = fake.obj_allocs;
    assert_int_equal(ft_grant(&ft, 2, p, 3, EXO_RIGHT_READ), 0);
    assert_int_equal(fake.obj_allocs, allocs_before);
    assert_int_equal(ft_rights(&ft, 3, p), EXO_RIGHT_READ);
    assert_int_equal(ft_map_get(&ft, 3, p, EXO_PROT_WRITE), -EPERM);
    assert_int_equal(ft_map_get(&ft, 3, p, EXO_PROT_READ), 0);
    assert_int_equal(ft_map_get(&ft, 3, p, EXO_PROT_READ), 0);
    assert_int_equal(ft_free(&ft, 2, p), 0); /* an orphan now */
    assert_false(ft_owns(&ft, 2, p));
    ft_map_put_release(&ft, 3, p, true); /* still mapped once: the grant stays */
    assert_int_equal(ft_rights(&ft, 3, p), EXO_RIGHT_READ);
    assert_int_equal(fake.frees, 0);
    ft_map_put_release(&ft, 3, p, true);
    assert_int_equal(ft_rights(&ft, 3, p), 0);
    assert_int_equal(fake.frees, 1);
    assert_int_equal(fake.objs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_alloc_free_owner, setup),
        cmocka_unit_test_setup(test_contiguous_then_single_frees, setup),
        cmocka_unit_test_setup(test_exhaustion, setup),
        cmocka_unit_test_setup(test_grant_rights_and_map_checks, setup),
        cmocka_unit_test_setup(test_revoke_requires_unmap, setup),
        cmocka_unit_test_setup(test_owner_free_while_mapped_and_orphans, setup),
        cmocka_unit_test_setup(test_release_env, setup),
        cmocka_unit_test_setup(test_env_counts, setup),
        cmocka_unit_test_setup(test_put_release_regrant_owns, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
