#include "host.h"

#include <math.h>
#include <stdlib.h>

#include "aimd.h"
#include "breaker.h"
#include "pace.h"
#include "xmalloc.h"

struct host {
	struct host_config cfg;
	long in_flight;
	double paused_until;   /* Retry-After; -INFINITY for none */
	int times_opened;
	struct pace pace;
	struct breaker breaker;
	struct aimd aimd;
};

struct host *
host_new(const struct host_config *cfg)
{
	struct host *h = xcalloc(1, sizeof *h);

	h->cfg = *cfg;
	h->paused_until = -INFINITY;
	pace_init(&h->pace, cfg->host_interval);
	if (cfg->breaker_threshold > 0)
		breaker_init(&h->breaker, cfg->breaker_threshold,
		    cfg->breaker_cooldown);
	if (cfg->adaptive)
		aimd_init(&h->aimd, cfg->per_host);
	return h;
}

void
host_free(struct host *h)
{
	free(h);
}

long
host_limit(const struct host *h)
{
	if (h->cfg.adaptive)
		return aimd_limit(&h->aimd);
	return h->cfg.per_host;
}

double
host_next_start(const struct host *h, double now)
{
	long limit = host_limit(h);
	double t = now;

	if (limit > 0 && h->in_flight >= limit)
		return INFINITY;
	if (h->paused_until > t)
		t = h->paused_until;
	t = fmax(t, pace_next(&h->pace, now));
	if (h->cfg.breaker_threshold > 0)
		t = fmax(t, breaker_next(&h->breaker, now));
	return t;
}

bool
host_circuit_open(const struct host *h, double now)
{
	return h->cfg.breaker_threshold > 0 &&
	    breaker_state(&h->breaker, now) == BREAKER_OPEN;
}

void
host_start(struct host *h, double now)
{
	h->in_flight++;
	pace_take(&h->pace, now);
	if (h->cfg.breaker_threshold > 0)
		breaker_take(&h->breaker, now);
}

bool
host_finish(struct host *h, enum host_outcome o, double started,
    double retry_after, double now)
{
	bool was_full = h->in_flight >= host_limit(h);
	bool opened = false;

	if (h->in_flight > 0)
		h->in_flight--;
	if (retry_after >= 0 && now + retry_after > h->paused_until)
		h->paused_until = now + retry_after;
	if (h->cfg.adaptive) {
		if (o == HOST_PUSHBACK)
			aimd_on_pushback(&h->aimd, started, now);
		else if (o == HOST_OK)
			aimd_on_success(&h->aimd, started, now, was_full);
	}
	if (h->cfg.breaker_threshold > 0) {
		opened = breaker_record(&h->breaker,
		    o == HOST_FAILED || o == HOST_PUSHBACK, started, now);
		if (opened)
			h->times_opened++;
	}
	return opened;
}

void
host_set_crawl_delay(struct host *h, double secs)
{
	if (!(secs > 0))
		secs = 0;
	secs = fmin(secs, HOST_MAX_CRAWL_DELAY);
	pace_set(&h->pace, fmax(h->cfg.host_interval, secs));
}

long
host_in_flight(const struct host *h)
{
	return h->in_flight;
}

long
host_lowest_limit(const struct host *h)
{
	if (!h->cfg.adaptive || aimd_lowest(&h->aimd) >= h->cfg.per_host)
		return 0;
	return aimd_lowest(&h->aimd);
}

int
host_times_opened(const struct host *h)
{
	return h->times_opened;
}

double
host_idle_at(const struct host *h, double now)
{
	double at = fmax(h->paused_until, pace_next(&h->pace, now));

	if (h->cfg.breaker_threshold > 0)
		at = fmax(at, breaker_quiet_at(&h->breaker));
	return at;
}

bool
host_idle(const struct host *h, double now)
{
	return h->in_flight == 0 && host_idle_at(h, now) <= now;
}
