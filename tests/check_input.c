/* Input handling, usage errors, where the results go, and exit statuses:
 * what scrape(1) promises about the list it reads and how a run ends,
 * checked by running the binary against the test server on 127.0.0.1. */
#define _GNU_SOURCE

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define RUN_TIMEOUT	20.0	/* s, for any one run of scrape */

/* A temporary file holding the NUL-terminated text; caller unlinks. */
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

/* How many '\n' in s. */
static size_t
count_newlines(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

/* The last line of s (without its '\n'), malloc'd; "" if none. */
static char *
last_line(const char *s)
{
	size_t len = strlen(s);
	const char *start;

	if (len > 0 && s[len - 1] == '\n')
		len--;
	for (start = s + len; start > s && start[-1] != '\n'; start--)
		continue;
	return strndup(start, (size_t)(s + len - start));
}

/* Check a line for the shape of an invalid_url result. */
static void
assert_invalid(const cJSON *line, const char *what)
{
	ck_assert_msg(line != NULL, "no result line for %s", what);
	ck_assert_msg(!jbool(line, "ok"), "%s: ok is true", what);
	ck_assert_msg(jkind(line) != NULL &&
	    strcmp(jkind(line), "invalid_url") == 0,
	    "%s: kind %s, not invalid_url", what,
	    jkind(line) ? jkind(line) : "(none)");
	ck_assert_msg(jint(line, "attempts") == 0, "%s: attempts %ld", what,
	    jint(line, "attempts"));
	ck_assert_msg(jnull(line, "status"), "%s: status is not null", what);
}

/* Check a line for a fetched, successful URL. */
static void
assert_fetched_ok(const cJSON *line, const char *url)
{
	ck_assert_msg(line != NULL, "no result line for %s", url);
	ck_assert_msg(jbool(line, "ok"), "%s: not ok (kind %s)", url,
	    jkind(line) ? jkind(line) : "(none)");
	ck_assert_int_eq(jint(line, "status"), 200);
	ck_assert_int_eq(jint(line, "attempts"), 1);
	ck_assert_msg(jnull(line, "error"), "%s: error is not null", url);
}

/*
 * A usage error as the man page describes it: exit 2, nothing on
 * standard output, exactly one line on standard error that starts with
 * "scrape: " and names the option (either of its spellings), and no
 * request reached the server.
 */
static void
assert_usage_error(const struct run *r, const char *what, const char *name1,
    const char *name2)
{
	ck_assert_msg(!r->timed_out, "%s: timed out", what);
	ck_assert_msg(r->exit_status == 2, "%s: exit %d, not 2 (stderr: %s)",
	    what, r->exit_status, r->err);
	ck_assert_msg(r->out_len == 0, "%s: stdout not empty: %s", what,
	    r->out);
	ck_assert_msg(count_newlines(r->err, r->err_len) == 1 &&
	    r->err[r->err_len - 1] == '\n',
	    "%s: stderr is not exactly one line: \"%s\"", what, r->err);
	ck_assert_msg(strncmp(r->err, "scrape: ", 8) == 0,
	    "%s: message does not start with \"scrape: \": %s", what, r->err);
	ck_assert_msg(strstr(r->err, name1) != NULL ||
	    (name2 != NULL && strstr(r->err, name2) != NULL),
	    "%s: message does not name %s: %s", what, name1, r->err);
	ck_assert_msg(server_stat(srv, "requests") == 0,
	    "%s: the server got requests", what);
}

/*
 * `tail -f urls | scrape` works: a URL is fetched and its line written
 * while standard input is still open, and the rest follows once more
 * input comes.
 */
START_TEST(test_stdin_is_streamed)
{
	const char *const argv[] = { NULL };
	char *u1 = server_url(srv, "/ok/1"), *u2 = server_url(srv, "/ok/2");
	char *l1 = xasprintf("%s\n", u1), *l2 = xasprintf("%s\n", u2);
	struct proc *p = proc_start(argv, true);
	struct lines *lines;
	struct run *r;

	proc_write_stdin(p, l1, strlen(l1));
	ck_assert_msg(proc_wait_stdout_lines(p, 1, 10),
	    "no result line while standard input is open");
	lines = lines_parse(proc_stdout(p, NULL), strlen(proc_stdout(p, NULL)));
	ck_assert_uint_eq(lines->n, 1);
	assert_fetched_ok(lines_find(lines, u1), u1);
	lines_free(lines);

	proc_write_stdin(p, l2, strlen(l2));
	proc_close_stdin(p);
	r = proc_finish(p, RUN_TIMEOUT);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 0);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 2);
	assert_fetched_ok(lines_find(lines, u2), u2);
	ck_assert_uint_eq(lines_count_url(lines, u1), 1);
	lines_free(lines);
	run_free(r);
	free(u1), free(u2), free(l1), free(l2);
}
END_TEST

