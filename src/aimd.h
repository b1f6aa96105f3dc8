/* One host's adaptive concurrency limit, pure: additive increase,
 * multiplicative decrease, as TCP does with its window.  Pushback (a 429
 * or 503, or a timeout) halves the limit, not below 1; the answers to
 * requests that started before that cut were sent to the old load, so
 * they do not cut it again.  A success raises the limit by one, never
 * above where it started, but only when the host was using its whole
 * limit and only for a request that started after the last change: at
 * most one step per round trip.  Time is seconds on a monotonic clock,
 * passed in: `started` is when the attempt started, now when it ended. */
#ifndef SCRAPE_AIMD_H
#define SCRAPE_AIMD_H

#include <stdbool.h>

struct aimd {
	long start;          /* the ceiling, and where the limit starts */
	long limit;
	long lowest;         /* the lowest limit so far, for the summary */
	double cut_at;       /* the last cut; -INFINITY before any */
	double changed_at;   /* the last cut or raise */
};

/* start is at least 1. */
void aimd_init(struct aimd *a, long start);
long aimd_limit(const struct aimd *a);
long aimd_lowest(const struct aimd *a);

void aimd_on_pushback(struct aimd *a, double started, double now);
/* was_full: the host had its whole limit in flight, this attempt too. */
void aimd_on_success(struct aimd *a, double started, double now,
    bool was_full);

#endif
