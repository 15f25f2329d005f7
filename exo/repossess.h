/*
 * The hardware-free parts of repossession (exo/include/exo/frame.h): choosing the victim
 * and the per-environment repossession record. exo/reclaim.c runs the protocol.
 */
#ifndef EXO_REPOSSESS_H
#define EXO_REPOSSESS_H
#include <stddef.h>
#include <stdint.h>
#include <exo/frame.h>

/* The environment to take frames from: among ids[0..n) (0 = free slot), the one with the
 * largest held[i] > 0, never EXO_ENV_LIBOS, never requester, never an id <= 0; ties go to
 * the lowest index. Returns 0 if there is none. */
envid_t repo_pick_victim(const envid_t *ids, const uint32_t *held, size_t n, envid_t requester);

/* What an environment lost and has not read yet. Zero-initialized is empty. */
struct repo_record {
    struct exo_taken entries[EXO_TAKEN_RECORD];
    uint32_t first, count; /* ring: unread entries start at first */
    uint64_t dropped;      /* losses that found the ring full since the last read */
};

/* Appends one loss; when the ring is full the loss is counted in dropped instead. */
void repo_record_add(struct repo_record *r, const struct exo_taken *t);
/* Moves up to max unread entries, oldest first, into out; returns how many. *dropped (if
 * not NULL) gets the dropped count, which restarts at 0. */
size_t repo_record_read(struct repo_record *r, struct exo_taken *out, size_t max,
                        uint64_t *dropped);

#endif
