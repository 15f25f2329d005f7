/* The console (serial port) as exo lends it to the libOS. */
#ifndef EXO_CONSOLE_H
#define EXO_CONSOLE_H
#include <stddef.h>

/* Writes len bytes ('\n' becomes CR LF on the wire). Never sleeps. */
void exo_console_write(const char *s, size_t len);
/* Writes len bytes exactly as given (a terminal line discipline does its own ONLCR). */
void exo_console_write_raw(const char *s, size_t len);
/* Next received byte, or -1 if none is waiting. */
int exo_console_getc(void);
/* Powers the machine off; status 0 is a clean shutdown, anything else a failure. */
__attribute__((noreturn)) void exo_machine_exit(int status);

#endif
