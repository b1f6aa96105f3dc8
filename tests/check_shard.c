/*
 * Sharding and order (SPEC.md, "Sharding across machines" and "Order"):
 * --shard K/N and --ordered, against the test server with many hosts on
 * loopback.
 *
 * libcurl resolves every *.localhost name to 127.0.0.1 itself, so
 * h0.localhost ... h19.localhost are twenty hosts for scrape and one
 * server here, which counts each Host on its own. Shards are run one at
 * a time against one server, its counters reset before each, so every
 * request a host's counter shows came from the run of one shard: that is
 * how "no request for another shard's URL reaches the server" is seen
 * from the outside. The shard a host belongs to is computed here with
 * FNV-1a 64 written afresh from the SPEC, not with scrape's code.
 */
#define _GNU_SOURCE
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define NHOSTS		20
#define NURLS		200

/* ---- Helpers ---- */

/* "http://HOST:PORT/path", malloc'd. */
static char *
hurl(const char *host, const char *path)
{
	return server_host_url(srv, host, path);
}

/* The SPEC's shard of a host key: FNV-1a 64 over its bytes, mod n, + 1. */
static unsigned long
spec_shard(const char *key, unsigned long n)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return (unsigned long)(h % n) + 1;
}

/* The lines a streamed scrape wrote so far (the caller frees them). */
static struct lines *
proc_lines(const struct proc *p)
{
	size_t len;
	const char *out = proc_stdout(p, &len);

	return lines_parse(out, len);
}

/* Complete lines a streamed scrape wrote so far. */
static int
proc_nlines(const struct proc *p)
{
	size_t len;
	const char *out = proc_stdout(p, &len);
	int n = 0;

	for (size_t i = 0; i < len; i++)
		n += out[i] == '\n';
	return n;
}

/* Keep a streamed scrape's pipes moving for secs. */
static void
pump(struct proc *p, double secs)
{
	proc_wait_stdout_lines(p, INT_MAX, secs);
}

/* Keep the pipes moving until host (NULL: any) has had a request, 10 s
 * at most: the timed windows below start from there, not from the
 * spawn, as scrape under valgrind takes over a second to start. */
static void
pump_until_started(struct proc *p, const char *host)
{
	double end = mono() + 10;

	while ((host != NULL ? server_host_stat(srv, host, "requests") :
	    server_stat(srv, "requests")) < 1) {
		ck_assert_msg(mono() < end, "scrape made no request in 10 s");
		pump(p, 0.02);
	}
}