/* "A last line without a newline still counts", from a pipe or a file. */
START_TEST(test_partial_last_line)
{
	char *u1 = server_url(srv, "/ok/first"), *u2 = server_url(srv, "/ok/last");
	char *text = xasprintf("%s\n%s", u1, u2);
	char *path = list_file(text);
	struct lines *lines;
	struct run *r;

	r = run_scrapef(text, RUN_TIMEOUT, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 0);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 2);
	assert_fetched_ok(lines_find(lines, u2), u2);
	lines_free(lines);
	run_free(r);

	r = run_scrapef(NULL, RUN_TIMEOUT, path, NULL);
	ck_assert_int_eq(r->exit_status, 0);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 2);
	assert_fetched_ok(lines_find(lines, u2), u2);
	lines_free(lines);
	run_free(r);
	drop_file(path);
	free(u1), free(u2), free(text);
}
END_TEST

/*
 * Several FILEs and '-' are read in the order given, each URL once; with
 * one transfer at a time the results come out in that order.
 */
START_TEST(test_files_and_stdin_in_order)
{
	char *a = server_url_list(srv, 3, "/ok/a%zu");
	char *s = server_url_list(srv, 3, "/ok/s%zu");
	char *b = server_url_list(srv, 3, "/ok/b%zu");
	char *fa = list_file(a), *fb = list_file(b);
	const char *order[] = { "a0", "a1", "a2", "s0", "s1", "s2",
	    "b0", "b1", "b2" };
	struct lines *lines;
	struct run *r;

	r = run_scrapef(s, RUN_TIMEOUT, "-c", "1", fa, "-", fb, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 0);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 9);
	for (size_t i = 0; i < 9; i++) {
		char *path = xasprintf("/ok/%s", order[i]);
		char *url = server_url(srv, path);

		ck_assert_uint_eq(lines_count_url(lines, url), 1);
		ck_assert_str_eq(jstr(lines->items[i], "url"), url);
		assert_fetched_ok(lines->items[i], url);
		free(path);
		free(url);
	}
	lines_free(lines);
	run_free(r);
	drop_file(fa);
	drop_file(fb);
	free(a), free(s), free(b);
}
END_TEST

/*
 * Surrounding spaces, tabs and CRs are trimmed ("url" is the trimmed
 * text exactly); blank, white-space-only and comment lines (indented
 * ones too) give no result line and no request.
 */
START_TEST(test_trimming_and_skipping)
{
	char *u1 = server_url(srv, "/ok/spaces");
	char *u2 = server_url(srv, "/ok/tabs");
	char *u3 = server_url(srv, "/ok/crlf");
	char *c1 = server_url(srv, "/ok/comment1");
	char *c2 = server_url(srv, "/ok/comment2");
	char *c3 = server_url(srv, "/ok/comment3");
	char *text = xasprintf(
	    "   %s   \n"
	    "\n"
	    "\t%s\t\t\n"
	    "   \t  \n"
	    "\r\n"
	    "#%s\n"
	    "   # %s\n"
	    "\t#\t%s\r\n"
	    "%s\r\n"
	    " \t \r\n",
	    u1, u2, c1, c2, c3, u3);
	char *path = list_file(text);
	struct lines *lines;
	struct run *r;

	r = run_scrapef(NULL, RUN_TIMEOUT, path, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 0);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 3);
	assert_fetched_ok(lines_find(lines, u1), u1);
	assert_fetched_ok(lines_find(lines, u2), u2);
	assert_fetched_ok(lines_find(lines, u3), u3);
	ck_assert_int_eq(server_stat(srv, "requests"), 3);
	lines_free(lines);
	run_free(r);
	drop_file(path);
	free(text);
	free(u1), free(u2), free(u3), free(c1), free(c2), free(c3);
}
END_TEST

