/* mount/: mount and umount2 of memory filesystems, the mount table in /proc/self/mounts,
 * read-only remounts, getcwd across a mount point, and sysfs's CPU ranges. Each test
 * mounts on a directory of its own working directory; mounting needs root, and a
 * container that refuses it under qemu-user turns the test into a SKIP. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

/* Mounts a filesystem of type on a fresh directory dir (relative), or SKIPs where
 * qemu-user's host does not let us mount at all. */
static void mount_on(const char *type, const char *dir)
{
    CHECK_SYS(mkdir(dir, 0755));
    if (mount(type, dir, type, 0, NULL) == 0)
        return;
    if (errno == EPERM && ut_under_qemu_user())
        SKIP("the host does not allow mount here");
    FAIL("mount(%s, %s): %s", type, dir, strerror(errno));
}

/* The /proc/self/mounts line whose mount point is path, copied into line; false if none. */
static bool mounts_line(const char *path, char *line, size_t cap)
{
    static char buf[65536];
    ut_read_file("/proc/self/mounts", buf, sizeof(buf));
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
        char *sp = strchr(l, ' ');
        if (!sp)
            continue;
        size_t n = strlen(path);
        if (strncmp(sp + 1, path, n) == 0 && sp[1 + n] == ' ') {
            snprintf(line, cap, "%s", l);
            return true;
        }
    }
    return false;
}

static void abs_path(const char *rel, char *out, size_t cap)
{
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    snprintf(out, cap, "%s/%s", cwd, rel);
}

static void tmpfs_mount_umount(void)
{
    char m[4200], line[8192];
    abs_path("m", m, sizeof(m));
    CHECK_SYS(mkdir("m", 0755));
    ut_write_file("m/hidden", "x", 1); /* covered by the mount, shown again after it */
    if (mount("none", "m", "tmpfs", 0, NULL) != 0) {
        if (errno == EPERM && ut_under_qemu_user())
            SKIP("the host does not allow mount here");
        FAIL("mount tmpfs: %s", strerror(errno));
    }
    struct stat a, b;
    CHECK_SYS(stat(".", &a));
    CHECK_SYS(stat("m", &b));
    CHECK(a.st_dev != b.st_dev);
    CHECK_ERR(access("m/hidden", F_OK), ENOENT);
    CHECK(mounts_line(m, line, sizeof(line)));
    CHECK(strncmp(line, "none ", 5) == 0);
    CHECK(strstr(line, " tmpfs rw") != NULL);
    ut_write_file("m/f", "data", 4);
    int fd = SYS(open("m/f", O_RDONLY));
    CHECK_ERR(umount("m"), EBUSY); /* an open file inside */
    CHECK_SYS(close(fd));
    CHECK_ERR(umount("m/f"), EINVAL); /* not a mount point */
    CHECK_ERR(umount2("m", 0x80000), EINVAL); /* unknown flag */
    CHECK_SYS(umount("m"));
    CHECK_ERR(access("m/f", F_OK), ENOENT);
    CHECK_SYS(access("m/hidden", F_OK));
    CHECK(!mounts_line(m, line, sizeof(line)));
    CHECK_ERR(umount("m"), EINVAL);
    CHECK_ERR(mount("none", "m", "no-such-fs", 0, NULL), ENODEV);
    CHECK_ERR(mount("none", "nowhere", "tmpfs", 0, NULL), ENOENT);
}

static void remount_readonly(void)
{
    char m[4200], line[8192];
    abs_path("m", m, sizeof(m));
    mount_on("tmpfs", "m");
    ut_write_file("m/before", "1", 1);
    CHECK_SYS(mount(NULL, "m", NULL, MS_REMOUNT | MS_RDONLY, NULL));
    CHECK(mounts_line(m, line, sizeof(line)));
    CHECK(strstr(line, " tmpfs ro") != NULL);
    CHECK_ERR(open("m/new", O_CREAT | O_WRONLY, 0644), EROFS);
    CHECK_ERR(mkdir("m/d", 0755), EROFS);
    CHECK_ERR(open("m/before", O_WRONLY), EROFS);
    int fd = SYS(open("m/before", O_RDONLY));
    CHECK_SYS(close(fd));
    CHECK_SYS(mount(NULL, "m", NULL, MS_REMOUNT, NULL));
    CHECK(mounts_line(m, line, sizeof(line)));
    CHECK(strstr(line, " tmpfs rw") != NULL);
    ut_write_file("m/after", "2", 1);
    CHECK_SYS(umount("m"));
}

static void getcwd_across_mount(void)
{
    char want[4200], got[4200];
    abs_path("m/sub/dir", want, sizeof(want));
    mount_on("tmpfs", "m");
    CHECK_SYS(mkdir("m/sub", 0755));
    CHECK_SYS(mkdir("m/sub/dir", 0755));
    CHECK_SYS(chdir("m/sub/dir"));
    CHECK(getcwd(got, sizeof(got)) != NULL);
    CHECK_STR(got, want);
    CHECK_ERR(syscall(SYS_getcwd, got, 3), ERANGE);
    CHECK_SYS(chdir("../../.."));
    CHECK_SYS(umount("m"));
}

/* sysfs names the online CPUs as a range list; it agrees with sysinfo-style counts. */
static void sysfs_cpu_ranges(void)
{
    mount_on("sysfs", "s");
    char text[256];
    ut_read_file("s/devices/system/cpu/online", text, sizeof(text));
    unsigned first = 0, last = 0;
    int n = sscanf(text, "%u-%u", &first, &last);
    CHECK(n == 1 || n == 2);
    if (n == 1)
        last = first;
    CHECK_EQ(first, 0);
    CHECK_EQ((long)(last + 1), (long)get_nprocs());
    struct stat st;
    CHECK_SYS(stat("s/devices/system/cpu/cpu0", &st));
    CHECK(S_ISDIR(st.st_mode));
    CHECK_SYS(stat("s/class/tty", &st));
    CHECK(mkdir("s/newdir", 0755) == -1 && (errno == EPERM || errno == EROFS));
    CHECK_SYS(umount("s"));
}

static const struct ut_test tests[] = {
    {"tmpfs_mount_umount", tmpfs_mount_umount},
    {"remount_readonly", remount_readonly},
    {"getcwd_across_mount", getcwd_across_mount},
    {"sysfs_cpu_ranges", sysfs_cpu_ranges},
};
UT_AREA(mount, tests);
