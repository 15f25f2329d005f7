/*
 * exo's in-guest self tests (exo.test=exo): an EL0 program (tests/kernel/el0test.S) runs in
 * its own environments and shows that the secure bindings hold. Prints one line per check
 * and "exo selftest: N passed, N failed"; the machine exits non-zero on any failure.
 */
#include <string.h>
#include <exo/cpu.h>
#include <exo/env.h>
#include <exo/frame.h>
#include <exo/kstack.h>
#include <exo/ramdisk.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <mm/mm.h>
#include <mm/slab.h>
#include "exo.h"
#include "frame_table.h"
#include "arch/aarch64/early.h"

#define TEXT_VA  0x400000UL
#define DATA_VA  0x500000UL
#define UNMAPPED 0x10000000UL

extern const char el0test_start[], el0test_end[];
static int passed, failed;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (cond) {                                                                            \
            passed++;                                                                          \
        } else {                                                                               \
            failed++;                                                                          \
            kprintf("FAIL %s:%d: %s: ", __func__, __LINE__, #cond);                            \
            kprintf(__VA_ARGS__);                                                              \
            kprintf("\n");                                                                     \
        }                                                                                      \
    } while (0)

struct prog {
    envid_t env;
    paddr_t text, data;
};

/* An environment with the test program at TEXT_VA (RX) and one data page at DATA_VA. */
static int prog_create(struct prog *p)
{
    int err = exo_env_create(&p->env);
    if (err)
        return err;
    if ((err = exo_frame_alloc(p->env, 0, &p->text)) || (err = exo_frame_alloc(p->env, 0, &p->data)))
        return err;
    memcpy(exo_frame_kva(p->env, p->text), el0test_start, (size_t)(el0test_end - el0test_start));
    if ((err = exo_map(p->env, TEXT_VA, p->text, EXO_PROT_READ | EXO_PROT_EXEC)))
        return err;
    return exo_map(p->env, DATA_VA, p->data, EXO_PROT_READ | EXO_PROT_WRITE);
}

static void ctx_init(struct exo_context *ctx, uint64_t mode, uint64_t a1, uint64_t a2)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->pc = TEXT_VA;
    ctx->sp = DATA_VA + 4096;
    ctx->x[0] = mode;
    ctx->x[1] = a1;
    ctx->x[2] = a2;
}

/* Runs until the program stops for something other than an interrupt or, unless the test
 * is about slices, the end of a slice (a loaded host can make TCG slow enough for a slice
 * to end before the program gets anywhere). */
static void run_until(struct prog *p, struct exo_context *ctx, uint64_t slice,
                      struct exo_stop *stop, bool stop_on_slice)
{
    do {
        KASSERT(!exo_run(p->env, ctx, slice, stop));
    } while (stop->reason == EXO_STOP_INTERRUPT ||
             (!stop_on_slice && stop->reason == EXO_STOP_SLICE));
}

static void run_until_stop(struct prog *p, struct exo_context *ctx, uint64_t slice,
                           struct exo_stop *stop)
{
    run_until(p, ctx, slice, stop, false);
}

static void test_own_pages(void)
{
    struct prog p;
    struct exo_context ctx;
    struct exo_stop stop;
    CHECK(!prog_create(&p), "setup");
    ctx_init(&ctx, 1, DATA_VA, 0);
    run_until_stop(&p, &ctx, 10000000, &stop);
    uint64_t want = 512 * 7 + 3 * (511 * 512 / 2);
    CHECK(stop.reason == EXO_STOP_SYSCALL && ctx.x[0] == want, "reason %d x0 %lu", stop.reason,
          (unsigned long)ctx.x[0]);
    CHECK(ctx.pc == TEXT_VA + 0x6c || ctx.pc > TEXT_VA, "pc after svc %#lx", (unsigned long)ctx.pc);
    uint64_t *data = exo_frame_kva(p.env, p.data);
    CHECK(data[511] == 7 + 3 * 511, "libOS sees the page: %lu", (unsigned long)data[511]);
    CHECK(!exo_env_destroy(p.env), "destroy");
}

