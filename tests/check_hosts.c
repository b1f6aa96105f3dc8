/*
 * Hosts (SPEC.md, "Hosts: limits, pacing, circuit breaker"): --per-host,
 * --rate, --host-rate, --adaptive, --breaker, --robots, --host-key,
 * --lookahead, against the test server with several hosts on loopback.
 *
 * libcurl resolves every *.localhost name to 127.0.0.1 itself, so
 * h1.localhost, h2.localhost, ... are distinct hosts for scrape while one
 * test server answers them all; it tells them apart by the Host header
 * and counts each on its own (requests, in flight, the highest in flight,
 * 429s, robots.txt fetches, and when each request arrived). Every claim
 * about timing is measured by the server's arrival times, never by the
 * test's wall clock, and only where the SPEC states a rule (pacing: two
 * starts under one limit are never closer than U/N, 5 ms tolerance).
 *
 * The first tests need no host option at all: they prove the server's
 * side (per-host counters, /cap, /control, the robots.txt fixtures) with
 * plain scrape, so a failure in the others is scrape's.
 */
#define _GNU_SOURCE
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define PACE_SLACK_MS	5.0	/* the SPEC's pacing tolerance */
/* Arrival times at the server are start times plus the time each
 * request took to get there, which varies with the load on a 2-core
 * machine running the suite in parallel (and under valgrind): gaps
 * measured there get this much more slack.  A burst would show as a gap
 * near 0, far below it. */
#define ARRIVAL_JITTER_MS	15.0
/* A host's first request also waits for its name to be resolved and its
 * connection opened: the gap after it can shrink by that much more. */
#define FIRST_REQUEST_MS	50.0

/* ---- Helpers ---- */

/* Whether scrape runs under a wrapper (make check-valgrind sets
 * SCRAPE_REAL_BIN): valgrind's start-up and first-run costs shift
 * arrival times by up to ~100 ms, so gaps between arrivals say nothing
 * about pacing there; make check and the sanitizer run check them. */
static bool
under_wrapper(void)
{
	return getenv("SCRAPE_REAL_BIN") != NULL;
}

/* "http://HOST:PORT/path\n" */
static char *
hline(const char *host, const char *path)
{
	char *u = server_host_url(srv, host, path), *l = xasprintf("%s\n", u);

	free(u);
	return l;
}

/* The line of host's path; the test fails if there is none. */
static cJSON *
line_of(const struct lines *lines, const char *host, const char *path)
{
	char *u = server_host_url(srv, host, path);
	cJSON *o = lines_find(lines, u);

	ck_assert_msg(o != NULL, "no line for %s", u);
	free(u);
	return o;
}

/* Where host's path came out (0: first line). */
static size_t
position_of(const struct lines *lines, const char *host, const char *path)
{
	char *u = server_host_url(srv, host, path);
	size_t i;

	for (i = 0; i < lines->n; i++)
		if (strcmp(jstr(lines->items[i], "url"), u) == 0)
			break;
	ck_assert_msg(i < lines->n, "no line for %s", u);
	free(u);
	return i;
}

/* A line that is ok. */
static void
assert_ok(const cJSON *o)
{
	ck_assert_msg(jbool(o, "ok"), "%s: not ok: %s: %s", jstr(o, "url"),
	    jkind(o) ? jkind(o) : "-", jmessage(o) ? jmessage(o) : "-");
}

/* A line that failed with kind after attempts attempts. */
static void
assert_kind(const cJSON *o, const char *kind, long attempts)
{
	ck_assert_msg(!jbool(o, "ok"), "%s: ok, wanted %s", jstr(o, "url"),
	    kind);
	ck_assert_msg(jkind(o) != NULL && strcmp(jkind(o), kind) == 0,
	    "%s: kind %s, wanted %s", jstr(o, "url"),
	    jkind(o) ? jkind(o) : "null", kind);
	ck_assert_msg(jint(o, "attempts") == attempts,
	    "%s: %ld attempts, wanted %ld", jstr(o, "url"),
	    jint(o, "attempts"), attempts);
}

/* A URL denied by robots.txt: kind robots, never tried, no status. */
static void
assert_robots(const cJSON *o)
{
	assert_kind(o, "robots", 0);
	ck_assert(jnull(o, "status"));
}

/* Every gap between consecutive arrival times in a[from..n) is at least
 * min_ms less the arrival jitter; a gap after a[0], a host's first
 * request, less its connection's set-up too. */
static void
assert_gaps(const double *a, size_t from, size_t n, double min_ms,
    const char *what)
{
	size_t i;

	if (under_wrapper())
		return;
	for (i = from + 1; i < n; i++) {
		double want = min_ms - ARRIVAL_JITTER_MS -
		    (i == 1 ? FIRST_REQUEST_MS : 0);

		ck_assert_msg(a[i] - a[i - 1] >= want,
		    "%s: requests %zu and %zu arrived %.1f ms apart (< %.1f)",
		    what, i - 1, i, a[i] - a[i - 1], want);
	}
}

/* The same over the merged arrivals of several hosts, leaving out the
 * gaps next to a host's first request (firsts: their times). */
static void
assert_merged_gaps(const double *a, size_t n, const double *firsts,
    size_t nfirsts, double min_ms, const char *what)
{
	if (under_wrapper())
		return;
	for (size_t i = 1; i < n; i++) {
		bool first = false;

		for (size_t k = 0; k < nfirsts; k++)
			if (a[i] == firsts[k] || a[i - 1] == firsts[k])
				first = true;
		if (first)
			continue;
		ck_assert_msg(a[i] - a[i - 1] >= min_ms - ARRIVAL_JITTER_MS,
		    "%s: requests %zu and %zu arrived %.1f ms apart (< %.1f)",
		    what, i - 1, i, a[i] - a[i - 1],
		    min_ms - ARRIVAL_JITTER_MS);
	}
}

/* Keep a streamed scrape's pipes moving for secs. */
static void
pump(struct proc *p, double secs)
{
	proc_wait_stdout_lines(p, INT_MAX, secs);
}

/* Write one URL of host to a streamed scrape. */
static void
feed(struct proc *p, const char *host, const char *path)
{
	char *l = hline(host, path);

	proc_write_stdin(p, l, strlen(l));
	free(l);
}

/* The lines a streamed scrape wrote so far (the caller frees them). */
static struct lines *
proc_lines(const struct proc *p)
{
	size_t len;
	const char *out = proc_stdout(p, &len);

	return lines_parse(out, len);
}

/* Wait for n lines of a streamed scrape (10 s at most) and parse them. */
static struct lines *
wait_lines(struct proc *p, int n)
{
	ck_assert_msg(proc_wait_stdout_lines(p, n, 10),
	    "fewer than %d lines came out; stderr: %s", n, proc_stderr(p, NULL));
	return proc_lines(p);
}

/* ---- The server's side, with plain scrape ---- */

/*
 * Each Host has its own counters: plain scrape -c 10 over three hosts
 * (URLs sorted by host) is counted per host, arrival times in order, and
 * the "domain" view of localhost sums them all. Plain scrape has no
 * per-host limit, so each host sees several requests at once.
 */
