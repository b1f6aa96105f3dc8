/* SIGINT and SIGTERM in the middle of a run: every URL already read gets
 * exactly one line (cancelled where it did not finish), the summary and
 * report are still written, and scrape exits 130 or 143 at once. */
#define _GNU_SOURCE

#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define EXIT_LIMIT	3.0	/* s from the signal to the exit; ~1 promised */
#define FINISH_TIMEOUT	5.0	/* s, proc_finish() after a signal */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Poll the server's counter until it is at least (or, if !at_least,
 * exactly) want, for up to timeout_s; returns whether it got there. */
static bool
wait_stat(const char *name, long want, bool at_least, double timeout_s)
{
	double deadline = now() + timeout_s;
	long v;

	for (;;) {
		v = server_stat(srv, name);
		if (at_least ? v >= want : v == want)
			return true;
		if (now() >= deadline)
			return false;
		usleep(10000);	/* a polling tick, bounded by the deadline */
	}
}

/* A temporary file holding the text; caller unlinks and frees. */
static char *
list_file(const char *text)
{
	return tmpfile_write(text, strlen(text));
}

static void
drop_file(char *path)
{
	unlink(path);
	free(path);
}

/* Send sig and finish; *secs gets the time from the signal to the end. */
static struct run *
signal_and_finish(struct proc *p, int sig, double *secs)
{
	double t0 = now();
	struct run *r;

	proc_kill(p, sig);
	r = proc_finish(p, FINISH_TIMEOUT);
	*secs = now() - t0;
	return r;
}

/*
 * 20 slow URLs at -c 5, interrupted while 5 are in flight: exit status
 * for sig, within about a second; every URL has exactly one line, kind
 * cancelled (attempts 1 for the 5 started, 0 for the 15 read but not
 * started); the summary counts 20 cancelled; the report, if asked for,
 * is written too.
 */
static void
interrupt_slow_run(int sig, int want_exit, const char *report)
{
	char *list = server_url_list(srv, 20, "/delay/10000/%zu");
	char *path = list_file(list);
	const char *argv[] = { "-c", "5", path, NULL, NULL, NULL };
	size_t started = 0, waiting = 0;
	struct lines *lines;
	struct proc *p;
	struct run *r;
	double secs;

	if (report != NULL) {
		argv[3] = "--report";
		argv[4] = report;
	}
	p = proc_start(argv, false);
	ck_assert_msg(wait_stat("inflight", 5, false, 10),
	    "5 transfers never were in flight");
	r = signal_and_finish(p, sig, &secs);
	ck_assert_msg(!r->timed_out, "scrape did not exit after the signal");
	ck_assert_int_eq(r->exit_status, want_exit);
	ck_assert_msg(secs < EXIT_LIMIT, "exit %.2f s after the signal", secs);

	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 20);
	for (size_t i = 0; i < 20; i++) {
		char *sub = xasprintf("/delay/10000/%zu", i);
		char *url = server_url(srv, sub);
		const cJSON *line = lines_find(lines, url);

		ck_assert_msg(lines_count_url(lines, url) == 1,
		    "%s has %zu lines", url, lines_count_url(lines, url));
		ck_assert(!jbool(line, "ok"));
		ck_assert_msg(jkind(line) != NULL &&
		    strcmp(jkind(line), "cancelled") == 0,
		    "%s: kind %s", url, jkind(line) ? jkind(line) : "(none)");
		ck_assert_msg(jnull(line, "status"), "%s: status not null",
		    url);
		if (jint(line, "attempts") == 1)
			started++;
		else if (jint(line, "attempts") == 0)
			waiting++;
		free(sub);
		free(url);
	}
	ck_assert_uint_eq(started, 5);
	ck_assert_uint_eq(waiting, 15);
	ck_assert_int_eq(server_stat(srv, "requests"), 5);
	ck_assert_msg(strstr(r->err, "scraped 20 URLs") != NULL &&
	    strstr(r->err, "cancelled 20") != NULL,
	    "no summary with 20 cancelled: %s", r->err);
	lines_free(lines);
	run_free(r);
	drop_file(path);
	free(list);
}

