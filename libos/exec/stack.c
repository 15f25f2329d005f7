/*
 * The initial user stack of a new program, as Linux (fs/exec.c and create_elf_tables in
 * fs/binfmt_elf.c) builds it on arm64. From high addresses to low:
 *
 *   stack_top - 8 .. stack_top   8 zero bytes (Linux starts bprm->p one pointer below the top)
 *   execfn string                the path given to execve (AT_EXECFN)
 *   envp strings                 envp[0] lowest ... envp[envc-1] highest
 *   argv strings                 argv[0] lowest: arg_start
 *   (pad to 16)
 *   platform string              "aarch64\0" (AT_PLATFORM)
 *   16 random bytes              AT_RANDOM (8-aligned only, as in Linux)
 *   (pad so that sp is 16-aligned)
 *   auxv                         (type, value) pairs ending with AT_NULL, 0
 *   envp[0..envc-1], NULL
 *   argv[0..argc-1], NULL
 *   argc                         <- sp, 16-byte aligned
 *
 * argc, the pointer arrays and auxv are contiguous; the padding sits between auxv and the
 * random bytes. The auxv order is Linux 6.1 arm64's; README.md says how this was checked.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <libos/exec.h>

#define WORD 8u

/* Linux gives a program started with no arguments argv = {""} (since 5.18). */
static const char *const empty_argv[] = {""};

/* Bytes argument and environment strings (plus their pointers) may use: Linux's
 * bprm_stack_limits: min(3/4 of _STK_LIM, RLIMIT_STACK / 4), but at least ARG_MAX. */
static uint64_t strings_limit(uint64_t rlimit_stack)
{
    uint64_t limit = MIN(EXEC_STK_LIM / 4 * 3, rlimit_stack / 4);
    return MAX(limit, EXEC_ARG_MAX);
}

/* Length with NUL, or 0 if longer than MAX_ARG_STRLEN allows. */
static size_t arg_len(const char *s)
{
    size_t n = strnlen(s, EXEC_MAX_ARG_STRLEN);
    return n < EXEC_MAX_ARG_STRLEN ? n + 1 : 0;
}

/* Total bytes of strings in v[0..n), or -E2BIG. Adds to *total, failing past limit. */
static int add_strings(const char *const *v, size_t n, uint64_t limit, uint64_t *total)
{
    for (size_t i = 0; i < n; i++) {
        if (!v[i])
            return -EINVAL;
        size_t len = arg_len(v[i]);
        if (len == 0 || len > limit - *total)
            return -E2BIG;
        *total += len;
    }
    return 0;
}

/* Number of auxv pairs, AT_NULL included. */
static size_t auxv_pairs(const struct exec_stack_args *a)
{
    return (a->aux.sysinfo_ehdr ? 1 : 0) + 1 /* AT_MINSIGSTKSZ or AT_IGNORE */ +
           17 /* AT_HWCAP .. AT_EXECFN */ + (a->platform ? 1 : 0) + a->aux.nextra + 1;
}

struct writer {
    uint8_t *buf;
    uint64_t base; /* user address of buf[0] */
};

static void put_word(struct writer *w, uint64_t addr, uint64_t v)
{
    memcpy(w->buf + (addr - w->base), &v, sizeof(v));
}

static void put_bytes(struct writer *w, uint64_t addr, const void *p, size_t n)
{
    memcpy(w->buf + (addr - w->base), p, n);
}

/* Copy strings v[0..n) upward from *at, storing their addresses at ptrs, then a NULL. */
static void put_strings(struct writer *w, const char *const *v, size_t n, uint64_t *at,
                        uint64_t ptrs)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        put_bytes(w, *at, v[i], len);
        put_word(w, ptrs + i * WORD, *at);
        *at += len;
    }
    put_word(w, ptrs + n * WORD, 0);
}

static uint64_t put_aux(struct writer *w, uint64_t at, uint64_t type, uint64_t val)
{
    put_word(w, at, type);
    put_word(w, at + WORD, val);
    return at + 2 * WORD;
}

static void put_auxv(struct writer *w, const struct exec_stack_args *a,
                     const struct exec_stack_layout *l)
{
    const struct exec_auxv *x = &a->aux;
    uint64_t at = l->auxv;
    if (x->sysinfo_ehdr)
        at = put_aux(w, at, AT_SYSINFO_EHDR, x->sysinfo_ehdr);
    if (x->minsigstksz)
        at = put_aux(w, at, AT_MINSIGSTKSZ, x->minsigstksz);
    else
        at = put_aux(w, at, AT_IGNORE, 0);
    at = put_aux(w, at, AT_HWCAP, x->hwcap);
    at = put_aux(w, at, AT_PAGESZ, EXEC_PAGE_SIZE);
    at = put_aux(w, at, AT_CLKTCK, EXEC_CLKTCK);
    at = put_aux(w, at, AT_PHDR, x->phdr);
    at = put_aux(w, at, AT_PHENT, x->phent);
    at = put_aux(w, at, AT_PHNUM, x->phnum);
    at = put_aux(w, at, AT_BASE, x->base);
    at = put_aux(w, at, AT_FLAGS, x->flags);
    at = put_aux(w, at, AT_ENTRY, x->entry);
    at = put_aux(w, at, AT_UID, x->uid);
    at = put_aux(w, at, AT_EUID, x->euid);
    at = put_aux(w, at, AT_GID, x->gid);
    at = put_aux(w, at, AT_EGID, x->egid);
    at = put_aux(w, at, AT_SECURE, x->secure);
    at = put_aux(w, at, AT_RANDOM, l->random);
    at = put_aux(w, at, AT_HWCAP2, x->hwcap2);
    at = put_aux(w, at, AT_EXECFN, l->execfn);
    if (a->platform)
        at = put_aux(w, at, AT_PLATFORM, l->platform);
    for (size_t i = 0; i < x->nextra; i++)
        at = put_aux(w, at, x->extra[2 * i], x->extra[2 * i + 1]);
    put_aux(w, at, AT_NULL, 0);
}

