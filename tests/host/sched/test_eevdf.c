/*
 * libos/sched/eevdf.c against the definitions of Stoica & Abdel-Wahab (1995): a simulated
 * CPU (pick, run until the tick or an event, charge the time) checks fairness, proportional
 * share, wakeup latency and lag across sleep; a brute-force O(n) reference checks
 * eligibility, V and the pick on random queues.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>
#include <libos/sched.h>

#define MS   1000000ull
#define TICK (1 * MS)
#define MAXT 64

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t rnd_range(uint64_t lo, uint64_t hi) /* inclusive */
{
    return lo + rnd() % (hi - lo + 1);
}

static int64_t sabs(int64_t x)
{
    return x < 0 ? -x : x;
}

static struct sched_rq rq, rq2;
static struct sched_entity se[MAXT];

static int setup(void **state)
{
    (void)state;
    rng = 0x2545f4914f6cdd1dull;
    sched_rq_init(&rq, "rq0");
    sched_rq_init(&rq2, "rq1");
    spin_lock(&rq.lock);
    spin_lock(&rq2.lock);
    memset(se, 0, sizeof(se));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    spin_unlock(&rq2.lock);
    spin_unlock(&rq.lock);
    return 0;
}

/* One tick of a simulated CPU: reschedule if asked to, run curr for `ns`. */
static struct sched_entity *run_tick(struct sched_rq *q, uint64_t ns)
{
    if (!q->curr || q->need_resched)
        sched_schedule(q);
    struct sched_entity *c = q->curr;
    if (c)
        sched_tick(q, ns);
    return c;
}

static void add_tasks(int n, const int *nice)
{
    for (int i = 0; i < n; i++) {
        sched_entity_init(&se[i], nice ? nice[i] : 0);
        sched_enqueue(&rq, &se[i], SCHED_ENQ_INITIAL);
    }
    assert_true(sched_rq_check(&rq));
}

/* ---- Brute-force reference from the definitions ---- */

/* Runnable entities of q (curr included). */
static int runnable(const struct sched_rq *q, struct sched_entity **out)
{
    int n = 0;
    for (int i = 0; i < MAXT; i++)
        if (se[i].on_rq && se[i].rq == q)
            out[n++] = &se[i];
    return n;
}

/* v <= V  <=>  sum_j w_j (v_j - v) >= 0, measured from v itself so wrap cannot matter. */
static bool ref_eligible(struct sched_entity **all, int n, uint64_t v)
{
    __int128 s = 0;
    for (int j = 0; j < n; j++)
        s += (__int128)all[j]->weight * (int64_t)(all[j]->vruntime - v);
    return s >= 0;
}

/* floor(sum w_j v_j / sum w_j), computed relative to all[0]. */
static uint64_t ref_V(struct sched_entity **all, int n)
{
    __int128 s = 0, w = 0;
    for (int j = 0; j < n; j++) {
        s += (__int128)all[j]->weight * (int64_t)(all[j]->vruntime - all[0]->vruntime);
        w += all[j]->weight;
    }
    __int128 q = s / w;
    if (s % w != 0 && s < 0)
        q--;
    return all[0]->vruntime + (uint64_t)(int64_t)q;
}

static void check_against_reference(struct sched_rq *q)
{
    struct sched_entity *all[MAXT];
    int n = runnable(q, all);
    assert_int_equal(n, sched_rq_nr_running(q));
    assert_true(sched_rq_check(q));
    struct sched_entity *pick = sched_pick_next(q);
    if (n == 0) {
        assert_null(pick);
        return;
    }
    assert_int_equal(sched_avg_vruntime(q), ref_V(all, n));
    struct sched_entity *best = NULL;
    for (int j = 0; j < n; j++) {
        bool e = ref_eligible(all, n, all[j]->vruntime);
        assert_int_equal(e, sched_entity_eligible(q, all[j]));
        assert_int_equal(e, sched_entity_lag(q, all[j]) >= 0);
        if (e && (!best || (int64_t)(all[j]->deadline - best->deadline) < 0))
            best = all[j];
    }
    assert_non_null(best); /* the minimum vruntime is always <= the average */
    assert_non_null(pick);
    assert_true(ref_eligible(all, n, pick->vruntime));
    assert_true(pick->deadline == best->deadline);
}

