/*
 * Generic Interrupt Controller, version 3 (system-register CPU interface, redistributors)
 * or version 2 (memory-mapped CPU interface), as the device tree says. Every interrupt is
 * group 1 on v3 and group 0 (signalled as IRQ) on v2, priority 0xa0; SPIs are routed to CPU 0 unless gic_route_spi says otherwise.
 */
#include <lib/kassert.h>
#include "exo.h"

#define GICD_CTLR       0x0000
#define GICD_TYPER      0x0004
#define GICD_IGROUPR    0x0080
#define GICD_ISENABLER  0x0100
#define GICD_ICENABLER  0x0180
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR  0x0800
#define GICD_ICFGR      0x0c00
#define GICD_SGIR       0x0f00
#define GICD_IROUTER    0x6000
#define GICD_CTLR_RWP   (1u << 31)

#define GICR_CTLR       0x0000
#define GICR_TYPER      0x0008
#define GICR_WAKER      0x0014
#define GICR_FRAME_SIZE 0x20000 /* RD_base + SGI_base */
#define GICR_SGI        0x10000
#define GICR_IGROUPR0   (GICR_SGI + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI + 0x0100)
#define GICR_IPRIORITYR (GICR_SGI + 0x0400)

#define GICC_CTLR 0x0000
#define GICC_PMR  0x0004
#define GICC_BPR  0x0008
#define GICC_IAR  0x000c
#define GICC_EOIR 0x0010

#define PRIORITY 0xa0

static int version;
static uintptr_t gicd, gicr_or_gicc;
static size_t gicr_size;
static uintptr_t cpu_rdist[MAX_CPUS];

#define ICC_SRE_EL1     S3_0_C12_C12_5
#define ICC_PMR_EL1     S3_0_C4_C6_0
#define ICC_BPR1_EL1    S3_0_C12_C12_3
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_IAR1_EL1    S3_0_C12_C12_0
#define ICC_EOIR1_EL1   S3_0_C12_C12_1
#define ICC_SGI1R_EL1   S3_0_C12_C11_5

static void gicd_wait_rwp(void)
{
    while (mmio_read32(gicd + GICD_CTLR) & GICD_CTLR_RWP)
        ;
}

void gic_init(const struct boot_info *bi)
{
    version = bi->gic_version;
    KASSERT(version == 2 || version == 3);
    gicd = (uintptr_t)ioremap(bi->gicd_base, bi->gicd_size);
    gicr_or_gicc = (uintptr_t)ioremap(bi->gicr_base, bi->gicr_size);
    gicr_size = bi->gicr_size;

    unsigned lines = ((mmio_read32(gicd + GICD_TYPER) & 0x1f) + 1) * 32;
    mmio_write32(gicd + GICD_CTLR, 0);
    if (version == 3)
        gicd_wait_rwp();
    for (unsigned i = 32; i < lines; i += 32) {
        mmio_write32(gicd + GICD_ICENABLER + i / 8, 0xffffffff);
        /* v3: group 1 (system-register interface); v2: group 0, signalled as IRQ */
        mmio_write32(gicd + GICD_IGROUPR + i / 8, version == 3 ? 0xffffffff : 0);
    }
    for (unsigned i = 32; i < lines; i += 4)
        mmio_write32(gicd + GICD_IPRIORITYR + i, PRIORITY * 0x01010101u);
    if (version == 3) {
        gicd_wait_rwp();
        mmio_write32(gicd + GICD_CTLR, (1 << 4) | (1 << 1)); /* ARE | EnableGrp1 */
        gicd_wait_rwp();
    } else {
        mmio_write32(gicd + GICD_CTLR, 1); /* EnableGrp0 */
    }
}

/* This CPU's redistributor: the frame whose GICR_TYPER affinity matches our MPIDR. */
static uintptr_t find_rdist(uint64_t mpidr)
{
    uint64_t aff = (mpidr & 0xffffff) | ((mpidr >> 32 & 0xff) << 24);
    for (uintptr_t f = gicr_or_gicc; f < gicr_or_gicc + gicr_size; f += GICR_FRAME_SIZE) {
        uint64_t typer = mmio_read64(f + GICR_TYPER);
        if ((typer >> 32) == aff)
            return f;
        if (typer & (1 << 4)) /* Last */
            break;
    }
    kpanic("gic: no redistributor for MPIDR %#lx", (unsigned long)mpidr);
}

