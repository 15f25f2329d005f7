/*
 * procfs against a fake provider: three processes (init; a three-thread "worker" that is the
 * caller; a zombie). Checks the exact text of every file, and checks the layouts (field
 * counts, line names and their order) against the host kernel's own /proc.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <fs/procfs.h>
#include <lib/errno.h>
#include "fs_test.h"

/* ---- The fake provider ---- */

static bool worker_alive = true; /* pid 42 */
static bool late_alive;          /* pid 300, appears during a test */
static unsigned sys_info_calls;
static size_t maps_len = 200; /* length of the fake maps text */

static const int32_t worker_tids[] = {42, 43, 45};

static void fake_current(void *ctx, int32_t *tgid, int32_t *tid)
{
    (void)ctx;
    *tgid = 42;
    *tid = 43;
}

static bool pid_exists(int32_t pid)
{
    return pid == 1 || pid == 77 || (pid == 42 && worker_alive) || (pid == 300 && late_alive);
}

static int32_t fake_next_pid(void *ctx, int32_t after)
{
    (void)ctx;
    static const int32_t pids[] = {1, 42, 77, 300};
    for (size_t i = 0; i < 4; i++)
        if (pids[i] > after && pid_exists(pids[i]))
            return pids[i];
    return 0;
}

static int32_t fake_next_tid(void *ctx, int32_t tgid, int32_t after)
{
    (void)ctx;
    if (tgid == 42) {
        for (size_t i = 0; i < 3; i++)
            if (worker_tids[i] > after)
                return worker_tids[i];
        return 0;
    }
    return pid_exists(tgid) && tgid > after ? tgid : 0;
}

static void fill_init(struct procfs_task_info *t)
{
    t->pid = t->tgid = 1;
    t->pgid = t->sid = 1;
    t->tpgid = -1;
    t->state = 'S';
    strcpy(t->comm, "init");
    t->has_fs = true;
    t->umask = 0;
    t->fd_size = 64;
    t->threads = 1;
    t->priority = 20;
    t->exit_signal = 0;
    t->utime = 12;
    t->stime = 34;
    t->start_time = 1;
    t->cpus_allowed = 3;
    t->has_mm = true;
    t->total_vm = 1000;
    t->rss_anon = 10;
    t->rss_file = 20;
    t->data_vm = 40;
    t->stack_vm = 33;
    t->exec_vm = 100;
    t->rsslim = UINT64_MAX;
    t->start_code = 0x400000;
    t->end_code = 0x401000;
    t->sigq_limit = 7823;
    t->sig_ignored = 0xfffffffe7ffbfeffull;
    t->cap_prm = t->cap_eff = t->cap_bnd = 0x1ffffffffffull;
}

static void fill_worker(struct procfs_task_info *t, int32_t tid)
{
    t->pid = 42;
    t->tgid = 42;
    t->ppid = 1;
    t->pgid = 42;
    t->sid = 1;
    t->tty_nr = 136 << 8; /* pts/0 */
    t->tpgid = 42;
    t->state = 'R';
    strcpy(t->comm, "worker");
    t->flags = 0x400040;
    for (int i = 0; i < 4; i++) {
        t->uid[i] = 1000;
        t->gid[i] = 100;
    }
    t->uid[2] = 1001; /* saved */
    t->ngroups = 2;
    t->groups[0] = 4;
    t->groups[1] = 24;
    t->cap_bnd = 0x1ffffffffffull;
    t->has_fs = true;
    t->umask = 022;
    t->fd_size = 64;
    t->threads = 3;
    t->priority = 20;
    t->processor = 1;
    t->exit_signal = 17;
    t->utime = 150;
    t->stime = 30;
    t->cutime = 5;
    t->cstime = 2;
    t->start_time = 1234;
    t->minflt = 1000;
    t->cminflt = 10;
    t->majflt = 3;
    t->cmajflt = 1;
    t->nvcsw = 11;
    t->nivcsw = 7;
    t->cpus_allowed = 3;
    t->has_mm = true;
    t->total_vm = 2560;
    t->hiwater_vm = 3000;
    t->rss_anon = 100;
    t->rss_file = 200;
    t->rss_shmem = 4;
    t->hiwater_rss = 400;
    t->data_vm = 300;
    t->stack_vm = 33;
    t->exec_vm = 500;
    t->pte_kb = 48;
    t->rsslim = UINT64_MAX;
    t->start_code = 0x400000;
    t->end_code = 0x410800;
    t->start_stack = 0xfffffffff000;
    t->start_data = 0x420000;
    t->end_data = 0x421000;
    t->start_brk = 0x430000;
    t->arg_start = 0xfffffffff100;
    t->arg_end = t->env_start = 0xfffffffff120;
    t->env_end = 0xfffffffff200;
    t->sig_pending = 0x100;
    t->sig_blocked = 0x10000;
    t->sig_ignored = 0x1000 | (1ull << 33);
    t->sig_caught = 0x4002;
    t->sigq_queued = 1;
    t->sigq_limit = 7823;
    if (tid == 43) {
        t->pid = 43;
        t->state = 'S';
        strcpy(t->comm, "worker-io");
        t->utime = 50;
        t->stime = 10;
        t->processor = 0;
        t->sig_pending = 0;
    }
}

static void fill_zombie(struct procfs_task_info *t)
{
    t->pid = t->tgid = 77;
    t->ppid = 42;
    t->pgid = 42;
    t->sid = 1;
    t->tpgid = -1;
    t->state = 'Z';
    strcpy(t->comm, "a) b");
    t->threads = 1;
    t->priority = 20;
    t->exit_signal = 17;
    t->exit_code = 9;
    t->utime = 7;
    t->stime = 3;
    t->start_time = 2000;
    t->rsslim = UINT64_MAX;
    t->uid[1] = 1000;
    t->sigq_limit = 7823;
    t->cpus_allowed = 1;
}

