/* Unit tests of the retry rule of SPEC.md: which outcomes are retried,
 * how long each backoff waits, and how Retry-After is read. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <time.h>

#include <curl/curl.h>

#include "errkind.h"
#include "retry.h"

/* ---- retry_classify ---------------------------------------------------- */

struct case_ {
	CURLcode code;
	long status;
	bool too_large;
	enum errkind kind;
	bool retryable;
	const char *what;
	const char *message;   /* libcurl's error text; NULL: none */
};

static void
assert_verdict(const struct case_ *c)
{
	struct verdict v = retry_classify(c->code, c->status,
	    c->too_large ? STOP_TOO_LARGE : STOP_NONE, c->message);

	ck_assert_msg(v.kind == c->kind,
	    "%s (code %d, status %ld%s): kind \"%s\", want \"%s\"", c->what,
	    (int)c->code, c->status, c->too_large ? ", too large" : "",
	    errkind_name(v.kind), errkind_name(c->kind));
	ck_assert_msg(v.retryable == c->retryable,
	    "%s (code %d, status %ld%s): %s, want %s", c->what, (int)c->code,
	    c->status, c->too_large ? ", too large" : "",
	    v.retryable ? "retryable" : "final",
	    c->retryable ? "retryable" : "final");
}

static const struct case_ ok_cases[] = {
	{ CURLE_OK, 200, false, ERR_NONE, false, "200", NULL },
	{ CURLE_OK, 201, false, ERR_NONE, false, "201", NULL },
	{ CURLE_OK, 204, false, ERR_NONE, false, "204", NULL },
	{ CURLE_OK, 206, false, ERR_NONE, false, "206", NULL },
	{ CURLE_OK, 299, false, ERR_NONE, false, "299", NULL },
};

START_TEST(test_classify_2xx_ok)
{
	assert_verdict(&ok_cases[_i]);
}
END_TEST

static const struct case_ http_cases[] = {
	/* final at once: any status but the six retryable ones */
	{ CURLE_OK, 404, false, ERR_HTTP, false, "404", NULL },
	{ CURLE_OK, 403, false, ERR_HTTP, false, "403", NULL },
	{ CURLE_OK, 301, false, ERR_HTTP, false, "301 not followed", NULL },
	{ CURLE_OK, 302, false, ERR_HTTP, false, "302 not followed", NULL },
	{ CURLE_OK, 304, false, ERR_HTTP, false, "304", NULL },
	{ CURLE_OK, 400, false, ERR_HTTP, false, "400", NULL },
	{ CURLE_OK, 401, false, ERR_HTTP, false, "401", NULL },
	{ CURLE_OK, 410, false, ERR_HTTP, false, "410", NULL },
	{ CURLE_OK, 418, false, ERR_HTTP, false, "418", NULL },
	{ CURLE_OK, 501, false, ERR_HTTP, false, "501", NULL },
	{ CURLE_OK, 505, false, ERR_HTTP, false, "505", NULL },
	{ CURLE_OK, 199, false, ERR_HTTP, false, "199", NULL },
	{ CURLE_OK, 300, false, ERR_HTTP, false, "300", NULL },
	/* retryable statuses */
	{ CURLE_OK, 408, false, ERR_HTTP, true, "408", NULL },
	{ CURLE_OK, 429, false, ERR_HTTP, true, "429", NULL },
	{ CURLE_OK, 500, false, ERR_HTTP, true, "500", NULL },
	{ CURLE_OK, 502, false, ERR_HTTP, true, "502", NULL },
	{ CURLE_OK, 503, false, ERR_HTTP, true, "503", NULL },
	{ CURLE_OK, 504, false, ERR_HTTP, true, "504", NULL },
};

START_TEST(test_classify_http_status)
{
	assert_verdict(&http_cases[_i]);
}
END_TEST

