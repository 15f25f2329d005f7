/* FAT: the allocation table (12/16/32-bit entries, every copy kept in step), cluster chains. */
#include "fat.h"

uint32_t fat_eoc(struct fat_sb *s)
{
    return s->fat_bits == 32 ? 0x0FFFFFFF : s->fat_bits == 16 ? 0xFFFF : 0xFFF;
}

/* Byte offset of cluster c's entry within one FAT. */
static uint64_t entry_off(struct fat_sb *s, uint32_t c)
{
    if (s->fat_bits == 12)
        return c + c / 2;
    return (uint64_t)c * (s->fat_bits / 8);
}

int fat_get(struct fat_sb *s, uint32_t c, uint32_t *v)
{
    uint8_t b[4] = {0};
    uint64_t off = s->fat_start + s->active_fat * s->fat_size + entry_off(s, c);
    int err = fat_io(s, off, b, s->fat_bits == 32 ? 4 : 2, false);
    if (err)
        return err;
    if (s->fat_bits == 32)
        *v = rd32(b, 0) & 0x0FFFFFFF;
    else if (s->fat_bits == 16)
        *v = rd16(b, 0);
    else
        *v = (c & 1) ? rd16(b, 0) >> 4 : rd16(b, 0) & 0xFFF;
    return 0;
}

/* Stores v in cluster c's entry of every FAT in use (keeping FAT32's top four bits). */
int fat_set(struct fat_sb *s, uint32_t c, uint32_t v)
{
    for (uint32_t f = 0; f < s->nfats; f++) {
        if (!s->mirror && f != s->active_fat)
            continue;
        uint64_t off = s->fat_start + f * s->fat_size + entry_off(s, c);
        uint8_t b[4];
        size_t n = s->fat_bits == 32 ? 4 : 2;
        int err = 0;
        if (s->fat_bits != 16)
            err = fat_io(s, off, b, n, false);
        if (err)
            return err;
        if (s->fat_bits == 32)
            wr32(b, 0, (rd32(b, 0) & 0xF0000000u) | (v & 0x0FFFFFFF));
        else if (s->fat_bits == 16)
            wr16(b, 0, v);
        else if (c & 1)
            wr16(b, 0, (rd16(b, 0) & 0x000F) | (v & 0xFFF) << 4);
        else
            wr16(b, 0, (rd16(b, 0) & 0xF000) | (v & 0xFFF));
        if ((err = fat_io(s, off, b, n, true)))
            return err;
    }
    return 0;
}

int fat_next(struct fat_sb *s, uint32_t c, uint32_t *next)
{
    uint32_t v;
    int err = fat_get(s, c, &v);
    if (err)
        return err;
    if (v >= (fat_eoc(s) & ~7u)) {
        *next = 0;
        return 0;
    }
    if (!fat_valid_clus(s, v))
        return -EIO;
    *next = v;
    return 0;
}

int fat_alloc(struct fat_sb *s, uint32_t prev, bool zero, uint32_t *out)
{
    if (s->free_count == 0)
        return -ENOSPC;
    uint32_t c = fat_valid_clus(s, s->next_free) ? s->next_free : 2;
    for (uint32_t i = 0; i < s->nclusters; i++, c++) {
        if (c >= s->nclusters + 2)
            c = 2;
        uint32_t v;
        int err = fat_get(s, c, &v);
        if (err)
            return err;
        if (v != 0)
            continue;
        if (zero && (err = fat_zero(s, fat_clus_off(s, c), s->cs)))
            return err;
        if ((err = fat_set(s, c, fat_eoc(s))))
            return err;
        if (prev && (err = fat_set(s, prev, c)))
            return err;
        s->free_count--;
        s->next_free = c + 1 < s->nclusters + 2 ? c + 1 : 2;
        s->fsinfo_dirty = true;
        *out = c;
        return 0;
    }
    s->free_count = 0;
    s->fsinfo_dirty = true;
    return -ENOSPC;
}

int fat_free_chain(struct fat_sb *s, uint32_t c)
{
    uint32_t guard = 0;
    while (c) {
        if (!fat_valid_clus(s, c) || guard++ > s->nclusters)
            return -EIO;
        uint32_t next;
        int err = fat_next(s, c, &next);
        if (err)
            return err;
        if ((err = fat_set(s, c, 0)))
            return err;
        /* the cluster's cached data is garbage now: drop it without writing */
        uint64_t a = fat_clus_off(s, c), e = a + s->cs;
        for (uint64_t off = (a + s->cbs - 1) / s->cbs * s->cbs; off + s->cbs <= e; off += s->cbs)
            bcache_forget(s->bc, off / s->cbs);
        s->free_count++;
        s->fsinfo_dirty = true;
        c = next;
    }
    return 0;
}

int fat_count_free(struct fat_sb *s)
{
    uint32_t n = 0;
    for (uint32_t c = 2; c < s->nclusters + 2; c++) {
        uint32_t v;
        int err = fat_get(s, c, &v);
        if (err)
            return err;
        if (!v)
            n++;
    }
    s->free_count = n;
    s->fsinfo_dirty = true;
    return 0;
}

int fat_chain_len(struct fat_sb *s, uint32_t start, uint32_t *n)
{
    uint32_t len = 0, c = start;
    while (c) {
        if (!fat_valid_clus(s, c) || len > s->nclusters)
            return -EIO;
        len++;
        int err = fat_next(s, c, &c);
        if (err)
            return err;
    }
    *n = len;
    return 0;
}
