/* Crash safety and untrusted lists: --resume after SIGKILL at random
 * moments ends with exactly one final line per URL, and --no-private
 * keeps a list away from loopback and private addresses. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* A list that takes a while and mixes outcomes: delayed pages, a 404, a
 * URL that fails once then works, and invalid lines. */
static char *
mixed_list(size_t n)
{
	size_t cap = n * 96 + 256, len = 0;
	char *list = malloc(cap);

	for (size_t i = 0; i < n; i++) {
		char path[64], *u;

		if (i % 50 == 7)
			snprintf(path, sizeof path, "/status/404/%zu", i);
		else if (i % 50 == 9)
			snprintf(path, sizeof path, "/flaky/r%zu/1", i);
		else
			snprintf(path, sizeof path, "/delay/%zu/%zu", 5 + i % 7 * 10, i);
		u = server_url(srv, path);
		len += (size_t)snprintf(list + len, cap - len, "%s\n", u);
		free(u);
	}
	len += (size_t)snprintf(list + len, cap - len, "ftp://nope/\nnot a url\n");
	return list;
}

/* Every input URL has exactly one line whose kind is not "cancelled". */
static void
assert_one_final_line_each(const char *list, const char *out_path)
{
	size_t len, urls = 0;
	char *text = file_read(out_path, &len);
	struct lines *lines;
	char *copy = strdup(list), *save = NULL;

	ck_assert_ptr_nonnull(text);
	lines = lines_parse(text, len);
	for (char *u = strtok_r(copy, "\n", &save); u != NULL;
	    u = strtok_r(NULL, "\n", &save)) {
		size_t finals = 0;

		for (size_t i = 0; i < lines->n; i++) {
			const char *kind = jkind(lines->items[i]);

			if (strcmp(jstr(lines->items[i], "url"), u) == 0 &&
			    (kind == NULL || strcmp(kind, "cancelled") != 0))
				finals++;
		}
		ck_assert_msg(finals == 1, "%s has %zu final lines", u, finals);
		urls++;
	}
	for (size_t i = 0; i < lines->n; i++) {
		const char *kind = jkind(lines->items[i]);

		ck_assert_msg(kind == NULL || strcmp(kind, "cancelled") == 0 ||
		    strstr(list, jstr(lines->items[i], "url")) != NULL,
		    "a line for a URL not in the list");
	}
	lines_free(lines);
	free(text);
	free(copy);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

/* kill -9 at random moments, then --resume until a run completes: the
 * union has one final line per URL, none lost, none duplicated.  The
 * kill times come from a fixed seed per trial, so a failure repeats. */
START_TEST(test_resume_after_random_kills)
{
	unsigned seed = 1000u + (unsigned)_i;
	char *list = mixed_list(300);
	char *list_path = tmpfile_write(list, strlen(list));
	char out_path[] = "/tmp/scrape-resume-XXXXXX";
	int fd = mkstemp(out_path);
	const char *argv[] = { "-q", "-c", "16", "-r", "2", "--retry-delay",
	    "0.01", "--resume", out_path, list_path, NULL };
	int status = -1, kills = 0;

	close(fd);
	unlink(out_path);
	for (int round = 0; round < 40 && status < 0; round++) {
		struct proc *p = proc_start(argv, false);
		struct run *run;

		sleep_ms(20 + rand_r(&seed) % 150);
		proc_kill(p, SIGKILL);
		run = proc_finish(p, 10);
		if (run->exit_status == 128 + SIGKILL) {
			kills++;
		} else {
			ck_assert_msg(run->exit_status == 0 ||
			    run->exit_status == 1, "exit %d: %s",
			    run->exit_status, run->err);
			status = run->exit_status;
		}
		run_free(run);
	}
	if (status < 0) {
		/* Each round got further; let a last one run to the end. */
		struct run *run = run_scrape(NULL, 0, 30, argv);

		status = run->exit_status;
		run_free(run);
	}
	/* 1 if this last run met a 404 or an invalid line, 0 if earlier
	 * runs had them all: the status speaks of this run's URLs. */
	ck_assert(status == 0 || status == 1);
	ck_assert_int_ge(kills, 1);
	assert_one_final_line_each(list, out_path);
	fprintf(stderr, "resume trial %d: %d kills\n", _i, kills);
	unlink(out_path);
	unlink(list_path);
	free(list_path);
	free(list);
}
END_TEST

/* After an interrupt, cancelled lines are not final: --resume fetches
 * those URLs again, and a complete file makes a later run a no-op. */
START_TEST(test_resume_after_interrupt_then_nothing_left)
{
	char *list = server_url_list(srv, 20, "/delay/3000/%zu");
	char *fast = server_url_list(srv, 3, "/ok/%zu");
	char *all = NULL;
	char *list_path;
	char out_path[] = "/tmp/scrape-resume-XXXXXX";
	int fd = mkstemp(out_path);
	const char *argv[] = { "-q", "-c", "4", "--resume", out_path, NULL, NULL };
	struct proc *p;
	struct run *run;

	close(fd);
	if (asprintf(&all, "%s%s", fast, list) < 0)
		ck_abort();
	list_path = tmpfile_write(all, strlen(all));
	argv[5] = list_path;
	p = proc_start(argv, false);
	for (int i = 0; i < 100 && server_stat(srv, "inflight") < 4; i++)
		sleep_ms(50);
	proc_kill(p, SIGINT);
	run = proc_finish(p, 10);
	ck_assert_int_eq(run->exit_status, 130);
	run_free(run);

	server_stats_reset(srv);
	run = run_scrape(NULL, 0, 30, argv);
	ck_assert_int_eq(run->exit_status, 0);
	run_free(run);
	assert_one_final_line_each(all, out_path);
	/* The fast URLs were final already: not fetched again. */
	ck_assert_int_le(server_stat(srv, "requests"), 20);

	server_stats_reset(srv);
	run = run_scrape(NULL, 0, 30, argv);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "requests"), 0);
	run_free(run);
	unlink(out_path);
	unlink(list_path);
	free(list_path);
	free(all);
	free(list);
	free(fast);
}
END_TEST

