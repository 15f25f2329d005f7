/* fsys/: file-system calls beyond open/read/write: *at() flags, renameat2, ownership and
 * permissions, fallocate, statx, statfs, vectored positional I/O, in-kernel copies,
 * SEEK_DATA/SEEK_HOLE, close_range, O_PATH descriptors and record locks. Each test runs in
 * a fresh directory (under $USERTEST_DIR, $TMPDIR or /tmp), as root unless it drops to an
 * unprivileged user in a child. */
#define _GNU_SOURCE
#include "ut.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE  (1 << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x10
#endif

#define UNPRIVILEGED 1000

/* struct statx as the kernel writes it (musl 1.2.3 has neither the struct nor a wrapper). */
struct ut_statx_ts {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct ut_statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, spare0;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct ut_statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
#define UT_STATX_BASIC_STATS 0x7ffu
#define UT_STATX_BTIME       0x800u

static int ut_statx(int dirfd, const char *path, int flags, unsigned mask, struct ut_statx *sx)
{
    return (int)syscall(SYS_statx, dirfd, path, flags, mask, sx);
}

/* preadv2/pwritev2 through libc where it has them (glibc emulates flags 0 without the
 * syscall), else the raw syscall. */
static ssize_t ut_preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
#ifdef __GLIBC__
    return preadv2(fd, iov, n, off, flags);
#else
    return syscall(SYS_preadv2, fd, iov, n, (long)off, 0L, flags);
#endif
}

static ssize_t ut_pwritev2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
#ifdef __GLIBC__
    return pwritev2(fd, iov, n, off, flags);
#else
    return syscall(SYS_pwritev2, fd, iov, n, (long)off, 0L, flags);
#endif
}

static long renameat2_raw(int od, const char *o, int nd, const char *n, unsigned flags)
{
    return syscall(SYS_renameat2, od, o, nd, n, flags);
}

/* Forks a child that becomes an unprivileged user; the child runs fn and exits 0. */
static void as_unprivileged(void (*fn)(void))
{
    if (geteuid() != 0)
        SKIP("needs root to switch users");
    pid_t pid = ut_fork();
    if (pid == 0) {
        CHECK_SYS(setgid(UNPRIVILEGED));
        CHECK_SYS(setuid(UNPRIVILEGED));
        fn();
        _exit(0);
    }
    ut_wait_exit(pid, 0);
}

static void symlinkat_linkat(void)
{
    CHECK_SYS(mkdir("d", 0755));
    int dfd = SYS(open("d", O_RDONLY | O_DIRECTORY));
    ut_write_file("d/target", "T", 1);
    CHECK_SYS(symlinkat("target", dfd, "sl"));
    char buf[16];
    CHECK_EQ(SYS(readlinkat(dfd, "sl", buf, sizeof(buf))), 6);
    CHECK_ERR(symlinkat("", dfd, "empty"), ENOENT);
    CHECK_ERR(symlinkat("x", dfd, "sl"), EEXIST);
    struct stat st, tst, lst;
    CHECK_SYS(stat("d/target", &tst));
    CHECK_SYS(lstat("d/sl", &lst));
    /* Without AT_SYMLINK_FOLLOW the link itself is linked. */
    CHECK_SYS(linkat(dfd, "sl", AT_FDCWD, "nofollow", 0));
    CHECK_SYS(lstat("nofollow", &st));
    CHECK(S_ISLNK(st.st_mode));
    CHECK_EQ(st.st_ino, lst.st_ino);
    CHECK_SYS(linkat(dfd, "sl", AT_FDCWD, "follow", AT_SYMLINK_FOLLOW));
    CHECK_SYS(lstat("follow", &st));
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_ino, tst.st_ino);
    CHECK_EQ(st.st_nlink, 2);
    /* AT_EMPTY_PATH links the open file itself (root only). */
    int fd = SYS(openat(dfd, "target", O_RDONLY));
    CHECK_SYS(linkat(fd, "", AT_FDCWD, "byfd", AT_EMPTY_PATH));
    CHECK_SYS(stat("byfd", &st));
    CHECK_EQ(st.st_ino, tst.st_ino);
    CHECK_ERR(linkat(fd, "", AT_FDCWD, "byfd2", 0), ENOENT);
    CHECK_ERR(linkat(AT_FDCWD, "follow", AT_FDCWD, "bad", 0x8000), EINVAL);
    CHECK_ERR(linkat(fd, "x", AT_FDCWD, "bad", 0), ENOTDIR);
    close(fd);
    close(dfd);
}

static void renameat2_flags(void)
{
    ut_write_file("a", "A", 1);
    ut_write_file("b", "B", 1);
    CHECK_SYS(mkdir("d", 0755));
    struct stat sa, sb, st;
    CHECK_SYS(stat("a", &sa));
    CHECK_SYS(stat("b", &sb));
    CHECK_ERR(renameat2_raw(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE), EEXIST);
    CHECK_ERR(renameat2_raw(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE | RENAME_EXCHANGE),
              EINVAL);
    CHECK_ERR(renameat2_raw(AT_FDCWD, "a", AT_FDCWD, "b", 0x100), EINVAL);
    CHECK_ERR(renameat2_raw(AT_FDCWD, "a", AT_FDCWD, "none", RENAME_EXCHANGE), ENOENT);
    long r = renameat2_raw(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE);
    if (r == -1 && errno == EINVAL && ut_under_qemu_user())
        SKIP("the host filesystem cannot exchange");
    CHECK_EQ(r, 0);
    CHECK_SYS(stat("a", &st));
    CHECK_EQ(st.st_ino, sb.st_ino);
    CHECK_SYS(stat("b", &st));
    CHECK_EQ(st.st_ino, sa.st_ino);
    /* A file and a directory can swap too. */
    CHECK_SYS(renameat2_raw(AT_FDCWD, "a", AT_FDCWD, "d", RENAME_EXCHANGE));
    CHECK_SYS(stat("a", &st));
    CHECK(S_ISDIR(st.st_mode));
    /* renameat relative to two directory descriptors. */
    int dfd = SYS(open("a", O_RDONLY | O_DIRECTORY));
    int cwd = SYS(open(".", O_RDONLY | O_DIRECTORY));
    CHECK_SYS(renameat(cwd, "b", dfd, "moved"));
    CHECK_SYS(stat("a/moved", &st));
    CHECK_EQ(st.st_ino, sa.st_ino);
    CHECK_SYS(renameat2_raw(dfd, "moved", cwd, "back", RENAME_NOREPLACE));
    CHECK_SYS(stat("back", &st));
    close(dfd);
    close(cwd);
}

