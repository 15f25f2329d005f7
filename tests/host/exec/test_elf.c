/*
 * libos/exec/elf.c: plans for real arm64 programs (built by meson with the cross compiler)
 * checked against `aarch64-linux-gnu-readelf -lW`, and malformed files made by editing
 * copies of them. Arguments: triples KIND BINARY READELF_OUTPUT.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lib/errno.h>
#include <libos/exec.h>

#define PAGE          4096ULL
#define PDOWN(x)      ((x) & ~(PAGE - 1))
#define PUP(x)        (((x) + PAGE - 1) & ~(PAGE - 1))
#define MAX_FIXTURES  8
#define MAX_FACT_PHDR 32

struct blob {
    uint8_t *data;
    size_t size;
    long fail_at; /* reads at or past this offset fail with fail_err (-1: never) */
    long fail_err;
};

static long blob_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct blob *b = ctx;
    if (b->fail_at >= 0 && off + len > (uint64_t)b->fail_at)
        return b->fail_err;
    if (off >= b->size)
        return 0;
    size_t n = len < b->size - off ? len : b->size - off;
    memcpy(buf, b->data + off, n);
    return (long)n;
}

static struct exec_file file_of(struct blob *b)
{
    return (struct exec_file){blob_read, b, b->size};
}

/* What readelf -lW said about a program. */
struct fact_phdr {
    char type[32];
    uint64_t off, vaddr, filesz, memsz, align;
    char flags[8];
};
struct facts {
    char kind[32];
    char path[4096];
    bool dyn;
    uint64_t entry, phoff;
    unsigned phnum;
    char interp[256];
    unsigned n;
    struct fact_phdr ph[MAX_FACT_PHDR];
};

static struct facts fixtures[MAX_FIXTURES];
static unsigned nfixtures;

static void parse_facts(struct facts *f, const char *readelf_path)
{
    FILE *in = fopen(readelf_path, "r");
    if (!in) {
        fprintf(stderr, "cannot open %s\n", readelf_path);
        exit(1);
    }
    char line[512];
    while (fgets(line, sizeof(line), in)) {
        struct fact_phdr p = {0};
        char rest[64] = "";
        if (strstr(line, "Elf file type is DYN"))
            f->dyn = true;
        if (sscanf(line, "Entry point 0x%lx", &f->entry) == 1)
            continue;
        if (sscanf(line, "There are %u program headers, starting at offset %lu", &f->phnum,
                   &f->phoff) == 2)
            continue;
        if (sscanf(line, " [Requesting program interpreter: %255[^]]]", f->interp) == 1)
            continue;
        if (sscanf(line, " %31s 0x%lx 0x%lx 0x%*x 0x%lx 0x%lx %63[^\n]", p.type, &p.off, &p.vaddr,
                   &p.filesz, &p.memsz, rest) == 6) {
            char *al = strstr(rest, "0x");
            if (!al)
                continue;
            p.align = strtoull(al, NULL, 16);
            size_t k = 0;
            for (char *c = rest; c < al && k < sizeof(p.flags) - 1; c++)
                if (*c == 'R' || *c == 'W' || *c == 'E')
                    p.flags[k++] = *c;
            if (f->n < MAX_FACT_PHDR)
                f->ph[f->n++] = p;
        }
    }
    fclose(in);
}

static struct blob load(const char *path)
{
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    fseek(in, 0, SEEK_END);
    long size = ftell(in);
    fseek(in, 0, SEEK_SET);
    struct blob b = {malloc((size_t)size), (size_t)size, -1, 0};
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, (size_t)size, in), (size_t)size);
    fclose(in);
    return b;
}

static const struct facts *fixture(const char *kind)
{
    for (unsigned i = 0; i < nfixtures; i++)
        if (!strcmp(fixtures[i].kind, kind))
            return &fixtures[i];
    fail_msg("no fixture %s", kind);
    return NULL;
}

