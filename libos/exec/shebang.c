/*
 * "#!" scripts (see libos/exec.h). The rules, as Linux's binfmt_script applies them to the
 * first 256 bytes of the file:
 *  - the line ends at the first newline; if there is none in the buffer the interpreter path
 *    must be followed by a blank or NUL inside it (else it may be truncated: -ENOEXEC), and
 *    the line is cut at the buffer's last byte;
 *  - blanks (space, tab) after "#!" and at the end of the line are skipped;
 *  - the interpreter path ends at the first blank or NUL; if that was a blank, whatever
 *    follows the next run of blanks is a single argument (internal blanks kept).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <lib/errno.h>
#include <libos/exec.h>

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* First character in [p, last] that is not a blank, or NULL. */
static char *skip_blanks(char *p, char *last)
{
    for (; p <= last; p++)
        if (!blank(*p))
            return p;
    return NULL;
}

/* First blank or NUL in [p, last], or NULL. */
static char *find_terminator(char *p, char *last)
{
    for (; p <= last; p++)
        if (blank(*p) || *p == '\0')
            return p;
    return NULL;
}

/* First newline before any NUL in the buffer, or NULL. */
static char *find_newline(char *p, size_t n)
{
    for (; n-- && *p; p++)
        if (*p == '\n')
            return p;
    return NULL;
}

int exec_shebang_parse(const void *head, size_t len, struct exec_shebang *sb)
{
    if (!head || !sb)
        return -EINVAL;
    memset(sb, 0, sizeof(*sb));
    if (len > EXEC_BINPRM_BUF_SIZE)
        len = EXEC_BINPRM_BUF_SIZE;
    memcpy(sb->line, head, len);
    char *buf = sb->line;
    if (buf[0] != '#' || buf[1] != '!')
        return -ENOEXEC;

    char *buf_last = buf + EXEC_BINPRM_BUF_SIZE - 1;
    char *end = find_newline(buf, EXEC_BINPRM_BUF_SIZE);
    if (!end) {
        end = skip_blanks(buf + 2, buf_last);
        if (!end || !find_terminator(end, buf_last))
            return -ENOEXEC; /* only blanks, or a path that may be cut short */
        end = buf_last;
    }
    while (blank(end[-1]))
        end--;

    char *name = skip_blanks(buf + 2, end);
    if (!name || name == end)
        return -ENOEXEC;
    char *arg = NULL;
    char *sep = find_terminator(name, end);
    if (sep && *sep != '\0')
        arg = skip_blanks(sep, end);

    *end = '\0';
    if (arg)
        *sep = '\0';
    sb->interp = name;
    sb->arg = arg;
    return 0;
}

long exec_shebang_argv(const struct exec_shebang *sb, const char *script_path,
                       const char *const *argv, size_t argc, const char **out, size_t cap)
{
    if (!sb || !sb->interp || !script_path || (argc && !argv) || !out)
        return -EINVAL;
    size_t rest = argc ? argc - 1 : 0; /* the script's argv[0] is replaced by its path */
    size_t n = 2 + (sb->arg ? 1 : 0) + rest;
    if (n > cap)
        return -E2BIG;
    size_t i = 0;
    out[i++] = sb->interp;
    if (sb->arg)
        out[i++] = sb->arg;
    out[i++] = script_path;
    for (size_t k = 1; k < argc; k++)
        out[i++] = argv[k];
    return (long)n;
}

int exec_script_depth_check(unsigned depth)
{
    return depth > EXEC_MAX_SCRIPT_DEPTH ? -ELOOP : 0;
}
