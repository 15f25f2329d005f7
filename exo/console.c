/* PL011 UART console: polled output under a lock, interrupt-driven input into a ring.
 * Kernel messages (console_write, not the terminal's raw output) are also kept in the
 * kernel log ring that syslog(2) reads through exo_log_read. */
#include <stdarg.h>
#include <exo/console.h>
#include <lib/format.h>
#include <lib/spinlock.h>
#include "exo.h"
#include "log_ring.h"

#define UART_DR   0x00
#define UART_FR   0x18
#define UART_IBRD 0x24
#define UART_FBRD 0x28
#define UART_LCRH 0x2c
#define UART_CR   0x30
#define UART_IMSC 0x38
#define UART_MIS  0x40
#define UART_ICR  0x44
#define FR_TXFF   (1 << 5)
#define FR_RXFE   (1 << 4)
#define INT_RX    (1 << 4)
#define INT_RT    (1 << 6)

static uintptr_t uart;
static struct spinlock console_lock = SPINLOCK_INIT("console");
static char rx_ring[4096];
static volatile unsigned rx_head, rx_tail;
static struct log_ring klog_ring; /* under console_lock */
_Static_assert(LOG_RING_SIZE == EXO_LOG_SIZE, "the API promises the ring's size");

void console_init(uintptr_t base)
{
    uart = base;
    mmio_write32(uart + UART_CR, 0);
    mmio_write32(uart + UART_LCRH, (3 << 5) | (1 << 4));          /* 8N1, FIFOs on */
    mmio_write32(uart + UART_CR, (1 << 0) | (1 << 8) | (1 << 9)); /* UARTEN | TXE | RXE */
}

void console_enable_rx_irq(void)
{
    mmio_write32(uart + UART_IMSC, INT_RX | INT_RT);
}

static void putc_raw(char c)
{
    while (mmio_read32(uart + UART_FR) & FR_TXFF)
        ;
    mmio_write32(uart + UART_DR, (uint8_t)c);
}

void console_write_unlocked(const char *s, size_t len)
{
    log_ring_append(&klog_ring, s, len);
    if (!uart)
        return;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            putc_raw('\r');
        putc_raw(s[i]);
    }
}

void console_write_raw(const char *s, size_t len)
{
    uint64_t flags = irq_save();
    spin_lock(&console_lock);
    for (size_t i = 0; uart && i < len; i++)
        putc_raw(s[i]);
    spin_unlock(&console_lock);
    irq_restore(flags);
}

void console_write(const char *s, size_t len)
{
    uint64_t flags = irq_save();
    spin_lock(&console_lock);
    console_write_unlocked(s, len);
    spin_unlock(&console_lock);
    irq_restore(flags);
}

size_t exo_log_read(uint64_t *pos, char *buf, size_t len)
{
    uint64_t flags = irq_save();
    spin_lock(&console_lock);
    if (*pos < log_ring_start(&klog_ring))
        *pos = log_ring_start(&klog_ring);
    size_t n = log_ring_read(&klog_ring, *pos, buf, len);
    *pos += n;
    spin_unlock(&console_lock);
    irq_restore(flags);
    return n;
}

uint64_t exo_log_end(void)
{
    uint64_t flags = irq_save();
    spin_lock(&console_lock);
    uint64_t end = klog_ring.end;
    spin_unlock(&console_lock);
    irq_restore(flags);
    return end;
}

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* RX interrupt: drains the FIFO into the ring. When the ring is full it stops and masks the
 * receive interrupts, so bytes wait in the UART (and QEMU holds the rest back) instead of
 * being dropped; console_getc unmasks them once it has made room.
 * The interrupt is cleared before the FIFO is drained, never after: a byte that arrives
 * between the last read and a late clear would have its interrupt wiped out, and the UART
 * (QEMU's PL011 raises RX only when the FIFO level reaches the trigger) would not raise
 * another while bytes wait: console input would stall for good. */
void console_irq(void)
{
    mmio_write32(uart + UART_ICR, INT_RX | INT_RT);
    while (!(mmio_read32(uart + UART_FR) & FR_RXFE)) {
        unsigned head = rx_head, next = (head + 1) % sizeof(rx_ring);
        if (next == __atomic_load_n(&rx_tail, __ATOMIC_ACQUIRE)) { /* full: hold the rest */
            mmio_write32(uart + UART_IMSC, 0);
            return;
        }
        rx_ring[head] = (char)mmio_read32(uart + UART_DR);
        __atomic_store_n(&rx_head, next, __ATOMIC_RELEASE); /* the byte before the index */
    }
}

/* The ring has one producer (the interrupt, on whichever CPU takes it) and one consumer
 * (callers serialize): indices are published with release/acquire so a byte is never read
 * before it was written. */
int console_getc(void)
{
    unsigned tail = rx_tail;
    if (tail == __atomic_load_n(&rx_head, __ATOMIC_ACQUIRE))
        return -1;
    char c = rx_ring[tail];
    __atomic_store_n(&rx_tail, (tail + 1) % sizeof(rx_ring), __ATOMIC_RELEASE);
    if (!mmio_read32(uart + UART_IMSC)) /* held back while full: there is room again */
        mmio_write32(uart + UART_IMSC, INT_RX | INT_RT);
    return (unsigned char)c;
}
