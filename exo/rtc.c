/*
 * The PL031 real-time clock ("arm,pl031" in the device tree): exo maps it and offers its
 * seconds counter read-only through exo_rtc_seconds (exo/include/exo/rtc.h).
 */
#include <exo/rtc.h>
#include <lib/errno.h>
#include "exo.h"

#define PL031_DR        0x000 /* data register: seconds, counts up */
#define PL031_PERIPHID0 0xfe0 /* part number, low byte: 0x31 */
#define PL031_PCELLID0  0xff0 /* PrimeCell id bytes: 0x0d 0xf0 0x05 0xb1 */

static volatile uint32_t *rtc_regs;

static uint32_t rtc_read(uint32_t off)
{
    return rtc_regs[off / 4];
}

/* Is the device at base a PL031 (PrimeCell and part number)? */
static bool rtc_identifies(void)
{
    static const uint8_t cell[4] = {0x0d, 0xf0, 0x05, 0xb1};
    for (int i = 0; i < 4; i++) {
        if ((rtc_read(PL031_PCELLID0 + 4 * i) & 0xff) != cell[i])
            return false;
    }
    return (rtc_read(PL031_PERIPHID0) & 0xff) == 0x31;
}

void rtc_init(const struct boot_info *bi)
{
    if (!bi->rtc_base)
        return;
    rtc_regs = ioremap(bi->rtc_base, 4096);
    if (!rtc_identifies())
        rtc_regs = NULL;
}

int64_t exo_rtc_seconds(void)
{
    if (!rtc_regs)
        return -ENODEV;
    return rtc_read(PL031_DR);
}
