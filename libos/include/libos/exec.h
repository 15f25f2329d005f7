/*
 * The hardware-free part of execve: ELF-64 validation and load planning, "#!" scripts, and
 * the initial user stack (argv, envp, auxv) laid out as Linux arm64 lays it out.
 * Layout facts and how they were checked: libos/exec/README.md.
 *
 * All functions return 0 (or a length) on success and a negative Linux errno on failure.
 */
#ifndef LIBOS_EXEC_H
#define LIBOS_EXEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libos/elf.h>

#define EXEC_PAGE_SIZE 4096ULL
/* User address space: 48-bit VA, 4 KiB pages, as arm64 Linux with VA_BITS=48. */
#define EXEC_TASK_SIZE (1ULL << 48)
/* Linux arm64 ELF_ET_DYN_BASE = 2/3 of the 48-bit window: 0xaaaaaaaaaaaa, aligned down to the
 * program's largest PT_LOAD p_align (so 0xaaaaaaaa0000 for the usual 64 KiB). Where a PIE
 * main program (ET_DYN with PT_INTERP) goes. */
#define EXEC_ET_DYN_BASE (2 * EXEC_TASK_SIZE / 3)
/* Top of the initial stack without randomization (Linux STACK_TOP = TASK_SIZE on arm64). */
#define EXEC_STACK_TOP EXEC_TASK_SIZE
/* Program headers: Linux accepts e_phnum * 56 <= 4096 (ELF_MIN_ALIGN), i.e. up to 73. */
#define EXEC_MAX_PHNUM (EXEC_PAGE_SIZE / sizeof(struct elf64_phdr))
/* PT_LOAD segments we plan (Linux has no such limit; real programs have 2 to 4). */
#define EXEC_MAX_LOADS 16
#define EXEC_PATH_MAX  4096
/* Bytes of a file's start that binfmt handlers look at (Linux BINPRM_BUF_SIZE). */
#define EXEC_BINPRM_BUF_SIZE 256
/* Script chains: Linux's exec loop runs the handlers at most 6 times, so at most 5 "#!"
 * scripts may chain to a binary; the 6th script fails with -ELOOP (checked on Linux 6.18). */
#define EXEC_MAX_SCRIPT_DEPTH 5
/* Argument limits (Linux MAX_ARG_STRLEN, ARG_MAX, _STK_LIM). */
#define EXEC_MAX_ARG_STRLEN (32 * EXEC_PAGE_SIZE)
#define EXEC_ARG_MAX        (32 * EXEC_PAGE_SIZE)
#define EXEC_STK_LIM        (8ULL << 20)
#define EXEC_CLKTCK         100
#define EXEC_PLATFORM       "aarch64"

/* Linux PROT_* bits. */
#define EXEC_PROT_READ  1u
#define EXEC_PROT_WRITE 2u
#define EXEC_PROT_EXEC  4u

/*
 * The file being executed. read() reads up to len bytes at offset off into buf and returns
 * the number read (fewer only at end of file) or a negative errno. size is the file's size.
 */
struct exec_file {
    long (*read)(void *ctx, uint64_t off, void *buf, size_t len);
    void *ctx;
    uint64_t size;
};

/*
 * One PT_LOAD segment as mappings. [vaddr, vaddr + len) is page aligned. Its first file_len
 * bytes come from the file at file_off (page aligned; file_len == 0: nothing from the file);
 * the rest of the last file-backed page and everything after is zero. [zero_start, zero_end)
 * (byte precise: p_vaddr + p_filesz to p_vaddr + p_memsz) is the part the program expects to
 * be zero, including the tail of the last file page that the file may not have as zeros.
 */
struct exec_mapping {
    uint64_t vaddr;
    uint64_t len;
    uint64_t file_off;
    uint64_t file_len;
    uint64_t zero_start;
    uint64_t zero_end;
    uint32_t prot;
};

/* What loading an ELF file needs. Addresses include bias (0 until exec_elf_place). */
struct exec_elf_plan {
    uint16_t type;      /* ET_EXEC or ET_DYN */
    uint64_t bias;      /* added to every p_vaddr; 0 for ET_EXEC */
    uint64_t entry;     /* e_entry + bias */
    uint64_t phdr_addr; /* AT_PHDR: e_phoff inside a PT_LOAD's file range, + bias; else 0 */
    bool has_pt_phdr;
    uint64_t pt_phdr_vaddr; /* PT_PHDR p_vaddr + bias (Linux does not use it for AT_PHDR) */
    uint16_t phnum;         /* AT_PHNUM */
    uint16_t phent;         /* AT_PHENT (56) */
    uint64_t lo, hi;        /* page-aligned span of all PT_LOADs */
    uint64_t max_align;     /* largest power-of-two PT_LOAD p_align, at least a page */
    uint64_t brk;           /* page-aligned end of the highest segment: start of the heap */
    bool has_interp;        /* PT_INTERP present; exec_elf_read_interp reads its path */
    uint64_t interp_off;    /* PT_INTERP file offset and size (including the NUL) */
    uint64_t interp_len;
    bool has_gnu_stack; /* PT_GNU_STACK present */
    bool exec_stack;    /* it asks for an executable stack (PF_X) */
    bool has_tls;       /* PT_TLS: the TLS initialization image */
    uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;
    uint64_t link_first_vaddr; /* first PT_LOAD's p_vaddr, for exec_elf_place */
    uint32_t nmaps;
    struct exec_mapping maps[EXEC_MAX_LOADS];
};

