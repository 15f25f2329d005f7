/*
 * EEVDF scheduler core; see libos/include/libos/sched.h for the definitions.
 *
 * Representation. The running entity (rq->curr) is kept out of the tree; all other
 * runnable entities are in rq->tree ordered by virtual deadline, each node augmented with
 * the minimum vruntime of its subtree. V = sum(w_i*v_i) / sum(w_i) is maintained as
 *   tree_vsum = sum over the tree of w_i * (v_i - base), tree_load = sum of w_i,
 * plus curr's term computed on the fly, where base (base_vruntime) follows the minimum
 * vruntime of the runnable entities so that the keys v_i - base stay small (bounded by the
 * spread of vruntimes, a few slices) and cannot overflow however long the system runs.
 * Moving base by d subtracts tree_load * d from tree_vsum; everything is exact integers.
 *
 * Eligibility of v (v <= V) is tested without division as (v - base) * W <= sum, which is
 * exact; V itself is rounded down, so for integer v "V - v >= 0" gives the same answer.
 *
 * Pick in O(log n): walking down from the root, if the left subtree (earlier deadlines)
 * has an eligible entity (its min vruntime is eligible) the answer is there; else if this
 * node is eligible it is the answer; else it can only be in the right subtree.
 */
#include <stddef.h>
#include <string.h>
#include <lib/compiler.h>
#include <lib/kassert.h>
#include <libos/sched.h>
#include "tree.h"

/*
 * Weight of nice n = round(1024 / 1.25^n), n = -20..19: each nice step changes the CPU
 * share relative to a competitor by about 25% (Linux's convention; its table is a similar
 * but hand-tuned approximation of the same formula). Generated with
 *   [round(1024 / 1.25**n) for n in range(-20, 20)]
 */
static const uint32_t nice_weight[40] = {
    /* -20 */ 88818, 71054, 56843, 45475, 36380, 29104, 23283, 18626, 14901, 11921,
    /* -10 */ 9537,  7629,  6104,  4883,  3906,  3125,  2500,  2000,  1600,  1280,
    /*   0 */ 1024,  819,   655,   524,   419,   336,   268,   215,   172,   137,
    /*  10 */ 110,   88,    70,    56,    45,    36,    29,    23,    18,    15,
};

#define ASSERT_LOCKED(rq) KASSERT(__atomic_load_n(&(rq)->lock.locked, __ATOMIC_RELAXED))

/* Signed distance a - b between two vruntimes, correct across wrap-around. */
static inline int64_t vdiff(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b);
}

static inline bool vbefore(uint64_t a, uint64_t b)
{
    return vdiff(a, b) < 0;
}

static inline struct sched_entity *node_se(const struct sched_node *n)
{
    return container_of(n, struct sched_entity, node);
}

static int clamp_nice(int nice)
{
    return nice < SCHED_NICE_MIN ? SCHED_NICE_MIN : nice > SCHED_NICE_MAX ? SCHED_NICE_MAX : nice;
}

uint32_t sched_nice_to_weight(int nice)
{
    return nice_weight[clamp_nice(nice) - SCHED_NICE_MIN];
}

uint64_t sched_calc_virtual(uint64_t ns, uint32_t weight)
{
    KASSERT(weight > 0);
    if (weight == SCHED_NICE0_WEIGHT)
        return ns;
    /* ns * 1024 / w without overflowing the product: split ns = q*w + r. */
    uint64_t q = ns / weight, r = ns % weight;
    if (q > UINT64_MAX / SCHED_NICE0_WEIGHT)
        return UINT64_MAX;
    return q * SCHED_NICE0_WEIGHT + r * SCHED_NICE0_WEIGHT / weight;
}

/* Multiplies a signed virtual quantity by num/den (both > 0), truncating toward zero. */
static int64_t scale(int64_t x, uint64_t num, uint64_t den)
{
    __int128 p = (__int128)x * num;
    return (int64_t)(p / (__int128)den);
}

/* Tree callbacks: order by deadline; augment with the subtree's minimum vruntime. */
static bool deadline_less(const struct sched_node *a, const struct sched_node *b)
{
    return vbefore(node_se(a)->deadline, node_se(b)->deadline);
}

static void min_vruntime_augment(struct sched_node *n)
{
    struct sched_entity *se = node_se(n);
    uint64_t m = se->vruntime;
    if (n->left && vbefore(node_se(n->left)->min_vruntime, m))
        m = node_se(n->left)->min_vruntime;
    if (n->right && vbefore(node_se(n->right)->min_vruntime, m))
        m = node_se(n->right)->min_vruntime;
    se->min_vruntime = m;
}

void sched_entity_init(struct sched_entity *se, int nice)
{
    memset(se, 0, sizeof(*se));
    se->nice = clamp_nice(nice);
    se->weight = sched_nice_to_weight(se->nice);
    se->slice = SCHED_SLICE_NS;
}

