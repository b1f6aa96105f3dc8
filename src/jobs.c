/* sched_getaffinity and CPU_COUNT. */
#define _GNU_SOURCE 1
#include "jobs.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bell.h"
#include "buf.h"
#include "feed.h"
#include "fields.h"
#include "hostkey.h"
#include "loop.h"
#include "slots.h"
#include "url.h"
#include "xmalloc.h"

/* Lines dealt to a loop and not yet taken: enough that a loop never
 * waits on the main thread, few enough that one loop whose hosts are
 * all at their limits holds up the others only briefly. */
#define JOBS_FEED_LINES 1024
/* ... and a bound on their bytes, so that long lines do not make a feed
 * the bulk of what is read ahead (--lookahead bounds the rest). */
#define JOBS_FEED_BYTES (64 * 1024)

/* How often a loop publishes its figures for the progress line. */
#define JOBS_PUBLISH_MS 200

struct jobs;

/* One loop and its thread.  Everything here but the atomics, the bell
 * and the published figures is touched only by that thread once it has
 * started, and by the main thread once it is over. */
struct worker {
	struct jobs *jobs;
	unsigned index;
	struct options opts;        /* the run's, less what the dealer did */
	struct event_base *base;
	int bell;                   /* eventfd: a line, a slot, a signal */
	struct event *bell_ev;
	struct event *publish_ev;
	struct feed *feed;
	struct output *output;
	struct summary *summary;
	struct fields *fields;
	bool owns_fields;           /* the first loop's is the caller's */
	struct sched *sched;
	pthread_t thread;
	bool started;

	atomic_int signo;           /* a signal to pass on, 0: none */
	atomic_bool abandon;        /* another loop failed: stop */
	atomic_bool finished;

	pthread_mutex_t lock;       /* guards published */
	struct progress_counts published;
};

struct jobs {
	const struct options *opts;
	struct event_base *base;
	struct input *input;
	struct summary *summary;
	const struct resume *resume;
	struct slots *slots;
	struct worker *workers;
	unsigned nworkers;

	int bell;                   /* eventfd: room in a feed, a loop over */
	struct event *bell_ev;

	/* The line the dealer could not put yet: its loop's feed is full. */
	bool pending;
	unsigned pending_to;
	struct input_line pending_line;
	struct buf pending_text;
	CURLU *pending_parsed;

	bool dealt_all;             /* every feed closed */
	bool input_failed;
	int signo;
	bool abandoned;             /* a loop failed; the others were told */
	enum sched_outcome failure; /* that loop's outcome */
	char error[512];
};

unsigned
jobs_count(const struct options *opts)
{
	long n = opts->jobs;
	cpu_set_t cpus;

	if (opts->ordered || opts->rate_interval > 0)
		return 1;
	if (n == 0) {
		n = 1;
		if (sched_getaffinity(0, sizeof cpus, &cpus) == 0)
			n = CPU_COUNT(&cpus);
	}
	if (n > opts->concurrency)
		n = opts->concurrency;
	if (n > JOBS_MAX)
		n = JOBS_MAX;
	return n < 1 ? 1 : (unsigned)n;
}

/* ---- The loops' side ---------------------------------------------------- */

static void
worker_publish(struct worker *w)
{
	struct progress_counts c = { 0 };

	sched_sample(w->sched, &c);
	pthread_mutex_lock(&w->lock);
	w->published = c;
	pthread_mutex_unlock(&w->lock);
}

static void
worker_publish_cb(evutil_socket_t fd, short what, void *arg)
{
	worker_publish(arg);
}

static void
worker_bell_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	int signo;

	bell_silence(fd);
	if (atomic_load(&w->abandon)) {
		sched_abandon(w->sched);
		return;
	}
	signo = atomic_exchange(&w->signo, 0);
	if (signo != 0)
		sched_interrupt(w->sched, signo);
	else
		sched_poke(w->sched);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	sched_start(w->sched);
	if (sched_outcome(w->sched) == SCHED_RUNNING)
		event_base_dispatch(w->base);
	sched_flush(w->sched);
	sched_settle(w->sched);
	worker_publish(w);
	atomic_store(&w->finished, true);
	bell_ring(w->jobs->bell);
	return NULL;
}

