/*
 * Pseudo-terminals and terminal device nodes. Opening /dev/ptmx (5:2) makes a new pair:
 * the master (this file) and the slave /dev/pts/N (136:N, devfs name "pts/N", shown by a
 * devpts mount), a terminal (libos/term.h) whose driver output is the master's read queue
 * and whose input is what the master writes. /dev/tty (5:0) opens the caller's controlling
 * terminal; /dev/console (5:1) and /dev/ttyAMA0 (204:64) the console.
 *
 * Files of kind FILE_TTY carry an object of this module (a master or slave end); the
 * descriptor layer calls the ttyfile_* functions for them.
 */
#ifndef LIBOS_PTY_H
#define LIBOS_PTY_H
#include <stdint.h>
#include <fs/vfs.h>
#include <libos/ipc.h>

struct io_src;

/* Registers ptmx and tty with devfs. */
void pty_init(void);

/* Opening a character device node rdev with open flags: 0 when it is not a terminal (open it
 * as a VFS file), 1 with *console set (a FILE_CONSOLE file) or *obj set (a FILE_TTY file),
 * or a negative errno. */
int tty_open_device(uint64_t rdev, unsigned flags, bool *console, void **obj);

/* TIOCGPTPEER on a PTY end (obj): opens that master's slave with open(2) flags (O_NOCTTY
 * decides whether a session leader without one acquires it as controlling terminal) into
 * *obj. -EIO for a slave end or while the slave is locked, -ENOMEM. */
int pty_open_peer(void *obj, unsigned flags, void **peer);

long ttyfile_read(void *obj, uint64_t ubuf, uint64_t len, unsigned fflags);
long ttyfile_write(void *obj, const struct io_src *src, uint64_t len, unsigned fflags);
long ttyfile_ioctl(void *obj, unsigned cmd, uint64_t arg);
uint32_t ttyfile_poll(void *obj, struct ipc_poll_table *pt);
void ttyfile_stat(void *obj, struct vfs_stat *st);
void ttyfile_release(void *obj);

#endif
