/* The smallest libOS check: a static glibc program that prints and exits with a status. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    printf("hello from pid %d, argv[0]=%s, argc=%d\n", getpid(), argv[0], argc);
    fflush(stdout);
    return 7;
}
