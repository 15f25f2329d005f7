/*
 * The libOS's side of visible revocation (exo/include/exo/frame.h): what it gives up when
 * exo runs short of frames, and what it does when exo takes frames by force.
 */
#ifndef LIBOS_RECLAIM_H
#define LIBOS_RECLAIM_H
#include <stdbool.h>
#include <stdint.h>
#include <exo/types.h>

struct process;
struct vmspace;

/* Registers the reclaim handler and the repossession vector and starts the task that ends
 * processes exo took pages from. */
void reclaim_init(void);
/* Whether exo took frame pa back from the libOS: it is parked (exo/frame.h) and must never
 * be granted again; it goes back to exo when its last reference is dropped. */
bool reclaim_frame_lost(paddr_t pa);
/* Whether the page at addr in vm's shadow table is a frame exo took (the process lost its
 * contents). Caller holds vm->as_lock. */
bool reclaim_page_lost(struct vmspace *vm, uint64_t addr);

#endif
