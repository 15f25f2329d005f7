/*
 * Environments and their address spaces. Each environment has its own EL0 address space
 * (TTBR0, tagged with its own ASID). exo maps a page only if the environment holds the
 * frame with the rights the protection needs (WRITE needs the write right); kernel
 * addresses, exo's own frames and device memory can never be mapped. exo does every TLB
 * invalidation itself, by ASID, broadcast to all CPUs (TLBI ...IS, the architecture's
 * shootdown).
 */
#ifndef EXO_ENV_H
#define EXO_ENV_H
#include <exo/types.h>

/* Creates an environment with an empty address space. */
int exo_env_create(envid_t *env);
/* Destroys env: unmaps everything, drops every grant it holds and every frame it owns
 * (frames others still hold live on), frees its ramdisk bindings and its ASID. */
int exo_env_destroy(envid_t env);

int exo_map(envid_t env, uint64_t va, paddr_t pa, unsigned prot);
/* Removes a mapping; -ENOENT if va is not mapped. */
int exo_unmap(envid_t env, uint64_t va);
int exo_protect(envid_t env, uint64_t va, unsigned prot);
/* Removes every mapping in [va, va+len) (page aligned); with EXO_UNMAP_RELEASE, also lets
 * go of each granted frame env no longer maps anywhere. Visits only mapped pages. */
#define EXO_UNMAP_RELEASE 1u
int exo_unmap_range(envid_t env, uint64_t va, uint64_t len, unsigned flags);
/* What va maps to: 0 and *pa, *prot, or -ENOENT. */
int exo_query(envid_t env, uint64_t va, paddr_t *pa, unsigned *prot);

/* Copies between the libOS and env's memory through env's own page tables. -EFAULT if a
 * page is not mapped (or, when writing, not writable): the libOS resolves the fault (demand
 * paging, copy-on-write) and tries again. */
int exo_copy_from_user(envid_t env, void *dst, uint64_t va, uint64_t len);
int exo_copy_to_user(envid_t env, uint64_t va, const void *src, uint64_t len);

#endif