static void test_faults_come_back(void)
{
    struct prog p;
    struct exo_context ctx;
    struct exo_stop stop;
    CHECK(!prog_create(&p), "setup");
    ctx_init(&ctx, 2, UNMAPPED, 0);
    run_until_stop(&p, &ctx, 10000000, &stop);
    CHECK(stop.reason == EXO_STOP_FAULT && stop.addr == UNMAPPED &&
              stop.fault_kind == EXO_FAULT_TRANSLATION && stop.access == EXO_PROT_READ,
          "unmapped: reason %d addr %#lx kind %d access %u", stop.reason,
          (unsigned long)stop.addr, stop.fault_kind, stop.access);
    ctx_init(&ctx, 2, KIMAGE_VA, 0);
    run_until_stop(&p, &ctx, 10000000, &stop);
    CHECK(stop.reason == EXO_STOP_FAULT && stop.addr == KIMAGE_VA, "kernel address: reason %d addr %#lx",
          stop.reason, (unsigned long)stop.addr);
    ctx_init(&ctx, 6, TEXT_VA, 0); /* write to its own read-only text */
    run_until_stop(&p, &ctx, 10000000, &stop);
    CHECK(stop.reason == EXO_STOP_FAULT && stop.fault_kind == EXO_FAULT_PERMISSION &&
              stop.access == EXO_PROT_WRITE,
          "write to RX page: reason %d kind %d access %u", stop.reason, stop.fault_kind, stop.access);
    ctx_init(&ctx, 99, 0, 0); /* unknown mode: returns -1 */
    ctx.pc = DATA_VA;          /* jump to a non-executable page */
    run_until_stop(&p, &ctx, 10000000, &stop);
    CHECK(stop.reason == EXO_STOP_FAULT && stop.access == EXO_PROT_EXEC && stop.addr == DATA_VA,
          "execute NX page: reason %d access %u", stop.reason, stop.access);
    CHECK(!exo_env_destroy(p.env), "destroy");
}

static void test_map_refusals(void)
{
    struct prog a, b;
    CHECK(!prog_create(&a) && !prog_create(&b), "setup");
    paddr_t foreign = a.data;
    CHECK(exo_map(b.env, 0x600000, foreign, EXO_PROT_READ) == -EPERM, "another env's frame");
    CHECK(exo_map(b.env, 0x600000, virt_to_phys(el0test_start), EXO_PROT_READ) == -EPERM,
          "kernel image frame");
    CHECK(exo_map(b.env, 0x600000, boot_info.uart_base, EXO_PROT_READ) == -EPERM,
          "device memory");
    uint64_t own;
    KASSERT(!exo_own_frame_alloc(&own));
    CHECK(exo_map(b.env, 0x600000, own, EXO_PROT_READ) == -EPERM, "exo's own frame");
    exo_own_frame_free(own);
    CHECK(exo_map(b.env, KIMAGE_VA, b.data, EXO_PROT_READ) == -EINVAL, "kernel VA");
    CHECK(exo_map(b.env, EXO_USER_MAX, b.data, EXO_PROT_READ) == -EINVAL, "VA beyond 48 bits");
    CHECK(exo_map(b.env, 0x600001, b.data, EXO_PROT_READ) == -EINVAL, "unaligned VA");
    CHECK(exo_map(b.env, DATA_VA, b.data, EXO_PROT_READ) == -EEXIST, "already mapped");
    CHECK(exo_map(EXO_ENV_LIBOS, 0x600000, b.data, EXO_PROT_READ) == -EINVAL, "libOS env");
    CHECK(exo_frame_free(b.env, a.text) == -EPERM, "free another env's frame");
    CHECK(exo_frame_free(a.env, a.data) == -EBUSY, "free a mapped frame");
    /* A read-only grant maps read-only, never writable. */
    CHECK(!exo_frame_grant(a.env, a.data, b.env, EXO_RIGHT_READ), "grant");
    CHECK(exo_map(b.env, 0x600000, foreign, EXO_PROT_READ | EXO_PROT_WRITE) == -EPERM,
          "write map of read-only grant");
    CHECK(!exo_map(b.env, 0x600000, foreign, EXO_PROT_READ), "read map of grant");
    CHECK(exo_protect(b.env, 0x600000, EXO_PROT_READ | EXO_PROT_WRITE) == -EPERM,
          "protect up to write");
    struct exo_context ctx;
    struct exo_stop stop;
    ctx_init(&ctx, 2, 0x600000, 0);
    ((uint64_t *)exo_frame_kva(a.env, a.data))[0] = 0x5eed;
    run_until_stop(&b, &ctx, 10000000, &stop);
    CHECK(stop.reason == EXO_STOP_SYSCALL && ctx.x[0] == 0x5eed, "b reads a's granted page: %#lx",
          (unsigned long)ctx.x[0]);
    CHECK(!exo_frame_revoke(a.env, a.data, b.env), "revoke unmaps and drops the grant");
    paddr_t pa;
    unsigned prot;
    CHECK(exo_query(b.env, 0x600000, &pa, &prot) == -ENOENT, "revoked page is unmapped");
    CHECK(!exo_env_destroy(a.env) && !exo_env_destroy(b.env), "destroy");
    CHECK(exo_map(a.env, 0x600000, a.data, EXO_PROT_READ) == -EINVAL, "destroyed env");
}

