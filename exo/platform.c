/* lib/platform.h for the kernel: the hooks hardware-free code calls. */
#include <lib/platform.h>
#include "exo.h"

void platform_panic(const char *msg)
{
    irq_disable();
    kprintf("PANIC on CPU %u: %s\n", this_cpu()->index, msg);
    dump_backtrace((uint64_t)__builtin_frame_address(0), (uint64_t)&platform_panic);
    panic_others_stop();
    panic_stop();
}

unsigned platform_cpu_id(void)
{
    return this_cpu()->index;
}

unsigned platform_cpu_count(void)
{
    return cpu_count;
}

void platform_log_write(const char *s, size_t len)
{
    console_write(s, len);
}

bool platform_in_interrupt(void)
{
    return this_cpu()->irq_depth > 0;
}

void platform_lock_acquired(const char *name)
{
    struct cpu_local *c = this_cpu();
    c->lock_depth++;
    c->last_lock = name;
}

void platform_lock_released(const char *name)
{
    (void)name;
    this_cpu()->lock_depth--;
}

int platform_lock_depth(void)
{
    return this_cpu()->lock_depth;
}

const char *platform_last_lock(void)
{
    return this_cpu()->last_lock;
}
