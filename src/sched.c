#include "sched.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "feed.h"
#include "fields.h"
#include "gate.h"
#include "hostkey.h"
#include "loop.h"
#include "order.h"
#include "origins.h"
#include "resolve.h"
#include "retry.h"
#include "robots.h"
#include "slots.h"
#include "task.h"
#include "url.h"
#include "xmalloc.h"

struct sched {
	const struct options *opts;
	struct event_base *base;
	struct loop *loop;
	struct input *input;        /* NULL when fed (--jobs) */
	struct output *output;
	struct summary *summary;
	const struct resume *resume;
	struct curl_slist *headers;
	bool proxy_env;             /* a proxy variable is set */

	CURL **idle;                /* easy handles kept for reuse */
	size_t nidle;

	struct task_list in_flight;
	struct task_list resolving; /* looking their host up, slot held */
	struct resolver *resolver;  /* NULL: libcurl resolves every host */
	struct task_list waiting;   /* sleeping until their retry */
	struct task_list ready;     /* retry due, waiting for a slot */
	size_t max_live;            /* bound on tasks held at once */

	/* With host options on (else NULL: 1.0's host-blind fast path). */
	struct gate *gate;          /* per-host queues and policy */
	struct event *wake;         /* the gate's one timer */
	struct origins *origins;    /* --robots */
	char robots_token[64];      /* the User-Agent's product token */

	struct order *order;        /* --ordered: the reorder window */
	struct fields *fields;      /* --title, --select, --store...: NULL */
	struct buf extra;           /* a line's fields */

	bool input_done;
	bool input_failed;
	enum sched_outcome outcome;
	int signo;
	char error[512];
	struct buf line;            /* the JSON line being written */

	/* With --jobs (else NULL): lines come dealt, and slots from the pool
	 * the loops share; slot_held is one taken but not yet used. */
	struct feed *feed;
	struct slots *slots;
	unsigned job;
	bool slot_held;
};

static void sched_pump(struct sched *s);
static void sched_end(struct sched *s, enum sched_outcome outcome);

/* Whether a transfer may start now.  Sharing slots with other loops,
 * that takes one from the pool and holds it for the start to come
 * (sched_start_attempt uses it; sched_pump gives back one left over). */
static bool
sched_slot_free(struct sched *s)
{
	if (s->in_flight.count + s->resolving.count >=
	    (size_t)s->opts->concurrency)
		return false;
	if (s->slots == NULL || s->slot_held)
		return true;
	s->slot_held = slots_take(s->slots, s->job);
	return s->slot_held;
}

/* A transfer that held a slot of the pool is over (or never began). */
static void
sched_slot_give(struct sched *s)
{
	if (s->slots != NULL)
		slots_give(s->slots);
}

/* Tasks read and not yet started: in the gate's queues, or waiting for
 * their origin's robots.txt. */
static size_t
sched_held(const struct sched *s)
{
	return (s->gate != NULL ? gate_held(s->gate) : 0) +
	    (s->origins != NULL ? origins_waiting(s->origins) : 0);
}

static size_t
sched_live(const struct sched *s)
{
	return s->in_flight.count + s->resolving.count + s->waiting.count +
	    s->ready.count + sched_held(s);
}

static bool
sched_stopping(const struct sched *s)
{
	return s->outcome != SCHED_RUNNING;
}

/* Tell the event loop to return once the current callback is over. */
static void
sched_end(struct sched *s, enum sched_outcome outcome)
{
	if (s->outcome == SCHED_RUNNING || s->outcome == SCHED_DONE)
		s->outcome = outcome;
	event_base_loopbreak(s->base);
}

static CURL *
sched_get_easy(struct sched *s)
{
	CURL *easy;

	if (s->nidle > 0)
		return s->idle[--s->nidle];
	easy = task_easy_new(s->opts, s->headers, s->proxy_env);
	if (easy != NULL)
		loop_easy_setup(s->loop, easy);
	return easy;
}

/* At most one idle handle per slot: more could never be in use.  A
 * worn handle is made as new first (task_finish_attempt says why). */
