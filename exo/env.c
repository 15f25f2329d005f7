/*
 * Environments and their EL0 address spaces (exo/env.h). Each environment has a 4-level
 * TTBR0 table tree made of exo's own frames and a unique ASID (its slot number + 1), so
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
#include <mm/pte.h>
#include "exo.h"
#include "frame_table.h"
#include "ramdisk_bind.h"

#define MAX_ENVS 1024

struct env {
    envid_t id;       /* 0: slot free */
    uint64_t root_pa; /* level-0 table */
    struct spinlock lock;
    uint64_t run_ns;  /* CPU time used */
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
    return e->root_pa | (uint64_t)env_asid(e) << 48;
}

void env_account(envid_t id, uint64_t ns)
{
    struct env *e = env_get(id);
    if (e)
        __atomic_add_fetch(&e->run_ns, ns, __ATOMIC_RELAXED);
}

/* Creates the slot: libos is true only for EXO_ENV_LIBOS at boot. */
static int env_create_slot(envid_t *out, bool libos)
{
    uint64_t root;
    if (!libos && exo_own_frame_alloc(&root))
        return -ENOMEM;
    int err = -ENOMEM;
    spin_lock(&envs_lock);
    for (int i = libos ? 1 : 2; i < MAX_ENVS; i++) {
        if (envs[i].id == 0) {
            envid_t id = libos ? EXO_ENV_LIBOS : (envid_t)(generation++ * MAX_ENVS + i);
            envs[i].root_pa = libos ? 0 : root;
            envs[i].run_ns = 0;
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
        exo_own_frame_free(root);
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

/* The level-3 entry for va, creating tables on the way if create; NULL if absent or out
 * of memory. Env lock held. */
static pte_t *walk(struct env *e, uint64_t va, bool create)
{
    pte_t *table = phys_to_virt(e->root_pa);
    for (int level = 0; level < 3; level++) {
        pte_t *entry = &table[PT_INDEX(va, level)];
        if (!pte_is_valid(*entry)) {
            uint64_t pa;
            if (!create || exo_own_frame_alloc(&pa))
                return NULL;
            dsb(ishst);
            *entry = pa | PTE_TABLE;
        }
        table = phys_to_virt(pte_addr(*entry));
    }
    return &table[PT_INDEX(va, 3)];
}

static pte_t prot_to_pte(uint64_t pa, unsigned prot)
{
    pte_t pte = pa | PTE_PAGE | PTE_AF | PTE_SH_INNER | PTE_NG | PTE_ATTRIDX(MT_NORMAL) |
                PTE_USER | PTE_PXN;
    if (!(prot & EXO_PROT_WRITE))
        pte |= PTE_RDONLY;
    if (!(prot & EXO_PROT_EXEC))
        pte |= PTE_UXN;
    return pte;
}

static unsigned pte_to_prot(pte_t pte)
{
    unsigned prot = EXO_PROT_READ;
    if (!(pte & PTE_RDONLY))
        prot |= EXO_PROT_WRITE;
    if (!(pte & PTE_UXN))
        prot |= EXO_PROT_EXEC;
    return prot;
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
    pte_t *pte = walk(e, va, true);
    if (!pte)
        err = -ENOMEM;
    else if (pte_is_valid(*pte))
        err = -EEXIST;
    else
        *pte = prot_to_pte(pa, prot);
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
    pte_t *pte = walk(e, va, false);
    pte_t old = pte ? *pte : 0;
    if (pte_is_valid(old)) {
        *pte = 0;
        tlb_flush_page(e, va);
    }
    spin_unlock(&e->lock);
    if (!pte_is_valid(old))
        return -ENOENT;
    ft_map_put(&frame_table, id, pte_addr(old) >> PAGE_SHIFT);
    return 0;
}

int exo_protect(envid_t id, uint64_t va, unsigned prot)
{
    struct env *e = env_get(id);
    if (!e || !user_va_ok(va) || !prot_ok(prot))
        return -EINVAL;
    spin_lock(&e->lock);
    pte_t *pte = walk(e, va, false);
    int err = 0;
    if (!pte || !pte_is_valid(*pte)) {
        err = -ENOENT;
    } else {
        uint64_t pa = pte_addr(*pte);
        unsigned need = (prot & EXO_PROT_WRITE) ? EXO_RIGHT_READ | EXO_RIGHT_WRITE : EXO_RIGHT_READ;
        if ((ft_rights(&frame_table, id, pa >> PAGE_SHIFT) & need) != need) {
            err = -EPERM;
        } else {
            *pte = 0; /* break before make */
            tlb_flush_page(e, va);
            *pte = prot_to_pte(pa, prot);
            dsb(ishst);
            isb();
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
    pte_t *pte = walk(e, va, false);
    int err = pte && pte_is_valid(*pte) ? 0 : -ENOENT;
    if (!err) {
        *pa = pte_addr(*pte);
        *prot = pte_to_prot(*pte);
    }
    spin_unlock(&e->lock);
    return err;
}

/* Unmaps every page of e that maps frame pa (for revoke): a walk of the whole tree. */
static void unmap_frame_in(struct env *e, pte_t *table, int level, uint64_t va_base, uint64_t pa)
{
    for (int i = 0; i < PT_ENTRIES; i++) {
        if (!pte_is_valid(table[i]))
            continue;
        uint64_t va = va_base | (uint64_t)i << PT_LEVEL_SHIFT(level);
        if (level < 3) {
            unmap_frame_in(e, phys_to_virt(pte_addr(table[i])), level + 1, va, pa);
        } else if (pte_addr(table[i]) == pa) {
            table[i] = 0;
            tlb_flush_page(e, va);
            ft_map_put(&frame_table, e->id, pa >> PAGE_SHIFT);
        }
    }
}

void env_unmap_frame(envid_t id, uint64_t pa)
{
    struct env *e = env_get(id);
    if (!e || !e->root_pa)
        return;
    spin_lock(&e->lock);
    unmap_frame_in(e, phys_to_virt(e->root_pa), 0, 0, pa);
    spin_unlock(&e->lock);
}

/* Unmaps everything under table and frees the tables (not the root). Env lock held. */
static void teardown(struct env *e, pte_t *table, int level)
{
    for (int i = 0; i < PT_ENTRIES; i++) {
        pte_t pte = table[i];
        if (!pte_is_valid(pte))
            continue;
        table[i] = 0;
        if (level < 3) {
            teardown(e, phys_to_virt(pte_addr(pte)), level + 1);
            exo_own_frame_free(pte_addr(pte));
        } else {
            ft_map_put(&frame_table, e->id, pte_addr(pte) >> PAGE_SHIFT);
        }
    }
}

int exo_env_destroy(envid_t id)
{
    struct env *e = env_get(id);
    if (!e || id == EXO_ENV_LIBOS)
        return -EINVAL;
    spin_lock(&e->lock);
    teardown(e, phys_to_virt(e->root_pa), 0);
    tlb_flush_asid(e);
    spin_unlock(&e->lock);
    ft_release_env(&frame_table, id);
    rd_unbind_env(&ramdisk, id);
    exo_own_frame_free(e->root_pa);
    spin_lock(&envs_lock);
    WRITE_ONCE(e->id, 0);
    spin_unlock(&envs_lock);
    return 0;
}

/* Kernel address of the byte at va in e, if mapped (and writable when write). */
static uint8_t *user_byte(struct env *e, uint64_t va, bool write)
{
    pte_t *pte = walk(e, va & ~(PAGE_SIZE - 1), false);
    if (!pte || !pte_is_valid(*pte) || (write && (*pte & PTE_RDONLY)))
        return NULL;
    return (uint8_t *)phys_to_virt(pte_addr(*pte)) + (va & (PAGE_SIZE - 1));
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
