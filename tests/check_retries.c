/* Retries: what is retried, how many times, how long each wait is, and
 * that a URL waiting for its retry does not hold a transfer slot. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* scrape_one() of a path on the test server. */
static cJSON *
scrape_path(const char *path, struct lines **lines, struct run **runp,
    const char *const *args)
{
	char *url = server_url(srv, path);
	cJSON *o = scrape_one(url, lines, runp, args);

	free(url);
	return o;
}

/* 503, 503, then 200: ok on the third attempt, two retries counted. */
START_TEST(test_flaky_then_ok)
{
	const char *args[] = { "-r", "3", "--retry-delay", "0.05", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_path("/flaky/a/2", &lines, &run, args);

	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "status"), 200);
	ck_assert_int_eq(jint(o, "attempts"), 3);
	ck_assert_int_eq(server_stat(srv, "requests"), 3);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_ptr_nonnull(strstr(run->err, "1 ok, 0 failed, 2 retries"));
	lines_free(lines);
	run_free(run);
}
END_TEST

/* -r N means at most N+1 attempts; the last failure is reported. */
START_TEST(test_retries_exhausted)
{
	const char *args[] = { "-r", "2", "--retry-delay", "0.01", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_path("/flaky/b/5", &lines, &run, args);

	ck_assert(!jbool(o, "ok"));
	ck_assert_str_eq(jkind(o), "http");
	ck_assert_int_eq(jint(o, "status"), 503);
	ck_assert_int_eq(jint(o, "attempts"), 3);
	ck_assert_int_eq(server_stat(srv, "requests"), 3);
	ck_assert_int_eq(run->exit_status, 1);
	lines_free(lines);
	run_free(run);
}
END_TEST

START_TEST(test_no_retries_with_r0)
{
	const char *args[] = { "-r", "0", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_path("/flaky/c/1", &lines, &run, args);

	ck_assert_int_eq(jint(o, "attempts"), 1);
	ck_assert_int_eq(jint(o, "status"), 503);
	lines_free(lines);
	run_free(run);
}
END_TEST

/* Every retryable status is retried; others are final at once. */
START_TEST(test_which_statuses_retry)
{
	static const struct { const char *code; long attempts; } cases[] = {
		{ "408", 2 }, { "429", 2 }, { "500", 2 }, { "502", 2 },
		{ "503", 2 }, { "504", 2 }, { "400", 1 }, { "401", 1 },
		{ "403", 1 }, { "404", 1 }, { "501", 1 }, { "505", 1 },
	};
	const char *args[] = { "-r", "1", "--retry-delay", "0", NULL };
	char list[4096] = "";
	struct lines *lines;
	struct run *run;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[64], *u;

		snprintf(path, sizeof path, "/status/%s", cases[i].code);
		u = server_url(srv, path);
		strcat(list, u);
		strcat(list, "\n");
		free(u);
	}
	run = scrape_list(list, &lines, args);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[64], *u;
		cJSON *o;

		snprintf(path, sizeof path, "/status/%s", cases[i].code);
		u = server_url(srv, path);
		o = lines_find(lines, u);
		ck_assert_msg(o != NULL, "no line for %s", u);
		ck_assert_msg(jint(o, "attempts") == cases[i].attempts,
		    "status %s: %ld attempts", cases[i].code, jint(o, "attempts"));
		ck_assert_str_eq(jkind(o), "http");
		free(u);
	}
	lines_free(lines);
	run_free(run);
}
END_TEST

/* Backoff: retry k waits at least SECS*2^(k-1), so two retries of 0.2 s
 * take at least 0.2 + 0.4 s, and no more than twice that plus slack. */
START_TEST(test_backoff_waits)
{
	const char *args[] = { "-r", "2", "--retry-delay", "0.2", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_path("/status/503", &lines, &run, args);

	ck_assert_int_eq(jint(o, "attempts"), 3);
	ck_assert_msg(jnum(o, "elapsed_ms") >= 600, "waited %.1f ms",
	    jnum(o, "elapsed_ms"));
	ck_assert_msg(jnum(o, "elapsed_ms") < 1200 + 2000, "waited %.1f ms",
	    jnum(o, "elapsed_ms"));
	lines_free(lines);
	run_free(run);
}
END_TEST

/* --retry-max-delay caps each wait. */
START_TEST(test_backoff_capped)
{
	const char *args[] = { "-r", "2", "--retry-delay", "20",
	    "--retry-max-delay", "0.1", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_path("/status/503", &lines, &run, args);

	ck_assert_int_eq(jint(o, "attempts"), 3);
	ck_assert_msg(jnum(o, "elapsed_ms") >= 200, "waited %.1f ms",
	    jnum(o, "elapsed_ms"));
	ck_assert_msg(jnum(o, "elapsed_ms") < 5000, "waited %.1f ms: not capped",
	    jnum(o, "elapsed_ms"));
	lines_free(lines);
	run_free(run);
}
END_TEST

/* A 429's Retry-After (seconds) makes the wait longer than the backoff. */
START_TEST(test_retry_after_seconds)
{
	const char *args[] = { "-r", "1", "--retry-delay", "0.01", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_path("/retry-after/k/1", &lines, &run, args);

	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "attempts"), 2);
	ck_assert_msg(jnum(o, "elapsed_ms") >= 1000, "waited %.1f ms",
	    jnum(o, "elapsed_ms"));
	lines_free(lines);
	run_free(run);
}
END_TEST

/* A 503's Retry-After as an HTTP date, two seconds ahead (whole seconds:
 * at least one second of wait is certain). */
START_TEST(test_retry_after_date)
{
	const char *args[] = { "-r", "1", "--retry-delay", "0.01", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_path("/retry-after-date/k/2", &lines, &run, args);

	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "attempts"), 2);
	ck_assert_msg(jnum(o, "elapsed_ms") >= 1000, "waited %.1f ms",
	    jnum(o, "elapsed_ms"));
	lines_free(lines);
	run_free(run);
}
END_TEST

