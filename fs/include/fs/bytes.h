/* Little-endian field access at byte offsets of on-disk structures (ext2/3/4, FAT). */
#ifndef FS_BYTES_H
#define FS_BYTES_H
#include <stddef.h>
#include <stdint.h>

static inline uint16_t rd16(const void *p, size_t off)
{
    const uint8_t *b = (const uint8_t *)p + off;
    return (uint16_t)(b[0] | b[1] << 8);
}
static inline uint32_t rd32(const void *p, size_t off)
{
    const uint8_t *b = (const uint8_t *)p + off;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline void wr16(void *p, size_t off, uint32_t v)
{
    uint8_t *b = (uint8_t *)p + off;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}
static inline void wr32(void *p, size_t off, uint32_t v)
{
    uint8_t *b = (uint8_t *)p + off;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

#endif
