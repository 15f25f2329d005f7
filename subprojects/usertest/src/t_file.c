/* file/: file and directory system calls. Every test runs in a fresh directory of its own
 * (under $USERTEST_DIR, $TMPDIR or /tmp), so they hold on ext4 and tmpfs alike. */
#define _GNU_SOURCE
#include "ut.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void read_write_lseek(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    CHECK_EQ(SYS(write(fd, "hello world", 11)), 11);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 11);
    CHECK_EQ(SYS(lseek(fd, 6, SEEK_SET)), 6);
    char buf[16] = {0};
    CHECK_EQ(SYS(read(fd, buf, sizeof(buf))), 5); /* short read at end of file */
    CHECK_MEM(buf, "world", 5);
    CHECK_EQ(SYS(read(fd, buf, sizeof(buf))), 0); /* EOF */
    CHECK_EQ(SYS(lseek(fd, -5, SEEK_END)), 6);
    CHECK_EQ(SYS(lseek(fd, -2, SEEK_CUR)), 4);
    CHECK_EQ(SYS(read(fd, buf, 3)), 3);
    CHECK_MEM(buf, "o w", 3);
    CHECK_ERR(lseek(fd, -100, SEEK_SET), EINVAL);
    CHECK_ERR(lseek(fd, 0, 42), EINVAL);
    /* Writing past the end leaves a hole that reads as zeros. */
    CHECK_EQ(SYS(lseek(fd, 20, SEEK_SET)), 20);
    CHECK_EQ(SYS(write(fd, "!", 1)), 1);
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_size, 21);
    CHECK_EQ(SYS(pread(fd, buf, 10, 11)), 10);
    static const char zeros[9];
    CHECK_MEM(buf, zeros, 9);
    CHECK_EQ(buf[9], '!');
    close(fd);
    CHECK_ERR(read(fd, buf, 1), EBADF);
}

static void pread_pwrite(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    ut_write_all(fd, "0123456789", 10);
    CHECK_SYS(lseek(fd, 3, SEEK_SET));
    CHECK_EQ(SYS(pwrite(fd, "AB", 2, 7)), 2);
    char buf[10];
    CHECK_EQ(SYS(pread(fd, buf, 4, 6)), 4);
    CHECK_MEM(buf, "6AB9", 4);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 3); /* neither moved the offset */
    CHECK_EQ(SYS(pread(fd, buf, 4, 100)), 0);
    CHECK_ERR(pread(fd, buf, 4, -1), EINVAL);
    int p[2];
    CHECK_SYS(pipe(p));
    CHECK_ERR(pread(p[0], buf, 1, 0), ESPIPE);
    CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
    close(fd);
}

static void readv_writev(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    struct iovec out[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
    CHECK_EQ(SYS(writev(fd, out, 3)), 8);
    CHECK_SYS(lseek(fd, 0, SEEK_SET));
    char a[2], b[10];
    struct iovec in[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    CHECK_EQ(SYS(readv(fd, in, 2)), 8);
    CHECK_MEM(a, "ab", 2);
    CHECK_MEM(b, "cdefgh", 6);
    CHECK_EQ(SYS(preadv(fd, in, 2, 5)), 3);
    CHECK_MEM(a, "fg", 2);
    CHECK_EQ(b[0], 'h');
    struct iovec bad = {ut_opaque_ptr(16), 4};
    CHECK_ERR(writev(fd, &bad, 1), EFAULT);
    CHECK_ERR(readv(fd, in, (int)ut_opaque(-1)), EINVAL);
    close(fd);
}

static void o_append(void)
{
    ut_write_file("f", "abc", 3);
    int fd = SYS(open("f", O_WRONLY | O_APPEND));
    CHECK_SYS(lseek(fd, 0, SEEK_SET));
    ut_write_all(fd, "de", 2); /* lands at the end regardless of the offset */
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_CUR)), 5);
    CHECK(SYS(fcntl(fd, F_GETFL)) & O_APPEND);
    CHECK_SYS(fcntl(fd, F_SETFL, 0)); /* clear O_APPEND */
    CHECK(!(SYS(fcntl(fd, F_GETFL)) & O_APPEND));
    CHECK_SYS(lseek(fd, 0, SEEK_SET));
    ut_write_all(fd, "X", 1);
    close(fd);
    char buf[16];
    CHECK_EQ(ut_read_file("f", buf, sizeof(buf)), 5);
    CHECK_STR(buf, "Xbcde");
}

