/* usertest harness: selects tests, runs each in its own forked child (own process group,
 * own fresh working directory, a timeout), and prints one line per test plus a summary. */
#define _GNU_SOURCE
#include "ut.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_TIMEOUT_S 10
#define SKIP_EXIT_CODE 77

extern const struct ut_area ut_area_proc, ut_area_thread, ut_area_futex, ut_area_signal,
    ut_area_file, ut_area_pipe, ut_area_poll, ut_area_mmap, ut_area_time, ut_area_procfs,
    ut_area_misc, ut_area_mount, ut_area_fsys, ut_area_pty, ut_area_socket, ut_area_flock,
    ut_area_ptrace;

static const struct ut_area *const areas[] = {
    &ut_area_proc,  &ut_area_thread, &ut_area_futex, &ut_area_signal, &ut_area_file,
    &ut_area_pipe,  &ut_area_poll,   &ut_area_mmap,  &ut_area_time,   &ut_area_procfs,
    &ut_area_misc,  &ut_area_mount,  &ut_area_fsys,  &ut_area_pty,    &ut_area_socket,
    &ut_area_flock, &ut_area_ptrace,
};

int ut_argc;
char **ut_argv;
char ut_self_path[PATH_MAX];

/* Write end of the pipe on which a test (or any of its helper processes) reports why it
 * failed or skipped; -1 in the harness itself. */
static int result_fd = -1;

static void report(char kind, const char *file, int line, const char *fmt, va_list ap)
{
    char msg[768];
    int n = 0;
    msg[n++] = kind;
    if (file)
        n += snprintf(msg + n, sizeof(msg) - n, "%s:%d: ", file, line);
    n += vsnprintf(msg + n, sizeof(msg) - n - 1, fmt, ap);
    if (n > (int)sizeof(msg) - 2)
        n = sizeof(msg) - 2;
    msg[n++] = '\n';
    if (result_fd >= 0) {
        ssize_t w = write(result_fd, msg, n);
        (void)w;
    } else {
        fprintf(stderr, "%.*s", n - 1, msg + 1);
    }
}

void ut_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report('F', file, line, fmt, ap);
    va_end(ap);
    _exit(1);
}

void ut_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report('S', NULL, 0, fmt, ap);
    va_end(ap);
    _exit(SKIP_EXIT_CODE);
}

/* Remove the directory tree at dirfd/name (best effort: a failing test may leave odd
 * modes or a broken tree behind, which must not stop the run). */
static void remove_tree(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        fchmod(fd, 0700);
        DIR *d = fdopendir(fd);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                if (unlinkat(fd, e->d_name, 0) != 0)
                    remove_tree(fd, e->d_name);
            }
            closedir(d);
        } else {
            close(fd);
        }
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
}

/* Reset what a test may rely on being pristine: all dispositions default, nothing
 * blocked, a group of its own (so a timeout kills its helpers too), a fresh directory. */
static void enter_test(const char *dir)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    setpgid(0, 0);
    umask(022);
    if (chdir(dir) != 0)
        FAIL("chdir %s: %s", dir, strerror(errno));
}

static void describe_status(int st, char *buf, size_t cap)
{
    if (WIFEXITED(st))
        snprintf(buf, cap, "exited with status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        snprintf(buf, cap, "wait status 0x%x", st);
}

enum outcome { PASSED, FAILED, SKIPPED };

/* Run one test in a child and print its line. */
static enum outcome run_test(const struct ut_area *area, const struct ut_test *t, const char *base,
                             int index)
{
    char dir[PATH_MAX + 32], subdir[32];
    snprintf(subdir, sizeof(subdir), "t%03d", index);
    snprintf(dir, sizeof(dir), "%s/%s", base, subdir);
    if (mkdir(dir, 0755) != 0) {
        printf("FAIL %s/%s: harness: mkdir %s: %s\n", area->name, t->name, dir, strerror(errno));
        return FAILED;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        printf("FAIL %s/%s: harness: pipe2: %s\n", area->name, t->name, strerror(errno));
        return FAILED;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL %s/%s: harness: fork: %s\n", area->name, t->name, strerror(errno));
        close(p[0]);
        close(p[1]);
        return FAILED;
    }
    if (pid == 0) {
        close(p[0]);
        result_fd = p[1];
        enter_test(dir);
        t->fn();
        _exit(0);
    }
    close(p[1]);
    setpgid(pid, pid);

    int st = 0;
    timed_out = 0;
    alarm(TEST_TIMEOUT_S);
    while (waitpid(pid, &st, 0) < 0) {
        if (errno == EINTR && timed_out) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
        } else if (errno != EINTR) {
            break;
        }
    }
    alarm(0);
    kill(-pid, SIGKILL); /* stray helpers left in the test's group */

    char msg[1024] = "";
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    ssize_t n = read(p[0], msg, sizeof(msg) - 1);
    close(p[0]);
    msg[n > 0 ? n : 0] = '\0';
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = '\0';

    int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        remove_tree(dfd, subdir);
        close(dfd);
    }

    if (timed_out) {
        printf("FAIL %s/%s: timed out after %d s%s%s\n", area->name, t->name, TEST_TIMEOUT_S,
               msg[0] ? "; " : "", msg[0] ? msg + 1 : "");
        return FAILED;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && msg[0] == '\0') {
        printf("PASS %s/%s\n", area->name, t->name);
        return PASSED;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == SKIP_EXIT_CODE && msg[0] == 'S') {
        printf("SKIP %s/%s: %s\n", area->name, t->name, msg + 1);
        return SKIPPED;
    }
    if (msg[0]) {
        printf("FAIL %s/%s: %s\n", area->name, t->name, msg + 1);
    } else {
        char why[128];
        describe_status(st, why, sizeof(why));
        printf("FAIL %s/%s: test process %s\n", area->name, t->name, why);
    }
    return FAILED;
}

