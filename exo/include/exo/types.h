/* Types shared by every exo call. */
#ifndef EXO_TYPES_H
#define EXO_TYPES_H
#include <stdint.h>

/* An environment: exo's unit of protection and accounting (one per Linux process). */
typedef int32_t envid_t;
typedef uint64_t paddr_t;

/* The environment the libOS itself allocates kernel memory in. It exists from boot, can own
 * and grant frames like any other, but never runs at EL0. */
#define EXO_ENV_LIBOS 1

/* Rights a frame grant or a ramdisk binding carries. */
#define EXO_RIGHT_READ  1u
#define EXO_RIGHT_WRITE 2u

/* Page protections for exo_map/exo_protect (execute needs only the read right). */
#define EXO_PROT_READ  1u
#define EXO_PROT_WRITE 2u
#define EXO_PROT_EXEC  4u

#define EXO_PAGE_SIZE 4096UL
/* EL0 virtual addresses are [EXO_USER_MIN, EXO_USER_MAX). */
#define EXO_USER_MIN 0x1000UL
#define EXO_USER_MAX (1UL << 48)

#endif