/*
 * Lines that are not fetchable http(s) URLs (other schemes, garbage, no
 * host, a tab or DEL inside) each get an invalid_url line with 0
 * attempts and a null status, are never requested, and do not stop the
 * valid lines around them from being fetched; the run exits 1.
 */
START_TEST(test_invalid_lines_do_not_stop_the_run)
{
	char *v1 = server_url(srv, "/ok/v1"), *v2 = server_url(srv, "/ok/v2");
	char *tab = server_url(srv, "/ok/a\tb");
	char *del = server_url(srv, "/ok/d\x7f" "el");
	const char *bad[] = { "ftp://x/", "file:///etc/passwd", "not a url",
	    "http://", tab, del };
	size_t nbad = sizeof bad / sizeof bad[0];
	char *text = xasprintf("%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n", v1,
	    bad[0], bad[1], bad[2], bad[3], bad[4], bad[5], v2);
	char *path = list_file(text);
	struct lines *lines;
	struct run *r;

	r = run_scrapef(NULL, RUN_TIMEOUT, path, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 1);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, nbad + 2);
	for (size_t i = 0; i < nbad; i++) {
		ck_assert_uint_eq(lines_count_url(lines, bad[i]), 1);
		assert_invalid(lines_find(lines, bad[i]), bad[i]);
	}
	assert_fetched_ok(lines_find(lines, v1), v1);
	assert_fetched_ok(lines_find(lines, v2), v2);
	ck_assert_int_eq(server_stat(srv, "requests"), 2);
	ck_assert_ptr_nonnull(strstr(r->err, "invalid_url 6"));
	lines_free(lines);
	run_free(r);
	drop_file(path);
	free(text), free(v1), free(v2), free(tab), free(del);
}
END_TEST

/*
 * A NUL byte inside a line makes it invalid_url, and the line still
 * survives as valid JSON: the NUL is written as \u0000 inside "url".
 */
START_TEST(test_nul_byte_in_line)
{
	char *ok = server_url(srv, "/ok/after-nul");
	char *prefix = server_url(srv, "/ok/n");
	char *head = xasprintf("%s\n", ok);
	size_t hlen = strlen(head), plen = strlen(prefix);
	char data[512];
	char *expect = xasprintf("\"url\":\"%s\\u0000ul\"", prefix);
	char *path, *line, *nl;
	struct lines *lines;
	struct run *r;

	/* ok URL, then "<prefix>\0ul\n" */
	memcpy(data, head, hlen);
	memcpy(data + hlen, prefix, plen);
	memcpy(data + hlen + plen, "\0ul\n", 4);
	path = tmpfile_write(data, hlen + plen + 4);
	r = run_scrapef(NULL, RUN_TIMEOUT, path, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 1);
	lines = lines_parse(r->out, r->out_len);	/* valid JSON, UTF-8 */
	ck_assert_uint_eq(lines->n, 2);
	assert_fetched_ok(lines_find(lines, ok), ok);
	lines_free(lines);
	line = strstr(r->out, expect);
	ck_assert_msg(line != NULL, "no line with %s in: %s", expect, r->out);
	nl = strchr(line, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	ck_assert_msg(strstr(line, "\"invalid_url\"") != NULL,
	    "the NUL line is not invalid_url: %s", line);
	ck_assert_msg(strstr(line, "\"attempts\":0") != NULL,
	    "the NUL line was tried: %s", line);
	ck_assert_int_eq(server_stat(srv, "requests"), 1);
	run_free(r);
	drop_file(path);
	free(ok), free(prefix), free(head), free(expect);
}
END_TEST

/*
 * Bytes that are not UTF-8 make a line invalid_url; its "url" shows them
 * as U+FFFD and the output stays valid UTF-8 (lines_parse checks).
 */
START_TEST(test_invalid_utf8_line)
{
	char *ok = server_url(srv, "/ok/fine");
	char *bad = server_url(srv, "/ok/x\xffy");
	char *shown = server_url(srv, "/ok/x\xef\xbf\xbdy");
	char *text = xasprintf("%s\n%s\n", bad, ok);
	char *path = list_file(text);
	struct lines *lines;
	struct run *r;

	r = run_scrapef(NULL, RUN_TIMEOUT, path, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 1);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 2);
	assert_invalid(lines_find(lines, shown), "invalid UTF-8 line");
	assert_fetched_ok(lines_find(lines, ok), ok);
	ck_assert_int_eq(server_stat(srv, "requests"), 1);
	lines_free(lines);
	run_free(r);
	drop_file(path);
	free(ok), free(bad), free(shown), free(text);
}
END_TEST

