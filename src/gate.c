#include "gate.h"

#include <math.h>
#include <stdlib.h>

#include "frontier.h"
#include "pace.h"
#include "xmalloc.h"

struct gate_host {
	struct frontier_host *fh;
	struct host *policy;
	long refs;                /* items queued, in flight or waiting */
	long circuit_open_urls;
	bool crawl_delay;         /* robots.txt paces it: keep it */
	bool lingering;           /* on the linger list */
	struct gate_host *linger_next;
};

struct gate {
	struct host_config host_cfg;
	struct pace rate;         /* --rate, over the whole run */
	struct frontier *frontier;
	gate_facts_fn facts;
	void *facts_arg;
	/* Hosts nobody uses that still hold state for a while (pacing due,
	 * a pause, a breaker's cool-down): a FIFO swept a few at a time. */
	struct gate_host *linger_head, *linger_tail;
};

/* Hosts looked at per sweep: enough to outpace the hosts a run creates,
 * since every host comes with at least one URL and every URL with a
 * sweep. */
#define GATE_SWEEP 4

static double
gate_when(void *policy, double now, void *arg)
{
	struct gate_host *h = policy;

	return host_next_start(h->policy, now);
}

struct gate *
gate_new(const struct gate_config *cfg, gate_facts_fn facts, void *arg)
{
	struct gate *g = xcalloc(1, sizeof *g);

	g->host_cfg.per_host = cfg->per_host;
	/* The adaptive limit starts at the cap, or at -c without one. */
	if (cfg->adaptive && cfg->per_host == 0)
		g->host_cfg.per_host = cfg->concurrency;
	g->host_cfg.host_interval = cfg->host_interval;
	g->host_cfg.adaptive = cfg->adaptive;
	g->host_cfg.breaker_threshold = (int)cfg->breaker_failures;
	g->host_cfg.breaker_cooldown = cfg->breaker_secs;
	pace_init(&g->rate, cfg->rate_interval);
	g->frontier = frontier_new(gate_when, g);
	g->facts = facts;
	g->facts_arg = arg;
	return g;
}

/* Tell the summary what it should know of h before h is forgotten. */
static void
gate_report(struct gate *g, struct gate_host *h)
{
	struct gate_host_facts f;

	f.key = frontier_host_key(h->fh);
	f.times_opened = host_times_opened(h->policy);
	f.circuit_open_urls = h->circuit_open_urls;
	f.lowest_limit = host_lowest_limit(h->policy);
	if (g->facts != NULL && (f.times_opened > 0 ||
	    f.circuit_open_urls > 0 || f.lowest_limit > 0))
		g->facts(&f, g->facts_arg);
}

static void
gate_host_free(struct gate *g, struct gate_host *h)
{
	gate_report(g, h);
	host_free(h->policy);
	frontier_host_release(g->frontier, h->fh);
	free(h);
}

void
gate_free(struct gate *g)
{
	struct frontier_host *fh, *next;

	if (g == NULL)
		return;
	for (fh = frontier_first(g->frontier); fh != NULL; fh = next) {
		next = frontier_next(g->frontier, fh);
		gate_host_free(g, frontier_host_policy(fh));
	}
	frontier_free(g->frontier);
	free(g);
}

struct gate_host *
gate_host_get(struct gate *g, const char *key)
{
	struct frontier_host *fh = frontier_host(g->frontier, key);
	struct gate_host *h = frontier_host_policy(fh);

	if (h == NULL) {
		h = xcalloc(1, sizeof *h);
		h->fh = fh;
		h->policy = host_new(&g->host_cfg);
		frontier_host_set_policy(fh, h);
	}
	h->refs++;
	return h;
}

static bool
gate_host_unused(const struct gate_host *h)
{
	return h->refs == 0 && !h->crawl_delay &&
	    frontier_host_queued(h->fh) == 0;
}