static void chown_rules(void)
{
    if (geteuid() != 0)
        SKIP("needs root");
    ut_write_file("f", "x", 1);
    CHECK_SYS(symlink("f", "l"));
    struct stat st;
    CHECK_SYS(chmod("f", 04755));
    CHECK_SYS(fchownat(AT_FDCWD, "f", 1234, 567, 0));
    CHECK_SYS(stat("f", &st));
    CHECK_EQ(st.st_uid, 1234);
    CHECK_EQ(st.st_gid, 567);
    CHECK_EQ(st.st_mode & 07777, 0755); /* chown drops set-user-ID */
    /* -1 leaves an id alone; AT_SYMLINK_NOFOLLOW changes the link itself. */
    CHECK_SYS(fchownat(AT_FDCWD, "l", -1, 42, AT_SYMLINK_NOFOLLOW));
    CHECK_SYS(lstat("l", &st));
    CHECK_EQ(st.st_gid, 42);
    CHECK_SYS(stat("f", &st));
    CHECK_EQ(st.st_uid, 1234);
    CHECK_EQ(st.st_gid, 567);
    int fd = SYS(open("f", O_RDONLY));
    CHECK_SYS(fchown(fd, 0, -1));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_uid, 0);
    CHECK_SYS(fchownat(fd, "", 7, -1, AT_EMPTY_PATH));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_uid, 7);
    CHECK_ERR(fchownat(AT_FDCWD, "f", 1, 1, 0x4000), EINVAL);
    CHECK_ERR(fchownat(AT_FDCWD, "missing", 1, 1, 0), ENOENT);
    close(fd);
}

static void unprivileged_checks(void)
{
    struct stat st;
    CHECK_ERR(chown("root_file", UNPRIVILEGED, -1), EPERM);
    CHECK_ERR(chmod("root_file", 0777), EPERM);
    CHECK_ERR(truncate("root_file", 0), EACCES);
    CHECK_ERR(utimensat(AT_FDCWD, "root_file", NULL, 0), EACCES);
    struct timespec ts[2] = {{1, 0}, {2, 0}};
    CHECK_ERR(utimensat(AT_FDCWD, "shared", ts, 0), EPERM); /* explicit times: owner only */
    CHECK_SYS(utimensat(AT_FDCWD, "shared", NULL, 0));      /* now: write access suffices */
    CHECK_ERR(chroot("."), EPERM);
    /* An owner may change its own file's mode and group to its own group. */
    ut_write_file("mine", "", 0);
    CHECK_SYS(chmod("mine", 0600));
    CHECK_SYS(chown("mine", -1, UNPRIVILEGED));
    CHECK_ERR(chown("mine", -1, 0), EPERM);
    CHECK_ERR(chown("mine", 0, -1), EPERM);
    CHECK_SYS(stat("mine", &st));
    CHECK_EQ(st.st_mode & 07777, 0600);
    CHECK_EQ(st.st_uid, UNPRIVILEGED);
}

static void permission_rules(void)
{
    ut_write_file("root_file", "r", 1);
    CHECK_SYS(chmod("root_file", 0644));
    ut_write_file("shared", "s", 1);
    CHECK_SYS(chmod("shared", 0666));
    CHECK_SYS(chmod(".", 0777));
    as_unprivileged(unprivileged_checks);
}

static void unprivileged_vfs_checks(void)
{
    struct stat st;
    CHECK_ERR(open("private", O_RDONLY), EACCES);
    CHECK_ERR(open("ro_dir/f", O_WRONLY), EACCES);
    CHECK_ERR(open("ro_dir/f", O_RDONLY | O_TRUNC), EACCES);
    int fd = SYS(open("ro_dir/f", O_RDONLY));
    close(fd);
    CHECK_ERR(open("ro_dir/new", O_WRONLY | O_CREAT, 0644), EACCES);
    CHECK_ERR(mkdir("ro_dir/sub", 0755), EACCES);
    CHECK_ERR(symlink("x", "ro_dir/link"), EACCES);
    CHECK_ERR(unlink("ro_dir/f"), EACCES);
    CHECK_ERR(rename("ro_dir/f", "sticky/f"), EACCES);
    /* A directory without search permission hides what is inside. */
    CHECK_ERR(stat("secret/f", &st), EACCES);
    CHECK_ERR(open("secret/f", O_RDONLY), EACCES);
    CHECK_ERR(chdir("secret"), EACCES);
    CHECK_SYS(stat("secret", &st)); /* the directory itself is visible */
    /* Sticky directory: others' entries may not be removed or replaced. */
    ut_write_file("sticky/mine", "m", 1);
    CHECK_ERR(unlink("sticky/rootf"), EPERM);
    CHECK_ERR(rename("sticky/mine", "sticky/rootf"), EPERM);
    CHECK_SYS(rename("sticky/mine", "sticky/mine2"));
    CHECK_SYS(unlink("sticky/mine2"));
    char *argv[] = {"noexec", NULL};
    CHECK_ERR(execve("noexec", argv, argv + 1), EACCES);
}

static void vfs_permissions(void)
{
    CHECK_SYS(chmod(".", 0755));
    CHECK_SYS(mkdir("ro_dir", 0755));
    ut_write_file("ro_dir/f", "f", 1);
    CHECK_SYS(mkdir("secret", 0700));
    ut_write_file("secret/f", "s", 1);
    CHECK_SYS(mkdir("sticky", 01777));
    CHECK_SYS(chmod("sticky", 01777));
    ut_write_file("sticky/rootf", "r", 1);
    CHECK_SYS(chmod("sticky/rootf", 0666));
    ut_write_file("private", "p", 1);
    CHECK_SYS(chmod("private", 0600));
    ut_write_file("noexec", "#!/bin/sh\n", 10);
    as_unprivileged(unprivileged_vfs_checks);
}

/* The checks of supplementary_groups, in a child with uid/gid UNPRIVILEGED whose groups are
 * those given: member says whether 2000 (the files' group) is one of them. */
