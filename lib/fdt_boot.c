/* fdt_boot_info: the facts the kernel needs at boot, gathered from a device tree. */
#include <string.h>
#include <lib/fdt.h>

static uint32_t cell(const void *p, size_t len, size_t index)
{
    return 4 * (index + 1) <= len ? (uint32_t)fdt_read_cells((const uint8_t *)p + 4 * index, 1)
                                  : 0;
}

static void read_memory(const struct fdt *fdt, struct boot_info *bi)
{
    int root = fdt_path_offset(fdt, "/");
    for (int n = fdt_first_child(fdt, root); n >= 0; n = fdt_next_sibling(fdt, n)) {
        size_t len;
        const char *type = fdt_getprop(fdt, n, "device_type", &len);
        if (!type || len < 7 || strncmp(type, "memory", len))
            continue;
        uint64_t base, size;
        for (int i = 0; bi->n_mem < BOOT_MAX_MEM_RANGES && !fdt_reg(fdt, n, i, &base, &size); i++) {
            if (size)
                bi->mem[bi->n_mem++] = (struct mem_range){base, size};
        }
    }
}

static void read_reserved(const struct fdt *fdt, struct boot_info *bi)
{
    uint64_t base, size;
    for (int i = 0; bi->n_reserved < BOOT_MAX_RESERVED && !fdt_memreserve(fdt, i, &base, &size); i++)
        bi->reserved[bi->n_reserved++] = (struct mem_range){base, size};
    int rm = fdt_path_offset(fdt, "/reserved-memory");
    for (int n = rm >= 0 ? fdt_first_child(fdt, rm) : -1; n >= 0; n = fdt_next_sibling(fdt, n)) {
        if (bi->n_reserved < BOOT_MAX_RESERVED && !fdt_reg(fdt, n, 0, &base, &size))
            bi->reserved[bi->n_reserved++] = (struct mem_range){base, size};
    }
}

static void read_chosen(const struct fdt *fdt, struct boot_info *bi)
{
    int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen < 0)
        return;
    size_t len;
    const char *args = fdt_getprop(fdt, chosen, "bootargs", &len);
    if (args && len) {
        size_t n = strnlen(args, len);
        if (n >= sizeof(bi->bootargs))
            n = sizeof(bi->bootargs) - 1;
        memcpy(bi->bootargs, args, n);
        bi->bootargs[n] = '\0';
    }
    const void *s = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
    if (s && (len == 4 || len == 8))
        bi->initrd_start = fdt_read_cells(s, (int)len / 4);
    const void *e = fdt_getprop(fdt, chosen, "linux,initrd-end", &len);
    if (e && (len == 4 || len == 8))
        bi->initrd_end = fdt_read_cells(e, (int)len / 4);
    if (bi->initrd_end < bi->initrd_start)
        bi->initrd_start = bi->initrd_end = 0;
}

static void read_devices(const struct fdt *fdt, struct boot_info *bi)
{
    size_t len;
    uint64_t size;
    int n = fdt_next_compatible(fdt, -1, "arm,pl011");
    if (n >= 0 && !fdt_reg(fdt, n, 0, &bi->uart_base, &size)) {
        const void *irq = fdt_getprop(fdt, n, "interrupts", &len);
        bi->uart_irq = irq ? cell(irq, len, 1) : 0;
    }
    n = fdt_next_compatible(fdt, -1, "arm,pl031");
    if (n >= 0)
        fdt_reg(fdt, n, 0, &bi->rtc_base, &size);
    if ((n = fdt_next_compatible(fdt, -1, "arm,gic-v3")) >= 0)
        bi->gic_version = 3;
    else if ((n = fdt_next_compatible(fdt, -1, "arm,cortex-a15-gic")) >= 0 ||
             (n = fdt_next_compatible(fdt, -1, "arm,gic-400")) >= 0)
        bi->gic_version = 2;
    if (n >= 0) {
        fdt_reg(fdt, n, 0, &bi->gicd_base, &bi->gicd_size);
        fdt_reg(fdt, n, 1, &bi->gicr_base, &bi->gicr_size);
    }
    n = fdt_next_compatible(fdt, -1, "arm,armv8-timer");
    const void *ti = n >= 0 ? fdt_getprop(fdt, n, "interrupts", &len) : NULL;
    if (ti) { /* secure phys, non-secure phys, virtual, hypervisor: 3 cells each */
        bi->timer_phys_ppi = cell(ti, len, 4);
        bi->timer_virt_ppi = cell(ti, len, 7);
    }
}

static void read_psci_cpus(const struct fdt *fdt, struct boot_info *bi)
{
    int n = fdt_next_compatible(fdt, -1, "arm,psci-0.2");
    if (n < 0)
        n = fdt_next_compatible(fdt, -1, "arm,psci");
    size_t len;
    const char *method = n >= 0 ? fdt_getprop(fdt, n, "method", &len) : NULL;
    if (method && len >= 4)
        bi->psci = !strncmp(method, "hvc", len) ? PSCI_HVC : !strncmp(method, "smc", len) ? PSCI_SMC
                                                                                       : PSCI_NONE;
    int cpus = fdt_path_offset(fdt, "/cpus");
    for (int c = cpus >= 0 ? fdt_first_child(fdt, cpus) : -1; c >= 0; c = fdt_next_sibling(fdt, c)) {
        const char *type = fdt_getprop(fdt, c, "device_type", &len);
        uint64_t mpidr, size;
        if (!type || len < 4 || strncmp(type, "cpu", len) || fdt_reg(fdt, c, 0, &mpidr, &size))
            continue;
        if (bi->n_cpus < BOOT_MAX_CPUS)
            bi->cpu_mpidr[bi->n_cpus++] = mpidr;
    }
}

int fdt_boot_info(const struct fdt *fdt, struct boot_info *bi)
{
    memset(bi, 0, sizeof(*bi));
    if (fdt_path_offset(fdt, "/") < 0)
        return FDT_ERR_BADBLOB;
    read_memory(fdt, bi);
    read_reserved(fdt, bi);
    read_chosen(fdt, bi);
    read_devices(fdt, bi);
    read_psci_cpus(fdt, bi);
    return bi->n_mem > 0 ? 0 : FDT_ERR_NOTFOUND;
}