void sched_rq_init(struct sched_rq *rq, const char *name)
{
    memset(rq, 0, sizeof(*rq));
    spin_init(&rq->lock, name);
    sched_tree_init(&rq->tree, min_vruntime_augment);
}

static inline int64_t key(const struct sched_rq *rq, uint64_t v)
{
    return vdiff(v, rq->base_vruntime);
}

/* sum(w_i * (v_i - base)) and sum(w_i) over all runnable entities, curr included. */
struct avg {
    int64_t sum;
    uint64_t load;
};

static struct avg avg_of(const struct sched_rq *rq)
{
    struct avg a = {rq->tree_vsum, rq->tree_load};
    if (rq->curr) {
        a.sum += (int64_t)rq->curr->weight * key(rq, rq->curr->vruntime);
        a.load += rq->curr->weight;
    }
    return a;
}

static bool eligible(const struct sched_rq *rq, const struct avg *a, uint64_t v)
{
    return (__int128)key(rq, v) * (__int128)a->load <= (__int128)a->sum;
}

static uint64_t avg_vruntime(const struct sched_rq *rq, const struct avg *a)
{
    if (a->load == 0)
        return rq->base_vruntime;
    int64_t load = (int64_t)a->load, q = a->sum / load;
    if (a->sum % load != 0 && a->sum < 0)
        q--; /* round toward -infinity (defensive: base is the minimum, so sum >= 0) */
    return rq->base_vruntime + (uint64_t)q;
}

/* Tree membership with the matching update of the V sums. */
static void tree_add(struct sched_rq *rq, struct sched_entity *se)
{
    rq->tree_vsum += (int64_t)se->weight * key(rq, se->vruntime);
    rq->tree_load += se->weight;
    sched_tree_insert(&rq->tree, &se->node, deadline_less);
}

static void tree_del(struct sched_rq *rq, struct sched_entity *se)
{
    sched_tree_remove(&rq->tree, &se->node);
    rq->tree_vsum -= (int64_t)se->weight * key(rq, se->vruntime);
    rq->tree_load -= se->weight;
}

/* Moves base to the minimum vruntime of the runnable entities (stays put when idle). */
static void update_base(struct sched_rq *rq)
{
    bool have = false;
    uint64_t m = 0;
    if (rq->curr) {
        m = rq->curr->vruntime;
        have = true;
    }
    if (rq->tree.root) {
        uint64_t tm = node_se(rq->tree.root)->min_vruntime;
        if (!have || vbefore(tm, m))
            m = tm;
        have = true;
    }
    if (!have)
        return;
    int64_t d = vdiff(m, rq->base_vruntime);
    rq->tree_vsum -= (int64_t)rq->tree_load * d;
    rq->base_vruntime = m;
}

uint64_t sched_avg_vruntime(const struct sched_rq *rq)
{
    ASSERT_LOCKED(rq);
    struct avg a = avg_of(rq);
    return avg_vruntime(rq, &a);
}

int64_t sched_entity_lag(const struct sched_rq *rq, const struct sched_entity *se)
{
    KASSERT(se->on_rq && se->rq == rq);
    return vdiff(sched_avg_vruntime(rq), se->vruntime);
}

bool sched_entity_eligible(const struct sched_rq *rq, const struct sched_entity *se)
{
    ASSERT_LOCKED(rq);
    KASSERT(se->on_rq && se->rq == rq);
    struct avg a = avg_of(rq);
    return eligible(rq, &a, se->vruntime);
}

/* Lag bound remembered across a dequeue: SCHED_LAG_LIMIT_SLICES slices in virtual time. */
static int64_t lag_limit(const struct sched_entity *se)
{
    uint64_t lim = sched_calc_virtual(se->slice, se->weight);
    if (lim > (uint64_t)INT64_MAX / (2 * SCHED_LAG_LIMIT_SLICES))
        lim = (uint64_t)INT64_MAX / (2 * SCHED_LAG_LIMIT_SLICES);
    return (int64_t)lim * SCHED_LAG_LIMIT_SLICES;
}

/*
 * Placement (Linux's place_entity): adding an entity of weight w at v = V - l to a queue
 * of total weight W moves V to V - w*l/(W+w), leaving it with lag l*W/(W+w). Placing it
 * at V - l*(W+w)/W instead leaves it with exactly lag l (up to rounding). Alone on the rq
 * an entity has no lag, whatever it had.
 */
static uint64_t place_vruntime(const struct sched_rq *rq, int64_t lag, uint32_t w)
{
    struct avg a = avg_of(rq);
    uint64_t v = avg_vruntime(rq, &a);
    if (a.load == 0)
        return v;
    return v - (uint64_t)scale(lag, a.load + w, a.load);
}