static const struct case_ transport_cases[] = {
	{ CURLE_COULDNT_RESOLVE_HOST, 0, false, ERR_DNS, true, "dns", NULL },
	{ CURLE_COULDNT_CONNECT, 0, false, ERR_CONNECT, true, "refused", NULL },
	{ CURLE_OPERATION_TIMEDOUT, 0, false, ERR_TIMEOUT, true, "timeout",
	    NULL },
	{ CURLE_OPERATION_TIMEDOUT, 200, false, ERR_TIMEOUT, true,
	    "timeout after the headers", NULL },
	{ CURLE_SSL_CONNECT_ERROR, 0, false, ERR_TLS, true,
	    "TLS handshake failure", NULL },
	{ CURLE_PEER_FAILED_VERIFICATION, 0, false, ERR_TLS, false,
	    "certificate does not verify", NULL },
	{ CURLE_GOT_NOTHING, 0, false, ERR_RESET, true, "empty reply", NULL },
	{ CURLE_RECV_ERROR, 0, false, ERR_RESET, true, "reset", NULL },
	{ CURLE_RECV_ERROR, 200, false, ERR_RESET, true,
	    "reset after the headers", NULL },
	{ CURLE_SEND_ERROR, 0, false, ERR_RESET, true, "send failed", NULL },
	{ CURLE_PARTIAL_FILE, 200, false, ERR_RESET, true, "truncated body",
	    NULL },
	{ CURLE_PARTIAL_FILE, 0, false, ERR_RESET, true, "truncated", NULL },
	{ CURLE_TOO_MANY_REDIRECTS, 301, false, ERR_REDIRECT, false,
	    "too many redirects", NULL },
	{ CURLE_TOO_MANY_REDIRECTS, 0, false, ERR_REDIRECT, false,
	    "too many redirects, no status", NULL },
	{ CURLE_WEIRD_SERVER_REPLY, 0, false, ERR_PROTOCOL, true,
	    "weird server reply", NULL },
	{ CURLE_URL_MALFORMAT, 0, false, ERR_INVALID_URL, false,
	    "malformed URL", NULL },
	{ CURLE_FILESIZE_EXCEEDED, 0, false, ERR_TOO_LARGE, false,
	    "declared size over --max-size", NULL },
	/* Not a redirect: libcurl refusing an HTTP/0.9 (garbage) reply. */
	{ CURLE_UNSUPPORTED_PROTOCOL, 0, false, ERR_PROTOCOL, true,
	    "HTTP/0.9 reply", NULL },
	/* libcurl 7.88's word for a header line over its limit: the server
	 * sends it every time, so it is final. */
	{ CURLE_OUT_OF_MEMORY, 200, false, ERR_PROTOCOL, false,
	    "huge header line", NULL },
	/* Bad chunked framing is the answer's fault, not the connection's:
	 * protocol and final.  A plain receive error stays reset. */
	{ CURLE_RECV_ERROR, 200, false, ERR_PROTOCOL, false, "bad chunk size",
	    "Illegal or missing hexadecimal sequence in chunked-encoding" },
	{ CURLE_RECV_ERROR, 200, false, ERR_PROTOCOL, false,
	    "bad chunk size, libcurl 8.x",
	    "chunk hex-length char not a hex digit: 0x7a" },
	{ CURLE_RECV_ERROR, 200, false, ERR_RESET, true, "recv failure",
	    "Recv failure: Connection reset by peer" },
	{ CURLE_BAD_CONTENT_ENCODING, 200, false, ERR_PROTOCOL, false,
	    "body does not decode", NULL },
	{ CURLE_HTTP2, 0, false, ERR_PROTOCOL, true, "HTTP/2 framing", NULL },
	/* After a 3xx, a URL libcurl cannot use is the redirect target's. */
	{ CURLE_URL_MALFORMAT, 302, false, ERR_REDIRECT, false,
	    "redirect to a host that is not UTF-8",
	    "URL using bad/illegal format or missing URL" },
};