static uint32_t prot_of_flags(const char *flags)
{
    return (strchr(flags, 'R') ? EXEC_PROT_READ : 0) | (strchr(flags, 'W') ? EXEC_PROT_WRITE : 0) |
           (strchr(flags, 'E') ? EXEC_PROT_EXEC : 0);
}

/* Everything the plan says, at bias, against readelf's facts. */
static void check_plan(const struct facts *f, const struct exec_elf_plan *p, uint64_t bias)
{
    assert_int_equal(p->type, f->dyn ? ET_DYN : ET_EXEC);
    assert_int_equal(p->bias, bias);
    assert_int_equal(p->entry, f->entry + bias);
    assert_int_equal(p->phnum, f->phnum);
    assert_int_equal(p->phent, 56);
    unsigned nload = 0;
    uint64_t hi = 0;
    bool saw_stack = false, saw_tls = false, saw_phdr = false;
    for (unsigned i = 0; i < f->n; i++) {
        const struct fact_phdr *ph = &f->ph[i];
        if (!strcmp(ph->type, "LOAD")) {
            assert_true(nload < p->nmaps);
            const struct exec_mapping *m = &p->maps[nload++];
            assert_int_equal(m->vaddr, PDOWN(ph->vaddr) + bias);
            assert_int_equal(m->len, PUP(ph->vaddr + ph->memsz) - PDOWN(ph->vaddr));
            assert_int_equal(m->file_off, PDOWN(ph->off));
            assert_int_equal(m->file_len, (ph->vaddr & (PAGE - 1)) + ph->filesz);
            assert_int_equal(m->zero_start, ph->vaddr + ph->filesz + bias);
            assert_int_equal(m->zero_end, ph->vaddr + ph->memsz + bias);
            assert_int_equal(m->prot, prot_of_flags(ph->flags));
            /* AT_PHDR: Linux finds e_phoff inside a PT_LOAD's file bytes. */
            if (ph->off <= f->phoff && f->phoff < ph->off + ph->filesz)
                assert_int_equal(p->phdr_addr, f->phoff - ph->off + ph->vaddr + bias);
            if (ph->vaddr + ph->memsz > hi)
                hi = ph->vaddr + ph->memsz;
            assert_int_equal(p->max_align, ph->align);
        } else if (!strcmp(ph->type, "GNU_STACK")) {
            saw_stack = true;
            assert_true(p->has_gnu_stack);
            assert_int_equal(p->exec_stack, strchr(ph->flags, 'E') != NULL);
        } else if (!strcmp(ph->type, "TLS")) {
            saw_tls = true;
            assert_true(p->has_tls);
            assert_int_equal(p->tls_vaddr, ph->vaddr + bias);
            assert_int_equal(p->tls_filesz, ph->filesz);
            assert_int_equal(p->tls_memsz, ph->memsz);
            assert_int_equal(p->tls_align, ph->align);
        } else if (!strcmp(ph->type, "PHDR")) {
            saw_phdr = true;
            assert_true(p->has_pt_phdr);
            assert_int_equal(p->pt_phdr_vaddr, ph->vaddr + bias);
            assert_int_equal(p->phdr_addr, ph->vaddr + bias); /* both ways agree here */
        }
    }
    assert_int_equal(nload, p->nmaps);
    assert_true(nload >= 2);
    assert_int_equal(p->brk, PUP(hi) + bias);
    assert_int_equal(p->lo, p->maps[0].vaddr);
    assert_int_equal(p->hi, PUP(hi) + bias);
    assert_int_equal(p->has_gnu_stack, saw_stack);
    assert_int_equal(p->has_tls, saw_tls);
    assert_int_equal(p->has_pt_phdr, saw_phdr);
    assert_int_equal(p->has_interp, f->interp[0] != '\0');
}

