/* FIFOs: pipes reached through a filesystem node (libos/fifo.c). */
#ifndef LIBOS_FIFO_H
#define LIBOS_FIFO_H
#include <libos/file.h>

/* f was just opened on an S_IFIFO node (a FILE_VFS file): makes it a pipe end with
 * fifo(7)'s open rules: a blocking open waits for the other side, O_RDONLY|O_NONBLOCK
 * succeeds at once, O_WRONLY|O_NONBLOCK without a reader gives -ENXIO. 0 (f is now a
 * FILE_OPS file), -ENXIO, -ERESTARTSYS or -ENOMEM (f unchanged). */
int fifo_attach(struct file *f);
/* The pipe behind a FIFO file, or NULL if f is not one. */
struct pipe *fifo_pipe(const struct file *f);

#endif
