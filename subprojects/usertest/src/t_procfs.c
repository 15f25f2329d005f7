/* procfs/: the /proc files programs commonly read.
 *
 * Under qemu-user part of /proc/self is synthesized by the emulator (stat, maps, cmdline,
 * exe) and the rest is the host's view of the emulator process; the checks here are
 * chosen to hold on Linux either way, and a check that cannot hold there is a SKIP. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];

static void self_stat(void)
{
    ut_read_file("/proc/self/stat", buf, sizeof(buf));
    int pid = 0;
    CHECK_EQ(sscanf(buf, "%d ", &pid), 1);
    CHECK_EQ(pid, getpid());
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    CHECK(open && close && close > open);
    const char *base = strrchr(ut_self_path, '/');
    base = base ? base + 1 : ut_self_path;
    CHECK_EQ(strncmp(open + 1, base, close - open - 1), 0); /* comm: up to 15 chars */
    char state = 0;
    int ppid = 0;
    CHECK_EQ(sscanf(close + 1, " %c %d", &state, &ppid), 2);
    CHECK_EQ(ppid, getppid());
    if (!ut_under_qemu_user()) /* qemu-user writes 0 for fields it does not emulate */
        CHECK(strchr("RSDTtXZIPWK", state) != NULL);
    /* /proc/<pid>/stat names the same process. */
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", getpid());
    static char again[4096];
    ut_read_file(path, again, sizeof(again));
    CHECK_EQ(atoi(again), getpid());
}

static void self_status_name(void)
{
    CHECK_SYS(prctl(PR_SET_NAME, "ut-status-nm", 0, 0, 0));
    ut_read_file("/proc/self/status", buf, sizeof(buf));
    char *name = strstr(buf, "Name:");
    CHECK(name == buf); /* the first line */
    char value[32] = "";
    CHECK_EQ(sscanf(name, "Name:\t%31s", value), 1);
    CHECK_STR(value, "ut-status-nm");
    char *pidline = strstr(buf, "\nPid:");
    CHECK(pidline != NULL);
    CHECK_EQ(atoi(pidline + 5), getpid());
    char *ppidline = strstr(buf, "\nPPid:");
    CHECK(ppidline != NULL);
    CHECK_EQ(atoi(ppidline + 6), getppid());
    char comm[32];
    ut_read_file("/proc/self/comm", comm, sizeof(comm));
    CHECK_STR(comm, "ut-status-nm\n");
}

static void self_cmdline(void)
{
    size_t n = ut_read_file("/proc/self/cmdline", buf, sizeof(buf));
    size_t off = 0;
    for (int i = 0; i < ut_argc; i++) {
        size_t len = strlen(ut_argv[i]) + 1;
        CHECK(off + len <= n);
        if (memcmp(buf + off, ut_argv[i], len) != 0)
            FAIL("argument %d in /proc/self/cmdline is \"%s\", expected \"%s\"", i, buf + off,
                 ut_argv[i]);
        off += len;
    }
    CHECK_EQ(off, n);
}

