/* HTTPS against the test server's TLS port, whose certificate is a fresh
 * self-signed one nobody trusts: what a certificate failure, a broken
 * handshake and -k/--insecure become in the JSON line, and whether they
 * are retried. Loopback only; every run is bounded in time. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* A failed line with no response: ok false, status null, error set. */
static void
assert_failed_without_response(const cJSON *o, const char *kind)
{
	ck_assert(!jbool(o, "ok"));
	ck_assert(jnull(o, "status"));
	ck_assert_ptr_nonnull(jkind(o));
	ck_assert_msg(strcmp(jkind(o), kind) == 0, "kind %s, wanted %s",
	    jkind(o), kind);
	ck_assert_ptr_nonnull(jmessage(o));
	ck_assert_msg(jmessage(o)[0] != '\0', "empty error message");
	ck_assert(jnull(o, "content_type"));
	ck_assert_int_eq(jint(o, "bytes"), 0);
}

/* A successful /ok fetched over https: 200, "ok\n", final_url url. */
static void
assert_ok_over_tls(const cJSON *o, const char *url)
{
	ck_assert_msg(jbool(o, "ok"), "not ok: %s: %s", jkind(o),
	    jmessage(o));
	ck_assert_int_eq(jint(o, "status"), 200);
	ck_assert_int_eq(jint(o, "attempts"), 1);
	ck_assert_int_eq(jint(o, "bytes"), 3);
	ck_assert_str_eq(jstr(o, "final_url"), url);
	ck_assert_int_eq(strncmp(jstr(o, "final_url"), "https://", 8), 0);
	ck_assert_ptr_nonnull(strstr(jstr(o, "content_type"), "text/plain"));
	ck_assert(jnull(o, "error"));
}

/* Promise: a certificate that does not verify (self-signed) is error kind
 * "tls", status null, with a message, and is final at once: one attempt
 * even with -r 3, and the server sees exactly one connection, on which no
 * handshake completes and no request arrives. Exit status 1. */
START_TEST(test_self_signed_is_tls_and_not_retried)
{
	char *url = server_tls_url(srv, "/ok");
	const char *args[] = { "-r", "3", "--retry-delay", "0", "-t", "10",
	    NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	assert_failed_without_response(o, "tls");
	ck_assert_int_eq(jint(o, "attempts"), 1);
	ck_assert_int_eq(run->exit_status, 1);
	ck_assert_ptr_nonnull(strstr(run->err, "0 ok, 1 failed (tls 1), "
	    "0 retries"));
	ck_assert_int_eq(server_stat(srv, "tls_connections"), 1);
	ck_assert_int_eq(server_stat(srv, "tls_handshakes"), 0);
	ck_assert_int_eq(server_stat(srv, "tls_requests"), 0);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* Promise: -k fetches the same self-signed URL: ok, status 200, the body's
 * 3 bytes, final_url the https URL, exit status 0. */
START_TEST(test_k_accepts_self_signed)
{
	char *url = server_tls_url(srv, "/ok");
	const char *args[] = { "-k", "-r", "3", "--retry-delay", "0", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	assert_ok_over_tls(o, url);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "tls_handshakes"), 1);
	ck_assert_int_eq(server_stat(srv, "tls_requests"), 1);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* Promise: --insecure is the long form of -k; with --body the decrypted
 * body itself is in the line. */
START_TEST(test_insecure_long_form)
{
	char *url = server_tls_url(srv, "/ok");
	const char *args[] = { "--insecure", "--body", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, args);

	assert_ok_over_tls(o, url);
	ck_assert_str_eq(jstr(o, "body"), "ok\n");
	ck_assert_int_eq(run->exit_status, 0);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

/* Promise: redirects are followed from http to https (-k): final_url is
 * the https URL, one attempt; redirects within https too. */
START_TEST(test_redirect_http_to_https)
{
	char *from = server_url(srv, "/to-tls/ok");
	char *to = server_tls_url(srv, "/ok");
	char *chain = server_tls_url(srv, "/redirect/3");
	char *chain_end = server_tls_url(srv, "/redirect/0");
	const char *args[] = { "-k", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(from, &lines, &run, args);

	assert_ok_over_tls(o, to);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "requests"), 2);
	ck_assert_int_eq(server_stat(srv, "tls_requests"), 1);
	lines_free(lines);
	run_free(run);

	o = scrape_one(chain, &lines, &run, args);
	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "status"), 200);
	ck_assert_str_eq(jstr(o, "final_url"), chain_end);
	ck_assert_int_eq(jint(o, "bytes"), 5);		/* "done\n" */
	lines_free(lines);
	run_free(run);
	free(from);
	free(to);
	free(chain);
	free(chain_end);
}
END_TEST

/* Promise: a redirect to an https URL whose certificate does not verify
 * fails with kind "tls" and is not retried either. */
