/* Unit tests of origins, the robots.txt table of --robots (SPEC, "Hosts",
 * --robots): an origin's state goes new, fetching, known; its URLs wait
 * in arrival order and come back in that order; a signal drains every
 * origin's waiters; the table grows to many origins keeping each one;
 * and freeing it frees the rules it holds. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "origins.h"

static int items[100];
#define ITEM(i)	((void *)&items[i])
#define INDEX(p)	((int)((int *)(p) - items))

/* An origin is made on first sight and found again by its key; its state
 * moves as the scheduler moves it, and the rules are there once known. */
START_TEST(test_states)
{
	struct origins *o = origins_new();
	struct origin *g = origins_get(o, "https://a.example:443");
	struct robots *r;

	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(origin_key(g), "https://a.example:443");
	ck_assert_int_eq(origin_state(g), ORIGIN_NEW);
	ck_assert_ptr_null(origin_rules(g));
	ck_assert_ptr_eq(origins_get(o, "https://a.example:443"), g);
	/* Scheme and port are part of the origin. */
	ck_assert_ptr_ne(origins_get(o, "http://a.example:80"), g);
	ck_assert_ptr_ne(origins_get(o, "https://a.example:8443"), g);

	origin_set_fetching(g);
	ck_assert_int_eq(origin_state(g), ORIGIN_FETCHING);
	ck_assert_ptr_null(origin_rules(g));
	r = robots_parse("User-agent: *\nDisallow: /x\n", 27, "scrape");
	ck_assert_ptr_nonnull(r);
	origin_set_rules(g, r);
	ck_assert_int_eq(origin_state(g), ORIGIN_KNOWN);
	ck_assert_ptr_eq(origin_rules(g), r);
	/* New rules replace (and free) the old. */
	origin_set_rules(g, robots_allow_all());
	ck_assert_int_eq(origin_state(g), ORIGIN_KNOWN);
	ck_assert_ptr_nonnull(origin_rules(g));
	ck_assert_ptr_ne(origin_rules(g), NULL);
	origins_free(o);
}
END_TEST

/* URLs waiting for one origin come back oldest first, and only that
 * origin's; the count of waiters follows. */
START_TEST(test_wait_fifo)
{
	struct origins *o = origins_new();
	struct origin *a = origins_get(o, "http://a:80");
	struct origin *b = origins_get(o, "http://b:80");

	ck_assert_ptr_null(origin_release(o, a));
	for (int i = 0; i < 10; i++)
		origin_wait(o, i % 2 ? b : a, ITEM(i));
	ck_assert_uint_eq(origins_waiting(o), 10);
	for (int i = 0; i < 10; i += 2)
		ck_assert_int_eq(INDEX(origin_release(o, a)), i);
	ck_assert_ptr_null(origin_release(o, a));
	ck_assert_uint_eq(origins_waiting(o), 5);
	/* a waits again after being emptied. */
	origin_wait(o, a, ITEM(50));
	ck_assert_uint_eq(origins_waiting(o), 6);
	for (int i = 1; i < 10; i += 2)
		ck_assert_int_eq(INDEX(origin_release(o, b)), i);
	ck_assert_ptr_null(origin_release(o, b));
	ck_assert_int_eq(INDEX(origin_release(o, a)), 50);
	ck_assert_uint_eq(origins_waiting(o), 0);
	ck_assert_ptr_null(origins_drain(o));
	origins_free(o);
}
END_TEST

/* On a signal every waiting URL comes back exactly once, each origin's
 * in its own order, including after some origins were emptied by
 * origin_release (the list of busy origins must not keep them). */