static void group_checks(const gid_t *groups, int n, bool member)
{
    pid_t pid = ut_fork();
    if (pid == 0) {
        CHECK_SYS(setgroups((size_t)n, groups));
        CHECK_SYS(setresgid(UNPRIVILEGED, UNPRIVILEGED, UNPRIVILEGED));
        CHECK_SYS(setresuid(UNPRIVILEGED, UNPRIVILEGED, UNPRIVILEGED));
        CHECK_EQ(SYS(getgroups(0, NULL)), n);
        struct stat st;
        if (!member) {
            CHECK_ERR(open("grp_file", O_RDONLY), EACCES);
            CHECK_ERR(access("grp_file", R_OK), EACCES);
            CHECK_ERR(stat("grp_dir/inner", &st), EACCES);
            CHECK_ERR(execl("./grp_prog", "grp_prog", (char *)NULL), EACCES);
            _exit(0);
        }
        close(SYS(open("grp_file", O_RDWR))); /* group rw- */
        CHECK_SYS(access("grp_file", R_OK | W_OK));
        CHECK_ERR(access("grp_file", X_OK), EACCES);
        long r = syscall(SYS_faccessat2, AT_FDCWD, "grp_file", R_OK | W_OK, AT_EACCESS);
        CHECK(r == 0 || (errno == ENOSYS && ut_under_qemu_user()));
        CHECK_SYS(stat("grp_dir/inner", &st)); /* group --x: search, no listing */
        close(SYS(open("grp_dir/inner", O_RDONLY)));
        CHECK_ERR(open("grp_dir", O_RDONLY | O_DIRECTORY), EACCES);
        CHECK_SYS(chdir("grp_dir"));
        CHECK_SYS(chdir(".."));
        pid_t exe = ut_fork();
        if (exe == 0) {
            execl("./grp_prog", "grp_prog", (char *)NULL);
            _exit(99);
        }
        ut_wait_exit(exe, 7);
        _exit(0);
    }
    ut_wait_exit(pid, 0);
}

/* Supplementary groups count as the file's group in permission checks, as in Linux: open,
 * access and faccessat2, directory search, exec; a process without the group gets EACCES. */
static void supplementary_groups(void)
{
    if (geteuid() != 0)
        SKIP("needs root to switch users");
    CHECK_SYS(chmod(".", 0755));
    ut_write_file("grp_file", "g", 1);
    CHECK_SYS(chown("grp_file", 0, 2000));
    CHECK_SYS(chmod("grp_file", 0060));
    CHECK_SYS(mkdir("grp_dir", 0710));
    CHECK_SYS(chown("grp_dir", 0, 2000));
    CHECK_SYS(chmod("grp_dir", 0710));
    ut_write_file("grp_dir/inner", "i", 1);
    CHECK_SYS(chmod("grp_dir/inner", 0644));
    ut_write_file("grp_prog", "#!/bin/sh\nexit 7\n", 18);
    CHECK_SYS(chown("grp_prog", 0, 2000));
    CHECK_SYS(chmod("grp_prog", 0050));
    gid_t with[] = {3000, 2000}, without[] = {3000};
    group_checks(with, 2, true);
    group_checks(without, 1, false);
}

static void access_flags(void)
{
    ut_write_file("f", "", 0);
    CHECK_SYS(chmod("f", 0644));
    CHECK_SYS(symlink("nowhere", "dangling"));
    long r = syscall(SYS_faccessat2, AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW);
    if (r == -1 && errno == ENOSYS && ut_under_qemu_user())
        SKIP("qemu-user has no faccessat2");
    CHECK_EQ(r, 0);
    CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "dangling", F_OK, 0), ENOENT);
    CHECK_SYS(syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK | W_OK, AT_EACCESS));
    CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "f", X_OK, AT_EACCESS), EACCES);
    CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "f", 8, 0), EINVAL);
    CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "f", F_OK, 0x1), EINVAL);
    int fd = SYS(open("f", O_RDONLY));
    CHECK_SYS(syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH));
    close(fd);
    CHECK_ERR(syscall(SYS_faccessat, AT_FDCWD, "f/x", F_OK), ENOTDIR);
    /* fchmodat2: a symlink's own mode cannot be changed. */
    r = syscall(452, AT_FDCWD, "dangling", 0600, AT_SYMLINK_NOFOLLOW);
    if (r == -1 && errno == ENOSYS && !ut_on_exo())
        SKIP("this Linux has no fchmodat2 (added in 6.6; qemu-user lacks it too)");
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EOPNOTSUPP);
    CHECK_SYS(syscall(452, AT_FDCWD, "f", 0600, 0));
    struct stat st;
    CHECK_SYS(stat("f", &st));
    CHECK_EQ(st.st_mode & 07777, 0600);
    CHECK_ERR(syscall(452, AT_FDCWD, "f", 0600, 0x2), EINVAL);
}

static void fallocate_extends(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    ut_write_all(fd, "abc", 3);
    CHECK_SYS(fallocate(fd, 0, 0, 8192));
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_size, 8192);
    CHECK_CMP(st.st_blocks * 512, >=, 8192);
    char buf[8];
    CHECK_EQ(SYS(pread(fd, buf, 8, 0)), 8);
    CHECK_MEM(buf, "abc\0\0\0\0\0", 8);
    CHECK_SYS(fallocate(fd, 0, 100, 10)); /* inside: the size stays */
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_size, 8192);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 3); /* the position does not move */
    CHECK_ERR(fallocate(fd, 0, 0, 0), EINVAL);
    CHECK_ERR(fallocate(fd, 0, -1, 10), EINVAL);
    int ro = SYS(open("f", O_RDONLY));
    CHECK_ERR(fallocate(ro, 0, 0, 10), EBADF);
    int p[2];
    CHECK_SYS(pipe(p));
    CHECK_ERR(fallocate(p[1], 0, 0, 10), ESPIPE);
    CHECK_ERR(fallocate(99, 0, 0, 10), EBADF);
    close(fd);
    close(ro);
}

static void fsize_limit_sizes(void)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl;
    CHECK_SYS(getrlimit(RLIMIT_FSIZE, &rl));
    struct rlimit small = {1000, rl.rlim_max};
    CHECK_SYS(setrlimit(RLIMIT_FSIZE, &small));
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    CHECK_SYS(ftruncate(fd, 1000)); /* up to the limit */
    CHECK_ERR(ftruncate(fd, 1001), EFBIG);
    CHECK_ERR(truncate("f", 5000), EFBIG);
    CHECK_ERR(fallocate(fd, 0, 0, 2000), EFBIG);
    CHECK_EQ(SYS(pwrite(fd, "0123456789", 10, 995)), 5); /* stops at the limit */
    CHECK_ERR(pwrite(fd, "x", 1, 1000), EFBIG);
    CHECK_EQ(SYS(pwrite(fd, "", 0, 5000)), 0);
    int ro = SYS(open("f", O_RDONLY));
    CHECK_ERR(ftruncate(ro, 5000), EINVAL); /* not writable comes first */
    close(ro);
    close(fd);
}

