/* A bounded memory of keys seen lately: a direct-mapped table of 64-bit
 * keys, each with the time it is good until.  A new key takes the place
 * of whatever shared its slot, so the table never grows and a lookup is
 * one probe; forgetting early is always allowed, since what it spares
 * (resolve.c: a DNS lookup) is only ever an optimisation.  Pure: the
 * clock is the caller's. */
#ifndef SCRAPE_SEEN_H
#define SCRAPE_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct seen;

/* Room for slots keys, rounded up to a power of two (at least 1). */
struct seen *seen_new(size_t slots);
void seen_free(struct seen *s);
/* Whether key was put with an until later than now. */
bool seen_fresh(const struct seen *s, uint64_t key, double now);
/* Remember key until the given time, in place of its slot's key. */
void seen_put(struct seen *s, uint64_t key, double until);

#endif
