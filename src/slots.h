/* The -c transfer slots, shared by the event loops of --jobs: a loop
 * takes a slot before it starts a transfer and gives it back when the
 * transfer is over, so that all loops together never have more than -c
 * in flight, however the hosts fall between them.
 *
 * A loop that finds no slot free is noted as waiting, and the next slot
 * given back wakes it (through the wake function, with its number):
 * it must then try again.  A wake-up can be spurious, never missed.
 * Lock-free; any thread may take or give. */
#ifndef SCRAPE_SLOTS_H
#define SCRAPE_SLOTS_H

#include <stdbool.h>

/* At most this many loops share one pool. */
#define SLOTS_MAX_USERS 64

typedef void (*slots_wake_fn)(unsigned user, void *arg);

struct slots;

struct slots *slots_new(long capacity, slots_wake_fn wake, void *arg);
void slots_free(struct slots *p);

/* Take a slot for user (below SLOTS_MAX_USERS); false when all are
 * taken, and user is woken when one comes free. */
bool slots_take(struct slots *p, unsigned user);
/* Give one back. */
void slots_give(struct slots *p);
/* Slots taken now (for the tests). */
long slots_used(const struct slots *p);

#endif