/*
 * The paper's lag bound (Stoica & Abdel-Wahab, Theorem 4, for a static set of clients):
 * -r_max < lag_i < max(r_max, q), lag in service (ns of CPU) = w_i * (V - v_i) / 1024,
 * r_max the largest request and q the quantum (here the tick, the unit of preemption).
 */
static void check_lag_bound(struct sched_rq *q, uint64_t r_max, uint64_t quantum)
{
    struct sched_entity *all[MAXT];
    int n = runnable(q, all);
    uint64_t V = sched_avg_vruntime(q);
    for (int j = 0; j < n; j++) {
        int64_t service_lag = (int64_t)(V - all[j]->vruntime) * all[j]->weight / 1024;
        assert_true(service_lag >= -(int64_t)r_max);
        assert_true(service_lag <= (int64_t)(r_max > quantum ? r_max : quantum));
    }
}

/* ---- Tests ---- */

static void test_nice_table(void **state)
{
    (void)state;
    assert_int_equal(sched_nice_to_weight(0), 1024);
    double p = 1.0 / 1.25 / 1.25 / 1.25 / 1.25 / 1.25;
    for (int i = 0; i < 15; i++)
        p /= 1.25; /* 1.25^-20 */
    for (int nice = -20; nice <= 19; nice++, p *= 1.25) {
        /* w = round(1024 * 1.25^-nice): |w - exact| <= 0.5 */
        double exact = 1024.0 / p, w = sched_nice_to_weight(nice);
        assert_true(w - exact <= 0.5 && exact - w <= 0.5);
        if (nice < 19)
            assert_true(sched_nice_to_weight(nice) > sched_nice_to_weight(nice + 1));
    }
    assert_int_equal(sched_nice_to_weight(-100), sched_nice_to_weight(-20));
    assert_int_equal(sched_nice_to_weight(100), sched_nice_to_weight(19));
}

static void test_calc_virtual(void **state)
{
    (void)state;
    assert_int_equal(sched_calc_virtual(12345, 1024), 12345);
    assert_int_equal(sched_calc_virtual(10000, 2048), 5000);
    assert_int_equal(sched_calc_virtual(3 * MS, 15), 3 * MS * 1024 / 15);
    for (int i = 0; i < 1000; i++) {
        uint64_t ns = rnd() >> (rnd() % 20), w = rnd_range(1, 100000);
        unsigned __int128 exact = (unsigned __int128)ns * 1024 / w;
        uint64_t want = exact > UINT64_MAX ? UINT64_MAX : (uint64_t)exact;
        assert_true(sched_calc_virtual(ns, (uint32_t)w) == want);
    }
}

static void test_fairness_equal_weights(void **state)
{
    (void)state;
    add_tasks(5, NULL);
    for (int t = 0; t < 20000; t++) {
        run_tick(&rq, TICK);
        uint64_t lo = UINT64_MAX, hi = 0;
        for (int i = 0; i < 5; i++) {
            lo = se[i].sum_exec_runtime < lo ? se[i].sum_exec_runtime : lo;
            hi = se[i].sum_exec_runtime > hi ? se[i].sum_exec_runtime : hi;
        }
        assert_true(hi - lo <= SCHED_SLICE_NS); /* within one request of each other */
        check_lag_bound(&rq, SCHED_SLICE_NS, TICK);
        if (t % 501 == 0)
            assert_true(sched_rq_check(&rq));
    }
    for (int i = 0; i < 5; i++)
        assert_true(se[i].sum_exec_runtime >= 20000 * TICK / 5 - SCHED_SLICE_NS);
}

static void test_proportional_share(void **state)
{
    (void)state;
    static const int nice[] = {0, 2, 5, -3, 10, -10};
    const int n = 6;
    add_tasks(n, nice);
    uint64_t total_w = 0, total = 0;
    for (int i = 0; i < n; i++)
        total_w += se[i].weight;
    for (int t = 0; t < 60000; t++) {
        run_tick(&rq, TICK);
        check_lag_bound(&rq, SCHED_SLICE_NS, TICK);
        if (t % 1001 == 0)
            check_against_reference(&rq);
    }
    for (int i = 0; i < n; i++)
        total += se[i].sum_exec_runtime;
    assert_int_equal(total, 60000 * TICK);
    for (int i = 0; i < n; i++) {
        double share = (double)se[i].sum_exec_runtime / (double)total;
        double want = (double)se[i].weight / (double)total_w;
        assert_true(share > want * 0.98 && share < want * 1.02);
    }
}

