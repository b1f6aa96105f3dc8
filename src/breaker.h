/* One host's circuit breaker, pure.  Closed, it counts failed attempts in
 * a row; the threshold'th opens it for the cool-down.  Once that has
 * passed it is half-open: exactly one attempt, the probe, may start, and
 * no other until the probe ends.  The probe's success closes the circuit
 * and restores the configured cool-down; its failure opens the circuit
 * again for twice the last cool-down, at most BREAKER_MAX_COOLDOWN (or
 * the configured one, if that is longer).
 *
 * Only attempts that started after the circuit last changed count.  An
 * attempt already in flight when the circuit opened may end while it is
 * open, half-open or closed again: its result tells nothing about the
 * host as the probe found it, so it is ignored (a late failure does not
 * lengthen the cool-down, a late success does not close the circuit).
 * Each attempt's start time tells the probe from such late ones: nothing
 * starts while the circuit is open, so any attempt started at or after
 * the end of the cool-down is the probe.  The cool-down must be > 0.
 *
 * Time is seconds on a monotonic clock, passed in. */
#ifndef SCRAPE_BREAKER_H
#define SCRAPE_BREAKER_H

#include <stdbool.h>

#define BREAKER_MAX_COOLDOWN 600.0

enum breaker_state {
	BREAKER_CLOSED,
	BREAKER_OPEN,
	BREAKER_HALF_OPEN
};

struct breaker {
	int threshold;        /* failed attempts in a row that open it */
	int failures;         /* failed attempts in a row so far, closed */
	double cooldown;      /* as configured */
	double last;          /* the cool-down of the latest opening */
	double open_until;    /* when the latest opening ends */
	double closed_at;     /* when it last closed; -INFINITY at first */
	double failed_at;     /* the last failure counted, closed */
	bool tripped;         /* open or half-open */
	bool probing;         /* half-open, and the probe is out */
};

void breaker_init(struct breaker *b, int threshold, double cooldown);
enum breaker_state breaker_state(const struct breaker *b, double now);
/* Whether it is closed with no failure counted: nothing that a new
 * breaker would not know, once no attempt is in flight. */
bool breaker_quiet(const struct breaker *b);
/* When it holds nothing worth keeping for a host nobody is using: a
 * count of failures is forgotten a cool-down after the last one, an
 * opening a cool-down after it ends (so a half-open host seen again soon
 * still gets its probe and its doubling); -INFINITY when quiet. */
double breaker_quiet_at(const struct breaker *b);

/* The earliest time an attempt may start: now when closed or half-open
 * with no probe out; the end of the cool-down when open; INFINITY while
 * the probe is out. */
double breaker_next(const struct breaker *b, double now);
/* An attempt starts at now (the caller checked breaker_next(b, now) <=
 * now); when half-open, it is the probe. */
void breaker_take(struct breaker *b, double now);

/* The attempt that started at `started` ended at now; failed means a
 * retryable failure.  True when this opened the circuit, at first or
 * again after a failed probe. */
bool breaker_record(struct breaker *b, bool failed, double started,
    double now);

#endif
