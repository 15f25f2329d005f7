/*
 * procfs: Linux's /proc as a VFS filesystem. procfs owns no process state: every file is
 * formatted, when read, from figures a provider (the library OS) supplies through the
 * callbacks of struct procfs_provider. The text follows Linux 6.1 byte for byte where the
 * provider's figures allow it, so procps (ps, top, free, uptime, vmstat) and busybox parse it.
 *
 * Mount: procfs_set_provider(&p) once, then vfs_mount(&procfs_fs_type, NULL, 0, at, &m)
 * (no block device). The filesystem is read-only (writes fail with EROFS/EACCES), reports
 * size 0 for its files like Linux, and never caches dentries (VFS_SB_NOCACHE), so processes
 * appear and vanish at once.
 *
 * Tree:
 *   /proc/{self,thread-self,mounts}            symlinks ("PID", "PID/task/TID", "self/mounts")
 *   /proc/{meminfo,stat,uptime,loadavg,cpuinfo,filesystems,version,cmdline}
 *   /proc/sys/kernel/{hostname,domainname,ostype,osrelease,pid_max}, /proc/sys/vm/overcommit_memory
 *   /proc/PID/{stat,statm,status,cmdline,comm,environ,maps,mounts}, {cwd,exe,root} symlinks,
 *   /proc/PID/fd/N symlinks, /proc/PID/task/TID/{stat,statm,status,cmdline,comm}
 *
 * All provider callbacks receive provider->ctx first. Those returning int give 0 (or a
 * length) on success and a negative errno on failure. A callback may be called at any time
 * a file is looked up, listed or read, without VFS locks held.
 *
 * Limits: /proc/PID/fd/N, cwd, exe and root are plain symlinks to the text the provider
 * gives (no "magic" reopen of pipes or deleted files); /proc/TID for a non-leader thread is
 * not reachable (only through /proc/PID/task/TID); nothing may be mounted on procfs.
 */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fs/vfs.h>

#define PROCFS_SUPER_MAGIC 0x9fa0
#define PROCFS_COMM_LEN    16  /* TASK_COMM_LEN, including the NUL */
#define PROCFS_NGROUPS     32  /* supplementary groups shown in status */
#define PROCFS_USER_HZ     100 /* clock ticks of every *time field below */
#define PROCFS_MAX_CPUS    64

/* One task (thread) or one thread group, as /proc/PID/{stat,statm,status} show it. */
/* Memory counts in pages are 4 KiB pages (exo's granule). */
struct procfs_task_info {
    /* identity */
    int32_t pid;  /* the task's id: the TID for a thread, the TGID for a process */
    int32_t tgid; /* thread group id */
    int32_t ppid, pgid, sid;
    int32_t tracer_pid;         /* 0 when not ptraced */
    int32_t tty_nr;             /* controlling tty as Linux encodes it ((minor&0xff) | major<<8 |
                                   (minor&~0xff)<<12), 0 for none */
    int32_t tpgid;              /* the tty's foreground process group, -1 for none */
    char state;                 /* R S D T t X Z P I */
    char comm[PROCFS_COMM_LEN]; /* NUL-terminated, at most 15 characters */
    uint32_t flags;             /* PF_* task flags (stat field 9) */
    /* credentials: [0] real, [1] effective, [2] saved, [3] filesystem */
    uint32_t uid[4], gid[4];
    uint32_t ngroups; /* entries of groups[] in use (at most PROCFS_NGROUPS shown) */
    uint32_t groups[PROCFS_NGROUPS];
    uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
    bool no_new_privs;
    /* files: has_fs false (zombies) leaves out Umask */
    bool has_fs;
    uint32_t umask;
    uint32_t fd_size; /* FDSize: slots of the descriptor table */
    /* scheduling; times in USER_HZ ticks (process view: summed over its threads) */
    int32_t threads; /* threads in the group */
    int32_t priority, nice;
    uint32_t rt_priority, policy;
    int32_t processor; /* CPU last run on */
    int32_t exit_signal, exit_code;
    uint64_t utime, stime, cutime, cstime, guest_time, cguest_time, blkio_ticks;
    uint64_t start_time; /* ticks after boot */
    uint64_t minflt, cminflt, majflt, cmajflt;
    uint64_t nvcsw, nivcsw; /* voluntary / involuntary context switches */
    uint64_t cpus_allowed;  /* bit n: may run on CPU n */
    /* memory: has_mm false (zombies, kernel threads) reports none of it */
    bool has_mm;
    uint64_t total_vm, hiwater_vm, locked_vm, pinned_vm; /* pages */
    uint64_t rss_anon, rss_file, rss_shmem, hiwater_rss; /* pages */
    uint64_t data_vm, stack_vm, exec_vm, swap;           /* pages */
    uint64_t pte_kb;                                     /* page-table memory */
    uint64_t rsslim;                                     /* RLIMIT_RSS soft limit, bytes */
    uint64_t start_code, end_code, start_stack, kstk_esp, kstk_eip;
    uint64_t start_data, end_data, start_brk, arg_start, arg_end, env_start, env_end;
    /* signals: bit n-1 stands for signal n */
    uint64_t sig_pending;        /* the task's private pending set */
    uint64_t sig_shared_pending; /* the group's shared pending set */
    uint64_t sig_blocked, sig_ignored, sig_caught;
    uint32_t sigq_queued; /* queued signals of the real uid */
    uint64_t sigq_limit;  /* RLIMIT_SIGPENDING */
};

