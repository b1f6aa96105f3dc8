/* scrape: fetch a list of URLs concurrently, one JSON line per URL. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "castore.h"
#include "cli.h"
#include "fields.h"
#include "input.h"
#include "jobs.h"
#include "loop.h"
#include "output.h"
#include "progress.h"
#include "resume.h"
#include "sched.h"
#include "summary.h"

/* Exit statuses, as documented in scrape(1). */
enum exit_status {
	EXIT_ALL_OK = 0,
	EXIT_SOME_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_OUTPUT = 3,
	EXIT_INTERNAL = 4,
	EXIT_PIPE = 128 + SIGPIPE,
	EXIT_SIGINT = 128 + SIGINT,
	EXIT_SIGTERM = 128 + SIGTERM,
};

/* Everything one run needs, in one place. */
struct run {
	struct options opts;
	struct event_base *base;
	struct input *input;
	struct output *output;
	struct resume *resume;
	struct fields *fields;
	FILE *report;
	struct summary *summary;
	struct sched *sched;        /* one loop, in this thread */
	struct jobs *jobs;          /* or --jobs N > 1: N loops, N threads */
	struct progress *progress;
	struct event *sigint, *sigterm;
	struct timespec start;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on standard error, in the form every scrape message takes. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("scrape: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Descriptors kept aside from transfers: standard streams, inputs, the
 * event base's own, the failure spill, libcurl's resolver wake-ups. */
#define RESERVED_FDS 64
/* ... and for each loop of -j beyond the first: its event base, its bell,
 * its multi handles' wake-up pairs. */
#define RESERVED_FDS_PER_JOB 16

/* The descriptors a run may hold: a socket per transfer, and with -j N
 * each loop keeps up to -c connections of its own (idle ones included:
 * a loop cannot close another's). */
static long
fds_wanted(long concurrency, unsigned njobs)
{
	return (long)njobs * (concurrency + RESERVED_FDS_PER_JOB) +
	    RESERVED_FDS - RESERVED_FDS_PER_JOB;
}

/* Each transfer holds a socket: let -c go as far as the hard limit
 * allows without the user reaching for ulimit, and where even that is
 * too little, run fewer loops, then fewer transfers (saying so) rather
 * than fail transfers. */
static void
fit_file_limit(struct options *opts, unsigned *njobs)
{
	struct rlimit rl;
	long room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	while (*njobs > 1 &&
	    rl.rlim_cur < (rlim_t)fds_wanted(opts->concurrency, *njobs))
		(*njobs)--;
	if (rl.rlim_cur >= (rlim_t)fds_wanted(opts->concurrency, *njobs))
		return;
	room = (long)rl.rlim_cur - RESERVED_FDS;
	if (room < 1)
		room = 1;
	if (!opts->quiet)
		say("-c %ld is more than the open-file limit (%llu) allows; "
		    "using -c %ld", opts->concurrency,
		    (unsigned long long)rl.rlim_cur, room);
	opts->concurrency = room;
}

static double
elapsed_s(const struct run *run)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - run->start.tv_sec) +
	    (double)(now.tv_nsec - run->start.tv_nsec) / 1e9;
}

static void
signal_cb(evutil_socket_t signo, short what, void *arg)
{
	struct run *run = arg;

	if (run->jobs != NULL)
		jobs_interrupt(run->jobs, (int)signo);
	else
		sched_interrupt(run->sched, (int)signo);
}

/* Open inputs first: a missing FILE is a usage error and must not
 * truncate -o on its way out. */
static int
run_open(struct run *run)
{
	char err[512];

	if (!cli_load_data(&run->opts, err, sizeof err) ||
	    !fields_open(&run->opts, &run->fields, err, sizeof err)) {
		say("%s", err);
		return EXIT_USAGE;
	}
	run->input = input_open(run->base, run->opts.files, run->opts.nfiles,
	    err, sizeof err);
	if (run->input == NULL) {
		say("%s", err);
		return EXIT_USAGE;
	}
	if (run->opts.resume != NULL) {
		run->resume = resume_new();
		if (!resume_load(run->resume, run->opts.resume, err,
		    sizeof err)) {
			say("%s", err);
			return EXIT_USAGE;
		}
		if (!run->opts.quiet && resume_count(run->resume) > 0)
			say("resuming: %zu URLs already done in '%s'",
			    resume_count(run->resume), run->opts.resume);
		run->output = output_open(run->opts.resume, true, err,
		    sizeof err);
	} else {
		run->output = output_open(run->opts.output, false, err,
		    sizeof err);
	}
	if (run->output == NULL) {
		say("%s", err);
		return EXIT_OUTPUT;
	}
	if (run->opts.report != NULL &&
	    (run->report = fopen(run->opts.report, "w")) == NULL) {
		say("cannot write '%s': %s", run->opts.report,
		    strerror(errno));
		return EXIT_OUTPUT;
	}
	return EXIT_ALL_OK;
}

static bool
want_progress(const struct options *opts)
{
	if (opts->quiet)
		return false;
	if (opts->progress_set)
		return opts->progress;
	return isatty(STDERR_FILENO);
}

static void
run_signals(struct run *run)
{
	run->sigint = evsignal_new(run->base, SIGINT, signal_cb, run);
	run->sigterm = evsignal_new(run->base, SIGTERM, signal_cb, run);
	if (run->sigint != NULL)
		event_add(run->sigint, NULL);
	if (run->sigterm != NULL)
		event_add(run->sigterm, NULL);
}