/* A torn last line is cut off before new lines are appended. */
START_TEST(test_resume_cuts_torn_line)
{
	char *url = server_url(srv, "/ok/1");
	char *done = server_url(srv, "/ok/0");
	char *list = NULL, *prior = NULL, *text;
	char *list_path, *out_path;
	const char *argv[] = { "-q", "--resume", NULL, NULL, NULL };
	struct run *run;
	struct lines *lines;
	size_t len;

	if (asprintf(&list, "%s\n%s\n", done, url) < 0 ||
	    asprintf(&prior, "{\"url\":\"%s\",\"ok\":true,\"error\":null}\n"
	    "{\"url\":\"%s\",\"ok\":tr", done, url) < 0)
		ck_abort();
	list_path = tmpfile_write(list, strlen(list));
	out_path = tmpfile_write(prior, strlen(prior));
	argv[2] = out_path;
	argv[3] = list_path;
	run = run_scrape(NULL, 0, 20, argv);
	ck_assert_int_eq(run->exit_status, 0);
	text = file_read(out_path, &len);
	lines = lines_parse(text, len);
	ck_assert_uint_eq(lines->n, 2);
	ck_assert_str_eq(jstr(lines->items[1], "url"), url);
	ck_assert_int_eq(server_stat(srv, "requests"), 1);
	lines_free(lines);
	run_free(run);
	unlink(out_path);
	unlink(list_path);
	free(out_path);
	free(list_path);
	free(text);
	free(list);
	free(prior);
	free(url);
	free(done);
}
END_TEST

START_TEST(test_resume_with_output_is_usage_error)
{
	struct run *run = run_scrapef("", 10, "--resume", "/tmp/x", "-o",
	    "/tmp/y", NULL);

	ck_assert_int_eq(run->exit_status, 2);
	ck_assert_ptr_nonnull(strstr(run->err, "--resume"));
	run_free(run);
}
END_TEST

/* --no-private: loopback is refused, by address or by name, before any
 * request is made; kind blocked, not retried. */