static void
sched_put_easy(struct sched *s, CURL *easy, bool worn)
{
	if (easy == NULL)
		return;
	if (s->nidle < (size_t)s->opts->concurrency) {
		if (worn) {
			task_easy_recycle(easy, s->opts, s->headers,
			    s->proxy_env);
			loop_easy_setup(s->loop, easy);
		}
		s->idle[s->nidle++] = easy;
	} else {
		task_easy_free(easy);
	}
}

static void sched_robots_abandoned(struct sched *s, struct task *t,
    enum errkind kind);

/* --ordered: the line just made waits for those before it, and every
 * line it was the last one missing for goes out with it. */
static void
sched_put_in_order(struct sched *s, uint64_t seq)
{
	const char *line;
	size_t len;

	order_put(s->order, seq, s->line.data, s->line.len);
	while ((line = order_next(s->order, &len)) != NULL)
		output_add(s->output, line, len);
}

/* The fields the options ask for, made from the final response; false
 * when --store could not write it, which ends the run (exit 3). */
static bool
sched_make_fields(struct sched *s, struct task *t, struct result *r)
{
	struct fields_input in;
	char hex[65], err[sizeof s->error];

	task_sha256(t, hex);
	in.complete = r->kind == ERR_NONE || r->kind == ERR_HTTP;
	in.bytes = r->bytes;
	in.body = task_body(t, &in.len);
	in.content_type = r->content_type;
	in.final_url = r->final_url;
	in.sha256 = hex[0] != '\0' ? hex : NULL;
	buf_reset(&s->extra);
	if (!fields_make(s->fields, &in, &s->extra, err, sizeof err)) {
		snprintf(s->error, sizeof s->error, "%s", err);
		sched_end(s, SCHED_OUTPUT_FAILED);
		return false;
	}
	r->fields = s->extra.data;
	r->fields_len = s->extra.len;
	return true;
}

/* The task is final: its line goes out now, then it is gone (a
 * robots.txt fetch has no line), and so is its hold on its host. */
static void
sched_finish(struct sched *s, struct task *t)
{
	struct gate_host *host = task_host(t);
	struct result r;

	task_result(t, &r);
	if (task_robots_of(t) != NULL)
		sched_robots_abandoned(s, t, r.kind);
	if (task_robots_of(t) == NULL && s->outcome != SCHED_OUTPUT_CLOSED &&
	    s->outcome != SCHED_OUTPUT_FAILED) {
		if (s->fields != NULL && !sched_make_fields(s, t, &r)) {
			task_free(t);
			if (host != NULL)
				gate_host_put(s->gate, host, task_clock());
			return;
		}
		summary_add(s->summary, &r);
		buf_reset(&s->line);
		result_format(&s->line, &r);
		if (s->order != NULL)
			sched_put_in_order(s, task_seq(t));
		else
			output_add(s->output, s->line.data, s->line.len);
	}
	task_free(t);
	if (host != NULL)
		gate_host_put(s->gate, host, task_clock());
}

/* Writing failed: a reader that went away ends the run quietly, any
 * other failure with its message. */
static void
sched_output_failed(void *arg, enum output_status status)
{
	struct sched *s = arg;

	if (status == OUTPUT_CLOSED) {
		sched_end(s, SCHED_OUTPUT_CLOSED);
		return;
	}
	snprintf(s->error, sizeof s->error, "%s", output_error(s->output));
	sched_end(s, SCHED_OUTPUT_FAILED);
}

void
sched_flush(struct sched *s)
{
	enum output_status st = output_flush(s->output);

	if (st != OUTPUT_OK)
		sched_output_failed(s, st);
}

static void
sched_give_up(struct sched *s, struct task *t, enum errkind kind,
    const char *message)
{
	CURL *easy;

	task_abandon(t, kind, message, &easy);
	sched_put_easy(s, easy, true);
	sched_finish(s, t);
}

/* An attempt the gate let start never got going: its host must not go
 * on counting it in flight. */
static void
sched_start_failed(struct sched *s, struct task *t, enum errkind kind,
    const char *message)
{
	double now = task_clock();

	sched_slot_give(s);
	if (task_host(t) != NULL)
		gate_done(s->gate, task_host(t), HOST_OTHER, now, -1, now);
	sched_give_up(s, t, kind, message);
}