/*
 * The length limit: a trimmed line of 8192 bytes is fetched; one of 8193
 * is invalid_url and its "url" holds its first 8192 bytes.
 */
START_TEST(test_line_length_limit)
{
	char *base = server_url(srv, "/ok/");
	size_t blen = strlen(base);
	char *fits = malloc(8192 + 1), *over = malloc(8193 + 1);
	char *text, *path;
	struct lines *lines;
	struct run *r;

	memcpy(fits, base, blen);
	memset(fits + blen, 'a', 8192 - blen);
	fits[8192] = '\0';
	memcpy(over, base, blen);
	memset(over + blen, 'b', 8193 - blen);
	over[8193] = '\0';
	text = xasprintf("%s\n%s\n", over, fits);
	path = list_file(text);

	r = run_scrapef(NULL, RUN_TIMEOUT, path, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 1);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 2);
	ck_assert_msg(lines_find(lines, fits) != NULL,
	    "no line for the 8192-byte URL");
	ck_assert_int_eq(jint(lines_find(lines, fits), "status"), 200);
	ck_assert(jbool(lines_find(lines, fits), "ok"));
	over[8192] = '\0';	/* what "url" must hold */
	ck_assert_msg(lines_find(lines, over) != NULL,
	    "no line whose url is the first 8192 bytes of the long line");
	assert_invalid(lines_find(lines, over), "8193-byte line");
	ck_assert_int_eq(server_stat(srv, "requests"), 1);
	lines_free(lines);
	run_free(r);
	drop_file(path);
	free(base), free(fits), free(over), free(text);
}
END_TEST

/*
 * A long list: 3000 URLs at -c 32 give 3000 lines, each URL exactly
 * once, all ok, exit 0, and the totals line counts them.
 */
START_TEST(test_large_list)
{
	enum { N = 3000 };
	char *list = server_url_list(srv, N, "/ok/%zu");
	char *prefix = server_url(srv, "/ok/");
	size_t plen = strlen(prefix);
	char *path = list_file(list), *last;
	static bool seen[N];
	struct lines *lines;
	struct run *r;

	r = run_scrapef(NULL, RUN_TIMEOUT, "-c", "32", path, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 0);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, N);
	memset(seen, 0, sizeof seen);
	for (size_t i = 0; i < lines->n; i++) {
		const char *url = jstr(lines->items[i], "url");
		char *end;
		long k;

		ck_assert_ptr_nonnull(url);
		ck_assert_msg(strncmp(url, prefix, plen) == 0, "odd url %s",
		    url);
		k = strtol(url + plen, &end, 10);
		ck_assert_msg(*end == '\0' && k >= 0 && k < N, "odd url %s",
		    url);
		ck_assert_msg(!seen[k], "%s reported twice", url);
		seen[k] = true;
		ck_assert_msg(jbool(lines->items[i], "ok"), "%s not ok", url);
	}
	last = last_line(r->err);
	ck_assert_msg(strncmp(last, "scraped 3000 URLs", 17) == 0,
	    "last stderr line: %s", last);
	free(last);
	lines_free(lines);
	run_free(r);
	drop_file(path);
	free(list), free(prefix);
}
END_TEST

