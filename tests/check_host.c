/* Unit tests of one host's policy (SPEC.md, "Hosts"): its cap, pacing,
 * Retry-After pause, adaptive limit and circuit breaker, alone and
 * together, as host_next_start reports them. */
#include <check.h>
#include <math.h>
#include <stdbool.h>

#include "host.h"

#define EPS 1e-9

static struct host *
new_host(long per_host, double interval, bool adaptive, int threshold,
    double cooldown)
{
	struct host_config cfg = { per_host, interval, adaptive, threshold,
	    cooldown };

	return host_new(&cfg);
}

/* Start an attempt at now, which must be allowed. */
static void
start(struct host *h, double now)
{
	ck_assert_double_eq(host_next_start(h, now), now);
	host_start(h, now);
}

START_TEST(test_no_limits)
{
	struct host *h = new_host(0, 0, false, 0, 0);

	ck_assert(host_idle(h, 0));
	for (int i = 0; i < 1000; i++)
		start(h, 1);
	ck_assert_int_eq(host_in_flight(h), 1000);
	ck_assert_int_eq(host_limit(h), 0);
	ck_assert(!host_idle(h, 1));
	for (int i = 0; i < 1000; i++)
		ck_assert(!host_finish(h, HOST_FAILED, 1, -1, 2));
	ck_assert_int_eq(host_in_flight(h), 0);
	ck_assert(!host_circuit_open(h, 2));
	ck_assert_int_eq(host_times_opened(h), 0);
	ck_assert_int_eq(host_lowest_limit(h), 0);
	ck_assert(host_idle(h, 2));
	host_free(h);
}
END_TEST

START_TEST(test_cap)
{
	struct host *h = new_host(2, 0, false, 0, 0);

	ck_assert_int_eq(host_limit(h), 2);
	start(h, 0);
	start(h, 0);
	ck_assert(isinf(host_next_start(h, 0)));
	ck_assert(isinf(host_next_start(h, 1000)));
	host_finish(h, HOST_OK, 0, -1, 1);
	ck_assert_double_eq(host_next_start(h, 1), 1);
	start(h, 1);
	ck_assert(isinf(host_next_start(h, 1)));
	host_free(h);
}
END_TEST

/* --host-rate 2/s: starts every 0.5 s; when at the cap as well, only an
 * end can free a start. */
START_TEST(test_pacing)
{
	struct host *h = new_host(2, 0.5, false, 0, 0);

	start(h, 0);
	ck_assert_double_eq(host_next_start(h, 0), 0.5);
	ck_assert_double_eq(host_next_start(h, 0.3), 0.5);
	ck_assert(!host_idle(h, 0.3));
	start(h, 0.5);
	ck_assert(isinf(host_next_start(h, 0.6)));
	host_finish(h, HOST_OK, 0, -1, 0.7);
	ck_assert_double_eq(host_next_start(h, 0.7), 1);
	host_finish(h, HOST_OK, 0.5, -1, 0.8);
	ck_assert(!host_idle(h, 0.8));
	ck_assert(host_idle(h, 1));
	host_free(h);
}
END_TEST

/* A Retry-After pauses every new start; a shorter one later does not
 * cut the pause short, and pacing and pause together wait for both. */
START_TEST(test_retry_after_pause)
{
	struct host *h = new_host(0, 1, false, 0, 0);

	start(h, 0);
	start(h, 1);
	host_finish(h, HOST_PUSHBACK, 0, 5, 1.5);
	ck_assert_double_eq(host_next_start(h, 1.5), 6.5);
	ck_assert(!host_idle(h, 6));
	host_finish(h, HOST_PUSHBACK, 1, 1, 2);
	ck_assert_double_eq(host_next_start(h, 2), 6.5);
	ck_assert(host_idle(h, 6.5));
	start(h, 6.5);
	ck_assert_double_eq(host_next_start(h, 6.5), 7.5);
	/* Retry-After 0: no pause beyond now */
	host_finish(h, HOST_PUSHBACK, 6.5, 0, 8);
	ck_assert_double_eq(host_next_start(h, 8), 8);
	host_free(h);
}
END_TEST

START_TEST(test_crawl_delay)
{
	struct host *h = new_host(0, 0, false, 0, 0);

	/* the robots.txt fetch is the first start */
	start(h, 0);
	host_finish(h, HOST_OK, 0, -1, 0.2);
	host_set_crawl_delay(h, 2);
	ck_assert_double_eq(host_next_start(h, 0.2), 2);
	start(h, 2);
	ck_assert_double_eq(host_next_start(h, 2), 4);
	/* capped at 60 s */
	host_set_crawl_delay(h, 1000);
	ck_assert_double_eq(host_next_start(h, 2), 62);
	/* nonsense is no delay */
	host_set_crawl_delay(h, -5);
	ck_assert_double_eq(host_next_start(h, 2), 2);
	host_set_crawl_delay(h, NAN);
	ck_assert_double_eq(host_next_start(h, 2), 2);
	host_free(h);

	/* --host-rate slower than the Crawl-delay still holds */
	h = new_host(0, 10, false, 0, 0);
	start(h, 0);
	host_set_crawl_delay(h, 3);
	ck_assert_double_eq(host_next_start(h, 0), 10);
	host_set_crawl_delay(h, 30);
	ck_assert_double_eq(host_next_start(h, 0), 30);
	host_free(h);
}
END_TEST

