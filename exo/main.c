/*
 * exo_main: the boot CPU's path from boot.S to the libOS. Reads the device tree, maps RAM
 * and devices, starts the console, interrupts, timers and the other CPUs, prints the banner,
 * then hands over to libos_main.
 *
 * Boot-time self tests, chosen on the command line (used by tests/qemu):
 *   exo.test=boot   stop right after the banner with status 0
 *   exo.test=fault  dereference an unmapped address (expects a decoded dump and status 1)
 *   exo.test=panic  call kpanic (expects PANIC and status 1)
 *   exo.test=echo   echo console input line by line until "quit" (interrupt-driven input)
 *   exo.test=exo    exo's own tests with an EL0 program (exo/selftest.c)
 *   exo.test=stackoverflow  unbounded recursion on a stack from exo_kstack_alloc (expects
 *                   the overflow report naming the stack 'overflow-test' and status 1)
 *   exo.test=bootstackoverflow  the same on the last CPU's own boot stack ('boot-cpuN')
 */
#include <string.h>
#include <lib/fdt.h>
#include <lib/format.h>
#include <lib/kassert.h>
#include <exo/boot.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <exo/kstack.h>
#include "exo.h"

struct boot_info boot_info;
unsigned cpus_online(void);
void exo_selftest(void);

/* Value of "key=value" in the command line, copied into buf; false if absent. */
static bool cmdline_get(const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    for (const char *p = boot_info.bootargs; *p;) {
        while (*p == ' ')
            p++;
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > klen && !strncmp(p, key, klen) && p[klen] == '=') {
            size_t vlen = MIN(len - klen - 1, size - 1);
            memcpy(buf, p + klen + 1, vlen);
            buf[vlen] = '\0';
            return true;
        }
        p += len;
    }
    return false;
}

static void parse_device_tree(uint64_t dtb_phys)
{
    mmu_map_linear(dtb_phys, 64 * 1024); /* enough to read the header */
    size_t size = fdt_blob_size(phys_to_virt(dtb_phys));
    if (size == 0)
        machine_exit(2); /* no console yet: nothing else to do */
    mmu_map_linear(dtb_phys, size);
    struct fdt fdt;
    if (fdt_open(&fdt, phys_to_virt(dtb_phys), size) || fdt_boot_info(&fdt, &boot_info))
        machine_exit(2);
}

static uint64_t map_ram(void)
{
    uint64_t total = 0;
    for (int i = 0; i < boot_info.n_mem; i++) {
        mmu_map_linear(boot_info.mem[i].base, boot_info.mem[i].size);
        total += boot_info.mem[i].size;
    }
    return total;
}

static void echo_test(void)
{
    char line[128];
    size_t n = 0;
    kprintf("echo: ready\n");
    for (;;) {
        int c = console_getc();
        if (c < 0) {
            __asm__ volatile("wfi");
            continue;
        }
        if (c == '\r' || c == '\n') {
            line[n] = '\0';
            kprintf("echo: %s\n", line);
            if (!strcmp(line, "quit"))
                machine_exit(0);
            n = 0;
        } else if (n + 1 < sizeof(line)) {
            line[n++] = (char)c;
        }
    }
}

/* Never reached in practice: keeps the recursion conditional, so the compiler neither
 * warns about it (-Winfinite-recursion) nor assumes it never returns. */
static volatile uint64_t overflow_depth_limit = UINT64_MAX;

/* Recurses with a 128-byte frame of volatile locals; the addition after the call keeps it
 * from becoming a loop. */
__attribute__((noinline)) static uint64_t overflow_recurse(uint64_t depth)
{
    volatile uint64_t frame[16];
    frame[depth & 15] = depth;
    if (depth >= overflow_depth_limit)
        return frame[0];
    return overflow_recurse(depth + 1) + frame[(depth + 1) & 15];
}

static void overflow_run(void *arg)
{
    (void)arg;
    overflow_recurse(0);
}