static void test_destroy_returns_frames(void)
{
    struct exo_mem_stats before, after;
    exo_mem_stats(&before);
    struct prog p;
    CHECK(!prog_create(&p), "setup");
    for (int i = 0; i < 64; i++) {
        paddr_t pa;
        KASSERT(!exo_frame_alloc(p.env, 0, &pa));
        KASSERT(!exo_map(p.env, 0x10000000 + i * 0x200000UL, pa, EXO_PROT_READ));
    }
    CHECK(!exo_env_destroy(p.env), "destroy");
    exo_mem_stats(&after);
    CHECK(after.free_frames == before.free_frames, "free frames %lu -> %lu",
          (unsigned long)before.free_frames, (unsigned long)after.free_frames);
}

static void test_slice_ends_on_time(void)
{
    struct prog p;
    struct exo_context ctx;
    struct exo_stop stop;
    CHECK(!prog_create(&p), "setup");
    ctx_init(&ctx, 3, 0, 0);
    const uint64_t slice = 2000000;
    uint64_t start = exo_time_ns();
    run_until(&p, &ctx, slice, &stop, true);
    uint64_t took = exo_time_ns() - start;
    kprintf("slice of %lu us ended after %lu us\n", (unsigned long)slice / 1000,
            (unsigned long)took / 1000);
    CHECK(stop.reason == EXO_STOP_SLICE && took >= slice && took < slice + 500000000,
          "reason %d took %lu ns", stop.reason, (unsigned long)took);
    CHECK(!exo_env_destroy(p.env), "destroy");
}

/* FP/SIMD state survives preemption: a checker and a clobberer share each CPU. */
static volatile int fp_done[MAX_CPUS], fp_result[MAX_CPUS], fp_preemptions[MAX_CPUS];

