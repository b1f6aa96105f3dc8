/*
 * -j, --jobs N (scrape(1), "JOBS"): N event loops on N threads, the URLs
 * dealt by host, against the test server with many hosts on loopback
 * (every *.localhost name is 127.0.0.1 to libcurl, and the server counts
 * each Host on its own).
 *
 * Each promise is checked at -j 1 (one loop, no threads: the reference),
 * 2 and 4 where it holds for any N. The whole suite also runs at -j 1 and
 * -j 4 under `make check-jobs`; this file is about what only several
 * loops can get wrong: the -c cap shared between them, a host's limits
 * when its URLs all go to one loop, one line per URL however the loops
 * finish, signals and a closed output reaching every loop, and the
 * summary added up from theirs.
 */
#define _GNU_SOURCE
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *const jobs[] = { "1", "2", "4" };

/* URL i of a list over nhosts hosts, interleaved: h<i % nhosts>, with
 * path prefix followed by i. */
static char *
host_url(size_t i, size_t nhosts, const char *prefix)
{
	char host[32], path[64];

	snprintf(host, sizeof host, "h%zu.localhost", i % nhosts);
	snprintf(path, sizeof path, "%s%zu", prefix, i);
	return server_host_url(srv, host, path);
}

static char *
host_list(size_t n, size_t nhosts, const char *prefix, char ***urls)
{
	char *list = NULL;

	*urls = calloc(n, sizeof **urls);
	for (size_t i = 0; i < n; i++) {
		(*urls)[i] = host_url(i, nhosts, prefix);
		cat(&list, xasprintf("%s\n", (*urls)[i]));
	}
	return list;
}

static void
free_urls(char **urls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
}

/*
 * Promise: every input line gets exactly one result line, whatever loop
 * its host went to: 300 URLs over 30 hosts, with three lines that are
 * not URLs and a comment among them; the summary counts the same 303.
 */
START_TEST(test_every_line_once)
{
	const char *n = jobs[_i];
	char **urls, *list = host_list(300, 30, "/ok/", &urls);
	struct lines *lines;
	struct run *run;

	cat(&list, xasprintf("not a url\n# a comment\nftp://h1.localhost/x\n"
	    "http://\n"));
	run = scrape_args(list, &lines, "-j", n, "-c", "16", NULL);
	ck_assert_msg(run->exit_status == 1, "-j %s: exit %d: %s", n,
	    run->exit_status, run->err);
	ck_assert_msg(lines->n == 303, "-j %s: %zu lines", n, lines->n);
	for (size_t i = 0; i < 300; i++) {
		ck_assert_msg(lines_count_url(lines, urls[i]) == 1,
		    "-j %s: %s has %zu lines", n, urls[i],
		    lines_count_url(lines, urls[i]));
		ck_assert(jbool(lines_find(lines, urls[i]), "ok"));
	}
	ck_assert_str_eq(jkind(lines_find(lines, "not a url")), "invalid_url");
	ck_assert_ptr_nonnull(strstr(run->err,
	    "scraped 303 URLs in "));
	ck_assert_ptr_nonnull(strstr(run->err, ": 300 ok, 3 failed "
	    "(invalid_url 3)"));
	lines_free(lines);
	run_free(run);
	free(list);
	free_urls(urls, 300);
}
END_TEST

/*
 * Promise: -c bounds the transfers of all loops together: 48 slow URLs
 * over 12 hosts at -c 5: the server never sees more than 5 requests at
 * once, and does see 5 (the slots are not split into a share a loop).
 */
START_TEST(test_concurrency_shared)
{
	const char *n = jobs[_i];
	char **urls, *list = host_list(48, 12, "/delay/150/", &urls);
	struct lines *lines;
	struct run *run;

	run = scrape_args(list, &lines, "-j", n, "-c", "5", "-q", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 48);
	ck_assert_msg(server_stat(srv, "max_inflight") == 5,
	    "-j %s -c 5: %ld at once", n, server_stat(srv, "max_inflight"));
	lines_free(lines);
	run_free(run);
	free(list);
	free_urls(urls, 48);
}
END_TEST

/*
 * Promise: all of a host's URLs go to one loop, so per-host limits hold
 * as with one: one host's 12 slow URLs at -c 8 but only 3 hosts, with
 * the hosts dealt over 4 loops: --per-host 2 keeps every host at 2 at
 * once, and with every slot free for just that one loop, a lone host at
 * -c 8 gets all 8.
 */