/* Retry-After is still capped by --retry-max-delay. */
START_TEST(test_retry_after_capped)
{
	const char *args[] = { "-r", "1", "--retry-delay", "0.01",
	    "--retry-max-delay", "0.2", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_path("/retry-after/k/30", &lines, &run, args);

	ck_assert(jbool(o, "ok"));
	ck_assert_msg(jnum(o, "elapsed_ms") < 10000, "waited %.1f ms",
	    jnum(o, "elapsed_ms"));
	lines_free(lines);
	run_free(run);
}
END_TEST

/* With -c 1, a URL sleeping until its retry lets the others through:
 * they all finish before it. */
START_TEST(test_waiting_retry_holds_no_slot)
{
	char *flaky = server_url(srv, "/flaky/slot/1");
	char *others = server_url_list(srv, 5, "/ok/%zu");
	char *list = NULL;
	const char *args[] = { "-c", "1", "-r", "1", "--retry-delay", "1", NULL };
	struct lines *lines;
	struct run *run;

	if (asprintf(&list, "%s\n%s", flaky, others) < 0)
		ck_abort();
	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 6);
	ck_assert_str_eq(jstr(lines->items[5], "url"), flaky);
	ck_assert(jbool(lines->items[5], "ok"));
	ck_assert_int_eq(jint(lines->items[5], "attempts"), 2);
	for (size_t i = 0; i < 5; i++)
		ck_assert(jbool(lines->items[i], "ok"));
	ck_assert_int_eq(server_stat(srv, "max_inflight"), 1);
	lines_free(lines);
	run_free(run);
	free(list);
	free(flaky);
	free(others);
}
END_TEST

/* Transport failures are retried: a timeout twice, then given up. */
START_TEST(test_timeout_retried)
{
	char *url = server_raw_url(srv, "/silent");
	char list[256];
	const char *args[] = { "-r", "1", "-t", "0.3", "--retry-delay", "0", NULL };
	struct lines *lines;
	struct run *run;

	snprintf(list, sizeof list, "%s\n", url);
	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 1);
	ck_assert_str_eq(jkind(lines->items[0]), "timeout");
	ck_assert_int_eq(jint(lines->items[0], "attempts"), 2);
	ck_assert_int_eq(server_stat(srv, "raw_requests"), 2);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* Many URLs all retried at once: every one still gets exactly one line. */
START_TEST(test_many_retries_one_line_each)
{
	char *list = server_url_list(srv, 300, "/flaky/many%zu/1");
	const char *args[] = { "-c", "20", "-r", "2", "--retry-delay", "0.01", NULL };
	struct lines *lines;
	struct run *run;

	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 300);
	for (size_t i = 0; i < lines->n; i++) {
		ck_assert(jbool(lines->items[i], "ok"));
		ck_assert_int_eq(jint(lines->items[i], "attempts"), 2);
		ck_assert_uint_eq(lines_count_url(lines,
		    jstr(lines->items[i], "url")), 1);
	}
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_ptr_nonnull(strstr(run->err, "300 ok, 0 failed, 300 retries"));
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("retries");
	TCase *tc = tcase_create("retries");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_flaky_then_ok);
	tcase_add_test(tc, test_retries_exhausted);
	tcase_add_test(tc, test_no_retries_with_r0);
	tcase_add_test(tc, test_which_statuses_retry);
	tcase_add_test(tc, test_backoff_waits);
	tcase_add_test(tc, test_backoff_capped);
	tcase_add_test(tc, test_retry_after_seconds);
	tcase_add_test(tc, test_retry_after_date);
	tcase_add_test(tc, test_retry_after_capped);
	tcase_add_test(tc, test_waiting_retry_holds_no_slot);
	tcase_add_test(tc, test_timeout_retried);
	tcase_add_test(tc, test_many_retries_one_line_each);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
