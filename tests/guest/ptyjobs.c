/*
 * ptyjobs: job control driven over a pseudo-terminal. Opens /dev/ptmx, starts an
 * interactive bash on the slave (a session leader with the slave as its controlling
 * terminal), then types a job, ^Z, jobs, bg, fg and ^C into the master and checks what bash
 * prints. Exits 0 and prints "ptyjobs: ok" on success, 1 with the transcript otherwise.
 *
 * usage: ptyjobs [SHELL-COMMAND...]   (default: /bin/bash --norc --noprofile --noediting -i)
 * PTYJOBS_JOB picks the job (default "sleep 100"), PTYJOBS_SHOWN how bash lists it (default:
 * the job). On a host without binfmt_misc, run it under qemu-aarch64-static with
 * "qemu-aarch64-static -L ROOT ROOT/bin/bash ..." as the shell command and a job that needs
 * no exec: PTYJOBS_JOB='(while :; do :; done)' PTYJOBS_SHOWN='( while :; do'.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROMPT "PTYSH$ "

static char transcript[65536];
static size_t tlen, mark; /* mark: where the next expect starts looking */
static int master = -1;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void fail(const char *what)
{
    printf("ptyjobs: FAIL: %s\n--- transcript ---\n%.*s\n--- end ---\n", what, (int)tlen,
           transcript);
    exit(1);
}

/* Reads the master for up to ms milliseconds or until text appears after the mark. */
static int pump(const char *text, int ms)
{
    long long end = now_ms() + ms;
    for (;;) {
        transcript[tlen] = '\0';
        char *hit = text ? strstr(transcript + mark, text) : NULL;
        if (hit) {
            mark = (size_t)(hit - transcript) + strlen(text);
            return 1;
        }
        long long left = end - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {master, POLLIN, 0};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t r = read(master, transcript + tlen, sizeof(transcript) - 1 - tlen);
        if (r <= 0)
            return 0;
        tlen += (size_t)r;
    }
}

static void expect(const char *text)
{
    if (!pump(text, 30000)) {
        char why[256];
        snprintf(why, sizeof(why), "no \"%s\"", text);
        fail(why);
    }
}

static void type(const char *s)
{
    size_t n = strlen(s);
    if (write(master, s, n) != (ssize_t)n)
        fail("write to the master");
}

/* Child: new session, the slave as controlling terminal and fds 0-2, then the shell. */
static void start_shell(const char *slave, char **argv)
{
    if (setsid() < 0)
        _exit(120);
    int s = open(slave, O_RDWR);
    if (s < 0)
        _exit(121);
    dup2(s, 0);
    dup2(s, 1);
    dup2(s, 2);
    if (s > 2)
        close(s);
    close(master);
    setenv("PS1", PROMPT, 1);
    setenv("TERM", "dumb", 1);
    execv(argv[0], argv);
    _exit(127);
}

int main(int argc, char **argv)
{
    static char *def[] = {"/bin/bash", "--norc", "--noprofile", "--noediting", "-i", NULL};
    char **shell = argc > 1 ? argv + 1 : def;
    const char *job = getenv("PTYJOBS_JOB") ? getenv("PTYJOBS_JOB") : "sleep 100";
    const char *shown = getenv("PTYJOBS_SHOWN") ? getenv("PTYJOBS_SHOWN") : job;
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master))
        fail("posix_openpt/grantpt/unlockpt");
    char slave[64];
    if (ptsname_r(master, slave, sizeof(slave)))
        fail("ptsname_r");
    pid_t pid = fork();
    if (pid < 0)
        fail("fork");
    if (pid == 0)
        start_shell(slave, shell);

    char line[256];
    expect(PROMPT);
    snprintf(line, sizeof(line), "%s\n", job);
    type(line);
    expect(job);
    pump(NULL, 1000); /* let the job start */
    type("\x1a");
    expect("Stopped");
    expect(shown);
    expect(PROMPT);
    type("jobs\n");
    expect("Stopped");
    expect(shown);
    expect(PROMPT);
    type("bg\n");
    snprintf(line, sizeof(line), "[1]+ %s", shown);
    expect(line);
    expect(" &");
    expect(PROMPT);
    type("jobs\n");
    expect("Running");
    expect(PROMPT);
    type("fg\n");
    expect(shown);
    pump(NULL, 1000);
    type("\x03");
    expect(PROMPT);
    type("echo status-$?\n");
    expect("status-130");
    expect(PROMPT);
    type("exit\n");
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
        fail("bash did not exit with status 0");
    printf("ptyjobs: ok\n");
    return 0;
}
