/* Unit tests of --rate and --host-rate pacing (SPEC.md, "Hosts"): starts
 * evenly spaced U/N apart, exact over simulated time, no burst after an
 * idle spell, and the N/U syntax. */
#include <check.h>
#include <math.h>
#include <stdbool.h>

#include "pace.h"

#define EPS 1e-9

/* Start as early as the pacing allows, asking at `want` each time. */
static double
start_at(struct pace *p, double want)
{
	double t = pace_next(p, want);

	ck_assert(t >= want);
	pace_take(p, t);
	return t;
}

START_TEST(test_first_start_at_once)
{
	static const double nows[] = { 0, 12.5, -3, 1e6 };

	for (size_t i = 0; i < sizeof nows / sizeof nows[0]; i++) {
		struct pace p;

		pace_init(&p, 2);
		ck_assert_double_eq(pace_next(&p, nows[i]), nows[i]);
		pace_take(&p, nows[i]);
		ck_assert_double_eq(pace_next(&p, nows[i]), nows[i] + 2);
	}
}
END_TEST

START_TEST(test_unlimited)
{
	struct pace p;

	pace_init(&p, 0);
	for (int i = 0; i < 1000; i++) {
		ck_assert_double_eq(pace_next(&p, 7), 7);
		pace_take(&p, 7);
	}
	pace_init(&p, -1);
	pace_take(&p, 3);
	ck_assert_double_eq(pace_next(&p, 3), 3);
}
END_TEST

/* 1000 starts at 10/s: the last is 99.9 s after the first, every gap is
 * 0.1 s, however eagerly the caller asks. */
START_TEST(test_exact_over_simulated_time)
{
	struct pace p;
	double interval, first, prev, t = 0;

	ck_assert(pace_parse("10/s", &interval));
	pace_init(&p, interval);
	first = prev = start_at(&p, 0);
	for (int i = 1; i < 1000; i++) {
		t = start_at(&p, prev);
		ck_assert_double_eq_tol(t - prev, 0.1, EPS);
		prev = t;
	}
	ck_assert_double_eq_tol(t - first, 99.9, EPS);
}
END_TEST

/* Callers asking at scattered times: never two starts closer than the
 * interval, and each starts as soon as both it and the pacing allow. */
START_TEST(test_never_closer_than_interval)
{
	struct pace p;
	unsigned long seed = 12345;
	double ask = 0, prev = -INFINITY;

	pace_init(&p, 0.25);
	for (int i = 0; i < 10000; i++) {
		double t;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		ask += (double)(seed >> 40) / (1UL << 24) * 0.5;
		t = start_at(&p, ask);
		ck_assert_msg(t - prev >= 0.25 - EPS,
		    "start %d at %.9f, %.9f after the last", i, t, t - prev);
		ck_assert_double_eq_tol(t, fmax(ask, prev + 0.25), EPS);
		prev = t;
	}
}
END_TEST

/* Any window of U seconds holds at most N starts (5/2s here). */
START_TEST(test_at_most_n_per_window)
{
	struct pace p;
	double starts[200];
	double interval;

	ck_assert(pace_parse("5/2s", &interval));
	pace_init(&p, interval);
	for (int i = 0; i < 200; i++)
		starts[i] = start_at(&p, i * 0.01);
	for (int i = 0; i < 200; i++) {
		int n = 0;

		for (int j = i; j < 200 && starts[j] < starts[i] + 2 - EPS;
		    j++)
			n++;
		ck_assert_int_le(n, 5);
	}
}
END_TEST

/* An idle spell builds up no credit: after it, starts are spaced as
 * before, not bunched to catch up. */
START_TEST(test_no_burst_after_idle)
{
	struct pace p;

	pace_init(&p, 1);
	ck_assert_double_eq(start_at(&p, 0), 0);
	ck_assert_double_eq(start_at(&p, 0), 1);
	/* an hour idle, then five eager starts */
	ck_assert_double_eq(start_at(&p, 3600), 3600);
	for (int i = 1; i < 5; i++)
		ck_assert_double_eq(start_at(&p, 3600), 3600 + i);
	/* a start just after its time pushes the next from there */
	ck_assert_double_eq(start_at(&p, 3605.5), 3605.5);
	ck_assert_double_eq(pace_next(&p, 3605.5), 3606.5);
}
END_TEST