/* A test is selected by "area/name", "area/" or "area" (whole area), or its bare name. */
static bool selected(const struct ut_area *area, const struct ut_test *t, int nsel, char **sel)
{
    if (nsel == 0)
        return true;
    size_t alen = strlen(area->name);
    for (int i = 0; i < nsel; i++) {
        const char *s = sel[i];
        if (strcmp(s, t->name) == 0 || strcmp(s, area->name) == 0)
            return true;
        if (strncmp(s, area->name, alen) == 0 && s[alen] == '/' &&
            (s[alen + 1] == '\0' || strcmp(s + alen + 1, t->name) == 0))
            return true;
    }
    return false;
}

/* Create the fresh base directory: $USERTEST_DIR/usertest.XXXXXX, else under $TMPDIR or
 * /tmp. Tests run inside subdirectories of it, so it works on any writable filesystem. */
static bool make_base_dir(char *out, size_t cap)
{
    const char *parent = getenv("USERTEST_DIR");
    if (!parent || !*parent)
        parent = getenv("TMPDIR");
    if (!parent || !*parent)
        parent = "/tmp";
    snprintf(out, cap, "%s/usertest.XXXXXX", parent);
    if (!mkdtemp(out)) {
        fprintf(stderr, "usertest: mkdtemp %s: %s\n", out, strerror(errno));
        return false;
    }
    return true;
}

static void usage(void)
{
    fprintf(stderr, "usage: usertest [-l] [area/ | area/name | name]...\n"
                    "  runs each test in a forked child; USERTEST_DIR picks the directory\n"
                    "  under which file tests run (default $TMPDIR or /tmp)\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--exec-helper") == 0)
        return ut_exec_helper(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "--exec-mt-helper") == 0)
        return ut_exec_mt_helper(argc, argv);
    ut_argc = argc;
    ut_argv = argv;
    /* Found through $PATH, argv[0] is a bare name: execve's path is in AT_EXECFN. */
    const char *self = strchr(argv[0], '/') ? argv[0] : (const char *)getauxval(AT_EXECFN);
    if (!self || !realpath(self, ut_self_path))
        snprintf(ut_self_path, sizeof(ut_self_path), "/proc/self/exe");

    bool list = false;
    int nsel = 0;
    char **sel = calloc(argc, sizeof(char *));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-l") == 0) {
            list = true;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        } else if (argv[i][0] == '-') {
            usage();
            return 2;
        } else {
            sel[nsel++] = argv[i];
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    int matched = 0;
    for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++)
        for (size_t i = 0; i < areas[a]->count; i++)
            if (selected(areas[a], &areas[a]->tests[i], nsel, sel)) {
                matched++;
                if (list)
                    printf("%s/%s\n", areas[a]->name, areas[a]->tests[i].name);
            }
    if (list)
        return 0;
    if (matched == 0) {
        fprintf(stderr, "usertest: no test matches\n");
        return 2;
    }

    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core); /* tests crash children on purpose */
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: interrupts waitpid */
    signal(SIGPIPE, SIG_IGN);

    char base[PATH_MAX];
    if (!make_base_dir(base, sizeof(base)))
        return 1;

    int counts[3] = {0, 0, 0}, index = 0;
    for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++)
        for (size_t i = 0; i < areas[a]->count; i++)
            if (selected(areas[a], &areas[a]->tests[i], nsel, sel))
                counts[run_test(areas[a], &areas[a]->tests[i], base, index++)]++;
    rmdir(base);

    if (counts[SKIPPED])
        printf("%d passed, %d failed, %d skipped\n", counts[PASSED], counts[FAILED],
               counts[SKIPPED]);
    else
        printf("%d passed, %d failed\n", counts[PASSED], counts[FAILED]);
    return counts[FAILED] ? 1 : 0;
}
