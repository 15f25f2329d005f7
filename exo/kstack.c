/*
 * Kernel stacks (exo/kstack.h). Stacks live in their own TTBR1 region at KSTACK_BASE: slot
 * s is the 32 KiB window at KSTACK_BASE + s * KSTACK_WINDOW, whose lower 16 KiB stay
 * unmapped (the guard) and whose upper 16 KiB are the stack, mapped page by page with
 * exo's own frames (ENV_EXO). This layout is what the overflow check in vectors.S relies
 * on; boot and emergency stacks (boot.S) follow it too.
 *
 * The region's tables are built with mm/pgtable.c over the kernel's TTBR1 level-0 table
 * (kernel_l0), whose other entries (linear map, image) it never touches: every call names
 * a range inside the region. Table pages come from a reserve filled before the lock is
 * taken (so no allocation, and no call into the libOS's reclaim handler, happens under
 * it); table pages pt_unmap empties are freed after the TLB invalidation.
 */
#include <string.h>
#include <exo/kstack.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <lib/spinlock.h>
#include <mm/mm.h>
#include <mm/pgtable.h>
#include "exo.h"
#include "arch/aarch64/early.h"

#define KSTACK_PAGES  ((int)(KSTACK_SIZE / PAGE_SIZE))
#define KSTACK_TABLES 3 /* a window never straddles a 2 MiB level-3 table: L1, L2, L3 */

_Static_assert(EXO_KSTACK_BYTES == KSTACK_SIZE, "exo/kstack.h");
_Static_assert((uint64_t)KSTACK_MAX *KSTACK_WINDOW <= PT_LEVEL_SIZE(0), "one L0 entry");

struct kstack_slot {
    bool used;
    char name[EXO_KSTACK_NAME_MAX + 1];
};

/* Table pages handed to and taken back from mm/pgtable.c, under kstack_lock. */
struct table_reserve {
    uint64_t spare[KSTACK_TABLES];
    int n_spare;
    uint64_t freed[KSTACK_TABLES];
    int n_freed;
};

static struct kstack_slot slots[KSTACK_MAX];
static struct spinlock kstack_lock = SPINLOCK_INIT("kstack");
static struct table_reserve reserve;

static uint64_t reserve_alloc(void *ctx)
{
    struct table_reserve *r = ctx;
    return r->n_spare ? r->spare[--r->n_spare] : 0;
}

static void reserve_free(void *ctx, uint64_t pa)
{
    struct table_reserve *r = ctx;
    KASSERT(r->n_freed < KSTACK_TABLES);
    r->freed[r->n_freed++] = pa;
}

static void *table_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return phys_to_virt(pa); /* kernel_l0 is in the image, which the linear map covers */
}

static const struct pt_ops kstack_pt_ops = {reserve_alloc, reserve_free, table_virt, &reserve};
static struct pgtable kernel_tables;

void kstack_init(void)
{
    kernel_tables = (struct pgtable){virt_to_phys(kernel_l0), &kstack_pt_ops};
}

static uint64_t slot_top(unsigned s)
{
    return KSTACK_BASE + (uint64_t)(s + 1) * KSTACK_WINDOW;
}

/* The slot whose top is top, or -1. */
static int slot_of_top(uint64_t top)
{
    if (top <= KSTACK_BASE || top > slot_top(KSTACK_MAX - 1) || !IS_ALIGNED(top, KSTACK_WINDOW))
        return -1;
    return (int)((top - KSTACK_BASE) / KSTACK_WINDOW) - 1;
}

static void set_name(unsigned s, const char *name)
{
    char buf[sizeof(slots[s].name)] = "";
    if (name)
        strlcpy(buf, name, sizeof(buf));
    memcpy(slots[s].name, buf, sizeof(buf));
}

/* Broadcast invalidation of the (global) translations of [va, va + size). */
static void tlb_flush_kernel_range(uint64_t va, uint64_t size)
{
    dsb(ishst);
    for (uint64_t p = va; p < va + size; p += PAGE_SIZE)
        __asm__ volatile("tlbi vaae1is, %0" ::"r"((p >> 12) & 0xfffffffffffUL) : "memory");
    dsb(ish);
    isb();
}

/* Takes n of exo's own frames into pa[]; all or nothing. */
static bool own_frames_alloc(uint64_t *pa, int n)
{
    for (int i = 0; i < n; i++) {
        if (exo_own_frame_alloc(&pa[i])) {
            while (i-- > 0)
                exo_own_frame_free(pa[i]);
            return false;
        }
    }
    return true;
}

static void own_frames_free(const uint64_t *pa, int n)
{
    for (int i = 0; i < n; i++)
        exo_own_frame_free(pa[i]);
}