void gic_cpu_init(void)
{
    struct cpu_local *c = this_cpu();
    if (version == 3) {
        uintptr_t rd = find_rdist(c->mpidr);
        cpu_rdist[c->index] = rd;
        mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~(1u << 1));
        while (mmio_read32(rd + GICR_WAKER) & (1u << 2))
            ;
        mmio_write32(rd + GICR_IGROUPR0, 0xffffffff);
        for (unsigned i = 0; i < 32; i += 4)
            mmio_write32(rd + GICR_IPRIORITYR + i, PRIORITY * 0x01010101u);
        mmio_write32(rd + GICR_ISENABLER0, 0xffff); /* SGIs */
        sysreg_write(ICC_SRE_EL1, sysreg_read(ICC_SRE_EL1) | 1);
        isb();
        sysreg_write(ICC_PMR_EL1, 0xff);
        sysreg_write(ICC_BPR1_EL1, 0);
        sysreg_write(ICC_IGRPEN1_EL1, 1);
        isb();
    } else {
        mmio_write32(gicd + GICD_IGROUPR, 0);
        for (unsigned i = 0; i < 32; i += 4)
            mmio_write32(gicd + GICD_IPRIORITYR + i, PRIORITY * 0x01010101u);
        mmio_write32(gicd + GICD_ISENABLER, 0xffff); /* SGIs (banked per CPU) */
        mmio_write32(gicr_or_gicc + GICC_PMR, 0xff);
        mmio_write32(gicr_or_gicc + GICC_BPR, 0);
        mmio_write32(gicr_or_gicc + GICC_CTLR, 1); /* group 0 as IRQ */
    }
}

/* Enables an interrupt: SGIs/PPIs on the calling CPU, SPIs globally. */
void gic_enable_irq(uint32_t intid)
{
    uint32_t bit = 1u << (intid % 32);
    if (intid < 32 && version == 3)
        mmio_write32(cpu_rdist[this_cpu()->index] + GICR_ISENABLER0, bit);
    else
        mmio_write32(gicd + GICD_ISENABLER + (intid / 32) * 4, bit);
}

void gic_route_spi(uint32_t intid, unsigned cpu)
{
    KASSERT(intid >= 32 && cpu < cpu_count);
    if (version == 3) {
        uint64_t m = cpus[cpu].mpidr;
        mmio_write64(gicd + GICD_IROUTER + intid * 8, (m & 0xffffff) | ((m >> 32 & 0xff) << 32));
    } else {
        volatile uint8_t *t = (volatile uint8_t *)(gicd + GICD_ITARGETSR + intid);
        *t = (uint8_t)(1u << cpu);
    }
}

uint32_t gic_ack(void)
{
    if (version == 3) {
        uint32_t v = (uint32_t)sysreg_read(ICC_IAR1_EL1);
        __asm__ volatile("dsb sy" ::: "memory");
        return v & 0xffffff;
    }
    return mmio_read32(gicr_or_gicc + GICC_IAR) & 0x3ff;
}

void gic_eoi(uint32_t intid)
{
    if (version == 3)
        sysreg_write(ICC_EOIR1_EL1, intid);
    else
        mmio_write32(gicr_or_gicc + GICC_EOIR, intid);
}

void gic_send_sgi(unsigned cpu, uint32_t sgi)
{
    KASSERT(sgi < 16 && cpu < cpu_count);
    dsb(ishst);
    if (version == 3) {
        uint64_t m = cpus[cpu].mpidr;
        uint64_t v = ((m >> 8) & 0xff) << 16 | ((m >> 16) & 0xff) << 32 |
                     ((m >> 32) & 0xff) << 48 | (uint64_t)sgi << 24 | (1u << (m & 0xf));
        sysreg_write(ICC_SGI1R_EL1, v);
        isb();
    } else {
        mmio_write32(gicd + GICD_SGIR, (1u << (16 + cpu)) | sgi);
    }
}
