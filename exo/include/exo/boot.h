/*
 * The hand-over from exo to the libOS. Once exo has brought up the machine it calls
 * libos_main on the boot CPU; the libOS provides that function.
 */
#ifndef EXO_BOOT_H
#define EXO_BOOT_H
#include <stdint.h>

struct exo_boot_params {
    const char *cmdline;        /* kernel command line (/chosen bootargs) */
    uint64_t ram_bytes;         /* RAM exo found */
    unsigned cpus;              /* CPUs online */
    uint64_t ramdisk_bytes;     /* size of the ramdisk (initrd), 0 if none */
};

/* Provided by the libOS: never returns. */
__attribute__((noreturn)) void libos_main(const struct exo_boot_params *params);

#endif
