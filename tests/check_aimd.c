/* Unit tests of the --adaptive limit (SPEC.md, "Hosts"): pushback halves
 * it once per round trip, never below 1; successes while the limit is in
 * full use raise it by one per round trip, never above its start. */
#include <check.h>
#include <stdbool.h>

#include "aimd.h"

START_TEST(test_starts_at_start)
{
	struct aimd a;

	aimd_init(&a, 16);
	ck_assert_int_eq(aimd_limit(&a), 16);
	ck_assert_int_eq(aimd_lowest(&a), 16);
}
END_TEST

/* One cut per round trip: the other answers to requests sent before the
 * cut were already on their way. */
START_TEST(test_cut_once_per_round_trip)
{
	struct aimd a;

	aimd_init(&a, 16);
	aimd_on_pushback(&a, 9, 10);
	ck_assert_int_eq(aimd_limit(&a), 8);
	for (int i = 0; i < 15; i++)
		aimd_on_pushback(&a, 9 + i * 0.01, 10 + i * 0.1);
	ck_assert_int_eq(aimd_limit(&a), 8);
	/* a request sent after the cut */
	aimd_on_pushback(&a, 10.5, 11);
	ck_assert_int_eq(aimd_limit(&a), 4);
	ck_assert_int_eq(aimd_lowest(&a), 4);
}
END_TEST

START_TEST(test_never_below_one)
{
	struct aimd a;
	double t = 0;

	aimd_init(&a, 5);
	aimd_on_pushback(&a, t, t + 1);
	ck_assert_int_eq(aimd_limit(&a), 2);
	for (int i = 0; i < 10; i++) {
		t += 2;
		aimd_on_pushback(&a, t, t + 1);
		ck_assert_int_eq(aimd_limit(&a), 1);
	}
	ck_assert_int_eq(aimd_lowest(&a), 1);

	aimd_init(&a, 1);
	aimd_on_pushback(&a, 0, 1);
	ck_assert_int_eq(aimd_limit(&a), 1);
}
END_TEST

/* One step up per round trip: only a request started after the last
 * change counts, and only while the limit is in full use. */
START_TEST(test_raise_once_per_round_trip)
{
	struct aimd a;

	aimd_init(&a, 16);
	aimd_on_pushback(&a, 9, 10);
	/* answers to requests sent before the cut */
	aimd_on_success(&a, 9.5, 10.5, true);
	ck_assert_int_eq(aimd_limit(&a), 8);
	aimd_on_success(&a, 10.2, 11, true);
	ck_assert_int_eq(aimd_limit(&a), 9);
	/* sent before that raise */
	aimd_on_success(&a, 10.3, 11.1, true);
	aimd_on_success(&a, 10.9, 11.2, true);
	ck_assert_int_eq(aimd_limit(&a), 9);
	aimd_on_success(&a, 11.05, 12, true);
	ck_assert_int_eq(aimd_limit(&a), 10);
	ck_assert_int_eq(aimd_lowest(&a), 8);
}
END_TEST

START_TEST(test_no_raise_unless_full)
{
	struct aimd a;

	aimd_init(&a, 16);
	aimd_on_pushback(&a, 0, 1);
	for (int i = 0; i < 100; i++)
		aimd_on_success(&a, 2 + i, 2.5 + i, false);
	ck_assert_int_eq(aimd_limit(&a), 8);
}
END_TEST

START_TEST(test_never_above_start)
{
	struct aimd a;

	aimd_init(&a, 4);
	for (int i = 0; i < 100; i++)
		aimd_on_success(&a, i, i + 0.5, true);
	ck_assert_int_eq(aimd_limit(&a), 4);
	ck_assert_int_eq(aimd_lowest(&a), 4);
}
END_TEST

/* A raise does not shield the window from a cut: pushback for a
 * request sent after the last cut halves the limit whatever came since. */
START_TEST(test_raise_then_cut)
{
	struct aimd a;

	aimd_init(&a, 16);
	aimd_on_pushback(&a, 0, 1);
	aimd_on_success(&a, 1.5, 3, true);
	ck_assert_int_eq(aimd_limit(&a), 9);
	aimd_on_pushback(&a, 2, 4);
	ck_assert_int_eq(aimd_limit(&a), 4);
}
END_TEST

/* A host that keeps its limit full with one-second round trips: after
 * one cut from 16 to 8 it takes 8 round trips to be back at 16, and
 * stays there. */
START_TEST(test_recovery_round_trips)
{
	struct aimd a;
	double t = 0;
	int rounds = 0;

	aimd_init(&a, 16);
	aimd_on_pushback(&a, -1, t);
	while (aimd_limit(&a) < 16) {
		long n = aimd_limit(&a);

		/* n requests start at t, all answered at t + 1 */
		for (long i = 0; i < n; i++)
			aimd_on_success(&a, t, t + 1, true);
		ck_assert_int_eq(aimd_limit(&a), n + 1);
		t += 1;
		rounds++;
	}
	ck_assert_int_eq(rounds, 8);
	for (int i = 0; i < 5; i++, t++)
		aimd_on_success(&a, t, t + 1, true);
	ck_assert_int_eq(aimd_limit(&a), 16);
	ck_assert_int_eq(aimd_lowest(&a), 8);
}
END_TEST

static Suite *
aimd_suite(void)
{
	Suite *s = suite_create("aimd");
	TCase *tc = tcase_create("limit");

	tcase_add_test(tc, test_starts_at_start);
	tcase_add_test(tc, test_cut_once_per_round_trip);
	tcase_add_test(tc, test_never_below_one);
	tcase_add_test(tc, test_raise_once_per_round_trip);
	tcase_add_test(tc, test_no_raise_unless_full);
	tcase_add_test(tc, test_never_above_start);
	tcase_add_test(tc, test_raise_then_cut);
	tcase_add_test(tc, test_recovery_round_trips);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(aimd_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
