/* Fetching against the real test server: what each kind of response
 * becomes in the JSON line, as a user reading it with jq would check. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

START_TEST(test_ok_line_has_every_field)
{
	char *url = server_url(srv, "/ok");
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, NULL);

	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "status"), 200);
	ck_assert_int_eq(jint(o, "attempts"), 1);
	ck_assert(jnum(o, "elapsed_ms") >= 0);
	ck_assert_int_eq(jint(o, "bytes"), 3);
	ck_assert_str_eq(jstr(o, "final_url"), url);
	ck_assert_ptr_nonnull(strstr(jstr(o, "content_type"), "text/plain"));
	ck_assert(jnull(o, "error"));
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "body"));
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_ptr_nonnull(strstr(run->err, "scraped 1 URL in "));
	ck_assert_ptr_nonnull(strstr(run->err, "1 ok, 0 failed, 0 retries"));
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* Results come as each URL finishes, not in input order. */
START_TEST(test_as_completed_order)
{
	char *slow = server_url(srv, "/delay/1500");
	char *fast = server_url(srv, "/ok/fast");
	char list[512];
	struct lines *lines;
	struct run *run;

	snprintf(list, sizeof list, "%s\n%s\n", slow, fast);
	run = scrape_list(list, &lines, NULL);
	ck_assert_uint_eq(lines->n, 2);
	ck_assert_str_eq(jstr(lines->items[0], "url"), fast);
	ck_assert_str_eq(jstr(lines->items[1], "url"), slow);
	ck_assert(jnum(lines->items[1], "elapsed_ms") >= 1500);
	lines_free(lines);
	run_free(run);
	free(slow);
	free(fast);
}
END_TEST

/* A line is written while other transfers are still running: the fast
 * URL's line can be read before the slow one has finished. */
START_TEST(test_lines_stream_while_running)
{
	char *slow = server_url(srv, "/delay/4000");
	char *fast = server_url(srv, "/ok/fast");
	char *list = NULL;
	const char *argv[] = { "-q", NULL, NULL };
	struct proc *p;
	struct run *run;

	if (asprintf(&list, "%s\n%s\n", slow, fast) < 0)
		ck_abort();
	argv[1] = tmpfile_write(list, strlen(list));
	p = proc_start(argv, false);
	ck_assert(proc_wait_stdout_lines(p, 1, 3.5));
	ck_assert_ptr_nonnull(strstr(proc_stdout(p, NULL), fast));
	ck_assert_ptr_null(strstr(proc_stdout(p, NULL), slow));
	run = proc_finish(p, 10);
	ck_assert_int_eq(run->exit_status, 0);
	unlink(argv[1]);
	free((char *)argv[1]);
	run_free(run);
	free(list);
	free(slow);
	free(fast);
}
END_TEST

START_TEST(test_http_error_status)
{
	char *url = server_url(srv, "/status/404");
	const char *args[] = { "-r", "3", "--retry-delay", "0", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	ck_assert(!jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "status"), 404);
	ck_assert_str_eq(jkind(o), "http");
	ck_assert_int_eq(jint(o, "attempts"), 1);
	ck_assert_int_eq(server_stat(srv, "requests"), 1);
	ck_assert_int_eq(run->exit_status, 1);
	ck_assert_ptr_nonnull(strstr(run->err, url));
	ck_assert_ptr_nonnull(strstr(run->err, "1 failed (http 1)"));
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

START_TEST(test_redirect_chain_followed)
{
	char *url = server_url(srv, "/redirect/3");
	char *last = server_url(srv, "/redirect/0");
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, NULL);

	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "status"), 200);
	ck_assert_str_eq(jstr(o, "final_url"), last);
	ck_assert_int_eq(jint(o, "bytes"), 5);
	lines_free(lines);
	run_free(run);
	free(url);
	free(last);
}
END_TEST