/* Hand the task's attempt to libcurl; its slot is taken. */
static void
sched_launch(struct sched *s, struct task *t)
{
	CURL *easy = sched_get_easy(s);
	char err[256];

	if (easy == NULL) {
		sched_start_failed(s, t, ERR_OTHER,
		    "cannot create a libcurl handle");
		return;
	}
	if (!task_attach(t, easy, err, sizeof err)) {
		sched_put_easy(s, easy, true);
		sched_start_failed(s, t, ERR_INVALID_URL, err);
		return;
	}
	if (!loop_add(s->loop, easy, err, sizeof err)) {
		sched_start_failed(s, t, ERR_OTHER, err);
		return;
	}
	task_list_push_back(&s->in_flight, t);
}

/* The attempt takes its slot now; its host is looked up first unless
 * the resolver knows there is no need (resolve.h). */
static void
sched_start_attempt(struct sched *s, struct task *t)
{
	struct resolve_query *q;

	s->slot_held = false;
	if (s->resolver != NULL && (q = resolve_start(s->resolver,
	    task_url(t), task_parsed(t), t)) != NULL) {
		task_begin_lookup(t, q);
		task_list_push_back(&s->resolving, t);
		return;
	}
	sched_launch(s, t);
}

static void
sched_resolved(void *arg, void *item, struct curl_slist *entry)
{
	struct sched *s = arg;
	struct task *t = item;

	task_list_remove(&s->resolving, t);
	task_end_lookup(t, entry);
	sched_launch(s, t);
	sched_pump(s);
}

/* ---- With host options on: the gate, robots.txt ------------------------ */

static void sched_robots_fetch(struct sched *s, struct task *t,
    struct origin *g);
static void sched_robots_release(struct sched *s, struct origin *g);

/* Offer t to its host's queue; a host whose circuit is open ends it at
 * once with circuit_open. */
static void
sched_offer(struct sched *s, struct task *t)
{
	char why[128];

	if (gate_offer(s->gate, task_host(t), t, task_clock()))
		return;
	gate_count_open(task_host(t));
	snprintf(why, sizeof why, "circuit open for host %s after repeated "
	    "failures (--breaker)", gate_host_key(task_host(t)));
	sched_give_up(s, t, ERR_CIRCUIT_OPEN, why);
}

/* Whether robots.txt lets t be fetched; if not, t ends with kind robots. */
static bool
sched_robots_allow(struct sched *s, struct task *t, const struct origin *g)
{
	char path[LINE_MAX_BYTES + 16];

	if (!url_request_path(task_parsed(t), path, sizeof path) ||
	    robots_allowed(origin_rules(g), path))
		return true;
	sched_give_up(s, t, ERR_ROBOTS, "disallowed by robots.txt");
	return false;
}

/* A URL read (or cancelled as it is read) enters the gate: it takes a
 * hold on its host and, under --robots, waits for its origin's rules. */
static void
sched_admit(struct sched *s, struct task *t, const char *cancel_why)
{
	char key[HOSTKEY_MAX];
	struct origin *g;

	if (!hostkey_of(task_parsed(t), s->opts->host_key, key, sizeof key))
		snprintf(key, sizeof key, "?");
	task_set_host(t, gate_host_get(s->gate, key));
	if (cancel_why != NULL) {
		sched_give_up(s, t, ERR_CANCELLED, cancel_why);
		return;
	}
	if (s->origins == NULL) {
		sched_offer(s, t);
		return;
	}
	if (!url_origin(task_parsed(t), key, sizeof key)) {
		sched_offer(s, t);
		return;
	}
	g = origins_get(s->origins, key);
	switch (origin_state(g)) {
	case ORIGIN_KNOWN:
		if (sched_robots_allow(s, t, g))
			sched_offer(s, t);
		break;
	case ORIGIN_NEW:
		origin_set_fetching(g);
		origin_wait(s->origins, g, t);
		sched_robots_fetch(s, t, g);
		break;
	case ORIGIN_FETCHING:
		origin_wait(s->origins, g, t);
		break;
	}
}

/* Fetch origin g's robots.txt, as a task of its own that goes through
 * the gate like a URL (it counts against the host's limits), ahead of
 * g's URLs, which wait for it. */
