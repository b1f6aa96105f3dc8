/* Even pacing of request starts, pure: a GCRA with no burst tolerance.
 * "N per U" means one start every U/N seconds exactly: a start is due at
 * the theoretical arrival time (TAT), which each start moves to
 * max(TAT, now) + interval, so an idle spell builds up no credit and two
 * starts are never closer than the interval.  Time is seconds on a
 * monotonic clock, passed in. */
#ifndef SCRAPE_PACE_H
#define SCRAPE_PACE_H

#include <stdbool.h>

struct pace {
	double interval;   /* seconds between starts; <= 0: unlimited */
	double tat;        /* when the next start is due; -INFINITY at first */
};

void pace_init(struct pace *p, double interval);
/* Change the interval, as a robots.txt Crawl-delay does once it is known:
 * the next start is due the new interval after the last one. */
void pace_set(struct pace *p, double interval);
/* The earliest time a start may happen: now when one may start now. */
double pace_next(const struct pace *p, double now);
/* A start happens at now (the caller checked pace_next(p, now) <= now). */
void pace_take(struct pace *p, double now);

/* Parse "N/U": N a positive integer, U "s", "m" or "h" alone or after a
 * number ("5s", "0.5s", "2m").  On success *interval is U/N in seconds;
 * false when malformed or when the rate is not a positive finite one. */
bool pace_parse(const char *s, double *interval);

#endif
