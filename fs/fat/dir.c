/* FAT: directories — entry scanning with VFAT long names, 8.3 aliases, namespace operations. */
#include "fat.h"

#define UTF8_NAME_MAX (VFS_NAME_MAX)

/* ---- Entry positions ---- */

/* Walks a directory's entries by index: start is its first cluster, 0 for a fixed root. */
struct dpos {
    struct fat_sb *s;
    uint32_t start;
    uint32_t cidx, clus; /* cluster number cidx of the chain is clus (0: not walked) */
    uint32_t last;       /* last cluster seen when the chain ended */
};

static void dpos_init(struct dpos *d, struct fat_sb *s, uint32_t start)
{
    d->s = s;
    d->start = start;
    d->cidx = 0;
    d->clus = 0;
    d->last = 0;
}

/* Byte position of entry idx; 0 when idx is past the directory's end. */
static int dpos_get(struct dpos *d, uint32_t idx, uint64_t *pos)
{
    struct fat_sb *s = d->s;
    *pos = 0;
    if (!d->start) {
        if (idx < s->root_entries)
            *pos = s->root_start + (uint64_t)idx * DIRENT_SIZE;
        return 0;
    }
    uint32_t per = s->cs / DIRENT_SIZE, ci = idx / per;
    if (idx >= DIR_MAX_ENTRIES)
        return 0;
    if (!d->clus || ci < d->cidx) {
        d->cidx = 0;
        d->clus = d->start;
    }
    while (d->cidx < ci) {
        uint32_t next;
        int err = fat_next(s, d->clus, &next);
        if (err)
            return err;
        if (!next) {
            d->last = d->clus;
            return 0;
        }
        d->clus = next;
        d->cidx++;
    }
    *pos = fat_clus_off(s, d->clus) + (uint64_t)(idx % per) * DIRENT_SIZE;
    return 0;
}

/* ---- Names ---- */

static uint8_t lfn_checksum(const uint8_t *name11)
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) ? 0x80 : 0) + (sum >> 1) + name11[i]);
    return sum;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* UTF-16 (up to the first NUL) to UTF-8; 0 when invalid or longer than VFS_NAME_MAX. */
static size_t utf16_to_utf8(const uint16_t *u, size_t n, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n && u[i]; i++) {
        uint32_t cp = u[i];
        if (cp >= 0xD800 && cp < 0xDC00) {
            if (i + 1 >= n || u[i + 1] < 0xDC00 || u[i + 1] >= 0xE000)
                return 0;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (u[++i] - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
            return 0;
        }
        char tmp[4];
        size_t k = put_utf8(tmp, cp);
        if (len + k > UTF8_NAME_MAX)
            return 0;
        memcpy(out + len, tmp, k);
        len += k;
    }
    return len;
}

