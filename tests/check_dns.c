/* scrape's own DNS lookups (resolve.h) against a real DNS server: dnsmasq
 * in a network namespace of the test's own (tests/netns-dns.sh), where
 * names under scrape.test exist only in DNS.  Every URL is fetched once
 * over names only DNS knows, each name is asked about once, a name
 * DNS does not know fails as kind dns in libcurl's words, --no-private
 * judges the address DNS gave, and a nameserver that never answers
 * costs no more than --connect-timeout.  Skipped without root (ip netns)
 * or dnsmasq (Debian's dnsmasq-base). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

struct dns_run {
	cJSON *lines[1024];
	size_t n;
	long queries;               /* dnsmasq answered, -1 if unsaid */
	char asked[16][300];        /* "TYPE NAME" of each distinct query */
	size_t nasked;
	double secs;
};

/* Run tests/netns-dns.sh: urls (PORT for the test server's port) into
 * scrape with options, through nameserver ("dead" for none answering).
 * False when it cannot run here. */
static bool
dns_run(const char *nameserver, const char *urls, const char *options,
    struct dns_run *r)
{
	const char *srcdir = getenv("SCRAPE_SRCDIR");
	const char *bin = getenv("SCRAPE_BIN");
	const char *server = getenv("TESTSERVER_BIN");
	const char *jobs = getenv("SCRAPE_TEST_JOBS");
	char *list = tmpfile_write(urls, strlen(urls));
	char cmd[4096], line[8192];
	double t0 = mono();
	FILE *p;
	int status;

	snprintf(cmd, sizeof cmd, "sh '%s/tests/netns-dns.sh' '%s' '%s' %s "
	    "%s%s %s <'%s'", srcdir ? srcdir : ".",
	    server ? server : "./tests/testserver",
	    bin ? bin : "./src/scrape", nameserver,
	    jobs != NULL ? "-j " : "", jobs != NULL ? jobs : "", options, list);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	memset(r, 0, sizeof *r);
	r->queries = -1;
	while (fgets(line, sizeof line, p) != NULL) {
		if (sscanf(line, "queries %ld", &r->queries) == 1)
			continue;
		if (strncmp(line, "asked ", 6) == 0) {
			if (r->nasked < sizeof r->asked / sizeof r->asked[0])
				snprintf(r->asked[r->nasked++],
				    sizeof r->asked[0], "%.*s",
				    (int)strcspn(line + 6, "\n"), line + 6);
			continue;
		}
		ck_assert_uint_lt(r->n, sizeof r->lines / sizeof r->lines[0]);
		r->lines[r->n] = cJSON_Parse(line);
		ck_assert_msg(r->lines[r->n] != NULL, "not JSON: %s", line);
		r->n++;
	}
	status = pclose(p);
	r->secs = mono() - t0;
	unlink(list);
	free(list);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return false;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "netns-dns.sh failed");
	return true;
}

static void
dns_run_free(struct dns_run *r)
{
	for (size_t i = 0; i < r->n; i++)
		cJSON_Delete(r->lines[i]);
}

static const char *
str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
ok(const cJSON *o)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok"));
}

/* The error kind of a failed line. */
static const char *
kind(const cJSON *o)
{
	return str(cJSON_GetObjectItemCaseSensitive(o, "error"), "kind");
}

static const cJSON *
line_for(const struct dns_run *r, const char *host)
{
	char needle[128];

	snprintf(needle, sizeof needle, "//%s:", host);
	for (size_t i = 0; i < r->n; i++)
		if (str(r->lines[i], "url") != NULL &&
		    strstr(str(r->lines[i], "url"), needle) != NULL)
			return r->lines[i];
	return NULL;
}

#define SKIP_UNLESS(x) do { if (!(x)) { \
	fprintf(stderr, "%s: skipped: needs root and dnsmasq\n", __func__); \
	return; } } while (0)