static int fake_task_info(void *ctx, int32_t tgid, int32_t tid, struct procfs_task_info *t)
{
    (void)ctx;
    if (!pid_exists(tgid))
        return -ESRCH;
    if (tgid == 42) {
        if (tid && tid != 42 && tid != 43 && tid != 45)
            return -ESRCH;
        fill_worker(t, tid);
        if (tid)
            t->pid = tid;
        return 0;
    }
    if (tid && tid != tgid)
        return -ESRCH;
    if (tgid == 1)
        fill_init(t);
    else if (tgid == 77)
        fill_zombie(t);
    else {
        fill_init(t);
        t->pid = t->tgid = tgid;
        strcpy(t->comm, "late");
    }
    return 0;
}

static const char worker_cmdline[] = "/usr/bin/worker\0--jobs\0"
                                     "4\0";
static const char worker_environ[] = "HOME=/home/w\0PATH=/bin\0";

static int64_t fake_read_area(void *ctx, int32_t tgid, enum procfs_area which, void *buf,
                              size_t len, uint64_t off)
{
    (void)ctx;
    if (!pid_exists(tgid))
        return -ESRCH;
    if (tgid != 42)
        return 0;
    const char *s = which == PROCFS_AREA_CMDLINE ? worker_cmdline : worker_environ;
    size_t n =
        which == PROCFS_AREA_CMDLINE ? sizeof(worker_cmdline) - 1 : sizeof(worker_environ) - 1;
    if (off >= n)
        return 0;
    size_t c = n - off < len ? n - off : len;
    memcpy(buf, s + off, c);
    return (int64_t)c;
}

/* Maps text of maps_len bytes: numbered lines, snprintf contract. */
static void make_maps(char *out, size_t n)
{
    size_t i = 0;
    for (unsigned line = 0; i < n; line++) {
        char l[64];
        int k = snprintf(l, sizeof(l), "%08x-%08x r-xp 00000000 00:00 0 %u\n", line * 4096,
                         line * 4096 + 4096, line);
        for (int j = 0; j < k && i < n; j++)
            out[i++] = l[j];
    }
}

static int64_t fake_maps(void *ctx, int32_t tgid, char *buf, size_t size)
{
    (void)ctx;
    if (!pid_exists(tgid))
        return -ESRCH;
    char *text = malloc(maps_len + 1);
    make_maps(text, maps_len);
    if (size) {
        size_t c = maps_len < size - 1 ? maps_len : size - 1;
        memcpy(buf, text, c);
        buf[c] = 0;
    }
    free(text);
    return (int64_t)maps_len;
}

static int copy_str(const char *s, char *buf, size_t size)
{
    size_t n = strlen(s);
    if (n > size)
        n = size;
    memcpy(buf, s, n);
    return (int)n;
}

static int fake_link(void *ctx, int32_t tgid, enum procfs_link which, char *buf, size_t size)
{
    (void)ctx;
    if (!pid_exists(tgid))
        return -ENOENT;
    if (tgid == 77)
        return which == PROCFS_LINK_EXE ? -ENOENT : copy_str("/", buf, size);
    switch (which) {
    case PROCFS_LINK_CWD:
        return copy_str(tgid == 42 ? "/sys" : "/", buf, size);
    case PROCFS_LINK_EXE:
        return copy_str(tgid == 42 ? "/usr/bin/worker" : "/sbin/init", buf, size);
    default:
        return copy_str("/", buf, size);
    }
}

static const char *const worker_fds[] = {"/dev/pts/0",  "pipe:[1234]", NULL,
                                         "socket:[99]", NULL,          "anon_inode:[eventfd]"};

static int32_t fake_next_fd(void *ctx, int32_t tgid, int32_t after)
{
    (void)ctx;
    if (tgid != 42)
        return -1;
    for (int32_t fd = after + 1; fd < 6; fd++)
        if (worker_fds[fd])
            return fd;
    return -1;
}

static int fake_fd_path(void *ctx, int32_t tgid, int32_t fd, char *buf, size_t size)
{
    (void)ctx;
    if (tgid != 42 || fd < 0 || fd >= 6 || !worker_fds[fd])
        return -ENOENT;
    return copy_str(worker_fds[fd], buf, size);
}

static int fake_mount(void *ctx, int32_t tgid, unsigned index, struct procfs_mount *m)
{
    (void)ctx;
    (void)tgid;
    static const char *const rows[][4] = {
        {"/dev/ram0", "/", "ext4", "rw,relatime"},
        {"proc", "/proc", "proc", "rw,nosuid,nodev,noexec,relatime"},
        {"", "/mnt/my disk\\x", "tmpfs", "rw"},
    };
    if (index >= 3)
        return -ENOENT;
    strcpy(m->device, rows[index][0]);
    strcpy(m->path, rows[index][1]);
    strcpy(m->fstype, rows[index][2]);
    strcpy(m->options, rows[index][3]);
    return 0;
}

static int fake_filesystem(void *ctx, unsigned index, char *name, bool *nodev)
{
    (void)ctx;
    static const char *const names[] = {"ext2", "ext3", "ext4", "proc", "tmpfs"};
    if (index >= 5)
        return -ENOENT;
    strcpy(name, names[index]);
    *nodev = index >= 3;
    return 0;
}

static int fake_sys_info(void *ctx, struct procfs_sys_info *s)
{
    (void)ctx;
    sys_info_calls++;
    s->uptime_ns = 4339780000000ull + 5000000; /* 4339.785 s */
    s->idle_ns = 5350500000000ull;
    s->load_x100[0] = 167;
    s->load_x100[1] = 148;
    s->load_x100[2] = 5;
    s->nr_running = 2;
    s->nr_threads = 5;
    s->last_pid = 300;
    s->ncpus = 2;
    s->btime = 1700000000;
    s->ctxt = 5791729;
    s->processes = 301;
    s->procs_running = 2;
    s->procs_blocked = 0;
    s->intr = 123456;
    for (int i = 0; i < 10; i++)
        s->softirq[i] = (uint64_t)i * 10;
    s->pid_max = 32768;
    s->overcommit_memory = 0;
    s->mem.mem_total = 2015768;
    s->mem.mem_free = 1500000;
    s->mem.mem_available = 1800000;
    s->mem.buffers = 1024;
    s->mem.cached = 200000;
    s->mem.shmem = 1234;
    s->mem.slab = 5000;
    s->mem.sreclaimable = 3000;
    s->mem.sunreclaim = 2000;
    s->mem.kreclaimable = 3000;
    s->mem.vmalloc_total = 135288315904ull;
    s->mem.hugepage_size = 2048;
    return 0;
}