static void statx_fields(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0640));
    ut_write_all(fd, "0123456789", 10);
    struct stat st;
    struct ut_statx sx;
    CHECK_SYS(stat("f", &st));
    CHECK_SYS(ut_statx(AT_FDCWD, "f", 0, UT_STATX_BASIC_STATS | UT_STATX_BTIME, &sx));
    CHECK_EQ(sx.stx_mask & UT_STATX_BASIC_STATS, UT_STATX_BASIC_STATS);
    CHECK_EQ(sx.stx_mode, st.st_mode);
    CHECK_EQ(sx.stx_ino, st.st_ino);
    CHECK_EQ(sx.stx_size, 10);
    CHECK_EQ(sx.stx_nlink, 1);
    CHECK_EQ(sx.stx_uid, st.st_uid);
    CHECK_EQ(sx.stx_gid, st.st_gid);
    CHECK_EQ(sx.stx_blocks, st.st_blocks);
    CHECK_EQ(sx.stx_blksize, st.st_blksize);
    CHECK_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
    CHECK_EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
    CHECK_EQ(sx.stx_mtime.tv_nsec, st.st_mtim.tv_nsec);
    CHECK_EQ(sx.stx_ctime.tv_sec, st.st_ctim.tv_sec);
    if (sx.stx_mask & UT_STATX_BTIME) {
        CHECK_CMP(sx.stx_btime.tv_sec, >, 1577836800);
        CHECK_CMP(sx.stx_btime.tv_sec, <=, st.st_mtim.tv_sec);
    }
    struct ut_statx byfd;
    CHECK_SYS(ut_statx(fd, "", AT_EMPTY_PATH, UT_STATX_BASIC_STATS, &byfd));
    CHECK_EQ(byfd.stx_ino, sx.stx_ino);
    CHECK_SYS(symlink("f", "l"));
    CHECK_SYS(ut_statx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, UT_STATX_BASIC_STATS, &sx));
    CHECK(S_ISLNK(sx.stx_mode));
    CHECK_EQ(sx.stx_size, 1);
    CHECK_SYS(ut_statx(AT_FDCWD, "l", 0, UT_STATX_BASIC_STATS, &sx));
    CHECK(S_ISREG(sx.stx_mode));
    CHECK_ERR(ut_statx(AT_FDCWD, "f", 0x80000, UT_STATX_BASIC_STATS, &sx), EINVAL);
    CHECK_ERR(ut_statx(AT_FDCWD, "f", 0, 0x80000000u, &sx), EINVAL);
    CHECK_ERR(ut_statx(AT_FDCWD, "", 0, UT_STATX_BASIC_STATS, &sx), ENOENT);
    CHECK_ERR(ut_statx(AT_FDCWD, "missing", 0, UT_STATX_BASIC_STATS, &sx), ENOENT);
    close(fd);
}

static void statfs_figures(void)
{
    ut_write_file("f", "x", 1);
    struct statfs a, b;
    CHECK_SYS(statfs(".", &a));
    int fd = SYS(open("f", O_RDONLY));
    CHECK_SYS(fstatfs(fd, &b));
    CHECK_EQ(a.f_type, b.f_type);
    CHECK_EQ(a.f_bsize, b.f_bsize);
    CHECK_EQ(a.f_blocks, b.f_blocks);
    CHECK_CMP(a.f_bsize, >, 0);
    CHECK_CMP(a.f_blocks, >, 0);
    CHECK_CMP(a.f_bfree, <=, a.f_blocks);
    CHECK_CMP(a.f_bavail, <=, a.f_bfree);
    CHECK_CMP(a.f_ffree, <=, a.f_files);
    CHECK_CMP(a.f_namelen, >=, 255);
    CHECK(memcmp(&a.f_fsid, &b.f_fsid, sizeof(a.f_fsid)) == 0);
    CHECK_ERR(statfs("missing", &a), ENOENT);
    CHECK_ERR(statfs("f/x", &a), ENOTDIR);
    CHECK_ERR(fstatfs(99, &a), EBADF);
    close(fd);
}

static void preadv2_pwritev2(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    struct iovec out[2] = {{"hello ", 6}, {"world", 5}};
    CHECK_EQ(SYS(pwritev(fd, out, 2, 4)), 11);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 0); /* positional: no move */
    char a[4], b[8];
    struct iovec in[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    ssize_t first = ut_preadv2(fd, in, 2, 4, 0);
    if (first == -1 && errno == ENOSYS && ut_under_qemu_user())
        SKIP("qemu-user has no preadv2");
    CHECK_EQ(first, 11);
    CHECK_MEM(a, "hell", 4);
    CHECK_MEM(b, "o world", 7);
    /* Offset -1: the file position, which then advances. */
    CHECK_SYS(lseek(fd, 10, SEEK_SET));
    CHECK_EQ(SYS(ut_preadv2(fd, in, 1, -1, 0)), 4);
    CHECK_MEM(a, "world", 4);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 14);
    struct iovec tail = {"!", 1};
    CHECK_EQ(SYS(ut_pwritev2(fd, &tail, 1, -1, 0)), 1);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 15);
    CHECK_ERR(preadv(fd, in, 2, -5), EINVAL);
    CHECK_ERR(ut_preadv2(fd, in, 2, -2, 0), EINVAL);
    int p[2];
    CHECK_SYS(pipe(p));
    CHECK_ERR(preadv(p[0], in, 1, 0), ESPIPE);
    /* RWF_APPEND writes at the end whatever the offset; unknown flags are refused. */
    struct iovec app = {"$", 1};
    long r = syscall(SYS_pwritev2, fd, &app, 1, 0L, 0L, RWF_APPEND);
    if (r == -1 && errno == ENOSYS && ut_under_qemu_user())
        SKIP("qemu-user has no pwritev2");
    CHECK_EQ(r, 1);
    char c;
    CHECK_EQ(SYS(pread(fd, &c, 1, 15)), 1);
    CHECK_EQ(c, '$');
    CHECK_ERR(syscall(SYS_preadv2, fd, in, 2, 0L, 0L, 0x40000000), EOPNOTSUPP);
    close(fd);
}

