/* CRC-32C and CRC-16 with tables computed on first use (see fs/crc32c.h). */
#include <fs/crc32c.h>

static uint32_t crc32c_table[256];
static uint16_t crc16_table[256];
static volatile int tables_ready;

/* Builds both byte-at-a-time tables; idempotent, so a race only repeats the work. */
static void build_tables(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        uint16_t d = (uint16_t)i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            d = (d & 1) ? (uint16_t)((d >> 1) ^ 0xA001u) : (uint16_t)(d >> 1);
        }
        crc32c_table[i] = c;
        crc16_table[i] = d;
    }
    __atomic_store_n(&tables_ready, 1, __ATOMIC_RELEASE);
}

uint32_t crc32c_update(uint32_t crc, const void *data, size_t len)
{
    if (!__atomic_load_n(&tables_ready, __ATOMIC_ACQUIRE))
        build_tables();
    const uint8_t *p = data;
    while (len--)
        crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

uint32_t crc32c(const void *data, size_t len)
{
    return ~crc32c_update(~0u, data, len);
}

uint16_t crc16_update(uint16_t crc, const void *data, size_t len)
{
    if (!__atomic_load_n(&tables_ready, __ATOMIC_ACQUIRE))
        build_tables();
    const uint8_t *p = data;
    while (len--)
        crc = (uint16_t)(crc16_table[(crc ^ *p++) & 0xff] ^ (crc >> 8));
    return crc;
}
