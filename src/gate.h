/* The host gate, pure: with any host option on (--per-host, --rate,
 * --host-rate, --adaptive, --breaker, --robots), every attempt waits
 * here until its host, and the run as a whole, may start one.  It puts
 * together the per-host queues and the fair pick (frontier.c), each
 * host's policy (host.c) and the run's own pacing (--rate), and frees a
 * host once nothing refers to it and its policy holds nothing worth
 * keeping (host_idle), at once or, while its pacing, a pause or a
 * breaker's cool-down runs out, in a sweep that comes with later picks;
 * so memory follows the hosts in play, not every host ever seen.
 *
 * Items are the caller's (tasks); the gate never looks inside them.  The
 * caller holds a reference on a host for each item of it that is queued,
 * in flight or waiting for a retry (gate_host_get / gate_host_put).
 * Time is seconds on a monotonic clock, passed in. */
#ifndef SCRAPE_GATE_H
#define SCRAPE_GATE_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"

struct gate_config {
	long concurrency;        /* -c: the adaptive limit's start without
				    --per-host */
	long per_host;           /* 0: no cap */
	double rate_interval;    /* --rate: seconds between any two starts */
	double host_interval;    /* --host-rate, per host */
	bool adaptive;
	long breaker_failures;   /* 0: no breaker */
	double breaker_secs;
};

/* What the summary says of a host, handed over when the host is freed
 * (or at gate_free): only for hosts with something to say. */
struct gate_host_facts {
	const char *key;
	int times_opened;        /* its circuit opened (or reopened) */
	long circuit_open_urls;  /* URLs that got circuit_open */
	long lowest_limit;       /* lowest --adaptive limit, 0: never cut */
};
typedef void (*gate_facts_fn)(const struct gate_host_facts *facts,
    void *arg);

struct gate;
struct gate_host;

struct gate *gate_new(const struct gate_config *cfg, gate_facts_fn facts,
    void *arg);
/* Hands over the facts of the hosts still known; every item must have
 * been taken out first (gate_drain). */
void gate_free(struct gate *g);

/* The host for key, with one more reference the caller holds. */
struct gate_host *gate_host_get(struct gate *g, const char *key);
/* Drop one reference; the host may be freed. */
void gate_host_put(struct gate *g, struct gate_host *h, double now);
const char *gate_host_key(const struct gate_host *h);

/* Queue item (a URL read, or a retry come due) behind everything held.
 * False, with nothing queued, when the host's circuit is open: the
 * caller then ends the item with circuit_open (and gate_count_open). */
bool gate_offer(struct gate *g, struct gate_host *h, void *item, double now);
/* The item to start now, removed from its queue, its host in *h: the
 * start is already counted against the host's limits and the run's
 * pacing.  NULL when nothing may start now. */
void *gate_next(struct gate *g, double now, struct gate_host **h);
/* When gate_next may next give an item if nothing else happens: a time
 * to wake up at, or INFINITY (only an attempt ending or an offer can
 * change it). */
double gate_wake(struct gate *g, double now);
/* An attempt of h, started at `started`, ended with outcome o;
 * retry_after >= 0 pauses the host for that long.  True when this opened
 * the host's circuit: the caller then ends each of its queued items
 * (gate_take) with circuit_open. */
bool gate_done(struct gate *g, struct gate_host *h, enum host_outcome o,
    double started, double retry_after, double now);
/* Remove and return h's queued items, one a call; NULL when none. */
void *gate_take(struct gate *g, struct gate_host *h);
/* Remove and return any queued item, oldest first, its host in *h; NULL
 * when none (to cancel everything on a signal). */
void *gate_drain(struct gate *g, struct gate_host **h);
/* An item of h ended with circuit_open (counted for the summary). */
void gate_count_open(struct gate_host *h);
/* Pace h at one start per secs at least (a robots.txt Crawl-delay); the
 * host is then kept, so that the delay outlives its idle spells. */
void gate_set_crawl_delay(struct gate *g, struct gate_host *h, double secs,
    double now);

/* Items queued in all hosts, and hosts known (for the progress line). */
size_t gate_held(const struct gate *g);
size_t gate_hosts(const struct gate *g);
/* Hosts with queued items that cannot start now: paced, paused or at
 * their cap; and hosts whose circuit is open. */
void gate_census(struct gate *g, double now, size_t *waiting, size_t *open);

#endif
