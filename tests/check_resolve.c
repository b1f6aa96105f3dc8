/* Unit tests of the parts of scrape's own DNS lookups that need no
 * nameserver (resolve.h): the memory of origins looked up lately (seen.h),
 * the key an origin is known by, and the CURLOPT_RESOLVE entry made of an
 * answer.  tests/check_dns runs the lookups against a real DNS server. */
#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "resolve.h"
#include "seen.h"

static bool
seen_fresh(const struct seen *s, uint64_t key, double now)
{
	return now < seen_until(s, key);
}

START_TEST(test_seen_fresh_until)
{
	struct seen *s = seen_new(16);

	ck_assert(!seen_fresh(s, 42, 0));
	seen_put(s, 42, 10);
	ck_assert(seen_fresh(s, 42, 0));
	ck_assert(seen_fresh(s, 42, 9.999));
	ck_assert(!seen_fresh(s, 42, 10));
	ck_assert(!seen_fresh(s, 43, 5));
	ck_assert(seen_until(s, 42) == 10);
	ck_assert(seen_until(s, 43) == -INFINITY);
	seen_put(s, 42, INFINITY);
	ck_assert(seen_fresh(s, 42, 1e12));
	ck_assert(seen_until(s, 42) == INFINITY);
	seen_free(s);
}
END_TEST

/* A new table knows no key, 0 included, at any time. */
START_TEST(test_seen_empty)
{
	struct seen *s = seen_new(0);

	ck_assert(!seen_fresh(s, 0, 0));
	ck_assert(!seen_fresh(s, 0, -1));
	ck_assert(!seen_fresh(s, 0, 1e9));
	seen_free(s);
}
END_TEST

/* Bounded: keys beyond its room push out others, never pile up, and a
 * key pushed out is simply not fresh (it costs a lookup, no more). */
START_TEST(test_seen_bounded)
{
	struct seen *s = seen_new(8);
	size_t fresh = 0;

	for (uint64_t k = 1; k <= 1000; k++)
		seen_put(s, k * 0x9e3779b97f4a7c15ULL, 100);
	for (uint64_t k = 1; k <= 1000; k++)
		fresh += seen_fresh(s, k * 0x9e3779b97f4a7c15ULL, 0);
	ck_assert_uint_ge(fresh, 1);
	ck_assert_uint_le(fresh, 8);
	/* The last key put is always there. */
	ck_assert(seen_fresh(s, 1000 * 0x9e3779b97f4a7c15ULL, 0));
	seen_free(s);
}
END_TEST

START_TEST(test_key_one_per_origin)
{
	uint64_t k = resolve_url_key("http://example.com/a");

	ck_assert_uint_eq(k, resolve_url_key("http://example.com/b?c#d"));
	ck_assert_uint_eq(k, resolve_url_key("http://example.com"));
	ck_assert_uint_eq(k, resolve_url_key("http://example.com?q"));
	ck_assert_uint_eq(k, resolve_url_key("http://example.com#f"));
	ck_assert_uint_ne(k, resolve_url_key("https://example.com/a"));
	ck_assert_uint_ne(k, resolve_url_key("http://example.com:8080/a"));
	ck_assert_uint_ne(k, resolve_url_key("http://example.org/a"));
	ck_assert_uint_ne(k, resolve_url_key("http://www.example.com/a"));
	ck_assert_uint_ne(k, resolve_url_key("http://example.co/a"));
	ck_assert_uint_ne(k, resolve_url_key("http://example.com./a"));
	/* Longer than a word or two, every byte counts. */
	ck_assert_uint_ne(resolve_url_key("http://a-long-host-name.example/"),
	    resolve_url_key("http://a-long-host-namE.example/"));
	ck_assert_uint_ne(resolve_url_key("http://a-long-host-name.example/"),
	    resolve_url_key("http://a-long-host-name.example:1/"));
	/* A scheme written in capitals still has its host hashed. */
	ck_assert_uint_ne(resolve_url_key("HTTP://a.test/"),
	    resolve_url_key("HTTP://b.test/"));
	ck_assert_uint_eq(resolve_url_key("HTTPS://a.test/x"),
	    resolve_url_key("HTTPS://a.test/y"));
	/* The path does not count, even where it looks like a host. */
	ck_assert_uint_eq(resolve_url_key("http://a.test/x.test:1"),
	    resolve_url_key("http://a.test/"));
}
END_TEST

static void
addrs(struct in_addr *v4, struct in6_addr *v6)
{
	inet_pton(AF_INET, "192.0.2.1", &v4[0]);
	inet_pton(AF_INET, "192.0.2.2", &v4[1]);
	inet_pton(AF_INET6, "2001:db8::1", &v6[0]);
	inet_pton(AF_INET6, "2001:db8::2", &v6[1]);
}

