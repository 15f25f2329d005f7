/* The trap side of system calls: from a stopped task to libos/linux-abi's dispatcher. */
#ifndef LIBOS_SYSCALL_H
#define LIBOS_SYSCALL_H
#include <libos/task.h>

void syscall_init(void);
/* Runs the syscall the task stopped for (x8, x0-x5) and puts the result in x0. */
void syscall_handle(struct task *t);

#endif