static void fp_worker(void)
{
    unsigned cpu = exo_cpu_id();
    struct prog check, clobber;
    struct exo_context cc, kc;
    struct exo_stop stop;
    KASSERT(!prog_create(&check) && !prog_create(&clobber));
    ctx_init(&cc, 4, 1000 * (cpu + 1), 100000);
    ctx_init(&kc, 5, 0xdead0000 + cpu, 0);
    int preempted = 0;
    for (;;) {
        KASSERT(!exo_run(check.env, &cc, 200000, &stop));
        if (stop.reason == EXO_STOP_SYSCALL)
            break;
        if (stop.reason != EXO_STOP_SLICE && stop.reason != EXO_STOP_INTERRUPT) {
            cc.x[0] = 1000 + stop.reason;
            break;
        }
        preempted++;
        KASSERT(!exo_run(clobber.env, &kc, 100000, &stop));
    }
    fp_result[cpu] = (int)cc.x[0];
    fp_preemptions[cpu] = preempted;
    KASSERT(!exo_env_destroy(check.env) && !exo_env_destroy(clobber.env));
    __atomic_store_n(&fp_done[cpu], 1, __ATOMIC_RELEASE);
}

static void test_fp_survives_preemption(void)
{
    for (unsigned i = 1; i < cpu_count; i++)
        CHECK(!exo_cpu_start(i, fp_worker), "start cpu%u", i);
    fp_worker();
    for (unsigned i = 0; i < cpu_count; i++) {
        while (!__atomic_load_n(&fp_done[i], __ATOMIC_ACQUIRE))
            ;
        kprintf("cpu%u: FP check %s after %d preemptions\n", i, fp_result[i] ? "FAILED" : "ok",
                fp_preemptions[i]);
        CHECK(fp_result[i] == 0 && fp_preemptions[i] >= 3, "cpu%u result %d preemptions %d", i,
              fp_result[i], fp_preemptions[i]);
    }
}

static void test_ramdisk_needs_binding(void)
{
    envid_t e;
    KASSERT(!exo_env_create(&e));
    char buf[EXO_BLOCK_SIZE];
    CHECK(exo_ramdisk_read(e, 1, 0, 1, buf) == -EINVAL, "read without a binding");
    CHECK(exo_ramdisk_bind(e, exo_ramdisk_blocks(), 1, EXO_RIGHT_READ) == -EINVAL,
          "bind beyond the disk");
    CHECK(!exo_env_destroy(e), "destroy");
}

/* Whether the MMU translates va for an EL1 read (AT S1E1R: what the hardware walks). */
static bool el1_mapped(uint64_t va)
{
    uint64_t flags = irq_save(), par;
    __asm__ volatile("at s1e1r, %1\n isb\n mrs %0, par_el1" : "=r"(par) : "r"(va));
    irq_restore(flags);
    return !(par & 1);
}

static bool stack_named(uint64_t addr, const char *want)
{
    char name[32];
    return kstack_lookup(addr, name, sizeof(name), NULL) && !strcmp(name, want);
}

#define N_KSTACKS 6

