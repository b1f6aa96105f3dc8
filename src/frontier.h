/* The frontier, pure: one FIFO queue of held items per host, and the fair
 * pick among them — the item that has waited longest among the hosts that
 * may start one now — so that a host at a limit never holds back the
 * others.  It knows neither the items nor the hosts' limits: items are
 * the caller's pointers (never NULL), and whether a host may start is the
 * answer of a function the caller gives, over a policy object the caller
 * hangs on the host.  Time is seconds on a monotonic clock, passed in.
 *
 * An item's place in line is the order of its push, across all hosts.  A
 * retry that comes due is pushed like a new URL, behind everything
 * already held: it has waited since it became due.
 *
 * A pick costs O(log H) in the hosts that hold items and O(1) in the
 * items; hosts that cannot start cost nothing until they can. */
#ifndef SCRAPE_FRONTIER_H
#define SCRAPE_FRONTIER_H

#include <stddef.h>

/* When the host's next item could start: <= now: now; a finite time: not
 * before then; INFINITY: not until frontier_touch() is called for the
 * host (e.g. it is at its concurrency cap and waits for an attempt to
 * end).  An answer must hold until the host's policy changes: time passing
 * may only bring a host closer to starting. */
typedef double (*frontier_when_fn)(void *host_policy, double now,
    void *arg);

struct frontier;
struct frontier_host;   /* one host key's queue */

struct frontier *frontier_new(frontier_when_fn when, void *arg);
/* Frees every host; items still queued and the hosts' policies are the
 * caller's to free first (frontier_drain, frontier_first/next). */
void frontier_free(struct frontier *f);

/* The host for key (a NUL-terminated host key, copied), created on first
 * sight with no queue and a NULL policy. */
struct frontier_host *frontier_host(struct frontier *f, const char *key);
void *frontier_host_policy(const struct frontier_host *h);
void frontier_host_set_policy(struct frontier_host *h, void *policy);
const char *frontier_host_key(const struct frontier_host *h);
size_t frontier_host_queued(const struct frontier_host *h);

/* Queue item at the tail of h's queue, last in line of all hosts. */
void frontier_push(struct frontier *f, struct frontier_host *h, void *item,
    double now);
/* The item that has waited longest among hosts that may start one at
 * now, removed from its queue; its host in *host.  NULL if none may.
 * Starting it changes the host's policy: touch the host then. */
void *frontier_pop(struct frontier *f, double now,
    struct frontier_host **host);
/* The host's policy changed (an attempt started or ended, a pause, a new
 * limit): ask again when it may start.  Nothing to do for a host with
 * nothing queued: a push asks. */
void frontier_touch(struct frontier *f, struct frontier_host *h,
    double now);
/* When frontier_pop could next return an item: now if it could at once,
 * else the earliest time a host with items may start (for the
 * scheduler's one wake-up timer), else INFINITY (only a touch or a push
 * can change that). */
double frontier_next_wake(struct frontier *f, double now);
/* Items held in all queues (for the lookahead bound). */
size_t frontier_queued(const struct frontier *f);

/* Remove and return h's items, head first, one a call, whatever its
 * policy says (a circuit that opened fails them all); NULL when empty. */
void *frontier_take(struct frontier *f, struct frontier_host *h);
/* Remove and return any item at all, oldest first, whatever the hosts'
 * policies say (to cancel everything on a signal); its host in *host.
 * NULL when nothing is queued. */
void *frontier_drain(struct frontier *f, struct frontier_host **host);

/* Forget h, which must have nothing queued; the caller frees its policy
 * first, when that holds nothing worth keeping.  A later frontier_host()
 * for the key makes a new one. */
void frontier_host_release(struct frontier *f, struct frontier_host *h);

/* Every host, in the order they were first seen (for the summary).  The
 * host in hand may be released once frontier_next has moved past it. */
struct frontier_host *frontier_first(struct frontier *f);
struct frontier_host *frontier_next(struct frontier *f,
    struct frontier_host *h);
size_t frontier_hosts(const struct frontier *f);

#endif