static void
sched_robots_fetch(struct sched *s, struct task *first, struct origin *g)
{
	CURLU *u = url_robots(task_parsed(first));
	char *text = NULL;
	struct task *t;

	/* A URL libcurl parsed always has an origin; should its robots.txt
	 * URL still fail to form, it is one that cannot be fetched. */
	if (u == NULL || curl_url_get(u, CURLUPART_URL, &text, 0) !=
	    CURLUE_OK) {
		curl_url_cleanup(u);
		origin_set_rules(g, robots_disallow_all());
		sched_robots_release(s, g);
		return;
	}
	t = task_new(text, strlen(text), u, s->opts);
	curl_free(text);
	task_set_robots(t, g);
	task_set_host(t, gate_host_get(s->gate, gate_host_key(task_host(first))));
	sched_offer(s, t);
}

/* What a finished robots.txt fetch says (RFC 9309 2.3.1): a 2xx body is
 * parsed; a 4xx means no rules; a 5xx, a failure or a redirect loop
 * means nothing may be fetched. */
static struct robots *
sched_robots_rules(struct sched *s, struct task *t)
{
	struct result r;
	const char *body;
	size_t len;

	task_result(t, &r);
	if (r.kind == ERR_NONE) {
		body = task_body(t, &len);
		return robots_parse(body, len, s->robots_token);
	}
	if (r.kind == ERR_HTTP && r.status >= 400 && r.status <= 499)
		return robots_allow_all();
	return robots_disallow_all();
}

/* Origin g's rules are in: its waiting URLs go on, or end as robots. */
static void
sched_robots_release(struct sched *s, struct origin *g)
{
	struct task *w;

	while ((w = origin_release(s->origins, g)) != NULL)
		if (sched_robots_allow(s, w, g))
			sched_offer(s, w);
}

static void
sched_robots_done(struct sched *s, struct task *t)
{
	struct origin *g = task_robots_of(t);
	struct robots *rules = sched_robots_rules(s, t);
	double delay = robots_crawl_delay(rules);

	if (delay > 0)
		gate_set_crawl_delay(s->gate, task_host(t), delay, task_clock());
	origin_set_rules(g, rules);
	sched_robots_release(s, g);
	sched_finish(s, t);
}

/* A robots.txt fetch that ended without an answer: stopped by the host's
 * open circuit, its waiting URLs end the same way, and the origin's next
 * URL asks again; any other end (no handle to fetch with) counts as one
 * that cannot be fetched.  On a signal the waiting URLs are cancelled
 * with the rest. */
static void
sched_robots_abandoned(struct sched *s, struct task *t, enum errkind kind)
{
	struct origin *g = task_robots_of(t);
	struct task *w;

	if (origin_state(g) != ORIGIN_FETCHING || sched_stopping(s))
		return;
	if (kind != ERR_CIRCUIT_OPEN) {
		origin_set_rules(g, robots_disallow_all());
		sched_robots_release(s, g);
		return;
	}
	origin_reset(g);
	while ((w = origin_release(s->origins, g)) != NULL) {
		gate_count_open(task_host(w));
		sched_give_up(s, w, ERR_CIRCUIT_OPEN, "circuit open for this "
		    "host after repeated failures (--breaker)");
	}
}

/* How an attempt's end weighs on its host: 429, 503 and timeouts push
 * back (--adaptive), other retryable failures count for the breaker. */
static enum host_outcome
sched_host_outcome(const struct task *t, struct verdict v)
{
	long status = task_status(t);

	if (v.kind == ERR_NONE)
		return HOST_OK;
	if (!v.retryable)
		return HOST_OTHER;
	if (v.kind == ERR_TIMEOUT ||
	    (v.kind == ERR_HTTP && (status == 429 || status == 503)))
		return HOST_PUSHBACK;
	return HOST_FAILED;
}

/* Tell the gate an attempt ended; a circuit it opened ends every URL of
 * the host still queued. */
static void
sched_host_done(struct sched *s, struct task *t, struct verdict v)
{
	struct gate_host *h = task_host(t);
	double now = task_clock(), pause = -1;
	struct task *q;

	if (s->opts->adaptive) {
		pause = task_retry_after(t, time(NULL));
		if (pause > s->opts->retry_max_delay)
			pause = s->opts->retry_max_delay;
	}
	if (!gate_done(s->gate, h, sched_host_outcome(t, v), task_started(t),
	    pause, now))
		return;
	while ((q = gate_take(s->gate, h)) != NULL) {
		gate_count_open(h);
		sched_give_up(s, q, ERR_CIRCUIT_OPEN, "circuit opened for "
		    "this host after repeated failures (--breaker)");
	}
}

