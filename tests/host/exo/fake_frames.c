/* The fake frame allocator of fake_frames.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include "fake_frames.h"

struct fake_frames fake;

static int fake_alloc(unsigned order, uint64_t *pfn)
{
    uint64_t n = 1ULL << order;
    for (uint64_t i = 0; i + n <= FAKE_NFRAMES; i += n) {
        uint64_t k = 0;
        while (k < n && !fake.used[i + k])
            k++;
        if (k == n) {
            memset(&fake.used[i], 1, n);
            *pfn = fake.base + i;
            return 0;
        }
    }
    return -ENOMEM;
}

static void fake_free(uint64_t pfn)
{
    assert_true(pfn >= fake.base && pfn < fake.base + FAKE_NFRAMES);
    assert_true(fake.used[pfn - fake.base]);
    fake.used[pfn - fake.base] = 0;
    fake.frees++;
}

static void fake_zero(uint64_t pfn)
{
    (void)pfn;
    fake.zeroes++;
}

static void *fake_obj(size_t n)
{
    fake.objs++;
    fake.obj_allocs++;
    return malloc(n);
}

static void fake_free_obj(void *p)
{
    fake.objs--;
    free(p);
}

const struct frame_table_ops fake_frame_ops = {fake_alloc, fake_free, fake_zero, fake_obj,
                                               fake_free_obj};

void fake_frames_init(struct frame_table *ft, struct frame *frames, uint64_t base)
{
    memset(&fake, 0, sizeof(fake));
    fake.base = base;
    ft_init(ft, base, FAKE_NFRAMES, frames, &fake_frame_ops);
}
