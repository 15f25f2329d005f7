#include "support.h"
#include <stdlib.h>
#include <string.h>

uint64_t test_clock_ns;

static void *test_alloc(size_t n)
{
    return calloc(1, n);
}

static uint64_t test_now(int clockid)
{
    (void)clockid;
    return test_clock_ns;
}

const struct ipc_env test_env = {test_alloc, free, test_now};

static void recorder_wake(struct ipc_poll_entry *e, uint32_t events)
{
    struct recorder *r = e->priv;
    r->wakes++;
    r->events |= events;
}

void recorder_attach(struct recorder *r, struct ipc_pollq *q)
{
    memset(r, 0, sizeof(*r));
    r->entry.wake = recorder_wake;
    r->entry.priv = r;
    ipc_pollq_add(q, &r->entry);
}

static void rec_table_queue(struct ipc_poll_table *pt, struct ipc_pollq *q)
{
    struct rec_table *t = (struct rec_table *)pt;
    if (t->n < 4) {
        recorder_attach(&t->rec[t->n], q);
        t->q[t->n++] = q;
    }
}

void rec_table_init(struct rec_table *t)
{
    memset(t, 0, sizeof(*t));
    t->pt.queue = rec_table_queue;
}

void rec_table_detach(struct rec_table *t)
{
    for (int i = 0; i < t->n; i++)
        ipc_pollq_remove(t->q[i], &t->rec[i].entry);
    t->n = 0;
}

int rec_table_wakes(const struct rec_table *t)
{
    int w = 0;
    for (int i = 0; i < t->n; i++)
        w += t->rec[i].wakes;
    return w;
}