/* 500 URLs over 250 names only DNS knows, 64 at a time: every one
 * fetched, once, and each name asked about once, not once per URL.  The
 * namespace has no global IPv6 address, so a lookup is one query: A. */
START_TEST(test_names_from_dns)
{
	char *urls = NULL;
	struct dns_run r;
	bool seen[500] = { false };

	for (int round = 0; round < 2; round++)
		for (int i = 1; i <= 250; i++)
			cat(&urls, xasprintf("http://h%d.scrape.test:PORT/p/%d\n",
			    i, round * 250 + i));
	SKIP_UNLESS(dns_run("127.0.0.1", urls, "-q -r 0 -c 64", &r));
	ck_assert_uint_eq(r.n, 500);
	for (size_t i = 0; i < r.n; i++) {
		const char *u = str(r.lines[i], "url");
		int k = -1;

		ck_assert_msg(ok(r.lines[i]), "failed: %s", u);
		ck_assert(sscanf(strstr(u, "/p/"), "/p/%d", &k) == 1);
		ck_assert(k >= 1 && k <= 500 && !seen[k - 1]);
		seen[k - 1] = true;
	}
	/* A second URL of a name may start before the first one's answer
	 * is in, and ask again. */
	ck_assert_int_ge(r.queries, 250);
	ck_assert_int_le(r.queries, 250 + 64);
	dns_run_free(&r);
	free(urls);
}
END_TEST

/* NXDOMAIN is left to libcurl's own lookup, which names the host. */
START_TEST(test_unknown_name)
{
	struct dns_run r;
	const char *msg;

	SKIP_UNLESS(dns_run("127.0.0.1", "http://nx.scrape.test:PORT/ok\n"
	    "http://h3.scrape.test:PORT/ok\n", "-q -r 0", &r));
	ck_assert_uint_eq(r.n, 2);
	ck_assert(!ok(line_for(&r, "nx.scrape.test")));
	ck_assert_str_eq(kind(line_for(&r, "nx.scrape.test")), "dns");
	msg = str(cJSON_GetObjectItemCaseSensitive(line_for(&r,
	    "nx.scrape.test"), "error"), "message");
	ck_assert_ptr_nonnull(strstr(msg, "nx.scrape.test"));
	ck_assert(ok(line_for(&r, "h3.scrape.test")));
	dns_run_free(&r);
}
END_TEST

/* --no-private judges the address the lookup gave: a name DNS points at
 * 127.0.0.7 is refused, one at a public-looking address is not. */
START_TEST(test_no_private_after_lookup)
{
	struct dns_run r;

	SKIP_UNLESS(dns_run("127.0.0.1", "http://h7.scrape.test:PORT/ok\n"
	    "http://pub.scrape.test:PORT/ok\n", "-q -r 0 --no-private", &r));
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(kind(line_for(&r, "h7.scrape.test")), "blocked");
	ck_assert(ok(line_for(&r, "pub.scrape.test")));
	dns_run_free(&r);
}
END_TEST

/* IP literals and localhost are never looked up, and mix with names. */
START_TEST(test_literals_and_localhost)
{
	struct dns_run r;

	SKIP_UNLESS(dns_run("127.0.0.1", "http://127.0.0.1:PORT/ok\n"
	    "http://localhost:PORT/ok\nhttp://h9.scrape.test:PORT/ok\n",
	    "-q -r 0", &r));
	ck_assert_uint_eq(r.n, 3);
	for (size_t i = 0; i < r.n; i++)
		ck_assert_msg(ok(r.lines[i]), "failed: %s",
		    str(r.lines[i], "url"));
	ck_assert_int_eq(r.queries, 1);     /* h9's A */
	dns_run_free(&r);
}
END_TEST

/* A nameserver that never answers costs an attempt no more than
 * --connect-timeout (scrape waits half of it, libcurl the rest), and
 * only the first few: then scrape stops asking it. */
