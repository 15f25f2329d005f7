/*
 * ELF-64 validation and load planning for AArch64 programs (see libos/exec.h). Written from
 * the gABI and the checks Linux's load_elf_binary makes; where we are stricter than Linux
 * (README.md lists where) we fail with -ENOEXEC.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <libos/exec.h>

#define PAGE_DOWN(x) ALIGN_DOWN((uint64_t)(x), EXEC_PAGE_SIZE)
#define PAGE_OFF(x)  ((uint64_t)(x) & (EXEC_PAGE_SIZE - 1))

/* Read exactly len bytes at off: returns len, the callback's error, or -EIO on a short read. */
static long read_exact(const struct exec_file *f, uint64_t off, void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        long n = f->read(f->ctx, off + done, (uint8_t *)buf + done, len - done);
        if (n < 0)
            return n;
        if (n == 0)
            return -EIO;
        done += (size_t)n;
    }
    return (long)len;
}

bool exec_is_elf(const void *head, size_t len)
{
    const uint8_t *b = head;
    return len >= 4 && b[0] == ELF_MAG0 && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
}

/* The file header checks: an AArch64 little-endian ELF-64 executable or shared object. */
static int check_ehdr(const struct elf64_ehdr *eh)
{
    if (!exec_is_elf(eh->e_ident, ELF_NIDENT))
        return -ENOEXEC;
    if (eh->e_ident[ELF_CLASS_IDX] != ELFCLASS64 || eh->e_ident[ELF_DATA_IDX] != ELFDATA2LSB ||
        eh->e_ident[ELF_VER_IDX] != EV_CURRENT || eh->e_version != EV_CURRENT)
        return -ENOEXEC;
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return -ENOEXEC;
    if (eh->e_machine != EM_AARCH64)
        return -ENOEXEC;
    /* Linux: e_phentsize must be the native size, 1 <= phnum*56 <= 4096. */
    if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0 ||
        eh->e_phnum > EXEC_MAX_PHNUM)
        return -ENOEXEC;
    return 0;
}

static uint32_t prot_of(uint32_t p_flags)
{
    return ((p_flags & PF_R) ? EXEC_PROT_READ : 0) | ((p_flags & PF_W) ? EXEC_PROT_WRITE : 0) |
           ((p_flags & PF_X) ? EXEC_PROT_EXEC : 0);
}

/* Add one PT_LOAD to the plan after checking it against the file, the user half and the
 * previous segment (segments must ascend and not share a page). */
static int add_load(struct exec_elf_plan *plan, const struct exec_file *f,
                    const struct elf64_phdr *ph, uint64_t phoff)
{
    uint64_t end, fend;
    if (ph->p_filesz > ph->p_memsz)
        return -EINVAL;
    if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &end) || end > EXEC_TASK_SIZE)
        return -EINVAL;
    if (PAGE_OFF(ph->p_offset) != PAGE_OFF(ph->p_vaddr))
        return -EINVAL;
    if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &fend) || fend > f->size)
        return -ENOEXEC;
    if (ph->p_memsz == 0)
        return 0; /* Linux maps nothing for it either */

    if (plan->nmaps > 0) {
        const struct exec_mapping *prev = &plan->maps[plan->nmaps - 1];
        if (PAGE_DOWN(ph->p_vaddr) < prev->vaddr + prev->len)
            return -ENOEXEC; /* unsorted, overlapping, or sharing a page */
    } else {
        plan->link_first_vaddr = ph->p_vaddr;
    }
    if (plan->nmaps == EXEC_MAX_LOADS)
        return -ENOEXEC;

    struct exec_mapping *m = &plan->maps[plan->nmaps++];
    m->vaddr = PAGE_DOWN(ph->p_vaddr);
    m->len = ALIGN_UP(end, EXEC_PAGE_SIZE) - m->vaddr;
    m->file_off = PAGE_DOWN(ph->p_offset);
    m->file_len = ph->p_filesz ? PAGE_OFF(ph->p_vaddr) + ph->p_filesz : 0;
    m->zero_start = ph->p_vaddr + ph->p_filesz;
    m->zero_end = end;
    m->prot = prot_of(ph->p_flags);

    /* AT_PHDR as Linux computes it: where e_phoff lands inside a PT_LOAD's file bytes. */
    if (ph->p_offset <= phoff && phoff - ph->p_offset < ph->p_filesz)
        plan->phdr_addr = phoff - ph->p_offset + ph->p_vaddr;

    uint64_t align = ph->p_align;
    if (align && (align & (align - 1)) == 0 && align > plan->max_align)
        plan->max_align = align;
    return 0;
}

/* PT_INTERP: Linux wants 2..PATH_MAX bytes ending in NUL (only the first one counts). */
static int add_interp(struct exec_elf_plan *plan, const struct exec_file *f,
                      const struct elf64_phdr *ph)
{
    uint64_t fend;
    char last;
    if (plan->has_interp)
        return 0;
    if (ph->p_filesz < 2 || ph->p_filesz > EXEC_PATH_MAX)
        return -ENOEXEC;
    if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &fend))
        return -ENOEXEC;
    long r = read_exact(f, fend - 1, &last, 1);
    if (r < 0)
        return (int)r;
    if (last != '\0')
        return -ENOEXEC;
    plan->has_interp = true;
    plan->interp_off = ph->p_offset;
    plan->interp_len = ph->p_filesz;
    return 0;
}

