/* Unit tests of hostkey: what counts as one host (SPEC, "Hosts") and the
 * shard a host falls in (SPEC, "Sharding"). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "hostkey.h"
#include "url.h"

struct key_case {
	const char *url;
	const char *host;     /* the key with HOSTKEY_HOST */
	const char *domain;   /* with HOSTKEY_DOMAIN */
};

static const struct key_case keys[] = {
	{ "http://example.com/", "example.com", "example.com" },
	{ "http://EXAMPLE.COM/", "example.com", "example.com" },
	{ "https://WwW.Example.Com/x", "www.example.com", "example.com" },
	{ "http://A.example:8080/x", "a.example", "a.example" },
	{ "http://user:Secret@A.EXAMPLE:1/", "a.example", "a.example" },
	{ "http://a.b.example.co.uk/", "a.b.example.co.uk", "example.co.uk" },
	{ "http://A.B.EXAMPLE.CO.UK/", "a.b.example.co.uk", "example.co.uk" },
	{ "http://example.co.uk/", "example.co.uk", "example.co.uk" },
	/* Names that are public suffixes, or under none, are themselves. */
	{ "http://co.uk/", "co.uk", "co.uk" },
	{ "http://com/", "com", "com" },
	{ "http://localhost:8080/", "localhost", "localhost" },
	{ "http://LocalHost/", "localhost", "localhost" },
	/* The private section counts, as in browsers: github.io is a
	 * public suffix, so each of its sites is a domain of its own. */
	{ "https://foo.github.io/", "foo.github.io", "foo.github.io" },
	{ "https://a.foo.github.io/", "a.foo.github.io", "foo.github.io" },
	{ "https://github.io/", "github.io", "github.io" },
	/* IP literals are never looked up. */
	{ "http://127.0.0.1:8080/", "127.0.0.1", "127.0.0.1" },
	{ "http://10.1.2.3/", "10.1.2.3", "10.1.2.3" },
	{ "http://0x7f.1/", "127.0.0.1", "127.0.0.1" },
	{ "http://[::1]:8080/", "[::1]", "[::1]" },
	{ "http://[::1]/", "[::1]", "[::1]" },
	{ "http://[2001:DB8::A]/", "[2001:db8::a]", "[2001:db8::a]" },
	{ "http://[::FFFF:1.2.3.4]/", "[::ffff:1.2.3.4]", "[::ffff:1.2.3.4]" },
	/* The zone id names our interface, not the peer. */
	{ "http://[FE80::1%25eth0]:80/", "[fe80::1]", "[fe80::1]" },
	/* One trailing dot names the same host. */
	{ "http://example.com./", "example.com", "example.com" },
	{ "http://WWW.Example.Co.UK./", "www.example.co.uk", "example.co.uk" },
	/* url_parse gives an IDN host in its ASCII form, so every spelling
	 * of one name is one host. */
	{ "http://B\xc3\xbc" "cher.Example.DE/", "xn--bcher-kva.example.de",
	  "example.de" },
	{ "http://B\xc3\x9c" "CHER.example.de/", "xn--bcher-kva.example.de",
	  "example.de" },
	{ "http://xn--bcher-kva.example.de/", "xn--bcher-kva.example.de",
	  "example.de" },
};

START_TEST(test_key_of_url)
{
	const struct key_case *k = &keys[_i];
	char why[256] = "", out[HOSTKEY_MAX];
	CURLU *u = url_parse(k->url, why, sizeof why);

	ck_assert_msg(u != NULL, "\"%s\" rejected: %s", k->url, why);
	ck_assert(hostkey_of(u, HOSTKEY_HOST, out, sizeof out));
	ck_assert_str_eq(out, k->host);
	ck_assert(hostkey_of(u, HOSTKEY_DOMAIN, out, sizeof out));
	ck_assert_str_eq(out, k->domain);
	curl_url_cleanup(u);
}
END_TEST

static void
key_of(const char *url, enum hostkey_mode mode, char *out, size_t outlen)
{
	char why[256] = "";
	CURLU *u = url_parse(url, why, sizeof why);

	ck_assert_msg(u != NULL, "\"%s\" rejected: %s", url, why);
	ck_assert(hostkey_of(u, mode, out, outlen));
	curl_url_cleanup(u);
}

/* The SPEC's own example, and more that must be one host. */
START_TEST(test_same_host)
{
	static const char *const pairs[][2] = {
		{ "http://A.example:8080/x", "https://a.example/y" },
		{ "http://u:p@a.example/", "http://a.example/" },
		{ "http://a.example./", "https://A.EXAMPLE:443/" },
		{ "http://[::1]:1/", "https://[::1]:2/" },
	};

	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		char a[HOSTKEY_MAX], b[HOSTKEY_MAX];

		key_of(pairs[i][0], HOSTKEY_HOST, a, sizeof a);
		key_of(pairs[i][1], HOSTKEY_HOST, b, sizeof b);
		ck_assert_str_eq(a, b);
	}
}
END_TEST

