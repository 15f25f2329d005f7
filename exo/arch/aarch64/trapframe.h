/* Register state saved on an exception taken to EL1 (layout shared with vectors.S). */
#ifndef EXO_ARCH_TRAPFRAME_H
#define EXO_ARCH_TRAPFRAME_H

#define TF_X30  (8 * 30)
#define TF_SP   (8 * 31)
#define TF_ELR  (8 * 32)
#define TF_SPSR (8 * 33)
#define TF_ESR  (8 * 34)
#define TF_FAR  (8 * 35)
#define TF_SIZE (8 * 36)

#define TRAP_EL1T_SYNC   0
#define TRAP_EL1T_IRQ    1
#define TRAP_EL1T_FIQ    2
#define TRAP_EL1T_SERROR 3
#define TRAP_EL1H_SYNC   4
#define TRAP_EL1H_IRQ    5
#define TRAP_EL1H_FIQ    6
#define TRAP_EL1H_SERROR 7
#define TRAP_EL0_SYNC    8
#define TRAP_EL0_IRQ     9
#define TRAP_EL0_FIQ     10
#define TRAP_EL0_SERROR  11
#define TRAP_EL0_32      12

#ifndef __ASSEMBLER__
#include <stdint.h>
struct trapframe {
    uint64_t x[31];
    uint64_t sp;
    uint64_t elr, spsr;
    uint64_t esr, far;
};
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapframe layout");
#endif

#endif
