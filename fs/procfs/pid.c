/* procfs per-process files: /proc/PID/{stat,statm,status,comm,maps,mounts} and the same for
 * task/TID, in Linux 6.1's layout (fs/proc/array.c's output, written from proc(5)). */
#include <string.h>
#include <lib/errno.h>
#include "procfs_int.h"

static uint32_t page_kb(void)
{
    return 4; /* PAGE_SIZE / 1024 for the 4 KiB granule exo uses */
}

static const char *state_name(char s)
{
    switch (s) {
    case 'R':
        return "R (running)";
    case 'S':
        return "S (sleeping)";
    case 'D':
        return "D (disk sleep)";
    case 'T':
        return "T (stopped)";
    case 't':
        return "t (tracing stop)";
    case 'X':
        return "X (dead)";
    case 'Z':
        return "Z (zombie)";
    case 'P':
        return "P (parked)";
    case 'I':
        return "I (idle)";
    default:
        return "R (running)";
    }
}

/* Text pages: the code segment rounded out to pages (VmExe). */
static uint64_t text_pages(const struct procfs_task_info *t)
{
    if (t->end_code <= t->start_code)
        return 0;
    uint64_t lo = t->start_code & ~4095ull, hi = (t->end_code + 4095) & ~4095ull;
    return (hi - lo) >> 12;
}

/* /proc/PID/stat: 52 space-separated fields (proc(5)). */
static void gen_stat(const struct procfs_task_info *t, struct pbuf *pb)
{
    bool mm = t->has_mm;
    uint64_t rss = mm ? t->rss_anon + t->rss_file + t->rss_shmem : 0;
    pb_printf(pb, "%d (%s) %c %d %d %d %d %d %u ", t->pid, t->comm, t->state, t->ppid, t->pgid,
              t->sid, t->tty_nr, t->tpgid, t->flags);
    pb_printf(pb, "%lu %lu %lu %lu %lu %lu %ld %ld ", t->minflt, t->cminflt, t->majflt, t->cmajflt,
              t->utime, t->stime, (int64_t)t->cutime, (int64_t)t->cstime);
    /* priority nice num_threads itrealvalue starttime vsize rss rsslim */
    pb_printf(pb, "%d %d %d 0 %lu %lu %lu %lu ", t->priority, t->nice, t->threads, t->start_time,
              mm ? t->total_vm * page_kb() * 1024 : 0, rss, t->rsslim);
    /* startcode endcode startstack kstkesp kstkeip */
    pb_printf(pb, "%lu %lu %lu %lu %lu ", mm ? t->start_code : 0, mm ? t->end_code : 0,
              mm ? t->start_stack : 0, t->kstk_esp, t->kstk_eip);
    /* signal blocked sigignore sigcatch: obsolete decimal words, low 31 bits */
    pb_printf(pb, "%lu %lu %lu %lu ", t->sig_pending & 0x7fffffffu, t->sig_blocked & 0x7fffffffu,
              t->sig_ignored & 0x7fffffffu, t->sig_caught & 0x7fffffffu);
    /* wchan nswap cnswap exit_signal processor rt_priority policy blkio guest cguest */
    pb_printf(pb, "0 0 0 %d %d %u %u %lu %lu %ld ", t->exit_signal, t->processor, t->rt_priority,
              t->policy, t->blkio_ticks, t->guest_time, (int64_t)t->cguest_time);
    /* start_data end_data start_brk arg_start arg_end env_start env_end exit_code */
    if (mm)
        pb_printf(pb, "%lu %lu %lu %lu %lu %lu %lu %d\n", t->start_data, t->end_data, t->start_brk,
                  t->arg_start, t->arg_end, t->env_start, t->env_end, t->exit_code);
    else
        pb_printf(pb, "0 0 0 0 0 0 0 %d\n", t->exit_code);
}

/* /proc/PID/statm: size resident shared text lib data dt, in pages. */
static void gen_statm(const struct procfs_task_info *t, struct pbuf *pb)
{
    if (!t->has_mm) {
        pb_puts(pb, "0 0 0 0 0 0 0\n");
        return;
    }
    pb_printf(pb, "%lu %lu %lu %lu 0 %lu 0\n", t->total_vm,
              t->rss_anon + t->rss_file + t->rss_shmem, t->rss_file + t->rss_shmem, text_pages(t),
              t->data_vm + t->stack_vm);
}