/* --breaker 3/10: 429s and 503s count as failures; any other outcome
 * resets the count. */
START_TEST(test_breaker_counts)
{
	struct host *h = new_host(0, 0, false, 3, 10);

	start(h, 0);
	start(h, 0);
	start(h, 0);
	ck_assert(!host_finish(h, HOST_FAILED, 0, -1, 1));
	ck_assert(!host_finish(h, HOST_PUSHBACK, 0, -1, 1));
	ck_assert(!host_idle(h, 1));
	ck_assert(!host_finish(h, HOST_OTHER, 0, -1, 1));
	ck_assert(host_idle(h, 1));
	start(h, 2);
	start(h, 2);
	start(h, 2);
	ck_assert(!host_finish(h, HOST_PUSHBACK, 2, -1, 3));
	ck_assert(!host_finish(h, HOST_FAILED, 2, -1, 3));
	ck_assert(host_finish(h, HOST_PUSHBACK, 2, -1, 3));
	ck_assert_int_eq(host_times_opened(h), 1);
	ck_assert(host_circuit_open(h, 3));
	host_free(h);
}
END_TEST

/* The whole cycle: open, URLs fail rather than wait, half-open lets one
 * probe through and holds the rest, the probe's failure doubles the
 * cool-down, its success closes the circuit. */
START_TEST(test_breaker_cycle)
{
	struct host *h = new_host(0, 0, false, 2, 10);

	start(h, 0);
	start(h, 0);
	start(h, 0.5);   /* still out when the circuit opens */
	ck_assert(!host_finish(h, HOST_FAILED, 0, -1, 1));
	ck_assert(host_finish(h, HOST_FAILED, 0, -1, 1));
	ck_assert(host_circuit_open(h, 1));
	ck_assert_double_eq(host_next_start(h, 1), 11);
	ck_assert(!host_idle(h, 5));
	/* the late one fails: the cool-down stays */
	ck_assert(!host_finish(h, HOST_FAILED, 0.5, -1, 5));
	ck_assert_double_eq(host_next_start(h, 5), 11);
	ck_assert(host_circuit_open(h, 10.9));
	/* half-open: one probe */
	ck_assert(!host_circuit_open(h, 11));
	start(h, 11);
	ck_assert(!host_circuit_open(h, 11));
	ck_assert(isinf(host_next_start(h, 11)));
	ck_assert(isinf(host_next_start(h, 100)));
	ck_assert(host_finish(h, HOST_PUSHBACK, 11, -1, 12));
	ck_assert_int_eq(host_times_opened(h), 2);
	ck_assert(host_circuit_open(h, 12));
	ck_assert_double_eq(host_next_start(h, 12), 32);
	start(h, 32);
	ck_assert(!host_finish(h, HOST_OK, 32, -1, 33));
	ck_assert(!host_circuit_open(h, 33));
	ck_assert_double_eq(host_next_start(h, 33), 33);
	ck_assert(host_idle(h, 33));
	ck_assert_int_eq(host_times_opened(h), 2);
	host_free(h);
}
END_TEST

/* --adaptive --per-host 8: pushback halves the cap, which holds new
 * starts back; successes at the cap win it back one per round trip. */
START_TEST(test_adaptive)
{
	struct host *h = new_host(8, 0, true, 0, 0);
	double t = 0;

	ck_assert_int_eq(host_limit(h), 8);
	ck_assert_int_eq(host_lowest_limit(h), 0);
	for (int i = 0; i < 8; i++)
		start(h, t);
	ck_assert(isinf(host_next_start(h, t)));
	host_finish(h, HOST_PUSHBACK, 0, -1, 1);
	ck_assert_int_eq(host_limit(h), 4);
	ck_assert_int_eq(host_lowest_limit(h), 4);
	/* the other 7 were sent before the cut: one more 503 changes
	 * nothing, and 7 in flight hold the host until 3 have ended */
	host_finish(h, HOST_PUSHBACK, 0, -1, 1.1);
	ck_assert_int_eq(host_limit(h), 4);
	host_finish(h, HOST_OK, 0, -1, 1.2);
	host_finish(h, HOST_OK, 0, -1, 1.2);
	ck_assert_int_eq(host_in_flight(h), 4);
	ck_assert(isinf(host_next_start(h, 1.2)));
	host_finish(h, HOST_OK, 0, -1, 1.3);
	ck_assert_int_eq(host_limit(h), 4);
	ck_assert_double_eq(host_next_start(h, 1.3), 1.3);
	for (int i = 0; i < 3; i++)
		host_finish(h, HOST_OK, 0, -1, 1.4);
	ck_assert_int_eq(host_in_flight(h), 0);

	/* full use, one-second round trips: back to 8 in 4 of them */
	for (t = 2; host_limit(h) < 8; t++) {
		long n = host_limit(h);

		for (long i = 0; i < n; i++)
			start(h, t);
		ck_assert(isinf(host_next_start(h, t)));
		for (long i = 0; i < n; i++)
			host_finish(h, HOST_OK, t, -1, t + 0.5);
		ck_assert_int_eq(host_limit(h), n + 1);
	}
	ck_assert_double_eq(t, 6);
	ck_assert_int_eq(host_lowest_limit(h), 4);
	host_free(h);
}
END_TEST