static void
run_loop(struct run *run)
{
	run->sched = sched_new(run->base, &run->opts, run->input, run->output,
	    run->summary, run->resume, run->fields);
	run_signals(run);
	if (want_progress(&run->opts))
		run->progress = progress_new(run->base, stderr, sched_sample,
		    run->sched);
	sched_start(run->sched);
	/* A run can end inside sched_start (an empty list), before the loop
	 * would see the request to stop. */
	if (sched_outcome(run->sched) == SCHED_RUNNING)
		event_base_dispatch(run->base);
	/* Ctrl-C on `tail -f urls | scrape` ends the input and raises SIGINT
	 * in the same instant; a signal still queued counts. */
	if (sched_outcome(run->sched) == SCHED_DONE)
		event_base_loop(run->base, EVLOOP_NONBLOCK);
	sched_flush(run->sched);
	sched_settle(run->sched);
	progress_free(run->progress);
	run->progress = NULL;
}

/* The same with N loops on N threads; this one deals the input. */
static int
run_jobs(struct run *run, unsigned njobs)
{
	char err[512];

	run->jobs = jobs_new(&run->opts, njobs, run->base, run->input,
	    run->output, run->summary, run->resume, run->fields, err,
	    sizeof err);
	if (run->jobs == NULL) {
		say("%s", err);
		return EXIT_USAGE;
	}
	run_signals(run);
	if (want_progress(&run->opts))
		run->progress = progress_new(run->base, stderr, jobs_sample,
		    run->jobs);
	jobs_start(run->jobs);
	event_base_dispatch(run->base);
	/* A signal that came with the end still counts, as with one loop. */
	event_base_loop(run->base, EVLOOP_NONBLOCK);
	jobs_finish(run->jobs);
	progress_free(run->progress);
	run->progress = NULL;
	return EXIT_ALL_OK;
}

/* The summary and the report, then the exit status the outcome earns. */
static int
run_finish(struct run *run)
{
	enum sched_outcome outcome = run->jobs != NULL ?
	    jobs_outcome(run->jobs) : sched_outcome(run->sched);
	const char *error = run->jobs != NULL ? jobs_error(run->jobs) :
	    sched_error(run->sched);
	const struct summary_counts *c = summary_counts(run->summary);
	double secs = elapsed_s(run);

	switch (outcome) {
	case SCHED_FATAL:
		say("internal error: %s", error);
		return EXIT_INTERNAL;
	case SCHED_OUTPUT_FAILED:
		say("%s", error);
		return EXIT_OUTPUT;
	case SCHED_OUTPUT_CLOSED:
		return EXIT_PIPE;
	default:
		break;
	}
	if (!run->opts.quiet)
		summary_print(run->summary, stderr, secs);
	if (run->report != NULL &&
	    !summary_write_report(run->summary, run->report, secs)) {
		say("cannot write the report: %s", strerror(errno));
		return EXIT_OUTPUT;
	}
	if (outcome == SCHED_INTERRUPTED)
		return (run->jobs != NULL ? jobs_signal(run->jobs) :
		    sched_signal(run->sched)) == SIGTERM ? EXIT_SIGTERM :
		    EXIT_SIGINT;
	if (run->jobs != NULL ? jobs_input_failed(run->jobs) :
	    sched_input_failed(run->sched))
		return EXIT_USAGE;
	return c->failed > 0 ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

/* Reverse order of creation; the scheduler's libcurl handles go before
 * the event base their sockets' events belong to. */
static void
run_free(struct run *run)
{
	jobs_free(run->jobs);
	sched_free(run->sched);
	fields_free(run->fields);
	if (run->sigint != NULL)
		event_free(run->sigint);
	if (run->sigterm != NULL)
		event_free(run->sigterm);
	summary_free(run->summary);
	if (run->report != NULL)
		fclose(run->report);
	output_close(run->output);
	resume_free(run->resume);
	input_free(run->input);
	if (run->base != NULL)
		event_base_free(run->base);
	cli_free(&run->opts);
}

int
main(int argc, char **argv)
{
	struct run run = { 0 };
	char err[512];
	unsigned njobs;
	int status;

	switch (cli_parse(argc, argv, &run.opts, err, sizeof err)) {
	case CLI_HELP:
		cli_usage(stdout);
		return EXIT_ALL_OK;
	case CLI_VERSION:
		cli_version(stdout);
		return EXIT_ALL_OK;
	case CLI_ERROR:
		fprintf(stderr, "scrape: %s (try 'scrape --help')\n", err);
		cli_free(&run.opts);
		return EXIT_USAGE;
	case CLI_RUN:
		break;
	}
	/* Redirects to IDN hosts are converted inside libcurl 7.88, which
	 * reads the host in the locale's character set: make that UTF-8, as
	 * URLs are, whatever the environment says (LC_ALL=C, cron, env -i).
	 * Only LC_CTYPE: numbers in the output keep the C locale's form. */
	setlocale(LC_CTYPE, "C.UTF-8");
	/* A closed output must show up as EPIPE from write(), not kill us
	 * before the lines already made are accounted for. */
	signal(SIGPIPE, SIG_IGN);
	njobs = jobs_count(&run.opts);
	fit_file_limit(&run.opts, &njobs);
	clock_gettime(CLOCK_MONOTONIC, &run.start);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (run.base = loop_base_new()) == NULL) {
		say("cannot initialise libcurl or libevent");
		cli_free(&run.opts);
		return EXIT_INTERNAL;
	}
	run.summary = summary_new();
	status = run_open(&run);
	if (status == EXIT_ALL_OK && njobs > 1)
		status = run_jobs(&run, njobs);
	else if (status == EXIT_ALL_OK)
		run_loop(&run);
	if (status == EXIT_ALL_OK)
		status = run_finish(&run);
	run_free(&run);
	castore_free();
	curl_global_cleanup();
	return status;
}