/* Not redirected, final_url is the URL exactly as written, not libcurl's
 * rewriting of it (lower-case scheme, "/" for an empty path). */
START_TEST(test_final_url_as_written)
{
	char *plain = server_url(srv, "");
	char *upper = server_url(srv, "/status/200?q=1");
	char list[512];
	struct lines *lines;
	struct run *run;

	memcpy(upper, "HTTP", 4);
	snprintf(list, sizeof list, "%s\n%s\n", plain, upper);
	run = scrape_list(list, &lines, NULL);
	ck_assert_uint_eq(lines->n, 2);
	for (size_t i = 0; i < lines->n; i++)
		ck_assert_str_eq(jstr(lines->items[i], "final_url"),
		    jstr(lines->items[i], "url"));
	lines_free(lines);
	run_free(run);
	free(plain);
	free(upper);
}
END_TEST

START_TEST(test_too_many_redirects)
{
	char *url = server_url(srv, "/redirect/3");
	const char *args[] = { "--max-redirs", "2", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	ck_assert(!jbool(o, "ok"));
	ck_assert_str_eq(jkind(o), "redirect");
	ck_assert_int_eq(jint(o, "status"), 302);
	ck_assert_int_eq(jint(o, "attempts"), 1);
	ck_assert_int_eq(run->exit_status, 1);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

START_TEST(test_no_redirects_with_max_redirs_0)
{
	char *url = server_url(srv, "/redirect/1");
	const char *args[] = { "--max-redirs", "0", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	ck_assert_str_eq(jkind(o), "redirect");
	ck_assert_int_eq(jint(o, "status"), 302);
	ck_assert_int_eq(server_stat(srv, "requests"), 1);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

START_TEST(test_redirect_loop_is_final)
{
	char *url = server_url(srv, "/loop");
	const char *args[] = { "-r", "3", "--retry-delay", "0", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	ck_assert_str_eq(jkind(o), "redirect");
	ck_assert_int_eq(jint(o, "attempts"), 1);
	/* The first request and ten redirects followed, never an 12th. */
	ck_assert_int_eq(server_stat(srv, "requests"), 11);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

START_TEST(test_redirect_to_file_refused)
{
	char *url = server_url(srv, "/to-file");
	const char *args[] = { "-r", "3", "--retry-delay", "0", "--body", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	ck_assert_str_eq(jkind(o), "redirect");
	ck_assert_int_eq(jint(o, "attempts"), 1);
	ck_assert_ptr_null(strstr(jstr(o, "body"), "root:"));
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

START_TEST(test_big_body_counted)
{
	char *url = server_url(srv, "/big/3000000");
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, NULL);

	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "bytes"), 3000000);
	ck_assert_str_eq(jstr(o, "content_type"), "application/octet-stream");
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

START_TEST(test_chunked_body_counted)
{
	char *url = server_url(srv, "/chunked/100000");
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, NULL);

	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "bytes"), 100000);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* --max-size stops a body at the limit: kind too_large, not retried. */
START_TEST(test_max_size)
{
	char *big = server_url(srv, "/big/5000");
	char *chunked = server_url(srv, "/chunked/5000");
	char *fits = server_url(srv, "/big/1024");
	char list[512];
	const char *args[] = { "--max-size", "1k", "-r", "2",
	    "--retry-delay", "0", NULL };
	struct lines *lines;
	struct run *run;

	snprintf(list, sizeof list, "%s\n%s\n%s\n", big, chunked, fits);
	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 3);
	ck_assert_str_eq(jkind(lines_find(lines, big)), "too_large");
	ck_assert_int_eq(jint(lines_find(lines, big), "attempts"), 1);
	ck_assert_int_le(jint(lines_find(lines, big), "bytes"), 1024);
	ck_assert_str_eq(jkind(lines_find(lines, chunked)), "too_large");
	ck_assert(jbool(lines_find(lines, fits), "ok"));
	ck_assert_int_eq(jint(lines_find(lines, fits), "bytes"), 1024);
	ck_assert_int_eq(run->exit_status, 1);
	lines_free(lines);
	run_free(run);
	free(big);
	free(chunked);
	free(fits);
}
END_TEST

/* bytes and --max-size speak of the decoded body. */
START_TEST(test_gzip_decoded)
{
	char *url = server_url(srv, "/gzip");
	const char *args[] = { "--body", NULL };
	const char *small[] = { "--max-size", "10000", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);
	const char *body = jstr(o, "body");

	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "bytes"), 11000);
	ck_assert_uint_eq(strlen(body), 11000);
	ck_assert(strncmp(body, "hello gzip\nhello gzip\n", 22) == 0);
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "body_encoding"));
	lines_free(lines);
	run_free(run);

	o = scrape_one(url, &lines, &run, small);
	ck_assert_str_eq(jkind(o), "too_large");
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