static void sendfile_copy_range(void)
{
    ut_write_file("src", "0123456789", 10);
    int in = SYS(open("src", O_RDONLY));
    int out = SYS(open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644));
    off_t off = 2;
    CHECK_EQ(SYS(sendfile(out, in, &off, 5)), 5);
    CHECK_EQ(off, 7);
    CHECK_EQ(SYS(lseek(in, 0, SEEK_CUR)), 0); /* with an offset: the position stays */
    CHECK_EQ(SYS(lseek(out, 0, SEEK_CUR)), 5);
    CHECK_EQ(SYS(sendfile(out, in, NULL, 100)), 10); /* short at end of file */
    CHECK_EQ(SYS(lseek(in, 0, SEEK_CUR)), 10);
    CHECK_EQ(SYS(sendfile(out, in, NULL, 100)), 0);
    char buf[32] = {0};
    CHECK_EQ(SYS(pread(out, buf, sizeof(buf), 0)), 15);
    CHECK_STR(buf, "234560123456789");
    CHECK_ERR(sendfile(in, out, NULL, 1), EBADF); /* in is not writable */

    /* copy_file_range: explicit offsets are updated, positions otherwise. */
    loff_t oi = 1, oo = 0;
    int cp = SYS(open("copy", O_RDWR | O_CREAT | O_TRUNC, 0644));
    CHECK_EQ(SYS(copy_file_range(in, &oi, cp, &oo, 4, 0)), 4);
    CHECK_EQ(oi, 5);
    CHECK_EQ(oo, 4);
    CHECK_EQ(SYS(copy_file_range(in, &oi, cp, NULL, 100, 0)), 5);
    CHECK_EQ(SYS(lseek(cp, 0, SEEK_CUR)), 5);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(SYS(pread(cp, buf, sizeof(buf), 0)), 5);
    CHECK_STR(buf, "56789"); /* the second copy started at position 0 */
    oi = 100;
    CHECK_EQ(SYS(copy_file_range(in, &oi, cp, NULL, 4, 0)), 0);
    oi = 0;
    oo = 2;
    CHECK_ERR(copy_file_range(cp, &oi, cp, &oo, 3, 0), EINVAL); /* overlapping */
    CHECK_ERR(copy_file_range(in, NULL, cp, NULL, 1, 1), EINVAL);
    int app = SYS(open("copy", O_WRONLY | O_APPEND));
    CHECK_ERR(copy_file_range(in, NULL, app, NULL, 1, 0), EBADF);
    CHECK_ERR(copy_file_range(out, NULL, in, NULL, 1, 0), EBADF);
    close(app);
    close(cp);
    close(in);
    close(out);
}

enum { SEND_SIZE = 100000 };

/* A file "src" of SEND_SIZE patterned bytes, open for reading; the bytes in *data. */
static int send_source(char **data)
{
    *data = malloc(SEND_SIZE);
    CHECK(*data != NULL);
    for (int i = 0; i < SEND_SIZE; i++)
        (*data)[i] = (char)(i * 7 + i / 251);
    ut_write_file("src", *data, SEND_SIZE);
    return SYS(open("src", O_RDONLY));
}

/* sendfile into a pipe (Linux 5.12 on takes any writable file): explicit and NULL offsets,
 * a short count when a non-blocking pipe takes only part, EAGAIN once it is full, and a
 * blocking pipe that a reader drains. */
static void sendfile_to_pipe(void)
{
    char *data, *back = malloc(SEND_SIZE);
    int in = send_source(&data);
    int p[2];
    CHECK_SYS(pipe2(p, O_NONBLOCK));
    off_t off = 10;
    CHECK_EQ(SYS(sendfile(p[1], in, &off, 5)), 5);
    CHECK_EQ(off, 15);
    CHECK_EQ(SYS(lseek(in, 0, SEEK_CUR)), 0);
    ut_read_all(p[0], back, 5);
    CHECK_MEM(back, data + 10, 5);
    CHECK_EQ(SYS(sendfile(p[1], in, NULL, 3)), 3);
    CHECK_EQ(SYS(lseek(in, 0, SEEK_CUR)), 3);
    ut_read_all(p[0], back, 3);
    CHECK_MEM(back, data, 3);

    off = 0;
    long n = SYS(sendfile(p[1], in, &off, SEND_SIZE));
    CHECK_CMP(n, >, 0);
    CHECK_CMP(n, <, SEND_SIZE);
    CHECK_EQ(off, n);
    CHECK_ERR(sendfile(p[1], in, &off, SEND_SIZE), EAGAIN);
    CHECK_EQ(off, n);
    ut_read_all(p[0], back, (size_t)n);
    CHECK_MEM(back, data, (size_t)n);
    close(p[0]);
    close(p[1]);

    CHECK_SYS(pipe(p));
    pid_t pid = ut_fork();
    if (pid == 0) {
        close(p[1]);
        ut_read_all(p[0], back, SEND_SIZE);
        _exit(memcmp(back, data, SEND_SIZE) == 0 ? 0 : 3);
    }
    close(p[0]);
    CHECK_SYS(lseek(in, 0, SEEK_SET));
    long total = 0;
    while (total < SEND_SIZE) /* Linux may return short counts on a pipe */
        total += SYS(sendfile(p[1], in, NULL, (size_t)(SEND_SIZE - total)));
    CHECK_EQ(total, SEND_SIZE);
    CHECK_EQ(SYS(lseek(in, 0, SEEK_CUR)), SEND_SIZE);
    close(p[1]);
    ut_wait_exit(pid, 0);
    close(in);
    free(data);
    free(back);
}

/* sendfile into a terminal (a raw pty slave, read back from the master), a socket and a
 * character device (/dev/null takes everything). */
static void sendfile_to_tty_socket_device(void)
{
    char *data, back[300];
    int in = send_source(&data);
    int m = SYS(posix_openpt(O_RDWR | O_NOCTTY));
    CHECK_SYS(grantpt(m));
    CHECK_SYS(unlockpt(m));
    char name[64];
    CHECK_EQ(ptsname_r(m, name, sizeof(name)), 0);
    int slave = SYS(open(name, O_RDWR | O_NOCTTY));
    struct termios t;
    CHECK_SYS(tcgetattr(slave, &t));
    cfmakeraw(&t);
    CHECK_SYS(tcsetattr(slave, TCSANOW, &t));
    off_t off = 1000;
    CHECK_EQ(SYS(sendfile(slave, in, &off, 200)), 200);
    CHECK_EQ(off, 1200);
    ut_read_all(m, back, 200);
    CHECK_MEM(back, data + 1000, 200);
    close(slave);
    close(m);

    int sv[2];
    CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_EQ(SYS(sendfile(sv[0], in, NULL, 300)), 300);
    ut_read_all(sv[1], back, 300);
    CHECK_MEM(back, data, 300);
    close(sv[0]);
    close(sv[1]);

    int null = SYS(open("/dev/null", O_WRONLY));
    off = 0;
    CHECK_EQ(SYS(sendfile(null, in, &off, SEND_SIZE)), SEND_SIZE);
    CHECK_EQ(off, SEND_SIZE);
    close(null);
    int ro = SYS(open("/dev/null", O_RDONLY));
    CHECK_ERR(sendfile(ro, in, NULL, 1), EBADF);
    close(ro);
    close(in);
    free(data);
}