START_TEST(test_server_counts_hosts)
{
	const char *hosts[] = { "h1.localhost", "h2.localhost", "h3.localhost" };
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	double *a;
	size_t i, j, n;

	for (i = 0; i < 3; i++)
		cat(&list, server_host_url_list(srv, hosts[i], 5,
		    "/delay/200/%zu"));
	run = scrape_args(list, &lines, "-c", "10", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 15);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(server_host_stat(srv, hosts[i], "requests"), 5);
		ck_assert_int_eq(server_host_stat(srv, hosts[i], "inflight"), 0);
		ck_assert_int_ge(server_host_stat(srv, hosts[i],
		    "max_inflight"), 2);
		ck_assert_int_eq(server_host_stat(srv, hosts[i], "robots"), 0);
		a = server_host_arrivals(srv, hosts[i], &n);
		ck_assert_uint_eq(n, 5);
		for (j = 1; j < n; j++)
			ck_assert(a[j] >= a[j - 1]);
		free(a);
	}
	ck_assert_int_eq(server_domain_stat(srv, "localhost", "requests"), 15);
	a = server_domain_arrivals(srv, "localhost", &n);
	ck_assert_uint_eq(n, 15);
	for (j = 1; j < n; j++)
		ck_assert(a[j] >= a[j - 1]);
	free(a);
	/* A host never seen: zeros and no arrivals. */
	ck_assert_int_eq(server_host_stat(srv, "h4.localhost", "requests"), 0);
	ck_assert_ptr_null(server_host_arrivals(srv, "h4.localhost", &n));
	ck_assert_uint_eq(n, 0);
	/* A reset forgets them. */
	server_stats_reset(srv);
	ck_assert_int_eq(server_host_stat(srv, "h1.localhost", "requests"), 0);
	ck_assert_int_eq(server_host_stat(srv, "h1.localhost", "max_inflight"),
	    0);
	ck_assert_int_eq(server_domain_stat(srv, "localhost", "requests"), 0);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * /stats/domain/NAME counts NAME and every host under it: a.d1 and b.d1
 * are one domain, c.d2 another.
 */
START_TEST(test_server_domain_view)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;

	cat(&list, server_host_url_list(srv, "a.d1.localhost", 3, "/ok/%zu"));
	cat(&list, server_host_url_list(srv, "b.d1.localhost", 2, "/ok/%zu"));
	cat(&list, server_host_url_list(srv, "c.d2.localhost", 4, "/ok/%zu"));
	run = scrape_args(list, &lines, NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_host_stat(srv, "a.d1.localhost", "requests"), 3);
	ck_assert_int_eq(server_domain_stat(srv, "d1.localhost", "requests"), 5);
	ck_assert_int_eq(server_domain_stat(srv, "d2.localhost", "requests"), 4);
	ck_assert_int_eq(server_host_stat(srv, "d1.localhost", "requests"), 0);
	ck_assert_int_eq(server_domain_stat(srv, "localhost", "requests"), 9);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * /cap/K/MS serves K requests of a host at a time and answers the rest
 * 429 at once: plain scrape -c 10 -r 0 sends 10 at once, 3 get served, 7
 * get 429, and the server counts those 7 as "rejected". Another host has
 * its own K. /cap-ra adds Retry-After: a 429 retried waits for it.
 */
START_TEST(test_server_cap)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	size_t i, ok = 0, rejected = 0;
	cJSON *o;

	cat(&list, server_host_url_list(srv, "c1.localhost", 10,
	    "/cap/3/500/%zu"));
	cat(&list, server_host_url_list(srv, "c2.localhost", 2,
	    "/cap/3/500/%zu"));
	run = scrape_args(list, &lines, "-c", "20", "-r", "0", NULL);
	ck_assert_uint_eq(lines->n, 12);
	for (i = 0; i < lines->n; i++) {
		o = lines->items[i];
		if (strstr(jstr(o, "url"), "c2.localhost") != NULL) {
			assert_ok(o);
			continue;
		}
		if (jbool(o, "ok"))
			ok++;
		else {
			ck_assert_int_eq(jint(o, "status"), 429);
			rejected++;
		}
	}
	ck_assert_uint_eq(ok, 3);
	ck_assert_uint_eq(rejected, 7);
	ck_assert_int_eq(server_host_stat(srv, "c1.localhost", "rejected"), 7);
	ck_assert_int_eq(server_host_stat(srv, "c2.localhost", "rejected"), 0);
	lines_free(lines);
	run_free(run);
	free(list);

	/* K 0: always 429, with Retry-After: 1, which the retry honours. */
	list = hline("c3.localhost", "/cap-ra/0/1/0/x");
	run = scrape_args(list, &lines, "-r", "1", "--retry-delay", "0.01",
	    NULL);
	o = line_of(lines, "c3.localhost", "/cap-ra/0/1/0/x");
	assert_kind(o, "http", 2);
	ck_assert_int_eq(jint(o, "status"), 429);
	ck_assert_msg(jnum(o, "elapsed_ms") >= 1000, "waited %.1f ms",
	    jnum(o, "elapsed_ms"));
	ck_assert_int_eq(server_host_stat(srv, "c3.localhost", "rejected"), 2);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * /control/down/HOST makes every request for that host a 503 (robots.txt
 * too) until /control/up/HOST; other hosts are not affected.
 */
START_TEST(test_server_control_down_up)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;

	server_control(srv, "down", "d1.localhost");
	cat(&list, hline("d1.localhost", "/ok"));
	cat(&list, hline("d1.localhost", "/robots.txt"));
	cat(&list, hline("d2.localhost", "/ok"));
	run = scrape_args(list, &lines, "-r", "0", NULL);
	ck_assert_int_eq(jint(line_of(lines, "d1.localhost", "/ok"), "status"),
	    503);
	ck_assert_int_eq(jint(line_of(lines, "d1.localhost", "/robots.txt"),
	    "status"), 503);
	assert_ok(line_of(lines, "d2.localhost", "/ok"));
	ck_assert_int_eq(server_host_stat(srv, "d1.localhost", "requests"), 2);
	ck_assert_int_eq(server_host_stat(srv, "d1.localhost", "robots"), 1);
	lines_free(lines);
	run_free(run);

	server_control(srv, "up", "d1.localhost");
	run = scrape_args(list, &lines, "-r", "0", NULL);
	assert_ok(line_of(lines, "d1.localhost", "/ok"));
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * The robots.txt fixtures, fetched as plain URLs: what each host name
 * prefix serves (see tests/testserver.c), so the --robots tests below
 * rest on known files.
 */