static void o_trunc_excl(void)
{
    ut_write_file("f", "content", 7);
    int fd = SYS(open("f", O_RDWR | O_TRUNC));
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_size, 0);
    close(fd);
    CHECK_ERR(open("f", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
    fd = SYS(open("g", O_RDWR | O_CREAT | O_EXCL, 0644));
    close(fd);
    CHECK_SYS(symlink("nowhere", "dangling"));
    CHECK_ERR(open("dangling", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST); /* not followed */
    CHECK_ERR(open("nowhere", O_RDONLY), ENOENT);
}

static void o_cloexec_fcntl(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    CHECK_EQ(SYS(fcntl(fd, F_GETFD)), FD_CLOEXEC);
    int plain = SYS(open("f", O_RDONLY));
    CHECK_EQ(SYS(fcntl(plain, F_GETFD)), 0);
    CHECK_SYS(fcntl(plain, F_SETFD, FD_CLOEXEC));
    CHECK_EQ(SYS(fcntl(plain, F_GETFD)), FD_CLOEXEC);
    int d = SYS(dup(fd));
    CHECK_EQ(SYS(fcntl(d, F_GETFD)), 0); /* dup does not copy the fd flag */
    int d2 = SYS(fcntl(fd, F_DUPFD_CLOEXEC, 0));
    CHECK_EQ(SYS(fcntl(d2, F_GETFD)), FD_CLOEXEC);
    int d3 = SYS(fcntl(fd, F_DUPFD, 100));
    CHECK_CMP(d3, >=, 100);
    CHECK_EQ(SYS(fcntl(fd, F_GETFL)) & O_ACCMODE, O_RDWR);
    CHECK_ERR(fcntl(1000, F_GETFD), EBADF);
}

static void dup_family(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    close(5);
    close(6);
    CHECK_EQ(SYS(dup2(fd, 5)), 5);
    int low = SYS(dup(fd));
    CHECK(low < 5 || low == 6); /* the lowest free number */
    for (int i = 0; i < low; i++)
        CHECK(fcntl(i, F_GETFD) >= 0);
    /* dup2 onto an open descriptor closes it first; the copies share the offset. */
    int other = SYS(open("g", O_RDWR | O_CREAT, 0644));
    CHECK_EQ(SYS(dup2(fd, other)), other);
    ut_write_all(fd, "abc", 3);
    CHECK_EQ(SYS(lseek(other, 0, SEEK_CUR)), 3);
    CHECK_EQ(SYS(lseek(5, 0, SEEK_CUR)), 3);
    CHECK_EQ(SYS(dup2(fd, fd)), fd);
    CHECK_ERR(dup3(fd, fd, 0), EINVAL);
    CHECK_EQ(SYS(dup3(fd, 6, O_CLOEXEC)), 6);
    CHECK_EQ(SYS(fcntl(6, F_GETFD)), FD_CLOEXEC);
    CHECK_ERR(dup3(fd, 7, O_APPEND), EINVAL);
    CHECK_ERR(dup2(999, 7), EBADF);
    CHECK_ERR(dup(-1), EBADF);
    close(fd);
    CHECK_EQ(SYS(lseek(5, 0, SEEK_END)), 3); /* still open through the copy */
}

static void ftruncate_sizes(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    ut_write_all(fd, "0123456789", 10);
    CHECK_SYS(ftruncate(fd, 4));
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_size, 4);
    CHECK_SYS(ftruncate(fd, 4096 + 7)); /* grows with zeros */
    char buf[8];
    CHECK_EQ(SYS(pread(fd, buf, 8, 2)), 8);
    CHECK_MEM(buf, "23\0\0\0\0\0\0", 8);
    CHECK_EQ(SYS(lseek(fd, 0, SEEK_END)), 4096 + 7);
    CHECK_SYS(truncate("f", 1));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_size, 1);
    CHECK_ERR(ftruncate(fd, -1), EINVAL);
    int ro = SYS(open("f", O_RDONLY));
    CHECK_ERR(ftruncate(ro, 0), EINVAL); /* not open for writing */
    CHECK_SYS(mkdir("d", 0755));
    CHECK_ERR(truncate("d", 0), EISDIR);
    close(fd);
}