START_TEST(test_binary_body_base64)
{
	char *url = server_url(srv, "/binary");
	const char *args[] = { "--body", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);
	const char *b64 = jstr(o, "body");

	ck_assert_str_eq(jstr(o, "body_encoding"), "base64");
	ck_assert_uint_eq(strlen(b64), 344);   /* 256 bytes -> 4 * 86 */
	ck_assert(strncmp(b64, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44) == 0);
	ck_assert(strcmp(b64 + 336, "/P3+/w==") == 0);
	ck_assert_int_eq(jint(o, "bytes"), 256);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

START_TEST(test_utf8_body_text)
{
	char *url = server_url(srv, "/utf8");
	const char *args[] = { "--body", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	ck_assert_str_eq(jstr(o, "body"), "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9d\x84\x9e\n");
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "body_encoding"));
	ck_assert_str_eq(jstr(o, "content_type"), "text/plain; charset=utf-8");
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* --body puts "body" on every line, "" where nothing arrived. */
START_TEST(test_body_on_every_line)
{
	char *refused = strdup("http://127.0.0.1:1/");
	char list[256];
	const char *args[] = { "--body", "-r", "0", NULL };
	struct lines *lines;
	struct run *run;

	snprintf(list, sizeof list, "%s\nftp://nope/\n", refused);
	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 2);
	ck_assert_str_eq(jstr(lines->items[0], "body"), "");
	ck_assert_str_eq(jstr(lines->items[1], "body"), "");
	lines_free(lines);
	run_free(run);
	free(refused);
}
END_TEST

