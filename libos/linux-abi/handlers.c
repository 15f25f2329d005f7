/* abi_syscall_impls: the handler table, built from handlers.def. */
#include <libos/abi/syscall.h>

/* Prototypes of the handlers, defined with SYSCALL_DEFINEn across libos/. */
#define IMPLEMENTED(name)      ABI_HANDLER_DECL(name);
#define PARTIAL(name, missing) ABI_HANDLER_DECL(name);
#define UNSUPPORTED(name, why)
#include "handlers.def"

const struct abi_syscall_impl abi_syscall_impls[LINUX_NR_SYSCALLS] = {
#define IMPLEMENTED(name)      [LINUX_NR_##name] = {sys_##name, ABI_IMPLEMENTED, NULL},
#define PARTIAL(name, missing) [LINUX_NR_##name] = {sys_##name, ABI_PARTIAL, "" missing},
#define UNSUPPORTED(name, why) [LINUX_NR_##name] = {NULL, ABI_ENOSYS, "" why},
#include "handlers.def"
};
