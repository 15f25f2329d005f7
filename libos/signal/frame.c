/*
 * The arm64 signal frame (uapi asm/sigcontext.h, asm/ucontext.h): building it for a
 * handler and parsing it back in rt_sigreturn. Works on byte buffers; the caller copies
 * them to and from user memory.
 */
#include <stddef.h>
#include <string.h>
#include <lib/errno.h>
#include <libos/signal.h>

#define PSTATE_NZCV 0xf0000000ull
#define PSTATE_MODE 0x1full /* M[4]: AArch32, M[3:0]: exception level and SP */
#define PSTATE_DAIF 0x3c0ull

#define UC_OFF        offsetof(struct linux_rt_sigframe, uc)
#define MC_OFF        (UC_OFF + offsetof(struct linux_ucontext, uc_mcontext))
#define SC_OFF(field) (MC_OFF + offsetof(struct linux_sigcontext, field))
#define RESERVED_OFF  SC_OFF(__reserved)
#define RECORD_OFF    sizeof(struct linux_rt_sigframe)

static void put(uint8_t *buf, size_t off, const void *src, size_t len)
{
    memcpy(buf + off, src, len);
}

static void put64(uint8_t *buf, size_t off, uint64_t v)
{
    put(buf, off, &v, sizeof(v));
}

static void get(const uint8_t *buf, size_t off, void *dst, size_t len)
{
    memcpy(dst, buf + off, len);
}

static uint64_t get64(const uint8_t *buf, size_t off)
{
    uint64_t v;
    get(buf, off, &v, sizeof(v));
    return v;
}

/* The top of the stack the frame goes below (Linux sigsp). */
static uint64_t frame_stack_top(const struct sigframe_in *in)
{
    const struct sigaltstack_state *ss = &in->altstack;
    if ((in->action->sa_flags & LINUX_SA_ONSTACK) && ss->size &&
        !sigaltstack_contains(ss, in->ctx->sp))
        return ss->sp + ss->size;
    return in->ctx->sp;
}

/* The records of sigcontext.__reserved: fpsimd_context, esr_context if any, terminator. */
static void put_records(uint8_t *buf, const struct sigframe_in *in)
{
    size_t off = RESERVED_OFF;
    struct linux_fpsimd_context fp;
    memset(&fp, 0, sizeof(fp));
    fp.head.magic = LINUX_FPSIMD_MAGIC;
    fp.head.size = sizeof(fp);
    fp.fpsr = in->ctx->fpsr;
    fp.fpcr = in->ctx->fpcr;
    memcpy(fp.vregs, in->ctx->v, sizeof(fp.vregs));
    put(buf, off, &fp, sizeof(fp));
    off += sizeof(fp);
    if (in->esr) {
        struct linux_esr_context esr = {{LINUX_ESR_MAGIC, sizeof(esr)}, in->esr};
        put(buf, off, &esr, sizeof(esr));
        off += sizeof(esr);
    }
    struct linux_aarch64_ctx end = {0, 0};
    put(buf, off, &end, sizeof(end));
}

static void put_ucontext(uint8_t *buf, const struct sigframe_in *in)
{
    size_t uc = UC_OFF;
    put64(buf, uc + offsetof(struct linux_ucontext, uc_flags), 0);
    put64(buf, uc + offsetof(struct linux_ucontext, uc_link), 0);
    struct linux_stack st;
    memset(&st, 0, sizeof(st));
    st.ss_sp = in->altstack.sp;
    st.ss_flags = (int32_t)in->altstack.flags;
    st.ss_size = in->altstack.size;
    put(buf, uc + offsetof(struct linux_ucontext, uc_stack), &st, sizeof(st));
    put64(buf, uc + offsetof(struct linux_ucontext, uc_sigmask), in->blocked);
    put64(buf, SC_OFF(fault_address), in->fault_address);
    put(buf, SC_OFF(regs), in->ctx->x, sizeof(in->ctx->x));
    put64(buf, SC_OFF(sp), in->ctx->sp);
    put64(buf, SC_OFF(pc), in->ctx->pc);
    put64(buf, SC_OFF(pstate), in->ctx->pstate);
    put_records(buf, in);
}