static void test_fixtures_match_readelf(void **state)
{
    (void)state;
    assert_true(nfixtures >= 4);
    for (unsigned i = 0; i < nfixtures; i++) {
        const struct facts *f = &fixtures[i];
        struct blob b = load(f->path);
        struct exec_file file = file_of(&b);
        struct exec_elf_plan plan;
        assert_int_equal(exec_elf_plan(&file, &plan), 0);
        check_plan(f, &plan, 0);

        char interp[EXEC_PATH_MAX];
        long n = exec_elf_read_interp(&file, &plan, interp, sizeof(interp));
        if (f->interp[0]) {
            assert_int_equal(n, strlen(f->interp));
            assert_string_equal(interp, f->interp);
            assert_int_equal(exec_elf_read_interp(&file, &plan, interp, 5), -ENAMETOOLONG);
        } else {
            assert_int_equal(n, -ENOEXEC);
        }

        /* ET_DYN main programs go to Linux's ELF_ET_DYN_BASE aligned to 64 KiB; ET_EXEC
         * ignores the base. */
        uint64_t bias = f->dyn ? 0xaaaaaaaa0000ULL : 0;
        assert_int_equal(exec_elf_place(&plan, EXEC_ET_DYN_BASE), 0);
        check_plan(f, &plan, bias);
        if (f->dyn) {
            /* Re-placing works from the current bias (an interpreter at a chosen base). */
            assert_int_equal(exec_elf_place(&plan, 0xfffff7fc1234ULL), 0);
            check_plan(f, &plan, 0xfffff7fc0000ULL);
            assert_int_equal(exec_elf_place(&plan, EXEC_TASK_SIZE - 0x10000), -EINVAL);
            check_plan(f, &plan, 0xfffff7fc0000ULL); /* unchanged on failure */
        }
        free(b.data);
    }
    assert_string_equal(fixture("dyn-pie")->interp, "/lib/ld-linux-aarch64.so.1");
}

static void test_is_elf(void **state)
{
    (void)state;
    assert_true(exec_is_elf("\177ELF\2", 5));
    assert_false(exec_is_elf("\177EL", 3));
    assert_false(exec_is_elf("#!/bin/sh", 9));
}

/* A copy of a fixture to damage, and its headers. */
struct victim {
    struct blob b;
    struct elf64_ehdr *eh;
    struct elf64_phdr *ph;
};

static struct victim victim(const char *kind)
{
    struct victim v = {load(fixture(kind)->path), NULL, NULL};
    v.eh = (struct elf64_ehdr *)v.b.data;
    v.ph = (struct elf64_phdr *)(v.b.data + v.eh->e_phoff);
    return v;
}

static int plan_of(struct victim *v)
{
    struct exec_file f = file_of(&v->b);
    struct exec_elf_plan plan;
    return exec_elf_plan(&f, &plan);
}

static struct elf64_phdr *nth_of_type(struct victim *v, uint32_t type, unsigned nth)
{
    for (unsigned i = 0; i < v->eh->e_phnum; i++)
        if (v->ph[i].p_type == type && nth-- == 0)
            return &v->ph[i];
    fail_msg("no such program header");
    return NULL;
}

/* Damage a fresh static fixture with EDIT, expect ERR. */
#define EXPECT_STATIC(err, ...)                                                                    \
    do {                                                                                           \
        struct victim v = victim("static");                                                        \
        assert_int_equal(plan_of(&v), 0);                                                          \
        struct elf64_ehdr *eh = v.eh;                                                              \
        (void)eh;                                                                                  \
        __VA_ARGS__;                                                                               \
        assert_int_equal(plan_of(&v), err);                                                        \
        free(v.b.data);                                                                            \
    } while (0)