START_TEST(test_drain)
{
	struct origins *o = origins_new();
	struct origin *g[5];
	int seen[100] = { 0 }, last[5] = { -1, -1, -1, -1, -1 };
	char key[32];
	void *it;
	int n = 0;

	for (int i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "http://h%d:80", i);
		g[i] = origins_get(o, key);
	}
	for (int i = 0; i < 100; i++)
		origin_wait(o, g[i % 5], ITEM(i));
	/* Empty origin 2 by hand, and take one of origin 0's. */
	while ((it = origin_release(o, g[2])) != NULL)
		seen[INDEX(it)] = 1, n++;
	it = origin_release(o, g[0]);
	ck_assert_int_eq(INDEX(it), 0);
	seen[0] = 1;
	last[0] = 0;
	n++;
	ck_assert_uint_eq(origins_waiting(o), 100 - 21);
	while ((it = origins_drain(o)) != NULL) {
		int i = INDEX(it);

		ck_assert_int_lt(n, 100);
		ck_assert_msg(!seen[i], "item %d twice", i);
		ck_assert_int_ne(i % 5, 2);
		ck_assert_msg(i > last[i % 5], "origin %d: %d after %d",
		    i % 5, i, last[i % 5]);
		last[i % 5] = i;
		seen[i] = 1;
		n++;
	}
	ck_assert_int_eq(n, 100);
	ck_assert_uint_eq(origins_waiting(o), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_ptr_null(origin_release(o, g[i]));
	/* Waiting again after a drain works as new. */
	origin_wait(o, g[3], ITEM(7));
	ck_assert_ptr_eq(origins_drain(o), ITEM(7));
	ck_assert_ptr_null(origins_drain(o));
	origins_free(o);
}
END_TEST

/* 10000 origins: the table grows many times; every origin keeps its
 * key, state, rules and waiters, and is found again. */
START_TEST(test_grow_10k)
{
	enum { N = 10000 };
	struct origins *o = origins_new();
	struct origin **g = calloc(N, sizeof *g);
	char key[64];

	ck_assert_ptr_nonnull(g);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof key, "https://h%d.example:443", i);
		g[i] = origins_get(o, key);
		ck_assert_int_eq(origin_state(g[i]), ORIGIN_NEW);
		if (i % 3 == 1)
			origin_set_fetching(g[i]);
		if (i % 3 == 2)
			origin_set_rules(g[i], robots_disallow_all());
		if (i % 100 == 0)
			origin_wait(o, g[i], ITEM(i / 100));
	}
	ck_assert_uint_eq(origins_waiting(o), N / 100);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof key, "https://h%d.example:443", i);
		ck_assert_ptr_eq(origins_get(o, key), g[i]);
		ck_assert_str_eq(origin_key(g[i]), key);
		ck_assert_int_eq(origin_state(g[i]), i % 3 == 0 ?
		    ORIGIN_NEW : i % 3 == 1 ? ORIGIN_FETCHING : ORIGIN_KNOWN);
		ck_assert(i % 3 == 2 ? origin_rules(g[i]) != NULL :
		    origin_rules(g[i]) == NULL);
	}
	for (int i = 0; i < N; i += 100)
		ck_assert_int_eq(INDEX(origin_release(o, g[i])), i / 100);
	ck_assert_uint_eq(origins_waiting(o), 0);
	free(g);
	origins_free(o);
}
END_TEST

/* Freeing the table frees every origin's rules, and the bookkeeping of
 * waiters left in it (the items are the caller's). */
START_TEST(test_free_with_rules)
{
	static const char body[] =
	    "User-agent: scrape\nDisallow: /private\nCrawl-delay: 1\n\n"
	    "User-agent: *\nDisallow: /\n";
	struct origins *o = origins_new();
	char key[32];

	for (int i = 0; i < 200; i++) {
		struct origin *g;

		snprintf(key, sizeof key, "http://r%d:80", i);
		g = origins_get(o, key);
		origin_set_fetching(g);
		origin_set_rules(g, robots_parse(body, sizeof body - 1,
		    "scrape"));
		if (i % 7 == 0)
			origin_wait(o, g, ITEM(i % 100));
	}
	origins_free(o);
	origins_free(NULL);
}
END_TEST

static Suite *
origins_suite(void)
{
	Suite *s = suite_create("origins");
	TCase *tc = tcase_create("origins");

	tcase_add_test(tc, test_states);
	tcase_add_test(tc, test_wait_fifo);
	tcase_add_test(tc, test_drain);
	tcase_add_test(tc, test_grow_10k);
	tcase_add_test(tc, test_free_with_rules);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(origins_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