/* Stacks: distinct windows, whole range usable, guard unmapped, names, frames returned. */
static void test_kstacks(void)
{
    struct exo_mem_stats before, during, after;
    uint64_t top[N_KSTACKS];
    char name[24];
    exo_mem_stats(&before);
    for (int i = 0; i < N_KSTACKS; i++) {
        ksnprintf(name, sizeof(name), "kstack-test-%d", i);
        top[i] = exo_kstack_alloc(name);
        CHECK(top[i] && IS_ALIGNED(top[i], KSTACK_WINDOW) && top[i] > KSTACK_BASE,
              "alloc %d: %#lx", i, (unsigned long)top[i]);
        for (int j = 0; j < i; j++)
            CHECK(top[i] != top[j], "stacks %d and %d share %#lx", i, j, (unsigned long)top[i]);
    }
    exo_mem_stats(&during);
    CHECK(before.free_frames - during.free_frames >= N_KSTACKS * EXO_KSTACK_BYTES / PAGE_SIZE,
          "frames in use: %lu", (unsigned long)(before.free_frames - during.free_frames));
    for (int i = 0; i < N_KSTACKS; i++) {
        uint64_t bottom = top[i] - EXO_KSTACK_BYTES;
        CHECK(el1_mapped(bottom) && el1_mapped(top[i] - 8), "stack %d mapped", i);
        CHECK(!el1_mapped(bottom - 8) && !el1_mapped(bottom - PAGE_SIZE) &&
                  !el1_mapped(top[i] - KSTACK_WINDOW),
              "guard below stack %d is mapped", i);
        uint64_t *p = (uint64_t *)bottom;
        for (size_t w = 0; w < EXO_KSTACK_BYTES / 8; w++) {
            if (p[w] != 0)
                break;
            p[w] = top[i] ^ w;
        }
    }
    for (int i = 0; i < N_KSTACKS; i++) {
        const uint64_t *p = (const uint64_t *)(top[i] - EXO_KSTACK_BYTES);
        size_t w = 0;
        while (w < EXO_KSTACK_BYTES / 8 && p[w] == (top[i] ^ w))
            w++;
        CHECK(w == EXO_KSTACK_BYTES / 8, "stack %d: zeroed then written whole, first bad word %lu",
              i, (unsigned long)w);
        ksnprintf(name, sizeof(name), "kstack-test-%d", i);
        CHECK(stack_named(top[i] - 8, name) && stack_named(top[i] - KSTACK_WINDOW, name),
              "stack %d (and its guard) named %s", i, name);
    }
    CHECK(!exo_kstack_set_name(top[0], "a-name-longer-than-sixteen"), "rename");
    CHECK(stack_named(top[0] - 1, "a-name-longer-th"), "renamed, truncated to 16");
    CHECK(exo_kstack_set_name(top[0] + PAGE_SIZE, "x") == -EINVAL, "rename a non-top");
    CHECK(stack_named((uint64_t)boot_stacks + KSTACK_WINDOW - 8, "boot-cpu0") &&
              stack_named((uint64_t)boot_stacks + (MAX_CPUS + 2) * KSTACK_WINDOW - 8,
                          "emergency-cpu1"),
          "boot and emergency stacks named");
    CHECK(!el1_mapped((uint64_t)boot_stacks) &&
              !el1_mapped((uint64_t)boot_stacks + KSTACK_GUARD_SIZE - 8) &&
              el1_mapped((uint64_t)boot_stacks + KSTACK_GUARD_SIZE),
          "boot-cpu0's guard unmapped, stack mapped");
    for (int i = 0; i < N_KSTACKS; i++)
        CHECK(!exo_kstack_free(top[i]), "free %d", i);
    exo_mem_stats(&after);
    CHECK(after.free_frames == before.free_frames, "free frames %lu -> %lu",
          (unsigned long)before.free_frames, (unsigned long)after.free_frames);
    CHECK(!el1_mapped(top[0] - 8) && !kstack_lookup(top[0] - 8, NULL, 0, NULL),
          "freed stack unmapped and unnamed");
    CHECK(exo_kstack_free(top[0]) == -EINVAL, "double free");
    CHECK(exo_kstack_free(top[0] - 16) == -EINVAL, "free a non-top");
    CHECK(exo_kstack_free((uint64_t)boot_stacks + KSTACK_WINDOW) == -EINVAL, "free a boot stack");
    CHECK(exo_kstack_set_name(top[0], "x") == -EINVAL, "rename a freed stack");
}

/* Interrupts taken on an allocated stack that is three quarters full are handled as usual:
 * the vectors' check does not mistake a deep but valid stack for an overflow. */
static volatile uint64_t deep_sp;
static volatile int deep_ticks;

static void deep_wait(void *arg)
{
    (void)arg;
    volatile char fill[12 * 1024];
    fill[0] = fill[sizeof(fill) - 1] = 1;
    deep_sp = (uint64_t)__builtin_frame_address(0);
    uint64_t start = this_cpu()->timer_ticks;
    irq_enable();
    for (int i = 0; i < 3; i++) {
        exo_timer_set_deadline(exo_time_ns() + 1000000);
        uint64_t seen = this_cpu()->timer_ticks;
        while (READ_ONCE(this_cpu()->timer_ticks) == seen)
            __asm__ volatile("wfi");
    }
    deep_ticks = (int)(this_cpu()->timer_ticks - start) + fill[0] - 1;
}