/* Empty input, or input of only comments and blanks: no line, exit 0. */
START_TEST(test_empty_input)
{
	const char *inputs[] = { "", "# just a comment\n\n   # another\n\t\r\n" };

	for (size_t i = 0; i < 2; i++) {
		struct run *r = run_scrapef(inputs[i], RUN_TIMEOUT, NULL);

		ck_assert(!r->timed_out);
		ck_assert_int_eq(r->exit_status, 0);
		ck_assert_uint_eq(r->out_len, 0);
		ck_assert_msg(strstr(r->err, "scraped 0 URLs") != NULL,
		    "no totals line: %s", r->err);
		run_free(r);
	}
}
END_TEST

/*
 * Malformed or out-of-range values, unknown options, a missing value and
 * bad headers are usage errors: one line naming the option, exit 2,
 * nothing fetched although the list is fine.
 */
START_TEST(test_usage_errors)
{
	static const struct {
		const char	*args[3];
		const char	*name1, *name2;
	} cases[] = {
		{ { "-c", "0" }, "-c", "--concurrency" },
		{ { "-c", "abc" }, "-c", "--concurrency" },
		{ { "-t", "-1" }, "-t", "--timeout" },
		{ { "--retries", "101" }, "-r", "--retries" },
		{ { "--nope" }, "--nope", NULL },
		{ { "-c" }, "-c", "--concurrency" },
		{ { "--max-size", "0" }, "--max-size", NULL },
		{ { "-H", "NoColon" }, "-H", "--header" },
		{ { "-H", "X: a\r\nY: b" }, "-H", "--header" },
	};
	char *url = server_url(srv, "/ok/usage");
	char *text = xasprintf("%s\n", url);
	char *path = list_file(text);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *argv[5] = { path };
		size_t n = 1;
		struct run *r;
		char what[128];

		for (size_t k = 0; k < 3 && cases[i].args[k] != NULL; k++)
			argv[n++] = cases[i].args[k];
		argv[n] = NULL;
		snprintf(what, sizeof what, "case %zu (%s %s)", i,
		    cases[i].args[0], cases[i].args[1] ? cases[i].args[1] : "");
		r = run_scrape(NULL, 0, RUN_TIMEOUT, argv);
		assert_usage_error(r, what, cases[i].name1, cases[i].name2);
		run_free(r);
	}
	drop_file(path);
	free(url), free(text);
}
END_TEST

/*
 * All FILEs are opened before anything is fetched: a missing one after
 * a good one, or a directory, is a usage error naming it, and nothing is
 * fetched.
 */
START_TEST(test_unopenable_input_file)
{
	char *url = server_url(srv, "/ok/first-file");
	char *text = xasprintf("%s\n", url);
	char *good = list_file(text);
	const char *missing = "/nonexistent-scrape-test/urls.txt";
	char *dir = strdup("/tmp/scrape-test-dir-XXXXXX");
	struct run *r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	r = run_scrapef(NULL, RUN_TIMEOUT, good, missing, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 2);
	ck_assert_uint_eq(r->out_len, 0);
	ck_assert_msg(count_newlines(r->err, r->err_len) == 1,
	    "not one line: %s", r->err);
	ck_assert_msg(strstr(r->err, missing) != NULL,
	    "message does not name the file: %s", r->err);
	ck_assert_int_eq(server_stat(srv, "requests"), 0);
	run_free(r);

	r = run_scrapef(NULL, RUN_TIMEOUT, good, dir, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 2);
	ck_assert_uint_eq(r->out_len, 0);
	ck_assert_msg(count_newlines(r->err, r->err_len) == 1,
	    "not one line: %s", r->err);
	ck_assert_msg(strstr(r->err, dir) != NULL,
	    "message does not name the directory: %s", r->err);
	ck_assert_int_eq(server_stat(srv, "requests"), 0);
	run_free(r);

	rmdir(dir);
	free(dir);
	drop_file(good);
	free(url), free(text);
}
END_TEST

