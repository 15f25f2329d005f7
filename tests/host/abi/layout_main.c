/* The layout check: compiling layout_*.c for arm64 was the test; this runs the few checks
 * of values that are not compile-time constants. */
#include <stdio.h>
#include "layout_check.h"

int main(void)
{
    int failures = layout_uapi_runtime_failures() + layout_libc_runtime_failures();
    if (failures) {
        printf("linux-abi layout check: %d run-time mismatches\n", failures);
        return 1;
    }
    printf("linux-abi layouts and constants match the arm64 uapi and C library headers\n");
    return 0;
}