START_TEST(test_entry_families)
{
	struct in_addr v4[2];
	struct in6_addr v6[2];
	char out[256];

	addrs(v4, v6);
	ck_assert(resolve_entry(out, sizeof out, "a.test", 80, v4, 2, v6, 0,
	    false));
	ck_assert_str_eq(out, "+a.test:80:192.0.2.1,192.0.2.2");
	ck_assert(resolve_entry(out, sizeof out, "a.test", 443, v4, 0, v6, 2,
	    false));
	ck_assert_str_eq(out, "+a.test:443:[2001:db8::1],[2001:db8::2]");
	ck_assert(resolve_entry(out, sizeof out, "a.test", 80, v4, 1, v6, 1,
	    false));
	ck_assert_str_eq(out, "+a.test:80:192.0.2.1,[2001:db8::1]");
	ck_assert(resolve_entry(out, sizeof out, "a.test", 80, v4, 1, v6, 1,
	    true));
	ck_assert_str_eq(out, "+a.test:80:[2001:db8::1],192.0.2.1");
}
END_TEST

START_TEST(test_entry_none_or_too_long)
{
	struct in_addr v4[2];
	struct in6_addr v6[2];
	char out[256];

	addrs(v4, v6);
	ck_assert(!resolve_entry(out, sizeof out, "a.test", 80, v4, 0, v6, 0,
	    true));
	/* Cut short, an entry would name fewer addresses or a wrong one. */
	for (size_t len = 1; len < sizeof "+a.test:80:192.0.2.1,192.0.2.2";
	    len++)
		ck_assert_msg(!resolve_entry(out, len, "a.test", 80, v4, 2, v6,
		    0, false), "fits in %zu", len);
	ck_assert(resolve_entry(out, sizeof "+a.test:80:192.0.2.1,192.0.2.2",
	    "a.test", 80, v4, 2, v6, 0, false));
}
END_TEST

/* Every name of an /etc/hosts line, IPv6 ones too, none of a comment. */
START_TEST(test_hosts_line)
{
	static const struct {
		const char *line;
		const char *names;      /* space-separated, as expected */
	} cases[] = {
		{ "127.0.0.1\tlocalhost\n", "localhost" },
		{ "::1     localhost ip6-localhost ip6-loopback\n",
		    "localhost ip6-localhost ip6-loopback" },
		{ "fd00::5 api.example.com # pinned\n", "api.example.com" },
		{ "192.0.2.7 a.test\tb.test   c.test\r\n", "a.test b.test c.test" },
		{ "# 192.0.2.8 commented.test\n", "" },
		{ "192.0.2.9#no.space.test\n", "" },
		{ "   \n", "" },
		{ "", "" },
		{ "192.0.2.10\n", "" },
		{ "192.0.2.11 last.test", "last.test" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char line[128], got[128] = "";
		const char *names[8];
		size_t n;

		snprintf(line, sizeof line, "%s", cases[i].line);
		n = resolve_hosts_line(line, names, 8);
		for (size_t k = 0; k < n; k++) {
			if (k > 0)
				strcat(got, " ");
			strcat(got, names[k]);
		}
		ck_assert_msg(strcmp(got, cases[i].names) == 0,
		    "line %zu: got \"%s\"", i, got);
	}
}
END_TEST

/* At most max names, however many the line has. */
START_TEST(test_hosts_line_max)
{
	char line[] = "192.0.2.1 a b c d e";
	const char *names[2];

	ck_assert_uint_eq(resolve_hosts_line(line, names, 2), 2);
	ck_assert_str_eq(names[0], "a");
	ck_assert_str_eq(names[1], "b");
}
END_TEST

static Suite *
resolve_suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *ts = tcase_create("seen");
	TCase *tk = tcase_create("key");
	TCase *te = tcase_create("entry");
	TCase *th = tcase_create("hosts");

	tcase_add_test(ts, test_seen_fresh_until);
	tcase_add_test(ts, test_seen_empty);
	tcase_add_test(ts, test_seen_bounded);
	suite_add_tcase(s, ts);
	tcase_add_test(tk, test_key_one_per_origin);
	suite_add_tcase(s, tk);
	tcase_add_test(te, test_entry_families);
	tcase_add_test(te, test_entry_none_or_too_long);
	suite_add_tcase(s, te);
	tcase_add_test(th, test_hosts_line);
	tcase_add_test(th, test_hosts_line_max);
	suite_add_tcase(s, th);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(resolve_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