/* The lines are exactly the URLs urls[0..n), in that order. */
static void
assert_in_order(const struct lines *lines, char **urls, size_t n)
{
	ck_assert_msg(lines->n == n, "%zu lines, wanted %zu", lines->n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(strcmp(jstr(lines->items[i], "url"), urls[i]) == 0,
		    "line %zu is %s, wanted %s", i, jstr(lines->items[i], "url"),
		    urls[i]);
}

static void
free_urls(char **urls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
}

/* ---- The partition fixture: 200 URLs over 20 hosts, and bad lines ---- */

static const char *const bad_lines[] = {
	"not a url", "ftp://h3.localhost/x", "http://", "mailto:a@h1.localhost",
};
#define NBAD	(sizeof bad_lines / sizeof bad_lines[0])

struct fixture {
	char *list;
	char *urls[NURLS + NBAD];   /* every input line, as "url" shows it */
	int host_of[NURLS];         /* urls[i]'s host index, i < NURLS */
	long per_host[NHOSTS];      /* URLs of each host */
};

static void
fixture_make(struct fixture *f)
{
	char host[32], path[32];
	size_t b = 0;

	memset(f, 0, sizeof *f);
	for (int i = 0; i < NURLS; i++) {
		/* Hosts interleaved and uneven: host i*7 mod 20, so no
		 * host's URLs are all together. */
		int h = (i * 7 + i / 20) % NHOSTS;

		snprintf(host, sizeof host, "h%d.localhost", h);
		snprintf(path, sizeof path, "/ok/%d", i);
		f->urls[i] = hurl(host, path);
		f->host_of[i] = h;
		f->per_host[h]++;
		cat(&f->list, xasprintf("%s\n", f->urls[i]));
		/* A bad line every 50 URLs. */
		if (i % 50 == 25 && b < NBAD) {
			f->urls[NURLS + b] = strdup(bad_lines[b]);
			cat(&f->list, xasprintf("%s\n", bad_lines[b]));
			b++;
		}
	}
	ck_assert_uint_eq(b, NBAD);
}

static void
fixture_free(struct fixture *f)
{
	for (size_t i = 0; i < NURLS + NBAD; i++)
		free(f->urls[i]);
	free(f->list);
}

/* ---- Partition and union ---- */

/*
 * Promise: N runs over the same input, one per shard, write between them
 * exactly one line per input line; every host is fetched by exactly one
 * of them, the one the SPEC's FNV-1a rule names, and no request for
 * another shard's URL reaches the server; invalid lines come out of
 * shard 1 only. For N = 1, 2, 3 and 7.
 */
START_TEST(test_partition_and_union)
{
	static const unsigned long ns[] = { 1, 2, 3, 7 };
	unsigned long n = ns[_i];
	struct fixture f;
	size_t count[NURLS + NBAD];
	int hosts_in_shard[NHOSTS];
	char host[32];

	fixture_make(&f);
	memset(count, 0, sizeof count);
	for (int h = 0; h < NHOSTS; h++)
		hosts_in_shard[h] = 0;

	for (unsigned long k = 1; k <= n; k++) {
		char *shard = xasprintf("%lu/%lu", k, n);
		struct lines *lines;
		struct run *run;
		size_t expect_lines = k == 1 ? NBAD : 0;

		server_stats_reset(srv);
		run = scrape_args(f.list, &lines, "--shard", shard, "-c", "20",
		    "-q", NULL);
		ck_assert_msg(run->exit_status == (k == 1 ? 1 : 0),
		    "shard %s: exit %d: %s", shard, run->exit_status, run->err);
		for (size_t i = 0; i < lines->n; i++) {
			const char *u = jstr(lines->items[i], "url");
			size_t j;

			for (j = 0; j < NURLS + NBAD; j++)
				if (strcmp(f.urls[j], u) == 0)
					break;
			ck_assert_msg(j < NURLS + NBAD, "shard %s: stray line "
			    "%s", shard, u);
			count[j]++;
			if (j >= NURLS) {
				ck_assert_msg(k == 1, "shard %s: bad line %s "
				    "outside shard 1", shard, u);
				ck_assert_str_eq(jkind(lines->items[i]),
				    "invalid_url");
				continue;
			}
			snprintf(host, sizeof host, "h%d.localhost",
			    f.host_of[j]);
			ck_assert_msg(spec_shard(host, n) == k, "shard %s: %s "
			    "belongs to shard %lu", shard, u,
			    spec_shard(host, n));
			ck_assert_msg(jbool(lines->items[i], "ok"), "%s not ok",
			    u);
		}
		/* The server's view: each host's requests all come from
		 * its own shard's run, every one of its URLs once. */
		for (int h = 0; h < NHOSTS; h++) {
			long req;

			snprintf(host, sizeof host, "h%d.localhost", h);
			req = server_host_stat(srv, host, "requests");
			if (spec_shard(host, n) == k) {
				ck_assert_msg(req == f.per_host[h], "shard %s: "
				    "%s got %ld requests, wanted %ld", shard,
				    host, req, f.per_host[h]);
				hosts_in_shard[h]++;
				expect_lines += (size_t)f.per_host[h];
			} else {
				ck_assert_msg(req == 0, "shard %s: %s (shard "
				    "%lu) got %ld requests", shard, host,
				    spec_shard(host, n), req);
			}
		}
		ck_assert_uint_eq(lines->n, expect_lines);
		ck_assert_int_eq(server_stat(srv, "requests"),
		    (long)expect_lines - (k == 1 ? (long)NBAD : 0));
		lines_free(lines);
		run_free(run);
		free(shard);
	}
	for (size_t j = 0; j < NURLS + NBAD; j++)
		ck_assert_msg(count[j] == 1, "N=%lu: %s came out %zu times", n,
		    f.urls[j], count[j]);
	for (int h = 0; h < NHOSTS; h++)
		ck_assert_int_eq(hosts_in_shard[h], 1);
	fixture_free(&f);
}
END_TEST

/*
 * Promise: each shard's output can be --resume'd on its own. Shard 2/3
 * writes to its own file and is interrupted; run again with the same
 * file it fetches only what has no final line there, and the file ends
 * with exactly one final line per URL of shard 2 and nothing of the
 * others. Shard 1's file, beside it, is neither read nor written.
 */
START_TEST(test_shard_resume)
{
	const char *k = "2/3";
	char *list = NULL, *urls[60];
	char *out = tmpfile_write("", 0), *other, *text;
	const char *argv[16];
	struct lines *lines;
	struct proc *p;
	struct run *run;
	size_t nmine = 0, cancelled = 0, i;
	char host[32], path[32];
	int mine[60];

	for (i = 0; i < 60; i++) {
		snprintf(host, sizeof host, "h%zu.localhost", i % 12);
		snprintf(path, sizeof path, "/delay/300/%zu", i);
		urls[i] = hurl(host, path);
		mine[i] = spec_shard(host, 3) == 2;
		nmine += (size_t)mine[i];
		cat(&list, xasprintf("%s\n", urls[i]));
	}
	ck_assert_uint_gt(nmine, 5);
	other = tmpfile_write("shard 1's, untouched\n", 21);

	/* First run: interrupted after about two rounds of -c 4. */
	i = 0;
	argv[i++] = "--shard"; argv[i++] = k; argv[i++] = "-c"; argv[i++] = "4";
	argv[i++] = "-q"; argv[i++] = "--resume"; argv[i++] = out;
	argv[i] = NULL;
	p = proc_start(argv, true);
	proc_write_stdin(p, list, strlen(list));
	proc_close_stdin(p);
	pump_until_started(p, NULL);
	pump(p, 0.8);
	proc_kill(p, SIGINT);
	run = proc_finish(p, 10);
	ck_assert(!run->timed_out);
	ck_assert_int_eq(run->exit_status, 130);
	run_free(run);
	text = file_read(out, NULL);
	lines = lines_parse(text, strlen(text));
	ck_assert_uint_eq(lines->n, nmine);
	for (i = 0; i < lines->n; i++)
		cancelled += jkind(lines->items[i]) != NULL &&
		    strcmp(jkind(lines->items[i]), "cancelled") == 0;
	ck_assert_msg(cancelled > 0 && cancelled < nmine,
	    "%zu of %zu cancelled: the interruption missed", cancelled,
	    nmine);
	lines_free(lines);
	free(text);

	/* Second run: only the cancelled ones are fetched. */
	server_stats_reset(srv);
	run = run_scrapef(list, 30, "--shard", k, "-c", "4", "-q", "--resume",
	    out, NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(run->out_len, 0);
	run_free(run);
	ck_assert_int_eq(server_stat(srv, "requests"), (long)cancelled);
	for (i = 0; i < 12; i++) {
		snprintf(host, sizeof host, "h%zu.localhost", i);
		if (spec_shard(host, 3) != 2)
			ck_assert_int_eq(server_host_stat(srv, host,
			    "requests"), 0);
	}
	text = file_read(out, NULL);
	lines = lines_parse(text, strlen(text));
	ck_assert_uint_eq(lines->n, nmine + cancelled);
	for (i = 0; i < 60; i++) {
		size_t finals = 0;

		for (size_t j = 0; j < lines->n; j++)
			if (strcmp(jstr(lines->items[j], "url"), urls[i]) == 0 &&
			    (jkind(lines->items[j]) == NULL ||
			    strcmp(jkind(lines->items[j]), "cancelled") != 0))
				finals++;
		ck_assert_msg(finals == (size_t)mine[i], "%s: %zu final lines",
		    urls[i], finals);
	}
	lines_free(lines);
	free(text);
	text = file_read(other, NULL);
	ck_assert_str_eq(text, "shard 1's, untouched\n");
	free(text);
	unlink(other);
	free(other);
	unlink(out);
	free(out);
	free(list);
	for (i = 0; i < 60; i++)
		free(urls[i]);
}
END_TEST

/*
 * Promise: a malformed or out-of-range --shard is a usage error: exit 2,
 * one line on standard error naming --shard, nothing on standard output,
 * nothing fetched.
 */
START_TEST(test_usage_errors)
{
	static const char *const bad[] = {
		"0/3", "4/3", "3", "a/b", "1/0", "1/100001", "", "/3", "1/",
		"-1/3", "1/3x", "1/3/1", "100001/100001",
	};
	char *list = server_host_url_list(srv, "h1.localhost", 3, "/ok/%zu");
	struct run *run;
	char *nl;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		run = run_scrapef(list, 10, "--shard", bad[i], NULL);
		ck_assert_msg(run->exit_status == 2, "--shard '%s': exit %d",
		    bad[i], run->exit_status);
		ck_assert_msg(run->out_len == 0, "--shard '%s': output: %s",
		    bad[i], run->out);
		nl = strchr(run->err, '\n');
		ck_assert_msg(nl != NULL && nl[1] == '\0',
		    "--shard '%s': not one line: %s", bad[i], run->err);
		ck_assert_msg(strstr(run->err, "--shard") != NULL,
		    "--shard '%s': the message does not name it: %s", bad[i],
		    run->err);
		run_free(run);
	}
	/* The bounds themselves are fine. */
	run = run_scrapef(list, 10, "--shard", "100000/100000", "-q", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	run_free(run);
	run = run_scrapef(list, 10, "--shard", "1/1", "-q", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "requests"), 3 +
	    (spec_shard("h1.localhost", 100000) == 100000 ? 3 : 0));
	run_free(run);
	free(list);
}
END_TEST

/* ---- --ordered ---- */

/*
 * Promise: --ordered writes the lines in input order. Ten URLs with
 * decreasing delays (500 ms down to 50 ms) all in flight at once finish
 * in reverse; with --ordered they come out as listed, and without it
 * (the control) they do not.
 */
START_TEST(test_ordered_order)
{
	enum { N = 10 };
	char **urls = calloc(N, sizeof *urls), *list = NULL, path[32];
	struct lines *lines;
	struct run *run;

	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof path, "/delay/%d", 500 - 50 * i);
		urls[i] = hurl("h1.localhost", path);
		cat(&list, xasprintf("%s\n", urls[i]));
	}
	run = scrape_args(list, &lines, "--ordered", "-c", "20", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	assert_in_order(lines, urls, N);
	lines_free(lines);
	run_free(run);

	run = scrape_args(list, &lines, "-c", "20", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, N);
	ck_assert_msg(strcmp(jstr(lines->items[0], "url"), urls[N - 1]) == 0,
	    "control: the fastest URL was not first without --ordered");
	lines_free(lines);
	run_free(run);
	free(list);
	free_urls(urls, N);
}
END_TEST

