/*
 * Ask the host's Linux kernel: execve a program (with ASLR off) and get back the initial
 * stack it built, as written out by the stackdump helper. For tests only.
 */
#ifndef EXEC_TEST_KERNEL_ORACLE_H
#define EXEC_TEST_KERNEL_ORACLE_H
#include <stddef.h>
#include <stdint.h>

struct kdump {
    int exec_errno; /* execve's errno, 0 if it ran */
    uint64_t sp;    /* initial SP */
    uint64_t top;   /* just above the stack */
    uint8_t *bytes; /* [sp, top) */
    size_t len;
};

/* Run path with argv/envp (NULL-terminated; argv may be just {NULL}) under RLIMIT_STACK
 * rlimit_stack (0: unchanged). Returns 0 if the kernel answered (exec_errno or a dump), -1
 * if the experiment itself failed (fork, personality refused, ...): the caller skips. */
int kernel_exec(const char *path, char *const argv[], char *const envp[], uint64_t rlimit_stack,
                struct kdump *out);
void kdump_free(struct kdump *d);
/* The word or string at a user address inside the dump (NULL/0 if outside). */
uint64_t kdump_word(const struct kdump *d, uint64_t addr);
const char *kdump_str(const struct kdump *d, uint64_t addr);
/* argv of the dumped process; returns argc, fills up to cap pointers into the dump. */
size_t kdump_argv(const struct kdump *d, const char **out, size_t cap);

#endif