/* SIGINT mid-run: exit 130 at once, every URL read gets a cancelled line. */
START_TEST(test_sigint_cancels_every_url_read)
{
	interrupt_slow_run(SIGINT, 130, NULL);
}
END_TEST

/* SIGTERM mid-run: the same, with exit status 143. */
START_TEST(test_sigterm_cancels_every_url_read)
{
	interrupt_slow_run(SIGTERM, 143, NULL);
}
END_TEST

/* The --report document is written after an interruption too. */
START_TEST(test_report_written_on_interrupt)
{
	char *report = list_file("stale");
	char *text;
	cJSON *doc, *errors;

	interrupt_slow_run(SIGINT, 130, report);
	text = file_read(report, NULL);
	ck_assert_ptr_nonnull(text);
	doc = cJSON_Parse(text);
	ck_assert_msg(doc != NULL, "report is not JSON: %s", text);
	ck_assert_int_eq(jint(doc, "total"), 20);
	ck_assert_int_eq(jint(doc, "ok"), 0);
	ck_assert_int_eq(jint(doc, "failed"), 20);
	errors = cJSON_GetObjectItemCaseSensitive(doc, "errors");
	ck_assert_int_eq(jint(errors, "cancelled"), 20);
	ck_assert_int_eq(cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(doc, "failures")), 20);
	cJSON_Delete(doc);
	free(text);
	drop_file(report);
}
END_TEST

/*
 * A URL waiting for its retry is cancelled at once by SIGINT (not after
 * the 30 s backoff), keeping the status of its last attempt.
 */
START_TEST(test_retry_wait_is_cancelled)
{
	char *bad = server_url(srv, "/status/503");
	char *ok = server_url(srv, "/ok/after");
	char *text = xasprintf("%s\n%s\n", bad, ok);
	char *path = list_file(text);
	const char *argv[] = { "-c", "1", "-r", "5", "--retry-delay", "30",
	    path, NULL };
	const cJSON *line;
	struct lines *lines;
	struct proc *p;
	struct run *r;
	double secs;

	p = proc_start(argv, false);
	ck_assert_msg(wait_stat("requests", 1, true, 10),
	    "the 503 URL was never requested");
	ck_assert_msg(wait_stat("inflight", 0, false, 10),
	    "the 503 answer never went out");
	/* With -c 1 the second URL starts only once the first one has left
	 * its slot to wait for the retry: its line shows that happened. */
	ck_assert_msg(proc_wait_stdout_lines(p, 1, 10),
	    "the URL after the 503 was not fetched during the backoff");
	r = signal_and_finish(p, SIGINT, &secs);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 130);
	ck_assert_msg(secs < EXIT_LIMIT, "exit %.2f s after the signal", secs);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 2);
	ck_assert(jbool(lines_find(lines, ok), "ok"));
	line = lines_find(lines, bad);
	ck_assert_msg(line != NULL, "no line for the 503 URL");
	ck_assert_uint_eq(lines_count_url(lines, bad), 1);
	ck_assert(!jbool(line, "ok"));
	ck_assert_str_eq(jkind(line), "cancelled");
	ck_assert_int_eq(jint(line, "attempts"), 1);
	ck_assert_int_eq(jint(line, "status"), 503);
	ck_assert_int_eq(server_stat(srv, "requests"), 2);
	lines_free(lines);
	run_free(r);
	drop_file(path);
	free(bad), free(ok), free(text);
}
END_TEST

/*
 * Three URLs written on a standard input kept open, all fetched; then
 * SIGINT. If close_stdin, standard input reaches end of file right after
 * the signal (Ctrl-C on `tail -f urls | scrape` stops tail too); if not,
 * it stays open until scrape has exited. Either way: exit 130 within
 * about a second, and the URLs done keep their one ok line each.
 */