static void stack_overflow_test(void)
{
    uint64_t top = exo_kstack_alloc("overflow-test");
    if (!top)
        kpanic("exo.test=stackoverflow: no stack");
    kprintf("exo.test=stackoverflow: unbounded recursion on stack 'overflow-test' (top %#lx)\n",
            (unsigned long)top);
    kstack_call_on(top, overflow_run, NULL);
    kprintf("exo.test=stackoverflow: the recursion returned\n");
    machine_exit(4);
}

static void boot_stack_overflow(void)
{
    kprintf("exo.test=bootstackoverflow: unbounded recursion on CPU %u's boot stack\n",
            this_cpu()->index);
    overflow_run(NULL);
}

/* On the last CPU (its own emergency stack reports), or on CPU 0 if it is alone. */
static void boot_stack_overflow_test(void)
{
    if (cpu_count < 2 || exo_cpu_start(cpu_count - 1, boot_stack_overflow))
        boot_stack_overflow();
    for (;;)
        __asm__ volatile("wfi");
}

static void run_boot_test(const char *test)
{
    if (!strcmp(test, "boot")) {
        machine_exit(0);
    } else if (!strcmp(test, "fault")) {
        kprintf("exo.test=fault: reading an unmapped address\n");
        volatile uint64_t *bad = (volatile uint64_t *)0xffff7f0000000000UL;
        (void)*bad;
    } else if (!strcmp(test, "panic")) {
        kpanic("exo.test=panic requested");
    } else if (!strcmp(test, "echo")) {
        echo_test();
    } else if (!strcmp(test, "exo")) {
        exo_selftest();
    } else if (!strcmp(test, "stackoverflow")) {
        stack_overflow_test();
    } else if (!strcmp(test, "bootstackoverflow")) {
        boot_stack_overflow_test();
    } else {
        kprintf("exo.test=%s: unknown test\n", test);
        machine_exit(3);
    }
}

void exo_main(uint64_t dtb_phys, uint64_t image_phys)
{
    kimage_phys = image_phys;
    parse_device_tree(dtb_phys);
    uint64_t ram = map_ram();
    console_init((uintptr_t)ioremap(boot_info.uart_base, 4096));
    kprintf("\nexo %s: AArch64 exokernel, board %s\n", EXO_VERSION, "qemu-virt");
    kprintf("memory: %lu MiB", (unsigned long)(ram >> 20));
    for (int i = 0; i < boot_info.n_mem; i++)
        kprintf(" [%#lx-%#lx]", (unsigned long)boot_info.mem[i].base,
                (unsigned long)(boot_info.mem[i].base + boot_info.mem[i].size - 1));
    kprintf("\ncommand line: %s\n", boot_info.bootargs);

    mem_init();
    kstack_init();
    env_init();
    ramdisk_init();
    gic_init(&boot_info);
    gic_cpu_init();
    timer_init(&boot_info);
    timer_cpu_init();
    rtc_init(&boot_info);
    gic_route_spi(32 + boot_info.uart_irq, 0);
    gic_enable_irq(32 + boot_info.uart_irq);
    console_enable_rx_irq();
    irq_enable();
    smp_boot();
    kprintf("cpus: %u online\n", cpus_online());
    uint64_t rd = boot_info.initrd_end - boot_info.initrd_start;
    if (rd)
        kprintf("ramdisk: %lu KiB at %#lx\n", (unsigned long)(rd >> 10),
                (unsigned long)boot_info.initrd_start);
    else
        kprintf("ramdisk: none\n");

    char test[32];
    if (cmdline_get("exo.test", test, sizeof(test)))
        run_boot_test(test);

    struct exo_boot_params params = {boot_info.bootargs, ram, cpus_online(), rd};
    libos_main(&params);
}

void exo_console_write(const char *s, size_t len)
{
    console_write(s, len);
}

void exo_console_write_raw(const char *s, size_t len)
{
    console_write_raw(s, len);
}

int exo_console_getc(void)
{
    return console_getc();
}

void exo_machine_exit(int status)
{
    machine_exit(status);
}
