#include "progress.h"

#include <stdlib.h>
#include <time.h>

#include "xmalloc.h"

#define PROGRESS_INTERVAL_MS 250

struct progress {
	FILE *out;
	struct event *timer;
	progress_sample_fn sample;
	void *arg;
	struct timespec start;
	int drawn;           /* a line is on the screen */
};

static double
seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
progress_draw(struct progress *p)
{
	struct progress_counts c = { 0 };
	double secs = seconds_since(&p->start);

	p->sample(p->arg, &c);
	/* \r and erase-to-end: the line is redrawn in place. */
	fprintf(p->out, "\r\033[K%llu done (%llu ok, %llu failed), %llu in "
	    "flight, %llu waiting to retry, %.0f/s",
	    (unsigned long long)c.done, (unsigned long long)c.ok,
	    (unsigned long long)c.failed, (unsigned long long)c.in_flight,
	    (unsigned long long)c.waiting,
	    secs > 0 ? (double)c.done / secs : 0.0);
	fflush(p->out);
	p->drawn = 1;
}

static void
progress_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	progress_draw(arg);
}

struct progress *
progress_new(struct event_base *base, FILE *out, progress_sample_fn sample,
    void *arg)
{
	struct progress *p = xcalloc(1, sizeof *p);
	struct timeval tv = { 0, PROGRESS_INTERVAL_MS * 1000 };

	p->out = out;
	p->sample = sample;
	p->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->timer = event_new(base, -1, EV_PERSIST, progress_timer_cb, p);
	if (p->timer == NULL) {
		free(p);
		return NULL;
	}
	event_add(p->timer, &tv);
	return p;
}

void
progress_free(struct progress *p)
{
	if (p == NULL)
		return;
	if (p->drawn) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	event_free(p->timer);
	free(p);
}
