/* Unit tests of gate, the host gate (SPEC, "Hosts: limits, pacing,
 * circuit breaker"), over simulated time: what it puts together —
 * the per-host cap and the fair pick, the run's --rate pacing, the
 * breaker's open circuit, a host's release when nothing refers to it and
 * the summary's facts about it, a Crawl-delay that keeps the host, and
 * draining everything on a signal.  The parts have their own suites
 * (check_host, check_frontier, check_pace, check_breaker, check_aimd);
 * these check that the gate wires them the way the scheduler relies on. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "gate.h"

/* Items are the caller's pointers: slots of this array.  The tests hold
 * one reference per host (gate_host_get) and drop it at the end: the
 * count of references is the caller's business, not what is tested. */
static int items[64];
#define ITEM(i)	((void *)&items[i])

/* The facts handed over, for the tests to look at. */
struct facts_log {
	int calls;
	char key[64];
	int times_opened;
	long circuit_open_urls;
	long lowest_limit;
};

static void
facts_cb(const struct gate_host_facts *f, void *arg)
{
	struct facts_log *log = arg;

	log->calls++;
	strncpy(log->key, f->key, sizeof log->key - 1);
	log->times_opened = f->times_opened;
	log->circuit_open_urls = f->circuit_open_urls;
	log->lowest_limit = f->lowest_limit;
}

static struct gate *
gate_with(const struct gate_config *cfg, struct facts_log *log)
{
	if (log != NULL)
		memset(log, 0, sizeof *log);
	return gate_new(cfg, log != NULL ? facts_cb : NULL, log);
}

/* gate_next must give item, of host h, at now. */
static void
expect_next(struct gate *g, double now, void *item, struct gate_host *h)
{
	struct gate_host *got_h = NULL;
	void *got = gate_next(g, now, &got_h);

	ck_assert_msg(got == item, "at %.3f: item %ld, wanted %ld", now,
	    got != NULL ? (long)((int *)got - items) : -1L,
	    (long)((int *)item - items));
	ck_assert_ptr_eq(got_h, h);
}

static void
expect_none(struct gate *g, double now)
{
	struct gate_host *h;
	void *got = gate_next(g, now, &h);

	ck_assert_msg(got == NULL, "at %.3f: item %ld, wanted none", now,
	    got != NULL ? (long)((int *)got - items) : -1L);
}

/* --per-host 2: a host's third item waits for one of its two to end,
 * while another host's item starts at once; an end lets the third go. */
START_TEST(test_per_host_cap)
{
	struct gate_config cfg = { .concurrency = 10, .per_host = 2 };
	struct gate *g = gate_with(&cfg, NULL);
	struct gate_host *a = gate_host_get(g, "a.example");
	struct gate_host *b = gate_host_get(g, "b.example");

	ck_assert(gate_offer(g, a, ITEM(0), 0));
	ck_assert(gate_offer(g, a, ITEM(1), 0));
	ck_assert(gate_offer(g, a, ITEM(2), 0));
	ck_assert(gate_offer(g, b, ITEM(3), 0));
	ck_assert_uint_eq(gate_held(g), 4);
	ck_assert_uint_eq(gate_hosts(g), 2);

	expect_next(g, 0, ITEM(0), a);
	expect_next(g, 0, ITEM(1), a);
	/* a is at its cap: b's item, though offered later, goes first. */
	expect_next(g, 0, ITEM(3), b);
	expect_none(g, 0);
	ck_assert_uint_eq(gate_held(g), 1);
	/* Only an attempt ending can change that: no time to wake at. */
	ck_assert(isinf(gate_wake(g, 0)));
	expect_none(g, 1000);

	ck_assert(!gate_done(g, a, HOST_OK, 0, -1, 1));
	ck_assert(gate_wake(g, 1) <= 1);
	expect_next(g, 1, ITEM(2), a);
	expect_none(g, 1);
	ck_assert_uint_eq(gate_held(g), 0);

	ck_assert(!gate_done(g, a, HOST_OK, 0, -1, 2));
	ck_assert(!gate_done(g, a, HOST_OK, 1, -1, 2));
	ck_assert(!gate_done(g, b, HOST_OK, 0, -1, 2));
	gate_host_put(g, a, 2);
	gate_host_put(g, b, 2);
	ck_assert_uint_eq(gate_hosts(g), 0);
	gate_free(g);
}
END_TEST

