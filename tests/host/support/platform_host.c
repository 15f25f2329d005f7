/* lib/platform.h for host tests: log to stderr, panic aborts (so cmocka reports the crash). */
#include <stdio.h>
#include <stdlib.h>
#include <lib/platform.h>

static __thread int host_lock_depth;

void platform_panic(const char *msg)
{
    fprintf(stderr, "PANIC: %s\n", msg);
    abort();
}

unsigned platform_cpu_id(void)
{
    return 0;
}

unsigned platform_cpu_count(void)
{
    return 1;
}

void platform_log_write(const char *s, size_t len)
{
    fwrite(s, 1, len, stderr);
}

bool platform_in_interrupt(void)
{
    return false;
}

void platform_lock_acquired(const char *name)
{
    (void)name;
    host_lock_depth++;
}

void platform_lock_released(const char *name)
{
    (void)name;
    host_lock_depth--;
}

int platform_lock_depth(void)
{
    return host_lock_depth;
}

const char *platform_last_lock(void)
{
    return "?";
}
