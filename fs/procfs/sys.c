/* procfs system-wide files: meminfo, stat, uptime, loadavg, cpuinfo, filesystems, version,
 * cmdline, mounts and /proc/sys values, in Linux 6.1's layout. */
#include <string.h>
#include <lib/errno.h>
#include <lib/format.h>
#include "procfs_int.h"

#define NSEC_PER_SEC ((uint64_t)1000000000)

const struct procfs_provider *procfs_prov;

void procfs_set_provider(const struct procfs_provider *p)
{
    procfs_prov = p;
}

/* Fetches the system figures into a zeroed allocation (caller frees). */
static int get_sys(struct procfs_sys_info **out)
{
    struct procfs_sys_info *si = fs_zalloc(sizeof(*si));
    if (!si)
        return -ENOMEM;
    int err = procfs_prov->sys_info(procfs_prov->ctx, si);
    if (err) {
        fs_free(si);
        return err;
    }
    *out = si;
    return 0;
}

/* "Label:" padded to 16 columns, the value right-aligned in 8, then " kB" (show_val_kb). */
static void mem_kb(struct pbuf *pb, const char *label, uint64_t kb)
{
    pb_printf(pb, "%-16s%8lu kB\n", label, kb);
}

int procfs_gen_meminfo(struct pbuf *pb)
{
    struct procfs_sys_info *si;
    int err = get_sys(&si);
    if (err)
        return err;
    const struct procfs_meminfo *m = &si->mem;
    static const char *const head[] = {
        "MemTotal:",     "MemFree:",        "MemAvailable:", "Buffers:",      "Cached:",
        "SwapCached:",   "Active:",         "Inactive:",     "Active(anon):", "Inactive(anon):",
        "Active(file):", "Inactive(file):", "Unevictable:",  "Mlocked:",      "SwapTotal:",
        "SwapFree:",     "Zswap:",          "Zswapped:",     "Dirty:",        "Writeback:",
        "AnonPages:",    "Mapped:",         "Shmem:",        "KReclaimable:", "Slab:",
        "SReclaimable:", "SUnreclaim:",     "KernelStack:",  "PageTables:",   "NFS_Unstable:",
        "Bounce:",       "WritebackTmp:",   "CommitLimit:",  "Committed_AS:", "VmallocTotal:",
        "VmallocUsed:",  "VmallocChunk:",   "Percpu:",
    };
    const uint64_t headv[] = {
        m->mem_total,    m->mem_free,      m->mem_available, m->buffers,      m->cached,
        m->swap_cached,  m->active,        m->inactive,      m->active_anon,  m->inactive_anon,
        m->active_file,  m->inactive_file, m->unevictable,   m->mlocked,      m->swap_total,
        m->swap_free,    m->zswap,         m->zswapped,      m->dirty,        m->writeback,
        m->anon_pages,   m->mapped,        m->shmem,         m->kreclaimable, m->slab,
        m->sreclaimable, m->sunreclaim,    m->kernel_stack,  m->page_tables,  m->nfs_unstable,
        m->bounce,       m->writeback_tmp, m->commit_limit,  m->committed_as, m->vmalloc_total,
        m->vmalloc_used, m->vmalloc_chunk, m->percpu,
    };
    _Static_assert(sizeof(head) / sizeof(head[0]) == sizeof(headv) / sizeof(headv[0]), "meminfo");
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
        mem_kb(pb, head[i], headv[i]);
    pb_printf(pb, "HardwareCorrupted: %5lu kB\n", m->hardware_corrupted);
    mem_kb(pb, "AnonHugePages:", m->anon_huge);
    mem_kb(pb, "ShmemHugePages:", m->shmem_huge);
    mem_kb(pb, "ShmemPmdMapped:", m->shmem_pmd_mapped);
    mem_kb(pb, "FileHugePages:", m->file_huge);
    mem_kb(pb, "FilePmdMapped:", m->file_pmd_mapped);
    mem_kb(pb, "CmaTotal:", m->cma_total);
    mem_kb(pb, "CmaFree:", m->cma_free);
    pb_printf(pb, "HugePages_Total:   %5lu\n", m->hugepages_total);
    pb_printf(pb, "HugePages_Free:    %5lu\n", m->hugepages_free);
    pb_printf(pb, "HugePages_Rsvd:    %5lu\n", m->hugepages_rsvd);
    pb_printf(pb, "HugePages_Surp:    %5lu\n", m->hugepages_surp);
    mem_kb(pb, "Hugepagesize:", m->hugepage_size);
    mem_kb(pb, "Hugetlb:", m->hugetlb);
    fs_free(si);
    return 0;
}