static void test_bad_headers(void **state)
{
    (void)state;
    EXPECT_STATIC(-ENOEXEC, v.b.size = 40);         /* truncated header */
    EXPECT_STATIC(-ENOEXEC, v.b.size = 100);        /* truncated program headers */
    EXPECT_STATIC(-ENOEXEC, eh->e_ident[0] = 0x7e); /* bad magic */
    EXPECT_STATIC(-ENOEXEC, eh->e_ident[3] = 'G');
    EXPECT_STATIC(-ENOEXEC, eh->e_ident[4] = 1); /* ELFCLASS32 */
    EXPECT_STATIC(-ENOEXEC, eh->e_ident[5] = 2); /* big-endian */
    EXPECT_STATIC(-ENOEXEC, eh->e_ident[6] = 0); /* ident version */
    EXPECT_STATIC(-ENOEXEC, eh->e_version = 2);
    EXPECT_STATIC(-ENOEXEC, eh->e_machine = 62); /* x86-64 */
    EXPECT_STATIC(-ENOEXEC, eh->e_machine = 40); /* 32-bit ARM */
    EXPECT_STATIC(-ENOEXEC, eh->e_type = 1);     /* ET_REL */
    EXPECT_STATIC(-ENOEXEC, eh->e_type = 4);     /* ET_CORE */
    EXPECT_STATIC(-ENOEXEC, eh->e_phentsize = 32);
    EXPECT_STATIC(-ENOEXEC, eh->e_phnum = 0);
    EXPECT_STATIC(-ENOEXEC, eh->e_phnum = 74); /* 74 * 56 > 4096 */
    EXPECT_STATIC(-ENOEXEC, eh->e_phnum = 0xffff);
    EXPECT_STATIC(-ENOEXEC, eh->e_phoff = v.b.size - 8);         /* headers past the end */
    EXPECT_STATIC(-ENOEXEC, eh->e_phoff = UINT64_MAX - 8);       /* offset overflow */
    EXPECT_STATIC(-EINVAL, eh->e_entry = 0xffff000000001000ULL); /* entry in the kernel half */
    /* Only PT_NULL headers: nothing to load. */
    EXPECT_STATIC(-ENOEXEC, for (unsigned i = 0; i < eh->e_phnum; i++) v.ph[i].p_type = PT_NULL);
}

static void test_bad_loads(void **state)
{
    (void)state;
    EXPECT_STATIC(-EINVAL, { /* filesz > memsz */
                             struct elf64_phdr *p = nth_of_type(&v, PT_LOAD, 1);
                             p->p_filesz = p->p_memsz + 1;
    });
    EXPECT_STATIC(-EINVAL, nth_of_type(&v, PT_LOAD, 0)->p_offset += 1); /* incongruent */
    EXPECT_STATIC(-EINVAL, nth_of_type(&v, PT_LOAD, 1)->p_vaddr += 8);
    EXPECT_STATIC(-EINVAL, { /* in the kernel half (offset kept congruent) */
                             nth_of_type(&v, PT_LOAD, 1)->p_vaddr = 0xffff00000048c808ULL;
    });
    EXPECT_STATIC(-EINVAL, { /* ends just past the user half */
                             struct elf64_phdr *p = nth_of_type(&v, PT_LOAD, 1);
                             p->p_vaddr = EXEC_TASK_SIZE - 0x1000 + (p->p_vaddr & 0xfff);
    });
    EXPECT_STATIC(-EINVAL, nth_of_type(&v, PT_LOAD, 1)->p_memsz = UINT64_MAX - 0x1000);
    EXPECT_STATIC(-ENOEXEC, { /* overlapping: the second starts inside the first */
                              struct elf64_phdr *p = nth_of_type(&v, PT_LOAD, 1);
                              p->p_vaddr = 0x400000 + (p->p_offset & 0xfff);
    });
    EXPECT_STATIC(-ENOEXEC, { /* unsorted: swap the two loads */
                              struct elf64_phdr *a = nth_of_type(&v, PT_LOAD, 0),
                                                *b = nth_of_type(&v, PT_LOAD, 1);
                              struct elf64_phdr t = *a;
                              *a = *b;
                              *b = t;
    });
    EXPECT_STATIC(-ENOEXEC, { /* shares a page with the first (0x47e170 .. ) */
                              struct elf64_phdr *p = nth_of_type(&v, PT_LOAD, 1);
                              p->p_vaddr = 0x47e000 + (p->p_offset & 0xfff);
    });
    EXPECT_STATIC(-ENOEXEC, nth_of_type(&v, PT_LOAD, 1)->p_offset += 0x100000); /* past EOF */
    EXPECT_STATIC(-ENOEXEC,
                  nth_of_type(&v, PT_LOAD, 1)->p_offset = (UINT64_MAX & ~0xfffULL) + 0x808);
    /* An empty PT_LOAD is allowed and maps nothing (Linux maps nothing for it either). */
    EXPECT_STATIC(0, {
        struct elf64_phdr *p = nth_of_type(&v, PT_GNU_STACK, 0);
        p->p_type = PT_LOAD;
        p->p_vaddr = 0x10000000;
    });
}

