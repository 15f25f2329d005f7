/*
 * ELF-64 file structures and constants, written from the System V gABI (ELF-64 Object File
 * Format) and the AArch64 ELF ABI. Little-endian only, as is every AArch64 Linux program we
 * run; the structures are read from files with memcpy.
 */
#ifndef LIBOS_ELF_H
#define LIBOS_ELF_H
#include <stdint.h>

#define ELF_NIDENT    16
#define ELF_MAG0      0x7f /* e_ident[0..3] = "\177ELF" */
#define ELF_CLASS_IDX 4
#define ELF_DATA_IDX  5
#define ELF_VER_IDX   6
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1

#define ET_EXEC    2
#define ET_DYN     3
#define EM_AARCH64 183

#define PT_NULL         0
#define PT_LOAD         1
#define PT_DYNAMIC      2
#define PT_INTERP       3
#define PT_NOTE         4
#define PT_PHDR         6
#define PT_TLS          7
#define PT_GNU_STACK    0x6474e551
#define PT_GNU_RELRO    0x6474e552
#define PT_GNU_PROPERTY 0x6474e553

#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
    uint8_t e_ident[ELF_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF-64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF-64 program header is 56 bytes");

/* Auxiliary vector types (Linux include/uapi/linux/auxvec.h, arm64 asm/auxvec.h). */
#define AT_NULL         0
#define AT_IGNORE       1
#define AT_PHDR         3
#define AT_PHENT        4
#define AT_PHNUM        5
#define AT_PAGESZ       6
#define AT_BASE         7
#define AT_FLAGS        8
#define AT_ENTRY        9
#define AT_UID          11
#define AT_EUID         12
#define AT_GID          13
#define AT_EGID         14
#define AT_PLATFORM     15
#define AT_HWCAP        16
#define AT_CLKTCK       17
#define AT_SECURE       23
#define AT_RANDOM       25
#define AT_HWCAP2       26
#define AT_EXECFN       31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ  51

#endif
