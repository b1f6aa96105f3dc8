/* Unit tests of the --breaker circuit (SPEC.md, "Hosts"): N failed
 * attempts in a row open it, one probe at a time when half-open, the
 * cool-down doubling to at most 10 minutes, and results of attempts that
 * were in flight when it opened. */
#include <check.h>
#include <math.h>
#include <stdbool.h>

#include "breaker.h"

/* An attempt that starts at `start` and ends at `end`; the caller
 * checked it may start. */
static bool
attempt(struct breaker *b, double start, double end, bool failed)
{
	ck_assert_double_eq(breaker_next(b, start), start);
	breaker_take(b, start);
	return breaker_record(b, failed, start, end);
}

/* Open b, threshold 3, at time 10 + 3 * 0.1. */
static void
trip(struct breaker *b, double cooldown)
{
	breaker_init(b, 3, cooldown);
	ck_assert(!attempt(b, 10.0, 10.1, true));
	ck_assert(!attempt(b, 10.1, 10.2, true));
	ck_assert(attempt(b, 10.2, 10.3, true));
}

START_TEST(test_closed_allows)
{
	struct breaker b;

	breaker_init(&b, 3, 30);
	ck_assert_int_eq(breaker_state(&b, 0), BREAKER_CLOSED);
	ck_assert(breaker_quiet(&b));
	for (int i = 0; i < 100; i++) {
		ck_assert_double_eq(breaker_next(&b, i), i);
		breaker_take(&b, i);
	}
	ck_assert_int_eq(breaker_state(&b, 100), BREAKER_CLOSED);
}
END_TEST

START_TEST(test_threshold_opens)
{
	struct breaker b;

	trip(&b, 30);
	ck_assert_int_eq(breaker_state(&b, 10.3), BREAKER_OPEN);
	ck_assert(!breaker_quiet(&b));
	/* no start until the cool-down has passed */
	ck_assert_double_eq(breaker_next(&b, 10.3), 40.3);
	ck_assert_double_eq(breaker_next(&b, 40.2), 40.3);
	ck_assert_int_eq(breaker_state(&b, 40.29), BREAKER_OPEN);
	ck_assert_int_eq(breaker_state(&b, 40.3), BREAKER_HALF_OPEN);
	ck_assert_double_eq(breaker_next(&b, 40.3), 40.3);

	breaker_init(&b, 1, 5);
	ck_assert(attempt(&b, 0, 1, true));
	ck_assert_int_eq(breaker_state(&b, 1), BREAKER_OPEN);
	ck_assert_double_eq(breaker_next(&b, 1), 6);
}
END_TEST

/* Only consecutive failures count: any other outcome starts over. */
START_TEST(test_success_resets_count)
{
	struct breaker b;
	double t = 0;

	breaker_init(&b, 3, 30);
	for (int round = 0; round < 10; round++) {
		ck_assert(!attempt(&b, t, t + 0.5, true));
		ck_assert(!attempt(&b, t + 1, t + 1.5, true));
		ck_assert(!breaker_quiet(&b));
		ck_assert(!attempt(&b, t + 2, t + 2.5, false));
		ck_assert(breaker_quiet(&b));
		t += 3;
	}
	ck_assert_int_eq(breaker_state(&b, t), BREAKER_CLOSED);
}
END_TEST

/* Half-open: one probe, the others held until it ends. */
START_TEST(test_probe_exclusive)
{
	struct breaker b;

	trip(&b, 30);
	breaker_take(&b, 40.3);
	ck_assert_int_eq(breaker_state(&b, 40.3), BREAKER_HALF_OPEN);
	ck_assert(isinf(breaker_next(&b, 40.3)));
	ck_assert(isinf(breaker_next(&b, 1000)));
	ck_assert(!breaker_record(&b, false, 40.3, 41));
	ck_assert_int_eq(breaker_state(&b, 41), BREAKER_CLOSED);
	ck_assert_double_eq(breaker_next(&b, 41), 41);
	ck_assert(breaker_quiet(&b));
}
END_TEST

/* Each failed probe opens it for twice as long, at most 600 s; a
 * successful one brings the configured cool-down back. */
START_TEST(test_failed_probe_doubles)
{
	static const double want[] = { 60, 120, 240, 480, 600, 600, 600 };
	struct breaker b;
	double t;

	trip(&b, 30);
	t = 40.3;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		ck_assert(attempt(&b, t, t + 1, true));
		ck_assert_int_eq(breaker_state(&b, t + 1), BREAKER_OPEN);
		ck_assert_double_eq(breaker_next(&b, t + 1), t + 1 + want[i]);
		t = t + 1 + want[i];
		ck_assert_int_eq(breaker_state(&b, t), BREAKER_HALF_OPEN);
	}
	ck_assert(!attempt(&b, t, t + 1, false));
	t += 1;
	ck_assert_int_eq(breaker_state(&b, t), BREAKER_CLOSED);
	/* the next opening is back to 30 s, and takes 3 failures again */
	ck_assert(!attempt(&b, t, t, true));
	ck_assert(!attempt(&b, t, t, true));
	ck_assert(attempt(&b, t, t, true));
	ck_assert_double_eq(breaker_next(&b, t), t + 30);
}
END_TEST

