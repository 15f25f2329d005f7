/*
 * Environments and their EL0 address spaces (exo/env.h). Each environment has a 4-level
 * TTBR0 table tree (mm/pgtable.c) made of exo's own frames and a unique ASID (its slot number + 1), so
 * switching environments never needs a TLB flush; unmap and protect invalidate one page by
 * ASID with a broadcast TLBI, which reaches every CPU.
 */
#include <string.h>
#include <exo/env.h>
#include <exo/frame.h>
#include <lib/errno.h>
#include <lib/kassert.h>
#include <lib/spinlock.h>
#include <mm/mm.h>
#include <mm/pgtable.h>
#include <mm/pte.h>
#include "exo.h"
#include "frame_table.h"
#include "ramdisk_bind.h"
#include "repossess.h"

#define MAX_ENVS 1024

struct env {
    envid_t id;       /* 0: slot free */
    struct pgtable pt; /* EL0 tables, made of exo's own frames */
    struct spinlock lock;
    uint64_t run_ns;  /* CPU time used */
    struct repo_record repo; /* frames exo took from it, not yet read (under lock) */
};

static struct env envs[MAX_ENVS];
static struct spinlock envs_lock = SPINLOCK_INIT("envs");
static uint32_t generation = 1;
extern struct frame_table frame_table;
extern struct ramdisk ramdisk;

static struct env *env_get(envid_t id)
{
    if (id <= 0)
        return NULL;
    struct env *e = &envs[id % MAX_ENVS];
    return READ_ONCE(e->id) == id ? e : NULL;
}

bool env_exists(envid_t id)
{
    return env_get(id) != NULL;
}

static uint16_t env_asid(const struct env *e)
{
    return (uint16_t)(e - envs + 1);
}

uint64_t env_ttbr0(envid_t id)
{
    struct env *e = env_get(id);
    KASSERT(e);
    return e->pt.root | (uint64_t)env_asid(e) << 48;
}

void env_account(envid_t id, uint64_t ns)
{
    struct env *e = env_get(id);
    if (e)
        __atomic_add_fetch(&e->run_ns, ns, __ATOMIC_RELAXED);
}

static uint64_t pt_alloc_table(void *ctx)
{
    (void)ctx;
    uint64_t pa;
    return exo_own_frame_alloc(&pa) ? 0 : pa;
}

static void pt_free_table(void *ctx, uint64_t pa)
{
    (void)ctx;
    exo_own_frame_free(pa);
}

static void *pt_phys_to_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return phys_to_virt(pa);
}

static const struct pt_ops env_pt_ops = {pt_alloc_table, pt_free_table, pt_phys_to_virt, NULL};

/* Creates the slot: libos is true only for EXO_ENV_LIBOS at boot. */
static int env_create_slot(envid_t *out, bool libos)
{
    struct pgtable pt = {0};
    if (!libos && pt_init(&pt, &env_pt_ops))
        return -ENOMEM;
    int err = -ENOMEM;
    spin_lock(&envs_lock);
    for (int i = libos ? 1 : 2; i < MAX_ENVS; i++) {
        if (envs[i].id == 0) {
            envid_t id = libos ? EXO_ENV_LIBOS : (envid_t)(generation++ * MAX_ENVS + i);
            envs[i].pt = pt;
            envs[i].run_ns = 0;
            envs[i].repo = (struct repo_record){0};
            spin_init(&envs[i].lock, "env");
            WRITE_ONCE(envs[i].id, id);
            *out = id;
            err = 0;
            break;
        }
        if (libos)
            break;
    }
    spin_unlock(&envs_lock);
    if (err && !libos)
        pt_destroy(&pt);
    return err;
}

int exo_env_create(envid_t *env)
{
    return env_create_slot(env, false);
}

void env_init(void)
{
    envid_t id;
    KASSERT(!env_create_slot(&id, true) && id == EXO_ENV_LIBOS);
}

static void tlb_flush_page(const struct env *e, uint64_t va)
{
    uint64_t arg = (uint64_t)env_asid(e) << 48 | (va >> 12 & 0xfffffffffffUL);
    __asm__ volatile("dsb ishst\n tlbi vae1is, %0\n dsb ish\n isb" ::"r"(arg) : "memory");
}

static void tlb_flush_asid(const struct env *e)
{
    uint64_t arg = (uint64_t)env_asid(e) << 48;
    __asm__ volatile("dsb ishst\n tlbi aside1is, %0\n dsb ish\n isb" ::"r"(arg) : "memory");
}

static unsigned exo_to_mm_prot(unsigned prot)
{
    unsigned p = MM_PROT_USER | MM_PROT_READ;
    if (prot & EXO_PROT_WRITE)
        p |= MM_PROT_WRITE;
    if (prot & EXO_PROT_EXEC)
        p |= MM_PROT_EXEC;
    return p;
}

