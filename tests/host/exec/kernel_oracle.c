/* See kernel_oracle.h. */
#define _GNU_SOURCE /* pipe2 */
#include "kernel_oracle.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int read_all(int fd, uint8_t **buf, size_t *len)
{
    size_t cap = 1 << 16;
    *len = 0;
    *buf = malloc(cap);
    if (!*buf)
        return -1;
    for (;;) {
        if (*len == cap) {
            uint8_t *n = realloc(*buf, cap *= 2);
            if (!n)
                return -1;
            *buf = n;
        }
        ssize_t r = read(fd, *buf + *len, cap - *len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        *len += (size_t)r;
    }
}

int kernel_exec(const char *path, char *const argv[], char *const envp[], uint64_t rlimit_stack,
                struct kdump *out)
{
    int outp[2], errp[2];
    memset(out, 0, sizeof(*out));
    if (pipe(outp) || pipe2(errp, O_CLOEXEC))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int e;
        dup2(outp[1], 1);
        close(outp[0]);
        close(outp[1]);
        close(errp[0]);
        if (personality(ADDR_NO_RANDOMIZE) == -1) {
            e = -1;
            (void)!write(errp[1], &e, sizeof(e));
            _exit(127);
        }
        if (rlimit_stack) {
            struct rlimit rl = {rlimit_stack, rlimit_stack};
            if (setrlimit(RLIMIT_STACK, &rl)) {
                e = -1;
                (void)!write(errp[1], &e, sizeof(e));
                _exit(127);
            }
        }
        execve(path, argv, envp);
        e = errno;
        (void)!write(errp[1], &e, sizeof(e));
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    uint8_t *raw;
    size_t len;
    int rc = read_all(outp[0], &raw, &len);
    close(outp[0]);
    int e = 0;
    ssize_t got = read(errp[0], &e, sizeof(e));
    close(errp[0]);
    int status;
    waitpid(pid, &status, 0);
    if (rc)
        return -1;
    if (got == sizeof(e)) {
        free(raw);
        if (e < 0)
            return -1;
        out->exec_errno = e;
        return 0;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len < 16) {
        free(raw);
        return -1;
    }
    memcpy(&out->sp, raw, 8);
    memcpy(&out->top, raw + 8, 8);
    out->len = len - 16;
    if (out->top - out->sp != out->len) {
        free(raw);
        return -1;
    }
    memmove(raw, raw + 16, out->len);
    out->bytes = raw;
    return 0;
}

void kdump_free(struct kdump *d)
{
    free(d->bytes);
    d->bytes = NULL;
}

uint64_t kdump_word(const struct kdump *d, uint64_t addr)
{
    uint64_t v = 0;
    if (addr >= d->sp && addr + 8 <= d->top)
        memcpy(&v, d->bytes + (addr - d->sp), 8);
    return v;
}

const char *kdump_str(const struct kdump *d, uint64_t addr)
{
    if (addr < d->sp || addr >= d->top)
        return NULL;
    const char *s = (const char *)d->bytes + (addr - d->sp);
    return memchr(s, 0, d->top - addr) ? s : NULL;
}

size_t kdump_argv(const struct kdump *d, const char **out, size_t cap)
{
    size_t argc = (size_t)kdump_word(d, d->sp);
    for (size_t i = 0; i < argc && i < cap; i++)
        out[i] = kdump_str(d, kdump_word(d, d->sp + 8 + 8 * i));
    return argc;
}