/* -H and -A reach the server; requests ask for compressed bodies. */
START_TEST(test_request_headers)
{
	char *url = server_url(srv, "/headers");
	const char *args[] = { "--body", "-H", "X-One: 1", "-H", "X-Two: two",
	    "-A", "agent/7", NULL };
	const char *plain[] = { "--body", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);
	const char *body = jstr(o, "body");

	ck_assert_ptr_nonnull(strstr(body, "X-One: 1\n"));
	ck_assert_ptr_nonnull(strstr(body, "X-Two: two\n"));
	ck_assert_ptr_nonnull(strstr(body, "User-Agent: agent/7\n"));
	ck_assert_ptr_nonnull(strstr(body, "Accept-Encoding: "));
	ck_assert_ptr_nonnull(strstr(body, "gzip"));
	lines_free(lines);
	run_free(run);

	o = scrape_one(url, &lines, &run, plain);
	ck_assert_ptr_nonnull(strstr(jstr(o, "body"), "User-Agent: scrape/1."));
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* How many header lines of the echoed request start with name. */
static int
header_count(const char *echo, const char *name)
{
	size_t len = strlen(name);
	int n = 0;

	for (const char *p = echo; p != NULL && *p != '\0';
	    p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL)
		if (strncasecmp(p, name, len) == 0)
			n++;
	return n;
}

/* A header given with -H replaces scrape's own of that name rather than
 * going out beside it, and -A '' sends no User-Agent at all. */
START_TEST(test_request_headers_override)
{
	char *url = server_url(srv, "/headers");
	const char *mine[] = { "--body", "-H", "user-agent: mine/1", "-H",
	    "Accept-Encoding: identity", NULL };
	const char *none[] = { "--body", "-A", "", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, mine);
	const char *body = jstr(o, "body");

	ck_assert_int_eq(header_count(body, "User-Agent:"), 1);
	ck_assert_ptr_nonnull(strstr(body, "user-agent: mine/1\n"));
	ck_assert_int_eq(header_count(body, "Accept-Encoding:"), 1);
	ck_assert_ptr_nonnull(strstr(body, "Accept-Encoding: identity\n"));
	lines_free(lines);
	run_free(run);

	o = scrape_one(url, &lines, &run, none);
	body = jstr(o, "body");
	ck_assert_int_eq(header_count(body, "User-Agent:"), 0);
	ck_assert_int_eq(header_count(body, "Accept-Encoding:"), 1);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* A server that closes every connection after one answer: each transfer
 * opens a new connection, whose descriptor is mostly the one just closed,
 * in the same turn of the event loop.  Every URL still succeeds, and none
 * waits for the timeout, as one would whose socket the loop wrongly took
 * for the closed one it was still watching. */
START_TEST(test_server_closes_every_connection)
{
	char *list = server_url_list(srv, 300, "/close/%zu");
	const char *args[] = { "-c", "8", "-t", "5", "-r", "0", NULL };
	struct lines *lines;
	struct run *run = scrape_list(list, &lines, args);

	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 300);
	for (size_t i = 0; i < lines->n; i++)
		ck_assert(jbool(lines->items[i], "ok"));
	ck_assert_int_eq(server_stat(srv, "requests"), 300);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* A list of many hosts: each URL opens a connection of its own, so the
 * multi handles reach the number of new connections after which they
 * are retired (loop.c) several times over.  Every 100th URL is slow, so
 * retired handles drain beside the new ones and some retire has to wait
 * for the descriptors kept for them.  Every URL succeeds, exactly once. */
START_TEST(test_many_hosts_retire_handles)
{
	size_t n = 3000;
	char *list = NULL;
	const char *args[] = { "-c", "100", "-t", "10", "-r", "0", NULL };
	struct lines *lines;
	struct run *run;

	for (size_t i = 0; i < n; i++)
		cat(&list, xasprintf("http://m%zu.localhost:%d/%s\n", i,
		    server_port(srv), i % 100 == 0 ? "delay/300" : "p/1"));
	run = scrape_list(list, &lines, args);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, n);
	for (size_t i = 0; i < lines->n; i++)
		ck_assert(jbool(lines->items[i], "ok"));
	ck_assert_int_eq(server_stat(srv, "requests"), (long)n);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* The -c cap holds and is reached: the server never sees more than N
 * requests at once, and sees exactly N at some point. */
static void
assert_concurrency(const char *c, long want)
{
	char *list = server_url_list(srv, 40, "/delay/200/%zu");
	const char *args[] = { "-c", c, NULL };
	struct lines *lines;
	struct run *run;

	server_stats_reset(srv);
	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 40);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "max_inflight"), want);
	ck_assert_int_eq(server_stat(srv, "requests"), 40);
	lines_free(lines);
	run_free(run);
	free(list);
}

START_TEST(test_concurrency_cap)
{
	assert_concurrency("1", 1);
	assert_concurrency("7", 7);
	assert_concurrency("40", 40);
}
END_TEST