static void test_kstack_interrupts(void)
{
    uint64_t top = exo_kstack_alloc("deep-irq");
    CHECK(top, "alloc");
    kstack_call_on(top, deep_wait, NULL);
    CHECK(deep_sp < top - 12 * 1024 && deep_sp >= top - EXO_KSTACK_BYTES,
          "ran deep in the stack: sp %#lx top %#lx", (unsigned long)deep_sp, (unsigned long)top);
    CHECK(deep_ticks >= 3, "timer interrupts on the deep stack: %d", deep_ticks);
    CHECK(!exo_kstack_free(top), "free");
}

/* Visible revocation of memory. With a reclaim handler that gives nothing back, an
 * environment exhausting the frames makes exo repossess from the environment holding the
 * most (v: its own frames, freed), then from the next (b: its two own frames and eight it
 * holds through the libOS environment's grants, which are parked with the libOS). Each
 * loser's record says what it lost, the repossession vector is called, and a taken page
 * faults when the victim touches it again instead of showing the data of the environment
 * that now has the frame. Parked frames are not reused until their owner frees them. */
#define VICTIM_VA     0x10000000UL
#define VICTIM_PAGES  40
#define GRANTED_VA    0x20000000UL
#define GRANTED_PAGES 8
#define HOG_MARK      0xbadbadUL

static int reclaim_asked, told_v, told_b, told_libos;
static envid_t repo_v, repo_b;

static size_t give_nothing(size_t wanted)
{
    (void)wanted;
    reclaim_asked++;
    return 0;
}

static void note_taken(envid_t env)
{
    told_v += env == repo_v;
    told_b += env == repo_b;
    told_libos += env == EXO_ENV_LIBOS;
}

/* Allocates frames for w until exo has nothing left to take; marks each. Returns how many. */
static unsigned long hog_everything(envid_t w, int *err)
{
    unsigned long n = 0;
    paddr_t pa;
    while (!(*err = exo_frame_alloc(w, 0, &pa))) {
        *(uint64_t *)exo_frame_kva(w, pa) = HOG_MARK;
        n++;
    }
    return n;
}

/* Checks v's record: all VICTIM_PAGES + 2 frames, owned, at the addresses it mapped them. */
static void check_victim_record(struct prog *v, const paddr_t *pa_v)
{
    struct exo_taken t[EXO_TAKEN_RECORD];
    uint64_t dropped;
    int n = exo_repossessed(v->env, t, EXO_TAKEN_RECORD, &dropped);
    CHECK(n == EXO_TAKEN_RECORD && dropped == VICTIM_PAGES + 2 - EXO_TAKEN_RECORD,
          "victim's record: %d entries, %lu dropped", n, (unsigned long)dropped);
    int right = 0;
    for (int i = 0; i < n; i++) {
        bool at_va = (t[i].pa == v->text && t[i].va == TEXT_VA) ||
                     (t[i].pa == v->data && t[i].va == DATA_VA);
        for (int k = 0; k < VICTIM_PAGES; k++)
            at_va |= t[i].pa == pa_v[k] && t[i].va == VICTIM_VA + k * PAGE_SIZE;
        right += at_va && t[i].victim == v->env && t[i].how == EXO_TAKEN_OWNED;
    }
    CHECK(right == n, "%d of %d entries name the frame, its address, the victim, OWNED", right, n);
    CHECK(exo_repossessed(v->env, t, EXO_TAKEN_RECORD, &dropped) == 0 && dropped == 0,
          "record emptied by reading it");
    CHECK(exo_repossessed(0, t, 1, NULL) == -EINVAL, "record of no environment");
}

/* Reads env's record into counts by how (EXO_TAKEN_*); -1 if an entry names another victim,
 * else how many entries. */