static unsigned mm_to_exo_prot(unsigned p)
{
    return EXO_PROT_READ | (p & MM_PROT_WRITE ? EXO_PROT_WRITE : 0) |
           (p & MM_PROT_EXEC ? EXO_PROT_EXEC : 0);
}

static bool user_va_ok(uint64_t va)
{
    return IS_ALIGNED(va, PAGE_SIZE) && va >= EXO_USER_MIN && va < EXO_USER_MAX;
}

static bool prot_ok(unsigned prot)
{
    return (prot & EXO_PROT_READ) && !(prot & ~(EXO_PROT_READ | EXO_PROT_WRITE | EXO_PROT_EXEC));
}

int exo_map(envid_t id, uint64_t va, paddr_t pa, unsigned prot)
{
    struct env *e = env_get(id);
    if (!e || id == EXO_ENV_LIBOS || !user_va_ok(va) || !IS_ALIGNED(pa, PAGE_SIZE) ||
        !prot_ok(prot))
        return -EINVAL;
    /* The frame table only knows RAM frames: device memory, the kernel image and exo's own
     * frames are refused here. */
    int err = ft_map_get(&frame_table, id, pa >> PAGE_SHIFT, prot);
    if (err)
        return err;
    spin_lock(&e->lock);
    err = pt_map(&e->pt, va, pa, PAGE_SIZE, exo_to_mm_prot(prot), 0);
    dsb(ishst);
    isb();
    spin_unlock(&e->lock);
    if (err)
        ft_map_put(&frame_table, id, pa >> PAGE_SHIFT);
    return err;
}

int exo_unmap(envid_t id, uint64_t va)
{
    struct env *e = env_get(id);
    if (!e || !user_va_ok(va))
        return -EINVAL;
    spin_lock(&e->lock);
    uint64_t pa;
    int err = pt_translate(&e->pt, va, &pa);
    if (!err) {
        KASSERT(!pt_unmap(&e->pt, va, PAGE_SIZE, NULL, NULL));
        tlb_flush_page(e, va);
    }
    spin_unlock(&e->lock);
    if (!err)
        ft_map_put(&frame_table, id, pa >> PAGE_SHIFT);
    return err;
}

struct unmap_range_arg {
    struct env *e;
    bool release;
};

static void put_mapping_release(void *arg, uint64_t va, pte_t *pte, int level)
{
    struct unmap_range_arg *a = arg;
    uint64_t pfn = pte_addr(*pte) >> PAGE_SHIFT;
    KASSERT(level == 3);
    tlb_flush_page(a->e, va);
    ft_map_put_release(&frame_table, a->e->id, pfn, a->release); /* owned frames stay */
}

int exo_unmap_range(envid_t id, uint64_t va, uint64_t len, unsigned flags)
{
    struct env *e = env_get(id);
    if (!e || id == EXO_ENV_LIBOS || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(len, PAGE_SIZE) ||
        va + len < va || va + len > EXO_USER_MAX || (flags & ~EXO_UNMAP_RELEASE))
        return -EINVAL;
    if (len == 0)
        return 0;
    struct unmap_range_arg a = {e, flags & EXO_UNMAP_RELEASE};
    spin_lock(&e->lock);
    /* Only 4 KiB pages are ever mapped here, so no block needs splitting (no -ENOMEM). */
    int err = pt_unmap(&e->pt, va, len, put_mapping_release, &a);
    spin_unlock(&e->lock);
    return err;
}

int exo_protect(envid_t id, uint64_t va, unsigned prot)
{
    struct env *e = env_get(id);
    if (!e || !user_va_ok(va) || !prot_ok(prot))
        return -EINVAL;
    spin_lock(&e->lock);
    uint64_t pa;
    int err = pt_translate(&e->pt, va, &pa);
    if (!err) {
        unsigned need = (prot & EXO_PROT_WRITE) ? EXO_RIGHT_READ | EXO_RIGHT_WRITE : EXO_RIGHT_READ;
        if ((ft_rights(&frame_table, id, pa >> PAGE_SHIFT) & need) != need) {
            err = -EPERM;
        } else {
            /* pt_protect rewrites the live entry in place; the flush after it removes the
             * old permissions from every TLB (a permission change needs no break-before-make
             * for a page descriptor keeping its output address). */
            KASSERT(!pt_protect(&e->pt, va, PAGE_SIZE, exo_to_mm_prot(prot)));
            tlb_flush_page(e, va);
        }
    }
    spin_unlock(&e->lock);
    return err;
}

int exo_query(envid_t id, uint64_t va, paddr_t *pa, unsigned *prot)
{
    struct env *e = env_get(id);
    if (!e || !user_va_ok(va))
        return -EINVAL;
    spin_lock(&e->lock);
    pte_t pte;
    int level;
    int err = pt_lookup(&e->pt, va, &pte, &level);
    if (!err) {
        *pa = pte_addr(pte);
        *prot = mm_to_exo_prot(pt_attrs_to_prot(pte));
    }
    spin_unlock(&e->lock);
    return err;
}

