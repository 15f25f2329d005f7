/* An arm64 program for the ELF planner's tests: code, data, a large .bss and TLS. */
#include <stdio.h>
__thread int tls_counter = 3;
static char big_bss[100000];
int main(int argc, char **argv)
{
    (void)argv;
    big_bss[argc] = 1;
    printf("hello %d\n", tls_counter + big_bss[1]);
    return 0;
}