static void cpu_line(struct pbuf *pb, const char *name, const struct procfs_cpu_times *t)
{
    pb_printf(pb, "%s %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu\n", name, t->user, t->nice, t->system,
              t->idle, t->iowait, t->irq, t->softirq, t->steal, t->guest, t->guest_nice);
}

int procfs_gen_stat(struct pbuf *pb)
{
    struct procfs_sys_info *si;
    int err = get_sys(&si);
    if (err)
        return err;
    uint32_t n = si->ncpus;
    struct procfs_cpu_times sum = {0}, *per = fs_zalloc((n ? n : 1) * sizeof(*per));
    if (!per) {
        fs_free(si);
        return -ENOMEM;
    }
    for (uint32_t c = 0; c < n && !err; c++) {
        err = procfs_prov->cpu_times(procfs_prov->ctx, c, &per[c]);
        sum.user += per[c].user;
        sum.nice += per[c].nice;
        sum.system += per[c].system;
        sum.idle += per[c].idle;
        sum.iowait += per[c].iowait;
        sum.irq += per[c].irq;
        sum.softirq += per[c].softirq;
        sum.steal += per[c].steal;
        sum.guest += per[c].guest;
        sum.guest_nice += per[c].guest_nice;
    }
    if (!err) {
        cpu_line(pb, "cpu ", &sum); /* "cpu" then two spaces, like Linux */
        for (uint32_t c = 0; c < n; c++) {
            char name[16];
            ksnprintf(name, sizeof(name), "cpu%u", c);
            cpu_line(pb, name, &per[c]);
        }
        pb_printf(pb, "intr %lu\nctxt %lu\nbtime %lu\nprocesses %lu\n", si->intr, si->ctxt,
                  si->btime, si->processes);
        pb_printf(pb, "procs_running %u\nprocs_blocked %u\n", si->procs_running, si->procs_blocked);
        uint64_t total = 0;
        for (int i = 0; i < 10; i++)
            total += si->softirq[i];
        pb_printf(pb, "softirq %lu", total);
        for (int i = 0; i < 10; i++)
            pb_printf(pb, " %lu", si->softirq[i]);
        pb_puts(pb, "\n");
    }
    fs_free(per);
    fs_free(si);
    return err;
}

int procfs_gen_uptime(struct pbuf *pb)
{
    struct procfs_sys_info *si;
    int err = get_sys(&si);
    if (err)
        return err;
    pb_printf(pb, "%lu.%02lu %lu.%02lu\n", si->uptime_ns / NSEC_PER_SEC,
              (si->uptime_ns % NSEC_PER_SEC) / (NSEC_PER_SEC / 100), si->idle_ns / NSEC_PER_SEC,
              (si->idle_ns % NSEC_PER_SEC) / (NSEC_PER_SEC / 100));
    fs_free(si);
    return 0;
}

int procfs_gen_loadavg(struct pbuf *pb)
{
    struct procfs_sys_info *si;
    int err = get_sys(&si);
    if (err)
        return err;
    for (int i = 0; i < 3; i++)
        pb_printf(pb, "%u.%02u ", si->load_x100[i] / 100, si->load_x100[i] % 100);
    pb_printf(pb, "%u/%u %d\n", si->nr_running, si->nr_threads, si->last_pid);
    fs_free(si);
    return 0;
}

/* arm64's cpuinfo block per CPU, fields decoded from MIDR_EL1. */
int procfs_gen_cpuinfo(struct pbuf *pb)
{
    struct procfs_sys_info *si;
    int err = get_sys(&si);
    if (err)
        return err;
    struct procfs_cpu_id *id = fs_zalloc(sizeof(*id));
    if (!id) {
        fs_free(si);
        return -ENOMEM;
    }
    for (uint32_t c = 0; c < si->ncpus && !err; c++) {
        memset(id, 0, sizeof(*id));
        if ((err = procfs_prov->cpu_id(procfs_prov->ctx, c, id)))
            break;
        id->features[sizeof(id->features) - 1] = 0;
        uint32_t midr = id->midr;
        pb_printf(pb, "processor\t: %u\n", c);
        pb_printf(pb, "BogoMIPS\t: %u.%02u\n", id->bogomips_x100 / 100, id->bogomips_x100 % 100);
        pb_printf(pb, "Features\t:%s%s\n", id->features[0] ? " " : "", id->features);
        pb_printf(pb, "CPU implementer\t: 0x%02x\n", midr >> 24);
        pb_puts(pb, "CPU architecture: 8\n");
        pb_printf(pb, "CPU variant\t: 0x%x\n", (midr >> 20) & 0xf);
        pb_printf(pb, "CPU part\t: 0x%03x\n", (midr >> 4) & 0xfff);
        pb_printf(pb, "CPU revision\t: %u\n\n", midr & 0xf);
    }
    fs_free(id);
    fs_free(si);
    return err;
}