START_TEST(test_host_in_one_loop)
{
	const char *n = jobs[_i];
	char **urls, *list = host_list(36, 3, "/delay/150/", &urls);
	char **one, *single = host_list(16, 1, "/delay/150/", &one);
	struct lines *lines;
	struct run *run;

	run = scrape_args(list, &lines, "-j", n, "-c", "8", "--per-host", "2",
	    "-q", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 36);
	for (int h = 0; h < 3; h++) {
		char host[32];

		snprintf(host, sizeof host, "h%d.localhost", h);
		ck_assert_msg(server_host_stat(srv, host, "max_inflight") == 2,
		    "-j %s: %s had %ld at once", n, host,
		    server_host_stat(srv, host, "max_inflight"));
	}
	lines_free(lines);
	run_free(run);

	server_stats_reset(srv);
	run = scrape_args(single, &lines, "-j", n, "-c", "8", "-q", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 16);
	ck_assert_msg(server_stat(srv, "max_inflight") == 8,
	    "-j %s: one host got %ld slots of 8", n,
	    server_stat(srv, "max_inflight"));
	lines_free(lines);
	run_free(run);
	free(list);
	free(single);
	free_urls(urls, 36);
	free_urls(one, 16);
}
END_TEST

/*
 * Promise: SIGINT reaches every loop: with 40 slow URLs over 8 hosts
 * read from a pipe that stays open, -c 4, once 4 are in flight a SIGINT
 * ends the run at once with exit 130 and one line for each of the 40
 * URLs read, those not done "cancelled", and the summary counting 40.
 */
START_TEST(test_sigint_every_loop)
{
	const char *n = jobs[_i];
	const char *const argv[] = { "-j", n, "-c", "4", NULL };
	char **urls, *list = host_list(40, 8, "/delay/5000/", &urls);
	struct lines *lines;
	struct proc *p;
	struct run *run;
	double end = mono() + 10;
	size_t cancelled = 0;

	p = proc_start(argv, true);
	proc_write_stdin(p, list, strlen(list));
	while (server_stat(srv, "inflight") < 4) {
		ck_assert_msg(mono() < end, "4 requests never in flight");
		proc_wait_stdout_lines(p, INT_MAX, 0.02);
	}
	proc_kill(p, SIGINT);
	run = proc_finish(p, 5.0);
	ck_assert_msg(run->exit_status == 130, "-j %s: exit %d: %s", n,
	    run->exit_status, run->err);
	lines = lines_parse(run->out, run->out_len);
	ck_assert_msg(lines->n == 40, "-j %s: %zu lines", n, lines->n);
	for (size_t i = 0; i < 40; i++) {
		cJSON *o = lines_find(lines, urls[i]);

		ck_assert_msg(o != NULL && lines_count_url(lines, urls[i]) == 1,
		    "-j %s: %s", n, urls[i]);
		cancelled += strcmp(jkind(o), "cancelled") == 0;
	}
	ck_assert_uint_eq(cancelled, 40);
	ck_assert_ptr_nonnull(strstr(run->err, "scraped 40 URLs in "));
	lines_free(lines);
	run_free(run);
	free(list);
	free_urls(urls, 40);
}
END_TEST

/*
 * Promise: a reader that goes away ends every loop: `scrape | head -n 1`
 * over 4000 URLs of 40 hosts exits 141 (SIGPIPE's status) well before
 * fetching them all.
 */
START_TEST(test_output_closed)
{
	const char *n = jobs[_i];
	char **urls, *list = host_list(4000, 40, "/ok/", &urls);
	char *path = tmpfile_write(list, strlen(list));
	char *cmd = xasprintf("unset http_proxy HTTP_PROXY all_proxy ALL_PROXY; "
	    "export NO_PROXY='*'; timeout 20 bash -c '\"$SCRAPE_BIN\" -q "
	    "-j %s -c 8 %s | head -n 1 >/dev/null; "
	    "echo status=${PIPESTATUS[0]}'", n, path);
	FILE *sh = popen(cmd, "r");
	char got[64] = "";

	ck_assert_ptr_nonnull(sh);
	ck_assert_ptr_nonnull(fgets(got, sizeof got, sh));
	ck_assert_int_eq(pclose(sh), 0);
	ck_assert_msg(strcmp(got, "status=141\n") == 0, "-j %s: %s", n, got);
	ck_assert_msg(server_stat(srv, "requests") < 4000,
	    "-j %s: all 4000 fetched after the reader left", n);
	unlink(path);
	free(path);
	free(cmd);
	free(list);
	free_urls(urls, 4000);
}
END_TEST

/*
 * Promise: --report adds up every loop's figures: 20 URLs that fail
 * (500, -r 0) and 20 that do not, over 10 hosts: total 40, failed 20,
 * each failure listed once.
 */
