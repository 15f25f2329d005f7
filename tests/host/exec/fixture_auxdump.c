/* arm64 program run under qemu-aarch64 by test_qemu_user: prints what it was started with. */
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
extern char **environ;
int main(int argc, char **argv)
{
    char **e = environ;
    uint64_t *sp = (uint64_t *)argv - 1;
    printf("argc %d %lu\n", argc, (unsigned long)*sp);
    printf("sp_mod16 %lu\n", (unsigned long)((uintptr_t)sp % 16));
    size_t n = 0;
    while (e[n])
        n++;
    printf("envp_follows_argv %d\n", e == argv + argc + 1);
    for (uint64_t *a = (uint64_t *)(e + n + 1); a[0]; a += 2)
        printf("aux %lu %lu\n", (unsigned long)a[0], (unsigned long)a[1]);
    printf("platform %s\n", (const char *)getauxval(AT_PLATFORM));
    return 0;
}
