/*
 * Flattened device tree reader (Devicetree Specification v0.4, chapter 5). Every read is
 * bounds-checked against the blocks the header declares, so a malformed blob yields
 * FDT_ERR_BADBLOB rather than a wild read.
 */
#include <string.h>
#include <lib/fdt.h>

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_read_cells(const void *p, int cells)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 0; i < cells; i++)
        v = v << 32 | be32(b + 4 * i);
    return v;
}

size_t fdt_blob_size(const void *blob)
{
    if (be32(blob) != FDT_MAGIC)
        return 0;
    return be32((const uint8_t *)blob + 4);
}

static bool block_ok(uint32_t off, uint32_t size, size_t total)
{
    return off <= total && size <= total - off;
}

int fdt_open(struct fdt *fdt, const void *blob, size_t max_size)
{
    const uint8_t *b = blob;
    if (max_size < 40 || be32(b) != FDT_MAGIC)
        return FDT_ERR_BADBLOB;
    size_t total = be32(b + 4);
    if (total > max_size || total < 40 || be32(b + 20) < 16)
        return FDT_ERR_BADBLOB;
    fdt->blob = b;
    fdt->size = total;
    fdt->off_struct = be32(b + 8);
    fdt->off_strings = be32(b + 12);
    fdt->off_rsvmap = be32(b + 16);
    fdt->size_strings = be32(b + 32);
    fdt->size_struct = be32(b + 36);
    if (!block_ok(fdt->off_struct, fdt->size_struct, total) ||
        !block_ok(fdt->off_strings, fdt->size_strings, total) || fdt->off_rsvmap > total ||
        (fdt->off_struct & 3) || (fdt->size_struct & 3))
        return FDT_ERR_BADBLOB;
    return 0;
}

/* Token at structure offset off, or -1 past the end. */
static int token_at(const struct fdt *fdt, int off, uint32_t *tok)
{
    if (off < 0 || (uint32_t)off + 4 > fdt->size_struct)
        return -1;
    *tok = be32(fdt->blob + fdt->off_struct + off);
    return 0;
}

/* Length of the NUL-terminated string at structure offset off, or -1 if unterminated. */
static int struct_strlen(const struct fdt *fdt, int off)
{
    const char *s = (const char *)fdt->blob + fdt->off_struct + off;
    size_t max = fdt->size_struct - (uint32_t)off;
    size_t n = strnlen(s, max);
    return n == max ? -1 : (int)n;
}

/* Offset of the token following the one at off (skipping names and property values). */
static int next_token(const struct fdt *fdt, int off, uint32_t *tok)
{
    if (token_at(fdt, off, tok))
        return FDT_ERR_BADBLOB;
    int next = off + 4;
    if (*tok == FDT_BEGIN_NODE) {
        int n = struct_strlen(fdt, next);
        if (n < 0)
            return FDT_ERR_BADBLOB;
        next += (n + 1 + 3) & ~3;
    } else if (*tok == FDT_PROP) {
        uint32_t len;
        if (token_at(fdt, next, &len) || len > fdt->size_struct)
            return FDT_ERR_BADBLOB;
        next += 8 + (int)((len + 3) & ~3u);
    } else if (*tok != FDT_END_NODE && *tok != FDT_NOP && *tok != FDT_END) {
        return FDT_ERR_BADBLOB;
    }
    if ((uint32_t)next > fdt->size_struct)
        return FDT_ERR_BADBLOB;
    return next;
}

/* Offset just past the node that begins at node (its END_NODE consumed). */
static int skip_node(const struct fdt *fdt, int node)
{
    int depth = 0, off = node;
    uint32_t tok;
    do {
        off = next_token(fdt, off, &tok);
        if (off < 0 || tok == FDT_END)
            return FDT_ERR_BADBLOB;
        if (tok == FDT_BEGIN_NODE)
            depth++;
        else if (tok == FDT_END_NODE)
            depth--;
    } while (depth > 0);
    return off;
}

