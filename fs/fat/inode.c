/* FAT: timestamps, short entries <-> inodes, file data across cluster chains, truncate. */
#include "fat.h"

#define FAT_EPOCH    315532800    /* 1980-01-01 00:00:00 UTC */
#define FAT_MAX_SEC  4354819198ll /* 2107-12-31 23:59:58 */
#define FAT_MAX_SIZE 0xFFFFFFFFull

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Times are stored as UTC; outside 1980..2107 they are clamped. */
void fat_time_to_dos(const struct vfs_time *t, uint16_t *date, uint16_t *time, uint8_t *tenth)
{
    int64_t sec = t->sec < FAT_EPOCH ? FAT_EPOCH : t->sec > FAT_MAX_SEC ? FAT_MAX_SEC : t->sec;
    int64_t y;
    unsigned m, d;
    civil_from_days(sec / 86400, &y, &m, &d);
    unsigned rem = (unsigned)(sec % 86400);
    *date = (uint16_t)((y - 1980) << 9 | m << 5 | d);
    if (time)
        *time = (uint16_t)((rem / 3600) << 11 | (rem / 60 % 60) << 5 | (rem % 60) / 2);
    if (tenth)
        *tenth = (uint8_t)((rem % 2) * 100 + (t->sec == sec ? t->nsec / 10000000 : 0));
}

void fat_time_from_dos(uint16_t date, uint16_t time, uint8_t tenth, struct vfs_time *t)
{
    unsigned m = (date >> 5) & 15, d = date & 31;
    if (m < 1 || m > 12)
        m = 1;
    if (d < 1)
        d = 1;
    int64_t days = days_from_civil(1980 + (date >> 9), m, d);
    unsigned hh = time >> 11, mm = (time >> 5) & 63, ss = (time & 31) * 2;
    if (tenth > 199)
        tenth = 0;
    t->sec = days * 86400 + hh * 3600 + mm * 60 + ss + tenth / 100;
    t->nsec = (uint32_t)(tenth % 100) * 10000000u;
}

/* What the disk keeps of a time: seconds rounded down to even, or the day only. */
static void round_time(struct vfs_time *t, bool day_only)
{
    uint16_t date, time;
    fat_time_to_dos(t, &date, &time, NULL);
    fat_time_from_dos(date, day_only ? 0 : time, 0, t);
}

static uint32_t file_mode(uint8_t attr)
{
    if (attr & ATTR_DIRECTORY)
        return VFS_S_IFDIR | 0755;
    return VFS_S_IFREG | ((attr & ATTR_READ_ONLY) ? 0444 : 0644);
}

void fat_dirent_to_inode(struct fat_sb *s, const uint8_t *de, struct fat_inode *fi)
{
    struct vfs_inode *v = &fi->vfs;
    fi->attr = de[DIR_ATTR];
    fi->start = rd16(de, DIR_FSTCLUSLO);
    if (s->fat_bits == 32)
        fi->start |= (uint32_t)rd16(de, DIR_FSTCLUSHI) << 16;
    fi->hint_l = fi->hint_p = 0;
    v->mode = file_mode(fi->attr);
    v->uid = v->gid = 0;
    v->nlink = 1;
    v->size = (fi->attr & ATTR_DIRECTORY) ? 0 : rd32(de, DIR_FILESIZE);
    v->blocks = (v->size + s->cs - 1) / s->cs * (s->cs / 512);
    fat_time_from_dos(rd16(de, DIR_WRTDATE), rd16(de, DIR_WRTTIME), 0, &v->mtime);
    fat_time_from_dos(rd16(de, DIR_CRTDATE), rd16(de, DIR_CRTTIME), de[DIR_CRTTIMETENTH],
                      &v->btime);
    fat_time_from_dos(rd16(de, DIR_LSTACCDATE), 0, 0, &v->atime);
    v->ctime = v->mtime;
}