static void
jobs_slot_free_cb(unsigned user, void *arg)
{
	struct jobs *j = arg;

	bell_ring(j->workers[user].bell);
}

static bool
worker_init(struct jobs *j, struct worker *w, struct output *output,
    struct fields *fields, char *err, size_t errlen)
{
	struct timeval every = { 0, JOBS_PUBLISH_MS * 1000 };

	w->jobs = j;
	/* The dealer has skipped the URLs of other shards and those
	 * --resume names: the loop need not ask again. */
	w->opts = *j->opts;
	w->opts.shard_n = 0;
	atomic_init(&w->signo, 0);
	atomic_init(&w->abandon, false);
	atomic_init(&w->finished, false);
	if (w->index == 0 || fields == NULL) {
		w->fields = fields;
	} else {
		if (!fields_open(&w->opts, &w->fields, err, errlen))
			return false;
		w->owns_fields = true;
	}
	w->bell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->base = loop_base_new();
	if (w->bell == -1 || w->base == NULL) {
		snprintf(err, errlen, "cannot set up the loop of job %u",
		    w->index + 1);
		return false;
	}
	w->bell_ev = xcheck(event_new(w->base, w->bell, EV_READ | EV_PERSIST,
	    worker_bell_cb, w));
	event_add(w->bell_ev, NULL);
	w->feed = feed_new(JOBS_FEED_LINES, JOBS_FEED_BYTES, w->bell, j->bell);
	w->output = output_share(output);
	w->summary = summary_new();
	w->sched = sched_new(w->base, &w->opts, NULL, w->output, w->summary,
	    NULL, w->fields);
	sched_share(w->sched, w->feed, j->slots, w->index, j->nworkers);
	w->publish_ev = xcheck(event_new(w->base, -1, EV_PERSIST,
	    worker_publish_cb, w));
	event_add(w->publish_ev, &every);
	return true;
}

/* Reverse order of worker_init; the scheduler's libcurl handles go
 * before the event base. */
static void
worker_free(struct worker *w)
{
	sched_free(w->sched);
	if (w->owns_fields)
		fields_free(w->fields);
	if (w->publish_ev != NULL)
		event_free(w->publish_ev);
	if (w->bell_ev != NULL)
		event_free(w->bell_ev);
	output_close(w->output);
	summary_free(w->summary);
	feed_free(w->feed);
	if (w->base != NULL)
		event_base_free(w->base);
	if (w->bell != -1)
		close(w->bell);
	pthread_mutex_destroy(&w->lock);
}

/* ---- The main thread's side: dealing, signals, the end ------------------ */

/* Which loop gets a URL: the hash of its host key, as for --shard; the
 * part of the hash --shard used is divided out, so that the URLs of
 * one shard still spread over every loop.  False when the URL is in
 * another shard.  A line that cannot be fetched goes to the first loop
 * (and is shard 1's, as sched_in_shard says). */
static bool
jobs_pick(const struct jobs *j, CURLU *parsed, unsigned *to)
{
	const struct options *o = j->opts;
	char key[HOSTKEY_MAX];
	uint64_t h;

	*to = 0;
	if (parsed == NULL || !hostkey_of(parsed, o->host_key, key, sizeof key))
		return o->shard_n == 0 || o->shard_k == 1;
	h = hostkey_hash(key, strlen(key));
	if (o->shard_n > 0) {
		if (h % o->shard_n + 1 != o->shard_k)
			return false;
		h /= o->shard_n;
	}
	*to = (unsigned)(h % j->nworkers);
	return true;
}

/* Deal one line; false when its loop's feed is full (and not forced):
 * the line is kept as the pending one. */
static bool
jobs_deal_line(struct jobs *j, const struct input_line *line, bool force)
{
	CURLU *parsed = NULL;
	unsigned to;
	char why[256];

	if (j->resume != NULL && resume_done(j->resume, line->text, line->len))
		return true;
	if (line->verdict == LINE_URL)
		parsed = url_parse(line->text, why, sizeof why);
	if (!jobs_pick(j, parsed, &to)) {
		curl_url_cleanup(parsed);
		return true;
	}
	if (feed_put(j->workers[to].feed, line, parsed, force))
		return true;
	buf_reset(&j->pending_text);
	buf_append(&j->pending_text, line->text, line->len);
	j->pending_line = *line;
	j->pending_line.text = j->pending_text.data;
	j->pending_parsed = parsed;
	j->pending_to = to;
	j->pending = true;
	return false;
}