/*
 * Promise: a line waits only for the ones before it. A slow first URL
 * (1.5 s) and 20 fast ones: nothing is written while the first is in
 * flight, though the others are done; when it finishes, all 21 come out
 * at once, in order.
 */
START_TEST(test_ordered_streaming)
{
	enum { N = 21 };
	char **urls = calloc(N, sizeof *urls), *list = NULL, path[32];
	const char *argv[] = { "--ordered", "-c", "30", "-q", NULL };
	struct lines *lines;
	struct proc *p;
	struct run *run;
	double t0;

	urls[0] = hurl("h1.localhost", "/delay/1500/first");
	for (int i = 1; i < N; i++) {
		snprintf(path, sizeof path, "/ok/%d", i);
		urls[i] = hurl("h2.localhost", path);
	}
	for (int i = 0; i < N; i++)
		cat(&list, xasprintf("%s\n", urls[i]));
	p = proc_start(argv, true);
	t0 = mono();
	proc_write_stdin(p, list, strlen(list));
	pump_until_started(p, "h1.localhost");
	/* The fast ones are done long before 1 s ... */
	pump(p, 1.0);
	ck_assert_int_eq(server_host_stat(srv, "h2.localhost", "requests"),
	    N - 1);
	/* ... and held. */
	ck_assert_msg(proc_nlines(p) == 0, "%d lines out while the first "
	    "was in flight", proc_nlines(p));
	ck_assert_msg(proc_wait_stdout_lines(p, 1, 5), "the first never came");
	ck_assert_msg(mono() - t0 >= 1.4, "a line came out after %.2f s",
	    mono() - t0);
	/* The rest came with it (one write), or right after. */
	ck_assert_msg(proc_wait_stdout_lines(p, N, 0.2), "only %d lines "
	    "soon after the first", proc_nlines(p));
	lines = proc_lines(p);
	assert_in_order(lines, urls, N);
	lines_free(lines);
	run = proc_finish(p, 10);
	ck_assert_int_eq(run->exit_status, 0);
	run_free(run);
	free(list);
	free_urls(urls, N);
}
END_TEST

