/* Names and descriptions of Linux errno values, for logs and the syscall trace. */
#ifndef LIBOS_ABI_ERRNO_NAME_H
#define LIBOS_ABI_ERRNO_NAME_H

/* Highest ordinary errno value (EHWPOISON); 41 and 58 are unassigned. */
#define ABI_ERRNO_MAX 133

/*
 * "ENOENT" for ENOENT or -ENOENT; also the kernel-internal restart codes (ERESTARTSYS...).
 * NULL for a value that is no Linux errno (0, 41, 58, 134..511, ...).
 */
const char *errno_name(int err);
/* "No such file or directory" for ENOENT or -ENOENT (the C library's wording); NULL as above. */
const char *errno_desc(int err);

#endif