static void stat_fields(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0640));
    char data[1234];
    memset(data, 'x', sizeof(data));
    ut_write_all(fd, data, sizeof(data));
    struct stat st, fst, lst;
    CHECK_SYS(stat("f", &st));
    CHECK_SYS(fstat(fd, &fst));
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0640);
    CHECK_EQ(st.st_size, 1234);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_uid, geteuid());
    CHECK_EQ(st.st_ino, fst.st_ino);
    CHECK_EQ(st.st_dev, fst.st_dev);
    CHECK_CMP(st.st_blksize, >, 0);
    CHECK_CMP(st.st_blocks * 512, >=, 1234);
    CHECK_CMP(st.st_mtime, >, 1577836800); /* after 2020 */

    CHECK_SYS(symlink("f", "link"));
    CHECK_SYS(lstat("link", &lst));
    CHECK(S_ISLNK(lst.st_mode));
    CHECK_EQ(lst.st_size, 1); /* the length of the target "f" */
    CHECK(lst.st_ino != st.st_ino);
    CHECK_SYS(stat("link", &lst)); /* stat follows */
    CHECK_EQ(lst.st_ino, st.st_ino);
    CHECK_SYS(fstatat(AT_FDCWD, "link", &lst, AT_SYMLINK_NOFOLLOW));
    CHECK(S_ISLNK(lst.st_mode));

    CHECK_SYS(mkdir("d", 0755));
    CHECK_SYS(mkdir("d/sub", 0755));
    CHECK_SYS(stat("d", &st));
    CHECK(S_ISDIR(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0755);
    struct stat dot;
    CHECK_SYS(stat("d/sub/..", &dot));
    CHECK_EQ(dot.st_ino, st.st_ino);
    CHECK_ERR(stat("missing", &st), ENOENT);
    CHECK_ERR(stat("f/x", &st), ENOTDIR);
    CHECK_ERR(stat("", &st), ENOENT);
    close(fd);
}

static void mkdir_rmdir_unlink(void)
{
    CHECK_SYS(mkdir("d", 0750));
    CHECK_ERR(mkdir("d", 0750), EEXIST);
    ut_write_file("d/f", "x", 1);
    CHECK_ERR(rmdir("d"), ENOTEMPTY);
    CHECK_ERR(rmdir("d/f"), ENOTDIR);
    CHECK_ERR(unlink("d"), EISDIR);
    CHECK_ERR(mkdir("missing/d", 0755), ENOENT);
    CHECK_ERR(rmdir("."), EINVAL);
    CHECK_SYS(unlink("d/f"));
    CHECK_ERR(unlink("d/f"), ENOENT);
    CHECK_SYS(rmdir("d"));
    struct stat st;
    CHECK_ERR(stat("d", &st), ENOENT);

    /* mkdirat/unlinkat relative to a directory descriptor. */
    CHECK_SYS(mkdir("base", 0755));
    int dfd = SYS(open("base", O_RDONLY | O_DIRECTORY));
    CHECK_SYS(mkdirat(dfd, "inner", 0755));
    int fd = SYS(openat(dfd, "inner/file", O_WRONLY | O_CREAT, 0644));
    close(fd);
    CHECK_SYS(stat("base/inner/file", &st));
    CHECK_ERR(unlinkat(dfd, "inner", AT_REMOVEDIR), ENOTEMPTY);
    CHECK_SYS(unlinkat(dfd, "inner/file", 0));
    CHECK_SYS(unlinkat(dfd, "inner", AT_REMOVEDIR));
    close(dfd);
}

static void unlink_open_file(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
    ut_write_all(fd, "still here", 10);
    CHECK_SYS(unlink("f"));
    struct stat st;
    CHECK_ERR(stat("f", &st), ENOENT);
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_nlink, 0);
    char buf[10];
    CHECK_EQ(SYS(pread(fd, buf, 10, 0)), 10); /* the data lives until the last close */
    CHECK_MEM(buf, "still here", 10);
    close(fd);
}