/*
 * Promise: at most --lookahead lines are held, and reading pauses when
 * that many are waiting, so a slow URL stalls new starts rather than
 * growing memory. --ordered --lookahead 5, a first URL of 2 s, then 100
 * fast ones streamed: while the first is out, the server sees the first
 * and at most 4 more (5 read and not written), then everything comes,
 * in order.
 */
START_TEST(test_ordered_lookahead_bound)
{
	enum { N = 101 };
	char **urls = calloc(N, sizeof *urls), *list = NULL, path[32];
	const char *argv[] = { "--ordered", "--lookahead", "5", "-c", "50",
	    "-q", NULL };
	struct lines *lines;
	struct proc *p;
	struct run *run;
	long seen;

	urls[0] = hurl("h1.localhost", "/delay/2000/first");
	for (int i = 1; i < N; i++) {
		snprintf(path, sizeof path, "/ok/%d", i);
		urls[i] = hurl("h2.localhost", path);
	}
	for (int i = 0; i < N; i++)
		cat(&list, xasprintf("%s\n", urls[i]));
	p = proc_start(argv, true);
	proc_write_stdin(p, list, strlen(list));
	pump_until_started(p, "h1.localhost");
	pump(p, 1.0);
	seen = server_stat(srv, "requests");
	ck_assert_msg(seen >= 2 && seen <= 5, "%ld requests while the first "
	    "was held (--lookahead 5)", seen);
	ck_assert_int_eq(proc_nlines(p), 0);
	proc_close_stdin(p);
	ck_assert_msg(proc_wait_stdout_lines(p, N, 10), "only %d lines",
	    proc_nlines(p));
	lines = proc_lines(p);
	assert_in_order(lines, urls, N);
	lines_free(lines);
	run = proc_finish(p, 10);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "requests"), N);
	run_free(run);
	free(list);
	free_urls(urls, N);
}
END_TEST