/* "Label:\t" then the value right-aligned in 8 columns and " kB". */
static void status_kb(struct pbuf *pb, const char *label, uint64_t kb)
{
    pb_printf(pb, "%s\t%8lu kB\n", label, kb);
}

/* Cpus_allowed: the mask over ncpus bits in 32-bit hex groups, high first, comma-separated;
 * the first group only as wide as the bits it holds. */
static void put_mask(struct pbuf *pb, uint64_t mask, uint32_t nbits)
{
    if (nbits == 0)
        nbits = 1;
    if (nbits > 64)
        nbits = 64;
    int groups = (int)((nbits + 31) / 32);
    for (int g = groups - 1; g >= 0; g--) {
        uint32_t w = (uint32_t)(mask >> (32 * g));
        uint32_t bits = (g == groups - 1) ? nbits - 32 * (uint32_t)g : 32;
        if (bits < 32)
            w &= (1u << bits) - 1;
        pb_printf(pb, "%s%0*x", g == groups - 1 ? "" : ",", (int)((bits + 3) / 4), w);
    }
}

/* Cpus_allowed_list: ranges such as "0-3,6". */
static void put_list(struct pbuf *pb, uint64_t mask, uint32_t nbits)
{
    bool first = true;
    for (uint32_t i = 0; i < nbits && i < 64;) {
        if (!(mask >> i & 1)) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j + 1 < nbits && j + 1 < 64 && (mask >> (j + 1) & 1))
            j++;
        pb_printf(pb, j > i ? "%s%u-%u" : "%s%u", first ? "" : ",", i, j);
        first = false;
        i = j + 1;
    }
}

/* The Name line escapes backslash and newline. */
static void put_name(struct pbuf *pb, const char *comm)
{
    for (; *comm; comm++) {
        if (*comm == '\\')
            pb_puts(pb, "\\\\");
        else if (*comm == '\n')
            pb_puts(pb, "\\n");
        else
            pb_write(pb, comm, 1);
    }
}

static void status_mem(const struct procfs_task_info *t, struct pbuf *pb)
{
    uint64_t k = page_kb();
    uint64_t rss = t->rss_anon + t->rss_file + t->rss_shmem;
    uint64_t hwm = t->hiwater_rss > rss ? t->hiwater_rss : rss;
    uint64_t peak = t->hiwater_vm > t->total_vm ? t->hiwater_vm : t->total_vm;
    uint64_t text = text_pages(t) * k, exec = t->exec_vm * k;
    status_kb(pb, "VmPeak:", peak * k);
    status_kb(pb, "VmSize:", t->total_vm * k);
    status_kb(pb, "VmLck:", t->locked_vm * k);
    status_kb(pb, "VmPin:", t->pinned_vm * k);
    status_kb(pb, "VmHWM:", hwm * k);
    status_kb(pb, "VmRSS:", rss * k);
    status_kb(pb, "RssAnon:", t->rss_anon * k);
    status_kb(pb, "RssFile:", t->rss_file * k);
    status_kb(pb, "RssShmem:", t->rss_shmem * k);
    status_kb(pb, "VmData:", t->data_vm * k);
    status_kb(pb, "VmStk:", t->stack_vm * k);
    status_kb(pb, "VmExe:", text);
    status_kb(pb, "VmLib:", exec > text ? exec - text : 0);
    status_kb(pb, "VmPTE:", t->pte_kb);
    status_kb(pb, "VmSwap:", t->swap * k);
    status_kb(pb, "HugetlbPages:", 0);
    pb_puts(pb, "CoreDumping:\t0\nTHP_enabled:\t1\n");
}

