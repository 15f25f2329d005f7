/*
 * Native helper for test_stack: run by the host's Linux kernel, it writes the initial stack
 * the kernel built for it to stdout: the address of its initial SP, the address just above
 * the stack, then every byte in between. Not built with sanitizers (they would not change
 * the stack, but this program must do nothing before main but what libc does).
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>

int main(int argc, char **argv)
{
    (void)argc;
    uint64_t sp = (uint64_t)(uintptr_t)(argv - 1);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    uint64_t top = (uint64_t)(uintptr_t)execfn + strlen(execfn) + 1 + 8;
    uint64_t hdr[2] = {sp, top};
    if (write(1, hdr, sizeof(hdr)) != sizeof(hdr))
        return 1;
    size_t n = top - sp, done = 0;
    while (done < n) {
        ssize_t w = write(1, (const char *)(uintptr_t)sp + done, n - done);
        if (w <= 0)
            return 1;
        done += (size_t)w;
    }
    return 0;
}