/* First BEGIN_NODE at or after off at the same depth, stopping at the parent's END_NODE. */
static int node_from(const struct fdt *fdt, int off)
{
    for (;;) {
        uint32_t tok;
        if (token_at(fdt, off, &tok))
            return FDT_ERR_BADBLOB;
        if (tok == FDT_BEGIN_NODE)
            return off;
        if (tok == FDT_END_NODE || tok == FDT_END)
            return FDT_ERR_NOTFOUND;
        off = next_token(fdt, off, &tok);
        if (off < 0)
            return off;
    }
}

int fdt_first_child(const struct fdt *fdt, int node)
{
    uint32_t tok;
    if (token_at(fdt, node, &tok) || tok != FDT_BEGIN_NODE)
        return FDT_ERR_BADBLOB;
    int off = next_token(fdt, node, &tok);
    return off < 0 ? off : node_from(fdt, off);
}

int fdt_next_sibling(const struct fdt *fdt, int node)
{
    int off = skip_node(fdt, node);
    return off < 0 ? off : node_from(fdt, off);
}

const char *fdt_node_name(const struct fdt *fdt, int node)
{
    uint32_t tok;
    if (token_at(fdt, node, &tok) || tok != FDT_BEGIN_NODE || struct_strlen(fdt, node + 4) < 0)
        return NULL;
    return (const char *)fdt->blob + fdt->off_struct + node + 4;
}

const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, size_t *len)
{
    uint32_t tok;
    if (token_at(fdt, node, &tok) || tok != FDT_BEGIN_NODE)
        return NULL;
    int off = next_token(fdt, node, &tok);
    while (off >= 0 && !token_at(fdt, off, &tok) && (tok == FDT_PROP || tok == FDT_NOP)) {
        if (tok == FDT_PROP) {
            uint32_t plen = be32(fdt->blob + fdt->off_struct + off + 4);
            uint32_t nameoff = be32(fdt->blob + fdt->off_struct + off + 8);
            if ((uint64_t)off + 12 + plen > fdt->size_struct)
                return NULL; /* value runs past the structure block */
            if (nameoff < fdt->size_strings) {
                const char *pname = (const char *)fdt->blob + fdt->off_strings + nameoff;
                size_t max = fdt->size_strings - nameoff;
                if (strnlen(pname, max) < max && !strcmp(pname, name)) {
                    if (len)
                        *len = plen;
                    return fdt->blob + fdt->off_struct + off + 12;
                }
            }
        }
        off = next_token(fdt, off, &tok);
    }
    return NULL;
}

/* Does a node name match a path component? "memory" matches "memory@40000000". */
static bool name_matches(const char *name, const char *comp, size_t clen)
{
    if (strncmp(name, comp, clen))
        return false;
    return name[clen] == '\0' || (name[clen] == '@' && !memchr(comp, '@', clen));
}

int fdt_path_offset(const struct fdt *fdt, const char *path)
{
    if (path[0] != '/')
        return FDT_ERR_NOTFOUND;
    int node = node_from(fdt, 0);
    while (node >= 0) {
        while (*path == '/')
            path++;
        if (!*path)
            return node;
        const char *slash = strchr(path, '/');
        size_t clen = slash ? (size_t)(slash - path) : strlen(path);
        int child = fdt_first_child(fdt, node);
        while (child >= 0) {
            const char *name = fdt_node_name(fdt, child);
            if (name && name_matches(name, path, clen))
                break;
            child = fdt_next_sibling(fdt, child);
        }
        node = child;
        path += clen;
    }
    return node;
}

static bool stringlist_contains(const char *list, size_t len, const char *s)
{
    size_t i = 0;
    while (i < len) {
        size_t n = strnlen(list + i, len - i);
        if (n < len - i && !strcmp(list + i, s))
            return true;
        i += n + 1;
    }
    return false;
}

bool fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat)
{
    size_t len;
    const char *c = fdt_getprop(fdt, node, "compatible", &len);
    return c && stringlist_contains(c, len, compat);
}