/* What an interactive task saw in a simulation (times in ns). */
struct wake_stats {
    int wakeups, preempting;
    uint64_t worst_preempting; /* wait after wakeups that preempted */
    uint64_t worst_eligible;   /* wait after wakeups with lag >= 0 */
    uint64_t worst_excess;     /* wait minus the time V needs to make it eligible */
};

/*
 * An interactive task (request `slice`, runs 0.5 ms, sleeps 4-8 ms) among four CPU hogs,
 * simulated at 0.1 ms resolution.
 */
static struct wake_stats interactive(uint64_t slice)
{
    add_tasks(4, NULL);
    struct sched_entity *io = &se[4];
    sched_entity_init(io, 0);
    io->slice = slice;
    const uint64_t step = 100000, burst = MS / 2;
    uint64_t now = 0, woke = 0, ran = 0, sleep_until = 0, ineligible_for = 0;
    bool asleep = true, preempting = false, eligible = false;
    struct wake_stats st = {0};
    for (int t = 0; t < 200000; t++, now += step) {
        if (asleep && now >= sleep_until) {
            bool idle = !rq.curr; /* only before the very first switch */
            sched_enqueue(&rq, io, st.wakeups ? 0 : SCHED_ENQ_INITIAL);
            int64_t lag = sched_entity_lag(&rq, io);
            eligible = lag >= 0;
            /* V advances 1024/W ns per ns of CPU time while nobody sleeps or wakes. */
            ineligible_for = eligible ? 0 : (uint64_t)-lag * sched_rq_load(&rq) / 1024;
            preempting = sched_check_preempt_wakeup(&rq, io) && !idle;
            st.preempting += preempting;
            st.wakeups++;
            asleep = false;
            woke = now;
            ran = 0;
        }
        struct sched_entity *c = run_tick(&rq, step);
        if (c != io)
            continue;
        if (ran == 0) {
            uint64_t wait = now - woke;
            if (preempting && wait > st.worst_preempting)
                st.worst_preempting = wait;
            if (eligible && wait > st.worst_eligible)
                st.worst_eligible = wait;
            if (wait > ineligible_for && wait - ineligible_for > st.worst_excess)
                st.worst_excess = wait - ineligible_for;
        }
        ran += step;
        if (ran >= burst) {
            sched_dequeue(&rq, io);
            asleep = true;
            sleep_until = now + step + 4 * MS + rnd_range(0, 40) * step;
        }
    }
    assert_true(sched_rq_check(&rq));
    assert_true(st.wakeups > 1000);
    assert_true(st.preempting > 0);
    assert_int_equal(st.worst_preempting, 0); /* a preempting wakeup runs at the next switch */
    return st;
}

/*
 * Wakeup latency. A woken task keeps the lag it had; once eligible (lag >= 0) it runs when
 * its deadline V - lag + slice*1024/w is the earliest among eligible tasks. With a request
 * the size of its burst, the only ones that can still precede it are hogs owed over a
 * slice more service, and at most the running one finishes its slice first.
 */
static void test_wakeup_latency_short_request(void **state)
{
    (void)state;
    struct wake_stats st = interactive(MS / 2);
    assert_true(st.worst_eligible <= SCHED_SLICE_NS);
    assert_true(st.worst_excess <= SCHED_SLICE_NS);
}

/* With the default request its deadline is up to a slice later: hogs owed service run
 * first, each at most once, so it waits at most (hogs - 1) slices beyond eligibility. */
static void test_wakeup_latency_default_request(void **state)
{
    (void)state;
    struct wake_stats st = interactive(SCHED_SLICE_NS);
    assert_true(st.worst_eligible <= 3 * SCHED_SLICE_NS);
    assert_true(st.worst_excess <= 3 * SCHED_SLICE_NS);
    /* A shorter request buys latency (not share): EEVDF's decoupling of the two. */
    teardown(NULL);
    setup(NULL);
    struct wake_stats shorter = interactive(MS / 2);
    assert_true(shorter.worst_eligible < st.worst_eligible);
}