/* /proc/meminfo, every figure in kB unless said otherwise. */
struct procfs_meminfo {
    uint64_t mem_total, mem_free, mem_available, buffers, cached, swap_cached;
    uint64_t active, inactive, active_anon, inactive_anon, active_file, inactive_file;
    uint64_t unevictable, mlocked, swap_total, swap_free, zswap, zswapped, dirty, writeback;
    uint64_t anon_pages, mapped, shmem, kreclaimable, slab, sreclaimable, sunreclaim;
    uint64_t kernel_stack, page_tables, nfs_unstable, bounce, writeback_tmp;
    uint64_t commit_limit, committed_as, vmalloc_total, vmalloc_used, vmalloc_chunk, percpu;
    uint64_t hardware_corrupted, anon_huge, shmem_huge, shmem_pmd_mapped, file_huge;
    uint64_t file_pmd_mapped, cma_total, cma_free;
    uint64_t hugepages_total, hugepages_free, hugepages_rsvd, hugepages_surp; /* counts */
    uint64_t hugepage_size, hugetlb;
};

/* System-wide figures for /proc/{uptime,loadavg,stat,meminfo} and /proc/sys. */
struct procfs_sys_info {
    uint64_t uptime_ns;    /* since boot (CLOCK_BOOTTIME) */
    uint64_t idle_ns;      /* idle time summed over all CPUs */
    uint32_t load_x100[3]; /* 1, 5, 15 minute load averages times 100 */
    uint32_t nr_running;   /* runnable tasks (loadavg's 4th field numerator) */
    uint32_t nr_threads;   /* all tasks (its denominator) */
    int32_t last_pid;      /* most recently allocated pid */
    uint32_t ncpus;        /* CPUs 0..ncpus-1 exist for cpu_times and cpu_id */
    uint64_t btime;        /* boot time, seconds since the epoch */
    uint64_t ctxt;         /* context switches since boot */
    uint64_t processes;    /* forks since boot */
    uint32_t procs_running, procs_blocked;
    uint64_t intr;        /* interrupts since boot */
    uint64_t softirq[10]; /* HI TIMER NET_TX NET_RX BLOCK IRQ_POLL TASKLET SCHED HRTIMER RCU */
    int32_t pid_max;
    int32_t overcommit_memory;
    struct procfs_meminfo mem;
};

/* One CPU's time in USER_HZ ticks (/proc/stat "cpuN" line). */
struct procfs_cpu_times {
    uint64_t user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice;
};

/* One CPU's identity for /proc/cpuinfo. */
struct procfs_cpu_id {
    uint32_t midr;          /* MIDR_EL1: implementer, variant, architecture, part, revision */
    uint32_t bogomips_x100; /* BogoMIPS times 100 */
    char features[512];     /* hwcap names separated by spaces ("fp asimd evtstrm ...") */
};