static void
sched_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;

	sched_pump(s);
}

/* One timer for the whole gate, at the next paced or paused start. */
static void
sched_arm_wake(struct sched *s)
{
	double now = task_clock(), when = gate_wake(s->gate, now);
	struct timeval tv;

	if (isinf(when) || when <= now) {
		evtimer_del(s->wake);
		return;
	}
	when -= now;
	tv.tv_sec = (time_t)when;
	tv.tv_usec = (suseconds_t)((when - (double)tv.tv_sec) * 1e6) + 1;
	event_base_update_cache_time(s->base);
	evtimer_add(s->wake, &tv);
}

/* Start what the gate lets start while slots are free. */
static void
sched_pump_gate(struct sched *s)
{
	struct gate_host *h;
	struct task *t;

	while (!sched_stopping(s) && sched_slot_free(s) &&
	    (t = gate_next(s->gate, task_clock(), &h)) != NULL)
		sched_start_attempt(s, t);
}


/* --shard K/N: whether this shard fetches the URL.  A line that gets
 * invalid_url (parsed NULL) belongs to shard 1, so that N shards write
 * exactly one line per input line between them. */
static bool
sched_in_shard(const struct sched *s, CURLU *parsed)
{
	char key[HOSTKEY_MAX];

	if (s->opts->shard_n == 0)
		return true;
	if (parsed == NULL)
		return s->opts->shard_k == 1;
	if (!hostkey_of(parsed, s->opts->host_key, key, sizeof key))
		return s->opts->shard_k == 1;
	return hostkey_shard(key, strlen(key), s->opts->shard_n) ==
	    s->opts->shard_k;
}

/* A line from the input becomes a transfer, or at once a result line if
 * it can never be fetched; with cancel_why set (the run is being
 * interrupted) a fetchable line is cancelled before any attempt. */
static void
sched_accept_line(struct sched *s, const struct input_line *line,
    CURLU *parsed, const char *cancel_why)
{
	struct task *t;
	char why[256];

	if (s->resume != NULL && resume_done(s->resume, line->text, line->len)) {
		curl_url_cleanup(parsed);
		return;
	}
	/* A dealt line comes parsed, unless it cannot be: parsing it again
	 * gives the reason. */
	if (line->verdict == LINE_URL && parsed == NULL)
		parsed = url_parse(line->text, why, sizeof why);
	if (!sched_in_shard(s, parsed)) {
		curl_url_cleanup(parsed);
		return;
	}
	t = task_new(line->text, line->len, parsed, s->opts);
	if (s->fields != NULL && (fields_want_body(s->fields) ||
	    fields_want_hash(s->fields)))
		task_keep_body(t, fields_want_body(s->fields),
		    fields_want_hash(s->fields));
	if (s->order != NULL)
		task_set_seq(t, order_take_seq(s->order));
	if (line->verdict != LINE_URL) {
		task_set_invalid(t, line_verdict_message(line->verdict));
		sched_finish(s, t);
	} else if (parsed == NULL) {
		task_set_invalid(t, why);
		sched_finish(s, t);
	} else if (s->gate != NULL) {
		sched_admit(s, t, cancel_why);
	} else if (cancel_why != NULL) {
		sched_give_up(s, t, ERR_CANCELLED, cancel_why);
	} else {
		sched_start_attempt(s, t);
	}
}

static void
sched_warn(struct sched *s, const char *message)
{
	fprintf(stderr, "scrape: %s\n", message);
}

/* Whether to read another line.  Host-blind, only while a slot is free
 * and the tasks held are under their bound: the input's read buffer is
 * the bounded queue, and a URL is started the moment it is read.  With
 * host options on, up to --lookahead URLs are read ahead and held while
 * their hosts are at a limit, so that a slot never waits on one host
 * while later lines name others. */
static bool
sched_want_line(struct sched *s)
{
	if (s->order != NULL &&
	    order_pending(s->order) >= (uint64_t)s->opts->lookahead)
		return false;
	if (s->gate == NULL)
		return sched_live(s) < s->max_live && sched_slot_free(s);
	return sched_held(s) < (size_t)s->opts->lookahead &&
	    s->in_flight.count + s->waiting.count < s->max_live;
}