/* Find the /proc/self/maps line whose range contains addr; copy it into line. */
static bool maps_line_for(uintptr_t addr, char *line, size_t cap)
{
    ut_read_file("/proc/self/maps", buf, sizeof(buf));
    for (char *l = buf; *l;) {
        char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        unsigned long lo, hi;
        if (sscanf(l, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi) {
            snprintf(line, cap, "%.*s", (int)len, l);
            return true;
        }
        l += len + (nl ? 1 : 0);
    }
    return false;
}

static void self_maps(void)
{
    char line[512];
    volatile char local = 1;
    CHECK(maps_line_for((uintptr_t)&local, line, sizeof(line)));
    if (!strstr(line, "[stack]"))
        FAIL("the stack is not labelled: %s", line);
    CHECK(strstr(line, " rw-p ") != NULL);

    /* A fresh mapping shows up with its permissions, and goes away with munmap. */
    char *p = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_SYS(mprotect(p + 4096, 4096, PROT_READ | PROT_WRITE));
    CHECK(maps_line_for((uintptr_t)p, line, sizeof(line)));
    unsigned long lo, hi;
    char perms[8];
    CHECK_EQ(sscanf(line, "%lx-%lx %7s", &lo, &hi, perms), 3);
    CHECK_EQ(lo, (uintptr_t)p);
    CHECK_EQ(hi, (uintptr_t)p + 4096); /* split by the mprotect */
    CHECK_STR(perms, "r--p");
    CHECK(maps_line_for((uintptr_t)p + 4096, line, sizeof(line)));
    CHECK_EQ(sscanf(line, "%lx-%lx %7s", &lo, &hi, perms), 3);
    CHECK_STR(perms, "rw-p");
    CHECK_SYS(munmap(p, 3 * 4096));
    CHECK(!maps_line_for((uintptr_t)p + 4096, line, sizeof(line)));

    /* Our own code is mapped executable from the program file. */
    CHECK(maps_line_for((uintptr_t)&self_maps, line, sizeof(line)));
    CHECK_EQ(sscanf(line, "%lx-%lx %7s", &lo, &hi, perms), 3);
    CHECK(perms[0] == 'r' && perms[2] == 'x');
    const char *base = strrchr(ut_self_path, '/');
    if (!strstr(line, base ? base + 1 : ut_self_path))
        FAIL("the text mapping does not name the program: %s", line);
}

static void self_exe(void)
{
    char target[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", target, sizeof(target) - 1);
    if (n < 0 && errno == ENOENT && ut_argv[0][0] != '/' && ut_under_qemu_user())
        SKIP("qemu-user resolves /proc/self/exe from the relative program path \"%s\" "
             "against the current directory",
             ut_argv[0]);
    if (n < 0)
        FAIL("readlink /proc/self/exe: %s", strerror(errno));
    target[n] = '\0';
    CHECK_STR(target, ut_self_path);
    /* Opening it opens the program file itself. */
    struct stat a, b;
    int fd = SYS(open("/proc/self/exe", O_RDONLY));
    CHECK_SYS(fstat(fd, &a));
    CHECK_SYS(stat(ut_self_path, &b));
    CHECK_EQ(a.st_dev, b.st_dev);
    CHECK_EQ(a.st_ino, b.st_ino);
}

static void self_fd_links(void)
{
    char target[PATH_MAX];
    ssize_t n;
    int fd = SYS(open("some-file", O_RDWR | O_CREAT, 0644));
    char cwd[PATH_MAX], path[64], expect[PATH_MAX + 16];
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    n = SYS(readlink(path, target, sizeof(target) - 1));
    target[n] = '\0';
    snprintf(expect, sizeof(expect), "%s/some-file", cwd);
    CHECK_STR(target, expect);
    /* Opening /proc/self/fd/N opens the same file anew. */
    ut_write_all(fd, "via-fd", 6);
    char data[8];
    CHECK_EQ(ut_read_file(path, data, sizeof(data)), 6);
    CHECK_STR(data, "via-fd");
    close(fd);
    CHECK_ERR(readlink(path, target, sizeof(target)), ENOENT);
    n = SYS(readlink("/proc/self/cwd", target, sizeof(target) - 1));
    target[n] = '\0';
    CHECK_STR(target, cwd);
}

static long meminfo_kb(const char *key)
{
    char *p = strstr(buf, key);
    if (!p)
        FAIL("/proc/meminfo has no %s", key);
    return atol(p + strlen(key));
}

static void meminfo(void)
{
    ut_read_file("/proc/meminfo", buf, sizeof(buf));
    CHECK(strncmp(buf, "MemTotal:", 9) == 0);
    long total = meminfo_kb("MemTotal:"), free_kb = meminfo_kb("MemFree:");
    CHECK_CMP(total, >, 16 * 1024);
    CHECK_CMP(free_kb, >, 0);
    CHECK_CMP(free_kb, <=, total);
    CHECK(strstr(buf, "kB\n") != NULL);
    struct sysinfo si;
    CHECK_SYS(sysinfo(&si));
    long long si_kb = (long long)si.totalram * si.mem_unit / 1024;
    CHECK_CMP(si_kb, >=, total - total / 100);
    CHECK_CMP(si_kb, <=, total + total / 100);
}

static void uptime(void)
{
    ut_read_file("/proc/uptime", buf, sizeof(buf));
    double up = 0, idle = -1;
    CHECK_EQ(sscanf(buf, "%lf %lf", &up, &idle), 2);
    CHECK(up > 0);
    CHECK(idle >= 0);
    struct timespec boot;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    double bt = boot.tv_sec + boot.tv_nsec / 1e9;
    CHECK(bt - up > -1.0 && bt - up < 1.0); /* both count from boot */
    ut_sleep_ms(30);
    ut_read_file("/proc/uptime", buf, sizeof(buf));
    double later = 0;
    CHECK_EQ(sscanf(buf, "%lf", &later), 1);
    CHECK(later >= up + 0.01);
}

static const struct ut_test tests[] = {
    {"self_stat", self_stat},       {"self_status_name", self_status_name},
    {"self_cmdline", self_cmdline}, {"self_maps", self_maps},
    {"self_exe", self_exe},         {"self_fd_links", self_fd_links},
    {"meminfo", meminfo},           {"uptime", uptime},
};
UT_AREA(procfs, tests);