static void test_bad_interp(void **state)
{
    (void)state;
    struct victim v = victim("dyn-pie");
    struct elf64_phdr *ip = nth_of_type(&v, PT_INTERP, 0);
    struct elf64_phdr saved = *ip;
    assert_int_equal(plan_of(&v), 0);
    v.b.data[ip->p_offset + ip->p_filesz - 1] = 'x'; /* not NUL-terminated */
    assert_int_equal(plan_of(&v), -ENOEXEC);
    v.b.data[ip->p_offset + ip->p_filesz - 1] = '\0';
    ip->p_filesz = 1;
    assert_int_equal(plan_of(&v), -ENOEXEC);
    ip->p_filesz = EXEC_PATH_MAX + 1;
    assert_int_equal(plan_of(&v), -ENOEXEC);
    *ip = saved;
    ip->p_offset = v.b.size - 4; /* runs past the end: Linux's short read, -EIO */
    assert_int_equal(plan_of(&v), -EIO);
    *ip = saved;
    ip->p_offset = UINT64_MAX - 4;
    assert_int_equal(plan_of(&v), -ENOEXEC);
    *ip = saved;
    assert_int_equal(plan_of(&v), 0);
    free(v.b.data);
}

static void test_read_errors(void **state)
{
    (void)state;
    struct victim v = victim("dyn-pie");
    v.b.fail_at = 0;
    v.b.fail_err = -EACCES;
    assert_int_equal(plan_of(&v), -EACCES); /* the callback's error comes back */
    v.b.fail_at = (long)v.eh->e_phoff + 60;
    v.b.fail_err = -EIO;
    assert_int_equal(plan_of(&v), -ENOEXEC); /* Linux: unreadable headers are -ENOEXEC */
    v.b.fail_at = (long)nth_of_type(&v, PT_INTERP, 0)->p_offset + 5;
    v.b.fail_err = -ENOMEM;
    assert_int_equal(plan_of(&v), -ENOMEM);
    free(v.b.data);

    struct exec_elf_plan plan;
    assert_int_equal(exec_elf_plan(NULL, &plan), -EINVAL);
    memset(&plan, 0, sizeof(plan));
    assert_int_equal(exec_elf_place(&plan, 0), -EINVAL);
}