/* The next line, from the input or, with --jobs, from the feed. */
static enum input_status
sched_next_line(struct sched *s, struct input_line *line, CURLU **parsed)
{
	if (s->feed != NULL)
		return feed_next(s->feed, line, parsed);
	*parsed = NULL;
	return input_next(s->input, line);
}

static void
sched_read(struct sched *s)
{
	struct input_line line;
	CURLU *parsed;

	while (!s->input_done && !sched_stopping(s) && sched_want_line(s)) {
		switch (sched_next_line(s, &line, &parsed)) {
		case INPUT_LINE:
			sched_accept_line(s, &line, parsed, NULL);
			break;
		case INPUT_AGAIN:
			return;
		case INPUT_EOF:
			s->input_done = true;
			break;
		case INPUT_ERROR:
			sched_warn(s, input_error(s->input));
			s->input_failed = true;
			break;
		}
	}
}

static void
sched_pump(struct sched *s)
{
	if (s->gate != NULL) {
		sched_pump_gate(s);
		sched_read(s);
		sched_pump_gate(s);
		if (!sched_stopping(s))
			sched_arm_wake(s);
	} else {
		while (!sched_stopping(s) && s->ready.count > 0 &&
		    sched_slot_free(s))
			sched_start_attempt(s, task_list_pop(&s->ready));
		sched_read(s);
	}
	if (s->slot_held) {
		s->slot_held = false;
		slots_give(s->slots);
	}
	if (!sched_stopping(s) && s->input_done && sched_live(s) == 0)
		sched_end(s, SCHED_DONE);
}

/* A retry that comes due waits for a slot; with host options on, for
 * its host's limits too, like any other URL. */
static void
sched_retry_due(struct task *t, void *arg)
{
	struct sched *s = arg;

	task_list_remove(&s->waiting, t);
	if (s->gate != NULL)
		sched_offer(s, t);
	else
		task_list_push_back(&s->ready, t);
	sched_pump(s);
}

static double
random_unit(void)
{
	return (double)arc4random() / 4294967296.0;
}

/* The attempt failed in a way worth retrying: sleep on the task's own
 * timer, without holding a slot. */
static void
sched_retry_later(struct sched *s, struct task *t)
{
	long k = task_attempts(t);
	double secs = retry_backoff((int)k, s->opts->retry_delay,
	    s->opts->retry_max_delay, task_retry_after(t, time(NULL)),
	    random_unit());

	if (!task_wait(t, s->base, secs, sched_retry_due, s)) {
		sched_finish(s, t);
		return;
	}
	task_list_push_back(&s->waiting, t);
}

/* A method that is not idempotent (POST, PATCH, ...) is sent again only
 * when the failed attempt never sent it: a retry must not repeat what
 * the server may already have acted on. */
static bool
sched_may_retry(const struct sched *s, const struct task *t,
    struct verdict v)
{
	return v.retryable && task_attempts(t) <= s->opts->retries &&
	    !sched_stopping(s) &&
	    (s->opts->idempotent || !task_request_sent(t));
}

static void
sched_done_cb(CURL *easy, CURLcode code, void *arg)
{
	struct sched *s = arg;
	struct task *t = NULL;
	struct verdict v;
	bool worn;

	t = task_of_easy(easy);
	task_list_remove(&s->in_flight, t);
	sched_slot_give(s);
	v = task_finish_attempt(t, code, &easy, &worn);
	sched_put_easy(s, easy, worn);
	if (task_host(t) != NULL)
		sched_host_done(s, t, v);
	if (sched_may_retry(s, t, v))
		sched_retry_later(s, t);
	else if (task_robots_of(t) != NULL)
		sched_robots_done(s, t);
	else
		sched_finish(s, t);
	sched_pump(s);
}

static void
sched_input_ready(void *arg)
{
	sched_pump(arg);
}

/* What the gate knew of a host it forgets goes to the summary. */
static void
sched_host_facts(const struct gate_host_facts *f, void *arg)
{
	struct sched *s = arg;

	summary_note_host(s->summary, f->key, f->times_opened,
	    f->circuit_open_urls, f->lowest_limit);
}

