/*
 * Flattened device tree (DTB) reader. Hardware-free: it only reads a blob in memory, checks
 * every offset against the blob's size, and never trusts a length it read. A malformed blob
 * gives an error, never an out-of-bounds read.
 *
 * Nodes are named by their offset in the structure block (an int >= 0); negative values are
 * errors (FDT_ERR_*).
 */
#ifndef LIB_FDT_H
#define LIB_FDT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_ERR_NOTFOUND (-1)
#define FDT_ERR_BADBLOB  (-2)

struct fdt {
    const uint8_t *blob;
    size_t size;          /* totalsize from the header, checked against the caller's limit */
    uint32_t off_struct;  /* structure block offset and size */
    uint32_t size_struct;
    uint32_t off_strings; /* strings block offset and size */
    uint32_t size_strings;
    uint32_t off_rsvmap;
};

/* Checks the header (magic, version >= 16, blocks inside totalsize <= max_size). 0 or error. */
int fdt_open(struct fdt *fdt, const void *blob, size_t max_size);
/* Total size declared by a blob's header, or 0 if the magic is wrong. */
size_t fdt_blob_size(const void *blob);

/* Node at an absolute path such as "/chosen" or "/pl011@9000000". A path component without
 * a unit address ("/memory") matches the first node whose name before '@' is equal. */
int fdt_path_offset(const struct fdt *fdt, const char *path);
/* First child / next sibling of a node, or FDT_ERR_NOTFOUND. */
int fdt_first_child(const struct fdt *fdt, int node);
int fdt_next_sibling(const struct fdt *fdt, int node);
/* The node's name, including any unit address ("" for the root). */
const char *fdt_node_name(const struct fdt *fdt, int node);
/* A property's value and length, or NULL if the node has no such property. */
const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, size_t *len);
/* True if the node's "compatible" string list contains compat. */
bool fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat);
/* Next node after `after` (depth-first; -1 to start) that is compatible with compat. */
int fdt_next_compatible(const struct fdt *fdt, int after, const char *compat);
/* Parent's #address-cells / #size-cells that apply to node's "reg" (defaults 2 and 1). */
int fdt_reg_cells(const struct fdt *fdt, int node, int *addr_cells, int *size_cells);
/* The index-th (address, size) pair of node's "reg". 0 or error. */
int fdt_reg(const struct fdt *fdt, int node, int index, uint64_t *addr, uint64_t *size);
/* Number of /memreserve/ entries; fdt_memreserve gets one. */
int fdt_memreserve_count(const struct fdt *fdt);
int fdt_memreserve(const struct fdt *fdt, int index, uint64_t *addr, uint64_t *size);
/* Reads a big-endian cell array of 1 or 2 cells as one number. */
uint64_t fdt_read_cells(const void *p, int cells);

/* What the kernel needs from the device tree at boot. */
#define BOOT_MAX_MEM_RANGES 8
#define BOOT_MAX_RESERVED   16
#define BOOT_MAX_CPUS       8
#define BOOT_BOOTARGS_MAX   512

struct mem_range {
    uint64_t base, size;
};

enum psci_method { PSCI_NONE, PSCI_HVC, PSCI_SMC };

struct boot_info {
    struct mem_range mem[BOOT_MAX_MEM_RANGES]; /* /memory nodes' reg, in order */
    int n_mem;
    struct mem_range reserved[BOOT_MAX_RESERVED]; /* /memreserve/ + /reserved-memory children */
    int n_reserved;
    char bootargs[BOOT_BOOTARGS_MAX]; /* /chosen bootargs ("" if none), NUL-terminated */
    uint64_t initrd_start, initrd_end;  /* /chosen linux,initrd-*, both 0 if absent */
    uint64_t uart_base;                 /* first "arm,pl011" node */
    uint32_t uart_irq;                  /* its SPI number (GIC INTID = 32 + spi) */
    int gic_version;                    /* 2 or 3 ("arm,gic-v3" / "arm,cortex-a15-gic") */
    uint64_t gicd_base, gicd_size;      /* distributor */
    uint64_t gicr_base, gicr_size;      /* v3: redistributors; v2: CPU interface (gicc) */
    uint32_t timer_virt_ppi;            /* "arm,armv8-timer" 3rd interrupt (virtual), as PPI number */
    uint32_t timer_phys_ppi;            /* 2nd interrupt (non-secure physical) */
    uint64_t rtc_base;                  /* "arm,pl031", 0 if absent */
    enum psci_method psci;
    uint64_t cpu_mpidr[BOOT_MAX_CPUS]; /* /cpus/cpu@N reg, in order */
    int n_cpus;
};

/* Fills *info from the blob. Missing optional parts are left zero; 0 or error. */
int fdt_boot_info(const struct fdt *fdt, struct boot_info *info);

#endif
