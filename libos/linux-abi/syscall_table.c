/* abi_syscall_info: the table built from syscalls.def (hardware-free). */
#include <lib/compiler.h>
#include <libos/abi/syscall.h>

#define ARG(k, n)                                                                                  \
    {                                                                                              \
        ABI_ARG_##k, #n                                                                            \
    }
#define ENTRY(nr, name_, ret_, n, ...)                                                             \
    [nr] = {.name = #name_, .nargs = (n), .ret = ABI_RET_##ret_, .args = {__VA_ARGS__}},
#define SYSCALL0(nr, name_, ret_)               [nr] = {.name = #name_, .nargs = 0, .ret = ABI_RET_##ret_},
#define SYSCALL1(nr, name, ret, k1, a1)         ENTRY(nr, name, ret, 1, ARG(k1, a1))
#define SYSCALL2(nr, name, ret, k1, a1, k2, a2) ENTRY(nr, name, ret, 2, ARG(k1, a1), ARG(k2, a2))
#define SYSCALL3(nr, name, ret, k1, a1, k2, a2, k3, a3)                                            \
    ENTRY(nr, name, ret, 3, ARG(k1, a1), ARG(k2, a2), ARG(k3, a3))
#define SYSCALL4(nr, name, ret, k1, a1, k2, a2, k3, a3, k4, a4)                                    \
    ENTRY(nr, name, ret, 4, ARG(k1, a1), ARG(k2, a2), ARG(k3, a3), ARG(k4, a4))
#define SYSCALL5(nr, name, ret, k1, a1, k2, a2, k3, a3, k4, a4, k5, a5)                            \
    ENTRY(nr, name, ret, 5, ARG(k1, a1), ARG(k2, a2), ARG(k3, a3), ARG(k4, a4), ARG(k5, a5))
#define SYSCALL6(nr, name, ret, k1, a1, k2, a2, k3, a3, k4, a4, k5, a5, k6, a6)                    \
    ENTRY(nr, name, ret, 6, ARG(k1, a1), ARG(k2, a2), ARG(k3, a3), ARG(k4, a4), ARG(k5, a5),       \
          ARG(k6, a6))
#define RESERVED(first, last, why)

/* Indexed by number; a duplicate number is a compile error (-Woverride-init). */
static const struct abi_syscall_info syscall_table[LINUX_NR_SYSCALLS] = {
#include <libos/abi/syscalls.def>
};

#define SYSCALL0(...)
#define SYSCALL1(...)
#define SYSCALL2(...)
#define SYSCALL3(...)
#define SYSCALL4(...)
#define SYSCALL5(...)
#define SYSCALL6(...)
#define RESERVED(first, last, why) {(first), (last), why},
const struct abi_reserved_range abi_reserved_ranges[] = {
#include <libos/abi/syscalls.def>
};
const size_t abi_reserved_range_count = ARRAY_SIZE(abi_reserved_ranges);

_Static_assert(LINUX_NR_mseal == LINUX_NR_SYSCALLS - 1, "LINUX_NR_SYSCALLS is the last + 1");

const struct abi_syscall_info *abi_syscall_info(uint64_t nr)
{
    if (nr >= LINUX_NR_SYSCALLS || !syscall_table[nr].name)
        return NULL;
    return &syscall_table[nr];
}

const char *abi_syscall_name(uint64_t nr)
{
    const struct abi_syscall_info *info = abi_syscall_info(nr);
    return info ? info->name : NULL;
}
