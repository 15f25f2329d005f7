/* Every Linux ABI definition of libos/abi in one include. */
#ifndef LIBOS_ABI_LINUX_H
#define LIBOS_ABI_LINUX_H
#include <libos/abi/auxv.h>
#include <libos/abi/dirent.h>
#include <libos/abi/fcntl.h>
#include <libos/abi/futex.h>
#include <libos/abi/mman.h>
#include <libos/abi/poll.h>
#include <libos/abi/process.h>
#include <libos/abi/ptrace.h>
#include <libos/abi/sigframe.h>
#include <libos/abi/signal.h>
#include <libos/abi/socket.h>
#include <libos/abi/stat.h>
#include <libos/abi/termios.h>
#include <libos/abi/time.h>
#endif