/* --rate 10/s: one start every 0.1 s across all hosts, no burst after an
 * idle spell; gate_wake says when the next is due, and stepping the
 * clock to it always gives one. */
START_TEST(test_rate_paces_run)
{
	struct gate_config cfg = { .concurrency = 10, .rate_interval = 0.1 };
	struct gate *g = gate_with(&cfg, NULL);
	struct gate_host *h[4];
	double now = 5, last = -INFINITY;
	int started = 0;

	h[0] = gate_host_get(g, "a");
	h[1] = gate_host_get(g, "b");
	h[2] = gate_host_get(g, "c");
	h[3] = gate_host_get(g, "d");
	for (int i = 0; i < 20; i++)
		ck_assert(gate_offer(g, h[i % 4], ITEM(i), now));
	/* Simulated time: jump to each wake-up. */
	for (int step = 0; step < 100 && started < 20; step++) {
		struct gate_host *got_h;
		void *it = gate_next(g, now, &got_h);

		if (it != NULL) {
			ck_assert_ptr_eq(it, ITEM(started));  /* oldest first */
			ck_assert_ptr_eq(got_h, h[started % 4]);
			ck_assert_msg(now - last >= 0.1 - 1e-9,
			    "starts %.3f and %.3f closer than 0.1 s", last, now);
			last = now;
			started++;
			/* Never two at one instant. */
			expect_none(g, now);
			continue;
		}
		double w = gate_wake(g, now);

		ck_assert_msg(w > now && !isinf(w), "wake %.3f at %.3f", w,
		    now);
		ck_assert_msg(fabs(w - (last + 0.1)) < 1e-9,
		    "wake %.3f, wanted %.3f", w, last + 0.1);
		now = w;
	}
	ck_assert_int_eq(started, 20);
	ck_assert_msg(fabs(last - (5 + 1.9)) < 1e-6, "last start %.3f", last);
	/* Nothing held: nothing to wake for, whatever the pacing. */
	ck_assert(isinf(gate_wake(g, now)));
	/* After an idle spell, no credit: one now, the next 0.1 s later. */
	ck_assert(gate_offer(g, h[0], ITEM(20), 100));
	ck_assert(gate_offer(g, h[1], ITEM(21), 100));
	expect_next(g, 100, ITEM(20), h[0]);
	expect_none(g, 100.05);
	ck_assert(fabs(gate_wake(g, 100.05) - 100.1) < 1e-9);
	expect_next(g, 100.1, ITEM(21), h[1]);
	for (int i = 0; i < 22; i++)
		gate_done(g, h[i < 20 ? i % 4 : i - 20], HOST_OK, 0, -1, 101);
	for (int i = 0; i < 4; i++)
		gate_host_put(g, h[i], 200);
	gate_free(g);
}
END_TEST

/* --breaker 2/30: the second failed attempt in a row opens the circuit:
 * gate_done says so once, gate_take then empties the host's queue (the
 * caller ends those with circuit_open), gate_offer refuses the host's
 * new items while open, and other hosts go on.  After 30 s one probe
 * may start. */