static void
interrupt_stdin_run(bool close_stdin)
{
	const char *const argv[] = { NULL };
	char *list = server_url_list(srv, 3, "/ok/%zu");
	struct lines *lines;
	struct proc *p;
	struct run *r;
	double secs, t0;

	p = proc_start(argv, true);
	proc_write_stdin(p, list, strlen(list));
	ck_assert_msg(proc_wait_stdout_lines(p, 3, 10),
	    "the 3 URLs were not fetched with standard input open");
	if (close_stdin)
		r = signal_and_finish(p, SIGINT, &secs);
	else {
		t0 = now();
		proc_kill(p, SIGINT);
		/* Returns once scrape's standard output closes: it exited. */
		proc_wait_stdout_lines(p, 4, EXIT_LIMIT + 1);
		secs = now() - t0;
		r = proc_finish(p, FINISH_TIMEOUT);
	}
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 130);
	ck_assert_msg(secs < EXIT_LIMIT, "exit %.2f s after the signal", secs);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 3);
	for (size_t i = 0; i < 3; i++) {
		char *sub = xasprintf("/ok/%zu", i);
		char *url = server_url(srv, sub);

		ck_assert_uint_eq(lines_count_url(lines, url), 1);
		ck_assert(jbool(lines_find(lines, url), "ok"));
		free(sub);
		free(url);
	}
	ck_assert_msg(strstr(r->err, "scraped 3 URLs") != NULL,
	    "no summary: %s", r->err);
	lines_free(lines);
	run_free(r);
	free(list);
}

/*
 * SIGINT while standard input is still open (tail -f style): exit 130 at
 * once; the URLs already done keep their one ok line each.
 */
START_TEST(test_sigint_with_stdin_open)
{
	interrupt_stdin_run(false);
}
END_TEST

/*
 * A SIGINT that comes just before the end of the input still counts:
 * Ctrl-C on `tail -f urls | scrape` gives 130, not 0.
 */
START_TEST(test_sigint_then_end_of_input)
{
	interrupt_stdin_run(true);
}
END_TEST

/*
 * Fast URLs that finished before the signal keep ok:true and are not
 * reported again; only the slow ones are cancelled.
 */
START_TEST(test_finished_urls_stay_ok)
{
	char *fast1 = server_url(srv, "/ok/fast1");
	char *fast2 = server_url(srv, "/ok/fast2");
	char *slow = server_url_list(srv, 3, "/delay/10000/%zu");
	char *text = xasprintf("%s%s\n%s\n", slow, fast1, fast2);
	char *path = list_file(text);
	const char *argv[] = { "-c", "5", path, NULL };
	size_t cancelled = 0;
	struct lines *lines;
	struct proc *p;
	struct run *r;
	double secs;

	p = proc_start(argv, false);
	ck_assert_msg(proc_wait_stdout_lines(p, 2, 10),
	    "the fast URLs did not finish");
	ck_assert_msg(wait_stat("inflight", 3, false, 10),
	    "the slow URLs are not in flight");
	r = signal_and_finish(p, SIGINT, &secs);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 130);
	ck_assert_msg(secs < EXIT_LIMIT, "exit %.2f s after the signal", secs);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 5);
	ck_assert_uint_eq(lines_count_url(lines, fast1), 1);
	ck_assert_uint_eq(lines_count_url(lines, fast2), 1);
	ck_assert(jbool(lines_find(lines, fast1), "ok"));
	ck_assert(jbool(lines_find(lines, fast2), "ok"));
	for (size_t i = 0; i < lines->n; i++) {
		const char *kind = jkind(lines->items[i]);

		if (kind != NULL && strcmp(kind, "cancelled") == 0) {
			cancelled++;
			ck_assert_int_eq(jint(lines->items[i], "attempts"), 1);
		}
	}
	ck_assert_uint_eq(cancelled, 3);
	ck_assert_msg(strstr(r->err, "2 ok, 3 failed (cancelled 3)") != NULL,
	    "summary: %s", r->err);
	lines_free(lines);
	run_free(r);
	drop_file(path);
	free(fast1), free(fast2), free(slow), free(text);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("signals");
	TCase *tc = tcase_create("signals");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sigint_cancels_every_url_read);
	tcase_add_test(tc, test_sigterm_cancels_every_url_read);
	tcase_add_test(tc, test_report_written_on_interrupt);
	tcase_add_test(tc, test_retry_wait_is_cancelled);
	tcase_add_test(tc, test_sigint_with_stdin_open);
	tcase_add_test(tc, test_sigint_then_end_of_input);
	tcase_add_test(tc, test_finished_urls_stay_ok);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