#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_KEEP_SIZE  0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

/* Mounts a tmpfs on "m" and makes it the working directory (SKIP where mounting is not
 * allowed). */
static void enter_tmpfs(void)
{
    CHECK_SYS(mkdir("m", 0755));
    if (mount("none", "m", "tmpfs", 0, NULL) != 0) {
        if (errno == EPERM)
            SKIP("mounting a tmpfs is not allowed here");
        FAIL("mount tmpfs: %s", strerror(errno));
    }
    CHECK_SYS(chdir("m"));
}

static void leave_tmpfs(void)
{
    CHECK_SYS(chdir(".."));
    CHECK_SYS(umount("m"));
}

/* Checks that bytes [0, n) of got are 'x' except [zero_from, zero_to), which are 0. */
static void check_punched(const char *got, size_t n, size_t zero_from, size_t zero_to)
{
    for (size_t i = 0; i < n; i++) {
        char want = i >= zero_from && i < zero_to ? 0 : 'x';
        if (got[i] != want)
            FAIL("byte %zu is %d, want %d", i, got[i], want);
    }
}

/* fallocate PUNCH_HOLE|KEEP_SIZE on tmpfs: the range reads back as zeros through read and
 * through a shared mapping made before, the size stays, the whole page inside is freed and
 * SEEK_DATA/SEEK_HOLE report it as a hole; PUNCH_HOLE without KEEP_SIZE and ZERO_RANGE
 * are EOPNOTSUPP (Linux's tmpfs does not zero ranges). */
static void punch_hole_tmpfs(void)
{
    enter_tmpfs();
    enum { PG = 4096, SIZE = 4 * PG, FROM = PG + 100, TO = 3 * PG + 50 };
    static char buf[SIZE], back[SIZE];
    memset(buf, 'x', sizeof(buf));
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    ut_write_all(fd, buf, SIZE);
    char *map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    CHECK_EQ(map[FROM], 'x');
    CHECK_EQ(map[2 * PG + 5], 'x');
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_HOLE)), SIZE);
    struct stat before, after;
    CHECK_SYS(fstat(fd, &before));

    CHECK_ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, FROM, TO - FROM), EOPNOTSUPP);
    CHECK_ERR(fallocate(fd, FALLOC_FL_ZERO_RANGE, FROM, TO - FROM), EOPNOTSUPP);
    CHECK_ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, FROM,
                        TO - FROM),
              EOPNOTSUPP);
    CHECK_SYS(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FROM, TO - FROM));
    CHECK_SYS(fstat(fd, &after));
    CHECK_EQ(after.st_size, SIZE);
    CHECK_CMP(after.st_blocks, <, before.st_blocks);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_DATA)), 0);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_HOLE)), 2 * PG);
    CHECK_EQ(SYS(lseek(fd, 2 * PG + 1, SEEK_HOLE)), 2 * PG + 1);
    CHECK_EQ(SYS(lseek(fd, 2 * PG, SEEK_DATA)), 3 * PG);
    CHECK_EQ(SYS(lseek(fd, 3 * PG, SEEK_HOLE)), SIZE);
    CHECK_ERR(lseek(fd, SIZE, SEEK_DATA), ENXIO);
    CHECK_EQ(SYS(pread(fd, back, SIZE, 0)), SIZE);
    check_punched(back, SIZE, FROM, TO);
    check_punched(map, SIZE, FROM, TO);

    /* Past the end: nothing to punch; KEEP_SIZE alone keeps the size. */
    CHECK_SYS(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, SIZE, PG));
    CHECK_SYS(fallocate(fd, FALLOC_FL_KEEP_SIZE, SIZE, PG));
    CHECK_SYS(fstat(fd, &after));
    CHECK_EQ(after.st_size, SIZE);
    int ro = SYS(open("f", O_RDONLY));
    CHECK_ERR(fallocate(ro, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1), EBADF);
    close(ro);
    CHECK_SYS(munmap(map, SIZE));
    close(fd);
    leave_tmpfs();
}

static void seek_data_hole(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    ut_write_all(fd, "abc", 3);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_DATA)), 0);
    CHECK_EQ(SYS(lseek(fd, 1, SEEK_DATA)), 1);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_HOLE)), 3);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 3);
    CHECK_ERR(lseek(fd, 3, SEEK_DATA), ENXIO);
    CHECK_ERR(lseek(fd, 10, SEEK_HOLE), ENXIO);
    CHECK_ERR(lseek(fd, -1, SEEK_DATA), ENXIO);
    close(fd);
}

static void close_range_cases(void)
{
    int fd = SYS(open(".", O_RDONLY | O_DIRECTORY));
    for (int i = 100; i <= 103; i++)
        CHECK_EQ(SYS(dup2(fd, i)), i);
    CHECK_SYS(syscall(SYS_close_range, 101, 102, 0));
    CHECK_SYS(fcntl(100, F_GETFD));
    CHECK_ERR(fcntl(101, F_GETFD), EBADF);
    CHECK_ERR(fcntl(102, F_GETFD), EBADF);
    CHECK_SYS(fcntl(103, F_GETFD));
    CHECK_SYS(syscall(SYS_close_range, 100, 100, CLOSE_RANGE_CLOEXEC));
    CHECK_EQ(SYS(fcntl(100, F_GETFD)), FD_CLOEXEC);
    CHECK_EQ(SYS(fcntl(103, F_GETFD)), 0);
    CHECK_SYS(syscall(SYS_close_range, 103, 103, 0));
    CHECK_ERR(fcntl(103, F_GETFD), EBADF);
    CHECK_ERR(syscall(SYS_close_range, 5, 4, 0), EINVAL);
    CHECK_ERR(syscall(SYS_close_range, 100, 100, 0x1), EINVAL);
    CHECK_SYS(syscall(SYS_close_range, 200, ~0u, 0)); /* nothing open there */
    close(fd);
}

