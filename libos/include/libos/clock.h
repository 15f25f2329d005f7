/* Wall-clock time of the libOS. The PL031 RTC is not read yet: CLOCK_REALTIME starts at a
 * fixed epoch (2026-01-01T00:00:00Z) at boot and advances with the monotonic clock. */
#ifndef LIBOS_CLOCK_H
#define LIBOS_CLOCK_H
#include <stdint.h>
#include <exo/cpu.h>

#define LIBOS_BOOT_EPOCH_S  1767225600ULL
#define LIBOS_BOOT_EPOCH_NS (LIBOS_BOOT_EPOCH_S * 1000000000ULL)

/* CLOCK_REALTIME now, in ns since 1970. */
static inline uint64_t realtime_ns(void)
{
    return LIBOS_BOOT_EPOCH_NS + exo_time_ns();
}

#endif