static void
sched_hosts_new(struct sched *s)
{
	const struct options *o = s->opts;
	struct gate_config cfg = {
		.concurrency = o->concurrency,
		.per_host = o->per_host,
		.rate_interval = o->rate_interval,
		.host_interval = o->host_interval,
		.adaptive = o->adaptive,
		.breaker_failures = o->breaker_failures,
		.breaker_secs = o->breaker_secs,
	};

	s->gate = gate_new(&cfg, sched_host_facts, s);
	s->wake = xcheck(evtimer_new(s->base, sched_wake_cb, s));
	summary_track_hosts(s->summary);
	if (o->robots) {
		s->origins = origins_new();
		robots_product_token(o->user_agent, s->robots_token,
		    sizeof s->robots_token);
	}
}

struct sched *
sched_new(struct event_base *base, const struct options *opts,
    struct input *input, struct output *output, struct summary *summary,
    const struct resume *resume, struct fields *fields)
{
	struct sched *s = xcalloc(1, sizeof *s);

	s->fields = fields;
	s->opts = opts;
	s->base = base;
	s->input = input;
	s->output = output;
	s->summary = summary;
	s->resume = resume;
	s->proxy_env = task_proxy_env_set();
	s->outcome = SCHED_RUNNING;
	/* Room for every slot busy plus as many tasks again sleeping until
	 * a retry: beyond that reading waits, so memory follows -c. */
	s->max_live = 2 * (size_t)opts->concurrency + 64;
	s->idle = xcalloc((size_t)opts->concurrency, sizeof *s->idle);
	s->headers = task_headers_new(opts);
	s->loop = loop_new(base, opts->concurrency, sched_done_cb, s);
	/* Through a proxy the proxy resolves the names.  An answer later
	 * than half the time an attempt may take to connect leaves the
	 * other half to libcurl's own lookup. */
	if (!s->proxy_env)
		s->resolver = resolver_new(base, fmin(opts->timeout,
		    opts->connect_timeout) / 2, sched_resolved, s);
	if (opts->hosts)
		sched_hosts_new(s);
	if (opts->ordered)
		s->order = order_new();
	output_defer(output, base, sched_output_failed, s);
	if (input != NULL)
		input_set_ready(input, sched_input_ready, s);
	return s;
}

/* The gate and the origins go, each held task with them; the gate
 * hands what it knew of its hosts to the summary as it goes. */
static void
sched_hosts_free(struct sched *s)
{
	struct gate_host *h;
	struct task *t;

	if (s->gate == NULL)
		return;
	while ((t = gate_drain(s->gate, &h)) != NULL)
		task_free(t);
	while (s->origins != NULL && (t = origins_drain(s->origins)) != NULL)
		task_free(t);
	gate_free(s->gate);
	origins_free(s->origins);
	event_free(s->wake);
	s->gate = NULL;
	s->origins = NULL;
	s->wake = NULL;
}

void
sched_settle(struct sched *s)
{
	if (sched_live(s) == 0)
		sched_hosts_free(s);
}

/* Cleanup order matters: easy handles leave the multi handle before it is
 * cleaned up, and the headers outlive every easy handle using them. */
void
sched_free(struct sched *s)
{
	struct task *t;

	if (s == NULL)
		return;
	while ((t = task_list_pop(&s->in_flight)) != NULL) {
		CURL *easy = task_easy(t);

		loop_remove(s->loop, easy);
		task_easy_free(easy);
		task_free(t);
	}
	while ((t = task_list_pop(&s->resolving)) != NULL) {
		resolve_forget(task_lookup(t));
		task_free(t);
	}
	resolver_free(s->resolver);
	while ((t = task_list_pop(&s->waiting)) != NULL)
		task_free(t);
	while ((t = task_list_pop(&s->ready)) != NULL)
		task_free(t);
	sched_hosts_free(s);
	order_free(s->order);
	while (s->nidle > 0)
		task_easy_free(s->idle[--s->nidle]);
	free(s->idle);
	loop_free(s->loop);
	curl_slist_free_all(s->headers);
	buf_free(&s->line);
	buf_free(&s->extra);
	free(s);
}

void
sched_start(struct sched *s)
{
	sched_pump(s);
}

/* Lines already read into the input buffer are part of what was read:
 * they get their lines too, cancelled before any attempt. */