static int record_tally(envid_t env, envid_t victim, int counts[8])
{
    struct exo_taken t[EXO_TAKEN_RECORD];
    int n = exo_repossessed(env, t, EXO_TAKEN_RECORD, NULL);
    memset(counts, 0, 8 * sizeof(int));
    for (int i = 0; i < n; i++) {
        if (t[i].victim != victim || t[i].how >= 8)
            return -1;
        counts[t[i].how]++;
    }
    return n;
}

/* v lost every frame, and w took (some of) them: give v a fresh text page and let it load
 * from a page it lost whose frame w now holds and has marked. */
static void check_victim_faults(struct prog *v, envid_t w, const paddr_t *pa_v)
{
    int mine = 0, k = -1, spare = -1;
    for (int i = 0; i < VICTIM_PAGES; i++) {
        if (exo_frame_rights(w, pa_v[i]) != (EXO_RIGHT_READ | EXO_RIGHT_WRITE) ||
            *(uint64_t *)exo_frame_kva(w, pa_v[i]) != HOG_MARK)
            continue;
        mine++;
        if (k < 0)
            k = i;
        else if (spare < 0)
            spare = i;
    }
    kprintf("repossession: the hog holds %d of the victim's %d frames\n", mine, VICTIM_PAGES);
    CHECK(spare >= 0, "the hog holds at least two of the victim's frames");
    if (spare < 0)
        return;
    uint64_t va = VICTIM_VA + (uint64_t)k * PAGE_SIZE;
    CHECK(exo_frame_kva(v->env, pa_v[k]) == NULL, "victim has no view of a taken frame");
    CHECK(exo_map(v->env, va, pa_v[k], EXO_PROT_READ) == -EPERM,
          "victim cannot map a taken frame again");
    paddr_t text;
    KASSERT(!exo_frame_free(w, pa_v[spare]) && !exo_frame_alloc(v->env, 0, &text));
    memcpy(exo_frame_kva(v->env, text), el0test_start, (size_t)(el0test_end - el0test_start));
    CHECK(!exo_map(v->env, TEXT_VA, text, EXO_PROT_READ | EXO_PROT_EXEC), "new text page");
    struct exo_context ctx;
    struct exo_stop stop;
    ctx_init(&ctx, 2, va, 0);
    run_until_stop(v, &ctx, 10000000, &stop);
    CHECK(stop.reason == EXO_STOP_FAULT && stop.addr == va &&
              stop.fault_kind == EXO_FAULT_TRANSLATION,
          "victim's load of a taken page: reason %d addr %#lx x0 %#lx", stop.reason,
          (unsigned long)stop.addr, (unsigned long)ctx.x[0]);
}

/* b's grants from the libOS environment were parked: the owner can only free them. */
static void check_parked(struct prog *b, envid_t w, const paddr_t *pa_l)
{
    paddr_t pa;
    unsigned prot;
    int counts[8];
    CHECK(record_tally(b->env, b->env, counts) == 2 + GRANTED_PAGES &&
              counts[EXO_TAKEN_OWNED] == 2 && counts[EXO_TAKEN_GRANT] == GRANTED_PAGES,
          "grantee's record: %d owned, %d grants", counts[EXO_TAKEN_OWNED],
          counts[EXO_TAKEN_GRANT]);
    CHECK(record_tally(EXO_ENV_LIBOS, b->env, counts) == GRANTED_PAGES &&
              counts[EXO_TAKEN_PARKED] == GRANTED_PAGES,
          "owner's record: %d parked", counts[EXO_TAKEN_PARKED]);
    CHECK(exo_query(b->env, GRANTED_VA, &pa, &prot) == -ENOENT, "unmapped from the grantee");
    CHECK(exo_frame_rights(EXO_ENV_LIBOS, pa_l[0]) == 0 && exo_frame_kva(EXO_ENV_LIBOS, pa_l[0]),
          "owner keeps a view, no rights");
    CHECK(exo_frame_grant(EXO_ENV_LIBOS, pa_l[0], b->env, EXO_RIGHT_READ) == -EPERM,
          "a parked frame cannot be granted");
    int err, reused = 0;
    hog_everything(w, &err); /* also takes v's new text page back */
    for (int k = 0; k < GRANTED_PAGES; k++)
        reused += exo_frame_rights(w, pa_l[k]) != 0;
    CHECK(err == -ENOMEM && reused == 0, "parked frames are not reused: %d, %d", err, reused);
    CHECK(!exo_frame_free(EXO_ENV_LIBOS, pa_l[0]), "owner frees a parked frame");
    CHECK(!exo_frame_alloc(w, 0, &pa), "then the pool has a frame again");
    for (int k = 1; k < GRANTED_PAGES; k++)
        CHECK(!exo_frame_free(EXO_ENV_LIBOS, pa_l[k]), "free parked %d", k);
}

