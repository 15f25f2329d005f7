/*
 * libos_main: where the Linux personality starts once exo hands over. Until processes
 * exist it echoes the console so that `ninja -C build qemu` is interactive.
 */
#include <exo/boot.h>
#include <exo/console.h>

void libos_main(const struct exo_boot_params *params)
{
    (void)params;
    static const char msg[] = "libos: no init yet; echoing the console (Ctrl-A x quits QEMU)\n";
    exo_console_write(msg, sizeof(msg) - 1);
    for (;;) {
        int c = exo_console_getc();
        if (c < 0) {
            __asm__ volatile("wfi");
            continue;
        }
        char ch = (char)c == '\r' ? '\n' : (char)c;
        exo_console_write(&ch, 1);
    }
}