/* Names for /proc/version, /proc/sys/kernel and /proc/cmdline (NUL-terminated). */
struct procfs_uts {
    char sysname[65], nodename[65], release[65], version[65], domainname[65];
    char builder[65];   /* "user@host" that built the kernel */
    char compiler[128]; /* "gcc (...) 12.2.0, GNU ld ..." */
    char cmdline[512];  /* the kernel command line */
};

/* One line of /proc/PID/mounts (fields are escaped by procfs). */
struct procfs_mount {
    char device[256];
    char path[VFS_PATH_MAX];
    char fstype[32];
    char options[256]; /* "rw,relatime" */
};

/* Symlinks of /proc/PID, and memory areas of a process. */
enum procfs_link { PROCFS_LINK_CWD, PROCFS_LINK_EXE, PROCFS_LINK_ROOT };
enum procfs_area { PROCFS_AREA_CMDLINE, PROCFS_AREA_ENVIRON };

struct procfs_provider {
    void *ctx;
    /* The calling task: its thread group id and thread id (for self and thread-self). */
    void (*current)(void *ctx, int32_t *tgid, int32_t *tid);
    /* The smallest thread-group id greater than after, or 0 when there is none. */
    int32_t (*next_pid)(void *ctx, int32_t after);
    /* The smallest thread id of group tgid greater than after, or 0 when there is none. */
    int32_t (*next_tid)(void *ctx, int32_t tgid, int32_t after);
    /*
     * Fills *out for thread group tgid (tid == 0: the process as a whole, like /proc/PID/stat)
     * or for its thread tid. -ESRCH when no such group, or tid is not one of its threads.
     * out is zeroed by procfs beforehand.
     */
    int (*task_info)(void *ctx, int32_t tgid, int32_t tid, struct procfs_task_info *out);
    /*
     * Copies bytes [off, off + len) of the process's argument area (argv strings, each
     * NUL-terminated) or environment area into buf; returns the count (0 at the end or when
     * the process has no memory, e.g. a zombie) or -ESRCH.
     */
    int64_t (*read_area)(void *ctx, int32_t tgid, enum procfs_area which, void *buf, size_t len,
                         uint64_t off);
    /* /proc/PID/maps text, snprintf contract: writes at most size bytes, returns the full
     * length (mm_as_format_maps does exactly this); negative errno on failure. */
    int64_t (*maps)(void *ctx, int32_t tgid, char *buf, size_t size);
    /* Path of the process's cwd, executable or root into buf (no NUL needed); returns its
     * length (at most size), -ENOENT when there is none (a zombie's exe). */
    int (*link)(void *ctx, int32_t tgid, enum procfs_link which, char *buf, size_t size);
    /* The smallest open descriptor of tgid greater than after, or -1 when there is none. */
    int32_t (*next_fd)(void *ctx, int32_t tgid, int32_t after);
    /* What descriptor fd refers to: a path, or "pipe:[N]", "socket:[N]",
     * "anon_inode:[eventfd]"...; returns its length, -ENOENT when fd is not open. */
    int (*fd_path)(void *ctx, int32_t tgid, int32_t fd, char *buf, size_t size);
    /* Entry index of tgid's mount table (0, 1, ...); -ENOENT past the end. */
    int (*mount)(void *ctx, int32_t tgid, unsigned index, struct procfs_mount *out);
    /* Entry index of the registered filesystem types; -ENOENT past the end. name holds
     * at least 32 bytes; *nodev is true when the type needs no block device. */
    int (*filesystem)(void *ctx, unsigned index, char *name, bool *nodev);
    /* System-wide figures; out is zeroed beforehand. */
    int (*sys_info)(void *ctx, struct procfs_sys_info *out);
    /* Times of CPU cpu (< sys_info.ncpus). */
    int (*cpu_times)(void *ctx, uint32_t cpu, struct procfs_cpu_times *out);
    /* Identity of CPU cpu (< sys_info.ncpus). */
    int (*cpu_id)(void *ctx, uint32_t cpu, struct procfs_cpu_id *out);
    /* Kernel names; out is zeroed beforehand. */
    int (*uts)(void *ctx, struct procfs_uts *out);
};

/* Sets the provider every procfs mount reads from (call before mounting; it must stay). */
void procfs_set_provider(const struct procfs_provider *p);

extern const struct vfs_fs_type procfs_fs_type;

#endif
