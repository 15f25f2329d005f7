/*
 * libos_main: where the Linux personality starts once exo hands over. It sets up the
 * scheduler on every CPU, the syscall boundary and user memory, starts the first process,
 * and becomes CPU 0's scheduler loop.
 *
 * The first process is the program embedded in the image (-Dapp=PATH) if there is one, else
 * init= (default /sbin/init) from the ext4 root filesystem on the ramdisk.
 * Command line: libos.trace=1 prints every syscall.
 */
#include <string.h>
#include <exo/boot.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <lib/format.h>
#include <libos/abi/syscall.h>
#include <lib/errno.h>
#include <libos/clock.h>
#include <libos/file.h>
#include <libos/mount.h>
#include <libos/proc.h>
#include <libos/reclaim.h>
#include <libos/syscall.h>
#include <libos/timer.h>

extern const char app_image_start[] __attribute__((weak));
extern const char app_image_end[] __attribute__((weak));

void futex_init(void);
void ttycon_init(void);
void pty_init(void);
void procfs_glue_init(const char *cmdline);
void vm_global_init(void);

static size_t strcspn_space(const char *p)
{
    size_t n = 0;
    while (p[n] && p[n] != ' ')
        n++;
    return n;
}

/* Is word one of the space-separated words of cmdline? */
static bool cmdline_has(const char *cmdline, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn_space(p);
        if (len == n && !strncmp(p, word, n))
            return true;
        p += len;
    }
    return false;
}

/* Value of key=value on the command line, copied into buf. */
static bool cmdline_value(const char *cmdline, const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn_space(p);
        if (len > klen && !strncmp(p, key, klen) && p[klen] == '=') {
            size_t n = MIN(len - klen - 1, size - 1);
            memcpy(buf, p + klen + 1, n);
            buf[n] = '\0';
            return true;
        }
        p += len;
    }
    return false;
}

#define INIT_ENV_MAX 32

/* Is the word w (len bytes) NAME=value for a NAME that no kernel option uses (no '.' in
 * it, and not init)? Linux hands such words to init as its environment. */
static bool is_init_env_word(const char *w, size_t len)
{
    size_t name = 0;
    while (name < len && w[name] != '=')
        name++;
    if (name == 0 || name == len || memchr(w, '.', name))
        return false;
    return !(name == 4 && !strncmp(w, "init", 4));
}

/* Fills envp (INIT_ENV_MAX entries, NULL-terminated) with init's environment: the
 * NAME=value words of cmdline (copied into store), then the defaults HOME, PATH and TERM
 * where the command line did not set them. */
static void init_environment(const char *cmdline, const char **envp, char *store,
                             size_t store_size)
{
    static const char *const defaults[] = {"HOME=/", "PATH=/sbin:/bin:/usr/sbin:/usr/bin",
                                           "TERM=vt100"};
    size_t n = 0, used = 0;
    for (const char *p = cmdline; *p && n < INIT_ENV_MAX - 1 - 3;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn_space(p);
        if (is_init_env_word(p, len) && used + len + 1 <= store_size) {
            memcpy(store + used, p, len);
            store[used + len] = '\0';
            envp[n++] = store + used;
            used += len + 1;
        }
        p += len;
    }
    for (size_t d = 0; d < sizeof(defaults) / sizeof(defaults[0]); d++) {
        size_t name = strchr(defaults[d], '=') - defaults[d] + 1;
        bool set = false;
        for (size_t i = 0; i < n && !set; i++)
            set = !strncmp(envp[i], defaults[d], name);
        if (!set)
            envp[n++] = defaults[d];
    }
    envp[n] = NULL;
}

static void echo_console(void)
{
    static const char msg[] = "libos: no init program; echoing the console (Ctrl-A x quits)\n";
    exo_console_write(msg, sizeof(msg) - 1);
    for (;;) {
        int c = exo_console_getc();
        if (c < 0) {
            exo_cpu_idle();
            continue;
        }
        char ch = (char)c == '\r' ? '\n' : (char)c;
        exo_console_write(&ch, 1);
    }
}

static void secondary_loop(void)
{
    sched_cpu_loop();
}

void libos_main(const struct exo_boot_params *params)
{
    for (unsigned i = 0; i < exo_cpu_count(); i++)
        sched_init_cpu(i);
    futex_init();
    syscall_init();
    vm_global_init();
    reclaim_init();
    abi_trace_enable(cmdline_has(params->cmdline, "libos.trace=1"));

    clock_init();
    timers_init();
    ttycon_init();
    int root = files_mount_root(); /* also gives fs/ its allocator */
    mount_init();
    pty_init();
    procfs_glue_init(params->cmdline);
    if (root && root != -ENODEV)
        klog("libos: cannot mount the root filesystem from the ramdisk (%d)\n", root);
    else if (!root)
        klog("libos: root filesystem (ext4) mounted from the ramdisk\n");
    static const char *envp[INIT_ENV_MAX];
    static char env_store[512];
    init_environment(params->cmdline, envp, env_store, sizeof(env_store));
    int err;
    if (app_image_start && &app_image_end[0] > &app_image_start[0]) {
        static const char *const argv[] = {"/init", NULL};
        err = proc_start_init("/init", app_image_start,
                              (uint64_t)(app_image_end - app_image_start), argv, envp);
    } else if (!root) {
        static char init_path[256];
        if (!cmdline_value(params->cmdline, "init", init_path, sizeof(init_path)))
            strlcpy(init_path, "/sbin/init", sizeof(init_path));
        const char *argv[] = {init_path, NULL};
        klog("libos: starting %s\n", init_path);
        err = proc_start_init_path(init_path, argv, envp);
    } else {
        echo_console();
    }
    if (err) {
        klog("libos: cannot start the first program (%d)\n", err);
        exo_machine_exit(1);
    }
    for (unsigned i = 1; i < exo_cpu_count(); i++)
        exo_cpu_start(i, secondary_loop);
    sched_cpu_loop();
}