START_TEST(test_classify_transport)
{
	assert_verdict(&transport_cases[_i]);
}
END_TEST

/* Scrape's write callback stopping the body wins over everything. */
static const struct case_ too_large_cases[] = {
	{ CURLE_WRITE_ERROR, 200, true, ERR_TOO_LARGE, false,
	    "stopped by the write callback", NULL },
	{ CURLE_OK, 200, true, ERR_TOO_LARGE, false, "ok but too large", NULL },
	{ CURLE_WRITE_ERROR, 503, true, ERR_TOO_LARGE, false,
	    "too large 503", NULL },
	{ CURLE_PARTIAL_FILE, 200, true, ERR_TOO_LARGE, false,
	    "too large and truncated", NULL },
	{ CURLE_OPERATION_TIMEDOUT, 200, true, ERR_TOO_LARGE, false,
	    "too large and timed out", NULL },
};

START_TEST(test_classify_too_large_wins)
{
	assert_verdict(&too_large_cases[_i]);
}
END_TEST

/* A redirect to a scheme other than http(s): the transfer's allowed
 * redirect protocols turn it into CURLE_UNSUPPORTED_PROTOCOL after a 3xx
 * (input URLs are http(s) already).  SPEC.md: kind "redirect", final. */
START_TEST(test_classify_redirect_to_other_scheme)
{
	static const struct case_ c = { CURLE_UNSUPPORTED_PROTOCOL, 302,
	    false, ERR_REDIRECT, false, "redirect to ftp://", NULL };

	assert_verdict(&c);
}
END_TEST

/* --no-private refused the address: kind blocked, final; but if another
 * address of the host connected and the transfer went on, its own
 * outcome counts. */
START_TEST(test_classify_blocked)
{
	struct verdict v = retry_classify(CURLE_COULDNT_CONNECT, 0,
	    STOP_BLOCKED, NULL);

	ck_assert_int_eq(v.kind, ERR_BLOCKED);
	ck_assert(!v.retryable);
	v = retry_classify(CURLE_OK, 200, STOP_BLOCKED, NULL);
	ck_assert_int_eq(v.kind, ERR_NONE);
	v = retry_classify(CURLE_OK, 503, STOP_BLOCKED, NULL);
	ck_assert_int_eq(v.kind, ERR_HTTP);
	ck_assert(v.retryable);
}
END_TEST

/* Whatever libcurl reports, a transport failure is never "ok" and is
 * retried unless it is one of the final kinds. */
START_TEST(test_classify_every_curl_code)
{
	for (int code = 1; code < CURL_LAST; code++) {
		struct verdict v = retry_classify((CURLcode)code, 0, STOP_NONE,
		    NULL);

		ck_assert_msg(v.kind != ERR_NONE, "code %d classified ok",
		    code);
		ck_assert_msg(v.kind != ERR_HTTP, "code %d classified http",
		    code);
		if (v.kind == ERR_TOO_LARGE || v.kind == ERR_REDIRECT ||
		    v.kind == ERR_INVALID_URL || v.kind == ERR_CANCELLED)
			ck_assert_msg(!v.retryable, "code %d: %s retried", code,
			    errkind_name(v.kind));
		if (v.kind == ERR_DNS || v.kind == ERR_CONNECT ||
		    v.kind == ERR_TIMEOUT || v.kind == ERR_RESET)
			ck_assert_msg(v.retryable, "code %d: %s final", code,
			    errkind_name(v.kind));
	}
}
END_TEST

/* ---- retry_backoff ----------------------------------------------------- */