void sched_enqueue(struct sched_rq *rq, struct sched_entity *se, unsigned flags)
{
    ASSERT_LOCKED(rq);
    KASSERT(!se->on_rq && se->weight > 0);
    bool initial = flags & SCHED_ENQ_INITIAL;
    se->vruntime = place_vruntime(rq, initial ? 0 : se->vlag, se->weight);
    se->req_left = initial ? se->slice / 2 : se->slice;
    se->deadline = se->vruntime + sched_calc_virtual(se->req_left, se->weight);
    tree_add(rq, se);
    rq->load += se->weight;
    rq->nr_running++;
    se->on_rq = true;
    se->rq = rq;
    update_base(rq);
}

void sched_dequeue(struct sched_rq *rq, struct sched_entity *se)
{
    ASSERT_LOCKED(rq);
    KASSERT(se->on_rq && se->rq == rq);
    int64_t lag = sched_entity_lag(rq, se), lim = lag_limit(se);
    se->vlag = lag > lim ? lim : lag < -lim ? -lim : lag;
    if (se == rq->curr) {
        rq->curr = NULL;
        rq->need_resched = true;
    } else {
        tree_del(rq, se);
    }
    rq->load -= se->weight;
    rq->nr_running--;
    se->on_rq = false;
    se->rq = NULL;
    update_base(rq);
}

/* The entity with the smallest vruntime in the tree (root's min_vruntime). */
static struct sched_entity *tree_min_vruntime(const struct sched_rq *rq)
{
    struct sched_node *n = rq->tree.root;
    if (!n)
        return NULL;
    uint64_t target = node_se(n)->min_vruntime;
    for (;;) {
        if (n->left && node_se(n->left)->min_vruntime == target)
            n = n->left;
        else if (node_se(n)->vruntime == target)
            return node_se(n);
        else
            n = n->right;
        KASSERT(n);
    }
}

struct sched_entity *sched_pick_next(struct sched_rq *rq)
{
    ASSERT_LOCKED(rq);
    struct avg a = avg_of(rq);
    struct sched_entity *curr = rq->curr, *best = NULL;
    if (curr && !eligible(rq, &a, curr->vruntime))
        curr = NULL;
    struct sched_node *n = rq->tree.root;
    while (n) {
        if (n->left && eligible(rq, &a, node_se(n->left)->min_vruntime)) {
            n = n->left;
            continue;
        }
        if (eligible(rq, &a, node_se(n)->vruntime)) {
            best = node_se(n);
            break;
        }
        n = n->right;
    }
    if (curr && (!best || !vbefore(best->deadline, curr->deadline)))
        best = curr;
    if (!best) {
        /* Unreachable with exact sums (the minimum is always <= the average); kept as a
         * safe answer should rounding ever leave nobody eligible. */
        best = tree_min_vruntime(rq);
        if (!best || (rq->curr && vbefore(rq->curr->vruntime, best->vruntime)))
            best = rq->curr;
    }
    return best;
}

void sched_set_curr(struct sched_rq *rq, struct sched_entity *se)
{
    ASSERT_LOCKED(rq);
    KASSERT(!se || (se->on_rq && se->rq == rq));
    if (se != rq->curr) {
        if (rq->curr)
            tree_add(rq, rq->curr);
        rq->curr = NULL;
        if (se) {
            tree_del(rq, se);
            rq->curr = se;
        }
        update_base(rq);
    }
    rq->need_resched = false;
}

struct sched_entity *sched_schedule(struct sched_rq *rq)
{
    struct sched_entity *se = sched_pick_next(rq);
    sched_set_curr(rq, se);
    return se;
}

bool sched_update_curr(struct sched_rq *rq, uint64_t delta_ns)
{
    ASSERT_LOCKED(rq);
    struct sched_entity *se = rq->curr;
    if (!se)
        return rq->need_resched;
    se->sum_exec_runtime += delta_ns;
    se->vruntime += sched_calc_virtual(delta_ns, se->weight);
    update_base(rq);
    /* Served in real time, so that rounding of virtual time cannot stretch a request. */
    se->req_left -= delta_ns < se->req_left ? delta_ns : se->req_left;
    if (se->req_left == 0) {
        se->req_left = se->slice;
        se->deadline = se->vruntime + sched_calc_virtual(se->slice, se->weight);
        if (rq->nr_running > 1)
            rq->need_resched = true;
    }
    return rq->need_resched;
}

bool sched_tick(struct sched_rq *rq, uint64_t delta_ns)
{
    return sched_update_curr(rq, delta_ns);
}

bool sched_check_preempt_wakeup(struct sched_rq *rq, struct sched_entity *se)
{
    ASSERT_LOCKED(rq);
    KASSERT(se->on_rq && se->rq == rq);
    if (se == rq->curr)
        return false;
    if (rq->curr && sched_pick_next(rq) != se)
        return false;
    rq->need_resched = true;
    return true;
}