/* -o FILE: the lines go to FILE, truncated first; stdout stays empty. */
START_TEST(test_output_file)
{
	char *list = server_url_list(srv, 2, "/ok/o%zu");
	char *in = list_file(list);
	char junk[20000];
	char *out, *got;
	size_t len;
	struct lines *lines;
	struct run *r;

	memset(junk, '~', sizeof junk - 1);
	junk[sizeof junk - 1] = '\0';
	out = list_file(junk);
	r = run_scrapef(NULL, RUN_TIMEOUT, "-o", out, in, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 0);
	ck_assert_uint_eq(r->out_len, 0);
	got = file_read(out, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_null(strchr(got, '~'));	/* the old text is gone */
	lines = lines_parse(got, len);
	ck_assert_uint_eq(lines->n, 2);
	for (size_t i = 0; i < 2; i++)
		ck_assert(jbool(lines->items[i], "ok"));
	lines_free(lines);
	free(got);
	run_free(r);
	drop_file(out);
	drop_file(in);
	free(list);
}
END_TEST

/*
 * An -o FILE that cannot be opened is exit 3 with one line naming it and
 * nothing fetched; an output that fails on write (/dev/full) is exit 3
 * with a message about it, and no summary.
 */
START_TEST(test_output_errors)
{
	const char *bad = "/nonexistent-scrape-test-dir/x";
	char *list = server_url_list(srv, 3, "/ok/e%zu");
	char *in = list_file(list);
	struct run *r;

	r = run_scrapef(NULL, RUN_TIMEOUT, "-o", bad, in, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 3);
	ck_assert_uint_eq(r->out_len, 0);
	ck_assert_msg(count_newlines(r->err, r->err_len) == 1,
	    "not one line: %s", r->err);
	ck_assert_msg(strstr(r->err, bad) != NULL, "does not name %s: %s", bad,
	    r->err);
	ck_assert_int_eq(server_stat(srv, "requests"), 0);
	run_free(r);

	r = run_scrapef(NULL, RUN_TIMEOUT, "-o", "/dev/full", in, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 3);
	ck_assert_uint_eq(r->out_len, 0);
	ck_assert_msg(strstr(r->err, "/dev/full") != NULL,
	    "message does not mention the output: %s", r->err);
	ck_assert_msg(strstr(r->err, "scraped ") == NULL,
	    "a summary after an output error: %s", r->err);
	run_free(r);
	drop_file(in);
	free(list);
}
END_TEST

/*
 * --report FILE is one JSON document whose counts and failure list agree
 * with the result lines (ok, a 404 and an invalid line).
 */
START_TEST(test_report_agrees_with_lines)
{
	char *ok1 = server_url(srv, "/ok/r1"), *ok2 = server_url(srv, "/ok/r2");
	char *nf = server_url(srv, "/status/404");
	const char *inv = "ftp://nowhere/";
	char *text = xasprintf("%s\n%s\n%s\n%s\n", ok1, nf, inv, ok2);
	char *in = list_file(text), *report = list_file("stale");
	cJSON *doc, *errors, *failures, *f;
	struct lines *lines;
	struct run *r;
	char *got;
	size_t nok = 0;

	r = run_scrapef(NULL, RUN_TIMEOUT, "--report", report, in, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 1);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 4);
	for (size_t i = 0; i < lines->n; i++)
		nok += jbool(lines->items[i], "ok");
	ck_assert_uint_eq(nok, 2);
	ck_assert_str_eq(jkind(lines_find(lines, nf)), "http");
	ck_assert_str_eq(jkind(lines_find(lines, inv)), "invalid_url");

	got = file_read(report, NULL);
	ck_assert_ptr_nonnull(got);
	doc = cJSON_Parse(got);
	ck_assert_msg(doc != NULL, "report is not JSON: %s", got);
	ck_assert_int_eq(jint(doc, "total"), 4);
	ck_assert_int_eq(jint(doc, "ok"), 2);
	ck_assert_int_eq(jint(doc, "failed"), 2);
	ck_assert_int_eq(jint(doc, "retries"), 0);
	ck_assert(jnum(doc, "elapsed_s") >= 0);
	errors = cJSON_GetObjectItemCaseSensitive(doc, "errors");
	ck_assert(cJSON_IsObject(errors));
	ck_assert_int_eq(cJSON_GetArraySize(errors), 2);
	ck_assert_int_eq(jint(errors, "http"), 1);
	ck_assert_int_eq(jint(errors, "invalid_url"), 1);
	failures = cJSON_GetObjectItemCaseSensitive(doc, "failures");
	ck_assert(cJSON_IsArray(failures));
	ck_assert_int_eq(cJSON_GetArraySize(failures), 2);
	cJSON_ArrayForEach(f, failures) {
		const char *url = jstr(f, "url");
		const cJSON *line;

		ck_assert_ptr_nonnull(url);
		line = lines_find(lines, url);
		ck_assert_msg(line != NULL, "report names %s, no line does",
		    url);
		ck_assert(!jbool(line, "ok"));
		ck_assert_str_eq(jstr(f, "kind"), jkind(line));
		ck_assert_str_eq(jstr(f, "message"), jmessage(line));
		ck_assert_int_eq(jint(f, "attempts"), jint(line, "attempts"));
		ck_assert_int_eq(jint(f, "status"), jint(line, "status"));
		ck_assert(jnull(f, "status") == jnull(line, "status"));
	}
	cJSON_Delete(doc);
	free(got);
	lines_free(lines);
	run_free(r);
	drop_file(in);
	drop_file(report);
	free(ok1), free(ok2), free(nf), free(text);
}
END_TEST