START_TEST(test_backoff_doubles)
{
	ck_assert_double_eq(retry_backoff(1, 1, 1000, -1, 0), 1);
	ck_assert_double_eq(retry_backoff(2, 1, 1000, -1, 0), 2);
	ck_assert_double_eq(retry_backoff(3, 1, 1000, -1, 0), 4);
	ck_assert_double_eq(retry_backoff(4, 1, 1000, -1, 0), 8);
	ck_assert_double_eq(retry_backoff(5, 1, 1000, -1, 0), 16);
	ck_assert_double_eq(retry_backoff(1, 0.5, 1000, -1, 0), 0.5);
	ck_assert_double_eq(retry_backoff(3, 0.5, 1000, -1, 0), 2);
	ck_assert_double_eq(retry_backoff(5, 0.25, 1000, -1, 0), 4);
	ck_assert_double_eq_tol(retry_backoff(4, 0.1, 1000, -1, 0), 0.8,
	    1e-12);
}
END_TEST

START_TEST(test_backoff_jitter_under_double)
{
	for (int k = 1; k <= 5; k++) {
		double base = ldexp(1.0, k - 1);
		double w = retry_backoff(k, 1, 1000, -1, 0.999);

		ck_assert_msg(w > base && w < 2 * base,
		    "k=%d jitter .999: %g not in (%g, %g)", k, w, base,
		    2 * base);
		ck_assert_double_eq_tol(w, base * 1.999, 1e-9);
	}
	ck_assert_double_eq_tol(retry_backoff(3, 1, 1000, -1, 0.5), 6, 1e-12);
	/* across the whole jitter range: never below SECS*2^(k-1), never
	 * doubled */
	for (int k = 1; k <= 10; k++)
		for (int j = 0; j < 1000; j++) {
			double jit = j / 1000.0;
			double lo = 0.3 * ldexp(1.0, k - 1);
			double w = retry_backoff(k, 0.3, 1e9, -1, jit);

			if (!(w >= lo && w < 2 * lo))
				ck_abort_msg("k=%d jitter %g: %g not in "
				    "[%g, %g)", k, jit, w, lo, 2 * lo);
		}
}
END_TEST

START_TEST(test_backoff_cap)
{
	ck_assert_double_eq(retry_backoff(10, 1, 30, -1, 0), 30);
	ck_assert_double_eq(retry_backoff(5, 1, 16, -1, 0), 16);
	ck_assert_double_eq(retry_backoff(5, 1, 16, -1, 0.5), 16);
	ck_assert_double_eq(retry_backoff(5, 1, 30, -1, 0.999), 30);
	ck_assert_double_eq(retry_backoff(4, 1, 30, -1, 0), 8);
	ck_assert_double_eq(retry_backoff(1, 1, 0, -1, 0), 0);
	ck_assert_double_eq(retry_backoff(3, 2, 0.5, -1, 0.3), 0.5);
}
END_TEST

START_TEST(test_backoff_retry_after)
{
	/* longer than the backoff: it wins */
	ck_assert_double_eq(retry_backoff(1, 1, 30, 10, 0), 10);
	ck_assert_double_eq(retry_backoff(2, 1, 30, 7.5, 0.5), 7.5);
	/* but it is still capped */
	ck_assert_double_eq(retry_backoff(1, 1, 30, 100, 0), 30);
	ck_assert_double_eq(retry_backoff(1, 1, 30, 1e12, 0.9), 30);
	/* shorter than the backoff: ignored */
	ck_assert_double_eq(retry_backoff(3, 1, 30, 2, 0), 4);
	ck_assert_double_eq(retry_backoff(3, 1, 30, 0, 0), 4);
	ck_assert_double_eq(retry_backoff(5, 1, 30, 0, 0), 16);
	/* negative: no Retry-After */
	ck_assert_double_eq(retry_backoff(2, 1, 30, -1, 0), 2);
}
END_TEST