/* Stores fi's attributes, first cluster, size and times in its short entry. */
int fat_write_inode(struct fat_inode *fi)
{
    struct fat_sb *s = isb(fi);
    struct vfs_inode *v = &fi->vfs;
    round_time(&v->mtime, false);
    round_time(&v->atime, true);
    v->ctime = v->mtime;
    if (!fi->pos)
        return 0;
    uint8_t de[DIRENT_SIZE];
    int err = fat_io(s, fi->pos, de, DIRENT_SIZE, false);
    if (err)
        return err;
    de[DIR_ATTR] = fi->attr;
    wr16(de, DIR_FSTCLUSLO, fi->start & 0xFFFF);
    wr16(de, DIR_FSTCLUSHI, s->fat_bits == 32 ? fi->start >> 16 : 0);
    wr32(de, DIR_FILESIZE, (fi->attr & ATTR_DIRECTORY) ? 0 : (uint32_t)v->size);
    uint16_t date, time;
    fat_time_to_dos(&v->mtime, &date, &time, NULL);
    wr16(de, DIR_WRTDATE, date);
    wr16(de, DIR_WRTTIME, time);
    fat_time_to_dos(&v->atime, &date, NULL, NULL);
    wr16(de, DIR_LSTACCDATE, date);
    return fat_io(s, fi->pos, de, DIRENT_SIZE, true);
}

int fat_bmap(struct fat_inode *fi, uint32_t n, bool alloc, bool zero, uint32_t *out)
{
    struct fat_sb *s = isb(fi);
    int err;
    *out = 0;
    if (!fi->start) {
        if (!alloc)
            return 0;
        if ((err = fat_alloc(s, 0, zero, &fi->start)))
            return err;
        fi->hint_l = 0;
        fi->hint_p = fi->start;
    }
    uint32_t l = 0, p = fi->start;
    if (fi->hint_p && n >= fi->hint_l) {
        l = fi->hint_l;
        p = fi->hint_p;
    }
    while (l < n) {
        uint32_t next;
        if ((err = fat_next(s, p, &next)))
            return err;
        if (!next) {
            if (!alloc)
                return 0;
            if ((err = fat_alloc(s, p, zero, &next)))
                return err;
        }
        p = next;
        l++;
    }
    fi->hint_l = l;
    fi->hint_p = p;
    *out = p;
    return 0;
}

/* Moves file data; src NULL with write writes zeros. Never changes the size. */
static int64_t data_io(struct fat_inode *fi, void *buf, size_t len, uint64_t off, bool write)
{
    struct fat_sb *s = isb(fi);
    size_t done = 0;
    int err = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t in = (uint32_t)(pos % s->cs);
        size_t n = MIN((size_t)(s->cs - in), len - done);
        uint32_t c;
        if ((err = fat_bmap(fi, (uint32_t)(pos / s->cs), write, false, &c)))
            break;
        if (!c) {
            err = -EIO; /* chain shorter than the size */
            break;
        }
        uint64_t doff = fat_clus_off(s, c) + in;
        if (write && !buf)
            err = fat_zero(s, doff, n);
        else
            err = fat_io(s, doff, buf ? (uint8_t *)buf + done : NULL, n, write);
        if (err)
            break;
        done += n;
    }
    return done > 0 ? (int64_t)done : err;
}

static void touch(struct fat_inode *fi)
{
    struct vfs_time now;
    fs_now(&now);
    fi->vfs.mtime = fi->vfs.ctime = now;
}

/* Extends fi with zeros to size (FAT has no holes). */
static int grow(struct fat_inode *fi, uint64_t size)
{
    while (fi->vfs.size < size) {
        int64_t r = data_io(fi, NULL, (size_t)(size - fi->vfs.size), fi->vfs.size, true);
        if (r < 0)
            return (int)r;
        fi->vfs.size += (uint64_t)r;
        fi->vfs.blocks = (fi->vfs.size + isb(fi)->cs - 1) / isb(fi)->cs * (isb(fi)->cs / 512);
    }
    return 0;
}

