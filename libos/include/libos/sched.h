/*
 * EEVDF CPU scheduler core (hardware-free): Earliest Eligible Virtual Deadline First,
 * after Stoica & Abdel-Wahab (1995) as Linux adopted it in 6.6 (lag-preserving placement,
 * wakeup preemption), with the run queue ordered by deadline and augmented by the minimum
 * vruntime (Linux's later layout) so that picking is O(log n).
 *
 * Definitions (all "virtual" quantities are in nanoseconds of nice-0 CPU time):
 *   w_i        weight of entity i (from its nice value, nice 0 = SCHED_NICE0_WEIGHT).
 *   v_i        vruntime: service received scaled by SCHED_NICE0_WEIGHT / w_i.
 *   V          virtual time of the queue: the weighted average sum(w_i*v_i)/sum(w_i) over
 *              every runnable entity, the running one included.
 *   lag_i      V - v_i (kept in virtual time; the paper's lag in service is w_i*(V - v_i)/1024).
 *   eligible   lag_i >= 0, i.e. v_i <= V; computed exactly as W*(v_i-b) <= sum w_j*(v_j-b).
 *   deadline   v_i + slice_i*1024/w_i when a request of slice_i ns is issued.
 * pick_next runs the eligible entity with the earliest virtual deadline.
 *
 * Clocks and locking: the scheduler keeps no clock. The caller charges the running entity
 * with sched_update_curr(rq, ns) before any operation on the same rq (enqueue, dequeue,
 * pick, reweight) so that V is current. Every operation on an rq requires rq->lock held;
 * moving an entity between rqs needs both locks (take them in CPU-id order).
 *
 * vruntimes are uint64_t and compared modulo 2^64, so they may wrap; all runnable entities
 * of an rq stay within a few slices of each other (lag is clamped), far inside 2^63.
 */
#ifndef LIBOS_SCHED_H
#define LIBOS_SCHED_H
#include <stdbool.h>
#include <stdint.h>
#include <lib/spinlock.h>

#define SCHED_NICE_MIN     (-20)
#define SCHED_NICE_MAX     19
#define SCHED_NICE0_WEIGHT 1024u
/* Default request size (CPU time per deadline), as in Linux's base_slice. */
#define SCHED_SLICE_NS 3000000ull
/* The lag remembered across a dequeue is clamped to this many of the entity's slices. */
#define SCHED_LAG_LIMIT_SLICES 2

struct sched_rq;

/* Node of the augmented AVL tree (libos/sched/tree.c); embedded, no allocation. */
struct sched_node {
    struct sched_node *left, *right, *parent;
    int height; /* 1 for a leaf */
};

/* Recomputes a node's augmented data from the node and its (already correct) children. */
typedef void (*sched_tree_augment_fn)(struct sched_node *n);

struct sched_tree {
    struct sched_node *root;
    sched_tree_augment_fn augment; /* may be NULL */
};

/* Schedulable entity, embedded in a task. Fields are read-only outside the scheduler,
 * except slice, which may be changed while the entity is not on an rq. */
struct sched_entity {
    struct sched_node node;    /* in rq->tree while queued and not running */
    uint64_t vruntime;         /* v_i */
    uint64_t deadline;         /* virtual deadline of the current request */
    uint64_t min_vruntime;     /* augmented: min vruntime over this node's subtree */
    int64_t vlag;              /* lag saved at dequeue, restored at enqueue */
    uint64_t slice;            /* request size in ns of CPU time */
    uint64_t req_left;         /* CPU time still to serve of the current request */
    uint64_t sum_exec_runtime; /* total ns charged by sched_update_curr */
    uint32_t weight;           /* w_i */
    int nice;
    bool on_rq;          /* runnable on an rq (queued or running) */
    struct sched_rq *rq; /* that rq while on_rq, else NULL */
};

/* Per-CPU run queue. */
struct sched_rq {
    struct spinlock lock;
    struct sched_tree tree;    /* queued entities, ordered by deadline */
    struct sched_entity *curr; /* running entity (on_rq, not in tree), or NULL */
    uint64_t base_vruntime;    /* reference point for keys: min vruntime of runnables */
    int64_t tree_vsum;         /* sum over tree of w_i * (v_i - base_vruntime) */
    uint64_t tree_load;        /* sum over tree of w_i */
    uint64_t load;             /* sum of w_i of all runnable entities, curr included */
    unsigned nr_running;       /* runnable entities, curr included */
    bool need_resched;         /* curr should give up the CPU at the next chance */
};