START_TEST(test_backoff_base_zero)
{
	for (int k = 1; k <= 5; k++) {
		ck_assert_double_eq(retry_backoff(k, 0, 30, -1, 0), 0);
		ck_assert_double_eq(retry_backoff(k, 0, 30, -1, 0.999), 0);
	}
	ck_assert_double_eq(retry_backoff(100, 0, 30, -1, 0.5), 0);
	ck_assert_double_eq(retry_backoff(1, 0, 30, 5, 0), 5);
	ck_assert_double_eq(retry_backoff(4, 0, 30, 12, 0.7), 12);
	ck_assert_double_eq(retry_backoff(1, 0, 30, 50, 0), 30);
}
END_TEST

START_TEST(test_backoff_huge_k)
{
	double w = retry_backoff(100, 1, 30, -1, 0.999);

	ck_assert(isfinite(w));
	ck_assert_double_eq(w, 30);
	w = retry_backoff(100, 1e300, 30, -1, 0.5);
	ck_assert(isfinite(w));
	ck_assert_double_eq(w, 30);
	w = retry_backoff(2000, 1, 30, -1, 0);
	ck_assert(isfinite(w));
	ck_assert_double_eq(w, 30);
	w = retry_backoff(INT_MAX, 1, 30, 5, 0.5);
	ck_assert(isfinite(w));
	ck_assert_double_eq(w, 30);
}
END_TEST

/* Over a grid of arguments: finite, within [0, cap], never below the
 * smaller of the backoff and the cap, never more than double. */
START_TEST(test_backoff_bounds_grid)
{
	static const double bases[] = { 0, 0.001, 0.5, 1, 30 };
	static const double caps[] = { 0, 1, 30, 3600 };
	static const double afters[] = { -1, 0, 5, 1e9 };
	static const double jitters[] = { 0, 0.25, 0.5, 0.999 };

	for (int k = 1; k <= 100; k++)
	for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
	for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
	for (size_t a = 0; a < sizeof afters / sizeof afters[0]; a++)
	for (size_t j = 0; j < sizeof jitters / sizeof jitters[0]; j++) {
		double base = bases[b], cap = caps[c], ra = afters[a];
		double w = retry_backoff(k, base, cap, ra, jitters[j]);
		double lo = base * ldexp(1.0, k - 1);
		double want_min = fmin(fmax(lo, ra), cap);
		double want_max = fmin(fmax(2 * lo, ra), cap);

		if (!(isfinite(w) && w >= 0 && w <= cap && w >= want_min &&
		    w <= want_max))
			ck_abort_msg("k=%d base=%g cap=%g retry_after=%g "
			    "jitter=%g: %g not in [%g, %g]", k, base, cap, ra,
			    jitters[j], w, want_min, want_max);
	}
}
END_TEST

/* ---- retry_after_parse ------------------------------------------------- */

/* Sun, 06 Nov 1994 08:49:37 GMT, the date of RFC 9110's examples. */
#define NOW ((time_t)784111777)

static double
after(const char *value, time_t now)
{
	double secs = -12345;

	ck_assert_msg(retry_after_parse(value, now, &secs),
	    "\"%s\" not understood", value);
	return secs;
}

START_TEST(test_retry_after_seconds)
{
	ck_assert_double_eq(after("120", NOW), 120);
	ck_assert_double_eq(after(" 7 ", NOW), 7);
	ck_assert_double_eq(after("0", NOW), 0);
	ck_assert_double_eq(after("1", NOW), 1);
	ck_assert_double_eq(after("86400", NOW), 86400);
	ck_assert_double_eq(after("007", NOW), 7);
	/* Found by fuzzing: 400 nines added up to infinity. */
	{
		char nines[401];

		memset(nines, '9', 400);
		nines[400] = '\0';
		ck_assert_double_eq(after(nines, NOW), 2147483648.0);
	}
}
END_TEST

