/* The real-time clock as exo lends it to the libOS: read-only. Setting the wall clock is the
 * libOS's business (an offset it keeps), so no environment can change what others read. */
#ifndef EXO_RTC_H
#define EXO_RTC_H
#include <stdint.h>

/* Seconds since 1970-01-01T00:00:00Z from the board's RTC (a PL031 on qemu-virt), or
 * -ENODEV when the device tree names none or the device does not identify as one. */
int64_t exo_rtc_seconds(void);

#endif