START_TEST(test_server_robots_fixtures)
{
	static const char rob[] =
	    "# robots.txt of a rob-* host\n"
	    "User-agent: scrape\n"
	    "Disallow: /private\n"
	    "Allow: /private/ok\n"
	    "Disallow: /*.pdf$\n"
	    "\n"
	    "User-agent: *\n"
	    "Disallow: /\n";
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	const char *body;
	cJSON *o;

	cat(&list, hline("rob-a.localhost", "/robots.txt"));
	cat(&list, hline("rredir-a.localhost", "/robots.txt"));
	cat(&list, hline("rloop-a.localhost", "/robots.txt"));
	cat(&list, hline("r404-a.localhost", "/robots.txt"));
	cat(&list, hline("r500-a.localhost", "/robots.txt"));
	cat(&list, hline("rbig-a.localhost", "/robots.txt"));
	cat(&list, hline("rbin-a.localhost", "/robots.txt"));
	cat(&list, hline("rdelay-a.localhost", "/robots.txt"));
	cat(&list, hline("rslow-a.localhost", "/robots.txt"));
	cat(&list, hline("rendless-a.localhost", "/robots.txt"));
	cat(&list, hline("h1.localhost", "/robots.txt"));
	run = scrape_args(list, &lines, "--body", "-r", "0", "--max-redirs",
	    "5", "--max-size", "3M", NULL);
	ck_assert_uint_eq(lines->n, 11);

	o = line_of(lines, "rob-a.localhost", "/robots.txt");
	assert_ok(o);
	ck_assert_str_eq(jstr(o, "body"), rob);
	ck_assert_int_eq(server_host_stat(srv, "rob-a.localhost", "robots"), 1);

	/* Five redirects, then the same rules. */
	o = line_of(lines, "rredir-a.localhost", "/robots.txt");
	assert_ok(o);
	ck_assert_str_eq(jstr(o, "body"), rob);
	ck_assert_int_eq(server_host_stat(srv, "rredir-a.localhost",
	    "robots"), 6);

	/* A loop: more redirects than --max-redirs 5. */
	o = line_of(lines, "rloop-a.localhost", "/robots.txt");
	assert_kind(o, "redirect", 1);
	ck_assert_int_eq(server_host_stat(srv, "rloop-a.localhost",
	    "robots"), 6);

	ck_assert_int_eq(jint(line_of(lines, "r404-a.localhost",
	    "/robots.txt"), "status"), 404);
	ck_assert_int_eq(jint(line_of(lines, "r500-a.localhost",
	    "/robots.txt"), "status"), 500);
	ck_assert_int_eq(jint(line_of(lines, "h1.localhost", "/robots.txt"),
	    "status"), 404);

	/* 2 MiB; its Disallow: /secret only past 600 KiB. */
	o = line_of(lines, "rbig-a.localhost", "/robots.txt");
	assert_ok(o);
	ck_assert_int_eq(jint(o, "bytes"), 2 * 1024 * 1024);
	body = jstr(o, "body");
	ck_assert_int_eq(strncmp(body, "User-agent: *\nDisallow: /early\n",
	    31), 0);
	ck_assert_ptr_nonnull(strstr(body, "\nDisallow: /secret\n"));
	ck_assert_int_gt(strstr(body, "\nDisallow: /secret\n") - body,
	    600 * 1024);

	o = line_of(lines, "rbin-a.localhost", "/robots.txt");
	assert_ok(o);
	ck_assert_int_eq(jint(o, "bytes"), 64 * 1024);
	ck_assert_str_eq(jstr(o, "body_encoding"), "base64");

	o = line_of(lines, "rdelay-a.localhost", "/robots.txt");
	ck_assert_str_eq(jstr(o, "body"), "User-agent: *\nCrawl-delay: 0.3\n");

	/* Half a second late. */
	o = line_of(lines, "rslow-a.localhost", "/robots.txt");
	assert_ok(o);
	ck_assert_str_eq(jstr(o, "body"), "User-agent: *\nDisallow: /private\n");
	ck_assert_msg(jnum(o, "elapsed_ms") >= 490, "came in %.1f ms",
	    jnum(o, "elapsed_ms"));

	/* Never ends: only --max-size stops it. */
	o = line_of(lines, "rendless-a.localhost", "/robots.txt");
	assert_kind(o, "too_large", 1);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* ---- Limits ---- */

/*
 * Promise: --per-host 2 holds each host to 2 transfers at once, and the
 * cap is reached on several hosts at the same time: 3 hosts of slow URLs,
 * listed host by host, with -c 10: each host's highest in flight is
 * exactly 2, and the server sees 6 at once (never more).
 */
START_TEST(test_per_host_cap_held_and_reached)
{
	const char *hosts[] = { "h1.localhost", "h2.localhost", "h3.localhost" };
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	size_t i;

	for (i = 0; i < 3; i++)
		cat(&list, server_host_url_list(srv, hosts[i], 8,
		    "/delay/200/%zu"));
	run = scrape_args(list, &lines, "-c", "10", "--per-host", "2", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 24);
	for (i = 0; i < 3; i++)
		ck_assert_msg(server_host_stat(srv, hosts[i],
		    "max_inflight") == 2, "%s: %ld at once", hosts[i],
		    server_host_stat(srv, hosts[i], "max_inflight"));
	ck_assert_int_eq(server_stat(srv, "max_inflight"), 6);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: a host at its cap never holds back another host's URLs that
 * come later in the input. Ten slow URLs of h1, then one fast URL of h2,
 * with --per-host 1 -c 4: h2 need not wait for h1's queue, so its line
 * is among the first two (h1 finishes one URL per 300 ms).
 */
START_TEST(test_capped_host_does_not_stall_others)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;

	cat(&list, server_host_url_list(srv, "h1.localhost", 10,
	    "/delay/300/%zu"));
	cat(&list, hline("h2.localhost", "/ok"));
	run = scrape_args(list, &lines, "-c", "4", "--per-host", "1", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 11);
	ck_assert_msg(position_of(lines, "h2.localhost", "/ok") <= 1,
	    "h2's line came out at position %zu",
	    position_of(lines, "h2.localhost", "/ok"));
	ck_assert_int_eq(server_host_stat(srv, "h1.localhost", "max_inflight"),
	    1);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: a retry that comes due waits for its host's limits like any
 * other URL. With --per-host 1, URL A fails at once (503) and comes due
 * for its retry while URL B (slow) is in flight on the same host: the
 * retry must wait, so the host never has two requests at once.
 */
START_TEST(test_retry_waits_for_host_limit)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;

	cat(&list, hline("h1.localhost", "/flaky/a/1"));
	cat(&list, hline("h1.localhost", "/delay/500/b"));
	run = scrape_args(list, &lines, "--per-host", "1", "-r", "1",
	    "--retry-delay", "0.05", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(jint(line_of(lines, "h1.localhost", "/flaky/a/1"),
	    "attempts"), 2);
	ck_assert_int_eq(server_host_stat(srv, "h1.localhost", "requests"), 3);
	ck_assert_int_eq(server_host_stat(srv, "h1.localhost", "max_inflight"),
	    1);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: a per-attempt timeout starts when the attempt starts; time
 * held in scrape's own queues never counts. Five 400 ms URLs of one host
 * at --per-host 1 take 2 s in all, -t 1: every one is ok.
 */
START_TEST(test_timeout_not_counting_held_time)
{
	struct lines *lines;
	struct run *run;
	char *list = server_host_url_list(srv, "h1.localhost", 5,
	    "/delay/400/%zu");
	size_t i;

	run = scrape_args(list, &lines, "--per-host", "1", "-t", "1", "-r",
	    "0", NULL);
	ck_assert_uint_eq(lines->n, 5);
	for (i = 0; i < lines->n; i++)
		assert_ok(lines->items[i]);
	ck_assert_int_eq(run->exit_status, 0);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* ---- Pacing ---- */

/*
 * Promise: --host-rate 10/s starts one request of a host every 100 ms at
 * most (5 ms tolerance), measured by the server's arrival times; each
 * host is paced on its own, so two hosts together go twice as fast (some
 * pair of consecutive arrivals over both hosts is closer than 100 ms).
 */
START_TEST(test_host_rate_paces_each_host)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	double *a, *b, *all, min_gap = 1e9;
	size_t na, nb, nall, i;

	cat(&list, server_host_url_list(srv, "h1.localhost", 8, "/ok/%zu"));
	cat(&list, server_host_url_list(srv, "h2.localhost", 8, "/ok/%zu"));
	run = scrape_args(list, &lines, "--host-rate", "10/s", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	a = server_host_arrivals(srv, "h1.localhost", &na);
	b = server_host_arrivals(srv, "h2.localhost", &nb);
	ck_assert_uint_eq(na, 8);
	ck_assert_uint_eq(nb, 8);
	assert_gaps(a, 0, na, 100 - PACE_SLACK_MS, "h1 at 10/s");
	assert_gaps(b, 0, nb, 100 - PACE_SLACK_MS, "h2 at 10/s");
	all = server_domain_arrivals(srv, "localhost", &nall);
	ck_assert_uint_eq(nall, 16);
	for (i = 1; i < nall; i++)
		if (all[i] - all[i - 1] < min_gap)
			min_gap = all[i] - all[i - 1];
	ck_assert_msg(min_gap < 90, "the hosts were paced together: "
	    "closest arrivals %.1f ms apart", min_gap);
	free(a);
	free(b);
	free(all);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: --rate 20/s paces the whole run: over three hosts, no two
 * request starts closer than 50 ms (5 ms tolerance), whatever the host.
 */
START_TEST(test_rate_paces_whole_run)
{
	const char *hosts[] = { "h1.localhost", "h2.localhost", "h3.localhost" };
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	double *all, firsts[3];
	size_t i, n;

	for (i = 0; i < 3; i++)
		cat(&list, server_host_url_list(srv, hosts[i], 5, "/ok/%zu"));
	run = scrape_args(list, &lines, "--rate", "20/s", "-c", "10", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	for (i = 0; i < 3; i++) {
		size_t nh;
		double *h = server_host_arrivals(srv, hosts[i], &nh);

		ck_assert_uint_eq(nh, 5);
		firsts[i] = h[0];
		free(h);
	}
	all = server_domain_arrivals(srv, "localhost", &n);
	ck_assert_uint_eq(n, 15);
	assert_merged_gaps(all, n, firsts, 3, 50 - PACE_SLACK_MS,
	    "the run at 20/s");
	/* And over the whole run, no faster than 20/s: the first request,
	 * which opens a connection, may arrive late by as much as valgrind
	 * shifts a first run (a burst would take near 0 ms). */
	ck_assert_msg(all[n - 1] - all[0] >= 14 * 50 - PACE_SLACK_MS -
	    (under_wrapper() ? 100 : FIRST_REQUEST_MS),
	    "15 requests at 20/s in %.1f ms", all[n - 1] - all[0]);
	free(all);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: U may be a number and a unit: --rate 5/2s is one start every
 * 400 ms; --rate 120/m one every 500 ms.
 */
START_TEST(test_rate_units)
{
	struct lines *lines;
	struct run *run;
	char *list = server_host_url_list(srv, "h1.localhost", 4, "/ok/%zu");
	double *a;
	size_t n;

	run = scrape_args(list, &lines, "--rate", "5/2s", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	a = server_host_arrivals(srv, "h1.localhost", &n);
	ck_assert_uint_eq(n, 4);
	assert_gaps(a, 0, n, 400 - PACE_SLACK_MS, "--rate 5/2s");
	free(a);
	lines_free(lines);
	run_free(run);

	server_stats_reset(srv);
	run = scrape_args(list, &lines, "--host-rate", "120/m", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	a = server_host_arrivals(srv, "h1.localhost", &n);
	ck_assert_uint_eq(n, 4);
	assert_gaps(a, 0, n, 500 - PACE_SLACK_MS, "--host-rate 120/m");
	free(a);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* ---- --adaptive ---- */

/*
 * Promise: --adaptive backs off a host that pushes back. A host that
 * serves 4 at a time (/cap/4/100: 429 beyond that), 60 URLs, --per-host 8
 * -r 5: every URL ends ok and the host sees few 429s; the summary names
 * the host whose limit was lowered.
 *
 * The bound: the first 8 start together, 4 get 429 (one cut: 8 -> 4,
 * the other 429s answer requests started before it). From then the limit
 * saws between 2 and 5: +1 per round trip (2, 3, 4: 9 URLs served), the
 * 5th at once gets a 429 and halves it to 2. 56 URLs / 9 per cycle is
 * about 7 cycles, one 429 each: some 11 in all; 20 leaves room for
 * timing. Without --adaptive the same run gets over 200 429s (measured:
 * 222, and 2 URLs fail with -r 5), so the bound tells them apart.
 */
START_TEST(test_adaptive_few_429s)
{
	struct lines *lines;
	struct run *run;
	char *list = server_host_url_list(srv, "h1.localhost", 60,
	    "/cap/4/100/%zu");
	long rejected;
	size_t i;

	run = scrape_args(list, &lines, "--adaptive", "--per-host", "8",
	    "-r", "5", "--retry-delay", "0.05", NULL);
	ck_assert_uint_eq(lines->n, 60);
	for (i = 0; i < lines->n; i++)
		assert_ok(lines->items[i]);
	ck_assert_int_eq(run->exit_status, 0);
	rejected = server_host_stat(srv, "h1.localhost", "rejected");
	ck_assert_msg(rejected <= 20, "%ld 429s", rejected);
	ck_assert_msg(strstr(run->err, "h1.localhost") != NULL,
	    "the summary does not name the host: %s", run->err);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: with --adaptive, a Retry-After on a 429 pauses every new
 * request to that host until it has passed, and only that host. h1's
 * first URL gets a 429 with Retry-After: 1; none of h1's other URLs (nor
 * the retry) reaches the server within that second, while h2's five
 * URLs (100 ms each, one at a time) all arrive within it.
 */
START_TEST(test_retry_after_pauses_one_host)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	double *a, *b;
	size_t na, nb, i;

	cat(&list, hline("h1.localhost", "/retry-after/ra/1"));
	cat(&list, server_host_url_list(srv, "h1.localhost", 3, "/ok/%zu"));
	cat(&list, server_host_url_list(srv, "h2.localhost", 5,
	    "/delay/100/%zu"));
	run = scrape_args(list, &lines, "--adaptive", "--per-host", "1",
	    "-c", "4", "-r", "1", "--retry-delay", "0.05", NULL);
	ck_assert_uint_eq(lines->n, 9);
	for (i = 0; i < lines->n; i++)
		assert_ok(lines->items[i]);
	a = server_host_arrivals(srv, "h1.localhost", &na);
	b = server_host_arrivals(srv, "h2.localhost", &nb);
	ck_assert_uint_eq(na, 5);	/* the 429, its retry, 3 others */
	ck_assert_uint_eq(nb, 5);
	for (i = 1; i < na; i++)
		ck_assert_msg(a[i] - a[0] >= 1000 - PACE_SLACK_MS,
		    "h1's request %zu came %.1f ms after the 429", i,
		    a[i] - a[0]);
	for (i = 0; i < nb; i++)
		ck_assert_msg(b[i] < a[0] + 1000,
		    "h2's request %zu waited for h1's pause (%.1f ms after)",
		    i, b[i] - a[0]);
	free(a);
	free(b);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* ---- --breaker ---- */

/*
 * Promise: --breaker 3/SECS opens a host's circuit after 3 consecutive
 * failed attempts: its later URLs get kind circuit_open with 0 attempts
 * and are never sent; the summary (and the --report) names the host.
 * Another host goes on.
 * (--per-host 1 makes the attempts one after another, so exactly 3 are
 * made before the circuit opens.)
 */
START_TEST(test_breaker_opens)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL, *report, *text;
	cJSON *json;
	size_t i, failed = 0, open = 0;
	cJSON *o;

	server_control(srv, "down", "b1.localhost");
	cat(&list, server_host_url_list(srv, "b1.localhost", 10, "/ok/%zu"));
	cat(&list, server_host_url_list(srv, "h2.localhost", 5, "/ok/%zu"));
	report = tmpfile_write("", 0);
	run = scrape_args(list, &lines, "--breaker", "3/1", "-r", "0",
	    "--per-host", "1", "--report", report, NULL);
	ck_assert_uint_eq(lines->n, 15);
	for (i = 0; i < lines->n; i++) {
		o = lines->items[i];
		if (strstr(jstr(o, "url"), "h2.localhost") != NULL) {
			assert_ok(o);
			continue;
		}
		if (jkind(o) != NULL && strcmp(jkind(o), "circuit_open") == 0) {
			assert_kind(o, "circuit_open", 0);
			open++;
		} else {
			assert_kind(o, "http", 1);
			ck_assert_int_eq(jint(o, "status"), 503);
			failed++;
		}
	}
	ck_assert_uint_eq(failed, 3);
	ck_assert_uint_eq(open, 7);
	ck_assert_int_eq(server_host_stat(srv, "b1.localhost", "requests"), 3);
	ck_assert_int_eq(run->exit_status, 1);
	ck_assert_msg(strstr(run->err, "b1.localhost") != NULL,
	    "the summary does not name the host: %s", run->err);
	/* The report's "hosts" array names it too (issue 9). */
	text = file_read(report, NULL);
	ck_assert_ptr_nonnull(text);
	json = cJSON_Parse(text);
	ck_assert_msg(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(json,
	    "hosts")), "no \"hosts\" array in the report: %s", text);
	ck_assert_ptr_nonnull(strstr(text, "b1.localhost"));
	cJSON_Delete(json);
	free(text);
	unlink(report);
	free(report);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: --resume fetches circuit_open URLs again, as it does cancelled
 * ones, and not those with another final line. Run 1 (the host down,
 * --breaker 1) leaves one 503 and two circuit_open lines; with the host
 * back, run 2 sends exactly those two, and the file ends with one final
 * line per URL.
 */
START_TEST(test_breaker_resume_fetches_again)
{
	char *list = server_host_url_list(srv, "b1.localhost", 3, "/ok/%zu");
	char *out = tmpfile_write("", 0), *text;
	struct lines *lines;
	struct run *run;
	size_t i, open = 0, ok = 0;

	server_control(srv, "down", "b1.localhost");
	run = run_scrapef(list, 30, "--breaker", "1/30", "-r", "0",
	    "--per-host", "1", "--resume", out, NULL);
	ck_assert_int_eq(run->exit_status, 1);
	run_free(run);
	text = file_read(out, NULL);
	lines = lines_parse(text, strlen(text));
	ck_assert_uint_eq(lines->n, 3);
	for (i = 0; i < lines->n; i++)
		open += jkind(lines->items[i]) != NULL &&
		    strcmp(jkind(lines->items[i]), "circuit_open") == 0;
	ck_assert_uint_eq(open, 2);
	lines_free(lines);
	free(text);

	server_control(srv, "up", "b1.localhost");
	server_stats_reset(srv);
	run = run_scrapef(list, 30, "--breaker", "1/30", "-r", "0",
	    "--per-host", "1", "--resume", out, NULL);
	ck_assert_int_eq(run->exit_status, 0);
	run_free(run);
	ck_assert_int_eq(server_host_stat(srv, "b1.localhost", "requests"), 2);
	text = file_read(out, NULL);
	lines = lines_parse(text, strlen(text));
	ck_assert_uint_eq(lines->n, 5);
	for (i = 0; i < lines->n; i++)
		ok += jbool(lines->items[i], "ok");
	ck_assert_uint_eq(ok, 2);
	lines_free(lines);
	free(text);
	unlink(out);
	free(out);
	free(list);
}
END_TEST

/*
 * Promise: any outcome other than a retryable failure resets the count:
 * 503, 503, 200, 503, 503, 200 never makes 3 in a row, so nothing gets
 * circuit_open and every URL is sent.
 */
START_TEST(test_breaker_count_resets)
{
	static const char *paths[] = { "/status/503", "/status/503/a", "/ok",
	    "/status/503/b", "/status/503/c", "/ok/d" };
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	size_t i;

	for (i = 0; i < 6; i++)
		cat(&list, hline("h1.localhost", paths[i]));
	run = scrape_args(list, &lines, "--breaker", "3/30", "-r", "0",
	    "--per-host", "1", NULL);
	ck_assert_uint_eq(lines->n, 6);
	for (i = 0; i < lines->n; i++)
		ck_assert(jkind(lines->items[i]) == NULL ||
		    strcmp(jkind(lines->items[i]), "circuit_open") != 0);
	ck_assert_int_eq(server_host_stat(srv, "h1.localhost", "requests"), 6);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: a retry coming due while its host's circuit is open gets
 * circuit_open with the attempts it made. Two URLs fail together (2 of
 * --breaker 2/30), so their retries find the circuit open: attempts 1
 * each, and the server sees 2 requests only.
 */
START_TEST(test_breaker_retry_due_when_open)
{
	struct lines *lines;
	struct run *run;
	char *list = server_host_url_list(srv, "b1.localhost", 2, "/ok/%zu");
	size_t i;

	server_control(srv, "down", "b1.localhost");
	run = scrape_args(list, &lines, "--breaker", "2/30", "-r", "2",
	    "--retry-delay", "0.2", "--per-host", "2", NULL);
	ck_assert_uint_eq(lines->n, 2);
	for (i = 0; i < lines->n; i++)
		assert_kind(lines->items[i], "circuit_open", 1);
	ck_assert_int_eq(server_host_stat(srv, "b1.localhost", "requests"), 2);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: after SECS the circuit is half-open: one probe starts, the
 * host's other URLs wait for it, and its success closes the circuit.
 * Streamed: 3 URLs of a down host open the circuit (1 s); a 4th gets
 * circuit_open. The host comes back; after the cool-down, a slow probe
 * (300 ms) and 4 more URLs are written at once: all 5 ok, and the 4
 * reach the server only once the probe is answered, although
 * --per-host 4 would let them run beside it.
 */
START_TEST(test_breaker_half_open_probe)
{
	const char *argv[] = { "--breaker", "3/1", "-r", "0", "--per-host",
	    "4", NULL };
	struct proc *p = proc_start(argv, true);
	struct lines *lines;
	struct run *run;
	double *a;
	size_t i, n;

	server_control(srv, "down", "b1.localhost");
	for (i = 0; i < 3; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/ok/%zu", i);
		feed(p, "b1.localhost", path);
	}
	lines = wait_lines(p, 3);
	for (i = 0; i < 3; i++)
		assert_kind(lines->items[i], "http", 1);
	lines_free(lines);
	feed(p, "b1.localhost", "/ok/open");
	lines = wait_lines(p, 4);
	assert_kind(line_of(lines, "b1.localhost", "/ok/open"), "circuit_open",
	    0);
	lines_free(lines);
	ck_assert_int_eq(server_host_stat(srv, "b1.localhost", "requests"), 3);

	server_control(srv, "up", "b1.localhost");
	pump(p, 1.3);
	server_stats_reset(srv);
	feed(p, "b1.localhost", "/delay/300/probe");
	for (i = 0; i < 4; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/ok/after%zu", i);
		feed(p, "b1.localhost", path);
	}
	lines = wait_lines(p, 9);
	for (i = 4; i < 9; i++) {
		assert_ok(lines->items[i]);
		ck_assert_int_eq(jint(lines->items[i], "attempts"), 1);
	}
	lines_free(lines);
	a = server_host_arrivals(srv, "b1.localhost", &n);
	ck_assert_uint_eq(n, 5);
	for (i = 1; i < n; i++)
		ck_assert_msg(a[i] - a[0] >= 300 - PACE_SLACK_MS,
		    "URL %zu started %.1f ms after the probe, before its end",
		    i, a[i] - a[0]);
	free(a);
	run = proc_finish(p, 10);
	ck_assert(!run->timed_out);
	ck_assert_int_eq(run->exit_status, 1);
	run_free(run);
}
END_TEST

/*
 * Promise: a failed probe opens the circuit again for twice as long. The
 * host stays down: 3 failures open it for 1 s; the probe after that
 * fails and opens it for 2 s; URLs written 1.5 s after the probe's
 * failure still get circuit_open and are not sent (with 1 s they would
 * be), and one written 2.4 s after it is the next probe, sent.
 */
START_TEST(test_breaker_reopen_doubles)
{
	const char *argv[] = { "--breaker", "3/1", "-r", "0", "--per-host",
	    "1", NULL };
	struct proc *p = proc_start(argv, true);
	struct lines *lines;
	struct run *run;
	double t_probe;
	size_t i;

	server_control(srv, "down", "b1.localhost");
	for (i = 0; i < 3; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/ok/%zu", i);
		feed(p, "b1.localhost", path);
	}
	lines_free(wait_lines(p, 3));
	pump(p, 1.3);
	feed(p, "b1.localhost", "/ok/probe1");
	lines = wait_lines(p, 4);
	t_probe = mono();
	assert_kind(line_of(lines, "b1.localhost", "/ok/probe1"), "http", 1);
	lines_free(lines);
	ck_assert_int_eq(server_host_stat(srv, "b1.localhost", "requests"), 4);

	pump(p, t_probe + 1.5 - mono());
	for (i = 0; i < 3; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/ok/still%zu", i);
		feed(p, "b1.localhost", path);
	}
	lines = wait_lines(p, 7);
	for (i = 0; i < 3; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/ok/still%zu", i);
		assert_kind(line_of(lines, "b1.localhost", path),
		    "circuit_open", 0);
	}
	lines_free(lines);
	ck_assert_int_eq(server_host_stat(srv, "b1.localhost", "requests"), 4);

	pump(p, t_probe + 2.4 - mono());
	feed(p, "b1.localhost", "/ok/probe2");
	lines = wait_lines(p, 8);
	assert_kind(line_of(lines, "b1.localhost", "/ok/probe2"), "http", 1);
	lines_free(lines);
	ck_assert_int_eq(server_host_stat(srv, "b1.localhost", "requests"), 5);
	run = proc_finish(p, 10);
	ck_assert(!run->timed_out);
	run_free(run);
}
END_TEST

/* ---- --robots ---- */

/*
 * Promise: --robots fetches a host's robots.txt once, before its first
 * URL, and obeys scrape's group: /private is denied (kind robots, 0
 * attempts, never sent), the longer Allow /private/ok wins, "*.pdf$"
 * denies what ends in .pdf only. robots.txt is no result line.
 */
START_TEST(test_robots_rules)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;

	cat(&list, hline("rob-a.localhost", "/private/x"));
	cat(&list, hline("rob-a.localhost", "/private/ok"));
	cat(&list, hline("rob-a.localhost", "/public"));
	cat(&list, hline("rob-a.localhost", "/doc/a.pdf"));
	cat(&list, hline("rob-a.localhost", "/doc/a.pdfx"));
	cat(&list, server_host_url_list(srv, "rob-a.localhost", 15,
	    "/public/%zu"));
	run = scrape_args(list, &lines, "--robots", NULL);
	ck_assert_uint_eq(lines->n, 20);
	assert_robots(line_of(lines, "rob-a.localhost", "/private/x"));
	assert_robots(line_of(lines, "rob-a.localhost", "/doc/a.pdf"));
	assert_ok(line_of(lines, "rob-a.localhost", "/private/ok"));
	assert_ok(line_of(lines, "rob-a.localhost", "/public"));
	assert_ok(line_of(lines, "rob-a.localhost", "/doc/a.pdfx"));
	assert_ok(line_of(lines, "rob-a.localhost", "/public/14"));
	ck_assert_int_eq(server_host_stat(srv, "rob-a.localhost", "robots"), 1);
	/* robots.txt and the 18 allowed URLs. */
	ck_assert_int_eq(server_host_stat(srv, "rob-a.localhost", "requests"),
	    19);
	ck_assert_int_eq(run->exit_status, 1);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: the group is chosen by the User-Agent's product token (-A's
 * text before the first '/' or space), without regard to case, else
 * "*": "Other/1.0" falls to "*", which denies everything; "SCRAPE/2.0
 * (bot)" is scrape's group.
 */
START_TEST(test_robots_user_agent_group)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;

	cat(&list, hline("rob-b.localhost", "/public"));
	cat(&list, hline("rob-b.localhost", "/private/ok"));
	run = scrape_args(list, &lines, "--robots", "-A", "Other/1.0", NULL);
	ck_assert_uint_eq(lines->n, 2);
	assert_robots(line_of(lines, "rob-b.localhost", "/public"));
	assert_robots(line_of(lines, "rob-b.localhost", "/private/ok"));
	ck_assert_int_eq(server_host_stat(srv, "rob-b.localhost", "requests"),
	    1);
	lines_free(lines);
	run_free(run);
	free(list);

	list = NULL;
	cat(&list, hline("rob-c.localhost", "/public"));
	cat(&list, hline("rob-c.localhost", "/private/x"));
	run = scrape_args(list, &lines, "--robots", "-A", "SCRAPE/2.0 (bot)",
	    NULL);
	assert_ok(line_of(lines, "rob-c.localhost", "/public"));
	assert_robots(line_of(lines, "rob-c.localhost", "/private/x"));
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: a 4xx robots.txt allows everything; a 5xx disallows
 * everything (and nothing but robots.txt is sent to that host).
 */
START_TEST(test_robots_status)
{
	static const char *allow[] = { "r404-a.localhost", "r403-a.localhost" };
	static const char *deny[] = { "r500-a.localhost", "r503-a.localhost" };
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		cat(&list, hline(allow[i], "/public"));
		cat(&list, hline(allow[i], "/private/x"));
		cat(&list, hline(deny[i], "/public"));
		cat(&list, hline(deny[i], "/private/x"));
	}
	run = scrape_args(list, &lines, "--robots", "-r", "0", NULL);
	ck_assert_uint_eq(lines->n, 8);
	for (i = 0; i < 2; i++) {
		assert_ok(line_of(lines, allow[i], "/public"));
		assert_ok(line_of(lines, allow[i], "/private/x"));
		ck_assert_int_eq(server_host_stat(srv, allow[i], "robots"), 1);
		assert_robots(line_of(lines, deny[i], "/public"));
		assert_robots(line_of(lines, deny[i], "/private/x"));
		ck_assert_int_ge(server_host_stat(srv, deny[i], "robots"), 1);
		ck_assert_int_eq(server_host_stat(srv, deny[i], "requests"),
		    server_host_stat(srv, deny[i], "robots"));
	}
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise (RFC 9309, 2.3.1.2): redirects of robots.txt are followed, at
 * least five: rredir-* gets the rob-* rules after 5 hops. A redirect
 * loop is a robots.txt that cannot be fetched (SPEC: "a 5xx, or one that
 * cannot be fetched, disallows everything"): every URL of that host is
 * denied, none sent, and the run ends.
 */
START_TEST(test_robots_redirects)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;

	cat(&list, hline("rredir-a.localhost", "/public"));
	cat(&list, hline("rredir-a.localhost", "/private/x"));
	cat(&list, hline("rloop-a.localhost", "/public"));
	cat(&list, hline("rloop-a.localhost", "/private/ok"));
	run = scrape_args(list, &lines, "--robots", "-r", "0", NULL);
	ck_assert_uint_eq(lines->n, 4);
	assert_ok(line_of(lines, "rredir-a.localhost", "/public"));
	assert_robots(line_of(lines, "rredir-a.localhost", "/private/x"));
	ck_assert_int_eq(server_host_stat(srv, "rredir-a.localhost", "robots"),
	    6);
	assert_robots(line_of(lines, "rloop-a.localhost", "/public"));
	assert_robots(line_of(lines, "rloop-a.localhost", "/private/ok"));
	ck_assert_int_ge(server_host_stat(srv, "rloop-a.localhost", "robots"),
	    6);
	ck_assert_int_eq(server_host_stat(srv, "rloop-a.localhost", "requests"),
	    server_host_stat(srv, "rloop-a.localhost", "robots"));
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: at most 500 KiB of a robots.txt is parsed: rbig-*'s
 * "Disallow: /early" (at the start) holds, its "Disallow: /secret" (past
 * 600 KiB) does not. A binary robots.txt allows everything (no rule
 * in it). An endless one is cut: its first rule holds, and the run
 * ends.
 */
START_TEST(test_robots_big_binary_endless)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;

	cat(&list, hline("rbig-a.localhost", "/early"));
	cat(&list, hline("rbig-a.localhost", "/secret"));
	cat(&list, hline("rbig-a.localhost", "/public"));
	cat(&list, hline("rbin-a.localhost", "/public"));
	cat(&list, hline("rbin-a.localhost", "/private/x"));
	cat(&list, hline("rendless-a.localhost", "/early"));
	cat(&list, hline("rendless-a.localhost", "/public"));
	run = scrape_args(list, &lines, "--robots", "-r", "0", NULL);
	ck_assert_uint_eq(lines->n, 7);
	assert_robots(line_of(lines, "rbig-a.localhost", "/early"));
	assert_ok(line_of(lines, "rbig-a.localhost", "/secret"));
	assert_ok(line_of(lines, "rbig-a.localhost", "/public"));
	assert_ok(line_of(lines, "rbin-a.localhost", "/public"));
	assert_ok(line_of(lines, "rbin-a.localhost", "/private/x"));
	assert_robots(line_of(lines, "rendless-a.localhost", "/early"));
	assert_ok(line_of(lines, "rendless-a.localhost", "/public"));
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: a Crawl-delay in the group paces its host like --host-rate
 * 1/<delay>s: rdelay-* says 0.3, so its URLs arrive at least 300 ms
 * apart (5 ms tolerance). The first arrival is robots.txt itself, sent
 * before the delay was known, and is left out.
 */
START_TEST(test_robots_crawl_delay)
{
	struct lines *lines;
	struct run *run;
	char *list = server_host_url_list(srv, "rdelay-a.localhost", 5,
	    "/public/%zu");
	double *a;
	size_t n;

	run = scrape_args(list, &lines, "--robots", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 5);
	a = server_host_arrivals(srv, "rdelay-a.localhost", &n);
	ck_assert_uint_eq(n, 6);
	assert_gaps(a, 1, n, 300 - PACE_SLACK_MS, "Crawl-delay 0.3");
	free(a);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: an origin's URLs wait for its robots.txt, and only they do:
 * rslow-*'s robots.txt takes 500 ms; its URLs reach the server after it
 * (and its rule holds), while h2's URLs, later in the input, are all
 * served in the meantime.
 */
START_TEST(test_robots_wait_holds_only_its_host)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	double *a, *b;
	size_t na, nb, i;

	cat(&list, server_host_url_list(srv, "rslow-a.localhost", 3,
	    "/public/%zu"));
	cat(&list, hline("rslow-a.localhost", "/private/x"));
	cat(&list, server_host_url_list(srv, "h2.localhost", 3, "/ok/%zu"));
	run = scrape_args(list, &lines, "--robots", "-c", "4", NULL);
	ck_assert_uint_eq(lines->n, 7);
	assert_robots(line_of(lines, "rslow-a.localhost", "/private/x"));
	assert_ok(line_of(lines, "rslow-a.localhost", "/public/2"));
	a = server_host_arrivals(srv, "rslow-a.localhost", &na);
	b = server_host_arrivals(srv, "h2.localhost", &nb);
	/* robots.txt (h2's a 404: all allowed), then 3 URLs each. */
	ck_assert_uint_eq(na, 4);
	ck_assert_uint_eq(nb, 4);
	for (i = 1; i < na; i++)
		ck_assert_msg(a[i] - a[0] >= 500 - PACE_SLACK_MS,
		    "URL %zu sent %.1f ms after robots.txt was asked for", i,
		    a[i] - a[0]);
	for (i = 0; i < nb; i++)
		ck_assert_msg(b[i] < a[0] + 450,
		    "h2 waited for another host's robots.txt (%.1f ms)",
		    b[i] - a[0]);
	free(a);
	free(b);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/*
 * Promise: robots.txt belongs to an origin (scheme, host, port), whatever
 * --host-key says, and its fetch counts against the host's limits. The
 * same host over http and https (-k) is two fetches; two hosts of one
 * domain under --host-key domain are still two fetches. With
 * --host-rate 2/s, robots.txt and the URL after it are 500 ms apart.
 */
START_TEST(test_robots_per_origin)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL, *u;
	double *a;
	size_t n;

	cat(&list, hline("rob-a.localhost", "/public"));
	u = xasprintf("https://rob-a.localhost:%d/public\n", server_tls_port(srv));
	cat(&list, u);
	run = scrape_args(list, &lines, "--robots", "-k", NULL);
	ck_assert_uint_eq(lines->n, 2);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_host_stat(srv, "rob-a.localhost", "robots"), 2);
	lines_free(lines);
	run_free(run);
	free(list);

	list = NULL;
	cat(&list, hline("rob-1.o.localhost", "/public"));
	cat(&list, hline("rob-2.o.localhost", "/public"));
	run = scrape_args(list, &lines, "--robots", "--host-key", "domain",
	    NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_domain_stat(srv, "o.localhost", "robots"), 2);
	lines_free(lines);
	run_free(run);
	free(list);

	list = hline("rob-d.localhost", "/public");
	run = scrape_args(list, &lines, "--robots", "--host-rate", "2/s",
	    NULL);
	ck_assert_int_eq(run->exit_status, 0);
	a = server_host_arrivals(srv, "rob-d.localhost", &n);
	ck_assert_uint_eq(n, 2);
	assert_gaps(a, 0, n, 500 - PACE_SLACK_MS, "robots.txt at 2/s");
	free(a);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* ---- --host-key, --lookahead ---- */

/*
 * Promise: --host-key domain makes a registrable domain one host for the
 * limits. a.d1.localhost and b.d1.localhost are both d1.localhost (with
 * libpsl, an unlisted top-level name such as localhost is a suffix of
 * its own): with --per-host 1 the domain has one request at a time;
 * with the default key, one per host name, so two.
 */
START_TEST(test_host_key_domain)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;

	cat(&list, server_host_url_list(srv, "a.d1.localhost", 4,
	    "/delay/200/%zu"));
	cat(&list, server_host_url_list(srv, "b.d1.localhost", 4,
	    "/delay/200/%zu"));
	run = scrape_args(list, &lines, "--per-host", "1", "--host-key",
	    "domain", "-c", "10", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_domain_stat(srv, "d1.localhost",
	    "max_inflight"), 1);
	lines_free(lines);
	run_free(run);

	server_stats_reset(srv);
	run = scrape_args(list, &lines, "--per-host", "1", "--host-key", "host",
	    "-c", "10", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_domain_stat(srv, "d1.localhost",
	    "max_inflight"), 2);
	ck_assert_int_eq(server_host_stat(srv, "a.d1.localhost",
	    "max_inflight"), 1);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* One URL of host padded to about len bytes, with a newline. */
static char *
padded_line(const char *host, size_t i, size_t len)
{
	char *u = server_host_url(srv, host, "/delay/3000/");
	char *l = xasprintf("%s%zu?pad=%*s\n", u, i, (int)(len - strlen(u) - 16),
	    "");
	size_t j;

	for (j = strlen(u); l[j] != '\n'; j++)
		if (l[j] == ' ')
			l[j] = 'x';
	free(u);
	return l;
}

/*
 * Promise: --lookahead N bounds what is read ahead: reading pauses while
 * N URLs are held. How much of a pipe scrape has read is seen from the
 * writing end: 500 URLs of 8000 bytes (4 MB) to one slow host at
 * --per-host 1 --lookahead 5. After a second, scrape may have read the
 * held 5, the one in flight and a few more, plus its 64 KiB input
 * buffer, and the pipe holds 64 KiB: well under 512 KiB in all. With the
 * default lookahead (10000) the same input is read whole within the
 * same second, so the bound is what stops it.
 */
START_TEST(test_lookahead_bounds_reading)
{
	const char *bounded[] = { "--per-host", "1", "--lookahead", "5", "-c",
	    "4", NULL };
	const char *unbounded[] = { "--per-host", "1", "-c", "4", NULL };
	const char *const *argv[] = { bounded, unbounded };
	char *input = NULL;
	size_t i, total, taken;
	struct proc *p;
	struct run *run;
	int k;

	for (i = 0; i < 500; i++)
		cat(&input, padded_line("h1.localhost", i, 8000));
	total = strlen(input);
	for (k = 0; k < 2; k++) {
		p = proc_start(argv[k], true);
		proc_write_stdin(p, input, total);
		/* The second starts from scrape's first request: under
		 * valgrind it takes over a second to get there. */
		for (double end = mono() + 10; k == 1 && mono() < end &&
		    server_host_stat(srv, "h1.localhost", "requests") < 1; )
			pump(p, 0.02);
		pump(p, 1.0);
		/* The control: unbounded, it reads everything (valgrind
		 * reads 4 MB more slowly than in a second). */
		for (double end = mono() + 10; k == 1 && mono() < end &&
		    proc_stdin_pending(p) > 0; )
			pump(p, 0.05);
		taken = total - proc_stdin_pending(p);
		if (k == 0)
			ck_assert_msg(taken < 512 * 1024,
			    "--lookahead 5: %zu bytes read ahead", taken);
		else
			ck_assert_msg(taken == total,
			    "default lookahead: only %zu of %zu bytes read",
			    taken, total);
		proc_kill(p, SIGTERM);
		run = proc_finish(p, 10);
		ck_assert(!run->timed_out);
		ck_assert_int_eq(run->exit_status, 143);
		run_free(run);
	}
	free(input);
}
END_TEST

/* ---- Usage errors, and no host option ---- */

/*
 * Promise: a malformed or out-of-range host option is a usage error: exit
 * 2, one line on standard error naming the option, nothing on standard
 * output, nothing fetched.
 */
START_TEST(test_usage_errors)
{
	static const struct {
		const char *opt, *val;
	} bad[] = {
		{ "--rate", "10" }, { "--rate", "0/s" }, { "--rate", "5/0s" },
		{ "--rate", "5/x" }, { "--rate", "/s" }, { "--rate", "-1/s" },
		{ "--host-rate", "x/s" }, { "--host-rate", "10" },
		{ "--host-rate", "0/m" },
		{ "--breaker", "0" }, { "--breaker", "3/0" },
		{ "--breaker", "x" }, { "--breaker", "3/" },
		{ "--per-host", "0" }, { "--per-host", "100001" },
		{ "--per-host", "x" },
		{ "--host-key", "ip" }, { "--host-key", "" },
		{ "--lookahead", "0" }, { "--lookahead", "10000001" },
	};
	char *list = server_host_url_list(srv, "h1.localhost", 3, "/ok/%zu");
	struct run *run;
	size_t i;
	char *nl;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run = run_scrapef(list, 10, bad[i].opt, bad[i].val, NULL);
		ck_assert_msg(run->exit_status == 2, "%s %s: exit %d",
		    bad[i].opt, bad[i].val, run->exit_status);
		ck_assert_msg(run->out_len == 0, "%s %s: output: %s",
		    bad[i].opt, bad[i].val, run->out);
		nl = strchr(run->err, '\n');
		ck_assert_msg(nl != NULL && nl[1] == '\0',
		    "%s %s: not one line: %s", bad[i].opt, bad[i].val,
		    run->err);
		ck_assert_msg(strstr(run->err, bad[i].opt) != NULL,
		    "%s %s: the message does not name it: %s", bad[i].opt,
		    bad[i].val, run->err);
		run_free(run);
	}
	ck_assert_int_eq(server_stat(srv, "requests"), 0);
	free(list);
}
END_TEST

/*
 * Promise: without any host option nothing changes: 200 URLs over two
 * hosts at -c 50 are all ok, each host has many transfers at once (no
 * per-host limit), and no robots.txt is asked for.
 */
START_TEST(test_no_host_option_unchanged)
{
	struct lines *lines;
	struct run *run;
	char *list = NULL;
	size_t i;

	for (i = 0; i < 100; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/delay/50/%zu", i);
		cat(&list, hline("h1.localhost", path));
		cat(&list, hline("h2.localhost", path));
	}
	run = scrape_args(list, &lines, "-c", "50", NULL);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, 200);
	for (i = 0; i < lines->n; i++)
		assert_ok(lines->items[i]);
	ck_assert_int_ge(server_host_stat(srv, "h1.localhost", "max_inflight"),
	    10);
	ck_assert_int_ge(server_host_stat(srv, "h2.localhost", "max_inflight"),
	    10);
	ck_assert_int_eq(server_domain_stat(srv, "localhost", "robots"), 0);
	ck_assert_int_eq(server_stat(srv, "requests"), 200);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("hosts");
	TCase *server = tcase_create("server");
	TCase *hosts = tcase_create("hosts");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(server, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(server, 60);
	tcase_add_test(server, test_server_counts_hosts);
	tcase_add_test(server, test_server_domain_view);
	tcase_add_test(server, test_server_cap);
	tcase_add_test(server, test_server_control_down_up);
	tcase_add_test(server, test_server_robots_fixtures);
	tcase_add_test(server, test_no_host_option_unchanged);
	suite_add_tcase(suite, server);

	tcase_add_checked_fixture(hosts, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(hosts, 60);
	tcase_add_test(hosts, test_per_host_cap_held_and_reached);
	tcase_add_test(hosts, test_capped_host_does_not_stall_others);
	tcase_add_test(hosts, test_retry_waits_for_host_limit);
	tcase_add_test(hosts, test_timeout_not_counting_held_time);
	tcase_add_test(hosts, test_host_rate_paces_each_host);
	tcase_add_test(hosts, test_rate_paces_whole_run);
	tcase_add_test(hosts, test_rate_units);
	tcase_add_test(hosts, test_adaptive_few_429s);
	tcase_add_test(hosts, test_retry_after_pauses_one_host);
	tcase_add_test(hosts, test_breaker_opens);
	tcase_add_test(hosts, test_breaker_resume_fetches_again);
	tcase_add_test(hosts, test_breaker_count_resets);
	tcase_add_test(hosts, test_breaker_retry_due_when_open);
	tcase_add_test(hosts, test_breaker_half_open_probe);
	tcase_add_test(hosts, test_breaker_reopen_doubles);
	tcase_add_test(hosts, test_robots_rules);
	tcase_add_test(hosts, test_robots_user_agent_group);
	tcase_add_test(hosts, test_robots_status);
	tcase_add_test(hosts, test_robots_redirects);
	tcase_add_test(hosts, test_robots_big_binary_endless);
	tcase_add_test(hosts, test_robots_crawl_delay);
	tcase_add_test(hosts, test_robots_wait_holds_only_its_host);
	tcase_add_test(hosts, test_robots_per_origin);
	tcase_add_test(hosts, test_host_key_domain);
	tcase_add_test(hosts, test_lookahead_bounds_reading);
	tcase_add_test(hosts, test_usage_errors);
	suite_add_tcase(suite, hosts);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