/*
 * Promise: on a signal, held lines are written, in order, before the
 * cancelled ones. A slow first URL, ten fast ones, then five slow ones:
 * at SIGINT the ten are done and held; they come out first, in input
 * order, then the six cancelled; exit 130; every URL exactly once.
 */
START_TEST(test_ordered_sigint)
{
	enum { N = 16 };
	char **urls = calloc(N, sizeof *urls), *list = NULL, path[32];
	const char *argv[] = { "--ordered", "-c", "30", "-q", NULL };
	struct lines *lines;
	struct proc *p;
	struct run *run;

	urls[0] = hurl("h1.localhost", "/delay/10000/first");
	for (int i = 1; i < 11; i++) {
		snprintf(path, sizeof path, "/ok/%d", i);
		urls[i] = hurl("h2.localhost", path);
	}
	for (int i = 11; i < N; i++) {
		snprintf(path, sizeof path, "/delay/10000/%d", i);
		urls[i] = hurl("h3.localhost", path);
	}
	for (int i = 0; i < N; i++)
		cat(&list, xasprintf("%s\n", urls[i]));
	p = proc_start(argv, true);
	proc_write_stdin(p, list, strlen(list));
	proc_close_stdin(p);
	pump_until_started(p, "h1.localhost");
	pump(p, 1.0);
	ck_assert_int_eq(server_host_stat(srv, "h2.localhost", "requests"), 10);
	ck_assert_int_eq(proc_nlines(p), 0);
	proc_kill(p, SIGINT);
	run = proc_finish(p, 10);
	ck_assert(!run->timed_out);
	ck_assert_int_eq(run->exit_status, 130);
	lines = lines_parse(run->out, run->out_len);
	ck_assert_uint_eq(lines->n, N);
	for (int i = 1; i < 11; i++) {
		ck_assert_str_eq(jstr(lines->items[i - 1], "url"), urls[i]);
		ck_assert(jbool(lines->items[i - 1], "ok"));
	}
	for (size_t i = 10; i < N; i++)
		ck_assert_str_eq(jkind(lines->items[i]), "cancelled");
	for (int i = 0; i < N; i++)
		ck_assert_uint_eq(lines_count_url(lines, urls[i]), 1);
	lines_free(lines);
	run_free(run);
	free(list);
	free_urls(urls, N);
}
END_TEST