/* Runs the simulation until a queued task has positive lag while curr has negative lag. */
static void find_lags(struct sched_entity **pos, struct sched_entity **neg)
{
    for (int t = 0; t < 1000; t++) {
        run_tick(&rq, TICK / 4);
        struct sched_entity *c = rq.curr;
        if (!c || sched_entity_lag(&rq, c) >= 0)
            continue;
        for (int i = 0; i < MAXT; i++) {
            if (se[i].on_rq && &se[i] != c && sched_entity_lag(&rq, &se[i]) > 0) {
                *pos = &se[i];
                *neg = c;
                return;
            }
        }
    }
    fail_msg("no state with lags of both signs");
}

static void test_lag_preserved_across_sleep(void **state)
{
    (void)state;
    add_tasks(3, NULL);
    struct sched_entity *p = NULL, *m = NULL, *other = NULL;
    find_lags(&p, &m);
    for (int i = 0; i < 3; i++)
        if (&se[i] != p && &se[i] != m)
            other = &se[i];
    sched_dequeue(&rq, p);
    sched_dequeue(&rq, m);
    int64_t lp = p->vlag, lm = m->vlag;
    assert_true(lp > 0);
    assert_true(lm < 0);
    /* The remaining task runs alone for a while; the sleepers' lags do not change. */
    for (int t = 0; t < 50; t++)
        assert_ptr_equal(run_tick(&rq, TICK), other);
    /* Wake the one that owes service first, so order of wakeup cannot explain the result.
     * Each comes back with its lag (a later join with lag moves V, so check each at once). */
    sched_enqueue(&rq, m, 0);
    assert_true(sabs(sched_entity_lag(&rq, m) - lm) <= 2);
    sched_enqueue(&rq, p, 0);
    assert_true(sabs(sched_entity_lag(&rq, p) - lp) <= 2);
    assert_true(sched_entity_eligible(&rq, p));
    assert_false(sched_entity_eligible(&rq, m));
    check_against_reference(&rq);
    /* p (positive lag) gets the CPU before m (negative lag). */
    for (int t = 0; t < 100; t++) {
        struct sched_entity *c = run_tick(&rq, TICK);
        assert_ptr_not_equal(c, m);
        if (c == p)
            return;
    }
    fail_msg("the task with positive lag never ran");
}

static void test_lag_clamped(void **state)
{
    (void)state;
    add_tasks(2, NULL);
    sched_set_curr(&rq, &se[0]);
    sched_update_curr(&rq, 100 * SCHED_SLICE_NS); /* far ahead of V: large negative lag */
    sched_dequeue(&rq, &se[0]);
    assert_true(se[0].vlag == -(int64_t)(SCHED_LAG_LIMIT_SLICES * SCHED_SLICE_NS));
    sched_enqueue(&rq, &se[0], 0);
    assert_true(sabs(sched_entity_lag(&rq, &se[0]) - se[0].vlag) <= 2);
    check_against_reference(&rq);
}

static void test_new_task_placement(void **state)
{
    (void)state;
    add_tasks(3, NULL);
    for (int t = 0; t < 37; t++)
        run_tick(&rq, TICK);
    sched_entity_init(&se[3], 4);
    se[3].vlag = 123456789; /* ignored for a new task */
    sched_enqueue(&rq, &se[3], SCHED_ENQ_INITIAL);
    assert_true(sabs(sched_entity_lag(&rq, &se[3])) <= 1);
    assert_true(se[3].deadline - se[3].vruntime == sched_calc_virtual(SCHED_SLICE_NS, 419) / 2);
    check_against_reference(&rq);
}

/* Random queues: pick_next, eligibility and V against the O(n) reference. */
static void test_random_against_reference(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        sched_rq_init(&rq, "rq0");
        spin_lock(&rq.lock);
        memset(se, 0, sizeof(se));
        if (round % 3 == 0)
            rq.base_vruntime = UINT64_MAX - rnd_range(0, 50 * MS); /* straddle the wrap */
        int n = (int)rnd_range(1, MAXT);
        for (int i = 0; i < n; i++) {
            sched_entity_init(&se[i], (int)rnd_range(0, 39) - 20);
            se[i].slice = rnd_range(MS / 10, 10 * MS);
            se[i].vlag = (int64_t)rnd_range(0, 8 * MS) - 4 * (int64_t)MS;
            sched_enqueue(&rq, &se[i], rnd() % 4 ? 0 : SCHED_ENQ_INITIAL);
            check_against_reference(&rq);
        }
        for (int op = 0; op < 200; op++) {
            struct sched_entity *e = &se[rnd() % n];
            switch (rnd() % 6) {
            case 0:
                if (e->on_rq)
                    sched_dequeue(&rq, e);
                else
                    sched_enqueue(&rq, e, 0);
                break;
            case 1:
                sched_set_curr(&rq, rnd() % 8 ? sched_pick_next(&rq) : NULL);
                break;
            case 2:
                if (e->on_rq)
                    sched_set_curr(&rq, e);
                break;
            case 3:
                sched_set_nice(e->on_rq ? &rq : NULL, e, (int)rnd_range(0, 39) - 20);
                break;
            default:
                sched_update_curr(&rq, rnd_range(1, 4 * MS));
                break;
            }
            check_against_reference(&rq);
        }
        spin_unlock(&rq.lock);
    }
    spin_lock(&rq.lock); /* for teardown */
}