START_TEST(test_next_does_not_take)
{
	struct pace p;

	pace_init(&p, 1);
	pace_take(&p, 10);
	for (int i = 0; i < 5; i++)
		ck_assert_double_eq(pace_next(&p, 10.2), 11);
	ck_assert_double_eq(pace_next(&p, 11), 11);
	ck_assert_double_eq(pace_next(&p, 12), 12);
}
END_TEST

/* A Crawl-delay learnt later counts from the last start. */
START_TEST(test_set_interval)
{
	struct pace p;

	pace_init(&p, 0);
	pace_set(&p, 5);
	ck_assert_double_eq(pace_next(&p, 1), 1);   /* no start yet */
	pace_init(&p, 0);
	pace_take(&p, 10);
	pace_set(&p, 5);
	ck_assert_double_eq(pace_next(&p, 10.1), 15);
	ck_assert_double_eq(start_at(&p, 10.1), 15);
	ck_assert_double_eq(pace_next(&p, 15), 20);
	/* shorter again: due the new interval after the start at 15 */
	pace_set(&p, 1);
	ck_assert_double_eq(pace_next(&p, 15), 16);
	pace_set(&p, 0);
	ck_assert_double_eq(pace_next(&p, 15), 15);
}
END_TEST

/* ---- pace_parse -------------------------------------------------------- */

static const struct {
	const char *s;
	double interval;
} good[] = {
	{ "10/s", 0.1 },
	{ "1/s", 1 },
	{ "1/5s", 5 },
	{ "2/m", 30 },
	{ "3/h", 1200 },
	{ "1/0.5s", 0.5 },
	{ "5/2m", 24 },
	{ "1/1h", 3600 },
	{ "100/10s", 0.1 },
	{ "1/1.5m", 90 },
	{ "007/7s", 1 },
	{ "1000000/s", 1e-6 },
};

START_TEST(test_parse_good)
{
	double v = -1;

	ck_assert_msg(pace_parse(good[_i].s, &v), "\"%s\" refused",
	    good[_i].s);
	ck_assert_msg(fabs(v - good[_i].interval) < 1e-12,
	    "\"%s\": %g, want %g", good[_i].s, v, good[_i].interval);
}
END_TEST

static const char *const bad[] = {
	"10", "0/s", "1/0s", "x/s", "1/", "/s", "1/s/", "", "/",
	"-1/s", "+1/s", " 1/s", "1 /s", "1/ s", "1/s ", "1/5", "1/5x",
	"1/sec", "1/S", "1/.5s", "1/5.s", "1/-5s", "1/+5s", "1.5/s",
	"1/0.0s", "1/5ss", "1/infs", "1/nans", "1/1e3s", "1/0x10s",
	"99999999999999999999999999/s", "1//s", "1/5s5", "1/m1", "s",
};

START_TEST(test_parse_bad)
{
	double v = 42;

	ck_assert_msg(!pace_parse(bad[_i], &v), "\"%s\" accepted as %g",
	    bad[_i], v);
	ck_assert_double_eq(v, 42);
}
END_TEST

static Suite *
pace_suite(void)
{
	Suite *s = suite_create("pace");
	TCase *tp = tcase_create("pacing");
	TCase *tr = tcase_create("parse");

	tcase_add_test(tp, test_first_start_at_once);
	tcase_add_test(tp, test_unlimited);
	tcase_add_test(tp, test_exact_over_simulated_time);
	tcase_add_test(tp, test_never_closer_than_interval);
	tcase_add_test(tp, test_at_most_n_per_window);
	tcase_add_test(tp, test_no_burst_after_idle);
	tcase_add_test(tp, test_next_does_not_take);
	tcase_add_test(tp, test_set_interval);
	suite_add_tcase(s, tp);

	tcase_add_loop_test(tr, test_parse_good, 0,
	    (int)(sizeof good / sizeof good[0]));
	tcase_add_loop_test(tr, test_parse_bad, 0,
	    (int)(sizeof bad / sizeof bad[0]));
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pace_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
