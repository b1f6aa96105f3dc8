/* One host's request policy, pure: how many attempts are in flight and
 * when the next may start, under its cap (--per-host, or the --adaptive
 * limit), its pacing (--host-rate, or a robots.txt Crawl-delay), a pause
 * a Retry-After asked for, and its circuit breaker (--breaker).  Time is
 * seconds on a monotonic clock, passed in; every attempt's start time is
 * handed back when it ends, so that the breaker and the adaptive limit
 * can tell answers to old requests from answers to new ones. */
#ifndef SCRAPE_HOST_H
#define SCRAPE_HOST_H

#include <stdbool.h>

/* The longest Crawl-delay obeyed, in seconds. */
#define HOST_MAX_CRAWL_DELAY 60.0

struct host_config {
	long per_host;              /* the cap, 0 for none; with adaptive,
				       where the limit starts (>= 1) */
	double host_interval;       /* seconds between starts; 0: unpaced */
	bool adaptive;
	int breaker_threshold;      /* 0: no breaker */
	double breaker_cooldown;    /* > 0 */
};

enum host_outcome {
	HOST_OK,          /* success */
	HOST_FAILED,      /* a retryable failure */
	HOST_PUSHBACK,    /* 429, 503 or a timeout: a retryable failure that
			     also halves the adaptive limit */
	HOST_OTHER        /* final and not a failure for the breaker */
};

struct host;

/* The host copies cfg. */
struct host *host_new(const struct host_config *cfg);
void host_free(struct host *h);

/* When the next attempt may start: now when it may start now; a later
 * time to wake up at (pacing, a pause, an open circuit's end); INFINITY
 * when only an attempt in flight ending can change the answer (the host
 * is at its cap, or a half-open circuit's probe is out). */
double host_next_start(const struct host *h, double now);
/* Whether the circuit is open: the host's URLs that would start now fail
 * with circuit_open instead of waiting. */
bool host_circuit_open(const struct host *h, double now);

/* An attempt starts at now (the caller checked host_next_start). */
void host_start(struct host *h, double now);
/* The attempt that started at `started` ended at now.  retry_after >= 0
 * pauses new starts until now + retry_after.  True when this opened the
 * circuit. */
bool host_finish(struct host *h, enum host_outcome o, double started,
    double retry_after, double now);

/* Pace the host at one start per secs at least (a robots.txt
 * Crawl-delay, at most HOST_MAX_CRAWL_DELAY), counting from its last
 * start; --host-rate still holds if it is slower. */
void host_set_crawl_delay(struct host *h, double secs);

long host_in_flight(const struct host *h);
/* The cap now: the adaptive limit, else per_host; 0 for none. */
long host_limit(const struct host *h);
/* The lowest adaptive limit, or 0 if it was never lowered. */
long host_lowest_limit(const struct host *h);
/* How many times the circuit opened, a failed probe's reopening too. */
int host_times_opened(const struct host *h);

/* Whether nothing is in flight and the host holds nothing a new host
 * from the same config would not, or nothing worth keeping: no pause,
 * no pacing due, no open circuit, no failures counted in the last
 * cool-down (see breaker_quiet_at), so that it may be freed.  Neither a
 * Crawl-delay (set it again on the new host) nor the adaptive limit of a
 * host with nothing in flight is kept: take host_lowest_limit and
 * host_times_opened for the summary before freeing it. */
bool host_idle(const struct host *h, double now);
/* When host_idle will hold, once nothing is in flight. */
double host_idle_at(const struct host *h, double now);

#endif
