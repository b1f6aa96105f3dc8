/* Unit tests of url_check: http and https URLs with a host are fetched,
 * everything else is an invalid_url with a reason. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "url.h"

static const char *const good[] = {
	"http://example.com",
	"http://example.com/",
	"https://example.com/",
	"https://example.com/path/to/page.html?q=1&r=two#frag",
	"HTTP://EXAMPLE.COM/",
	"HTTPS://example.com/x",
	"HtTp://example.com/",
	"http://example.com:8080/x",
	"https://example.com:443",
	"http://127.0.0.1:1/",
	"http://localhost/",
	"http://[::1]/",
	"http://[::1]:8080/x?y=1",
	"https://[2001:db8::1]:8443/a/b?c=d",
	"http://user:secret@example.com/",
	"http://example.com/a%20b?x=%2F",
	"http://xn--bcher-kva.example/",
	"http://sub.domain.example.co.uk/p;param?q",
};

START_TEST(test_accepts_http_and_https)
{
	char why[256] = "";
	const char *url = good[_i];

	ck_assert_msg(url_check(url, why, sizeof why),
	    "\"%s\" rejected: %s", url, why);
}
END_TEST

START_TEST(test_accepts_long_url)
{
	size_t n = 8192;
	char *url = malloc(n + 1);
	char why[256] = "";

	ck_assert_ptr_nonnull(url);
	memcpy(url, "http://example.com/", 19);
	memset(url + 19, 'a', n - 19);
	url[n] = '\0';
	ck_assert_msg(url_check(url, why, sizeof why), "rejected: %s", why);
	free(url);
}
END_TEST

static const char *const bad[] = {
	"file:///etc/passwd",
	"FILE:///etc/passwd",
	"ftp://x",
	"ftp://example.com/pub/file.txt",
	"gopher://example.com/",
	"javascript:alert(1)",
	"mailto:someone@example.com",
	"data:text/plain,hello",
	"ws://example.com/",
	"telnet://example.com/",
	"example.com",
	"www.example.com/path",
	"//example.com/path",
	"/etc/passwd",
	"http://",
	"https://",
	"garbage",
	"not a url at all",
	"",
	"http://example.com/x y",
	"http://exa mple.com/",
	" http://example.com/",
	"http//example.com",
	"http:example.com",
	"://example.com",
	"http://example.com:99999/",
	"http://[::1/",
};

START_TEST(test_rejects_others)
{
	char why[256] = "";
	const char *url = bad[_i];

	ck_assert_msg(!url_check(url, why, sizeof why),
	    "\"%s\" accepted", url);
	ck_assert_msg(why[0] != '\0', "\"%s\": why left empty", url);
	ck_assert_msg(strchr(why, '\n') == NULL, "\"%s\": why has a newline",
	    url);
}
END_TEST

/* No host: an http URL needs "//" and a non-empty authority (RFC 9110
 * 4.2.1: a recipient must reject an http URI with an empty host). */
START_TEST(test_rejects_empty_authority)
{
	static const char *const no_host[] = {
		"http:///path",
		"https:///path",
		"http:///",
		/* Found by fuzzing: one slash, and a "://" later on. */
		"http:/example.com/a://b",
		"http:/ttp://not.fetched/",
	};

	for (size_t i = 0; i < sizeof no_host / sizeof no_host[0]; i++) {
		char why[256] = "";

		ck_assert_msg(!url_check(no_host[i], why, sizeof why),
		    "\"%s\" accepted", no_host[i]);
		ck_assert(why[0] != '\0');
	}
}
END_TEST

START_TEST(test_reason_names_the_scheme)
{
	char why[256] = "";

	ck_assert(!url_check("file:///etc/passwd", why, sizeof why));
	ck_assert_msg(strstr(why, "file") != NULL, "why: %s", why);
	why[0] = '\0';
	ck_assert(!url_check("ftp://example.com/", why, sizeof why));
	ck_assert_msg(strstr(why, "ftp") != NULL, "why: %s", why);
}
END_TEST

START_TEST(test_small_why_buffer)
{
	char why[8];

	memset(why, 'Z', sizeof why);
	ck_assert(!url_check("gopher://example.com/", why, sizeof why));
	ck_assert_msg(memchr(why, '\0', sizeof why) != NULL,
	    "why is not terminated within its size");
}
END_TEST

static Suite *
url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("check");

	tcase_add_loop_test(tc, test_accepts_http_and_https, 0,
	    (int)(sizeof good / sizeof good[0]));
	tcase_add_test(tc, test_accepts_long_url);
	tcase_add_loop_test(tc, test_rejects_others, 0,
	    (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, test_rejects_empty_authority);
	tcase_add_test(tc, test_reason_names_the_scheme);
	tcase_add_test(tc, test_small_why_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failures;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(url_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failures ? 1 : 0;
}