static int check_args(const struct exec_stack_args *a)
{
    if (!IS_ALIGNED(a->stack_top, 16) || (a->argc && !a->argv) || (a->envc && !a->envp) ||
        !a->execfn || !a->random || (a->aux.nextra && !a->aux.extra) || (a->buf && !a->buf_size))
        return -EINVAL;
    if (a->argc > SIZE_MAX / 4 / WORD || a->envc > SIZE_MAX / 4 / WORD ||
        a->aux.nextra > SIZE_MAX / 4 / WORD)
        return -E2BIG;
    return 0;
}

/* Compute the layout (addresses only) after checking Linux's argument limits. */
static int plan_layout(const struct exec_stack_args *a, struct exec_stack_layout *l)
{
    const char *const *argv = a->argc ? a->argv : empty_argv;
    size_t argc = a->argc ? a->argc : 1;

    uint64_t limit = strings_limit(a->rlimit_stack), ptrs = (uint64_t)(argc + a->envc) * WORD;
    if (limit <= ptrs)
        return -E2BIG;
    limit -= ptrs;
    uint64_t strings = 0;
    const char *const execfn[] = {a->execfn};
    int err = add_strings(execfn, 1, limit, &strings);
    if (!err)
        err = add_strings(a->envp, a->envc, limit, &strings);
    uint64_t before_argv = strings;
    if (!err)
        err = add_strings(argv, argc, limit, &strings);
    if (err)
        return err;
    uint64_t arg_bytes = strings - before_argv;

    /* Offsets below stack_top; stack_top is 16-aligned so aligning offsets up aligns
     * addresses down. */
    uint64_t off = WORD + strings;
    uint64_t execfn_off = WORD + arg_len(a->execfn);
    uint64_t strings_off = off;
    off = ALIGN_UP(off, 16);
    uint64_t platform_off = 0;
    if (a->platform) {
        off += strlen(a->platform) + 1;
        platform_off = off;
    }
    off += 16;
    uint64_t random_off = off;
    off += auxv_pairs(a) * 2 * WORD;
    off += (uint64_t)(argc + 1 + a->envc + 1 + 1) * WORD;
    off = ALIGN_UP(off, 16);
    if (off > a->stack_top)
        return -ENOSPC;

    uint64_t top = a->stack_top;
    memset(l, 0, sizeof(*l));
    l->sp = top - off;
    l->size = off;
    l->argc = argc;
    l->argv = l->sp + WORD;
    l->envp = l->argv + (argc + 1) * WORD;
    l->auxv = l->envp + (a->envc + 1) * WORD;
    l->arg_start = top - strings_off;
    l->arg_end = l->env_start = l->arg_start + arg_bytes;
    l->execfn = top - execfn_off;
    l->env_end = l->execfn;
    l->platform = a->platform ? top - platform_off : 0;
    l->random = top - random_off;
    return 0;
}

int exec_stack_build(const struct exec_stack_args *a, struct exec_stack_layout *out)
{
    if (!a || !out)
        return -EINVAL;
    int err = check_args(a);
    if (err)
        return err;
    struct exec_stack_layout l;
    err = plan_layout(a, &l);
    if (err)
        return err;
    if (!a->buf) {
        *out = l;
        return 0;
    }
    if (l.size > a->buf_size)
        return -ENOSPC;

    struct writer w = {a->buf, a->stack_top - a->buf_size};
    memset(w.buf + (l.sp - w.base), 0, l.size);
    put_word(&w, l.sp, l.argc);
    uint64_t at = l.arg_start;
    put_strings(&w, a->argc ? a->argv : empty_argv, l.argc, &at, l.argv);
    put_strings(&w, a->envp, a->envc, &at, l.envp);
    put_bytes(&w, l.execfn, a->execfn, strlen(a->execfn) + 1);
    if (a->platform)
        put_bytes(&w, l.platform, a->platform, strlen(a->platform) + 1);
    put_bytes(&w, l.random, a->random, 16);
    put_auxv(&w, a, &l);
    *out = l;
    return 0;
}