static void rename_cases(void)
{
    ut_write_file("a", "A", 1);
    ut_write_file("b", "B", 1);
    struct stat sa, sb;
    CHECK_SYS(stat("a", &sa));
    CHECK_SYS(rename("a", "b")); /* replaces b */
    CHECK_ERR(stat("a", &sb), ENOENT);
    CHECK_SYS(stat("b", &sb));
    CHECK_EQ(sb.st_ino, sa.st_ino);
    char buf[4];
    ut_read_file("b", buf, sizeof(buf));
    CHECK_STR(buf, "A");
    CHECK_SYS(mkdir("d", 0755));
    CHECK_SYS(mkdir("d/e", 0755));
    CHECK_SYS(rename("b", "d/e/moved"));
    CHECK_SYS(stat("d/e/moved", &sb));
    CHECK_EQ(sb.st_ino, sa.st_ino);
    CHECK_ERR(rename("d", "d/e/inside"), EINVAL);   /* into its own subtree */
    CHECK_ERR(rename("d/e/moved", "d"), ENOTEMPTY); /* "d" is an ancestor of the source */
    CHECK_SYS(mkdir("empty", 0755));
    CHECK_ERR(rename("d/e/moved", "empty"), EISDIR);
    CHECK_ERR(rename("empty", "d/e/moved"), ENOTDIR);
    CHECK_SYS(mkdir("full", 0755));
    ut_write_file("full/x", "", 0);
    CHECK_ERR(rename("empty", "full"), ENOTEMPTY); /* the target is a non-empty dir */
    CHECK_SYS(rename("empty", "d2"));              /* directories move too */
    CHECK_ERR(rename("missing", "x"), ENOENT);
    CHECK_SYS(rename("d2", "d2")); /* same file: no-op success */
}

static void hard_links(void)
{
    ut_write_file("f", "data", 4);
    CHECK_SYS(link("f", "g"));
    struct stat sf, sg;
    CHECK_SYS(stat("f", &sf));
    CHECK_SYS(stat("g", &sg));
    CHECK_EQ(sf.st_ino, sg.st_ino);
    CHECK_EQ(sf.st_nlink, 2);
    CHECK_ERR(link("f", "g"), EEXIST);
    CHECK_ERR(link("missing", "h"), ENOENT);
    CHECK_SYS(mkdir("d", 0755));
    CHECK_ERR(link("d", "d2"), EPERM);
    CHECK_SYS(unlink("f"));
    CHECK_SYS(stat("g", &sg));
    CHECK_EQ(sg.st_nlink, 1);
    char buf[8];
    ut_read_file("g", buf, sizeof(buf));
    CHECK_STR(buf, "data");
}

