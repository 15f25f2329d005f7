/*
 * Build tool (native): prints every syscall of syscalls.def with its status from handlers.def,
 * one tab-separated line each, for scripts/gen-syscall-doc.py:
 *   S <nr> <name> <arg names, comma-separated> <implemented|partial|enosys> <note>
 *   R <first> <last> <why>          (unassigned numbers)
 * It includes handlers.def for the statuses only, so it links none of the handlers.
 */
#include <stdio.h>
#include <libos/abi/syscall.h>

struct status {
    const char *status;
    const char *note;
};

static const struct status statuses[LINUX_NR_SYSCALLS] = {
#define IMPLEMENTED(name)      [LINUX_NR_##name] = {"implemented", ""},
#define PARTIAL(name, missing) [LINUX_NR_##name] = {"partial", "" missing},
#define UNSUPPORTED(name, why) [LINUX_NR_##name] = {"enosys", "" why},
#include "handlers.def"
};

int main(void)
{
    for (unsigned nr = 0; nr < LINUX_NR_SYSCALLS; nr++) {
        const struct abi_syscall_info *info = abi_syscall_info(nr);
        if (!info)
            continue;
        printf("S\t%u\t%s\t", nr, info->name);
        for (int i = 0; i < info->nargs; i++)
            printf("%s%s", i ? ", " : "", info->args[i].name);
        const struct status *s = &statuses[nr];
        printf("\t%s\t%s\n", s->status ? s->status : "enosys", s->note ? s->note : "");
    }
    for (size_t i = 0; i < abi_reserved_range_count; i++)
        printf("R\t%u\t%u\t%s\n", abi_reserved_ranges[i].first, abi_reserved_ranges[i].last,
               abi_reserved_ranges[i].why);
    return 0;
}
