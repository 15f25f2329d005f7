/*
 * Restarting interrupted system calls (signal(7)): what x0/pc become on the way back to
 * user space when a syscall returned one of the kernel-internal ERESTART* codes.
 */
#include <lib/errno.h>
#include <libos/abi/syscall.h>
#include <libos/signal.h>

#define SVC_SIZE 4 /* the SVC instruction just executed: pc points after it */

enum sig_restart sig_syscall_restart(struct exo_context *ctx, uint64_t orig_x0,
                                     const struct linux_sigaction *handler)
{
    int64_t ret = (int64_t)ctx->x[0];
    bool restart;
    switch (ret) {
    case -ERESTARTNOINTR:
        restart = true;
        break;
    case -ERESTARTSYS:
        restart = !handler || (handler->sa_flags & LINUX_SA_RESTART);
        break;
    case -ERESTARTNOHAND:
    case -ERESTART_RESTARTBLOCK:
        restart = !handler;
        break;
    default:
        return SIG_RESTART_NONE;
    }
    if (!restart) {
        ctx->x[0] = (uint64_t)-EINTR;
        return SIG_RESTART_EINTR;
    }
    ctx->x[0] = orig_x0;
    ctx->pc -= SVC_SIZE;
    if (ret == -ERESTART_RESTARTBLOCK) {
        ctx->x[8] = LINUX_NR_restart_syscall;
        return SIG_RESTART_BLOCK;
    }
    return SIG_RESTART_AGAIN;
}