START_TEST(test_from_host)
{
	char out[HOSTKEY_MAX];

	ck_assert(hostkey_from_host("A.B.Example.CO.UK", HOSTKEY_DOMAIN, out,
	    sizeof out));
	ck_assert_str_eq(out, "example.co.uk");
	ck_assert(hostkey_from_host("[FE80::1%eth0]", HOSTKEY_HOST, out,
	    sizeof out));
	ck_assert_str_eq(out, "[fe80::1]");
	ck_assert(hostkey_from_host("999.1.1.1", HOSTKEY_DOMAIN, out,
	    sizeof out));
	ck_assert_str_eq(out, "999.1.1.1");
	/* Only one trailing dot goes, and never the whole host. */
	ck_assert(hostkey_from_host("a.example..", HOSTKEY_HOST, out,
	    sizeof out));
	ck_assert_str_eq(out, "a.example.");
	ck_assert(hostkey_from_host(".", HOSTKEY_DOMAIN, out, sizeof out));
	ck_assert_str_eq(out, ".");
}
END_TEST

START_TEST(test_no_host)
{
	char out[HOSTKEY_MAX];
	CURLU *u = curl_url();

	ck_assert_ptr_nonnull(u);
	memset(out, 'Z', sizeof out);
	ck_assert(!hostkey_from_host("", HOSTKEY_HOST, out, sizeof out));
	ck_assert_str_eq(out, "");
	ck_assert(!hostkey_from_host("", HOSTKEY_DOMAIN, out, sizeof out));
	ck_assert_str_eq(out, "");
	memset(out, 'Z', sizeof out);
	ck_assert(!hostkey_of(u, HOSTKEY_HOST, out, sizeof out));
	ck_assert_str_eq(out, "");
	curl_url_cleanup(u);
}
END_TEST

/* A host too long for the buffer is cut to fit, the same way each time. */
START_TEST(test_long_host)
{
	size_t n = 3000;
	char *host = malloc(n + 1), out[HOSTKEY_MAX], small[8];

	ck_assert_ptr_nonnull(host);
	memset(host, 'A', n);
	memcpy(host + n - 4, ".COM", 4);
	host[n] = '\0';
	ck_assert(hostkey_from_host(host, HOSTKEY_HOST, out, sizeof out));
	ck_assert_uint_eq(strlen(out), sizeof out - 1);
	ck_assert_uint_eq(strspn(out, "a"), sizeof out - 1);
	ck_assert(hostkey_from_host(host, HOSTKEY_DOMAIN, out, sizeof out));
	ck_assert_uint_le(strlen(out), sizeof out - 1);
	ck_assert(hostkey_from_host("Example.COM", HOSTKEY_HOST, small,
	    sizeof small));
	ck_assert_str_eq(small, "example");
	free(host);
}
END_TEST

/* The list comes back after hostkey_cleanup. */
START_TEST(test_cleanup_reloads)
{
	char out[HOSTKEY_MAX];

	hostkey_cleanup();
	hostkey_cleanup();
	ck_assert(hostkey_from_host("www.example.com", HOSTKEY_DOMAIN, out,
	    sizeof out));
	ck_assert_str_eq(out, "example.com");
	hostkey_cleanup();
	ck_assert(hostkey_from_host("a.b.example.co.uk", HOSTKEY_DOMAIN, out,
	    sizeof out));
	ck_assert_str_eq(out, "example.co.uk");
}
END_TEST

/*
 * Vectors and shards computed apart from this code, with python3:
 *
 *	def fnv1a64(s):
 *		h = 14695981039346656037
 *		for b in s.encode():
 *			h = ((h ^ b) * 1099511628211) % 2**64
 *		return h
 *	for s in ["", "a", "foobar", "a.example", ...]:
 *		h = fnv1a64(s)
 *		print(repr(s), hex(h), [h % n + 1 for n in (1, 2, 3, 7)])
 */
static const struct {
	const char *key;
	uint64_t hash;
	unsigned long shard[4];   /* of 1, 2, 3 and 7 */
} vectors[] = {
	{ "", 0xcbf29ce484222325ULL, { 1, 2, 3, 3 } },
	{ "a", 0xaf63dc4c8601ec8cULL, { 1, 1, 2, 6 } },
	{ "foobar", 0x85944171f73967e8ULL, { 1, 1, 1, 7 } },
	{ "a.example", 0x278da7d120d2ac28ULL, { 1, 1, 3, 2 } },
	{ "example.com", 0x576846634e2714c6ULL, { 1, 1, 3, 2 } },
	{ "example.co.uk", 0xf499928389d0529bULL, { 1, 2, 3, 7 } },
	{ "[::1]", 0xd93d38d09d6ea210ULL, { 1, 1, 1, 3 } },
	{ "127.0.0.1", 0xaabafe7104d914beULL, { 1, 1, 3, 1 } },
	{ "localhost", 0xdb3f053403ad937aULL, { 1, 1, 2, 5 } },
	{ "foo.github.io", 0xf91101645cb7b6b2ULL, { 1, 1, 1, 1 } },
	{ "[2001:db8::a]", 0xc02b6f445fab451dULL, { 1, 2, 2, 4 } },
	{ "h1.localhost", 0x4f30db3535fd2449ULL, { 1, 2, 2, 6 } },
	{ "www.example.com", 0xacc7e7b8b7a0236bULL, { 1, 2, 3, 1 } },
};