static bool
jobs_put_pending(struct jobs *j, bool force)
{
	if (!j->pending)
		return true;
	if (!feed_put(j->workers[j->pending_to].feed, &j->pending_line,
	    j->pending_parsed, force))
		return false;
	j->pending = false;
	j->pending_parsed = NULL;
	return true;
}

static void
jobs_close_feeds(struct jobs *j)
{
	for (unsigned i = 0; i < j->nworkers; i++)
		feed_close(j->workers[i].feed);
	j->dealt_all = true;
}

/* Read and deal until a feed is full or the input has nothing more
 * for now. */
static void
jobs_deal(struct jobs *j)
{
	struct input_line line;

	while (!j->dealt_all && !j->abandoned && jobs_put_pending(j, false)) {
		switch (input_next(j->input, &line)) {
		case INPUT_LINE:
			jobs_deal_line(j, &line, false);
			break;
		case INPUT_AGAIN:
			return;
		case INPUT_EOF:
			jobs_close_feeds(j);
			break;
		case INPUT_ERROR:
			fprintf(stderr, "scrape: %s\n", input_error(j->input));
			j->input_failed = true;
			break;
		}
	}
}

static void
jobs_input_ready(void *arg)
{
	jobs_deal(arg);
}

/* A loop that failed (its output, libcurl) ends the run: the others
 * stop without writing more, as one loop would. */
static void
jobs_abandon(struct jobs *j, struct worker *failed)
{
	enum sched_outcome o = sched_outcome(failed->sched);

	if (j->abandoned)
		return;
	j->abandoned = true;
	j->failure = o;
	snprintf(j->error, sizeof j->error, "%s", sched_error(failed->sched));
	for (unsigned i = 0; i < j->nworkers; i++) {
		atomic_store(&j->workers[i].abandon, true);
		bell_ring(j->workers[i].bell);
	}
}

static void
jobs_bell_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *j = arg;
	unsigned over = 0;

	bell_silence(fd);
	for (unsigned i = 0; i < j->nworkers; i++) {
		struct worker *w = &j->workers[i];
		enum sched_outcome o;

		if (!atomic_load(&w->finished))
			continue;
		over++;
		o = sched_outcome(w->sched);
		if (o == SCHED_OUTPUT_CLOSED || o == SCHED_OUTPUT_FAILED ||
		    o == SCHED_FATAL)
			jobs_abandon(j, w);
	}
	if (over == j->nworkers) {
		event_base_loopbreak(j->base);
		return;
	}
	jobs_deal(j);
}

struct jobs *
jobs_new(const struct options *opts, unsigned njobs, struct event_base *base,
    struct input *input, struct output *output, struct summary *summary,
    const struct resume *resume, struct fields *fields, char *err,
    size_t errlen)
{
	struct jobs *j = xcalloc(1, sizeof *j);
	char key[HOSTKEY_MAX];

	j->opts = opts;
	j->base = base;
	j->input = input;
	j->summary = summary;
	j->resume = resume;
	j->nworkers = njobs;
	j->workers = xcalloc(njobs, sizeof *j->workers);
	/* What worker_free needs of a worker worker_init never reached. */
	for (unsigned i = 0; i < njobs; i++) {
		j->workers[i].index = i;
		j->workers[i].bell = -1;
		pthread_mutex_init(&j->workers[i].lock, NULL);
	}
	j->bell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (j->bell == -1) {
		snprintf(err, errlen, "cannot set up --jobs: out of "
		    "descriptors");
		jobs_free(j);
		return NULL;
	}
	j->bell_ev = xcheck(event_new(base, j->bell, EV_READ | EV_PERSIST,
	    jobs_bell_cb, j));
	event_add(j->bell_ev, NULL);
	j->slots = slots_new(opts->concurrency, jobs_slot_free_cb, j);
	/* The public suffix list loads at its first use, which must not be
	 * in two threads at once. */
	if (opts->host_key == HOSTKEY_DOMAIN)
		hostkey_from_host("example.com", HOSTKEY_DOMAIN, key,
		    sizeof key);
	for (unsigned i = 0; i < njobs; i++) {
		if (!worker_init(j, &j->workers[i], output, fields, err,
		    errlen)) {
			jobs_free(j);
			return NULL;
		}
	}
	input_set_ready(input, jobs_input_ready, j);
	return j;
}