/* -q: nothing at all on standard error, even with failures; still exit 1. */
START_TEST(test_quiet)
{
	char *ok = server_url(srv, "/ok/q"), *nf = server_url(srv, "/status/404");
	char *text = xasprintf("%s\n%s\nnot a url\n", ok, nf);
	struct lines *lines;
	struct run *r;

	r = run_scrapef(text, RUN_TIMEOUT, "-q", NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 1);
	ck_assert_msg(r->err_len == 0, "stderr with -q: %s", r->err);
	lines = lines_parse(r->out, r->out_len);
	ck_assert_uint_eq(lines->n, 3);
	lines_free(lines);
	run_free(r);
	free(ok), free(nf), free(text);
}
END_TEST

/*
 * `scrape ... | head -n 1`: head gets one JSON line, scrape stops
 * quietly with status 141 long before the list is done.
 */
START_TEST(test_closed_stdout)
{
	const char *bin = getenv("SCRAPE_BIN");
	char *list = server_url_list(srv, 200, "/delay/50/%zu");
	char *in = list_file(list), *errfile = list_file("");
	char *cmd = xasprintf("\"$SCRAPE_BIN\" -c 4 '%s' 2>'%s' | head -n 1;"
	    " echo \"status=${PIPESTATUS[0]}\"", in, errfile);
	char buf[65536], *first_nl, *err;
	size_t len = 0;
	int fds[2], status;
	struct lines *lines;
	struct timespec t0;
	double deadline;
	pid_t pid;

	if (bin == NULL || *bin == '\0')
		bin = "./src/scrape";
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* A user's shell: SIGPIPE at its default, no proxy. */
		signal(SIGPIPE, SIG_DFL);
		setenv("SCRAPE_BIN", bin, 1);
		unsetenv("http_proxy");
		unsetenv("HTTP_PROXY");
		unsetenv("all_proxy");
		unsetenv("ALL_PROXY");
		setenv("NO_PROXY", "*", 1);
		setenv("no_proxy", "*", 1);
		dup2(fds[1], 1);
		execlp("timeout", "timeout", "20", "bash", "-c", cmd,
		    (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	deadline = t0.tv_sec + t0.tv_nsec / 1e9 + 25;
	for (;;) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		struct timespec t;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		ck_assert_msg(t.tv_sec + t.tv_nsec / 1e9 < deadline,
		    "the pipeline did not end");
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fds[0], buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		ck_assert(len < sizeof buf - 1);
	}
	buf[len] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the pipeline failed or timed out (status %d): %s", status, buf);
	first_nl = strchr(buf, '\n');
	ck_assert_msg(first_nl != NULL, "no output: %s", buf);
	lines = lines_parse(buf, (size_t)(first_nl - buf + 1));
	ck_assert_uint_eq(lines->n, 1);
	ck_assert(jbool(lines->items[0], "ok"));
	lines_free(lines);
	ck_assert_msg(strcmp(first_nl + 1, "status=141\n") == 0,
	    "after the line, expected status=141, got: %s", first_nl + 1);
	ck_assert_int_lt(server_stat(srv, "requests"), 200);
	err = file_read(errfile, NULL);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(*err == '\0', "scrape did not stop quietly: %s", err);
	free(err);
	drop_file(in);
	drop_file(errfile);
	free(list), free(cmd);
}
END_TEST

/*
 * Exit statuses and the totals line: 0 when every URL is ok, 1 when one
 * is a 404, the counts in the summary matching.
 */
START_TEST(test_exit_status_and_totals)
{
	char *ok = server_url_list(srv, 2, "/ok/x%zu");
	char *nf = server_url(srv, "/status/404");
	char *mixed = xasprintf("%s%s\n", ok, nf);
	struct run *r;
	char *last;

	r = run_scrapef(ok, RUN_TIMEOUT, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 0);
	last = last_line(r->err);
	ck_assert_msg(strncmp(last, "scraped 2 URLs", 14) == 0 &&
	    strstr(last, ": 2 ok, 0 failed, 0 retries") != NULL,
	    "totals: %s", last);
	free(last);
	run_free(r);

	r = run_scrapef(mixed, RUN_TIMEOUT, NULL);
	ck_assert(!r->timed_out);
	ck_assert_int_eq(r->exit_status, 1);
	last = last_line(r->err);
	ck_assert_msg(strncmp(last, "scraped 3 URLs", 14) == 0 &&
	    strstr(last, ": 2 ok, 1 failed (http 1), 0 retries") != NULL,
	    "totals: %s", last);
	ck_assert_msg(strstr(r->err, nf) != NULL,
	    "the failure is not listed: %s", r->err);
	free(last);
	run_free(r);
	free(ok), free(nf), free(mixed);
}
END_TEST

/* A FILE that fails part way (reading /proc/self/mem says EIO): one line
 * naming it, the other FILEs still read and fetched, exit 2. */
START_TEST(test_read_error_mid_run)
{
	char *a = server_url(srv, "/ok/a");
	char *b = server_url(srv, "/ok/b");
	char *la = NULL, *lb = NULL;
	char *pa, *pb;
	struct run *run;
	struct lines *lines;

	if (asprintf(&la, "%s\n", a) < 0 || asprintf(&lb, "%s\n", b) < 0)
		ck_abort();
	pa = tmpfile_write(la, strlen(la));
	pb = tmpfile_write(lb, strlen(lb));
	run = run_scrapef(NULL, 20, pa, "/proc/self/mem", pb, NULL);
	ck_assert_int_eq(run->exit_status, 2);
	ck_assert_ptr_nonnull(strstr(run->err,
	    "scrape: cannot read '/proc/self/mem': "));
	lines = lines_parse(run->out, run->out_len);
	ck_assert_uint_eq(lines->n, 2);
	ck_assert(jbool(lines_find(lines, a), "ok"));
	ck_assert(jbool(lines_find(lines, b), "ok"));
	lines_free(lines);
	run_free(run);
	unlink(pa);
	unlink(pb);
	free(pa);
	free(pb);
	free(la);
	free(lb);
	free(a);
	free(b);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("input");
	TCase *tc = tcase_create("input");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_stdin_is_streamed);
	tcase_add_test(tc, test_partial_last_line);
	tcase_add_test(tc, test_files_and_stdin_in_order);
	tcase_add_test(tc, test_trimming_and_skipping);
	tcase_add_test(tc, test_invalid_lines_do_not_stop_the_run);
	tcase_add_test(tc, test_nul_byte_in_line);
	tcase_add_test(tc, test_invalid_utf8_line);
	tcase_add_test(tc, test_line_length_limit);
	tcase_add_test(tc, test_large_list);
	tcase_add_test(tc, test_empty_input);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_unopenable_input_file);
	tcase_add_test(tc, test_output_file);
	tcase_add_test(tc, test_output_errors);
	tcase_add_test(tc, test_report_agrees_with_lines);
	tcase_add_test(tc, test_quiet);
	tcase_add_test(tc, test_closed_stdout);
	tcase_add_test(tc, test_exit_status_and_totals);
	tcase_add_test(tc, test_read_error_mid_run);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
