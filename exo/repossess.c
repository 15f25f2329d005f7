/* Victim choice and repossession records (see repossess.h). Hardware-free. */
#include "repossess.h"

envid_t repo_pick_victim(const envid_t *ids, const uint32_t *held, size_t n, envid_t requester)
{
    envid_t victim = 0;
    uint32_t most = 0;
    for (size_t i = 0; i < n; i++) {
        envid_t id = ids[i];
        if (id <= 0 || id == EXO_ENV_LIBOS || id == requester)
            continue;
        if (held[i] > most) {
            most = held[i];
            victim = id;
        }
    }
    return victim;
}

void repo_record_add(struct repo_record *r, const struct exo_taken *t)
{
    if (r->count == EXO_TAKEN_RECORD) {
        r->dropped++;
        return;
    }
    r->entries[(r->first + r->count) % EXO_TAKEN_RECORD] = *t;
    r->count++;
}

size_t repo_record_read(struct repo_record *r, struct exo_taken *out, size_t max, uint64_t *dropped)
{
    size_t n = 0;
    while (n < max && r->count) {
        out[n++] = r->entries[r->first];
        r->first = (r->first + 1) % EXO_TAKEN_RECORD;
        r->count--;
    }
    if (dropped)
        *dropped = r->dropped;
    r->dropped = 0;
    return n;
}