static int fake_cpu_times(void *ctx, uint32_t cpu, struct procfs_cpu_times *t)
{
    (void)ctx;
    t->user = 1000 + cpu;
    t->nice = 2;
    t->system = 300;
    t->idle = 50000 + cpu * 10;
    t->iowait = 4;
    t->irq = 5;
    t->softirq = 6;
    return 0;
}

static int fake_cpu_id(void *ctx, uint32_t cpu, struct procfs_cpu_id *id)
{
    (void)ctx;
    id->midr = cpu ? 0x410fd083 : 0x411fd070; /* Cortex-A72 r0p3, Cortex-A57 r1p0 */
    id->bogomips_x100 = 12500;
    strcpy(id->features, "fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid");
    return 0;
}

static int fake_uts(void *ctx, struct procfs_uts *u)
{
    (void)ctx;
    strcpy(u->sysname, "Linux");
    strcpy(u->nodename, "exo");
    strcpy(u->release, "6.1.0-exo");
    strcpy(u->version, "#1 SMP PREEMPT");
    strcpy(u->domainname, "(none)");
    strcpy(u->builder, "builder@exo");
    strcpy(u->compiler, "aarch64-linux-gnu-gcc 12.2.0");
    strcpy(u->cmdline, "console=ttyAMA0 root=/dev/ram0");
    return 0;
}

static const struct procfs_provider fake = {
    .current = fake_current,
    .next_pid = fake_next_pid,
    .next_tid = fake_next_tid,
    .task_info = fake_task_info,
    .read_area = fake_read_area,
    .maps = fake_maps,
    .link = fake_link,
    .next_fd = fake_next_fd,
    .fd_path = fake_fd_path,
    .mount = fake_mount,
    .filesystem = fake_filesystem,
    .sys_info = fake_sys_info,
    .cpu_times = fake_cpu_times,
    .cpu_id = fake_cpu_id,
    .uts = fake_uts,
};

/* ---- Helpers ---- */

static struct vfs_mount *mnt;
static struct vfs_ctx ctx;

static int setup(void **state)
{
    (void)state;
    fst_init_env();
    procfs_set_provider(&fake);
    assert_int_equal(vfs_mount(&procfs_fs_type, NULL, 0, NULL, &mnt), 0);
    assert_int_equal(vfs_root(&ctx.root), 0);
    assert_int_equal(vfs_root(&ctx.cwd), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vfs_path_put(&ctx.root);
    vfs_path_put(&ctx.cwd);
    assert_int_equal(vfs_umount(mnt), 0);
    return 0;
}

/* The whole file as a NUL-terminated string (malloc'd); fails the test if it cannot. */
static char *slurp(const char *path)
{
    size_t len;
    uint8_t *b = fst_vfs_slurp(&ctx, path, &len);
    if (!b)
        fail_msg("cannot read %s", path);
    b = realloc(b, len + 1);
    b[len] = 0;
    return (char *)b;
}

static void expect_file(const char *path, const char *want)
{
    char *got = slurp(path);
    if (strcmp(got, want))
        fail_msg("%s:\n--- got ---\n%s\n--- want ---\n%s", path, got, want);
    free(got);
}

static char *host_proc(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *b = malloc(1 << 20);
    size_t len = fread(b, 1, (1 << 20) - 1, f);
    fclose(f);
    b[len] = 0;
    return b;
}

/* Space-separated fields after the ")" that ends comm, plus the two before it. */
static int stat_fields(const char *s)
{
    const char *p = strrchr(s, ')');
    assert_non_null(p);
    int n = 2;
    for (p++; *p && *p != '\n';) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '\n')
            break;
        n++;
        while (*p && *p != ' ' && *p != '\n')
            p++;
    }
    return n;
}

/* Line names ("Name" of "Name:\t...") in order; returns the count. */
static int line_keys(const char *text, char keys[][40], int max)
{
    int n = 0;
    for (const char *l = text; *l && n < max;) {
        const char *colon = strchr(l, ':'), *nl = strchr(l, '\n');
        if (colon && (!nl || colon < nl) && colon - l < 40) {
            memcpy(keys[n], l, (size_t)(colon - l));
            keys[n][colon - l] = 0;
            n++;
        }
        if (!nl)
            break;
        l = nl + 1;
    }
    return n;
}

static int key_index(char keys[][40], int n, const char *k)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(keys[i], k))
            return i;
    return -1;
}

/*
 * Every line name of ours that the host also has appears in the host's order, and every
 * name in required exists on both sides.
 */
static void check_key_order(const char *ours, const char *host, const char *const *required)
{
    static char ok[256][40], hk[256][40];
    int on = line_keys(ours, ok, 256), hn = line_keys(host, hk, 256);
    int last = -1;
    for (int i = 0; i < on; i++) {
        int h = key_index(hk, hn, ok[i]);
        if (h < 0)
            continue;
        if (h < last)
            fail_msg("line %s out of the host's order", ok[i]);
        last = h;
    }
    for (; *required; required++) {
        if (key_index(ok, on, *required) < 0)
            fail_msg("missing line %s", *required);
        if (key_index(hk, hn, *required) < 0)
            fail_msg("host lacks line %s", *required);
    }
}

struct names {
    char name[64][32];
    unsigned type[64];
    uint64_t ino[64];
    int n;
};

static int collect(void *c, const char *name, size_t len, uint64_t ino, unsigned type,
                   uint64_t pos_next)
{
    (void)pos_next;
    struct names *l = c;
    assert_true(l->n < 64 && len < 32);
    memcpy(l->name[l->n], name, len);
    l->name[l->n][len] = 0;
    l->type[l->n] = type;
    l->ino[l->n] = ino;
    l->n++;
    return 0;
}

