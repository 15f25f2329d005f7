/*
 * What hardware-free code (lib/, mm/, fs/, libos/ logic) needs from whoever runs it.
 * The kernel implements these in exo/; host tests implement them in tests/host/support/.
 */
#ifndef LIB_PLATFORM_H
#define LIB_PLATFORM_H
#include <stdbool.h>
#include <lib/compiler.h>

/* Stops everything after printing msg; never returns. */
__noreturn void platform_panic(const char *msg);
/* Index of the calling CPU, 0 .. platform_cpu_count()-1. */
unsigned platform_cpu_id(void);
unsigned platform_cpu_count(void);
/* Appends text to the log (console in the kernel, stderr on the host). */
void platform_log_write(const char *s, size_t len);
/* Lock-depth bookkeeping behind spinlocks: awaits check the depth is zero. */
void platform_lock_acquired(const char *name);
void platform_lock_released(const char *name);
/* Spinlocks the calling CPU holds now, and the name of the last one it took. */
int platform_lock_depth(void);
const char *platform_last_lock(void);
/* True while the calling CPU runs an interrupt handler (code whose locks do not mask
 * interrupts checks it to catch being called from one). */
bool platform_in_interrupt(void);

#endif