static void symlinks(void)
{
    ut_write_file("target", "T", 1);
    CHECK_SYS(symlink("target", "s"));
    char buf[64];
    memset(buf, '#', sizeof(buf));
    CHECK_EQ(SYS(readlink("s", buf, sizeof(buf))), 6);
    CHECK_EQ(buf[6], '#');                   /* no terminating NUL */
    CHECK_EQ(SYS(readlink("s", buf, 3)), 3); /* silently truncated */
    CHECK_MEM(buf, "tar", 3);
    CHECK_ERR(readlink("target", buf, sizeof(buf)), EINVAL);
    CHECK_ERR(readlink("missing", buf, sizeof(buf)), ENOENT);
    ut_read_file("s", buf, sizeof(buf));
    CHECK_STR(buf, "T");
    CHECK_SYS(symlink("loop2", "loop1"));
    CHECK_SYS(symlink("loop1", "loop2"));
    CHECK_ERR(open("loop1", O_RDONLY), ELOOP);
    CHECK_ERR(open("s", O_RDONLY | O_NOFOLLOW), ELOOP);
    CHECK_ERR(symlink("x", "s"), EEXIST);
    CHECK_SYS(mkdir("dir", 0755));
    CHECK_SYS(symlink("dir", "dirlink"));
    ut_write_file("dirlink/inside", "I", 1); /* path walk follows the link */
    struct stat st;
    CHECK_SYS(stat("dir/inside", &st));
    CHECK_SYS(symlink("/", "abs"));
    CHECK_SYS(stat("abs", &st));
    CHECK(S_ISDIR(st.st_mode));
    CHECK_SYS(unlink("s")); /* removes the link, not the target */
    CHECK_SYS(stat("target", &st));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void readdir_listing(void)
{
    enum { N = 60 };
    CHECK_SYS(mkdir("d", 0755));
    for (int i = 0; i < N; i++) {
        char name[64];
        snprintf(name, sizeof(name), "d/file-%02d-with-a-longer-name", i);
        ut_write_file(name, "", 0);
    }
    CHECK_SYS(mkdir("d/subdir", 0755));
    DIR *d = opendir("d");
    CHECK(d != NULL);
    char *names[N + 8];
    int n = 0, dots = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            dots++;
            CHECK(e->d_type == DT_DIR || e->d_type == DT_UNKNOWN);
            continue;
        }
        CHECK(n < N + 8);
        names[n++] = strdup(e->d_name);
        unsigned want = strcmp(e->d_name, "subdir") == 0 ? DT_DIR : DT_REG;
        CHECK(e->d_type == want || e->d_type == DT_UNKNOWN);
        struct stat st;
        CHECK_SYS(fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW));
        CHECK_EQ(e->d_ino, st.st_ino);
    }
    CHECK_EQ(dots, 2);
    CHECK_EQ(n, N + 1);
    qsort(names, n, sizeof(names[0]), cmp_str);
    for (int i = 0; i < N; i++) {
        char name[64];
        snprintf(name, sizeof(name), "file-%02d-with-a-longer-name", i);
        CHECK_STR(names[i], name);
    }
    CHECK_STR(names[N], "subdir");
    rewinddir(d);
    int again = 0;
    while (readdir(d) != NULL)
        again++;
    CHECK_EQ(again, N + 3);
    closedir(d);

    /* Raw getdents64 with a small buffer takes several calls; a tiny one is refused. */
    int fd = SYS(open("d", O_RDONLY | O_DIRECTORY));
    char buf[256];
    int total = 0, calls = 0;
    long r;
    while ((r = SYS(syscall(SYS_getdents64, fd, buf, sizeof(buf)))) > 0) {
        calls++;
        for (long off = 0; off < r;) {
            unsigned short reclen = *(unsigned short *)(buf + off + 16);
            CHECK_CMP(reclen, >=, 20);
            CHECK_EQ(reclen % 8, 0);
            total++;
            off += reclen;
        }
    }
    CHECK_EQ(total, N + 3);
    CHECK_CMP(calls, >, 1);
    CHECK_SYS(lseek(fd, 0, SEEK_SET));
    CHECK_ERR(syscall(SYS_getdents64, fd, buf, 8), EINVAL);
    int file = SYS(open("d/subdir/../file-00-with-a-longer-name", O_RDONLY));
    CHECK_ERR(syscall(SYS_getdents64, file, buf, sizeof(buf)), ENOTDIR);
    close(fd);
}

static void getcwd_chdir(void)
{
    char start[PATH_MAX], now[PATH_MAX];
    CHECK(getcwd(start, sizeof(start)) != NULL);
    CHECK_EQ(start[0], '/');
    CHECK_SYS(mkdir("sub", 0755));
    CHECK_SYS(chdir("sub"));
    CHECK(getcwd(now, sizeof(now)) != NULL);
    CHECK_EQ(strlen(now), strlen(start) + 4);
    CHECK_MEM(now, start, strlen(start));
    CHECK_STR(now + strlen(start), "/sub");
    ut_write_file("here", "", 0);
    CHECK_SYS(chdir(".."));
    CHECK(getcwd(now, sizeof(now)) != NULL);
    CHECK_STR(now, start);
    struct stat st;
    CHECK_SYS(stat("sub/here", &st));
    int fd = SYS(open("sub", O_RDONLY | O_DIRECTORY));
    CHECK_SYS(fchdir(fd));
    CHECK_SYS(stat("here", &st));
    CHECK(getcwd(now, 3) == NULL);
    CHECK_EQ(errno, ERANGE);
    CHECK_ERR(chdir("here"), ENOTDIR);
    CHECK_ERR(chdir("missing"), ENOENT);
    /* The cwd may be removed; getcwd then fails with ENOENT. */
    CHECK_SYS(mkdir("gone", 0755));
    CHECK_SYS(chdir("gone"));
    CHECK_SYS(rmdir("../gone"));
    CHECK(getcwd(now, sizeof(now)) == NULL);
    CHECK_EQ(errno, ENOENT);
}

static void access_modes(void)
{
    ut_write_file("f", "", 0);
    CHECK_SYS(chmod("f", 0644));
    CHECK_SYS(access("f", F_OK));
    CHECK_SYS(access("f", R_OK | W_OK));
    CHECK_ERR(access("f", X_OK), EACCES); /* no execute bit: refused even for root */
    CHECK_ERR(access("missing", F_OK), ENOENT);
    CHECK_SYS(chmod("f", 0755));
    CHECK_SYS(access("f", X_OK));
    CHECK_SYS(chmod("f", 0444));
    if (geteuid() != 0)
        CHECK_ERR(access("f", W_OK), EACCES);
    else
        CHECK_SYS(access("f", W_OK)); /* root may write regardless */
    CHECK_SYS(faccessat(AT_FDCWD, "f", R_OK, 0));
    CHECK_ERR(access("f/x", F_OK), ENOTDIR);
}