/* UTF-8 to UTF-16; the number of units, -EINVAL for bad UTF-8, -ENAMETOOLONG past 255. */
static int utf8_to_utf16(const char *s, size_t len, uint16_t *u)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint8_t c = (uint8_t)s[i];
        uint32_t cp;
        size_t k;
        if (c < 0x80) {
            cp = c;
            k = 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            k = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            k = 3;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            k = 4;
        } else {
            return -EINVAL;
        }
        if (i + k > len)
            return -EINVAL;
        for (size_t j = 1; j < k; j++) {
            if (((uint8_t)s[i + j] & 0xC0) != 0x80)
                return -EINVAL;
            cp = cp << 6 | ((uint8_t)s[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
            return -EINVAL;
        i += k;
        if (cp >= 0x10000) {
            if (n + 2 > VFS_NAME_MAX)
                return -ENAMETOOLONG;
            cp -= 0x10000;
            u[n++] = (uint16_t)(0xD800 + (cp >> 10));
            u[n++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        } else {
            if (n + 1 > VFS_NAME_MAX)
                return -ENAMETOOLONG;
            u[n++] = (uint16_t)cp;
        }
    }
    return (int)n;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

static bool name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

/* The display form of a short entry's name (case flags applied; high bytes as Latin-1). */
static size_t short_name(const uint8_t *de, char *out)
{
    size_t len = 0;
    int bend = 8, eend = 11;
    while (bend > 0 && de[bend - 1] == ' ')
        bend--;
    while (eend > 8 && de[eend - 1] == ' ')
        eend--;
    for (int i = 0; i < bend; i++) {
        uint8_t c = (i == 0 && de[0] == DIR_KANJI) ? 0xE5 : de[i];
        if (de[DIR_NTRES] & NTRES_LOWER_BASE)
            c = (uint8_t)lower((char)c);
        len += put_utf8(out + len, c);
    }
    if (eend > 8) {
        out[len++] = '.';
        for (int i = 8; i < eend; i++) {
            uint8_t c = de[i];
            if (de[DIR_NTRES] & NTRES_LOWER_EXT)
                c = (uint8_t)lower((char)c);
            len += put_utf8(out + len, c);
        }
    }
    return len;
}

/* ---- Scanning ---- */

/* One object found in a directory. */
struct fat_slot {
    uint32_t first, idx; /* first slot (long-name start) and short-entry index */
    uint64_t pos;        /* short entry position */
    uint8_t de[DIRENT_SIZE];
    char name[UTF8_NAME_MAX + 1]; /* long name, or the short one when there is none */
    size_t len;
    char sname[26];
    size_t slen;
};

struct dir_scan {
    struct dpos dp;
    uint32_t idx;
    int expect; /* next long-name ordinal expected; -1: none in progress */
    uint8_t csum;
    unsigned total;
    uint32_t lfn_first;
    uint16_t units[LFN_MAX_SLOTS * LDIR_CHARS];
};

static void scan_init(struct dir_scan *sc, struct fat_sb *s, uint32_t start, uint32_t idx)
{
    dpos_init(&sc->dp, s, start);
    sc->idx = idx;
    sc->expect = -1;
}

static void lfn_piece(struct dir_scan *sc, const uint8_t *de)
{
    uint16_t *u = sc->units + (size_t)(sc->expect - 1) * LDIR_CHARS;
    for (int i = 0; i < 5; i++)
        u[i] = rd16(de, LDIR_NAME1 + 2 * i);
    for (int i = 0; i < 6; i++)
        u[5 + i] = rd16(de, LDIR_NAME2 + 2 * i);
    for (int i = 0; i < 2; i++)
        u[11 + i] = rd16(de, LDIR_NAME3 + 2 * i);
}

/* Next object (skipping free slots, volume labels, "." and ".."): 0, 1 at the end, or -errno. */
static int scan_next(struct dir_scan *sc, struct fat_slot *out)
{
    struct fat_sb *s = sc->dp.s;
    for (;;) {
        uint64_t pos;
        int err = dpos_get(&sc->dp, sc->idx, &pos);
        if (err)
            return err;
        if (!pos)
            return 1;
        uint8_t de[DIRENT_SIZE];
        if ((err = fat_io(s, pos, de, DIRENT_SIZE, false)))
            return err;
        uint32_t idx = sc->idx++;
        if (de[0] == DIR_END)
            return 1;
        if (de[0] == DIR_FREE) {
            sc->expect = -1;
            continue;
        }
        if ((de[DIR_ATTR] & ATTR_LONG_MASK) == ATTR_LONG_NAME) {
            unsigned ord = de[LDIR_ORD] & 0x1F;
            if (de[LDIR_ORD] & LDIR_LAST) {
                sc->expect = (ord >= 1 && ord <= LFN_MAX_SLOTS) ? (int)ord : -1;
                sc->csum = de[LDIR_CHKSUM];
                sc->total = ord;
                sc->lfn_first = idx;
            }
            if (sc->expect > 0 && (int)ord == sc->expect && de[LDIR_CHKSUM] == sc->csum) {
                lfn_piece(sc, de);
                sc->expect--;
            } else {
                sc->expect = -1;
            }
            continue;
        }
        bool have_long = sc->expect == 0 && lfn_checksum(de) == sc->csum;
        sc->expect = -1;
        if (de[DIR_ATTR] & ATTR_VOLUME_ID)
            continue;
        if (de[0] == '.' && (de[1] == ' ' || (de[1] == '.' && de[2] == ' ')))
            continue;
        out->idx = idx;
        out->pos = pos;
        memcpy(out->de, de, DIRENT_SIZE);
        out->slen = short_name(de, out->sname);
        out->len = have_long ? utf16_to_utf8(sc->units, sc->total * LDIR_CHARS, out->name) : 0;
        out->first = out->len ? sc->lfn_first : idx;
        if (!out->len) {
            memcpy(out->name, out->sname, out->slen);
            out->len = out->slen;
        }
        out->name[out->len] = 0;
        return 0;
    }
}

/* Finds name (long or short, ignoring ASCII case) in directory start. */
static int find_entry(struct fat_sb *s, uint32_t start, const char *name, size_t len,
                      struct fat_slot *out)
{
    struct dir_scan sc;
    scan_init(&sc, s, start, 0);
    for (;;) {
        int r = scan_next(&sc, out);
        if (r)
            return r < 0 ? r : -ENOENT;
        if (name_eq(out->name, out->len, name, len) || name_eq(out->sname, out->slen, name, len))
            return 0;
    }
}

int fat_dir_count_subdirs(struct fat_sb *s, uint32_t start, uint32_t *n)
{
    struct dir_scan sc;
    struct fat_slot sl;
    scan_init(&sc, s, start, 0);
    *n = 0;
    int r;
    while ((r = scan_next(&sc, &sl)) == 0)
        if (sl.de[DIR_ATTR] & ATTR_DIRECTORY)
            (*n)++;
    return r < 0 ? r : 0;
}

static int dir_is_empty(struct fat_sb *s, uint32_t start)
{
    struct dir_scan sc;
    struct fat_slot sl;
    scan_init(&sc, s, start, 0);
    int r = scan_next(&sc, &sl);
    return r < 0 ? r : r == 1 ? 0 : -ENOTEMPTY;
}

/* ---- Short names for new entries ---- */

static bool short_char_ok(char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("$%'-_@~`!(){}^#&", c) != NULL;
}

/* Whether name can be stored as a short entry alone (each part all upper or all lower case);
 * fills name11 and the NT case flags. */
static bool plain_short(const char *name, size_t len, uint8_t *name11, uint8_t *ntres)
{
    const char *dot = memchr(name, '.', len);
    size_t blen = dot ? (size_t)(dot - name) : len;
    size_t elen = dot ? len - blen - 1 : 0;
    if (blen < 1 || blen > 8 || (dot && (elen < 1 || elen > 3)))
        return false;
    if (dot && memchr(dot + 1, '.', elen))
        return false;
    memset(name11, ' ', 11);
    *ntres = 0;
    for (int part = 0; part < 2; part++) {
        const char *p = part ? dot + 1 : name;
        size_t n = part ? elen : blen;
        bool up = false, lo = false;
        for (size_t i = 0; i < n; i++) {
            if (!short_char_ok(p[i]))
                return false;
            up |= p[i] >= 'A' && p[i] <= 'Z';
            lo |= p[i] >= 'a' && p[i] <= 'z';
            name11[(part ? 8 : 0) + i] = (uint8_t)upper(p[i]);
        }
        if (up && lo)
            return false;
        if (lo)
            *ntres |= part ? NTRES_LOWER_EXT : NTRES_LOWER_BASE;
    }
    if (name11[0] == 0xE5)
        name11[0] = DIR_KANJI;
    return true;
}

/* The basis name of the specification's alias algorithm; *lossy when characters were replaced
 * or dropped. */
static void basis_name(const uint16_t *u, int n, uint8_t *name11, bool *lossy)
{
    memset(name11, ' ', 11);
    *lossy = false;
    int last_dot = -1;
    for (int i = 0; i < n; i++)
        if (u[i] == '.')
            last_dot = i;
    int lead = 0;
    while (lead < n && (u[lead] == '.' || u[lead] == ' '))
        lead++;
    if (last_dot < lead)
        last_dot = -1; /* only leading dots: no extension */
    int bn = 0;
    for (int i = lead; i < (last_dot >= 0 ? last_dot : n); i++) {
        uint16_t c = u[i];
        if (c == ' ' || c == '.') {
            *lossy = true;
            continue;
        }
        if (bn == 8) {
            *lossy = true;
            break;
        }
        name11[bn++] = (uint8_t)((c < 0x80 && short_char_ok((char)c)) ? upper((char)c) : '_');
        if (!(c < 0x80 && short_char_ok((char)c)))
            *lossy = true;
    }
    if (bn == 0) {
        name11[bn++] = '_';
        *lossy = true;
    }
    int en = 0;
    for (int i = last_dot + 1; last_dot >= 0 && i < n; i++) {
        uint16_t c = u[i];
        if (c == ' ') {
            *lossy = true;
            continue;
        }
        if (en == 3) {
            *lossy = true;
            break;
        }
        name11[8 + en++] = (uint8_t)((c < 0x80 && short_char_ok((char)c)) ? upper((char)c) : '_');
        if (!(c < 0x80 && short_char_ok((char)c)))
            *lossy = true;
    }
}

static unsigned ndigits(uint32_t k)
{
    unsigned d = 1;
    while (k >= 10) {
        k /= 10;
        d++;
    }
    return d;
}

/* Basis base length (1..8). */
static unsigned base_len(const uint8_t *name11)
{
    unsigned n = 8;
    while (n > 1 && name11[n - 1] == ' ')
        n--;
    return n;
}

/* name11 with the numeric tail ~k. */
static void with_tail(const uint8_t *basis, uint32_t k, uint8_t *out)
{
    memcpy(out, basis, 11);
    unsigned d = ndigits(k), keep = MIN(base_len(basis), 8 - 1 - d);
    memset(out + keep, ' ', 8 - keep);
    out[keep] = '~';
    for (unsigned i = 0; i < d; i++, k /= 10)
        out[keep + d - i] = (uint8_t)('0' + k % 10);
}

/* Which tail number entry de would be for basis, 0 if none. */
static uint32_t tail_of(const uint8_t *de, const uint8_t *basis)
{
    if (memcmp(de + 8, basis + 8, 3))
        return 0;
    unsigned bl = base_len(de);
    int tilde = -1;
    for (unsigned i = 0; i < bl; i++)
        if (de[i] == '~')
            tilde = (int)i;
    if (tilde < 0 || (unsigned)tilde + 1 >= bl)
        return 0;
    uint32_t k = 0;
    for (unsigned i = (unsigned)tilde + 1; i < bl; i++) {
        if (de[i] < '0' || de[i] > '9' || k > DIR_MAX_ENTRIES)
            return 0;
        k = k * 10 + (de[i] - '0');
    }
    if (k == 0 || k > DIR_MAX_ENTRIES)
        return 0;
    uint8_t want[11];
    with_tail(basis, k, want);
    return memcmp(want, de, 11) ? 0 : k;
}

/* Picks a short name unique in the directory: the basis itself when allowed and free, else
 * the basis with the lowest free numeric tail. */
static int choose_alias(struct fat_sb *s, uint32_t start, const uint8_t *basis, bool need_tail,
                        uint8_t *out)
{
    uint8_t *used = fs_zalloc(DIR_MAX_ENTRIES / 8 + 1);
    if (!used)
        return -ENOMEM;
    bool basis_taken = false;
    struct dir_scan sc;
    struct fat_slot sl;
    scan_init(&sc, s, start, 0);
    int r;
    while ((r = scan_next(&sc, &sl)) == 0) {
        if (!memcmp(sl.de, basis, 11))
            basis_taken = true;
        uint32_t k = tail_of(sl.de, basis);
        if (k)
            used[k / 8] |= (uint8_t)(1u << (k % 8));
    }
    if (r < 0) {
        fs_free(used);
        return r;
    }
    if (!need_tail && !basis_taken) {
        memcpy(out, basis, 11);
    } else {
        uint32_t k = 1;
        while (used[k / 8] & (1u << (k % 8)))
            k++;
        with_tail(basis, k, out);
    }
    fs_free(used);
    return 0;
}

/* Long-name characters Linux vfat refuses, and trailing dots/spaces (which it would strip). */
static int check_name(const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)name[i];
        if (c < 0x20 || strchr("*?<>|\":/\\", c))
            return -EINVAL;
    }
    if (name[len - 1] == '.' || name[len - 1] == ' ')
        return -EINVAL;
    return 0;
}

/* ---- Adding and removing entries ---- */

/* Finds n consecutive free slots in dir (growing it when needed); returns the first index. */
static int find_free_run(struct fat_inode *dir, unsigned n, uint32_t *first)
{
    struct fat_sb *s = isb(dir);
    struct dpos dp;
    dpos_init(&dp, s, dir->start);
    uint32_t run = 0, idx = 0;
    bool at_end = false;
    for (;; idx++) {
        uint64_t pos;
        int err = dpos_get(&dp, idx, &pos);
        if (err)
            return err;
        if (!pos) {
            if (!dir->start || idx >= DIR_MAX_ENTRIES)
                return -ENOSPC;
            uint32_t c;
            if ((err = fat_alloc(s, dp.last, true, &c)))
                return err;
            dir->vfs.size += s->cs;
            dir->vfs.blocks = dir->vfs.size / 512;
            if ((err = dpos_get(&dp, idx, &pos)))
                return err;
            if (!pos)
                return -EIO;
            at_end = true;
        }
        uint8_t b = DIR_END;
        if (!at_end && (err = fat_io(s, pos, &b, 1, false)))
            return err;
        if (b == DIR_END)
            at_end = true;
        if (b == DIR_FREE || b == DIR_END) {
            if (++run == n) {
                *first = idx + 1 - n;
                return 0;
            }
        } else {
            run = 0;
        }
    }
}

/* Writes the entries for name (long-name slots when needed, then the short entry built from
 * tmpl with its name fields replaced) into dir; returns the short entry's position. The caller
 * has checked that the name is not in use. */
static int add_entry(struct fat_inode *dir, const char *name, size_t len, uint8_t *tmpl,
                     uint64_t *pos_out)
{
    struct fat_sb *s = isb(dir);
    int err = check_name(name, len);
    if (err)
        return err;
    uint16_t units[VFS_NAME_MAX + 1];
    int n = utf8_to_utf16(name, len, units);
    if (n < 0)
        return n;
    uint8_t name11[11], ntres;
    unsigned nlfn = 0;
    if (!plain_short(name, len, name11, &ntres)) {
        uint8_t basis[11];
        bool lossy;
        basis_name(units, n, basis, &lossy);
        /* the basis alone only when it is the name itself, up to case */
        uint8_t tmp[DIRENT_SIZE] = {0};
        char shown[26];
        memcpy(tmp, basis, 11);
        bool same = !lossy && name_eq(shown, short_name(tmp, shown), name, len);
        if ((err = choose_alias(s, dir->start, basis, !same, name11)))
            return err;
        ntres = 0;
        nlfn = (unsigned)(n + LDIR_CHARS - 1) / LDIR_CHARS;
    }
    uint32_t first;
    if ((err = find_free_run(dir, nlfn + 1, &first)))
        return err;
    uint8_t csum = lfn_checksum(name11);
    struct dpos dp;
    dpos_init(&dp, s, dir->start);
    for (unsigned i = 0; i <= nlfn; i++) {
        uint64_t pos;
        if ((err = dpos_get(&dp, first + i, &pos)))
            return err;
        if (!pos)
            return -EIO;
        uint8_t de[DIRENT_SIZE];
        if (i < nlfn) {
            unsigned ord = nlfn - i;
            memset(de, 0, sizeof(de));
            de[LDIR_ORD] = (uint8_t)(ord | (i == 0 ? LDIR_LAST : 0));
            de[LDIR_ATTR] = ATTR_LONG_NAME;
            de[LDIR_CHKSUM] = csum;
            for (int k = 0; k < LDIR_CHARS; k++) {
                int ci = (int)(ord - 1) * LDIR_CHARS + k;
                uint16_t u = ci < n ? units[ci] : ci == n ? 0 : 0xFFFF;
                size_t off = k < 5    ? LDIR_NAME1 + 2 * k
                             : k < 11 ? LDIR_NAME2 + 2 * (k - 5)
                                      : LDIR_NAME3 + 2 * (k - 11);
                wr16(de, off, u);
            }
        } else {
            memcpy(de, tmpl, DIRENT_SIZE);
            memcpy(de, name11, 11);
            de[DIR_NTRES] = ntres;
            *pos_out = pos;
        }
        if ((err = fat_io(s, pos, de, DIRENT_SIZE, true)))
            return err;
    }
    return 0;
}

/* Marks an object's slots free. */
static int remove_entry(struct fat_sb *s, uint32_t start, const struct fat_slot *sl)
{
    struct dpos dp;
    dpos_init(&dp, s, start);
    for (uint32_t i = sl->first; i <= sl->idx; i++) {
        uint64_t pos;
        int err = dpos_get(&dp, i, &pos);
        if (!err && !pos)
            err = -EIO;
        uint8_t b = DIR_FREE;
        if (!err)
            err = fat_io(s, pos, &b, 1, true);
        if (err)
            return err;
    }
    fat_forget_pos(s, sl->pos);
    return 0;
}

/* A short entry with current times, attr and first cluster. */
static void new_dirent(uint8_t *de, uint8_t attr, uint32_t start)
{
    memset(de, 0, DIRENT_SIZE);
    memset(de, ' ', 11);
    de[DIR_ATTR] = attr;
    struct vfs_time now;
    fs_now(&now);
    uint16_t date, time;
    uint8_t tenth;
    fat_time_to_dos(&now, &date, &time, &tenth);
    de[DIR_CRTTIMETENTH] = tenth;
    wr16(de, DIR_CRTTIME, time);
    wr16(de, DIR_CRTDATE, date);
    wr16(de, DIR_LSTACCDATE, date);
    wr16(de, DIR_WRTTIME, time);
    wr16(de, DIR_WRTDATE, date);
    wr16(de, DIR_FSTCLUSLO, start & 0xFFFF);
    wr16(de, DIR_FSTCLUSHI, start >> 16);
}

static void touch_dir(struct fat_inode *dir)
{
    struct vfs_time now;
    fs_now(&now);
    dir->vfs.mtime = dir->vfs.ctime = now;
    fat_write_inode(dir);
}

/* The value a ".." entry stores for parent directory dir (0 for the root). */
static uint32_t dotdot_value(struct fat_inode *dir)
{
    return dir->vfs.ino == FAT_ROOT_INO ? 0 : dir->start;
}

/* Finds (dir, name) and checks it is the object victim is. */
static int find_victim(struct fat_inode *dir, const char *name, size_t len,
                       struct vfs_inode *victim, struct fat_slot *sl)
{
    int err = find_entry(isb(dir), dir->start, name, len, sl);
    if (!err && victim && FAT_I(victim)->pos != sl->pos)
        err = -ESTALE;
    return err;
}

/* ---- VFS operations ---- */

static int fat_lookup(struct vfs_inode *vdir, const char *name, size_t len, uint64_t *ino)
{
    struct fat_inode *dir = FAT_I(vdir);
    struct fat_sb *s = isb(dir);
    struct fat_slot *sl = fs_zalloc(sizeof(*sl));
    if (!sl)
        return -ENOMEM;
    spin_lock(&s->lock);
    int err = find_entry(s, dir->start, name, len, sl);
    if (!err) {
        *ino = fat_ino_for(s, sl->pos);
        if (!*ino)
            err = -ENOMEM;
    }
    spin_unlock(&s->lock);
    fs_free(sl);
    return err;
}

static int create_common(struct fat_inode *dir, const char *name, size_t len, uint8_t attr,
                         uint32_t start, uint64_t *ino)
{
    struct fat_sb *s = isb(dir);
    struct fat_slot *sl = fs_zalloc(sizeof(*sl));
    if (!sl)
        return -ENOMEM;
    int err = find_entry(s, dir->start, name, len, sl);
    fs_free(sl);
    if (!err)
        return -EEXIST;
    if (err != -ENOENT)
        return err;
    uint8_t de[DIRENT_SIZE];
    new_dirent(de, attr, start);
    uint64_t pos;
    if ((err = add_entry(dir, name, len, de, &pos)))
        return err;
    touch_dir(dir);
    *ino = fat_ino_for(s, pos);
    return *ino ? 0 : -ENOMEM;
}

static int fat_create(struct vfs_inode *vdir, const char *name, size_t len, uint32_t mode,
                      const struct vfs_cred *cred, uint64_t *ino)
{
    (void)cred;
    struct fat_inode *dir = FAT_I(vdir);
    if (!VFS_S_ISREG(mode))
        return -EPERM;
    spin_lock(&isb(dir)->lock);
    int err =
        create_common(dir, name, len, ATTR_ARCHIVE | ((mode & 0222) ? 0 : ATTR_READ_ONLY), 0, ino);
    spin_unlock(&isb(dir)->lock);
    return err;
}

static int fat_mkdir(struct vfs_inode *vdir, const char *name, size_t len, uint32_t mode,
                     const struct vfs_cred *cred, uint64_t *ino)
{
    (void)cred;
    (void)mode;
    struct fat_inode *dir = FAT_I(vdir);
    struct fat_sb *s = isb(dir);
    spin_lock(&s->lock);
    uint32_t c;
    int err = fat_alloc(s, 0, true, &c);
    if (!err) {
        uint8_t de[2 * DIRENT_SIZE];
        new_dirent(de, ATTR_DIRECTORY, c);
        de[0] = '.';
        new_dirent(de + DIRENT_SIZE, ATTR_DIRECTORY, dotdot_value(dir));
        de[DIRENT_SIZE] = de[DIRENT_SIZE + 1] = '.';
        err = fat_io(s, fat_clus_off(s, c), de, sizeof(de), true);
        if (!err)
            err = create_common(dir, name, len, ATTR_DIRECTORY, c, ino);
        if (err)
            fat_free_chain(s, c);
        else
            dir->vfs.nlink++;
    }
    spin_unlock(&s->lock);
    return err;
}

static int fat_mknod(struct vfs_inode *dir, const char *name, size_t len, uint32_t mode,
                     uint64_t rdev, const struct vfs_cred *cred, uint64_t *ino)
{
    (void)dir, (void)name, (void)len, (void)mode, (void)rdev, (void)cred, (void)ino;
    return -EPERM;
}

static int fat_symlink(struct vfs_inode *dir, const char *name, size_t len, const char *target,
                       size_t target_len, const struct vfs_cred *cred, uint64_t *ino)
{
    (void)dir, (void)name, (void)len, (void)target, (void)target_len, (void)cred, (void)ino;
    return -EPERM;
}

static int fat_link(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *target)
{
    (void)dir, (void)name, (void)len, (void)target;
    return -EPERM;
}

static int remove_common(struct vfs_inode *vdir, const char *name, size_t len,
                         struct vfs_inode *victim, bool is_dir)
{
    struct fat_inode *dir = FAT_I(vdir);
    struct fat_sb *s = isb(dir);
    struct fat_slot *sl = fs_zalloc(sizeof(*sl));
    if (!sl)
        return -ENOMEM;
    spin_lock(&s->lock);
    int err = find_victim(dir, name, len, victim, sl);
    if (!err && is_dir)
        err = dir_is_empty(s, FAT_I(victim)->start);
    if (!err)
        err = remove_entry(s, dir->start, sl);
    if (!err) {
        fat_set_pos(s, FAT_I(victim), 0);
        victim->nlink = 0;
        if (is_dir)
            dir->vfs.nlink--;
        touch_dir(dir);
    }
    spin_unlock(&s->lock);
    fs_free(sl);
    return err;
}

static int fat_unlink(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *victim)
{
    if (VFS_S_ISDIR(victim->mode))
        return -EISDIR;
    return remove_common(dir, name, len, victim, false);
}

static int fat_rmdir(struct vfs_inode *dir, const char *name, size_t len, struct vfs_inode *victim)
{
    if (!VFS_S_ISDIR(victim->mode))
        return -ENOTDIR;
    return remove_common(dir, name, len, victim, true);
}

/* Moves (old_dir, old_name) to (new_dir, new_name), replacing new_inode when given: the new
 * entry is written first, then the replaced and the old ones are freed. */
static int do_rename(struct fat_inode *odir, const char *oname, size_t olen, struct fat_inode *oi,
                     struct fat_inode *ndir, const char *nname, size_t nlen, struct fat_inode *ni,
                     struct fat_slot *osl, struct fat_slot *nsl)
{
    struct fat_sb *s = isb(odir);
    int err = find_victim(odir, oname, olen, &oi->vfs, osl);
    if (err)
        return err;
    if (ni) {
        if ((err = find_victim(ndir, nname, nlen, &ni->vfs, nsl)))
            return err;
        if (VFS_S_ISDIR(ni->vfs.mode) && (err = dir_is_empty(s, ni->start)))
            return err;
    } else {
        err = find_entry(s, ndir->start, nname, nlen, nsl);
        if (!err)
            return -EEXIST;
        if (err != -ENOENT)
            return err;
    }
    uint64_t pos;
    if ((err = add_entry(ndir, nname, nlen, osl->de, &pos)))
        return err;
    if (ni) {
        /* the new entry may have shifted nothing: slots are only ever appended or reused */
        if ((err = remove_entry(s, ndir->start, nsl)))
            return err;
        fat_set_pos(s, ni, 0);
        ni->vfs.nlink = 0;
        if (VFS_S_ISDIR(ni->vfs.mode))
            ndir->vfs.nlink--;
    }
    if ((err = remove_entry(s, odir->start, osl)))
        return err;
    fat_set_pos(s, oi, pos);
    if (VFS_S_ISDIR(oi->vfs.mode) && odir != ndir) {
        uint8_t dd[DIRENT_SIZE];
        uint64_t ddpos = fat_clus_off(s, oi->start) + DIRENT_SIZE;
        if ((err = fat_io(s, ddpos, dd, DIRENT_SIZE, false)))
            return err;
        uint32_t v = dotdot_value(ndir);
        wr16(dd, DIR_FSTCLUSLO, v & 0xFFFF);
        wr16(dd, DIR_FSTCLUSHI, v >> 16);
        if ((err = fat_io(s, ddpos, dd, DIRENT_SIZE, true)))
            return err;
        odir->vfs.nlink--;
        ndir->vfs.nlink++;
    }
    touch_dir(odir);
    if (ndir != odir)
        touch_dir(ndir);
    return 0;
}

static int fat_rename(struct vfs_inode *old_dir, const char *old_name, size_t old_len,
                      struct vfs_inode *old_inode, struct vfs_inode *new_dir, const char *new_name,
                      size_t new_len, struct vfs_inode *new_inode, unsigned flags)
{
    if (flags & ~VFS_RENAME_NOREPLACE)
        return -EINVAL;
    struct fat_sb *s = FAT_SB(old_dir->sb);
    struct fat_slot *sl = fs_zalloc(2 * sizeof(*sl));
    if (!sl)
        return -ENOMEM;
    spin_lock(&s->lock);
    int err = do_rename(FAT_I(old_dir), old_name, old_len, FAT_I(old_inode), FAT_I(new_dir),
                        new_name, new_len, new_inode ? FAT_I(new_inode) : NULL, &sl[0], &sl[1]);
    spin_unlock(&s->lock);
    fs_free(sl);
    return err;
}

/* Inode number for a directory's ".." (the root's parent is itself). */
static uint64_t parent_ino(struct fat_inode *dir)
{
    struct fat_sb *s = isb(dir);
    if (dir->vfs.ino == FAT_ROOT_INO)
        return FAT_ROOT_INO;
    uint8_t de[DIRENT_SIZE];
    if (fat_io(s, fat_clus_off(s, dir->start) + DIRENT_SIZE, de, DIRENT_SIZE, false))
        return FAT_ROOT_INO;
    uint32_t c =
        rd16(de, DIR_FSTCLUSLO) | (s->fat_bits == 32 ? (uint32_t)rd16(de, DIR_FSTCLUSHI) << 16 : 0);
    struct fat_inode *p = c ? fat_find_dir_by_start(s, c) : NULL;
    return p && c != s->root_clus ? p->vfs.ino : FAT_ROOT_INO;
}

/* Cookies: 0 is ".", 1 is "..", 2 + i resumes at entry index i. */
static int fat_readdir(struct vfs_inode *vdir, uint64_t *pos, vfs_filldir_fn fn, void *ctx)
{
    struct fat_inode *dir = FAT_I(vdir);
    struct fat_sb *s = isb(dir);
    if (*pos == 0) {
        if (fn(ctx, ".", 1, vdir->ino, VFS_DT_DIR, 1))
            return 0;
        *pos = 1;
    }
    if (*pos == 1) {
        spin_lock(&s->lock);
        uint64_t pino = parent_ino(dir);
        spin_unlock(&s->lock);
        if (fn(ctx, "..", 2, pino, VFS_DT_DIR, 2))
            return 0;
        *pos = 2;
    }
    struct fat_slot *sl = fs_zalloc(sizeof(*sl));
    struct dir_scan *sc = fs_zalloc(sizeof(*sc));
    int err = 0;
    if (!sl || !sc) {
        err = -ENOMEM;
        goto out;
    }
    if (*pos - 2 >= DIR_MAX_ENTRIES)
        goto out;
    scan_init(sc, s, dir->start, (uint32_t)(*pos - 2));
    for (;;) {
        spin_lock(&s->lock);
        int r = scan_next(sc, sl);
        uint64_t ino = r == 0 ? fat_ino_for(s, sl->pos) : 0;
        spin_unlock(&s->lock);
        if (r) {
            err = r < 0 ? r : 0;
            break;
        }
        if (!ino) {
            err = -ENOMEM;
            break;
        }
        unsigned type = (sl->de[DIR_ATTR] & ATTR_DIRECTORY) ? VFS_DT_DIR : VFS_DT_REG;
        if (fn(ctx, sl->name, sl->len, ino, type, 2 + (uint64_t)sl->idx + 1)) {
            *pos = 2 + (uint64_t)sl->first;
            break;
        }
        *pos = 2 + (uint64_t)sl->idx + 1;
    }
out:
    fs_free(sl);
    fs_free(sc);
    return err;
}

const struct vfs_inode_ops fat_dir_ops = {
    .lookup = fat_lookup,
    .create = fat_create,
    .mkdir = fat_mkdir,
    .mknod = fat_mknod,
    .symlink = fat_symlink,
    .link = fat_link,
    .unlink = fat_unlink,
    .rmdir = fat_rmdir,
    .rename = fat_rename,
    .readdir = fat_readdir,
    .setattr = fat_setattr,
};
