/* The summary: counters, the human lines on standard error, and the
 * --report JSON document. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

static struct result
make_result(const char *url, enum errkind kind, long status, long attempts)
{
	struct result r = { 0 };

	r.url = url;
	r.url_len = strlen(url);
	r.kind = kind;
	r.status = status;
	r.attempts = attempts;
	r.message = kind == ERR_NONE ? "" : "went wrong";
	return r;
}

/* Run fn into a memory stream and return what it wrote (caller frees). */
static char *
capture_print(struct summary *s, double secs)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	summary_print(s, f, secs);
	fclose(f);
	return text;
}

static char *
capture_report(struct summary *s, double secs)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert(summary_write_report(s, f, secs));
	fclose(f);
	return text;
}

START_TEST(test_counts)
{
	struct summary *s = summary_new();
	struct result ok = make_result("http://a/", ERR_NONE, 200, 3);
	struct result bad = make_result("http://b/", ERR_TIMEOUT, 0, 4);
	const struct summary_counts *c;

	summary_add(s, &ok);
	summary_add(s, &bad);
	c = summary_counts(s);
	ck_assert_uint_eq(c->total, 2);
	ck_assert_uint_eq(c->ok, 1);
	ck_assert_uint_eq(c->failed, 1);
	ck_assert_uint_eq(c->retries, 2 + 3);
	ck_assert_uint_eq(c->by_kind[ERR_TIMEOUT], 1);
	summary_free(s);
}
END_TEST

START_TEST(test_totals_line_matches_spec_example)
{
	struct summary *s = summary_new();
	char line[512];
	int i;

	for (i = 0; i < 990; i++) {
		struct result r = make_result("http://ok/", ERR_NONE, 200, 1);

		summary_add(s, &r);
	}
	for (i = 0; i < 4; i++) {
		struct result r = make_result("http://t/", ERR_TIMEOUT, 0, 4);

		summary_add(s, &r);
	}
	for (i = 0; i < 6; i++) {
		struct result r = make_result("http://h/", ERR_HTTP, 500, 2);

		summary_add(s, &r);
	}
	summary_totals_line(s, 3.21, line, sizeof line);
	/* 4 timeouts x 3 retries + 6 x 1 = 18 */
	ck_assert_str_eq(line, "scraped 1000 URLs in 3.21 s (311/s): 990 ok, "
	    "10 failed (timeout 4, http 6), 18 retries");
	summary_free(s);
}
END_TEST

START_TEST(test_print_lists_each_failure_then_totals)
{
	struct summary *s = summary_new();
	struct result a = make_result("http://a/", ERR_NONE, 200, 1);
	struct result b = make_result("http://b/x", ERR_HTTP, 404, 1);
	struct result c = make_result("http://c/", ERR_RESET, 0, 3);
	char *text;

	summary_add(s, &a);
	summary_add(s, &b);
	summary_add(s, &c);
	text = capture_print(s, 1.0);
	ck_assert_ptr_nonnull(strstr(text, "http        http://b/x  went wrong\n"));
	ck_assert_ptr_nonnull(strstr(text, "reset       http://c/  went wrong (3 attempts)\n"));
	ck_assert_ptr_null(strstr(text, "http://a/"));
	ck_assert_ptr_nonnull(strstr(text, "\nscraped 3 URLs in 1.00 s (3/s): 1 ok, 2 failed (reset 1, http 1), 2 retries\n"));
	free(text);
	summary_free(s);
}
END_TEST

START_TEST(test_print_escapes_terminal_controls)
{
	struct summary *s = summary_new();
	struct result r = make_result("http://x/\x1b[2J\xff", ERR_INVALID_URL, 0, 0);
	char *text;

	r.message = "bad\x07";
	summary_add(s, &r);
	text = capture_print(s, 0.5);
	ck_assert_ptr_null(strchr(text, '\x1b'));
	ck_assert_ptr_null(strchr(text, '\x07'));
	ck_assert_ptr_nonnull(strstr(text, "http://x/\\x1b[2J\\xff  bad\\x07"));
	free(text);
	summary_free(s);
}
END_TEST

START_TEST(test_report_document)
{
	struct summary *s = summary_new();
	struct result a = make_result("http://a/", ERR_NONE, 200, 2);
	struct result b = make_result("http://b/\"q\"", ERR_HTTP, 503, 4);
	struct result c = make_result("ftp://c/", ERR_INVALID_URL, 0, 0);
	char *text;
	cJSON *doc, *failures, *f;

	summary_add(s, &a);
	summary_add(s, &b);
	summary_add(s, &c);
	text = capture_report(s, 2.5);
	doc = cJSON_Parse(text);
	ck_assert_msg(doc != NULL, "report is not JSON: %s", text);
	ck_assert_int_eq(cJSON_GetObjectItem(doc, "total")->valueint, 3);
	ck_assert_int_eq(cJSON_GetObjectItem(doc, "ok")->valueint, 1);
	ck_assert_int_eq(cJSON_GetObjectItem(doc, "failed")->valueint, 2);
	ck_assert_int_eq(cJSON_GetObjectItem(doc, "retries")->valueint, 4);
	ck_assert_double_eq_tol(cJSON_GetObjectItem(doc, "elapsed_s")->valuedouble, 2.5, 1e-9);
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "errors"), "http")->valueint, 1);
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "errors"), "invalid_url")->valueint, 1);
	failures = cJSON_GetObjectItem(doc, "failures");
	ck_assert_int_eq(cJSON_GetArraySize(failures), 2);
	f = cJSON_GetArrayItem(failures, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(f, "url")->valuestring, "http://b/\"q\"");
	ck_assert_str_eq(cJSON_GetObjectItem(f, "kind")->valuestring, "http");
	ck_assert_str_eq(cJSON_GetObjectItem(f, "message")->valuestring, "went wrong");
	ck_assert_int_eq(cJSON_GetObjectItem(f, "status")->valueint, 503);
	ck_assert_int_eq(cJSON_GetObjectItem(f, "attempts")->valueint, 4);
	f = cJSON_GetArrayItem(failures, 1);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(f, "status")));
	ck_assert_int_eq(cJSON_GetObjectItem(f, "attempts")->valueint, 0);
	cJSON_Delete(doc);
	free(text);
	summary_free(s);
}
END_TEST

