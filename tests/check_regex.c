/* Unit tests of --regex NAME=PATTERN (SPEC "Extraction"): which text a
 * match gives, how matches follow one another (non-overlapping, empty
 * ones, UTF-8), the errors, the JSON, and a catastrophic pattern over a
 * hostile body staying bounded. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "regex.h"

/* The member regex_set_run appends for the patterns over text. */
static char *
run(const char *const *specs, const char *text, size_t len)
{
	struct regex_set *r = regex_set_new();
	struct buf out = BUF_INIT;
	char err[512];

	for (size_t i = 0; specs[i] != NULL; i++)
		ck_assert_msg(regex_set_add(r, specs[i], err, sizeof err),
		    "%s", err);
	regex_set_run(r, text, len, &out);
	regex_set_free(r);
	return out.data;
}

static void
assert_run(const char *spec, const char *text, const char *want)
{
	const char *specs[] = { spec, NULL };
	char *got = run(specs, text, strlen(text));

	ck_assert_msg(strcmp(got, want) == 0, "%s over \"%s\": %s, want %s",
	    spec, text, got, want);
	free(got);
}

START_TEST(test_group_or_whole_match)
{
	assert_run("px=(\\d+)px", "10px, 20px and 30 px",
	    "\"regex\":{\"px\":[\"10\",\"20\"]}");
	assert_run("px=\\d+px", "10px, 20px and 30 px",
	    "\"regex\":{\"px\":[\"10px\",\"20px\"]}");
	/* A non-capturing group is no group. */
	assert_run("px=(?:\\d+)px", "10px", "\"regex\":{\"px\":[\"10px\"]}");
	/* Group 1 even when a later group is set too. */
	assert_run("kv=(\\w+)=(\\w+)", "a=1 b=2",
	    "\"regex\":{\"kv\":[\"a\",\"b\"]}");
	/* A match that leaves group 1 unset gives nothing; an empty group
	 * gives "". */
	assert_run("g=(a)|b", "abba", "\"regex\":{\"g\":[\"a\",\"a\"]}");
	assert_run("g=x(a?)y", "xy xay", "\"regex\":{\"g\":[\"\",\"a\"]}");
}
END_TEST

START_TEST(test_non_overlapping)
{
	assert_run("aa=aa", "aaaaa", "\"regex\":{\"aa\":[\"aa\",\"aa\"]}");
	assert_run("w=\\w+", "one two", "\"regex\":{\"w\":[\"one\",\"two\"]}");
	assert_run("none=xyz", "abc", "\"regex\":{\"none\":[]}");
	assert_run("none=xyz", "", "\"regex\":{\"none\":[]}");
}
END_TEST

START_TEST(test_utf8)
{
	/* \w knows é with Unicode properties on, . takes one character. */
	assert_run("w=\\w+", "café au lait",
	    "\"regex\":{\"w\":[\"café\",\"au\",\"lait\"]}");
	assert_run("c=.", "é€😀",
	    "\"regex\":{\"c\":[\"é\",\"€\",\"😀\"]}");
	assert_run("d=\\d+", "٣٤ 12", "\"regex\":{\"d\":[\"٣٤\",\"12\"]}");
	assert_run("ci=(?i)ÉTÉ", "été", "\"regex\":{\"ci\":[\"été\"]}");
}
END_TEST

START_TEST(test_empty_matches)
{
	assert_run("a=a*", "baaa", "\"regex\":{\"a\":[\"\",\"aaa\",\"\"]}");
	/* One character on after an empty match, not one byte. */
	assert_run("e=", "é€", "\"regex\":{\"e\":[\"\",\"\",\"\"]}");
	assert_run("e=", "", "\"regex\":{\"e\":[\"\"]}");
	assert_run("b=\\b", "hi yo",
	    "\"regex\":{\"b\":[\"\",\"\",\"\",\"\"]}");
	assert_run("x=x*", "xx", "\"regex\":{\"x\":[\"xx\",\"\"]}");
}
END_TEST

START_TEST(test_names_in_order)
{
	const char *specs[] = { "zz=b", "aa=a", "mm=(c)", NULL };
	char *got = run(specs, "abc", 3);

	ck_assert_str_eq(got, "\"regex\":{\"zz\":[\"b\"],\"aa\":[\"a\"],"
	    "\"mm\":[\"c\"]}");
	free(got);
	/* Only the first '=' splits. */
	assert_run("eq==+", "a==b", "\"regex\":{\"eq\":[\"==\"]}");
}
END_TEST

START_TEST(test_count)
{
	struct regex_set *r = regex_set_new();
	char err[256];

	ck_assert_uint_eq(regex_set_count(r), 0);
	ck_assert(regex_set_add(r, "a=a", err, sizeof err));
	ck_assert(!regex_set_add(r, "b=(", err, sizeof err));
	ck_assert(regex_set_add(r, "b=b", err, sizeof err));
	ck_assert_uint_eq(regex_set_count(r), 2);
	regex_set_free(r);
	regex_set_free(NULL);
}
END_TEST

struct bad {
	const char *spec;
	const char *why;       /* in the message too */
};