/* Cuts fi's chain to what size needs. */
static int shrink(struct fat_inode *fi, uint64_t size)
{
    struct fat_sb *s = isb(fi);
    uint32_t keep = (uint32_t)((size + s->cs - 1) / s->cs);
    int err = 0;
    fi->hint_l = fi->hint_p = 0;
    if (keep == 0) {
        uint32_t c = fi->start;
        fi->start = 0;
        err = fat_free_chain(s, c);
    } else if (fi->start) {
        uint32_t last, next = 0;
        err = fat_bmap(fi, keep - 1, false, false, &last);
        if (!err && last)
            err = fat_next(s, last, &next);
        if (!err && next) {
            err = fat_set(s, last, fat_eoc(s));
            if (!err)
                err = fat_free_chain(s, next);
        }
    }
    fi->vfs.size = size;
    fi->vfs.blocks = (uint64_t)keep * (s->cs / 512);
    return err;
}

static int64_t fat_read(struct vfs_inode *inode, void *buf, size_t len, uint64_t off)
{
    struct fat_inode *fi = FAT_I(inode);
    struct fat_sb *s = isb(fi);
    spin_lock(&s->lock);
    int64_t r = 0;
    if (off < inode->size) {
        len = (size_t)MIN((uint64_t)len, inode->size - off);
        r = data_io(fi, buf, len, off, false);
    }
    spin_unlock(&s->lock);
    return r;
}

static int64_t fat_write(struct vfs_inode *inode, const void *buf, size_t len, uint64_t off)
{
    struct fat_inode *fi = FAT_I(inode);
    struct fat_sb *s = isb(fi);
    if (off >= FAT_MAX_SIZE)
        return len ? -EFBIG : 0;
    len = (size_t)MIN((uint64_t)len, FAT_MAX_SIZE - off);
    if (!len)
        return 0;
    spin_lock(&s->lock);
    int err = 0;
    if (off > inode->size)
        err = grow(fi, off);
    int64_t r = err ? err : data_io(fi, (void *)buf, len, off, true);
    if (r > 0 && off + (uint64_t)r > inode->size) {
        inode->size = off + (uint64_t)r;
        inode->blocks = (inode->size + s->cs - 1) / s->cs * (s->cs / 512);
    }
    touch(fi);
    fi->attr |= ATTR_ARCHIVE;
    int e = fat_write_inode(fi);
    spin_unlock(&s->lock);
    return r < 0 ? r : e ? e : r;
}

int fat_setattr(struct vfs_inode *inode, const struct vfs_attr *a)
{
    struct fat_inode *fi = FAT_I(inode);
    struct fat_sb *s = isb(fi);
    if (((a->valid & VFS_ATTR_UID) && a->uid) || ((a->valid & VFS_ATTR_GID) && a->gid))
        return -EPERM;
    spin_lock(&s->lock);
    int err = 0;
    if (a->valid & VFS_ATTR_SIZE) {
        if (VFS_S_ISDIR(inode->mode))
            err = -EISDIR;
        else if (a->size > FAT_MAX_SIZE)
            err = -EFBIG;
        else if (a->size < inode->size)
            err = shrink(fi, a->size);
        else if (a->size > inode->size)
            err = grow(fi, a->size);
        if (!err) {
            touch(fi);
            fi->attr |= ATTR_ARCHIVE;
        }
    }
    if (!err && (a->valid & VFS_ATTR_MODE) && !VFS_S_ISDIR(inode->mode)) {
        if (a->mode & 0222)
            fi->attr &= (uint8_t)~ATTR_READ_ONLY;
        else
            fi->attr |= ATTR_READ_ONLY;
        inode->mode = file_mode(fi->attr);
    }
    if (!err && (a->valid & VFS_ATTR_ATIME))
        inode->atime = a->atime;
    if (!err && (a->valid & VFS_ATTR_MTIME))
        inode->mtime = a->mtime;
    int e = fat_write_inode(fi);
    spin_unlock(&s->lock);
    return err ? err : e;
}

void fat_evict_inode(struct vfs_inode *inode)
{
    struct fat_inode *fi = FAT_I(inode);
    struct fat_sb *s = isb(fi);
    spin_lock(&s->lock);
    uint32_t c = fi->start;
    fi->start = 0;
    if (c)
        fat_free_chain(s, c);
    spin_unlock(&s->lock);
}

const struct vfs_inode_ops fat_file_ops = {
    .read = fat_read,
    .write = fat_write,
    .setattr = fat_setattr,
};
