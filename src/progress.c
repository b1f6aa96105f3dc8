#include "progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"

#define PROGRESS_TICK_MS 250     /* a sample, and a redraw on a terminal */
#define PROGRESS_LINE_TICKS 4    /* elsewhere, a line every fourth tick */
#define PROGRESS_WINDOW 20       /* ticks the rates are taken over: 5 s */
#define PROGRESS_BAR 12          /* columns inside the bar's brackets */

/* Where the run was at one tick, for the rates. */
struct progress_point {
	double t;                /* seconds since the start */
	uint64_t done;
	uint64_t taken;
};

struct progress {
	FILE *out;
	bool terminal;           /* redraw in place; else plain lines */
	struct event *timer;
	progress_sample_fn sample;
	void *arg;
	struct timespec start;
	/* The last PROGRESS_WINDOW + 1 points, oldest at npoints % size
	 * once the ring is full. */
	struct progress_point ring[PROGRESS_WINDOW + 1];
	uint64_t npoints;
	bool drawn;              /* a line is on the screen */
};

/* The line as it is put together: what does not fit is cut off. */
struct progress_text {
	char s[512];
	size_t len;
};

static void progress_add(struct progress_text *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
progress_add(struct progress_text *text, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text->s + text->len, sizeof text->s - text->len, fmt,
	    ap);
	va_end(ap);
	if (n > 0)
		text->len += (size_t)n;
	if (text->len >= sizeof text->s)
		text->len = sizeof text->s - 1;
}

static double
progress_now(const struct progress *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - p->start.tv_sec) +
	    (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
}

/* Per second, between the oldest point kept and the newest. */
static void
progress_rates(const struct progress *p, double *urls, double *bytes)
{
	const size_t size = PROGRESS_WINDOW + 1;
	const struct progress_point *new = &p->ring[(p->npoints - 1) % size];
	const struct progress_point *old =
	    &p->ring[p->npoints > size ? p->npoints % size : 0];
	double dt = new->t - old->t;

	*urls = dt > 0 ? (double)(new->done - old->done) / dt : 0;
	*bytes = dt > 0 ? (double)(new->taken - old->taken) / dt : 0;
}

static void
progress_add_duration(struct progress_text *text, double secs)
{
	long s = (long)(secs + 0.5);

	if (s >= 100 * 3600)
		progress_add(text, ">99h");
	else if (s >= 3600)
		progress_add(text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
		    s % 60);
	else
		progress_add(text, "%ld:%02ld", s / 60, s % 60);
}

static void
progress_format(const struct progress *p, const struct progress_counts *c,
    struct progress_text *text)
{
	double urls, bytes, share = 1;
	int kinds = 0;

	progress_rates(p, &urls, &bytes);
	if (c->sized && c->taken < c->size)
		share = (double)c->taken / (double)c->size;
	if (c->sized && p->terminal) {
		int fill = (int)(share * PROGRESS_BAR);

		progress_add(text, "[");
		for (int i = 0; i < PROGRESS_BAR; i++)
			progress_add(text, "%c", i < fill ? '=' :
			    i == fill ? '>' : ' ');
		progress_add(text, "] ");
	}
	if (c->sized)
		progress_add(text, "%d%% read, ", (int)(share * 100));
	progress_add(text, "%llu done, %.*f/s", (unsigned long long)c->done,
	    urls < 10 ? 1 : 0, urls);
	/* Only while there is input left to read at a known rate: what is
	 * in flight after the last line is read has no size. */
	if (c->sized && c->taken < c->size) {
		progress_add(text, ", eta ");
		if (bytes > 0)
			progress_add_duration(text,
			    (double)(c->size - c->taken) / bytes);
		else
			progress_add(text, "--:--");
	}
	progress_add(text, ", %llu in flight, %llu to retry",
	    (unsigned long long)c->in_flight, (unsigned long long)c->waiting);
	if (c->queued > 0)
		progress_add(text, ", %llu queued",
		    (unsigned long long)c->queued);
	if (c->hosts)
		progress_add(text, ", hosts: %llu waiting, %llu open",
		    (unsigned long long)c->hosts_waiting,
		    (unsigned long long)c->hosts_open);
	progress_add(text, ", %llu failed", (unsigned long long)c->failed);
	for (int k = ERR_NONE + 1; k < ERR_KIND_COUNT; k++)
		if (c->by_kind[k] > 0)
			progress_add(text, "%s%s %llu", kinds++ ? ", " : " (",
			    errkind_name(k),
			    (unsigned long long)c->by_kind[k]);
	if (kinds > 0)
		progress_add(text, ")");
}

/* On a terminal, one column short of its width: a line that reaches the
 * last column would wrap, and \r could no longer get back to its start. */
static void
progress_fit(const struct progress *p, struct progress_text *text)
{
	struct winsize ws;

	if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 &&
	    text->len > (size_t)ws.ws_col - 1)
		text->len = (size_t)ws.ws_col - 1;
	text->s[text->len] = '\0';
}

static void
progress_tick(evutil_socket_t fd, short what, void *arg)
{
	struct progress *p = arg;
	struct progress_counts c = { 0 };
	struct progress_text text = { .len = 0 };
	struct progress_point *point;

	p->sample(p->arg, &c);
	point = &p->ring[p->npoints++ % (PROGRESS_WINDOW + 1)];
	point->t = progress_now(p);
	point->done = c.done;
	point->taken = c.taken;
	if (!p->terminal && p->npoints % PROGRESS_LINE_TICKS != 1)
		return;
	progress_format(p, &c, &text);
	if (p->terminal) {
		progress_fit(p, &text);
		/* Over the old line, then erase what is left of it. */
		fprintf(p->out, "\r%s\033[K", text.s);
		p->drawn = true;
	} else {
		fprintf(p->out, "%s\n", text.s);
	}
	fflush(p->out);
}

struct progress *
progress_new(struct event_base *base, FILE *out, progress_sample_fn sample,
    void *arg)
{
	struct progress *p = xcalloc(1, sizeof *p);
	struct timeval tv = { 0, PROGRESS_TICK_MS * 1000 };

	p->out = out;
	p->terminal = isatty(fileno(out));
	p->sample = sample;
	p->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	/* The start, as the first point: nothing done, nothing read. */
	p->npoints = 1;
	p->timer = event_new(base, -1, EV_PERSIST, progress_tick, p);
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