uint64_t exo_kstack_alloc(const char *name)
{
    uint64_t frames[KSTACK_PAGES], tables[KSTACK_TABLES];
    if (!own_frames_alloc(frames, KSTACK_PAGES))
        return 0;
    if (!own_frames_alloc(tables, KSTACK_TABLES)) {
        own_frames_free(frames, KSTACK_PAGES);
        return 0;
    }
    int n_tables = KSTACK_TABLES;
    uint64_t top = 0;
    spin_lock(&kstack_lock);
    for (unsigned s = 0; s < KSTACK_MAX && !top; s++) {
        if (slots[s].used)
            continue;
        memcpy(reserve.spare, tables, sizeof(tables));
        reserve.n_spare = KSTACK_TABLES;
        uint64_t bottom = slot_top(s) - KSTACK_SIZE;
        for (int i = 0; i < KSTACK_PAGES; i++)
            KASSERT(!pt_map(&kernel_tables, bottom + (uint64_t)i * PAGE_SIZE, frames[i], PAGE_SIZE,
                            MM_PROT_READ | MM_PROT_WRITE, 0));
        n_tables = reserve.n_spare; /* the unused ones go back */
        memcpy(tables, reserve.spare, sizeof(tables[0]) * (size_t)n_tables);
        reserve.n_spare = 0;
        slots[s].used = true;
        set_name(s, name);
        dsb(ishst);
        isb();
        top = slot_top(s);
    }
    spin_unlock(&kstack_lock);
    own_frames_free(tables, n_tables);
    if (!top)
        own_frames_free(frames, KSTACK_PAGES);
    return top;
}

int exo_kstack_free(uint64_t top)
{
    int s = slot_of_top(top);
    if (s < 0)
        return -EINVAL;
    uint64_t sp = (uint64_t)__builtin_frame_address(0);
    if (sp >= top - KSTACK_SIZE && sp < top)
        return -EBUSY;
    uint64_t frames[KSTACK_PAGES], bottom = top - KSTACK_SIZE;
    spin_lock(&kstack_lock);
    if (!slots[s].used) {
        spin_unlock(&kstack_lock);
        return -EINVAL;
    }
    for (int i = 0; i < KSTACK_PAGES; i++)
        KASSERT(!pt_translate(&kernel_tables, bottom + (uint64_t)i * PAGE_SIZE, &frames[i]));
    reserve.n_freed = 0;
    KASSERT(!pt_unmap(&kernel_tables, bottom, KSTACK_SIZE, NULL, NULL));
    /* Before the slot can be reused: no CPU may keep a translation to the old frames. */
    tlb_flush_kernel_range(bottom, KSTACK_SIZE);
    uint64_t tables[KSTACK_TABLES];
    int n_tables = reserve.n_freed;
    memcpy(tables, reserve.freed, sizeof(tables[0]) * (size_t)n_tables);
    reserve.n_freed = 0;
    slots[s].used = false;
    spin_unlock(&kstack_lock);
    own_frames_free(frames, KSTACK_PAGES);
    own_frames_free(tables, n_tables);
    return 0;
}

int exo_kstack_set_name(uint64_t top, const char *name)
{
    int s = slot_of_top(top);
    if (s < 0)
        return -EINVAL;
    int err = -EINVAL;
    spin_lock(&kstack_lock);
    if (slots[s].used) {
        set_name((unsigned)s, name);
        err = 0;
    }
    spin_unlock(&kstack_lock);
    return err;
}

bool kstack_lookup(uint64_t addr, char *name, size_t size, uint64_t *top)
{
    uint64_t window = ALIGN_DOWN(addr, (uint64_t)KSTACK_WINDOW);
    char buf[EXO_KSTACK_NAME_MAX + 1];
    if (addr >= (uint64_t)boot_stacks && addr < (uint64_t)boot_stacks_end) {
        unsigned i = (unsigned)((addr - (uint64_t)boot_stacks) / KSTACK_WINDOW);
        ksnprintf(buf, sizeof(buf), i < MAX_CPUS ? "boot-cpu%u" : "emergency-cpu%u", i % MAX_CPUS);
    } else if (addr >= KSTACK_BASE && addr < slot_top(KSTACK_MAX - 1)) {
        const struct kstack_slot *slot = &slots[(addr - KSTACK_BASE) / KSTACK_WINDOW];
        if (!READ_ONCE(slot->used))
            return false;
        /* No lock: this also serves the overflow report, which must not wait. */
        memcpy(buf, slot->name, sizeof(buf));
        buf[EXO_KSTACK_NAME_MAX] = '\0';
    } else {
        return false;
    }
    if (name)
        strlcpy(name, buf, size);
    if (top)
        *top = window + KSTACK_WINDOW;
    return true;
}

/* kstack_call_on(top, fn, arg): x0 = top, x1 = fn, x2 = arg. The frame record stays on the
 * caller's stack, so backtraces from fn continue into the caller. */
__asm__(".text\n"
        ".globl kstack_call_on\n"
        ".type kstack_call_on, %function\n"
        "kstack_call_on:\n"
        "    stp x29, x30, [sp, #-32]!\n"
        "    mov x29, sp\n"
        "    str x19, [sp, #16]\n"
        "    mov x19, sp\n"
        "    mov sp, x0\n"
        "    mov x0, x2\n"
        "    blr x1\n"
        "    mov sp, x19\n"
        "    ldr x19, [sp, #16]\n"
        "    ldp x29, x30, [sp], #32\n"
        "    ret\n"
        ".size kstack_call_on, . - kstack_call_on\n");
