/*
 * Ending the machine with a status. Under QEMU with -semihosting-config enable=on,
 * SYS_EXIT (ADP_Stopped_ApplicationExit, status) makes QEMU exit with that status, which is
 * how a panic fails a test. Status 0 uses PSCI SYSTEM_OFF, which every board has.
 */
#include "exo.h"

#define SYS_EXIT                     0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

void machine_exit(int status)
{
    static int tried; /* without semihosting, HLT traps: the second try powers off */
    if (status != 0 && !tried++) {
        uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint64_t)status};
        register uint64_t x0 __asm__("x0") = SYS_EXIT;
        register uint64_t x1 __asm__("x1") = (uint64_t)block;
        __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    }
    psci_system_off();
}