START_TEST(test_report_and_print_can_both_run)
{
	struct summary *s = summary_new();
	struct result b = make_result("http://b/", ERR_DNS, 0, 1);
	char *first, *second, *report;

	summary_add(s, &b);
	first = capture_print(s, 1);
	report = capture_report(s, 1);
	second = capture_print(s, 1);
	ck_assert_str_eq(first, second);
	ck_assert_ptr_nonnull(strstr(report, "\"kind\":\"dns\""));
	free(first);
	free(second);
	free(report);
	summary_free(s);
}
END_TEST

START_TEST(test_many_failures_all_listed)
{
	struct summary *s = summary_new();
	char url[64], *report;
	cJSON *doc;
	int n = 20000;

	for (int i = 0; i < n; i++) {
		struct result r;

		snprintf(url, sizeof url, "http://host/%d", i);
		r = make_result(url, ERR_CONNECT, 0, 1);
		summary_add(s, &r);
	}
	report = capture_report(s, 1);
	doc = cJSON_Parse(report);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "failures")), n);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(doc, "failures"), n - 1), "url")->valuestring,
	    "http://host/19999");
	cJSON_Delete(doc);
	free(report);
	summary_free(s);
}
END_TEST

/* --jobs: the loops' summaries add up, their failures listed in the
 * order they finished across loops, host notes joined by host. */
START_TEST(test_merge)
{
	struct summary *dst = summary_new(), *src[3];
	static const char *const urls[] = { "http://1/", "http://2/",
	    "http://3/", "http://4/", "http://5/", "http://6/" };
	struct result ok = make_result("http://ok/", ERR_NONE, 200, 2);
	char *text, *p;

	for (int i = 0; i < 3; i++)
		src[i] = summary_new();
	/* URL k fails in loop k mod 3, one after another. */
	for (int k = 0; k < 6; k++) {
		struct result r = make_result(urls[k], ERR_TIMEOUT, 0, 1);

		summary_add(src[k % 3], &r);
	}
	summary_add(src[1], &ok);
	summary_track_hosts(src[2]);
	summary_note_host(src[0], "a.example", 1, 3, 0);
	summary_note_host(src[2], "a.example", 1, 2, 4);
	summary_merge(dst, src, 3);
	ck_assert_uint_eq(summary_counts(dst)->total, 7);
	ck_assert_uint_eq(summary_counts(dst)->failed, 6);
	ck_assert_uint_eq(summary_counts(dst)->by_kind[ERR_TIMEOUT], 6);
	ck_assert_uint_eq(summary_counts(dst)->retries, 1);
	text = capture_print(dst, 1.0);
	p = text;
	for (int k = 0; k < 6; k++) {
		char *at = strstr(p, urls[k]);

		ck_assert_msg(at != NULL, "%s missing or out of order:\n%s",
		    urls[k], text);
		p = at;
	}
	ck_assert_ptr_nonnull(strstr(text, "host a.example: circuit opened 2 "
	    "times, 5 URLs circuit_open; --adaptive lowered its limit to 4\n"));
	free(text);
	text = capture_report(dst, 1.0);
	ck_assert_ptr_nonnull(strstr(text, "\"hosts\":[{\"host\":\"a.example\""));
	free(text);
	for (int i = 0; i < 3; i++)
		summary_free(src[i]);
	summary_free(dst);
}
END_TEST

START_TEST(test_empty_run)
{
	struct summary *s = summary_new();
	char line[256], *report;

	summary_totals_line(s, 0, line, sizeof line);
	ck_assert_str_eq(line, "scraped 0 URLs in 0.00 s (0/s): 0 ok, 0 failed, 0 retries");
	report = capture_report(s, 0);
	ck_assert_str_eq(report, "{\"total\":0,\"ok\":0,\"failed\":0,\"retries\":0,"
	    "\"elapsed_s\":0.000,\"errors\":{},\"failures\":[]}\n");
	free(report);
	summary_free(s);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("summary");
	TCase *tc = tcase_create("summary");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_totals_line_matches_spec_example);
	tcase_add_test(tc, test_print_lists_each_failure_then_totals);
	tcase_add_test(tc, test_print_escapes_terminal_controls);
	tcase_add_test(tc, test_report_document);
	tcase_add_test(tc, test_report_and_print_can_both_run);
	tcase_add_test(tc, test_many_failures_all_listed);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_empty_run);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