/* Successes of a host that does not fill its limit do not raise it. */
START_TEST(test_adaptive_not_full)
{
	struct host *h = new_host(8, 0, true, 0, 0);

	start(h, 0);
	host_finish(h, HOST_PUSHBACK, 0, -1, 1);
	ck_assert_int_eq(host_limit(h), 4);
	for (int i = 0; i < 20; i++) {
		start(h, 2 + i);
		start(h, 2 + i);
		host_finish(h, HOST_OK, 2 + i, -1, 2.5 + i);
		host_finish(h, HOST_OK, 2 + i, -1, 2.5 + i);
	}
	ck_assert_int_eq(host_limit(h), 4);
	/* a timeout without a Retry-After is pushback too */
	start(h, 30);
	host_finish(h, HOST_PUSHBACK, 30, -1, 31);
	ck_assert_int_eq(host_limit(h), 2);
	ck_assert_int_eq(host_lowest_limit(h), 2);
	host_free(h);
}
END_TEST

/* Everything at once, over simulated time: --per-host 3, --host-rate
 * 4/s, --breaker 5/10, attempts of 0.7 s, a 503 with Retry-After: 2 at
 * the 20th end.  Starts are never closer than 0.25 s, never more than 3
 * are in flight, none starts during the pause. */
START_TEST(test_combined)
{
	struct host *h = new_host(3, 0.25, false, 5, 10);
	double ends[3], last = -INFINITY, t = 0, pause_end = -INFINITY;
	double starts_at[3];
	int n = 0, done = 0, started = 0;

	while (started < 200) {
		double next = host_next_start(h, t);
		int first = -1;

		for (int i = 0; i < n; i++)
			if (first < 0 || ends[i] < ends[first])
				first = i;
		if (n > 0 && ends[first] <= next) {
			double s = starts_at[first];

			t = ends[first];
			ends[first] = ends[n - 1];
			starts_at[first] = starts_at[n - 1];
			n--;
			if (++done == 20) {
				host_finish(h, HOST_PUSHBACK, s, 2, t);
				pause_end = t + 2;
			} else
				host_finish(h, HOST_OK, s, -1, t);
			continue;
		}
		ck_assert(isfinite(next));
		t = next;
		ck_assert_msg(t - last >= 0.25 - EPS, "start at %.9f, %.9f "
		    "after the last", t, t - last);
		ck_assert(t >= pause_end || t < pause_end - 2);
		start(h, t);
		ck_assert_int_le(host_in_flight(h), 3);
		starts_at[n] = t;
		ends[n++] = t + 0.7;
		last = t;
		started++;
	}
	ck_assert(isfinite(pause_end));
	ck_assert_int_eq(host_times_opened(h), 0);
	host_free(h);
}
END_TEST

START_TEST(test_idle)
{
	struct host *h = new_host(0, 0, false, 3, 10);

	ck_assert(host_idle(h, 0));
	start(h, 0);
	ck_assert(!host_idle(h, 0));
	host_finish(h, HOST_FAILED, 0, -1, 1);
	ck_assert(!host_idle(h, 1));   /* a failure counted */
	start(h, 1);
	host_finish(h, HOST_OK, 1, -1, 2);
	ck_assert(host_idle(h, 2));
	start(h, 2);
	host_finish(h, HOST_OK, 2, 3, 2.5);
	ck_assert(!host_idle(h, 5));   /* paused */
	ck_assert(host_idle(h, 5.5));
	host_free(h);
}
END_TEST

static Suite *
host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *tl = tcase_create("limits");
	TCase *tb = tcase_create("breaker");
	TCase *ta = tcase_create("adaptive");

	tcase_add_test(tl, test_no_limits);
	tcase_add_test(tl, test_cap);
	tcase_add_test(tl, test_pacing);
	tcase_add_test(tl, test_retry_after_pause);
	tcase_add_test(tl, test_crawl_delay);
	tcase_add_test(tl, test_combined);
	tcase_add_test(tl, test_idle);
	suite_add_tcase(s, tl);

	tcase_add_test(tb, test_breaker_counts);
	tcase_add_test(tb, test_breaker_cycle);
	suite_add_tcase(s, tb);

	tcase_add_test(ta, test_adaptive);
	tcase_add_test(ta, test_adaptive_not_full);
	suite_add_tcase(s, ta);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(host_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
