/* The console (serial port) as exo lends it to the libOS. */
#ifndef EXO_CONSOLE_H
#define EXO_CONSOLE_H
#include <stddef.h>
#include <stdint.h>

/* The kernel log holds the last EXO_LOG_SIZE bytes of kernel messages (exo's and those the
 * libOS writes with exo_console_write), addressed by position in the stream of all bytes
 * ever logged. Read-only for the libOS: it can neither change nor drop what was logged. */
#define EXO_LOG_SIZE 16384

/* Writes len bytes ('\n' becomes CR LF on the wire). Never sleeps. */
void exo_console_write(const char *s, size_t len);
/* Writes len bytes exactly as given (a terminal line discipline does its own ONLCR). */
void exo_console_write_raw(const char *s, size_t len);
/* Next received byte, or -1 if none is waiting. */
int exo_console_getc(void);
/* Copies kernel log bytes from position *pos (moved up to the oldest kept byte if older)
 * into buf, at most len, advances *pos past them and returns how many. */
size_t exo_log_read(uint64_t *pos, char *buf, size_t len);
/* The position just past the newest logged byte. */
uint64_t exo_log_end(void);
/* Powers the machine off; status 0 is a clean shutdown, anything else a failure. */
__attribute__((noreturn)) void exo_machine_exit(int status);

#endif