START_TEST(test_no_private_blocks_loopback)
{
	char *url = server_url(srv, "/ok");
	char *by_name = NULL, *list = NULL;
	struct lines *lines;
	struct run *run;

	if (asprintf(&by_name, "http://localhost:%d/ok", server_port(srv)) < 0 ||
	    asprintf(&list, "%s\n%s\n", url, by_name) < 0)
		ck_abort();
	run = run_scrapef(list, 20, "--no-private", "-r", "3", NULL);
	lines = lines_parse(run->out, run->out_len);
	ck_assert_uint_eq(lines->n, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_str_eq(jkind(lines->items[i]), "blocked");
		ck_assert_int_eq(jint(lines->items[i], "attempts"), 1);
		ck_assert_ptr_nonnull(strstr(jmessage(lines->items[i]),
		    "--no-private"));
	}
	ck_assert_int_eq(server_stat(srv, "requests"), 0);
	ck_assert_int_eq(run->exit_status, 1);
	lines_free(lines);
	run_free(run);

	run = run_scrapef(list, 20, NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "requests"), 2);
	run_free(run);
	free(list);
	free(by_name);
	free(url);
}
END_TEST

/* Run tests/netns-redirect.sh with one scrape option; its result line in
 * line.  False when network namespaces cannot be made here. */
static bool
redirect_from_public_host(const char *option, char *line, size_t len)
{
	const char *srcdir = getenv("SCRAPE_SRCDIR");
	const char *bin = getenv("SCRAPE_BIN");
	const char *server = getenv("TESTSERVER_BIN");
	char cmd[2048];
	FILE *p;
	int status;

	snprintf(cmd, sizeof cmd, "sh '%s/tests/netns-redirect.sh' '%s' '%s' %s",
	    srcdir ? srcdir : ".", server ? server : "./tests/testserver",
	    bin ? bin : "./src/scrape", option);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	line[0] = '\0';
	if (fgets(line, (int)len, p) == NULL)
		line[0] = '\0';
	status = pclose(p);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return false;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "netns-redirect.sh failed");
	return true;
}

/* --no-private judges every connection, redirects included: a public
 * host (in a network namespace of the test's own) that redirects to
 * 127.0.0.1 gets its 302 through, and the redirect is refused. */
START_TEST(test_no_private_blocks_redirect_to_loopback)
{
	char line[4096];

	if (!redirect_from_public_host("--no-private", line, sizeof line)) {
		fprintf(stderr, "skipped: network namespaces need root\n");
		return;
	}
	ck_assert_ptr_nonnull(strstr(line, "\"status\":302"));
	ck_assert_ptr_nonnull(strstr(line, "\"kind\":\"blocked\""));
	ck_assert_ptr_nonnull(strstr(line, "\"final_url\":\"http://127.0.0.1:"));
	/* Without the option the redirect is followed (nothing listens on
	 * 127.0.0.1 there, so it fails to connect). */
	ck_assert(redirect_from_public_host("", line, sizeof line));
	ck_assert_ptr_nonnull(strstr(line, "\"kind\":\"connect\""));
}
END_TEST

/* -c beyond the open-file limit: one line says so, and the run goes on
 * with what fits instead of failing transfers for want of sockets. */
START_TEST(test_concurrency_clamped_to_file_limit)
{
	char *list = server_url_list(srv, 200, "/delay/100/%zu");
	char *list_path = tmpfile_write(list, strlen(list));
	const char *bin = getenv("SCRAPE_BIN");
	char cmd[1024], line[4096];
	size_t ok = 0, warnings = 0;
	FILE *p;

	snprintf(cmd, sizeof cmd, "ulimit -n 100 && exec timeout 30 '%s' "
	    "-c 1000 -r 0 '%s' 2>&1", bin ? bin : "./src/scrape", list_path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof line, p) != NULL) {
		ok += strstr(line, "\"ok\":true") != NULL;
		warnings += strstr(line, "open-file limit (100)") != NULL &&
		    strstr(line, "using -c 36") != NULL;
	}
	ck_assert_int_eq(WEXITSTATUS(pclose(p)), 0);
	ck_assert_uint_eq(warnings, 1);
	ck_assert_uint_eq(ok, 200);
	ck_assert_int_le(server_stat(srv, "max_inflight"), 36);
	unlink(list_path);
	free(list_path);
	free(list);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("safety");
	TCase *tc = tcase_create("safety");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_resume_after_random_kills, 0, 4);
	tcase_add_test(tc, test_resume_after_interrupt_then_nothing_left);
	tcase_add_test(tc, test_resume_cuts_torn_line);
	tcase_add_test(tc, test_resume_with_output_is_usage_error);
	tcase_add_test(tc, test_no_private_blocks_loopback);
	tcase_add_test(tc, test_no_private_blocks_redirect_to_loopback);
	tcase_add_test(tc, test_concurrency_clamped_to_file_limit);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