START_TEST(test_report_added_up)
{
	const char *n = jobs[_i];
	char **ok, *list = host_list(20, 10, "/ok/", &ok);
	char **bad, *fails = host_list(20, 10, "/status/500?", &bad);
	char *report = tmpfile_write("", 0);
	struct lines *lines;
	struct run *run;
	cJSON *doc, *failures;
	char *text;
	size_t len;

	cat(&list, fails);
	run = scrape_args(list, &lines, "-j", n, "-r", "0", "--report", report,
	    NULL);
	ck_assert_int_eq(run->exit_status, 1);
	text = file_read(report, &len);
	doc = cJSON_ParseWithLength(text, len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(jint(doc, "total"), 40);
	ck_assert_int_eq(jint(doc, "ok"), 20);
	ck_assert_int_eq(jint(doc, "failed"), 20);
	failures = cJSON_GetObjectItem(doc, "failures");
	ck_assert_int_eq(cJSON_GetArraySize(failures), 20);
	for (size_t i = 0; i < 20; i++) {
		size_t seen = 0;
		cJSON *f;

		cJSON_ArrayForEach(f, failures)
			seen += strcmp(jstr(f, "url"), bad[i]) == 0;
		ck_assert_msg(seen == 1, "-j %s: %s listed %zu times", n,
		    bad[i], seen);
	}
	cJSON_Delete(doc);
	free(text);
	lines_free(lines);
	run_free(run);
	unlink(report);
	free(report);
	free(list);
	free_urls(ok, 20);
	free_urls(bad, 20);
}
END_TEST

/*
 * Promise: --resume works across loops: after a first run over 30 URLs
 * of 6 hosts, a second over those and 30 more fetches only the new 30,
 * and the file ends with one line per URL.
 */
START_TEST(test_resume)
{
	const char *n = jobs[_i];
	char **urls, *all = host_list(60, 6, "/ok/", &urls);
	char *half = strndup(all, (size_t)(strstr(all, urls[30]) - all));
	char *out = tmpfile_write("", 0);
	struct lines *lines;
	struct run *run;
	char *text;
	size_t len;

	run = scrape_args(half, &lines, "-j", n, "-o", out, "-q", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	lines_free(lines);
	run_free(run);
	server_stats_reset(srv);
	run = scrape_args(all, &lines, "-j", n, "--resume", out, "-q", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "requests"), 30);
	lines_free(lines);
	run_free(run);
	text = file_read(out, &len);
	lines = lines_parse(text, len);
	ck_assert_uint_eq(lines->n, 60);
	for (size_t i = 0; i < 60; i++)
		ck_assert_uint_eq(lines_count_url(lines, urls[i]), 1);
	lines_free(lines);
	free(text);
	unlink(out);
	free(out);
	free(half);
	free(all);
	free_urls(urls, 60);
}
END_TEST

/*
 * Promise: --ordered is in input order at any -j (it runs one loop).
 */
START_TEST(test_ordered)
{
	const char *n = jobs[_i];
	char **urls, *list = host_list(60, 12, "/ok/", &urls);
	struct lines *lines;
	struct run *run;

	run = scrape_args(list, &lines, "-j", n, "--ordered", "-q", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 60);
	for (size_t i = 0; i < 60; i++)
		ck_assert_str_eq(jstr(lines->items[i], "url"), urls[i]);
	lines_free(lines);
	run_free(run);
	free(list);
	free_urls(urls, 60);
}
END_TEST

/* Promise: a bad -j is a usage error naming it. */
START_TEST(test_usage_errors)
{
	static const char *const bad[] = { "0", "65", "x", "-1" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct run *run = run_scrapef("", 10, "-j", bad[i], NULL);

		ck_assert_int_eq(run->exit_status, 2);
		ck_assert_msg(strstr(run->err, "--jobs: ") != NULL, "%s",
		    run->err);
		run_free(run);
	}
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("jobs");
	TCase *tc = tcase_create("jobs");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_every_line_once, 0, 3);
	tcase_add_loop_test(tc, test_concurrency_shared, 0, 3);
	tcase_add_loop_test(tc, test_host_in_one_loop, 0, 3);
	tcase_add_loop_test(tc, test_sigint_every_loop, 0, 3);
	tcase_add_loop_test(tc, test_output_closed, 0, 3);
	tcase_add_loop_test(tc, test_report_added_up, 0, 3);
	tcase_add_loop_test(tc, test_resume, 0, 3);
	tcase_add_loop_test(tc, test_ordered, 0, 3);
	tcase_add_test(tc, test_usage_errors);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
