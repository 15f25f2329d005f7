/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table driven. */
#ifndef FS_CRC32C_H
#define FS_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* Raw update: no pre- or post-inversion (the form ext4 checksums use, seeded with ~0). */
uint32_t crc32c_update(uint32_t crc, const void *data, size_t len);
/* The standard CRC-32C of a buffer ("123456789" -> 0xE3069283). */
uint32_t crc32c(const void *data, size_t len);
/* CRC-16 (ANSI, reflected 0xA001) raw update, for ext4's older gdt_csum. */
uint16_t crc16_update(uint16_t crc, const void *data, size_t len);

#endif