/*
 * Long runtimes: vruntimes start just below 2^64 and wrap; nice 19 tasks advance 68x
 * faster than real time; weeks of CPU are charged to a hog. Sums stay exact and shares
 * stay right.
 */
static void test_no_overflow_long_runtimes(void **state)
{
    (void)state;
    rq.base_vruntime = UINT64_MAX - 100 * MS;
    static const int nice[] = {19, 19, -20, 0};
    add_tasks(4, nice);
    for (int t = 0; t < 30000; t++) {
        run_tick(&rq, 4 * MS);
        if (t % 997 == 0)
            check_against_reference(&rq);
    }
    assert_true(rq.base_vruntime < UINT64_MAX / 2); /* wrapped */
    uint64_t tw = 0, ts = 0;
    for (int i = 0; i < 4; i++) {
        tw += se[i].weight;
        ts += se[i].sum_exec_runtime;
    }
    for (int i = 0; i < 4; i++) {
        double share = (double)se[i].sum_exec_runtime / (double)ts;
        double want = (double)se[i].weight / (double)tw;
        assert_true(share > want * 0.9 && share < want * 1.1);
    }
    /* A lone hog charged in huge steps: many full wraps of a nice-19 vruntime. */
    for (int i = 1; i < 4; i++)
        sched_dequeue(&rq, &se[i]);
    sched_schedule(&rq);
    for (int k = 0; k < 1000; k++)
        sched_tick(&rq, 3600ull * 1000 * MS); /* an hour per tick */
    assert_true(sched_rq_check(&rq));
    /* Newcomers are placed next to it and get their share promptly. */
    sched_enqueue(&rq, &se[3], 0);
    check_against_reference(&rq);
    int got = 0;
    for (int t = 0; t < 10; t++)
        got += run_tick(&rq, TICK) == &se[3];
    assert_true(got >= 3);
}

static void check_reweight_keeps_lag(struct sched_entity *e, int nice)
{
    uint64_t V = sched_avg_vruntime(&rq);
    int64_t lag = sched_entity_lag(&rq, e), others[MAXT];
    for (int i = 0; i < MAXT; i++)
        others[i] = se[i].on_rq ? sched_entity_lag(&rq, &se[i]) : 0;
    uint32_t old = e->weight;
    int64_t rem = (int64_t)(e->deadline - e->vruntime);
    sched_set_nice(&rq, e, nice);
    assert_int_equal(e->nice, nice);
    int64_t want = lag * (int64_t)old / (int64_t)e->weight;
    /* Service lag w*lag is kept (to a few ns of virtual time)... */
    assert_true(sabs(sched_entity_lag(&rq, e) - want) <= 3);
    assert_true(sabs((int64_t)(e->deadline - e->vruntime) - rem * (int64_t)old / e->weight) <= 1);
    /* ...and V and everyone else's lag do not move, up to rounding: e's vruntime is placed
     * to 1 ns, which moves V by up to w_e / W_others ns. */
    int64_t tol = 2 + (int64_t)(e->weight / (sched_rq_load(&rq) - e->weight));
    assert_true(sabs((int64_t)(sched_avg_vruntime(&rq) - V)) <= tol);
    for (int i = 0; i < MAXT; i++)
        if (se[i].on_rq && &se[i] != e)
            assert_true(sabs(sched_entity_lag(&rq, &se[i]) - others[i]) <= tol);
    check_against_reference(&rq);
}

