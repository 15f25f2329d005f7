/* Shared helpers of the ipc host tests: a malloc environment with a fake clock, and poll
 * entries that record the notifications they receive. */
#ifndef TESTS_IPC_SUPPORT_H
#define TESTS_IPC_SUPPORT_H
#include <libos/ipc.h>

extern const struct ipc_env test_env;
extern uint64_t test_clock_ns; /* what test_env.now_ns returns for every clock */

struct recorder {
    struct ipc_poll_entry entry;
    int wakes;
    uint32_t events; /* union of events seen */
};

/* Attaches r (zeroed) to q. */
void recorder_attach(struct recorder *r, struct ipc_pollq *q);

/* A poll table that attaches one recorder per queue it is given (at most 4). */
struct rec_table {
    struct ipc_poll_table pt;
    struct recorder rec[4];
    struct ipc_pollq *q[4];
    int n;
};
void rec_table_init(struct rec_table *t);
void rec_table_detach(struct rec_table *t);
int rec_table_wakes(const struct rec_table *t);

#endif
