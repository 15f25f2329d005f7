/* PL011 UART console: polled output under a lock, interrupt-driven input into a ring. */
#include <stdarg.h>
#include <lib/format.h>
#include <lib/spinlock.h>
#include "exo.h"

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
static char rx_ring[256];
static volatile unsigned rx_head, rx_tail;

void console_init(uintptr_t base)
{
    uart = base;
    mmio_write32(uart + UART_CR, 0);
    mmio_write32(uart + UART_LCRH, (3 << 5) | (1 << 4)); /* 8N1, FIFOs on */
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

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* RX interrupt: drains the FIFO into the ring (dropping input when the ring is full).
 * The interrupt is cleared before the FIFO is drained, never after: a byte that arrives
 * between the last read and a late clear would have its interrupt wiped out, and the UART
 * (QEMU's PL011 raises RX only when the FIFO level reaches the trigger) would not raise
 * another while bytes wait: console input would stall for good. */
void console_irq(void)
{
    mmio_write32(uart + UART_ICR, INT_RX | INT_RT);
    while (!(mmio_read32(uart + UART_FR) & FR_RXFE)) {
        char c = (char)mmio_read32(uart + UART_DR);
        unsigned next = (rx_head + 1) % sizeof(rx_ring);
        if (next != rx_tail) {
            rx_ring[rx_head] = c;
            rx_head = next;
        }
    }
}

int console_getc(void)
{
    if (rx_tail == rx_head)
        return -1;
    char c = rx_ring[rx_tail];
    rx_tail = (rx_tail + 1) % sizeof(rx_ring);
    return (unsigned char)c;
}