static void
gate_linger(struct gate *g, struct gate_host *h)
{
	h->lingering = true;
	h->linger_next = NULL;
	if (g->linger_tail != NULL)
		g->linger_tail->linger_next = h;
	else
		g->linger_head = h;
	g->linger_tail = h;
}

/* Free lingering hosts whose state has run out; those in use again just
 * leave the list (their last put puts them back if need be). */
static void
gate_sweep(struct gate *g, double now)
{
	for (int i = 0; i < GATE_SWEEP && g->linger_head != NULL; i++) {
		struct gate_host *h = g->linger_head;

		g->linger_head = h->linger_next;
		if (g->linger_head == NULL)
			g->linger_tail = NULL;
		h->lingering = false;
		if (!gate_host_unused(h))
			continue;
		if (host_idle(h->policy, now))
			gate_host_free(g, h);
		else
			gate_linger(g, h);
	}
}

void
gate_host_put(struct gate *g, struct gate_host *h, double now)
{
	h->refs--;
	if (!gate_host_unused(h) || h->lingering)
		return;
	if (host_idle(h->policy, now))
		gate_host_free(g, h);
	else
		gate_linger(g, h);
}

const char *
gate_host_key(const struct gate_host *h)
{
	return frontier_host_key(h->fh);
}

bool
gate_offer(struct gate *g, struct gate_host *h, void *item, double now)
{
	if (host_circuit_open(h->policy, now))
		return false;
	frontier_push(g->frontier, h->fh, item, now);
	return true;
}

void *
gate_next(struct gate *g, double now, struct gate_host **hp)
{
	struct frontier_host *fh;
	struct gate_host *h;
	void *item;

	gate_sweep(g, now);
	if (pace_next(&g->rate, now) > now)
		return NULL;
	if ((item = frontier_pop(g->frontier, now, &fh)) == NULL)
		return NULL;
	h = frontier_host_policy(fh);
	host_start(h->policy, now);
	pace_take(&g->rate, now);
	frontier_touch(g->frontier, fh, now);
	*hp = h;
	return item;
}

double
gate_wake(struct gate *g, double now)
{
	double when = frontier_next_wake(g->frontier, now);
	double paced;

	/* The run's pacing matters only once some host could start. */
	if (isinf(when))
		return when;
	paced = pace_next(&g->rate, now);
	return paced > when ? paced : when;
}

bool
gate_done(struct gate *g, struct gate_host *h, enum host_outcome o,
    double started, double retry_after, double now)
{
	bool opened = host_finish(h->policy, o, started, retry_after, now);

	frontier_touch(g->frontier, h->fh, now);
	return opened;
}

void *
gate_take(struct gate *g, struct gate_host *h)
{
	return frontier_take(g->frontier, h->fh);
}

void *
gate_drain(struct gate *g, struct gate_host **hp)
{
	struct frontier_host *fh;
	void *item = frontier_drain(g->frontier, &fh);

	if (item != NULL)
		*hp = frontier_host_policy(fh);
	return item;
}

void
gate_count_open(struct gate_host *h)
{
	h->circuit_open_urls++;
}

void
gate_set_crawl_delay(struct gate *g, struct gate_host *h, double secs,
    double now)
{
	host_set_crawl_delay(h->policy, secs);
	h->crawl_delay = true;
	frontier_touch(g->frontier, h->fh, now);
}

size_t
gate_held(const struct gate *g)
{
	return frontier_queued(g->frontier);
}

size_t
gate_hosts(const struct gate *g)
{
	return frontier_hosts(g->frontier);
}

void
gate_census(struct gate *g, double now, size_t *waiting, size_t *open)
{
	struct frontier_host *fh;

	*waiting = *open = 0;
	for (fh = frontier_first(g->frontier); fh != NULL;
	    fh = frontier_next(g->frontier, fh)) {
		struct gate_host *h = frontier_host_policy(fh);

		if (host_circuit_open(h->policy, now))
			(*open)++;
		else if (frontier_host_queued(fh) > 0 &&
		    host_next_start(h->policy, now) > now)
			(*waiting)++;
	}
}