START_TEST(test_connect_refused)
{
	const char *args[] = { "-r", "2", "--retry-delay", "0.01", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one("http://127.0.0.1:1/x", &lines, &run, args);

	ck_assert_str_eq(jkind(o), "connect");
	ck_assert(jnull(o, "status"));
	ck_assert_int_eq(jint(o, "attempts"), 3);
	ck_assert_int_eq(run->exit_status, 1);
	ck_assert_ptr_nonnull(strstr(run->err, "2 retries"));
	lines_free(lines);
	run_free(run);
}
END_TEST

/* -t limits each attempt: a server that accepts and never answers. */
START_TEST(test_timeout)
{
	char *url = server_raw_url(srv, "/silent");
	const char *args[] = { "-t", "0.5", "-r", "1", "--retry-delay", "0", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	ck_assert_str_eq(jkind(o), "timeout");
	ck_assert_int_eq(jint(o, "attempts"), 2);
	ck_assert(jnum(o, "elapsed_ms") >= 1000);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* Connection resets, empty replies and truncated bodies are "reset". */
START_TEST(test_resets_and_truncation)
{
	static const char *const paths[] = { "/reset", "/close", "/truncated",
	    "/reset-mid-body" };
	const char *args[] = { "-r", "0", NULL };
	char list[1024] = "";
	struct lines *lines;
	struct run *run;

	for (size_t i = 0; i < 4; i++) {
		char *u = server_raw_url(srv, paths[i]);

		strcat(list, u);
		strcat(list, "\n");
		free(u);
	}
	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 4);
	for (size_t i = 0; i < 4; i++) {
		char *u = server_raw_url(srv, paths[i]);
		cJSON *o = lines_find(lines, u);

		ck_assert_msg(o != NULL, "no line for %s", u);
		ck_assert_msg(strcmp(jkind(o), "reset") == 0, "%s: kind %s",
		    paths[i], jkind(o));
		ck_assert_int_eq(jint(o, "attempts"), 1);
		free(u);
	}
	lines_free(lines);
	run_free(run);
}
END_TEST

/* A reply that is not HTTP at all, or headers past every limit. */
START_TEST(test_broken_replies)
{
	/* What each reply is reported as, and whether it is retried: a
	 * reply that is not HTTP is protocol, retried (a connection may hold
	 * stale bytes); a header line past libcurl's limit and bad chunked
	 * framing are protocol and final (the server sends them every
	 * time); an endless header block breaks off as a receive error,
	 * reset, retried. */
	static const struct {
		const char *path, *kind;
		long attempts;
	} cases[] = {
		{ "/garbage", "protocol", 2 },
		{ "/huge-header", "protocol", 1 },
		{ "/endless-headers", "reset", 2 },
		{ "/bad-chunked", "protocol", 1 },
	};
	const char *args[] = { "-r", "1", "--retry-delay", "0", "-t", "10", NULL };
	char list[1024] = "";
	struct lines *lines;
	struct run *run;

	for (size_t i = 0; i < 4; i++) {
		char *u = server_raw_url(srv, cases[i].path);

		strcat(list, u);
		strcat(list, "\n");
		free(u);
	}
	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 4);
	for (size_t i = 0; i < 4; i++) {
		char *u = server_raw_url(srv, cases[i].path);
		cJSON *o = lines_find(lines, u);

		ck_assert_msg(o != NULL, "no line for %s", u);
		ck_assert_msg(jkind(o) != NULL &&
		    strcmp(jkind(o), cases[i].kind) == 0, "%s: kind %s",
		    cases[i].path, jkind(o));
		ck_assert_msg(jint(o, "attempts") == cases[i].attempts,
		    "%s: %ld attempts", cases[i].path, jint(o, "attempts"));
		free(u);
	}
	ck_assert_int_eq(run->exit_status, 1);
	lines_free(lines);
	run_free(run);
}
END_TEST

/* A name that does not resolve: run in a network namespace of its own
 * (root only), where no resolver can be reached and nothing leaves the
 * machine. */
START_TEST(test_dns_failure)
{
	const char *bin = getenv("SCRAPE_BIN");
	char cmd[1024];
	FILE *p;
	char line[4096] = "";

	if (system("unshare -n true 2>/dev/null") != 0) {
		fprintf(stderr, "test_dns_failure: skipped, unshare -n needs root\n");
		return;
	}
	snprintf(cmd, sizeof cmd, "echo http://no-such-host.invalid/ | "
	    "timeout 20 unshare -n '%s' -q -r 0 2>/dev/null",
	    bin ? bin : "./src/scrape");
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, p));
	ck_assert_int_eq(WEXITSTATUS(pclose(p)), 1);
	ck_assert_ptr_nonnull(strstr(line, "\"kind\":\"dns\""));
}
END_TEST