int procfs_gen_filesystems(struct pbuf *pb)
{
    char name[64];
    for (unsigned i = 0;; i++) {
        bool nodev = false;
        memset(name, 0, sizeof(name));
        int err = procfs_prov->filesystem(procfs_prov->ctx, i, name, &nodev);
        if (err == -ENOENT)
            return 0;
        if (err)
            return err;
        name[sizeof(name) - 1] = 0;
        pb_printf(pb, "%s\t%s\n", nodev ? "nodev" : "", name);
    }
}

static int get_uts(struct procfs_uts **out)
{
    struct procfs_uts *u = fs_zalloc(sizeof(*u));
    if (!u)
        return -ENOMEM;
    int err = procfs_prov->uts(procfs_prov->ctx, u);
    if (err) {
        fs_free(u);
        return err;
    }
    u->sysname[64] = u->nodename[64] = u->release[64] = u->version[64] = 0;
    u->domainname[64] = u->builder[64] = 0;
    u->compiler[sizeof(u->compiler) - 1] = u->cmdline[sizeof(u->cmdline) - 1] = 0;
    *out = u;
    return 0;
}

int procfs_gen_version(struct pbuf *pb)
{
    struct procfs_uts *u;
    int err = get_uts(&u);
    if (err)
        return err;
    pb_printf(pb, "%s version %s (%s) (%s) %s\n", u->sysname, u->release, u->builder, u->compiler,
              u->version);
    fs_free(u);
    return 0;
}

int procfs_gen_cmdline(struct pbuf *pb)
{
    struct procfs_uts *u;
    int err = get_uts(&u);
    if (err)
        return err;
    pb_printf(pb, "%s\n", u->cmdline);
    fs_free(u);
    return 0;
}

int procfs_gen_sysctl(unsigned which, struct pbuf *pb)
{
    if (which == SYSCTL_PID_MAX || which == SYSCTL_OVERCOMMIT) {
        struct procfs_sys_info *si;
        int err = get_sys(&si);
        if (err)
            return err;
        pb_printf(pb, "%d\n", which == SYSCTL_PID_MAX ? si->pid_max : si->overcommit_memory);
        fs_free(si);
        return 0;
    }
    struct procfs_uts *u;
    int err = get_uts(&u);
    if (err)
        return err;
    const char *s = which == SYSCTL_HOSTNAME     ? u->nodename
                    : which == SYSCTL_DOMAINNAME ? u->domainname
                    : which == SYSCTL_OSTYPE     ? u->sysname
                                                 : u->release;
    pb_printf(pb, "%s\n", s);
    fs_free(u);
    return 0;
}

/* Appends s with space, tab, newline and backslash as octal escapes (Linux's mangle()). */
static void put_escaped(struct pbuf *pb, const char *s)
{
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
            pb_printf(pb, "\\%03o", (unsigned)(unsigned char)*s);
        else
            pb_write(pb, s, 1);
    }
}

int procfs_gen_mounts(int32_t tgid, struct pbuf *pb)
{
    struct procfs_mount *m = fs_zalloc(sizeof(*m));
    if (!m)
        return -ENOMEM;
    int err = 0;
    for (unsigned i = 0;; i++) {
        memset(m, 0, sizeof(*m));
        err = procfs_prov->mount(procfs_prov->ctx, tgid, i, m);
        if (err)
            break;
        m->device[sizeof(m->device) - 1] = m->path[sizeof(m->path) - 1] = 0;
        m->fstype[sizeof(m->fstype) - 1] = m->options[sizeof(m->options) - 1] = 0;
        put_escaped(pb, m->device[0] ? m->device : "none");
        pb_puts(pb, " ");
        put_escaped(pb, m->path);
        pb_puts(pb, " ");
        put_escaped(pb, m->fstype);
        pb_puts(pb, " ");
        put_escaped(pb, m->options);
        pb_puts(pb, " 0 0\n");
    }
    fs_free(m);
    return err == -ENOENT ? 0 : err;
}