START_TEST(test_redirect_to_self_signed_is_final)
{
	char *from = server_url(srv, "/to-tls/ok");
	char *to = server_tls_url(srv, "/ok");
	const char *args[] = { "-r", "3", "--retry-delay", "0", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(from, &lines, &run, args);

	ck_assert(!jbool(o, "ok"));
	ck_assert_str_eq(jkind(o), "tls");
	ck_assert_int_eq(jint(o, "attempts"), 1);
	ck_assert_str_eq(jstr(o, "final_url"), to);
	ck_assert_int_eq(run->exit_status, 1);
	ck_assert_int_eq(server_stat(srv, "tls_connections"), 1);
	ck_assert_int_eq(server_stat(srv, "tls_requests"), 0);
	lines_free(lines);
	run_free(run);
	free(from);
	free(to);
}
END_TEST

/* Promise: a TLS handshake that breaks for another reason than the
 * certificate (here the port speaks plain HTTP: the ClientHello gets a
 * clear-text 400) is kind "tls" and retryable: -r 2 makes 3 attempts,
 * each reaching the server; -k changes nothing about that. */
START_TEST(test_broken_handshake_is_tls_and_retried)
{
	char *url = server_raw_url(srv, "/ok");
	char *https = NULL;
	const char *args[] = { "-r", "2", "--retry-delay", "0", "-t", "10",
	    NULL };
	const char *insecure[] = { "-k", "-r", "2", "--retry-delay", "0",
	    "-t", "10", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o;

	/* server_raw_url() says http: the same port, spoken to in TLS. */
	if (asprintf(&https, "https://%s", url + strlen("http://")) < 0)
		ck_abort_msg("out of memory");
	o = scrape_one(https, &lines, &run, args);
	assert_failed_without_response(o, "tls");
	ck_assert_int_eq(jint(o, "attempts"), 3);
	ck_assert_int_eq(run->exit_status, 1);
	ck_assert_ptr_nonnull(strstr(run->err, "2 retries"));
	ck_assert_int_eq(server_stat(srv, "raw_requests"), 3);
	lines_free(lines);
	run_free(run);

	server_stats_reset(srv);
	o = scrape_one(https, &lines, &run, insecure);
	assert_failed_without_response(o, "tls");
	ck_assert_int_eq(jint(o, "attempts"), 3);
	ck_assert_int_eq(server_stat(srv, "raw_requests"), 3);
	lines_free(lines);
	run_free(run);
	free(https);
	free(url);
}
END_TEST

/* Promise: plain http to a TLS port gets no response, the connection
 * closed early: kind "reset", retried (-r 1: 2 attempts). */
START_TEST(test_plain_http_to_tls_port_is_reset)
{
	char *https = server_tls_url(srv, "/ok");
	char *url = NULL;
	const char *args[] = { "-r", "1", "--retry-delay", "0", "-t", "10",
	    NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o;

	if (asprintf(&url, "http://%s", https + strlen("https://")) < 0)
		ck_abort_msg("out of memory");
	o = scrape_one(url, &lines, &run, args);
	assert_failed_without_response(o, "reset");
	ck_assert_int_eq(jint(o, "attempts"), 2);
	ck_assert_int_eq(server_stat(srv, "tls_connections"), 2);
	ck_assert_int_eq(server_stat(srv, "tls_requests"), 0);
	lines_free(lines);
	run_free(run);
	free(https);
	free(url);
}
END_TEST

/* Promise: many URLs over TLS (-k) at -c 20: the server speaks HTTP/1.1
 * only (ALPN never says h2), so scrape must fall back to one transfer per
 * connection; all 200 are ok with the right bytes, each requested once,
 * and -c 20 holds. */
START_TEST(test_many_urls_over_tls)
{
	char *pattern = server_tls_url(srv, "/ok/%zu");
	char *list = url_list(200, pattern);
	const char *args[] = { "-k", "-c", "20", "-t", "20", NULL };
	struct lines *lines;
	struct run *run;

	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 200);
	for (size_t i = 0; i < lines->n; i++) {
		const cJSON *o = lines->items[i];

		ck_assert_msg(jbool(o, "ok"), "%s: %s: %s", jstr(o, "url"),
		    jkind(o), jmessage(o));
		ck_assert_int_eq(jint(o, "status"), 200);
		ck_assert_int_eq(jint(o, "bytes"), 3);
		ck_assert_int_eq(jint(o, "attempts"), 1);
		ck_assert_str_eq(jstr(o, "final_url"), jstr(o, "url"));
		ck_assert_uint_eq(lines_count_url(lines, jstr(o, "url")), 1);
	}
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "tls_requests"), 200);
	ck_assert_int_le(server_stat(srv, "max_inflight"), 20);
	lines_free(lines);
	run_free(run);
	free(list);
	free(pattern);
}
END_TEST

/* Promise: the -c cap is reached over TLS as over http (waiting to see
 * whether a connection can multiplex must not serialise HTTP/1.1): the
 * server sees exactly 20 slow requests at once, never more.  Under
 * valgrind (make check-valgrind sets SCRAPE_REAL_BIN) 20 handshakes in
 * a row can outlast 300 ms, so the requests are slower there. */
START_TEST(test_concurrency_cap_over_tls)
{
	char *pattern = server_tls_url(srv, getenv("SCRAPE_REAL_BIN") != NULL ?
	    "/delay/2000/%zu" : "/delay/300/%zu");
	char *list = url_list(60, pattern);
	const char *args[] = { "-k", "-c", "20", "-t", "20", NULL };
	struct lines *lines;
	struct run *run;

	run = scrape_list(list, &lines, args);
	ck_assert_uint_eq(lines->n, 60);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_int_eq(server_stat(srv, "tls_requests"), 60);
	ck_assert_int_eq(server_stat(srv, "max_inflight"), 20);
	lines_free(lines);
	run_free(run);
	free(list);
	free(pattern);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("tls");
	TCase *tc = tcase_create("tls");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_self_signed_is_tls_and_not_retried);
	tcase_add_test(tc, test_k_accepts_self_signed);
	tcase_add_test(tc, test_insecure_long_form);
	tcase_add_test(tc, test_redirect_http_to_https);
	tcase_add_test(tc, test_redirect_to_self_signed_is_final);
	tcase_add_test(tc, test_broken_handshake_is_tls_and_retried);
	tcase_add_test(tc, test_plain_http_to_tls_port_is_reset);
	tcase_add_test(tc, test_many_urls_over_tls);
	tcase_add_test(tc, test_concurrency_cap_over_tls);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
