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
/* The until key was put with, -INFINITY if it is not in the table
 * (then or since pushed out): fresh while the clock is below it.  The
 * caller compares, so a clock that costs is read only for a finite
 * until. */
double seen_until(const struct seen *s, uint64_t key);
/* Remember key until the given time, in place of its slot's key. */
void seen_put(struct seen *s, uint64_t key, double until);

#endif
