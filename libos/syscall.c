/* System calls: the bridge from a stopped task to the dispatcher in libos/linux-abi. */
#include <exo/console.h>
#include <lib/format.h>
#include <libos/abi/syscall.h>
#include <libos/proc.h>
#include <libos/ptrace.h>
#include <libos/syscall.h>

static int trace_copy(void *ctx, void *dst, uint64_t src, size_t len)
{
    (void)ctx;
    return copy_from_user(dst, src, len);
}

static int trace_tid(void *ctx)
{
    (void)ctx;
    struct task *t = current_task();
    return t ? t->tid : 0;
}

static const struct abi_dispatch_env dispatch_env = {trace_copy, trace_tid, NULL, NULL};

void syscall_init(void)
{
    abi_dispatch_setup(&dispatch_env);
}

void syscall_handle(struct task *t)
{
    struct abi_regs regs;
    long nr = t->ptrace ? ptrace_syscall_enter(t) : (long)t->uctx.x[8];
    t->orig_x0 = t->uctx.x[0];
    t->in_syscall = true;
    if (nr != -1) { /* -1: the tracer skipped the syscall, x0 is its result */
        for (int i = 0; i < 8; i++)
            regs.x[i] = t->uctx.x[i];
        regs.nr = (uint64_t)nr;
        t->uctx.x[0] = (uint64_t)abi_dispatch(&regs);
    }
    if (t->ptrace)
        ptrace_syscall_exit(t);
}
