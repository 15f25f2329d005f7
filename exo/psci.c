/* PSCI 0.2+ calls through the conduit the device tree names (HVC or SMC). */
#include "exo.h"

#define PSCI_CPU_ON_64    0xc4000003
#define PSCI_SYSTEM_OFF   0x84000008

static uint64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    if (boot_info.psci == PSCI_SMC)
        __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    else
        __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    return x0;
}

int psci_cpu_on(uint64_t mpidr, uint64_t entry_phys, uint64_t context)
{
    if (boot_info.psci == PSCI_NONE)
        return -1;
    return (int)psci_call(PSCI_CPU_ON_64, mpidr, entry_phys, context);
}

void psci_system_off(void)
{
    if (boot_info.psci != PSCI_NONE)
        psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}