static void
sched_cancel_buffered(struct sched *s, const char *why)
{
	struct input_line line;
	CURLU *parsed;

	if (s->input != NULL)
		input_stop_reading(s->input);
	while (sched_next_line(s, &line, &parsed) == INPUT_LINE)
		sched_accept_line(s, &line, parsed, why);
}

static void
sched_cancel_list(struct sched *s, struct task_list *list, const char *why)
{
	struct task *t;

	while ((t = task_list_pop(list)) != NULL) {
		if (task_easy(t) != NULL) {
			loop_remove(s->loop, task_easy(t));
			sched_slot_give(s);
		}
		if (task_lookup(t) != NULL) {
			resolve_forget(task_lookup(t));
			task_end_lookup(t, NULL);
			sched_slot_give(s);
		}
		task_cancel_wait(t);
		sched_give_up(s, t, ERR_CANCELLED, why);
	}
}

/* URLs held by the gate or waiting for robots.txt are cancelled, oldest
 * first, before the lines still unread in the buffer. */
static void
sched_cancel_held(struct sched *s, const char *why)
{
	struct gate_host *h;
	struct task *t;

	evtimer_del(s->wake);
	while ((t = gate_drain(s->gate, &h)) != NULL)
		sched_give_up(s, t, ERR_CANCELLED, why);
	while (s->origins != NULL && (t = origins_drain(s->origins)) != NULL)
		sched_give_up(s, t, ERR_CANCELLED, why);
}

/* On a signal, the lines held for --ordered go out, in order, before
 * the cancelled ones, which then follow as they are made. */
static void
sched_flush_order(struct sched *s)
{
	const char *line;
	size_t len;

	while ((line = order_flush(s->order, &len)) != NULL)
		output_add(s->output, line, len);
}

void
sched_interrupt(struct sched *s, int signo)
{
	char why[64];

	if (sched_stopping(s) && s->outcome != SCHED_DONE)
		return;
	snprintf(why, sizeof why, "interrupted by %s",
	    signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" :
	    "a signal");
	s->signo = signo;
	sched_end(s, SCHED_INTERRUPTED);
	if (s->order != NULL)
		sched_flush_order(s);
	sched_cancel_list(s, &s->in_flight, why);
	sched_cancel_list(s, &s->resolving, why);
	sched_cancel_list(s, &s->waiting, why);
	sched_cancel_list(s, &s->ready, why);
	if (s->gate != NULL)
		sched_cancel_held(s, why);
	sched_cancel_buffered(s, why);
}

enum sched_outcome
sched_outcome(const struct sched *s)
{
	if (s->outcome == SCHED_RUNNING && loop_fatal(s->loop) != NULL)
		return SCHED_FATAL;
	return s->outcome;
}

int
sched_signal(const struct sched *s)
{
	return s->signo;
}

const char *
sched_error(const struct sched *s)
{
	if (loop_fatal(s->loop) != NULL)
		return loop_fatal(s->loop);
	return s->error;
}

bool
sched_input_failed(const struct sched *s)
{
	return s->input_failed;
}

void
sched_sample(void *arg, struct progress_counts *c)
{
	struct sched *s = arg;
	const struct summary_counts *sc = summary_counts(s->summary);

	c->done = sc->total;
	c->failed = sc->failed;
	memcpy(c->by_kind, sc->by_kind, sizeof c->by_kind);
	c->in_flight = s->in_flight.count + s->resolving.count;
	c->waiting = s->waiting.count + s->ready.count;
	c->queued = sched_held(s);
	c->sized = s->input != NULL &&
	    input_progress(s->input, &c->taken, &c->size);
	if (s->gate != NULL) {
		size_t waiting, open;

		gate_census(s->gate, task_clock(), &waiting, &open);
		c->hosts = true;
		c->hosts_waiting = waiting;
		c->hosts_open = open;
	}
}

void
sched_share(struct sched *s, struct feed *feed, struct slots *slots,
    unsigned job, unsigned njobs)
{
	s->feed = feed;
	s->slots = slots;
	s->job = job;
	loop_share_connections(s->loop, njobs);
}

void
sched_poke(struct sched *s)
{
	if (!sched_stopping(s))
		sched_pump(s);
}

void
sched_abandon(struct sched *s)
{
	sched_end(s, SCHED_OUTPUT_CLOSED);
}