static void gen_status(const struct procfs_task_info *t, uint32_t ncpus, struct pbuf *pb)
{
    pb_puts(pb, "Name:\t");
    put_name(pb, t->comm);
    pb_puts(pb, "\n");
    if (t->has_fs)
        pb_printf(pb, "Umask:\t0%03o\n", t->umask & 0777);
    pb_printf(pb, "State:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t%d\n",
              state_name(t->state), t->tgid, t->pid, t->ppid, t->tracer_pid);
    pb_printf(pb, "Uid:\t%u\t%u\t%u\t%u\n", t->uid[0], t->uid[1], t->uid[2], t->uid[3]);
    pb_printf(pb, "Gid:\t%u\t%u\t%u\t%u\n", t->gid[0], t->gid[1], t->gid[2], t->gid[3]);
    pb_printf(pb, "FDSize:\t%u\nGroups:\t", t->fd_size);
    for (uint32_t i = 0; i < t->ngroups && i < PROCFS_NGROUPS; i++)
        pb_printf(pb, i ? " %u" : "%u", t->groups[i]);
    pb_printf(pb, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", t->tgid, t->pid, t->pgid,
              t->sid);
    if (t->has_mm)
        status_mem(t, pb);
    pb_printf(pb, "Threads:\t%d\nSigQ:\t%u/%lu\n", t->threads, t->sigq_queued, t->sigq_limit);
    pb_printf(pb, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n", t->sig_pending,
              t->sig_shared_pending, t->sig_blocked);
    pb_printf(pb, "SigIgn:\t%016lx\nSigCgt:\t%016lx\n", t->sig_ignored, t->sig_caught);
    pb_printf(pb, "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\n",
              t->cap_inh, t->cap_prm, t->cap_eff, t->cap_bnd);
    pb_printf(pb, "CapAmb:\t%016lx\nNoNewPrivs:\t%d\nSeccomp:\t0\nSeccomp_filters:\t0\n",
              t->cap_amb, t->no_new_privs ? 1 : 0);
    pb_puts(pb, "Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunsupported\n");
    pb_puts(pb, "Cpus_allowed:\t");
    put_mask(pb, t->cpus_allowed, ncpus);
    pb_puts(pb, "\nCpus_allowed_list:\t");
    put_list(pb, t->cpus_allowed, ncpus);
    pb_puts(pb, "\nMems_allowed:\t00000000,00000001\nMems_allowed_list:\t0\n");
    pb_printf(pb, "voluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t%lu\n", t->nvcsw,
              t->nivcsw);
}

static int gen_maps(int32_t tgid, struct pbuf *pb)
{
    for (;;) {
        size_t room = pb->cap - pb->len;
        int64_t n = procfs_prov->maps(procfs_prov->ctx, tgid, pb->buf + pb->len, room);
        if (n < 0)
            return (int)n;
        if ((uint64_t)n < room) {
            pb->len += (size_t)n;
            return 0;
        }
        if (!pb_reserve(pb, (size_t)n))
            return -ENOMEM;
    }
}

static uint32_t sys_ncpus(void)
{
    struct procfs_sys_info *si = fs_zalloc(sizeof(*si));
    uint32_t n = 1;
    if (si && procfs_prov->sys_info(procfs_prov->ctx, si) == 0 && si->ncpus)
        n = si->ncpus;
    fs_free(si);
    return n;
}

int procfs_gen_pid(unsigned kind, int32_t tgid, int32_t tid, struct pbuf *pb)
{
    if (kind == PK_MAPS) {
        if (!pb_reserve(pb, 4096))
            return -ENOMEM;
        return gen_maps(tgid, pb);
    }
    if (kind == PK_MOUNTS)
        return procfs_gen_mounts(tgid, pb);
    struct procfs_task_info *t = fs_zalloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    int err = procfs_prov->task_info(procfs_prov->ctx, tgid, tid, t);
    if (!err) {
        t->comm[PROCFS_COMM_LEN - 1] = 0;
        switch (kind) {
        case PK_STAT:
            gen_stat(t, pb);
            break;
        case PK_STATM:
            gen_statm(t, pb);
            break;
        case PK_STATUS:
            gen_status(t, sys_ncpus(), pb);
            break;
        case PK_COMM:
            pb_printf(pb, "%s\n", t->comm);
            break;
        default:
            err = -EINVAL;
            break;
        }
    }
    fs_free(t);
    return err;
}
