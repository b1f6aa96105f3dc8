#include "sched.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "loop.h"
#include "retry.h"
#include "task.h"
#include "url.h"
#include "xmalloc.h"

struct sched {
	const struct options *opts;
	struct event_base *base;
	struct loop *loop;
	struct input *input;
	struct output *output;
	struct summary *summary;
	const struct resume *resume;
	struct curl_slist *headers;
	bool proxy_env;             /* a proxy variable is set */

	CURL **idle;                /* easy handles kept for reuse */
	size_t nidle;

	struct task_list in_flight;
	struct task_list waiting;   /* sleeping until their retry */
	struct task_list ready;     /* retry due, waiting for a slot */
	size_t max_live;            /* bound on tasks held at once */

	bool input_done;
	bool input_failed;
	enum sched_outcome outcome;
	int signo;
	char error[512];
	struct buf line;            /* the JSON line being written */
};

static void sched_pump(struct sched *s);
static void sched_end(struct sched *s, enum sched_outcome outcome);

static size_t
sched_live(const struct sched *s)
{
	return s->in_flight.count + s->waiting.count + s->ready.count;
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
	if (s->nidle > 0)
		return s->idle[--s->nidle];
	return task_easy_new(s->opts, s->headers, s->proxy_env);
}

/* At most one idle handle per slot: more could never be in use.  A
 * worn handle is made as new first (task_finish_attempt says why). */
static void
sched_put_easy(struct sched *s, CURL *easy, bool worn)
{
	if (easy == NULL)
		return;
	if (s->nidle < (size_t)s->opts->concurrency) {
		if (worn)
			task_easy_recycle(easy, s->opts, s->headers,
			    s->proxy_env);
		s->idle[s->nidle++] = easy;
	} else {
		curl_easy_cleanup(easy);
	}
}

/* The task is final: its line goes out now, then it is gone. */
static void
sched_finish(struct sched *s, struct task *t)
{
	struct result r;

	task_result(t, &r);
	if (s->outcome != SCHED_OUTPUT_CLOSED &&
	    s->outcome != SCHED_OUTPUT_FAILED) {
		summary_add(s->summary, &r);
		buf_reset(&s->line);
		result_format(&s->line, &r);
		output_add(s->output, s->line.data, s->line.len);
	}
	task_free(t);
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

static void
sched_start_attempt(struct sched *s, struct task *t)
{
	CURL *easy = sched_get_easy(s);
	char err[256];

	if (easy == NULL) {
		sched_give_up(s, t, ERR_OTHER, "cannot create a libcurl handle");
		return;
	}
	if (!task_attach(t, easy, err, sizeof err)) {
		sched_put_easy(s, easy, true);
		sched_give_up(s, t, ERR_INVALID_URL, err);
		return;
	}
	if (!loop_add(s->loop, easy, err, sizeof err)) {
		sched_give_up(s, t, ERR_OTHER, err);
		return;
	}
	task_list_push_back(&s->in_flight, t);
}

static bool
sched_slot_free(const struct sched *s)
{
	return s->in_flight.count < (size_t)s->opts->concurrency;
}

/* A line from the input becomes a transfer, or at once a result line if
 * it can never be fetched; with cancel_why set (the run is being
 * interrupted) a fetchable line is cancelled before any attempt. */
static void
sched_accept_line(struct sched *s, const struct input_line *line,
    const char *cancel_why)
{
	struct task *t;
	CURLU *parsed = NULL;
	char why[256];

	if (s->resume != NULL && resume_done(s->resume, line->text, line->len))
		return;
	if (line->verdict == LINE_URL)
		parsed = url_parse(line->text, why, sizeof why);
	t = task_new(line->text, line->len, parsed, s->opts);
	if (line->verdict != LINE_URL) {
		task_set_invalid(t, line_verdict_message(line->verdict));
		sched_finish(s, t);
	} else if (parsed == NULL) {
		task_set_invalid(t, why);
		sched_finish(s, t);
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

/* Read while a slot is free and the number of tasks held is under its
 * bound: the input's read buffer is the bounded queue, and a URL is
 * started the moment it is read. */
static void
sched_read(struct sched *s)
{
	struct input_line line;

	while (!s->input_done && !sched_stopping(s) && sched_slot_free(s) &&
	    sched_live(s) < s->max_live) {
		switch (input_next(s->input, &line)) {
		case INPUT_LINE:
			sched_accept_line(s, &line, NULL);
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
	while (!sched_stopping(s) && sched_slot_free(s) && s->ready.count > 0)
		sched_start_attempt(s, task_list_pop(&s->ready));
	sched_read(s);
	if (!sched_stopping(s) && s->input_done && sched_live(s) == 0)
		sched_end(s, SCHED_DONE);
}

static void
sched_retry_due(struct task *t, void *arg)
{
	struct sched *s = arg;

	task_list_remove(&s->waiting, t);
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

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
	task_list_remove(&s->in_flight, t);
	v = task_finish_attempt(t, code, &easy, &worn);
	sched_put_easy(s, easy, worn);
	if (sched_may_retry(s, t, v))
		sched_retry_later(s, t);
	else
		sched_finish(s, t);
	sched_pump(s);
}

static void
sched_input_ready(void *arg)
{
	sched_pump(arg);
}

struct sched *
sched_new(struct event_base *base, const struct options *opts,
    struct input *input, struct output *output, struct summary *summary,
    const struct resume *resume)
{
	struct sched *s = xcalloc(1, sizeof *s);

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
	output_defer(output, base, sched_output_failed, s);
	input_set_ready(input, sched_input_ready, s);
	return s;
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
		curl_easy_cleanup(easy);
		task_free(t);
	}
	while ((t = task_list_pop(&s->waiting)) != NULL)
		task_free(t);
	while ((t = task_list_pop(&s->ready)) != NULL)
		task_free(t);
	while (s->nidle > 0)
		curl_easy_cleanup(s->idle[--s->nidle]);
	free(s->idle);
	loop_free(s->loop);
	curl_slist_free_all(s->headers);
	buf_free(&s->line);
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

	input_stop_reading(s->input);
	while (input_next(s->input, &line) == INPUT_LINE)
		sched_accept_line(s, &line, why);
}

static void
sched_cancel_list(struct sched *s, struct task_list *list, const char *why)
{
	struct task *t;

	while ((t = task_list_pop(list)) != NULL) {
		if (task_easy(t) != NULL)
			loop_remove(s->loop, task_easy(t));
		task_cancel_wait(t);
		sched_give_up(s, t, ERR_CANCELLED, why);
	}
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
	sched_cancel_list(s, &s->in_flight, why);
	sched_cancel_list(s, &s->waiting, why);
	sched_cancel_list(s, &s->ready, why);
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
	c->ok = sc->ok;
	c->failed = sc->failed;
	c->in_flight = s->in_flight.count;
	c->waiting = s->waiting.count + s->ready.count;
}