/* A hand-made file with one unaligned data segment: every number computed by hand. */
static void test_handmade_segment(void **state)
{
    (void)state;
    static uint8_t img[0x2000];
    memset(img, 0, sizeof(img));
    struct elf64_ehdr eh = {.e_ident = {0x7f, 'E', 'L', 'F', 2, 1, 1},
                            .e_type = ET_EXEC,
                            .e_machine = EM_AARCH64,
                            .e_version = 1,
                            .e_entry = 0x401240,
                            .e_phoff = 0x1100,
                            .e_ehsize = 64,
                            .e_phentsize = 56,
                            .e_phnum = 3};
    struct elf64_phdr ph[3] = {
        {.p_type = PT_LOAD,
         .p_flags = PF_R | PF_W,
         .p_offset = 0x1234,
         .p_vaddr = 0x401234,
         .p_filesz = 0x100,
         .p_memsz = 0x3000,
         .p_align = 0x1000},
        {.p_type = PT_LOAD,
         .p_flags = PF_R | PF_X,
         .p_offset = 0x0,
         .p_vaddr = 0x500000,
         .p_filesz = 0x1200,
         .p_memsz = 0x1200,
         .p_align = 3 /* not a power of two */},
        {.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W | PF_X},
    };
    memcpy(img, &eh, sizeof(eh));
    memcpy(img + eh.e_phoff, ph, sizeof(ph));
    struct blob b = {img, sizeof(img), -1, 0};
    struct exec_file f = file_of(&b);
    struct exec_elf_plan p;
    assert_int_equal(exec_elf_plan(&f, &p), 0);
    assert_int_equal(p.nmaps, 2);
    assert_int_equal(p.maps[0].vaddr, 0x401000);
    assert_int_equal(p.maps[0].len, 0x4000);
    assert_int_equal(p.maps[0].file_off, 0x1000);
    assert_int_equal(p.maps[0].file_len, 0x334);
    assert_int_equal(p.maps[0].zero_start, 0x401334);
    assert_int_equal(p.maps[0].zero_end, 0x404234);
    assert_int_equal(p.maps[0].prot, EXEC_PROT_READ | EXEC_PROT_WRITE);
    assert_int_equal(p.maps[1].vaddr, 0x500000);
    assert_int_equal(p.maps[1].len, 0x2000);
    assert_int_equal(p.maps[1].file_len, 0x1200);
    assert_int_equal(p.maps[1].prot, EXEC_PROT_READ | EXEC_PROT_EXEC);
    assert_int_equal(p.phdr_addr, 0x500000 + 0x1100); /* e_phoff is in the second's bytes */
    assert_int_equal(p.brk, 0x502000);
    assert_int_equal(p.max_align, 0x1000);
    assert_true(p.exec_stack);
    assert_false(p.has_interp);

    /* ET_DYN: first PT_LOAD's p_vaddr is not page aligned: bias = PAGE_DOWN(base - vaddr). */
    ((struct elf64_ehdr *)img)->e_type = ET_DYN;
    assert_int_equal(exec_elf_plan(&f, &p), 0);
    assert_int_equal(exec_elf_place(&p, 0x7000000000ULL), 0);
    assert_int_equal(p.bias, 0x7000000000ULL - 0x402000);
    assert_int_equal(p.entry, 0x401240 + p.bias);
    assert_int_equal(p.maps[0].vaddr, 0x401000 + p.bias);
    assert_int_equal(p.maps[0].zero_start, 0x401334 + p.bias);
    /* A base below the first segment would need a negative bias past zero. */
    assert_int_equal(exec_elf_place(&p, 0), -EINVAL);
    /* Empty file data: a segment with only memory. */
    ph[0].p_filesz = 0;
    memcpy(img + eh.e_phoff, ph, sizeof(ph));
    ((struct elf64_ehdr *)img)->e_type = ET_EXEC;
    assert_int_equal(exec_elf_plan(&f, &p), 0);
    assert_int_equal(p.maps[0].file_len, 0);
    assert_int_equal(p.maps[0].zero_start, 0x401234);
}

int main(int argc, char **argv)
{
    for (int i = 1; i + 2 < argc; i += 3) {
        if (nfixtures == MAX_FIXTURES)
            break;
        struct facts *f = &fixtures[nfixtures++];
        snprintf(f->kind, sizeof(f->kind), "%s", argv[i]);
        snprintf(f->path, sizeof(f->path), "%s", argv[i + 1]);
        parse_facts(f, argv[i + 2]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_match_readelf),
        cmocka_unit_test(test_is_elf),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_bad_loads),
        cmocka_unit_test(test_bad_interp),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_handmade_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