START_TEST(test_open_circuit)
{
	struct gate_config cfg = { .concurrency = 10,
	    .breaker_failures = 2, .breaker_secs = 30 };
	struct facts_log log;
	struct gate *g = gate_with(&cfg, &log);
	struct gate_host *a = gate_host_get(g, "a.example");
	struct gate_host *b = gate_host_get(g, "b.example");
	size_t waiting, open;

	for (int i = 0; i < 5; i++)
		ck_assert(gate_offer(g, a, ITEM(i), 0));
	ck_assert(gate_offer(g, b, ITEM(10), 0));
	expect_next(g, 0, ITEM(0), a);
	expect_next(g, 0, ITEM(1), a);
	ck_assert(!gate_done(g, a, HOST_FAILED, 0, -1, 1));
	ck_assert(gate_done(g, a, HOST_PUSHBACK, 0, -1, 1));

	/* The caller empties a: oldest first, then nothing. */
	ck_assert_ptr_eq(gate_take(g, a), ITEM(2));
	ck_assert_ptr_eq(gate_take(g, a), ITEM(3));
	ck_assert_ptr_eq(gate_take(g, a), ITEM(4));
	ck_assert_ptr_null(gate_take(g, a));
	for (int i = 0; i < 3; i++)
		gate_count_open(a);
	ck_assert(!gate_offer(g, a, ITEM(5), 2));
	gate_count_open(a);
	gate_census(g, 2, &waiting, &open);
	ck_assert_uint_eq(open, 1);

	/* b is untouched. */
	expect_next(g, 2, ITEM(10), b);
	ck_assert(!gate_done(g, b, HOST_OK, 2, -1, 3));

	/* Half-open after 30 s: one probe, no second start until it ends. */
	ck_assert(!gate_offer(g, a, ITEM(6), 30.5));
	ck_assert(gate_offer(g, a, ITEM(7), 31.5));
	ck_assert(gate_offer(g, a, ITEM(8), 31.5));
	expect_next(g, 31.5, ITEM(7), a);
	expect_none(g, 31.5);
	ck_assert(!gate_done(g, a, HOST_OK, 31.5, -1, 32));
	expect_next(g, 32, ITEM(8), a);
	ck_assert(!gate_done(g, a, HOST_OK, 32, -1, 33));

	/* Facts come at the end (gate_free) or when a is let go. */
	ck_assert_int_eq(log.calls, 0);
	gate_host_put(g, a, 40);
	gate_host_put(g, b, 40);
	gate_free(g);
	ck_assert_int_eq(log.calls, 1);
	ck_assert_str_eq(log.key, "a.example");
	ck_assert_int_eq(log.times_opened, 1);
	ck_assert_int_eq(log.circuit_open_urls, 4);
	ck_assert_int_eq(log.lowest_limit, 0);
}
END_TEST

/* A host is let go at its last gate_host_put once idle: gate_hosts drops,
 * and a later gate_host_get makes a new one.  A host with nothing to say
 * goes without a word. */
START_TEST(test_host_released_when_idle)
{
	struct gate_config cfg = { .concurrency = 10, .per_host = 1 };
	struct facts_log log;
	struct gate *g = gate_with(&cfg, &log);
	struct gate_host *a = gate_host_get(g, "a.example");
	struct gate_host *a2 = gate_host_get(g, "a.example");

	ck_assert_ptr_eq(a, a2);
	ck_assert_str_eq(gate_host_key(a), "a.example");
	ck_assert_uint_eq(gate_hosts(g), 1);
	ck_assert(gate_offer(g, a, ITEM(0), 0));
	expect_next(g, 0, ITEM(0), a);
	/* One reference dropped, one held (the item in flight). */
	gate_host_put(g, a2, 0);
	ck_assert_uint_eq(gate_hosts(g), 1);
	ck_assert(!gate_done(g, a, HOST_OK, 0, -1, 1));
	ck_assert_uint_eq(gate_hosts(g), 1);
	gate_host_put(g, a, 1);
	ck_assert_uint_eq(gate_hosts(g), 0);
	ck_assert_int_eq(log.calls, 0);

	/* In flight at the last put: kept until the caller's ref is back. */
	a = gate_host_get(g, "a.example");
	ck_assert(gate_offer(g, a, ITEM(1), 2));
	expect_next(g, 2, ITEM(1), a);
	ck_assert_uint_eq(gate_hosts(g), 1);
	ck_assert(!gate_done(g, a, HOST_OK, 2, -1, 3));
	gate_host_put(g, a, 3);
	ck_assert_uint_eq(gate_hosts(g), 0);
	gate_free(g);
	ck_assert_int_eq(log.calls, 0);
}
END_TEST

