/* mmap/: anonymous and file mappings, sharing and copy-on-write across fork, protection
 * changes and the faults they cause, munmap, mremap, MAP_FIXED, madvise, brk. */
#define _GNU_SOURCE
#include "ut.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static sigjmp_buf probe_env;
static volatile int probe_sig, probe_code;
static volatile uintptr_t probe_addr;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    probe_sig = sig;
    probe_code = si->si_code;
    probe_addr = (uintptr_t)si->si_addr;
    siglongjmp(probe_env, 1);
}

/* Touch *p (a read, or a write of v) and return 0, or the signal the access raised (with
 * probe_code/probe_addr describing it). */
static int probe(volatile char *p, bool write, char v)
{
    ut_handle_info(SIGSEGV, probe_handler, SA_NODEFER);
    ut_handle_info(SIGBUS, probe_handler, SA_NODEFER);
    probe_sig = 0;
    if (sigsetjmp(probe_env, 1) == 0) {
        if (write)
            *p = v;
        else
            (void)*p;
    }
    return probe_sig;
}

static char *map_anon(size_t len, int prot, int flags)
{
    char *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        FAIL("mmap(%zu): %s", len, strerror(errno));
    return p;
}

static void anon_private(void)
{
    CHECK_EQ(sysconf(_SC_PAGESIZE), PAGE);
    char *p = map_anon(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK_EQ((uintptr_t)p % PAGE, 0);
    for (int i = 0; i < 3 * PAGE; i++)
        if (p[i] != 0)
            FAIL("byte %d of a fresh anonymous mapping is %d", i, p[i]);
    for (int i = 0; i < 3 * PAGE; i++)
        p[i] = (char)(i * 13);
    for (int i = 0; i < 3 * PAGE; i++)
        CHECK_EQ(p[i], (char)(i * 13));
    CHECK_SYS(munmap(p, 3 * PAGE));
    /* A large lazy mapping: only the touched pages need memory. */
    size_t big = 256u << 20;
    char *q = map_anon(big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE);
    for (size_t off = 0; off < big; off += 1u << 20)
        q[off] = (char)(off >> 20);
    for (size_t off = 0; off < big; off += 1u << 20)
        CHECK_EQ(q[off], (char)(off >> 20));
    CHECK_SYS(munmap(q, big));
}

static void shared_across_fork(void)
{
    volatile char *p = map_anon(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
    int go[2], back[2];
    CHECK_SYS(pipe(go));
    CHECK_SYS(pipe(back));
    p[0] = 'P';
    pid_t pid = ut_fork();
    if (pid == 0) {
        char c;
        if (p[0] != 'P')
            _exit(1);
        p[1] = 'C'; /* visible to the parent */
        ut_write_all(back[1], "1", 1);
        ut_read_all(go[0], &c, 1);
        _exit(p[2] == 'Q' ? 0 : 2); /* the parent's later store is visible here */
    }
    char c;
    ut_read_all(back[0], &c, 1);
    CHECK_EQ(p[1], 'C');
    p[2] = 'Q';
    ut_write_all(go[1], "1", 1);
    ut_wait_exit(pid, 0);
}

static int cow_global = 10;

static void private_cow_fork(void)
{
    volatile char *p = map_anon(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    volatile int *heap = malloc(sizeof(int));
    *heap = 20;
    p[0] = 'P';
    int go[2], back[2];
    CHECK_SYS(pipe(go));
    CHECK_SYS(pipe(back));
    pid_t pid = ut_fork();
    if (pid == 0) {
        char c;
        if (p[0] != 'P' || cow_global != 10 || *heap != 20)
            _exit(1);
        p[0] = 'C';
        cow_global = 11;
        *heap = 21;
        ut_write_all(back[1], "1", 1);
        ut_read_all(go[0], &c, 1);
        /* The parent's stores after fork are not visible; ours are kept. */
        _exit(p[0] == 'C' && p[1] == 0 && cow_global == 11 && *heap == 21 ? 0 : 2);
    }
    char c;
    ut_read_all(back[0], &c, 1);
    CHECK_EQ(p[0], 'P');
    CHECK_EQ(cow_global, 10);
    CHECK_EQ(*heap, 20);
    p[1] = 'Q';
    cow_global = 12;
    ut_write_all(go[1], "1", 1);
    ut_wait_exit(pid, 0);
    CHECK_EQ(p[0], 'P');
}

static void mprotect_faults(void)
{
    char *p = map_anon(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    p[10] = 'x';
    p[PAGE + 10] = 'y';
    CHECK_SYS(mprotect(p, PAGE, PROT_READ));
    CHECK_EQ(probe(p + 10, false, 0), 0); /* still readable */
    CHECK_EQ(p[10], 'x');
    CHECK_EQ(probe(p + 10, true, 'z'), SIGSEGV);
    CHECK_EQ(probe_code, SEGV_ACCERR);
    CHECK_EQ(probe_addr, (uintptr_t)(p + 10));
    CHECK_EQ(p[10], 'x');
    CHECK_EQ(probe(p + PAGE + 10, true, 'w'), 0); /* the other page is unaffected */
    CHECK_SYS(mprotect(p, PAGE, PROT_NONE));
    CHECK_EQ(probe(p + 5, false, 0), SIGSEGV);
    CHECK_EQ(probe_code, SEGV_ACCERR);
    CHECK_SYS(mprotect(p, PAGE, PROT_READ | PROT_WRITE));
    CHECK_EQ(probe(p + 10, true, 'z'), 0);
    CHECK_EQ(p[10], 'z');
    /* Raw call: musl's mprotect wrapper rounds an unaligned start down itself. */
    CHECK_ERR(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);
    /* An uncaught fault kills with SIGSEGV. */
    CHECK_SYS(mprotect(p, PAGE, PROT_READ));
    pid_t pid = ut_fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* not probe()'s handler: its jump buffer is stale */
        p[0] = 1;
        _exit(0);
    }
    int st = ut_wait(pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGSEGV);
}

static void munmap_faults(void)
{
    char *p = map_anon(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'm', 3 * PAGE);
    CHECK_SYS(munmap(p + PAGE, PAGE));
    CHECK_EQ(probe(p + PAGE + 1, false, 0), SIGSEGV);
    CHECK_EQ(probe_code, SEGV_MAPERR);
    CHECK_EQ(probe_addr, (uintptr_t)(p + PAGE + 1));
    CHECK_EQ(p[0], 'm'); /* the neighbours survive */
    CHECK_EQ(p[2 * PAGE], 'm');
    CHECK_SYS(munmap(p + PAGE, PAGE)); /* unmapping a hole is fine */
    CHECK_ERR(munmap(p + 1, PAGE), EINVAL);
    CHECK_ERR(munmap(p, 0), EINVAL);
    CHECK_SYS(munmap(p, 3 * PAGE));
    CHECK_EQ(probe(p, false, 0), SIGSEGV);
}

static void mremap_grow(void)
{
    char *p = map_anon(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'r', PAGE);
    char *q = mremap(p, PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    for (int i = 0; i < PAGE; i++)
        CHECK_EQ(q[i], 'r');
    for (int i = PAGE; i < 4 * PAGE; i++)
        CHECK_EQ(q[i], 0);
    memset(q + PAGE, 's', 3 * PAGE);
    if (q != p)
        CHECK_EQ(probe(p, false, 0), SIGSEGV); /* moved: the old range is gone */
    /* Shrink in place. */
    char *r = mremap(q, 4 * PAGE, 2 * PAGE, 0);
    CHECK(r == q);
    CHECK_EQ(r[PAGE], 's');
    CHECK_EQ(probe(q + 3 * PAGE, false, 0), SIGSEGV);
    /* Growing a range that is followed by the rest of its mapping needs a move. */
    char *two = map_anon(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(mremap(two, PAGE, 3 * PAGE, 0) == MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);
    CHECK(mremap(two + 1, PAGE, 2 * PAGE, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

static char *raw_brk(uintptr_t addr)
{
    return (char *)syscall(SYS_brk, addr);
}

/* The program break through the raw system call (C libraries differ in whether sbrk may
 * move it: musl refuses, since its malloc owns the break). */
static void brk_grow_shrink(void)
{
    enum { K = 1024 };
    char *start = raw_brk(0);
    CHECK(start != NULL);
    CHECK(sbrk(0) == start); /* the C library agrees */
    CHECK(raw_brk((uintptr_t)start + 64 * K) == start + 64 * K);
    memset(start, 'b', 64 * K);
    CHECK(raw_brk((uintptr_t)start + 32 * K) == start + 32 * K);
    CHECK_EQ(start[32 * K - 1], 'b');
    /* An impossible break (below the data segment) fails: the current one is returned. */
    CHECK(raw_brk(4096) == start + 32 * K);
    /* Growing again gives zeroed memory from the first released page on. */
    CHECK(raw_brk((uintptr_t)start + 64 * K) == start + 64 * K);
    uintptr_t released = ((uintptr_t)start + 32 * K + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    for (uintptr_t a = released; a < (uintptr_t)start + 64 * K; a += 256)
        if (*(char *)a != 0)
            FAIL("byte at break+%lu of re-grown memory is %d",
                 (unsigned long)(a - (uintptr_t)start), *(char *)a);
    /* Shrinking unmaps the released pages. */
    CHECK(raw_brk((uintptr_t)start + 32 * K) == start + 32 * K);
    int sig = probe((char *)released + 8, false, 0);
    if (sig == 0 && ut_under_qemu_user())
        SKIP("qemu-user keeps the pages released by a shrinking brk mapped");
    CHECK_EQ(sig, SIGSEGV);
    CHECK_EQ(probe_code, SEGV_MAPERR);
}

static void make_pattern_file(const char *name, size_t size)
{
    char *buf = malloc(size);
    for (size_t i = 0; i < size; i++)
        buf[i] = (char)(i % 251);
    ut_write_file(name, buf, size);
    free(buf);
}

static void file_mmap_read(void)
{
    size_t size = 3 * PAGE + 100;
    make_pattern_file("f", size);
    int fd = SYS(open("f", O_RDONLY));
    char *p = mmap(NULL, 5 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    for (size_t i = 0; i < size; i++)
        if (p[i] != (char)(i % 251))
            FAIL("mapped byte %zu differs", i);
    for (size_t i = size; i < 4 * PAGE; i++)
        CHECK_EQ(p[i], 0);                           /* the rest of the last page reads as zeros */
    CHECK_EQ(probe(p + 4 * PAGE, false, 0), SIGBUS); /* a page wholly past EOF */
    CHECK_EQ(probe_code, BUS_ADRERR);
    munmap(p, 5 * PAGE);
    char *q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 2 * PAGE);
    CHECK(q != MAP_FAILED);
    CHECK_EQ(q[0], (char)((2 * PAGE) % 251));
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    close(fd);
    CHECK_EQ(q[1], (char)((2 * PAGE + 1) % 251)); /* the mapping outlives the fd */
}

static void file_mmap_shared_write(void)
{
    make_pattern_file("f", 2 * PAGE);
    int fd = SYS(open("f", O_RDWR));
    char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(s != MAP_FAILED);
    char *pv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(pv != MAP_FAILED);
    memcpy(s + 10, "SHARED", 6);
    CHECK_SYS(msync(s, 2 * PAGE, MS_SYNC));
    char buf[6];
    CHECK_EQ(SYS(pread(fd, buf, 6, 10)), 6);
    CHECK_MEM(buf, "SHARED", 6); /* the file has it */
    CHECK_EQ(SYS(pwrite(fd, "WRITE", 5, PAGE + 3)), 5);
    CHECK_MEM(s + PAGE + 3, "WRITE", 5); /* and the mapping sees writes to the file */
    memcpy(pv + 100, "PRIV", 4);         /* a private copy: not written back */
    CHECK_EQ(SYS(pread(fd, buf, 4, 100)), 4);
    CHECK(memcmp(buf, "PRIV", 4) != 0);
    CHECK(memcmp(s + 100, "PRIV", 4) != 0);
    close(fd);
    int ro = SYS(open("f", O_RDONLY));
    CHECK(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
}

/* A shared mapping writes into the page cache: read() sees the stores at once (no msync),
 * and after munmap and close the file still has them. */
static void file_shared_seen_by_read(void)
{
    make_pattern_file("f", 2 * PAGE);
    int fd = SYS(open("f", O_RDWR));
    char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(s != MAP_FAILED);
    memcpy(s + PAGE - 2, "span", 4); /* across the page boundary */
    char buf[4];
    CHECK_EQ(SYS(pread(fd, buf, 4, PAGE - 2)), 4);
    CHECK_MEM(buf, "span", 4);
    s[5] = 'X';
    CHECK_SYS(munmap(s, 2 * PAGE));
    CHECK_SYS(close(fd));
    fd = SYS(open("f", O_RDONLY));
    CHECK_EQ(SYS(pread(fd, buf, 1, 5)), 1);
    CHECK_EQ(buf[0], 'X');
    CHECK_EQ(SYS(pread(fd, buf, 1, 6)), 1);
    CHECK_EQ(buf[0], (char)6); /* the rest of the file is unchanged */
    CHECK_SYS(close(fd));
}

/* Processes share a file's pages: a forked child's stores through the inherited mapping,
 * and through a mapping of its own, reach the parent's mapping. */
static void file_shared_across_processes(void)
{
    make_pattern_file("f", PAGE);
    int fd = SYS(open("f", O_RDWR));
    volatile char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(s != MAP_FAILED);
    s[0] = 'P';
    pid_t pid = ut_fork();
    if (pid == 0) {
        if (s[0] != 'P')
            _exit(1);
        s[1] = 'C'; /* through the inherited mapping */
        int own = open("f", O_RDWR);
        char *m =
            own < 0 ? MAP_FAILED : mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, own, 0);
        if (m == MAP_FAILED)
            _exit(2);
        if (m[0] != 'P' || m[1] != 'C')
            _exit(3);
        m[2] = 'M'; /* through a mapping of its own */
        _exit(0);
    }
    ut_wait_exit(pid, 0);
    CHECK_EQ(s[1], 'C');
    CHECK_EQ(s[2], 'M');
    char buf[3];
    CHECK_EQ(SYS(pread(fd, buf, 3, 0)), 3);
    CHECK_MEM(buf, "PCM", 3);
    CHECK_SYS(close(fd));
}

/* A private mapping copies on write: its stores reach neither the file nor other mappings,
 * while the file's own changes show through pages it has not written. */
static void file_private_not_seen(void)
{
    make_pattern_file("f", 2 * PAGE);
    int fd = SYS(open("f", O_RDWR));
    char *pv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(pv != MAP_FAILED && s != MAP_FAILED);
    CHECK_EQ(pv[PAGE + 1], (char)((PAGE + 1) % 251)); /* read before any write */
    pv[1] = 'v';
    CHECK_EQ(s[1], (char)1);
    char c;
    CHECK_EQ(SYS(pread(fd, &c, 1, 1)), 1);
    CHECK_EQ(c, (char)1);
    s[2] = 'S'; /* the private page was copied: it keeps the old byte */
    CHECK_EQ(pv[2], (char)2);
    CHECK_SYS(msync(s, 2 * PAGE, MS_SYNC));
    CHECK_SYS(munmap(pv, 2 * PAGE));
    CHECK_EQ(SYS(pread(fd, &c, 1, 1)), 1);
    CHECK_EQ(c, (char)1); /* unmapping the private copy wrote nothing */
    CHECK_SYS(munmap(s, 2 * PAGE));
    CHECK_SYS(close(fd));
}

/* Truncating a mapped file: pages wholly past the new end raise SIGBUS in every mapping
 * (shared, or private even where copied), the partial last page reads zeros past the end,
 * and growing the file back makes the pages readable again. */
static void file_truncate_sigbus(void)
{
    make_pattern_file("f", 3 * PAGE);
    int fd = SYS(open("f", O_RDWR));
    char *s = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *pv = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(s != MAP_FAILED && pv != MAP_FAILED);
    CHECK_EQ(s[2 * PAGE], (char)((2 * PAGE) % 251));
    pv[2 * PAGE] = 'p'; /* a private copy of page 2 */
    int t = SYS(open("f", O_RDWR | O_TRUNC));
    ut_write_all(t, "0123456789", 10);
    CHECK_EQ(probe(s + 2 * PAGE, false, 0), SIGBUS);
    CHECK_EQ(probe_code, BUS_ADRERR);
    CHECK_EQ(probe_addr, (uintptr_t)(s + 2 * PAGE));
    CHECK_EQ(probe(pv + 2 * PAGE, false, 0), SIGBUS);
    CHECK_EQ(probe(s + PAGE + 7, true, 'w'), SIGBUS);
    CHECK_EQ(probe(s + 5, false, 0), 0);
    CHECK_MEM(s, "0123456789", 10);
    CHECK_EQ(s[10], 0); /* past the end inside the last page: zeros */
    CHECK_EQ(s[PAGE - 1], 0);
    /* Growing the file makes the range valid again (zero-filled). */
    CHECK_EQ(SYS(pwrite(t, "end", 3, 3 * PAGE - 3)), 3);
    CHECK_EQ(probe(s + PAGE + 7, false, 0), 0);
    CHECK_EQ(s[PAGE + 7], 0);
    CHECK_MEM(s + 3 * PAGE - 3, "end", 3);
    CHECK_SYS(close(t));
    CHECK_SYS(close(fd));
}

/* msync's argument checks; MS_INVALIDATE and MS_ASYNC succeed on a shared mapping. */
static void msync_flags(void)
{
    make_pattern_file("f", PAGE);
    int fd = SYS(open("f", O_RDWR));
    char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(s != MAP_FAILED);
    s[0] = 'a';
    CHECK_SYS(msync(s, PAGE, MS_ASYNC));
    CHECK_SYS(msync(s, PAGE, MS_INVALIDATE));
    CHECK_SYS(msync(s, PAGE, MS_SYNC | MS_INVALIDATE));
    CHECK_EQ(s[0], 'a'); /* invalidation keeps what was written through the mapping */
    CHECK_SYS(msync(s, 0, MS_SYNC));
    CHECK_ERR(msync(s, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
    CHECK_ERR(msync(s, PAGE, 8), EINVAL);
    CHECK_ERR(msync(s + 1, PAGE, MS_SYNC), EINVAL);
    CHECK_SYS(munmap(s, PAGE));
    CHECK_ERR(msync(s, PAGE, MS_SYNC), ENOMEM);
    CHECK_SYS(close(fd));
}

/* Shared mappings of a read-only open may not become writable; private ones may. */
static void file_mprotect_access(void)
{
    make_pattern_file("f", PAGE);
    int fd = SYS(open("f", O_RDONLY));
    char *s = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    char *pv = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(s != MAP_FAILED && pv != MAP_FAILED);
    CHECK_ERR(mprotect(s, PAGE, PROT_READ | PROT_WRITE), EACCES);
    CHECK_SYS(mprotect(pv, PAGE, PROT_READ | PROT_WRITE));
    pv[0] = 'w';
    CHECK_EQ(s[0], 0);
    int wo = SYS(open("f", O_WRONLY));
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, wo, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    CHECK_SYS(close(wo));
    CHECK_SYS(close(fd));
}

/* mincore: a touched anonymous page is resident, an untouched one is not; holes fail. */
static void mincore_anon(void)
{
    char *p = map_anon(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    p[PAGE] = 1;
    unsigned char vec[3];
    CHECK_SYS(mincore(p, 3 * PAGE, vec));
    CHECK_EQ(vec[0] & 1, 0);
    CHECK_EQ(vec[1] & 1, 1);
    CHECK_EQ(vec[2] & 1, 0);
    CHECK_SYS(mincore(p, 0, vec));
    CHECK_ERR(mincore(p + 1, PAGE, vec), EINVAL);
    CHECK_SYS(munmap(p + 2 * PAGE, PAGE));
    CHECK_ERR(mincore(p, 3 * PAGE, vec), ENOMEM);
}

static void map_fixed(void)
{
    char *p = map_anon(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'a', 4 * PAGE);
    char *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0);
    CHECK(q == p + PAGE);
    CHECK_EQ(q[0], 0); /* replaced by a fresh mapping */
    CHECK_EQ(q[PAGE - 1], 0);
    CHECK_EQ(p[PAGE - 1], 'a');
    CHECK_EQ(p[2 * PAGE], 'a');
    /* A hint without MAP_FIXED never replaces an existing mapping. */
    char *h = mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(h != MAP_FAILED);
    CHECK(h != p);
    CHECK_EQ(p[0], 'a');
    CHECK(mmap(p + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
          MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
}

static void madvise_dontneed(void)
{
    char *p = map_anon(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memset(p, 'd', 4 * PAGE);
    CHECK_SYS(madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED));
    if (p[PAGE] == 'd' && ut_under_qemu_user())
        SKIP("qemu-user (before 8.1) ignores madvise, so MADV_DONTNEED does not zero");
    for (int i = PAGE; i < 3 * PAGE; i++)
        if (p[i] != 0)
            FAIL("byte %d after MADV_DONTNEED is %d, expected 0", i, p[i]);
    CHECK_EQ(p[0], 'd'); /* outside the range: kept */
    CHECK_EQ(p[3 * PAGE], 'd');
    CHECK_ERR(madvise(p + 1, PAGE, MADV_DONTNEED), EINVAL);
}

static void mmap_errors(void)
{
    CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED); /* neither type */
    CHECK_EQ(errno, EINVAL);
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED);
    CHECK_EQ(errno, EBADF);
    int p[2];
    CHECK_SYS(pipe(p));
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, p[0], 0) == MAP_FAILED);
    CHECK_EQ(errno, ENODEV);
}

static const struct ut_test tests[] = {
    {"anon_private", anon_private},
    {"shared_across_fork", shared_across_fork},
    {"private_cow_fork", private_cow_fork},
    {"mprotect_faults", mprotect_faults},
    {"munmap_faults", munmap_faults},
    {"mremap_grow", mremap_grow},
    {"brk_grow_shrink", brk_grow_shrink},
    {"file_mmap_read", file_mmap_read},
    {"file_mmap_shared_write", file_mmap_shared_write},
    {"file_shared_seen_by_read", file_shared_seen_by_read},
    {"file_shared_across_processes", file_shared_across_processes},
    {"file_private_not_seen", file_private_not_seen},
    {"file_truncate_sigbus", file_truncate_sigbus},
    {"msync_flags", msync_flags},
    {"file_mprotect_access", file_mprotect_access},
    {"mincore_anon", mincore_anon},
    {"map_fixed", map_fixed},
    {"madvise_dontneed", madvise_dontneed},
    {"mmap_errors", mmap_errors},
};
UT_AREA(mmap, tests);