static void test_reweight_keeps_lag(void **state)
{
    (void)state;
    add_tasks(4, NULL);
    struct sched_entity *p = NULL, *m = NULL;
    find_lags(&p, &m);
    assert_ptr_equal(m, rq.curr);
    check_reweight_keeps_lag(p, 5);  /* queued, positive lag */
    check_reweight_keeps_lag(m, -7); /* running, negative lag */
    check_reweight_keeps_lag(p, -20);
    check_reweight_keeps_lag(m, 19);
    /* Not runnable: the remembered lag is rescaled the same way. */
    sched_dequeue(&rq, p);
    int64_t vlag = p->vlag;
    uint32_t w = p->weight;
    sched_set_nice(NULL, p, 0);
    assert_true(p->vlag == vlag * (int64_t)w / 1024);
}

static void test_migration_keeps_lag(void **state)
{
    (void)state;
    add_tasks(4, NULL);
    /* Another CPU with two tasks of its own. */
    for (int i = 10; i < 12; i++) {
        sched_entity_init(&se[i], 0);
        sched_enqueue(&rq2, &se[i], SCHED_ENQ_INITIAL);
    }
    for (int t = 0; t < 5; t++)
        run_tick(&rq2, TICK);
    struct sched_entity *p = NULL, *m = NULL;
    find_lags(&p, &m);
    int64_t lag = sched_entity_lag(&rq, p);
    uint64_t load = sched_rq_load(&rq), load2 = sched_rq_load(&rq2);
    sched_migrate(&rq, &rq2, p);
    assert_ptr_equal(p->rq, &rq2);
    assert_int_equal(sched_rq_nr_running(&rq), 3);
    assert_int_equal(sched_rq_nr_running(&rq2), 3);
    assert_int_equal(sched_rq_load(&rq), load - 1024);
    assert_int_equal(sched_rq_load(&rq2), load2 + 1024);
    assert_true(sabs(sched_entity_lag(&rq2, p) - lag) <= 2);
    check_against_reference(&rq);
    check_against_reference(&rq2);
}

static void test_wakeup_preempts_only_when_picked(void **state)
{
    (void)state;
    add_tasks(2, NULL);
    sched_schedule(&rq);
    sched_update_curr(&rq, MS);
    /* A task with negative lag does not preempt. */
    sched_entity_init(&se[2], 0);
    se[2].vlag = -(int64_t)(2 * MS);
    sched_enqueue(&rq, &se[2], 0);
    assert_false(sched_check_preempt_wakeup(&rq, &se[2]));
    assert_false(rq.need_resched);
    /* One owed service, with an earlier deadline than anyone eligible, does. */
    sched_entity_init(&se[3], 0);
    se[3].vlag = 2 * MS;
    se[3].slice = MS / 2;
    sched_enqueue(&rq, &se[3], 0);
    assert_true(sched_check_preempt_wakeup(&rq, &se[3]));
    assert_ptr_equal(sched_schedule(&rq), &se[3]);
    assert_false(rq.need_resched);
}

static void test_tick_preempts_at_slice_end(void **state)
{
    (void)state;
    add_tasks(1, NULL);
    sched_schedule(&rq);
    for (int t = 0; t < 10; t++)
        assert_false(sched_tick(&rq, TICK)); /* alone: never preempted */
    sched_entity_init(&se[1], 0);
    sched_enqueue(&rq, &se[1], 0);
    /* curr runs until its request is served, i.e. up to one slice, then yields. */
    int ticks = 0;
    while (!sched_tick(&rq, TICK))
        ticks++;
    assert_true(ticks < (int)(SCHED_SLICE_NS / TICK));
    assert_ptr_equal(sched_schedule(&rq), &se[1]);
    /* Dequeueing the running task asks for a reschedule. */
    sched_dequeue(&rq, &se[1]);
    assert_true(rq.need_resched);
    assert_null(rq.curr);
    assert_ptr_equal(sched_schedule(&rq), &se[0]);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_nice_table),
        T(test_calc_virtual),
        T(test_fairness_equal_weights),
        T(test_proportional_share),
        T(test_wakeup_latency_short_request),
        T(test_wakeup_latency_default_request),
        T(test_lag_preserved_across_sleep),
        T(test_lag_clamped),
        T(test_new_task_placement),
        T(test_random_against_reference),
        T(test_no_overflow_long_runtimes),
        T(test_reweight_keeps_lag),
        T(test_migration_keeps_lag),
        T(test_wakeup_preempts_only_when_picked),
        T(test_tick_preempts_at_slice_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
