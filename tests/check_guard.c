/* --no-private's address judgement and --resume's reading of a previous
 * run's output: the pure parts of the two safety features. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netguard.h"
#include "resume.h"

static bool
is_private(const char *text)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, text, &in4.sin_addr) == 1)
		return netguard_is_private((struct sockaddr *)&in4);
	ck_assert_msg(inet_pton(AF_INET6, text, &in6.sin6_addr) == 1,
	    "bad test address %s", text);
	return netguard_is_private((struct sockaddr *)&in6);
}

static const char *const private_addrs[] = {
	"127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255",
	"172.16.0.1", "172.31.255.255", "192.168.0.1", "192.168.255.255",
	"169.254.169.254", "169.254.0.1", "0.0.0.0", "0.1.2.3",
	"100.64.0.1", "100.127.255.255", "224.0.0.1", "255.255.255.255",
	"::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1",
	"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
	"::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::", "ff02::1",
};

static const char *const public_addrs[] = {
	"1.1.1.1", "8.8.8.8", "93.184.216.34", "172.15.255.255",
	"172.32.0.1", "192.167.255.255", "192.169.0.1", "169.253.255.255",
	"100.63.255.255", "100.128.0.1", "11.0.0.1", "126.255.255.255",
	"128.0.0.1", "223.255.255.255", "2606:4700::1111",
	"2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808",
	"2002:808:808::",
};

START_TEST(test_private_addresses_refused)
{
	ck_assert_msg(is_private(private_addrs[_i]), "%s not refused",
	    private_addrs[_i]);
}
END_TEST

START_TEST(test_public_addresses_allowed)
{
	ck_assert_msg(!is_private(public_addrs[_i]), "%s refused",
	    public_addrs[_i]);
}
END_TEST

START_TEST(test_format)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	char text[64];

	inet_pton(AF_INET, "169.254.169.254", &in4.sin_addr);
	netguard_format((struct sockaddr *)&in4, text, sizeof text);
	ck_assert_str_eq(text, "169.254.169.254");
}
END_TEST

static void
add(struct resume *r, const char *line)
{
	resume_add_line(r, line, strlen(line));
}

static bool
done(const struct resume *r, const char *url)
{
	return resume_done(r, url, strlen(url));
}

/* Final lines mark their URL done, cancelled ones do not. */
START_TEST(test_resume_final_and_cancelled)
{
	struct resume *r = resume_new();

	add(r, "{\"url\":\"http://a/\",\"ok\":true,\"error\":null}");
	add(r, "{\"url\":\"http://b/\",\"ok\":false,\"error\":{\"kind\":\"http\",\"message\":\"x\"}}");
	add(r, "{\"url\":\"http://c/\",\"ok\":false,\"error\":{\"kind\":\"cancelled\",\"message\":\"x\"}}");
	add(r, "{\"url\":\"http://d/\",\"ok\":false,\"error\":{\"kind\":\"invalid_url\",\"message\":\"x\"}}");
	ck_assert(done(r, "http://a/"));
	ck_assert(done(r, "http://b/"));
	ck_assert(!done(r, "http://c/"));
	ck_assert(done(r, "http://d/"));
	ck_assert(!done(r, "http://e/"));
	ck_assert_uint_eq(resume_count(r), 3);
	resume_free(r);
}
END_TEST

/* Anything that is not a result line is passed over. */
START_TEST(test_resume_ignores_junk)
{
	struct resume *r = resume_new();

	ck_assert(!resume_add_line(r, "", 0));
	ck_assert(!resume_add_line(r, "{\"url\":\"http://a/\"", 17));
	ck_assert(!resume_add_line(r, "not json", 8));
	ck_assert(!resume_add_line(r, "[1,2]", 5));
	ck_assert(!resume_add_line(r, "{\"url\":5,\"error\":null}", 22));
	ck_assert(!resume_add_line(r, "{\"url\":\"http://a/\",\"error\":{}}", 30));
	ck_assert_uint_eq(resume_count(r), 0);
	resume_free(r);
}
END_TEST

/* An input line with bytes that are not UTF-8 shows them as U+FFFD in
 * its output line; it must still be recognised as done. */
START_TEST(test_resume_matches_sanitised_url)
{
	struct resume *r = resume_new();

	add(r, "{\"url\":\"http://x/\xef\xbf\xbd\",\"error\":{\"kind\":\"invalid_url\",\"message\":\"\"}}");
	add(r, "{\"url\":\"http://y/\\u00e9\",\"error\":null}");
	ck_assert(done(r, "http://x/\xff"));
	ck_assert(done(r, "http://y/\xc3\xa9"));
	ck_assert(!done(r, "http://y/e"));
	resume_free(r);
}
END_TEST

/* Many URLs: every one found, none invented. */
START_TEST(test_resume_many)
{
	struct resume *r = resume_new();
	char line[128], url[64];

	for (int i = 0; i < 50000; i++) {
		snprintf(line, sizeof line,
		    "{\"url\":\"http://h/%d\",\"error\":null}", i);
		add(r, line);
	}
	ck_assert_uint_eq(resume_count(r), 50000);
	for (int i = 0; i < 50000; i++) {
		snprintf(url, sizeof url, "http://h/%d", i);
		ck_assert(done(r, url));
		snprintf(url, sizeof url, "http://h/%d/", i);
		ck_assert(!done(r, url));
	}
	resume_free(r);
}
END_TEST

/* A torn last line is cut off the file; complete lines stay. */
START_TEST(test_resume_load_truncates_torn_line)
{
	char path[] = "/tmp/scrape-resume-XXXXXX";
	const char *text = "{\"url\":\"http://a/\",\"error\":null}\n"
	    "{\"url\":\"http://b/\",\"er";
	int fd = mkstemp(path);
	struct resume *r = resume_new();
	char err[256], back[256];
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert(resume_load(r, path, err, sizeof err));
	ck_assert(done(r, "http://a/"));
	ck_assert(!done(r, "http://b/"));
	fd = open(path, O_RDONLY);
	n = read(fd, back, sizeof back);
	close(fd);
	ck_assert_int_eq(n, 33);
	ck_assert(memcmp(back, text, 33) == 0);
	unlink(path);
	resume_free(r);
}
END_TEST

START_TEST(test_resume_load_missing_file_is_empty)
{
	struct resume *r = resume_new();
	char err[256];

	ck_assert(resume_load(r, "/tmp/scrape-no-such-file-here", err,
	    sizeof err));
	ck_assert_uint_eq(resume_count(r), 0);
	resume_free(r);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("guard");
	TCase *net = tcase_create("no-private");
	TCase *res = tcase_create("resume");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(net, test_private_addresses_refused, 0,
	    sizeof private_addrs / sizeof private_addrs[0]);
	tcase_add_loop_test(net, test_public_addresses_allowed, 0,
	    sizeof public_addrs / sizeof public_addrs[0]);
	tcase_add_test(net, test_format);
	tcase_add_test(res, test_resume_final_and_cancelled);
	tcase_add_test(res, test_resume_ignores_junk);
	tcase_add_test(res, test_resume_matches_sanitised_url);
	tcase_add_test(res, test_resume_many);
	tcase_add_test(res, test_resume_load_truncates_torn_line);
	tcase_add_test(res, test_resume_load_missing_file_is_empty);
	suite_add_tcase(suite, net);
	suite_add_tcase(suite, res);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