struct unmap_frame_arg {
    struct env *e;
    uint64_t pa;
    uint64_t found[16];
    int n;
};

static void collect_frame(void *arg, uint64_t va, pte_t *pte, int level)
{
    struct unmap_frame_arg *a = arg;
    if (level == 3 && pte_addr(*pte) == a->pa && a->n < 16)
        a->found[a->n++] = va;
}

uint64_t env_unmap_frame(envid_t id, uint64_t pa)
{
    struct env *e = env_get(id);
    uint64_t first_va = 0;
    if (!e || !e->pt.root)
        return 0;
    struct unmap_frame_arg a;
    do {
        a.e = e;
        a.pa = pa;
        a.n = 0;
        spin_lock(&e->lock);
        pt_walk(&e->pt, 0, EXO_USER_MAX, collect_frame, &a);
        for (int i = 0; i < a.n; i++) {
            if (!first_va)
                first_va = a.found[i];
            KASSERT(!pt_unmap(&e->pt, a.found[i], PAGE_SIZE, NULL, NULL));
            tlb_flush_page(e, a.found[i]);
            ft_map_put(&frame_table, id, pa >> PAGE_SHIFT);
        }
        spin_unlock(&e->lock);
    } while (a.n == 16);
    return first_va;
}

void env_record_loss(envid_t id, const struct exo_taken *t)
{
    struct env *e = env_get(id);
    if (!e)
        return;
    spin_lock(&e->lock);
    repo_record_add(&e->repo, t);
    spin_unlock(&e->lock);
}

int exo_repossessed(envid_t id, struct exo_taken *out, size_t max, uint64_t *dropped)
{
    struct env *e = env_get(id);
    if (!e || (max && !out))
        return -EINVAL;
    spin_lock(&e->lock);
    size_t n = repo_record_read(&e->repo, out, max, dropped);
    spin_unlock(&e->lock);
    return (int)n;
}

envid_t env_pick_victim(envid_t requester)
{
    static envid_t ids[MAX_ENVS];
    static uint32_t held[MAX_ENVS];
    for (int i = 0; i < MAX_ENVS; i++) {
        ids[i] = READ_ONCE(envs[i].id);
        held[i] = 0;
    }
    ft_tally(&frame_table, held, MAX_ENVS);
    return repo_pick_victim(ids, held, MAX_ENVS, requester);
}

static void put_mapping(void *arg, uint64_t va, pte_t *pte, int level)
{
    (void)va;
    KASSERT(level == 3);
    ft_map_put(&frame_table, ((struct env *)arg)->id, pte_addr(*pte) >> PAGE_SHIFT);
}

int exo_env_destroy(envid_t id)
{
    struct env *e = env_get(id);
    if (!e || id == EXO_ENV_LIBOS)
        return -EINVAL;
    spin_lock(&e->lock);
    KASSERT(!pt_unmap(&e->pt, 0, EXO_USER_MAX, put_mapping, e));
    tlb_flush_asid(e);
    pt_destroy(&e->pt);
    spin_unlock(&e->lock);
    ft_release_env(&frame_table, id);
    rd_unbind_env(&ramdisk, id);
    spin_lock(&envs_lock);
    WRITE_ONCE(e->id, 0);
    spin_unlock(&envs_lock);
    return 0;
}

/* Kernel address of the byte at va in e, if mapped (and writable when write). */
static uint8_t *user_byte(struct env *e, uint64_t va, bool write)
{
    pte_t pte;
    int level;
    if (pt_lookup(&e->pt, va & ~(PAGE_SIZE - 1), &pte, &level) || (write && (pte & PTE_RDONLY)))
        return NULL;
    return (uint8_t *)phys_to_virt(pte_addr(pte)) + (va & (PAGE_SIZE - 1));
}

/* Copies len bytes between kbuf and env's va, page by page, under the env lock. */
static int copy_user(envid_t id, uint64_t va, void *kbuf, uint64_t len, bool to_user)
{
    struct env *e = env_get(id);
    if (!e || id == EXO_ENV_LIBOS || va + len < va || va + len > EXO_USER_MAX)
        return e ? -EFAULT : -EINVAL;
    uint8_t *k = kbuf;
    int err = 0;
    spin_lock(&e->lock);
    while (len) {
        uint64_t chunk = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        uint8_t *u = user_byte(e, va, to_user);
        if (!u) {
            err = -EFAULT;
            break;
        }
        if (to_user)
            memcpy(u, k, chunk);
        else
            memcpy(k, u, chunk);
        va += chunk;
        k += chunk;
        len -= chunk;
    }
    spin_unlock(&e->lock);
    return err;
}

int exo_copy_from_user(envid_t env, void *dst, uint64_t va, uint64_t len)
{
    return copy_user(env, va, dst, len, false);
}

int exo_copy_to_user(envid_t env, uint64_t va, const void *src, uint64_t len)
{
    return copy_user(env, va, (void *)src, len, true);
}