int fdt_next_compatible(const struct fdt *fdt, int after, const char *compat)
{
    int off = after < 0 ? 0 : after;
    uint32_t tok;
    if (after >= 0) {
        off = next_token(fdt, after, &tok);
        if (off < 0)
            return off;
    }
    for (;;) {
        if (token_at(fdt, off, &tok))
            return FDT_ERR_BADBLOB;
        if (tok == FDT_END)
            return FDT_ERR_NOTFOUND;
        if (tok == FDT_BEGIN_NODE && fdt_node_is_compatible(fdt, off, compat))
            return off;
        off = next_token(fdt, off, &tok);
        if (off < 0)
            return off;
    }
}

/* The parent of node (a linear scan from the root, keeping a stack). */
static int parent_of(const struct fdt *fdt, int node)
{
    int stack[32], depth = 0, off = 0;
    uint32_t tok;
    while (!token_at(fdt, off, &tok) && tok != FDT_END) {
        if (tok == FDT_BEGIN_NODE) {
            if (off == node)
                return depth > 0 ? stack[depth - 1] : FDT_ERR_NOTFOUND;
            if (depth == 32)
                return FDT_ERR_BADBLOB;
            stack[depth++] = off;
        } else if (tok == FDT_END_NODE) {
            if (depth == 0)
                return FDT_ERR_BADBLOB;
            depth--;
        }
        off = next_token(fdt, off, &tok);
        if (off < 0)
            return off;
    }
    return FDT_ERR_NOTFOUND;
}

static int cells_prop(const struct fdt *fdt, int node, const char *name, int dflt)
{
    size_t len;
    const void *p = fdt_getprop(fdt, node, name, &len);
    if (!p || len != 4)
        return dflt;
    return (int)be32(p);
}

int fdt_reg_cells(const struct fdt *fdt, int node, int *addr_cells, int *size_cells)
{
    int parent = parent_of(fdt, node);
    if (parent < 0) {
        *addr_cells = 2;
        *size_cells = 1;
        return parent == FDT_ERR_NOTFOUND ? 0 : parent;
    }
    *addr_cells = cells_prop(fdt, parent, "#address-cells", 2);
    *size_cells = cells_prop(fdt, parent, "#size-cells", 1);
    if (*addr_cells < 1 || *addr_cells > 2 || *size_cells < 0 || *size_cells > 2)
        return FDT_ERR_BADBLOB;
    return 0;
}

int fdt_reg(const struct fdt *fdt, int node, int index, uint64_t *addr, uint64_t *size)
{
    int ac, sc, err = fdt_reg_cells(fdt, node, &ac, &sc);
    if (err)
        return err;
    size_t len;
    const uint8_t *p = fdt_getprop(fdt, node, "reg", &len);
    size_t entry = 4 * (size_t)(ac + sc);
    if (!p || index < 0 || (size_t)(index + 1) * entry > len)
        return FDT_ERR_NOTFOUND;
    p += (size_t)index * entry;
    *addr = fdt_read_cells(p, ac);
    *size = sc ? fdt_read_cells(p + 4 * ac, sc) : 0;
    return 0;
}

int fdt_memreserve_count(const struct fdt *fdt)
{
    int n = 0;
    for (size_t off = fdt->off_rsvmap; off + 16 <= fdt->size; off += 16, n++) {
        if (fdt_read_cells(fdt->blob + off, 2) == 0 && fdt_read_cells(fdt->blob + off + 8, 2) == 0)
            return n;
    }
    return FDT_ERR_BADBLOB;
}

int fdt_memreserve(const struct fdt *fdt, int index, uint64_t *addr, uint64_t *size)
{
    int n = fdt_memreserve_count(fdt);
    if (n < 0)
        return n;
    if (index < 0 || index >= n)
        return FDT_ERR_NOTFOUND;
    const uint8_t *e = fdt->blob + fdt->off_rsvmap + 16 * (size_t)index;
    *addr = fdt_read_cells(e, 2);
    *size = fdt_read_cells(e + 8, 2);
    return 0;
}