START_TEST(test_dead_nameserver)
{
	char *urls = NULL;
	struct dns_run r;
	size_t slow = 0;

	for (int i = 1; i <= 20; i++)
		cat(&urls, xasprintf("http://h%d.scrape.test:PORT/ok\n", i));
	SKIP_UNLESS(dns_run("dead", urls, "-q -r 0 -c 2 --connect-timeout 2",
	    &r));
	ck_assert_uint_eq(r.n, 20);
	for (size_t i = 0; i < r.n; i++) {
		double ms = jnum(r.lines[i], "elapsed_ms");
		const char *k = kind(r.lines[i]);

		ck_assert_msg(strcmp(k, "dns") == 0 || strcmp(k, "timeout") == 0,
		    "kind %s", k);
		ck_assert_msg(ms <= 2500, "took %g ms", ms);
		slow += ms >= 900;
	}
	/* Four misses turn a loop's resolver off, and the other lookup in
	 * flight then ends as a miss too; -c 2 makes at most two loops. */
	ck_assert_msg(slow <= 10, "%zu of 20 waited for DNS", slow);
	dns_run_free(&r);
	free(urls);
}
END_TEST

/* With a search list and AAAA asked for (a global IPv6 address), a name
 * is asked for as it is, A and AAAA alike, as getaddrinfo does when the
 * name has enough dots: never with the search domain appended, where a
 * wildcard (here only4.scrape.test.corp.test's AAAA) would answer for
 * another host. */
START_TEST(test_no_search_list)
{
	struct dns_run r;
	bool a = false, aaaa = false;

	setenv("SEARCH", "corp.test", 1);
	setenv("V6", "1", 1);
	SKIP_UNLESS(dns_run("127.0.0.1", "http://only4.scrape.test:PORT/ok\n",
	    "-q -r 0", &r));
	unsetenv("SEARCH");
	unsetenv("V6");
	ck_assert_uint_eq(r.n, 1);
	ck_assert(ok(r.lines[0]));
	for (size_t i = 0; i < r.nasked; i++) {
		ck_assert_msg(strcasecmp(r.asked[i], "A only4.scrape.test") == 0 ||
		    strcasecmp(r.asked[i], "AAAA only4.scrape.test") == 0,
		    "asked for %s", r.asked[i]);
		a |= r.asked[i][0] == 'A' && r.asked[i][1] == ' ';
		aaaa |= strncmp(r.asked[i], "AAAA", 4) == 0;
	}
	ck_assert(a && aaaa);
	dns_run_free(&r);
}
END_TEST

/* SIGINT while lookups are in flight: every URL read gets its line,
 * cancelled, at once.  Under valgrind (make check-valgrind sets
 * SCRAPE_REAL_BIN) start-up alone can take a second, so the signal
 * waits longer there; the lookups wait 10 s either way. */
START_TEST(test_interrupted_lookups)
{
	bool wrapped = getenv("SCRAPE_REAL_BIN") != NULL;
	struct dns_run r;

	setenv("INT_AFTER", wrapped ? "4" : "1", 1);
	SKIP_UNLESS(dns_run("dead", "http://h1.scrape.test:PORT/ok\n"
	    "http://h2.scrape.test:PORT/ok\nhttp://h3.scrape.test:PORT/ok\n",
	    "-q -r 0 --connect-timeout 20", &r));
	unsetenv("INT_AFTER");
	ck_assert_uint_eq(r.n, 3);
	for (size_t i = 0; i < r.n; i++)
		ck_assert_str_eq(kind(r.lines[i]), "cancelled");
	ck_assert_msg(r.secs < (wrapped ? 11 : 8), "took %g s", r.secs);
	dns_run_free(&r);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("dns");
	TCase *tc = tcase_create("dns");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_names_from_dns);
	tcase_add_test(tc, test_unknown_name);
	tcase_add_test(tc, test_no_private_after_lookup);
	tcase_add_test(tc, test_literals_and_localhost);
	tcase_add_test(tc, test_dead_nameserver);
	tcase_add_test(tc, test_interrupted_lookups);
	tcase_add_test(tc, test_no_search_list);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