/* --host-rate 1/s over 1000 hosts with one URL each: a host is still
 * paced when its last URL ends, so it lingers; once its pacing has run
 * out, the sweeps that come with later picks free it, so memory follows
 * the hosts in play, not every host ever seen. */
START_TEST(test_lingering_hosts_swept)
{
	struct gate_config cfg = { .concurrency = 10, .host_interval = 1 };
	struct gate *g = gate_with(&cfg, NULL);
	struct gate_host *h, *got;
	char key[32];
	double now = 0;

	for (int i = 0; i < 1000; i++, now += 0.001) {
		snprintf(key, sizeof key, "h%d.example", i);
		h = gate_host_get(g, key);
		ck_assert(gate_offer(g, h, ITEM(0), now));
		ck_assert_ptr_eq(gate_next(g, now, &got), ITEM(0));
		gate_done(g, h, HOST_OK, now, -1, now);
		gate_host_put(g, h, now);
	}
	/* Each was started under a second ago: all still paced. */
	ck_assert_uint_gt(gate_hosts(g), 900);
	for (int i = 0; i < 1000; i++)
		ck_assert_ptr_null(gate_next(g, now + 2, &got));
	ck_assert_uint_eq(gate_hosts(g), 0);
	gate_free(g);
}
END_TEST

/* --adaptive --per-host 4: a 429 halves a's limit to 2; when a is let
 * go, its facts (lowest limit 2, never opened) are handed over exactly
 * once, then never again, not even by gate_free. */
START_TEST(test_facts_once_on_release)
{
	struct gate_config cfg = { .concurrency = 10, .per_host = 4,
	    .adaptive = true };
	struct facts_log log;
	struct gate *g = gate_with(&cfg, &log);
	struct gate_host *a = gate_host_get(g, "a.example");

	for (int i = 0; i < 4; i++)
		ck_assert(gate_offer(g, a, ITEM(i), 0));
	for (int i = 0; i < 4; i++)
		expect_next(g, 0, ITEM(i), a);
	ck_assert(!gate_done(g, a, HOST_PUSHBACK, 0, -1, 1));
	for (int i = 1; i < 4; i++)
		ck_assert(!gate_done(g, a, HOST_OK, 0, -1, 1));
	ck_assert_int_eq(log.calls, 0);
	gate_host_put(g, a, 1);
	ck_assert_uint_eq(gate_hosts(g), 0);
	ck_assert_int_eq(log.calls, 1);
	ck_assert_str_eq(log.key, "a.example");
	ck_assert_int_eq(log.lowest_limit, 2);
	ck_assert_int_eq(log.times_opened, 0);
	ck_assert_int_eq(log.circuit_open_urls, 0);
	gate_free(g);
	ck_assert_int_eq(log.calls, 1);
}
END_TEST

/* A Retry-After pause keeps the host (not idle) until it has passed,
 * and holds its items while other hosts go on. */
START_TEST(test_retry_after_pauses_host)
{
	struct gate_config cfg = { .concurrency = 10 };
	struct gate *g = gate_with(&cfg, NULL);
	struct gate_host *a = gate_host_get(g, "a");
	struct gate_host *b = gate_host_get(g, "b");

	ck_assert(gate_offer(g, a, ITEM(0), 0));
	expect_next(g, 0, ITEM(0), a);
	ck_assert(!gate_done(g, a, HOST_OK, 0, 5, 1));
	ck_assert(gate_offer(g, a, ITEM(1), 1));
	ck_assert(gate_offer(g, b, ITEM(2), 1));
	expect_next(g, 1, ITEM(2), b);
	expect_none(g, 1);
	ck_assert(fabs(gate_wake(g, 1) - 6) < 1e-9);
	expect_none(g, 5.9);
	expect_next(g, 6, ITEM(1), a);
	gate_done(g, a, HOST_OK, 6, -1, 7);
	gate_done(g, b, HOST_OK, 1, -1, 7);
	gate_host_put(g, a, 7);
	gate_host_put(g, b, 7);
	ck_assert_uint_eq(gate_hosts(g), 0);
	gate_free(g);
}
END_TEST