static void o_path_descriptors(void)
{
    CHECK_SYS(mkdir("d", 0755));
    ut_write_file("d/f", "data", 4);
    CHECK_SYS(symlink("d/f", "l"));
    int dp = SYS(open("d", O_PATH | O_DIRECTORY));
    CHECK_EQ(SYS(fcntl(dp, F_GETFL)) & O_PATH, O_PATH);
    struct stat st;
    CHECK_SYS(fstat(dp, &st));
    CHECK(S_ISDIR(st.st_mode));
    int fd = SYS(openat(dp, "f", O_RDONLY)); /* usable as a directory descriptor */
    char buf[8];
    CHECK_EQ(SYS(read(fd, buf, sizeof(buf))), 4);
    close(fd);
    CHECK_ERR(syscall(SYS_getdents64, dp, buf, sizeof(buf)), EBADF);
    int fp = SYS(openat(dp, "f", O_PATH));
    CHECK_ERR(read(fp, buf, 1), EBADF);
    CHECK_ERR(write(fp, "x", 1), EBADF);
    CHECK_ERR(lseek(fp, 0, SEEK_SET), EBADF);
    CHECK_ERR(syscall(SYS_fchmod, fp, 0600), EBADF); /* musl's fchmod falls back to /proc */
    CHECK_ERR(fcntl(fp, F_SETFL, O_APPEND), EBADF);
    CHECK_ERR(ftruncate(fp, 0), EBADF);
    int copy = SYS(dup(fp));
    CHECK_SYS(fstat(copy, &st));
    CHECK_EQ(st.st_size, 4);
    struct statfs sfs;
    CHECK_SYS(fstatfs(fp, &sfs));
    /* O_PATH | O_NOFOLLOW names the symlink itself. */
    int lp = SYS(open("l", O_PATH | O_NOFOLLOW));
    CHECK_SYS(fstatat(lp, "", &st, AT_EMPTY_PATH));
    CHECK(S_ISLNK(st.st_mode));
    CHECK_SYS(fchdir(dp));
    CHECK_SYS(stat("f", &st));
    /* O_PATH ignores O_CREAT and O_TRUNC. */
    CHECK_ERR(open("new", O_PATH | O_CREAT, 0644), ENOENT);
    int tp = SYS(open("f", O_PATH | O_TRUNC | O_WRONLY));
    CHECK_SYS(fstat(tp, &st));
    CHECK_EQ(st.st_size, 4);
    close(tp);
    close(lp);
    close(copy);
    close(fp);
    close(dp);
}

static void fsync_descriptors(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
    CHECK_SYS(fsync(fd));
    CHECK_SYS(fdatasync(fd));
    CHECK_SYS(syncfs(fd));
    int p[2];
    CHECK_SYS(pipe(p));
    CHECK_ERR(fsync(p[0]), EINVAL);
    CHECK_ERR(fdatasync(p[1]), EINVAL);
    CHECK_SYS(syncfs(p[0]));
    CHECK_ERR(fsync(99), EBADF);
    CHECK_ERR(syncfs(99), EBADF);
    int path = SYS(open("f", O_PATH));
    CHECK_ERR(fsync(path), EBADF);
    close(path);
    close(fd);
}

static void rdonly_trunc(void)
{
    ut_write_file("f", "content", 7);
    int fd = SYS(open("f", O_RDONLY | O_TRUNC));
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_size, 0); /* truncated although opened read-only */
    char c;
    CHECK_EQ(SYS(read(fd, &c, 1)), 0);
    CHECK_ERR(write(fd, "x", 1), EBADF);
    close(fd);
}

static void getcwd_matches_dot(void)
{
    char cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    struct stat a, b;
    CHECK_SYS(stat(cwd, &a));
    CHECK_SYS(stat(".", &b));
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(a.st_dev, b.st_dev);
}

static void chroot_child(void)
{
    if (geteuid() != 0)
        SKIP("needs root");
    CHECK_SYS(mkdir("jail", 0755));
    ut_write_file("jail/inside", "", 0);
    struct stat jail;
    CHECK_SYS(stat("jail", &jail));
    pid_t pid = ut_fork();
    if (pid == 0) {
        CHECK_SYS(chroot("jail"));
        CHECK_SYS(chdir("/"));
        struct stat st;
        CHECK_SYS(stat("/inside", &st));
        CHECK_SYS(stat("/..", &st)); /* ".." of the root stays there */
        CHECK_EQ(st.st_ino, jail.st_ino);
        char cwd[64];
        CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
        CHECK_STR(cwd, "/");
        CHECK_ERR(chroot("inside"), ENOTDIR);
        CHECK_ERR(chroot("missing"), ENOENT);
        _exit(0);
    }
    ut_wait_exit(pid, 0);
}

/* ---- Record locks ---- */

