/* abi_dispatch: syscall number to handler, -ENOSYS reporting, and the trace. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <lib/compiler.h>
#include <lib/errno.h>
#include <lib/format.h>
#include <libos/abi/syscall.h>

static struct abi_dispatch_env dispatch_env;
static bool trace_on;

/* One bit per in-range number already reported as missing. */
static uint64_t reported[(LINUX_NR_SYSCALLS + 63) / 64];
/* Out-of-range numbers already reported (0 = free slot: 0 is always in range). Once all are
 * taken, further unknown numbers are not reported. */
#define REPORTED_UNKNOWN_MAX 16
static uint64_t reported_unknown[REPORTED_UNKNOWN_MAX];

void abi_dispatch_setup(const struct abi_dispatch_env *env)
{
    static const struct abi_dispatch_env none;
    dispatch_env = env ? *env : none;
    for (size_t i = 0; i < ARRAY_SIZE(reported); i++)
        __atomic_store_n(&reported[i], 0, __ATOMIC_RELAXED);
    for (size_t i = 0; i < ARRAY_SIZE(reported_unknown); i++)
        __atomic_store_n(&reported_unknown[i], 0, __ATOMIC_RELAXED);
}

void abi_trace_enable(bool on)
{
    __atomic_store_n(&trace_on, on, __ATOMIC_RELAXED);
}

bool abi_trace_enabled(void)
{
    return __atomic_load_n(&trace_on, __ATOMIC_RELAXED);
}

static void log_line(const char *line, size_t len)
{
    if (dispatch_env.log)
        dispatch_env.log(dispatch_env.ctx, line, len);
    else
        klog("%s", line);
}

/* True the first time it is called for nr (racing callers: exactly one wins). */
static bool first_report(uint64_t nr)
{
    if (nr < LINUX_NR_SYSCALLS) {
        uint64_t bit = 1ull << (nr % 64);
        return !(__atomic_fetch_or(&reported[nr / 64], bit, __ATOMIC_RELAXED) & bit);
    }
    for (size_t i = 0; i < REPORTED_UNKNOWN_MAX; i++) {
        uint64_t seen = __atomic_load_n(&reported_unknown[i], __ATOMIC_RELAXED);
        if (seen == nr)
            return false;
        if (seen == 0 && __atomic_compare_exchange_n(&reported_unknown[i], &seen, nr, false,
                                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return true;
        if (seen == nr) /* lost the race to a caller with the same number */
            return false;
    }
    return false;
}

static void report_missing(uint64_t nr)
{
    char line[96];
    if (!first_report(nr))
        return;
    const char *name = abi_syscall_name(nr);
    int n = ksnprintf(line, sizeof(line), "syscall %s (%lld) not implemented\n", name ? name : "?",
                      (long long)nr);
    log_line(line, MIN((size_t)n, sizeof(line) - 1));
}

static int current_tid(void)
{
    return dispatch_env.current_tid ? dispatch_env.current_tid(dispatch_env.ctx) : 0;
}

/* "[tid] name(args)" into line; returns its length. */
static size_t trace_call(char *line, size_t size, const struct abi_regs *regs)
{
    int n = ksnprintf(line, size, "[%d] ", current_tid());
    size_t len = MIN((size_t)n, size - 1);
    return len + abi_format_call(line + len, size - len, regs->nr, regs->x, &dispatch_env);
}

/* Appends " = result\n" to line[0..len) and logs it. */
static void trace_result(char *line, size_t size, size_t len, int ret_kind, long result)
{
    len += abi_format_result(line + len, size - len - 1, ret_kind, result);
    line[len++] = '\n';
    line[len] = '\0';
    log_line(line, len);
}

static long call_handler(syscall_handler_t handler, const struct abi_regs *regs)
{
    return handler(regs->x[0], regs->x[1], regs->x[2], regs->x[3], regs->x[4], regs->x[5]);
}

/* abi_dispatch with the trace on; kept out of line so its line buffer costs the untraced
 * path no stack. */
static __attribute__((noinline)) long dispatch_traced(const struct abi_regs *regs,
                                                      const struct abi_syscall_info *info,
                                                      syscall_handler_t handler)
{
    int ret_kind = info ? info->ret : ABI_RET_INT;
    char line[ABI_TRACE_LINE_MAX];
    size_t len = trace_call(line, sizeof(line) - 80, regs); /* room left for the result */

    if (!handler) {
        report_missing(regs->nr);
        trace_result(line, sizeof(line), len, ret_kind, -ENOSYS);
        return -ENOSYS;
    }
    if (ret_kind == ABI_RET_NONE) {
        trace_result(line, sizeof(line), len, ret_kind, 0); /* "= ?": may never return */
        ret_kind = ABI_RET_INT;
    }
    long ret = call_handler(handler, regs);
    trace_result(line, sizeof(line), len, ret_kind, ret);
    return ret;
}

long abi_dispatch(const struct abi_regs *regs)
{
    uint64_t nr = regs->nr;
    const struct abi_syscall_info *info = abi_syscall_info(nr);
    syscall_handler_t handler = info ? abi_syscall_impls[nr].handler : NULL;

    if (unlikely(abi_trace_enabled()))
        return dispatch_traced(regs, info, handler);
    if (!handler) {
        report_missing(nr);
        return -ENOSYS;
    }
    return call_handler(handler, regs);
}