/* Validate an ELF file and plan its loading at its link addresses (bias 0). Errors: -ENOEXEC
 * (not an AArch64 ELF-64 executable, bad headers), -EINVAL (addresses Linux refuses to map:
 * beyond the user half, overflow, p_offset and p_vaddr not congruent modulo the page size),
 * -EIO (short read of headers), or the read callback's error. */
int exec_elf_plan(const struct exec_file *file, struct exec_elf_plan *plan);

/* ET_DYN: relocate the plan so its first PT_LOAD's page lands at base aligned down to
 * max_align (Linux: bias = PAGE_DOWN(ALIGN_DOWN(base, align) - first p_vaddr)); EXEC_ET_DYN_BASE
 * for a PIE main program, a free area for an interpreter. ET_EXEC: nothing changes. -EINVAL if
 * the result leaves the user half. */
int exec_elf_place(struct exec_elf_plan *plan, uint64_t base);

/* Copy the PT_INTERP path (NUL-terminated) into buf; returns its strlen. -ENOEXEC if none,
 * -ENAMETOOLONG if buf is too small. */
long exec_elf_read_interp(const struct exec_file *file, const struct exec_elf_plan *plan, char *buf,
                          size_t size);

/* Does a file starting with these bytes look like an ELF file (magic only)? */
bool exec_is_elf(const void *head, size_t len);

/*
 * A "#!" line parsed as Linux does. interp and arg point into line[] (NUL-terminated);
 * arg is NULL when there is no argument. Everything after the first run of blanks following
 * the interpreter is one argument with trailing blanks removed.
 */
struct exec_shebang {
    char line[EXEC_BINPRM_BUF_SIZE + 1];
    const char *interp;
    const char *arg;
};

/* Parse the first len bytes of a file (only the first EXEC_BINPRM_BUF_SIZE are looked at;
 * a shorter file is treated as NUL padded, as Linux does). -ENOEXEC: not a script, no
 * interpreter, or an interpreter path that does not fit in the buffer. A file holding just
 * "#!" (no newline) gives interp "": Linux then fails the exec with -EACCES, because it opens
 * "" as the current directory, which is not a regular file. */
int exec_shebang_parse(const void *head, size_t len, struct exec_shebang *sb);

/* The interpreter's argv: interp, [arg], script_path, argv[1..argc). Writes at most cap
 * pointers to out (not NULL-terminated); returns the new argc, or -E2BIG if cap is too small.
 * The pointers refer to sb, script_path and argv, which must outlive out. */
long exec_shebang_argv(const struct exec_shebang *sb, const char *script_path,
                       const char *const *argv, size_t argc, const char **out, size_t cap);

/* -ELOOP when handling a file found after depth script rewrites would exceed Linux's limit
 * (depth counts "#!" files already handled in this execve), else 0. */
int exec_script_depth_check(unsigned depth);

/* Values for the auxiliary vector (the ones the stack builder does not compute). */
struct exec_auxv {
    uint64_t sysinfo_ehdr; /* vDSO base; 0: no vDSO, AT_SYSINFO_EHDR omitted */
    uint64_t minsigstksz;  /* AT_MINSIGSTKSZ; 0 gives AT_IGNORE as Linux does */
    uint64_t hwcap, hwcap2;
    uint64_t phdr, phent, phnum;
    uint64_t base;  /* interpreter's bias, 0 without interpreter */
    uint64_t flags; /* AT_FLAGS, 0 */
    uint64_t entry; /* the program's entry (not the interpreter's) */
    uint64_t uid, euid, gid, egid, secure;
    /* Extra (type, value) pairs placed after AT_PLATFORM, before AT_NULL (Linux puts
     * AT_EXECFD and, from 6.3, AT_RSEQ_* there). */
    const uint64_t *extra;
    size_t nextra;
};

struct exec_stack_args {
    uint64_t stack_top; /* user address just above the stack; 16-byte aligned */
    uint8_t *buf;       /* kernel view of [stack_top - buf_size, stack_top); NULL: measure */
    size_t buf_size;
    const char *const *argv;
    size_t argc;
    const char *const *envp;
    size_t envc;
    const char *execfn;    /* AT_EXECFN: the path given to execve */
    const uint8_t *random; /* 16 bytes for AT_RANDOM */
    const char *platform;  /* EXEC_PLATFORM; NULL: no AT_PLATFORM */
    uint64_t rlimit_stack; /* RLIMIT_STACK soft limit (bytes); bounds the strings */
    struct exec_auxv aux;
};

/* Where things ended up (user addresses). */
struct exec_stack_layout {
    uint64_t sp;   /* initial SP: argc is here; 16-byte aligned */
    uint64_t size; /* stack_top - sp: bytes the caller must have mapped */
    uint64_t argc; /* 1 if the caller gave none: Linux then passes argv = {""} */
    uint64_t argv, envp, auxv;
    uint64_t arg_start, arg_end, env_start, env_end; /* for /proc/PID/cmdline, environ */
    uint64_t execfn, platform, random;
};

/* Lay out the initial stack as Linux create_elf_tables does (see README.md). With buf NULL,
 * only validates and computes the layout (so the caller knows how much to map). Errors:
 * -E2BIG (a string longer than MAX_ARG_STRLEN, or all strings and pointers over the limit
 * derived from rlimit_stack), -ENOSPC (buf_size too small), -EINVAL (bad arguments). */
int exec_stack_build(const struct exec_stack_args *args, struct exec_stack_layout *out);

#endif