/* Enqueue flags. */
#define SCHED_ENQ_INITIAL 0x1 /* new task: lag 0 and half a slice to its first deadline */

/* Weight for a nice value (clamped to [-20, 19]): round(1024 / 1.25^nice). */
uint32_t sched_nice_to_weight(int nice);
/* Converts ns of CPU time of an entity of weight w into virtual time (ns * 1024 / w). */
uint64_t sched_calc_virtual(uint64_t ns, uint32_t weight);

/* Prepares a new entity (not runnable) with the given nice and the default slice. */
void sched_entity_init(struct sched_entity *se, int nice);
/* Prepares an empty rq; name labels its lock. */
void sched_rq_init(struct sched_rq *rq, const char *name);

/* Makes se runnable on rq, placed at V - lag with the lag scaled so that it still has that
 * lag once its own weight is part of V (lag 0 with SCHED_ENQ_INITIAL); new deadline. */
void sched_enqueue(struct sched_rq *rq, struct sched_entity *se, unsigned flags);
/* Makes se (queued or running) not runnable; remembers its lag, clamped, in se->vlag. */
void sched_dequeue(struct sched_rq *rq, struct sched_entity *se);

/* The entity that should run: eligible with the earliest deadline (curr wins ties); the
 * minimum-vruntime one if rounding left none eligible; NULL if rq is empty. No change. */
struct sched_entity *sched_pick_next(struct sched_rq *rq);
/* Makes se (runnable on rq, or NULL for idle) the running entity; the previous one, if
 * still runnable, goes back to the tree. Clears need_resched. */
void sched_set_curr(struct sched_rq *rq, struct sched_entity *se);
/* sched_pick_next followed by sched_set_curr; returns the new running entity. */
struct sched_entity *sched_schedule(struct sched_rq *rq);

/* Charges curr with delta_ns of CPU time; once its request is served (slice ns, at its
 * deadline) it issues a new one (deadline = vruntime + virtual slice) and need_resched is
 * set if anyone else is runnable.
 * Returns need_resched. No-op when idle. */
bool sched_update_curr(struct sched_rq *rq, uint64_t delta_ns);
/* Timer tick: sched_update_curr; returns whether curr should be preempted now. */
bool sched_tick(struct sched_rq *rq, uint64_t delta_ns);
/* After enqueueing a woken se: returns (and then sets need_resched) whether the CPU
 * should reschedule, i.e. it is idle or sched_pick_next would now choose se over curr. */
bool sched_check_preempt_wakeup(struct sched_rq *rq, struct sched_entity *se);

/* Changes se's nice (clamped); if runnable on rq, keeps its lag in service terms
 * (w*lag) and the remaining part of its request, and leaves V unchanged. rq may be NULL
 * when se is not runnable. */
void sched_set_nice(struct sched_rq *rq, struct sched_entity *se, int nice);
/* The same with an explicit weight (> 0). */
void sched_reweight(struct sched_rq *rq, struct sched_entity *se, uint32_t weight);

/* V, the weighted average vruntime of rq (base_vruntime when rq is empty). */
uint64_t sched_avg_vruntime(const struct sched_rq *rq);
/* Current lag V - v_i of a runnable se (virtual ns; >= 0 means eligible). */
int64_t sched_entity_lag(const struct sched_rq *rq, const struct sched_entity *se);
/* Whether a runnable se is eligible (exact, no rounding). */
bool sched_entity_eligible(const struct sched_rq *rq, const struct sched_entity *se);

/* Load for balancing: sum of weights of runnable entities, and their number. */
uint64_t sched_rq_load(const struct sched_rq *rq);
unsigned sched_rq_nr_running(const struct sched_rq *rq);

/* Migration: detach a queued (not running) se from src, keeping its lag in se->vlag... */
void sched_detach(struct sched_rq *src, struct sched_entity *se);
/* ...and attach it to dst, placed with that lag. */
void sched_attach(struct sched_rq *dst, struct sched_entity *se);
/* Both, with both locks held. */
void sched_migrate(struct sched_rq *src, struct sched_rq *dst, struct sched_entity *se);

/* Consistency check of rq (tree order, balance, augmentation, sums); for tests and
 * debugging, O(n). Returns true when consistent. */
bool sched_rq_check(const struct sched_rq *rq);

#endif
