/*
 * Visible revocation, the libOS's side (protocol: exo/include/exo/frame.h).
 *
 * What the libOS gives up when exo asks (reclaim_frames): the empty slabs and per-CPU object
 * caches of every slab cache. Every frame a process maps is in use, and the page cache is
 * not wired in yet, so there is nothing else it can drop without losing data.
 *
 * What it does when exo takes frames by force: every user frame is the libOS's (processes
 * hold grants), so exo parks the frames it takes from a process with the libOS and unmaps
 * them from every process that shared them. The libOS then
 *   - never grants a parked frame again (vm_sync skips it, reclaim_frame_lost);
 *   - ends with SIGKILL a process that touches a page it lost (vm_fault, reclaim_page_lost):
 *     the contents are gone, and nothing else may show up there;
 *   - ends with SIGKILL, from the "reclaim" task, every process exo chose as its victim, so
 *     parked frames come back even if it never touches them again (a process that only
 *     shared a taken frame with the victim dies only if it touches that page);
 *   - gives a parked frame back to exo when its last reference goes (exo_frame_free, as for
 *     any frame), which is when exo may reuse it.
 */
#include <exo/frame.h>
#include <lib/format.h>
#include <libos/proc.h>
#include <libos/reclaim.h>
#include <libos/signal.h>
#include <libos/task.h>
#include <libos/wait.h>
#include <mm/pgtable.h>
#include <mm/slab.h>

#define MAX_VICTIMS 64

static struct wait_queue reclaim_wq = WAIT_QUEUE_INIT(reclaim_wq);
static uint64_t repossessions; /* grows with every repossession vector call */

bool reclaim_frame_lost(paddr_t pa)
{
    return exo_frame_rights(EXO_ENV_LIBOS, pa) == 0;
}

bool reclaim_page_lost(struct vmspace *p, uint64_t addr)
{
    uint64_t pa;
    if (pt_translate(&p->as.pt, addr & ~(PAGE_SIZE - 1), &pa))
        return false;
    return reclaim_frame_lost(pa & ~(PAGE_SIZE - 1));
}

/* exo's reclaim handler: frees what the libOS can give up; returns how many frames. */
static size_t reclaim_frames(size_t wanted)
{
    (void)wanted; /* everything reclaimable is cheap to drop, so drop it all */
    struct exo_mem_stats before, after;
    exo_mem_stats(&before);
    kmem_shrink_all();
    exo_mem_stats(&after);
    return after.free_frames > before.free_frames ? after.free_frames - before.free_frames : 0;
}

/* exo's repossession vector: runs in the allocating context, so it only notes the event and
 * wakes the reclaim task. */
static void frames_taken(envid_t env)
{
    (void)env;
    __atomic_add_fetch(&repossessions, 1, __ATOMIC_RELEASE);
    wake_all(&reclaim_wq);
}

/* Reads (and empties) env's repossession record: how many frames it lost as exo's chosen
 * victim (entries it got only for sharing a frame with the victim are not counted). */
static uint64_t frames_lost(envid_t env)
{
    struct exo_taken taken[EXO_TAKEN_RECORD];
    uint64_t lost = 0, dropped = 0;
    int n;
    do {
        n = exo_repossessed(env, taken, EXO_TAKEN_RECORD, &dropped);
        for (int i = 0; i < n; i++)
            lost += taken[i].victim == env;
        lost += dropped;
    } while (n == EXO_TAKEN_RECORD);
    return lost;
}

/* Reads (and empties) the libOS environment's record: how many of its frames were parked. */
static uint64_t parked_frames(void)
{
    struct exo_taken taken[EXO_TAKEN_RECORD];
    uint64_t parked = 0, dropped = 0;
    int n;
    do {
        n = exo_repossessed(EXO_ENV_LIBOS, taken, EXO_TAKEN_RECORD, &dropped);
        parked += (uint64_t)(n > 0 ? n : 0) + dropped;
    } while (n == EXO_TAKEN_RECORD);
    return parked;
}

static bool was_victim(struct process *p, void *arg)
{
    (void)arg;
    struct vmspace *vm = proc_vm(p); /* procs_lock held: p is not freed */
    return vm && frames_lost(vm->env) > 0;
}

static bool repossessed_since(void *arg)
{
    return __atomic_load_n(&repossessions, __ATOMIC_ACQUIRE) != *(uint64_t *)arg;
}

/* Ends every process that lost frames; the frames parked with the libOS go back to exo as
 * their processes release them. */
static void kill_victims(void)
{
    int pids[MAX_VICTIMS];
    int n = proc_collect(was_victim, NULL, pids, MAX_VICTIMS);
    uint64_t parked = parked_frames();
    for (int i = 0; i < n; i++) {
        struct process *p = proc_get(pids[i]);
        if (!p)
            continue;
        klog("libos: exo took pages of pid %d (%s); killing it\n", p->pid, p->comm);
        linux_siginfo_t info;
        sig_info_kernel(&info, LINUX_SIGKILL);
        signal_process(p, &info);
        proc_put(p);
    }
    if (parked)
        klog("libos: %lu frames parked by exo until their processes end\n", (unsigned long)parked);
}

static void reclaim_task(void *arg)
{
    (void)arg;
    uint64_t seen = 0;
    for (;;) {
        await(&reclaim_wq, repossessed_since, &seen, 0, 0);
        seen = __atomic_load_n(&repossessions, __ATOMIC_ACQUIRE);
        kill_victims();
    }
}

void reclaim_init(void)
{
    exo_set_reclaim_handler(reclaim_frames);
    exo_set_repossess_handler(frames_taken);
    struct task *t = task_create("reclaim", reclaim_task, NULL);
    if (t)
        task_start(t);
}