/*
 * Reweight: the entity keeps its lag in service terms, w_old*lag_old = w_new*lag_new, and
 * the service still owed on its current request (deadline - vruntime scales the same way).
 * It is taken out of V, reweighted, and placed back against the others with the lag
 * scaling of place_vruntime; that leaves V, and so every other entity's lag, unchanged.
 */
void sched_reweight(struct sched_rq *rq, struct sched_entity *se, uint32_t weight)
{
    KASSERT(weight > 0);
    uint32_t old = se->weight;
    if (!se->on_rq) {
        se->vlag = scale(se->vlag, old, weight);
        se->weight = weight;
        return;
    }
    ASSERT_LOCKED(rq);
    KASSERT(se->rq == rq);
    int64_t lag = sched_entity_lag(rq, se);
    int64_t remaining = vdiff(se->deadline, se->vruntime);
    bool running = se == rq->curr;
    if (running)
        rq->curr = NULL;
    else
        tree_del(rq, se);
    se->weight = weight;
    if (rq->nr_running > 1)
        se->vruntime = place_vruntime(rq, scale(lag, old, weight), weight);
    se->deadline = se->vruntime + (uint64_t)scale(remaining, old, weight);
    if (running)
        rq->curr = se;
    else
        tree_add(rq, se);
    rq->load = rq->load - old + weight;
    update_base(rq);
}

void sched_set_nice(struct sched_rq *rq, struct sched_entity *se, int nice)
{
    se->nice = clamp_nice(nice);
    sched_reweight(rq, se, sched_nice_to_weight(se->nice));
}

uint64_t sched_rq_load(const struct sched_rq *rq)
{
    return READ_ONCE(rq->load);
}

unsigned sched_rq_nr_running(const struct sched_rq *rq)
{
    return READ_ONCE(rq->nr_running);
}

void sched_detach(struct sched_rq *src, struct sched_entity *se)
{
    KASSERT(se != src->curr);
    sched_dequeue(src, se);
}

void sched_attach(struct sched_rq *dst, struct sched_entity *se)
{
    sched_enqueue(dst, se, 0);
}

void sched_migrate(struct sched_rq *src, struct sched_rq *dst, struct sched_entity *se)
{
    sched_detach(src, se);
    sched_attach(dst, se);
}

/* Checks order, augmentation and ownership below n; accumulates the V sums. */
static bool check_node(const struct sched_rq *rq, const struct sched_node *n, int64_t *sum,
                       uint64_t *load)
{
    if (!n)
        return true;
    const struct sched_entity *se = node_se(n);
    if (!se->on_rq || se->rq != rq || se == rq->curr)
        return false;
    if (n->left && vbefore(se->deadline, node_se(n->left)->deadline))
        return false;
    if (n->right && vbefore(node_se(n->right)->deadline, se->deadline))
        return false;
    uint64_t m = se->vruntime;
    if (n->left && vbefore(node_se(n->left)->min_vruntime, m))
        m = node_se(n->left)->min_vruntime;
    if (n->right && vbefore(node_se(n->right)->min_vruntime, m))
        m = node_se(n->right)->min_vruntime;
    if (m != se->min_vruntime)
        return false;
    *sum += (int64_t)se->weight * key(rq, se->vruntime);
    *load += se->weight;
    return check_node(rq, n->left, sum, load) && check_node(rq, n->right, sum, load);
}

bool sched_rq_check(const struct sched_rq *rq)
{
    long count = sched_tree_check(&rq->tree);
    if (count < 0 || (unsigned long)count + (rq->curr ? 1 : 0) != rq->nr_running)
        return false;
    /* Deadlines in order across the whole tree, not only parent/child. */
    const struct sched_node *prev = NULL;
    for (const struct sched_node *n = sched_tree_first(&rq->tree); n;
         prev = n, n = sched_tree_next(n)) {
        if (prev && vbefore(node_se(n)->deadline, node_se(prev)->deadline))
            return false;
    }
    int64_t sum = 0;
    uint64_t load = 0;
    if (!check_node(rq, rq->tree.root, &sum, &load))
        return false;
    if (sum != rq->tree_vsum || load != rq->tree_load)
        return false;
    if (rq->curr) {
        if (!rq->curr->on_rq || rq->curr->rq != rq)
            return false;
        load += rq->curr->weight;
    }
    if (load != rq->load)
        return false;
    if (rq->nr_running) {
        uint64_t m = rq->curr ? rq->curr->vruntime : node_se(rq->tree.root)->min_vruntime;
        if (rq->tree.root && vbefore(node_se(rq->tree.root)->min_vruntime, m))
            m = node_se(rq->tree.root)->min_vruntime;
        if (m != rq->base_vruntime)
            return false;
    }
    return true;
}