/*
 * The shard of a URL, as --shard sees it: the key (lower-cased, without
 * port or userinfo) hashed, so spellings of one host agree.  The shards
 * are those of the lower-case key above, computed with python3.
 */
static const struct {
	const char *url;
	unsigned long shard[4];   /* of 1, 2, 3 and 7 */
} url_vectors[] = {
	{ "http://www.example.com/", { 1, 2, 3, 1 } },
	{ "HTTP://WWW.EXAMPLE.COM:8080/a", { 1, 2, 3, 1 } },
	{ "https://user:pw@Www.Example.Com:1/x?y#z", { 1, 2, 3, 1 } },
	{ "http://[::1]/", { 1, 1, 1, 3 } },
	{ "http://[::1]:8080/x", { 1, 1, 1, 3 } },
	{ "http://[2001:DB8::A]:443/", { 1, 2, 2, 4 } },
	{ "http://H1.LocalHost:9/x", { 1, 2, 2, 6 } },
	{ "http://h1.localhost:65535/", { 1, 2, 2, 6 } },
	{ "http://127.0.0.1:8080/", { 1, 1, 3, 1 } },
	{ "http://A.EXAMPLE/", { 1, 1, 3, 2 } },
};

START_TEST(test_hash_and_shard)
{
	static const unsigned long ns[4] = { 1, 2, 3, 7 };
	const char *key = vectors[_i].key;
	size_t len = strlen(key);

	ck_assert_msg(hostkey_hash(key, len) == vectors[_i].hash,
	    "\"%s\": hash %016llx", key,
	    (unsigned long long)hostkey_hash(key, len));
	for (int j = 0; j < 4; j++)
		ck_assert_uint_eq(hostkey_shard(key, len, ns[j]),
		    vectors[_i].shard[j]);
}
END_TEST

/* The shard is of the key: the same for every URL of one host. */
START_TEST(test_shard_of_url)
{
	char a[HOSTKEY_MAX], b[HOSTKEY_MAX];

	key_of("HTTP://WWW.EXAMPLE.COM:8080/a", HOSTKEY_DOMAIN, a, sizeof a);
	key_of("https://example.com/b", HOSTKEY_HOST, b, sizeof b);
	ck_assert_str_eq(a, "example.com");
	ck_assert_str_eq(a, b);
	ck_assert_uint_eq(hostkey_shard(a, strlen(a), 7), 2);
	ck_assert_uint_eq(hostkey_shard(a, strlen(a), 100000),
	    (unsigned long)(0x576846634e2714c6ULL % 100000) + 1);
}
END_TEST

START_TEST(test_shard_of_url_vectors)
{
	static const unsigned long ns[4] = { 1, 2, 3, 7 };
	char key[HOSTKEY_MAX];

	key_of(url_vectors[_i].url, HOSTKEY_HOST, key, sizeof key);
	for (int j = 0; j < 4; j++)
		ck_assert_msg(hostkey_shard(key, strlen(key), ns[j]) ==
		    url_vectors[_i].shard[j], "%s (key %s): shard %lu of %lu, "
		    "wanted %lu", url_vectors[_i].url, key,
		    hostkey_shard(key, strlen(key), ns[j]), ns[j],
		    url_vectors[_i].shard[j]);
}
END_TEST

static Suite *
hostkey_suite(void)
{
	Suite *s = suite_create("hostkey");
	TCase *tc = tcase_create("key");
	TCase *th = tcase_create("shard");

	tcase_add_loop_test(tc, test_key_of_url, 0,
	    (int)(sizeof keys / sizeof keys[0]));
	tcase_add_test(tc, test_same_host);
	tcase_add_test(tc, test_from_host);
	tcase_add_test(tc, test_no_host);
	tcase_add_test(tc, test_long_host);
	tcase_add_test(tc, test_cleanup_reloads);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(th, test_hash_and_shard, 0,
	    (int)(sizeof vectors / sizeof vectors[0]));
	tcase_add_test(th, test_shard_of_url);
	tcase_add_loop_test(th, test_shard_of_url_vectors, 0,
	    (int)(sizeof url_vectors / sizeof url_vectors[0]));
	suite_add_tcase(s, th);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failures;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(hostkey_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	hostkey_cleanup();
	curl_global_cleanup();
	return failures ? 1 : 0;
}