static void list_dir(const char *path, struct names *out)
{
    memset(out, 0, sizeof(*out));
    struct vfs_file *f;
    assert_int_equal(vfs_open(&ctx, path, VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
    assert_int_equal(vfs_readdir(f, collect, out), 0);
    vfs_file_put(f);
}

/* "a b c" against the listing, in order. */
static void expect_names(const struct names *l, const char *want)
{
    char got[2048] = "";
    for (int i = 0; i < l->n; i++) {
        if (i)
            strcat(got, " ");
        strcat(got, l->name[i]);
    }
    if (strcmp(got, want))
        fail_msg("listing \"%s\", want \"%s\"", got, want);
}

static void expect_link(const char *path, const char *want)
{
    char buf[256];
    int n = vfs_readlink(&ctx, path, buf, sizeof(buf));
    if (n < 0)
        fail_msg("readlink %s: %d", path, n);
    buf[n] = 0;
    assert_string_equal(buf, want);
}

/* A readdir callback that takes only the first entry it is offered. */
static int take_one(void *c, const char *name, size_t len, uint64_t ino, unsigned type,
                    uint64_t pos_next)
{
    struct names *t = c;
    if (t->n)
        return 1;
    return collect(c, name, len, ino, type, pos_next);
}

/* ---- Tests ---- */

static void test_root_listing(void **state)
{
    (void)state;
    struct names l;
    list_dir("/", &l);
    expect_names(&l, ". .. self thread-self mounts meminfo stat uptime loadavg cpuinfo "
                     "filesystems version cmdline sys 1 42 77");
    for (int i = 0; i < l.n; i++) {
        struct vfs_stat st;
        char p[64];
        snprintf(p, sizeof(p), "/%s", l.name[i]);
        assert_int_equal(vfs_stat(&ctx, p, false, &st), 0);
        assert_int_equal(vfs_mode_to_dt(st.mode), l.type[i]);
        if (i >= 2)
            assert_int_equal(st.ino, l.ino[i]);
        if (VFS_S_ISREG(st.mode))
            assert_int_equal(st.size, 0); /* like Linux */
    }
    /* resuming a listing from a cookie in the middle: one entry at a time */
    struct vfs_file *f;
    assert_int_equal(vfs_open(&ctx, "/", VFS_O_RDONLY, 0, &f), 0);
    struct names one = {0};
    for (int i = 0; i < 40; i++) {
        int before = one.n;
        struct names tmp = {0};
        assert_int_equal(vfs_readdir(f, take_one, &tmp), 0);
        if (!tmp.n)
            break;
        strcpy(one.name[one.n++], tmp.name[0]);
        assert_int_equal(one.n, before + 1);
    }
    vfs_file_put(f);
    expect_names(&one, ". .. self thread-self mounts meminfo stat uptime loadavg cpuinfo "
                       "filesystems version cmdline sys 1 42 77");
    list_dir("/42", &l);
    expect_names(&l, ". .. cmdline comm cwd environ exe fd maps mounts root stat statm status "
                     "task");
    list_dir("/42/task", &l);
    expect_names(&l, ". .. 42 43 45");
    list_dir("/42/task/43", &l);
    expect_names(&l, ". .. cmdline comm stat statm status");
    list_dir("/42/fd", &l);
    expect_names(&l, ". .. 0 1 3 5");
    for (int i = 2; i < l.n; i++)
        assert_int_equal(l.type[i], VFS_DT_LNK);
    list_dir("/sys", &l);
    expect_names(&l, ". .. kernel vm");
    list_dir("/sys/kernel", &l);
    expect_names(&l, ". .. hostname domainname ostype osrelease pid_max");
    list_dir("/sys/vm", &l);
    expect_names(&l, ". .. overcommit_memory");
}

static void test_symlinks(void **state)
{
    (void)state;
    expect_link("/self", "42");
    expect_link("/thread-self", "42/task/43");
    expect_link("/mounts", "self/mounts");
    expect_link("/42/exe", "/usr/bin/worker");
    expect_link("/42/cwd", "/sys");
    expect_link("/42/root", "/");
    expect_link("/42/fd/0", "/dev/pts/0");
    expect_link("/42/fd/1", "pipe:[1234]");
    expect_link("/42/fd/3", "socket:[99]");
    expect_link("/42/fd/5", "anon_inode:[eventfd]");
    char buf[64];
    assert_int_equal(vfs_readlink(&ctx, "/42/fd/2", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(vfs_readlink(&ctx, "/77/exe", buf, sizeof(buf)), -ENOENT);
    /* following them: self, thread-self, and cwd ("/sys" inside this procfs root) */
    struct vfs_stat a, b;
    assert_int_equal(vfs_stat(&ctx, "/self/status", true, &a), 0);
    assert_int_equal(vfs_stat(&ctx, "/42/status", true, &b), 0);
    assert_int_equal(a.ino, b.ino);
    assert_int_equal(vfs_stat(&ctx, "/thread-self/comm", true, &a), 0);
    assert_int_equal(vfs_stat(&ctx, "/42/task/43/comm", true, &b), 0);
    assert_int_equal(a.ino, b.ino);
    assert_int_equal(vfs_stat(&ctx, "/self/cwd/kernel/hostname", true, &a), 0);
    expect_file("/thread-self/comm", "worker-io\n");
    expect_file("/self/comm", "worker\n");
    /* ownership follows the effective ids */
    assert_int_equal(vfs_stat(&ctx, "/42", true, &a), 0);
    assert_int_equal(a.uid, 1000);
    assert_int_equal(a.gid, 100);
    assert_true(VFS_S_ISDIR(a.mode));
    assert_int_equal(vfs_stat(&ctx, "/42/fd/1", false, &a), 0);
    assert_true(VFS_S_ISLNK(a.mode));
}

static void test_pid_stat(void **state)
{
    (void)state;
    const char *want42 = "42 (worker) R 1 42 1 34816 42 4194368 1000 10 3 1 150 30 5 2 20 0 3 0 "
                         "1234 10485760 304 18446744073709551615 4194304 4261888 281474976706560 "
                         "0 0 256 65536 4096 16386 0 0 0 17 1 0 0 0 0 0 4325376 4329472 4390912 "
                         "281474976706816 281474976706848 281474976706848 281474976707072 0\n";
    expect_file("/42/stat", want42);
    expect_file("/self/stat", want42);
    expect_file("/42/task/43/stat",
                "43 (worker-io) S 1 42 1 34816 42 4194368 1000 10 3 1 50 10 5 2 20 0 3 0 "
                "1234 10485760 304 18446744073709551615 4194304 4261888 281474976706560 "
                "0 0 0 65536 4096 16386 0 0 0 17 0 0 0 0 0 0 4325376 4329472 4390912 "
                "281474976706816 281474976706848 281474976706848 281474976707072 0\n");
    /* the zombie: no memory figures, a comm with ") " that parsers must take from the end */
    expect_file("/77/stat", "77 (a) b) Z 42 42 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 2000 0 0 "
                            "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 "
                            "0 0 0 9\n");
    /* 52 fields, like the host kernel's */
    char *host = host_proc("/proc/self/stat");
    assert_int_equal(stat_fields(host), 52);
    free(host);
    const char *files[] = {"/1/stat", "/42/stat", "/77/stat", "/42/task/45/stat"};
    for (size_t i = 0; i < 4; i++) {
        char *s = slurp(files[i]);
        assert_int_equal(stat_fields(s), 52);
        free(s);
    }
}

static void test_statm(void **state)
{
    (void)state;
    /* size resident shared text lib data dt */
    expect_file("/42/statm", "2560 304 204 17 0 333 0\n");
    expect_file("/77/statm", "0 0 0 0 0 0 0\n");
    char *host = host_proc("/proc/self/statm");
    int n = 0;
    for (char *t = strtok(host, " \n"); t; t = strtok(NULL, " \n"))
        n++;
    assert_int_equal(n, 7);
    free(host);
}

static const char worker_status[] = "Name:\tworker\n"
                                    "Umask:\t0022\n"
                                    "State:\tR (running)\n"
                                    "Tgid:\t42\n"
                                    "Ngid:\t0\n"
                                    "Pid:\t42\n"
                                    "PPid:\t1\n"
                                    "TracerPid:\t0\n"
                                    "Uid:\t1000\t1000\t1001\t1000\n"
                                    "Gid:\t100\t100\t100\t100\n"
                                    "FDSize:\t64\n"
                                    "Groups:\t4 24 \n"
                                    "NStgid:\t42\n"
                                    "NSpid:\t42\n"
                                    "NSpgid:\t42\n"
                                    "NSsid:\t1\n"
                                    "VmPeak:\t   12000 kB\n"
                                    "VmSize:\t   10240 kB\n"
                                    "VmLck:\t       0 kB\n"
                                    "VmPin:\t       0 kB\n"
                                    "VmHWM:\t    1600 kB\n"
                                    "VmRSS:\t    1216 kB\n"
                                    "RssAnon:\t     400 kB\n"
                                    "RssFile:\t     800 kB\n"
                                    "RssShmem:\t      16 kB\n"
                                    "VmData:\t    1200 kB\n"
                                    "VmStk:\t     132 kB\n"
                                    "VmExe:\t      68 kB\n"
                                    "VmLib:\t    1932 kB\n"
                                    "VmPTE:\t      48 kB\n"
                                    "VmSwap:\t       0 kB\n"
                                    "HugetlbPages:\t       0 kB\n"
                                    "CoreDumping:\t0\n"
                                    "THP_enabled:\t1\n"
                                    "Threads:\t3\n"
                                    "SigQ:\t1/7823\n"
                                    "SigPnd:\t0000000000000100\n"
                                    "ShdPnd:\t0000000000000000\n"
                                    "SigBlk:\t0000000000010000\n"
                                    "SigIgn:\t0000000200001000\n"
                                    "SigCgt:\t0000000000004002\n"
                                    "CapInh:\t0000000000000000\n"
                                    "CapPrm:\t0000000000000000\n"
                                    "CapEff:\t0000000000000000\n"
                                    "CapBnd:\t000001ffffffffff\n"
                                    "CapAmb:\t0000000000000000\n"
                                    "NoNewPrivs:\t0\n"
                                    "Seccomp:\t0\n"
                                    "Seccomp_filters:\t0\n"
                                    "Speculation_Store_Bypass:\tunknown\n"
                                    "SpeculationIndirectBranch:\tunsupported\n"
                                    "Cpus_allowed:\t3\n"
                                    "Cpus_allowed_list:\t0-1\n"
                                    "Mems_allowed:\t00000000,00000001\n"
                                    "Mems_allowed_list:\t0\n"
                                    "voluntary_ctxt_switches:\t11\n"
                                    "nonvoluntary_ctxt_switches:\t7\n";

static void test_status(void **state)
{
    (void)state;
    expect_file("/42/status", worker_status);
    char *z = slurp("/77/status");
    /* a zombie has no mm and no fs: no Vm lines, no Umask; its name is shown verbatim */
    assert_non_null(strstr(z, "Name:\ta) b\nState:\tZ (zombie)\nTgid:\t77\n"));
    assert_null(strstr(z, "Vm"));
    assert_null(strstr(z, "Umask"));
    assert_non_null(strstr(z, "\nGroups:\t \n"));
    assert_non_null(strstr(z, "\nThreads:\t1\nSigQ:\t0/7823\n"));
    assert_non_null(strstr(z, "\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n"));
    free(z);
    char *t = slurp("/42/task/43/status");
    assert_non_null(strstr(t, "Name:\tworker-io\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\n"
                              "Ngid:\t0\nPid:\t43\n"));
    free(t);
    /* line names and order against the host kernel's */
    static const char *const required[] = {"Name",
                                           "Umask",
                                           "State",
                                           "Tgid",
                                           "Ngid",
                                           "Pid",
                                           "PPid",
                                           "TracerPid",
                                           "Uid",
                                           "Gid",
                                           "FDSize",
                                           "Groups",
                                           "NStgid",
                                           "NSpid",
                                           "NSpgid",
                                           "NSsid",
                                           "VmPeak",
                                           "VmSize",
                                           "VmLck",
                                           "VmPin",
                                           "VmHWM",
                                           "VmRSS",
                                           "RssAnon",
                                           "RssFile",
                                           "RssShmem",
                                           "VmData",
                                           "VmStk",
                                           "VmExe",
                                           "VmLib",
                                           "VmPTE",
                                           "VmSwap",
                                           "Threads",
                                           "SigQ",
                                           "SigPnd",
                                           "ShdPnd",
                                           "SigBlk",
                                           "SigIgn",
                                           "SigCgt",
                                           "CapInh",
                                           "CapPrm",
                                           "CapEff",
                                           "CapBnd",
                                           "CapAmb",
                                           "NoNewPrivs",
                                           "Seccomp",
                                           "Cpus_allowed",
                                           "Cpus_allowed_list",
                                           "Mems_allowed",
                                           "Mems_allowed_list",
                                           "voluntary_ctxt_switches",
                                           "nonvoluntary_ctxt_switches",
                                           NULL};
    char *host = host_proc("/proc/self/status");
    check_key_order(worker_status, host, required);
    free(host);
}

static void test_cmdline_environ_maps(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = fst_vfs_slurp(&ctx, "/42/cmdline", &len);
    assert_int_equal(len, sizeof(worker_cmdline) - 1);
    assert_memory_equal(b, worker_cmdline, len);
    free(b);
    b = fst_vfs_slurp(&ctx, "/self/environ", &len);
    assert_int_equal(len, sizeof(worker_environ) - 1);
    assert_memory_equal(b, worker_environ, len);
    free(b);
    /* a read at an offset */
    struct vfs_file *f;
    char buf[8];
    assert_int_equal(vfs_open(&ctx, "/42/cmdline", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_pread(f, buf, 6, 16), 6);
    assert_memory_equal(buf, "--jobs", 6);
    vfs_file_put(f);
    b = fst_vfs_slurp(&ctx, "/77/cmdline", &len);
    assert_int_equal(len, 0);
    free(b);
    /* maps larger than procfs's first buffer, read in odd pieces */
    maps_len = 100000;
    char *want = malloc(maps_len + 1);
    make_maps(want, maps_len);
    want[maps_len] = 0;
    expect_file("/42/maps", want);
    assert_int_equal(vfs_open(&ctx, "/42/maps", VFS_O_RDONLY, 0, &f), 0);
    size_t off = 0;
    char piece[777];
    int64_t n;
    while ((n = vfs_read(f, piece, sizeof(piece))) > 0) {
        assert_memory_equal(piece, want + off, (size_t)n);
        off += (size_t)n;
    }
    assert_int_equal(n, 0);
    assert_int_equal(off, maps_len);
    vfs_file_put(f);
    free(want);
    maps_len = 200;
}

static void test_meminfo(void **state)
{
    (void)state;
    char *m = slurp("/meminfo");
    const char *head = "MemTotal:        2015768 kB\n"
                       "MemFree:         1500000 kB\n"
                       "MemAvailable:    1800000 kB\n"
                       "Buffers:            1024 kB\n"
                       "Cached:           200000 kB\n"
                       "SwapCached:            0 kB\n";
    assert_true(!strncmp(m, head, strlen(head)));
    assert_non_null(strstr(m, "\nSwapTotal:             0 kB\nSwapFree:              0 kB\n"));
    assert_non_null(strstr(m, "\nShmem:              1234 kB\nKReclaimable:       3000 kB\n"
                              "Slab:               5000 kB\nSReclaimable:       3000 kB\n"
                              "SUnreclaim:         2000 kB\n"));
    assert_non_null(strstr(m, "\nVmallocTotal:   135288315904 kB\n"));
    assert_non_null(strstr(m, "\nHardwareCorrupted:     0 kB\n"));
    assert_non_null(strstr(m, "\nHugePages_Total:       0\nHugePages_Free:        0\n"
                              "HugePages_Rsvd:        0\nHugePages_Surp:        0\n"
                              "Hugepagesize:       2048 kB\nHugetlb:               0 kB\n"));
    /* every line has the host's width (values below 10^8): 16 + 8 + " kB" */
    for (char *l = m; *l;) {
        char *nl = strchr(l, '\n');
        assert_non_null(nl);
        if (strncmp(l, "VmallocTotal", 12) && strncmp(l, "HugePages_", 10))
            assert_int_equal(nl - l, 27);
        l = nl + 1;
    }
    static const char *const required[] = {
        "MemTotal",       "MemFree",         "MemAvailable",   "Buffers",
        "Cached",         "SwapCached",      "Active",         "Inactive",
        "Active(anon)",   "Inactive(anon)",  "Active(file)",   "Inactive(file)",
        "Unevictable",    "Mlocked",         "SwapTotal",      "SwapFree",
        "Dirty",          "Writeback",       "AnonPages",      "Mapped",
        "Shmem",          "KReclaimable",    "Slab",           "SReclaimable",
        "SUnreclaim",     "KernelStack",     "PageTables",     "NFS_Unstable",
        "Bounce",         "WritebackTmp",    "CommitLimit",    "Committed_AS",
        "VmallocTotal",   "VmallocUsed",     "VmallocChunk",   "Percpu",
        "AnonHugePages",  "ShmemHugePages",  "ShmemPmdMapped", "FileHugePages",
        "FilePmdMapped",  "HugePages_Total", "HugePages_Free", "HugePages_Rsvd",
        "HugePages_Surp", "Hugepagesize",    "Hugetlb",        NULL};
    char *host = host_proc("/proc/meminfo");
    check_key_order(m, host, required);
    /* the host's lines have the same width */
    char *nl = strchr(host, '\n');
    assert_int_equal(nl - host, 27);
    free(host);
    free(m);
}

static void test_stat_uptime_loadavg(void **state)
{
    (void)state;
    expect_file("/stat", "cpu  2001 4 600 100010 8 10 12 0 0 0\n"
                         "cpu0 1000 2 300 50000 4 5 6 0 0 0\n"
                         "cpu1 1001 2 300 50010 4 5 6 0 0 0\n"
                         "intr 123456\n"
                         "ctxt 5791729\n"
                         "btime 1700000000\n"
                         "processes 301\n"
                         "procs_running 2\n"
                         "procs_blocked 0\n"
                         "softirq 450 0 10 20 30 40 50 60 70 80 90\n");
    expect_file("/uptime", "4339.78 5350.50\n");
    expect_file("/loadavg", "1.67 1.48 0.05 2/5 300\n");
    /* host shapes: "cpu  " + 10 numbers; uptime "%lu.%02lu %lu.%02lu"; loadavg 5 fields */
    char *host = host_proc("/proc/stat");
    assert_true(!strncmp(host, "cpu  ", 5));
    int n = 0;
    for (char *t = strtok(strtok(host, "\n") + 5, " "); t; t = strtok(NULL, " "))
        n++;
    assert_int_equal(n, 10);
    free(host);
    host = host_proc("/proc/uptime");
    unsigned long a, b, c, d;
    char tail;
    assert_int_equal(sscanf(host, "%lu.%2lu %lu.%2lu%c", &a, &b, &c, &d, &tail), 5);
    assert_int_equal(tail, '\n');
    assert_int_equal(strchr(host, ' ') - strchr(host, '.'), 3);
    free(host);
    host = host_proc("/proc/loadavg");
    int nr, tot, last;
    float l1, l5, l15;
    assert_int_equal(sscanf(host, "%f %f %f %d/%d %d", &l1, &l5, &l15, &nr, &tot, &last), 6);
    free(host);
}

static void test_cpuinfo_misc(void **state)
{
    (void)state;
    expect_file("/cpuinfo", "processor\t: 0\n"
                            "BogoMIPS\t: 125.00\n"
                            "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n"
                            "CPU implementer\t: 0x41\n"
                            "CPU architecture: 8\n"
                            "CPU variant\t: 0x1\n"
                            "CPU part\t: 0xd07\n"
                            "CPU revision\t: 0\n"
                            "\n"
                            "processor\t: 1\n"
                            "BogoMIPS\t: 125.00\n"
                            "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n"
                            "CPU implementer\t: 0x41\n"
                            "CPU architecture: 8\n"
                            "CPU variant\t: 0x0\n"
                            "CPU part\t: 0xd08\n"
                            "CPU revision\t: 3\n"
                            "\n");
    expect_file("/version", "Linux version 6.1.0-exo (builder@exo) (aarch64-linux-gnu-gcc 12.2.0) "
                            "#1 SMP PREEMPT\n");
    expect_file("/cmdline", "console=ttyAMA0 root=/dev/ram0\n");
    expect_file("/sys/kernel/hostname", "exo\n");
    expect_file("/sys/kernel/domainname", "(none)\n");
    expect_file("/sys/kernel/ostype", "Linux\n");
    expect_file("/sys/kernel/osrelease", "6.1.0-exo\n");
    expect_file("/sys/kernel/pid_max", "32768\n");
    expect_file("/sys/vm/overcommit_memory", "0\n");
    expect_file("/filesystems", "\text2\n\text3\n\text4\nnodev\tproc\nnodev\ttmpfs\n");
    const char *mounts = "/dev/ram0 / ext4 rw,relatime 0 0\n"
                         "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
                         "none /mnt/my\\040disk\\134x tmpfs rw 0 0\n";
    expect_file("/mounts", mounts);
    expect_file("/42/mounts", mounts);
    /* host layouts: filesystems "nodev\tname" / "\tname", mounts six fields */
    char *host = host_proc("/proc/filesystems");
    assert_true(!strncmp(host, "nodev\t", 6) || host[0] == '\t');
    free(host);
    host = host_proc("/proc/self/mounts");
    char f[6][512];
    assert_int_equal(
        sscanf(host, "%511s %511s %511s %511s %511s %511s", f[0], f[1], f[2], f[3], f[4], f[5]), 6);
    assert_string_equal(f[4], "0");
    assert_string_equal(f[5], "0");
    free(host);
}

static void test_lifecycle_and_errors(void **state)
{
    (void)state;
    struct vfs_stat st;
    /* a pid looked up before it exists is found once it does (no stale negative dentry) */
    assert_int_equal(vfs_stat(&ctx, "/300", true, &st), -ENOENT);
    late_alive = true;
    assert_int_equal(vfs_stat(&ctx, "/300", true, &st), 0);
    expect_file("/300/comm", "late\n");
    struct names l;
    list_dir("/", &l);
    assert_string_equal(l.name[l.n - 1], "300");
    late_alive = false;
    assert_int_equal(vfs_stat(&ctx, "/300", true, &st), -ENOENT);
    assert_int_equal(vfs_stat(&ctx, "/300/stat", true, &st), -ENOENT);
    /* a file opened while its process lived reports ESRCH once it is gone */
    struct vfs_file *f;
    assert_int_equal(vfs_open(&ctx, "/42/stat", VFS_O_RDONLY, 0, &f), 0);
    worker_alive = false;
    char buf[64];
    assert_int_equal(vfs_read(f, buf, sizeof(buf)), -ESRCH);
    assert_int_equal(vfs_stat(&ctx, "/42", true, &st), -ENOENT);
    worker_alive = true;
    assert_true(vfs_read(f, buf, sizeof(buf)) > 0);
    vfs_file_put(f);
    /* names that are not pids, threads or descriptors */
    const char *bad[] = {"/0",          "/042",      "/-1",       "/99999999",      "/1x",
                         "/42/task/44", "/42/fd/2",  "/42/fd/01", "/42/task/43/fd", "/nope",
                         "/sys/nope",   "/1/task/42"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (vfs_stat(&ctx, bad[i], false, &st) != -ENOENT)
            fail_msg("%s exists", bad[i]);
    /* read-only */
    assert_int_equal(vfs_open(&ctx, "/42/comm", VFS_O_WRONLY, 0, &f), -EROFS);
    assert_int_equal(vfs_open(&ctx, "/sys/kernel/hostname", VFS_O_RDWR, 0, &f), -EROFS);
    assert_int_equal(vfs_open(&ctx, "/newfile", VFS_O_WRONLY | VFS_O_CREAT, 0644, &f), -EROFS);
    assert_int_equal(vfs_mkdir(&ctx, "/d", 0755), -EROFS);
    assert_int_equal(vfs_unlink(&ctx, "/meminfo"), -EROFS);
    assert_int_equal(vfs_open(&ctx, "/42", VFS_O_RDONLY, 0, &f), 0);
    assert_int_equal(vfs_read(f, buf, sizeof(buf)), -EISDIR);
    vfs_file_put(f);
    struct vfs_statfs sf;
    assert_int_equal(vfs_statfs(&ctx, "/self", &sf), 0);
    assert_int_equal(sf.type, PROCFS_SUPER_MAGIC);
    /* no dentries linger: everything but the root is freed once unused */
    assert_int_equal(mnt->sb->nr_dentries, 1);
}

/* Copies the VFS tree at path into host directory dir (files, symlinks, directories). */
static void dump_tree(const char *path, const char *dir)
{
    struct names l;
    list_dir(path, &l);
    for (int i = 2; i < l.n; i++) {
        char vp[512], hp[512];
        snprintf(vp, sizeof(vp), "%s/%s", strcmp(path, "/") ? path : "", l.name[i]);
        snprintf(hp, sizeof(hp), "%s/%s", dir, l.name[i]);
        if (l.type[i] == VFS_DT_DIR) {
            assert_int_equal(mkdir(hp, 0755), 0);
            dump_tree(vp, hp);
        } else if (l.type[i] == VFS_DT_LNK) {
            char t[512];
            int n = vfs_readlink(&ctx, vp, t, sizeof(t) - 1);
            if (n == -ENOENT) /* a zombie's exe */
                continue;
            assert_true(n > 0);
            t[n] = 0;
            assert_int_equal(symlink(t, hp), 0);
        } else {
            size_t len;
            uint8_t *b = fst_vfs_slurp(&ctx, vp, &len);
            assert_non_null(b);
            FILE *f = fopen(hp, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(b, 1, len, f), len);
            fclose(f);
            free(b);
        }
    }
}

/*
 * Runs cmd with our tree (dir) bind-mounted on /proc, in private mount and PID namespaces so
 * the tool is PID 1 (procps reads /proc/<its own pid>/status: here our init's); returns its
 * output (malloc'd).
 */
static char *run_on_tree(const char *tmp, const char *dir, const char *cmd)
{
    char out[700];
    snprintf(out, sizeof(out), "%s/cmd.out", tmp);
    int st = fst_sh("unshare -m -p -f sh -c 'mount --bind \"%s\" /proc && exec %s' > '%s' 2>&1",
                    dir, cmd, out);
    char *text = host_proc(out);
    if (st)
        fail_msg("%s: status %d: %s", cmd, st, text);
    return text;
}

static void expect_contains(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("no \"%s\" in:\n%s", want, text);
}

/*
 * The real procps tools parse our files: the tree is copied to a directory that is
 * bind-mounted on /proc, and ps, free, uptime and top run there. Skipped (with a message) where
 * unshare(1) or procps is missing.
 */
static void test_procps_parses(void **state)
{
    (void)state;
    if (fst_sh("unshare -m -p -f true 2>/dev/null") != 0 ||
        fst_sh("for t in ps free uptime top; do command -v $t >/dev/null || exit 1; done")) {
        print_message("procps check skipped: no unshare -mpf or no procps\n");
        skip();
    }
    char *tmp = fst_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/proc", tmp);
    assert_int_equal(mkdir(dir, 0755), 0);
    dump_tree("/", dir);

    char *t = run_on_tree(tmp, dir, "ps -eo pid,ppid,pgid,sid,stat,nlwp,time,rss,vsz,comm");
    expect_contains(t, "  PID  PPID  PGID   SID STAT NLWP     TIME   RSS    VSZ COMMAND\n");
    /* multithreaded (l), foreground (+): tpgid == pgid; 180 ticks; rss and vsz in kB */
    expect_contains(t, "   42     1    42     1 Rl+     3 00:00:01  1216  10240 worker\n");
    expect_contains(t, "   77    42    42     1 Z       1 00:00:00     0      0 a) b\n");
    expect_contains(t, "    1     0     1     1 Ss      1 00:00:00   120   4000 init\n");
    free(t);
    t = run_on_tree(tmp, dir, "ps -Lo pid,lwp,stat,comm -p 42");
    expect_contains(t, "   42    42 Rl+  worker\n   42    43 Sl+  worker-io\n"
                       "   42    45 Rl+  worker\n");
    free(t);
    t = run_on_tree(tmp, dir, "free");
    /* used = total - free - (buffers + cached + SReclaimable) */
    expect_contains(t, "Mem:         2015768      215768     1500000        1234      204024     "
                       "1800000\nSwap:              0           0           0\n");
    free(t);
    t = run_on_tree(tmp, dir, "uptime");
    expect_contains(t, " up  1:12, ");
    expect_contains(t, "load average: 1.67, 1.48, 0.05\n");
    free(t);
    t = run_on_tree(tmp, dir, "top -bn1 -w 100");
    expect_contains(t, "Tasks:   3 total,   1 running,   1 sleeping,   0 stopped,   1 zombie\n");
    expect_contains(t,
                    "MiB Mem :   1968.5 total,   1464.8 free,    210.7 used,    199.2 buff/cache");
    expect_contains(t, "  10240   1216    816 R   0.0   0.1   0:01.80 worker\n");
    expect_contains(t, "      0      0      0 Z   0.0   0.0   0:00.10 a) b\n");
    free(t);
    fst_rmtree(tmp);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_listing),  cmocka_unit_test(test_symlinks),
        cmocka_unit_test(test_pid_stat),      cmocka_unit_test(test_statm),
        cmocka_unit_test(test_status),        cmocka_unit_test(test_cmdline_environ_maps),
        cmocka_unit_test(test_meminfo),       cmocka_unit_test(test_stat_uptime_loadavg),
        cmocka_unit_test(test_cpuinfo_misc),  cmocka_unit_test(test_lifecycle_and_errors),
        cmocka_unit_test(test_procps_parses),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