int sigframe_build(const struct sigframe_in *in, struct sigframe_out *out)
{
    const struct linux_sigaction *a = in->action;
    uint64_t restorer = (a->sa_flags & LINUX_SA_RESTORER) ? a->sa_restorer : in->default_restorer;
    if (!restorer)
        return -EINVAL;
    uint64_t record = (frame_stack_top(in) - sizeof(struct linux_frame_record)) & ~15ull;
    uint64_t frame = record - sizeof(struct linux_rt_sigframe);

    memset(out->frame, 0, sizeof(out->frame));
    if (a->sa_flags & LINUX_SA_SIGINFO)
        put(out->frame, offsetof(struct linux_rt_sigframe, info), in->info, sizeof(*in->info));
    put_ucontext(out->frame, in);
    struct linux_frame_record fr = {in->ctx->x[29], in->ctx->x[30]};
    put(out->frame, RECORD_OFF, &fr, sizeof(fr));
    out->frame_addr = frame;

    struct exo_context *e = &out->entry;
    *e = *in->ctx;
    e->x[0] = (uint64_t)in->sig;
    if (a->sa_flags & LINUX_SA_SIGINFO) {
        e->x[1] = frame + offsetof(struct linux_rt_sigframe, info);
        e->x[2] = frame + UC_OFF;
    }
    e->sp = frame;
    e->x[29] = record;
    e->x[30] = restorer;
    e->pc = a->sa_handler;
    e->pstate = in->ctx->pstate & PSTATE_NZCV;
    return 0;
}

/* Walks the records of __reserved: exactly one well-formed fpsimd_context (copied to
 * *fp), esr_context ignored, anything else rejected. 0 or -EINVAL. */
static int parse_records(const uint8_t *buf, struct linux_fpsimd_context *fp)
{
    bool have_fp = false;
    size_t off = 0;
    for (;;) {
        struct linux_aarch64_ctx head;
        if (off % 16 || LINUX_SIGCONTEXT_RESERVED_SIZE - off < sizeof(head))
            return -EINVAL;
        get(buf, RESERVED_OFF + off, &head, sizeof(head));
        if (head.magic == 0)
            return head.size == 0 && have_fp ? 0 : -EINVAL;
        if (head.size < sizeof(head) || head.size > LINUX_SIGCONTEXT_RESERVED_SIZE - off)
            return -EINVAL;
        switch (head.magic) {
        case LINUX_FPSIMD_MAGIC:
            if (have_fp || head.size != sizeof(*fp))
                return -EINVAL;
            get(buf, RESERVED_OFF + off, fp, sizeof(*fp));
            have_fp = true;
            break;
        case LINUX_ESR_MAGIC:
            break; /* information for the handler only */
        default:
            return -EINVAL; /* SVE, ZA, extra_context, unknown: never written by us */
        }
        off += head.size;
    }
}

/* Linux valid_user_regs for AArch64: EL0t, AArch64, D/A/I/F clear. */
static bool pstate_valid(uint64_t pstate)
{
    return !(pstate & (PSTATE_MODE | PSTATE_DAIF));
}

int sigframe_parse(const uint8_t *frame, uint64_t sp, struct exo_context *ctx, uint64_t *blocked,
                   linux_stack_t *uc_stack)
{
    if (sp % 16)
        return -EFAULT;
    uint64_t pstate = get64(frame, SC_OFF(pstate));
    if (!pstate_valid(pstate))
        return -EINVAL;
    struct linux_fpsimd_context fp;
    int err = parse_records(frame, &fp);
    if (err)
        return err;
    get(frame, SC_OFF(regs), ctx->x, sizeof(ctx->x));
    ctx->sp = get64(frame, SC_OFF(sp));
    ctx->pc = get64(frame, SC_OFF(pc));
    ctx->pstate = pstate & PSTATE_NZCV;
    ctx->fpsr = fp.fpsr;
    ctx->fpcr = fp.fpcr;
    memcpy(ctx->v, fp.vregs, sizeof(ctx->v));
    *blocked =
        get64(frame, UC_OFF + offsetof(struct linux_ucontext, uc_sigmask)) & ~SIG_UNBLOCKABLE;
    get(frame, UC_OFF + offsetof(struct linux_ucontext, uc_stack), uc_stack, sizeof(*uc_stack));
    return 0;
}