static void umask_modes(void)
{
    CHECK_EQ(umask(077), 022); /* the harness sets 022 */
    int fd = SYS(open("a", O_WRONLY | O_CREAT, 0666));
    close(fd);
    CHECK_SYS(mkdir("d", 0777));
    struct stat st;
    CHECK_SYS(stat("a", &st));
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK_SYS(stat("d", &st));
    CHECK_EQ(st.st_mode & 0777, 0700);
    CHECK_EQ(umask(0), 077);
    fd = SYS(open("b", O_WRONLY | O_CREAT, 0666));
    close(fd);
    CHECK_SYS(stat("b", &st));
    CHECK_EQ(st.st_mode & 0777, 0666);
    /* chmod is not subject to the umask. */
    umask(0777);
    CHECK_SYS(chmod("b", 0751));
    CHECK_SYS(stat("b", &st));
    CHECK_EQ(st.st_mode & 07777, 0751);
    fd = SYS(open("b", O_RDONLY));
    CHECK_SYS(fchmod(fd, 0600));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_mode & 07777, 0600);
    close(fd);
}

static void utimensat_times(void)
{
    ut_write_file("f", "x", 1);
    struct timespec ts[2] = {{1600000000, 123456789}, {1700000000, 987654321}};
    CHECK_SYS(utimensat(AT_FDCWD, "f", ts, 0));
    struct stat st;
    CHECK_SYS(stat("f", &st));
    CHECK_EQ(st.st_atim.tv_sec, 1600000000);
    CHECK_EQ(st.st_atim.tv_nsec, 123456789);
    CHECK_EQ(st.st_mtim.tv_sec, 1700000000);
    CHECK_EQ(st.st_mtim.tv_nsec, 987654321);
    /* UTIME_OMIT keeps a time; UTIME_NOW sets it to the current time. */
    struct timespec partial[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    CHECK_SYS(utimensat(AT_FDCWD, "f", partial, 0));
    CHECK_SYS(stat("f", &st));
    CHECK_EQ(st.st_atim.tv_sec, 1600000000);
    time_t now = time(NULL);
    CHECK_CMP(st.st_mtim.tv_sec, >=, now - 5);
    CHECK_CMP(st.st_mtim.tv_sec, <=, now + 5);
    int fd = SYS(open("f", O_RDWR));
    struct timespec again[2] = {{1500000000, 0}, {1500000001, 0}};
    CHECK_SYS(futimens(fd, again));
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_mtim.tv_sec, 1500000001);
    /* A write updates mtime. */
    ut_write_all(fd, "y", 1);
    CHECK_SYS(fstat(fd, &st));
    CHECK_CMP(st.st_mtim.tv_sec, >=, now - 5);
    close(fd);
    /* On a symlink itself with AT_SYMLINK_NOFOLLOW. */
    CHECK_SYS(symlink("f", "l"));
    CHECK_SYS(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
    CHECK_SYS(lstat("l", &st));
    CHECK_EQ(st.st_mtim.tv_sec, 1700000000);
    CHECK_SYS(stat("l", &st));
    CHECK(st.st_mtim.tv_sec != 1700000000);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    CHECK_ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
}

static void open_errors(void)
{
    ut_write_file("f", "", 0);
    CHECK_SYS(mkdir("d", 0755));
    CHECK_ERR(open("missing", O_RDONLY), ENOENT);
    CHECK_ERR(open("d", O_WRONLY), EISDIR);
    CHECK_ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_ERR(open("f/x", O_RDONLY), ENOTDIR);
    CHECK_ERR(open("missing/x", O_RDONLY | O_CREAT, 0644), ENOENT);
    char longname[NAME_MAX + 2];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    CHECK_ERR(open(longname, O_RDONLY | O_CREAT, 0644), ENAMETOOLONG);
    int wo = SYS(open("f", O_WRONLY));
    char c;
    CHECK_ERR(read(wo, &c, 1), EBADF);
    int ro = SYS(open("f", O_RDONLY));
    CHECK_ERR(write(ro, "x", 1), EBADF);
    int rw = SYS(open("f", O_RDWR));
    ut_write_all(rw, "z", 1);
    CHECK_SYS(lseek(rw, 0, SEEK_SET));
    CHECK_ERR(read(rw, ut_opaque_ptr(16), 1), EFAULT);
    int dfd = SYS(open("d", O_RDONLY | O_DIRECTORY));
    CHECK_ERR(read(dfd, &c, 1), EISDIR);
}

static void large_file(void)
{
    enum { CHUNK = 64 * 1024, CHUNKS = 16 };
    uint32_t *buf = malloc(CHUNK);
    CHECK(buf != NULL);
    int fd = SYS(open("big", O_RDWR | O_CREAT | O_TRUNC, 0644));
    for (int c = 0; c < CHUNKS; c++) {
        for (size_t i = 0; i < CHUNK / 4; i++)
            buf[i] = (uint32_t)(c * (CHUNK / 4) + i) * 2654435761u;
        ut_write_all(fd, buf, CHUNK);
    }
    CHECK_SYS(fsync(fd));
    CHECK_SYS(lseek(fd, 0, SEEK_SET));
    for (int c = 0; c < CHUNKS; c++) {
        ut_read_all(fd, buf, CHUNK);
        for (size_t i = 0; i < CHUNK / 4; i++)
            if (buf[i] != (uint32_t)(c * (CHUNK / 4) + i) * 2654435761u)
                FAIL("word %zu of chunk %d differs", i, c);
    }
    /* A sparse write far out: size grows, the gap reads as zeros. */
    CHECK_EQ(SYS(pwrite(fd, "end", 3, 64 << 20)), 3);
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_size, (64 << 20) + 3);
    CHECK_EQ(SYS(pread(fd, buf, 16, 32 << 20)), 16);
    CHECK_EQ(buf[0] | buf[1] | buf[2] | buf[3], 0);
    close(fd);
    free(buf);
}