static struct flock range(short type, off_t start, off_t len)
{
    return (struct flock){.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
}

/* In a child: what F_GETLK reports for a write lock on [start, start+len). */
static void expect_conflict(int fd, off_t start, off_t len, short type, off_t cstart, off_t clen)
{
    struct flock q = range(F_WRLCK, start, len);
    CHECK_SYS(fcntl(fd, F_GETLK, &q));
    CHECK_EQ(q.l_type, type);
    if (type != F_UNLCK) {
        CHECK_EQ(q.l_start, cstart);
        CHECK_EQ(q.l_len, clen);
    }
}

static void lock_split_merge(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
    struct flock l = range(F_WRLCK, 0, 100);
    CHECK_SYS(fcntl(fd, F_SETLK, &l));
    l = range(F_UNLCK, 40, 20);
    CHECK_SYS(fcntl(fd, F_SETLK, &l)); /* punches [40, 60) out of [0, 100) */
    l = range(F_WRLCK, 100, 10);
    CHECK_SYS(fcntl(fd, F_SETLK, &l)); /* merges with [60, 100) */
    l = range(F_RDLCK, 200, 0);
    CHECK_SYS(fcntl(fd, F_SETLK, &l)); /* to the end of any file */
    pid_t pid = ut_fork();
    if (pid == 0) {
        expect_conflict(fd, 0, 1, F_WRLCK, 0, 40);
        expect_conflict(fd, 40, 20, F_UNLCK, 0, 0);
        expect_conflict(fd, 50, 20, F_WRLCK, 60, 50);
        expect_conflict(fd, 1000, 1, F_RDLCK, 200, 0);
        struct flock rd = range(F_RDLCK, 500, 10);
        CHECK_SYS(fcntl(fd, F_SETLK, &rd)); /* read locks share */
        struct flock bad = range(F_WRLCK, 0, 0);
        bad.l_whence = 7;
        CHECK_ERR(fcntl(fd, F_SETLK, &bad), EINVAL);
        bad = range(5, 0, 1);
        CHECK_ERR(fcntl(fd, F_SETLK, &bad), EINVAL);
        bad = range(F_WRLCK, -5, 1);
        CHECK_ERR(fcntl(fd, F_SETLK, &bad), EINVAL);
        _exit(0);
    }
    ut_wait_exit(pid, 0);
    int ro = SYS(open("f", O_RDONLY));
    l = range(F_WRLCK, 0, 1);
    CHECK_ERR(fcntl(ro, F_SETLK, &l), EBADF); /* a write lock needs a writable descriptor */
    close(ro);
    close(fd);
}

static void lock_wait_release_on_close(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
    struct flock l = range(F_WRLCK, 0, 10);
    CHECK_SYS(fcntl(fd, F_SETLK, &l));
    pid_t pid = ut_fork();
    if (pid == 0) {
        int mine = SYS(open("f", O_RDWR));
        struct flock w = range(F_WRLCK, 5, 1);
        CHECK(fcntl(mine, F_SETLK, &w) == -1 && (errno == EAGAIN || errno == EACCES));
        int64_t t0 = ut_now_ns();
        CHECK_SYS(fcntl(mine, F_SETLKW, &w));
        CHECK_CMP(ut_now_ns() - t0, >=, 100 * 1000000ll); /* it did wait */
        _exit(0);
    }
    ut_sleep_ms(300);
    /* Closing any descriptor of the file drops this process's locks on it. */
    int other = SYS(open("f", O_RDONLY));
    close(other);
    ut_wait_exit(pid, 0);
    close(fd);
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void lock_wait_interrupted(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
    struct flock l = range(F_WRLCK, 0, 0);
    CHECK_SYS(fcntl(fd, F_SETLK, &l));
    pid_t pid = ut_fork();
    if (pid == 0) {
        ut_handle(SIGUSR1, on_usr1, 0); /* no SA_RESTART */
        int mine = SYS(open("f", O_RDWR));
        struct flock w = range(F_RDLCK, 0, 1);
        CHECK_ERR(fcntl(mine, F_SETLKW, &w), EINTR);
        _exit(0);
    }
    ut_sleep_ms(300);
    CHECK_SYS(kill(pid, SIGUSR1));
    ut_wait_exit(pid, 0);
    close(fd);
}

static void lock_deadlock(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
    struct flock a = range(F_WRLCK, 0, 1), b = range(F_WRLCK, 1, 1);
    CHECK_SYS(fcntl(fd, F_SETLK, &a));
    int go[2];
    CHECK_SYS(pipe(go));
    pid_t pid = ut_fork();
    if (pid == 0) {
        int mine = SYS(open("f", O_RDWR));
        CHECK_SYS(fcntl(mine, F_SETLK, &b));
        ut_write_all(go[1], "x", 1);
        CHECK_SYS(fcntl(mine, F_SETLKW, &a)); /* granted once the parent gives up */
        _exit(0);
    }
    char c;
    ut_read_all(go[0], &c, 1);
    ut_sleep_ms(300); /* let the child block on a */
    CHECK_ERR(fcntl(fd, F_SETLKW, &b), EDEADLK);
    struct flock un = range(F_UNLCK, 0, 0);
    CHECK_SYS(fcntl(fd, F_SETLK, &un));
    ut_wait_exit(pid, 0);
    close(fd);
}

static void ofd_locks(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
    struct flock l = range(F_WRLCK, 0, 10);
    CHECK_SYS(fcntl(fd, F_OFD_SETLK, &l));
    /* Another open file description of the same process conflicts with it. */
    int other = SYS(open("f", O_RDWR));
    struct flock q = range(F_RDLCK, 5, 1);
    CHECK_SYS(fcntl(other, F_OFD_GETLK, &q));
    CHECK_EQ(q.l_type, F_WRLCK);
    CHECK_EQ(q.l_pid, -1);
    q = range(F_RDLCK, 5, 1);
    CHECK_ERR(fcntl(other, F_OFD_SETLK, &q), EAGAIN);
    q = range(F_RDLCK, 5, 1);
    CHECK(fcntl(other, F_SETLK, &q) == -1 && (errno == EAGAIN || errno == EACCES));
    q = range(F_RDLCK, 5, 1);
    q.l_pid = 1;
    CHECK_ERR(fcntl(other, F_OFD_SETLK, &q), EINVAL);
    /* Closing a duplicate does not release it; closing the last reference does. */
    int copy = SYS(dup(fd));
    close(copy);
    q = range(F_RDLCK, 5, 1);
    CHECK_ERR(fcntl(other, F_OFD_SETLK, &q), EAGAIN);
    close(fd);
    q = range(F_RDLCK, 5, 1);
    CHECK_SYS(fcntl(other, F_OFD_SETLK, &q));
    close(other);
}

static const struct ut_test tests[] = {
    {"symlinkat_linkat", symlinkat_linkat},
    {"renameat2_flags", renameat2_flags},
    {"chown_rules", chown_rules},
    {"permission_rules", permission_rules},
    {"vfs_permissions", vfs_permissions},
    {"access_flags", access_flags},
    {"supplementary_groups", supplementary_groups},
    {"fallocate_extends", fallocate_extends},
    {"fsize_limit_sizes", fsize_limit_sizes},
    {"statx_fields", statx_fields},
    {"statfs_figures", statfs_figures},
    {"preadv2_pwritev2", preadv2_pwritev2},
    {"sendfile_copy_range", sendfile_copy_range},
    {"sendfile_to_pipe", sendfile_to_pipe},
    {"sendfile_to_tty_socket_device", sendfile_to_tty_socket_device},
    {"seek_data_hole", seek_data_hole},
    {"punch_hole_tmpfs", punch_hole_tmpfs},
    {"close_range_cases", close_range_cases},
    {"o_path_descriptors", o_path_descriptors},
    {"fsync_descriptors", fsync_descriptors},
    {"rdonly_trunc", rdonly_trunc},
    {"getcwd_matches_dot", getcwd_matches_dot},
    {"chroot_child", chroot_child},
    {"lock_split_merge", lock_split_merge},
    {"lock_wait_release_on_close", lock_wait_release_on_close},
    {"lock_wait_interrupted", lock_wait_interrupted},
    {"lock_deadlock", lock_deadlock},
    {"ofd_locks", ofd_locks},
};
UT_AREA(fsys, tests);