void
jobs_start(struct jobs *j)
{
	sigset_t all, old;

	/* Signals are the main thread's: its event loop hears them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < j->nworkers; i++) {
		struct worker *w = &j->workers[i];

		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			fputs("scrape: cannot start a thread for --jobs\n",
			    stderr);
			abort();
		}
		w->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	jobs_deal(j);
}

void
jobs_interrupt(struct jobs *j, int signo)
{
	struct input_line line;

	if (j->signo != 0 || j->abandoned)
		return;
	j->signo = signo;
	if (!j->dealt_all) {
		input_stop_reading(j->input);
		jobs_put_pending(j, true);
		while (input_next(j->input, &line) == INPUT_LINE)
			jobs_deal_line(j, &line, true);
		jobs_close_feeds(j);
	}
	for (unsigned i = 0; i < j->nworkers; i++) {
		atomic_store(&j->workers[i].signo, signo);
		bell_ring(j->workers[i].bell);
	}
}

void
jobs_finish(struct jobs *j)
{
	struct summary **all = xcalloc(j->nworkers, sizeof *all);

	for (unsigned i = 0; i < j->nworkers; i++) {
		struct worker *w = &j->workers[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		w->started = false;
		all[i] = w->summary;
	}
	summary_merge(j->summary, all, j->nworkers);
	free(all);
}

void
jobs_free(struct jobs *j)
{
	if (j == NULL)
		return;
	for (unsigned i = 0; i < j->nworkers; i++)
		if (j->workers[i].started)
			pthread_join(j->workers[i].thread, NULL);
	for (unsigned i = 0; i < j->nworkers; i++)
		worker_free(&j->workers[i]);
	free(j->workers);
	if (j->bell_ev != NULL)
		event_free(j->bell_ev);
	if (j->bell != -1)
		close(j->bell);
	slots_free(j->slots);
	curl_url_cleanup(j->pending_parsed);
	buf_free(&j->pending_text);
	free(j);
}

enum sched_outcome
jobs_outcome(const struct jobs *j)
{
	bool interrupted = false;

	if (j->abandoned)
		return j->failure;
	for (unsigned i = 0; i < j->nworkers; i++)
		if (sched_outcome(j->workers[i].sched) == SCHED_INTERRUPTED)
			interrupted = true;
	return interrupted || j->signo != 0 ? SCHED_INTERRUPTED : SCHED_DONE;
}

int
jobs_signal(const struct jobs *j)
{
	return j->signo;
}

const char *
jobs_error(const struct jobs *j)
{
	return j->error;
}

bool
jobs_input_failed(const struct jobs *j)
{
	return j->input_failed;
}

void
jobs_sample(void *arg, struct progress_counts *c)
{
	struct jobs *j = arg;

	for (unsigned i = 0; i < j->nworkers; i++) {
		struct worker *w = &j->workers[i];
		struct progress_counts p;

		pthread_mutex_lock(&w->lock);
		p = w->published;
		pthread_mutex_unlock(&w->lock);
		c->done += p.done;
		c->failed += p.failed;
		for (int k = 0; k < ERR_KIND_COUNT; k++)
			c->by_kind[k] += p.by_kind[k];
		c->in_flight += p.in_flight;
		c->waiting += p.waiting;
		c->queued += p.queued;
		c->hosts = c->hosts || p.hosts;
		c->hosts_waiting += p.hosts_waiting;
		c->hosts_open += p.hosts_open;
	}
	/* Lines dealt but not yet taken by their loop are not read yet, as
	 * far as the user can tell: they wait as they would in the input. */
	c->sized = input_progress(j->input, &c->taken, &c->size);
	for (unsigned i = 0; i < j->nworkers; i++) {
		size_t queued = feed_bytes(j->workers[i].feed);

		c->taken -= queued < c->taken ? queued : c->taken;
	}
}