/* A Crawl-delay of 2 s paces the host and keeps it when nothing refers
 * to it, so the delay outlives an idle spell: a new item right after
 * still waits for it. */
START_TEST(test_crawl_delay_keeps_host)
{
	struct gate_config cfg = { .concurrency = 10 };
	struct gate *g = gate_with(&cfg, NULL);
	struct gate_host *a = gate_host_get(g, "a");

	ck_assert(gate_offer(g, a, ITEM(0), 0));
	ck_assert(gate_offer(g, a, ITEM(1), 0));
	gate_set_crawl_delay(g, a, 2, 0);
	expect_next(g, 0, ITEM(0), a);
	expect_none(g, 1);
	ck_assert(fabs(gate_wake(g, 1) - 2) < 1e-9);
	expect_next(g, 2, ITEM(1), a);
	gate_done(g, a, HOST_OK, 0, -1, 2.5);
	gate_done(g, a, HOST_OK, 2, -1, 2.5);
	gate_host_put(g, a, 100);
	ck_assert_uint_eq(gate_hosts(g), 1);      /* kept */

	/* The same host, still paced from its last start. */
	struct gate_host *again = gate_host_get(g, "a");

	ck_assert_ptr_eq(again, a);
	ck_assert(gate_offer(g, a, ITEM(2), 100));
	expect_next(g, 100, ITEM(2), a);
	ck_assert(gate_offer(g, a, ITEM(3), 100.5));
	expect_none(g, 101);
	expect_next(g, 102, ITEM(3), a);
	gate_done(g, a, HOST_OK, 100, -1, 103);
	gate_done(g, a, HOST_OK, 102, -1, 103);
	gate_host_put(g, a, 103);
	ck_assert_uint_eq(gate_hosts(g), 1);
	gate_free(g);
}
END_TEST

/* On a signal gate_drain hands back every queued item, oldest first,
 * each with its host, whatever holds it back (a cap, pacing, a pause). */
START_TEST(test_drain_returns_everything)
{
	struct gate_config cfg = { .concurrency = 10, .per_host = 1,
	    .host_interval = 10 };
	struct gate *g = gate_with(&cfg, NULL);
	struct gate_host *h[3], *got_h;
	int seen[12] = { 0 };
	void *it;
	int n = 0;

	h[0] = gate_host_get(g, "a");
	h[1] = gate_host_get(g, "b");
	h[2] = gate_host_get(g, "c");
	for (int i = 0; i < 12; i++)
		ck_assert(gate_offer(g, h[i % 3], ITEM(i), (double)i / 100));
	expect_next(g, 1, ITEM(0), h[0]);
	ck_assert_uint_eq(gate_held(g), 11);
	while ((it = gate_drain(g, &got_h)) != NULL) {
		int i = (int)((int *)it - items);

		ck_assert_int_gt(i, 0);
		ck_assert_int_lt(i, 12);
		ck_assert_int_eq(seen[i], 0);
		seen[i] = 1;
		ck_assert_ptr_eq(got_h, h[i % 3]);
		/* Oldest first: offered in index order. */
		ck_assert_int_eq(i, n + 1);
		n++;
		ck_assert_int_lt(n, 100);
	}
	ck_assert_int_eq(n, 11);
	ck_assert_uint_eq(gate_held(g), 0);
	expect_none(g, 1000);
	gate_done(g, h[0], HOST_OK, 1, -1, 2);
	gate_free(g);
}
END_TEST

static Suite *
gate_suite(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("gate");

	tcase_add_test(tc, test_per_host_cap);
	tcase_add_test(tc, test_rate_paces_run);
	tcase_add_test(tc, test_open_circuit);
	tcase_add_test(tc, test_host_released_when_idle);
	tcase_add_test(tc, test_lingering_hosts_swept);
	tcase_add_test(tc, test_facts_once_on_release);
	tcase_add_test(tc, test_retry_after_pauses_host);
	tcase_add_test(tc, test_crawl_delay_keeps_host);
	tcase_add_test(tc, test_drain_returns_everything);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gate_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