static void test_repossession(void)
{
    struct exo_mem_stats before, after;
    struct prog v, b;
    paddr_t pa_v[VICTIM_PAGES], pa_l[GRANTED_PAGES];
    envid_t w;
    kmem_shrink_all(); /* slab pages cached for the grants would look like a leak */
    exo_mem_stats(&before);
    KASSERT(!prog_create(&v) && !prog_create(&b) && !exo_env_create(&w));
    for (int k = 0; k < VICTIM_PAGES; k++) {
        KASSERT(!exo_frame_alloc(v.env, 0, &pa_v[k]));
        KASSERT(!exo_map(v.env, VICTIM_VA + k * PAGE_SIZE, pa_v[k], EXO_PROT_READ));
    }
    for (int k = 0; k < GRANTED_PAGES; k++) {
        KASSERT(!exo_frame_alloc(EXO_ENV_LIBOS, 0, &pa_l[k]));
        KASSERT(!exo_frame_grant(EXO_ENV_LIBOS, pa_l[k], b.env, EXO_RIGHT_READ));
        KASSERT(!exo_map(b.env, GRANTED_VA + k * PAGE_SIZE, pa_l[k], EXO_PROT_READ));
    }
    repo_v = v.env;
    repo_b = b.env;
    exo_set_reclaim_handler(give_nothing);
    exo_set_repossess_handler(note_taken);
    int err;
    unsigned long got = hog_everything(w, &err);
    kprintf("repossession: the hog got %lu frames of %lu free\n", got,
            (unsigned long)before.free_frames);
    CHECK(err == -ENOMEM && reclaim_asked > 0, "ends with %d after asking %d times", err,
          reclaim_asked);
    CHECK(told_v >= 1 && told_b >= 1 && told_libos >= 1, "told v %d b %d libOS %d", told_v, told_b,
          told_libos);
    check_victim_record(&v, pa_v);
    check_victim_faults(&v, w, pa_v);
    check_parked(&b, w, pa_l);
    exo_set_reclaim_handler(NULL);
    exo_set_repossess_handler(NULL);
    CHECK(!exo_env_destroy(v.env) && !exo_env_destroy(b.env) && !exo_env_destroy(w), "destroy");
    kmem_shrink_all();
    exo_mem_stats(&after);
    CHECK(after.free_frames == before.free_frames, "free frames %lu -> %lu",
          (unsigned long)before.free_frames, (unsigned long)after.free_frames);
}

void exo_selftest(void)
{
    test_kstacks();
    test_kstack_interrupts();
    test_own_pages();
    test_faults_come_back();
    test_map_refusals();
    test_destroy_returns_frames();
    test_slice_ends_on_time();
    test_ramdisk_needs_binding();
    test_fp_survives_preemption();
    test_repossession();
    kprintf("exo selftest: %d passed, %d failed\n", passed, failed);
    machine_exit(failed ? 1 : 0);
}