static int add_phdr(struct exec_elf_plan *plan, const struct exec_file *f,
                    const struct elf64_phdr *ph, uint64_t phoff)
{
    switch (ph->p_type) {
    case PT_LOAD:
        return add_load(plan, f, ph, phoff);
    case PT_INTERP:
        return add_interp(plan, f, ph);
    case PT_GNU_STACK: /* the last one wins, as in Linux */
        plan->has_gnu_stack = true;
        plan->exec_stack = (ph->p_flags & PF_X) != 0;
        return 0;
    case PT_TLS:
        if (!plan->has_tls) {
            if (ph->p_filesz > ph->p_memsz)
                return -ENOEXEC;
            plan->has_tls = true;
            plan->tls_vaddr = ph->p_vaddr;
            plan->tls_filesz = ph->p_filesz;
            plan->tls_memsz = ph->p_memsz;
            plan->tls_align = ph->p_align;
        }
        return 0;
    case PT_PHDR:
        plan->has_pt_phdr = true;
        plan->pt_phdr_vaddr = ph->p_vaddr;
        return 0;
    default:
        return 0;
    }
}

int exec_elf_plan(const struct exec_file *f, struct exec_elf_plan *plan)
{
    struct elf64_ehdr eh;
    if (!f || !f->read || !plan)
        return -EINVAL;
    memset(plan, 0, sizeof(*plan));

    long n = f->read(f->ctx, 0, &eh, sizeof(eh));
    if (n < 0)
        return (int)n;
    if ((size_t)n < sizeof(eh))
        return -ENOEXEC;
    int err = check_ehdr(&eh);
    if (err)
        return err;
    uint64_t ph_bytes = (uint64_t)eh.e_phnum * sizeof(struct elf64_phdr), ph_end;
    if (__builtin_add_overflow(eh.e_phoff, ph_bytes, &ph_end) || ph_end > f->size)
        return -ENOEXEC; /* Linux: a short read of the headers is -ENOEXEC */

    plan->type = eh.e_type;
    plan->phnum = eh.e_phnum;
    plan->phent = eh.e_phentsize;
    plan->max_align = EXEC_PAGE_SIZE;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        struct elf64_phdr ph;
        long r = read_exact(f, eh.e_phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph));
        if (r < 0)
            return r == -EIO ? -ENOEXEC : (int)r;
        err = add_phdr(plan, f, &ph, eh.e_phoff);
        if (err)
            return err;
    }
    if (plan->nmaps == 0)
        return -ENOEXEC;
    if (eh.e_entry >= EXEC_TASK_SIZE)
        return -EINVAL;

    const struct exec_mapping *last = &plan->maps[plan->nmaps - 1];
    plan->entry = eh.e_entry;
    plan->lo = plan->maps[0].vaddr;
    plan->hi = last->vaddr + last->len;
    plan->brk = plan->hi;
    return 0;
}

/* addr + bias within [0, EXEC_TASK_SIZE], reading bias as a signed displacement. */
static bool biased_ok(uint64_t addr, uint64_t bias)
{
    int64_t d = (int64_t)bias;
    if (d < 0)
        return (uint64_t)(-(d + 1)) < addr; /* -d <= addr, without overflowing on INT64_MIN */
    return addr <= EXEC_TASK_SIZE && (uint64_t)d <= EXEC_TASK_SIZE - addr;
}

int exec_elf_place(struct exec_elf_plan *plan, uint64_t base)
{
    if (!plan || plan->nmaps == 0)
        return -EINVAL;
    if (plan->type != ET_DYN)
        return 0;
    uint64_t target = ALIGN_DOWN(base, plan->max_align);
    uint64_t bias = PAGE_DOWN(target - plan->link_first_vaddr);
    uint64_t old = plan->bias;
    /* Link-time span and entry, then the same with the new bias must stay in the user half. */
    uint64_t lo = plan->lo - old, hi = plan->hi - old, entry = plan->entry - old;
    if (!biased_ok(lo, bias) || !biased_ok(hi, bias) || !biased_ok(entry, bias) ||
        entry + bias >= EXEC_TASK_SIZE)
        return -EINVAL;

    uint64_t delta = bias - old;
    plan->bias = bias;
    plan->entry += delta;
    plan->phdr_addr += delta; /* Linux adds the bias even when no PT_LOAD held the headers */
    if (plan->has_pt_phdr)
        plan->pt_phdr_vaddr += delta;
    if (plan->has_tls)
        plan->tls_vaddr += delta;
    plan->lo += delta;
    plan->hi += delta;
    plan->brk += delta;
    for (uint32_t i = 0; i < plan->nmaps; i++) {
        plan->maps[i].vaddr += delta;
        plan->maps[i].zero_start += delta;
        plan->maps[i].zero_end += delta;
    }
    return 0;
}

long exec_elf_read_interp(const struct exec_file *f, const struct exec_elf_plan *plan, char *buf,
                          size_t size)
{
    if (!f || !plan || !buf)
        return -EINVAL;
    if (!plan->has_interp)
        return -ENOEXEC;
    if (size < plan->interp_len)
        return -ENAMETOOLONG;
    long r = read_exact(f, plan->interp_off, buf, plan->interp_len);
    if (r < 0)
        return r;
    if (buf[plan->interp_len - 1] != '\0')
        return -ENOEXEC; /* the file changed under us */
    return (long)strlen(buf);
}