START_TEST(test_output_file_and_quiet)
{
	char *url = server_url(srv, "/status/500");
	char *out = tmpfile_write("old contents\n", 13);
	char list[256];
	const char *args[] = { "-q", "-r", "0", "-o", out, NULL };
	struct lines *lines, *from_file;
	struct run *run;
	char *text;
	size_t len;

	snprintf(list, sizeof list, "%s\n", url);
	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 0);
	ck_assert_uint_eq(run->err_len, 0);
	ck_assert_int_eq(run->exit_status, 1);
	text = file_read(out, &len);
	from_file = lines_parse(text, len);
	ck_assert_uint_eq(from_file->n, 1);
	ck_assert_int_eq(jint(from_file->items[0], "status"), 500);
	lines_free(from_file);
	lines_free(lines);
	run_free(run);
	unlink(out);
	free(out);
	free(text);
	free(url);
}
END_TEST

/* Transfers reuse libcurl handles and connections: each URL must still
 * be fetched as itself (libcurl 7.88 once kept a handle's old URL). */
START_TEST(test_reused_handles_fetch_their_own_url)
{
	char *list = server_url_list(srv, 30, "/redirect/0/%zu");
	const char *args[] = { "-c", "2", "--body", NULL };
	struct lines *lines;
	struct run *run = scrape_list(list, &lines, args);

	ck_assert_uint_eq(lines->n, 30);
	for (size_t i = 0; i < lines->n; i++) {
		cJSON *o = lines->items[i];

		ck_assert_str_eq(jstr(o, "final_url"), jstr(o, "url"));
		ck_assert(jbool(o, "ok"));
	}
	ck_assert_int_eq(server_stat(srv, "requests"), 30);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("fetch");
	TCase *tc = tcase_create("fetch");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ok_line_has_every_field);
	tcase_add_test(tc, test_as_completed_order);
	tcase_add_test(tc, test_lines_stream_while_running);
	tcase_add_test(tc, test_http_error_status);
	tcase_add_test(tc, test_redirect_chain_followed);
	tcase_add_test(tc, test_final_url_as_written);
	tcase_add_test(tc, test_too_many_redirects);
	tcase_add_test(tc, test_no_redirects_with_max_redirs_0);
	tcase_add_test(tc, test_redirect_loop_is_final);
	tcase_add_test(tc, test_redirect_to_file_refused);
	tcase_add_test(tc, test_big_body_counted);
	tcase_add_test(tc, test_chunked_body_counted);
	tcase_add_test(tc, test_max_size);
	tcase_add_test(tc, test_gzip_decoded);
	tcase_add_test(tc, test_binary_body_base64);
	tcase_add_test(tc, test_utf8_body_text);
	tcase_add_test(tc, test_body_on_every_line);
	tcase_add_test(tc, test_request_headers);
	tcase_add_test(tc, test_request_headers_override);
	tcase_add_test(tc, test_server_closes_every_connection);
	tcase_add_test(tc, test_many_hosts_retire_handles);
	tcase_add_test(tc, test_concurrency_cap);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_resets_and_truncation);
	tcase_add_test(tc, test_broken_replies);
	tcase_add_test(tc, test_dns_failure);
	tcase_add_test(tc, test_output_file_and_quiet);
	tcase_add_test(tc, test_reused_handles_fetch_their_own_url);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