/*
 * Promise: --ordered works with the host gate and robots.txt: three rob-*
 * hosts at --per-host 2 --robots, delays decreasing down the list and a
 * few /private URLs robots.txt denies; lines come out in input order
 * (denied ones in their place), each host never has more than 2 in
 * flight, and its robots.txt is fetched once.
 */
START_TEST(test_ordered_with_hosts_and_robots)
{
	enum { N = 30 };
	static const char *const hosts[] = { "rob-a.localhost",
	    "rob-b.localhost", "rob-c.localhost" };
	char **urls = calloc(N, sizeof *urls), *list = NULL, path[48];
	struct lines *lines;
	struct run *run;

	for (int i = 0; i < N; i++) {
		if (i % 7 == 3)
			snprintf(path, sizeof path, "/private/%d", i);
		else
			snprintf(path, sizeof path, "/delay/%d/%d",
			    300 - 10 * i, i);
		urls[i] = hurl(hosts[i % 3], path);
		cat(&list, xasprintf("%s\n", urls[i]));
	}
	run = scrape_args(list, &lines, "--ordered", "--per-host", "2",
	    "--robots", "-c", "20", NULL);
	ck_assert_int_eq(run->exit_status, 1);     /* robots denials */
	assert_in_order(lines, urls, N);
	for (int i = 0; i < N; i++) {
		if (i % 7 == 3) {
			ck_assert_str_eq(jkind(lines->items[i]), "robots");
			ck_assert_int_eq(jint(lines->items[i], "attempts"), 0);
		} else {
			ck_assert_msg(jbool(lines->items[i], "ok"), "%s not ok",
			    urls[i]);
		}
	}
	for (int h = 0; h < 3; h++) {
		ck_assert_int_le(server_host_stat(srv, hosts[h],
		    "max_inflight"), 2);
		ck_assert_int_eq(server_host_stat(srv, hosts[h], "robots"), 1);
	}
	lines_free(lines);
	run_free(run);
	free(list);
	free_urls(urls, N);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("shard");
	TCase *shard = tcase_create("shard");
	TCase *ordered = tcase_create("ordered");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(shard, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(shard, 60);
	tcase_add_loop_test(shard, test_partition_and_union, 0, 4);
	tcase_add_test(shard, test_shard_resume);
	tcase_add_test(shard, test_usage_errors);
	suite_add_tcase(suite, shard);

	tcase_add_checked_fixture(ordered, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(ordered, 60);
	tcase_add_test(ordered, test_ordered_order);
	tcase_add_test(ordered, test_ordered_streaming);
	tcase_add_test(ordered, test_ordered_lookahead_bound);
	tcase_add_test(ordered, test_ordered_sigint);
	tcase_add_test(ordered, test_ordered_with_hosts_and_robots);
	suite_add_tcase(suite, ordered);

	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