static void record_locks(void)
{
    int fd = SYS(open("f", O_RDWR | O_CREAT, 0644));
    ut_write_all(fd, "0123456789", 10);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 3};
    CHECK_SYS(fcntl(fd, F_SETLK, &fl));
    pid_t me = getpid();
    pid_t pid = ut_fork();
    if (pid == 0) {
        struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
        CHECK_SYS(fcntl(fd, F_GETLK, &q));
        CHECK_EQ(q.l_type, F_WRLCK); /* the parent's lock conflicts */
        CHECK_EQ(q.l_pid, me);
        CHECK_EQ(q.l_start, 2);
        CHECK_EQ(q.l_len, 3);
        struct flock t = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 3, .l_len = 1};
        CHECK(fcntl(fd, F_SETLK, &t) == -1 && (errno == EAGAIN || errno == EACCES));
        struct flock free_range = {
            .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 6, .l_len = 2};
        CHECK_SYS(fcntl(fd, F_SETLK, &free_range)); /* does not overlap */
        _exit(0);
    }
    ut_wait_exit(pid, 0);
    /* Our own locks never conflict with ourselves. */
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK_SYS(fcntl(fd, F_GETLK, &q));
    CHECK_EQ(q.l_type, F_UNLCK);
    close(fd);
}

static const struct ut_test tests[] = {
    {"read_write_lseek", read_write_lseek},
    {"pread_pwrite", pread_pwrite},
    {"readv_writev", readv_writev},
    {"o_append", o_append},
    {"o_trunc_excl", o_trunc_excl},
    {"o_cloexec_fcntl", o_cloexec_fcntl},
    {"dup_family", dup_family},
    {"ftruncate_sizes", ftruncate_sizes},
    {"stat_fields", stat_fields},
    {"mkdir_rmdir_unlink", mkdir_rmdir_unlink},
    {"unlink_open_file", unlink_open_file},
    {"rename_cases", rename_cases},
    {"hard_links", hard_links},
    {"symlinks", symlinks},
    {"readdir_listing", readdir_listing},
    {"getcwd_chdir", getcwd_chdir},
    {"access_modes", access_modes},
    {"umask_modes", umask_modes},
    {"utimensat_times", utimensat_times},
    {"open_errors", open_errors},
    {"large_file", large_file},
    {"record_locks", record_locks},
};
UT_AREA(file, tests);