static const struct bad bad_specs[] = {
	{ "no-equals", "NAME=PATTERN" },
	{ "=abc", "NAME is empty" },
	{ "dup=b", "used twice" },
	{ "x=a(", "offset 2" },
	{ "x=[z-a]", "offset" },
	{ "x=a{2,1}", "offset" },
	{ "x=(?<=a+)b", "offset" },
	{ "x=a\\Cb", "offset" },
	{ "x=\xff", "UTF-8" },
};

START_TEST(test_bad_specs)
{
	const struct bad *b = &bad_specs[_i];
	struct regex_set *r = regex_set_new();
	char err[512] = "";

	ck_assert(regex_set_add(r, "dup=a", err, sizeof err));
	ck_assert(!regex_set_add(r, b->spec, err, sizeof err));
	ck_assert_msg(strstr(err, b->spec) != NULL, "'%s' does not name %s",
	    err, b->spec);
	ck_assert_msg(strstr(err, b->why) != NULL, "'%s' does not say %s",
	    err, b->why);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_uint_eq(regex_set_count(r), 1);
	regex_set_free(r);
}
END_TEST

START_TEST(test_json_escaping)
{
	assert_run("q=\"[^\"]*\"", "say \"a\\b\" and \"c\x01\td\"",
	    "\"regex\":{\"q\":[\"\\\"a\\\\b\\\"\",\"\\\"c\\u0001\\td\\\"\"]}");
	assert_run("na\"me=x", "x", "\"regex\":{\"na\\\"me\":[\"x\"]}");
}
END_TEST

START_TEST(test_nul_in_text)
{
	const char *specs[] = { "z=a.b", NULL };
	char *got = run(specs, "a\0b", 3);

	ck_assert_str_eq(got, "\"regex\":{\"z\":[\"a\\u0000b\"]}");
	free(got);
}
END_TEST

/* Text that is not UTF-8 (the caller's to clean) matches nothing. */
START_TEST(test_invalid_utf8_text)
{
	const char *specs[] = { "a=a", "b=b", NULL };
	char *got = run(specs, "ab\xff", 3);

	ck_assert_str_eq(got, "\"regex\":{\"a\":[],\"b\":[]}");
	free(got);
}
END_TEST

/* A capture in a lookahead could repeat the text at every position:
 * the values stop once they would add up to more than the text. */
START_TEST(test_values_bounded_by_text)
{
	assert_run("la=(?=(a+))", "aaaa", "\"regex\":{\"la\":[\"aaaa\"]}");
	assert_run("la=(?=(a+))", "aaaa b aa",
	    "\"regex\":{\"la\":[\"aaaa\",\"aaa\",\"aa\"]}");
}
END_TEST

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* (a+)+$ over 100 KB of 'a' then 'b' backtracks exponentially: the match
 * limit stops it, and the matches found before it are kept. */
START_TEST(test_catastrophic_pattern_bounded)
{
	const char *specs[] = { "cat=(a+)+$", "early=\\d|(?:a+)+$", "ok=b",
	    NULL };
	size_t n = 100000;
	char *text = malloc(n + 6), *got;
	double t0, secs;

	memcpy(text, "1 2 ", 4);
	memset(text + 4, 'a', n);
	memcpy(text + 4 + n, "b", 2);
	t0 = now();
	got = run(specs, text, n + 5);
	secs = now() - t0;
	ck_assert_msg(secs < 5, "took %.1f s", secs);
	ck_assert_str_eq(got, "\"regex\":{\"cat\":[],\"early\":[\"1\",\"2\"],"
	    "\"ok\":[\"b\"]}");
	free(got);
	free(text);
}
END_TEST

/* A pattern that needs more than JIT's own stack still finds every
 * match, through the interpreter. */
START_TEST(test_deep_pattern_not_cut_short)
{
	const char *specs[] = { "ab=(?:a|b)*c", NULL };
	size_t n = 200000;
	char *text = malloc(n + 2), *got;

	for (size_t i = 0; i < n; i++)
		text[i] = i % 2 ? 'a' : 'b';
	memcpy(text + n, "c", 2);
	got = run(specs, text, n + 1);
	ck_assert_uint_eq(strlen(got), strlen("\"regex\":{\"ab\":[\"\"]}") +
	    n + 1);
	free(got);
	free(text);
}
END_TEST

static Suite *
regex_suite(void)
{
	Suite *s = suite_create("regex");
	TCase *tc = tcase_create("matches");
	TCase *te = tcase_create("errors");

	tcase_add_test(tc, test_group_or_whole_match);
	tcase_add_test(tc, test_non_overlapping);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_empty_matches);
	tcase_add_test(tc, test_names_in_order);
	tcase_add_test(tc, test_json_escaping);
	tcase_add_test(tc, test_nul_in_text);
	tcase_add_test(tc, test_invalid_utf8_text);
	tcase_add_test(tc, test_values_bounded_by_text);
	tcase_add_test(tc, test_catastrophic_pattern_bounded);
	tcase_add_test(tc, test_deep_pattern_not_cut_short);
	suite_add_tcase(s, tc);

	tcase_add_test(te, test_count);
	tcase_add_loop_test(te, test_bad_specs, 0,
	    (int)(sizeof bad_specs / sizeof bad_specs[0]));
	suite_add_tcase(s, te);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(regex_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