START_TEST(test_retry_after_imf_fixdate)
{
	ck_assert_double_eq(after("Sun, 06 Nov 1994 08:49:37 GMT", NOW), 0);
	ck_assert_double_eq(after("Sun, 06 Nov 1994 08:50:07 GMT", NOW), 30);
	ck_assert_double_eq(after("Sun, 06 Nov 1994 09:49:37 GMT", NOW),
	    3600);
	ck_assert_double_eq(after("Mon, 07 Nov 1994 08:49:37 GMT", NOW),
	    86400);
	/* the same date seen from other clocks */
	ck_assert_double_eq(after("Sun, 06 Nov 1994 08:49:37 GMT",
	    NOW - 45), 45);
}
END_TEST

START_TEST(test_retry_after_past_date_is_zero)
{
	ck_assert_double_eq(after("Sun, 06 Nov 1994 08:49:00 GMT", NOW), 0);
	ck_assert_double_eq(after("Sat, 05 Nov 1994 08:49:37 GMT", NOW), 0);
	ck_assert_double_eq(after("Thu, 01 Jan 1970 00:00:00 GMT", NOW), 0);
	ck_assert_double_eq(after("Sun, 06 Nov 1994 08:49:37 GMT",
	    NOW + 3600), 0);
}
END_TEST

START_TEST(test_retry_after_obsolete_date_forms)
{
	/* RFC 850 */
	ck_assert_double_eq(after("Sunday, 06-Nov-94 08:50:37 GMT", NOW), 60);
	ck_assert_double_eq(after("Sunday, 06-Nov-94 08:49:37 GMT", NOW), 0);
	/* asctime */
	ck_assert_double_eq(after("Sun Nov  6 08:51:37 1994", NOW), 120);
	ck_assert_double_eq(after("Sun Nov  6 08:49:30 1994", NOW), 0);
}
END_TEST

START_TEST(test_retry_after_garbage)
{
	static const char *const bad[] = {
		"soon", "-5", "12abc", "", "   ", "1.5", "+5", "0x10",
		"5 seconds", "in a minute", "Nov", "12 13",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		double secs = -1;

		ck_assert_msg(!retry_after_parse(bad[i], NOW, &secs),
		    "\"%s\" accepted as %g", bad[i], secs);
	}
}
END_TEST

static Suite *
retry_suite(void)
{
	Suite *s = suite_create("retry");
	TCase *tc = tcase_create("classify");
	TCase *tb = tcase_create("backoff");
	TCase *ta = tcase_create("retry_after");

	tcase_add_loop_test(tc, test_classify_2xx_ok, 0,
	    (int)(sizeof ok_cases / sizeof ok_cases[0]));
	tcase_add_loop_test(tc, test_classify_http_status, 0,
	    (int)(sizeof http_cases / sizeof http_cases[0]));
	tcase_add_loop_test(tc, test_classify_transport, 0,
	    (int)(sizeof transport_cases / sizeof transport_cases[0]));
	tcase_add_loop_test(tc, test_classify_too_large_wins, 0,
	    (int)(sizeof too_large_cases / sizeof too_large_cases[0]));
	tcase_add_test(tc, test_classify_redirect_to_other_scheme);
	tcase_add_test(tc, test_classify_blocked);
	tcase_add_test(tc, test_classify_every_curl_code);
	suite_add_tcase(s, tc);

	tcase_add_test(tb, test_backoff_doubles);
	tcase_add_test(tb, test_backoff_jitter_under_double);
	tcase_add_test(tb, test_backoff_cap);
	tcase_add_test(tb, test_backoff_retry_after);
	tcase_add_test(tb, test_backoff_base_zero);
	tcase_add_test(tb, test_backoff_huge_k);
	tcase_add_test(tb, test_backoff_bounds_grid);
	suite_add_tcase(s, tb);

	tcase_add_test(ta, test_retry_after_seconds);
	tcase_add_test(ta, test_retry_after_imf_fixdate);
	tcase_add_test(ta, test_retry_after_past_date_is_zero);
	tcase_add_test(ta, test_retry_after_obsolete_date_forms);
	tcase_add_test(ta, test_retry_after_garbage);
	suite_add_tcase(s, ta);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(retry_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
