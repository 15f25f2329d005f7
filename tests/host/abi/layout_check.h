/*
 * Compile-time comparison of our Linux ABI definitions (libos/abi, prefixed linux_/LINUX_)
 * with the system's: these files are built by the aarch64 cross compiler, so sizes,
 * alignments and offsets are arm64's. If they compile, the layouts and values agree.
 * check_layout_coverage.py makes sure every LINUX_ constant is named by one of:
 *   CONST(X)            LINUX_X == X
 *   CONST_AS(X, expr)   LINUX_X == expr (the system spells it differently)
 *   RUNTIME(X)          compared at run time (pointer-valued or sysconf values)
 *   UNCHECKED(X, why)   no system counterpart
 */
#ifndef TESTS_ABI_LAYOUT_CHECK_H
#define TESTS_ABI_LAYOUT_CHECK_H
#include <stddef.h>

#define CONST(x) _Static_assert(LINUX_##x == (x), "value of " #x);
#define CONST_AS(x, expr) _Static_assert(LINUX_##x == (expr), "value of " #x);
#define UNCHECKED(x, why)

/* Same size and alignment. */
#define SAME_TYPE(ours, theirs)                                                                \
    _Static_assert(sizeof(ours) == sizeof(theirs), "size of " #ours);                          \
    _Static_assert(_Alignof(ours) == _Alignof(theirs), "alignment of " #ours);
/* Field at the same offset with the same size (ours.of is theirs.tf). */
#define SAME_FIELD_AS(ours, theirs, of, tf)                                                    \
    _Static_assert(offsetof(ours, of) == offsetof(theirs, tf), "offset of " #ours "." #of);     \
    _Static_assert(sizeof(((ours *)0)->of) == sizeof(((theirs *)0)->tf),                       \
                   "size of " #ours "." #of);
#define SAME_FIELD(ours, theirs, f) SAME_FIELD_AS(ours, theirs, f, f)

/* Runtime checks (values that are not integer constant expressions); 0 if all agree. */
int layout_uapi_runtime_failures(void);
int layout_libc_runtime_failures(void);

#endif