/* A configured cool-down over the cap is kept, not doubled nor cut. */
START_TEST(test_long_cooldown)
{
	struct breaker b;

	trip(&b, 900);
	ck_assert_double_eq(breaker_next(&b, 10.3), 910.3);
	ck_assert(attempt(&b, 910.3, 911, true));
	ck_assert_double_eq(breaker_next(&b, 911), 1811);

	trip(&b, 400);
	ck_assert(attempt(&b, 410.3, 411, true));
	ck_assert_double_eq(breaker_next(&b, 411), 1011);
}
END_TEST

/* A probe that ends in a final outcome that is not a failure (a 404)
 * closes the circuit too. */
START_TEST(test_probe_other_outcome_closes)
{
	struct breaker b;

	trip(&b, 30);
	ck_assert(!attempt(&b, 50, 51, false));
	ck_assert_int_eq(breaker_state(&b, 51), BREAKER_CLOSED);
}
END_TEST

/* Attempts in flight when it opened, ending while open: a failure does
 * not lengthen the cool-down, a success does not close it. */
START_TEST(test_late_results_while_open)
{
	struct breaker b;

	trip(&b, 30);
	ck_assert(!breaker_record(&b, true, 10.05, 12));
	ck_assert(!breaker_record(&b, true, 9, 20));
	ck_assert_double_eq(breaker_next(&b, 20), 40.3);
	ck_assert(!breaker_record(&b, false, 10.25, 21));
	ck_assert_int_eq(breaker_state(&b, 21), BREAKER_OPEN);
	ck_assert_double_eq(breaker_next(&b, 21), 40.3);
}
END_TEST

/* Half-open, before or while the probe is out: only the probe's own
 * result closes or reopens the circuit. */
START_TEST(test_late_results_while_half_open)
{
	struct breaker b;

	trip(&b, 30);
	/* before the probe */
	ck_assert(!breaker_record(&b, false, 10.2, 45));
	ck_assert_int_eq(breaker_state(&b, 45), BREAKER_HALF_OPEN);
	ck_assert(!breaker_record(&b, true, 10.2, 45));
	ck_assert_int_eq(breaker_state(&b, 45), BREAKER_HALF_OPEN);
	ck_assert_double_eq(breaker_next(&b, 45), 45);
	/* the probe is out */
	breaker_take(&b, 46);
	ck_assert(!breaker_record(&b, false, 10.25, 47));
	ck_assert_int_eq(breaker_state(&b, 47), BREAKER_HALF_OPEN);
	ck_assert(isinf(breaker_next(&b, 47)));
	ck_assert(!breaker_record(&b, true, 10.25, 47));
	ck_assert(isinf(breaker_next(&b, 47)));
	/* the probe fails: open 60 s from its end */
	ck_assert(breaker_record(&b, true, 46, 48));
	ck_assert_double_eq(breaker_next(&b, 48), 108);
}
END_TEST

/* Closed again: failures of attempts from before the opening do not
 * count towards the next one. */
START_TEST(test_late_results_after_closing)
{
	struct breaker b;

	breaker_init(&b, 1, 30);
	ck_assert(attempt(&b, 0, 1, true));
	ck_assert(!attempt(&b, 31, 32, false));
	ck_assert_int_eq(breaker_state(&b, 32), BREAKER_CLOSED);
	ck_assert(!breaker_record(&b, true, 0.5, 33));
	ck_assert_int_eq(breaker_state(&b, 33), BREAKER_CLOSED);
	ck_assert(breaker_quiet(&b));
	/* an attempt started after it closed does count */
	ck_assert(breaker_record(&b, true, 32, 34));
	ck_assert_int_eq(breaker_state(&b, 34), BREAKER_OPEN);
}
END_TEST

static Suite *
breaker_suite(void)
{
	Suite *s = suite_create("breaker");
	TCase *tc = tcase_create("states");
	TCase *tl = tcase_create("late");

	tcase_add_test(tc, test_closed_allows);
	tcase_add_test(tc, test_threshold_opens);
	tcase_add_test(tc, test_success_resets_count);
	tcase_add_test(tc, test_probe_exclusive);
	tcase_add_test(tc, test_failed_probe_doubles);
	tcase_add_test(tc, test_long_cooldown);
	tcase_add_test(tc, test_probe_other_outcome_closes);
	suite_add_tcase(s, tc);

	tcase_add_test(tl, test_late_results_while_open);
	tcase_add_test(tl, test_late_results_while_half_open);
	tcase_add_test(tl, test_late_results_after_closing);
	suite_add_tcase(s, tl);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(breaker_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
